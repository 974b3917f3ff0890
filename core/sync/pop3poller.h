// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/clock.h"
#include "core/common/error.h"
#include "core/pop3/session.h"
#include "core/sync/pop3indexer.h"
#include "core/sync/searchindexer.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QString>
#include <QStringList>

#include <chrono>
#include <memory>
#include <variant>

namespace Tidings::Store {
class Database;
struct MessageHeader;
} // namespace Tidings::Store

namespace Tidings::Sync {

class StoreWriter;

/// What the person chose for a POP3 account (docs/outbox.md, "POP3 polling").
struct Pop3PollOptions {
    /// Keep messages on the server after they are stored here (the default).
    bool leaveOnServer = true;
    /// With leaveOnServer: DELE messages stored more than this many days ago (0: never).
    int deleteAfterDays = 0;
    /// With leaveOnServer: DELE messages the person deleted here.
    bool deleteWhenDeletedHere = false;
    /// Store downloaded messages with \Seen.
    bool markRead = false;
    /// How often the poller checks on its own (start()).
    std::chrono::milliseconds interval{std::chrono::minutes(10)};
    /// Downloaded messages are committed in groups of at most this many (and this many bytes):
    /// one fsync per group instead of per message. Nothing else (DELE above all) happens for a
    /// message before its group is committed.
    int commitGroup = 256;
    /// Start the Pop3Indexer (previews, attachment flags, body search text) after each poll.
    /// Off, downloaded messages wait for the next start() or indexer()->start().
    bool indexAfterPoll = true;
    qint64 commitGroupBytes = 32LL * 1024 * 1024;
    /// A poll with at least this many messages to download leaves them out of the search
    /// index while it runs (schema 5's deferred indexing of the Inbox): the list rows commit
    /// without tokenising each one, and the indexing after the poll indexes subject,
    /// addresses and body text once. Smaller polls are searchable at their commit.
    int deferSearchFrom = 64;
};

/// The outcome of one poll.
struct Pop3PollResult {
    Error error;             ///< empty when the poll ran to QUIT +OK
    int onServer = 0;        ///< messages the server listed
    int downloaded = 0;      ///< new messages stored by this poll
    int deletedOnServer = 0; ///< DELEs the server committed at QUIT
    int skipped = 0;         ///< messages the server refused to RETR (-ERR); tried again next time
    bool uidlSupported = true;
    [[nodiscard]] bool ok() const { return !error.isError(); }
};

/// Downloads one POP3 account's new mail into its local Inbox (RFC 1939, RFC 2449).
///
/// A poll: open a Pop3::Session, UIDL, RETR every message whose UIDL the store does not know
/// (pipelined when the server offers PIPELINING), store each one with its UIDL in a
/// Durability::Full transaction (Store::Pop3Store::storeMessage), and only then DELE it when the
/// account does not leave mail on the server; otherwise DELE only what "delete after N days" or
/// "delete when deleted here" asks for — always messages that are already stored. QUIT makes the
/// server apply the DELEs (RFC 1939 §6), and only its +OK marks them deleted in the store.
///
/// Crash safety follows from that order: killed before a commit, the message is still on the
/// server and its UIDL unknown, so the next poll downloads it again; killed after the commit,
/// the UIDL is known, so it is never stored twice; killed before QUIT +OK, the server deleted
/// nothing (a dropped connection is normal); killed after it, the next UIDL no longer lists the
/// message and its record is forgotten.
///
/// UIDLs are only ever keys in the store, never file names. A server without UIDL cannot tell
/// old from new: with leaveOnServer the poll is refused (Kind::Config) rather than downloading
/// everything again each time; without it, each message is keyed by the SHA-256 of its bytes,
/// so a crash between commit and QUIT does not duplicate it either.
///
/// Bodies are parsed afterwards: the download stores the raw bytes and a header-only list row
/// (listHeaderFromRaw), and the Pop3Indexer adds preview, attachment flag and body search text
/// once finished() was emitted (and at start(), for messages a crash left unindexed).
///
/// One poll runs at a time; checkNow() during a poll does nothing. The poller owns its session;
/// destroying it aborts a poll in progress (nothing is deleted on the server).
class Pop3Poller final : public QObject
{
    Q_OBJECT

public:
    Pop3Poller(Store::Database &db, qint64 accountId, Pop3::Settings settings, Pop3PollOptions options,
               Clock &clock = SystemClock::instance(), QObject *parent = nullptr);
    ~Pop3Poller() override;
    Q_DISABLE_COPY_MOVE(Pop3Poller)

    /// Starts one poll now; finished() follows. Returns false (and does nothing) while a poll runs.
    bool pollOnce();
    /// Polls every options().interval on the clock, the first time after one interval.
    void start();
    void stop();
    /// "Check now": polls at once unless a poll is running; the interval restarts afterwards.
    void checkNow();

