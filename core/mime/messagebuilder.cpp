// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/mime/messagebuilder.h"

#include "core/mime/charset.h"
#include "core/mime/gmimeglobal.h"

#include <QLocale>
#include <QMimeDatabase>
#include <QRegularExpression>
#include <QSet>

namespace Tidings::Mime {

using Detail::GRef;

namespace {

/// Text for a header field: no control characters, no surrounding white space.
QByteArray headerText(const QString &text)
{
    return Charset::stripControls(text).simplified().toUtf8();
}

/// An addr-spec with everything that could leave the address removed: controls, white space
/// and the characters that delimit addresses in a list.
QByteArray cleanAddress(const QString &address)
{
    QByteArray result;
    const QByteArray utf8 = Charset::stripControls(address).toUtf8();
    result.reserve(utf8.size());
    for (char c : utf8) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7F || c == '<' || c == '>' || c == ',' || c == ';' || c == '(' || c == ')' ||
            c == '"' || c == '\\' || c == ':')
            continue;
        result.append(c);
    }
    return result;
}

/// A msg-id without brackets: printable ASCII only, no white space or angle brackets.
QByteArray cleanId(const QByteArray &id)
{
    QByteArray result;
    for (char c : id) {
        const auto u = static_cast<unsigned char>(c);
        if (u > 0x20 && u < 0x7F && c != '<' && c != '>')
            result.append(c);
    }
    return result;
}

/// Normalises line ends to LF, drops NUL and ends the text with a line end (so every
/// transfer encoding gives back the same text): the format options turn LF into CRLF.
QByteArray bodyBytes(const QString &text)
{
    QString normalised = text;
    normalised.replace(QLatin1String("\r\n"), QLatin1String("\n"));
    normalised.replace(u'\r', u'\n');
    normalised.remove(QChar(u'\0'));
    if (!normalised.isEmpty() && !normalised.endsWith(u'\n'))
        normalised.append(u'\n');
    return normalised.toUtf8();
}

/// RFC 2231 parameters in UTF-8 rather than whatever 8-bit charset happens to fit.
void preferUtf8(GMimeParamList *list, const char *name)
{
    if (!list)
        return;
    const int count = g_mime_param_list_length(list);
    for (int i = 0; i < count; ++i) {
        GMimeParam *param = g_mime_param_list_get_parameter_at(list, i);
        if (g_ascii_strcasecmp(g_mime_param_get_name(param), name) == 0)
            g_mime_param_set_charset(param, "UTF-8");
    }
}

bool needsEncoding(const QByteArray &bytes)
{
    if (!Charset::isAscii(bytes))
        return true;
    qsizetype lineLength = 0;
    for (char c : bytes) {
        if (c == '\n') {
            lineLength = 0;
            continue;
        }
        // 998 octets before CRLF (RFC 5322 §2.1.1); stay clear of it.
        if (++lineLength > 900)
            return true;
    }
    return false;
}

