// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

// Shared by the mail commands of tidings-cli (sync, folders, list, show, flag, move, delete):
// opening the profile, finding accounts and folders, the credential provider and the JSON form
// of a message. Header-only so each command stays one cmd_<name>.cpp.

#include "cli/command.h"
#include "core/account/accountsettings.h"
#include "core/account/credentialstore.h"
#include "core/account/diagnosis.h"
#include "core/mime/parser.h"
#include "core/store/accountstore.h"
#include "core/store/database.h"
#include "core/store/folderstore.h"
#include "core/store/messagestore.h"
#include "core/sync/accountconnection.h"
#include "core/sync/syncengine.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QSslCertificate>

#include <memory>
#include <optional>

namespace Tidings::Cli::Mail {

/// Prints "tidings-cli COMMAND: message" and returns 1.
inline int fail(Context &c, const char *command, const QString &message)
{
    c.err << "tidings-cli " << command << ": " << message << Qt::endl;
    return 1;
}

/// Takes "--name VALUE" out of @p args; nullopt if absent, an empty optional string set
/// @p missing when the value is missing.
inline std::optional<QString> takeOption(QStringList &args, const QString &name, bool *missing)
{
    const qsizetype i = args.indexOf(name);
    if (i < 0)
        return std::nullopt;
    if (i + 1 >= args.size()) {
        *missing = true;
        args.removeAt(i);
        return std::nullopt;
    }
    const QString value = args.at(i + 1);
    args.remove(i, 2);
    return value;
}

inline bool takeFlag(QStringList &args, const QString &name)
{
    return args.removeAll(name) > 0;
}

inline std::unique_ptr<Store::Database> openProfile(Context &c, const char *command)
{
    if (!QDir().mkpath(c.profileDir)) {
        fail(c, command, QStringLiteral("cannot create the profile directory %1").arg(c.profileDir));
        return {};
    }
    auto db = Store::Database::open(c.profileDir);
    if (!db) {
        fail(c, command,
             QStringLiteral("cannot open the profile %1: %2").arg(c.profileDir, db.error().toString()));
        return {};
    }
    return std::move(db).value();
}

inline std::optional<Store::Account> account(Context &c, const char *command, Store::Database &db,
                                             const QString &name)
{
    Store::AccountStore accounts(db);
    auto found = Sync::findAccount(accounts, name);
    if (auto *e = std::get_if<Error>(&found)) {
        fail(c, command, e->detail);
        return std::nullopt;
    }
    return std::get<Store::Account>(found);
}

/// A folder by its display name ("INBOX", "Archive/2025") or raw server name.
inline std::optional<Store::Folder> folder(Context &c, const char *command, Store::Database &db,
                                           const Store::Account &a, const QString &name)
{
    auto folders = Store::FolderStore(db).list(a.id);
    if (!folders) {
        fail(c, command, folders.error().toString());
        return std::nullopt;
    }
    for (const Store::Folder &f : folders.value()) {
        if (f.displayName == name || f.name == name.toUtf8() ||
            (f.isInbox && name.compare(u"INBOX", Qt::CaseInsensitive) == 0))
            return f;
    }
    fail(c, command,
         QStringLiteral("account \"%1\" has no folder \"%2\" (run tidings-cli sync first?)")
             .arg(a.name, name));
    return std::nullopt;
}

/// The credential: @p password when given (--password-stdin), else the keychain entry that
/// `account add` wrote. The password is held only by this provider, for this process.
inline Imap::CredentialProvider credentials(const QString &profileId, const Store::Account &a,
                                            std::optional<QString> password)
{
    if (password)
        return Imap::staticPassword(*password);
    const QString key =
        Account::CredentialStore::keyFor(profileId, QString::number(a.id), Account::incomingSecretPurpose);
    return [key](Imap::CredentialReply reply) {
        auto *store = new Account::CredentialStore();
        store->read(key, [store, reply](const QString &secret, const Error &error) {
            store->deleteLater();
            if (error || secret.isEmpty()) {
                reply(Error::make(
                    Error::Kind::Config,
                    QStringLiteral("no password is stored for this account (use --password-stdin)")));
                return;
            }
            reply(Imap::Credential{Imap::Credential::Kind::Password, secret});
        });
    };
}

/// One line a person can act on: what happened in plain words (core/account's diagnosis of
/// connection and login failures), then the technical error in parentheses. A Config error is
/// already a sentence of ours; the others print as Error::toString().
inline QString plainError(const Error &error)
{
    switch (error.kind) {
    case Error::Kind::Network:
    case Error::Kind::Tls:
    case Error::Kind::Timeout:
    case Error::Kind::Authentication: {
        const Account::Diagnosis d = Account::diagnose(Account::ServerKind::Imap, error, std::nullopt,
                                                       QDateTime::currentDateTimeUtc());
        if (!d.explanation.isEmpty())
            return d.explanation + QStringLiteral(" (") + error.toString() + u')';
        break;
    }
    case Error::Kind::Config: return error.detail; // already a sentence of ours
    default: break;
    }
    return error.toString();
}

/// Reads one line from stdin (the password of --password-stdin).
inline QString readPasswordLine()
{
    QFile in;
    if (!in.open(stdin, QIODevice::ReadOnly))
        return {};
    QByteArray line = in.readLine();
    while (line.endsWith('\n') || line.endsWith('\r'))
        line.chop(1);
    return QString::fromUtf8(line);
}

/// A SyncEngine whose accounts connect with @p password (or the keychain) and trust the
/// system CAs plus @p caFile and the account's own caFile.
inline std::unique_ptr<Sync::SyncEngine> engine(Store::Database &db, std::optional<QString> password,
                                                QList<QSslCertificate> extraCa)
{
    return std::make_unique<Sync::SyncEngine>(
        db, [password, extraCa, profileId = db.profileId()](const Store::Account &a) {
            TlsPolicy tls;
            tls.extraCaCertificates = extraCa;
            return Sync::imapSettingsFor(a, tls, credentials(profileId, a, password));
        });
}

inline QJsonArray addressesJson(const QString &column)
{
    QJsonArray out;
    if (column.isEmpty())
        return out;
    for (const Mime::Address &a : Mime::Parser::parseAddresses(column.toUtf8()))
        out.append(QJsonObject{{QStringLiteral("name"), a.name}, {QStringLiteral("address"), a.address}});
    return out;
}

inline QJsonArray flagsJson(const Store::MessageHeader &h)
{
    QJsonArray out;
    for (const QByteArray &f : Store::flagsToImap(h.flags))
        out.append(QString::fromLatin1(f));
    for (const QString &k : h.keywords)
        out.append(k);
    return out;
}

/// A Message-ID without its angle brackets, as `parse --json` writes it.
inline QString bareMessageId(QString id)
{
    id = id.trimmed();
    if (id.startsWith(u'<') && id.endsWith(u'>'))
        id = id.mid(1, id.size() - 2);
    return id;
}

/// The --json form of a message: the fields docs/cli.md promises.
inline QJsonObject messageJson(const Store::StoredMessage &m)
{
    const QDateTime date = m.header.date.isValid() ? m.header.date : m.header.internalDate;
    return QJsonObject{
        {QStringLiteral("uid"), qint64(m.header.uid)},
        {QStringLiteral("flags"), flagsJson(m.header)},
        {QStringLiteral("date"), date.isValid() ? date.toUTC().toString(Qt::ISODate) : QString()},
        {QStringLiteral("from"), addressesJson(m.header.from)},
        {QStringLiteral("to"), addressesJson(m.header.to)},
        {QStringLiteral("subject"), m.header.subject},
        {QStringLiteral("message_id"), bareMessageId(m.header.messageId)},
        {QStringLiteral("size"), m.header.size},
    };
}

} // namespace Tidings::Cli::Mail
