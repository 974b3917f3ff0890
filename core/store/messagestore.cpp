// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/store/messagestore.h"

#include "core/store/database.h"
#include "core/store/headerfeed.h"
#include "core/store/headerrows.h"

#include <QHash>
#include <QRegularExpression>

#include <algorithm>
#include <memory>
#include <sqlite3.h>

namespace Tidings::Store {

namespace {

struct FlagName {
    MessageFlag flag;
    QByteArrayView atom;
};
constexpr FlagName kFlagNames[] = {
    {MessageFlag::Seen, "\\Seen"},       {MessageFlag::Answered, "\\Answered"},
    {MessageFlag::Flagged, "\\Flagged"}, {MessageFlag::Deleted, "\\Deleted"},
    {MessageFlag::Draft, "\\Draft"},     {MessageFlag::Forwarded, "$Forwarded"},
    {MessageFlag::Junk, "$Junk"},
};

constexpr auto kColumns =
    "SELECT id, account_id, folder_id, uidvalidity, uid, modseq, flags, keywords, internal_date, "
    "date, sort_date, size, subject, from_addr, to_addr, cc_addr, message_id, in_reply_to, refs, "
    "has_attachments, preview, bodystructure FROM messages";

StoredMessage readMessage(Statement &q)
{
    StoredMessage m;
    m.id = q.value(0).toLongLong();
    m.accountId = q.value(1).toLongLong();
    m.folderId = q.value(2).toLongLong();
    m.uidValidity = quint32(q.value(3).toLongLong());
    MessageHeader &h = m.header;
    h.uid = quint32(q.value(4).toLongLong());
    h.modSeq = q.value(5).toULongLong();
    h.flags = MessageFlags(q.value(6).toUInt());
    const QString keywords = q.value(7).toString();
    if (!keywords.isEmpty())
        h.keywords = keywords.split(u' ', Qt::SkipEmptyParts);
    h.internalDate = fromDbTime(q.value(8));
    h.date = fromDbTime(q.value(9));
    m.sortDate = fromDbTime(q.value(10));
    h.size = q.value(11).toLongLong();
    h.subject = q.value(12).toString();
    h.from = q.value(13).toString();
    h.to = q.value(14).toString();
    h.cc = q.value(15).toString();
    h.messageId = q.value(16).toString();
    h.inReplyTo = q.value(17).toString();
    h.references = q.value(18).toString();
    h.hasAttachments = q.value(19).toBool();
    h.preview = q.value(20).toString();
    h.bodyStructure = q.value(21).toByteArray();
    return m;
}

struct FolderInfo {
    qint64 accountId = 0;
    bool isInbox = false;
    quint32 uidValidity = 0;
    bool searchDeferred = false; ///< schema 5: new rows go to search_pending
};

Result<FolderInfo> folderInfo(Database &db, qint64 folderId)
{
    Statement q(db,
                QStringLiteral(
                    "SELECT account_id, is_inbox, uidvalidity, search_deferred FROM folders WHERE id = ?"));
    q.bind(folderId);
    if (Error e = q.exec())
        return e;
    if (!q.next())
        return Error::make(Error::Kind::Storage, QStringLiteral("no folder with id %1").arg(folderId));
    return FolderInfo{q.value(0).toLongLong(), q.value(1).toBool(), quint32(q.value(2).toLongLong()),
                      q.value(3).toBool()};
}

/// The columns of `messages` a header fills, in the order of kFeedSelect's.
constexpr char kFeedColumns[] =
    "account_id, folder_id, in_inbox, uidvalidity, uid, modseq, flags, keywords, internal_date, date, "
    "sort_date, size, subject, from_addr, to_addr, cc_addr, message_id, in_reply_to, refs, has_attachments, "
    "preview, bodystructure";
/// Those columns for every header of the feed bound to ?1 (its rows as `s`), with the folder's
/// values ?2 to ?5 (see runFeedInsert).
constexpr char kFeedSelect[] =
    "SELECT ?2, ?3, ?4, ?5, uid, modseq, flags, keywords, internal_date, date, sort_date, size, subject, "
    "from_addr, to_addr, cc_addr, message_id, in_reply_to, refs, has_attachments, preview, bodystructure "
    "FROM header_feed(?1) s";

/// Runs @p sql, an INSERT into `messages` of kFeedColumns from kFeedSelect, with @p feed and the
/// folder's account, id, INBOX bit and @p uidValidity bound; gives sqlite3_changes. The rows come
/// straight from the headers in memory: no staging table is written and read again.
Result<int> runFeedInsert(Database &db, const QByteArray &sql, const HeaderFeed &feed,
                          const FolderInfo &folder, qint64 folderId, quint32 uidValidity)
{
    sqlite3 *handle = db.handle();
    sqlite3_stmt *raw = nullptr;
    if (sqlite3_prepare_v2(handle, sql.constData(), int(sql.size()), &raw, nullptr) != SQLITE_OK)
        return db.rawStatementError(QStringLiteral("preparing a header insert"));
    const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt *)> statement(raw, sqlite3_finalize);
    if (feed.bind(raw, 1) != SQLITE_OK || sqlite3_bind_int64(raw, 2, folder.accountId) != SQLITE_OK ||
        sqlite3_bind_int64(raw, 3, folderId) != SQLITE_OK ||
        sqlite3_bind_int(raw, 4, folder.isInbox ? 1 : 0) != SQLITE_OK ||
        sqlite3_bind_int64(raw, 5, qint64(uidValidity)) != SQLITE_OK)
        return db.rawStatementError(QStringLiteral("binding a header insert"));
    if (sqlite3_step(raw) != SQLITE_DONE)
        return db.rawStatementError(QStringLiteral("writing headers"));
    return sqlite3_changes(handle);
}

/// Every row of the feed into `messages`, in order, the row triggers on (local rows: no UID).
const QByteArray &plainFeedInsert()
{
    static const QByteArray sql =
        QByteArray("INSERT INTO messages (") + kFeedColumns + ") " + kFeedSelect + " ORDER BY s.rowid";
    return sql;
}

/// Turns this connection's triggers off for its lifetime (SQLITE_DBCONFIG_ENABLE_TRIGGER; SQLite
/// re-prepares statements when it changes) and back to what they were.
class TriggersOff final
{
public:
    explicit TriggersOff(sqlite3 *handle)
        : m_handle(handle)
    {
        sqlite3_db_config(m_handle, SQLITE_DBCONFIG_ENABLE_TRIGGER, -1, &m_before);
        m_ok = sqlite3_db_config(m_handle, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, nullptr) == SQLITE_OK;
    }
    ~TriggersOff() { sqlite3_db_config(m_handle, SQLITE_DBCONFIG_ENABLE_TRIGGER, m_before, nullptr); }
    TriggersOff(const TriggersOff &) = delete;
    TriggersOff &operator=(const TriggersOff &) = delete;
    [[nodiscard]] bool ok() const { return m_ok; }

private:
    sqlite3 *m_handle;
    int m_before = 1;
    bool m_ok = false;
};

/// The new rows of a chunk for a folder whose search index is deferred (schema 5), with the
/// row triggers' work done once for the chunk instead of once per row. For such a folder the
/// AFTER INSERT triggers on messages come down to: note the row in search_pending (the search
/// index and message_ids leave pending rows out) and add it to the folder's counts. Per row
/// they cost about as much as the insert itself in a first sync (docs/sync.md, Benchmark).
/// Inserted here: the feed's `bulk` rows (a UID that occurs once in the chunk) that are not
/// stored yet (OR IGNORE skips those). Gives the id above which the new rows are: inside the
/// caller's write transaction nobody else inserts, so they are the ones above the largest id
/// before. upsertHeaders then writes, the ordinary way and with the triggers, every row that
/// did not get in here. test_store_search_deferred compares the result with the trigger path.
Result<qint64> insertNewDeferredRows(Database &db, const HeaderFeed &feed, const FolderInfo &folder,
                                     qint64 folderId, quint32 uidValidity, int *inserted)
{
    Statement top(db, QStringLiteral("SELECT coalesce(max(id), 0) FROM messages"));
    if (Error e = top.exec())
        return e;
    const qint64 before = top.next() ? top.value(0).toLongLong() : 0;
    {
        TriggersOff off(db.handle());
        if (!off.ok())
            return Error::make(Error::Kind::Storage,
                               QStringLiteral("cannot turn the row triggers off for a bulk insert"));
        static const QByteArray sql = QByteArray("INSERT OR IGNORE INTO messages (") + kFeedColumns + ") " +
                                      kFeedSelect + " WHERE bulk = 1 ORDER BY s.rowid";
        Result<int> rows = runFeedInsert(db, sql, feed, folder, folderId, uidValidity);
        if (!rows)
            return rows.error();
        *inserted = *rows;
    }
    Statement pending(db, QStringLiteral("INSERT OR IGNORE INTO search_pending (message_id) "
                                         "SELECT id FROM messages WHERE id > ?"));
    pending.bind(before);
    if (Error e = pending.exec())
        return e;
    // Every bulk row new (the usual case): the feed has the counts; else they are read back.
    if (*inserted == feed.bulkRows()) {
        Statement counts(db, QStringLiteral("UPDATE folders SET total_count = total_count + ?, "
                                            "unread_count = unread_count + ? WHERE id = ?"));
        counts.bind(feed.bulkRows()).bind(feed.bulkUnread()).bind(folderId);
        if (Error e = counts.exec())
            return e;
        return before;
    }
    Statement counts(db,
                     QStringLiteral("UPDATE folders SET total_count = total_count + c.total, "
                                    "unread_count = unread_count + c.unread FROM (SELECT count(*) AS total, "
                                    "coalesce(sum((flags & 1) = 0), 0) AS unread FROM messages WHERE id > ?) "
                                    "AS c WHERE folders.id = ?"));
    counts.bind(before).bind(folderId);
    if (Error e = counts.exec())
        return e;
    return before;
}

/// The feed's rows the ordinary way: one INSERT ... SELECT, the row triggers on, a UID already
/// stored updated. With @p before >= 0 (a deferred folder) the rows insertNewDeferredRows wrote,
/// those above that id, are left out.
Error upsertFeedRows(Database &db, const HeaderFeed &feed, const FolderInfo &folder, qint64 folderId,
                     quint32 uidValidity, qint64 before)
{
    const QByteArray sql =
        QByteArray("INSERT INTO messages (") + kFeedColumns + ") " + kFeedSelect + " WHERE " +
        (before < 0 ? QByteArray("true")
                    : "NOT EXISTS (SELECT 1 FROM messages m WHERE m.folder_id = ?3 AND m.uidvalidity = ?5 "
                      "AND m.uid = s.uid AND m.id > " +
                          QByteArray::number(before) + ")") +
        " ORDER BY s.rowid"
        " ON CONFLICT (folder_id, uidvalidity, uid) DO UPDATE SET "
        "modseq = excluded.modseq, flags = excluded.flags, keywords = excluded.keywords, "
        "internal_date = excluded.internal_date, date = excluded.date, sort_date = excluded.sort_date, "
        "size = excluded.size, subject = excluded.subject, from_addr = excluded.from_addr, "
        "to_addr = excluded.to_addr, cc_addr = excluded.cc_addr, message_id = excluded.message_id, "
        "in_reply_to = excluded.in_reply_to, refs = excluded.refs, "
        "has_attachments = excluded.has_attachments, "
        "preview = CASE WHEN excluded.preview = '' THEN preview ELSE excluded.preview END, "
        "bodystructure = coalesce(excluded.bodystructure, bodystructure)";
    Result<int> rows = runFeedInsert(db, sql, feed, folder, folderId, uidValidity);
    return rows ? Error() : rows.error();
}

} // namespace

