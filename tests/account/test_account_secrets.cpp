// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// The password goes to the keychain and to the servers, and nowhere else: after logging in over
// IMAP, POP3 and SMTP, a full sync, reading a message and sending one with every protocol log
// on, neither the password nor its AUTH PLAIN / AUTH LOGIN base64 forms appear in the profile,
// the settings or any log. Removing the account removes its rows and its keychain entries, and
// two profiles whose accounts are both number 1 never share a keychain entry.
#include "core/account/connectiontest.h"
#include "core/account/credentialstore.h"
#include "core/smtp/session.h"
#include "core/store/accountstore.h"
#include "core/store/database.h"
#include "tests/support/mailserverenv.h"
#include "tests/support/testprofile.h"
#include "tests/sync/clitesthelpers.h"

#include <QDirIterator>
#include <QEventLoop>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

using namespace Tidings;
using namespace Tidings::Account;
using Tidings::Sync::TestHelpers::CliRun;
using Tidings::Sync::TestHelpers::runCli;
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
        return finished.size() == 1 ? finished.first().first().value<ConnectionTestResult>()
                                    : ConnectionTestResult{};
    }

    /// The password and the two base64 forms AUTH PLAIN and AUTH LOGIN would put on the wire.
    static QList<QByteArray> secretForms(const MailUser &user)
    {
        const QByteArray password = user.password.toUtf8();
        return {
            password,
            QByteArray(QByteArray(1, '\0') + user.address.toUtf8() + QByteArray(1, '\0') + password)
                .toBase64(),
            password.toBase64(),
        };
    }

    /// Every file under the test's directory (profiles, XDG homes of the CLI, protocol logs)
    /// and the in-process settings: none may hold a form of the password. Returns how many
    /// protocol logs were searched.
    int verifyNoSecretAnywhere(const QList<QByteArray> &forms)
    {
        const QStringList searched =
            filesUnder(m_profile.path()) +
            filesUnder(QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation));
        int logs = 0;
        for (const QString &path : searched) {
            QFile file(path);
            if (!file.open(QIODevice::ReadOnly)) {
                qWarning("cannot read %s", qPrintable(path));
                return -1;
            }
            const QByteArray bytes = file.readAll();
            for (const QByteArray &form : forms) {
                if (bytes.contains(form)) {
                    qWarning("%s holds the password", qPrintable(path));
                    return -1;
                }
            }
            if (path.startsWith(m_logDir))
                ++logs;
        }
        return logs;
    }

    QStringList cliAddArgs(const MailServerEnv &env, const MailUser &user) const
    {
        return {QStringLiteral("account"),         QStringLiteral("add"),
                QStringLiteral("--name"),          QStringLiteral("Work"),
                QStringLiteral("--email"),         user.address,
                QStringLiteral("--imap"),          QStringLiteral("%1:%2").arg(env.host).arg(env.imapsPort),
                QStringLiteral("--imap-security"), QStringLiteral("tls"),
                QStringLiteral("--user"),          user.address,
                QStringLiteral("--smtp"),          QStringLiteral("%1:%2").arg(env.host).arg(env.smtpsPort),
                QStringLiteral("--smtp-security"), QStringLiteral("tls"),
                QStringLiteral("--ca-file"),       env.caFile,
                QStringLiteral("--password-stdin")};
    }

    static QByteArray message(const MailUser &user, const QByteArray &subject)
    {
        return "From: Sender <sender@tidings.test>\r\nTo: " + user.address.toUtf8() +
               "\r\nSubject: " + subject + "\r\nMessage-ID: <" + subject.toHex() +
               "@tidings.test>\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n\r\nBody of " +
               subject + "\r\n";
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_profile.isValid());
        m_logDir = m_profile.filePath(QStringLiteral("protocol-logs"));
        QVERIFY(QDir().mkpath(m_logDir));
        // Every session of this process and of the tidings-cli it starts writes its protocol
        // log here; the CLI's settings, data and cache land under the test directory too, so
        // the search below sees everything it wrote.
        qputenv("TIDINGS_PROTOCOL_LOG", m_logDir.toLocal8Bit());
        for (const char *var : {"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"}) {
            const QString dir = m_profile.filePath(QString::fromLatin1(var).toLower());
            QVERIFY(QDir().mkpath(dir));
            qputenv(var, dir.toLocal8Bit());
        }
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
        QSettings ui(QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation) +
                         QStringLiteral("/tidings.conf"),
                     QSettings::IniFormat);
        ui.setValue(QStringLiteral("accounts/order"), settings.id);
        ui.sync();

        // The password, in the keychain only.
        CredentialStore keychain(QStringLiteral("TidingsTest"));
        QSignalSpy unavailable(&keychain, &CredentialStore::keychainUnavailable);
        const QString key =
            CredentialStore::keyFor(db.value()->profileId(), settings.id, incomingSecretPurpose);
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
            Smtp::SendJob *job =
                smtp.send({user->address, {user->address}}, "From: " + user->address.toUtf8() +
                                                                "\r\nTo: " + user->address.toUtf8() +
                                                                "\r\nSubject: secrets\r\n\r\nhello\r\n");
            QSignalSpy sent(job, &Smtp::SendJob::finished);
            QVERIFY(sent.wait(20000));
            smtp.quit();
        }

        // Search the profile (database, WAL, part files), the settings and every protocol log.
        const QByteArray password = user->password.toUtf8();
        const QList<QByteArray> forms{
            password,
            QByteArray(QByteArray(1, '\0') + user->address.toUtf8() + QByteArray(1, '\0') + password)
                .toBase64(),     // AUTH PLAIN
            password.toBase64(), // AUTH LOGIN
        };
        QStringList searched =
            filesUnder(m_profile.path()) +
            filesUnder(QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation));
        QVERIFY(!searched.isEmpty());
        int logs = 0;
        bool sawRedactedLogin = false;
        for (const QString &path : std::as_const(searched)) {
            QFile file(path);
            QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(path));
            const QByteArray bytes = file.readAll();
            for (const QByteArray &form : forms)
                QVERIFY2(!bytes.contains(form),
                         qPrintable(QStringLiteral("%1 holds the password").arg(path)));
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

    /// The password through the real program: `account add` puts it in the keychain, then a full
    /// sync, reading a message (its body fetched on demand) and a send all take it from there.
    void cliSyncReadAndSend_leaveThePasswordNowhere()
    {
        QString error;
        const auto env = MailServerEnv::load(&error);
        QVERIFY2(env, qPrintable(error));
        const auto user = env->createUser(QStringLiteral("clisecret"), &error);
        QVERIFY2(user, qPrintable(error));
        for (const char *subject : {"First", "Second", "Third"})
            QVERIFY2(env->deliver(*user, message(*user, subject), &error), qPrintable(error));

        const QString profile = m_profile.filePath(QStringLiteral("cli-profile"));
        const int logsBefore = int(filesUnder(m_logDir).size());
        CliRun r = runCli(profile, cliAddArgs(*env, *user), user->password);
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QVERIFY2(r.out.contains("the password is in the keychain"), qPrintable(r.describe()));

        // Everything below reads the password from the keychain: no --password-stdin.
        r = runCli(profile, {QStringLiteral("sync"), QStringLiteral("--once")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        r = runCli(profile, {QStringLiteral("list"), QStringLiteral("Work"), QStringLiteral("INBOX"),
                             QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(r.jsonLines().size(), 3);
        const QString uid = QString::number(r.jsonLines().first().value(QStringLiteral("uid")).toInteger());
        r = runCli(profile, {QStringLiteral("show"), QStringLiteral("Work"), QStringLiteral("INBOX"), uid,
                             QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QVERIFY2(r.out.contains("Body of "), qPrintable(r.describe()));

        QFile body(m_profile.filePath(QStringLiteral("body.txt")));
        QVERIFY(body.open(QIODevice::WriteOnly));
        body.write("Sent through the outbox.\n");
        body.close();
        r = runCli(profile, {QStringLiteral("send"), QStringLiteral("--account"), QStringLiteral("Work"),
                             QStringLiteral("--to"), user->address, QStringLiteral("--subject"),
                             QStringLiteral("Outbox"), QStringLiteral("--body-file"), body.fileName()});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        r = runCli(profile, {QStringLiteral("sync"), QStringLiteral("--once")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        r = runCli(profile, {QStringLiteral("list"), QStringLiteral("Work"), QStringLiteral("INBOX"),
                             QStringLiteral("--json")});
        QCOMPARE(r.jsonLines().size(), 4);

        const int logs = verifyNoSecretAnywhere(secretForms(*user));
        QVERIFY2(logs >= 0, "a file holds the password (see the warning above)");
        // sync twice, show, send (SMTP and the Sent APPEND): the logs were really written.
        QVERIFY2(logs - logsBefore >= 4, qPrintable(QStringLiteral("%1 new logs").arg(logs - logsBefore)));

        r = runCli(profile, {QStringLiteral("account"), QStringLiteral("remove"), QStringLiteral("Work")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
    }

    /// Two profiles each number their first account 1. Their passwords must not overwrite each
    /// other in the keychain, and removing one account must not delete the other's entry.
    void twoProfiles_sameAccountId_keepTheirOwnPasswords()
    {
        QString error;
        const auto env = MailServerEnv::load(&error);
        QVERIFY2(env, qPrintable(error));
        const auto alice = env->createUser(QStringLiteral("profa"), &error);
        QVERIFY2(alice, qPrintable(error));
        const auto bob = env->createUser(QStringLiteral("profb"), &error);
        QVERIFY2(bob, qPrintable(error));
        QVERIFY(alice->password != bob->password);
        QVERIFY2(env->deliver(*alice, message(*alice, "ForAlice"), &error), qPrintable(error));
        QVERIFY2(env->deliver(*bob, message(*bob, "ForBob"), &error), qPrintable(error));

        const QString first = m_profile.filePath(QStringLiteral("profile-a"));
        const QString second = m_profile.filePath(QStringLiteral("profile-b"));
        CliRun r = runCli(first, cliAddArgs(*env, *alice), alice->password);
        QVERIFY2(r.exitCode == 0 && r.out.contains("(id 1)"), qPrintable(r.describe()));
        r = runCli(second, cliAddArgs(*env, *bob), bob->password);
        QVERIFY2(r.exitCode == 0 && r.out.contains("(id 1)"), qPrintable(r.describe()));

        // Each profile logs in with its own password from the keychain.
        r = runCli(first, {QStringLiteral("sync"), QStringLiteral("--once")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        r = runCli(first, {QStringLiteral("list"), QStringLiteral("Work"), QStringLiteral("INBOX"),
                           QStringLiteral("--json")});
        QCOMPARE(r.jsonLines().size(), 1);
        QCOMPARE(r.jsonLines().first().value(QStringLiteral("subject")).toString(),
                 QStringLiteral("ForAlice"));

        // Removing the first profile's account leaves the second's entry in place.
        r = runCli(first, {QStringLiteral("account"), QStringLiteral("remove"), QStringLiteral("Work")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        r = runCli(second, {QStringLiteral("sync"), QStringLiteral("--once")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        r = runCli(second, {QStringLiteral("list"), QStringLiteral("Work"), QStringLiteral("INBOX"),
                            QStringLiteral("--json")});
        QCOMPARE(r.jsonLines().size(), 1);
        QCOMPARE(r.jsonLines().first().value(QStringLiteral("subject")).toString(), QStringLiteral("ForBob"));
        r = runCli(second, {QStringLiteral("account"), QStringLiteral("remove"), QStringLiteral("Work")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
    }
};

QTEST_GUILESS_MAIN(TestAccountSecrets)
#include "test_account_secrets.moc"
