// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Pop3Poller against the harness Dovecot: leave-on-server on and off, delete after N days on an
// injected clock, delete when deleted here, mark as read, byte-exact storage, both ports.
#include "core/store/accountstore.h"
#include "core/store/database.h"
#include "core/store/messagestore.h"
#include "core/store/partstore.h"
#include "core/store/pop3store.h"
#include "core/sync/pop3poller.h"
#include "tests/support/mailserverenv.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace Tidings;
using namespace Tidings::Sync;
using Tidings::Test::MailServerEnv;
using Tidings::Test::MailUser;

namespace {

QByteArray testMessage(const QByteArray &tag)
{
    return "From: Sender <sender@tidings.test>\r\nTo: someone@tidings.test\r\nSubject: " + tag
        + "\r\nMessage-ID: <" + tag + "@tidings.test>\r\nDate: Thu, 01 Jan 2026 10:00:00 +0000\r\n\r\n"
          ".a line that starts with a dot\r\n.\r\nlast line " + tag + "\r\n";
}

} // namespace

class TestPop3PollerServer final : public QObject
{
    Q_OBJECT

private:
    MailServerEnv m_env;
    QTemporaryDir m_dir;
    ManualClock m_clock;
    std::unique_ptr<Store::Database> m_db;
    qint64 m_account = 0;

    Pop3::Settings settings(const MailUser &user, Security security = Security::ImplicitTls) const
    {
        Pop3::Settings s;
        s.host = m_env.host;
        s.port = security == Security::ImplicitTls ? m_env.pop3sPort : m_env.pop3Port;
        s.security = security;
        s.tls.useSystemCaCertificates = false;
        s.tls.extraCaCertificates = m_env.caCertificates();
        s.username = user.address;
        s.password = user.password;
        return s;
    }

    Pop3PollResult poll(Pop3Poller &poller)
    {
        QSignalSpy finished(&poller, &Pop3Poller::finished);
        poller.pollOnce();
        if (!finished.wait(30000))
            return {Error::make(Error::Kind::Timeout, QStringLiteral("no finished()"))};
        return finished.first().first().value<Pop3PollResult>();
    }

    std::optional<MailUser> userWith(const QList<QByteArray> &messages)
    {
        QString problem;
        auto user = m_env.createUser(QStringLiteral("poller"), &problem);
        if (!user) {
            qWarning("%s", qPrintable(problem));
            return std::nullopt;
        }
        for (const QByteArray &m : messages) {
            if (!m_env.deliver(*user, m, &problem)) {
                qWarning("%s", qPrintable(problem));
                return std::nullopt;
            }
        }
        return user;
    }

