// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

// The typed IMAP response model: what Tidings::Imap::Parser produces from server bytes.
//
// Every server response becomes one `Response` (a std::variant of small value structs with
// operator==). Strings that are protocol tokens (flags, capabilities, tags, section names) stay
// QByteArray exactly as sent, except where noted as normalised to upper case. Human text (resp-text)
// is QString decoded as UTF-8. Envelope fields stay raw bytes: RFC 2047 decoding belongs to
// core/mime. Mailbox names carry both the server's raw bytes (reuse them verbatim in commands) and a
// decoded display name (modified UTF-7, RFC 3501 §5.1.3, or UTF-8 under UTF8=ACCEPT, RFC 6855).

#include "core/imap/uidset.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

namespace Tidings::Imap {

/// A response code in brackets after OK/NO/BAD/PREAUTH/BYE: RFC 3501 §7.1, RFC 9051 §7.1,
/// RFC 4315 (UIDPLUS), RFC 7162 (CONDSTORE), RFC 5530 (the error codes).
struct ResponseCode {
    enum class Kind {
        None, ///< no [code] present
        Alert,
        BadCharset, ///< `list` holds the charsets the server offers
        Capability, ///< `list` holds the capabilities (upper case)
        Parse,
        PermanentFlags, ///< `list` holds the flags, including "\*"
        ReadOnly,
        ReadWrite,
        TryCreate,
        UidNext,       ///< `number`
        UidValidity,   ///< `number`
        Unseen,        ///< `number`
        HighestModSeq, ///< `number` (RFC 7162 §3.1.2.1)
        NoModSeq,
        Modified,  ///< `uids` (RFC 7162 §3.1.3)
        AppendUid, ///< `number` = UIDVALIDITY, `uids` = the new UID(s) (RFC 4315 §3)
        CopyUid,   ///< `number` = UIDVALIDITY, `sourceUids`, `uids` = destination UIDs
        UidNotSticky,
        Closed, ///< RFC 7162 §3.2.11
        // RFC 5530
        Unavailable,
        AuthenticationFailed,
        AuthorizationFailed,
        Expired,
        PrivacyRequired,
        ContactAdmin,
        NoPerm,
        InUse,
        ExpungeIssued,
        Corruption,
        ServerBug,
        ClientBug,
        Cannot,
        Limit,
        OverQuota,
        AlreadyExists,
        NonExistent,
        // RFC 9051 / others seen in the wild
        HasChildren,
        NotSaved,
        Unknown, ///< any other atom: `atom` and `text` keep it
    };

    Kind kind = Kind::None;
    QByteArray atom;          ///< the code's name as sent, upper-cased ("UIDNEXT", "X-GM-FOO")
    QByteArray text;          ///< raw bytes after the name up to ']' for Unknown (and kept for all)
    QList<QByteArray> list;   ///< Capability, PermanentFlags, BadCharset
    std::uint64_t number = 0; ///< UidNext, UidValidity, Unseen, HighestModSeq, AppendUid/CopyUid validity
    UidSet uids;              ///< AppendUid, CopyUid (destination), Modified
    UidSet sourceUids;        ///< CopyUid (source)

