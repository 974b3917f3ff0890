// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/sync/accountengine.h"

#include "core/imap/idlejob.h"
#include "core/imap/jobs.h"
#include "core/imap/loginjob.h"
#include "core/imap/session.h"
#include "core/imap/utf7.h"
#include "core/store/folderstore.h"
#include "core/sync/imapsync.h"

#include <QLoggingCategory>

#include <algorithm>

namespace Tidings::Sync {

namespace {

Q_LOGGING_CATEGORY(lcEngine, "tidings.sync.engine")

/// More distinct mailboxes than this in one batch of events is treated like an overflow: one
/// check of every folder instead of an unbounded table.
constexpr qsizetype MaxStatusEvents = 10000;

/// Later counters replace earlier ones; counters a STATUS did not carry are kept.
void merge(Imap::MailboxStatus &into, const Imap::MailboxStatus &from)
{
    into.mailbox = from.mailbox;
    auto take = [](auto &to, const auto &value) {
        if (value)
            to = value;
    };
    take(into.messages, from.messages);
    take(into.recent, from.recent);
    take(into.uidNext, from.uidNext);
    take(into.uidValidity, from.uidValidity);
    take(into.unseen, from.unseen);
    take(into.deleted, from.deleted);
    take(into.size, from.size);
    take(into.highestModSeq, from.highestModSeq);
}

/// True when the server's counters say the cached folder is behind. Only what the STATUS
/// carried is compared; HIGHESTMODSEQ only when the cache keeps one (a plain-mode cache has 0).
bool differs(const Store::Folder &f, const Imap::MailboxStatus &st)
{
    return (st.uidValidity && *st.uidValidity != f.uidValidity) || (st.uidNext && *st.uidNext != f.uidNext) ||
           (st.messages && qint64(*st.messages) != f.totalCount) ||
           (st.unseen && qint64(*st.unseen) != f.unreadCount) ||
           (st.highestModSeq && f.highestModSeq != 0 && *st.highestModSeq != f.highestModSeq);
}

/// The name the store keys the folder by (what LIST on the command connection said: modified
/// UTF-7, which never enables UTF8=ACCEPT). Dovecot 2.3 sends the names in NOTIFY's STATUS
/// responses as raw UTF-8 even without UTF8=ACCEPT; such a name is encoded again from its
/// decoded form.
QByteArray storeName(const Imap::MailboxName &name)
{
    const bool ascii =
        std::all_of(name.raw.cbegin(), name.raw.cend(), [](char c) { return quint8(c) < 0x80; });
    return ascii ? name.raw : Imap::encodeModifiedUtf7(name.display);
}

} // namespace

AccountEngine::AccountEngine(ImapSync *sync, Store::Database &db, Imap::SessionSettings settings,
                             Clock &clock, AccountEngineOptions options, QObject *parent)
    : QObject(parent)
    , m_sync(sync)
    , m_db(db)
    , m_settings(std::move(settings))
    , m_clock(clock)
    , m_options(options)
    , m_backoff(options.backoffMin)
    , m_syncBackoff(options.backoffMin)
{
    m_settings.timeouts.idleRenewal = m_options.idleRenewal;
    m_quietTimer = new Timer(m_clock, this);
    m_reconnectTimer = new Timer(m_clock, this);
    m_pollTimer = new Timer(m_clock, this);
    m_syncRetryTimer = new Timer(m_clock, this);
    m_eventTimer = new Timer(m_clock, this);
    connect(m_eventTimer, &Timer::timeout, this, &AccountEngine::flushFolderEvents);
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
    m_notifyRefused = false;
    m_notifyReason.clear();
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
    m_eventTimer->stop();
    m_statusEvents.clear();
    m_folderListEvent = m_flushAfterSync = false;
    if (m_idleSession) {
        m_idleSession->disconnect(this);
        m_idleSession->abort();
        m_idleSession->deleteLater();
    }
    setNotifyActive(false);
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
    setNotifyActive(false);
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
    // NOTIFY (RFC 5465): the other folders.
    connect(session, &Imap::Session::unsolicitedStatus, this,
            [this, session](const Imap::MailboxStatus &status) {
                if (session == m_idleSession)
                    onFolderStatus(status);
            });
    connect(session, &Imap::Session::unsolicitedList, this, [this, session] {
        if (session == m_idleSession)
            onFolderListEvent();
    });
    connect(session, &Imap::Session::notificationOverflow, this, [this, session](const QString &text) {
        if (session != m_idleSession || !m_running)
            return;
        notifyFallback(
            QStringLiteral("the server dropped NOTIFY events (NOTIFICATIONOVERFLOW%1); every folder is "
                           "checked now and polled until the next reconnect")
                .arg(text.isEmpty() ? QString() : QStringLiteral(": ") + text));
        m_statusEvents.clear();
        m_folderListEvent = false;
        if (m_sync)
            m_sync->checkFolders();
    });
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
            connect(examine, &Imap::Job::finished, this, [this, session, examine] {
                if (examine->error()) {
                    onIdleFailed(examine->error());
                    return;
                }
                if (m_options.useNotify && !m_notifyRefused && session->capabilities().has("NOTIFY"))
                    startNotify(session);
                else
                    enterQuiet();
            });
            examine->start();
        });
        login->start();
    });
    session->open();
}

void AccountEngine::enterQuiet()
{
    setState(IdleState::Quiet);
    m_quietTimer->start(m_options.idleQuietTime);
}

