// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/imap/fetchjob.h"
#include "core/imap/idlejob.h"
#include "core/imap/jobs.h"
#include "core/imap/loginjob.h"
#include "core/imap/protocollogger.h"
#include "core/imap/session.h"
#include "tests/imap/sessiontesthelpers.h"
#include "tests/support/scriptedserver.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Tidings;
using namespace Tidings::Imap;
using namespace Tidings::Imap::TestHelpers;
using Tidings::Test::ScriptedServer;
using namespace std::chrono_literals;

namespace {

const QString TlsGreeting = QStringLiteral(
    "S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR IDLE MOVE UIDPLUS ESEARCH CONDSTORE ENABLE] ready\n");

/// A session on implicit TLS, logged in with AUTHENTICATE PLAIN (SASL-IR), A001 used.
const QString LoggedIn =
    TlsGreeting +
    QStringLiteral("C: A001 AUTHENTICATE PLAIN AGFsaWNlAHMzY3JldC1QYTU1\n"
                   "S: A001 OK [CAPABILITY IMAP4rev1 IDLE MOVE UIDPLUS ESEARCH CONDSTORE ENABLE] welcome\n");

const QString SelectedInbox = LoggedIn + QStringLiteral("C: A002 SELECT INBOX\n"
                                                        "S: * 3 EXISTS\n"
                                                        "S: * OK [UIDVALIDITY 42] ok\n"
                                                        "S: * OK [UIDNEXT 10] ok\n"
                                                        "S: A002 OK [READ-WRITE] selected\n");

bool login(Session &session)
{
    LoginJob job(&session);
    return runJob(job) && !job.error();
}

bool selectInbox(Session &session)
{
    SelectJob job(&session);
    job.setMailbox(QStringLiteral("INBOX"));
    return runJob(job) && !job.error();
}

} // namespace

