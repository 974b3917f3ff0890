// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/imap/protocollogger.h"

#include <QAtomicInteger>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>

namespace Tidings::Imap {

namespace {

/// A server line longer than this without CRLF is written out in parts (the parser fails such a
/// connection long before memory matters, but the logger must not be the first to grow).
constexpr qsizetype MaxPendingLine = 1024 * 1024;

/// `{123}` at the end of a server line: the size of the literal that follows.
std::optional<std::uint64_t> trailingLiteral(QByteArrayView line)
{
    if (!line.endsWith('}'))
        return std::nullopt;
    const qsizetype open = line.lastIndexOf('{');
    if (open < 0 || line.size() - open < 3)
        return std::nullopt;
    QByteArrayView digits = line.sliced(open + 1, line.size() - open - 2);
    if (digits.endsWith('+'))
        digits.chop(1);
    if (digits.isEmpty() || digits.size() > 19)
        return std::nullopt;
    std::uint64_t value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + std::uint64_t(c - '0');
    }
    return value;
}

QString sanitizeForFileName(const QString &text)
{
    QString out;
    for (QChar c : text)
        out += (c.isLetterOrNumber() || c == u'.' || c == u'-') ? c : u'_';
    return out;
}

} // namespace

ProtocolLogger::ProtocolLogger(QIODevice *device)
    : m_device(device)
{
}

ProtocolLogger::~ProtocolLogger()
{
    flush();
}

std::unique_ptr<ProtocolLogger> ProtocolLogger::openFile(const QString &path, QString *error)
{
    auto file = std::make_unique<QFile>(path);
    if (!file->open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Unbuffered)) {
        if (error)
            *error = file->errorString();
        return nullptr;
    }
    // Protocol logs hold message content; keep them private to the user.
    file->setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    auto logger = std::make_unique<ProtocolLogger>(file.get());
    logger->m_owned = std::move(file);
    return logger;
}

std::unique_ptr<ProtocolLogger> ProtocolLogger::fromEnvironment(const QString &host, quint16 port)
{
    const QString dir = qEnvironmentVariable("TIDINGS_PROTOCOL_LOG");
    if (dir.isEmpty())
        return nullptr;
    if (!QDir().mkpath(dir))
        return nullptr;
    static QAtomicInteger<int> counter = 0;
    const QString name = QStringLiteral("imap-%1-%2-%3-%4-%5.log")
                             .arg(sanitizeForFileName(host))
                             .arg(port)
                             .arg(QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss")))
                             .arg(QCoreApplication::applicationPid())
                             .arg(counter.fetchAndAddRelaxed(1) + 1);
    auto logger = openFile(QDir(dir).filePath(name));
    if (logger)
        logger->comment(QStringLiteral("Tidings IMAP protocol log, %1:%2").arg(host).arg(port));
    return logger;
}

QByteArray ProtocolLogger::escape(QByteArrayView bytes)
{
    // Valid UTF-8 stays readable; anything else becomes \xHH so the script reader, which decodes
    // the script as UTF-8, gives back exactly these bytes.
    const bool validUtf8 = QString::fromUtf8(bytes).toUtf8() == bytes;
    QByteArray out;
    out.reserve(bytes.size() + 8);
    static constexpr char hex[] = "0123456789ABCDEF";
    for (char ch : bytes) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !validUtf8)) {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else {
            out += ch;
        }
    }
    return out;
}

void ProtocolLogger::writeLine(QByteArrayView prefix, QByteArrayView text)
{
    if (!m_device)
        return;
    QByteArray line;
    line.reserve(prefix.size() + text.size() + 1);
    line.append(prefix);
    line.append(text);
    line.append('\n');
    m_device->write(line);
}

void ProtocolLogger::serverLine(QByteArrayView line)
{
    writeLine("S: ", escape(line));
}

