// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Shared helpers for the store tests.
#pragma once

#include "core/store/accountstore.h"
#include "core/store/database.h"
#include "core/store/folderstore.h"
#include "core/store/messagestore.h"

#include <QTest>

#include <memory>

/// Fails the test with the store's error text when an Error or Result is an error.
#define STORE_OK(expr)                                                                                             \
    do {                                                                                                           \
        const auto &storeOkValue_ = (expr);                                                                        \
        QVERIFY2(!::Tidings::Test::storeFailed(storeOkValue_), qPrintable(::Tidings::Test::storeText(storeOkValue_))); \
    } while (false)

namespace Tidings::Test {

inline bool storeFailed(const Error &e) { return e.isError(); }
template<typename T>
bool storeFailed(const Store::Result<T> &r) { return !r.ok(); }
inline QString storeText(const Error &e) { return e.toString(); }
template<typename T>
QString storeText(const Store::Result<T> &r) { return r.ok() ? QString() : r.error().toString(); }

inline std::unique_ptr<Store::Database> openOrFail(const QString &where, Store::Database::Options options = {})
{
    auto result = Store::Database::open(where, std::move(options));
    if (!result.ok())
        qWarning("%s", qPrintable(result.error().toString()));
    return result.ok() ? std::move(result).value() : nullptr;
}

inline qint64 addAccount(Store::Database &db, const QString &name,
                         Store::Account::Protocol protocol = Store::Account::Protocol::Imap)
{
    Store::Account a;
    a.name = name;
    a.email = name + QStringLiteral("@example.org");
    a.protocol = protocol;
    auto id = Store::AccountStore(db).add(a);
    return id.ok() ? id.value() : 0;
}

inline qint64 addFolder(Store::Database &db, qint64 accountId, const QByteArray &name, quint32 uidValidity = 0)
{
    Store::Folder f;
    f.name = name;
    f.displayName = QString::fromUtf8(name);
    f.delimiter = QStringLiteral("/");
    Store::FolderStore folders(db);
    auto id = folders.upsert(accountId, f);
    if (!id.ok())
        return 0;
    if (uidValidity && folders.applyUidValidity(id.value(), uidValidity).error().isError())
        return 0;
    return id.value();
}

inline Store::MessageHeader header(quint32 uid, const QString &subject, qint64 dateSecs = 1700000000,
                                   Store::MessageFlags flags = {})
{
    Store::MessageHeader h;
    h.uid = uid;
    h.subject = subject;
    h.date = QDateTime::fromSecsSinceEpoch(dateSecs, Qt::UTC);
    h.internalDate = h.date;
    h.flags = flags;
    h.size = 1000 + uid;
    h.from = QStringLiteral("Sender %1 <sender%1@example.org>").arg(uid);
    h.to = QStringLiteral("me@example.org");
    h.messageId = QStringLiteral("<%1.%2@example.org>").arg(uid).arg(subject.size());
    return h;
}

inline int count(Store::Database &db, const QString &sql)
{
    auto r = db.scalar(sql);
    return r.ok() ? r.value().toInt() : -1;
}

inline QString integrity(Store::Database &db)
{
    auto r = db.integrityCheck();
    return r.ok() ? r.value() : r.error().toString();
}

} // namespace Tidings::Test
