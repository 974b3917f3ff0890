// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// The IMAP path: a Message from BODYSTRUCTURE plus fetched sections equals the one parsed
// from the full bytes.
#include "core/mime/bodystructure.h"
#include "core/mime/parser.h"

#include <QtTest>

using namespace Tidings::Mime;

namespace {

const QByteArray kHeader = "From: =?UTF-8?B?0JDQvdC90LA=?= <anna@example.ru>\r\n"
                           "To: bob@example.com\r\n"
                           "Subject: =?UTF-8?Q?=D0=9E=D1=82=D1=87=D1=91=D1=82?=\r\n"
                           "Date: Mon, 3 Jun 2024 10:00:00 +0000\r\n"
                           "Message-ID: <s@example.ru>\r\n"
                           "MIME-Version: 1.0\r\n"
                           "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n";
const QByteArray kText = "=D0=9F=D1=80=D0=B8=D0=B2=D0=B5=D1=82 from QP";
const QByteArray kHtml = "<p>hello</p>";
const QByteArray kPdf = QByteArray("%PDF-1.4 fake pdf").toBase64();
const QByteArray kInnerHeader = "From: inner@example.com\r\nSubject: Inner one\r\n";

QByteArray fullMessage()
{
    return kHeader + "--b1\r\nContent-Type: multipart/alternative; boundary=\"b2\"\r\n\r\n" +
           "--b2\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: "
           "quoted-printable\r\n\r\n" +
           kText + "\r\n--b2\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + kHtml + "\r\n--b2--\r\n" +
           "\r\n--b1\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
           "Content-Disposition: attachment; filename*=utf-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.pdf\r\n\r\n" +
           kPdf + "\r\n--b1\r\nContent-Type: message/rfc822\r\n\r\n" + kInnerHeader +
           "\r\ninner text\r\n--b1--\r\n";
}

BodyStructure leaf(const char *type, const char *subtype, BodyStructure::Parameters params,
                   const char *encoding, qint64 size)
{
    BodyStructure s;
    s.type = type;
    s.subtype = subtype;
    s.parameters = std::move(params);
    s.encoding = encoding;
    s.size = size;
    return s;
}

BodyStructure structure()
{
    BodyStructure alternative = leaf("MULTIPART", "ALTERNATIVE", {}, "", 0);
    alternative.children.push_back(
        leaf("TEXT", "PLAIN", {{"CHARSET", "utf-8"}}, "QUOTED-PRINTABLE", kText.size()));
    alternative.children.push_back(leaf("TEXT", "HTML", {{"CHARSET", "utf-8"}}, "7BIT", kHtml.size()));
    BodyStructure pdf = leaf("APPLICATION", "PDF", {}, "BASE64", kPdf.size());
    pdf.disposition = "ATTACHMENT";
    pdf.dispositionParameters = {{"FILENAME*", "utf-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.pdf"}};
    BodyStructure rfc822 = leaf("MESSAGE", "RFC822", {}, "7BIT", 60);
    rfc822.children.push_back(leaf("TEXT", "PLAIN", {{"CHARSET", "us-ascii"}}, "7BIT", 10));
    BodyStructure root = leaf("MULTIPART", "MIXED", {{"BOUNDARY", "b1"}}, "", 0);
    root.children.push_back(alternative);
    root.children.push_back(pdf);
    root.children.push_back(rfc822);
    return root;
}

} // namespace

