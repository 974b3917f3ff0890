// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// The viewer fetches nothing by itself: hostile and tracking messages are rendered while a
// loopback HTTP server counts requests; the positive controls show the counter works.
#include "httpcounter.h"

#include "core/mime/htmlsanitizer.h"
#include "ui/messagepartview.h"
#include "ui/messageviewer.h"
#include "ui/remotecontentbar.h"
#include "ui/remotecontentpolicy.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Tidings;
using Tidings::Test::HttpCounter;
using Ui::MessageViewer;
using Ui::ViewerMessage;

namespace {

QString readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

ViewerMessage htmlMessage(const QString &html, const QString &sender = QStringLiteral("news@shop.example"))
{
    ViewerMessage m;
    m.senderAddress = sender;
    m.bodies.append({ViewerMessage::Body::Format::Html, html});
    return m;
}

ViewerMessage textMessage(const QString &text)
{
    ViewerMessage m;
    m.senderAddress = QStringLiteral("anna@example.org");
    m.bodies.append({ViewerMessage::Body::Format::PlainText, text});
    return m;
}

QByteArray pngBytes()
{
    QImage img(3, 3, QImage::Format_RGB32);
    img.fill(Qt::blue);
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    img.save(&buffer, "PNG");
    return bytes;
}

// Shows the viewer and paints it, the way a person would see it.
void paint(MessageViewer &viewer)
{
    viewer.resize(800, 600);
    viewer.show();
    QVERIFY(QTest::qWaitForWindowExposed(&viewer) || QGuiApplication::platformName() == u"offscreen");
    (void)viewer.grab();
    QCoreApplication::processEvents();
    (void)viewer.grab();
}

QImage imageResource(Ui::MessagePartView *view, const QString &url)
{
    return view->document()->resource(QTextDocument::ImageResource, QUrl(url)).value<QImage>();
}

} // namespace

class TestMessageViewer : public QObject
{
    Q_OBJECT

private:
    // A request the viewer makes only with consent: once it has arrived, everything the
    // viewer sent before it has arrived too (one event loop, one server).
    void barrier(HttpCounter &counter, Ui::RemoteContentPolicy &policy)
    {
        MessageViewer viewer(&policy);
        viewer.setMessage(htmlMessage(u"<img src=\"http://" + counter.authority() + u"/barrier.png\">"));
        paint(viewer);
        viewer.showRemoteContent();
        (void)viewer.grab();
        QTRY_VERIFY(counter.paths().contains(QStringLiteral("/barrier.png")));
    }

private Q_SLOTS:
    void hostileCorpus_viewerAndQuotingReply_makeNoRequest()
    {
        HttpCounter counter;
        QVERIFY(counter.isListening());
        Ui::RemoteContentPolicy policy;
        const QDir corpus(qEnvironmentVariable("TIDINGS_TEST_DATA") + QStringLiteral("/viewer/hostile"));
        const QStringList files = corpus.entryList({QStringLiteral("*.html")}, QDir::Files, QDir::Name);
        QVERIFY(files.size() >= 10);
        int rendered = 0;
        for (const QString &file : files) {
            QString html = readFile(corpus.filePath(file));
            html.replace(QStringLiteral("TRACKER"), counter.authority());
            ViewerMessage message = htmlMessage(html);
            message.inlineResources.insert(QStringLiteral("logo@example.org"), {"image/png", pngBytes()});
            // The same hostile text also as a plain-text alternative part.
            message.bodies.append({ViewerMessage::Body::Format::PlainText, html});

            MessageViewer viewer(&policy);
            viewer.setMessage(message);
            paint(viewer);
            // Messages made of loadable tracking images do show the bar.
            if (file == u"img.html" || file == u"tracking.html" || file == u"css-background.html")
                QVERIFY2(viewer.blockedRemoteCount() > 0, qPrintable(file));

            // A reply quoting it: as plain text (what the composer quotes) and as HTML
            // with the original inside a blockquote (what a rich-text reply would hold).
            MessageViewer replyText(&policy);
            replyText.setMessage(textMessage(QStringLiteral("Thanks!\n\n") + viewer.quotedReplyText()));
            paint(replyText);
            MessageViewer replyHtml(&policy);
            replyHtml.setMessage(htmlMessage(u"<p>Thanks!</p><blockquote type=\"cite\">" + html + u"</blockquote>",
                                             QStringLiteral("me@example.org")));
            paint(replyHtml);
            ++rendered;
        }
        QCOMPARE(rendered, files.size());
        barrier(counter, policy);
        QCOMPARE(counter.paths(), QStringList{QStringLiteral("/barrier.png")});
        QCOMPARE(counter.connections(), 1);
    }

