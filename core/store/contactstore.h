// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/store/result.h"

#include <QDateTime>
#include <QList>
#include <QString>

namespace Tidings::Store {

class Database;

/// An address the user wrote to or read from.
struct Contact {
    QString address; ///< lower-cased
    QString name;
    QDateTime lastUsed;
    int useCount = 0;
    friend bool operator==(const Contact &, const Contact &) = default;
};

/// contacts_seen: the composer's address completion, shared by all accounts.
class ContactStore final
{
public:
    explicit ContactStore(Database &db) : m_db(db) {}

    /// Records one use of an address (count + 1, last used = now); a non-empty name replaces
    /// the stored one.
    Error noteUsed(const QString &address, const QString &name = {});
    /// Contacts whose address or name starts with @p prefix (case-insensitive), most used first.
    [[nodiscard]] Result<QList<Contact>> complete(const QString &prefix, int limit);

private:
    Database &m_db;
};

} // namespace Tidings::Store
