// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// AccountEngine with NOTIFY (RFC 5465) against two scripted servers: one plays the IDLE
// connection, the other the command connection (ImapSync). Every fallback to polling too.
#include "core/store/accountstore.h"
#include "core/store/database.h"
#include "core/store/folderstore.h"
#include "core/store/messagestore.h"
#include "core/sync/accountengine.h"
#include "core/sync/imapsync.h"
#include "tests/support/scriptedserver.h"

#include <QSignalSpy>
#include <QTest>

using namespace Tidings;
using namespace Tidings::Sync;
using namespace std::chrono_literals;
using Tidings::Test::ScriptedServer;

namespace {

QString login(const QString &caps)
{
    return QStringLiteral("S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] ready\n"
                          "C: A001 AUTHENTICATE PLAIN AGFsaWNlAHMzY3JldC1QYTU1\n"
                          "S: A001 OK [CAPABILITY IMAP4rev1 %1] welcome\n")
        .arg(caps);
}

const QString NotifySet =
    QStringLiteral("NOTIFY SET STATUS (selected (MessageNew MessageExpunge FlagChange)) "
                   "(personal (MessageNew MessageExpunge FlagChange MailboxName))");

/// The IDLE connection up to NOTIFY: login with @p caps, EXAMINE INBOX as A002.
QString idleConnection(const QString &caps)
{
    return login(caps) + QStringLiteral("C: A002 EXAMINE INBOX\n"
                                        "S: * 0 EXISTS\n"
                                        "S: * OK [UIDVALIDITY 7] x\n"
                                        "S: * OK [UIDNEXT 1] x\n"
                                        "S: A002 OK [READ-ONLY] done\n");
}

/// NOTIFY accepted as A003 (the STATUS indicator's report agrees with the cache), IDLE as A004.
QString idleWithNotify(const QString &afterIdling = QString())
{
    return idleConnection(QStringLiteral("IDLE NOTIFY")) +
           QStringLiteral("C: A003 %1\n"
                          "S: * STATUS Sent (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 7)\n"
                          "S: A003 OK NOTIFY completed\n"
                          "C: A004 IDLE\n"
                          "S: + idling\n")
               .arg(NotifySet) +
           afterIdling;
}

/// A SELECT of an empty, unchanged folder as @p tag.
QString selectEmpty(int tag, const QString &folder)
{
    return QStringLiteral("C: A%1 SELECT %2\n"
                          "S: * 0 EXISTS\n"
                          "S: * OK [UIDVALIDITY 7] x\n"
                          "S: * OK [UIDNEXT 1] x\n"
                          "S: A%1 OK [READ-WRITE] done\n")
        .arg(tag, 3, 10, QLatin1Char('0'))
        .arg(folder);
}

/// The command connection's full sync of an unchanged account (INBOX and Sent, both empty) in
/// the plain mode: new mail everywhere, then the flag sweep pass. Tags A002-A006.
QString commandFullSync()
{
    return login(QStringLiteral("LIST-STATUS")) +
           QStringLiteral("C: A002 LIST \"\" \"*\"\n"
                          "S: * LIST (\\\\HasNoChildren) \"/\" INBOX\n"
                          "S: * LIST (\\\\HasNoChildren) \"/\" Sent\n"
                          "S: A002 OK\n") +
           selectEmpty(3, QStringLiteral("INBOX")) + selectEmpty(4, QStringLiteral("Sent")) +
           selectEmpty(5, QStringLiteral("INBOX")) + selectEmpty(6, QStringLiteral("Sent"));
}

/// The periodic folder check (LIST-STATUS) as @p tag, reporting nothing new.
QString folderCheck(int tag)
{
    return QStringLiteral("C: A%1 LIST \"\" \"*\" RETURN (STATUS (MESSAGES UIDNEXT UIDVALIDITY))\n"
                          "S: * LIST (\\\\HasNoChildren) \"/\" INBOX\n"
                          "S: * STATUS INBOX (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 7)\n"
                          "S: * LIST (\\\\HasNoChildren) \"/\" Sent\n"
                          "S: * STATUS Sent (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 7)\n"
                          "S: A%1 OK\n")
        .arg(tag, 3, 10, QLatin1Char('0'));
}

QString header(quint32 seq, quint32 uid, const QString &subject)
{
    return QStringLiteral(
               "S: * %1 FETCH (UID %2 FLAGS () INTERNALDATE \"05-Mar-2026 09:07:03 +0100\" RFC822.SIZE 100 "
               "ENVELOPE (\"Thu, 05 Mar 2026 09:07:03 +0100\" \"%3\" ((\"Alice\" NIL \"alice\" \"x.org\")) "
               "NIL NIL "
               "((NIL NIL \"bob\" \"x.org\")) NIL NIL NIL \"<m%2@x.org>\") "
               "BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"7BIT\" 12 1 NIL NIL NIL "
               "NIL) "
               "BODY[HEADER.FIELDS (REFERENCES)] \"\")\n")
        .arg(seq)
        .arg(uid)
        .arg(subject);
}

Imap::SessionSettings settingsFor(quint16 port)
{
    Imap::SessionSettings s;
    s.host = QStringLiteral("localhost");
    s.port = port;
    s.security = Security::ImplicitTls;
    s.tls.useSystemCaCertificates = false;
    s.tls.extraCaCertificates = ScriptedServer::testCaCertificates();
    s.username = QStringLiteral("alice");
    s.credentials = Imap::staticPassword(QStringLiteral("s3cret-Pa55"));
    s.protocolLogFromEnvironment = false;
    // The tests move the clock by whole poll intervals; a keep-alive NOOP would be noise.
    s.timeouts.keepAlive = 0ms;
    return s;
}

struct Fixture {
    Fixture(const QString &idleScript, const QString &commandScript)
        : idleServer(idleScript, ScriptedServer::Transport::ImplicitTls)
        , commandServer(commandScript, ScriptedServer::Transport::ImplicitTls)
    {
        db = std::move(Store::Database::open(QStringLiteral(":memory:"))).value();
        Store::Account a;
        a.name = QStringLiteral("t");
        a.email = QStringLiteral("alice@x.org");
        account = Store::AccountStore(*db).add(a).value();
        inbox = addFolder("INBOX");
        sent = addFolder("Sent");
        sync = std::make_unique<ImapSync>(*db, account, settingsFor(commandServer.port()), clock);
        AccountEngineOptions options;
        options.idleQuietTime = 1s;
        options.pollInterval = 5min;
        options.notifyCoalesce = 250ms;
        options.idleRenewal = 29min; // the tests move the clock by whole poll intervals
        engine =
            std::make_unique<AccountEngine>(sync.get(), *db, settingsFor(idleServer.port()), clock, options);
    }

