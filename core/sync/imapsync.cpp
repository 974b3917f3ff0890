// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/sync/imapsync.h"

#include "core/imap/jobs.h"
#include "core/imap/loginjob.h"
#include "core/imap/session.h"
#include "core/store/database.h"
#include "core/store/folderstore.h"
#include "core/store/pendingoperationstore.h"
#include "core/sync/folderroles.h"
#include "core/sync/offlinebodies.h"
#include "core/sync/pendingreplayer.h"
#include "core/sync/searchindexer.h"
#include "core/sync/storewriter.h"

#include <QHash>
#include <QSet>

#include <algorithm>
#include <memory>

namespace Tidings::Sync {

ImapSync::ImapSync(Store::Database &db, qint64 accountId, Imap::SessionSettings settings, Clock &clock,
                   ImapSyncOptions options, QObject *parent)
    : QObject(parent)
    , m_db(db)
    , m_accountId(accountId)
    , m_settings(std::move(settings))
    , m_clock(clock)
    , m_options(options)
    , m_indexer(new SearchIndexer(db, this))
    , m_writer(new StoreWriter(db, QStringLiteral("imap-store"), this))
{
    connect(m_indexer, &SearchIndexer::finished, this, &ImapSync::searchIndexComplete);
}

ImapSync::~ImapSync()
{
    delete m_session.data();
}

void ImapSync::syncAll()
{
    enqueue({RequestKind::All, 0});
}

void ImapSync::syncFolder(qint64 folderId)
{
    enqueue({RequestKind::Folder, folderId});
}

void ImapSync::checkFolders()
{
    enqueue({RequestKind::Check, 0});
}

void ImapSync::replayPending()
{
    enqueue({RequestKind::Replay, 0});
}

void ImapSync::abort()
{
    if (m_session)
        m_session->abort();
}

void ImapSync::enqueue(Request request)
{
    // A queued full sync covers every narrower request; equal requests merge.
    for (const Request &r : std::as_const(m_queue)) {
        if (r.kind == RequestKind::All || (r.kind == request.kind && r.folderId == request.folderId))
            return;
    }
    if (request.kind == RequestKind::All)
        m_queue.clear();
    m_queue << request;
    if (!m_running)
        QMetaObject::invokeMethod(this, &ImapSync::runNext, Qt::QueuedConnection);
}

void ImapSync::runNext()
{
    if (m_running || m_queue.isEmpty())
        return;
    m_running = true;
    m_indexer->pause(); // a sync never waits behind the background indexing
    m_current = m_queue.takeFirst();
    connectSession([this](const Error &error) {
        if (error) {
            requestDone(error);
            return;
        }
        replay([this] {
            switch (m_current.kind) {
            case RequestKind::Replay: requestDone({}); return;
            case RequestKind::Folder: syncFolders({m_current.folderId}, false); return;
            case RequestKind::All:
                list(false, [this](const QList<qint64> &) { syncFolders(orderedFolders(), false); });
                return;
            case RequestKind::Check:
                list(true, [this](const QList<qint64> &changed) { syncFolders(changed, false); });
                return;
            }
        });
    });
}

void ImapSync::requestDone(const Error &error)
{
    m_running = false;
    Q_EMIT finished(error);
    if (!m_queue.isEmpty())
        QMetaObject::invokeMethod(this, &ImapSync::runNext, Qt::QueuedConnection);
    else if (!m_running)
        m_indexer->start();
}

void ImapSync::withSession(std::function<void(Imap::Session *, const Error &)> then)
{
    connectSession([this, then = std::move(then)](const Error &error) {
        then(error ? nullptr : m_session.data(), error);
    });
}

void ImapSync::connectSession(std::function<void(const Error &)> then)
{
    if (m_session) {
        const auto state = m_session->state();
        if (state == Imap::Session::State::Authenticated || state == Imap::Session::State::Selected ||
            state == Imap::Session::State::Idling) {
            then({});
            return;
        }
    }
    m_sessionWaiters << [then = std::move(then)](Imap::Session *, const Error &e) { then(e); };
    if (m_connecting)
        return;
    m_connecting = true;
    if (m_session)
        m_session->deleteLater();
    m_session = new Imap::Session(m_settings, m_clock, this);
    Imap::Session *session = m_session;

    auto done = std::make_shared<bool>(false);
    auto finish = [this, done, session](const Error &error) {
        if (*done)
            return;
        *done = true;
        m_connecting = false;
        const auto waiters = std::exchange(m_sessionWaiters, {});
        for (const auto &w : waiters)
            w(error ? nullptr : session, error);
    };
    connect(session, &Imap::Session::errorOccurred, this, [finish](const Error &e) { finish(e); });
    connect(session, &Imap::Session::ready, this, [this, session, finish] {
        auto *login = new Imap::LoginJob(session);
        connect(login, &Imap::Job::finished, this, [this, session, login, finish] {
            if (login->error()) {
                finish(login->error());
                return;
            }
            if (!(m_options.useCondStore && session->capabilities().qresync() &&
                  session->capabilities().enable())) {
                finish({});
                return;
            }
            auto *enable = new Imap::EnableJob(session);
            enable->setExtensions({"QRESYNC"});
            connect(enable, &Imap::Job::finished, this, [enable, finish] {
                // A refused ENABLE only means the CONDSTORE or plain mode; it is not fatal.
                if (enable->error().kind == Error::Kind::Network ||
                    enable->error().kind == Error::Kind::Timeout ||
                    enable->error().kind == Error::Kind::Cancelled) {
                    finish(enable->error());
                    return;
                }
                finish({});
            });
            enable->start();
        });
        login->start();
    });
    session->open();
}

void ImapSync::replay(std::function<void()> then)
{
    auto *replayer = new PendingReplayer(m_session, m_db, m_accountId, this);
    connect(replayer, &PendingReplayer::operationDropped, this, &ImapSync::operationDropped);
    connect(replayer, &PendingReplayer::finished, this,
            [this, replayer, then = std::move(then)](const Error &error) {
                replayer->deleteLater();
                if (error) {
                    requestDone(error);
                    return;
                }
                then();
            });
    replayer->start();
}

void ImapSync::list(bool withStatus, std::function<void(QList<qint64>)> then)
{
    auto *job = new Imap::ListJob(m_session);
    job->setReference(QString());
    job->setPattern(QStringLiteral("*"));
    job->setReturnSpecialUse(true);
    const bool condStore = m_session->capabilities().condStore() && m_options.useCondStore;
    QList<QByteArray> items{"MESSAGES", "UIDNEXT", "UIDVALIDITY"};
    if (condStore)
        items << "HIGHESTMODSEQ";
    if (withStatus)
        job->setReturnStatus(items);
    connect(job, &Imap::Job::finished, this, [this, job, withStatus, items, then = std::move(then)] {
        if (job->error()) {
            requestDone(job->error());
            return;
        }
        bool changed = false;
        if (Error e = reconcileFolders(job->entries(), &changed)) {
            requestDone(e);
            return;
        }
        if (changed)
            Q_EMIT folderListChanged();
        if (!withStatus) {
            then({});
            return;
        }
        auto folders = Store::FolderStore(m_db).list(m_accountId);
        if (!folders) {
            requestDone(folders.error());
            return;
        }
        QHash<QByteArray, Imap::MailboxStatus> statuses;
        for (const Imap::MailboxStatus &st : job->statuses())
            statuses.insert(st.mailbox.raw, st);

        auto differs = [](const Store::Folder &f, const Imap::MailboxStatus &st) {
            return st.uidValidity.value_or(0) != f.uidValidity || st.uidNext.value_or(0) != f.uidNext ||
                   (st.highestModSeq && *st.highestModSeq != f.highestModSeq) ||
                   int(st.messages.value_or(0)) != f.totalCount;
        };
        QList<qint64> changedFolders;
        QList<Store::Folder> unknown;
        for (const Store::Folder &f : folders.value()) {
            if (!f.selectable)
                continue;
            const auto it = statuses.constFind(f.name);
            if (it == statuses.constEnd())
                unknown << f;
            else if (differs(f, *it))
                changedFolders << f.id;
        }
        if (unknown.isEmpty()) {
            then(changedFolders);
            return;
        }
        // No LIST-STATUS: one STATUS per folder (they may run side by side).
        auto remaining = std::make_shared<int>(int(unknown.size()));
        auto result = std::make_shared<QList<qint64>>(changedFolders);
        auto failed = std::make_shared<bool>(false);
        for (const Store::Folder &f : std::as_const(unknown)) {
            auto *status = new Imap::StatusJob(m_session);
            status->setMailbox(f.displayName);
            status->setItems(items);
            connect(status, &Imap::Job::finished, this,
                    [this, status, f, remaining, result, failed, differs, then] {
                        if (*failed)
                            return;
                        if (status->error()) {
                            if (status->error().kind != Error::Kind::ServerNo &&
                                status->error().kind != Error::Kind::ServerBad) {
                                *failed = true;
                                requestDone(status->error());
                                return;
                            }
                            *result << f.id; // refused STATUS: let the folder sync find out
                        } else if (differs(f, status->status())) {
                            *result << f.id;
                        }
                        if (--*remaining == 0)
                            then(*result);
                    });
            status->start();
        }
    });
    job->start();
}

Error ImapSync::reconcileFolders(const QList<Imap::ListEntry> &entries, bool *changed)
{
    Store::FolderStore folders(m_db);
    auto before = folders.list(m_accountId);
    if (!before)
        return before.error();
    QHash<QByteArray, Store::Folder> old;
    for (const Store::Folder &f : before.value())
        old.insert(f.name, f);

    const QList<QString> roles = assignSpecialUse(entries);
    Store::Transaction t(m_db);
    if (t.error())
        return t.error();
    QSet<QByteArray> seen;
    for (qsizetype i = 0; i < entries.size(); ++i) {
        const Imap::ListEntry &e = entries[i];
        if (e.lsub || e.hasAttribute("\\NonExistent"))
            continue;
        Store::Folder f;
        f.accountId = m_accountId;
        f.name = e.mailbox.raw;
        f.displayName = e.mailbox.display;
        f.delimiter = e.delimiter ? QString(QChar::fromLatin1(e.delimiter)) : QString();
        f.specialUse = roles[i];
        f.selectable = !e.hasAttribute("\\Noselect");
        f.subscribed = true;
        seen.insert(f.name);
        const auto it = old.constFind(f.name);
        if (it == old.constEnd() || it->displayName != f.displayName || it->specialUse != f.specialUse ||
            it->selectable != f.selectable || it->delimiter != f.delimiter)
            *changed = true;
        auto id = folders.upsert(m_accountId, f);
        if (!id)
            return id.error();
    }

    // Folders the server no longer has, except those a queued CREATE or RENAME will make.
    auto pending = Store::PendingOperationStore(m_db).pending(m_accountId);
    if (!pending)
        return pending.error();
    QSet<QByteArray> promised;
    for (const Store::PendingOperation &op : pending.value()) {
        if (op.kind == Store::PendingOperation::Kind::CreateFolder)
            promised.insert(op.folderName);
        else if (op.kind == Store::PendingOperation::Kind::RenameFolder)
            promised.insert(op.targetFolderName);
    }
    for (const Store::Folder &f : before.value()) {
        if (seen.contains(f.name) || promised.contains(f.name))
            continue;
        if (Error e = folders.remove(f.id))
            return e;
        *changed = true;
    }
    return t.commit();
}

QList<qint64> ImapSync::orderedFolders()
{
    auto folders = Store::FolderStore(m_db).list(m_accountId);
    if (!folders)
        return {};
    QList<Store::Folder> list;
    for (const Store::Folder &f : folders.value()) {
        if (f.selectable)
            list << f;
    }
    auto rank = [](const Store::Folder &f) {
        if (f.isInbox)
            return 0;
        if (f.specialUse == u"\\Sent" || f.specialUse == u"\\Drafts")
            return 1;
        if (f.specialUse == u"\\Junk" || f.specialUse == u"\\Trash")
            return 3;
        return 2;
    };
    std::stable_sort(list.begin(), list.end(), [&rank](const Store::Folder &a, const Store::Folder &b) {
        if (rank(a) != rank(b))
            return rank(a) < rank(b);
        return a.displayName < b.displayName;
    });
    QList<qint64> ids;
    for (const Store::Folder &f : std::as_const(list))
        ids << f.id;
    return ids;
}

void ImapSync::syncFolders(QList<qint64> folders, bool sweepPass)
{
    m_folderList = folders;
    m_folderQueue = std::move(folders);
    m_sweepPass = sweepPass;
    m_mode = m_session ? FolderSync::modeFor(*m_session, m_options.useCondStore) : SyncMode::Plain;
    syncNextFolder();
}

void ImapSync::syncNextFolder()
{
    if (m_folderQueue.isEmpty()) {
        if (m_mode == SyncMode::Plain && !m_sweepPass && m_options.folder.sweepFlags &&
            !m_folderList.isEmpty()) {
            // Second pass: new mail everywhere came first, flags now, newest first.
            syncFolders(m_folderList, true);
            return;
        }
        if (m_current.kind == RequestKind::All && m_options.offlineBodyDays > 0 && m_session) {
            // Headers first everywhere; then the bodies kept for offline reading.
            auto *bodies =
                new OfflineBodies(m_session, m_db, m_accountId, m_options.offlineBodyDays, m_clock, this);
            connect(bodies, &OfflineBodies::finished, this, [this, bodies](const Error &error) {
                bodies->deleteLater();
                requestDone(error);
            });
            bodies->start();
            return;
        }
        requestDone({});
        return;
    }
    if (!m_session) {
        requestDone(Error::make(Error::Kind::Cancelled, QStringLiteral("the connection is gone")));
        return;
    }
    FolderSyncOptions options = m_options.folder;
    options.sweepFlags = m_sweepPass;
    auto *sync = new FolderSync(m_session, m_db, m_folderQueue.takeFirst(), m_mode, options, this);
    if (m_kept && m_keptFolder == sync->folderId())
        sync->setKeptSelection(m_kept);
    sync->setStoreWriter(m_writer);
    connect(sync, &FolderSync::progress, this, &ImapSync::progress);
    connect(sync, &FolderSync::newMail, this, &ImapSync::newMail);
    connect(sync, &FolderSync::finished, this, [this, sync](const Error &error) {
        sync->deleteLater();
        m_keptFolder = sync->folderId();
        m_kept = error ? std::nullopt : sync->keptSelection();
        if (error.kind == Error::Kind::ServerNo || error.kind == Error::Kind::ServerBad) {
            // One folder the server refuses (gone since LIST, no permission) does not stop the rest.
            Q_EMIT folderFailed(sync->folderId(), error);
        } else if (error) {
            if (error.kind == Error::Kind::Protocol && m_session)
                m_session->abort(); // the connection's state is suspect: start clean next time
            requestDone(error);
            return;
        } else {
            Q_EMIT folderSynced(sync->folderId());
        }
        syncNextFolder();
    });
    sync->start();
}

} // namespace Tidings::Sync
