// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace Tidings::Imap {

/// Encodes a mailbox name in modified UTF-7 (RFC 3501 §5.1.3): printable US-ASCII except '&'
/// stays as is, '&' becomes "&-", every other run of characters becomes '&' + modified BASE64
/// (',' for '/', no padding) of its UTF-16BE form + '-'. "Отправленные" →
/// "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-".
[[nodiscard]] QByteArray encodeModifiedUtf7(const QString &name);

/// Decodes modified UTF-7 for display. Never fails: a malformed shift sequence (bad BASE64, a
/// missing '-', an odd byte count, a lone surrogate) is shown as its raw characters, and 8-bit
/// bytes (servers that send UTF-8 without UTF8=ACCEPT) are read as UTF-8. `ok` tells whether the
/// input was strictly valid — only then does encodeModifiedUtf7(result) give the input back.
[[nodiscard]] QString decodeModifiedUtf7(QByteArrayView raw, bool *ok = nullptr);

} // namespace Tidings::Imap
