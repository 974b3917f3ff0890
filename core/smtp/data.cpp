// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/smtp/data.h"

namespace Tidings::Smtp {

namespace {

/// Copies @p message with line ends made CRLF, optionally dot-stuffing, into @p out; returns the
/// number of dots added.
qint64 normalize(QByteArrayView message, bool stuff, QByteArray &out)
{
    qint64 stuffed = 0;
    const char *p = message.data();
    const char *const end = p + message.size();
    bool lineStart = true;
    while (p < end) {
        if (stuff && lineStart && *p == '.') {
            out += '.';
            ++stuffed;
        }
        // The run up to the next CR or LF is copied as one block.
        const char *q = p;
        while (q < end && *q != '\r' && *q != '\n')
            ++q;
        out.append(p, q - p);
        if (q == end) {
            lineStart = false;
            break;
        }
        out += "\r\n";
        if (*q == '\r' && q + 1 < end && q[1] == '\n')
            ++q;
        p = q + 1;
        lineStart = true;
    }
    if (!lineStart)
        out += "\r\n";
    return stuffed;
}

} // namespace

QByteArray canonicalMessage(QByteArrayView message)
{
    QByteArray out;
    out.reserve(message.size() + message.size() / 64 + 2);
    normalize(message, false, out);
    return out;
}

QByteArray encodeData(QByteArrayView message, qint64 *canonicalSize)
{
    QByteArray out;
    out.reserve(message.size() + message.size() / 32 + 8);
    const qint64 stuffed = normalize(message, true, out);
    if (canonicalSize)
        *canonicalSize = out.size() - stuffed;
    out += ".\r\n";
    return out;
}

bool hasEightBit(QByteArrayView bytes)
{
    for (char c : bytes) {
        if (static_cast<unsigned char>(c) >= 0x80)
            return true;
    }
    return false;
}

} // namespace Tidings::Smtp
