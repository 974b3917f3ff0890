// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// FolderSync against scripted conversations: every sync path and the server errors real
// servers rarely show.
#include "core/imap/jobs.h"
#include "core/imap/loginjob.h"
#include "core/imap/session.h"
#include "core/store/accountstore.h"
#include "core/store/database.h"
#include "core/store/folderstore.h"
#include "core/store/messagestore.h"
#include "core/store/partstore.h"
#include "core/sync/accountengine.h"
#include "core/sync/folderroles.h"
#include "core/sync/foldersync.h"
#include "core/sync/syncengine.h"
#include "tests/support/scriptedserver.h"
#include "tests/sync/scriptedinbox.h"

#include <QSignalSpy>
#include <QTest>

using namespace Tidings;
using namespace Tidings::Sync;
using Tidings::Test::ScriptedServer;

namespace {

QString header(quint32 seq, quint32 uid, const QString &subject, const QString &extra = QString())
{
    return TestHelpers::scriptedHeader(seq, uid, subject, extra);
}

const QString HeaderItems = QStringLiteral(
    "(UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER.FIELDS (REFERENCES)])");
const QString HeaderItemsModSeq = QStringLiteral("(UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE INTERNALDATE "
                                                 "MODSEQ BODY.PEEK[HEADER.FIELDS (REFERENCES)])");

struct Fixture : TestHelpers::ScriptedInbox {
    Fixture(const QString &caps, const QString &script)
        : ScriptedInbox(TestHelpers::scriptedLogin(caps) + script)
    {}

    bool enableQResync()
    {
        auto *job = new Imap::EnableJob(session.get());
        job->setExtensions({"QRESYNC"});
        QSignalSpy done(job, &Imap::Job::finished);
        job->start();
        return done.wait(10000) && session->isEnabled("QRESYNC");
    }

    /// A cache of @p uids under UIDVALIDITY 7 with the given UIDNEXT/HIGHESTMODSEQ.
    void seed(const QList<quint32> &uids, quint32 uidNext, quint64 modSeq)
    {
        (void)Store::FolderStore(*db).applyUidValidity(folder, 7);
        QList<Store::MessageHeader> headers;
        for (quint32 uid : uids) {
            Store::MessageHeader h;
            h.uid = uid;
            h.subject = QStringLiteral("cached %1").arg(uid);
            h.internalDate = QDateTime(QDate(2026, 1, 1), QTime(0, 0), Qt::UTC).addSecs(uid);
            headers << h;
        }
        QVERIFY(!Store::MessageStore(*db).upsertHeaders(folder, 7, headers));
        QVERIFY(!Store::FolderStore(*db).setSyncState(folder, uidNext, modSeq));
    }

    Error sync(SyncMode mode, FolderSyncOptions options = {})
    {
        FolderSync fs(session.get(), *db, folder, mode, options);
        fs.setKeptSelection(kept); // as ImapSync does: what the previous sync left
        QSignalSpy done(&fs, &FolderSync::finished);
        fs.start();
        if (done.isEmpty() && !done.wait(10000))
            return Error::make(Error::Kind::Timeout, QStringLiteral("no finish"));
        result = fs.result();
        kept = fs.keptSelection();
        return done.first().first().value<Error>();
    }

    QList<quint32> uids(quint32 validity = 7)
    {
        return Store::MessageStore(*db).uids(folder, validity).value();
    }

    FolderSyncResult result;
    std::optional<KeptSelection> kept;
};

/// A SELECT INBOX of the scripts below and the server's answer: EXISTS, UIDVALIDITY 7, UIDNEXT.
#define SELECTED_INBOX(tag, exists, uidNext)                                                                 \
    "C: " tag " SELECT INBOX\n"                                                                              \
    "S: * " exists " EXISTS\n"                                                                               \
    "S: * OK [UIDVALIDITY 7] x\n"                                                                            \
    "S: * OK [UIDNEXT " uidNext "] x\n"                                                                      \
    "S: " tag " OK [READ-WRITE] done\n"

#define VERIFY_SCRIPT(server)                                                                                \
    do {                                                                                                     \
        const QStringList problems_ = (server).verify();                                                     \
        QVERIFY2(problems_.isEmpty(), qPrintable(problems_.join(QStringLiteral("; "))));                     \
    } while (false)

} // namespace

