// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/mime/charset.h"

#include "core/mime/gmimeglobal.h"

#include <QList>
#include <QStringDecoder>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <iconv.h>

namespace Tidings::Mime {

namespace {

// The letters о е а и н т с, lower case, which make up about a third of Russian text.
constexpr unsigned char kCp1251Frequent[] = {0xEE, 0xE5, 0xE0, 0xE8, 0xED, 0xF2, 0xF1};
constexpr unsigned char kKoi8rFrequent[] = {0xCF, 0xC5, 0xC1, 0xC9, 0xCE, 0xD4, 0xD3};

bool contains(const unsigned char (&set)[7], unsigned char c)
{
    for (unsigned char s : set) {
        if (s == c)
            return true;
    }
    return false;
}

QByteArray normalisedName(QByteArrayView charset)
{
    QByteArray name = charset.trimmed().toByteArray().toLower();
    if (name.size() >= 2 && name.startsWith('"') && name.endsWith('"'))
        name = name.mid(1, name.size() - 2).trimmed();
    return name;
}

bool isUtf8Name(const QByteArray &name)
{
    return name == "utf-8" || name == "utf8";
}

bool isAsciiName(const QByteArray &name)
{
    return name == "us-ascii" || name == "ascii" || name == "ansi_x3.4-1968" || name == "iso646-us";
}

bool isLatin1Name(const QByteArray &name)
{
    return name == "iso-8859-1" || name == "latin1" || name == "iso8859-1" || name == "l1";
}

const QByteArray kReplacement = QByteArrayLiteral("\xEF\xBF\xBD");

/// Open iconv converters of this thread, by charset name. Opening one loads a gconv module
/// (dlopen) each time, which costs more than most conversions; an iconv_t may not be shared
/// between threads, hence one cache per thread. Bounded: hostile mail cannot make it grow.
class ConverterCache final
{
public:
    ConverterCache() = default;
    ~ConverterCache()
    {
        for (const Entry &entry : std::as_const(m_entries)) {
            if (entry.cd != invalid())
                g_mime_iconv_close(entry.cd);
        }
    }
    ConverterCache(const ConverterCache &) = delete;
    ConverterCache &operator=(const ConverterCache &) = delete;

    static iconv_t invalid() { return reinterpret_cast<iconv_t>(-1); }

    /// A converter to UTF-8 in its initial state, or invalid() for an unknown charset.
    iconv_t get(const QByteArray &name)
    {
        for (const Entry &entry : std::as_const(m_entries)) {
            if (entry.name == name) {
                if (entry.cd != invalid())
                    iconv(entry.cd, nullptr, nullptr, nullptr, nullptr);
                return entry.cd;
            }
        }
        Detail::ensureGMime();
        const iconv_t cd = g_mime_iconv_open("UTF-8", name.constData());
        if (m_entries.size() >= kMaxEntries) {
            if (m_entries.constFirst().cd != invalid())
                g_mime_iconv_close(m_entries.constFirst().cd);
            m_entries.removeFirst();
        }
        m_entries.append({name, cd});
        return cd;
    }

private:
    struct Entry {
        QByteArray name;
        iconv_t cd;
    };
    static constexpr qsizetype kMaxEntries = 24;
    QList<Entry> m_entries;
};

/// Byte-to-character tables of the common single-byte charsets, built from iconv once per
/// thread: most 8-bit mail is KOI8-R, windows-125x or ISO 8859, and a table turns it into a
/// QString without iconv's per-call cost. Only charsets in which iconv maps each byte on its
/// own, with no state and no combining, are listed.
class SingleByteTables final
{
public:
    static constexpr char32_t kInvalid = 0xFFFFFFFF;
    using Table = std::array<char32_t, 256>;

    /// The table of @p name (normalised), or nullptr when it has none.
    const Table *get(const QByteArray &name, ConverterCache &converters)
    {
        if (!isListed(name))
            return nullptr;
        for (const Entry &entry : std::as_const(m_entries)) {
            if (entry.name == name)
                return entry.usable ? &entry.table : nullptr;
        }
        Entry entry{name, {}, build(converters.get(name), &entry.table)};
        m_entries.append(entry);
        return m_entries.constLast().usable ? &m_entries.constLast().table : nullptr;
    }

private:
    struct Entry {
        QByteArray name;
        Table table;
        bool usable = false;
    };

