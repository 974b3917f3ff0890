// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/mime/parser.h"

#include "core/mime/charset.h"
#include "core/mime/gmimeglobal.h"
#include "core/mime/messageinternal.h"
#include "core/mime/structurescan.h"

#include <QHash>
#include <QSet>

#include <algorithm>
#include <vector>

namespace Tidings::Mime {

using Detail::GRef;
using Detail::RawHeader;

namespace {

constexpr int kMaxWarnings = 20;
constexpr int kMaxReferences = 500;

/// Warnings the GMime parser reports through its callback.
struct WarningCollector {
    QList<QPair<GMimeParserWarning, QByteArray>> items;
    int dropped = 0;
};

void collectWarning(gint64 /*offset*/, GMimeParserWarning code, const gchar *item, gpointer userData)
{
    auto *collector = static_cast<WarningCollector *>(userData);
    for (const auto &existing : std::as_const(collector->items)) {
        if (existing.first == code)
            return; // one sentence per kind is enough for the user
    }
    if (collector->items.size() >= kMaxWarnings) {
        ++collector->dropped;
        return;
    }
    collector->items.append({code, item ? QByteArray(item).left(200) : QByteArray()});
}

bool isCraftedWarning(GMimeParserWarning code)
{
    switch (code) {
    case GMIME_CRIT_INVALID_HEADER_NAME:
    case GMIME_CRIT_CONFLICTING_HEADER:
    case GMIME_CRIT_CONFLICTING_PARAMETER:
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
    case GMIME_CRIT_NESTING_OVERFLOW:
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
    case GMIME_WARN_MALFORMED_MULTIPART: return true;
    default: return false;
    }
}

QString describeWarning(GMimeParserWarning code, const QByteArray &item)
{
    const QString what = QString::fromUtf8(item).trimmed();
    switch (code) {
    case GMIME_WARN_DUPLICATED_HEADER:
        return QStringLiteral("The header field %1 appears more than once.").arg(what);
    case GMIME_WARN_DUPLICATED_PARAMETER:
        return QStringLiteral("The parameter %1 appears more than once.").arg(what);
    case GMIME_WARN_UNENCODED_8BIT_HEADER:
        return QStringLiteral("A header field contains unencoded 8-bit text.");
    case GMIME_WARN_INVALID_CONTENT_TYPE: return QStringLiteral("A part has an invalid content type.");
    case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE:
        return QStringLiteral("A header field contains malformed encoded words.");
    case GMIME_WARN_INVALID_PARAMETER: return QStringLiteral("A header field has an invalid parameter.");
    case GMIME_WARN_MALFORMED_MULTIPART:
        return QStringLiteral("A multipart has no parts: its boundary never appears.");
    case GMIME_WARN_TRUNCATED_MESSAGE:
        return QStringLiteral("The message is truncated: a closing boundary is missing.");
    case GMIME_WARN_MALFORMED_MESSAGE: return QStringLiteral("The message is malformed.");
    case GMIME_WARN_INVALID_ADDRESS_LIST: return QStringLiteral("An address list is malformed.");
    case GMIME_CRIT_INVALID_HEADER_NAME: return QStringLiteral("A header field has an invalid name.");
    case GMIME_CRIT_CONFLICTING_HEADER:
        return QStringLiteral("The header field %1 appears more than once with different values.").arg(what);
    case GMIME_CRIT_CONFLICTING_PARAMETER:
        return QStringLiteral("The parameter %1 appears more than once with different values.").arg(what);
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY: return QStringLiteral("A multipart has no boundary.");
    case GMIME_CRIT_NESTING_OVERFLOW: return QStringLiteral("The parts are nested too deeply.");
    case GMIME_WARN_PART_WITHOUT_CONTENT: return QStringLiteral("A part ends right after its header.");
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
        return QStringLiteral("A part has neither header nor content.");
    }
    return QStringLiteral("The message has a structural problem.");
}

QByteArray lower(const char *text)
{
    return text ? QByteArray(text).toLower() : QByteArray();
}

QList<RawHeader> rawHeaders(GMimeObject *object)
{
    QList<RawHeader> result;
    GMimeHeaderList *list = g_mime_object_get_header_list(object);
    if (!list)
        return result;
    const int count = g_mime_header_list_get_count(list);
    result.reserve(count);
    for (int i = 0; i < count; ++i) {
        GMimeHeader *header = g_mime_header_list_get_header_at(list, i);
        const char *raw = g_mime_header_get_raw_value(header);
        result.append({QByteArray(g_mime_header_get_name(header)), QByteArray(raw ? raw : "")});
    }
    return result;
}

QList<Header> decodeHeaders(const QList<RawHeader> &raw)
{
    QList<Header> result;
    result.reserve(raw.size());
    for (const RawHeader &h : raw)
        result.append({h.name, Charset::decodeHeader(h.value)});
    return result;
}

const RawHeader *findRaw(const QList<RawHeader> &headers, QByteArrayView name)
{
    for (const RawHeader &h : headers) {
        if (h.name.size() == name.size() && h.name.compare(name, Qt::CaseInsensitive) == 0)
            return &h;
    }
    return nullptr;
}

QByteArray stripAngles(QByteArray id)
{
    id = id.trimmed();
    if (id.startsWith('<') && id.endsWith('>'))
        id = id.mid(1, id.size() - 2);
    // A message id is printable ASCII without white space (RFC 5322 §3.6.4).
    QByteArray clean;
    clean.reserve(id.size());
    for (char c : std::as_const(id)) {
        const auto u = static_cast<unsigned char>(c);
        if (u > 0x20 && u < 0x7F && c != '<' && c != '>')
            clean.append(c);
    }
    return clean;
}

QList<QByteArray> parseReferences(const QByteArray &raw)
{
    QList<QByteArray> result;
    const QByteArray utf8 = Charset::headerToUtf8(raw);
    GMimeReferences *refs = g_mime_references_parse(nullptr, utf8.constData());
    if (!refs)
        return result;
    const int count = g_mime_references_length(refs);
    // Keep the root and the newest ones when a thread is absurdly long.
    for (int i = 0; i < count; ++i) {
        if (count > kMaxReferences && i > 0 && i < count - (kMaxReferences - 1))
            continue;
        const QByteArray id = stripAngles(QByteArray(g_mime_references_get_message_id(refs, i)));
        if (!id.isEmpty())
            result.append(id);
    }
    g_mime_references_free(refs);
    return result;
}

QDateTime parseDate(const QByteArray &raw)
{
    const QByteArray utf8 = Charset::headerToUtf8(raw);
    GDateTime *date = g_mime_utils_header_decode_date(utf8.constData());
    if (!date)
        return {};
    const gint64 seconds = g_date_time_to_unix(date);
    g_date_time_unref(date);
    return QDateTime::fromSecsSinceEpoch(seconds, Qt::UTC);
}

void appendAddresses(InternetAddressList *list, QList<Address> &out, int maxAddresses, bool &truncated,
                     int level)
{
    const int count = internet_address_list_length(list);
    for (int i = 0; i < count; ++i) {
        InternetAddress *ia = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
            if (out.size() >= maxAddresses) {
                truncated = true;
                return;
            }
            Address address;
            QString name = QString::fromUtf8(internet_address_get_name(ia));
            if (name.contains(QLatin1String("=?")))
                name = Charset::decodeHeader(name.toUtf8());
            address.name = Charset::stripControls(name).trimmed();
            address.address =
                Charset::stripControls(
                    QString::fromUtf8(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia))))
                    .trimmed();
            out.append(address);
        } else if (INTERNET_ADDRESS_IS_GROUP(ia) && level == 0) {
            // RFC 5322 groups do not nest; anything deeper is ignored.
            appendAddresses(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)), out, maxAddresses,
                            truncated, level + 1);
        }
        if (truncated)
            return;
    }
}

