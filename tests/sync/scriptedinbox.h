// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

// Shared by the FolderSync tests against scripted servers: the login conversation, a FETCH
// response of one header, and a session to the scripted server with an in-memory store that
// holds one account and its INBOX.

#include "core/common/clock.h"
#include "core/imap/loginjob.h"
#include "core/imap/session.h"
#include "core/store/accountstore.h"
#include "core/store/database.h"
#include "core/store/folderstore.h"
#include "tests/support/scriptedserver.h"

#include <QSignalSpy>
#include <QTcpServer>

#include <memory>

namespace Tidings::Sync::TestHelpers {

/// The greeting and AUTHENTICATE PLAIN of alice / s3cret-Pa55; the server then announces
/// IMAP4rev1 and @p capabilities.
inline QString scriptedLogin(const QString &capabilities)
{
    return QStringLiteral("S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] ready\n"
                          "C: A001 AUTHENTICATE PLAIN AGFsaWNlAHMzY3JldC1QYTU1\n"
                          "S: A001 OK [CAPABILITY IMAP4rev1 %1] welcome\n")
        .arg(capabilities);
}

/// One message's answer to FolderSync's header UID FETCH; @p extra goes after BODYSTRUCTURE
/// (e.g. " MODSEQ (115)").
inline QString scriptedHeader(quint32 seq, quint32 uid, const QString &subject,
                              const QString &extra = QString())
{
    return QStringLiteral(
               "S: * %1 FETCH (UID %2 FLAGS () INTERNALDATE \"05-Mar-2026 09:07:03 +0100\" RFC822.SIZE 100 "
               "ENVELOPE (\"Thu, 05 Mar 2026 09:07:03 +0100\" \"%3\" ((\"Alice\" NIL \"alice\" \"x.org\")) "
               "NIL NIL ((NIL NIL \"bob\" \"x.org\")) NIL NIL NIL \"<m%2@x.org>\") "
               "BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"7BIT\" 12 1 NIL NIL NIL "
               "NIL)%4 BODY[HEADER.FIELDS (REFERENCES)] \"\")\n")
        .arg(seq)
        .arg(uid)
        .arg(subject, extra);
}

/// alice's settings for implicit TLS to a loopback port nobody listens on (found free a moment
/// ago): every connection attempt fails at once.
inline Imap::SessionSettings unreachableSettings()
{
    QTcpServer probe;
    quint16 port = 0;
    if (probe.listen(QHostAddress::LocalHost, 0))
        port = probe.serverPort();
    probe.close();
    Imap::SessionSettings s;
    s.host = QStringLiteral("127.0.0.1");
    s.port = port;
    s.security = Security::ImplicitTls;
    s.username = QStringLiteral("alice");
    s.credentials = Imap::staticPassword(QStringLiteral("s3cret-Pa55"));
    s.protocolLogFromEnvironment = false;
    return s;
}

/// A scripted server over implicit TLS playing @p script, a Session to it on a ManualClock, and
/// a store (in memory, or in @p profileDir) with one account whose INBOX is `folder`.
struct ScriptedInbox {
    explicit ScriptedInbox(const QString &script, const QString &profileDir = QStringLiteral(":memory:"))
        : server(script, Test::ScriptedServer::Transport::ImplicitTls)
    {
        Imap::SessionSettings s;
        s.host = QStringLiteral("localhost");
        s.port = server.port();
        s.security = Security::ImplicitTls;
        s.tls.useSystemCaCertificates = false;
        s.tls.extraCaCertificates = Test::ScriptedServer::testCaCertificates();
        s.username = QStringLiteral("alice");
        s.credentials = Imap::staticPassword(QStringLiteral("s3cret-Pa55"));
        s.protocolLogFromEnvironment = false;
        session = std::make_unique<Imap::Session>(s, clock);
        db = std::move(Store::Database::open(profileDir)).value();
        Store::Account a;
        a.name = QStringLiteral("t");
        a.email = QStringLiteral("alice@x.org");
        account = Store::AccountStore(*db).add(a).value();
        Store::Folder f;
        f.name = "INBOX";
        f.displayName = QStringLiteral("INBOX");
        folder = Store::FolderStore(*db).upsert(account, f).value();
    }

    /// Opens the session and logs in; true when it is Authenticated.
    bool login()
    {
        QSignalSpy ready(session.get(), &Imap::Session::ready);
        session->open();
        if (!ready.wait(10000))
            return false;
        auto *job = new Imap::LoginJob(session.get());
        QSignalSpy done(job, &Imap::Job::finished);
        job->start();
        return done.wait(10000) && session->state() == Imap::Session::State::Authenticated;
    }

    Test::ScriptedServer server;
    ManualClock clock;
    std::unique_ptr<Imap::Session> session;
    std::unique_ptr<Store::Database> db;
    qint64 account = 0;
    qint64 folder = 0;
};

} // namespace Tidings::Sync::TestHelpers
