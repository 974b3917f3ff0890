// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Composing: round trips through the parser, header lines exactly as intended, hostile input
// that must never create a header line, replies and forwards.
#include "core/mime/messagebuilder.h"
#include "core/mime/parser.h"

#include <QFile>
#include <QtTest>

using namespace Tidings::Mime;

namespace {

QByteArray corpus(const char *name)
{
    QFile file(qEnvironmentVariable("TIDINGS_TEST_DATA") + QLatin1String("/mime/") + QLatin1String(name));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read corpus file %s", name);
    return file.readAll();
}

/// The header block of raw as unfolded lines "Name: value".
QList<QByteArray> headerLines(const QByteArray &raw)
{
    const qsizetype end = raw.indexOf("\r\n\r\n");
    QList<QByteArray> lines;
    for (const QByteArray &line : raw.left(end).split('\n')) {
        QByteArray l = line;
        if (l.endsWith('\r'))
            l.chop(1);
        if ((l.startsWith(' ') || l.startsWith('\t')) && !lines.isEmpty())
            lines.last() += l;
        else
            lines.append(l);
    }
    return lines;
}

QList<QByteArray> headerNames(const QByteArray &raw)
{
    QList<QByteArray> names;
    for (const QByteArray &line : headerLines(raw))
        names.append(line.left(line.indexOf(':')).toLower());
    return names;
}

/// Every line ends with CRLF, none is longer than 998 octets, no bare CR or LF.
void verifyWireFormat(const QByteArray &raw)
{
    QVERIFY(raw.endsWith("\r\n"));
    qsizetype start = 0;
    while (start < raw.size()) {
        const qsizetype lf = raw.indexOf('\n', start);
        QVERIFY(lf > start);
        QCOMPARE(raw.at(lf - 1), '\r');
        const QByteArray line = raw.mid(start, lf - 1 - start);
        QVERIFY2(line.size() <= 998, qPrintable(QString::number(line.size())));
        QVERIFY(!line.contains('\r'));
        QVERIFY(!line.contains('\0'));
        start = lf + 1;
    }
}

} // namespace

