// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/account/serverprobe.h"
#include "core/common/error.h"
#include "core/common/tls.h"

#include <QDateTime>
#include <QString>

#include <optional>

namespace Tidings::Account {

/// What went wrong with a server, in the terms a person can act on.
enum class Problem {
    None,
    WrongPassword,     ///< the server refused the login name or password
    AccessDisabled,    ///< the provider has mail programs (IMAP/POP3/SMTP) switched off for the account
    AppPasswordNeeded, ///< the provider wants an app password, not the account password
    WebSignInNeeded,   ///< the provider blocked the sign-in until the person confirms it on the web
    HostUnknown,       ///< the server name does not exist
    PortBlocked,       ///< nothing answers on that port (firewall, wrong port, server down)
    Certificate,       ///< the certificate failed validation
    ClockWrong,        ///< the computer's date is off, so valid certificates look invalid
    SenderMismatch,    ///< the server only sends mail from the address it logged in as
    NoTls,             ///< the server offers no encryption, so no password is sent to it
    Timeout,           ///< the server stopped answering
    ServerError,       ///< anything else the server said
};

[[nodiscard]] QString problemName(Problem problem); ///< "wrong-password", "access-disabled", ...

/// A failure explained: what happened, what to try, and the server's own words beside it.
struct Diagnosis {
    Problem problem = Problem::None;
    QString explanation; ///< one or two sentences, plain words (untranslated core text)
    QString fix;         ///< what to try next
    QString serverText;  ///< verbatim, possibly empty

    friend bool operator==(const Diagnosis &, const Diagnosis &) = default;
};

/// Explains @p error from a @p kind server. @p certificate is the refused certificate, if that
/// was the cause; @p now is the computer's time (to tell a wrong clock from a bad certificate);
/// @p providerNote is the preset's advice, used as the fix where the provider's settings are the cause.
[[nodiscard]] Diagnosis diagnose(ServerKind kind, const Error &error,
                                 const std::optional<CertificateProblem> &certificate, const QDateTime &now,
                                 const QString &providerNote = {});

} // namespace Tidings::Account
