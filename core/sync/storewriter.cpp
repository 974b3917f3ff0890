// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/sync/storewriter.h"

#include <QThread>
#include <QTimer>

#include <chrono>

namespace Tidings::Sync {

/// The writer's side: opens its connection on first use, on its own thread, and runs the jobs
/// posted to it in order.
class StoreWriter::Worker final : public QObject
{
public:
    Worker(QString profileDir, Store::Database::Options options)
        : m_profileDir(std::move(profileDir))
        , m_options(std::move(options))
    {}

    void run(const Job &job)
    {
        if (m_idle)
            m_idle->stop();
        if (!m_db && !m_openError) {
            auto opened = Store::Database::open(m_profileDir, m_options);
            if (opened)
                m_db = std::move(opened).value();
            else
                m_openError = opened.error();
        }
        job(m_db.get(), m_openError);
        // Idle for a while: the WAL is checkpointed (a sync's commits leave that to now, see
        // Database::configure) and the page cache goes back to the system (the owner's
        // connection keeps its own). Not at once: during a sync the queue runs empty between
        // nearly every two chunks, and a dropped cache made each chunk read its index pages
        // again.
        if (--m_queued == 0 && m_db) {
            if (!m_idle) {
                m_idle = new QTimer(this); // on this thread, like the worker
                m_idle->setSingleShot(true);
                connect(m_idle, &QTimer::timeout, this, [this] {
                    if (!m_db)
                        return;
                    // A failure here is the disk's; the next commit meets and reports it.
                    if (Error e = m_db->checkpoint())
                        qWarning("store writer: %s", qUtf8Printable(e.toString()));
                    m_db->releaseMemory();
                });
            }
            m_idle->start(std::chrono::milliseconds(m_idleDelayMs.load()));
        }
        // A failed open is retried with the next piece of work (the disk may have recovered).
        m_openError = Error();
    }

    std::atomic<int> m_queued{0};
    std::atomic<qint64> m_idleDelayMs{10000};

private:
    QTimer *m_idle = nullptr;
    QString m_profileDir;
    Store::Database::Options m_options;
    std::unique_ptr<Store::Database> m_db;
    Error m_openError;
};

StoreWriter::StoreWriter(Store::Database &db, const QString &name, QObject *parent)
    : QObject(parent)
    , m_db(db)
{
    if (db.isInMemory())
        return;
    m_worker = new Worker(db.profileDir(), db.options());
    m_thread = new QThread(this);
    m_thread->setObjectName(name);
    m_worker->moveToThread(m_thread);
    // The worker's connection is closed on the thread that opened it.
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread->start();
}

StoreWriter::~StoreWriter()
{
    if (m_thread) {
        m_thread->quit();
        m_thread->wait();
    }
}

void StoreWriter::setIdleDelay(std::chrono::milliseconds delay)
{
    if (m_worker)
        m_worker->m_idleDelayMs = delay.count();
}

void StoreWriter::enqueue(Job job)
{
    if (!m_thread) {
        // In memory: the owner's connection, from the event loop, in order.
        QMetaObject::invokeMethod(
            this, [this, job = std::move(job)] { job(&m_db, Error()); }, Qt::QueuedConnection);
        return;
    }
    ++m_worker->m_queued;
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, job = std::move(job)] { worker->run(job); }, Qt::QueuedConnection);
}

void StoreWriter::deliver(std::function<void()> callback)
{
    // From the worker's thread: the writer outlives its thread (the destructor joins it), so
    // posting to it is safe; its own posted events go with it.
    QMetaObject::invokeMethod(this, std::move(callback), Qt::QueuedConnection);
}

} // namespace Tidings::Sync
