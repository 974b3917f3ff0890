// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/clock.h"
#include "core/common/error.h"
#include "core/imap/sessionsettings.h"
#include "core/store/accountstore.h"
#include "core/store/partstore.h"
#include "core/sync/imapsync.h"
#include "core/sync/localchanges.h"

#include <QHash>
#include <QObject>

#include <functional>
#include <memory>
#include <variant>

namespace Tidings::Store {
class Database;
}

namespace Tidings::Sync {

class AccountEngine;

/// The sync layer as the CLI and the UI see it: one object per profile.
///
/// It owns one ImapSync (the command connection) and, while watching, one AccountEngine (IDLE,
/// polling, backoff) per IMAP account, all built lazily from the store's accounts through the
/// settings provider, which also supplies the credential (never stored in the store). Local
/// changes go through changes(): they reach the store at once and the engine replays them.
class SyncEngine final : public QObject
{
    Q_OBJECT
public:
    /// Builds the IMAP settings (host, TLS, credential provider) of an account.
    using SettingsProvider =
        std::function<std::variant<Imap::SessionSettings, Error>(const Store::Account &)>;

    SyncEngine(Store::Database &db, SettingsProvider settings, Clock &clock = SystemClock::instance(),
               QObject *parent = nullptr);
    ~SyncEngine() override;
    Q_DISABLE_COPY_MOVE(SyncEngine)

    void setOptions(const ImapSyncOptions &options) { m_options = options; }

    /// One full sync of an account: pending operations, folder list, every folder.
    /// syncFinished(accountId, error) follows.
    void syncOnce(qint64 accountId);
    /// Keeps the account current: IDLE on INBOX; other folders through NOTIFY (RFC 5465) on the
    /// same connection when the server offers it, else by LIST-STATUS/STATUS on the account's
    /// interval (docs/sync.md); reconnects with backoff. Runs until stopWatching().
    void watch(qint64 accountId);
    void stopWatching(qint64 accountId);

    /// A body section of a message (RFC 9051 §6.4.5 BODY.PEEK[section], "" for the whole
    /// message, "TEXT", "1.2"): served from the store when complete, else fetched and stored.
    /// @p partial (origin, length) fetches a range (a preview) and does not mark the part complete.
    using BodyCallback = std::function<void(const std::variant<QByteArray, Error> &)>;
    void fetchBody(qint64 messageId, const QString &section, BodyCallback done,
                   std::optional<std::pair<quint32, quint32>> partial = {});

    [[nodiscard]] LocalChanges &changes() { return m_changes; }
    /// The account's command connection engine (created on first use), or an error.
    [[nodiscard]] std::variant<ImapSync *, Error> imapSync(qint64 accountId);

Q_SIGNALS:
    void progress(qint64 accountId, qint64 folderId, qint64 done, qint64 total);
    void newMail(qint64 accountId, qint64 folderId, const QList<quint32> &uids);
    void folderListChanged(qint64 accountId);
    void syncFinished(qint64 accountId, const Tidings::Error &error);
    /// After a request: nothing of the account waits for the search index any more
    /// (ImapSync::searchIndexComplete).
    void searchIndexComplete(qint64 accountId, qint64 indexed, const Tidings::Error &error);
    void operationDropped(qint64 accountId, qint64 operationId, const QString &reason);
    /// A problem of a watched account (connection lost, login refused); the engine retries.
    void accountError(qint64 accountId, const Tidings::Error &error);
    /// The watched account's IDLE connection is idling (INBOX is watched).
    void watching(qint64 accountId);

private:
    Store::Database &m_db;
    SettingsProvider m_settings;
    Clock &m_clock;
    ImapSyncOptions m_options;
    LocalChanges m_changes;
    QHash<qint64, ImapSync *> m_syncs;
    QHash<qint64, AccountEngine *> m_engines;
};

} // namespace Tidings::Sync
