// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/imap/parser.h"

#include "core/imap/utf7.h"

#include <QDate>
#include <QTime>
#include <QVarLengthArray>

#include <array>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// The parser works in two stages.
//
// 1. Framing (Parser::Private::feed): finds where a response ends. It looks for LF with memchr,
//    and when a line ends in a literal marker `{n}` / `~{n}` it switches to counting n literal
//    bytes, then continues with the next line of the same response. Bytes are copied once into
//    the response buffer; message content (BODY[...] etc.) may instead stream into the BodySink,
//    in which case only the marker stays in the buffer and its position is remembered. Nothing is
//    ever re-scanned, so the cost is O(n) whatever the split of the input.
// 2. Parsing (ResponseReader): a recursive-descent reader over one complete response. Every
//    limit is checked there too (nesting depth, list length), and errors unwind by a private
//    exception that never leaves this file: the public API reports a ParseError value. The
//    response is built in place inside the Response variant; its strings are copied into a
//    per-response StringArena instead of one allocation each (see there and docs/imap.md).

namespace Tidings::Imap {

namespace {

struct StreamedLiteral {
    qsizetype position = 0; ///< in the response buffer, just after the marker's CRLF
    std::uint64_t size = 0;
};

struct Failure {
    qsizetype position; ///< in the response buffer
    QString reason;
};

// Upper-cased tokens that recur in almost every response share one static copy instead of
// allocating per occurrence (a measurable share of FETCH parsing time).
QByteArray interned(QByteArrayView v)
{
    static const QByteArray table[] = {
        QByteArrayLiteral("TEXT"),
        QByteArrayLiteral("PLAIN"),
        QByteArrayLiteral("HTML"),
        QByteArrayLiteral("MULTIPART"),
        QByteArrayLiteral("MIXED"),
        QByteArrayLiteral("ALTERNATIVE"),
        QByteArrayLiteral("RELATED"),
        QByteArrayLiteral("APPLICATION"),
        QByteArrayLiteral("IMAGE"),
        QByteArrayLiteral("MESSAGE"),
        QByteArrayLiteral("RFC822"),
        QByteArrayLiteral("OCTET-STREAM"),
        QByteArrayLiteral("PDF"),
        QByteArrayLiteral("JPEG"),
        QByteArrayLiteral("PNG"),
        QByteArrayLiteral("7BIT"),
        QByteArrayLiteral("8BIT"),
        QByteArrayLiteral("BASE64"),
        QByteArrayLiteral("QUOTED-PRINTABLE"),
        QByteArrayLiteral("BINARY"),
        QByteArrayLiteral("CHARSET"),
        QByteArrayLiteral("BOUNDARY"),
        QByteArrayLiteral("NAME"),
        QByteArrayLiteral("FILENAME"),
        QByteArrayLiteral("FORMAT"),
        QByteArrayLiteral("DELSP"),
        QByteArrayLiteral("ATTACHMENT"),
        QByteArrayLiteral("INLINE"),
        QByteArrayLiteral("STORAGE"),
    };
    // Open addressing over the upper-cased bytes: one hash and usually one comparison per lookup.
    constexpr unsigned kSlots = 128;
    auto hash = [](const char *u, qsizetype n) {
        return (unsigned(n) * 31u + unsigned(quint8(u[0])) * 7u + unsigned(quint8(u[n - 1]))) & (kSlots - 1);
    };
    // Keys are zero-padded to 16 bytes and compared as two 64-bit words.
    struct Slot {
        std::uint64_t key[2] = {0, 0};
        qsizetype size = 0;
        const QByteArray *value = nullptr;
    };
    struct Index {
        Slot slots[kSlots];
    };
    static const Index index = [&] {
        Index built;
        for (const QByteArray &entry : table) {
            unsigned h = hash(entry.constData(), entry.size());
            while (built.slots[h].value)
                h = (h + 1) & (kSlots - 1);
            std::memcpy(built.slots[h].key, entry.constData(), std::size_t(entry.size()));
            built.slots[h].size = entry.size();
            built.slots[h].value = &entry;
        }
        return built;
    }();
    const qsizetype n = v.size();
    if (n == 0 || n > 16)
        return {};
    char u[16] = {};
    for (qsizetype i = 0; i < n; ++i) {
        const char c = v[i];
        u[i] = (c >= 'a' && c <= 'z') ? char(c - 'a' + 'A') : c;
    }
    std::uint64_t key[2];
    std::memcpy(key, u, sizeof key);
    for (unsigned h = hash(u, n);; h = (h + 1) & (kSlots - 1)) {
        const Slot &slot = index.slots[h];
        if (!slot.value)
            return {};
        if (slot.key[0] == key[0] && slot.key[1] == key[1] && slot.size == n)
            return *slot.value;
    }
}

// Literal overload: the length is known at compile time, so a mismatch costs one comparison.
template <std::size_t N> inline bool equalsUpper(QByteArrayView v, const char (&upperLiteral)[N])
{
    if (v.size() != qsizetype(N - 1))
        return false;
    for (std::size_t i = 0; i + 1 < N; ++i) {
        char c = v[qsizetype(i)];
        if (c >= 'a' && c <= 'z')
            c = char(c - 'a' + 'A');
        if (c != upperLiteral[i])
            return false;
    }
    return true;
}

QByteArray escapeExcerpt(QByteArrayView bytes)
{
    QByteArray out;
    for (char c : bytes) {
        const auto u = quint8(c);
        if (c == '\r') {
            out.append("\\r");
        } else if (c == '\n') {
            out.append("\\n");
        } else if (u < 0x20 || u == 0x7f) {
            static const char hex[] = "0123456789abcdef";
            out.append("\\x");
            out.append(hex[u >> 4]);
            out.append(hex[u & 0xf]);
        } else {
            out.append(c);
        }
    }
    return out;
}

QByteArray excerptAround(QByteArrayView data, qsizetype position)
{
    position = std::clamp<qsizetype>(position, 0, data.size());
    const qsizetype from = std::max<qsizetype>(0, position - 20);
    const qsizetype to = std::min<qsizetype>(data.size(), position + 20);
    return escapeExcerpt(data.sliced(from, to - from));
}

// The strings of one response (envelope fields, addresses, parameter values, ...) share a few
// heap blocks instead of costing one allocation each: a FETCH with ENVELOPE and BODYSTRUCTURE
// holds 25-40 short strings, and their malloc/free pairs were the largest single cost of parsing.
//
// Each string is an ordinary, reference-counted QByteArray whose data pointer points into a
// shared block (Qt 6 keeps begin pointer, size and block header separately, and a QByteArray
// whose data starts inside its block is a state Qt itself creates, e.g. after prepend or remove).
// Invariants:
// - Lifetime: every string holds a reference on its block, so it stays valid after the parser,
//   the response or its sibling strings are gone (unlike fromRawData()).
// - Each string is followed by a '\0' inside the block, so constData() stays NUL-terminated as
//   QByteArray promises.
// - Writing detaches: while a sibling or the arena still references the block, any modification
//   copies the string first; the last holder may grow in place, over bytes nobody else sees.
// - Memory: a block is at most kChunkBytes (or the remaining response, if smaller), so a kept
//   string retains at most that much; strings over kMaxArenaString get their own allocation,
//   which includes nearly all message content that did not go to a BodySink.
class StringArena
{
public:
    static constexpr qsizetype kChunkBytes = 4096;
    static constexpr qsizetype kMaxArenaString = 1024;

    /// A QByteArray with a copy of [src, src + n). `remaining` is how many response bytes are
    /// left from src on (an upper bound for the strings still to come, NULs included), so a
    /// short response gets a block of its own size.
    QByteArray copy(const char *src, qsizetype n, qsizetype remaining)
    {
        if (n == 0)
            return QByteArray(src, 0);
        char *dst = reserve(n, remaining);
        if (!dst)
            return QByteArray(src, n);
        copyBytes(dst, src, n);
        return commit(dst, n);
    }
    /// The same, upper-casing ASCII letters.
    QByteArray copyUpper(const char *src, qsizetype n, qsizetype remaining)
    {
        if (n == 0)
            return QByteArray(src, 0);
        char *dst = reserve(n, remaining);
        QByteArray own;
        if (!dst) {
            own = QByteArray(n, Qt::Uninitialized);
            dst = own.data();
        }
        for (qsizetype i = 0; i < n; ++i) {
            const char c = src[i];
            dst[i] = (c >= 'a' && c <= 'z') ? char(c - 'a' + 'A') : c;
        }
        return own.isNull() ? commit(dst, n) : own;
    }

private:
    // Most strings are 3-40 bytes: fixed-size overlapping copies instead of a memcpy call.
    static void copyBytes(char *dst, const char *src, qsizetype n)
    {
        if (n >= 8 && n <= 16) {
            std::uint64_t head, tail;
            std::memcpy(&head, src, 8);
            std::memcpy(&tail, src + n - 8, 8);
            std::memcpy(dst, &head, 8);
            std::memcpy(dst + n - 8, &tail, 8);
        } else if (n >= 4 && n < 8) {
            std::uint32_t head, tail;
            std::memcpy(&head, src, 4);
            std::memcpy(&tail, src + n - 4, 4);
            std::memcpy(dst, &head, 4);
            std::memcpy(dst + n - 4, &tail, 4);
        } else if (n < 4) {
            for (qsizetype i = 0; i < n; ++i)
                dst[i] = src[i];
        } else {
            std::memcpy(dst, src, std::size_t(n));
        }
    }

