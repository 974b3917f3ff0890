// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/store/certificatepinstore.h"

#include "core/common/clock.h"
#include "core/store/database.h"

namespace Tidings::Store {

namespace {

Error checkDigest(const QByteArray &sha256)
{
    if (sha256.size() != 32)
        return Error::make(Error::Kind::Config, QStringLiteral("a SHA-256 digest has 32 bytes, not %1").arg(sha256.size()));
    return {};
}

} // namespace

Error CertificatePinStore::add(const QString &host, quint16 port, const QByteArray &sha256)
{
    if (Error e = checkDigest(sha256))
        return e;
    Statement q(m_db, QStringLiteral("INSERT OR IGNORE INTO certificate_pins (host, port, sha256, added_at) VALUES (?, ?, ?, ?)"));
    q.bind(host.toLower()).bind(port).bind(sha256).bind(toDbTime(m_db.clock().now()));
    return q.exec();
}

Error CertificatePinStore::remove(const QString &host, quint16 port, const QByteArray &sha256)
{
    Statement q(m_db, QStringLiteral("DELETE FROM certificate_pins WHERE host = ? AND port = ? AND sha256 = ?"));
    q.bind(host.toLower()).bind(port).bind(sha256);
    return q.exec();
}

Result<bool> CertificatePinStore::contains(const QString &host, quint16 port, const QByteArray &sha256)
{
    Statement q(m_db, QStringLiteral("SELECT 1 FROM certificate_pins WHERE host = ? AND port = ? AND sha256 = ?"));
    q.bind(host.toLower()).bind(port).bind(sha256);
    if (Error e = q.exec())
        return e;
    return q.next();
}

Result<QList<QByteArray>> CertificatePinStore::pins(const QString &host, quint16 port)
{
    Statement q(m_db, QStringLiteral("SELECT sha256 FROM certificate_pins WHERE host = ? AND port = ? ORDER BY added_at, sha256"));
    q.bind(host.toLower()).bind(port);
    if (Error e = q.exec())
        return e;
    QList<QByteArray> out;
    while (q.next())
        out << q.value(0).toByteArray();
    return out;
}

} // namespace Tidings::Store
