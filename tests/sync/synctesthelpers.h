// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

// Shared by the sync integration tests: a profile with one account on the harness Dovecot, a
// second "other client" connection that changes the mailbox, and the comparison of the
// store with the server's state.

#include "core/account/accountsettings.h"
#include "core/imap/fetchjob.h"
#include "core/imap/jobs.h"
#include "core/imap/loginjob.h"
#include "core/imap/messagejobs.h"
#include "core/imap/session.h"
#include "core/imap/utf7.h"
#include "core/store/accountstore.h"
#include "core/store/database.h"
#include "core/store/folderstore.h"
#include "core/store/messagestore.h"
#include "core/sync/accountconnection.h"
#include "core/sync/syncengine.h"
#include "tests/support/mailserverenv.h"

#include <QMap>
#include <QSignalSpy>
#include <QTest>

#include <memory>

namespace Tidings::Sync::TestHelpers {

inline QByteArray message(const QByteArray &subject, const QByteArray &body = "Hello from the sync test.\r\n")
{
    return "From: Alice Example <alice@tidings.test>\r\n"
           "To: \"Doe, Bob\" <bob@tidings.test>\r\n"
           "Subject: " + subject + "\r\n"
           "Date: Thu, 05 Mar 2026 09:07:03 +0100\r\n"
           "Message-ID: <" + QByteArray(subject).toLower().replace(' ', '-') + "@tidings.test>\r\n"
           "MIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n"
           "\r\n" + body;
}

inline Imap::SessionSettings harnessSettings(const Test::MailServerEnv &env, const Test::MailUser &user)
{
    Imap::SessionSettings s;
    s.host = env.host;
    s.port = env.imapsPort;
    s.security = Security::ImplicitTls;
    s.tls.useSystemCaCertificates = false;
    s.tls.extraCaCertificates = env.caCertificates();
    s.username = user.address;
    s.credentials = Imap::staticPassword(user.password);
    s.protocolLogFromEnvironment = true;
    return s;
}

/// Adds an IMAP account for @p user to the store; returns its id.
inline qint64 addAccount(Store::Database &db, const Test::MailServerEnv &env, const Test::MailUser &user, quint16 port = 0)
{
    Account::AccountSettings s;
    s.name = QStringLiteral("Test");
    s.email = user.address;
    s.incomingProtocol = Account::IncomingProtocol::Imap;
    s.incoming = Account::Endpoint{env.host, port ? port : env.imapsPort, Security::ImplicitTls, user.address};
    s.outgoing = Account::Endpoint{env.host, env.smtpsPort, Security::ImplicitTls, user.address};
    Store::Account a;
    a.name = s.name;
    a.email = s.email;
    a.settings = s.toJson();
    auto id = Store::AccountStore(db).add(a);
    return id ? id.value() : 0;
}

/// A SyncEngine that reaches the harness with @p user's password and trusts only its CA.
inline std::unique_ptr<SyncEngine> harnessEngine(Store::Database &db, const Test::MailServerEnv &env,
                                                 const Test::MailUser &user, Clock &clock = SystemClock::instance())
{
    const QList<QSslCertificate> ca = env.caCertificates();
    const QString password = user.password;
    return std::make_unique<SyncEngine>(
        db,
        [ca, password](const Store::Account &a) {
            TlsPolicy tls;
            tls.useSystemCaCertificates = false;
            tls.extraCaCertificates = ca;
            auto s = imapSettingsFor(a, tls, Imap::staticPassword(password));
            if (auto *settings = std::get_if<Imap::SessionSettings>(&s))
                settings->protocolLogFromEnvironment = true;
            return s;
        },
        clock);
}

/// Runs one syncOnce and returns its error.
inline Error syncOnce(SyncEngine &engine, qint64 accountId, int timeoutMs = 60000)
{
    QSignalSpy done(&engine, &SyncEngine::syncFinished);
    engine.syncOnce(accountId);
    if (!done.wait(timeoutMs))
        return Error::make(Error::Kind::Timeout, QStringLiteral("syncOnce did not finish"));
    return done.first().at(1).value<Error>();
}

/// Runs @p job and waits; true when it finished without error.
inline bool run(Imap::Job *job, int timeoutMs = 30000)
{
    job->setAutoDelete(false);
    QSignalSpy finished(job, &Imap::Job::finished);
    job->start();
    if (!job->isFinished() && !finished.wait(timeoutMs))
        return false;
    if (job->error())
        qWarning("job failed: %s", qPrintable(job->error().toString()));
    return !job->error();
}

/// The "other client": a logged-in session on the harness.
inline std::unique_ptr<Imap::Session> otherClient(const Test::MailServerEnv &env, const Test::MailUser &user)
{
    auto s = std::make_unique<Imap::Session>(harnessSettings(env, user));
    QSignalSpy ready(s.get(), &Imap::Session::ready);
    s->open();
    if (!ready.wait(15000))
        return nullptr;
    Imap::LoginJob login(s.get());
    if (!run(&login))
        return nullptr;
    return s;
}

/// What the server has in a folder: UID → sorted flag atoms (without \Recent).
using ServerState = QMap<quint32, QList<QByteArray>>;

inline std::optional<ServerState> serverState(Imap::Session &session, const QString &folder)
{
    Imap::SelectJob select(&session);
    select.setMailbox(folder);
    select.setReadOnly(true);
    if (!run(&select))
        return std::nullopt;
    ServerState state;
    if (select.mailbox().exists == 0)
        return state;
    Imap::FetchJob fetch(&session);
    fetch.setUids(Imap::UidSet::range(1, Imap::UidSet::Star));
    Imap::FetchScope scope;
    scope.flags = true;
    fetch.setScope(scope);
    if (!run(&fetch))
        return std::nullopt;
    for (const Imap::Fetch &f : fetch.messages()) {
        QList<QByteArray> flags;
        for (const QByteArray &a : f.flags.value_or(QList<QByteArray>())) {
            if (a.compare("\\Recent", Qt::CaseInsensitive) != 0)
                flags << a;
        }
        std::sort(flags.begin(), flags.end());
        state.insert(*f.uid, flags);
    }
    return state;
}

/// The same view of the store's copy of a folder (server rows only).
inline ServerState storeState(Store::Database &db, qint64 accountId, const QByteArray &folderName)
{
    ServerState state;
    auto id = Store::FolderStore(db).findByName(accountId, folderName);
    if (!id || id.value() == 0)
        return state;
    auto folder = Store::FolderStore(db).get(id.value());
    auto page = Store::MessageStore(db).folderPageAt(id.value(), 1000000, 0);
    for (const Store::StoredMessage &m : page.value()) {
        if (m.header.uid == 0 || m.uidValidity != folder->uidValidity)
            continue;
        QList<QByteArray> flags = Store::flagsToImap(m.header.flags);
        for (const QString &k : m.header.keywords)
            flags << k.toUtf8();
        std::sort(flags.begin(), flags.end());
        state.insert(m.header.uid, flags);
    }
    return state;
}

inline QString describe(const ServerState &s)
{
    QStringList out;
    for (auto it = s.cbegin(); it != s.cend(); ++it)
        out << QStringLiteral("%1(%2)").arg(it.key()).arg(QString::fromLatin1(it.value().join(' ')));
    return out.join(u' ');
}

/// Asserts the store holds exactly the server's messages and flags of @p folder.
#define COMPARE_WITH_SERVER(db, accountId, session, folder)                                                    \
    do {                                                                                                        \
        const auto server_ = Tidings::Sync::TestHelpers::serverState((session), QStringLiteral(folder));        \
        QVERIFY(server_);                                                                                       \
        const auto local_ = Tidings::Sync::TestHelpers::storeState((db), (accountId), QByteArray(folder));     \
        QVERIFY2(local_ == *server_, qPrintable(QStringLiteral("store: %1\nserver: %2")                       \
                                                    .arg(Tidings::Sync::TestHelpers::describe(local_),        \
                                                         Tidings::Sync::TestHelpers::describe(*server_))));     \
    } while (false)

} // namespace Tidings::Sync::TestHelpers
