// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/mime/mbox.h"

#include "core/mime/gmimeglobal.h"

#include <cstring>

namespace Tidings::Mime {

QList<QByteArrayView> Mbox::split(QByteArrayView mbox)
{
    QList<QByteArrayView> messages;
    if (mbox.isEmpty())
        return messages;
    qsizetype start = 0;
    qsizetype pos = 0;
    const char *data = mbox.data();
    const qsizetype size = mbox.size();
    while (pos < size) {
        const void *hit = std::memchr(data + pos, '\n', size_t(size - pos));
        if (!hit)
            break;
        const qsizetype lineStart = static_cast<const char *>(hit) - data + 1;
        pos = lineStart;
        if (size - lineStart >= 5 && std::memcmp(data + lineStart, "From ", 5) == 0) {
            if (lineStart > start)
                messages.append(mbox.sliced(start, lineStart - start));
            start = lineStart;
        }
    }
    if (start < size)
        messages.append(mbox.sliced(start));
    return messages;
}

bool Mbox::mayBeQuoted(QByteArrayView message)
{
    // Only a line of one or more '>' followed by "From " is quoting (mboxrd); quoted reply
    // text ("> text") is not, and need not be copied.
    const char *data = message.data();
    const qsizetype size = message.size();
    qsizetype pos = 0;
    while (pos < size) {
        const void *hit = std::memchr(data + pos, '>', size_t(size - pos));
        if (!hit)
            return false;
        qsizetype at = static_cast<const char *>(hit) - data;
        pos = at + 1;
        if (at > 0 && data[at - 1] != '\n')
            continue;
        while (at < size && data[at] == '>')
            ++at;
        if (size - at >= 5 && std::memcmp(data + at, "From ", 5) == 0)
            return true;
        pos = at;
    }
    return false;
}

QByteArray Mbox::unquote(QByteArrayView message)
{
    QByteArray out;
    out.reserve(message.size());
    qsizetype pos = 0;
    while (pos < message.size()) {
        qsizetype end = message.indexOf('\n', pos);
        end = end < 0 ? message.size() : end + 1;
        QByteArrayView line = message.sliced(pos, end - pos);
        qsizetype quotes = 0;
        while (quotes < line.size() && line[quotes] == '>')
            ++quotes;
        if (quotes > 0 && line.sliced(quotes).startsWith("From "))
            line = line.sliced(1);
        out.append(line);
        pos = end;
    }
    return out;
}

qsizetype Mbox::bareGMimeParse(QByteArrayView mbox)
{
    Detail::ensureGMime();
    Detail::GRef<GMimeStream> stream(Detail::newMemoryStream(mbox));
    Detail::GRef<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MBOX);
    qsizetype count = 0;
    while (!g_mime_parser_eos(parser.get())) {
        GMimeMessage *message = g_mime_parser_construct_message(parser.get(), nullptr);
        if (!message)
            break;
        ++count;
        g_object_unref(message);
    }
    return count;
}

} // namespace Tidings::Mime
