// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/mime/gmimeglobal.h"

namespace Tidings::Mime::Detail {

void ensureGMime()
{
    // g_mime_init() is not reentrant; a function-local static runs it exactly once, and
    // C++ guarantees the other threads wait until it has finished. GMime is never shut down:
    // its tables live as long as the process.
    static const bool initialised = [] {
        g_mime_init();
        return true;
    }();
    (void)initialised;
}

QByteArray takeGString(char *text)
{
    if (!text)
        return {};
    QByteArray result(text);
    g_free(text);
    return result;
}

GMimeStream *newMemoryStream(QByteArrayView bytes)
{
    if (bytes.isEmpty())
        return g_mime_stream_mem_new();
    return g_mime_stream_mem_new_with_buffer(bytes.data(), size_t(bytes.size()));
}

GMimeStream *newBorrowedMemoryStream(QByteArrayView bytes, GByteArray *holder)
{
    // GByteArray's two fields are public API; the stream only reads them as long as it
    // is not written to, and with owner off it never frees them.
    holder->data = reinterpret_cast<guint8 *>(const_cast<char *>(bytes.data()));
    holder->len = guint(bytes.size());
    GMimeStream *stream = g_mime_stream_mem_new_with_byte_array(holder);
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
    return stream;
}

QByteArray memoryStreamBytes(GMimeStream *stream)
{
    GByteArray *array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
    if (!array || array->len == 0)
        return {};
    return QByteArray(reinterpret_cast<const char *>(array->data), qsizetype(array->len));
}

} // namespace Tidings::Mime::Detail