class TestSession final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void implicitTls_greetingWithCapabilities_isReadyWithoutCapabilityCommand()
    {
        ScriptedServer server(TlsGreeting, ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QSignalSpy states(&session, &Session::stateChanged);
        QVERIFY(openAndWait(session));
        QCOMPARE(session.state(), Session::State::NotAuthenticated);
        QVERIFY(session.isEncrypted());
        QVERIFY(session.capabilities().has("SASL-IR"));
        QCOMPARE(states.first().first().value<Session::State>(), Session::State::Greeting);
        VERIFY_SCRIPT(server);
    }

    void implicitTls_greetingWithoutCapabilities_asksForThem()
    {
        ScriptedServer server(QStringLiteral("S: * OK ready\n"
                                             "C: A001 CAPABILITY\n"
                                             "S: * CAPABILITY IMAP4rev1 AUTH=PLAIN\n"
                                             "S: A001 OK done\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QVERIFY(openAndWait(session));
        QCOMPARE(session.capabilities().authMechanisms(), QList<QByteArray>{"PLAIN"});
        VERIFY_SCRIPT(server);
    }

    void startTls_upgradesAndDiscardsPlaintextCapabilities()
    {
        ScriptedServer server(
            QStringLiteral("S: * OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED X-PLAIN-ONLY] hi\n"
                           "C: A001 STARTTLS\n"
                           "S: A001 OK Begin TLS\n"
                           "TLS\n"
                           "C: A002 CAPABILITY\n"
                           "S: * CAPABILITY IMAP4rev1 AUTH=PLAIN\n"
                           "S: A002 OK done\n"));
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::StartTls), clock);
        QVERIFY(openAndWait(session));
        QVERIFY(session.isEncrypted());
        QVERIFY(!session.capabilities().has("X-PLAIN-ONLY"));
        QVERIFY(!session.capabilities().loginDisabled());
        QVERIFY(session.capabilities().has("AUTH=PLAIN"));
        VERIFY_SCRIPT(server);
    }

    void startTls_capabilityAskedBeforeUpgradeWhenGreetingHasNone()
    {
        ScriptedServer server(QStringLiteral("S: * OK hi\n"
                                             "C: A001 CAPABILITY\n"
                                             "S: * CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\n"
                                             "S: A001 OK done\n"
                                             "C: A002 STARTTLS\n"
                                             "S: A002 OK go\n"
                                             "TLS\n"
                                             "C: A003 CAPABILITY\n"
                                             "S: * CAPABILITY IMAP4rev1 AUTH=PLAIN\n"
                                             "S: A003 OK done\n"));
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::StartTls), clock);
        QVERIFY(openAndWait(session));
        QVERIFY(!session.capabilities().startTls());
        VERIFY_SCRIPT(server);
    }

    void startTls_notOffered_failsBeforeAnyCredential()
    {
        ScriptedServer server(QStringLiteral("S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] plaintext only\n"));
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::StartTls), clock);
        LoginJob login(&session);
        login.setAutoDelete(false);
        QSignalSpy loginDone(&login, &Job::finished);
        session.open();
        login.start();
        const Error e = waitForError(session);
        QCOMPARE(e.kind, Error::Kind::Tls);
        QVERIFY(e.detail.contains(QStringLiteral("STARTTLS")));
        QTRY_COMPARE(loginDone.count(), 1);
        QCOMPARE(login.error().kind, Error::Kind::Tls);
        QCOMPARE(session.state(), Session::State::Disconnected);
        VERIFY_SCRIPT(server);
        QVERIFY(!server.received().contains("LOGIN"));
        QVERIFY(!server.received().contains("AUTHENTICATE"));
    }

    void startTls_plaintextOnlyServerWithoutCapabilityInGreeting_fails()
    {
        ScriptedServer server(QStringLiteral("S: * OK hi\n"
                                             "C: A001 CAPABILITY\n"
                                             "S: * CAPABILITY IMAP4rev1 AUTH=PLAIN\n"
                                             "S: A001 OK done\n"));
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::StartTls), clock);
        QVERIFY(!openAndWait(session));
        QCOMPARE(session.lastError().kind, Error::Kind::Tls);
        VERIFY_SCRIPT(server);
    }

    void startTls_refusedWithNo_failsWithServerText()
    {
        ScriptedServer server(QStringLiteral("S: * OK [CAPABILITY IMAP4rev1 STARTTLS] hi\n"
                                             "C: A001 STARTTLS\n"
                                             "S: A001 NO [UNAVAILABLE] TLS is broken today\n"));
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::StartTls), clock);
        QVERIFY(!openAndWait(session));
        QCOMPARE(session.lastError().kind, Error::Kind::Tls);
        QCOMPARE(session.lastError().serverText, QStringLiteral("TLS is broken today"));
        QCOMPARE(session.lastError().responseCode, QByteArray("UNAVAILABLE"));
        VERIFY_SCRIPT(server);
    }

    void startTls_refusedWithBad_fails()
    {
        ScriptedServer server(QStringLiteral("S: * OK [CAPABILITY IMAP4rev1 STARTTLS] hi\n"
                                             "C: A001 STARTTLS\n"
                                             "S: A001 BAD what\n"));
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::StartTls), clock);
        QVERIFY(!openAndWait(session));
        QCOMPARE(session.lastError().kind, Error::Kind::Tls);
        VERIFY_SCRIPT(server);
    }

    void startTls_bytesInjectedAfterOk_endSessionAsAttack()
    {
        // One write: the OK and a forged capability line arrive together, before the handshake.
        ScriptedServer server(
            QStringLiteral("S: * OK [CAPABILITY IMAP4rev1 STARTTLS] hi\n"
                           "C: A001 STARTTLS\n"
                           "S+ A001 OK Begin TLS\\r\\n* CAPABILITY IMAP4rev1 AUTH=PLAIN LOGIN\\r\\n\n"));
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::StartTls), clock);
        QVERIFY(!openAndWait(session));
        QCOMPARE(session.lastError().kind, Error::Kind::Tls);
        QCOMPARE(session.lastError().responseCode, QByteArray("STARTTLS-INJECTION"));
        QVERIFY(!session.isEncrypted());
        QVERIFY(!session.capabilities().has("LOGIN"));
        VERIFY_SCRIPT(server);
    }

    void startTls_preAuthGreeting_failsBeforeAnything()
    {
        ScriptedServer server(
            QStringLiteral("S: * PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] welcome, trust me\n"));
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::StartTls), clock);
        QVERIFY(!openAndWait(session));
        QCOMPARE(session.lastError().kind, Error::Kind::Tls);
        QCOMPARE(session.lastError().responseCode, QByteArray("PREAUTH"));
        VERIFY_SCRIPT(server);
        QVERIFY(server.received().isEmpty());
    }

    void startTls_untaggedDataBeforeTls_isNotActedOn()
    {
        ScriptedServer server(QStringLiteral("S: * OK [CAPABILITY IMAP4rev1 STARTTLS] hi\n"
                                             "S: * 5 EXISTS\n"
                                             "S: * OK [ALERT] click here\n"
                                             "S: * ENABLED QRESYNC\n"
                                             "C: A001 STARTTLS\n"
                                             "S: A001 OK Begin TLS\n"
                                             "TLS\n"
                                             "C: A002 CAPABILITY\n"
                                             "S: * CAPABILITY IMAP4rev1 AUTH=PLAIN\n"
                                             "S: A002 OK done\n"));
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::StartTls), clock);
        QSignalSpy alerts(&session, &Session::alertReceived);
        QSignalSpy exists(&session, &Session::existsReceived);
        QVERIFY(openAndWait(session));
        QCOMPARE(alerts.count(), 0);
        QCOMPARE(exists.count(), 0);
        QVERIFY(session.enabledExtensions().isEmpty());
        VERIFY_SCRIPT(server);
    }

    void startTls_untrustedCertificate_isRefusedWithProblem()
    {
        ScriptedServer server(QStringLiteral("S: * OK [CAPABILITY IMAP4rev1 STARTTLS] hi\n"
                                             "C: A001 STARTTLS\n"
                                             "S: A001 OK Begin TLS\n"
                                             "TLS\n"));
        const auto [cert, key] = ScriptedServer::untrustedCertificate();
        server.setCertificate(cert, key);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::StartTls), clock);
        QSignalSpy rejected(&session, &Session::certificateRejected);
        QVERIFY(!openAndWait(session));
        QCOMPARE(session.lastError().kind, Error::Kind::Tls);
        QCOMPARE(rejected.count(), 1);
        QVERIFY(session.certificateProblem());
        QVERIFY(session.certificateProblem()->reasons.contains(CertificateProblem::Reason::SelfSigned));
        (void)server.verify();
    }

    void implicitTls_untrustedCertificate_isRefusedAndNothingIsSent()
    {
        ScriptedServer server(TlsGreeting, ScriptedServer::Transport::ImplicitTls);
        const auto [cert, key] = ScriptedServer::untrustedCertificate();
        server.setCertificate(cert, key);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        LoginJob login(&session);
        login.setAutoDelete(false);
        session.open();
        login.start();
        const Error e = waitForError(session);
        QCOMPARE(e.kind, Error::Kind::Tls);
        QCOMPARE(e.responseCode, QByteArray("CERTIFICATE"));
        QTRY_VERIFY(login.isFinished());
        QCOMPARE(login.error().kind, Error::Kind::Tls);
        QVERIFY(!server.received().contains("AUTHENTICATE"));
        QVERIFY(!server.received().contains(Password.toUtf8()));
    }

    void implicitTls_pinnedCertificate_isAccepted()
    {
        ScriptedServer server(TlsGreeting, ScriptedServer::Transport::ImplicitTls);
        const auto [cert, key] = ScriptedServer::untrustedCertificate();
        server.setCertificate(cert, key);
        ManualClock clock;
        SessionSettings settings = scriptedSettings(server.port(), Security::ImplicitTls);
        settings.tls.pinnedSha256 << certificateSha256(cert);
        Session session(settings, clock);
        QVERIFY(openAndWait(session));
        QVERIFY(session.isEncrypted());
        VERIFY_SCRIPT(server);
    }

    void implicitTls_preAuth_isAuthenticated()
    {
        ScriptedServer server(QStringLiteral("S: * PREAUTH [CAPABILITY IMAP4rev1 IDLE] you are known\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QVERIFY(openAndWait(session));
        QCOMPARE(session.state(), Session::State::Authenticated);
        QVERIFY(session.wasPreAuthenticated());
        VERIFY_SCRIPT(server);
    }

    void greetingBye_failsWithServerText()
    {
        ScriptedServer server(QStringLiteral("S: * BYE [UNAVAILABLE] too many connections\nX\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QVERIFY(!openAndWait(session));
        QCOMPARE(session.lastError().kind, Error::Kind::Network);
        QCOMPARE(session.lastError().serverText, QStringLiteral("too many connections"));
        VERIFY_SCRIPT(server);
    }

    void connectionRefused_isNetworkError()
    {
        quint16 port = 0;
        {
            ScriptedServer server(QString{});
            port = server.port();
        }
        ManualClock clock;
        Session session(scriptedSettings(port, Security::ImplicitTls), clock);
        QVERIFY(!openAndWait(session));
        QCOMPARE(session.lastError().kind, Error::Kind::Network);
    }

    void byeInTheMiddleOfACommand_failsTheJobWithTheServerText()
    {
        ScriptedServer server(LoggedIn + QStringLiteral("C: A002 STATUS INBOX (MESSAGES)\n"
                                                        "S: * BYE server shutting down\n"
                                                        "X\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QVERIFY(openAndWait(session));
        QVERIFY(login(session));
        StatusJob status(&session);
        status.setMailbox(QStringLiteral("INBOX"));
        status.setItems({"MESSAGES"});
        QVERIFY(runJob(status));
        QCOMPARE(status.error().kind, Error::Kind::Network);
        QCOMPARE(status.error().serverText, QStringLiteral("server shutting down"));
        QCOMPARE(session.state(), Session::State::Disconnected);
        VERIFY_SCRIPT(server);
    }

    void connectionDropDuringCommand_failsTheJob()
    {
        ScriptedServer server(LoggedIn + QStringLiteral("C: A002 NOOP\nX\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QVERIFY(openAndWait(session));
        QVERIFY(login(session));
        NoopJob noop(&session);
        QVERIFY(runJob(noop));
        QCOMPARE(noop.error().kind, Error::Kind::Network);
        VERIFY_SCRIPT(server);
    }

    void dripFedBytes_loginAndSelect_work()
    {
        ScriptedServer server(SelectedInbox, ScriptedServer::Transport::ImplicitTls);
        server.setDrip(true);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QVERIFY(openAndWait(session, 30000));
        QVERIFY(login(session));
        QVERIFY(selectInbox(session));
        QCOMPARE(session.selectedMailbox().exists, 3u);
        QCOMPARE(session.selectedMailbox().uidValidity, 42u);
        VERIFY_SCRIPT(server);
    }

    void oversizeLiteral_isProtocolErrorAndCloses()
    {
        ScriptedServer server(SelectedInbox + QStringLiteral("C: A003 UID FETCH 1 (UID BODY.PEEK[])\n"
                                                             "S: * 1 FETCH (UID 1 ENVELOPE ({99999999999}\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QVERIFY(openAndWait(session));
        QVERIFY(login(session));
        QVERIFY(selectInbox(session));
        FetchJob fetch(&session);
        fetch.setUids(UidSet{1});
        FetchScope scope;
        scope.bodySection = QByteArray();
        fetch.setScope(scope);
        QVERIFY(runJob(fetch));
        QCOMPARE(fetch.error().kind, Error::Kind::Protocol);
        QCOMPARE(session.lastError().kind, Error::Kind::Protocol);
        QCOMPARE(session.state(), Session::State::Disconnected);
        VERIFY_SCRIPT(server);
    }

    void negativeLiteral_isProtocolError()
    {
        ScriptedServer server(LoggedIn + QStringLiteral("C: A002 NOOP\nS: * LIST () \"/\" {-5}\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QVERIFY(openAndWait(session));
        QVERIFY(login(session));
        NoopJob noop(&session);
        QVERIFY(runJob(noop));
        QCOMPARE(noop.error().kind, Error::Kind::Protocol);
        VERIFY_SCRIPT(server);
    }

    void deepNesting_isProtocolError()
    {
        const QString deep = QString(200, u'(') + QStringLiteral("\"TEXT\"") + QString(200, u')');
        ScriptedServer server(SelectedInbox + QStringLiteral("C: A003 NOOP\nS: * 1 FETCH (BODYSTRUCTURE ") +
                                  deep + QStringLiteral(")\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QVERIFY(openAndWait(session));
        QVERIFY(login(session));
        QVERIFY(selectInbox(session));
        NoopJob noop(&session);
        QVERIFY(runJob(noop));
        QCOMPARE(noop.error().kind, Error::Kind::Protocol);
        VERIFY_SCRIPT(server);
    }

    void taggedResponseForUnknownTag_isProtocolError()
    {
        ScriptedServer server(LoggedIn + QStringLiteral("C: A002 NOOP\nS: Z999 OK forged\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QVERIFY(openAndWait(session));
        QVERIFY(login(session));
        NoopJob noop(&session);
        QVERIFY(runJob(noop));
        QCOMPARE(noop.error().kind, Error::Kind::Protocol);
        VERIFY_SCRIPT(server);
    }

    void commandTimeout_fromInjectedClock_failsWithTimeout()
    {
        ScriptedServer server(LoggedIn + QStringLiteral("C: A002 NOOP\nW:\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QVERIFY(openAndWait(session));
        QVERIFY(login(session));
        NoopJob noop(&session);
        noop.setAutoDelete(false);
        QSignalSpy done(&noop, &Job::finished);
        noop.start();
        QVERIFY(server.waitForStep(4));
        QTRY_VERIFY(server.received().contains("A002 NOOP"));
        clock.advance(59s);
        QCOMPARE(done.count(), 0);
        clock.advance(2s);
        QTRY_COMPARE(done.count(), 1);
        QCOMPARE(noop.error().kind, Error::Kind::Timeout);
        server.proceed();
    }

    void connectTimeout_serverNeverGreets_failsWithTimeout()
    {
        ScriptedServer server(QStringLiteral("W:\n"), ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QSignalSpy failed(&session, &Session::errorOccurred);
        session.open();
        QTRY_VERIFY(server.hadConnection());
        clock.advance(31s);
        QTRY_COMPARE(failed.count(), 1);
        QCOMPARE(session.lastError().kind, Error::Kind::Timeout);
        server.proceed();
    }

    void keepAlive_sendsNoopAfterSilence()
    {
        ScriptedServer server(LoggedIn +
                                  QStringLiteral("C: A002 NOOP\nS: * 4 EXISTS\nS: A002 OK still here\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QVERIFY(openAndWait(session));
        QVERIFY(login(session));
        QTRY_VERIFY(clock.pendingTimers() > 0);
        clock.advance(5min);
        VERIFY_SCRIPT(server);
        QCOMPARE(session.state(), Session::State::Authenticated);
    }

    void keepAlive_unansweredNoop_declaresConnectionDead()
    {
        ScriptedServer server(LoggedIn + QStringLiteral("C: A002 NOOP\nW:\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QVERIFY(openAndWait(session));
        QVERIFY(login(session));
        QTRY_VERIFY(clock.pendingTimers() > 0);
        clock.advance(5min);
        QVERIFY(server.waitForStep(4));
        QSignalSpy failed(&session, &Session::errorOccurred);
        clock.advance(31s);
        QTRY_COMPARE(failed.count(), 1);
        QCOMPARE(session.lastError().kind, Error::Kind::Timeout);
        QVERIFY(session.lastError().detail.contains(QStringLiteral("keep-alive")));
        server.proceed();
    }

    void idle_jobQueuedWhileIdling_sessionSendsDoneAndResumesIdle()
    {
        ScriptedServer server(SelectedInbox + QStringLiteral("C: A003 IDLE\n"
                                                             "S: + idling\n"
                                                             "S: * 4 EXISTS\n"
                                                             "W:\n"
                                                             "C: DONE\n"
                                                             "S: A003 OK idle done\n"
                                                             "C: A004 NOOP\n"
                                                             "S: A004 OK\n"
                                                             "C: A005 IDLE\n"
                                                             "S: + idling again\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QVERIFY(openAndWait(session));
        QVERIFY(login(session));
        QVERIFY(selectInbox(session));
        QSignalSpy exists(&session, &Session::existsReceived);
        IdleJob idle(&session);
        idle.setAutoDelete(false);
        QSignalSpy idling(&idle, &IdleJob::idling);
        idle.start();
        QTRY_COMPARE(exists.count(), 1);
        QCOMPARE(exists.first().first().toUInt(), 4u);
        QCOMPARE(session.state(), Session::State::Idling);
        QCOMPARE(session.selectedMailbox().exists, 4u);
        server.proceed();
        NoopJob noop(&session);
        QVERIFY(runJob(noop));
        QVERIFY(!noop.error());
        QTRY_COMPARE(idling.count(), 2);
        QCOMPARE(session.state(), Session::State::Idling);
        QVERIFY(!idle.isFinished());
        VERIFY_SCRIPT(server);
    }

    void idle_renewalInterval_sendsDoneAndIdleAgain()
    {
        ScriptedServer server(SelectedInbox + QStringLiteral("C: A003 IDLE\n"
                                                             "S: + idling\n"
                                                             "C: DONE\n"
                                                             "S: A003 OK renewed\n"
                                                             "C: A004 IDLE\n"
                                                             "S: + idling\n"
                                                             "C: DONE\n"
                                                             "S: A004 OK stopped\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        SessionSettings settings = scriptedSettings(server.port(), Security::ImplicitTls);
        settings.timeouts.idleRenewal = 45min; // clamped to 29
        Session session(settings, clock);
        QVERIFY(openAndWait(session));
        QVERIFY(login(session));
        QVERIFY(selectInbox(session));
        IdleJob idle(&session);
        idle.setAutoDelete(false);
        QSignalSpy idling(&idle, &IdleJob::idling);
        QSignalSpy done(&idle, &Job::finished);
        idle.start();
        QTRY_COMPARE(idling.count(), 1);
        clock.advance(28min);
        QCOMPARE(idling.count(), 1);
        clock.advance(1min);
        QTRY_COMPARE(idling.count(), 2);
        idle.stop();
        QTRY_COMPARE(done.count(), 1);
        QVERIFY(!idle.error());
        QCOMPARE(session.state(), Session::State::Selected);
        VERIFY_SCRIPT(server);
    }

    void idle_doneUnanswered_declaresConnectionDead()
    {
        ScriptedServer server(SelectedInbox + QStringLiteral("C: A003 IDLE\n"
                                                             "S: + idling\n"
                                                             "C: DONE\n"
                                                             "W:\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QVERIFY(openAndWait(session));
        QVERIFY(login(session));
        QVERIFY(selectInbox(session));
        IdleJob idle(&session);
        idle.setAutoDelete(false);
        QSignalSpy idling(&idle, &IdleJob::idling);
        idle.start();
        QTRY_COMPARE(idling.count(), 1);
        clock.advance(10min);
        QTRY_VERIFY(server.received().endsWith("DONE\r\n"));
        clock.advance(31s);
        QTRY_VERIFY(idle.isFinished());
        QCOMPARE(idle.error().kind, Error::Kind::Timeout);
        server.proceed();
    }

    void idle_unsolicitedExpungeAndFlags_reachSessionSignals()
    {
        ScriptedServer server(SelectedInbox + QStringLiteral("C: A003 IDLE\n"
                                                             "S: + idling\n"
                                                             "S: * 2 EXPUNGE\n"
                                                             "S: * 1 FETCH (UID 5 FLAGS (\\\\Seen))\n"
                                                             "W:\n"
                                                             "C: DONE\n"
                                                             "S: A003 OK\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QVERIFY(openAndWait(session));
        QVERIFY(login(session));
        QVERIFY(selectInbox(session));
        QSignalSpy expunged(&session, &Session::expungeReceived);
        QSignalSpy changed(&session, &Session::messageChanged);
        IdleJob idle(&session);
        idle.setAutoDelete(false);
        idle.start();
        QTRY_COMPARE(changed.count(), 1);
        QCOMPARE(expunged.count(), 1);
        QCOMPARE(expunged.first().first().toUInt(), 2u);
        QCOMPARE(session.selectedMailbox().exists, 2u);
        const auto fetch = changed.first().first().value<Fetch>();
        QCOMPARE(fetch.uid, std::optional<std::uint32_t>(5));
        server.proceed();
        idle.stop();
        QTRY_VERIFY(idle.isFinished());
        VERIFY_SCRIPT(server);
    }

    void idle_unsolicitedStatusAndList_reachSessionSignals()
    {
        // What NOTIFY (RFC 5465 §5) reports about other mailboxes while the connection idles.
        ScriptedServer server(SelectedInbox +
                                  QStringLiteral("C: A003 IDLE\n"
                                                 "S: + idling\n"
                                                 "S: * STATUS Sent (MESSAGES 2 UIDNEXT 5 UIDVALIDITY 3)\n"
                                                 "S: * LIST () \"/\" \"New folder\"\n"
                                                 "W:\n"
                                                 "C: DONE\n"
                                                 "S: A003 OK\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QVERIFY(openAndWait(session));
        QVERIFY(login(session));
        QVERIFY(selectInbox(session));
        QSignalSpy statuses(&session, &Session::unsolicitedStatus);
        QSignalSpy lists(&session, &Session::unsolicitedList);
        QSignalSpy changed(&session, &Session::mailboxChanged);
        IdleJob idle(&session);
        idle.setAutoDelete(false);
        idle.start();
        QTRY_COMPARE(lists.count(), 1);
        QCOMPARE(statuses.count(), 1);
        const auto status = statuses.first().first().value<MailboxStatus>();
        QCOMPARE(status.mailbox.raw, QByteArray("Sent"));
        QCOMPARE(status.messages, std::optional<std::uint32_t>(2));
        QCOMPARE(lists.first().first().value<ListEntry>().mailbox.display, QStringLiteral("New folder"));
        // Another mailbox's counters leave the selected mailbox alone.
        QCOMPARE(session.selectedMailbox().exists, 3u);
        QCOMPARE(session.selectedMailbox().uidNext, 10u);
        QCOMPARE(changed.count(), 0);
        server.proceed();
        idle.stop();
        QTRY_VERIFY(idle.isFinished());
        QVERIFY(!idle.error());
        VERIFY_SCRIPT(server);
    }

    void idle_jobDeletedWhileIdling_sessionEndsIdleBeforeTheNextCommand()
    {
        ScriptedServer server(SelectedInbox + QStringLiteral("C: A003 IDLE\n"
                                                             "S: + idling\n"
                                                             "C: DONE\n"
                                                             "S: A003 OK\n"
                                                             "C: A004 NOOP\n"
                                                             "S: A004 OK\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QVERIFY(openAndWait(session));
        QVERIFY(login(session));
        QVERIFY(selectInbox(session));
        {
            IdleJob idle(&session);
            idle.setAutoDelete(false);
            QSignalSpy idling(&idle, &IdleJob::idling);
            idle.start();
            QVERIFY(idling.wait());
        }
        NoopJob noop(&session);
        QVERIFY(runJob(noop));
        QVERIFY(!noop.error());
        QCOMPARE(session.state(), Session::State::Selected);
        VERIFY_SCRIPT(server);
    }

    void pipelining_uidFetchesAreSentTogether()
    {
        ScriptedServer server(SelectedInbox + QStringLiteral("C: A003 UID FETCH 1 (UID FLAGS)\n"
                                                             "C: A004 UID FETCH 2 (UID FLAGS)\n"
                                                             "S: * 1 FETCH (UID 1 FLAGS ())\n"
                                                             "S: * 2 FETCH (UID 2 FLAGS (\\\\Seen))\n"
                                                             "S: A003 OK\n"
                                                             "S: A004 OK\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QVERIFY(openAndWait(session));
        QVERIFY(login(session));
        QVERIFY(selectInbox(session));
        FetchScope scope;
        scope.flags = true;
        FetchJob a(&session), b(&session);
        a.setUids(UidSet{1});
        b.setUids(UidSet{2});
        a.setScope(scope);
        b.setScope(scope);
        a.setAutoDelete(false);
        b.setAutoDelete(false);
        a.start();
        b.start();
        QTRY_VERIFY(a.isFinished() && b.isFinished());
        QVERIFY(!a.error());
        QVERIFY(!b.error());
        QCOMPARE(a.messages().size(), 1);
        QCOMPARE(b.messages().size(), 1);
        QCOMPARE(a.messages().first().uid, std::optional<std::uint32_t>(1));
        QCOMPARE(b.messages().first().flags, std::optional<QList<QByteArray>>(QList<QByteArray>{"\\Seen"}));
        // Answers not marked large are read as they arrive: no wait for a fuller buffer.
        QCOMPARE(session.readStatistics().coalesced, quint64(0));
        VERIFY_SCRIPT(server);
    }

    void readCoalescing_pipelinedAnswers_arriveWhole_andSmallTailsAreNotHeldBack()
    {
        // Three pipelined fetches: a first answer of about 280 KiB (marked as a large answer),
        // then two small ones. While it is answered with more commands behind it, the session
        // lets the socket wait for 64 KiB (Linux). The server sends the small answers only once the first has
        // been read (W:, released from the first job's finished signal, inside the read that completed it),
        // so they arrive below the mark and only the session's short wait lets them through — with a test
        // clock that never moves.
        QString script = SelectedInbox + QStringLiteral("C: A003 UID FETCH 1:6000 (UID FLAGS)\n"
                                                        "C: A004 UID FETCH 6001 (UID FLAGS)\n"
                                                        "C: A005 UID FETCH 6002 (UID FLAGS)\n");
        for (int uid = 1; uid <= 6000; ++uid)
            script += QStringLiteral("S: * %1 FETCH (UID %1 FLAGS (\\\\Seen $Label%1))\n").arg(uid);
        script += QStringLiteral("S: A003 OK\n"
                                 "W:\n"
                                 "S: * 6001 FETCH (UID 6001 FLAGS ())\n"
                                 "S: A004 OK\n"
                                 "S: * 6002 FETCH (UID 6002 FLAGS ())\n"
                                 "S: A005 OK\n");
        ScriptedServer server(script, ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QVERIFY(openAndWait(session));
        QVERIFY(login(session));
        QVERIFY(selectInbox(session));
        FetchScope scope;
        scope.flags = true;
        FetchJob a(&session), b(&session), c(&session);
        a.setUids(UidSet::range(1, 6000));
        b.setUids(UidSet{6001});
        c.setUids(UidSet{6002});
        a.setLargeAnswer(true);
        connect(&a, &Job::finished, &server, [&server] { server.proceed(); });
        for (FetchJob *job : {&a, &b, &c}) {
            job->setScope(scope);
            job->setAutoDelete(false);
            job->start();
        }
        QTRY_VERIFY_WITH_TIMEOUT(a.isFinished() && b.isFinished() && c.isFinished(), 10000);
        QVERIFY(!a.error() && !b.error() && !c.error());
        QCOMPARE(a.messages().size(), 6000);
        QCOMPARE(a.messages().last().flags, std::optional<QList<QByteArray>>({"\\Seen", "$Label6000"}));
        QCOMPARE(b.messages().size(), 1);
        QCOMPARE(c.messages().size(), 1);
        const Session::ReadStatistics &reads = session.readStatistics();
        QVERIFY(reads.bytes > 250 * 1024);
#ifdef Q_OS_LINUX
        QVERIFY2(reads.coalesced > 0, "the socket never waited for a fuller buffer");
#endif
        VERIFY_SCRIPT(server);
    }

    void pipelining_sequenceNumberFetchWaitsForUidFetch()
    {
        ScriptedServer server(SelectedInbox + QStringLiteral("C: A003 UID FETCH 1 (UID FLAGS)\n"
                                                             "W:\n"
                                                             "S: A003 OK\n"
                                                             "C: A004 FETCH 2 (FLAGS)\n"
                                                             "S: A004 OK\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QVERIFY(openAndWait(session));
        QVERIFY(login(session));
        QVERIFY(selectInbox(session));
        FetchScope scope;
        scope.flags = true;
        FetchJob byUid(&session), bySeq(&session);
        byUid.setUids(UidSet{1});
        bySeq.setSequenceNumbers(UidSet{2});
        byUid.setScope(scope);
        bySeq.setScope(scope);
        byUid.setAutoDelete(false);
        bySeq.setAutoDelete(false);
        byUid.start();
        bySeq.start();
        QVERIFY(server.waitForStep(9));
        QTRY_VERIFY(byUid.isRunning());
        // An EXPUNGE during the UID FETCH would shift sequence numbers: RFC 9051 §5.5.
        QVERIFY(!bySeq.isRunning());
        server.proceed();
        QTRY_VERIFY(bySeq.isFinished());
        QVERIFY(!bySeq.error());
        VERIFY_SCRIPT(server);
    }

    void vanishedWhileIdling_reducesExistsAndIsSignalled()
    {
        ScriptedServer server(SelectedInbox + QStringLiteral("C: A003 IDLE\n"
                                                             "S: + idling\n"
                                                             "S: * VANISHED 3:4\n"
                                                             "W:\n"
                                                             "C: DONE\n"
                                                             "S: A003 OK\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QVERIFY(openAndWait(session));
        QVERIFY(login(session));
        QVERIFY(selectInbox(session));
        QSignalSpy vanished(&session, &Session::vanishedReceived);
        IdleJob idle(&session);
        idle.setAutoDelete(false);
        idle.start();
        QTRY_COMPARE(vanished.count(), 1);
        QCOMPARE(vanished.first().first().value<UidSet>(), UidSet::range(3, 4));
        QCOMPARE(vanished.first().last().toBool(), false);
        QCOMPARE(session.selectedMailbox().exists, 1u);
        server.proceed();
        idle.stop();
        QTRY_VERIFY(idle.isFinished());
        VERIFY_SCRIPT(server);
    }

    void jobStartedWithoutConnection_failsWithNetworkError()
    {
        ManualClock clock;
        Session session(scriptedSettings(1, Security::ImplicitTls), clock);
        NoopJob noop(&session);
        QVERIFY(runJob(noop));
        QCOMPARE(noop.error().kind, Error::Kind::Network);
    }

    void pipelining_selectIsNotPipelined()
    {
        ScriptedServer server(LoggedIn + QStringLiteral("C: A002 SELECT INBOX\n"
                                                        "W:\n"
                                                        "S: A002 OK [READ-WRITE] done\n"
                                                        "C: A003 STATUS Sent (MESSAGES)\n"
                                                        "S: A003 OK\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls), clock);
        QVERIFY(openAndWait(session));
        QVERIFY(login(session));
        SelectJob select(&session);
        select.setMailbox(QStringLiteral("INBOX"));
        select.setAutoDelete(false);
        StatusJob status(&session);
        status.setMailbox(QStringLiteral("Sent"));
        status.setItems({"MESSAGES"});
        status.setAutoDelete(false);
        select.start();
        status.start();
        QVERIFY(server.waitForStep(4));
        QTRY_VERIFY(select.isRunning());
        QVERIFY(!status.isRunning());
        QCOMPARE(session.pendingJobs(), 2);
        server.proceed();
        QTRY_VERIFY(status.isFinished());
        QVERIFY(!status.error());
        VERIFY_SCRIPT(server);
    }

    void protocolLog_redactsPasswordInEveryForm()
    {
        QBuffer log;
        log.open(QIODevice::ReadWrite);
        ScriptedServer server(QStringLiteral("S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\n"
                                             "C: A001 AUTHENTICATE PLAIN\n"
                                             "S: + \n"
                                             "C: AGFsaWNlAHMzY3JldC1QYTU1\n"
                                             "S: A001 NO [AUTHENTICATIONFAILED] nope\n"
                                             "C: A002 LOGIN alice s3cret-Pa55\n"
                                             "S: A002 OK [CAPABILITY IMAP4rev1] in\n"
                                             "C: A003 LOGOUT\n"
                                             "S: * BYE bye\n"
                                             "S: A003 OK\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(server.port(), Security::ImplicitTls, &log), clock);
        QVERIFY(openAndWait(session));
        LoginJob plain(&session);
        QVERIFY(runJob(plain));
        QCOMPARE(plain.error().kind, Error::Kind::Authentication);
        LoginJob login(&session);
        login.setMechanism(LoginJob::Mechanism::Login);
        QVERIFY(runJob(login));
        QVERIFY(!login.error());
        LogoutJob logout(&session);
        QVERIFY(runJob(logout));
        QTRY_COMPARE(session.state(), Session::State::Disconnected);
        VERIFY_SCRIPT(server);

        const QByteArray bytes = log.data();
        QVERIFY(bytes.contains("C: A001 AUTHENTICATE ***\n"));
        QVERIFY(bytes.contains("C: ***\n"));
        QVERIFY(bytes.contains("C: A002 LOGIN ***\n"));
        QVERIFY(bytes.contains("S: A002 OK [CAPABILITY IMAP4rev1] in\n"));
        const QByteArray password = Password.toUtf8();
        QVERIFY(!bytes.contains(password));
        QVERIFY(!bytes.contains("alice"));
        for (int shift = 0; shift < 3; ++shift) {
            // The password's base64 at every alignment it can take inside a SASL blob.
            const QByteArray b64 = QByteArray(QByteArray(shift, 'x') + password).toBase64();
            QVERIFY(!bytes.contains(b64.mid(4 * ((shift + 2) / 3), 12)));
        }
        QVERIFY(!bytes.contains("AGFsaWNlAHMzY3JldC1QYTU1"));
        QVERIFY(!bytes.contains(password.toBase64()));
    }

    void protocolLog_ofSessionWithoutSecrets_replaysInScriptedServer()
    {
        QBuffer log;
        log.open(QIODevice::ReadWrite);
        const QString script = QStringLiteral("S: * PREAUTH [CAPABILITY IMAP4rev1 LITERAL+] hi\n"
                                              "C: A001 LIST \"\" \"*\"\n"
                                              "S: * LIST () \"/\" {5}\n"
                                              "S: a\\\\b\\x01)\n"
                                              "S: A001 OK done\n"
                                              "C: A002 CREATE Entw&APw-rfe\n"
                                              "S: A002 OK\n");
        {
            ScriptedServer server(script, ScriptedServer::Transport::ImplicitTls);
            ManualClock clock;
            Session session(scriptedSettings(server.port(), Security::ImplicitTls, &log), clock);
            QVERIFY(openAndWait(session));
            ListJob list(&session);
            QVERIFY(runJob(list));
            QCOMPARE(list.entries().size(), 1);
            QCOMPARE(list.entries().first().mailbox.raw, QByteArray("a\\b\x01)", 5));
            CreateJob create(&session);
            create.setMailbox(QStringLiteral("Entwürfe"));
            QVERIFY(runJob(create));
            QVERIFY(!create.error());
            VERIFY_SCRIPT(server);
        }
        // The log is itself a script: replay it against a fresh session.
        const QString replay = QString::fromUtf8(log.data());
        QVERIFY(replay.contains(QStringLiteral("S: a\\\\b\\x01)")));
        QVERIFY(replay.contains(QStringLiteral("\nTLS\n")));
        QString withoutTls = replay;
        withoutTls.replace(QStringLiteral("\nTLS\n"), QStringLiteral("\n"));
        ScriptedServer again(withoutTls, ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        Session session(scriptedSettings(again.port(), Security::ImplicitTls), clock);
        QVERIFY(openAndWait(session));
        ListJob list(&session);
        QVERIFY(runJob(list));
        CreateJob create(&session);
        create.setMailbox(QStringLiteral("Entwürfe"));
        QVERIFY(runJob(create));
        VERIFY_SCRIPT(again);
    }

    void protocolLogger_longLiteral_isShortenedWithAComment()
    {
        QBuffer out;
        out.open(QIODevice::ReadWrite);
        ProtocolLogger logger(&out);
        logger.setMaxLiteralBytes(4);
        logger.serverBytes("* 1 FETCH (BODY[] {10}\r\n0123");
        logger.serverBytes("456789)\r\n* 2 EXISTS\r\n* par");
        logger.flush();
        QCOMPARE(out.data(), QByteArray("S: * 1 FETCH (BODY[] {10}\n"
                                        "S+ 0123\n"
                                        "# 6 more bytes of this 10-byte literal not logged\n"
                                        "S: )\n"
                                        "S: * 2 EXISTS\n"
                                        "S+ * par\n"));
    }

    void protocolLogger_escapesControlAndInvalidBytes()
    {
        QCOMPARE(ProtocolLogger::escape("a\\b\r\n\x01"), QByteArray("a\\\\b\\r\\n\\x01"));
        QCOMPARE(ProtocolLogger::escape("caf\xc3\xa9"), QByteArray("caf\xc3\xa9"));
        QCOMPARE(ProtocolLogger::escape("bad\xff"), QByteArray("bad\\xFF"));
    }

    void protocolLog_environmentVariable_writesOneFilePerConnection()
    {
        QTemporaryDir dir;
        qputenv("TIDINGS_PROTOCOL_LOG", dir.path().toUtf8());
        ScriptedServer server(TlsGreeting, ScriptedServer::Transport::ImplicitTls);
        ManualClock clock;
        SessionSettings settings = scriptedSettings(server.port(), Security::ImplicitTls);
        settings.protocolLogFromEnvironment = true;
        {
            Session session(settings, clock);
            QVERIFY(openAndWait(session));
            VERIFY_SCRIPT(server);
        }
        qunsetenv("TIDINGS_PROTOCOL_LOG");
        const QStringList files = QDir(dir.path()).entryList(QDir::Files);
        QCOMPARE(files.size(), 1);
        QVERIFY(files.first().startsWith(QStringLiteral("imap-localhost-")));
        QFile file(QDir(dir.path()).filePath(files.first()));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.readAll().contains("S: * OK [CAPABILITY"));
    }
};

QTEST_GUILESS_MAIN(TestSession)
#include "test_session.moc"
