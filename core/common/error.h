// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QByteArray>
#include <QString>

namespace Tidings {

/// An error is a value. Core code fills it with untranslated, technical detail;
/// ui/ turns it into words for a person.
struct Error final {
    enum class Kind {
        None,
        Network,        ///< host unknown, connection refused, connection lost
        Tls,            ///< handshake failed, certificate not trusted, downgrade refused
        Authentication, ///< the server refused the credentials
        ServerNo,       ///< a tagged NO / -ERR / 5xx the client cannot work around
        ServerBad,      ///< the server says our command was wrong (BAD / 500)
        Protocol,       ///< the server sent bytes we cannot parse or that break the protocol
        Timeout,        ///< no answer within the allowed time
        Storage,        ///< the local store failed (disk full, database corrupt)
        Cancelled,      ///< the user or the program stopped the operation
        Config,         ///< a setting makes the operation impossible
    };

    Kind kind = Kind::None;
    QString detail;          ///< what went wrong, technical and untranslated
    QString serverText;      ///< the server's own words, verbatim, if any
    QByteArray responseCode; ///< e.g. "AUTHENTICATIONFAILED", "5.7.8", if any

    [[nodiscard]] bool isError() const { return kind != Kind::None; }
    explicit operator bool() const { return isError(); }

    /// One line for logs and the command line: "Authentication: LOGIN failed [AUTHENTICATIONFAILED] (server: ...)".
    [[nodiscard]] QString toString() const;

    [[nodiscard]] static Error make(Kind kind, QString detail, QString serverText = {},
                                    QByteArray responseCode = {});

    friend bool operator==(const Error &, const Error &) = default;
};

/// A stable, untranslated name for an error kind ("Network", "Tls", ...).
[[nodiscard]] QString errorKindName(Error::Kind kind);

} // namespace Tidings
