// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/error.h"
#include "core/imap/session.h"
#include "core/imap/uidset.h"
#include "core/store/folderstore.h"
#include "core/store/headerrows.h"

#include <QObject>
#include <QPointer>

#include <functional>
#include <optional>

namespace Tidings::Store {
class Database;
struct MessageHeader;
} // namespace Tidings::Store

namespace Tidings::Sync {

class StoreWriter;

/// How a folder is brought up to date, chosen from what the session offers.
enum class SyncMode {
    QResync,   ///< RFC 7162 §3.2: SELECT (QRESYNC ...) reports VANISHED (EARLIER) and changed flags
    CondStore, ///< RFC 7162 §3.1: UID FETCH (FLAGS) (CHANGEDSINCE m); expunges found by counting
    Plain,     ///< RFC 3501 only: new UIDs, an expunge bisection and a flag sweep
};

struct FolderSyncOptions {
    /// New headers are fetched newest first in chunks of this many UIDs, one transaction each.
    int headerChunk = 500;
    /// The first chunk of a sync holds at most this many (and never more than headerChunk):
    /// the top of the list is there after a short answer, the rest comes in larger chunks.
    int firstHeaderChunk = 100;
    /// This many header chunks are requested ahead of the one being stored (UID FETCH commands
    /// pipelined, RFC 9051 §5.5), so the server prepares the next chunk while this one is
    /// written. Chunks are still stored one at a time, newest first. 1: strictly sequential.
    /// The first chunk of a sync is always requested alone.
    int headerPipeline = 6;
    /// With a StoreWriter, at most this many fetched chunks wait for (or are in) their commit
    /// before another chunk is requested: memory stays bounded when the disk is the slower side.
    int headerStoreQueue = 6;
    /// A first sync with at least this many headers to fetch leaves their search indexing to
    /// SearchIndexer (MessageStore::setSearchDeferred); 0 never defers.
    int deferSearchIndexFrom = 1000;
    /// The flag sweep of the plain mode reads this many UIDs per UID FETCH (FLAGS).
    int flagChunk = 1000;
    /// The expunge bisection lists a range's UIDs once it holds at most this many cached UIDs.
    int bisectLeaf = 64;
    /// Plain mode: sweep every cached message's flags after new mail and expunges.
    bool sweepFlags = true;
};

/// What one folder sync did.
struct FolderSyncResult {
    bool uidValidityChanged = false;
    QList<quint32> newUids; ///< headers fetched for UIDs above the previous UIDNEXT
    int fetched = 0;        ///< headers written (new mail plus resumed initial sync)
    int expunged = 0;
    int flagUpdates = 0;
};

/// Plain mode: the selection a finished sync left on its session. While the session still holds
/// that very selection (Session::selectionSerial()), has received no EXPUNGE or VANISHED since
/// (Session::removalCount()) and its EXISTS still equals the cached count, nothing arrived and
/// nothing left: the next sync of the folder confirms that with a NOOP, which lets the server
/// report any change, instead of a new SELECT (a SELECT of a large mailbox costs the server tens
/// of milliseconds; docs/sync.md#benchmark).
struct KeptSelection {
    quint64 selectionSerial = 0;
    quint64 removalCount = 0;
    quint32 uidValidity = 0;
    quint32 uidNext = 0;
    quint32 count = 0; ///< server messages in the cache when the sync finished
};

/// Brings one folder of the store to the server's state over an authenticated Session.
///
/// Invariants.
/// - The folder row's UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ describe the last *complete*
///   sync: they are written only at the very end, after every header chunk committed, so an
///   interrupted sync (cut connection, killed process) resumes by comparing the server's UIDs
///   with the cached ones, and fetches only what is missing. Headers are upserted by
///   (folder, UIDVALIDITY, UID), so a chunk fetched twice never duplicates a row.
/// - A UIDVALIDITY different from the cached one drops the folder's cached server messages
///   before anything else is written (FolderStore::applyUidValidity); local-only rows stay and
///   UID-based pending operations of the old value are cancelled, so a stale UID never reaches
///   a STORE or EXPUNGE.
/// - Messages are removed only when the server says so: VANISHED (RFC 7162 §3.2.10) of cached
///   UIDs, or a UID the server no longer lists inside a range of cached UIDs (the bisection);
///   a shorter listing of a range that includes unknown UIDs removes nothing.
/// - The server breaking the rules — UID 0, a UIDNEXT lower than the cached one under the same
///   UIDVALIDITY, a FETCH without UID — ends the sync with Error::Kind::Protocol and leaves the
///   cache untouched from that point.
/// - The session belongs to the caller (ImapSync); FolderSync only queues jobs on it and
///   finishes once, with the first error of any job (a cut connection finishes every job).
/// - With a StoreWriter (setStoreWriter), header chunks are committed on the writer's thread
///   while the next ones are read, still one transaction per chunk and newest first; a chunk
///   counts as cached (UID cache, progress, newMail) only once the writer reports its commit,
///   and finished() is emitted only after every chunk handed to the writer is committed or
///   refused, so nothing of this sync is still being written when the next one starts.
class FolderSync final : public QObject
{
    Q_OBJECT
public:
    FolderSync(Imap::Session *session, Store::Database &db, qint64 folderId, SyncMode mode,
               FolderSyncOptions options = {}, QObject *parent = nullptr);
    ~FolderSync() override;
    Q_DISABLE_COPY_MOVE(FolderSync)