    char *reserve(qsizetype n, qsizetype remaining)
    {
        if (n > kMaxArenaString)
            return nullptr;
        if (m_capacity - m_used < n + 1) {
            const qsizetype size = std::clamp<qsizetype>(remaining, n + 1, std::max(kChunkBytes, n + 1));
            m_block = QByteArray(size, Qt::Uninitialized);
            m_base = m_block.data(); // the block is unshared here: data() does not copy
            m_used = 0;
            m_capacity = size;
        }
        return m_base + m_used;
    }
    QByteArray commit(char *dst, qsizetype n)
    {
        dst[n] = '\0';
        m_used += n + 1;
        QByteArray out = m_block; // shares the block (one reference)
        out.data_ptr().setBegin(dst);
        out.data_ptr().size = n;
        return out;
    }

    QByteArray m_block; ///< the current block; our reference keeps writes to it detaching
    char *m_base = nullptr;
    qsizetype m_used = 0;
    qsizetype m_capacity = 0;
};

// Lists are collected on the stack first, so the QList is allocated once at its final size
// instead of growing (a QList of Address grows 1 -> 2 -> 5: three allocations for three).
template <typename T, qsizetype Prealloc> QList<T> exactList(QVarLengthArray<T, Prealloc> &items)
{
    QList<T> out;
    if (items.isEmpty())
        return out;
    out.reserve(items.size());
    for (T &item : items)
        out.append(std::move(item));
    return out;
}

// Byte classes for the hot loops: bit 1 ends an atom, bit 2 ends an astring atom (brackets
// allowed), bit 4 stops the quoted-string fast path.
struct ByteClasses {
    unsigned char bits[256] = {};
    constexpr ByteClasses()
    {
        for (int c = 0; c < 256; ++c) {
            const bool control = c < 0x20 || c == 0x7f;
            const bool delimiter =
                c == ' ' || c == '(' || c == ')' || c == '{' || c == '"' || c == '\r' || c == '\n';
            if (control || delimiter)
                bits[c] |= 1 | 2;
            if (c == '[' || c == ']')
                bits[c] |= 1;
            if (c == '"' || c == '\\' || c == '\r' || c == '\n')
                bits[c] |= 4;
        }
    }
};
inline constexpr ByteClasses kClasses;

// The first byte in [q, end) that ends the fast path of a quoted string: '"', '\\', CR or LF.
// Quoted strings are most of the bytes of an ENVELOPE or BODYSTRUCTURE, so this scans 16 bytes
// per step where SSE2 is available (every x86-64 CPU).
inline const char *findQuotedStop(const char *q, const char *end)
{
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i cr = _mm_set1_epi8('\r');
    const __m128i lf = _mm_set1_epi8('\n');
    while (end - q >= 16) {
        __m128i v;
        std::memcpy(&v, q, sizeof v);
        const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                         _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)));
        if (const int mask = _mm_movemask_epi8(hit))
            return q + __builtin_ctz(unsigned(mask));
        q += 16;
    }
#endif
    while (q < end && !(kClasses.bits[quint8(*q)] & 4))
        ++q;
    return q;
}

// A delimiter that ends an atom. ']' is allowed in astrings (mailbox names) but ends atoms in
// most other places, hence the flag.
inline bool endsAtom(char c, bool allowBracket)
{
    return kClasses.bits[quint8(c)] & (allowBracket ? 2 : 1);
}

/// The flag lists of the last few FETCH FLAGS items of one connection, by their exact bytes.
/// Cached lists hold only static or separately allocated strings, never a response's arena.
class FlagListCache
{
public:
    static constexpr qsizetype kMaxBytes = 96; ///< longer lists are not cached
    static constexpr std::size_t kEntries = 8;

    const QList<QByteArray> *find(QByteArrayView raw) const
    {
        for (const Entry &e : m_entries) {
            if (e.raw.size() == raw.size() && !e.raw.isNull() && QByteArrayView(e.raw) == raw)
                return &e.flags;
        }
        return nullptr;
    }
    void insert(QByteArrayView raw, const QList<QByteArray> &flags)
    {
        if (raw.size() > kMaxBytes)
            return;
        Entry &e = m_entries[m_next];
        m_next = (m_next + 1) % kEntries;
        e.raw = QByteArray(raw.data(), raw.size());
        if (e.raw.isNull())
            e.raw = QByteArray("", 0); // "()" is a valid, cacheable list
        e.flags = flags;
    }

private:
    struct Entry {
        QByteArray raw; ///< null: unused
        QList<QByteArray> flags;
    };
    std::array<Entry, kEntries> m_entries;
    std::size_t m_next = 0;
};

/// Reads one complete response (stage 2).
class ResponseReader
{
public:
    ResponseReader(QByteArrayView data, const QList<StreamedLiteral> &streamed, bool utf8,
                   FlagListCache *flagCache = nullptr)
        : m_begin(data.data())
        , m_p(data.data())
        , m_end(data.data() + data.size() - 2)
        , m_streamed(streamed)
        , m_utf8(utf8)
        , m_flagCache(flagCache)
    {}

    /// Reads the response into `out`, built in place: a FETCH with ENVELOPE and BODYSTRUCTURE
    /// is a large tree, and moving it through several return values costs measurably.
    void read(Response &out);

private:
    // Failure paths are cold and out of line, so the checks in the small helpers below inline.
    [[noreturn, gnu::cold, gnu::noinline]] void fail(const QString &reason) const
    {
        throw Failure{m_p - m_begin, reason};
    }
    [[noreturn, gnu::cold, gnu::noinline]] void fail(const char *reason) const
    {
        fail(QString::fromLatin1(reason));
    }
    [[noreturn, gnu::cold, gnu::noinline]] void failExpected(char c) const
    {
        fail(QStringLiteral("expected '%1'").arg(QLatin1Char(c)));
    }

    /// A string field: a copy of bytes of this response, in the response's StringArena.
    QByteArray bytes(const char *src, qsizetype n) { return m_arena.copy(src, n, remainingFrom(src)); }
    QByteArray bytes(QByteArrayView v) { return bytes(v.data(), v.size()); }
    /// An upper-cased token: a shared static copy for the common ones, else in the arena.
    QByteArray upperBytes(QByteArrayView v)
    {
        if (v.size() <= 16) {
            QByteArray shared = interned(v);
            if (!shared.isNull())
                return shared;
        }
        return m_arena.copyUpper(v.data(), v.size(), remainingFrom(v.data()));
    }
    /// Response bytes left from `src` on; for bytes outside the response (an unescaped copy),
    /// those left from the current position.
    qsizetype remainingFrom(const char *src) const
    {
        const char *const limit = m_end + 2;
        return (src >= m_begin && src <= limit) ? limit - src : limit - m_p;
    }

    bool atEnd() const { return m_p >= m_end; }
    char peek() const { return m_p < m_end ? *m_p : '\0'; }
    void expect(char c)
    {
        if (peek() != c) [[unlikely]]
            failExpected(c);
        ++m_p;
    }
    /// One or more spaces (servers occasionally send two).
    void sp()
    {
        if (peek() != ' ')
            fail("expected a space");
        while (peek() == ' ')
            ++m_p;
    }
    void skipSpaces()
    {
        while (peek() == ' ')
            ++m_p;
    }
    void expectEnd()
    {
        skipSpaces();
        if (!atEnd())
            fail("unexpected data at the end of the response");
    }

    // The scanning loops below work on a local pointer: a char load may alias the member m_p,
    // which would otherwise force a store and a reload of m_p for every byte.
    QByteArrayView atom(bool allowBracket = false)
    {
        const char *const start = m_p;
        const char *q = start;
        const char *const end = m_end;
        const unsigned char mask = allowBracket ? 2 : 1;
        while (q < end && !(kClasses.bits[quint8(*q)] & mask))
            ++q;
        if (q == start)
            fail("expected an atom");
        m_p = q;
        return QByteArrayView(start, q - start);
    }

    /// Text up to the end of the response (resp-text after the code).
    QByteArrayView rest()
    {
        const char *start = m_p;
        m_p = m_end;
        return QByteArrayView(start, m_end - start);
    }

