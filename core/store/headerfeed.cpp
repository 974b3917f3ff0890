// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/store/headerfeed.h"

#include <QDateTime>

#include <algorithm>
#include <new>
#include <sqlite3.h>

namespace Tidings::Store {

namespace {

/// The type name sqlite3_bind_pointer and sqlite3_value_pointer agree on: SQL cannot forge it.
constexpr char kPointerType[] = "tidings-header-feed";

enum Column {
    Uid,
    ModSeq,
    Flags,
    Keywords,
    InternalDate,
    Date,
    SortDate,
    Size,
    Subject,
    From,
    To,
    Cc,
    MessageId,
    InReplyTo,
    References,
    HasAttachments,
    Preview,
    BodyStructure,
    Bulk,
    Feed, // HIDDEN: the table-valued function's argument
};

constexpr char kDeclaration[] =
    "CREATE TABLE x(uid, modseq, flags, keywords, internal_date, date, sort_date, size, subject, "
    "from_addr, to_addr, cc_addr, message_id, in_reply_to, refs, has_attachments, preview, "
    "bodystructure, bulk, feed HIDDEN)";

int connect(sqlite3 *db, void *, int, const char *const *, sqlite3_vtab **table, char **)
{
    if (const int rc = sqlite3_declare_vtab(db, kDeclaration); rc != SQLITE_OK)
        return rc;
    // Not from a trigger or a view: only the statements MessageStore writes name it.
    sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
    auto *vtab = static_cast<sqlite3_vtab *>(sqlite3_malloc(sizeof(sqlite3_vtab)));
    if (!vtab)
        return SQLITE_NOMEM;
    *vtab = sqlite3_vtab{};
    *table = vtab;
    return SQLITE_OK;
}

int disconnect(sqlite3_vtab *table)
{
    sqlite3_free(table);
    return SQLITE_OK;
}

/// The only plan: the feed given as the argument (a scan without one has no rows to give).
int bestIndex(sqlite3_vtab *, sqlite3_index_info *info)
{
    int feed = -1;
    for (int i = 0; i < info->nConstraint; ++i) {
        const auto &c = info->aConstraint[i];
        if (c.iColumn == Feed && c.op == SQLITE_INDEX_CONSTRAINT_EQ && c.usable)
            feed = i;
    }
    if (feed < 0)
        return SQLITE_CONSTRAINT;
    info->aConstraintUsage[feed].argvIndex = 1;
    info->aConstraintUsage[feed].omit = 1;
    info->estimatedCost = 1;
    info->estimatedRows = 500;
    if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == -1 && !info->aOrderBy[0].desc)
        info->orderByConsumed = 1; // rowid order is the scan's order
    return SQLITE_OK;
}

} // namespace

/// A scan: the feed from the argument, and the position in it.
struct HeaderFeedCursor {
    sqlite3_vtab_cursor base{}; // first: SQLite casts between the two
    const HeaderFeed *feed = nullptr;
    qsizetype row = 0;

    static int open(sqlite3_vtab *, sqlite3_vtab_cursor **cursor)
    {
        auto *c = new (std::nothrow) HeaderFeedCursor;
        if (!c)
            return SQLITE_NOMEM;
        *cursor = &c->base;
        return SQLITE_OK;
    }
    static HeaderFeedCursor *of(sqlite3_vtab_cursor *cursor)
    {
        return reinterpret_cast<HeaderFeedCursor *>(cursor);
    }
    static int close(sqlite3_vtab_cursor *cursor)
    {
        delete of(cursor);
        return SQLITE_OK;
    }
    static int filter(sqlite3_vtab_cursor *cursor, int, const char *, int argc, sqlite3_value **argv)
    {
        HeaderFeedCursor *c = of(cursor);
        c->row = 0;
        c->feed = argc == 1 ? static_cast<const HeaderFeed *>(sqlite3_value_pointer(argv[0], kPointerType))
                            : nullptr;
        if (!c->feed) {
            sqlite3_free(cursor->pVtab->zErrMsg);
            cursor->pVtab->zErrMsg = sqlite3_mprintf("header_feed needs a feed bound by HeaderFeed::bind");
            return SQLITE_ERROR;
        }
        return SQLITE_OK;
    }
    static int next(sqlite3_vtab_cursor *cursor)
    {
        ++of(cursor)->row;
        return SQLITE_OK;
    }
    static int eof(sqlite3_vtab_cursor *cursor)
    {
        const HeaderFeedCursor *c = of(cursor);
        return c->row >= c->feed->m_rows.size() ? 1 : 0;
    }
    static int rowid(sqlite3_vtab_cursor *cursor, sqlite3_int64 *id)
    {
        *id = of(cursor)->row + 1;
        return SQLITE_OK;
    }
    static int column(sqlite3_vtab_cursor *cursor, sqlite3_context *ctx, int column)
    {
        const HeaderFeedCursor *c = of(cursor);
        const HeaderFeed::Row &r = c->feed->m_rows.at(c->row);
        const MessageHeader &h = *r.header;
        // Text stays the feed's (SQLITE_STATIC): the feed outlives the statement's steps.
        auto text = [ctx](const QByteArray &utf8, bool nullIfEmpty) {
            if (utf8.isEmpty()) {
                if (nullIfEmpty)
                    sqlite3_result_null(ctx);
                else
                    sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
                return;
            }
            sqlite3_result_text(ctx, utf8.constData(), int(utf8.size()), SQLITE_STATIC);
        };
        auto time = [ctx](const QDateTime &t) {
            if (t.isValid())
                sqlite3_result_int64(ctx, t.toSecsSinceEpoch());
            else
                sqlite3_result_null(ctx);
        };
        switch (column) {
        case Uid:
            if (h.uid == 0)
                sqlite3_result_null(ctx);
            else
                sqlite3_result_int64(ctx, h.uid);
            break;
        case ModSeq: sqlite3_result_int64(ctx, sqlite3_int64(h.modSeq)); break;
        case Flags: sqlite3_result_int64(ctx, uint(h.flags.toInt())); break;
        case Keywords: text(r.keywords, false); break;
        case InternalDate: time(h.internalDate); break;
        case Date: time(h.date); break;
        case SortDate: sqlite3_result_int64(ctx, r.sortDate); break;
        case Size: sqlite3_result_int64(ctx, h.size); break;
        case Subject: text(r.subject, false); break;
        case From: text(r.from, false); break;
        case To: text(r.to, false); break;
        case Cc: text(r.cc, false); break;
        case MessageId: text(r.messageId, true); break;
        case InReplyTo: text(r.inReplyTo, true); break;
        case References: text(r.references, true); break;
        case HasAttachments: sqlite3_result_int(ctx, h.hasAttachments ? 1 : 0); break;
        case Preview: text(r.preview, false); break;
        case BodyStructure:
            if (h.bodyStructure.isEmpty())
                sqlite3_result_null(ctx);
            else
                sqlite3_result_blob(ctx, h.bodyStructure.constData(), int(h.bodyStructure.size()),
                                    SQLITE_STATIC);
            break;
        case Bulk: sqlite3_result_int(ctx, r.bulk ? 1 : 0); break;
        default: // Feed: never asked for (the plan omits its constraint)
            sqlite3_result_null(ctx);
            break;
        }
        return SQLITE_OK;
    }
};

