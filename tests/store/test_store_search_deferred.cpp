// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Deferred search indexing (schema 5): messages of a folder in search_deferred mode are listed at
// once, noted in search_pending, and indexed in batches by indexPendingSearch; the index and its
// content view agree at every commit, also when a pending message changes, loses its text or
// goes, and the notes survive a restart. The Message-ID lookup table (schema 6) leaves pending
// messages to the same pass, and a lookup finds them at every moment.
#include "storetestutil.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Tidings;
using namespace Tidings::Store;
using namespace Tidings::Test;

namespace {

QStringList subjects(const QList<StoredMessage> &messages)
{
    QStringList out;
    for (const StoredMessage &m : messages)
        out << m.header.subject;
    out.sort();
    return out;
}

QList<MessageHeader> numbered(quint32 from, quint32 to, const QString &word)
{
    QList<MessageHeader> out;
    for (quint32 uid = to; uid >= from; --uid)
        out << header(uid, QStringLiteral("%1 %2").arg(word).arg(uid), 1700000000 + uid);
    return out;
}

} // namespace

class TestStoreSearchDeferred : public QObject
{
    Q_OBJECT

    std::unique_ptr<Database> m_db;
    qint64 m_account = 0;
    qint64 m_inbox = 0;

private Q_SLOTS:
    void init()
    {
        m_db = openOrFail(QStringLiteral(":memory:"));
        QVERIFY(m_db);
        m_account = addAccount(*m_db, QStringLiteral("alice"));
        m_inbox = addFolder(*m_db, m_account, "INBOX", 100);
        QVERIFY(m_inbox > 0);
    }

    void cleanup()
    {
        if (m_db)
            QCOMPARE(integrity(*m_db), QStringLiteral("ok"));
        m_db.reset();
    }

    void deferredFolder_listedAtOnce_searchableAfterBatches_newestNotesFirst()
    {
        MessageStore messages(*m_db);
        STORE_OK(messages.setSearchDeferred(m_inbox, true));
        STORE_OK(messages.upsertHeaders(m_inbox, 100, numbered(1, 10, QStringLiteral("quarterly"))));
        QCOMPARE(messages.folderPage(m_inbox, 100)->messages.size(), 10);
        QCOMPARE(FolderStore(*m_db).get(m_inbox)->totalCount, 10);
        QCOMPARE(messages.pendingSearchCount().value(), 10);
        QCOMPARE(messages.search(QStringLiteral("quarterly"), 100)->size(), 0);
        QCOMPARE(integrity(*m_db), QStringLiteral("ok")); // the content view leaves pending rows out

        // The first batch takes the oldest notes: the first rows a newest-first sync wrote.
        QCOMPARE(messages.indexPendingSearch(4).value(), 4);
        QCOMPARE(subjects(messages.search(QStringLiteral("quarterly"), 100).value()),
                 (QStringList{QStringLiteral("quarterly 10"), QStringLiteral("quarterly 7"),
                              QStringLiteral("quarterly 8"), QStringLiteral("quarterly 9")}));
        QCOMPARE(integrity(*m_db), QStringLiteral("ok"));
        QCOMPARE(messages.indexPendingSearch(4).value(), 4);
        QCOMPARE(messages.indexPendingSearch(4).value(), 2);
        QCOMPARE(messages.indexPendingSearch(4).value(), 0);
        QCOMPARE(messages.pendingSearchCount().value(), 0);
        QCOMPARE(messages.search(QStringLiteral("quarterly"), 100)->size(), 10);

        // Deferral off: new rows are indexed as they are written.
        STORE_OK(messages.setSearchDeferred(m_inbox, false));
        STORE_OK(messages.upsertHeaders(m_inbox, 100, numbered(11, 11, QStringLiteral("quarterly"))));
        QCOMPARE(messages.pendingSearchCount().value(), 0);
        QCOMPARE(messages.search(QStringLiteral("quarterly"), 100)->size(), 11);
    }

