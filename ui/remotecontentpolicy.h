// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>

namespace Tidings::Ui {

/// The senders whose messages show remote content without asking ("always for this sender").
/// Addresses compare case-insensitively. The application loads and saves the list (settings
/// or store) through senders()/setSenders() and the changed() signal; viewers share one.
class RemoteContentPolicy final : public QObject
{
    Q_OBJECT
public:
    explicit RemoteContentPolicy(QObject *parent = nullptr);
    Q_DISABLE_COPY_MOVE(RemoteContentPolicy)

    [[nodiscard]] bool isAllowed(const QString &senderAddress) const;
    void allowSender(const QString &senderAddress);
    void revokeSender(const QString &senderAddress);
    [[nodiscard]] QStringList senders() const;
    void setSenders(const QStringList &senders);

Q_SIGNALS:
    void changed();

private:
    static QString normalize(const QString &address);
    QSet<QString> m_senders;
};

} // namespace Tidings::Ui