    std::uint64_t number64()
    {
        const char *const start = m_p;
        const char *q = start;
        const char *const end = m_end;
        std::uint64_t value = 0;
        while (q < end && *q >= '0' && *q <= '9') {
            const auto digit = std::uint64_t(*q - '0');
            if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
                m_p = q;
                fail("number too large");
            }
            value = value * 10 + digit;
            ++q;
        }
        m_p = q;
        if (q == start)
            fail("expected a number");
        return value;
    }
    std::uint32_t number32()
    {
        const std::uint64_t v = number64();
        if (v > 0xFFFFFFFFull) {
            --m_p;
            fail("number exceeds 32 bits");
        }
        return std::uint32_t(v);
    }

    bool isNil() const
    {
        // (c | 0x20) folds only 'N'/'n', 'I'/'i' and 'L'/'l' onto the compared letters.
        const char *const q = m_p;
        if (m_end - q < 3 || (q[0] | 0x20) != 'n' || (q[1] | 0x20) != 'i' || (q[2] | 0x20) != 'l')
            return false;
        return m_end - q == 3 || endsAtom(q[3], false);
    }

    struct StringValue {
        QByteArray bytes;
        bool nil = false;
        bool streamed = false;
        std::uint64_t size = 0;
    };

    // quoted / literal / (optionally) NIL / (optionally) atom.
    StringValue value(bool allowNil, bool allowAtom, bool allowBracket = false)
    {
        StringValue v;
        const char c = peek();
        if (c == '"') {
            v.bytes = quoted();
        } else if (c == '{' || (c == '~' && m_end - m_p > 1 && m_p[1] == '{')) {
            literal(v);
        } else if (allowNil && isNil()) {
            m_p += 3;
            v.nil = true;
        } else if (allowAtom) {
            const QByteArrayView a = atom(allowBracket);
            v.bytes = bytes(a);
        } else {
            fail("expected a string");
        }
        if (!v.streamed)
            v.size = std::uint64_t(v.bytes.size());
        return v;
    }
    // A string/atom/NIL as a view into the response when no copy is needed (no escapes); falls
    // back to `scratch` for escaped quoted strings and literals. NIL is an empty view.
    QByteArrayView token(QByteArray &scratch)
    {
        const char c = peek();
        if (c == '"') {
            const char *start = m_p + 1;
            const char *const q = findQuotedStop(start, m_end);
            if (q < m_end && *q == '"') {
                m_p = q + 1;
                return QByteArrayView(start, q - start);
            }
        } else if (c != '{' && c != '~') {
            if (isNil()) {
                m_p += 3;
                return {};
            }
            return atom();
        }
        scratch = value(true, true).bytes;
        return scratch;
    }
    QByteArray string() { return value(false, false).bytes; }
    /// value(true, allowAtom).bytes with its two common cases inline: NIL and a quoted string
    /// without escapes (most fields of an ENVELOPE or BODYSTRUCTURE).
    QByteArray nstringOrAtom(bool allowAtom)
    {
        const char *const p = m_p;
        if (p < m_end) {
            if (*p == '"') {
                const char *const q = findQuotedStop(p + 1, m_end);
                if (q < m_end && *q == '"') {
                    m_p = q + 1;
                    return bytes(p + 1, q - p - 1);
                }
            } else if (isNil()) {
                m_p = p + 3;
                return {};
            }
        }
        return value(true, allowAtom).bytes;
    }
    QByteArray nstring() { return nstringOrAtom(false); }
    QByteArray astring() { return value(false, true, true).bytes; }

    QByteArray quoted()
    {
        expect('"');
        const char *const start = m_p;
        // Fast path: no escapes.
        const char *const end = m_end;
        const char *const q = findQuotedStop(start, end);
        m_p = q;
        if (q < end && *q == '"') {
            QByteArray out = bytes(start, q - start);
            m_p = q + 1;
            return out;
        }
        QByteArray out(start, m_p - start);
        while (true) {
            if (m_p >= m_end || *m_p == '\r' || *m_p == '\n')
                fail("unterminated quoted string");
            const char c = *m_p++;
            if (c == '"')
                return out;
            if (c == '\\') {
                if (m_p >= m_end)
                    fail("unterminated quoted string");
                // RFC 3501 allows only \" and \\; keep any other escaped byte as is.
                out.append(*m_p++);
            } else {
                out.append(c);
            }
        }
    }

    void literal(StringValue &v)
    {
        if (peek() == '~')
            ++m_p;
        expect('{');
        const std::uint64_t size = number64();
        expect('}');
        // The framer only accepts a marker at a line end, so CRLF follows.
        if (m_end - m_p < 2 || m_p[0] != '\r' || m_p[1] != '\n')
            fail("literal marker not at the end of a line");
        m_p += 2;
        const qsizetype position = m_p - m_begin;
        while (m_streamedIndex < m_streamed.size() && m_streamed.at(m_streamedIndex).position < position)
            ++m_streamedIndex;
        if (m_streamedIndex < m_streamed.size() && m_streamed.at(m_streamedIndex).position == position) {
            v.streamed = true;
            v.size = size;
            ++m_streamedIndex;
            return;
        }
        if (size > std::uint64_t(m_end + 2 - m_p))
            fail("literal longer than the response");
        v.bytes = bytes(m_p, qsizetype(size));
        m_p += size;
        if (m_p > m_end)
            fail("literal runs into the response's end");
    }

    // Tolerant number for BODYSTRUCTURE fields: NIL, "123", 2.0, 1.86931e+06 and -1 are read as
    // numbers (negative as 0) instead of failing; anything else is skipped as 0.
    std::uint64_t lenientNumber()
    {
        const char c = peek();
        if (c >= '0' && c <= '9') {
            const char *start = m_p;
            const std::uint64_t v = number64();
            if (peek() == '.' || peek() == 'e' || peek() == 'E') {
                m_p = start;
                return parseDouble(atom());
            }
            return v;
        }
        if (c == '(') {
            skipValue();
            return 0;
        }
        StringValue v = value(true, true);
        return parseDouble(v.bytes);
    }
    static std::uint64_t parseDouble(QByteArrayView text)
    {
        bool ok = false;
        const double d = QByteArray(text.data(), text.size()).trimmed().toDouble(&ok);
        if (!ok || !(d > 0) || !std::isfinite(d))
            return 0;
        if (d >= 1.8e19)
            return std::numeric_limits<std::uint64_t>::max();
        return std::uint64_t(d);
    }

    // Skips one value of any kind (for unknown FETCH items and extension data).
    void skipValue()
    {
        const char c = peek();
        if (c == '(') {
            Depth guard(*this);
            ++m_p;
            int elements = 0;
            skipSpaces();
            while (peek() != ')') {
                if (atEnd())
                    fail("unterminated list");
                countElement(elements);
                skipValue();
                skipSpaces();
            }
            ++m_p;
        } else if (c == '"' || c == '{' || c == '~') {
            value(false, false);
        } else {
            atom(false);
            // BODY[...]<n> style items: skip the bracketed section too.
            if (peek() == '[') {
                section();
                if (peek() == '<')
                    skipOrigin();
            }
        }
    }

    struct Depth {
        explicit Depth(ResponseReader &r)
            : m_r(r)
        {
            if (++m_r.m_depth > Limits::MaxDepth)
                m_r.fail(QStringLiteral("nesting deeper than %1").arg(Limits::MaxDepth));
        }
        ~Depth() { --m_r.m_depth; }
        Q_DISABLE_COPY_MOVE(Depth)
        ResponseReader &m_r;
    };
    void countElement(int &elements) const
    {
        if (++elements > Limits::MaxListElements)
            fail(QStringLiteral("list longer than %1 elements").arg(Limits::MaxListElements));
    }

    // '(' item (SP item)* ')' with a per-item reader; tolerates extra spaces and the empty list.
    template <typename F> void list(F &&item)
    {
        Depth guard(*this);
        expect('(');
        int elements = 0;
        skipSpaces();
        while (peek() != ')') {
            if (atEnd())
                fail("unterminated list");
            countElement(elements);
            item();
            skipSpaces();
        }
        ++m_p;
    }

    // A flag: "\Seen", "$Forwarded", "\*" (PERMANENTFLAGS); 8-bit keywords tolerated.
    /// `ownCopy`: a flag that is not one of the common ones gets its own allocation instead of a
    /// slice of this response's arena (for lists kept in the FlagListCache beyond this response).
    QByteArray flag(bool ownCopy = false)
    {
        const char *start = m_p;
        if (peek() == '\\')
            ++m_p;
        if (peek() == '*') {
            ++m_p;
        } else {
            while (m_p < m_end && !endsAtom(*m_p, false))
                ++m_p;
        }
        if (m_p == start)
            fail("expected a flag");
        static const QByteArray common[] = {
            QByteArrayLiteral("\\Seen"),        QByteArrayLiteral("\\Answered"),
            QByteArrayLiteral("\\Flagged"),     QByteArrayLiteral("\\Deleted"),
            QByteArrayLiteral("\\Draft"),       QByteArrayLiteral("\\Recent"),
            QByteArrayLiteral("$Forwarded"),    QByteArrayLiteral("\\HasNoChildren"),
            QByteArrayLiteral("\\HasChildren"),
        };
        const QByteArrayView name(start, m_p - start);
        for (const QByteArray &c : common) {
            if (name == c)
                return c;
        }
        return ownCopy ? QByteArray(start, m_p - start) : bytes(start, m_p - start);
    }
    QList<QByteArray> flagList()
    {
        // FETCH FLAGS repeats a few combinations: the same bytes give the same, shared list. A
        // list is cached only once it parsed completely, so a hit returns exactly what parsing
        // the bytes again would (the depth check is the one list() would make).
        if (m_flagCache && peek() == '(' && m_depth < Limits::MaxDepth) {
            const auto avail = std::size_t(std::min<qsizetype>(m_end - m_p, FlagListCache::kMaxBytes + 2));
            if (const auto *close = static_cast<const char *>(std::memchr(m_p, ')', avail))) {
                const QByteArrayView raw(m_p + 1, close - m_p - 1);
                if (const QList<QByteArray> *hit = m_flagCache->find(raw)) {
                    m_p = close + 1;
                    return *hit;
                }
                QList<QByteArray> flags;
                list([&] { flags.append(flag(true)); });
                if (m_p == close + 1)
                    m_flagCache->insert(raw, flags);
                return flags;
            }
        }
        QList<QByteArray> flags;
        list([&] { flags.append(flag()); });
        return flags;
    }

    QByteArray section()
    {
        expect('[');
        const char *start = m_p;
        bool inQuote = false;
        while (m_p < m_end && (inQuote || *m_p != ']')) {
            if (*m_p == '"')
                inQuote = !inQuote;
            else if (inQuote && *m_p == '\\' && m_p + 1 < m_end)
                ++m_p;
            else if (*m_p == '\r' || *m_p == '\n')
                fail("unterminated section");
            ++m_p;
        }
        if (m_p >= m_end)
            fail("unterminated section");
        QByteArray out = bytes(start, m_p - start);
        ++m_p;
        return out;
    }
    std::uint32_t skipOrigin()
    {
        expect('<');
        const std::uint32_t origin = number32();
        expect('>');
        return origin;
    }

    MailboxName mailbox()
    {
        MailboxName name;
        name.raw = astring();
        if (equalsUpper(name.raw, "INBOX"))
            name.raw = QByteArrayLiteral("INBOX");
        name.display = m_utf8 ? QString::fromUtf8(name.raw) : decodeModifiedUtf7(name.raw);
        return name;
    }

    char delimiter()
    {
        if (isNil()) {
            m_p += 3;
            return 0;
        }
        const QByteArray d = string();
        return d.isEmpty() ? 0 : d.at(0);
    }

    ResponseCode responseCode();
    StatusResponse statusTail(QByteArray tag, Status status);
    void untagged(Response &out);
    Response keyword();
    void fetch(Fetch &fetch);
    void fetchItem(Fetch &fetch);
    void envelope(Envelope &envelope);
    QList<Address> addressList();
    void body(BodyStructure &body);
    void bodyExtension(BodyStructure &body);
    QList<BodyParameter> parameters();
    ListEntry listEntry(bool lsub);
    MailboxStatus status();
    Search search();
    ESearch esearch();
    Namespace namespaces();
    QList<NamespaceDescription> namespaceList();
    Id id();
    Quota quota();
    QuotaRoot quotaRoot();
    std::optional<QDateTime> internalDate(QByteArrayView text);

    const char *m_begin;
    const char *m_p;
    const char *m_end; ///< the final CRLF
    const QList<StreamedLiteral> &m_streamed;
    qsizetype m_streamedIndex = 0;
    bool m_utf8 = false;
    int m_depth = 0;
    StringArena m_arena;
    FlagListCache *m_flagCache = nullptr;
};