void setContent(GMimePart *part, const QByteArray &bytes)
{
    GRef<GMimeStream> stream(Detail::newMemoryStream(bytes));
    GRef<GMimeDataWrapper> wrapper(
        g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
    g_mime_part_set_content(part, wrapper.get());
}

GMimeObject *textPart(const char *subtype, const QString &text)
{
    GMimeTextPart *part = g_mime_text_part_new_with_subtype(subtype);
    const QByteArray bytes = bodyBytes(text);
    setContent(GMIME_PART(part), bytes);
    g_mime_text_part_set_charset(part, Charset::isAscii(bytes) ? "us-ascii" : "utf-8");
    g_mime_part_set_content_encoding(GMIME_PART(part), needsEncoding(bytes)
                                                           ? GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE
                                                           : GMIME_CONTENT_ENCODING_7BIT);
    return GMIME_OBJECT(part);
}

/// "type/subtype" when both halves are RFC 2045 tokens, else empty.
QByteArray validMimeType(const QByteArray &mimeType)
{
    const QByteArray lowered = mimeType.trimmed().toLower();
    static const QRegularExpression pattern(QStringLiteral("^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+$"));
    return pattern.match(QString::fromLatin1(lowered)).hasMatch() ? lowered : QByteArray();
}

GMimeObject *attachmentPart(const MessageBuilder::Attachment &attachment)
{
    QByteArray mimeType = validMimeType(attachment.mimeType);
    if (mimeType.isEmpty()) {
        static const QMimeDatabase database;
        mimeType = validMimeType(
            database.mimeTypeForFileNameAndData(attachment.filename, attachment.data).name().toLatin1());
        if (mimeType.isEmpty())
            mimeType = QByteArrayLiteral("application/octet-stream");
    }
    const qsizetype slash = mimeType.indexOf('/');
    GMimePart *part =
        g_mime_part_new_with_type(mimeType.left(slash).constData(), mimeType.mid(slash + 1).constData());
    setContent(part, attachment.data);
    g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
    g_mime_object_set_disposition(GMIME_OBJECT(part), "attachment");
    const QByteArray name = headerText(attachment.filename);
    if (!name.isEmpty()) {
        g_mime_part_set_filename(part, name.constData());
        if (!Charset::isAscii(name)) {
            preferUtf8(g_mime_content_disposition_get_parameters(
                           g_mime_object_get_content_disposition(GMIME_OBJECT(part))),
                       "filename");
            preferUtf8(g_mime_content_type_get_parameters(g_mime_object_get_content_type(GMIME_OBJECT(part))),
                       "name");
        }
    }
    return GMIME_OBJECT(part);
}

GMimeObject *messageAttachment(const QByteArray &raw, const QString &filename)
{
    GRef<GMimeStream> stream(Detail::newMemoryStream(raw));
    GRef<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    GRef<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), nullptr));
    if (!message) {
        MessageBuilder::Attachment fallback{filename, QByteArrayLiteral("application/octet-stream"), raw};
        return attachmentPart(fallback);
    }
    GMimeMessagePart *part = g_mime_message_part_new_with_message("rfc822", message.get());
    GMimeContentDisposition *disposition = g_mime_content_disposition_new();
    g_mime_content_disposition_set_disposition(disposition, "attachment");
    const QByteArray name = headerText(filename);
    if (!name.isEmpty())
        g_mime_content_disposition_set_parameter(disposition, "filename", name.constData());
    g_mime_object_set_content_disposition(GMIME_OBJECT(part), disposition);
    g_object_unref(disposition);
    return GMIME_OBJECT(part);
}

void addMailboxes(GMimeMessage *message, GMimeAddressType type, const QList<Address> &addresses)
{
    for (const Address &address : addresses) {
        const QByteArray addr = cleanAddress(address.address);
        if (addr.isEmpty())
            continue;
        const QByteArray name = headerText(address.name);
        g_mime_message_add_mailbox(message, type, name.isEmpty() ? nullptr : name.constData(),
                                   addr.constData());
    }
}

QString senderName(const Message &message)
{
    if (message.from.isEmpty())
        return QString();
    const Address &from = message.from.constFirst();
    return from.name.isEmpty() ? from.address : from.name;
}

QString formatDate(const QDateTime &date)
{
    if (!date.isValid())
        return QString();
    return QLocale::c().toString(date.toLocalTime(), QStringLiteral("ddd, d MMM yyyy HH:mm"));
}

