// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// The scripted server is the ground every protocol test stands on, so it is tested itself.
#include "tests/support/scriptedserver.h"

#include <QSignalSpy>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTest>

using Tidings::Test::ScriptedServer;

namespace {

/// Reads one CRLF-terminated line from @p socket, waiting on the event loop.
QByteArray readLine(QSslSocket &socket, int timeoutMs = 5000)
{
    while (!socket.canReadLine()) {
        if (!socket.waitForReadyRead(timeoutMs))
            return {};
    }
    QByteArray line = socket.readLine();
    if (line.endsWith("\r\n"))
        line.chop(2);
    return line;
}

QSslConfiguration trustingTestCa()
{
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setCaCertificates(ScriptedServer::testCaCertificates());
    config.setPeerVerifyMode(QSslSocket::VerifyPeer);
    return config;
}

} // namespace

class TestScriptedServer final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void plainConversation_matchingClient_verifiesClean()
    {
        ScriptedServer server(QStringLiteral("S: * OK hello\n"
                                             "C: A1 NOOP\n"
                                             "S: A1 OK done\n"));
        QSslSocket client;
        client.connectToHost(QHostAddress::LocalHost, server.port());
        QVERIFY(client.waitForConnected(5000));
        QCOMPARE(readLine(client), QByteArray("* OK hello"));
        client.write("A1 NOOP\r\n");
        QCOMPARE(readLine(client), QByteArray("A1 OK done"));
        QCOMPARE(server.verify(), QStringList());
        QCOMPARE(server.received(), QByteArray("A1 NOOP\r\n"));
    }

    void wrongClientLine_isReportedWithBothLines()
    {
        ScriptedServer server(QStringLiteral("S: * OK hello\nC: A1 NOOP\nS: A1 OK done\n"));
        QSslSocket client;
        client.connectToHost(QHostAddress::LocalHost, server.port());
        QVERIFY(client.waitForConnected(5000));
        readLine(client);
        client.write("A1 LOGOUT\r\n");
        readLine(client);
        const QStringList problems = server.verify();
        QCOMPARE(problems.size(), 1);
        QVERIFY2(problems.first().contains(QStringLiteral("A1 LOGOUT")), qPrintable(problems.first()));
    }

    void clientBytesAfterScript_areReported()
    {
        ScriptedServer server(QStringLiteral("S: * OK hello\n"));
        QSslSocket client;
        client.connectToHost(QHostAddress::LocalHost, server.port());
        QVERIFY(client.waitForConnected(5000));
        readLine(client);
        client.write("A1 EXTRA\r\n");
        QTRY_VERIFY(!server.errors().isEmpty());
        QVERIFY(server.verify().first().contains(QStringLiteral("after the script ended")));
    }

    void unfinishedScript_isReported()
    {
        ScriptedServer server(QStringLiteral("S: * OK hello\nC: A1 NOOP\n"));
        QSslSocket client;
        client.connectToHost(QHostAddress::LocalHost, server.port());
        QVERIFY(client.waitForConnected(5000));
        readLine(client);
        const QStringList problems = server.verify(200);
        QCOMPARE(problems.size(), 1);
        QVERIFY(problems.first().contains(QStringLiteral("script stopped at step 1")));
    }

    void dripMode_sendsOneBytePerRead()
    {
        ScriptedServer server(QStringLiteral("S: * OK drip\n"));
        server.setDrip(true);
        QSslSocket client;
        client.connectToHost(QHostAddress::LocalHost, server.port());
        QVERIFY(client.waitForConnected(5000));
        QByteArray all;
        int reads = 0;
        while (!all.endsWith("\r\n") && client.waitForReadyRead(5000)) {
            all += client.readAll();
            ++reads;
        }
        QCOMPARE(all, QByteArray("* OK drip\r\n"));
        QVERIFY2(reads >= 6, qPrintable(QString::number(reads)));
        QCOMPARE(server.verify(), QStringList());
    }

    void escapes_produceExactBytes()
    {
        QCOMPARE(Tidings::Test::unescapeScriptText(QStringLiteral("a\\r\\nb\\x00\\xff\\\\")),
                 QByteArray("a\r\nb\0\xff\\", 7));
        QCOMPARE(Tidings::Test::unescapeScriptText(QStringLiteral("Привет")), QStringLiteral("Привет").toUtf8());
    }

    void implicitTls_clientTrustingTestCa_handshakes()
    {
        ScriptedServer server(QStringLiteral("S: +OK ready\nC: QUIT\nS: +OK bye\nX\n"),
                              ScriptedServer::Transport::ImplicitTls);
        QSslSocket client;
        client.setSslConfiguration(trustingTestCa());
        client.connectToHostEncrypted(QStringLiteral("localhost"), server.port());
        QVERIFY2(client.waitForEncrypted(10000), qPrintable(client.errorString()));
        QCOMPARE(readLine(client), QByteArray("+OK ready"));
        client.write("QUIT\r\n");
        QCOMPARE(readLine(client), QByteArray("+OK bye"));
        QCOMPARE(server.verify(), QStringList());
    }

    void startTlsStep_upgradesTheSameConnection()
    {
        ScriptedServer server(QStringLiteral("S: 220 ready\n"
                                             "C: STARTTLS\n"
                                             "S: 220 go ahead\n"
                                             "TLS\n"
                                             "C: EHLO client\n"
                                             "S: 250 secure\n"));
        QSslSocket client;
        client.setSslConfiguration(trustingTestCa());
        client.connectToHost(QStringLiteral("localhost"), server.port());
        QVERIFY(client.waitForConnected(5000));
        QCOMPARE(readLine(client), QByteArray("220 ready"));
        client.write("STARTTLS\r\n");
        QCOMPARE(readLine(client), QByteArray("220 go ahead"));
        client.startClientEncryption();
        QVERIFY2(client.waitForEncrypted(10000), qPrintable(client.errorString()));
        client.write("EHLO client\r\n");
        QCOMPARE(readLine(client), QByteArray("250 secure"));
        QCOMPARE(server.verify(), QStringList());
    }

    void untrustedCertificate_isRejectedByAClientTrustingOnlyTheTestCa()
    {
        ScriptedServer server(QStringLiteral("S: +OK ready\n"), ScriptedServer::Transport::ImplicitTls);
        const auto [cert, key] = ScriptedServer::untrustedCertificate();
        server.setCertificate(cert, key);
        QSslSocket client;
        client.setSslConfiguration(trustingTestCa());
        QSignalSpy sslErrors(&client, &QSslSocket::sslErrors);
        client.connectToHostEncrypted(QStringLiteral("localhost"), server.port());
        QVERIFY(!client.waitForEncrypted(10000));
        QVERIFY(!sslErrors.isEmpty());
    }

    void waitStep_holdsUntilProceed()
    {
        ScriptedServer server(QStringLiteral("S: * OK hello\nW:\nS: * 1 EXISTS\n"));
        QSslSocket client;
        client.connectToHost(QHostAddress::LocalHost, server.port());
        QVERIFY(client.waitForConnected(5000));
        QCOMPARE(readLine(client), QByteArray("* OK hello"));
        QVERIFY(!client.waitForReadyRead(100));
        server.proceed();
        QCOMPARE(readLine(client), QByteArray("* 1 EXISTS"));
        QCOMPARE(server.verify(), QStringList());
    }

    void closeStep_disconnectsTheClient()
    {
        ScriptedServer server(QStringLiteral("S: * BYE going away\nX\n"));
        QSslSocket client;
        client.connectToHost(QHostAddress::LocalHost, server.port());
        QVERIFY(client.waitForConnected(5000));
        QCOMPARE(readLine(client), QByteArray("* BYE going away"));
        QTRY_COMPARE(client.state(), QAbstractSocket::UnconnectedState);
        QCOMPARE(server.verify(), QStringList());
    }
};

QTEST_GUILESS_MAIN(TestScriptedServer)
#include "test_scriptedserver.moc"
