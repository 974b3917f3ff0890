// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/account/accountsettings.h"
#include "core/common/clock.h"
#include "core/common/error.h"
#include "core/common/tls.h"

#include <QByteArray>
#include <QObject>
#include <QPointer>

#include <chrono>
#include <optional>

class QSslSocket;

namespace Tidings::Account {

/// Which protocol a server speaks, for probing.
enum class ServerKind { Imap, Pop3, Smtp };

[[nodiscard]] QString serverKindName(ServerKind kind); ///< "IMAP", "POP3", "SMTP"

/// What one probe found.
struct ProbeOutcome {
    bool reachable = false;  ///< the server answered with the right protocol's greeting over TLS
    QString greeting;        ///< its first line, for the person's curiosity and the log
    Error error;             ///< why not, if not
    std::optional<CertificateProblem> certificate; ///< set when TLS stopped at the certificate
};

/// Checks with a real connection that a server speaks @p kind with the given security, without
/// logging in: connect, TLS (implicit, or the protocol's STARTTLS / STLS command), read the
/// greeting, say goodbye. Used by discovery to test guessed host names.
///
/// States: Idle → Connecting → (Tls) → Greeting → (Capabilities → Upgrading → Tls) → Done.
/// It owns its socket. Nothing secret is ever sent: the only commands are CAPABILITY-free
/// STARTTLS / STLS / EHLO and LOGOUT / QUIT. A certificate that fails validation and is not
/// pinned in the TlsPolicy stops the probe (TlsGuard) and is reported, never accepted. Lines
/// are capped at 4 KiB and the whole conversation at 64 KiB. finished() is emitted exactly
/// once, unless abort() was called first.
class ServerProbe final : public QObject
{
    Q_OBJECT
public:
    ServerProbe(ServerKind kind, Endpoint endpoint, TlsPolicy policy, Clock &clock = SystemClock::instance(),
                QObject *parent = nullptr);
    ~ServerProbe() override;
    Q_DISABLE_COPY_MOVE(ServerProbe)

    void setTimeout(std::chrono::milliseconds timeout) { m_timeoutInterval = timeout; }
    void start();
    /// Stops at once; finished() is not emitted.
    void abort();

    [[nodiscard]] ServerKind kind() const { return m_kind; }
    [[nodiscard]] const Endpoint &endpoint() const { return m_endpoint; }
    [[nodiscard]] const ProbeOutcome &outcome() const { return m_outcome; }

Q_SIGNALS:
    void finished(const Tidings::Account::ProbeOutcome &outcome);

private:
    enum class State { Idle, Connecting, Greeting, Capabilities, Upgrading, Handshaking, PostTlsGreeting, Done };

    void onConnected();
    void onEncrypted();
    void onReadyRead();
    void onLine(const QByteArray &line);
    void onSocketError();
    void succeed();
    void fail(Error error);
    void send(const QByteArray &line);
    [[nodiscard]] bool greetingOk(const QByteArray &line) const;

    ServerKind m_kind;
    Endpoint m_endpoint;
    TlsPolicy m_policy;
    Clock &m_clock;
    QSslSocket *m_socket = nullptr;
    TlsGuard *m_guard = nullptr;
    Timer *m_timeout = nullptr;
    std::chrono::milliseconds m_timeoutInterval{10000};
    State m_state = State::Idle;
    QByteArray m_buffer;
    qint64 m_received = 0;
    bool m_sawStartTls = false;
    ProbeOutcome m_outcome;
};

} // namespace Tidings::Account

Q_DECLARE_METATYPE(Tidings::Account::ProbeOutcome)
