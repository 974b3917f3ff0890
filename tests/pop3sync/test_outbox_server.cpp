// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Outbox against the harness: a message arrives byte-identical in the recipient's IMAP INBOX, Bcc
// in no header anywhere, the Sent copy present exactly once (also after a failed APPEND retried
// without sending again), a refused recipient and a too-large message stay with their reason, and
// a message queued while the server is down is sent after it comes back (a private server).
#include "core/imap/jobs.h"
#include "core/imap/loginjob.h"
#include "core/imap/messagejobs.h"
#include "core/imap/session.h"
#include "core/mime/messagebuilder.h"
#include "core/smtp/data.h"
#include "core/store/accountstore.h"
#include "core/store/database.h"
#include "core/sync/outbox.h"
#include "tests/support/mailserverenv.h"

#include <QScopeGuard>
#include <QSignalSpy>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace Tidings;
using namespace Tidings::Sync;
using State = Tidings::Store::OutboxItem::State;
using Tidings::Test::MailServerEnv;
using Tidings::Test::MailUser;

namespace {

/// A few raw IMAP commands over IMAPS to read a mailbox back: every message's BODY.PEEK[].
QList<QByteArray> mailboxMessages(const MailServerEnv &env, const MailUser &user, const QByteArray &mailbox)
{
    QSslSocket socket;
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setCaCertificates(env.caCertificates());
    socket.setSslConfiguration(config);
    socket.connectToHostEncrypted(env.host, env.imapsPort, QStringLiteral("localhost"));
    if (!socket.waitForEncrypted(10000))
        return {};
    auto line = [&]() -> QByteArray {
        while (!socket.canReadLine()) {
            if (!socket.waitForReadyRead(10000))
                return {};
        }
        return socket.readLine();
    };
    QList<QByteArray> messages;
    int tag = 0;
    auto command = [&](const QByteArray &text) {
        const QByteArray t = 't' + QByteArray::number(++tag);
        socket.write(t + ' ' + text + "\r\n");
        for (;;) {
            const QByteArray l = line();
            if (l.isEmpty() || l.startsWith(QByteArray(t + ' ')))
                return;
            if (l.trimmed().endsWith('}')) {
                const QByteArray trimmed = l.trimmed();
                const qint64 size = trimmed.mid(trimmed.lastIndexOf('{') + 1).chopped(1).toLongLong();
                while (socket.bytesAvailable() < size && socket.waitForReadyRead(10000)) { }
                messages << socket.read(size);
            }
        }
    };
    line(); // greeting
    command("LOGIN \"" + user.address.toUtf8() + "\" \"" + user.password.toUtf8() + '"');
    command("EXAMINE \"" + mailbox + '"');
    command("FETCH 1:* BODY.PEEK[]");
    command("LOGOUT");
    return messages;
}

} // namespace

class TestOutboxServer final : public QObject
{
    Q_OBJECT

private:
    MailServerEnv m_env;
    std::unique_ptr<Store::Database> m_db;
    qint64 m_account = 0;

    OutboxAccount account(const MailServerEnv &env, const MailUser &user) const
    {
        OutboxAccount a;
        a.accountId = m_account;
        a.smtp.host = env.host;
        a.smtp.port = env.smtpsPort;
        a.smtp.security = Security::ImplicitTls;
        a.smtp.tls.useSystemCaCertificates = false;
        a.smtp.tls.extraCaCertificates = env.caCertificates();
        a.smtp.username = user.address;
        a.smtp.password = user.password;
        a.sentCopy = SentCopyMode::ImapAppend;
        a.imap.host = env.host;
        a.imap.port = env.imapsPort;
        a.imap.security = Security::ImplicitTls;
        a.imap.tls = a.smtp.tls;
        a.imap.username = user.address;
        a.imap.credentials = Imap::staticPassword(user.password);
        a.sentMailbox = QStringLiteral("Sent");
        return a;
    }

