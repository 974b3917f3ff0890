// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/sync/pop3indexer.h"

#include "core/mime/parser.h"
#include "core/store/database.h"
#include "core/store/partstore.h"
#include "core/store/pop3store.h"

#include <QTimer>

#include <variant>

namespace Tidings::Sync {

namespace {

constexpr qsizetype kPreviewChars = 200;
constexpr qsizetype kSearchTextChars = 64 * 1024;

} // namespace

Pop3Indexer::Pop3Indexer(Store::Database &db, qint64 accountId, QObject *parent)
    : QObject(parent)
    , m_db(db)
    , m_accountId(accountId)
{}

Pop3Indexer::~Pop3Indexer() = default;

void Pop3Indexer::start()
{
    if (m_running) {
        m_again = true;
        return;
    }
    m_running = true;
    m_again = false;
    m_cursor = 0;
    m_indexed = 0;
    QTimer::singleShot(0, this, &Pop3Indexer::step);
}

std::variant<int, Error> Pop3Indexer::indexBatch(int limit)
{
    Store::Pop3Store pop3(m_db);
    Store::Result<QList<qint64>> ids = pop3.unindexedMessages(m_accountId, m_cursor, limit);
    if (!ids)
        return ids.error();
    if (ids->isEmpty())
        return 0;
    Store::Transaction t(m_db);
    if (t.error())
        return t.error();
    Store::PartStore parts(m_db);
    for (qint64 id : std::as_const(*ids)) {
        m_cursor = id;
        Store::Result<std::optional<Store::MessagePart>> raw = parts.get(id, QString());
        if (!raw)
            return raw.error();
        QString preview;
        QString text;
        bool attachments = false;
        if (*raw && (*raw)->complete) {
            const Mime::Message message = Mime::Parser::parse((*raw)->content);
            text = message.bestText();
            preview = text.left(kPreviewChars * 2).simplified().left(kPreviewChars);
            text.truncate(kSearchTextChars);
            attachments = !message.attachmentIndexes.isEmpty();
        }
        if (Error e = pop3.setIndexed(id, preview, attachments, text))
            return e;
    }
    if (Error e = t.commit())
        return e;
    return int(ids->size());
}

void Pop3Indexer::step()
{
    if (!m_running)
        return;
    std::variant<int, Error> done = indexBatch(m_batchSize);
    if (auto *error = std::get_if<Error>(&done)) {
        m_running = false;
        Q_EMIT finished(m_indexed, *error);
        return;
    }
    const int n = std::get<int>(done);
    if (n > 0) {
        m_indexed += n;
        Q_EMIT progress(m_indexed);
        QTimer::singleShot(0, this, &Pop3Indexer::step);
        return;
    }
    if (m_again) {
        // Messages stored while this run was under way may sit below the cursor.
        m_again = false;
        m_cursor = 0;
        QTimer::singleShot(0, this, &Pop3Indexer::step);
        return;
    }
    m_running = false;
    Q_EMIT finished(m_indexed, {});
}

} // namespace Tidings::Sync
