// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/clock.h"
#include "core/common/error.h"
#include "core/common/lineconnection.h"
#include "core/common/tls.h"
#include "core/pop3/jobs.h"
#include "core/pop3/responseparser.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>

#include <chrono>
#include <deque>
#include <memory>

namespace Tidings::Pop3 {

/// How the session logs in. Automatic never chooses APOP: it is used only when the person
/// picked it, because it needs the password stored in the clear on the server and MD5.
enum class AuthMethod {
    Automatic, ///< SASL PLAIN (RFC 5034) when offered, else USER/PASS
    SaslPlain,
    UserPass,
    Apop,      ///< RFC 1939 §7; requires the greeting's timestamp
};

struct Settings {
    QString host;
    quint16 port = 995;
    Security security = Security::ImplicitTls;
    TlsPolicy tls;
    QString username;
    QString password;
    AuthMethod auth = AuthMethod::Automatic;
    /// No byte from the server for this long while it owes an answer: Kind::Timeout.
    std::chrono::milliseconds timeout{std::chrono::seconds(60)};
    /// An open session idle this long sends NOOP, so a slow consumer (a long store of a big
    /// list) does not hit the server's autologout timer (RFC 1939 §3: at least 10 minutes). 0: off.
    std::chrono::milliseconds keepAlive{std::chrono::seconds(60)};
    /// Commands in flight at once when the server offers PIPELINING (RFC 2449 §6.6).
    int pipelineDepth = 64;
    /// Largest message accepted by RETR/TOP.
    qint64 maxMessageBytes = 512LL * 1024 * 1024;
    /// Protocol log directory; empty: TIDINGS_PROTOCOL_LOG, unset: no log.
    QString protocolLogDir;
};

/// CAPA as read after TLS (RFC 2449 §5). known is false when the server does not support CAPA.
struct Capabilities {
    bool known = false;
    bool top = false;
    bool uidl = false;
    bool user = false;
    bool pipelining = false;
    bool stls = false;
    bool respCodes = false;
    bool authRespCode = false;
    QList<QByteArray> sasl; ///< upper-case mechanism names
    QByteArray implementation;
    QList<QByteArray> lines; ///< every capability line as sent
};

/// One POP3 connection (RFC 1939, 2449, 2595, 5034): connect, protect, log in, then run
/// queued jobs in order.
///
/// States: Disconnected → Connecting (TCP, implicit TLS) → Greeting → Negotiating (CAPA,
/// STLS, the second CAPA) → Authenticating → Transaction → Quitting → Disconnected. Jobs may be
/// queued in any state; they are sent only in Transaction, several at once when the server
/// offers PIPELINING, otherwise one by one.
///
/// Security: with StartTls nothing but CAPA and STLS is sent before the handshake; a server
/// without STLS, a refused STLS, or bytes after the +OK to STLS (an injection attempt) end the
/// session with Kind::Tls or Kind::Protocol before any credential leaves. An -ERR greeting ends
/// it without another command. Certificates go through TlsGuard only.
///
/// Failure: a socket error, a refused certificate, a timeout or a parse error closes the
/// connection, fails every queued and in-flight job with that error (a job whose reply was cut
/// says so), emits failed(), and returns to Disconnected. open() may be called again: each open()
/// uses a fresh socket and parser, so the next poll works without a restart.
///
/// Signals are emitted from the event loop, never from inside a call, so a slot may delete the
/// session (with deleteLater) or open it again.
class Session final : public QObject, private ResponseHandler
{
    Q_OBJECT
public:
    enum class State { Disconnected, Connecting, Greeting, Negotiating, Authenticating, Transaction, Quitting };
    Q_ENUM(State)

    explicit Session(Settings settings, Clock &clock = SystemClock::instance(), QObject *parent = nullptr);
    ~Session() override;
    Q_DISABLE_COPY_MOVE(Session)

    /// Connects and logs in; opened() or failed() follows.
    void open();
    /// Drops the connection at once (no QUIT, so no DELE takes effect); queued jobs fail with
    /// Kind::Cancelled. No signal but the jobs' finished().
    void abort();

    [[nodiscard]] State state() const { return m_state; }
    [[nodiscard]] const Settings &settings() const { return m_settings; }
    /// New settings (another password, a changed port); used from the next open().
    void setSettings(Settings settings) { m_settings = std::move(settings); }
    [[nodiscard]] const Capabilities &capabilities() const { return m_caps; }
    [[nodiscard]] const Error &lastError() const { return m_lastError; }
    /// The greeting's text (after +OK).
    [[nodiscard]] QByteArray greeting() const { return m_greeting; }
    /// True once TLS protects the connection.
    [[nodiscard]] bool isEncrypted() const;

    /// Jobs; each is queued at once and finishes through Job::finished().
    StatJob *stat();
    UidlJob *uidl(int message = 0);
    ListJob *list(int message = 0);
    RetrieveJob *retrieve(int message);
    RetrieveJob *top(int message, int lines);
    SimpleJob *dele(int message);
    SimpleJob *rset();
    SimpleJob *noop();
    /// QUIT: on +OK the server commits the deletions (RFC 1939 §6) and the session closes.
    SimpleJob *quit();

Q_SIGNALS:
    void opened();
    void failed(const Tidings::Error &error);
    /// The session ended after QUIT.
    void closed();
    void certificateRejected(const Tidings::CertificateProblem &problem);

private:
    enum class Step { None, Greeting, Capa, Stls, StlsAccepted, Auth, User, Pass, Apop };

    void statusLine(const StatusLine &status) override;
    void data(QByteArrayView bytes) override;
    void end() override;

    void onReady();
    void onEncrypted();
    void onReadyRead();
    void onClosed();
    void sendInternal(Step step, const QByteArray &command, ReplyShape shape, QByteArrayView logVisible = {},
                      bool secret = false);
    void afterCapabilities();
    void authenticate();
    void enterTransaction();
    void enqueue(Job *job);
    void pump();
    void finishFront();
    void complete(Job *job, const Error &error);
    void fail(const Error &error);
    void failJobs(const Error &error);
    void updateWaiting();
    void armKeepAlive();
    [[nodiscard]] Error loginError(const StatusLine &status, const QString &what) const;

    Settings m_settings;
    LineConnection *m_conn;
    Timer *m_keepAlive;
    std::unique_ptr<ResponseParser> m_parser;
    State m_state = State::Disconnected;
    Step m_step = Step::None;
    Capabilities m_caps;
    QList<QByteArray> m_capaLines;
    QByteArray m_greeting;
    QByteArray m_apopTimestamp;
    Error m_lastError;
    std::deque<QPointer<Job>> m_queue;
    std::deque<QPointer<Job>> m_inFlight;
    QByteArray m_out;
};

} // namespace Tidings::Pop3
