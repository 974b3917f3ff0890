// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

namespace Tidings::Mime {

/// One mailbox of an address header: a decoded display name and an address
/// (RFC 5322 §3.4). Group syntax is flattened into its members.
struct Address final {
    QString name;    ///< decoded display name, may be empty
    QString address; ///< addr-spec, e.g. "anna@example.org"

    /// "Anna <anna@example.org>" or just the address when there is no name; for display.
    [[nodiscard]] QString toDisplayString() const;
    friend bool operator==(const Address &, const Address &) = default;
};

/// One header field as it appeared, in order: the name as written and the value decoded to
/// Unicode (RFC 2047 encoded words and raw 8-bit text included), unfolded.
struct Header final {
    QByteArray name;
    QString value;
    friend bool operator==(const Header &, const Header &) = default;
};

/// One node of the MIME tree. Parts are stored flat in pre-order in Message::parts; a part
/// refers to its parent by index, so the tree is a plain value with no pointers.
struct Part final {
    enum class Disposition { None, Inline, Attachment };

    /// IMAP section of this part (RFC 3501 §6.4.5): "" for a multipart message body, "1" for
    /// a single-part body, "2.1" nested, "3" for a message/rfc822 part whose own body then
    /// has "3.1" (single part) or "3.1", "3.2"... (multipart).
    QString section;
    int parent = -1;             ///< index in Message::parts, -1 for the root
    int depth = 0;               ///< 0 for the root
    QByteArray contentType;      ///< lower case "type/subtype", e.g. "text/plain"
    QByteArray charset;          ///< declared charset, lower case; empty when none
    QByteArray usedCharset;      ///< charset actually used to decode text (declared or detected)
    QByteArray transferEncoding; ///< lower case, e.g. "base64"; empty for 7bit/none
    Disposition disposition = Disposition::None;
    QString filename;     ///< RFC 2231 / RFC 2047 / name= decoded, not yet sanitised
    QByteArray contentId; ///< without angle brackets
    QString description;  ///< Content-Description, decoded
    /// Decoded size in bytes of a leaf or message/rfc822 part, computed without decoding:
    /// exact for text parts (decoded at parse time), for content without transfer encoding
    /// and for well-formed base64 and quoted-printable and uuencode; off by a little for
    /// malformed content (stray characters a decoder skips). The number for display;
    /// decodedContent().size() is the truth.
    qint64 size = 0;
    QString text; ///< decoded Unicode text for text/* leaf parts
    /// The bytes the content was read from, shared (not copied) with the parsed message:
    /// the whole raw message for parts from Parser::parse. encodedContent() is the slice of
    /// it that belongs to this part.
    QByteArray source;
    qsizetype contentOffset = 0;  ///< start of this part's content in source
    qsizetype contentLength = -1; ///< length of the content in source; -1: not available
    QList<Header> headers;        ///< this part's own header fields
    /// For message/rfc822 parts: the encapsulated message's subject and sender.
    QString embeddedSubject;
    QList<Address> embeddedFrom;

