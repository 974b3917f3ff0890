// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/account/diagnosis.h"

namespace Tidings::Account {

namespace {

/// Before this date the computer's clock is certainly wrong (Tidings did not exist yet).
const QDateTime kEarliestPlausibleTime(QDate(2025, 1, 1), QTime(0, 0), Qt::UTC);

bool containsAny(const QString &text, std::initializer_list<const char *> needles)
{
    for (const char *needle : needles) {
        if (text.contains(QLatin1String(needle), Qt::CaseInsensitive))
            return true;
    }
    return false;
}

Diagnosis make(Problem problem, QString explanation, QString fix, const Error &error)
{
    return Diagnosis{problem, std::move(explanation), std::move(fix), error.serverText};
}

Diagnosis diagnoseTls(const QString &server, const Error &error)
{
    const QString said = error.serverText + u' ' + error.detail;
    if (containsAny(said, {"STARTTLS", "STLS", "start TLS", "without TLS"}))
        return make(Problem::NoTls,
                    QStringLiteral("The %1 server does not offer encryption, so Tidings did not send your "
                                   "password to it.")
                        .arg(server),
                    QStringLiteral("Use the server's encrypted port (IMAP 993, POP3 995, SMTP 465 or 587), or ask "
                                   "the provider for encrypted settings."),
                    error);
    return make(Problem::Certificate,
                QStringLiteral("The encrypted connection to the %1 server failed: %2").arg(server, error.detail),
                QStringLiteral("Check the port and security settings; a network that intercepts encrypted "
                               "connections causes this too."),
                error);
}

} // namespace

QString problemName(Problem problem)
{
    switch (problem) {
    case Problem::None: return QStringLiteral("ok");
    case Problem::WrongPassword: return QStringLiteral("wrong-password");
    case Problem::AccessDisabled: return QStringLiteral("access-disabled");
    case Problem::AppPasswordNeeded: return QStringLiteral("app-password-needed");
    case Problem::WebSignInNeeded: return QStringLiteral("web-sign-in-needed");
    case Problem::HostUnknown: return QStringLiteral("host-unknown");
    case Problem::PortBlocked: return QStringLiteral("port-blocked");
    case Problem::Certificate: return QStringLiteral("certificate");
    case Problem::ClockWrong: return QStringLiteral("clock-wrong");
    case Problem::SenderMismatch: return QStringLiteral("sender-mismatch");
    case Problem::NoTls: return QStringLiteral("no-tls");
    case Problem::Timeout: return QStringLiteral("timeout");
    case Problem::ServerError: return QStringLiteral("server-error");
    }
    return {};
}

Diagnosis diagnose(ServerKind kind, const Error &error, const std::optional<CertificateProblem> &certificate,
                   const QDateTime &now, const QString &providerNote)
{
    if (!error.isError())
        return {};
    const QString server = serverKindName(kind);
    // Everything the server and the session said, searched together: providers put the reason
    // in the text ("[ALERT] Application-specific password required"), the code or both.
    const QString said = error.serverText + u' ' + QString::fromLatin1(error.responseCode) + u' ' + error.detail;
    const QString providerFix = providerNote.isEmpty() ? QString() : providerNote;

    if (certificate || error.responseCode == "CERTIFICATE") {
        const bool notYetValid =
            certificate && certificate->reasons.contains(CertificateProblem::Reason::NotYetValid);
        const bool expired = certificate && certificate->reasons.contains(CertificateProblem::Reason::Expired);
        if (now < kEarliestPlausibleTime || notYetValid
            || (expired && certificate->notAfter() > now.addYears(5))) {
            return make(Problem::ClockWrong,
                        QStringLiteral("This computer's date and time (%1) look wrong, so the server's certificate "
                                       "seems not valid.")
                            .arg(now.toString(Qt::ISODate)),
                        QStringLiteral("Set the correct date, time and time zone, then try again."), error);
        }
        QString why = certificate ? certificate->explanations().join(u' ') : error.detail;
        return make(Problem::Certificate,
                    QStringLiteral("The %1 server's certificate cannot be trusted: %2 Nothing was sent to it.")
                        .arg(server, why),
                    QStringLiteral("If you know this server uses this certificate (compare the fingerprint with "
                                   "your provider or administrator), trust it for this server; otherwise do not "
                                   "connect. A company network may need its CA certificate added."),
                    error);
    }

    switch (error.kind) {
    case Error::Kind::Network:
    case Error::Kind::Tls:
        if (containsAny(said, {"host not found", "HOST-NOT-FOUND", "name or service not known", "no such host"}))
            return make(Problem::HostUnknown,
                        QStringLiteral("The %1 server name does not exist.").arg(server),
                        QStringLiteral("Check the server name for typing errors, and that this computer is online."),
                        error);
        if (containsAny(said, {"connection refused", "CONNECTION-REFUSED", "network unreachable", "unreachable"}))
            return make(Problem::PortBlocked,
                        QStringLiteral("Nothing answers on the %1 server's port.").arg(server),
                        QStringLiteral("Check the port number. A firewall or the network you are on may block mail "
                                       "ports; try another network or ask its administrator."),
                        error);
        if (error.kind == Error::Kind::Tls)
            return diagnoseTls(server, error);
        break;
    case Error::Kind::Timeout:
        return make(Problem::Timeout,
                    QStringLiteral("The %1 server did not answer in time.").arg(server),
                    QStringLiteral("A firewall may be dropping the connection, or the server is down. Check the port "
                                   "and try again later."),
                    error);
    default:
        break;
    }

    // Provider wording, most specific first.
    if (containsAny(said, {"application-specific password", "app password", "application password",
                           "app-specific password", "5.7.9", "ALERT] Application"}))
        return make(Problem::AppPasswordNeeded,
                    QStringLiteral("The provider does not accept your account password from mail programs; it wants "
                                   "an app password."),
                    providerFix.isEmpty()
                        ? QStringLiteral("Create an app password in your provider's security settings (two-step "
                                         "sign-in must be on) and enter it instead of your usual password.")
                        : providerFix,
                    error);
    if (containsAny(said, {"Login failure or POP3 disabled", "login failure or"}))
        return make(Problem::AccessDisabled,
                    QStringLiteral("The %1 server refused the login: either the password is wrong, or access by mail "
                                   "programs is switched off for this account.")
                        .arg(server),
                    QStringLiteral("Check the password, and turn on access for mail programs in your mailbox's "
                                   "settings on the provider's website. ")
                        + providerFix,
                    error);
    if (containsAny(said, {"POP3 disabled", "IMAP is disabled", "IMAP access is disabled", "not enabled for IMAP",
                           "not enabled for POP", "POP access is disabled", "IMAP access disabled",
                           "access for mail programs", "disabled for this account", "IMAP not enabled",
                           "POP3 is disabled", "IMAP/SMTP service is not open", "smtp disabled", "SMTP is disabled",
                           "does not have access rights to this service"}))
        return make(Problem::AccessDisabled,
                    QStringLiteral("The provider has access by mail programs (%1) switched off for this account.")
                        .arg(server),
                    providerFix.isEmpty()
                        ? QStringLiteral("Turn on access for mail programs (IMAP, POP3) in your mailbox's settings on "
                                         "the provider's website, then try again.")
                        : providerFix,
                    error);
    if (containsAny(said, {"log in via your web browser", "WEBALERT", "5.7.14", "sign in via the web",
                           "web login required", "verify your account"}))
        return make(Problem::WebSignInNeeded,
                    QStringLiteral("The provider blocked this sign-in until you confirm it on its website."),
                    QStringLiteral("Sign in to your mailbox in a web browser, confirm the sign-in from a new "
                                   "program if asked, then try again."),
                    error);
    if (kind == ServerKind::Smtp
        && containsAny(said, {"sender address rejected", "not owned by", "5.7.60", "does not match",
                              "send as this sender", "sender is not allowed", "5.1.7", "not authorized to send"}))
        return make(Problem::SenderMismatch,
                    QStringLiteral("The outgoing server only sends mail from the address you log in with."),
                    QStringLiteral("Use the address of this mailbox as the sender, or log in to the outgoing server "
                                   "with the account that owns the sender address."),
                    error);
    if (error.kind == Error::Kind::Authentication
        || containsAny(said, {"AUTHENTICATIONFAILED", "5.7.8", "535", "invalid credentials", "authentication failed",
                              "login failed", "wrong password", "bad password"}))
        return make(Problem::WrongPassword,
                    QStringLiteral("The %1 server refused the login name or password.").arg(server),
                    providerFix.isEmpty()
                        ? QStringLiteral("Check the password (and the login name). If your provider uses two-step "
                                         "sign-in, you may need an app password.")
                        : QStringLiteral("Check the password (and the login name). ") + providerFix,
                    error);
    return make(Problem::ServerError, QStringLiteral("The %1 server refused: %2").arg(server, error.detail),
                QStringLiteral("Read the server's words below; if they do not help, ask your provider."), error);
}

} // namespace Tidings::Account
