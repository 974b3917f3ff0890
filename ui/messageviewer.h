// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "ui/viewermessage.h"

#include <QHash>
#include <QImage>
#include <QPointer>
#include <QWidget>

#include <functional>

class QNetworkAccessManager;
class QScrollArea;
class QVBoxLayout;

namespace Tidings::Ui {

class AttachmentBar;
class MessagePartView;
class RemoteContentBar;
class RemoteContentPolicy;
class RemoteImageLoader;

/// Shows one message safely: each display part in its own MessagePartView, HTML through
/// Mime::HtmlSanitizer, plain text through Mime::PlainTextRenderer, with the remote content
/// bar above and the attachment bar below.
///
/// Invariants: nothing is fetched unless remote content is shown for this message (the
/// person clicked "Show remote content", or the sender is in the RemoteContentPolicy), and
/// even then only http(s) images named by the sanitised HTML, through the viewer's
/// RemoteImageLoader. cid: resolves only to this message's inline resources, data: only to
/// raster images under a size cap; every other URL resolves to nothing. Link clicks never
/// navigate the view: web links open in the desktop browser after a confirmation that
/// shows the real target (host in punycode), mailto: links are handed to the composer
/// through mailtoRequested(), in-part fragments scroll. setMessage() drops every state of
/// the previous message (remote consent, images in flight).
class MessageViewer final : public QWidget
{
    Q_OBJECT
public:
    /// policy: shared "always for this sender" list (may be null: no sender is trusted).
    /// nam: network access for remote images after consent (null: a private one).
    explicit MessageViewer(RemoteContentPolicy *policy = nullptr, QNetworkAccessManager *nam = nullptr,
                           QWidget *parent = nullptr);
    ~MessageViewer() override;
    Q_DISABLE_COPY_MOVE(MessageViewer)

    void setMessage(const ViewerMessage &message);
    void clear();

    /// Shows remote content for the current message only.
    void showRemoteContent();
    /// Adds the sender to the policy and shows remote content.
    void allowRemoteContentForSender();
    [[nodiscard]] bool isRemoteContentShown() const { return m_remoteShown; }
    /// Remote items the sanitizer held back in the current message (0 once shown).
    [[nodiscard]] int blockedRemoteCount() const { return m_blocked; }

    /// Plain text of what is shown, quoted for a reply ("> " per line).
    [[nodiscard]] QString quotedReplyText() const;
    /// The plain text of what is shown (HTML parts as read).
    [[nodiscard]] QString plainText() const;

    /// The text shown to confirm a link: the full URL, host in punycode (RFC 3492).
    [[nodiscard]] static QString linkDisplayTarget(const QUrl &url);

    /// Asks before opening a web link; the default shows a question box with linkDisplayTarget().
    using LinkConfirmer = std::function<bool(const QUrl &url, const QString &displayTarget)>;
    void setLinkConfirmer(LinkConfirmer confirmer) { m_confirm = std::move(confirmer); }
    /// Opens a confirmed link; the default is QDesktopServices::openUrl.
    using UrlOpener = std::function<void(const QUrl &url)>;
    void setUrlOpener(UrlOpener opener) { m_open = std::move(opener); }
    /// What clicking a link does (also used by tests): scroll, mailtoRequested, or confirm + open.
    void activateLink(const QUrl &url, MessagePartView *view = nullptr);

    [[nodiscard]] QList<MessagePartView *> partViews() const;
    [[nodiscard]] RemoteContentBar *remoteContentBar() const { return m_remoteBar; }
    [[nodiscard]] AttachmentBar *attachmentBar() const { return m_attachmentBar; }
    /// Resources the views asked for and got nothing (for diagnostics and tests).
    [[nodiscard]] int refusedResourceCount() const { return m_refused; }

Q_SIGNALS:
    void mailtoRequested(const QUrl &url);
    /// The pointer is over a link: its real target, for a status bar.
    void linkHovered(const QString &displayTarget);
    void linkOpened(const QUrl &url);

private:
    void render();
    QVariant resolve(int type, const QUrl &url);
    QImage decodeInline(const QString &contentId);
    void imageArrived();

    QPointer<RemoteContentPolicy> m_policy;
    RemoteImageLoader *m_loader = nullptr;
    RemoteContentBar *m_remoteBar = nullptr;
    QScrollArea *m_scroll = nullptr;
    QWidget *m_partsHost = nullptr;
    QVBoxLayout *m_partsLayout = nullptr;
    AttachmentBar *m_attachmentBar = nullptr;
    QList<MessagePartView *> m_views;

    ViewerMessage m_message;
    QHash<QString, QImage> m_inlineImages;
    bool m_remoteShown = false;
    bool m_reloadPending = false;
    int m_blocked = 0;
    int m_refused = 0;
    LinkConfirmer m_confirm;
    UrlOpener m_open;
};

} // namespace Tidings::Ui
