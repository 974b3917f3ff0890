// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// The IMAP reading path: BODYSTRUCTURE responses as real servers send them, parsed by the
// IMAP parser, turned into the MIME tree with only the fetched sections.
#include "core/imap/parser.h"
#include "core/mime/parser.h"
#include "core/sync/mimestructure.h"

#include <QtTest>

using namespace Tidings;
using Sync::MimeStructure;

namespace {

Imap::Fetch fetchFrom(const QByteArray &line)
{
    auto parsed = Imap::Parser::parseOne(line);
    if (!std::holds_alternative<Imap::Response>(parsed))
        qFatal("IMAP parse error: %s", qPrintable(std::get<Imap::ParseError>(parsed).reason));
    auto response = std::get<Imap::Response>(std::move(parsed));
    if (!std::holds_alternative<Imap::Fetch>(response))
        qFatal("not a FETCH response");
    return std::get<Imap::Fetch>(std::move(response));
}

Imap::BodyStructure structureFrom(const QByteArray &line)
{
    const Imap::Fetch fetch = fetchFrom(line);
    if (!fetch.bodyStructure)
        qFatal("no BODYSTRUCTURE");
    return *fetch.bodyStructure;
}

QStringList describe(const Mime::Message &m)
{
    QStringList out;
    for (const Mime::Part &p : m.parts)
        out << QString::fromLatin1(p.contentType) + u'@' + p.section;
    return out;
}

QByteArray literal(const QByteArray &data)
{
    return '{' + QByteArray::number(data.size()) + "}\r\n" + data;
}

// Gmail: mixed( alternative(plain QP, html QP), pdf with an RFC 2231 name split in two
// pieces in the disposition, jpeg named only by Content-Type name=).
const QByteArray kGmail = "* 12 FETCH (UID 4711 BODYSTRUCTURE (((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") "
                          "NIL NIL \"QUOTED-PRINTABLE\" 1201 "
                          "31 NIL NIL NIL NIL)(\"TEXT\" \"HTML\" (\"CHARSET\" \"UTF-8\") NIL NIL "
                          "\"QUOTED-PRINTABLE\" 5873 118 NIL NIL NIL "
                          "NIL) \"ALTERNATIVE\" (\"BOUNDARY\" \"000000000000a1b2c3\") NIL NIL "
                          "NIL)(\"APPLICATION\" \"PDF\" (\"NAME\" "
                          "\"=?UTF-8?B?0L7RgtGH0ZHRgi5wZGY=?=\") \"<f_lx1>\" NIL \"BASE64\" 40000 NIL "
                          "(\"ATTACHMENT\" (\"FILENAME*0*\" "
                          "\"utf-8''%D0%BE%D1%82%D1%87\" \"FILENAME*1*\" \"%D1%91%D1%82 2024.pdf\")) NIL "
                          "NIL)(\"IMAGE\" \"JPEG\" (\"NAME\" "
                          "\"photo.jpg\") NIL NIL \"BASE64\" 1368 NIL NIL NIL NIL) \"MIXED\" (\"BOUNDARY\" "
                          "\"000000000000d4e5f6\") NIL NIL "
                          "NIL))\r\n";

// Dovecot: a forwarded message: mixed( plain, message/rfc822( envelope, mixed( plain,
// octet-stream with filename*= ) ) ).
const QByteArray kForward =
    "* 3 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 25 1 NIL NIL "
    "NIL "
    "NIL)(\"message\" \"rfc822\" (\"name\" \"fwd.eml\") NIL NIL \"7bit\" 900 (\"Tue, 4 Jun 2024 09:00:00 "
    "+0200\" "
    "\"=?koi8-r?B?8NLJ18XU?=\" ((\"=?UTF-8?Q?Anna_M=C3=BCller?=\" NIL \"anna\" \"example.de\")) NIL NIL "
    "((NIL NIL \"bob\" \"example.com\")) NIL NIL NIL \"<inner@example.de>\") ((\"text\" \"plain\" "
    "(\"charset\" "
    "\"koi8-r\") NIL NIL \"8bit\" 12 1 NIL NIL NIL NIL)(\"application\" \"octet-stream\" NIL NIL NIL "
    "\"base64\" 400 "
    "NIL (\"attachment\" (\"filename*\" \"UTF-8''%E2%82%AC%20rates.xlsx\")) NIL NIL) \"mixed\" (\"boundary\" "
    "\"inner\") NIL NIL NIL) 20 NIL (\"attachment\" (\"filename\" \"fwd.eml\")) NIL NIL) \"mixed\" "
    "(\"boundary\" "
    "\"outer\") NIL NIL NIL))\r\n";

