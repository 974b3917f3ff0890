// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// HTML from a message through the sanitizer: no crash, bounded work, and the invariants
// that make the output safe hold for every input.
#include "core/mime/htmlsanitizer.h"
#include "core/mime/plaintextrenderer.h"

#include <QRegularExpression>

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
    if (forbidden.match(out.html).hasMatch())
        std::abort();
    if (!out.html.startsWith(QStringLiteral("<div")) || !out.html.endsWith(QStringLiteral("</div>")))
        std::abort();
    if (out.blockedRemoteCount < 0 || out.blockedRemoteCount > out.remoteUrls.size())
        std::abort();

    // Sanitising the output again keeps it (wrapped once more): re-parsing creates no markup.
    const QString again = Tidings::Mime::HtmlSanitizer::sanitize(out.html, policy).html;
    if (again != QStringLiteral("<div>") + out.html + QStringLiteral("</div>"))
        std::abort();

    (void)Tidings::Mime::HtmlSanitizer::sanitizeStyle(html, policy);
    (void)Tidings::Mime::PlainTextRenderer::toHtml(html);
    return 0;
}
