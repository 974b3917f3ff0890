// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/account/connectiontest.h"
#include "tests/support/scriptedserver.h"

#include <QSignalSpy>
#include <QTest>

using namespace Tidings;
using namespace Tidings::Account;
using Tidings::Test::ScriptedServer;

namespace {

AccountSettings account(IncomingProtocol protocol, quint16 port, Security security = Security::ImplicitTls,
                        quint16 smtpPort = 1)
{
    AccountSettings s;
    s.id = QStringLiteral("acc-1");
    s.email = QStringLiteral("anna@example.org");
    s.incomingProtocol = protocol;
    s.incoming = Endpoint{QStringLiteral("127.0.0.1"), port, security, QStringLiteral("anna")};
    s.outgoing =
        Endpoint{QStringLiteral("127.0.0.1"), smtpPort, Security::ImplicitTls, QStringLiteral("anna")};
    return s;
}

ConnectionTestOptions options(CertificatePins *pins, bool ask = true)
{
    ConnectionTestOptions o;
    o.trust.useSystemCaCertificates = false;
    o.trust.extraCaCertificates = ScriptedServer::testCaCertificates();
    o.pins = pins;
    o.askAboutCertificates = ask;
    return o;
}

ConnectionTestResult run(ConnectionTester &tester)
{
    QSignalSpy finished(&tester, &ConnectionTester::finished);
    tester.start();
    if (finished.isEmpty())
        finished.wait(20000);
    if (finished.size() != 1) {
        qWarning("the connection test finished %d times", int(finished.size()));
        return {};
    }
    return finished.first().first().value<ConnectionTestResult>();
}

} // namespace

class TestConnectionTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void imap_loginThenList_passes()
    {
        ScriptedServer server(QStringLiteral("S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] ready\n"
                                             "C: A001 AUTHENTICATE PLAIN AGFubmEAczNjcmV0\n"
                                             "S: A001 OK [CAPABILITY IMAP4rev1] welcome\n"
                                             "C: A002 LIST \"\" \"*\"\n"
                                             "S: * LIST (\\HasNoChildren) \"/\" INBOX\n"
                                             "S: * LIST (\\HasNoChildren \\Sent) \"/\" Sent\n"
                                             "S: A002 OK done\n"
                                             "C: A003 LOGOUT\n"
                                             "S: * BYE\n"
                                             "S: A003 OK bye\n"
                                             "X\n"),
                              ScriptedServer::Transport::ImplicitTls);
        ScriptedServer smtp(QStringLiteral("S: 220 mx.example.org ready\n"
                                           "C: EHLO localhost\n"
                                           "S: 250-mx.example.org\n"
                                           "S: 250-SIZE 36700160\n"
                                           "S: 250 AUTH PLAIN LOGIN\n"
                                           "C: AUTH PLAIN AGFubmEAczNjcmV0\n"
                                           "S: 235 2.7.0 accepted\n"
                                           "C: MAIL FROM:<anna@example.org>\n"
                                           "S: 250 2.1.0 Ok\n"
                                           "C: RCPT TO:<anna@example.org>\n"
                                           "S: 250 2.1.5 Ok\n"
                                           "C: RSET\n"
                                           "S: 250 2.0.0 Ok\n"
                                           "C: QUIT\n"
                                           "S: 221 bye\n"
                                           "X\n"),
                            ScriptedServer::Transport::ImplicitTls);
        MemoryCertificatePins pins;
        ConnectionTester tester(
            account(IncomingProtocol::Imap, server.port(), Security::ImplicitTls, smtp.port()),
            {QStringLiteral("s3cret"), {}}, options(&pins));
        QSignalSpy updates(&tester, &ConnectionTester::stepUpdated);
        const ConnectionTestResult r = run(tester);
        const QStringList problems = server.verify();
        if (!problems.isEmpty())
            qWarning("%s", qPrintable(problems.join(u'\n')));
        QCOMPARE(problems, QStringList());
        const QStringList smtpProblems = smtp.verify();
        QVERIFY2(smtpProblems.isEmpty(), qPrintable(smtpProblems.join(u'\n')));
        QCOMPARE(r.steps.size(), 5);
        QCOMPARE(r.steps[0].kind, TestStep::Kind::IncomingLogin);
        QCOMPARE(r.steps[0].state, TestStep::State::Passed);
        QCOMPARE(r.steps[1].kind, TestStep::Kind::IncomingList);
        QCOMPARE(r.steps[1].detail, QStringLiteral("2 folders"));
        QCOMPARE(r.steps[2].kind, TestStep::Kind::OutgoingHello);
        QCOMPARE(r.steps[2].detail, QStringLiteral("encrypted, AUTH PLAIN LOGIN, messages up to 35 MB"));
        QCOMPARE(r.steps[3].kind, TestStep::Kind::OutgoingAuth);
        QCOMPARE(r.steps[4].kind, TestStep::Kind::OutgoingSender);
        QCOMPARE(r.steps[4].state, TestStep::State::Passed);
        QVERIFY(!smtp.received().contains("DATA")); // the sender check sends nothing
        QVERIFY(r.passed());
        QCOMPARE(updates.size(), 10); // each step: started, then passed
    }

    /// Postfix with reject_sender_login_mismatch (Yandex, Mail.ru) answers at RCPT TO; the
    /// connection test finds it before the person's first send, in plain words.
    void smtp_senderNotOwnedByLogin_isFoundByTheTest_withNothingSent()
    {
        ScriptedServer imap(QStringLiteral("S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] ready\n"
                                           "C: A001 AUTHENTICATE PLAIN AGFubmEAczNjcmV0\n"
                                           "S: A001 OK done\n"
                                           "C: A002 LIST \"\" \"*\"\n"
                                           "S: A002 OK done\n"
                                           "C: A003 LOGOUT\n"
                                           "S: A003 OK bye\n"
                                           "X\n"),
                            ScriptedServer::Transport::ImplicitTls);
        ScriptedServer smtp(
            QStringLiteral(
                "S: 220 ready\n"
                "C: EHLO localhost\n"
                "S: 250-mx\n"
                "S: 250-PIPELINING\n"
                "S: 250 AUTH PLAIN\n"
                "C: AUTH PLAIN AGFubmEAczNjcmV0\n"
                "S: 235 2.7.0 accepted\n"
                "C: MAIL FROM:<anna@example.org>\n"
                "C: RCPT TO:<anna@example.org>\n"
                "S: 250 2.1.0 Ok\n"
                "S: 553 5.7.1 <anna@example.org>: Sender address rejected: not owned by auth user.\n"
                "C: RSET\n"
                "S: 250 2.0.0 Ok\n"),
            ScriptedServer::Transport::ImplicitTls);
        MemoryCertificatePins pins;
        ConnectionTester tester(
            account(IncomingProtocol::Imap, imap.port(), Security::ImplicitTls, smtp.port()),
            {QStringLiteral("s3cret"), {}}, options(&pins));
        const ConnectionTestResult r = run(tester);
        QCOMPARE(smtp.verify(), QStringList());
        QCOMPARE(r.steps.size(), 5);
        QCOMPARE(r.steps[3].state, TestStep::State::Passed);
        QCOMPARE(r.steps[4].kind, TestStep::Kind::OutgoingSender);
        QCOMPARE(r.steps[4].state, TestStep::State::Failed);
        QCOMPARE(r.steps[4].diagnosis.problem, Problem::SenderMismatch);
        QVERIFY(r.steps[4].diagnosis.serverText.contains(QStringLiteral("not owned by auth user")));
        QVERIFY(!smtp.received().contains("DATA"));
        QVERIFY(!r.passed());
    }

    void imap_wrongPassword_isExplained_withTheServersWords()
    {
        ScriptedServer server(QStringLiteral("S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] ready\n"
                                             "C: A001 AUTHENTICATE PLAIN AGFubmEAd3Jvbmc=\n"
                                             "S: A001 NO [AUTHENTICATIONFAILED] Authentication failed.\n"),
                              ScriptedServer::Transport::ImplicitTls);
        MemoryCertificatePins pins;
        ConnectionTester tester(account(IncomingProtocol::Imap, server.port()), {QStringLiteral("wrong"), {}},
                                options(&pins));
        const ConnectionTestResult r = run(tester);
        QCOMPARE(server.verify(), QStringList());
        QVERIFY(!r.passed());
        QCOMPARE(r.steps.size(), 2); // the outgoing side is still tested (and fails here: port 1)
        QCOMPARE(r.steps[1].kind, TestStep::Kind::OutgoingHello);
        QCOMPARE(r.steps[1].diagnosis.problem, Problem::PortBlocked);
        QCOMPARE(r.steps[0].state, TestStep::State::Failed);
        QCOMPARE(r.steps[0].diagnosis.problem, Problem::WrongPassword);
        QCOMPARE(r.steps[0].diagnosis.serverText, QStringLiteral("Authentication failed."));
    }

    void imap_plaintextOnlyServer_isRefused_beforeAnyPassword()
    {
        // STARTTLS asked for, the server does not offer it: no credential may leave.
        ScriptedServer server(QStringLiteral("S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] plaintext only\n"));
        MemoryCertificatePins pins;
        ConnectionTester tester(account(IncomingProtocol::Imap, server.port(), Security::StartTls),
                                {QStringLiteral("s3cret"), {}}, options(&pins));
        const ConnectionTestResult r = run(tester);
        QVERIFY(!server.received().contains("s3cret"));
        QVERIFY(!server.received().contains("AUTHENTICATE"));
        QCOMPARE(r.steps[0].state, TestStep::State::Failed);
        QCOMPARE(r.steps[0].diagnosis.problem, Problem::NoTls);
    }

    void pop3_disabledAtProvider_isExplained()
    {
        ScriptedServer server(QStringLiteral("S: +OK ready\n"
                                             "C: CAPA\n"
                                             "S: +OK\n"
                                             "S: USER\n"
                                             "S: UIDL\n"
                                             "S: .\n"
                                             "C: USER anna\n"
                                             "S: +OK\n"
                                             "C: PASS s3cret\n"
                                             "S: -ERR Login failure or POP3 disabled, try later. sc=abc\n"
                                             "X\n"),
                              ScriptedServer::Transport::ImplicitTls);
        MemoryCertificatePins pins;
        ConnectionTestOptions o = options(&pins);
        o.providerNote = QStringLiteral("Turn on access for mail programs in Yandex Mail.");
        ConnectionTester tester(account(IncomingProtocol::Pop3, server.port()),
                                {QStringLiteral("s3cret"), {}}, o);
        const ConnectionTestResult r = run(tester);
        QCOMPARE(server.verify(), QStringList());
        QCOMPARE(r.steps[0].state, TestStep::State::Failed);
        QCOMPARE(r.steps[0].diagnosis.problem, Problem::AccessDisabled);
        QVERIFY(r.steps[0].diagnosis.fix.contains(o.providerNote));
        QVERIFY(r.steps[0].diagnosis.serverText.contains(QStringLiteral("POP3 disabled")));
    }

    void pop3_loginThenUidl_passes()
    {
        ScriptedServer server(QStringLiteral("S: +OK ready\n"
                                             "C: CAPA\n"
                                             "S: +OK\n"
                                             "S: USER\n"
                                             "S: UIDL\n"
                                             "S: .\n"
                                             "C: USER anna\n"
                                             "S: +OK\n"
                                             "C: PASS s3cret\n"
                                             "S: +OK logged in\n"
                                             "C: UIDL\n"
                                             "S: +OK\n"
                                             "S: 1 aaa\n"
                                             "S: 2 bbb\n"
                                             "S: .\n"
                                             "C: QUIT\n"
                                             "S: +OK bye\n"
                                             "X\n"),
                              ScriptedServer::Transport::ImplicitTls);
        MemoryCertificatePins pins;
        ConnectionTester tester(account(IncomingProtocol::Pop3, server.port()),
                                {QStringLiteral("s3cret"), {}}, options(&pins));
        const ConnectionTestResult r = run(tester);
        QCOMPARE(server.verify(), QStringList());
        QCOMPARE(r.steps[0].state, TestStep::State::Passed);
        QCOMPARE(r.steps[1].state, TestStep::State::Passed);
        QCOMPARE(r.steps[1].detail, QStringLiteral("2 messages"));
    }

    void untrustedCertificate_asksThePerson_refusalEndsWithoutALoop()
    {
        ScriptedServer server(QStringLiteral("S: * OK ready\n"), ScriptedServer::Transport::ImplicitTls);
        const auto [cert, key] = ScriptedServer::untrustedCertificate();
        server.setCertificate(cert, key);
        MemoryCertificatePins pins;
        ConnectionTester tester(account(IncomingProtocol::Imap, server.port()),
                                {QStringLiteral("s3cret"), {}}, options(&pins));
        int asked = 0;
        connect(&tester, &ConnectionTester::certificateTrustRequested, this,
                [&](CertificateTrustRequest *request) {
                    ++asked;
                    QCOMPARE(request->problem().sha256(), certificateSha256(cert));
                    QCOMPARE(request->problem().port, server.port());
                    QVERIFY(!request->problem().explanations().isEmpty());
                    QVERIFY(request->describe().contains(request->problem().sha256Hex()));
                    request->refuse();
                });
        const ConnectionTestResult r = run(tester);
        QCOMPARE(asked, 1);
        QCOMPARE(r.steps.size(), 2);
        QCOMPARE(r.steps[0].diagnosis.problem, Problem::Certificate);
        QVERIFY(r.steps[0].certificate);
        QVERIFY(pins.pins(QStringLiteral("127.0.0.1"), server.port()).isEmpty());
        QVERIFY(server.received().isEmpty()); // not a byte, let alone a password
    }

    void changedCertificate_asksAgain()
    {
        // A pin exists for this endpoint, but the server now shows another certificate.
        ScriptedServer server(QStringLiteral("S: * OK ready\n"), ScriptedServer::Transport::ImplicitTls);
        const auto [cert, key] = ScriptedServer::untrustedCertificate();
        server.setCertificate(cert, key);
        MemoryCertificatePins pins;
        const QByteArray oldPin = QByteArray(32, '\x42');
        QVERIFY(!pins.addPin(QStringLiteral("127.0.0.1"), server.port(), oldPin));
        ConnectionTester tester(account(IncomingProtocol::Imap, server.port()),
                                {QStringLiteral("s3cret"), {}}, options(&pins, false));
        QSignalSpy asked(&tester, &ConnectionTester::certificateTrustRequested);
        const ConnectionTestResult r = run(tester);
        QCOMPARE(asked.size(), 0); // askAboutCertificates off: the result carries it instead
        QCOMPARE(r.steps[0].state, TestStep::State::Failed);
        QVERIFY(r.steps[0].certificate);
        QCOMPARE(r.steps[0].certificate->sha256(), certificateSha256(cert));
        QCOMPARE(pins.pins(QStringLiteral("127.0.0.1"), server.port()), QList<QByteArray>{oldPin});
        QVERIFY(server.received().isEmpty());
    }

    void smtp_wrongPassword_helloPassed_authFailed()
    {
        ScriptedServer imap(QStringLiteral("S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] ready\n"
                                           "C: A001 AUTHENTICATE PLAIN AGFubmEAczNjcmV0\n"
                                           "S: A001 OK done\n"
                                           "C: A002 LIST \"\" \"*\"\n"
                                           "S: A002 OK done\n"
                                           "C: A003 LOGOUT\n"
                                           "S: A003 OK bye\n"
                                           "X\n"),
                            ScriptedServer::Transport::ImplicitTls);
        ScriptedServer smtp(
            QStringLiteral("S: 220 ready\n"
                           "C: EHLO localhost\n"
                           "S: 250-mx\n"
                           "S: 250 AUTH PLAIN\n"
                           "C: AUTH PLAIN AGFubmEAczNjcmV0\n"
                           "S: 534-5.7.9 Application-specific password required. Learn more at\n"
                           "S: 534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor\n"),
            ScriptedServer::Transport::ImplicitTls);
        MemoryCertificatePins pins;
        ConnectionTester tester(
            account(IncomingProtocol::Imap, imap.port(), Security::ImplicitTls, smtp.port()),
            {QStringLiteral("s3cret"), {}}, options(&pins));
        const ConnectionTestResult r = run(tester);
        QCOMPARE(smtp.verify(), QStringList());
        QCOMPARE(r.steps.size(), 4);
        QCOMPARE(r.steps[2].state, TestStep::State::Passed);
        QCOMPARE(r.steps[3].kind, TestStep::Kind::OutgoingAuth);
        QCOMPARE(r.steps[3].state, TestStep::State::Failed);
        QCOMPARE(r.steps[3].diagnosis.problem, Problem::AppPasswordNeeded);
        QVERIFY(r.steps[3].diagnosis.serverText.contains(QStringLiteral("Application-specific")));
    }

    void smtp_withoutStartTls_isRefused_beforeAnyPassword()
    {
        ScriptedServer smtp(QStringLiteral("S: 220 ready\n"
                                           "C: EHLO localhost\n"
                                           "S: 250-mx\n"
                                           "S: 250 AUTH PLAIN LOGIN\n"));
        MemoryCertificatePins pins;
        AccountSettings s = account(IncomingProtocol::Imap, 1, Security::ImplicitTls, smtp.port());
        s.outgoing.security = Security::StartTls;
        ConnectionTester tester(s, {QStringLiteral("s3cret"), {}}, options(&pins));
        const ConnectionTestResult r = run(tester);
        QVERIFY(!smtp.received().contains("AUTH"));
        QCOMPARE(r.steps.last().kind, TestStep::Kind::OutgoingHello);
        QCOMPARE(r.steps.last().diagnosis.problem, Problem::NoTls);
    }

    void closedPort_isExplained()
    {
        quint16 port = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            port = probe.serverPort();
        }
        MemoryCertificatePins pins;
        ConnectionTester tester(account(IncomingProtocol::Imap, port), {QStringLiteral("s3cret"), {}},
                                options(&pins));
        const ConnectionTestResult r = run(tester);
        QCOMPARE(r.steps[0].diagnosis.problem, Problem::PortBlocked);
    }

    void cancel_finishesOnce()
    {
        ScriptedServer server(QStringLiteral("S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] ready\nW:\n"),
                              ScriptedServer::Transport::ImplicitTls);
        MemoryCertificatePins pins;
        ConnectionTester tester(account(IncomingProtocol::Imap, server.port()),
                                {QStringLiteral("s3cret"), {}}, options(&pins));
        QSignalSpy finished(&tester, &ConnectionTester::finished);
        tester.start();
        tester.cancel();
        QCOMPARE(finished.size(), 1);
        QVERIFY(finished.first().first().value<ConnectionTestResult>().cancelled);
        server.proceed();
    }
};

QTEST_GUILESS_MAIN(TestConnectionTest)
#include "test_connectiontest.moc"
