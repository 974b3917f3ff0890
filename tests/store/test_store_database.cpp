// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Database: migrations, PRAGMAs, the transaction guard, errors, small repositories.
#include "core/common/clock.h"
#include "core/store/certificatepinstore.h"
#include "core/store/contactstore.h"
#include "storetestutil.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

using namespace Tidings;
using namespace Tidings::Store;
using namespace Tidings::Test;

class TestStoreDatabase : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void open_emptyProfile_appliesEveryMigration()
    {
        QTemporaryDir dir;
        auto db = openOrFail(dir.path());
        QVERIFY(db);
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("tidings.db"))));
        QCOMPARE(db->schemaVersion(), db->latestSchemaVersion());
        QVERIFY(db->latestSchemaVersion() >= 1);
        QCOMPARE(db->scalar(QStringLiteral("PRAGMA user_version"))->toInt(), db->latestSchemaVersion());
        for (const char *table :
             {"accounts", "folders", "messages", "message_parts", "message_text", "messages_fts",
              "pending_operations", "pop3_uidls", "outbox", "contacts_seen", "certificate_pins"}) {
            QCOMPARE(count(*db, QStringLiteral("SELECT count(*) FROM sqlite_master WHERE name = '%1'")
                                    .arg(QLatin1String(table))),
                     1);
        }
        QCOMPARE(integrity(*db), QStringLiteral("ok"));
    }

    void profileId_isRandom_andStableAcrossOpens()
    {
        QTemporaryDir first;
        QTemporaryDir second;
        QString id;
        {
            auto db = openOrFail(first.path());
            QVERIFY(db);
            id = db->profileId();
        }
        QCOMPARE(id.size(), 32); // 16 random bytes in hex
        auto again = openOrFail(first.path());
        QVERIFY(again);
        QCOMPARE(again->profileId(), id);
        auto other = openOrFail(second.path());
        QVERIFY(other);
        QVERIFY(!other->profileId().isEmpty());
        QVERIFY(other->profileId() != id);
    }

    void open_existingDatabase_reopensWithoutMigratingAgain()
    {
        QTemporaryDir dir;
        qint64 account = 0;
        {
            auto db = openOrFail(dir.path());
            QVERIFY(db);
            account = addAccount(*db, QStringLiteral("alice"));
            QVERIFY(account > 0);
        }
        for (int i = 0; i < 2; ++i) {
            auto db = openOrFail(dir.path());
            QVERIFY(db);
            QCOMPARE(db->schemaVersion(), db->latestSchemaVersion());
            auto accounts = AccountStore(*db).list();
            STORE_OK(accounts);
            QCOMPARE(accounts->size(), 1);
            QCOMPARE(accounts->first().id, account);
        }
    }

    void open_fileDatabase_setsWalForeignKeysAndNormalSync()
    {
        QTemporaryDir dir;
        auto db = openOrFail(dir.path());
        QVERIFY(db);
        QCOMPARE(db->scalar(QStringLiteral("PRAGMA journal_mode"))->toString(), QStringLiteral("wal"));
        QCOMPARE(db->scalar(QStringLiteral("PRAGMA foreign_keys"))->toInt(), 1);
        QCOMPARE(db->scalar(QStringLiteral("PRAGMA synchronous"))->toInt(), 1); // NORMAL
    }

    void open_memory_worksWithoutFiles()
    {
        auto db = openOrFail(QStringLiteral(":memory:"));
        QVERIFY(db);
        QVERIFY(db->isInMemory());
        QCOMPARE(db->scalar(QStringLiteral("PRAGMA foreign_keys"))->toInt(), 1);
        QCOMPARE(db->schemaVersion(), db->latestSchemaVersion());
    }

    void open_databaseFromNewerVersion_isRefusedUntouched()
    {
        QTemporaryDir dir;
        {
            auto db = openOrFail(dir.path());
            QVERIFY(db);
            STORE_OK(db->exec(QStringLiteral("PRAGMA user_version = 99")));
        }
        auto result = Database::open(dir.path());
        QVERIFY(!result.ok());
        QCOMPARE(result.error().kind, Error::Kind::Storage);
        QVERIFY2(result.error().detail.contains(QStringLiteral("newer")), qPrintable(result.error().detail));
    }

    void migration_failingHalfway_rollsBackAndKeepsVersion()
    {
        QTemporaryDir profile;
        QTemporaryDir migrations;
        QVERIFY(QFile::copy(QStringLiteral(":/tidings/store/schema/0001_initial.sql"),
                            migrations.filePath(QStringLiteral("0001_initial.sql"))));
        {
            QFile bad(migrations.filePath(QStringLiteral("0002_broken.sql")));
            QVERIFY(bad.open(QIODevice::WriteOnly));
            bad.write("CREATE TABLE half_done (a INTEGER);\nINSERT INTO no_such_table VALUES (1);\n");
        }
        Database::Options options;
        options.migrationsDir = migrations.path();
        auto broken = Database::open(profile.path(), options);
        QVERIFY(!broken.ok());
        QCOMPARE(broken.error().kind, Error::Kind::Storage);
        QVERIFY2(broken.error().detail.contains(QStringLiteral("0002_broken.sql")),
                 qPrintable(broken.error().detail));

        QVERIFY(QFile::remove(migrations.filePath(QStringLiteral("0002_broken.sql"))));
        auto db = openOrFail(profile.path(), options);
        QVERIFY(db);
        QCOMPARE(db->schemaVersion(), 1);
        QCOMPARE(count(*db, QStringLiteral("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'")),
                 0);
    }

    void migration_outOfSequenceFile_isRefused()
    {
        QTemporaryDir migrations;
        QVERIFY(QFile::copy(QStringLiteral(":/tidings/store/schema/0001_initial.sql"),
                            migrations.filePath(QStringLiteral("0001_initial.sql"))));
        QFile gap(migrations.filePath(QStringLiteral("0003_gap.sql")));
        QVERIFY(gap.open(QIODevice::WriteOnly));
        gap.write("SELECT 1;");
        gap.close();
        Database::Options options;
        options.migrationsDir = migrations.path();
        auto result = Database::open(QStringLiteral(":memory:"), options);
        QVERIFY(!result.ok());
        QVERIFY(result.error().detail.contains(QStringLiteral("0003_gap.sql")));
    }

    void foreignKeys_messageInMissingFolder_isRejected()
    {
        auto db = openOrFail(QStringLiteral(":memory:"));
        QVERIFY(db);
        const qint64 account = addAccount(*db, QStringLiteral("a"));
        const Error e = db->exec(
            QStringLiteral("INSERT INTO messages (account_id, folder_id, uidvalidity, uid, sort_date) "
                           "VALUES (%1, 4242, 1, 1, 0)")
                .arg(account));
        QCOMPARE(e.kind, Error::Kind::Storage);
        QVERIFY2(e.detail.contains(QStringLiteral("FOREIGN KEY")), qPrintable(e.detail));
        QCOMPARE(e.responseCode, QByteArray("SQLITE_CONSTRAINT"));
    }

    void error_badStatement_isStorageWithSqliteText()
    {
        auto db = openOrFail(QStringLiteral(":memory:"));
        QVERIFY(db);
        const Error e = db->exec(QStringLiteral("SELECT * FROM no_such_table"));
        QCOMPARE(e.kind, Error::Kind::Storage);
        QVERIFY2(e.detail.contains(QStringLiteral("no such table")), qPrintable(e.detail));
    }

    void transaction_notCommitted_rollsBack()
    {
        auto db = openOrFail(QStringLiteral(":memory:"));
        QVERIFY(db);
        {
            Transaction t(*db);
            STORE_OK(t.error());
            QVERIFY(addAccount(*db, QStringLiteral("gone")) > 0);
            QVERIFY(db->inTransaction());
        }
        QVERIFY(!db->inTransaction());
        QCOMPARE(count(*db, QStringLiteral("SELECT count(*) FROM accounts")), 0);
        {
            Transaction t(*db);
            QVERIFY(addAccount(*db, QStringLiteral("kept")) > 0);
            STORE_OK(t.commit());
        }
        QCOMPARE(count(*db, QStringLiteral("SELECT count(*) FROM accounts")), 1);
    }

    void transaction_innerRolledBack_keepsOuterWork()
    {
        auto db = openOrFail(QStringLiteral(":memory:"));
        QVERIFY(db);
        {
            Transaction outer(*db);
            QVERIFY(addAccount(*db, QStringLiteral("outer")) > 0);
            {
                Transaction inner(*db);
                STORE_OK(inner.error());
                QVERIFY(addAccount(*db, QStringLiteral("inner")) > 0);
                inner.rollback();
            }
            {
                Transaction inner(*db);
                QVERIFY(addAccount(*db, QStringLiteral("inner2")) > 0);
                STORE_OK(inner.commit());
            }
            STORE_OK(outer.commit());
        }
        auto accounts = AccountStore(*db).list();
        STORE_OK(accounts);
        QCOMPARE(accounts->size(), 2);
        QCOMPARE(accounts->at(0).name, QStringLiteral("outer"));
        QCOMPARE(accounts->at(1).name, QStringLiteral("inner2"));
    }

    void transaction_fullInsideNormal_isRefused()
    {
        auto db = openOrFail(QStringLiteral(":memory:"));
        QVERIFY(db);
        Transaction outer(*db, Durability::Normal);
        STORE_OK(outer.error());
        Transaction inner(*db, Durability::Full);
        QCOMPARE(inner.error().kind, Error::Kind::Storage);
        QVERIFY(inner.commit().isError());
        STORE_OK(outer.commit());
    }

    void transaction_full_syncsFullForItsCommitOnly()
    {
        QTemporaryDir dir;
        auto db = openOrFail(dir.path());
        QVERIFY(db);
        {
            Transaction t(*db, Durability::Full);
            STORE_OK(t.error());
            QCOMPARE(db->scalar(QStringLiteral("PRAGMA synchronous"))->toInt(), 2); // FULL
            QCOMPARE(db->transactionDurability(), Durability::Full);
            {
                Transaction nested(*db, Durability::Full);
                STORE_OK(nested.error());
                STORE_OK(nested.commit());
            }
            STORE_OK(t.commit());
        }
        QCOMPARE(db->scalar(QStringLiteral("PRAGMA synchronous"))->toInt(), 1);
        {
            Transaction t(*db, Durability::Full);
        } // rolled back: the level is restored too
        QCOMPARE(db->scalar(QStringLiteral("PRAGMA synchronous"))->toInt(), 1);
    }

    void accounts_roundTripWithSettings()
    {
        ManualClock clock;
        Database::Options options;
        options.clock = &clock;
        auto db = openOrFail(QStringLiteral(":memory:"), options);
        QVERIFY(db);
        AccountStore accounts(*db);
        Account a;
        a.name = QStringLiteral("Работа");
        a.email = QStringLiteral("ivan@example.ru");
        a.protocol = Account::Protocol::Pop3;
        a.settings = QJsonObject{{QStringLiteral("host"), QStringLiteral("pop.example.ru")},
                                 {QStringLiteral("port"), 995}};
        auto id = accounts.add(a);
        STORE_OK(id);
        a.id = *id;
        a.createdAt = clock.now();
        auto back = accounts.get(*id);
        STORE_OK(back);
        QCOMPARE(back.value(), a);
        a.name = QStringLiteral("Travail");
        STORE_OK(accounts.update(a));
        QCOMPARE(accounts.get(*id)->name, QStringLiteral("Travail"));
        STORE_OK(accounts.remove(*id));
        QVERIFY(!accounts.get(*id).ok());
    }

    void accounts_secretInSettings_isRefused()
    {
        auto db = openOrFail(QStringLiteral(":memory:"));
        QVERIFY(db);
        Account a;
        a.name = QStringLiteral("x");
        a.settings = QJsonObject{
            {QStringLiteral("smtp"), QJsonObject{{QStringLiteral("Password"), QStringLiteral("hunter2")}}}};
        auto id = AccountStore(*db).add(a);
        QVERIFY(!id.ok());
        QCOMPARE(id.error().kind, Error::Kind::Config);
        QVERIFY(!id.error().detail.contains(QStringLiteral("hunter2")));
        a.settings =
            QJsonObject{{QStringLiteral("list"), QJsonArray{QJsonObject{{QStringLiteral("oauthToken"), 1}}}}};
        QVERIFY(!AccountStore(*db).add(a).ok());
        QCOMPARE(count(*db, QStringLiteral("SELECT count(*) FROM accounts")), 0);
    }

    void accounts_remove_cascadesToEverythingOfTheAccount()
    {
        auto db = openOrFail(QStringLiteral(":memory:"));
        QVERIFY(db);
        const qint64 a = addAccount(*db, QStringLiteral("a"));
        const qint64 b = addAccount(*db, QStringLiteral("b"));
        const qint64 fa = addFolder(*db, a, "INBOX", 7);
        const qint64 fb = addFolder(*db, b, "INBOX", 7);
        STORE_OK(MessageStore(*db).upsertHeaders(
            fa, 7, {header(1, QStringLiteral("a1")), header(2, QStringLiteral("a2"))}));
        STORE_OK(MessageStore(*db).upsertHeaders(fb, 7, {header(1, QStringLiteral("b1"))}));
        STORE_OK(AccountStore(*db).remove(a));
        QCOMPARE(count(*db, QStringLiteral("SELECT count(*) FROM messages")), 1);
        QCOMPARE(count(*db, QStringLiteral("SELECT count(*) FROM folders")), 1);
        QCOMPARE(integrity(*db), QStringLiteral("ok"));
    }

    void contacts_completeByAddressOrName_mostUsedFirst()
    {
        auto db = openOrFail(QStringLiteral(":memory:"));
        QVERIFY(db);
        ContactStore contacts(*db);
        STORE_OK(contacts.noteUsed(QStringLiteral("Ivan@Example.RU"), QStringLiteral("Иван Петров")));
        STORE_OK(contacts.noteUsed(QStringLiteral("ivan@example.ru")));
        STORE_OK(contacts.noteUsed(QStringLiteral("irene@example.fr"), QStringLiteral("Irène Dupont")));
        auto found = contacts.complete(QStringLiteral("i"), 10);
        STORE_OK(found);
        QCOMPARE(found->size(), 2);
        QCOMPARE(found->first().address, QStringLiteral("ivan@example.ru"));
        QCOMPARE(found->first().name, QStringLiteral("Иван Петров"));
        QCOMPARE(found->first().useCount, 2);
        auto byName = contacts.complete(QStringLiteral("петр"), 10);
        STORE_OK(byName);
        QCOMPARE(byName->size(), 1);
        QCOMPARE(contacts.complete(QStringLiteral("dupont"), 10)->size(), 1);
        QCOMPARE(contacts.complete(QStringLiteral("zzz"), 10)->size(), 0);
    }

    void certificatePins_addContainsRemove()
    {
        auto db = openOrFail(QStringLiteral(":memory:"));
        QVERIFY(db);
        CertificatePinStore pins(*db);
        const QByteArray digest(32, '\x5a');
        STORE_OK(pins.add(QStringLiteral("IMAP.example.org"), 993, digest));
        STORE_OK(pins.add(QStringLiteral("imap.example.org"), 993, digest)); // same pin, no duplicate
        QCOMPARE(pins.contains(QStringLiteral("imap.example.org"), 993, digest).value(), true);
        QCOMPARE(pins.contains(QStringLiteral("imap.example.org"), 143, digest).value(), false);
        QCOMPARE(pins.pins(QStringLiteral("imap.example.org"), 993)->size(), 1);
        QVERIFY(pins.add(QStringLiteral("h"), 1, QByteArray(20, 'x')).isError());
        STORE_OK(pins.remove(QStringLiteral("imap.example.org"), 993, digest));
        QCOMPARE(pins.contains(QStringLiteral("imap.example.org"), 993, digest).value(), false);
    }
};

QTEST_GUILESS_MAIN(TestStoreDatabase)
#include "test_store_database.moc"
