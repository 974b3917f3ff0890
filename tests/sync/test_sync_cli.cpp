// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// tidings-cli as a person uses it, against the harness Dovecot and a real Secret Service:
// account add with explicit flags, sync, folders, list/show --json, flag, move, delete, and
// the server reflecting each change; failures exit non-zero with one plain line on stderr.
#include "tests/support/testprofile.h"
#include "tests/sync/clitesthelpers.h"
#include "tests/sync/synctesthelpers.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTest>

#include <algorithm>
#include <functional>

using namespace Tidings;
using namespace Tidings::Sync;
using namespace Tidings::Sync::TestHelpers;
using Tidings::Test::MailServerEnv;
using Tidings::Test::MailUser;

class TestSyncCli final : public QObject
{
    Q_OBJECT
    MailServerEnv m_env;

    MailUser freshUser()
    {
        QString error;
        const auto user = m_env.createUser(QStringLiteral("cli"), &error);
        if (!user)
            qFatal("cannot create a harness user: %s", qPrintable(error));
        return *user;
    }

    QStringList addArgs(const MailUser &user, quint16 imapPort, bool keychain) const
    {
        QStringList args{
            QStringLiteral("account"),         QStringLiteral("add"),
            QStringLiteral("--name"),          QStringLiteral("Work"),
            QStringLiteral("--email"),         user.address,
            QStringLiteral("--imap"),          QStringLiteral("%1:%2").arg(m_env.host).arg(imapPort),
            QStringLiteral("--imap-security"), QStringLiteral("tls"),
            QStringLiteral("--user"),          user.address,
            QStringLiteral("--smtp"),          QStringLiteral("%1:%2").arg(m_env.host).arg(m_env.smtpsPort),
            QStringLiteral("--smtp-security"), QStringLiteral("tls"),
            QStringLiteral("--ca-file"),       m_env.caFile,
            QStringLiteral("--password-stdin")};
        if (!keychain)
            args << QStringLiteral("--no-keychain");
        return args;
    }

    /// A port on the harness host where nothing listens (bound, then released).
    quint16 closedPort() const
    {
        QTcpServer server;
        if (!server.listen(QHostAddress(m_env.host), 0))
            server.listen(QHostAddress::LocalHost, 0);
        const quint16 port = server.serverPort();
        server.close();
        return port;
    }

