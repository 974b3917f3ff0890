// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/sync/headerconversion.h"

#include "core/mime/charset.h"

#include <charconv>
#include <optional>
#include <string>
#include <string_view>

namespace Tidings::Sync {

namespace {

bool isNameSpecial(char16_t c)
{
    switch (c) {
    case u'(':
    case u')':
    case u'<':
    case u'>':
    case u'[':
    case u']':
    case u':':
    case u';':
    case u'@':
    case u'\\':
    case u',':
    case u'.':
    case u'"': return true;
    default: return false;
    }
}

/// Appends a display name, quoted when it holds a special (RFC 5322 §3.2.3) so
/// Mime::Parser::parseAddresses reads the column back exactly.
void appendName(QString &out, const QString &name)
{
    bool needsQuote = false;
    for (const QChar c : name) {
        if (isNameSpecial(c.unicode())) {
            needsQuote = true;
            break;
        }
    }
    if (!needsQuote) {
        out += name;
        return;
    }
    out += u'"';
    for (const QChar c : name) {
        if (c == u'"' || c == u'\\')
            out += u'\\';
        out += c;
    }
    out += u'"';
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
        appendJsonText(out, Mime::Charset::decodeHeader(file));
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
std::optional<QDateTime> canonicalRfc2822Date(QByteArrayView t)
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
    return QDateTime::fromSecsSinceEpoch(days * 86400 + hour * 3600 + minute * 60 + second - offset, Qt::UTC);
}

/// The Date: field in UTC; invalid when absent or unreadable.
QDateTime dateFromEnvelope(const QByteArray &raw)
{
    if (std::optional<QDateTime> date = canonicalRfc2822Date(raw))
        return *date;
    QDateTime date = QDateTime::fromString(QString::fromLatin1(raw).simplified(), Qt::RFC2822Date);
    if (!date.isValid()) {
        // "Mon, 2 Jan 2026 10:00:00 +0000 (UTC)": drop a trailing comment Qt does not read.
        QString text = QString::fromLatin1(raw).simplified();
        const qsizetype paren = text.indexOf(u'(');
        if (paren > 0)
            date = QDateTime::fromString(text.left(paren).trimmed(), Qt::RFC2822Date);
    }
    return date.isValid() ? date.toUTC() : QDateTime();
}

QString referencesFrom(const Imap::Fetch &fetch)
{
    for (const Imap::BodySection &section : fetch.sections) {
        if (!section.section.startsWith("HEADER.FIELDS"))
            continue;
        // "References: <a> <b>\r\n\t<c>\r\n\r\n": unfold, drop the field name.
        const QByteArray &data = section.data;
        const qsizetype colon = data.indexOf(':');
        if (colon < 0)
            return {};
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
        return QString::fromLatin1(value.simplified());
    }
    return {};
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

QString formatAddressList(const QList<Imap::Address> &addresses)
{
    QString out;
    // Room for the usual result up front (a decoded name is no longer than its raw form, the
    // rest is the raw address and five characters of punctuation), not one reallocation per
    // append.
    qsizetype room = 0;
    for (const Imap::Address &a : addresses)
        room += a.name.size() + a.mailbox.size() + a.host.size() + 7;
    out.reserve(room);
    bool first = true;
    for (const Imap::Address &a : addresses) {
        if (a.host.isEmpty())
            continue; // group start or end (RFC 3501 §7.4.2): members follow as plain addresses
        if (!first)
            out += QLatin1String(", ");
        first = false;
        const QString name = a.name.isEmpty() ? QString() : Mime::Charset::decodeHeader(a.name);
        if (!name.isEmpty()) {
            appendName(out, name);
            out += QLatin1String(" <");
        }
        if (isPrintableAscii(a.mailbox) && isPrintableAscii(a.host)) {
            out += QLatin1String(a.mailbox);
            out += u'@';
            out += QLatin1String(a.host);
        } else {
            // A control character in an address would reach the list, and a reply's header.
            out += Mime::Charset::stripControls(QString::fromUtf8(a.mailbox + '@' + a.host));
        }
        if (!name.isEmpty())
            out += u'>';
    }
    return out;
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

std::variant<Store::MessageHeader, Error> headerFromFetch(const Imap::Fetch &fetch)
{
    if (!fetch.uid || *fetch.uid == 0)
        return Error::make(
            Error::Kind::Protocol,
            QStringLiteral("the server sent a message without a valid UID (seq %1)").arg(fetch.seq));
    Store::MessageHeader h;
    h.uid = *fetch.uid;
    h.modSeq = fetch.modSeq.value_or(0);
    if (fetch.flags)
        h.flags = Store::flagsFromImap(*fetch.flags, &h.keywords);
    if (fetch.internalDate)
        h.internalDate = *fetch.internalDate;
    h.size = qint64(fetch.rfc822Size.value_or(0));
    if (fetch.envelope) {
        const Imap::Envelope &e = *fetch.envelope;
        h.subject = Mime::Charset::decodeHeader(e.subject);
        h.from = formatAddressList(e.from);
        h.to = formatAddressList(e.to);
        h.cc = formatAddressList(e.cc);
        h.messageId = QString::fromLatin1(e.messageId).trimmed();
        h.inReplyTo = QString::fromLatin1(e.inReplyTo).trimmed();
        h.date = dateFromEnvelope(e.date);
    }
    h.references = referencesFrom(fetch);
    if (fetch.bodyStructure) {
        h.hasAttachments = hasAttachment(*fetch.bodyStructure);
        h.bodyStructure = bodyStructureJson(*fetch.bodyStructure);
    }
    return h;
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