class TestMessageBuilder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void plainMessage_roundTripsEveryField()
    {
        MessageBuilder b;
        b.setFrom({QStringLiteral("Анна Иванова"), QStringLiteral("anna@example.ru")});
        b.setTo({{QStringLiteral("Bob, Jr."), QStringLiteral("bob@example.com")},
                 {{}, QStringLiteral("c@example.com")}});
        b.setCc({{QStringLiteral("Ézéchiel"), QStringLiteral("e@example.fr")}});
        b.setSubject(QStringLiteral("Отчёт за июнь — final"));
        b.setPlainText(QStringLiteral("Привет!\nSecond line.\n"));
        b.setDate(QDateTime(QDate(2024, 6, 3), QTime(10, 0), Qt::UTC));
        const QByteArray raw = b.build();
        verifyWireFormat(raw);
        QVERIFY(Charset_isAsciiHeaders(raw));

        const Message m = Parser::parse(raw);
        QCOMPARE(m.subject, QStringLiteral("Отчёт за июнь — final"));
        QCOMPARE(m.from,
                 QList<Address>({{QStringLiteral("Анна Иванова"), QStringLiteral("anna@example.ru")}}));
        QCOMPARE(m.to.size(), 2);
        QCOMPARE(m.to.at(0).name, QStringLiteral("Bob, Jr."));
        QCOMPARE(m.to.at(1).address, QStringLiteral("c@example.com"));
        QCOMPARE(m.cc.at(0).name, QStringLiteral("Ézéchiel"));
        QCOMPARE(m.date, QDateTime(QDate(2024, 6, 3), QTime(10, 0), Qt::UTC));
        QCOMPARE(m.bestText(), QStringLiteral("Привет!\r\nSecond line.\r\n"));
        QVERIFY(!m.hasHtml());
        QCOMPARE(m.messageId, b.messageId());
        QVERIFY(m.messageId.endsWith("@example.ru"));
        QVERIFY(m.warnings.isEmpty());
        QCOMPARE(m.parts.at(0).contentType, QByteArray("text/plain"));
    }

    void headerLines_areExactlyTheIntendedOnes()
    {
        MessageBuilder b;
        b.setFrom({QStringLiteral("A"), QStringLiteral("a@example.com")});
        b.setTo({{QString(), QStringLiteral("b@example.com")}});
        b.setSubject(QStringLiteral("Hello"));
        b.setPlainText(QStringLiteral("x"));
        b.setMessageId("fixed@example.com");
        b.setInReplyTo("parent@example.com");
        b.setReferences({"root@example.com", "parent@example.com"});
        b.setDate(QDateTime(QDate(2024, 1, 2), QTime(3, 4, 5), Qt::UTC));
        const QByteArray raw = b.build();
        const QList<QByteArray> lines = headerLines(raw);
        QVERIFY(lines.contains("From: A <a@example.com>"));
        QVERIFY(lines.contains("To: b@example.com"));
        QVERIFY(lines.contains("Subject: Hello"));
        QVERIFY(lines.contains("Date: Tue, 02 Jan 2024 03:04:05 +0000"));
        QVERIFY(lines.contains("Message-Id: <fixed@example.com>"));
        QVERIFY(lines.contains("In-Reply-To: <parent@example.com>"));
        QVERIFY(lines.contains("References: <root@example.com> <parent@example.com>"));
        QVERIFY(lines.contains("MIME-Version: 1.0"));
        QVERIFY(lines.contains("Content-Type: text/plain; charset=us-ascii"));
        QCOMPARE(lines.size(), 10);
    }

    void hostileHeaderInput_neverCreatesAHeaderLine()
    {
        const QString evil =
            QString::fromUtf8(QByteArray("x\r\nBcc: spy@evil.example\nX-Injected: 1\r\rY\0Z", 42));
        MessageBuilder b;
        b.setFrom({evil, QStringLiteral("a@example.com\r\nBcc: spy@evil.example")});
        b.setTo({{evil, QStringLiteral("b@example.com\nX-Injected: 2")}});
        b.setCc({{evil, QStringLiteral("\r\n")}});
        b.setSubject(evil);
        b.setPlainText(QStringLiteral("body\r\nBcc: not-a-header\r\n"));
        b.setMessageId("id\r\nX-Injected: 3@example.com");
        b.setInReplyTo("p\r\nX-Injected: 4");
        b.setReferences({"r\nX-Injected: 5"});
        b.addAttachment({evil + QStringLiteral(".txt"), "text/plain\r\nX-Injected: 6", "data"});
        const QByteArray raw = b.build();
        verifyWireFormat(raw);
        const QList<QByteArray> names = headerNames(raw);
        QVERIFY2(!names.contains("bcc"), raw.constData());
        QVERIFY2(!names.contains("x-injected"), raw.constData());
        for (const QByteArray &name : names)
            QVERIFY2(QByteArrayList({"from", "to", "cc", "subject", "date", "message-id", "in-reply-to",
                                     "references", "mime-version", "content-type"})
                         .contains(name),
                     name.constData());
        const Message m = Parser::parse(raw);
        QVERIFY(!m.subject.contains(u'\n'));
        QVERIFY(m.bcc.isEmpty());
        QCOMPARE(m.attachments().size(), 1);
        QVERIFY(m.attachments().first().headers.size() <= 3);
    }

    void replyToDecodedCrLf_cannotInjectHeaders()
    {
        const Message original = Parser::parse(corpus("injection-subject.eml"));
        MessageBuilder reply = MessageBuilder::reply(original, MessageBuilder::ReplyMode::Sender,
                                                     {{QString(), QStringLiteral("victim@example.org")}});
        const QByteArray raw = reply.build();
        verifyWireFormat(raw);
        QVERIFY(!headerNames(raw).contains("bcc"));
        const Message m = Parser::parse(raw);
        QVERIFY(m.bcc.isEmpty());
        QCOMPARE(m.subject, QStringLiteral("Re: Hello Bcc: spy@evil.example"));
    }

    void longLines_areEncodedBelow998Octets()
    {
        MessageBuilder b;
        b.setFrom({QString(), QStringLiteral("a@example.com")});
        b.setTo({{QString(), QStringLiteral("b@example.com")}});
        b.setSubject(QString(3000, u'S'));
        const QString longLine = QString(5000, u'x') + u'\n' + QString(2000, u'я');
        b.setPlainText(longLine);
        const QByteArray raw = b.build();
        verifyWireFormat(raw);
        const Message m = Parser::parse(raw);
        QCOMPARE(m.bestText(),
                 QString(5000, u'x') + QStringLiteral("\r\n") + QString(2000, u'я') + QStringLiteral("\r\n"));
        QCOMPARE(m.subject, QString(3000, u'S'));
    }

    void richText_becomesAlternative()
    {
        MessageBuilder b;
        b.setFrom({QString(), QStringLiteral("a@example.com")});
        b.setTo({{QString(), QStringLiteral("b@example.com")}});
        b.setSubject(QStringLiteral("rich"));
        b.setPlainText(QStringLiteral("bold text"));
        b.setHtml(QStringLiteral("<p><b>bold</b> text</p>"));
        const Message m = Parser::parse(b.build());
        QCOMPARE(m.parts.at(0).contentType, QByteArray("multipart/alternative"));
        QCOMPARE(m.bestText(), QStringLiteral("bold text\r\n"));
        QCOMPARE(m.bestHtml(), QStringLiteral("<p><b>bold</b> text</p>\r\n"));
        QVERIFY(m.attachmentIndexes.isEmpty());
    }

    void attachments_roundTripWithTypesAndRfc2231Names()
    {
        MessageBuilder b;
        b.setFrom({QString(), QStringLiteral("a@example.com")});
        b.setTo({{QString(), QStringLiteral("b@example.com")}});
        b.setSubject(QStringLiteral("files"));
        b.setPlainText(QStringLiteral("see files"));
        QByteArray binary(70000, '\0');
        for (int i = 0; i < binary.size(); ++i)
            binary[i] = char(i * 31);
        b.addAttachment({QStringLiteral("отчёт за июнь.pdf"), {}, QByteArray("%PDF-1.4\n...")});
        b.addAttachment({QStringLiteral("data.bin"), "application/x-custom", binary});
        const QByteArray raw = b.build();
        verifyWireFormat(raw);
        QVERIFY(raw.contains("filename*0*=UTF-8''%D0%BE%D1%82"));
        const Message m = Parser::parse(raw);
        QCOMPARE(m.attachments().size(), 2);
        QCOMPARE(m.attachments().at(0).filename, QStringLiteral("отчёт за июнь.pdf"));
        QCOMPARE(m.attachments().at(0).contentType, QByteArray("application/pdf"));
        QCOMPARE(m.attachments().at(0).decodedContent(), QByteArray("%PDF-1.4\n..."));
        QCOMPARE(m.attachments().at(1).contentType, QByteArray("application/x-custom"));
        QCOMPARE(m.attachments().at(1).size, 70000);
        QCOMPARE(m.attachments().at(1).decodedContent(), binary);
        QCOMPARE(m.bestText(), QStringLiteral("see files\r\n"));
    }

    void bccOmit_leavesBccOut()
    {
        MessageBuilder b;
        b.setFrom({QString(), QStringLiteral("a@example.com")});
        b.setBcc({{QString(), QStringLiteral("hidden@example.com")}});
        QVERIFY(headerNames(b.build(MessageBuilder::Bcc::Keep)).contains("bcc"));
        QVERIFY(!headerNames(b.build(MessageBuilder::Bcc::Omit)).contains("bcc"));
    }

    void replySubject_doesNotRepeatRe()
    {
        QCOMPARE(MessageBuilder::replySubject(QStringLiteral("Hello")), QStringLiteral("Re: Hello"));
        QCOMPARE(MessageBuilder::replySubject(QStringLiteral("Re: Hello")), QStringLiteral("Re: Hello"));
        QCOMPARE(MessageBuilder::replySubject(QStringLiteral("RE: re:Re[3]: Hello")),
                 QStringLiteral("Re: Hello"));
        QCOMPARE(MessageBuilder::replySubject(QStringLiteral("AW: Sv: Hello")), QStringLiteral("Re: Hello"));
        QCOMPARE(MessageBuilder::replySubject(QStringLiteral("Fwd: Hello")),
                 QStringLiteral("Re: Fwd: Hello"));
        QCOMPARE(MessageBuilder::replySubject(QStringLiteral("Return policy")),
                 QStringLiteral("Re: Return policy"));
        QCOMPARE(MessageBuilder::forwardSubject(QStringLiteral("Fwd: x")), QStringLiteral("Fwd: x"));
        QCOMPARE(MessageBuilder::forwardSubject(QStringLiteral("x")), QStringLiteral("Fwd: x"));
    }

    void reply_quotesWithAttributionAndSetsThreadHeaders()
    {
        const Message original = Parser::parse(corpus("lf-plain-rfc822.eml"));
        MessageBuilder reply =
            MessageBuilder::reply(original, MessageBuilder::ReplyMode::Sender,
                                  {{QStringLiteral("Me"), QStringLiteral("me@example.org")}});
        QCOMPARE(reply.to(),
                 QList<Address>({{QStringLiteral("André Dupont"), QStringLiteral("andre@example.fr")}}));
        QVERIFY(reply.cc().isEmpty());
        QCOMPARE(reply.subject(), QStringLiteral("Re: Тест and more"));
        QCOMPARE(reply.inReplyTo(), QByteArray("plain@example.fr"));
        QCOMPARE(reply.references(),
                 QList<QByteArray>({"root@example.fr", "parent@example.fr", "plain@example.fr"}));
        QVERIFY(reply.plainText().contains(QStringLiteral("André Dupont wrote:\n> Just text.")));
        const Message m = Parser::parse(reply.build());
        QCOMPARE(m.inReplyTo, QByteArray("plain@example.fr"));
        QCOMPARE(m.references.size(), 3);
        QCOMPARE(m.from.at(0).address, QStringLiteral("me@example.org"));
    }

    void replyAll_dropsOwnAddressesAndMergesDuplicates()
    {
        const QByteArray raw = "From: Alice <alice@example.com>\r\n"
                               "Reply-To: Alice List <list@example.com>\r\n"
                               "To: Me <ME@example.org>, Bob <bob@example.com>, list@example.com\r\n"
                               "Cc: bob@example.com, Carol <carol@example.com>, other-me@example.net\r\n"
                               "Subject: Re: plans\r\nMessage-ID: <m1@example.com>\r\n\r\nLet's meet.\r\n";
        const Message original = Parser::parse(raw);
        const QList<Address> own{{QStringLiteral("Me"), QStringLiteral("me@example.org")},
                                 {QString(), QStringLiteral("other-me@example.net")}};
        MessageBuilder reply = MessageBuilder::reply(original, MessageBuilder::ReplyMode::All, own);
        QCOMPARE(reply.to(),
                 QList<Address>({{QStringLiteral("Alice List"), QStringLiteral("list@example.com")}}));
        QCOMPARE(reply.cc(),
                 QList<Address>({{QStringLiteral("Bob"), QStringLiteral("bob@example.com")},
                                 {QStringLiteral("Carol"), QStringLiteral("carol@example.com")}}));
        QCOMPARE(reply.subject(), QStringLiteral("Re: plans"));
        QCOMPARE(reply.from().address, QStringLiteral("me@example.org"));
    }

    void replyToOwnMessage_goesToItsRecipients()
    {
        const Message original =
            Parser::parse("From: me@example.org\r\nTo: bob@example.com\r\nSubject: s\r\n\r\nx\r\n");
        MessageBuilder reply = MessageBuilder::reply(original, MessageBuilder::ReplyMode::Sender,
                                                     {{QString(), QStringLiteral("me@example.org")}});
        QCOMPARE(reply.to().size(), 1);
        QCOMPARE(reply.to().at(0).address, QStringLiteral("bob@example.com"));
    }

    void forwardInline_carriesTextAndAttachments()
    {
        const Message original = Parser::parse(corpus("attachments-encodings.eml"));
        MessageBuilder forward = MessageBuilder::forwardInline(original);
        QCOMPARE(forward.subject(), QStringLiteral("Fwd: Files"));
        QVERIFY(forward.plainText().contains(QStringLiteral("From: Anna <anna@example.org>")));
        QVERIFY(forward.plainText().contains(QStringLiteral("Voilà les fichiers")));
        const Message m = Parser::parse(forward.build());
        QCOMPARE(m.attachments().size(), 4);
        QCOMPARE(m.attachments().at(0).filename, QStringLiteral("отчёт.pdf"));
        QCOMPARE(m.attachments().at(0).decodedContent(), original.attachments().at(0).decodedContent());
        QCOMPARE(m.attachments().at(3).decodedContent(), original.attachments().at(3).decodedContent());
    }

    void forwardAsAttachment_embedsTheOriginal()
    {
        const QByteArray raw = corpus("alternative-related.eml");
        const Message original = Parser::parse(raw);
        MessageBuilder forward = MessageBuilder::forwardAsAttachment(original, raw);
        forward.setFrom({QString(), QStringLiteral("me@example.org")});
        forward.setTo({{QString(), QStringLiteral("friend@example.com")}});
        forward.setPlainText(QStringLiteral("FYI"));
        const QByteArray built = forward.build();
        const Message m = Parser::parse(built);
        QCOMPARE(m.subject, QStringLiteral("Fwd: Newsletter"));
        QCOMPARE(m.attachments().size(), 1);
        const Part embedded = m.attachments().first(); // a copy: attachments() returns a new list
        QCOMPARE(embedded.contentType, QByteArray("message/rfc822"));
        QCOMPARE(embedded.embeddedSubject, QStringLiteral("Newsletter"));
        QCOMPARE(embedded.filename, QStringLiteral("Newsletter.eml"));
        const Message inner = Parser::parse(embedded.decodedContent());
        // The encapsulated message is exactly the bytes between the part's header and the
        // next delimiter: its own headers first, its closing boundary last.
        const QByteArray content = embedded.decodedContent();
        QVERIFY(content.startsWith("From: news@example.com\r\n"));
        QVERIFY(content.endsWith("\r\n--alt--\r\n"));
        QCOMPARE(embedded.size, content.size());
        QVERIFY(built.contains(QByteArray("\r\n\r\n" + content + "\r\n--")));
        QCOMPARE(inner.bestText().trimmed(), QStringLiteral("Plain version."));
    }

    void draft_reopensWithEverything()
    {
        MessageBuilder b;
        b.setFrom({QStringLiteral("Me"), QStringLiteral("me@example.org")});
        b.setTo({{QString(), QStringLiteral("to@example.com")}});
        b.setBcc({{QString(), QStringLiteral("bcc@example.com")}});
        b.setSubject(QStringLiteral("draft"));
        b.setPlainText(QStringLiteral("unfinished"));
        b.setInReplyTo("p@example.com");
        b.addAttachment({QStringLiteral("a.txt"), "text/plain", "attached text"});
        const MessageBuilder reopened = MessageBuilder::fromDraft(Parser::parse(b.build()));
        QCOMPARE(reopened.from(), b.from());
        QCOMPARE(reopened.to(), b.to());
        QCOMPARE(reopened.bcc(), b.bcc());
        QCOMPARE(reopened.subject(), b.subject());
        QCOMPARE(reopened.plainText(), b.plainText() + u'\n');
        QCOMPARE(reopened.inReplyTo(), QByteArray("p@example.com"));
        QCOMPARE(reopened.attachments().size(), 1);
        QCOMPARE(reopened.attachments().first().data, QByteArray("attached text"));
    }

private:
    static bool Charset_isAsciiHeaders(const QByteArray &raw)
    {
        const QByteArray head = raw.left(raw.indexOf("\r\n\r\n"));
        for (char c : head) {
            if (static_cast<unsigned char>(c) >= 0x80)
                return false;
        }
        return true;
    }
};

QTEST_GUILESS_MAIN(TestMessageBuilder)
#include "test_messagebuilder.moc"
