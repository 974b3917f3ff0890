// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

// Shared by `pop3-poll` and `sync`: a Pop3Poller for a stored POP3 account, and the way a poll's
// outcome is printed (one line, or the JSON object docs/cli.md names).

#include "cli/mailaccountcli.h"
#include "core/sync/pop3poller.h"
#include "core/sync/transportconfig.h"

#include <QJsonObject>
#include <QJsonValue>

#include <memory>

namespace Tidings::Cli {

/// A poller for @p account with its stored settings (servers, certificates, leave-on-server,
/// delete-after-days, interval) and @p password.
inline std::unique_ptr<Sync::Pop3Poller> pop3Poller(Store::Database &db, const MailAccount &account,
                                                    const QString &password)
{
    return std::make_unique<Sync::Pop3Poller>(
        db, account.stored.id,
        Sync::TransportConfig::pop3(db, account.stored.settings, account.settings, password),
        Sync::TransportConfig::pop3Options(account.stored.settings, account.settings));
}

/// The settings of a stored account of @p db, or the reason they cannot be read.
inline std::optional<MailAccount> mailAccount(Store::Database &db, const Store::Account &stored,
                                              QString *problem)
{
    auto settings = Account::AccountSettings::fromJson(stored.settings, problem);
    if (!settings)
        return std::nullopt;
    MailAccount account;
    account.stored = stored;
    account.settings = *settings;
    account.profileId = db.profileId();
    return account;
}

/// "NAME: 12 on the server, 3 new, 0 deleted from the server".
inline QString pop3ResultLine(const QString &accountName, const Sync::Pop3PollResult &result)
{
    return QStringLiteral("%1: %2 on the server, %3 new, %4 deleted from the server")
        .arg(accountName)
        .arg(result.onServer)
        .arg(result.downloaded)
        .arg(result.deletedOnServer);
}

inline QJsonObject pop3ResultJson(const QString &accountName, const Sync::Pop3PollResult &result)
{
    QJsonObject o;
    o.insert(QStringLiteral("account"), accountName);
    o.insert(QStringLiteral("ok"), result.ok());
    o.insert(QStringLiteral("onServer"), result.onServer);
    o.insert(QStringLiteral("downloaded"), result.downloaded);
    o.insert(QStringLiteral("deletedOnServer"), result.deletedOnServer);
    o.insert(QStringLiteral("skipped"), result.skipped);
    o.insert(QStringLiteral("error"), result.error ? QJsonValue(result.error.toString()) : QJsonValue());
    return o;
}

} // namespace Tidings::Cli
