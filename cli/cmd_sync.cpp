// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// tidings-cli sync [--account NAME] [--once | --watch] [--password-stdin] [--ca-file PEM]:
// brings the profile's IMAP accounts up to date (docs/cli.md, docs/sync.md).
#include "cli/cmd_sync_common.h"

#include <QCoreApplication>
#include <QEventLoop>


namespace {

using namespace Tidings;
using namespace Tidings::Cli;

int syncCommand(Context &c)
{
    QStringList args = c.args;
    bool missing = false;
    const auto accountName = Mail::takeOption(args, QStringLiteral("--account"), &missing);
    const auto caFile = Mail::takeOption(args, QStringLiteral("--ca-file"), &missing);
    const bool once = Mail::takeFlag(args, QStringLiteral("--once"));
    const bool watch = Mail::takeFlag(args, QStringLiteral("--watch"));
    const bool passwordStdin = Mail::takeFlag(args, QStringLiteral("--password-stdin"));
    if (missing || !args.isEmpty() || (once && watch)) {
        c.err << "usage: tidings-cli sync [--account NAME] [--once | --watch] [--password-stdin] [--ca-file PEM]"
              << Qt::endl;
        return 2;
    }
    QList<QSslCertificate> extraCa;
    if (caFile) {
        extraCa = QSslCertificate::fromPath(*caFile, QSsl::Pem);
        if (extraCa.isEmpty())
            return Mail::fail(c, "sync", QStringLiteral("no certificate could be read from %1").arg(*caFile));
    }
    auto db = Mail::openProfile(c, "sync");
    if (!db)
        return 1;

    QList<Store::Account> accounts;
    if (accountName) {
        auto a = Mail::account(c, "sync", *db, *accountName);
        if (!a)
            return 1;
        accounts << *a;
    } else {
        auto all = Store::AccountStore(*db).list();
        if (!all)
            return Mail::fail(c, "sync", all.error().toString());
        for (const Store::Account &a : all.value()) {
            if (a.protocol == Store::Account::Protocol::Imap)
                accounts << a;
        }
        if (accounts.isEmpty())
            return Mail::fail(c, "sync", QStringLiteral("the profile has no IMAP account (add one with tidings-cli account add)"));
    }
    if (passwordStdin && accounts.size() != 1)
        return Mail::fail(c, "sync", QStringLiteral("--password-stdin needs --account NAME"));
    std::optional<QString> password;
    if (passwordStdin)
        password = Mail::readPasswordLine();

    auto engine = Mail::engine(*db, password, extraCa);
    QHash<qint64, QString> names;
    for (const Store::Account &a : std::as_const(accounts))
        names.insert(a.id, a.name);
    QHash<qint64, QString> folderNames;
    auto folderName = [&](qint64 folderId) {
        if (!folderNames.contains(folderId)) {
            auto f = Store::FolderStore(*db).get(folderId);
            folderNames.insert(folderId, f ? f->displayName : QString::number(folderId));
        }
        return folderNames.value(folderId);
    };
    QObject::connect(engine.get(), &Sync::SyncEngine::operationDropped, engine.get(),
                     [&](qint64 accountId, qint64, const QString &reason) {
                         c.err << names.value(accountId) << ": " << reason << Qt::endl;
                     });

    QEventLoop loop;
    int exitCode = 0;
    if (!watch) {
        int remaining = int(accounts.size());
        QHash<qint64, int> fetched;
        QObject::connect(engine.get(), &Sync::SyncEngine::progress, engine.get(),
                         [&](qint64 accountId, qint64, qint64, qint64) { ++fetched[accountId]; });
        QObject::connect(engine.get(), &Sync::SyncEngine::syncFinished, engine.get(),
                         [&](qint64 accountId, const Error &error) {
                             if (error) {
                                 c.err << "tidings-cli sync: " << names.value(accountId) << ": " << Mail::plainError(error) << Qt::endl;
                                 exitCode = 1;
                             } else {
                                 auto folders = Store::FolderStore(*db).list(accountId);
                                 int total = 0;
                                 int unread = 0;
                                 if (folders) {
                                     for (const Store::Folder &f : folders.value()) {
                                         total += f.totalCount;
                                         unread += f.unreadCount;
                                     }
                                 }
                                 c.out << names.value(accountId) << ": up to date, "
                                       << (folders ? folders->size() : 0) << " folders, " << total << " messages, "
                                       << unread << " unread" << Qt::endl;
                             }
                             if (--remaining == 0)
                                 loop.quit();
                         });
        for (const Store::Account &a : std::as_const(accounts))
            engine->syncOnce(a.id);
        loop.exec();
        return exitCode;
    }

    // --watch: print every arrival until interrupted.
    QObject::connect(engine.get(), &Sync::SyncEngine::newMail, engine.get(),
                     [&](qint64 accountId, qint64 folderId, const QList<quint32> &uids) {
                         auto folder = Store::FolderStore(*db).get(folderId);
                         for (quint32 uid : uids) {
                             auto m = Store::MessageStore(*db).findByUid(folderId, folder ? folder->uidValidity : 0, uid);
                             const QString subject = m && m.value() ? m.value()->header.subject : QString();
                             const QString from = m && m.value() ? m.value()->header.from : QString();
                             c.out << names.value(accountId) << " " << folderName(folderId) << " " << uid << " "
                                   << from << ": " << subject << Qt::endl;
                         }
                     });
    QObject::connect(engine.get(), &Sync::SyncEngine::watching, engine.get(), [&](qint64 accountId) {
        c.out << names.value(accountId) << ": watching INBOX" << Qt::endl;
    });
    QObject::connect(engine.get(), &Sync::SyncEngine::accountError, engine.get(), [&](qint64 accountId, const Error &e) {
        c.err << names.value(accountId) << ": " << Mail::plainError(e) << " (retrying)" << Qt::endl;
    });
    QObject::connect(engine.get(), &Sync::SyncEngine::syncFinished, engine.get(), [&](qint64 accountId, const Error &e) {
        if (e)
            c.err << names.value(accountId) << ": " << Mail::plainError(e) << " (retrying)" << Qt::endl;
    });
    for (const Store::Account &a : std::as_const(accounts))
        engine->watch(a.id);
    loop.exec(); // ends with the process (Ctrl-C)
    return 0;
}

} // namespace

TIDINGS_CLI_COMMAND("sync", "sync [--account NAME] [--once | --watch] [--password-stdin] [--ca-file PEM]",
                    "bring IMAP accounts up to date once, or keep watching (IDLE) and print arrivals", &syncCommand);
