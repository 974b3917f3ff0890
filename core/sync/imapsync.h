// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/clock.h"
#include "core/common/error.h"
#include "core/imap/sessionsettings.h"
#include "core/sync/foldersync.h"

#include <QList>
#include <QObject>
#include <QPointer>

#include <memory>
#include <variant>

namespace Tidings::Imap {
class Session;
struct ListEntry;
} // namespace Tidings::Imap
namespace Tidings::Store {
class Database;
}

namespace Tidings::Sync {

class PendingReplayer;
class SearchIndexer;
class StoreWriter;

struct ImapSyncOptions {
    FolderSyncOptions folder;
    /// False for servers whose CONDSTORE/QRESYNC is known broken (ServerQuirks::noCondstore).
    bool useCondStore = true;
    /// Keep whole bodies of messages from the last N days for offline reading (account
    /// settings key "offlineBodyDays"; 0: bodies only on demand). Fetched after a full sync.
    int offlineBodyDays = 0;
};

/// The command connection of one IMAP account: replays pending operations, mirrors the folder
/// list and brings folders up to date, one request at a time.
///
/// States. Idle → (a request) Connecting (open, LOGIN, ENABLE QRESYNC) → Replaying (the pending
/// operation queue, oldest first) → Listing (LIST with SPECIAL-USE, folders reconciled) →
/// Syncing (one FolderSync per folder: INBOX first, then the special folders, then the rest;
/// in the plain mode a second pass sweeps flags) → Idle. Requests that arrive while busy are
/// queued and merged (a full sync covers any folder sync queued behind it).
///
/// Ownership. ImapSync owns exactly one Session (the "command connection"); the IDLE
/// connection belongs to AccountEngine. The session is kept between requests and reopened
/// when it was lost. The credential is asked from SessionSettings::credentials on each login
/// and never kept.
///
/// Disconnect. A lost connection ends the running request with its error (finished(error));
/// every store write done so far is committed and consistent (FolderSync's invariants), and
/// the next request reconnects. Nothing is retried here: AccountEngine owns the backoff.
///
/// Folder list. A folder the server no longer lists is removed with its cache, unless a
/// queued local CREATE or RENAME still has to bring it to the server. A folder deleted and
/// recreated under the same name comes back with a new UIDVALIDITY, which drops its cache.
class ImapSync final : public QObject
{
    Q_OBJECT
public:
    ImapSync(Store::Database &db, qint64 accountId, Imap::SessionSettings settings, Clock &clock,
             ImapSyncOptions options = {}, QObject *parent = nullptr);
    ~ImapSync() override;
    Q_DISABLE_COPY_MOVE(ImapSync)

    /// Replays pending operations, reads the folder list, syncs every selectable folder.
    void syncAll();
    /// Replays pending operations and syncs one folder (e.g. after IDLE reported EXISTS).
    void syncFolder(qint64 folderId);
    /// Replays pending operations and reads the folder list with STATUS (LIST-STATUS, else a
    /// STATUS per folder); syncs only the folders whose counters changed.
    void checkFolders();
    /// Replays pending operations only.
    void replayPending();

    [[nodiscard]] bool isBusy() const { return m_running || !m_queue.isEmpty(); }
    [[nodiscard]] qint64 accountId() const { return m_accountId; }
    /// The command connection (null before the first request). For body fetches.
    [[nodiscard]] Imap::Session *session() const { return m_session; }
    /// Runs @p then once the command connection is logged in (or with the error).
    void withSession(std::function<void(Imap::Session *, const Error &)> then);
    /// Drops the connection (no LOGOUT); the running request finishes with Cancelled.
    void abort();

Q_SIGNALS:
    void progress(qint64 folderId, qint64 done, qint64 total);
    void newMail(qint64 folderId, const QList<quint32> &uids);
    void folderListChanged();
    /// A folder finished syncing.
    void folderSynced(qint64 folderId);
    /// The server refused one folder (SELECT NO); the others were synced.
    void folderFailed(qint64 folderId, const Tidings::Error &error);
    /// A pending operation that no longer applies was dropped; @p reason says why, for people.
    void operationDropped(qint64 operationId, const QString &reason);
    /// One request ended (Error kind None on success).
    void finished(const Tidings::Error &error);
    /// The background search indexing (SearchIndexer) found nothing more pending after a
    /// request: every message of the account is searchable. @p indexed by this pass.
    void searchIndexComplete(qint64 indexed, const Tidings::Error &error);

private:
    enum class RequestKind { All, Folder, Check, Replay };
    struct Request {
        RequestKind kind = RequestKind::All;
        qint64 folderId = 0;
    };

    void enqueue(Request request);
    void runNext();
    void connectSession(std::function<void(const Error &)> then);
    void replay(std::function<void()> then);
    void list(bool withStatus, std::function<void(QList<qint64> changedFolders)> then);
    Error reconcileFolders(const QList<Imap::ListEntry> &entries, bool *changed);
    void syncFolders(QList<qint64> folders, bool sweepPass);
    void syncNextFolder();
    void requestDone(const Error &error);
    [[nodiscard]] QList<qint64> orderedFolders();

    Store::Database &m_db;
    qint64 m_accountId = 0;
    Imap::SessionSettings m_settings;
    Clock &m_clock;
    ImapSyncOptions m_options;
    QPointer<Imap::Session> m_session;
    QList<Request> m_queue;
    bool m_running = false;
    Request m_current;
    QList<std::function<void(Imap::Session *, const Error &)>> m_sessionWaiters;
    bool m_connecting = false;
    QList<qint64> m_folderQueue;
    QList<qint64> m_folderList;
    bool m_sweepPass = false;
    SyncMode m_mode = SyncMode::Plain;
    /// Indexes what a first sync left pending, whenever no request runs (also what a killed
    /// process left: after the first request of the next start).
    SearchIndexer *m_indexer = nullptr;
    /// Commits header chunks on a thread of its own while the next ones are read (a file
    /// profile; in memory it writes from this thread's event loop).
    StoreWriter *m_writer = nullptr;
    /// Plain mode: the folder whose selection the last folder sync left unchanged on m_session.
    qint64 m_keptFolder = 0;
    std::optional<KeptSelection> m_kept;
};

} // namespace Tidings::Sync
