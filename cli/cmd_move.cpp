// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// tidings-cli move ACCOUNT FOLDER UIDS TARGET: moves messages, local first, then UID MOVE.
#include "cli/cmd_sync_change.h"

namespace {

using namespace Tidings;
using namespace Tidings::Cli;

int moveCommand(Context &c)
{
    auto db = Mail::openProfile(c, "move");
    if (!db)
        return 1;
    Mail::ChangeArgs args;
    QStringList rest;
    if (auto code = Mail::parseChange(c, "move", *db, c.args, 1, &args, &rest))
        return *code;
    if (rest.size() != 1) {
        c.err << "usage: tidings-cli move ACCOUNT FOLDER UID[,UID...] TARGET" << Qt::endl;
        return 2;
    }
    auto target = Mail::folder(c, "move", *db, args.account, rest.first());
    if (!target)
        return 1;
    return Mail::applyChange(c, "move", *db, args, [&](Sync::LocalChanges &changes) {
        return changes.move(args.messageIds, target->id);
    });
}

} // namespace

TIDINGS_CLI_COMMAND("move", "move ACCOUNT FOLDER UID[,UID...] TARGET [--password-stdin] [--ca-file PEM]",
                    "move messages to another folder", &moveCommand);
