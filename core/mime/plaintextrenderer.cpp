// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/mime/plaintextrenderer.h"

#include <QRegularExpression>
#include <QUrl>

namespace Tidings::Mime {

namespace {

void appendEscaped(QString &out, QStringView text)
{
    for (const QChar c : text) {
        switch (c.unicode()) {
        case u'&':
            out += u"&amp;";
            break;
        case u'<':
            out += u"&lt;";
            break;
        case u'>':
            out += u"&gt;";
            break;
        case u'"':
            out += u"&quot;";
            break;
        case u'\'':
            out += u"&#39;";
            break;
        default:
            if (c.unicode() < 0x20 && c != u'\t')
                break; // NUL and other C0 controls show nothing useful
            out += c;
        }
    }
}

const QRegularExpression &linkPattern()
{
    // Candidates only; each is checked by QUrl and trimmed of trailing punctuation below.
    static const QRegularExpression re(QStringLiteral("(?:\\b(?:https?://|mailto:)|\\bwww\\.)[^\\s<>\"'`]+"),
                                       QRegularExpression::CaseInsensitiveOption);
    return re;
}

// Trailing punctuation belongs to the sentence, not the URL; a closing parenthesis stays
// when the URL opened one (Wikipedia-style links).
qsizetype trimmedLinkLength(QStringView candidate)
{
    qsizetype n = candidate.size();
    while (n > 0) {
        const QChar c = candidate.at(n - 1);
        if (c == u'.' || c == u',' || c == u';' || c == u':' || c == u'!' || c == u'?' || c == u'*'
            || c == u']' || c == u'}') {
            --n;
            continue;
        }
        if (c == u')') {
            const QStringView body = candidate.left(n);
            if (body.count(u'(') < body.count(u')')) {
                --n;
                continue;
            }
        }
        break;
    }
    return n;
}

struct Link {
    qsizetype start;
    qsizetype length;
    QUrl url;
};

QList<Link> findLinks(const QString &line)
{
    QList<Link> links;
    auto it = linkPattern().globalMatch(line);
    while (it.hasNext()) {
        const QRegularExpressionMatch m = it.next();
        const qsizetype length = trimmedLinkLength(QStringView(line).mid(m.capturedStart(), m.capturedLength()));
        QString target = line.mid(m.capturedStart(), length);
        if (target.startsWith(u"www.", Qt::CaseInsensitive))
            target.prepend(QStringLiteral("https://"));
        QUrl url(target, QUrl::StrictMode);
        const QString scheme = url.scheme().toLower();
        if (!url.isValid())
            continue;
        if ((scheme == u"http" || scheme == u"https") && url.host().isEmpty())
            continue;
        if (scheme == u"mailto" && url.path().isEmpty())
            continue;
        links.append({m.capturedStart(), length, url});
    }
    return links;
}

const QStringList &palette()
{
    static const QStringList colors = {QStringLiteral("#1f6f8b"), QStringLiteral("#8b5a1f"), QStringLiteral("#3b7d3b"),
                                       QStringLiteral("#7a3b7d"), QStringLiteral("#8b1f3a")};
    return colors;
}

} // namespace

int PlainTextRenderer::quoteLevel(QStringView line)
{
    int level = 0;
    for (const QChar c : line) {
        if (c == u'>')
            ++level;
        else if (c != u' ')
            break;
    }
    return level;
}

QString PlainTextRenderer::quoteColor(int level)
{
    if (level <= 0)
        return {};
    return palette().at((level - 1) % palette().size());
}

QString PlainTextRenderer::toHtml(const QString &text)
{
    QString out;
    out.reserve(text.size() + text.size() / 4 + 64);
    out += u"<div style=\"white-space: pre-wrap\">";
    QString normalized = text;
    normalized.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
    const QStringList lines = normalized.split(u'\n');
    for (qsizetype n = 0; n < lines.size(); ++n) {
        const QString &line = lines.at(n);
        const int level = quoteLevel(line);
        if (level > 0)
            out += u"<span style=\"color: " + quoteColor(level) + u"\">";
        qsizetype pos = 0;
        const QList<Link> links = findLinks(line);
        for (const Link &link : links) {
            appendEscaped(out, QStringView(line).mid(pos, link.start - pos));
            out += u"<a href=\"";
            appendEscaped(out, link.url.toString(QUrl::FullyEncoded));
            out += u"\">";
            appendEscaped(out, QStringView(line).mid(link.start, link.length));
            out += u"</a>";
            pos = link.start + link.length;
        }
        appendEscaped(out, QStringView(line).mid(pos));
        if (level > 0)
            out += u"</span>";
        if (n + 1 < lines.size())
            out += u"<br>";
    }
    out += u"</div>";
    return out;
}

QString PlainTextRenderer::quoteForReply(const QString &text)
{
    QString normalized = text;
    normalized.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
    QStringList lines = normalized.split(u'\n');
    while (!lines.isEmpty() && lines.last().trimmed().isEmpty())
        lines.removeLast();
    QString out;
    for (const QString &line : std::as_const(lines)) {
        if (line.startsWith(u'>'))
            out += u'>' + line;
        else if (line.isEmpty())
            out += u'>';
        else
            out += u"> " + line;
        out += u'\n';
    }
    return out;
}

QStringList PlainTextRenderer::links(const QString &text)
{
    QStringList result;
    QString normalized = text;
    normalized.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
    const QStringList lines = normalized.split(u'\n');
    for (const QString &line : lines) {
        const QList<Link> found = findLinks(line);
        for (const Link &link : found)
            result.append(link.url.toString(QUrl::FullyEncoded));
    }
    return result;
}

} // namespace Tidings::Mime
