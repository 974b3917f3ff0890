// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Shared by the send, outbox and pop3-poll commands: the profile's store, an account by name, its
// settings, and its passwords from the keychain (never from the command line or a file).
#pragma once

#include "core/account/accountsettings.h"
#include "core/account/credentialstore.h"
#include "core/store/accountstore.h"
#include "core/store/database.h"

#include <QEventLoop>
#include <QTextStream>

#include <memory>
#include <optional>

namespace Tidings::Cli {

struct MailAccount {
    Store::Account stored;
    Account::AccountSettings settings;
    /// Store::Database::profileId of the profile the account belongs to (keychain keys use it).
    QString profileId;
};

inline std::unique_ptr<Store::Database> openStore(const QString &profileDir, const char *command,
                                                  QTextStream &err)
{
    auto db = Store::Database::open(profileDir);
    if (!db) {
        err << "tidings-cli " << command << ": cannot open the profile " << profileDir << ": "
            << db.error().toString() << Qt::endl;
        return nullptr;
    }
    return std::move(db).value();
}

inline std::optional<MailAccount> findAccount(Store::Database &db, const QString &name, const char *command,
                                              QTextStream &err)
{
    auto accounts = Store::AccountStore(db).list();
    if (!accounts) {
        err << "tidings-cli " << command << ": " << accounts.error().toString() << Qt::endl;
        return std::nullopt;
    }
    for (const Store::Account &a : *accounts) {
        if (a.name != name)
            continue;
        QString problem;
        auto settings = Account::AccountSettings::fromJson(a.settings, &problem);
        if (!settings) {
            err << "tidings-cli " << command << ": the settings of account \"" << name
                << "\" are unreadable: " << problem << Qt::endl;
            return std::nullopt;
        }
        return MailAccount{a, *settings, db.profileId()};
    }
    err << "tidings-cli " << command << ": no account named \"" << name << "\" (see tidings-cli account list)"
        << Qt::endl;
    return std::nullopt;
}

/// With --password-stdin: one line read from stdin, kept in memory for this command only (used for
/// both the incoming and the outgoing server).
inline std::optional<QString> &stdinPassword()
{
    static std::optional<QString> password;
    return password;
}

/// Reads the --password-stdin line once; false when stdin had none.
inline bool readStdinPassword()
{
    QTextStream in(stdin);
    const QString line = in.readLine();
    if (line.isNull())
        return false;
    stdinPassword() = line;
    return true;
}

/// The secret for @p purpose ("incoming"/"outgoing"): the --password-stdin line, else the keychain;
/// nullopt after printing why.
inline std::optional<QString> readSecret(const MailAccount &account, QLatin1StringView purpose,
                                         const char *command, QTextStream &err)
{
    if (stdinPassword())
        return stdinPassword();
    Account::CredentialStore credentials;
    const QString id =
        account.settings.id.isEmpty() ? QString::number(account.stored.id) : account.settings.id;
    QEventLoop loop;
    std::optional<QString> secret;
    Error error;
    bool answered = false;
    credentials.read(Account::CredentialStore::keyFor(account.profileId, id, QString(purpose)),
                     [&](const QString &s, const Error &e) {
                         if (e)
                             error = e;
                         else
                             secret = s;
                         answered = true;
                         loop.quit();
                     });
    if (!answered) // the memory-only store answers at once
        loop.exec();
    if (!secret) {
        err << "tidings-cli " << command << ": no " << purpose << " password for account \""
            << account.stored.name << "\" in the keychain (" << error.toString() << ")" << Qt::endl;
    }
    return secret;
}

} // namespace Tidings::Cli
