// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Attachment names from a message through FileName::sanitize: the result is always a
// single, non-empty, bounded path component that cannot escape or hide its type.
#include "core/mime/filename.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString name = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    const QString safe = Tidings::Mime::FileName::sanitize(name, QStringLiteral("attachment.bin"), 120);
    if (safe.isEmpty() || safe.toUtf8().size() > 120)
        std::abort();
    if (safe.contains(u'/') || safe.contains(u'\\') || safe == u"." || safe == u".." || safe.startsWith(u'.'))
        std::abort();
    for (const QChar c : safe) {
        const char16_t u = c.unicode();
        if (u < 0x20 || (u >= 0x7F && u <= 0x9F) || (u >= 0x202A && u <= 0x202E) || (u >= 0x2066 && u <= 0x2069)
            || u == u':' || u == u'*' || u == u'?' || u == u'"' || u == u'<' || u == u'>' || u == u'|')
            std::abort();
    }
    if (safe.endsWith(u'.') || safe.endsWith(u' '))
        std::abort();
    // Sanitising is idempotent.
    if (Tidings::Mime::FileName::sanitize(safe, QStringLiteral("attachment.bin"), 120) != safe)
        std::abort();
    (void)Tidings::Mime::FileName::isPotentiallyExecutable(safe, name);
    return 0;
}
