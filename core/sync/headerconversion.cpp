// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/sync/headerconversion.h"

#include "core/mime/charset.h"

#include <QStringList>

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>

namespace Tidings::Sync {

namespace {

bool isNameSpecial(char c)
{
    switch (c) {
    case '(':
    case ')':
    case '<':
    case '>':
    case '[':
    case ']':
    case ':':
    case ';':
    case '@':
    case '\\':
    case ',':
    case '.':
    case '"': return true;
    default: return false;
    }
}

/// Quotes the display name at bytes [@p start, end) of @p out (UTF-8) when it holds a special
/// (RFC 5322 §3.2.3), so Mime::Parser::parseAddresses reads the column back exactly. The
/// specials are ASCII, and no byte of a multi-byte UTF-8 character is ASCII.
void quoteNameIfNeeded(QByteArray &out, qsizetype start)
{
    const QByteArrayView name(out.constData() + start, out.size() - start);
    if (std::none_of(name.begin(), name.end(), isNameSpecial))
        return;
    const QByteArray plain = name.toByteArray();
    out.truncate(start);
    out += '"';
    for (const char c : plain) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    out += '"';
}

/// Printable ASCII only: no control character, nothing above 0x7E.
bool isPrintableAscii(QByteArrayView bytes)
{
    for (const char c : bytes) {
        if (c < 0x20 || c > 0x7E)
            return false;
    }
    return true;
}

/// Appends @p utf8 as the inside of a JSON string, escaped as QJsonDocument escapes it: '"',
/// '\\' and the control characters; every other byte (UTF-8 included) as it is. With @p lower,
/// ASCII capitals are written in lower case.
void appendJsonChars(std::string &out, QByteArrayView utf8, bool lower = false)
{
    static constexpr char hex[] = "0123456789abcdef";
    // Room for the value as it is, written through a pointer (nearly every value needs no
    // escape); from the first byte that does, the rest goes a byte at a time.
    const std::size_t from = out.size();
    out.resize(from + std::size_t(utf8.size()));
    char *o = out.data() + from;
    qsizetype i = 0;
    for (; i < utf8.size(); ++i) {
        const char c = utf8[i];
        if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\')
            break;
        *o++ = lower && c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
    }
    out.resize(std::size_t(o - out.data()));
    for (; i < utf8.size(); ++i) {
        const char c = utf8[i];
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && c != '"' && c != '\\') {
            out += lower && c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
            continue;
        }
        out += '\\';
        switch (c) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '\b': out += 'b'; break;
        case '\f': out += 'f'; break;
        case '\n': out += 'n'; break;
        case '\r': out += 'r'; break;
        case '\t': out += 't'; break;
        default:
            out += "u00";
            out += hex[u >> 4];
            out += hex[u & 0xf];
        }
    }
}

/// Appends @p utf8 as a JSON string (see appendJsonChars).
void appendJsonString(std::string &out, QByteArrayView utf8, bool lower = false)
{
    out += '"';
    appendJsonChars(out, utf8, lower);
    out += '"';
}

void appendJsonText(std::string &out, const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    appendJsonString(out, utf8);
}

/// Latin-1 protocol bytes, lower-cased, as a JSON string (bytes from IMAP are ASCII in practice:
/// one pass; anything else goes the QString way, as it did when this was built with QJsonObject).
void appendLowerLatin1(std::string &out, QByteArrayView latin1)
{
    if (Mime::Charset::isAscii(latin1))
        appendJsonString(out, latin1, true);
    else
        appendJsonText(out, QString::fromLatin1(latin1).toLower());
}

