// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// tidings-cli sync [--account NAME] [--once | --watch] [--password-stdin] [--ca-file PEM]:
// brings the profile's IMAP accounts up to date and polls its POP3 accounts (docs/cli.md,
// docs/sync.md, docs/outbox.md).
#include "cli/cmd_pop3poll.h"
#include "cli/cmd_sync_common.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QSet>

namespace {

using namespace Tidings;
using namespace Tidings::Cli;

/// plainError() for a POP3 server: the diagnosis speaks of POP3, not IMAP.
QString plainPop3Error(const Error &error)
{
    switch (error.kind) {
    case Error::Kind::Network:
    case Error::Kind::Tls:
    case Error::Kind::Timeout:
    case Error::Kind::Authentication: {
        const Account::Diagnosis d = Account::diagnose(Account::ServerKind::Pop3, error, std::nullopt,
                                                       QDateTime::currentDateTimeUtc());
        if (!d.explanation.isEmpty())
            return d.explanation + QStringLiteral(" (") + error.toString() + u')';
        break;
    }
    case Error::Kind::Config: return error.detail;
    default: break;
    }
    return error.toString();
}

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
        c.err << "usage: tidings-cli sync [--account NAME] [--once | --watch] [--password-stdin] [--ca-file "
                 "PEM]"
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

    QList<Store::Account> accounts;  // IMAP: the SyncEngine's
    QList<MailAccount> pop3Accounts; // POP3: one Pop3Poller each
    QList<Store::Account> candidates;
    if (accountName) {
        auto a = Mail::account(c, "sync", *db, *accountName);
        if (!a)
            return 1;
        candidates << *a;
    } else {
        auto all = Store::AccountStore(*db).list();
        if (!all)
            return Mail::fail(c, "sync", all.error().toString());
        candidates = all.value();
        if (candidates.isEmpty())
            return Mail::fail(
                c, "sync",
                QStringLiteral("the profile has no account (add one with tidings-cli account add)"));
    }
    for (const Store::Account &a : std::as_const(candidates)) {
        if (a.protocol == Store::Account::Protocol::Imap) {
            accounts << a;
            continue;
        }
        QString problem;
        auto m = Cli::mailAccount(*db, a, &problem);
        if (!m)
            return Mail::fail(
                c, "sync",
                QStringLiteral("the settings of account \"%1\" are unreadable: %2").arg(a.name, problem));
        pop3Accounts << *m;
    }
    if (passwordStdin && accounts.size() + pop3Accounts.size() != 1)
        return Mail::fail(c, "sync", QStringLiteral("--password-stdin needs --account NAME"));
    std::optional<QString> password;
    if (passwordStdin)
        password = Mail::readPasswordLine();
    if (password)
        Cli::stdinPassword() = password; // what Cli::readSecret() hands the POP3 poller

    // POP3 accounts: a poller each, with the password from stdin or the keychain. An account
    // without one is reported and skipped; the others still run.
    std::vector<std::unique_ptr<Sync::Pop3Poller>> pollers;
    QHash<const Sync::Pop3Poller *, QString> pollerNames;
    int pop3Unavailable = 0;
    for (const MailAccount &a : std::as_const(pop3Accounts)) {
        const auto secret = Cli::readSecret(a, Account::incomingSecretPurpose, "sync", c.err);
        if (!secret) {
            ++pop3Unavailable;
            continue;
        }
        pollers.push_back(Cli::pop3Poller(*db, a, *secret));
        pollerNames.insert(pollers.back().get(), a.stored.name);
    }

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
    int exitCode = pop3Unavailable > 0 ? 1 : 0;
    if (!watch) {
        int remaining = int(accounts.size() + pollers.size());
        QHash<qint64, int> fetched;
        QSet<qint64> indexing; // synced, waiting for SearchIndexer
        QObject::connect(engine.get(), &Sync::SyncEngine::progress, engine.get(),
                         [&](qint64 accountId, qint64, qint64, qint64) { ++fetched[accountId]; });
        QObject::connect(engine.get(), &Sync::SyncEngine::syncFinished, engine.get(),
                         [&](qint64 accountId, const Error &error) {
                             if (error) {
                                 c.err << "tidings-cli sync: " << names.value(accountId) << ": "
                                       << Mail::plainError(error) << Qt::endl;
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
                                       << (folders ? folders->size() : 0) << " folders, " << total
                                       << " messages, " << unread << " unread" << Qt::endl;
                                 // A first sync of a large folder leaves its search index to the
                                 // background pass that follows: the sync is over when it is.
                                 indexing.insert(accountId);
                                 return;
                             }
                             if (--remaining == 0)
                                 loop.quit();
                         });
        QObject::connect(engine.get(), &Sync::SyncEngine::searchIndexComplete, engine.get(),
                         [&](qint64 accountId, qint64, const Error &error) {
                             if (!indexing.remove(accountId))
                                 return;
                             if (error) {
                                 c.err << "tidings-cli sync: " << names.value(accountId)
                                       << ": building the search index failed: " << error.toString()
                                       << Qt::endl;
                                 exitCode = 1;
                             }
                             if (--remaining == 0)
                                 loop.quit();
                         });
        for (const auto &poller : pollers) {
            const QString name = pollerNames.value(poller.get());
            QObject::connect(
                poller.get(), &Sync::Pop3Poller::finished, &loop, [&, name](const Sync::Pop3PollResult &r) {
                    if (r.error) {
                        c.err << "tidings-cli sync: " << name << ": " << plainPop3Error(r.error) << Qt::endl;
                        exitCode = 1;
                    } else {
                        c.out << Cli::pop3ResultLine(name, r) << Qt::endl;
                    }
                });
            // The poll is over when its messages are indexed too (preview, search text): the
            // indexer runs right after finished(), also over what an earlier run left undone.
            QObject::connect(
                poller.get(), &Sync::Pop3Poller::indexingFinished, &loop, [&, name](int, const Error &e) {
                    if (e) {
                        c.err << "tidings-cli sync: " << name
                              << ": indexing the downloaded messages failed: " << e.toString() << Qt::endl;
                        exitCode = 1;
                    }
                    if (--remaining == 0)
                        loop.quit();
                });
        }
        for (const Store::Account &a : std::as_const(accounts))
            engine->syncOnce(a.id);
        for (const auto &poller : pollers)
            poller->pollOnce();
        if (remaining > 0)
            loop.exec();
        return exitCode;
    }

