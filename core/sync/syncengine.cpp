// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/sync/syncengine.h"

#include "core/imap/fetchjob.h"
#include "core/imap/jobs.h"
#include "core/imap/session.h"
#include "core/store/database.h"
#include "core/store/folderstore.h"
#include "core/store/messagestore.h"
#include "core/sync/accountengine.h"

namespace Tidings::Sync {

SyncEngine::SyncEngine(Store::Database &db, SettingsProvider settings, Clock &clock, QObject *parent)
    : QObject(parent)
    , m_db(db)
    , m_settings(std::move(settings))
    , m_clock(clock)
    , m_changes(db)
{
    connect(&m_changes, &LocalChanges::queued, this, [this](qint64 accountId) {
        // Replay at once when the account's connection exists; otherwise the next sync does.
        if (ImapSync *sync = m_syncs.value(accountId))
            sync->replayPending();
    });
}

SyncEngine::~SyncEngine()
{
    qDeleteAll(m_engines);
    m_engines.clear();
    qDeleteAll(m_syncs);
    m_syncs.clear();
}

std::variant<ImapSync *, Error> SyncEngine::imapSync(qint64 accountId)
{
    if (ImapSync *sync = m_syncs.value(accountId))
        return sync;
    auto account = Store::AccountStore(m_db).get(accountId);
    if (!account)
        return account.error();
    auto settings = m_settings(account.value());
    if (auto *e = std::get_if<Error>(&settings))
        return *e;
    ImapSyncOptions options = m_options;
    options.offlineBodyDays =
        std::max(0, account->settings.value(QStringLiteral("offlineBodyDays")).toInt(0));
    auto *sync = new ImapSync(m_db, accountId, std::get<Imap::SessionSettings>(settings), m_clock, options);
    connect(sync, &ImapSync::progress, this, [this, accountId](qint64 folder, qint64 done, qint64 total) {
        Q_EMIT progress(accountId, folder, done, total);
    });
    connect(sync, &ImapSync::newMail, this, [this, accountId](qint64 folder, const QList<quint32> &uids) {
        Q_EMIT newMail(accountId, folder, uids);
    });
    connect(sync, &ImapSync::folderListChanged, this,
            [this, accountId] { Q_EMIT folderListChanged(accountId); });
    connect(sync, &ImapSync::operationDropped, this, [this, accountId](qint64 op, const QString &reason) {
        Q_EMIT operationDropped(accountId, op, reason);
    });
    connect(sync, &ImapSync::finished, this,
            [this, accountId](const Error &e) { Q_EMIT syncFinished(accountId, e); });
    connect(sync, &ImapSync::searchIndexComplete, this, [this, accountId](qint64 indexed, const Error &e) {
        Q_EMIT searchIndexComplete(accountId, indexed, e);
    });
    m_syncs.insert(accountId, sync);
    return sync;
}

void SyncEngine::syncOnce(qint64 accountId)
{
    auto sync = imapSync(accountId);
    if (auto *e = std::get_if<Error>(&sync)) {
        const Error error = *e;
        QMetaObject::invokeMethod(
            this, [this, accountId, error] { Q_EMIT syncFinished(accountId, error); }, Qt::QueuedConnection);
        return;
    }
    std::get<ImapSync *>(sync)->syncAll();
}

void SyncEngine::watch(qint64 accountId)
{
    if (m_engines.contains(accountId))
        return;
    auto sync = imapSync(accountId);
    if (auto *e = std::get_if<Error>(&sync)) {
        const Error error = *e;
        QMetaObject::invokeMethod(
            this, [this, accountId, error] { Q_EMIT accountError(accountId, error); }, Qt::QueuedConnection);
        return;
    }
    auto account = Store::AccountStore(m_db).get(accountId);
    auto settings =
        account ? m_settings(account.value()) : std::variant<Imap::SessionSettings, Error>(account.error());
    if (auto *e = std::get_if<Error>(&settings)) {
        Q_EMIT accountError(accountId, *e);
        return;
    }
    AccountEngineOptions options;
    const QJsonObject json = account->settings;
    if (json.value(QStringLiteral("quirks")).toObject().value(QStringLiteral("noIdle")).toBool())
        options.noIdle = true;
    const int minutes = json.value(QStringLiteral("folderCheckMinutes")).toInt(5);
    options.pollInterval = std::chrono::minutes(std::max(1, minutes));
    auto *engine = new AccountEngine(std::get<ImapSync *>(sync), m_db,
                                     std::get<Imap::SessionSettings>(settings), m_clock, options);
    connect(engine, &AccountEngine::errorOccurred, this,
            [this, accountId](const Error &e) { Q_EMIT accountError(accountId, e); });
    connect(engine, &AccountEngine::idleStateChanged, this,
            [this, accountId](AccountEngine::IdleState state) {
                if (state == AccountEngine::IdleState::Idling)
                    Q_EMIT watching(accountId);
            });
    m_engines.insert(accountId, engine);
    engine->start();
}

void SyncEngine::stopWatching(qint64 accountId)
{
    if (AccountEngine *engine = m_engines.take(accountId)) {
        engine->stop();
        engine->deleteLater();
    }
}

void SyncEngine::fetchBody(qint64 messageId, const QString &section, BodyCallback done,
                           std::optional<std::pair<quint32, quint32>> partial)
{
    auto fail = [this, done](const Error &e) {
        QMetaObject::invokeMethod(
            this, [done, e] { done(e); }, Qt::QueuedConnection);
    };
    auto message = Store::MessageStore(m_db).get(messageId);
    if (!message) {
        fail(message.error());
        return;
    }
    const QString partKey =
        partial ? section + QStringLiteral("<%1.%2>").arg(partial->first).arg(partial->second) : section;
    auto stored = Store::PartStore(m_db).get(messageId, partKey);
    if (!stored) {
        fail(stored.error());
        return;
    }
    if (stored.value() && stored.value()->complete) {
        const QByteArray content = stored.value()->content;
        QMetaObject::invokeMethod(
            this, [done, content] { done(content); }, Qt::QueuedConnection);
        return;
    }
    if (message->header.uid == 0) {
        fail(Error::make(Error::Kind::Config, QStringLiteral("the message is not on the server yet")));
        return;
    }
    auto folder = Store::FolderStore(m_db).get(message->folderId);
    if (!folder) {
        fail(folder.error());
        return;
    }
    auto sync = imapSync(message->accountId);
    if (auto *e = std::get_if<Error>(&sync)) {
        fail(*e);
        return;
    }
    const Store::Folder f = folder.value();
    const Store::StoredMessage m = message.value();
    QPointer<SyncEngine> self(this);
    std::get<ImapSync *>(sync)->withSession([self, f, m, section, partKey, partial,
                                             done](Imap::Session *session, const Error &error) {
        if (!self)
            return;
        if (error) {
            done(error);
            return;
        }
        auto fetch = [self, session, f, m, section, partKey, partial, done] {
            if (!self)
                return;
            if (session->selectedMailbox().uidValidity != m.uidValidity) {
                done(Error::make(Error::Kind::ServerNo,
                                 QStringLiteral("the folder was renumbered by the server; sync it again")));
                return;
            }
            auto *job = new Imap::FetchJob(session);
            job->setUids({m.header.uid});
            Imap::FetchScope scope;
            scope.bodySection = section.toLatin1();
            if (partial)
                scope.partial = std::make_pair(std::uint32_t(partial->first), std::uint32_t(partial->second));
            job->setScope(scope);
            QObject::connect(job, &Imap::Job::finished, self, [self, job, m, section, partKey, done] {
                if (job->error()) {
                    done(job->error());
                    return;
                }
                const Imap::BodySection *body = nullptr;
                for (const Imap::Fetch &answer : job->messages()) {
                    if (answer.uid == m.header.uid) {
                        for (const Imap::BodySection &s : answer.sections) {
                            if (s.section.compare(section.toLatin1(), Qt::CaseInsensitive) == 0)
                                body = &s;
                        }
                    }
                }
                if (!body || body->isNil) {
                    done(Error::make(Error::Kind::ServerNo,
                                     QStringLiteral("the server has no such part (%1)").arg(section)));
                    return;
                }
                // The literal's length is what the server announced: stored complete only when
                // every byte of it arrived (a cut connection never gets here).
                if (Error e =
                        Store::PartStore(self->m_db).store(m.id, partKey, body->data.size(), body->data)) {
                    done(e);
                    return;
                }
                done(body->data);
            });
            job->start();
        };
        const auto state = session->state();
        if ((state == Imap::Session::State::Selected || state == Imap::Session::State::Idling) &&
            session->selectedMailbox().name == f.name) {
            fetch();
            return;
        }
        auto *select = new Imap::SelectJob(session);
        select->setMailbox(f.displayName);
        QObject::connect(select, &Imap::Job::finished, self, [select, fetch, done] {
            if (select->error()) {
                done(select->error());
                return;
            }
            fetch();
        });
        select->start();
    });
}

} // namespace Tidings::Sync
