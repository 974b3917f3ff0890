// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// AccountEngine with NOTIFY (RFC 5465) against the harness Dovecot: another client changes
// folders other than INBOX and the store follows without any STATUS poll. The poll interval is
// an hour, so only NOTIFY can explain what the store learns.
#include "core/sync/accountengine.h"
#include "core/sync/imapsync.h"
#include "tests/support/testprofile.h"
#include "tests/sync/synctesthelpers.h"

#include <QBuffer>
#include <QProcess>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTest>

using namespace Tidings;
using namespace Tidings::Sync;
using namespace Tidings::Sync::TestHelpers;
using namespace std::chrono_literals;
using Tidings::Test::MailServerEnv;
using Tidings::Test::MailUser;

namespace {

/// A thread-safe enough view of what the command connection sent (the logger writes C: lines).
QList<QByteArray> commandsSent(const QBuffer &log)
{
    QList<QByteArray> out;
    for (const QByteArray &line : log.data().split('\n')) {
        if (line.startsWith("C: "))
            out << line.mid(3);
    }
    return out;
}

/// Folder checks the command connection made: STATUS per folder, or LIST-STATUS (RFC 5819).
int folderChecks(const QBuffer &log)
{
    int n = 0;
    for (const QByteArray &c : commandsSent(log)) {
        const QList<QByteArray> words = c.split(' ');
        if (words.size() > 1 &&
            (words.at(1) == "STATUS" || (words.at(1) == "LIST" && c.contains(" STATUS ("))))
            ++n;
    }
    return n;
}

} // namespace

/// COMPARE_WITH_SERVER for a non-ASCII folder: the store keys folders by the server's bytes.
#define COMPARE_FOLDER_WITH_SERVER(db, accountId, session, display)                                          \
    do {                                                                                                     \
        const auto server_ = serverState((session), (display));                                              \
        QVERIFY(server_);                                                                                    \
        const auto local_ = storeState((db), (accountId), Imap::encodeModifiedUtf7(display));                \
        QVERIFY2(                                                                                            \
            local_ == *server_,                                                                              \
            qPrintable(QStringLiteral("store: %1\nserver: %2").arg(describe(local_), describe(*server_))));  \
    } while (false)

class TestSyncNotifyIntegration final : public QObject
{
    Q_OBJECT
    MailServerEnv m_env;

    MailUser freshUser()
    {
        QString error;
        const auto user = m_env.createUser(QStringLiteral("notify"), &error);
        if (!user)
            qFatal("cannot create a harness user: %s", qPrintable(error));
        return *user;
    }

    bool append(Imap::Session &session, const QString &folder, const QByteArray &subject)
    {
        Imap::AppendJob job(&session);
        job.setMailbox(folder);
        job.setContent(message(subject));
        return run(&job);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        const auto env = MailServerEnv::load(&error);
        QVERIFY2(env, qPrintable(error));
        m_env = *env;
    }

