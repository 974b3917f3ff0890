// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/error.h"
#include "core/store/result.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QThread>
#include <QVariant>

#include <memory>
#include <unordered_map>

struct sqlite3;

namespace Tidings {
class Clock;
}

namespace Tidings::Store {

class Statement;
class Transaction;

/// How hard a commit is pushed to the disk.
///
/// SQLite's `synchronous` is a property of the connection, not of a table, and it cannot be
/// changed inside a transaction. The database runs with synchronous=NORMAL (in WAL mode: a
/// commit survives a crash of the program; a power cut may lose the last commits but never
/// corrupts). A Full transaction switches the connection to synchronous=FULL before BEGIN and
/// back after COMMIT, so its commit is fsync'ed before commit() returns. Writes whose loss
/// could cause a wrong deletion on a server (pending operations, POP3 UIDLs, the outbox) are
/// made only in Full transactions; their repositories refuse to write otherwise.
enum class Durability {
    Normal,
    Full,
};

/// One SQLite database per profile: `tidings.db` in the profile directory (or in memory).
///
/// Invariants:
/// - Opening applies every schema migration not yet applied (schema/NNNN_*.sql, each in its
///   own transaction together with `PRAGMA user_version = NNNN`), so an open Database always
///   has the newest schema; a database from a newer Tidings (user_version above ours) is
///   refused rather than written.
/// - PRAGMAs: journal_mode=WAL (file databases), foreign_keys=ON, synchronous=NORMAL outside
///   Full transactions, busy_timeout 5 s (tidings-cli may open the same profile).
/// - Thread model: the Database and every repository built on it live on the thread that
///   opened it (a Qt Sql connection may only be used there). Other threads talk to the owner
///   thread through queued signals; nothing here locks.
/// - Transactions nest through Transaction guards: the outermost is BEGIN IMMEDIATE … COMMIT,
///   inner ones are SAVEPOINTs. Guards end in strict reverse order of creation.
/// - If SQLite rolls a whole transaction back on its own (disk full, I/O error), every
///   statement until the outermost guard ends fails with Kind::Storage instead of silently
///   running outside the transaction, so a caller can never half-write.
class Database final
{
public:
    struct Options {
        /// Where schema migrations are read from; tests point it at their own directory.
        QString migrationsDir = QStringLiteral(":/tidings/store/schema");
        /// Sections larger than this many bytes are kept in files beside the database
        /// (file databases only). 0 keeps everything inline.
        qint64 partFileThreshold = 256 * 1024;
        /// Time source for created_at / first_seen / next_attempt_at; SystemClock if null.
        Clock *clock = nullptr;
    };

    /// Opens (creating if needed) `tidings.db` in @p profileDir, or an in-memory database
    /// when @p profileDir is ":memory:".
    [[nodiscard]] static Result<std::unique_ptr<Database>> open(const QString &profileDir, Options options);
    [[nodiscard]] static Result<std::unique_ptr<Database>> open(const QString &profileDir)
    {
        return open(profileDir, Options());
    }

    ~Database();
    Q_DISABLE_COPY_MOVE(Database)

    [[nodiscard]] bool isInMemory() const { return m_profileDir.isEmpty(); }
    /// The profile directory ("" for an in-memory database).
    [[nodiscard]] const QString &profileDir() const { return m_profileDir; }
    [[nodiscard]] const Options &options() const { return m_options; }
    [[nodiscard]] Clock &clock() const { return *m_clock; }

    /// PRAGMA user_version: the number of the last migration applied.
    [[nodiscard]] int schemaVersion() const { return m_schemaVersion; }
    /// The highest migration this build knows.
    [[nodiscard]] int latestSchemaVersion() const { return m_latestVersion; }
    /// A random identifier made when the profile was created (table `profile`, key 'id').
    /// Keychain entries are keyed by it so two profiles never share one. Empty only when the
    /// migrations that create it were not applied (tests with their own migrations).
    [[nodiscard]] const QString &profileId() const { return m_profileId; }

    /// Runs one SQL statement with no result rows (for PRAGMAs and maintenance).
    Error exec(const QString &sql);
    /// Gives the connection's page cache back to the system (an idle second connection need
    /// not hold its share of the cache).
    void releaseMemory();
    /// Copies the pages the WAL holds into the database file, as far as no reader still needs
    /// them (a passive checkpoint: it never waits for a reader or a writer). An idle writer
    /// runs it, so a long series of commits leaves its checkpoint for a quiet moment
    /// (StoreWriter; docs/store.md).
    Error checkpoint();
    /// Runs one SQL statement and returns the first column of its first row.
    [[nodiscard]] Result<QVariant> scalar(const QString &sql);

    /// `PRAGMA integrity_check` plus the FTS5 index's own integrity-check against its content.
    /// Returns "ok" or SQLite's report.
    [[nodiscard]] Result<QString> integrityCheck();

