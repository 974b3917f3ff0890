// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/mime/mailto.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString url = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto link = Tidings::Mime::Mailto::parse(url);
    if (link) {
        if (link->subject.contains(u'\n') || link->subject.contains(u'\r') || link->subject.contains(QChar(0)))
            std::abort();
        if (link->to.size() + link->cc.size() + link->bcc.size() > Tidings::Mime::Mailto::maxAddresses)
            std::abort();
    }
    return 0;
}