    static bool isListed(const QByteArray &name)
    {
        static constexpr const char *listed[] = {
            "koi8-r",       "koi8-u",       "windows-1250", "windows-1251", "windows-1252", "windows-1253",
            "windows-1254", "windows-1257", "cp1250",       "cp1251",       "cp1252",       "iso-8859-2",
            "iso-8859-3",   "iso-8859-4",   "iso-8859-5",   "iso-8859-7",   "iso-8859-9",   "iso-8859-10",
            "iso-8859-13",  "iso-8859-14",  "iso-8859-15",  "iso-8859-16",  "cp866",        "ibm866"};
        for (const char *n : listed) {
            if (name == n)
                return true;
        }
        return false;
    }

    /// Converts every byte on its own; false when iconv cannot, or a byte gives more than one
    /// character or one outside the BMP (then the charset is not what this table is for).
    static bool build(iconv_t cd, Table *table)
    {
        if (cd == ConverterCache::invalid())
            return false;
        for (int b = 0; b < 256; ++b) {
            iconv(cd, nullptr, nullptr, nullptr, nullptr);
            char in = char(b);
            char out[8];
            char *inPtr = &in;
            size_t inLeft = 1;
            char *outPtr = out;
            size_t outLeft = sizeof out;
            const size_t rc = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft);
            if (rc == size_t(-1) || inLeft != 0) {
                (*table)[b] = kInvalid;
                continue;
            }
            const QString text = QString::fromUtf8(out, qsizetype(outPtr - out));
            if (text.size() != 1)
                return false;
            (*table)[b] = text.at(0).unicode();
        }
        iconv(cd, nullptr, nullptr, nullptr, nullptr);
        return true;
    }

    QList<Entry> m_entries;
};

} // namespace

bool Charset::isAscii(QByteArrayView bytes)
{
    const char *p = bytes.data();
    const char *end = p + bytes.size();
    for (; end - p >= 8; p += 8) {
        quint64 word;
        std::memcpy(&word, p, 8);
        if (word & 0x8080808080808080ULL)
            return false;
    }
    for (; p < end; ++p) {
        if (static_cast<unsigned char>(*p) >= 0x80)
            return false;
    }
    return true;
}

bool Charset::isValidUtf8(QByteArrayView bytes)
{
    const auto *p = reinterpret_cast<const unsigned char *>(bytes.data());
    const auto *end = p + bytes.size();
    while (p < end) {
        // ASCII eight bytes at a time: most of a mail is.
        while (end - p >= 8) {
            quint64 word;
            std::memcpy(&word, p, 8);
            if (word & 0x8080808080808080ULL)
                break;
            p += 8;
        }
        if (p >= end)
            break;
        const unsigned char c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        int extra = 0;
        unsigned int cp = 0;
        if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (end - p <= extra)
            return false;
        for (int i = 1; i <= extra; ++i) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += extra + 1;
    }
    return true;
}

QByteArray Charset::detect(QByteArrayView bytes)
{
    if (isAscii(bytes))
        return QByteArrayLiteral("us-ascii");
    if (isValidUtf8(bytes))
        return QByteArrayLiteral("utf-8");

    qsizetype high = 0;
    qsizetype highPairs = 0;
    qsizetype cp1251Score = 0;
    qsizetype koi8Score = 0;
    qsizetype upperHalf = 0; // 0xE0-0xFF: lower case in windows-1251, upper case in KOI8-R
    qsizetype lowerHalf = 0; // 0xC0-0xDF: the other way round
    unsigned char previous = 0;
    for (char ch : bytes) {
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x80) {
            ++high;
            if (previous >= 0x80)
                ++highPairs;
            if (contains(kCp1251Frequent, c))
                ++cp1251Score;
            if (contains(kKoi8rFrequent, c))
                ++koi8Score;
            if (c >= 0xE0)
                ++upperHalf;
            else if (c >= 0xC0)
                ++lowerHalf;
        }
        previous = c;
    }
    // Cyrillic words are runs of 8-bit letters; West European text has an accented letter
    // here and there between ASCII ones.
    if (highPairs * 2 < high)
        return QByteArrayLiteral("windows-1252");
    if (koi8Score > cp1251Score)
        return QByteArrayLiteral("koi8-r");
    if (cp1251Score > koi8Score)
        return QByteArrayLiteral("windows-1251");
    return lowerHalf > upperHalf ? QByteArrayLiteral("koi8-r") : QByteArrayLiteral("windows-1251");
}

