// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/error.h"
#include "core/pop3/responseparser.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>

#include <functional>

class QIODevice;

namespace Tidings::Pop3 {

class Session;

/// One POP3 command and its reply (KIMAP-style job). A job is made by a Session method
/// (Session::uidl(), Session::retrieve(), ...), which queues it at once; connect to finished()
/// before returning to the event loop. finished() is always emitted from the event loop, never
/// inside the call that made the job, and the job deletes itself afterwards (deleteLater), so
/// read its results in the slot.
///
/// error() is empty on success. A -ERR reply gives Kind::ServerNo with the server's text; a
/// connection lost or timed out before the full reply arrived gives Kind::Network or
/// Kind::Timeout — a truncated UIDL, LIST or RETR is never a success.
class Job : public QObject
{
    Q_OBJECT
public:
    ~Job() override;
    Q_DISABLE_COPY_MOVE(Job)

    [[nodiscard]] const Error &error() const { return m_error; }
    [[nodiscard]] const StatusLine &status() const { return m_status; }
    [[nodiscard]] bool isFinished() const { return m_finished; }
    /// The command as sent, without secrets and CRLF (e.g. "RETR 3").
    [[nodiscard]] virtual QByteArray command() const = 0;

Q_SIGNALS:
    void finished(Tidings::Pop3::Job *job);

protected:
    explicit Job(Session *session);
    friend class Session;

    [[nodiscard]] virtual ReplyShape shape() const { return ReplyShape::Single; }
    /// The status line arrived; -ERR sets a ServerNo error by default.
    virtual void handleStatus(const StatusLine &status);
    virtual void handleData(QByteArrayView bytes);
    /// The multi-line reply ended.
    virtual void handleEnd();
    void setError(Error error);

private:
    StatusLine m_status;
    Error m_error;
    bool m_finished = false;
};

/// DELE, RSET, NOOP, QUIT: a status line and nothing else (RFC 1939 §5, §6).
class SimpleJob final : public Job
{
    Q_OBJECT
public:
    [[nodiscard]] QByteArray command() const override { return m_command; }

private:
    friend class Session;
    SimpleJob(Session *session, QByteArray command);
    QByteArray m_command;
};

/// STAT: number of messages and their total size (RFC 1939 §5).
class StatJob final : public Job
{
    Q_OBJECT
public:
    [[nodiscard]] QByteArray command() const override { return "STAT"; }
    [[nodiscard]] int count() const { return m_count; }
    [[nodiscard]] qint64 totalSize() const { return m_size; }

protected:
    void handleStatus(const StatusLine &status) override;

private:
    friend class Session;
    using Job::Job;
    int m_count = 0;
    qint64 m_size = 0;
};

/// A message number and its unique id (RFC 1939 §7 UIDL).
struct UidlEntry {
    int message = 0;
    QByteArray uid; ///< 1 to 70 characters 0x21..0x7E
    friend bool operator==(const UidlEntry &, const UidlEntry &) = default;
};

/// UIDL for every message, or for one message.
class UidlJob final : public Job
{
    Q_OBJECT
public:
    [[nodiscard]] QByteArray command() const override;
    [[nodiscard]] const QList<UidlEntry> &entries() const { return m_entries; }

protected:
    [[nodiscard]] ReplyShape shape() const override;
    void handleStatus(const StatusLine &status) override;
    void handleData(QByteArrayView line) override;

private:
    friend class Session;
    UidlJob(Session *session, int message);
    int m_message = 0; // 0: all
    QList<UidlEntry> m_entries;
};

/// A message number and its size in octets (RFC 1939 §5 LIST).
struct ListEntry {
    int message = 0;
    qint64 size = 0;
    friend bool operator==(const ListEntry &, const ListEntry &) = default;
};

/// LIST for every message, or for one message.
class ListJob final : public Job
{
    Q_OBJECT
public:
    [[nodiscard]] QByteArray command() const override;
    [[nodiscard]] const QList<ListEntry> &entries() const { return m_entries; }

protected:
    [[nodiscard]] ReplyShape shape() const override;
    void handleStatus(const StatusLine &status) override;
    void handleData(QByteArrayView line) override;

private:
    friend class Session;
    ListJob(Session *session, int message);
    int m_message = 0;
    QList<ListEntry> m_entries;
};

/// RETR (RFC 1939 §5) or TOP (§7): the message, dot-unstuffed byte-exactly, streamed as it
/// arrives into a sink, a QIODevice, or (with neither) collected in data().
///
/// A sink that returns false (storage full, write failed) fails the job with Kind::Storage; the
/// rest of the message is read and dropped so the session stays usable.
class RetrieveJob final : public Job
{
    Q_OBJECT
public:
    /// Receives the message in chunks, split anywhere; returns false to fail the job.
    using Sink = std::function<bool(QByteArrayView chunk)>;

    [[nodiscard]] QByteArray command() const override;
    [[nodiscard]] int message() const { return m_message; }
    void setSink(Sink sink) { m_sink = std::move(sink); }
    /// Writes into @p device (not owned), which must stay open until finished().
    void setDevice(QIODevice *device);
    /// The message when neither a sink nor a device was set.
    [[nodiscard]] const QByteArray &data() const { return m_data; }
    /// Bytes of the message received so far.
    [[nodiscard]] qint64 size() const { return m_bytes; }

protected:
    [[nodiscard]] ReplyShape shape() const override { return ReplyShape::MultiStream; }
    void handleData(QByteArrayView bytes) override;

private:
    friend class Session;
    RetrieveJob(Session *session, int message, int topLines);
    int m_message = 0;
    int m_topLines = -1; // -1: RETR
    Sink m_sink;
    QPointer<QIODevice> m_device;
    bool m_hasDevice = false;
    QByteArray m_data;
    qint64 m_bytes = 0;
};

} // namespace Tidings::Pop3
