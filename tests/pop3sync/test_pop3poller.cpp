// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Pop3Poller against scripted servers: the exact order of RETR, commit, DELE and QUIT; a server
// without UIDL; a connection lost before QUIT +OK.
#include "core/store/accountstore.h"
#include "core/store/database.h"
#include "core/store/folderstore.h"
#include "core/store/messagestore.h"
#include "core/store/partstore.h"
#include "core/store/pop3store.h"
#include "core/sync/pop3poller.h"
#include "tests/support/scriptedserver.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Tidings;
using namespace Tidings::Sync;
using Tidings::Test::ScriptedServer;

#define STORE_OK_ERROR(expr)                                                                                 \
    do {                                                                                                     \
        const Error storeError_ = (expr);                                                                    \
        QVERIFY2(!storeError_, qPrintable(storeError_.toString()));                                          \
    } while (false)

#define VERIFY_SCRIPT(server)                                                                                \
    do {                                                                                                     \
        const QStringList problems_ = (server).verify();                                                     \
        QVERIFY2(problems_.isEmpty(), qPrintable(problems_.join(u'\n')));                                    \
    } while (false)

namespace {

const QString Login = QStringLiteral("S: +OK POP3 ready\n"
                                     "C: CAPA\n"
                                     "S: +OK\n"
                                     "S: UIDL\n"
                                     "S: USER\n"
                                     "S: .\n"
                                     "C: USER alice\nS: +OK\nC: PASS secret\nS: +OK logged in\n");
const QString LoginWithoutUidl = QStringLiteral("S: +OK POP3 ready\n"
                                                "C: CAPA\n"
                                                "S: +OK\n"
                                                "S: USER\n"
                                                "S: .\n"
                                                "C: USER alice\nS: +OK\nC: PASS secret\nS: +OK logged in\n");

Pop3::Settings settingsFor(const ScriptedServer &server)
{
    Pop3::Settings s;
    s.host = QStringLiteral("127.0.0.1");
    s.port = server.port();
    s.security = Security::None;
    s.username = QStringLiteral("alice");
    s.password = QStringLiteral("secret");
    return s;
}

QString message(int n)
{
    return QStringLiteral(
               "S: From: a@example.org\nS: Subject: message %1\nS: Message-ID: <m%1@example.org>\nS: \n"
               "S: ..dot-stuffed body %1\nS: .\n")
        .arg(n);
}

/// A multipart message with a text body and a PDF attachment, as scripted server lines.
QString messageWithAttachment()
{
    return QStringLiteral("S: From: Carol <carol@example.org>\n"
                          "S: Subject: quarterly figures\n"
                          "S: Message-ID: <att@example.org>\n"
                          "S: MIME-Version: 1.0\n"
                          "S: Content-Type: multipart/mixed; boundary=\"b1\"\n"
                          "S: \n"
                          "S: --b1\n"
                          "S: Content-Type: text/plain; charset=utf-8\n"
                          "S: \n"
                          "S: The spreadsheet with the zanzibar numbers is attached.\n"
                          "S: --b1\n"
                          "S: Content-Type: application/pdf; name=\"figures.pdf\"\n"
                          "S: Content-Disposition: attachment; filename=\"figures.pdf\"\n"
                          "S: Content-Transfer-Encoding: base64\n"
                          "S: \n"
                          "S: JVBERi0xLjQK\n"
                          "S: --b1--\n"
                          "S: .\n");
}

} // namespace

