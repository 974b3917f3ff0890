// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Pop3::Session against the harness Dovecot on both ports: login, UIDL, RETR byte-exact, DELE
// committed by QUIT, a wrong password.
#include "core/pop3/session.h"
#include "tests/support/mailserverenv.h"

#include <QSignalSpy>
#include <QTest>
#include <QUuid>

#include <memory>

using namespace Tidings;
using namespace Tidings::Pop3;
using Tidings::Test::MailServerEnv;
using Tidings::Test::MailUser;

namespace {

struct Outcome {
    bool done = false;
    Error error;
    QByteArray data;
    QList<UidlEntry> uidl;
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
    });
    return outcome;
}

QByteArray testMessage(const QByteArray &tag)
{
    return "From: sender@tidings.test\r\nTo: someone@tidings.test\r\nSubject: " + tag
        + "\r\nMessage-ID: <" + tag + "@tidings.test>\r\n\r\n"
          ".a line that starts with a dot\r\n..two dots\r\n.\r\n+OK looks like a status\r\n"
          "last line\r\n";
}

} // namespace

class TestPop3Server final : public QObject
{
    Q_OBJECT

private:
    MailServerEnv m_env;

    Settings settings(const MailUser &user, Security security) const
    {
        Settings s;
        s.host = QStringLiteral("localhost");
        s.port = security == Security::ImplicitTls ? m_env.pop3sPort : m_env.pop3Port;
        s.security = security;
        s.tls.useSystemCaCertificates = false;
        s.tls.extraCaCertificates = m_env.caCertificates();
        s.username = user.address;
        s.password = user.password;
        return s;
    }

    static bool openAndWait(Session &session, Error *error = nullptr)
    {
        QSignalSpy opened(&session, &Session::opened);
        QSignalSpy failed(&session, &Session::failed);
        session.open();
        if (!QTest::qWaitFor([&] { return !opened.isEmpty() || !failed.isEmpty(); }, 20000))
            return false;
        if (!failed.isEmpty() && error)
            *error = failed.first().first().value<Error>();
        return !opened.isEmpty();
    }

    void loginUidlRetrDele(Security security)
    {
        QString problem;
        const auto user = m_env.createUser(QStringLiteral("pop"), &problem);
        QVERIFY2(user, qPrintable(problem));
        const QByteArray first = testMessage("first-" + QUuid::createUuid().toByteArray(QUuid::Id128));
        const QByteArray second = testMessage("second-" + QUuid::createUuid().toByteArray(QUuid::Id128));
        QVERIFY2(m_env.deliver(*user, first, &problem), qPrintable(problem));
        QVERIFY2(m_env.deliver(*user, second, &problem), qPrintable(problem));

        QList<UidlEntry> before;
        {
            Session session(settings(*user, security));
            Error error;
            QVERIFY2(openAndWait(session, &error), qPrintable(error.toString()));
            QVERIFY(session.isEncrypted());
            auto uidl = watch(session.uidl());
            auto one = watch(session.retrieve(1));
            auto two = watch(session.retrieve(2));
            auto dele = watch(session.dele(1));
            QSignalSpy closed(&session, &Session::closed);
            auto quit = watch(session.quit());
            QTRY_VERIFY_WITH_TIMEOUT(quit->done, 20000);
            QVERIFY2(!uidl->error && !one->error && !two->error && !dele->error && !quit->error,
                     qPrintable(one->error.toString() + uidl->error.toString() + quit->error.toString()));
            QCOMPARE(uidl->uidl.size(), 2);
            before = uidl->uidl;
            // The delivery agent may prepend trace headers; the rest is byte for byte.
            QVERIFY2(one->data.endsWith(first), one->data.constData());
            QVERIFY(two->data.endsWith(second));
            QTRY_COMPARE(closed.size(), 1);
        }
        {
            Session session(settings(*user, security));
            QVERIFY(openAndWait(session));
            auto uidl = watch(session.uidl());
            QTRY_VERIFY_WITH_TIMEOUT(uidl->done, 20000);
            QVERIFY(!uidl->error);
            QCOMPARE(uidl->uidl.size(), 1);
            QCOMPARE(uidl->uidl.first().uid, before.at(1).uid); // UIDs are stable across sessions
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<Tidings::Error>();
        QString error;
        auto env = MailServerEnv::load(&error);
        QVERIFY2(env, qPrintable(error));
        m_env = *env;
    }

    void pop3s_loginUidlRetrDele_deletionCommittedByQuit() { loginUidlRetrDele(Security::ImplicitTls); }
    void pop3Stls_loginUidlRetrDele_deletionCommittedByQuit() { loginUidlRetrDele(Security::StartTls); }

    void wrongPassword_isAnAuthenticationError()
    {
        MailUser wrong = m_env.users.at(0);
        wrong.password += QStringLiteral("-wrong");
        Session session(settings(wrong, Security::ImplicitTls));
        Error error;
        QVERIFY(!openAndWait(session, &error));
        QCOMPARE(error.kind, Error::Kind::Authentication);
        QVERIFY(!error.serverText.isEmpty());
    }

    void plaintextWithoutTls_isNotOfferedLogin()
    {
        // The harness's plain port offers no login before STLS, like a real server: a "None"
        // session finds no method instead of sending the password in the clear.
        Settings s = settings(m_env.users.at(0), Security::None);
        s.port = m_env.pop3Port;
        Session session(s);
        Error error;
        QVERIFY(!openAndWait(session, &error));
        QVERIFY(error.isError());
    }
};

QTEST_GUILESS_MAIN(TestPop3Server)
#include "test_pop3server.moc"