    friend bool operator==(const ResponseCode &, const ResponseCode &) = default;
};

/// The upper-case wire name of a known code kind ("UIDVALIDITY"); empty for None/Unknown.
[[nodiscard]] QByteArray responseCodeName(ResponseCode::Kind kind);

enum class Status { Ok, No, Bad, PreAuth, Bye };

/// A tagged completion (`a1 OK ...`) or an untagged status (`* OK ...`, `* BYE ...`):
/// RFC 3501 §7.1. `tag` is empty for untagged responses.
struct StatusResponse {
    QByteArray tag;
    Status status = Status::Ok;
    ResponseCode code;
    QString text; ///< human-readable text, UTF-8 decoded (never empty-checked by the protocol)
    friend bool operator==(const StatusResponse &, const StatusResponse &) = default;
};

/// The server greeting: the first response on a connection, an untagged OK, PREAUTH or BYE
/// (RFC 3501 §7.1). The parser reports it only once per connection.
struct Greeting {
    StatusResponse status;
    friend bool operator==(const Greeting &, const Greeting &) = default;
};

/// `+ text` (RFC 3501 §7.5). For AUTHENTICATE the text is the base64 challenge, kept as bytes.
struct ContinuationRequest {
    QByteArray text;
    friend bool operator==(const ContinuationRequest &, const ContinuationRequest &) = default;
};

/// `* CAPABILITY ...`; capabilities are normalised to upper case ("IMAP4REV1", "AUTH=PLAIN").
struct Capability {
    QList<QByteArray> capabilities;
    friend bool operator==(const Capability &, const Capability &) = default;
};

/// `* ENABLED ...` (RFC 5161), upper case.
struct Enabled {
    QList<QByteArray> capabilities;
    friend bool operator==(const Enabled &, const Enabled &) = default;
};

/// A mailbox name as the server sent it and as a person reads it.
struct MailboxName {
    QByteArray raw;  ///< exact bytes from the server; use these in commands (INBOX normalised to "INBOX")
    QString display; ///< decoded: modified UTF-7 (RFC 3501 §5.1.3) or UTF-8 under UTF8=ACCEPT
    friend bool operator==(const MailboxName &, const MailboxName &) = default;
};

/// `* STATUS mailbox (...)`: RFC 3501 §7.2.4, RFC 9051 §7.3.4 (DELETED, SIZE), RFC 7162 (HIGHESTMODSEQ).
/// Also what LIST-STATUS (RFC 5819) returns: separate STATUS responses interleaved with LIST.
struct MailboxStatus {
    MailboxName mailbox;
    std::optional<std::uint32_t> messages;
    std::optional<std::uint32_t> recent;
    std::optional<std::uint32_t> uidNext;
    std::optional<std::uint32_t> uidValidity;
    std::optional<std::uint32_t> unseen;
    std::optional<std::uint32_t> deleted;
    std::optional<std::uint64_t> size;
    std::optional<std::uint64_t> highestModSeq;
    friend bool operator==(const MailboxStatus &, const MailboxStatus &) = default;
};

/// `* LIST (\HasNoChildren) "/" INBOX` and `* LSUB ...`: RFC 3501 §7.2.2, RFC 5258 (LIST-EXTENDED),
/// RFC 6154 (special-use attributes).
struct ListEntry {
    bool lsub = false;
    QList<QByteArray> attributes; ///< as sent, e.g. "\\HasNoChildren", "\\Sent"
    char delimiter = 0;           ///< 0 when the server says NIL (flat namespace)
    MailboxName mailbox;
    QList<QByteArray> childInfo;        ///< RFC 5258 CHILDINFO extended data, e.g. "SUBSCRIBED"
    std::optional<MailboxName> oldName; ///< RFC 5465/9051 OLDNAME extended data

    [[nodiscard]] bool hasAttribute(QByteArrayView attribute) const; ///< case-insensitive
    friend bool operator==(const ListEntry &, const ListEntry &) = default;
};

/// `* FLAGS (...)`.
struct Flags {
    QList<QByteArray> flags;
    friend bool operator==(const Flags &, const Flags &) = default;
};

struct Exists {
    std::uint32_t count = 0;
    friend bool operator==(const Exists &, const Exists &) = default;
};

struct Recent {
    std::uint32_t count = 0;
    friend bool operator==(const Recent &, const Recent &) = default;
};

/// `* n EXPUNGE` (a sequence number).
struct Expunge {
    std::uint32_t seq = 0;
    friend bool operator==(const Expunge &, const Expunge &) = default;
};

/// `* VANISHED [(EARLIER)] uid-set` (RFC 7162 §3.2.10).
struct Vanished {
    bool earlier = false;
    UidSet uids;
    friend bool operator==(const Vanished &, const Vanished &) = default;
};

/// `* SEARCH 2 3 6 [(MODSEQ 917162500)]` (RFC 3501 §7.2.5, RFC 7162 §3.1.5).
struct Search {
    QList<std::uint32_t> ids;
    std::optional<std::uint64_t> modSeq;
    friend bool operator==(const Search &, const Search &) = default;
};

/// `* ESEARCH (TAG "a1") UID MIN 2 MAX 47 COUNT 3 ALL 2,10:11` (RFC 4731, RFC 9051 §7.3.4).
struct ESearch {
    QByteArray tag; ///< the correlator; empty if absent
    bool uid = false;
    std::optional<std::uint32_t> min;
    std::optional<std::uint32_t> max;
    std::optional<std::uint32_t> count;
    std::optional<UidSet> all;
    std::optional<std::uint64_t> modSeq;
    friend bool operator==(const ESearch &, const ESearch &) = default;
};

/// An address in an ENVELOPE (RFC 3501 §7.4.2). Raw bytes: `name` may be RFC 2047 encoded.
/// A group start has host empty and mailbox = group name; a group end has both empty.
struct Address {
    QByteArray name;
    QByteArray adl;
    QByteArray mailbox;
    QByteArray host;
    friend bool operator==(const Address &, const Address &) = default;
};

/// ENVELOPE (RFC 3501 §7.4.2). NIL and "" both become an empty QByteArray.
struct Envelope {
    // A user-provided constructor: value-initialisation (optional::emplace(), as the parser
    // builds a response in place) then runs the member initialisers only, instead of first
    // zero-filling the whole object. The same holds for BodyStructure and Fetch below.
    Envelope() noexcept {}

