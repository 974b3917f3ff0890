// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/store/messagestore.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <array>
#include <optional>

namespace Tidings::Store {

/// Rows for `messages` in the form the store writes them: numbers as numbers, dates as seconds
/// since the epoch, and every text already UTF-8, all of it in one buffer. A header sync converts
/// each FETCH answer straight into a row here (Sync::appendHeaderFromFetch), and the store's
/// writer reads the rows as they are (HeaderFeed): no QString per field is built, encoded again
/// and freed on another thread, and a chunk of 500 headers is a few allocations, not thousands
/// (docs/store.md). MessageHeader is the same row for everything else; append() and header()
/// convert between the two.
class HeaderRows final
{
public:
    /// The texts of a row, in the order they are written (see startRow).
    enum Text : int {
        Keywords, ///< other IMAP keywords, space-separated
        Subject,
        From,
        To,
        Cc,
        MessageId,
        InReplyTo,
        References,
        Preview,
        BodyStructure, ///< bytes, opaque to the store
    };
    static constexpr int kTexts = BodyStructure + 1;

    struct Row {
        quint32 uid = 0; ///< 0: no server UID
        MessageFlags flags;
        quint64 modSeq = 0;
        qint64 size = 0;
        std::optional<qint64> internalDate; ///< seconds since the epoch; none when unknown
        std::optional<qint64> date;         ///< the Date: header, likewise
        bool hasAttachments = false;
        /// Text t is bytes [textStart[t], textStart[t + 1]) of the buffer.
        std::array<qsizetype, kTexts + 1> textStart{};

        /// Date:, else INTERNALDATE, else 0: the list's order (messages.sort_date).
        [[nodiscard]] qint64 sortDate() const { return date ? *date : internalDate.value_or(0); }
    };

    [[nodiscard]] qsizetype size() const { return m_rows.size(); }
    [[nodiscard]] const Row &row(qsizetype i) const { return m_rows.at(i); }
    [[nodiscard]] QByteArrayView text(qsizetype i, Text which) const;
    void reserve(qsizetype rows, qsizetype textBytes);

    /// Starts a row at the end; the reference is good until the next startRow() or append().
    /// Its texts follow in the order of Text: each one appended to buffer() and closed with
    /// endText(), every one of them, before the next row starts.
    Row &startRow();
    [[nodiscard]] QByteArray &buffer() { return m_text; }
    void endText(Text which);

    /// @p header as a row; text as UTF-8, invalid dates as none.
    void append(const MessageHeader &header);
    /// Row @p i as a MessageHeader (dates in UTC).
    [[nodiscard]] MessageHeader header(qsizetype i) const;

    /// Newest first: by UID, descending (stable for a UID answered twice).
    void sortByUidDescending();
    /// The rows' UIDs, in row order.
    [[nodiscard]] QList<quint32> uids() const;

private:
    QList<Row> m_rows;
    QByteArray m_text;
    int m_nextText = kTexts; ///< the text the last row writes next; kTexts when it is complete
};

} // namespace Tidings::Store