    void blockedImage_showRemoteContent_fetchesThroughTheViewer()
    {
        HttpCounter counter;
        Ui::RemoteContentPolicy policy;
        MessageViewer viewer(&policy);
        const QString url = u"http://" + counter.authority() + u"/pixel.png";
        viewer.setMessage(htmlMessage(u"<p>Sale!</p><img src=\"" + url + u"\"><div style=\"background-image:url(" + url
                                      + u"?bg)\">x</div>"));
        paint(viewer);
        QVERIFY(viewer.remoteContentBar()->isVisible());
        QCOMPARE(viewer.blockedRemoteCount(), 2);
        QCOMPARE(counter.paths(), QStringList());

        QTest::mouseClick(viewer.remoteContentBar()->showButton(), Qt::LeftButton);
        QVERIFY(viewer.isRemoteContentShown());
        QVERIFY(!viewer.remoteContentBar()->isVisible());
        (void)viewer.grab();
        QTRY_VERIFY(counter.paths().contains(QStringLiteral("/pixel.png")));
        // The image arrives and the part is laid out again with it.
        QTRY_COMPARE(imageResource(viewer.partViews().value(0), url).size(), QSize(2, 2));
        QVERIFY(!policy.isAllowed(QStringLiteral("news@shop.example")));
    }

    void alwaysForSender_appliesToTheirNextMessageOnly()
    {
        HttpCounter counter;
        Ui::RemoteContentPolicy policy;
        QSignalSpy changed(&policy, &Ui::RemoteContentPolicy::changed);
        MessageViewer viewer(&policy);
        viewer.setMessage(htmlMessage(u"<img src=\"http://" + counter.authority() + u"/one.png\">"));
        paint(viewer);
        QVERIFY(viewer.remoteContentBar()->alwaysButton()->isVisible());
        QVERIFY(viewer.remoteContentBar()->alwaysButton()->text().contains(QStringLiteral("news@shop.example")));
        QTest::mouseClick(viewer.remoteContentBar()->alwaysButton(), Qt::LeftButton);
        QCOMPARE(changed.size(), 1);
        QVERIFY(policy.isAllowed(QStringLiteral("NEWS@shop.example")));
        QTRY_VERIFY(counter.paths().contains(QStringLiteral("/one.png")));

        viewer.setMessage(htmlMessage(u"<img src=\"http://" + counter.authority() + u"/two.png\">"));
        (void)viewer.grab();
        QVERIFY(viewer.isRemoteContentShown());
        QVERIFY(!viewer.remoteContentBar()->isVisible());
        QTRY_VERIFY(counter.paths().contains(QStringLiteral("/two.png")));

        viewer.setMessage(htmlMessage(u"<img src=\"http://" + counter.authority() + u"/three.png\">",
                                      QStringLiteral("stranger@elsewhere.example")));
        (void)viewer.grab();
        QVERIFY(!viewer.isRemoteContentShown());
        QVERIFY(viewer.remoteContentBar()->isVisible());
        barrier(counter, policy);
        QVERIFY(!counter.paths().contains(QStringLiteral("/three.png")));
    }