bool containsAddress(const QList<Address> &list, const Address &address)
{
    for (const Address &a : list) {
        if (a.address.compare(address.address, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

/// Appends the addresses not yet in seen and not in exclude, merging duplicates.
void appendUnique(QList<Address> &out, const QList<Address> &in, QList<Address> &seen,
                  const QList<Address> &exclude)
{
    for (const Address &address : in) {
        if (address.address.isEmpty() || containsAddress(exclude, address))
            continue;
        bool merged = false;
        for (Address &existing : seen) {
            if (existing.address.compare(address.address, Qt::CaseInsensitive) == 0) {
                merged = true;
                break;
            }
        }
        if (merged)
            continue;
        seen.append(address);
        out.append(address);
    }
}

QString addressLine(const QList<Address> &addresses)
{
    QStringList items;
    for (const Address &a : addresses)
        items.append(a.toDisplayString());
    return items.join(QLatin1String(", "));
}

} // namespace

void MessageBuilder::attachMessage(const QByteArray &rawMessage, const QString &filename)
{
    m_attachedMessages.append(rawMessage);
    m_attachedMessageNames.append(filename);
}

QByteArray MessageBuilder::build(Bcc bcc)
{
    Detail::ensureGMime();
    GRef<GMimeMessage> message(g_mime_message_new(TRUE));

    if (!m_from.address.isEmpty())
        addMailboxes(message.get(), GMIME_ADDRESS_TYPE_FROM, {m_from});
    addMailboxes(message.get(), GMIME_ADDRESS_TYPE_REPLY_TO, m_replyTo);
    addMailboxes(message.get(), GMIME_ADDRESS_TYPE_TO, m_to);
    addMailboxes(message.get(), GMIME_ADDRESS_TYPE_CC, m_cc);
    if (bcc == Bcc::Keep)
        addMailboxes(message.get(), GMIME_ADDRESS_TYPE_BCC, m_bcc);

    g_mime_message_set_subject(message.get(), headerText(m_subject).constData(), "utf-8");

    const QDateTime date = m_date.isValid() ? m_date : QDateTime::currentDateTimeUtc();
    GDateTime *gdate = g_date_time_new_from_unix_utc(date.toSecsSinceEpoch());
    g_mime_message_set_date(message.get(), gdate);
    g_date_time_unref(gdate);

    m_messageId = cleanId(m_messageId);
    if (m_messageId.isEmpty()) {
        QByteArray domain;
        const QByteArray from = cleanAddress(m_from.address);
        const qsizetype at = from.lastIndexOf('@');
        if (at >= 0) {
            for (char c : from.mid(at + 1)) {
                if (QChar::isLetterOrNumber(uchar(c)) && uchar(c) < 0x80)
                    domain.append(c);
                else if (c == '.' || c == '-')
                    domain.append(c);
            }
        }
        if (domain.isEmpty())
            domain = QByteArrayLiteral("tidings.invalid");
        m_messageId = cleanId(Detail::takeGString(g_mime_utils_generate_message_id(domain.constData())));
    }
    g_mime_message_set_message_id(message.get(), m_messageId.constData());

    const QByteArray inReplyTo = cleanId(m_inReplyTo);
    if (!inReplyTo.isEmpty())
        g_mime_object_set_header(GMIME_OBJECT(message.get()), "In-Reply-To",
                                 QByteArray('<' + inReplyTo + '>').constData(), nullptr);
    QList<QByteArray> references;
    for (const QByteArray &reference : std::as_const(m_references)) {
        const QByteArray id = cleanId(reference);
        if (!id.isEmpty())
            references.append('<' + id + '>');
    }
    if (!references.isEmpty())
        g_mime_object_set_header(GMIME_OBJECT(message.get()), "References", references.join(' ').constData(),
                                 nullptr);

    GMimeObject *body = textPart("plain", m_plainText);
    if (!m_html.isEmpty()) {
        GMimeMultipart *alternative = g_mime_multipart_new_with_subtype("alternative");
        g_mime_multipart_add(alternative, body);
        g_object_unref(body);
        GMimeObject *html = textPart("html", m_html);
        g_mime_multipart_add(alternative, html);
        g_object_unref(html);
        body = GMIME_OBJECT(alternative);
    }
    if (!m_attachments.isEmpty() || !m_attachedMessages.isEmpty()) {
        GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");
        g_mime_multipart_add(mixed, body);
        g_object_unref(body);
        for (const Attachment &attachment : std::as_const(m_attachments)) {
            GMimeObject *part = attachmentPart(attachment);
            g_mime_multipart_add(mixed, part);
            g_object_unref(part);
        }
        for (qsizetype i = 0; i < m_attachedMessages.size(); ++i) {
            GMimeObject *part = messageAttachment(m_attachedMessages.at(i), m_attachedMessageNames.at(i));
            g_mime_multipart_add(mixed, part);
            g_object_unref(part);
        }
        body = GMIME_OBJECT(mixed);
    }
    g_mime_message_set_mime_part(message.get(), body);
    g_object_unref(body);

    GMimeFormatOptions *format = g_mime_format_options_clone(g_mime_format_options_get_default());
    g_mime_format_options_set_newline_format(format, GMIME_NEWLINE_FORMAT_DOS);
    g_mime_format_options_set_param_encoding_method(format, GMIME_PARAM_ENCODING_METHOD_RFC2231);
    GRef<GMimeStream> out(g_mime_stream_mem_new());
    g_mime_object_write_to_stream(GMIME_OBJECT(message.get()), format, out.get());
    g_mime_format_options_free(format);
    return Detail::memoryStreamBytes(out.get());
}

QString MessageBuilder::replySubject(const QString &subject)
{
    static const QRegularExpression prefixes(
        QStringLiteral("^\\s*((re|aw|sv|antw|vs|ha|ответ|отв)\\s*(\\[\\d+\\]|\\(\\d+\\))?\\s*:\\s*)+"),
        QRegularExpression::CaseInsensitiveOption | QRegularExpression::UseUnicodePropertiesOption);
    QString rest = Charset::stripControls(subject).trimmed();
    rest.remove(prefixes);
    return QStringLiteral("Re: ") + rest;
}

QString MessageBuilder::forwardSubject(const QString &subject)
{
    static const QRegularExpression prefix(QStringLiteral("^\\s*(fwd?|wg|tr)\\s*:"),
                                           QRegularExpression::CaseInsensitiveOption);
    const QString clean = Charset::stripControls(subject).trimmed();
    if (prefix.match(clean).hasMatch())
        return clean;
    return QStringLiteral("Fwd: ") + clean;
}

QString MessageBuilder::quote(const QString &text)
{
    QString normalised = text;
    normalised.replace(QLatin1String("\r\n"), QLatin1String("\n"));
    normalised.replace(u'\r', u'\n');
    while (normalised.endsWith(u'\n'))
        normalised.chop(1);
    QStringList lines = normalised.split(u'\n');
    for (QString &line : lines) {
        if (line.startsWith(u'>'))
            line.prepend(u'>');
        else if (line.isEmpty())
            line = QStringLiteral(">");
        else
            line.prepend(QLatin1String("> "));
    }
    return lines.join(u'\n');
}

MessageBuilder MessageBuilder::reply(const Message &original, ReplyMode mode,
                                     const QList<Address> &ownAddresses, const QuoteOptions &options)
{
    MessageBuilder builder;
    builder.setSubject(replySubject(original.subject));

    const bool fromMe = !original.from.isEmpty() && containsAddress(ownAddresses, original.from.constFirst());
    QList<Address> primary = !original.replyTo.isEmpty() ? original.replyTo : original.from;
    if (fromMe)
        primary = original.to; // replying to one's own sent message goes to its recipients

    QList<Address> seen;
    QList<Address> to;
    appendUnique(to, primary, seen, ownAddresses);
    QList<Address> cc;
    if (mode == ReplyMode::All) {
        appendUnique(cc, original.to, seen, ownAddresses);
        appendUnique(cc, original.cc, seen, ownAddresses);
        if (to.isEmpty() && !cc.isEmpty())
            to.append(cc.takeFirst());
    }
    builder.setTo(to);
    builder.setCc(cc);

    // The identity the original was sent to answers it.
    for (const Address &own : ownAddresses) {
        if (containsAddress(original.to, own) || containsAddress(original.cc, own)) {
            builder.setFrom(own);
            break;
        }
    }
    if (builder.from().address.isEmpty() && !ownAddresses.isEmpty())
        builder.setFrom(ownAddresses.constFirst());

    if (!original.messageId.isEmpty())
        builder.setInReplyTo(original.messageId);
    QList<QByteArray> references = original.references;
    if (references.isEmpty() && !original.inReplyTo.isEmpty())
        references.append(original.inReplyTo);
    if (!original.messageId.isEmpty())
        references.append(original.messageId);
    // Keep the thread root and the most recent ids (RFC 5322 §3.6.4 lets long lists shrink).
    if (references.size() > 20)
        references = QList<QByteArray>{references.constFirst()} + references.mid(references.size() - 19);
    builder.setReferences(references);

    const QString text = options.originalText.isEmpty() ? original.bestText() : options.originalText;
    const QString attribution = options.attribution.arg(formatDate(original.date), senderName(original));
    builder.setPlainText(attribution + u'\n' + quote(text) + QLatin1String("\n\n"));
    return builder;
}

MessageBuilder MessageBuilder::forwardInline(const Message &original, const QuoteOptions &options)
{
    MessageBuilder builder;
    builder.setSubject(forwardSubject(original.subject));
    QString text = QLatin1String("\n\n") + options.forwardHeading + u'\n';
    text += QLatin1String("Subject: ") + original.subject + u'\n';
    if (original.date.isValid())
        text += QLatin1String("Date: ") + formatDate(original.date) + u'\n';
    text += QLatin1String("From: ") + addressLine(original.from) + u'\n';
    if (!original.to.isEmpty())
        text += QLatin1String("To: ") + addressLine(original.to) + u'\n';
    if (!original.cc.isEmpty())
        text += QLatin1String("Cc: ") + addressLine(original.cc) + u'\n';
    text += u'\n' + (options.originalText.isEmpty() ? original.bestText() : options.originalText) + u'\n';
    builder.setPlainText(text);
    if (original.hasHtml())
        builder.setHtml(original.bestHtml());
    for (int index : original.attachmentIndexes) {
        const Part &part = original.parts.at(index);
        if (part.isMessage()) {
            builder.attachMessage(part.decodedContent(), part.filename.isEmpty()
                                                             ? part.embeddedSubject + QLatin1String(".eml")
                                                             : part.filename);
        } else {
            builder.addAttachment({part.filename, part.contentType, part.content()});
        }
    }
    return builder;
}

MessageBuilder MessageBuilder::forwardAsAttachment(const Message &original, const QByteArray &rawOriginal)
{
    MessageBuilder builder;
    builder.setSubject(forwardSubject(original.subject));
    QString name = Charset::stripControls(original.subject).trimmed();
    if (name.isEmpty())
        name = QStringLiteral("message");
    builder.attachMessage(rawOriginal, name + QLatin1String(".eml"));
    return builder;
}

MessageBuilder MessageBuilder::fromDraft(const Message &draft)
{
    MessageBuilder builder;
    if (!draft.from.isEmpty())
        builder.setFrom(draft.from.constFirst());
    builder.setTo(draft.to);
    builder.setCc(draft.cc);
    builder.setBcc(draft.bcc);
    builder.setReplyTo(draft.replyTo);
    builder.setSubject(draft.subject);
    QString text = draft.bestText();
    text.replace(QLatin1String("\r\n"), QLatin1String("\n"));
    builder.setPlainText(text);
    if (draft.hasHtml())
        builder.setHtml(draft.bestHtml());
    for (int index : draft.attachmentIndexes) {
        const Part &part = draft.parts.at(index);
        if (part.isMessage())
            builder.attachMessage(part.decodedContent(), part.filename);
        else
            builder.addAttachment({part.filename, part.contentType, part.content()});
    }
    builder.setInReplyTo(draft.inReplyTo);
    builder.setReferences(draft.references);
    return builder;
}

} // namespace Tidings::Mime
