// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/pop3/jobs.h"

#include "core/pop3/session.h"

#include <QIODevice>

namespace Tidings::Pop3 {

namespace {

/// A decimal number of at most 18 digits; false otherwise.
bool parseNumber(QByteArrayView text, qint64 *out)
{
    if (text.isEmpty() || text.size() > 18)
        return false;
    qint64 value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return false;
        value = value * 10 + (c - '0');
    }
    *out = value;
    return true;
}

/// "N REST" → N and REST (split at the first run of spaces).
bool splitNumbered(QByteArrayView line, int *number, QByteArrayView *rest)
{
    line = line.trimmed();
    const qsizetype space = line.indexOf(' ');
    if (space <= 0)
        return false;
    qint64 n = 0;
    if (!parseNumber(line.first(space), &n) || n <= 0 || n > std::numeric_limits<int>::max())
        return false;
    *number = int(n);
    *rest = line.sliced(space + 1).trimmed();
    return true;
}

bool validUid(QByteArrayView uid)
{
    if (uid.isEmpty() || uid.size() > 70)
        return false;
    for (char c : uid) {
        if (c < 0x21 || c > 0x7e)
            return false;
    }
    return true;
}

Error protocolError(const QByteArray &command, QByteArrayView line)
{
    return Error::make(Error::Kind::Protocol,
                       QStringLiteral("cannot read the server's answer to %1: \"%2\"")
                           .arg(QString::fromLatin1(command), QString::fromLatin1(line.first(std::min<qsizetype>(line.size(), 80)))));
}

} // namespace

Job::Job(Session *session)
    : QObject(session)
{
}

Job::~Job() = default;

void Job::handleStatus(const StatusLine &status)
{
    m_status = status;
    if (status.kind == StatusLine::Kind::Err) {
        setError(Error::make(Error::Kind::ServerNo,
                             QStringLiteral("the server refused %1").arg(QString::fromLatin1(command())),
                             QString::fromUtf8(status.text), status.responseCode));
    }
}

void Job::handleData(QByteArrayView) { }

void Job::handleEnd() { }

void Job::setError(Error error)
{
    if (!m_error)
        m_error = std::move(error);
}

SimpleJob::SimpleJob(Session *session, QByteArray command)
    : Job(session)
    , m_command(std::move(command))
{
}

void StatJob::handleStatus(const StatusLine &status)
{
    Job::handleStatus(status);
    if (!status.isOk())
        return;
    const QList<QByteArray> parts = status.text.simplified().split(' ');
    qint64 count = 0;
    qint64 size = 0;
    if (parts.size() < 2 || !parseNumber(parts.at(0), &count) || !parseNumber(parts.at(1), &size)
        || count > std::numeric_limits<int>::max()) {
        setError(protocolError(command(), status.text));
        return;
    }
    m_count = int(count);
    m_size = size;
}

UidlJob::UidlJob(Session *session, int message)
    : Job(session)
    , m_message(message)
{
}

QByteArray UidlJob::command() const
{
    return m_message > 0 ? "UIDL " + QByteArray::number(m_message) : QByteArray("UIDL");
}

ReplyShape UidlJob::shape() const
{
    return m_message > 0 ? ReplyShape::Single : ReplyShape::MultiLines;
}

void UidlJob::handleStatus(const StatusLine &status)
{
    Job::handleStatus(status);
    if (status.isOk() && m_message > 0)
        handleData(status.text);
}

void UidlJob::handleData(QByteArrayView line)
{
    if (error())
        return;
    int number = 0;
    QByteArrayView uid;
    if (!splitNumbered(line, &number, &uid) || !validUid(uid)) {
        setError(protocolError(command(), line));
        return;
    }
    m_entries.append(UidlEntry{number, uid.toByteArray()});
}

ListJob::ListJob(Session *session, int message)
    : Job(session)
    , m_message(message)
{
}

QByteArray ListJob::command() const
{
    return m_message > 0 ? "LIST " + QByteArray::number(m_message) : QByteArray("LIST");
}

ReplyShape ListJob::shape() const
{
    return m_message > 0 ? ReplyShape::Single : ReplyShape::MultiLines;
}

void ListJob::handleStatus(const StatusLine &status)
{
    Job::handleStatus(status);
    if (status.isOk() && m_message > 0)
        handleData(status.text);
}

void ListJob::handleData(QByteArrayView line)
{
    if (error())
        return;
    int number = 0;
    QByteArrayView rest;
    qint64 size = 0;
    if (!splitNumbered(line, &number, &rest)) {
        setError(protocolError(command(), line));
        return;
    }
    // RFC 1939 allows more after the size ("1 120 extra"); only the size matters.
    const qsizetype space = rest.indexOf(' ');
    if (!parseNumber(space < 0 ? rest : rest.first(space), &size)) {
        setError(protocolError(command(), line));
        return;
    }
    m_entries.append(ListEntry{number, size});
}

RetrieveJob::RetrieveJob(Session *session, int message, int topLines)
    : Job(session)
    , m_message(message)
    , m_topLines(topLines)
{
}

QByteArray RetrieveJob::command() const
{
    if (m_topLines >= 0)
        return "TOP " + QByteArray::number(m_message) + ' ' + QByteArray::number(m_topLines);
    return "RETR " + QByteArray::number(m_message);
}

void RetrieveJob::setDevice(QIODevice *device)
{
    m_device = device;
    m_hasDevice = device != nullptr;
}

void RetrieveJob::handleData(QByteArrayView bytes)
{
    m_bytes += bytes.size();
    if (error())
        return; // keep reading the reply so the session stays in step
    if (m_sink) {
        if (!m_sink(bytes))
            setError(Error::make(Error::Kind::Storage,
                                 QStringLiteral("could not store message %1 while downloading it").arg(m_message)));
        return;
    }
    if (m_hasDevice) {
        if (!m_device || m_device->write(bytes.data(), bytes.size()) != bytes.size())
            setError(Error::make(Error::Kind::Storage,
                                 QStringLiteral("could not write message %1: %2")
                                     .arg(m_message)
                                     .arg(m_device ? m_device->errorString() : QStringLiteral("device gone"))));
        return;
    }
    m_data.append(bytes);
}

} // namespace Tidings::Pop3
