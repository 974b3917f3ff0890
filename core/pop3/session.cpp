// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/pop3/session.h"

#include <QCryptographicHash>

namespace Tidings::Pop3 {

namespace {

constexpr int MaxCapabilityLines = 256;

bool isMulti(ReplyShape shape)
{
    return shape == ReplyShape::MultiLines || shape == ReplyShape::MultiStream;
}

Capabilities parseCapabilities(const QList<QByteArray> &lines)
{
    Capabilities caps;
    caps.known = true;
    caps.lines = lines;
    for (const QByteArray &line : lines) {
        const QList<QByteArray> words = line.simplified().split(' ');
        const QByteArray keyword = words.value(0).toUpper();
        if (keyword == "TOP")
            caps.top = true;
        else if (keyword == "UIDL")
            caps.uidl = true;
        else if (keyword == "USER")
            caps.user = true;
        else if (keyword == "PIPELINING")
            caps.pipelining = true;
        else if (keyword == "STLS")
            caps.stls = true;
        else if (keyword == "RESP-CODES")
            caps.respCodes = true;
        else if (keyword == "AUTH-RESP-CODE")
            caps.authRespCode = true;
        else if (keyword == "SASL") {
            for (qsizetype i = 1; i < words.size(); ++i)
                caps.sasl << words.at(i).toUpper();
        } else if (keyword == "IMPLEMENTATION")
            caps.implementation = line.simplified().mid(15);
    }
    return caps;
}

/// The `<...>` timestamp of an APOP-capable greeting (RFC 1939 §7), or empty.
QByteArray apopTimestamp(const QByteArray &greeting)
{
    const qsizetype open = greeting.indexOf('<');
    if (open < 0)
        return {};
    const qsizetype close = greeting.indexOf('>', open);
    if (close < 0 || close - open > 256)
        return {};
    const QByteArray stamp = greeting.mid(open, close - open + 1);
    return stamp.contains('@') ? stamp : QByteArray();
}

} // namespace

Session::Session(Settings settings, Clock &clock, QObject *parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_conn(new LineConnection(clock, this))
    , m_keepAlive(new Timer(clock, this))
{
    connect(m_conn, &LineConnection::ready, this, &Session::onReady);
    connect(m_conn, &LineConnection::encrypted, this, &Session::onEncrypted);
    connect(m_conn, &LineConnection::readyRead, this, &Session::onReadyRead);
    connect(m_conn, &LineConnection::closed, this, &Session::onClosed);
    connect(m_conn, &LineConnection::failed, this, &Session::fail);
    connect(m_conn, &LineConnection::certificateRejected, this, [this](const CertificateProblem &problem) {
        QMetaObject::invokeMethod(this, [this, problem] { Q_EMIT certificateRejected(problem); }, Qt::QueuedConnection);
    });
    connect(m_keepAlive, &Timer::timeout, this, [this] {
        if (m_state == State::Transaction && m_inFlight.empty() && m_queue.empty())
            noop();
    });
}

Session::~Session()
{
    m_conn->disconnect(this);
    m_conn->abort();
}

bool Session::isEncrypted() const
{
    return m_conn->isEncrypted();
}

void Session::open()
{
    if (m_state != State::Disconnected)
        return;
    ResponseParser::Limits limits;
    limits.maxBodyBytes = m_settings.maxMessageBytes;
    ResponseHandler &handler = *this;
    m_parser = std::make_unique<ResponseParser>(handler, limits);
    m_caps = {};
    m_greeting.clear();
    m_apopTimestamp.clear();
    m_lastError = {};
    m_step = Step::None;
    m_state = State::Connecting;
    m_conn->setTimeout(m_settings.timeout);
    m_conn->open(m_settings.host, m_settings.port, m_settings.security, m_settings.tls,
                 ProtocolLog::open(QStringLiteral("pop3"), m_settings.host, m_settings.port, m_settings.protocolLogDir));
}

void Session::abort()
{
    if (m_state == State::Disconnected && m_queue.empty())
        return;
    m_state = State::Disconnected;
    m_step = Step::None;
    m_keepAlive->stop();
    m_conn->abort();
    failJobs(Error::make(Error::Kind::Cancelled, QStringLiteral("the POP3 session was stopped")));
}

void Session::onReady()
{
    m_state = State::Greeting;
    m_step = Step::Greeting;
    m_parser->expect(ReplyShape::Single);
    updateWaiting();
}

void Session::onEncrypted()
{
    // Everything learned before TLS is discarded (RFC 2595 §4).
    m_caps = {};
    sendInternal(Step::Capa, "CAPA", ReplyShape::MultiLines);
}

void Session::onReadyRead()
{
    if (m_state == State::Disconnected || !m_parser)
        return;
    const QByteArray bytes = m_conn->readAll();
    const qsizetype used = m_parser->feed(bytes);
    if (m_state == State::Disconnected)
        return;
    if (m_parser->hasError()) {
        fail(Error::make(Error::Kind::Protocol,
                         QStringLiteral("the server's reply cannot be read: %1").arg(QString::fromLatin1(m_parser->error()))));
        return;
    }
    if (m_step == Step::StlsAccepted) {
        if (used < bytes.size() || m_conn->bytesAvailable() > 0) {
            // RFC 2595 §4 / CVE-2011-0411: bytes before the handshake would be read as if TLS
            // protected them.
            fail(Error::make(Error::Kind::Protocol,
                             QStringLiteral("the server sent data after accepting STLS; the connection is not safe")));
            return;
        }
        m_step = Step::None;
        m_conn->startTls();
        return;
    }
    if (used < bytes.size())
        fail(Error::make(Error::Kind::Protocol,
                         QStringLiteral("the server sent data nobody asked for: \"%1\"")
                             .arg(QString::fromLatin1(bytes.mid(used, 60)))));
}

void Session::onClosed()
{
    if (m_state == State::Disconnected)
        return;
    QString during;
    if (!m_inFlight.empty() && m_inFlight.front())
        during = QStringLiteral(" during ") + QString::fromLatin1(m_inFlight.front()->command());
    else if (m_state != State::Transaction)
        during = QStringLiteral(" before the login completed");
    fail(Error::make(Error::Kind::Network,
                     QStringLiteral("the server %1:%2 closed the connection%3")
                         .arg(m_settings.host)
                         .arg(m_settings.port)
                         .arg(during)));
}

void Session::sendInternal(Step step, const QByteArray &command, ReplyShape shape, QByteArrayView logVisible,
                           bool secret)
{
    m_step = step;
    m_parser->expect(shape);
    if (ProtocolLog *log = m_conn->log()) {
        if (secret && logVisible.isEmpty())
            log->clientSecret();
        else if (secret)
            log->clientRedacted(logVisible);
        else
            log->clientBytes(command);
    }
    m_conn->write(command + "\r\n");
    updateWaiting();
}

Error Session::loginError(const StatusLine &status, const QString &what) const
{
    const QByteArray &code = status.responseCode;
    const QString text = QString::fromUtf8(status.text);
    if (code == "IN-USE")
        return Error::make(Error::Kind::ServerNo, QStringLiteral("the mailbox is in use by another session"), text, code);
    if (code == "LOGIN-DELAY")
        return Error::make(Error::Kind::ServerNo,
                           QStringLiteral("the server allows a login only every few minutes"), text, code);
    if (code == "SYS/TEMP")
        return Error::make(Error::Kind::ServerNo,
                           QStringLiteral("the server has a temporary problem; try again later"), text, code);
    if (code == "SYS/PERM")
        return Error::make(Error::Kind::ServerNo,
                           QStringLiteral("the server refused the login for a reason other than the password"), text, code);
    return Error::make(Error::Kind::Authentication,
                       QStringLiteral("the server refused the %1").arg(what), text, code);
}

void Session::statusLine(const StatusLine &status)
{
    switch (m_step) {
    case Step::None: break;
    case Step::Greeting:
        m_step = Step::None;
        if (!status.isOk()) {
            fail(Error::make(Error::Kind::ServerNo, QStringLiteral("the server refused the connection"),
                             QString::fromUtf8(status.text), status.responseCode));
            return;
        }
        m_greeting = status.text;
        m_apopTimestamp = apopTimestamp(status.text);
        m_state = State::Negotiating;
        m_capaLines.clear();
        sendInternal(Step::Capa, "CAPA", ReplyShape::MultiLines);
        return;
    case Step::Capa:
        if (!status.isOk()) { // CAPA not supported: RFC 1939 behaviour only
            m_step = Step::None;
            m_caps = {};
            afterCapabilities();
        }
        m_capaLines.clear();
        return;
    case Step::Stls:
        if (!status.isOk()) {
            fail(Error::make(Error::Kind::Tls,
                             QStringLiteral("the server refused STLS; the connection would not be encrypted"),
                             QString::fromUtf8(status.text), status.responseCode));
            return;
        }
        m_step = Step::StlsAccepted; // onReadyRead() checks nothing follows, then handshakes
        return;
    case Step::StlsAccepted: return;
    case Step::Auth:
        if (status.kind == StatusLine::Kind::Continuation) {
            fail(Error::make(Error::Kind::Protocol, QStringLiteral("the server asked for more after AUTH PLAIN")));
            return;
        }
        [[fallthrough]];
    case Step::Pass:
    case Step::Apop:
        m_step = Step::None;
        if (!status.isOk()) {
            fail(loginError(status, QStringLiteral("user name or password")));
            return;
        }
        enterTransaction();
        return;
    case Step::User:
        if (!status.isOk()) {
            m_step = Step::None;
            fail(loginError(status, QStringLiteral("user name")));
            return;
        }
        sendInternal(Step::Pass, "PASS " + m_settings.password.toUtf8(), ReplyShape::Single, "PASS", true);
        return;
    }

    if (m_inFlight.empty())
        return;
    const QPointer<Job> job = m_inFlight.front();
    const bool multi = job && isMulti(job->shape()) && status.isOk();
    if (job)
        job->handleStatus(status);
    if (multi) {
        if (job->shape() == ReplyShape::MultiStream && m_conn->log())
            m_conn->log()->beginServerBody();
        return;
    }
    finishFront();
}

void Session::data(QByteArrayView bytes)
{
    if (m_step == Step::Capa) {
        if (m_capaLines.size() < MaxCapabilityLines)
            m_capaLines << bytes.toByteArray();
        return;
    }
    if (!m_inFlight.empty() && m_inFlight.front())
        m_inFlight.front()->handleData(bytes);
}

void Session::end()
{
    if (m_step == Step::Capa) {
        m_step = Step::None;
        m_caps = parseCapabilities(m_capaLines);
        m_capaLines.clear();
        afterCapabilities();
        return;
    }
    if (m_conn->log())
        m_conn->log()->endServerBody();
    if (!m_inFlight.empty() && m_inFlight.front())
        m_inFlight.front()->handleEnd();
    finishFront();
}

void Session::afterCapabilities()
{
    if (m_settings.security == Security::StartTls && !m_conn->isEncrypted()) {
        if (!m_caps.stls) {
            fail(Error::make(Error::Kind::Tls,
                             m_caps.known ? QStringLiteral("the server does not offer STLS; refusing to log in without TLS")
                                          : QStringLiteral("the server does not answer CAPA, so it cannot offer STLS; "
                                                           "refusing to log in without TLS")));
            return;
        }
        sendInternal(Step::Stls, "STLS", ReplyShape::Single);
        return;
    }
    authenticate();
}

void Session::authenticate()
{
    m_state = State::Authenticating;
    const QByteArray user = m_settings.username.toUtf8();
    const QByteArray pass = m_settings.password.toUtf8();
    AuthMethod method = m_settings.auth;
    if (method == AuthMethod::Automatic) {
        if (m_caps.sasl.contains("PLAIN"))
            method = AuthMethod::SaslPlain;
        else if (m_caps.user || !m_caps.known)
            method = AuthMethod::UserPass;
        else {
            fail(Error::make(Error::Kind::Config,
                             QStringLiteral("the server offers no login method Tidings supports (SASL: %1)")
                                 .arg(QString::fromLatin1(m_caps.sasl.join(' ')))));
            return;
        }
    }
    switch (method) {
    case AuthMethod::Automatic:
    case AuthMethod::SaslPlain: {
        QByteArray plain;
        plain += '\0';
        plain += user;
        plain += '\0';
        plain += pass;
        sendInternal(Step::Auth, "AUTH PLAIN " + plain.toBase64(), ReplyShape::Auth, "AUTH PLAIN", true);
        return;
    }
    case AuthMethod::UserPass:
        sendInternal(Step::User, "USER " + user, ReplyShape::Single, "USER", true);
        return;
    case AuthMethod::Apop: {
        if (m_apopTimestamp.isEmpty()) {
            fail(Error::make(Error::Kind::Config,
                             QStringLiteral("APOP is selected, but the server's greeting offers no APOP timestamp")));
            return;
        }
        const QByteArray digest = QCryptographicHash::hash(QByteArray(m_apopTimestamp + pass), QCryptographicHash::Md5).toHex();
        sendInternal(Step::Apop, "APOP " + user + ' ' + digest, ReplyShape::Single, "APOP", true);
        return;
    }
    }
}

void Session::enterTransaction()
{
    m_state = State::Transaction;
    QMetaObject::invokeMethod(this, [this] { Q_EMIT opened(); }, Qt::QueuedConnection);
    pump();
    updateWaiting();
}

StatJob *Session::stat()
{
    auto *job = new StatJob(this);
    enqueue(job);
    return job;
}

UidlJob *Session::uidl(int message)
{
    auto *job = new UidlJob(this, message);
    enqueue(job);
    return job;
}

ListJob *Session::list(int message)
{
    auto *job = new ListJob(this, message);
    enqueue(job);
    return job;
}

RetrieveJob *Session::retrieve(int message)
{
    auto *job = new RetrieveJob(this, message, -1);
    enqueue(job);
    return job;
}

RetrieveJob *Session::top(int message, int lines)
{
    auto *job = new RetrieveJob(this, message, std::max(0, lines));
    enqueue(job);
    return job;
}

SimpleJob *Session::dele(int message)
{
    auto *job = new SimpleJob(this, "DELE " + QByteArray::number(message));
    enqueue(job);
    return job;
}

SimpleJob *Session::rset()
{
    auto *job = new SimpleJob(this, "RSET");
    enqueue(job);
    return job;
}

SimpleJob *Session::noop()
{
    auto *job = new SimpleJob(this, "NOOP");
    enqueue(job);
    return job;
}

SimpleJob *Session::quit()
{
    auto *job = new SimpleJob(this, "QUIT");
    enqueue(job);
    return job;
}

void Session::enqueue(Job *job)
{
    m_queue.push_back(job);
    if (m_state == State::Transaction) {
        // Sent from the event loop, so a caller queueing many jobs in a row fills one write
        // (and the pipeline) instead of trickling one command per call.
        QMetaObject::invokeMethod(this, &Session::pump, Qt::QueuedConnection);
    }
}

void Session::pump()
{
    if (m_state != State::Transaction)
        return;
    const size_t depth = m_caps.pipelining ? size_t(std::max(1, m_settings.pipelineDepth)) : 1;
    ProtocolLog *log = m_conn->log();
    while (!m_queue.empty() && m_inFlight.size() < depth) {
        const QPointer<Job> job = m_queue.front();
        m_queue.pop_front();
        if (!job)
            continue;
        const QByteArray command = job->command();
        m_out += command;
        m_out += "\r\n";
        if (log)
            log->clientBytes(command);
        m_parser->expect(job->shape());
        m_inFlight.push_back(job);
        if (command == "QUIT") {
            m_state = State::Quitting; // nothing follows QUIT
            break;
        }
    }
    if (!m_out.isEmpty()) {
        m_conn->write(m_out);
        m_out.clear();
    }
    updateWaiting();
}

void Session::finishFront()
{
    const QPointer<Job> job = m_inFlight.front();
    m_inFlight.pop_front();
    const bool quit = job && job->command() == "QUIT";
    if (job)
        complete(job, job->error());
    if (quit) {
        // RFC 1939 §6: the server enters UPDATE and closes; deletions are committed on +OK.
        m_state = State::Disconnected;
        m_keepAlive->stop();
        m_conn->close();
        failJobs(Error::make(Error::Kind::Cancelled, QStringLiteral("the POP3 session ended with QUIT")));
        QMetaObject::invokeMethod(this, [this] { Q_EMIT closed(); }, Qt::QueuedConnection);
        return;
    }
    pump();
    updateWaiting();
}

void Session::complete(Job *job, const Error &error)
{
    if (error)
        job->setError(error);
    job->m_finished = true;
    QMetaObject::invokeMethod(job, [job] {
        Q_EMIT job->finished(job);
        job->deleteLater();
    }, Qt::QueuedConnection);
}

void Session::failJobs(const Error &error)
{
    auto inFlight = std::move(m_inFlight);
    auto queued = std::move(m_queue);
    m_inFlight.clear();
    m_queue.clear();
    for (const QPointer<Job> &job : inFlight) {
        if (!job)
            continue;
        Error e = error;
        if (e.kind != Error::Kind::Cancelled)
            e.detail += QStringLiteral("; the answer to %1 did not arrive in full").arg(QString::fromLatin1(job->command()));
        complete(job, e);
    }
    for (const QPointer<Job> &job : queued) {
        if (job)
            complete(job, error);
    }
}

void Session::fail(const Error &error)
{
    if (m_state == State::Disconnected)
        return;
    m_lastError = error;
    m_state = State::Disconnected;
    m_step = Step::None;
    m_keepAlive->stop();
    m_conn->abort();
    failJobs(error);
    QMetaObject::invokeMethod(this, [this, error] { Q_EMIT failed(error); }, Qt::QueuedConnection);
}

void Session::updateWaiting()
{
    const bool idle = m_state == State::Transaction && m_inFlight.empty();
    m_conn->setWaiting(m_state != State::Disconnected && !idle);
    if (idle && m_queue.empty() && m_settings.keepAlive.count() > 0)
        m_keepAlive->start(m_settings.keepAlive);
    else
        m_keepAlive->stop();
}

} // namespace Tidings::Pop3
