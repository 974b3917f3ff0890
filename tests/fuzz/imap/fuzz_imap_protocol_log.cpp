// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
//
// Fuzzes Tidings::Imap::ProtocolLogger, which scans server bytes for lines and literals. Besides
// "no crash", it checks the logger's promise: with literal elision off, the S:/S+ lines of the
// log, unescaped, give back exactly the bytes the server sent, however they were split.

#include "core/imap/protocollogger.h"

#include <QBuffer>
#include <QByteArray>

#include <cstdint>
#include <cstdlib>

namespace {

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/// The script reader's escapes (tests/support/scriptedserver.cpp), for bytes the logger wrote.
QByteArray unescape(QByteArrayView text)
{
    QByteArray out;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c != '\\' || i + 1 >= text.size()) {
            out += c;
            continue;
        }
        const char n = text[i + 1];
        if (n == 'r') {
            out += '\r';
            ++i;
        } else if (n == 'n') {
            out += '\n';
            ++i;
        } else if (n == '\\') {
            out += '\\';
            ++i;
        } else if (n == 'x' && i + 3 < text.size() && hexValue(text[i + 2]) >= 0 && hexValue(text[i + 3]) >= 0) {
            out += char(hexValue(text[i + 2]) * 16 + hexValue(text[i + 3]));
            i += 3;
        } else {
            out += c;
        }
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    // The first byte chooses the read size, so splits land everywhere.
    const qsizetype chunk = 1 + data[0] % 17;
    const QByteArrayView input(reinterpret_cast<const char *>(data) + 1, qsizetype(size - 1));

    QBuffer out;
    out.open(QIODevice::ReadWrite);
    {
        Tidings::Imap::ProtocolLogger logger(&out);
        logger.setMaxLiteralBytes(0);
        for (qsizetype i = 0; i < input.size(); i += chunk)
            logger.serverBytes(input.sliced(i, std::min(chunk, input.size() - i)));
        logger.flush();
    }

    QByteArray rebuilt;
    for (const QByteArray &line : out.data().split('\n')) {
        if (line.startsWith("S: "))
            rebuilt += unescape(QByteArrayView(line).sliced(3)) + "\r\n";
        else if (line.startsWith("S+ "))
            rebuilt += unescape(QByteArrayView(line).sliced(3));
        else if (!line.isEmpty() && !line.startsWith('#'))
            std::abort(); // the logger wrote something that is not a script line
    }
    if (rebuilt != input)
        std::abort();

    // The same bytes with elision on, and client lines: only "no crash" here.
    QBuffer small;
    small.open(QIODevice::ReadWrite);
    Tidings::Imap::ProtocolLogger elided(&small);
    elided.setMaxLiteralBytes(3);
    elided.serverBytes(input);
    elided.clientBytes(input);
    elided.flush();
    return 0;
}
