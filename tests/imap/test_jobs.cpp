// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/imap/fetchjob.h"
#include "core/imap/idlejob.h"
#include "core/imap/jobs.h"
#include "core/imap/loginjob.h"
#include "core/imap/messagejobs.h"
#include "core/imap/session.h"
#include "tests/imap/sessiontesthelpers.h"
#include "tests/support/scriptedserver.h"

#include <QBuffer>
#include <QSignalSpy>
#include <QTest>
#include <QTimeZone>
#include <QTimer>

using namespace Tidings;
using namespace Tidings::Imap;
using namespace Tidings::Imap::TestHelpers;
using Tidings::Test::ScriptedServer;

namespace {

QString greeting(const QString &caps)
{
    return QStringLiteral("S: * OK [CAPABILITY IMAP4rev1 %1] ready\n").arg(caps);
}

/// Greeting with @p caps, AUTHENTICATE PLAIN with SASL-IR as A001, post-login capabilities
/// @p afterLogin.
QString loggedIn(const QString &afterLogin)
{
    return greeting(QStringLiteral("AUTH=PLAIN SASL-IR")) +
           QStringLiteral("C: A001 AUTHENTICATE PLAIN AGFsaWNlAHMzY3JldC1QYTU1\n"
                          "S: A001 OK [CAPABILITY IMAP4rev1 %1] welcome\n")
               .arg(afterLogin);
}

const QString FullCaps = QStringLiteral("IDLE MOVE UIDPLUS ESEARCH CONDSTORE QRESYNC ENABLE ID LIST-STATUS "
                                        "SPECIAL-USE LIST-EXTENDED");

/// loggedIn(FullCaps) plus SELECT INBOX as A002.
QString selected(const QString &caps = FullCaps)
{
    return loggedIn(caps) + QStringLiteral("C: A002 SELECT INBOX\n"
                                           "S: * 10 EXISTS\n"
                                           "S: * OK [UIDVALIDITY 7] ok\n"
                                           "S: A002 OK [READ-WRITE] ok\n");
}

struct Fixture {
    explicit Fixture(const QString &script, QBuffer *log = nullptr)
        : server(script, ScriptedServer::Transport::ImplicitTls)
        , session(scriptedSettings(server.port(), Security::ImplicitTls, log), clock)
    {}
    bool open() { return openAndWait(session); }
    bool login()
    {
        LoginJob job(&session);
        return runJob(job) && !job.error();
    }
    bool select()
    {
        SelectJob job(&session);
        job.setMailbox(QStringLiteral("INBOX"));
        return runJob(job) && !job.error();
    }
    bool ready() { return open() && login(); }
    bool readySelected() { return ready() && select(); }

    ScriptedServer server;
    ManualClock clock;
    Session session;
};

} // namespace

