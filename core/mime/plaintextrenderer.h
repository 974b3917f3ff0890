// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QString>
#include <QStringList>

namespace Tidings::Mime {

/// Shows a text/plain body as HTML for the viewer, with nothing in the body able to become
/// markup: every character is escaped, then http(s), mailto and "www." links become <a>
/// elements whose href is built from the escaped, parsed URL, and quoted lines ("> ",
/// "> > ", ">>") take the colour of their quote level from a fixed palette.
class PlainTextRenderer final
{
public:
    PlainTextRenderer() = delete;

    /// A fragment: one <div> with white-space: pre-wrap.
    [[nodiscard]] static QString toHtml(const QString &text);

    /// The quote level of a line: the number of '>' at its start, spaces between them allowed.
    [[nodiscard]] static int quoteLevel(QStringView line);

    /// The colour (#rrggbb) used for a quote level >= 1; the palette repeats after its end.
    [[nodiscard]] static QString quoteColor(int level);

    /// The text quoted for a reply: every line prefixed with "> " (">" before a line that is
    /// already quoted, so "> a" becomes ">> a"); trailing blank lines dropped.
    [[nodiscard]] static QString quoteForReply(const QString &text);

    /// Each link the renderer makes, in order (for tests and a "links in this message" list).
    [[nodiscard]] static QStringList links(const QString &text);
};

} // namespace Tidings::Mime