MessageFlags flagsFromImap(const QList<QByteArray> &atoms, QStringList *keywords)
{
    MessageFlags flags;
    for (const QByteArray &atom : atoms) {
        bool known = false;
        for (const FlagName &name : kFlagNames) {
            // The length first: most atoms differ in it, and that needs no character compare.
            if (atom.size() == name.atom.size() && atom.compare(name.atom, Qt::CaseInsensitive) == 0) {
                flags |= name.flag;
                known = true;
                break;
            }
        }
        // \Recent is session state (RFC 3501 §2.3.2), never cached.
        if (!known && keywords && !atom.isEmpty() &&
            !(atom.size() == 7 && atom.compare("\\Recent", Qt::CaseInsensitive) == 0))
            keywords->append(QString::fromLatin1(atom));
    }
    return flags;
}

QList<QByteArray> flagsToImap(MessageFlags flags)
{
    QList<QByteArray> out;
    for (const FlagName &name : kFlagNames) {
        if (flags.testFlag(name.flag))
            out << name.atom.toByteArray();
    }
    return out;
}

Error MessageStore::upsertHeaders(qint64 folderId, quint32 uidValidity, const QList<MessageHeader> &headers)
{
    HeaderRows rows;
    rows.reserve(headers.size(), 0);
    for (const MessageHeader &h : headers)
        rows.append(h);
    return upsertHeaders(folderId, uidValidity, rows);
}

