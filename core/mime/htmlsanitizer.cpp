// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/mime/htmlsanitizer.h"

#include <QHash>
#include <QRegularExpression>

#include <algorithm>
#include <gumbo.h>
#include <memory>
#include <vector>

namespace Tidings::Mime {

namespace {

// ---------------------------------------------------------------------------------------
// Bounding the input before the parser sees it.
//
// An HTML5 tree builder checks the stack of open elements for most start tags, so a
// document of N nested elements costs O(N^2) and gumbo frees its tree recursively (a deep
// tree overflows the stack). A pre-scan that follows start and end tags the way the tree
// builder roughly does drops start tags beyond a nesting bound and beyond a tag count. It
// over-estimates depth (elements that close implicitly are not counted at all, the rest
// are counted until their own end tag), which at worst loses markup of absurd documents.
// ---------------------------------------------------------------------------------------

bool isAsciiAlpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool isTagNameChar(char c)
{
    return isAsciiAlpha(c) || (c >= '0' && c <= '9') || c == '-' || c == ':' || c == '_';
}

bool isHtmlSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

bool isVoidTag(const QByteArray &n)
{
    static const QSet<QByteArray> tags = {"area",   "base",    "br",     "col",   "embed",    "hr",
                                          "img",    "input",   "keygen", "link",  "meta",     "param",
                                          "source", "track",   "wbr",    "image", "basefont", "bgsound",
                                          "frame",  "isindex", "spacer"};
    return tags.contains(n);
}

// Elements the tree builder closes implicitly when a sibling starts (p, li, table rows...):
// they cannot nest by themselves, so they do not count towards depth.
bool isSelfLimitingTag(const QByteArray &n)
{
    static const QSet<QByteArray> tags = {"p",  "li",    "dt",    "dd",    "tr",       "td",
                                          "th", "thead", "tbody", "tfoot", "option",   "optgroup",
                                          "rb", "rt",    "rp",    "rtc",   "colgroup", "caption"};
    return tags.contains(n);
}

bool isRawTextTag(const QByteArray &n)
{
    static const QSet<QByteArray> tags = {"script", "style",   "textarea", "title",   "xmp",
                                          "iframe", "noembed", "noframes", "noscript"};
    return tags.contains(n);
}

qsizetype indexOfCaseInsensitive(const QByteArray &hay, QByteArrayView needle, qsizetype from)
{
    // Needles are lower-case ASCII; compare byte-wise ignoring ASCII case.
    const qsizetype n = needle.size();
    for (qsizetype i = from; i + n <= hay.size(); ++i) {
        qsizetype k = 0;
        while (k < n) {
            char c = hay.at(i + k);
            if (c >= 'A' && c <= 'Z')
                c = char(c - 'A' + 'a');
            if (c != needle.at(k))
                break;
            ++k;
        }
        if (k == n)
            return i;
    }
    return -1;
}

// Index just past the '>' ending a tag whose name ends at pos, honouring quoted attribute
// values; input.size() when the tag never ends.
qsizetype findTagEnd(const QByteArray &in, qsizetype pos)
{
    char quote = 0;
    bool afterEquals = false;
    for (qsizetype i = pos; i < in.size(); ++i) {
        const char c = in.at(i);
        if (quote) {
            if (c == quote)
                quote = 0;
            continue;
        }
        if (c == '>')
            return i + 1;
        if ((c == '"' || c == '\'') && afterEquals) {
            quote = c;
            afterEquals = false;
            continue;
        }
        if (c == '=')
            afterEquals = true;
        else if (!isHtmlSpace(c))
            afterEquals = false;
    }
    return in.size();
}

QByteArray boundMarkup(const QByteArray &in, int maxNesting, int maxTags, bool *cut)
{
    QByteArray out;
    out.reserve(in.size());
    std::vector<QByteArray> open;
    int tags = 0;
    qsizetype i = 0;
    while (i < in.size()) {
        const qsizetype lt = in.indexOf('<', i);
        if (lt < 0) {
            out.append(in.constData() + i, in.size() - i);
            break;
        }
        out.append(in.constData() + i, lt - i);
        i = lt;
        if (in.mid(i, 4) == "<!--") {
            const qsizetype end = in.indexOf("-->", i + 4);
            const qsizetype stop = end < 0 ? in.size() : end + 3;
            out.append(in.constData() + i, stop - i);
            i = stop;
            continue;
        }
        const bool endTag = i + 1 < in.size() && in.at(i + 1) == '/';
        const qsizetype nameStart = i + (endTag ? 2 : 1);
        if (nameStart >= in.size() || !isAsciiAlpha(in.at(nameStart))) {
            out.append('<');
            ++i;
            continue;
        }
        qsizetype nameEnd = nameStart;
        while (nameEnd < in.size() && isTagNameChar(in.at(nameEnd)))
            ++nameEnd;
        const QByteArray name = in.mid(nameStart, nameEnd - nameStart).toLower();
        const qsizetype tagEnd = findTagEnd(in, nameEnd);
        if (endTag) {
            for (auto it = open.rbegin(); it != open.rend(); ++it) {
                if (*it == name) {
                    open.erase(std::next(it).base(), open.end());
                    break;
                }
            }
            out.append(in.constData() + i, tagEnd - i);
            i = tagEnd;
            continue;
        }
        if (++tags > maxTags) {
            *cut = true;
            i = tagEnd;
            continue;
        }
        if (isRawTextTag(name)) {
            // The content is text to the tree builder; copy it up to the matching end tag.
            const qsizetype close = indexOfCaseInsensitive(in, QByteArray("</" + name), tagEnd);
            const qsizetype stop = close < 0 ? in.size() : close;
            out.append(in.constData() + i, stop - i);
            i = stop;
            continue;
        }
        if (name == "plaintext") {
            out.append(in.constData() + i, in.size() - i);
            break;
        }
        if (!isVoidTag(name) && !isSelfLimitingTag(name)) {
            if (int(open.size()) >= maxNesting) {
                *cut = true;
                i = tagEnd;
                continue;
            }
            open.push_back(name);
        }
        out.append(in.constData() + i, tagEnd - i);
        i = tagEnd;
    }
    return out;
}

// ---------------------------------------------------------------------------------------
// Attribute value validation
// ---------------------------------------------------------------------------------------

bool matches(const QString &value, const QRegularExpression &re)
{
    return re.match(value).hasMatch();
}

const QRegularExpression &reLength()
{
    static const QRegularExpression re(QStringLiteral("^\\d{1,5}(\\.\\d{1,3})?(%|px)?$"));
    return re;
}
const QRegularExpression &reColor()
{
    static const QRegularExpression re(QStringLiteral("^(#[0-9A-Fa-f]{3,8}|[A-Za-z]{1,24})$"));
    return re;
}
const QRegularExpression &reSmallNumber()
{
    static const QRegularExpression re(QStringLiteral("^\\d{1,3}$"));
    return re;
}
const QRegularExpression &reInteger()
{
    static const QRegularExpression re(QStringLiteral("^-?\\d{1,6}$"));
    return re;
}
const QRegularExpression &reName()
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9_.:-]{1,128}$"));
    return re;
}
const QRegularExpression &reLang()
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8}){0,4}$"));
    return re;
}
const QRegularExpression &reFace()
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9 ,'\"_-]{1,200}$"));
    return re;
}
const QRegularExpression &reFontSize()
{
    static const QRegularExpression re(QStringLiteral("^[+-]?[1-7]$"));
    return re;
}
const QRegularExpression &reDataImage()
{
    static const QRegularExpression re(
        QStringLiteral("^data:image/(png|gif|jpeg|jpg|webp|bmp);base64,([A-Za-z0-9+/=\\s]*)$"),
        QRegularExpression::CaseInsensitiveOption);
    return re;
}

