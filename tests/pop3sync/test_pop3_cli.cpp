// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// tidings-cli with a POP3 account, run through QProcess against the harness Dovecot: account add
// --pop3 (and its plain-language refusals of bad input), sync --once downloading new mail and
// nothing the second time, leave-on-server no emptying the server, a closed port reported as a
// connection problem.
#include "core/account/accountsettings.h"
#include "core/store/accountstore.h"
#include "core/store/database.h"
#include "core/store/messagestore.h"
#include "core/store/pop3store.h"
#include "core/sync/pop3poller.h"
#include "tests/support/mailserverenv.h"
#include "tests/sync/clitesthelpers.h"

#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace Tidings;
using namespace Tidings::Sync::TestHelpers;
using Tidings::Test::MailServerEnv;
using Tidings::Test::MailUser;

namespace {

QByteArray testMessage(const QByteArray &tag)
{
    return "From: Sender <sender@tidings.test>\r\nTo: someone@tidings.test\r\nSubject: " + tag +
           "\r\nMessage-ID: <" + tag +
           "@tidings.test>\r\nDate: Thu, 01 Jan 2026 10:00:00 +0000\r\n\r\n"
           "body of " +
           tag + "\r\n";
}

} // namespace

class TestPop3Cli final : public QObject
{
    Q_OBJECT
    MailServerEnv m_env;

    std::optional<MailUser> userWith(int messages)
    {
        QString problem;
        auto user = m_env.createUser(QStringLiteral("pop3cli"), &problem);
        if (!user) {
            qWarning("%s", qPrintable(problem));
            return std::nullopt;
        }
        for (int i = 0; i < messages; ++i) {
            if (!m_env.deliver(*user, testMessage("cli-" + QByteArray::number(i)), &problem)) {
                qWarning("%s", qPrintable(problem));
                return std::nullopt;
            }
        }
        return user;
    }

    QStringList addArgs(const MailUser &user, const QStringList &extra = {}, quint16 pop3Port = 0) const
    {
        return QStringList{QStringLiteral("account"),
                           QStringLiteral("add"),
                           QStringLiteral("--name"),
                           QStringLiteral("Pop"),
                           QStringLiteral("--email"),
                           user.address,
                           QStringLiteral("--pop3"),
                           QStringLiteral("%1:%2").arg(m_env.host).arg(pop3Port ? pop3Port : m_env.pop3sPort),
                           QStringLiteral("--pop3-security"),
                           QStringLiteral("tls"),
                           QStringLiteral("--user"),
                           user.address,
                           QStringLiteral("--smtp"),
                           QStringLiteral("%1:%2").arg(m_env.host).arg(m_env.smtpsPort),
                           QStringLiteral("--smtp-security"),
                           QStringLiteral("tls"),
                           QStringLiteral("--ca-file"),
                           m_env.caFile,
                           QStringLiteral("--password-stdin"),
                           QStringLiteral("--no-keychain")} +
               extra;
    }

    static QStringList syncArgs()
    {
        return {QStringLiteral("sync"), QStringLiteral("--once"), QStringLiteral("--account"),
                QStringLiteral("Pop"), QStringLiteral("--password-stdin")};
    }

    /// Messages in the account's local Inbox, read from the profile's store.
    static int storedMessages(const QString &profile)
    {
        auto db = Store::Database::open(profile);
        if (!db)
            return -1;
        auto accounts = Store::AccountStore(*db.value()).list();
        if (!accounts || accounts->size() != 1)
            return -1;
        auto inbox = Sync::Pop3Poller::inboxFolder(*db.value(), accounts->first().id);
        if (!std::holds_alternative<qint64>(inbox))
            return -1;
        auto page = Store::MessageStore(*db.value()).folderPageAt(std::get<qint64>(inbox), 10000, 0);
        return page ? int(page->size()) : -1;
    }

    static int unindexedMessages(const QString &profile)
    {
        auto db = Store::Database::open(profile);
        if (!db)
            return -1;
        auto accounts = Store::AccountStore(*db.value()).list();
        if (!accounts || accounts->size() != 1)
            return -1;
        auto ids = Store::Pop3Store(*db.value()).unindexedMessages(accounts->first().id, 0, 10000);
        return ids ? int(ids->size()) : -1;
    }

    static int searchHits(const QString &profile, const QString &text)
    {
        auto db = Store::Database::open(profile);
        if (!db)
            return -1;
        auto found = Store::MessageStore(*db.value()).search(text, 100);
        if (!found)
            return -1;
        for (const Store::StoredMessage &m : *found) {
            if (!m.header.preview.startsWith(QStringLiteral("body of cli-")))
                return -2;
        }
        return int(found->size());
    }

    static std::optional<Account::AccountSettings> storedSettings(const QString &profile,
                                                                  Store::Account *row = nullptr)
    {
        auto db = Store::Database::open(profile);
        if (!db)
            return std::nullopt;
        auto accounts = Store::AccountStore(*db.value()).list();
        if (!accounts || accounts->size() != 1)
            return std::nullopt;
        if (row)
            *row = accounts->first();
        return Account::AccountSettings::fromJson(accounts->first().settings);
    }

