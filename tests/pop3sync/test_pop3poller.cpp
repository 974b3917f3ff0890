// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Pop3Poller against scripted servers: the exact order of RETR, commit, DELE and QUIT; a server
// without UIDL; a connection lost before QUIT +OK.
#include "core/store/accountstore.h"
#include "core/store/database.h"
#include "core/store/pop3store.h"
#include "core/sync/pop3poller.h"
#include "tests/support/scriptedserver.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Tidings;
using namespace Tidings::Sync;
using Tidings::Test::ScriptedServer;

#define VERIFY_SCRIPT(server)                                                                                \
    do {                                                                                                     \
        const QStringList problems_ = (server).verify();                                                     \
        QVERIFY2(problems_.isEmpty(), qPrintable(problems_.join(u'\n')));                                   \
    } while (false)

namespace {

const QString Login = QStringLiteral("S: +OK POP3 ready\n"
                                     "C: CAPA\n"
                                     "S: +OK\n"
                                     "S: UIDL\n"
                                     "S: USER\n"
                                     "S: .\n"
                                     "C: USER alice\nS: +OK\nC: PASS secret\nS: +OK logged in\n");
const QString LoginWithoutUidl = QStringLiteral("S: +OK POP3 ready\n"
                                                "C: CAPA\n"
                                                "S: +OK\n"
                                                "S: USER\n"
                                                "S: .\n"
                                                "C: USER alice\nS: +OK\nC: PASS secret\nS: +OK logged in\n");

Pop3::Settings settingsFor(const ScriptedServer &server)
{
    Pop3::Settings s;
    s.host = QStringLiteral("127.0.0.1");
    s.port = server.port();
    s.security = Security::None;
    s.username = QStringLiteral("alice");
    s.password = QStringLiteral("secret");
    return s;
}

QString message(int n)
{
    return QStringLiteral("S: From: a@example.org\nS: Subject: message %1\nS: Message-ID: <m%1@example.org>\nS: \n"
                          "S: ..dot-stuffed body %1\nS: .\n")
        .arg(n);
}

} // namespace

class TestPop3Poller final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<Store::Database> m_db;
    qint64 m_account = 0;

    Pop3PollResult poll(Pop3Poller &poller)
    {
        QSignalSpy finished(&poller, &Pop3Poller::finished);
        poller.pollOnce();
        if (!finished.wait(10000))
            return {Error::make(Error::Kind::Timeout, QStringLiteral("no finished()"))};
        return finished.first().first().value<Pop3PollResult>();
    }

