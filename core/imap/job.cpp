// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/imap/job.h"

#include "core/imap/session.h"
#include "core/imap/utf7.h"

namespace Tidings::Imap {

namespace {

bool isAtomChar(char c)
{
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f)
        return false;
    switch (c) {
    case '(': case ')': case '{': case '%': case '*': case '"': case '\\': case ']':
        return false;
    default:
        return true;
    }
}

} // namespace

Command::StringForm Command::formFor(const QByteArray &value, bool allowAtom)
{
    if (value.isEmpty())
        return StringForm::Quoted;
    bool atom = allowAtom;
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (u == 0 || u == '\r' || u == '\n' || u >= 0x80)
            return StringForm::Literal;
        if (!isAtomChar(c))
            atom = false;
    }
    // NIL as an atom would be read as nothing.
    if (atom && value.compare("NIL", Qt::CaseInsensitive) == 0)
        atom = false;
    return atom ? StringForm::Atom : StringForm::Quoted;
}

QByteArray Command::quote(const QByteArray &value)
{
    QByteArray out;
    out.reserve(value.size() + 2);
    out += '"';
    for (char c : value) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

void Command::addString(const QByteArray &value, bool allowAtom)
{
    switch (formFor(value, allowAtom)) {
    case StringForm::Atom:
        m_parts.append({" " + value, false});
        break;
    case StringForm::Quoted:
        m_parts.append({" " + quote(value), false});
        break;
    case StringForm::Literal:
        m_parts.append({" ", false});
        m_parts.append({value, true});
        break;
    }
}

Command &Command::arg(const QByteArray &raw)
{
    m_parts.append({" " + raw, false});
    return *this;
}

Command &Command::astring(const QByteArray &value)
{
    addString(value, true);
    return *this;
}

Command &Command::string(const QByteArray &value)
{
    addString(value, false);
    return *this;
}

Command &Command::literal(const QByteArray &data)
{
    m_parts.append({" ", false});
    m_parts.append({data, true});
    return *this;
}

Command &Command::append(const QByteArray &raw)
{
    m_parts.append({raw, false});
    return *this;
}

Command &Command::extend(const Command &other)
{
    m_parts += other.m_parts;
    return *this;
}

Command &Command::mailbox(const QString &name, bool utf8)
{
    if (name.compare(u"INBOX", Qt::CaseInsensitive) == 0)
        return arg("INBOX");
    return astring(utf8 ? name.toUtf8() : encodeModifiedUtf7(name));
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
