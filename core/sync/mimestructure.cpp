// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/sync/mimestructure.h"

#include "core/imap/parser.h"

#include <limits>

namespace Tidings::Sync {

namespace {

QString childSection(const QString &parent, int index)
{
    return parent.isEmpty() ? QString::number(index) : parent % u'.' % QString::number(index);
}

bool isMessage(const Imap::BodyStructure &s)
{
    return s.type.compare("MESSAGE", Qt::CaseInsensitive) == 0 &&
           (s.subtype.compare("RFC822", Qt::CaseInsensitive) == 0 ||
            s.subtype.compare("GLOBAL", Qt::CaseInsensitive) == 0) &&
           s.parts.size() == 1;
}

Mime::BodyStructure::Parameters parameters(const QList<Imap::BodyParameter> &list)
{
    Mime::BodyStructure::Parameters out;
    out.reserve(list.size());
    for (const Imap::BodyParameter &p : list)
        out.append({p.name.toLower(), p.value});
    return out;
}

Mime::BodyStructure convert(const Imap::BodyStructure &s, int depth, int maxDepth)
{
    Mime::BodyStructure out;
    out.type = s.type.toLower();
    out.subtype = s.subtype.toLower();
    out.parameters = parameters(s.parameters);
    out.contentId = s.id;
    out.description = s.description;
    out.encoding = s.encoding.toLower();
    out.size = qint64(std::min<std::uint64_t>(s.size, std::uint64_t(std::numeric_limits<qint64>::max())));
    out.disposition = s.disposition.toLower();
    out.dispositionParameters = parameters(s.dispositionParameters);
    if (depth < maxDepth) {
        out.children.reserve(s.parts.size());
        for (const Imap::BodyStructure &child : s.parts)
            out.children.push_back(convert(child, depth + 1, maxDepth));
    }
    return out;
}

void collectDisplay(const Imap::BodyStructure &s, const QString &section, bool inRelated, int depth,
                    QStringList &out)
{
    if (depth > Imap::Limits::MaxDepth)
        return;
    if (s.isMultipart()) {
        const bool related = s.subtype.compare("RELATED", Qt::CaseInsensitive) == 0;
        int index = 0;
        for (const Imap::BodyStructure &child : s.parts)
            collectDisplay(child, childSection(section, ++index), related, depth + 1, out);
        return;
    }
    if (isMessage(s))
        return; // an attachment of its own, read when opened
    const bool attachment = s.disposition.compare("ATTACHMENT", Qt::CaseInsensitive) == 0;
    const bool text = s.type.compare("TEXT", Qt::CaseInsensitive) == 0 &&
                      (s.subtype.compare("PLAIN", Qt::CaseInsensitive) == 0 ||
                       s.subtype.compare("HTML", Qt::CaseInsensitive) == 0);
    if ((text && !attachment) || (inRelated && !s.id.isEmpty()))
        out.append(section);
}

/// Adds "S.HEADER" from the envelope for every encapsulated message whose header is missing.
void addEnvelopeHeaders(const Imap::BodyStructure &s, const QString &section, int depth,
                        QHash<QString, QByteArray> &sections)
{
    if (depth > Imap::Limits::MaxDepth)
        return;
    if (s.isMultipart()) {
        int index = 0;
        for (const Imap::BodyStructure &child : s.parts)
            addEnvelopeHeaders(child, childSection(section, ++index), depth + 1, sections);
        return;
    }
    if (!isMessage(s))
        return;
    const QString headerKey = section + QLatin1String(".HEADER");
    if (!sections.contains(headerKey) && s.envelope)
        sections.insert(headerKey, MimeStructure::headerFromEnvelope(*s.envelope));
    const Imap::BodyStructure &body = s.parts.front();
    addEnvelopeHeaders(body, body.isMultipart() ? section : childSection(section, 1), depth + 1, sections);
}

QByteArray oneLine(QByteArray value)
{
    for (char &c : value) {
        if (c == '\r' || c == '\n' || c == '\0')
            c = ' ';
    }
    return value.trimmed();
}

QByteArray formatAddresses(const QList<Imap::Address> &addresses)
{
    QList<QByteArray> out;
    for (const Imap::Address &a : addresses) {
        if (a.host.isEmpty() || a.mailbox.isEmpty())
            continue; // group start or end marker (RFC 3501 §7.4.2); members follow
        const QByteArray address = oneLine(a.mailbox) + '@' + oneLine(a.host);
        const QByteArray name = oneLine(a.name);
        if (name.isEmpty()) {
            out.append(address);
            continue;
        }
        QByteArray quoted = "\"";
        for (char c : name) {
            if (c == '"' || c == '\\')
                quoted.append('\\');
            quoted.append(c);
        }
        out.append(quoted + "\" <" + address + '>');
    }
    return out.join(", ");
}

} // namespace

Mime::BodyStructure MimeStructure::fromImap(const Imap::BodyStructure &structure, int maxDepth)
{
    return convert(structure, 0, maxDepth);
}

QStringList MimeStructure::displaySections(const Imap::BodyStructure &structure)
{
    QStringList out;
    collectDisplay(structure, structure.isMultipart() ? QString() : QStringLiteral("1"), false, 0, out);
    return out;
}

QHash<QString, QByteArray> MimeStructure::sectionsFrom(const Imap::Fetch &fetch)
{
    QHash<QString, QByteArray> out;
    for (const Imap::BodySection &s : fetch.sections) {
        if (s.isNil || s.streamed || s.origin)
            continue;
        if (s.kind == Imap::BodySection::Kind::Body)
            out.insert(QString::fromLatin1(s.section).toUpper(), s.data);
        else if (s.kind == Imap::BodySection::Kind::Rfc822Header)
            out.insert(QStringLiteral("HEADER"), s.data);
    }
    return out;
}

QByteArray MimeStructure::headerFromEnvelope(const Imap::Envelope &envelope)
{
    QByteArray out;
    auto field = [&out](const char *name, const QByteArray &value) {
        const QByteArray v = oneLine(value);
        if (!v.isEmpty())
            out += QByteArray(name) + ": " + v + "\r\n";
    };
    field("Date", envelope.date);
    field("Subject", envelope.subject);
    field("From", formatAddresses(envelope.from));
    field("Sender", formatAddresses(envelope.sender));
    field("Reply-To", formatAddresses(envelope.replyTo));
    field("To", formatAddresses(envelope.to));
    field("Cc", formatAddresses(envelope.cc));
    field("Message-ID", envelope.messageId);
    field("In-Reply-To", envelope.inReplyTo);
    return out;
}

Mime::Message MimeStructure::build(const QByteArray &header, const Imap::BodyStructure &structure,
                                   QHash<QString, QByteArray> sections, const Mime::ParseLimits &limits)
{
    addEnvelopeHeaders(structure, structure.isMultipart() ? QString() : QStringLiteral("1"), 0, sections);
    return Mime::StructureBuilder::build(header, fromImap(structure, limits.maxDepth + 1), sections, limits);
}

} // namespace Tidings::Sync
