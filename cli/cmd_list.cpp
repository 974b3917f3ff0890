// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// tidings-cli list ACCOUNT FOLDER [--limit N] [--json]: a folder's messages, newest first, from
// the profile (run `sync` to refresh).
#include "cli/cmd_sync_common.h"

#include <QJsonDocument>

namespace {

using namespace Tidings;
using namespace Tidings::Cli;

int listCommand(Context &c)
{
    QStringList args = c.args;
    bool missing = false;
    const bool json = Mail::takeFlag(args, QStringLiteral("--json"));
    const auto limitText = Mail::takeOption(args, QStringLiteral("--limit"), &missing);
    bool limitOk = true;
    const int limit = limitText ? limitText->toInt(&limitOk) : 50;
    if (missing || args.size() != 2 || !limitOk || limit <= 0) {
        c.err << "usage: tidings-cli list ACCOUNT FOLDER [--limit N] [--json]" << Qt::endl;
        return 2;
    }
    auto db = Mail::openProfile(c, "list");
    if (!db)
        return 1;
    auto account = Mail::account(c, "list", *db, args.at(0));
    if (!account)
        return 1;
    auto folder = Mail::folder(c, "list", *db, *account, args.at(1));
    if (!folder)
        return 1;
    auto page = Store::MessageStore(*db).folderPage(folder->id, limit);
    if (!page)
        return Mail::fail(c, "list", page.error().toString());
    for (const Store::StoredMessage &m : page->messages) {
        if (json) {
            c.out << QJsonDocument(Mail::messageJson(m)).toJson(QJsonDocument::Compact) << "\n";
            continue;
        }
        const bool unread = !(m.header.flags & Store::MessageFlag::Seen);
        c.out << m.header.uid << "\t" << (unread ? "*" : " ") << "\t"
              << m.sortDate.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm")) << "\t" << m.header.from
              << "\t" << m.header.subject << "\n";
    }
    return 0;
}

} // namespace

TIDINGS_CLI_COMMAND("list", "list ACCOUNT FOLDER [--limit N] [--json]",
                    "list a folder's messages, newest first", &listCommand);
