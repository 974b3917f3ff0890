// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/account/discovery.h"
#include "tests/account/fakes.h"
#include "tests/support/scriptedserver.h"

#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTest>

using namespace Tidings;
using namespace Tidings::Account;
using Tidings::Test::FakeResolver;
using Tidings::Test::HttpServer;
using Tidings::Test::ScriptedServer;

namespace {

const QString kEmail = QStringLiteral("anna@example.org");

QByteArray autoconfigDoc(const QByteArray &imapHost)
{
    return "<clientConfig version=\"1.1\"><emailProvider id=\"example.org\"><displayName>Example</displayName>"
           "<incomingServer type=\"imap\"><hostname>" + imapHost + "</hostname><port>993</port><socketType>SSL</socketType>"
           "<username>%EMAILLOCALPART%</username><authentication>password-cleartext</authentication></incomingServer>"
           "<outgoingServer type=\"smtp\"><hostname>smtp.example.org</hostname><port>587</port><socketType>STARTTLS</socketType>"
           "<username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication></outgoingServer>"
           "</emailProvider><enable visiturl=\"https://example.org/imap\"><instruction>Turn IMAP on</instruction></enable>"
           "</clientConfig>";
}

/// Options with nothing reaching the real network: the fake resolver, no autoconfig URLs, no guesses.
DiscoveryOptions isolated(FakeResolver &resolver)
{
    DiscoveryOptions o;
    o.resolver = &resolver;
    o.autoconfigUrls = [](const QString &, const QString &) { return QList<QUrl>{}; };
    o.guesses = [](const QString &) { return QList<GuessCandidate>{}; };
    o.tlsPolicy.useSystemCaCertificates = false;
    o.tlsPolicy.extraCaCertificates = ScriptedServer::testCaCertificates();
    return o;
}

DiscoveryResult run(Discovery &discovery, const QString &email = kEmail)
{
    QSignalSpy finished(&discovery, &Discovery::finished);
    discovery.start(email);
    if (!finished.wait(20000) && finished.isEmpty())
        qWarning("discovery did not finish");
    [&] { QCOMPARE(finished.size(), 1); }();
    return finished.isEmpty() ? DiscoveryResult{} : finished.first().first().value<DiscoveryResult>();
}

const ProbeReport *probe(const DiscoveryResult &r, const QString &whatStartsWith)
{
    for (const ProbeReport &p : r.probes) {
        if (p.what.startsWith(whatStartsWith))
            return &p;
    }
    return nullptr;
}

} // namespace

