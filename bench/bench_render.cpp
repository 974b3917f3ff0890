// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// tidings-bench render: the largest HTML messages of a generated mbox through the sanitizer
// and MessageViewer to a painted view, beside the floor of a bare QTextBrowser painting the
// same already-sanitised HTML (docs/benchmarks.md, docs/viewer.md).
#include "bench/benchmark.h"
#include "core/mime/htmlsanitizer.h"
#include "core/mime/parser.h"
#include "ui/messageviewer.h"

#include <QApplication>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QTextBrowser>

#include <algorithm>
#include <cmath>
#include <memory>

namespace {

/// The floor: a bare QTextBrowser. With quiet resources it answers every image with the
/// same transparent pixel the viewer gives for what it refuses, instead of Qt's default
/// (search the disk relative to the search paths, then paint the broken-image icon), so
/// both sides do the same resource work for images they cannot show.
class FloorBrowser final : public QTextBrowser
{
public:
    bool quietResources = true;

    QVariant loadResource(int type, const QUrl &name) override
    {
        if (!quietResources)
            return QTextBrowser::loadResource(type, name);
        if (type == QTextDocument::ImageResource) {
            static const QImage nothing = [] {
                QImage img(1, 1, QImage::Format_ARGB32);
                img.fill(Qt::transparent);
                return img;
            }();
            return nothing;
        }
        return QVariant(QByteArray());
    }
};

using namespace Tidings;

// Qt widgets need a QApplication; the offscreen platform keeps the benchmark headless.
[[maybe_unused]] const bool renderApplication = Bench::registerApplicationFactory(
    QStringLiteral("render"), [](int &argc, char **argv) -> std::unique_ptr<QCoreApplication> {
        if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
            qputenv("QT_QPA_PLATFORM", "offscreen");
        return std::make_unique<QApplication>(argc, argv);
    });

QString findMailserverTool()
{
    const QString fromEnv = qEnvironmentVariable("TIDINGS_SOURCE_DIR");
    if (!fromEnv.isEmpty() && QFileInfo::exists(fromEnv + QStringLiteral("/tools/mailserver")))
        return fromEnv + QStringLiteral("/tools/mailserver");
    QDir dir(QCoreApplication::applicationDirPath());
    for (int up = 0; up < 4; ++up) {
        if (QFileInfo::exists(dir.filePath(QStringLiteral("tools/mailserver"))))
            return dir.filePath(QStringLiteral("tools/mailserver"));
        if (!dir.cdUp())
            break;
    }
    return {};
}

// Splits an mbox (mboxrd/mboxo "From " separators) into messages.
QList<QByteArray> splitMbox(const QByteArray &mbox)
{
    QList<QByteArray> messages;
    qsizetype start = mbox.startsWith("From ") ? 0 : -1;
    qsizetype pos = 0;
    while ((pos = mbox.indexOf("\nFrom ", pos)) >= 0) {
        if (start >= 0)
            messages.append(mbox.mid(start, pos + 1 - start));
        start = pos + 1;
        pos += 6;
    }
    if (start >= 0 && start < mbox.size())
        messages.append(mbox.mid(start));
    return messages;
}

Ui::ViewerMessage toViewerMessage(const Mime::Message &m)
{
    Ui::ViewerMessage v;
    v.senderAddress = m.from.isEmpty() ? QString() : m.from.first().address;
    v.bodies.append({Ui::ViewerMessage::Body::Format::Html, m.bestHtml()});
    for (const Mime::Part &p : m.parts) {
        if (!p.contentId.isEmpty() && !p.isContainer())
            v.inlineResources.insert(QString::fromUtf8(p.contentId), {p.contentType, p.content()});
    }
    // Attachments stay encoded: the bar asks for one (contentRequested) when it is opened
    // or saved, and only then is it decoded (Part::decodedContent()).
    for (const Mime::Part &p : m.attachments())
        v.attachments.append(
            {p.section, p.filename, QString::fromLatin1(p.contentType), p.size, QByteArray(), false});
    return v;
}

double percentile(QList<double> samples, double p)
{
    if (samples.isEmpty())
        return 0;
    std::sort(samples.begin(), samples.end());
    const double rank = p * double(samples.size() - 1);
    const auto lo = qsizetype(std::floor(rank));
    const auto hi = qsizetype(std::ceil(rank));
    return samples.at(lo) + (samples.at(hi) - samples.at(lo)) * (rank - double(lo));
}

QString ms(double v)
{
    return QString::number(v, 'f', 2) + QStringLiteral(" ms");
}

int run(Bench::Context &c)
{
    QString mboxPath;
    int count = 2000;
    int seed = 1;
    int top = 100;
    int reps = 4;
    bool quietFloor = true;
    bool reuseFloor = false;
    bool floorScrollBarOn = true;
    for (int i = 0; i + 1 < c.args.size(); i += 2) {
        const QString &k = c.args.at(i);
        const QString &v = c.args.at(i + 1);
        if (k == u"--mbox")
            mboxPath = v;
        else if (k == u"--count")
            count = v.toInt();
        else if (k == u"--seed")
            seed = v.toInt();
        else if (k == u"--top")
            top = v.toInt();
        else if (k == u"--reps")
            reps = std::max(1, v.toInt());
        else if (k == u"--floor-resources")
            quietFloor = v != u"qt";
        else if (k == u"--floor-reuse")
            reuseFloor = v == u"yes";
        else if (k == u"--floor-scrollbar")
            floorScrollBarOn = v != u"as-needed";
    }
    if (!qobject_cast<QApplication *>(QCoreApplication::instance())) {
        c.out << "render: needs a QApplication (run as tidings-bench render)" << Qt::endl;
        return 1;
    }

    QTemporaryDir tmp;
    if (mboxPath.isEmpty()) {
        const QString tool = findMailserverTool();
        if (tool.isEmpty()) {
            c.out << "render: tools/mailserver not found; pass --mbox FILE or set TIDINGS_SOURCE_DIR"
                  << Qt::endl;
            return 1;
        }
        mboxPath = tmp.filePath(QStringLiteral("render.mbox"));
        QProcess gen;
        gen.start(tool, {QStringLiteral("gen-mbox"), mboxPath, QStringLiteral("--count"),
                         QString::number(count), QStringLiteral("--seed"), QString::number(seed)});
        if (!gen.waitForFinished(600000) || gen.exitCode() != 0) {
            c.out << "render: gen-mbox failed: " << gen.readAllStandardError() << Qt::endl;
            return 1;
        }
    }
    QFile file(mboxPath);
    if (!file.open(QIODevice::ReadOnly)) {
        c.out << "render: cannot read " << mboxPath << Qt::endl;
        return 1;
    }
    const QList<QByteArray> raw = splitMbox(file.readAll());

    struct Candidate {
        Ui::ViewerMessage message;
        QString safeHtml;
        qsizetype htmlSize;
    };
    QList<Candidate> candidates;
    for (const QByteArray &bytes : raw) {
        const Mime::Message m = Mime::Parser::parse(bytes);
        if (!m.hasHtml())
            continue;
        Ui::ViewerMessage v = toViewerMessage(m);
        const qsizetype size = v.bodies.first().text.size();
        candidates.append({std::move(v), QString(), size});
    }
    std::sort(candidates.begin(), candidates.end(),
              [](const Candidate &a, const Candidate &b) { return a.htmlSize > b.htmlSize; });
    if (candidates.size() > top)
        candidates.resize(top);
    if (candidates.isEmpty()) {
        c.out << "render: no HTML messages in " << mboxPath << Qt::endl;
        return 1;
    }
    qsizetype htmlBytes = 0;
    for (Candidate &cand : candidates) {
        Mime::HtmlPolicy policy;
        for (auto it = cand.message.inlineResources.cbegin(); it != cand.message.inlineResources.cend(); ++it)
            policy.contentIds.insert(it.key());
        cand.safeHtml = Mime::HtmlSanitizer::sanitize(cand.message.bodies.first().text, policy).html;
        htmlBytes += cand.htmlSize;
    }

    const QSize size(900, 700);
    Ui::MessageViewer viewer;
    viewer.resize(size);
    viewer.show();
    // The viewer builds a new part view (and so a new QTextDocument) for every message; the
    // floor does the same unless --floor-reuse, where one browser's document is cleared and
    // refilled each time.
    auto newFloor = [&] {
        auto browser = std::make_unique<FloorBrowser>();
        browser->quietResources = quietFloor;
        // The viewer's scroll area keeps its scroll bar from one long message to the next,
        // so its parts are laid out once at the final width; a browser whose scroll bar
        // appears only after the first layout lays the whole document out twice.
        if (floorScrollBarOn)
            browser->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOn);
        browser->resize(size);
        browser->show();
        return browser;
    };
    std::unique_ptr<FloorBrowser> floorBrowser = newFloor();
    QCoreApplication::processEvents();

