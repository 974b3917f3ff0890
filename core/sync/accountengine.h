// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/clock.h"
#include "core/common/error.h"
#include "core/imap/sessionsettings.h"

#include <QObject>
#include <QPointer>

#include <chrono>

namespace Tidings::Imap {
class Session;
class IdleJob;
}
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
    /// Folders other than INBOX (and INBOX when IDLE is refused) are checked this often.
    std::chrono::milliseconds pollInterval = std::chrono::minutes(5);
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

Q_SIGNALS:
    void idleStateChanged(Tidings::Sync::AccountEngine::IdleState state);
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
    bool m_running = false;
};

} // namespace Tidings::Sync