class TestDiscovery : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void presetDomain_answersAtOnce_askingNobody()
    {
        FakeResolver resolver;
        Discovery discovery(isolated(resolver));
        const DiscoveryResult r = run(discovery, QStringLiteral("ivan@yandex.ru"));
        QVERIFY(r.isComplete());
        QCOMPARE(r.incomingSource, DiscoverySource::Preset);
        QCOMPARE(r.incoming.first().endpoint.describe(), QStringLiteral("imap.yandex.ru:993 (tls)"));
        QCOMPARE(r.incoming.first().endpoint.login, QStringLiteral("ivan@yandex.ru"));
        QCOMPARE(r.provider.id, QStringLiteral("yandex"));
        QVERIFY(!r.provider.note.isEmpty());
        QCOMPARE(r.probes.size(), 1);
        QVERIFY(resolver.asked.isEmpty());
        const auto settings = r.settings(IncomingProtocol::Pop3);
        QVERIFY(settings);
        QCOMPARE(settings->incoming.host, QStringLiteral("pop.yandex.ru"));
    }

    void autoconfig_servedByLoopbackHttp_isUsed()
    {
        HttpServer http;
        http.bodies.insert(QStringLiteral("/mail/config-v1.1.xml"), autoconfigDoc("imap.example.org"));
        FakeResolver resolver;
        DiscoveryOptions o = isolated(resolver);
        o.allowInsecureHttp = true;
        o.autoconfigUrls = [&](const QString &domain, const QString &email) {
            return QList<QUrl>{QUrl(http.url(QStringLiteral("/mail/config-v1.1.xml?emailaddress=") + email)),
                               QUrl(http.url(QStringLiteral("/.well-known/autoconfig/mail/config-v1.1.xml")))};
            Q_UNUSED(domain);
        };
        Discovery discovery(o);
        QSignalSpy updates(&discovery, &Discovery::probeUpdated);
        const DiscoveryResult r = run(discovery);
        QVERIFY(r.isComplete());
        QCOMPARE(r.incomingSource, DiscoverySource::Autoconfig);
        QCOMPARE(r.incoming.first().endpoint, (Endpoint{QStringLiteral("imap.example.org"), 993, Security::ImplicitTls, QStringLiteral("anna")}));
        QCOMPARE(r.outgoing.first().security, Security::StartTls);
        QCOMPARE(r.provider.note, QStringLiteral("Turn IMAP on"));
        QCOMPARE(r.provider.helpUrl, QStringLiteral("https://example.org/imap"));
        QVERIFY(http.requests.contains(QStringLiteral("/mail/config-v1.1.xml?emailaddress=anna@example.org")));
        // Every probe was announced and then finished: progress a wizard can show line by line.
        QVERIFY(updates.size() >= 2 * r.probes.size());
        QCOMPARE(probe(r, QStringLiteral("autoconfig"))->state, ProbeReport::State::Found);
        for (const ProbeReport &p : r.probes)
            QVERIFY(p.state != ProbeReport::State::Running);
    }

    void autoconfig_plainHttp_isNotFetchedUnlessAllowed()
    {
        HttpServer http;
        http.bodies.insert(QStringLiteral("/c.xml"), autoconfigDoc("imap.example.org"));
        FakeResolver resolver;
        DiscoveryOptions o = isolated(resolver);
        o.autoconfigUrls = [&](const QString &, const QString &) { return QList<QUrl>{QUrl(http.url(QStringLiteral("/c.xml")))}; };
        Discovery discovery(o);
        const DiscoveryResult r = run(discovery);
        QVERIFY(!r.isComplete());
        QVERIFY(http.requests.isEmpty());
        QCOMPARE(probe(r, QStringLiteral("autoconfig"))->state, ProbeReport::State::Skipped);
    }

    void autoconfig_hostileOrMissing_fallsThroughToSrv()
    {
        HttpServer http;
        http.bodies.insert(QStringLiteral("/evil.xml"), "<!DOCTYPE x [<!ENTITY a \"b\">]><clientConfig/>");
        FakeResolver resolver;
        resolver.srv.insert(QStringLiteral("_imaps._tcp.example.org"), {{QStringLiteral("imap.example.org"), 993, 0, 0}});
        resolver.srv.insert(QStringLiteral("_submissions._tcp.example.org"), {{QStringLiteral("smtp.example.org"), 465, 0, 0}});
        DiscoveryOptions o = isolated(resolver);
        o.allowInsecureHttp = true;
        o.autoconfigUrls = [&](const QString &, const QString &) {
            return QList<QUrl>{QUrl(http.url(QStringLiteral("/evil.xml"))), QUrl(http.url(QStringLiteral("/missing.xml")))};
        };
        Discovery discovery(o);
        const DiscoveryResult r = run(discovery);
        QVERIFY(r.isComplete());
        QCOMPARE(r.incomingSource, DiscoverySource::Srv);
        QCOMPARE(r.probes.at(1).state, ProbeReport::State::Failed);
        QVERIFY(r.probes.at(1).detail.contains(QStringLiteral("DTD")));
        QCOMPARE(r.probes.at(2).state, ProbeReport::State::NotFound);
    }

    void autoconfig_oversizedDocument_isRefused()
    {
        HttpServer http;
        http.bodies.insert(QStringLiteral("/big.xml"), autoconfigDoc("imap.example.org") + QByteArray(200 * 1024, ' '));
        FakeResolver resolver;
        DiscoveryOptions o = isolated(resolver);
        o.allowInsecureHttp = true;
        o.autoconfigUrls = [&](const QString &, const QString &) { return QList<QUrl>{QUrl(http.url(QStringLiteral("/big.xml")))}; };
        Discovery discovery(o);
        const DiscoveryResult r = run(discovery);
        QVERIFY(!r.isComplete());
        QCOMPARE(probe(r, QStringLiteral("autoconfig"))->state, ProbeReport::State::Failed);
    }

    void srv_rfc6186And8314_implicitTlsPreferred()
    {
        FakeResolver resolver;
        resolver.srv.insert(QStringLiteral("_imap._tcp.example.org"), {{QStringLiteral("imap.example.org"), 143, 0, 0}});
        resolver.srv.insert(QStringLiteral("_imaps._tcp.example.org"),
                            {{QStringLiteral("backup.example.org"), 993, 20, 0}, {QStringLiteral("imaps.example.org"), 993, 10, 0}});
        resolver.srv.insert(QStringLiteral("_submission._tcp.example.org"), {{QStringLiteral("smtp.example.org"), 587, 0, 0}});
        resolver.srv.insert(QStringLiteral("_submissions._tcp.example.org"), {{QStringLiteral("."), 0, 0, 0}});
        Discovery discovery(isolated(resolver));
        const DiscoveryResult r = run(discovery);
        QVERIFY(r.isComplete());
        QCOMPARE(r.incoming.first().endpoint.describe(), QStringLiteral("imaps.example.org:993 (tls)"));
        QCOMPARE(r.incoming.size(), 2);
        QCOMPARE(r.outgoing.first().describe(), QStringLiteral("smtp.example.org:587 (starttls)"));
        QCOMPARE(r.outgoing.first().login, kEmail);
        QCOMPARE(probe(r, QStringLiteral("SRV _submissions"))->state, ProbeReport::State::NotFound);
        for (const char *name : {"_imaps._tcp.example.org", "_imap._tcp.example.org", "_pop3s._tcp.example.org",
                                 "_pop3._tcp.example.org", "_submissions._tcp.example.org", "_submission._tcp.example.org"})
            QVERIFY2(resolver.asked.contains(QLatin1String(name)), name);
    }

    void mx_hostedAtYandex_givesYandexSettings()
    {
        FakeResolver resolver;
        resolver.mx.insert(QStringLiteral("example.org"), {{QStringLiteral("mx.yandex.net"), 10}});
        resolver.srv.insert(QStringLiteral("_imaps._tcp.example.org"), {{QStringLiteral("imap.example.org"), 993, 0, 0}});
        resolver.srv.insert(QStringLiteral("_submissions._tcp.example.org"), {{QStringLiteral("smtp.example.org"), 465, 0, 0}});
        Discovery discovery(isolated(resolver));
        const DiscoveryResult r = run(discovery);
        QCOMPARE(r.incomingSource, DiscoverySource::Mx);
        QCOMPARE(r.incoming.first().endpoint.describe(), QStringLiteral("imap.yandex.ru:993 (tls)"));
        QCOMPARE(r.incoming.first().endpoint.login, kEmail);
        QCOMPARE(r.provider.id, QStringLiteral("yandex"));
        QVERIFY(probe(r, QStringLiteral("MX"))->detail.contains(QStringLiteral("Yandex")));
    }

    void betterSourceStillRunning_isWaitedFor_thenLowerOnesAreSkipped()
    {
        FakeResolver resolver;
        resolver.hold(QStringLiteral("example.org")); // the MX answer comes late
        resolver.mx.insert(QStringLiteral("example.org"), {{QStringLiteral("aspmx.l.google.com"), 1}});
        resolver.srv.insert(QStringLiteral("_imaps._tcp.example.org"), {{QStringLiteral("imap.example.org"), 993, 0, 0}});
        resolver.srv.insert(QStringLiteral("_submissions._tcp.example.org"), {{QStringLiteral("smtp.example.org"), 465, 0, 0}});
        resolver.hold(QStringLiteral("_pop3._tcp.example.org"));
        Discovery discovery(isolated(resolver));
        QSignalSpy finished(&discovery, &Discovery::finished);
        discovery.start(kEmail);
        QTRY_COMPARE(resolver.asked.size(), 7);
        QTest::qWait(0);
        QCoreApplication::processEvents();
        QVERIFY(finished.isEmpty());
        resolver.release(QStringLiteral("example.org"));
        QTRY_COMPARE(finished.size(), 1);
        const auto r = finished.first().first().value<DiscoveryResult>();
        QCOMPARE(r.incomingSource, DiscoverySource::Mx);
        QCOMPARE(r.provider.id, QStringLiteral("gmail"));
        QCOMPARE(probe(r, QStringLiteral("SRV _pop3._tcp"))->state, ProbeReport::State::Skipped);
    }

    void budget_expires_whatIsKnownIsTheAnswer()
    {
        ManualClock clock;
        FakeResolver resolver;
        resolver.hold(QStringLiteral("example.org"));
        resolver.srv.insert(QStringLiteral("_imaps._tcp.example.org"), {{QStringLiteral("imap.example.org"), 993, 0, 0}});
        resolver.srv.insert(QStringLiteral("_submissions._tcp.example.org"), {{QStringLiteral("smtp.example.org"), 465, 0, 0}});
        DiscoveryOptions o = isolated(resolver);
        o.clock = &clock;
        Discovery discovery(o);
        QSignalSpy finished(&discovery, &Discovery::finished);
        discovery.start(kEmail);
        QTRY_COMPARE(resolver.asked.size(), 7);
        QCoreApplication::processEvents();
        QVERIFY(finished.isEmpty());
        clock.advance(std::chrono::milliseconds(9999));
        QVERIFY(finished.isEmpty());
        clock.advance(std::chrono::milliseconds(1));
        QCOMPARE(finished.size(), 1);
        const auto r = finished.first().first().value<DiscoveryResult>();
        QVERIFY(r.timedOut);
        QCOMPARE(r.incomingSource, DiscoverySource::Srv);
        QCOMPARE(probe(r, QStringLiteral("MX"))->state, ProbeReport::State::Failed);
        QVERIFY(probe(r, QStringLiteral("MX"))->detail.contains(QStringLiteral("10 seconds")));
        resolver.release(QStringLiteral("example.org")); // a late answer changes nothing
        QCOMPARE(finished.size(), 1);
    }

    void cancel_stopsEverything_reportsOnce()
    {
        FakeResolver resolver;
        resolver.hold(QStringLiteral("example.org"));
        Discovery discovery(isolated(resolver));
        QSignalSpy finished(&discovery, &Discovery::finished);
        discovery.start(kEmail);
        discovery.cancel();
        QCOMPARE(finished.size(), 1);
        const auto r = finished.first().first().value<DiscoveryResult>();
        QVERIFY(r.cancelled);
        QVERIFY(!r.isComplete());
        resolver.release(QStringLiteral("example.org"));
        QCoreApplication::processEvents();
        QCOMPARE(finished.size(), 1);
        QVERIFY(!discovery.isRunning());
    }

    void guess_realConnections_implicitTlsAndStartTls()
    {
        ScriptedServer imaps(QStringLiteral("S: * OK [CAPABILITY IMAP4rev1] ready\nC: p2 LOGOUT\nX"),
                             ScriptedServer::Transport::ImplicitTls);
        ScriptedServer submission(QStringLiteral("S: 220-mx.example.org\nS: 220 ready\nC: EHLO [127.0.0.1]\n"
                                                 "S: 250-mx.example.org\nS: 250-PIPELINING\nS: 250 STARTTLS\n"
                                                 "C: STARTTLS\nS: 220 go ahead\nTLS\nC: QUIT\nX"));
        FakeResolver resolver;
        DiscoveryOptions o = isolated(resolver);
        o.guesses = [&](const QString &) {
            return QList<GuessCandidate>{{ServerKind::Imap, QStringLiteral("127.0.0.1"), imaps.port(), Security::ImplicitTls},
                                         {ServerKind::Smtp, QStringLiteral("127.0.0.1"), submission.port(), Security::StartTls}};
        };
        Discovery discovery(o);
        const DiscoveryResult r = run(discovery);
        QCOMPARE(imaps.verify(), QStringList());
        QCOMPARE(submission.verify(), QStringList());
        QVERIFY(r.isComplete());
        QCOMPARE(r.incomingSource, DiscoverySource::Guess);
        QCOMPARE(r.incoming.first().endpoint.port, imaps.port());
        QCOMPARE(r.outgoing.first().security, Security::StartTls);
        QVERIFY(!r.probes.last().certificate);
    }

    void guess_plaintextOnlyServers_areRefused()
    {
        // An SMTP server without STARTTLS and an IMAP server that refuses it: nothing secret
        // may ever go to them, so discovery finds nothing rather than something unsafe.
        ScriptedServer smtp(QStringLiteral("S: 220 ready\nC: EHLO [127.0.0.1]\nS: 250 mx.example.org\nX"));
        ScriptedServer imap(QStringLiteral("S: * OK ready\nC: p1 STARTTLS\nS: p1 BAD not here\nX"));
        FakeResolver resolver;
        DiscoveryOptions o = isolated(resolver);
        o.guesses = [&](const QString &) {
            return QList<GuessCandidate>{{ServerKind::Imap, QStringLiteral("127.0.0.1"), imap.port(), Security::StartTls},
                                         {ServerKind::Smtp, QStringLiteral("127.0.0.1"), smtp.port(), Security::StartTls}};
        };
        Discovery discovery(o);
        const DiscoveryResult r = run(discovery);
        QCOMPARE(smtp.verify(), QStringList());
        QCOMPARE(imap.verify(), QStringList());
        QVERIFY(r.incoming.isEmpty());
        QVERIFY(r.outgoing.isEmpty());
        QVERIFY(probe(r, QStringLiteral("SMTP"))->detail.contains(QStringLiteral("does not offer STARTTLS")));
        QVERIFY(probe(r, QStringLiteral("IMAP"))->detail.contains(QStringLiteral("refused to start TLS")));
    }

    void guess_untrustedCertificate_isReported_andOnlyALastResort()
    {
        ScriptedServer trusted(QStringLiteral("S: * OK ready\nC: p2 LOGOUT\nX"), ScriptedServer::Transport::ImplicitTls);
        ScriptedServer selfSigned(QStringLiteral("S: * OK ready\nC: p2 LOGOUT\nX"), ScriptedServer::Transport::ImplicitTls);
        const auto [cert, key] = ScriptedServer::untrustedCertificate();
        selfSigned.setCertificate(cert, key);
        FakeResolver resolver;
        DiscoveryOptions o = isolated(resolver);
        o.guesses = [&](const QString &) {
            return QList<GuessCandidate>{{ServerKind::Imap, QStringLiteral("127.0.0.1"), selfSigned.port(), Security::ImplicitTls},
                                         {ServerKind::Imap, QStringLiteral("127.0.0.1"), trusted.port(), Security::ImplicitTls}};
        };
        Discovery discovery(o);
        const DiscoveryResult r = run(discovery);
        QCOMPARE(r.incoming.first().endpoint.port, trusted.port());
        const ProbeReport *first = probe(r, QStringLiteral("IMAP 127.0.0.1:%1").arg(selfSigned.port()));
        QVERIFY(first);
        QVERIFY(first->certificate);
        QVERIFY(first->certificate->reasons.contains(CertificateProblem::Reason::SelfSigned)
                || first->certificate->reasons.contains(CertificateProblem::Reason::UntrustedIssuer));
        QCOMPARE(first->certificate->sha256(), certificateSha256(cert));
        // Not one byte went to the self-signed server after its greeting was refused.
        QVERIFY(selfSigned.received().isEmpty());
    }

    void notAnAddress_finishesWithAnError()
    {
        FakeResolver resolver;
        Discovery discovery(isolated(resolver));
        const DiscoveryResult r = run(discovery, QStringLiteral("anna"));
        QCOMPARE(r.error.kind, Error::Kind::Config);
        QVERIFY(resolver.asked.isEmpty());
    }

    void orderedSrv_priorityThenWeight_dropsDot()
    {
        const auto r = orderedSrv({{QStringLiteral("c"), 1, 20, 5}, {QStringLiteral("."), 0, 0, 0},
                                   {QStringLiteral("a"), 1, 10, 1}, {QStringLiteral("b"), 1, 10, 9}});
        QCOMPARE(r.size(), 3);
        QCOMPARE(r[0].target, QStringLiteral("b"));
        QCOMPARE(r[1].target, QStringLiteral("a"));
        QCOMPARE(r[2].target, QStringLiteral("c"));
        const auto mx = orderedMx({{QStringLiteral("z"), 20}, {QStringLiteral("y"), 5}});
        QCOMPARE(mx.first().exchange, QStringLiteral("y"));
    }
};

QTEST_GUILESS_MAIN(TestDiscovery)
#include "test_discovery.moc"
