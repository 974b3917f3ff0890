// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Discovery and the connection test against the harness's real Dovecot (IMAP, POP3, submission).
#include "core/account/connectiontest.h"
#include "core/account/discovery.h"
#include "tests/account/fakes.h"
#include "tests/support/mailserverenv.h"
#include "tests/support/scriptedserver.h"

#include <QFile>
#include <QSignalSpy>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpServer>
#include <QTest>

using namespace Tidings;
using namespace Tidings::Account;
using Tidings::Test::FakeResolver;
using Tidings::Test::MailServerEnv;
using Tidings::Test::MailUser;

namespace {

/// A TLS front with a certificate of the test's choosing, relaying to the harness's IMAPS port:
/// a real IMAP server behind a certificate nobody vouches for.
class TlsProxy final : public QTcpServer
{
public:
    TlsProxy(QString upstreamHost, quint16 upstreamPort, QList<QSslCertificate> upstreamCas)
        : m_host(std::move(upstreamHost))
        , m_port(upstreamPort)
        , m_cas(std::move(upstreamCas))
    {
        listen(QHostAddress::LocalHost, 0);
    }
    void setCertificate(const QSslCertificate &certificate, const QSslKey &key)
    {
        m_certificate = certificate;
        m_key = key;
    }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *down = new QSslSocket(this);
        down->setSocketDescriptor(descriptor);
        down->setLocalCertificate(m_certificate);
        down->setPrivateKey(m_key);
        auto *up = new QSslSocket(this);
        QSslConfiguration config = QSslConfiguration::defaultConfiguration();
        config.setCaCertificates(m_cas);
        up->setSslConfiguration(config);
        connect(down, &QSslSocket::readyRead, up, [down, up] { up->write(down->readAll()); });
        connect(up, &QSslSocket::readyRead, down, [down, up] { down->write(up->readAll()); });
        connect(down, &QSslSocket::disconnected, up, [up] { up->disconnectFromHost(); });
        connect(up, &QSslSocket::disconnected, down, [down] { down->disconnectFromHost(); });
        connect(down, &QSslSocket::encrypted, up, [this, up] { up->connectToHostEncrypted(m_host, m_port); });
        down->startServerEncryption();
    }

private:
    QString m_host;
    quint16 m_port;
    QList<QSslCertificate> m_cas;
    QSslCertificate m_certificate;
    QSslKey m_key;
};

std::pair<QSslCertificate, QSslKey> readPair(const QString &certFile, const QString &keyFile)
{
    QFile c(certFile);
    QFile k(keyFile);
    if (!c.open(QIODevice::ReadOnly) || !k.open(QIODevice::ReadOnly))
        return std::make_pair(QSslCertificate(), QSslKey());
    const QByteArray keyPem = k.readAll();
    QSslKey key(keyPem, QSsl::Ec);
    if (key.isNull())
        key = QSslKey(keyPem, QSsl::Rsa);
    return {QSslCertificate(c.readAll()), key};
}

} // namespace

class TestAccountHarness : public QObject
{
    Q_OBJECT

    MailServerEnv m_env;
    MailUser m_user;

    ConnectionTestOptions options(CertificatePins *pins) const
    {
        ConnectionTestOptions o;
        o.trust.useSystemCaCertificates = false;
        o.trust.extraCaCertificates = m_env.caCertificates();
        o.pins = pins;
        return o;
    }

    AccountSettings settings(IncomingProtocol protocol, quint16 inPort, Security inSecurity) const
    {
        AccountSettings s;
        s.id = QStringLiteral("harness");
        s.email = m_user.address;
        s.incomingProtocol = protocol;
        s.incoming = Endpoint{m_env.host, inPort, inSecurity, m_user.address};
        s.outgoing = Endpoint{m_env.host, m_env.smtpPort, Security::StartTls, m_user.address};
        return s;
    }

    static ConnectionTestResult run(ConnectionTester &tester)
    {
        QSignalSpy finished(&tester, &ConnectionTester::finished);
        tester.start();
        if (finished.isEmpty())
            finished.wait(60000);
        return finished.size() == 1 ? finished.first().first().value<ConnectionTestResult>()
                                    : ConnectionTestResult{};
    }

