// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/store/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace Tidings::Store {

class Database;

/// One message waiting to be sent, and what became of it.
struct OutboxItem {
    /// queued → sending → sent; sending → failed (retry at nextAttemptAt) or uncertain (the
    /// connection ended after the data and before the server's reply: it may have been sent,
    /// so it is never re-sent without the user's word); failed/uncertain → queued by the user.
    enum class State { Queued, Sending, Sent, Failed, Uncertain };

    qint64 id = 0;
    qint64 accountId = 0;
    QByteArray rawMessage;
    QString envelopeFrom;
    QStringList recipients;
    State state = State::Queued;
    QString lastError;
    int attempts = 0;
    QDateTime nextAttemptAt;
    bool sentCopyAppended = false; ///< the copy in Sent exists (IMAP APPEND or local filing)
    QDateTime createdAt;
    QDateTime updatedAt;
};

/// The outbox table. Every write is Durability::Full: a message the user sent must not vanish,
/// and one already sent must not be sent again after a power cut.
class OutboxStore final
{
public:
    explicit OutboxStore(Database &db) : m_db(db) {}

    [[nodiscard]] Result<qint64> enqueue(qint64 accountId, const QByteArray &rawMessage, const QString &envelopeFrom,
                                         const QStringList &recipients);
    /// The oldest item of the account that may be sent now: queued, or failed with its next
    /// attempt due at @p now.
    [[nodiscard]] Result<std::optional<OutboxItem>> nextDue(qint64 accountId, const QDateTime &now);
    [[nodiscard]] Result<OutboxItem> get(qint64 id);
    /// Items of one account (every account when 0), oldest first.
    [[nodiscard]] Result<QList<OutboxItem>> list(qint64 accountId = 0);

    /// queued/failed → sending; counts an attempt.
    Error markSending(qint64 id);
    /// sending → sent.
    Error markSent(qint64 id);
    /// sending → failed, with the server's reason and when to try again (invalid: only by hand).
    Error markFailed(qint64 id, const QString &error, const QDateTime &nextAttemptAt);
    /// sending → uncertain.
    Error markUncertain(qint64 id, const QString &error);
    /// sent → sent with the Sent copy recorded.
    Error markSentCopyAppended(qint64 id);
    /// failed/uncertain → queued: the user asked to send again.
    Error requeue(qint64 id);
    /// Deletes an item that is not being sent.
    Error remove(qint64 id);
    /// At start-up: items left in "sending" by a crash become "uncertain". Returns how many.
    [[nodiscard]] Result<int> recoverInterrupted();

    [[nodiscard]] static QString stateName(OutboxItem::State state);

private:
    Error transition(qint64 id, const QStringList &from, OutboxItem::State to, const QString &sets,
                     const QVariantList &binds);

    Database &m_db;
};

} // namespace Tidings::Store
