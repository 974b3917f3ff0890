// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Part content on demand: the parse keeps where each part's encoded bytes are; decoding
// happens here, when someone saves, opens or forwards the part.
#include "core/mime/gmimeglobal.h"
#include "core/mime/message.h"
#include "core/mime/messageinternal.h"

#include <algorithm>
#include <cstring>

namespace Tidings::Mime {

namespace {

using Detail::GRef;

bool isIdentity(const QByteArray &encoding)
{
    return encoding.isEmpty() || encoding == "7bit" || encoding == "8bit" || encoding == "binary";
}

bool isHexDigit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

qint64 base64Size(QByteArrayView encoded)
{
    // Four characters make three bytes; line breaks do not count (RFC 2045 §6.8). Decoders also skip any
    // other character outside the alphabet, which well-formed content does not have: counting only line
    // breaks (one memchr per line) keeps this cheap for attachments of many megabytes.
    const char *data = encoded.data();
    const qsizetype size = encoded.size();
    qint64 characters = size;
    for (qsizetype pos = 0; pos < size;) {
        const void *hit = std::memchr(data + pos, '\n', size_t(size - pos));
        if (!hit)
            break;
        const qsizetype at = static_cast<const char *>(hit) - data;
        characters -= (at > 0 && data[at - 1] == '\r') ? 2 : 1;
        pos = at + 1;
    }
    qint64 padding = 0;
    for (qsizetype i = size - 1; i >= 0 && characters > 0; --i) {
        const char c = data[i];
        if (c == '=') {
            ++padding;
            --characters;
        } else if (c == ' ' || c == '\t') {
            --characters;
        } else if (c != '\r' && c != '\n') {
            break;
        }
    }
    // Only complete quantums of four characters decode (GMime drops an unpadded rest); the
    // padding of the last one stands for the bytes it does not carry.
    return std::max<qint64>(0, (characters + padding) / 4 * 3 - std::min<qint64>(padding, 2));
}

qint64 quotedPrintableSize(QByteArrayView encoded)
{
    // "=XX" is one byte, "=" at the end of a line is a soft line break (RFC 2045 §6.7).
    qint64 size = encoded.size();
    for (qsizetype i = encoded.indexOf('='); i >= 0; i = encoded.indexOf('=', i + 1)) {
        const QByteArrayView rest = encoded.sliced(i + 1);
        if (rest.startsWith("\r\n"))
            size -= 3;
        else if (rest.startsWith('\n'))
            size -= 2;
        else if (rest.size() >= 2 && isHexDigit(rest[0]) && isHexDigit(rest[1]))
            size -= 2;
    }
    return std::max<qint64>(0, size);
}

qint64 uuencodeSize(QByteArrayView encoded)
{
    // Each line after "begin" starts with its decoded length as a character (32 + n).
    qint64 size = 0;
    bool begun = false;
    qsizetype pos = 0;
    while (pos < encoded.size()) {
        qsizetype end = encoded.indexOf('\n', pos);
        if (end < 0)
            end = encoded.size();
        QByteArrayView line = encoded.sliced(pos, end - pos);
        pos = end + 1;
        if (line.endsWith('\r'))
            line.chop(1);
        if (!begun) {
            begun = line.startsWith("begin ");
            continue;
        }
        if (line == "end")
            break;
        if (!line.isEmpty())
            size += (static_cast<unsigned char>(line[0]) - 32) & 63;
    }
    return size;
}

} // namespace

namespace Detail {

qint64 decodedSizeEstimate(QByteArrayView encoded, const QByteArray &transferEncoding)
{
    if (isIdentity(transferEncoding))
        return encoded.size();
    if (transferEncoding == "base64")
        return base64Size(encoded);
    if (transferEncoding == "quoted-printable")
        return quotedPrintableSize(encoded);
    if (transferEncoding == "x-uuencode" || transferEncoding == "uuencode" || transferEncoding == "x-uue")
        return uuencodeSize(encoded);
    return encoded.size();
}

bool isIdentityEncoding(const QByteArray &transferEncoding)
{
    return isIdentity(transferEncoding);
}

QByteArray transferDecode(QByteArrayView encoded, const QByteArray &transferEncoding)
{
    if (encoded.isEmpty())
        return {};
    if (isIdentity(transferEncoding))
        return encoded.toByteArray();
    ensureGMime();
    const GMimeContentEncoding encoding = g_mime_content_encoding_from_string(transferEncoding.constData());
    if (encoding == GMIME_CONTENT_ENCODING_BASE64 || encoding == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE) {
        // One decoder state over the whole range into a buffer of the largest possible size:
        // no stream or filter objects (this runs for every text part of every message).
        GMimeEncoding state;
        g_mime_encoding_init_decode(&state, encoding);
        QByteArray out(qsizetype(g_mime_encoding_outlen(&state, size_t(encoded.size()))), Qt::Uninitialized);
        const size_t written =
            g_mime_encoding_flush(&state, encoded.data(), size_t(encoded.size()), out.data());
        out.truncate(qsizetype(std::min<size_t>(written, size_t(out.size()))));
        return out;
    }
    if (encoding == GMIME_CONTENT_ENCODING_DEFAULT)
        return encoded.toByteArray();
    // uuencode (its "begin" line is found by GMime's filter) and anything else GMime knows.
    GByteArray borrowed{};
    GRef<GMimeStream> in(newBorrowedMemoryStream(encoded, &borrowed));
    GRef<GMimeDataWrapper> wrapper(g_mime_data_wrapper_new_with_stream(in.get(), encoding));
    GRef<GMimeStream> out(g_mime_stream_mem_new());
    g_mime_data_wrapper_write_to_stream(wrapper.get(), out.get());
    wrapper.reset();
    return memoryStreamBytes(out.get());
}

} // namespace Detail

QByteArrayView Part::encodedContent() const
{
    if (contentLength <= 0 || contentOffset < 0 || contentOffset + contentLength > source.size())
        return {};
    return QByteArrayView(source).sliced(contentOffset, contentLength);
}

QByteArray Part::decodedContent() const
{
    const QByteArrayView encoded = encodedContent();
    if (encoded.isEmpty())
        return {};
    // An encapsulated message GMime parsed as such has no transfer encoding (its range is the
    // original bytes); a message/rfc822 sent base64-encoded anyway (RFC 2046 §5.2.1 forbids it,
    // mailers do it) is a leaf whose content must be decoded like any other.
    return Detail::transferDecode(encoded, transferEncoding);
}

} // namespace Tidings::Mime
