// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/mime/message.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

namespace Tidings::Mime {

/// Texts that go into the message body of a reply or forward (the UI passes translated
/// ones). %1 is the original date, %2 the original sender.
struct QuoteOptions final {
    QString attribution = QStringLiteral("On %1, %2 wrote:");
    QString forwardHeading = QStringLiteral("-------- Forwarded Message --------");
    /// The text to quote; empty means Message::bestText() (the UI passes the plain-text
    /// rendering of an HTML-only message here).
    QString originalText;
};


/// Builds outgoing messages as RFC 5322 bytes (CRLF line ends) through GMime.
///
/// Header injection is impossible by construction: every text that reaches a header field
/// (names, addresses, subject, ids, file names) passes Charset::stripControls, so CR, LF and
/// NUL never get there, and GMime folds long fields with CRLF + white space, which continues
/// a field and never starts one. Non-ASCII header text is encoded as RFC 2047 encoded words,
/// non-ASCII file names as RFC 2231 parameters. Bodies are text/plain, or
/// multipart/alternative with text/html when the user wrote rich text; bodies that are not
/// 7-bit ASCII or have a line over 998 octets (RFC 5322 §2.1.1) are quoted-printable, so no
/// output line is longer than 998 octets. Message-ID and Date are generated when not set.
class MessageBuilder final
{
public:
    struct Attachment {
        QString filename;   ///< as the user sees it; encoded with RFC 2231 when needed
        QByteArray mimeType; ///< "type/subtype"; guessed from name and content when empty
        QByteArray data;
    };

    enum class ReplyMode { Sender, All };

    MessageBuilder() = default;

    void setFrom(const Address &from) { m_from = from; }
    void setTo(const QList<Address> &to) { m_to = to; }
    void setCc(const QList<Address> &cc) { m_cc = cc; }
    void setBcc(const QList<Address> &bcc) { m_bcc = bcc; }
    void setReplyTo(const QList<Address> &replyTo) { m_replyTo = replyTo; }
    void setSubject(const QString &subject) { m_subject = subject; }
    void setPlainText(const QString &text) { m_plainText = text; }
    /// Rich text: the message becomes multipart/alternative (plain text first, RFC 2046 §5.1.4).
    void setHtml(const QString &html) { m_html = html; }
    void addAttachment(const Attachment &attachment) { m_attachments.append(attachment); }
    /// Attaches a whole message as message/rfc822 (forward as attachment).
    void attachMessage(const QByteArray &rawMessage, const QString &filename);
    void setInReplyTo(const QByteArray &messageId) { m_inReplyTo = messageId; }
    void setReferences(const QList<QByteArray> &references) { m_references = references; }
    /// Date header; the current time when not set.
    void setDate(const QDateTime &date) { m_date = date; }
    /// Message-ID without angle brackets; generated from the From domain when not set.
    void setMessageId(const QByteArray &messageId) { m_messageId = messageId; }

    [[nodiscard]] const Address &from() const { return m_from; }
    [[nodiscard]] const QList<Address> &to() const { return m_to; }
    [[nodiscard]] const QList<Address> &cc() const { return m_cc; }
    [[nodiscard]] const QList<Address> &bcc() const { return m_bcc; }
    [[nodiscard]] const QString &subject() const { return m_subject; }
    [[nodiscard]] const QString &plainText() const { return m_plainText; }
    [[nodiscard]] const QString &html() const { return m_html; }
    [[nodiscard]] const QList<Attachment> &attachments() const { return m_attachments; }
    [[nodiscard]] const QByteArray &inReplyTo() const { return m_inReplyTo; }
    [[nodiscard]] const QList<QByteArray> &references() const { return m_references; }
    [[nodiscard]] QByteArray messageId() const { return m_messageId; }

    enum class Bcc { Keep, Omit };
    /// The message as RFC 5322 bytes with CRLF line ends. Generates the Message-ID (kept for
    /// messageId() afterwards) and the Date when missing. Bcc::Keep is for drafts and the
    /// Sent copy; the bytes handed to SMTP use Bcc::Omit (RFC 5322 §3.6.3).
    [[nodiscard]] QByteArray build(Bcc bcc = Bcc::Keep);

    /// A reply (RFC 5322 §3.6.4): To from Reply-To or From, "Re: " once, In-Reply-To and
    /// References set, the original quoted under an attribution line. ReplyMode::All adds
    /// the other recipients to Cc, without ownAddresses and without duplicates.
    [[nodiscard]] static MessageBuilder reply(const Message &original, ReplyMode mode,
                                              const QList<Address> &ownAddresses, const QuoteOptions &options = {});
    /// Forward inline: "Fwd: " subject, the original headers and text in the body, the
    /// original attachments attached again.
    [[nodiscard]] static MessageBuilder forwardInline(const Message &original, const QuoteOptions &options = {});
    /// Forward as attachment: the original bytes as a message/rfc822 part.
    [[nodiscard]] static MessageBuilder forwardAsAttachment(const Message &original, const QByteArray &rawOriginal);
    /// Reopens a saved draft for editing.
    [[nodiscard]] static MessageBuilder fromDraft(const Message &draft);

    /// "Re: subject" without repeating Re:, RE:, Re[2]:, Aw:, Sv:, Antw:, Ответ:.
    [[nodiscard]] static QString replySubject(const QString &subject);
    /// "Fwd: subject" unless it already starts with Fwd: or Fw:.
    [[nodiscard]] static QString forwardSubject(const QString &subject);
    /// Every line prefixed with "> " (">" before an already quoted line).
    [[nodiscard]] static QString quote(const QString &text);

private:
    Address m_from;
    QList<Address> m_to;
    QList<Address> m_cc;
    QList<Address> m_bcc;
    QList<Address> m_replyTo;
    QString m_subject;
    QString m_plainText;
    QString m_html;
    QList<Attachment> m_attachments;
    QList<QByteArray> m_attachedMessages;
    QStringList m_attachedMessageNames;
    QByteArray m_inReplyTo;
    QList<QByteArray> m_references;
    QDateTime m_date;
    QByteArray m_messageId;
};

} // namespace Tidings::Mime
