// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/error.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <deque>

namespace Tidings::Smtp {

/// One SMTP reply (RFC 5321 §4.2): a three-digit code and one or more lines of text.
struct Reply {
    int code = 0;
    QByteArray enhancedCode;  ///< RFC 3463 "5.7.1" from the first line, if present
    QList<QByteArray> lines;  ///< text after "NNN-" / "NNN " on each line, verbatim

    [[nodiscard]] bool isPositive() const { return code >= 200 && code < 400; }
    [[nodiscard]] bool isTransient() const { return code >= 400 && code < 500; }
    [[nodiscard]] bool isPermanent() const { return code >= 500; }
    /// Every line joined by a space, as the server wrote it (enhanced code included).
    [[nodiscard]] QString text() const;
    friend bool operator==(const Reply &, const Reply &) = default;
};

/// An incremental SMTP reply parser: bytes in, whole replies out.
///
/// Multi-line replies (`250-...` continued by `250 ...`) are joined; every line of one reply
/// must carry the same code. A line ends at LF (a CR before it is dropped). Bounds: a line is at
/// most maxLineBytes (RFC 5321 §4.5.3.1.5 allows 512; servers send longer EHLO lines), a reply
/// at most maxLines lines. Breaking a bound or a line that is not `DDD[ -]text` is a parse error
/// and the parser stops.
class ReplyParser final
{
public:
    static constexpr qsizetype MaxLineBytes = 4096;
    static constexpr qsizetype MaxLines = 512;

    void feed(QByteArrayView bytes);
    [[nodiscard]] bool hasReply() const { return !m_ready.empty(); }
    /// The oldest complete reply; only valid when hasReply().
    [[nodiscard]] Reply takeReply();
    /// Bytes received that are not part of a taken reply (partial line, replies not yet taken).
    [[nodiscard]] bool hasBufferedBytes() const { return !m_line.isEmpty() || !m_current.lines.isEmpty() || !m_ready.empty(); }
    [[nodiscard]] bool hasError() const { return !m_error.isEmpty(); }
    [[nodiscard]] QByteArray error() const { return m_error; }

    /// Parses one line without its line end; false if it is not an SMTP reply line.
    [[nodiscard]] static bool parseLine(QByteArrayView line, int *code, bool *last, QByteArrayView *text);
    /// "5.7.1" at the start of @p text when its class matches @p code (RFC 3463 §2), else empty.
    [[nodiscard]] static QByteArray enhancedCode(QByteArrayView text, int code);

private:
    void line(QByteArrayView line);

    QByteArray m_line;
    Reply m_current;
    std::deque<Reply> m_ready;
    QByteArray m_error;
};

/// What EHLO said (RFC 5321 §4.1.1.1 and the extensions' RFCs).
struct Capabilities {
    bool esmtp = false;       ///< EHLO was accepted (otherwise HELO: no extensions)
    bool startTls = false;    ///< RFC 3207
    bool pipelining = false;  ///< RFC 2920
    bool eightBitMime = false; ///< RFC 6152
    bool smtpUtf8 = false;    ///< RFC 6531
    bool enhancedStatusCodes = false; ///< RFC 2034
    bool chunking = false;    ///< RFC 3030
    bool sizeAdvertised = false;
    qint64 maxSize = 0;       ///< RFC 1870 SIZE; 0 = no fixed limit
    QList<QByteArray> auth;   ///< RFC 4954 mechanisms, upper case
    QByteArray domain;        ///< the server's name from the first line

    [[nodiscard]] static Capabilities fromEhlo(const Reply &reply);
};

/// Why a reply refused something, in the terms a person can act on.
enum class Problem {
    None,
    AuthenticationRequired, ///< 530 / 5.7.0: sign in first
    AuthenticationFailed,   ///< 535 / 5.7.8: user name or password refused
    SenderNotOwned,         ///< the From address is not the account's own
    SenderRejected,         ///< MAIL FROM refused for another reason
    MessageTooLarge,        ///< 552 / 5.3.4, or over the advertised SIZE before sending
    Spam,                   ///< refused as spam
    MailboxUnavailable,     ///< recipient refused: no such user, mailbox disabled or full
    TemporaryFailure,       ///< 4xx: retry later
    DeliveryUncertain,      ///< the connection ended after the message and before the server's answer
    NotSupported,           ///< the message needs an extension the server lacks (8BITMIME, SMTPUTF8)
    Other,
};

/// Stable, untranslated name ("SenderNotOwned").
[[nodiscard]] QString problemName(Problem problem);

/// The SMTP command a reply answers, for classification.
enum class Stage { Connect, Helo, Auth, Mail, Rcpt, Data, DataEnd };

/// Maps a negative reply to a Problem (reply codes RFC 5321 §4.2.3, enhanced codes RFC 3463,
/// and the texts of common servers such as Postfix's "Sender address rejected: not owned by
/// user").
[[nodiscard]] Problem classify(const Reply &reply, Stage stage);

/// An Error in plain words for @p problem that keeps the server's text and codes.
[[nodiscard]] Error errorFor(Problem problem, const Reply &reply, const QString &context = {});

} // namespace Tidings::Smtp