QList<Address> addressesFrom(const QByteArray &raw, int maxAddresses, bool *truncatedOut)
{
    QList<Address> result;
    bool truncated = false;
    const QByteArray utf8 = Charset::headerToUtf8(raw);
    InternetAddressList *list = internet_address_list_parse(nullptr, utf8.constData());
    if (list) {
        appendAddresses(list, result, maxAddresses, truncated, 0);
        g_object_unref(list);
    }
    if (truncatedOut)
        *truncatedOut = truncated;
    return result;
}

/// Decoded parameter of a Content-Type or Content-Disposition field, read again from the raw
/// value when that holds 8-bit text GMime would decode with its locale fallback.
QString parameterFromRaw(const QList<RawHeader> &headers, QByteArrayView field, const char *parameter,
                         bool disposition)
{
    const RawHeader *raw = findRaw(headers, field);
    if (!raw)
        return {};
    const QByteArray utf8 = Charset::headerToUtf8(raw->value);
    const char *value = nullptr;
    QString result;
    if (disposition) {
        GMimeContentDisposition *d = g_mime_content_disposition_parse(nullptr, utf8.constData());
        if (d) {
            value = g_mime_content_disposition_get_parameter(d, parameter);
            result = QString::fromUtf8(value);
            g_object_unref(d);
        }
    } else {
        GMimeContentType *t = g_mime_content_type_parse(nullptr, utf8.constData());
        if (t) {
            value = g_mime_content_type_get_parameter(t, parameter);
            result = QString::fromUtf8(value);
            g_object_unref(t);
        }
    }
    return result;
}

