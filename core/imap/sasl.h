// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QByteArray>
#include <QString>

namespace Tidings::Imap::Sasl {

/// The PLAIN initial response, RFC 4616 §2: `authzid NUL authcid NUL passwd`, base64-encoded.
/// The authorization identity is left empty (act as the authenticated user).
[[nodiscard]] QByteArray plainResponse(const QString &username, const QString &password);

/// The XOAUTH2 initial response (Google/Microsoft): `user=U ^A auth=Bearer T ^A ^A`, base64.
[[nodiscard]] QByteArray xoauth2Response(const QString &username, const QString &accessToken);

/// Overwrites the bytes of @p secret before it is released (best effort: copies made by
/// implicitly shared containers elsewhere are the caller's concern).
void wipe(QByteArray &secret);
void wipe(QString &secret);

} // namespace Tidings::Imap::Sasl
