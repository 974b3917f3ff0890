// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/store/headerrows.h"

#include <QDateTime>
#include <QStringDecoder>

#include <algorithm>

namespace Tidings::Store {

QByteArrayView HeaderRows::text(qsizetype i, Text which) const
{
    const Row &r = m_rows.at(i);
    return QByteArrayView(m_text.constData() + r.textStart[which],
                          r.textStart[which + 1] - r.textStart[which]);
}

void HeaderRows::reserve(qsizetype rows, qsizetype textBytes)
{
    m_rows.reserve(rows);
    m_text.reserve(textBytes);
}

HeaderRows::Row &HeaderRows::startRow()
{
    Q_ASSERT(m_nextText == kTexts);
    Row &r = m_rows.emplace_back();
    r.textStart[0] = m_text.size();
    m_nextText = 0;
    return r;
}

void HeaderRows::endText(Text which)
{
    Q_ASSERT(which == m_nextText);
    m_rows.last().textStart[which + 1] = m_text.size();
    m_nextText = which + 1;
}

void HeaderRows::append(const MessageHeader &header)
{
    Row &r = startRow();
    r.uid = header.uid;
    r.flags = header.flags;
    r.modSeq = header.modSeq;
    r.size = header.size;
    if (header.internalDate.isValid())
        r.internalDate = header.internalDate.toSecsSinceEpoch();
    if (header.date.isValid())
        r.date = header.date.toSecsSinceEpoch();
    r.hasAttachments = header.hasAttachments;
    auto add = [this](Text which, const QString &text) {
        m_text += text.toUtf8();
        endText(which);
    };
    add(Keywords, header.keywords.join(u' '));
    add(Subject, header.subject);
    add(From, header.from);
    add(To, header.to);
    add(Cc, header.cc);
    add(MessageId, header.messageId);
    add(InReplyTo, header.inReplyTo);
    add(References, header.references);
    add(Preview, header.preview);
    m_text += header.bodyStructure;
    endText(BodyStructure);
}

MessageHeader HeaderRows::header(qsizetype i) const
{
    const Row &r = m_rows.at(i);
    MessageHeader h;
    h.uid = r.uid;
    h.flags = r.flags;
    h.modSeq = r.modSeq;
    h.size = r.size;
    if (r.internalDate)
        h.internalDate = QDateTime::fromSecsSinceEpoch(*r.internalDate, Qt::UTC);
    if (r.date)
        h.date = QDateTime::fromSecsSinceEpoch(*r.date, Qt::UTC);
    h.hasAttachments = r.hasAttachments;
    // The texts as they are: a byte order mark at the start is kept (fromUtf8 would drop it).
    auto string = [this, i](Text which) {
        QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::ConvertInitialBom);
        return QString(decoder(text(i, which)));
    };
    if (const QByteArrayView keywords = text(i, Keywords); !keywords.isEmpty())
        h.keywords = string(Keywords).split(u' ', Qt::SkipEmptyParts);
    h.subject = string(Subject);
    h.from = string(From);
    h.to = string(To);
    h.cc = string(Cc);
    h.messageId = string(MessageId);
    h.inReplyTo = string(InReplyTo);
    h.references = string(References);
    h.preview = string(Preview);
    h.bodyStructure = text(i, BodyStructure).toByteArray();
    return h;
}

void HeaderRows::sortByUidDescending()
{
    std::stable_sort(m_rows.begin(), m_rows.end(), [](const Row &a, const Row &b) { return a.uid > b.uid; });
}

QList<quint32> HeaderRows::uids() const
{
    QList<quint32> out;
    out.reserve(m_rows.size());
    for (const Row &r : m_rows)
        out << r.uid;
    return out;
}

} // namespace Tidings::Store
