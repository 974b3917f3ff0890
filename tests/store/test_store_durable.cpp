// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// The tables whose loss could cause a wrong deletion on a server (pending operations, POP3
// state, outbox) and a full database.
#include "core/common/clock.h"
#include "core/store/outboxstore.h"
#include "core/store/partstore.h"
#include "core/store/pendingoperationstore.h"
#include "core/store/pop3store.h"
#include "storetestutil.h"

#include <QTemporaryDir>
#include <QTest>

using namespace Tidings;
using namespace Tidings::Store;
using namespace Tidings::Test;
using namespace std::chrono_literals;

namespace {

PendingOperation flagOp(qint64 account, qint64 folder, const QString &uids)
{
    PendingOperation op;
    op.accountId = account;
    op.kind = PendingOperation::Kind::StoreFlags;
    op.folderId = folder;
    op.folderName = "INBOX";
    op.uidValidity = 7;
    op.uids = uids;
    op.payload = "+FLAGS (\\Seen)";
    return op;
}

} // namespace

class TestStoreDurable : public QObject
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

private Q_SLOTS:
    void init()
    {
        QVERIFY(m_dir.isValid());
        QFile::remove(m_dir.filePath(QStringLiteral("tidings.db")));
        QVERIFY(reopen());
        m_account = addAccount(*m_db, QStringLiteral("alice"));
        m_inbox = addFolder(*m_db, m_account, "INBOX", 7);
        QVERIFY(m_inbox > 0);
    }

    void cleanup()
    {
        if (m_db)
            QCOMPARE(integrity(*m_db), QStringLiteral("ok"));
        m_db.reset();
    }

    void pending_replayInIdOrderPerAccount()
    {
        PendingOperationStore pending(*m_db);
        const qint64 bob = addAccount(*m_db, QStringLiteral("bob"));
        const qint64 bobInbox = addFolder(*m_db, bob, "INBOX", 7);
        const qint64 a1 = pending.enqueue(flagOp(m_account, m_inbox, QStringLiteral("1"))).value();
        const qint64 b1 = pending.enqueue(flagOp(bob, bobInbox, QStringLiteral("5"))).value();
        const qint64 a2 = pending.enqueue(flagOp(m_account, m_inbox, QStringLiteral("2"))).value();
        QVERIFY(a1 < a2);

        auto list = pending.pending(m_account);
        STORE_OK(list);
        QCOMPARE(list->size(), 2);
        QCOMPARE(list->at(0).id, a1);
        QCOMPARE(list->at(1).id, a2);
        QCOMPARE(list->at(0).payload, QByteArray("+FLAGS (\\Seen)"));
        QCOMPARE(pending.next(bob)->value().id, b1);

        // A transient failure keeps the operation at the head of the queue.
        STORE_OK(pending.markInFlight(a1));
        STORE_OK(pending.requeue(a1, QStringLiteral("connection lost")));
        QCOMPARE(pending.next(m_account)->value().id, a1);
        STORE_OK(pending.markInFlight(a1));
        STORE_OK(pending.markDone(a1));
        QCOMPARE(pending.next(m_account)->value().id, a2);
        STORE_OK(pending.markInFlight(a2));
        STORE_OK(pending.markFailed(a2, QStringLiteral("NO [NONEXISTENT] no such message")));
        QVERIFY(!pending.next(m_account)->has_value());
        QCOMPARE(pending.get(a1)->attempts, 2);
        QCOMPARE(pending.get(a2)->state, PendingOperation::State::Failed);
        QCOMPARE(pending.get(a2)->lastError, QStringLiteral("NO [NONEXISTENT] no such message"));
    }

    void pending_markedDoneExactlyOnce()
    {
        PendingOperationStore pending(*m_db);
        const qint64 id = pending.enqueue(flagOp(m_account, m_inbox, QStringLiteral("1"))).value();
        QVERIFY(pending.markDone(id).isError()); // not started: cannot be done
        STORE_OK(pending.markInFlight(id));
        STORE_OK(pending.markDone(id));
        const Error again = pending.markDone(id);
        QCOMPARE(again.kind, Error::Kind::Storage);
        QVERIFY(pending.markInFlight(id).isError()); // a done operation never runs again
        QVERIFY(pending.requeue(id, QStringLiteral("x")).isError());
        QVERIFY(!pending.next(m_account)->has_value());
        QCOMPARE(pending.get(id)->state, PendingOperation::State::Done);

        m_clock.advance(1h);
        auto purged = pending.purgeFinished(m_clock.now());
        STORE_OK(purged);
        QCOMPARE(purged.value(), 1);
        QVERIFY(!pending.get(id).ok());
    }

    void pending_surviveRestart_inFlightComesBackWithAttempts()
    {
        qint64 first = 0;
        qint64 second = 0;
        {
            PendingOperationStore pending(*m_db);
            first = pending.enqueue(flagOp(m_account, m_inbox, QStringLiteral("1"))).value();
            second = pending.enqueue(flagOp(m_account, m_inbox, QStringLiteral("2"))).value();
            STORE_OK(pending.markInFlight(first));
        }
        QVERIFY(reopen());
        PendingOperationStore pending(*m_db);
        auto next = pending.next(m_account);
        STORE_OK(next);
        QCOMPARE((*next)->id, first);
        QCOMPARE((*next)->state, PendingOperation::State::InFlight);
        QCOMPARE((*next)->attempts, 1);
        QCOMPARE((*next)->uids, QStringLiteral("1"));
        QCOMPARE((*next)->createdAt, m_clock.now());
        STORE_OK(pending.markInFlight(first));
        STORE_OK(pending.markDone(first));
        QCOMPARE(pending.next(m_account)->value().id, second);
    }

    void pending_withLocalChange_needsFullTransaction()
    {
        MessageStore messages(*m_db);
        PendingOperationStore pending(*m_db);
        STORE_OK(messages.upsertHeaders(m_inbox, 7, {header(1, QStringLiteral("a"))}));
        const qint64 id = messages.findByUid(m_inbox, 7, 1)->value().id;
        {
            Transaction normal(*m_db);
            STORE_OK(messages.changeFlags({id}, MessageFlag::Seen, {}));
            auto refused = pending.enqueue(flagOp(m_account, m_inbox, QStringLiteral("1")));
            QVERIFY(!refused.ok());
            QVERIFY(refused.error().detail.contains(QStringLiteral("Full")));
        }
        QCOMPARE(messages.get(id)->header.flags, MessageFlags());
        {
            Transaction durable(*m_db, Durability::Full);
            STORE_OK(messages.changeFlags({id}, MessageFlag::Seen, {}));
            STORE_OK(pending.enqueue(flagOp(m_account, m_inbox, QStringLiteral("1"))));
            STORE_OK(durable.commit());
        }
        QVERIFY(reopen());
        QCOMPARE(MessageStore(*m_db).get(id)->header.flags, MessageFlags(MessageFlag::Seen));
        QCOMPARE(PendingOperationStore(*m_db).pending(m_account)->size(), 1);
    }

    void pop3_messageRawAndUidlCommitTogether_andSurviveRestart()
    {
        const qint64 pop = addAccount(*m_db, QStringLiteral("pop"), Account::Protocol::Pop3);
        const qint64 inbox = addFolder(*m_db, pop, "INBOX");
        const QByteArray raw = "From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n";
        MessageHeader h = header(0, QStringLiteral("hi"));
        qint64 messageId = 0;
        {
            Pop3Store pop3(*m_db);
            auto stored = pop3.storeMessage(inbox, QStringLiteral("UIDL-1"), h, raw);
            STORE_OK(stored);
            messageId = stored.value();
            // Downloading the same UIDL again (a crash before DELE) stores nothing new.
            auto again = pop3.storeMessage(inbox, QStringLiteral("UIDL-1"), h, raw);
            STORE_OK(again);
            QCOMPARE(again.value(), messageId);
        }
        QVERIFY(reopen());
        Pop3Store pop3(*m_db);
        QCOMPARE(pop3.knownUidls(pop).value(), QSet<QString>{QStringLiteral("UIDL-1")});
        QCOMPARE(
            count(*m_db, QStringLiteral("SELECT count(*) FROM messages WHERE folder_id = %1").arg(inbox)), 1);
        auto part = PartStore(*m_db).get(messageId, QString());
        STORE_OK(part);
        QVERIFY((*part)->complete);
        QCOMPARE((*part)->content, raw);
        QCOMPARE(FolderStore(*m_db).get(inbox)->unreadCount, 1);

        // Deleting the local copy keeps the UIDL: the message is never downloaded twice.
        STORE_OK(MessageStore(*m_db).remove({messageId}));
        auto records = pop3.records(pop);
        STORE_OK(records);
        QCOMPARE(records->size(), 1);
        QCOMPARE(records->first().messageId, 0);
        QCOMPARE(pop3.storeMessage(inbox, QStringLiteral("UIDL-1"), h, raw).value(), 0);
        QCOMPARE(
            count(*m_db, QStringLiteral("SELECT count(*) FROM messages WHERE folder_id = %1").arg(inbox)), 0);
    }

    void pop3_leaveOnServer_deletesOnlyOldUidlsOnce()
    {
        const qint64 pop = addAccount(*m_db, QStringLiteral("pop"), Account::Protocol::Pop3);
        const qint64 inbox = addFolder(*m_db, pop, "INBOX");
        Pop3Store pop3(*m_db);
        STORE_OK(pop3.storeMessage(inbox, QStringLiteral("old"), header(0, QStringLiteral("old")), "x"));
        m_clock.advance(std::chrono::hours(24 * 10));
        STORE_OK(pop3.storeMessage(inbox, QStringLiteral("new"), header(0, QStringLiteral("new")), "y"));
        const QDateTime cutoff = m_clock.now().addDays(-7);
        QCOMPARE(pop3.dueForDeletion(pop, cutoff).value(), QStringList{QStringLiteral("old")});
        STORE_OK(pop3.markDeletedOnServer(pop, {QStringLiteral("old")}));
        QVERIFY(reopen());
        Pop3Store reopened(*m_db);
        QCOMPARE(reopened.dueForDeletion(pop, cutoff).value(), QStringList());
        QCOMPARE(reopened.records(pop)->first().deletedOnServer, true);
        auto forgotten = reopened.forgetMissing(pop, {QStringLiteral("new")});
        STORE_OK(forgotten);
        QCOMPARE(forgotten.value(), 1);
        QCOMPARE(reopened.knownUidls(pop).value(), QSet<QString>{QStringLiteral("new")});
    }

    void outbox_stateMachine_refusesIllegalSteps()
    {
        OutboxStore outbox(*m_db);
        auto id = outbox.enqueue(m_account, "raw", QStringLiteral("me@example.org"),
                                 {QStringLiteral("a@example.org"), QStringLiteral("b@example.org")});
        STORE_OK(id);
        QVERIFY(!outbox.enqueue(m_account, "raw", QStringLiteral("me@example.org"), {}).ok());
        QCOMPARE(outbox.nextDue(m_account, m_clock.now())->value().id, *id);
        QVERIFY(outbox.markSent(*id).isError()); // never sent without "sending" first
        STORE_OK(outbox.markSending(*id));
        QVERIFY(!outbox.nextDue(m_account, m_clock.now())->has_value());
        QVERIFY(outbox.remove(*id).isError());
        STORE_OK(outbox.markFailed(*id, QStringLiteral("451 4.3.0 try later"), m_clock.now().addSecs(300)));
        QVERIFY(!outbox.nextDue(m_account, m_clock.now())->has_value());
        m_clock.advance(5min);
        QCOMPARE(outbox.nextDue(m_account, m_clock.now())->value().id, *id);
        STORE_OK(outbox.markSending(*id));
        STORE_OK(outbox.markSent(*id));
        QVERIFY(outbox.markSending(*id).isError()); // sent is never sent again
        QVERIFY(outbox.requeue(*id).isError());
        STORE_OK(outbox.markSentCopyAppended(*id));
        auto item = outbox.get(*id);
        STORE_OK(item);
        QCOMPARE(item->state, OutboxItem::State::Sent);
        QCOMPARE(item->attempts, 2);
        QVERIFY(item->sentCopyAppended);
        QVERIFY(item->lastError.isEmpty());
        QCOMPARE(item->recipients,
                 (QStringList{QStringLiteral("a@example.org"), QStringLiteral("b@example.org")}));
    }

    void outbox_crashWhileSending_becomesUncertainNotResent()
    {
        qint64 id = 0;
        {
            OutboxStore outbox(*m_db);
            id = outbox
                     .enqueue(m_account, "raw", QStringLiteral("me@example.org"),
                              {QStringLiteral("a@example.org")})
                     .value();
            STORE_OK(outbox.markSending(id));
        }
        QVERIFY(reopen());
        OutboxStore outbox(*m_db);
        QCOMPARE(outbox.recoverInterrupted().value(), 1);
        QCOMPARE(outbox.get(id)->state, OutboxItem::State::Uncertain);
        QVERIFY(!outbox.nextDue(m_account, m_clock.now())->has_value());
        STORE_OK(outbox.requeue(id)); // the user said: send it again
        QCOMPARE(outbox.nextDue(m_account, m_clock.now())->value().id, id);
        STORE_OK(outbox.remove(id));
        QCOMPARE(outbox.list()->size(), 0);
    }

    void fullDatabase_chunkRollsBackCompletely_thenRecovers()
    {
        MessageStore messages(*m_db);
        STORE_OK(messages.upsertHeaders(m_inbox, 7, {header(1, QStringLiteral("before"))}));
        const int pages = count(*m_db, QStringLiteral("PRAGMA page_count"));
        STORE_OK(m_db->scalar(QStringLiteral("PRAGMA max_page_count = %1").arg(pages + 4)));

        QList<MessageHeader> chunk;
        for (quint32 uid = 2; uid < 502; ++uid) {
            MessageHeader h = header(uid, QStringLiteral("subject %1 ").arg(uid) + QString(200, u'x'));
            h.preview = QString(300, u'p');
            chunk << h;
        }
        const Error e = messages.upsertHeaders(m_inbox, 7, chunk);
        QCOMPARE(e.kind, Error::Kind::Storage);
        QCOMPARE(e.responseCode, QByteArray("SQLITE_FULL"));
        QVERIFY2(e.detail.contains(QStringLiteral("full")), qPrintable(e.detail));
        QVERIFY(!m_db->inTransaction());
        QCOMPARE(count(*m_db, QStringLiteral("SELECT count(*) FROM messages")), 1);
        QCOMPARE(FolderStore(*m_db).get(m_inbox)->totalCount, 1);
        QCOMPARE(messages.search(QStringLiteral("subject"), 10)->size(), 0);
        QCOMPARE(integrity(*m_db), QStringLiteral("ok"));

        // A POP3 download that does not fit leaves no UIDL behind (it is fetched again later).
        // (Its raw bytes go to a pack file beside the database, so the list row is what does not fit.)
        const qint64 pop = addAccount(*m_db, QStringLiteral("pop"), Account::Protocol::Pop3);
        if (pop > 0) {
            const qint64 popInbox = addFolder(*m_db, pop, "INBOX");
            auto stored = Pop3Store(*m_db).storeMessage(
                popInbox, QStringLiteral("U1"), header(0, QStringLiteral("big ") + QString(64 * 1024, u'b')),
                QByteArray(64 * 1024, 'b'));
            QVERIFY(!stored.ok());
            QCOMPARE(Pop3Store(*m_db).knownUidls(pop)->size(), 0);
        }
        // Inside a caller's transaction the whole transaction fails, nothing half-written.
        {
            Transaction outer(*m_db, Durability::Full);
            STORE_OK(outer.error());
            STORE_OK(PendingOperationStore(*m_db).enqueue(flagOp(m_account, m_inbox, QStringLiteral("1"))));
            QVERIFY(messages.upsertHeaders(m_inbox, 7, chunk).isError());
        }
        QCOMPARE(PendingOperationStore(*m_db).pending(m_account)->size(), 0);
        QCOMPARE(count(*m_db, QStringLiteral("SELECT count(*) FROM messages")), 1);

        STORE_OK(m_db->scalar(QStringLiteral("PRAGMA max_page_count = 1073741823")));
        STORE_OK(messages.upsertHeaders(m_inbox, 7, chunk));
        QCOMPARE(count(*m_db, QStringLiteral("SELECT count(*) FROM messages")), 501);
        QCOMPARE(FolderStore(*m_db).get(m_inbox)->totalCount, 501);
        QCOMPARE(messages.search(QStringLiteral("subject"), 1000)->size(), 500);
    }
};

QTEST_GUILESS_MAIN(TestStoreDurable)
#include "test_store_durable.moc"
