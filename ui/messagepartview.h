// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QTextBrowser>

#include <functional>

namespace Tidings::Ui {

/// Shows one display part of a message (already sanitised HTML) in its own document, so no
/// part can reach into another. It never navigates and never loads anything by itself:
/// every resource the document asks for goes to the resolver the viewer installs (no
/// resolver: nothing resolves), links only emit anchorClicked().
///
/// The view grows to its document's height (no vertical scroll bar of its own) so that
/// several parts stack in the viewer's scroll area.
class MessagePartView final : public QTextBrowser
{
    Q_OBJECT
public:
    using Resolver = std::function<QVariant(int type, const QUrl &url)>;

    explicit MessagePartView(QWidget *parent = nullptr);
    Q_DISABLE_COPY_MOVE(MessagePartView)

    void setResolver(Resolver resolver) { m_resolver = std::move(resolver); }
    /// Shows sanitised HTML (the output of HtmlSanitizer or PlainTextRenderer).
    void setSafeHtml(const QString &html);
    [[nodiscard]] const QString &safeHtml() const { return m_html; }
    /// Lays the same HTML out again (an image arrived), keeping the scroll position. Overrides
    /// QTextBrowser's virtual slot of the same name.
    void reload() override;

    QVariant loadResource(int type, const QUrl &name) override;
    [[nodiscard]] QSize sizeHint() const override;
    [[nodiscard]] QSize minimumSizeHint() const override;

protected:
    void doSetSource(const QUrl &name, QTextDocument::ResourceType type) override;

private:
    void fitHeight();

    Resolver m_resolver;
    QString m_html;
};

} // namespace Tidings::Ui
