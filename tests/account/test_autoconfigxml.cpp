// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/account/autoconfigxml.h"

#include <QTest>

using namespace Tidings;
using namespace Tidings::Account;

namespace {

const QString kEmail = QStringLiteral("anna@example.org");

QByteArray doc(const QByteArray &servers, const QByteArray &extra = {})
{
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<clientConfig version=\"1.1\">\n"
           "<emailProvider id=\"example.org\"><domain>example.org</domain><displayName>Example</displayName>\n"
           + servers + "</emailProvider>" + extra + "</clientConfig>\n";
}

QByteArray server(const char *element, const char *type, const char *host, int port, const char *socket,
                  const char *user = "%EMAILADDRESS%")
{
    return QByteArray("<") + element + " type=\"" + type + "\"><hostname>" + host + "</hostname><port>"
           + QByteArray::number(port) + "</port><socketType>" + socket + "</socketType><username>" + user
           + "</username><authentication>password-cleartext</authentication></" + element + ">\n";
}

AutoconfigResult parsed(const QByteArray &xml, bool allowPlaintext = false)
{
    auto r = parseAutoconfig(xml, kEmail, allowPlaintext);
    if (auto *e = std::get_if<Error>(&r))
        qWarning("%s", qPrintable(e->toString()));
    return std::get<AutoconfigResult>(r);
}

Error refused(const QByteArray &xml, const AutoconfigLimits &limits = {})
{
    auto r = parseAutoconfig(xml, kEmail, false, limits);
    if (!std::holds_alternative<Error>(r))
        return {};
    return std::get<Error>(r);
}

} // namespace

