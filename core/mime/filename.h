// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QString>

namespace Tidings::Mime {

/// File names that come from a message (attachment names, RFC 2183 filename, RFC 2231
/// name) are untrusted: these helpers turn them into names that are safe to create in a
/// directory the person chose, on Linux, macOS and Windows alike.
class FileName final
{
public:
    FileName() = delete;

    /// A safe base name for name:
    ///  - only the last component of a path ("/", "\\") is kept, so "../../.bashrc" becomes
    ///    "bashrc" and "C:\\x\\evil.exe" becomes "evil.exe";
    ///  - C0/C1 control characters, DEL and the bidirectional and zero-width formatting
    ///    characters that disguise an extension ("invoice\u202Efdp.exe") are removed;
    ///  - characters Windows forbids (< > : " | ? *) become "_";
    ///  - leading dots and spaces (hidden files, "..") and trailing dots and spaces (which
    ///    Windows strips) are removed;
    ///  - reserved DOS device names (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with any extension)
    ///    get a "_" prefix;
    ///  - the result is NFC-normalised and at most maxBytes of UTF-8, the extension kept;
    ///  - if nothing is left, fallback (itself sanitised, "attachment" if that is empty too).
    [[nodiscard]] static QString sanitize(const QString &name, const QString &fallback = QStringLiteral("attachment"),
                                          int maxBytes = 200);

    /// True when opening a file of this name or MIME type may run a program (executables,
    /// scripts, installers, shortcuts, desktop entries, Office macros...): the UI warns first.
    [[nodiscard]] static bool isPotentiallyExecutable(const QString &name, const QString &mimeType = {});

    /// A name for saving into a directory holding existing: "name.ext", else "name (2).ext",
    /// "name (3).ext", ... ; existing answers whether a name is taken.
    template<typename Exists>
    [[nodiscard]] static QString unique(const QString &safeName, Exists existing)
    {
        if (!existing(safeName))
            return safeName;
        const qsizetype dot = extensionStart(safeName);
        const QString stem = safeName.left(dot);
        const QString ext = safeName.mid(dot);
        for (int i = 2; i < 10000; ++i) {
            const QString candidate = stem + QStringLiteral(" (%1)").arg(i) + ext;
            if (!existing(candidate))
                return candidate;
        }
        return stem + QStringLiteral(" (copy)") + ext;
    }

    /// Index of the '.' that starts the extension ("a.tar.gz" -> ".gz"), size() if none.
    [[nodiscard]] static qsizetype extensionStart(const QString &name);
};

} // namespace Tidings::Mime
