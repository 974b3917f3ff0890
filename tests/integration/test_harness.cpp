// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Proves the harness mail server is real: TLS on every port trusting only the harness CA,
// STARTTLS/STLS upgrades, mail submitted over SMTP arriving over IMAP, wrong passwords refused.
// Written against bare QSslSocket on purpose: it tests the server, not Tidings' protocol code.
#include "tests/support/mailserverenv.h"

#include <QDateTime>
#include <QSignalSpy>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTest>
#include <QUuid>

using Tidings::Test::MailServerEnv;
using Tidings::Test::MailUser;

namespace {

/// A blocking line-oriented client: enough to talk to a server in a test.
class LineClient final
{
public:
    explicit LineClient(const MailServerEnv &env)
    {
        QSslConfiguration config = QSslConfiguration::defaultConfiguration();
        config.setCaCertificates(env.caCertificates()); // the harness CA and nothing else
        config.setPeerVerifyMode(QSslSocket::VerifyPeer);
        m_socket.setSslConfiguration(config);
        m_socket.setPeerVerifyName(QStringLiteral("localhost"));
    }

    bool connectTls(const QString &host, quint16 port)
    {
        m_socket.connectToHostEncrypted(host, port, QStringLiteral("localhost"));
        return m_socket.waitForEncrypted(10000);
    }
    bool connectPlain(const QString &host, quint16 port)
    {
        m_socket.connectToHost(host, port);
        return m_socket.waitForConnected(10000);
    }
    bool startTls()
    {
        m_socket.startClientEncryption();
        return m_socket.waitForEncrypted(10000);
    }
    QByteArray line(int timeoutMs = 10000)
    {
        while (!m_socket.canReadLine()) {
            if (!m_socket.waitForReadyRead(timeoutMs))
                return QByteArray("<no answer>");
        }
        QByteArray l = m_socket.readLine();
        if (l.endsWith("\r\n"))
            l.chop(2);
        return l;
    }
    void send(const QByteArray &bytes)
    {
        m_socket.write(bytes);
        m_socket.flush();
    }
    /// Sends an IMAP command and returns every line up to and including the tagged reply.
    QList<QByteArray> imap(const QByteArray &tag, const QByteArray &command)
    {
        send(tag + ' ' + command + "\r\n");
        QList<QByteArray> lines;
        for (;;) {
            const QByteArray l = line();
            lines << l;
            if (l.startsWith(QByteArray(tag + ' ')) || l == "<no answer>")
                return lines;
        }
    }
    /// Reads an SMTP reply (all continuation lines) and returns the last one.
    QByteArray smtpReply()
    {
        for (;;) {
            const QByteArray l = line();
            if (l.size() < 4 || l.at(3) != '-')
                return l;
        }
    }
    /// Reads a POP3 multi-line answer up to the terminating dot.
    QList<QByteArray> pop3MultiLine()
    {
        QList<QByteArray> lines;
        for (;;) {
            const QByteArray l = line();
            if (l == "." || l == "<no answer>")
                return lines;
            lines << l;
        }
    }
    QSslSocket &socket() { return m_socket; }

private:
    QSslSocket m_socket;
};

QByteArray quoted(const QString &s)
{
    QByteArray q = s.toUtf8();
    q.replace('\\', "\\\\").replace('"', "\\\"");
    return '"' + q + '"';
}

QByteArray plainAuth(const MailUser &user)
{
    QByteArray raw;
    raw += '\0';
    raw += user.address.toUtf8();
    raw += '\0';
    raw += user.password.toUtf8();
    return raw.toBase64();
}

bool contains(const QList<QByteArray> &lines, const QByteArray &needle)
{
    for (const QByteArray &l : lines) {
        if (l.contains(needle))
            return true;
    }
    return false;
}

} // namespace