    static void verifyOnePlainLine(const CliRun &r)
    {
        QVERIFY2(r.finished, qPrintable(r.describe()));
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.errLines().size() == 1, qPrintable(r.describe()));
        QVERIFY2(r.errLines().first().startsWith("tidings-cli "), qPrintable(r.describe()));
        qInfo("stderr: %s", r.errLines().first().constData());
    }

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        const auto env = MailServerEnv::load(&error);
        QVERIFY2(env, qPrintable(error));
        m_env = *env;
        QVERIFY2(QFile::exists(cliPath()), qPrintable(cliPath()));
    }

    void manualAccount_syncListShowFlagMoveDelete_serverReflectsEveryChange()
    {
        const MailUser user = freshUser();
        for (int i = 1; i <= 3; ++i)
            QVERIFY(m_env.deliver(user, message("Cli " + QByteArray::number(i),
                                                "Body number " + QByteArray::number(i) + ".\r\n")));
        Test::TestProfile profile;

        CliRun r = runCli(profile.path(), addArgs(user, m_env.imapsPort, true), user.password);
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QVERIFY2(r.out.contains("the password is in the keychain"), qPrintable(r.describe()));
        QVERIFY(!r.out.contains(user.password.toUtf8()));

        r = runCli(profile.path(),
                   {QStringLiteral("account"), QStringLiteral("list"), QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(r.jsonLines().size(), 1);
        const QJsonObject listed = r.jsonLines().first();
        QCOMPARE(listed.value(QStringLiteral("name")).toString(), QStringLiteral("Work"));
        QCOMPARE(listed.value(QStringLiteral("protocol")).toString(), QStringLiteral("imap"));
        QCOMPARE(listed.value(QStringLiteral("incoming")).toObject().value(QStringLiteral("port")).toInt(),
                 int(m_env.imapsPort));

        // The password comes from the keychain from now on.
        r = runCli(profile.path(), {QStringLiteral("sync"), QStringLiteral("--once")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QVERIFY2(r.out.contains("Work: up to date"), qPrintable(r.describe()));
        QVERIFY2(r.out.contains("3 messages, 3 unread"), qPrintable(r.describe()));

        r = runCli(profile.path(),
                   {QStringLiteral("folders"), QStringLiteral("Work"), QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QHash<QString, QJsonObject> folders;
        for (const QJsonObject &o : r.jsonLines())
            folders.insert(o.value(QStringLiteral("name")).toString(), o);
        QVERIFY2(folders.contains(QStringLiteral("INBOX")), qPrintable(r.describe()));
        QCOMPARE(folders.value(QStringLiteral("INBOX")).value(QStringLiteral("total")).toInt(), 3);
        QCOMPARE(folders.value(QStringLiteral("Trash")).value(QStringLiteral("special_use")).toString(),
                 QStringLiteral("\\Trash"));
        QVERIFY(folders.contains(QStringLiteral("Junk")));

        r = runCli(profile.path(), {QStringLiteral("list"), QStringLiteral("Work"), QStringLiteral("INBOX"),
                                    QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        const QList<QJsonObject> messages = r.jsonLines();
        QCOMPARE(messages.size(), 3);
        const QRegularExpression isoUtc(QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$"));
        QList<qint64> uids;
        for (const QJsonObject &m : messages) {
            const QStringList keys = m.keys();
            for (const char *field : {"uid", "flags", "date", "from", "to", "subject", "message_id", "size"})
                QVERIFY2(keys.contains(QLatin1String(field)), field);
            QVERIFY(m.value(QStringLiteral("uid")).toInteger() > 0);
            uids << m.value(QStringLiteral("uid")).toInteger();
            QVERIFY(m.value(QStringLiteral("flags")).isArray());
            QCOMPARE(m.value(QStringLiteral("flags")).toArray().size(), 0);
            QVERIFY2(isoUtc.match(m.value(QStringLiteral("date")).toString()).hasMatch(),
                     qPrintable(m.value(QStringLiteral("date")).toString()));
            // Date: Thu, 05 Mar 2026 09:07:03 +0100
            QCOMPARE(m.value(QStringLiteral("date")).toString(), QStringLiteral("2026-03-05T08:07:03Z"));
            const QJsonArray from = m.value(QStringLiteral("from")).toArray();
            QCOMPARE(from.size(), 1);
            QCOMPARE(from.at(0).toObject().value(QStringLiteral("name")).toString(),
                     QStringLiteral("Alice Example"));
            QCOMPARE(from.at(0).toObject().value(QStringLiteral("address")).toString(),
                     QStringLiteral("alice@tidings.test"));
            const QJsonArray to = m.value(QStringLiteral("to")).toArray();
            QCOMPARE(to.size(), 1);
            QCOMPARE(to.at(0).toObject().value(QStringLiteral("name")).toString(),
                     QStringLiteral("Doe, Bob"));
            QCOMPARE(to.at(0).toObject().value(QStringLiteral("address")).toString(),
                     QStringLiteral("bob@tidings.test"));
            const QString subject = m.value(QStringLiteral("subject")).toString();
            QVERIFY(subject.startsWith(QStringLiteral("Cli ")));
            QCOMPARE(m.value(QStringLiteral("message_id")).toString(),
                     subject.toLower().replace(u' ', u'-') + QStringLiteral("@tidings.test"));
            QVERIFY(m.value(QStringLiteral("size")).toInteger() > 100);
        }
        // The three share one Date: newest first leaves their order open.
        std::sort(uids.begin(), uids.end(), std::greater<>());
        const QString first = QString::number(uids.at(2));
        const QString second = QString::number(uids.at(1));
        const QString third = QString::number(uids.at(0));

        r = runCli(profile.path(), {QStringLiteral("show"), QStringLiteral("Work"), QStringLiteral("INBOX"),
                                    first, QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(r.jsonLines().size(), 1);
        QCOMPARE(r.jsonLines().first().value(QStringLiteral("subject")).toString(), QStringLiteral("Cli 1"));
        QVERIFY2(r.jsonLines()
                     .first()
                     .value(QStringLiteral("text"))
                     .toString()
                     .contains(QStringLiteral("Body number 1.")),
                 qPrintable(r.describe()));

        r = runCli(profile.path(), {QStringLiteral("flag"), QStringLiteral("Work"), QStringLiteral("INBOX"),
                                    first, QStringLiteral("+flagged"), QStringLiteral("+seen")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        r = runCli(profile.path(), {QStringLiteral("move"), QStringLiteral("Work"), QStringLiteral("INBOX"),
                                    second, QStringLiteral("Junk")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        r = runCli(profile.path(),
                   {QStringLiteral("delete"), QStringLiteral("Work"), QStringLiteral("INBOX"), third});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));

        // The server, seen by another client.
        auto other = otherClient(m_env, user);
        QVERIFY(other);
        const auto inbox = serverState(*other, QStringLiteral("INBOX"));
        QVERIFY(inbox);
        QCOMPARE(inbox->keys(), QList<quint32>{quint32(uids.at(2))});
        QCOMPARE(inbox->value(quint32(uids.at(2))), (QList<QByteArray>{"\\Flagged", "\\Seen"}));
        const auto junk = serverState(*other, QStringLiteral("Junk"));
        QVERIFY(junk);
        QCOMPARE(junk->size(), 1);
        const auto trash = serverState(*other, QStringLiteral("Trash"));
        QVERIFY(trash);
        QCOMPARE(trash->size(), 1);

        // A second sync leaves the profile equal to the server.
        r = runCli(profile.path(), {QStringLiteral("sync"), QStringLiteral("--once")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        auto db = Store::Database::open(profile.path());
        QVERIFY(db);
        const qint64 account = listed.value(QStringLiteral("id")).toInteger();
        COMPARE_WITH_SERVER(*db.value(), account, *other, "INBOX");
        COMPARE_WITH_SERVER(*db.value(), account, *other, "Junk");
        COMPARE_WITH_SERVER(*db.value(), account, *other, "Trash");

        // The subjects moved with the messages.
        r = runCli(profile.path(), {QStringLiteral("list"), QStringLiteral("Work"), QStringLiteral("Junk"),
                                    QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(r.jsonLines().size(), 1);
        QCOMPARE(r.jsonLines().first().value(QStringLiteral("subject")).toString(), QStringLiteral("Cli 2"));
        r = runCli(profile.path(), {QStringLiteral("list"), QStringLiteral("Work"), QStringLiteral("Trash"),
                                    QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(r.jsonLines().size(), 1);
        QCOMPARE(r.jsonLines().first().value(QStringLiteral("subject")).toString(), QStringLiteral("Cli 3"));

        // Removing the account also removes its keychain entries.
        r = runCli(profile.path(),
                   {QStringLiteral("account"), QStringLiteral("remove"), QStringLiteral("Work")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
    }

    /// With no keychain reachable at all (no D-Bus session), the first keychain call fails over
    /// to memory and every later one answers at once: adding, testing and removing an account
    /// must still finish and say what was not saved or not deleted.
    void noKeychainReachable_addTestRemove_finishWithoutWaiting()
    {
        const MailUser user = freshUser();
        Test::TestProfile profile;
        QProcessEnvironment noBus = QProcessEnvironment::systemEnvironment();
        noBus.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"));
        noBus.remove(QStringLiteral("DISPLAY"));
        CliRun r = runCli(profile.path(), addArgs(user, m_env.imapsPort, true), user.password, 60000, noBus);
        QVERIFY2(r.finished && r.exitCode == 0, qPrintable(r.describe()));
        QVERIFY2(r.err.contains("no keychain is reachable"), qPrintable(r.describe()));
        r = runCli(profile.path(),
                   {QStringLiteral("account"), QStringLiteral("test"), QStringLiteral("Work")}, std::nullopt,
                   60000, noBus);
        QVERIFY2(r.finished && r.exitCode == 1, qPrintable(r.describe()));
        QVERIFY2(r.err.contains("no password is stored"), qPrintable(r.describe()));
        r = runCli(profile.path(),
                   {QStringLiteral("account"), QStringLiteral("remove"), QStringLiteral("Work")},
                   std::nullopt, 60000, noBus);
        // The rows go; the person is told the keychain could not be asked to forget anything.
        QVERIFY2(r.finished && r.exitCode == 1, qPrintable(r.describe()));
        QVERIFY2(r.err.contains("keychain entries could not be deleted"), qPrintable(r.describe()));
        r = runCli(profile.path(),
                   {QStringLiteral("account"), QStringLiteral("list"), QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0 && r.jsonLines().isEmpty(), qPrintable(r.describe()));
    }

    void manualAccount_noKeychain_passwordOnlyForThatCommand()
    {
        const MailUser user = freshUser();
        QVERIFY(m_env.deliver(user, message("Kept nowhere")));
        Test::TestProfile profile;
        QStringList args = addArgs(user, m_env.imapsPort, false);
        args << QStringLiteral("--offline-days") << QStringLiteral("36500");
        CliRun r = runCli(profile.path(), args, user.password);
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QVERIFY2(r.out.contains("the password was not saved"), qPrintable(r.describe()));

        r = runCli(profile.path(), {QStringLiteral("sync"), QStringLiteral("--once")});
        verifyOnePlainLine(r);
        QVERIFY2(r.err.contains("no password is stored"), qPrintable(r.describe()));

        r = runCli(profile.path(),
                   {QStringLiteral("sync"), QStringLiteral("--once"), QStringLiteral("--account"),
                    QStringLiteral("Work"), QStringLiteral("--password-stdin")},
                   user.password);
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QVERIFY2(r.out.contains("1 messages, 1 unread"), qPrintable(r.describe()));

        // --offline-days: the body came with the sync, so `show` needs no password now.
        r = runCli(profile.path(), {QStringLiteral("list"), QStringLiteral("Work"), QStringLiteral("INBOX"),
                                    QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0 && r.jsonLines().size() == 1, qPrintable(r.describe()));
        const QString uid = QString::number(r.jsonLines().first().value(QStringLiteral("uid")).toInteger());
        r = runCli(profile.path(), {QStringLiteral("show"), QStringLiteral("Work"), QStringLiteral("INBOX"),
                                    uid, QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QVERIFY2(r.jsonLines()
                     .first()
                     .value(QStringLiteral("text"))
                     .toString()
                     .contains(QStringLiteral("Hello from the sync test.")),
                 qPrintable(r.describe()));
    }

    void accountAdd_wrongPassword_failsWithOneLineAndAddsNothing()
    {
        const MailUser user = freshUser();
        Test::TestProfile profile;
        CliRun r =
            runCli(profile.path(), addArgs(user, m_env.imapsPort, true), QStringLiteral("not-the-password"));
        verifyOnePlainLine(r);
        QVERIFY2(r.err.contains("not added"), qPrintable(r.describe()));
        QVERIFY(!r.err.contains("not-the-password"));
        r = runCli(profile.path(),
                   {QStringLiteral("account"), QStringLiteral("list"), QStringLiteral("--json")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.jsonLines().size(), 0);
    }

    void sync_wrongPassword_failsWithOneLine()
    {
        const MailUser user = freshUser();
        Test::TestProfile profile;
        CliRun r = runCli(profile.path(), addArgs(user, m_env.imapsPort, false), user.password);
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        r = runCli(profile.path(),
                   {QStringLiteral("sync"), QStringLiteral("--once"), QStringLiteral("--account"),
                    QStringLiteral("Work"), QStringLiteral("--password-stdin")},
                   QStringLiteral("not-the-password"));
        verifyOnePlainLine(r);
        QVERIFY2(r.err.contains("refused the login name or password"), qPrintable(r.describe()));
        QVERIFY(!r.err.contains("not-the-password"));
    }

    void closedPort_accountAddAndSyncFailWithOneLine()
    {
        const MailUser user = freshUser();
        const quint16 port = closedPort();
        QVERIFY(port);
        Test::TestProfile profile;
        CliRun r = runCli(profile.path(), addArgs(user, port, true), user.password);
        verifyOnePlainLine(r);

        // An account that worked, whose server stopped answering on its port.
        r = runCli(profile.path(), addArgs(user, m_env.imapsPort, false), user.password);
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        {
            auto db = Store::Database::open(profile.path());
            QVERIFY(db);
            Store::AccountStore accounts(*db.value());
            auto list = accounts.list();
            QVERIFY(list && list->size() == 1);
            Store::Account row = list->first();
            QJsonObject settings = row.settings;
            QJsonObject incoming = settings.value(QStringLiteral("incoming")).toObject();
            incoming.insert(QStringLiteral("port"), int(port));
            settings.insert(QStringLiteral("incoming"), incoming);
            row.settings = settings;
            QCOMPARE(accounts.update(row), Error());
        }
        r = runCli(profile.path(),
                   {QStringLiteral("sync"), QStringLiteral("--once"), QStringLiteral("--account"),
                    QStringLiteral("Work"), QStringLiteral("--password-stdin")},
                   user.password);
        verifyOnePlainLine(r);
        QVERIFY2(r.err.contains("Nothing answers"), qPrintable(r.describe()));
    }
};

QTEST_GUILESS_MAIN(TestSyncCli)
#include "test_sync_cli.moc"
