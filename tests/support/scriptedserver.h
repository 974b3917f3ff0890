// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QSslCertificate>
#include <QSslKey>
#include <QStringList>
#include <QTcpServer>
#include <QThread>

#include <memory>

class QSslSocket;

namespace Tidings::Test {

class ScriptedServerWorker;

/// A loopback server that plays one written conversation, for protocol tests.
///
/// The script is one step per line:
///   `S: text`   the server sends `text` followed by CRLF
///   `S+ text`   the server sends `text` without CRLF (partial lines, literals without end)
///   `C: text`   the server expects the client's next line to be exactly `text`
///   `W:`        the server waits until the test calls proceed()
///   `X`         the server closes the connection
///   `TLS`       the server starts the TLS handshake (STARTTLS / STLS after its OK)
/// Escapes inside text: `\r`, `\n`, `\\`, `\xHH`. Blank lines and lines starting with `#` are
/// ignored.
///
/// It listens on 127.0.0.1 port 0 and serves exactly one connection, on a thread of its own so
/// that the code under test may block or spin its own event loop. Every mismatch, an early
/// disconnect or client bytes after the script ended is recorded; the test asserts on them in
/// the test thread with verify(), so nothing is thrown from a socket callback. With drip mode
/// on, every byte the server sends goes out in its own write.
class ScriptedServer final : public QObject
{
    Q_OBJECT
public:
    enum class Transport { Plain, ImplicitTls };

    explicit ScriptedServer(const QString &script, Transport transport = Transport::Plain,
                            QObject *parent = nullptr);
    ~ScriptedServer() override;
    Q_DISABLE_COPY_MOVE(ScriptedServer)

    /// The port the server listens on (127.0.0.1).
    [[nodiscard]] quint16 port() const { return m_port; }
    /// Sends each byte in its own write, yielding to the event loop between bytes.
    void setDrip(bool drip);
    /// Uses @p certificate and @p key for TLS instead of the test CA's server certificate.
    void setCertificate(const QSslCertificate &certificate, const QSslKey &key);
    /// Releases a `W:` step.
    void proceed();

    /// True when every step has been played.
    [[nodiscard]] bool scriptFinished() const;
    /// Index of the next step to play.
    [[nodiscard]] int currentStep() const;
    /// Spins the calling thread's event loop until the script is finished or @p timeoutMs passed.
    bool waitForScript(int timeoutMs = 5000);
    /// Spins the event loop until the server reached step @p index (0-based) or the timeout.
    bool waitForStep(int index, int timeoutMs = 5000);
    /// Everything the client sent.
    [[nodiscard]] QByteArray received() const;
    /// Mismatches and other problems seen so far, one line each.
    [[nodiscard]] QStringList errors() const;
    /// Waits for the script to finish, then returns every problem, including steps not played
    /// and client bytes that arrived after the script ended. Empty means success.
    [[nodiscard]] QStringList verify(int timeoutMs = 5000);
    /// True once a client has connected.
    [[nodiscard]] bool hadConnection() const;

    /// The CA certificates that sign the default server certificate (TIDINGS_TEST_CERT_DIR).
    [[nodiscard]] static QList<QSslCertificate> testCaCertificates();
    /// A self-signed certificate and key unrelated to the test CA.
    [[nodiscard]] static std::pair<QSslCertificate, QSslKey> untrustedCertificate();

private:
    template<typename F>
    auto onWorker(F &&f) const;

    QThread *m_thread = nullptr;
    ScriptedServerWorker *m_worker = nullptr;
    quint16 m_port = 0;
};

/// Decodes the script escapes (`\r`, `\n`, `\\`, `\xHH`).
[[nodiscard]] QByteArray unescapeScriptText(const QString &text);

} // namespace Tidings::Test
