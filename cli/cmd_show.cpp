// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// tidings-cli show ACCOUNT FOLDER UID [--json] [--password-stdin] [--ca-file PEM]: one message;
// its text is fetched on demand (BODY.PEEK) and kept in the profile.
#include "cli/cmd_sync_common.h"
#include "core/mime/parser.h"

#include <QEventLoop>
#include <QJsonDocument>

namespace {

using namespace Tidings;
using namespace Tidings::Cli;

int showCommand(Context &c)
{
    QStringList args = c.args;
    bool missing = false;
    const bool json = Mail::takeFlag(args, QStringLiteral("--json"));
    const bool passwordStdin = Mail::takeFlag(args, QStringLiteral("--password-stdin"));
    const auto caFile = Mail::takeOption(args, QStringLiteral("--ca-file"), &missing);
    bool uidOk = false;
    const quint32 uid = args.size() == 3 ? args.at(2).toUInt(&uidOk) : 0;
    if (missing || args.size() != 3 || !uidOk || uid == 0) {
        c.err << "usage: tidings-cli show ACCOUNT FOLDER UID [--json] [--password-stdin] [--ca-file PEM]"
              << Qt::endl;
        return 2;
    }
    auto db = Mail::openProfile(c, "show");
    if (!db)
        return 1;
    auto account = Mail::account(c, "show", *db, args.at(0));
    if (!account)
        return 1;
    auto folder = Mail::folder(c, "show", *db, *account, args.at(1));
    if (!folder)
        return 1;
    auto found = Store::MessageStore(*db).findByUid(folder->id, folder->uidValidity, uid);
    if (!found)
        return Mail::fail(c, "show", found.error().toString());
    if (!found.value())
        return Mail::fail(c, "show",
                          QStringLiteral("%1 has no message with UID %2").arg(folder->displayName).arg(uid));
    const Store::StoredMessage message = *found.value();

    std::optional<QString> password;
    if (passwordStdin)
        password = Mail::readPasswordLine();
    QList<QSslCertificate> extraCa;
    if (caFile)
        extraCa = QSslCertificate::fromPath(*caFile, QSsl::Pem);
    auto engine = Mail::engine(*db, password, extraCa);
    QEventLoop loop;
    std::variant<QByteArray, Error> raw = Error();
    engine->fetchBody(message.id, QString(), [&](const std::variant<QByteArray, Error> &result) {
        raw = result;
        loop.quit();
    });
    loop.exec();
    if (auto *e = std::get_if<Error>(&raw))
        return Mail::fail(c, "show",
                          QStringLiteral("the message could not be fetched: %1").arg(e->toString()));
    const Mime::Message parsed = Mime::Parser::parse(std::get<QByteArray>(raw));
    const QString text = parsed.bestText();

    if (json) {
        QJsonObject o = Mail::messageJson(message);
        o.insert(QStringLiteral("text"), text);
        c.out << QJsonDocument(o).toJson(QJsonDocument::Compact) << "\n";
        return 0;
    }
    c.out << "From: " << message.header.from << "\n"
          << "To: " << message.header.to << "\n";
    if (!message.header.cc.isEmpty())
        c.out << "Cc: " << message.header.cc << "\n";
    c.out << "Date: " << message.sortDate.toUTC().toString(Qt::ISODate) << "\n"
          << "Subject: " << message.header.subject << "\n\n"
          << text << "\n";
    return 0;
}

} // namespace

TIDINGS_CLI_COMMAND("show", "show ACCOUNT FOLDER UID [--json] [--password-stdin] [--ca-file PEM]",
                    "show one message; its text is fetched on demand and kept", &showCommand);
