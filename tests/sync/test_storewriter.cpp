// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// StoreWriter: store work on a thread of its own for a file profile (its own connection), on the
// owner's event loop for an in-memory database; in submission order either way, `done` on the
// owner's thread and never inside submit(), and not at all once its context is gone.
#include "core/store/database.h"
#include "core/sync/storewriter.h"

#include <QDir>
#include <QFileInfo>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace Tidings;
using namespace Tidings::Sync;

namespace {

/// Runs the event loop until @p done is true (at most 10 s).
bool spin(const std::function<bool()> &done)
{
    return QTest::qWaitFor(done, 10000);
}

/// A store with an empty table test_notes (in memory, or in @p dir).
std::unique_ptr<Store::Database> openWithNotes(const QString &dir)
{
    auto db = std::move(Store::Database::open(dir)).value();
    if (Error e = db->exec(QStringLiteral("CREATE TABLE test_notes (value INTEGER)")))
        qFatal("%s", qPrintable(e.toString()));
    return db;
}

Error insertNote(Store::Database &db, int value)
{
    return db.exec(QStringLiteral("INSERT INTO test_notes VALUES (%1)").arg(value));
}

} // namespace

class TestStoreWriter final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fileProfile_runsInOrderOnItsOwnThread_doneOnTheOwnersThread()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto db = openWithNotes(dir.path());
        StoreWriter writer(*db, QStringLiteral("test-writer"));
        QVERIFY(writer.isThreaded());
        QObject context;
        QList<int> done;
        QSet<QThread *> workThreads;
        for (int i = 0; i < 20; ++i) {
            writer.submit(
                &context,
                [i, &workThreads](Store::Database &own) {
                    workThreads.insert(QThread::currentThread()); // one writer thread: no race
                    return insertNote(own, i);
                },
                [i, &done](const Error &e) {
                    QCOMPARE(QThread::currentThread(), qApp->thread());
                    QCOMPARE(e, Error());
                    done << i;
                });
        }
        QVERIFY(done.isEmpty()); // never inside submit()
        QCOMPARE(writer.pending(), 20);
        QVERIFY(spin([&] { return done.size() == 20; }));
        QCOMPARE(writer.pending(), 0);
        QList<int> expected;
        for (int i = 0; i < 20; ++i)
            expected << i;
        QCOMPARE(done, expected);
        QCOMPARE(workThreads.size(), 1);
        QVERIFY(!workThreads.contains(qApp->thread()));
        // Committed through the writer's connection, seen through the owner's.
        QCOMPARE(db->scalar(QStringLiteral("SELECT group_concat(value) FROM (SELECT value FROM test_notes "
                                           "ORDER BY rowid)"))
                     ->toString(),
                 QStringLiteral("0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19"));
    }

    void idle_checkpointsTheWal()
    {
        // A commit leaves its pages in the WAL (the autocheckpoint bound is far above this
        // write); the writer copies them into the database file once it has gone idle.
        using namespace std::chrono_literals;
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto db = openWithNotes(dir.path());
        const QString file = QDir(dir.path()).filePath(QStringLiteral("tidings.db"));
        StoreWriter writer(*db, QStringLiteral("test-writer"));
        writer.setIdleDelay(200ms);
        QObject context;
        bool written = false;
        writer.submit(
            &context,
            [](Store::Database &own) {
                return own.exec(
                    QStringLiteral("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n "
                                   "WHERE x < 5000) INSERT INTO test_notes SELECT randomblob(400) "
                                   "FROM n"));
            },
            [&written](const Error &e) {
                QCOMPARE(e, Error());
                written = true;
            });
        QVERIFY(spin([&] { return written; }));
        const qint64 before = QFileInfo(file).size();
        QVERIFY(QFileInfo(file + QStringLiteral("-wal")).size() > 2'000'000);
        // Two MB of rows reach the file only through a checkpoint.
        QVERIFY(spin([&] { return QFileInfo(file).size() > before + 2'000'000; }));
        QCOMPARE(db->scalar(QStringLiteral("SELECT count(*) FROM test_notes"))->toInt(), 5000);
    }

    void inMemory_runsOnTheOwnersEventLoop_inOrder_neverInsideSubmit()
    {
        auto db = openWithNotes(QStringLiteral(":memory:"));
        StoreWriter writer(*db, QStringLiteral("test-writer"));
        QVERIFY(!writer.isThreaded());
        QObject context;
        QStringList events;
        for (int i = 0; i < 3; ++i) {
            writer.submit(
                &context,
                [i, &events](Store::Database &same) {
                    events << QStringLiteral("work %1").arg(i);
                    return insertNote(same, i);
                },
                [i, &events](const Error &e) {
                    QCOMPARE(e, Error());
                    events << QStringLiteral("done %1").arg(i);
                });
        }
        QVERIFY(events.isEmpty());
        QVERIFY(spin([&] { return events.size() == 6; }));
        QCOMPARE(events.first(), QStringLiteral("work 0"));
        QCOMPARE(events.filter(QStringLiteral("done")),
                 (QStringList{QStringLiteral("done 0"), QStringLiteral("done 1"), QStringLiteral("done 2")}));
        QCOMPARE(db->scalar(QStringLiteral("SELECT count(*) FROM test_notes"))->toInt(), 3);
    }

    void contextGone_workStillCommits_doneNotCalled()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto db = openWithNotes(dir.path());
        StoreWriter writer(*db, QStringLiteral("test-writer"));
        bool called = false;
        {
            QObject context;
            writer.submit(
                &context, [](Store::Database &own) { return insertNote(own, 1); },
                [&called](const Error &) { called = true; });
        }
        QVERIFY(spin([&] { return writer.pending() == 0; }));
        QVERIFY(!called);
        QCOMPARE(db->scalar(QStringLiteral("SELECT count(*) FROM test_notes"))->toInt(), 1);
    }

    void storeError_reachesDone()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto db = std::move(Store::Database::open(dir.path())).value();
        StoreWriter writer(*db, QStringLiteral("test-writer"));
        QObject context;
        Error seen;
        bool called = false;
        writer.submit(
            &context, [](Store::Database &own) { return insertNote(own, 1); }, // no such table
            [&](const Error &e) {
                seen = e;
                called = true;
            });
        QVERIFY(spin([&] { return called; }));
        QCOMPARE(seen.kind, Error::Kind::Storage);
        QVERIFY(seen.detail.contains(QStringLiteral("test_notes")));
    }
};

QTEST_GUILESS_MAIN(TestStoreWriter)
#include "test_storewriter.moc"