    // --watch: print every arrival until interrupted.
    QObject::connect(engine.get(), &Sync::SyncEngine::newMail, engine.get(),
                     [&](qint64 accountId, qint64 folderId, const QList<quint32> &uids) {
                         auto folder = Store::FolderStore(*db).get(folderId);
                         for (quint32 uid : uids) {
                             auto m = Store::MessageStore(*db).findByUid(
                                 folderId, folder ? folder->uidValidity : 0, uid);
                             const QString subject = m && m.value() ? m.value()->header.subject : QString();
                             const QString from = m && m.value() ? m.value()->header.from : QString();
                             c.out << names.value(accountId) << " " << folderName(folderId) << " " << uid
                                   << " " << from << ": " << subject << Qt::endl;
                         }
                     });
    QObject::connect(engine.get(), &Sync::SyncEngine::watching, engine.get(), [&](qint64 accountId) {
        c.out << names.value(accountId) << ": watching INBOX" << Qt::endl;
    });
    QObject::connect(
        engine.get(), &Sync::SyncEngine::accountError, engine.get(), [&](qint64 accountId, const Error &e) {
            c.err << names.value(accountId) << ": " << Mail::plainError(e) << " (retrying)" << Qt::endl;
        });
    QObject::connect(
        engine.get(), &Sync::SyncEngine::syncFinished, engine.get(), [&](qint64 accountId, const Error &e) {
            if (e)
                c.err << names.value(accountId) << ": " << Mail::plainError(e) << " (retrying)" << Qt::endl;
        });
    for (const Store::Account &a : std::as_const(accounts))
        engine->watch(a.id);
    // POP3 has no IDLE: each account is polled now and then every interval (its check interval,
    // 10 minutes unless set).
    for (const auto &poller : pollers) {
        const QString name = pollerNames.value(poller.get());
        QObject::connect(
            poller.get(), &Sync::Pop3Poller::finished, &loop, [&, name](const Sync::Pop3PollResult &r) {
                if (r.error)
                    c.err << name << ": " << plainPop3Error(r.error) << " (retrying)" << Qt::endl;
                else if (r.downloaded > 0 || r.deletedOnServer > 0)
                    c.out << Cli::pop3ResultLine(name, r) << Qt::endl;
            });
        c.out << name << ": checking POP3 every "
              << std::chrono::duration_cast<std::chrono::minutes>(poller->options().interval).count()
              << " minutes" << Qt::endl;
        poller->start();
        poller->checkNow();
    }
    if (accounts.isEmpty() && pollers.empty())
        return exitCode;
    loop.exec(); // ends with the process (Ctrl-C)
    return 0;
}

} // namespace

TIDINGS_CLI_COMMAND(
    "sync", "sync [--account NAME] [--once | --watch] [--password-stdin] [--ca-file PEM]",
    "bring IMAP accounts up to date and poll POP3 accounts once, or keep watching (IDLE, POP3 "
    "on its interval) and print arrivals",
    &syncCommand);