    QList<double> viewerMs;
    QList<double> floorMs;
    QElapsedTimer t;
    for (int r = 0; r < reps; ++r) {
        for (const Candidate &cand : std::as_const(candidates)) {
            auto timeViewer = [&] {
                t.start();
                viewer.setMessage(cand.message);
                // Layout requests the new parts post (the scroll area fitting its content,
                // the scroll bar appearing) are part of a painted view: run them inside the
                // timed section, for both sides.
                QCoreApplication::sendPostedEvents();
                (void)viewer.grab();
                viewerMs.append(double(t.nsecsElapsed()) / 1e6);
                QCoreApplication::processEvents();
            };
            auto timeFloor = [&] {
                t.start();
                if (!reuseFloor)
                    floorBrowser = newFloor();
                floorBrowser->setHtml(cand.safeHtml);
                QCoreApplication::sendPostedEvents();
                (void)floorBrowser->grab();
                floorMs.append(double(t.nsecsElapsed()) / 1e6);
                QCoreApplication::processEvents();
            };
            // Alternate who goes first, so warm caches favour neither side.
            if (r % 2 == 0) {
                timeViewer();
                timeFloor();
            } else {
                timeFloor();
                timeViewer();
            }
        }
    }
    const double vMed = percentile(viewerMs, 0.5);
    const double vP95 = percentile(viewerMs, 0.95);
    const double fMed = percentile(floorMs, 0.5);
    const double fP95 = percentile(floorMs, 0.95);
    c.out << "render: " << candidates.size() << " largest HTML messages of " << raw.size() << " (HTML "
          << Bench::megabytes(htmlBytes) << "), " << reps << " rounds, " << size.width() << "x"
          << size.height() << " offscreen" << Qt::endl;
    c.out << "render: viewer (sanitize + MessageViewer + grab): median " << ms(vMed) << ", p95 " << ms(vP95)
          << Qt::endl;
    c.out << "render: floor (QTextBrowser setHtml of sanitised HTML + grab, "
          << (quietFloor ? "images answered from memory" : "Qt's default resource loading")
          << (reuseFloor ? ", one browser reused" : ", a new browser per message")
          << (floorScrollBarOn ? ", scroll bar always on" : ", scroll bar as needed") << "): median "
          << ms(fMed) << ", p95 " << ms(fP95) << Qt::endl;
    c.out << "render: ratio viewer/floor: median " << QString::number(vMed / std::max(fMed, 1e-9), 'f', 2)
          << "x, p95 " << QString::number(vP95 / std::max(fP95, 1e-9), 'f', 2) << "x; peak RSS "
          << Bench::megabytes(Bench::peakRssBytes()) << Qt::endl;
    return 0;
}

} // namespace

TIDINGS_BENCHMARK(
    "render",
    "the 100 largest HTML messages of a generated mbox: sanitizer + viewer to a painted view vs QTextBrowser",
    run);