    ~Fixture() { engine->stop(); }

    qint64 addFolder(const QByteArray &name)
    {
        Store::Folder f;
        f.name = name;
        f.displayName = QString::fromLatin1(name);
        f.delimiter = QStringLiteral("/");
        const qint64 id = Store::FolderStore(*db).upsert(account, f).value();
        (void)Store::FolderStore(*db).applyUidValidity(id, 7);
        (void)Store::FolderStore(*db).setSyncState(id, 1, 0);
        return id;
    }

    /// Starts the engine and lets the quiet time pass once the IDLE connection is ready for it.
    bool startAndIdle()
    {
        engine->start();
        if (!QTest::qWaitFor([this] { return engine->idleState() == AccountEngine::IdleState::Quiet; },
                             10000))
            return false;
        clock.advance(1s);
        return QTest::qWaitFor([this] { return engine->idleState() == AccountEngine::IdleState::Idling; },
                               10000);
    }

    /// Waits until the command connection has nothing queued or running.
    bool syncIdle()
    {
        const bool idle = QTest::qWaitFor([this] { return !sync->isBusy(); }, 10000);
        if (!idle)
            qWarning("command connection still busy; it sent:\n%s\nproblems: %s",
                     commandServer.received().constData(),
                     qPrintable(commandServer.errors().join(QStringLiteral("; "))));
        return idle;
    }

    int messages(qint64 folder) { return Store::FolderStore(*db).get(folder).value().totalCount; }

    ScriptedServer idleServer;
    ScriptedServer commandServer;
    ManualClock clock;
    std::unique_ptr<Store::Database> db;
    qint64 account = 0;
    qint64 inbox = 0;
    qint64 sent = 0;
    std::unique_ptr<ImapSync> sync;
    std::unique_ptr<AccountEngine> engine;
};

#define VERIFY_SCRIPT(server)                                                                                \
    do {                                                                                                     \
        const QStringList problems_ = (server).verify();                                                     \
        QVERIFY2(problems_.isEmpty(), qPrintable(problems_.join(QStringLiteral("; "))));                     \
    } while (false)

} // namespace

