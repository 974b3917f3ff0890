// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/clock.h"
#include "core/common/error.h"
#include "core/common/protocollog.h"
#include "core/common/tls.h"

#include <QByteArray>
#include <QObject>
#include <QPointer>

#include <chrono>
#include <memory>

class QSslSocket;

namespace Tidings {

/// The transport under a line protocol session (POP3, SMTP): one QSslSocket on the event loop,
/// its TlsGuard, an inactivity timeout on an injected Clock, and an optional ProtocolLog.
///
/// Each open() makes a fresh socket, so a session can reconnect after any failure. The
/// connection reports at most one failed() per open(): a socket error, a refused certificate
/// (the TlsGuard's Kind::Tls error), a failed handshake, or the inactivity timeout while the
/// session is waiting for the server. A remote close is not an error here: it is reported by
/// closed(), and the session decides whether it expected it (after QUIT) or not.
///
/// The connection never ignores an SSL error itself; only the TlsGuard's pins can.
class LineConnection final : public QObject
{
    Q_OBJECT
public:
    explicit LineConnection(Clock &clock, QObject *parent = nullptr);
    ~LineConnection() override;
    Q_DISABLE_COPY_MOVE(LineConnection)

    /// Connects; ImplicitTls handshakes first. ready() follows when bytes may be exchanged.
    void open(const QString &host, quint16 port, Security security, const TlsPolicy &policy,
              std::unique_ptr<ProtocolLog> log = {});
    /// Starts the client handshake on the plain connection (after STLS/STARTTLS was accepted);
    /// encrypted() follows.
    void startTls();
    /// Sends bytes as they are (the caller logs them through log()).
    void write(const QByteArray &bytes);
    /// Everything received so far (logged as server bytes).
    [[nodiscard]] QByteArray readAll();
    /// Bytes received and not yet read.
    [[nodiscard]] qint64 bytesAvailable() const;
    /// Closes gracefully after pending writes.
    void close();
    /// Drops the connection at once; no signal follows.
    void abort();

    [[nodiscard]] bool isOpen() const;
    [[nodiscard]] bool isEncrypted() const;
    /// The protocol log of the current connection, or nullptr.
    [[nodiscard]] ProtocolLog *log() const { return m_log.get(); }

    /// The session waits for the server: without a byte in or out for timeout(), failed(Timeout).
    void setWaiting(bool waiting);
    void setTimeout(std::chrono::milliseconds timeout) { m_timeout = timeout; }
    [[nodiscard]] std::chrono::milliseconds timeout() const { return m_timeout; }

    [[nodiscard]] QString host() const { return m_host; }
    [[nodiscard]] quint16 port() const { return m_port; }

Q_SIGNALS:
    void ready();
    void encrypted();
    void readyRead();
    void failed(const Tidings::Error &error);
    void closed();
    /// The certificate was refused (also reported through failed() with Kind::Tls).
    void certificateRejected(const Tidings::CertificateProblem &problem);

private:
    void activity();
    void fail(const Error &error);
    bool reportRefusedCertificate();
    void teardown();

    QSslSocket *m_socket = nullptr;
    TlsGuard *m_guard = nullptr;
    Timer *m_timer = nullptr;
    std::unique_ptr<ProtocolLog> m_log;
    QString m_host;
    quint16 m_port = 0;
    Security m_security = Security::ImplicitTls;
    std::chrono::milliseconds m_timeout{std::chrono::seconds(60)};
    bool m_waiting = false;
    bool m_failed = false;
    bool m_handshaking = false;
    bool m_tcpConnected = false; // TCP is up: a later failure during the handshake is a TLS one
};

} // namespace Tidings