    QList<Store::StoredMessage> inbox()
    {
        auto folder = Pop3Poller::inboxFolder(*m_db, m_account);
        if (!std::holds_alternative<qint64>(folder))
            return {};
        auto page = Store::MessageStore(*m_db).folderPageAt(std::get<qint64>(folder), 1000, 0);
        return page ? *page : QList<Store::StoredMessage>();
    }

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<Pop3PollResult>();
        QString error;
        auto env = MailServerEnv::load(&error);
        QVERIFY2(env, qPrintable(error));
        m_env = *env;
    }

    void init()
    {
        QVERIFY(m_dir.isValid());
        Store::Database::Options options;
        options.clock = &m_clock;
        auto db = Store::Database::open(QStringLiteral(":memory:"), options);
        QVERIFY2(db, qPrintable(db.error().toString()));
        m_db = std::move(db).value();
        Store::Account account;
        account.name = QStringLiteral("pop");
        account.email = QStringLiteral("me@tidings.test");
        account.protocol = Store::Account::Protocol::Pop3;
        auto id = Store::AccountStore(*m_db).add(account);
        QVERIFY(id);
        m_account = *id;
    }

    void leaveOnServer_storesEachMessageOnceByteExact_andKeepsThemOnServer_data()
    {
        QTest::addColumn<Security>("security");
        QTest::newRow("pop3s") << Security::ImplicitTls;
        QTest::newRow("stls") << Security::StartTls;
    }
    void leaveOnServer_storesEachMessageOnceByteExact_andKeepsThemOnServer()
    {
        QFETCH(Security, security);
        const QByteArray tag = QUuid::createUuid().toByteArray(QUuid::Id128);
        const QList<QByteArray> sent{testMessage("one-" + tag), testMessage("two-" + tag), testMessage("three-" + tag)};
        auto user = userWith(sent);
        QVERIFY(user);
        Pop3Poller poller(*m_db, m_account, settings(*user, security), {}, m_clock);
        Pop3PollResult result = poll(poller);
        QVERIFY2(result.ok(), qPrintable(result.error.toString()));
        QCOMPARE(result.onServer, 3);
        QCOMPARE(result.downloaded, 3);
        QCOMPARE(result.deletedOnServer, 0);

        const QList<Store::StoredMessage> stored = inbox();
        QCOMPARE(stored.size(), 3);
        QSet<QByteArray> rawStored;
        for (const Store::StoredMessage &m : stored) {
            QVERIFY(!m.header.flags.testFlag(Store::MessageFlag::Seen));
            QCOMPARE(m.header.from, QStringLiteral("Sender <sender@tidings.test>"));
            auto part = Store::PartStore(*m_db).get(m.id, QString());
            QVERIFY(part && part->has_value());
            QVERIFY((*part)->complete);
            rawStored.insert((*part)->content);
        }
        for (const QByteArray &s : sent) {
            // The delivery agent prepends trace headers; the rest is byte for byte.
            QVERIFY(std::any_of(rawStored.begin(), rawStored.end(), [&](const QByteArray &r) { return r.endsWith(s); }));
        }

        result = poll(poller);
        QVERIFY2(result.ok(), qPrintable(result.error.toString()));
        QCOMPARE(result.onServer, 3);
        QCOMPARE(result.downloaded, 0);
        QCOMPARE(inbox().size(), 3);
    }

    void leaveOnServerOff_deletesOnlyStoredMessages_atQuit()
    {
        const QByteArray tag = QUuid::createUuid().toByteArray(QUuid::Id128);
        auto user = userWith({testMessage("a-" + tag), testMessage("b-" + tag)});
        QVERIFY(user);
        Pop3PollOptions options;
        options.leaveOnServer = false;
        Pop3Poller poller(*m_db, m_account, settings(*user), options, m_clock);
        Pop3PollResult result = poll(poller);
        QVERIFY2(result.ok(), qPrintable(result.error.toString()));
        QCOMPARE(result.downloaded, 2);
        QCOMPARE(result.deletedOnServer, 2);
        QCOMPARE(inbox().size(), 2);

        result = poll(poller);
        QVERIFY2(result.ok(), qPrintable(result.error.toString()));
        QCOMPARE(result.onServer, 0);
        QCOMPARE(inbox().size(), 2);
        // The records of messages gone from the server are forgotten.
        auto records = Store::Pop3Store(*m_db).records(m_account);
        QVERIFY(records);
        QCOMPARE(records->size(), 0);
    }

    void deleteAfterDays_deletesOnlyMessagesStoredLongEnoughAgo()
    {
        const QByteArray tag = QUuid::createUuid().toByteArray(QUuid::Id128);
        auto user = userWith({testMessage("old1-" + tag), testMessage("old2-" + tag)});
        QVERIFY(user);
        Pop3PollOptions options;
        options.deleteAfterDays = 3;
        Pop3Poller poller(*m_db, m_account, settings(*user), options, m_clock);
        Pop3PollResult result = poll(poller);
        QVERIFY2(result.ok(), qPrintable(result.error.toString()));
        QCOMPARE(result.downloaded, 2);

        m_clock.advance(std::chrono::hours(48));
        QString problem;
        QVERIFY2(m_env.deliver(*user, testMessage("new-" + tag), &problem), qPrintable(problem));
        result = poll(poller);
        QVERIFY2(result.ok(), qPrintable(result.error.toString()));
        QCOMPARE(result.downloaded, 1);
        QCOMPARE(result.deletedOnServer, 0); // two days old: kept

        m_clock.advance(std::chrono::hours(25)); // the first two are now 73 h old, the third 25 h
        result = poll(poller);
        QVERIFY2(result.ok(), qPrintable(result.error.toString()));
        QCOMPARE(result.deletedOnServer, 2);

        result = poll(poller);
        QVERIFY2(result.ok(), qPrintable(result.error.toString()));
        QCOMPARE(result.onServer, 1);
        QCOMPARE(result.downloaded, 0);
        QCOMPARE(inbox().size(), 3); // deleting on the server never deletes here
    }

    void deleteWhenDeletedHere_deletesExactlyTheLocallyDeletedMessage()
    {
        const QByteArray tag = QUuid::createUuid().toByteArray(QUuid::Id128);
        auto user = userWith({testMessage("keep-" + tag), testMessage("drop-" + tag)});
        QVERIFY(user);
        Pop3PollOptions options;
        options.deleteWhenDeletedHere = true;
        Pop3Poller poller(*m_db, m_account, settings(*user), options, m_clock);
        Pop3PollResult result = poll(poller);
        QVERIFY2(result.ok(), qPrintable(result.error.toString()));
        QCOMPARE(result.downloaded, 2);
        QCOMPARE(result.deletedOnServer, 0);

        qint64 drop = 0;
        for (const Store::StoredMessage &m : inbox()) {
            if (m.header.subject.startsWith(QStringLiteral("drop-")))
                drop = m.id;
        }
        QVERIFY(drop != 0);
        QVERIFY(!Store::MessageStore(*m_db).remove({drop}));

        result = poll(poller);
        QVERIFY2(result.ok(), qPrintable(result.error.toString()));
        QCOMPARE(result.downloaded, 0); // the UIDL stays known: not downloaded again
        QCOMPARE(result.deletedOnServer, 1);
        result = poll(poller);
        QCOMPARE(result.onServer, 1);
        const QList<Store::StoredMessage> left = inbox();
        QCOMPARE(left.size(), 1);
        QVERIFY(left.first().header.subject.startsWith(QStringLiteral("keep-")));
    }

    void markRead_storesDownloadsSeen()
    {
        const QByteArray tag = QUuid::createUuid().toByteArray(QUuid::Id128);
        auto user = userWith({testMessage("read-" + tag)});
        QVERIFY(user);
        Pop3PollOptions options;
        options.markRead = true;
        Pop3Poller poller(*m_db, m_account, settings(*user), options, m_clock);
        const Pop3PollResult result = poll(poller);
        QVERIFY2(result.ok(), qPrintable(result.error.toString()));
        const QList<Store::StoredMessage> stored = inbox();
        QCOMPARE(stored.size(), 1);
        QVERIFY(stored.first().header.flags.testFlag(Store::MessageFlag::Seen));
    }

    void wrongPassword_failsWithAuthentication_andStoresNothing()
    {
        auto user = userWith({testMessage("x")});
        QVERIFY(user);
        MailUser wrong = *user;
        wrong.password = QStringLiteral("not-the-password");
        Pop3Poller poller(*m_db, m_account, settings(wrong), {}, m_clock);
        const Pop3PollResult result = poll(poller);
        QCOMPARE(result.error.kind, Error::Kind::Authentication);
        QCOMPARE(inbox().size(), 0);
    }
};

QTEST_GUILESS_MAIN(TestPop3PollerServer)
#include "test_pop3poller_server.moc"
