// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Smtp::Session against the harness submission service: a message sent on either port arrives in
// the recipient's IMAP INBOX byte-identical (read back with a bare QSslSocket IMAP client), a
// refused recipient, the advertised SIZE, a wrong password.
#include "core/smtp/data.h"
#include "core/smtp/session.h"
#include "tests/support/mailserverenv.h"

#include <QSignalSpy>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTest>
#include <QUuid>

#include <memory>

using namespace Tidings;
using namespace Tidings::Smtp;
using Tidings::Test::MailServerEnv;
using Tidings::Test::MailUser;

namespace {

struct Outcome {
    bool done = false;
    SendResult result;
};

/// Just enough IMAP to read one message back: LOGIN, SELECT, FETCH BODY.PEEK[] with its literal.
class ImapReader final
{
public:
    explicit ImapReader(const MailServerEnv &env)
    {
        QSslConfiguration config = QSslConfiguration::defaultConfiguration();
        config.setCaCertificates(env.caCertificates());
        config.setPeerVerifyMode(QSslSocket::VerifyPeer);
        m_socket.setSslConfiguration(config);
        m_socket.setPeerVerifyName(QStringLiteral("localhost"));
        m_socket.connectToHostEncrypted(env.host, env.imapsPort, QStringLiteral("localhost"));
        m_ok = m_socket.waitForEncrypted(10000) && line().startsWith("* OK");
    }
    [[nodiscard]] bool ok() const { return m_ok; }

    bool login(const MailUser &user)
    {
        return command("LOGIN \"" + user.address.toUtf8() + "\" \"" + user.password.toUtf8() + '"').last().contains(" OK");
    }
    /// The first message of INBOX, or empty if there is none yet.
    QByteArray firstMessage()
    {
        const QList<QByteArray> select = command("SELECT INBOX");
        bool any = false;
        for (const QByteArray &l : select)
            any = any || (l.startsWith("* ") && l.endsWith(" EXISTS") && !l.startsWith("* 0 "));
        if (!any)
            return {};
        const QByteArray tag = nextTag();
        send(tag + " FETCH 1 BODY.PEEK[]\r\n");
        QByteArray body;
        for (;;) {
            const QByteArray l = line();
            if (l.isEmpty() || l.startsWith(QByteArray(tag + ' ')))
                return body;
            if (l.endsWith('}')) {
                const qint64 size = l.mid(l.lastIndexOf('{') + 1).chopped(1).toLongLong();
                while (m_socket.bytesAvailable() < size && m_socket.waitForReadyRead(10000)) { }
                body = m_socket.read(size);
            }
        }
    }

private:
    QByteArray nextTag() { return 't' + QByteArray::number(++m_tag); }
    void send(const QByteArray &bytes)
    {
        m_socket.write(bytes);
        m_socket.flush();
    }
    QByteArray line()
    {
        while (!m_socket.canReadLine()) {
            if (!m_socket.waitForReadyRead(10000))
                return {};
        }
        return m_socket.readLine().trimmed();
    }
    QList<QByteArray> command(const QByteArray &text)
    {
        const QByteArray tag = nextTag();
        send(tag + ' ' + text + "\r\n");
        QList<QByteArray> lines;
        for (;;) {
            const QByteArray l = line();
            lines << l;
            if (l.isEmpty() || l.startsWith(QByteArray(tag + ' ')))
                return lines;
        }
    }

    QSslSocket m_socket;
    bool m_ok = false;
    int m_tag = 0;
};

} // namespace

class TestSmtpServer final : public QObject
{
    Q_OBJECT

private:
    MailServerEnv m_env;