QString cleanFilename(QString name)
{
    if (name.contains(QLatin1String("=?")))
        name = Charset::decodeHeader(name.toUtf8());
    return Charset::stripControls(name).trimmed();
}

/// Reads the part-level fields shared by every kind of GMime object.
void fillPartFields(Part &part, GMimeObject *object)
{
    const QList<RawHeader> raw = rawHeaders(object);
    part.headers = decodeHeaders(raw);

    GMimeContentType *type = g_mime_object_get_content_type(object);
    if (type) {
        part.contentType = lower(g_mime_content_type_get_media_type(type)) + '/' +
                           lower(g_mime_content_type_get_media_subtype(type));
        part.charset = lower(g_mime_content_type_get_parameter(type, "charset")).trimmed();
    } else {
        part.contentType = QByteArrayLiteral("text/plain");
    }

    GMimeContentDisposition *disposition = g_mime_object_get_content_disposition(object);
    if (disposition) {
        const QByteArray value = lower(g_mime_content_disposition_get_disposition(disposition)).trimmed();
        if (value == "inline")
            part.disposition = Part::Disposition::Inline;
        else if (!value.isEmpty())
            part.disposition = Part::Disposition::Attachment;
    }

    // File name: RFC 2231 filename*= first, then filename=, then Content-Type name=
    // (RFC 2047 inside quotes is decoded too; mailers still send it).
    const RawHeader *rawDisposition = findRaw(raw, "Content-Disposition");
    const RawHeader *rawType = findRaw(raw, "Content-Type");
    const bool eightBit = (rawDisposition && !Charset::isAscii(rawDisposition->value)) ||
                          (rawType && !Charset::isAscii(rawType->value));
    QString filename;
    if (eightBit) {
        filename = parameterFromRaw(raw, "Content-Disposition", "filename", true);
        if (filename.isEmpty())
            filename = parameterFromRaw(raw, "Content-Type", "name", false);
    } else {
        if (disposition)
            filename = QString::fromUtf8(g_mime_content_disposition_get_parameter(disposition, "filename"));
        if (filename.isEmpty() && type)
            filename = QString::fromUtf8(g_mime_content_type_get_parameter(type, "name"));
    }
    part.filename = cleanFilename(filename);

    part.contentId = stripAngles(QByteArray(g_mime_object_get_content_id(object)));
    if (const RawHeader *description = findRaw(raw, "Content-Description"))
        part.description = Charset::decodeHeader(description->value);
}

/// The bytes the parse reads, and the GMime stream over them.
struct Source {
    QByteArray bytes;
    GMimeStream *stream = nullptr;
};

/// Points part at its content as the parser found it: a range of the source when GMime
/// kept the content as a substream of it (a seekable stream is persisted), else a copy of
/// the encoded bytes.
void setEncodedContent(Part &part, GMimePart *leaf, const Source &source)
{
    GMimeDataWrapper *wrapper = g_mime_part_get_content(leaf);
    GMimeStream *stream = wrapper ? g_mime_data_wrapper_get_stream(wrapper) : nullptr;
    if (!stream) {
        part.source.clear();
        part.contentOffset = 0;
        part.contentLength = 0;
        return;
    }
    if (stream->super_stream == source.stream) {
        const qsizetype size = source.bytes.size();
        const qsizetype start = std::clamp<qsizetype>(qsizetype(stream->bound_start), 0, size);
        const qsizetype end =
            stream->bound_end < 0 ? size : std::clamp<qsizetype>(qsizetype(stream->bound_end), start, size);
        part.source = source.bytes;
        part.contentOffset = start;
        part.contentLength = end - start;
        return;
    }
    // Not a range of the source (a GMime that does not persist the stream): copy it.
    GRef<GMimeStream> out(g_mime_stream_mem_new());
    g_mime_stream_reset(stream);
    g_mime_stream_write_to_stream(stream, out.get());
    g_mime_stream_reset(stream);
    part.source = Detail::memoryStreamBytes(out.get());
    part.contentOffset = 0;
    part.contentLength = part.source.size();
}

