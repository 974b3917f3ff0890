// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/sync/headerconversion.h"

#include "core/mime/charset.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

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

QJsonValue structureToJson(const Imap::BodyStructure &s, int depth)
{
    // A compact, bounded description for the viewer: type, size, encoding, parameters and
    // disposition per node; the store keeps it opaque.
    QJsonObject o;
    o[QStringLiteral("type")] = QString::fromLatin1(s.type + '/' + s.subtype).toLower();
    o[QStringLiteral("size")] = qint64(s.size);
    if (!s.encoding.isEmpty())
        o[QStringLiteral("encoding")] = QString::fromLatin1(s.encoding).toLower();
    const QByteArray charset = s.parameter("CHARSET");
    if (!charset.isEmpty())
        o[QStringLiteral("charset")] = QString::fromLatin1(charset);
    if (!s.disposition.isEmpty())
        o[QStringLiteral("disposition")] = QString::fromLatin1(s.disposition).toLower();
    QByteArray file;
    for (const Imap::BodyParameter &p : s.dispositionParameters) {
        if (p.name == "FILENAME")
            file = p.value;
    }
    if (file.isEmpty())
        file = s.parameter("NAME");
    if (!file.isEmpty())
        o[QStringLiteral("filename")] = Mime::Charset::decodeHeader(file);
    if (!s.parts.empty() && depth < 32) {
        QJsonArray parts;
        for (const Imap::BodyStructure &p : s.parts)
            parts.append(structureToJson(p, depth + 1));
        o[QStringLiteral("parts")] = parts;
    }
    return o;
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
        return Error::make(Error::Kind::Protocol, QStringLiteral("the server sent a message without a valid UID (seq %1)")
                                                      .arg(fetch.seq));
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
        h.bodyStructure = QJsonDocument(structureToJson(*fetch.bodyStructure, 0).toObject()).toJson(QJsonDocument::Compact);
    }
    return h;
}

std::variant<Store::FlagUpdate, Error> flagUpdateFromFetch(const Imap::Fetch &fetch)
{
    if (!fetch.uid || *fetch.uid == 0)
        return Error::make(Error::Kind::Protocol, QStringLiteral("the server reported flags without a valid UID (seq %1)")
                                                      .arg(fetch.seq));
    Store::FlagUpdate u;
    u.uid = *fetch.uid;
    if (fetch.flags)
        u.flags = Store::flagsFromImap(*fetch.flags, &u.keywords);
    u.modSeq = fetch.modSeq.value_or(0);
    return u;
}

} // namespace Tidings::Sync
