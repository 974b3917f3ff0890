// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/account/serverprobe.h"

#include <QSslSocket>
#include <QTimer>

#include <utility>

namespace Tidings::Account {

namespace {

constexpr qsizetype kMaxLine = 4096;
constexpr qint64 kMaxTotal = 64 * 1024;

} // namespace

QString serverKindName(ServerKind kind)
{
    switch (kind) {
    case ServerKind::Imap: return QStringLiteral("IMAP");
    case ServerKind::Pop3: return QStringLiteral("POP3");
    case ServerKind::Smtp: return QStringLiteral("SMTP");
    }
    return {};
}

ServerProbe::ServerProbe(ServerKind kind, Endpoint endpoint, TlsPolicy policy, Clock &clock, QObject *parent)
    : QObject(parent)
    , m_kind(kind)
    , m_endpoint(std::move(endpoint))
    , m_policy(std::move(policy))
    , m_clock(clock)
{
}

ServerProbe::~ServerProbe() = default;

void ServerProbe::start()
{
    Q_ASSERT(m_state == State::Idle);
    if (m_endpoint.security == Security::None) {
        // Discovery never proposes plaintext; a probe will not help it to.
        fail(Error::make(Error::Kind::Config, QStringLiteral("plaintext servers are not probed")));
        return;
    }
    m_socket = new QSslSocket(this);
    m_guard = new TlsGuard(m_socket, m_endpoint.host, m_endpoint.port, m_policy, this);
    connect(m_guard, &TlsGuard::certificateRejected, this, [this](const CertificateProblem &problem) {
        m_outcome.certificate = problem;
        fail(m_guard->error());
    });
    connect(m_socket, &QSslSocket::connected, this, &ServerProbe::onConnected);
    connect(m_socket, &QSslSocket::encrypted, this, &ServerProbe::onEncrypted);
    connect(m_socket, &QSslSocket::readyRead, this, &ServerProbe::onReadyRead);
    connect(m_socket, &QSslSocket::errorOccurred, this, &ServerProbe::onSocketError);
    m_timeout = new Timer(m_clock, this);
    connect(m_timeout, &Timer::timeout, this, [this] {
        fail(Error::make(Error::Kind::Timeout, QStringLiteral("%1 did not answer within %2 seconds")
                                                   .arg(m_endpoint.describe())
                                                   .arg(m_timeoutInterval.count() / 1000)));
    });
    m_timeout->start(m_timeoutInterval);
    m_state = State::Connecting;
    if (m_endpoint.security == Security::ImplicitTls)
        m_socket->connectToHostEncrypted(m_endpoint.host, m_endpoint.port);
    else
        m_socket->connectToHost(m_endpoint.host, m_endpoint.port);
}

void ServerProbe::abort()
{
    m_state = State::Done;
    if (m_timeout)
        m_timeout->stop();
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

void ServerProbe::onConnected()
{
    if (m_state != State::Connecting)
        return;
    // Implicit TLS: the greeting comes after the handshake (onEncrypted).
    m_state = m_endpoint.security == Security::ImplicitTls ? State::Handshaking : State::Greeting;
}

void ServerProbe::onEncrypted()
{
    if (m_state != State::Handshaking)
        return;
    if (m_endpoint.security == Security::ImplicitTls) {
        m_state = State::Greeting;
    } else {
        // After STARTTLS the server says nothing until spoken to; that the handshake passed
        // the certificate checks is what the probe wanted to know.
        succeed();
        return;
    }
    if (m_socket->bytesAvailable() > 0)
        onReadyRead();
}

void ServerProbe::onReadyRead()
{
    if (m_state == State::Done || m_state == State::Handshaking || m_state == State::Connecting)
        return;
    const QByteArray data = m_socket->readAll();
    m_received += data.size();
    if (m_received > kMaxTotal) {
        fail(Error::make(Error::Kind::Protocol, QStringLiteral("%1 sent more than %2 bytes without a greeting")
                                                    .arg(m_endpoint.describe())
                                                    .arg(kMaxTotal)));
        return;
    }
    m_buffer += data;
    while (m_state != State::Done && m_state != State::Handshaking) {
        const qsizetype eol = m_buffer.indexOf('\n');
        if (eol < 0) {
            if (m_buffer.size() > kMaxLine)
                fail(Error::make(Error::Kind::Protocol,
                                 QStringLiteral("%1 sent a line longer than %2 bytes").arg(m_endpoint.describe()).arg(kMaxLine)));
            return;
        }
        QByteArray line = m_buffer.left(eol);
        m_buffer.remove(0, eol + 1);
        if (line.endsWith('\r'))
            line.chop(1);
        onLine(line);
    }
}

bool ServerProbe::greetingOk(const QByteArray &line) const
{
    switch (m_kind) {
    case ServerKind::Imap: return line.startsWith("* OK") || line.startsWith("* PREAUTH");
    case ServerKind::Pop3: return line.startsWith("+OK");
    case ServerKind::Smtp: return line.startsWith("220");
    }
    return false;
}

void ServerProbe::onLine(const QByteArray &line)
{
    switch (m_state) {
    case State::Greeting:
        if (m_kind == ServerKind::Smtp && line.startsWith("220-")) {
            if (m_outcome.greeting.isEmpty())
                m_outcome.greeting = QString::fromUtf8(line);
            return; // multi-line greeting continues
        }
        if (!greetingOk(line)) {
            fail(Error::make(Error::Kind::Protocol,
                             QStringLiteral("%1 does not greet like a %2 server").arg(m_endpoint.describe(), serverKindName(m_kind)),
                             QString::fromUtf8(line.left(200))));
            return;
        }
        if (m_outcome.greeting.isEmpty())
            m_outcome.greeting = QString::fromUtf8(line.left(200));
        if (m_endpoint.security == Security::ImplicitTls) {
            succeed();
            return;
        }
        switch (m_kind) {
        case ServerKind::Imap:
            m_state = State::Upgrading;
            send("p1 STARTTLS");
            break;
        case ServerKind::Pop3:
            m_state = State::Upgrading;
            send("STLS");
            break;
        case ServerKind::Smtp:
            m_state = State::Capabilities;
            send("EHLO [127.0.0.1]");
            break;
        }
        return;
    case State::Capabilities: // SMTP EHLO reply, RFC 5321 §4.1.1.1
        if (!line.startsWith("250")) {
            fail(Error::make(Error::Kind::ServerNo, QStringLiteral("%1 refused EHLO").arg(m_endpoint.describe()),
                             QString::fromUtf8(line.left(200))));
            return;
        }
        if (line.mid(4).trimmed().toUpper() == "STARTTLS")
            m_sawStartTls = true;
        if (line.size() >= 4 && line.at(3) == '-')
            return;
        if (!m_sawStartTls) {
            fail(Error::make(Error::Kind::Tls, QStringLiteral("%1 does not offer STARTTLS").arg(m_endpoint.describe())));
            return;
        }
        m_state = State::Upgrading;
        send("STARTTLS");
        return;
    case State::Upgrading: {
        if (m_kind == ServerKind::Imap && line.startsWith("* "))
            return; // untagged data before the tagged answer
        const bool ok = (m_kind == ServerKind::Imap && line.startsWith("p1 OK"))
                        || (m_kind == ServerKind::Pop3 && line.startsWith("+OK"))
                        || (m_kind == ServerKind::Smtp && line.startsWith("220"));
        if (!ok) {
            fail(Error::make(Error::Kind::Tls, QStringLiteral("%1 refused to start TLS").arg(m_endpoint.describe()),
                             QString::fromUtf8(line.left(200))));
            return;
        }
        if (!m_buffer.isEmpty()) {
            // Bytes after the go-ahead and before the handshake would be injected plaintext.
            fail(Error::make(Error::Kind::Tls,
                             QStringLiteral("%1 sent data before the TLS handshake").arg(m_endpoint.describe())));
            return;
        }
        m_state = State::Handshaking;
        m_socket->startClientEncryption();
        return;
    }
    default:
        return;
    }
}

void ServerProbe::send(const QByteArray &line)
{
    m_socket->write(line + "\r\n");
}

void ServerProbe::onSocketError()
{
    if (m_state == State::Done)
        return;
    if (m_guard->problem()) {
        fail(m_guard->error());
        return;
    }
    const auto error = m_socket->error();
    Error::Kind kind = Error::Kind::Network;
    if (error == QAbstractSocket::SslHandshakeFailedError || error == QAbstractSocket::SslInternalError
        || error == QAbstractSocket::SslInvalidUserDataError)
        kind = Error::Kind::Tls;
    else if (error == QAbstractSocket::SocketTimeoutError)
        kind = Error::Kind::Timeout;
    QString what;
    switch (error) {
    case QAbstractSocket::HostNotFoundError: what = QStringLiteral("host not found"); break;
    case QAbstractSocket::ConnectionRefusedError: what = QStringLiteral("connection refused"); break;
    case QAbstractSocket::RemoteHostClosedError: what = QStringLiteral("the server closed the connection"); break;
    default: what = m_socket->errorString(); break;
    }
    fail(Error::make(kind, m_endpoint.describe() + QStringLiteral(": ") + what, {},
                     error == QAbstractSocket::HostNotFoundError         ? QByteArray("HOST-NOT-FOUND")
                     : error == QAbstractSocket::ConnectionRefusedError ? QByteArray("CONNECTION-REFUSED")
                                                                        : QByteArray()));
}

void ServerProbe::succeed()
{
    m_outcome.reachable = true;
    m_state = State::Done;
    m_timeout->stop();
    switch (m_kind) {
    case ServerKind::Imap: send("p2 LOGOUT"); break;
    case ServerKind::Pop3:
    case ServerKind::Smtp: send("QUIT"); break;
    }
    // The goodbye is flushed even if the probe is deleted right after finished(): the socket
    // outlives it until the server closes, or a few seconds at most.
    m_socket->disconnect(this);
    m_guard->setParent(m_socket);
    m_socket->setParent(nullptr);
    connect(m_socket, &QAbstractSocket::disconnected, m_socket, &QObject::deleteLater);
    QTimer::singleShot(5000, m_socket, &QObject::deleteLater);
    m_socket->disconnectFromHost();
    m_socket = nullptr;
    Q_EMIT finished(m_outcome);
}

void ServerProbe::fail(Error error)
{
    if (m_state == State::Done)
        return;
    m_state = State::Done;
    m_outcome.reachable = false;
    m_outcome.error = std::move(error);
    if (m_timeout)
        m_timeout->stop();
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
    Q_EMIT finished(m_outcome);
}

} // namespace Tidings::Account
