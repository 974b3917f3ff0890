// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/mime/mailto.h"

#include "core/mime/charset.h"
#include "core/mime/parser.h"

namespace Tidings::Mime {

namespace {

QString percentDecoded(QStringView text)
{
    const QByteArray bytes = QByteArray::fromPercentEncoding(text.toUtf8());
    return Charset::decode(bytes, "utf-8");
}

void appendAddresses(QList<Address> &list, const QString &text, int &total)
{
    if (total >= Mailto::maxAddresses)
        return;
    const QList<Address> parsed = Parser::parseAddresses(text.toUtf8(), Mailto::maxAddresses - total);
    for (const Address &address : parsed) {
        if (address.address.isEmpty())
            continue;
        list.append(address);
        ++total;
    }
}

} // namespace

std::optional<MailtoLink> Mailto::parse(QStringView url)
{
    url = url.trimmed();
    if (!url.startsWith(QLatin1String("mailto:"), Qt::CaseInsensitive))
        return std::nullopt;
    url = url.sliced(7).left(maxUrlLength);
    // A fragment is not part of a mailto: URL (RFC 6068 §2 allows none); drop it.
    const qsizetype hash = url.indexOf(u'#');
    if (hash >= 0)
        url = url.first(hash);

    MailtoLink link;
    int total = 0;
    const qsizetype question = url.indexOf(u'?');
    const QStringView toPart = question < 0 ? url : url.first(question);
    appendAddresses(link.to, percentDecoded(toPart), total);

    if (question >= 0) {
        const QStringView query = url.sliced(question + 1);
        QString body;
        bool haveBody = false;
        for (QStringView field : query.split(u'&')) {
            if (field.isEmpty())
                continue;
            const qsizetype equals = field.indexOf(u'=');
            const QString name = percentDecoded(equals < 0 ? field : field.first(equals)).trimmed().toLower();
            const QString value = equals < 0 ? QString() : percentDecoded(field.sliced(equals + 1));
            if (name == u"to") {
                appendAddresses(link.to, value, total);
            } else if (name == u"cc") {
                appendAddresses(link.cc, value, total);
            } else if (name == u"bcc") {
                appendAddresses(link.bcc, value, total);
            } else if (name == u"subject") {
                if (link.subject.isEmpty())
                    link.subject = Charset::stripControls(value).trimmed();
            } else if (name == u"body") {
                if (!haveBody) {
                    body = value;
                    haveBody = true;
                }
            } else if (name == u"in-reply-to") {
                QByteArray id;
                for (QChar c : value) {
                    if (c.unicode() > 0x20 && c.unicode() < 0x7F && c != u'<' && c != u'>')
                        id.append(char(c.unicode()));
                }
                link.inReplyTo = id;
            } else if (!link.ignoredFields.contains(name) && link.ignoredFields.size() < 50) {
                link.ignoredFields.append(Charset::stripControls(name).left(100));
            }
        }
        body.replace(QLatin1String("\r\n"), QLatin1String("\n"));
        body.replace(u'\r', u'\n');
        body.remove(QChar(u'\0'));
        link.body = body;
    }
    return link;
}

} // namespace Tidings::Mime
