// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Parsing the tricky-message corpus in tests/data/mime (written by make-corpus.py) and the
// huge cases generated here at run time.
#include "core/mime/charset.h"
#include "core/mime/parser.h"
#include "core/mime/structurescan.h"

#include <QElapsedTimer>
#include <QFile>
#include <QThread>
#include <QtTest>

#include <algorithm>
#include <sys/resource.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TIDINGS_HAS_ASAN 1
#endif
#endif
#ifndef TIDINGS_HAS_ASAN
#define TIDINGS_HAS_ASAN 0
#endif

using namespace Tidings::Mime;

namespace {

QByteArray corpus(const char *name)
{
    QFile file(qEnvironmentVariable("TIDINGS_TEST_DATA") + QLatin1String("/mime/") + QLatin1String(name));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read corpus file %s", name);
    return file.readAll();
}

/// depth multiparts, each inside the previous one.
QByteArray nestingBomb(int depth)
{
    QByteArray raw = "From: bomb@example.com\r\nSubject: nesting\r\nMIME-Version: 1.0\r\n";
    for (int i = 0; i < depth; ++i) {
        raw += "Content-Type: multipart/mixed; boundary=\"b" + QByteArray::number(i) + "\"\r\n\r\n";
        raw += "--b" + QByteArray::number(i) + "\r\n";
    }
    raw += "Content-Type: text/plain\r\n\r\ndeepest\r\n";
    for (int i = depth - 1; i >= 0; --i)
        raw += "--b" + QByteArray::number(i) + "--\r\n";
    return raw;
}

/// depth message/rfc822 parts, each inside the previous one.
QByteArray messageBomb(int depth)
{
    QByteArray raw;
    for (int i = 0; i < depth; ++i)
        raw += "Subject: level " + QByteArray::number(i) + "\r\nContent-Type: message/rfc822\r\n\r\n";
    raw += "Subject: innermost\r\n\r\ntext\r\n";
    return raw;
}

QByteArray manyParts(int count)
{
    QByteArray raw = "From: many@example.com\r\nSubject: parts\r\nMIME-Version: 1.0\r\n"
                     "Content-Type: multipart/mixed; boundary=p\r\n\r\n";
    raw.reserve(count * 40);
    for (int i = 0; i < count; ++i)
        raw += "--p\r\nContent-Type: text/plain\r\n\r\nx\r\n";
    raw += "--p--\r\n";
    return raw;
}

/// Lowers the soft address-space limit for one test, so a runaway allocation fails there
/// instead of taking the machine's memory; a no-op under AddressSanitizer, which reserves
/// terabytes of address space up front.
class AddressSpaceCap
{
public:
    explicit AddressSpaceCap(qint64 bytes)
    {
#if !defined(__SANITIZE_ADDRESS__) && !TIDINGS_HAS_ASAN
        if (getrlimit(RLIMIT_AS, &m_saved) != 0)
            return;
        rlimit lowered = m_saved;
        if (lowered.rlim_cur == RLIM_INFINITY || lowered.rlim_cur > rlim_t(bytes))
            lowered.rlim_cur = rlim_t(bytes);
        m_active = setrlimit(RLIMIT_AS, &lowered) == 0;
#else
        Q_UNUSED(bytes);
#endif
    }
    ~AddressSpaceCap()
    {
        if (m_active)
            setrlimit(RLIMIT_AS, &m_saved);
    }
    AddressSpaceCap(const AddressSpaceCap &) = delete;
    AddressSpaceCap &operator=(const AddressSpaceCap &) = delete;

private:
    rlimit m_saved{};
    bool m_active = false;
};

/// Runs fn on a QThread with the given stack size and waits for it.
template <typename Fn> void runOnSmallStack(uint stackSize, Fn fn)
{
    QThread *thread = QThread::create(fn);
    thread->setStackSize(stackSize);
    thread->start();
    QVERIFY(thread->wait(QDeadlineTimer(240000)));
    delete thread;
}

} // namespace

class TestMimeParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rawKoi8rHeaders_areDetectedAndDecoded()
    {
        const Message m = Parser::parse(corpus("koi8r-raw-headers.eml"));
        QCOMPARE(m.subject, QStringLiteral("Привет, как дела?"));
        QCOMPARE(m.from.size(), 1);
        QCOMPARE(m.from.at(0).name, QStringLiteral("Иван Петров"));
        QCOMPARE(m.from.at(0).address, QStringLiteral("ivan@example.ru"));
        QVERIFY(m.bestText().startsWith(QStringLiteral("Это письмо написано в кодировке КОИ-8")));
        QCOMPARE(m.parts.at(m.bestTextIndex).usedCharset, QByteArray("koi8-r"));
        QCOMPARE(m.date, QDateTime(QDate(2024, 6, 3), QTime(11, 5), Qt::UTC));
        QCOMPARE(m.messageId, QByteArray("koi8@example.ru"));
        QVERIFY(!m.crafted);
    }

    void rawCp1251Headers_areDetectedAndDecoded()
    {
        const Message m = Parser::parse(corpus("cp1251-raw-headers.eml"));
        QCOMPARE(m.subject, QStringLiteral("Отчёт за квартал"));
        QCOMPARE(m.from.at(0).name, QStringLiteral("Мария Сидорова"));
        QCOMPARE(m.to.at(0).name, QStringLiteral("Ольга"));
        QCOMPARE(m.bestText(),
                 QStringLiteral("Добрый день! Отчёт во вложении.\r\n").trimmed() + QStringLiteral("\r\n"));
        QCOMPARE(m.date.toUTC(), QDateTime(QDate(2024, 6, 4), QTime(5, 0), Qt::UTC));
    }

    void encodedWordSplitInsideCharacter_isJoined()
    {
        const Message m = Parser::parse(corpus("encoded-word-split.eml"));
        QCOMPARE(m.subject, QStringLiteral("Привет мир"));
        QCOMPARE(m.from.at(0).name, QStringLiteral("Иван"));
        QCOMPARE(m.date, QDateTime(QDate(2024, 6, 5), QTime(19, 0), Qt::UTC));
    }

    void unknownCharsets_fallBackWithoutLosingText()
    {
        const Message m = Parser::parse(corpus("unknown-charset.eml"));
        QVERIFY2(m.subject.contains(QStringLiteral("Hello")), qPrintable(m.subject));
        QCOMPARE(m.bestText().trimmed(), QStringLiteral("Съешь же ещё этих мягких французских булок."));
        QCOMPARE(m.parts.at(m.bestTextIndex).usedCharset, QByteArray("windows-1251"));
    }

    void attachments_haveNamesSizesAndDecodedContent()
    {
        const Message m = Parser::parse(corpus("attachments-encodings.eml"));
        // The CRLF before a boundary belongs to the boundary (RFC 2046 §5.1.1).
        QCOMPARE(m.bestText(), QStringLiteral("Voilà les fichiers, été 2024. A soft break."));
        const QList<Part> attachments = m.attachments();
        QCOMPARE(attachments.size(), 4);
        QCOMPARE(attachments.at(0).filename, QStringLiteral("отчёт.pdf"));
        QCOMPARE(attachments.at(0).contentType, QByteArray("application/pdf"));
        QVERIFY(attachments.at(0).decodedContent().startsWith("%PDF-1.4\n%\xe2\xe3"));
        QCOMPARE(attachments.at(0).size, attachments.at(0).decodedContent().size());
        QCOMPARE(attachments.at(0).transferEncoding, QByteArray("base64"));
        // Kept encoded until asked for: the content is the base64 text of the message.
        QVERIFY(attachments.at(0).hasContent());
        QVERIFY(attachments.at(0).encodedContent().startsWith("JVBERi0xLjQK"));
        QCOMPARE(attachments.at(0).section, QStringLiteral("2"));
        QCOMPARE(attachments.at(1).filename, QStringLiteral("длинное name.txt"));
        QCOMPARE(attachments.at(1).decodedContent(), QByteArray("continued"));
        QCOMPARE(attachments.at(1).size, qint64(9));
        QCOMPARE(attachments.at(2).filename, QStringLiteral("картинка.png"));
        QCOMPARE(attachments.at(3).filename, QStringLiteral("data.bin"));
        QCOMPARE(attachments.at(3).transferEncoding, QByteArray("x-uuencode"));
        QCOMPARE(attachments.at(3).decodedContent(),
                 QByteArray("uuencoded payload \x00\x01\x02 with binary\n", 34));
        QCOMPARE(attachments.at(3).size, qint64(34));
        QVERIFY(!m.crafted);
    }

    void alternativeWithRelated_picksBothBodiesAndInlineImage()
    {
        const Message m = Parser::parse(corpus("alternative-related.eml"));
        QCOMPARE(m.bestText().trimmed(), QStringLiteral("Plain version."));
        QVERIFY(m.hasHtml());
        QVERIFY(m.bestHtml().contains(QStringLiteral("HTML version")));
        QCOMPARE(m.parts.at(m.bestHtmlIndex).section, QStringLiteral("2.1"));
        const int image = m.partIndexByContentId("cid:logo@example.com");
        QVERIFY(image >= 0);
        QCOMPARE(m.parts.at(image).section, QStringLiteral("2.2"));
        QCOMPARE(m.parts.at(image).decodedContent().left(6), QByteArray("GIF89a"));
        QCOMPARE(m.parts.at(image).size, m.parts.at(image).decodedContent().size());
        QVERIFY(m.attachmentIndexes.isEmpty());
        QCOMPARE(m.date, QDateTime(QDate(2024, 6, 7), QTime(6, 30), Qt::UTC));
    }

    void messageInMessage_getsImapSections()
    {
        const Message m = Parser::parse(corpus("nested-rfc822.eml"));
        QCOMPARE(m.bestText().trimmed(), QStringLiteral("See the forwarded message."));
        QCOMPARE(m.attachmentIndexes.size(), 1);
        const Part &middle = m.parts.at(m.attachmentIndexes.first());
        QCOMPARE(middle.section, QStringLiteral("2"));
        QCOMPARE(middle.embeddedSubject, QStringLiteral("Middle"));
        QVERIFY(middle.decodedContent().contains("Innermost text."));
        QStringList sections;
        for (const Part &p : m.parts)
            sections << QString::fromLatin1(p.contentType) + u'@' + p.section;
        const QStringList expected{QStringLiteral("multipart/mixed@"), QStringLiteral("text/plain@1"),
                                   QStringLiteral("message/rfc822@2"), QStringLiteral("multipart/mixed@2"),
                                   QStringLiteral("text/plain@2.1"),   QStringLiteral("message/rfc822@2.2"),
                                   QStringLiteral("text/plain@2.2.1")};
        QCOMPARE(sections, expected);
        const int inner = m.partIndexBySection(QStringLiteral("2.2"));
        QCOMPARE(m.parts.at(inner).embeddedSubject, QStringLiteral("Inner"));
    }

    /// RFC 2046 §5.2.1 forbids base64 for message/rfc822, mailers send it anyway: GMime keeps
    /// such a part as a leaf, and saving or opening it must give the decoded message.
    void base64EncodedMessageRfc822_decodesOnDemand()
    {
        const QByteArray inner = "From: a@example.org\r\nSubject: Inner\r\n\r\nInner text.\r\n";
        const QByteArray raw =
            "From: b@example.org\r\nSubject: Outer\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
            "--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
            "--b\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            inner.toBase64() + "\r\n--b--\r\n";
        const Message m = Parser::parse(raw);
        const int index = m.partIndexBySection(QStringLiteral("2"));
        QVERIFY(index >= 0);
        const Part &part = m.parts.at(index);
        QVERIFY(part.isMessage());
        QCOMPARE(part.decodedContent(), inner);
        QCOMPARE(part.size, inner.size());
    }

    void multipartWithoutBoundary_isFlaggedAsCrafted()
    {
        const Message m = Parser::parse(corpus("missing-boundary.eml"));
        QVERIFY(m.crafted);
        QVERIFY(!m.warnings.isEmpty());
        QCOMPARE(m.subject, QStringLiteral("No boundary"));
        QVERIFY2(m.bestText().contains(QStringLiteral("\ntext\n")), qPrintable(m.bestText()));
    }

    void boundaryNeverUsed_isFlaggedAsCrafted()
    {
        const Message m = Parser::parse(corpus("boundary-never-used.eml"));
        QVERIFY(m.crafted);
        QVERIFY(!m.warnings.isEmpty());
    }

    void multipartWithoutParts_showsItsBodyAsPlainText_data()
    {
        QTest::addColumn<QByteArray>("contentType");
        QTest::newRow("no boundary") << QByteArray("multipart/mixed");
        QTest::newRow("boundary never used") << QByteArray("multipart/alternative; boundary=\"elsewhere\"");
    }

    void multipartWithoutParts_showsItsBodyAsPlainText()
    {
        QFETCH(QByteArray, contentType);
        const QByteArray raw = "From: x@example.com\r\nSubject: s\r\nContent-Type: " + contentType +
                               "; charset=koi8-r\r\n\r\n--other\r\n\r\n\xf0\xd2\xc9\xd7\xc5\xd4\r\n";
        const Message m = Parser::parse(raw);
        QVERIFY(m.crafted);
        QVERIFY2(m.warnings.contains(
                     QStringLiteral("The content of a multipart without parts is shown as plain text.")),
                 qPrintable(m.warnings.join(u'|')));
        QCOMPARE(m.parts.size(), 2);
        QVERIFY(m.parts.at(0).isMultipart());
        QCOMPARE(m.parts.at(1).parent, 0);
        QCOMPARE(m.parts.at(1).section, QStringLiteral("1"));
        QCOMPARE(m.parts.at(1).contentType, QByteArray("text/plain"));
        QCOMPARE(m.bestTextIndex, 1);
        QVERIFY2(m.bestText().contains(QStringLiteral("--other")), qPrintable(m.bestText()));
        QVERIFY2(m.bestText().contains(QStringLiteral("Привет")), qPrintable(m.bestText()));
        QVERIFY(m.attachments().isEmpty());
    }

    void multipartWithoutBoundary_longParameter_isNotReencoded_data()
    {
        QTest::addColumn<int>("nameLength");
        QTest::addColumn<QByteArray>("value");
        // GMime 3.2 folds a parameter value longer than 78 characters as RFC 2231
        // continuations with 78 - (name length + 6) characters of room per line: none for a
        // 72-character name, and for 70 or 71 its "do not split a %XX escape" step moves the
        // cut back to where the line started. Either way its loop never advances.
        QTest::newRow("72, plain") << 72 << QByteArray(79, 'x');
        QTest::newRow("71, escapes") << 71 << QByteArray("\"" + QByteArray(79, '%') + "\"");
        QTest::newRow("70, 8-bit") << 70 << QByteArray(79, '\xe9');
        QTest::newRow("70, spaces") << 70 << QByteArray("\"" + QByteArray(79, ' ') + "x\"");
    }

    void multipartWithoutBoundary_longParameter_isNotReencoded()
    {
        QFETCH(int, nameLength);
        QFETCH(QByteArray, value);
        const QByteArray contentType =
            "multipart/mixed; " + QByteArray(nameLength, 'a') + "=" + value + "; charset=us-ascii";
        const QByteArray raw = "From: a@example.com\r\nSubject: no boundary\r\nContent-Type: " + contentType +
                               "\r\n\r\nthe body\r\n";
        // Were GMime asked to invent a boundary (and so to re-encode the field), it would
        // allocate until memory runs out: cap the address space so that fails fast.
        const AddressSpaceCap cap(qint64(4) << 30);
        const Message m = Parser::parse(raw);
        QCOMPARE(m.subject, QStringLiteral("no boundary"));
        QVERIFY(m.crafted);
        QVERIFY2(m.warnings.contains(QStringLiteral("A multipart has no boundary.")),
                 qPrintable(m.warnings.join(u'|')));
        QVERIFY(!m.parts.isEmpty());
        QCOMPARE(m.parts.at(0).contentType, QByteArray("multipart/mixed"));
        // The field stays as it was sent: no boundary was added to it.
        const auto header = std::find_if(m.parts.at(0).headers.cbegin(), m.parts.at(0).headers.cend(),
                                         [](const Header &h) { return h.name == "Content-Type"; });
        QVERIFY(header != m.parts.at(0).headers.cend());
        QVERIFY2(!header->value.contains(QLatin1String("boundary")), qPrintable(header->value));
        QCOMPARE(m.parts.at(0).charset, QByteArray("us-ascii"));
        QCOMPARE(m.bestText().trimmed(), QStringLiteral("the body"));
    }

    void contentTypeWithHundredThousandParameters_isCutWithNote()
    {
        QByteArray raw = "From: a@example.com\r\nSubject: parameters\r\nContent-Type: multipart/mixed";
        for (int i = 0; i < 100000; ++i)
            raw += "; p" + QByteArray::number(i) + "*" + QByteArray::number(i % 7) + "*=%41";
        raw += "\r\n\r\nbody\r\n";
        const AddressSpaceCap cap(qint64(4) << 30);
        const Message m = Parser::parse(raw);
        QCOMPARE(m.subject, QStringLiteral("parameters"));
        QVERIFY(m.tooComplex);
        QCOMPARE(m.complexity, Complexity::HeaderTooLarge);
        QVERIFY(!m.complexityNote.isEmpty());
    }

    void contentTypeWithThousandsOfParameters_readsTheFirstWithWarning()
    {
        // Within the header bound, but GMime's check for repeated parameters compares each
        // with all before it: 20,000 of them took seconds. Those past the limit are blanked.
        QByteArray raw = "From: a@example.com\r\nSubject: parameters\r\n"
                         "Content-Type: text/plain; charset=koi8-r";
        for (int i = 0; i < 20000; ++i)
            raw += (i % 8 == 0 ? ";\r\n p" : "; p") + QByteArray::number(i) + "=v";
        raw += "; format=flowed\r\nContent-Disposition: inline; "
               "filename=a.txt\r\n\r\n\xf0\xd2\xc9\xd7\xc5\xd4\r\n";
        QVERIFY(raw.size() < ParseLimits().maxHeaderBytes);
        QElapsedTimer timer;
        timer.start();
        const Message m = Parser::parse(raw);
        QVERIFY2(timer.elapsed() < 20000, qPrintable(QString::number(timer.elapsed())));
        QVERIFY(!m.tooComplex);
        QVERIFY2(
            m.warnings.contains(QStringLiteral("A Content-Type or Content-Disposition field has more than "
                                               "256 parameters; the rest are ignored.")),
            qPrintable(m.warnings.join(u'|')));
        QCOMPARE(m.parts.size(), 1);
        QCOMPARE(m.parts.at(0).charset, QByteArray("koi8-r"));
        QCOMPARE(m.bestText(), QStringLiteral("Привет\r\n"));
        QCOMPARE(m.parts.at(0).filename, QStringLiteral("a.txt"));
    }

    void parametersUpToTheLimit_areAllRead()
    {
        ParseLimits limits;
        limits.maxParameters = 3;
        const QByteArray raw =
            "Content-Type: text/plain; a=1;\r\n b=2; charset=utf-8\r\n"
            "Content-Disposition: attachment; x=1; y=2; z=3; filename=late.txt\r\n\r\nbody\r\n";
        const Message m = Parser::parse(raw, limits);
        QCOMPARE(m.parts.size(), 1);
        QCOMPARE(m.parts.at(0).charset, QByteArray("utf-8"));
        // The fourth parameter of the disposition is past the limit.
        QCOMPARE(m.parts.at(0).filename, QString());
        QCOMPARE(m.parts.at(0).disposition, Part::Disposition::Attachment);
        QCOMPARE(m.bestText(), QString());
        QCOMPARE(m.attachments().size(), 1);
        QCOMPARE(m.attachments().first().decodedContent(), QByteArray("body\r\n"));
    }

    void rfc2231ContinuationsOutOfOrder_areJoined()
    {
        // Two hundred continuations of one name (RFC 2231 §3), given last first.
        QByteArray raw = "From: a@example.com\r\nSubject: pieces\r\nContent-Type: application/octet-stream";
        const int pieces = 200;
        for (int i = pieces - 1; i >= 0; --i)
            raw += ";\r\n name*" + QByteArray::number(i) + "*=%41";
        raw += "\r\nContent-Disposition: attachment\r\n\r\ndata\r\n";
        const Message m = Parser::parse(raw);
        QVERIFY(!m.tooComplex);
        QVERIFY(m.warnings.isEmpty());
        QCOMPARE(m.attachments().size(), 1);
        QCOMPARE(m.attachments().first().filename, QString(pieces, u'A'));
    }

    void structureScan_cutsBeforeTheLineThatPassesTheHeaderBound()
    {
        ParseLimits limits;
        limits.maxHeaderBytes = 100;
        const QByteArray raw = "Subject: s\r\nX-Long: " + QByteArray(200, 'a') + "\r\n\r\nbody\r\n";
        const StructureScan::Result r = StructureScan::scan(raw, limits);
        QCOMPARE(r.reason, Complexity::HeaderTooLarge);
        QCOMPARE(r.cutOffset, qsizetype(12));
    }

    void structureScan_reportsNoParametersPastACut()
    {
        ParseLimits limits;
        limits.maxParameters = 0;
        limits.maxDepth = 1;
        const QByteArray raw =
            "Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n"
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n--a--\r\n";
        const StructureScan::Result r = StructureScan::scan(raw, limits);
        QCOMPARE(r.reason, Complexity::TooDeep);
        QCOMPARE(r.excessParameters.size(), 1);
        QVERIFY(r.excessParameters.at(0).first < r.cutOffset);
    }

    void structureScan_reportsParametersPastTheLimit()
    {
        ParseLimits limits;
        limits.maxParameters = 2;
        const QByteArray raw = "content-disposition : inline; a=1; b=\"2;3\";\r\n\tc=4\r\n"
                               "Content-Type: text/plain; d=1\r\n\r\nx;y;z\r\n";
        const StructureScan::Result r = StructureScan::scan(raw, limits);
        QCOMPARE(r.cutOffset, qsizetype(-1));
        // Every ';' counts, quoted or not: the third is inside the quotes.
        const qsizetype third = raw.indexOf(";3");
        const qsizetype lineEnd = raw.indexOf("\r\n");
        const qsizetype fold = lineEnd + 2;
        QCOMPARE(r.excessParameters.size(), 2);
        QCOMPARE(r.excessParameters.at(0), qMakePair(third, lineEnd - third));
        QCOMPARE(r.excessParameters.at(1), qMakePair(fold, qsizetype(4)));
    }

    void prefixSharingBoundaries_keepTheirOwnParts()
    {
        const Message m = Parser::parse(corpus("prefix-boundaries.eml"));
        QCOMPARE(m.bestText().trimmed(), QStringLiteral("inner plain"));
        QVERIFY(m.bestHtml().contains(QStringLiteral("inner html")));
        QCOMPARE(m.attachments().size(), 1);
        QCOMPARE(m.attachments().first().filename, QStringLiteral("notes.txt"));
        QCOMPARE(m.attachments().first().section, QStringLiteral("2"));
        QVERIFY(!m.crafted);
    }

    void duplicateHeaders_firstWinsAndMessageIsCrafted()
    {
        const Message m = Parser::parse(corpus("duplicate-headers.eml"));
        QCOMPARE(m.subject, QStringLiteral("First subject"));
        QCOMPARE(m.from.size(), 1);
        QCOMPARE(m.from.at(0).address, QStringLiteral("real@example.com"));
        QVERIFY(m.crafted);
        QVERIFY(m.warnings.join(u' ').contains(QStringLiteral("From")));
        // The same choice for everyone who reads the value type.
        QCOMPARE(m.header("Subject"), QStringLiteral("First subject"));
    }

    void nulBytes_doNotTruncateOrCrash()
    {
        const Message m = Parser::parse(corpus("nul-bytes.eml"));
        // GMime stores header values as C strings: the value ends at the NUL.
        QVERIFY(m.subject.startsWith(QStringLiteral("with")));
        QVERIFY(!m.subject.contains(QChar(u'\0')));
        QVERIFY(m.bestText().startsWith(QStringLiteral("before")));
        QVERIFY(m.bestText().contains(QStringLiteral("after")));
        QVERIFY(!m.bestText().contains(QChar(u'\0')));
    }

    void plainRfc822_groupsZonesAndEncodedNames()
    {
        const Message m = Parser::parse(corpus("lf-plain-rfc822.eml"));
        QCOMPARE(m.from.at(0).name, QStringLiteral("André Dupont"));
        QCOMPARE(m.subject, QStringLiteral("Тест and more"));
        QVERIFY(m.to.isEmpty());
        QCOMPARE(m.cc.size(), 3);
        QCOMPARE(m.cc.at(1).name, QStringLiteral("Two, Jr."));
        QCOMPARE(m.cc.at(2).address, QStringLiteral("three@example.com"));
        QCOMPARE(m.date, QDateTime(QDate(2024, 6, 10), QTime(4, 30), Qt::UTC));
        QCOMPARE(m.inReplyTo, QByteArray("parent@example.fr"));
        QCOMPARE(m.references, QList<QByteArray>({"root@example.fr", "parent@example.fr"}));
        QCOMPARE(m.bestText(), QStringLiteral("Just text.\n"));
        QCOMPARE(m.parts.at(0).section, QStringLiteral("1"));
    }

    void encodedCrLfInSubject_neverReachesTheValue()
    {
        const Message m = Parser::parse(corpus("injection-subject.eml"));
        QVERIFY(!m.subject.contains(u'\r'));
        QVERIFY(!m.subject.contains(u'\n'));
        QVERIFY(m.subject.contains(QStringLiteral("Bcc: spy@evil.example")));
    }

    void mboxFromLine_isSkipped()
    {
        const Message m =
            Parser::parse("From someone@example.com Mon Jun  3 10:00:00 2024\nSubject: mbox\n\nbody\n");
        QCOMPARE(m.subject, QStringLiteral("mbox"));
        QVERIFY(m.warnings.isEmpty());
    }

    void emptyInput_givesEmptyMessage()
    {
        const Message m = Parser::parse(QByteArrayView());
        QVERIFY(m.subject.isEmpty());
        QCOMPARE(m.bestTextIndex, -1);
    }

    void nestingBomb_isCutAtTheCapWithNote()
    {
        const Message m = Parser::parse(nestingBomb(5000));
        QVERIFY(m.tooComplex);
        QCOMPARE(m.complexity, Complexity::TooDeep);
        QVERIFY(!m.complexityNote.isEmpty());
        int deepest = 0;
        for (const Part &p : m.parts)
            deepest = std::max(deepest, p.depth);
        QVERIFY(deepest <= ParseLimits().maxDepth);
        QVERIFY(deepest >= ParseLimits().maxDepth - 2);
        QCOMPARE(m.subject, QStringLiteral("nesting"));
    }

    void nestingJustBelowCap_isComplete()
    {
        const Message m = Parser::parse(nestingBomb(ParseLimits().maxDepth - 1));
        QVERIFY(!m.tooComplex);
        QCOMPARE(m.bestText().trimmed(), QStringLiteral("deepest"));
    }

    void nestingBombs_holdOnA512KiBStack()
    {
        // The parse runs where it will really run: a worker thread with a small stack.
        Message multipart;
        Message messages;
        Message wide;
        runOnSmallStack(512 * 1024, [&] {
            multipart = Parser::parse(nestingBomb(20000));
            messages = Parser::parse(messageBomb(20000));
            wide = Parser::parse(manyParts(20000));
        });
        QVERIFY(multipart.tooComplex);
        QCOMPARE(multipart.complexity, Complexity::TooDeep);
        QVERIFY(messages.tooComplex);
        QCOMPARE(messages.complexity, Complexity::TooDeep);
        QCOMPARE(messages.subject, QStringLiteral("level 0"));
        QVERIFY(wide.tooComplex);
    }

    void hundredThousandTinyParts_areCappedWithNote()
    {
        const Message m = Parser::parse(manyParts(100000));
        QVERIFY(m.tooComplex);
        QCOMPARE(m.complexity, Complexity::TooManyParts);
        QVERIFY(m.parts.size() <= ParseLimits().maxParts);
        QVERIFY(m.parts.size() >= ParseLimits().maxParts - 2);
        QCOMPARE(m.bestText().trimmed(), QStringLiteral("x"));
    }

    void twentyMegabyteAttachment_isDecodedWithItsSize()
    {
        QByteArray payload(20 * 1024 * 1024, Qt::Uninitialized);
        for (qsizetype i = 0; i < payload.size(); ++i)
            payload[i] = char((i * 7919) >> 3);
        QByteArray raw = "From: big@example.com\r\nSubject: big\r\nMIME-Version: 1.0\r\n"
                         "Content-Type: multipart/mixed; boundary=big\r\n\r\n--big\r\n"
                         "Content-Type: text/plain\r\n\r\nsee attachment\r\n--big\r\n"
                         "Content-Type: application/octet-stream\r\n"
                         "Content-Disposition: attachment; filename=big.bin\r\n"
                         "Content-Transfer-Encoding: base64\r\n\r\n";
        const QByteArray encoded = payload.toBase64();
        for (qsizetype i = 0; i < encoded.size(); i += 76)
            raw += encoded.mid(i, 76) + "\r\n";
        raw += "--big--\r\n";
        const Message m = Parser::parse(raw);
        QVERIFY(!m.tooComplex);
        QCOMPARE(m.attachments().size(), 1);
        QCOMPARE(m.attachments().first().size, payload.size());
        QVERIFY(m.attachments().first().decodedContent() == payload);
    }

    void attachmentSizes_matchDecodedContentWithoutDecoding_data()
    {
        QTest::addColumn<QByteArray>("encoding");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QByteArray>("decoded");
        const QByteArray bytes("\x00\x01\x02\xff\xfe=text", 10);
        for (int length = 0; length <= 6; ++length) {
            const QByteArray piece = bytes.left(length);
            QTest::addRow("base64-%d", length) << QByteArray("base64") << piece.toBase64() << piece;
            QTest::addRow("base64-unpadded-%d", length)
                << QByteArray("base64") << piece.toBase64(QByteArray::OmitTrailingEquals)
                << piece.left(length / 3 * 3); // a quantum cut short does not decode
        }
        QTest::newRow("base64-lines-lf")
            << QByteArray("base64") << QByteArray("AAEC\n//49\n") << bytes.left(6);
        QTest::newRow("qp-escapes-and-soft-breaks")
            << QByteArray("quoted-printable") << QByteArray("a=00=FF=\r\nb=3D=\nc\r\nd")
            << QByteArray("a\x00\xff"
                          "b=c\r\nd",
                          9);
        QTest::newRow("uuencode") << QByteArray("x-uuencode")
                                  << QByteArray("begin 644 x.bin\n%86)C9&4`\n`\nend\n")
                                  << QByteArray("abcde");
        QTest::newRow("binary") << QByteArray("binary") << QByteArray("raw\x00bytes", 9)
                                << QByteArray("raw\x00bytes", 9);
    }

    void attachmentSizes_matchDecodedContentWithoutDecoding()
    {
        QFETCH(QByteArray, encoding);
        QFETCH(QByteArray, content);
        QFETCH(QByteArray, decoded);
        const QByteArray raw =
            "Subject: s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
            "--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n--b\r\n"
            "Content-Type: application/octet-stream\r\nContent-Disposition: attachment\r\n"
            "Content-Transfer-Encoding: " +
            encoding + "\r\n\r\n" + content + "\r\n--b--\r\n";
        const Message m = Parser::parse(raw);
        QCOMPARE(m.attachments().size(), 1);
        const Part part = m.attachments().first();
        QCOMPARE(part.encodedContent(), QByteArrayView(content));
        QCOMPARE(part.decodedContent(), decoded);
        QCOMPARE(part.size, decoded.size());
    }

    void hugeHeader_isCutWithNote()
    {
        QByteArray raw = "Subject: long\r\nX-Filler: ";
        raw += QByteArray(400 * 1024, 'a');
        raw += "\r\nFrom: late@example.com\r\n\r\nbody\r\n";
        const Message m = Parser::parse(raw);
        QVERIFY(m.tooComplex);
        QCOMPARE(m.complexity, Complexity::HeaderTooLarge);
        QCOMPARE(m.subject, QStringLiteral("long"));
    }

    void manyAddresses_areCappedWithNote()
    {
        QByteArray raw = "From: a@example.com\r\nTo: ";
        for (int i = 0; i < 3000; ++i)
            raw += "u" + QByteArray::number(i) + "@example.com, ";
        raw += "last@example.com\r\nSubject: crowd\r\n\r\nhi\r\n";
        const Message m = Parser::parse(raw);
        QCOMPARE(m.to.size(), ParseLimits().maxAddresses);
        QVERIFY(m.tooComplex);
        QCOMPARE(m.complexity, Complexity::TooManyAddresses);
    }

    void structureScan_readsBoundariesLikeGMime()
    {
        QCOMPARE(StructureScan::unambiguousBoundary("multipart/mixed; boundary=\"abc\""), QByteArray("abc"));
        QCOMPARE(StructureScan::unambiguousBoundary("multipart/mixed; charset=x; BOUNDARY=abc"),
                 QByteArray("abc"));
        QCOMPARE(StructureScan::unambiguousBoundary("multipart/mixed; boundary*=utf-8''abc"), QByteArray());
        QCOMPARE(StructureScan::unambiguousBoundary("multipart/mixed; boundary=a; boundary=b"), QByteArray());
        QCOMPARE(StructureScan::unambiguousBoundary("multipart/mixed; boundary=\"a\\\"b\""), QByteArray());
        QCOMPARE(StructureScan::unambiguousBoundary("multipart/mixed (comment); boundary=abc"), QByteArray());
        QCOMPARE(StructureScan::unambiguousBoundary("multipart/mixed; name=\"boundary=x\"; boundary=y"),
                 QByteArray("y"));
    }

    void structureScan_siblingsDoNotAddDepth()
    {
        QByteArray raw = "Content-Type: multipart/mixed; boundary=o\r\n\r\n";
        for (int i = 0; i < 100; ++i)
            raw += "--o\r\nContent-Type: multipart/alternative; boundary=i" + QByteArray::number(i) +
                   "\r\n\r\n--i" + QByteArray::number(i) + "\r\n\r\ntext\r\n--i" + QByteArray::number(i) +
                   "--\r\n";
        raw += "--o--\r\n";
        const StructureScan::Result r = StructureScan::scan(raw, ParseLimits());
        QCOMPARE(r.cutOffset, qsizetype(-1));
        QCOMPARE(r.maxDepth, 2);
    }

    void charsetDetection_tellsCyrillicAndWestern()
    {
        QCOMPARE(Charset::detect("plain"), QByteArray("us-ascii"));
        QCOMPARE(Charset::detect(QStringLiteral("привет").toUtf8()), QByteArray("utf-8"));
        QCOMPARE(Charset::detect("\xd0\xd2\xc9\xd7\xc5\xd4 \xcd\xc9\xd2"),
                 QByteArray("koi8-r")); // привет мир
        QCOMPARE(Charset::detect("\xef\xf0\xe8\xe2\xe5\xf2 \xec\xe8\xf0"), QByteArray("windows-1251"));
        QCOMPARE(Charset::detect("caf\xe9 cr\xe8me br\xfbl\xe9"
                                 "e"),
                 QByteArray("windows-1252"));
    }

    void charsetDecode_invalidBytesBecomeReplacement()
    {
        QByteArray used;
        const QString text = Charset::decode("ok \xff\xfe", "utf-8", &used);
        QVERIFY(text.startsWith(QStringLiteral("ok ")));
        QString converted;
        QVERIFY(!Charset::convert("a\xff", "us-ascii", &converted));
        QVERIFY(Charset::convert("\xd0\xd2\xc9", "koi8-r", &converted));
        QCOMPARE(converted, QStringLiteral("при"));
    }
};

QTEST_GUILESS_MAIN(TestMimeParser)
#include "test_mimeparser.moc"
