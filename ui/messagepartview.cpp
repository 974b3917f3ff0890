// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "ui/messagepartview.h"

#include <QAbstractTextDocumentLayout>
#include <QImage>
#include <QScrollBar>

#include <cmath>

namespace Tidings::Ui {

MessagePartView::MessagePartView(QWidget *parent)
    : QTextBrowser(parent)
{
    setOpenLinks(false);
    setOpenExternalLinks(false);
    setFrameShape(QFrame::NoFrame);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setTextInteractionFlags(Qt::TextBrowserInteraction);
    // Nothing relative can resolve: there is no base to resolve against.
    setSearchPaths({});
    document()->setBaseUrl(QUrl());
    connect(document()->documentLayout(), &QAbstractTextDocumentLayout::documentSizeChanged, this,
            [this] { fitHeight(); });
}

void MessagePartView::setSafeHtml(const QString &html)
{
    m_html = html;
    setHtml(html);
    fitHeight();
}

void MessagePartView::reload()
{
    const int x = horizontalScrollBar()->value();
    setHtml(m_html);
    horizontalScrollBar()->setValue(x);
    fitHeight();
}

QVariant MessagePartView::loadResource(int type, const QUrl &name)
{
    // Deliberately not QTextBrowser::loadResource: that would read files and qrc: resources.
    // A refusal must not be a null QVariant or an empty image either: QTextDocument then
    // decodes data: URLs itself (uncapped) and reads file: URLs, and Qt's image handler
    // loads an image name it got nothing for straight from the disk (relative to the
    // working directory). A transparent pixel is a valid answer that shows nothing.
    const QVariant value = m_resolver ? m_resolver(type, name) : QVariant();
    if (!value.isNull())
        return value;
    if (type == QTextDocument::ImageResource) {
        static const QImage nothing = [] {
            QImage img(1, 1, QImage::Format_ARGB32);
            img.fill(Qt::transparent);
            return img;
        }();
        return nothing;
    }
    return QVariant(QByteArray());
}

void MessagePartView::doSetSource(const QUrl &, QTextDocument::ResourceType)
{
    // A part never navigates: links are handled by the viewer through anchorClicked().
}

void MessagePartView::fitHeight()
{
    const int margins = contentsMargins().top() + contentsMargins().bottom();
    int height = int(std::ceil(document()->size().height())) + margins;
    if (horizontalScrollBar()->isVisible())
        height += horizontalScrollBar()->sizeHint().height();
    if (height != this->height())
        setFixedHeight(std::max(height, 1));
    updateGeometry();
}

QSize MessagePartView::sizeHint() const
{
    return {QTextBrowser::sizeHint().width(), height()};
}

QSize MessagePartView::minimumSizeHint() const
{
    return {50, height()};
}

} // namespace Tidings::Ui
