// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// The kill test: `tidings-cli sync --once` SIGKILLed at 20 random moments of an initial sync of
// 10,000 messages, then a complete sync. After every kill the profile passes PRAGMA
// integrity_check, holds no duplicate and never fewer rows than before; at the end it holds
// exactly the server's UIDs and flags in every folder.
//
// The moments are drawn from a seed printed at the start (set TIDINGS_KILL_SEED to replay a
// run). Two durations are measured first on another profile of the same mailbox: T, one
// uninterrupted initial sync, and O, a sync with nothing to fetch (process start, TLS, login,
// LIST, SELECT: what every resumed run spends before it fetches). 20 points p1 < … < p20 are
// drawn uniformly in [0, T − O), positions in the work of one initial sync; run i is killed
// O/2 + (p(i) − p(i−1)) after it starts (about half of O comes before INBOX's first FETCH; the
// rest is the other folders, LOGOUT and exit), so the kills land at random places spread over
// the whole initial sync rather than all in its first second.
#include "tests/support/testprofile.h"
#include "tests/sync/clitesthelpers.h"
#include "tests/sync/synctesthelpers.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QTest>

#include <algorithm>

using namespace Tidings;
using namespace Tidings::Sync;
using namespace Tidings::Sync::TestHelpers;
using Tidings::Test::MailServerEnv;
using Tidings::Test::MailUser;

namespace {

constexpr int messageCount = 10000;
constexpr int killCount = 20;

struct ProfileCheck {
    QString integrity;
    qint64 rows = -1;
    qint64 duplicates = -1; ///< rows beyond the first with the same (folder, uidvalidity, uid)
    qint64 withoutUid = -1;
    qint64 searchPending = -1; ///< messages waiting for the deferred search index (schema 5)
};

ProfileCheck checkProfile(const QString &path)
{
    ProfileCheck check;
    auto db = Store::Database::open(path);
    if (!db)
        return check;
    auto integrity = db.value()->integrityCheck();
    check.integrity = integrity ? integrity.value() : integrity.error().toString();
    auto rows = db.value()->scalar(QStringLiteral("SELECT count(*) FROM messages"));
    check.rows = rows ? rows.value().toLongLong() : -1;
    auto distinct = db.value()->scalar(
        QStringLiteral("SELECT count(*) FROM (SELECT DISTINCT folder_id, uidvalidity, uid FROM messages)"));
    check.duplicates = rows && distinct ? check.rows - distinct.value().toLongLong() : -1;
    auto noUid =
        db.value()->scalar(QStringLiteral("SELECT count(*) FROM messages WHERE uid IS NULL OR uid = 0"));
    check.withoutUid = noUid ? noUid.value().toLongLong() : -1;
    auto pending = db.value()->scalar(QStringLiteral("SELECT count(*) FROM search_pending"));
    check.searchPending = pending ? pending.value().toLongLong() : -1;
    return check;
}

} // namespace

class TestSyncKill final : public QObject
{
    Q_OBJECT
    MailServerEnv m_env;

    QStringList syncArgs() const
    {
        return {QStringLiteral("sync"), QStringLiteral("--once"), QStringLiteral("--account"),
                QStringLiteral("Kill"), QStringLiteral("--password-stdin")};
    }

    bool addAccount(const QString &profile, const MailUser &user) const
    {
        const CliRun r = runCli(
            profile,
            {QStringLiteral("account"),          QStringLiteral("add"),
             QStringLiteral("--name"),           QStringLiteral("Kill"),
             QStringLiteral("--email"),          user.address,
             QStringLiteral("--imap"),           QStringLiteral("%1:%2").arg(m_env.host).arg(m_env.imapsPort),
             QStringLiteral("--imap-security"),  QStringLiteral("tls"),
             QStringLiteral("--user"),           user.address,
             QStringLiteral("--smtp"),           QStringLiteral("%1:%2").arg(m_env.host).arg(m_env.smtpsPort),
             QStringLiteral("--smtp-security"),  QStringLiteral("tls"),
             QStringLiteral("--ca-file"),        m_env.caFile,
             QStringLiteral("--password-stdin"), QStringLiteral("--no-keychain")},
            user.password);
        if (r.exitCode != 0)
            qWarning("account add failed: %s", qPrintable(r.describe()));
        return r.exitCode == 0;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        const auto env = MailServerEnv::load(&error);
        QVERIFY2(env, qPrintable(error));
        m_env = *env;
        QVERIFY2(QFile::exists(cliPath()), qPrintable(cliPath()));
    }

