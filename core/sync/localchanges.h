// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/error.h"
#include "core/store/messagestore.h"
#include "core/store/result.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>

namespace Tidings::Store {
class Database;
}

namespace Tidings::Sync {

/// How a delete reaches an IMAP server.
enum class DeleteMode {
    MoveToTrash, ///< UID MOVE to the folder with \Trash (RFC 6154); in Trash itself: expunge
    Expunge,     ///< UID STORE +FLAGS (\Deleted), then UID EXPUNGE (RFC 4315)
};

/// "Local first, server after": every change a person makes is written to the store at once
/// (the list updates immediately) and, in the same Durability::Full transaction, queued as a
/// pending operation that PendingReplayer sends when the server is reachable. Because both
/// writes commit together, a crash never leaves a local change without its queued operation,
/// nor an operation without its local change.
///
/// UIDs are taken from the store with the folder's UIDVALIDITY at queue time; messages without
/// a server UID (not yet appended, or moved locally and waiting for the server) are changed
/// locally only: their own queued APPEND/MOVE carries them to the server.
class LocalChanges final : public QObject
{
    Q_OBJECT
public:
    explicit LocalChanges(Store::Database &db, QObject *parent = nullptr);

    Error setFlags(const QList<qint64> &messageIds, Store::MessageFlags add, Store::MessageFlags remove);
    Error move(const QList<qint64> &messageIds, qint64 targetFolderId);
    Error copy(const QList<qint64> &messageIds, qint64 targetFolderId);
    /// Deletes: to the account's Trash (or expunges in Trash itself), or \Deleted + UID EXPUNGE.
    Error remove(const QList<qint64> &messageIds, DeleteMode mode = DeleteMode::MoveToTrash);
    /// Stores a message in a folder (a draft, a sent copy): a local row now, APPEND later.
    [[nodiscard]] Store::Result<qint64> append(qint64 folderId, const QByteArray &raw, Store::MessageFlags flags);
    [[nodiscard]] Store::Result<qint64> createFolder(qint64 accountId, const QString &displayName, const QString &delimiter);
    Error renameFolder(qint64 folderId, const QString &newDisplayName);
    Error deleteFolder(qint64 folderId);

Q_SIGNALS:
    /// Something was queued for this account: the engine should replay when it can.
    void queued(qint64 accountId);

private:
    struct Group;
    [[nodiscard]] Store::Result<QList<Group>> group(const QList<qint64> &messageIds);
    Error moveOrCopy(const QList<qint64> &messageIds, qint64 targetFolderId, bool move);

    Store::Database &m_db;
};

} // namespace Tidings::Sync
