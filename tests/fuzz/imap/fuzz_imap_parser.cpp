// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Fuzzes Tidings::Imap::Parser. The first byte chooses options (greeting, UTF8=ACCEPT, a body
// sink and its threshold) and a seed for chunk sizes; the rest is the server's byte stream. The
// stream is parsed twice, whole and in chunks derived from the seed, and both runs must agree
// exactly (responses, error offset and reason): a differential check that the incremental
// framing never depends on where reads split the input.
#include "core/imap/parser.h"

#include <cstdint>
#include <cstdlib>

namespace {

using namespace Tidings::Imap;

struct CountingSink final : BodySink {
    std::uint64_t threshold = 0;
    std::uint64_t expected = 0;
    std::uint64_t received = 0;
    bool open = false;
    bool begin(const BodyStreamInfo &info) override
    {
        if (open)
            std::abort(); // begin without end
        if (info.size <= threshold)
            return false;
        open = true;
        expected = info.size;
        received = 0;
        return true;
    }
    void data(QByteArrayView chunk) override
    {
        if (!open || chunk.isEmpty())
            std::abort();
        received += std::uint64_t(chunk.size());
        if (received > expected)
            std::abort(); // more bytes than announced
    }
    void end() override
    {
        if (!open)
            std::abort();
        open = false;
    }
};

struct Run {
    QList<Response> responses;
    std::optional<ParseError> error;
};

Run run(QByteArrayView input, std::uint8_t options, bool split)
{
    Parser parser;
    parser.setExpectGreeting(options & 1);
    parser.setUtf8Accepted(options & 2);
    CountingSink sink;
    if (options & 4) {
        sink.threshold = (options >> 3) & 3;
        parser.setBodySink(&sink);
    }
    Run result;
    parser.setResponseHandler([&result](Response &&r) { result.responses.append(std::move(r)); });
    if (!split) {
        parser.feed(input);
    } else {
        std::uint32_t state = 0x9e3779b9u ^ options;
        qsizetype at = 0;
        while (at < input.size() && !parser.hasError()) {
            state = state * 1664525u + 1013904223u;
            const qsizetype n = std::min<qsizetype>(input.size() - at, 1 + (state >> 24) % 13);
            parser.feed(input.sliced(at, n));
            at += n;
        }
    }
    result.error = parser.error();
    if (result.error && result.error->excerpt.size() > 200)
        std::abort(); // excerpts stay short
    return result;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const std::uint8_t options = data[0];
    const QByteArrayView input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    const Run whole = run(input, options, false);
    const Run chunked = run(input, options, true);
    if (whole.responses != chunked.responses)
        std::abort();
    if (whole.error.has_value() != chunked.error.has_value())
        std::abort();
    if (whole.error && (whole.error->offset != chunked.error->offset || whole.error->reason != chunked.error->reason))
        std::abort();
    return 0;
}
