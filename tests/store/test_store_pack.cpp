// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// PartStore::storePacked (pack files, migration 4) and Pop3Store::storeMessages, the POP3
// download path's group write.
#include "core/common/clock.h"
#include "core/store/partstore.h"
#include "core/store/pop3store.h"
#include "storetestutil.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Tidings;
using namespace Tidings::Store;
using namespace Tidings::Test;

namespace {

QStringList packFiles(const QTemporaryDir &dir)
{
    return QDir(dir.filePath(QStringLiteral("parts"))).entryList({QStringLiteral("*.pack")}, QDir::Files);
}

/// Bytes that exercise every value, CR/LF and NUL included.
QByteArray binary(int seed, int size)
{
    QByteArray out(size, Qt::Uninitialized);
    for (int i = 0; i < size; ++i)
        out[i] = char((i * 131 + seed * 17) & 0xff);
    return out;
}

} // namespace

class TestStorePack : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    ManualClock m_clock;
    std::unique_ptr<Database> m_db;
    qint64 m_account = 0;
    qint64 m_inbox = 0;

    bool reopen()
    {
        m_db.reset();
        Database::Options options;
        options.clock = &m_clock;
        m_db = openOrFail(m_dir.path(), options);
        return bool(m_db);
    }

    QList<qint64> addMessages(int n)
    {
        QList<qint64> ids;
        for (int i = 0; i < n; ++i)
            ids << MessageStore(*m_db).insertLocal(m_inbox, header(0, QStringLiteral("m%1").arg(i))).value();
        return ids;
    }