class TestSyncProtocol final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void roles_serverAttributeWinsOverName_localisedNamesRecognised()
    {
        auto entry = [](const char *name, QList<QByteArray> attrs = {}) {
            Imap::ListEntry e;
            e.mailbox.raw = name;
            e.mailbox.display = QString::fromUtf8(name);
            e.delimiter = '/';
            e.attributes = attrs;
            return e;
        };
        const QList<QString> roles = assignSpecialUse(
            {entry("INBOX"), entry("Отправленные"), entry("Корзина"), entry("Éléments envoyés"),
             entry("Trash"), entry("Bin", {"\\Trash"}), entry("Спам")});
        QCOMPARE(roles, (QList<QString>{QString(), QStringLiteral("\\Sent"), QString(), QString(), QString(),
                                        QStringLiteral("\\Trash"), QStringLiteral("\\Junk")}));
        QCOMPARE(specialUseFromName(QStringLiteral("Корзина"), u'/'), QStringLiteral("\\Trash"));
        QCOMPARE(specialUseFromName(QStringLiteral("[Gmail]/Sent Mail"), u'/'), QStringLiteral("\\Sent"));
    }

    void qresync_vanishedAndChangedFlagsApplied_newMailFetchedNewestFirst()
    {
        Fixture f(QStringLiteral("ENABLE QRESYNC CONDSTORE ESEARCH"),
                  QStringLiteral("C: A002 ENABLE QRESYNC\n"
                                 "S: * ENABLED QRESYNC\n"
                                 "S: A002 OK\n"
                                 "C: A003 SELECT INBOX (QRESYNC (7 100))\n"
                                 "S: * 4 EXISTS\n"
                                 "S: * OK [UIDVALIDITY 7] x\n"
                                 "S: * OK [UIDNEXT 7] x\n"
                                 "S: * OK [HIGHESTMODSEQ 120] x\n"
                                 "S: * VANISHED (EARLIER) 2,40:50\n"
                                 "S: * 2 FETCH (UID 3 FLAGS (\\Seen) MODSEQ (110))\n"
                                 "S: A003 OK [READ-WRITE] done\n"
                                 "C: A004 UID SEARCH RETURN (ALL COUNT) UID 5:*\n"
                                 "S: * ESEARCH (TAG \"A004\") UID ALL 5:6 COUNT 2\n"
                                 "S: A004 OK\n"
                                 "C: A005 UID FETCH 5:6 ") +
                      HeaderItemsModSeq + QStringLiteral("\n") +
                      header(3, 5, QStringLiteral("five"), QStringLiteral(" MODSEQ (115)")) +
                      header(4, 6, QStringLiteral("six"), QStringLiteral(" MODSEQ (118)")) +
                      QStringLiteral("S: A005 OK\n"));
        QVERIFY(f.login());
        QVERIFY(f.enableQResync());
        f.seed({1, 2, 3, 4}, 5, 100);
        QCOMPARE(f.sync(SyncMode::QResync), Error());
        QCOMPARE(f.uids(), (QList<quint32>{1, 3, 4, 5, 6}));
        QCOMPARE(f.result.newUids, (QList<quint32>{6, 5}));
        auto three = Store::MessageStore(*f.db).findByUid(f.folder, 7, 3).value();
        QVERIFY(three->header.flags & Store::MessageFlag::Seen);
        const Store::Folder folder = Store::FolderStore(*f.db).get(f.folder).value();
        QCOMPARE(folder.uidNext, 7u);
        QCOMPARE(folder.highestModSeq, 120u);
        VERIFY_SCRIPT(f.server);
    }

    void plain_expungeFoundByBisection_flagsSwept()
    {
        // 8 cached, 7 on the server: UID 6 is gone. Leaf size 2 forces real bisection.
        Fixture f(QStringLiteral("ESEARCH"),
                  QStringLiteral("C: A002 SELECT INBOX\n"
                                 "S: * 7 EXISTS\n"
                                 "S: * OK [UIDVALIDITY 7] x\n"
                                 "S: * OK [UIDNEXT 9] x\n"
                                 "S: A002 OK [READ-WRITE] done\n"
                                 "C: A003 UID SEARCH RETURN (COUNT) UID 1:8\n"
                                 "S: * ESEARCH (TAG \"A003\") UID COUNT 7\n"
                                 "S: A003 OK\n"
                                 "C: A004 UID SEARCH RETURN (COUNT) UID 5:8\n"
                                 "S: * ESEARCH (TAG \"A004\") UID COUNT 3\n"
                                 "S: A004 OK\n"
                                 "C: A005 UID SEARCH RETURN (ALL COUNT) UID 7:8\n"
                                 "S: * ESEARCH (TAG \"A005\") UID ALL 7:8 COUNT 2\n"
                                 "S: A005 OK\n"
                                 "C: A006 UID SEARCH RETURN (ALL COUNT) UID 5:6\n"
                                 "S: * ESEARCH (TAG \"A006\") UID ALL 5 COUNT 1\n"
                                 "S: A006 OK\n"
                                 "C: A007 UID SEARCH RETURN (COUNT) UID 1:4\n"
                                 "S: * ESEARCH (TAG \"A007\") UID COUNT 4\n"
                                 "S: A007 OK\n"
                                 "C: A008 UID FETCH 1:8 (UID FLAGS)\n"
                                 "S: * 1 FETCH (UID 1 FLAGS (\\Seen))\n"
                                 "S: * 7 FETCH (UID 8 FLAGS (\\Flagged))\n"
                                 "S: A008 OK\n"));
        QVERIFY(f.login());
        f.seed({1, 2, 3, 4, 5, 6, 7, 8}, 9, 0);
        FolderSyncOptions options;
        options.bisectLeaf = 2;
        QCOMPARE(f.sync(SyncMode::Plain, options), Error());
        QCOMPARE(f.uids(), (QList<quint32>{1, 2, 3, 4, 5, 7, 8}));
        QCOMPARE(f.result.expunged, 1);
        QVERIFY(Store::MessageStore(*f.db).findByUid(f.folder, 7, 8).value()->header.flags &
                Store::MessageFlag::Flagged);
        VERIFY_SCRIPT(f.server);
    }

    void plain_keptSelection_unchanged_noopInsteadOfSelect_flagsStillSwept()
    {
        // The second and third syncs find the selection the first left: a NOOP, no SELECT.
        Fixture f(QStringLiteral("ESEARCH"),
                  QStringLiteral(SELECTED_INBOX("A002", "3", "4") "C: A003 NOOP\n"
                                                                  "S: A003 OK\n"
                                                                  "C: A004 UID FETCH 1:3 (UID FLAGS)\n"
                                                                  "S: * 2 FETCH (UID 2 FLAGS (\\Seen))\n"
                                                                  "S: A004 OK\n"
                                                                  "C: A005 NOOP\n"
                                                                  "S: A005 OK\n"));
        QVERIFY(f.login());
        f.seed({1, 2, 3}, 4, 0);
        FolderSyncOptions known;
        known.sweepFlags = false;
        QCOMPARE(f.sync(SyncMode::Plain, known), Error());
        QVERIFY(f.kept.has_value());
        QCOMPARE(f.kept->count, 3u);
        QCOMPARE(f.sync(SyncMode::Plain), Error()); // the sweep pass
        QVERIFY(Store::MessageStore(*f.db).findByUid(f.folder, 7, 2).value()->header.flags &
                Store::MessageFlag::Seen);
        QCOMPARE(f.sync(SyncMode::Plain, known), Error());
        QCOMPARE(f.uids(), (QList<quint32>{1, 2, 3}));
        QCOMPARE(Store::FolderStore(*f.db).get(f.folder).value().uidNext, 4u);
        VERIFY_SCRIPT(f.server);
    }

    void plain_keptSelection_expungeAndArrivalInNoop_selectsAgain_bothFound()
    {
        // One message leaves and one arrives: EXISTS is unchanged, but the EXPUNGE spoils the
        // kept selection, and the SELECT's UIDNEXT shows the arrival.
        Fixture f(
            QStringLiteral("ESEARCH"),
            QStringLiteral(SELECTED_INBOX(
                "A002", "3", "4") "C: A003 NOOP\n"
                                  "S: * 2 EXPUNGE\n"
                                  "S: * 3 EXISTS\n"
                                  "S: A003 OK\n" SELECTED_INBOX(
                                      "A004", "3", "5") "C: A005 UID SEARCH RETURN (ALL COUNT) UID 4:*\n"
                                                        "S: * ESEARCH (TAG \"A005\") UID ALL 4 COUNT 1\n"
                                                        "S: A005 OK\n"
                                                        "C: A006 UID FETCH 4 ") +
                HeaderItems + QStringLiteral("\n") + header(3, 4, QStringLiteral("four")) +
                QStringLiteral("S: A006 OK\n"
                               "C: A007 UID SEARCH RETURN (ALL COUNT) UID 1:4\n"
                               "S: * ESEARCH (TAG \"A007\") UID ALL 1,3:4 COUNT 3\n"
                               "S: A007 OK\n"));
        QVERIFY(f.login());
        f.seed({1, 2, 3}, 4, 0);
        FolderSyncOptions known;
        known.sweepFlags = false;
        QCOMPARE(f.sync(SyncMode::Plain, known), Error());
        QVERIFY(f.kept.has_value());
        QCOMPARE(f.sync(SyncMode::Plain, known), Error());
        QCOMPARE(f.uids(), (QList<quint32>{1, 3, 4}));
        QCOMPARE(f.result.expunged, 1);
        QCOMPARE(f.result.newUids, QList<quint32>{4});
        QCOMPARE(Store::FolderStore(*f.db).get(f.folder).value().uidNext, 5u);
        VERIFY_SCRIPT(f.server);
    }

    void plain_keptSelection_anotherSelectInBetween_selectsAgain()
    {
        // Someone else selected a mailbox on the session: the kept selection no longer holds,
        // even when the same mailbox is selected again with the same counts.
        Fixture f(QStringLiteral("ESEARCH"), QStringLiteral(SELECTED_INBOX("A002", "3", "4") SELECTED_INBOX(
                                                 "A003", "3", "4") SELECTED_INBOX("A004", "3", "4")));
        QVERIFY(f.login());
        f.seed({1, 2, 3}, 4, 0);
        FolderSyncOptions known;
        known.sweepFlags = false;
        QCOMPARE(f.sync(SyncMode::Plain, known), Error());
        QVERIFY(f.kept.has_value());
        auto *select = new Imap::SelectJob(f.session.get());
        select->setMailbox(QStringLiteral("INBOX"));
        QSignalSpy selected(select, &Imap::Job::finished);
        select->start();
        QVERIFY(selected.wait(10000));
        QCOMPARE(f.sync(SyncMode::Plain, known), Error());
        QCOMPARE(f.uids(), (QList<quint32>{1, 2, 3}));
        VERIFY_SCRIPT(f.server);
    }

    void uidValidityChange_dropsCacheAndRefetches()
    {
        Fixture f(QStringLiteral("ESEARCH"), QStringLiteral("C: A002 SELECT INBOX\n"
                                                            "S: * 1 EXISTS\n"
                                                            "S: * OK [UIDVALIDITY 8] x\n"
                                                            "S: * OK [UIDNEXT 2] x\n"
                                                            "S: A002 OK [READ-WRITE] done\n"
                                                            "C: A003 UID SEARCH RETURN (ALL COUNT) UID 1:*\n"
                                                            "S: * ESEARCH (TAG \"A003\") UID ALL 1 COUNT 1\n"
                                                            "S: A003 OK\n"
                                                            "C: A004 UID FETCH 1 ") +
                                                 HeaderItems + QStringLiteral("\n") +
                                                 header(1, 1, QStringLiteral("fresh")) +
                                                 QStringLiteral("S: A004 OK\n"));
        QVERIFY(f.login());
        f.seed({1, 2, 3}, 4, 0);
        QCOMPARE(f.sync(SyncMode::Plain), Error());
        QVERIFY(f.result.uidValidityChanged);
        QCOMPARE(f.uids(7), QList<quint32>());
        QCOMPARE(f.uids(8), QList<quint32>{1});
        QCOMPARE(Store::MessageStore(*f.db).findByUid(f.folder, 8, 1).value()->header.subject,
                 QStringLiteral("fresh"));
        VERIFY_SCRIPT(f.server);
    }

    void fallingUidNext_isServerError_cacheUntouched()
    {
        Fixture f(QStringLiteral("ESEARCH"), QStringLiteral("C: A002 SELECT INBOX\n"
                                                            "S: * 3 EXISTS\n"
                                                            "S: * OK [UIDVALIDITY 7] x\n"
                                                            "S: * OK [UIDNEXT 3] x\n"
                                                            "S: A002 OK [READ-WRITE] done\n"));
        QVERIFY(f.login());
        f.seed({1, 2, 3}, 4, 0);
        QCOMPARE(f.sync(SyncMode::Plain).kind, Error::Kind::Protocol);
        QCOMPARE(f.uids(), (QList<quint32>{1, 2, 3}));
        QCOMPARE(Store::FolderStore(*f.db).get(f.folder).value().uidNext, 4u);
        VERIFY_SCRIPT(f.server);
    }

    void uidZero_isServerError_nothingStored()
    {
        Fixture f(QStringLiteral("ESEARCH"), QStringLiteral("C: A002 SELECT INBOX\n"
                                                            "S: * 1 EXISTS\n"
                                                            "S: * OK [UIDVALIDITY 7] x\n"
                                                            "S: * OK [UIDNEXT 5] x\n"
                                                            "S: A002 OK [READ-WRITE] done\n"
                                                            "C: A003 UID SEARCH RETURN (ALL COUNT) UID 1:*\n"
                                                            "S: * ESEARCH (TAG \"A003\") UID ALL 4 COUNT 1\n"
                                                            "S: A003 OK\n"
                                                            "C: A004 UID FETCH 4 ") +
                                                 HeaderItems + QStringLiteral("\n") +
                                                 header(1, 0, QStringLiteral("zero")) +
                                                 QStringLiteral("S: A004 OK\n"));
        QVERIFY(f.login());
        QCOMPARE(f.sync(SyncMode::Plain).kind, Error::Kind::Protocol);
        QCOMPARE(f.uids(), QList<quint32>());
        QCOMPARE(Store::FolderStore(*f.db).get(f.folder).value().uidNext, 0u);
    }

    void connectionCutInsideFetchLiteral_resyncHasNoDuplicateNoLoss()
    {
        // First attempt: two chunks of one; the second chunk's literal is cut off.
        Fixture f(QStringLiteral("ESEARCH"),
                  QStringLiteral("C: A002 SELECT INBOX\n"
                                 "S: * 2 EXISTS\n"
                                 "S: * OK [UIDVALIDITY 7] x\n"
                                 "S: * OK [UIDNEXT 3] x\n"
                                 "S: A002 OK [READ-WRITE] done\n"
                                 "C: A003 UID SEARCH RETURN (ALL COUNT) UID 1:*\n"
                                 "S: * ESEARCH (TAG \"A003\") UID ALL 1:2 COUNT 2\n"
                                 "S: A003 OK\n"
                                 "C: A004 UID FETCH 2 ") +
                      HeaderItems + QStringLiteral("\n") + header(2, 2, QStringLiteral("two")) +
                      QStringLiteral("S: A004 OK\n"
                                     "C: A005 UID FETCH 1 ") +
                      HeaderItems +
                      QStringLiteral("\n"
                                     "S+ * 1 FETCH (UID 1 FLAGS () BODY[HEADER.FIELDS (REFERENCES)] "
                                     "{40}\\r\\nReferences: <a@b>\n"
                                     "X\n"));
        QVERIFY(f.login());
        FolderSyncOptions options;
        options.headerChunk = 1;
        const Error cut = f.sync(SyncMode::Plain, options);
        QVERIFY(cut.kind == Error::Kind::Network || cut.kind == Error::Kind::Protocol);
        QCOMPARE(f.uids(), QList<quint32>{2});
        QCOMPARE(Store::FolderStore(*f.db).get(f.folder).value().uidNext, 0u); // not complete

        // Resync on a new connection: only the missing header is fetched.
        Fixture g(QStringLiteral("ESEARCH"),
                  QStringLiteral("C: A002 SELECT INBOX\n"
                                 "S: * 2 EXISTS\n"
                                 "S: * OK [UIDVALIDITY 7] x\n"
                                 "S: * OK [UIDNEXT 3] x\n"
                                 "S: A002 OK [READ-WRITE] done\n"
                                 "C: A003 UID SEARCH RETURN (ALL COUNT) UID 1:*\n"
                                 "S: * ESEARCH (TAG \"A003\") UID ALL 1:2 COUNT 2\n"
                                 "S: A003 OK\n"
                                 "C: A004 UID FETCH 1 ") +
                      HeaderItems + QStringLiteral("\n") + header(1, 1, QStringLiteral("one")) +
                      QStringLiteral("S: A004 OK\n"));
        g.db = std::move(f.db);
        g.folder = f.folder;
        QVERIFY(g.login());
        QCOMPARE(g.sync(SyncMode::Plain, options), Error());
        QCOMPARE(g.uids(), (QList<quint32>{1, 2}));
        QCOMPARE(Store::FolderStore(*g.db).get(g.folder).value().uidNext, 3u);
        VERIFY_SCRIPT(g.server);
    }

    void condStore_changedSinceUpdatesFlags_newMailFetched()
    {
        // CONDSTORE without QRESYNC: flags of cached UIDs by CHANGEDSINCE, new mail by UID
        // SEARCH, expunges by comparing counts (none here: 5 cached, 5 on the server).
        Fixture f(QStringLiteral("CONDSTORE ESEARCH"),
                  QStringLiteral("C: A002 SELECT INBOX (CONDSTORE)\n"
                                 "S: * 5 EXISTS\n"
                                 "S: * OK [UIDVALIDITY 7] x\n"
                                 "S: * OK [UIDNEXT 6] x\n"
                                 "S: * OK [HIGHESTMODSEQ 130] x\n"
                                 "S: A002 OK [READ-WRITE] done\n"
                                 "C: A003 UID FETCH 1:4 (UID FLAGS MODSEQ) (CHANGEDSINCE 100)\n"
                                 "S: * 2 FETCH (UID 2 FLAGS (\\\\Seen \\\\Flagged) MODSEQ (120))\n"
                                 "S: A003 OK\n"
                                 "C: A004 UID SEARCH RETURN (ALL COUNT) UID 5:*\n"
                                 "S: * ESEARCH (TAG \"A004\") UID ALL 5 COUNT 1\n"
                                 "S: A004 OK\n"
                                 "C: A005 UID FETCH 5 ") +
                      HeaderItemsModSeq + QStringLiteral("\n") +
                      header(5, 5, QStringLiteral("five"), QStringLiteral(" MODSEQ (130)")) +
                      QStringLiteral("S: A005 OK\n"));
        QVERIFY(f.login());
        f.seed({1, 2, 3, 4}, 5, 100);
        QCOMPARE(FolderSync::modeFor(*f.session), SyncMode::CondStore);
        QCOMPARE(f.sync(SyncMode::CondStore), Error());
        QCOMPARE(f.uids(), (QList<quint32>{1, 2, 3, 4, 5}));
        QCOMPARE(f.result.newUids, QList<quint32>{5});
        QCOMPARE(f.result.flagUpdates, 1);
        const auto two = Store::MessageStore(*f.db).findByUid(f.folder, 7, 2).value();
        QVERIFY(two->header.flags & Store::MessageFlag::Seen);
        QVERIFY(two->header.flags & Store::MessageFlag::Flagged);
        QVERIFY(!(Store::MessageStore(*f.db).findByUid(f.folder, 7, 1).value()->header.flags &
                  Store::MessageFlag::Seen));
        const Store::Folder folder = Store::FolderStore(*f.db).get(f.folder).value();
        QCOMPARE(folder.uidNext, 6u);
        QCOMPARE(folder.highestModSeq, 130u);
        VERIFY_SCRIPT(f.server);
    }

    void condStore_unchangedModSeqAndUidNext_sendsNothingAfterSelect()
    {
        Fixture f(QStringLiteral("CONDSTORE ESEARCH"), QStringLiteral("C: A002 SELECT INBOX (CONDSTORE)\n"
                                                                      "S: * 4 EXISTS\n"
                                                                      "S: * OK [UIDVALIDITY 7] x\n"
                                                                      "S: * OK [UIDNEXT 5] x\n"
                                                                      "S: * OK [HIGHESTMODSEQ 100] x\n"
                                                                      "S: A002 OK [READ-WRITE] done\n"));
        QVERIFY(f.login());
        f.seed({1, 2, 3, 4}, 5, 100);
        QCOMPARE(f.sync(SyncMode::CondStore), Error());
        QCOMPARE(f.uids(), (QList<quint32>{1, 2, 3, 4}));
        QCOMPARE(f.result.flagUpdates, 0);
        QCOMPARE(f.result.fetched, 0);
        VERIFY_SCRIPT(f.server);
    }

    void byeInsideFetch_nothingHalfStored_resyncHasNoDuplicateNoLoss()
    {
        // The server says BYE between the untagged FETCH responses of the second chunk.
        Fixture f(QStringLiteral("ESEARCH"),
                  QStringLiteral("C: A002 SELECT INBOX\n"
                                 "S: * 3 EXISTS\n"
                                 "S: * OK [UIDVALIDITY 7] x\n"
                                 "S: * OK [UIDNEXT 4] x\n"
                                 "S: A002 OK [READ-WRITE] done\n"
                                 "C: A003 UID SEARCH RETURN (ALL COUNT) UID 1:*\n"
                                 "S: * ESEARCH (TAG \"A003\") UID ALL 1:3 COUNT 3\n"
                                 "S: A003 OK\n"
                                 "C: A004 UID FETCH 2:3 ") +
                      HeaderItems + QStringLiteral("\n") + header(2, 2, QStringLiteral("two")) +
                      header(3, 3, QStringLiteral("three")) +
                      QStringLiteral("S: A004 OK\n"
                                     "C: A005 UID FETCH 1 ") +
                      HeaderItems + QStringLiteral("\n") + header(1, 1, QStringLiteral("one")) +
                      QStringLiteral("S: * BYE shutting down for maintenance\n"
                                     "X\n"));
        QVERIFY(f.login());
        FolderSyncOptions options;
        options.headerChunk = 2;
        const Error bye = f.sync(SyncMode::Plain, options);
        QVERIFY2(bye, "a BYE before the tagged OK must fail the sync");
        QCOMPARE(f.uids(), (QList<quint32>{2, 3}));
        QCOMPARE(Store::FolderStore(*f.db).get(f.folder).value().uidNext, 0u); // not complete

        Fixture g(QStringLiteral("ESEARCH"),
                  QStringLiteral("C: A002 SELECT INBOX\n"
                                 "S: * 3 EXISTS\n"
                                 "S: * OK [UIDVALIDITY 7] x\n"
                                 "S: * OK [UIDNEXT 4] x\n"
                                 "S: A002 OK [READ-WRITE] done\n"
                                 "C: A003 UID SEARCH RETURN (ALL COUNT) UID 1:*\n"
                                 "S: * ESEARCH (TAG \"A003\") UID ALL 1:3 COUNT 3\n"
                                 "S: A003 OK\n"
                                 "C: A004 UID FETCH 1 ") +
                      HeaderItems + QStringLiteral("\n") + header(1, 1, QStringLiteral("one")) +
                      QStringLiteral("S: A004 OK\n"));
        g.db = std::move(f.db);
        g.folder = f.folder;
        QVERIFY(g.login());
        QCOMPARE(g.sync(SyncMode::Plain, options), Error());
        QCOMPARE(g.uids(), (QList<quint32>{1, 2, 3}));
        auto count = g.db->scalar(QStringLiteral("SELECT count(*) FROM messages"));
        QVERIFY(count);
        QCOMPARE(count.value().toInt(), 3);
        QCOMPARE(Store::FolderStore(*g.db).get(g.folder).value().uidNext, 4u);
        VERIFY_SCRIPT(g.server);
    }

    void reconnect_backoffDoublesOnTheClock_upToTheMaximum()
    {
        // Nothing listens on the port: every IDLE connection attempt fails at once.
        const Imap::SessionSettings s = TestHelpers::unreachableSettings();
        QVERIFY(s.port != 0);
        auto db = std::move(Store::Database::open(QStringLiteral(":memory:"))).value();
        ManualClock clock;
        AccountEngineOptions options;
        options.backoffMin = std::chrono::seconds(1);
        options.backoffMax = std::chrono::seconds(4);
        AccountEngine engine(nullptr, *db, s, clock, options);
        QSignalSpy errors(&engine, &AccountEngine::errorOccurred);
        engine.start();
        QTRY_COMPARE(errors.count(), 1);
        QCOMPARE(errors.first().first().value<Error>().kind, Error::Kind::Network);
        QCOMPARE(engine.idleState(), AccountEngine::IdleState::Backoff);

        // Attempt n+1 comes exactly after the n-th delay: 1 s, 2 s, 4 s, 4 s.
        const QList<int> delays{1000, 2000, 4000, 4000};
        for (qsizetype i = 0; i < delays.size(); ++i) {
            clock.advance(std::chrono::milliseconds(delays.at(i) - 1));
            QCoreApplication::processEvents();
            QCOMPARE(errors.count(), int(i + 1)); // not one millisecond early
            QCOMPARE(engine.idleState(), AccountEngine::IdleState::Backoff);
            clock.advance(std::chrono::milliseconds(1));
            QTRY_COMPARE(errors.count(), int(i + 2));
            QCOMPARE(engine.idleState(), AccountEngine::IdleState::Backoff);
        }
        QCOMPARE(engine.currentBackoff(), std::chrono::milliseconds(4000));
        engine.stop();
        QCOMPARE(engine.idleState(), AccountEngine::IdleState::Stopped);
        clock.advance(std::chrono::minutes(10));
        QCoreApplication::processEvents();
        QCOMPARE(errors.count(), int(delays.size() + 1)); // stopped: no more attempts
    }

    void fetchBody_sectionAndPartialFetchedOnceThenServedFromStore_cutBodyNeverComplete()
    {
        ScriptedServer server(
            TestHelpers::scriptedLogin(QStringLiteral("ESEARCH")) +
                QStringLiteral("C: A002 SELECT INBOX\n"
                               "S: * 1 EXISTS\n"
                               "S: * OK [UIDVALIDITY 7] x\n"
                               "S: * OK [UIDNEXT 6] x\n"
                               "S: A002 OK [READ-WRITE] done\n"
                               "C: A003 UID FETCH 5 (UID BODY.PEEK[1])\n"
                               "S: * 1 FETCH (UID 5 BODY[1] {11}\n"
                               "S+ hello world)\\r\\n\n"
                               "S: A003 OK\n"
                               "C: A004 UID FETCH 5 (UID BODY.PEEK[2]<0.4>)\n"
                               "S: * 1 FETCH (UID 5 BODY[2]<0> {4}\n"
                               "S+ %PDF)\\r\\n\n"
                               "S: A004 OK\n"
                               "C: A005 UID FETCH 5 (UID BODY.PEEK[2])\n"
                               "S+ * 1 FETCH (UID 5 BODY[2] {4000}\\r\\n%PDF-1.4 only the beginning\n"
                               "X\n"),
            ScriptedServer::Transport::ImplicitTls);
        auto db = std::move(Store::Database::open(QStringLiteral(":memory:"))).value();
        Store::Account a;
        a.name = QStringLiteral("t");
        a.email = QStringLiteral("alice@x.org");
        const qint64 account = Store::AccountStore(*db).add(a).value();
        Store::Folder inbox;
        inbox.name = "INBOX";
        inbox.displayName = QStringLiteral("INBOX");
        inbox.isInbox = true;
        const qint64 folder = Store::FolderStore(*db).upsert(account, inbox).value();
        QVERIFY(Store::FolderStore(*db).applyUidValidity(folder, 7));
        Store::MessageHeader h;
        h.uid = 5;
        h.subject = QStringLiteral("with a PDF");
        QVERIFY(!Store::MessageStore(*db).upsertHeaders(folder, 7, {h}));
        const qint64 message = Store::MessageStore(*db).findByUid(folder, 7, 5).value()->id;

        ManualClock clock;
        SyncEngine engine(
            *db,
            [&server](const Store::Account &) -> std::variant<Imap::SessionSettings, Error> {
                Imap::SessionSettings s;
                s.host = QStringLiteral("localhost");
                s.port = server.port();
                s.security = Security::ImplicitTls;
                s.tls.useSystemCaCertificates = false;
                s.tls.extraCaCertificates = ScriptedServer::testCaCertificates();
                s.username = QStringLiteral("alice");
                s.credentials = Imap::staticPassword(QStringLiteral("s3cret-Pa55"));
                s.protocolLogFromEnvironment = false;
                return s;
            },
            clock);
        auto fetch =
            [&](const QString &section,
                std::optional<std::pair<quint32, quint32>> partial = {}) -> std::variant<QByteArray, Error> {
            std::optional<std::variant<QByteArray, Error>> result;
            engine.fetchBody(
                message, section, [&result](const std::variant<QByteArray, Error> &r) { result = r; },
                partial);
            if (!QTest::qWaitFor([&result] { return result.has_value(); }, 10000))
                return std::variant<QByteArray, Error>(
                    Error::make(Error::Kind::Timeout, QStringLiteral("no answer")));
            return *result;
        };

        auto body = fetch(QStringLiteral("1"));
        QVERIFY(std::holds_alternative<QByteArray>(body));
        QCOMPARE(std::get<QByteArray>(body), QByteArray("hello world"));
        auto part = Store::PartStore(*db).get(message, QStringLiteral("1")).value();
        QVERIFY(part && part->complete);

        // A preview: a partial range, stored under its own key; the whole part stays missing.
        auto preview = fetch(QStringLiteral("2"), std::make_pair(0u, 4u));
        QVERIFY(std::holds_alternative<QByteArray>(preview));
        QCOMPARE(std::get<QByteArray>(preview), QByteArray("%PDF"));
        QVERIFY(!Store::PartStore(*db).get(message, QStringLiteral("2")).value());

        // Served from the store: the script has no command left for it.
        body = fetch(QStringLiteral("1"));
        QCOMPARE(std::get<QByteArray>(body), QByteArray("hello world"));
        preview = fetch(QStringLiteral("2"), std::make_pair(0u, 4u));
        QCOMPARE(std::get<QByteArray>(preview), QByteArray("%PDF"));

        // The connection dies inside the 4000-byte literal: an error, nothing marked complete.
        auto cut = fetch(QStringLiteral("2"));
        QVERIFY(std::holds_alternative<Error>(cut));
        const auto stored = Store::PartStore(*db).get(message, QStringLiteral("2")).value();
        QVERIFY(!stored || !stored->complete);
        VERIFY_SCRIPT(server);
    }
};

QTEST_GUILESS_MAIN(TestSyncProtocol)
#include "test_sync_protocol.moc"
