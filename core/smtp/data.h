// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace Tidings::Smtp {

/// The message as the recipient receives it: every line end CRLF (a bare CR, a bare LF and CRLF
/// each become one CRLF) and a CRLF after the last line. A message that is already CRLF-clean
/// and ends with CRLF is returned unchanged. Its size is what SIZE (RFC 1870) compares.
[[nodiscard]] QByteArray canonicalMessage(QByteArrayView message);

/// The DATA payload for @p message (RFC 5321 §4.5.2): canonicalMessage() with a `.` added before
/// every line that starts with `.`, then the terminating `.` CRLF. One pass, one allocation.
/// @p canonicalSize receives the size of canonicalMessage() (what SIZE declares, RFC 1870 §5).
[[nodiscard]] QByteArray encodeData(QByteArrayView message, qint64 *canonicalSize = nullptr);

/// True if any byte is 8-bit (needs 8BITMIME, RFC 6152).
[[nodiscard]] bool hasEightBit(QByteArrayView bytes);

} // namespace Tidings::Smtp