    [[nodiscard]] bool isPolling() const { return m_session != nullptr; }
    [[nodiscard]] qint64 accountId() const { return m_accountId; }
    [[nodiscard]] const Pop3PollOptions &options() const { return m_options; }
    void setOptions(const Pop3PollOptions &options) { m_options = options; }
    void setSettings(Pop3::Settings settings) { m_settings = std::move(settings); }

    /// The account's local Inbox, created if missing (the folder POP3 mail lands in).
    [[nodiscard]] static std::variant<qint64, Error> inboxFolder(Store::Database &db, qint64 accountId);
    /// The store's header for a downloaded message: envelope fields, size, attachments, preview.
    [[nodiscard]] static Store::MessageHeader headerFromRaw(const QByteArray &raw, const QDateTime &received,
                                                            QString *searchText = nullptr);
    /// The list row the download path stores: envelope fields and size from a parse of the
    /// header block only (no preview, no attachment flag: the Pop3Indexer adds those).
    [[nodiscard]] static Store::MessageHeader listHeaderFromRaw(const QByteArray &raw,
                                                                const QDateTime &received);

    /// Completes downloaded messages (preview, attachments, search text) after each poll and
    /// at start(); also what a crash left unindexed.
    [[nodiscard]] Pop3Indexer *indexer() const { return m_indexer; }

Q_SIGNALS:
    void finished(const Tidings::Sync::Pop3PollResult &result);
    /// Progress and observation points (also used by the crash test driver).
    void listed(int onServer, int toDownload);
    void retrieveProgress(int message, qint64 bytes);
    /// @p uidl and its message are committed durably.
    void messageStored(const QString &uidl);
    /// The server answered +OK to DELE of @p message (applied only at QUIT).
    void deleAccepted(int message);
    void quitSent();
    /// QUIT +OK arrived; the deletions are applied on the server, not yet recorded here.
    void quitAccepted();
    /// The indexer finished a run (after a poll, or at start()): every downloaded message has
    /// its preview and search text, and is in the search index, unless @p error says otherwise.
    void indexingFinished(int indexed, const Tidings::Error &error);

private:
    struct Download {
        int message = 0;
        QString uidl; // empty without UIDL support: the content hash is used
        QByteArray raw;
        QDateTime received; // when the RETR ended: the list row's date when the message has none
    };
    struct Group;
    struct GroupOutcome;

    void onOpened();
    void onUidl(Pop3::UidlJob *job);
    void onList(Pop3::ListJob *job);
    bool deferSearch(int toDownload);
    void feed();
    void retrieve(int message, const QString &uidl);
    void flush();
    static GroupOutcome storeGroup(Store::Database &db, const Group &group);
    void onGroupStored(quint64 generation, const QList<std::pair<int, QString>> &messages,
                       const GroupOutcome &outcome);
    void fail(Error error);
    void dele(int message, const QString &key);
    void maybeQuit();
    void finish(Error error);
    void armTimer();
    void startIndexing();

    Store::Database &m_db;
    qint64 m_accountId = 0;
    Pop3::Settings m_settings;
    Pop3PollOptions m_options;
    Clock &m_clock;
    Timer *m_timer = nullptr;
    Pop3Indexer *m_indexer = nullptr;
    SearchIndexer *m_searchIndexer = nullptr; // after m_indexer: what a large poll deferred
    int m_bodiesIndexed = 0;
    bool m_running = false; // start() was called

    // Stores the commit groups: on a thread of its own with its own connection for a file
    // profile, so the next group downloads while one commits; from the event loop for an
    // in-memory one.
    StoreWriter *m_writer = nullptr;

    // One poll's state.
    QPointer<Pop3::Session> m_session;
    qint64 m_inbox = 0;
    Pop3PollResult m_result;
    QList<std::pair<int, QString>> m_toRetrieve; // message number, UIDL; issued in order by feed()
    qsizetype m_nextRetrieve = 0;
    QList<Download> m_pending; // retrieved, not yet handed to the writer
    qint64 m_pendingBytes = 0;
    int m_groupsInFlight = 0;      // handed to the writer, outcome not back yet
    int m_messagesInFlight = 0;    // their messages
    bool m_failing = false;        // failed: waiting for the groups in flight, then finish()
    bool m_searchDeferred = false; // this poll set the Inbox's search_deferred
    Error m_failure;
    QSet<QString> m_knownHashes;
    QStringList m_deleted; // keys whose DELE got +OK, applied at QUIT
    int m_outstanding = 0; // RETR and DELE jobs not finished
    bool m_listingDone = false;
    bool m_quitting = false;
    int m_retrievesOutstanding = 0;
    bool m_done = false;
    quint64 m_generation = 0; // tells a finished poll's late job signals from the current poll's
};

} // namespace Tidings::Sync

Q_DECLARE_METATYPE(Tidings::Sync::Pop3PollResult)
