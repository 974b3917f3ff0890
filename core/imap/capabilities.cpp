// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/imap/capabilities.h"

namespace Tidings::Imap {

Capabilities::Capabilities(QList<QByteArray> list)
    : m_list(std::move(list))
{
    for (QByteArray &c : m_list)
        c = c.toUpper();
}

bool Capabilities::has(QByteArrayView capability) const
{
    for (const QByteArray &c : m_list) {
        if (c.size() == capability.size() && QByteArrayView(c).compare(capability, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

QList<QByteArray> Capabilities::authMechanisms() const
{
    QList<QByteArray> out;
    for (const QByteArray &c : m_list) {
        if (c.startsWith("AUTH="))
            out << c.mid(5);
    }
    return out;
}

} // namespace Tidings::Imap