qint64 sortDateOf(const MessageHeader &h)
{
    if (h.date.isValid())
        return h.date.toSecsSinceEpoch();
    if (h.internalDate.isValid())
        return h.internalDate.toSecsSinceEpoch();
    return 0;
}

HeaderFeed::HeaderFeed(const QList<MessageHeader> &headers)
{
    // UIDs that occur more than once here (a server that answered one twice) are not `bulk`.
    QList<quint32> sortedUids;
    sortedUids.reserve(headers.size());
    for (const MessageHeader &h : headers)
        sortedUids << h.uid;
    std::sort(sortedUids.begin(), sortedUids.end());
    auto once = [&sortedUids](quint32 uid) {
        const auto range = std::equal_range(sortedUids.cbegin(), sortedUids.cend(), uid);
        return range.second - range.first == 1;
    };
    m_rows.reserve(headers.size());
    for (const MessageHeader &h : headers) {
        Row &r = m_rows.emplace_back();
        r.header = &h;
        r.keywords = h.keywords.join(u' ').toUtf8();
        r.subject = h.subject.toUtf8();
        r.from = h.from.toUtf8();
        r.to = h.to.toUtf8();
        r.cc = h.cc.toUtf8();
        r.messageId = h.messageId.toUtf8();
        r.inReplyTo = h.inReplyTo.toUtf8();
        r.references = h.references.toUtf8();
        r.preview = h.preview.toUtf8();
        r.sortDate = sortDateOf(h);
        r.bulk = h.uid != 0 && once(h.uid);
        if (r.bulk) {
            ++m_bulkRows;
            if (!h.flags.testFlag(MessageFlag::Seen))
                ++m_bulkUnread;
        }
    }
}

int HeaderFeed::registerModule(sqlite3 *handle)
{
    static const sqlite3_module module = {
        .iVersion = 0,
        .xCreate = nullptr, // eponymous only: there is no CREATE VIRTUAL TABLE for it
        .xConnect = connect,
        .xBestIndex = bestIndex,
        .xDisconnect = disconnect,
        .xDestroy = nullptr,
        .xOpen = HeaderFeedCursor::open,
        .xClose = HeaderFeedCursor::close,
        .xFilter = HeaderFeedCursor::filter,
        .xNext = HeaderFeedCursor::next,
        .xEof = HeaderFeedCursor::eof,
        .xColumn = HeaderFeedCursor::column,
        .xRowid = HeaderFeedCursor::rowid,
        .xUpdate = nullptr,
        .xBegin = nullptr,
        .xSync = nullptr,
        .xCommit = nullptr,
        .xRollback = nullptr,
        .xFindFunction = nullptr,
        .xRename = nullptr,
        .xSavepoint = nullptr,
        .xRelease = nullptr,
        .xRollbackTo = nullptr,
        .xShadowName = nullptr,
    };
    return sqlite3_create_module_v2(handle, "header_feed", &module, nullptr, nullptr);
}

int HeaderFeed::bind(sqlite3_stmt *statement, int index) const
{
    return sqlite3_bind_pointer(statement, index, const_cast<HeaderFeed *>(this), kPointerType, nullptr);
}

} // namespace Tidings::Store
