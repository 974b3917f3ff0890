// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/sync/accountconnection.h"

#include "core/account/accountsettings.h"

namespace Tidings::Sync {

std::variant<Imap::SessionSettings, Error> imapSettingsFor(const Store::Account &account, TlsPolicy tls,
                                                           Imap::CredentialProvider credentials)
{
    QString why;
    const auto settings = Account::AccountSettings::fromJson(account.settings, &why);
    if (!settings)
        return Error::make(Error::Kind::Config, QStringLiteral("the settings of account \"%1\" cannot be read: %2")
                                                    .arg(account.name, why));
    if (settings->incomingProtocol != Account::IncomingProtocol::Imap)
        return Error::make(Error::Kind::Config, QStringLiteral("account \"%1\" is not an IMAP account").arg(account.name));
    if (!settings->incoming.isValid())
        return Error::make(Error::Kind::Config, QStringLiteral("account \"%1\" has no IMAP server").arg(account.name));
    const QString caFile = account.settings.value(QStringLiteral("caFile")).toString();
    if (!caFile.isEmpty()) {
        const auto certs = QSslCertificate::fromPath(caFile, QSsl::Pem);
        if (certs.isEmpty())
            return Error::make(Error::Kind::Config, QStringLiteral("no certificate could be read from %1").arg(caFile));
        tls.extraCaCertificates << certs;
    }
    Imap::SessionSettings s;
    s.host = settings->incoming.host;
    s.port = settings->incoming.port;
    s.security = settings->incoming.security;
    s.tls = std::move(tls);
    s.username = settings->incoming.login.isEmpty() ? settings->email : settings->incoming.login;
    s.credentials = std::move(credentials);
    s.clientId = {{"name", "Tidings"}};
    return s;
}

std::variant<Store::Account, Error> findAccount(Store::AccountStore &accounts, const QString &nameOrId)
{
    auto list = accounts.list();
    if (!list)
        return list.error();
    bool isNumber = false;
    const qint64 id = nameOrId.toLongLong(&isNumber);
    QStringList names;
    for (const Store::Account &a : list.value()) {
        if ((isNumber && a.id == id) || a.name == nameOrId || a.email.compare(nameOrId, Qt::CaseInsensitive) == 0)
            return a;
        names << a.name;
    }
    return Error::make(Error::Kind::Config,
                       names.isEmpty() ? QStringLiteral("there is no account \"%1\" (the profile has no accounts)").arg(nameOrId)
                                       : QStringLiteral("there is no account \"%1\" (known: %2)").arg(nameOrId, names.join(QStringLiteral(", "))));
}

} // namespace Tidings::Sync