    void consentForOneMessage_doesNotCarryToTheNext()
    {
        HttpCounter counter;
        MessageViewer viewer;
        viewer.setMessage(htmlMessage(u"<img src=\"http://" + counter.authority() + u"/a.png\">"));
        paint(viewer);
        viewer.showRemoteContent();
        QTRY_VERIFY(counter.paths().contains(QStringLiteral("/a.png")));
        viewer.setMessage(htmlMessage(u"<img src=\"http://" + counter.authority() + u"/b.png\">"));
        (void)viewer.grab();
        QVERIFY(!viewer.isRemoteContentShown());
        QVERIFY(viewer.remoteContentBar()->isVisible());
        // Without a policy there is no sender to trust.
        QVERIFY(!viewer.remoteContentBar()->alwaysButton()->isVisible());
        Ui::RemoteContentPolicy policy;
        barrier(counter, policy);
        QVERIFY(!counter.paths().contains(QStringLiteral("/b.png")));
    }

    void cidImage_resolvesOnlyWithinTheSameMessage()
    {
        ViewerMessage m = htmlMessage(QStringLiteral("<img src=\"cid:logo@x\"><img src=\"cid:%3Clogo@x%3E\"><p>t</p>"));
        m.inlineResources.insert(QStringLiteral("logo@x"), {"image/png", pngBytes()});
        MessageViewer viewer;
        viewer.setMessage(m);
        paint(viewer);
        QCOMPARE(imageResource(viewer.partViews().value(0), QStringLiteral("cid:logo@x")).size(), QSize(3, 3));

        // The next message names the same Content-ID but does not carry it.
        viewer.setMessage(htmlMessage(QStringLiteral("<img src=\"cid:logo@x\">")));
        paint(viewer);
        QVERIFY(imageResource(viewer.partViews().value(0), QStringLiteral("cid:logo@x")).size() != QSize(3, 3));
        QVERIFY(!viewer.partViews().value(0)->safeHtml().contains(QStringLiteral("<img")));
    }

    void localFilesAndOversizedData_neverResolve_evenIfMarkupSlipsThrough()
    {
        // Bypasses the sanitizer on purpose: the part view itself must not read the disk.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile png(dir.filePath(QStringLiteral("local.png")));
        QVERIFY(png.open(QIODevice::WriteOnly));
        png.write(pngBytes());
        png.close();
        const QString oldCwd = QDir::currentPath();
        QDir::setCurrent(dir.path());
        const QString fileUrl = QUrl::fromLocalFile(png.fileName()).toString();
        const QString bigData = QStringLiteral("data:image/png;base64,") + QString::fromLatin1(QByteArray(2 * 1024 * 1024, 'A').toBase64());
        MessageViewer viewer;
        viewer.setMessage(textMessage(QStringLiteral("x")));
        paint(viewer);
        Ui::MessagePartView *view = viewer.partViews().value(0);
        QVERIFY(view);
        view->setSafeHtml(u"<img src=\"" + fileUrl + u"\"><img src=\"local.png\"><img src=\"qrc:/qt-project.org/styles/commonstyle/images/file-16.png\"><img src=\""
                          + bigData + u"\">");
        (void)viewer.grab();
        QDir::setCurrent(oldCwd);
        for (const QString &url : {fileUrl, QStringLiteral("local.png"), QStringLiteral("qrc:/qt-project.org/styles/commonstyle/images/file-16.png"), bigData}) {
            // What the document holds for the URL: the refusal (one transparent pixel), never the file.
            const QVariant v = view->document()->resource(QTextDocument::ImageResource, QUrl(url));
            QVERIFY2(v.toByteArray().isEmpty(), qPrintable(url.left(80)));
            const QImage img = v.value<QImage>();
            QVERIFY2(img.isNull() || (img.size() == QSize(1, 1) && img.pixelColor(0, 0).alpha() == 0), qPrintable(url.left(80)));
        }
        QVERIFY(viewer.refusedResourceCount() >= 4);
    }

