// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/store/partstore.h"

#include "core/store/database.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QSet>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

namespace Tidings::Store {

namespace {

QString partFileName(qint64 messageId, const QString &section)
{
    // Sections may hold spaces and parentheses (HEADER.FIELDS (...)); a hash keeps names plain.
    const QByteArray hash =
        QCryptographicHash::hash(section.toUtf8(), QCryptographicHash::Sha1).toHex().left(16);
    return QStringLiteral("%1-%2.part").arg(messageId).arg(QString::fromLatin1(hash));
}

QString errnoText()
{
    return QString::fromLocal8Bit(std::strerror(errno));
}

/// fsync of a directory, so a file created in it survives a power cut with its name.
bool syncDirectory(const QString &path)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

/// Writes every part's bytes, in order, to @p fd (a new, empty file).
bool writeAll(int fd, const QList<QByteArray> &parts)
{
    constexpr int kBatch = 256; // well below IOV_MAX
    iovec iov[kBatch];
    qsizetype next = 0;
    while (next < parts.size()) {
        int n = 0;
        for (; n < kBatch && next + n < parts.size(); ++n) {
            const QByteArray &c = parts.at(next + n);
            iov[n].iov_base = const_cast<char *>(c.constData());
            iov[n].iov_len = size_t(c.size());
        }
        next += n;
        // writev may write less than asked: go on from where it stopped.
        int first = 0;
        while (first < n) {
            const ssize_t written = ::writev(fd, iov + first, n - first);
            if (written < 0) {
                if (errno == EINTR)
                    continue;
                return false;
            }
            size_t left = size_t(written);
            while (first < n && left >= iov[first].iov_len) {
                left -= iov[first].iov_len;
                ++first;
            }
            if (first < n && left > 0) {
                iov[first].iov_base = static_cast<char *>(iov[first].iov_base) + left;
                iov[first].iov_len -= left;
            }
        }
    }
    return true;
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
        Statement q(m_db,
                    QStringLiteral("SELECT received_size, content, file_name, announced_size, file_offset "
                                   "FROM message_parts WHERE message_id = ? AND section = ?"));
        q.bind(messageId).bind(section);
        if (Error e = q.exec())
            return e;
        if (q.next()) {
            // A pack is shared and never written again: its parts are complete anyway.
            if (!q.value(4).isNull())
                return Error::make(
                    Error::Kind::Storage,
                    QStringLiteral("part %1 of message %2 is complete in a pack and cannot be continued")
                        .arg(section)
                        .arg(messageId));
            received = q.value(0).toLongLong();
            inline_ = q.value(1).toByteArray();
            fileName = q.value(2).toString();
            if (q.value(3).toLongLong() != announcedSize)
                return Error::make(
                    Error::Kind::Storage,
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
        if (!file.resize(received) || !file.seek(received) || file.write(data) != data.size() ||
            !file.flush())
            return Error::make(
                Error::Kind::Storage,
                QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString()));
        // A durable transaction (a POP3 download) must not commit a row whose bytes are still
        // only in the page cache.
        if (m_db.transactionDurability() == Durability::Full && ::fsync(file.handle()) != 0)
            return Error::make(Error::Kind::Storage,
                               QStringLiteral("cannot sync %1 to disk").arg(file.fileName()));
        fileColumn = fileName;
    } else {
        content = QVariant(inline_ + data);
    }

    Statement q(
        m_db,
        QStringLiteral(
            "INSERT INTO message_parts (message_id, account_id, section, announced_size, received_size, "
            "complete, content, file_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (message_id, section) DO UPDATE SET announced_size = excluded.announced_size, "
            "received_size = excluded.received_size, complete = excluded.complete, "
            "content = excluded.content, file_name = excluded.file_name, file_offset = NULL"));
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

PendingPack::~PendingPack()
{
    discard();
}

PendingPack::PendingPack(PendingPack &&other) noexcept
    : m_contents(std::move(other.m_contents))
    , m_fileName(std::move(other.m_fileName))
    , m_path(std::move(other.m_path))
    , m_fd(std::exchange(other.m_fd, -1))
{
    other.m_path.clear();
}

PendingPack &PendingPack::operator=(PendingPack &&other) noexcept
{
    if (this != &other) {
        discard();
        m_contents = std::move(other.m_contents);
        m_fileName = std::move(other.m_fileName);
        m_path = std::move(other.m_path);
        m_fd = std::exchange(other.m_fd, -1);
        other.m_path.clear();
    }
    return *this;
}

void PendingPack::discard()
{
    // No row names the file: it goes at once.
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
    if (!m_path.isEmpty())
        QFile::remove(m_path);
    m_path.clear();
}

Error PartStore::storePacked(const QList<PackedPart> &parts)
{
    if (parts.isEmpty())
        return {};
    Transaction t(m_db);
    if (t.error())
        return t.error();
    QList<QByteArray> contents;
    QList<std::pair<qint64, QString>> owners;
    contents.reserve(parts.size());
    owners.reserve(parts.size());
    for (const PackedPart &p : parts) {
        contents.append(p.content);
        owners.append({p.messageId, p.section});
    }
    Result<PendingPack> pack = writePack(contents);
    if (!pack)
        return pack.error();
    if (Error e = addPackedRows(pack.value(), owners))
        return e;
    return t.commit();
}

Result<PendingPack> PartStore::writePack(const QList<QByteArray> &contents)
{
    if (!m_db.inTransaction())
        return Error::make(Error::Kind::Storage,
                           QStringLiteral("a pack is written inside a write transaction"));
    PendingPack pack;
    pack.m_contents = contents;
    if (contents.isEmpty() || m_db.isInMemory() || m_db.options().partFileThreshold <= 0)
        return pack; // inline

    const QString dir = partsDir();
    if (!QFileInfo::exists(dir)) {
        if (!QDir().mkpath(dir))
            return Error::make(Error::Kind::Storage, QStringLiteral("cannot create %1").arg(dir));
        if (m_db.transactionDurability() == Durability::Full && !syncDirectory(m_db.profileDir()))
            return Error::make(Error::Kind::Storage,
                               QStringLiteral("cannot sync %1 to disk").arg(m_db.profileDir()));
    }
    // A new file every time (O_EXCL): a pack is never written again once rows name it.
    QString path;
    for (int attempt = 0; pack.m_fd < 0 && attempt < 8; ++attempt) {
        pack.m_fileName = QStringLiteral("parts/%1.pack")
                              .arg(QRandomGenerator::system()->generate64(), 16, 16, QLatin1Char('0'));
        path = QDir(m_db.profileDir()).filePath(pack.m_fileName);
        pack.m_fd =
            ::open(QFile::encodeName(path).constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (pack.m_fd < 0 && errno != EEXIST)
            break;
    }
    if (pack.m_fd < 0)
        return Error::make(Error::Kind::Storage,
                           QStringLiteral("cannot create %1: %2").arg(path, errnoText()));
    pack.m_path = path;
    if (!writeAll(pack.m_fd, contents))
        return Error::make(Error::Kind::Storage,
                           QStringLiteral("cannot write %1: %2").arg(path, errnoText()));
    // Start the writeback now; addPackedRows() waits for it.
    if (m_db.transactionDurability() == Durability::Full)
        (void)::sync_file_range(pack.m_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    return pack;
}

Error PartStore::addPackedRows(PendingPack &pack, const QList<std::pair<qint64, QString>> &owners)
{
    if (owners.size() != pack.m_contents.size())
        return Error::make(
            Error::Kind::Storage,
            QStringLiteral("%1 owners for %2 packed parts").arg(owners.size()).arg(pack.m_contents.size()));
    if (owners.isEmpty())
        return {};
    Transaction t(m_db);
    if (t.error())
        return t.error();
    if (pack.m_fileName.isEmpty()) {
        for (qsizetype i = 0; i < owners.size(); ++i) {
            const QByteArray &c = pack.m_contents.at(i);
            if (Error e = write(owners.at(i).first, owners.at(i).second, c.size(), -1, c))
                return e;
        }
        return t.commit();
    }
    // A durable transaction (a POP3 download) must not commit rows whose bytes are still only
    // in the page cache, nor name a file whose directory entry is.
    if (m_db.transactionDurability() == Durability::Full &&
        (::fdatasync(pack.m_fd) != 0 || !syncDirectory(partsDir())))
        return Error::make(Error::Kind::Storage,
                           QStringLiteral("cannot sync %1 to disk: %2").arg(pack.m_path, errnoText()));
    if (::close(std::exchange(pack.m_fd, -1)) != 0)
        return Error::make(Error::Kind::Storage,
                           QStringLiteral("cannot write %1: %2").arg(pack.m_path, errnoText()));

    // One statement for every row; the SELECT checks the message exists and gives its account.
    Statement q(
        m_db,
        QStringLiteral(
            "INSERT INTO message_parts (message_id, account_id, section, announced_size, received_size, "
            "complete, content, file_name, file_offset) "
            "SELECT id, account_id, ?, ?, ?, 1, NULL, ?, ? FROM messages WHERE id = ? "
            "ON CONFLICT (message_id, section) DO UPDATE SET announced_size = excluded.announced_size, "
            "received_size = excluded.received_size, complete = 1, content = NULL, "
            "file_name = excluded.file_name, file_offset = excluded.file_offset"));
    qint64 at = 0;
    for (qsizetype i = 0; i < owners.size(); ++i) {
        const qint64 size = pack.m_contents.at(i).size();
        q.bind(owners.at(i).second)
            .bind(size)
            .bind(size)
            .bind(pack.m_fileName)
            .bind(at)
            .bind(owners.at(i).first);
        if (Error e = q.exec())
            return e;
        if (q.rowsAffected() != 1)
            return Error::make(Error::Kind::Storage,
                               QStringLiteral("no message with id %1").arg(owners.at(i).first));
        at += size;
    }
    if (Error e = t.commit())
        return e;
    // Rows name the file now: it is the transaction's to keep or (rolled back) the sweep's.
    pack.m_path.clear();
    return {};
}

Result<std::optional<MessagePart>> PartStore::get(qint64 messageId, const QString &section)
{
    Statement q(m_db, QStringLiteral(
                          "SELECT announced_size, received_size, complete, content, file_name, file_offset "
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
        const qint64 offset = q.value(5).isNull() ? 0 : q.value(5).toLongLong();
        if (offset > 0 && !file.seek(offset))
            return Error::make(Error::Kind::Storage, QStringLiteral("cannot read %1 at byte %2: %3")
                                                         .arg(file.fileName())
                                                         .arg(offset)
                                                         .arg(file.errorString()));
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
    // The write lock: a writer creates its pack or part file inside its write transaction, so
    // while this holds the lock every file either has its committed row or belongs to nobody.
    Transaction t(m_db);
    if (t.error())
        return t.error();
    QSet<QString> referenced;
    {
        Statement q(m_db, QStringLiteral("SELECT file_name FROM message_parts WHERE file_name IS NOT NULL"));
        if (Error e = q.exec())
            return e;
        while (q.next())
            referenced.insert(q.value(0).toString());
    }
    int removed = 0;
    const QStringList files =
        dir.entryList({QStringLiteral("*.part"), QStringLiteral("*.pack")}, QDir::Files);
    for (const QString &name : files) {
        if (!referenced.contains(QStringLiteral("parts/") + name) && dir.remove(name))
            ++removed;
    }
    if (Error e = t.commit())
        return e;
    return removed;
}

} // namespace Tidings::Store