// Yandex: a single text/html part with a KOI8-R charset as the whole body.
const QByteArray kYandex = "* 7 FETCH (BODYSTRUCTURE (\"text\" \"html\" (\"charset\" \"koi8-r\") NIL NIL "
                           "\"quoted-printable\" 58 2 NIL NIL NIL NIL))\r\n";

// Apple Mail: alternative( plain, related( html, two inline images by Content-ID ) ).
const QByteArray kRelated = "* 9 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL "
                            "\"quoted-printable\" 300 10 NIL NIL "
                            "NIL NIL)((\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL "
                            "\"quoted-printable\" 2000 40 NIL NIL NIL NIL)"
                            "(\"image\" \"png\" (\"name\" \"logo.png\") \"<logo@x>\" NIL \"base64\" 1000 NIL "
                            "(\"inline\" (\"filename\" "
                            "\"logo.png\")) NIL NIL)(\"image\" \"gif\" NIL \"<spacer@x>\" NIL \"base64\" 60 "
                            "NIL NIL NIL NIL) \"related\" "
                            "(\"boundary\" \"rel\" \"type\" \"text/html\") NIL NIL NIL) \"alternative\" "
                            "(\"boundary\" \"alt\") NIL NIL "
                            "NIL))\r\n";

} // namespace