std::optional<Status> statusKeyword(QByteArrayView word)
{
    if (equalsUpper(word, "OK"))
        return Status::Ok;
    if (equalsUpper(word, "NO"))
        return Status::No;
    if (equalsUpper(word, "BAD"))
        return Status::Bad;
    if (equalsUpper(word, "PREAUTH"))
        return Status::PreAuth;
    if (equalsUpper(word, "BYE"))
        return Status::Bye;
    return std::nullopt;
}

void ResponseReader::read(Response &out)
{
    if (atEnd())
        fail("empty response");
    if (peek() == '+') {
        ++m_p;
        if (peek() == ' ')
            ++m_p;
        const QByteArrayView text = rest();
        out = ContinuationRequest{QByteArray(text.data(), text.size())};
        return;
    }
    if (peek() == '*') {
        ++m_p;
        sp();
        untagged(out);
        return;
    }
    // tag = 1*<any ASTRING-CHAR except "+">
    const char *start = m_p;
    while (m_p < m_end && !endsAtom(*m_p, true) && *m_p != '+')
        ++m_p;
    if (m_p == start)
        fail("expected a tag, '*' or '+'");
    QByteArray tag = bytes(start, m_p - start);
    sp();
    const QByteArrayView word = atom();
    const std::optional<Status> status = statusKeyword(word);
    if (!status) {
        m_p = word.data();
        fail("expected OK, NO or BAD after the tag");
    }
    out = statusTail(std::move(tag), *status);
}

StatusResponse ResponseReader::statusTail(QByteArray tag, Status status)
{
    StatusResponse r;
    r.tag = std::move(tag);
    r.status = status;
    skipSpaces();
    if (peek() == '[') {
        r.code = responseCode();
        skipSpaces();
    }
    r.text = QString::fromUtf8(rest());
    return r;
}

ResponseCode ResponseReader::responseCode()
{
    using K = ResponseCode::Kind;
    expect('[');
    ResponseCode code;
    const QByteArrayView name = atom(false);
    code.atom = upperBytes(name);
    const char *argsStart = m_p;
    bool inQuote = false;
    while (m_p < m_end && (inQuote || *m_p != ']')) {
        if (*m_p == '"')
            inQuote = !inQuote;
        else if (inQuote && *m_p == '\\' && m_p + 1 < m_end)
            ++m_p;
        ++m_p;
    }
    if (m_p >= m_end)
        fail("unterminated response code");
    QByteArrayView args(argsStart, m_p - argsStart);
    ++m_p; // ']'
    while (!args.isEmpty() && args.front() == ' ')
        args = args.sliced(1);
    code.text = bytes(args);

    static const struct {
        const char *name;
        K kind;
    } table[] = {
        {"ALERT", K::Alert},
        {"BADCHARSET", K::BadCharset},
        {"CAPABILITY", K::Capability},
        {"PARSE", K::Parse},
        {"PERMANENTFLAGS", K::PermanentFlags},
        {"READ-ONLY", K::ReadOnly},
        {"READ-WRITE", K::ReadWrite},
        {"TRYCREATE", K::TryCreate},
        {"UIDNEXT", K::UidNext},
        {"UIDVALIDITY", K::UidValidity},
        {"UNSEEN", K::Unseen},
        {"HIGHESTMODSEQ", K::HighestModSeq},
        {"NOMODSEQ", K::NoModSeq},
        {"MODIFIED", K::Modified},
        {"APPENDUID", K::AppendUid},
        {"COPYUID", K::CopyUid},
        {"UIDNOTSTICKY", K::UidNotSticky},
        {"CLOSED", K::Closed},
        {"UNAVAILABLE", K::Unavailable},
        {"AUTHENTICATIONFAILED", K::AuthenticationFailed},
        {"AUTHORIZATIONFAILED", K::AuthorizationFailed},
        {"EXPIRED", K::Expired},
        {"PRIVACYREQUIRED", K::PrivacyRequired},
        {"CONTACTADMIN", K::ContactAdmin},
        {"NOPERM", K::NoPerm},
        {"INUSE", K::InUse},
        {"EXPUNGEISSUED", K::ExpungeIssued},
        {"CORRUPTION", K::Corruption},
        {"SERVERBUG", K::ServerBug},
        {"CLIENTBUG", K::ClientBug},
        {"CANNOT", K::Cannot},
        {"LIMIT", K::Limit},
        {"OVERQUOTA", K::OverQuota},
        {"ALREADYEXISTS", K::AlreadyExists},
        {"NONEXISTENT", K::NonExistent},
        {"HASCHILDREN", K::HasChildren},
        {"NOTSAVED", K::NotSaved},
    };
    code.kind = K::Unknown;
    for (const auto &entry : table) {
        if (code.atom == entry.name) {
            code.kind = entry.kind;
            break;
        }
    }

    // Arguments of the known codes; when they do not parse, the code is kept as Unknown so a
    // strange server cannot break an otherwise good response.
    const QList<QByteArrayView> words = [&] {
        QList<QByteArrayView> out;
        QByteArrayView a = args;
        while (!a.isEmpty() && (a.front() == '(' || a.front() == ' '))
            a = a.sliced(1);
        while (!a.isEmpty() && (a.back() == ')' || a.back() == ' '))
            a.chop(1);
        qsizetype start = 0;
        for (qsizetype i = 0; i <= a.size(); ++i) {
            if (i == a.size() || a.at(i) == ' ') {
                if (i > start)
                    out.append(a.sliced(start, i - start));
                start = i + 1;
            }
        }
        return out;
    }();
    auto toNumber = [](QByteArrayView w, std::uint64_t &out) {
        bool ok = false;
        out = QByteArray(w.data(), w.size()).toULongLong(&ok);
        return ok && !w.isEmpty() && w.front() != '+' && w.front() != '-';
    };
    bool ok = true;
    switch (code.kind) {
    case K::Capability:
        for (QByteArrayView w : words)
            code.list.append(upperBytes(w));
        break;
    case K::PermanentFlags:
    case K::BadCharset:
        for (QByteArrayView w : words)
            code.list.append(bytes(w));
        break;
    case K::UidNext:
    case K::UidValidity:
    case K::Unseen:
    case K::HighestModSeq: ok = words.size() == 1 && toNumber(words.at(0), code.number); break;
    case K::Modified:
        if (words.size() == 1) {
            const auto set = UidSet::parse(words.at(0));
            ok = set.has_value();
            if (ok)
                code.uids = *set;
        } else {
            ok = false;
        }
        break;
    case K::AppendUid:
        if (words.size() == 2 && toNumber(words.at(0), code.number)) {
            const auto set = UidSet::parse(words.at(1));
            ok = set.has_value();
            if (ok)
                code.uids = *set;
        } else {
            ok = false;
        }
        break;
    case K::CopyUid:
        if (words.size() == 3 && toNumber(words.at(0), code.number)) {
            const auto source = UidSet::parse(words.at(1));
            const auto destination = UidSet::parse(words.at(2));
            ok = source && destination;
            if (ok) {
                code.sourceUids = *source;
                code.uids = *destination;
            }
        } else {
            ok = false;
        }
        break;
    default: break;
    }
    if (!ok) {
        code.kind = K::Unknown;
        code.number = 0;
        code.list.clear();
        code.uids = {};
        code.sourceUids = {};
    }
    return code;
}

