// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/error.h"
#include "core/imap/response.h"
#include "core/imap/uidset.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <variant>

namespace Tidings::Imap {

/// What the server lets the encoder use; the session fills it from CAPABILITY/ENABLE.
struct EncoderOptions {
    enum class Literals {
        Synchronising, ///< plain IMAP4rev1: every literal waits for '+'
        LiteralPlus,   ///< LITERAL+ (RFC 7888): {n+} for any size
        LiteralMinus,  ///< LITERAL- (RFC 7888, IMAP4rev2): {n+} up to 4096 bytes, {n} above
    };
    Literals literals = Literals::Synchronising;
    bool utf8Accepted = false; ///< UTF8=ACCEPT enabled (RFC 6855): quoted strings may carry UTF-8
    bool binary = false;       ///< BINARY (RFC 3516): ~{n} literals may carry NUL
};

/// The largest literal LITERAL- allows without waiting for '+' (RFC 7888 §4).
inline constexpr qsizetype LiteralMinusMax = 4096;
/// Strings up to this size are quoted when they can be; longer ones become literals, so no
/// command line grows past what servers accept (Dovecot's default is 64 KiB).
inline constexpr qsizetype MaxQuotedLength = 1024;

/// A command ready for the socket.
///
/// Send parts[0]; then, before each further part, wait for a '+' continuation from the server
/// (a synchronising literal has just been announced). If the server answers with a tagged NO or
/// BAD instead, the command is over and the remaining parts must not be sent. The last part ends
/// with CRLF. Non-synchronising literals ({n+}) travel inside their part and never split it.
struct EncodedCommand {
    QByteArray tag;
    QList<QByteArray> parts;

    /// All parts concatenated: what the server finally receives (for tests and the protocol log).
    [[nodiscard]] QByteArray joined() const;
    [[nodiscard]] qsizetype continuationCount() const { return parts.isEmpty() ? 0 : parts.size() - 1; }
    friend bool operator==(const EncodedCommand &, const EncodedCommand &) = default;
};

/// Builds one command from typed arguments, choosing the form of each string (atom, quoted string
/// or literal) by RFC 3501 §4 / RFC 9051 §4. Arguments are separated by single spaces; list()
/// opens and closes parentheses. A value that cannot be sent safely (CR, LF or NUL in a mailbox
/// name or search string, NUL in a non-binary literal, an empty sequence set, an atom with
/// specials) makes build() return an Error of kind Protocol instead of any bytes: such a value
/// never reaches the wire.
///
///     CommandBuilder b("a1", options);
///     b.keyword("UID FETCH").sequenceSet(uids).raw("(UID FLAGS)");
///     auto result = b.build();
class CommandBuilder final
{
public:
    explicit CommandBuilder(QByteArray tag, EncoderOptions options = {});

    /// One or more keywords separated by single spaces ("UID STORE", "+FLAGS.SILENT"): atom
    /// characters only (plus '+', '.', '[', ']', '<', '>' for FETCH items).
    CommandBuilder &keyword(QByteArrayView words);
    /// Verbatim bytes (e.g. a pre-built FETCH item list); refused if they contain CR, LF or NUL.
    CommandBuilder &raw(QByteArrayView bytes);
    CommandBuilder &number(quint64 value);
    CommandBuilder &sequenceSet(const UidSet &set);
    /// astring: an atom when possible, else a quoted string, else a literal. CR/LF/NUL refused.
    CommandBuilder &astring(QByteArrayView value);
    /// string: quoted when possible, else a literal (never an atom). CR/LF/NUL refused.
    CommandBuilder &string(QByteArrayView value);
    /// nstring: NIL for a null QByteArray, else string().
    CommandBuilder &nstring(const QByteArray &value);
    /// A mailbox for a person-typed name: modified UTF-7 (or UTF-8 under UTF8=ACCEPT), then astring.
    CommandBuilder &mailbox(const QString &name);
    /// A mailbox the server named: its raw bytes exactly as received.
    CommandBuilder &mailbox(const MailboxName &name);
    /// A literal that may carry CR and LF (APPEND message data). NUL needs `binary` and the BINARY
    /// capability (sent as ~{n}).
    CommandBuilder &literal(QByteArrayView data, bool binary = false);
    /// A flag list "(\Seen $Label)"; flags must be atoms (with a leading '\' allowed).
    CommandBuilder &flags(const QList<QByteArray> &flags);
    CommandBuilder &beginList();
    CommandBuilder &endList();

    /// The command with its final CRLF, or why it cannot be sent.
    [[nodiscard]] std::variant<EncodedCommand, Error> build() const;

private:
    void separator();
    void refuse(const QString &reason);
    void appendLiteral(QByteArrayView data, bool binary);

    QByteArray m_tag;
    EncoderOptions m_options;
    QList<QByteArray> m_parts;
    bool m_needSpace = false;
    int m_openLists = 0;
    Error m_error;
};

/// True when `value` can be sent as an atom (RFC 3501 §9 ATOM-CHAR, and not "NIL"); with
/// `astring`, ']' is allowed too (ASTRING-CHAR), as in "[Gmail]/Sent".
[[nodiscard]] bool isAtom(QByteArrayView value, bool astring = false);
/// The quoted form of `value` ("\"a \\\"b\\\"\""), or an empty QByteArray if it cannot be quoted
/// (CR, LF, NUL, or 8-bit data when `utf8` is false or the data is not valid UTF-8).
[[nodiscard]] QByteArray quoted(QByteArrayView value, bool utf8);

} // namespace Tidings::Imap