bool Charset::convert(QByteArrayView bytes, QByteArrayView charset, QString *out)
{
    const QByteArray name = normalisedName(charset);
    if (isUtf8Name(name)) {
        *out = QString::fromUtf8(bytes);
        return isValidUtf8(bytes);
    }
    if (isAsciiName(name)) {
        *out = QString::fromLatin1(bytes);
        return isAscii(bytes);
    }
    if (isLatin1Name(name)) {
        *out = QString::fromLatin1(bytes);
        return true;
    }
    if (name.isEmpty())
        return false;
    thread_local ConverterCache converters;
    thread_local SingleByteTables tables;
    if (const SingleByteTables::Table *table = tables.get(name, converters)) {
        QString text(bytes.size(), Qt::Uninitialized);
        char16_t *p = reinterpret_cast<char16_t *>(text.data());
        bool mapped = true;
        for (const char c : bytes) {
            const char32_t u = (*table)[static_cast<unsigned char>(c)];
            if (u == SingleByteTables::kInvalid) {
                mapped = false; // iconv below says where, with U+FFFD
                break;
            }
            *p++ = char16_t(u);
        }
        if (mapped) {
            *out = std::move(text);
            return true;
        }
    }
    iconv_t cd = converters.get(name);
    if (cd == ConverterCache::invalid())
        return false;

    QByteArray utf8;
    utf8.reserve(bytes.size() * 2 + 16);
    char buffer[4096];
    char *in = const_cast<char *>(bytes.data());
    size_t inLeft = size_t(bytes.size());
    bool clean = true;
    while (true) {
        char *outPtr = buffer;
        size_t outLeft = sizeof buffer;
        const size_t rc = inLeft > 0 ? iconv(cd, &in, &inLeft, &outPtr, &outLeft)
                                     : iconv(cd, nullptr, nullptr, &outPtr, &outLeft);
        const int error = errno;
        utf8.append(buffer, qsizetype(outPtr - buffer));
        if (rc != size_t(-1)) {
            if (inLeft == 0 && outPtr == buffer)
                break;
            continue;
        }
        if (error == E2BIG)
            continue;
        clean = false;
        utf8.append(kReplacement);
        if (error == EILSEQ && inLeft > 0) {
            ++in;
            --inLeft;
            continue;
        }
        break; // EINVAL: an incomplete sequence at the end
    }
    *out = QString::fromUtf8(utf8);
    return clean;
}

QString Charset::decode(QByteArrayView bytes, QByteArrayView charset, QByteArray *usedCharset)
{
    QByteArray name = normalisedName(charset);
    QString text;
    if (!name.isEmpty() && !(isAsciiName(name) && !isAscii(bytes))) {
        if (convert(bytes, name, &text)) {
            if (usedCharset)
                *usedCharset = name;
            return text;
        }
    }
    // Undeclared, unknown, or not clean in the declared charset: detect.
    const QByteArray detected = detect(bytes);
    QString detectedText;
    if (convert(bytes, detected, &detectedText) || text.isEmpty()) {
        if (usedCharset)
            *usedCharset = detected;
        return detectedText;
    }
    if (usedCharset)
        *usedCharset = name;
    return text;
}

QByteArray Charset::headerToUtf8(QByteArrayView raw)
{
    QByteArray value(raw.size(), Qt::Uninitialized);
    char *out = value.data();
    qsizetype n = 0;
    for (char c : raw) {
        if (c != '\r' && c != '\n' && c != '\0')
            out[n++] = c;
    }
    value.truncate(n);
    value = std::move(value).trimmed();
    if (isValidUtf8(value))
        return value;
    QString text;
    (void)convert(value, detect(value), &text);
    return text.toUtf8();
}

namespace {

/// True for what stripControls removes or replaces.
bool isControl(char16_t u)
{
    return u < 0x20 || u == 0x7F || u == 0x2028 || u == 0x2029 || u == 0x85;
}

} // namespace