void appendStructureJson(std::string &out, const Imap::BodyStructure &s, int depth)
{
    // A compact, bounded description for the viewer: type, size, encoding, parameters and
    // disposition per node; the store keeps it opaque. Written by hand, byte for byte what
    // QJsonDocument::Compact made of the same QJsonObject (keys sorted, the same escaping):
    // building QJsonObjects cost a fifth of the initial sync's conversion time, and appending
    // to a QByteArray a byte at a time most of what was left.
    // Keys in QJsonObject's (sorted) order: charset, disposition, encoding, filename, parts,
    // size, type.
    out += '{';
    bool first = true;
    // @p name as it is written: quoted, with its colon.
    auto key = [&](std::string_view name) {
        if (!first)
            out += ',';
        first = false;
        out.append(name);
    };
    const QByteArray charset = s.parameter("CHARSET");
    if (!charset.isEmpty()) {
        key("\"charset\":");
        if (Mime::Charset::isAscii(charset))
            appendJsonString(out, charset);
        else
            appendJsonText(out, QString::fromLatin1(charset));
    }
    if (!s.disposition.isEmpty()) {
        key("\"disposition\":");
        appendLowerLatin1(out, s.disposition);
    }
    if (!s.encoding.isEmpty()) {
        key("\"encoding\":");
        appendLowerLatin1(out, s.encoding);
    }
    QByteArray file;
    for (const Imap::BodyParameter &p : s.dispositionParameters) {
        if (p.name == "FILENAME")
            file = p.value;
    }
    if (file.isEmpty())
        file = s.parameter("NAME");
    if (!file.isEmpty()) {
        key("\"filename\":");
        QByteArray name;
        Mime::Charset::appendDecodedHeader(name, file);
        appendJsonString(out, name);
    }
    if (!s.parts.empty() && depth < 32) {
        key("\"parts\":");
        out += '[';
        bool firstPart = true;
        for (const Imap::BodyStructure &p : s.parts) {
            if (!firstPart)
                out += ',';
            firstPart = false;
            appendStructureJson(out, p, depth + 1);
        }
        out += ']';
    }
    key("\"size\":");
    char digits[24];
    const auto written = std::to_chars(digits, digits + sizeof digits, qint64(s.size));
    out.append(digits, written.ptr);
    key("\"type\":");
    if (Mime::Charset::isAscii(s.type) && Mime::Charset::isAscii(s.subtype)) {
        out += '"';
        appendJsonChars(out, s.type, true);
        out += '/';
        appendJsonChars(out, s.subtype, true);
        out += '"';
    } else {
        QByteArray type = s.type;
        type += '/';
        type += s.subtype;
        appendLowerLatin1(out, type);
    }
    out += '}';
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (month 1-12).
qint64 daysFromCivil(int year, int month, int day)
{
    year -= month <= 2 ? 1 : 0;
    const qint64 era = (year >= 0 ? year : year - 399) / 400;
    const qint64 yearOfEra = year - era * 400;
    const qint64 dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const qint64 dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return era * 146097 + dayOfEra - 719468;
}

/// The Date: field in the form nearly every mailer writes, "Mon, 2 Jan 2026 10:00:00 +0100"
/// (day of the week optional, and then right; one or two day digits; seconds; a numeric zone),
/// read straight from the bytes; nullopt for anything else, which goes to Qt's RFC 2822 parser.
/// For every value it accepts it gives what Qt gives (tests/sync/test_sync_initial.cpp checks).
std::optional<qint64> canonicalRfc2822Date(QByteArrayView t)
{
    static constexpr char weekdays[] = "ThuFriSatSunMonTueWed"; // from 1970-01-01, a Thursday
    static constexpr char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    qsizetype i = 0;
    auto digit = [&](int &value) {
        if (i >= t.size() || t[i] < '0' || t[i] > '9')
            return false;
        value = value * 10 + (t[i++] - '0');
        return true;
    };
    auto literal = [&](char c) {
        if (i >= t.size() || t[i] != c)
            return false;
        ++i;
        return true;
    };
    // Three letters against a name in the tables (inline: a QByteArrayView comparison per name
    // was a library call each, 19 of them per date).
    auto sameThree = [](const char *a, const char *name) {
        return a[0] == name[0] && a[1] == name[1] && a[2] == name[2];
    };
    int weekday = -1;
    if (t.size() >= 5 && t[3] == ',' && t[4] == ' ') {
        for (int w = 0; w < 7 && weekday < 0; ++w) {
            if (sameThree(t.data(), weekdays + 3 * w))
                weekday = w;
        }
        if (weekday < 0)
            return std::nullopt;
        i = 5;
    }
    int day = 0;
    if (!digit(day))
        return std::nullopt;
    (void)digit(day);
    if (!literal(' ') || i + 4 > t.size())
        return std::nullopt;
    int month = 0;
    for (int m = 0; m < 12 && month == 0; ++m) {
        if (sameThree(t.data() + i, months + 3 * m))
            month = m + 1;
    }
    i += 3;
    int year = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
    int zoneHours = 0;
    int zoneMinutes = 0;
    if (month == 0 || !literal(' ') || !digit(year) || !digit(year) || !digit(year) || !digit(year) ||
        !literal(' ') || !digit(hour) || !digit(hour) || !literal(':') || !digit(minute) || !digit(minute) ||
        !literal(':') || !digit(second) || !digit(second) || !literal(' ') || i >= t.size())
        return std::nullopt;
    const char sign = t[i++];
    if ((sign != '+' && sign != '-') || !digit(zoneHours) || !digit(zoneHours) || !digit(zoneMinutes) ||
        !digit(zoneMinutes) || i != t.size())
        return std::nullopt;
    static constexpr int monthDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (year < 1000 || day < 1 || day > monthDays[month - 1] || (month == 2 && day == 29 && !leap) ||
        hour > 23 || minute > 59 || second > 59 || zoneHours > 14 || zoneMinutes > 59)
        return std::nullopt;
    const qint64 days = daysFromCivil(year, month, day);
    if (weekday >= 0 && ((days % 7) + 7) % 7 != weekday)
        return std::nullopt;
    const qint64 offset = (zoneHours * 3600 + zoneMinutes * 60) * (sign == '-' ? -1 : 1);
    return days * 86400 + hour * 3600 + minute * 60 + second - offset;
}

/// The Date: field in seconds since the epoch; none when absent or unreadable.
std::optional<qint64> dateFromEnvelope(const QByteArray &raw)
{
    if (std::optional<qint64> seconds = canonicalRfc2822Date(raw))
        return seconds;
    QDateTime date = QDateTime::fromString(QString::fromLatin1(raw).simplified(), Qt::RFC2822Date);
    if (!date.isValid()) {
        // "Mon, 2 Jan 2026 10:00:00 +0000 (UTC)": drop a trailing comment Qt does not read.
        QString text = QString::fromLatin1(raw).simplified();
        const qsizetype paren = text.indexOf(u'(');
        if (paren > 0)
            date = QDateTime::fromString(text.left(paren).trimmed(), Qt::RFC2822Date);
    }
    if (!date.isValid())
        return std::nullopt;
    return date.toSecsSinceEpoch();
}

/// Appends Latin-1 protocol bytes as UTF-8, trimmed as QString::trimmed() trims.
void appendLatin1Trimmed(QByteArray &out, QByteArrayView latin1)
{
    if (!Mime::Charset::isAscii(latin1)) {
        out += QString::fromLatin1(latin1).trimmed().toUtf8();
        return;
    }
    auto space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
    qsizetype first = 0;
    qsizetype end = latin1.size();
    while (first < end && space(latin1[first]))
        ++first;
    while (end > first && space(latin1[end - 1]))
        --end;
    out.append(latin1.data() + first, end - first);
}

/// Appends the References field's value (UTF-8), unfolded and simplified.
void appendReferences(QByteArray &result, const Imap::Fetch &fetch)
{
    for (const Imap::BodySection &section : fetch.sections) {
        if (!section.section.startsWith("HEADER.FIELDS"))
            continue;
        // "References: <a> <b>\r\n\t<c>\r\n\r\n": unfold, drop the field name.
        const QByteArray &data = section.data;
        const qsizetype colon = data.indexOf(':');
        if (colon < 0)
            return;
        // One pass: CRLF and LF dropped, a tab made a space (a lone CR is left to simplified()).
        QByteArray value(data.size() - colon - 1, Qt::Uninitialized);
        char *out = value.data();
        for (qsizetype i = colon + 1; i < data.size(); ++i) {
            const char c = data[i];
            if (c == '\n' || (c == '\r' && i + 1 < data.size() && data[i + 1] == '\n'))
                continue;
            *out++ = c == '\t' ? ' ' : c;
        }
        value.truncate(out - value.constData());
        value = std::move(value).simplified();
        if (Mime::Charset::isAscii(value))
            result += value;
        else
            result += QString::fromLatin1(value).toUtf8();
        return;
    }
}

} // namespace