/// The first delimiter line "--boundary" (RFC 2046 §5.1.1) at or after from, as the offset
/// of the line break before it; -1 if none. A longer boundary that merely starts with this
/// one does not count.
qsizetype findDelimiter(QByteArrayView source, const QByteArray &boundary, qsizetype from)
{
    if (boundary.isEmpty())
        return -1;
    const QByteArray needle = QByteArray("\n--" + boundary);
    qsizetype pos = std::max<qsizetype>(0, from);
    while ((pos = source.indexOf(needle, pos)) >= 0) {
        const qsizetype after = pos + needle.size();
        if (after >= source.size())
            return pos;
        const char c = source[after];
        if (c == '\r' || c == '\n' || c == ' ' || c == '\t' ||
            (c == '-' && source.sliced(after).startsWith("--")))
            return pos;
        pos = after;
    }
    return -1;
}
QString sectionFor(const QString &parentSection, int index)
{
    return parentSection.isEmpty() ? QString::number(index) : parentSection % u'.' % QString::number(index);
}

struct Pending {
    GMimeObject *object = nullptr;
    int parent = -1;
    int depth = 0;
    QString section;
};

/// The raw bytes of an encapsulated message re-serialised by GMime: only for one GMime
/// parsed without header offsets (a message with no header at all).
QByteArray serialised(GMimeMessage *embedded)
{
    GRef<GMimeStream> out(g_mime_stream_mem_new());
    g_mime_object_write_to_stream(GMIME_OBJECT(embedded), nullptr, out.get());
    return Detail::memoryStreamBytes(out.get());
}

/// Where an encapsulated message begins in the source: the offset of its first header
/// field; -1 when it has none.
qsizetype embeddedStart(GMimeMessage *embedded, qsizetype sourceSize)
{
    GMimeHeaderList *list = g_mime_object_get_header_list(GMIME_OBJECT(embedded));
    if (!list || g_mime_header_list_get_count(list) == 0)
        return -1;
    const gint64 offset = g_mime_header_get_offset(g_mime_header_list_get_header_at(list, 0));
    return offset >= 0 && offset <= sourceSize ? qsizetype(offset) : -1;
}

/// Sets the content range of message/rfc822 parts whose start is known: the encapsulated
/// message runs to the delimiter of the nearest enclosing multipart that follows the last
/// content inside it (RFC 2046 §5.1.1: the line break before a delimiter belongs to it), or
/// to the end of the source.
void finishMessageRanges(Message &message, const QList<int> &messageParts,
                         const QHash<int, QByteArray> &boundaries, const Source &source)
{
    const QByteArrayView bytes(source.bytes);
    for (int index : messageParts) {
        Part &part = message.parts[index];
        qsizetype lastContent = part.contentOffset;
        for (int i = index + 1; i < message.parts.size() && message.parts.at(i).depth > part.depth; ++i) {
            const Part &inner = message.parts.at(i);
            if (inner.hasContent() && inner.source.constData() == source.bytes.constData())
                lastContent = std::max(lastContent, inner.contentOffset + inner.contentLength);
        }
        qsizetype end = bytes.size();
        for (int p = part.parent; p >= 0; p = message.parts.at(p).parent) {
            const qsizetype hit =
                findDelimiter(bytes, boundaries.value(p), std::max(part.contentOffset, lastContent - 1));
            if (hit >= 0 && hit < end)
                end = hit;
        }
        if (end > part.contentOffset && bytes[end - 1] == '\r' && end < bytes.size() && bytes[end] == '\n')
            --end;
        part.contentLength = std::max<qsizetype>(0, end - part.contentOffset);
        part.size = part.contentLength;
    }
}

/// A multipart without parts (no boundary, or one that never appears) keeps its whole body as
/// GMime's prologue. It becomes a text/plain part of the multipart, so the user sees what was
/// sent rather than nothing.
void appendUnframedBody(Message &message, GMimeMultipart *multipart, int parent, const Pending &pending,
                        const ParseLimits &limits, const QByteArray &charset)
{
    const char *prologue = g_mime_multipart_get_prologue(multipart);
    const QByteArray body(prologue ? prologue : "");
    if (body.trimmed().isEmpty())
        return;
    if (pending.depth + 1 > limits.maxDepth) {
        Detail::markTooComplex(message, Complexity::TooDeep);
        return;
    }
    if (message.parts.size() >= limits.maxParts) {
        Detail::markTooComplex(message, Complexity::TooManyParts);
        return;
    }
    Part text;
    text.parent = parent;
    text.depth = pending.depth + 1;
    text.section = sectionFor(pending.section, 1);
    text.contentType = QByteArrayLiteral("text/plain");
    text.charset = charset;
    text.source = body;
    text.contentOffset = 0;
    text.contentLength = body.size();
    text.size = body.size();
    text.text = Charset::decode(body, charset, &text.usedCharset);
    message.parts.append(std::move(text));
    Detail::addWarning(message,
                       QStringLiteral("The content of a multipart without parts is shown as plain text."));
}