void ResponseReader::untagged(Response &out)
{
    const char c = peek();
    if (c >= '0' && c <= '9') {
        const std::uint32_t n = number32();
        sp();
        const QByteArrayView word = atom();
        if (equalsUpper(word, "FETCH")) {
            sp();
            Fetch &f = out.emplace<Fetch>();
            f.seq = n;
            fetch(f);
            return;
        }
        if (equalsUpper(word, "EXISTS")) {
            expectEnd();
            out = Exists{n};
            return;
        }
        if (equalsUpper(word, "RECENT")) {
            expectEnd();
            out = Recent{n};
            return;
        }
        if (equalsUpper(word, "EXPUNGE")) {
            expectEnd();
            out = Expunge{n};
            return;
        }
        Unknown u;
        u.name = upperBytes(word);
        u.number = n;
        u.raw = QByteArray(m_begin, m_end - m_begin);
        out = std::move(u);
        return;
    }
    out = keyword();
}

Response ResponseReader::keyword()
{
    const QByteArrayView word = atom();
    if (const std::optional<Status> status = statusKeyword(word))
        return statusTail({}, *status);
    if (equalsUpper(word, "CAPABILITY") || equalsUpper(word, "ENABLED")) {
        QList<QByteArray> caps;
        skipSpaces();
        while (!atEnd()) {
            caps.append(upperBytes(atom(true)));
            if (caps.size() > Limits::MaxListElements)
                fail("too many capabilities");
            skipSpaces();
        }
        if (equalsUpper(word, "ENABLED"))
            return Enabled{std::move(caps)};
        return Capability{std::move(caps)};
    }
    if (equalsUpper(word, "LIST") || equalsUpper(word, "LSUB") || equalsUpper(word, "XLIST")) {
        sp();
        return listEntry(equalsUpper(word, "LSUB"));
    }
    if (equalsUpper(word, "STATUS")) {
        sp();
        return status();
    }
    if (equalsUpper(word, "FLAGS")) {
        sp();
        Flags f{flagList()};
        expectEnd();
        return f;
    }
    if (equalsUpper(word, "SEARCH") || equalsUpper(word, "SORT"))
        return search();
    if (equalsUpper(word, "ESEARCH"))
        return esearch();
    if (equalsUpper(word, "VANISHED")) {
        sp();
        Vanished v;
        if (peek() == '(') {
            list([&] {
                if (equalsUpper(atom(), "EARLIER"))
                    v.earlier = true;
            });
            sp();
        }
        const char *start = m_p;
        const QByteArrayView setText = atom();
        const auto set = UidSet::parse(setText);
        if (!set) {
            m_p = start;
            fail("invalid UID set in VANISHED");
        }
        v.uids = *set;
        expectEnd();
        return v;
    }
    if (equalsUpper(word, "ID")) {
        sp();
        return id();
    }
    if (equalsUpper(word, "NAMESPACE")) {
        sp();
        return namespaces();
    }
    if (equalsUpper(word, "QUOTA")) {
        sp();
        return quota();
    }
    if (equalsUpper(word, "QUOTAROOT")) {
        sp();
        return quotaRoot();
    }
    Unknown u;
    u.name = upperBytes(word);
    u.raw = QByteArray(m_begin, m_end - m_begin);
    return u;
}

ListEntry ResponseReader::listEntry(bool lsub)
{
    ListEntry e;
    e.lsub = lsub;
    list([&] { e.attributes.append(flag()); });
    sp();
    e.delimiter = delimiter();
    sp();
    e.mailbox = mailbox();
    skipSpaces();
    if (peek() == '(') {
        // RFC 5258 mbox-list-extended: ("CHILDINFO" ("SUBSCRIBED")) ("OLDNAME" ("old"))
        list([&] {
            const QByteArray label = upperBytes(astring());
            sp();
            if (label == "CHILDINFO") {
                list([&] { e.childInfo.append(upperBytes(astring())); });
            } else if (label == "OLDNAME") {
                list([&] { e.oldName = mailbox(); });
            } else {
                skipValue();
            }
        });
    }
    expectEnd();
    return e;
}

MailboxStatus ResponseReader::status()
{
    MailboxStatus s;
    s.mailbox = mailbox();
    sp();
    list([&] {
        const QByteArrayView name = atom();
        sp();
        if (equalsUpper(name, "MESSAGES"))
            s.messages = number32();
        else if (equalsUpper(name, "RECENT"))
            s.recent = number32();
        else if (equalsUpper(name, "UIDNEXT"))
            s.uidNext = number32();
        else if (equalsUpper(name, "UIDVALIDITY"))
            s.uidValidity = number32();
        else if (equalsUpper(name, "UNSEEN"))
            s.unseen = number32();
        else if (equalsUpper(name, "DELETED"))
            s.deleted = number32();
        else if (equalsUpper(name, "SIZE"))
            s.size = number64();
        else if (equalsUpper(name, "HIGHESTMODSEQ"))
            s.highestModSeq = number64();
        else
            skipValue();
    });
    expectEnd();
    return s;
}

Search ResponseReader::search()
{
    Search s;
    skipSpaces();
    while (!atEnd()) {
        if (peek() == '(') {
            // (MODSEQ n), RFC 7162 §3.1.5
            list([&] {
                const QByteArrayView name = atom();
                sp();
                if (equalsUpper(name, "MODSEQ"))
                    s.modSeq = number64();
                else
                    skipValue();
            });
        } else {
            s.ids.append(number32());
        }
        skipSpaces();
    }
    return s;
}

ESearch ResponseReader::esearch()
{
    ESearch e;
    skipSpaces();
    if (peek() == '(') {
        list([&] {
            const QByteArrayView name = atom();
            sp();
            if (equalsUpper(name, "TAG"))
                e.tag = astring();
            else
                skipValue();
        });
        skipSpaces();
    }
    int items = 0;
    while (!atEnd()) {
        countElement(items);
        const QByteArrayView name = atom();
        if (equalsUpper(name, "UID")) {
            e.uid = true;
            skipSpaces();
            continue;
        }
        sp();
        if (equalsUpper(name, "MIN")) {
            e.min = number32();
        } else if (equalsUpper(name, "MAX")) {
            e.max = number32();
        } else if (equalsUpper(name, "COUNT")) {
            e.count = number32();
        } else if (equalsUpper(name, "MODSEQ")) {
            e.modSeq = number64();
        } else if (equalsUpper(name, "ALL")) {
            const char *start = m_p;
            const auto set = UidSet::parse(atom());
            if (!set) {
                m_p = start;
                fail("invalid sequence set in ESEARCH ALL");
            }
            e.all = *set;
        } else {
            skipValue();
        }
        skipSpaces();
    }
    return e;
}

Id ResponseReader::id()
{
    Id result;
    if (isNil()) {
        m_p += 3;
        expectEnd();
        return result;
    }
    list([&] {
        QByteArray key = string();
        sp();
        StringValue v = value(true, false);
        result.fields.append(
            {std::move(key), v.nil ? std::nullopt : std::optional<QByteArray>(std::move(v.bytes))});
    });
    expectEnd();
    return result;
}

QList<NamespaceDescription> ResponseReader::namespaceList()
{
    QList<NamespaceDescription> out;
    if (isNil()) {
        m_p += 3;
        return out;
    }
    list([&] {
        list([&] {
            NamespaceDescription d;
            d.prefix = string();
            sp();
            d.delimiter = delimiter();
            skipSpaces();
            // namespace-response-extensions
            while (peek() != ')' && !atEnd()) {
                skipValue();
                skipSpaces();
            }
            out.append(d);
        });
    });
    return out;
}

Namespace ResponseReader::namespaces()
{
    Namespace n;
    n.personal = namespaceList();
    sp();
    n.otherUsers = namespaceList();
    sp();
    n.shared = namespaceList();
    expectEnd();
    return n;
}

Quota ResponseReader::quota()
{
    Quota q;
    q.root = astring();
    sp();
    list([&] {
        QuotaResource r;
        r.name = upperBytes(atom());
        sp();
        r.usage = number64();
        sp();
        r.limit = number64();
        q.resources.append(r);
    });
    expectEnd();
    return q;
}

QuotaRoot ResponseReader::quotaRoot()
{
    QuotaRoot q;
    q.mailbox = mailbox();
    skipSpaces();
    while (!atEnd()) {
        q.roots.append(astring());
        if (q.roots.size() > Limits::MaxListElements)
            fail("too many quota roots");
        skipSpaces();
    }
    return q;
}