QString lowerTrimmed(const QString &s)
{
    return s.trimmed().toLower();
}

// ---------------------------------------------------------------------------------------
// Output helpers
// ---------------------------------------------------------------------------------------

void appendEscaped(QString &out, QStringView text, bool attribute)
{
    out.reserve(out.size() + text.size());
    for (const QChar c : text) {
        switch (c.unicode()) {
        case u'&': out += u"&amp;"; break;
        case u'<': out += u"&lt;"; break;
        case u'>': out += u"&gt;"; break;
        case u'"': out += u"&quot;"; break;
        case u'\'': out += u"&#39;"; break;
        case 0: break;
        default:
            if (attribute && (c == u'\n' || c == u'\r' || c == u'\t'))
                out += u' ';
            else if (c == u'\r')
                out += u"&#13;"; // a raw CR would come back as LF (HTML's input stream rules)
            else if (c.unicode() < 0x20 && c != u'\n' && c != u'\r' && c != u'\t')
                break; // C0 controls carry nothing but risk
            else
                out += c;
        }
    }
}

// A URL as it goes into an attribute or url(): fully percent-encoded, and with the
// characters that could end a CSS string or function encoded too.
QString serializeUrl(const QUrl &url)
{
    QString s = url.toString(QUrl::FullyEncoded);
    s.replace(u'\'', QLatin1String("%27"));
    s.replace(u'(', QLatin1String("%28"));
    s.replace(u')', QLatin1String("%29"));
    s.replace(u'"', QLatin1String("%22"));
    s.replace(u'\\', QLatin1String("%5C"));
    return s;
}

QString gumboText(const char *text)
{
    return QString::fromUtf8(text);
}

QString tagNameOf(const GumboNode *node)
{
    const GumboElement &e = node->v.element;
    if (e.tag != GUMBO_TAG_UNKNOWN)
        return QString::fromLatin1(gumbo_normalized_tagname(e.tag));
    GumboStringPiece piece = e.original_tag;
    gumbo_tag_from_original_text(&piece);
    QString name = QString::fromUtf8(piece.data, qsizetype(piece.length)).toLower();
    // Keep the recorded name printable and short: it ends up in a note for the person.
    name.truncate(32);
    static const QRegularExpression bad(QStringLiteral("[^a-z0-9:_-]"));
    name.remove(bad);
    return name.isEmpty() ? QStringLiteral("unknown") : name;
}

enum class Action { Drop, Unwrap, Keep };

struct ElementRule {
    Action action = Action::Unwrap;
    QString outputTag; ///< the tag written when kept (may differ: del -> s)
    bool isVoid = false;
};

