// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/mime/filename.h"

#include <QRegularExpression>
#include <QSet>

namespace Tidings::Mime {

namespace {

bool isInvisibleFormatting(char32_t c)
{
    // Bidi embeddings, overrides and isolates; marks; zero-width characters; BOM.
    return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F
           || c == 0x061C || (c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF || c == 0x00AD
           || c == 0x180E || (c >= 0xFFF9 && c <= 0xFFFB);
}

bool isControl(char32_t c)
{
    return c < 0x20 || (c >= 0x7F && c <= 0x9F);
}

bool isWindowsForbidden(char32_t c)
{
    return c == '<' || c == '>' || c == ':' || c == '"' || c == '|' || c == '?' || c == '*';
}

bool isTrimmable(QChar c)
{
    return c == u'.' || c.isSpace();
}

QString clean(const QString &name)
{
    // Only the last path component: both separators, whatever the platform.
    QString base = name;
    const qsizetype slash = std::max(base.lastIndexOf(u'/'), base.lastIndexOf(u'\\'));
    if (slash >= 0)
        base = base.mid(slash + 1);

    QString out;
    out.reserve(base.size());
    const QList<uint> codePoints = base.toUcs4();
    for (const uint cp : codePoints) {
        const auto c = char32_t(cp);
        if (c == '\t' || c == '\n' || c == '\r') {
            out += u' '; // a folded header line that reached the name
            continue;
        }
        if (isControl(c) || isInvisibleFormatting(c) || c == 0xFFFD)
            continue;
        if (isWindowsForbidden(c)) {
            out += u'_';
            continue;
        }
        if (QChar::isSpace(c)) {
            out += u' ';
            continue;
        }
        out += QString::fromUcs4(&c, 1);
    }
    out = out.normalized(QString::NormalizationForm_C);
    out.replace(QRegularExpression(QStringLiteral(" {2,}")), QStringLiteral(" "));

    qsizetype begin = 0;
    qsizetype end = out.size();
    while (begin < end && isTrimmable(out.at(begin)))
        ++begin;
    while (end > begin && isTrimmable(out.at(end - 1)))
        --end;
    out = out.mid(begin, end - begin);

    // DOS device names are reserved with any extension ("con.txt", "LPT1.tar.gz") and
    // with trailing spaces before the dot.
    static const QRegularExpression reserved(QStringLiteral("^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\\$|conout\\$)( *\\..*)?$"),
                                             QRegularExpression::CaseInsensitiveOption);
    if (reserved.match(out).hasMatch())
        out.prepend(u'_');
    return out;
}

QString truncateUtf8(const QString &name, int maxBytes)
{
    if (name.toUtf8().size() <= maxBytes)
        return name;
    const qsizetype dot = FileName::extensionStart(name);
    QString ext = name.mid(dot);
    if (ext.toUtf8().size() > maxBytes / 4)
        ext.clear(); // an absurd "extension" is not worth keeping
    QString stem = name.left(ext.isEmpty() ? name.size() : dot);
    const int budget = maxBytes - int(ext.toUtf8().size());
    while (!stem.isEmpty() && stem.toUtf8().size() > budget) {
        stem.chop(1);
        if (!stem.isEmpty() && stem.back().isHighSurrogate())
            stem.chop(1);
    }
    while (!stem.isEmpty() && isTrimmable(stem.back()))
        stem.chop(1);
    return stem + ext;
}

} // namespace

qsizetype FileName::extensionStart(const QString &name)
{
    const qsizetype dot = name.lastIndexOf(u'.');
    if (dot <= 0 || dot == name.size() - 1)
        return name.size();
    return dot;
}

QString FileName::sanitize(const QString &name, const QString &fallback, int maxBytes)
{
    maxBytes = std::max(maxBytes, 16);
    QString out = truncateUtf8(clean(name), maxBytes);
    if (out.isEmpty())
        out = truncateUtf8(clean(fallback), maxBytes);
    if (out.isEmpty())
        out = QStringLiteral("attachment");
    return out;
}

bool FileName::isPotentiallyExecutable(const QString &name, const QString &mimeType)
{
    static const QSet<QString> extensions = {
        QStringLiteral("exe"),  QStringLiteral("com"),  QStringLiteral("bat"),  QStringLiteral("cmd"),
        QStringLiteral("scr"),  QStringLiteral("pif"),  QStringLiteral("msi"),  QStringLiteral("msp"),
        QStringLiteral("msix"), QStringLiteral("appx"), QStringLiteral("cpl"),  QStringLiteral("dll"),
        QStringLiteral("hta"),  QStringLiteral("js"),   QStringLiteral("jse"),  QStringLiteral("vbs"),
        QStringLiteral("vbe"),  QStringLiteral("wsf"),  QStringLiteral("wsh"),  QStringLiteral("ps1"),
        QStringLiteral("psm1"), QStringLiteral("jar"),  QStringLiteral("lnk"),  QStringLiteral("url"),
        QStringLiteral("reg"),  QStringLiteral("inf"),  QStringLiteral("scf"),  QStringLiteral("sh"),
        QStringLiteral("bash"), QStringLiteral("zsh"),  QStringLiteral("csh"),  QStringLiteral("ksh"),
        QStringLiteral("run"),  QStringLiteral("bin"),  QStringLiteral("appimage"), QStringLiteral("desktop"),
        QStringLiteral("deb"),  QStringLiteral("rpm"),  QStringLiteral("flatpakref"), QStringLiteral("snap"),
        QStringLiteral("py"),   QStringLiteral("pyw"),  QStringLiteral("pl"),   QStringLiteral("rb"),
        QStringLiteral("php"),  QStringLiteral("command"), QStringLiteral("app"), QStringLiteral("pkg"),
        QStringLiteral("dmg"),  QStringLiteral("apk"),  QStringLiteral("iso"),  QStringLiteral("img"),
        QStringLiteral("vhd"),  QStringLiteral("vhdx"), QStringLiteral("docm"), QStringLiteral("xlsm"),
        QStringLiteral("pptm"), QStringLiteral("dotm"), QStringLiteral("xlam"), QStringLiteral("chm"),
        QStringLiteral("application"), QStringLiteral("gadget"), QStringLiteral("msc"), QStringLiteral("settingcontent-ms"),
        QStringLiteral("svg"),  QStringLiteral("html"), QStringLiteral("htm"),  QStringLiteral("xhtml"),
        QStringLiteral("mht"),  QStringLiteral("mhtml"), QStringLiteral("shtml"), QStringLiteral("xml"),
    };
    static const QSet<QString> types = {
        QStringLiteral("application/x-executable"), QStringLiteral("application/x-msdownload"),
        QStringLiteral("application/x-msdos-program"), QStringLiteral("application/x-sh"),
        QStringLiteral("application/x-shellscript"), QStringLiteral("application/x-desktop"),
        QStringLiteral("application/x-ms-dos-executable"), QStringLiteral("application/vnd.microsoft.portable-executable"),
        QStringLiteral("application/java-archive"), QStringLiteral("application/x-java-archive"),
        QStringLiteral("application/javascript"), QStringLiteral("text/javascript"),
        QStringLiteral("application/x-msi"), QStringLiteral("application/x-ms-shortcut"),
        QStringLiteral("application/x-perl"), QStringLiteral("application/x-python"), QStringLiteral("text/x-python"),
        QStringLiteral("application/x-appimage"), QStringLiteral("application/vnd.debian.binary-package"),
        QStringLiteral("application/x-rpm"), QStringLiteral("text/html"), QStringLiteral("image/svg+xml"),
        QStringLiteral("application/x-sharedlib"), QStringLiteral("application/x-mach-binary"),
    };
    // Every extension counts ("report.pdf.exe" is an .exe; "setup.exe.txt" is not).
    const qsizetype dot = extensionStart(name);
    const QString ext = dot < name.size() ? name.mid(dot + 1).trimmed().toLower() : QString();
    if (!ext.isEmpty() && extensions.contains(ext))
        return true;
    return types.contains(mimeType.trimmed().toLower());
}

} // namespace Tidings::Mime