    static QString describe(const ConnectionTestResult &r)
    {
        QStringList lines;
        for (const TestStep &s : r.steps)
            lines << s.title + QStringLiteral(": ") + stepStateName(s.state) + QStringLiteral(" ") + s.detail;
        return lines.join(u'\n');
    }

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        const auto env = MailServerEnv::load(&error);
        QVERIFY2(env, qPrintable(error));
        m_env = *env;
        const auto user = m_env.createUser(QStringLiteral("acct"), &error);
        QVERIFY2(user, qPrintable(error));
        m_user = *user;
    }

    void discoveryBySrv_thenConnectionTest_passesEveryStep()
    {
        FakeResolver resolver;
        const QString domain = m_env.mailDomain;
        resolver.srv.insert(QStringLiteral("_imaps._tcp.") + domain, {{m_env.host, m_env.imapsPort, 0, 0}});
        resolver.srv.insert(QStringLiteral("_submission._tcp.") + domain,
                            {{m_env.host, m_env.smtpPort, 0, 0}});
        DiscoveryOptions o;
        o.resolver = &resolver;
        o.autoconfigUrls = [](const QString &, const QString &) { return QList<QUrl>{}; };
        o.guesses = [](const QString &) { return QList<GuessCandidate>{}; };
        Discovery discovery(o);
        QSignalSpy done(&discovery, &Discovery::finished);
        discovery.start(m_user.address);
        QVERIFY(done.wait(20000));
        const auto found = done.first().first().value<DiscoveryResult>().settings();
        QVERIFY(found);
        AccountSettings account = *found;
        account.id = QStringLiteral("harness");
        QCOMPARE(account.incoming.port, m_env.imapsPort);
        QCOMPARE(account.outgoing.security, Security::StartTls);

        MemoryCertificatePins pins;
        ConnectionTester tester(account, {m_user.password, {}}, options(&pins));
        const ConnectionTestResult r = run(tester);
        QVERIFY2(r.passed(), qPrintable(describe(r)));
        QCOMPARE(r.steps.size(), 5);
        QVERIFY(r.steps[1].detail.endsWith(QStringLiteral("folders")));
        QCOMPARE(r.steps[4].kind, TestStep::Kind::OutgoingSender); // the harness takes mail from its own user
        QCOMPARE(r.steps[4].state, TestStep::State::Passed);
    }

    void guesses_probeTheRealServer()
    {
        FakeResolver resolver;
        DiscoveryOptions o;
        o.resolver = &resolver;
        o.autoconfigUrls = [](const QString &, const QString &) { return QList<QUrl>{}; };
        o.tlsPolicy.useSystemCaCertificates = false;
        o.tlsPolicy.extraCaCertificates = m_env.caCertificates();
        const MailServerEnv &env = m_env;
        o.guesses = [&env](const QString &) {
            return QList<GuessCandidate>{{ServerKind::Imap, env.host, env.imapPort, Security::StartTls},
                                         {ServerKind::Pop3, env.host, env.pop3Port, Security::StartTls},
                                         {ServerKind::Smtp, env.host, env.smtpsPort, Security::ImplicitTls}};
        };
        Discovery discovery(o);
        QSignalSpy done(&discovery, &Discovery::finished);
        discovery.start(m_user.address);
        QVERIFY(done.wait(20000));
        const auto r = done.first().first().value<DiscoveryResult>();
        QVERIFY(r.isComplete());
        QCOMPARE(r.incomingSource, DiscoverySource::Guess);
        QCOMPARE(r.incoming.first().endpoint.port, m_env.imapPort);
        QCOMPARE(r.outgoing.first().port, m_env.smtpsPort);
    }

    void pop3WithStls_andImapWithStartTls_pass()
    {
        MemoryCertificatePins pins;
        ConnectionTester pop(settings(IncomingProtocol::Pop3, m_env.pop3Port, Security::StartTls),
                             {m_user.password, {}}, options(&pins));
        const ConnectionTestResult p = run(pop);
        QVERIFY2(p.passed(), qPrintable(describe(p)));
        QVERIFY(p.steps[1].detail.endsWith(QStringLiteral("messages")));
        ConnectionTester imap(settings(IncomingProtocol::Imap, m_env.imapPort, Security::StartTls),
                              {m_user.password, {}}, options(&pins));
        const ConnectionTestResult i = run(imap);
        QVERIFY2(i.passed(), qPrintable(describe(i)));
    }

    void wrongPassword_isExplained_onBothSides()
    {
        MemoryCertificatePins pins;
        ConnectionTester tester(settings(IncomingProtocol::Pop3, m_env.pop3sPort, Security::ImplicitTls),
                                {QStringLiteral("not-the-password"), {}}, options(&pins));
        const ConnectionTestResult r = run(tester);
        QCOMPARE(r.steps.size(), 3);
        QCOMPARE(r.steps[0].diagnosis.problem, Problem::WrongPassword);
        QVERIFY2(!r.steps[0].diagnosis.serverText.isEmpty(), qPrintable(describe(r)));
        QCOMPARE(r.steps[1].kind, TestStep::Kind::OutgoingHello);
        QCOMPARE(r.steps[1].state, TestStep::State::Passed);
        QCOMPARE(r.steps[2].kind, TestStep::Kind::OutgoingAuth);
        QCOMPARE(r.steps[2].diagnosis.problem, Problem::WrongPassword);
    }

    void untrustedCertificate_pinned_thenAChangedOneAsksAgain()
    {
        TlsProxy proxy(m_env.host, m_env.imapsPort, m_env.caCertificates());
        const auto [untrusted, untrustedKey] = readPair(m_env.untrustedCert, m_env.untrustedKey);
        QVERIFY(!untrusted.isNull());
        QVERIFY(!untrustedKey.isNull());
        proxy.setCertificate(untrusted, untrustedKey);
        MemoryCertificatePins pins;
        const AccountSettings account =
            settings(IncomingProtocol::Imap, proxy.serverPort(), Security::ImplicitTls);

        // 1. Unknown certificate: the person is asked, trusts it, the step runs again and passes.
        {
            ConnectionTester tester(account, {m_user.password, {}}, options(&pins));
            int asked = 0;
            connect(&tester, &ConnectionTester::certificateTrustRequested, this,
                    [&](CertificateTrustRequest *request) {
                        ++asked;
                        QCOMPARE(request->problem().sha256(), certificateSha256(untrusted));
                        request->trust();
                    });
            const ConnectionTestResult r = run(tester);
            QCOMPARE(asked, 1);
            QVERIFY2(r.passed(), qPrintable(describe(r)));
            QCOMPARE(pins.pins(m_env.host, proxy.serverPort()),
                     QList<QByteArray>{certificateSha256(untrusted)});
        }
        // 2. The pin holds: no question at all.
        {
            ConnectionTester tester(account, {m_user.password, {}}, options(&pins));
            QSignalSpy asked(&tester, &ConnectionTester::certificateTrustRequested);
            const ConnectionTestResult r = run(tester);
            QCOMPARE(asked.size(), 0);
            QVERIFY2(r.passed(), qPrintable(describe(r)));
        }
        // 3. The certificate changes: asked again; refusing ends the attempt, once.
        const auto [other, otherKey] = Tidings::Test::ScriptedServer::untrustedCertificate();
        proxy.setCertificate(other, otherKey);
        {
            ConnectionTester tester(account, {m_user.password, {}}, options(&pins));
            int asked = 0;
            connect(&tester, &ConnectionTester::certificateTrustRequested, this,
                    [&](CertificateTrustRequest *request) {
                        ++asked;
                        QCOMPARE(request->problem().sha256(), certificateSha256(other));
                        request->refuse();
                    });
            const ConnectionTestResult r = run(tester);
            QCOMPARE(asked, 1);
            QCOMPARE(r.steps[0].state, TestStep::State::Failed);
            QCOMPARE(r.steps[0].diagnosis.problem, Problem::Certificate);
            QCOMPARE(pins.pins(m_env.host, proxy.serverPort()).size(), 1);
        }
    }

    void closedPort_isExplained()
    {
        quint16 port = 0;
        {
            QTcpServer s;
            QVERIFY(s.listen(QHostAddress::LocalHost, 0));
            port = s.serverPort();
        }
        MemoryCertificatePins pins;
        ConnectionTester tester(settings(IncomingProtocol::Imap, port, Security::ImplicitTls),
                                {m_user.password, {}}, options(&pins));
        const ConnectionTestResult r = run(tester);
        QCOMPARE(r.steps[0].diagnosis.problem, Problem::PortBlocked);
    }
};

QTEST_GUILESS_MAIN(TestAccountHarness)
#include "test_account_harness.moc"
