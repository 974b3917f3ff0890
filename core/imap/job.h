// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/error.h"
#include "core/imap/encoder.h"
#include "core/imap/response.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>

#include <functional>
#include <variant>

namespace Tidings::Imap {

class Session;

/// One IMAP command as a job describes it: the arguments in order, without the tag. The session
/// assigns the tag when the command goes out and renders it through CommandBuilder
/// (core/imap/encoder.h) with the options the server allows (LITERAL+/LITERAL-, UTF8=ACCEPT,
/// BINARY), so quoting, literals and the refusal of values that cannot be sent safely (CR, LF or
/// NUL in a mailbox name or a search string) are decided in one place. A refused command never
/// reaches the wire: its job finishes with the encoder's error.
class Command final
{
public:
    Command() = default;
    /// Starts with the command name ("LOGIN", "UID FETCH").
    explicit Command(QByteArray name);

    /// Keywords ("RETURN", "+FLAGS.SILENT", FETCH item names).
    Command &keyword(const QByteArray &words);
    /// Verbatim protocol text (parenthesised lists, modifiers): refused if it holds CR, LF or NUL.
    Command &arg(const QByteArray &raw);
    Command &number(quint64 value);
    Command &sequenceSet(const UidSet &set);
    /// An astring: atom, quoted string or literal, whichever the bytes allow.
    Command &astring(const QByteArray &value);
    /// A string (never an atom): quoted or literal.
    Command &string(const QByteArray &value);
    /// A literal, always (APPEND message data).
    Command &literal(const QByteArray &data);
    /// A mailbox name a person typed: modified UTF-7 (RFC 3501 §5.1.3) or UTF-8 under UTF8=ACCEPT.
    Command &mailbox(const QString &name);
    /// A mailbox name exactly as the server sent it.
    Command &mailbox(const MailboxName &name);
    /// A flag list "(\\Seen $Label)".
    Command &flags(const QList<QByteArray> &flags);
    Command &beginList();
    Command &endList();
    /// Appends every argument of @p other (criteria built separately).
    Command &extend(const Command &other);

    /// The command name, for logs and errors.
    [[nodiscard]] const QByteArray &name() const { return m_name; }
    /// True when the command carries a secret: logged as `TAG NAME ***`.
    [[nodiscard]] bool isSecret() const { return m_secret; }
    Command &setSecret(bool secret)
    {
        m_secret = secret;
        return *this;
    }

    /// Renders the command with @p tag; the EncodedCommand or the encoder's refusal.
    [[nodiscard]] std::variant<EncodedCommand, Error> encode(const QByteArray &tag,
                                                             const EncoderOptions &options) const;

private:
    using Step = std::function<void(CommandBuilder &)>;
    QList<Step> m_steps;
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

    /// The answer is large and its bytes come as fast as the server can send them (a chunk of a
    /// first header sync): while it is being read with more commands in flight behind it, the
    /// session may wait for a fuller socket buffer before reading (Session, read coalescing).
    /// Default false: every answer is read as its bytes arrive.
    void setLargeAnswer(bool large) { m_largeAnswer = large; }
    [[nodiscard]] bool largeAnswer() const { return m_largeAnswer; }

    /// How a job may share the line with others (RFC 9051 §5.5).
    enum class Concurrency {
        Exclusive,       ///< runs alone: changes the selection, authenticates, IDLE, expunges
        UidOnly,         ///< UID commands: may overlap with each other and Independent ones
        SequenceNumbers, ///< commands with message sequence numbers: only with each other
        Independent,     ///< does not touch message numbers (LIST, STATUS, CREATE, APPEND)
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
    bool m_largeAnswer = false;
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
