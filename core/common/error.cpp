// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/common/error.h"

#include <utility>

namespace Tidings {

QString errorKindName(Error::Kind kind)
{
    switch (kind) {
    case Error::Kind::None: return QStringLiteral("None");
    case Error::Kind::Network: return QStringLiteral("Network");
    case Error::Kind::Tls: return QStringLiteral("Tls");
    case Error::Kind::Authentication: return QStringLiteral("Authentication");
    case Error::Kind::ServerNo: return QStringLiteral("ServerNo");
    case Error::Kind::ServerBad: return QStringLiteral("ServerBad");
    case Error::Kind::Protocol: return QStringLiteral("Protocol");
    case Error::Kind::Timeout: return QStringLiteral("Timeout");
    case Error::Kind::Storage: return QStringLiteral("Storage");
    case Error::Kind::Cancelled: return QStringLiteral("Cancelled");
    case Error::Kind::Config: return QStringLiteral("Config");
    }
    return QStringLiteral("Unknown");
}

QString Error::toString() const
{
    QString out = errorKindName(kind) + QStringLiteral(": ") + detail;
    if (!responseCode.isEmpty())
        out += QStringLiteral(" [") + QString::fromUtf8(responseCode) + u']';
    if (!serverText.isEmpty())
        out += QStringLiteral(" (server: ") + serverText + u')';
    return out;
}

Error Error::make(Kind kind, QString detail, QString serverText, QByteArray responseCode)
{
    Error e;
    e.kind = kind;
    e.detail = std::move(detail);
    e.serverText = std::move(serverText);
    e.responseCode = std::move(responseCode);
    return e;
}

} // namespace Tidings
