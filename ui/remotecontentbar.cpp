// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "ui/remotecontentbar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

namespace Tidings::Ui {

RemoteContentBar::RemoteContentBar(QWidget *parent)
    : QFrame(parent)
    , m_label(new QLabel(this))
    , m_show(new QPushButton(tr("Show remote content"), this))
    , m_always(new QPushButton(this))
{
    setObjectName(QStringLiteral("remoteContentBar"));
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    m_label->setWordWrap(true);
    m_label->setTextFormat(Qt::PlainText);
    m_show->setObjectName(QStringLiteral("showRemoteContent"));
    m_always->setObjectName(QStringLiteral("alwaysShowRemoteContent"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 8, 4);
    layout->addWidget(m_label, 1);
    layout->addWidget(m_show);
    layout->addWidget(m_always);
    connect(m_show, &QPushButton::clicked, this, &RemoteContentBar::showRequested);
    connect(m_always, &QPushButton::clicked, this, &RemoteContentBar::alwaysForSenderRequested);
}

void RemoteContentBar::setBlocked(int count, const QString &senderAddress)
{
    m_label->setText(tr("To protect your privacy, %n remote item(s) in this message were not loaded.", nullptr, count));
    m_always->setText(tr("Always for %1").arg(senderAddress));
    m_always->setVisible(!senderAddress.isEmpty());
}

QString RemoteContentBar::message() const
{
    return m_label->text();
}

} // namespace Tidings::Ui
