// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/common/version.h"

#include <QtGlobal>

namespace Tidings {

QString version()
{
    return QStringLiteral(TIDINGS_VERSION);
}

QString versionLine(const QString &programName)
{
    return programName + u' ' + version() + QStringLiteral(" (Qt ") + QString::fromLatin1(qVersion())
        + u')';
}

} // namespace Tidings