void ResponseReader::fetch(Fetch &f)
{
    list([&] { fetchItem(f); });
    expectEnd();
}

void ResponseReader::fetchItem(Fetch &f)
{
    const char *nameStart = m_p;
    const QByteArrayView name = atom(false);
    auto readSection = [&](BodySection::Kind kind, bool bracketed) {
        BodySection s;
        s.kind = kind;
        if (bracketed) {
            s.section = this->section();
            if (peek() == '<')
                s.origin = skipOrigin();
        }
        // Yandex sends "BODY[2] )" for an empty part: read the missing value as empty.
        if (peek() == ' ')
            skipSpaces();
        if (peek() == ')' || atEnd()) {
            f.sections.append(std::move(s));
            return;
        }
        StringValue v = value(true, false);
        s.isNil = v.nil;
        s.streamed = v.streamed;
        s.size = v.size;
        s.data = std::move(v.bytes);
        f.sections.append(std::move(s));
    };

    if (equalsUpper(name, "UID")) {
        sp();
        f.uid = number32();
    } else if (equalsUpper(name, "FLAGS")) {
        sp();
        f.flags = flagList();
    } else if (equalsUpper(name, "INTERNALDATE")) {
        sp();
        QByteArray scratch;
        f.internalDate = internalDate(token(scratch));
    } else if (equalsUpper(name, "RFC822.SIZE")) {
        sp();
        f.rfc822Size = lenientNumber();
    } else if (equalsUpper(name, "ENVELOPE")) {
        sp();
        envelope(f.envelope.emplace());
    } else if (equalsUpper(name, "BODYSTRUCTURE")) {
        sp();
        body(f.bodyStructure.emplace());
    } else if (equalsUpper(name, "BODY")) {
        if (peek() == '[') {
            readSection(BodySection::Kind::Body, true);
        } else {
            sp();
            body(f.bodyStructure.emplace());
        }
    } else if (equalsUpper(name, "BINARY")) {
        readSection(BodySection::Kind::Binary, true);
    } else if (equalsUpper(name, "BINARY.SIZE")) {
        QByteArray s = this->section();
        sp();
        f.binarySizes.append({std::move(s), number64()});
    } else if (equalsUpper(name, "RFC822")) {
        readSection(BodySection::Kind::Rfc822, false);
    } else if (equalsUpper(name, "RFC822.HEADER")) {
        readSection(BodySection::Kind::Rfc822Header, false);
    } else if (equalsUpper(name, "RFC822.TEXT")) {
        readSection(BodySection::Kind::Rfc822Text, false);
    } else if (equalsUpper(name, "MODSEQ")) {
        sp();
        list([&] { f.modSeq = number64(); });
    } else if (equalsUpper(name, "X-GM-MSGID")) {
        sp();
        f.gmailMessageId = number64();
    } else if (equalsUpper(name, "X-GM-THRID")) {
        sp();
        f.gmailThreadId = number64();
    } else if (equalsUpper(name, "X-GM-LABELS")) {
        sp();
        QList<QByteArray> labels;
        list([&] {
            if (peek() == '\\')
                labels.append(flag());
            else
                labels.append(astring());
        });
        f.gmailLabels = std::move(labels);
    } else {
        m_p = nameStart;
        const QByteArrayView unknown = atom(false);
        f.unknownItems.append(upperBytes(unknown));
        if (peek() == '[') {
            section();
            if (peek() == '<')
                skipOrigin();
        }
        if (peek() == ' ') {
            sp();
            if (peek() != ')')
                skipValue();
        }
    }
}

std::optional<QDateTime> ResponseReader::internalDate(QByteArrayView t)
{
    // date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
    // "17-Jul-1996 02:44:25 -0700"; the day may be " 1" or "1".
    while (!t.isEmpty() && t.front() == ' ')
        t = t.sliced(1);
    // Every field has at most four digits (the year): more would overflow int.
    auto digits = [](QByteArrayView v, int &out) {
        out = 0;
        if (v.isEmpty() || v.size() > 4)
            return false;
        for (char c : v) {
            if (c < '0' || c > '9')
                return false;
            out = out * 10 + (c - '0');
        }
        return true;
    };
    const qsizetype dash1 = t.indexOf('-');
    if (dash1 < 1 || dash1 > 2 || t.size() < dash1 + 1 + 3 + 1 + 4 + 1 + 8 + 1 + 5)
        return std::nullopt;
    int day = 0, year = 0, hour = 0, minute = 0, second = 0, zone = 0;
    static const char months[] = "JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC";
    char month[4] = {0, 0, 0, 0};
    for (int i = 0; i < 3; ++i) {
        const char c = t.at(dash1 + 1 + i);
        month[i] = (c >= 'a' && c <= 'z') ? char(c - 'a' + 'A') : c;
        if (month[i] < 'A' || month[i] > 'Z')
            return std::nullopt;
    }
    const char *found = std::strstr(months, month);
    const qsizetype p = dash1 + 4;
    if (!digits(t.first(dash1), day) || !found || (found - months) % 3 != 0 || t.at(p) != '-' ||
        !digits(t.sliced(p + 1, 4), year) || t.at(p + 5) != ' ' || !digits(t.sliced(p + 6, 2), hour) ||
        t.at(p + 8) != ':' || !digits(t.sliced(p + 9, 2), minute) || t.at(p + 11) != ':' ||
        !digits(t.sliced(p + 12, 2), second) || t.at(p + 14) != ' ' ||
        (t.at(p + 15) != '+' && t.at(p + 15) != '-') || !digits(t.sliced(p + 16, 4), zone))
        return std::nullopt;
    const QDate date(year, int((found - months) / 3) + 1, day);
    const QTime time(hour, minute, second);
    if (!date.isValid() || !time.isValid())
        return std::nullopt;
    const int offset = ((zone / 100) * 60 + zone % 100) * 60 * (t.at(p + 15) == '-' ? -1 : 1);
    return QDateTime(date, time, Qt::UTC).addSecs(-offset);
}

QList<Address> ResponseReader::addressList()
{
    if (isNil()) {
        m_p += 3;
        return {};
    }
    QVarLengthArray<Address, 8> out;
    list([&] {
        // Tolerate a NIL inside the list (seen from broken servers) by skipping it.
        if (isNil()) {
            m_p += 3;
            return;
        }
        Depth guard(*this);
        expect('(');
        Address &a = out.emplace_back();
        skipSpaces();
        a.name = nstring();
        sp();
        a.adl = nstring();
        sp();
        a.mailbox = nstring();
        sp();
        a.host = nstring();
        skipSpaces();
        expect(')');
    });
    return exactList(out);
}

void ResponseReader::envelope(Envelope &e)
{
    Depth guard(*this);
    expect('(');
    skipSpaces();
    // Fields are positional; tolerate a short envelope ending early (missing trailing NILs).
    auto more = [&] {
        skipSpaces();
        return peek() != ')';
    };
    auto field = [&](QByteArray &out) {
        if (more())
            out = nstringOrAtom(true);
    };
    auto addresses = [&](QList<Address> &out) {
        if (more())
            out = addressList();
    };
    field(e.date);
    field(e.subject);
    addresses(e.from);
    addresses(e.sender);
    addresses(e.replyTo);
    addresses(e.to);
    addresses(e.cc);
    addresses(e.bcc);
    field(e.inReplyTo);
    field(e.messageId);
    while (more()) {
        if (atEnd())
            fail("unterminated envelope");
        skipValue();
    }
    expect(')');
}

QList<BodyParameter> ResponseReader::parameters()
{
    if (peek() != '(') {
        // NIL, or a stray string where a list belongs: no parameters.
        skipValue();
        return {};
    }
    QVarLengthArray<BodyParameter, 8> out;
    bool isName = true;
    QByteArray scratch;
    list([&] {
        if (peek() == '(') {
            skipValue(); // a list where a name or value belongs: ignored
            return;
        }
        if (isName) {
            out.append(BodyParameter{upperBytes(token(scratch)), QByteArray()});
        } else {
            out.last().value = nstringOrAtom(true);
        }
        isName = !isName;
    });
    if (!isName)
        out.removeLast(); // an odd trailing name without a value
    return exactList(out);
}