class TestSyncNotify final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void notifyOffered_setAfterExamineBeforeIdle_otherFoldersNotPolled()
    {
        Fixture f(idleWithNotify(), commandFullSync());
        QSignalSpy active(f.engine.get(), &AccountEngine::notifyActiveChanged);
        QVERIFY(f.startAndIdle());
        QVERIFY(f.engine->isNotifyActive());
        QCOMPARE(active.count(), 1);
        QVERIFY(f.engine->notifyFallbackReason().isEmpty());
        QVERIFY(f.commandServer.waitForScript(10000));
        QVERIFY(f.syncIdle());
        // Two poll intervals pass: NOTIFY watches the other folders, so nothing is asked.
        for (int i = 0; i < 2; ++i) {
            f.clock.advance(5min);
            QVERIFY(!f.sync->isBusy());
            QCoreApplication::processEvents();
        }
        VERIFY_SCRIPT(f.commandServer);
        VERIFY_SCRIPT(f.idleServer);
    }

    void statusEventsDuringIdle_syncOnlyThatFolder_once()
    {
        // Three events about Sent in a burst, then one about INBOX that agrees with the cache.
        Fixture f(idleWithNotify(QStringLiteral("W:\n"
                                                "S: * STATUS Sent (MESSAGES 1 UIDNEXT 2)\n"
                                                "S: * STATUS Sent (MESSAGES 2 UIDNEXT 3)\n"
                                                "S: * STATUS Sent (UNSEEN 1)\n"
                                                "S: * STATUS INBOX (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 7)\n")),
                  commandFullSync() +
                      // The full sync left Sent selected on the command connection: a NOOP asks
                      // first (FolderSync's kept selection), hears the two arrivals, and SELECTs.
                      QStringLiteral(
                          "C: A007 NOOP\n"
                          "S: * 2 EXISTS\n"
                          "S: A007 OK\n"
                          "C: A008 SELECT Sent\n"
                          "S: * 2 EXISTS\n"
                          "S: * OK [UIDVALIDITY 7] x\n"
                          "S: * OK [UIDNEXT 3] x\n"
                          "S: A008 OK [READ-WRITE] done\n"
                          "C: A009 UID SEARCH UID 1:*\n"
                          "S: * SEARCH 1 2\n"
                          "S: A009 OK\n"
                          "C: A010 UID FETCH 1:2 (UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE INTERNALDATE "
                          "BODY.PEEK[HEADER.FIELDS (REFERENCES)])\n") +
                      header(1, 1, QStringLiteral("first")) + header(2, 2, QStringLiteral("second")) +
                      QStringLiteral("S: A010 OK\n"
                                     "C: A011 NOOP\n"
                                     "S: A011 OK\n"
                                     "C: A012 UID FETCH 1:2 (UID FLAGS)\n"
                                     "S: * 1 FETCH (UID 1 FLAGS ())\n"
                                     "S: * 2 FETCH (UID 2 FLAGS (\\\\Seen))\n"
                                     "S: A012 OK\n"));
        QSignalSpy synced(f.sync.get(), &ImapSync::folderSynced);
        QSignalSpy requests(f.sync.get(), &ImapSync::finished);
        QVERIFY(f.startAndIdle());
        QVERIFY(f.syncIdle());
        // The STATUS indicator's report agreed with the cache: compared, nothing to do.
        f.clock.advance(250ms);
        QCOMPARE(f.engine->pendingFolderEvents(), 0);
        QVERIFY(!f.sync->isBusy());
        synced.clear();
        requests.clear();
        f.idleServer.proceed();
        QTRY_COMPARE(f.engine->pendingFolderEvents(), 2); // Sent (merged) and INBOX
        QVERIFY(!f.sync->isBusy());                       // gathered, not yet acted on
        f.clock.advance(250ms);
        QCOMPARE(f.engine->pendingFolderEvents(), 0);
        QTRY_COMPARE(f.messages(f.sent), 2);
        QVERIFY(f.syncIdle());
        // One request for Sent (its new-mail pass and its flag sweep), nothing for INBOX.
        QCOMPARE(requests.count(), 1);
        QCOMPARE(requests.first().first().value<Error>(), Error());
        QCOMPARE(synced.count(), 2);
        QCOMPARE(synced.at(0).first().toLongLong(), f.sent);
        QCOMPARE(synced.at(1).first().toLongLong(), f.sent);
        QCOMPARE(Store::FolderStore(*f.db).get(f.sent).value().uidNext, 3u);
        QCOMPARE(Store::FolderStore(*f.db).get(f.sent).value().unreadCount, 1);
        // No poll either.
        f.clock.advance(5min);
        QVERIFY(!f.sync->isBusy());
        VERIFY_SCRIPT(f.commandServer);
        VERIFY_SCRIPT(f.idleServer);
    }

    void statusWithUtf8Name_matchesTheFolderStoredInModifiedUtf7()
    {
        // Dovecot 2.3 names mailboxes in NOTIFY's STATUS as raw UTF-8 even without UTF8=ACCEPT.
        // Отчёты is "&BB4EQgRHBFEEQgRL-" in the store; the event agrees with the cache, so
        // nothing is asked (an unmatched name would have cost a folder check).
        const QString utf7 = QStringLiteral("&BB4EQgRHBFEEQgRL-");
        Fixture f(idleWithNotify(QStringLiteral("W:\n"
                                                "S: * STATUS {12}\n"
                                                "S: Отчёты (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 7 UNSEEN 0)\n")),
                  login(QStringLiteral("LIST-STATUS")) +
                      QStringLiteral("C: A002 LIST \"\" \"*\"\n"
                                     "S: * LIST (\\\\HasNoChildren) \"/\" INBOX\n"
                                     "S: * LIST (\\\\HasNoChildren) \"/\" Sent\n"
                                     "S: * LIST (\\\\HasNoChildren) \"/\" %1\n"
                                     "S: A002 OK\n")
                          .arg(utf7) +
                      selectEmpty(3, QStringLiteral("INBOX")) + selectEmpty(4, QStringLiteral("Sent")) +
                      selectEmpty(5, utf7) + selectEmpty(6, QStringLiteral("INBOX")) +
                      selectEmpty(7, QStringLiteral("Sent")) + selectEmpty(8, utf7));
        f.addFolder(utf7.toLatin1());
        QVERIFY(f.startAndIdle());
        QVERIFY(f.syncIdle());
        f.clock.advance(250ms);
        QCOMPARE(f.engine->pendingFolderEvents(), 0);
        f.idleServer.proceed();
        QTRY_COMPARE(f.engine->pendingFolderEvents(), 1);
        f.clock.advance(250ms);
        QCOMPARE(f.engine->pendingFolderEvents(), 0);
        QVERIFY(!f.sync->isBusy());
        VERIFY_SCRIPT(f.commandServer);
        VERIFY_SCRIPT(f.idleServer);
    }

    void listEvent_newFolder_foundByOneFolderCheck()
    {
        // MailboxName (RFC 5465 §5.4): another client created Projects.
        Fixture f(
            idleWithNotify(QStringLiteral("S: * LIST () \"/\" Projects\n"
                                          "S: * STATUS Projects (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 9)\n")),
            commandFullSync() +
                QStringLiteral("C: A007 LIST \"\" \"*\" RETURN (STATUS (MESSAGES UIDNEXT UIDVALIDITY))\n"
                               "S: * LIST (\\\\HasNoChildren) \"/\" INBOX\n"
                               "S: * STATUS INBOX (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 7)\n"
                               "S: * LIST (\\\\HasNoChildren) \"/\" Projects\n"
                               "S: * STATUS Projects (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 9)\n"
                               "S: * LIST (\\\\HasNoChildren) \"/\" Sent\n"
                               "S: * STATUS Sent (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 7)\n"
                               "S: A007 OK\n"
                               "C: A008 SELECT Projects\n"
                               "S: * 0 EXISTS\n"
                               "S: * OK [UIDVALIDITY 9] x\n"
                               "S: * OK [UIDNEXT 1] x\n"
                               "S: A008 OK [READ-WRITE] done\n"
                               // The flag pass finds Projects still selected and unchanged.
                               "C: A009 NOOP\n"
                               "S: A009 OK\n"));
        QVERIFY(f.startAndIdle());
        QVERIFY(f.idleServer.waitForScript(10000));
        QVERIFY(f.syncIdle());
        f.clock.advance(250ms);
        QTRY_VERIFY(Store::FolderStore(*f.db).findByName(f.account, "Projects").value() != 0);
        QVERIFY(f.commandServer.waitForScript(10000));
        QVERIFY(f.syncIdle());
        const qint64 projects = Store::FolderStore(*f.db).findByName(f.account, "Projects").value();
        QCOMPARE(Store::FolderStore(*f.db).get(projects).value().uidValidity, 9u);
        VERIFY_SCRIPT(f.commandServer);
        VERIFY_SCRIPT(f.idleServer);
    }

    void notifyRefused_idleStillWatchesInbox_otherFoldersPolled()
    {
        Fixture f(idleConnection(QStringLiteral("IDLE NOTIFY")) +
                      QStringLiteral("C: A003 %1\n"
                                     "S: A003 NO [BADEVENT (MailboxName)] only folder names here\n"
                                     "C: A004 IDLE\n"
                                     "S: + idling\n")
                          .arg(NotifySet),
                  commandFullSync() + folderCheck(7));
        QSignalSpy active(f.engine.get(), &AccountEngine::notifyActiveChanged);
        QVERIFY(f.startAndIdle());
        QVERIFY(!f.engine->isNotifyActive());
        QCOMPARE(active.count(), 0);
        QVERIFY(f.engine->notifyFallbackReason().contains(QStringLiteral("BADEVENT")));
        QVERIFY(f.syncIdle());
        f.clock.advance(5min);
        QVERIFY(f.sync->isBusy()); // the folder check is on its way
        QVERIFY(f.commandServer.waitForScript(10000));
        QVERIFY(f.syncIdle());
        VERIFY_SCRIPT(f.commandServer);
        VERIFY_SCRIPT(f.idleServer);
    }

    void badEventNamingMessageEvents_notifySetAgainWithThoseOnly()
    {
        // The server knows MessageNew, MessageExpunge and FlagChange but not MailboxName.
        Fixture f(
            idleConnection(QStringLiteral("IDLE NOTIFY")) +
                QStringLiteral("C: A003 %1\n"
                               "S: A003 NO [BADEVENT (MessageNew MessageExpunge FlagChange)] no MailboxName\n"
                               "C: A004 NOTIFY SET STATUS (selected (MessageNew MessageExpunge FlagChange)) "
                               "(personal (MessageNew MessageExpunge FlagChange))\n"
                               "S: A004 OK NOTIFY completed\n"
                               "C: A005 IDLE\n"
                               "S: + idling\n")
                    .arg(NotifySet),
            commandFullSync());
        QVERIFY(f.startAndIdle());
        QVERIFY(f.engine->isNotifyActive());
        QVERIFY(f.engine->notifyFallbackReason().isEmpty());
        QVERIFY(f.syncIdle());
        f.clock.advance(5min);
        QVERIFY(!f.sync->isBusy());
        VERIFY_SCRIPT(f.commandServer);
        VERIFY_SCRIPT(f.idleServer);
    }

    void notificationOverflow_checksEveryFolderAtOnce_thenPolls()
    {
        Fixture f(idleWithNotify(QStringLiteral("W:\n"
                                                "S: * OK [NOTIFICATIONOVERFLOW] too many events\n")),
                  commandFullSync() + folderCheck(7) + folderCheck(8));
        QSignalSpy active(f.engine.get(), &AccountEngine::notifyActiveChanged);
        QVERIFY(f.startAndIdle());
        QVERIFY(f.engine->isNotifyActive());
        QVERIFY(f.syncIdle());
        f.idleServer.proceed();
        QTRY_VERIFY(!f.engine->isNotifyActive());
        QCOMPARE(active.count(), 2);
        QVERIFY(f.engine->notifyFallbackReason().contains(QStringLiteral("NOTIFICATIONOVERFLOW")));
        // The check at once (events were lost) ...
        QTRY_VERIFY(f.commandServer.received().count("LIST \"\" \"*\" RETURN") == 1);
        QVERIFY(f.syncIdle());
        // ... and the poll from now on. IDLE on INBOX carries on.
        f.clock.advance(5min);
        QVERIFY(f.commandServer.waitForScript(10000));
        QVERIFY(f.syncIdle());
        QCOMPARE(f.engine->idleState(), AccountEngine::IdleState::Idling);
        VERIFY_SCRIPT(f.commandServer);
        VERIFY_SCRIPT(f.idleServer);
    }

    void serverWithoutNotify_pollsAsBefore()
    {
        Fixture f(idleConnection(QStringLiteral("IDLE")) + QStringLiteral("C: A003 IDLE\n"
                                                                          "S: + idling\n"),
                  commandFullSync() + folderCheck(7) + folderCheck(8));
        QVERIFY(f.startAndIdle());
        QVERIFY(!f.engine->isNotifyActive());
        QVERIFY(f.engine->notifyFallbackReason().isEmpty());
        QVERIFY(f.syncIdle());
        f.clock.advance(5min - 1s - 1ms); // the interval runs from start(); the quiet time took 1 s
        QVERIFY(!f.sync->isBusy());       // not a millisecond early
        f.clock.advance(1ms);
        QVERIFY(f.sync->isBusy());
        QTRY_VERIFY(f.commandServer.received().count("LIST \"\" \"*\" RETURN") == 1);
        QVERIFY(f.syncIdle());
        f.clock.advance(5min);
        QVERIFY(f.commandServer.waitForScript(10000));
        QVERIFY(f.syncIdle());
        VERIFY_SCRIPT(f.commandServer);
        VERIFY_SCRIPT(f.idleServer);
    }
};

QTEST_GUILESS_MAIN(TestSyncNotify)
#include "test_sync_notify.moc"