    QList<OutboxReport> round(Outbox &outbox)
    {
        QList<OutboxReport> reports;
        auto c = connect(&outbox, &Outbox::itemFinished, this, [&](const OutboxReport &r) { reports << r; });
        QSignalSpy done(&outbox, &Outbox::roundFinished);
        outbox.process();
        if (done.isEmpty() && !done.wait(60000))
            reports << OutboxReport{};
        disconnect(c);
        return reports;
    }

    QByteArray compose(const MailUser &from, const QList<MailUser> &to, const QList<MailUser> &bcc, const QString &subject)
    {
        Mime::MessageBuilder b;
        b.setFrom({QStringLiteral("Sender"), from.address});
        QList<Mime::Address> toList;
        for (const MailUser &u : to)
            toList << Mime::Address{QString(), u.address};
        b.setTo(toList);
        QList<Mime::Address> bccList;
        for (const MailUser &u : bcc)
            bccList << Mime::Address{QString(), u.address};
        b.setBcc(bccList);
        b.setSubject(subject);
        b.setPlainText(QStringLiteral("Hello,\n.a line with a dot\nпривет\n"));
        return b.build(Mime::MessageBuilder::Bcc::Omit);
    }

    MailUser user(const QString &prefix)
    {
        QString problem;
        auto u = m_env.createUser(prefix, &problem);
        if (!u)
            qFatal("%s", qPrintable(problem));
        return *u;
    }

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<OutboxReport>();
        QString error;
        auto env = MailServerEnv::load(&error);
        QVERIFY2(env, qPrintable(error));
        m_env = *env;
    }

    void init()
    {
        auto db = Store::Database::open(QStringLiteral(":memory:"));
        QVERIFY2(db, qPrintable(db.error().toString()));
        m_db = std::move(db).value();
        Store::Account a;
        a.name = QStringLiteral("imap");
        a.email = QStringLiteral("me@tidings.test");
        auto id = Store::AccountStore(*m_db).add(a);
        QVERIFY(id);
        m_account = *id;
    }

    void sent_arrivesByteIdentical_bccNowhere_sentCopyExactlyOnce()
    {
        const MailUser sender = user(QStringLiteral("sender"));
        const MailUser to = user(QStringLiteral("to"));
        const MailUser hidden = user(QStringLiteral("bcc"));
        const QString subject = QStringLiteral("outbox ") + QUuid::createUuid().toString(QUuid::Id128);
        const QByteArray raw = compose(sender, {to}, {hidden}, subject);
        auto id = Outbox::enqueue(*m_db, m_account, raw, sender.address, {to.address, hidden.address});
        QVERIFY(id);

        Outbox outbox(*m_db, account(m_env, sender));
        QList<OutboxReport> reports = round(outbox);
        QCOMPARE(reports.size(), 1);
        QVERIFY2(reports.first().smtp.sent(), qPrintable(reports.first().smtp.error.toString()));
        QCOMPARE(reports.first().smtp.recipients.size(), 2);
        QVERIFY(reports.first().sentCopyDone);
        QVERIFY2(!reports.first().sentCopyError, qPrintable(reports.first().sentCopyError.toString()));

        const QByteArray expected = Smtp::canonicalMessage(raw);
        for (const MailUser &who : {to, hidden}) {
            QList<QByteArray> inbox;
            QTRY_VERIFY_WITH_TIMEOUT(!(inbox = mailboxMessages(m_env, who, "INBOX")).isEmpty(), 20000);
            QCOMPARE(inbox.size(), 1);
            // The delivery agent prepends trace headers; from our first header on it is identical.
            QVERIFY2(inbox.first().endsWith(expected), inbox.first().constData());
            QVERIFY(!inbox.first().contains("Bcc:"));
            QVERIFY(!inbox.first().contains(hidden.address.toUtf8()) || who.address == hidden.address);
        }
        QList<QByteArray> sent = mailboxMessages(m_env, sender, "Sent");
        QCOMPARE(sent.size(), 1);
        QCOMPARE(sent.first(), raw);
        QVERIFY(!sent.first().contains("Bcc:"));
        QVERIFY(!sent.first().contains(hidden.address.toUtf8()));

        // Another round sends nothing and appends nothing.
        QCOMPARE(round(outbox).size(), 0);
        QCOMPARE(mailboxMessages(m_env, sender, "Sent").size(), 1);
        QCOMPARE(mailboxMessages(m_env, to, "INBOX").size(), 1);
    }

    void failedAppend_isRetriedWithoutSendingAgain_andLandsOnce()
    {
        const MailUser sender = user(QStringLiteral("sender"));
        const MailUser to = user(QStringLiteral("to"));
        const QByteArray raw = compose(sender, {to}, {}, QStringLiteral("append retry"));
        auto id = Outbox::enqueue(*m_db, m_account, raw, sender.address, {to.address});
        QVERIFY(id);
        OutboxAccount broken = account(m_env, sender);
        broken.imap.credentials = Imap::staticPassword(QStringLiteral("wrong password"));
        Outbox outbox(*m_db, broken);
        QList<OutboxReport> reports = round(outbox);
        QCOMPARE(reports.size(), 1);
        QCOMPARE(reports.first().state, State::Sent);
        QVERIFY(reports.first().sentCopyError);
        QVERIFY(!Store::OutboxStore(*m_db).get(*id)->sentCopyAppended);

        outbox.setAccount(account(m_env, sender));
        reports = round(outbox);
        QCOMPARE(reports.size(), 1);
        QVERIFY(!reports.first().attemptedSend);
        QVERIFY(reports.first().sentCopyDone);
        QVERIFY(Store::OutboxStore(*m_db).get(*id)->sentCopyAppended);
        QCOMPARE(Store::OutboxStore(*m_db).get(*id)->attempts, 1);
        QCOMPARE(mailboxMessages(m_env, sender, "Sent").size(), 1);
        QList<QByteArray> inbox;
        QTRY_VERIFY_WITH_TIMEOUT(!(inbox = mailboxMessages(m_env, to, "INBOX")).isEmpty(), 20000);
        QCOMPARE(inbox.size(), 1);
    }

    void refusedRecipient_staysInOutboxWithReason_andNothingIsSent()
    {
        const MailUser sender = user(QStringLiteral("sender"));
        const MailUser to = user(QStringLiteral("to"));
        const QString nobody = QStringLiteral("nobody-%1@tidings.test").arg(QUuid::createUuid().toString(QUuid::Id128));
        const QByteArray raw = compose(sender, {to}, {}, QStringLiteral("refused"));
        auto id = Outbox::enqueue(*m_db, m_account, raw, sender.address, {to.address, nobody});
        QVERIFY(id);
        Outbox outbox(*m_db, account(m_env, sender));
        const QList<OutboxReport> reports = round(outbox);
        QCOMPARE(reports.size(), 1);
        QCOMPARE(reports.first().state, State::Failed);
        QVERIFY(!reports.first().nextAttemptAt.isValid());
        QCOMPARE(reports.first().smtp.refusedRecipients(), QStringList{nobody});
        const Store::OutboxItem item = *Store::OutboxStore(*m_db).get(*id);
        QCOMPARE(item.state, State::Failed);
        QVERIFY2(item.lastError.contains(nobody), qPrintable(item.lastError));
        QVERIFY(mailboxMessages(m_env, to, "INBOX").isEmpty());
        QVERIFY(mailboxMessages(m_env, sender, "Sent").isEmpty());
    }

    void tooLargeMessage_isRefusedBeforeSending_andKeptWithReason()
    {
        const MailUser sender = user(QStringLiteral("sender"));
        const MailUser to = user(QStringLiteral("to"));
        // One byte above the SIZE the submission server advertises (RFC 1870).
        qint64 maxSize = 0;
        {
            Smtp::Session probe(account(m_env, sender).smtp);
            QSignalSpy opened(&probe, &Smtp::Session::opened);
            probe.open();
            QVERIFY(opened.wait(20000));
            maxSize = probe.capabilities().maxSize;
            QVERIFY(maxSize > 0);
        }
        QByteArray raw = "From: <" + sender.address.toUtf8() + ">\r\nTo: <" + to.address.toUtf8()
            + ">\r\nSubject: huge\r\n\r\n";
        const QByteArray line = QByteArray(76, 'x') + "\r\n";
        while (raw.size() <= maxSize)
            raw += line;
        auto id = Outbox::enqueue(*m_db, m_account, raw, sender.address, {to.address});
        QVERIFY(id);
        Outbox outbox(*m_db, account(m_env, sender));
        const QList<OutboxReport> reports = round(outbox);
        QCOMPARE(reports.size(), 1);
        QCOMPARE(reports.first().state, State::Failed);
        QCOMPARE(reports.first().smtp.problem, Smtp::Problem::MessageTooLarge);
        QVERIFY(!reports.first().nextAttemptAt.isValid());
        QCOMPARE(Store::OutboxStore(*m_db).get(*id)->state, State::Failed);
    }

    void queuedWhileServerDown_isSentAfterItComesBack()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString serverDir = dir.filePath(QStringLiteral("ms"));
        QCOMPARE(MailServerEnv::runTool({QStringLiteral("start"), serverDir, QStringLiteral("--users"), QStringLiteral("2")}), 0);
        const auto stopServer = qScopeGuard([&] { MailServerEnv::runTool({QStringLiteral("stop"), serverDir}); });
        auto first = MailServerEnv::loadFile(serverDir + QStringLiteral("/env"));
        QVERIFY(first);
        QCOMPARE(MailServerEnv::runTool({QStringLiteral("stop"), serverDir}), 0);

        const MailUser sender = first->users.at(0);
        const MailUser to = first->users.at(1);
        const QByteArray raw = compose(sender, {to}, {}, QStringLiteral("after the outage"));
        auto id = Outbox::enqueue(*m_db, m_account, raw, sender.address, {to.address});
        QVERIFY(id);

        ManualClock clock;
        OutboxAccount down = account(*first, sender);
        Outbox outbox(*m_db, down, clock);
        QSignalSpy rounds(&outbox, &Outbox::roundFinished);
        QSignalSpy items(&outbox, &Outbox::itemFinished);
        outbox.start();
        QTRY_COMPARE_WITH_TIMEOUT(rounds.size(), 1, 30000);
        Store::OutboxItem item = *Store::OutboxStore(*m_db).get(*id);
        QCOMPARE(item.state, State::Failed);
        QVERIFY2(item.nextAttemptAt.isValid(), qPrintable(item.lastError));
        QCOMPARE(item.nextAttemptAt, clock.now().addSecs(60));
        // A refused connection (reported by the session as a failed TLS handshake): retried, no
        // certificate question.
        QVERIFY(items.first().first().value<OutboxReport>().smtp.error);
        QVERIFY(!items.first().first().value<OutboxReport>().certificateRejected);

        // Back, on new ports (a restart keeps users and mail).
        QCOMPARE(MailServerEnv::runTool({QStringLiteral("start"), serverDir}), 0);
        auto second = MailServerEnv::loadFile(serverDir + QStringLiteral("/env"));
        QVERIFY(second);
        outbox.setAccount(account(*second, sender));
        clock.advance(std::chrono::seconds(60));
        QTRY_COMPARE_WITH_TIMEOUT(rounds.size(), 2, 30000);
        item = *Store::OutboxStore(*m_db).get(*id);
        QCOMPARE(item.state, State::Sent);
        QVERIFY(item.sentCopyAppended);
        QList<QByteArray> inbox;
        QTRY_VERIFY_WITH_TIMEOUT(!(inbox = mailboxMessages(*second, to, "INBOX")).isEmpty(), 20000);
        QCOMPARE(inbox.size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestOutboxServer)
#include "test_outbox_server.moc"
