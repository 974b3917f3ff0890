// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/clock.h"
#include "core/common/error.h"

#include <QList>
#include <QObject>
#include <QPointer>

namespace Tidings::Imap {
class Session;
}
namespace Tidings::Store {
class Database;
}

namespace Tidings::Sync {

/// The account option "keep bodies of the last N days for offline reading" (account settings
/// key `offlineBodyDays`, 0 = off): after a full sync, every server message of the account
/// whose date is within the last N days and whose whole body (section "") is not complete in
/// the PartStore is fetched with UID FETCH (BODY.PEEK[]) and stored, newest first, a few
/// messages per command. Reading such a message later needs no connection (SyncEngine::fetchBody
/// serves complete parts from the store).
///
/// Invariants. A body is stored complete only when every byte the server announced arrived
/// (a cut connection fails the FETCH job, nothing of that chunk is written). The folder is
/// selected and its UIDVALIDITY compared with the cached one before any UID is sent; a folder
/// renumbered since the header sync is skipped (the next sync refetches its headers first).
/// Messages the server no longer has are simply not answered and stay without a body. The
/// session belongs to the caller (ImapSync); this object only queues jobs on it and finishes
/// once.
class OfflineBodies final : public QObject
{
    Q_OBJECT
public:
    OfflineBodies(Imap::Session *session, Store::Database &db, qint64 accountId, int days, Clock &clock,
                  QObject *parent = nullptr);
    ~OfflineBodies() override;
    Q_DISABLE_COPY_MOVE(OfflineBodies)

    /// Messages per UID FETCH.
    void setChunk(int messages) { m_chunk = std::max(1, messages); }
    void start();
    /// Bodies stored by this run.
    [[nodiscard]] int stored() const { return m_stored; }

Q_SIGNALS:
    void finished(const Tidings::Error &error);

private:
    struct Folder {
        qint64 id = 0;
        QByteArray name;
        QString displayName;
        quint32 uidValidity = 0;
    };
    struct Wanted {
        qint64 messageId = 0;
        quint32 uid = 0;
    };

    Error loadFolders();
    Error loadWanted(const Folder &folder, QList<Wanted> *out);
    void nextFolder();
    void fetchNextChunk();
    void finish(const Error &error);

    QPointer<Imap::Session> m_session;
    Store::Database &m_db;
    qint64 m_accountId = 0;
    int m_days = 0;
    Clock &m_clock;
    int m_chunk = 20;
    QList<Folder> m_folders;
    Folder m_current;
    QList<Wanted> m_wanted; ///< newest first
    int m_stored = 0;
    bool m_finished = false;
};

} // namespace Tidings::Sync