    /// True inside a Transaction guard.
    [[nodiscard]] bool inTransaction() const { return m_depth > 0; }
    /// The durability of the outermost open transaction.
    [[nodiscard]] Durability transactionDurability() const { return m_rootDurability; }
    /// Repositories of the dangerous tables call this first: an error unless a Full
    /// transaction is open.
    [[nodiscard]] Error requireFullDurability(const char *what) const;

    /// Builds a Storage error from a failed query, with SQLite's text and code.
    [[nodiscard]] static Error storageError(const QString &context, const QSqlQuery &query);
    [[nodiscard]] static Error storageError(const QString &context, const QString &sqliteText, int code = 0);

    /// The raw connection, for the few calls Qt Sql does not wrap.
    [[nodiscard]] sqlite3 *handle() const { return m_handle; }
    /// For a statement run on handle() that failed: the Storage error with SQLite's text and
    /// code, and, as Statement::exec does, a note when SQLite ended the open transaction itself
    /// (later statements in the guard then fail instead of autocommitting).
    [[nodiscard]] Error rawStatementError(const QString &context);

private:
    friend class Statement;
    friend class Transaction;

    Database(QString profileDir, Options options);
    Error configure();
    Error migrate();
    Error loadProfileId();
    /// After an outermost commit: removes the files noted in deleted_part_files (migration 3)
    /// that no message_parts row names any more, then forgets the notes.
    void removeDeletedPartFiles();
    QSqlQuery *cached(const QString &sql, Error &error);
    /// Error if SQLite has rolled back the transaction a guard still believes open.
    [[nodiscard]] Error checkTransactionAlive();
    void assertOwnerThread() const
    {
        Q_ASSERT_X(QThread::currentThread() == m_thread, "Tidings::Store::Database",
                   "the store is used from a thread that did not open it");
    }

    QString m_profileDir;
    Options m_options;
    Clock *m_clock = nullptr;
    QString m_connectionName;
    QSqlDatabase m_db;
    sqlite3 *m_handle = nullptr;
    QThread *m_thread = nullptr;
    int m_schemaVersion = 0;
    QString m_profileId;
    bool m_hasPartFileNotes = false;
    bool m_removingPartFiles = false;
    int m_latestVersion = 0;
    int m_depth = 0;
    Durability m_rootDurability = Durability::Normal;
    bool m_aborted = false; ///< SQLite rolled back the open transaction on its own
    std::unordered_map<QString, std::unique_ptr<QSqlQuery>> m_statements;
};

/// RAII transaction guard: rolls back unless commit() succeeded. The outermost guard is a real
/// transaction (BEGIN IMMEDIATE, so the write lock is taken up front); a guard inside another
/// is a SAVEPOINT, whose commit only becomes durable with the outermost commit. A Full guard
/// inside a Normal one is refused (error()), because the synchronous level of the outer
/// transaction can no longer change.
class [[nodiscard]] Transaction final
{
public:
    explicit Transaction(Database &db, Durability durability = Durability::Normal);
    ~Transaction();
    Q_DISABLE_COPY_MOVE(Transaction)

    /// Why the transaction could not begin (kind None when it began).
    [[nodiscard]] const Error &error() const { return m_error; }
    /// Commits (or releases the savepoint). After an error the work is rolled back.
    Error commit();
    /// Rolls back now instead of at destruction.
    void rollback();

private:
    Database &m_db;
    Error m_error;
    int m_level = 0; ///< 1 = outermost
    bool m_open = false;
    bool m_full = false;
};

/// A lease on a cached prepared statement: bind values in order, exec(), read rows; the
/// statement is reset when the lease ends, so no read transaction stays open by accident.
class Statement final
{
public:
    Statement(Database &db, const QString &sql);
    ~Statement();
    Q_DISABLE_COPY_MOVE(Statement)

    /// Binds the next positional parameter ('?'). A null QString/QByteArray binds as an empty
    /// value; pass QVariant() for SQL NULL.
    Statement &bind(const QVariant &value);
    Error exec();
    [[nodiscard]] bool next() { return m_query && m_query->next(); }
    [[nodiscard]] QVariant value(int column) const { return m_query->value(column); }
    [[nodiscard]] qint64 lastInsertId() const { return m_query->lastInsertId().toLongLong(); }
    [[nodiscard]] int rowsAffected() const { return m_query->numRowsAffected(); }

private:
    Database &m_db;
    QSqlQuery *m_query = nullptr;
    QString m_sql;
    Error m_prepareError;
    int m_nextBind = 0;
};

/// Seconds since the epoch for a QDateTime; a null/invalid time maps to a null QVariant.
[[nodiscard]] QVariant toDbTime(const QDateTime &time);
/// The inverse of toDbTime (UTC); a NULL column gives an invalid QDateTime.
[[nodiscard]] QDateTime fromDbTime(const QVariant &value);

} // namespace Tidings::Store