Error MessageStore::upsertHeaders(qint64 folderId, quint32 uidValidity, const HeaderRows &rows)
{
    for (qsizetype i = 0; i < rows.size(); ++i) {
        if (rows.row(i).uid == 0)
            return Error::make(Error::Kind::Storage,
                               QStringLiteral("upsertHeaders needs a server UID for every header"));
    }
    Transaction t(m_db);
    if (t.error())
        return t.error();
    Result<FolderInfo> folder = folderInfo(m_db, folderId);
    if (!folder)
        return folder.error();

    // The rows reach `messages` in one INSERT ... SELECT from the feed. Each statement that
    // writes `messages` runs the FTS triggers inside a statement savepoint, and FTS5 (SQLite
    // 3.40) flushes its pending terms to a new segment at every savepoint: one statement per
    // chunk instead of one per row made the initial sync's store writes several times cheaper
    // (docs/sync.md, Benchmark). Same columns, same conflict rule, same order.
    const HeaderFeed feed(rows);
    // Rows of a deferred folder that insertNewDeferredRows wrote are above `before`; in the usual
    // case it wrote them all and nothing is left for upsertFeedRows.
    qint64 before = -1;
    bool rest = true;
    if (folder->searchDeferred) {
        int inserted = 0;
        Result<qint64> top = insertNewDeferredRows(m_db, feed, *folder, folderId, uidValidity, &inserted);
        if (!top)
            return top.error();
        before = *top;
        rest = inserted != rows.size();
    }
    if (rest) {
        if (Error e = upsertFeedRows(m_db, feed, *folder, folderId, uidValidity, before))
            return e;
    }
    return t.commit();
}

