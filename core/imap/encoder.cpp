// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/imap/encoder.h"

#include "core/imap/utf7.h"

#include <QStringDecoder>

namespace Tidings::Imap {

namespace {

bool isAtomChar(char c)
{
    const auto u = quint8(c);
    if (u <= 0x20 || u >= 0x7f)
        return false;
    switch (c) {
    case '(':
    case ')':
    case '{':
    case '%':
    case '*':
    case '"':
    case '\\':
    case ']':
        return false;
    default:
        return true;
    }
}

bool hasLineBreakOrNul(QByteArrayView v)
{
    for (char c : v) {
        if (c == '\r' || c == '\n' || c == '\0')
            return true;
    }
    return false;
}

bool isValidUtf8(QByteArrayView v)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString s = decoder.decode(v);
    return !decoder.hasError();
}

} // namespace

bool isAtom(QByteArrayView value, bool astring)
{
    if (value.isEmpty() || value.compare("NIL", Qt::CaseInsensitive) == 0)
        return false;
    for (char c : value) {
        if (!isAtomChar(c) && !(astring && c == ']'))
            return false;
    }
    return true;
}

QByteArray quoted(QByteArrayView value, bool utf8)
{
    bool eightBit = false;
    for (char c : value) {
        if (c == '\r' || c == '\n' || c == '\0')
            return {};
        if (quint8(c) >= 0x80)
            eightBit = true;
    }
    if (eightBit && (!utf8 || !isValidUtf8(value)))
        return {};
    QByteArray out;
    out.reserve(value.size() + 2);
    out.append('"');
    for (char c : value) {
        if (c == '"' || c == '\\')
            out.append('\\');
        out.append(c);
    }
    out.append('"');
    return out;
}

QByteArray EncodedCommand::joined() const
{
    QByteArray out;
    for (const QByteArray &part : parts)
        out.append(part);
    return out;
}

CommandBuilder::CommandBuilder(QByteArray tag, EncoderOptions options) : m_tag(std::move(tag)), m_options(options)
{
    if (!isAtom(m_tag) || m_tag.contains('+'))
        refuse(QStringLiteral("invalid tag"));
    m_parts.append(m_tag);
    m_needSpace = true;
}

void CommandBuilder::refuse(const QString &reason)
{
    if (!m_error)
        m_error = Error::make(Error::Kind::Protocol, reason);
}

void CommandBuilder::separator()
{
    if (m_needSpace)
        m_parts.last().append(' ');
    m_needSpace = true;
}

CommandBuilder &CommandBuilder::keyword(QByteArrayView words)
{
    if (words.isEmpty())
        refuse(QStringLiteral("empty keyword"));
    for (char c : words) {
        // Keywords and FETCH item names ("BODY.PEEK[HEADER.FIELDS (SUBJECT)]<0.100>"): printable
        // US-ASCII; a quote or a brace would start a string or a literal the builder did not plan.
        const auto u = quint8(c);
        if (u < 0x20 || u >= 0x7f || c == '"' || c == '{')
            refuse(QStringLiteral("keyword contains a character that needs quoting"));
    }
    separator();
    m_parts.last().append(words.data(), words.size());
    return *this;
}

CommandBuilder &CommandBuilder::raw(QByteArrayView bytes)
{
    if (hasLineBreakOrNul(bytes))
        refuse(QStringLiteral("CR, LF or NUL in a command argument"));
    separator();
    m_parts.last().append(bytes.data(), bytes.size());
    return *this;
}

CommandBuilder &CommandBuilder::number(quint64 value)
{
    separator();
    m_parts.last().append(QByteArray::number(value));
    return *this;
}

CommandBuilder &CommandBuilder::sequenceSet(const UidSet &set)
{
    if (set.isEmpty())
        refuse(QStringLiteral("empty sequence set"));
    separator();
    m_parts.last().append(set.toByteArray());
    return *this;
}

