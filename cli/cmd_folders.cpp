// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// tidings-cli folders ACCOUNT [--json]: the account's folders as the last sync left them.
#include "cli/cmd_sync_common.h"

#include <QJsonDocument>

namespace {

using namespace Tidings;
using namespace Tidings::Cli;

int foldersCommand(Context &c)
{
    QStringList args = c.args;
    const bool json = Mail::takeFlag(args, QStringLiteral("--json"));
    if (args.size() != 1) {
        c.err << "usage: tidings-cli folders ACCOUNT [--json]" << Qt::endl;
        return 2;
    }
    auto db = Mail::openProfile(c, "folders");
    if (!db)
        return 1;
    auto account = Mail::account(c, "folders", *db, args.first());
    if (!account)
        return 1;
    auto folders = Store::FolderStore(*db).list(account->id);
    if (!folders)
        return Mail::fail(c, "folders", folders.error().toString());
    for (const Store::Folder &f : folders.value()) {
        if (json) {
            c.out << QJsonDocument(QJsonObject{{QStringLiteral("name"), f.displayName},
                                               {QStringLiteral("special_use"), f.specialUse},
                                               {QStringLiteral("selectable"), f.selectable},
                                               {QStringLiteral("total"), f.totalCount},
                                               {QStringLiteral("unread"), f.unreadCount}})
                         .toJson(QJsonDocument::Compact)
                  << "\n";
        } else {
            c.out << f.displayName;
            if (!f.specialUse.isEmpty())
                c.out << " (" << f.specialUse << ")";
            c.out << "\t" << f.totalCount << " messages, " << f.unreadCount << " unread\n";
        }
    }
    return 0;
}

} // namespace

TIDINGS_CLI_COMMAND("folders", "folders ACCOUNT [--json]", "list an account's folders from the profile",
                    &foldersCommand);