    [[nodiscard]] bool isMultipart() const { return contentType.startsWith("multipart/"); }
    [[nodiscard]] bool isMessage() const
    {
        return contentType == "message/rfc822" || contentType == "message/global";
    }
    [[nodiscard]] bool isText() const { return contentType.startsWith("text/"); }
    [[nodiscard]] bool isContainer() const { return isMultipart() || isMessage(); }
    /// Whether the content is at hand (false for an IMAP section not fetched yet, for
    /// multiparts and for a part cut off by a parse limit).
    [[nodiscard]] bool hasContent() const { return contentLength >= 0; }
    /// The content as it stands in the message, still transfer-encoded (transferEncoding
    /// says how). For a message/rfc822 part: the encapsulated message, headers included.
    /// Empty when !hasContent(). A view into source: valid while this Part lives.
    [[nodiscard]] QByteArrayView encodedContent() const;
    /// The content with its transfer encoding undone (base64, quoted-printable, uuencode;
    /// RFC 2045 §6), decoded only now: attachments are decoded when saved, opened or
    /// forwarded, never during the parse. For a message/rfc822 part: the encapsulated
    /// message's raw bytes. Text parts give their bytes before charset conversion.
    [[nodiscard]] QByteArray decodedContent() const;
    /// The decoded bytes: UTF-8 for text parts, decodedContent() otherwise.
    [[nodiscard]] QByteArray content() const { return isText() ? text.toUtf8() : decodedContent(); }
};

/// Why a message was cut short: parsing stopped at a bound and says so to the user.
enum class Complexity {
    Ok,
    TooDeep,          ///< more nested multiparts/messages than ParseLimits::maxDepth
    TooManyParts,     ///< more parts than ParseLimits::maxParts
    HeaderTooLarge,   ///< a header block larger than ParseLimits::maxHeaderBytes
    TooManyAddresses, ///< an address header with more than ParseLimits::maxAddresses mailboxes
};

/// The bounds every parse holds to. A message beyond them is shown as far as the bound and
/// carries Message::tooComplex with a note, never a crash.
struct ParseLimits final {
    int maxDepth = 32;                     ///< nesting of multipart and message/rfc822
    int maxParts = 10000;                  ///< MIME parts in one message, all levels
    qsizetype maxHeaderBytes = 256 * 1024; ///< one header block (top level or a part's)
    int maxAddresses = 1000;               ///< mailboxes kept per address header
    /// Parameters read from one Content-Type or Content-Disposition field; the rest are
    /// ignored (with a warning). Real mail has a handful; GMime's check for repeated
    /// parameters compares each with all before it, so thousands cost seconds.
    int maxParameters = 256;
};

/// A parsed message as the viewer, reply, search and the store use it: a plain value type,
/// no GMime types. Single-instance headers that appear more than once (two From:, two
/// Subject:) are resolved once here — the first occurrence wins — so every consumer shows
/// the same choice, and the message is flagged as possibly crafted.
struct Message final {
    QList<Header> headers;
    QString subject;
    QList<Address> from;
    QList<Address> sender;
    QList<Address> replyTo;
    QList<Address> to;
    QList<Address> cc;
    QList<Address> bcc;
    QDateTime date;               ///< UTC; invalid when missing or unparsable
    QByteArray messageId;         ///< without angle brackets
    QByteArray inReplyTo;         ///< first msg-id of In-Reply-To, without angle brackets
    QList<QByteArray> references; ///< msg-ids of References, oldest first, without brackets

    QList<Part> parts;            ///< pre-order; parts[0] is the root body when not empty
    int bestTextIndex = -1;       ///< the preferred text/plain body part, -1 if none
    int bestHtmlIndex = -1;       ///< the preferred text/html body part, -1 if none
    QList<int> attachmentIndexes; ///< parts shown as attachments, in order

    /// Parser findings in plain words (duplicated headers, missing boundaries, ...).
    QStringList warnings;
    /// True when the structure is self-contradictory in a way mailers do not produce by
    /// accident (conflicting headers, a multipart without boundary, headers cut off by a
    /// boundary): the UI shows a "this message may be crafted" notice.
    bool crafted = false;
    /// True when parsing stopped at a bound; complexityNote says which one.
    bool tooComplex = false;
    Complexity complexity = Complexity::Ok;
    QString complexityNote;

    [[nodiscard]] QString bestText() const;
    [[nodiscard]] QString bestHtml() const;
    [[nodiscard]] bool hasHtml() const { return bestHtmlIndex >= 0; }
    [[nodiscard]] QList<Part> attachments() const;
    /// The part with this Content-ID (with or without angle brackets, or a "cid:" URL), -1 if none.
    [[nodiscard]] int partIndexByContentId(QByteArray contentId) const;
    /// The part with this IMAP section, -1 if none.
    [[nodiscard]] int partIndexBySection(const QString &section) const;
    /// Indexes of the direct children of parts[index] (or of the root when index is -1).
    [[nodiscard]] QList<int> childIndexes(int index) const;
    /// The value of the first header with this name (case-insensitive), null when absent.
    [[nodiscard]] QString header(QByteArrayView name) const;
};

/// An untranslated English sentence for the note shown on a message cut short.
[[nodiscard]] QString complexityDescription(Complexity complexity);

} // namespace Tidings::Mime
