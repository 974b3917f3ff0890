// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QString>
#include <QTemporaryDir>

namespace Tidings::Test {

/// A throw-away profile directory for one test, removed with the object. Also switches
/// QStandardPaths into test mode so nothing touches the real user's files.
class TestProfile final
{
public:
    TestProfile();
    Q_DISABLE_COPY_MOVE(TestProfile)

    [[nodiscard]] bool isValid() const { return m_dir.isValid(); }
    [[nodiscard]] QString path() const { return m_dir.path(); }
    [[nodiscard]] QString filePath(const QString &name) const { return m_dir.filePath(name); }

private:
    QTemporaryDir m_dir;
};

} // namespace Tidings::Test