// body = "(" (body-type-1part / body-type-mpart) ")"; RFC 3501 §9 and RFC 9051 §9, read
// leniently: any field may be missing at the end, numbers may be NIL, quoted, negative or
// floating point, and strings may be atoms or lower case. Unknown trailing data is skipped.
void ResponseReader::body(BodyStructure &b)
{
    Depth guard(*this);
    expect('(');
    skipSpaces();
    auto more = [&] {
        skipSpaces();
        if (atEnd())
            fail("unterminated body structure");
        return peek() != ')';
    };
    auto text = [&]() -> QByteArray {
        if (peek() == '(') {
            skipValue();
            return {};
        }
        return nstringOrAtom(true);
    };
    QByteArray scratch;
    auto upperText = [&]() -> QByteArray {
        if (peek() == '(') {
            skipValue();
            return {};
        }
        return upperBytes(token(scratch));
    };

    if (peek() == '(') {
        b.type = QByteArrayLiteral("MULTIPART");
        b.parts.reserve(4); // one allocation for the usual 2-4 children instead of three
        int children = 0;
        while (peek() == '(') {
            countElement(children);
            body(b.parts.emplace_back());
            skipSpaces();
        }
        if (more())
            b.subtype = upperText();
        if (more())
            b.parameters = parameters();
        bodyExtension(b);
        expect(')');
        return;
    }

    b.type = upperText();
    if (more())
        b.subtype = upperText();
    if (more())
        b.parameters = parameters();
    if (more())
        b.id = text();
    if (more())
        b.description = text();
    if (more())
        b.encoding = upperText();
    if (more())
        b.size = lenientNumber();
    const bool isMessage = b.type == "MESSAGE" && (b.subtype == "RFC822" || b.subtype == "GLOBAL");
    if (isMessage && more() && peek() == '(') {
        envelope(b.envelope.emplace());
        if (more()) {
            if (peek() == '(')
                body(b.parts.emplace_back());
            else
                skipValue();
        }
        if (more())
            b.lines = lenientNumber();
    } else if (b.type == "TEXT" && more() && peek() != '(') {
        b.lines = lenientNumber();
    }
    if (more())
        b.md5 = text();
    bodyExtension(b);
    expect(')');
}

// Extension data after the subtype/params (multipart) or md5 (single part):
// disposition, language, location, then anything else (skipped).
void ResponseReader::bodyExtension(BodyStructure &b)
{
    auto more = [&] {
        skipSpaces();
        if (atEnd())
            fail("unterminated body structure");
        return peek() != ')';
    };
    if (more()) {
        if (peek() == '(') {
            Depth guard(*this);
            expect('(');
            skipSpaces();
            if (peek() != ')') {
                if (peek() == '(')
                    skipValue();
                else
                    b.disposition = upperBytes(value(true, true).bytes);
                skipSpaces();
                if (peek() != ')')
                    b.dispositionParameters = parameters();
                skipSpaces();
                while (peek() != ')') {
                    if (atEnd())
                        fail("unterminated disposition");
                    skipValue();
                    skipSpaces();
                }
            }
            expect(')');
        } else {
            // NIL, or a bare string where the disposition list belongs (seen in the wild).
            StringValue v = value(true, true);
            if (!v.nil)
                b.disposition = upperBytes(v.bytes);
        }
    }
    if (more()) {
        if (peek() == '(') {
            list([&] {
                if (peek() == '(')
                    skipValue();
                else
                    b.language.append(value(true, true).bytes);
            });
        } else {
            StringValue v = value(true, true);
            if (!v.nil)
                b.language.append(std::move(v.bytes));
        }
    }
    if (more()) {
        if (peek() == '(')
            skipValue();
        else
            b.location = value(true, true).bytes;
    }
    while (more())
        skipValue();
}

} // namespace

// ---------------------------------------------------------------------------------------------

class Parser::Private
{
public:
    enum class State { Line, Literal };
    enum class Kind { Unclassified, Text, Fetch, Other };

    ResponseHandler handler;
    std::deque<Response> queue;
    /// Cleared when the Parser is destroyed, so feed() can stop safely when a handler or sink
    /// destroys the parser (e.g. a session reconnecting on BYE) while feed() is on the stack.
    std::shared_ptr<bool> alive = std::make_shared<bool>(true);
    BodySink *sink = nullptr;
    bool utf8 = false;
    bool expectGreeting = true;
    bool greetingSeen = false;
    std::optional<ParseError> error;
    FlagListCache flagCache;

    std::uint64_t consumed = 0;      ///< stream offset of the next byte to read
    std::uint64_t responseStart = 0; ///< stream offset of the current response's first byte
    QByteArray response;             ///< the current response, minus streamed literal content
    qsizetype lineStart = 0;         ///< where the current line begins in `response`
    qsizetype lineBytes = 0;         ///< bytes outside literals in this response
    std::uint64_t literalBytes = 0;  ///< bytes of in-memory literals in this response
    QList<StreamedLiteral> streamed;
    State state = State::Line;
    std::uint64_t literalRemaining = 0;
    bool literalToSink = false;
    Kind kind = Kind::Unclassified;
    std::uint32_t fetchSeq = 0;

    void feed(QByteArrayView bytes);
    void lineComplete();
    void complete(QByteArrayView data);
    void resetResponse();
    void classify(QByteArrayView firstLine);
    std::optional<BodyStreamInfo> bodyItemBefore(qsizetype markerPosition) const;
    void fail(std::uint64_t offset, QByteArrayView context, qsizetype contextPosition, QString reason);
    std::uint64_t streamOffset(qsizetype responsePosition) const;
};

void Parser::Private::fail(std::uint64_t offset, QByteArrayView context, qsizetype contextPosition,
                           QString reason)
{
    if (literalToSink && sink && state == State::Literal)
        sink->end();
    error = ParseError{offset, excerptAround(context, contextPosition), std::move(reason)};
}

std::uint64_t Parser::Private::streamOffset(qsizetype responsePosition) const
{
    std::uint64_t offset = responseStart + std::uint64_t(responsePosition);
    for (const StreamedLiteral &s : streamed) {
        if (s.position <= responsePosition)
            offset += s.size;
    }
    return offset;
}

void Parser::Private::resetResponse()
{
    // Keep a modest buffer for the next response; give back what a huge one needed.
    if (response.capacity() > 1024 * 1024)
        response = QByteArray();
    else
        response.resize(0);
    lineStart = 0;
    lineBytes = 0;
    literalBytes = 0;
    streamed.clear();
    kind = Kind::Unclassified;
    fetchSeq = 0;
    responseStart = consumed;
}

void Parser::Private::feed(QByteArrayView bytes)
{
    const std::shared_ptr<bool> stillAlive = alive;
    const char *p = bytes.data();
    const char *const e = p + bytes.size();
    while (p < e && !error) {
        if (state == State::Literal) {
            const auto take = qsizetype(std::min<std::uint64_t>(literalRemaining, std::uint64_t(e - p)));
            if (literalToSink) {
                sink->data(QByteArrayView(p, take));
                if (!*stillAlive)
                    return;
            } else {
                response.append(p, take);
            }
            p += take;
            consumed += std::uint64_t(take);
            literalRemaining -= std::uint64_t(take);
            if (literalRemaining == 0) {
                if (literalToSink) {
                    sink->end();
                    if (!*stillAlive)
                        return;
                }
                literalToSink = false;
                state = State::Line;
                lineStart = response.size();
            }
            continue;
        }

        const auto *lf = static_cast<const char *>(std::memchr(p, '\n', std::size_t(e - p)));
        if (!lf) {
            const qsizetype n = e - p;
            if (lineBytes + n > Limits::MaxLineBytes) {
                const qsizetype over = Limits::MaxLineBytes - lineBytes;
                fail(consumed + std::uint64_t(over), QByteArrayView(p, n), over,
                     QStringLiteral("response longer than %1 bytes outside literals")
                         .arg(Limits::MaxLineBytes));
                return;
            }
            response.append(p, n);
            lineBytes += n;
            consumed += std::uint64_t(n);
            return;
        }
        const qsizetype n = lf + 1 - p;
        if (lineBytes + n > Limits::MaxLineBytes) {
            const qsizetype over = Limits::MaxLineBytes - lineBytes;
            fail(consumed + std::uint64_t(over), QByteArrayView(p, n), over,
                 QStringLiteral("response longer than %1 bytes outside literals").arg(Limits::MaxLineBytes));
            return;
        }
        // Fast path: a whole response in this chunk, CRLF-terminated, no literal marker at its end.
        if (response.isEmpty() && n >= 2 && lf[-1] == '\r' && !(n >= 3 && lf[-2] == '}')) {
            responseStart = consumed;
            consumed += std::uint64_t(n);
            p = lf + 1;
            complete(QByteArrayView(p - n, n));
            if (!*stillAlive)
                return;
            resetResponse();
            continue;
        }
        response.append(p, n - 1);
        if (response.endsWith('\r'))
            response.append('\n');
        else
            response.append("\r\n", 2); // tolerate a bare LF
        lineBytes += n;
        consumed += std::uint64_t(n);
        p = lf + 1;
        lineComplete();
        if (!*stillAlive)
            return;
    }
}

void Parser::Private::classify(QByteArrayView line)
{
    kind = Kind::Other;
    if (line.startsWith('+')) {
        kind = Kind::Text;
        return;
    }
    auto token = [&line](qsizetype from) {
        qsizetype to = from;
        while (to < line.size() && line.at(to) != ' ' && line.at(to) != '\r')
            ++to;
        return line.sliced(from, to - from);
    };
    const QByteArrayView first = token(0);
    if (first.isEmpty() || first.size() + 1 >= line.size())
        return;
    const QByteArrayView second = token(first.size() + 1);
    if (statusKeyword(second)) {
        kind = Kind::Text;
        return;
    }
    if (first == "*" && !second.isEmpty() && second.front() >= '0' && second.front() <= '9') {
        const qsizetype thirdStart = first.size() + 1 + second.size() + 1;
        if (thirdStart < line.size() && equalsUpper(token(thirdStart), "FETCH")) {
            bool ok = false;
            const qulonglong seq = QByteArray(second.data(), second.size()).toULongLong(&ok);
            if (ok && seq <= 0xFFFFFFFFull) {
                kind = Kind::Fetch;
                fetchSeq = std::uint32_t(seq);
            }
        }
    }
}

