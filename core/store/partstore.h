// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/store/result.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>
#include <utility>

namespace Tidings::Store {

class Database;

/// One fetched body section of a message (IMAP BODY[section], or "" for the whole message).
struct MessagePart {
    qint64 messageId = 0;
    QString section;
    qint64 announcedSize = 0; ///< the size the server announced (literal length / BODYSTRUCTURE)
    qint64 receivedSize = 0;
    bool complete = false; ///< every announced byte arrived
    QByteArray content;    ///< the bytes received so far
};

/// One complete section of a packed write (PartStore::storePacked).
struct PackedPart {
    qint64 messageId = 0;
    QString section;
    QByteArray content; ///< every byte of the section: its size is the announced size
};

/// A pack whose bytes are written but that no row names yet (PartStore::writePack). Destroyed
/// without PartStore::addPackedRows() it removes its file.
class PendingPack final
{
public:
    PendingPack() = default;
    ~PendingPack();
    PendingPack(PendingPack &&other) noexcept;
    PendingPack &operator=(PendingPack &&other) noexcept;
    Q_DISABLE_COPY(PendingPack)

    [[nodiscard]] qsizetype size() const { return m_contents.size(); }

private:
    friend class PartStore;
    void discard();

    QList<QByteArray> m_contents; // what the rows will say; kept for the inline case
    QString m_fileName;           // "parts/<random>.pack"; empty: stored inline
    QString m_path;
    int m_fd = -1;
};

/// The message_parts table and the part files beside the database.
///
/// A part is complete only when every announced byte arrived; the schema enforces it with a
/// CHECK. A part whose announced size is above Options::partFileThreshold is kept in a file
/// under `<profile>/parts/` (file databases only); its row records how many bytes of the file
/// are valid, and the file is written before the row that makes it visible, so a crash leaves
/// at worst an unreferenced file (removeOrphanFiles()) or trailing bytes past received_size
/// (ignored and overwritten), never a row pointing at missing data.
///
/// storePacked() keeps the complete sections of many messages in one pack file
/// (`<profile>/parts/<random>.pack`, migration 4): the bytes one after another, each row naming
/// the pack and its offset. The pack is written (and, in a Full transaction, synced with its
/// directory) inside the transaction that adds its rows, before they commit; a pack is new for
/// every call and never written again, so a committed row always names complete bytes. A pack
/// is removed when the last row naming it goes (migration 3's notes); until then the bytes of
/// its removed rows stay on disk (a pack holds one POP3 commit group: ≤ 256 messages, ≤ 32 MiB
/// plus its last message).
class PartStore final
{
public:
    explicit PartStore(Database &db)
        : m_db(db)
    {}

    /// Stores a section fetched in one piece. Complete iff data.size() == announcedSize; more
    /// bytes than announced is an error.
    Error store(qint64 messageId, const QString &section, qint64 announcedSize, const QByteArray &data);
    /// Adds the next piece of a section fetched in parts (BODY.PEEK[section]<offset.length>).
    /// @p offset must equal the bytes already received; the part becomes complete when the
    /// announced size is reached.
    Error append(qint64 messageId, const QString &section, qint64 announcedSize, qint64 offset,
                 const QByteArray &data);
    /// Stores complete sections of several messages with one file write: on a file database
    /// (partFileThreshold > 0) into one new pack file, written before the rows that name it
    /// and, in a Full transaction, synced with its directory before this returns; in memory
    /// (or with partFileThreshold 0) inline, as store() would. Runs in the caller's
    /// transaction, if any. A packed part cannot be continued with append(); store() replaces it.
    Error storePacked(const QList<PackedPart> &parts);
    /// storePacked() in two steps, so the disk writes back a pack while the caller adds other
    /// rows of the same transaction: writePack() writes the bytes to a new pack and starts
    /// their writeback (it must run inside the caller's write transaction); addPackedRows() syncs
    /// the pack and its directory (Full transactions) and adds one complete row per content,
    /// @p owners[i] being (message id, section) of the i-th content.
    [[nodiscard]] Result<PendingPack> writePack(const QList<QByteArray> &contents);
    Error addPackedRows(PendingPack &pack, const QList<std::pair<qint64, QString>> &owners);
    /// The part with its content, or nullopt when nothing of it is stored.
    [[nodiscard]] Result<std::optional<MessagePart>> get(qint64 messageId, const QString &section);
    /// Deletes part and pack files no row refers to (left by deleted messages or interrupted
    /// writes). Holds the write lock while it looks, so a pack another connection is writing
    /// inside its open transaction is never taken for an orphan. Returns how many were removed.
    [[nodiscard]] Result<int> removeOrphanFiles();

private:
    Error write(qint64 messageId, const QString &section, qint64 announcedSize, qint64 offset,
                const QByteArray &data);
    [[nodiscard]] QString partsDir() const;

    Database &m_db;
};

} // namespace Tidings::Store