class TestHarness final : public QObject
{
    Q_OBJECT

private:
    MailServerEnv m_env;

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        auto env = MailServerEnv::load(&error);
        QVERIFY2(env, qPrintable(error));
        m_env = *env;
    }

    void imaps_greetingAndLogin_trustingOnlyTheHarnessCa()
    {
        LineClient c(m_env);
        QVERIFY2(c.connectTls(m_env.host, m_env.imapsPort), qPrintable(c.socket().errorString()));
        QVERIFY(c.line().startsWith("* OK"));
        const MailUser &u = m_env.users.at(0);
        const auto login = c.imap("a1", "LOGIN " + quoted(u.address) + ' ' + quoted(u.password));
        QVERIFY2(login.last().startsWith("a1 OK"), login.last().constData());
        const auto caps = c.imap("a2", "CAPABILITY");
        for (const char *cap : {"IDLE", "CONDSTORE", "QRESYNC", "SPECIAL-USE", "MOVE", "UIDPLUS", "ESEARCH", "LIST-STATUS"})
            QVERIFY2(caps.first().contains(QByteArray(QByteArray(" ") + cap)), cap);
        const auto list = c.imap("a3", "LIST \"\" \"*\"");
        for (const char *use : {"\\Sent", "\\Drafts", "\\Trash", "\\Junk", "\\Archive"})
            QVERIFY2(contains(list, use), use);
        QVERIFY(c.imap("a4", "LOGOUT").last().startsWith("a4 OK"));
    }

    void imap_startTls_upgradesAndOnlyThenAllowsLogin()
    {
        LineClient c(m_env);
        QVERIFY(c.connectPlain(m_env.host, m_env.imapPort));
        QVERIFY(c.line().startsWith("* OK"));
        const auto before = c.imap("a1", "CAPABILITY");
        QVERIFY(before.first().contains("STARTTLS"));
        QVERIFY(before.first().contains("LOGINDISABLED"));
        QVERIFY(c.imap("a2", "STARTTLS").last().startsWith("a2 OK"));
        QVERIFY2(c.startTls(), qPrintable(c.socket().errorString()));
        const auto after = c.imap("a3", "CAPABILITY");
        QVERIFY(!after.first().contains("LOGINDISABLED"));
        const MailUser &u = m_env.users.at(0);
        QVERIFY(c.imap("a4", "AUTHENTICATE PLAIN " + plainAuth(u)).last().startsWith("a4 OK"));
    }

    void pop3s_greetingLoginAndUidl()
    {
        LineClient c(m_env);
        QVERIFY2(c.connectTls(m_env.host, m_env.pop3sPort), qPrintable(c.socket().errorString()));
        QVERIFY(c.line().startsWith("+OK"));
        const MailUser &u = m_env.users.at(0);
        c.send("USER " + u.address.toUtf8() + "\r\n");
        QVERIFY(c.line().startsWith("+OK"));
        c.send("PASS " + u.password.toUtf8() + "\r\n");
        QVERIFY(c.line().startsWith("+OK"));
        c.send("UIDL\r\n");
        QVERIFY(c.line().startsWith("+OK"));
        c.pop3MultiLine();
        c.send("QUIT\r\n");
        QVERIFY(c.line().startsWith("+OK"));
    }

    void pop3_stls_upgradesThePlainPort()
    {
        LineClient c(m_env);
        QVERIFY(c.connectPlain(m_env.host, m_env.pop3Port));
        QVERIFY(c.line().startsWith("+OK"));
        c.send("CAPA\r\n");
        QVERIFY(c.line().startsWith("+OK"));
        QVERIFY(c.pop3MultiLine().contains("STLS"));
        c.send("STLS\r\n");
        QVERIFY(c.line().startsWith("+OK"));
        QVERIFY2(c.startTls(), qPrintable(c.socket().errorString()));
        const MailUser &u = m_env.users.at(0);
        c.send("AUTH PLAIN " + plainAuth(u) + "\r\n");
        QVERIFY(c.line().startsWith("+OK"));
    }

    void smtps_greetingAndEhloOfferAuth()
    {
        LineClient c(m_env);
        QVERIFY2(c.connectTls(m_env.host, m_env.smtpsPort), qPrintable(c.socket().errorString()));
        QVERIFY(c.smtpReply().startsWith("220"));
        c.send("EHLO client.test\r\n");
        QVERIFY(c.smtpReply().startsWith("250"));
        c.send("QUIT\r\n");
        QVERIFY(c.smtpReply().startsWith("221"));
    }

    void smtp_startTlsThenAuthAndSend_arrivesInAnotherUsersInbox()
    {
        QString error;
        const auto recipient = m_env.createUser(QStringLiteral("rcpt"), &error);
        QVERIFY2(recipient, qPrintable(error));
        const MailUser &sender = m_env.users.at(0);
        const QByteArray subject = "harness " + QUuid::createUuid().toByteArray(QUuid::WithoutBraces);

        LineClient c(m_env);
        QVERIFY(c.connectPlain(m_env.host, m_env.smtpPort));
        QVERIFY(c.smtpReply().startsWith("220"));
        c.send("EHLO client.test\r\n");
        QVERIFY(c.smtpReply().startsWith("250"));
        c.send("STARTTLS\r\n");
        QVERIFY(c.smtpReply().startsWith("220"));
        QVERIFY2(c.startTls(), qPrintable(c.socket().errorString()));
        c.send("EHLO client.test\r\n");
        QVERIFY(c.smtpReply().startsWith("250"));
        c.send("AUTH PLAIN " + plainAuth(sender) + "\r\n");
        QVERIFY(c.smtpReply().startsWith("235"));
        c.send("MAIL FROM:<" + sender.address.toUtf8() + ">\r\n");
        QVERIFY(c.smtpReply().startsWith("250"));
        c.send("RCPT TO:<" + recipient->address.toUtf8() + ">\r\n");
        QVERIFY(c.smtpReply().startsWith("250"));
        c.send("DATA\r\n");
        QVERIFY(c.smtpReply().startsWith("354"));
        c.send("From: <" + sender.address.toUtf8() + ">\r\nTo: <" + recipient->address.toUtf8()
               + ">\r\nSubject: " + subject + "\r\nMessage-ID: <" + subject.mid(8) + "@tidings.test>\r\n"
               + "Date: " + QDateTime::currentDateTimeUtc().toString(Qt::RFC2822Date).toUtf8()
               + "\r\n\r\nHello over submission.\r\n..a dot-stuffed line\r\n.\r\n");
        const QByteArray accepted = c.smtpReply();
        QVERIFY2(accepted.startsWith("250"), accepted.constData());
        c.send("QUIT\r\n");

        LineClient imap(m_env);
        QVERIFY(imap.connectTls(m_env.host, m_env.imapsPort));
        imap.line();
        QVERIFY(imap.imap("a1", "LOGIN " + quoted(recipient->address) + ' ' + quoted(recipient->password))
                    .last()
                    .startsWith("a1 OK"));
        int n = 1;
        auto arrived = [&] {
            const QByteArray tag = 's' + QByteArray::number(++n);
            imap.imap(tag + 'x', "NOOP");
            const auto lines = imap.imap(tag, "EXAMINE INBOX");
            if (!contains(lines, "* 1 EXISTS"))
                return false;
            const auto fetch = imap.imap(tag + 'f', "FETCH 1 BODY.PEEK[]");
            return contains(fetch, subject) && contains(fetch, ".a dot-stuffed line");
        };
        QTRY_VERIFY_WITH_TIMEOUT(arrived(), 15000);
    }

    void wrongPassword_isRefusedOnEveryProtocol()
    {
        const MailUser &u = m_env.users.at(0);
        MailUser wrong{u.address, u.password + QStringLiteral("-wrong")};
        {
            LineClient c(m_env);
            QVERIFY(c.connectTls(m_env.host, m_env.imapsPort));
            c.line();
            const auto reply = c.imap("a1", "LOGIN " + quoted(wrong.address) + ' ' + quoted(wrong.password));
            QVERIFY2(reply.last().startsWith("a1 NO"), reply.last().constData());
            QVERIFY(reply.last().contains("AUTHENTICATIONFAILED"));
        }
        {
            LineClient c(m_env);
            QVERIFY(c.connectTls(m_env.host, m_env.pop3sPort));
            c.line();
            c.send("USER " + wrong.address.toUtf8() + "\r\n");
            c.line();
            c.send("PASS " + wrong.password.toUtf8() + "\r\n");
            QVERIFY(c.line().startsWith("-ERR"));
        }
        {
            LineClient c(m_env);
            QVERIFY(c.connectTls(m_env.host, m_env.smtpsPort));
            c.smtpReply();
            c.send("EHLO client.test\r\n");
            c.smtpReply();
            c.send("AUTH PLAIN " + plainAuth(wrong) + "\r\n");
            const QByteArray reply = c.smtpReply();
            QVERIFY2(reply.startsWith("535"), reply.constData());
        }
    }

    void clientWithoutTheHarnessCa_refusesTheCertificate()
    {
        QSslSocket socket; // system CAs only: the harness certificate must not validate
        QSignalSpy errors(&socket, &QSslSocket::sslErrors);
        socket.connectToHostEncrypted(m_env.host, m_env.imapsPort, QStringLiteral("localhost"));
        QVERIFY(!socket.waitForEncrypted(10000));
        QVERIFY(!errors.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestHarness)
#include "test_harness.moc"
