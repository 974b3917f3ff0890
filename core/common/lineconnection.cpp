// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/common/lineconnection.h"

#include <QSslCipher>
#include <QSslSocket>

namespace Tidings {

LineConnection::LineConnection(Clock &clock, QObject *parent)
    : QObject(parent)
    , m_timer(new Timer(clock, this))
{
    connect(m_timer, &Timer::timeout, this, [this] {
        fail(Error::make(Error::Kind::Timeout,
                         QStringLiteral("no answer from %1:%2 within %3 s")
                             .arg(m_host)
                             .arg(m_port)
                             .arg(std::chrono::duration_cast<std::chrono::seconds>(m_timeout).count())));
    });
}

LineConnection::~LineConnection()
{
    teardown();
}

void LineConnection::teardown()
{
    m_timer->stop();
    m_waiting = false;
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    if (m_guard) {
        m_guard->disconnect(this);
        m_guard->deleteLater();
        m_guard = nullptr;
    }
    m_log.reset();
}

void LineConnection::open(const QString &host, quint16 port, Security security, const TlsPolicy &policy,
                          std::unique_ptr<ProtocolLog> log)
{
    teardown();
    m_host = host;
    m_port = port;
    m_security = security;
    m_failed = false;
    m_tcpConnected = false;
    m_log = std::move(log);
    m_socket = new QSslSocket(this);
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_guard = new TlsGuard(m_socket, host, port, policy, this);
    // The guard aborts the socket before it signals, so the socket's own error and disconnect
    // handlers look at the guard first: a refused certificate is reported as such.
    connect(m_guard, &TlsGuard::certificateRejected, this, [this] { reportRefusedCertificate(); });
    connect(m_socket, &QSslSocket::readyRead, this, [this] {
        activity();
        Q_EMIT readyRead();
    });
    connect(m_socket, &QSslSocket::bytesWritten, this, [this] { activity(); });
    connect(m_socket, &QSslSocket::encryptedBytesWritten, this, [this] { activity(); });
    connect(m_socket, &QSslSocket::connected, this, [this] {
        activity();
        m_tcpConnected = true;
        if (m_security != Security::ImplicitTls)
            Q_EMIT ready();
    });
    connect(m_socket, &QSslSocket::encrypted, this, [this] {
        activity();
        const bool implicit = m_security == Security::ImplicitTls && m_handshaking;
        m_handshaking = false;
        if (m_log)
            m_log->comment(QStringLiteral("TLS established: %1").arg(m_socket->sessionCipher().name()));
        if (implicit)
            Q_EMIT ready();
        else
            Q_EMIT encrypted();
    });
    connect(m_socket, &QSslSocket::errorOccurred, this, [this](QAbstractSocket::SocketError code) {
        if (code == QAbstractSocket::RemoteHostClosedError && !m_handshaking)
            return; // closed() reports it
        if (reportRefusedCertificate())
            return;
        const QString text = m_socket->errorString();
        if (!m_tcpConnected) {
            // connectToHostEncrypted() sets m_handshaking before the TCP connection exists, so a
            // refused port, an unknown host or an unreachable network must be told apart here:
            // no TLS byte was exchanged, and "check the certificate" would send the person the
            // wrong way.
            fail(
                Error::make(Error::Kind::Network,
                            QStringLiteral("cannot connect to %1:%2: %3").arg(m_host).arg(m_port).arg(text)));
            return;
        }
        if (m_handshaking || code == QAbstractSocket::SslHandshakeFailedError ||
            code == QAbstractSocket::SslInternalError || code == QAbstractSocket::SslInvalidUserDataError) {
            fail(Error::make(
                Error::Kind::Tls,
                QStringLiteral("TLS handshake with %1:%2 failed: %3").arg(m_host).arg(m_port).arg(text)));
            return;
        }
        fail(
            Error::make(Error::Kind::Network, QStringLiteral("%1:%2: %3").arg(m_host).arg(m_port).arg(text)));
    });
    connect(m_socket, &QSslSocket::disconnected, this, [this] {
        m_timer->stop();
        if (m_log)
            m_log->closed();
        if (m_failed || reportRefusedCertificate())
            return;
        if (m_handshaking && m_tcpConnected) {
            fail(Error::make(Error::Kind::Tls,
                             QStringLiteral("%1:%2 closed the connection during the TLS handshake")
                                 .arg(m_host)
                                 .arg(m_port)));
            return;
        }
        Q_EMIT closed();
    });

    m_waiting = true;
    m_timer->start(m_timeout);
    if (security == Security::ImplicitTls) {
        m_handshaking = true;
        if (m_log)
            m_log->comment(QStringLiteral("implicit TLS"));
        m_socket->connectToHostEncrypted(host, port);
    } else {
        m_socket->connectToHost(host, port);
    }
}

void LineConnection::startTls()
{
    if (!m_socket)
        return;
    if (m_log)
        m_log->tlsStarted();
    m_handshaking = true;
    m_socket->startClientEncryption();
}

void LineConnection::write(const QByteArray &bytes)
{
    if (m_socket && !m_failed)
        m_socket->write(bytes);
}

QByteArray LineConnection::readAll()
{
    if (!m_socket)
        return {};
    QByteArray bytes = m_socket->readAll();
    if (m_log && !bytes.isEmpty())
        m_log->serverBytes(bytes);
    return bytes;
}

qint64 LineConnection::bytesAvailable() const
{
    return m_socket ? m_socket->bytesAvailable() : 0;
}

void LineConnection::close()
{
    m_timer->stop();
    m_waiting = false;
    if (m_socket)
        m_socket->disconnectFromHost();
}

void LineConnection::abort()
{
    teardown();
}

bool LineConnection::isOpen() const
{
    return m_socket && !m_failed && m_socket->state() == QAbstractSocket::ConnectedState;
}

bool LineConnection::isEncrypted() const
{
    return m_socket && m_socket->isEncrypted();
}

void LineConnection::setWaiting(bool waiting)
{
    if (waiting == m_waiting)
        return;
    m_waiting = waiting;
    if (waiting && !m_failed && m_socket)
        m_timer->start(m_timeout);
    else
        m_timer->stop();
}

void LineConnection::activity()
{
    if (m_waiting && !m_failed)
        m_timer->start(m_timeout);
}

bool LineConnection::reportRefusedCertificate()
{
    if (!m_guard || !m_guard->problem())
        return false;
    if (!m_failed) {
        const CertificateProblem problem = *m_guard->problem();
        const Error error = m_guard->error();
        Q_EMIT certificateRejected(problem);
        fail(error);
    }
    return true;
}

void LineConnection::fail(const Error &error)
{
    if (m_failed)
        return;
    m_failed = true;
    m_handshaking = false;
    m_timer->stop();
    if (m_log)
        m_log->comment(QStringLiteral("connection failed: ") + error.toString());
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    Q_EMIT failed(error);
}

} // namespace Tidings
