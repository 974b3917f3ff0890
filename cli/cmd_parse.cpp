// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// tidings-cli parse FILE [--json]: decodes a message file (.eml, a POP3 download, one mbox
// message) through the same parser as the viewer.
#include "cli/command.h"
#include "core/mime/parser.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace {

using namespace Tidings::Mime;

constexpr qint64 kMaxFileSize = 512LL * 1024 * 1024;

QJsonArray addressesJson(const QList<Address> &addresses)
{
    QJsonArray array;
    for (const Address &a : addresses)
        array.append(QJsonObject{{QStringLiteral("name"), a.name}, {QStringLiteral("address"), a.address}});
    return array;
}

QString addressesText(const QList<Address> &addresses)
{
    QStringList items;
    for (const Address &a : addresses)
        items.append(a.toDisplayString());
    return items.join(QLatin1String(", "));
}

int parseCommand(Tidings::Cli::Context &c)
{
    QString path;
    bool json = false;
    for (const QString &arg : std::as_const(c.args)) {
        if (arg == u"--json")
            json = true;
        else if (path.isEmpty() && !arg.startsWith(QLatin1String("--")))
            path = arg;
        else {
            c.err << "tidings-cli parse: unexpected argument " << arg << Qt::endl;
            return 2;
        }
    }
    if (path.isEmpty()) {
        c.err << "usage: tidings-cli parse FILE [--json]" << Qt::endl;
        return 2;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        c.err << "tidings-cli parse: cannot read " << path << ": " << file.errorString() << Qt::endl;
        return 1;
    }
    if (file.size() > kMaxFileSize) {
        c.err << "tidings-cli parse: " << path << " is larger than 512 MB" << Qt::endl;
        return 1;
    }
    const Message m = Parser::parse(file.readAll());

    QStringList warnings = m.warnings;
    if (m.crafted)
        warnings.prepend(QStringLiteral("This message may be crafted to mislead: its structure is contradictory."));
    if (m.tooComplex)
        warnings.prepend(m.complexityNote);

    const QString date = m.date.isValid() ? m.date.toUTC().toString(Qt::ISODate) : QString();
    if (json) {
        QJsonArray attachments;
        for (const Part &p : m.attachments()) {
            attachments.append(QJsonObject{{QStringLiteral("filename"), p.filename},
                                           {QStringLiteral("mime_type"), QString::fromLatin1(p.contentType)},
                                           {QStringLiteral("size"), p.size},
                                           {QStringLiteral("section"), p.section}});
        }
        const QJsonObject object{
            {QStringLiteral("subject"), m.subject},
            {QStringLiteral("from"), addressesJson(m.from)},
            {QStringLiteral("to"), addressesJson(m.to)},
            {QStringLiteral("cc"), addressesJson(m.cc)},
            {QStringLiteral("reply_to"), addressesJson(m.replyTo)},
            {QStringLiteral("date"), date.isEmpty() ? QJsonValue() : QJsonValue(date)},
            {QStringLiteral("message_id"), QString::fromLatin1(m.messageId)},
            {QStringLiteral("in_reply_to"), QString::fromLatin1(m.inReplyTo)},
            {QStringLiteral("text"), m.bestText()},
            {QStringLiteral("has_html"), m.hasHtml()},
            {QStringLiteral("attachments"), attachments},
            {QStringLiteral("warnings"), QJsonArray::fromStringList(warnings)},
            {QStringLiteral("crafted"), m.crafted},
            {QStringLiteral("too_complex"), m.tooComplex},
        };
        c.out << QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Indented));
        return 0;
    }

    c.out << "Subject: " << m.subject << '\n';
    c.out << "From: " << addressesText(m.from) << '\n';
    c.out << "To: " << addressesText(m.to) << '\n';
    if (!m.cc.isEmpty())
        c.out << "Cc: " << addressesText(m.cc) << '\n';
    c.out << "Date: " << (date.isEmpty() ? QStringLiteral("(none)") : date) << '\n';
    c.out << "Message-ID: " << QString::fromLatin1(m.messageId) << '\n';
    c.out << "HTML body: " << (m.hasHtml() ? "yes" : "no") << '\n';
    for (const QString &w : std::as_const(warnings))
        c.out << "Warning: " << w << '\n';
    const QList<Part> attachments = m.attachments();
    for (const Part &p : attachments)
        c.out << "Attachment: " << p.filename << " (" << QString::fromLatin1(p.contentType) << ", " << p.size
              << " bytes)\n";
    c.out << '\n' << m.bestText();
    if (!m.bestText().endsWith(u'\n'))
        c.out << '\n';
    return 0;
}

} // namespace

TIDINGS_CLI_COMMAND("parse", "parse FILE [--json]", "decode a message file: headers, text, attachments", &parseCommand);
