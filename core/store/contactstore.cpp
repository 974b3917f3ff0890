// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/store/contactstore.h"

#include "core/common/clock.h"
#include "core/store/database.h"

#include <algorithm>

namespace Tidings::Store {

Error ContactStore::noteUsed(const QString &address, const QString &name)
{
    const QString key = address.trimmed().toLower();
    if (key.isEmpty())
        return Error::make(Error::Kind::Config, QStringLiteral("empty address"));
    Statement q(m_db, QStringLiteral("INSERT INTO contacts_seen (address, name, last_used, use_count) VALUES (?, ?, ?, 1) "
                                     "ON CONFLICT (address) DO UPDATE SET use_count = use_count + 1, "
                                     "last_used = excluded.last_used, "
                                     "name = CASE WHEN excluded.name = '' THEN name ELSE excluded.name END"));
    q.bind(key).bind(name.trimmed()).bind(toDbTime(m_db.clock().now()));
    return q.exec();
}

Result<QList<Contact>> ContactStore::complete(const QString &prefix, int limit)
{
    // SQLite's LIKE folds ASCII only; Cyrillic names need Qt's folding, so the (small) table is
    // filtered here.
    Statement q(m_db, QStringLiteral("SELECT address, name, last_used, use_count FROM contacts_seen "
                                     "ORDER BY use_count DESC, last_used DESC, address"));
    if (Error e = q.exec())
        return e;
    const QString needle = prefix.trimmed();
    QList<Contact> out;
    while (q.next() && out.size() < std::max(limit, 0)) {
        Contact c{q.value(0).toString(), q.value(1).toString(), fromDbTime(q.value(2)), q.value(3).toInt()};
        bool match = c.address.startsWith(needle, Qt::CaseInsensitive) || c.name.startsWith(needle, Qt::CaseInsensitive);
        if (!match) {
            const QStringList words = c.name.split(u' ', Qt::SkipEmptyParts);
            match = std::any_of(words.begin(), words.end(),
                                [&](const QString &w) { return w.startsWith(needle, Qt::CaseInsensitive); });
        }
        if (match)
            out << c;
    }
    return out;
}

} // namespace Tidings::Store
