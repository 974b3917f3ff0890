// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/sync/offlinebodies.h"

#include "core/imap/fetchjob.h"
#include "core/imap/jobs.h"
#include "core/imap/session.h"
#include "core/store/database.h"
#include "core/store/partstore.h"

#include <QHash>

namespace Tidings::Sync {

OfflineBodies::OfflineBodies(Imap::Session *session, Store::Database &db, qint64 accountId, int days, Clock &clock,
                             QObject *parent)
    : QObject(parent), m_session(session), m_db(db), m_accountId(accountId), m_days(days), m_clock(clock)
{
}

OfflineBodies::~OfflineBodies() = default;

void OfflineBodies::start()
{
    if (m_days <= 0) {
        finish({});
        return;
    }
    if (Error e = loadFolders()) {
        finish(e);
        return;
    }
    nextFolder();
}

Error OfflineBodies::loadFolders()
{
    // INBOX first, then the others in the store's order.
    Store::Statement q(m_db, QStringLiteral("SELECT id, name, display_name, uidvalidity FROM folders "
                                            "WHERE account_id = ? AND selectable = 1 AND uidvalidity != 0 "
                                            "ORDER BY is_inbox DESC, id"));
    q.bind(m_accountId);
    if (Error e = q.exec())
        return e;
    while (q.next())
        m_folders << Folder{q.value(0).toLongLong(), q.value(1).toByteArray(), q.value(2).toString(),
                            quint32(q.value(3).toLongLong())};
    return {};
}

Error OfflineBodies::loadWanted(const Folder &folder, QList<Wanted> *out)
{
    const qint64 cutoff = m_clock.now().addDays(-m_days).toSecsSinceEpoch();
    Store::Statement q(m_db, QStringLiteral("SELECT m.id, m.uid FROM messages m WHERE m.folder_id = ? AND m.uidvalidity = ? "
                                            "AND m.uid > 0 AND m.sort_date >= ? AND NOT EXISTS (SELECT 1 FROM "
                                            "message_parts p WHERE p.message_id = m.id AND p.section = '' AND p.complete = 1) "
                                            "ORDER BY m.sort_date DESC, m.uid DESC"));
    q.bind(folder.id).bind(qint64(folder.uidValidity)).bind(cutoff);
    if (Error e = q.exec())
        return e;
    while (q.next())
        out->append(Wanted{q.value(0).toLongLong(), quint32(q.value(1).toLongLong())});
    return {};
}

void OfflineBodies::nextFolder()
{
    while (!m_folders.isEmpty()) {
        m_current = m_folders.takeFirst();
        m_wanted.clear();
        if (Error e = loadWanted(m_current, &m_wanted)) {
            finish(e);
            return;
        }
        if (!m_wanted.isEmpty())
            break;
    }
    if (m_wanted.isEmpty()) {
        finish({});
        return;
    }
    if (!m_session) {
        finish(Error::make(Error::Kind::Cancelled, QStringLiteral("the connection is gone")));
        return;
    }
    auto *select = new Imap::SelectJob(m_session);
    select->setMailbox(m_current.displayName);
    // SELECT, not EXAMINE: the command connection stays read-write for whatever comes next,
    // and BODY.PEEK sets no \Seen.
    connect(select, &Imap::Job::finished, this, [this, select] {
        if (select->error().kind == Error::Kind::ServerNo || select->error().kind == Error::Kind::ServerBad) {
            nextFolder(); // gone since the sync: nothing to read there
            return;
        }
        if (select->error()) {
            finish(select->error());
            return;
        }
        if (select->mailbox().uidValidity != m_current.uidValidity) {
            nextFolder(); // renumbered: its cached UIDs name other messages now
            return;
        }
        fetchNextChunk();
    });
    select->start();
}

void OfflineBodies::fetchNextChunk()
{
    if (m_wanted.isEmpty()) {
        nextFolder();
        return;
    }
    if (!m_session) {
        finish(Error::make(Error::Kind::Cancelled, QStringLiteral("the connection is gone")));
        return;
    }
    const QList<Wanted> chunk = m_wanted.mid(0, m_chunk);
    m_wanted.remove(0, chunk.size());
    QHash<quint32, qint64> byUid;
    Imap::UidSet uids;
    for (const Wanted &w : chunk) {
        byUid.insert(w.uid, w.messageId);
        uids.insert(w.uid);
    }
    auto *job = new Imap::FetchJob(m_session);
    job->setUids(uids);
    Imap::FetchScope scope;
    scope.bodySection = QByteArray();
    job->setScope(scope);
    connect(job, &Imap::Job::finished, this, [this, job, byUid] {
        if (job->error()) {
            finish(job->error());
            return;
        }
        Store::PartStore parts(m_db);
        for (const Imap::Fetch &f : job->messages()) {
            if (!f.uid || !byUid.contains(*f.uid))
                continue;
            const Imap::BodySection *body = f.findSection("");
            if (!body || body->isNil || body->origin)
                continue;
            // The literal arrived whole (the job succeeded): announced size == received size.
            if (Error e = parts.store(byUid.value(*f.uid), QString(), body->data.size(), body->data)) {
                finish(e);
                return;
            }
            ++m_stored;
        }
        fetchNextChunk();
    });
    job->start();
}

void OfflineBodies::finish(const Error &error)
{
    if (m_finished)
        return;
    m_finished = true;
    Q_EMIT finished(error);
}

} // namespace Tidings::Sync
