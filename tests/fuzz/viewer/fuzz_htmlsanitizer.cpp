// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// HTML from a message through the sanitizer: no crash, bounded work, and the invariants
// that make the output safe hold for every input.
#include "core/mime/htmlsanitizer.h"
#include "core/mime/plaintextrenderer.h"

#include <QRegularExpression>
#include <QSet>

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString html = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    Tidings::Mime::HtmlPolicy policy;
    policy.contentIds = {QStringLiteral("a@b")};
    policy.maxDataUrlLength = 4096;
    const Tidings::Mime::SanitizedHtml out = Tidings::Mime::HtmlSanitizer::sanitize(html, policy);

    // Nothing executable or fetchable survives, however the input is built.
    static const QRegularExpression forbidden(
        QStringLiteral("<\\s*(script|style|iframe|object|embed|meta|base|link|svg|math|form|input|textarea)\\b|"
                       "\\son[a-z]+\\s*=|\\s(src|background)=\"(?!cid:|data:image/)|\\s(srcset|ping|action)="),
        QRegularExpression::CaseInsensitiveOption);
    // Text has every '<' escaped, so each "<...>" in the output is markup: check only those.
    static const QRegularExpression markup(QStringLiteral("<[^>]*>"));
    QString tags;
    for (auto it = markup.globalMatch(out.html); it.hasNext();)
        tags += it.next().captured(0) + u'\n';
    if (forbidden.match(tags).hasMatch())
        std::abort();
    if (!out.html.startsWith(QStringLiteral("<div")) || !out.html.endsWith(QStringLiteral("</div>")))
        std::abort();
    if (out.blockedRemoteCount < 0 || out.blockedRemoteCount > out.remoteUrls.size())
        std::abort();

    // Re-parsing the output creates no markup: the same text, and no start tag (element with
    // its attributes and URLs) that was not in the output already. The structure may differ:
    // an HTML5 tree (p inside p after foster parenting, say) is not always serialisable, and
    // the tree builder re-creates formatting elements; that moves allowed elements around
    // but cannot invent any.
    const QString again = Tidings::Mime::HtmlSanitizer::sanitize(out.html, policy).html;
    static const QRegularExpression startTag(QStringLiteral("<[a-z0-9]+[^>]*>"));
    static const QRegularExpression anyTag(QStringLiteral("<[^>]*>"));
    auto startTags = [](const QString &h) {
        QSet<QString> found;
        auto it = startTag.globalMatch(h);
        while (it.hasNext())
            found.insert(it.next().captured(0));
        return found;
    };
    QSet<QString> allowed = startTags(out.html);
    allowed.insert(QStringLiteral("<div>"));
    if (!allowed.contains(startTags(again)))
        std::abort();
    if (QString(again).remove(anyTag) != QString(out.html).remove(anyTag))
        std::abort();

    (void)Tidings::Mime::HtmlSanitizer::sanitizeStyle(html, policy);
    (void)Tidings::Mime::PlainTextRenderer::toHtml(html);
    return 0;
}
