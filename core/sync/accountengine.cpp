// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/sync/accountengine.h"

#include "core/imap/idlejob.h"
#include "core/imap/jobs.h"
#include "core/imap/loginjob.h"
#include "core/imap/session.h"
#include "core/store/folderstore.h"
#include "core/sync/imapsync.h"

#include <algorithm>

namespace Tidings::Sync {

AccountEngine::AccountEngine(ImapSync *sync, Store::Database &db, Imap::SessionSettings settings, Clock &clock,
                             AccountEngineOptions options, QObject *parent)
    : QObject(parent), m_sync(sync), m_db(db), m_settings(std::move(settings)), m_clock(clock), m_options(options),
      m_backoff(options.backoffMin), m_syncBackoff(options.backoffMin)
{
    m_settings.timeouts.idleRenewal = m_options.idleRenewal;
    m_quietTimer = new Timer(m_clock, this);
    m_reconnectTimer = new Timer(m_clock, this);
    m_pollTimer = new Timer(m_clock, this);
    m_syncRetryTimer = new Timer(m_clock, this);
    connect(m_quietTimer, &Timer::timeout, this, &AccountEngine::enterIdle);
    connect(m_reconnectTimer, &Timer::timeout, this, &AccountEngine::connectIdle);
    connect(m_pollTimer, &Timer::timeout, this, &AccountEngine::poll);
    connect(m_syncRetryTimer, &Timer::timeout, this, [this] {
        if (m_sync)
            m_sync->checkFolders();
    });
    if (m_sync)
        connect(m_sync, &ImapSync::finished, this, &AccountEngine::onSyncFinished);
}

AccountEngine::~AccountEngine()
{
    delete m_idleSession.data();
}

void AccountEngine::setState(IdleState state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT idleStateChanged(state);
}

void AccountEngine::start()
{
    if (m_running)
        return;
    m_running = true;
    if (m_sync)
        m_sync->syncAll();
    m_pollTimer->start(m_options.pollInterval);
    if (m_options.noIdle) {
        setState(IdleState::Polling);
        return;
    }
    connectIdle();
}

void AccountEngine::stop()
{
    m_running = false;
    m_quietTimer->stop();
    m_reconnectTimer->stop();
    m_pollTimer->stop();
    m_syncRetryTimer->stop();
    if (m_idleSession) {
        m_idleSession->disconnect(this);
        m_idleSession->abort();
        m_idleSession->deleteLater();
    }
    setState(IdleState::Stopped);
}

qint64 AccountEngine::inboxId() const
{
    if (!m_sync)
        return 0;
    auto id = Store::FolderStore(m_db).findByName(m_sync->accountId(), "INBOX");
    return id ? id.value() : 0;
}

void AccountEngine::connectIdle()
{
    if (!m_running)
        return;
    setState(IdleState::Connecting);
    if (m_idleSession) {
        m_idleSession->disconnect(this);
        m_idleSession->deleteLater();
    }
    m_idleSession = new Imap::Session(m_settings, m_clock, this);
    Imap::Session *session = m_idleSession;
    connect(session, &Imap::Session::errorOccurred, this, [this, session](const Error &e) {
        if (session == m_idleSession)
            onIdleFailed(e);
    });
    // Anything the server reports about INBOX wakes the command connection.
    connect(session, &Imap::Session::existsReceived, this, &AccountEngine::inboxChanged);
    connect(session, &Imap::Session::expungeReceived, this, &AccountEngine::inboxChanged);
    connect(session, &Imap::Session::vanishedReceived, this, &AccountEngine::inboxChanged);
    connect(session, &Imap::Session::messageChanged, this, &AccountEngine::inboxChanged);
    connect(session, &Imap::Session::ready, this, [this, session] {
        auto *login = new Imap::LoginJob(session);
        connect(login, &Imap::Job::finished, this, [this, session, login] {
            if (login->error()) {
                onIdleFailed(login->error());
                return;
            }
            if (!session->capabilities().idle()) {
                session->abort();
                setState(IdleState::Polling);
                return;
            }
            auto *examine = new Imap::SelectJob(session);
            examine->setMailbox(QStringLiteral("INBOX"));
            examine->setReadOnly(true);
            connect(examine, &Imap::Job::finished, this, [this, examine] {
                if (examine->error()) {
                    onIdleFailed(examine->error());
                    return;
                }
                setState(IdleState::Quiet);
                m_quietTimer->start(m_options.idleQuietTime);
            });
            examine->start();
        });
        login->start();
    });
    session->open();
}

void AccountEngine::enterIdle()
{
    if (!m_idleSession || !m_running)
        return;
    auto *job = new Imap::IdleJob(m_idleSession);
    m_idleJob = job;
    connect(job, &Imap::IdleJob::idling, this, [this] {
        m_backoff = m_options.backoffMin; // a working connection resets the backoff
        setState(IdleState::Idling);
    });
    connect(job, &Imap::Job::finished, this, [this, job] {
        if (!job->error() || !m_running)
            return;
        if (job->error().kind == Error::Kind::ServerNo || job->error().kind == Error::Kind::ServerBad) {
            // IDLE refused: poll INBOX instead, on the same interval as the other folders.
            if (m_idleSession)
                m_idleSession->abort();
            setState(IdleState::Polling);
            return;
        }
        onIdleFailed(job->error());
    });
    job->start();
}

void AccountEngine::onIdleFailed(const Error &error)
{
    if (!m_running || m_state == IdleState::Backoff || m_state == IdleState::Polling)
        return;
    Q_EMIT errorOccurred(error);
    setState(IdleState::Backoff);
    m_quietTimer->stop();
    m_reconnectTimer->start(m_backoff);
    m_backoff = std::min(m_backoff * 2, m_options.backoffMax);
    // Mail may have arrived while the connection was dying.
    inboxChanged();
}

void AccountEngine::inboxChanged()
{
    if (!m_sync || !m_running)
        return;
    const qint64 inbox = inboxId();
    if (inbox == 0)
        m_sync->syncAll();
    else
        m_sync->syncFolder(inbox);
}

void AccountEngine::poll()
{
    if (!m_running)
        return;
    if (m_sync) {
        m_sync->checkFolders();
        if (m_state == IdleState::Polling)
            inboxChanged();
    }
    m_pollTimer->start(m_options.pollInterval);
}

void AccountEngine::onSyncFinished(const Error &error)
{
    if (!m_running)
        return;
    if (!error) {
        m_syncBackoff = m_options.backoffMin;
        return;
    }
    if (error.kind == Error::Kind::Authentication || error.kind == Error::Kind::Config)
        return; // retrying cannot help: the person must act
    m_syncRetryTimer->start(m_syncBackoff);
    m_syncBackoff = std::min(m_syncBackoff * 2, m_options.backoffMax);
}

} // namespace Tidings::Sync