class TestJobs final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    // ---- login ------------------------------------------------------------------------------

    void login_plainWithSaslIr_sendsInitialResponseAndReadsCapabilities()
    {
        Fixture f(loggedIn(QStringLiteral("IDLE MOVE")));
        QVERIFY(f.open());
        LoginJob login(&f.session);
        QVERIFY(runJob(login));
        QVERIFY(!login.error());
        QCOMPARE(login.usedMechanism(), LoginJob::Mechanism::Plain);
        QCOMPARE(f.session.state(), Session::State::Authenticated);
        QVERIFY(f.session.capabilities().has("MOVE"));
        QVERIFY(!f.session.capabilities().has("SASL-IR"));
        VERIFY_SCRIPT(f.server);
    }

    void login_plainWithoutSaslIr_answersContinuation()
    {
        Fixture f(greeting(QStringLiteral("AUTH=PLAIN")) + QStringLiteral("C: A001 AUTHENTICATE PLAIN\n"
                                                                          "S: + \n"
                                                                          "C: AGFsaWNlAHMzY3JldC1QYTU1\n"
                                                                          "S: A001 OK done\n"
                                                                          "C: A002 CAPABILITY\n"
                                                                          "S: * CAPABILITY IMAP4rev1 IDLE\n"
                                                                          "S: A002 OK\n"));
        QVERIFY(f.open());
        LoginJob login(&f.session);
        QVERIFY(runJob(login));
        QVERIFY(!login.error());
        QVERIFY(f.session.capabilities().idle());
        VERIFY_SCRIPT(f.server);
    }

    void login_passwordNeedingQuotes_isQuoted()
    {
        ScriptedServer server(greeting(QString()) + QStringLiteral("C: A001 LOGIN alice \"pa ss\\\"word\"\n"
                                                                   "S: * CAPABILITY IMAP4rev1 IDLE\n"
                                                                   "S: A001 OK logged in\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        SessionSettings settings = scriptedSettings(server.port(), Security::ImplicitTls);
        settings.credentials = staticPassword(QStringLiteral("pa ss\"word"));
        Session session(settings, clock);
        QVERIFY(openAndWait(session));
        LoginJob login(&session);
        QVERIFY(runJob(login));
        QVERIFY(!login.error());
        QCOMPARE(login.usedMechanism(), LoginJob::Mechanism::Login);
        QVERIFY(session.capabilities().idle()); // untagged CAPABILITY during LOGIN, no extra command
        VERIFY_SCRIPT(server);
    }

    void login_nonAsciiPassword_goesAsLiteralAndIsRedactedInLog()
    {
        QBuffer log;
        log.open(QIODevice::ReadWrite);
        ScriptedServer server(greeting(QString()) + QStringLiteral("C: A001 LOGIN alice {12}\n"
                                                                   "S: + go on\n"
                                                                   "C: пароль\n"
                                                                   "S: A001 OK [CAPABILITY IMAP4rev1] in\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        SessionSettings settings = scriptedSettings(server.port(), Security::ImplicitTls, &log);
        settings.credentials = staticPassword(QStringLiteral("пароль"));
        Session session(settings, clock);
        QVERIFY(openAndWait(session));
        LoginJob login(&session);
        QVERIFY(runJob(login));
        QVERIFY(!login.error());
        VERIFY_SCRIPT(server);
        QVERIFY(log.data().contains("C: A001 LOGIN ***\nS: + go on\nC: ***\n"));
        QVERIFY(!log.data().contains(QStringLiteral("пароль").toUtf8()));
        QVERIFY(!log.data().contains("alice"));
    }

    void login_loginDisabledWithoutPlain_failsWithoutSendingAnything()
    {
        Fixture f(greeting(QStringLiteral("LOGINDISABLED AUTH=GSSAPI")));
        QVERIFY(f.open());
        LoginJob login(&f.session);
        QVERIFY(runJob(login));
        QCOMPARE(login.error().kind, Error::Kind::Authentication);
        QVERIFY(login.error().detail.contains(QStringLiteral("LOGINDISABLED")));
        VERIFY_SCRIPT(f.server);
    }

    void login_refused_isAuthenticationErrorWithServerText()
    {
        Fixture f(greeting(QStringLiteral("AUTH=PLAIN SASL-IR")) +
                  QStringLiteral("C: A001 AUTHENTICATE PLAIN AGFsaWNlAHMzY3JldC1QYTU1\n"
                                 "S: A001 NO [AUTHENTICATIONFAILED] Authentication failed.\n"));
        QVERIFY(f.open());
        LoginJob login(&f.session);
        QVERIFY(runJob(login));
        QCOMPARE(login.error().kind, Error::Kind::Authentication);
        QCOMPARE(login.error().serverText, QStringLiteral("Authentication failed."));
        QCOMPARE(login.error().responseCode, QByteArray("AUTHENTICATIONFAILED"));
        QCOMPARE(f.session.state(), Session::State::NotAuthenticated);
        VERIFY_SCRIPT(f.server);
    }

    void login_xoauth2Token_sendsBearerAndAnswersErrorChallengeWithEmptyLine()
    {
        const QByteArray ir = QByteArray("user=alice\x01"
                                         "auth=Bearer tok-123\x01\x01")
                                  .toBase64();
        ScriptedServer server(greeting(QStringLiteral("AUTH=XOAUTH2 SASL-IR")) +
                                  QStringLiteral("C: A001 AUTHENTICATE XOAUTH2 %1\n"
                                                 "S: + eyJzdGF0dXMiOiI0MDEifQ==\n"
                                                 "C: \n"
                                                 "S: A001 NO [AUTHENTICATIONFAILED] invalid token\n")
                                      .arg(QString::fromLatin1(ir)),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        SessionSettings settings = scriptedSettings(server.port(), Security::ImplicitTls);
        settings.credentials = staticOAuth2Token(QStringLiteral("tok-123"));
        Session session(settings, clock);
        QVERIFY(openAndWait(session));
        LoginJob login(&session);
        QVERIFY(runJob(login));
        QCOMPARE(login.usedMechanism(), LoginJob::Mechanism::XOAuth2);
        QCOMPARE(login.error().kind, Error::Kind::Authentication);
        VERIFY_SCRIPT(server);
    }

    void login_asyncCredentialProvider_isWaitedFor()
    {
        Fixture f(loggedIn(QStringLiteral("IDLE")));
        QVERIFY(f.open());
        LoginJob login(&f.session);
        login.setCredentialProvider([](CredentialReply reply) {
            QTimer::singleShot(0, [reply] { reply(Credential{Credential::Kind::Password, Password}); });
        });
        QVERIFY(runJob(login));
        QVERIFY(!login.error());
        VERIFY_SCRIPT(f.server);
    }

    void login_credentialProviderError_isReported()
    {
        Fixture f(greeting(QStringLiteral("AUTH=PLAIN")));
        QVERIFY(f.open());
        LoginJob login(&f.session);
        login.setCredentialProvider([](CredentialReply reply) {
            reply(Error::make(Error::Kind::Cancelled, QStringLiteral("keychain locked")));
        });
        QVERIFY(runJob(login));
        QCOMPARE(login.error().kind, Error::Kind::Cancelled);
        VERIFY_SCRIPT(f.server);
    }

    void login_plaintextConnection_refusedUnlessSecurityNone()
    {
        ScriptedServer server(greeting(QStringLiteral("AUTH=PLAIN SASL-IR")) +
                              QStringLiteral("C: A001 AUTHENTICATE PLAIN AGFsaWNlAHMzY3JldC1QYTU1\n"
                                             "S: A001 OK [CAPABILITY IMAP4rev1] ok\n"));
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::None), clock);
        QVERIFY(openAndWait(session));
        QVERIFY(!session.isEncrypted());
        LoginJob login(&session);
        QVERIFY(runJob(login));
        QVERIFY(!login.error()); // the person chose no encryption explicitly
        VERIFY_SCRIPT(server);
    }

    // ---- enable, id, capability ---------------------------------------------------------------

    void enable_condstoreQresync_recordsEnabled()
    {
        Fixture f(loggedIn(FullCaps) + QStringLiteral("C: A002 ENABLE CONDSTORE QRESYNC\n"
                                                      "S: * ENABLED CONDSTORE QRESYNC\n"
                                                      "S: A002 OK\n"));
        QVERIFY(f.ready());
        EnableJob enable(&f.session);
        enable.setExtensions({"CONDSTORE", "QRESYNC", "UTF8=ACCEPT"}); // UTF8=ACCEPT not offered
        QVERIFY(runJob(enable));
        QVERIFY(!enable.error());
        QCOMPARE(enable.enabled(), (QList<QByteArray>{"CONDSTORE", "QRESYNC"}));
        QVERIFY(f.session.isEnabled("QRESYNC"));
        QVERIFY(!f.session.isEnabled("UTF8=ACCEPT"));
        VERIFY_SCRIPT(f.server);
    }

    void enable_utf8Accept_switchesMailboxNamesToUtf8()
    {
        Fixture f(loggedIn(QStringLiteral("ENABLE UTF8=ACCEPT")) +
                  QStringLiteral("C: A002 ENABLE UTF8=ACCEPT\n"
                                 "S: * ENABLED UTF8=ACCEPT\n"
                                 "S: A002 OK\n"
                                 "C: A003 CREATE \"Входящие\"\n"
                                 "S: A003 OK\n"));
        QVERIFY(f.ready());
        EnableJob enable(&f.session);
        enable.setExtensions({"UTF8=ACCEPT"});
        QVERIFY(runJob(enable));
        CreateJob create(&f.session);
        create.setMailbox(QStringLiteral("Входящие"));
        QVERIFY(runJob(create));
        QVERIFY(!create.error());
        VERIFY_SCRIPT(f.server);
    }

    void id_sendsClientFieldsAndReadsServerId()
    {
        ScriptedServer server(loggedIn(FullCaps) +
                                  QStringLiteral("C: A002 ID (\"name\" \"Tidings\" \"version\" \"0.1\")\n"
                                                 "S: * ID (\"name\" \"Dovecot\" \"support-url\" NIL)\n"
                                                 "S: A002 OK\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        SessionSettings settings = scriptedSettings(server.port(), Security::ImplicitTls);
        settings.clientId = {{"name", "Tidings"}, {"version", "0.1"}};
        Session session(settings, clock);
        QVERIFY(openAndWait(session));
        LoginJob login(&session);
        QVERIFY(runJob(login));
        IdJob id(&session);
        QVERIFY(runJob(id));
        QVERIFY(!id.error());
        QCOMPARE(id.serverId().size(), 2);
        QCOMPARE(id.serverId().first().second, std::optional<QByteArray>("Dovecot"));
        QCOMPARE(id.serverId().last().second, std::nullopt);
        VERIFY_SCRIPT(server);
    }

    void capability_job_updatesSessionCapabilities()
    {
        Fixture f(loggedIn(QStringLiteral("IDLE")) + QStringLiteral("C: A002 CAPABILITY\n"
                                                                    "S: * CAPABILITY IMAP4rev1 IDLE MOVE\n"
                                                                    "S: A002 OK\n"));
        QVERIFY(f.ready());
        CapabilityJob caps(&f.session);
        QVERIFY(runJob(caps));
        QVERIFY(caps.capabilities().move());
        QVERIFY(f.session.capabilities().move());
        VERIFY_SCRIPT(f.server);
    }

    // ---- mailboxes ---------------------------------------------------------------------------

    void list_specialUseAndStatusReturn_collectsBoth()
    {
        Fixture f(loggedIn(FullCaps) +
                  QStringLiteral("C: A002 LIST \"\" \"*\" RETURN (SPECIAL-USE STATUS (MESSAGES UNSEEN))\n"
                                 "S: * LIST (\\\\HasNoChildren) \"/\" INBOX\n"
                                 "S: * STATUS INBOX (MESSAGES 3 UNSEEN 1)\n"
                                 "S: * LIST (\\\\Sent \\\\HasNoChildren) \"/\" Sent\n"
                                 "S: * STATUS Sent (MESSAGES 0 UNSEEN 0)\n"
                                 "S: A002 OK done\n"));
        QVERIFY(f.ready());
        ListJob list(&f.session);
        list.setReturnSpecialUse(true);
        list.setReturnStatus({"MESSAGES", "UNSEEN"});
        QVERIFY(runJob(list));
        QVERIFY(!list.error());
        QCOMPARE(list.entries().size(), 2);
        QVERIFY(list.entries().last().hasAttribute("\\Sent"));
        QCOMPARE(list.entries().last().delimiter, '/');
        QCOMPARE(list.statuses().size(), 2);
        QCOMPARE(list.statuses().first().messages, std::optional<std::uint32_t>(3));
        VERIFY_SCRIPT(f.server);
    }

    void list_withoutExtensions_leavesReturnOptionsOut()
    {
        Fixture f(loggedIn(QStringLiteral("IDLE")) + QStringLiteral("C: A002 LIST \"\" \"*\"\n"
                                                                    "S: A002 OK done\n"));
        QVERIFY(f.ready());
        ListJob list(&f.session);
        list.setReturnSpecialUse(true);
        list.setReturnStatus({"MESSAGES"});
        QVERIFY(runJob(list));
        QVERIFY(!list.error());
        VERIFY_SCRIPT(f.server);
    }

    void status_defaultItems_includeHighestModSeqUnderCondstore()
    {
        Fixture f(loggedIn(FullCaps) +
                  QStringLiteral(
                      "C: A002 STATUS Archive (MESSAGES UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)\n"
                      "S: * STATUS Archive (MESSAGES 4 UIDNEXT 9 UIDVALIDITY 77 UNSEEN 2 HIGHESTMODSEQ 300)\n"
                      "S: A002 OK\n"));
        QVERIFY(f.ready());
        StatusJob status(&f.session);
        status.setMailbox(QStringLiteral("Archive"));
        QVERIFY(runJob(status));
        QCOMPARE(status.status().uidValidity, std::optional<std::uint32_t>(77));
        QCOMPARE(status.status().highestModSeq, std::optional<std::uint64_t>(300));
        VERIFY_SCRIPT(f.server);
    }

    void mailboxCommands_encodeNamesInModifiedUtf7()
    {
        Fixture f(loggedIn(FullCaps) + QStringLiteral("C: A002 CREATE &BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-\n"
                                                      "S: A002 OK\n"
                                                      "C: A003 RENAME \"Old Stuff\" Archive/2025\n"
                                                      "S: A003 OK\n"
                                                      "C: A004 SUBSCRIBE Archive/2025\n"
                                                      "S: A004 OK\n"
                                                      "C: A005 UNSUBSCRIBE Archive/2025\n"
                                                      "S: A005 OK\n"
                                                      "C: A006 DELETE Archive/2025\n"
                                                      "S: A006 NO [NONEXISTENT] no such mailbox\n"));
        QVERIFY(f.ready());
        CreateJob create(&f.session);
        create.setMailbox(QStringLiteral("Отправленные"));
        QVERIFY(runJob(create));
        QVERIFY(!create.error());
        RenameJob rename(&f.session);
        rename.setMailbox(QStringLiteral("Old Stuff"));
        rename.setNewName(QStringLiteral("Archive/2025"));
        QVERIFY(runJob(rename));
        QVERIFY(!rename.error());
        SubscribeJob subscribe(&f.session);
        subscribe.setMailbox(QStringLiteral("Archive/2025"));
        QVERIFY(runJob(subscribe));
        SubscribeJob unsubscribe(&f.session);
        unsubscribe.setMailbox(QStringLiteral("Archive/2025"));
        unsubscribe.setSubscribe(false);
        QVERIFY(runJob(unsubscribe));
        DeleteJob del(&f.session);
        del.setMailbox(QStringLiteral("Archive/2025"));
        QVERIFY(runJob(del));
        QCOMPARE(del.error().kind, Error::Kind::ServerNo);
        QCOMPARE(del.error().responseCode, QByteArray("NONEXISTENT"));
        QCOMPARE(del.error().serverText, QStringLiteral("no such mailbox"));
        VERIFY_SCRIPT(f.server);
    }

    void mailboxName_withLineBreak_isRefusedBeforeTheWire()
    {
        Fixture f(loggedIn(FullCaps));
        QVERIFY(f.ready());
        CreateJob create(&f.session);
        create.setMailbox(QStringLiteral("evil\r\nA999 LOGOUT"));
        QVERIFY(runJob(create));
        QCOMPARE(create.error().kind, Error::Kind::Protocol);
        VERIFY_SCRIPT(f.server);
        QCOMPARE(f.session.state(), Session::State::Authenticated);
    }

    void select_condstore_tracksMailboxState()
    {
        Fixture f(loggedIn(FullCaps) + QStringLiteral("C: A002 SELECT INBOX (CONDSTORE)\n"
                                                      "S: * FLAGS (\\\\Answered \\\\Seen $Junk)\n"
                                                      "S: * 172 EXISTS\n"
                                                      "S: * 1 RECENT\n"
                                                      "S: * OK [UNSEEN 12] first unseen\n"
                                                      "S: * OK [UIDVALIDITY 3857529045] UIDs valid\n"
                                                      "S: * OK [UIDNEXT 4392] next\n"
                                                      "S: * OK [HIGHESTMODSEQ 715194045007] modseq\n"
                                                      "S: * OK [PERMANENTFLAGS (\\\\Seen \\\\*)] limited\n"
                                                      "S: A002 OK [READ-WRITE] SELECT completed\n"));
        QVERIFY(f.ready());
        QSignalSpy changed(&f.session, &Session::mailboxChanged);
        SelectJob select(&f.session);
        select.setMailbox(QStringLiteral("inbox"));
        select.setCondStore(true);
        QVERIFY(runJob(select));
        QVERIFY(!select.error());
        const SelectedMailbox &m = f.session.selectedMailbox();
        QCOMPARE(f.session.state(), Session::State::Selected);
        QCOMPARE(m.name, QByteArray("INBOX"));
        QCOMPARE(m.exists, 172u);
        QCOMPARE(m.recent, 1u);
        QCOMPARE(m.unseen, 12u);
        QCOMPARE(m.uidValidity, 3857529045u);
        QCOMPARE(m.uidNext, 4392u);
        QCOMPARE(m.highestModSeq, 715194045007ull);
        QCOMPARE(m.permanentFlags, (QList<QByteArray>{"\\Seen", "\\*"}));
        QCOMPARE(m.flags.size(), 3);
        QVERIFY(!m.readOnly);
        QCOMPARE(select.mailbox(), m);
        QVERIFY(changed.count() >= 1);
        VERIFY_SCRIPT(f.server);
    }

    void examine_isReadOnly()
    {
        Fixture f(loggedIn(FullCaps) + QStringLiteral("C: A002 EXAMINE Archive\n"
                                                      "S: * 2 EXISTS\n"
                                                      "S: * OK [NOMODSEQ] none\n"
                                                      "S: A002 OK [READ-ONLY] done\n"));
        QVERIFY(f.ready());
        SelectJob examine(&f.session);
        examine.setMailbox(QStringLiteral("Archive"));
        examine.setReadOnly(true);
        QVERIFY(runJob(examine));
        QVERIFY(f.session.selectedMailbox().readOnly);
        QVERIFY(f.session.selectedMailbox().noModSeq);
        VERIFY_SCRIPT(f.server);
    }

    void select_qresync_collectsVanishedAndChanges()
    {
        Fixture f(loggedIn(FullCaps) +
                  QStringLiteral("C: A002 ENABLE QRESYNC\n"
                                 "S: * ENABLED QRESYNC\n"
                                 "S: A002 OK\n"
                                 "C: A003 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211))\n"
                                 "S: * 314 EXISTS\n"
                                 "S: * OK [UIDVALIDITY 67890007] ok\n"
                                 "S: * OK [HIGHESTMODSEQ 20050715194045319] ok\n"
                                 "S: * VANISHED (EARLIER) 41,43:116,118\n"
                                 "S: * 49 FETCH (UID 117 FLAGS (\\\\Seen) MODSEQ (90060115194045001))\n"
                                 "S: A003 OK [READ-WRITE] done\n"));
        QVERIFY(f.ready());
        EnableJob enable(&f.session);
        enable.setExtensions({"QRESYNC"});
        QVERIFY(runJob(enable));
        QSignalSpy changed(&f.session, &Session::messageChanged);
        SelectJob select(&f.session);
        select.setMailbox(QStringLiteral("INBOX"));
        UidSet known;
        known.insert(41);
        known.insert(43, 211);
        select.setQResync({67890007, 20050715194045000ull, known});
        QVERIFY(runJob(select));
        QVERIFY(!select.error());
        QCOMPARE(select.vanished().size(), quint64(1 + 74 + 1));
        QCOMPARE(select.changes().size(), 1);
        QCOMPARE(select.changes().first().uid, std::optional<std::uint32_t>(117));
        QCOMPARE(changed.count(), 0);                       // the job claimed it
        QCOMPARE(f.session.selectedMailbox().exists, 314u); // EARLIER does not change EXISTS
        VERIFY_SCRIPT(f.server);
    }

    void select_qresyncWithoutEnable_isRefusedLocally()
    {
        Fixture f(loggedIn(FullCaps));
        QVERIFY(f.ready());
        SelectJob select(&f.session);
        select.setMailbox(QStringLiteral("INBOX"));
        select.setQResync({1, 2, {}});
        QVERIFY(runJob(select));
        QCOMPARE(select.error().kind, Error::Kind::Config);
        VERIFY_SCRIPT(f.server);
    }

    void select_failure_leavesNoMailboxSelected()
    {
        Fixture f(selected() + QStringLiteral("C: A003 SELECT Gone\n"
                                              "S: A003 NO [NONEXISTENT] no such mailbox\n"));
        QVERIFY(f.readySelected());
        SelectJob select(&f.session);
        select.setMailbox(QStringLiteral("Gone"));
        QVERIFY(runJob(select));
        QCOMPARE(select.error().kind, Error::Kind::ServerNo);
        QCOMPARE(f.session.state(), Session::State::Authenticated);
        QCOMPARE(f.session.selectedMailbox(), SelectedMailbox{});
        VERIFY_SCRIPT(f.server);
    }

    // ---- fetch --------------------------------------------------------------------------------

    void fetch_fullScope_buildsItemsAndModifiers()
    {
        Fixture f(selected() +
                  QStringLiteral("C: A003 ENABLE QRESYNC\nS: * ENABLED QRESYNC\nS: A003 OK\n"
                                 "C: A004 UID FETCH 1:5 (UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE "
                                 "INTERNALDATE MODSEQ BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)] "
                                 "BODY.PEEK[1]<0.1024>) (CHANGEDSINCE 12345 VANISHED)\n"
                                 "S: * VANISHED (EARLIER) 2\n"
                                 "S: * 1 FETCH (UID 1 FLAGS (\\\\Seen) RFC822.SIZE 2048 MODSEQ (12400) "
                                 "INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
                                 "BODY[HEADER.FIELDS (SUBJECT FROM)] {15}\n"
                                 "S: Subject: hi\\r\\n\\r\\n BODY[1]<0> {5}\n"
                                 "S+ hello)\\r\\n\n"
                                 "S: A004 OK done\n"));
        QVERIFY(f.readySelected());
        EnableJob enable(&f.session);
        enable.setExtensions({"QRESYNC"});
        QVERIFY(runJob(enable));
        FetchScope scope;
        scope.flags = scope.envelope = scope.bodyStructure = scope.size = scope.internalDate = scope.modSeq =
            true;
        scope.headerFields = {"Subject", "From"};
        scope.bodySection = QByteArray("1");
        scope.partial = std::pair<std::uint32_t, std::uint32_t>(0, 1024);
        scope.changedSince = 12345;
        scope.vanished = true;
        FetchJob fetch(&f.session);
        fetch.setUids(UidSet::range(1, 5));
        fetch.setScope(scope);
        QSignalSpy each(&fetch, &FetchJob::messageFetched);
        QVERIFY(runJob(fetch));
        QVERIFY2(!fetch.error(), qPrintable(fetch.error().toString()));
        QCOMPARE(fetch.vanished(), UidSet{2});
        QCOMPARE(fetch.messages().size(), 1);
        QCOMPARE(each.count(), 1);
        const Fetch &m = fetch.messages().first();
        QCOMPARE(m.rfc822Size, std::optional<std::uint64_t>(2048));
        QCOMPARE(m.modSeq, std::optional<std::uint64_t>(12400));
        QVERIFY(m.internalDate);
        const BodySection *body = m.findSection("1");
        QVERIFY(body);
        QCOMPARE(body->data, QByteArray("hello"));
        QCOMPARE(body->origin, std::optional<std::uint32_t>(0));
        VERIFY_SCRIPT(f.server);
    }

    void fetch_bodyIntoSink_streamsContent()
    {
        Fixture f(selected() + QStringLiteral("C: A003 UID FETCH 7 (UID BODY.PEEK[])\n"
                                              "S: * 3 FETCH (UID 7 BODY[] {11}\n"
                                              "S+ hello world)\\r\\n\n"
                                              "S: A003 OK\n"));
        QVERIFY(f.readySelected());
        QBuffer sinkDevice;
        sinkDevice.open(QIODevice::ReadWrite);
        DeviceBodySink sink(&sinkDevice);
        FetchJob fetch(&f.session);
        fetch.setUids(UidSet{7});
        FetchScope scope;
        scope.bodySection = QByteArray();
        fetch.setScope(scope);
        fetch.setBodySink(&sink);
        QCOMPARE(fetch.concurrency(), Job::Concurrency::Exclusive);
        QVERIFY(runJob(fetch));
        QVERIFY(!fetch.error());
        QCOMPARE(sinkDevice.data(), QByteArray("hello world"));
        QCOMPARE(sink.bytesWritten(), 11u);
        QCOMPARE(fetch.messages().size(), 1);
        QVERIFY(fetch.messages().first().sections.first().streamed);
        VERIFY_SCRIPT(f.server);
    }

    void fetch_unsolicitedFetchForOtherUid_goesToSessionSignal()
    {
        Fixture f(selected() + QStringLiteral("C: A003 UID FETCH 7 (UID FLAGS)\n"
                                              "S: * 9 FETCH (FLAGS (\\\\Deleted))\n"
                                              "S: * 3 FETCH (UID 7 FLAGS ())\n"
                                              "S: A003 OK\n"));
        QVERIFY(f.readySelected());
        QSignalSpy changed(&f.session, &Session::messageChanged);
        FetchJob fetch(&f.session);
        fetch.setUids(UidSet{7});
        FetchScope scope;
        scope.flags = true;
        fetch.setScope(scope);
        QVERIFY(runJob(fetch));
        QCOMPARE(fetch.messages().size(), 1);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.first().first().value<Fetch>().seq, 9u);
        VERIFY_SCRIPT(f.server);
    }

    void fetch_withoutSelectedMailbox_isRefusedLocally()
    {
        Fixture f(loggedIn(FullCaps));
        QVERIFY(f.ready());
        FetchJob fetch(&f.session);
        fetch.setUids(UidSet{1});
        QVERIFY(runJob(fetch));
        QCOMPARE(fetch.error().kind, Error::Kind::Config);
        VERIFY_SCRIPT(f.server);
    }

    // ---- store, search, copy, move, expunge, append -----------------------------------------

    void store_addSilentWithUnchangedSince_reportsModified()
    {
        Fixture f(selected() +
                  QStringLiteral("C: A003 UID STORE 1:3 (UNCHANGEDSINCE 200) +FLAGS.SILENT (\\\\Seen)\n"
                                 "S: * 1 FETCH (UID 1 MODSEQ (201))\n"
                                 "S: * 3 FETCH (UID 3 MODSEQ (202))\n"
                                 "S: A003 OK [MODIFIED 2] conditional store failed for some\n"
                                 "C: A004 UID STORE 4 -FLAGS.SILENT (\\\\Flagged $Label1)\n"
                                 "S: A004 OK\n"));
        QVERIFY(f.readySelected());
        StoreJob store(&f.session);
        store.setUids(UidSet::range(1, 3));
        store.setFlags({"\\Seen"});
        store.setUnchangedSince(200);
        QVERIFY(runJob(store));
        QVERIFY(!store.error());
        QCOMPARE(store.modified(), UidSet{2});
        QCOMPARE(store.changes().size(), 2);
        StoreJob remove(&f.session);
        remove.setUids(UidSet{4});
        remove.setMode(StoreJob::Mode::Remove);
        remove.setFlags({"\\Flagged", "$Label1"});
        QVERIFY(runJob(remove));
        QVERIFY(!remove.error());
        VERIFY_SCRIPT(f.server);
    }

    void search_esearch_returnsUidSetAndCount()
    {
        Fixture f(selected() +
                  QStringLiteral("C: A003 UID SEARCH RETURN (ALL COUNT) UNSEEN SUBJECT \"report\"\n"
                                 "S: * ESEARCH (TAG \"A003\") UID COUNT 3 ALL 4:6\n"
                                 "S: A003 OK\n"));
        QVERIFY(f.readySelected());
        SearchJob search(&f.session);
        search.setCriteria("UNSEEN");
        search.addText("SUBJECT", QStringLiteral("report"));
        QVERIFY(runJob(search));
        QVERIFY(!search.error());
        QVERIFY(search.usedESearch());
        QCOMPARE(search.results(), UidSet::range(4, 6));
        QCOMPARE(search.count(), 3u);
        VERIFY_SCRIPT(f.server);
    }

    void search_withoutEsearch_nonAsciiTextUsesCharsetAndLiteral()
    {
        Fixture f(selected(QStringLiteral("IDLE")) +
                  QStringLiteral("C: A003 UID SEARCH CHARSET UTF-8 SUBJECT {10}\n"
                                 "S: + go\n"
                                 "C: Отчёт\n"
                                 "S: * SEARCH 2 5\n"
                                 "S: A003 OK\n"));
        QVERIFY(f.readySelected());
        SearchJob search(&f.session);
        search.addText("SUBJECT", QStringLiteral("Отчёт"));
        QVERIFY(runJob(search));
        QVERIFY(!search.error());
        QVERIFY(!search.usedESearch());
        QCOMPARE(search.results(), (UidSet{2, 5}));
        VERIFY_SCRIPT(f.server);
    }

    void copy_readsCopyUid()
    {
        Fixture f(selected() + QStringLiteral("C: A003 UID COPY 3:4 Archive\n"
                                              "S: A003 OK [COPYUID 38505 3:4 101:102] done\n"));
        QVERIFY(f.readySelected());
        CopyJob copy(&f.session);
        copy.setUids(UidSet::range(3, 4));
        copy.setDestination(QStringLiteral("Archive"));
        QVERIFY(runJob(copy));
        QCOMPARE(copy.destinationUidValidity(), 38505u);
        QCOMPARE(copy.destinationUids(), UidSet::range(101, 102));
        VERIFY_SCRIPT(f.server);
    }

    void move_withMoveCapability_usesUidMove()
    {
        Fixture f(selected() + QStringLiteral("C: A003 UID MOVE 5 Trash\n"
                                              "S: * OK [COPYUID 9 5 17] moved\n"
                                              "S: * 4 EXPUNGE\n"
                                              "S: A003 OK done\n"));
        QVERIFY(f.readySelected());
        QSignalSpy expunged(&f.session, &Session::expungeReceived);
        MoveJob move(&f.session);
        move.setUids(UidSet{5});
        move.setDestination(QStringLiteral("Trash"));
        QVERIFY(runJob(move));
        QVERIFY(!move.error());
        QVERIFY(move.usedMove());
        QVERIFY(move.sourceExpunged());
        QCOMPARE(move.destinationUids(), UidSet{17});
        QCOMPARE(expunged.count(), 1);
        QCOMPARE(f.session.selectedMailbox().exists, 9u);
        VERIFY_SCRIPT(f.server);
    }

    void move_withoutMove_copiesFlagsDeletedAndUidExpunges()
    {
        Fixture f(selected(QStringLiteral("UIDPLUS")) +
                  QStringLiteral("C: A003 UID COPY 5:6 Trash\n"
                                 "S: A003 OK [COPYUID 9 5:6 17:18] copied\n"
                                 "C: A004 UID STORE 5:6 +FLAGS.SILENT (\\\\Deleted)\n"
                                 "S: A004 OK\n"
                                 "C: A005 UID EXPUNGE 5:6\n"
                                 "S: * 4 EXPUNGE\n"
                                 "S: * 4 EXPUNGE\n"
                                 "S: A005 OK\n"));
        QVERIFY(f.readySelected());
        MoveJob move(&f.session);
        move.setUids(UidSet::range(5, 6));
        move.setDestination(QStringLiteral("Trash"));
        QVERIFY(runJob(move));
        QVERIFY(!move.error());
        QVERIFY(!move.usedMove());
        QVERIFY(move.sourceExpunged());
        QCOMPARE(move.destinationUids(), UidSet::range(17, 18));
        QCOMPARE(f.session.selectedMailbox().exists, 8u);
        VERIFY_SCRIPT(f.server);
    }

    void move_withoutMoveOrUidplus_leavesOriginalsDeletedFlagged()
    {
        Fixture f(selected(QStringLiteral("IDLE")) +
                  QStringLiteral("C: A003 UID COPY 5 Trash\n"
                                 "S: A003 OK copied\n"
                                 "C: A004 UID STORE 5 +FLAGS.SILENT (\\\\Deleted)\n"
                                 "S: A004 OK\n"));
        QVERIFY(f.readySelected());
        MoveJob move(&f.session);
        move.setUids(UidSet{5});
        move.setDestination(QStringLiteral("Trash"));
        QVERIFY(runJob(move));
        QVERIFY(!move.error());
        QVERIFY(!move.sourceExpunged());
        VERIFY_SCRIPT(f.server);
    }

    void expunge_collectsSequenceNumbers()
    {
        Fixture f(selected() + QStringLiteral("C: A003 EXPUNGE\n"
                                              "S: * 3 EXPUNGE\n"
                                              "S: * 3 EXPUNGE\n"
                                              "S: * 5 EXPUNGE\n"
                                              "S: A003 OK\n"
                                              "C: A004 UID EXPUNGE 10:11\n"
                                              "S: A004 OK\n"));
        QVERIFY(f.readySelected());
        ExpungeJob expunge(&f.session);
        QVERIFY(runJob(expunge));
        QCOMPARE(expunge.expungedSequenceNumbers(), (QList<std::uint32_t>{3, 3, 5}));
        QCOMPARE(f.session.selectedMailbox().exists, 7u);
        ExpungeJob uidExpunge(&f.session);
        uidExpunge.setUids(UidSet::range(10, 11));
        QVERIFY(runJob(uidExpunge));
        QVERIFY(!uidExpunge.error());
        VERIFY_SCRIPT(f.server);
    }

    void append_withFlagsAndDate_waitsForContinuationAndReadsAppendUid()
    {
        Fixture f(loggedIn(FullCaps) +
                  QStringLiteral("C: A002 APPEND Sent (\\\\Seen) \"05-Mar-2026 09:07:03 +0100\" {21}\n"
                                 "S: + Ready for literal data\n"
                                 "C: Subject: hi\n"
                                 "C: \n"
                                 "C: body\n"
                                 "C: \n"
                                 "S: A002 OK [APPENDUID 38505 3955] APPEND completed\n"));
        QVERIFY(f.ready());
        AppendJob append(&f.session);
        append.setMailbox(QStringLiteral("Sent"));
        append.setFlags({"\\Seen"});
        append.setInternalDate(QDateTime(QDate(2026, 3, 5), QTime(9, 7, 3), QTimeZone(3600)));
        append.setContent("Subject: hi\r\n\r\nbody\r\n");
        QVERIFY(runJob(append));
        QVERIFY2(!append.error(), qPrintable(append.error().toString()));
        QCOMPARE(append.uidValidity(), 38505u);
        QCOMPARE(append.uid(), 3955u);
        VERIFY_SCRIPT(f.server);
    }

    void append_refusedBeforeLiteral_doesNotSendTheMessage()
    {
        Fixture f(loggedIn(FullCaps) + QStringLiteral("C: A002 APPEND Sent {6}\n"
                                                      "S: A002 NO [OVERQUOTA] mailbox full\n"
                                                      "C: A003 NOOP\n"
                                                      "S: A003 OK\n"));
        QVERIFY(f.ready());
        AppendJob append(&f.session);
        append.setMailbox(QStringLiteral("Sent"));
        append.setContent("x\r\ny\r\n");
        QVERIFY(runJob(append));
        QCOMPARE(append.error().kind, Error::Kind::ServerNo);
        QCOMPARE(append.error().responseCode, QByteArray("OVERQUOTA"));
        NoopJob noop(&f.session);
        QVERIFY(runJob(noop));
        QVERIFY(!noop.error());
        VERIFY_SCRIPT(f.server);
    }

    void append_literalPlus_sendsInOneGo()
    {
        Fixture f(loggedIn(QStringLiteral("LITERAL+")) + QStringLiteral("C: A002 APPEND INBOX {3+}\n"
                                                                        "C: abc\n"
                                                                        "S: A002 OK done\n"));
        QVERIFY(f.ready());
        AppendJob append(&f.session);
        append.setMailbox(QStringLiteral("INBOX"));
        append.setContent("abc");
        QVERIFY(runJob(append));
        QVERIFY(!append.error());
        QCOMPARE(append.uid(), 0u);
        VERIFY_SCRIPT(f.server);
    }

    void badResponse_isServerBadError()
    {
        Fixture f(selected() + QStringLiteral("C: A003 UID FETCH 1 (UID FLAGS)\n"
                                              "S: A003 BAD [CLIENTBUG] what is that\n"));
        QVERIFY(f.readySelected());
        FetchJob fetch(&f.session);
        fetch.setUids(UidSet{1});
        QVERIFY(runJob(fetch));
        QCOMPARE(fetch.error().kind, Error::Kind::ServerBad);
        QCOMPARE(fetch.error().responseCode, QByteArray("CLIENTBUG"));
        QCOMPARE(f.session.state(), Session::State::Selected);
        VERIFY_SCRIPT(f.server);
    }

    // ---- logout -------------------------------------------------------------------------------

    void logout_byeAndOk_disconnectsWithoutError()
    {
        Fixture f(loggedIn(FullCaps) + QStringLiteral("C: A002 LOGOUT\n"
                                                      "S: * BYE see you\n"
                                                      "S: A002 OK done\n"));
        QVERIFY(f.ready());
        QSignalSpy errors(&f.session, &Session::errorOccurred);
        QSignalSpy disconnected(&f.session, &Session::disconnected);
        LogoutJob logout(&f.session);
        QVERIFY(runJob(logout));
        QVERIFY(!logout.error());
        QTRY_COMPARE(disconnected.count(), 1);
        QCOMPARE(errors.count(), 0);
        QCOMPARE(f.session.byeText(), QStringLiteral("see you"));
        VERIFY_SCRIPT(f.server);
    }

    void logout_serverClosesAfterBye_isStillClean()
    {
        Fixture f(loggedIn(FullCaps) + QStringLiteral("C: A002 LOGOUT\n"
                                                      "S: * BYE see you\n"
                                                      "X\n"));
        QVERIFY(f.ready());
        QSignalSpy errors(&f.session, &Session::errorOccurred);
        LogoutJob logout(&f.session);
        QVERIFY(runJob(logout));
        QVERIFY(!logout.error());
        QTRY_COMPARE(f.session.state(), Session::State::Disconnected);
        QCOMPARE(errors.count(), 0);
        VERIFY_SCRIPT(f.server);
    }

    void jobAfterDisconnect_failsWithTheLastError()
    {
        Fixture f(loggedIn(FullCaps) + QStringLiteral("X\n"));
        QVERIFY(f.ready());
        QTRY_COMPARE(f.session.state(), Session::State::Disconnected);
        NoopJob noop(&f.session);
        QVERIFY(runJob(noop));
        QCOMPARE(noop.error().kind, Error::Kind::Network);
        VERIFY_SCRIPT(f.server);
    }

    void idle_withoutCapability_isRefusedLocally()
    {
        Fixture f(selected(QStringLiteral("UIDPLUS")));
        QVERIFY(f.readySelected());
        IdleJob idle(&f.session);
        QVERIFY(runJob(idle));
        QCOMPARE(idle.error().kind, Error::Kind::Config);
        VERIFY_SCRIPT(f.server);
    }

    // ---- NOTIFY (RFC 5465) --------------------------------------------------------------------

    void notify_setWithGroups_encodesFiltersEventsAndServerMailboxNames()
    {
        Fixture f(
            loggedIn(FullCaps + QStringLiteral(" NOTIFY")) +
            QStringLiteral(
                "C: A002 NOTIFY SET STATUS (selected (MessageNew (UID FLAGS) MessageExpunge FlagChange)) "
                "(subtree (Lists &BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-) (MessageNew MessageExpunge)) "
                "(mailboxes (\"Old mail\") NONE)\n"
                "S: * STATUS Lists (MESSAGES 3 UIDNEXT 4 UIDVALIDITY 9)\n"
                "S: A002 OK NOTIFY completed\n"));
        QVERIFY(f.ready());
        QSignalSpy statuses(&f.session, &Session::unsolicitedStatus);
        NotifyJob notify(&f.session);
        NotifyJob::EventGroup selected;
        selected.filter = NotifyJob::Filter::Selected;
        selected.events = {NotifyJob::Event::MessageNew, NotifyJob::Event::MessageExpunge,
                           NotifyJob::Event::FlagChange};
        selected.newMessageItems = {"UID", "FLAGS"};
        NotifyJob::EventGroup lists;
        lists.filter = NotifyJob::Filter::Subtree;
        lists.mailboxes = {MailboxName{"Lists", QStringLiteral("Lists")},
                           MailboxName{"&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-", QStringLiteral("Отправленные")}};
        lists.events = {NotifyJob::Event::MessageNew, NotifyJob::Event::MessageExpunge};
        NotifyJob::EventGroup quiet;
        quiet.filter = NotifyJob::Filter::Mailboxes;
        quiet.mailboxes = {MailboxName{"Old mail", QStringLiteral("Old mail")}};
        notify.setEventGroups({selected, lists, quiet});
        notify.setStatusIndicator(true);
        QVERIFY(!f.session.isNotifying());
        QVERIFY(runJob(notify));
        QVERIFY2(!notify.error(), qPrintable(notify.error().toString()));
        QVERIFY(f.session.isNotifying());
        QCOMPARE(statuses.count(), 1);
        const auto status = statuses.first().first().value<MailboxStatus>();
        QCOMPARE(status.mailbox.raw, QByteArray("Lists"));
        QCOMPARE(status.uidNext, std::optional<std::uint32_t>(4));
        VERIFY_SCRIPT(f.server);
    }

    void notify_none_endsNotifying()
    {
        Fixture f(loggedIn(FullCaps + QStringLiteral(" NOTIFY")) +
                  QStringLiteral("C: A002 NOTIFY SET (personal (MessageNew MessageExpunge MailboxName))\n"
                                 "S: A002 OK done\n"
                                 "C: A003 NOTIFY NONE\n"
                                 "S: A003 OK done\n"));
        QVERIFY(f.ready());
        NotifyJob set(&f.session);
        NotifyJob::EventGroup personal;
        personal.events = {NotifyJob::Event::MessageNew, NotifyJob::Event::MessageExpunge,
                           NotifyJob::Event::MailboxName};
        set.setEventGroups({personal});
        QVERIFY(runJob(set));
        QVERIFY(!set.error());
        QVERIFY(f.session.isNotifying());
        NotifyJob none(&f.session);
        QVERIFY(runJob(none));
        QVERIFY(!none.error());
        QVERIFY(!f.session.isNotifying());
        VERIFY_SCRIPT(f.server);
    }

    void notify_badEvent_isServerNoWithTheSupportedEvents()
    {
        Fixture f(loggedIn(FullCaps + QStringLiteral(" NOTIFY")) +
                  QStringLiteral(
                      "C: A002 NOTIFY SET (inboxes (MessageNew MessageExpunge FlagChange))\n"
                      "S: A002 NO [BADEVENT (MessageNew MessageExpunge)] FlagChange is not supported\n"));
        QVERIFY(f.ready());
        NotifyJob notify(&f.session);
        NotifyJob::EventGroup inboxes;
        inboxes.filter = NotifyJob::Filter::Inboxes;
        inboxes.events = {NotifyJob::Event::MessageNew, NotifyJob::Event::MessageExpunge,
                          NotifyJob::Event::FlagChange};
        notify.setEventGroups({inboxes});
        QVERIFY(runJob(notify));
        QCOMPARE(notify.error().kind, Error::Kind::ServerNo);
        QCOMPARE(notify.error().responseCode, QByteArray("BADEVENT"));
        QCOMPARE(notify.supportedEvents(), (QList<QByteArray>{"MessageNew", "MessageExpunge"}));
        QVERIFY(!f.session.isNotifying());
        VERIFY_SCRIPT(f.server);
    }

    void notify_rulesOfSection5_refusedBeforeTheWire_data()
    {
        QTest::addColumn<int>("filter");
        QTest::addColumn<QList<int>>("events");
        QTest::addColumn<bool>("withMailbox");
        QTest::addColumn<bool>("withItems");
        using E = NotifyJob::Event;
        using F = NotifyJob::Filter;
        QTest::newRow("new without expunge")
            << int(F::Personal) << QList<int>{int(E::MessageNew)} << false << false;
        QTest::newRow("expunge without new")
            << int(F::Personal) << QList<int>{int(E::MessageExpunge)} << false << false;
        QTest::newRow("flags alone") << int(F::Selected) << QList<int>{int(E::FlagChange)} << false << false;
        QTest::newRow("subtree without mailbox")
            << int(F::Subtree) << QList<int>{int(E::MessageNew), int(E::MessageExpunge)} << false << false;
        QTest::newRow("personal with mailbox")
            << int(F::Personal) << QList<int>{int(E::MessageNew), int(E::MessageExpunge)} << true << false;
        QTest::newRow("fetch items for other mailboxes")
            << int(F::Personal) << QList<int>{int(E::MessageNew), int(E::MessageExpunge)} << false << true;
    }

    void notify_rulesOfSection5_refusedBeforeTheWire()
    {
        QFETCH(int, filter);
        QFETCH(QList<int>, events);
        QFETCH(bool, withMailbox);
        QFETCH(bool, withItems);
        Fixture f(loggedIn(FullCaps + QStringLiteral(" NOTIFY")));
        QVERIFY(f.ready());
        NotifyJob notify(&f.session);
        NotifyJob::EventGroup group;
        group.filter = NotifyJob::Filter(filter);
        for (int e : events)
            group.events << NotifyJob::Event(e);
        if (withMailbox)
            group.mailboxes = {MailboxName{"Lists", QStringLiteral("Lists")}};
        if (withItems)
            group.newMessageItems = {"UID"};
        notify.setEventGroups({group});
        QVERIFY(runJob(notify));
        QCOMPARE(notify.error().kind, Error::Kind::Config);
        VERIFY_SCRIPT(f.server);
    }

    void notify_withoutCapability_isRefusedLocally()
    {
        Fixture f(loggedIn(FullCaps));
        QVERIFY(f.ready());
        NotifyJob notify(&f.session);
        QVERIFY(runJob(notify));
        QCOMPARE(notify.error().kind, Error::Kind::Config);
        VERIFY_SCRIPT(f.server);
    }

    void notify_notificationOverflow_isReportedAndEndsNotifying()
    {
        Fixture f(loggedIn(FullCaps + QStringLiteral(" NOTIFY")) +
                  QStringLiteral("C: A002 NOTIFY SET (personal (MessageNew MessageExpunge))\n"
                                 "S: A002 OK done\n"
                                 "S: * OK [NOTIFICATIONOVERFLOW] too many changes at once\n"));
        QVERIFY(f.ready());
        QSignalSpy overflow(&f.session, &Session::notificationOverflow);
        NotifyJob notify(&f.session);
        NotifyJob::EventGroup personal;
        personal.events = {NotifyJob::Event::MessageNew, NotifyJob::Event::MessageExpunge};
        notify.setEventGroups({personal});
        QVERIFY(runJob(notify));
        QVERIFY(!notify.error());
        QTRY_COMPARE(overflow.count(), 1);
        QCOMPARE(overflow.first().first().toString(), QStringLiteral("too many changes at once"));
        QVERIFY(!f.session.isNotifying());
        QCOMPARE(f.session.state(), Session::State::Authenticated);
        VERIFY_SCRIPT(f.server);
    }

    void status_otherMailboxDuringTheCommand_goesToTheSessionSignal()
    {
        Fixture f(loggedIn(FullCaps) + QStringLiteral("C: A002 STATUS Archive (MESSAGES UIDNEXT)\n"
                                                      "S: * STATUS Sent (MESSAGES 9 UIDNEXT 12)\n"
                                                      "S: * STATUS Archive (MESSAGES 4 UIDNEXT 9)\n"
                                                      "S: A002 OK\n"));
        QVERIFY(f.ready());
        QSignalSpy unsolicited(&f.session, &Session::unsolicitedStatus);
        StatusJob status(&f.session);
        status.setMailbox(QStringLiteral("Archive"));
        status.setItems({"MESSAGES", "UIDNEXT"});
        QVERIFY(runJob(status));
        QVERIFY(!status.error());
        QCOMPARE(status.status().mailbox.raw, QByteArray("Archive"));
        QCOMPARE(status.status().messages, std::optional<std::uint32_t>(4));
        QCOMPARE(unsolicited.count(), 1);
        QCOMPARE(unsolicited.first().first().value<MailboxStatus>().mailbox.raw, QByteArray("Sent"));
        VERIFY_SCRIPT(f.server);
    }
};

QTEST_GUILESS_MAIN(TestJobs)
#include "test_jobs.moc"
