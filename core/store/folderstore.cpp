// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/store/folderstore.h"

#include "core/common/clock.h"
#include "core/store/database.h"

namespace Tidings::Store {

namespace {

constexpr auto kColumns = "SELECT id, account_id, name, display_name, delimiter, special_use, is_inbox, subscribed, "
                          "selectable, uidvalidity, uidnext, highestmodseq, unread_count, total_count FROM folders";

Folder readFolder(Statement &q)
{
    Folder f;
    f.id = q.value(0).toLongLong();
    f.accountId = q.value(1).toLongLong();
    f.name = q.value(2).toByteArray();
    f.displayName = q.value(3).toString();
    f.delimiter = q.value(4).toString();
    f.specialUse = q.value(5).toString();
    f.isInbox = q.value(6).toBool();
    f.subscribed = q.value(7).toBool();
    f.selectable = q.value(8).toBool();
    f.uidValidity = quint32(q.value(9).toLongLong());
    f.uidNext = quint32(q.value(10).toLongLong());
    f.highestModSeq = q.value(11).toULongLong();
    f.unreadCount = q.value(12).toInt();
    f.totalCount = q.value(13).toInt();
    return f;
}

bool isInboxName(const QByteArray &name)
{
    return name.compare("INBOX", Qt::CaseInsensitive) == 0;
}

} // namespace

Result<qint64> FolderStore::upsert(qint64 accountId, const Folder &folder)
{
    Statement q(m_db, QStringLiteral(
                          "INSERT INTO folders (account_id, name, display_name, delimiter, special_use, is_inbox, "
                          "subscribed, selectable) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                          "ON CONFLICT (account_id, name) DO UPDATE SET display_name = excluded.display_name, "
                          "delimiter = excluded.delimiter, special_use = excluded.special_use, "
                          "subscribed = excluded.subscribed, selectable = excluded.selectable "
                          "RETURNING id"));
    q.bind(accountId)
        .bind(folder.name)
        .bind(folder.displayName.isNull() ? QString::fromUtf8(folder.name) : folder.displayName)
        .bind(folder.delimiter.isEmpty() ? QVariant() : QVariant(folder.delimiter))
        .bind(folder.specialUse)
        .bind(isInboxName(folder.name))
        .bind(folder.subscribed)
        .bind(folder.selectable);
    if (Error e = q.exec())
        return e;
    if (!q.next())
        return Error::make(Error::Kind::Storage, QStringLiteral("folder upsert returned no id"));
    return q.value(0).toLongLong();
}

Result<Folder> FolderStore::get(qint64 folderId)
{
    Statement q(m_db, QLatin1String(kColumns) + QStringLiteral(" WHERE id = ?"));
    q.bind(folderId);
    if (Error e = q.exec())
        return e;
    if (!q.next())
        return Error::make(Error::Kind::Storage, QStringLiteral("no folder with id %1").arg(folderId));
    return readFolder(q);
}

Result<qint64> FolderStore::findByName(qint64 accountId, const QByteArray &name)
{
    Statement q(m_db, QStringLiteral("SELECT id FROM folders WHERE account_id = ? AND name = ?"));
    q.bind(accountId).bind(name);
    if (Error e = q.exec())
        return e;
    return q.next() ? q.value(0).toLongLong() : qint64(0);
}

Result<QList<Folder>> FolderStore::list(qint64 accountId)
{
    Statement q(m_db, QLatin1String(kColumns) + QStringLiteral(" WHERE account_id = ? ORDER BY is_inbox DESC, name"));
    q.bind(accountId);
    if (Error e = q.exec())
        return e;
    QList<Folder> out;
    while (q.next())
        out << readFolder(q);
    return out;
}

Error FolderStore::remove(qint64 folderId)
{
    Transaction t(m_db);
    if (t.error())
        return t.error();
    Statement q(m_db, QStringLiteral("DELETE FROM folders WHERE id = ?"));
    q.bind(folderId);
    if (Error e = q.exec())
        return e;
    return t.commit();
}

Error FolderStore::rename(qint64 folderId, const QByteArray &name, const QString &displayName)
{
    Statement q(m_db, QStringLiteral("UPDATE folders SET name = ?, display_name = ? WHERE id = ?"));
    q.bind(name).bind(displayName).bind(folderId);
    return q.exec();
}

Error FolderStore::setSyncState(qint64 folderId, quint32 uidNext, quint64 highestModSeq)
{
    Statement q(m_db, QStringLiteral("UPDATE folders SET uidnext = ?, highestmodseq = ? WHERE id = ?"));
    q.bind(qint64(uidNext)).bind(qint64(highestModSeq)).bind(folderId);
    if (Error e = q.exec())
        return e;
    if (q.rowsAffected() != 1)
        return Error::make(Error::Kind::Storage, QStringLiteral("no folder with id %1").arg(folderId));
    return {};
}

Result<bool> FolderStore::applyUidValidity(qint64 folderId, quint32 uidValidity)
{
    Transaction t(m_db, Durability::Full);
    if (t.error())
        return t.error();

    quint32 old = 0;
    {
        Statement q(m_db, QStringLiteral("SELECT uidvalidity FROM folders WHERE id = ?"));
        q.bind(folderId);
        if (Error e = q.exec())
            return e;
        if (!q.next())
            return Error::make(Error::Kind::Storage, QStringLiteral("no folder with id %1").arg(folderId));
        old = quint32(q.value(0).toLongLong());
    }
    if (old == uidValidity)
        return false;

    // Rows under any other UIDVALIDITY name messages that no longer exist under those UIDs
    // (a first SELECT has old == 0 and finds none).
    {
        Statement q(m_db, QStringLiteral(
                              "DELETE FROM messages WHERE folder_id = ? AND uid IS NOT NULL AND uidvalidity <> ?"));
        q.bind(folderId).bind(qint64(uidValidity));
        if (Error e = q.exec())
            return e;
    }
    {
        Statement q(m_db, QStringLiteral(
                              "UPDATE pending_operations SET state = 'cancelled', last_error = ?, updated_at = ? "
                              "WHERE folder_id = ? AND uids <> '' AND uidvalidity IS NOT NULL AND uidvalidity <> ? "
                              "AND state IN ('queued', 'in_flight')"));
        q.bind(QStringLiteral("UIDVALIDITY changed from %1 to %2").arg(old).arg(uidValidity))
            .bind(toDbTime(m_db.clock().now()))
            .bind(folderId)
            .bind(qint64(uidValidity));
        if (Error e = q.exec())
            return e;
    }
    {
        Statement q(m_db, QStringLiteral(
                              "UPDATE folders SET uidvalidity = ?, uidnext = 0, highestmodseq = 0 WHERE id = ?"));
        q.bind(qint64(uidValidity)).bind(folderId);
        if (Error e = q.exec())
            return e;
    }
    if (Error e = t.commit())
        return e;
    return old != 0;
}

Result<QList<FolderCounts>> FolderStore::counts()
{
    Statement q(m_db, QStringLiteral("SELECT id, account_id, unread_count, total_count FROM folders ORDER BY id"));
    if (Error e = q.exec())
        return e;
    QList<FolderCounts> out;
    while (q.next())
        out << FolderCounts{q.value(0).toLongLong(), q.value(1).toLongLong(), q.value(2).toInt(), q.value(3).toInt()};
    return out;
}

Error FolderStore::recount(qint64 folderId)
{
    Statement q(m_db, QStringLiteral(
                          "UPDATE folders SET "
                          "unread_count = (SELECT count(*) FROM messages WHERE folder_id = folders.id AND (flags & 1) = 0), "
                          "total_count = (SELECT count(*) FROM messages WHERE folder_id = folders.id) WHERE id = ?"));
    q.bind(folderId);
    return q.exec();
}

} // namespace Tidings::Store
