// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QString>

namespace Tidings {

/// The program version, e.g. "0.1.0", from the CMake project version.
[[nodiscard]] QString version();

/// "Tidings 0.1.0 (Qt 6.4.2)": what `--version` prints.
[[nodiscard]] QString versionLine(const QString &programName);

} // namespace Tidings
