// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Pop3::Session against scripted servers: every refusal rule, every cut connection, pipelining,
// dot-unstuffing through the socket, timeouts and keep-alive on a ManualClock.
#include "core/common/clock.h"
#include "core/pop3/session.h"
#include "tests/support/scriptedserver.h"

#include <QBuffer>
#include <QDir>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Tidings;
using namespace Tidings::Pop3;
using Tidings::Test::ScriptedServer;

/// Fails with every problem the scripted server saw, one per line.
#define VERIFY_SCRIPT(server)                                                                                \
    do {                                                                                                     \
        const QStringList problems_ = (server).verify();                                                     \
        QVERIFY2(problems_.isEmpty(), qPrintable(problems_.join(u'\n')));                                   \
    } while (false)

namespace {

/// What a finished job reported, captured in its finished() slot.
struct Outcome {
    bool done = false;
    Error error;
    QByteArray data;
    QList<UidlEntry> uidl;
    QList<ListEntry> list;
    int count = 0;
};

std::shared_ptr<Outcome> watch(Job *job)
{
    auto outcome = std::make_shared<Outcome>();
    QObject::connect(job, &Job::finished, job, [outcome](Job *j) {
        outcome->done = true;
        outcome->error = j->error();
        if (auto *r = qobject_cast<RetrieveJob *>(j))
            outcome->data = r->data();
        if (auto *u = qobject_cast<UidlJob *>(j))
            outcome->uidl = u->entries();
        if (auto *l = qobject_cast<ListJob *>(j))
            outcome->list = l->entries();
        if (auto *s = qobject_cast<StatJob *>(j))
            outcome->count = s->count();
    });
    return outcome;
}

Settings settingsFor(const ScriptedServer &server, Security security)
{
    Settings s;
    s.host = QStringLiteral("localhost");
    s.port = server.port();
    s.security = security;
    s.tls.useSystemCaCertificates = false;
    s.tls.extraCaCertificates = ScriptedServer::testCaCertificates();
    s.username = QStringLiteral("alice");
    s.password = QStringLiteral("secret");
    return s;
}

const QString Greeting = QStringLiteral("S: +OK POP3 ready\n");
const QString CapaPlainPipelining = QStringLiteral(
    "C: CAPA\n"
    "S: +OK Capability list follows\n"
    "S: TOP\n"
    "S: UIDL\n"
    "S: USER\n"
    "S: PIPELINING\n"
    "S: SASL PLAIN LOGIN\n"
    "S: .\n");
const QString CapaUserOnly = QStringLiteral(
    "C: CAPA\n"
    "S: +OK\n"
    "S: TOP\n"
    "S: UIDL\n"
    "S: USER\n"
    "S: .\n");
const QString AuthPlainOk = QStringLiteral("C: AUTH PLAIN AGFsaWNlAHNlY3JldA==\nS: +OK logged in\n");
const QString LoginPipelining = Greeting + CapaPlainPipelining + AuthPlainOk;
const QString LoginNoPipelining = Greeting + CapaUserOnly
    + QStringLiteral("C: USER alice\nS: +OK\nC: PASS secret\nS: +OK logged in\n");

} // namespace

class TestPop3Session final : public QObject
{
    Q_OBJECT

private:
    /// Opens @p session and waits for opened().
    static bool openAndWait(Session &session)
    {
        QSignalSpy opened(&session, &Session::opened);
        QSignalSpy failed(&session, &Session::failed);
        session.open();
        return QTest::qWaitFor([&] { return !opened.isEmpty() || !failed.isEmpty(); }, 10000) && !opened.isEmpty();
    }
    static Error openExpectingFailure(Session &session)
    {
        QSignalSpy failed(&session, &Session::failed);
        QSignalSpy opened(&session, &Session::opened);
        session.open();
        if (!QTest::qWaitFor([&] { return !failed.isEmpty() || !opened.isEmpty(); }, 10000) || failed.isEmpty())
            return {};
        return failed.first().first().value<Error>();
    }

private Q_SLOTS:
    void initTestCase() { qRegisterMetaType<Tidings::Error>(); }

