// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// The initial header sync's fast path against a scripted server: UID FETCH chunks pipelined
// (the server answers nothing until it has seen three commands), the search index of a large
// first sync deferred to SearchIndexer and complete after it, and the hand-written BODYSTRUCTURE
// JSON byte for byte what QJsonDocument made before.
#include "core/imap/jobs.h"
#include "core/imap/loginjob.h"
#include "core/imap/session.h"
#include "core/mime/charset.h"
#include "core/store/accountstore.h"
#include "core/store/database.h"
#include "core/store/folderstore.h"
#include "core/store/messagestore.h"
#include "core/sync/foldersync.h"
#include "core/sync/headerconversion.h"
#include "core/sync/imapsync.h"
#include "core/sync/searchindexer.h"
#include "core/sync/storewriter.h"
#include "tests/support/scriptedserver.h"
#include "tests/sync/scriptedinbox.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

using namespace Tidings;
using namespace Tidings::Sync;
using Tidings::Test::ScriptedServer;

namespace {

const QString Login = TestHelpers::scriptedLogin(QStringLiteral("ESEARCH"));

const QString HeaderItems = QStringLiteral(
    "(UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER.FIELDS (REFERENCES)])");

QString header(quint32 seq, quint32 uid, const QString &subject)
{
    return TestHelpers::scriptedHeader(seq, uid, subject);
}

QString fetch(const QString &tag, const QString &uids)
{
    return QStringLiteral("C: %1 UID FETCH %2 ").arg(tag, uids) + HeaderItems + u'\n';
}

// What headerconversion built before the hand-written writer, kept as the oracle.
QJsonValue referenceJson(const Imap::BodyStructure &s, int depth)
{
    QJsonObject o;
    o[QStringLiteral("type")] = QString::fromLatin1(s.type + '/' + s.subtype).toLower();
    o[QStringLiteral("size")] = qint64(s.size);
    if (!s.encoding.isEmpty())
        o[QStringLiteral("encoding")] = QString::fromLatin1(s.encoding).toLower();
    const QByteArray charset = s.parameter("CHARSET");
    if (!charset.isEmpty())
        o[QStringLiteral("charset")] = QString::fromLatin1(charset);
    if (!s.disposition.isEmpty())
        o[QStringLiteral("disposition")] = QString::fromLatin1(s.disposition).toLower();
    QByteArray file;
    for (const Imap::BodyParameter &p : s.dispositionParameters) {
        if (p.name == "FILENAME")
            file = p.value;
    }
    if (file.isEmpty())
        file = s.parameter("NAME");
    if (!file.isEmpty())
        o[QStringLiteral("filename")] = Mime::Charset::decodeHeader(file);
    if (!s.parts.empty() && depth < 32) {
        QJsonArray parts;
        for (const Imap::BodyStructure &p : s.parts)
            parts.append(referenceJson(p, depth + 1));
        o[QStringLiteral("parts")] = parts;
    }
    return o;
}

QByteArray reference(const Imap::BodyStructure &s)
{
    return QJsonDocument(referenceJson(s, 0).toObject()).toJson(QJsonDocument::Compact);
}

Imap::BodyStructure leaf(const QByteArray &type, const QByteArray &subtype, std::uint64_t size)
{
    Imap::BodyStructure s;
    s.type = type;
    s.subtype = subtype;
    s.size = size;
    return s;
}

} // namespace

class TestSyncInitial final : public QObject
{
    Q_OBJECT

    struct Fixture : TestHelpers::ScriptedInbox {
        explicit Fixture(const QString &script, const QString &profileDir = QStringLiteral(":memory:"))
            : ScriptedInbox(Login + script, profileDir)
        {}

