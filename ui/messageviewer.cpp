// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "ui/messageviewer.h"

#include "core/mime/htmlsanitizer.h"
#include "core/mime/plaintextrenderer.h"
#include "ui/attachmentbar.h"
#include "ui/messagepartview.h"
#include "ui/remotecontentbar.h"
#include "ui/remotecontentpolicy.h"
#include "ui/remoteimageloader.h"

#include <QBuffer>
#include <QDesktopServices>
#include <QImageReader>
#include <QMessageBox>
#include <QScrollArea>
#include <QTextDocument>
#include <QTimer>
#include <QVBoxLayout>

namespace Tidings::Ui {

namespace {

constexpr qsizetype MaxDataUrlLength = 1024 * 1024;
constexpr qsizetype MaxInlineImageBytes = 16 * 1024 * 1024;

QImage decodeImage(QByteArray bytes)
{
    QBuffer buffer(&bytes);
    QImageReader reader(&buffer);
    reader.setAutoTransform(true);
    return reader.read();
}

Mime::HtmlPolicy policyFor(const ViewerMessage &message, bool remote)
{
    Mime::HtmlPolicy policy;
    policy.allowRemote = remote;
    policy.maxDataUrlLength = MaxDataUrlLength;
    for (auto it = message.inlineResources.cbegin(); it != message.inlineResources.cend(); ++it)
        policy.contentIds.insert(it.key());
    return policy;
}

} // namespace

MessageViewer::MessageViewer(RemoteContentPolicy *policy, QNetworkAccessManager *nam, QWidget *parent)
    : QWidget(parent)
    , m_policy(policy)
    , m_loader(new RemoteImageLoader(nam, this))
    , m_remoteBar(new RemoteContentBar(this))
    , m_scroll(new QScrollArea(this))
    , m_partsHost(new QWidget)
    , m_partsLayout(new QVBoxLayout(m_partsHost))
    , m_attachmentBar(new AttachmentBar(this))
{
    setObjectName(QStringLiteral("messageViewer"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_remoteBar);
    layout->addWidget(m_scroll, 1);
    layout->addWidget(m_attachmentBar);
    m_partsLayout->setContentsMargins(0, 0, 0, 0);
    m_partsLayout->setSpacing(8);
    m_partsLayout->addStretch(1);
    m_scroll->setWidget(m_partsHost);
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_remoteBar->hide();
    m_attachmentBar->hide();

    connect(m_remoteBar, &RemoteContentBar::showRequested, this, &MessageViewer::showRemoteContent);
    connect(m_remoteBar, &RemoteContentBar::alwaysForSenderRequested, this, &MessageViewer::allowRemoteContentForSender);
    connect(m_loader, &RemoteImageLoader::imageLoaded, this, &MessageViewer::imageArrived);

    m_confirm = [this](const QUrl &, const QString &target) {
        QMessageBox box(QMessageBox::Question, tr("Open Link"),
                        tr("Open this address in your web browser?"), QMessageBox::Open | QMessageBox::Cancel, this);
        box.setInformativeText(target);
        box.setDefaultButton(QMessageBox::Cancel);
        box.setTextInteractionFlags(Qt::TextSelectableByMouse);
        return box.exec() == QMessageBox::Open;
    };
    m_open = [](const QUrl &url) { QDesktopServices::openUrl(url); };
}

MessageViewer::~MessageViewer() = default;

void MessageViewer::setMessage(const ViewerMessage &message)
{
    m_loader->clear();
    m_message = message;
    m_inlineImages.clear();
    m_refused = 0;
    m_remoteShown = m_policy && m_policy->isAllowed(message.senderAddress);
    render();
    m_attachmentBar->setAttachments(message.attachments);
    m_attachmentBar->setVisible(!message.attachments.isEmpty());
}

void MessageViewer::clear()
{
    setMessage({});
}

void MessageViewer::showRemoteContent()
{
    if (m_remoteShown)
        return;
    m_remoteShown = true;
    render();
}

void MessageViewer::allowRemoteContentForSender()
{
    if (m_policy && !m_message.senderAddress.isEmpty())
        m_policy->allowSender(m_message.senderAddress);
    showRemoteContent();
}

void MessageViewer::render()
{
    for (MessagePartView *view : std::as_const(m_views))
        delete view;
    m_views.clear();
    m_blocked = 0;

    const Mime::HtmlPolicy policy = policyFor(m_message, m_remoteShown);
    for (const ViewerMessage::Body &body : std::as_const(m_message.bodies)) {
        auto *view = new MessagePartView(m_partsHost);
        view->setResolver([this](int type, const QUrl &url) { return resolve(type, url); });
        connect(view, &QTextBrowser::anchorClicked, this, [this, view](const QUrl &url) { activateLink(url, view); });
        connect(view, qOverload<const QUrl &>(&QTextBrowser::highlighted), this, [this, view](const QUrl &url) {
            const QString target = url.isEmpty() ? QString() : linkDisplayTarget(url);
            view->setToolTip(target);
            Q_EMIT linkHovered(target);
        });
        if (body.format == ViewerMessage::Body::Format::Html) {
            const Mime::SanitizedHtml safe = Mime::HtmlSanitizer::sanitize(body.text, policy);
            m_blocked += safe.blockedRemoteCount;
            view->setSafeHtml(safe.html);
        } else {
            view->setSafeHtml(Mime::PlainTextRenderer::toHtml(body.text));
        }
        m_partsLayout->insertWidget(m_partsLayout->count() - 1, view);
        m_views.append(view);
    }
    m_remoteBar->setBlocked(m_blocked, m_policy ? m_message.senderAddress : QString());
    m_remoteBar->setVisible(m_blocked > 0 && !m_remoteShown);
}

QVariant MessageViewer::resolve(int type, const QUrl &url)
{
    if (type != QTextDocument::ImageResource) {
        ++m_refused; // style sheets, HTML: parts are self-contained
        return {};
    }
    const QString raw = QString::fromLatin1(url.toEncoded());
    QUrl parsed;
    switch (Mime::classifyUrl(raw, &parsed)) {
    case Mime::UrlKind::ContentId: {
        const QImage img = decodeInline(Mime::contentIdFromUrl(parsed));
        if (!img.isNull())
            return img;
        break;
    }
    case Mime::UrlKind::Data: {
        const QByteArray bytes = Mime::decodeDataImage(raw, MaxDataUrlLength);
        if (!bytes.isEmpty()) {
            const QImage img = decodeImage(bytes);
            if (!img.isNull())
                return img;
        }
        break;
    }
    case Mime::UrlKind::Remote:
        if (m_remoteShown) {
            const QImage img = m_loader->image(parsed);
            if (!img.isNull())
                return img;
            return {}; // requested; imageArrived() lays the parts out again
        }
        break;
    case Mime::UrlKind::Mailto:
    case Mime::UrlKind::Fragment:
    case Mime::UrlKind::Other:
        break;
    }
    ++m_refused;
    return {};
}

QImage MessageViewer::decodeInline(const QString &contentId)
{
    if (auto it = m_inlineImages.constFind(contentId); it != m_inlineImages.constEnd())
        return *it;
    const auto resource = m_message.inlineResources.constFind(contentId);
    QImage img;
    if (resource != m_message.inlineResources.constEnd() && resource->data.size() <= MaxInlineImageBytes)
        img = decodeImage(resource->data);
    m_inlineImages.insert(contentId, img);
    return img;
}

void MessageViewer::imageArrived()
{
    // Several images usually arrive together: lay the parts out once per burst.
    if (m_reloadPending)
        return;
    m_reloadPending = true;
    QTimer::singleShot(0, this, [this] {
        m_reloadPending = false;
        for (MessagePartView *view : std::as_const(m_views))
            view->reload();
    });
}

QString MessageViewer::linkDisplayTarget(const QUrl &url)
{
    // FullyEncoded writes the host in ACE form, so "bücher.example" reads "xn--bcher-kva.example"
    // and look-alike letters cannot hide the real domain.
    return QString::fromLatin1(url.toEncoded(QUrl::FullyEncoded));
}

void MessageViewer::activateLink(const QUrl &url, MessagePartView *view)
{
    if (url.isRelative() && url.hasFragment() && url.path().isEmpty()) {
        if (view)
            view->scrollToAnchor(url.fragment(QUrl::FullyDecoded));
        return;
    }
    QUrl parsed;
    switch (Mime::classifyUrl(QString::fromLatin1(url.toEncoded()), &parsed)) {
    case Mime::UrlKind::Mailto:
        Q_EMIT mailtoRequested(parsed);
        return;
    case Mime::UrlKind::Remote:
        if (m_confirm && m_confirm(parsed, linkDisplayTarget(parsed))) {
            if (m_open)
                m_open(parsed);
            Q_EMIT linkOpened(parsed);
        }
        return;
    case Mime::UrlKind::ContentId:
    case Mime::UrlKind::Data:
    case Mime::UrlKind::Fragment:
    case Mime::UrlKind::Other:
        return; // the sanitizer never writes such links; nothing to open if one appears
    }
}

QString MessageViewer::plainText() const
{
    QStringList texts;
    for (const ViewerMessage::Body &body : m_message.bodies) {
        texts << (body.format == ViewerMessage::Body::Format::Html
                      ? Mime::HtmlSanitizer::toPlainText(body.text, policyFor(m_message, false))
                      : body.text);
    }
    return texts.join(QStringLiteral("\n\n"));
}

QString MessageViewer::quotedReplyText() const
{
    return Mime::PlainTextRenderer::quoteForReply(plainText());
}

QList<MessagePartView *> MessageViewer::partViews() const
{
    return m_views;
}

} // namespace Tidings::Ui
