// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/imap/response.h"

#include <QList>
#include <QString>

namespace Tidings::Sync {

/// The special-use attribute (RFC 6154 §2) a mailbox plays for Tidings: "\\Sent", "\\Drafts",
/// "\\Trash", "\\Junk", "\\Archive", or empty.
///
/// The server's word wins: a LIST entry carrying one of those attributes is that folder. Only
/// when the server marks no folder with a role is the role guessed from the name, in English
/// and in the languages our users' providers localise folder names into ("Отправленные",
/// "Корзина", "Éléments envoyés", "Gesendet", ...). INBOX never gets a role.
[[nodiscard]] QString specialUseFromAttributes(const QList<QByteArray> &attributes);
/// The role a folder name suggests (the last hierarchy level, case-insensitive), or empty.
[[nodiscard]] QString specialUseFromName(const QString &displayName, QChar delimiter);

/// Assigns roles to a whole LIST answer: attributes first; then, for each role no entry has
/// by attribute, the first entry (in LIST order) whose name suggests it. Returns one role per
/// entry, in the entries' order.
[[nodiscard]] QList<QString> assignSpecialUse(const QList<Imap::ListEntry> &entries);

} // namespace Tidings::Sync
