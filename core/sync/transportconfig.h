// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/account/accountsettings.h"
#include "core/sync/outbox.h"
#include "core/sync/pop3poller.h"

#include <QJsonObject>
#include <QString>

namespace Tidings::Store {
class Database;
}

namespace Tidings::Sync {

/// Turns an account's stored settings into what the POP3 poller and the outbox need. The
/// AccountSettings fields are the contract with core/account; two POP3 choices that it does not
/// carry yet live in the same settings object under their own keys ("pop3DeleteWhenDeletedHere",
/// "pop3MarkRead", booleans, default false). Certificates: the system CAs, the account's "caFile"
/// (a PEM file of extra CAs, if set) and the pins the person made for that host and port.
struct TransportConfig {
    /// The TLS policy for one endpoint of the account.
    [[nodiscard]] static TlsPolicy tlsPolicy(Store::Database &db, const QJsonObject &settings, const QString &host,
                                             quint16 port);
    [[nodiscard]] static Pop3::Settings pop3(Store::Database &db, const QJsonObject &settings,
                                             const Account::AccountSettings &account, const QString &password);
    [[nodiscard]] static Pop3PollOptions pop3Options(const QJsonObject &settings,
                                                     const Account::AccountSettings &account);
    /// SMTP, plus IMAP APPEND for the Sent copy of an IMAP account (none when the provider files
    /// sent mail itself, ServerQuirks::serverSavesSent), or the local Sent folder for POP3.
    [[nodiscard]] static OutboxAccount outbox(Store::Database &db, qint64 accountId, const QJsonObject &settings,
                                              const Account::AccountSettings &account,
                                              const QString &incomingPassword, const QString &outgoingPassword);
};

} // namespace Tidings::Sync
