// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Outbox against scripted SMTP servers: a refused sender stays with its reason, a connection lost
// after the final dot is "delivery uncertain" and never re-sent on its own, a 4xx is retried on
// the clock's backoff, Bcc never reaches the bytes; the local Sent copy of a POP3 account.
#include "core/store/accountstore.h"
#include "core/store/database.h"
#include "core/store/folderstore.h"
#include "core/store/messagestore.h"
#include "core/store/partstore.h"
#include "core/sync/outbox.h"
#include "tests/support/scriptedserver.h"

#include <QSignalSpy>
#include <QTest>

using namespace Tidings;
using namespace Tidings::Sync;
using State = Tidings::Store::OutboxItem::State;
using Tidings::Test::ScriptedServer;

#define VERIFY_SCRIPT(server)                                                                                \
    do {                                                                                                     \
        const QStringList problems_ = (server).verify();                                                     \
        QVERIFY2(problems_.isEmpty(), qPrintable(problems_.join(u'\n')));                                   \
    } while (false)

namespace {

const QString Hello = QStringLiteral("S: 220 mx ready\n"
                                     "C: EHLO localhost\n"
                                     "S: 250-mx\n"
                                     "S: 250-PIPELINING\n"
                                     "S: 250 8BITMIME\n");
const QByteArray Message = "From: me@example.org\r\nTo: you@example.org\r\nSubject: hi\r\n"
                           "Message-ID: <m1@example.org>\r\n\r\nhello\r\n";
const QString Envelope = QStringLiteral("C: MAIL FROM:<me@example.org>\nC: RCPT TO:<you@example.org>\n"
                                        "S: 250 ok\nS: 250 ok\n"
                                        "C: DATA\nS: 354 go\n"
                                        "C: From: me@example.org\nC: To: you@example.org\nC: Subject: hi\n"
                                        "C: Message-ID: <m1@example.org>\nC: \nC: hello\nC: .\n");

OutboxAccount accountFor(qint64 id, const ScriptedServer &server)
{
    OutboxAccount a;
    a.accountId = id;
    a.smtp.host = QStringLiteral("127.0.0.1");
    a.smtp.port = server.port();
    a.smtp.security = Security::None;
    a.smtp.auth = Smtp::AuthMethod::None;
    a.sentCopy = SentCopyMode::LocalFolder;
    return a;
}

} // namespace

class TestOutbox final : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Store::Database> m_db;
    qint64 m_account = 0;

    QList<OutboxReport> round(Outbox &outbox)
    {
        QList<OutboxReport> reports;
        auto c = connect(&outbox, &Outbox::itemFinished, this, [&](const OutboxReport &r) { reports << r; });
        QSignalSpy done(&outbox, &Outbox::roundFinished);
        outbox.process();
        if (done.isEmpty() && !done.wait(10000))
            reports << OutboxReport{}; // a round that never ends fails every caller's size check
        disconnect(c);
        return reports;
    }

    Store::OutboxItem item(qint64 id) { return Store::OutboxStore(*m_db).get(id).value(); }

