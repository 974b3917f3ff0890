// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Part content on demand: the parse keeps where each part's encoded bytes are; decoding
// happens here, when someone saves, opens or forwards the part.
#include "core/mime/gmimeglobal.h"
#include "core/mime/message.h"
#include "core/mime/messageinternal.h"

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
    // Decoders skip everything outside the alphabet (RFC 2045 §6.8); four characters
    // make three bytes, a trailing two or three make one or two.
    qint64 characters = 0;
    for (const char c : encoded) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
            c == '/')
            ++characters;
    }
    return characters * 3 / 4;
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
    if (isMessage() || isIdentity(transferEncoding))
        return encoded.toByteArray();
    const GMimeContentEncoding encoding = g_mime_content_encoding_from_string(transferEncoding.constData());
    if (encoding == GMIME_CONTENT_ENCODING_DEFAULT)
        return encoded.toByteArray();
    Detail::ensureGMime();
    // The same decoder the parser applies to text parts (GMime's filters: base64,
    // quoted-printable, uuencode with its begin line).
    GByteArray borrowed{};
    GRef<GMimeStream> in(Detail::newBorrowedMemoryStream(encoded, &borrowed));
    GRef<GMimeDataWrapper> wrapper(g_mime_data_wrapper_new_with_stream(in.get(), encoding));
    GRef<GMimeStream> out(g_mime_stream_mem_new());
    g_mime_data_wrapper_write_to_stream(wrapper.get(), out.get());
    wrapper.reset();
    return Detail::memoryStreamBytes(out.get());
}

} // namespace Tidings::Mime
