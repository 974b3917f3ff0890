// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/sync/localchanges.h"

#include "core/common/clock.h"
#include "core/imap/uidset.h"
#include "core/imap/utf7.h"
#include "core/store/database.h"
#include "core/store/folderstore.h"
#include "core/store/pendingoperationstore.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace Tidings::Sync {

using Op = Store::PendingOperation;

/// The messages of one folder among those a change names.
struct LocalChanges::Group {
    Store::Folder folder;
    QList<Store::StoredMessage> messages;
};

namespace {

QJsonArray atomsJson(Store::MessageFlags flags)
{
    QJsonArray out;
    for (const QByteArray &a : Store::flagsToImap(flags))
        out.append(QString::fromLatin1(a));
    return out;
}

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

/// The UIDs of the messages that have one under the folder's current UIDVALIDITY.
/// A pending operation on @p uids of @p folder (a message operation: folder, UIDVALIDITY, UIDs).
Op messageOperation(const Store::Folder &folder, Op::Kind kind, const Imap::UidSet &uids)
{
    Op op;
    op.accountId = folder.accountId;
    op.kind = kind;
    op.folderId = folder.id;
    op.folderName = folder.name;
    op.uidValidity = folder.uidValidity;
    op.uids = QString::fromLatin1(uids.toByteArray());
    return op;
}

Imap::UidSet serverUids(const LocalChanges *, const Store::Folder &folder,
                        const QList<Store::StoredMessage> &messages)
{
    Imap::UidSet set;
    for (const Store::StoredMessage &m : messages) {
        if (m.header.uid != 0 && m.uidValidity == folder.uidValidity && folder.uidValidity != 0)
            set.insert(m.header.uid);
    }
    return set;
}

} // namespace

LocalChanges::LocalChanges(Store::Database &db, QObject *parent)
    : QObject(parent)
    , m_db(db)
{}

Store::Result<QList<LocalChanges::Group>> LocalChanges::group(const QList<qint64> &messageIds)
{
    QList<Group> groups;
    QHash<qint64, qsizetype> index;
    Store::MessageStore messages(m_db);
    Store::FolderStore folders(m_db);
    for (qint64 id : messageIds) {
        auto m = messages.get(id);
        if (!m)
            return m.error();
        auto it = index.constFind(m->folderId);
        if (it == index.constEnd()) {
            auto f = folders.get(m->folderId);
            if (!f)
                return f.error();
            index.insert(m->folderId, groups.size());
            groups << Group{f.value(), {}};
            it = index.constFind(m->folderId);
        }
        groups[*it].messages << m.value();
    }
    return groups;
}

Error LocalChanges::setFlags(const QList<qint64> &messageIds, Store::MessageFlags add,
                             Store::MessageFlags remove)
{
    auto groups = group(messageIds);
    if (!groups)
        return groups.error();
    Store::Transaction t(m_db, Store::Durability::Full);
    if (t.error())
        return t.error();
    if (Error e = Store::MessageStore(m_db).changeFlags(messageIds, add, remove))
        return e;
    QList<qint64> accounts;
    for (const Group &g : groups.value()) {
        const Imap::UidSet uids = serverUids(this, g.folder, g.messages);
        if (uids.isEmpty())
            continue;
        Op op = messageOperation(g.folder, Op::Kind::StoreFlags, uids);
        op.payload =
            json({{QStringLiteral("add"), atomsJson(add)}, {QStringLiteral("remove"), atomsJson(remove)}});
        auto id = Store::PendingOperationStore(m_db).enqueue(op);
        if (!id)
            return id.error();
        accounts << op.accountId;
    }
    if (Error e = t.commit())
        return e;
    for (qint64 a : std::as_const(accounts))
        Q_EMIT queued(a);
    return {};
}

Error LocalChanges::move(const QList<qint64> &messageIds, qint64 targetFolderId)
{
    return moveOrCopy(messageIds, targetFolderId, true);
}

Error LocalChanges::copy(const QList<qint64> &messageIds, qint64 targetFolderId)
{
    return moveOrCopy(messageIds, targetFolderId, false);
}