    void implicitTls_loginUidlRetrDeleQuit_runsInOrder()
    {
        ScriptedServer server(LoginPipelining
                                  + QStringLiteral("C: UIDL\n"
                                                   "S: +OK\n"
                                                   "S: 1 uid-one\n"
                                                   "S: 2 uid-two\n"
                                                   "S: .\n"
                                                   "C: RETR 1\n"
                                                   "S: +OK 20 octets\n"
                                                   "S: Subject: one\n"
                                                   "S: \n"
                                                   "S: body\n"
                                                   "S: .\n"
                                                   "C: DELE 1\n"
                                                   "S: +OK marked\n"
                                                   "C: QUIT\n"
                                                   "S: +OK bye\n"
                                                   "X\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        QVERIFY(session.isEncrypted());
        QVERIFY(session.capabilities().pipelining);
        auto uidl = watch(session.uidl());
        QTRY_VERIFY(uidl->done);
        QVERIFY2(!uidl->error, qPrintable(uidl->error.toString()));
        QCOMPARE(uidl->uidl, (QList<UidlEntry>{{1, "uid-one"}, {2, "uid-two"}}));
        auto retr = watch(session.retrieve(1));
        auto dele = watch(session.dele(1));
        QSignalSpy closed(&session, &Session::closed);
        auto quit = watch(session.quit());
        QTRY_VERIFY(quit->done);
        QVERIFY(retr->done && dele->done);
        QVERIFY(!retr->error && !dele->error && !quit->error);
        QCOMPARE(retr->data, QByteArray("Subject: one\r\n\r\nbody\r\n"));
        QTRY_COMPARE(closed.size(), 1);
        QCOMPARE(session.state(), Session::State::Disconnected);
        VERIFY_SCRIPT(server);
    }

    void stls_upgradesBeforeAnyCredential()
    {
        ScriptedServer server(Greeting
                              + QStringLiteral("C: CAPA\n"
                                               "S: +OK\n"
                                               "S: STLS\n"
                                               "S: USER\n"
                                               "S: .\n"
                                               "C: STLS\n"
                                               "S: +OK Begin TLS\n"
                                               "TLS\n")
                              + CapaPlainPipelining + AuthPlainOk);
        Session session(settingsFor(server, Security::StartTls));
        QVERIFY(openAndWait(session));
        QVERIFY(session.isEncrypted());
        // The capabilities are the ones read after TLS.
        QVERIFY(session.capabilities().sasl.contains("PLAIN"));
        QVERIFY(!session.capabilities().stls);
        VERIFY_SCRIPT(server);
    }

    void stls_missingCapability_endsBeforeCredentials()
    {
        ScriptedServer server(Greeting + CapaUserOnly);
        Session session(settingsFor(server, Security::StartTls));
        const Error error = openExpectingFailure(session);
        QCOMPARE(error.kind, Error::Kind::Tls);
        QVERIFY(error.detail.contains(QStringLiteral("STLS")));
        VERIFY_SCRIPT(server);
        QVERIFY(!server.received().contains("USER"));
        QVERIFY(!server.received().contains("secret"));
    }

    void stls_capaUnsupported_endsBeforeCredentials()
    {
        ScriptedServer server(Greeting + QStringLiteral("C: CAPA\nS: -ERR unknown command\n"));
        Session session(settingsFor(server, Security::StartTls));
        QCOMPARE(openExpectingFailure(session).kind, Error::Kind::Tls);
        VERIFY_SCRIPT(server);
    }

    void stls_refused_endsBeforeCredentials()
    {
        ScriptedServer server(Greeting
                              + QStringLiteral("C: CAPA\nS: +OK\nS: STLS\nS: USER\nS: .\n"
                                               "C: STLS\nS: -ERR TLS not available right now\n"));
        Session session(settingsFor(server, Security::StartTls));
        const Error error = openExpectingFailure(session);
        QCOMPARE(error.kind, Error::Kind::Tls);
        QCOMPARE(error.serverText, QStringLiteral("TLS not available right now"));
        VERIFY_SCRIPT(server);
    }

    void stls_bytesAfterOk_endSession()
    {
        ScriptedServer server(Greeting
                              + QStringLiteral("C: CAPA\nS: +OK\nS: STLS\nS: USER\nS: .\n"
                                               "C: STLS\nS: +OK Begin TLS\\r\\n+OK injected\n"));
        Session session(settingsFor(server, Security::StartTls));
        const Error error = openExpectingFailure(session);
        QCOMPARE(error.kind, Error::Kind::Protocol);
        QVERIFY(error.detail.contains(QStringLiteral("after accepting STLS")));
        VERIFY_SCRIPT(server);
        QVERIFY(!server.received().contains("USER"));
    }

    void errGreeting_getsNoFurtherCommand()
    {
        ScriptedServer server(QStringLiteral("S: -ERR [SYS/TEMP] too many connections\n"));
        Session session(settingsFor(server, Security::ImplicitTls));
        session.setSettings([&] {
            Settings s = session.settings();
            s.security = Security::None;
            return s;
        }());
        const Error error = openExpectingFailure(session);
        QCOMPARE(error.kind, Error::Kind::ServerNo);
        QCOMPARE(error.serverText, QStringLiteral("[SYS/TEMP] too many connections"));
        VERIFY_SCRIPT(server);
        QCOMPARE(server.received(), QByteArray());
    }

    void plaintextServerOnImplicitTlsPort_failsWithTls()
    {
        ScriptedServer server(QStringLiteral("S: +OK plaintext POP3\n"));
        Session session(settingsFor(server, Security::ImplicitTls));
        QCOMPARE(openExpectingFailure(session).kind, Error::Kind::Tls);
    }

    void refusedConnection_isANetworkErrorNotTls_data()
    {
        QTest::addColumn<bool>("implicitTls");
        QTest::newRow("implicit TLS") << true;
        QTest::newRow("STARTTLS") << false;
    }

    void refusedConnection_isANetworkErrorNotTls()
    {
        QFETCH(bool, implicitTls);
        // A port where nothing listens: bound, then released.
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        Settings s;
        s.host = QStringLiteral("127.0.0.1");
        s.port = probe.serverPort();
        s.security = implicitTls ? Security::ImplicitTls : Security::StartTls;
        s.username = QStringLiteral("alice");
        s.password = QStringLiteral("secret");
        probe.close();
        Session session(s);
        const Error error = openExpectingFailure(session);
        QCOMPARE(error.kind, Error::Kind::Network);
        QVERIFY2(error.detail.contains(QStringLiteral("cannot connect")), qPrintable(error.toString()));
    }

    void untrustedCertificate_isRefusedBeforeAnyByte()
    {
        ScriptedServer server(Greeting, ScriptedServer::Transport::ImplicitTls);
        const auto [cert, key] = ScriptedServer::untrustedCertificate();
        server.setCertificate(cert, key);
        Session session(settingsFor(server, Security::ImplicitTls));
        int rejected = 0;
        connect(&session, &Session::certificateRejected, this, [&](const CertificateProblem &problem) {
            QVERIFY(problem.reasons.contains(CertificateProblem::Reason::SelfSigned));
            ++rejected;
        });
        const Error error = openExpectingFailure(session);
        QCOMPARE(error.kind, Error::Kind::Tls);
        QTRY_COMPARE(rejected, 1);
        QVERIFY(!server.received().contains("CAPA"));
    }

    void userPass_whenSaslPlainIsNotOffered()
    {
        ScriptedServer server(LoginNoPipelining, ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        VERIFY_SCRIPT(server);
    }

    void wrongPassword_isAnAuthenticationErrorWithTheServersText()
    {
        ScriptedServer server(Greeting + CapaPlainPipelining
                                  + QStringLiteral("C: AUTH PLAIN AGFsaWNlAHNlY3JldA==\n"
                                                   "S: -ERR [AUTH] Authentication failed.\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        const Error error = openExpectingFailure(session);
        QCOMPARE(error.kind, Error::Kind::Authentication);
        QCOMPARE(error.serverText, QStringLiteral("[AUTH] Authentication failed."));
        QCOMPARE(error.responseCode, QByteArray("AUTH"));
        VERIFY_SCRIPT(server);
    }

    void mailboxInUse_isNotReportedAsAWrongPassword()
    {
        ScriptedServer server(Greeting + CapaUserOnly
                                  + QStringLiteral("C: USER alice\nS: +OK\nC: PASS secret\n"
                                                   "S: -ERR [IN-USE] Mailbox locked by another session\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        const Error error = openExpectingFailure(session);
        QCOMPARE(error.kind, Error::Kind::ServerNo);
        QCOMPARE(error.responseCode, QByteArray("IN-USE"));
    }

    void apop_isUsedOnlyWhenChosen()
    {
        const QString apopGreeting = QStringLiteral("S: +OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\n");
        {
            ScriptedServer server(apopGreeting + CapaPlainPipelining + AuthPlainOk, ScriptedServer::Transport::ImplicitTls);
            Session session(settingsFor(server, Security::ImplicitTls));
            QVERIFY(openAndWait(session));
            VERIFY_SCRIPT(server);
        }
        {
            ScriptedServer server(apopGreeting + CapaPlainPipelining
                                      + QStringLiteral("C: APOP alice 3f18b52881e44c0cc6067f46e0ced7bc\nS: +OK maildrop\n"),
                                  ScriptedServer::Transport::ImplicitTls);
            Settings s = settingsFor(server, Security::ImplicitTls);
            s.auth = AuthMethod::Apop;
            Session session(s);
            QVERIFY(openAndWait(session));
            VERIFY_SCRIPT(server);
        }
    }

    void apop_withoutGreetingTimestamp_failsWithoutSendingCredentials()
    {
        ScriptedServer server(Greeting + CapaPlainPipelining, ScriptedServer::Transport::ImplicitTls);
        Settings s = settingsFor(server, Security::ImplicitTls);
        s.auth = AuthMethod::Apop;
        Session session(s);
        QCOMPARE(openExpectingFailure(session).kind, Error::Kind::Config);
        VERIFY_SCRIPT(server);
    }

    void retr_dotStuffingEdgeCases_areByteExact_data()
    {
        QTest::addColumn<bool>("drip");
        QTest::newRow("whole writes") << false;
        QTest::newRow("one byte per write") << true;
    }
    void retr_dotStuffingEdgeCases_areByteExact()
    {
        QFETCH(bool, drip);
        ScriptedServer server(LoginPipelining
                                  + QStringLiteral("C: RETR 1\n"
                                                   "S: +OK\n"
                                                   "S: Subject: dots\n"
                                                   "S: \n"
                                                   "S: ..\n"
                                                   "S: ...\n"
                                                   "S: ..leading dot\n"
                                                   "S: +OK not a status\n"
                                                   "S: -ERR not an error\n"
                                                   "S: bare\\rCR and bare\\nLF\n"
                                                   "S: last line\n"
                                                   "S: .\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        server.setDrip(drip);
        QByteArray sunk;
        auto *job = session.retrieve(1);
        job->setSink([&](QByteArrayView chunk) {
            sunk += chunk.toByteArray();
            return true;
        });
        auto retr = watch(job);
        QTRY_VERIFY_WITH_TIMEOUT(retr->done, 20000);
        QVERIFY2(!retr->error, qPrintable(retr->error.toString()));
        QCOMPARE(sunk, QByteArray("Subject: dots\r\n\r\n.\r\n..\r\n.leading dot\r\n+OK not a status\r\n"
                                  "-ERR not an error\r\nbare\rCR and bare\nLF\r\nlast line\r\n"));
        VERIFY_SCRIPT(server);
    }

    void retr_isPipelinedWhenTheServerOffersPipelining()
    {
        // The server reads all three commands before it answers the first: a client that waited
        // for each answer would stall here.
        ScriptedServer server(LoginPipelining
                                  + QStringLiteral("C: RETR 1\nC: RETR 2\nC: RETR 3\n"
                                                   "S: +OK\nS: one\nS: .\n"
                                                   "S: +OK\nS: two\nS: .\n"
                                                   "S: +OK\nS: three\nS: .\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        auto a = watch(session.retrieve(1));
        auto b = watch(session.retrieve(2));
        auto c = watch(session.retrieve(3));
        QTRY_VERIFY(c->done);
        QCOMPARE(a->data, QByteArray("one\r\n"));
        QCOMPARE(b->data, QByteArray("two\r\n"));
        QCOMPARE(c->data, QByteArray("three\r\n"));
        VERIFY_SCRIPT(server);
    }

    void retr_waitsForEachAnswerWithoutPipelining()
    {
        ScriptedServer server(LoginNoPipelining
                                  + QStringLiteral("C: RETR 1\nW:\nS: +OK\nS: one\nS: .\nC: RETR 2\nS: +OK\nS: two\nS: .\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        auto a = watch(session.retrieve(1));
        auto b = watch(session.retrieve(2));
        QVERIFY(server.waitForStep(12)); // at W:
        QTest::qWait(50);                // give a wrong client the chance to send RETR 2 early
        QVERIFY(!server.received().contains("RETR 2"));
        server.proceed();
        QTRY_VERIFY(b->done);
        QCOMPARE(a->data, QByteArray("one\r\n"));
        QCOMPARE(b->data, QByteArray("two\r\n"));
        VERIFY_SCRIPT(server);
    }

    void connectionLost_insideUidlListOrRetr_isAFailedPoll_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QString>("partial");
        QTest::newRow("UIDL") << QStringLiteral("UIDL") << QStringLiteral("S: +OK\nS: 1 abc\n");
        QTest::newRow("LIST") << QStringLiteral("LIST") << QStringLiteral("S: +OK\nS: 1 120\n");
        QTest::newRow("RETR") << QStringLiteral("RETR 1") << QStringLiteral("S: +OK\nS: Subject: cut\n");
        QTest::newRow("RETR before status") << QStringLiteral("RETR 1") << QString();
        QTest::newRow("RETR after dot without CRLF") << QStringLiteral("RETR 1") << QStringLiteral("S: +OK\nS: x\nS+ .\n");
    }
    void connectionLost_insideUidlListOrRetr_isAFailedPoll()
    {
        QFETCH(QString, command);
        QFETCH(QString, partial);
        ScriptedServer server(LoginPipelining + QStringLiteral("C: ") + command + u'\n' + partial + QStringLiteral("X\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        QSignalSpy failed(&session, &Session::failed);
        std::shared_ptr<Outcome> outcome;
        if (command == u"UIDL")
            outcome = watch(session.uidl());
        else if (command == u"LIST")
            outcome = watch(session.list());
        else
            outcome = watch(session.retrieve(1));
        QTRY_VERIFY(outcome->done);
        QCOMPARE(outcome->error.kind, Error::Kind::Network);
        QVERIFY(outcome->error.detail.contains(command));
        QTRY_COMPARE(failed.size(), 1);
        QCOMPARE(session.state(), Session::State::Disconnected);
        VERIFY_SCRIPT(server);

        // The next poll works on the same session object.
        ScriptedServer next(LoginPipelining + QStringLiteral("C: UIDL\nS: +OK\nS: 1 abc\nS: .\n"),
                            ScriptedServer::Transport::ImplicitTls);
        session.setSettings(settingsFor(next, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        auto again = watch(session.uidl());
        QTRY_VERIFY(again->done);
        QVERIFY(!again->error);
        QCOMPARE(again->uidl.size(), 1);
        VERIFY_SCRIPT(next);
    }

    void errToRetr_failsThatJobOnly()
    {
        ScriptedServer server(LoginPipelining
                                  + QStringLiteral("C: RETR 9\nS: -ERR no such message\nC: NOOP\nS: +OK\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        auto retr = watch(session.retrieve(9));
        auto noop = watch(session.noop());
        QTRY_VERIFY(noop->done);
        QCOMPARE(retr->error.kind, Error::Kind::ServerNo);
        QCOMPARE(retr->error.serverText, QStringLiteral("no such message"));
        QVERIFY(!noop->error);
        QCOMPARE(session.state(), Session::State::Transaction);
        VERIFY_SCRIPT(server);
    }

    void failingSink_failsWithStorageAndTheSessionGoesOn()
    {
        ScriptedServer server(LoginPipelining
                                  + QStringLiteral("C: RETR 1\nS: +OK\nS: a\nS: b\nS: .\nC: NOOP\nS: +OK\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        auto *job = session.retrieve(1);
        job->setSink([](QByteArrayView) { return false; });
        auto retr = watch(job);
        auto noop = watch(session.noop());
        QTRY_VERIFY(noop->done);
        QCOMPARE(retr->error.kind, Error::Kind::Storage);
        QVERIFY(!noop->error);
        VERIFY_SCRIPT(server);
    }

    void retrIntoDevice_writesTheMessage()
    {
        ScriptedServer server(LoginPipelining + QStringLiteral("C: TOP 1 0\nS: +OK\nS: Subject: x\nS: \nS: .\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        QBuffer buffer;
        buffer.open(QIODevice::WriteOnly);
        auto *job = session.top(1, 0);
        job->setDevice(&buffer);
        auto top = watch(job);
        QTRY_VERIFY(top->done);
        QVERIFY(!top->error);
        QCOMPARE(buffer.data(), QByteArray("Subject: x\r\n\r\n"));
        VERIFY_SCRIPT(server);
    }

    void statListRset_parseTheirAnswers()
    {
        ScriptedServer server(LoginPipelining
                                  + QStringLiteral("C: STAT\nS: +OK 2 320\nC: LIST\nS: +OK 2 messages\nS: 1 120\nS: 2 200\nS: .\n"
                                                   "C: LIST 2\nS: +OK 2 200\nC: UIDL 1\nS: +OK 1 whqtswO00WBw418f9t5JxYwZ\n"
                                                   "C: RSET\nS: +OK\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        auto stat = watch(session.stat());
        auto list = watch(session.list());
        auto one = watch(session.list(2));
        auto uidl = watch(session.uidl(1));
        auto rset = watch(session.rset());
        QTRY_VERIFY(rset->done);
        QCOMPARE(stat->count, 2);
        QCOMPARE(list->list, (QList<ListEntry>{{1, 120}, {2, 200}}));
        QCOMPARE(one->list, (QList<ListEntry>{{2, 200}}));
        QCOMPARE(uidl->uidl, (QList<UidlEntry>{{1, "whqtswO00WBw418f9t5JxYwZ"}}));
        QVERIFY(!rset->error);
        VERIFY_SCRIPT(server);
    }

    void malformedUidlLine_failsTheJob()
    {
        ScriptedServer server(LoginPipelining + QStringLiteral("C: UIDL\nS: +OK\nS: one two\nS: .\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        auto uidl = watch(session.uidl());
        QTRY_VERIFY(uidl->done);
        QCOMPARE(uidl->error.kind, Error::Kind::Protocol);
        VERIFY_SCRIPT(server);
    }

    void overlongUidlLine_closesTheConnection()
    {
        ScriptedServer server(LoginPipelining + QStringLiteral("C: UIDL\nS: +OK\nS: 1 ") + QString(5000, u'a') + u'\n',
                              ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        auto uidl = watch(session.uidl());
        QTRY_VERIFY(uidl->done);
        QCOMPARE(uidl->error.kind, Error::Kind::Protocol);
        QCOMPARE(session.state(), Session::State::Disconnected);
    }

    void messageOverTheLimit_closesTheConnection()
    {
        ScriptedServer server(LoginPipelining + QStringLiteral("C: RETR 1\nS: +OK\nS: 0123456789\nS: 0123456789\nS: .\n"),
                              ScriptedServer::Transport::ImplicitTls);
        Settings s = settingsFor(server, Security::ImplicitTls);
        s.maxMessageBytes = 16;
        Session session(s);
        QVERIFY(openAndWait(session));
        auto retr = watch(session.retrieve(1));
        QTRY_VERIFY(retr->done);
        QCOMPARE(retr->error.kind, Error::Kind::Protocol);
    }

    void unsolicitedBytes_closeTheConnection()
    {
        ScriptedServer server(LoginPipelining + QStringLiteral("S: +OK surprise\n"), ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QSignalSpy failed(&session, &Session::failed);
        QVERIFY(openAndWait(session));
        QTRY_COMPARE(failed.size(), 1);
        QCOMPARE(failed.first().first().value<Error>().kind, Error::Kind::Protocol);
    }

    void noAnswer_timesOutOnTheInjectedClock()
    {
        ManualClock clock;
        ScriptedServer server(LoginPipelining + QStringLiteral("C: UIDL\nW:\n"), ScriptedServer::Transport::ImplicitTls);
        Settings s = settingsFor(server, Security::ImplicitTls);
        s.timeout = std::chrono::seconds(30);
        Session session(s, clock);
        QVERIFY(openAndWait(session));
        auto uidl = watch(session.uidl());
        QVERIFY(server.waitForStep(12));
        clock.advance(std::chrono::seconds(29));
        QTest::qWait(20);
        QVERIFY(!uidl->done);
        clock.advance(std::chrono::seconds(2));
        QTRY_VERIFY(uidl->done);
        QCOMPARE(uidl->error.kind, Error::Kind::Timeout);
        server.proceed();
    }

    void idleSession_sendsNoopToStayLoggedIn()
    {
        ManualClock clock;
        ScriptedServer server(LoginPipelining + QStringLiteral("C: NOOP\nS: +OK\n"), ScriptedServer::Transport::ImplicitTls);
        Settings s = settingsFor(server, Security::ImplicitTls);
        s.keepAlive = std::chrono::seconds(45);
        Session session(s, clock);
        QVERIFY(openAndWait(session));
        clock.advance(std::chrono::seconds(44));
        QTest::qWait(20);
        QVERIFY(!server.received().contains("NOOP"));
        clock.advance(std::chrono::seconds(1));
        VERIFY_SCRIPT(server);
    }

    void queuedBeforeOpen_runAfterLogin()
    {
        ScriptedServer server(LoginPipelining + QStringLiteral("C: STAT\nS: +OK 0 0\n"), ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        auto stat = watch(session.stat());
        session.open();
        QTRY_VERIFY(stat->done);
        QVERIFY(!stat->error);
        VERIFY_SCRIPT(server);
    }

    void abort_cancelsQueuedJobs()
    {
        ScriptedServer server(LoginPipelining + QStringLiteral("C: UIDL\nW:\n"), ScriptedServer::Transport::ImplicitTls);
        Session session(settingsFor(server, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        auto uidl = watch(session.uidl());
        QVERIFY(server.waitForStep(12));
        session.abort();
        QTRY_VERIFY(uidl->done);
        QCOMPARE(uidl->error.kind, Error::Kind::Cancelled);
        server.proceed();
    }

    void protocolLog_isReplayableAndRedactsCredentials()
    {
        QTemporaryDir dir;
        ScriptedServer server(LoginNoPipelining + QStringLiteral("C: QUIT\nS: +OK bye\n"), ScriptedServer::Transport::ImplicitTls);
        Settings s = settingsFor(server, Security::ImplicitTls);
        s.protocolLogDir = dir.path();
        {
            Session session(s);
            QVERIFY(openAndWait(session));
            QSignalSpy closed(&session, &Session::closed);
            session.quit();
            QTRY_COMPARE(closed.size(), 1);
        }
        const QStringList files = QDir(dir.path()).entryList(QDir::Files);
        QCOMPARE(files.size(), 1);
        QFile file(QDir(dir.path()).filePath(files.first()));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray log = file.readAll();
        QVERIFY(!log.contains("secret"));
        QVERIFY(!log.contains("alice"));
        QVERIFY(log.contains("C: USER ***\n"));
        QVERIFY(log.contains("C: PASS ***\n"));
        QVERIFY(log.contains("S: +OK POP3 ready\n"));
        QVERIFY(log.contains("C: CAPA\n"));
        QVERIFY(log.contains("C: QUIT\n"));
    }
};

QTEST_GUILESS_MAIN(TestPop3Session)
#include "test_pop3session.moc"