    void otherClientChangesOtherFolders_storeFollowsThroughNotify_withoutPolling()
    {
        const MailUser user = freshUser();
        auto other = otherClient(m_env, user);
        QVERIFY(other);
        const QString reports = QStringLiteral("Отчёты");
        {
            Imap::CreateJob create(other.get());
            create.setMailbox(reports);
            QVERIFY(run(&create));
            // Dovecot creates its auto-created special folders when they are first opened and
            // announces that through NOTIFY (MailboxName). Opening them all now (LIST-STATUS)
            // keeps those announcements out of the engine's run.
            Imap::ListJob list(other.get());
            list.setReturnStatus({"MESSAGES"});
            QVERIFY(run(&list));
        }

        Test::TestProfile profile;
        auto opened = Store::Database::open(profile.path());
        QVERIFY(opened);
        Store::Database &db = *opened.value();
        const qint64 account = addAccount(db, m_env, user);
        QVERIFY(account != 0);

        QBuffer commandLog;
        QVERIFY(commandLog.open(QIODevice::ReadWrite));
        Imap::SessionSettings commandSettings = harnessSettings(m_env, user);
        commandSettings.protocolLogFromEnvironment = false;
        commandSettings.protocolLogDevice = &commandLog;
        ImapSync sync(db, account, commandSettings, SystemClock::instance());

        QBuffer idleLog;
        QVERIFY(idleLog.open(QIODevice::ReadWrite));
        Imap::SessionSettings idleSettings = harnessSettings(m_env, user);
        idleSettings.protocolLogFromEnvironment = false;
        idleSettings.protocolLogDevice = &idleLog;
        AccountEngineOptions options;
        options.idleQuietTime = 100ms;
        options.pollInterval = 1h;
        AccountEngine engine(&sync, db, idleSettings, SystemClock::instance(), options);
        // On failure, what each connection said is the first thing to read.
        const auto dump = qScopeGuard([&] {
            if (QTest::currentTestFailed())
                qInfo("IDLE connection:\n%s\ncommand connection:\n%s", idleLog.data().constData(),
                      commandLog.data().constData());
        });
        engine.start();
        QTRY_COMPARE_WITH_TIMEOUT(engine.idleState(), AccountEngine::IdleState::Idling, 20000);
        QVERIFY2(engine.isNotifyActive(), qPrintable(engine.notifyFallbackReason()));
        QTRY_VERIFY_WITH_TIMEOUT(!sync.isBusy(), 20000);
        QTRY_COMPARE_WITH_TIMEOUT(engine.pendingFolderEvents(), 0, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!sync.isBusy(), 20000);
        const QByteArray reportsName = Imap::encodeModifiedUtf7(reports);
        QVERIFY(Store::FolderStore(db).findByName(account, reportsName).value() != 0);
        QCOMPARE(folderChecks(commandLog), 0);

        // New mail in a folder other than INBOX.
        QVERIFY(append(*other, reports, "Quarterly figures"));
        QTRY_COMPARE_WITH_TIMEOUT(storeState(db, account, reportsName).size(), qsizetype(1), 10000);
        COMPARE_FOLDER_WITH_SERVER(db, account, *other, reports);

        // Read on another device (\Seen: UNSEEN changes), then deleted there.
        {
            Imap::SelectJob select(other.get());
            select.setMailbox(reports);
            QVERIFY(run(&select));
            Imap::StoreJob seen(other.get());
            seen.setUids(Imap::UidSet::range(1, Imap::UidSet::Star));
            seen.setFlags({"\\Seen"});
            QVERIFY(run(&seen));
        }
        const qint64 reportsId = Store::FolderStore(db).findByName(account, reportsName).value();
        QTRY_COMPARE_WITH_TIMEOUT(Store::FolderStore(db).get(reportsId).value().unreadCount, 0, 10000);
        COMPARE_FOLDER_WITH_SERVER(db, account, *other, reports);

        QVERIFY(append(*other, reports, "Second report"));
        QTRY_COMPARE_WITH_TIMEOUT(storeState(db, account, reportsName).size(), qsizetype(2), 10000);
        {
            Imap::SelectJob select(other.get());
            select.setMailbox(reports);
            QVERIFY(run(&select));
            Imap::StoreJob deleted(other.get());
            deleted.setUids(Imap::UidSet::range(1, 1));
            deleted.setFlags({"\\Deleted"});
            QVERIFY(run(&deleted));
            Imap::ExpungeJob expunge(other.get());
            QVERIFY(run(&expunge));
        }
        QTRY_COMPARE_WITH_TIMEOUT(storeState(db, account, reportsName).size(), qsizetype(1), 10000);
        COMPARE_FOLDER_WITH_SERVER(db, account, *other, reports);

        // Everything so far came from NOTIFY: the command connection never checked a folder.
        QTRY_VERIFY_WITH_TIMEOUT(!sync.isBusy(), 10000);
        QCOMPARE(folderChecks(commandLog), 0);

        // A folder created by another client arrives through MailboxName (a LIST event), which
        // asks for one LIST-STATUS to reconcile the folder list.
        {
            Imap::CreateJob create(other.get());
            create.setMailbox(QStringLiteral("Projects"));
            QVERIFY(run(&create));
        }
        QTRY_VERIFY_WITH_TIMEOUT(Store::FolderStore(db).findByName(account, "Projects").value() != 0, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!sync.isBusy(), 10000);
        QVERIFY(append(*other, QStringLiteral("Projects"), "Kick-off"));
        QTRY_COMPARE_WITH_TIMEOUT(storeState(db, account, "Projects").size(), qsizetype(1), 10000);

        QTRY_VERIFY_WITH_TIMEOUT(!sync.isBusy(), 10000);
        QVERIFY2(engine.isNotifyActive(), qPrintable(engine.notifyFallbackReason()));
        QCOMPARE(folderChecks(commandLog), 1);
        engine.stop();
    }

