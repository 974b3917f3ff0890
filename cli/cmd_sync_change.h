// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

// The common part of flag, move and delete: find the messages by UID, apply the change locally
// (LocalChanges: store first, queued), then try to send the queue to the server once.

#include "cli/cmd_sync_common.h"

#include <QEventLoop>

#include <functional>

namespace Tidings::Cli::Mail {

struct ChangeArgs {
    Store::Account account;
    Store::Folder folder;
    QList<qint64> messageIds;
    std::optional<QString> password;
    QList<QSslCertificate> extraCa;
};

/// Parses "ACCOUNT FOLDER UID[,UID...] [extra...] [--password-stdin] [--ca-file PEM]" and
/// leaves the extra positional arguments in @p rest. Returns an exit code on failure.
inline std::optional<int> parseChange(Context &c, const char *command, Store::Database &db, QStringList args,
                                      int extra, ChangeArgs *out, QStringList *rest)
{
    bool missing = false;
    const bool passwordStdin = takeFlag(args, QStringLiteral("--password-stdin"));
    const auto caFile = takeOption(args, QStringLiteral("--ca-file"), &missing);
    if (missing || args.size() < 3 + extra) {
        c.err << "tidings-cli " << command << ": missing arguments (see tidings-cli --help)" << Qt::endl;
        return 2;
    }
    auto a = account(c, command, db, args.at(0));
    if (!a)
        return 1;
    auto f = folder(c, command, db, *a, args.at(1));
    if (!f)
        return 1;
    out->account = *a;
    out->folder = *f;
    for (const QString &part : args.at(2).split(u',', Qt::SkipEmptyParts)) {
        bool ok = false;
        const quint32 uid = part.toUInt(&ok);
        if (!ok || uid == 0) {
            c.err << "tidings-cli " << command << ": \"" << part << "\" is not a UID" << Qt::endl;
            return 2;
        }
        auto m = Store::MessageStore(db).findByUid(f->id, f->uidValidity, uid);
        if (!m)
            return fail(c, command, m.error().toString());
        if (!m.value())
            return fail(c, command,
                        QStringLiteral("%1 has no message with UID %2").arg(f->displayName).arg(uid));
        out->messageIds << m.value()->id;
    }
    *rest = args.mid(3);
    if (passwordStdin)
        out->password = readPasswordLine();
    if (caFile)
        out->extraCa = QSslCertificate::fromPath(*caFile, QSsl::Pem);
    return std::nullopt;
}

/// Applies @p change through a SyncEngine and sends the queue once. The local change stands
/// even when the server cannot be reached: it is sent by the next sync.
inline int applyChange(Context &c, const char *command, Store::Database &db, const ChangeArgs &args,
                       const std::function<Error(Sync::LocalChanges &)> &change)
{
    auto engine = Mail::engine(db, args.password, args.extraCa);
    if (Error e = change(engine->changes()))
        return fail(c, command, e.toString());
    auto sync = engine->imapSync(args.account.id);
    if (auto *e = std::get_if<Error>(&sync)) {
        c.out << "Changed locally; it will be sent to the server by the next sync (" << e->detail << ")."
              << Qt::endl;
        return 0;
    }
    QEventLoop loop;
    Error result;
    QStringList dropped;
    QObject::connect(std::get<Sync::ImapSync *>(sync), &Sync::ImapSync::operationDropped, &loop,
                     [&](qint64, const QString &reason) { dropped << reason; });
    QObject::connect(std::get<Sync::ImapSync *>(sync), &Sync::ImapSync::finished, &loop, [&](const Error &e) {
        result = e;
        loop.quit();
    });
    std::get<Sync::ImapSync *>(sync)->replayPending();
    loop.exec();
    for (const QString &d : std::as_const(dropped))
        c.err << d << Qt::endl;
    if (result) {
        c.out << "Changed locally; the server could not be reached (" << result.toString()
              << "), so the change is queued for the next sync." << Qt::endl;
        return 0;
    }
    return dropped.isEmpty() ? 0 : 1;
}

} // namespace Tidings::Cli::Mail
