// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// SMTP reply parsing and classification, plus the DATA encoder's round trip: what a server
// un-stuffs from encodeData(x) is canonicalMessage(x), for any bytes x.
#include "core/smtp/data.h"
#include "core/smtp/reply.h"

#include <cstdint>
#include <cstdlib>

namespace {

QByteArray unstuff(const QByteArray &data)
{
    QByteArray out;
    qsizetype at = 0;
    for (;;) {
        const qsizetype eol = data.indexOf("\r\n", at);
        if (eol < 0)
            std::abort(); // DATA always ends with CRLF . CRLF
        QByteArrayView line = QByteArrayView(data).sliced(at, eol - at);
        at = eol + 2;
        if (line == ".") {
            if (at != data.size())
                std::abort(); // the terminator is the last line, and only there
            return out;
        }
        if (line.startsWith('.'))
            line = line.sliced(1);
        out += line;
        out += "\r\n";
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char *>(data), qsizetype(size));
    using namespace Tidings::Smtp;
    ReplyParser parser;
    const qsizetype step = size > 0 ? qsizetype(data[0] % 13) + 1 : 1;
    for (qsizetype at = 0; at < input.size() && !parser.hasError(); at += step) {
        parser.feed(input.sliced(at, std::min(step, input.size() - at)));
        while (parser.hasReply()) {
            const Reply reply = parser.takeReply();
            if (reply.code < 200 || reply.code > 599 || reply.lines.isEmpty()
                || reply.lines.size() > ReplyParser::MaxLines)
                std::abort();
            const Capabilities caps = Capabilities::fromEhlo(reply);
            (void)caps;
            for (int stage = 0; stage <= int(Stage::DataEnd); ++stage)
                (void)errorFor(classify(reply, Stage(stage)), reply);
        }
    }

    qint64 canonicalSize = 0;
    const QByteArray encoded = encodeData(input, &canonicalSize);
    const QByteArray canonical = canonicalMessage(input);
    if (canonicalSize != canonical.size() || unstuff(encoded) != canonical)
        std::abort();
    return 0;
}
