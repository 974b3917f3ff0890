// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/store/pendingoperationstore.h"

#include "core/common/clock.h"
#include "core/store/database.h"

#include <array>
#include <utility>

namespace Tidings::Store {

namespace {

using Kind = PendingOperation::Kind;
using State = PendingOperation::State;

constexpr std::array<std::pair<Kind, const char *>, 10> kKinds{{
    {Kind::StoreFlags, "store_flags"},
    {Kind::Move, "move"},
    {Kind::Copy, "copy"},
    {Kind::Expunge, "expunge"},
    {Kind::Append, "append"},
    {Kind::CreateFolder, "create_folder"},
    {Kind::DeleteFolder, "delete_folder"},
    {Kind::RenameFolder, "rename_folder"},
    {Kind::Subscribe, "subscribe"},
    {Kind::Unsubscribe, "unsubscribe"},
}};

constexpr std::array<std::pair<State, const char *>, 5> kStates{{
    {State::Queued, "queued"},
    {State::InFlight, "in_flight"},
    {State::Done, "done"},
    {State::Failed, "failed"},
    {State::Cancelled, "cancelled"},
}};

constexpr auto kColumns = "SELECT id, account_id, kind, folder_id, folder_name, uidvalidity, uids, target_folder_name, "
                          "payload, state, attempts, last_error, created_at, updated_at FROM pending_operations";

PendingOperation readOperation(Statement &q)
{
    PendingOperation op;
    op.id = q.value(0).toLongLong();
    op.accountId = q.value(1).toLongLong();
    const QString kind = q.value(2).toString();
    for (const auto &[k, name] : kKinds) {
        if (kind == QLatin1String(name))
            op.kind = k;
    }
    op.folderId = q.value(3).toLongLong();
    op.folderName = q.value(4).toByteArray();
    op.uidValidity = quint32(q.value(5).toLongLong());
    op.uids = q.value(6).toString();
    op.targetFolderName = q.value(7).toByteArray();
    op.payload = q.value(8).toByteArray();
    const QString state = q.value(9).toString();
    for (const auto &[s, name] : kStates) {
        if (state == QLatin1String(name))
            op.state = s;
    }
    op.attempts = q.value(10).toInt();
    op.lastError = q.value(11).toString();
    op.createdAt = fromDbTime(q.value(12));
    op.updatedAt = fromDbTime(q.value(13));
    return op;
}

} // namespace

QString PendingOperationStore::kindName(PendingOperation::Kind kind)
{
    for (const auto &[k, name] : kKinds) {
        if (k == kind)
            return QLatin1String(name);
    }
    return {};
}

QString PendingOperationStore::stateName(PendingOperation::State state)
{
    for (const auto &[s, name] : kStates) {
        if (s == state)
            return QLatin1String(name);
    }
    return {};
}

Result<qint64> PendingOperationStore::enqueue(const PendingOperation &op)
{
    Transaction t(m_db, Durability::Full);
    if (t.error())
        return t.error();
    const QVariant now = toDbTime(m_db.clock().now());
    Statement q(m_db, QStringLiteral("INSERT INTO pending_operations (account_id, kind, folder_id, folder_name, uidvalidity, "
                                     "uids, target_folder_name, payload, state, created_at, updated_at) "
                                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)"));
    q.bind(op.accountId)
        .bind(kindName(op.kind))
        .bind(op.folderId ? QVariant(op.folderId) : QVariant())
        .bind(op.folderName.isNull() ? QVariant() : QVariant(op.folderName))
        .bind(op.uidValidity ? QVariant(qint64(op.uidValidity)) : QVariant())
        .bind(op.uids)
        .bind(op.targetFolderName.isNull() ? QVariant() : QVariant(op.targetFolderName))
        .bind(op.payload.isNull() ? QVariant() : QVariant(op.payload))
        .bind(now)
        .bind(now);
    if (Error e = q.exec())
        return e;
    const qint64 id = q.lastInsertId();
    if (Error e = t.commit())
        return e;
    return id;
}

Result<std::optional<PendingOperation>> PendingOperationStore::next(qint64 accountId)
{
    Statement q(m_db, QLatin1String(kColumns) + QStringLiteral(" WHERE account_id = ? AND state IN ('queued', 'in_flight') "
                                                               "ORDER BY id LIMIT 1"));
    q.bind(accountId);
    if (Error e = q.exec())
        return e;
    if (!q.next())
        return std::optional<PendingOperation>();
    return std::optional<PendingOperation>(readOperation(q));
}

Result<QList<PendingOperation>> PendingOperationStore::pending(qint64 accountId)
{
    Statement q(m_db, QLatin1String(kColumns) + QStringLiteral(" WHERE account_id = ? AND state IN ('queued', 'in_flight') "
                                                               "ORDER BY id"));
    q.bind(accountId);
    if (Error e = q.exec())
        return e;
    QList<PendingOperation> out;
    while (q.next())
        out << readOperation(q);
    return out;
}

Result<PendingOperation> PendingOperationStore::get(qint64 id)
{
    Statement q(m_db, QLatin1String(kColumns) + QStringLiteral(" WHERE id = ?"));
    q.bind(id);
    if (Error e = q.exec())
        return e;
    if (!q.next())
        return Error::make(Error::Kind::Storage, QStringLiteral("no pending operation with id %1").arg(id));
    return readOperation(q);
}

Error PendingOperationStore::transition(qint64 id, const QString &from, const QString &to, bool countAttempt,
                                        const QString &error, const char *what)
{
    Transaction t(m_db, Durability::Full);
    if (t.error())
        return t.error();
    Statement q(m_db, QStringLiteral("UPDATE pending_operations SET state = ?, attempts = attempts + ?, "
                                     "last_error = coalesce(?, last_error), updated_at = ? "
                                     "WHERE id = ? AND (state = ? OR state = ?)"));
    const QStringList states = from.split(u'|');
    q.bind(to)
        .bind(countAttempt ? 1 : 0)
        .bind(error.isNull() ? QVariant() : QVariant(error))
        .bind(toDbTime(m_db.clock().now()))
        .bind(id)
        .bind(states.value(0))
        .bind(states.value(1, states.value(0)));
    if (Error e = q.exec())
        return e;
    if (q.rowsAffected() != 1)
        return Error::make(Error::Kind::Storage,
                           QStringLiteral("pending operation %1 cannot be %2: it is not %3")
                               .arg(id)
                               .arg(QLatin1String(what), from));
    return t.commit();
}

Error PendingOperationStore::markInFlight(qint64 id)
{
    return transition(id, QStringLiteral("queued|in_flight"), QStringLiteral("in_flight"), true, {}, "started");
}

Error PendingOperationStore::markDone(qint64 id)
{
    return transition(id, QStringLiteral("in_flight"), QStringLiteral("done"), false, {}, "marked done");
}

Error PendingOperationStore::requeue(qint64 id, const QString &error)
{
    return transition(id, QStringLiteral("in_flight"), QStringLiteral("queued"), false,
                      error.isNull() ? QStringLiteral("") : error, "requeued");
}

Error PendingOperationStore::markFailed(qint64 id, const QString &error)
{
    return transition(id, QStringLiteral("in_flight"), QStringLiteral("failed"), false,
                      error.isNull() ? QStringLiteral("") : error, "marked failed");
}

Result<int> PendingOperationStore::purgeFinished(const QDateTime &before)
{
    Transaction t(m_db, Durability::Full);
    if (t.error())
        return t.error();
    Statement q(m_db, QStringLiteral("DELETE FROM pending_operations WHERE state IN ('done', 'cancelled') AND updated_at < ?"));
    q.bind(toDbTime(before));
    if (Error e = q.exec())
        return e;
    const int count = q.rowsAffected();
    if (Error e = t.commit())
        return e;
    return count;
}

} // namespace Tidings::Store
