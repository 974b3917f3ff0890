// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/common/tls.h"
#include "tests/support/scriptedserver.h"

#include <QSignalSpy>
#include <QSslSocket>
#include <QTest>

using Tidings::CertificateProblem;
using Tidings::TlsGuard;
using Tidings::TlsPolicy;
using Tidings::Test::ScriptedServer;

namespace {

TlsPolicy testCaPolicy()
{
    TlsPolicy policy;
    policy.useSystemCaCertificates = false;
    policy.extraCaCertificates = ScriptedServer::testCaCertificates();
    return policy;
}

} // namespace

class TestTls final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void trustedCertificate_handshakesWithoutProblem()
    {
        ScriptedServer server(QStringLiteral("S: * OK hi\n"), ScriptedServer::Transport::ImplicitTls);
        QSslSocket socket;
        TlsGuard guard(&socket, QStringLiteral("localhost"), server.port(), testCaPolicy());
        socket.connectToHostEncrypted(QStringLiteral("localhost"), server.port());
        QVERIFY2(socket.waitForEncrypted(10000), qPrintable(socket.errorString()));
        QVERIFY(!guard.problem());
        QVERIFY(!guard.acceptedByPin());
        QVERIFY(!guard.error());
    }

    void selfSignedCertificate_isRefusedBeforeAnyByteIsSent()
    {
        ScriptedServer server(QStringLiteral("S: * OK hi\n"), ScriptedServer::Transport::ImplicitTls);
        const auto [cert, key] = ScriptedServer::untrustedCertificate();
        server.setCertificate(cert, key);
        QSslSocket socket;
        TlsGuard guard(&socket, QStringLiteral("localhost"), server.port(), testCaPolicy());
        QSignalSpy rejected(&guard, &TlsGuard::certificateRejected);
        socket.connectToHostEncrypted(QStringLiteral("localhost"), server.port());
        socket.write("A1 LOGIN user secret\r\n"); // queued: must never reach the server
        QVERIFY(!socket.waitForEncrypted(10000));
        QCOMPARE(rejected.count(), 1);
        QVERIFY(guard.problem());
        QVERIFY(guard.problem()->reasons.contains(CertificateProblem::Reason::SelfSigned));
        QCOMPARE(guard.problem()->sha256(), Tidings::certificateSha256(cert));
        QCOMPARE(guard.problem()->sha256().size(), 32);
        QVERIFY(!guard.problem()->explanations().isEmpty());
        QCOMPARE(guard.error().kind, Tidings::Error::Kind::Tls);
        QVERIFY(!server.received().contains("secret"));
    }

    void pinnedCertificate_isAcceptedForThatEndpoint()
    {
        ScriptedServer server(QStringLiteral("S: * OK pinned\n"), ScriptedServer::Transport::ImplicitTls);
        const auto [cert, key] = ScriptedServer::untrustedCertificate();
        server.setCertificate(cert, key);
        TlsPolicy policy = testCaPolicy();
        policy.pinnedSha256 << Tidings::certificateSha256(cert);
        QSslSocket socket;
        TlsGuard guard(&socket, QStringLiteral("localhost"), server.port(), policy);
        socket.connectToHostEncrypted(QStringLiteral("localhost"), server.port());
        QVERIFY2(socket.waitForEncrypted(10000), qPrintable(socket.errorString()));
        QVERIFY(guard.acceptedByPin());
        QVERIFY(!guard.problem());
    }

    void changedCertificate_isRefusedDespiteAnOldPin()
    {
        ScriptedServer server(QStringLiteral("S: * OK hi\n"), ScriptedServer::Transport::ImplicitTls);
        const auto [cert, key] = ScriptedServer::untrustedCertificate();
        server.setCertificate(cert, key);
        TlsPolicy policy = testCaPolicy();
        policy.pinnedSha256 << QByteArray(32, '\x42'); // the certificate the person trusted before
        QSslSocket socket;
        TlsGuard guard(&socket, QStringLiteral("localhost"), server.port(), policy);
        socket.connectToHostEncrypted(QStringLiteral("localhost"), server.port());
        QVERIFY(!socket.waitForEncrypted(10000));
        QVERIFY(guard.problem());
        QVERIFY(!guard.acceptedByPin());
    }

    void certificateForAnotherName_reportsHostnameMismatch()
    {
        ScriptedServer server(QStringLiteral("S: * OK hi\n"), ScriptedServer::Transport::ImplicitTls);
        QSslSocket socket;
        TlsGuard guard(&socket, QStringLiteral("mail.example.org"), server.port(), testCaPolicy());
        socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("mail.example.org"));
        QVERIFY(!socket.waitForEncrypted(10000));
        QVERIFY(guard.problem());
        QCOMPARE(guard.problem()->reasons, QList<CertificateProblem::Reason>{CertificateProblem::Reason::HostnameMismatch});
        QVERIFY(guard.problem()->explanations().first().contains(QStringLiteral("mail.example.org")));
    }

    void securityNames_roundTrip()
    {
        for (auto s : {Tidings::Security::ImplicitTls, Tidings::Security::StartTls, Tidings::Security::None})
            QCOMPARE(Tidings::securityFromName(Tidings::securityName(s)), s);
        QCOMPARE(Tidings::securityFromName(QStringLiteral("SSL")), Tidings::Security::ImplicitTls);
        QVERIFY(!Tidings::securityFromName(QStringLiteral("maybe")));
    }
};

QTEST_GUILESS_MAIN(TestTls)
#include "test_tls.moc"
