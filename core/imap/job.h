// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/error.h"
#include "core/imap/response.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>

namespace Tidings::Imap {

class Session;

/// One IMAP command as a job hands it to the session: arguments and literals in order, without
/// the tag and the final CRLF. The session renders literals as synchronizing `{n}` (waiting for
/// the server's `+`) or, when the server allows it, non-synchronizing `{n+}` (RFC 7888).
///
/// Argument helpers quote as RFC 9051 §4.3 requires: an atom when every byte is an ATOM-CHAR, a
/// quoted string when the bytes are 7-bit text without CR/LF, a literal otherwise.
class Command final
{
public:
    struct Part {
        QByteArray bytes;
        bool literal = false;
    };

    Command() = default;
    explicit Command(QByteArray name) { m_parts.append({name, false}); m_name = std::move(name); }

    /// Raw protocol text, appended after a space (atoms, parenthesised lists, sequence sets).
    Command &arg(const QByteArray &raw);
    /// An astring: atom, quoted string or literal, whichever the bytes allow.
    Command &astring(const QByteArray &value);
    /// A string (never an atom): quoted or literal.
    Command &string(const QByteArray &value);
    /// A literal, always (message content for APPEND).
    Command &literal(const QByteArray &data);
    /// A mailbox name: modified UTF-7 (RFC 3501 §5.1.3), or UTF-8 when @p utf8 (RFC 6855), then
    /// as an astring. "INBOX" in any case is sent as INBOX.
    Command &mailbox(const QString &name, bool utf8 = false);
    /// A mailbox name exactly as the server sent it (ListEntry::mailbox.raw).
    Command &mailboxRaw(const QByteArray &raw) { return astring(raw); }
    /// Appends raw text without a separating space.
    Command &append(const QByteArray &raw);
    /// Appends every part of @p other (a criteria list built separately).
    Command &extend(const Command &other);

    [[nodiscard]] const QList<Part> &parts() const { return m_parts; }
    /// The command name ("LOGIN", "UID FETCH"), for logs and errors.
    [[nodiscard]] const QByteArray &name() const { return m_name; }
    /// True when the command carries a secret: logged as `TAG NAME ***`.
    [[nodiscard]] bool isSecret() const { return m_secret; }
    Command &setSecret(bool secret) { m_secret = secret; return *this; }

    /// The encoding an astring gets: atom, quoted or literal.
    enum class StringForm { Atom, Quoted, Literal };
    [[nodiscard]] static StringForm formFor(const QByteArray &value, bool allowAtom);
    /// Quoted form of 7-bit text ("a\"b").
    [[nodiscard]] static QByteArray quote(const QByteArray &value);

private:
    void addString(const QByteArray &value, bool allowAtom);
    QList<Part> m_parts;
    QByteArray m_name;
    bool m_secret = false;
};

/// Base class of every IMAP command job (KIMAP's shape): set parameters, start(), wait for
/// finished(), read error() and the typed results.
///
/// A job belongs to one Session. start() only queues it; the session runs it when the line is
/// free (ending IDLE with DONE first if needed) and, where RFC 9051 §5.5 allows, alongside other
/// jobs. The session routes the completion of each command the job sent to handleTagged(), and
/// offers untagged responses to running jobs in start order through handleUntagged().
///
/// finished() is emitted exactly once, also when the connection fails or the session is gone
/// (the error then says so). With autoDelete (the default) the job deletes itself afterwards.
class Job : public QObject
{
    Q_OBJECT
public:
    explicit Job(Session *session, QObject *parent = nullptr);
    ~Job() override;
    Q_DISABLE_COPY_MOVE(Job)

    /// Queues the job on its session. Calling it twice does nothing.
    void start();

    [[nodiscard]] const Error &error() const { return m_error; }
    [[nodiscard]] bool isFinished() const { return m_finished; }
    [[nodiscard]] bool isRunning() const { return m_running; }
    [[nodiscard]] Session *session() const { return m_session; }

    /// deleteLater() after finished() (default true).
    void setAutoDelete(bool autoDelete) { m_autoDelete = autoDelete; }
    [[nodiscard]] bool autoDelete() const { return m_autoDelete; }

    /// How a job may share the line with others (RFC 9051 §5.5).
    enum class Concurrency {
        Exclusive,           ///< runs alone: changes the selection, authenticates, IDLE, expunges
        UidOnly,             ///< UID commands: may overlap with each other and Independent ones
        SequenceNumbers,     ///< commands with message sequence numbers: only with each other
        Independent,         ///< does not touch message numbers (LIST, STATUS, CREATE, APPEND)
    };
    [[nodiscard]] virtual Concurrency concurrency() const { return Concurrency::Exclusive; }

Q_SIGNALS:
    void finished(Tidings::Imap::Job *job);

protected:
    friend class Session;

    /// The session gives this job the line: send the command(s) with sendCommand().
    virtual void run() = 0;
    /// An untagged response while the job runs. Return true if it belongs to this job (it is then
    /// not offered to later jobs). The session has already applied it to its own state.
    virtual bool handleUntagged(const Response &response);
    /// The tagged completion of a command this job sent.
    virtual void handleTagged(const StatusResponse &response) = 0;
    /// A continuation request for this job's command (AUTHENTICATE, IDLE). The default fails
    /// the job: a server asking for data we never announced is a protocol error.
    virtual void handleContinuation(const ContinuationRequest &request);
    /// The connection is gone or the session failed; the job finishes with @p error.
    virtual void aborted(const Error &error);

    /// Sends @p command now (only while running) and returns its tag.
    QByteArray sendCommand(const Command &command);
    /// Sends a continuation response line (AUTHENTICATE). @p secret lines are logged as `***`.
    void sendContinuationLine(const QByteArray &line, bool secret);
    /// Ends the job: emits finished() once.
    void finish(const Error &error = {});

    /// A ServerNo/ServerBad error from a tagged NO/BAD (or Protocol for anything else).
    [[nodiscard]] static Error errorFromStatus(const StatusResponse &response, const QString &what);

private:
    QPointer<Session> m_session;
    Error m_error;
    bool m_started = false;
    bool m_running = false;
    bool m_finished = false;
    bool m_autoDelete = true;
};

/// A job that sends one command and is done when it completes: OK succeeds, NO/BAD fail.
class SimpleJob : public Job
{
    Q_OBJECT
public:
    using Job::Job;

protected:
    void handleTagged(const StatusResponse &response) override;
    /// The command's tagged OK arrived; the default finishes the job.
    virtual void succeeded(const StatusResponse &response);
    /// A short description for error details ("SELECT INBOX").
    [[nodiscard]] virtual QString describe() const = 0;
    /// The last tagged response (its code carries APPENDUID, COPYUID, ...).
    [[nodiscard]] const StatusResponse &completion() const { return m_completion; }

private:
    StatusResponse m_completion;
};

} // namespace Tidings::Imap
