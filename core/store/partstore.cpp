// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/store/partstore.h"

#include "core/store/database.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QSet>

#include <unistd.h>

namespace Tidings::Store {

namespace {

QString partFileName(qint64 messageId, const QString &section)
{
    // Sections may hold spaces and parentheses (HEADER.FIELDS (...)); a hash keeps names plain.
    const QByteArray hash = QCryptographicHash::hash(section.toUtf8(), QCryptographicHash::Sha1).toHex().left(16);
    return QStringLiteral("%1-%2.part").arg(messageId).arg(QString::fromLatin1(hash));
}

} // namespace

QString PartStore::partsDir() const
{
    return QDir(m_db.profileDir()).filePath(QStringLiteral("parts"));
}

Error PartStore::store(qint64 messageId, const QString &section, qint64 announcedSize, const QByteArray &data)
{
    return write(messageId, section, announcedSize, -1, data);
}

Error PartStore::append(qint64 messageId, const QString &section, qint64 announcedSize, qint64 offset,
                        const QByteArray &data)
{
    if (offset < 0)
        return Error::make(Error::Kind::Storage, QStringLiteral("negative part offset"));
    return write(messageId, section, announcedSize, offset, data);
}

// offset < 0: replace the whole part with data; otherwise data continues the part at offset.
Error PartStore::write(qint64 messageId, const QString &section, qint64 announcedSize, qint64 offset,
                       const QByteArray &data)
{
    if (announcedSize < 0)
        return Error::make(Error::Kind::Storage, QStringLiteral("negative announced size"));
    Transaction t(m_db);
    if (t.error())
        return t.error();

    qint64 accountId = 0;
    {
        Statement q(m_db, QStringLiteral("SELECT account_id FROM messages WHERE id = ?"));
        q.bind(messageId);
        if (Error e = q.exec())
            return e;
        if (!q.next())
            return Error::make(Error::Kind::Storage, QStringLiteral("no message with id %1").arg(messageId));
        accountId = q.value(0).toLongLong();
    }

    qint64 received = 0;
    QByteArray inline_;
    QString fileName;
    if (offset >= 0) {
        Statement q(m_db, QStringLiteral("SELECT received_size, content, file_name, announced_size FROM message_parts "
                                         "WHERE message_id = ? AND section = ?"));
        q.bind(messageId).bind(section);
        if (Error e = q.exec())
            return e;
        if (q.next()) {
            received = q.value(0).toLongLong();
            inline_ = q.value(1).toByteArray();
            fileName = q.value(2).toString();
            if (q.value(3).toLongLong() != announcedSize)
                return Error::make(Error::Kind::Storage,
                                   QStringLiteral("part %1 of message %2 was announced as %3 bytes, now as %4")
                                       .arg(section)
                                       .arg(messageId)
                                       .arg(q.value(3).toLongLong())
                                       .arg(announcedSize));
        }
        if (offset != received)
            return Error::make(Error::Kind::Storage,
                               QStringLiteral("part %1 of message %2 continues at byte %3, not %4")
                                   .arg(section)
                                   .arg(messageId)
                                   .arg(received)
                                   .arg(offset));
    }
    const qint64 total = received + data.size();
    if (total > announcedSize)
        return Error::make(Error::Kind::Storage,
                           QStringLiteral("part %1 of message %2 has %3 bytes, more than the %4 announced")
                               .arg(section)
                               .arg(messageId)
                               .arg(total)
                               .arg(announcedSize));

    const bool toFile = !m_db.isInMemory() && m_db.options().partFileThreshold > 0 &&
                        announcedSize > m_db.options().partFileThreshold;
    QVariant content;
    QVariant fileColumn;
    if (toFile) {
        if (fileName.isEmpty())
            fileName = QStringLiteral("parts/") + partFileName(messageId, section);
        if (!QDir().mkpath(partsDir()))
            return Error::make(Error::Kind::Storage, QStringLiteral("cannot create %1").arg(partsDir()));
        QFile file(QDir(m_db.profileDir()).filePath(fileName));
        if (!file.open(QIODevice::ReadWrite))
            return Error::make(Error::Kind::Storage,
                               QStringLiteral("cannot open %1: %2").arg(file.fileName(), file.errorString()));
        // Bytes past what the row says arrived are leftovers of an interrupted write.
        if (!file.resize(received) || !file.seek(received) || file.write(data) != data.size() || !file.flush())
            return Error::make(Error::Kind::Storage,
                               QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString()));
        // A durable transaction (a POP3 download) must not commit a row whose bytes are still
        // only in the page cache.
        if (m_db.transactionDurability() == Durability::Full && ::fsync(file.handle()) != 0)
            return Error::make(Error::Kind::Storage, QStringLiteral("cannot sync %1 to disk").arg(file.fileName()));
        fileColumn = fileName;
    } else {
        content = QVariant(inline_ + data);
    }

    Statement q(m_db, QStringLiteral(
                          "INSERT INTO message_parts (message_id, account_id, section, announced_size, received_size, "
                          "complete, content, file_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                          "ON CONFLICT (message_id, section) DO UPDATE SET announced_size = excluded.announced_size, "
                          "received_size = excluded.received_size, complete = excluded.complete, "
                          "content = excluded.content, file_name = excluded.file_name"));
    q.bind(messageId)
        .bind(accountId)
        .bind(section)
        .bind(announcedSize)
        .bind(total)
        .bind(total == announcedSize)
        .bind(content)
        .bind(fileColumn);
    if (Error e = q.exec())
        return e;
    return t.commit();
}

Result<std::optional<MessagePart>> PartStore::get(qint64 messageId, const QString &section)
{
    Statement q(m_db, QStringLiteral("SELECT announced_size, received_size, complete, content, file_name "
                                     "FROM message_parts WHERE message_id = ? AND section = ?"));
    q.bind(messageId).bind(section);
    if (Error e = q.exec())
        return e;
    if (!q.next())
        return std::optional<MessagePart>();
    MessagePart part;
    part.messageId = messageId;
    part.section = section;
    part.announcedSize = q.value(0).toLongLong();
    part.receivedSize = q.value(1).toLongLong();
    part.complete = q.value(2).toBool();
    const QString fileName = q.value(4).toString();
    if (fileName.isEmpty()) {
        part.content = q.value(3).toByteArray();
    } else {
        QFile file(QDir(m_db.profileDir()).filePath(fileName));
        if (!file.open(QIODevice::ReadOnly))
            return Error::make(Error::Kind::Storage,
                               QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString()));
        part.content = file.read(part.receivedSize);
        if (part.content.size() != part.receivedSize)
            return Error::make(Error::Kind::Storage,
                               QStringLiteral("%1 holds %2 bytes, the store recorded %3")
                                   .arg(file.fileName())
                                   .arg(part.content.size())
                                   .arg(part.receivedSize));
    }
    return std::optional<MessagePart>(std::move(part));
}

Result<int> PartStore::removeOrphanFiles()
{
    if (m_db.isInMemory())
        return 0;
    QDir dir(partsDir());
    if (!dir.exists())
        return 0;
    QSet<QString> referenced;
    {
        Statement q(m_db, QStringLiteral("SELECT file_name FROM message_parts WHERE file_name IS NOT NULL"));
        if (Error e = q.exec())
            return e;
        while (q.next())
            referenced.insert(q.value(0).toString());
    }
    int removed = 0;
    const QStringList files = dir.entryList({QStringLiteral("*.part")}, QDir::Files);
    for (const QString &name : files) {
        if (!referenced.contains(QStringLiteral("parts/") + name) && dir.remove(name))
            ++removed;
    }
    return removed;
}

} // namespace Tidings::Store
