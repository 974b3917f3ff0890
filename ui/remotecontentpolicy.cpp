// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "ui/remotecontentpolicy.h"

#include <algorithm>

namespace Tidings::Ui {

RemoteContentPolicy::RemoteContentPolicy(QObject *parent)
    : QObject(parent)
{
}

QString RemoteContentPolicy::normalize(const QString &address)
{
    return address.trimmed().toCaseFolded();
}

bool RemoteContentPolicy::isAllowed(const QString &senderAddress) const
{
    const QString key = normalize(senderAddress);
    return !key.isEmpty() && m_senders.contains(key);
}

void RemoteContentPolicy::allowSender(const QString &senderAddress)
{
    const QString key = normalize(senderAddress);
    if (key.isEmpty() || m_senders.contains(key))
        return;
    m_senders.insert(key);
    Q_EMIT changed();
}

void RemoteContentPolicy::revokeSender(const QString &senderAddress)
{
    if (m_senders.remove(normalize(senderAddress)))
        Q_EMIT changed();
}

QStringList RemoteContentPolicy::senders() const
{
    QStringList list(m_senders.cbegin(), m_senders.cend());
    std::sort(list.begin(), list.end());
    return list;
}

void RemoteContentPolicy::setSenders(const QStringList &senders)
{
    QSet<QString> next;
    for (const QString &s : senders) {
        const QString key = normalize(s);
        if (!key.isEmpty())
            next.insert(key);
    }
    if (next == m_senders)
        return;
    m_senders = next;
    Q_EMIT changed();
}

} // namespace Tidings::Ui