class TestMimeStructure final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void gmailMixed_sectionsTypesNamesAndSizes()
    {
        const Imap::BodyStructure s = structureFrom(kGmail);
        const Mime::Message m = MimeStructure::build("Subject: files\r\nFrom: a@example.com\r\n", s, {});
        QCOMPARE(describe(m),
                 QStringList({QStringLiteral("multipart/mixed@"), QStringLiteral("multipart/alternative@1"),
                              QStringLiteral("text/plain@1.1"), QStringLiteral("text/html@1.2"),
                              QStringLiteral("application/pdf@2"), QStringLiteral("image/jpeg@3")}));
        QCOMPARE(m.subject, QStringLiteral("files"));
        QCOMPARE(m.bestTextIndex, 2);
        QCOMPARE(m.bestHtmlIndex, 3);
        QCOMPARE(m.parts.at(2).charset, QByteArray("utf-8"));
        QCOMPARE(m.parts.at(2).transferEncoding, QByteArray("quoted-printable"));
        QCOMPARE(m.parts.at(2).size, 1201);
        QCOMPARE(m.attachmentIndexes, QList<int>({4, 5}));
        const Mime::Part &pdf = m.parts.at(4);
        // RFC 2231 continuation pieces in the disposition win over the RFC 2047 name=.
        QCOMPARE(pdf.filename, QStringLiteral("отчёт 2024.pdf"));
        QCOMPARE(pdf.disposition, Mime::Part::Disposition::Attachment);
        QCOMPARE(pdf.contentId, QByteArray("f_lx1"));
        QCOMPARE(pdf.transferEncoding, QByteArray("base64"));
        QCOMPARE(pdf.size, 30000); // 40000 base64 octets
        QVERIFY(!pdf.hasContent());
        QCOMPARE(m.parts.at(5).filename, QStringLiteral("photo.jpg"));
        QCOMPARE(m.parts.at(5).size, 1026);
        QCOMPARE(MimeStructure::displaySections(s),
                 QStringList({QStringLiteral("1.1"), QStringLiteral("1.2")}));
    }

    void forwardedMessage_nestedSectionsAndEnvelopeHeader()
    {
        const Imap::BodyStructure s = structureFrom(kForward);
        const Mime::Message m = MimeStructure::build({}, s, {});
        QCOMPARE(
            describe(m),
            QStringList({QStringLiteral("multipart/mixed@"), QStringLiteral("text/plain@1"),
                         QStringLiteral("message/rfc822@2"), QStringLiteral("multipart/mixed@2"),
                         QStringLiteral("text/plain@2.1"), QStringLiteral("application/octet-stream@2.2")}));
        const Mime::Part &forwarded = m.parts.at(2);
        // Named from the ENVELOPE without fetching 2.HEADER; RFC 2047 in KOI8-R decoded.
        QCOMPARE(forwarded.embeddedSubject, QStringLiteral("Привет"));
        QCOMPARE(forwarded.embeddedFrom.size(), 1);
        QCOMPARE(forwarded.embeddedFrom.first().name, QStringLiteral("Anna Müller"));
        QCOMPARE(forwarded.embeddedFrom.first().address, QStringLiteral("anna@example.de"));
        QCOMPARE(forwarded.filename, QStringLiteral("fwd.eml"));
        QCOMPARE(m.attachmentIndexes, QList<int>({2}));
        QCOMPARE(m.parts.at(4).charset, QByteArray("koi8-r"));
        QCOMPARE(m.parts.at(4).transferEncoding, QByteArray("8bit"));
        QCOMPARE(m.parts.at(5).filename, QStringLiteral("€ rates.xlsx"));
        QCOMPARE(m.parts.at(5).size, 300);
        // Nothing inside the forwarded message is needed to show the outer one.
        QCOMPARE(MimeStructure::displaySections(s), QStringList({QStringLiteral("1")}));
    }

    void yandexSinglePart_isSectionOneAndDecodesWhenFetched()
    {
        const Imap::BodyStructure s = structureFrom(kYandex);
        QCOMPARE(MimeStructure::displaySections(s), QStringList({QStringLiteral("1")}));
        // "Привет, мир" in KOI8-R, quoted-printable.
        const QByteArray body = "<p>=F0=D2=C9=D7=C5=D4, =CD=C9=D2</p>";
        const Mime::Message m = MimeStructure::build("Subject: hi\r\n", s, {{QStringLiteral("1"), body}});
        QCOMPARE(describe(m), QStringList({QStringLiteral("text/html@1")}));
        QCOMPARE(m.bestHtmlIndex, 0);
        QCOMPARE(m.bestHtml(), QStringLiteral("<p>Привет, мир</p>"));
        QCOMPARE(m.parts.at(0).usedCharset, QByteArray("koi8-r"));
    }

    void relatedImages_areDisplaySectionsButNotAttachments()
    {
        const Imap::BodyStructure s = structureFrom(kRelated);
        QCOMPARE(MimeStructure::displaySections(s),
                 QStringList({QStringLiteral("1"), QStringLiteral("2.1"), QStringLiteral("2.2"),
                              QStringLiteral("2.3")}));
        const QByteArray png = QByteArray("\x89PNG\r\n\x1a\n", 8);
        const Mime::Message m = MimeStructure::build(
            {}, s,
            {{QStringLiteral("2.1"), "<img src=3D\"cid:logo@x\">"}, {QStringLiteral("2.2"), png.toBase64()}});
        QCOMPARE(m.bestHtml(), QStringLiteral("<img src=\"cid:logo@x\">"));
        const int logo = m.partIndexByContentId("cid:logo@x");
        QCOMPARE(m.parts.at(logo).section, QStringLiteral("2.2"));
        QCOMPARE(m.parts.at(logo).decodedContent(), png);
        QVERIFY(!m.parts.at(m.partIndexByContentId("spacer@x")).hasContent());
        QVERIFY(m.attachmentIndexes.isEmpty());
    }

    void fetchResponse_sectionsFeedTheTree()
    {
        // What the viewer's on-demand fetch gets back: the header and the two text parts.
        const QByteArray header = "From: Anna <anna@example.org>\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n"
                                  "Date: Mon, 3 Jun 2024 10:00:00 +0000\r\nMessage-ID: <g@example.org>\r\n"
                                  "Content-Type: multipart/mixed; boundary=\"000000000000d4e5f6\"\r\n\r\n";
        const QByteArray plain = "Hallo, sch=C3=B6ne Gr=C3=BC=C3=9Fe.";
        const QByteArray html = "<p>Hallo</p>";
        const QByteArray partial = "Hal";
        const Imap::Fetch fetch = fetchFrom("* 12 FETCH (UID 4711 BODY[HEADER] " + literal(header) +
                                            " BODY[1.1] " + literal(plain) + " BODY[1.2] " + literal(html) +
                                            " BODY[3]<0> " + literal(partial) + " BODY[2] NIL)\r\n");
        QHash<QString, QByteArray> sections = MimeStructure::sectionsFrom(fetch);
        QCOMPARE(sections.keys().size(), 3);
        QCOMPARE(sections.value(QStringLiteral("1.1")), plain);
        const QByteArray fetchedHeader = sections.take(QStringLiteral("HEADER"));
        QCOMPARE(fetchedHeader, header);

        const Mime::Message m = MimeStructure::build(fetchedHeader, structureFrom(kGmail), sections);
        QCOMPARE(m.subject, QStringLiteral("Grüße"));
        QCOMPARE(m.messageId, QByteArray("g@example.org"));
        QCOMPARE(m.date, QDateTime(QDate(2024, 6, 3), QTime(10, 0), Qt::UTC));
        QCOMPARE(m.bestText(), QStringLiteral("Hallo, schöne Grüße."));
        QCOMPARE(m.bestHtml(), QString::fromUtf8(html));
        QVERIFY(m.parts.at(2).hasContent());
        // The partial fetch of 3 and the NIL 2 are not content.
        QVERIFY(!m.parts.at(4).hasContent());
        QVERIFY(!m.parts.at(5).hasContent());
        QVERIFY(!m.crafted);
    }

    void sameTreeAsTheFullMessage()
    {
        // The full message parsed at once and the structure + sections path agree on every
        // section, type, name and decoded content.
        const QByteArray full =
            "From: a@example.com\r\nSubject: both\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
            "boundary=\"outer\"\r\n\r\n--outer\r\nContent-Type: text/plain; charset=us-ascii\r\n"
            "Content-Transfer-Encoding: 7bit\r\n\r\nsee attached\r\n--outer\r\nContent-Type: message/rfc822; "
            "name=\"fwd.eml\"\r\nContent-Disposition: attachment; filename=\"fwd.eml\"\r\n\r\n"
            "From: \"Anna M\xc3\xbcller\" <anna@example.de>\r\nSubject: inner\r\nContent-Type: "
            "multipart/mixed; "
            "boundary=\"inner\"\r\n\r\n--inner\r\nContent-Type: text/plain; charset=koi8-r\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n\xf0\xd2\xc9\xd7\xc5\xd4\r\n--inner\r\n"
            "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
            "Content-Disposition: attachment; filename*=UTF-8''%E2%82%AC%20rates.xlsx\r\n\r\nAAECAwQF\r\n"
            "--inner--\r\n\r\n--outer--\r\n";
        const Mime::Message whole = Mime::Parser::parse(full);
        const QByteArray bodyStructure =
            "* 3 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 1 "
            "NIL NIL "
            "NIL NIL)(\"message\" \"rfc822\" (\"name\" \"fwd.eml\") NIL NIL \"7bit\" 400 (NIL \"inner\" "
            "((\"Anna "
            "M\xc3\xbcller\" NIL \"anna\" \"example.de\")) NIL NIL NIL NIL NIL NIL NIL) ((\"text\" \"plain\" "
            "(\"charset\" \"koi8-r\") NIL NIL \"8bit\" 6 1 NIL NIL NIL NIL)(\"application\" \"octet-stream\" "
            "NIL NIL "
            "NIL \"base64\" 8 NIL (\"attachment\" (\"filename*\" \"UTF-8''%E2%82%AC%20rates.xlsx\")) NIL "
            "NIL) "
            "\"mixed\" (\"boundary\" \"inner\") NIL NIL NIL) 12 NIL (\"attachment\" (\"filename\" "
            "\"fwd.eml\")) NIL "
            "NIL) \"mixed\" (\"boundary\" \"outer\") NIL NIL NIL))\r\n";
        const QHash<QString, QByteArray> sections{{QStringLiteral("1"), "see attached"},
                                                  {QStringLiteral("2.1"), "\xf0\xd2\xc9\xd7\xc5\xd4"},
                                                  {QStringLiteral("2.2"), "AAECAwQF"}};
        const Mime::Message built = MimeStructure::build("From: a@example.com\r\nSubject: both\r\n",
                                                         structureFrom(bodyStructure), sections);
        QCOMPARE(describe(built), describe(whole));
        for (int i = 0; i < whole.parts.size(); ++i) {
            const Mime::Part &a = whole.parts.at(i);
            const Mime::Part &b = built.parts.at(i);
            QCOMPARE(b.filename, a.filename);
            QCOMPARE(b.charset, a.charset);
            QCOMPARE(b.text, a.text);
            if (!a.isContainer())
                QCOMPARE(b.decodedContent(), a.decodedContent());
        }
        QCOMPARE(built.parts.at(2).embeddedSubject, QStringLiteral("inner"));
        QCOMPARE(built.parts.at(2).embeddedFrom, whole.parts.at(2).embeddedFrom);
        QCOMPARE(built.attachmentIndexes, whole.attachmentIndexes);
        QCOMPARE(built.parts.at(5).decodedContent(), QByteArray("\x00\x01\x02\x03\x04\x05", 6));
    }

    void envelopeHeader_cannotInjectFields()
    {
        Imap::Envelope e;
        e.subject = "hi\r\nBcc: victim@example.com";
        e.from = {{"Eve\r\nX-Evil: 1", {}, "eve", "example.com"}};
        e.messageId = "<id@x>\r\n\r\nbody";
        const QByteArray header = MimeStructure::headerFromEnvelope(e);
        QCOMPARE(header.count('\n'), 3);
        QVERIFY(header.startsWith("Subject: hi  Bcc: victim@example.com\r\n"));
        QVERIFY(header.contains("From: \"Eve  X-Evil: 1\" <eve@example.com>\r\n"));
    }
};

QTEST_GUILESS_MAIN(TestMimeStructure)
#include "test_mimestructure.moc"
