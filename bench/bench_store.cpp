// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// tidings-bench store [ROWS] [--dir DIR]: the local cache at a million messages.
//
// Inserts ROWS (default 1,000,000) synthetic headers across 20 folders of 10 accounts in chunks
// of 500 (one transaction per chunk, as the IMAP sync writes them) and compares the rate with a
// floor: the same rows through a bare prepared INSERT into a table with no index, trigger or
// full-text index, in a second database in the same directory, same PRAGMAs, same chunks.
// Then times the queries the UI runs (median of 20) and reports the database size.
#include "bench/benchmark.h"
#include "core/store/accountstore.h"
#include "core/store/database.h"
#include "core/store/folderstore.h"
#include "core/store/messagestore.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>

#include <algorithm>
#include <random>
#include <sys/resource.h>
#include <vector>

using namespace Tidings;
using namespace Tidings::Store;

namespace {

constexpr int kAccounts = 10;
constexpr int kFoldersPerAccount = 2;
constexpr int kFolders = kAccounts * kFoldersPerAccount;
constexpr int kChunk = 500;
constexpr int kRepeats = 20;

const char *const kWords[] = {
    "report",   "meeting", "invoice", "budget", "release", "draft",    "review", "travel",  "photos",
    "éléments", "réunion", "facture", "équipe", "projet",  "déjeuner", "отчёт",  "встреча", "счёт",
    "привет",   "проект",  "письмо",  "план",   "weekly",  "summary",  "urgent", "update",  "lunch",
};
const char *const kNames[] = {"Ivan", "Marie",  "John",   "Olga", "Pierre",
                              "Anna", "Sergei", "Claire", "Tom",  "Elena"};

/// Deterministic synthetic headers: the same seed gives the same rows to store and floor.
class Generator
{
public:
    explicit Generator(quint32 seed)
        : m_rng(seed)
    {}

    MessageHeader next(quint32 uid, qint64 serial)
    {
        MessageHeader h;
        h.uid = uid;
        h.modSeq = quint64(serial) + 1;
        h.flags = (m_rng() % 10 < 3) ? MessageFlags() : MessageFlags(MessageFlag::Seen);
        // Five years of mail, roughly in arrival order with jitter.
        const qint64 base = 1600000000 + serial * 150 + qint64(m_rng() % 86400);
        h.date = QDateTime::fromSecsSinceEpoch(base, Qt::UTC);
        h.internalDate = h.date.addSecs(30);
        h.size = 2000 + qint64(m_rng() % 200000);
        const int words = 3 + int(m_rng() % 5);
        QStringList subject;
        for (int i = 0; i < words; ++i)
            subject << QString::fromUtf8(kWords[m_rng() % std::size(kWords)]);
        subject << QString::number(serial % 997);
        h.subject = subject.join(u' ');
        const int sender = int(m_rng() % 5000);
        h.from = QStringLiteral("%1 %2 <user%2@example%3.org>")
                     .arg(QString::fromLatin1(kNames[sender % std::size(kNames)]))
                     .arg(sender)
                     .arg(sender % 50);
        h.to = QStringLiteral("me@example.org");
        if (m_rng() % 4 == 0)
            h.cc = QStringLiteral("team%1@example.org").arg(m_rng() % 100);
        h.messageId = QStringLiteral("<%1.%2@bench.example.org>").arg(serial).arg(uid);
        if (m_rng() % 3 == 0)
            h.inReplyTo = QStringLiteral("<%1.x@bench.example.org>").arg(serial / 2);
        h.hasAttachments = m_rng() % 5 == 0;
        h.preview = subject.mid(1).join(u' ') +
                    QStringLiteral(" — a short excerpt of the first lines of the body text");
        return h;
    }

private:
    std::mt19937 m_rng;
};

/// Folder f of the 20 gets a share proportional to f+1 (the largest has ~9.5%).
std::vector<int> folderSizes(int rows)
{
    std::vector<int> sizes(kFolders);
    const int weightSum = kFolders * (kFolders + 1) / 2;
    int assigned = 0;
    for (int f = 0; f < kFolders; ++f) {
        sizes[f] = int(qint64(rows) * (f + 1) / weightSum);
        assigned += sizes[f];
    }
    sizes[kFolders - 1] += rows - assigned;
    return sizes;
}

/// The order chunks are written in: round-robin over folders, like syncs of many accounts.
std::vector<std::pair<int, int>> chunkPlan(const std::vector<int> &sizes)
{
    std::vector<std::pair<int, int>> plan; // folder index, chunk length
    std::vector<int> left = sizes;
    bool any = true;
    while (any) {
        any = false;
        for (int f = 0; f < kFolders; ++f) {
            if (left[f] > 0) {
                const int n = std::min(kChunk, left[f]);
                plan.emplace_back(f, n);
                left[f] -= n;
                any = true;
            }
        }
    }
    return plan;
}

/// CPU time of this process in ns: on a shared machine wall time also measures the neighbours.
qint64 cpuNs()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return (qint64(usage.ru_utime.tv_sec) + usage.ru_stime.tv_sec) * 1000000000LL +
           (qint64(usage.ru_utime.tv_usec) + usage.ru_stime.tv_usec) * 1000LL;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : (v[v.size() / 2] + v[(v.size() - 1) / 2]) / 2;
}

