// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// tidings-cli pop3-poll: one poll of a POP3 account into its local Inbox (what `sync` runs for
// POP3 accounts).
#include "cli/cmd_pop3poll.h"

#include "cli/command.h"

#include <QEventLoop>
#include <QJsonDocument>
#include <QJsonObject>

namespace {

using namespace Tidings;

int pop3PollCommand(Cli::Context &c)
{
    QString accountName;
    bool json = false;
    for (qsizetype i = 0; i < c.args.size(); ++i) {
        if (c.args.at(i) == u"--account" && i + 1 < c.args.size()) {
            accountName = c.args.at(++i);
        } else if (c.args.at(i) == u"--json") {
            json = true;
        } else if (c.args.at(i) == u"--password-stdin") {
            if (!Cli::readStdinPassword()) {
                c.err << "tidings-cli pop3-poll: --password-stdin: no password on stdin" << Qt::endl;
                return 2;
            }
        } else {
            c.err << "usage: tidings-cli pop3-poll --account NAME [--json] [--password-stdin]" << Qt::endl;
            return 2;
        }
    }
    if (accountName.isEmpty()) {
        c.err << "usage: tidings-cli pop3-poll --account NAME [--json] [--password-stdin]" << Qt::endl;
        return 2;
    }
    auto db = Cli::openStore(c.profileDir, "pop3-poll", c.err);
    if (!db)
        return 1;
    auto account = Cli::findAccount(*db, accountName, "pop3-poll", c.err);
    if (!account)
        return 1;
    if (account->settings.incomingProtocol != Account::IncomingProtocol::Pop3) {
        c.err << "tidings-cli pop3-poll: account \"" << accountName << "\" uses IMAP, not POP3" << Qt::endl;
        return 1;
    }
    auto password = Cli::readSecret(*account, Account::incomingSecretPurpose, "pop3-poll", c.err);
    if (!password)
        return 1;
    const std::unique_ptr<Sync::Pop3Poller> poller = Cli::pop3Poller(*db, *account, *password);
    Sync::Pop3PollResult result;
    QEventLoop loop;
    Error indexError;
    QObject::connect(poller.get(), &Sync::Pop3Poller::finished, &loop,
                     [&](const Sync::Pop3PollResult &r) { result = r; });
    // Done when the downloaded messages are indexed too (the indexer follows finished()).
    QObject::connect(poller.get(), &Sync::Pop3Poller::indexingFinished, &loop, [&](int, const Error &e) {
        indexError = e;
        loop.quit();
    });
    poller->pollOnce();
    loop.exec();
    if (indexError && !result.error)
        result.error = indexError;
    if (json)
        c.out << QString::fromUtf8(
            QJsonDocument(Cli::pop3ResultJson(accountName, result)).toJson(QJsonDocument::Indented));
    else
        c.out << Cli::pop3ResultLine(accountName, result) << Qt::endl;
    if (result.error) {
        c.err << "tidings-cli pop3-poll: " << result.error.toString() << Qt::endl;
        return 1;
    }
    return 0;
}

} // namespace

TIDINGS_CLI_COMMAND("pop3-poll", "pop3-poll --account NAME [--json] [--password-stdin]",
                    "download new mail of a POP3 account into its local Inbox", &pop3PollCommand);