    void linkClick_confirmsWithPunycodeTarget_beforeOpening()
    {
        MessageViewer viewer;
        viewer.setMessage(htmlMessage(QString::fromUtf16(u"<a href=\"https://b\u00fccher.example/x?y=1\">Bücher</a>")));
        paint(viewer);
        QString shown;
        QList<QUrl> opened;
        bool answer = false;
        viewer.setLinkConfirmer([&](const QUrl &, const QString &target) {
            shown = target;
            return answer;
        });
        viewer.setUrlOpener([&](const QUrl &url) { opened << url; });
        Ui::MessagePartView *view = viewer.partViews().value(0);
        QVERIFY(view->safeHtml().contains(QStringLiteral("xn--bcher-kva.example")));
        const QUrl link(QStringLiteral("https://xn--bcher-kva.example/x?y=1"));
        Q_EMIT view->anchorClicked(link);
        QCOMPARE(shown, QStringLiteral("https://xn--bcher-kva.example/x?y=1"));
        QVERIFY(opened.isEmpty());
        answer = true;
        Q_EMIT view->anchorClicked(link);
        QCOMPARE(opened, QList<QUrl>{link});
        QCOMPARE(MessageViewer::linkDisplayTarget(QUrl(QStringLiteral("https://paypal.com@evil.example/"))),
                 QStringLiteral("https://paypal.com@evil.example/"));
    }

    void mailtoAndScriptLinks_areNeverOpenedInTheBrowser()
    {
        MessageViewer viewer;
        viewer.setMessage(textMessage(QStringLiteral("write to mailto:anna@example.org")));
        paint(viewer);
        int confirmations = 0;
        viewer.setLinkConfirmer([&](const QUrl &, const QString &) { return ++confirmations > 0; });
        viewer.setUrlOpener([](const QUrl &) { QFAIL("must not open"); });
        QSignalSpy mailto(&viewer, &MessageViewer::mailtoRequested);
        viewer.activateLink(QUrl(QStringLiteral("mailto:anna@example.org")));
        QCOMPARE(mailto.size(), 1);
        for (const char *u : {"javascript:alert(1)", "file:///etc/passwd", "data:text/html,x", "qrc:/x", "cid:a@b", "relative.html"})
            viewer.activateLink(QUrl(QString::fromLatin1(u)));
        QCOMPARE(confirmations, 0);
    }

    void eachPart_isRenderedOnItsOwn()
    {
        ViewerMessage m;
        m.bodies.append({ViewerMessage::Body::Format::Html, QStringLiteral("<table><tr><td><b>first <!-- unclosed <textarea>")});
        m.bodies.append({ViewerMessage::Body::Format::PlainText, QStringLiteral("second <b>not bold</b> http://example.org/")});
        MessageViewer viewer;
        viewer.setMessage(m);
        paint(viewer);
        QCOMPARE(viewer.partViews().size(), 2);
        const QString first = viewer.partViews().at(0)->toPlainText();
        const QString second = viewer.partViews().at(1)->toPlainText();
        QVERIFY2(first.contains(QStringLiteral("first")) && !first.contains(QStringLiteral("second")), qPrintable(first));
        QCOMPARE(second, QStringLiteral("second <b>not bold</b> http://example.org/"));
        QVERIFY(viewer.partViews().at(1)->document()->toHtml().contains(QStringLiteral("href=\"http://example.org/\"")));
        QVERIFY(viewer.partViews().at(0)->height() > 1);
    }

    void quotedReplyText_quotesWhatIsShown()
    {
        ViewerMessage m = htmlMessage(QStringLiteral("<p>Hello <b>Bob</b></p><script>x()</script><p>Bye</p>"));
        MessageViewer viewer;
        viewer.setMessage(m);
        QCOMPARE(viewer.quotedReplyText(), QStringLiteral("> Hello Bob\n>\n> Bye\n"));
    }
};

QTEST_MAIN(TestMessageViewer)
#include "test_messageviewer.moc"
