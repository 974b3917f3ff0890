// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// tidings-cli outbox: what waits to be sent, and why.
#include "cli/command.h"
#include "cli/mailaccountcli.h"
#include "core/mime/parser.h"
#include "core/store/outboxstore.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace {

using namespace Tidings;

int outboxCommand(Cli::Context &c)
{
    bool json = false;
    bool all = false;
    for (const QString &a : c.args) {
        if (a == u"--json") {
            json = true;
        } else if (a == u"--all") {
            all = true;
        } else {
            c.err << "usage: tidings-cli outbox [--all] [--json]" << Qt::endl;
            return 2;
        }
    }
    auto db = Cli::openStore(c.profileDir, "outbox", c.err);
    if (!db)
        return 1;
    auto items = Store::OutboxStore(*db).list();
    if (!items) {
        c.err << "tidings-cli outbox: " << items.error().toString() << Qt::endl;
        return 1;
    }
    QHash<qint64, QString> names;
    if (auto accounts = Store::AccountStore(*db).list()) {
        for (const Store::Account &a : *accounts)
            names.insert(a.id, a.name);
    }
    QJsonArray array;
    int shown = 0;
    for (const Store::OutboxItem &item : *items) {
        // Sent messages whose Sent copy exists are done; the rest still waits for something.
        const bool done = item.state == Store::OutboxItem::State::Sent && item.sentCopyAppended;
        if (done && !all)
            continue;
        ++shown;
        const QString subject = Mime::Parser::parseHeaders(item.rawMessage.left(256 * 1024)).subject;
        const QString state = Store::OutboxStore::stateName(item.state);
        if (json) {
            QJsonObject o;
            o.insert(QStringLiteral("id"), item.id);
            o.insert(QStringLiteral("account"), names.value(item.accountId));
            o.insert(QStringLiteral("state"), state);
            o.insert(QStringLiteral("subject"), subject);
            o.insert(QStringLiteral("from"), item.envelopeFrom);
            o.insert(QStringLiteral("recipients"), QJsonArray::fromStringList(item.recipients));
            o.insert(QStringLiteral("attempts"), item.attempts);
            o.insert(QStringLiteral("lastError"), item.lastError);
            o.insert(QStringLiteral("nextAttempt"), item.nextAttemptAt.isValid()
                                                        ? QJsonValue(item.nextAttemptAt.toString(Qt::ISODate))
                                                        : QJsonValue());
            o.insert(QStringLiteral("sentCopy"), item.sentCopyAppended);
            o.insert(QStringLiteral("size"), item.rawMessage.size());
            o.insert(QStringLiteral("created"), item.createdAt.toString(Qt::ISODate));
            array.append(o);
            continue;
        }
        c.out << '#' << item.id << "  " << names.value(item.accountId) << "  " << state << "  \"" << subject
              << "\" to " << item.recipients.join(QStringLiteral(", ")) << Qt::endl;
        if (!item.lastError.isEmpty())
            c.out << "    why: " << item.lastError << Qt::endl;
        if (item.state == Store::OutboxItem::State::Failed) {
            c.out << "    "
                  << (item.nextAttemptAt.isValid()
                          ? QStringLiteral("next attempt: ") + item.nextAttemptAt.toString(Qt::ISODate)
                          : QStringLiteral("not retried on its own"))
                  << " (" << item.attempts << " attempts)" << Qt::endl;
        } else if (item.state == Store::OutboxItem::State::Uncertain) {
            c.out << "    it may have been delivered; it is not sent again unless you ask" << Qt::endl;
        } else if (item.state == Store::OutboxItem::State::Sent && !item.sentCopyAppended) {
            c.out << "    sent; the copy in Sent is still to be made" << Qt::endl;
        }
    }
    if (json) {
        c.out << QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Indented));
    } else if (shown == 0) {
        c.out << "The outbox is empty." << Qt::endl;
    }
    return 0;
}

} // namespace

TIDINGS_CLI_COMMAND("outbox", "outbox [--all] [--json]", "list the messages waiting to be sent, and why",
                    &outboxCommand);