    void initialSync_killedAtTwentyRandomMoments_resumesWithoutDuplicateOrLoss()
    {
        QString error;
        const auto user = m_env.createUser(QStringLiteral("kill"), &error);
        QVERIFY2(user, qPrintable(error));
        QElapsedTimer clock;
        clock.start();
        QByteArray fillOutput;
        QCOMPARE(MailServerEnv::runTool({QStringLiteral("fill"), m_env.dir, user->address,
                                         QStringLiteral("--count"), QString::number(messageCount)},
                                        &fillOutput),
                 0);
        qInfo("filled %d messages in %lld ms", messageCount, clock.elapsed());

        bool seedOk = true;
        const quint32 seed = qEnvironmentVariableIsSet("TIDINGS_KILL_SEED")
                                 ? qEnvironmentVariable("TIDINGS_KILL_SEED").toUInt(&seedOk)
                                 : QRandomGenerator::system()->generate();
        QVERIFY2(seedOk, "TIDINGS_KILL_SEED must be an unsigned 32-bit number");
        qInfo("kill test seed: %u (replay with TIDINGS_KILL_SEED=%u)", seed, seed);
        QRandomGenerator rng(seed);

        // T: one uninterrupted initial sync of the same mailbox into a separate profile.
        qint64 fullMs = 0;
        qint64 overheadMs = 0;
        {
            Test::TestProfile calibration;
            QVERIFY(addAccount(calibration.path(), *user));
            clock.restart();
            const CliRun r = runCli(calibration.path(), syncArgs(), user->password, 600000);
            fullMs = clock.elapsed();
            QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
            QCOMPARE(checkProfile(calibration.path()).rows, qint64(messageCount));
            clock.restart();
            const CliRun again = runCli(calibration.path(), syncArgs(), user->password, 600000);
            overheadMs = clock.elapsed();
            QVERIFY2(again.exitCode == 0, qPrintable(again.describe()));
        }
        qInfo("uninterrupted initial sync T = %lld ms; a sync with nothing to fetch O = %lld ms", fullMs,
              overheadMs);
        const qint64 work = std::max<qint64>(fullMs - overheadMs, killCount);
        QList<qint64> points;
        for (int i = 0; i < killCount; ++i)
            points << qint64(rng.bounded(quint32(work)));
        std::sort(points.begin(), points.end());

        Test::TestProfile profile;
        QVERIFY(addAccount(profile.path(), *user));
        qint64 previousRows = 0;
        int killedDuringSync = 0;
        for (int i = 1; i <= killCount; ++i) {
            const int delayMs = int(overheadMs / 2 + points.at(i - 1) - (i > 1 ? points.at(i - 2) : 0));
            QProcess p;
            p.setProgram(cliPath());
            p.setArguments(QStringList{QStringLiteral("--profile"), profile.path()} + syncArgs());
            p.start();
            QVERIFY(p.waitForStarted(30000));
            p.write(user->password.toUtf8() + '\n');
            p.closeWriteChannel();
            const bool exitedFirst = p.waitForFinished(delayMs);
            if (!exitedFirst) {
                p.kill(); // SIGKILL
                QVERIFY(p.waitForFinished(30000));
                ++killedDuringSync;
            }
            const ProfileCheck check = checkProfile(profile.path());
            qInfo("kill %2d at %5d ms (point %6lld ms): %s, %lld rows, integrity %s, %lld duplicates", i,
                  delayMs, points.at(i - 1),
                  exitedFirst ? qPrintable(QStringLiteral("exited first (code %1)").arg(p.exitCode()))
                              : "killed",
                  check.rows, qPrintable(check.integrity), check.duplicates);
            QCOMPARE(check.integrity, QStringLiteral("ok"));
            QCOMPARE(check.duplicates, qint64(0));
            QCOMPARE(check.withoutUid, qint64(0));
            QVERIFY2(check.rows >= previousRows, "a killed sync lost rows that were committed before");
            previousRows = check.rows;
        }
        qInfo("%d of %d runs were killed while syncing; %lld of %d rows were in before the final sync",
              killedDuringSync, killCount, previousRows, messageCount);
        QVERIFY2(killedDuringSync >= killCount / 2, "most kills must land inside a running sync");

        clock.restart();
        const CliRun final = runCli(profile.path(), syncArgs(), user->password, 600000);
        QVERIFY2(final.exitCode == 0, qPrintable(final.describe()));
        qInfo("final sync: %lld ms", clock.elapsed());
        const ProfileCheck check = checkProfile(profile.path());
        QCOMPARE(check.integrity, QStringLiteral("ok"));
        QCOMPARE(check.duplicates, qint64(0));
        QCOMPARE(check.rows, qint64(messageCount));
        // The search index is complete too: nothing pending (a killed run's notes were caught up by
        // a later run's background pass), and integrity_check (above) compared the FTS index with
        // every message.
        QCOMPARE(check.searchPending, qint64(0));

        // Every folder: exactly the server's UIDs and flags.
        auto other = otherClient(m_env, *user);
        QVERIFY(other);
        auto db = Store::Database::open(profile.path());
        QVERIFY(db);
        auto account = Store::AccountStore(*db.value()).list();
        QVERIFY(account && account->size() == 1);
        const qint64 accountId = account->first().id;
        auto folders = Store::FolderStore(*db.value()).list(accountId);
        QVERIFY(folders && !folders->isEmpty());
        for (const Store::Folder &f : folders.value()) {
            if (!f.selectable)
                continue;
            const auto server = serverState(*other, Imap::decodeModifiedUtf7(f.name));
            QVERIFY2(server, f.name.constData());
            const ServerState local = storeState(*db.value(), accountId, f.name);
            QVERIFY2(local == *server, qPrintable(QStringLiteral("%1: store %2 rows, server %3")
                                                      .arg(f.displayName)
                                                      .arg(local.size())
                                                      .arg(server->size())));
        }
    }
};

QTEST_GUILESS_MAIN(TestSyncKill)
#include "test_sync_kill.moc"
