// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/store/headerrows.h"

#include <QList>

struct sqlite3;
struct sqlite3_stmt;

namespace Tidings::Store {

/// Rows read by SQL as they are in memory, without writing them anywhere first: the
/// table-valued function `header_feed(?)` (an eponymous virtual table registered on every
/// connection, usable only in top-level SQL), with the feed bound to its argument by bind().
/// MessageStore writes a chunk into `messages` with one INSERT ... SELECT from it, so the row
/// triggers and FTS5 run inside one statement per chunk (docs/store.md).
///
/// Columns, in this order: uid (NULL for 0), modseq, flags, keywords, internal_date and date
/// (NULL when invalid), sort_date, size, subject, from_addr, to_addr, cc_addr, message_id,
/// in_reply_to and refs (NULL when empty), has_attachments, preview, bodystructure (a blob, NULL
/// when empty), and `bulk`: 1 when the row's UID is not 0 and occurs once in the feed. Text is
/// UTF-8. The rowid is the header's position, from 1; a scan gives the rows in that order.
class HeaderFeed final
{
public:
    /// @p rows must outlive the feed (it reads them where they are).
    explicit HeaderFeed(const HeaderRows &rows);
    Q_DISABLE_COPY_MOVE(HeaderFeed)

    /// Registers `header_feed` on @p handle (Database does it for every connection it opens).
    [[nodiscard]] static int registerModule(sqlite3 *handle);
    /// Binds this feed to parameter @p index of @p statement; it must outlive the statement's
    /// steps.
    [[nodiscard]] int bind(sqlite3_stmt *statement, int index) const;

    /// The `bulk` rows, and those of them without \\Seen.
    [[nodiscard]] int bulkRows() const { return m_bulkRows; }
    [[nodiscard]] int bulkUnread() const { return m_bulkUnread; }

private:
    friend struct HeaderFeedCursor;
    const HeaderRows &m_rows;
    QList<bool> m_bulk; ///< per row
    int m_bulkRows = 0;
    int m_bulkUnread = 0;
};

} // namespace Tidings::Store
