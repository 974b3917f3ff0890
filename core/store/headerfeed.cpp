// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/store/headerfeed.h"

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
        const HeaderRows &rows = c->feed->m_rows;
        const HeaderRows::Row &r = rows.row(c->row);
        // Text stays the rows' (SQLITE_STATIC): they outlive the statement's steps.
        auto text = [ctx, &rows, c](HeaderRows::Text which, bool nullIfEmpty) {
            const QByteArrayView utf8 = rows.text(c->row, which);
            if (utf8.isEmpty()) {
                if (nullIfEmpty)
                    sqlite3_result_null(ctx);
                else
                    sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
                return;
            }
            sqlite3_result_text(ctx, utf8.data(), int(utf8.size()), SQLITE_STATIC);
        };
        auto time = [ctx](const std::optional<qint64> &seconds) {
            if (seconds)
                sqlite3_result_int64(ctx, *seconds);
            else
                sqlite3_result_null(ctx);
        };
        switch (column) {
        case Uid:
            if (r.uid == 0)
                sqlite3_result_null(ctx);
            else
                sqlite3_result_int64(ctx, r.uid);
            break;
        case ModSeq: sqlite3_result_int64(ctx, sqlite3_int64(r.modSeq)); break;
        case Flags: sqlite3_result_int64(ctx, uint(r.flags.toInt())); break;
        case Keywords: text(HeaderRows::Keywords, false); break;
        case InternalDate: time(r.internalDate); break;
        case Date: time(r.date); break;
        case SortDate: sqlite3_result_int64(ctx, r.sortDate()); break;
        case Size: sqlite3_result_int64(ctx, r.size); break;
        case Subject: text(HeaderRows::Subject, false); break;
        case From: text(HeaderRows::From, false); break;
        case To: text(HeaderRows::To, false); break;
        case Cc: text(HeaderRows::Cc, false); break;
        case MessageId: text(HeaderRows::MessageId, true); break;
        case InReplyTo: text(HeaderRows::InReplyTo, true); break;
        case References: text(HeaderRows::References, true); break;
        case HasAttachments: sqlite3_result_int(ctx, r.hasAttachments ? 1 : 0); break;
        case Preview: text(HeaderRows::Preview, false); break;
        case BodyStructure:
            if (const QByteArrayView bytes = rows.text(c->row, HeaderRows::BodyStructure); bytes.isEmpty())
                sqlite3_result_null(ctx);
            else
                sqlite3_result_blob(ctx, bytes.data(), int(bytes.size()), SQLITE_STATIC);
            break;
        case Bulk: sqlite3_result_int(ctx, c->feed->m_bulk.at(c->row) ? 1 : 0); break;
        default: // Feed: never asked for (the plan omits its constraint)
            sqlite3_result_null(ctx);
            break;
        }
        return SQLITE_OK;
    }
};

HeaderFeed::HeaderFeed(const HeaderRows &rows)
    : m_rows(rows)
{
    // UIDs that occur more than once here (a server that answered one twice) are not `bulk`.
    QList<quint32> sortedUids = rows.uids();
    std::sort(sortedUids.begin(), sortedUids.end());
    auto once = [&sortedUids](quint32 uid) {
        const auto range = std::equal_range(sortedUids.cbegin(), sortedUids.cend(), uid);
        return range.second - range.first == 1;
    };
    m_bulk.reserve(rows.size());
    for (qsizetype i = 0; i < rows.size(); ++i) {
        const HeaderRows::Row &r = rows.row(i);
        const bool bulk = r.uid != 0 && once(r.uid);
        m_bulk << bulk;
        if (bulk) {
            ++m_bulkRows;
            if (!r.flags.testFlag(MessageFlag::Seen))
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