private Q_SLOTS:
    void initTestCase() { qRegisterMetaType<Pop3PollResult>(); }

    void init()
    {
        QVERIFY(m_dir.isValid());
        auto db = Store::Database::open(QStringLiteral(":memory:"));
        QVERIFY2(db, qPrintable(db.error().toString()));
        m_db = std::move(db).value();
        Store::Account account;
        account.name = QStringLiteral("pop");
        account.email = QStringLiteral("alice@example.org");
        account.protocol = Store::Account::Protocol::Pop3;
        auto id = Store::AccountStore(*m_db).add(account);
        QVERIFY(id);
        m_account = *id;
    }

    void leaveOnServerOff_deleFollowsCommit_andIsRecordedAfterQuit()
    {
        ScriptedServer server(Login
                              + QStringLiteral("C: UIDL\nS: +OK\nS: 1 aaa\nS: 2 bbb\nS: .\n"
                                               "C: RETR 1\nS: +OK\n")
                              + message(1) + QStringLiteral("C: RETR 2\nS: +OK\n") + message(2)
                              + QStringLiteral("C: DELE 1\nS: +OK\nC: DELE 2\nS: +OK\nC: QUIT\nS: +OK bye\nX\n"));
        Pop3PollOptions options;
        options.leaveOnServer = false;
        Pop3Poller poller(*m_db, m_account, settingsFor(server), options);
        QStringList order;
        connect(&poller, &Pop3Poller::messageStored, this, [&](const QString &uidl) { order << u"stored " + uidl; });
        connect(&poller, &Pop3Poller::deleAccepted, this, [&](int n) { order << QStringLiteral("dele %1").arg(n); });
        const Pop3PollResult result = poll(poller);
        QVERIFY2(result.ok(), qPrintable(result.error.toString()));
        QCOMPARE(result.downloaded, 2);
        QCOMPARE(result.deletedOnServer, 2);
        QCOMPARE(order, (QStringList{u"stored aaa"_qs, u"stored bbb"_qs, u"dele 1"_qs, u"dele 2"_qs}));
        VERIFY_SCRIPT(server);
        auto records = Store::Pop3Store(*m_db).records(m_account);
        QVERIFY(records);
        QCOMPARE(records->size(), 2);
        QVERIFY(records->at(0).deletedOnServer && records->at(1).deletedOnServer);
    }

    void connectionLostBeforeQuitOk_recordsNoDeletion_andKeepsTheMessages()
    {
        ScriptedServer server(Login + QStringLiteral("C: UIDL\nS: +OK\nS: 1 aaa\nS: .\nC: RETR 1\nS: +OK\n")
                              + message(1) + QStringLiteral("C: DELE 1\nS: +OK\nC: QUIT\nX\n"));
        Pop3PollOptions options;
        options.leaveOnServer = false;
        Pop3Poller poller(*m_db, m_account, settingsFor(server), options);
        const Pop3PollResult result = poll(poller);
        QCOMPARE(result.error.kind, Error::Kind::Network);
        QCOMPARE(result.downloaded, 1);
        QCOMPARE(result.deletedOnServer, 0);
        VERIFY_SCRIPT(server);
        auto records = Store::Pop3Store(*m_db).records(m_account);
        QVERIFY(records);
        QCOMPARE(records->size(), 1);
        QVERIFY(!records->at(0).deletedOnServer);
        QVERIFY(records->at(0).messageId != 0);
    }

    void connectionLostInsideRetr_storesEarlierMessages_andSendsNoDele()
    {
        ScriptedServer server(Login
                              + QStringLiteral("C: UIDL\nS: +OK\nS: 1 aaa\nS: 2 bbb\nS: .\nC: RETR 1\nS: +OK\n")
                              + message(1) + QStringLiteral("C: RETR 2\nS: +OK\nS: From: b@example.org\nX\n"));
        Pop3PollOptions options;
        options.leaveOnServer = false;
        options.commitGroup = 64;
        Pop3Poller poller(*m_db, m_account, settingsFor(server), options);
        const Pop3PollResult result = poll(poller);
        QCOMPARE(result.error.kind, Error::Kind::Network);
        QCOMPARE(result.downloaded, 1);
        VERIFY_SCRIPT(server);
        QVERIFY(!server.received().contains("DELE"));
        auto known = Store::Pop3Store(*m_db).knownUidls(m_account);
        QVERIFY(known);
        QCOMPARE(*known, QSet<QString>{u"aaa"_qs});
    }

    void knownUidl_isNotRetrievedAgain()
    {
        ScriptedServer first(Login + QStringLiteral("C: UIDL\nS: +OK\nS: 1 aaa\nS: .\nC: RETR 1\nS: +OK\n")
                             + message(1) + QStringLiteral("C: QUIT\nS: +OK\nX\n"));
        Pop3Poller poller(*m_db, m_account, settingsFor(first), {});
        QCOMPARE(poll(poller).downloaded, 1);
        VERIFY_SCRIPT(first);
        ScriptedServer second(Login + QStringLiteral("C: UIDL\nS: +OK\nS: 1 aaa\nS: 2 bbb\nS: .\nC: RETR 2\nS: +OK\n")
                              + message(2) + QStringLiteral("C: QUIT\nS: +OK\nX\n"));
        poller.setSettings(settingsFor(second));
        const Pop3PollResult result = poll(poller);
        QVERIFY2(result.ok(), qPrintable(result.error.toString()));
        QCOMPARE(result.onServer, 2);
        QCOMPARE(result.downloaded, 1);
        VERIFY_SCRIPT(second);
    }

    void serverWithoutUidl_leaveOnServer_isRefusedBeforeAnyDownload()
    {
        ScriptedServer server(LoginWithoutUidl);
        Pop3Poller poller(*m_db, m_account, settingsFor(server), {});
        const Pop3PollResult result = poll(poller);
        QCOMPARE(result.error.kind, Error::Kind::Config);
        QVERIFY(result.error.detail.contains(QStringLiteral("UIDL")));
        QVERIFY(!result.uidlSupported);
        VERIFY_SCRIPT(server);
        QVERIFY(!server.received().contains("RETR"));
    }

    void serverWithoutUidl_leaveOff_downloadsAndDeletesEachOnce()
    {
        ScriptedServer server(LoginWithoutUidl + QStringLiteral("C: LIST\nS: +OK\nS: 1 120\nS: .\nC: RETR 1\nS: +OK\n")
                              + message(1) + QStringLiteral("C: DELE 1\nS: +OK\nC: QUIT\nS: +OK\nX\n"));
        Pop3PollOptions options;
        options.leaveOnServer = false;
        Pop3Poller poller(*m_db, m_account, settingsFor(server), options);
        const Pop3PollResult result = poll(poller);
        QVERIFY2(result.ok(), qPrintable(result.error.toString()));
        QCOMPARE(result.downloaded, 1);
        QCOMPARE(result.deletedOnServer, 1);
        VERIFY_SCRIPT(server);
        // The same bytes again (QUIT was lost last time): stored once, deleted again.
        ScriptedServer again(LoginWithoutUidl + QStringLiteral("C: LIST\nS: +OK\nS: 1 120\nS: .\nC: RETR 1\nS: +OK\n")
                             + message(1) + QStringLiteral("C: DELE 1\nS: +OK\nC: QUIT\nS: +OK\nX\n"));
        poller.setSettings(settingsFor(again));
        const Pop3PollResult second = poll(poller);
        QVERIFY2(second.ok(), qPrintable(second.error.toString()));
        QCOMPARE(second.downloaded, 0);
        VERIFY_SCRIPT(again);
        auto records = Store::Pop3Store(*m_db).records(m_account);
        QVERIFY(records);
        QCOMPARE(records->size(), 1);
        QVERIFY(records->at(0).uidl.startsWith(QStringLiteral("sha256:")));
    }

    void checkNow_andInterval_runOnTheInjectedClock()
    {
        ManualClock clock;
        ScriptedServer server(Login + QStringLiteral("C: UIDL\nS: +OK\nS: .\nC: QUIT\nS: +OK\nX\n"));
        Pop3PollOptions options;
        options.interval = std::chrono::minutes(10);
        Pop3Poller poller(*m_db, m_account, settingsFor(server), options, clock);
        QSignalSpy finished(&poller, &Pop3Poller::finished);
        poller.start();
        clock.advance(std::chrono::minutes(9));
        QVERIFY(!poller.isPolling());
        clock.advance(std::chrono::minutes(1));
        QVERIFY(poller.isPolling());
        QVERIFY(finished.wait(10000));
        QVERIFY(finished.first().first().value<Pop3PollResult>().ok());
        VERIFY_SCRIPT(server);
    }
};

QTEST_GUILESS_MAIN(TestPop3Poller)
#include "test_pop3poller.moc"
