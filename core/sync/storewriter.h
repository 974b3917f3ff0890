// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/error.h"
#include "core/store/database.h"

#include <QObject>
#include <QPointer>

#include <atomic>
#include <chrono>
#include <concepts>
#include <functional>
#include <memory>
#include <utility>

class QThread;

namespace Tidings::Sync {

/// Store writes off the network thread: while a group of rows is written and committed, the
/// thread that owns the connection to the server keeps reading and parsing, so the server is
/// never left waiting on a full socket (docs/sync.md, Benchmark).
///
/// For a file profile the work runs on a thread of its own, with a connection of its own opened
/// there on first use (a Database belongs to the thread that opened it); for an in-memory
/// database, which a second connection cannot see, it runs on the owner's thread, from the event
/// loop. Either way:
/// - work runs strictly in the order it was submitted, one piece at a time;
/// - `done` runs on the owner's thread (the one that created the writer), never inside
///   submit(), and not at all once its context object is gone;
/// - the destructor waits for the piece being written (a transaction completes or rolls back
///   as a whole) and drops what has not started: none of it was committed, and callers keep
///   nothing that depends on it before their `done` ran.
/// Once the writer has been idle for ten seconds, its connection checkpoints the WAL (the
/// commits of a sync leave that work for then) and gives its page cache back, so an idle
/// writer holds no memory beyond the connection itself.
class StoreWriter final : public QObject
{
    Q_OBJECT
public:
    /// @p db is the owner's connection: the profile to open, or the database itself when it is
    /// in memory. @p name names the thread (seen in a debugger or `top -H`).
    StoreWriter(Store::Database &db, const QString &name, QObject *parent = nullptr);
    ~StoreWriter() override;
    Q_DISABLE_COPY_MOVE(StoreWriter)

    /// True when work runs on a thread of its own.
    [[nodiscard]] bool isThreaded() const { return m_thread != nullptr; }
    /// How long the writer waits, once its queue is empty, before it checkpoints and gives its
    /// cache back (ten seconds; tests shorten it). Takes effect the next time it goes idle.
    void setIdleDelay(std::chrono::milliseconds delay);
    /// Pieces of work submitted whose `done` has not run yet.
    [[nodiscard]] int pending() const { return m_pending; }

    /// Runs `work(db)` with the writer's connection after everything submitted before it, then
    /// `done(result)` on the owner's thread while @p context lives. A connection that cannot be
    /// opened is reported as the result built from its Error.
    template <typename Work, typename Done>
    requires std::constructible_from<std::invoke_result_t<Work &, Store::Database &>, Error>
    void submit(QObject *context, Work work, Done done)
    {
        using R = std::invoke_result_t<Work &, Store::Database &>;
        ++m_pending;
        enqueue([this, context = QPointer<QObject>(context), work = std::move(work),
                 done = std::move(done)](Store::Database *db, const Error &openError) mutable {
            R result = db ? work(*db) : R(openError);
            deliver([this, context, done = std::move(done), result = std::move(result)]() mutable {
                --m_pending;
                if (context)
                    done(std::move(result));
            });
        });
    }

private:
    class Worker;
    using Job = std::function<void(Store::Database *, const Error &)>;

    void enqueue(Job job);
    /// Runs @p callback on the owner's thread (queued).
    void deliver(std::function<void()> callback);

    Store::Database &m_db;
    QThread *m_thread = nullptr;
    Worker *m_worker = nullptr; ///< lives on m_thread
    int m_pending = 0;          ///< owner's thread only
};

} // namespace Tidings::Sync
