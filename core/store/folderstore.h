// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/store/result.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace Tidings::Store {

class Database;

/// A mailbox of one account (RFC 3501 LIST / RFC 6154 special use), with the sync state the
/// IMAP engine resumes from and the counts the folder tree shows.
struct Folder {
    qint64 id = 0;
    qint64 accountId = 0;
    QByteArray name;      ///< the server's mailbox name bytes, verbatim (e.g. modified UTF-7)
    QString displayName;  ///< decoded, for people
    QString delimiter;    ///< hierarchy delimiter; empty when the server said NIL
    QString specialUse;   ///< "\\Sent", "\\Trash", ... or empty
    bool isInbox = false; ///< set by the store: the name is INBOX (case-insensitive, RFC 3501 §5.1)
    bool subscribed = true;
    bool selectable = true;
    quint32 uidValidity = 0; ///< 0 until the folder is first selected
    quint32 uidNext = 0;
    quint64 highestModSeq = 0; ///< RFC 7162; 0 without CONDSTORE
    int unreadCount = 0;       ///< cached messages without \Seen (kept by triggers)
    int totalCount = 0;        ///< cached messages

    friend bool operator==(const Folder &, const Folder &) = default;
};

struct FolderCounts {
    qint64 folderId = 0;
    qint64 accountId = 0;
    int unread = 0;
    int total = 0;
    friend bool operator==(const FolderCounts &, const FolderCounts &) = default;
};

/// The folders table.
class FolderStore final
{
public:
    explicit FolderStore(Database &db) : m_db(db) {}

    /// Inserts or updates (by account and name bytes) the LIST attributes of a folder and
    /// returns its id. Sync state (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ) and counts are kept.
    [[nodiscard]] Result<qint64> upsert(qint64 accountId, const Folder &folder);
    [[nodiscard]] Result<Folder> get(qint64 folderId);
    /// The folder's id, or 0 when the account has no folder of that name.
    [[nodiscard]] Result<qint64> findByName(qint64 accountId, const QByteArray &name);
    [[nodiscard]] Result<QList<Folder>> list(qint64 accountId);
    /// Removes a folder and its cached messages.
    Error remove(qint64 folderId);
    /// Renames a folder locally (a queued RENAME, RFC 9051 §6.3.6): the row, its messages and
    /// its sync state keep their ids; the server's answer arrives with the next LIST.
    Error rename(qint64 folderId, const QByteArray &name, const QString &displayName);

    /// Records where the last sync ended (RFC 3501 UIDNEXT, RFC 7162 HIGHESTMODSEQ).
    Error setSyncState(qint64 folderId, quint32 uidNext, quint64 highestModSeq);

    /// Applies the UIDVALIDITY the server reported on SELECT (RFC 3501 §2.3.1.1). If it differs
    /// from the stored one, every cached message that names a server UID under the old value
    /// is dropped, with its parts and search text; messages with no server UID (local-only
    /// work) stay; queued UID-based pending operations for the old value are cancelled (they
    /// would touch the wrong messages), others (APPEND, folder operations) stay queued; UIDNEXT
    /// and HIGHESTMODSEQ reset. Returns true when the cache was dropped. Writes pending
    /// operations, so it runs in (or opens) a Durability::Full transaction.
    [[nodiscard]] Result<bool> applyUidValidity(qint64 folderId, quint32 uidValidity);

    /// Unread and total counts of every folder of every account (the folder tree's badges).
    [[nodiscard]] Result<QList<FolderCounts>> counts();
    /// Recomputes one folder's counts from its messages (repair; the triggers keep them).
    Error recount(qint64 folderId);

private:
    Database &m_db;
};

} // namespace Tidings::Store
