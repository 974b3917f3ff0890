// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Parses arbitrary bytes as a message, twice: with the default limits and with tiny ones, so
// the "too complex" cuts are exercised, and checks the invariants of the tree.
#include "core/mime/parser.h"
#include "core/mime/structurescan.h"

#include <cstdint>
#include <cstdlib>

namespace {

void check(bool condition)
{
    if (!condition)
        std::abort();
}

/// Alphabet characters in CRLF or LF lines, at most two '=' of padding at the very end, whole
/// quantums of four (RFC 2045 §6.8): the content whose size Part::size gives exactly.
bool isWellFormedBase64(QByteArrayView encoded)
{
    qsizetype characters = 0;
    qsizetype padding = 0;
    for (qsizetype i = 0; i < encoded.size(); ++i) {
        const char c = encoded[i];
        const bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                              c == '+' || c == '/';
        if (c == '=') {
            ++padding;
        } else if (alphabet) {
            if (padding > 0)
                return false;
            ++characters;
        } else if (c == '\r') {
            if (i + 1 >= encoded.size() || encoded[i + 1] != '\n')
                return false;
        } else if (c != '\n') {
            return false;
        }
    }
    return padding <= 2 && (characters + padding) % 4 == 0;
}

void verify(const Tidings::Mime::Message &m, const Tidings::Mime::ParseLimits &limits)
{
    check(m.parts.size() <= limits.maxParts);
    for (int i = 0; i < m.parts.size(); ++i) {
        const Tidings::Mime::Part &p = m.parts.at(i);
        check(p.parent < i);
        check(p.depth <= limits.maxDepth);
        check(p.parent < 0 || m.parts.at(p.parent).depth == p.depth - 1);
        check(!p.filename.contains(u'\n') && !p.filename.contains(u'\r'));
        // Content kept encoded lies inside its source; decoding it on demand is safe, and
        // the size computed without decoding is exact for well-formed base64 and plain content
        // (an encapsulated message has no transfer encoding; one sent base64-encoded anyway is
        // a leaf like any other).
        check(!p.hasContent() ||
              (p.contentOffset >= 0 && p.contentOffset + p.contentLength <= p.source.size()));
        check(p.encodedContent().size() == std::max<qsizetype>(0, p.contentLength));
        const QByteArray decoded = p.decodedContent();
        if (!p.isText() && !p.isMultipart() &&
            (p.transferEncoding.isEmpty() ||
             (p.transferEncoding == "base64" && isWellFormedBase64(p.encodedContent()))))
            check(p.size == decoded.size());
    }
    check(!m.subject.contains(u'\n') && !m.subject.contains(u'\r'));
    check(m.bestTextIndex < int(m.parts.size()) && m.bestHtmlIndex < int(m.parts.size()));
    for (int index : m.attachmentIndexes)
        check(index >= 0 && index < m.parts.size());
    check(m.from.size() <= limits.maxAddresses && m.to.size() <= limits.maxAddresses);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    const Tidings::Mime::ParseLimits defaults;
    verify(Tidings::Mime::Parser::parse(bytes, defaults), defaults);

    Tidings::Mime::ParseLimits tiny;
    tiny.maxDepth = 3;
    tiny.maxParts = 8;
    tiny.maxHeaderBytes = 512;
    tiny.maxAddresses = 4;
    tiny.maxParameters = 4;
    verify(Tidings::Mime::Parser::parse(bytes, tiny), tiny);
    (void)Tidings::Mime::Parser::parseHeaders(bytes, tiny);
    return 0;
}
