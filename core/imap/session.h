// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/clock.h"
#include "core/common/error.h"
#include "core/common/tls.h"
#include "core/imap/capabilities.h"
#include "core/imap/job.h"
#include "core/imap/parser.h"
#include "core/imap/response.h"
#include "core/imap/sessionsettings.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <memory>

class QSslSocket;

namespace Tidings::Imap {

class IdleJob;
class ProtocolLogger;

/// What the session knows about the selected mailbox (RFC 9051 §6.3.2, RFC 7162 §3.1.2).
struct SelectedMailbox {
    QByteArray name;       ///< as sent in SELECT/EXAMINE
    bool readOnly = false; ///< EXAMINE, or [READ-ONLY] from the server
    std::uint32_t exists = 0;
    std::uint32_t recent = 0;
    std::uint32_t uidValidity = 0;
    std::uint32_t uidNext = 0;
    std::uint32_t unseen = 0; ///< [UNSEEN n]: first unseen sequence number (IMAP4rev1)
    std::uint64_t highestModSeq = 0;
    bool noModSeq = false; ///< [NOMODSEQ]: the mailbox does not keep mod-sequences
    QList<QByteArray> flags;
    QList<QByteArray> permanentFlags;
    friend bool operator==(const SelectedMailbox &, const SelectedMailbox &) = default;
};

/// One IMAP connection: a QSslSocket on the caller's event loop (no threads), a parser, a tag
/// generator and a job queue.
///
/// States. Disconnected → open() → Greeting (connecting, TLS, greeting, STARTTLS and the
/// capability exchange all happen here) → NotAuthenticated (ready() is emitted; a PREAUTH
/// greeting on a TLS connection goes straight to Authenticated) → a LoginJob makes it
/// Authenticated → a SelectJob makes it Selected (a failed SELECT leaves Authenticated) → an
/// IdleJob makes it Idling until DONE completes → a LogoutJob makes it LoggingOut → Disconnected.
/// Every failure (network, TLS, protocol, timeout, BYE) also ends in Disconnected after
/// errorOccurred(); running and queued jobs then finish with that error.
///
/// Security. With Security::StartTls nothing but CAPABILITY and STARTTLS is sent before the
/// handshake, and nothing the server said before it is kept: the pre-TLS capability list only
/// decides whether STARTTLS is offered, untagged data is ignored, PREAUTH ends the session, and
/// bytes that follow the STARTTLS OK before the handshake end the session as an injection attack
/// (CVE-2011-0411 style). Certificates are judged only by TlsGuard: an unknown certificate passes
/// only through an explicit pin in the TlsPolicy. LoginJob refuses to send a credential on a
/// connection that is not encrypted unless Security::None was chosen.
///
/// Capabilities are read from the greeting or with CAPABILITY, again after TLS (the pre-TLS list
/// is discarded), and again after authentication (LoginJob).
///
/// Jobs. start() queues a job; the session runs jobs in order, several at once only where RFC
/// 9051 §5.5 allows (Job::Concurrency), never while a synchronizing literal waits for `+`.
/// The session owns DONE: when a job is queued while idling, it ends IDLE first; the IdleJob then
/// queues itself again behind that job. IDLE is also renewed (DONE, IDLE) every
/// SessionTimeouts::idleRenewal (never above 29 minutes).
///
/// Untagged data goes first to the session's own state (capabilities, selected mailbox) and its
/// signals (exists, expunged, vanished), then to the running jobs. What no running job claims is
/// surfaced as unsolicited data: messageChanged for a FETCH, unsolicitedStatus for a STATUS and
/// unsolicitedList for a LIST (what NOTIFY reports about other mailboxes, RFC 5465 §5).
/// `* OK [NOTIFICATIONOVERFLOW]` ends NOTIFY (isNotifying() turns false) and is reported through
/// notificationOverflow. Mailbox data is ignored before authentication.
///
/// Lifetime: a Session may be destroyed with jobs pending (they finish with Kind::Cancelled), but
/// not from inside one of its own signals or a job's finished(): use deleteLater() there.
///
/// Timeouts all run on the injected Clock: connect (TCP+TLS+greeting), command (silence while a
/// command waits), keep-alive NOOP after silence between commands, and the keep-alive response
/// (an unanswered NOOP or DONE declares the connection dead).
class Session final : public QObject
{
    Q_OBJECT
public:
    enum class State {
        Disconnected,
        Greeting,
        NotAuthenticated,
        Authenticated,
        Selected,
        Idling,
        LoggingOut
    };
    Q_ENUM(State)

    explicit Session(SessionSettings settings, Clock &clock = SystemClock::instance(),
                     QObject *parent = nullptr);
    ~Session() override;
    Q_DISABLE_COPY_MOVE(Session)