ElementRule ruleFor(const QString &tag)
{
    static const QSet<QString> dropped = {
        QStringLiteral("script"),   QStringLiteral("style"),    QStringLiteral("noscript"),
        QStringLiteral("noembed"),  QStringLiteral("noframes"), QStringLiteral("iframe"),
        QStringLiteral("frame"),    QStringLiteral("frameset"), QStringLiteral("object"),
        QStringLiteral("embed"),    QStringLiteral("applet"),   QStringLiteral("template"),
        QStringLiteral("title"),    QStringLiteral("head"),     QStringLiteral("meta"),
        QStringLiteral("link"),     QStringLiteral("base"),     QStringLiteral("basefont"),
        QStringLiteral("bgsound"),  QStringLiteral("svg"),      QStringLiteral("math"),
        QStringLiteral("textarea"), QStringLiteral("select"),   QStringLiteral("option"),
        QStringLiteral("optgroup"), QStringLiteral("datalist"), QStringLiteral("input"),
        QStringLiteral("button"),   QStringLiteral("xmp"),      QStringLiteral("plaintext"),
        QStringLiteral("video"),    QStringLiteral("audio"),    QStringLiteral("source"),
        QStringLiteral("track"),    QStringLiteral("canvas"),   QStringLiteral("map"),
        QStringLiteral("area"),     QStringLiteral("param"),    QStringLiteral("keygen"),
        QStringLiteral("portal"),   QStringLiteral("dialog"),   QStringLiteral("image"),
        QStringLiteral("isindex"),  QStringLiteral("marquee"),  QStringLiteral("blink"),
        QStringLiteral("output"),   QStringLiteral("progress"), QStringLiteral("meter"),
    };
    static const QHash<QString, QString> kept = {
        {QStringLiteral("a"), QStringLiteral("a")},
        {QStringLiteral("address"), QStringLiteral("address")},
        {QStringLiteral("b"), QStringLiteral("b")},
        {QStringLiteral("big"), QStringLiteral("big")},
        {QStringLiteral("blockquote"), QStringLiteral("blockquote")},
        {QStringLiteral("center"), QStringLiteral("center")},
        {QStringLiteral("cite"), QStringLiteral("cite")},
        {QStringLiteral("code"), QStringLiteral("code")},
        {QStringLiteral("dd"), QStringLiteral("dd")},
        {QStringLiteral("del"), QStringLiteral("s")},
        {QStringLiteral("dfn"), QStringLiteral("dfn")},
        {QStringLiteral("div"), QStringLiteral("div")},
        {QStringLiteral("dl"), QStringLiteral("dl")},
        {QStringLiteral("dt"), QStringLiteral("dt")},
        {QStringLiteral("em"), QStringLiteral("em")},
        {QStringLiteral("font"), QStringLiteral("font")},
        {QStringLiteral("h1"), QStringLiteral("h1")},
        {QStringLiteral("h2"), QStringLiteral("h2")},
        {QStringLiteral("h3"), QStringLiteral("h3")},
        {QStringLiteral("h4"), QStringLiteral("h4")},
        {QStringLiteral("h5"), QStringLiteral("h5")},
        {QStringLiteral("h6"), QStringLiteral("h6")},
        {QStringLiteral("i"), QStringLiteral("i")},
        {QStringLiteral("ins"), QStringLiteral("u")},
        {QStringLiteral("kbd"), QStringLiteral("kbd")},
        {QStringLiteral("li"), QStringLiteral("li")},
        {QStringLiteral("nobr"), QStringLiteral("nobr")},
        {QStringLiteral("ol"), QStringLiteral("ol")},
        {QStringLiteral("p"), QStringLiteral("p")},
        {QStringLiteral("pre"), QStringLiteral("pre")},
        {QStringLiteral("s"), QStringLiteral("s")},
        {QStringLiteral("samp"), QStringLiteral("samp")},
        {QStringLiteral("small"), QStringLiteral("small")},
        {QStringLiteral("span"), QStringLiteral("span")},
        {QStringLiteral("strike"), QStringLiteral("s")},
        {QStringLiteral("strong"), QStringLiteral("strong")},
        {QStringLiteral("sub"), QStringLiteral("sub")},
        {QStringLiteral("sup"), QStringLiteral("sup")},
        {QStringLiteral("table"), QStringLiteral("table")},
        {QStringLiteral("caption"), QStringLiteral("caption")},
        {QStringLiteral("tbody"), QStringLiteral("tbody")},
        {QStringLiteral("td"), QStringLiteral("td")},
        {QStringLiteral("tfoot"), QStringLiteral("tfoot")},
        {QStringLiteral("th"), QStringLiteral("th")},
        {QStringLiteral("thead"), QStringLiteral("thead")},
        {QStringLiteral("tr"), QStringLiteral("tr")},
        {QStringLiteral("tt"), QStringLiteral("tt")},
        {QStringLiteral("u"), QStringLiteral("u")},
        {QStringLiteral("ul"), QStringLiteral("ul")},
        {QStringLiteral("var"), QStringLiteral("var")},
        {QStringLiteral("section"), QStringLiteral("div")},
        {QStringLiteral("article"), QStringLiteral("div")},
        {QStringLiteral("header"), QStringLiteral("div")},
        {QStringLiteral("footer"), QStringLiteral("div")},
        {QStringLiteral("main"), QStringLiteral("div")},
        {QStringLiteral("nav"), QStringLiteral("div")},
        {QStringLiteral("aside"), QStringLiteral("div")},
        {QStringLiteral("figure"), QStringLiteral("div")},
        {QStringLiteral("figcaption"), QStringLiteral("div")},
        {QStringLiteral("details"), QStringLiteral("div")},
        {QStringLiteral("summary"), QStringLiteral("div")},
        {QStringLiteral("hgroup"), QStringLiteral("div")},
    };
    static const QHash<QString, QString> keptVoid = {
        {QStringLiteral("br"), QStringLiteral("br")},
        {QStringLiteral("hr"), QStringLiteral("hr")},
        {QStringLiteral("img"), QStringLiteral("img")},
        {QStringLiteral("col"), QStringLiteral("col")},
    };
    if (dropped.contains(tag))
        return {Action::Drop, {}, false};
    if (auto it = kept.constFind(tag); it != kept.constEnd())
        return {Action::Keep, *it, false};
    if (auto it = keptVoid.constFind(tag); it != keptVoid.constEnd())
        return {Action::Keep, *it, true};
    if (tag == u"colgroup")
        return {Action::Keep, tag, false};
    return {Action::Unwrap, {}, false};
}

// Attributes that name a resource fetched on display; checked in dropped elements too, so
// the facts tell what the message tried to load.
bool isResourceAttribute(const QString &name)
{
    return name == u"src" || name == u"srcset" || name == u"background" || name == u"poster" ||
           name == u"data" || name == u"lowsrc" || name == u"dynsrc" || name == u"href" ||
           name == u"action" || name == u"formaction" || name == u"ping" || name == u"srcdoc" ||
           name == u"xlink:href" || name == u"codebase" || name == u"archive" || name == u"longdesc" ||
           name == u"manifest" || name == u"content" || name == u"icon" || name == u"profile" ||
           name == u"cite";
}

// The remote URLs mentioned anywhere in an attribute value (srcset lists several; a meta
// refresh content is "5; url=http://...").
QList<QUrl> remoteUrlsInValue(const QString &value)
{
    QList<QUrl> urls;
    static const QRegularExpression re(QStringLiteral("(?:https?:)?//[^\\s,'\"<>]+"),
                                       QRegularExpression::CaseInsensitiveOption);
    auto it = re.globalMatch(value);
    while (it.hasNext()) {
        QUrl url;
        if (classifyUrl(it.next().captured(0), &url) == UrlKind::Remote)
            urls.append(url);
    }
    return urls;
}

class Sanitizer
{
public:
    explicit Sanitizer(const HtmlPolicy &policy)
        : m_policy(policy)
    {}