    Settings settings(const MailUser &user, Security security) const
    {
        Settings s;
        s.host = QStringLiteral("localhost");
        s.port = security == Security::ImplicitTls ? m_env.smtpsPort : m_env.smtpPort;
        s.security = security;
        s.tls.useSystemCaCertificates = false;
        s.tls.extraCaCertificates = m_env.caCertificates();
        s.username = user.address;
        s.password = user.password;
        s.heloName = QStringLiteral("client.tidings.test");
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

    static SendResult sendAndWait(Session &session, const Envelope &envelope, const QByteArray &message)
    {
        auto outcome = std::make_shared<Outcome>();
        SendJob *job = session.send(envelope, message);
        QObject::connect(job, &SendJob::finished, job, [outcome](SendJob *j) {
            outcome->done = true;
            outcome->result = j->result();
        });
        if (!QTest::qWaitFor([&] { return outcome->done; }, 60000))
            outcome->result.error = Error::make(Error::Kind::Timeout, QStringLiteral("the test gave up waiting"));
        return outcome->result;
    }

    void sendArrivesByteIdentical(Security security)
    {
        QString problem;
        const auto recipient = m_env.createUser(QStringLiteral("smtprcpt"), &problem);
        QVERIFY2(recipient, qPrintable(problem));
        const MailUser &sender = m_env.users.at(0);
        const QByteArray id = QUuid::createUuid().toByteArray(QUuid::Id128);
        // Dots at line starts, a status-looking line, 8-bit UTF-8 text, and no CRLF after the
        // last line: the recipient gets exactly canonicalMessage() of it.
        const QByteArray composed = "From: <" + sender.address.toUtf8() + ">\r\nTo: <" + recipient->address.toUtf8()
            + ">\r\nSubject: smtp " + id + "\r\nMessage-ID: <" + id
            + "@tidings.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
              "Content-Transfer-Encoding: 8bit\r\n\r\n"
              ".leading dot\r\n..two dots\r\n.\r\n+OK not a status\r\n250 not a reply\r\n"
              "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\r\nlast line";
        const QByteArray expected = canonicalMessage(composed);

        Session session(settings(sender, security));
        Error error;
        QVERIFY2(openAndWait(session, &error), qPrintable(error.toString()));
        QVERIFY(session.isEncrypted());
        // A Bcc recipient (another fresh user) is envelope-only.
        const auto bcc = m_env.createUser(QStringLiteral("smtpbcc"), &problem);
        QVERIFY2(bcc, qPrintable(problem));
        const SendResult result = sendAndWait(session, {sender.address, {recipient->address, bcc->address}}, composed);
        QVERIFY2(!result.error, qPrintable(result.error.toString()));
        QVERIFY(result.sent());
        QCOMPARE(result.recipients.size(), 2);

        for (const MailUser &who : {*recipient, *bcc}) {
            ImapReader imap(m_env);
            QVERIFY(imap.ok());
            QVERIFY(imap.login(who));
            QByteArray fetched;
            QTRY_VERIFY_WITH_TIMEOUT(!(fetched = imap.firstMessage()).isEmpty(), 20000);
            // The delivery may add trace headers at the top: compare from our first header on.
            const qsizetype start = fetched.indexOf(QByteArray("From: <" + sender.address.toUtf8() + '>'));
            QVERIFY2(start >= 0, fetched.constData());
            QCOMPARE(fetched.mid(start), expected);
            QVERIFY(!fetched.contains("Bcc:"));
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

    void smtps_send_arrivesByteIdenticalInTheRecipientsInbox() { sendArrivesByteIdentical(Security::ImplicitTls); }
    void submissionStartTls_send_arrivesByteIdenticalInTheRecipientsInbox() { sendArrivesByteIdentical(Security::StartTls); }

    void unknownLocalRecipient_isRefusedByName_andNothingIsSent()
    {
        const MailUser &sender = m_env.users.at(0);
        Session session(settings(sender, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        const QString nobody = QStringLiteral("nobody-%1@%2").arg(QUuid::createUuid().toString(QUuid::Id128), m_env.mailDomain);
        const SendResult result = sendAndWait(session, {sender.address, {m_env.users.at(1).address, nobody}},
                                              "Subject: x\r\n\r\nbody\r\n");
        QVERIFY(!result.sent());
        QCOMPARE(result.refusedRecipients(), QStringList{nobody});
        QCOMPARE(problemName(result.problem), QStringLiteral("MailboxUnavailable"));
        QVERIFY(!result.error.serverText.isEmpty());
    }

    void messageOverTheAdvertisedSize_isRefusedBeforeSending()
    {
        const MailUser &sender = m_env.users.at(0);
        Session session(settings(sender, Security::ImplicitTls));
        QVERIFY(openAndWait(session));
        QVERIFY(session.capabilities().maxSize > 0);
        const QByteArray huge = "Subject: big\r\n\r\n" + QByteArray(session.capabilities().maxSize, 'a');
        const SendResult result = sendAndWait(session, {sender.address, {m_env.users.at(1).address}}, huge);
        QCOMPARE(problemName(result.problem), QStringLiteral("MessageTooLarge"));
        QVERIFY(result.recipients.isEmpty()); // refused before MAIL FROM
        // The session is still usable.
        const SendResult small = sendAndWait(session, {sender.address, {m_env.users.at(1).address}}, "Subject: s\r\n\r\nok\r\n");
        QVERIFY2(small.sent(), qPrintable(small.error.toString()));
    }

    void wrongPassword_isAnAuthenticationError()
    {
        MailUser wrong = m_env.users.at(0);
        wrong.password += QStringLiteral("-wrong");
        Session session(settings(wrong, Security::ImplicitTls));
        Error error;
        QVERIFY(!openAndWait(session, &error));
        QCOMPARE(error.kind, Error::Kind::Authentication);
        QVERIFY(error.responseCode.startsWith("535"));
    }
};

QTEST_GUILESS_MAIN(TestSmtpServer)
#include "test_smtpserver.moc"