    void start();
    [[nodiscard]] const FolderSyncResult &result() const { return m_result; }
    [[nodiscard]] qint64 folderId() const { return m_folderId; }
    /// What the previous sync of this folder left on this session (ImapSync keeps it); used only
    /// in plain mode and only while it still holds (see KeptSelection).
    void setKeptSelection(const std::optional<KeptSelection> &kept) { m_kept = kept; }
    /// Header chunks are written by @p writer (ImapSync's) instead of on this thread. Set before
    /// start(); the writer must outlive this sync.
    void setStoreWriter(StoreWriter *writer) { m_writer = writer; }
    /// After a successful plain-mode sync: the selection it leaves, if the session still holds
    /// it unchanged.
    [[nodiscard]] const std::optional<KeptSelection> &keptSelection() const { return m_leaves; }

    /// The mode a session supports: QRESYNC only when it was ENABLEd.
    [[nodiscard]] static SyncMode modeFor(const Imap::Session &session, bool allowCondStore = true);

Q_SIGNALS:
    /// Header progress of this folder: @p done of @p total headers written.
    void progress(qint64 folderId, qint64 done, qint64 total);
    /// New headers above the previous UIDNEXT (not sent for the first sync of a folder).
    void newMail(qint64 folderId, const QList<quint32> &uids);
    void finished(const Tidings::Error &error);

private:
    void select();
    [[nodiscard]] bool keptSelectionHolds() const;
    void confirmKeptSelection();
    void onSelected(const Imap::SelectedMailbox &mailbox, const QList<Imap::Fetch> &changes,
                    const Imap::UidSet &vanished);
    void fetchChangedSince();
    void findNewUids();
    void fetchNextHeaderChunk();
    void storeHeaderChunk(Store::HeaderRows rows, qsizetype n);
    void headerChunkStored(const QList<quint32> &uidsNewestFirst, qsizetype n);
    void checkExpunges();
    void bisect(QList<quint32> slice);
    void bisectNext();
    void sweepFlags();
    void sweepNextChunk();
    void complete();
    void fail(const Error &error);
    void finishFailed();
    [[nodiscard]] bool storeFailed(const Error &error);

    void applyVanished(const Imap::UidSet &uids);
    Error applyFlagFetches(const QList<Imap::Fetch> &fetches);
    Error loadCachedUids();

    QPointer<Imap::Session> m_session;
    Store::Database &m_db;
    qint64 m_folderId = 0;
    SyncMode m_mode = SyncMode::Plain;
    FolderSyncOptions m_options;
    Store::Folder m_folder;
    Imap::SelectedMailbox m_mailbox;
    quint32 m_cachedUidNext = 0;
    quint64 m_cachedModSeq = 0;
    bool m_firstSync = false;
    QList<quint32> m_cached;    ///< cached UIDs, ascending
    QList<quint32> m_toFetch;   ///< UIDs not yet stored, ascending; fetched from the end
    qsizetype m_requestEnd = 0; ///< m_toFetch[0, m_requestEnd) has not been requested yet
    int m_chunksInFlight = 0;   ///< requested, not yet answered
    int m_chunksStoring = 0;    ///< answered, handed to the writer, commit not yet reported
    StoreWriter *m_writer = nullptr;
    std::optional<Error> m_failure; ///< failed while chunks were still being written
    bool m_firstChunkRequested = false;
    qint64 m_fetchTotal = 0;
    QList<QList<quint32>> m_bisectQueue;
    qsizetype m_sweepEnd = 0; ///< the flag sweep walks m_cached downwards from here
    FolderSyncResult m_result;
    bool m_finished = false;
    QList<QMetaObject::Connection> m_sessionConnections;
    std::optional<KeptSelection> m_kept;   ///< what the previous sync left, if any
    std::optional<KeptSelection> m_leaves; ///< what this one leaves
    quint64 m_startSelection = 0;          ///< the session's selection when reconciling began
    quint64 m_startRemovals = 0;
};

} // namespace Tidings::Sync