QByteArray bodyStructureJson(const Imap::BodyStructure &structure)
{
    std::string out;
    out.reserve(512);
    appendStructureJson(out, structure, 0);
    return QByteArray(out.data(), qsizetype(out.size()));
}

Imap::FetchScope headerScope(bool modSeq)
{
    Imap::FetchScope scope;
    scope.flags = true;
    scope.internalDate = true;
    scope.size = true;
    scope.envelope = true;
    scope.bodyStructure = true;
    scope.modSeq = modSeq;
    scope.headerFields = {"REFERENCES"};
    return scope;
}

void appendAddressList(QByteArray &out, const QList<Imap::Address> &addresses)
{
    bool first = true;
    for (const Imap::Address &a : addresses) {
        if (a.host.isEmpty())
            continue; // group start or end (RFC 3501 §7.4.2): members follow as plain addresses
        if (!first)
            out += ", ";
        first = false;
        // The name is decoded where it goes, then quoted there if it needs to be.
        const qsizetype nameStart = out.size();
        if (!a.name.isEmpty()) {
            Mime::Charset::appendDecodedHeader(out, a.name);
            quoteNameIfNeeded(out, nameStart);
        }
        const bool named = out.size() > nameStart;
        if (named)
            out += " <";
        if (isPrintableAscii(a.mailbox) && isPrintableAscii(a.host)) {
            out += a.mailbox;
            out += '@';
            out += a.host;
        } else {
            // A control character in an address would reach the list, and a reply's header.
            out += Mime::Charset::stripControls(QString::fromUtf8(a.mailbox + '@' + a.host)).toUtf8();
        }
        if (named)
            out += '>';
    }
}

