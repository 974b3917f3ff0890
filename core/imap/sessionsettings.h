// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/error.h"
#include "core/common/tls.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <chrono>
#include <functional>
#include <utility>
#include <variant>

class QIODevice;

namespace Tidings::Imap {

/// A secret for one authentication: a password or an OAuth 2.0 access token (XOAUTH2).
struct Credential {
    enum class Kind { Password, OAuth2Token };
    Kind kind = Kind::Password;
    QString secret;
};

/// Called once with the credential, or with the reason there is none (keychain locked, the
/// person cancelled, the token refresh failed). May be called later, from the event loop.
using CredentialReply = std::function<void(std::variant<Credential, Error>)>;

/// Asked for the credential each time a LoginJob needs it. The session never keeps the secret
/// beyond the command that sends it, so a provider backed by the keychain or an OAuth token
/// refresher is asked again on every reconnect.
using CredentialProvider = std::function<void(CredentialReply reply)>;

/// A provider that answers at once with @p password (tests, the command line).
[[nodiscard]] CredentialProvider staticPassword(QString password);
/// A provider that answers at once with an OAuth 2.0 access token.
[[nodiscard]] CredentialProvider staticOAuth2Token(QString token);

/// Every time limit of a session, applied through the session's Clock.
struct SessionTimeouts {
    /// TCP connect, TLS handshake and greeting together.
    std::chrono::milliseconds connect = std::chrono::seconds(30);
    /// While a command waits for its completion, the longest silence from the server.
    std::chrono::milliseconds command = std::chrono::seconds(60);
    /// IDLE is ended with DONE and re-issued after this long (RFC 9051 §6.3.13: servers may drop
    /// an idle client after 30 minutes). Values above 29 minutes are clamped to 29.
    std::chrono::milliseconds idleRenewal = std::chrono::minutes(10);
    /// With no command running and not idling, a NOOP is sent after this much silence
    /// (0 disables the keep-alive).
    std::chrono::milliseconds keepAlive = std::chrono::minutes(5);
    /// A keep-alive NOOP or the DONE of an IDLE renewal unanswered for this long means the
    /// connection is dead.
    std::chrono::milliseconds keepAliveResponse = std::chrono::seconds(30);

    static constexpr std::chrono::milliseconds MaxIdleRenewal = std::chrono::minutes(29);
    /// idleRenewal clamped to (0, 29 min].
    [[nodiscard]] std::chrono::milliseconds effectiveIdleRenewal() const;
};

/// Everything a Session needs to reach and secure one IMAP server.
struct SessionSettings {
    QString host;
    quint16 port = 993;
    Security security = Security::ImplicitTls;
    TlsPolicy tls;

    QString username;
    CredentialProvider credentials;

    /// RFC 2971 ID fields sent by IdJob when asked (e.g. {"name","Tidings"},{"version","0.1"}).
    QList<std::pair<QByteArray, QByteArray>> clientId;

    SessionTimeouts timeouts;

    /// Protocol log: a device (not owned) takes precedence over a file path; with neither, the
    /// TIDINGS_PROTOCOL_LOG environment variable (a directory) decides.
    QIODevice *protocolLogDevice = nullptr;
    QString protocolLogFile;
    bool protocolLogFromEnvironment = true;
};

} // namespace Tidings::Imap
