// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/account/accountsettings.h"
#include "core/account/providerpresets.h"

#include <QJsonDocument>
#include <QSet>
#include <QTest>

using namespace Tidings;
using namespace Tidings::Account;

class TestPresets : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void builtIn_everyEntryIsWellFormed()
    {
        QStringList errors;
        const PresetCatalog catalog = PresetCatalog::fromJson(PresetCatalog::builtInJson(), &errors);
        QCOMPARE(errors, QStringList());
        QVERIFY2(catalog.providers().size() >= 23, qPrintable(QString::number(catalog.providers().size())));
        QCOMPARE(PresetCatalog::builtIn().providers().size(), catalog.providers().size());
        for (const ProviderPreset &p : catalog.providers()) {
            // No preset ever points at plaintext, and ports match the security they claim.
            const auto check = [&](const ServerPreset &s, quint16 tlsPort, QList<quint16> startTlsPorts) {
                QVERIFY2(s.security != Security::None, qPrintable(p.id));
                if (s.security == Security::ImplicitTls)
                    QVERIFY2(s.port == tlsPort, qPrintable(p.id + QStringLiteral(" ") + s.host));
                else
                    QVERIFY2(startTlsPorts.contains(s.port), qPrintable(p.id + QStringLiteral(" ") + s.host));
            };
            if (p.imap)
                check(*p.imap, 993, {143});
            if (p.pop3)
                check(*p.pop3, 995, {110});
            check(p.smtp, 465, {587});
            QVERIFY2(!p.note.isEmpty(), qPrintable(p.id));
        }
    }

    void builtIn_namedProviders_havePublishedServers_data()
    {
        QTest::addColumn<QString>("domain");
        QTest::addColumn<QString>("imap");
        QTest::addColumn<QString>("pop3");
        QTest::addColumn<QString>("smtp");
        QTest::newRow("yandex") << "yandex.ru" << "imap.yandex.ru:993 (tls)" << "pop.yandex.ru:995 (tls)" << "smtp.yandex.ru:465 (tls)";
        QTest::newRow("ya.ru") << "ya.ru" << "imap.yandex.ru:993 (tls)" << "pop.yandex.ru:995 (tls)" << "smtp.yandex.ru:465 (tls)";
        QTest::newRow("narod") << "narod.ru" << "imap.yandex.ru:993 (tls)" << "pop.yandex.ru:995 (tls)" << "smtp.yandex.ru:465 (tls)";
        QTest::newRow("mailru") << "mail.ru" << "imap.mail.ru:993 (tls)" << "pop.mail.ru:995 (tls)" << "smtp.mail.ru:465 (tls)";
        QTest::newRow("bk") << "bk.ru" << "imap.mail.ru:993 (tls)" << "pop.mail.ru:995 (tls)" << "smtp.mail.ru:465 (tls)";
        QTest::newRow("internet.ru") << "internet.ru" << "imap.mail.ru:993 (tls)" << "pop.mail.ru:995 (tls)" << "smtp.mail.ru:465 (tls)";
        QTest::newRow("rambler") << "rambler.ru" << "imap.rambler.ru:993 (tls)" << "pop.rambler.ru:995 (tls)" << "smtp.rambler.ru:465 (tls)";
        QTest::newRow("lenta") << "lenta.ru" << "imap.rambler.ru:993 (tls)" << "pop.rambler.ru:995 (tls)" << "smtp.rambler.ru:465 (tls)";
        QTest::newRow("ro.ru") << "ro.ru" << "imap.rambler.ru:993 (tls)" << "pop.rambler.ru:995 (tls)" << "smtp.rambler.ru:465 (tls)";
        QTest::newRow("gmail") << "gmail.com" << "imap.gmail.com:993 (tls)" << "pop.gmail.com:995 (tls)" << "smtp.gmail.com:465 (tls)";
        QTest::newRow("googlemail") << "GoogleMail.com" << "imap.gmail.com:993 (tls)" << "pop.gmail.com:995 (tls)" << "smtp.gmail.com:465 (tls)";
        QTest::newRow("hotmail") << "hotmail.com" << "outlook.office365.com:993 (tls)" << "outlook.office365.com:995 (tls)" << "smtp-mail.outlook.com:587 (starttls)";
        QTest::newRow("live") << "live.com" << "outlook.office365.com:993 (tls)" << "outlook.office365.com:995 (tls)" << "smtp-mail.outlook.com:587 (starttls)";
        QTest::newRow("icloud") << "icloud.com" << "imap.mail.me.com:993 (tls)" << "" << "smtp.mail.me.com:587 (starttls)";
        QTest::newRow("yahoo") << "yahoo.com" << "imap.mail.yahoo.com:993 (tls)" << "pop.mail.yahoo.com:995 (tls)" << "smtp.mail.yahoo.com:465 (tls)";
    }

    void builtIn_namedProviders_havePublishedServers()
    {
        QFETCH(QString, domain);
        QFETCH(QString, imap);
        QFETCH(QString, pop3);
        QFETCH(QString, smtp);
        const ProviderPreset *p = PresetCatalog::builtIn().forDomain(domain);
        QVERIFY(p);
        QCOMPARE(p->imap ? p->imap->endpointFor(QStringLiteral("a@b.c")).describe() : QString(), imap);
        QCOMPARE(p->pop3 ? p->pop3->endpointFor(QStringLiteral("a@b.c")).describe() : QString(), pop3);
        QCOMPARE(p->smtp.endpointFor(QStringLiteral("a@b.c")).describe(), smtp);
    }

    void builtIn_everyProviderTheIssueNames_exists()
    {
        for (const char *domain : {"yandex.com", "list.ru", "inbox.ru", "autorambler.ru", "myrambler.ru", "outlook.com",
                                   "gmx.de", "web.de", "zoho.com", "fastmail.com", "aol.com", "me.com"})
            QVERIFY2(PresetCatalog::builtIn().forDomain(QLatin1String(domain)), domain);
    }

    void forMxHost_matchesOnLabelBoundary()
    {
        const PresetCatalog &c = PresetCatalog::builtIn();
        QVERIFY(c.forMxHost(QStringLiteral("mx.yandex.net")));
        QCOMPARE(c.forMxHost(QStringLiteral("mx.yandex.net."))->id, QStringLiteral("yandex"));
        QCOMPARE(c.forMxHost(QStringLiteral("aspmx.l.google.com"))->id, QStringLiteral("gmail"));
        QCOMPARE(c.forMxHost(QStringLiteral("example-org.mail.protection.outlook.com"))->id,
                 QStringLiteral("microsoft365"));
        QCOMPARE(c.forMxHost(QStringLiteral("eur.olc.protection.outlook.com"))->id, QStringLiteral("outlook"));
        QVERIFY(!c.forMxHost(QStringLiteral("notgoogle.com")));
        QVERIFY(!c.forMxHost(QStringLiteral("mx.example.org")));
    }

    void settingsFor_localPartProvider_usesNameBeforeAt()
    {
        const ProviderPreset *icloud = PresetCatalog::builtIn().forDomain(QStringLiteral("icloud.com"));
        QVERIFY(icloud);
        const AccountSettings s = icloud->settingsFor(QStringLiteral("anna@icloud.com"));
        QCOMPARE(s.incoming.login, QStringLiteral("anna"));
        QCOMPARE(s.outgoing.login, QStringLiteral("anna@icloud.com"));
        QCOMPARE(s.providerId, QStringLiteral("icloud"));
        // No POP3 at iCloud: asking for it still gives IMAP.
        QCOMPARE(icloud->settingsFor(QStringLiteral("anna@icloud.com"), IncomingProtocol::Pop3).incomingProtocol,
                 IncomingProtocol::Imap);
    }

    void settingsFor_quirks_travelWithTheAccount()
    {
        const ProviderPreset *gmail = PresetCatalog::builtIn().forDomain(QStringLiteral("gmail.com"));
        QVERIFY(gmail);
        QVERIFY(gmail->quirks.serverSavesSent);
        QCOMPARE(gmail->quirks.maxConnections, 15);
        const ProviderPreset *web = PresetCatalog::builtIn().forDomain(QStringLiteral("web.de"));
        QVERIFY(web);
        const AccountSettings s = web->settingsFor(QStringLiteral("max@web.de"), IncomingProtocol::Pop3);
        QCOMPARE(s.incoming.host, QStringLiteral("pop3.web.de"));
        QCOMPARE(s.checkIntervalMinutes, 15);
    }

    void fromJson_malformedEntries_areReportedAndLeftOut_data()
    {
        QTest::addColumn<QByteArray>("entry");
        QTest::addColumn<QString>("expected");
        const QByteArray good = R"("imap":{"host":"imap.x.org","port":993,"security":"tls","login":"address"},"smtp":{"host":"smtp.x.org","port":465,"security":"tls","login":"address"},"note":"n")";
        QTest::newRow("no id") << QByteArray(R"({"name":"X","domains":["x.org"],)" + good + "}") << "\"id\"";
        QTest::newRow("upper-case domain") << QByteArray(R"({"id":"x","name":"X","domains":["X.org"],)" + good + "}") << "lower-case domain";
        QTest::newRow("plaintext smtp") << QByteArray(R"({"id":"x","name":"X","domains":["x.org"],"imap":{"host":"imap.x.org","port":993,"security":"tls","login":"address"},"smtp":{"host":"smtp.x.org","port":25,"security":"none","login":"address"},"note":"n"})") << "tls or starttls";
        QTest::newRow("port out of range") << QByteArray(R"({"id":"x","name":"X","domains":["x.org"],"imap":{"host":"imap.x.org","port":99999,"security":"tls","login":"address"},"smtp":{"host":"smtp.x.org","port":465,"security":"tls","login":"address"},"note":"n"})") << "port";
        QTest::newRow("bad login form") << QByteArray(R"({"id":"x","name":"X","domains":["x.org"],"imap":{"host":"imap.x.org","port":993,"security":"tls","login":"user"},"smtp":{"host":"smtp.x.org","port":465,"security":"tls","login":"address"},"note":"n"})") << "login";
        QTest::newRow("no note") << QByteArray(R"({"id":"x","name":"X","domains":["x.org"],"imap":{"host":"imap.x.org","port":993,"security":"tls","login":"address"},"smtp":{"host":"smtp.x.org","port":465,"security":"tls","login":"address"}})") << "note";
        QTest::newRow("unknown quirk") << QByteArray(R"({"id":"x","name":"X","domains":["x.org"],"quirks":{"fast":true},)" + good + "}") << "unknown quirk";
        QTest::newRow("no incoming") << QByteArray(R"({"id":"x","name":"X","domains":["x.org"],"smtp":{"host":"smtp.x.org","port":465,"security":"tls","login":"address"},"note":"n"})") << "no incoming";
        QTest::newRow("http help") << QByteArray(R"({"id":"x","name":"X","domains":["x.org"],"help":"http:\/\/x.org",)" + good + "}") << "https";
        QTest::newRow("typo field") << QByteArray(R"({"id":"x","name":"X","domain":["x.org"],)" + good + "}") << "unknown field";
    }

    void fromJson_malformedEntries_areReportedAndLeftOut()
    {
        QFETCH(QByteArray, entry);
        QFETCH(QString, expected);
        const QByteArray good = R"({"id":"ok","name":"OK","domains":["ok.org"],"imap":{"host":"imap.ok.org","port":993,"security":"tls","login":"address"},"smtp":{"host":"smtp.ok.org","port":587,"security":"starttls","login":"address"},"note":"n"})";
        QStringList errors;
        const PresetCatalog c = PresetCatalog::fromJson(R"({"version":1,"providers":[)" + good + "," + entry + "]}", &errors);
        QCOMPARE(c.providers().size(), 1);
        QCOMPARE(c.providers().first().id, QStringLiteral("ok"));
        QCOMPARE(errors.size(), 1);
        QVERIFY2(errors.first().contains(expected), qPrintable(errors.first()));
    }

    void fromJson_duplicateDomain_isRefused()
    {
        const QByteArray entry = R"({"id":"%1","name":"X","domains":["x.org"],"imap":{"host":"imap.x.org","port":993,"security":"tls","login":"address"},"smtp":{"host":"smtp.x.org","port":465,"security":"tls","login":"address"},"note":"n"})";
        QStringList errors;
        const PresetCatalog c = PresetCatalog::fromJson(
            QByteArray(R"({"version":1,"providers":[)") + QByteArray(entry).replace("%1", "a") + ","
                + QByteArray(entry).replace("%1", "b") + "]}",
            &errors);
        QCOMPARE(c.providers().size(), 1);
        QCOMPARE(errors.size(), 1);
    }

    void accountSettings_jsonRoundTrip_isLossless()
    {
        AccountSettings s = PresetCatalog::builtIn().forDomain(QStringLiteral("gmail.com"))->settingsFor(
            QStringLiteral("anna@gmail.com"), IncomingProtocol::Pop3);
        s.id = QStringLiteral("acc-1");
        s.displayName = QStringLiteral("Анна");
        s.leaveOnServerDays = 14;
        s.caFile = QStringLiteral("/etc/company-ca.pem");
        QVERIFY(s.validate().isEmpty());
        QString error;
        const auto back = AccountSettings::fromJson(
            QJsonDocument::fromJson(QJsonDocument(s.toJson()).toJson()).object(), &error);
        QVERIFY2(back, qPrintable(error));
        QCOMPARE(*back, s);
    }

    void accountSettings_fromJson_badValues_areErrors()
    {
        QJsonObject o = AccountSettings{QStringLiteral("a"), {}, QStringLiteral("a@b.org"), {}, IncomingProtocol::Imap,
                                        Endpoint{QStringLiteral("h.org"), 993, Security::ImplicitTls, QStringLiteral("a")},
                                        Endpoint{QStringLiteral("h.org"), 465, Security::ImplicitTls, QStringLiteral("a")},
                                        {}, {}, true, 0, 10, {}}
                            .toJson();
        QVERIFY(AccountSettings::fromJson(o));
        QJsonObject bad = o;
        bad.insert(QStringLiteral("incomingProtocol"), QStringLiteral("smtp"));
        QVERIFY(!AccountSettings::fromJson(bad));
        bad = o;
        QJsonObject in = o.value(QStringLiteral("incoming")).toObject();
        in.insert(QStringLiteral("port"), 0);
        bad.insert(QStringLiteral("incoming"), in);
        QString error;
        QVERIFY(!AccountSettings::fromJson(bad, &error));
        QVERIFY(error.startsWith(QStringLiteral("incoming:")));
    }

    void splitAddress_rejectsWhatIsNotAnAddress()
    {
        QCOMPARE(splitAddress(QStringLiteral(" Anna@Example.ORG "))->second, QStringLiteral("example.org"));
        QVERIFY(!splitAddress(QStringLiteral("anna")));
        QVERIFY(!splitAddress(QStringLiteral("@example.org")));
        QVERIFY(!splitAddress(QStringLiteral("anna@localhost")));
        QVERIFY(!splitAddress(QStringLiteral("anna@exa mple.org")));
        QVERIFY(!splitAddress(QStringLiteral("anna@example..org")));
    }
};

QTEST_GUILESS_MAIN(TestPresets)
#include "test_presets.moc"