Error LocalChanges::moveOrCopy(const QList<qint64> &messageIds, qint64 targetFolderId, bool move)
{
    auto groups = group(messageIds);
    if (!groups)
        return groups.error();
    auto target = Store::FolderStore(m_db).get(targetFolderId);
    if (!target)
        return target.error();
    Store::MessageStore messages(m_db);
    Store::Transaction t(m_db, Store::Durability::Full);
    if (t.error())
        return t.error();
    QList<qint64> accounts;
    for (const Group &g : groups.value()) {
        if (g.folder.accountId != target->accountId)
            return Error::make(Error::Kind::Config,
                               QStringLiteral("moving between accounts is not a server operation"));
        if (g.folder.id == targetFolderId)
            continue;
        QJsonArray rows;
        Imap::UidSet uids;
        for (const Store::StoredMessage &m : g.messages) {
            qint64 row = m.id;
            if (move) {
                if (Error e = messages.moveLocal({m.id}, targetFolderId))
                    return e;
            } else {
                Store::MessageHeader h = m.header;
                h.uid = 0;
                auto copyId = messages.insertLocal(targetFolderId, h);
                if (!copyId)
                    return copyId.error();
                row = copyId.value();
            }
            if (m.header.uid != 0 && m.uidValidity == g.folder.uidValidity && g.folder.uidValidity != 0) {
                uids.insert(m.header.uid);
                rows.append(QJsonArray{row, qint64(m.header.uid)});
            }
        }
        if (uids.isEmpty())
            continue;
        Op op = messageOperation(g.folder, move ? Op::Kind::Move : Op::Kind::Copy, uids);
        op.targetFolderName = target->name;
        op.payload = json({{QStringLiteral("messages"), rows}});
        auto id = Store::PendingOperationStore(m_db).enqueue(op);
        if (!id)
            return id.error();
        accounts << op.accountId;
    }
    if (Error e = t.commit())
        return e;
    for (qint64 a : std::as_const(accounts))
        Q_EMIT queued(a);
    return {};
}

Error LocalChanges::remove(const QList<qint64> &messageIds, DeleteMode mode)
{
    auto groups = group(messageIds);
    if (!groups)
        return groups.error();
    QList<qint64> toTrash;
    QList<Group> toExpunge;
    Store::FolderStore folders(m_db);
    QHash<qint64, qint64> trashOf; // account → Trash folder id (0: none)
    for (const Group &g : groups.value()) {
        qint64 trash = 0;
        if (mode == DeleteMode::MoveToTrash && g.folder.specialUse != u"\\Trash") {
            if (!trashOf.contains(g.folder.accountId)) {
                auto list = folders.list(g.folder.accountId);
                if (!list)
                    return list.error();
                qint64 found = 0;
                for (const Store::Folder &f : list.value()) {
                    if (f.specialUse == u"\\Trash")
                        found = f.id;
                }
                trashOf.insert(g.folder.accountId, found);
            }
            trash = trashOf.value(g.folder.accountId);
        }
        if (trash != 0) {
            for (const Store::StoredMessage &m : g.messages)
                toTrash << m.id;
            if (Error e = moveOrCopy(toTrash, trash, true))
                return e;
            toTrash.clear();
        } else {
            toExpunge << g;
        }
    }
    if (toExpunge.isEmpty())
        return {};
    Store::Transaction t(m_db, Store::Durability::Full);
    if (t.error())
        return t.error();
    QList<qint64> accounts;
    for (const Group &g : std::as_const(toExpunge)) {
        QList<qint64> ids;
        for (const Store::StoredMessage &m : g.messages)
            ids << m.id;
        if (Error e = Store::MessageStore(m_db).remove(ids))
            return e;
        const Imap::UidSet uids = serverUids(this, g.folder, g.messages);
        if (uids.isEmpty())
            continue;
        Op op = messageOperation(g.folder, Op::Kind::Expunge, uids);
        auto id = Store::PendingOperationStore(m_db).enqueue(op);
        if (!id)
            return id.error();
        accounts << op.accountId;
    }
    if (Error e = t.commit())
        return e;
    for (qint64 a : std::as_const(accounts))
        Q_EMIT queued(a);
    return {};
}

