// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/mime/filename.h"

#include <QSet>
#include <QTest>

using Tidings::Mime::FileName;

class TestFileName : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sanitize_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("expected");
        QTest::newRow("plain") << QStringLiteral("report.pdf") << QStringLiteral("report.pdf");
        QTest::newRow("unicode") << QStringLiteral("Отчёт 2024.pdf") << QStringLiteral("Отчёт 2024.pdf");
        QTest::newRow("unix-path") << QStringLiteral("/etc/passwd") << QStringLiteral("passwd");
        QTest::newRow("traversal") << QStringLiteral("../../.bashrc") << QStringLiteral("bashrc");
        QTest::newRow("windows-path") << QStringLiteral("C:\\Windows\\evil.exe") << QStringLiteral("evil.exe");
        QTest::newRow("mixed-path") << QStringLiteral("a/b\\..\\c.txt") << QStringLiteral("c.txt");
        QTest::newRow("dotdot") << QStringLiteral("..") << QStringLiteral("attachment");
        QTest::newRow("dot") << QStringLiteral(".") << QStringLiteral("attachment");
        QTest::newRow("empty") << QString() << QStringLiteral("attachment");
        QTest::newRow("spaces") << QStringLiteral("   ") << QStringLiteral("attachment");
        QTest::newRow("trailing-slash") << QStringLiteral("dir/") << QStringLiteral("attachment");
        QTest::newRow("hidden") << QStringLiteral(".profile") << QStringLiteral("profile");
        QTest::newRow("trailing-dots") << QStringLiteral("file.txt. . ") << QStringLiteral("file.txt");
        QTest::newRow("controls") << QStringLiteral("a\nb\rc\td\x01" "e\x7f.txt") << QStringLiteral("a b c de.txt");
        QTest::newRow("nul") << QString::fromUtf16(u"a\u0000b.txt", 7) << QStringLiteral("ab.txt");
        QTest::newRow("c1") << QString::fromUtf16(u"a\u0085\u009bb.txt") << QStringLiteral("ab.txt");
        QTest::newRow("rtl-override") << QString::fromUtf16(u"invoice\u202Efdp.exe") << QStringLiteral("invoicefdp.exe");
        QTest::newRow("isolates") << QString::fromUtf16(u"a\u2066b\u2069\u200B\uFEFF.txt") << QStringLiteral("ab.txt");
        QTest::newRow("windows-forbidden") << QStringLiteral("a<b>c:d\"e|f?g*.txt") << QStringLiteral("a_b_c_d_e_f_g_.txt");
        QTest::newRow("con") << QStringLiteral("CON") << QStringLiteral("_CON");
        QTest::newRow("con-ext") << QStringLiteral("con.txt") << QStringLiteral("_con.txt");
        QTest::newRow("lpt9") << QStringLiteral("LPT9.tar.gz") << QStringLiteral("_LPT9.tar.gz");
        QTest::newRow("com1-space") << QStringLiteral("com1 .txt") << QStringLiteral("_com1 .txt");
        QTest::newRow("nul-lower") << QStringLiteral("nul") << QStringLiteral("_nul");
        QTest::newRow("console-not-reserved") << QStringLiteral("console.txt") << QStringLiteral("console.txt");
        QTest::newRow("nfc") << QString::fromUtf16(u"e\u0301te\u0301.txt") << QString::fromUtf16(u"\u00e9t\u00e9.txt");
        QTest::newRow("only-controls") << QStringLiteral("\x01\x02") << QStringLiteral("attachment");
    }
    void sanitize()
    {
        QFETCH(QString, input);
        QFETCH(QString, expected);
        QCOMPARE(FileName::sanitize(input), expected);
    }

    void sanitize_emptyName_usesSanitizedFallback()
    {
        QCOMPARE(FileName::sanitize(QString(), QStringLiteral("../part 2.png")), QStringLiteral("part 2.png"));
        QCOMPARE(FileName::sanitize(QStringLiteral("/"), QStringLiteral("..")), QStringLiteral("attachment"));
    }

    void sanitize_longName_isCutKeepingExtension()
    {
        const QString name = QString(300, u'я') + QStringLiteral(".pdf");
        const QString out = FileName::sanitize(name, {}, 100);
        QVERIFY(out.toUtf8().size() <= 100);
        QVERIFY(out.endsWith(QStringLiteral(".pdf")));
        QVERIFY(out.startsWith(u'я'));
        // A surrogate pair is never cut in half.
        const QString emoji = QString(100, QChar(0xD83D)).replace(QChar(0xD83D), QString::fromUtf16(u"\U0001F600")) + QStringLiteral(".txt");
        const QString cut = FileName::sanitize(emoji, {}, 50);
        QVERIFY(cut.toUtf8().size() <= 50);
        QVERIFY(!cut.toUtf8().contains("\xef\xbf\xbd"));
        QCOMPARE(QString::fromUtf8(cut.toUtf8()), cut);
    }

    void sanitize_resultNeverEscapesTheDirectory_data()
    {
        QTest::addColumn<QString>("input");
        for (const char *s : {"..", "../", "..\\", "....//", "./.", " ../x", "x/..", "%2e%2e", "..\u0000/"})
            QTest::newRow(s) << QString::fromUtf8(s);
    }
    void sanitize_resultNeverEscapesTheDirectory()
    {
        QFETCH(QString, input);
        const QString out = FileName::sanitize(input);
        QVERIFY(!out.isEmpty());
        QVERIFY(!out.contains(u'/'));
        QVERIFY(!out.contains(u'\\'));
        QVERIFY(!out.startsWith(u'.'));
        QVERIFY(out != u".." && out != u".");
    }

    void unique_appendsCounterBeforeExtension()
    {
        QSet<QString> existing = {QStringLiteral("a.txt"), QStringLiteral("a (2).txt")};
        auto taken = [&](const QString &n) { return existing.contains(n); };
        QCOMPARE(FileName::unique(QStringLiteral("a.txt"), taken), QStringLiteral("a (3).txt"));
        QCOMPARE(FileName::unique(QStringLiteral("b.txt"), taken), QStringLiteral("b.txt"));
        existing.insert(QStringLiteral("noext"));
        QCOMPARE(FileName::unique(QStringLiteral("noext"), taken), QStringLiteral("noext (2)"));
    }

    void isPotentiallyExecutable_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("type");
        QTest::addColumn<bool>("executable");
        QTest::newRow("exe") << QStringLiteral("setup.exe") << QString() << true;
        QTest::newRow("double-ext") << QStringLiteral("report.pdf.exe") << QString() << true;
        QTest::newRow("upper") << QStringLiteral("RUN.BAT") << QString() << true;
        QTest::newRow("desktop") << QStringLiteral("x.desktop") << QString() << true;
        QTest::newRow("shell") << QStringLiteral("install.sh") << QString() << true;
        QTest::newRow("macro-doc") << QStringLiteral("invoice.docm") << QString() << true;
        QTest::newRow("html") << QStringLiteral("page.html") << QString() << true;
        QTest::newRow("pdf") << QStringLiteral("report.pdf") << QStringLiteral("application/pdf") << false;
        QTest::newRow("txt-after-exe") << QStringLiteral("setup.exe.txt") << QStringLiteral("text/plain") << false;
        QTest::newRow("type-only") << QStringLiteral("noext") << QStringLiteral("application/x-msdownload") << true;
        QTest::newRow("png") << QStringLiteral("a.png") << QStringLiteral("image/png") << false;
    }
    void isPotentiallyExecutable()
    {
        QFETCH(QString, name);
        QFETCH(QString, type);
        QFETCH(bool, executable);
        QCOMPARE(FileName::isPotentiallyExecutable(name, type), executable);
    }
};

QTEST_GUILESS_MAIN(TestFileName)
#include "test_filename.moc"
