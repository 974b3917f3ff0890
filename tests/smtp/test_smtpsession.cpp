// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Smtp::Session against scripted servers: refusal rules, pipelining, every reply class, cut
// connections (including "delivery uncertain"), dot-stuffing on the wire.
#include "core/common/clock.h"
#include "core/smtp/session.h"
#include "tests/support/scriptedserver.h"

#include <QDir>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Tidings;
using namespace Tidings::Smtp;
using Tidings::Test::ScriptedServer;

/// Fails with every problem the scripted server saw, one per line.
#define VERIFY_SCRIPT(server)                                                                                \
    do {                                                                                                     \
        const QStringList problems_ = (server).verify();                                                     \
        QVERIFY2(problems_.isEmpty(), qPrintable(problems_.join(u'\n')));                                   \
    } while (false)

namespace {

struct Outcome {
    bool done = false;
    SendResult result;
};

std::shared_ptr<Outcome> watch(SendJob *job)
{
    auto outcome = std::make_shared<Outcome>();
    QObject::connect(job, &SendJob::finished, job, [outcome](SendJob *j) {
        outcome->done = true;
        outcome->result = j->result();
    });
    return outcome;
}

Settings settingsFor(const ScriptedServer &server, Security security)
{
    Settings s;
    s.host = QStringLiteral("localhost");
    s.port = server.port();
    s.security = security;
    s.tls.useSystemCaCertificates = false;
    s.tls.extraCaCertificates = ScriptedServer::testCaCertificates();
    s.username = QStringLiteral("alice");
    s.password = QStringLiteral("secret");
    return s;
}

const QString Greeting = QStringLiteral("S: 220 mx.test ESMTP ready\n");
QString ehlo(const QString &extra = {})
{
    return QStringLiteral("C: EHLO localhost\n"
                          "S: 250-mx.test\n"
                          "S: 250-PIPELINING\n"
                          "S: 250-SIZE 1000\n"
                          "S: 250-8BITMIME\n")
        + extra
        + QStringLiteral("S: 250-AUTH PLAIN LOGIN\n"
                         "S: 250 ENHANCEDSTATUSCODES\n");
}
const QString AuthOk = QStringLiteral("C: AUTH PLAIN AGFsaWNlAHNlY3JldA==\nS: 235 2.7.0 Authentication successful\n");
const QString Login = Greeting + ehlo() + AuthOk;

const QByteArray Message("From: alice@x.test\r\nTo: bob@x.test\r\nSubject: hi\r\n\r\nHello\r\n");
const QString MessageLines = QStringLiteral("C: From: alice@x.test\nC: To: bob@x.test\nC: Subject: hi\nC:\nC: Hello\nC: .\n");

} // namespace

class TestSmtpSession final : public QObject
{
    Q_OBJECT

private:
    static bool openAndWait(Session &session)
    {
        QSignalSpy opened(&session, &Session::opened);
        QSignalSpy failed(&session, &Session::failed);
        session.open();
        return QTest::qWaitFor([&] { return !opened.isEmpty() || !failed.isEmpty(); }, 10000) && !opened.isEmpty();
    }
    static Error openExpectingFailure(Session &session)
    {
        QSignalSpy failed(&session, &Session::failed);
        QSignalSpy opened(&session, &Session::opened);
        session.open();
        if (!QTest::qWaitFor([&] { return !failed.isEmpty() || !opened.isEmpty(); }, 10000) || failed.isEmpty())
            return {};
        return failed.first().first().value<Error>();
    }
    static std::shared_ptr<Outcome> sendAndWait(Session &session, const Envelope &envelope, const QByteArray &message)
    {
        auto outcome = watch(session.send(envelope, message));
        (void)QTest::qWaitFor([&] { return outcome->done; }, 15000);
        return outcome;
    }

private Q_SLOTS:
    void initTestCase() { qRegisterMetaType<Tidings::Error>(); }