private Q_SLOTS:
    void init()
    {
        QVERIFY(m_dir.isValid());
        QDir(m_dir.path()).removeRecursively();
        QVERIFY(QDir().mkpath(m_dir.path()));
        QVERIFY(reopen());
        m_account = addAccount(*m_db, QStringLiteral("pop"), Account::Protocol::Pop3);
        m_inbox = addFolder(*m_db, m_account, "INBOX");
        QVERIFY(m_inbox > 0);
    }

    void cleanup() { m_db.reset(); }

    void packedParts_readBackByteIdentical_afterReopen()
    {
        const QList<qint64> ids = addMessages(4);
        const QList<QByteArray> contents{binary(1, 5000), QByteArray(), binary(2, 1), binary(3, 300 * 1024)};
        QList<PackedPart> parts;
        for (int i = 0; i < 4; ++i)
            parts << PackedPart{ids.at(i), QString(), contents.at(i)};
        {
            Transaction t(*m_db, Durability::Full);
            STORE_OK(t.error());
            STORE_OK(PartStore(*m_db).storePacked(parts));
            STORE_OK(t.commit());
        }
        QCOMPARE(packFiles(m_dir).size(), 1);
        QCOMPARE(QFileInfo(m_dir.filePath(QStringLiteral("parts/") + packFiles(m_dir).first())).size(),
                 qint64(5000 + 0 + 1 + 300 * 1024));
        QCOMPARE(count(*m_db, QStringLiteral("SELECT count(DISTINCT file_name) FROM message_parts")), 1);
        QCOMPARE(count(*m_db, QStringLiteral("SELECT count(*) FROM message_parts WHERE content IS NOT NULL")),
                 0);

        QVERIFY(reopen());
        for (int i = 0; i < 4; ++i) {
            auto part = PartStore(*m_db).get(ids.at(i), QString());
            STORE_OK(part);
            QVERIFY(part->has_value());
            QVERIFY((*part)->complete);
            QCOMPARE((*part)->announcedSize, qint64(contents.at(i).size()));
            QCOMPARE((*part)->content, contents.at(i));
        }
        QCOMPARE(m_db->integrityCheck().value(), QStringLiteral("ok"));
    }

    void packedPart_cannotBeContinued_andStoreReplacesIt()
    {
        const QList<qint64> ids = addMessages(2);
        STORE_OK(
            PartStore(*m_db).storePacked({{ids.at(0), QString(), "abc"}, {ids.at(1), QString(), "defg"}}));
        // append() must never touch a shared pack, not even with zero bytes.
        const Error e = PartStore(*m_db).append(ids.at(0), QString(), 3, 3, QByteArray());
        QCOMPARE(e.kind, Error::Kind::Storage);
        QCOMPARE(PartStore(*m_db).get(ids.at(1), QString())->value().content, QByteArray("defg"));

        // Replacing one packed part keeps the pack for the other.
        STORE_OK(PartStore(*m_db).store(ids.at(0), QString(), 3, "xyz"));
        QCOMPARE(PartStore(*m_db).get(ids.at(0), QString())->value().content, QByteArray("xyz"));
        QCOMPARE(
            count(*m_db, QStringLiteral("SELECT count(*) FROM message_parts WHERE file_offset IS NOT NULL")),
            1);
        QCOMPARE(packFiles(m_dir).size(), 1);
        STORE_OK(PartStore(*m_db).store(ids.at(1), QString(), 2, "hi"));
        QCOMPARE(packFiles(m_dir).size(), 0);
        QCOMPARE(PartStore(*m_db).get(ids.at(1), QString())->value().content, QByteArray("hi"));
    }

    void removingMessages_keepsThePackWhileAnyRowNamesIt()
    {
        const QList<qint64> ids = addMessages(3);
        QList<PackedPart> parts;
        for (int i = 0; i < 3; ++i)
            parts << PackedPart{ids.at(i), QString(), binary(i, 1000 + i)};
        STORE_OK(PartStore(*m_db).storePacked(parts));
        QCOMPARE(packFiles(m_dir).size(), 1);

        STORE_OK(MessageStore(*m_db).remove({ids.at(0), ids.at(2)}));
        QCOMPARE(packFiles(m_dir).size(), 1);
        QCOMPARE(PartStore(*m_db).get(ids.at(1), QString())->value().content, binary(1, 1001));
        QCOMPARE(PartStore(*m_db).removeOrphanFiles().value(), 0);

        STORE_OK(MessageStore(*m_db).remove({ids.at(1)}));
        QCOMPARE(packFiles(m_dir).size(), 0);
        QCOMPARE(count(*m_db, QStringLiteral("SELECT count(*) FROM deleted_part_files")), 0);
    }

    void crashBeforeCommit_leavesAnUnreferencedPack_removedAsOrphan()
    {
        const QList<qint64> kept = addMessages(1);
        STORE_OK(PartStore(*m_db).storePacked({{kept.at(0), QString(), "kept"}}));
        {
            // The transaction never commits (a crash after the pack's fsync).
            Transaction t(*m_db, Durability::Full);
            STORE_OK(t.error());
            const QList<qint64> lost = addMessages(2);
            STORE_OK(PartStore(*m_db).storePacked(
                {{lost.at(0), QString(), "one"}, {lost.at(1), QString(), "two"}}));
            QCOMPARE(packFiles(m_dir).size(), 2);
        }
        QVERIFY(reopen());
        QCOMPARE(count(*m_db, QStringLiteral("SELECT count(*) FROM message_parts")), 1);
        QCOMPARE(packFiles(m_dir).size(), 2);
        QCOMPARE(PartStore(*m_db).removeOrphanFiles().value(), 1);
        QCOMPARE(packFiles(m_dir).size(), 1);
        QCOMPARE(PartStore(*m_db).get(kept.at(0), QString())->value().content, QByteArray("kept"));
    }

    void orphanSweep_waitsForAWriterThatHoldsItsPack()
    {
        // A second connection (another thread or process) writing a group: while its
        // transaction is open its pack has no committed row, and the sweep must not take it.
        Database::Options options;
        options.clock = &m_clock;
        auto writer = openOrFail(m_dir.path(), options);
        QVERIFY(writer);
        const qint64 id = MessageStore(*m_db).insertLocal(m_inbox, header(0, QStringLiteral("w"))).value();
        {
            Transaction t(*writer, Durability::Full);
            STORE_OK(t.error());
            STORE_OK(PartStore(*writer).storePacked({{id, QString(), "in flight"}}));
            auto swept = PartStore(*m_db).removeOrphanFiles(); // busy until the writer commits
            QVERIFY(!swept.ok());
            QCOMPARE(packFiles(m_dir).size(), 1);
            STORE_OK(t.commit());
        }
        QCOMPARE(PartStore(*m_db).removeOrphanFiles().value(), 0);
        QCOMPARE(PartStore(*m_db).get(id, QString())->value().content, QByteArray("in flight"));
    }

    void pendingPack_dropped_removesItsFile_andNeedsATransaction()
    {
        QVERIFY(PartStore(*m_db).writePack({"x"}).error().isError()); // outside a transaction
        const QList<qint64> ids = addMessages(2);
        Transaction t(*m_db, Durability::Full);
        STORE_OK(t.error());
        {
            auto dropped = PartStore(*m_db).writePack({"abandoned"});
            STORE_OK(dropped);
            QCOMPARE(packFiles(m_dir).size(), 1);
        }
        QCOMPARE(packFiles(m_dir).size(), 0);
        auto pack = PartStore(*m_db).writePack({"first", "second"});
        STORE_OK(pack);
        QVERIFY(PartStore(*m_db).addPackedRows(pack.value(), {{ids.at(0), QString()}}).isError()); // count
        STORE_OK(
            PartStore(*m_db).addPackedRows(pack.value(), {{ids.at(0), QString()}, {ids.at(1), QString()}}));
        STORE_OK(t.commit());
        QCOMPARE(packFiles(m_dir).size(), 1);
        QCOMPARE(PartStore(*m_db).get(ids.at(1), QString())->value().content, QByteArray("second"));
    }

    void inMemory_storesPackedPartsInline()
    {
        auto db = openOrFail(QStringLiteral(":memory:"));
        QVERIFY(db);
        const qint64 account = addAccount(*db, QStringLiteral("m"), Account::Protocol::Pop3);
        const qint64 inbox = addFolder(*db, account, "INBOX");
        const qint64 id = MessageStore(*db).insertLocal(inbox, header(0, QStringLiteral("x"))).value();
        STORE_OK(PartStore(*db).storePacked({{id, QString(), binary(9, 700)}}));
        QCOMPARE(count(*db, QStringLiteral("SELECT count(*) FROM message_parts WHERE content IS NOT NULL")),
                 1);
        QCOMPARE(PartStore(*db).get(id, QString())->value().content, binary(9, 700));
    }

    void pop3Group_storesRowsBytesAndUidls_duplicateInGroupOnce()
    {
        Pop3Store pop3(*m_db);
        QList<Pop3Download> group;
        for (int i = 0; i < 3; ++i)
            group << Pop3Download{QStringLiteral("U%1").arg(i), header(0, QStringLiteral("s%1").arg(i)),
                                  binary(i, 64 + i)};
        group << Pop3Download{QStringLiteral("U1"), header(0, QStringLiteral("again")), binary(1, 65)};
        auto stored = pop3.storeMessages(m_inbox, group);
        STORE_OK(stored);
        QCOMPARE(stored->size(), 4);
        QVERIFY(stored->at(0).isNew && stored->at(1).isNew && stored->at(2).isNew);
        QCOMPARE(stored->at(3), (Pop3Stored{stored->at(1).messageId, false}));
        QCOMPARE(FolderStore(*m_db).get(m_inbox)->totalCount, 3);
        QCOMPARE(packFiles(m_dir).size(), 1);
        QVERIFY(reopen());
        QCOMPARE(Pop3Store(*m_db).knownUidls(m_account)->size(), 3);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(PartStore(*m_db).get(stored->at(i).messageId, QString())->value().content,
                     binary(i, 64 + i));
        // Outside a Full transaction of its own making the group is refused.
        Transaction normal(*m_db);
        QVERIFY(Pop3Store(*m_db).storeMessages(m_inbox, {group.first()}).error().isError());
    }

    void pop3Group_packFailure_leavesNoRowAndNoUidl()
    {
        // parts/ is a file: the pack cannot be created, so nothing of the group may remain.
        QFile blocker(m_dir.filePath(QStringLiteral("parts")));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        auto stored = Pop3Store(*m_db).storeMessages(
            m_inbox, {Pop3Download{QStringLiteral("U1"), header(0, QStringLiteral("s")), "bytes"}});
        QVERIFY(!stored.ok());
        QCOMPARE(stored.error().kind, Error::Kind::Storage);
        QCOMPARE(Pop3Store(*m_db).knownUidls(m_account)->size(), 0);
        QCOMPARE(count(*m_db, QStringLiteral("SELECT count(*) FROM messages")), 0);
        QCOMPARE(FolderStore(*m_db).get(m_inbox)->totalCount, 0);
        QVERIFY(QFile::remove(m_dir.filePath(QStringLiteral("parts"))));
        STORE_OK(Pop3Store(*m_db).storeMessages(
            m_inbox, {Pop3Download{QStringLiteral("U1"), header(0, QStringLiteral("s")), "bytes"}}));
        QCOMPARE(Pop3Store(*m_db).knownUidls(m_account)->size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestStorePack)
#include "test_store_pack.moc"