/// Walks the GMime tree iteratively (an explicit stack, pre-order) into message.parts.
void buildParts(Message &message, GMimeObject *root, const ParseLimits &limits, const Source &source)
{
    QHash<int, QByteArray> boundaries; // multipart part index -> its boundary
    QList<int> messageParts;           // message/rfc822 parts whose range is finished below
    std::vector<Pending> stack;
    stack.push_back({root, -1, 0, GMIME_IS_MULTIPART(root) ? QString() : QStringLiteral("1")});
    while (!stack.empty()) {
        const Pending pending = stack.back();
        stack.pop_back();
        if (message.parts.size() >= limits.maxParts) {
            Detail::markTooComplex(message, Complexity::TooManyParts);
            break;
        }
        Part part;
        part.parent = pending.parent;
        part.depth = pending.depth;
        part.section = pending.section;
        fillPartFields(part, pending.object);
        const int index = int(message.parts.size());

        if (GMIME_IS_MULTIPART(pending.object)) {
            GMimeMultipart *multipart = GMIME_MULTIPART(pending.object);
            const int count = g_mime_multipart_get_count(multipart);
            if (!part.isMultipart())
                part.contentType = QByteArrayLiteral("multipart/mixed");
            if (count == 0) {
                // A boundary that never appears (or none at all): nothing of the body is
                // where the structure says it is.
                message.crafted = true;
                Detail::addWarning(message,
                                   QStringLiteral("A multipart has no parts: its boundary never appears."));
            }
            // Read the parameter, never g_mime_multipart_get_boundary(): on a multipart
            // without a boundary that one invents a boundary, sets it, and so makes GMime
            // re-encode the whole Content-Type value (g_mime_content_type_encode). GMime
            // 3.2's RFC 2231 folding of a long value under a parameter name of 70-72
            // characters never advances and grows its string until memory runs out.
            if (const char *boundary = g_mime_object_get_content_type_parameter(pending.object, "boundary"))
                boundaries.insert(index, QByteArray(boundary));
            const QByteArray charset = part.charset;
            message.parts.append(std::move(part));
            if (count == 0) {
                appendUnframedBody(message, multipart, index, pending, limits, charset);
                continue;
            }
            if (pending.depth + 1 > limits.maxDepth) {
                Detail::markTooComplex(message, Complexity::TooDeep);
                continue;
            }
            for (int i = count - 1; i >= 0; --i) {
                stack.push_back({g_mime_multipart_get_part(multipart, i), index, pending.depth + 1,
                                 sectionFor(pending.section, i + 1)});
            }
        } else if (GMIME_IS_MESSAGE_PART(pending.object)) {
            GMimeMessage *embedded = g_mime_message_part_get_message(GMIME_MESSAGE_PART(pending.object));
            if (!part.isMessage())
                part.contentType = QByteArrayLiteral("message/rfc822");
            GMimeObject *body = nullptr;
            if (embedded) {
                part.embeddedSubject =
                    Charset::decodeHeader(QByteArray(g_mime_message_get_subject(embedded)));
                const QList<RawHeader> embeddedHeaders = rawHeaders(GMIME_OBJECT(embedded));
                if (const RawHeader *from = findRaw(embeddedHeaders, "From"))
                    part.embeddedFrom = addressesFrom(from->value, limits.maxAddresses, nullptr);
                const qsizetype start = embeddedStart(embedded, source.bytes.size());
                if (start >= 0) {
                    // The end is known once the parts inside are in the list.
                    part.source = source.bytes;
                    part.contentOffset = start;
                    part.contentLength = 0;
                    messageParts.append(index);
                } else {
                    part.source = serialised(embedded);
                    part.contentLength = part.source.size();
                    part.size = part.contentLength;
                }
                body = g_mime_message_get_mime_part(embedded);
            }
            message.parts.append(std::move(part));
            if (body) {
                if (pending.depth + 1 > limits.maxDepth) {
                    Detail::markTooComplex(message, Complexity::TooDeep);
                    continue;
                }
                stack.push_back(
                    {body, index, pending.depth + 1,
                     GMIME_IS_MULTIPART(body) ? pending.section : sectionFor(pending.section, 1)});
            }
        } else if (GMIME_IS_PART(pending.object)) {
            GMimePart *leaf = GMIME_PART(pending.object);
            const GMimeContentEncoding encoding = g_mime_part_get_content_encoding(leaf);
            if (encoding != GMIME_CONTENT_ENCODING_DEFAULT && encoding != GMIME_CONTENT_ENCODING_7BIT)
                part.transferEncoding = lower(g_mime_content_encoding_to_string(encoding));
            setEncodedContent(part, leaf, source);
            if (part.isText()) {
                // Text is decoded now: the viewer, previews and search need it.
                const QByteArrayView encoded = part.encodedContent();
                const bool identity = Detail::isIdentityEncoding(part.transferEncoding);
                const QByteArray decoded =
                    identity ? QByteArray() : Detail::transferDecode(encoded, part.transferEncoding);
                const QByteArrayView bytes = identity ? encoded : QByteArrayView(decoded);
                part.size = bytes.size();
                part.text = Charset::decode(bytes, part.charset, &part.usedCharset);
                part.text.replace(QChar(u'\0'), QChar(QChar::ReplacementCharacter));
            } else {
                part.size = Detail::decodedSizeEstimate(part.encodedContent(), part.transferEncoding);
            }
            message.parts.append(std::move(part));
        } else {
            message.parts.append(std::move(part));
        }
    }
    finishMessageRanges(message, messageParts, boundaries, source);
}

