// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Mime::Charset: RFC 2047 header decoding (encoded words in every charset a mailer writes, split
// characters, byte order marks, control characters) and single-byte charset conversion, whose
// lookup tables must give exactly what iconv gives.
#include "core/mime/charset.h"

#include <QTest>

#include <iconv.h>

using namespace Tidings::Mime;

class TestCharset : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decodeHeader_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QString>("expected");
        QTest::newRow("plain, folded")
            << QByteArray("Meeting\r\n\tnotes  ") << QStringLiteral("Meeting notes");
        QTest::newRow("utf-8 B") << QByteArray("=?UTF-8?B?0J/RgNC40LLQtdGC?=") << QStringLiteral("Привет");
        QTest::newRow("character split between words")
            << QByteArray("=?UTF-8?B?0J/R?= =?UTF-8?B?gNC40LLQtdGC?=") << QStringLiteral("Привет");
        QTest::newRow("split, charset names in other cases")
            << QByteArray("=?utf-8?B?0J/R?=\r\n =?UTF-8?B?gNC40LLQtdGC?=") << QStringLiteral("Привет");
        QTest::newRow("language suffix")
            << QByteArray("=?UTF-8*ru?B?0J/RgNC40LLQtdGC?=") << QStringLiteral("Привет");
        QTest::newRow("koi8-r") << QByteArray("=?KOI8-R?B?8NLJ18XU?=") << QStringLiteral("Привет");
        QTest::newRow("windows-1251 Q") << QByteArray("Re: =?windows-1251?Q?=CF=F0=E8=E2=E5=F2_=EC=E8=F0?=")
                                        << QStringLiteral("Re: Привет мир");
        QTest::newRow("latin-1 and utf-8 side by side")
            << QByteArray("=?UTF-8?Q?caf=C3=A9?= =?ISO-8859-1?Q?_cr=E8me?=") << QStringLiteral("café crème");
        QTest::newRow("text between words kept")
            << QByteArray("a =?UTF-8?Q?b?= c =?UTF-8?Q?d?=") << QStringLiteral("a b c d");
        QTest::newRow("byte order mark at the start of a word")
            << QByteArray("x =?UTF-8?B?77u/SGk=?=") << QStringLiteral("x Hi");
        QTest::newRow("controls, line separator, tab")
            << QByteArray("=?UTF-8?Q?a=E2=80=A8b=01c=09d=0D=0Ae?=") << QStringLiteral("abc d  e");
        QTest::newRow("unknown charset, ascii bytes")
            << QByteArray("=?x-unknown?Q?abc?=") << QStringLiteral("abc");
        QTest::newRow("bad Q escape kept") << QByteArray("=?UTF-8?Q?a=Zb?=") << QStringLiteral("a=Zb");
        QTest::newRow("not a word") << QByteArray("=?UTF-8?X?abc?=") << QStringLiteral("=?UTF-8?X?abc?=");
        QTest::newRow("unterminated")
            << QByteArray("see =?UTF-8?B?0J/R") << QStringLiteral("see =?UTF-8?B?0J/R");
        QTest::newRow("utf-8 declared, cp1251 sent")
            << QByteArray("=?UTF-8?B?z/Do4uXy?=") << QStringLiteral("Привет"); // detected
        QTest::newRow("raw utf-8") << QByteArray("Ordre du jour \xE2\x80\x94 comit\xC3\xA9")
                                   << QStringLiteral("Ordre du jour — comité");
        // QString::trimmed() trims every Unicode space, not just ASCII: the UTF-8 path must too.
        QTest::newRow("unicode spaces at both ends")
            << QByteArray("\xE3\x80\x80 Sujet\xC2\xA0:\xC2\xA0ok \xE2\x80\x83\t")
            << QStringLiteral("Sujet\u00A0:\u00A0ok");
        QTest::newRow("unicode spaces from an encoded word")
            << QByteArray("=?UTF-8?Q?=E2=80=83x=C2=A0?=") << QStringLiteral("x");
        QTest::newRow("U+0085 and a lone U+2029 removed") << QByteArray("a\xC2\x85"
                                                                        "b\xE2\x80\xA9 \xC2\xA9")
                                                          << QStringLiteral("ab \u00A9");
        // fromUtf8 drops one byte order mark at the start; a second one is text and stays.
        QTest::newRow("two byte order marks")
            << QByteArray("\xEF\xBB\xBF\xEF\xBB\xBFy") << QStringLiteral("\uFEFFy");
    }

    void decodeHeader()
    {
        QFETCH(QByteArray, raw);
        QFETCH(QString, expected);
        QCOMPARE(Charset::decodeHeader(raw), expected);
    }

    void appendDecodedHeader_data() { decodeHeader_data(); }

    void appendDecodedHeader()
    {
        // The header sync's path: the same text, as UTF-8, after what the buffer already held.
        QFETCH(QByteArray, raw);
        QFETCH(QString, expected);
        QByteArray out("before|");
        Charset::appendDecodedHeader(out, raw);
        QCOMPARE(out, "before|" + expected.toUtf8());
    }

    void singleByteCharsets_tableGivesWhatIconvGives()
    {
        // Charset::convert turns the common single-byte charsets into text through tables built
        // from iconv. Every byte must give what iconv itself gives (asked here directly), a byte
        // the charset leaves undefined must give U+FFFD and false, and a whole string the same
        // as its bytes one by one.
        for (const char *charset : {"koi8-r", "koi8-u", "windows-1250", "windows-1251", "windows-1252",
                                    "iso-8859-2", "iso-8859-5", "iso-8859-7", "iso-8859-15", "cp866"}) {
            iconv_t cd = iconv_open("UTF-8", charset);
            QVERIFY2(cd != reinterpret_cast<iconv_t>(-1), charset);
            QByteArray defined;
            QString expectedText;
            for (int b = 0; b < 256; ++b) {
                char in = char(b);
                char out[8];
                char *inPtr = &in;
                char *outPtr = out;
                size_t inLeft = 1;
                size_t outLeft = sizeof out;
                iconv(cd, nullptr, nullptr, nullptr, nullptr);
                const bool ok = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft) != size_t(-1);
                QString text;
                const bool converted = Charset::convert(QByteArray(1, in), charset, &text);
                QCOMPARE(converted, ok);
                if (ok) {
                    QCOMPARE(text, QString::fromUtf8(out, outPtr - out));
                    defined += in;
                    expectedText += text;
                } else {
                    QCOMPARE(text, QStringLiteral("\uFFFD"));
                }
            }
            iconv_close(cd);
            QString whole;
            QVERIFY(Charset::convert(defined, charset, &whole));
            QCOMPARE(whole, expectedText);
        }
        QString text;
        QVERIFY(Charset::convert("\xE1\xC2\xD7", "KOI8-R", &text));
        QCOMPARE(text, QStringLiteral("Абв"));
        QVERIFY(Charset::convert("\x80", "windows-1252", &text));
        QCOMPARE(text, QStringLiteral("€"));
        QVERIFY(!Charset::convert("a\x81z", "windows-1252", &text)); // 0x81: undefined in windows-1252
        QCOMPARE(text, QStringLiteral("a\uFFFDz"));
    }
};

QTEST_GUILESS_MAIN(TestCharset)
#include "test_charset.moc"
