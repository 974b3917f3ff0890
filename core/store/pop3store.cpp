// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/store/pop3store.h"

#include "core/common/clock.h"
#include "core/store/database.h"
#include "core/store/partstore.h"

#include <QHash>

namespace Tidings::Store {

Result<QSet<QString>> Pop3Store::knownUidls(qint64 accountId)
{
    Statement q(m_db, QStringLiteral("SELECT uidl FROM pop3_uidls WHERE account_id = ?"));
    q.bind(accountId);
    if (Error e = q.exec())
        return e;
    QSet<QString> out;
    while (q.next())
        out.insert(q.value(0).toString());
    return out;
}

Result<qint64> Pop3Store::storeMessage(qint64 folderId, const QString &uidl, const MessageHeader &header,
                                       const QByteArray &raw)
{
    Result<QList<Pop3Stored>> stored = storeMessages(folderId, {Pop3Download{uidl, header, raw}});
    if (!stored)
        return stored.error();
    return stored->constFirst().messageId;
}

Result<QList<Pop3Stored>> Pop3Store::storeMessages(qint64 folderId, const QList<Pop3Download> &downloads)
{
    Transaction t(m_db, Durability::Full);
    if (t.error())
        return t.error();
    if (Error e = m_db.requireFullDurability("POP3 download"))
        return e;

    qint64 accountId = 0;
    {
        Statement q(m_db, QStringLiteral("SELECT account_id FROM folders WHERE id = ?"));
        q.bind(folderId);
        if (Error e = q.exec())
            return e;
        if (!q.next())
            return Error::make(Error::Kind::Storage, QStringLiteral("no folder with id %1").arg(folderId));
        accountId = q.value(0).toLongLong();
    }

    // Which downloads are new: a UIDL known already, or earlier in this group, writes nothing.
    QList<Pop3Stored> ids(downloads.size());
    QList<qsizetype> firstOf(downloads.size(), -1); // a repeat within the group: its first
    QList<qsizetype> fresh;
    QList<QByteArray> contents;
    {
        Statement known(
            m_db, QStringLiteral(
                      "SELECT coalesce(message_id, 0) FROM pop3_uidls WHERE account_id = ? AND uidl = ?"));
        QHash<QString, qsizetype> inGroup;
        for (qsizetype i = 0; i < downloads.size(); ++i) {
            const Pop3Download &d = downloads.at(i);
            if (auto it = inGroup.constFind(d.uidl); it != inGroup.constEnd()) {
                firstOf[i] = *it;
                continue;
            }
            known.bind(accountId).bind(d.uidl);
            if (Error e = known.exec())
                return e;
            if (known.next()) {
                ids[i] = Pop3Stored{known.value(0).toLongLong(), false};
                continue;
            }
            inGroup.insert(d.uidl, i);
            fresh.append(i);
            contents.append(d.raw);
        }
    }
    // The bytes first, so the disk writes them back while the rows are added.
    PartStore parts(m_db);
    Result<PendingPack> pack = parts.writePack(contents);
    if (!pack)
        return pack.error();

    MessageStore messages(m_db);
    Statement remember(m_db,
                       QStringLiteral("INSERT INTO pop3_uidls (account_id, uidl, message_id, first_seen) "
                                      "VALUES (?, ?, ?, ?)"));
    const QVariant now = toDbTime(m_db.clock().now());
    QList<MessageHeader> headers;
    headers.reserve(fresh.size());
    for (qsizetype i : std::as_const(fresh))
        headers.append(downloads.at(i).header);
    Result<QList<qint64>> rows = messages.insertLocalRows(folderId, std::move(headers));
    if (!rows)
        return rows.error();
    QList<std::pair<qint64, QString>> owners;
    owners.reserve(fresh.size());
    for (qsizetype k = 0; k < fresh.size(); ++k) {
        const qsizetype i = fresh.at(k);
        const qint64 messageId = rows->at(k);
        remember.bind(accountId).bind(downloads.at(i).uidl).bind(messageId).bind(now);
        if (Error e = remember.exec())
            return e;
        ids[i] = Pop3Stored{messageId, true};
        owners.append({messageId, QString()});
    }
    for (qsizetype i = 0; i < downloads.size(); ++i) {
        if (firstOf.at(i) >= 0)
            ids[i] = Pop3Stored{ids.at(firstOf.at(i)).messageId, false};
    }
    if (Error e = parts.addPackedRows(pack.value(), owners))
        return e;
    if (Error e = t.commit())
        return e;
    return ids;
}

Error Pop3Store::markDeletedOnServer(qint64 accountId, const QStringList &uidls)
{
    Transaction t(m_db, Durability::Full);
    if (t.error())
        return t.error();
    Statement q(m_db, QStringLiteral(
                          "UPDATE pop3_uidls SET deleted_on_server = 1 WHERE account_id = ? AND uidl = ?"));
    for (const QString &uidl : uidls) {
        q.bind(accountId).bind(uidl);
        if (Error e = q.exec())
            return e;
    }
    return t.commit();
}

Result<QStringList> Pop3Store::dueForDeletion(qint64 accountId, const QDateTime &before)
{
    Statement q(m_db,
                QStringLiteral("SELECT uidl FROM pop3_uidls WHERE account_id = ? AND deleted_on_server = 0 "
                               "AND first_seen < ? ORDER BY first_seen, uidl"));
    q.bind(accountId).bind(toDbTime(before));
    if (Error e = q.exec())
        return e;
    QStringList out;
    while (q.next())
        out << q.value(0).toString();
    return out;
}

Result<int> Pop3Store::forgetMissing(qint64 accountId, const QSet<QString> &onServer)
{
    Result<QSet<QString>> known = knownUidls(accountId);
    if (!known)
        return known.error();
    Transaction t(m_db, Durability::Full);
    if (t.error())
        return t.error();
    Statement q(m_db, QStringLiteral("DELETE FROM pop3_uidls WHERE account_id = ? AND uidl = ?"));
    int forgotten = 0;
    for (const QString &uidl : *known) {
        if (onServer.contains(uidl))
            continue;
        q.bind(accountId).bind(uidl);
        if (Error e = q.exec())
            return e;
        forgotten += q.rowsAffected();
    }
    if (Error e = t.commit())
        return e;
    return forgotten;
}

Result<QList<Pop3Record>> Pop3Store::records(qint64 accountId)
{
    Statement q(m_db, QStringLiteral(
                          "SELECT account_id, uidl, coalesce(message_id, 0), first_seen, deleted_on_server "
                          "FROM pop3_uidls WHERE account_id = ? ORDER BY first_seen, uidl"));
    q.bind(accountId);
    if (Error e = q.exec())
        return e;
    QList<Pop3Record> out;
    while (q.next())
        out << Pop3Record{q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toLongLong(),
                          fromDbTime(q.value(3)), q.value(4).toBool()};
    return out;
}

Result<QList<qint64>> Pop3Store::unindexedMessages(qint64 accountId, qint64 afterMessageId, int limit)
{
    Statement q(m_db, QStringLiteral(
                          "SELECT u.message_id FROM pop3_uidls u "
                          "WHERE u.account_id = ? AND u.message_id > ? "
                          "AND NOT EXISTS (SELECT 1 FROM message_text t WHERE t.message_id = u.message_id) "
                          "ORDER BY u.message_id LIMIT ?"));
    q.bind(accountId).bind(afterMessageId).bind(limit);
    if (Error e = q.exec())
        return e;
    QList<qint64> out;
    while (q.next())
        out << q.value(0).toLongLong();
    return out;
}

Error Pop3Store::setIndexed(qint64 messageId, const QString &preview, bool hasAttachments,
                            const QString &searchText)
{
    {
        Statement q(m_db,
                    QStringLiteral("UPDATE messages SET preview = ?, has_attachments = ? WHERE id = ?"));
        q.bind(preview).bind(hasAttachments ? 1 : 0).bind(messageId);
        if (Error e = q.exec())
            return e;
        if (q.rowsAffected() != 1)
            return Error::make(Error::Kind::Storage, QStringLiteral("no message with id %1").arg(messageId));
    }
    return MessageStore(m_db).setSearchText(messageId, searchText);
}

} // namespace Tidings::Store
