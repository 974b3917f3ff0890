// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/imap/session.h"

#include "core/imap/idlejob.h"
#include "core/imap/protocollogger.h"

#include <QSslSocket>

#ifdef Q_OS_LINUX
#include <sys/socket.h>
#endif

#include <atomic>

namespace Tidings::Imap {

namespace {

/// At most this many commands are in flight at once: enough to hide latency, small enough that
/// a failure does not leave dozens of jobs in doubt.
constexpr int MaxPipelined = 8;

#ifdef Q_OS_LINUX
// Read coalescing (Session::updateReadCoalescing): how full the receive buffer must be before the
// socket counts as readable, and how long bytes below that may wait.
constexpr int kCoalesceBytes = 64 * 1024;
constexpr std::chrono::milliseconds kCoalesceWait{5};
#endif

QString seconds(std::chrono::milliseconds ms)
{
    return QString::number(double(ms.count()) / 1000.0);
}

} // namespace

/// A command on the wire, from its first byte until its tagged completion.
struct Session::Pending {
    QByteArray tag;
    QByteArray name;
    QPointer<Job> job;                                ///< null for the session's own commands
    std::function<void(const StatusResponse &)> done; ///< the session's own commands
    QList<QByteArray> chunks;                         ///< what is left to send after a `+`
    bool secret = false;
};

Session::Session(SessionSettings settings, Clock &clock, QObject *parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_clock(clock)
    , m_connectTimer(new Timer(clock, this))
    , m_responseTimer(new Timer(clock, this))
    , m_keepAliveTimer(new Timer(clock, this))
    , m_idleTimer(new Timer(clock, this))
    , m_coalesceTimer(new QTimer(this))
{
    m_coalesceTimer->setSingleShot(true);
    connect(m_coalesceTimer, &QTimer::timeout, this, [this] { setReceiveLowWater(1); });
    connect(m_connectTimer, &Timer::timeout, this, &Session::onConnectTimeout);
    connect(m_responseTimer, &Timer::timeout, this, &Session::onResponseTimeout);
    connect(m_keepAliveTimer, &Timer::timeout, this, &Session::onKeepAlive);
    connect(m_idleTimer, &Timer::timeout, this, &Session::onIdleRenewal);
}

Session::~Session()
{
    // Jobs still around learn that their session is gone; none of them may call back into it.
    const auto jobs = m_running + m_queue;
    m_running.clear();
    m_queue.clear();
    for (const QPointer<Job> &job : jobs) {
        if (job) {
            job->m_session = nullptr;
            job->aborted(
                Error::make(Error::Kind::Cancelled, QStringLiteral("the IMAP session was destroyed")));
        }
    }
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

bool Session::isEncrypted() const
{
    return m_tlsActive && m_socket && m_socket->isEncrypted();
}

bool Session::isEnabled(QByteArrayView extension) const
{
    for (const QByteArray &e : m_enabled) {
        if (QByteArrayView(e).compare(extension, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

std::optional<CertificateProblem> Session::certificateProblem() const
{
    if (m_guard && m_guard->problem())
        return m_guard->problem();
    return std::nullopt;
}

int Session::pendingJobs() const
{
    int n = 0;
    for (const auto &j : m_queue + m_running)
        n += j ? 1 : 0;
    return n;
}

QByteArray Session::nextTag()
{
    ++m_tagCounter;
    return 'A' + QByteArray::number(m_tagCounter).rightJustified(3, '0');
}

void Session::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

// ---- connection --------------------------------------------------------------------------

void Session::open()
{
    if (m_state != State::Disconnected)
        return;
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->deleteLater();
        m_socket = nullptr;
        m_guard = nullptr; // child of the socket
    }
    m_parser = std::make_unique<Parser>();
    m_parser->setResponseHandler([this](Response &&response) { onResponse(std::move(response)); });
    m_capabilities = {};
    m_enabled.clear();
    m_mailbox = {};
    m_selecting = false;
    m_lastError = {};
    m_byeText.clear();
    m_ready = m_preAuth = m_tlsActive = m_startTlsSent = m_startTlsAccepted = false;
    m_failed = m_closingNormally = false;
    m_notifying = false;
    m_tagCounter = 0;
    m_pending.clear();
    m_literalWait = nullptr;
    m_idleJob = nullptr;
    m_doneSent = m_keepAliveInFlight = false;

    if (m_settings.protocolLogDevice) {
        m_logger = std::make_unique<ProtocolLogger>(m_settings.protocolLogDevice);
    } else if (!m_settings.protocolLogFile.isEmpty()) {
        m_logger = ProtocolLogger::openFile(m_settings.protocolLogFile);
    } else if (m_settings.protocolLogFromEnvironment) {
        m_logger = ProtocolLogger::fromEnvironment(m_settings.host, m_settings.port);
    } else {
        m_logger.reset();
    }
    if (m_logger)
        m_logger->comment(QStringLiteral("connect %1:%2 (%3)")
                              .arg(m_settings.host)
                              .arg(m_settings.port)
                              .arg(securityName(m_settings.security)));

    setState(State::Greeting);
    connectSocket();
}

void Session::connectSocket()
{
    m_socket = new QSslSocket(this);
    m_receiveLowWater = 1; // the kernel's default for a new socket
    // The guard configures trust and is the only judge of certificate errors, for implicit TLS
    // and STARTTLS alike.
    m_guard = new TlsGuard(m_socket, m_settings.host, m_settings.port, m_settings.tls, m_socket);
    connect(m_socket, &QSslSocket::connected, this, &Session::onConnected);
    connect(m_socket, &QSslSocket::encrypted, this, &Session::onEncrypted);
    connect(m_socket, &QSslSocket::readyRead, this, &Session::onReadyRead);
    connect(m_socket, &QSslSocket::errorOccurred, this, &Session::onSocketError);
    connect(m_socket, &QSslSocket::disconnected, this, &Session::onSocketDisconnected);
    // A large APPEND uploads for a long time before the server says anything: progress on the
    // way out counts as life too.
    auto progress = [this] {
        if (m_responseTimer->isActive())
            m_responseTimer->start(m_doneSent || m_keepAliveInFlight ? m_settings.timeouts.keepAliveResponse
                                                                     : m_settings.timeouts.command);
    };
    connect(m_socket, &QSslSocket::bytesWritten, this, progress);
    connect(m_socket, &QSslSocket::encryptedBytesWritten, this, progress);
    m_socket->setSocketOption(QAbstractSocket::KeepAliveOption, 1);
    m_connectTimer->start(m_settings.timeouts.connect);
    if (m_settings.security == Security::ImplicitTls) {
        if (m_logger)
            m_logger->tlsStarted();
        m_socket->connectToHostEncrypted(m_settings.host, m_settings.port);
    } else {
        m_socket->connectToHost(m_settings.host, m_settings.port);
    }
}

void Session::onConnected()
{
    // Implicit TLS: nothing is read until the handshake is done (onEncrypted).
}

void Session::onEncrypted()
{
    if (m_failed)
        return;
    m_tlsActive = true;
    if (m_settings.security == Security::StartTls) {
        // RFC 9051 §6.2.1: forget everything learnt before TLS and ask again.
        m_capabilities = {};
        requestCapabilities([this] { becomeReady(); });
    }
}

void Session::onReadyRead()
{
    if (!m_socket || m_failed)
        return;
    const QByteArray bytes = m_socket->readAll();
    if (bytes.isEmpty())
        return;
    m_readStats.bytes += quint64(bytes.size());
    if (m_logger)
        m_logger->serverBytes(bytes);
    if (m_responseTimer->isActive())
        m_responseTimer->start(m_doneSent || m_keepAliveInFlight ? m_settings.timeouts.keepAliveResponse
                                                                 : m_settings.timeouts.command);
    feedBytes(bytes);
    if (!m_failed) {
        updateTimers();
        updateReadCoalescing();
    }
}

/// While a large answer streams in with more commands in flight behind it (a first sync keeps
/// several header chunks in flight), more bytes are certain to follow every read. Waking for
/// each TLS record that arrives, about 10 KiB, cost the initial sync CPU in the event loop, TLS
/// and socket reads, and on a machine shared with the server it took the CPU from the server at
/// every wake-up (docs/imap-session.md, Read coalescing). So while the command being answered is marked
/// Job::largeAnswer() and another is in flight behind it, the socket counts as readable only
/// once 64 KiB have arrived (SO_RCVLOWAT, Linux); bytes below that are read 5 ms after the last
/// read at the latest, when the mark goes back to one byte. Anything else (a single command, a
/// run of small answers such as a flag sweep, an idle connection) is read as it arrives.
void Session::updateReadCoalescing()
{
#ifdef Q_OS_LINUX
    // Called after a read that left the connection up (onReadyRead).
    if (m_pending.size() >= 2 && m_pending.front()->job && m_pending.front()->job->largeAnswer()) {
        setReceiveLowWater(kCoalesceBytes);
        m_coalesceTimer->start(kCoalesceWait);
        return;
    }
#endif
    m_coalesceTimer->stop();
    setReceiveLowWater(1);
}

void Session::setReceiveLowWater(int bytes)
{
#ifdef Q_OS_LINUX
    if (!m_socket || bytes == m_receiveLowWater)
        return;
    const qintptr fd = m_socket->socketDescriptor();
    // Lowering the mark makes bytes already queued readable at the next poll of the event loop.
    if (fd >= 0 && ::setsockopt(int(fd), SOL_SOCKET, SO_RCVLOWAT, &bytes, sizeof bytes) == 0) {
        m_receiveLowWater = bytes;
        if (bytes > 1)
            ++m_readStats.coalesced;
    }
#else
    Q_UNUSED(bytes)
#endif
}

void Session::feedBytes(QByteArrayView bytes)
{
    const bool plaintextBeforeTls = m_settings.security == Security::StartTls && !m_tlsActive;
    if (!plaintextBeforeTls) {
        if (!m_parser->feed(bytes) && !m_failed) {
            const ParseError &e = *m_parser->error();
            fail(Error::make(Error::Kind::Protocol,
                             QStringLiteral("unreadable server response at byte %1: %2 (near \"%3\")")
                                 .arg(e.offset)
                                 .arg(e.reason, QString::fromLatin1(e.excerpt))));
        }
        return;
    }
    // Before STARTTLS completes, feed one line at a time so that any byte following the
    // STARTTLS OK is noticed: it would otherwise be read as if it came through TLS.
    while (!bytes.isEmpty() && !m_failed) {
        if (m_startTlsAccepted) {
            fail(Error::make(Error::Kind::Tls,
                             QStringLiteral("the server sent %1 unencrypted bytes after accepting STARTTLS; "
                                            "someone may be tampering with the connection")
                                 .arg(bytes.size()),
                             {}, "STARTTLS-INJECTION"));
            return;
        }
        const qsizetype lf = bytes.indexOf('\n');
        const qsizetype n = lf < 0 ? bytes.size() : lf + 1;
        if (!m_parser->feed(bytes.first(n)) && !m_failed) {
            const ParseError &e = *m_parser->error();
            fail(Error::make(
                Error::Kind::Protocol,
                QStringLiteral("unreadable server response at byte %1: %2").arg(e.offset).arg(e.reason)));
            return;
        }
        bytes = bytes.sliced(n);
    }
    if (m_startTlsAccepted && !m_failed && !m_tlsActive)
        startTlsHandshake();
}

void Session::startTlsHandshake()
{
    if (m_socket->bytesAvailable() > 0) {
        fail(Error::make(Error::Kind::Tls,
                         QStringLiteral("the server sent unencrypted bytes after accepting STARTTLS; "
                                        "someone may be tampering with the connection"),
                         {}, "STARTTLS-INJECTION"));
        return;
    }
    if (m_logger)
        m_logger->tlsStarted();
    m_startTlsAccepted = false;
    m_socket->startClientEncryption();
}

void Session::onSocketError()
{
    if (m_failed || !m_socket)
        return;
    if (m_guard && m_guard->problem()) {
        Q_EMIT certificateRejected(*m_guard->problem());
        fail(m_guard->error());
        return;
    }
    const auto error = m_socket->error();
    if (error == QAbstractSocket::RemoteHostClosedError) {
        onSocketDisconnected();
        return;
    }
    switch (error) {
    case QAbstractSocket::SslHandshakeFailedError:
    case QAbstractSocket::SslInternalError:
    case QAbstractSocket::SslInvalidUserDataError:
        fail(Error::make(Error::Kind::Tls, QStringLiteral("TLS handshake with %1:%2 failed: %3")
                                               .arg(m_settings.host)
                                               .arg(m_settings.port)
                                               .arg(m_socket->errorString())));
        return;
    default:
        fail(Error::make(Error::Kind::Network, QStringLiteral("connection to %1:%2 failed: %3")
                                                   .arg(m_settings.host)
                                                   .arg(m_settings.port)
                                                   .arg(m_socket->errorString())));
        return;
    }
}

void Session::onSocketDisconnected()
{
    if (m_failed || m_state == State::Disconnected)
        return;
    if (m_socket && m_socket->bytesAvailable() > 0)
        onReadyRead(); // the server's last words (a tagged OK for LOGOUT) before judging the close
    if (m_failed || m_state == State::Disconnected)
        return;
    if (m_guard && m_guard->problem()) {
        Q_EMIT certificateRejected(*m_guard->problem());
        fail(m_guard->error());
        return;
    }
    if (m_closingNormally || m_state == State::LoggingOut) {
        if (m_logger) {
            m_logger->flush();
            m_logger->comment(QStringLiteral("disconnected"));
        }
        m_connectTimer->stop();
        m_responseTimer->stop();
        m_keepAliveTimer->stop();
        m_idleTimer->stop();
        finishDisconnect({});
        return;
    }
    fail(Error::make(Error::Kind::Network,
                     m_byeText.isEmpty() ? QStringLiteral("the server closed the connection")
                                         : QStringLiteral("the server ended the connection"),
                     m_byeText));
}

void Session::abort()
{
    if (m_state == State::Disconnected)
        return;
    fail(Error::make(Error::Kind::Cancelled, QStringLiteral("the connection was closed by the program")));
}

void Session::fail(Error error)
{
    if (m_failed)
        return;
    m_failed = true;
    m_lastError = error;
    if (m_logger) {
        m_logger->flush();
        m_logger->comment(QStringLiteral("error: ") + error.toString());
    }
    m_connectTimer->stop();
    m_responseTimer->stop();
    m_keepAliveTimer->stop();
    m_idleTimer->stop();
    if (m_socket)
        m_socket->abort();
    finishDisconnect(error);
}

void Session::finishDisconnect(const Error &error)
{
    m_failed = true; // no further input is acted on for this connection
    m_coalesceTimer->stop();
    m_ready = false;
    m_pending.clear();
    m_literalWait = nullptr;
    m_idleJob = nullptr;
    m_mailbox = {};
    m_notifying = false;
    setState(State::Disconnected);
    if (error)
        Q_EMIT errorOccurred(error);
    const auto jobs = m_running + m_queue;
    m_running.clear();
    m_queue.clear();
    for (const QPointer<Job> &job : jobs) {
        if (job && !job->isFinished())
            job->aborted(error);
    }
    Q_EMIT disconnected();
}

void Session::onConnectTimeout()
{
    fail(Error::make(Error::Kind::Timeout, QStringLiteral("no usable IMAP connection to %1:%2 within %3 s")
                                               .arg(m_settings.host)
                                               .arg(m_settings.port)
                                               .arg(seconds(m_settings.timeouts.connect))));
}

void Session::onResponseTimeout()
{
    if (m_doneSent || m_keepAliveInFlight) {
        fail(Error::make(
            Error::Kind::Timeout,
            QStringLiteral("the server did not answer a keep-alive within %1 s; the connection is dead")
                .arg(seconds(m_settings.timeouts.keepAliveResponse))));
        return;
    }
    fail(Error::make(
        Error::Kind::Timeout,
        QStringLiteral("the server did not answer within %1 s").arg(seconds(m_settings.timeouts.command))));
}

void Session::onKeepAlive()
{
    if (!m_ready || m_failed || !m_pending.empty() || pendingJobs() > 0)
        return;
    m_keepAliveInFlight = true;
    sendInternal(Command("NOOP"), [this](const StatusResponse &) {
        m_keepAliveInFlight = false;
        schedulePump();
    });
}

void Session::onIdleRenewal()
{
    if (m_state == State::Idling && !m_doneSent)
        sendDone();
}

void Session::updateTimers()
{
    if (m_failed || !m_socket || m_state == State::Disconnected) {
        m_responseTimer->stop();
        m_keepAliveTimer->stop();
        return;
    }
    const bool idlingQuietly = m_state == State::Idling && !m_doneSent && m_pending.size() == 1;
    const bool awaiting = !m_pending.empty() && !idlingQuietly;
    if (awaiting) {
        if (!m_responseTimer->isActive())
            m_responseTimer->start(m_doneSent || m_keepAliveInFlight ? m_settings.timeouts.keepAliveResponse
                                                                     : m_settings.timeouts.command);
    } else {
        m_responseTimer->stop();
    }
    const bool quiet = m_ready && m_pending.empty() && pendingJobs() == 0 &&
                       (m_state == State::Authenticated || m_state == State::Selected);
    if (quiet && m_settings.timeouts.keepAlive > std::chrono::milliseconds::zero()) {
        if (!m_keepAliveTimer->isActive())
            m_keepAliveTimer->start(m_settings.timeouts.keepAlive);
    } else {
        m_keepAliveTimer->stop();
    }
}

// ---- responses --------------------------------------------------------------------------

void Session::onResponse(Response &&response)
{
    if (m_failed)
        return;
    if (const auto *greeting = std::get_if<Greeting>(&response)) {
        handleGreeting(*greeting);
    } else if (const auto *status = std::get_if<StatusResponse>(&response);
               status && !status->tag.isEmpty()) {
        handleTagged(*status);
    } else if (const auto *continuation = std::get_if<ContinuationRequest>(&response)) {
        handleContinuation(*continuation);
    } else {
        handleUntagged(response);
    }
}

void Session::handleGreeting(const Greeting &greeting)
{
    const StatusResponse &s = greeting.status;
    if (m_state != State::Greeting) {
        fail(Error::make(Error::Kind::Protocol, QStringLiteral("a second greeting arrived")));
        return;
    }
    if (s.status == Status::Bye) {
        fail(Error::make(Error::Kind::Network, QStringLiteral("the server refused the connection"), s.text,
                         s.code.atom));
        return;
    }
    const bool plaintext = !m_tlsActive;
    if (s.status == Status::PreAuth) {
        if (plaintext && m_settings.security != Security::None) {
            // RFC 9051 §6.2.1: with PREAUTH there is no way to STARTTLS; TLS was required.
            fail(Error::make(Error::Kind::Tls,
                             QStringLiteral("the server pre-authenticated an unencrypted connection "
                                            "(PREAUTH), so STARTTLS is impossible; refusing to continue"),
                             s.text, "PREAUTH"));
            return;
        }
        m_preAuth = true;
    } else if (s.status != Status::Ok) {
        fail(Error::make(Error::Kind::Protocol, QStringLiteral("unexpected greeting"), s.text));
        return;
    }
    Capabilities greetingCaps;
    if (s.code.kind == ResponseCode::Kind::Capability)
        greetingCaps = Capabilities(s.code.list);

    if (m_settings.security == Security::StartTls && plaintext) {
        auto negotiate = [this](const Capabilities &caps) {
            if (!caps.startTls()) {
                fail(Error::make(Error::Kind::Tls,
                                 QStringLiteral("the server does not offer STARTTLS; refusing to continue "
                                                "without encryption")));
                return;
            }
            startTlsNegotiation();
        };
        if (!greetingCaps.isEmpty()) {
            negotiate(greetingCaps);
        } else {
            sendInternal(Command("CAPABILITY"), [this, negotiate](const StatusResponse &r) {
                if (r.status != Status::Ok) {
                    fail(Error::make(Error::Kind::Protocol, QStringLiteral("CAPABILITY failed"), r.text));
                    return;
                }
                negotiate(m_capabilities);
                m_capabilities = {}; // never kept: it was said before TLS
            });
        }
        return;
    }
    if (!greetingCaps.isEmpty()) {
        setCapabilities(greetingCaps);
        becomeReady();
    } else {
        requestCapabilities([this] { becomeReady(); });
    }
}

void Session::startTlsNegotiation()
{
    m_startTlsSent = true;
    sendInternal(Command("STARTTLS"), [this](const StatusResponse &r) {
        if (r.status != Status::Ok) {
            fail(Error::make(Error::Kind::Tls,
                             QStringLiteral("the server refused STARTTLS; refusing to continue "
                                            "without encryption"),
                             r.text, r.code.atom));
            return;
        }
        m_startTlsAccepted = true; // feedBytes() starts the handshake once this line is consumed
    });
}

void Session::requestCapabilities(std::function<void()> then)
{
    sendInternal(Command("CAPABILITY"), [this, then = std::move(then)](const StatusResponse &r) {
        if (r.status != Status::Ok) {
            fail(
                Error::make(Error::Kind::Protocol, QStringLiteral("CAPABILITY failed"), r.text, r.code.atom));
            return;
        }
        if (m_capabilities.isEmpty()) {
            fail(Error::make(Error::Kind::Protocol, QStringLiteral("the server sent no capability list")));
            return;
        }
        then();
    });
}

void Session::becomeReady()
{
    if (m_failed)
        return;
    if (m_settings.security != Security::None && !isEncrypted()) {
        fail(Error::make(Error::Kind::Tls, QStringLiteral("the connection is not encrypted")));
        return;
    }
    m_connectTimer->stop();
    m_ready = true;
    setState(m_preAuth ? State::Authenticated : State::NotAuthenticated);
    Q_EMIT ready();
    schedulePump();
    updateTimers();
}

void Session::setCapabilities(const Capabilities &capabilities)
{
    m_capabilities = capabilities;
    Q_EMIT capabilitiesChanged();
}

void Session::setAuthenticated(const Capabilities &capabilities)
{
    if (!capabilities.isEmpty())
        setCapabilities(capabilities);
    setState(State::Authenticated);
}

void Session::handleTagged(const StatusResponse &response)
{
    auto it = std::find_if(m_pending.begin(), m_pending.end(),
                           [&](const std::unique_ptr<Pending> &p) { return p->tag == response.tag; });
    if (it == m_pending.end()) {
        fail(Error::make(Error::Kind::Protocol, QStringLiteral("completion for a command never sent (tag %1)")
                                                    .arg(QString::fromLatin1(response.tag.left(32)))));
        return;
    }
    std::unique_ptr<Pending> pending = std::move(*it);
    m_pending.erase(it);
    if (m_literalWait == pending.get()) {
        // The server refused the command before taking its literal (RFC 9051 §7.5).
        m_literalWait = nullptr;
    }
    if (response.code.kind == ResponseCode::Kind::Alert)
        Q_EMIT alertReceived(response.text);
    if (m_state == State::Selected || m_state == State::Idling) {
        if (response.code.kind == ResponseCode::Kind::HighestModSeq &&
            response.code.number > m_mailbox.highestModSeq) {
            m_mailbox.highestModSeq = response.code.number;
            Q_EMIT mailboxChanged();
        }
    }
    if (pending->done) {
        pending->done(response);
    } else if (pending->job && !pending->job->isFinished()) {
        pending->job->handleTagged(response);
    }
    if (!m_failed) {
        schedulePump();
        updateTimers();
    }
}

void Session::handleContinuation(const ContinuationRequest &request)
{
    if (m_literalWait) {
        Pending *p = m_literalWait;
        m_literalWait = nullptr;
        writeNextChunk(*p);
        if (!m_literalWait)
            schedulePump();
        return;
    }
    // The newest command that belongs to a job and expects a continuation (AUTHENTICATE, IDLE).
    for (auto it = m_pending.rbegin(); it != m_pending.rend(); ++it) {
        if ((*it)->job && !(*it)->job->isFinished()) {
            (*it)->job->handleContinuation(request);
            return;
        }
    }
    fail(Error::make(Error::Kind::Protocol, QStringLiteral("unexpected continuation request"),
                     QString::fromUtf8(request.text.left(200))));
}

void Session::applyResponseCode(const ResponseCode &code)
{
    const bool mailboxContext = m_selecting || m_state == State::Selected || m_state == State::Idling;
    bool changed = false;
    switch (code.kind) {
    case ResponseCode::Kind::Capability:
        if (m_tlsActive || m_settings.security == Security::None)
            setCapabilities(Capabilities(code.list));
        return;
    case ResponseCode::Kind::UidValidity:
        if (mailboxContext) {
            m_mailbox.uidValidity = std::uint32_t(code.number);
            changed = true;
        }
        break;
    case ResponseCode::Kind::UidNext:
        if (mailboxContext) {
            m_mailbox.uidNext = std::uint32_t(code.number);
            changed = true;
        }
        break;
    case ResponseCode::Kind::Unseen:
        if (mailboxContext) {
            m_mailbox.unseen = std::uint32_t(code.number);
            changed = true;
        }
        break;
    case ResponseCode::Kind::HighestModSeq:
        if (mailboxContext) {
            m_mailbox.highestModSeq = code.number;
            m_mailbox.noModSeq = false;
            changed = true;
        }
        break;
    case ResponseCode::Kind::NoModSeq:
        if (mailboxContext) {
            m_mailbox.noModSeq = true;
            m_mailbox.highestModSeq = 0;
            changed = true;
        }
        break;
    case ResponseCode::Kind::PermanentFlags:
        if (mailboxContext) {
            m_mailbox.permanentFlags = code.list;
            changed = true;
        }
        break;
    default: break;
    }
    if (changed && !m_selecting)
        Q_EMIT mailboxChanged();
}

void Session::handleUntagged(const Response &response)
{
    const bool beforeTls = m_settings.security == Security::StartTls && !m_tlsActive;
    const bool authenticated = m_state == State::Authenticated || m_state == State::Selected ||
                               m_state == State::Idling || m_state == State::LoggingOut;
    const bool mailboxContext = m_selecting || m_state == State::Selected || m_state == State::Idling;

    if (const auto *s = std::get_if<StatusResponse>(&response)) {
        if (s->status == Status::Bye) {
            m_byeText = s->text;
            if (m_state != State::LoggingOut) {
                fail(Error::make(Error::Kind::Network, QStringLiteral("the server ended the connection"),
                                 s->text, s->code.atom));
                return;
            }
        } else if (s->code.kind == ResponseCode::Kind::Alert && !beforeTls) {
            Q_EMIT alertReceived(s->text);
        } else if (!beforeTls && authenticated && s->status == Status::Ok &&
                   s->code.atom == "NOTIFICATIONOVERFLOW") {
            // RFC 5465 §5.8: as if NOTIFY NONE had been sent; events since then are lost.
            m_notifying = false;
            Q_EMIT notificationOverflow(s->text);
            if (m_failed)
                return;
        } else if (!beforeTls && s->status == Status::Ok) {
            applyResponseCode(s->code);
        }
    } else if (const auto *caps = std::get_if<Capability>(&response)) {
        // Before TLS this list only decides whether STARTTLS is offered; it is dropped after.
        if (beforeTls)
            m_capabilities = Capabilities(caps->capabilities);
        else
            setCapabilities(Capabilities(caps->capabilities));
    } else if (beforeTls) {
        return; // nothing else said before TLS is acted on
    } else if (const auto *enabled = std::get_if<Enabled>(&response)) {
        if (authenticated)
            addEnabled(enabled->capabilities);
    } else if (!authenticated) {
        return; // mailbox data before authentication means nothing
    } else if (const auto *exists = std::get_if<Exists>(&response)) {
        if (mailboxContext) {
            m_mailbox.exists = exists->count;
            if (!m_selecting) {
                Q_EMIT existsReceived(exists->count);
                Q_EMIT mailboxChanged();
            }
        }
    } else if (const auto *recent = std::get_if<Recent>(&response)) {
        if (mailboxContext)
            m_mailbox.recent = recent->count;
    } else if (const auto *flags = std::get_if<Flags>(&response)) {
        if (mailboxContext)
            m_mailbox.flags = flags->flags;
    } else if (const auto *expunge = std::get_if<Expunge>(&response)) {
        if (mailboxContext) {
            if (m_mailbox.exists > 0)
                --m_mailbox.exists;
            ++m_removals;
            Q_EMIT expungeReceived(expunge->seq);
            Q_EMIT mailboxChanged();
        }
    } else if (const auto *vanished = std::get_if<Vanished>(&response)) {
        if (mailboxContext) {
            if (!vanished->earlier) {
                // RFC 7162 §3.2.10: VANISHED without EARLIER reduces EXISTS by the UIDs listed.
                const quint64 n = vanished->uids.size();
                m_mailbox.exists = n >= m_mailbox.exists ? 0 : m_mailbox.exists - std::uint32_t(n);
            }
            ++m_removals;
            Q_EMIT vanishedReceived(vanished->uids, vanished->earlier);
            if (!vanished->earlier)
                Q_EMIT mailboxChanged();
        }
    }

    // Offer it to the running jobs, oldest first.
    const auto running = m_running;
    for (const QPointer<Job> &job : running) {
        if (m_failed)
            return;
        if (job && job->isRunning() && job->handleUntagged(response))
            return;
    }
    if (const auto *fetch = std::get_if<Fetch>(&response)) {
        if (mailboxContext && !m_selecting)
            Q_EMIT messageChanged(*fetch);
    } else if (const auto *status = std::get_if<MailboxStatus>(&response)) {
        Q_EMIT unsolicitedStatus(*status);
    } else if (const auto *list = std::get_if<ListEntry>(&response)) {
        Q_EMIT unsolicitedList(*list);
    }
}

void Session::addEnabled(const QList<QByteArray> &extensions)
{
    for (const QByteArray &e : extensions) {
        const QByteArray upper = e.toUpper();
        if (!m_enabled.contains(upper))
            m_enabled << upper;
        if (upper == "UTF8=ACCEPT")
            m_parser->setUtf8Accepted(true);
    }
}

// ---- jobs ---------------------------------------------------------------------------------

void Session::enqueue(Job *job)
{
    if (m_state == State::Disconnected) {
        QPointer<Job> guard(job);
        const Error error =
            m_lastError ? m_lastError : Error::make(Error::Kind::Network, QStringLiteral("not connected"));
        QMetaObject::invokeMethod(
            this,
            [guard, error] {
                if (guard && !guard->isFinished())
                    guard->finish(error);
            },
            Qt::QueuedConnection);
        return;
    }
    m_queue.append(job);
    schedulePump();
}

void Session::requeue(Job *job)
{
    m_running.removeAll(job);
    job->m_running = false;
    m_queue.append(job);
    schedulePump();
}

void Session::forget(Job *job)
{
    m_queue.removeAll(job);
    m_running.removeAll(job);
    // The job is being destroyed while its command is on the wire. The session finishes what the
    // job would have done with the completion (leave IDLE, settle the selection), and until then
    // the orphaned command blocks other jobs like the session's own commands do.
    const bool wasIdle = m_idleJob == job;
    for (auto &p : m_pending) {
        if (p->job != job)
            continue;
        p->job = nullptr;
        p->done = [this, wasIdle](const StatusResponse &r) {
            if (wasIdle)
                idleEnded();
            if (m_selecting)
                endSelect(r.status == Status::Ok, r);
        };
    }
    if (wasIdle) {
        if (m_state == State::Idling && !m_doneSent)
            sendDone();
        m_idleJob = nullptr;
    }
    if (m_state != State::Disconnected && !m_failed)
        schedulePump();
}

void Session::jobFinished(Job *job)
{
    m_queue.removeAll(job);
    m_running.removeAll(job);
    if (m_state != State::Disconnected) {
        schedulePump();
        updateTimers();
    }
}

void Session::schedulePump()
{
    if (m_pumpScheduled)
        return;
    m_pumpScheduled = true;
    QMetaObject::invokeMethod(this, &Session::pump, Qt::QueuedConnection);
}

bool Session::canStartNow(Job *job) const
{
    if (m_literalWait)
        return false;
    for (const auto &p : m_pending) {
        if (!p->job && p->done)
            return false; // the session's own command (keep-alive, capability) runs alone
    }
    int running = 0;
    for (const QPointer<Job> &r : m_running) {
        if (!r)
            continue;
        ++running;
        if (r->concurrency() == Job::Concurrency::Exclusive)
            return false;
        const auto a = r->concurrency();
        const auto b = job->concurrency();
        if (b == Job::Concurrency::Exclusive)
            return false;
        const bool compatible =
            a == Job::Concurrency::Independent || b == Job::Concurrency::Independent || a == b;
        if (!compatible)
            return false;
    }
    return running < MaxPipelined;
}

void Session::pump()
{
    m_pumpScheduled = false;
    if (!m_ready || m_failed || m_state == State::LoggingOut)
        return;
    m_running.removeAll(nullptr);
    m_queue.removeAll(nullptr);
    if (m_idleJob) {
        if (m_state == State::Idling && !m_doneSent && !m_queue.isEmpty())
            sendDone();
        return;
    }
    while (!m_queue.isEmpty() && !m_failed) {
        Job *job = m_queue.first();
        if (!canStartNow(job))
            break;
        m_queue.removeFirst();
        m_running.append(job);
        job->m_running = true;
        job->run();
        if (m_failed || m_idleJob)
            return;
    }
    updateTimers();
}

QByteArray Session::sendForJob(Job *job, const Command &command)
{
    return writeCommand(nextTag(), command, job, {});
}

QByteArray Session::sendInternal(const Command &command, std::function<void(const StatusResponse &)> done)
{
    return writeCommand(nextTag(), command, nullptr, std::move(done));
}

QByteArray Session::writeCommand(const QByteArray &tag, const Command &command, Job *job,
                                 std::function<void(const StatusResponse &)> done)
{
    auto pending = std::make_unique<Pending>();
    pending->tag = tag;
    pending->name = command.name();
    pending->job = job;
    pending->done = std::move(done);
    pending->secret = command.isSecret();

    EncoderOptions options;
    if (m_capabilities.literalPlus())
        options.literals = EncoderOptions::Literals::LiteralPlus;
    else if (m_capabilities.literalMinus())
        options.literals = EncoderOptions::Literals::LiteralMinus;
    options.utf8Accepted = isEnabled("UTF8=ACCEPT");
    options.binary = m_capabilities.has("BINARY");
    auto encoded = command.encode(tag, options);
    if (auto *error = std::get_if<Error>(&encoded)) {
        // Nothing of a command the encoder refused reaches the wire.
        if (job)
            job->finish(*error);
        else
            fail(*error);
        return {};
    }
    pending->chunks = std::get<EncodedCommand>(std::move(encoded)).parts;

    Pending *raw = pending.get();
    m_pending.push_back(std::move(pending));
    writeNextChunk(*raw);
    updateTimers();
    return tag;
}

void Session::writeNextChunk(Pending &pending)
{
    if (pending.chunks.isEmpty())
        return;
    const QByteArray chunk = pending.chunks.takeFirst();
    if (m_logger) {
        if (pending.secret) {
            if (chunk.startsWith(QByteArray(pending.tag + ' ')))
                m_logger->clientRedacted(QByteArray(pending.tag + ' ' + pending.name));
            else
                m_logger->clientSecret();
        } else {
            m_logger->clientBytes(chunk);
        }
    }
    writeRaw(chunk);
    if (!pending.chunks.isEmpty())
        m_literalWait = &pending;
}

void Session::sendContinuationLine(const QByteArray &line, bool secret)
{
    if (m_logger) {
        if (secret)
            m_logger->clientSecret();
        else
            m_logger->clientBytes(line);
    }
    writeRaw(line + "\r\n");
}

void Session::writeRaw(const QByteArray &bytes)
{
    if (m_socket && !m_failed)
        m_socket->write(bytes);
}

// ---- selection, IDLE, logout --------------------------------------------------------------

void Session::beginSelect(const QByteArray &mailbox, bool readOnly)
{
    // RFC 9051 §6.3.2: the previous mailbox is deselected the moment SELECT is sent.
    m_mailbox = {};
    m_mailbox.name = mailbox;
    m_mailbox.readOnly = readOnly;
    m_selecting = true;
    static std::atomic<quint64> serials{0};
    m_selectionSerial = ++serials;
    m_removals = 0;
    setState(State::Authenticated);
}

void Session::endSelect(bool success, const StatusResponse &completion)
{
    m_selecting = false;
    if (!success) {
        m_mailbox = {};
        setState(State::Authenticated);
        Q_EMIT mailboxChanged();
        return;
    }
    if (completion.code.kind == ResponseCode::Kind::ReadOnly)
        m_mailbox.readOnly = true;
    else if (completion.code.kind == ResponseCode::Kind::ReadWrite)
        m_mailbox.readOnly = false;
    setState(State::Selected);
    Q_EMIT mailboxChanged();
}

void Session::setIdling(IdleJob *job)
{
    m_idleJob = job;
    m_stateBeforeIdle = m_state == State::Idling ? m_stateBeforeIdle : m_state;
    setState(State::Idling);
    m_idleTimer->start(m_settings.timeouts.effectiveIdleRenewal());
    Q_EMIT idleStarted();
    updateTimers();
    if (!m_queue.isEmpty())
        sendDone();
}

void Session::idleEnded()
{
    m_idleTimer->stop();
    m_doneSent = false;
    m_idleJob = nullptr;
    if (m_state == State::Idling)
        setState(m_stateBeforeIdle);
}

void Session::sendDone()
{
    if (m_doneSent || m_state != State::Idling)
        return;
    m_doneSent = true;
    m_idleTimer->stop();
    if (m_logger)
        m_logger->clientBytes("DONE");
    writeRaw("DONE\r\n");
    m_responseTimer->stop();
    updateTimers();
}

void Session::beginLogout()
{
    m_idleTimer->stop();
    m_keepAliveTimer->stop();
    setState(State::LoggingOut);
}

void Session::setBodySink(BodySink *sink)
{
    if (m_parser)
        m_parser->setBodySink(sink);
}

} // namespace Tidings::Imap
