// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// tidings-bench mime [--count N] [--seed S] [--mbox FILE] [--rounds R]: parses a generated mbox (the same
// generator as the test harness, tools/mailserver gen-mbox) into Tidings' message tree and
// compares with GMime's bare parse of the same bytes in the same run (best of R alternating
// rounds for each).
#include "bench/benchmark.h"
#include "core/mime/mbox.h"
#include "core/mime/parser.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>

#include <algorithm>

namespace {

QString findMailserverTool()
{
    const QString fromEnv = qEnvironmentVariable("TIDINGS_SOURCE_DIR");
    if (!fromEnv.isEmpty() && QFileInfo::exists(fromEnv + QLatin1String("/tools/mailserver")))
        return fromEnv + QLatin1String("/tools/mailserver");
    QDir dir(QCoreApplication::applicationDirPath());
    for (int i = 0; i < 6; ++i) {
        if (QFileInfo::exists(dir.filePath(QStringLiteral("tools/mailserver"))))
            return dir.filePath(QStringLiteral("tools/mailserver"));
        if (!dir.cdUp())
            break;
    }
    return {};
}

int runMime(Tidings::Bench::Context &c)
{
    int count = 10000;
    QString seed = QStringLiteral("1");
    QString mboxPath;
    int rounds = 3;
    for (qsizetype i = 0; i + 1 < c.args.size(); i += 2) {
        if (c.args.at(i) == u"--count")
            count = c.args.at(i + 1).toInt();
        else if (c.args.at(i) == u"--seed")
            seed = c.args.at(i + 1);
        else if (c.args.at(i) == u"--mbox")
            mboxPath = c.args.at(i + 1);
        else if (c.args.at(i) == u"--rounds")
            rounds = std::max(1, c.args.at(i + 1).toInt());
    }

    QTemporaryDir temp;
    if (mboxPath.isEmpty()) {
        const QString tool = findMailserverTool();
        if (tool.isEmpty()) {
            c.out << "mime: tools/mailserver not found (set TIDINGS_SOURCE_DIR or pass --mbox FILE)"
                  << Qt::endl;
            return 1;
        }
        mboxPath = temp.filePath(QStringLiteral("bench.mbox"));
        QProcess gen;
        gen.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        gen.start(tool, {QStringLiteral("gen-mbox"), mboxPath, QStringLiteral("--count"),
                         QString::number(count), QStringLiteral("--seed"), seed});
        if (!gen.waitForFinished(-1) || gen.exitCode() != 0) {
            c.out << "mime: gen-mbox failed" << Qt::endl;
            return 1;
        }
    }
    QFile file(mboxPath);
    if (!file.open(QIODevice::ReadOnly)) {
        c.out << "mime: cannot read " << mboxPath << Qt::endl;
        return 1;
    }
    const QByteArray mbox = file.readAll();
    const double megabytes = double(mbox.size()) / (1024.0 * 1024.0);

    // Warm both paths once on a slice so first-use costs (iconv tables, GMime init) are out.
    (void)Tidings::Mime::Mbox::bareGMimeParse(
        QByteArrayView(mbox).first(std::min<qsizetype>(mbox.size(), 1 << 20)));

    // Rounds alternate which side goes first and each side keeps its best time, so a
    // burst of load from other processes on a shared machine hits neither side alone.
    QElapsedTimer timer;
    qsizetype bareCount = 0;
    double bareSeconds = 0;
    double treeSeconds = 0;
    qsizetype parsed = 0;
    qsizetype parts = 0;
    qsizetype withText = 0;
    qsizetype tooComplex = 0;
    auto runBare = [&] {
        timer.restart();
        bareCount = Tidings::Mime::Mbox::bareGMimeParse(mbox);
        const double seconds = double(timer.nsecsElapsed()) / 1e9;
        bareSeconds = bareSeconds == 0 ? seconds : std::min(bareSeconds, seconds);
    };
    auto runTree = [&] {
        timer.restart();
        parsed = parts = withText = tooComplex = 0;
        for (QByteArrayView raw : Tidings::Mime::Mbox::split(mbox)) {
            const QByteArray unquoted =
                Tidings::Mime::Mbox::mayBeQuoted(raw) ? Tidings::Mime::Mbox::unquote(raw) : QByteArray();
            const Tidings::Mime::Message message =
                Tidings::Mime::Parser::parse(unquoted.isNull() ? raw : QByteArrayView(unquoted));
            ++parsed;
            parts += message.parts.size();
            withText += message.bestTextIndex >= 0 || message.bestHtmlIndex >= 0 ? 1 : 0;
            tooComplex += message.tooComplex ? 1 : 0;
        }
        const double seconds = double(timer.nsecsElapsed()) / 1e9;
        treeSeconds = treeSeconds == 0 ? seconds : std::min(treeSeconds, seconds);
    };
    for (int round = 0; round < rounds; ++round) {
        if (round % 2 == 0) {
            runBare();
            runTree();
        } else {
            runTree();
            runBare();
        }
    }

    c.out << QStringLiteral("mime: %1 messages, %2 MB, %3 parts, %4 with a body, %5 too complex")
                 .arg(parsed)
                 .arg(megabytes, 0, 'f', 1)
                 .arg(parts)
                 .arg(withText)
                 .arg(tooComplex)
          << Qt::endl;
    c.out << QStringLiteral("mime: best of %1 alternating rounds each").arg(rounds) << Qt::endl;
    c.out << QStringLiteral("mime: tree parse   %1 msg/s  %2 MB/s  (%3 s)")
                 .arg(double(parsed) / treeSeconds, 0, 'f', 0)
                 .arg(megabytes / treeSeconds, 0, 'f', 1)
                 .arg(treeSeconds, 0, 'f', 2)
          << Qt::endl;
    c.out << QStringLiteral("mime: GMime bare   %1 msg/s  %2 MB/s  (%3 s, %4 messages)")
                 .arg(double(bareCount) / bareSeconds, 0, 'f', 0)
                 .arg(megabytes / bareSeconds, 0, 'f', 1)
                 .arg(bareSeconds, 0, 'f', 2)
                 .arg(bareCount)
          << Qt::endl;
    c.out << QStringLiteral("mime: ratio tree/GMime %1x (target <= 2x), peak RSS %2")
                 .arg(treeSeconds / bareSeconds, 0, 'f', 2)
                 .arg(Tidings::Bench::megabytes(Tidings::Bench::peakRssBytes()))
          << Qt::endl;
    return parsed == bareCount ? 0 : 1;
}

} // namespace

TIDINGS_BENCHMARK("mime",
                  "parses a generated 10,000-message mbox into the message tree, beside GMime's bare parse",
                  runMime);
