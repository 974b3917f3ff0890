// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// The POP3 kill test: a poller process (pop3killdriver) downloading 200 messages from the harness
// Dovecot is killed with SIGKILL at 20 points (inside RETR, between commit and DELE, after DELE,
// during QUIT, with leave-on-server on and off). After each kill a normal poll runs. Every server
// message must end stored exactly once, and no message may ever be missing from the server that
// is not stored — checked right after the kill and again after the normal poll.
#include "core/pop3/session.h"
#include "core/store/database.h"
#include "core/store/messagestore.h"
#include "core/store/pop3store.h"
#include "core/sync/pop3poller.h"
#include "tests/support/mailserverenv.h"

#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Tidings;
using Tidings::Test::MailServerEnv;
using Tidings::Test::MailUser;

namespace {

constexpr int kMessages = 200;

} // namespace

class TestPop3Kill final : public QObject
{
    Q_OBJECT

private:
    MailServerEnv m_env;

    /// The UIDLs on the server now (a fresh session; QUIT without DELE).
    std::optional<QSet<QString>> serverUidls(const MailUser &user)
    {
        Pop3::Settings s;
        s.host = m_env.host;
        s.port = m_env.pop3sPort;
        s.tls.useSystemCaCertificates = false;
        s.tls.extraCaCertificates = m_env.caCertificates();
        s.username = user.address;
        s.password = user.password;
        Pop3::Session session(s);
        std::optional<QSet<QString>> result;
        bool done = false;
        Pop3::UidlJob *job = session.uidl();
        QObject::connect(job, &Pop3::Job::finished, this, [&](Pop3::Job *j) {
            done = true;
            if (j->error())
                return;
            QSet<QString> uidls;
            for (const Pop3::UidlEntry &e : static_cast<Pop3::UidlJob *>(j)->entries())
                uidls.insert(QString::fromLatin1(e.uid));
            result = uidls;
        });
        session.open();
        if (!QTest::qWaitFor([&] { return done; }, 30000))
            return std::nullopt;
        session.quit();
        return result;
    }

    struct StoreState {
        QSet<QString> uidls; // records that still name a stored message
        int records = 0;
        int inboxMessages = 0;
        int distinctMessageIds = 0;
        int unindexed = 0;           // downloaded messages still without preview and body search text
        qint64 unsearchable = 0;     // messages waiting for the search index (deferred by a large poll)
        bool searchDeferred = false; // the Inbox still defers its search index
    };

    static std::optional<StoreState> storeState(const QString &profile)
    {
        auto db = Store::Database::open(profile);
        if (!db)
            return std::nullopt;
        StoreState state;
        auto records = Store::Pop3Store(*db.value()).records(1);
        if (!records)
            return std::nullopt;
        state.records = int(records->size());
        for (const Store::Pop3Record &r : *records) {
            if (r.messageId != 0)
                state.uidls.insert(r.uidl);
        }
        auto inbox = Sync::Pop3Poller::inboxFolder(*db.value(), 1);
        if (!std::holds_alternative<qint64>(inbox))
            return std::nullopt;
        auto page = Store::MessageStore(*db.value()).folderPageAt(std::get<qint64>(inbox), 100000, 0);
        if (!page)
            return std::nullopt;
        state.inboxMessages = int(page->size());
        QSet<QString> ids;
        for (const Store::StoredMessage &m : *page)
            ids.insert(m.header.messageId);
        state.distinctMessageIds = int(ids.size());
        auto unindexed = Store::Pop3Store(*db.value()).unindexedMessages(1, 0, 100000);
        if (!unindexed)
            return std::nullopt;
        state.unindexed = int(unindexed->size());
        auto pending = Store::MessageStore(*db.value()).pendingSearchCount();
        if (!pending)
            return std::nullopt;
        state.unsearchable = *pending;
        auto deferred = db.value()->scalar(
            QStringLiteral("SELECT search_deferred FROM folders WHERE id = %1").arg(std::get<qint64>(inbox)));
        if (!deferred)
            return std::nullopt;
        state.searchDeferred = deferred->toBool();
        return state;
    }

