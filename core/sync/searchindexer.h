// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/error.h"

#include <QObject>

namespace Tidings::Store {
class Database;
}

namespace Tidings::Sync {

/// Builds the search index of messages whose indexing was deferred (schema 5: the first sync of
/// a large folder notes its messages in search_pending instead of tokenising each row inside the
/// header transactions, so the list fills at the speed of the wire).
///
/// What is left to do is in the store itself (search_pending), so the indexer keeps no state a
/// crash could lose: start() works through whatever is pending, whether a sync finished a moment
/// ago or a killed process left notes behind. It runs on the event loop in batches (one ordinary
/// transaction and one INSERT ... SELECT into messages_fts each: the index can always be rebuilt
/// from the rows, so no fsync is needed), yielding between batches; pause() stops it after the
/// current batch (ImapSync pauses it while a request runs, so it never competes with a sync).
class SearchIndexer final : public QObject
{
    Q_OBJECT

public:
    explicit SearchIndexer(Store::Database &db, QObject *parent = nullptr);
    ~SearchIndexer() override;
    Q_DISABLE_COPY_MOVE(SearchIndexer)

    /// Indexes everything pending; finished() follows (also when nothing was pending).
    void start();
    /// Stops after the current batch, without finished(); start() carries on.
    void pause();
    [[nodiscard]] bool isRunning() const { return m_running; }
    /// Messages per batch (per transaction and event-loop turn).
    void setBatchSize(int size) { m_batchSize = size > 0 ? size : 1; }

Q_SIGNALS:
    /// Nothing is pending any more (@p indexed messages indexed by this run), or the store
    /// failed (@p error); a later start() tries again.
    void finished(qint64 indexed, const Tidings::Error &error);

private:
    void step();

    Store::Database &m_db;
    int m_batchSize = 2000;
    bool m_running = false;
    bool m_stepQueued = false;
    qint64 m_indexed = 0;
};

} // namespace Tidings::Sync