std::optional<BodyStreamInfo> Parser::Private::bodyItemBefore(qsizetype marker) const
{
    // Looks backwards from the literal marker for "BODY[section]<origin> ", "BINARY[section] " or
    // "RFC822[.TEXT|.HEADER] " within the current line.
    const char *const lineBegin = response.constData() + lineStart;
    const char *q = response.constData() + marker;
    if (q == lineBegin || q[-1] != ' ')
        return std::nullopt;
    --q;
    while (q > lineBegin && q[-1] == ' ')
        --q;
    BodyStreamInfo info;
    if (q > lineBegin && q[-1] == '>') {
        const char *close = q - 1;
        const char *digitStart = close;
        while (digitStart > lineBegin && digitStart[-1] >= '0' && digitStart[-1] <= '9')
            --digitStart;
        if (digitStart == close || digitStart == lineBegin || digitStart[-1] != '<')
            return std::nullopt;
        bool ok = false;
        const qulonglong origin = QByteArray(digitStart, close - digitStart).toULongLong(&ok);
        if (!ok || origin > 0xFFFFFFFFull)
            return std::nullopt;
        info.origin = std::uint32_t(origin);
        q = digitStart - 1;
    }
    if (q > lineBegin && q[-1] == ']') {
        const char *close = q - 1;
        const char *open = close;
        while (open > lineBegin && *open != '[')
            --open;
        if (*open != '[')
            return std::nullopt;
        const char *nameEnd = open;
        const char *nameBegin = nameEnd;
        while (nameBegin > lineBegin && nameBegin[-1] != ' ' && nameBegin[-1] != '(')
            --nameBegin;
        const QByteArrayView name(nameBegin, nameEnd - nameBegin);
        if (equalsUpper(name, "BODY"))
            info.kind = BodySection::Kind::Body;
        else if (equalsUpper(name, "BINARY"))
            info.kind = BodySection::Kind::Binary;
        else
            return std::nullopt;
        info.section = QByteArray(open + 1, close - open - 1);
        return info;
    }
    if (info.origin)
        return std::nullopt;
    const char *nameEnd = q;
    const char *nameBegin = nameEnd;
    while (nameBegin > lineBegin && nameBegin[-1] != ' ' && nameBegin[-1] != '(')
        --nameBegin;
    const QByteArrayView name(nameBegin, nameEnd - nameBegin);
    if (equalsUpper(name, "RFC822"))
        info.kind = BodySection::Kind::Rfc822;
    else if (equalsUpper(name, "RFC822.TEXT"))
        info.kind = BodySection::Kind::Rfc822Text;
    else if (equalsUpper(name, "RFC822.HEADER"))
        info.kind = BodySection::Kind::Rfc822Header;
    else
        return std::nullopt;
    return info;
}

void Parser::Private::lineComplete()
{
    const QByteArrayView line = QByteArrayView(response).sliced(lineStart);
    if (kind == Kind::Unclassified)
        classify(line);

    // A literal marker {n} or ~{n} right before CRLF continues the response (never in resp-text).
    const qsizetype end = line.size() - 2; // before CRLF
    if (kind != Kind::Text && end >= 3 && line.at(end - 1) == '}') {
        qsizetype digitStart = end - 1;
        while (digitStart > 0 && line.at(digitStart - 1) >= '0' && line.at(digitStart - 1) <= '9')
            --digitStart;
        const qsizetype digits = end - 1 - digitStart;
        // {n+} is a client-side marker (RFC 7888); a server must never send it.
        if (digits == 0 && digitStart > 0 && line.at(digitStart - 1) == '+') {
            qsizetype dd = digitStart - 1;
            while (dd > 0 && line.at(dd - 1) >= '0' && line.at(dd - 1) <= '9')
                --dd;
            if (dd > 0 && line.at(dd - 1) == '{') {
                fail(streamOffset(lineStart + dd - 1), line, dd - 1,
                     QStringLiteral("non-synchronising literal {n+} sent by the server"));
                return;
            }
        }
        if (digits > 0 && digitStart > 0 && line.at(digitStart - 1) == '-' && digitStart > 1 &&
            line.at(digitStart - 2) == '{') {
            fail(streamOffset(lineStart + digitStart - 2), line, digitStart - 2,
                 QStringLiteral("negative literal size"));
            return;
        }
        if (digits > 0 && digitStart > 0 && line.at(digitStart - 1) == '{') {
            const qsizetype brace = digitStart - 1;
            std::uint64_t size = 0;
            for (qsizetype i = digitStart; i < end - 1; ++i) {
                const auto digit = std::uint64_t(line.at(i) - '0');
                if (size > (std::numeric_limits<std::int64_t>::max() - digit) / 10) {
                    fail(streamOffset(lineStart + brace), line, brace,
                         QStringLiteral("literal size overflows"));
                    return;
                }
                size = size * 10 + digit;
            }
            const qsizetype markerStart = (brace > 0 && line.at(brace - 1) == '~') ? brace - 1 : brace;
            std::optional<BodyStreamInfo> info;
            if (kind == Kind::Fetch)
                info = bodyItemBefore(lineStart + markerStart);
            bool toSink = false;
            if (info && sink && size > 0) {
                info->seq = fetchSeq;
                info->size = size;
                const std::shared_ptr<bool> stillAlive = alive;
                toSink = sink->begin(*info);
                if (!*stillAlive)
                    return;
            }
            if (!toSink) {
                const std::uint64_t limit = info ? Limits::MaxBufferedBodyBytes : Limits::MaxLiteralBytes;
                if (size > limit || literalBytes + size > Limits::MaxBufferedBodyBytes) {
                    fail(streamOffset(lineStart + brace), line, brace,
                         QStringLiteral("literal of %1 bytes exceeds the limit of %2").arg(size).arg(limit));
                    return;
                }
                literalBytes += size;
                response.reserve(response.size() + qsizetype(std::min<std::uint64_t>(size, 1024 * 1024)));
            } else {
                streamed.append(StreamedLiteral{response.size(), size});
            }
            if (size == 0) {
                lineStart = response.size();
                return;
            }
            state = State::Literal;
            literalRemaining = size;
            literalToSink = toSink;
            return;
        }
    }
    const std::shared_ptr<bool> stillAlive = alive;
    complete(response);
    if (!*stillAlive)
        return;
    resetResponse();
}

void Parser::Private::complete(QByteArrayView data)
{
    Response r;
    try {
        ResponseReader reader(data, streamed, utf8, &flagCache);
        reader.read(r);
    } catch (const Failure &failure) {
        fail(streamOffset(failure.position), data, failure.position, failure.reason);
        return;
    }
    if (expectGreeting && !greetingSeen) {
        greetingSeen = true;
        if (auto *status = std::get_if<StatusResponse>(&r);
            status && status->tag.isEmpty() &&
            (status->status == Status::Ok || status->status == Status::PreAuth ||
             status->status == Status::Bye)) {
            r = Greeting{std::move(*status)};
        }
    }
    if (handler)
        handler(std::move(r));
    else
        queue.push_back(std::move(r));
}

// ---------------------------------------------------------------------------------------------

Parser::Parser()
    : d(std::make_unique<Private>())
{}
Parser::~Parser()
{
    *d->alive = false;
}

void Parser::setResponseHandler(ResponseHandler handler)
{
    d->handler = std::move(handler);
}

void Parser::setBodySink(BodySink *sink)
{
    d->sink = sink;
}

void Parser::setUtf8Accepted(bool accepted)
{
    d->utf8 = accepted;
}

void Parser::setExpectGreeting(bool expect)
{
    d->expectGreeting = expect;
}

bool Parser::feed(QByteArrayView bytes)
{
    if (d->error)
        return false;
    const std::shared_ptr<bool> alive = d->alive;
    d->feed(bytes);
    return *alive && !d->error;
}

bool Parser::hasResponse() const
{
    return !d->queue.empty();
}

std::optional<Response> Parser::takeResponse()
{
    if (d->queue.empty())
        return std::nullopt;
    Response r = std::move(d->queue.front());
    d->queue.pop_front();
    return r;
}

bool Parser::hasError() const
{
    return d->error.has_value();
}

const std::optional<ParseError> &Parser::error() const
{
    return d->error;
}

std::uint64_t Parser::bytesConsumed() const
{
    return d->consumed;
}

bool Parser::isIdle() const
{
    return d->state == Private::State::Line && d->response.isEmpty();
}

std::variant<Response, ParseError> Parser::parseOne(QByteArrayView bytes, bool utf8Accepted)
{
    Parser parser;
    parser.setExpectGreeting(false);
    parser.setUtf8Accepted(utf8Accepted);
    parser.feed(bytes);
    if (parser.error())
        return *parser.error();
    std::optional<Response> r = parser.takeResponse();
    if (!r || !parser.isIdle() || parser.hasResponse()) {
        return ParseError{parser.bytesConsumed(), excerptAround(bytes, bytes.size()),
                          QStringLiteral("expected exactly one complete response")};
    }
    return std::move(*r);
}

} // namespace Tidings::Imap