/// Overwrites the parameters StructureScan found beyond ParseLimits::maxParameters with
/// spaces, so GMime never reads them while every offset into the bytes stays the same (the
/// line breaks stay, so folded fields stay folded). True when something was blanked.
bool blankExcessParameters(QByteArray &bytes, const QList<QPair<qsizetype, qsizetype>> &ranges)
{
    bool blanked = false;
    for (const auto &[offset, length] : ranges) {
        if (offset < 0 || offset >= bytes.size())
            continue;
        const qsizetype end = std::min(bytes.size(), offset + length);
        char *data = bytes.data();
        for (qsizetype i = offset; i < end; ++i) {
            if (data[i] != '\r' && data[i] != '\n')
                data[i] = ' ';
        }
        blanked = blanked || end > offset;
    }
    return blanked;
}

QByteArrayView skipMboxFromLine(QByteArrayView raw)
{
    if (!raw.startsWith("From "))
        return raw;
    const qsizetype newline = raw.indexOf('\n');
    return newline < 0 ? QByteArrayView() : raw.sliced(newline + 1);
}

GMimeParserOptions *newOptions(WarningCollector *collector)
{
    GMimeParserOptions *options = g_mime_parser_options_new();
    g_mime_parser_options_set_rfc2047_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_address_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
    if (collector)
        g_mime_parser_options_set_warning_callback(options, collectWarning, collector);
    return options;
}

void applyWarnings(Message &message, const WarningCollector &collector)
{
    for (const auto &[code, item] : collector.items) {
        if (isCraftedWarning(code))
            message.crafted = true;
        Detail::addWarning(message, describeWarning(code, item));
    }
}

} // namespace

