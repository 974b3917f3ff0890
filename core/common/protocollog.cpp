// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/common/protocollog.h"

#include <QAtomicInteger>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>

namespace Tidings {

namespace {

constexpr qsizetype MaxPendingLine = 64 * 1024;

QString fileNamePart(const QString &text)
{
    QString out;
    for (QChar c : text)
        out += (c.isLetterOrNumber() || c == u'.' || c == u'-') ? c : u'_';
    return out;
}

} // namespace

ProtocolLog::ProtocolLog(QIODevice *device)
    : m_device(device)
{
}

ProtocolLog::~ProtocolLog()
{
    flushPending();
}

std::unique_ptr<ProtocolLog> ProtocolLog::open(const QString &protocol, const QString &host, quint16 port,
                                               const QString &dir)
{
    const QString target = dir.isEmpty() ? qEnvironmentVariable("TIDINGS_PROTOCOL_LOG") : dir;
    if (target.isEmpty() || !QDir().mkpath(target))
        return nullptr;
    static QAtomicInteger<int> counter = 0;
    const QString name = QStringLiteral("%1-%2-%3-%4-%5-%6.log")
                             .arg(protocol, fileNamePart(host))
                             .arg(port)
                             .arg(QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss")))
                             .arg(QCoreApplication::applicationPid())
                             .arg(counter.fetchAndAddRelaxed(1) + 1);
    auto file = std::make_unique<QFile>(QDir(target).filePath(name));
    if (!file->open(QIODevice::WriteOnly | QIODevice::Truncate))
        return nullptr;
    // Logs hold message content: private to the user.
    file->setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    auto log = std::make_unique<ProtocolLog>(file.get());
    log->m_owned = std::move(file);
    log->comment(QStringLiteral("Tidings %1 protocol log, %2:%3").arg(protocol, host).arg(port));
    return log;
}

QByteArray ProtocolLog::escape(QByteArrayView bytes)
{
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
        } else if (c < 0x20 || c >= 0x7f) {
            // The script reader decodes UTF-8; \xHH gives back exactly this byte.
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else {
            out += ch;
        }
    }
    return out;
}

void ProtocolLog::writeLine(QByteArrayView prefix, QByteArrayView text)
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

void ProtocolLog::flushPending()
{
    if (!m_pending.isEmpty())
        writeLine("S+ ", escape(m_pending));
    m_pending.clear();
}

void ProtocolLog::serverBytes(QByteArrayView bytes)
{
    while (!bytes.isEmpty()) {
        const qsizetype lf = bytes.indexOf('\n');
        const QByteArrayView chunk = lf < 0 ? bytes : bytes.first(lf + 1);
        bytes = bytes.sliced(chunk.size());
        const bool wasOverLimit = m_inBody && m_bodyBytes > m_maxBody;
        if (m_inBody)
            m_bodyBytes += chunk.size();
        if (wasOverLimit)
            continue;
        m_pending.append(chunk);
        if (m_pending.endsWith("\r\n")) {
            writeLine("S: ", escape(QByteArrayView(m_pending).chopped(2)));
            m_pending.clear();
        } else if (m_pending.size() > MaxPendingLine) {
            flushPending();
        }
    }
}

void ProtocolLog::beginServerBody()
{
    m_inBody = true;
    m_bodyBytes = 0;
}

void ProtocolLog::endServerBody()
{
    if (m_inBody && m_bodyBytes > m_maxBody) {
        m_pending.clear();
        comment(QStringLiteral("%1 bytes of this body not logged").arg(m_bodyBytes - m_maxBody));
    }
    m_inBody = false;
}

void ProtocolLog::clientBytes(QByteArrayView bytes)
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

void ProtocolLog::clientRedacted(QByteArrayView visible)
{
    QByteArray text = escape(visible);
    text += " ***";
    writeLine("C: ", text);
}

void ProtocolLog::clientSecret()
{
    writeLine("C: ", "***");
}

void ProtocolLog::tlsStarted()
{
    flushPending();
    writeLine({}, "TLS");
}

void ProtocolLog::closed()
{
    flushPending();
    writeLine({}, "X");
}

void ProtocolLog::comment(const QString &text)
{
    QString oneLine = text;
    oneLine.replace(u'\n', u' ');
    writeLine("# ", oneLine.toUtf8());
}

} // namespace Tidings