class TestBodyStructure : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fetchedSections_giveTheSameTreeAsFullParse()
    {
        const Message full = Parser::parse(fullMessage());
        const QHash<QString, QByteArray> sections{{QStringLiteral("1.1"), kText},
                                                  {QStringLiteral("1.2"), kHtml},
                                                  {QStringLiteral("2"), kPdf},
                                                  {QStringLiteral("3.HEADER"), kInnerHeader},
                                                  {QStringLiteral("3.1"), "inner text"}};
        const Message built = StructureBuilder::build(kHeader, structure(), sections);
        QCOMPARE(built.subject, QStringLiteral("Отчёт"));
        QCOMPARE(built.subject, full.subject);
        QCOMPARE(built.from, full.from);
        QCOMPARE(built.date, full.date);
        QCOMPARE(built.messageId, full.messageId);
        QCOMPARE(built.bestText(), QStringLiteral("Привет from QP"));
        QCOMPARE(built.bestText(), full.bestText());
        QCOMPARE(built.bestHtml(), full.bestHtml());
        QCOMPARE(built.parts.size(), full.parts.size());
        for (int i = 0; i < full.parts.size(); ++i) {
            QCOMPARE(built.parts.at(i).section, full.parts.at(i).section);
            QCOMPARE(built.parts.at(i).contentType, full.parts.at(i).contentType);
            QCOMPARE(built.parts.at(i).filename, full.parts.at(i).filename);
            if (!full.parts.at(i).isMessage()) // an encapsulated message is written out again
                QCOMPARE(built.parts.at(i).size, full.parts.at(i).size);
        }
        QCOMPARE(built.attachments().size(), 2);
        QCOMPARE(built.attachments().at(0).filename, QStringLiteral("отчёт.pdf"));
        QCOMPARE(built.attachments().at(0).decodedContent(), QByteArray("%PDF-1.4 fake pdf"));
        QCOMPARE(built.attachments().at(1).embeddedSubject, QStringLiteral("Inner one"));
        QVERIFY(!built.crafted);
    }

    void missingSections_keepTypeNameAndSize()
    {
        const QHash<QString, QByteArray> sections{{QStringLiteral("1.1"), kText}};
        const Message built = StructureBuilder::build(kHeader, structure(), sections);
        QCOMPARE(built.bestText(), QStringLiteral("Привет from QP"));
        QCOMPARE(built.attachments().size(), 2);
        const Part pdf = built.attachments().at(0);
        QCOMPARE(pdf.filename, QStringLiteral("отчёт.pdf"));
        QVERIFY(!pdf.hasContent());
        QVERIFY(pdf.decodedContent().isEmpty());
        QCOMPARE(pdf.size, kPdf.size() * 3 / 4);
        QCOMPARE(pdf.section, QStringLiteral("2"));
    }

    void hostileParameters_cannotAddStructure()
    {
        BodyStructure root =
            leaf("TEXT", "PLAIN", {{"CHARSET", "utf-8\r\n\r\n--x\r\nContent-Type: text/html"}}, "7BIT", 4);
        root.disposition = "inline\r\nX-Evil: 1";
        const Message built =
            StructureBuilder::build("Subject: s\r\n", root, {{QStringLiteral("1"), "body"}});
        QCOMPARE(built.parts.size(), 1);
        // An unknown disposition counts as attachment (RFC 2183 §2.8); the text is intact.
        QCOMPARE(built.parts.at(0).text, QStringLiteral("body"));
        QCOMPARE(built.parts.at(0).section, QStringLiteral("1"));
        for (const Header &h : built.parts.at(0).headers)
            QVERIFY(h.name.compare("X-Evil", Qt::CaseInsensitive) != 0);
    }

    void deepStructure_isCappedWithNote()
    {
        BodyStructure root = leaf("TEXT", "PLAIN", {}, "7BIT", 1);
        for (int i = 0; i < 200; ++i) {
            BodyStructure parent = leaf("MULTIPART", "MIXED", {}, "", 0);
            parent.children.push_back(std::move(root));
            root = std::move(parent);
        }
        const Message built = StructureBuilder::build("Subject: deep\r\n", root, {});
        QVERIFY(built.tooComplex);
        QCOMPARE(built.complexity, Complexity::TooDeep);
    }
};

QTEST_GUILESS_MAIN(TestBodyStructure)
#include "test_bodystructure.moc"