private Q_SLOTS:
    void initTestCase() { qRegisterMetaType<OutboxReport>(); }

    void init()
    {
        auto db = Store::Database::open(QStringLiteral(":memory:"));
        QVERIFY2(db, qPrintable(db.error().toString()));
        m_db = std::move(db).value();
        Store::Account account;
        account.name = QStringLiteral("pop");
        account.email = QStringLiteral("me@example.org");
        account.protocol = Store::Account::Protocol::Pop3;
        auto id = Store::AccountStore(*m_db).add(account);
        QVERIFY(id);
        m_account = *id;
    }

    void withoutBcc_removesEveryBccField_withContinuations_andKeepsTheBody()
    {
        const QByteArray raw = "From: a@x\r\nBcc: secret@x,\r\n other@x\r\nTo: b@x\r\nBCC: third@x\r\n"
                               "Subject: s\r\n\r\nBcc: this is body text\r\n";
        QCOMPARE(Outbox::withoutBcc(raw),
                 QByteArray("From: a@x\r\nTo: b@x\r\nSubject: s\r\n\r\nBcc: this is body text\r\n"));
        auto id = Outbox::enqueue(*m_db, m_account, raw, QStringLiteral("a@x"),
                                  {QStringLiteral("b@x"), QStringLiteral("secret@x")});
        QVERIFY(id);
        QVERIFY(!item(*id).rawMessage.contains("secret"));
        QCOMPARE(item(*id).recipients.size(), 2);
    }

    void sent_isFiledOnceInLocalSent_forPop3Accounts()
    {
        ScriptedServer server(Hello + Envelope + QStringLiteral("S: 250 queued as 1\nC: QUIT\nS: 221 bye\nX\n"));
        auto id = Outbox::enqueue(*m_db, m_account, Message, QStringLiteral("me@example.org"),
                                  {QStringLiteral("you@example.org")});
        QVERIFY(id);
        Outbox outbox(*m_db, accountFor(m_account, server));
        const QList<OutboxReport> reports = round(outbox);
        QCOMPARE(reports.size(), 1);
        QCOMPARE(reports.first().state, State::Sent);
        QVERIFY(reports.first().sentCopyDone);
        QCOMPARE(reports.first().smtp.recipients.size(), 1);
        VERIFY_SCRIPT(server);
        QVERIFY(item(*id).sentCopyAppended);
        auto sent = Store::FolderStore(*m_db).findByName(m_account, "Sent");
        QVERIFY(sent && *sent != 0);
        auto page = Store::MessageStore(*m_db).folderPageAt(*sent, 10, 0);
        QVERIFY(page);
        QCOMPARE(page->size(), 1);
        QVERIFY(page->first().header.flags.testFlag(Store::MessageFlag::Seen));
        auto part = Store::PartStore(*m_db).get(page->first().id, QString());
        QVERIFY(part && part->has_value());
        QCOMPARE((*part)->content, Message);
        // A second round has nothing to do: no connection is made.
        QCOMPARE(round(outbox).size(), 0);
    }

    void refusedSender_staysInOutboxWithItsReason_andIsNotRetriedAlone()
    {
        ScriptedServer server(Hello
                              + QStringLiteral("C: MAIL FROM:<me@example.org>\nC: RCPT TO:<you@example.org>\n"
                                               "S: 250 ok\n"
                                               "S: 553 5.7.1 <me@example.org>: Sender address rejected: not owned by "
                                               "auth user\n"
                                               "C: RSET\nS: 250 ok\nC: QUIT\nS: 221 bye\nX\n"));
        auto id = Outbox::enqueue(*m_db, m_account, Message, QStringLiteral("me@example.org"),
                                  {QStringLiteral("you@example.org")});
        QVERIFY(id);
        ManualClock clock;
        Outbox outbox(*m_db, accountFor(m_account, server), clock);
        const QList<OutboxReport> reports = round(outbox);
        QCOMPARE(reports.size(), 1);
        QCOMPARE(reports.first().state, State::Failed);
        QVERIFY(!reports.first().nextAttemptAt.isValid());
        QCOMPARE(reports.first().smtp.problem, Smtp::Problem::SenderNotOwned);
        VERIFY_SCRIPT(server);
        const Store::OutboxItem stored = item(*id);
        QCOMPARE(stored.state, State::Failed);
        QVERIFY2(stored.lastError.contains(QStringLiteral("not owned")), qPrintable(stored.lastError));
        clock.advance(std::chrono::hours(24));
        QCOMPARE(round(outbox).size(), 0);
    }

    void connectionLostAfterFinalDot_isUncertain_andNeverResentAlone()
    {
        ScriptedServer server(Hello + Envelope + QStringLiteral("X\n"));
        auto id = Outbox::enqueue(*m_db, m_account, Message, QStringLiteral("me@example.org"),
                                  {QStringLiteral("you@example.org")});
        QVERIFY(id);
        ManualClock clock;
        Outbox outbox(*m_db, accountFor(m_account, server), clock);
        outbox.start();
        QSignalSpy done(&outbox, &Outbox::roundFinished);
        QVERIFY(done.wait(10000));
        VERIFY_SCRIPT(server);
        QCOMPARE(item(*id).state, State::Uncertain);
        clock.advance(std::chrono::hours(24));
        QCOMPARE(clock.pendingTimers(), 0);
        QCOMPARE(round(outbox).size(), 0);
        QCOMPARE(item(*id).state, State::Uncertain);
        QCOMPARE(item(*id).attempts, 1);
    }

    void temporaryFailure_isRetriedAfterTheBackoff_onTheClock()
    {
        ScriptedServer first(Hello + QStringLiteral("C: MAIL FROM:<me@example.org>\nC: RCPT TO:<you@example.org>\n"
                                                    "S: 451 4.3.0 try later\nS: 503 5.5.1 no sender\n"
                                                    "C: QUIT\nS: 221 bye\nX\n"));
        auto id = Outbox::enqueue(*m_db, m_account, Message, QStringLiteral("me@example.org"),
                                  {QStringLiteral("you@example.org")});
        QVERIFY(id);
        ManualClock clock;
        Outbox outbox(*m_db, accountFor(m_account, first), clock);
        QSignalSpy done(&outbox, &Outbox::roundFinished);
        QSignalSpy items(&outbox, &Outbox::itemFinished);
        outbox.start();
        QVERIFY(done.wait(10000));
        VERIFY_SCRIPT(first);
        const Store::OutboxItem failed = item(*id);
        QCOMPARE(failed.state, State::Failed);
        QCOMPARE(failed.nextAttemptAt, clock.now().addSecs(60));

        ScriptedServer second(Hello + Envelope + QStringLiteral("S: 250 ok\nC: QUIT\nS: 221 bye\nX\n"));
        outbox.setAccount(accountFor(m_account, second));
        clock.advance(std::chrono::seconds(59));
        QCOMPARE(done.size(), 1);
        clock.advance(std::chrono::seconds(1));
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 2, 10000);
        VERIFY_SCRIPT(second);
        QCOMPARE(item(*id).state, State::Sent);
        QCOMPARE(item(*id).attempts, 2);
    }
};

QTEST_GUILESS_MAIN(TestOutbox)
#include "test_outbox.moc"