    QByteArray date; ///< raw RFC 5322 date text; parsing is core/mime's job
    QByteArray subject;
    QList<Address> from;
    QList<Address> sender;
    QList<Address> replyTo;
    QList<Address> to;
    QList<Address> cc;
    QList<Address> bcc;
    QByteArray inReplyTo;
    QByteArray messageId;
    friend bool operator==(const Envelope &, const Envelope &) = default;
};

/// A parameter list value: `("CHARSET" "UTF-8" "NAME" "x.pdf")`. Attribute names upper-cased.
struct BodyParameter {
    QByteArray name;
    QByteArray value;
    friend bool operator==(const BodyParameter &, const BodyParameter &) = default;
};

/// BODYSTRUCTURE / BODY (RFC 3501 §7.4.2, RFC 9051 §7.5.2): a recursive tree.
///
/// Multipart nodes have `type` "MULTIPART" and their children in `parts`. A message/rfc822 (and
/// message/global) node carries the encapsulated message's `envelope` and its body as the only
/// element of `parts`. Types, subtypes, encodings and parameter names are upper-cased; values are
/// kept as sent. Missing extension data stays empty/nullopt.
struct BodyStructure {
    BodyStructure() noexcept {} // see Envelope()

    QByteArray type;    ///< "TEXT", "IMAGE", "MULTIPART", ...
    QByteArray subtype; ///< "PLAIN", "MIXED", ...
    QList<BodyParameter> parameters;
    QByteArray id;
    QByteArray description;
    QByteArray encoding;                ///< "7BIT", "BASE64", ...
    std::uint64_t size = 0;             ///< body-fld-octets: encoded size in bytes
    std::optional<std::uint64_t> lines; ///< text/* and message/rfc822
    std::optional<Envelope> envelope;   ///< message/rfc822
    std::vector<BodyStructure> parts;   ///< multipart children, or the encapsulated message body

    // Extension data (BODYSTRUCTURE only)
    QByteArray md5;
    QByteArray disposition; ///< "ATTACHMENT", "INLINE" (upper-cased); empty if NIL
    QList<BodyParameter> dispositionParameters;
    QList<QByteArray> language;
    QByteArray location;

    [[nodiscard]] bool isMultipart() const { return type == "MULTIPART"; }
    /// Looks a parameter up by (case-insensitive) name; empty if absent.
    [[nodiscard]] QByteArray parameter(QByteArrayView name) const;
    friend bool operator==(const BodyStructure &, const BodyStructure &) = default;
};

/// One BODY[section]<origin>, BINARY[section] or RFC822* item of a FETCH response.
struct BodySection {
    enum class Kind { Body, Binary, Rfc822, Rfc822Header, Rfc822Text };
    Kind kind = Kind::Body;
    QByteArray section; ///< inside the brackets, as sent: "", "1.2", "HEADER.FIELDS (SUBJECT FROM)"
    std::optional<std::uint32_t> origin; ///< <origin> of a partial fetch
    QByteArray data;                     ///< the content, unless it went to the BodySink
    bool isNil = false;                  ///< the server sent NIL
    bool streamed = false;               ///< the content went to the registered BodySink; `data` is empty
    std::uint64_t size = 0;              ///< content size in bytes (also when streamed)
    friend bool operator==(const BodySection &, const BodySection &) = default;
};

/// `* n FETCH (...)`: RFC 3501 §7.4.2, RFC 9051 §7.5.2, RFC 3516 (BINARY), RFC 7162 (MODSEQ),
/// and Gmail's X-GM-MSGID/X-GM-THRID/X-GM-LABELS. Only the items the server sent are set.
struct Fetch {
    Fetch() noexcept {} // see Envelope()

