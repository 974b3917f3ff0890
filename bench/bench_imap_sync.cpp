// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// IMAP sync into the store (issue #4 item 7): a private harness Dovecot with an INBOX of N
// generated messages (default 100,000, --messages N), synced by Sync::ImapSync into a fresh
// file-backed profile. Every figure stands beside a floor measured in the same run: a bare
// blocking QSslSocket client that sends the same IMAP commands as Tidings for that phase and
// reads only the bytes up to each tagged OK (no parsing, no store).
//
// Phases.
//  a) initial sync with QRESYNC offered: the time until the newest 100 messages are in the
//     store (listable), beside a floor that connects, logs in, selects and fetches just those
//     100 headers; the time until INBOX is fully synced, beside a floor sending the same
//     SELECT, UID SEARCH and newest-first UID FETCH chunks (the same attribute list);
//     peak RSS (VmHWM) of the process. A warm-up floor pass runs first so both sides meet
//     Dovecot's index cache and the page cache in the same state. The search index of this
//     first sync is built afterwards in the background (SearchIndexer): its time is a line of
//     its own, and the run fails unless every message is indexed at the end. Floor and sync
//     alternate for R rounds (--rounds, 5), each sync into a fresh profile; every round is
//     printed and the figures are the medians (the machine is shared: one busy moment moved a
//     single pair's ratio by a third).
//     `--only initial` runs this phase alone (for profiling the initial sync).
//  b) no-change resync (QRESYNC), median of R.
//  c) resync after another client set \Flagged on 1,000 messages and expunged 100.
//  d) the server restarted with `tools/mailserver start --no-condstore` (as Yandex): the
//     time until new mail and expunges are known (the first pass, folderSynced) and the full
//     flag sweep (finished), with no change and after 1,000 flag changes and 100 expunges.
// For b) to d) the commands Tidings sent are recorded from its protocol log (client lines
// only) and the floor replays exactly those, one after another, on a connection in the same
// state (logged in, QRESYNC enabled where Tidings enabled it, INBOX selected). The protocol
// log costs Tidings a little (it escapes every server line); the floor pays none of it.
#include "bench/benchmark.h"
#include "bench/mailharness.h"
#include "core/common/clock.h"
#include "core/imap/fetchjob.h"
#include "core/imap/sessionsettings.h"
#include "core/imap/uidset.h"
#include "core/store/accountstore.h"
#include "core/store/database.h"
#include "core/store/folderstore.h"
#include "core/store/messagestore.h"
#include "core/sync/headerconversion.h"
#include "core/sync/imapsync.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QIODevice>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <optional>
#include <sys/resource.h>
#include <unistd.h>

namespace {

using namespace Tidings;

double secondsOf(const QElapsedTimer &t)
{
    return double(t.nsecsElapsed()) / 1e9;
}

/// User plus system CPU time of this process so far, in seconds.
double cpuSeconds()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/// The bare client: blocking, reads to the tagged response of each command and nothing more.
class BareImap
{
public:
    bool connect(const Bench::MailHarness &h, bool enableQresync)
    {
        QSslConfiguration config = QSslConfiguration::defaultConfiguration();
        config.setCaCertificates(h.ca());
        m_socket.setSslConfiguration(config);
        m_socket.connectToHostEncrypted(h.value(QStringLiteral("HOST")), h.port(QStringLiteral("IMAPS_PORT")),
                                        QStringLiteral("localhost"));
        if (!m_socket.waitForEncrypted(30000))
            return false;
        while (!m_socket.canReadLine()) {
            if (!m_socket.waitForReadyRead(30000))
                return false;
        }
        m_socket.readLine();
        if (!command("LOGIN \"" + h.value(QStringLiteral("USER_1")).toUtf8() + "\" \"" +
                     h.value(QStringLiteral("PASSWORD_1")).toUtf8() + '"'))
            return false;
        return !enableQresync || command("ENABLE QRESYNC");
    }

