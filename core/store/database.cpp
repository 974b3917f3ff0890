// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/store/database.h"

#include "core/common/clock.h"
#include "core/store/headerfeed.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlRecord>

#include <atomic>
#include <sqlite3.h>
#include <utility>

namespace Tidings::Store {

namespace {

std::atomic<quint64> g_connectionCounter{0};

QByteArray sqliteCodeName(int code)
{
    switch (code & 0xff) {
    case SQLITE_BUSY: return QByteArrayLiteral("SQLITE_BUSY");
    case SQLITE_LOCKED: return QByteArrayLiteral("SQLITE_LOCKED");
    case SQLITE_READONLY: return QByteArrayLiteral("SQLITE_READONLY");
    case SQLITE_IOERR: return QByteArrayLiteral("SQLITE_IOERR");
    case SQLITE_CORRUPT: return QByteArrayLiteral("SQLITE_CORRUPT");
    case SQLITE_FULL: return QByteArrayLiteral("SQLITE_FULL");
    case SQLITE_CANTOPEN: return QByteArrayLiteral("SQLITE_CANTOPEN");
    case SQLITE_CONSTRAINT: return QByteArrayLiteral("SQLITE_CONSTRAINT");
    case SQLITE_NOTADB: return QByteArrayLiteral("SQLITE_NOTADB");
    case SQLITE_ERROR: return QByteArrayLiteral("SQLITE_ERROR");
    default: return code == 0 ? QByteArray() : QByteArray("SQLITE_" + QByteArray::number(code & 0xff));
    }
}

/// Runs control statements (BEGIN, COMMIT, SAVEPOINT, PRAGMA synchronous, migration scripts)
/// straight through SQLite: they carry no parameters, and sqlite3_exec runs whole scripts.
Error execRaw(sqlite3 *handle, const QByteArray &sql, const QString &context)
{
    char *message = nullptr;
    const int rc = sqlite3_exec(handle, sql.constData(), nullptr, nullptr, &message);
    if (rc == SQLITE_OK)
        return {};
    const QString text = message ? QString::fromUtf8(message) : QString::fromUtf8(sqlite3_errstr(rc));
    sqlite3_free(message);
    return Database::storageError(context, text, sqlite3_extended_errcode(handle));
}

} // namespace

Database::Database(QString profileDir, Options options)
    : m_profileDir(std::move(profileDir))
    , m_options(std::move(options))
    , m_clock(m_options.clock ? m_options.clock : &SystemClock::instance())
    , m_connectionName(QStringLiteral("tidings-store-%1").arg(g_connectionCounter.fetch_add(1)))
    , m_thread(QThread::currentThread())
{}

Database::~Database()
{
    assertOwnerThread();
    m_statements.clear();
    if (m_db.isValid())
        m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connectionName);
}

Result<std::unique_ptr<Database>> Database::open(const QString &profileDir, Options options)
{
    const bool memory = profileDir == u":memory:";
    std::unique_ptr<Database> db(new Database(memory ? QString() : profileDir, std::move(options)));

    QString path = QStringLiteral(":memory:");
    if (!memory) {
        if (!QDir().mkpath(profileDir))
            return Error::make(Error::Kind::Storage,
                               QStringLiteral("cannot create the profile directory %1").arg(profileDir));
        path = QDir(profileDir).filePath(QStringLiteral("tidings.db"));
    }

    db->m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), db->m_connectionName);
    if (!db->m_db.isValid())
        return Error::make(Error::Kind::Storage,
                           QStringLiteral("the Qt SQLite driver (QSQLITE) is not available"));
    db->m_db.setDatabaseName(path);
    db->m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!db->m_db.open())
        return storageError(QStringLiteral("cannot open %1").arg(path), db->m_db.lastError().text());

    const QVariant handle = db->m_db.driver()->handle();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0)
        return Error::make(Error::Kind::Storage, QStringLiteral("the QSQLITE driver gave no sqlite3 handle"));
    db->m_handle = *static_cast<sqlite3 *const *>(handle.constData());

    if (Error e = db->configure())
        return e;
    if (Error e = db->migrate())
        return e;
    if (Error e = db->loadProfileId())
        return e;
    return db;
}

