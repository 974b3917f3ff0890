// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// tidings-cli delete ACCOUNT FOLDER UIDS [--expunge]: to Trash (SPECIAL-USE), or \Deleted and
// UID EXPUNGE with --expunge (and always inside Trash itself).
#include "cli/cmd_sync_change.h"

namespace {

using namespace Tidings;
using namespace Tidings::Cli;

int deleteCommand(Context &c)
{
    auto db = Mail::openProfile(c, "delete");
    if (!db)
        return 1;
    QStringList argv = c.args;
    const bool expunge = Mail::takeFlag(argv, QStringLiteral("--expunge"));
    Mail::ChangeArgs args;
    QStringList rest;
    if (auto code = Mail::parseChange(c, "delete", *db, argv, 0, &args, &rest))
        return *code;
    if (!rest.isEmpty()) {
        c.err << "usage: tidings-cli delete ACCOUNT FOLDER UID[,UID...] [--expunge]" << Qt::endl;
        return 2;
    }
    const auto mode = expunge ? Sync::DeleteMode::Expunge : Sync::DeleteMode::MoveToTrash;
    return Mail::applyChange(c, "delete", *db, args, [&](Sync::LocalChanges &changes) {
        return changes.remove(args.messageIds, mode);
    });
}

} // namespace

TIDINGS_CLI_COMMAND("delete",
                    "delete ACCOUNT FOLDER UID[,UID...] [--expunge] [--password-stdin] [--ca-file PEM]",
                    "delete messages (to Trash, or expunge)", &deleteCommand);
