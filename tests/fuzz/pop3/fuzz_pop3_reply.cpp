// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// POP3 reply parsing: the first byte picks the shapes of four expected replies, the second how
// the rest is split into reads. Checks the bounds hold and feeding never over-consumes.
#include "core/pop3/responseparser.h"

#include <cstdint>
#include <cstdlib>

namespace {

struct Sink final : Tidings::Pop3::ResponseHandler {
    qint64 bytes = 0;
    qint64 lines = 0;
    void statusLine(const Tidings::Pop3::StatusLine &status) override { bytes += status.text.size(); }
    void data(QByteArrayView chunk) override
    {
        bytes += chunk.size();
        ++lines;
    }
    void end() override {}
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    using Tidings::Pop3::ReplyShape;
    const uint8_t shapes = data[0];
    const size_t step = size_t(data[1] % 17) + 1;
    Sink sink;
    Tidings::Pop3::ResponseParser::Limits limits;
    limits.maxBodyBytes = 4096;
    limits.maxListBytes = 4096;
    limits.maxListLine = 256;
    Tidings::Pop3::ResponseParser parser(sink, limits);
    for (int i = 0; i < 4; ++i)
        parser.expect(ReplyShape((shapes >> (2 * i)) & 3));
    const char *bytes = reinterpret_cast<const char *>(data + 2);
    const size_t length = size - 2;
    for (size_t at = 0; at < length; at += step) {
        const size_t n = std::min(step, length - at);
        const qsizetype used = parser.feed(QByteArrayView(bytes + at, qsizetype(n)));
        if (used < 0 || size_t(used) > n)
            std::abort();
        if (size_t(used) < n)
            break; // an error, or every expected reply is complete
    }
    // A body over the limit is counted up to the chunk that crossed it, and must end in an error.
    if (parser.bodyBytes() > limits.maxBodyBytes && !parser.hasError())
        std::abort();
    return 0;
}
