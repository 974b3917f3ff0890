// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// SMTP sending through the Outbox: N messages (default 1,000) stored in a fresh file-backed
// outbox, then sent in one round over SMTPS to the private harness's submission server (each
// item: markSending, the SMTP transaction, markSent, all Full-durability commits; Sent copy left
// to the server, as for Gmail). The floor, in the same run, is a bare client sending the same
// messages on one connection: MAIL+RCPT pipelined, DATA, the dot-stuffed bytes, the reply.
#include "bench/benchmark.h"
#include "bench/mailharness.h"
#include "core/smtp/data.h"
#include "core/store/accountstore.h"
#include "core/store/database.h"
#include "core/sync/outbox.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTemporaryDir>

namespace {

using namespace Tidings;

QByteArray message(int i, const QString &from, const QString &to)
{
    QByteArray m = "From: <" + from.toUtf8() + ">\r\nTo: <" + to.toUtf8() + ">\r\nSubject: bench message " +
                   QByteArray::number(i) + "\r\nMessage-ID: <bench-" + QByteArray::number(i) +
                   "@tidings.test>\r\nDate: Thu, 01 Jan 2026 10:00:00 +0000\r\n\r\n";
    for (int line = 0; line < 40; ++line)
        m += "Line " + QByteArray::number(line) + " of message " + QByteArray::number(i) +
             ": the quick brown fox jumps over the lazy dog.\r\n";
    return m;
}

std::optional<double> bareClient(const Bench::MailHarness &h, const QList<QByteArray> &messages)
{
    QSslSocket socket;
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setCaCertificates(h.ca());
    socket.setSslConfiguration(config);
    QElapsedTimer timer;
    timer.start();
    socket.connectToHostEncrypted(h.value(QStringLiteral("HOST")), h.port(QStringLiteral("SMTPS_PORT")),
                                  QStringLiteral("localhost"));
    if (!socket.waitForEncrypted(10000))
        return std::nullopt;
    auto reply = [&]() -> int {
        for (;;) {
            while (!socket.canReadLine()) {
                if (!socket.waitForReadyRead(30000))
                    return 0;
            }
            const QByteArray l = socket.readLine();
            if (l.size() >= 4 && l.at(3) == ' ')
                return l.left(3).toInt();
        }
    };
    const QByteArray from = h.value(QStringLiteral("USER_1")).toUtf8();
    const QByteArray to = h.value(QStringLiteral("USER_2")).toUtf8();
    if (reply() != 220)
        return std::nullopt;
    socket.write("EHLO localhost\r\n");
    reply();
    socket.write("AUTH PLAIN " +
                 QByteArray('\0' + from + '\0' + h.value(QStringLiteral("PASSWORD_1")).toUtf8()).toBase64() +
                 "\r\n");
    if (reply() != 235)
        return std::nullopt;
    for (const QByteArray &m : messages) {
        socket.write("MAIL FROM:<" + from + ">\r\nRCPT TO:<" + to + ">\r\n");
        if (reply() != 250 || reply() != 250)
            return std::nullopt;
        socket.write("DATA\r\n");
        if (reply() != 354)
            return std::nullopt;
        socket.write(Smtp::encodeData(m));
        if (reply() != 250)
            return std::nullopt;
    }
    socket.write("QUIT\r\n");
    reply();
    return double(timer.nsecsElapsed()) / 1e9;
}

int runSmtp(Bench::Context &c)
{
    int count = 1000;
    QString envFile;
    if (!Bench::MailHarness::countAndEnv(c.args, count, envFile, c.out,
                                         "tidings-bench smtp [COUNT] [--env DIR/env]"))
        return 2;
    Bench::MailHarness harness;
    if (!harness.open(envFile, c.out))
        return 1;
    const QString from = harness.value(QStringLiteral("USER_1"));
    const QString to = harness.value(QStringLiteral("USER_2"));
    QList<QByteArray> messages;
    for (int i = 0; i < count; ++i)
        messages << message(i, from, to);

    const std::optional<double> floor = bareClient(harness, messages);
    if (!floor) {
        c.out << "the bare client failed" << Qt::endl;
        return 1;
    }

    QTemporaryDir profile;
    auto db = Store::Database::open(profile.path());
    if (!db) {
        c.out << db.error().toString() << Qt::endl;
        return 1;
    }
    Store::Account account;
    account.name = QStringLiteral("bench");
    account.email = from;
    const qint64 accountId = Store::AccountStore(*db.value()).add(account).value();
    Sync::OutboxAccount a;
    a.accountId = accountId;
    a.smtp.host = harness.value(QStringLiteral("HOST"));
    a.smtp.port = harness.port(QStringLiteral("SMTPS_PORT"));
    a.smtp.tls.useSystemCaCertificates = false;
    a.smtp.tls.extraCaCertificates = harness.ca();
    a.smtp.username = from;
    a.smtp.password = harness.value(QStringLiteral("PASSWORD_1"));
    a.sentCopy = Sync::SentCopyMode::ServerFiles;

    QElapsedTimer timer;
    timer.start();
    for (const QByteArray &m : std::as_const(messages)) {
        if (!Sync::Outbox::enqueue(*db.value(), accountId, m, from, {to})) {
            c.out << "enqueue failed" << Qt::endl;
            return 1;
        }
    }
    const double enqueueSeconds = double(timer.nsecsElapsed()) / 1e9;
    Sync::Outbox outbox(*db.value(), a);
    int sent = 0;
    QEventLoop loop;
    QObject::connect(&outbox, &Sync::Outbox::itemFinished, &loop, [&](const Sync::OutboxReport &r) {
        sent += r.state == Store::OutboxItem::State::Sent ? 1 : 0;
    });
    QObject::connect(&outbox, &Sync::Outbox::roundFinished, &loop, [&] { loop.quit(); });
    outbox.process();
    if (outbox.isBusy())
        loop.exec();
    const double seconds = double(timer.nsecsElapsed()) / 1e9;
    c.out << QStringLiteral("smtp floor (bare client, one connection): %1 messages in %2 s, %3 msg/s")
                 .arg(count)
                 .arg(*floor, 0, 'f', 2)
                 .arg(count / *floor, 0, 'f', 0)
          << Qt::endl;
    c.out << QStringLiteral("smtp outbox (stored first, %1 s of it enqueueing): %2 sent in %3 s, %4 msg/s")
                 .arg(enqueueSeconds, 0, 'f', 2)
                 .arg(sent)
                 .arg(seconds, 0, 'f', 2)
                 .arg(sent / seconds, 0, 'f', 0)
          << Qt::endl;
    c.out << QStringLiteral("smtp ratio outbox/floor: %1x").arg(seconds / *floor, 0, 'f', 2) << Qt::endl;
    return sent == count ? 0 : 1;
}

} // namespace

TIDINGS_BENCHMARK("smtp",
                  "send N messages (default 1000) through the Outbox over SMTPS, beside a bare client",
                  runSmtp);
