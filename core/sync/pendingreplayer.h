// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/error.h"
#include "core/store/pendingoperationstore.h"

#include <QObject>
#include <QPointer>

#include <functional>

namespace Tidings::Imap {
class Session;
struct SelectedMailbox;
}
namespace Tidings::Store {
class Database;
}

namespace Tidings::Sync {

/// Replays an account's pending operations (PendingOperationStore) on a logged-in session,
/// oldest first, and stops at the first one that could not reach the server.
///
/// Mapping: StoreFlags → UID STORE ±FLAGS.SILENT; Move → UID MOVE, or UID COPY + UID STORE
/// \Deleted + UID EXPUNGE (MoveJob); Copy → UID COPY; Expunge → UID STORE +FLAGS.SILENT
/// (\Deleted) + UID EXPUNGE of exactly those UIDs; Append → APPEND; CreateFolder, RenameFolder,
/// DeleteFolder, Subscribe, Unsubscribe → the matching command. COPYUID and APPENDUID (RFC 4315)
/// give the local rows their server UIDs, so the next sync updates them instead of adding copies;
/// without UIDPLUS the local rows are removed and the sync brings the server's copies.
///
/// Exactly once. markInFlight() is written (synchronously, Durability::Full) before the command
/// is sent and markDone() after its tagged OK. An operation found in flight (attempts > 0: a
/// crash or a lost connection after sending) may have been applied: flag stores, expunges,
/// moves of UIDs and folder commands are replayed because repeating them changes nothing
/// (ALREADYEXISTS / NONEXISTENT count as done); an APPEND first searches the target for its
/// Message-ID; a COPY is not repeated.
///
/// Staleness. Before a UID reaches a STORE, MOVE, COPY or EXPUNGE, the folder is SELECTed and
/// its UIDVALIDITY compared with the one recorded when the UIDs were taken; a mismatch drops the
/// operation. UIDs the server no longer has are left out; if none is left the operation is
/// dropped (operationDropped() says so in words a person understands). A NO from the server
/// drops the operation too; a lost connection requeues it and ends the replay with that error.
class PendingReplayer final : public QObject
{
    Q_OBJECT
public:
    PendingReplayer(Imap::Session *session, Store::Database &db, qint64 accountId, QObject *parent = nullptr);
    ~PendingReplayer() override;
    Q_DISABLE_COPY_MOVE(PendingReplayer)

    void start();

Q_SIGNALS:
    void operationDone(qint64 operationId);
    void operationDropped(qint64 operationId, const QString &reason);
    void finished(const Tidings::Error &error);

private:
    void next();
    void run(const Store::PendingOperation &op);
    void selectChecked(const Store::PendingOperation &op, std::function<void(const Imap::SelectedMailbox &)> then);
    void existingUids(const Store::PendingOperation &op, std::function<void(const QList<quint32> &)> then);
    void runFlags(const Store::PendingOperation &op);
    void runMoveOrCopy(const Store::PendingOperation &op);
    void runExpunge(const Store::PendingOperation &op);
    void runAppend(const Store::PendingOperation &op);
    void sendAppend(const Store::PendingOperation &op);
    void runFolderCommand(const Store::PendingOperation &op);
    void done(const Store::PendingOperation &op);
    void drop(const Store::PendingOperation &op, const QString &reason);
    /// A job error: transient ones requeue and stop, server refusals drop the operation.
    void jobFailed(const Store::PendingOperation &op, const Error &error);
    void stop(const Error &error);
    [[nodiscard]] QString folderDisplayName(const QByteArray &name);

    QPointer<Imap::Session> m_session;
    Store::Database &m_db;
    qint64 m_accountId = 0;
    bool m_finished = false;
};

} // namespace Tidings::Sync
