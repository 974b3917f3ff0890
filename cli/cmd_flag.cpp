// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// tidings-cli flag ACCOUNT FOLDER UIDS (+|-)FLAG...: sets or clears flags (seen, flagged,
// answered, draft, deleted, forwarded, junk, or any keyword), local first, then on the server.
#include "cli/cmd_sync_change.h"

namespace {

using namespace Tidings;
using namespace Tidings::Cli;

std::optional<Store::MessageFlag> flagNamed(QString name)
{
    name = name.toLower();
    if (name.startsWith(u'\\') || name.startsWith(u'$'))
        name = name.mid(1);
    if (name == u"seen" || name == u"read")
        return Store::MessageFlag::Seen;
    if (name == u"flagged" || name == u"starred")
        return Store::MessageFlag::Flagged;
    if (name == u"answered")
        return Store::MessageFlag::Answered;
    if (name == u"draft")
        return Store::MessageFlag::Draft;
    if (name == u"deleted")
        return Store::MessageFlag::Deleted;
    if (name == u"forwarded")
        return Store::MessageFlag::Forwarded;
    if (name == u"junk")
        return Store::MessageFlag::Junk;
    return std::nullopt;
}

int flagCommand(Context &c)
{
    auto db = Mail::openProfile(c, "flag");
    if (!db)
        return 1;
    Mail::ChangeArgs args;
    QStringList rest;
    if (auto code = Mail::parseChange(c, "flag", *db, c.args, 1, &args, &rest))
        return *code;
    Store::MessageFlags add;
    Store::MessageFlags remove;
    for (const QString &spec : std::as_const(rest)) {
        if (spec.size() < 2 || (spec[0] != u'+' && spec[0] != u'-')) {
            c.err << "tidings-cli flag: write +FLAG or -FLAG, e.g. +seen -flagged" << Qt::endl;
            return 2;
        }
        const auto flag = flagNamed(spec.mid(1));
        if (!flag)
            return Mail::fail(c, "flag",
                              QStringLiteral("unknown flag \"%1\" (seen, flagged, answered, draft, deleted, "
                                             "forwarded, junk)")
                                  .arg(spec.mid(1)));
        (spec[0] == u'+' ? add : remove) |= *flag;
    }
    return Mail::applyChange(c, "flag", *db, args, [&](Sync::LocalChanges &changes) {
        return changes.setFlags(args.messageIds, add, remove);
    });
}

} // namespace

TIDINGS_CLI_COMMAND("flag",
                    "flag ACCOUNT FOLDER UID[,UID...] (+|-)FLAG... [--password-stdin] [--ca-file PEM]",
                    "set or clear flags (seen, flagged, ...) on messages", &flagCommand);
