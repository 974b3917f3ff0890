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

    // Nothing executable or fetchable survives, however the input is built. Text has every
    // '<' escaped and attribute values every '"', so each "<...>" is markup and each
    // name="value" inside it is an attribute.
    static const QRegularExpression markup(
        QStringLiteral("<([a-z0-9]+)((?:\\s[a-z:-]+=\"[^\"]*\")*)>|</[a-z0-9]+>"));
    static const QRegularExpression attribute(QStringLiteral("\\s([a-z:-]+)=\"([^\"]*)\""));
    static const QSet<QString> forbiddenTags = {
        QStringLiteral("script"),  QStringLiteral("style"), QStringLiteral("iframe"),
        QStringLiteral("object"),  QStringLiteral("embed"), QStringLiteral("meta"),
        QStringLiteral("base"),    QStringLiteral("link"),  QStringLiteral("svg"),
        QStringLiteral("math"),    QStringLiteral("form"),  QStringLiteral("input"),
        QStringLiteral("textarea")};
    static const QSet<QString> allowedAttributes = {
        QStringLiteral("style"),       QStringLiteral("title"),       QStringLiteral("alt"),
        QStringLiteral("dir"),         QStringLiteral("lang"),        QStringLiteral("align"),
        QStringLiteral("valign"),      QStringLiteral("width"),       QStringLiteral("height"),
        QStringLiteral("bgcolor"),     QStringLiteral("color"),       QStringLiteral("id"),
        QStringLiteral("name"),        QStringLiteral("href"),        QStringLiteral("src"),
        QStringLiteral("background"),  QStringLiteral("border"),      QStringLiteral("hspace"),
        QStringLiteral("vspace"),      QStringLiteral("face"),        QStringLiteral("size"),
        QStringLiteral("cellpadding"), QStringLiteral("cellspacing"), QStringLiteral("colspan"),
        QStringLiteral("rowspan"),     QStringLiteral("nowrap"),      QStringLiteral("span"),
        QStringLiteral("start"),       QStringLiteral("value"),       QStringLiteral("type"),
        QStringLiteral("noshade")};
    qsizetype covered = 0;
    for (auto it = markup.globalMatch(out.html); it.hasNext();) {
        const QRegularExpressionMatch tag = it.next();
        // Everything between tags is text: it must hold no raw '<'.
        if (out.html.mid(covered, tag.capturedStart() - covered).contains(u'<'))
            std::abort();
        covered = tag.capturedEnd();
        if (forbiddenTags.contains(tag.captured(1)))
            std::abort();
        for (auto a = attribute.globalMatch(tag.captured(2)); a.hasNext();) {
            const QRegularExpressionMatch attr = a.next();
            const QString name = attr.captured(1);
            const QString value = attr.captured(2);
            if (!allowedAttributes.contains(name))
                std::abort();
            // URL schemes are case-insensitive (RFC 3986 §3.1): "dAta:image/png" is a data URL.
            if ((name == u"src" || name == u"background") &&
                !value.startsWith(QStringLiteral("cid:"), Qt::CaseInsensitive) &&
                !value.startsWith(QStringLiteral("data:image/"), Qt::CaseInsensitive))
                std::abort();
            if (name == u"href" && !value.startsWith(QStringLiteral("http://"), Qt::CaseInsensitive) &&
                !value.startsWith(QStringLiteral("https://"), Qt::CaseInsensitive) &&
                !value.startsWith(QStringLiteral("mailto:"), Qt::CaseInsensitive) && !value.startsWith(u'#'))
                std::abort();
            if (name == u"style" && (value.contains(QStringLiteral("url(http")) || value.contains(u'\\')))
                std::abort();
        }
    }
    if (out.html.mid(covered).contains(u'<'))
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
    // The tree builder may also re-create an element of the output without its attributes
    // (a <p> closed and reopened around a table, a formatting element reconstructed): a bare
    // start tag of a name the output already has adds nothing.
    QSet<QString> bare;
    for (const QString &tag : std::as_const(allowed))
        bare.insert(u'<' + tag.mid(1).section(u' ', 0, 0).remove(u'>') + u'>');
    for (const QString &tag : startTags(again)) {
        if (!allowed.contains(tag) && !bare.contains(tag))
            std::abort();
    }
    if (QString(again).remove(anyTag) != QString(out.html).remove(anyTag))
        std::abort();

    (void)Tidings::Mime::HtmlSanitizer::sanitizeStyle(html, policy);
    (void)Tidings::Mime::PlainTextRenderer::toHtml(html);
    return 0;
}
