// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/clock.h"
#include "core/common/error.h"
#include "core/imap/response.h"
#include "core/imap/sessionsettings.h"

#include <QHash>
#include <QObject>
#include <QPointer>

#include <chrono>

namespace Tidings::Imap {
class Session;
class IdleJob;
} // namespace Tidings::Imap
namespace Tidings::Store {
class Database;
}

namespace Tidings::Sync {

class ImapSync;

struct AccountEngineOptions {
    /// IDLE is entered after this long without other work on the IDLE connection.
    std::chrono::milliseconds idleQuietTime = std::chrono::seconds(2);
    /// IDLE is renewed (DONE, IDLE) this often; the session never waits longer than 29 minutes.
    std::chrono::milliseconds idleRenewal = std::chrono::minutes(10);
    /// Folders other than INBOX (and INBOX when IDLE is refused) are checked this often, unless
    /// NOTIFY is active.
    std::chrono::milliseconds pollInterval = std::chrono::minutes(5);
    /// Use NOTIFY (RFC 5465) when the server offers it: the IDLE connection then hears about
    /// every folder and the periodic folder check pauses.
    bool useNotify = true;
    /// NOTIFY events are gathered this long before they are compared with the cache, so a
    /// burst of them becomes one sync per folder.
    std::chrono::milliseconds notifyCoalesce = std::chrono::milliseconds(250);
    /// Reconnect delays: doubled after each failure, from min up to max.
    std::chrono::milliseconds backoffMin = std::chrono::seconds(1);
    std::chrono::milliseconds backoffMax = std::chrono::minutes(5);
    /// The provider's IDLE is known broken (ServerQuirks::noIdle): poll INBOX instead.
    bool noIdle = false;
};

/// Keeps one IMAP account current while Tidings runs.
///
/// Connections: at most two per account. The command connection belongs to ImapSync (sync,
/// replay, body fetches); the IDLE connection belongs to this engine and does nothing but
/// EXAMINE INBOX and IDLE (RFC 2177), so an arrival is seen within a second while the command
/// connection is free for work. Gmail allows 15 connections per user in total; two per account
/// leave room for the person's phone.
///
/// States of the IDLE connection: Stopped → Connecting (open, login, EXAMINE INBOX) → Quiet
/// (waiting idleQuietTime) → Idling (the session renews IDLE every idleRenewal and declares the
/// connection dead when a keep-alive NOOP or the DONE of a renewal goes unanswered) →
/// Backoff (after any failure: reconnect after backoffMin, doubling up to backoffMax, reset once
/// IDLE is accepted again) → Connecting. A server without IDLE, or one refusing it, puts the
/// engine in Polling: INBOX is synced on the poll interval instead.
///
/// What the IDLE connection hears (EXISTS, EXPUNGE, VANISHED, FETCH FLAGS) only wakes the
/// command connection: ImapSync::syncFolder(INBOX) fetches new headers at once. Other folders
/// are checked with ImapSync::checkFolders() (LIST-STATUS, else STATUS) every pollInterval.
/// Failed sync requests are retried with the same backoff.
///
/// NOTIFY (RFC 5465). When the server offers it, the IDLE connection sends, after EXAMINE INBOX
/// and before IDLE, `NOTIFY SET STATUS (selected (MessageNew MessageExpunge FlagChange))
/// (personal (MessageNew MessageExpunge FlagChange MailboxName))`. INBOX events keep arriving
/// as EXISTS/EXPUNGE/FETCH; every other personal folder's changes arrive as STATUS, new,
/// deleted and renamed folders as LIST, at any time and during IDLE too. While NOTIFY is active
/// the periodic folder check is skipped. STATUS events are gathered for notifyCoalesce (the
/// latest counters per folder win) and, once the command connection is idle, compared with the
/// cache: a folder whose UIDVALIDITY, UIDNEXT, MESSAGES, UNSEEN or HIGHESTMODSEQ differs is
/// synced alone (ImapSync::syncFolder); a folder the cache does not know, or a LIST event,
/// leads to one checkFolders(), which also reconciles the folder list. The STATUS indicator
/// makes the server report every folder right after NOTIFY SET, so whatever changed while the
/// connection was down (or during the initial sync) is found the same way. Every reconnect
/// sends NOTIFY again.
///
/// Fallbacks. A refusal with [BADEVENT (...)] that still names MessageNew and MessageExpunge is
/// answered once with NOTIFY SET limited to the events named. Any other refused NOTIFY (NO or
/// BAD) is not tried again while the engine runs; `* OK [NOTIFICATIONOVERFLOW]` means events were lost: the
/// engine checks every folder at once and polls until the next reconnect. Both are logged (category
/// tidings.sync.engine) and kept in notifyFallbackReason(). While the IDLE connection is down,
/// polling runs too.
class AccountEngine final : public QObject
{
    Q_OBJECT
public:
    enum class IdleState { Stopped, Connecting, Quiet, Idling, Backoff, Polling };
    Q_ENUM(IdleState)