Result<qint64> MessageStore::insertLocal(qint64 folderId, const MessageHeader &header)
{
    Result<FolderInfo> folder = folderInfo(m_db, folderId);
    if (!folder)
        return folder.error();
    MessageHeader local = header;
    local.uid = 0;
    HeaderRows one;
    one.append(local);
    const HeaderFeed feed(one);
    if (Result<int> rows =
            runFeedInsert(m_db, plainFeedInsert(), feed, *folder, folderId, folder->uidValidity);
        !rows)
        return rows.error();
    return qint64(sqlite3_last_insert_rowid(m_db.handle()));
}

Result<QList<qint64>> MessageStore::insertLocalRows(qint64 folderId, QList<MessageHeader> headers)
{
    Transaction t(m_db);
    if (t.error())
        return t.error();
    Result<FolderInfo> folder = folderInfo(m_db, folderId);
    if (!folder)
        return folder.error();
    HeaderRows rows;
    rows.reserve(headers.size(), 0);
    for (MessageHeader &h : headers) {
        h.uid = 0;
        rows.append(h);
    }
    // One INSERT ... SELECT from the feed, as upsertHeaders does: a statement per row ran the
    // message triggers in a statement savepoint each (about 30 us a row for a POP3 group).
    // Inside this write transaction nobody else inserts: the new rows are the ones above the
    // largest id before, and SQLite gives each the largest id plus one, in the SELECT's order.
    Statement top(m_db, QStringLiteral("SELECT coalesce(max(id), 0) FROM messages"));
    if (Error e = top.exec())
        return e;
    const qint64 before = top.next() ? top.value(0).toLongLong() : 0;
    const HeaderFeed feed(rows);
    if (Result<int> written =
            runFeedInsert(m_db, plainFeedInsert(), feed, *folder, folderId, folder->uidValidity);
        !written)
        return written.error();
    Statement added(m_db, QStringLiteral("SELECT id FROM messages WHERE id > ? ORDER BY id"));
    added.bind(before);
    if (Error e = added.exec())
        return e;
    QList<qint64> ids;
    ids.reserve(headers.size());
    while (added.next())
        ids.append(added.value(0).toLongLong());
    if (ids.size() != headers.size())
        return Error::make(
            Error::Kind::Storage,
            QStringLiteral("%1 message rows written for %2 headers").arg(ids.size()).arg(headers.size()));
    if (Error e = t.commit())
        return e;
    return ids;
}