class TestPop3Poller final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<Store::Database> m_db;
    qint64 m_account = 0;

    Pop3PollResult poll(Pop3Poller &poller)
    {
        QSignalSpy finished(&poller, &Pop3Poller::finished);
        poller.pollOnce();
        if (!finished.wait(10000))
            return {Error::make(Error::Kind::Timeout, QStringLiteral("no finished()"))};
        return finished.first().first().value<Pop3PollResult>();
    }

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<Pop3PollResult>();
        qRegisterMetaType<Tidings::Error>();
    }

    void init()
    {
        QVERIFY(m_dir.isValid());
        auto db = Store::Database::open(QStringLiteral(":memory:"));
        QVERIFY2(db, qPrintable(db.error().toString()));
        m_db = std::move(db).value();
        Store::Account account;
        account.name = QStringLiteral("pop");
        account.email = QStringLiteral("alice@example.org");
        account.protocol = Store::Account::Protocol::Pop3;
        auto id = Store::AccountStore(*m_db).add(account);
        QVERIFY(id);
        m_account = *id;
    }

    void leaveOnServerOff_deleFollowsCommit_andIsRecordedAfterQuit()
    {
        ScriptedServer server(
            Login +
            QStringLiteral("C: UIDL\nS: +OK\nS: 1 aaa\nS: 2 bbb\nS: .\n"
                           "C: RETR 1\nS: +OK\n") +
            message(1) + QStringLiteral("C: RETR 2\nS: +OK\n") + message(2) +
            QStringLiteral("C: DELE 1\nS: +OK\nC: DELE 2\nS: +OK\nC: QUIT\nS: +OK bye\nX\n"));
        Pop3PollOptions options;
        options.leaveOnServer = false;
        Pop3Poller poller(*m_db, m_account, settingsFor(server), options);
        QStringList order;
        connect(&poller, &Pop3Poller::messageStored, this,
                [&](const QString &uidl) { order << u"stored " + uidl; });
        connect(&poller, &Pop3Poller::deleAccepted, this,
                [&](int n) { order << QStringLiteral("dele %1").arg(n); });
        const Pop3PollResult result = poll(poller);
        QVERIFY2(result.ok(), qPrintable(result.error.toString()));
        QCOMPARE(result.downloaded, 2);
        QCOMPARE(result.deletedOnServer, 2);
        QCOMPARE(order, (QStringList{u"stored aaa"_qs, u"stored bbb"_qs, u"dele 1"_qs, u"dele 2"_qs}));
        VERIFY_SCRIPT(server);
        auto records = Store::Pop3Store(*m_db).records(m_account);
        QVERIFY(records);
        QCOMPARE(records->size(), 2);
        QVERIFY(records->at(0).deletedOnServer && records->at(1).deletedOnServer);
    }

    void connectionLostBeforeQuitOk_recordsNoDeletion_andKeepsTheMessages()
    {
        ScriptedServer server(Login + QStringLiteral("C: UIDL\nS: +OK\nS: 1 aaa\nS: .\nC: RETR 1\nS: +OK\n") +
                              message(1) + QStringLiteral("C: DELE 1\nS: +OK\nC: QUIT\nX\n"));
        Pop3PollOptions options;
        options.leaveOnServer = false;
        Pop3Poller poller(*m_db, m_account, settingsFor(server), options);
        const Pop3PollResult result = poll(poller);
        QCOMPARE(result.error.kind, Error::Kind::Network);
        QCOMPARE(result.downloaded, 1);
        QCOMPARE(result.deletedOnServer, 0);
        VERIFY_SCRIPT(server);
        auto records = Store::Pop3Store(*m_db).records(m_account);
        QVERIFY(records);
        QCOMPARE(records->size(), 1);
        QVERIFY(!records->at(0).deletedOnServer);
        QVERIFY(records->at(0).messageId != 0);
    }

    void connectionLostInsideRetr_storesEarlierMessages_andSendsNoDele()
    {
        ScriptedServer server(
            Login + QStringLiteral("C: UIDL\nS: +OK\nS: 1 aaa\nS: 2 bbb\nS: .\nC: RETR 1\nS: +OK\n") +
            message(1) + QStringLiteral("C: RETR 2\nS: +OK\nS: From: b@example.org\nX\n"));
        Pop3PollOptions options;
        options.leaveOnServer = false;
        options.commitGroup = 64;
        Pop3Poller poller(*m_db, m_account, settingsFor(server), options);
        const Pop3PollResult result = poll(poller);
        QCOMPARE(result.error.kind, Error::Kind::Network);
        QCOMPARE(result.downloaded, 1);
        VERIFY_SCRIPT(server);
        QVERIFY(!server.received().contains("DELE"));
        auto known = Store::Pop3Store(*m_db).knownUidls(m_account);
        QVERIFY(known);
        QCOMPARE(*known, QSet<QString>{u"aaa"_qs});
    }

    void knownUidl_isNotRetrievedAgain()
    {
        ScriptedServer first(Login + QStringLiteral("C: UIDL\nS: +OK\nS: 1 aaa\nS: .\nC: RETR 1\nS: +OK\n") +
                             message(1) + QStringLiteral("C: QUIT\nS: +OK\nX\n"));
        Pop3Poller poller(*m_db, m_account, settingsFor(first), {});
        QCOMPARE(poll(poller).downloaded, 1);
        VERIFY_SCRIPT(first);
        ScriptedServer second(
            Login + QStringLiteral("C: UIDL\nS: +OK\nS: 1 aaa\nS: 2 bbb\nS: .\nC: RETR 2\nS: +OK\n") +
            message(2) + QStringLiteral("C: QUIT\nS: +OK\nX\n"));
        poller.setSettings(settingsFor(second));
        const Pop3PollResult result = poll(poller);
        QVERIFY2(result.ok(), qPrintable(result.error.toString()));
        QCOMPARE(result.onServer, 2);
        QCOMPARE(result.downloaded, 1);
        VERIFY_SCRIPT(second);
    }

    void serverWithoutUidl_leaveOnServer_isRefusedBeforeAnyDownload()
    {
        ScriptedServer server(LoginWithoutUidl);
        Pop3Poller poller(*m_db, m_account, settingsFor(server), {});
        const Pop3PollResult result = poll(poller);
        QCOMPARE(result.error.kind, Error::Kind::Config);
        QVERIFY(result.error.detail.contains(QStringLiteral("UIDL")));
        QVERIFY(!result.uidlSupported);
        VERIFY_SCRIPT(server);
        QVERIFY(!server.received().contains("RETR"));
    }

    void serverWithoutUidl_leaveOff_downloadsAndDeletesEachOnce()
    {
        ScriptedServer server(LoginWithoutUidl +
                              QStringLiteral("C: LIST\nS: +OK\nS: 1 120\nS: .\nC: RETR 1\nS: +OK\n") +
                              message(1) + QStringLiteral("C: DELE 1\nS: +OK\nC: QUIT\nS: +OK\nX\n"));
        Pop3PollOptions options;
        options.leaveOnServer = false;
        Pop3Poller poller(*m_db, m_account, settingsFor(server), options);
        const Pop3PollResult result = poll(poller);
        QVERIFY2(result.ok(), qPrintable(result.error.toString()));
        QCOMPARE(result.downloaded, 1);
        QCOMPARE(result.deletedOnServer, 1);
        VERIFY_SCRIPT(server);
        // The same bytes again (QUIT was lost last time): stored once, deleted again.
        ScriptedServer again(LoginWithoutUidl +
                             QStringLiteral("C: LIST\nS: +OK\nS: 1 120\nS: .\nC: RETR 1\nS: +OK\n") +
                             message(1) + QStringLiteral("C: DELE 1\nS: +OK\nC: QUIT\nS: +OK\nX\n"));
        poller.setSettings(settingsFor(again));
        const Pop3PollResult second = poll(poller);
        QVERIFY2(second.ok(), qPrintable(second.error.toString()));
        QCOMPARE(second.downloaded, 0);
        VERIFY_SCRIPT(again);
        auto records = Store::Pop3Store(*m_db).records(m_account);
        QVERIFY(records);
        QCOMPARE(records->size(), 1);
        QVERIFY(records->at(0).uidl.startsWith(QStringLiteral("sha256:")));
    }

    void download_storesHeaderRows_thenTheIndexerAddsPreviewAttachmentsAndSearch()
    {
        ScriptedServer server(Login +
                              QStringLiteral("C: UIDL\nS: +OK\nS: 1 aaa\nS: 2 bbb\nS: .\n"
                                             "C: RETR 1\nS: +OK\n") +
                              message(1) + QStringLiteral("C: RETR 2\nS: +OK\n") + messageWithAttachment() +
                              QStringLiteral("C: QUIT\nS: +OK bye\nX\n"));
        Pop3Poller poller(*m_db, m_account, settingsFor(server), {});
        QSignalSpy indexed(&poller, &Pop3Poller::indexingFinished);
        Store::MessageStore messages(*m_db);
        QList<Store::StoredMessage> atFinish;
        int foundAtFinish = -1;
        connect(&poller, &Pop3Poller::finished, this, [&] {
            // The download is complete and committed: list rows exist, bodies are not parsed yet.
            auto folder = Pop3Poller::inboxFolder(*m_db, m_account);
            auto page = messages.folderPageAt(std::get<qint64>(folder), 10, 0);
            if (page)
                atFinish = *page;
            auto found = messages.search(QStringLiteral("zanzibar"), 10, m_account);
            foundAtFinish = found ? int(found->size()) : -2;
        });
        const Pop3PollResult result = poll(poller);
        QVERIFY2(result.ok(), qPrintable(result.error.toString()));
        QCOMPARE(result.downloaded, 2);
        VERIFY_SCRIPT(server);
        QCOMPARE(atFinish.size(), 2);
        QStringList subjects{atFinish.at(0).header.subject, atFinish.at(1).header.subject};
        subjects.sort();
        QCOMPARE(subjects, (QStringList{QStringLiteral("message 1"), QStringLiteral("quarterly figures")}));
        for (const Store::StoredMessage &m : std::as_const(atFinish)) {
            QVERIFY(m.header.preview.isEmpty());
            QVERIFY(!m.header.hasAttachments);
            QVERIFY(!m.header.from.isEmpty());
            QVERIFY(!m.header.messageId.isEmpty());
        }
        QCOMPARE(foundAtFinish, 0);
        // Subjects are searchable from the list row at once.
        auto bySubject = messages.search(QStringLiteral("quarterly"), 10, m_account);
        QVERIFY(bySubject);
        QCOMPARE(bySubject->size(), 1);

        QVERIFY(indexed.wait(10000));
        QCOMPARE(indexed.first().at(0).toInt(), 2);
        QVERIFY(!indexed.first().at(1).value<Error>());
        auto unindexed = Store::Pop3Store(*m_db).unindexedMessages(m_account, 0, 100);
        QVERIFY(unindexed);
        QVERIFY(unindexed->isEmpty());
        auto found = messages.search(QStringLiteral("zanzibar"), 10, m_account);
        QVERIFY(found);
        QCOMPARE(found->size(), 1);
        QVERIFY(found->first().header.hasAttachments);
        QVERIFY2(
            found->first().header.preview.startsWith(QStringLiteral("The spreadsheet with the zanzibar")),
            qPrintable(found->first().header.preview));
        auto stuffed = messages.search(QStringLiteral("stuffed"), 10, m_account);
        QVERIFY(stuffed);
        QCOMPARE(stuffed->size(), 1);
        QCOMPARE(stuffed->first().header.preview, QStringLiteral(".dot-stuffed body 1"));
        QVERIFY(!stuffed->first().header.hasAttachments);
    }

    void killedBeforeIndexing_isIndexedAtTheNextStart()
    {
        ScriptedServer server(Login + QStringLiteral("C: UIDL\nS: +OK\nS: 1 aaa\nS: .\nC: RETR 1\nS: +OK\n") +
                              messageWithAttachment() + QStringLiteral("C: QUIT\nS: +OK bye\nX\n"));
        {
            // The process "dies" the moment the download finished: the store holds exactly what
            // the download path committed, and the indexer never ran.
            Pop3PollOptions options;
            options.indexAfterPoll = false;
            Pop3Poller poller(*m_db, m_account, settingsFor(server), options);
            const Pop3PollResult result = poll(poller);
            QVERIFY2(result.ok(), qPrintable(result.error.toString()));
            QCOMPARE(result.downloaded, 1);
        }
        VERIFY_SCRIPT(server);
        auto unindexed = Store::Pop3Store(*m_db).unindexedMessages(m_account, 0, 100);
        QVERIFY(unindexed);
        QCOMPARE(unindexed->size(), 1);
        QVERIFY(Store::MessageStore(*m_db).search(QStringLiteral("zanzibar"), 10, m_account)->isEmpty());

        // Next start: no poll is due yet (10 minutes), the indexer catches up at once.
        ManualClock clock;
        Pop3Poller poller(*m_db, m_account, settingsFor(server), {}, clock);
        QSignalSpy indexed(&poller, &Pop3Poller::indexingFinished);
        poller.start();
        QVERIFY(indexed.wait(10000));
        QCOMPARE(indexed.first().at(0).toInt(), 1);
        QVERIFY(!poller.isPolling());
        auto found = Store::MessageStore(*m_db).search(QStringLiteral("zanzibar"), 10, m_account);
        QVERIFY(found);
        QCOMPARE(found->size(), 1);
        QVERIFY(found->first().header.hasAttachments);
        QVERIFY(!found->first().header.preview.isEmpty());
        poller.stop();
    }

    qint64 pendingSearch() { return Store::MessageStore(*m_db).pendingSearchCount().value(); }

    void largePoll_defersSearchIndex_untilTheIndexingAfterIt()
    {
        ScriptedServer server(Login +
                              QStringLiteral("C: UIDL\nS: +OK\nS: 1 aaa\nS: 2 bbb\nS: .\n"
                                             "C: RETR 1\nS: +OK\n") +
                              message(1) + QStringLiteral("C: RETR 2\nS: +OK\n") + messageWithAttachment() +
                              QStringLiteral("C: QUIT\nS: +OK bye\nX\n"));
        Pop3PollOptions options;
        options.deferSearchFrom = 2;
        Pop3Poller poller(*m_db, m_account, settingsFor(server), options);
        QSignalSpy indexed(&poller, &Pop3Poller::indexingFinished);
        qint64 pendingAtFinish = -1;
        int listedAtFinish = -1;
        bool deferredAtFinish = true;
        connect(&poller, &Pop3Poller::finished, this, [&] {
            pendingAtFinish = pendingSearch();
            auto inbox = Pop3Poller::inboxFolder(*m_db, m_account);
            listedAtFinish = Store::FolderStore(*m_db).get(std::get<qint64>(inbox))->totalCount;
            deferredAtFinish =
                m_db->scalar(QStringLiteral("SELECT search_deferred FROM folders WHERE id = %1")
                                 .arg(std::get<qint64>(inbox)))
                    ->toBool();
        });
        const Pop3PollResult result = poll(poller);
        QVERIFY2(result.ok(), qPrintable(result.error.toString()));
        VERIFY_SCRIPT(server);
        QCOMPARE(listedAtFinish, 2);  // listed at once
        QCOMPARE(pendingAtFinish, 2); // not tokenised inside the download
        QVERIFY(!deferredAtFinish);   // new mail from elsewhere is indexed at once again
        QVERIFY(indexed.wait(10000));
        QVERIFY2(!indexed.first().at(1).value<Error>(),
                 qPrintable(indexed.first().at(1).value<Error>().toString()));
        QCOMPARE(pendingSearch(), 0);
        QCOMPARE(Store::MessageStore(*m_db).search(QStringLiteral("zanzibar"), 10, m_account)->size(),
                 1); // body
        QCOMPARE(Store::MessageStore(*m_db).search(QStringLiteral("quarterly"), 10, m_account)->size(),
                 1); // subject
        QCOMPARE(m_db->integrityCheck().value(), QStringLiteral("ok"));
    }

    void killedWithSearchDeferred_isIndexedAndClearedAtTheNextStart()
    {
        ScriptedServer server(Login +
                              QStringLiteral("C: UIDL\nS: +OK\nS: 1 aaa\nS: 2 bbb\nS: .\n"
                                             "C: RETR 1\nS: +OK\n") +
                              message(1) + QStringLiteral("C: RETR 2\nS: +OK\n") + messageWithAttachment() +
                              QStringLiteral("C: QUIT\nS: +OK bye\nX\n"));
        qint64 inbox = 0;
        {
            Pop3PollOptions options;
            options.deferSearchFrom = 1;
            options.indexAfterPoll = false;
            Pop3Poller poller(*m_db, m_account, settingsFor(server), options);
            QVERIFY(poll(poller).ok());
            inbox = std::get<qint64>(Pop3Poller::inboxFolder(*m_db, m_account));
        }
        VERIFY_SCRIPT(server);
        // As if killed inside the poll: the flag is still set.
        STORE_OK_ERROR(Store::MessageStore(*m_db).setSearchDeferred(inbox, true));
        QCOMPARE(pendingSearch(), 2);
        QVERIFY(Store::MessageStore(*m_db).search(QStringLiteral("quarterly"), 10, m_account)->isEmpty());

        ManualClock clock;
        Pop3Poller poller(*m_db, m_account, settingsFor(server), {}, clock);
        QSignalSpy indexed(&poller, &Pop3Poller::indexingFinished);
        poller.start();
        QVERIFY(indexed.wait(10000));
        QCOMPARE(indexed.first().at(0).toInt(), 2);
        QCOMPARE(pendingSearch(), 0);
        QVERIFY(!m_db->scalar(QStringLiteral("SELECT search_deferred FROM folders WHERE id = %1").arg(inbox))
                     ->toBool());
        QCOMPARE(Store::MessageStore(*m_db).search(QStringLiteral("quarterly"), 10, m_account)->size(), 1);
        QCOMPARE(Store::MessageStore(*m_db).search(QStringLiteral("zanzibar"), 10, m_account)->size(), 1);
        poller.stop();
    }

    void indexer_withNothingToDo_finishesWithZero()
    {
        Pop3Indexer indexer(*m_db, m_account);
        QSignalSpy finished(&indexer, &Pop3Indexer::finished);
        indexer.start();
        QVERIFY(finished.wait(10000));
        QCOMPARE(finished.first().at(0).toInt(), 0);
    }

    // A file profile: the groups are stored by the poller's writer thread on a connection of
    // its own, the bytes in pack files.
    std::unique_ptr<Store::Database> fileProfile(const QTemporaryDir &dir, qint64 &account)
    {
        auto db = Store::Database::open(dir.path());
        if (!db)
            return nullptr;
        Store::Account a;
        a.name = QStringLiteral("pop");
        a.email = QStringLiteral("alice@example.org");
        a.protocol = Store::Account::Protocol::Pop3;
        account = Store::AccountStore(*db.value()).add(a).value();
        return std::move(db).value();
    }

    void fileProfile_writerThread_commitsBeforeDele_andBytesReadBack()
    {
        QTemporaryDir dir;
        qint64 account = 0;
        auto db = fileProfile(dir, account);
        QVERIFY(db);
        ScriptedServer server(
            Login +
            QStringLiteral("C: UIDL\nS: +OK\nS: 1 aaa\nS: 2 bbb\nS: .\n"
                           "C: RETR 1\nS: +OK\n") +
            message(1) + QStringLiteral("C: RETR 2\nS: +OK\n") + message(2) +
            QStringLiteral("C: DELE 1\nS: +OK\nC: DELE 2\nS: +OK\nC: QUIT\nS: +OK bye\nX\n"));
        Pop3PollOptions options;
        options.leaveOnServer = false;
        options.indexAfterPoll = false;
        Pop3Poller poller(*db, account, settingsFor(server), options);
        QStringList order;
        connect(&poller, &Pop3Poller::messageStored, this, [&](const QString &uidl) {
            // Committed means visible to any other connection, this one included.
            const bool known = Store::Pop3Store(*db).knownUidls(account).value().contains(uidl);
            order << (known ? u"stored "_qs : u"NOT COMMITTED "_qs) + uidl;
        });
        connect(&poller, &Pop3Poller::deleAccepted, this,
                [&](int n) { order << QStringLiteral("dele %1").arg(n); });
        const Pop3PollResult result = poll(poller);
        QVERIFY2(result.ok(), qPrintable(result.error.toString()));
        QCOMPARE(result.downloaded, 2);
        QCOMPARE(result.deletedOnServer, 2);
        QCOMPARE(order, (QStringList{u"stored aaa"_qs, u"stored bbb"_qs, u"dele 1"_qs, u"dele 2"_qs}));
        VERIFY_SCRIPT(server);
        QCOMPARE(QDir(dir.filePath(QStringLiteral("parts"))).entryList({QStringLiteral("*.pack")}).size(), 1);
        Store::MessageStore messages(*db);
        auto inbox = Pop3Poller::inboxFolder(*db, account);
        auto page = messages.folderPageAt(std::get<qint64>(inbox), 10, 0);
        QVERIFY(page);
        QCOMPARE(page->size(), 2);
        for (const Store::StoredMessage &m : *page) {
            const int n = m.header.subject.endsWith(u'1') ? 1 : 2;
            const QByteArray expected = QStringLiteral("From: a@example.org\r\nSubject: message %1\r\n"
                                                       "Message-ID: <m%1@example.org>\r\n\r\n"
                                                       ".dot-stuffed body %1\r\n")
                                            .arg(n)
                                            .toUtf8();
            QCOMPARE(Store::PartStore(*db).get(m.id, QString())->value().content, expected);
        }
    }

    void fileProfile_connectionLostInsideRetr_keepsCompleteMessages_noDele()
    {
        QTemporaryDir dir;
        qint64 account = 0;
        auto db = fileProfile(dir, account);
        QVERIFY(db);
        ScriptedServer server(
            Login +
            QStringLiteral("C: UIDL\nS: +OK\nS: 1 aaa\nS: 2 bbb\nS: 3 ccc\nS: .\nC: RETR 1\nS: +OK\n") +
            message(1) + QStringLiteral("C: RETR 2\nS: +OK\n") + message(2) +
            QStringLiteral("C: RETR 3\nS: +OK\nS: From: b@example.org\nX\n"));
        Pop3PollOptions options;
        options.leaveOnServer = false;
        options.commitGroup = 1; // message 1 is committed (and may be DELE'd) while 2 downloads
        options.indexAfterPoll = false;
        Pop3Poller poller(*db, account, settingsFor(server), options);
        const Pop3PollResult result = poll(poller);
        QCOMPARE(result.error.kind, Error::Kind::Network);
        QCOMPARE(result.downloaded, 2); // the failure waited for the group in flight
        QCOMPARE(result.deletedOnServer, 0);
        QVERIFY(!server.received().contains("QUIT"));
        QCOMPARE(Store::Pop3Store(*db).knownUidls(account).value(), (QSet<QString>{u"aaa"_qs, u"bbb"_qs}));
    }

    void fileProfile_storeFails_pollFailsWithoutDeleOrQuit()
    {
        QTemporaryDir dir;
        qint64 account = 0;
        auto db = fileProfile(dir, account);
        QVERIFY(db);
        // parts/ is a file: no pack can be written, so nothing can be committed.
        QFile blocker(dir.filePath(QStringLiteral("parts")));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        ScriptedServer server(Login + QStringLiteral("C: UIDL\nS: +OK\nS: 1 aaa\nS: .\nC: RETR 1\nS: +OK\n") +
                              message(1));
        Pop3PollOptions options;
        options.leaveOnServer = false;
        options.indexAfterPoll = false;
        Pop3Poller poller(*db, account, settingsFor(server), options);
        QSignalSpy stored(&poller, &Pop3Poller::messageStored);
        const Pop3PollResult result = poll(poller);
        QCOMPARE(result.error.kind, Error::Kind::Storage);
        QCOMPARE(result.downloaded, 0);
        QCOMPARE(stored.size(), 0);
        VERIFY_SCRIPT(server); // nothing after RETR: no DELE, no QUIT
        QCOMPARE(Store::Pop3Store(*db).knownUidls(account)->size(), 0);
        // The next poll, with the disk fixed, gets it.
        QVERIFY(QFile::remove(dir.filePath(QStringLiteral("parts"))));
        ScriptedServer again(Login + QStringLiteral("C: UIDL\nS: +OK\nS: 1 aaa\nS: .\nC: RETR 1\nS: +OK\n") +
                             message(1) + QStringLiteral("C: DELE 1\nS: +OK\nC: QUIT\nS: +OK\nX\n"));
        poller.setSettings(settingsFor(again));
        const Pop3PollResult second = poll(poller);
        QVERIFY2(second.ok(), qPrintable(second.error.toString()));
        QCOMPARE(second.downloaded, 1);
        QCOMPARE(second.deletedOnServer, 1);
        VERIFY_SCRIPT(again);
    }

    void fileProfile_withoutUidl_sameContentTwiceInOnePoll_storedOnceDeletedTwice()
    {
        QTemporaryDir dir;
        qint64 account = 0;
        auto db = fileProfile(dir, account);
        QVERIFY(db);
        ScriptedServer server(
            LoginWithoutUidl +
            QStringLiteral("C: LIST\nS: +OK\nS: 1 120\nS: 2 120\nS: .\nC: RETR 1\nS: +OK\n") + message(1) +
            QStringLiteral("C: RETR 2\nS: +OK\n") + message(1) +
            QStringLiteral("C: DELE 1\nS: +OK\nC: DELE 2\nS: +OK\nC: QUIT\nS: +OK\nX\n"));
        Pop3PollOptions options;
        options.leaveOnServer = false;
        options.commitGroup = 1; // the copy is downloaded while the original's group is in flight
        options.indexAfterPoll = false;
        Pop3Poller poller(*db, account, settingsFor(server), options);
        const Pop3PollResult result = poll(poller);
        QVERIFY2(result.ok(), qPrintable(result.error.toString()));
        QCOMPARE(result.downloaded, 1);
        QCOMPARE(result.deletedOnServer, 2);
        VERIFY_SCRIPT(server);
        QCOMPARE(Store::Pop3Store(*db).records(account)->size(), 1);
    }

    void checkNow_andInterval_runOnTheInjectedClock()
    {
        ManualClock clock;
        ScriptedServer server(Login + QStringLiteral("C: UIDL\nS: +OK\nS: .\nC: QUIT\nS: +OK\nX\n"));
        Pop3PollOptions options;
        options.interval = std::chrono::minutes(10);
        Pop3Poller poller(*m_db, m_account, settingsFor(server), options, clock);
        QSignalSpy finished(&poller, &Pop3Poller::finished);
        poller.start();
        clock.advance(std::chrono::minutes(9));
        QVERIFY(!poller.isPolling());
        clock.advance(std::chrono::minutes(1));
        QVERIFY(poller.isPolling());
        QVERIFY(finished.wait(10000));
        QVERIFY(finished.first().first().value<Pop3PollResult>().ok());
        VERIFY_SCRIPT(server);
    }
};

QTEST_GUILESS_MAIN(TestPop3Poller)
#include "test_pop3poller.moc"