    void connectionsDropped_reconnectSetsNotifyAgain_andCatchesUpOnWhatChangedMeanwhile()
    {
        const MailUser user = freshUser();
        const QString reports = QStringLiteral("Reports");
        {
            auto other = otherClient(m_env, user);
            QVERIFY(other);
            Imap::CreateJob create(other.get());
            create.setMailbox(reports);
            QVERIFY(run(&create));
            Imap::ListJob list(other.get()); // see above: Dovecot's auto-created folders
            list.setReturnStatus({"MESSAGES"});
            QVERIFY(run(&list));
        }

        Test::TestProfile profile;
        auto opened = Store::Database::open(profile.path());
        QVERIFY(opened);
        Store::Database &db = *opened.value();
        const qint64 account = addAccount(db, m_env, user);
        QBuffer commandLog;
        QVERIFY(commandLog.open(QIODevice::ReadWrite));
        Imap::SessionSettings commandSettings = harnessSettings(m_env, user);
        commandSettings.protocolLogFromEnvironment = false;
        commandSettings.protocolLogDevice = &commandLog;
        ImapSync sync(db, account, commandSettings, SystemClock::instance());
        QBuffer idleLog;
        QVERIFY(idleLog.open(QIODevice::ReadWrite));
        Imap::SessionSettings idleSettings = harnessSettings(m_env, user);
        idleSettings.protocolLogFromEnvironment = false;
        idleSettings.protocolLogDevice = &idleLog;
        AccountEngineOptions options;
        options.idleQuietTime = 100ms;
        options.pollInterval = 1h;
        // Long enough for another client to change a folder while the engine is disconnected.
        options.backoffMin = 5s;
        AccountEngine engine(&sync, db, idleSettings, SystemClock::instance(), options);
        const auto dump = qScopeGuard([&] {
            if (QTest::currentTestFailed())
                qInfo("IDLE connection:\n%s\ncommand connection:\n%s", idleLog.data().constData(),
                      commandLog.data().constData());
        });
        QSignalSpy errors(&engine, &AccountEngine::errorOccurred);
        engine.start();
        QTRY_COMPARE_WITH_TIMEOUT(engine.idleState(), AccountEngine::IdleState::Idling, 20000);
        QVERIFY2(engine.isNotifyActive(), qPrintable(engine.notifyFallbackReason()));
        QTRY_VERIFY_WITH_TIMEOUT(!sync.isBusy(), 20000);
        QTRY_COMPARE_WITH_TIMEOUT(engine.pendingFolderEvents(), 0, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!sync.isBusy(), 20000);

        // The server drops every connection of the user (as a restart or a network change would).
        QProcess kick;
        kick.start(qEnvironmentVariable("DOVEADM", QStringLiteral("/usr/bin/doveadm")),
                   {QStringLiteral("-c"), m_env.dir + QStringLiteral("/dovecot.conf"), QStringLiteral("kick"),
                    user.address});
        QVERIFY(kick.waitForFinished(20000));
        QVERIFY2(kick.exitCode() == 0, kick.readAllStandardError().constData());
        QTRY_VERIFY_WITH_TIMEOUT(errors.count() >= 1, 10000);
        QCOMPARE(engine.idleState(), AccountEngine::IdleState::Backoff);
        QVERIFY(!engine.isNotifyActive());

        // Meanwhile another client files a message; nobody is listening.
        auto other = otherClient(m_env, user);
        QVERIFY(other);
        QVERIFY(append(*other, reports, "Filed while away"));
        QCOMPARE(engine.idleState(), AccountEngine::IdleState::Backoff);

        // The reconnect sends NOTIFY SET STATUS again; its report shows Reports changed (unless
        // the retry below found it first).
        QTRY_COMPARE_WITH_TIMEOUT(engine.idleState(), AccountEngine::IdleState::Idling, 20000);
        QVERIFY2(engine.isNotifyActive(), qPrintable(engine.notifyFallbackReason()));
        QCOMPARE(idleLog.data().count("NOTIFY SET STATUS"), 2);
        QTRY_COMPARE_WITH_TIMEOUT(storeState(db, account, "Reports").size(), qsizetype(1), 10000);
        COMPARE_WITH_SERVER(db, account, *other, "Reports");
        QTRY_VERIFY_WITH_TIMEOUT(!sync.isBusy(), 10000);
        // The INBOX sync the IDLE failure asks for may itself meet the dropped connection; the
        // retry of a failed request is one folder check. Nothing else may check folders.
        QVERIFY(folderChecks(commandLog) <= 1);
        engine.stop();
    }
};

QTEST_GUILESS_MAIN(TestSyncNotifyIntegration)
#include "test_sync_notify_integration.moc"