    /// Connects and secures the connection; ready() or errorOccurred() follows.
    void open();
    /// Drops the connection at once (no LOGOUT); jobs finish with Error::Kind::Cancelled.
    void abort();

    [[nodiscard]] State state() const { return m_state; }
    [[nodiscard]] bool isReady() const { return m_ready; }
    [[nodiscard]] bool isEncrypted() const;
    [[nodiscard]] const SessionSettings &settings() const { return m_settings; }
    [[nodiscard]] const Capabilities &capabilities() const { return m_capabilities; }
    /// Extensions the server confirmed with ENABLED (upper case).
    [[nodiscard]] const QList<QByteArray> &enabledExtensions() const { return m_enabled; }
    [[nodiscard]] bool isEnabled(QByteArrayView extension) const;
    [[nodiscard]] const SelectedMailbox &selectedMailbox() const { return m_mailbox; }
    /// Names the current selection: a new value with every SELECT or EXAMINE sent, unique across
    /// every Session of the process, so a saved value can only ever match this very selection.
    [[nodiscard]] quint64 selectionSerial() const { return m_selectionSerial; }
    /// EXPUNGE and VANISHED responses received for the selected mailbox since it was selected.
    /// With selectionSerial() and EXISTS it tells a client that nothing left the mailbox.
    [[nodiscard]] quint64 removalCount() const { return m_removals; }
    /// The error that ended the last connection.
    [[nodiscard]] const Error &lastError() const { return m_lastError; }
    /// The certificate problem behind a Kind::Tls error, if that was the cause.
    [[nodiscard]] std::optional<CertificateProblem> certificateProblem() const;
    [[nodiscard]] Clock &clock() const { return m_clock; }
    /// Set when the greeting was PREAUTH.
    [[nodiscard]] bool wasPreAuthenticated() const { return m_preAuth; }
    /// Text of the server's BYE, if one arrived.
    [[nodiscard]] const QString &byeText() const { return m_byeText; }
    /// Jobs waiting to run plus jobs running.
    [[nodiscard]] int pendingJobs() const;
    /// A NotifyJob with event groups succeeded on this connection and neither NOTIFY NONE nor
    /// NOTIFICATIONOVERFLOW (RFC 5465 §5.8) ended it since.
    [[nodiscard]] bool isNotifying() const { return m_notifying; }
    /// The logger of this connection, or nullptr when logging is off.
    [[nodiscard]] ProtocolLogger *protocolLogger() const { return m_logger.get(); }

    /// How the server's bytes were read, over the life of this Session (all its connections).
    struct ReadStatistics {
        quint64 bytes = 0;     ///< bytes read (after TLS)
        quint64 coalesced = 0; ///< times the socket was told to wait for a fuller buffer
    };
    [[nodiscard]] const ReadStatistics &readStatistics() const { return m_readStats; }

Q_SIGNALS:
    void stateChanged(Tidings::Imap::Session::State state);
    /// The connection is secured and capabilities are known: jobs run from now on.
    void ready();
    void errorOccurred(const Tidings::Error &error);
    /// The certificate was refused (also reported through errorOccurred as Kind::Tls).
    void certificateRejected(const Tidings::CertificateProblem &problem);
    void disconnected();
    void capabilitiesChanged();
    /// `* OK [ALERT] text` (RFC 9051 §7.1): must be shown to the person.
    void alertReceived(const QString &text);
    /// The selected mailbox's counters or flags changed.
    void mailboxChanged();
    void existsReceived(quint32 exists);
    void expungeReceived(quint32 seq);
    void vanishedReceived(const Tidings::Imap::UidSet &uids, bool earlier);
    /// A FETCH no running job claimed: a flag or mod-sequence change announced by the server.
    void messageChanged(const Tidings::Imap::Fetch &fetch);
    /// The IdleJob's IDLE was accepted (`+ idling`).
    void idleStarted();
    /// A STATUS no running job claimed: with NOTIFY (RFC 5465 §5.1-5.3), the new counters of a
    /// mailbox other than the selected one; also the burst after NOTIFY SET STATUS (§3).
    void unsolicitedStatus(const Tidings::Imap::MailboxStatus &status);
    /// A LIST no running job claimed: with NOTIFY, a mailbox was created, deleted or renamed
    /// (MailboxName, RFC 5465 §5.4; OLDNAME in ListEntry::oldName) or its subscription changed
    /// (SubscriptionChange, §5.5).
    void unsolicitedList(const Tidings::Imap::ListEntry &entry);
    /// `* OK [NOTIFICATIONOVERFLOW]` (RFC 5465 §5.8): the server dropped events and stopped
    /// notifying; the client must find out what changed by itself.
    void notificationOverflow(const QString &text);

private:
    friend class Job;
    friend class IdleJob;
    friend class LoginJob;
    friend class SelectJob;
    friend class LogoutJob;
    friend class EnableJob;
    friend class FetchJob;
    friend class NotifyJob;