    SanitizedHtml run(const QString &html)
    {
        QByteArray utf8 = html.toUtf8();
        if (utf8.size() > m_policy.maxInputBytes) {
            utf8.truncate(m_policy.maxInputBytes);
            m_result.truncated = true;
        }
        bool cut = false;
        utf8 = boundMarkup(utf8, std::max(1, m_policy.maxNesting), std::max(1, m_policy.maxTags), &cut);
        m_result.truncated = m_result.truncated || cut;

        GumboOptions options = kGumboDefaultOptions;
        // Gumbo records a copy of the open-element stack per parse error; unbounded, a
        // broken document costs memory quadratic in its size.
        options.max_errors = 0;
        std::unique_ptr<GumboOutput, void (*)(GumboOutput *)> output(
            gumbo_parse_with_options(&options, utf8.constData(), size_t(utf8.size())),
            [](GumboOutput *o) { gumbo_destroy_output(&kGumboDefaultOptions, o); });

        const GumboNode *body = nullptr;
        const GumboNode *root = output->root;
        if (root && root->type == GUMBO_NODE_ELEMENT) {
            const GumboVector &children = root->v.element.children;
            for (unsigned i = 0; i < children.length; ++i) {
                const auto *child = static_cast<const GumboNode *>(children.data[i]);
                if (child->type != GUMBO_NODE_ELEMENT)
                    continue;
                if (child->v.element.tag == GUMBO_TAG_BODY)
                    body = child;
                else
                    noteDropped(child);
            }
        }

        QString out;
        out.reserve(html.size());
        out += u"<div";
        if (body)
            writeAttributes(out, body, QStringLiteral("body"));
        out += u'>';
        if (body)
            writeChildren(out, body);
        out += u"</div>";
        m_result.html = out;

        m_result.removedElements = QStringList(m_removedElements.cbegin(), m_removedElements.cend());
        m_result.removedElements.sort();
        m_result.removedAttributes = QStringList(m_removedAttributes.cbegin(), m_removedAttributes.cend());
        m_result.removedAttributes.sort();
        return std::move(m_result);
    }

private:
    struct Frame {
        const GumboNode *node;
        unsigned next = 0;
        QString closeTag; ///< empty when the element was unwrapped
    };

    void writeChildren(QString &out, const GumboNode *parent)
    {
        // Iterative walk: the tree is bounded by the pre-scan, but a stack of our own costs
        // nothing and keeps the walk safe on any thread's stack.
        std::vector<Frame> stack;
        stack.push_back({parent, 0, {}});
        while (!stack.empty()) {
            Frame &frame = stack.back();
            const GumboVector &children = frame.node->v.element.children;
            if (frame.next >= children.length) {
                if (!frame.closeTag.isEmpty())
                    out += u"</" + frame.closeTag + u'>';
                stack.pop_back();
                continue;
            }
            const auto *child = static_cast<const GumboNode *>(children.data[frame.next++]);
            switch (child->type) {
            case GUMBO_NODE_TEXT:
            case GUMBO_NODE_WHITESPACE: appendEscaped(out, gumboText(child->v.text.text), false); break;
            case GUMBO_NODE_CDATA:
            case GUMBO_NODE_COMMENT:
            case GUMBO_NODE_DOCUMENT: break;
            case GUMBO_NODE_TEMPLATE: noteDropped(child); break;
            case GUMBO_NODE_ELEMENT: {
                if (child->v.element.tag_namespace != GUMBO_NAMESPACE_HTML) {
                    noteDropped(child);
                    break;
                }
                const QString tag = tagNameOf(child);
                // Rules apply to elements gumbo knows; an unknown one is only ever unwrapped,
                // whatever its (cleaned-up, display-only) name looks like ("t#r" is not "tr").
                const ElementRule rule = child->v.element.tag == GUMBO_TAG_UNKNOWN
                                             ? ElementRule{Action::Unwrap, {}, false}
                                             : ruleFor(tag);
                if (rule.action == Action::Drop) {
                    noteDropped(child);
                    break;
                }
                if (rule.action == Action::Unwrap) {
                    m_removedElements.insert(tag);
                    noteAttributes(child, false);
                    stack.push_back({child, 0, {}});
                    break;
                }
                if (tag == u"img") {
                    writeImage(out, child);
                    break;
                }
                out += u'<' + rule.outputTag;
                writeAttributes(out, child, tag);
                out += u'>';
                // A parser drops one newline right after <pre>: write one, so the content's
                // own leading newline (also one after a dropped element) survives re-parsing.
                if (rule.outputTag == u"pre")
                    out += u'\n';
                if (!rule.isVoid)
                    stack.push_back({child, 0, rule.outputTag});
                break;
            }
            }
        }
    }

    // Records a dropped subtree: its element names and the remote resources it named.
    void noteDropped(const GumboNode *node)
    {
        std::vector<const GumboNode *> todo{node};
        while (!todo.empty()) {
            const GumboNode *n = todo.back();
            todo.pop_back();
            if (n->type != GUMBO_NODE_ELEMENT && n->type != GUMBO_NODE_TEMPLATE)
                continue;
            m_removedElements.insert(tagNameOf(n));
            noteAttributes(n, true);
            const GumboVector &children = n->v.element.children;
            for (unsigned i = 0; i < children.length; ++i)
                todo.push_back(static_cast<const GumboNode *>(children.data[i]));
        }
    }

    void noteAttributes(const GumboNode *node, bool all)
    {
        const GumboVector &attrs = node->v.element.attributes;
        for (unsigned i = 0; i < attrs.length; ++i) {
            const auto *attr = static_cast<const GumboAttribute *>(attrs.data[i]);
            const QString name = QString::fromUtf8(attr->name).toLower();
            if (all)
                m_removedAttributes.insert(name.left(32));
            noteRemote(name, QString::fromUtf8(attr->value));
        }
    }

    void noteRemote(const QString &name, const QString &value)
    {
        if (isResourceAttribute(name)) {
            m_result.remoteUrls += remoteUrlsInValue(value);
        } else if (name == u"style") {
            QList<QUrl> urls;
            int blocked = 0;
            (void)HtmlSanitizer::sanitizeStyle(value, m_policy, &urls, &blocked);
            m_result.remoteUrls += urls;
        }
    }

    // Decides whether an image URL (img src, background) may stay; returns the URL to write
    // or an empty string.
    QString acceptImageUrl(const QString &raw)
    {
        QUrl url;
        switch (classifyUrl(raw, &url)) {
        case UrlKind::ContentId: {
            const QString cid = contentIdFromUrl(url);
            if (!m_policy.contentIds.contains(cid))
                return {};
            m_result.usedContentIds.insert(cid);
            return serializeUrl(url);
        }
        case UrlKind::Data: {
            QString compact = raw.trimmed();
            compact.remove(QRegularExpression(QStringLiteral("\\s")));
            if (decodeDataImage(compact, m_policy.maxDataUrlLength).isEmpty())
                return {};
            return compact;
        }
        case UrlKind::Remote:
            m_result.remoteUrls.append(url);
            if (!m_policy.allowRemote) {
                ++m_result.blockedRemoteCount;
                return {};
            }
            return serializeUrl(url);
        case UrlKind::Mailto:
        case UrlKind::Fragment:
        case UrlKind::Other: break;
        }
        return {};
    }