        Error sync(FolderSyncOptions options, StoreWriter *writer = nullptr)
        {
            FolderSync fs(session.get(), *db, folder, SyncMode::Plain, options);
            fs.setStoreWriter(writer);
            QSignalSpy progress(&fs, &FolderSync::progress);
            QSignalSpy done(&fs, &FolderSync::finished);
            // What the store holds at the very moment the sync says it is over.
            connect(&fs, &FolderSync::finished, &fs,
                    [this] { uidsAtFinish = Store::MessageStore(*db).uids(folder, 7).value(); });
            fs.start();
            if (done.isEmpty() && !done.wait(10000))
                return Error::make(Error::Kind::Timeout, QStringLiteral("no finish"));
            for (const QList<QVariant> &p : std::as_const(progress))
                progressDone << p.at(1).toLongLong();
            return done.first().first().value<Error>();
        }

        QList<qint64> progressDone;
        QList<quint32> uidsAtFinish;
    };

    static QString select(quint32 exists)
    {
        return QStringLiteral("C: A002 SELECT INBOX\n"
                              "S: * %1 EXISTS\n"
                              "S: * OK [UIDVALIDITY 7] x\n"
                              "S: * OK [UIDNEXT %2] x\n"
                              "S: A002 OK [READ-WRITE] done\n"
                              "C: A003 UID SEARCH RETURN (ALL COUNT) UID 1:*\n"
                              "S: * ESEARCH (TAG \"A003\") UID ALL 1:%1 COUNT %1\n"
                              "S: A003 OK\n")
            .arg(exists)
            .arg(exists + 1);
    }