template <typename F> double timeMedianMs(F &&run)
{
    std::vector<double> times;
    for (int i = 0; i < kRepeats; ++i) {
        QElapsedTimer t;
        t.start();
        run(i);
        times.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    return median(times);
}

qint64 fileSize(const QString &path)
{
    return QFileInfo(path).size();
}

/// The floor: bare prepared INSERT into a table with the same columns and nothing else.
bool runFloor(const QString &dir, const std::vector<std::pair<int, int>> &plan, double &seconds,
              double &cpuSeconds, QTextStream &out)
{
    const QString name = QStringLiteral("bench-store-floor");
    bool ok = true;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(QDir(dir).filePath(QStringLiteral("floor.db")));
        if (!db.open()) {
            out << "store: cannot open the floor database: " << db.lastError().text() << Qt::endl;
            return false;
        }
        QSqlQuery setup(db);
        for (const char *sql :
             {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA cache_size = -32768",
              "CREATE TABLE m (account_id, folder_id, in_inbox, uidvalidity, uid, modseq, flags, "
              "keywords, internal_date, date, sort_date, size, subject, from_addr, to_addr, cc_addr, "
              "message_id, in_reply_to, refs, has_attachments, preview, bodystructure)"})
            setup.exec(QString::fromLatin1(sql));
        QSqlQuery insert(db);
        insert.prepare(QStringLiteral(
            "INSERT INTO m VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
        Generator gen(42);
        std::vector<quint32> nextUid(kFolders, 1);
        qint64 serial = 0;
        qint64 ns = 0;
        qint64 cpu = 0;
        for (const auto &[folder, n] : plan) {
            QList<MessageHeader> chunk;
            chunk.reserve(n);
            for (int i = 0; i < n; ++i)
                chunk << gen.next(nextUid[folder]++, serial++);
            QElapsedTimer t;
            t.start();
            const qint64 cpuStart = cpuNs();
            db.transaction();
            for (const MessageHeader &h : chunk) {
                const QVariant values[] = {folder / kFoldersPerAccount + 1,
                                           folder + 1,
                                           folder % kFoldersPerAccount == 0,
                                           1,
                                           qint64(h.uid),
                                           qint64(h.modSeq),
                                           uint(h.flags.toInt()),
                                           QStringLiteral(""),
                                           h.internalDate.toSecsSinceEpoch(),
                                           h.date.toSecsSinceEpoch(),
                                           h.date.toSecsSinceEpoch(),
                                           h.size,
                                           h.subject,
                                           h.from,
                                           h.to,
                                           h.cc,
                                           h.messageId,
                                           h.inReplyTo,
                                           h.references,
                                           h.hasAttachments,
                                           h.preview,
                                           QVariant()};
                for (int c = 0; c < int(std::size(values)); ++c)
                    insert.bindValue(c, values[c]);
                if (!insert.exec()) {
                    out << "store: floor insert failed: " << insert.lastError().text() << Qt::endl;
                    ok = false;
                    break;
                }
            }
            db.commit();
            ns += t.nsecsElapsed();
            cpu += cpuNs() - cpuStart;
            if (!ok)
                break;
        }
        seconds = double(ns) / 1e9;
        cpuSeconds = double(cpu) / 1e9;
        insert = QSqlQuery();
        setup = QSqlQuery();
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return ok;
}

int run(Bench::Context &c)
{
    int rows = 1000000;
    QString dirArg;
    for (int i = 0; i < c.args.size(); ++i) {
        if (c.args[i] == u"--dir" && i + 1 < c.args.size())
            dirArg = c.args[++i];
        else if (c.args[i].toInt() > 0)
            rows = c.args[i].toInt();
    }
    QTemporaryDir temp(dirArg.isEmpty()
                           ? QDir::tempPath() + QStringLiteral("/tidings-bench-store-XXXXXX")
                           : QDir(dirArg).filePath(QStringLiteral("tidings-bench-store-XXXXXX")));
    if (!temp.isValid()) {
        c.out << "store: cannot create a temporary directory" << Qt::endl;
        return 1;
    }
    const std::vector<int> sizes = folderSizes(rows);
    const std::vector<std::pair<int, int>> plan = chunkPlan(sizes);
    c.out << "store: " << rows << " headers, " << kFolders << " folders of " << kAccounts
          << " accounts, chunks of " << kChunk << ", in " << temp.path() << Qt::endl;

    double floorSeconds = 0;
    double floorCpuSeconds = 0;
    if (!runFloor(temp.path(), plan, floorSeconds, floorCpuSeconds, c.out))
        return 1;

    auto opened = Database::open(temp.path());
    if (!opened) {
        c.out << "store: " << opened.error().toString() << Qt::endl;
        return 1;
    }
    std::unique_ptr<Database> db = std::move(opened).value();
    AccountStore accounts(*db);
    FolderStore folders(*db);
    MessageStore messages(*db);

    std::vector<qint64> folderIds;
    for (int a = 0; a < kAccounts; ++a) {
        Account account;
        account.name = QStringLiteral("account %1").arg(a);
        const qint64 accountId = accounts.add(account).value();
        for (const QByteArray &name : {QByteArray("INBOX"), QByteArray("Archive")}) {
            Folder folder;
            folder.name = name;
            const qint64 id = folders.upsert(accountId, folder).value();
            if (folders.applyUidValidity(id, 1).error()) {
                c.out << "store: cannot set UIDVALIDITY" << Qt::endl;
                return 1;
            }
            folderIds.push_back(id);
        }
    }

    Generator gen(42);
    std::vector<quint32> nextUid(kFolders, 1);
    qint64 serial = 0;
    qint64 ns = 0;
    qint64 cpu = 0;
    for (const auto &[folder, n] : plan) {
        QList<MessageHeader> chunk;
        chunk.reserve(n);
        for (int i = 0; i < n; ++i)
            chunk << gen.next(nextUid[folder]++, serial++);
        QElapsedTimer t;
        t.start();
        const qint64 cpuStart = cpuNs();
        if (Error e = messages.upsertHeaders(folderIds[folder], 1, chunk)) {
            c.out << "store: " << e.toString() << Qt::endl;
            return 1;
        }
        ns += t.nsecsElapsed();
        cpu += cpuNs() - cpuStart;
    }
    const double storeCpuSeconds = double(cpu) / 1e9;
    const double storeSeconds = double(ns) / 1e9;
    const double storeRate = rows / storeSeconds;
    const double floorRate = rows / floorSeconds;
    c.out << QStringLiteral(
                 "store: insert %1 rows/s (%2 s); floor (bare INSERT, no index) %3 rows/s (%4 s); ratio %5x")
                 .arg(qint64(storeRate))
                 .arg(storeSeconds, 0, 'f', 1)
                 .arg(qint64(floorRate))
                 .arg(floorSeconds, 0, 'f', 1)
                 .arg(floorRate / storeRate, 0, 'f', 2)
          << Qt::endl;
    c.out << QStringLiteral("store: insert by CPU time %1 rows/s (%2 s); floor %3 rows/s (%4 s); ratio %5x")
                 .arg(qint64(rows / storeCpuSeconds))
                 .arg(storeCpuSeconds, 0, 'f', 1)
                 .arg(qint64(rows / floorCpuSeconds))
                 .arg(floorCpuSeconds, 0, 'f', 1)
                 .arg(storeCpuSeconds / floorCpuSeconds, 0, 'f', 2)
          << Qt::endl;

    const int largest = int(std::max_element(sizes.begin(), sizes.end()) - sizes.begin());
    bool ok = true;
    const double pageMs = timeMedianMs([&](int) {
        auto page = messages.folderPage(folderIds[largest], 50);
        ok = ok && page.ok() && page->messages.size() == 50;
    });
    std::optional<PageCursor> deep;
    {
        // Keyset pagination deep into the folder: page 200.
        auto page = messages.folderPage(folderIds[largest], 50);
        for (int i = 0; i < 199 && page.ok() && page->next; ++i)
            page = messages.folderPage(folderIds[largest], 50, page->next);
        if (page.ok())
            deep = page->next;
    }
    const double deepMs = timeMedianMs([&](int) {
        auto page = messages.folderPage(folderIds[largest], 50, deep);
        ok = ok && page.ok() && page->messages.size() == 50;
    });
    const double unifiedMs = timeMedianMs([&](int) {
        auto page = messages.unifiedInboxPage(50);
        ok = ok && page.ok() && page->messages.size() == 50;
    });
    const double countsMs = timeMedianMs([&](int) {
        auto counts = folders.counts();
        ok = ok && counts.ok() && counts->size() == kFolders;
    });
    const double messageIdMs = timeMedianMs([&](int i) {
        auto found = messages.findByMessageId(QStringLiteral("<missing-%1@bench.example.org>").arg(i));
        ok = ok && found.ok() && found->isEmpty();
    });
    // A real hit: the first message of the largest folder's newest page.
    const QString knownId = messages.folderPage(folderIds[largest], 1)->messages.value(0).header.messageId;
    const double messageIdHitMs = timeMedianMs([&](int) {
        auto found = messages.findByMessageId(knownId);
        ok = ok && found.ok() && found->size() == 1;
    });
    int ftsHits = 0;
    const double ftsMs = timeMedianMs([&](int) {
        auto found = messages.search(QStringLiteral("elements reunion"), 50);
        ok = ok && found.ok();
        if (found.ok())
            ftsHits = int(found->size());
    });
    const double ftsRareMs = timeMedianMs([&](int) {
        auto found = messages.search(QStringLiteral("user4242"), 50);
        ok = ok && found.ok() && !found->isEmpty();
    });

    if (db->exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)")))
        ok = false;
    const qint64 dbBytes = fileSize(QDir(temp.path()).filePath(QStringLiteral("tidings.db")));
    const qint64 floorBytes = fileSize(QDir(temp.path()).filePath(QStringLiteral("floor.db")));

    c.out << QStringLiteral(
                 "store: first page (50) of the largest folder (%1 rows): %2 ms; page 201 by keyset: %3 ms")
                 .arg(sizes[largest])
                 .arg(pageMs, 0, 'f', 3)
                 .arg(deepMs, 0, 'f', 3)
          << Qt::endl;
    c.out << QStringLiteral("store: unified inbox first page (50): %1 ms").arg(unifiedMs, 0, 'f', 3)
          << Qt::endl;
    c.out << QStringLiteral("store: unread counts for all %1 folders: %2 ms")
                 .arg(kFolders)
                 .arg(countsMs, 0, 'f', 3)
          << Qt::endl;
    c.out << QStringLiteral("store: Message-ID lookup: %1 ms (hit), %2 ms (miss)")
                 .arg(messageIdHitMs, 0, 'f', 3)
                 .arg(messageIdMs, 0, 'f', 3)
          << Qt::endl;
    c.out << QStringLiteral(
                 "store: FTS \"elements reunion\" (newest 50 of many, %1 hits): %2 ms; rare address: %3 ms")
                 .arg(ftsHits)
                 .arg(ftsMs, 0, 'f', 3)
                 .arg(ftsRareMs, 0, 'f', 3)
          << Qt::endl;
    c.out << QStringLiteral("store: database %1 (%2 bytes/row); floor table %3; peak RSS %4")
                 .arg(Bench::megabytes(dbBytes))
                 .arg(dbBytes / std::max(rows, 1))
                 .arg(Bench::megabytes(floorBytes), Bench::megabytes(Bench::peakRssBytes()))
          << Qt::endl;
    if (!ok)
        c.out << "store: a query returned an error or an unexpected row count" << Qt::endl;
    return ok ? 0 : 1;
}

} // namespace

TIDINGS_BENCHMARK("store",
                  "1M message headers into the SQLite cache vs a bare INSERT floor; list, unified, counts, "
                  "Message-ID and FTS queries",
                  run);
