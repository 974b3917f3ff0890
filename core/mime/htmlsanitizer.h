// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace Tidings::Mime {

/// What a sanitised HTML part may refer to.
struct HtmlPolicy final {
    /// Keep http(s) images (the person clicked "show remote content" or trusts the sender).
    /// Even then the viewer fetches them itself; the sanitizer only decides what survives.
    bool allowRemote = false;
    /// Content-IDs (without angle brackets, percent-decoded) of parts of the same message;
    /// a cid: URL naming anything else resolves to nothing (RFC 2392).
    QSet<QString> contentIds;
    /// Largest data: image URL kept, in characters of the URL.
    qsizetype maxDataUrlLength = 1024 * 1024;
    /// HTML beyond this many UTF-8 bytes is cut off before parsing.
    qsizetype maxInputBytes = 16 * 1024 * 1024;
    /// Start tags nested deeper than this (by a conservative pre-scan) are dropped before
    /// parsing: an HTML5 tree builder spends time linear in the depth per tag.
    int maxNesting = 400;
    /// Start tags beyond this count are dropped before parsing.
    int maxTags = 100000;
};

/// The safe subset of an HTML part and what was taken out of it.
struct SanitizedHtml final {
    QString html;                  ///< a fragment: one <div> holding the body's content
    int blockedRemoteCount = 0;    ///< remote references not kept (images, backgrounds, CSS, srcset, ...)
    QList<QUrl> remoteUrls;        ///< every http(s) resource the part refers to (kept or not)
    QStringList removedElements;   ///< sorted, unique lower-case names of elements dropped or unwrapped
    QStringList removedAttributes; ///< sorted, unique lower-case names of attributes dropped
    QSet<QString> usedContentIds;  ///< cid: references kept
    bool truncated = false;        ///< a bound of HtmlPolicy cut the input

    [[nodiscard]] bool hadRemoteContent() const { return !remoteUrls.isEmpty(); }
};

/// Turns untrusted HTML into a subset QTextBrowser renders and nothing can abuse.
///
/// The input is parsed by a real HTML5 parser (libgumbo, WHATWG tree construction), so the
/// tree is the one a browser would build, entity and broken-markup tricks included; the
/// output is then written from scratch: only allowlisted HTML-namespace elements keep their
/// tag, only allowlisted attributes with validated values survive, CSS is parsed declaration
/// by declaration against a property allowlist, and every URL is classified:
///  - links: http, https, mailto and in-document fragments; anything else loses its href;
///  - images: cid: of this message, data: raster images up to a size, http(s) only when the
///    policy allows remote content; file:, qrc:, UNC, relative and other URLs are dropped.
/// Scripts, styles sheets, event handlers, forms, frames, objects, embeds, meta, base, link,
/// SVG and MathML go with their content; unknown elements are unwrapped. Text is escaped on
/// output, so nothing in the input becomes markup by re-parsing. Work is bounded (input
/// size, tag count and nesting, see HtmlPolicy). Reentrant; no Qt GUI types.
class HtmlSanitizer final
{
public:
    HtmlSanitizer() = delete;

    [[nodiscard]] static SanitizedHtml sanitize(const QString &html, const HtmlPolicy &policy = {});

    /// The text of an HTML part as a person reads it (for quoting in a reply, search, preview):
    /// block elements end lines, links whose text differs from the target get " <url>".
    [[nodiscard]] static QString toPlainText(const QString &html, const HtmlPolicy &policy = {});

    /// One CSS declaration list (a style attribute) reduced to allowlisted properties and values.
    /// remoteUrls collects remote url() references; blocked counts declarations dropped because
    /// of one. Exposed for tests.
    [[nodiscard]] static QString sanitizeStyle(const QString &css, const HtmlPolicy &policy,
                                               QList<QUrl> *remoteUrls = nullptr, int *blocked = nullptr);
};

/// How the viewer and the sanitizer classify a URL found in a message.
enum class UrlKind {
    Remote,   ///< http or https (a scheme-relative //host URL counts as remote)
    ContentId, ///< cid:
    Data,     ///< data:
    Mailto,   ///< mailto:
    Fragment, ///< "#name", a place in the same part
    Other,    ///< everything else: javascript:, file:, qrc:, UNC paths, relative paths, junk
};

/// Normalises a URL the way browsers read attribute values (leading and trailing C0 controls
/// and spaces removed, tabs and line breaks inside removed) and classifies it. url receives
/// the parsed URL (scheme-relative URLs become https).
[[nodiscard]] UrlKind classifyUrl(const QString &raw, QUrl *url = nullptr);

/// Decodes a data: URL holding a raster image (png, gif, jpeg, webp, bmp) in base64 of at most
/// maxLength characters; an empty array for anything else.
[[nodiscard]] QByteArray decodeDataImage(const QString &url, qsizetype maxLength, QByteArray *mimeType = nullptr);

/// The Content-ID a cid: URL names (RFC 2392: percent-decoded, no angle brackets).
[[nodiscard]] QString contentIdFromUrl(const QUrl &url);

} // namespace Tidings::Mime
