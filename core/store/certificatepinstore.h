// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/store/result.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace Tidings::Store {

class Database;

/// Certificates the user chose to trust for a host and port, as SHA-256 digests of the DER
/// certificate. Settings, not secrets.
class CertificatePinStore final
{
public:
    explicit CertificatePinStore(Database &db) : m_db(db) {}

    Error add(const QString &host, quint16 port, const QByteArray &sha256);
    Error remove(const QString &host, quint16 port, const QByteArray &sha256);
    [[nodiscard]] Result<bool> contains(const QString &host, quint16 port, const QByteArray &sha256);
    [[nodiscard]] Result<QList<QByteArray>> pins(const QString &host, quint16 port);

private:
    Database &m_db;
};

} // namespace Tidings::Store
