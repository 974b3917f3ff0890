// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <deque>

namespace Tidings::Pop3 {

/// The first line of every POP3 reply (RFC 1939 §3): `+OK text`, `-ERR text`, or, during AUTH,
/// a SASL continuation `+ base64` (RFC 5034 §4).
struct StatusLine {
    enum class Kind { Ok, Err, Continuation };
    Kind kind = Kind::Ok;
    QByteArray text;         ///< after the status indicator and one space, response code included
    QByteArray responseCode; ///< RFC 2449 §8 extended response code, e.g. "AUTH", "SYS/TEMP", "IN-USE"

    [[nodiscard]] bool isOk() const { return kind == Kind::Ok; }
    friend bool operator==(const StatusLine &, const StatusLine &) = default;
};

/// What the client expects as the next reply; the parser must be told, since POP3 replies do
/// not say whether a multi-line body follows (RFC 1939 §3).
enum class ReplyShape {
    Single,      ///< one status line
    Auth,        ///< one status line, `+ ` continuations allowed (AUTH exchanges)
    MultiLines,  ///< status, and after +OK dot-terminated lines delivered one by one (CAPA, UIDL, LIST)
    MultiStream, ///< status, and after +OK the dot-unstuffed body streamed in chunks (RETR, TOP)
};

/// Receives what the parser finds. Data views point into the parser's input or buffer and are
/// valid only during the call.
class ResponseHandler
{
public:
    virtual ~ResponseHandler();
    virtual void statusLine(const StatusLine &status) = 0;
    /// MultiLines: one unstuffed line without its CRLF. MultiStream: a chunk of the unstuffed body,
    /// line ends included, split anywhere.
    virtual void data(QByteArrayView bytes) = 0;
    /// The terminating `.` line of a multi-line reply was read.
    virtual void end() = 0;
};

/// An incremental POP3 reply parser: bytes in, typed events out, never a copy of a message body.
///
/// Replies are matched to the expectations pushed with expect() in order, so pipelined commands
/// (RFC 2449 §6.6) are parsed as their replies arrive. Multi-line bodies are dot-unstuffed
/// byte-exactly: a leading `.` is removed from every line that has one, the line `.` CRLF ends
/// the body, and nothing else changes (a bare CR or LF inside a line passes through; a line end
/// is the LF).
///
/// Bounds: a status line is at most maxStatusLine bytes; in MultiLines mode a line is at most
/// maxListLine bytes and a reply at most maxListBytes; a MultiStream body at most maxBodyBytes.
/// Breaking a bound, or a status line that is neither +OK nor -ERR, is a parse error: the parser
/// stops and the connection must be closed.
class ResponseParser final
{
public:
    struct Limits {
        qsizetype maxStatusLine = 4096;
        qsizetype maxListLine = 4096;
        qint64 maxListBytes = 64LL * 1024 * 1024;
        qint64 maxBodyBytes = 512LL * 1024 * 1024;
    };

    explicit ResponseParser(ResponseHandler &handler);
    ResponseParser(ResponseHandler &handler, Limits limits);

    /// Queues the shape of the next expected reply.
    void expect(ReplyShape shape);
    /// Number of replies still expected (the current one included).
    [[nodiscard]] qsizetype pending() const { return qsizetype(m_expected.size()); }

    /// Feeds received bytes. Returns how many were consumed: fewer than given only when no reply
    /// is expected any more (the rest is the caller's: unsolicited bytes, or TLS after STLS) or
    /// on a parse error.
    qsizetype feed(QByteArrayView bytes);

    [[nodiscard]] bool hasError() const { return !m_error.isEmpty(); }
    /// What broke, with an excerpt of the offending bytes.
    [[nodiscard]] QByteArray error() const { return m_error; }
    /// True while nothing of the current reply has been read (a reply boundary).
    [[nodiscard]] bool atReplyBoundary() const { return m_state == State::Status && m_line.isEmpty(); }
    /// Bytes of the current multi-line body so far (after unstuffing).
    [[nodiscard]] qint64 bodyBytes() const { return m_bodyBytes; }

    /// Parses one status line (without CRLF); false if it is not one.
    [[nodiscard]] static bool parseStatusLine(QByteArrayView line, bool allowContinuation, StatusLine *out);

private:
    enum class State { Status, LineStart, InLine, Dot, DotCr, ListLine };
    qsizetype feedStatus(const char *p, const char *end);
    qsizetype feedStream(const char *p, const char *end);
    qsizetype feedLines(const char *p, const char *end);
    void finishReply();
    void setError(QByteArray what, QByteArrayView excerpt);
    bool emitBody(const char *p, qsizetype n);

    ResponseHandler &m_handler;
    Limits m_limits;
    std::deque<ReplyShape> m_expected;
    State m_state = State::Status;
    QByteArray m_line;
    qint64 m_bodyBytes = 0;
    QByteArray m_error;
};

} // namespace Tidings::Pop3
