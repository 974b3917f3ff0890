// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/imap/response.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QtGlobal>
#include <QString>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

namespace Tidings::Imap {

/// Bounds of the parser. Exceeding one is a ParseError that closes the connection, never a crash
/// and never unbounded memory. docs/imap.md explains each value.
namespace Limits {
/// Bytes of one response outside literals (all its lines). A `* SEARCH` over 2.5 million
/// messages with 8-digit UIDs is ~22 MiB, the largest legitimate single line seen in practice.
inline constexpr qsizetype MaxLineBytes = 32 * 1024 * 1024;
/// One literal that is not message content (a mailbox name, an envelope field, a header list).
inline constexpr std::uint64_t MaxLiteralBytes = 16 * 1024 * 1024;
/// Message content (BODY[...], BINARY[...], RFC822*) kept in memory because no BodySink took it.
inline constexpr std::uint64_t MaxBufferedBodyBytes = 256 * 1024 * 1024;
/// Nesting of parenthesised lists (BODYSTRUCTURE multiparts nest; real mail stays below 20).
inline constexpr int MaxDepth = 64;
/// Elements of one parenthesised list (flags, capabilities, multipart children, addresses).
inline constexpr int MaxListElements = 100000;
} // namespace Limits

/// A byte sequence the parser cannot accept. The connection must be closed: IMAP has no way to
/// resynchronise after a framing error.
struct ParseError {
    std::uint64_t offset = 0; ///< offset in the connection's byte stream (all feed() calls together)
    QByteArray excerpt;       ///< up to 40 bytes around the offset, control bytes escaped
    QString reason;           ///< technical, untranslated
    friend bool operator==(const ParseError &, const ParseError &) = default;
};

/// Describes message content that is about to stream into a BodySink.
struct BodyStreamInfo {
    std::uint32_t seq = 0;  ///< the FETCH response's message sequence number
    BodySection::Kind kind = BodySection::Kind::Body;
    QByteArray section;     ///< as in BodySection::section
    std::optional<std::uint32_t> origin;
    std::uint64_t size = 0; ///< the literal's announced size: what will arrive
    friend bool operator==(const BodyStreamInfo &, const BodyStreamInfo &) = default;
};

/// Receives BODY[...]/BINARY[...]/RFC822* literal content as it arrives, so a huge or hostile
/// `{4294967295}` costs only the bytes that actually arrive, and no copy is kept by the parser.
/// The matching Fetch response (emitted after the literal and the rest of the line) carries the
/// BodySection with `streamed = true` and the size.
class BodySink
{
public:
    virtual ~BodySink() = default;
    /// A content literal starts. Return false to let the parser buffer it instead (subject to
    /// Limits::MaxBufferedBodyBytes); e.g. take only large ones.
    virtual bool begin(const BodyStreamInfo &info) = 0;
    /// The next chunk (never empty; all chunks together are exactly info.size bytes).
    virtual void data(QByteArrayView chunk) = 0;
    /// All bytes have arrived.
    virtual void end() = 0;
};

/// An incremental IMAP response parser (RFC 3501 §9 / RFC 9051 §9 grammar for server responses).
///
/// Feed it the bytes from the socket as they arrive, split anywhere; it emits each complete
/// response as soon as its last CRLF arrives. It keeps its scanning state between calls, so each
/// byte is examined a bounded number of times (O(n) in total, whatever the split).
///
/// After a ParseError the parser is failed for good: further feed() calls do nothing and return
/// false. The session closes the connection.
///
/// The first response on a connection is reported as Greeting when it is an untagged
/// OK/PREAUTH/BYE (disable with setExpectGreeting(false) for a parser attached mid-stream).
///
/// A handler or sink may destroy the parser (feed() then returns false at once without touching
/// it), but must not call feed() re-entrantly.
///
/// Not thread-safe; one parser per connection.
class Parser final
{
public:
    using ResponseHandler = std::function<void(Response &&)>;

    Parser();
    ~Parser();
    Q_DISABLE_COPY_MOVE(Parser)

    /// Responses are delivered to this callback from inside feed(), in order. Without a handler
    /// they are queued for takeResponse().
    void setResponseHandler(ResponseHandler handler);
    /// Non-owning; nullptr removes it. Must outlive the parser or be removed first.
    void setBodySink(BodySink *sink);
    /// Under UTF8=ACCEPT (RFC 6855) mailbox names are UTF-8, not modified UTF-7.
    void setUtf8Accepted(bool accepted);
    void setExpectGreeting(bool expect);

    /// Consumes bytes. Returns false once a ParseError has happened (now or before).
    bool feed(QByteArrayView bytes);

    [[nodiscard]] bool hasResponse() const;
    /// Pops the oldest queued response (only used without a handler).
    [[nodiscard]] std::optional<Response> takeResponse();

    [[nodiscard]] bool hasError() const;
    [[nodiscard]] const std::optional<ParseError> &error() const;
    /// Bytes consumed so far (ParseError offsets are relative to the same origin).
    [[nodiscard]] std::uint64_t bytesConsumed() const;
    /// True when no partial response is buffered (between responses).
    [[nodiscard]] bool isIdle() const;

    /// Parses one complete response (including its CRLF) without incremental state: a helper for
    /// tests and tools. Greeting detection is off.
    [[nodiscard]] static std::variant<Response, ParseError> parseOne(QByteArrayView bytes, bool utf8Accepted = false);

private:
    class Private;
    std::unique_ptr<Private> d;
};

} // namespace Tidings::Imap