Error MessageStore::applyFlags(qint64 folderId, quint32 uidValidity, const QList<FlagUpdate> &updates)
{
    Transaction t(m_db);
    if (t.error())
        return t.error();
    // A flag sweep reports every message and almost none changed: read what the store holds
    // for the range once, and write only rows that differ. (Rewriting 100,000 unchanged rows
    // also put every page of the table into the WAL.)
    struct Held {
        uint flags = 0;
        QString keywords;
        qint64 modSeq = 0;
    };
    QHash<quint32, Held> held;
    const auto [lo, hi] =
        std::minmax_element(updates.cbegin(), updates.cend(),
                            [](const FlagUpdate &x, const FlagUpdate &y) { return x.uid < y.uid; });
    // Only for a dense run of UIDs (a sweep chunk): a few changes spread over a large mailbox
    // (CHANGEDSINCE, QRESYNC) are cheaper as direct UPDATEs than as a read of everything between.
    if (updates.size() > 32 && qint64(hi->uid) - qint64(lo->uid) < 4 * qint64(updates.size())) {
        Statement read(m_db,
                       QStringLiteral("SELECT uid, flags, keywords, modseq FROM messages "
                                      "WHERE folder_id = ? AND uidvalidity = ? AND uid BETWEEN ? AND ?"));
        read.bind(folderId).bind(qint64(uidValidity)).bind(qint64(lo->uid)).bind(qint64(hi->uid));
        if (Error e = read.exec())
            return e;
        held.reserve(updates.size());
        while (read.next())
            held.insert(
                quint32(read.value(0).toLongLong()),
                Held{uint(read.value(1).toLongLong()), read.value(2).toString(), read.value(3).toLongLong()});
    }
    Statement q(m_db,
                QStringLiteral("UPDATE messages SET flags = ?, keywords = ?, "
                               "modseq = CASE WHEN ? = 0 THEN modseq ELSE ? END "
                               "WHERE folder_id = ? AND uidvalidity = ? AND uid = ? "
                               "AND (flags IS NOT ? OR keywords IS NOT ? OR (? <> 0 AND modseq IS NOT ?))"));
    for (const FlagUpdate &u : updates) {
        const uint flags = uint(u.flags.toInt());
        const QString keywords = u.keywords.join(u' ');
        if (const auto it = held.constFind(u.uid); it != held.cend() && it->flags == flags &&
                                                   it->keywords == keywords &&
                                                   (u.modSeq == 0 || qint64(u.modSeq) == it->modSeq))
            continue;
        q.bind(flags)
            .bind(keywords)
            .bind(qint64(u.modSeq))
            .bind(qint64(u.modSeq))
            .bind(folderId)
            .bind(qint64(uidValidity))
            .bind(qint64(u.uid))
            .bind(flags)
            .bind(keywords)
            .bind(qint64(u.modSeq))
            .bind(qint64(u.modSeq));
        if (Error e = q.exec())
            return e;
    }
    return t.commit();
}

Error MessageStore::changeFlags(const QList<qint64> &messageIds, MessageFlags add, MessageFlags remove)
{
    Transaction t(m_db);
    if (t.error())
        return t.error();
    Statement q(m_db, QStringLiteral("UPDATE messages SET flags = (flags | ?) & ~? WHERE id = ?"));
    for (qint64 id : messageIds) {
        q.bind(uint(add.toInt())).bind(uint(remove.toInt())).bind(id);
        if (Error e = q.exec())
            return e;
    }
    return t.commit();
}

Error MessageStore::expungeUids(qint64 folderId, quint32 uidValidity, const QList<quint32> &uids)
{
    Transaction t(m_db);
    if (t.error())
        return t.error();
    Statement q(m_db,
                QStringLiteral("DELETE FROM messages WHERE folder_id = ? AND uidvalidity = ? AND uid = ?"));
    for (quint32 uid : uids) {
        q.bind(folderId).bind(qint64(uidValidity)).bind(qint64(uid));
        if (Error e = q.exec())
            return e;
    }
    return t.commit();
}

