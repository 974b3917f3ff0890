// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/sync/searchindexer.h"

#include "core/store/database.h"
#include "core/store/messagestore.h"

namespace Tidings::Sync {

SearchIndexer::SearchIndexer(Store::Database &db, QObject *parent)
    : QObject(parent)
    , m_db(db)
{}

SearchIndexer::~SearchIndexer() = default;

void SearchIndexer::start()
{
    if (!m_running) {
        m_running = true;
        m_indexed = 0;
    }
    if (!m_stepQueued) {
        m_stepQueued = true;
        QMetaObject::invokeMethod(this, &SearchIndexer::step, Qt::QueuedConnection);
    }
}

void SearchIndexer::pause()
{
    m_running = false;
}

void SearchIndexer::step()
{
    m_stepQueued = false;
    if (!m_running)
        return;
    Store::Result<int> done = Store::MessageStore(m_db).indexPendingSearch(m_batchSize);
    if (!done) {
        m_running = false;
        Q_EMIT finished(m_indexed, done.error());
        return;
    }
    m_indexed += *done;
    if (*done == 0) {
        m_running = false;
        Q_EMIT finished(m_indexed, Error());
        return;
    }
    m_stepQueued = true;
    QMetaObject::invokeMethod(this, &SearchIndexer::step, Qt::QueuedConnection);
}

} // namespace Tidings::Sync