namespace Detail {

void addWarning(Message &message, const QString &warning)
{
    if (!message.warnings.contains(warning) && message.warnings.size() < kMaxWarnings * 2)
        message.warnings.append(warning);
}

void markTooComplex(Message &message, Complexity reason)
{
    if (!message.tooComplex) {
        message.tooComplex = true;
        message.complexity = reason;
        message.complexityNote = complexityDescription(reason);
    }
}

QList<RawHeader> splitHeaderBlock(QByteArrayView block)
{
    QList<RawHeader> result;
    qsizetype pos = 0;
    while (pos < block.size()) {
        qsizetype end = block.indexOf('\n', pos);
        if (end < 0)
            end = block.size();
        QByteArrayView line = block.sliced(pos, end - pos);
        if (line.endsWith('\r'))
            line.chop(1);
        pos = end + 1;
        if (line.isEmpty())
            break;
        if ((line[0] == ' ' || line[0] == '\t') && !result.isEmpty()) {
            result.last().value.append("\n").append(line);
            continue;
        }
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        result.append({line.first(colon).trimmed().toByteArray(), line.sliced(colon + 1).toByteArray()});
    }
    return result;
}

void fillHeaderFields(Message &message, const QList<RawHeader> &headers, const ParseLimits &limits)
{
    ensureGMime();
    message.headers = decodeHeaders(headers);

    static const QByteArrayView singleFields[] = {"From",       "Sender",      "Reply-To",  "To",
                                                  "Cc",         "Bcc",         "Subject",   "Date",
                                                  "Message-ID", "In-Reply-To", "References"};
    for (QByteArrayView field : singleFields) {
        const RawHeader *first = nullptr;
        int copies = 0;
        bool differ = false;
        for (const RawHeader &h : headers) {
            if (h.name.size() != field.size() || h.name.compare(field, Qt::CaseInsensitive) != 0)
                continue;
            ++copies;
            if (!first)
                first = &h;
            else if (h.value.trimmed() != first->value.trimmed())
                differ = true;
        }
        if (copies > 1) {
            const QString name = QString::fromLatin1(field);
            if (differ) {
                message.crafted = true;
                addWarning(message,
                           QStringLiteral("The header field %1 appears %2 times with different values; "
                                          "the first one is shown.")
                               .arg(name)
                               .arg(copies));
            } else {
                addWarning(message, QStringLiteral("The header field %1 appears more than once.").arg(name));
            }
        }
    }

    bool truncated = false;
    auto addresses = [&](QByteArrayView name) {
        const RawHeader *h = findRaw(headers, name);
        if (!h)
            return QList<Address>();
        bool cut = false;
        QList<Address> list = addressesFrom(h->value, limits.maxAddresses, &cut);
        truncated = truncated || cut;
        return list;
    };
    message.from = addresses("From");
    message.sender = addresses("Sender");
    message.replyTo = addresses("Reply-To");
    message.to = addresses("To");
    message.cc = addresses("Cc");
    message.bcc = addresses("Bcc");
    if (truncated)
        markTooComplex(message, Complexity::TooManyAddresses);

    if (const RawHeader *subject = findRaw(headers, "Subject"))
        message.subject = Charset::decodeHeader(subject->value);
    if (const RawHeader *date = findRaw(headers, "Date"))
        message.date = parseDate(date->value);
    if (const RawHeader *id = findRaw(headers, "Message-ID")) {
        const QByteArray utf8 = Charset::headerToUtf8(id->value);
        message.messageId = stripAngles(takeGString(g_mime_utils_decode_message_id(utf8.constData())));
        if (message.messageId.isEmpty())
            message.messageId = stripAngles(utf8);
    }
    if (const RawHeader *inReplyTo = findRaw(headers, "In-Reply-To")) {
        const QList<QByteArray> ids = parseReferences(inReplyTo->value);
        if (!ids.isEmpty())
            message.inReplyTo = ids.constFirst();
    }
    if (const RawHeader *references = findRaw(headers, "References"))
        message.references = parseReferences(references->value);
}

void selectBodies(Message &message)
{
    message.bestTextIndex = -1;
    message.bestHtmlIndex = -1;
    message.attachmentIndexes.clear();
    const QList<Part> &parts = message.parts;
    if (parts.isEmpty())
        return;

    QSet<int> bodyCandidates; // text parts that are alternatives or inline body text

    // Body choice walks the top-level structure with an explicit stack: multipart/alternative
    // prefers its last displayable child (RFC 2046 §5.1.4), multipart/related its first
    // (root) part (RFC 2387), the others take the first text found. Encapsulated messages are
    // not entered: they are attachments of their own.
    struct Choice {
        int text = -1;
        int html = -1;
    };
    // Post-order evaluation without recursion: compute a Choice per part, children first.
    QList<Choice> choice(parts.size());
    for (int i = int(parts.size()) - 1; i >= 0; --i) {
        const Part &part = parts.at(i);
        Choice c;
        if (part.isMultipart()) {
            const QList<int> children = message.childIndexes(i);
            if (part.contentType == "multipart/alternative") {
                for (int child : children) {
                    if (choice.at(child).text >= 0)
                        c.text = choice.at(child).text;
                    if (choice.at(child).html >= 0)
                        c.html = choice.at(child).html;
                }
            } else if (part.contentType == "multipart/related" || part.contentType == "multipart/signed") {
                if (!children.isEmpty())
                    c = choice.at(children.constFirst());
            } else if (part.contentType != "multipart/encrypted") {
                for (int child : children) {
                    if (c.text < 0)
                        c.text = choice.at(child).text;
                    if (c.html < 0)
                        c.html = choice.at(child).html;
                }
            }
        } else if (!part.isMessage() && part.disposition != Part::Disposition::Attachment) {
            if (part.contentType == "text/plain")
                c.text = i;
            else if (part.contentType == "text/html")
                c.html = i;
        }
        choice[i] = c;
    }
    message.bestTextIndex = choice.at(0).text;
    message.bestHtmlIndex = choice.at(0).html;

    // Attachments: leaves and encapsulated messages that are not body text shown inline,
    // not alternatives of the body, not inline images of an HTML body and not signatures.
    for (int i = 0; i < parts.size(); ++i) {
        const Part &part = parts.at(i);
        if (part.isMultipart() || i == message.bestTextIndex || i == message.bestHtmlIndex)
            continue;
        // Inside an encapsulated message: reached through that message, not listed here.
        bool insideMessage = false;
        bool inAlternative = false;
        bool inRelated = false;
        for (int p = part.parent; p >= 0; p = parts.at(p).parent) {
            if (parts.at(p).isMessage())
                insideMessage = true;
            if (p == part.parent && parts.at(p).contentType == "multipart/alternative")
                inAlternative = true;
            if (p == part.parent && parts.at(p).contentType == "multipart/related")
                inRelated = true;
        }
        if (insideMessage)
            continue;
        if (part.contentType == "application/pgp-signature" ||
            part.contentType == "application/pkcs7-signature" ||
            part.contentType == "application/x-pkcs7-signature")
            continue;
        const bool explicitAttachment = part.disposition == Part::Disposition::Attachment;
        if (!explicitAttachment) {
            if (inAlternative && part.filename.isEmpty())
                continue;
            if (inRelated && !part.contentId.isEmpty())
                continue;
            if (part.isText() && part.filename.isEmpty())
                continue; // inline text shown with the body (e.g. a list footer)
        }
        message.attachmentIndexes.append(i);
    }
}

} // namespace Detail