void AccountEngine::startNotify(Imap::Session *session, const QList<QByteArray> &supported)
{
    using Imap::NotifyJob;
    // After [BADEVENT (...)] only the events the server named are asked for again.
    auto offered = [&supported](NotifyJob::Event event) {
        if (supported.isEmpty())
            return true;
        const QByteArray name = NotifyJob::eventName(event);
        return std::any_of(supported.cbegin(), supported.cend(), [&name](const QByteArray &s) {
            return s.compare(name, Qt::CaseInsensitive) == 0;
        });
    };
    const QList<NotifyJob::Event> wanted{NotifyJob::Event::MessageNew, NotifyJob::Event::MessageExpunge,
                                         NotifyJob::Event::FlagChange, NotifyJob::Event::MailboxName};
    QList<NotifyJob::Event> events;
    for (NotifyJob::Event e : wanted) {
        if (offered(e))
            events << e;
    }
    NotifyJob::EventGroup selected;
    selected.filter = NotifyJob::Filter::Selected;
    selected.events = events;
    selected.events.removeAll(NotifyJob::Event::MailboxName); // a mailbox event, not the selected one's
    // personal, not subscribed: ImapSync mirrors every folder LIST "" "*" shows, subscribed or not.
    NotifyJob::EventGroup personal;
    personal.filter = NotifyJob::Filter::Personal;
    personal.events = events;
    auto *job = new NotifyJob(session);
    job->setEventGroups({selected, personal});
    job->setStatusIndicator(true);
    const bool retry = !supported.isEmpty();
    connect(job, &Imap::Job::finished, this, [this, session, job, retry, events] {
        if (session != m_idleSession || !m_running)
            return;
        const Error &error = job->error();
        if (!error) {
            m_notifyReason.clear();
            setNotifyActive(true);
            enterQuiet();
            return;
        }
        if (error.kind == Error::Kind::ServerNo || error.kind == Error::Kind::ServerBad ||
            error.kind == Error::Kind::Config) {
            // [BADEVENT] naming MessageNew and MessageExpunge: once more without the rest (RFC
            // 5465 §5 needs both; FlagChange and MailboxName are worth having, not essential).
            const QList<QByteArray> &supportedNow = job->supportedEvents();
            auto has = [&supportedNow](NotifyJob::Event e) {
                return std::any_of(supportedNow.cbegin(), supportedNow.cend(), [e](const QByteArray &s) {
                    return s.compare(NotifyJob::eventName(e), Qt::CaseInsensitive) == 0;
                });
            };
            if (!retry && has(NotifyJob::Event::MessageNew) && has(NotifyJob::Event::MessageExpunge) &&
                !std::all_of(events.cbegin(), events.cend(), has)) {
                startNotify(session, supportedNow);
                return;
            }
            m_notifyRefused = true;
            notifyFallback(
                QStringLiteral("NOTIFY refused (%1); other folders are polled").arg(error.toString()));
            enterQuiet();
            return;
        }
        onIdleFailed(error);
    });
    job->start();
}

void AccountEngine::setNotifyActive(bool active)
{
    if (m_notifyActive == active)
        return;
    m_notifyActive = active;
    Q_EMIT notifyActiveChanged(active);
}

void AccountEngine::notifyFallback(const QString &reason)
{
    m_notifyReason = reason;
    qCInfo(lcEngine, "account %lld: %s", m_sync ? m_sync->accountId() : 0LL, qUtf8Printable(reason));
    setNotifyActive(false);
}

void AccountEngine::onFolderStatus(const Imap::MailboxStatus &status)
{
    if (!m_running)
        return;
    const QByteArray name = storeName(status.mailbox);
    if (m_statusEvents.size() >= MaxStatusEvents && !m_statusEvents.contains(name)) {
        m_statusEvents.clear();
        m_folderListEvent = true; // one check of every folder covers them all
    } else if (!m_folderListEvent) {
        merge(m_statusEvents[name], status);
    }
    if (!m_eventTimer->isActive())
        m_eventTimer->start(m_options.notifyCoalesce);
}

void AccountEngine::onFolderListEvent()
{
    if (!m_running)
        return;
    m_folderListEvent = true;
    m_statusEvents.clear();
    if (!m_eventTimer->isActive())
        m_eventTimer->start(m_options.notifyCoalesce);
}

void AccountEngine::flushFolderEvents()
{
    if (!m_running || !m_sync) {
        m_statusEvents.clear();
        m_folderListEvent = false;
        return;
    }
    if (m_statusEvents.isEmpty() && !m_folderListEvent)
        return;
    // Compare with the cache the running sync leaves behind, not with the one it is rewriting.
    if (m_sync->isBusy()) {
        m_flushAfterSync = true;
        return;
    }
    m_flushAfterSync = false;
    const auto events = std::exchange(m_statusEvents, {});
    bool checkAll = std::exchange(m_folderListEvent, false);
    QList<qint64> changed;
    Store::FolderStore folders(m_db);
    for (auto it = events.cbegin(); it != events.cend() && !checkAll; ++it) {
        auto id = folders.findByName(m_sync->accountId(), it.key());
        if (!id || id.value() == 0) {
            checkAll = true; // a folder the cache does not know yet: LIST brings it
            break;
        }
        auto folder = folders.get(id.value());
        if (!folder) {
            checkAll = true;
            break;
        }
        if (folder->selectable && differs(folder.value(), it.value()))
            changed << id.value();
    }
    if (checkAll) {
        m_sync->checkFolders();
        return;
    }
    for (qint64 id : std::as_const(changed))
        m_sync->syncFolder(id);
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
            setNotifyActive(false);
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
    setNotifyActive(false); // polled while the connection is down; the next NOTIFY SET STATUS catches up
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
        if (!m_notifyActive)
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
    if (m_flushAfterSync && m_sync && !m_sync->isBusy())
        flushFolderEvents();
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
