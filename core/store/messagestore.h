// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/store/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QFlags>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace Tidings::Store {

class Database;
class HeaderRows;

/// System flags (RFC 3501 §2.3.2) and the common $Forwarded/$Junk keywords as bits; every
/// other keyword is kept as text. Seen is bit 0: the schema's unread triggers rely on it.
enum class MessageFlag : quint32 {
    Seen = 1u << 0,
    Answered = 1u << 1,
    Flagged = 1u << 2,
    Deleted = 1u << 3,
    Draft = 1u << 4,
    Forwarded = 1u << 5, ///< $Forwarded
    Junk = 1u << 6,      ///< $Junk
};
Q_DECLARE_FLAGS(MessageFlags, MessageFlag)

/// Splits IMAP flag atoms ("\\Seen", "$Forwarded", "project-x") into bits and other keywords.
[[nodiscard]] MessageFlags flagsFromImap(const QList<QByteArray> &atoms, QStringList *keywords = nullptr);
/// The IMAP atoms for a set of bits, in a stable order.
[[nodiscard]] QList<QByteArray> flagsToImap(MessageFlags flags);

/// What the sync engines know about one message from FETCH (ENVELOPE, FLAGS, INTERNALDATE,
/// RFC822.SIZE, BODYSTRUCTURE, MODSEQ) or from a downloaded POP3 message.
struct MessageHeader {
    quint32 uid = 0;    ///< 0: no server UID (POP3, or not yet appended)
    quint64 modSeq = 0; ///< RFC 7162 MODSEQ, 0 without CONDSTORE
    MessageFlags flags;
    QStringList keywords;
    QDateTime internalDate;
    QDateTime date; ///< Date: header; invalid when absent or unreadable
    qint64 size = 0;
    QString subject;
    QString from; ///< display form, e.g. "Иван Петров <ivan@example.ru>"; several joined by ", "
    QString to;
    QString cc;
    QString messageId; ///< as in the header, with angle brackets
    QString inReplyTo;
    QString references;
    bool hasAttachments = false;
    QString preview;          ///< a short plain-text excerpt, or empty
    QByteArray bodyStructure; ///< serialized BODYSTRUCTURE, opaque to the store

    friend bool operator==(const MessageHeader &, const MessageHeader &) = default;
};

/// A cached message: its key and its header.
struct StoredMessage {
    qint64 id = 0;
    qint64 accountId = 0;
    qint64 folderId = 0;
    quint32 uidValidity = 0;
    QDateTime sortDate; ///< Date:, else INTERNALDATE: the list's order
    MessageHeader header;
};

/// A server's flag report for one UID (FETCH FLAGS, possibly with MODSEQ).
struct FlagUpdate {
    quint32 uid = 0;
    MessageFlags flags;
    QStringList keywords;
    quint64 modSeq = 0; ///< 0 leaves the stored MODSEQ unchanged
};

/// Keyset pagination: the (sortDate, id) of the last row already shown.
struct PageCursor {
    qint64 sortDate = 0;
    qint64 id = 0;
    friend bool operator==(const PageCursor &, const PageCursor &) = default;
};

struct MessagePage {
    QList<StoredMessage> messages;
    std::optional<PageCursor> next; ///< set when the page was full: pass it to get the next page
};

/// The messages table and its search index.
///
/// A server message is named by (folder, UIDVALIDITY, UID); the same UID under another
/// UIDVALIDITY is another message. Inserting a header that is already cached updates it in
/// place, so re-syncing never duplicates. Bulk writes take one transaction per call (a
/// SAVEPOINT inside a caller's transaction).
class MessageStore final
{
public:
    explicit MessageStore(Database &db)
        : m_db(db)
    {}

    /// Inserts or updates headers by (folder, uidValidity, uid), in one transaction. A header
    /// with an empty preview or BODYSTRUCTURE keeps the stored one (a flags-and-envelope
    /// refresh does not erase what a body fetch found). Every uid must be non-zero.
    Error upsertHeaders(qint64 folderId, quint32 uidValidity, const QList<MessageHeader> &headers);
    /// The same for rows already in the store's form (a header sync's chunk).
    Error upsertHeaders(qint64 folderId, quint32 uidValidity, const HeaderRows &rows);
    /// Stores a message that has no server UID (a POP3 download, a draft not yet appended).
    [[nodiscard]] Result<qint64> insertLocal(qint64 folderId, const MessageHeader &header);
    /// The same for many (a POP3 commit group), in one statement prepared once; the new ids in
    /// the order of @p headers.
    [[nodiscard]] Result<QList<qint64>> insertLocalRows(qint64 folderId, QList<MessageHeader> headers);