class TestAutoconfigXml : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void ispdbStyleDocument_givesServersInOrder()
    {
        const AutoconfigResult r = parsed(doc(server("incomingServer", "imap", "imap.example.org", 993, "SSL")
                                              + server("incomingServer", "pop3", "pop.example.org", 995, "SSL")
                                              + server("outgoingServer", "smtp", "smtp.example.org", 587, "STARTTLS"),
                                              "<enable visiturl=\"https://example.org/on\"><instruction>Turn IMAP on</instruction></enable>"));
        QCOMPARE(r.providerId, QStringLiteral("example.org"));
        QCOMPARE(r.displayName, QStringLiteral("Example"));
        QCOMPARE(r.domains, QStringList{QStringLiteral("example.org")});
        QCOMPARE(r.incoming.size(), 2);
        QCOMPARE(r.incoming[0].type, AutoconfigServer::Type::Imap);
        QCOMPARE(r.incoming[0].endpoint, (Endpoint{QStringLiteral("imap.example.org"), 993, Security::ImplicitTls, kEmail}));
        QCOMPARE(r.incoming[1].type, AutoconfigServer::Type::Pop3);
        QCOMPARE(r.outgoing.size(), 1);
        QCOMPARE(r.outgoing[0].endpoint.security, Security::StartTls);
        QCOMPARE(r.instruction, QStringLiteral("Turn IMAP on"));
        QCOMPARE(r.instructionUrl, QStringLiteral("https://example.org/on"));
        QVERIFY(r.warnings.isEmpty());
    }

    void placeholders_areExpanded_localPartAllowed()
    {
        const AutoconfigResult r = parsed(doc(server("incomingServer", "imap", "imap.%EMAILDOMAIN%", 993, "SSL", "%EMAILLOCALPART%")
                                              + server("outgoingServer", "smtp", "smtp.%EMAILDOMAIN%", 465, "SSL")));
        QCOMPARE(r.incoming[0].endpoint.host, QStringLiteral("imap.example.org"));
        QCOMPARE(r.incoming[0].endpoint.login, QStringLiteral("anna"));
        QCOMPARE(r.outgoing[0].endpoint.login, kEmail);
    }

    void otherLoginName_isNotTrusted()
    {
        const AutoconfigResult r = parsed(doc(server("incomingServer", "imap", "imap.example.org", 993, "SSL", "admin")
                                              + server("outgoingServer", "smtp", "smtp.example.org", 465, "SSL", "victim@other.org")));
        QCOMPARE(r.incoming[0].endpoint.login, kEmail);
        QCOMPARE(r.outgoing[0].endpoint.login, kEmail);
        QCOMPARE(r.warnings.size(), 2);
        QVERIFY(r.warnings[0].contains(QStringLiteral("admin")));
    }

    void plaintext_losesToTls_andIsRefusedAlone()
    {
        // Plaintext listed first still loses to the TLS server of the same protocol.
        AutoconfigResult r = parsed(doc(server("incomingServer", "imap", "imap.example.org", 143, "plain")
                                        + server("incomingServer", "imap", "imap.example.org", 143, "STARTTLS")
                                        + server("outgoingServer", "smtp", "smtp.example.org", 25, "plain")));
        QCOMPARE(r.incoming.size(), 1);
        QCOMPARE(r.incoming[0].endpoint.security, Security::StartTls);
        QVERIFY(r.outgoing.isEmpty());
        QCOMPARE(r.warnings.size(), 2);

        // The person allowed plaintext: it is kept, but only where no TLS exists.
        r = parsed(doc(server("incomingServer", "imap", "imap.example.org", 143, "plain")
                       + server("incomingServer", "imap", "imap.example.org", 993, "SSL")
                       + server("outgoingServer", "smtp", "smtp.example.org", 25, "plain")),
                   true);
        QCOMPARE(r.incoming.size(), 1);
        QCOMPARE(r.incoming[0].endpoint.port, quint16(993));
        QCOMPARE(r.outgoing.size(), 1);
        QCOMPARE(r.outgoing[0].endpoint.security, Security::None);
    }

    void oauthOnlyAndUnknownServers_areLeftOut()
    {
        const QByteArray oauth = "<incomingServer type=\"imap\"><hostname>imap.example.org</hostname><port>993</port>"
                                 "<socketType>SSL</socketType><username>%EMAILADDRESS%</username>"
                                 "<authentication>OAuth2</authentication></incomingServer>";
        const QByteArray exchange = "<incomingServer type=\"exchange\"><hostname>x.example.org</hostname></incomingServer>";
        const QByteArray badPort = "<incomingServer type=\"pop3\"><hostname>pop.example.org</hostname><port>99999</port>"
                                   "<socketType>SSL</socketType></incomingServer>";
        const AutoconfigResult r = parsed(doc(oauth + exchange + badPort));
        QVERIFY(r.incoming.isEmpty());
        QCOMPARE(r.warnings.size(), 2);
    }

    void unknownElements_areSkipped()
    {
        const AutoconfigResult r = parsed(doc("<documentation url=\"https://x\"><descr lang=\"en\">Help <b>me</b></descr></documentation>"
                                              + server("incomingServer", "imap", "imap.example.org", 993, "SSL")
                                              + server("outgoingServer", "smtp", "smtp.example.org", 465, "SSL"),
                                              "<webMail><loginPage url=\"https://x\"/></webMail><oAuth2><issuer>x</issuer></oAuth2>"));
        QCOMPARE(r.incoming.size(), 1);
        QCOMPARE(r.outgoing.size(), 1);
    }

    void hostile_data()
    {
        QTest::addColumn<QByteArray>("xml");
        QTest::addColumn<QString>("reason");
        QTest::newRow("billion laughs") << QByteArray(
            "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>"
            "<clientConfig><emailProvider id=\"&lol2;\"/></clientConfig>") << "DTD";
        QTest::newRow("external entity") << QByteArray(
            "<?xml version=\"1.0\"?><!DOCTYPE c [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
            "<clientConfig><emailProvider><displayName>&xxe;</displayName></emailProvider></clientConfig>") << "DTD";
        QTest::newRow("undeclared entity") << QByteArray(
            "<clientConfig><emailProvider><displayName>&xxe;</displayName></emailProvider></clientConfig>") << "";
        QTest::newRow("wrong root") << QByteArray("<html><body>404</body></html>") << "root";
        QTest::newRow("not xml") << QByteArray("{\"imap\": \"imap.example.org\"}") << "";
        QTest::newRow("empty") << QByteArray() << "";
        QTest::newRow("truncated") << doc(server("incomingServer", "imap", "imap.example.org", 993, "SSL")).left(150) << "";
        QTest::newRow("element in text") << doc("<incomingServer type=\"imap\"><hostname>a<b/></hostname></incomingServer>") << "inside a text";
        QTest::newRow("long text") << doc("<incomingServer type=\"imap\"><hostname>" + QByteArray(5000, 'a') + "</hostname></incomingServer>") << "longer";
        QTest::newRow("too many servers") << doc(server("incomingServer", "imap", "imap.example.org", 993, "SSL").repeated(40)) << "more than";
        QTest::newRow("oversized") << doc(QByteArray(70 * 1024, ' ')) << "larger than";
    }

    void hostile()
    {
        QFETCH(QByteArray, xml);
        QFETCH(QString, reason);
        const Error e = refused(xml);
        QVERIFY2(e.isError(), "the document was accepted");
        QVERIFY2(e.detail.contains(reason), qPrintable(e.detail));
    }

    void deepNesting_insideSkippedElements_isBoundedBySize()
    {
        // Skipped content is read iteratively (no recursion), so within the size cap deep
        // nesting only costs time linear in the size; beyond the cap the document is refused.
        const QByteArray deep = QByteArray("<x>").repeated(8000) + QByteArray("</x>").repeated(8000);
        const AutoconfigResult r = parsed(doc("<documentation>" + deep + "</documentation>"
                                              + server("incomingServer", "imap", "imap.example.org", 993, "SSL")));
        QCOMPARE(r.incoming.size(), 1);
        const Error e = refused(doc("<documentation>" + deep + deep + "</documentation>"));
        QVERIFY(e.detail.contains(QStringLiteral("larger than")));
    }

    void notAnAddress_isAConfigError()
    {
        auto r = parseAutoconfig(doc({}), QStringLiteral("not an address"));
        QVERIFY(std::holds_alternative<Error>(r));
        QCOMPARE(std::get<Error>(r).kind, Error::Kind::Config);
    }
};

QTEST_GUILESS_MAIN(TestAutoconfigXml)
#include "test_autoconfigxml.moc"
