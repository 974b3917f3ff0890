// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/sync/headerconversion.h"

#include "core/mime/charset.h"

namespace Tidings::Sync {

namespace {

QString quoteName(const QString &name)
{
    static const QString specials = QStringLiteral("()<>[]:;@\\,.\"");
    bool needsQuote = false;
    for (const QChar c : name) {
        if (specials.contains(c)) {
            needsQuote = true;
            break;
        }
    }
    if (!needsQuote)
        return name;
    QString out = QStringLiteral("\"");
    for (const QChar c : name) {
        if (c == u'"' || c == u'\\')
            out += u'\\';
        out += c;
    }
    out += u'"';
    return out;
}

bool isAscii(QByteArrayView bytes)
{
    for (const char c : bytes) {
        if (static_cast<unsigned char>(c) >= 0x80)
            return false;
    }
    return true;
}

/// Appends @p utf8 as a JSON string, escaped as QJsonDocument escapes it: '"', '\\' and the
/// control characters; every other byte (UTF-8 included) as it is.
void appendJsonString(QByteArray &out, QByteArrayView utf8)
{
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (const char c : utf8) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && c != '"' && c != '\\') {
            out += c;
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
    out += '"';
}

/// Latin-1 protocol bytes, lower-cased, as a JSON string (bytes from IMAP are ASCII in practice:
/// one pass; anything else goes the QString way, as it did when this was built with QJsonObject).
void appendLowerLatin1(QByteArray &out, QByteArrayView latin1)
{
    if (isAscii(latin1)) {
        QByteArray lower = latin1.toByteArray();
        for (char &c : lower) {
            if (c >= 'A' && c <= 'Z')
                c = char(c - 'A' + 'a');
        }
        appendJsonString(out, lower);
        return;
    }
    appendJsonString(out, QString::fromLatin1(latin1).toLower().toUtf8());
}

void appendStructureJson(QByteArray &out, const Imap::BodyStructure &s, int depth)
{
    // A compact, bounded description for the viewer: type, size, encoding, parameters and
    // disposition per node; the store keeps it opaque. Written by hand, byte for byte what
    // QJsonDocument::Compact made of the same QJsonObject (keys sorted, the same escaping):
    // building QJsonObjects cost a fifth of the initial sync's conversion time.
    // Keys in QJsonObject's (sorted) order: charset, disposition, encoding, filename, parts,
    // size, type.
    out += '{';
    bool first = true;
    auto key = [&](const char *name) {
        if (!first)
            out += ',';
        first = false;
        out += '"';
        out += name;
        out += "\":";
    };
    const QByteArray charset = s.parameter("CHARSET");
    if (!charset.isEmpty()) {
        key("charset");
        appendJsonString(out, isAscii(charset) ? QByteArray(charset) : QString::fromLatin1(charset).toUtf8());
    }
    if (!s.disposition.isEmpty()) {
        key("disposition");
        appendLowerLatin1(out, s.disposition);
    }
    if (!s.encoding.isEmpty()) {
        key("encoding");
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
        key("filename");
        appendJsonString(out, Mime::Charset::decodeHeader(file).toUtf8());
    }
    if (!s.parts.empty() && depth < 32) {
        key("parts");
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
    key("size");
    out += QByteArray::number(qint64(s.size));
    key("type");
    QByteArray type = s.type;
    type += '/';
    type += s.subtype;
    appendLowerLatin1(out, type);
    out += '}';
}

QString referencesFrom(const Imap::Fetch &fetch)
{
    for (const Imap::BodySection &section : fetch.sections) {
        if (!section.section.startsWith("HEADER.FIELDS"))
            continue;
        // "References: <a> <b>\r\n\t<c>\r\n\r\n": unfold, drop the field name.
        QByteArray value = section.data;
        const qsizetype colon = value.indexOf(':');
        if (colon < 0)
            return {};
        value = value.mid(colon + 1);
        value.replace("\r\n", "").replace('\n', "").replace('\t', ' ');
        return QString::fromLatin1(value.simplified());
    }
    return {};
}

} // namespace

QByteArray bodyStructureJson(const Imap::BodyStructure &structure)
{
    QByteArray out;
    out.reserve(256);
    appendStructureJson(out, structure, 0);
    return out;
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
    QStringList out;
    for (const Imap::Address &a : addresses) {
        if (a.host.isEmpty())
            continue; // group start or end (RFC 3501 §7.4.2): members follow as plain addresses
        const QString address = QString::fromUtf8(a.mailbox + '@' + a.host);
        const QString name = Mime::Charset::decodeHeader(a.name).trimmed();
        out << (name.isEmpty() ? address : quoteName(name) + QStringLiteral(" <") + address + u'>');
    }
    return out.join(QStringLiteral(", "));
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
        QDateTime date = QDateTime::fromString(QString::fromLatin1(e.date).simplified(), Qt::RFC2822Date);
        if (!date.isValid()) {
            // "Mon, 2 Jan 2026 10:00:00 +0000 (UTC)": drop a trailing comment Qt does not read.
            QString text = QString::fromLatin1(e.date).simplified();
            const qsizetype paren = text.indexOf(u'(');
            if (paren > 0)
                date = QDateTime::fromString(text.left(paren).trimmed(), Qt::RFC2822Date);
        }
        if (date.isValid())
            h.date = date.toUTC();
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