QString Charset::stripControls(const QString &text)
{
    // Nearly every value has nothing to strip: hand the same string back, unshared work only.
    const char16_t *data = reinterpret_cast<const char16_t *>(text.constData());
    qsizetype first = 0;
    while (first < text.size() && !isControl(data[first]))
        ++first;
    if (first == text.size())
        return text;
    QString result;
    result.reserve(text.size());
    result.append(text.constData(), first);
    for (qsizetype i = first; i < text.size(); ++i) {
        const char16_t u = data[i];
        if (u == u'\t' || u == u'\r' || u == u'\n')
            result.append(u' ');
        else if (!isControl(u))
            result.append(QChar(u));
    }
    return result;
}

namespace {

struct EncodedWord {
    qsizetype begin = 0;
    qsizetype end = 0;      // one past "?="
    QByteArrayView charset; // as written, without an RFC 2231 language suffix
    QByteArrayView payload; // still encoded
    bool base64 = false;
};

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/// Appends the octets of a "Q" encoded word (RFC 2047 §4.2) to @p out.
void appendDecodedQ(QByteArray &out, QByteArrayView text)
{
    // Written through a pointer into room made up front (the octets are never more than the
    // text), then cut to size: QByteArray::append(char) per octet was a fifth of this.
    const qsizetype start = out.size();
    out.resize(start + text.size());
    char *o = out.data() + start;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '_') {
            *o++ = ' ';
        } else if (c == '=' && i + 2 < text.size()) {
            const int hi = hexValue(text[i + 1]);
            const int lo = hexValue(text[i + 2]);
            if (hi >= 0 && lo >= 0) {
                *o++ = char(hi * 16 + lo);
                i += 2;
            } else {
                *o++ = c;
            }
        } else {
            *o++ = c;
        }
    }
    out.truncate(o - out.constData());
}

/// Appends the octets of an encoded word to @p out.
void appendWordBytes(QByteArray &out, const EncodedWord &word)
{
    if (word.base64) {
        // Mailers drop padding and add stray characters; decode what is there.
        out += QByteArray::fromBase64(QByteArray::fromRawData(word.payload.data(), word.payload.size()));
    } else {
        appendDecodedQ(out, word.payload);
    }
}

