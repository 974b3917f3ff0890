// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/store/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace Tidings::Store {

class Database;

/// A change made locally that the server has not seen yet ("local first, server after").
struct PendingOperation {
    enum class Kind { StoreFlags, Move, Copy, Expunge, Append, CreateFolder, DeleteFolder, RenameFolder, Subscribe, Unsubscribe };
    enum class State { Queued, InFlight, Done, Failed, Cancelled };

    qint64 id = 0;             ///< also the replay order within the account
    qint64 accountId = 0;
    Kind kind = Kind::StoreFlags;
    qint64 folderId = 0;       ///< 0 when the folder no longer exists locally
    QByteArray folderName;     ///< server name bytes at queue time
    quint32 uidValidity = 0;   ///< of folderName when uids were taken; 0 when no UIDs are named
    QString uids;              ///< an IMAP sequence set of UIDs ("4,7:9"), or empty
    QByteArray targetFolderName;
    QByteArray payload;        ///< kind-specific, owned by the sync engine (flags to set, raw message, ...)
    State state = State::Queued;
    int attempts = 0;
    QString lastError;
    QDateTime createdAt;
    QDateTime updatedAt;
};

/// The pending_operations queue.
///
/// Replay contract, per account, in id order: next() hands out the oldest operation that is
/// queued or in flight; the engine calls markInFlight() before it sends the command and
/// markDone() after the tagged OK. Each transition succeeds once (markDone twice is an error),
/// so an operation is never completed twice. After a crash, an in-flight operation comes back
/// from next() with attempts > 0: the engine replays it only if it is idempotent on the server
/// (flag stores, UID EXPUNGE, UID MOVE of UIDs that are gone are all safe) — the store keeps
/// the facts, the engine decides. Every write is committed with synchronous=FULL
/// (Durability::Full): losing a queued delete would resurrect mail, losing a done mark would
/// replay it.
class PendingOperationStore final
{
public:
    explicit PendingOperationStore(Database &db) : m_db(db) {}

    /// Queues an operation and returns its id. Inside a caller's transaction (e.g. together
    /// with the local change it mirrors) that transaction must be Durability::Full.
    [[nodiscard]] Result<qint64> enqueue(const PendingOperation &operation);
    /// The oldest queued or in-flight operation of an account, if any.
    [[nodiscard]] Result<std::optional<PendingOperation>> next(qint64 accountId);
    /// Every queued or in-flight operation of an account, in replay order.
    [[nodiscard]] Result<QList<PendingOperation>> pending(qint64 accountId);
    [[nodiscard]] Result<PendingOperation> get(qint64 id);

    /// Queued (or in flight from before a restart) → in flight; counts an attempt.
    Error markInFlight(qint64 id);
    /// In flight → done. Exactly once: a second call fails.
    Error markDone(qint64 id);
    /// In flight → queued again after a transient failure (connection lost), keeping the order.
    Error requeue(qint64 id, const QString &error);
    /// In flight → failed for good (the server refused it); replay moves on to the next one.
    Error markFailed(qint64 id, const QString &error);
    /// Deletes done and cancelled operations last changed before @p before. Returns the count.
    [[nodiscard]] Result<int> purgeFinished(const QDateTime &before);

    [[nodiscard]] static QString kindName(PendingOperation::Kind kind);
    [[nodiscard]] static QString stateName(PendingOperation::State state);

private:
    Error transition(qint64 id, const QString &from, const QString &to, bool countAttempt, const QString &error,
                     const char *what);

    Database &m_db;
};

} // namespace Tidings::Store