    void otherFolders_stayIndexedInline()
    {
        MessageStore messages(*m_db);
        const qint64 sent = addFolder(*m_db, m_account, "Sent", 5);
        STORE_OK(messages.setSearchDeferred(m_inbox, true));
        STORE_OK(messages.upsertHeaders(sent, 5, numbered(1, 3, QStringLiteral("invoice"))));
        STORE_OK(messages.upsertHeaders(m_inbox, 100, numbered(1, 2, QStringLiteral("invoice"))));
        QCOMPARE(messages.search(QStringLiteral("invoice"), 100)->size(), 3);
        QCOMPARE(messages.pendingSearchCount().value(), 2);
        // A local message (POP3, a draft) in a folder that is not deferred: indexed inline.
        STORE_OK(messages.insertLocal(sent, header(0, QStringLiteral("invoice local"))));
        QCOMPARE(messages.search(QStringLiteral("invoice"), 100)->size(), 4);
    }

    void pendingMessage_updatedTextedOrExpunged_indexMatchesRowsAfterThePass()
    {
        MessageStore messages(*m_db);
        STORE_OK(messages.setSearchDeferred(m_inbox, true));
        STORE_OK(messages.upsertHeaders(m_inbox, 100, numbered(1, 4, QStringLiteral("draft"))));
        // A refresh of a pending row (same UID): no index change now, the pass reads the new subject.
        STORE_OK(messages.upsertHeaders(m_inbox, 100, {header(1, QStringLiteral("final budget"))}));
        // Text of a pending message (a body fetched before the pass): indexed with it later.
        const qint64 two = messages.findByUid(m_inbox, 100, 2)->value().id;
        STORE_OK(messages.setSearchText(two, QStringLiteral("Годовой отчёт")));
        STORE_OK(messages.setSearchText(two, QStringLiteral("Годовой отчёт, версия 2")));
        // A pending message expunged, another removed locally: gone with their notes.
        STORE_OK(messages.expungeUids(m_inbox, 100, {3}));
        STORE_OK(messages.remove({messages.findByUid(m_inbox, 100, 4)->value().id}));
        QCOMPARE(messages.pendingSearchCount().value(), 2);
        QCOMPARE(integrity(*m_db), QStringLiteral("ok"));
        QCOMPARE(messages.search(QStringLiteral("budget"), 10)->size(), 0);

        QCOMPARE(messages.indexPendingSearch(100).value(), 2);
        QCOMPARE(subjects(messages.search(QStringLiteral("budget"), 10).value()),
                 QStringList{QStringLiteral("final budget")});
        QCOMPARE(messages.search(QStringLiteral("draft"), 10)->size(), 1); // uid 2 only
        QCOMPARE(messages.search(QStringLiteral("отчет версия"), 10)->size(), 1);
        QCOMPARE(integrity(*m_db), QStringLiteral("ok"));

        // Indexed now: later changes go through the triggers as before.
        STORE_OK(messages.upsertHeaders(m_inbox, 100, {header(1, QStringLiteral("renamed"))}));
        QCOMPARE(messages.search(QStringLiteral("budget"), 10)->size(), 0);
        QCOMPARE(messages.search(QStringLiteral("renamed"), 10)->size(), 1);
        STORE_OK(messages.expungeUids(m_inbox, 100, {2}));
        QCOMPARE(messages.search(QStringLiteral("отчет"), 10)->size(), 0);
    }

    void folderDropped_withPendingMessages_leavesNoNotes()
    {
        MessageStore messages(*m_db);
        STORE_OK(messages.setSearchDeferred(m_inbox, true));
        STORE_OK(messages.upsertHeaders(m_inbox, 100, numbered(1, 5, QStringLiteral("x"))));
        // A UIDVALIDITY change drops the folder's cached messages.
        STORE_OK(FolderStore(*m_db).applyUidValidity(m_inbox, 101));
        QCOMPARE(messages.pendingSearchCount().value(), 0);
        QCOMPARE(count(*m_db, QStringLiteral("SELECT count(*) FROM messages")), 0);
    }