QList<Address> Parser::parseAddresses(QByteArrayView raw, int maxAddresses, bool *truncated)
{
    Detail::ensureGMime();
    return addressesFrom(raw.toByteArray(), maxAddresses, truncated);
}

Message Parser::parseHeaders(QByteArrayView headerBytes, const ParseLimits &limits)
{
    Message message;
    headerBytes = skipMboxFromLine(headerBytes);
    if (headerBytes.size() > limits.maxHeaderBytes) {
        headerBytes = headerBytes.first(limits.maxHeaderBytes);
        const qsizetype lastLine = headerBytes.lastIndexOf('\n');
        if (lastLine > 0)
            headerBytes = headerBytes.first(lastLine + 1);
        Detail::markTooComplex(message, Complexity::HeaderTooLarge);
    }
    Detail::fillHeaderFields(message, Detail::splitHeaderBlock(headerBytes), limits);
    return message;
}

Message Parser::parse(QByteArrayView raw, const ParseLimits &limits)
{
    Detail::ensureGMime();
    Message message;
    raw = skipMboxFromLine(raw);

    const StructureScan::Result scan = StructureScan::scan(raw, limits);
    if (scan.cutOffset >= 0) {
        raw = raw.first(scan.cutOffset);
        Detail::markTooComplex(message, scan.reason);
    }

    WarningCollector collector;
    GMimeParserOptions *options = newOptions(&collector);
    // One copy of the bytes, shared by every Part (their content is a range of it), and
    // a GMime stream that reads it in place.
    Source source;
    source.bytes = raw.toByteArray();
    if (blankExcessParameters(source.bytes, scan.excessParameters)) {
        Detail::addWarning(message,
                           QStringLiteral("A Content-Type or Content-Disposition field has more than %1 "
                                          "parameters; the rest are ignored.")
                               .arg(limits.maxParameters));
    }
    GByteArray borrowed{};
    GRef<GMimeStream> stream(Detail::newBorrowedMemoryStream(source.bytes, &borrowed));
    source.stream = stream.get();
    GRef<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
    g_mime_parser_set_persist_stream(parser.get(), TRUE);
    GRef<GMimeMessage> parsed(g_mime_parser_construct_message(parser.get(), options));
    if (!parsed) {
        g_mime_parser_options_free(options);
        Detail::addWarning(message, QStringLiteral("The data is not a mail message."));
        return message;
    }

    Detail::fillHeaderFields(message, rawHeaders(GMIME_OBJECT(parsed.get())), limits);
    if (GMimeObject *body = g_mime_message_get_mime_part(parsed.get()))
        buildParts(message, body, limits, source);
    applyWarnings(message, collector);
    Detail::selectBodies(message);

    // Drop GMime's tree before its options: the options hold the warning callback.
    parsed.reset();
    parser.reset();
    g_mime_parser_options_free(options);
    return message;
}

} // namespace Tidings::Mime