Error MessageStore::remove(const QList<qint64> &messageIds)
{
    Transaction t(m_db);
    if (t.error())
        return t.error();
    Statement q(m_db, QStringLiteral("DELETE FROM messages WHERE id = ?"));
    for (qint64 id : messageIds) {
        q.bind(id);
        if (Error e = q.exec())
            return e;
    }
    return t.commit();
}

Error MessageStore::moveLocal(const QList<qint64> &messageIds, qint64 targetFolderId)
{
    Transaction t(m_db);
    if (t.error())
        return t.error();
    Result<FolderInfo> target = folderInfo(m_db, targetFolderId);
    if (!target)
        return target.error();
    Statement q(
        m_db, QStringLiteral("UPDATE messages SET folder_id = ?, in_inbox = ?, uidvalidity = ?, uid = NULL, "
                             "modseq = 0 WHERE id = ? AND account_id = ?"));
    for (qint64 id : messageIds) {
        q.bind(targetFolderId)
            .bind(target->isInbox)
            .bind(qint64(target->uidValidity))
            .bind(id)
            .bind(target->accountId);
        if (Error e = q.exec())
            return e;
        if (q.rowsAffected() != 1)
            return Error::make(Error::Kind::Storage,
                               QStringLiteral("message %1 does not exist in the account of folder %2")
                                   .arg(id)
                                   .arg(targetFolderId));
    }
    return t.commit();
}

Error MessageStore::assignUid(qint64 messageId, quint32 uidValidity, quint32 uid)
{
    Statement q(m_db,
                QStringLiteral("UPDATE messages SET uidvalidity = ?, uid = ? WHERE id = ? AND uid IS NULL"));
    q.bind(qint64(uidValidity)).bind(qint64(uid)).bind(messageId);
    if (Error e = q.exec())
        return e;
    if (q.rowsAffected() != 1)
        return Error::make(Error::Kind::Storage,
                           QStringLiteral("message %1 does not exist or already has a UID").arg(messageId));
    return {};
}

Result<QList<quint32>> MessageStore::uids(qint64 folderId, quint32 uidValidity)
{
    Statement q(m_db, QStringLiteral("SELECT uid FROM messages WHERE folder_id = ? AND uidvalidity = ? "
                                     "AND uid IS NOT NULL ORDER BY uid"));
    q.bind(folderId).bind(qint64(uidValidity));
    if (Error e = q.exec())
        return e;
    QList<quint32> out;
    while (q.next())
        out << quint32(q.value(0).toLongLong());
    return out;
}

Result<StoredMessage> MessageStore::get(qint64 messageId)
{
    Statement q(m_db, QLatin1String(kColumns) + QStringLiteral(" WHERE id = ?"));
    q.bind(messageId);
    if (Error e = q.exec())
        return e;
    if (!q.next())
        return Error::make(Error::Kind::Storage, QStringLiteral("no message with id %1").arg(messageId));
    return readMessage(q);
}

Result<std::optional<StoredMessage>> MessageStore::findByUid(qint64 folderId, quint32 uidValidity,
                                                             quint32 uid)
{
    Statement q(m_db, QLatin1String(kColumns) +
                          QStringLiteral(" WHERE folder_id = ? AND uidvalidity = ? AND uid = ?"));
    q.bind(folderId).bind(qint64(uidValidity)).bind(qint64(uid));
    if (Error e = q.exec())
        return e;
    if (!q.next())
        return std::optional<StoredMessage>();
    return std::optional<StoredMessage>(readMessage(q));
}

Result<QList<StoredMessage>> MessageStore::findByMessageId(const QString &messageId)
{
    // message_ids holds every message that is not waiting for its search index (schema 6); the
    // few that are, right after a large first sync, are looked at directly. CROSS JOIN keeps
    // SQLite walking search_pending (mostly empty) rather than scanning every message.
    Statement q(m_db,
                QLatin1String(kColumns) +
                    QStringLiteral(" WHERE id IN (SELECT id FROM message_ids WHERE message_id = ? "
                                   "UNION ALL SELECT m.id FROM search_pending p "
                                   "CROSS JOIN messages m ON m.id = p.message_id WHERE m.message_id = ?) "
                                   "ORDER BY sort_date DESC, id DESC"));
    q.bind(messageId).bind(messageId);
    if (Error e = q.exec())
        return e;
    QList<StoredMessage> out;
    while (q.next())
        out << readMessage(q);
    return out;
}

