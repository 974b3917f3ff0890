// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/account/accountsettings.h"
#include "core/common/error.h"

#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QStringList>

#include <variant>

namespace Tidings::Account {

/// One server from a Mozilla autoconfig document, already made safe for @p email (see
/// parseAutoconfig): the login is the address or its local part, never anything else.
struct AutoconfigServer {
    enum class Type { Imap, Pop3, Smtp };
    Type type = Type::Imap;
    Endpoint endpoint;
    QStringList authentication; ///< "password-cleartext", "OAuth2", ... as listed

    friend bool operator==(const AutoconfigServer &, const AutoconfigServer &) = default;
};

/// What a clientConfig v1.1 document says about one provider, after the rules below.
struct AutoconfigResult {
    QString providerId;
    QString displayName;
    QStringList domains;
    QList<AutoconfigServer> incoming; ///< in the document's order of preference, TLS first
    QList<AutoconfigServer> outgoing;
    QString instruction;  ///< from <enable><instruction>, if any
    QString instructionUrl;
    QStringList warnings; ///< what was ignored and why (a changed login, a plaintext server, ...)

    friend bool operator==(const AutoconfigResult &, const AutoconfigResult &) = default;
};

/// Bounds for parsing a document fetched from the network.
struct AutoconfigLimits {
    qsizetype maxBytes = 64 * 1024;
    int maxDepth = 12;
    int maxServers = 16;
    qsizetype maxTextLength = 1024;
};

/// Parses a Mozilla autoconfig document (clientConfig version 1.1, as served at
/// autoconfig.DOMAIN/mail/config-v1.1.xml and used by Thunderbird's ISPDB) for @p email.
///
/// The document is untrusted: it is refused if larger than the limit, deeper than the limit,
/// or if it has a DTD or entity references (no entity is ever expanded). It is never trusted
/// to choose the login name: a username template other than %EMAILADDRESS% or
/// %EMAILLOCALPART% is replaced by the full address and a warning. A plaintext server is
/// dropped whenever the document also offers TLS for the same protocol, and dropped anyway
/// unless @p allowPlaintext. Unknown elements are skipped.
[[nodiscard]] std::variant<AutoconfigResult, Error> parseAutoconfig(QByteArrayView xml, const QString &email,
                                                                    bool allowPlaintext = false,
                                                                    const AutoconfigLimits &limits = {});

} // namespace Tidings::Account