    AccountEngine(ImapSync *sync, Store::Database &db, Imap::SessionSettings settings, Clock &clock,
                  AccountEngineOptions options = {}, QObject *parent = nullptr);
    ~AccountEngine() override;
    Q_DISABLE_COPY_MOVE(AccountEngine)

    /// Starts with a full sync and the IDLE connection.
    void start();
    void stop();
    [[nodiscard]] IdleState idleState() const { return m_state; }
    /// The delay the next reconnect will wait.
    [[nodiscard]] std::chrono::milliseconds currentBackoff() const { return m_backoff; }
    /// NOTIFY is set on the IDLE connection: other folders are watched, not polled.
    [[nodiscard]] bool isNotifyActive() const { return m_notifyActive; }
    /// Folders with NOTIFY events not yet compared with the cache (a folder-list event counts
    /// as one): they wait for notifyCoalesce and for the command connection to be idle.
    [[nodiscard]] int pendingFolderEvents() const
    {
        return int(m_statusEvents.size()) + (m_folderListEvent ? 1 : 0);
    }
    /// Why the server's NOTIFY is not used (refused, overflow), for logs and diagnostics;
    /// empty while it works or when the server does not offer it.
    [[nodiscard]] const QString &notifyFallbackReason() const { return m_notifyReason; }

Q_SIGNALS:
    void idleStateChanged(Tidings::Sync::AccountEngine::IdleState state);
    /// NOTIFY became active on the IDLE connection, or stopped (refused, overflow, lost).
    void notifyActiveChanged(bool active);
    /// The IDLE connection failed (it is retried after the backoff).
    void errorOccurred(const Tidings::Error &error);

private:
    void connectIdle();
    void onIdleFailed(const Error &error);
    void enterIdle();
    void inboxChanged();
    void poll();
    void setState(IdleState state);
    void onSyncFinished(const Error &error);
    void startNotify(Imap::Session *session, const QList<QByteArray> &supported = {});
    void enterQuiet();
    void setNotifyActive(bool active);
    void notifyFallback(const QString &reason);
    void onFolderStatus(const Imap::MailboxStatus &status);
    void onFolderListEvent();
    void flushFolderEvents();
    [[nodiscard]] qint64 inboxId() const;

    QPointer<ImapSync> m_sync;
    Store::Database &m_db;
    Imap::SessionSettings m_settings;
    Clock &m_clock;
    AccountEngineOptions m_options;
    QPointer<Imap::Session> m_idleSession;
    QPointer<Imap::IdleJob> m_idleJob;
    IdleState m_state = IdleState::Stopped;
    std::chrono::milliseconds m_backoff;
    std::chrono::milliseconds m_syncBackoff;
    Timer *m_quietTimer = nullptr;
    Timer *m_reconnectTimer = nullptr;
    Timer *m_pollTimer = nullptr;
    Timer *m_syncRetryTimer = nullptr;
    Timer *m_eventTimer = nullptr;
    bool m_running = false;
    bool m_notifyActive = false;
    bool m_notifyRefused = false; ///< NO/BAD to NOTIFY: not asked again while running
    QString m_notifyReason;
    QHash<QByteArray, Imap::MailboxStatus> m_statusEvents; ///< by the server's mailbox name
    bool m_folderListEvent = false;
    bool m_flushAfterSync = false; ///< events wait for the command connection to be idle
};

} // namespace Tidings::Sync
