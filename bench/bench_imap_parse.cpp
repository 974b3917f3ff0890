// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// IMAP response parsing speed: a deterministic FETCH stream (UID, FLAGS, INTERNALDATE,
// RFC822.SIZE, ENVELOPE, BODYSTRUCTURE with nested multiparts, some literal subjects) for
// 100,000 messages, fed to Tidings::Imap::Parser in 64 KiB chunks the way a socket delivers it.
// Responses are counted and dropped, as a session hands them off. The floor is one pass over the
// same bytes that only finds line ends and literal markers, byte by byte.
// A second pass turns every FETCH into the store's header as the initial sync does
// (Sync::appendHeaderFromFetch into HeaderRows: RFC 2047 decoding, address lists, dates, the BODYSTRUCTURE as
// JSON); its figure is set beside the parse alone.
// `--stream FILE` reads a FETCH stream captured from a server (the raw bytes of a UID FETCH
// answer, untagged lines and the tagged OK) instead of generating one.
#include "bench/benchmark.h"
#include "core/imap/parser.h"
#include "core/sync/headerconversion.h"

#include <QFile>
#include <QRandomGenerator>

#include <cstring>
#include <ctime>

namespace {

using namespace Tidings::Imap;

QByteArray pick(QRandomGenerator &rng, std::initializer_list<const char *> items)
{
    return QByteArray(*(items.begin() + rng.bounded(int(items.size()))));
}

QByteArray address(QRandomGenerator &rng)
{
    static const char *names[] = {"\"Anna Ivanova\"",
                                  "\"=?UTF-8?B?0JDQvdC90LAg0JjQstCw0L3QvtCy0LA=?=\"",
                                  "\"Jean-Pierre Dupont\"",
                                  "NIL",
                                  "\"GitHub\"",
                                  "\"The Example Team\""};
    static const char *users[] = {"anna", "jp.dupont", "noreply", "billing", "alice.smith", "bob"};
    static const char *hosts[] = {"example.com", "yandex.ru", "mail.ru", "gmail.com", "lists.example.org"};
    return QByteArray("(") + names[rng.bounded(6)] + " NIL \"" + users[rng.bounded(6)] + "\" \"" +
           hosts[rng.bounded(5)] + "\")";
}

QByteArray addressList(QRandomGenerator &rng, int max)
{
    const int n = rng.bounded(max + 1);
    if (n == 0)
        return QByteArrayLiteral("NIL");
    QByteArray out("(");
    for (int i = 0; i < n; ++i)
        out += address(rng);
    return out + ")";
}

QByteArray textPart(QRandomGenerator &rng, const char *subtype)
{
    const int size = 200 + rng.bounded(60000);
    return QByteArray("(\"text\" \"") + subtype + "\" (\"charset\" \"" +
           pick(rng, {"utf-8", "us-ascii", "koi8-r", "iso-8859-1"}) + "\") NIL NIL \"" +
           pick(rng, {"7bit", "quoted-printable", "base64", "8bit"}) + "\" " + QByteArray::number(size) +
           " " + QByteArray::number(size / 60 + 1) + " NIL NIL NIL NIL)";
}

QByteArray attachment(QRandomGenerator &rng)
{
    const QByteArray name =
        pick(rng, {"invoice.pdf", "photo.jpg", "=?UTF-8?B?0L7RgtGH0LXRgi5kb2N4?=", "data.zip"});
    return QByteArray("(\"application\" \"") + pick(rng, {"pdf", "octet-stream", "zip"}) + "\" (\"name\" \"" +
           name + "\") NIL NIL \"base64\" " + QByteArray::number(10000 + rng.bounded(3000000)) +
           " NIL (\"attachment\" (\"filename\" \"" + name + "\")) NIL NIL)";
}

QByteArray alternative(QRandomGenerator &rng)
{
    return "(" + textPart(rng, "plain") + textPart(rng, "html") + " \"alternative\" (\"boundary\" \"=_alt" +
           QByteArray::number(rng.generate()) + "\") NIL NIL)";
}

QByteArray envelope(QRandomGenerator &rng, quint32 i)
{
    static const char *subjects[] = {"\"Meeting notes for Thursday\"",
                                     "\"Re: invoice #4411\"",
                                     "\"=?UTF-8?B?0J/RgNC40LLQtdGCLCDQutCw0Log0LTQtdC70LA/?=\"",
                                     "\"[tidings-dev] Parser review\"",
                                     "NIL",
                                     "\"Votre commande a =?UTF-8?Q?=C3=A9t=C3=A9?= exp\\\"edi\\\"ee\""};
    QByteArray subject = subjects[rng.bounded(6)];
    if (i % 50 == 0) {
        // Some servers send 8-bit or long subjects as literals.
        const QByteArray text =
            "Subject with \"quotes\" and a long tail " + QByteArray(rng.bounded(200), 'x');
        subject = "{" + QByteArray::number(text.size()) + "}\r\n" + text;
    }
    return "(\"Mon, " + QByteArray::number(1 + i % 28) + " Jul 2024 10:" + QByteArray::number(10 + i % 50) +
           ":00 +0300\" " + subject + " " + addressList(rng, 1) + " " + addressList(rng, 1) + " " +
           addressList(rng, 1) + " " + addressList(rng, 4) + " " + addressList(rng, 3) + " NIL " +
           (rng.bounded(2) ? QByteArray("\"<prev" + QByteArray::number(i) + "@example.com>\"")
                           : QByteArray("NIL")) +
           " \"<msg" + QByteArray::number(i) + "." + QByteArray::number(rng.generate()) + "@example.com>\")";
}

QByteArray bodyStructure(QRandomGenerator &rng, quint32 i)
{
    const int kind = rng.bounded(10);
    if (kind < 4)
        return textPart(rng, "plain");
    if (kind < 7)
        return alternative(rng);
    if (kind < 9)
        return "(" + alternative(rng) + attachment(rng) + " \"mixed\" (\"boundary\" \"=_mix\") NIL NIL)";
    // A forwarded message inside a multipart/mixed.
    return "(" + textPart(rng, "plain") + "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 5000 " +
           envelope(rng, i + 1) + " " + alternative(rng) +
           " 120 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"=_fwd\") NIL NIL)";
}

QByteArray generate(int messages)
{
    QRandomGenerator rng(20240701);
    QByteArray out;
    out.reserve(qsizetype(messages) * 1400);
    static const char *flags[] = {
        "", "\\Seen", "\\Seen \\Answered", "\\Seen \\Flagged", "$Forwarded \\Seen", "\\Draft"};
    for (int i = 1; i <= messages; ++i) {
        out += "* " + QByteArray::number(i) + " FETCH (UID " + QByteArray::number(1000 + i * 3) + " FLAGS (" +
               flags[rng.bounded(6)] + ") INTERNALDATE \"" + QByteArray::number(1 + i % 28) +
               "-Jul-2024 10:11:12 +0300\" RFC822.SIZE " + QByteArray::number(2000 + rng.bounded(5000000)) +
               " ENVELOPE " + envelope(rng, quint32(i)) + " BODYSTRUCTURE " + bodyStructure(rng, quint32(i)) +
               ")\r\n";
    }
    out += "a42 OK Fetch completed (0.512 + 0.000 + 0.511 secs).\r\n";
    return out;
}

// The floor: every byte looked at once, finding line ends and skipping literals.
qint64 floorScan(QByteArrayView input, qsizetype chunk)
{
    qint64 lines = 0;
    std::uint64_t literalLeft = 0;
    char prev1 = 0; // last two bytes before the current LF, across chunk boundaries
    std::uint64_t digits = 0;
    bool inMarker = false;
    for (qsizetype off = 0; off < input.size(); off += chunk) {
        const char *p = input.data() + off;
        const char *e = p + std::min(chunk, input.size() - off);
        while (p < e) {
            if (literalLeft) {
                const auto take = std::min<std::uint64_t>(literalLeft, std::uint64_t(e - p));
                p += take;
                literalLeft -= take;
                continue;
            }
            const char c = *p++;
            if (c == '{') {
                inMarker = true;
                digits = 0;
            } else if (inMarker && c >= '0' && c <= '9') {
                digits = digits * 10 + std::uint64_t(c - '0');
            } else if (c == '\n') {
                if (prev1 == '}' || inMarker)
                    literalLeft = digits;
                else
                    ++lines;
                inMarker = false;
            } else if (c != '}' && c != '\r') {
                inMarker = false;
            }
            if (c != '\r')
                prev1 = c;
        }
    }
    return lines;
}

// The same floor with memchr: what the framing costs on a CPU with a vectorised libc.
qint64 memchrScan(QByteArrayView input, qsizetype chunk)
{
    qint64 lines = 0;
    std::uint64_t literalLeft = 0;
    for (qsizetype off = 0; off < input.size(); off += chunk) {
        const char *p = input.data() + off;
        const char *e = p + std::min(chunk, input.size() - off);
        while (p < e) {
            if (literalLeft) {
                const auto take = std::min<std::uint64_t>(literalLeft, std::uint64_t(e - p));
                p += take;
                literalLeft -= take;
                continue;
            }
            const auto *lf = static_cast<const char *>(std::memchr(p, '\n', std::size_t(e - p)));
            if (!lf)
                break;
            if (lf - p >= 2 && lf[-2] == '}') {
                const char *d = lf - 2;
                std::uint64_t size = 0, scale = 1;
                while (d > p && d[-1] >= '0' && d[-1] <= '9') {
                    size += std::uint64_t(d[-1] - '0') * scale;
                    scale *= 10;
                    --d;
                }
                literalLeft = size;
            } else {
                ++lines;
            }
            p = lf + 1;
        }
    }
    return lines;
}

// CPU time of this thread: the machine running benchmarks is often shared, and wall time
// would charge other processes' work to whichever phase they happened to overlap.
qint64 threadCpuNs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

struct CpuTimer {
    qint64 start = threadCpuNs();
    qint64 elapsed() const { return threadCpuNs() - start; }
};

/// Feeds @p input to @p parser in @p chunk-sized pieces, as a socket delivers it; the thread CPU
/// time it took.
qint64 feedTimed(Parser &parser, QByteArrayView input, qsizetype chunk)
{
    CpuTimer timer;
    for (qsizetype off = 0; off < input.size(); off += chunk) {
        if (!parser.feed(input.sliced(off, std::min(chunk, input.size() - off))))
            break;
    }
    return timer.elapsed();
}

int run(Tidings::Bench::Context &c)
{
    int messages = 100000;
    QString streamPath;
    for (qsizetype i = 0; i < c.args.size(); ++i) {
        if (c.args.at(i) == QLatin1String("--stream") && i + 1 < c.args.size())
            streamPath = c.args.at(++i);
        else
            messages = c.args.at(i).toInt();
    }
    constexpr qsizetype chunk = 64 * 1024;
    QByteArray input;
    if (streamPath.isEmpty()) {
        input = generate(messages);
    } else {
        QFile file(streamPath);
        if (!file.open(QIODevice::ReadOnly)) {
            c.out << "imap-parse: cannot read " << streamPath << ": " << file.errorString() << Qt::endl;
            return 1;
        }
        input = file.readAll();
        messages = -1; // whatever the stream holds
    }
    const double mb = double(input.size()) / 1e6;
    c.out << "imap-parse: "
          << (streamPath.isEmpty() ? QString::number(messages) + QStringLiteral(" FETCH responses")
                                   : QStringLiteral("the stream in ") + streamPath)
          << ", " << Tidings::Bench::megabytes(input.size()) << " input, fed in 64 KiB chunks" << Qt::endl;

    // Best of three for every pass; CPU time of this thread.
    qint64 floorNs = std::numeric_limits<qint64>::max();
    qint64 memchrNs = std::numeric_limits<qint64>::max();
    qint64 parseNs = std::numeric_limits<qint64>::max();
    qint64 convertNs = std::numeric_limits<qint64>::max();
    qint64 converted = 0;
    qint64 conversionErrors = 0;
    qint64 floorLines = 0;
    volatile qint64 sink = 0;
    qint64 fetches = 0;
    qint64 others = 0;
    qint64 bodyParts = 0;
    qint64 peak = 0;
    qint64 rssBefore = 0;
    for (int round = 0; round < 3; ++round) {
        CpuTimer f;
        floorLines = floorScan(input, chunk);
        floorNs = std::min(floorNs, f.elapsed());
        CpuTimer m;
        sink = sink + memchrScan(input, chunk);
        memchrNs = std::min(memchrNs, m.elapsed());

        if (round == 0) {
            Tidings::Bench::resetPeakRss();
            rssBefore = Tidings::Bench::currentRssBytes();
        }
        fetches = others = bodyParts = 0;
        Parser parser;
        parser.setExpectGreeting(false);
        parser.setResponseHandler([&](Response &&r) {
            if (const auto *fetch = std::get_if<Fetch>(&r)) {
                ++fetches;
                if (fetch->bodyStructure)
                    bodyParts += qint64(fetch->bodyStructure->parts.size());
            } else {
                ++others;
            }
        });
        parseNs = std::min(parseNs, feedTimed(parser, input, chunk));
        if (round == 0)
            peak = Tidings::Bench::peakRssBytes();
        if (parser.hasError()) {
            c.out << "imap-parse: parse error at " << parser.error()->offset << ": " << parser.error()->reason
                  << Qt::endl;
            return 1;
        }

        // The same parse with each FETCH turned into a row of the store, as FolderSync does it:
        // into HeaderRows of 500, a chunk's size, each handed on (here: dropped) when full.
        converted = conversionErrors = 0;
        Tidings::Store::HeaderRows rows;
        Parser converting;
        converting.setExpectGreeting(false);
        converting.setResponseHandler([&](Response &&r) {
            if (const auto *fetch = std::get_if<Fetch>(&r)) {
                if (rows.size() == 500) {
                    sink = sink + rows.buffer().size();
                    rows = Tidings::Store::HeaderRows();
                    rows.reserve(500, 500 * 512);
                }
                if (Tidings::Sync::appendHeaderFromFetch(*fetch, rows))
                    ++conversionErrors;
                else
                    ++converted;
            }
        });
        convertNs = std::min(convertNs, feedTimed(converting, input, chunk));
    }

    auto mbps = [mb](qint64 ns) { return mb / (double(ns) / 1e9); };
    c.out << "imap-parse: parser (thread CPU time, best of 3) " << QString::number(mbps(parseNs), 'f', 1)
          << " MB/s, " << QString::number(double(fetches) / (double(parseNs) / 1e9), 'f', 0)
          << " messages/s (" << fetches << " FETCH + " << others << " other, " << bodyParts
          << " top-level parts)" << Qt::endl;
    c.out << "imap-parse: parse + conversion to store rows (Sync::appendHeaderFromFetch) "
          << QString::number(double(converted) / (double(convertNs) / 1e9), 'f', 0) << " messages/s, "
          << QString::number(double(convertNs) / 1e6, 'f', 1) << " ms for " << converted << " headers ("
          << conversionErrors << " refused); the conversion alone "
          << QString::number(double(convertNs - parseNs) / 1e6, 'f', 1) << " ms, "
          << QString::number(double(convertNs - parseNs) / double(std::max<qint64>(converted, 1)), 'f', 0)
          << " ns a message; (parse + conversion)/parse = "
          << QString::number(double(convertNs) / double(parseNs), 'f', 2) << Qt::endl;
    c.out << "imap-parse: floor (byte scan for line ends and literals) "
          << QString::number(mbps(floorNs), 'f', 1) << " MB/s, " << floorLines
          << " lines; parser/floor = " << QString::number(double(floorNs) / double(parseNs), 'f', 2)
          << Qt::endl;
    c.out << "imap-parse: memchr scan " << QString::number(mbps(memchrNs), 'f', 1)
          << " MB/s; parser/memchr = " << QString::number(double(memchrNs) / double(parseNs), 'f', 3)
          << Qt::endl;
    c.out << "imap-parse: peak RSS while parsing " << Tidings::Bench::megabytes(peak) << " (before "
          << Tidings::Bench::megabytes(rssBefore) << ", input " << Tidings::Bench::megabytes(input.size())
          << "); peak/input = " << QString::number(double(peak) / double(input.size()), 'f', 2) << Qt::endl;
    if (conversionErrors > 0 || converted != fetches)
        return 1;
    return messages < 0 || fetches == messages ? 0 : 1;
}

} // namespace

TIDINGS_BENCHMARK("imap-parse",
                  "parses a 100,000-message FETCH stream in 64 KiB chunks (MB/s, messages/s, peak RSS)", run);
