// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/imap/job.h"

#include "core/imap/session.h"

namespace Tidings::Imap {

Command::Command(QByteArray name)
    : m_name(std::move(name))
{
    keyword(m_name);
}

Command &Command::keyword(const QByteArray &words)
{
    m_steps.append([words](CommandBuilder &b) { b.keyword(words); });
    return *this;
}

Command &Command::arg(const QByteArray &raw)
{
    m_steps.append([raw](CommandBuilder &b) { b.raw(raw); });
    return *this;
}

Command &Command::number(quint64 value)
{
    m_steps.append([value](CommandBuilder &b) { b.number(value); });
    return *this;
}

Command &Command::sequenceSet(const UidSet &set)
{
    m_steps.append([set](CommandBuilder &b) { b.sequenceSet(set); });
    return *this;
}

Command &Command::astring(const QByteArray &value)
{
    m_steps.append([value](CommandBuilder &b) { b.astring(value); });
    return *this;
}

Command &Command::string(const QByteArray &value)
{
    m_steps.append([value](CommandBuilder &b) { b.string(value); });
    return *this;
}

Command &Command::literal(const QByteArray &data)
{
    m_steps.append([data](CommandBuilder &b) { b.literal(data); });
    return *this;
}

Command &Command::mailbox(const QString &name)
{
    m_steps.append([name](CommandBuilder &b) { b.mailbox(name); });
    return *this;
}

Command &Command::mailbox(const MailboxName &name)
{
    m_steps.append([name](CommandBuilder &b) { b.mailbox(name); });
    return *this;
}

Command &Command::flags(const QList<QByteArray> &flags)
{
    m_steps.append([flags](CommandBuilder &b) { b.flags(flags); });
    return *this;
}

Command &Command::beginList()
{
    m_steps.append([](CommandBuilder &b) { b.beginList(); });
    return *this;
}

Command &Command::endList()
{
    m_steps.append([](CommandBuilder &b) { b.endList(); });
    return *this;
}

Command &Command::extend(const Command &other)
{
    m_steps += other.m_steps;
    return *this;
}

std::variant<EncodedCommand, Error> Command::encode(const QByteArray &tag, const EncoderOptions &options) const
{
    CommandBuilder builder(tag, options);
    for (const Step &step : m_steps)
        step(builder);
    return builder.build();
}

Job::Job(Session *session, QObject *parent)
    : QObject(parent)
    , m_session(session)
{
}

Job::~Job()
{
    if (m_session)
        m_session->forget(this);
}

void Job::start()
{
    if (m_started)
        return;
    m_started = true;
    if (!m_session) {
        // Report asynchronously like every other outcome, so callers connect after start().
        QMetaObject::invokeMethod(this, [this] {
            finish(Error::make(Error::Kind::Cancelled, QStringLiteral("the IMAP session is gone")));
        }, Qt::QueuedConnection);
        return;
    }
    m_session->enqueue(this);
}

bool Job::handleUntagged(const Response &)
{
    return false;
}

void Job::handleContinuation(const ContinuationRequest &request)
{
    finish(Error::make(Error::Kind::Protocol,
                       QStringLiteral("the server asked for command data that was never announced"),
                       QString::fromUtf8(request.text)));
}

void Job::aborted(const Error &error)
{
    finish(error ? error
                 : Error::make(Error::Kind::Cancelled, QStringLiteral("the connection was closed")));
}

QByteArray Job::sendCommand(const Command &command)
{
    Q_ASSERT(m_running);
    if (!m_session || !m_running)
        return {};
    return m_session->sendForJob(this, command);
}

void Job::sendContinuationLine(const QByteArray &line, bool secret)
{
    if (m_session && m_running)
        m_session->sendContinuationLine(line, secret);
}

void Job::finish(const Error &error)
{
    if (m_finished)
        return;
    m_finished = true;
    m_running = false;
    m_error = error;
    if (m_session)
        m_session->jobFinished(this);
    Q_EMIT finished(this);
    if (m_autoDelete)
        deleteLater();
}

Error Job::errorFromStatus(const StatusResponse &response, const QString &what)
{
    Error::Kind kind = Error::Kind::Protocol;
    QString detail;
    switch (response.status) {
    case Status::No:
        kind = Error::Kind::ServerNo;
        detail = what + QStringLiteral(" refused by the server");
        break;
    case Status::Bad:
        kind = Error::Kind::ServerBad;
        detail = what + QStringLiteral(" rejected as invalid by the server");
        break;
    default:
        detail = what + QStringLiteral(": unexpected completion");
        break;
    }
    return Error::make(kind, detail, response.text, response.code.atom);
}

void SimpleJob::handleTagged(const StatusResponse &response)
{
    m_completion = response;
    if (response.status == Status::Ok)
        succeeded(response);
    else
        finish(errorFromStatus(response, describe()));
}

void SimpleJob::succeeded(const StatusResponse &)
{
    finish();
}

} // namespace Tidings::Imap