    void writeImage(QString &out, const GumboNode *node)
    {
        const GumboAttribute *src = gumbo_get_attribute(&node->v.element.attributes, "src");
        const QString url = src ? acceptImageUrl(QString::fromUtf8(src->value)) : QString();
        if (url.isEmpty()) {
            // The source was judged (and counted) above; the rest is only recorded.
            m_removedElements.insert(QStringLiteral("img"));
            const GumboVector &attrs = node->v.element.attributes;
            for (unsigned i = 0; i < attrs.length; ++i) {
                const auto *attr = static_cast<const GumboAttribute *>(attrs.data[i]);
                const QString name = QString::fromUtf8(attr->name).toLower();
                if (name != u"src")
                    noteRemote(name, QString::fromUtf8(attr->value));
            }
            return;
        }
        out += u"<img src=\"";
        appendEscaped(out, url, true);
        out += u'"';
        writeAttributes(out, node, QStringLiteral("img"));
        out += u'>';
    }

    void writeAttributes(QString &out, const GumboNode *node, const QString &tag)
    {
        const GumboVector &attrs = node->v.element.attributes;
        for (unsigned i = 0; i < attrs.length; ++i) {
            const auto *attr = static_cast<const GumboAttribute *>(attrs.data[i]);
            const QString name = QString::fromUtf8(attr->name).toLower();
            const QString value = QString::fromUtf8(attr->value);
            if (tag == u"img" && name == u"src")
                continue; // written by writeImage
            const QString kept = acceptAttribute(tag, name, value);
            if (kept.isNull()) {
                m_removedAttributes.insert(name.left(32));
                if (name != u"background") // background was counted by acceptImageUrl
                    noteRemote(name, value);
                continue;
            }
            out += u' ' + name + u"=\"";
            appendEscaped(out, kept, true);
            out += u'"';
        }
    }

    // The value to write for an attribute, or a null string to drop it.
    QString acceptAttribute(const QString &tag, const QString &name, const QString &value)
    {
        const QString v = lowerTrimmed(value);
        auto ifMatches = [&](const QRegularExpression &re) { return matches(v, re) ? v : QString(); };
        auto oneOf = [&](std::initializer_list<const char16_t *> options) {
            for (const char16_t *o : options) {
                if (v == QStringView(o))
                    return v;
            }
            return QString();
        };

        if (name == u"style") {
            QList<QUrl> urls;
            int blocked = 0;
            const QString css = HtmlSanitizer::sanitizeStyle(value, m_policy, &urls, &blocked);
            m_result.remoteUrls += urls;
            m_result.blockedRemoteCount += blocked;
            return css.isEmpty() ? QString() : css;
        }
        if (name == u"title" || (name == u"alt" && tag == u"img"))
            return value.left(1024);
        if (name == u"dir")
            return oneOf({u"ltr", u"rtl", u"auto"});
        if (name == u"lang")
            return ifMatches(reLang());
        if (name == u"align")
            return oneOf({u"left", u"right", u"center", u"justify", u"middle", u"top", u"bottom"});
        if (name == u"valign")
            return oneOf({u"top", u"middle", u"bottom", u"baseline"});
        if (name == u"width" || name == u"height")
            return ifMatches(reLength());
        if (name == u"bgcolor" || (name == u"color" && (tag == u"font" || tag == u"hr")))
            return ifMatches(reColor());
        if (name == u"id" || (name == u"name" && tag == u"a"))
            return matches(value, reName()) ? value : QString();
        if (name == u"background" &&
            (tag == u"body" || tag == u"table" || tag == u"td" || tag == u"th" || tag == u"tr")) {
            const QString url = acceptImageUrl(value);
            return url.isEmpty() ? QString() : url;
        }
        if (tag == u"a" && name == u"href")
            return acceptLink(value);
        if (tag == u"img" && (name == u"border" || name == u"hspace" || name == u"vspace"))
            return ifMatches(reSmallNumber());
        if (tag == u"font" && name == u"face")
            return matches(value, reFace()) ? value : QString();
        if (tag == u"font" && name == u"size")
            return ifMatches(reFontSize());
        if (tag == u"table" && (name == u"border" || name == u"cellpadding" || name == u"cellspacing"))
            return ifMatches(reSmallNumber());
        if ((tag == u"td" || tag == u"th") && (name == u"colspan" || name == u"rowspan"))
            return ifMatches(reSmallNumber());
        if ((tag == u"td" || tag == u"th" || tag == u"nobr") && name == u"nowrap")
            return QStringLiteral("nowrap");
        if ((tag == u"col" || tag == u"colgroup") && name == u"span")
            return ifMatches(reSmallNumber());
        if (tag == u"ol" && name == u"start")
            return ifMatches(reInteger());
        if (tag == u"li" && name == u"value")
            return ifMatches(reInteger());
        if ((tag == u"ol" || tag == u"ul" || tag == u"li") && name == u"type") {
            static const QRegularExpression re(QStringLiteral("^(disc|circle|square|[1aAiI])$"));
            return matches(value.trimmed(), re) ? value.trimmed() : QString();
        }
        if (tag == u"hr" && name == u"size")
            return ifMatches(reSmallNumber());
        if (tag == u"hr" && name == u"noshade")
            return QStringLiteral("noshade");
        if (tag == u"blockquote" && name == u"type")
            return oneOf({u"cite"});
        return {};
    }

    QString acceptLink(const QString &raw)
    {
        QUrl url;
        switch (classifyUrl(raw, &url)) {
        case UrlKind::Remote:
        case UrlKind::Mailto: return serializeUrl(url);
        case UrlKind::Fragment: {
            const QString fragment = url.fragment(QUrl::FullyDecoded);
            return matches(fragment, reName()) ? u'#' + fragment : QString();
        }
        case UrlKind::ContentId:
        case UrlKind::Data:
        case UrlKind::Other: break;
        }
        return {};
    }

    const HtmlPolicy &m_policy;
    SanitizedHtml m_result;
    QSet<QString> m_removedElements;
    QSet<QString> m_removedAttributes;
};

// ---------------------------------------------------------------------------------------
// CSS declarations
// ---------------------------------------------------------------------------------------

