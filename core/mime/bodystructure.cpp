// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/mime/bodystructure.h"

#include "core/mime/messageinternal.h"
#include "core/mime/parser.h"

#include <QRandomGenerator>

namespace Tidings::Mime {

namespace {

// The builder writes the structure out as a MIME entity (the fetched contents in place, the
// missing ones empty) and hands it to Parser::parse: one parser, one tree shape, one set of
// limits and section numbers for both paths.

/// A header value from the server: never a line break or NUL of its own.
QByteArray clean(const QByteArray &value)
{
    QByteArray out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\r' || c == '\n' || c == '\0')
            out.append(' ');
        else
            out.append(c);
    }
    return out.trimmed();
}

QByteArray token(const QByteArray &value, const char *fallback)
{
    QByteArray out;
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (u > 0x20 && u < 0x7F && c != ';' && c != '"' && c != '/' && c != '\\' && c != '=')
            out.append(c);
    }
    return out.isEmpty() ? QByteArray(fallback) : out.toLower();
}

QByteArray quoted(const QByteArray &value)
{
    QByteArray out = "\"";
    for (char c : clean(value)) {
        if (c == '"' || c == '\\')
            out.append('\\');
        out.append(c);
    }
    return out + '"';
}

QByteArray parameterList(const BodyStructure::Parameters &parameters, bool skipBoundary)
{
    QByteArray out;
    for (const auto &[name, value] : parameters) {
        const QByteArray n = token(name, "");
        if (n.isEmpty() || (skipBoundary && n == "boundary"))
            continue;
        out += "; " + n + '=' + quoted(value);
    }
    return out;
}

/// True for header fields the structure describes (they are rewritten from it).
bool isContentField(const QByteArray &name)
{
    const QByteArray lower = name.toLower();
    return lower == "content-type" || lower == "content-transfer-encoding" ||
           lower == "content-disposition" || lower == "content-id" || lower == "content-description" ||
           lower == "mime-version";
}

struct Writer {
    const QHash<QString, QByteArray> &sections;
    const ParseLimits &limits;
    QByteArray out;
    QList<QPair<QString, qint64>> missing; // section, encoded size of parts not fetched
    int counter = 0;
    bool tooDeep = false;
    quint32 salt = QRandomGenerator::global()->generate();

    QByteArray boundary()
    {
        QByteArray b = "=_tidings_" + QByteArray::number(salt, 36) + '_' + QByteArray::number(++counter);
        for (const QByteArray &content : sections) {
            while (content.contains(b))
                b += 'x';
        }
        return b;
    }

    void contentFields(const BodyStructure &s, const QByteArray &boundaryValue)
    {
        const QByteArray type = token(s.type, "application");
        const QByteArray subtype = token(s.subtype, "octet-stream");
        out += "Content-Type: " + type + '/' + subtype + parameterList(s.parameters, true);
        if (!boundaryValue.isEmpty())
            out += "; boundary=\"" + boundaryValue + '"';
        out += "\r\n";
        if (!s.encoding.isEmpty() && type != "multipart")
            out += "Content-Transfer-Encoding: " + token(s.encoding, "7bit") + "\r\n";
        if (!s.disposition.isEmpty())
            out += "Content-Disposition: " + token(s.disposition, "attachment") +
                   parameterList(s.dispositionParameters, false) + "\r\n";
        if (!s.contentId.isEmpty())
            out += "Content-ID: " + clean(s.contentId) + "\r\n";
        if (!s.description.isEmpty())
            out += "Content-Description: " + clean(s.description) + "\r\n";
    }

    void otherFields(const QByteArray &header)
    {
        for (const Detail::RawHeader &h : Detail::splitHeaderBlock(header)) {
            if (isContentField(h.name))
                continue;
            out += clean(h.name) + ':';
            // Keep the folding of the original value, nothing else.
            const QList<QByteArray> lines = h.value.split('\n');
            for (qsizetype i = 0; i < lines.size(); ++i) {
                QByteArray l = lines.at(i);
                if (l.endsWith('\r'))
                    l.chop(1);
                l.replace('\0', ' ');
                l.replace('\r', ' ');
                if (i > 0 && !l.startsWith(' ') && !l.startsWith('\t'))
                    l.prepend(' ');
                out += l + "\r\n";
            }
        }
    }

    /// Writes the entity for s at section (its content fields, then its content).
    void entity(const BodyStructure &s, const QString &section, int depth)
    {
        if (depth > limits.maxDepth + 1) {
            tooDeep = true;
            out += "\r\n";
            return;
        }
        const bool multipart = s.type.compare("multipart", Qt::CaseInsensitive) == 0;
        const bool message = s.type.compare("message", Qt::CaseInsensitive) == 0 &&
                             (s.subtype.compare("rfc822", Qt::CaseInsensitive) == 0 ||
                              s.subtype.compare("global", Qt::CaseInsensitive) == 0) &&
                             s.children.size() == 1;
        const QByteArray b = multipart ? boundary() : QByteArray();
        contentFields(s, b);
        out += "\r\n";
        if (multipart) {
            int index = 0;
            for (const BodyStructure &child : s.children) {
                ++index;
                out += "--" + b + "\r\n";
                entity(child,
                       section.isEmpty() ? QString::number(index) : section % u'.' % QString::number(index),
                       depth + 1);
                out += "\r\n";
            }
            out += "--" + b + "--\r\n";
        } else if (message) {
            const BodyStructure &body = s.children.front();
            otherFields(sections.value(section + QLatin1String(".HEADER")));
            const bool bodyIsMultipart = body.type.compare("multipart", Qt::CaseInsensitive) == 0;
            entity(body, bodyIsMultipart ? section : section + QLatin1String(".1"), depth + 1);
        } else {
            const auto it = sections.constFind(section);
            if (it != sections.constEnd())
                out += it.value();
            else
                missing.append({section, s.size});
        }
    }
};

} // namespace

Message StructureBuilder::build(const QByteArray &header, const BodyStructure &structure,
                                const QHash<QString, QByteArray> &sections, const ParseLimits &limits)
{
    Writer writer{sections, limits, {}, {}, 0, false};
    writer.otherFields(header);
    writer.out += "MIME-Version: 1.0\r\n";
    const bool rootMultipart = structure.type.compare("multipart", Qt::CaseInsensitive) == 0;
    writer.entity(structure, rootMultipart ? QString() : QStringLiteral("1"), 0);

    Message message = Parser::parse(writer.out, limits);
    if (writer.tooDeep)
        Detail::markTooComplex(message, Complexity::TooDeep);
    for (const auto &[section, encodedSize] : std::as_const(writer.missing)) {
        const int index = message.partIndexBySection(section);
        if (index < 0)
            continue;
        Part &part = message.parts[index];
        // Not fetched: no content, and the size the server announced (still encoded) as
        // the best estimate of the decoded one.
        part.source.clear();
        part.contentOffset = 0;
        part.contentLength = -1;
        part.size = part.transferEncoding == "base64" ? encodedSize * 3 / 4 : encodedSize;
    }
    return message;
}

} // namespace Tidings::Mime