void ProtocolLogger::serverBytes(QByteArrayView bytes)
{
    while (!bytes.isEmpty()) {
        if (m_literalLeft > 0) {
            const auto n = qsizetype(std::min<std::uint64_t>(m_literalLeft, std::uint64_t(bytes.size())));
            QByteArrayView chunk = bytes.first(n);
            bytes = bytes.sliced(n);
            m_literalLeft -= std::uint64_t(n);
            if (m_maxLiteral == 0 || m_literalLogged < m_maxLiteral) {
                const auto take = m_maxLiteral == 0
                    ? n
                    : qsizetype(std::min<std::uint64_t>(std::uint64_t(n), m_maxLiteral - m_literalLogged));
                m_literalLogged += std::uint64_t(take);
                m_serverPending.append(chunk.first(take));
                qsizetype eol;
                while ((eol = m_serverPending.indexOf("\r\n")) >= 0) {
                    serverLine(QByteArrayView(m_serverPending).first(eol));
                    m_serverPending.remove(0, eol + 2);
                }
                if (m_serverPending.size() > MaxPendingLine) {
                    writeLine("S+ ", escape(m_serverPending));
                    m_serverPending.clear();
                }
            }
            if (m_literalLeft == 0 && m_maxLiteral != 0 && m_literalSize > m_maxLiteral) {
                if (!m_serverPending.isEmpty())
                    writeLine("S+ ", escape(m_serverPending));
                m_serverPending.clear();
                comment(QStringLiteral("%1 more bytes of this %2-byte literal not logged")
                            .arg(m_literalSize - m_maxLiteral)
                            .arg(m_literalSize));
            }
            continue;
        }
        const qsizetype lf = bytes.indexOf('\n');
        if (lf < 0) {
            m_serverPending.append(bytes);
            if (m_serverPending.size() > MaxPendingLine) {
                writeLine("S+ ", escape(m_serverPending));
                m_serverPending.clear();
            }
            return;
        }
        m_serverPending.append(bytes.first(lf + 1));
        bytes = bytes.sliced(lf + 1);
        if (!m_serverPending.endsWith("\r\n")) {
            // A bare LF is part of the line (escaped as \n); the line still may not grow forever.
            if (m_serverPending.size() > MaxPendingLine) {
                writeLine("S+ ", escape(m_serverPending));
                m_serverPending.clear();
            }
            continue;
        }
        const QByteArrayView line = QByteArrayView(m_serverPending).chopped(2);
        serverLine(line);
        if (const auto literal = trailingLiteral(line); literal && *literal > 0) {
            m_literalLeft = *literal;
            m_literalSize = *literal;
            m_literalLogged = 0;
        }
        m_serverPending.clear();
    }
}

void ProtocolLogger::clientBytes(QByteArrayView bytes)
{
    while (!bytes.isEmpty()) {
        const qsizetype eol = bytes.indexOf("\r\n");
        if (eol < 0) {
            writeLine("C: ", escape(bytes));
            return;
        }
        writeLine("C: ", escape(bytes.first(eol)));
        bytes = bytes.sliced(eol + 2);
    }
}

void ProtocolLogger::clientRedacted(QByteArrayView visible)
{
    QByteArray text = escape(visible);
    text += " ***";
    writeLine("C: ", text);
}

void ProtocolLogger::clientSecret()
{
    writeLine("C: ", "***");
}

void ProtocolLogger::tlsStarted()
{
    if (!m_serverPending.isEmpty())
        flush();
    writeLine({}, "TLS");
}

void ProtocolLogger::comment(const QString &text)
{
    QByteArray line = text.toUtf8();
    line.replace('\n', ' ');
    line.replace('\r', ' ');
    writeLine("# ", line);
}

void ProtocolLogger::flush()
{
    if (!m_serverPending.isEmpty()) {
        writeLine("S+ ", escape(m_serverPending));
        m_serverPending.clear();
    }
}

} // namespace Tidings::Imap