    static int accountCount(const QString &profile)
    {
        auto db = Store::Database::open(profile);
        if (!db)
            return -1;
        auto accounts = Store::AccountStore(*db.value()).list();
        return accounts ? int(accounts->size()) : -1;
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

    void accountAddPop3_syncOnce_downloadsNewMailThenNothing()
    {
        const auto user = userWith(3);
        QVERIFY(user);
        QTemporaryDir profile;
        const CliRun add = runCli(profile.path(), addArgs(*user), user->password);
        QVERIFY2(add.finished && add.exitCode == 0, qPrintable(add.describe()));

        Store::Account row;
        const auto settings = storedSettings(profile.path(), &row);
        QVERIFY(settings);
        QCOMPARE(row.protocol, Store::Account::Protocol::Pop3);
        QCOMPARE(settings->incomingProtocol, Account::IncomingProtocol::Pop3);
        QCOMPARE(settings->incoming.port, m_env.pop3sPort);
        QCOMPARE(settings->incoming.security, Security::ImplicitTls);
        QVERIFY(settings->leaveOnServer); // the default

        const CliRun first = runCli(profile.path(), syncArgs(), user->password);
        QVERIFY2(first.finished && first.exitCode == 0, qPrintable(first.describe()));
        QVERIFY2(first.out.contains("Pop: 3 on the server, 3 new, 0 deleted from the server"),
                 qPrintable(first.describe()));
        QCOMPARE(storedMessages(profile.path()), 3);
        // sync ends after the indexing of what it downloaded: previews and body search work.
        QCOMPARE(unindexedMessages(profile.path()), 0);
        QCOMPARE(searchHits(profile.path(), QStringLiteral("body")), 3);

        const CliRun second = runCli(profile.path(), syncArgs(), user->password);
        QVERIFY2(second.finished && second.exitCode == 0, qPrintable(second.describe()));
        QVERIFY2(second.out.contains("Pop: 3 on the server, 0 new, 0 deleted from the server"),
                 qPrintable(second.describe()));
        QCOMPARE(storedMessages(profile.path()), 3);

        // A new arrival is the only download of the next sync.
        QString problem;
        QVERIFY2(m_env.deliver(*user, testMessage("cli-late"), &problem), qPrintable(problem));
        const CliRun third = runCli(profile.path(), syncArgs(), user->password);
        QVERIFY2(third.finished && third.exitCode == 0, qPrintable(third.describe()));
        QVERIFY2(third.out.contains("Pop: 4 on the server, 1 new"), qPrintable(third.describe()));
        QCOMPARE(storedMessages(profile.path()), 4);
    }

    void leaveOnServerNo_syncDeletesWhatItStored()
    {
        const auto user = userWith(2);
        QVERIFY(user);
        QTemporaryDir profile;
        const CliRun add = runCli(profile.path(),
                                  addArgs(*user, {QStringLiteral("--leave-on-server"), QStringLiteral("no")}),
                                  user->password);
        QVERIFY2(add.finished && add.exitCode == 0, qPrintable(add.describe()));
        const auto settings = storedSettings(profile.path());
        QVERIFY(settings);
        QVERIFY(!settings->leaveOnServer);

        const CliRun first = runCli(profile.path(), syncArgs(), user->password);
        QVERIFY2(first.finished && first.exitCode == 0, qPrintable(first.describe()));
        QVERIFY2(first.out.contains("Pop: 2 on the server, 2 new, 2 deleted from the server"),
                 qPrintable(first.describe()));
        const CliRun second = runCli(profile.path(), syncArgs(), user->password);
        QVERIFY2(second.out.contains("Pop: 0 on the server, 0 new, 0 deleted from the server"),
                 qPrintable(second.describe()));
        QCOMPARE(storedMessages(profile.path()), 2);
    }

    void deleteAfterDays_isStored()
    {
        const auto user = userWith(0);
        QVERIFY(user);
        QTemporaryDir profile;
        const CliRun add =
            runCli(profile.path(),
                   addArgs(*user, {QStringLiteral("--leave-on-server"), QStringLiteral("yes"),
                                   QStringLiteral("--delete-after-days"), QStringLiteral("14")}),
                   user->password);
        QVERIFY2(add.finished && add.exitCode == 0, qPrintable(add.describe()));
        const auto settings = storedSettings(profile.path());
        QVERIFY(settings);
        QVERIFY(settings->leaveOnServer);
        QCOMPARE(settings->leaveOnServerDays, 14);
    }

    void accountAddPop3_badInput_isRefusedInPlainWords_data()
    {
        QTest::addColumn<QStringList>("replace"); // flag, value pairs replacing or adding to the defaults
        QTest::addColumn<QString>("says");
        QTest::newRow("port out of range")
            << QStringList{QStringLiteral("--pop3"), QStringLiteral("localhost:99999")}
            << QStringLiteral("port from 1 to 65535");
        QTest::newRow("no port") << QStringList{QStringLiteral("--pop3"), QStringLiteral("localhost")}
                                 << QStringLiteral("--pop3 wants HOST:PORT");
        QTest::newRow("unknown security")
            << QStringList{QStringLiteral("--pop3-security"), QStringLiteral("secure")}
            << QStringLiteral("--pop3-security must be tls");
        QTest::newRow("plaintext security")
            << QStringList{QStringLiteral("--pop3-security"), QStringLiteral("none")}
            << QStringLiteral("--pop3-security must be tls");
        QTest::newRow("negative days")
            << QStringList{QStringLiteral("--delete-after-days"), QStringLiteral("-3")}
            << QStringLiteral("whole number of days");
        QTest::newRow("days not a number")
            << QStringList{QStringLiteral("--delete-after-days"), QStringLiteral("soon")}
            << QStringLiteral("whole number of days");
        QTest::newRow("days without leaving on the server")
            << QStringList{QStringLiteral("--delete-after-days"), QStringLiteral("7"),
                           QStringLiteral("--leave-on-server"), QStringLiteral("no")}
            << QStringLiteral("only applies when messages are left on the server");
        QTest::newRow("leave-on-server not yes or no")
            << QStringList{QStringLiteral("--leave-on-server"), QStringLiteral("maybe")}
            << QStringLiteral("--leave-on-server wants yes or no");
        QTest::newRow("both IMAP and POP3")
            << QStringList{QStringLiteral("--imap"), QStringLiteral("localhost:993")}
            << QStringLiteral("either --imap or --pop3");
        QTest::newRow("IMAP-only option")
            << QStringList{QStringLiteral("--offline-days"), QStringLiteral("3")}
            << QStringLiteral("--offline-days is for IMAP accounts");
    }

    void accountAddPop3_badInput_isRefusedInPlainWords()
    {
        QFETCH(QStringList, replace);
        QFETCH(QString, says);
        MailUser user{QStringLiteral("nobody@tidings.test"), QStringLiteral("secret")};
        QStringList args = addArgs(user);
        for (qsizetype i = 0; i + 1 < replace.size(); i += 2) {
            const qsizetype at = args.indexOf(replace.at(i));
            if (at >= 0)
                args[at + 1] = replace.at(i + 1);
            else
                args << replace.at(i) << replace.at(i + 1);
        }
        QTemporaryDir profile;
        const CliRun r = runCli(profile.path(), args, user.password);
        QVERIFY2(r.finished, qPrintable(r.describe()));
        QVERIFY2(r.exitCode == 1 || r.exitCode == 2, qPrintable(r.describe()));
        QVERIFY2(r.err.startsWith("tidings-cli account add: "), qPrintable(r.describe()));
        QVERIFY2(QString::fromUtf8(r.err).contains(says), qPrintable(r.describe()));
        QVERIFY2(!r.out.contains("Testing"), qPrintable(r.describe())); // refused before any connection
        QVERIFY(accountCount(profile.path()) <= 0);
    }

    void syncOnce_closedPort_isAConnectionProblemNotTls()
    {
        const auto user = userWith(1);
        QVERIFY(user);
        QTemporaryDir profile;
        const CliRun add = runCli(profile.path(), addArgs(*user), user->password);
        QVERIFY2(add.finished && add.exitCode == 0, qPrintable(add.describe()));
        // Point the stored account at a port where nothing listens.
        quint16 closed = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress(m_env.host), 0));
            closed = probe.serverPort();
        }
        {
            auto db = Store::Database::open(profile.path());
            QVERIFY(db);
            Store::AccountStore accounts(*db.value());
            auto list = accounts.list();
            QVERIFY(list && list->size() == 1);
            Store::Account row = list->first();
            auto settings = Account::AccountSettings::fromJson(row.settings);
            QVERIFY(settings);
            settings->incoming.port = closed;
            QJsonObject json = settings->toJson();
            for (auto it = row.settings.constBegin(); it != row.settings.constEnd(); ++it) {
                if (!json.contains(it.key()))
                    json.insert(it.key(), it.value());
            }
            row.settings = json;
            QVERIFY(!accounts.update(row));
        }
        const CliRun r = runCli(profile.path(), syncArgs(), user->password);
        QVERIFY2(r.finished && r.exitCode == 1, qPrintable(r.describe()));
        QVERIFY2(r.errLines().size() == 1, qPrintable(r.describe()));
        QVERIFY2(r.err.contains("Network") || r.err.contains("cannot connect"), qPrintable(r.describe()));
        QVERIFY2(!r.err.contains("TLS handshake"), qPrintable(r.describe()));
        qInfo("stderr: %s", r.errLines().first().constData());
    }
};

QTEST_GUILESS_MAIN(TestPop3Cli)
#include "test_pop3_cli.moc"