    /// Applies the server's flags (FETCH FLAGS / CONDSTORE changes) for UIDs of one folder.
    Error applyFlags(qint64 folderId, quint32 uidValidity, const QList<FlagUpdate> &updates);
    /// A local flag change ("local first"): adds and removes bits on messages by id.
    Error changeFlags(const QList<qint64> &messageIds, MessageFlags add, MessageFlags remove);
    /// Removes messages the server expunged (EXPUNGE, VANISHED, RFC 7162 §3.2.10).
    Error expungeUids(qint64 folderId, quint32 uidValidity, const QList<quint32> &uids);
    /// Removes messages by id (a local delete of local-only messages, a move's source rows).
    Error remove(const QList<qint64> &messageIds);
    /// Moves messages to another folder of the same account locally: they lose their UID
    /// (the destination's UID arrives with the next sync or COPYUID).
    Error moveLocal(const QList<qint64> &messageIds, qint64 targetFolderId);
    /// Gives a local-only message its server UID (after APPEND with APPENDUID or MOVE with
    /// COPYUID, RFC 4315), so the next sync updates it instead of adding a copy.
    Error assignUid(qint64 messageId, quint32 uidValidity, quint32 uid);

    /// The UIDs cached for a folder under a UIDVALIDITY, ascending.
    [[nodiscard]] Result<QList<quint32>> uids(qint64 folderId, quint32 uidValidity);
    [[nodiscard]] Result<StoredMessage> get(qint64 messageId);
    [[nodiscard]] Result<std::optional<StoredMessage>> findByUid(qint64 folderId, quint32 uidValidity,
                                                                 quint32 uid);
    /// Every cached copy of a Message-ID (angle brackets included), newest first.
    [[nodiscard]] Result<QList<StoredMessage>> findByMessageId(const QString &messageId);

    /// One page of a folder, newest first (sort date, then id). Keyset: pass the previous
    /// page's next cursor.
    [[nodiscard]] Result<MessagePage> folderPage(qint64 folderId, int limit,
                                                 std::optional<PageCursor> after = {});
    /// The same order by LIMIT/OFFSET (for views that jump to a row number).
    [[nodiscard]] Result<QList<StoredMessage>> folderPageAt(qint64 folderId, int limit, int offset);
    /// The unified inbox: every account's INBOX together, newest first.
    [[nodiscard]] Result<MessagePage> unifiedInboxPage(int limit, std::optional<PageCursor> after = {});

    /// Sets the decoded text of a message for full-text search (replacing any earlier text).
    Error setSearchText(qint64 messageId, const QString &text);
    /// Full-text search over subject, From/To/Cc and the search text. Every word of @p text
    /// must match (as a prefix; case and diacritics are ignored: "elements" finds "éléments").
    /// Restricted to one account when @p accountId is non-zero. The newest @p limit matches
    /// in arrival order, returned newest first by date.
    [[nodiscard]] Result<QList<StoredMessage>> search(const QString &text, int limit, qint64 accountId = 0);
    /// While @p deferred, messages inserted into the folder are left out of the search index and
    /// noted as pending (schema 5): the first sync of a large folder writes its list rows
    /// without tokenising each one, and indexPendingSearch() indexes them in batches afterwards.
    Error setSearchDeferred(qint64 folderId, bool deferred);
    /// Indexes up to @p batch pending messages (the oldest notes first: for a newest-first sync,
    /// the newest messages) in one transaction with one INSERT ... SELECT. Returns how many were
    /// indexed; 0 when nothing is pending.
    [[nodiscard]] Result<int> indexPendingSearch(int batch);
    /// How many messages wait for the search index.
    [[nodiscard]] Result<qint64> pendingSearchCount();

    /// The FTS5 query search() runs for @p text: each word quoted, prefix-matched, ANDed;
    /// a Russian word with е or ё matches both spellings.
    [[nodiscard]] static QString ftsQuery(const QString &text);

private:
    Result<MessagePage> page(const QString &where, const QVariantList &binds, int limit,
                             std::optional<PageCursor> after);

    Database &m_db;
};

} // namespace Tidings::Store

Q_DECLARE_OPERATORS_FOR_FLAGS(Tidings::Store::MessageFlags)