CommandBuilder &CommandBuilder::astring(QByteArrayView value)
{
    if (isAtom(value, true)) {
        separator();
        m_parts.last().append(value.data(), value.size());
        return *this;
    }
    return string(value);
}

CommandBuilder &CommandBuilder::string(QByteArrayView value)
{
    if (hasLineBreakOrNul(value)) {
        refuse(QStringLiteral("CR, LF or NUL in a string argument"));
        return *this;
    }
    if (value.size() <= MaxQuotedLength) {
        const QByteArray q = quoted(value, m_options.utf8Accepted);
        if (!q.isEmpty()) {
            separator();
            m_parts.last().append(q);
            return *this;
        }
    }
    separator();
    appendLiteral(value, false);
    return *this;
}

CommandBuilder &CommandBuilder::nstring(const QByteArray &value)
{
    if (value.isNull()) {
        separator();
        m_parts.last().append("NIL");
        return *this;
    }
    return string(value);
}

CommandBuilder &CommandBuilder::mailbox(const QString &name)
{
    // Modified UTF-7 would smuggle control characters through as &AA0-; refuse them instead.
    for (QChar c : name) {
        if (c == u'\r' || c == u'\n' || c == u'\0') {
            refuse(QStringLiteral("CR, LF or NUL in a mailbox name"));
            return *this;
        }
    }
    if (name.compare(QLatin1String("INBOX"), Qt::CaseInsensitive) == 0)
        return astring("INBOX");
    return astring(m_options.utf8Accepted ? name.toUtf8() : encodeModifiedUtf7(name));
}

CommandBuilder &CommandBuilder::mailbox(const MailboxName &name)
{
    return astring(name.raw);
}

CommandBuilder &CommandBuilder::literal(QByteArrayView data, bool binary)
{
    if (binary && !m_options.binary)
        refuse(QStringLiteral("binary literal without the BINARY capability"));
    if (!binary && data.contains('\0'))
        refuse(QStringLiteral("NUL in a non-binary literal"));
    separator();
    appendLiteral(data, binary);
    return *this;
}

void CommandBuilder::appendLiteral(QByteArrayView data, bool binary)
{
    const bool nonSync = m_options.literals == EncoderOptions::Literals::LiteralPlus
                         || (m_options.literals == EncoderOptions::Literals::LiteralMinus && data.size() <= LiteralMinusMax);
    QByteArray &part = m_parts.last();
    if (binary)
        part.append('~');
    part.append('{');
    part.append(QByteArray::number(data.size()));
    part.append(nonSync ? "+}\r\n" : "}\r\n");
    if (nonSync) {
        part.append(data.data(), data.size());
    } else {
        m_parts.append(QByteArray(data.data(), data.size()));
    }
    m_needSpace = true;
}

CommandBuilder &CommandBuilder::flags(const QList<QByteArray> &flags)
{
    beginList();
    for (const QByteArray &flag : flags) {
        const QByteArrayView name = flag.startsWith('\\') ? QByteArrayView(flag).sliced(1) : QByteArrayView(flag);
        if (!isAtom(name) && !(flag == "\\*"))
            refuse(QStringLiteral("flag is not an atom"));
        separator();
        m_parts.last().append(flag);
    }
    return endList();
}

CommandBuilder &CommandBuilder::beginList()
{
    separator();
    m_parts.last().append('(');
    m_needSpace = false;
    ++m_openLists;
    return *this;
}

CommandBuilder &CommandBuilder::endList()
{
    if (m_openLists == 0) {
        refuse(QStringLiteral("unbalanced list"));
        return *this;
    }
    --m_openLists;
    m_parts.last().append(')');
    m_needSpace = true;
    return *this;
}

std::variant<EncodedCommand, Error> CommandBuilder::build() const
{
    if (m_error)
        return m_error;
    if (m_openLists != 0)
        return Error::make(Error::Kind::Protocol, QStringLiteral("unbalanced list"));
    EncodedCommand command;
    command.tag = m_tag;
    command.parts = m_parts;
    command.parts.last().append("\r\n");
    return command;
}

} // namespace Tidings::Imap