Result<MessagePage> MessageStore::page(const QString &where, const QVariantList &binds, int limit,
                                       std::optional<PageCursor> after)
{
    QString sql = QLatin1String(kColumns) + QStringLiteral(" WHERE ") + where;
    if (after)
        sql += QStringLiteral(" AND (sort_date, id) < (?, ?)");
    sql += QStringLiteral(" ORDER BY sort_date DESC, id DESC LIMIT ?");
    Statement q(m_db, sql);
    for (const QVariant &v : binds)
        q.bind(v);
    if (after)
        q.bind(after->sortDate).bind(after->id);
    q.bind(std::max(limit, 0));
    if (Error e = q.exec())
        return e;
    MessagePage out;
    while (q.next())
        out.messages << readMessage(q);
    if (limit > 0 && out.messages.size() == limit) {
        const StoredMessage &last = out.messages.constLast();
        out.next = PageCursor{last.sortDate.isValid() ? last.sortDate.toSecsSinceEpoch() : 0, last.id};
    }
    return out;
}

Result<MessagePage> MessageStore::folderPage(qint64 folderId, int limit, std::optional<PageCursor> after)
{
    return page(QStringLiteral("folder_id = ?"), {folderId}, limit, after);
}

Result<QList<StoredMessage>> MessageStore::folderPageAt(qint64 folderId, int limit, int offset)
{
    Statement q(m_db, QLatin1String(kColumns) +
                          QStringLiteral(" WHERE folder_id = ? ORDER BY sort_date DESC, id DESC "
                                         "LIMIT ? OFFSET ?"));
    q.bind(folderId).bind(limit).bind(offset);
    if (Error e = q.exec())
        return e;
    QList<StoredMessage> out;
    while (q.next())
        out << readMessage(q);
    return out;
}

Result<MessagePage> MessageStore::unifiedInboxPage(int limit, std::optional<PageCursor> after)
{
    return page(QStringLiteral("in_inbox = 1"), {}, limit, after);
}

Error MessageStore::setSearchText(qint64 messageId, const QString &text)
{
    Statement q(m_db, QStringLiteral("INSERT INTO message_text (message_id, account_id, body) "
                                     "SELECT id, account_id, ? FROM messages WHERE id = ? "
                                     "ON CONFLICT (message_id) DO UPDATE SET body = excluded.body"));
    q.bind(text).bind(messageId);
    if (Error e = q.exec())
        return e;
    if (q.rowsAffected() != 1)
        return Error::make(Error::Kind::Storage, QStringLiteral("no message with id %1").arg(messageId));
    return {};
}

Error MessageStore::setSearchDeferred(qint64 folderId, bool deferred)
{
    Statement q(
        m_db, QStringLiteral("UPDATE folders SET search_deferred = ? WHERE id = ? AND search_deferred <> ?"));
    q.bind(deferred ? 1 : 0).bind(folderId).bind(deferred ? 1 : 0);
    return q.exec();
}

Result<int> MessageStore::indexPendingSearch(int batch)
{
    Transaction t(m_db);
    if (t.error())
        return t.error();
    // The batch is every note up to the batch-th smallest id: ids grow in insert order, so a
    // newest-first sync's newest messages become searchable first.
    Statement last(m_db, QStringLiteral("SELECT max(message_id), count(*) FROM (SELECT message_id FROM "
                                        "search_pending ORDER BY message_id LIMIT ?)"));
    last.bind(std::max(batch, 1));
    if (Error e = last.exec())
        return e;
    if (!last.next())
        return 0;
    const int count = last.value(1).toInt();
    const qint64 upTo = last.value(0).toLongLong();
    if (count == 0)
        return 0;
    // Pending messages are not in messages_fts (schema 5): one INSERT ... SELECT puts them
    // there with their current subject, addresses and text, and the notes go in the same
    // transaction, so the index and message_search agree at every commit.
    Statement index(
        m_db, QStringLiteral("INSERT INTO messages_fts (rowid, subject, from_addr, to_addr, cc_addr, body) "
                             "SELECT m.id, m.subject, m.from_addr, m.to_addr, m.cc_addr, t.body "
                             "FROM search_pending p JOIN messages m ON m.id = p.message_id "
                             "LEFT JOIN message_text t ON t.message_id = m.id "
                             "WHERE p.message_id <= ? ORDER BY p.message_id"));
    index.bind(upTo);
    if (Error e = index.exec())
        return e;
    // Their Message-IDs join the lookup table in the same transaction (schema 6), in key order.
    Statement ids(m_db, QStringLiteral("INSERT OR IGNORE INTO message_ids (message_id, id) "
                                       "SELECT m.message_id, m.id FROM search_pending p "
                                       "JOIN messages m ON m.id = p.message_id "
                                       "WHERE p.message_id <= ? AND m.message_id IS NOT NULL "
                                       "ORDER BY m.message_id, m.id"));
    ids.bind(upTo);
    if (Error e = ids.exec())
        return e;
    Statement done(m_db, QStringLiteral("DELETE FROM search_pending WHERE message_id <= ?"));
    done.bind(upTo);
    if (Error e = done.exec())
        return e;
    if (Error e = t.commit())
        return e;
    return count;
}

