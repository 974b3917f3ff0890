// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "tests/support/testprofile.h"

#include <QStandardPaths>

namespace Tidings::Test {

TestProfile::TestProfile()
    : m_dir(QDir::tempPath() + QStringLiteral("/tidings-profile-XXXXXX"))
{
    QStandardPaths::setTestModeEnabled(true);
}

} // namespace Tidings::Test
