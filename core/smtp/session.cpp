// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/smtp/session.h"

#include "core/smtp/data.h"

namespace Tidings::Smtp {

namespace {

/// Body bytes written to the protocol log per message.
constexpr qsizetype LoggedBodyBytes = 64 * 1024;

bool isAscii(const QString &text)
{
    for (QChar c : text) {
        if (c.unicode() >= 0x80)
            return false;
    }
    return true;
}

/// An address that cannot break the command line it is put in.
bool usableAddress(const QString &address, bool allowEmpty)
{
    if (address.isEmpty())
        return allowEmpty;
    for (QChar c : address) {
        if (c.unicode() < 0x21 || c == u'<' || c == u'>' || c.unicode() == 0x7f)
            return false;
    }
    return address.size() <= 320;
}

QString errorContextList(const QStringList &addresses)
{
    return QStringLiteral("refused: ") + addresses.join(QStringLiteral(", "));
}

} // namespace

QStringList SendResult::refusedRecipients() const
{
    QStringList out;
    for (const RecipientResult &r : recipients) {
        if (!r.accepted())
            out << r.address;
    }
    return out;
}

SendJob::SendJob(Session *session, Envelope envelope, QByteArray message)
    : QObject(session)
    , m_envelope(std::move(envelope))
    , m_message(std::move(message))
{}

Session::Session(Settings settings, Clock &clock, QObject *parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_conn(new LineConnection(clock, this))
{
    connect(m_conn, &LineConnection::ready, this, &Session::onReady);
    connect(m_conn, &LineConnection::encrypted, this, &Session::onEncrypted);
    connect(m_conn, &LineConnection::readyRead, this, &Session::onReadyRead);
    connect(m_conn, &LineConnection::closed, this, &Session::onClosed);
    connect(m_conn, &LineConnection::failed, this, &Session::fail);
    connect(m_conn, &LineConnection::certificateRejected, this, [this](const CertificateProblem &problem) {
        QMetaObject::invokeMethod(
            this, [this, problem] { Q_EMIT certificateRejected(problem); }, Qt::QueuedConnection);
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
    m_parser = std::make_unique<ReplyParser>();
    m_expected.clear();
    m_caps = {};
    m_lastError = {};
    m_mailReply = {};
    m_step = Step::None;
    m_quitRequested = false;
    m_resetNeeded = false;
    m_state = State::Connecting;
    m_conn->setTimeout(m_settings.timeout);
    m_conn->open(m_settings.host, m_settings.port, m_settings.security, m_settings.tls,
                 ProtocolLog::open(QStringLiteral("smtp"), m_settings.host, m_settings.port,
                                   m_settings.protocolLogDir));
}

void Session::quit()
{
    m_quitRequested = true;
    if (m_state == State::Ready && !m_current)
        startNextSend();
}

void Session::abort()
{
    m_conn->abort();
    const Error cancelled =
        Error::make(Error::Kind::Cancelled, QStringLiteral("the SMTP session was stopped"));
    if (m_state != State::Disconnected) {
        m_state = State::Disconnected;
        m_lastError = cancelled;
    }
    if (m_current) {
        SendResult result = m_result;
        result.error = cancelled;
        if (m_expected.size() == 1 && m_expected.front() == Step::DataEnd) {
            result.problem = Problem::DeliveryUncertain;
            result.deliveryUncertain = true;
        }
        finishSend(result);
    }
    m_expected.clear();
    auto queued = std::move(m_queue);
    m_queue.clear();
    for (const QPointer<SendJob> &job : queued) {
        if (!job)
            continue;
        m_current = job;
        SendResult result;
        result.error = cancelled;
        finishSend(result);
    }
}

SendJob *Session::checkEnvelope(const Envelope &envelope)
{
    SendJob *job = send(envelope, QByteArray());
    job->m_envelopeCheck = true;
    return job;
}

SendJob *Session::send(const Envelope &envelope, const QByteArray &message)
{
    auto *job = new SendJob(this, envelope, message);
    m_queue.push_back(job);
    if (m_state == State::Ready && !m_current)
        QMetaObject::invokeMethod(
            this,
            [this] {
                if (m_state == State::Ready && !m_current)
                    startNextSend();
            },
            Qt::QueuedConnection);
    return job;
}

void Session::onReady()
{
    m_state = State::Greeting;
    m_expected.push_back(Step::Greeting);
    updateWaiting();
}

void Session::onEncrypted()
{
    // RFC 3207 §4.2: forget everything learned before TLS and start over with EHLO.
    m_caps = {};
    sendLine(Step::Ehlo, "EHLO " + m_settings.heloName.toUtf8());
}

void Session::onReadyRead()
{
    if (m_state == State::Disconnected || !m_parser)
        return;
    m_parser->feed(m_conn->readAll());
    while (m_state != State::Disconnected && m_parser->hasReply()) {
        const Reply reply = m_parser->takeReply();
        if (m_expected.empty()) {
            if (reply.code == 421) {
                fail(Error::make(Error::Kind::ServerNo, QStringLiteral("the server closed the session"),
                                 reply.text(), reply.enhancedCode));
            } else {
                fail(Error::make(Error::Kind::Protocol,
                                 QStringLiteral("the server sent a reply nobody asked for"), reply.text()));
            }
            return;
        }
        handle(reply);
        if (m_step == Step::StartTlsAccepted)
            break;
    }
    if (m_state == State::Disconnected)
        return;
    if (m_parser->hasError()) {
        fail(Error::make(Error::Kind::Protocol, QStringLiteral("the server's reply cannot be read: %1")
                                                    .arg(QString::fromLatin1(m_parser->error()))));
        return;
    }
    if (m_step == Step::StartTlsAccepted) {
        m_step = Step::None;
        if (m_parser->hasBufferedBytes() || m_conn->bytesAvailable() > 0) {
            // RFC 3207 §6 / CVE-2011-0411: such bytes would be taken as if TLS protected them.
            fail(Error::make(
                Error::Kind::Protocol,
                QStringLiteral("the server sent data after accepting STARTTLS; the connection is not safe")));
            return;
        }
        m_parser = std::make_unique<ReplyParser>();
        m_conn->startTls();
    }
}

void Session::onClosed()
{
    if (m_state == State::Disconnected)
        return;
    if (m_state == State::Quitting) {
        m_state = State::Disconnected;
        QMetaObject::invokeMethod(
            this, [this] { Q_EMIT closed(); }, Qt::QueuedConnection);
        return;
    }
    fail(Error::make(
        Error::Kind::Network,
        QStringLiteral("the server %1:%2 closed the connection").arg(m_settings.host).arg(m_settings.port)));
}

void Session::sendLine(Step step, const QByteArray &line, QByteArrayView logVisible, bool secret)
{
    if (ProtocolLog *log = m_conn->log()) {
        if (secret && logVisible.isEmpty())
            log->clientSecret();
        else if (secret)
            log->clientRedacted(logVisible);
        else
            log->clientBytes(line);
    }
    m_conn->write(line + "\r\n");
    m_expected.push_back(step);
    updateWaiting();
}

void Session::handle(const Reply &reply)
{
    const Step step = m_expected.front();
    m_expected.pop_front();
    updateWaiting();
    switch (step) {
    case Step::None:
    case Step::StartTlsAccepted: return;
    case Step::Greeting:
        if (reply.code != 220) {
            fail(Error::make(Error::Kind::ServerNo, QStringLiteral("the server refused the connection"),
                             reply.text(), reply.enhancedCode));
            return;
        }
        m_state = State::Negotiating;
        sendLine(Step::Ehlo, "EHLO " + m_settings.heloName.toUtf8());
        return;
    case Step::Ehlo:
        if (reply.code == 250) {
            m_caps = Capabilities::fromEhlo(reply);
            afterEhlo();
            return;
        }
        // HELO only where nothing depends on extensions: no TLS upgrade and no login.
        if ((reply.code == 500 || reply.code == 502) && m_settings.security != Security::StartTls &&
            (m_settings.auth == AuthMethod::None || m_settings.username.isEmpty())) {
            sendLine(Step::Helo, "HELO " + m_settings.heloName.toUtf8());
            return;
        }
        fail(Error::make(Error::Kind::ServerNo, QStringLiteral("the server refused EHLO"), reply.text(),
                         reply.enhancedCode));
        return;
    case Step::Helo:
        if (reply.code != 250) {
            fail(Error::make(Error::Kind::ServerNo, QStringLiteral("the server refused HELO"), reply.text(),
                             reply.enhancedCode));
            return;
        }
        m_caps = {};
        afterEhlo();
        return;
    case Step::StartTls:
        if (reply.code != 220) {
            fail(Error::make(
                Error::Kind::Tls,
                QStringLiteral("the server refused STARTTLS; the connection would not be encrypted"),
                reply.text(), reply.enhancedCode));
            return;
        }
        m_step = Step::StartTlsAccepted; // onReadyRead() checks nothing follows, then handshakes
        return;
    case Step::AuthPlain:
    case Step::AuthXoauth2:
    case Step::AuthDone:
        if (reply.code == 235) {
            enterReady();
            return;
        }
        if (reply.code == 334 && step == Step::AuthPlain) {
            // The server ignored the initial response (RFC 4954 §4): answer the empty challenge.
            QByteArray plain;
            plain += '\0';
            plain += m_settings.username.toUtf8();
            plain += '\0';
            plain += m_settings.password.toUtf8();
            sendLine(Step::AuthDone, plain.toBase64(), {}, true);
            return;
        }
        if (reply.code == 334 && step == Step::AuthXoauth2) {
            // An error report as a challenge; an empty response ends the exchange with 535.
            m_mailReply = reply;
            sendLine(Step::AuthDone, QByteArray());
            return;
        }
        authFailed(reply);
        return;
    case Step::AuthLoginUser:
        if (reply.code != 334) {
            authFailed(reply);
            return;
        }
        sendLine(Step::AuthLoginPass, m_settings.username.toUtf8().toBase64(), {}, true);
        return;
    case Step::AuthLoginPass:
        if (reply.code != 334) {
            authFailed(reply);
            return;
        }
        sendLine(Step::AuthDone, m_settings.password.toUtf8().toBase64(), {}, true);
        return;
    case Step::Mail:
        m_mailReply = reply;
        if (reply.isPositive())
            m_resetNeeded = true;
        if (!m_caps.pipelining) {
            if (reply.isPositive() && !m_result.recipients.isEmpty())
                sendLine(Step::Rcpt, "RCPT TO:<" + m_result.recipients.first().address.toUtf8() + '>');
            else
                afterRecipients();
        }
        return;
    case Step::Rcpt: {
        if (m_rcptIndex < m_result.recipients.size())
            m_result.recipients[m_rcptIndex].reply = reply;
        ++m_rcptIndex;
        if (m_rcptIndex >= m_result.recipients.size()) {
            afterRecipients();
        } else if (!m_caps.pipelining) {
            sendLine(Step::Rcpt, "RCPT TO:<" + m_result.recipients.at(m_rcptIndex).address.toUtf8() + '>');
        }
        return;
    }
    case Step::Data: {
        if (reply.code != 354) {
            const Problem problem = classify(reply, Stage::Data);
            failSend(problem, errorFor(problem, reply));
            return;
        }
        const QByteArray &payload = m_current ? m_current->m_message : QByteArray(".\r\n");
        if (ProtocolLog *log = m_conn->log()) {
            if (payload.size() > LoggedBodyBytes) {
                log->clientBytes(QByteArrayView(payload).first(LoggedBodyBytes));
                log->comment(QStringLiteral("%1 more bytes of this message not logged, then the final dot")
                                 .arg(payload.size() - LoggedBodyBytes));
            } else {
                log->clientBytes(payload);
            }
        }
        m_conn->setTimeout(m_settings.dataEndTimeout);
        m_conn->write(payload);
        m_expected.push_back(Step::DataEnd);
        updateWaiting();
        return;
    }
    case Step::DataEnd: {
        m_conn->setTimeout(m_settings.timeout);
        m_resetNeeded = false;
        m_result.finalReply = reply;
        if (reply.isPositive()) {
            SendResult result = m_result;
            finishSend(result);
            startNextSend();
            return;
        }
        const Problem problem = classify(reply, Stage::DataEnd);
        failSend(problem, errorFor(problem, reply));
        return;
    }
    case Step::Rset:
        m_resetNeeded = false;
        if (m_current && m_current->m_envelopeCheck)
            finishSend(m_result);
        startNextSend();
        return;
    case Step::Quit:
        m_state = State::Disconnected;
        m_conn->close();
        QMetaObject::invokeMethod(
            this, [this] { Q_EMIT closed(); }, Qt::QueuedConnection);
        return;
    }
}

void Session::afterEhlo()
{
    if (m_settings.security == Security::StartTls && !m_conn->isEncrypted()) {
        if (!m_caps.startTls) {
            fail(Error::make(
                Error::Kind::Tls,
                QStringLiteral("the server does not offer STARTTLS; refusing to continue without TLS")));
            return;
        }
        sendLine(Step::StartTls, "STARTTLS");
        return;
    }
    authenticate();
}

void Session::authenticate()
{
    m_state = State::Authenticating;
    AuthMethod method = m_settings.auth;
    const bool haveCredentials = !m_settings.username.isEmpty() || !m_settings.oauthToken.isEmpty();
    if (!haveCredentials)
        method = AuthMethod::None;
    if (method == AuthMethod::None) {
        enterReady();
        return;
    }
    if (m_caps.auth.isEmpty()) {
        fail(Error::make(Error::Kind::Authentication,
                         QStringLiteral("the server offers no authentication on this connection")));
        return;
    }
    if (method == AuthMethod::Automatic) {
        if (!m_settings.oauthToken.isEmpty())
            method = AuthMethod::XOAuth2;
        else if (m_caps.auth.contains("PLAIN"))
            method = AuthMethod::Plain;
        else if (m_caps.auth.contains("LOGIN"))
            method = AuthMethod::Login;
    }
    const QByteArray mechanism = method == AuthMethod::Plain     ? QByteArray("PLAIN")
                                 : method == AuthMethod::Login   ? QByteArray("LOGIN")
                                 : method == AuthMethod::XOAuth2 ? QByteArray("XOAUTH2")
                                                                 : QByteArray();
    if (mechanism.isEmpty() || !m_caps.auth.contains(mechanism)) {
        fail(Error::make(
            Error::Kind::Config,
            QStringLiteral("the server offers no sign-in method Tidings can use here (it offers %1)")
                .arg(QString::fromLatin1(m_caps.auth.join(' ')))));
        return;
    }
    const QByteArray user = m_settings.username.toUtf8();
    switch (method) {
    case AuthMethod::Plain: {
        QByteArray plain;
        plain += '\0';
        plain += user;
        plain += '\0';
        plain += m_settings.password.toUtf8();
        sendLine(Step::AuthPlain, "AUTH PLAIN " + plain.toBase64(), "AUTH PLAIN", true);
        return;
    }
    case AuthMethod::Login: sendLine(Step::AuthLoginUser, "AUTH LOGIN"); return;
    case AuthMethod::XOAuth2: {
        const QByteArray token = "user=" + user +
                                 "\x01"
                                 "auth=Bearer " +
                                 m_settings.oauthToken.toUtf8() + "\x01\x01";
        sendLine(Step::AuthXoauth2, "AUTH XOAUTH2 " + token.toBase64(), "AUTH XOAUTH2", true);
        return;
    }
    case AuthMethod::Automatic:
    case AuthMethod::None: return;
    }
}

void Session::authFailed(const Reply &reply)
{
    Reply shown = reply;
    if (!m_mailReply.lines.isEmpty() && m_mailReply.code == 334) {
        // XOAUTH2's reason is the base64 JSON of the challenge.
        shown.lines.prepend(QByteArray::fromBase64(m_mailReply.lines.first()));
    }
    m_mailReply = {};
    Problem problem = classify(reply, Stage::Auth);
    if (problem != Problem::TemporaryFailure && problem != Problem::AuthenticationRequired)
        problem = Problem::AuthenticationFailed;
    fail(errorFor(problem, shown));
}

void Session::enterReady()
{
    m_state = State::Ready;
    m_mailReply = {};
    QMetaObject::invokeMethod(
        this, [this] { Q_EMIT opened(); }, Qt::QueuedConnection);
    startNextSend();
}

void Session::startNextSend()
{
    m_state = State::Ready;
    while (!m_queue.empty() && !m_queue.front())
        m_queue.pop_front();
    if (m_queue.empty()) {
        if (m_quitRequested) {
            m_state = State::Quitting;
            sendLine(Step::Quit, "QUIT");
        }
        updateWaiting();
        return;
    }
    m_current = m_queue.front();
    m_queue.pop_front();
    m_result = {};
    m_mailReply = {};
    m_rcptIndex = 0;
    SendJob *job = m_current;
    const Envelope &env = job->m_envelope;

    auto reject = [&](Problem problem, Error error) {
        m_result.problem = problem;
        m_result.error = std::move(error);
        finishSend(m_result);
        startNextSend();
    };
    if (env.recipients.isEmpty()) {
        reject(Problem::Other,
               Error::make(Error::Kind::Config, QStringLiteral("the message has no recipient")));
        return;
    }
    bool addressesOk = usableAddress(env.from, true);
    bool ascii = isAscii(env.from);
    for (const QString &r : env.recipients) {
        addressesOk = addressesOk && usableAddress(r, false);
        ascii = ascii && isAscii(r);
    }
    if (!addressesOk) {
        reject(Problem::Other,
               Error::make(Error::Kind::Config, QStringLiteral("an envelope address is not usable")));
        return;
    }
    if (!ascii && !m_caps.smtpUtf8) {
        reject(Problem::NotSupported,
               Error::make(Error::Kind::Config,
                           QStringLiteral("an address is not ASCII and the server does not offer SMTPUTF8")));
        return;
    }
    const bool eightBit = hasEightBit(job->m_message);
    if (eightBit && !m_caps.eightBitMime && !m_caps.smtpUtf8) {
        reject(Problem::NotSupported,
               Error::make(Error::Kind::Config,
                           QStringLiteral("the message has 8-bit content and the server does not "
                                          "offer 8BITMIME")));
        return;
    }
    // From here on the job holds the DATA payload, not the composed bytes.
    qint64 size = 0;
    job->m_message = encodeData(job->m_message, &size);
    if (m_caps.maxSize > 0 && size > m_caps.maxSize) {
        Reply local;
        reject(Problem::MessageTooLarge,
               errorFor(
                   Problem::MessageTooLarge, local,
                   QStringLiteral("%1 bytes; the server accepts at most %2").arg(size).arg(m_caps.maxSize)));
        return;
    }

    m_state = State::Sending;
    for (const QString &r : env.recipients)
        m_result.recipients.append(RecipientResult{r, {}});
    QByteArray mail = "MAIL FROM:<" + env.from.toUtf8() + '>';
    if (m_caps.sizeAdvertised && !job->m_envelopeCheck)
        mail += " SIZE=" + QByteArray::number(size);
    if (eightBit && m_caps.eightBitMime)
        mail += " BODY=8BITMIME";
    if (!ascii || (eightBit && m_caps.smtpUtf8 && !m_caps.eightBitMime))
        mail += " SMTPUTF8";
    sendLine(Step::Mail, mail);
    if (m_caps.pipelining) {
        // RFC 2920 §3.1: MAIL and RCPT in one group; DATA waits for their answers.
        for (const QString &r : env.recipients)
            sendLine(Step::Rcpt, "RCPT TO:<" + r.toUtf8() + '>');
    }
}

void Session::afterRecipients()
{
    if (!m_mailReply.isPositive()) {
        const Problem problem = classify(m_mailReply, Stage::Mail);
        failSend(problem, errorFor(problem, m_mailReply));
        return;
    }
    const QStringList refused = m_result.refusedRecipients();
    if (refused.size() == m_result.recipients.size() || (!refused.isEmpty() && m_settings.allOrNothing)) {
        // The most telling refusal names the problem: sender ownership beats a missing mailbox.
        Problem problem = Problem::Other;
        Reply telling;
        for (const RecipientResult &r : std::as_const(m_result.recipients)) {
            if (r.accepted())
                continue;
            const Problem p = classify(r.reply, Stage::Rcpt);
            if (problem == Problem::Other || p == Problem::SenderNotOwned ||
                p == Problem::AuthenticationRequired) {
                if (problem != Problem::SenderNotOwned) {
                    problem = p;
                    telling = r.reply;
                }
            }
        }
        QString context = errorContextList(refused);
        if (refused.size() < m_result.recipients.size())
            context += QStringLiteral("; nothing was sent to the others");
        failSend(problem, errorFor(problem, telling, context));
        return;
    }
    if (m_current && m_current->m_envelopeCheck) {
        // Every address was accepted: end the transaction without DATA. The check finishes
        // with the answer to RSET, so the session is Ready again when its owner hears of it.
        sendLine(Step::Rset, "RSET");
        return;
    }
    sendLine(Step::Data, "DATA");
}

void Session::failSend(Problem problem, const Error &error)
{
    SendResult result = m_result;
    result.problem = problem;
    result.error = error;
    finishSend(result);
    if (m_resetNeeded && m_state != State::Disconnected) {
        sendLine(Step::Rset, "RSET");
        return;
    }
    startNextSend();
}

void Session::finishSend(SendResult result)
{
    SendJob *job = m_current;
    m_current = nullptr;
    if (!job)
        return;
    job->m_result = std::move(result);
    job->m_message.clear();
    QMetaObject::invokeMethod(
        job,
        [job] {
            Q_EMIT job->finished(job);
            job->deleteLater();
        },
        Qt::QueuedConnection);
}

void Session::fail(const Error &error)
{
    if (m_state == State::Disconnected)
        return;
    const bool uncertain = !m_expected.empty() && m_expected.front() == Step::DataEnd;
    m_lastError = error;
    m_state = State::Disconnected;
    m_step = Step::None;
    m_expected.clear();
    m_conn->abort();
    if (m_current) {
        SendResult result = m_result;
        if (uncertain) {
            result.deliveryUncertain = true;
            result.problem = Problem::DeliveryUncertain;
            result.error = errorFor(Problem::DeliveryUncertain, {}, error.detail);
        } else {
            result.error = error;
        }
        finishSend(result);
    }
    auto queued = std::move(m_queue);
    m_queue.clear();
    for (const QPointer<SendJob> &job : queued) {
        if (!job)
            continue;
        m_current = job;
        SendResult result;
        result.error = error;
        finishSend(result);
    }
    QMetaObject::invokeMethod(
        this, [this, error] { Q_EMIT failed(error); }, Qt::QueuedConnection);
}

void Session::updateWaiting()
{
    // Idle in Ready is the only state in which the server owes nothing (TLS handshakes included).
    const bool idle = (m_state == State::Ready || m_state == State::Disconnected) && m_expected.empty();
    m_conn->setWaiting(m_state != State::Disconnected && !idle);
}

} // namespace Tidings::Smtp
