// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/store/partstore.h"
#include "core/store/pendingoperationstore.h"
#include "core/sync/imapsync.h"
#include "tests/support/testprofile.h"
#include "tests/sync/synctesthelpers.h"

#include <QSignalSpy>
#include <QTest>

using namespace Tidings;
using namespace Tidings::Sync;
using namespace Tidings::Sync::TestHelpers;
using Tidings::Test::MailServerEnv;
using Tidings::Test::MailUser;

class TestSyncIntegration final : public QObject
{
    Q_OBJECT
    MailServerEnv m_env;

    MailUser freshUser()
    {
        QString error;
        const auto user = m_env.createUser(QStringLiteral("sync"), &error);
        if (!user)
            qFatal("cannot create a harness user: %s", qPrintable(error));
        return *user;
    }

    bool deliver(const MailUser &user, const QByteArray &subject)
    {
        QString error;
        const bool ok = m_env.deliver(user, message(subject), &error);
        if (!ok)
            qWarning("deliver failed: %s", qPrintable(error));
        return ok;
    }

    bool append(Imap::Session &session, const QString &folder, const QByteArray &subject,
                QList<QByteArray> flags = {})
    {
        Imap::AppendJob job(&session);
        job.setMailbox(folder);
        job.setContent(message(subject));
        job.setFlags(flags);
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

    void initialSync_fetchesFoldersRolesAndHeaders()
    {
        const MailUser user = freshUser();
        for (int i = 1; i <= 5; ++i)
            QVERIFY(deliver(user, "Initial " + QByteArray::number(i)));
        Test::TestProfile profile;
        auto db = Store::Database::open(profile.path());
        QVERIFY(db);
        const qint64 account = addAccount(*db.value(), m_env, user);
        QVERIFY(account);
        auto engine = harnessEngine(*db.value(), m_env, user);
        QSignalSpy listChanged(engine.get(), &SyncEngine::folderListChanged);
        QCOMPARE(syncOnce(*engine, account), Error());
        QCOMPARE(listChanged.count(), 1);

        auto folders = Store::FolderStore(*db.value()).list(account);
        QVERIFY(folders);
        QHash<QString, QString> roles;
        for (const Store::Folder &f : folders.value())
            roles.insert(f.displayName, f.specialUse);
        QCOMPARE(roles.value(QStringLiteral("Sent")), QStringLiteral("\\Sent"));
        QCOMPARE(roles.value(QStringLiteral("Trash")), QStringLiteral("\\Trash"));
        QCOMPARE(roles.value(QStringLiteral("Junk")), QStringLiteral("\\Junk"));
        QCOMPARE(roles.value(QStringLiteral("INBOX")), QString());

        auto other = otherClient(m_env, user);
        QVERIFY(other);
        COMPARE_WITH_SERVER(*db.value(), account, *other, "INBOX");

        const qint64 inbox = Store::FolderStore(*db.value()).findByName(account, "INBOX").value();
        auto page = Store::MessageStore(*db.value()).folderPage(inbox, 10);
        QVERIFY(page);
        QCOMPARE(page->messages.size(), 5);
        const Store::StoredMessage &m = page->messages.first();
        QVERIFY(m.header.subject.startsWith(QStringLiteral("Initial ")));
        QCOMPARE(m.header.from, QStringLiteral("Alice Example <alice@tidings.test>"));
        QCOMPARE(m.header.to, QStringLiteral("\"Doe, Bob\" <bob@tidings.test>"));
        QVERIFY(m.header.date.isValid());
        QVERIFY(m.header.messageId.startsWith(u'<'));
    }

    void resync_afterOtherClientChanges_endsWithServerState()
    {
        const MailUser user = freshUser();
        for (int i = 1; i <= 6; ++i)
            QVERIFY(deliver(user, "Change " + QByteArray::number(i)));
        Test::TestProfile profile;
        auto db = Store::Database::open(profile.path());
        QVERIFY(db);
        const qint64 account = addAccount(*db.value(), m_env, user);
        auto engine = harnessEngine(*db.value(), m_env, user);
        QCOMPARE(syncOnce(*engine, account), Error());

        auto other = otherClient(m_env, user);
        QVERIFY(other);
        // New mail, flags, expunges in INBOX; a new folder with mail.
        QVERIFY(deliver(user, "Change 7"));
        Imap::SelectJob select(other.get());
        select.setMailbox(QStringLiteral("INBOX"));
        QVERIFY(run(&select));
        Imap::StoreJob flag(other.get());
        flag.setUids(Imap::UidSet{1, 3});
        flag.setFlags({"\\Seen", "\\Flagged"});
        QVERIFY(run(&flag));
        Imap::StoreJob del(other.get());
        del.setUids(Imap::UidSet{2, 5});
        del.setFlags({"\\Deleted"});
        QVERIFY(run(&del));
        Imap::ExpungeJob expunge(other.get());
        expunge.setUids(Imap::UidSet{2, 5});
        QVERIFY(run(&expunge));
        Imap::CreateJob create(other.get());
        create.setMailbox(QStringLiteral("Projects/Отчёты"));
        QVERIFY(run(&create));
        QVERIFY(append(*other, QStringLiteral("Projects/Отчёты"), "Report", {"\\Seen"}));

        QSignalSpy newMail(engine.get(), &SyncEngine::newMail);
        QCOMPARE(syncOnce(*engine, account), Error());
        QCOMPARE(newMail.count(), 1);
        COMPARE_WITH_SERVER(*db.value(), account, *other, "INBOX");
        const QByteArray projects = Imap::encodeModifiedUtf7(QStringLiteral("Projects/Отчёты"));
        auto folder = Store::FolderStore(*db.value()).findByName(account, projects);
        QVERIFY(folder && folder.value() != 0);
        QCOMPARE(storeState(*db.value(), account, projects).size(), 1);
    }

    void plainResync_keptSelection_noopWhenUnchanged_serverStateAfterChanges()
    {
        // Without CONDSTORE (as on Yandex): a resync on a session that still has INBOX selected
        // and heard of no change confirms it with a NOOP instead of a new SELECT; another
        // client's expunge plus a delivery (the same count) is still found.
        const MailUser user = freshUser();
        for (int i = 1; i <= 4; ++i)
            QVERIFY(deliver(user, "Kept " + QByteArray::number(i)));
        Test::TestProfile profile;
        auto db = Store::Database::open(profile.path());
        QVERIFY(db);
        const qint64 account = addAccount(*db.value(), m_env, user);
        ImapSyncOptions options;
        options.useCondStore = false;
        ImapSync sync(*db.value(), account, harnessSettings(m_env, user), SystemClock::instance(), options);
        auto runSync = [&sync](const std::function<void()> &start) {
            QSignalSpy done(&sync, &ImapSync::finished);
            start();
            return done.wait(60000) ? done.first().first().value<Error>()
                                    : Error::make(Error::Kind::Timeout, QStringLiteral("no finish"));
        };
        QCOMPARE(runSync([&sync] { sync.syncAll(); }), Error());
        const qint64 inbox = Store::FolderStore(*db.value()).findByName(account, "INBOX").value();
        QCOMPARE(runSync([&] { sync.syncFolder(inbox); }), Error()); // INBOX selected again
        const quint64 selection = sync.session()->selectionSerial();
        QCOMPARE(runSync([&] { sync.syncFolder(inbox); }), Error());
        QCOMPARE(sync.session()->selectionSerial(), selection); // NOOP, no SELECT

        auto other = otherClient(m_env, user);
        QVERIFY(other);
        Imap::SelectJob select(other.get());
        select.setMailbox(QStringLiteral("INBOX"));
        QVERIFY(run(&select));
        Imap::StoreJob del(other.get());
        del.setUids(Imap::UidSet{2});
        del.setFlags({"\\Deleted"});
        QVERIFY(run(&del));
        Imap::ExpungeJob expunge(other.get());
        expunge.setUids(Imap::UidSet{2});
        QVERIFY(run(&expunge));
        Imap::StoreJob flag(other.get());
        flag.setUids(Imap::UidSet{3});
        flag.setFlags({"\\Flagged"});
        QVERIFY(run(&flag));
        QVERIFY(deliver(user, "Kept 5"));

        QCOMPARE(runSync([&] { sync.syncFolder(inbox); }), Error());
        QVERIFY(sync.session()->selectionSerial() != selection); // the NOOP heard the change
        COMPARE_WITH_SERVER(*db.value(), account, *other, "INBOX");
        QCOMPARE(storeState(*db.value(), account, "INBOX").size(), 4);

        const quint64 after = sync.session()->selectionSerial();
        QCOMPARE(runSync([&] { sync.syncFolder(inbox); }), Error());
        QCOMPARE(sync.session()->selectionSerial(), after);
        COMPARE_WITH_SERVER(*db.value(), account, *other, "INBOX");
    }

    void resync_folderDeletedAndRecreated_dropsOldCache()
    {
        const MailUser user = freshUser();
        auto other = otherClient(m_env, user);
        QVERIFY(other);
        Imap::CreateJob create(other.get());
        create.setMailbox(QStringLiteral("Lists"));
        QVERIFY(run(&create));
        QVERIFY(append(*other, QStringLiteral("Lists"), "Old 1"));
        QVERIFY(append(*other, QStringLiteral("Lists"), "Old 2"));

        Test::TestProfile profile;
        auto db = Store::Database::open(profile.path());
        QVERIFY(db);
        const qint64 account = addAccount(*db.value(), m_env, user);
        auto engine = harnessEngine(*db.value(), m_env, user);
        QCOMPARE(syncOnce(*engine, account), Error());
        QCOMPARE(storeState(*db.value(), account, "Lists").size(), 2);

        Imap::DeleteJob remove(other.get());
        remove.setMailbox(QStringLiteral("Lists"));
        QVERIFY(run(&remove));
        Imap::CreateJob again(other.get());
        again.setMailbox(QStringLiteral("Lists"));
        QVERIFY(run(&again));
        QVERIFY(append(*other, QStringLiteral("Lists"), "New 1"));

        QCOMPARE(syncOnce(*engine, account), Error());
        COMPARE_WITH_SERVER(*db.value(), account, *other, "Lists");
        const qint64 lists = Store::FolderStore(*db.value()).findByName(account, "Lists").value();
        auto page = Store::MessageStore(*db.value()).folderPage(lists, 10);
        QCOMPARE(page->messages.size(), 1);
        QCOMPARE(page->messages.first().header.subject, QStringLiteral("New 1"));

        // A folder deleted on the server disappears locally.
        Imap::DeleteJob gone(other.get());
        gone.setMailbox(QStringLiteral("Lists"));
        QVERIFY(run(&gone));
        QCOMPARE(syncOnce(*engine, account), Error());
        QCOMPARE(Store::FolderStore(*db.value()).findByName(account, "Lists").value(), 0);
    }

    void watch_messageDeliveredOverLmtp_isFetchedThroughIdle()
    {
        const MailUser user = freshUser();
        Test::TestProfile profile;
        auto db = Store::Database::open(profile.path());
        QVERIFY(db);
        const qint64 account = addAccount(*db.value(), m_env, user);
        auto engine = harnessEngine(*db.value(), m_env, user);
        QSignalSpy watching(engine.get(), &SyncEngine::watching);
        QSignalSpy newMail(engine.get(), &SyncEngine::newMail);
        engine->watch(account);
        QVERIFY(watching.wait(20000));
        QVERIFY(deliver(user, "Arrival"));
        QTRY_COMPARE_WITH_TIMEOUT(newMail.count(), 1, 10000);
        const qint64 inbox = Store::FolderStore(*db.value()).findByName(account, "INBOX").value();
        auto page = Store::MessageStore(*db.value()).folderPage(inbox, 10);
        QCOMPARE(page->messages.size(), 1);
        QCOMPARE(page->messages.first().header.subject, QStringLiteral("Arrival"));
        engine->stopWatching(account);
    }

    void localChanges_replayedOnceAndSurviveRestart()
    {
        const MailUser user = freshUser();
        for (int i = 1; i <= 4; ++i)
            QVERIFY(deliver(user, "Local " + QByteArray::number(i)));
        Test::TestProfile profile;
        qint64 account = 0;
        {
            auto db = Store::Database::open(profile.path());
            QVERIFY(db);
            account = addAccount(*db.value(), m_env, user);
            auto engine = harnessEngine(*db.value(), m_env, user);
            QCOMPARE(syncOnce(*engine, account), Error());
        }
        // "Offline": change the store only (no engine connected), then restart Tidings.
        {
            auto db = Store::Database::open(profile.path());
            QVERIFY(db);
            LocalChanges changes(*db.value());
            const qint64 inbox = Store::FolderStore(*db.value()).findByName(account, "INBOX").value();
            auto page = Store::MessageStore(*db.value()).folderPageAt(inbox, 10, 0);
            QCOMPARE(page->size(), 4);
            QCOMPARE(changes.setFlags({page->at(0).id},
                                      Store::MessageFlag::Seen | Store::MessageFlag::Flagged, {}),
                     Error());
            QCOMPARE(changes.remove({page->at(1).id}), Error()); // to Trash
            QCOMPARE(changes.remove({page->at(2).id}, DeleteMode::Expunge), Error());
            auto created =
                changes.createFolder(account, QStringLiteral("Éléments à garder"), QStringLiteral("/"));
            QVERIFY(created);
            auto pending = Store::PendingOperationStore(*db.value()).pending(account);
            QCOMPARE(pending->size(), 4);
        }
        {
            auto db = Store::Database::open(profile.path());
            QVERIFY(db);
            auto engine = harnessEngine(*db.value(), m_env, user);
            QCOMPARE(syncOnce(*engine, account), Error());
            QCOMPARE(Store::PendingOperationStore(*db.value()).pending(account)->size(), 0);
            auto other = otherClient(m_env, user);
            QVERIFY(other);
            COMPARE_WITH_SERVER(*db.value(), account, *other, "INBOX");
            COMPARE_WITH_SERVER(*db.value(), account, *other, "Trash");
            const auto inbox = serverState(*other, QStringLiteral("INBOX"));
            QCOMPARE(inbox->size(), 2);
            QCOMPARE(serverState(*other, QStringLiteral("Trash"))->size(), 1);
            Imap::StatusJob status(other.get());
            status.setMailbox(QStringLiteral("Éléments à garder"));
            QVERIFY(run(&status));
            // A second sync sends nothing again (each operation exactly once).
            QCOMPARE(syncOnce(*engine, account), Error());
            QCOMPARE(serverState(*other, QStringLiteral("Trash"))->size(), 1);
            QCOMPARE(serverState(*other, QStringLiteral("INBOX"))->size(), 2);
        }
    }

    void offlineBodyDays_keepsBodiesOfRecentMailOnly()
    {
        const MailUser user = freshUser();
        QVERIFY(deliver(user, "Old one")); // dated March 2026
        QByteArray recent = message("Recent one", "Readable on the train.\r\n");
        const QByteArray yesterday =
            QDateTime::currentDateTimeUtc().addDays(-1).toString(Qt::RFC2822Date).toLatin1();
        recent.replace("Thu, 05 Mar 2026 09:07:03 +0100", yesterday);
        QString error;
        QVERIFY2(m_env.deliver(user, recent, &error), qPrintable(error));

        Test::TestProfile profile;
        auto db = Store::Database::open(profile.path());
        QVERIFY(db);
        const qint64 account = addAccount(*db.value(), m_env, user);
        {
            Store::AccountStore accounts(*db.value());
            Store::Account row = accounts.get(account).value();
            row.settings.insert(QStringLiteral("offlineBodyDays"), 7);
            QCOMPARE(accounts.update(row), Error());
        }
        auto engine = harnessEngine(*db.value(), m_env, user);
        QCOMPARE(syncOnce(*engine, account), Error());

        const qint64 inbox = Store::FolderStore(*db.value()).findByName(account, "INBOX").value();
        auto page = Store::MessageStore(*db.value()).folderPage(inbox, 10);
        QVERIFY(page);
        QCOMPARE(page->messages.size(), 2);
        int kept = 0;
        for (const Store::StoredMessage &m : page->messages) {
            const auto part = Store::PartStore(*db.value()).get(m.id, QString()).value();
            if (m.header.subject == QStringLiteral("Recent one")) {
                QVERIFY2(part && part->complete, "the recent message's body must be kept");
                QVERIFY(part->content.contains("Readable on the train."));
                QVERIFY(part->content.contains("Subject: Recent one"));
                ++kept;
            } else {
                QCOMPARE(m.header.subject, QStringLiteral("Old one"));
                QVERIFY2(!part, "an old message's body is fetched only on demand");
            }
        }
        QCOMPARE(kept, 1);
        // Fetching it now is served from the store.
        const Store::StoredMessage recentRow =
            page->messages.at(page->messages.at(0).header.subject == QStringLiteral("Recent one") ? 0 : 1);
        std::optional<std::variant<QByteArray, Error>> body;
        engine->fetchBody(recentRow.id, QString(),
                          [&body](const std::variant<QByteArray, Error> &r) { body = r; });
        QTRY_VERIFY(body.has_value());
        QVERIFY(std::holds_alternative<QByteArray>(*body));
        QVERIFY(std::get<QByteArray>(*body).contains("Readable on the train."));
        // The server's \Seen was not touched (BODY.PEEK).
        auto other = otherClient(m_env, user);
        QVERIFY(other);
        COMPARE_WITH_SERVER(*db.value(), account, *other, "INBOX");
        const auto server = serverState(*other, QStringLiteral("INBOX"));
        QVERIFY(server);
        for (const QList<QByteArray> &flags : *server)
            QVERIFY(!flags.contains("\\Seen"));
    }
};

QTEST_GUILESS_MAIN(TestSyncIntegration)
#include "test_sync_integration.moc"