bool isAllowedProperty(const QString &p)
{
    static const QSet<QString> props = {
        QStringLiteral("color"),
        QStringLiteral("background-color"),
        QStringLiteral("background"),
        QStringLiteral("background-image"),
        QStringLiteral("font"),
        QStringLiteral("font-family"),
        QStringLiteral("font-size"),
        QStringLiteral("font-style"),
        QStringLiteral("font-weight"),
        QStringLiteral("font-variant"),
        QStringLiteral("text-align"),
        QStringLiteral("text-decoration"),
        QStringLiteral("text-indent"),
        QStringLiteral("text-transform"),
        QStringLiteral("vertical-align"),
        QStringLiteral("line-height"),
        QStringLiteral("letter-spacing"),
        QStringLiteral("word-spacing"),
        QStringLiteral("white-space"),
        QStringLiteral("margin"),
        QStringLiteral("margin-top"),
        QStringLiteral("margin-right"),
        QStringLiteral("margin-bottom"),
        QStringLiteral("margin-left"),
        QStringLiteral("padding"),
        QStringLiteral("padding-top"),
        QStringLiteral("padding-right"),
        QStringLiteral("padding-bottom"),
        QStringLiteral("padding-left"),
        QStringLiteral("border"),
        QStringLiteral("border-top"),
        QStringLiteral("border-right"),
        QStringLiteral("border-bottom"),
        QStringLiteral("border-left"),
        QStringLiteral("border-color"),
        QStringLiteral("border-style"),
        QStringLiteral("border-width"),
        QStringLiteral("border-collapse"),
        QStringLiteral("border-spacing"),
        QStringLiteral("border-top-color"),
        QStringLiteral("border-right-color"),
        QStringLiteral("border-bottom-color"),
        QStringLiteral("border-left-color"),
        QStringLiteral("border-top-style"),
        QStringLiteral("border-right-style"),
        QStringLiteral("border-bottom-style"),
        QStringLiteral("border-left-style"),
        QStringLiteral("border-top-width"),
        QStringLiteral("border-right-width"),
        QStringLiteral("border-bottom-width"),
        QStringLiteral("border-left-width"),
        QStringLiteral("width"),
        QStringLiteral("height"),
        QStringLiteral("min-width"),
        QStringLiteral("max-width"),
        QStringLiteral("list-style-type"),
        QStringLiteral("list-style"),
        QStringLiteral("direction"),
        QStringLiteral("display"),
        QStringLiteral("float"),
        QStringLiteral("text-decoration-line"),
        QStringLiteral("font-stretch"),
        QStringLiteral("clear"),
    };
    return props.contains(p);
}

bool isAllowedValueChar(QChar c)
{
    if (c.isLetterOrNumber())
        return c.unicode() < 0x80;
    switch (c.unicode()) {
    case u' ':
    case u'\t':
    case u'#':
    case u'%':
    case u'.':
    case u',':
    case u'+':
    case u'-':
    case u'\'':
    case u'"':
    case u'!':
    case u'/':
    case u'_': return true;
    default: return false;
    }
}

// Splits at separators outside quotes and parentheses.
QStringList splitOutside(const QString &s, QChar separator)
{
    QStringList parts;
    QChar quote;
    int parens = 0;
    qsizetype start = 0;
    for (qsizetype i = 0; i < s.size(); ++i) {
        const QChar c = s.at(i);
        if (!quote.isNull()) {
            if (c == quote)
                quote = QChar();
        } else if (c == u'"' || c == u'\'') {
            quote = c;
        } else if (c == u'(') {
            ++parens;
        } else if (c == u')') {
            parens = std::max(0, parens - 1);
        } else if (c == separator && parens == 0) {
            parts.append(s.mid(start, i - start));
            start = i + 1;
        }
    }
    parts.append(s.mid(start));
    return parts;
}

} // namespace

QString HtmlSanitizer::sanitizeStyle(const QString &cssIn, const HtmlPolicy &policy, QList<QUrl> *remoteUrls,
                                     int *blocked)
{
    QString css = cssIn.left(16 * 1024);
    // Comments go first: "u/**/rl(" must not survive as two harmless halves.
    for (qsizetype open = css.indexOf(u"/*"); open >= 0; open = css.indexOf(u"/*", open)) {
        const qsizetype close = css.indexOf(u"*/", open + 2);
        css.replace(open, close < 0 ? css.size() - open : close + 2 - open, u' ');
    }
    QStringList kept;
    const QStringList declarations = splitOutside(css, u';');
    for (const QString &declaration : declarations) {
        const qsizetype colon = declaration.indexOf(u':');
        if (colon < 0)
            continue;
        const QString property = declaration.left(colon).trimmed().toLower();
        QString value = declaration.mid(colon + 1).trimmed();
        if (!isAllowedProperty(property) || value.isEmpty())
            continue;
        static const QRegularExpression important(QStringLiteral("\\s*!\\s*important\\s*$"),
                                                  QRegularExpression::CaseInsensitiveOption);
        value.remove(important);
        // Escapes can spell anything ("\75rl(", "expr\65ssion"); no mail needs them here.
        if (value.contains(u'\\') || value.count(u'"') % 2 || value.count(u'\'') % 2)
            continue;

        // Walk the value: functions other than colours are refused; url() is resolved
        // like an image source and rewritten.
        QString out;
        bool ok = true;
        bool hasRemote = false;
        qsizetype i = 0;
        while (ok && i < value.size()) {
            const QChar c = value.at(i);
            if (c == u'(') {
                // Name of the function: the identifier right before (spaces allowed, so a
                // parser that accepts "url (" gains nothing).
                qsizetype end = out.size();
                while (end > 0 && out.at(end - 1).isSpace())
                    --end;
                qsizetype begin = end;
                while (begin > 0 && (out.at(begin - 1).isLetterOrNumber() || out.at(begin - 1) == u'-'))
                    --begin;
                const QString function = out.mid(begin, end - begin).toLower();
                // The argument ends at the first ')' outside quotes.
                qsizetype close = i + 1;
                for (QChar quote; close < value.size(); ++close) {
                    const QChar q = value.at(close);
                    if (!quote.isNull()) {
                        if (q == quote)
                            quote = QChar();
                    } else if (q == u'"' || q == u'\'') {
                        quote = q;
                    } else if (q == u')') {
                        break;
                    }
                }
                if (close >= value.size())
                    close = -1;
                if (close < 0) {
                    ok = false;
                    break;
                }
                const QString inner = value.mid(i + 1, close - i - 1);
                if (function == u"rgb" || function == u"rgba" || function == u"hsl" || function == u"hsla") {
                    static const QRegularExpression numbers(QStringLiteral("^[0-9.,%\\s/-]*$"));
                    if (!numbers.match(inner).hasMatch()) {
                        ok = false;
                        break;
                    }
                    out.truncate(end);
                    out += u'(' + inner + u')';
                } else if (function == u"url" &&
                           (property == u"background" || property == u"background-image")) {
                    QString target = inner.trimmed();
                    if (target.size() >= 2 && (target.front() == u'"' || target.front() == u'\'') &&
                        target.back() == target.front())
                        target = target.mid(1, target.size() - 2);
                    QUrl url;
                    const UrlKind kind = classifyUrl(target, &url);
                    QString accepted;
                    if (kind == UrlKind::Remote) {
                        if (remoteUrls)
                            remoteUrls->append(url);
                        hasRemote = true;
                        if (policy.allowRemote)
                            accepted = serializeUrl(url);
                    } else if (kind == UrlKind::ContentId &&
                               policy.contentIds.contains(contentIdFromUrl(url))) {
                        accepted = serializeUrl(url);
                    } else if (kind == UrlKind::Data &&
                               !decodeDataImage(target, policy.maxDataUrlLength).isEmpty()) {
                        accepted = target;
                        accepted.remove(QRegularExpression(QStringLiteral("\\s")));
                    }
                    if (accepted.isEmpty()) {
                        ok = false;
                        break;
                    }
                    out.truncate(begin);
                    out += u"url(" + accepted + u')';
                } else {
                    if (function == u"url") {
                        // url() outside background: only noted, never kept.
                        QUrl url;
                        QString target = inner.trimmed();
                        target.remove(u'"');
                        target.remove(u'\'');
                        if (classifyUrl(target, &url) == UrlKind::Remote && remoteUrls)
                            remoteUrls->append(url);
                    }
                    ok = false;
                    break;
                }
                i = close + 1;
                continue;
            }
            if (!isAllowedValueChar(c)) {
                ok = false;
                break;
            }
            out += c;
            ++i;
        }
        if (!ok) {
            if (hasRemote && !policy.allowRemote && blocked)
                ++*blocked;
            continue;
        }
        kept.append(property + u": " + out.trimmed());
    }
    return kept.join(QStringLiteral("; "));
}