Result<qint64> MessageStore::pendingSearchCount()
{
    Statement q(m_db, QStringLiteral("SELECT count(*) FROM search_pending"));
    if (Error e = q.exec())
        return e;
    return q.next() ? q.value(0).toLongLong() : 0;
}

QString MessageStore::ftsQuery(const QString &text)
{
    static const QRegularExpression space(QStringLiteral("\\s+"));
    // unicode61 folds case and Latin diacritics but not Cyrillic ё to е, and Russian is written
    // both ways ("отчёт" / "отчет"): a word with up to three of either letter matches every
    // spelling.
    constexpr int kMaxYoLetters = 3;
    QStringList terms;
    const QStringList words = text.split(space, Qt::SkipEmptyParts);
    for (QString word : words) {
        word.replace(u'"', QStringLiteral("\"\""));
        QList<qsizetype> positions;
        for (qsizetype i = 0; i < word.size(); ++i) {
            const char16_t ch = word.at(i).unicode();
            if (ch == u'е' || ch == u'ё' || ch == u'Е' || ch == u'Ё')
                positions << i;
        }
        QStringList variants{word};
        if (!positions.isEmpty() && positions.size() <= kMaxYoLetters) {
            variants.clear();
            for (int mask = 0; mask < (1 << positions.size()); ++mask) {
                QString variant = word;
                for (int bit = 0; bit < positions.size(); ++bit)
                    variant[positions[bit]] = QChar((mask >> bit) & 1 ? u'ё' : u'е');
                variants << variant;
            }
        }
        QStringList quoted;
        for (const QString &variant : std::as_const(variants))
            quoted << u'"' + variant + QStringLiteral("\"*");
        terms << (quoted.size() == 1 ? quoted.first() : u'(' + quoted.join(QStringLiteral(" OR ")) + u')');
    }
    return terms.join(QStringLiteral(" AND "));
}

Result<QList<StoredMessage>> MessageStore::search(const QString &text, int limit, qint64 accountId)
{
    const QString match = ftsQuery(text);
    if (match.isEmpty())
        return QList<StoredMessage>();
    // The index is walked newest row first and stops at the limit; the join never sorts the
    // whole match set, so a common word stays fast in a million messages.
    QString columns = QLatin1String(kColumns);
    columns.replace(QStringLiteral(" FROM messages"), QString());
    columns.replace(QStringLiteral("SELECT "), QString());
    const QStringList names = columns.split(QStringLiteral(", "));
    QStringList qualified;
    for (const QString &name : names)
        qualified << QStringLiteral("m.") + name;
    Statement q(m_db, QStringLiteral("SELECT ") + qualified.join(QStringLiteral(", ")) +
                          QStringLiteral(" FROM messages_fts f JOIN messages m ON m.id = f.rowid "
                                         "WHERE messages_fts MATCH ? AND (? = 0 OR m.account_id = ?) "
                                         "ORDER BY f.rowid DESC LIMIT ?"));
    q.bind(match).bind(accountId).bind(accountId).bind(std::max(limit, 0));
    if (Error e = q.exec())
        return e;
    QList<StoredMessage> out;
    while (q.next())
        out << readMessage(q);
    std::stable_sort(out.begin(), out.end(), [](const StoredMessage &a, const StoredMessage &b) {
        return a.sortDate > b.sortDate || (a.sortDate == b.sortDate && a.id > b.id);
    });
    return out;
}

} // namespace Tidings::Store