    void notes_surviveReopen_andTheNextPassIndexesThem()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        m_db.reset();
        {
            auto db = openOrFail(dir.path());
            QVERIFY(db);
            const qint64 account = addAccount(*db, QStringLiteral("alice"));
            const qint64 inbox = addFolder(*db, account, "INBOX", 100);
            MessageStore messages(*db);
            STORE_OK(messages.setSearchDeferred(inbox, true));
            STORE_OK(messages.upsertHeaders(inbox, 100, numbered(1, 50, QStringLiteral("survivor"))));
            QCOMPARE(messages.indexPendingSearch(20).value(), 20);
            // The process ends here (as a kill would: every commit is in the WAL).
        }
        m_db = openOrFail(dir.path());
        QVERIFY(m_db);
        MessageStore messages(*m_db);
        QCOMPARE(messages.pendingSearchCount().value(), 30);
        QCOMPARE(messages.search(QStringLiteral("survivor"), 100)->size(), 20);
        QCOMPARE(integrity(*m_db), QStringLiteral("ok"));
        while (messages.indexPendingSearch(7).value() > 0) {
        }
        QCOMPARE(messages.search(QStringLiteral("survivor"), 100)->size(), 50);
    }

    void messageIdLookup_findsPendingMessages_andTheirEntriesComeWithThePass()
    {
        MessageStore messages(*m_db);
        STORE_OK(messages.setSearchDeferred(m_inbox, true));
        QList<MessageHeader> headers = numbered(1, 3, QStringLiteral("thread"));
        for (MessageHeader &h : headers)
            h.messageId = QStringLiteral("<m%1@example.org>").arg(h.uid);
        headers[0].messageId = headers[1].messageId; // two copies of one message
        STORE_OK(messages.upsertHeaders(m_inbox, 100, headers));
        QCOMPARE(count(*m_db, QStringLiteral("SELECT count(*) FROM message_ids")), 0);
        QCOMPARE(messages.findByMessageId(QStringLiteral("<m2@example.org>"))->size(), 2);
        QCOMPARE(messages.findByMessageId(QStringLiteral("<m1@example.org>"))->size(), 1);
        QCOMPARE(integrity(*m_db), QStringLiteral("ok"));

        QCOMPARE(messages.indexPendingSearch(2).value(), 2);
        QCOMPARE(count(*m_db, QStringLiteral("SELECT count(*) FROM message_ids")), 2);
        // Both copies of <m2> indexed, <m1> still pending: each found once.
        QCOMPARE(messages.findByMessageId(QStringLiteral("<m2@example.org>"))->size(), 2);
        QCOMPARE(messages.findByMessageId(QStringLiteral("<m1@example.org>"))->size(), 1);
        QCOMPARE(integrity(*m_db), QStringLiteral("ok"));
        QCOMPARE(messages.indexPendingSearch(2).value(), 1);
        QCOMPARE(count(*m_db, QStringLiteral("SELECT count(*) FROM message_ids")), 3);
        QCOMPARE(messages.findByMessageId(QStringLiteral("<m2@example.org>"))->size(), 2);
        QCOMPARE(messages.findByMessageId(QStringLiteral("<m1@example.org>"))->first().header.uid, 1u);

        // Indexed rows follow their Message-ID when it changes, and go with the row.
        MessageHeader changed = headers[2];
        changed.messageId = QStringLiteral("<renamed@example.org>");
        STORE_OK(messages.upsertHeaders(m_inbox, 100, {changed}));
        QCOMPARE(messages.findByMessageId(QStringLiteral("<m1@example.org>"))->size(), 0);
        QCOMPARE(messages.findByMessageId(QStringLiteral("<renamed@example.org>"))->size(), 1);
        STORE_OK(messages.expungeUids(m_inbox, 100, {1, 3}));
        QCOMPARE(messages.findByMessageId(QStringLiteral("<m2@example.org>"))->size(), 1);
        QCOMPARE(count(*m_db, QStringLiteral("SELECT count(*) FROM message_ids")), 1);

        // Not deferred: an entry with the row.
        STORE_OK(messages.setSearchDeferred(m_inbox, false));
        MessageHeader later = header(9, QStringLiteral("later"));
        STORE_OK(messages.upsertHeaders(m_inbox, 100, {later}));
        QCOMPARE(count(*m_db, QStringLiteral("SELECT count(*) FROM message_ids")), 2);
        QCOMPARE(messages.findByMessageId(later.messageId)->size(), 1);
    }

    void deferredChunks_bulkPath_sameRowsAndCountsAsTheTriggerPath()
    {
        // upsertHeaders writes the new rows of a deferred folder with the row triggers off and
        // does their work once per chunk. The same chunks into a folder that is not deferred go
        // through the triggers: the rows and counts must come out the same.
        MessageStore messages(*m_db);
        const qint64 plain = addFolder(*m_db, m_account, "Plain", 100);
        STORE_OK(messages.setSearchDeferred(m_inbox, true));
        const QList<QList<MessageHeader>> chunks = [] {
            QList<MessageHeader> first = numbered(11, 20, QStringLiteral("bulk"));
            for (MessageHeader &h : first)
                h.flags = h.uid % 3 == 0 ? MessageFlags(MessageFlag::Seen) : MessageFlags();
            // A server that answers a UID twice in one chunk: the later answer wins.
            QList<MessageHeader> twice = numbered(5, 7, QStringLiteral("twice"));
            MessageHeader again = twice[1];
            again.flags = MessageFlag::Seen;
            again.subject = QStringLiteral("twice again");
            twice << again;
            // UIDs already stored (a resumed sync): one read now, one unread again.
            MessageHeader stored = first[0];
            stored.flags = MessageFlag::Seen;
            MessageHeader storedUnread = first[2];
            storedUnread.flags = {};
            QList<MessageHeader> mixed = numbered(1, 2, QStringLiteral("mixed"));
            mixed << stored << storedUnread;
            return QList<QList<MessageHeader>>{first, twice, mixed};
        }();
        for (const QList<MessageHeader> &chunk : chunks) {
            STORE_OK(messages.upsertHeaders(m_inbox, 100, chunk));
            STORE_OK(messages.upsertHeaders(plain, 100, chunk));
        }
        auto rows = [this](qint64 folder) {
            QStringList out;
            const QList<quint32> uids = MessageStore(*m_db).uids(folder, 100).value();
            for (quint32 uid : uids) {
                const StoredMessage m = MessageStore(*m_db).findByUid(folder, 100, uid).value().value();
                out << QStringLiteral("%1 %2 %3 %4 %5")
                           .arg(uid)
                           .arg(m.header.flags.toInt())
                           .arg(m.header.subject, m.header.from, m.header.messageId);
            }
            return out;
        };
        QCOMPARE(rows(m_inbox), rows(plain));
        QCOMPARE(rows(m_inbox).size(), 15);
        QVERIFY(rows(m_inbox).contains(
            QStringLiteral("6 1 twice again Sender 6 <sender6@example.org> <6.7@example.org>")));
        const Folder inbox = FolderStore(*m_db).get(m_inbox).value();
        const Folder other = FolderStore(*m_db).get(plain).value();
        QCOMPARE(inbox.totalCount, 15);
        QCOMPARE(inbox.unreadCount, other.unreadCount);
        QCOMPARE(inbox.unreadCount,
                 count(*m_db, QStringLiteral(
                                  "SELECT count(*) FROM messages WHERE folder_id = %1 AND (flags & 1) = 0")
                                  .arg(m_inbox)));
        // Every row of the deferred folder is noted, once; none of them is in the index yet.
        QCOMPARE(messages.pendingSearchCount().value(), 15);
        QCOMPARE(
            count(*m_db, QStringLiteral("SELECT count(*) FROM search_pending p JOIN messages m ON m.id = "
                                        "p.message_id WHERE m.folder_id = %1")
                             .arg(m_inbox)),
            15);
        QCOMPARE(messages.search(QStringLiteral("bulk"), 100)->size(), 10); // the plain folder's
        QCOMPARE(integrity(*m_db), QStringLiteral("ok"));

        // The triggers are back on for everything after a bulk chunk.
        const qint64 id = messages.findByUid(m_inbox, 100, 14).value().value().id; // unread
        STORE_OK(messages.changeFlags({id}, MessageFlag::Seen, {}));
        QCOMPARE(FolderStore(*m_db).get(m_inbox)->unreadCount, inbox.unreadCount - 1);
        STORE_OK(messages.expungeUids(m_inbox, 100, {13}));
        QCOMPARE(FolderStore(*m_db).get(m_inbox)->totalCount, 14);
        QCOMPARE(messages.pendingSearchCount().value(), 14);

        // The pass indexes them all, Message-IDs included.
        while (messages.indexPendingSearch(4).value() > 0) {
        }
        QCOMPARE(messages.search(QStringLiteral("bulk"), 100)->size(), 10 + 9);
        QCOMPARE(messages.findByMessageId(chunks[0][3].messageId)->size(), 2);
    }

    void messagesInsertTriggers_areTheOnesTheBulkPathStandsIn()
    {
        // insertNewDeferredRows (messagestore.cpp) does the work of exactly these AFTER INSERT
        // triggers on messages for a deferred folder. A new insert trigger needs its work there
        // too, or a first sync would skip it: this test names the ones it knows.
        auto r = m_db->scalar(QStringLiteral(
            "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema WHERE type = 'trigger' "
            "AND tbl_name = 'messages' AND sql LIKE '%INSERT ON messages%' ORDER BY name)"));
        QVERIFY(r.ok());
        QCOMPARE(r.value().toString(),
                 QStringLiteral("messages_after_insert messages_after_insert_message_id"));
    }

    void messageIdIndex_brokenByHand_isReportedByTheIntegrityCheck()
    {
        MessageStore messages(*m_db);
        STORE_OK(messages.upsertHeaders(m_inbox, 100, numbered(1, 2, QStringLiteral("x"))));
        QCOMPARE(integrity(*m_db), QStringLiteral("ok"));
        STORE_OK(m_db->exec(
            QStringLiteral("DELETE FROM message_ids WHERE id = (SELECT min(id) FROM message_ids)")));
        QVERIFY(integrity(*m_db).contains(QStringLiteral("Message-ID index: 1 messages missing")));
        STORE_OK(m_db->exec(QStringLiteral("INSERT INTO message_ids VALUES ('<ghost@example.org>', 999)")));
        QVERIFY(integrity(*m_db).contains(QStringLiteral("1 entries stale")));
        m_db.reset(); // cleanup() would fail on the damage made here on purpose
    }

    void migration6_fillsTheLookupTable_fromExistingRows_exceptPendingOnes()
    {
        // A profile written by the previous schema (migrations 1 to 5), then opened by this one.
        QTemporaryDir schema5;
        QTemporaryDir dir;
        QVERIFY(schema5.isValid() && dir.isValid());
        const QDir resources(QStringLiteral(":/tidings/store/schema"));
        for (const QString &name : resources.entryList({QStringLiteral("*.sql")})) {
            if (name.left(4).toInt() <= 5)
                QVERIFY(QFile::copy(resources.filePath(name), schema5.filePath(name)));
        }
        m_db.reset();
        {
            Database::Options options;
            options.migrationsDir = schema5.path();
            auto db = openOrFail(dir.path(), options);
            QVERIFY(db);
            QCOMPARE(db->schemaVersion(), 5);
            const qint64 account = addAccount(*db, QStringLiteral("alice"));
            const qint64 inbox = addFolder(*db, account, "INBOX", 100);
            const qint64 sent = addFolder(*db, account, "Sent", 5);
            MessageStore messages(*db);
            STORE_OK(messages.upsertHeaders(sent, 5, numbered(1, 3, QStringLiteral("sent"))));
            STORE_OK(messages.setSearchDeferred(inbox, true));
            STORE_OK(messages.upsertHeaders(inbox, 100, numbered(1, 4, QStringLiteral("inbox"))));
        }
        m_db = openOrFail(dir.path());
        QVERIFY(m_db);
        QCOMPARE(m_db->schemaVersion(), 6);
        QCOMPARE(count(*m_db, QStringLiteral("SELECT count(*) FROM message_ids")), 3); // the pending 4 wait
        QCOMPARE(integrity(*m_db), QStringLiteral("ok"));
        MessageStore messages(*m_db);
        QCOMPARE(messages.findByMessageId(header(2, QStringLiteral("inbox 2")).messageId)->size(), 1);
        while (messages.indexPendingSearch(3).value() > 0) {
        }
        QCOMPARE(count(*m_db, QStringLiteral("SELECT count(*) FROM message_ids")), 7);
    }
};

QTEST_GUILESS_MAIN(TestStoreSearchDeferred)
#include "test_store_search_deferred.moc"
