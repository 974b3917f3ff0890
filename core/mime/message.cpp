// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/mime/message.h"

namespace Tidings::Mime {

QString Address::toDisplayString() const
{
    if (name.isEmpty())
        return address;
    return name % QStringLiteral(" <") % address % u'>';
}

QString Message::bestText() const
{
    return bestTextIndex >= 0 && bestTextIndex < parts.size() ? parts.at(bestTextIndex).text : QString();
}

QString Message::bestHtml() const
{
    return bestHtmlIndex >= 0 && bestHtmlIndex < parts.size() ? parts.at(bestHtmlIndex).text : QString();
}

QList<Part> Message::attachments() const
{
    QList<Part> result;
    result.reserve(attachmentIndexes.size());
    for (int index : attachmentIndexes)
        result.append(parts.at(index));
    return result;
}

int Message::partIndexByContentId(QByteArray contentId) const
{
    contentId = contentId.trimmed();
    if (contentId.startsWith("cid:") || contentId.startsWith("CID:"))
        contentId = QByteArray::fromPercentEncoding(contentId.mid(4));
    if (contentId.startsWith('<') && contentId.endsWith('>'))
        contentId = contentId.mid(1, contentId.size() - 2);
    if (contentId.isEmpty())
        return -1;
    for (int i = 0; i < parts.size(); ++i) {
        if (parts.at(i).contentId == contentId)
            return i;
    }
    return -1;
}

int Message::partIndexBySection(const QString &section) const
{
    for (int i = 0; i < parts.size(); ++i) {
        if (parts.at(i).section == section)
            return i;
    }
    return -1;
}

QList<int> Message::childIndexes(int index) const
{
    QList<int> result;
    for (int i = index + 1; i < parts.size(); ++i) {
        if (parts.at(i).parent == index)
            result.append(i);
        else if (index >= 0 && parts.at(i).depth <= parts.at(index).depth)
            break;
    }
    return result;
}

QString Message::header(QByteArrayView name) const
{
    for (const Header &h : headers) {
        if (h.name.compare(name, Qt::CaseInsensitive) == 0)
            return h.value;
    }
    return {};
}

QString complexityDescription(Complexity complexity)
{
    switch (complexity) {
    case Complexity::Ok:
        return {};
    case Complexity::TooDeep:
        return QStringLiteral("This message is too complex to show completely: its parts are nested too deeply. "
                              "The parts that could be read are shown.");
    case Complexity::TooManyParts:
        return QStringLiteral("This message is too complex to show completely: it has too many parts. "
                              "The first parts are shown.");
    case Complexity::HeaderTooLarge:
        return QStringLiteral("This message is too complex to show completely: a header is too large.");
    case Complexity::TooManyAddresses:
        return QStringLiteral("This message is too complex to show completely: it lists too many addresses. "
                              "The first ones are shown.");
    }
    return {};
}

} // namespace Tidings::Mime
