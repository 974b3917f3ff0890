// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace Tidings::Mime {

/// Text in the charsets real mail arrives in, turned into Unicode.
///
/// The declared charset comes first (RFC 2045 §5.1, RFC 2046 §4.1.2). Undeclared 8-bit text
/// (raw KOI8-R or windows-1251 headers, text parts without a charset) and text that does not
/// convert cleanly from its declared charset are decoded with a detected one: UTF-8 when the
/// bytes are valid UTF-8, else KOI8-R, windows-1251 or windows-1252 by letter statistics.
class Charset final
{
public:
    Charset() = delete;

    /// True when bytes are well-formed UTF-8 (plain ASCII included).
    [[nodiscard]] static bool isValidUtf8(QByteArrayView bytes);
    /// True when no byte has the high bit set.
    [[nodiscard]] static bool isAscii(QByteArrayView bytes);

    /// A charset for undeclared 8-bit bytes: "us-ascii", "utf-8", "koi8-r", "windows-1251"
    /// or "windows-1252".
    [[nodiscard]] static QByteArray detect(QByteArrayView bytes);

    /// Decodes bytes declared as charset (may be empty or unknown). usedCharset, when given,
    /// receives the charset actually used. Bytes that fail to convert become U+FFFD.
    [[nodiscard]] static QString decode(QByteArrayView bytes, QByteArrayView charset,
                                        QByteArray *usedCharset = nullptr);

    /// Converts bytes with one named charset through iconv; false when the charset is
    /// unknown or some bytes were invalid (the result then holds U+FFFD for them).
    [[nodiscard]] static bool convert(QByteArrayView bytes, QByteArrayView charset, QString *out);

    /// Decodes an unstructured header value (Subject, Content-Description...): unfolds it,
    /// turns raw 8-bit text into Unicode with the detected charset, decodes RFC 2047 encoded
    /// words (also when a multi-byte character is split between two words, and with unknown
    /// charsets), and replaces CR, LF, NUL and other control characters with spaces so a
    /// decoded value can never become a header line of its own.
    [[nodiscard]] static QString decodeHeader(QByteArrayView raw);
    /// decodeHeader(@p raw) appended to @p out as UTF-8, without building a QString (the header
    /// sync writes its rows this way).
    static void appendDecodedHeader(QByteArray &out, QByteArrayView raw);

    /// The header value as UTF-8 bytes ready for GMime's structured parsers (addresses,
    /// parameters): unfolded, raw 8-bit text converted to UTF-8, encoded words left alone.
    [[nodiscard]] static QByteArray headerToUtf8(QByteArrayView raw);

    /// Removes characters that must never reach a header line: CR, LF, NUL and the other C0
    /// controls except TAB (which becomes a space), and DEL.
    [[nodiscard]] static QString stripControls(const QString &text);
};

} // namespace Tidings::Mime
