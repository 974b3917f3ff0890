// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

namespace Tidings::Mime {

/// Reading mbox files (RFC 4155): messages separated by "From " lines, mboxrd quoting.
class Mbox final
{
public:
    Mbox() = delete;

    /// The messages of an mbox, each still starting with its "From " separator line (which
    /// Parser::parse skips). Views into mbox; no copy.
    [[nodiscard]] static QList<QByteArrayView> split(QByteArrayView mbox);

    /// True when a line of the message is ">From ", ">>From ", ... (mboxrd quoting that
    /// unquote() removes).
    [[nodiscard]] static bool mayBeQuoted(QByteArrayView message);

    /// A message of an mboxrd file with one level of ">From " quoting removed.
    [[nodiscard]] static QByteArray unquote(QByteArrayView message);

    /// Parses every message with GMime alone (its mbox mode, nothing decoded, no tree of ours
    /// built) and returns how many it found: the floor tidings-bench mime compares with.
    [[nodiscard]] static qsizetype bareGMimeParse(QByteArrayView mbox);
};

} // namespace Tidings::Mime
