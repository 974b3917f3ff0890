// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/imap/fetchjob.h"
#include "core/imap/idlejob.h"
#include "core/imap/jobs.h"
#include "core/imap/loginjob.h"
#include "core/imap/messagejobs.h"
#include "core/imap/session.h"
#include "tests/imap/sessiontesthelpers.h"
#include "tests/support/mailserverenv.h"

#include <QBuffer>
#include <QSignalSpy>
#include <QTest>
#include <QTimeZone>

#include <memory>

using namespace Tidings;
using namespace Tidings::Imap;
using namespace Tidings::Imap::TestHelpers;
using Tidings::Test::MailServerEnv;
using Tidings::Test::MailUser;

namespace {

QByteArray message(const QByteArray &subject, const QByteArray &body = "Hello from the integration test.\r\n")
{
    return "From: Alice <alice@tidings.test>\r\n"
           "To: Bob <bob@tidings.test>\r\n"
           "Subject: " + subject + "\r\n"
           "Date: Thu, 05 Mar 2026 09:07:03 +0100\r\n"
           "Message-ID: <" + subject.toLower().replace(' ', '-') + "@tidings.test>\r\n"
           "MIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n"
           "\r\n" + body;
}

} // namespace

class TestImapIntegration final : public QObject
{
    Q_OBJECT

    MailServerEnv m_env;

    SessionSettings settings(const MailUser &user, Security security, QIODevice *log = nullptr) const
    {
        SessionSettings s;
        s.host = m_env.host;
        s.port = security == Security::ImplicitTls ? m_env.imapsPort : m_env.imapPort;
        s.security = security;
        s.tls.useSystemCaCertificates = false;
        s.tls.extraCaCertificates = m_env.caCertificates();
        s.username = user.address;
        s.credentials = staticPassword(user.password);
        s.protocolLogFromEnvironment = false;
        s.protocolLogDevice = log;
        s.clientId = {{"name", "Tidings"}, {"version", "test"}};
        return s;
    }

    MailUser freshUser()
    {
        QString error;
        const auto user = m_env.createUser(QStringLiteral("imapsession"), &error);
        if (!user)
            qFatal("cannot create a harness user: %s", qPrintable(error));
        return *user;
    }

    /// An authenticated session, or nullptr (the test then fails on the QVERIFY at the call site).
    std::unique_ptr<Session> loggedIn(const MailUser &user, Security security = Security::StartTls,
                                      LoginJob::Mechanism mechanism = LoginJob::Mechanism::Automatic,
                                      QIODevice *log = nullptr)
    {
        auto session = std::make_unique<Session>(settings(user, security, log));
        if (!openAndWait(*session))
            return nullptr;
        LoginJob login(session.get());
        login.setMechanism(mechanism);
        if (!runJob(login) || login.error())
            return nullptr;
        return session;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        const auto env = MailServerEnv::load(&error);
        QVERIFY2(env, qPrintable(error));
        m_env = *env;
    }

    void startTls_loginAfterUpgrade_rereadsCapabilities()
    {
        const MailUser user = freshUser();
        Session session(settings(user, Security::StartTls));
        QVERIFY2(openAndWait(session), qPrintable(session.lastError().toString()));
        QVERIFY(session.isEncrypted());
        QVERIFY(!session.capabilities().loginDisabled()); // the pre-TLS list said LOGINDISABLED
        QVERIFY(!session.capabilities().startTls());
        LoginJob login(&session);
        login.setMechanism(LoginJob::Mechanism::Login);
        QVERIFY(runJob(login));
        QVERIFY2(!login.error(), qPrintable(login.error().toString()));
        QCOMPARE(session.state(), Session::State::Authenticated);
        QVERIFY(session.capabilities().move());
        QVERIFY(session.capabilities().qresync());
        LogoutJob logout(&session);
        QVERIFY(runJob(logout));
        QVERIFY(!logout.error());
        QTRY_COMPARE(session.state(), Session::State::Disconnected);
        QVERIFY(!session.lastError());
    }

