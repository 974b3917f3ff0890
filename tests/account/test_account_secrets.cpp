// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// The password goes to the keychain and to the servers, and nowhere else: after logging in over
// IMAP, POP3 and SMTP and sending a message with every protocol log on, neither the password nor
// its AUTH PLAIN / AUTH LOGIN base64 forms appear in the profile, the settings or any log.
// Removing the account removes its rows and its keychain entries.
#include "core/account/connectiontest.h"
#include "core/account/credentialstore.h"
#include "core/smtp/session.h"
#include "core/store/accountstore.h"
#include "core/store/database.h"
#include "tests/support/mailserverenv.h"
#include "tests/support/testprofile.h"

#include <QDirIterator>
#include <QEventLoop>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

using namespace Tidings;
using namespace Tidings::Account;
using Tidings::Test::MailServerEnv;
using Tidings::Test::MailUser;

class TestAccountSecrets : public QObject
{
    Q_OBJECT

    Test::TestProfile m_profile;
    QString m_logDir;

    static QStringList filesUnder(const QString &dir)
    {
        QStringList files;
        QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (it.hasNext())
            files << it.next();
        return files;
    }

    static ConnectionTestResult runTest(const AccountSettings &settings, const QString &password,
                                        const MailServerEnv &env)
    {
        ConnectionTestOptions o;
        o.trust.useSystemCaCertificates = false;
        o.trust.extraCaCertificates = env.caCertificates();
        MemoryCertificatePins pins;
        o.pins = &pins;
        ConnectionTester tester(settings, {password, {}}, o);
        QSignalSpy finished(&tester, &ConnectionTester::finished);
        tester.start();
        if (finished.isEmpty())
            finished.wait(60000);
        return finished.size() == 1 ? finished.first().first().value<ConnectionTestResult>() : ConnectionTestResult{};
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_profile.isValid());
        m_logDir = m_profile.filePath(QStringLiteral("protocol-logs"));
        QVERIFY(QDir().mkpath(m_logDir));
        // Every session of this process writes its protocol log here.
        qputenv("TIDINGS_PROTOCOL_LOG", m_logDir.toLocal8Bit());
    }

    void fullRound_leavesThePasswordNowhere_andRemovalDeletesIt()
    {
        QString error;
        const auto env = MailServerEnv::load(&error);
        QVERIFY2(env, qPrintable(error));
        const auto user = env->createUser(QStringLiteral("secret"), &error);
        QVERIFY2(user, qPrintable(error));

        // The account, as the wizard stores it.
        AccountSettings settings;
        settings.email = user->address;
        settings.name = QStringLiteral("Secrets");
        settings.incoming = Endpoint{env->host, env->imapsPort, Security::ImplicitTls, user->address};
        settings.outgoing = Endpoint{env->host, env->smtpPort, Security::StartTls, user->address};
        auto db = Store::Database::open(m_profile.path());
        QVERIFY2(db.ok(), qPrintable(db.error().toString()));
        Store::AccountStore accounts(*db.value());
        Store::Account row;
        row.name = settings.name;
        row.email = settings.email;
        row.settings = settings.toJson();
        auto id = accounts.add(row);
        QVERIFY2(id.ok(), qPrintable(id.error().toString()));
        settings.id = QString::number(id.value());
        QSettings ui(QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation) + QStringLiteral("/tidings.conf"),
                     QSettings::IniFormat);
        ui.setValue(QStringLiteral("accounts/order"), settings.id);
        ui.sync();

        // The password, in the keychain only.
        CredentialStore keychain(QStringLiteral("TidingsTest"));
        QSignalSpy unavailable(&keychain, &CredentialStore::keychainUnavailable);
        const QString key = CredentialStore::keyFor(settings.id, incomingSecretPurpose);
        {
            QEventLoop loop;
            Error writeError;
            keychain.write(key, user->password, [&](const Error &e) {
                writeError = e;
                loop.quit();
            });
            loop.exec();
            QVERIFY2(!writeError, qPrintable(writeError.toString()));
        }
        QCOMPARE(unavailable.size(), 0); // a real Secret Service answered: nothing kept in memory only
        QString readBack;
        {
            QEventLoop loop;
            keychain.read(key, [&](const QString &secret, const Error &) {
                readBack = secret;
                loop.quit();
            });
            loop.exec();
        }
        QCOMPARE(readBack, user->password);

        // Log in everywhere (IMAP, then POP3, with SMTP each time) and send a message.
        const ConnectionTestResult imap = runTest(settings, readBack, *env);
        QVERIFY(imap.passed());
        AccountSettings pop = settings;
        pop.incomingProtocol = IncomingProtocol::Pop3;
        pop.incoming = Endpoint{env->host, env->pop3Port, Security::StartTls, user->address};
        QVERIFY(runTest(pop, readBack, *env).passed());
        {
            Smtp::Settings ss;
            ss.host = env->host;
            ss.port = env->smtpsPort;
            ss.security = Security::ImplicitTls;
            ss.tls.useSystemCaCertificates = false;
            ss.tls.extraCaCertificates = env->caCertificates();
            ss.username = user->address;
            ss.password = readBack;
            ss.auth = Smtp::AuthMethod::Login; // the other base64 form: the password alone
            Smtp::Session smtp(ss);
            QSignalSpy opened(&smtp, &Smtp::Session::opened);
            smtp.open();
            QVERIFY(opened.wait(20000));
            Smtp::SendJob *job = smtp.send({user->address, {user->address}},
                                           "From: " + user->address.toUtf8() + "\r\nTo: " + user->address.toUtf8()
                                               + "\r\nSubject: secrets\r\n\r\nhello\r\n");
            QSignalSpy sent(job, &Smtp::SendJob::finished);
            QVERIFY(sent.wait(20000));
            smtp.quit();
        }

        // Search the profile (database, WAL, part files), the settings and every protocol log.
        const QByteArray password = user->password.toUtf8();
        const QList<QByteArray> forms{
            password,
            QByteArray(QByteArray(1, '\0') + user->address.toUtf8() + QByteArray(1, '\0') + password).toBase64(), // AUTH PLAIN
            password.toBase64(),                                             // AUTH LOGIN
        };
        QStringList searched = filesUnder(m_profile.path())
                               + filesUnder(QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation));
        QVERIFY(!searched.isEmpty());
        int logs = 0;
        bool sawRedactedLogin = false;
        for (const QString &path : std::as_const(searched)) {
            QFile file(path);
            QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(path));
            const QByteArray bytes = file.readAll();
            for (const QByteArray &form : forms)
                QVERIFY2(!bytes.contains(form), qPrintable(QStringLiteral("%1 holds the password").arg(path)));
            if (path.startsWith(m_logDir)) {
                ++logs;
                sawRedactedLogin = sawRedactedLogin || bytes.contains("AUTH") || bytes.contains("PASS");
            }
        }
        // The logs were really written (IMAP, POP3, SMTP): the search above could have failed.
        QVERIFY2(logs >= 3, qPrintable(QString::number(logs)));
        QVERIFY(sawRedactedLogin);

        // Removing the account: its rows and its keychain entries go.
        QVERIFY(!accounts.remove(id.value()));
        QVERIFY(accounts.list().value().isEmpty());
        {
            QEventLoop loop;
            Error removeError;
            keychain.remove(key, [&](const Error &e) {
                removeError = e;
                loop.quit();
            });
            loop.exec();
            QVERIFY(!removeError);
        }
        {
            QEventLoop loop;
            Error readError;
            keychain.read(key, [&](const QString &, const Error &e) {
                readError = e;
                loop.quit();
            });
            loop.exec();
            QVERIFY(readError.isError());
        }
    }
};

QTEST_GUILESS_MAIN(TestAccountSecrets)
#include "test_account_secrets.moc"