SanitizedHtml HtmlSanitizer::sanitize(const QString &html, const HtmlPolicy &policy)
{
    Sanitizer sanitizer(policy);
    return sanitizer.run(html);
}

UrlKind classifyUrl(const QString &raw, QUrl *urlOut)
{
    // WHATWG URL parsing: strip leading/trailing C0 control or space, remove tab and newlines.
    qsizetype begin = 0;
    qsizetype end = raw.size();
    while (begin < end && raw.at(begin).unicode() <= 0x20)
        ++begin;
    while (end > begin && raw.at(end - 1).unicode() <= 0x20)
        --end;
    QString s = raw.mid(begin, end - begin);
    s.remove(u'\t');
    s.remove(u'\n');
    s.remove(u'\r');
    if (urlOut)
        *urlOut = QUrl();
    if (s.isEmpty())
        return UrlKind::Other;
    if (s.startsWith(u'#')) {
        if (urlOut)
            *urlOut = QUrl(s);
        return UrlKind::Fragment;
    }
    if (s.startsWith(u"\\\\") || s.startsWith(u"/\\") || s.startsWith(u"\\/"))
        return UrlKind::Other; // UNC path or a browser's idea of scheme-relative: nothing here
    if (s.startsWith(u"//"))
        s.prepend(QStringLiteral("https:"));
    qsizetype colon = 0;
    while (colon < s.size() && s.at(colon) != u':') {
        const QChar c = s.at(colon);
        const bool ok = colon == 0 ? (c.unicode() < 0x80 && c.isLetter())
                                   : (c.unicode() < 0x80 &&
                                      (c.isLetterOrNumber() || c == u'+' || c == u'-' || c == u'.'));
        if (!ok)
            return UrlKind::Other; // relative reference: there is no base to resolve it against
        ++colon;
    }
    if (colon == 0 || colon >= s.size())
        return UrlKind::Other;
    const QString scheme = s.left(colon).toLower();
    if (scheme == u"http" || scheme == u"https") {
        // Browsers read backslashes in http URLs as slashes; so does the counting here.
        s.replace(u'\\', u'/');
        QUrl url(s, QUrl::TolerantMode);
        if (!url.isValid() || url.host().isEmpty())
            return UrlKind::Other;
        if (urlOut)
            *urlOut = url;
        return UrlKind::Remote;
    }
    QUrl url(s, QUrl::TolerantMode);
    if (!url.isValid())
        return UrlKind::Other;
    if (urlOut)
        *urlOut = url;
    if (scheme == u"cid")
        return UrlKind::ContentId;
    if (scheme == u"data")
        return UrlKind::Data;
    if (scheme == u"mailto")
        return UrlKind::Mailto;
    if (urlOut)
        *urlOut = QUrl();
    return UrlKind::Other;
}

QByteArray decodeDataImage(const QString &url, qsizetype maxLength, QByteArray *mimeType)
{
    if (url.size() > maxLength)
        return {};
    const QRegularExpressionMatch m = reDataImage().match(url.trimmed());
    if (!m.hasMatch())
        return {};
    QString payload = m.captured(2);
    payload.remove(QRegularExpression(QStringLiteral("\\s")));
    const auto decoded = QByteArray::fromBase64Encoding(
        payload.toLatin1(), QByteArray::Base64Encoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.isEmpty())
        return {};
    if (mimeType) {
        QByteArray sub = m.captured(1).toLower().toLatin1();
        if (sub == "jpg")
            sub = "jpeg";
        *mimeType = "image/" + sub;
    }
    return decoded.decoded;
}

QString contentIdFromUrl(const QUrl &url)
{
    QString id = url.path(QUrl::FullyDecoded);
    if (id.startsWith(u'<') && id.endsWith(u'>'))
        id = id.mid(1, id.size() - 2);
    return id;
}

// ---------------------------------------------------------------------------------------
// Plain text
// ---------------------------------------------------------------------------------------