    QProcess::ExitStatus runDriver(const QString &profile, const MailUser &user, bool leave,
                                   const QString &killAt, int *exitCode, QByteArray *output)
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("TIDINGS_TEST_KILL_AT"));
        if (!killAt.isEmpty())
            env.insert(QStringLiteral("TIDINGS_TEST_KILL_AT"), killAt);
        p.setProcessEnvironment(env);
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(QStringLiteral(TIDINGS_POP3KILL_DRIVER),
                {profile, m_env.host, QString::number(m_env.pop3sPort), m_env.caFile, user.address,
                 user.password, leave ? QStringLiteral("yes") : QStringLiteral("no")});
        if (!p.waitForFinished(120000)) {
            p.kill();
            p.waitForFinished();
        }
        *exitCode = p.exitCode();
        *output = p.readAll();
        return p.exitStatus();
    }

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<Sync::Pop3PollResult>();
        QString error;
        auto env = MailServerEnv::load(&error);
        QVERIFY2(env, qPrintable(error));
        m_env = *env;
    }

    void killedAnywhere_everyMessageStoredOnce_nothingDeletedUnstored_data()
    {
        QTest::addColumn<bool>("leave");
        QTest::addColumn<QString>("killAt");
        const QList<std::pair<bool, QString>> points{
            {true, u"listed"_qs},
            {true, u"retr:1"_qs},
            {true, u"retr:100"_qs},
            {true, u"retr:200"_qs},
            {true, u"stored:1"_qs},
            {true, u"stored:64"_qs},
            {true, u"stored:65"_qs},
            {true, u"stored:200"_qs},
            {true, u"quit"_qs},
            {false, u"retr:1"_qs},
            {false, u"retr:137"_qs},
            {false, u"stored:1"_qs},
            {false, u"stored:64"_qs},
            {false, u"stored:150"_qs},
            {false, u"stored:200"_qs},
            {false, u"dele:1"_qs},
            {false, u"dele:100"_qs},
            {false, u"dele:200"_qs},
            {false, u"quit"_qs},
            {false, u"quitok"_qs},
            // Inside the body indexing that follows a complete download.
            {true, u"indexed:64"_qs},
        };
        for (const auto &[leave, at] : points)
            QTest::addRow("%s leave=%s", qPrintable(at), leave ? "yes" : "no") << leave << at;
    }

    void killedAnywhere_everyMessageStoredOnce_nothingDeletedUnstored()
    {
        QFETCH(bool, leave);
        QFETCH(QString, killAt);

        QString problem;
        const auto user = m_env.createUser(QStringLiteral("kill"), &problem);
        QVERIFY2(user, qPrintable(problem));
        QByteArray fillOutput;
        QCOMPARE(MailServerEnv::runTool({QStringLiteral("fill"), m_env.dir, user->address,
                                         QStringLiteral("--count"), QString::number(kMessages)},
                                        &fillOutput),
                 0);
        const auto before = serverUidls(*user);
        QVERIFY(before);
        QCOMPARE(int(before->size()), kMessages);

        QTemporaryDir profile;
        QVERIFY(profile.isValid());
        int code = 0;
        QByteArray output;
        const QProcess::ExitStatus killed = runDriver(profile.path(), *user, leave, killAt, &code, &output);
        // The point must really be reached: the driver dies of SIGKILL, it does not finish.
        QVERIFY2(killed == QProcess::CrashExit, output.constData());

        // Right after the kill: whatever the server no longer has is stored here.
        auto afterKill = storeState(profile.path());
        QVERIFY(afterKill);
        auto serverAfterKill = serverUidls(*user);
        QVERIFY(serverAfterKill);
        const QSet<QString> goneAfterKill = *before - *serverAfterKill;
        QVERIFY2((goneAfterKill - afterKill->uidls).isEmpty(),
                 "a message was deleted from the server unstored");
        QCOMPARE(afterKill->inboxMessages, int(afterKill->uidls.size()));

        QCOMPARE(runDriver(profile.path(), *user, leave, QString(), &code, &output), QProcess::NormalExit);
        QVERIFY2(code == 0, output.constData());

        auto after = storeState(profile.path());
        QVERIFY(after);
        auto serverAfter = serverUidls(*user);
        QVERIFY(serverAfter);
        QCOMPARE(after->inboxMessages, kMessages);
        QCOMPARE(after->distinctMessageIds, kMessages);
        // Whatever a kill left unindexed (bodies, the deferred search index) is indexed by the
        // next run, and the Inbox indexes new mail at once again.
        QCOMPARE(after->unindexed, 0);
        QCOMPARE(after->unsearchable, 0);
        QVERIFY(!after->searchDeferred);
        if (leave) {
            QCOMPARE(*serverAfter, *before);
            QCOMPARE(after->uidls, *before);
        } else {
            QVERIFY(serverAfter->isEmpty());
        }
        const QSet<QString> gone = *before - *serverAfter;
        if (leave)
            QVERIFY(gone.isEmpty());
        qInfo("%s leave=%s: after kill %d stored (%d unindexed, %lld not in the search index), %d gone from "
              "server; after poll %d stored, %d on server",
              qPrintable(killAt), leave ? "yes" : "no", int(afterKill->uidls.size()), afterKill->unindexed,
              afterKill->unsearchable, int(goneAfterKill.size()), after->inboxMessages,
              int(serverAfter->size()));
    }
};

QTEST_GUILESS_MAIN(TestPop3Kill)
#include "test_pop3kill.moc"
