// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/smtp/reply.h"

namespace Tidings::Smtp {

namespace {

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

bool textContains(const Reply &reply, const char *needle)
{
    for (const QByteArray &line : reply.lines) {
        if (line.contains(needle) || line.toLower().contains(needle))
            return true;
    }
    return false;
}

} // namespace

QString Reply::text() const
{
    QByteArray joined;
    for (const QByteArray &line : lines) {
        if (!joined.isEmpty())
            joined += ' ';
        joined += line;
    }
    return QString::fromUtf8(joined);
}

bool ReplyParser::parseLine(QByteArrayView line, int *code, bool *last, QByteArrayView *text)
{
    if (line.size() < 3 || !isDigit(line[0]) || !isDigit(line[1]) || !isDigit(line[2]))
        return false;
    const int value = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (value < 200 || value > 599)
        return false;
    if (line.size() == 3) {
        *last = true;
        *text = {};
    } else if (line[3] == ' ' || line[3] == '-') {
        *last = line[3] == ' ';
        *text = line.sliced(4);
    } else {
        return false;
    }
    *code = value;
    return true;
}

QByteArray ReplyParser::enhancedCode(QByteArrayView text, int code)
{
    // class "." subject "." detail, RFC 3463 §2: 1 digit, 1-3 digits, 1-3 digits.
    if (text.size() < 5 || text[0] - '0' != code / 100 || text[1] != '.')
        return {};
    qsizetype i = 2;
    auto digits = [&] {
        const qsizetype start = i;
        while (i < text.size() && isDigit(text[i]) && i - start < 3)
            ++i;
        return i > start;
    };
    if (!digits() || i >= text.size() || text[i] != '.')
        return {};
    ++i;
    if (!digits())
        return {};
    if (i < text.size() && text[i] != ' ')
        return {};
    return text.first(i).toByteArray();
}

void ReplyParser::feed(QByteArrayView bytes)
{
    while (!bytes.isEmpty() && !hasError()) {
        const qsizetype lf = bytes.indexOf('\n');
        const QByteArrayView chunk = lf < 0 ? bytes : bytes.first(lf + 1);
        bytes = bytes.sliced(chunk.size());
        if (m_line.size() + chunk.size() > MaxLineBytes + 2) {
            m_error = "reply line longer than " + QByteArray::number(MaxLineBytes) + " bytes";
            return;
        }
        m_line.append(chunk);
        if (lf < 0)
            return;
        QByteArrayView text = QByteArrayView(m_line).chopped(1);
        if (text.endsWith('\r'))
            text.chop(1);
        line(text);
        m_line.clear();
    }
}

void ReplyParser::line(QByteArrayView text)
{
    int code = 0;
    bool last = false;
    QByteArrayView rest;
    if (!parseLine(text, &code, &last, &rest)) {
        m_error = "not an SMTP reply line: \"" + text.first(std::min<qsizetype>(text.size(), 80)).toByteArray().toPercentEncoding(" -.:@<>[]()") + '"';
        return;
    }
    if (!m_current.lines.isEmpty() && code != m_current.code) {
        m_error = "reply lines with different codes (" + QByteArray::number(m_current.code) + ", "
            + QByteArray::number(code) + ')';
        return;
    }
    if (m_current.lines.size() >= MaxLines) {
        m_error = "reply with more than " + QByteArray::number(MaxLines) + " lines";
        return;
    }
    if (m_current.lines.isEmpty()) {
        m_current.code = code;
        m_current.enhancedCode = enhancedCode(rest, code);
    }
    m_current.lines.append(rest.toByteArray());
    if (last) {
        m_ready.push_back(std::move(m_current));
        m_current = {};
    }
}

Reply ReplyParser::takeReply()
{
    Reply reply = std::move(m_ready.front());
    m_ready.pop_front();
    return reply;
}

Capabilities Capabilities::fromEhlo(const Reply &reply)
{
    Capabilities caps;
    caps.esmtp = true;
    if (reply.lines.isEmpty())
        return caps;
    caps.domain = reply.lines.first().simplified().split(' ').value(0);
    for (qsizetype i = 1; i < reply.lines.size(); ++i) {
        const QList<QByteArray> words = reply.lines.at(i).simplified().split(' ');
        const QByteArray keyword = words.value(0).toUpper();
        if (keyword == "STARTTLS")
            caps.startTls = true;
        else if (keyword == "PIPELINING")
            caps.pipelining = true;
        else if (keyword == "8BITMIME")
            caps.eightBitMime = true;
        else if (keyword == "SMTPUTF8")
            caps.smtpUtf8 = true;
        else if (keyword == "ENHANCEDSTATUSCODES")
            caps.enhancedStatusCodes = true;
        else if (keyword == "CHUNKING")
            caps.chunking = true;
        else if (keyword == "SIZE") {
            caps.sizeAdvertised = true;
            bool ok = false;
            const qint64 size = words.value(1).toLongLong(&ok);
            caps.maxSize = ok && size > 0 ? size : 0;
        } else if (keyword == "AUTH" || keyword.startsWith("AUTH=")) {
            // "AUTH=PLAIN LOGIN" is the pre-RFC 4954 spelling some servers still send.
            QList<QByteArray> mechanisms = words.mid(1);
            if (keyword.startsWith("AUTH="))
                mechanisms.prepend(keyword.mid(5));
            for (const QByteArray &m : mechanisms) {
                const QByteArray upper = m.toUpper();
                if (!upper.isEmpty() && !caps.auth.contains(upper))
                    caps.auth << upper;
            }
        }
    }
    return caps;
}

QString problemName(Problem problem)
{
    switch (problem) {
    case Problem::None: return QStringLiteral("None");
    case Problem::AuthenticationRequired: return QStringLiteral("AuthenticationRequired");
    case Problem::AuthenticationFailed: return QStringLiteral("AuthenticationFailed");
    case Problem::SenderNotOwned: return QStringLiteral("SenderNotOwned");
    case Problem::SenderRejected: return QStringLiteral("SenderRejected");
    case Problem::MessageTooLarge: return QStringLiteral("MessageTooLarge");
    case Problem::Spam: return QStringLiteral("Spam");
    case Problem::MailboxUnavailable: return QStringLiteral("MailboxUnavailable");
    case Problem::TemporaryFailure: return QStringLiteral("TemporaryFailure");
    case Problem::DeliveryUncertain: return QStringLiteral("DeliveryUncertain");
    case Problem::NotSupported: return QStringLiteral("NotSupported");
    case Problem::Other: return QStringLiteral("Other");
    }
    return QStringLiteral("Other");
}

Problem classify(const Reply &reply, Stage stage)
{
    if (reply.isPositive())
        return Problem::None;
    const QByteArray &enhanced = reply.enhancedCode;
    if (reply.isTransient())
        return Problem::TemporaryFailure;
    if (reply.code == 530 || (enhanced == "5.7.0" && textContains(reply, "authentic"))
        || textContains(reply, "authentication required"))
        return Problem::AuthenticationRequired;
    // Sender ownership before recipients: Postfix reports it at RCPT time (smtpd_delay_reject),
    // with 5.7.1, which would otherwise read as a recipient or policy refusal.
    if (textContains(reply, "not owned") || textContains(reply, "sender address rejected")
        || textContains(reply, "not allowed to send as") || textContains(reply, "sender is not authorized")
        || (stage == Stage::Mail && (reply.code == 553 || enhanced == "5.7.1")))
        return Problem::SenderNotOwned;
    if (reply.code == 535 || reply.code == 534 || reply.code == 538 || enhanced == "5.7.8" || enhanced == "5.7.9"
        || (stage == Stage::Auth && reply.isPermanent()))
        return Problem::AuthenticationFailed;
    if (enhanced == "5.3.4" || enhanced == "5.2.3" || (reply.code == 552 && stage != Stage::Rcpt)
        || textContains(reply, "too large") || textContains(reply, "size exceeds"))
        return Problem::MessageTooLarge;
    if (textContains(reply, "spam"))
        return Problem::Spam;
    if (stage == Stage::Mail)
        return Problem::SenderRejected;
    if (stage == Stage::Rcpt || enhanced.startsWith("5.1.") || enhanced.startsWith("5.2.") || reply.code == 550
        || reply.code == 551 || reply.code == 553)
        return Problem::MailboxUnavailable;
    return Problem::Other;
}

Error errorFor(Problem problem, const Reply &reply, const QString &context)
{
    Error::Kind kind = Error::Kind::ServerNo;
    QString detail;
    switch (problem) {
    case Problem::None: return {};
    case Problem::AuthenticationRequired:
        kind = Error::Kind::Authentication;
        detail = QStringLiteral("the server requires signing in before sending");
        break;
    case Problem::AuthenticationFailed:
        kind = Error::Kind::Authentication;
        detail = QStringLiteral("the server refused the user name or password");
        break;
    case Problem::SenderNotOwned:
        detail = QStringLiteral("the server refused the sender address: the From address must be the account's own address");
        break;
    case Problem::SenderRejected: detail = QStringLiteral("the server refused the sender address"); break;
    case Problem::MessageTooLarge: detail = QStringLiteral("the message is too large for the server"); break;
    case Problem::Spam: detail = QStringLiteral("the server rejected the message as spam"); break;
    case Problem::MailboxUnavailable: detail = QStringLiteral("the recipient's mailbox is unavailable"); break;
    case Problem::TemporaryFailure:
        detail = QStringLiteral("the server reported a temporary failure; the message will be retried later");
        break;
    case Problem::DeliveryUncertain:
        kind = Error::Kind::Network;
        detail = QStringLiteral("the connection was lost after the message was sent and before the server confirmed "
                                "it: delivery uncertain");
        break;
    case Problem::NotSupported:
        kind = Error::Kind::Config;
        detail = QStringLiteral("the server does not support what this message needs");
        break;
    case Problem::Other: detail = QStringLiteral("the server refused the message"); break;
    }
    if (!context.isEmpty())
        detail += QStringLiteral(" (") + context + u')';
    QByteArray code = reply.enhancedCode;
    if (code.isEmpty() && reply.code)
        code = QByteArray::number(reply.code);
    else if (reply.code)
        code = QByteArray::number(reply.code) + ' ' + code;
    return Error::make(kind, detail, reply.text(), code);
}

} // namespace Tidings::Smtp