    std::uint32_t seq = 0;
    std::optional<std::uint32_t> uid;
    std::optional<QList<QByteArray>> flags;
    std::optional<QDateTime> internalDate; ///< UTC
    std::optional<std::uint64_t> rfc822Size;
    std::optional<Envelope> envelope;
    std::optional<BodyStructure> bodyStructure; ///< BODYSTRUCTURE or BODY (non-extensible)
    QList<BodySection> sections;
    QList<std::pair<QByteArray, std::uint64_t>> binarySizes; ///< BINARY.SIZE[section]
    std::optional<std::uint64_t> modSeq;
    std::optional<std::uint64_t> gmailMessageId;
    std::optional<std::uint64_t> gmailThreadId;
    std::optional<QList<QByteArray>> gmailLabels;
    QList<QByteArray> unknownItems; ///< names of items this parser does not know (values skipped)

    /// The first section with this kind and section text, or nullptr.
    [[nodiscard]] const BodySection *findSection(QByteArrayView section,
                                                 BodySection::Kind kind = BodySection::Kind::Body) const;
    friend bool operator==(const Fetch &, const Fetch &) = default;
};

/// `* ID (...)` (RFC 2971); nullopt values are NIL.
struct Id {
    QList<std::pair<QByteArray, std::optional<QByteArray>>> fields;
    friend bool operator==(const Id &, const Id &) = default;
};

/// `* NAMESPACE` (RFC 2342, RFC 9051 §7.3.5).
struct NamespaceDescription {
    QByteArray prefix;
    char delimiter = 0;
    friend bool operator==(const NamespaceDescription &, const NamespaceDescription &) = default;
};
struct Namespace {
    QList<NamespaceDescription> personal;
    QList<NamespaceDescription> otherUsers;
    QList<NamespaceDescription> shared;
    friend bool operator==(const Namespace &, const Namespace &) = default;
};

/// `* QUOTA root (STORAGE 10 512)` (RFC 9208 / RFC 2087).
struct QuotaResource {
    QByteArray name; ///< upper-cased: "STORAGE", "MESSAGE"
    std::uint64_t usage = 0;
    std::uint64_t limit = 0;
    friend bool operator==(const QuotaResource &, const QuotaResource &) = default;
};
struct Quota {
    QByteArray root;
    QList<QuotaResource> resources;
    friend bool operator==(const Quota &, const Quota &) = default;
};
/// `* QUOTAROOT mailbox root...`
struct QuotaRoot {
    MailboxName mailbox;
    QList<QByteArray> roots;
    friend bool operator==(const QuotaRoot &, const QuotaRoot &) = default;
};

/// Any untagged response this parser does not model (`* XYZZY ...`, `* 3 FOO`): kept, not fatal.
struct Unknown {
    QByteArray name;                     ///< upper-cased keyword ("XYZZY"); for `* 3 FOO` it is "FOO"
    std::optional<std::uint32_t> number; ///< the leading number, if any
    QByteArray raw;                      ///< the whole response as received (literal contents included)
    friend bool operator==(const Unknown &, const Unknown &) = default;
};

using Response = std::variant<Greeting, StatusResponse, ContinuationRequest, Capability, Enabled, ListEntry,
                              MailboxStatus, Flags, Exists, Recent, Expunge, Vanished, Search, ESearch, Fetch,
                              Id, Namespace, Quota, QuotaRoot, Unknown>;

} // namespace Tidings::Imap