    struct Pending; // a command on the wire

    // job interface
    void enqueue(Job *job);
    void forget(Job *job);
    void jobFinished(Job *job);
    QByteArray sendForJob(Job *job, const Command &command);
    void sendContinuationLine(const QByteArray &line, bool secret);
    void requeue(Job *job);

    // called by specific jobs
    void setAuthenticated(const Capabilities &capabilities);
    void setCapabilities(const Capabilities &capabilities);
    void beginSelect(const QByteArray &mailbox, bool readOnly);
    void endSelect(bool success, const StatusResponse &completion);
    void setIdling(IdleJob *job);
    void idleEnded();
    void beginLogout();
    void addEnabled(const QList<QByteArray> &extensions);
    void setBodySink(BodySink *sink);
    void setNotifying(bool notifying) { m_notifying = notifying; }
    [[nodiscard]] bool hasQueuedJobs() const { return !m_queue.isEmpty(); }

    // connection
    void connectSocket();
    void onConnected();
    void onEncrypted();
    void onReadyRead();
    void onSocketError();
    void onSocketDisconnected();
    void feedBytes(QByteArrayView bytes);
    void onResponse(Response &&response);
    void handleGreeting(const Greeting &greeting);
    void handleTagged(const StatusResponse &response);
    void handleUntagged(const Response &response);
    void handleContinuation(const ContinuationRequest &request);
    void applyResponseCode(const ResponseCode &code);
    void requestCapabilities(std::function<void()> then);
    void startTlsNegotiation();
    void startTlsHandshake();
    void becomeReady();
    QByteArray sendInternal(const Command &command, std::function<void(const StatusResponse &)> done);
    QByteArray writeCommand(const QByteArray &tag, const Command &command, Job *job,
                            std::function<void(const StatusResponse &)> done);
    void writeNextChunk(Pending &pending);
    void writeRaw(const QByteArray &bytes);
    void fail(Error error);
    void finishDisconnect(const Error &error);
    void setState(State state);
    void pump();
    void schedulePump();
    [[nodiscard]] bool canStartNow(Job *job) const;
    void sendDone();
    void updateTimers();
    void updateReadCoalescing();
    void setReceiveLowWater(int bytes);
    void onResponseTimeout();
    void onKeepAlive();
    void onIdleRenewal();
    void onConnectTimeout();
    QByteArray nextTag();

    SessionSettings m_settings;
    Clock &m_clock;
    State m_state = State::Disconnected;
    QSslSocket *m_socket = nullptr;
    TlsGuard *m_guard = nullptr;
    std::unique_ptr<Parser> m_parser;
    std::unique_ptr<ProtocolLogger> m_logger;
    Capabilities m_capabilities;
    QList<QByteArray> m_enabled;
    SelectedMailbox m_mailbox;
    bool m_selecting = false;
    quint64 m_selectionSerial = 0;
    quint64 m_removals = 0;
    Error m_lastError;
    QString m_byeText;
    bool m_ready = false;
    bool m_preAuth = false;
    bool m_tlsActive = false; ///< the byte stream is protected by TLS
    bool m_startTlsSent = false;
    bool m_startTlsAccepted = false; ///< STARTTLS OK seen: any further plaintext byte is an attack
    bool m_failed = false;           ///< fail() ran for this connection; ignore further input
    bool m_closingNormally = false;
    bool m_pumpScheduled = false;
    bool m_notifying = false;
    quint32 m_tagCounter = 0;

    QList<QPointer<Job>> m_queue;
    QList<QPointer<Job>> m_running;
    std::vector<std::unique_ptr<Pending>> m_pending; ///< commands sent, in order
    Pending *m_literalWait = nullptr;                ///< command waiting for `+` to send a literal
    QPointer<Job> m_idleJob; // the running IdleJob (as Job: compared while being destroyed)
    State m_stateBeforeIdle = State::Authenticated;
    bool m_doneSent = false;
    bool m_keepAliveInFlight = false;

    Timer *m_connectTimer = nullptr;
    Timer *m_responseTimer = nullptr;
    Timer *m_keepAliveTimer = nullptr;
    Timer *m_idleTimer = nullptr;
    /// Read coalescing (updateReadCoalescing): a plain QTimer, not the injected Clock, because it
    /// only lets bytes through that have already arrived; a test clock that never advances must
    /// not hold an answer back.
    QTimer *m_coalesceTimer = nullptr;
    int m_receiveLowWater = 1; ///< SO_RCVLOWAT of the current socket
    ReadStatistics m_readStats;
};

} // namespace Tidings::Imap