Store::Result<qint64> LocalChanges::append(qint64 folderId, const QByteArray &raw, Store::MessageFlags flags)
{
    auto folder = Store::FolderStore(m_db).get(folderId);
    if (!folder)
        return folder.error();
    // A minimal header for the list until the server's copy is synced: Subject and Message-ID.
    Store::MessageHeader h;
    h.flags = flags;
    h.size = raw.size();
    h.internalDate = m_db.clock().now();
    const qsizetype end = raw.indexOf("\r\n\r\n") >= 0 ? raw.indexOf("\r\n\r\n") : raw.indexOf("\n\n");
    const QByteArray head = raw.left(end < 0 ? raw.size() : end);
    static const QRegularExpression subject(QStringLiteral("^Subject:[ \\t]*(.*)$"),
                                            QRegularExpression::MultilineOption |
                                                QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression messageId(QStringLiteral("^Message-ID:[ \\t]*(<[^>\\r\\n]*>)"),
                                              QRegularExpression::MultilineOption |
                                                  QRegularExpression::CaseInsensitiveOption);
    const QString headText = QString::fromUtf8(head);
    if (const auto m = subject.match(headText); m.hasMatch())
        h.subject = m.captured(1).trimmed();
    if (const auto m = messageId.match(headText); m.hasMatch())
        h.messageId = m.captured(1);

    Store::Transaction t(m_db, Store::Durability::Full);
    if (t.error())
        return t.error();
    auto id = Store::MessageStore(m_db).insertLocal(folderId, h);
    if (!id)
        return id.error();
    Op op;
    op.accountId = folder->accountId;
    op.kind = Op::Kind::Append;
    op.folderId = folderId;
    op.folderName = folder->name;
    op.payload = json({{QStringLiteral("message"), id.value()},
                       {QStringLiteral("flags"), atomsJson(flags)},
                       {QStringLiteral("messageIdHeader"), h.messageId},
                       {QStringLiteral("raw"), QString::fromLatin1(raw.toBase64())}});
    auto opId = Store::PendingOperationStore(m_db).enqueue(op);
    if (!opId)
        return opId.error();
    if (Error e = t.commit())
        return e;
    Q_EMIT queued(folder->accountId);
    return id.value();
}

Store::Result<qint64> LocalChanges::createFolder(qint64 accountId, const QString &displayName,
                                                 const QString &delimiter)
{
    Store::Folder f;
    f.accountId = accountId;
    f.name = Imap::encodeModifiedUtf7(displayName);
    f.displayName = displayName;
    f.delimiter = delimiter;
    Store::Transaction t(m_db, Store::Durability::Full);
    if (t.error())
        return t.error();
    auto existing = Store::FolderStore(m_db).findByName(accountId, f.name);
    if (!existing)
        return existing.error();
    if (existing.value() != 0)
        return Error::make(Error::Kind::Config,
                           QStringLiteral("a folder \"%1\" already exists").arg(displayName));
    auto id = Store::FolderStore(m_db).upsert(accountId, f);
    if (!id)
        return id.error();
    Op op;
    op.accountId = accountId;
    op.kind = Op::Kind::CreateFolder;
    op.folderId = id.value();
    op.folderName = f.name;
    op.payload = json({{QStringLiteral("display"), displayName}});
    auto opId = Store::PendingOperationStore(m_db).enqueue(op);
    if (!opId)
        return opId.error();
    if (Error e = t.commit())
        return e;
    Q_EMIT queued(accountId);
    return id.value();
}

Error LocalChanges::renameFolder(qint64 folderId, const QString &newDisplayName)
{
    auto folder = Store::FolderStore(m_db).get(folderId);
    if (!folder)
        return folder.error();
    const QByteArray newName = Imap::encodeModifiedUtf7(newDisplayName);
    Store::Transaction t(m_db, Store::Durability::Full);
    if (t.error())
        return t.error();
    if (Error e = Store::FolderStore(m_db).rename(folderId, newName, newDisplayName))
        return e;
    Op op;
    op.accountId = folder->accountId;
    op.kind = Op::Kind::RenameFolder;
    op.folderId = folderId;
    op.folderName = folder->name;
    op.targetFolderName = newName;
    op.payload =
        json({{QStringLiteral("display"), folder->displayName}, {QStringLiteral("to"), newDisplayName}});
    auto opId = Store::PendingOperationStore(m_db).enqueue(op);
    if (!opId)
        return opId.error();
    if (Error e = t.commit())
        return e;
    Q_EMIT queued(folder->accountId);
    return {};
}

Error LocalChanges::deleteFolder(qint64 folderId)
{
    auto folder = Store::FolderStore(m_db).get(folderId);
    if (!folder)
        return folder.error();
    Store::Transaction t(m_db, Store::Durability::Full);
    if (t.error())
        return t.error();
    Op op;
    op.accountId = folder->accountId;
    op.kind = Op::Kind::DeleteFolder;
    op.folderName = folder->name;
    op.payload = json({{QStringLiteral("display"), folder->displayName}});
    auto opId = Store::PendingOperationStore(m_db).enqueue(op);
    if (!opId)
        return opId.error();
    if (Error e = Store::FolderStore(m_db).remove(folderId))
        return e;
    if (Error e = t.commit())
        return e;
    Q_EMIT queued(folder->accountId);
    return {};
}

} // namespace Tidings::Sync