    void implicitTls_send_pipelinesMailAndRcpt_thenSendsData()
    {
        // The three commands are read before any answer: a client that waited would stall.
        ScriptedServer server(Login
                                  + QStringLiteral("C: MAIL FROM:<alice@x.test> SIZE=58\n"
                                                   "C: RCPT TO:<bob@x.test>\n"
                                                   "C: RCPT TO:<hidden@x.test>\n"
                                                   "S: 250 2.1.0 Ok\n"
                                                   "S: 250 2.1.5 Ok\n"
                                                   "S: 250 2.1.5 Ok\n"
                                                   "C: DATA\n"
                                                   "S: 354 End data with <CR><LF>.<CR><LF>\n")
                                  + MessageLines
                                  + QStringLiteral("S: 250 2.0.0 Ok: queued as 12345\n"
                                                   "C: QUIT\n"
                                                   "S: 221 2.0.0 Bye\n"
                                                   "X\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        QVERIFY(session.isEncrypted());
        // hidden@ is a Bcc: envelope only, the bytes are sent as composed.
        auto outcome = sendAndWait(session, {QStringLiteral("alice@x.test"),
                                             {QStringLiteral("bob@x.test"), QStringLiteral("hidden@x.test")}},
                                   Message);
        QVERIFY(outcome->done);
        QVERIFY2(!outcome->result.error, qPrintable(outcome->result.error.toString()));
        QVERIFY(outcome->result.sent());
        QCOMPARE(outcome->result.recipients.size(), 2);
        QVERIFY(outcome->result.recipients.at(1).accepted());
        QCOMPARE(outcome->result.finalReply.text(), QStringLiteral("2.0.0 Ok: queued as 12345"));
        QSignalSpy closed(&session, &Session::closed);
        session.quit();
        QTRY_COMPARE(closed.size(), 1);
        VERIFY_SCRIPT(server);
    }

    void dotStuffingAndLineEnds_onTheWire()
    {
        ScriptedServer server(Login
                                  + QStringLiteral("C: MAIL FROM:<alice@x.test> SIZE=60\nC: RCPT TO:<bob@x.test>\n"
                                                   "S: 250 Ok\nS: 250 Ok\nC: DATA\nS: 354 go\n"
                                                   "C: Subject: dots\nC:\nC: ..\nC: ...hidden\nC: +OK\n"
                                                   "C: bare CR\nC: bare LF\nC: ..last\nC: .\nS: 250 Ok\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        auto outcome = sendAndWait(session, {QStringLiteral("alice@x.test"), {QStringLiteral("bob@x.test")}},
                                   QByteArray("Subject: dots\r\n\r\n.\r\n..hidden\r\n+OK\r\nbare CR\rbare LF\n.last"));
        QVERIFY2(!outcome->result.error, qPrintable(outcome->result.error.toString()));
        VERIFY_SCRIPT(server);
    }

    void startTls_upgradesBeforeAuth()
    {
        ScriptedServer server(Greeting + ehlo(QStringLiteral("S: 250-STARTTLS\n"))
                              + QStringLiteral("C: STARTTLS\nS: 220 2.0.0 Ready to start TLS\nTLS\n") + ehlo() + AuthOk);
        Session session(settingsFor(server, Security::StartTls));
        QVERIFY(openAndWait(session));
        QVERIFY(session.isEncrypted());
        QVERIFY(!session.capabilities().startTls); // the EHLO after TLS counts
        VERIFY_SCRIPT(server);
    }

    void startTls_notOffered_endsBeforeAuth()
    {
        ScriptedServer server(Greeting + ehlo());
        Session session(settingsFor(server, Security::StartTls));
        const Error error = openExpectingFailure(session);
        QCOMPARE(error.kind, Error::Kind::Tls);
        VERIFY_SCRIPT(server);
        QVERIFY(!server.received().contains("AUTH"));
    }

    void startTls_refused_endsBeforeAuth()
    {
        ScriptedServer server(Greeting + ehlo(QStringLiteral("S: 250-STARTTLS\n"))
                              + QStringLiteral("C: STARTTLS\nS: 454 4.7.0 TLS not available\n"));
        Session session(settingsFor(server, Security::StartTls));
        const Error error = openExpectingFailure(session);
        QCOMPARE(error.kind, Error::Kind::Tls);
        QCOMPARE(error.serverText, QStringLiteral("4.7.0 TLS not available"));
        VERIFY_SCRIPT(server);
    }

    void startTls_bytesAfter220_endSession()
    {
        ScriptedServer server(Greeting + ehlo(QStringLiteral("S: 250-STARTTLS\n"))
                              + QStringLiteral("C: STARTTLS\nS: 220 go ahead\\r\\n250 injected\n"));
        Session session(settingsFor(server, Security::StartTls));
        const Error error = openExpectingFailure(session);
        QCOMPARE(error.kind, Error::Kind::Protocol);
        VERIFY_SCRIPT(server);
        QVERIFY(!server.received().contains("AUTH"));
    }

    void refusingGreeting_getsNoCommand()
    {
        ScriptedServer server(QStringLiteral("S: 554 5.3.2 No service for you\n"));
        Settings s = settingsFor(server, Security::None);
        Session session(s);
        const Error error = openExpectingFailure(session);
        QCOMPARE(error.kind, Error::Kind::ServerNo);
        QCOMPARE(error.serverText, QStringLiteral("5.3.2 No service for you"));
        VERIFY_SCRIPT(server);
        QCOMPARE(server.received(), QByteArray());
    }

    void refusedConnection_isANetworkErrorNotTls_data()
    {
        QTest::addColumn<bool>("implicitTls");
        QTest::newRow("implicit TLS") << true;
        QTest::newRow("STARTTLS") << false;
    }

    void refusedConnection_isANetworkErrorNotTls()
    {
        QFETCH(bool, implicitTls);
        // A port where nothing listens: bound, then released.
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        Settings s;
        s.host = QStringLiteral("127.0.0.1");
        s.port = probe.serverPort();
        s.security = implicitTls ? Security::ImplicitTls : Security::StartTls;
        s.username = QStringLiteral("alice");
        s.password = QStringLiteral("secret");
        probe.close();
        Session session(s);
        const Error error = openExpectingFailure(session);
        QCOMPARE(error.kind, Error::Kind::Network);
        QVERIFY2(error.detail.contains(QStringLiteral("cannot connect")), qPrintable(error.toString()));
    }

    void untrustedCertificate_isRefused()
    {
        ScriptedServer server(Greeting, ScriptedServer::Transport::ImplicitTls);
        const auto [cert, key] = ScriptedServer::untrustedCertificate();
        server.setCertificate(cert, key);
        Session session(settingsFor(server, Security::ImplicitTls));
        QCOMPARE(openExpectingFailure(session).kind, Error::Kind::Tls);
        QCOMPARE(server.received(), QByteArray());
    }

    void wrongPassword_isAnAuthenticationError()
    {
        ScriptedServer server(Greeting + ehlo()
                                  + QStringLiteral("C: AUTH PLAIN AGFsaWNlAHNlY3JldA==\n"
                                                   "S: 535 5.7.8 Error: authentication failed: bad credentials\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        const Error error = openExpectingFailure(session);
        QCOMPARE(error.kind, Error::Kind::Authentication);
        QCOMPARE(error.serverText, QStringLiteral("5.7.8 Error: authentication failed: bad credentials"));
        VERIFY_SCRIPT(server);
    }

    void authLogin_whenPlainIsNotOffered()
    {
        ScriptedServer server(Greeting
                                  + QStringLiteral("C: EHLO localhost\nS: 250-mx.test\nS: 250 AUTH LOGIN\n"
                                                   "C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: YWxpY2U=\n"
                                                   "S: 334 UGFzc3dvcmQ6\nC: c2VjcmV0\nS: 235 ok\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        VERIFY_SCRIPT(server);
    }

    void xoauth2_withAToken()
    {
        ScriptedServer server(Greeting
                                  + QStringLiteral("C: EHLO localhost\nS: 250-mx.test\nS: 250 AUTH PLAIN XOAUTH2\n"
                                                   "C: AUTH XOAUTH2 dXNlcj1hbGljZQFhdXRoPUJlYXJlciB0b2sxMjMBAQ==\n"
                                                   "S: 334 eyJzdGF0dXMiOiI0MDEifQ==\nC:\nS: 535 5.7.8 Username and Password not accepted\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Settings s = settingsFor(server, Security::ImplicitTls);
        s.oauthToken = QStringLiteral("tok123");
        Session session(s);
        const Error error = openExpectingFailure(session);
        QCOMPARE(error.kind, Error::Kind::Authentication);
        QVERIFY(error.serverText.contains(QStringLiteral("{\"status\":\"401\"}")));
        VERIFY_SCRIPT(server);
    }

    void senderNotOwned_atRcpt_sendsNothingAndSaysWhy()
    {
        ScriptedServer server(Login
                                  + QStringLiteral("C: MAIL FROM:<other@x.test> SIZE=58\nC: RCPT TO:<bob@x.test>\n"
                                                   "S: 250 2.1.0 Ok\n"
                                                   "S: 553 5.7.1 <other@x.test>: Sender address rejected: not owned by auth user\n"
                                                   "C: RSET\nS: 250 2.0.0 Ok\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        auto outcome = sendAndWait(session, {QStringLiteral("other@x.test"), {QStringLiteral("bob@x.test")}}, Message);
        QCOMPARE(problemName(outcome->result.problem), QStringLiteral("SenderNotOwned"));
        QVERIFY(outcome->result.error.detail.contains(QStringLiteral("From address must be the account's own")));
        QVERIFY(outcome->result.error.serverText.contains(QStringLiteral("not owned by auth user")));
        QVERIFY(!outcome->result.sent());
        VERIFY_SCRIPT(server);
    }

    void partialRefusal_allOrNothing_namesTheRefusedAndSendsNothing()
    {
        ScriptedServer server(Login
                                  + QStringLiteral("C: MAIL FROM:<alice@x.test> SIZE=58\nC: RCPT TO:<bob@x.test>\n"
                                                   "C: RCPT TO:<nobody@x.test>\nS: 250 Ok\nS: 250 Ok\n"
                                                   "S: 550 5.1.1 <nobody@x.test>: Recipient address rejected: User unknown\n"
                                                   "C: RSET\nS: 250 Ok\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        auto outcome = sendAndWait(
            session, {QStringLiteral("alice@x.test"), {QStringLiteral("bob@x.test"), QStringLiteral("nobody@x.test")}},
            Message);
        QCOMPARE(problemName(outcome->result.problem), QStringLiteral("MailboxUnavailable"));
        QCOMPARE(outcome->result.refusedRecipients(), QStringList{QStringLiteral("nobody@x.test")});
        QVERIFY(outcome->result.error.detail.contains(QStringLiteral("nobody@x.test")));
        QVERIFY(outcome->result.recipients.at(0).accepted());
        VERIFY_SCRIPT(server);
    }

    void partialRefusal_sendToOthers_reportsTheRefused()
    {
        ScriptedServer server(Login
                                  + QStringLiteral("C: MAIL FROM:<alice@x.test> SIZE=58\nC: RCPT TO:<bob@x.test>\n"
                                                   "C: RCPT TO:<nobody@x.test>\nS: 250 Ok\nS: 250 Ok\n"
                                                   "S: 550 5.1.1 User unknown\nC: DATA\nS: 354 go\n")
                                  + MessageLines + QStringLiteral("S: 250 Ok queued\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Settings s = settingsFor(server, Security::ImplicitTls);
        s.allOrNothing = false;
        Session session(s);
        QVERIFY(openAndWait(session));
        auto outcome = sendAndWait(
            session, {QStringLiteral("alice@x.test"), {QStringLiteral("bob@x.test"), QStringLiteral("nobody@x.test")}},
            Message);
        QVERIFY(outcome->result.sent());
        QCOMPARE(outcome->result.refusedRecipients(), QStringList{QStringLiteral("nobody@x.test")});
        QCOMPARE(outcome->result.recipients.at(1).reply.code, 550);
        VERIFY_SCRIPT(server);
    }

    void everyRecipientRefused_isAFailureNamingThemAll()
    {
        ScriptedServer server(Login
                                  + QStringLiteral("C: MAIL FROM:<alice@x.test> SIZE=58\nC: RCPT TO:<a@x.test>\n"
                                                   "C: RCPT TO:<b@x.test>\nS: 250 Ok\nS: 550 5.1.1 no\nS: 550 5.1.1 no\n"
                                                   "C: RSET\nS: 250 Ok\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        auto outcome = sendAndWait(session, {QStringLiteral("alice@x.test"), {QStringLiteral("a@x.test"), QStringLiteral("b@x.test")}},
                                   Message);
        QCOMPARE(outcome->result.refusedRecipients(), (QStringList{QStringLiteral("a@x.test"), QStringLiteral("b@x.test")}));
        QVERIFY(!outcome->result.sent());
        VERIFY_SCRIPT(server);
    }

    void overAdvertisedSize_isRefusedBeforeMailFrom()
    {
        ScriptedServer server(Login + QStringLiteral("C: NOOP\n"), ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        auto outcome = sendAndWait(session, {QStringLiteral("alice@x.test"), {QStringLiteral("bob@x.test")}},
                                   QByteArray(2000, 'a'));
        QCOMPARE(problemName(outcome->result.problem), QStringLiteral("MessageTooLarge"));
        QVERIFY(outcome->result.error.detail.contains(QStringLiteral("1000")));
        QVERIFY(!server.received().contains("MAIL FROM"));
    }

    void serverReplies_atEachStage_becomeProblems_data()
    {
        QTest::addColumn<QString>("tail");
        QTest::addColumn<QString>("problem");
        const QString pipelined = QStringLiteral("C: MAIL FROM:<alice@x.test> SIZE=58\nC: RCPT TO:<bob@x.test>\n");
        QTest::newRow("temporary at MAIL")
            << pipelined + QStringLiteral("S: 451 4.3.0 Try again later\nS: 503 5.5.1 need MAIL\n")
            << QStringLiteral("TemporaryFailure");
        QTest::newRow("auth required at MAIL")
            << pipelined + QStringLiteral("S: 530 5.7.0 Authentication required\nS: 503 5.5.1 need MAIL\n")
            << QStringLiteral("AuthenticationRequired");
        QTest::newRow("too large at DATA end")
            << pipelined + QStringLiteral("S: 250 Ok\nS: 250 Ok\nC: DATA\nS: 354 go\n") + MessageLines
                   + QStringLiteral("S: 552 5.3.4 Message size exceeds fixed limit\n")
            << QStringLiteral("MessageTooLarge");
        QTest::newRow("spam at DATA end")
            << pipelined + QStringLiteral("S: 250 Ok\nS: 250 Ok\nC: DATA\nS: 354 go\n") + MessageLines
                   + QStringLiteral("S: 554 5.7.1 Message rejected as spam\n")
            << QStringLiteral("Spam");
        QTest::newRow("DATA refused")
            << pipelined + QStringLiteral("S: 250 Ok\nS: 250 Ok\nC: DATA\nS: 451 4.3.0 busy\nC: RSET\nS: 250 Ok\n")
            << QStringLiteral("TemporaryFailure");
    }
    void serverReplies_atEachStage_becomeProblems()
    {
        QFETCH(QString, tail);
        QFETCH(QString, problem);
        ScriptedServer server(Login + tail, ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        auto outcome = sendAndWait(session, {QStringLiteral("alice@x.test"), {QStringLiteral("bob@x.test")}}, Message);
        QVERIFY(outcome->done);
        QCOMPARE(problemName(outcome->result.problem), problem);
        QVERIFY(!outcome->result.error.serverText.isEmpty());
        QVERIFY(!outcome->result.sent());
        VERIFY_SCRIPT(server);
    }

    void connectionLost_afterFinalDot_isDeliveryUncertain()
    {
        ScriptedServer server(Login
                                  + QStringLiteral("C: MAIL FROM:<alice@x.test> SIZE=58\nC: RCPT TO:<bob@x.test>\n"
                                                   "S: 250 Ok\nS: 250 Ok\nC: DATA\nS: 354 go\n")
                                  + MessageLines + QStringLiteral("X\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        auto outcome = sendAndWait(session, {QStringLiteral("alice@x.test"), {QStringLiteral("bob@x.test")}}, Message);
        QVERIFY(outcome->result.deliveryUncertain);
        QCOMPARE(problemName(outcome->result.problem), QStringLiteral("DeliveryUncertain"));
        QVERIFY(outcome->result.error.detail.contains(QStringLiteral("delivery uncertain")));
        VERIFY_SCRIPT(server);
    }

    void connectionLost_beforeData_isAPlainFailure()
    {
        ScriptedServer server(Login + QStringLiteral("C: MAIL FROM:<alice@x.test> SIZE=58\nC: RCPT TO:<bob@x.test>\nS: 250 Ok\nX\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        auto queued = watch(session.send({QStringLiteral("alice@x.test"), {QStringLiteral("c@x.test")}}, Message));
        auto outcome = sendAndWait(session, {QStringLiteral("alice@x.test"), {QStringLiteral("bob@x.test")}}, Message);
        QVERIFY(outcome->done);
        QCOMPARE(outcome->result.error.kind, Error::Kind::Network);
        QVERIFY(!outcome->result.deliveryUncertain);
        QTRY_VERIFY(queued->done);
        QCOMPARE(queued->result.error.kind, Error::Kind::Network);
    }

    void noAnswerAfterFinalDot_timesOutAsDeliveryUncertain()
    {
        ManualClock clock;
        ScriptedServer server(Login
                                  + QStringLiteral("C: MAIL FROM:<alice@x.test> SIZE=58\nC: RCPT TO:<bob@x.test>\n"
                                                   "S: 250 Ok\nS: 250 Ok\nC: DATA\nS: 354 go\n")
                                  + MessageLines + QStringLiteral("W:\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Settings s = settingsFor(server, Security::ImplicitTls);
        s.timeout = std::chrono::seconds(30);
        s.dataEndTimeout = std::chrono::seconds(600);
        Session session(s, clock);
        QVERIFY(openAndWait(session));
        auto outcome = watch(session.send({QStringLiteral("alice@x.test"), {QStringLiteral("bob@x.test")}}, Message));
        QVERIFY(server.waitForStep(22));
        clock.advance(std::chrono::seconds(599));
        QTest::qWait(20);
        QVERIFY(!outcome->done);
        clock.advance(std::chrono::seconds(2));
        QTRY_VERIFY(outcome->done);
        QVERIFY(outcome->result.deliveryUncertain);
        server.proceed();
    }

    void eightBitMessage_withoutEightBitMime_isRefusedBeforeSending()
    {
        ScriptedServer server(Greeting + QStringLiteral("C: EHLO localhost\nS: 250-mx.test\nS: 250 AUTH PLAIN\n") + AuthOk,
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        auto outcome = sendAndWait(session, {QStringLiteral("alice@x.test"), {QStringLiteral("bob@x.test")}},
                                   QByteArray("Subject: x\r\n\r\n\xd0\x9f\xd1\x80\xd0\xb8\r\n"));
        QCOMPARE(problemName(outcome->result.problem), QStringLiteral("NotSupported"));
        VERIFY_SCRIPT(server);
    }

    void eightBitMessage_andUtf8Address_useBodyAndSmtpUtf8()
    {
        ScriptedServer server(Greeting + ehlo(QStringLiteral("S: 250-SMTPUTF8\n")) + AuthOk
                                  + QStringLiteral("C: MAIL FROM:<alice@x.test> SIZE=22 BODY=8BITMIME SMTPUTF8\n"
                                                   "C: RCPT TO:<\\xD0\\xBF\\xD0\\xB5\\xD1\\x82\\xD1\\x8F@x.test>\n"
                                                   "S: 250 Ok\nS: 250 Ok\nC: DATA\nS: 354 go\n"
                                                   "C: Subject: x\nC:\nC: \\xD0\\x9F\\xD1\\x80\\xD0\\xB8\nC: .\nS: 250 Ok\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        auto outcome = sendAndWait(session, {QStringLiteral("alice@x.test"), {QStringLiteral("петя@x.test")}},
                                   QByteArray("Subject: x\r\n\r\n\xd0\x9f\xd1\x80\xd0\xb8\r\n"));
        QVERIFY2(!outcome->result.error, qPrintable(outcome->result.error.toString()));
        VERIFY_SCRIPT(server);
    }

    void withoutPipelining_commandsWaitForAnswers_andSendsRunInTurn()
    {
        ScriptedServer server(Greeting
                                  + QStringLiteral("C: EHLO localhost\nS: 250-mx.test\nS: 250 AUTH PLAIN\n") + AuthOk
                                  + QStringLiteral("C: MAIL FROM:<alice@x.test>\nS: 250 Ok\nC: RCPT TO:<bob@x.test>\n"
                                                   "S: 550 5.1.1 unknown\nC: RSET\nS: 250 Ok\n"
                                                   "C: MAIL FROM:<alice@x.test>\nS: 250 Ok\nC: RCPT TO:<carol@x.test>\n"
                                                   "S: 250 Ok\nC: DATA\nS: 354 go\n")
                                  + MessageLines + QStringLiteral("S: 250 Ok\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        auto first = watch(session.send({QStringLiteral("alice@x.test"), {QStringLiteral("bob@x.test")}}, Message));
        auto second = watch(session.send({QStringLiteral("alice@x.test"), {QStringLiteral("carol@x.test")}}, Message));
        QTRY_VERIFY(second->done);
        QVERIFY(first->done);
        QCOMPARE(problemName(first->result.problem), QStringLiteral("MailboxUnavailable"));
        QVERIFY(second->result.sent());
        VERIFY_SCRIPT(server);
    }

    void protocolLog_redactsAuth()
    {
        QTemporaryDir dir;
        ScriptedServer server(Login, ScriptedServer::Transport::ImplicitTls);
        Settings s = settingsFor(server, Security::ImplicitTls);
        s.protocolLogDir = dir.path();
        {
            Session session(s);
            QVERIFY(openAndWait(session));
            VERIFY_SCRIPT(server);
        }
        const QStringList files = QDir(dir.path()).entryList(QDir::Files);
        QCOMPARE(files.size(), 1);
        QFile file(QDir(dir.path()).filePath(files.first()));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray log = file.readAll();
        QVERIFY(log.contains("C: AUTH PLAIN ***\n"));
        QVERIFY(!log.contains("AGFsaWNlAHNlY3JldA"));
        QVERIFY(log.contains("S: 250-PIPELINING\n"));
    }
};

QTEST_GUILESS_MAIN(TestSmtpSession)
#include "test_smtpsession.moc"
