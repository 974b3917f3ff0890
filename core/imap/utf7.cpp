// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/imap/utf7.h"

#include <QList>

namespace Tidings::Imap {

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int base64Value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == ',')
        return 63;
    return -1;
}

bool isDirect(char16_t c)
{
    return c >= 0x20 && c <= 0x7e && c != u'&';
}

// Decodes the modified BASE64 between '&' and '-' into UTF-16 code units; false when the
// sequence is not strictly valid (bad character, leftover non-zero bits, odd byte count, an
// encoded printable ASCII character, a broken surrogate pair).
bool decodeShifted(QByteArrayView encoded, QString &out)
{
    QList<char16_t> units;
    quint32 bits = 0;
    int bitCount = 0;
    quint16 pending = 0;
    bool havePending = false;
    for (char c : encoded) {
        const int v = base64Value(c);
        if (v < 0)
            return false;
        bits = (bits << 6) | quint32(v);
        bitCount += 6;
        if (bitCount >= 8) {
            bitCount -= 8;
            const quint8 byte = quint8((bits >> bitCount) & 0xff);
            if (!havePending) {
                pending = byte;
                havePending = true;
            } else {
                units.append(char16_t((pending << 8) | byte));
                havePending = false;
            }
        }
    }
    if (havePending || (bits & ((1u << bitCount) - 1)) != 0 || units.isEmpty())
        return false;
    QString decoded;
    decoded.reserve(units.size());
    for (qsizetype i = 0; i < units.size(); ++i) {
        const char16_t u = units.at(i);
        if (QChar::isHighSurrogate(u)) {
            if (i + 1 >= units.size() || !QChar::isLowSurrogate(units.at(i + 1)))
                return false;
            decoded.append(QChar(u));
            decoded.append(QChar(units.at(++i)));
        } else if (QChar::isLowSurrogate(u) || isDirect(u)) {
            return false; // a lone low surrogate, or ASCII that must have been sent directly
        } else {
            decoded.append(QChar(u));
        }
    }
    out.append(decoded);
    return true;
}
} // namespace

QByteArray encodeModifiedUtf7(const QString &name)
{
    QByteArray out;
    out.reserve(name.size() + 8);
    qsizetype i = 0;
    const qsizetype n = name.size();
    while (i < n) {
        const char16_t c = name.at(i).unicode();
        if (c == u'&') {
            out.append("&-");
            ++i;
            continue;
        }
        if (isDirect(c)) {
            out.append(char(c));
            ++i;
            continue;
        }
        // A run of characters that need encoding, as UTF-16BE in modified BASE64.
        out.append('&');
        quint32 bits = 0;
        int bitCount = 0;
        while (i < n && !isDirect(name.at(i).unicode()) && name.at(i) != u'&') {
            const char16_t u = name.at(i).unicode();
            for (const quint8 byte : {quint8(u >> 8), quint8(u & 0xff)}) {
                bits = (bits << 8) | byte;
                bitCount += 8;
                while (bitCount >= 6) {
                    bitCount -= 6;
                    out.append(kAlphabet[(bits >> bitCount) & 0x3f]);
                }
            }
            ++i;
        }
        if (bitCount > 0)
            out.append(kAlphabet[(bits << (6 - bitCount)) & 0x3f]);
        out.append('-');
    }
    return out;
}

QString decodeModifiedUtf7(QByteArrayView raw, bool *ok)
{
    bool valid = true;
    QString out;
    out.reserve(raw.size());
    qsizetype i = 0;
    const qsizetype n = raw.size();
    while (i < n) {
        const char c = raw.at(i);
        if (quint8(c) >= 0x80) {
            // 8-bit data is not modified UTF-7; read the run as UTF-8 so the name stays legible.
            qsizetype end = i;
            while (end < n && quint8(raw.at(end)) >= 0x80)
                ++end;
            out.append(QString::fromUtf8(raw.sliced(i, end - i)));
            valid = false;
            i = end;
            continue;
        }
        if (c != '&') {
            out.append(QLatin1Char(c));
            ++i;
            continue;
        }
        const qsizetype dash = raw.indexOf('-', i + 1);
        if (dash < 0) {
            out.append(QString::fromLatin1(raw.sliced(i)));
            valid = false;
            break;
        }
        if (dash == i + 1) {
            out.append(QLatin1Char('&'));
        } else if (!decodeShifted(raw.sliced(i + 1, dash - i - 1), out)) {
            out.append(QString::fromUtf8(raw.sliced(i, dash - i + 1)));
            valid = false;
        }
        i = dash + 1;
    }
    if (ok)
        *ok = valid;
    return out;
}

} // namespace Tidings::Imap
