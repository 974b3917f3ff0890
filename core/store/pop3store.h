// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/store/messagestore.h"
#include "core/store/result.h"

#include <QDateTime>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

namespace Tidings::Store {

class Database;

/// What the store remembers of one POP3 message (RFC 1939 UIDL).
struct Pop3Record {
    qint64 accountId = 0;
    QString uidl;
    qint64 messageId = 0; ///< the local copy; 0 once the user deleted it (the UIDL stays known)
    QDateTime firstSeen;
    bool deletedOnServer = false;
    friend bool operator==(const Pop3Record &, const Pop3Record &) = default;
};

/// One downloaded message for Pop3Store::storeMessages().
struct Pop3Download {
    QString uidl;
    MessageHeader header;
    QByteArray raw;
};

/// What Pop3Store::storeMessages() did with one download.
struct Pop3Stored {
    qint64 messageId = 0; ///< the local copy (for a known UIDL: the existing one, 0 if deleted here)
    bool isNew = false;   ///< false: the UIDL was already known and nothing was written
    friend bool operator==(const Pop3Stored &, const Pop3Stored &) = default;
};

/// POP3 state: which UIDLs were downloaded, and which were deleted on the server.
///
/// The poller's order is: storeMessage() (message, raw bytes and UIDL committed together with
/// synchronous=FULL), then DELE, then markDeletedOnServer(). A crash before the commit loses
/// nothing (the message is still on the server and its UIDL unknown); a crash after it
/// duplicates nothing (the UIDL is known). Every write is Durability::Full.
class Pop3Store final
{
public:
    explicit Pop3Store(Database &db)
        : m_db(db)
    {}

    /// Every UIDL already downloaded for the account.
    [[nodiscard]] Result<QSet<QString>> knownUidls(qint64 accountId);
    /// Stores a downloaded message into @p folderId (its INBOX) with its raw bytes as the
    /// complete "" section and its UIDL, in one durable transaction. If the UIDL is already
    /// known, nothing is written and the existing message id (0 if deleted locally) returned.
    [[nodiscard]] Result<qint64> storeMessage(qint64 folderId, const QString &uidl,
                                              const MessageHeader &header, const QByteArray &raw);
    /// storeMessage() for a group in one durable transaction (the caller's, if one is open; it
    /// must be Full): the list rows, the raw bytes of all of them in one pack file
    /// (PartStore::storePacked, synced before the commit) and the UIDLs. One entry per download,
    /// in order; a UIDL already known (also earlier in the same group) writes nothing.
    [[nodiscard]] Result<QList<Pop3Stored>> storeMessages(qint64 folderId,
                                                          const QList<Pop3Download> &downloads);
    /// Records that DELE of these UIDLs was accepted (after QUIT ended the transaction).
    Error markDeletedOnServer(qint64 accountId, const QStringList &uidls);
    /// UIDLs still on the server that were first seen before @p before ("leave on server for
    /// N days"), oldest first.
    [[nodiscard]] Result<QStringList> dueForDeletion(qint64 accountId, const QDateTime &before);
    /// Forgets records of UIDLs the server no longer lists (the maildrop dropped them).
    [[nodiscard]] Result<int> forgetMissing(qint64 accountId, const QSet<QString> &onServer);
    [[nodiscard]] Result<QList<Pop3Record>> records(qint64 accountId);

    /// Downloaded messages of the account whose body is not indexed yet: stored (with their
    /// header row) by the download path, but without a message_text row, i.e. without preview,
    /// attachment flag and body search text. Ascending ids above @p afterMessageId (a cursor for
    /// the next batch), at most @p limit.
    [[nodiscard]] Result<QList<qint64>> unindexedMessages(qint64 accountId, qint64 afterMessageId, int limit);
    /// Completes a downloaded message after its full parse: preview, has-attachments and the
    /// body text for search (an empty text still marks the message indexed). Runs in the
    /// caller's transaction, if any.
    Error setIndexed(qint64 messageId, const QString &preview, bool hasAttachments,
                     const QString &searchText);

private:
    Database &m_db;
};

} // namespace Tidings::Store