QString formatAddressList(const QList<Imap::Address> &addresses)
{
    QByteArray utf8;
    appendAddressList(utf8, addresses);
    return QString::fromUtf8(utf8);
}

bool hasAttachment(const Imap::BodyStructure &structure)
{
    if (structure.disposition == "ATTACHMENT")
        return true;
    if (!structure.isMultipart() && structure.type != "TEXT" && !structure.parameter("NAME").isEmpty())
        return true;
    for (const Imap::BodyStructure &p : structure.parts) {
        if (hasAttachment(p))
            return true;
    }
    return false;
}

Error appendHeaderFromFetch(const Imap::Fetch &fetch, Store::HeaderRows &rows)
{
    using Store::HeaderRows;
    if (!fetch.uid || *fetch.uid == 0)
        return Error::make(
            Error::Kind::Protocol,
            QStringLiteral("the server sent a message without a valid UID (seq %1)").arg(fetch.seq));
    HeaderRows::Row &r = rows.startRow();
    r.uid = *fetch.uid;
    r.modSeq = fetch.modSeq.value_or(0);
    QStringList keywords;
    if (fetch.flags)
        r.flags = Store::flagsFromImap(*fetch.flags, &keywords);
    if (fetch.internalDate && fetch.internalDate->isValid())
        r.internalDate = fetch.internalDate->toSecsSinceEpoch();
    r.size = qint64(fetch.rfc822Size.value_or(0));
    const Imap::Envelope *e = fetch.envelope ? &*fetch.envelope : nullptr;
    if (e)
        r.date = dateFromEnvelope(e->date);
    if (fetch.bodyStructure)
        r.hasAttachments = hasAttachment(*fetch.bodyStructure);

    // The texts, in HeaderRows::Text order, straight into the rows' buffer as UTF-8.
    QByteArray &out = rows.buffer();
    if (!keywords.isEmpty())
        out += keywords.join(u' ').toUtf8();
    rows.endText(HeaderRows::Keywords);
    if (e)
        Mime::Charset::appendDecodedHeader(out, e->subject);
    rows.endText(HeaderRows::Subject);
    if (e)
        appendAddressList(out, e->from);
    rows.endText(HeaderRows::From);
    if (e)
        appendAddressList(out, e->to);
    rows.endText(HeaderRows::To);
    if (e)
        appendAddressList(out, e->cc);
    rows.endText(HeaderRows::Cc);
    if (e)
        appendLatin1Trimmed(out, e->messageId);
    rows.endText(HeaderRows::MessageId);
    if (e)
        appendLatin1Trimmed(out, e->inReplyTo);
    rows.endText(HeaderRows::InReplyTo);
    appendReferences(out, fetch);
    rows.endText(HeaderRows::References);
    rows.endText(HeaderRows::Preview); // none from a header sync
    if (fetch.bodyStructure) {
        // Built in a buffer kept for the thread (appending a byte at a time to a QByteArray is
        // slow), then copied once.
        thread_local std::string json;
        json.clear();
        appendStructureJson(json, *fetch.bodyStructure, 0);
        out.append(json.data(), qsizetype(json.size()));
    }
    rows.endText(HeaderRows::BodyStructure);
    return {};
}

std::variant<Store::MessageHeader, Error> headerFromFetch(const Imap::Fetch &fetch)
{
    Store::HeaderRows rows;
    if (Error e = appendHeaderFromFetch(fetch, rows))
        return e;
    return rows.header(0);
}

std::variant<Store::FlagUpdate, Error> flagUpdateFromFetch(const Imap::Fetch &fetch)
{
    if (!fetch.uid || *fetch.uid == 0)
        return Error::make(
            Error::Kind::Protocol,
            QStringLiteral("the server reported flags without a valid UID (seq %1)").arg(fetch.seq));
    Store::FlagUpdate u;
    u.uid = *fetch.uid;
    if (fetch.flags)
        u.flags = Store::flagsFromImap(*fetch.flags, &u.keywords);
    u.modSeq = fetch.modSeq.value_or(0);
    return u;
}

} // namespace Tidings::Sync
