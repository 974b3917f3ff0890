// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// POP3 download into the store: N generated messages (default 10,000) in a private harness
// Dovecot, downloaded over POP3S by Sync::Pop3Poller into a fresh file-backed profile (raw bytes,
// UIDL and a header-only list row per message, Full-durability commits in groups, leave on
// server). The floor, in the same run, is a bare client on the same server: log in, pipeline
// every RETR (64 in flight, as the session does), find each reply's end and discard the bytes.
// The ratio is poller / floor, ending when the poll finished: every message and its list row
// committed (checked by counting the Inbox's rows at that moment). The indexing that follows
// (full MIME parse: preview, attachment flag, body text; then the search index of what the
// download deferred: subject, addresses, body) is timed separately and must reach every message.
#include "bench/benchmark.h"
#include "bench/mailharness.h"
#include "core/store/accountstore.h"
#include "core/store/database.h"
#include "core/store/folderstore.h"
#include "core/store/messagestore.h"
#include "core/store/pop3store.h"
#include "core/sync/pop3poller.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTemporaryDir>

#include <algorithm>

namespace {

using namespace Tidings;

struct Floor {
    double seconds = 0;
    qint64 bytes = 0;
    int messages = 0;
};

/// The bare client: no parsing beyond finding "\r\n.\r\n" (every reply ends there, and dot-stuffing
/// guarantees it appears nowhere else).
std::optional<Floor> bareClient(const Bench::MailHarness &h, int count)
{
    QSslSocket socket;
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setCaCertificates(h.ca());
    socket.setSslConfiguration(config);
    QElapsedTimer timer;
    timer.start();
    socket.connectToHostEncrypted(h.value(QStringLiteral("HOST")), h.port(QStringLiteral("POP3S_PORT")),
                                  QStringLiteral("localhost"));
    if (!socket.waitForEncrypted(10000))
        return std::nullopt;
    auto line = [&]() -> QByteArray {
        while (!socket.canReadLine()) {
            if (!socket.waitForReadyRead(10000))
                return {};
        }
        return socket.readLine();
    };
    line();
    socket.write("USER " + h.value(QStringLiteral("USER_1")).toUtf8() + "\r\n");
    line();
    socket.write("PASS " + h.value(QStringLiteral("PASSWORD_1")).toUtf8() + "\r\n");
    if (!line().startsWith("+OK"))
        return std::nullopt;

    Floor f;
    int sent = 0;
    QByteArray tail; // the last bytes of the previous read, for a terminator split across reads
    while (f.messages < count) {
        while (sent < count && sent - f.messages < 64) {
            ++sent;
            socket.write("RETR " + QByteArray::number(sent) + "\r\n");
        }
        if (socket.bytesAvailable() == 0 && !socket.waitForReadyRead(30000))
            return std::nullopt;
        const QByteArray chunk = socket.readAll();
        f.bytes += chunk.size();
        QByteArray scan = tail + chunk;
        qsizetype from = 0;
        for (;;) {
            const qsizetype at = scan.indexOf("\r\n.\r\n", from);
            if (at < 0)
                break;
            ++f.messages;
            from = at + 5;
        }
        tail = scan.right(4);
        if (from > scan.size() - 4)
            tail = scan.mid(from); // never count a terminator twice
    }
    socket.write("QUIT\r\n");
    socket.waitForBytesWritten(5000);
    f.seconds = double(timer.nsecsElapsed()) / 1e9;
    return f;
}

int runPop3(Bench::Context &c)
{
    int count = 10000;
    QString envFile;
    if (!Bench::MailHarness::countAndEnv(c.args, count, envFile, c.out,
                                         "tidings-bench pop3 [COUNT] [--env DIR/env]"))
        return 2;
    Bench::MailHarness harness;
    if (!harness.open(envFile, c.out))
        return 1;
    const QString user = harness.value(QStringLiteral("USER_1"));
    if (envFile.isEmpty()) {
        c.out << "filling " << count << " messages..." << Qt::endl;
        QByteArray output;
        if (Bench::MailHarness::run({QStringLiteral("fill"), harness.dir(), user, QStringLiteral("--count"),
                                     QString::number(count)},
                                    &output) != 0) {
            c.out << "fill failed: " << output << Qt::endl;
            return 1;
        }
    }

    const std::optional<Floor> floor = bareClient(harness, count);
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
    account.email = user;
    account.protocol = Store::Account::Protocol::Pop3;
    const qint64 accountId = Store::AccountStore(*db.value()).add(account).value();
    Pop3::Settings s;
    s.host = harness.value(QStringLiteral("HOST"));
    s.port = harness.port(QStringLiteral("POP3S_PORT"));
    s.tls.useSystemCaCertificates = false;
    s.tls.extraCaCertificates = harness.ca();
    s.username = user;
    s.password = harness.value(QStringLiteral("PASSWORD_1"));
    Sync::Pop3Poller poller(*db.value(), accountId, s, {});
    Sync::Pop3PollResult result;
    QEventLoop loop;
    QElapsedTimer timer;
    double seconds = 0;
    int listedAtFinish = -1;
    qint64 unsearchableAtFinish = -1;
    QObject::connect(&poller, &Sync::Pop3Poller::finished, &loop, [&](const Sync::Pop3PollResult &r) {
        seconds = double(timer.nsecsElapsed()) / 1e9;
        result = r;
        // The end point of the ratio: what the list shows now, from committed rows.
        auto inbox = Sync::Pop3Poller::inboxFolder(*db.value(), accountId);
        if (auto *id = std::get_if<qint64>(&inbox)) {
            auto folder = Store::FolderStore(*db.value()).get(*id);
            if (folder)
                listedAtFinish = folder->totalCount;
        }
        // A download this large defers the search index to the indexing after it (schema 5).
        if (auto pending = Store::MessageStore(*db.value()).pendingSearchCount())
            unsearchableAtFinish = *pending;
        if (!r.ok())
            loop.quit();
    });
    double indexedSeconds = 0;
    int indexedCount = 0;
    Error indexError;
    QObject::connect(&poller, &Sync::Pop3Poller::indexingFinished, &loop, [&](int n, const Error &e) {
        indexedSeconds = double(timer.nsecsElapsed()) / 1e9;
        indexedCount = n;
        indexError = e;
        loop.quit();
    });
    timer.start();
    Bench::resetPeakRss();
    poller.pollOnce();
    loop.exec();
    if (!result.ok()) {
        c.out << "poll failed: " << result.error.toString() << Qt::endl;
        return 1;
    }
    if (indexError) {
        c.out << "indexing failed: " << indexError.toString() << Qt::endl;
        return 1;
    }
    auto unindexed = Store::Pop3Store(*db.value()).unindexedMessages(accountId, 0, 1);
    auto unsearchable = Store::MessageStore(*db.value()).pendingSearchCount();
    // After indexing, a word of a message's body preview finds it through full-text search.
    bool searchable = false;
    if (auto inbox = Sync::Pop3Poller::inboxFolder(*db.value(), accountId);
        std::holds_alternative<qint64>(inbox)) {
        Store::MessageStore messages(*db.value());
        auto first = messages.folderPageAt(std::get<qint64>(inbox), 1, 0);
        if (first && !first->isEmpty()) {
            for (const QString &word : first->first().header.preview.split(u' ', Qt::SkipEmptyParts)) {
                if (word.size() < 4 ||
                    !std::all_of(word.begin(), word.end(), [](QChar ch) { return ch.isLetter(); }))
                    continue;
                auto found = messages.search(word, 1000, accountId);
                searchable = found && !found->isEmpty();
                break;
            }
        }
    }
    c.out << QStringLiteral(
                 "pop3 floor (bare pipelined RETR, bytes discarded): %1 messages, %2 in %3 s, %4 msg/s")
                 .arg(floor->messages)
                 .arg(Bench::megabytes(floor->bytes))
                 .arg(floor->seconds, 0, 'f', 2)
                 .arg(double(floor->messages) / floor->seconds, 0, 'f', 0)
          << Qt::endl;
    c.out << QStringLiteral(
                 "pop3 poller into the store (stored durably + listed): %1 messages in %2 s, %3 msg/s, "
                 "%4 list rows committed at that moment (%5 of them waiting for the search index)")
                 .arg(result.downloaded)
                 .arg(seconds, 0, 'f', 2)
                 .arg(double(result.downloaded) / seconds, 0, 'f', 0)
                 .arg(listedAtFinish)
                 .arg(unsearchableAtFinish)
          << Qt::endl;
    c.out << QStringLiteral("pop3 ratio poller/floor: %1x (target <= 1.3x)")
                 .arg(seconds / floor->seconds, 0, 'f', 2)
          << Qt::endl;
    c.out << QStringLiteral(
                 "pop3 indexing after the download (full MIME parse, preview, search index of subject, "
                 "addresses and body): %1 messages in %2 s more (%3 msg/s); everything indexed %4 s after "
                 "the start; peak RSS %5")
                 .arg(indexedCount)
                 .arg(indexedSeconds - seconds, 0, 'f', 2)
                 .arg(double(indexedCount) / std::max(indexedSeconds - seconds, 1e-9), 0, 'f', 0)
                 .arg(indexedSeconds, 0, 'f', 2)
                 .arg(Bench::megabytes(Bench::peakRssBytes()))
          << Qt::endl;
    const bool complete = result.downloaded == count && listedAtFinish == count && indexedCount == count &&
                          unindexed && unindexed->isEmpty() && unsearchable && *unsearchable == 0 &&
                          searchable;
    if (!complete)
        c.out << "pop3: INCOMPLETE (listed " << listedAtFinish << ", indexed " << indexedCount << ", "
              << (unsearchable ? *unsearchable : -1) << " still waiting for the search index"
              << (searchable ? "" : ", body search found nothing") << ")" << Qt::endl;
    return complete ? 0 : 1;
}

} // namespace

TIDINGS_BENCHMARK(
    "pop3", "download N messages (default 10000) over POP3S into the store, beside a bare pipelined client",
    runPop3);
