// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// tidings-cli send: composes a message, stores it in the Outbox, sends it, and prints what every
// recipient's server answered. A message that could not be sent stays in the Outbox (see outbox).
#include "cli/command.h"
#include "cli/mailaccountcli.h"
#include "core/mime/messagebuilder.h"
#include "core/mime/parser.h"
#include "core/smtp/reply.h"
#include "core/store/outboxstore.h"
#include "core/sync/outbox.h"
#include "core/sync/transportconfig.h"

#include <QEventLoop>
#include <QFile>
#include <QFileInfo>

namespace {

using namespace Tidings;

constexpr qint64 kMaxInputSize = 256LL * 1024 * 1024;

bool readFile(const QString &path, QByteArray *out, QTextStream &err)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        err << "tidings-cli send: cannot read " << path << ": " << file.errorString() << Qt::endl;
        return false;
    }
    if (file.size() > kMaxInputSize) {
        err << "tidings-cli send: " << path << " is larger than 256 MB" << Qt::endl;
        return false;
    }
    *out = file.readAll();
    return true;
}

QList<Mime::Address> addresses(const QStringList &values)
{
    QList<Mime::Address> list;
    for (const QString &v : values)
        list += Mime::Parser::parseAddresses(v.toUtf8());
    return list;
}

int sendCommand(Cli::Context &c)
{
    QString accountName;
    QStringList to;
    QStringList cc;
    QStringList bcc;
    QString subject;
    QString bodyFile;
    QStringList attachments;
    const QStringList &args = c.args;
    bool passwordStdin = false;
    for (qsizetype i = 0; i < args.size(); ++i) {
        const QString &option = args.at(i);
        if (option == u"--password-stdin") {
            passwordStdin = true;
            continue;
        }
        if (i + 1 >= args.size()) {
            c.err << "tidings-cli send: " << option << " needs a value" << Qt::endl;
            return 2;
        }
        const QString value = args.at(++i);
        if (option == u"--account")
            accountName = value;
        else if (option == u"--to")
            to << value;
        else if (option == u"--cc")
            cc << value;
        else if (option == u"--bcc")
            bcc << value;
        else if (option == u"--subject")
            subject = value;
        else if (option == u"--body-file")
            bodyFile = value;
        else if (option == u"--attach")
            attachments << value;
        else {
            c.err << "tidings-cli send: unknown option " << option << Qt::endl;
            return 2;
        }
    }
    if (accountName.isEmpty() || to.isEmpty()) {
        c.err << "usage: tidings-cli send --account NAME --to ADDR [--cc ADDR] [--bcc ADDR] [--subject S] "
                 "[--body-file F] [--attach F]..."
              << Qt::endl;
        return 2;
    }

    if (passwordStdin && !Cli::readStdinPassword()) {
        c.err << "tidings-cli send: --password-stdin: no password on stdin" << Qt::endl;
        return 2;
    }
    auto db = Cli::openStore(c.profileDir, "send", c.err);
    if (!db)
        return 1;
    auto account = Cli::findAccount(*db, accountName, "send", c.err);
    if (!account)
        return 1;

    Mime::MessageBuilder builder;
    builder.setFrom({account->settings.displayName, account->settings.email});
    const QList<Mime::Address> toList = addresses(to);
    const QList<Mime::Address> ccList = addresses(cc);
    const QList<Mime::Address> bccList = addresses(bcc);
    builder.setTo(toList);
    builder.setCc(ccList);
    builder.setSubject(subject);
    if (!bodyFile.isEmpty()) {
        QByteArray body;
        if (!readFile(bodyFile, &body, c.err))
            return 1;
        builder.setPlainText(QString::fromUtf8(body));
    }
    for (const QString &path : std::as_const(attachments)) {
        QByteArray data;
        if (!readFile(path, &data, c.err))
            return 1;
        builder.addAttachment({QFileInfo(path).fileName(), {}, data});
    }
    QStringList recipients;
    for (const QList<Mime::Address> *list : {&toList, &ccList, &bccList}) {
        for (const Mime::Address &a : *list) {
            if (!a.address.isEmpty() && !recipients.contains(a.address, Qt::CaseInsensitive))
                recipients << a.address;
        }
    }
    if (recipients.isEmpty()) {
        c.err << "tidings-cli send: no recipient address in --to/--cc/--bcc" << Qt::endl;
        return 2;
    }
    // Bcc recipients are in the envelope only (RFC 5322 §3.6.3): not in these bytes, not in Sent.
    auto id = Sync::Outbox::enqueue(*db, account->stored.id, builder.build(Mime::MessageBuilder::Bcc::Omit),
                                    account->settings.email, recipients);
    if (!id) {
        c.err << "tidings-cli send: could not store the message: " << id.error().toString() << Qt::endl;
        return 1;
    }
    c.out << "stored in the outbox as #" << *id << Qt::endl;

    auto outgoing = Cli::readSecret(*account, Account::outgoingSecretPurpose, "send", c.err);
    if (!outgoing)
        return 1;
    QString incoming;
    if (account->settings.incomingProtocol == Account::IncomingProtocol::Imap &&
        !account->settings.quirks.serverSavesSent) {
        auto secret = Cli::readSecret(*account, Account::incomingSecretPurpose, "send", c.err);
        if (!secret)
            return 1;
        incoming = *secret;
    }
    (void)Store::OutboxStore(*db).recoverInterrupted();
    Sync::Outbox outbox(*db, Sync::TransportConfig::outbox(*db, account->stored.id, account->stored.settings,
                                                           account->settings, incoming, *outgoing));
    std::optional<Sync::OutboxReport> ours;
    Error roundError;
    QEventLoop loop;
    QObject::connect(&outbox, &Sync::Outbox::itemFinished, &loop, [&](const Sync::OutboxReport &r) {
        if (r.itemId == *id)
            ours = r;
    });
    QObject::connect(&outbox, &Sync::Outbox::roundFinished, &loop, [&](const Error &e) {
        roundError = e;
        loop.quit();
    });
    outbox.process();
    if (outbox.isBusy())
        loop.exec();

    if (!ours) {
        c.err << "tidings-cli send: the message was not sent in this round"
              << (roundError ? QStringLiteral(": ") + roundError.toString() : QString()) << Qt::endl;
        return 1;
    }
    for (const Smtp::RecipientResult &r : ours->smtp.recipients) {
        c.out << r.address << ": " << (r.accepted() ? "accepted" : "refused") << " (" << r.reply.text() << ")"
              << Qt::endl;
    }
    switch (ours->state) {
    case Store::OutboxItem::State::Sent:
        c.out << "sent";
        if (ours->sentCopyDone)
            c.out << "; copy in Sent";
        else if (ours->sentCopyError)
            c.out << "; the copy in Sent failed and will be retried: " << ours->sentCopyError.toString();
        c.out << Qt::endl;
        return 0;
    case Store::OutboxItem::State::Uncertain:
        c.err
            << "tidings-cli send: delivery uncertain: the connection ended after the message and before the "
               "server's answer; it stays in the outbox and is not sent again on its own ("
            << ours->smtp.error.toString() << ")" << Qt::endl;
        return 1;
    default:
        c.err << "tidings-cli send: not sent: " << ours->smtp.error.toString();
        if (ours->nextAttemptAt.isValid())
            c.err << "; retried at " << ours->nextAttemptAt.toString(Qt::ISODate);
        else
            c.err << "; it stays in the outbox";
        c.err << Qt::endl;
        return 1;
    }
}

} // namespace

TIDINGS_CLI_COMMAND("send",
                    "send --account NAME --to ADDR [--cc ADDR] [--bcc ADDR] [--subject S] [--body-file F] "
                    "[--attach F]... [--password-stdin]",
                    "send a message through the account's outbox and print each recipient's answer",
                    &sendCommand);
