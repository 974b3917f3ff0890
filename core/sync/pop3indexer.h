// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/error.h"

#include <QObject>
#include <QString>

#include <variant>

namespace Tidings::Store {
class Database;
}

namespace Tidings::Sync {

/// Completes downloaded POP3 messages after the download: the full MIME parse that gives the
/// message list its preview and attachment flag, and full-text search its body text.
///
/// The download path (Pop3Poller) stores each message's raw bytes, its UIDL and a header-only
/// list row (subject, addresses, date, Message-ID, size, flags) durably and moves on; parsing
/// every body there would make the download as slow as the MIME parser. What is left undone is
/// visible in the store itself: a downloaded message without a message_text row
/// (Store::Pop3Store::unindexedMessages). So the indexer keeps no state of its own that a crash
/// could lose: start() works through whatever is unindexed, whether the download finished a
/// moment ago or a killed process left it behind at the last start.
///
/// It runs on the event loop in small batches (one ordinary transaction each: the work can be
/// redone from the stored bytes, so no fsync is needed), yielding between batches so a window
/// stays responsive. A message whose stored bytes are missing is marked indexed with what the
/// header row already says rather than tried again forever.
class Pop3Indexer final : public QObject
{
    Q_OBJECT

public:
    Pop3Indexer(Store::Database &db, qint64 accountId, QObject *parent = nullptr);
    ~Pop3Indexer() override;
    Q_DISABLE_COPY_MOVE(Pop3Indexer)

    /// Indexes everything unindexed of the account; finished() follows (also when there was
    /// nothing to do). While running, another start() makes it look again before finishing.
    void start();
    [[nodiscard]] bool isRunning() const { return m_running; }
    /// Messages per batch (per transaction and event-loop turn).
    void setBatchSize(int size) { m_batchSize = size > 0 ? size : 1; }

    /// Indexes at most @p limit messages now, synchronously; returns how many (or an error).
    /// start() is this in a loop on the event loop.
    [[nodiscard]] std::variant<int, Error> indexBatch(int limit);

Q_SIGNALS:
    void progress(int indexed);
    /// @p indexed messages were completed by this run; @p error is empty unless the store failed.
    void finished(int indexed, const Tidings::Error &error);

private:
    void step();

    Store::Database &m_db;
    qint64 m_accountId = 0;
    int m_batchSize = 32;
    bool m_running = false;
    bool m_again = false;
    qint64 m_cursor = 0; // the last message id looked at in this run
    int m_indexed = 0;
};

} // namespace Tidings::Sync