/// ASCII case-insensitive equality, as comparing two names lowered with QByteArray::toLower.
bool sameName(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = char(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = char(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

/// The first position at or after @p from where @p a is followed by @p b, or -1: memchr for the
/// first byte (QByteArrayView::indexOf with a two-byte needle set up a general search per call).
qsizetype findPair(QByteArrayView text, qsizetype from, char a, char b)
{
    const char *const begin = text.data();
    const char *const end = begin + text.size();
    const char *p = begin + from;
    while (p < end) {
        p = static_cast<const char *>(std::memchr(p, a, std::size_t(end - p)));
        if (!p)
            return -1;
        if (p + 1 < end && p[1] == b)
            return p - begin;
        ++p;
    }
    return -1;
}

enum class WordScan { Found, NotHere, NoneLater };

/// Reads an encoded word (RFC 2047 §2) starting at text[pos] == '='. NoneLater means no
/// encoded word can start at or after pos, which keeps the scan linear on hostile input.
WordScan readEncodedWord(QByteArrayView text, qsizetype pos, EncodedWord *word)
{
    if (pos + 1 >= text.size() || text[pos + 1] != '?')
        return WordScan::NotHere;
    // A charset name is short (RFC 2978); look for its end only nearby.
    const QByteArrayView window = text.sliced(pos + 2, std::min<qsizetype>(text.size() - pos - 2, 80));
    const qsizetype relative = window.indexOf('?');
    if (relative < 0)
        return window.size() < 80 ? WordScan::NoneLater : WordScan::NotHere;
    const qsizetype charsetEnd = pos + 2 + relative;
    if (charsetEnd + 2 >= text.size() || text[charsetEnd + 2] != '?')
        return WordScan::NotHere;
    const char encoding = char(text[charsetEnd + 1] | 0x20);
    if (encoding != 'b' && encoding != 'q')
        return WordScan::NotHere;
    // RFC 2047 words are at most 75 characters; mailers write longer ones, not this long.
    constexpr qsizetype maxPayload = 1024;
    const qsizetype payloadStart = charsetEnd + 3;
    const QByteArrayView rest =
        text.sliced(payloadStart, std::min<qsizetype>(text.size() - payloadStart, maxPayload));
    const qsizetype payloadRelative = findPair(rest, 0, '?', '=');
    if (payloadRelative < 0)
        return rest.size() < maxPayload ? WordScan::NoneLater : WordScan::NotHere;
    const qsizetype payloadEnd = payloadStart + payloadRelative;
    QByteArrayView charset = text.sliced(pos + 2, charsetEnd - pos - 2);
    const QByteArrayView payload = text.sliced(payloadStart, payloadEnd - payloadStart);
    for (char c : charset) {
        if (c == ' ' || c == '\t')
            return WordScan::NotHere;
    }
    for (char c : payload) {
        if (c == ' ' || c == '\t')
            return WordScan::NotHere;
    }
    const qsizetype star = charset.indexOf('*'); // RFC 2231 §5 language suffix
    if (star >= 0)
        charset = charset.first(star);
    word->begin = pos;
    word->end = payloadEnd + 2;
    word->charset = charset;
    word->payload = payload;
    word->base64 = encoding == 'b';
    return WordScan::Found;
}

bool isBlank(QByteArrayView text)
{
    for (char c : text) {
        if (c != ' ' && c != '\t')
            return false;
    }
    return true;
}

/// Appends a piece of valid UTF-8 to @p out as QString::fromUtf8 reads it: without a leading
/// byte order mark.
void appendUtf8Piece(QByteArray &out, QByteArrayView utf8)
{
    if (utf8.startsWith("\xEF\xBB\xBF"))
        utf8 = utf8.sliced(3);
    out += utf8;
}

/// Appends the octets of a run of encoded words in @p charset to @p out as UTF-8: the octets
/// themselves when the charset is UTF-8 or ASCII and they are valid as such, else what
/// Charset::decode makes of them (it also detects a charset that is unknown or wrong).
void appendDecoded(QByteArray &out, const QByteArray &bytes, QByteArrayView charset)
{
    if ((sameName(charset, "utf-8") || sameName(charset, "utf8")) && Charset::isValidUtf8(bytes)) {
        appendUtf8Piece(out, bytes);
        return;
    }
    if ((sameName(charset, "us-ascii") || sameName(charset, "ascii")) && Charset::isAscii(bytes)) {
        out += bytes;
        return;
    }
    out += Charset::decode(bytes, charset).toUtf8();
}

/// The code point of valid UTF-8 starting at @p p (before @p end), and its length in bytes.
char32_t codePointAt(const char *p, const char *end, int *length)
{
    const auto b0 = static_cast<unsigned char>(p[0]);
    auto next = [&](int i) { return p + i < end ? char32_t(static_cast<unsigned char>(p[i]) & 0x3F) : 0; };
    if (b0 < 0x80) {
        *length = 1;
        return b0;
    }
    if (b0 < 0xE0) {
        *length = 2;
        return (char32_t(b0 & 0x1F) << 6) | next(1);
    }
    if (b0 < 0xF0) {
        *length = 3;
        return (char32_t(b0 & 0x0F) << 12) | (next(1) << 6) | next(2);
    }
    *length = 4;
    return (char32_t(b0 & 0x07) << 18) | (next(1) << 12) | (next(2) << 6) | next(3);
}

/// Drops what QString::trimmed() drops (QChar::isSpace at either end) from bytes [@p start,
/// end) of @p out, valid UTF-8.
void trimUtf8From(QByteArray &out, qsizetype start)
{
    const char *const data = out.constData();
    const char *end = data + out.size();
    const char *first = data + start;
    while (first < end) {
        int length = 1;
        const char32_t c = *first == ' ' ? U' ' : codePointAt(first, end, &length);
        if (!QChar::isSpace(c))
            break;
        first += length;
    }
    while (end > first) {
        const char *last = end - 1;
        while (last > first && (static_cast<unsigned char>(*last) & 0xC0) == 0x80)
            --last;
        int length = 1;
        if (!QChar::isSpace(codePointAt(last, end, &length)))
            break;
        end = last;
    }
    const qsizetype kept = end - first;
    if (first > data + start)
        std::memmove(out.data() + start, out.constData() + (first - data), std::size_t(kept));
    out.truncate(start + kept);
}

/// Appends valid UTF-8 to @p out as stripControls(QString::fromUtf8(utf8)).trimmed() would
/// give it: a leading byte order mark dropped (as fromUtf8 drops it), TAB, CR and LF made
/// spaces, the other controls removed, then trimmed.
void appendCleanUtf8(QByteArray &out, QByteArrayView utf8)
{
    if (utf8.startsWith("\xEF\xBB\xBF"))
        utf8 = utf8.sliced(3);
    const qsizetype start = out.size();
    const char *p = utf8.data();
    const char *const end = p + utf8.size();
    while (p < end) {
        // A run without a control. Every character isControl() names is a C0 byte or DEL, or
        // starts with C2 (U+0085) or E2 (U+2028, U+2029): only those bytes are looked at closer.
        const char *run = p;
        while (p < end) {
            const auto c = static_cast<unsigned char>(*p);
            if (c < 0x20 || c == 0x7F || c == 0xC2 || c == 0xE2)
                break;
            ++p;
        }
        out.append(run, p - run);
        if (p == end)
            break;
        int length = 1;
        const char32_t c = codePointAt(p, end, &length);
        length = int(std::min<qsizetype>(length, end - p));
        if (c == U'\t' || c == U'\r' || c == U'\n')
            out.append(' ');
        else if (!isControl(char16_t(c))) // C2 and E2 lead to characters below U+3000
            out.append(p, length);
        p += length;
    }
    trimUtf8From(out, start);
}

} // namespace

QString Charset::decodeHeader(QByteArrayView raw)
{
    QByteArray utf8;
    appendDecodedHeader(utf8, raw);
    // A byte order mark at the start is text here: appendDecodedHeader already dropped the one
    // fromUtf8 would drop.
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::ConvertInitialBom);
    return decoder(utf8);
}

void Charset::appendDecodedHeader(QByteArray &out, QByteArrayView raw)
{
    // Most fields are printable ASCII without encoded words: the same result as below
    // (line breaks dropped, tabs made spaces, trimmed) in one pass.
    bool plain = true;
    char previous = 0;
    for (const char c : raw) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x7F || (u < 0x20 && c != '\t' && c != '\r' && c != '\n') || (c == '?' && previous == '=')) {
            plain = false;
            break;
        }
        previous = c;
    }
    if (plain) {
        const qsizetype start = out.size();
        out.resize(start + raw.size());
        char *o = out.data() + start;
        for (const char c : raw) {
            if (c != '\r' && c != '\n')
                *o++ = c == '\t' ? ' ' : c;
        }
        out.truncate(o - out.constData());
        trimUtf8From(out, start);
        return;
    }

    const QByteArray utf8 = headerToUtf8(raw);
    if (findPair(utf8, 0, '=', '?') < 0)
        return appendCleanUtf8(out, utf8);

    // Encoded words are decoded to octets first; runs of adjacent words in the same charset
    // are joined before conversion, so a character split between two words (which many
    // mailers produce) comes out whole. White space between encoded words is dropped
    // (RFC 2047 §6.2); encoded words inside other text are decoded too, as mailers expect.
    // The text is gathered as UTF-8: a run in UTF-8 or ASCII that is valid as such (nearly all
    // of them) is copied as it is, anything else goes through decode().
    QByteArray result;
    result.reserve(utf8.size());
    QByteArray pendingBytes;
    QByteArrayView pendingCharset;
    bool pending = false;
    auto flush = [&] {
        if (!pendingBytes.isEmpty() || !pendingCharset.isEmpty())
            appendDecoded(result, pendingBytes, pendingCharset);
        pendingBytes.clear();
        pendingCharset = {};
        pending = false;
    };
    qsizetype pos = 0;
    qsizetype textStart = 0;
    bool lastWasWord = false;
    while (pos < utf8.size()) {
        const qsizetype candidate = findPair(utf8, pos, '=', '?');
        if (candidate < 0)
            break;
        EncodedWord word;
        const WordScan scan = readEncodedWord(utf8, candidate, &word);
        if (scan == WordScan::NoneLater)
            break;
        if (scan == WordScan::NotHere) {
            pos = candidate + 1;
            continue;
        }
        const QByteArrayView between(utf8.constData() + textStart, candidate - textStart);
        if (!(lastWasWord && isBlank(between))) {
            flush();
            appendUtf8Piece(result, between);
        }
        if (pending && !sameName(word.charset, pendingCharset))
            flush();
        if (!pending)
            pendingCharset = word.charset;
        pending = true;
        appendWordBytes(pendingBytes, word);
        lastWasWord = true;
        pos = word.end;
        textStart = word.end;
    }
    flush();
    appendUtf8Piece(result, QByteArrayView(utf8.constData() + textStart, utf8.size() - textStart));
    appendCleanUtf8(out, result);
}

} // namespace Tidings::Mime
