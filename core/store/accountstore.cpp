// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/store/accountstore.h"

#include "core/common/clock.h"
#include "core/store/database.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace Tidings::Store {

namespace {

QString protocolName(Account::Protocol protocol)
{
    return protocol == Account::Protocol::Pop3 ? QStringLiteral("pop3") : QStringLiteral("imap");
}

Account readAccount(Statement &q)
{
    Account a;
    a.id = q.value(0).toLongLong();
    a.name = q.value(1).toString();
    a.email = q.value(2).toString();
    a.protocol = q.value(3).toString() == u"pop3" ? Account::Protocol::Pop3 : Account::Protocol::Imap;
    a.settings = QJsonDocument::fromJson(q.value(4).toString().toUtf8()).object();
    a.sortOrder = q.value(5).toInt();
    a.createdAt = fromDbTime(q.value(6));
    return a;
}

QString secretKeyIn(const QJsonValue &value)
{
    static const QStringList words = {QStringLiteral("password"), QStringLiteral("passwd"),
                                      QStringLiteral("secret"), QStringLiteral("token")};
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it) {
            for (const QString &word : words) {
                if (it.key().contains(word, Qt::CaseInsensitive))
                    return it.key();
            }
            const QString inner = secretKeyIn(it.value());
            if (!inner.isEmpty())
                return inner;
        }
    } else if (value.isArray()) {
        const QJsonArray array = value.toArray();
        for (const QJsonValue &element : array) {
            const QString inner = secretKeyIn(element);
            if (!inner.isEmpty())
                return inner;
        }
    }
    return {};
}

Error refuseSecrets(const Account &account)
{
    const QString key = AccountStore::secretKey(account.settings);
    if (key.isEmpty())
        return {};
    return Error::make(Error::Kind::Config,
                       QStringLiteral("account settings may not hold a secret (key \"%1\"); secrets belong in the keychain")
                           .arg(key));
}

constexpr auto kColumns = "SELECT id, name, email, protocol, settings, sort_order, created_at FROM accounts";

} // namespace

QString AccountStore::secretKey(const QJsonObject &settings)
{
    return secretKeyIn(settings);
}

Result<qint64> AccountStore::add(const Account &account)
{
    if (Error e = refuseSecrets(account))
        return e;
    Statement q(m_db, QStringLiteral("INSERT INTO accounts (name, email, protocol, settings, sort_order, created_at) "
                                     "VALUES (?, ?, ?, ?, ?, ?)"));
    q.bind(account.name)
        .bind(account.email)
        .bind(protocolName(account.protocol))
        .bind(QString::fromUtf8(QJsonDocument(account.settings).toJson(QJsonDocument::Compact)))
        .bind(account.sortOrder)
        .bind(toDbTime(m_db.clock().now()));
    if (Error e = q.exec())
        return e;
    return q.lastInsertId();
}

Error AccountStore::update(const Account &account)
{
    if (Error e = refuseSecrets(account))
        return e;
    Statement q(m_db, QStringLiteral("UPDATE accounts SET name = ?, email = ?, protocol = ?, settings = ?, "
                                     "sort_order = ? WHERE id = ?"));
    q.bind(account.name)
        .bind(account.email)
        .bind(protocolName(account.protocol))
        .bind(QString::fromUtf8(QJsonDocument(account.settings).toJson(QJsonDocument::Compact)))
        .bind(account.sortOrder)
        .bind(account.id);
    if (Error e = q.exec())
        return e;
    if (q.rowsAffected() != 1)
        return Error::make(Error::Kind::Storage, QStringLiteral("no account with id %1").arg(account.id));
    return {};
}

Error AccountStore::remove(qint64 accountId)
{
    Transaction t(m_db);
    if (t.error())
        return t.error();
    Statement q(m_db, QStringLiteral("DELETE FROM accounts WHERE id = ?"));
    q.bind(accountId);
    if (Error e = q.exec())
        return e;
    return t.commit();
}

Result<Account> AccountStore::get(qint64 accountId)
{
    Statement q(m_db, QLatin1String(kColumns) + QStringLiteral(" WHERE id = ?"));
    q.bind(accountId);
    if (Error e = q.exec())
        return e;
    if (!q.next())
        return Error::make(Error::Kind::Storage, QStringLiteral("no account with id %1").arg(accountId));
    return readAccount(q);
}

Result<QList<Account>> AccountStore::list()
{
    Statement q(m_db, QLatin1String(kColumns) + QStringLiteral(" ORDER BY sort_order, id"));
    if (Error e = q.exec())
        return e;
    QList<Account> out;
    while (q.next())
        out << readAccount(q);
    return out;
}

} // namespace Tidings::Store
