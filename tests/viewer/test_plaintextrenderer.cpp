// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/mime/plaintextrenderer.h"

#include <QTest>

using Tidings::Mime::PlainTextRenderer;

class TestPlainTextRenderer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void markupInBody_isEscaped()
    {
        QCOMPARE(PlainTextRenderer::toHtml(QStringLiteral("<b>x</b> & \"y\" 'z' <img src=http://t/x>")),
                 QStringLiteral("<div style=\"white-space: pre-wrap\">&lt;b&gt;x&lt;/b&gt; &amp; &quot;y&quot; &#39;z&#39; "
                                "&lt;img src=<a href=\"http://t/x\">http://t/x</a>&gt;</div>"));
    }

    void links_areMadeClickable_withEscapedTargets()
    {
        QCOMPARE(PlainTextRenderer::toHtml(QStringLiteral("see https://example.org/a?b=1&c=\"2\" now")),
                 QStringLiteral("<div style=\"white-space: pre-wrap\">see <a href=\"https://example.org/a?b=1&amp;c=\">"
                                "https://example.org/a?b=1&amp;c=</a>&quot;2&quot; now</div>"));
    }

    void links_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("links");
        QTest::newRow("trailing-dot") << QStringLiteral("Go to https://example.org/x.") << QStringList{QStringLiteral("https://example.org/x")};
        QTest::newRow("parenthesised") << QStringLiteral("(see https://example.org/x)") << QStringList{QStringLiteral("https://example.org/x")};
        QTest::newRow("wiki-parens") << QStringLiteral("https://en.wikipedia.org/wiki/A_(b)") << QStringList{QStringLiteral("https://en.wikipedia.org/wiki/A_(b)")};
        QTest::newRow("angle") << QStringLiteral("<https://example.org/x>") << QStringList{QStringLiteral("https://example.org/x")};
        QTest::newRow("www") << QStringLiteral("www.example.org/path") << QStringList{QStringLiteral("https://www.example.org/path")};
        QTest::newRow("mailto") << QStringLiteral("mail mailto:anna@example.org!") << QStringList{QStringLiteral("mailto:anna@example.org")};
        QTest::newRow("javascript") << QStringLiteral("javascript:alert(1)") << QStringList{};
        QTest::newRow("no-host") << QStringLiteral("http:// nothing") << QStringList{};
        QTest::newRow("idn") << QString::fromUtf16(u"https://b\u00fccher.example/") << QStringList{QStringLiteral("https://xn--bcher-kva.example/")};
        QTest::newRow("two") << QStringLiteral("http://a.example, http://b.example") << QStringList{QStringLiteral("http://a.example"), QStringLiteral("http://b.example")};
    }
    void links()
    {
        QFETCH(QString, text);
        QFETCH(QStringList, links);
        QCOMPARE(PlainTextRenderer::links(text), links);
    }

    void quoteLevels_areColoured()
    {
        const QString html = PlainTextRenderer::toHtml(QStringLiteral("top\n> one\n> > two\n>>> three\nback"));
        QCOMPARE(html, QStringLiteral("<div style=\"white-space: pre-wrap\">top<br>"
                                      "<span style=\"color: ") + PlainTextRenderer::quoteColor(1) + QStringLiteral("\">&gt; one</span><br>"
                                      "<span style=\"color: ") + PlainTextRenderer::quoteColor(2) + QStringLiteral("\">&gt; &gt; two</span><br>"
                                      "<span style=\"color: ") + PlainTextRenderer::quoteColor(3) + QStringLiteral("\">&gt;&gt;&gt; three</span><br>"
                                      "back</div>"));
        QVERIFY(PlainTextRenderer::quoteColor(1) != PlainTextRenderer::quoteColor(2));
        QCOMPARE(PlainTextRenderer::quoteLevel(u"  > > x"), 2);
        QCOMPARE(PlainTextRenderer::quoteLevel(u"x > y"), 0);
    }

    void quoteForReply_prefixesEveryLine()
    {
        QCOMPARE(PlainTextRenderer::quoteForReply(QStringLiteral("Hi\r\n\r\n> earlier\nbye\n\n\n")),
                 QStringLiteral("> Hi\n>\n>> earlier\n> bye\n"));
    }

    void controlCharacters_areDropped()
    {
        QCOMPARE(PlainTextRenderer::toHtml(QString::fromUtf16(u"a\u0000b\u001bc\td", 7)),
                 QStringLiteral("<div style=\"white-space: pre-wrap\">abc\td</div>"));
    }
};

QTEST_GUILESS_MAIN(TestPlainTextRenderer)
#include "test_plaintextrenderer.moc"