    /// Sends one command and reads up to its tagged response; true on OK. With @p keep, the
    /// bytes read are left in last() (for the few answers the floor needs: EXISTS, SEARCH).
    bool command(const QByteArray &text, bool keep = false)
    {
        const QByteArray tag = "B" + QByteArray::number(++m_tag);
        m_socket.write(tag + ' ' + text + "\r\n");
        const QByteArray needle = "\r\n" + tag + ' ';
        QByteArray scan = "\r\n"; // a tagged line may come first
        m_last.clear();
        qsizetype at = -1;
        for (;;) {
            if (m_socket.bytesAvailable() == 0 && !m_socket.waitForReadyRead(120000))
                return false;
            const QByteArray chunk = m_socket.readAll();
            m_bytes += chunk.size();
            if (keep)
                m_last += chunk;
            const qsizetype base = scan.size();
            scan += chunk;
            at = scan.indexOf(needle, std::max<qsizetype>(0, base - needle.size()));
            if (at >= 0)
                break;
            scan = scan.right(needle.size()); // enough to find a tag split across reads
        }
        // The rest of the tagged line.
        qsizetype eol = scan.indexOf("\r\n", at + needle.size());
        while (eol < 0) {
            if (m_socket.bytesAvailable() == 0 && !m_socket.waitForReadyRead(120000))
                return false;
            const QByteArray chunk = m_socket.readAll();
            m_bytes += chunk.size();
            if (keep)
                m_last += chunk;
            scan += chunk;
            eol = scan.indexOf("\r\n", at + needle.size());
        }
        return scan.mid(at + needle.size(), 3) == "OK ";
    }

