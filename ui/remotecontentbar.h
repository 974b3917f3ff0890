// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QFrame>

class QLabel;
class QPushButton;

namespace Tidings::Ui {

/// The bar above a message whose remote content was blocked: says how much was blocked and
/// offers "Show remote content" (this message) and "Always for <sender>".
class RemoteContentBar final : public QFrame
{
    Q_OBJECT
public:
    explicit RemoteContentBar(QWidget *parent = nullptr);
    Q_DISABLE_COPY_MOVE(RemoteContentBar)

    /// Updates the text; an empty sender hides the "always" button.
    void setBlocked(int count, const QString &senderAddress);

    [[nodiscard]] QPushButton *showButton() const { return m_show; }
    [[nodiscard]] QPushButton *alwaysButton() const { return m_always; }
    [[nodiscard]] QString message() const;

Q_SIGNALS:
    void showRequested();
    void alwaysForSenderRequested();

private:
    QLabel *m_label = nullptr;
    QPushButton *m_show = nullptr;
    QPushButton *m_always = nullptr;
};

} // namespace Tidings::Ui
