// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/store/result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace Tidings::Store {

class Database;

/// One mail account as the store keeps it: settings only. Passwords and tokens live in the
/// OS keychain (core/account); add() and update() refuse settings that look like a secret.
struct Account {
    enum class Protocol { Imap, Pop3 };

    qint64 id = 0;
    QString name;
    QString email;
    Protocol protocol = Protocol::Imap;
    QJsonObject settings; ///< hosts, ports, user name, security; owned by core/account
    int sortOrder = 0;
    QDateTime createdAt;

    friend bool operator==(const Account &, const Account &) = default;
};

/// The accounts table. Removing an account removes everything that carries its id.
class AccountStore final
{
public:
    explicit AccountStore(Database &db) : m_db(db) {}

    /// Adds an account and returns its id (createdAt is set from the store's clock).
    [[nodiscard]] Result<qint64> add(const Account &account);
    Error update(const Account &account);
    /// Deletes the account and, through foreign keys, its folders, messages, parts, pending
    /// operations, POP3 records and outbox.
    Error remove(qint64 accountId);
    [[nodiscard]] Result<Account> get(qint64 accountId);
    [[nodiscard]] Result<QList<Account>> list();

    /// The first settings key that names a secret ("password", "token", ...), or "".
    [[nodiscard]] static QString secretKey(const QJsonObject &settings);

private:
    Database &m_db;
};

} // namespace Tidings::Store