Error Database::loadProfileId()
{
    Result<QVariant> hasTable = scalar(
        QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'profile'"));
    if (!hasTable)
        return hasTable.error();
    if (hasTable->toInt() == 0)
        return Error{};
    Result<QVariant> id = scalar(QStringLiteral("SELECT value FROM profile WHERE key = 'id'"));
    if (!id)
        return id.error();
    m_profileId = id->toString();
    Result<QVariant> notes = scalar(QStringLiteral(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'deleted_part_files'"));
    if (!notes)
        return notes.error();
    m_hasPartFileNotes = notes->toInt() == 1;
    if (m_profileId.isEmpty())
        return Error::make(Error::Kind::Storage,
                           QStringLiteral("the profile has no id (table profile, key 'id')"));
    return Error{};
}

void Database::removeDeletedPartFiles()
{
    if (!m_hasPartFileNotes || isInMemory() || m_removingPartFiles)
        return;
    m_removingPartFiles = true;
    const QDir profile(m_profileDir);
    for (;;) {
        // A file is removed only when no row names it: a message id can be reused by a new row
        // with the same section, and then the file is that row's.
        Statement pending(*this,
                          QStringLiteral("SELECT d.file_name, EXISTS (SELECT 1 FROM message_parts p WHERE "
                                         "p.file_name = d.file_name) FROM deleted_part_files d LIMIT 500"));
        if (pending.exec())
            break;
        QStringList noted;
        while (pending.next()) {
            const QString name = pending.value(0).toString();
            noted << name;
            // Only names PartStore makes ("parts/<file>") are ever touched.
            if (!pending.value(1).toBool() && name.startsWith(u"parts/") && !name.contains(u"..") &&
                name.count(u'/') == 1)
                QFile::remove(profile.filePath(name));
        }
        if (noted.isEmpty())
            break;
        Transaction t(*this);
        Statement forget(*this, QStringLiteral("DELETE FROM deleted_part_files WHERE file_name = ?"));
        bool ok = !t.error();
        for (const QString &name : std::as_const(noted)) {
            if (!ok)
                break;
            forget.bind(name);
            ok = !forget.exec();
        }
        if (!ok || t.commit())
            break; // the notes stay; the next commit tries again
    }
    m_removingPartFiles = false;
}

Error Database::configure()
{
    // WAL first: it is a property of the file and persists; the rest are per connection.
    if (!isInMemory()) {
        Result<QVariant> mode = scalar(QStringLiteral("PRAGMA journal_mode = WAL"));
        if (!mode)
            return mode.error();
        if (mode->toString().compare(u"wal", Qt::CaseInsensitive) != 0)
            return Error::make(
                Error::Kind::Storage,
                QStringLiteral("SQLite refused WAL mode (journal_mode is %1)").arg(mode->toString()));
    }
    // wal_autocheckpoint: a checkpoint inside a commit (two fsyncs under synchronous=NORMAL)
    // only once the WAL holds 32768 pages (128 MiB), not at SQLite's 1000: an initial sync
    // writes hundreds of MiB, and its checkpoints were a seventh of the store writer's work
    // (docs/sync.md, Benchmark). The writer checkpoints when it goes idle instead
    // (StoreWriter), so a sync's commits leave that work for after the sync, and the bound
    // only matters to a sync of more than about 180,000 headers. journal_size_limit gives the
    // space back after a checkpoint.
    for (const char *pragma : {"PRAGMA foreign_keys = ON", "PRAGMA synchronous = NORMAL",
                               "PRAGMA temp_store = MEMORY", "PRAGMA cache_size = -32768",
                               "PRAGMA wal_autocheckpoint = 32768", "PRAGMA journal_size_limit = 33554432"}) {
        if (Error e = execRaw(m_handle, pragma, QString::fromLatin1(pragma)))
            return e;
    }
    Result<QVariant> fk = scalar(QStringLiteral("PRAGMA foreign_keys"));
    if (!fk)
        return fk.error();
    if (fk->toInt() != 1)
        return Error::make(Error::Kind::Storage, QStringLiteral("this SQLite does not enforce foreign keys"));
    if (const int rc = HeaderFeed::registerModule(m_handle); rc != SQLITE_OK)
        return storageError(QStringLiteral("registering header_feed"), QString::fromUtf8(sqlite3_errstr(rc)),
                            rc);
    return {};
}

Error Database::migrate()
{
    static const QRegularExpression namePattern(QStringLiteral("^(\\d{4})_[A-Za-z0-9_-]+\\.sql$"));
    const QDir dir(m_options.migrationsDir);
    const QStringList files = dir.entryList({QStringLiteral("*.sql")}, QDir::Files, QDir::Name);
    if (files.isEmpty())
        return Error::make(Error::Kind::Storage,
                           QStringLiteral("no schema migrations found in %1").arg(m_options.migrationsDir));

    Result<QVariant> current = scalar(QStringLiteral("PRAGMA user_version"));
    if (!current)
        return current.error();
    m_schemaVersion = current->toInt();

    int expected = 1;
    for (const QString &file : files) {
        const QRegularExpressionMatch match = namePattern.match(file);
        if (!match.hasMatch() || match.captured(1).toInt() != expected)
            return Error::make(
                Error::Kind::Storage,
                QStringLiteral("schema migration %1 is misnamed or out of sequence (expected %2)")
                    .arg(file)
                    .arg(expected, 4, 10, QLatin1Char('0')));
        ++expected;
    }
    m_latestVersion = int(files.size());

    if (m_schemaVersion > m_latestVersion)
        return Error::make(
            Error::Kind::Storage,
            QStringLiteral("the database has schema version %1, newer than this Tidings knows (%2); "
                           "it was written by a newer version and is left untouched")
                .arg(m_schemaVersion)
                .arg(m_latestVersion));

    for (int version = m_schemaVersion + 1; version <= m_latestVersion; ++version) {
        const QString file = files.at(version - 1);
        QFile script(dir.filePath(file));
        if (!script.open(QIODevice::ReadOnly))
            return Error::make(Error::Kind::Storage,
                               QStringLiteral("cannot read schema migration %1").arg(file));
        const QByteArray sql = script.readAll();

        const QString context = QStringLiteral("schema migration %1").arg(file);
        if (Error e = execRaw(m_handle, "BEGIN IMMEDIATE", context))
            return e;
        Error e = execRaw(m_handle, sql, context);
        if (!e)
            e = execRaw(m_handle, "PRAGMA user_version = " + QByteArray::number(version), context);
        if (!e)
            e = execRaw(m_handle, "COMMIT", context);
        if (e) {
            if (!sqlite3_get_autocommit(m_handle))
                execRaw(m_handle, "ROLLBACK", context);
            return e;
        }
        m_schemaVersion = version;
    }
    return {};
}

QSqlQuery *Database::cached(const QString &sql, Error &error)
{
    auto it = m_statements.find(sql);
    if (it != m_statements.end())
        return it->second.get();
    auto query = std::make_unique<QSqlQuery>(m_db);
    query->setForwardOnly(true);
    if (!query->prepare(sql)) {
        error = storageError(QStringLiteral("prepare \"%1\"").arg(sql.simplified().left(80)), *query);
        return nullptr;
    }
    return m_statements.emplace(sql, std::move(query)).first->second.get();
}

Error Database::checkTransactionAlive()
{
    if (m_depth == 0)
        return {};
    if (!m_aborted && sqlite3_get_autocommit(m_handle))
        m_aborted = true;
    if (m_aborted)
        return Error::make(Error::Kind::Storage,
                           QStringLiteral("the transaction was rolled back by SQLite after an earlier error; "
                                          "nothing more is written until it ends"));
    return {};
}

void Database::releaseMemory()
{
    sqlite3_db_release_memory(m_handle);
}

Error Database::checkpoint()
{
    assertOwnerThread();
    if (isInMemory())
        return {};
    // SQLITE_BUSY: another connection is checkpointing; nothing to do here.
    const int rc = sqlite3_wal_checkpoint_v2(m_handle, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (rc == SQLITE_OK || rc == SQLITE_BUSY)
        return {};
    return storageError(QStringLiteral("checkpointing the WAL"), QString::fromUtf8(sqlite3_errmsg(m_handle)),
                        rc);
}

Error Database::exec(const QString &sql)
{
    Statement statement(*this, sql);
    return statement.exec();
}

Result<QVariant> Database::scalar(const QString &sql)
{
    assertOwnerThread();
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    if (!query.exec(sql))
        return storageError(sql, query);
    if (!query.next())
        return QVariant();
    return query.value(0);
}

Result<QString> Database::integrityCheck()
{
    assertOwnerThread();
    QStringList problems;
    {
        QSqlQuery query(m_db);
        query.setForwardOnly(true);
        if (!query.exec(QStringLiteral("PRAGMA integrity_check")))
            return storageError(QStringLiteral("PRAGMA integrity_check"), query);
        while (query.next()) {
            const QString line = query.value(0).toString();
            if (line != u"ok")
                problems << line;
        }
    }
    {
        QSqlQuery query(m_db);
        if (!query.exec(QStringLiteral("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')")))
            problems << QStringLiteral("full-text index: ") + query.lastError().databaseText();
    }
    if (m_schemaVersion >= 6) {
        // The Message-ID lookup table against the rows it stands for (schema 6): every message
        // with a Message-ID that is not waiting for its search index, and nothing else.
        QSqlQuery query(m_db);
        query.setForwardOnly(true);
        static const QString indexed =
            QStringLiteral("SELECT message_id, id FROM messages m WHERE message_id IS NOT NULL "
                           "AND NOT EXISTS (SELECT 1 FROM search_pending p WHERE p.message_id = m.id)");
        static const QString held = QStringLiteral("SELECT message_id, id FROM message_ids");
        if (!query.exec(QStringLiteral("SELECT (SELECT count(*) FROM (%1 EXCEPT %2)), "
                                       "(SELECT count(*) FROM (%2 EXCEPT %1))")
                            .arg(indexed, held)))
            return storageError(QStringLiteral("checking message_ids"), query);
        if (query.next() && (query.value(0).toLongLong() != 0 || query.value(1).toLongLong() != 0))
            problems << QStringLiteral("Message-ID index: %1 messages missing, %2 entries stale")
                            .arg(query.value(0).toLongLong())
                            .arg(query.value(1).toLongLong());
    }
    {
        QSqlQuery query(m_db);
        query.setForwardOnly(true);
        if (!query.exec(QStringLiteral("PRAGMA foreign_key_check")))
            return storageError(QStringLiteral("PRAGMA foreign_key_check"), query);
        while (query.next())
            problems << QStringLiteral("foreign key violation in %1 row %2")
                            .arg(query.value(0).toString(), query.value(1).toString());
    }
    return problems.isEmpty() ? QStringLiteral("ok") : problems.join(u'\n');
}

Error Database::requireFullDurability(const char *what) const
{
    if (m_depth > 0 && m_rootDurability == Durability::Full)
        return {};
    return Error::make(
        Error::Kind::Storage,
        QStringLiteral("%1 must be written in a Durability::Full transaction").arg(QLatin1String(what)));
}

Error Database::storageError(const QString &context, const QSqlQuery &query)
{
    const QSqlError error = query.lastError();
    QString text = error.databaseText();
    if (text.isEmpty())
        text = error.text();
    return storageError(context, text, error.nativeErrorCode().toInt());
}

Error Database::storageError(const QString &context, const QString &sqliteText, int code)
{
    return Error::make(Error::Kind::Storage, context + QStringLiteral(": ") + sqliteText, {},
                       sqliteCodeName(code));
}

// --- Transaction -------------------------------------------------------------------------

Transaction::Transaction(Database &db, Durability durability)
    : m_db(db)
{
    m_db.assertOwnerThread();
    if (m_db.m_depth == 0) {
        if (durability == Durability::Full) {
            m_error = execRaw(m_db.m_handle, "PRAGMA synchronous = FULL",
                              QStringLiteral("begin durable transaction"));
            if (m_error)
                return;
            m_full = true;
        }
        m_error = execRaw(m_db.m_handle, "BEGIN IMMEDIATE", QStringLiteral("begin transaction"));
        if (m_error) {
            if (m_full)
                execRaw(m_db.m_handle, "PRAGMA synchronous = NORMAL", {});
            m_full = false;
            return;
        }
        m_db.m_rootDurability = durability;
        m_db.m_aborted = false;
    } else {
        if (durability == Durability::Full && m_db.m_rootDurability != Durability::Full) {
            m_error =
                Error::make(Error::Kind::Storage,
                            QStringLiteral("a Durability::Full transaction cannot nest inside a Normal one"));
            return;
        }
        if ((m_error = m_db.checkTransactionAlive()))
            return;
        m_error = execRaw(m_db.m_handle, "SAVEPOINT tidings_" + QByteArray::number(m_db.m_depth + 1),
                          QStringLiteral("begin savepoint"));
        if (m_error)
            return;
    }
    m_level = ++m_db.m_depth;
    m_open = true;
}

Transaction::~Transaction()
{
    if (m_open)
        rollback();
}

Error Transaction::commit()
{
    if (!m_open)
        return m_error ? m_error
                       : Error::make(Error::Kind::Storage, QStringLiteral("the transaction is not open"));
    Q_ASSERT_X(m_db.m_depth == m_level, "Tidings::Store::Transaction", "guards must end in reverse order");

    if (Error e = m_db.checkTransactionAlive()) {
        rollback();
        return e;
    }
    Error e;
    if (m_level == 1) {
        e = execRaw(m_db.m_handle, "COMMIT", QStringLiteral("commit"));
        if (e) {
            rollback();
            return e;
        }
        m_db.m_depth = 0;
        m_open = false;
        if (m_full)
            execRaw(m_db.m_handle, "PRAGMA synchronous = NORMAL", {});
        m_db.removeDeletedPartFiles();
        return {};
    }
    e = execRaw(m_db.m_handle, "RELEASE tidings_" + QByteArray::number(m_level),
                QStringLiteral("release savepoint"));
    if (e) {
        rollback();
        return e;
    }
    --m_db.m_depth;
    m_open = false;
    return {};
}

void Transaction::rollback()
{
    if (!m_open)
        return;
    Q_ASSERT_X(m_db.m_depth == m_level, "Tidings::Store::Transaction", "guards must end in reverse order");
    sqlite3 *handle = m_db.m_handle;
    if (m_level == 1) {
        if (!sqlite3_get_autocommit(handle))
            execRaw(handle, "ROLLBACK", QStringLiteral("rollback"));
        m_db.m_depth = 0;
        m_db.m_aborted = false;
        if (m_full)
            execRaw(handle, "PRAGMA synchronous = NORMAL", {});
    } else {
        if (!m_db.m_aborted && !sqlite3_get_autocommit(handle)) {
            const QByteArray name = "tidings_" + QByteArray::number(m_level);
            execRaw(handle, "ROLLBACK TO " + name + "; RELEASE " + name,
                    QStringLiteral("rollback savepoint"));
        }
        --m_db.m_depth;
    }
    m_open = false;
}

// --- Statement ---------------------------------------------------------------------------

Statement::Statement(Database &db, const QString &sql)
    : m_db(db)
    , m_sql(sql)
{
    m_db.assertOwnerThread();
    m_query = m_db.cached(sql, m_prepareError);
}

Statement::~Statement()
{
    if (m_query)
        m_query->finish();
}

Statement &Statement::bind(const QVariant &value)
{
    // The QSQLITE driver binds a null QString or QByteArray as SQL NULL; here only an empty
    // QVariant means NULL, so an empty subject stays '' and satisfies NOT NULL.
    if (m_query) {
        if (value.typeId() == QMetaType::QString && value.toString().isNull())
            m_query->bindValue(m_nextBind, QVariant(QStringLiteral("")));
        else if (value.typeId() == QMetaType::QByteArray && value.toByteArray().isNull())
            m_query->bindValue(m_nextBind, QVariant(QByteArray("")));
        else
            m_query->bindValue(m_nextBind, value);
    }
    ++m_nextBind;
    return *this;
}

Error Statement::exec()
{
    if (m_prepareError)
        return m_prepareError;
    if (Error e = m_db.checkTransactionAlive())
        return e;
    m_nextBind = 0;
    if (m_query->exec())
        return {};
    Error e = Database::storageError(m_sql.simplified().left(60), *m_query);
    // SQLite may have ended the whole transaction (SQLITE_FULL, SQLITE_IOERR): note it, so
    // later statements in the same guard fail instead of autocommitting one by one.
    if (m_db.m_depth > 0 && sqlite3_get_autocommit(m_db.m_handle))
        m_db.m_aborted = true;
    return e;
}

Error Database::rawStatementError(const QString &context)
{
    Error e = storageError(context, QString::fromUtf8(sqlite3_errmsg(m_handle)),
                           sqlite3_extended_errcode(m_handle));
    if (m_depth > 0 && sqlite3_get_autocommit(m_handle))
        m_aborted = true;
    return e;
}

QVariant toDbTime(const QDateTime &time)
{
    return time.isValid() ? QVariant(time.toSecsSinceEpoch()) : QVariant();
}

QDateTime fromDbTime(const QVariant &value)
{
    if (value.isNull())
        return {};
    return QDateTime::fromSecsSinceEpoch(value.toLongLong(), Qt::UTC);
}

} // namespace Tidings::Store