    void implicitTls_authenticatePlain_andId()
    {
        const MailUser user = freshUser();
        auto session = loggedIn(user, Security::ImplicitTls, LoginJob::Mechanism::Plain);
        QVERIFY(session);
        IdJob id(session.get());
        QVERIFY(runJob(id));
        QVERIFY2(!id.error(), qPrintable(id.error().toString()));
        QVERIFY(!id.serverId().isEmpty());
    }

    void wrongPassword_isAuthenticationErrorWithServerText()
    {
        MailUser user = freshUser();
        user.password = QStringLiteral("not-the-password");
        Session session(settings(user, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        LoginJob login(&session);
        QVERIFY(runJob(login, 30000)); // Dovecot delays failed logins
        QCOMPARE(login.error().kind, Error::Kind::Authentication);
        QCOMPARE(login.error().responseCode, QByteArray("AUTHENTICATIONFAILED"));
        QVERIFY(!login.error().serverText.isEmpty());
    }

    void harnessCertificateWithoutItsCa_isRefused()
    {
        const MailUser user = freshUser();
        SessionSettings s = settings(user, Security::ImplicitTls);
        s.tls.extraCaCertificates.clear();
        Session session(s);
        QSignalSpy rejected(&session, &Session::certificateRejected);
        QVERIFY(!openAndWait(session));
        QCOMPARE(session.lastError().kind, Error::Kind::Tls);
        QCOMPARE(rejected.count(), 1);
    }

    void mailFlow_appendListSelectFetchStoreSearchMove()
    {
        const MailUser user = freshUser();
        auto session = loggedIn(user);
        QVERIFY(session);
        Session &s = *session;

        EnableJob enable(&s);
        enable.setExtensions({"CONDSTORE", "QRESYNC"});
        QVERIFY(runJob(enable));
        QVERIFY(s.isEnabled("QRESYNC"));

        AppendJob append(&s);
        append.setMailbox(QStringLiteral("INBOX"));
        append.setFlags({"\\Seen"});
        append.setInternalDate(QDateTime(QDate(2026, 3, 5), QTime(9, 7, 3), QTimeZone(3600)));
        append.setContent(message("First message"));
        QVERIFY(runJob(append));
        QVERIFY2(!append.error(), qPrintable(append.error().toString()));
        QVERIFY(append.uid() > 0);
        QVERIFY(append.uidValidity() > 0);

        AppendJob second(&s);
        second.setMailbox(QStringLiteral("INBOX"));
        second.setContent(message("Second message", "Quarterly report attached.\r\n"));
        QVERIFY(runJob(second));
        QVERIFY(!second.error());

        ListJob list(&s);
        list.setReturnSpecialUse(true);
        list.setReturnStatus({"MESSAGES", "UNSEEN"});
        QVERIFY(runJob(list));
        QVERIFY2(!list.error(), qPrintable(list.error().toString()));
        bool sawArchive = false;
        for (const ListEntry &e : list.entries())
            sawArchive |= e.hasAttribute("\\Archive") && e.mailbox.display == QStringLiteral("Archive");
        QVERIFY(sawArchive);
        bool inboxCounted = false;
        for (const MailboxStatus &st : list.statuses())
            inboxCounted |= st.mailbox.raw == "INBOX" && st.messages == 2u && st.unseen == 1u;
        QVERIFY(inboxCounted);

        SelectJob select(&s);
        select.setMailbox(QStringLiteral("INBOX"));
        select.setCondStore(true);
        QVERIFY(runJob(select));
        QVERIFY2(!select.error(), qPrintable(select.error().toString()));
        QCOMPARE(s.selectedMailbox().exists, 2u);
        QCOMPARE(s.selectedMailbox().uidValidity, append.uidValidity());
        QVERIFY(s.selectedMailbox().highestModSeq > 0);
        const std::uint64_t modSeqBefore = s.selectedMailbox().highestModSeq;

        FetchJob fetch(&s);
        fetch.setUids(UidSet::range(1, UidSet::Star));
        FetchScope scope;
        scope.flags = scope.envelope = scope.bodyStructure = scope.size = scope.internalDate = scope.modSeq = true;
        scope.headerFields = {"Subject"};
        scope.bodySection = QByteArray("1");
        scope.partial = std::pair<std::uint32_t, std::uint32_t>(0, 10);
        fetch.setScope(scope);
        QVERIFY(runJob(fetch));
        QVERIFY2(!fetch.error(), qPrintable(fetch.error().toString()));
        QCOMPARE(fetch.messages().size(), 2);
        const Fetch &first = fetch.messages().first();
        QCOMPARE(first.uid, std::optional<std::uint32_t>(append.uid()));
        QVERIFY(first.flags->contains("\\Seen"));
        QCOMPARE(first.envelope->subject, QByteArray("First message"));
        QCOMPARE(first.bodyStructure->subtype, QByteArray("PLAIN"));
        QCOMPARE(first.internalDate->toUTC(), QDateTime(QDate(2026, 3, 5), QTime(8, 7, 3), Qt::UTC));
        QCOMPARE(first.findSection("1")->data, QByteArray("Hello from"));

        StoreJob store(&s);
        store.setUids(UidSet{append.uid()});
        store.setFlags({"\\Flagged"});
        QVERIFY(runJob(store));
        QVERIFY2(!store.error(), qPrintable(store.error().toString()));

        FetchJob changed(&s);
        changed.setUids(UidSet::range(1, UidSet::Star));
        FetchScope changedScope;
        changedScope.flags = true;
        changedScope.changedSince = modSeqBefore;
        changedScope.vanished = true;
        changed.setScope(changedScope);
        QVERIFY(runJob(changed));
        QVERIFY2(!changed.error(), qPrintable(changed.error().toString()));
        QCOMPARE(changed.messages().size(), 1);
        QVERIFY(changed.messages().first().flags->contains("\\Flagged"));

        SearchJob search(&s);
        search.addText("BODY", QStringLiteral("Quarterly"));
        QVERIFY(runJob(search));
        QVERIFY2(!search.error(), qPrintable(search.error().toString()));
        QVERIFY(search.usedESearch());
        QCOMPARE(search.results(), UidSet{second.uid()});

        MoveJob move(&s);
        move.setUids(UidSet{second.uid()});
        move.setDestination(QStringLiteral("Archive"));
        QSignalSpy expunged(&s, &Session::vanishedReceived);
        QVERIFY(runJob(move));
        QVERIFY2(!move.error(), qPrintable(move.error().toString()));
        QVERIFY(move.usedMove());
        QVERIFY(move.sourceExpunged());
        QCOMPARE(move.destinationUids().size(), 1u);
        QCOMPARE(s.selectedMailbox().exists, 1u);

        StatusJob status(&s);
        status.setMailbox(QStringLiteral("Archive"));
        QVERIFY(runJob(status));
        QCOMPARE(status.status().messages, std::optional<std::uint32_t>(1));
    }

    void mailboxManagement_createRenameSubscribeDelete()
    {
        const MailUser user = freshUser();
        auto session = loggedIn(user);
        QVERIFY(session);
        CreateJob create(session.get());
        create.setMailbox(QStringLiteral("Отчёты"));
        QVERIFY(runJob(create));
        QVERIFY2(!create.error(), qPrintable(create.error().toString()));
        RenameJob rename(session.get());
        rename.setMailbox(QStringLiteral("Отчёты"));
        rename.setNewName(QStringLiteral("Отчёты 2026"));
        QVERIFY(runJob(rename));
        QVERIFY(!rename.error());
        SubscribeJob subscribe(session.get());
        subscribe.setMailbox(QStringLiteral("Отчёты 2026"));
        QVERIFY(runJob(subscribe));
        QVERIFY(!subscribe.error());
        ListJob list(session.get());
        list.setSubscribedOnly(true);
        QVERIFY(runJob(list));
        bool found = false;
        for (const ListEntry &e : list.entries())
            found |= e.mailbox.display == QStringLiteral("Отчёты 2026");
        QVERIFY(found);
        DeleteJob del(session.get());
        del.setMailbox(QStringLiteral("Отчёты 2026"));
        QVERIFY(runJob(del));
        QVERIFY(!del.error());
        DeleteJob again(session.get());
        again.setMailbox(QStringLiteral("Отчёты 2026"));
        QVERIFY(runJob(again));
        QCOMPARE(again.error().kind, Error::Kind::ServerNo);
    }

    void idle_seesAppendFromSecondSession()
    {
        const MailUser user = freshUser();
        auto watcher = loggedIn(user, Security::ImplicitTls);
        QVERIFY(watcher);
        SelectJob select(watcher.get());
        select.setMailbox(QStringLiteral("INBOX"));
        QVERIFY(runJob(select));
        QCOMPARE(watcher->selectedMailbox().exists, 0u);
        IdleJob idle(watcher.get());
        idle.setAutoDelete(false);
        QSignalSpy idling(&idle, &IdleJob::idling);
        QSignalSpy exists(watcher.get(), &Session::existsReceived);
        idle.start();
        QVERIFY(idling.wait(10000));

        auto writer = loggedIn(user, Security::StartTls);
        QVERIFY(writer);
        AppendJob append(writer.get());
        append.setMailbox(QStringLiteral("INBOX"));
        append.setContent(message("Seen by IDLE"));
        QVERIFY(runJob(append));
        QVERIFY(!append.error());

        QTRY_VERIFY_WITH_TIMEOUT(exists.count() >= 1, 15000);
        QCOMPARE(exists.last().first().toUInt(), 1u);
        QCOMPARE(watcher->state(), Session::State::Idling);

        // A job on the idling session: the session ends IDLE, runs it, IDLE resumes.
        FetchJob fetch(watcher.get());
        fetch.setUids(UidSet{append.uid()});
        FetchScope scope;
        scope.envelope = true;
        fetch.setScope(scope);
        QVERIFY(runJob(fetch));
        QVERIFY2(!fetch.error(), qPrintable(fetch.error().toString()));
        QCOMPARE(fetch.messages().first().envelope->subject, QByteArray("Seen by IDLE"));
        QTRY_COMPARE_WITH_TIMEOUT(idling.count(), 2, 10000);
        idle.stop();
        QTRY_VERIFY_WITH_TIMEOUT(idle.isFinished(), 10000);
        QVERIFY(!idle.error());
    }

    void idle_seesDeliveredMessage()
    {
        const MailUser user = freshUser();
        auto watcher = loggedIn(user, Security::ImplicitTls);
        QVERIFY(watcher);
        SelectJob select(watcher.get());
        select.setMailbox(QStringLiteral("INBOX"));
        QVERIFY(runJob(select));
        IdleJob idle(watcher.get());
        idle.setAutoDelete(false);
        QSignalSpy idling(&idle, &IdleJob::idling);
        QSignalSpy exists(watcher.get(), &Session::existsReceived);
        idle.start();
        QVERIFY(idling.wait(10000));
        QString error;
        QVERIFY2(m_env.deliver(user, message("Delivered over LMTP"), &error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(exists.count() >= 1, 15000);
        idle.stop();
        QTRY_VERIFY_WITH_TIMEOUT(idle.isFinished(), 10000);
    }

    void protocolLog_realServer_neverContainsThePassword()
    {
        const MailUser user = freshUser();
        QBuffer log;
        log.open(QIODevice::ReadWrite);
        for (auto mechanism : {LoginJob::Mechanism::Login, LoginJob::Mechanism::Plain}) {
            auto session = loggedIn(user, Security::StartTls, mechanism, &log);
            QVERIFY(session);
            LogoutJob logout(session.get());
            QVERIFY(runJob(logout));
        }
        const QByteArray bytes = log.data();
        QVERIFY(bytes.contains("LOGIN ***"));
        QVERIFY(bytes.contains("AUTHENTICATE ***"));
        QVERIFY(bytes.contains("TLS\n"));
        const QByteArray password = user.password.toUtf8();
        QVERIFY(!bytes.contains(password));
        QVERIFY(!bytes.contains(password.toBase64()));
        QVERIFY(!bytes.contains(QByteArray('\0' + user.address.toUtf8() + '\0' + password).toBase64()));
        for (int shift = 1; shift < 3; ++shift)
            QVERIFY(!bytes.contains(QByteArray(QByteArray(shift, 'x') + password).toBase64().mid(4, 12)));
    }
};

QTEST_GUILESS_MAIN(TestImapIntegration)
#include "test_imap_integration.moc"