    [[nodiscard]] const QByteArray &last() const { return m_last; }
    [[nodiscard]] qint64 bytes() const { return m_bytes; }
    void logout()
    {
        command("LOGOUT");
        m_socket.disconnectFromHost();
    }

private:
    QSslSocket m_socket;
    int m_tag = 0;
    QByteArray m_last;
    qint64 m_bytes = 0;
};

/// "* 123 EXISTS" in @p bytes, or 0.
quint32 existsIn(const QByteArray &bytes)
{
    const qsizetype at = bytes.indexOf(" EXISTS\r\n");
    if (at < 0)
        return 0;
    const qsizetype start = bytes.lastIndexOf("* ", at);
    return start < 0 ? 0 : bytes.mid(start + 2, at - start - 2).toUInt();
}

/// The UIDs of a "* SEARCH ..." or "* ESEARCH ... ALL set" answer, ascending.
QList<quint32> searchResult(const QByteArray &bytes)
{
    QList<quint32> uids;
    qsizetype at = bytes.indexOf("* ESEARCH");
    if (at >= 0) {
        const qsizetype eol = bytes.indexOf("\r\n", at);
        const QByteArray line = bytes.mid(at, eol - at);
        const qsizetype all = line.indexOf(" ALL ");
        if (all < 0)
            return uids;
        QByteArray set = line.mid(all + 5);
        if (const qsizetype sp = set.indexOf(' '); sp >= 0)
            set.truncate(sp);
        if (auto parsed = Imap::UidSet::parse(set)) {
            for (const Imap::UidSet::Range &r : parsed->ranges()) {
                for (quint32 u = r.first;; ++u) {
                    uids << u;
                    if (u == r.last)
                        break;
                }
            }
        }
        return uids;
    }
    at = bytes.indexOf("* SEARCH");
    if (at < 0)
        return uids;
    const qsizetype eol = bytes.indexOf("\r\n", at);
    for (const QByteArray &word : bytes.mid(at + 8, eol - at - 8).split(' ')) {
        if (!word.isEmpty())
            uids << word.toUInt();
    }
    std::sort(uids.begin(), uids.end());
    return uids;
}

QByteArray setOf(const QList<quint32> &uids)
{
    Imap::UidSet set;
    for (quint32 u : uids)
        set.insert(u);
    return set.toByteArray();
}

struct InitialFloor {
    double newest100 = 0;
    double full = 0;
    qint64 bytes = 0;
    int fetched = 0;
};

/// The floor of a): the same SELECT, UID SEARCH and UID FETCH chunks as FolderSync's first
/// sync with QRESYNC enabled; newest100 is a separate connection fetching just those 100.
std::optional<InitialFloor> initialFloor(const Bench::MailHarness &h, int firstChunk, int chunk)
{
    const QByteArray items = Sync::headerScope(true).attributes(true);
    InitialFloor f;
    {
        QElapsedTimer t;
        t.start();
        BareImap c;
        if (!c.connect(h, true) || !c.command("SELECT INBOX (CONDSTORE)", true))
            return std::nullopt;
        const quint32 exists = existsIn(c.last());
        if (exists == 0)
            return std::nullopt;
        const quint32 first = exists > 100 ? exists - 99 : 1;
        if (!c.command("FETCH " + QByteArray::number(first) + ":* " + items))
            return std::nullopt;
        f.newest100 = secondsOf(t);
        c.logout();
    }
    QElapsedTimer t;
    t.start();
    BareImap c;
    if (!c.connect(h, true) || !c.command("SELECT INBOX (CONDSTORE)") ||
        !c.command("UID SEARCH RETURN (ALL COUNT) UID 1:*", true))
        return std::nullopt;
    QList<quint32> uids = searchResult(c.last());
    if (uids.isEmpty())
        return std::nullopt;
    for (bool first = true; !uids.isEmpty(); first = false) {
        const qsizetype n = std::min<qsizetype>(first ? firstChunk : chunk, uids.size());
        if (!c.command("UID FETCH " + setOf(uids.mid(uids.size() - n)) + ' ' + items))
            return std::nullopt;
        f.fetched += int(n);
        uids.resize(uids.size() - n);
    }
    f.full = secondsOf(t);
    f.bytes = c.bytes();
    c.logout();
    return f;
}

/// A protocol-log device that keeps only the client's command lines ("C: tag COMMAND").
class CommandRecorder final : public QIODevice
{
public:
    CommandRecorder() { open(QIODevice::WriteOnly); }
    void clear() { m_commands.clear(); }
    [[nodiscard]] const QList<QByteArray> &commands() const { return m_commands; }

protected:
    qint64 readData(char *, qint64) override { return -1; }
    qint64 writeData(const char *data, qint64 len) override
    {
        const QByteArrayView line(data, len);
        if (line.startsWith("C: ")) {
            QByteArray text = line.sliced(3).toByteArray().trimmed();
            const qsizetype sp = text.indexOf(' ');
            if (sp > 0) {
                const QByteArray command = text.mid(sp + 1);
                if (!command.startsWith("LOGIN") && !command.startsWith("AUTHENTICATE") &&
                    !command.startsWith("LOGOUT") && !command.startsWith("IDLE"))
                    m_commands << text.mid(sp + 1).replace("\\\\", "\\");
            }
        }
        return len;
    }

private:
    QList<QByteArray> m_commands;
};

bool g_showCommands = false; // --show-commands

/// With --show-commands, what the floor is about to replay (each line shortened).
void showCommands(QTextStream &out, const QList<QByteArray> &commands)
{
    if (!g_showCommands)
        return;
    for (qsizetype i = 0; i < commands.size(); ++i) {
        if (i == 8 && commands.size() > 10) {
            out << "    ... " << commands.size() - 9 << " more, the last:" << Qt::endl;
            i = commands.size() - 1;
        }
        const QByteArray &command = commands.at(i);
        out << "    C: " << (command.size() > 140 ? command.left(140) + "..." : command) << Qt::endl;
    }
}

/// Replays @p commands on @p c one after another; seconds, or nullopt if one failed.
std::optional<double> replay(BareImap &c, const QList<QByteArray> &commands)
{
    QElapsedTimer t;
    t.start();
    for (const QByteArray &command : commands) {
        if (!c.command(command))
            return std::nullopt;
    }
    return secondsOf(t);
}

/// Another client's changes: \Flagged on @p flags UIDs and @p expunges UIDs expunged, spread
/// over the mailbox (UIDs at even strides, starting at @p offset).
bool changeMailbox(const Bench::MailHarness &h, const QList<quint32> &uids, int flags, int expunges,
                   int offset)
{
    BareImap c;
    if (!c.connect(h, false) || !c.command("SELECT INBOX"))
        return false;
    const qsizetype stride = std::max<qsizetype>(1, uids.size() / (flags + expunges));
    QList<quint32> flagged;
    QList<quint32> gone;
    for (qsizetype i = offset; i < uids.size() && (flagged.size() < flags || gone.size() < expunges);
         i += stride) {
        if (gone.size() < expunges && (i / stride) % ((flags + expunges) / std::max(1, expunges)) == 0)
            gone << uids.at(i);
        else if (flagged.size() < flags)
            flagged << uids.at(i);
    }
    if (!c.command("UID STORE " + setOf(flagged) + " +FLAGS.SILENT (\\Flagged)"))
        return false;
    if (!c.command("UID STORE " + setOf(gone) + " +FLAGS.SILENT (\\Deleted)") ||
        !c.command("UID EXPUNGE " + setOf(gone)))
        return false;
    c.logout();
    return true;
}

QString verdict(bool met)
{
    return met ? QStringLiteral("met") : QStringLiteral("NOT met");
}

double median(QList<double> v)
{
    std::sort(v.begin(), v.end());
    return v.isEmpty() ? 0 : v.at(v.size() / 2);
}

struct Run {
    double known = 0;   ///< plain mode: first folderSynced (new mail and expunges known)
    double seconds = 0; ///< finished
    qsizetype knownCommands = 0;
    QList<QByteArray> commands;
    bool ok = false;
};

/// One ImapSync::syncFolder, timed until its first folderSynced and until finished.
Run timedSyncFolder(Sync::ImapSync &sync, qint64 folderId, CommandRecorder &recorder, QTextStream &out)
{
    Run r;
    recorder.clear();
    QEventLoop loop;
    QElapsedTimer t;
    bool sawSynced = false;
    Error error;
    auto c1 = QObject::connect(&sync, &Sync::ImapSync::folderSynced, &loop, [&](qint64 id) {
        if (id == folderId && !sawSynced) {
            sawSynced = true;
            r.known = secondsOf(t);
            r.knownCommands = recorder.commands().size();
        }
    });
    auto c2 = QObject::connect(&sync, &Sync::ImapSync::finished, &loop, [&](const Error &e) {
        r.seconds = secondsOf(t);
        error = e;
        loop.quit();
    });
    t.start();
    sync.syncFolder(folderId);
    loop.exec();
    QObject::disconnect(c1);
    QObject::disconnect(c2);
    if (error) {
        out << "sync failed: " << error.toString() << Qt::endl;
        return r;
    }
    r.commands = recorder.commands();
    r.ok = sawSynced;
    return r;
}

Imap::SessionSettings settingsFor(const Bench::MailHarness &h, QIODevice *log)
{
    Imap::SessionSettings s;
    s.host = h.value(QStringLiteral("HOST"));
    s.port = h.port(QStringLiteral("IMAPS_PORT"));
    s.security = Security::ImplicitTls;
    s.tls.useSystemCaCertificates = false;
    s.tls.extraCaCertificates = h.ca();
    s.username = h.value(QStringLiteral("USER_1"));
    s.credentials = Imap::staticPassword(h.value(QStringLiteral("PASSWORD_1")));
    s.protocolLogFromEnvironment = log == nullptr;
    s.protocolLogDevice = log;
    return s;
}

QString ms(double seconds)
{
    return QStringLiteral("%1 ms").arg(seconds * 1000, 0, 'f', 1);
}

QString line(const QString &what, double value, double floor, const QString &target, std::optional<bool> met)
{
    QString s = QStringLiteral("imap-sync %1: %2, floor %3, ratio %4x")
                    .arg(what, value >= 1 ? QStringLiteral("%1 s").arg(value, 0, 'f', 2) : ms(value),
                         floor >= 1 ? QStringLiteral("%1 s").arg(floor, 0, 'f', 2) : ms(floor))
                    .arg(value / std::max(floor, 1e-9), 0, 'f', 2);
    if (!target.isEmpty())
        s += QStringLiteral(" (target %1: %2)").arg(target, met ? verdict(*met) : QStringLiteral("-"));
    return s;
}

/// One initial sync of INBOX into a fresh profile, with its figures; the profile stays open for
/// the phases after it.
struct InitialRun {
    std::unique_ptr<QTemporaryDir> profile;
    std::unique_ptr<Store::Database> db;
    qint64 accountId = 0;
    qint64 inbox = 0;
    double cpu = 0;
    double newest100 = -1;
    double initial = -1;
    double syncDone = -1;  // ImapSync::finished (every folder)
    double indexDone = -1; // ImapSync::searchIndexComplete
    qint64 indexedCount = 0;
};

std::optional<InitialRun> initialSync(const Bench::MailHarness &harness, const Sync::ImapSyncOptions &options,
                                      QTextStream &out)
{
    InitialRun r;
    r.profile = std::make_unique<QTemporaryDir>();
    auto db = Store::Database::open(r.profile->path());
    if (!db) {
        out << db.error().toString() << Qt::endl;
        return std::nullopt;
    }
    r.db = std::move(db.value());
    Store::Account account;
    account.name = QStringLiteral("bench");
    account.email = harness.value(QStringLiteral("USER_1"));
    r.accountId = Store::AccountStore(*r.db).add(account).value();
    Sync::ImapSync sync(*r.db, r.accountId, settingsFor(harness, nullptr), SystemClock::instance(), options);
    QEventLoop loop;
    QElapsedTimer t;
    Error error;
    QObject::connect(&sync, &Sync::ImapSync::progress, &loop, [&](qint64 folderId, qint64 done, qint64) {
        if (r.newest100 >= 0 || done < 100)
            return;
        auto page = Store::MessageStore(*r.db).folderPageAt(folderId, 100, 0);
        if (page && page->size() == 100) {
            r.newest100 = secondsOf(t);
            r.inbox = folderId;
        }
    });
    QObject::connect(&sync, &Sync::ImapSync::folderSynced, &loop, [&](qint64 folderId) {
        if (folderId == r.inbox && r.initial < 0) {
            r.initial = secondsOf(t);
            r.cpu = cpuSeconds() - r.cpu;
        }
    });
    QObject::connect(&sync, &Sync::ImapSync::finished, &loop, [&](const Error &e) {
        error = e;
        r.syncDone = secondsOf(t);
        if (e)
            loop.quit();
    });
    // The search index of the first sync is built after it, in the background
    // (SearchIndexer): the list is usable before; timed separately.
    QObject::connect(&sync, &Sync::ImapSync::searchIndexComplete, &loop, [&](qint64 indexed, const Error &e) {
        r.indexedCount = indexed;
        r.indexDone = secondsOf(t);
        if (e)
            error = e;
        loop.quit();
    });
    r.cpu = cpuSeconds();
    t.start();
    sync.syncAll();
    loop.exec();
    if (error || r.inbox == 0 || r.initial < 0 || r.indexDone < 0) {
        out << "initial sync failed: " << error.toString() << Qt::endl;
        return std::nullopt;
    }
    return r;
}

int runImapSync(Bench::Context &c)
{
    int count = 100000;
    int rounds = 5;
    bool onlyInitial = false; // --only initial: phase a) alone (profiling the initial sync)
    for (qsizetype i = 0; i < c.args.size(); ++i) {
        if (c.args.at(i) == u"--only" && i + 1 < c.args.size() && c.args.at(i + 1) == u"initial") {
            onlyInitial = true;
            ++i;
        } else if (c.args.at(i) == u"--messages" && i + 1 < c.args.size()) {
            count = c.args.at(++i).toInt();
        } else if (c.args.at(i) == u"--rounds" && i + 1 < c.args.size()) {
            rounds = c.args.at(++i).toInt();
        } else if (c.args.at(i) == u"--show-commands") {
            g_showCommands = true;
        } else {
            count = 0;
            break;
        }
    }
    if (count < 2000 || rounds < 1) {
        c.out << "usage: tidings-bench imap-sync [--messages N (>= 2000, default 100000)] [--rounds R (5)] "
                 "[--show-commands] [--only initial]"
              << Qt::endl;
        return 2;
    }
    QTextStream &out = c.out;
    Bench::MailHarness harness;
    if (!harness.open(QString(), out))
        return 1;
    out << "filling " << count << " messages..." << Qt::endl;
    QByteArray output;
    if (Bench::MailHarness::run({QStringLiteral("fill"), harness.dir(),
                                 harness.value(QStringLiteral("USER_1")), QStringLiteral("--count"),
                                 QString::number(count)},
                                &output) != 0) {
        out << "fill failed: " << output << Qt::endl;
        return 1;
    }
    Sync::ImapSyncOptions options;
    const int chunk = options.folder.headerChunk;
    const int firstChunk = std::min(options.folder.firstHeaderChunk, chunk); // as FolderSync

    // --- a) initial sync ---
    if (!initialFloor(harness, firstChunk, chunk)) { // warm-up: Dovecot's cache and the page cache
        out << "the bare client failed" << Qt::endl;
        return 1;
    }
    // The fill wrote about a gigabyte and the warm-up Dovecot's cache files; the kernel writes
    // them back some thirty seconds later, which fell into whichever measurement ran then (a
    // core busy with writeback for most of a second). Written back now, before either is timed.
    ::sync();
    // Floor and sync alternate, a fresh profile each round: on a shared machine one pair can
    // fall into a busy moment; the figures are the medians of the rounds, each round printed.
    QList<double> floorTimes, floorNewest, syncTimes, syncNewest, cpuTimes, ratios;
    std::optional<InitialFloor> floorA;
    std::optional<InitialRun> run;
    qint64 floorRss = 0;
    for (int round = 0; round < rounds; ++round) {
        floorA = initialFloor(harness, firstChunk, chunk);
        if (!floorA) {
            out << "the bare client failed" << Qt::endl;
            return 1;
        }
        if (round == 0)
            floorRss = Bench::peakRssBytes();
        run.reset(); // the previous round's profile
        run = initialSync(harness, options, out);
        if (!run)
            return 1;
        floorTimes << floorA->full;
        floorNewest << floorA->newest100;
        syncTimes << run->initial;
        syncNewest << run->newest100;
        cpuTimes << run->cpu;
        ratios << run->initial / floorA->full;
        out << QStringLiteral("imap-sync a) round %1 of %2: initial sync %3 s, floor %4 s, ratio %5x; newest "
                              "100 %6, floor %7; process CPU %8 s")
                   .arg(round + 1)
                   .arg(rounds)
                   .arg(run->initial, 0, 'f', 2)
                   .arg(floorA->full, 0, 'f', 2)
                   .arg(run->initial / floorA->full, 0, 'f', 2)
                   .arg(ms(run->newest100), ms(floorA->newest100))
                   .arg(run->cpu, 0, 'f', 2)
            << Qt::endl;
    }
    auto &db = run->db;
    const qint64 accountId = run->accountId;
    const qint64 inbox = run->inbox;
    const double newest100 = median(syncNewest);
    const double initial = median(syncTimes);
    const double initialCpu = median(cpuTimes);
    const double syncDone = run->syncDone;
    const double indexDone = run->indexDone;
    const qint64 indexedCount = run->indexedCount;
    const qint64 peakRss = Bench::peakRssBytes();
    auto folder = Store::FolderStore(*db).get(inbox);
    QElapsedTimer uidsTimer;
    uidsTimer.start();
    auto uids = Store::MessageStore(*db).uids(inbox, folder ? folder->uidValidity : 0);
    const double uidsSeconds = secondsOf(uidsTimer); // what every FolderSync pays first (loadCachedUids)
    if (!folder || !uids || uids->size() != count) {
        out << "imap-sync: INCOMPLETE: " << (uids ? uids->size() : -1) << " of " << count
            << " messages in the store" << Qt::endl;
        return 1;
    }
    out << QStringLiteral("imap-sync INBOX: %1 messages, floor read %2 of FETCH responses")
               .arg(count)
               .arg(Bench::megabytes(floorA->bytes))
        << Qt::endl;
    const double floorNewest100 = median(floorNewest);
    const double floorFull = median(floorTimes);
    out << line(QStringLiteral(
                    "a) newest 100 in the store (connect, login, LIST, SELECT, SEARCH, first chunk; "
                    "medians of %1 rounds)")
                    .arg(rounds),
                newest100, floorNewest100, QStringLiteral("<= 2x floor"), newest100 <= 2 * floorNewest100)
        << Qt::endl;
    out << line(QStringLiteral("a) initial header sync of INBOX (medians of %1 rounds; median of the rounds' "
                               "ratios %2x)")
                    .arg(rounds)
                    .arg(median(ratios), 0, 'f', 2),
                initial, floorFull, QStringLiteral("<= 1.5x floor"), initial <= 1.5 * floorFull)
        << Qt::endl;
    {
        // Every message found by search once the background pass is over.
        const auto pending = Store::MessageStore(*db).pendingSearchCount();
        out << QStringLiteral(
                   "imap-sync a) search index complete (background pass after the sync, not part of "
                   "the figure above): %1 messages indexed in %2 s, all %3 searchable %4 s after the "
                   "start (%5 pending)")
                   .arg(indexedCount)
                   .arg(indexDone - syncDone, 0, 'f', 2)
                   .arg(count)
                   .arg(indexDone, 0, 'f', 2)
                   .arg(pending ? pending.value() : -1)
            << Qt::endl;
        if (!pending || pending.value() != 0)
            return 1;
    }
    out << QStringLiteral(
               "imap-sync local: MessageStore::uids of INBOX (FolderSync loads it before every resync): %1")
               .arg(ms(uidsSeconds))
        << Qt::endl;
    out << QStringLiteral(
               "imap-sync a) CPU time of this process during the initial sync (median): %1 s (%2% of "
               "the wall time)")
               .arg(initialCpu, 0, 'f', 2)
               .arg(100 * initialCpu / initial, 0, 'f', 0)
        << Qt::endl;
    out << QStringLiteral(
               "imap-sync a) peak RSS (VmHWM) after the initial sync: %1 (target < 150 MB: %2); the "
               "process after the floor alone: %3")
               .arg(Bench::megabytes(peakRss), verdict(peakRss < 150 * 1000 * 1000),
                    Bench::megabytes(floorRss))
        << Qt::endl;

    if (onlyInitial)
        return 0;

    // --- b) and c): QRESYNC resyncs, commands recorded for the floor ---
    CommandRecorder recorder;
    QList<quint32> cached = uids.value();
    {
        Sync::ImapSync sync(*db, accountId, settingsFor(harness, &recorder), SystemClock::instance(),
                            options);
        if (!timedSyncFolder(sync, inbox, recorder, out).ok) // connects; INBOX selected afterwards
            return 1;
        BareImap floor;
        if (!floor.connect(harness, true) || !floor.command("SELECT INBOX")) {
            out << "the bare client failed" << Qt::endl;
            return 1;
        }
        QList<double> times, floors;
        qsizetype commands = 0;
        for (int i = 0; i < rounds; ++i) {
            const Run r = timedSyncFolder(sync, inbox, recorder, out);
            const auto f = replay(floor, r.commands);
            if (!r.ok || !f)
                return 1;
            times << r.seconds;
            floors << *f;
            commands = r.commands.size();
            if (i == rounds - 1)
                showCommands(out, r.commands);
        }
        const double b = median(times);
        out << line(QStringLiteral("b) no-change resync, QRESYNC (median of %1; %2 commands)")
                        .arg(rounds)
                        .arg(commands),
                    b, median(floors), QStringLiteral("< 50 ms"), b < 0.050)
            << Qt::endl;

        if (!changeMailbox(harness, cached, 1000, 100, 0)) {
            out << "the other client failed" << Qt::endl;
            return 1;
        }
        const Run r = timedSyncFolder(sync, inbox, recorder, out);
        const auto f = replay(floor, r.commands);
        if (!r.ok || !f)
            return 1;
        out << line(
                   QStringLiteral("c) resync after 1000 flag changes and 100 expunges, QRESYNC (%1 commands)")
                       .arg(r.commands.size()),
                   r.seconds, *f, QString(), std::nullopt)
            << Qt::endl;
        floor.logout();
    }

    // --- d) without CONDSTORE and QRESYNC ---
    if (!harness.restart({QStringLiteral("--no-condstore")}, out))
        return 1;
    cached = Store::MessageStore(*db).uids(inbox, folder->uidValidity).value();
    {
        Sync::ImapSync sync(*db, accountId, settingsFor(harness, &recorder), SystemClock::instance(),
                            options);
        const Run warmUp = timedSyncFolder(sync, inbox, recorder, out); // connects; the first plain sweep
        if (!warmUp.ok)
            return 1;
        // On a new connection the resync must SELECT; later ones on the same connection confirm
        // the kept selection with a NOOP (FolderSync's KeptSelection). Not beside a floor: the
        // first Dovecot session to open the mailbox after the other client's changes and the
        // restart pays ~100 ms per SELECT at 100,000 messages, any later session ~1 ms, and the
        // floor's connection is always the later one (docs/sync.md#benchmark).
        out << QStringLiteral(
                   "imap-sync d) first resync on a new connection, no CONDSTORE/QRESYNC: new mail "
                   "and expunges known after %1 (connect, login, SELECT); full flag sweep after %2")
                   .arg(ms(warmUp.known), warmUp.seconds >= 1
                                              ? QStringLiteral("%1 s").arg(warmUp.seconds, 0, 'f', 2)
                                              : ms(warmUp.seconds))
            << Qt::endl;
        // The floor's connection replays the warm-up's commands untimed, so it has the same
        // selection and has read the same flags.
        BareImap floor;
        if (!floor.connect(harness, false) || !floor.command("SELECT INBOX") ||
            !replay(floor, warmUp.commands)) {
            out << "the bare client failed" << Qt::endl;
            return 1;
        }
        auto measure = [&](const QString &what, bool noChange) -> bool {
            const Run r = timedSyncFolder(sync, inbox, recorder, out);
            if (!r.ok)
                return false;
            showCommands(out, r.commands);
            const auto fKnown = replay(floor, r.commands.mid(0, r.knownCommands));
            const auto fRest = replay(floor, r.commands.mid(r.knownCommands));
            if (!fKnown || !fRest)
                return false;
            out << line(QStringLiteral(
                            "d) %1, no CONDSTORE/QRESYNC: new mail and expunges known (%2 commands)")
                            .arg(what)
                            .arg(r.knownCommands),
                        r.known, *fKnown, noChange ? QStringLiteral("< 100 ms") : QString(),
                        noChange ? std::optional<bool>(r.known < 0.100) : std::nullopt)
                << Qt::endl;
            out << line(QStringLiteral("d) %1, no CONDSTORE/QRESYNC: full flag sweep done (%2 commands)")
                            .arg(what)
                            .arg(r.commands.size()),
                        r.seconds, *fKnown + *fRest, QString(), std::nullopt)
                << Qt::endl;
            return true;
        };
        if (!measure(QStringLiteral("no-change resync"), true))
            return 1;
        if (!changeMailbox(harness, cached, 1000, 100, 3)) {
            out << "the other client failed" << Qt::endl;
            return 1;
        }
        if (!measure(QStringLiteral("resync after 1000 flag changes and 100 expunges"), false))
            return 1;
        floor.logout();
    }
    const auto final = Store::MessageStore(*db).uids(inbox, folder->uidValidity);
    const bool complete = final && final->size() == count - 200;
    if (!complete)
        out << "imap-sync: the store does not match the server (" << (final ? final->size() : -1)
            << " messages, " << count - 200 << " expected)" << Qt::endl;
    return complete ? 0 : 1;
}

} // namespace

TIDINGS_BENCHMARK(
    "imap-sync",
    "sync an INBOX of N messages (--messages N, default 100000) from the harness Dovecot: first 100, "
    "initial sync, RSS, resyncs with and without QRESYNC, each beside a bare client's floor",
    runImapSync);