namespace {

class TextWriter
{
public:
    void text(QStringView t, bool preformatted)
    {
        for (const QChar c : t) {
            if (!preformatted && (c == u' ' || c == u'\t' || c == u'\n' || c == u'\r' || c == u'\f')) {
                m_pendingSpace = true;
                continue;
            }
            if (preformatted && c == u'\n') {
                newline();
                continue;
            }
            if (c == u'\r')
                continue;
            if (m_pendingSpace && !m_atLineStart)
                m_out += u' ';
            m_pendingSpace = false;
            if (m_atLineStart)
                startLine();
            m_out += c == QChar(0xA0) ? QChar(u' ') : c;
        }
    }
    void newline()
    {
        if (m_atLineStart && m_lineHasPrefixOnly)
            startLine();
        m_out += u'\n';
        m_atLineStart = true;
        m_pendingSpace = false;
        m_lineHasPrefixOnly = true;
    }
    void block()
    {
        if (!m_atLineStart)
            newline();
        m_pendingSpace = false;
    }
    void paragraph()
    {
        block();
        if (!m_out.isEmpty() && !m_out.endsWith(u"\n\n"))
            newline();
    }
    void setQuoteDepth(int depth) { m_quoteDepth = depth; }
    QString result() const
    {
        QString s = m_out;
        static const QRegularExpression blank(QStringLiteral("\n{3,}"));
        s.replace(blank, QStringLiteral("\n\n"));
        return s.trimmed();
    }

private:
    void startLine()
    {
        for (int i = 0; i < m_quoteDepth; ++i)
            m_out += u"> ";
        m_atLineStart = false;
        m_lineHasPrefixOnly = false;
    }
    QString m_out;
    bool m_atLineStart = true;
    bool m_pendingSpace = false;
    bool m_lineHasPrefixOnly = true;
    int m_quoteDepth = 0;
};

bool isBlockTag(const QString &t)
{
    static const QSet<QString> tags = {
        QStringLiteral("p"),          QStringLiteral("div"),     QStringLiteral("li"),
        QStringLiteral("tr"),         QStringLiteral("h1"),      QStringLiteral("h2"),
        QStringLiteral("h3"),         QStringLiteral("h4"),      QStringLiteral("h5"),
        QStringLiteral("h6"),         QStringLiteral("table"),   QStringLiteral("ul"),
        QStringLiteral("ol"),         QStringLiteral("pre"),     QStringLiteral("hr"),
        QStringLiteral("dt"),         QStringLiteral("dd"),      QStringLiteral("dl"),
        QStringLiteral("address"),    QStringLiteral("center"),  QStringLiteral("section"),
        QStringLiteral("article"),    QStringLiteral("header"),  QStringLiteral("footer"),
        QStringLiteral("blockquote"), QStringLiteral("caption"), QStringLiteral("figure"),
        QStringLiteral("main"),       QStringLiteral("nav"),     QStringLiteral("aside"),
        QStringLiteral("summary"),    QStringLiteral("details"),
    };
    return tags.contains(t);
}

} // namespace

QString HtmlSanitizer::toPlainText(const QString &html, const HtmlPolicy &policy)
{
    // The sanitised form is parsed again: what is quoted is exactly what was shown.
    const SanitizedHtml safe = sanitize(html, policy);
    const QByteArray utf8 = safe.html.toUtf8();
    GumboOptions options = kGumboDefaultOptions;
    options.max_errors = 0;
    std::unique_ptr<GumboOutput, void (*)(GumboOutput *)> output(
        gumbo_parse_with_options(&options, utf8.constData(), size_t(utf8.size())),
        [](GumboOutput *o) { gumbo_destroy_output(&kGumboDefaultOptions, o); });

    TextWriter w;
    struct Frame {
        const GumboNode *node;
        unsigned next;
        QString tag;
        QString linkTarget;
        qsizetype textStart;
    };
    std::vector<Frame> stack;
    int quoteDepth = 0;
    int preDepth = 0;
    QString linkText;
    bool inLink = false;
    stack.push_back({output->root, 0, {}, {}, 0});
    while (!stack.empty()) {
        Frame &f = stack.back();
        const GumboVector &children = f.node->v.element.children;
        if (f.next >= children.length) {
            const QString tag = f.tag;
            const QString target = f.linkTarget;
            stack.pop_back();
            if (tag == u"blockquote") {
                w.block();
                w.setQuoteDepth(--quoteDepth);
            } else if (tag == u"pre") {
                --preDepth;
                w.block();
            } else if (tag == u"a") {
                inLink = false;
                if (!target.isEmpty() && linkText.trimmed() != target &&
                    u"mailto:" + linkText.trimmed() != target)
                    w.text(QString(u" <" + target + u'>'), true);
            } else if (tag == u"td" || tag == u"th") {
                w.text(u" ", true);
            } else if (tag == u"p" || tag.startsWith(u'h')) {
                if (isBlockTag(tag))
                    w.paragraph();
            } else if (isBlockTag(tag)) {
                w.block();
            }
            continue;
        }
        const auto *child = static_cast<const GumboNode *>(children.data[f.next++]);
        if (child->type == GUMBO_NODE_TEXT || child->type == GUMBO_NODE_WHITESPACE) {
            const QString t = QString::fromUtf8(child->v.text.text);
            if (inLink)
                linkText += t;
            w.text(t, preDepth > 0);
            continue;
        }
        if (child->type != GUMBO_NODE_ELEMENT)
            continue;
        const QString tag = QString::fromLatin1(gumbo_normalized_tagname(child->v.element.tag));
        if (tag == u"br") {
            w.newline();
            continue;
        }
        if (tag == u"img" || tag == u"hr" || tag == u"col") {
            if (tag == u"hr")
                w.block();
            continue;
        }
        if (tag == u"head")
            continue;
        QString target;
        if (tag == u"a") {
            const GumboAttribute *href = gumbo_get_attribute(&child->v.element.attributes, "href");
            if (href && !QByteArrayView(href->value).startsWith("#"))
                target = QUrl::fromEncoded(QByteArray(href->value)).toString();
            inLink = true;
            linkText.clear();
        } else if (tag == u"blockquote") {
            w.block();
            w.setQuoteDepth(++quoteDepth);
        } else if (tag == u"pre") {
            w.block();
            ++preDepth;
        } else if (tag == u"li") {
            w.block();
            w.text(u"* ", true);
        } else if (isBlockTag(tag)) {
            w.block();
        }
        stack.push_back({child, 0, tag, target, 0});
    }
    return w.result();
}

} // namespace Tidings::Mime
