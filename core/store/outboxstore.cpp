// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/store/outboxstore.h"

#include "core/common/clock.h"
#include "core/store/database.h"

namespace Tidings::Store {

namespace {

using State = OutboxItem::State;

constexpr auto kColumns = "SELECT id, account_id, raw_message, envelope_from, recipients, state, last_error, attempts, "
                          "next_attempt_at, sent_copy_appended, created_at, updated_at FROM outbox";

State stateFromName(const QString &name)
{
    if (name == u"sending")
        return State::Sending;
    if (name == u"sent")
        return State::Sent;
    if (name == u"failed")
        return State::Failed;
    if (name == u"uncertain")
        return State::Uncertain;
    return State::Queued;
}

OutboxItem readItem(Statement &q)
{
    OutboxItem item;
    item.id = q.value(0).toLongLong();
    item.accountId = q.value(1).toLongLong();
    item.rawMessage = q.value(2).toByteArray();
    item.envelopeFrom = q.value(3).toString();
    item.recipients = q.value(4).toString().split(u'\n', Qt::SkipEmptyParts);
    item.state = stateFromName(q.value(5).toString());
    item.lastError = q.value(6).toString();
    item.attempts = q.value(7).toInt();
    item.nextAttemptAt = fromDbTime(q.value(8));
    item.sentCopyAppended = q.value(9).toBool();
    item.createdAt = fromDbTime(q.value(10));
    item.updatedAt = fromDbTime(q.value(11));
    return item;
}

} // namespace

QString OutboxStore::stateName(OutboxItem::State state)
{
    switch (state) {
    case State::Queued: return QStringLiteral("queued");
    case State::Sending: return QStringLiteral("sending");
    case State::Sent: return QStringLiteral("sent");
    case State::Failed: return QStringLiteral("failed");
    case State::Uncertain: return QStringLiteral("uncertain");
    }
    return {};
}

Result<qint64> OutboxStore::enqueue(qint64 accountId, const QByteArray &rawMessage, const QString &envelopeFrom,
                                    const QStringList &recipients)
{
    if (recipients.isEmpty())
        return Error::make(Error::Kind::Config, QStringLiteral("a message needs at least one recipient"));
    Transaction t(m_db, Durability::Full);
    if (t.error())
        return t.error();
    const QVariant now = toDbTime(m_db.clock().now());
    Statement q(m_db, QStringLiteral("INSERT INTO outbox (account_id, raw_message, envelope_from, recipients, state, "
                                     "created_at, updated_at) VALUES (?, ?, ?, ?, 'queued', ?, ?)"));
    q.bind(accountId).bind(rawMessage).bind(envelopeFrom).bind(recipients.join(u'\n')).bind(now).bind(now);
    if (Error e = q.exec())
        return e;
    const qint64 id = q.lastInsertId();
    if (Error e = t.commit())
        return e;
    return id;
}

Result<std::optional<OutboxItem>> OutboxStore::nextDue(qint64 accountId, const QDateTime &now)
{
    Statement q(m_db, QLatin1String(kColumns) + QStringLiteral(
                                                    " WHERE account_id = ? AND (state = 'queued' OR (state = 'failed' "
                                                    "AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?)) "
                                                    "ORDER BY id LIMIT 1"));
    q.bind(accountId).bind(toDbTime(now));
    if (Error e = q.exec())
        return e;
    if (!q.next())
        return std::optional<OutboxItem>();
    return std::optional<OutboxItem>(readItem(q));
}

Result<OutboxItem> OutboxStore::get(qint64 id)
{
    Statement q(m_db, QLatin1String(kColumns) + QStringLiteral(" WHERE id = ?"));
    q.bind(id);
    if (Error e = q.exec())
        return e;
    if (!q.next())
        return Error::make(Error::Kind::Storage, QStringLiteral("no outbox item with id %1").arg(id));
    return readItem(q);
}

Result<QList<OutboxItem>> OutboxStore::list(qint64 accountId)
{
    Statement q(m_db, QLatin1String(kColumns) + QStringLiteral(" WHERE ? = 0 OR account_id = ? ORDER BY id"));
    q.bind(accountId).bind(accountId);
    if (Error e = q.exec())
        return e;
    QList<OutboxItem> out;
    while (q.next())
        out << readItem(q);
    return out;
}

Error OutboxStore::transition(qint64 id, const QStringList &from, OutboxItem::State to, const QString &sets,
                              const QVariantList &binds)
{
    Transaction t(m_db, Durability::Full);
    if (t.error())
        return t.error();
    QStringList placeholders;
    for (qsizetype i = 0; i < from.size(); ++i)
        placeholders << QStringLiteral("?");
    Statement q(m_db, QStringLiteral("UPDATE outbox SET state = ?, updated_at = ?") + sets +
                          QStringLiteral(" WHERE id = ? AND state IN (") + placeholders.join(QStringLiteral(", ")) +
                          u')');
    q.bind(stateName(to)).bind(toDbTime(m_db.clock().now()));
    for (const QVariant &v : binds)
        q.bind(v);
    q.bind(id);
    for (const QString &state : from)
        q.bind(state);
    if (Error e = q.exec())
        return e;
    if (q.rowsAffected() != 1)
        return Error::make(Error::Kind::Storage, QStringLiteral("outbox item %1 cannot become %2: it is not %3")
                                                     .arg(id)
                                                     .arg(stateName(to), from.join(QStringLiteral(" or "))));
    return t.commit();
}

Error OutboxStore::markSending(qint64 id)
{
    return transition(id, {QStringLiteral("queued"), QStringLiteral("failed")}, State::Sending,
                      QStringLiteral(", attempts = attempts + 1"), {});
}

Error OutboxStore::markSent(qint64 id)
{
    return transition(id, {QStringLiteral("sending")}, State::Sent,
                      QStringLiteral(", last_error = NULL, next_attempt_at = NULL"), {});
}

Error OutboxStore::markFailed(qint64 id, const QString &error, const QDateTime &nextAttemptAt)
{
    return transition(id, {QStringLiteral("sending")}, State::Failed,
                      QStringLiteral(", last_error = ?, next_attempt_at = ?"), {error, toDbTime(nextAttemptAt)});
}

Error OutboxStore::markUncertain(qint64 id, const QString &error)
{
    return transition(id, {QStringLiteral("sending")}, State::Uncertain,
                      QStringLiteral(", last_error = ?, next_attempt_at = NULL"), {error});
}

Error OutboxStore::markSentCopyAppended(qint64 id)
{
    return transition(id, {QStringLiteral("sent")}, State::Sent, QStringLiteral(", sent_copy_appended = 1"), {});
}

Error OutboxStore::requeue(qint64 id)
{
    return transition(id, {QStringLiteral("failed"), QStringLiteral("uncertain")}, State::Queued,
                      QStringLiteral(", next_attempt_at = NULL"), {});
}

Error OutboxStore::remove(qint64 id)
{
    Transaction t(m_db, Durability::Full);
    if (t.error())
        return t.error();
    Statement q(m_db, QStringLiteral("DELETE FROM outbox WHERE id = ? AND state <> 'sending'"));
    q.bind(id);
    if (Error e = q.exec())
        return e;
    if (q.rowsAffected() != 1)
        return Error::make(Error::Kind::Storage, QStringLiteral("outbox item %1 does not exist or is being sent").arg(id));
    return t.commit();
}

Result<int> OutboxStore::recoverInterrupted()
{
    Transaction t(m_db, Durability::Full);
    if (t.error())
        return t.error();
    Statement q(m_db, QStringLiteral("UPDATE outbox SET state = 'uncertain', updated_at = ?, last_error = "
                                     "'the program stopped while this message was being sent' WHERE state = 'sending'"));
    q.bind(toDbTime(m_db.clock().now()));
    if (Error e = q.exec())
        return e;
    const int count = q.rowsAffected();
    if (Error e = t.commit())
        return e;
    return count;
}

} // namespace Tidings::Store
