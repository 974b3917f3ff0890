// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Folders, messages, parts and full-text search.
#include "core/store/headerrows.h"
#include "core/store/partstore.h"
#include "core/store/pendingoperationstore.h"
#include "storetestutil.h"

#include <QDir>
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
    return out;
}

} // namespace

class TestStoreMessages : public QObject
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

    void folders_upsertByName_keepsIdAndSyncState()
    {
        FolderStore folders(*m_db);
        STORE_OK(folders.setSyncState(m_inbox, 55, 9000));
        Folder f;
        f.name = "INBOX";
        f.displayName = QStringLiteral("Входящие");
        f.subscribed = false;
        auto id = folders.upsert(m_account, f);
        STORE_OK(id);
        QCOMPARE(*id, m_inbox);
        auto back = folders.get(m_inbox);
        STORE_OK(back);
        QCOMPARE(back->displayName, QStringLiteral("Входящие"));
        QVERIFY(back->isInbox);
        QVERIFY(!back->subscribed);
        QVERIFY(back->delimiter.isEmpty());
        QCOMPARE(back->uidValidity, 100u);
        QCOMPARE(back->uidNext, 55u);
        QCOMPARE(back->highestModSeq, 9000u);
        QCOMPARE(folders.findByName(m_account, "INBOX").value(), m_inbox);
        QCOMPARE(folders.findByName(m_account, "Nope").value(), 0);
        const qint64 sent = addFolder(*m_db, m_account, "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-");
        auto list = folders.list(m_account);
        STORE_OK(list);
        QCOMPARE(list->size(), 2);
        QCOMPARE(list->first().id, m_inbox);
        QCOMPARE(list->last().id, sent);
        QCOMPARE(list->last().name, QByteArray("&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-"));
    }

    void upsert_sameUidTwice_updatesInPlace()
    {
        MessageStore messages(*m_db);
        STORE_OK(messages.upsertHeaders(
            m_inbox, 100, {header(1, QStringLiteral("first")), header(2, QStringLiteral("two"))}));
        MessageHeader changed = header(1, QStringLiteral("first, edited"), 1700000000, MessageFlag::Seen);
        STORE_OK(messages.upsertHeaders(m_inbox, 100, {changed}));
        STORE_OK(messages.upsertHeaders(m_inbox, 100, {changed}));
        QCOMPARE(count(*m_db, QStringLiteral("SELECT count(*) FROM messages")), 2);
        auto one = messages.findByUid(m_inbox, 100, 1);
        STORE_OK(one);
        QVERIFY(one->has_value());
        QCOMPARE((*one)->header, changed);
        auto folder = FolderStore(*m_db).get(m_inbox);
        QCOMPARE(folder->totalCount, 2);
        QCOMPARE(folder->unreadCount, 1);
        QCOMPARE(messages.uids(m_inbox, 100).value(), (QList<quint32>{1, 2}));
    }

    void upsert_sameUidUnderOtherUidValidity_isAnotherMessage()
    {
        MessageStore messages(*m_db);
        STORE_OK(messages.upsertHeaders(m_inbox, 100, {header(1, QStringLiteral("old"))}));
        STORE_OK(messages.upsertHeaders(m_inbox, 101, {header(1, QStringLiteral("new"))}));
        QCOMPARE(count(*m_db, QStringLiteral("SELECT count(*) FROM messages")), 2);
        QCOMPARE(messages.findByUid(m_inbox, 100, 1)->value().header.subject, QStringLiteral("old"));
        QCOMPARE(messages.findByUid(m_inbox, 101, 1)->value().header.subject, QStringLiteral("new"));
    }

    void upsert_refreshWithoutPreview_keepsPreviewAndBodyStructure()
    {
        MessageStore messages(*m_db);
        MessageHeader full = header(3, QStringLiteral("s"));
        full.preview = QStringLiteral("Bonjour à tous");
        full.bodyStructure = "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 10 1)";
        STORE_OK(messages.upsertHeaders(m_inbox, 100, {full}));
        MessageHeader refresh = header(3, QStringLiteral("s"), 1700000000, MessageFlag::Flagged);
        STORE_OK(messages.upsertHeaders(m_inbox, 100, {refresh}));
        auto back = messages.findByUid(m_inbox, 100, 3);
        QCOMPARE((*back)->header.preview, full.preview);
        QCOMPARE((*back)->header.bodyStructure, full.bodyStructure);
        QCOMPARE((*back)->header.flags, MessageFlags(MessageFlag::Flagged));
    }

    void upsert_everyColumnRoundTrips_emptyOptionalColumnsAreNull()
    {
        // The chunk reaches `messages` through the header_feed table-valued function: every
        // column as the header has it, absent values as NULL, text as UTF-8.
        MessageStore messages(*m_db);
        MessageHeader full = header(5, QStringLiteral("Отчёт — «итоги» 😀"), 1700000123, MessageFlag::Seen);
        full.modSeq = 9'000'000'000ULL;
        full.flags |= MessageFlag::Answered;
        full.keywords = QStringList{QStringLiteral("$Label1"), QStringLiteral("project-x")};
        full.internalDate = QDateTime::fromSecsSinceEpoch(1700000999, Qt::UTC);
        full.size = 123456789012LL;
        full.from = QStringLiteral("Иван Петров <ivan@example.ru>");
        full.to = QStringLiteral("Élodie <elodie@exemple.fr>, bob@example.org");
        full.cc = QStringLiteral("carol@example.org");
        full.inReplyTo = QStringLiteral("<parent@example.org>");
        full.references = QStringLiteral("<root@example.org> <parent@example.org>");
        full.hasAttachments = true;
        full.preview = QStringLiteral("Bonjour à tous");
        full.bodyStructure = QByteArray("{\"type\":\"multipart\"}\0tail", 26);
        MessageHeader bare;
        bare.uid = 6;
        STORE_OK(messages.upsertHeaders(m_inbox, 100, {full, bare}));
        QCOMPARE(messages.findByUid(m_inbox, 100, 5)->value().header, full);
        QCOMPARE(messages.findByUid(m_inbox, 100, 6)->value().header, bare);
        QCOMPARE(
            count(*m_db, QStringLiteral("SELECT count(*) FROM messages WHERE uid = 6 AND date IS NULL AND "
                                        "internal_date IS NULL AND sort_date = 0 AND message_id IS NULL "
                                        "AND in_reply_to IS NULL AND refs IS NULL AND bodystructure IS NULL "
                                        "AND subject = '' AND keywords = '' AND preview = ''")),
            1);
        QCOMPARE(
            count(*m_db, QStringLiteral("SELECT count(*) FROM messages WHERE uid = 5 AND "
                                        "typeof(bodystructure) = 'blob' AND length(bodystructure) = 26 "
                                        "AND sort_date = 1700000123 AND keywords = '$Label1 project-x'")),
            1);
    }

    void headerRows_holdTheirHeadersExactly_andStoreAsTheListDoes()
    {
        // The header sync hands the store HeaderRows (text already UTF-8, one buffer); every
        // other writer a list of MessageHeader. Both must mean the same rows.
        MessageHeader full = header(5, QStringLiteral("Отчёт 😀"), 1700000123, MessageFlag::Seen);
        full.modSeq = 77;
        full.keywords = QStringList{QStringLiteral("$Label1"), QStringLiteral("project-x")};
        full.internalDate = QDateTime::fromSecsSinceEpoch(1700000999, Qt::UTC);
        full.from = QStringLiteral("\"Petrov, Ivan\" <ivan@example.ru>");
        full.messageId = QStringLiteral("<m5@example.org>");
        full.references = QStringLiteral("<root@example.org>");
        full.hasAttachments = true;
        full.bodyStructure = QByteArray("{\"type\":\"multipart\"}\0tail", 26);
        MessageHeader bare;
        bare.uid = 9;
        // A byte order mark at the start is text (QString::fromUtf8 would drop it).
        MessageHeader bom = header(7, QStringLiteral("\uFEFFbom"));
        HeaderRows rows;
        rows.append(full);
        rows.append(bare);
        rows.append(bom);
        QCOMPARE(rows.size(), 3);
        QCOMPARE(rows.header(0), full);
        QCOMPARE(rows.header(1), bare);
        QCOMPARE(rows.header(2), bom);
        QCOMPARE(rows.header(2).subject.size(), 4);
        QCOMPARE(rows.text(0, HeaderRows::Subject), full.subject.toUtf8());
        QCOMPARE(rows.text(0, HeaderRows::Keywords), "$Label1 project-x");
        QCOMPARE(rows.text(1, HeaderRows::Subject), "");
        QCOMPARE(rows.row(0).sortDate(), 1700000123);
        QCOMPARE(rows.row(1).sortDate(), 0);
        rows.sortByUidDescending();
        QCOMPARE(rows.uids(), (QList<quint32>{9, 7, 5}));
        QCOMPARE(rows.header(2), full); // the texts moved with their rows

        const qint64 other = addFolder(*m_db, m_account, "Other", 100);
        MessageStore messages(*m_db);
        STORE_OK(messages.upsertHeaders(m_inbox, 100, rows));
        STORE_OK(messages.upsertHeaders(other, 100, QList<MessageHeader>{full, bare, bom}));
        for (const MessageHeader &h : {full, bare, bom}) {
            const MessageHeader fromRows = messages.findByUid(m_inbox, 100, h.uid)->value().header;
            QCOMPARE(fromRows, messages.findByUid(other, 100, h.uid)->value().header);
            QCOMPARE(fromRows.from, h.from);
        }
        QCOMPARE(FolderStore(*m_db).get(m_inbox)->totalCount, 3);
        QCOMPARE(FolderStore(*m_db).get(m_inbox)->unreadCount, 2);
    }

    void headerFeed_withoutAFeed_orFromAView_isAnError()
    {
        // Only MessageStore's own statements can read it, with a feed bound from C++.
        auto direct = m_db->scalar(QStringLiteral("SELECT count(*) FROM header_feed(NULL)"));
        QVERIFY(!direct.ok());
        QVERIFY2(direct.error().toString().contains(QStringLiteral("HeaderFeed::bind")),
                 qPrintable(direct.error().toString()));
        QVERIFY(!m_db->scalar(QStringLiteral("SELECT count(*) FROM header_feed")).ok());
        // SQLITE_VTAB_DIRECTONLY: a view or trigger in the database cannot name it.
        STORE_OK(m_db->exec(QStringLiteral("CREATE VIEW feed_view AS SELECT * FROM header_feed(1)")));
        auto viewed = m_db->scalar(QStringLiteral("SELECT count(*) FROM feed_view"));
        QVERIFY(!viewed.ok());
        QVERIFY2(viewed.error().toString().contains(QStringLiteral("unsafe use")),
                 qPrintable(viewed.error().toString()));
        STORE_OK(m_db->exec(QStringLiteral("DROP VIEW feed_view")));
    }

    void upsert_headerWithoutUid_isRefusedAndNothingWritten()
    {
        MessageStore messages(*m_db);
        const Error e = messages.upsertHeaders(
            m_inbox, 100, {header(1, QStringLiteral("ok")), header(0, QStringLiteral("bad"))});
        QCOMPARE(e.kind, Error::Kind::Storage);
        QCOMPARE(count(*m_db, QStringLiteral("SELECT count(*) FROM messages")), 0);
    }

    void uidValidityChange_dropsServerMessagesKeepsLocalWork()
    {
        MessageStore messages(*m_db);
        PartStore parts(*m_db);
        PendingOperationStore pending(*m_db);
        STORE_OK(messages.upsertHeaders(m_inbox, 100,
                                        {header(1, QStringLiteral("a")), header(2, QStringLiteral("b"))}));
        auto one = messages.findByUid(m_inbox, 100, 1);
        STORE_OK(parts.store((*one)->id, QStringLiteral("1"), 5, "hello"));
        STORE_OK(messages.setSearchText((*one)->id, QStringLiteral("hello")));
        auto draft = messages.insertLocal(m_inbox, header(0, QStringLiteral("local draft")));
        STORE_OK(draft);

        PendingOperation flag;
        flag.accountId = m_account;
        flag.kind = PendingOperation::Kind::StoreFlags;
        flag.folderId = m_inbox;
        flag.folderName = "INBOX";
        flag.uidValidity = 100;
        flag.uids = QStringLiteral("1:2");
        auto flagId = pending.enqueue(flag);
        STORE_OK(flagId);
        PendingOperation append;
        append.accountId = m_account;
        append.kind = PendingOperation::Kind::Append;
        append.folderId = m_inbox;
        append.folderName = "INBOX";
        append.payload = "raw message";
        auto appendId = pending.enqueue(append);
        STORE_OK(appendId);

        auto changed = FolderStore(*m_db).applyUidValidity(m_inbox, 200);
        STORE_OK(changed);
        QVERIFY(changed.value());

        QCOMPARE(count(*m_db, QStringLiteral("SELECT count(*) FROM messages")), 1);
        QCOMPARE(messages.get(*draft)->header.subject, QStringLiteral("local draft"));
        QCOMPARE(count(*m_db, QStringLiteral("SELECT count(*) FROM message_parts")), 0);
        QCOMPARE(count(*m_db, QStringLiteral("SELECT count(*) FROM message_text")), 0);
        QCOMPARE(pending.get(*flagId)->state, PendingOperation::State::Cancelled);
        QVERIFY(pending.get(*flagId)->lastError.contains(QStringLiteral("UIDVALIDITY")));
        QCOMPARE(pending.get(*appendId)->state, PendingOperation::State::Queued);
        auto folder = FolderStore(*m_db).get(m_inbox);
        QCOMPARE(folder->uidValidity, 200u);
        QCOMPARE(folder->uidNext, 0u);
        QCOMPARE(folder->totalCount, 1);

        auto same = FolderStore(*m_db).applyUidValidity(m_inbox, 200);
        STORE_OK(same);
        QVERIFY(!same.value());
    }

    void uidValidity_firstSelect_dropsNothing()
    {
        const qint64 folder = addFolder(*m_db, m_account, "Archive");
        auto draft = MessageStore(*m_db).insertLocal(folder, header(0, QStringLiteral("local")));
        STORE_OK(draft);
        auto changed = FolderStore(*m_db).applyUidValidity(folder, 5);
        STORE_OK(changed);
        QVERIFY(!changed.value());
        QCOMPARE(count(*m_db, QStringLiteral("SELECT count(*) FROM messages")), 1);
    }

    void expunge_removesOnlyListedUidsWithTheirParts()
    {
        MessageStore messages(*m_db);
        STORE_OK(messages.upsertHeaders(m_inbox, 100,
                                        {header(1, QStringLiteral("a")),
                                         header(2, QStringLiteral("b"), 1700000000, MessageFlag::Seen),
                                         header(3, QStringLiteral("c")), header(4, QStringLiteral("d"))}));
        auto two = messages.findByUid(m_inbox, 100, 2);
        STORE_OK(PartStore(*m_db).store((*two)->id, QString(), 3, "abc"));
        STORE_OK(messages.expungeUids(m_inbox, 100, {2, 3, 99}));
        STORE_OK(messages.expungeUids(m_inbox, 999, {1})); // another UIDVALIDITY names other messages
        QCOMPARE(messages.uids(m_inbox, 100).value(), (QList<quint32>{1, 4}));
        QCOMPARE(count(*m_db, QStringLiteral("SELECT count(*) FROM message_parts")), 0);
        auto folder = FolderStore(*m_db).get(m_inbox);
        QCOMPARE(folder->totalCount, 2);
        QCOMPARE(folder->unreadCount, 2);
    }

    void flags_serverAndLocalChanges_keepUnreadCountsRight()
    {
        MessageStore messages(*m_db);
        STORE_OK(messages.upsertHeaders(m_inbox, 100,
                                        {header(1, QStringLiteral("a")), header(2, QStringLiteral("b")),
                                         header(3, QStringLiteral("c"))}));
        QCOMPARE(FolderStore(*m_db).get(m_inbox)->unreadCount, 3);

        STORE_OK(messages.applyFlags(
            m_inbox, 100,
            {FlagUpdate{1, MessageFlag::Seen | MessageFlag::Answered, {QStringLiteral("project-x")}, 77},
             FlagUpdate{2, MessageFlag::Seen, {}, 0}}));
        auto one = messages.findByUid(m_inbox, 100, 1);
        QCOMPARE((*one)->header.flags, MessageFlag::Seen | MessageFlag::Answered);
        QCOMPARE((*one)->header.keywords, QStringList{QStringLiteral("project-x")});
        QCOMPARE((*one)->header.modSeq, 77u);
        QCOMPARE(FolderStore(*m_db).get(m_inbox)->unreadCount, 1);

        STORE_OK(messages.changeFlags({(*one)->id}, MessageFlag::Flagged, MessageFlag::Seen));
        QCOMPARE(messages.get((*one)->id)->header.flags, MessageFlag::Answered | MessageFlag::Flagged);
        QCOMPARE(FolderStore(*m_db).get(m_inbox)->unreadCount, 2);

        auto counts = FolderStore(*m_db).counts();
        STORE_OK(counts);
        QCOMPARE(counts->size(), 1);
        QCOMPARE(counts->first(), (FolderCounts{m_inbox, m_account, 2, 3}));
        STORE_OK(FolderStore(*m_db).recount(m_inbox));
        QCOMPARE(FolderStore(*m_db).counts()->first(), (FolderCounts{m_inbox, m_account, 2, 3}));
    }

    void insertLocalRows_sameRowsAsOneByOne_idsInOrder()
    {
        // The batch form (POP3 commit groups) writes exactly what insertLocal writes.
        MessageStore messages(*m_db);
        MessageHeader a = header(7, QStringLiteral("Привет, one"), 1700000000, MessageFlag::Seen);
        a.messageId = QStringLiteral("<a@x>");
        a.keywords = QStringList{QStringLiteral("project-x")};
        MessageHeader b = header(0, QStringLiteral("two"));
        b.bodyStructure = QByteArray("{\"type\":\"text\"}");
        auto single = messages.insertLocal(m_inbox, a);
        STORE_OK(single);
        auto rows = messages.insertLocalRows(m_inbox, {a, b});
        STORE_OK(rows);
        QCOMPARE(rows->size(), 2);
        QVERIFY(rows->at(0) > *single && rows->at(1) > rows->at(0));
        const StoredMessage one = messages.get(*single).value();
        const StoredMessage batched = messages.get(rows->at(0)).value();
        QCOMPARE(batched.header.uid, 0u); // a local row never carries the given UID
        QCOMPARE(batched.header.subject, one.header.subject);
        QCOMPARE(batched.header.flags, one.header.flags);
        QCOMPARE(batched.header.keywords, one.header.keywords);
        QCOMPARE(batched.header.messageId, one.header.messageId);
        QCOMPARE(batched.header.date, one.header.date);
        QCOMPARE(messages.get(rows->at(1)).value().header.bodyStructure, b.bodyStructure);
        QCOMPARE(FolderStore(*m_db).get(m_inbox)->totalCount, 3);
        QCOMPARE(FolderStore(*m_db).get(m_inbox)->unreadCount, 1);
        QCOMPARE(messages.insertLocalRows(m_inbox + 1000, {a}).error().kind, Error::Kind::Storage);
    }

    void flags_sweepOfManyMostlyUnchanged_writesOnlyWhatDiffers()
    {
        // Over 32 updates: the store compares with what it holds first. Every kind of
        // difference still lands: flags, keywords alone, mod-sequence alone; a 0 mod-sequence
        // (no CONDSTORE) keeps the stored one; a UID outside the store changes nothing.
        MessageStore messages(*m_db);
        QList<MessageHeader> headers;
        for (quint32 uid = 1; uid <= 40; ++uid)
            headers << header(uid, QStringLiteral("m%1").arg(uid));
        STORE_OK(messages.upsertHeaders(m_inbox, 100, headers));
        STORE_OK(messages.applyFlags(m_inbox, 100, {FlagUpdate{5, MessageFlag::Seen, {}, 9}}));
        QList<FlagUpdate> sweep;
        for (quint32 uid = 1; uid <= 41; ++uid)
            sweep << FlagUpdate{uid, uid == 5 ? MessageFlags(MessageFlag::Seen) : MessageFlags(), {}, 0};
        sweep[2].flags = MessageFlag::Seen | MessageFlag::Flagged;    // uid 3: flags
        sweep[6].keywords = QStringList{QStringLiteral("project-x")}; // uid 7: a keyword alone
        sweep[9].modSeq = 44;                                         // uid 10: the mod-sequence alone
        STORE_OK(messages.applyFlags(m_inbox, 100, sweep));
        QCOMPARE(messages.findByUid(m_inbox, 100, 3).value()->header.flags,
                 MessageFlag::Seen | MessageFlag::Flagged);
        QCOMPARE(messages.findByUid(m_inbox, 100, 7).value()->header.keywords,
                 QStringList{QStringLiteral("project-x")});
        QCOMPARE(messages.findByUid(m_inbox, 100, 10).value()->header.modSeq, 44u);
        QCOMPARE(messages.findByUid(m_inbox, 100, 5).value()->header.modSeq, 9u);
        QCOMPARE(messages.findByUid(m_inbox, 100, 5).value()->header.flags, MessageFlags(MessageFlag::Seen));
        QVERIFY(!messages.findByUid(m_inbox, 100, 41).value().has_value());
        QCOMPARE(FolderStore(*m_db).get(m_inbox)->unreadCount, 38);

        // Clearing what the first sweep set is a difference too.
        sweep[2].flags = {};
        sweep[6].keywords = {};
        STORE_OK(messages.applyFlags(m_inbox, 100, sweep));
        QCOMPARE(messages.findByUid(m_inbox, 100, 3).value()->header.flags, MessageFlags());
        QCOMPARE(messages.findByUid(m_inbox, 100, 7).value()->header.keywords, QStringList());
        QCOMPARE(FolderStore(*m_db).get(m_inbox)->unreadCount, 39);
    }

    void flags_imapAtoms_roundTrip()
    {
        QStringList keywords;
        const MessageFlags flags =
            flagsFromImap({"\\Seen", "\\FLAGGED", "$Forwarded", "\\Recent", "project-x"}, &keywords);
        QCOMPARE(flags, MessageFlag::Seen | MessageFlag::Flagged | MessageFlag::Forwarded);
        QCOMPARE(keywords, QStringList{QStringLiteral("project-x")});
        QCOMPARE(flagsToImap(flags), (QList<QByteArray>{"\\Seen", "\\Flagged", "$Forwarded"}));
    }

    void folderPage_newestFirst_keysetAndOffsetAgree()
    {
        MessageStore messages(*m_db);
        QList<MessageHeader> headers;
        for (quint32 uid = 1; uid <= 23; ++uid)
            headers << header(uid, QStringLiteral("m%1").arg(uid),
                              1700000000 + (uid / 3) * 60); // ties of three
        STORE_OK(messages.upsertHeaders(m_inbox, 100, headers));
        const qint64 other = addFolder(*m_db, m_account, "Other", 1);
        STORE_OK(messages.upsertHeaders(other, 1, {header(1, QStringLiteral("elsewhere"), 1800000000)}));

        QList<StoredMessage> all;
        std::optional<PageCursor> cursor;
        int pages = 0;
        do {
            auto page = messages.folderPage(m_inbox, 5, cursor);
            STORE_OK(page);
            all += page->messages;
            cursor = page->next;
            ++pages;
        } while (cursor && pages < 10);
        QCOMPARE(all.size(), 23);
        QCOMPARE(pages, 5);
        for (int i = 1; i < all.size(); ++i) {
            const bool ordered = all[i - 1].sortDate > all[i].sortDate ||
                                 (all[i - 1].sortDate == all[i].sortDate && all[i - 1].id > all[i].id);
            QVERIFY2(ordered, qPrintable(QStringLiteral("row %1 out of order").arg(i)));
        }
        QCOMPARE(all.first().header.subject, QStringLiteral("m23"));
        QCOMPARE(subjects(messages.folderPageAt(m_inbox, 5, 5).value()), subjects(all.mid(5, 5)));
    }

    void unifiedInbox_mergesEveryAccountsInboxOnly()
    {
        MessageStore messages(*m_db);
        const qint64 bob = addAccount(*m_db, QStringLiteral("bob"));
        const qint64 bobInbox = addFolder(*m_db, bob, "inbox", 9); // INBOX is case-insensitive
        const qint64 archive = addFolder(*m_db, m_account, "Archive", 3);
        STORE_OK(messages.upsertHeaders(
            m_inbox, 100,
            {header(1, QStringLiteral("alice-old"), 1000), header(2, QStringLiteral("alice-new"), 3000)}));
        STORE_OK(messages.upsertHeaders(bobInbox, 9, {header(1, QStringLiteral("bob-mid"), 2000)}));
        STORE_OK(messages.upsertHeaders(archive, 3, {header(1, QStringLiteral("archived"), 9000)}));
        auto page = messages.unifiedInboxPage(10);
        STORE_OK(page);
        QCOMPARE(subjects(page->messages),
                 (QStringList{QStringLiteral("alice-new"), QStringLiteral("bob-mid"),
                              QStringLiteral("alice-old")}));
        QVERIFY(!page->next);
        auto first = messages.unifiedInboxPage(2);
        QVERIFY(first->next);
        auto second = messages.unifiedInboxPage(2, first->next);
        QCOMPARE(subjects(second->messages), QStringList{QStringLiteral("alice-old")});

        // A local move out of INBOX leaves the unified view; a move in joins it.
        STORE_OK(messages.moveLocal({first->messages.first().id}, archive));
        QCOMPARE(messages.unifiedInboxPage(10)->messages.size(), 2);
        auto moved = messages.get(first->messages.first().id);
        QCOMPARE(moved->folderId, archive);
        QCOMPARE(moved->header.uid, 0u);
        STORE_OK(messages.assignUid(moved->id, 3, 2));
        QCOMPARE(messages.findByUid(archive, 3, 2)->value().header.subject, QStringLiteral("alice-new"));
        QVERIFY(messages.assignUid(moved->id, 3, 5).isError());
        QVERIFY(messages.moveLocal({moved->id}, bobInbox).isError()); // not across accounts
        QCOMPARE(FolderStore(*m_db).get(archive)->totalCount, 2);
    }

    void findByMessageId_findsEveryCopy()
    {
        MessageStore messages(*m_db);
        const qint64 archive = addFolder(*m_db, m_account, "Archive", 3);
        MessageHeader h = header(1, QStringLiteral("x"));
        h.messageId = QStringLiteral("<abc@example.org>");
        STORE_OK(messages.upsertHeaders(m_inbox, 100, {h, header(2, QStringLiteral("y"))}));
        STORE_OK(messages.upsertHeaders(archive, 3, {h}));
        auto found = messages.findByMessageId(QStringLiteral("<abc@example.org>"));
        STORE_OK(found);
        QCOMPARE(found->size(), 2);
        QCOMPARE(messages.findByMessageId(QStringLiteral("<none@example.org>"))->size(), 0);
    }

    void search_ignoresDiacriticsAndCase_inFrenchAndRussian()
    {
        MessageStore messages(*m_db);
        MessageHeader fr = header(1, QStringLiteral("Les éléments de la réunion"));
        MessageHeader ru = header(2, QStringLiteral("Привет, как дела?"));
        ru.from = QStringLiteral("Иван Петров <ivan@example.ru>");
        MessageHeader en = header(3, QStringLiteral("Nothing here"));
        STORE_OK(messages.upsertHeaders(m_inbox, 100, {fr, ru, en}));

        QCOMPARE(subjects(messages.search(QStringLiteral("elements"), 10).value()), QStringList{fr.subject});
        QCOMPARE(subjects(messages.search(QStringLiteral("ÉLÉMENTS reunion"), 10).value()),
                 QStringList{fr.subject});
        QCOMPARE(subjects(messages.search(QStringLiteral("привет"), 10).value()), QStringList{ru.subject});
        QCOMPARE(subjects(messages.search(QStringLiteral("ПЕТРОВ"), 10).value()), QStringList{ru.subject});
        QCOMPARE(subjects(messages.search(QStringLiteral("ivan@example.ru"), 10).value()),
                 QStringList{ru.subject});
        QCOMPARE(subjects(messages.search(QStringLiteral("пр"), 10).value()),
                 QStringList{ru.subject});                                           // prefix
        QCOMPARE(messages.search(QStringLiteral("elements привет"), 10)->size(), 0); // every word must match
        QCOMPARE(messages.search(QStringLiteral("  "), 10)->size(), 0);
        // Query syntax in user text is taken literally, never as FTS5 operators.
        STORE_OK(messages.search(QStringLiteral("\"unbalanced OR NEAR( * -"), 10));
    }

    void search_findsFetchedTextAndFollowsChanges()
    {
        MessageStore messages(*m_db);
        STORE_OK(messages.upsertHeaders(
            m_inbox, 100, {header(1, QStringLiteral("Report")), header(2, QStringLiteral("Other"))}));
        const qint64 id = messages.findByUid(m_inbox, 100, 1)->value().id;
        STORE_OK(messages.setSearchText(id, QStringLiteral("Le budget prévisionnel pour l'année")));
        QCOMPARE(subjects(messages.search(QStringLiteral("previsionnel"), 10).value()),
                 QStringList{QStringLiteral("Report")});
        STORE_OK(messages.setSearchText(id, QStringLiteral("Годовой отчёт")));
        QCOMPARE(messages.search(QStringLiteral("budget"), 10)->size(), 0);
        QCOMPARE(messages.search(QStringLiteral("ОТЧЁТ"), 10)->size(), 1);
        QCOMPARE(messages.search(QStringLiteral("отчет"), 10)->size(), 1); // е finds ё
        QCOMPARE(MessageStore::ftsQuery(QStringLiteral("a\"b отчет")),
                 QStringLiteral("\"a\"\"b\"* AND (\"отчет\"* OR \"отчёт\"*)"));
        STORE_OK(messages.upsertHeaders(m_inbox, 100, {header(1, QStringLiteral("Renamed"))}));
        QCOMPARE(messages.search(QStringLiteral("report"), 10)->size(), 0);
        QCOMPARE(subjects(messages.search(QStringLiteral("renamed годовой"), 10).value()),
                 QStringList{QStringLiteral("Renamed")});
        QCOMPARE(integrity(*m_db), QStringLiteral("ok"));
        STORE_OK(messages.remove({id}));
        QCOMPARE(messages.search(QStringLiteral("годовой"), 10)->size(), 0);
        const qint64 bob = addAccount(*m_db, QStringLiteral("bob"));
        const qint64 bobInbox = addFolder(*m_db, bob, "INBOX", 1);
        STORE_OK(messages.upsertHeaders(bobInbox, 1, {header(1, QStringLiteral("Other"))}));
        QCOMPARE(messages.search(QStringLiteral("other"), 10)->size(), 2);
        QCOMPARE(messages.search(QStringLiteral("other"), 10, bob)->size(), 1);
        STORE_OK(FolderStore(*m_db).remove(bobInbox));
        QCOMPARE(messages.search(QStringLiteral("other"), 10)->size(), 1);
    }

    void parts_completeOnlyWhenEveryAnnouncedByteArrived()
    {
        STORE_OK(MessageStore(*m_db).upsertHeaders(m_inbox, 100, {header(1, QStringLiteral("a"))}));
        const qint64 id = MessageStore(*m_db).findByUid(m_inbox, 100, 1)->value().id;
        PartStore parts(*m_db);
        STORE_OK(parts.store(id, QStringLiteral("1"), 10, "12345")); // the connection dropped mid-literal
        auto part = parts.get(id, QStringLiteral("1"));
        STORE_OK(part);
        QVERIFY(part->has_value());
        QVERIFY(!(*part)->complete);
        QCOMPARE((*part)->receivedSize, 5);

        QVERIFY(parts.append(id, QStringLiteral("1"), 10, 3, "xxxxx").isError());   // wrong offset
        QVERIFY(parts.append(id, QStringLiteral("1"), 10, 5, "6789012").isError()); // past the announced size
        QVERIFY(parts.append(id, QStringLiteral("1"), 12, 5, "67890").isError());   // size changed
        STORE_OK(parts.append(id, QStringLiteral("1"), 10, 5, "67890"));
        part = parts.get(id, QStringLiteral("1"));
        QVERIFY((*part)->complete);
        QCOMPARE((*part)->content, QByteArray("1234567890"));

        QVERIFY(parts.store(id, QStringLiteral("2"), 2, "abc").isError());
        QVERIFY(!parts.get(id, QStringLiteral("2"))->has_value());
        QVERIFY(parts.store(4242, QStringLiteral("1"), 1, "a").isError());
        // The schema itself refuses a complete row with missing bytes.
        QVERIFY(m_db->exec(QStringLiteral("UPDATE message_parts SET complete = 1, received_size = 3 "
                                          "WHERE message_id = %1")
                               .arg(id))
                    .isError());
    }

    void parts_largeBodies_liveInFilesBesideTheDatabase()
    {
        QTemporaryDir dir;
        Database::Options options;
        options.partFileThreshold = 16;
        auto db = openOrFail(dir.path(), options);
        QVERIFY(db);
        const qint64 account = addAccount(*db, QStringLiteral("a"));
        const qint64 inbox = addFolder(*db, account, "INBOX", 1);
        STORE_OK(MessageStore(*db).upsertHeaders(
            inbox, 1, {header(1, QStringLiteral("a")), header(2, QStringLiteral("b"))}));
        const qint64 one = MessageStore(*db).findByUid(inbox, 1, 1)->value().id;
        const qint64 two = MessageStore(*db).findByUid(inbox, 1, 2)->value().id;
        PartStore parts(*db);
        const QByteArray big(100, 'z');
        STORE_OK(parts.append(one, QStringLiteral("TEXT"), 100, 0, big.left(60)));
        STORE_OK(parts.append(one, QStringLiteral("TEXT"), 100, 60, big.mid(60)));
        STORE_OK(parts.store(two, QStringLiteral("1"), 8, "small"));
        STORE_OK(parts.store(two, QStringLiteral("2"), 100, big));
        QCOMPARE(count(*db, QStringLiteral("SELECT count(*) FROM message_parts WHERE file_name IS NOT NULL")),
                 2);
        QCOMPARE(count(*db, QStringLiteral("SELECT count(*) FROM message_parts WHERE content IS NOT NULL")),
                 1);
        auto part = parts.get(one, QStringLiteral("TEXT"));
        QVERIFY((*part)->complete);
        QCOMPARE((*part)->content, big);

        // Removing a message removes its file at once (the commit does it); the other stays.
        STORE_OK(MessageStore(*db).remove({two}));
        QCOMPARE(QDir(dir.filePath(QStringLiteral("parts"))).entryList(QDir::Files).size(), 1);
        QCOMPARE(count(*db, QStringLiteral("SELECT count(*) FROM deleted_part_files")), 0);
        auto removed = parts.removeOrphanFiles();
        STORE_OK(removed);
        QCOMPARE(removed.value(), 0);
        QCOMPARE(parts.get(one, QStringLiteral("TEXT"))->value().content, big);
        QCOMPARE(integrity(*db), QStringLiteral("ok"));
    }

    void parts_files_goWithTheirAccount_butALiveFileIsKept()
    {
        QTemporaryDir dir;
        Database::Options options;
        options.partFileThreshold = 16;
        auto db = openOrFail(dir.path(), options);
        QVERIFY(db);
        const qint64 gone = addAccount(*db, QStringLiteral("gone"));
        const qint64 kept = addAccount(*db, QStringLiteral("kept"));
        const qint64 goneInbox = addFolder(*db, gone, "INBOX", 1);
        const qint64 keptInbox = addFolder(*db, kept, "INBOX", 1);
        STORE_OK(MessageStore(*db).upsertHeaders(
            goneInbox, 1, {header(1, QStringLiteral("a")), header(2, QStringLiteral("b"))}));
        STORE_OK(MessageStore(*db).upsertHeaders(keptInbox, 1, {header(1, QStringLiteral("c"))}));
        PartStore parts(*db);
        const QByteArray big(100, 'z');
        for (qint64 uid : {1, 2})
            STORE_OK(
                parts.store(MessageStore(*db).findByUid(goneInbox, 1, uid)->value().id, QString(), 100, big));
        const qint64 keptMessage = MessageStore(*db).findByUid(keptInbox, 1, 1)->value().id;
        STORE_OK(parts.store(keptMessage, QString(), 100, big));
        const QDir partsDir(dir.filePath(QStringLiteral("parts")));
        QCOMPARE(partsDir.entryList(QDir::Files).size(), 3);

        STORE_OK(AccountStore(*db).remove(gone));
        QCOMPARE(partsDir.entryList(QDir::Files).size(), 1);
        QCOMPARE(parts.get(keptMessage, QString())->value().content, big);

        // A note for a file some row still names (a reused message id) never removes it.
        STORE_OK(db->exec(QStringLiteral("INSERT INTO deleted_part_files (file_name) SELECT file_name FROM "
                                         "message_parts WHERE message_id = %1")
                              .arg(keptMessage)));
        STORE_OK(
            MessageStore(*db).upsertHeaders(keptInbox, 1, {header(2, QStringLiteral("d"))})); // any commit
        QCOMPARE(partsDir.entryList(QDir::Files).size(), 1);
        QCOMPARE(count(*db, QStringLiteral("SELECT count(*) FROM deleted_part_files")), 0);
        QCOMPARE(parts.get(keptMessage, QString())->value().content, big);
        QCOMPARE(integrity(*db), QStringLiteral("ok"));
    }
};

QTEST_GUILESS_MAIN(TestStoreMessages)
#include "test_store_messages.moc"