    /// Five headers in chunks of one: the first chunk goes alone; then the server reads three
    /// UID FETCH commands before it answers the first of them.
    static QString fiveHeadersPipelined()
    {
        return select(5) + fetch(QStringLiteral("A004"), QStringLiteral("5")) +
               header(5, 5, QStringLiteral("budget five")) + QStringLiteral("S: A004 OK\n") +
               fetch(QStringLiteral("A005"), QStringLiteral("4")) +
               fetch(QStringLiteral("A006"), QStringLiteral("3")) +
               fetch(QStringLiteral("A007"), QStringLiteral("2")) +
               header(4, 4, QStringLiteral("budget four")) + QStringLiteral("S: A005 OK\n") +
               fetch(QStringLiteral("A008"), QStringLiteral("1")) +
               header(3, 3, QStringLiteral("budget three")) + QStringLiteral("S: A006 OK\n") +
               header(2, 2, QStringLiteral("budget two")) + QStringLiteral("S: A007 OK\n") +
               header(1, 1, QStringLiteral("budget one")) + QStringLiteral("S: A008 OK\n");
    }

private Q_SLOTS:
    void headerChunks_pipelinedThreeDeep_storedNewestFirst_indexDeferredThenComplete()
    {
        // The first chunk goes alone; then the server reads three UID FETCH commands before it
        // answers the first of them: a client that waited for each chunk's OK would never get
        // an answer.
        Fixture f(fiveHeadersPipelined());
        QVERIFY(f.login());
        FolderSyncOptions options;
        options.headerChunk = 1;
        options.headerPipeline = 3;
        options.deferSearchIndexFrom = 5;
        QCOMPARE(f.sync(options), Error());
        const QStringList problems = f.server.verify();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QStringLiteral("; "))));
        Store::MessageStore messages(*f.db);
        QCOMPARE(messages.uids(f.folder, 7).value(), (QList<quint32>{1, 2, 3, 4, 5}));
        QCOMPARE(f.progressDone, (QList<qint64>{1, 2, 3, 4, 5}));
        // Stored newest first: ids grow with the UIDs going down.
        QVERIFY(messages.findByUid(f.folder, 7, 5)->value().id <
                messages.findByUid(f.folder, 7, 1)->value().id);
        QCOMPARE(Store::FolderStore(*f.db).get(f.folder)->uidNext, 6u);

        // Listed at once, searchable after the background pass.
        QCOMPARE(messages.folderPage(f.folder, 10)->messages.size(), 5);
        QCOMPARE(messages.pendingSearchCount().value(), 5);
        QCOMPARE(messages.search(QStringLiteral("budget"), 10)->size(), 0);
        QCOMPARE(f.db->integrityCheck().value(), QStringLiteral("ok"));
        // The sync is complete: deferral is off again, new mail is indexed as it arrives.
        QCOMPARE(
            f.db->scalar(QStringLiteral("SELECT search_deferred FROM folders WHERE id = %1").arg(f.folder))
                ->toInt(),
            0);

        SearchIndexer indexer(*f.db);
        indexer.setBatchSize(2);
        QSignalSpy finished(&indexer, &SearchIndexer::finished);
        indexer.start();
        QVERIFY(finished.wait(5000));
        QCOMPARE(finished.first().at(0).toLongLong(), 5);
        QCOMPARE(finished.first().at(1).value<Error>(), Error());
        QCOMPARE(messages.pendingSearchCount().value(), 0);
        QCOMPARE(messages.search(QStringLiteral("budget"), 10)->size(), 5);
        QCOMPARE(f.db->integrityCheck().value(), QStringLiteral("ok"));
    }

    void smallFirstSync_indexedInline()
    {
        Fixture f(select(2) + fetch(QStringLiteral("A004"), QStringLiteral("2")) +
                  header(2, 2, QStringLiteral("memo two")) + QStringLiteral("S: A004 OK\n") +
                  fetch(QStringLiteral("A005"), QStringLiteral("1")) +
                  header(1, 1, QStringLiteral("memo one")) + QStringLiteral("S: A005 OK\n"));
        QVERIFY(f.login());
        FolderSyncOptions options;
        options.headerChunk = 1;
        options.deferSearchIndexFrom = 3; // two headers: below the threshold
        QCOMPARE(f.sync(options), Error());
        QCOMPARE(Store::MessageStore(*f.db).pendingSearchCount().value(), 0);
        QCOMPARE(Store::MessageStore(*f.db).search(QStringLiteral("memo"), 10)->size(), 2);
    }

    void pipelinedChunks_cutInTheSecond_firstStoredOnly_stateIncomplete()
    {
        Fixture f(select(3) + fetch(QStringLiteral("A004"), QStringLiteral("3")) +
                  header(3, 3, QStringLiteral("three")) + QStringLiteral("S: A004 OK\n") +
                  fetch(QStringLiteral("A005"), QStringLiteral("2")) +
                  fetch(QStringLiteral("A006"), QStringLiteral("1")) + header(2, 2, QStringLiteral("two")) +
                  QStringLiteral("X\n"));
        QVERIFY(f.login());
        FolderSyncOptions options;
        options.headerChunk = 1;
        options.deferSearchIndexFrom = 1;
        const Error cut = f.sync(options);
        QVERIFY(cut.kind == Error::Kind::Network || cut.kind == Error::Kind::Protocol);
        QCOMPARE(Store::MessageStore(*f.db).uids(f.folder, 7).value(), QList<quint32>{3});
        QCOMPARE(Store::FolderStore(*f.db).get(f.folder)->uidNext, 0u);
        // Still deferred (the first sync resumes later); the pending row is in the list.
        QCOMPARE(Store::MessageStore(*f.db).pendingSearchCount().value(), 1);
        QCOMPARE(f.db->integrityCheck().value(), QStringLiteral("ok"));
    }

    void headerChunks_throughAThreadedWriter_committedInOrder_newestFirst()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        Fixture f(fiveHeadersPipelined(), dir.path());
        QVERIFY(f.login());
        StoreWriter writer(*f.db, QStringLiteral("test-writer"));
        QVERIFY(writer.isThreaded());
        FolderSyncOptions options;
        options.headerChunk = 1;
        options.headerPipeline = 3;
        options.deferSearchIndexFrom = 5;
        QCOMPARE(f.sync(options, &writer), Error());
        const QStringList problems = f.server.verify();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QStringLiteral("; "))));
        QCOMPARE(writer.pending(), 0);
        QCOMPARE(f.uidsAtFinish, (QList<quint32>{1, 2, 3, 4, 5}));
        QCOMPARE(f.progressDone, (QList<qint64>{1, 2, 3, 4, 5}));
        Store::MessageStore messages(*f.db);
        QVERIFY(messages.findByUid(f.folder, 7, 5)->value().id <
                messages.findByUid(f.folder, 7, 4)->value().id);
        QVERIFY(messages.findByUid(f.folder, 7, 2)->value().id <
                messages.findByUid(f.folder, 7, 1)->value().id);
        QCOMPARE(Store::FolderStore(*f.db).get(f.folder)->uidNext, 6u);
        QCOMPARE(messages.pendingSearchCount().value(), 5);
        QCOMPARE(f.db->integrityCheck().value(), QStringLiteral("ok"));
    }

    void cutWhileAChunkIsWritten_finishesOnlyAfterItsCommit()
    {
        // The second chunk's answer is complete when the line drops: it is in the writer's
        // hands, and the sync reports the cut only once that chunk is committed, so nothing of
        // this sync is still being written when the next one reads the store.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        Fixture f(select(3) + fetch(QStringLiteral("A004"), QStringLiteral("3")) +
                      header(3, 3, QStringLiteral("three")) + QStringLiteral("S: A004 OK\n") +
                      fetch(QStringLiteral("A005"), QStringLiteral("2")) +
                      fetch(QStringLiteral("A006"), QStringLiteral("1")) +
                      header(2, 2, QStringLiteral("two")) + QStringLiteral("S: A005 OK\n") +
                      QStringLiteral("X\n"),
                  dir.path());
        QVERIFY(f.login());
        StoreWriter writer(*f.db, QStringLiteral("test-writer"));
        FolderSyncOptions options;
        options.headerChunk = 1;
        const Error cut = f.sync(options, &writer);
        QVERIFY(cut.kind == Error::Kind::Network || cut.kind == Error::Kind::Protocol);
        QCOMPARE(writer.pending(), 0);
        QCOMPARE(f.uidsAtFinish, (QList<quint32>{2, 3}));
        QCOMPARE(Store::FolderStore(*f.db).get(f.folder)->uidNext, 0u); // incomplete: resumes later
        QCOMPARE(f.db->integrityCheck().value(), QStringLiteral("ok"));
    }

    void notesLeftByAKilledSync_indexedAfterTheFirstRequestOfTheNextStart_evenOffline()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        qint64 account = 0;
        qint64 folder = 0;
        {
            // The first process: a large first sync wrote its rows and was killed before the pass.
            auto db = Store::Database::open(dir.path());
            QVERIFY(db);
            Store::Account a;
            a.name = QStringLiteral("t");
            a.email = QStringLiteral("alice@x.org");
            account = Store::AccountStore(*db.value()).add(a).value();
            Store::Folder f;
            f.name = "INBOX";
            f.displayName = QStringLiteral("INBOX");
            folder = Store::FolderStore(*db.value()).upsert(account, f).value();
            QVERIFY(Store::FolderStore(*db.value()).applyUidValidity(folder, 7).ok());
            Store::MessageStore messages(*db.value());
            QVERIFY(!messages.setSearchDeferred(folder, true));
            QList<Store::MessageHeader> headers;
            for (quint32 uid = 30; uid >= 1; --uid) {
                Store::MessageHeader h;
                h.uid = uid;
                h.subject = QStringLiteral("ledger %1").arg(uid);
                h.internalDate = QDateTime(QDate(2026, 1, 1), QTime(0, 0), Qt::UTC).addSecs(uid);
                headers << h;
            }
            QVERIFY(!messages.upsertHeaders(folder, 7, headers));
        }
        // The next start: the server cannot be reached (a port nobody listens on).
        auto db = Store::Database::open(dir.path());
        QVERIFY(db);
        QCOMPARE(Store::MessageStore(*db.value()).pendingSearchCount().value(), 30);
        const Imap::SessionSettings s = TestHelpers::unreachableSettings();
        QVERIFY(s.port != 0);
        ManualClock clock;
        ImapSync sync(*db.value(), account, s, clock);
        QSignalSpy finished(&sync, &ImapSync::finished);
        QSignalSpy indexed(&sync, &ImapSync::searchIndexComplete);
        sync.syncAll();
        QVERIFY(indexed.wait(10000));
        QCOMPARE(finished.size(), 1);
        QVERIFY(finished.first().first().value<Error>().isError()); // offline
        QCOMPARE(indexed.first().at(0).toLongLong(), 30);
        QCOMPARE(indexed.first().at(1).value<Error>(), Error());
        QCOMPARE(Store::MessageStore(*db.value()).pendingSearchCount().value(), 0);
        QCOMPARE(Store::MessageStore(*db.value()).search(QStringLiteral("ledger"), 100)->size(), 30);
        QCOMPARE(db.value()->integrityCheck().value(), QStringLiteral("ok"));
    }

    void bodyStructureJson_sameBytesAsQJsonDocument()
    {
        Imap::BodyStructure plain = leaf("TEXT", "PLAIN", 1234);
        plain.parameters = {{"CHARSET", "UTF-8"}};
        plain.encoding = "QUOTED-PRINTABLE";
        QCOMPARE(bodyStructureJson(plain), reference(plain));

        Imap::BodyStructure pdf = leaf("APPLICATION", "PDF", 99999999999ull);
        pdf.encoding = "BASE64";
        pdf.disposition = "ATTACHMENT";
        pdf.dispositionParameters = {{"FILENAME", "=?UTF-8?B?0J7RgtGH0ZHRgi5wZGY=?="}};
        QCOMPARE(bodyStructureJson(pdf), reference(pdf));

        // Quotes, backslashes, control characters, Latin-1 and UTF-8 bytes in names and values.
        Imap::BodyStructure odd = leaf("IMAGE", "J\xC9PG", 0);
        odd.parameters = {{"NAME", QByteArray("a\"b\\c\x01\x1f\t\n\r\b\f\x7f z\xC3\xA9.png")},
                          {"CHARSET", "ISO-8859-1\xE9"}};
        odd.disposition = "INLINE";
        QCOMPARE(bodyStructureJson(odd), reference(odd));

        Imap::BodyStructure mixed = leaf("MULTIPART", "MIXED", 0);
        Imap::BodyStructure alternative = leaf("MULTIPART", "ALTERNATIVE", 0);
        alternative.parts = {plain, leaf("TEXT", "HTML", 10)};
        mixed.parts = {alternative, pdf, odd};
        QCOMPARE(bodyStructureJson(mixed), reference(mixed));

        // Deeper than 32 levels: the parts below are left out, as before.
        Imap::BodyStructure deep = plain;
        for (int i = 0; i < 40; ++i) {
            Imap::BodyStructure parent = leaf("MULTIPART", "MIXED", quint64(i));
            parent.parts = {deep};
            deep = parent;
        }
        QCOMPARE(bodyStructureJson(deep), reference(deep));

        // Every single byte as a parameter value, and in the type and subtype.
        for (int c = 1; c < 256; ++c) {
            Imap::BodyStructure one = leaf("TEXT", "PLAIN", 1);
            one.parameters = {{"CHARSET", QByteArray(1, char(c))}};
            QCOMPARE(bodyStructureJson(one), reference(one));
            one = leaf(QByteArray("T") + char(c), QByteArray(1, char(c)) + "X", 1);
            QCOMPARE(bodyStructureJson(one), reference(one));
        }
    }

    void addressList_namesQuotedAndControlsNeverStored()
    {
        const QList<Imap::Address> addresses = {
            {"=?UTF-8?Q?Zo=C3=AB_B=C3=A9r=C3=A9nice?=", {}, "zoe", "exemple.fr"},
            {"Smith, John", {}, "john", "example.org"},
            {{}, {}, "plain", "example.net"},
            {"group", {}, "team", {}}, // group start: members follow as plain addresses
            {"Evil", {}, QByteArray("x\r\nBcc: victim\x02\x00", 16), "example.com"},
            {{}, {}, "d\xC3\xA9j\xC3\xA0", "xn--exmple-cva.fr"},
        };
        const QString list = formatAddressList(addresses);
        QCOMPARE(list, QStringLiteral("Zoë Bérénice <zoe@exemple.fr>, \"Smith, John\" <john@example.org>, "
                                      "plain@example.net, Evil <x  Bcc: victim@example.com>, "
                                      "déjà@xn--exmple-cva.fr"));
    }

    void rowsFromFetch_sameAsTheHeader_failedAnswerAddsNoRow()
    {
        // The sync converts each answer straight into a row of the chunk (UTF-8 in one buffer);
        // headerFromFetch gives the same answer as a MessageHeader. Both must say the same.
        Imap::Fetch fetch;
        fetch.uid = 42;
        fetch.modSeq = 7;
        fetch.flags = QList<QByteArray>{"\\Seen", "$Forwarded", "project-x"};
        fetch.internalDate = QDateTime(QDate(2026, 1, 2), QTime(10, 0), QTimeZone(3 * 3600));
        fetch.rfc822Size = 4096;
        fetch.envelope.emplace();
        fetch.envelope->date = "Fri, 2 Jan 2026 10:00:00 +0300";
        fetch.envelope->subject = "=?UTF-8?B?0J/RgNC40LLQtdGC?= \xE2\x80\x83";
        fetch.envelope->from = {{"Smith, John", {}, "john", "example.org"}};
        fetch.envelope->to = {{{}, {}, "a", "example.org"}, {"=?UTF-8?Q?Zo=C3=AB?=", {}, "zoe", "x.fr"}};
        fetch.envelope->messageId = " <m@example.org> ";
        Imap::BodySection references;
        references.section = "HEADER.FIELDS (REFERENCES)";
        references.data = "References: <r@example.org>\r\n\r\n";
        fetch.sections.append(references);
        Imap::BodyStructure structure;
        structure.type = "APPLICATION";
        structure.subtype = "PDF";
        structure.disposition = "ATTACHMENT";
        structure.size = 10;
        fetch.bodyStructure = structure;

        Store::HeaderRows rows;
        QVERIFY(!appendHeaderFromFetch(fetch, rows));
        Imap::Fetch noUid = fetch;
        noUid.uid = 0;
        QCOMPARE(appendHeaderFromFetch(noUid, rows).kind, Error::Kind::Protocol);
        Imap::Fetch second = fetch;
        second.uid = 43;
        second.envelope->subject = "second";
        QVERIFY(!appendHeaderFromFetch(second, rows));
        QCOMPARE(rows.uids(), (QList<quint32>{42, 43})); // the failed answer left nothing

        const Store::MessageHeader h = std::get<Store::MessageHeader>(headerFromFetch(fetch));
        QCOMPARE(rows.header(0), h);
        QCOMPARE(h.subject, QStringLiteral("Привет"));
        QCOMPARE(h.from, QStringLiteral("\"Smith, John\" <john@example.org>"));
        QCOMPARE(h.to, QStringLiteral("a@example.org, Zoë <zoe@x.fr>"));
        QCOMPARE(h.messageId, QStringLiteral("<m@example.org>"));
        QCOMPARE(h.references, QStringLiteral("<r@example.org>"));
        QCOMPARE(h.keywords, QStringList{QStringLiteral("project-x")});
        QCOMPARE(h.internalDate, QDateTime(QDate(2026, 1, 2), QTime(7, 0), Qt::UTC));
        QCOMPARE(h.date, QDateTime(QDate(2026, 1, 2), QTime(7, 0), Qt::UTC));
        QVERIFY(h.hasAttachments);
        QCOMPARE(h.bodyStructure, bodyStructureJson(structure));
        QCOMPARE(rows.text(1, Store::HeaderRows::Subject), "second");
        QCOMPARE(rows.text(1, Store::HeaderRows::From), rows.text(0, Store::HeaderRows::From));
    }

    void envelopeDate_fastPathGivesWhatQtGives_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::newRow("canonical") << QByteArray("Mon, 31 Dec 2018 19:27:29 -0500");
        QTest::newRow("one-digit day") << QByteArray("Tue, 1 Jan 2019 02:38:46 +0200");
        QTest::newRow("two-digit day 0x") << QByteArray("Tue, 01 Jan 2019 02:38:46 +0200");
        QTest::newRow("no weekday") << QByteArray("1 Jan 2019 02:38:46 +0200");
        QTest::newRow("wrong weekday") << QByteArray("Fri, 1 Jan 2019 02:38:46 +0200");
        QTest::newRow("unknown weekday") << QByteArray("Foo, 1 Jan 2019 02:38:46 +0200");
        QTest::newRow("leap day") << QByteArray("Thu, 29 Feb 2024 23:59:59 +0000");
        QTest::newRow("no leap day") << QByteArray("29 Feb 2023 12:00:00 +0000");
        QTest::newRow("no leap day 1900") << QByteArray("29 Feb 1900 12:00:00 +0000");
        QTest::newRow("leap day 2000") << QByteArray("29 Feb 2000 12:00:00 +0000");
        QTest::newRow("31 April") << QByteArray("31 Apr 2024 12:00:00 +0000");
        QTest::newRow("hour 24") << QByteArray("1 Jan 2024 24:00:00 +0000");
        QTest::newRow("leap second") << QByteArray("31 Dec 2016 23:59:60 +0000");
        QTest::newRow("far east") << QByteArray("1 Jan 2024 00:00:00 +1400");
        QTest::newRow("far west") << QByteArray("1 Jan 2024 00:00:00 -1200");
        QTest::newRow("nepal") << QByteArray("Sun, 15 Mar 2026 10:00:00 +0545");
        QTest::newRow("minus zero") << QByteArray("1 Jan 2024 00:00:00 -0000");
        QTest::newRow("zone 9999") << QByteArray("1 Jan 2024 00:00:00 +9999");
        QTest::newRow("named zone") << QByteArray("1 Jan 2024 00:00:00 GMT");
        QTest::newRow("comment") << QByteArray("Mon, 1 Jan 2024 00:00:00 +0000 (UTC)");
        QTest::newRow("no seconds") << QByteArray("Mon, 1 Jan 2024 10:20 +0100");
        QTest::newRow("lower-case month") << QByteArray("1 jan 2024 10:20:30 +0100");
        QTest::newRow("double space") << QByteArray("Mon,  1 Jan 2024 10:20:30 +0100");
        QTest::newRow("before 1970") << QByteArray("Sat, 20 Jul 1969 20:17:40 +0000");
        QTest::newRow("three-digit year") << QByteArray("1 Jan 999 10:20:30 +0100");
        QTest::newRow("trailing text") << QByteArray("1 Jan 2024 10:20:30 +0100 x");
        QTest::newRow("empty") << QByteArray();
    }

    void references_unfoldedWithoutTheFieldName()
    {
        // BODY[HEADER.FIELDS (REFERENCES)] as servers send it: folded lines are joined (CRLF
        // dropped, a tab made a space), runs of white space become one, the name goes.
        auto references = [](const QByteArray &data) {
            Imap::Fetch fetch;
            fetch.uid = 1;
            Imap::BodySection section;
            section.section = "HEADER.FIELDS (REFERENCES)";
            section.data = data;
            fetch.sections.append(section);
            return std::get<Store::MessageHeader>(headerFromFetch(fetch)).references;
        };
        QCOMPARE(references("References: <a@x.org>\r\n\t<b@y.org>\r\n  <c@z.org>\r\n\r\n"),
                 QStringLiteral("<a@x.org> <b@y.org> <c@z.org>"));
        // A fold without white space joins the two ids, as unfolding by the RFC does.
        QCOMPARE(references("References: <a@x.org>\r\n<b@y.org>\r\n\r\n"),
                 QStringLiteral("<a@x.org><b@y.org>"));
        // A bare LF is dropped too; a lone CR is white space.
        QCOMPARE(references("REFERENCES:\t<a@x.org>\n <b@y.org>\r<c@z.org>\r\n"),
                 QStringLiteral("<a@x.org> <b@y.org> <c@z.org>"));
        QCOMPARE(references("\r\n"), QString()); // the field absent: an empty header block
        QCOMPARE(references("References:\r\n\r\n"), QString());
    }

    void envelopeDate_fastPathGivesWhatQtGives()
    {
        // headerFromFetch reads the common form of a Date: itself and leaves the rest to Qt;
        // the result must be what Qt's RFC 2822 parser gives, converted to UTC.
        QFETCH(QByteArray, raw);
        auto expected = [](const QByteArray &value) {
            QDateTime date = QDateTime::fromString(QString::fromLatin1(value).simplified(), Qt::RFC2822Date);
            if (!date.isValid()) {
                const QString text = QString::fromLatin1(value).simplified();
                const qsizetype paren = text.indexOf(u'(');
                if (paren > 0)
                    date = QDateTime::fromString(text.left(paren).trimmed(), Qt::RFC2822Date);
            }
            return date.isValid() ? date.toUTC() : QDateTime();
        };
        auto converted = [](const QByteArray &value) {
            Imap::Fetch fetch;
            fetch.uid = 1;
            fetch.envelope.emplace();
            fetch.envelope->date = value;
            return std::get<Store::MessageHeader>(headerFromFetch(fetch)).date;
        };
        const QDateTime mine = converted(raw);
        QCOMPARE(mine, expected(raw));
        QCOMPARE(mine.isValid(), expected(raw).isValid());
        if (mine.isValid())
            QCOMPARE(mine.timeSpec(), Qt::UTC);

        // And a few thousand more around it: every weekday, month, zone and day count.
        static const char *weekdays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
        static const char *months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        if (QByteArray(QTest::currentDataTag()) != "canonical")
            return;
        quint32 seed = 20261123;
        auto next = [&seed](quint32 n) {
            seed = seed * 1103515245u + 12345u;
            return (seed >> 8) % n;
        };
        for (int i = 0; i < 5000; ++i) {
            const QByteArray value =
                QByteArray(next(8) == 0 ? "" : weekdays[next(7)]) +
                QByteArray(", ").left(next(9) == 0 ? 0 : 2) + QByteArray::number(1 + next(31)) + ' ' +
                months[next(12)] + ' ' + QByteArray::number(1960 + next(100)) + ' ' +
                QByteArray::number(100 + next(25)).right(2) + ':' +
                QByteArray::number(100 + next(60)).right(2) + ':' +
                QByteArray::number(100 + next(61)).right(2) + ' ' + (next(2) ? '+' : '-') +
                QByteArray::number(10000 + next(15) * 100 + next(4) * 15).right(4);
            const QDateTime got = converted(value.trimmed());
            if (got != expected(value.trimmed()) || got.isValid() != expected(value.trimmed()).isValid())
                QFAIL(qPrintable(QStringLiteral("different for \"%1\"").arg(QString::fromLatin1(value))));
        }
    }
};

QTEST_GUILESS_MAIN(TestSyncInitial)
#include "test_sync_initial.moc"
