// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Test-only driver for the POP3 kill test: one Pop3Poller poll of one account into a profile,
// killed with SIGKILL at a chosen point when TIDINGS_TEST_KILL_AT=<point>[:<n>] is set.
//
//   pop3killdriver PROFILE HOST PORT CA_FILE USER PASSWORD yes|no   (leave on server)
//
// Points (n counts from 1):
//   listed      after UIDL, before the first RETR is answered
//   retr:n      inside the n-th RETR: its first bytes arrived, the reply is not complete
//   stored:n    right after the n-th message and its UIDL were committed, before its DELE
//   dele:n      after the server accepted the n-th DELE, before QUIT
//   quit        QUIT queued, its +OK not yet read
//   quitok      QUIT +OK read (the server applied the DELEs), before the store records it
// Exit: 0 poll completed, 1 poll failed, 2 usage, 3 the kill point was never reached.
#include "core/store/accountstore.h"
#include "core/store/database.h"
#include "core/sync/pop3poller.h"

#include <QCoreApplication>
#include <QSet>
#include <QSslCertificate>
#include <QTextStream>

#include <csignal>
#include <cstdio>

using namespace Tidings;

namespace {

[[noreturn]] void die()
{
    std::fflush(stdout);
    std::raise(SIGKILL);
    std::abort();
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    QTextStream out(stdout);
    if (args.size() != 8) {
        out << "usage: pop3killdriver PROFILE HOST PORT CA_FILE USER PASSWORD yes|no\n";
        return 2;
    }
    const QString killAt = qEnvironmentVariable("TIDINGS_TEST_KILL_AT");
    const QString point = killAt.section(u':', 0, 0);
    const int n = killAt.section(u':', 1, 1).toInt();

    auto db = Store::Database::open(args.at(1));
    if (!db) {
        out << "store: " << db.error().toString() << '\n';
        return 1;
    }
    Store::AccountStore accounts(*db.value());
    qint64 accountId = 0;
    auto list = accounts.list();
    if (list && !list->isEmpty()) {
        accountId = list->first().id;
    } else {
        Store::Account a;
        a.name = QStringLiteral("kill");
        a.email = args.at(5);
        a.protocol = Store::Account::Protocol::Pop3;
        auto added = accounts.add(a);
        if (!added) {
            out << "store: " << added.error().toString() << '\n';
            return 1;
        }
        accountId = *added;
    }

    Pop3::Settings s;
    s.host = args.at(2);
    s.port = quint16(args.at(3).toUInt());
    s.security = Security::ImplicitTls;
    s.tls.useSystemCaCertificates = false;
    s.tls.extraCaCertificates = QSslCertificate::fromPath(args.at(4), QSsl::Pem);
    s.username = args.at(5);
    s.password = args.at(6);
    Sync::Pop3PollOptions options;
    options.leaveOnServer = args.at(7) == u"yes";
    // The test's kill points name the boundaries of groups of 64.
    options.commitGroup = 64;

    Sync::Pop3Poller poller(*db.value(), accountId, s, options);
    int stored = 0;
    int deleted = 0;
    QSet<int> started;
    QObject::connect(&poller, &Sync::Pop3Poller::listed, [&](int, int) {
        if (point == u"listed")
            die();
    });
    QObject::connect(&poller, &Sync::Pop3Poller::retrieveProgress, [&](int message, qint64) {
        if (started.contains(message))
            return;
        started.insert(message);
        if (point == u"retr" && int(started.size()) == n)
            die();
    });
    QObject::connect(&poller, &Sync::Pop3Poller::messageStored, [&](const QString &) {
        if (point == u"stored" && ++stored == n)
            die();
    });
    QObject::connect(&poller, &Sync::Pop3Poller::deleAccepted, [&](int) {
        if (point == u"dele" && ++deleted == n)
            die();
    });
    QObject::connect(&poller, &Sync::Pop3Poller::quitSent, [&] {
        if (point == u"quit")
            die();
    });
    QObject::connect(&poller, &Sync::Pop3Poller::quitAccepted, [&] {
        if (point == u"quitok")
            die();
    });
    QObject::connect(poller.indexer(), &Sync::Pop3Indexer::progress, [&](int indexed) {
        if (point == u"indexed" && indexed >= n)
            die();
    });
    int code = 0;
    QObject::connect(&poller, &Sync::Pop3Poller::finished, [&](const Sync::Pop3PollResult &r) {
        out << "onServer " << r.onServer << " downloaded " << r.downloaded << " deleted "
            << r.deletedOnServer;
        if (r.error)
            out << " error " << r.error.toString();
        out << '\n';
        out.flush();
        code = r.error ? 1 : (point.isEmpty() ? 0 : 3);
        // A complete run also waits for the body indexing the poll starts (and a kill point
        // inside it); a failed one ends here.
        if (r.error || (point != u"indexed" && !point.isEmpty()))
            QCoreApplication::exit(code);
    });
    QObject::connect(&poller, &Sync::Pop3Poller::indexingFinished, [&](int indexed, const Error &e) {
        out << "indexed " << indexed;
        if (e)
            out << " error " << e.toString();
        out << '\n';
        out.flush();
        QCoreApplication::exit(e ? 1 : code);
    });
    poller.pollOnce();
    return app.exec();
}
