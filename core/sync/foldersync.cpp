// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/sync/foldersync.h"

#include "core/imap/fetchjob.h"
#include "core/imap/jobs.h"
#include "core/imap/messagejobs.h"
#include "core/store/database.h"
#include "core/store/messagestore.h"
#include "core/sync/countjob.h"
#include "core/sync/headerconversion.h"
#include "core/sync/storewriter.h"

#include <algorithm>
#include <memory>

namespace Tidings::Sync {

namespace {

/// The list rows of one header chunk, converted as its answers arrive.
struct ConvertedChunk {
    Store::HeaderRows rows;
    Error error; ///< the first answer that could not be converted
};

Imap::UidSet setOf(const QList<quint32> &uids)
{
    Imap::UidSet set;
    for (quint32 uid : uids)
        set.insert(uid);
    return set;
}

} // namespace

FolderSync::FolderSync(Imap::Session *session, Store::Database &db, qint64 folderId, SyncMode mode,
                       FolderSyncOptions options, QObject *parent)
    : QObject(parent)
    , m_session(session)
    , m_db(db)
    , m_folderId(folderId)
    , m_mode(mode)
    , m_options(options)
{
    m_options.headerChunk = std::max(1, m_options.headerChunk);
    m_options.flagChunk = std::max(1, m_options.flagChunk);
    m_options.bisectLeaf = std::max(1, m_options.bisectLeaf);
}

FolderSync::~FolderSync()
{
    for (const QMetaObject::Connection &c : std::as_const(m_sessionConnections))
        disconnect(c);
}

SyncMode FolderSync::modeFor(const Imap::Session &session, bool allowCondStore)
{
    if (!allowCondStore)
        return SyncMode::Plain;
    if (session.isEnabled("QRESYNC"))
        return SyncMode::QResync;
    if (session.capabilities().condStore())
        return SyncMode::CondStore;
    return SyncMode::Plain;
}

void FolderSync::start()
{
    auto folder = Store::FolderStore(m_db).get(m_folderId);
    if (!folder) {
        fail(folder.error());
        return;
    }
    m_folder = folder.value();
    m_cachedUidNext = m_folder.uidNext;
    m_cachedModSeq = m_folder.highestModSeq;
    m_firstSync = m_folder.uidNext == 0;
    if (!m_session) {
        fail(Error::make(Error::Kind::Cancelled, QStringLiteral("the connection is gone")));
        return;
    }
    if (keptSelectionHolds())
        confirmKeptSelection();
    else
        select();
}

void FolderSync::select()
{
    auto *job = new Imap::SelectJob(m_session);
    job->setMailbox(m_folder.displayName);
    if (m_mode == SyncMode::QResync && m_folder.uidValidity != 0 && m_folder.highestModSeq != 0)
        job->setQResync({m_folder.uidValidity, m_folder.highestModSeq, {}});
    else if (m_mode != SyncMode::Plain)
        job->setCondStore(true);
    connect(job, &Imap::Job::finished, this, [this, job] {
        if (job->error()) {
            fail(job->error());
            return;
        }
        onSelected(job->mailbox(), job->changes(), job->vanished());
    });
    job->start();
}

void FolderSync::onSelected(const Imap::SelectedMailbox &mailbox, const QList<Imap::Fetch> &changes,
                            const Imap::UidSet &vanished)
{
    m_mailbox = mailbox;
    m_startSelection = m_session ? m_session->selectionSerial() : 0;
    m_startRemovals = m_session ? m_session->removalCount() : 0;
    if (mailbox.uidValidity == 0) {
        fail(Error::make(
            Error::Kind::Protocol,
            QStringLiteral("%1: the server did not report a UIDVALIDITY").arg(m_folder.displayName)));
        return;
    }
    if (mailbox.noModSeq && m_mode != SyncMode::Plain)
        m_mode = SyncMode::Plain; // [NOMODSEQ]: this mailbox keeps no mod-sequences (RFC 7162 §3.1.2.2)

    auto reset = Store::FolderStore(m_db).applyUidValidity(m_folderId, mailbox.uidValidity);
    if (!reset) {
        fail(reset.error());
        return;
    }
    const bool validityChanged = m_folder.uidValidity != 0 && m_folder.uidValidity != mailbox.uidValidity;
    if (validityChanged || m_folder.uidValidity == 0) {
        m_result.uidValidityChanged = validityChanged;
        m_cachedUidNext = 0;
        m_cachedModSeq = 0;
        m_firstSync = true;
    } else if (mailbox.uidNext != 0 && m_cachedUidNext != 0 && mailbox.uidNext < m_cachedUidNext) {
        fail(Error::make(
            Error::Kind::Protocol,
            QStringLiteral("%1: the server's UIDNEXT fell from %2 to %3 under the same UIDVALIDITY")
                .arg(m_folder.displayName)
                .arg(m_cachedUidNext)
                .arg(mailbox.uidNext)));
        return;
    }
    m_folder.uidValidity = mailbox.uidValidity;

    if (Error e = loadCachedUids()) {
        fail(e);
        return;
    }

    // What the server announces while we work on this mailbox applies at once.
    m_sessionConnections << connect(m_session, &Imap::Session::vanishedReceived, this,
                                    [this](const Imap::UidSet &uids, bool) { applyVanished(uids); });
    m_sessionConnections << connect(m_session, &Imap::Session::messageChanged, this,
                                    [this](const Imap::Fetch &f) {
                                        if (f.flags)
                                            (void)storeFailed(applyFlagFetches({f}));
                                    });

    if (m_mode == SyncMode::QResync && !m_firstSync) {
        applyVanished(vanished);
        if (storeFailed(applyFlagFetches(changes)))
            return;
        findNewUids();
        return;
    }
    if (m_mode == SyncMode::CondStore && !m_firstSync && m_cachedModSeq != 0) {
        fetchChangedSince();
        return;
    }
    findNewUids();
}

Error FolderSync::loadCachedUids()
{
    auto uids = Store::MessageStore(m_db).uids(m_folderId, m_folder.uidValidity);
    if (!uids)
        return uids.error();
    m_cached = uids.value();
    return {};
}

void FolderSync::applyVanished(const Imap::UidSet &uids)
{
    if (uids.isEmpty() || m_finished)
        return;
    // Only cached UIDs: VANISHED (EARLIER) may name UIDs we never saw, and ranges can be huge.
    QList<quint32> gone;
    for (quint32 uid : std::as_const(m_cached)) {
        if (uids.contains(uid))
            gone << uid;
    }
    if (gone.isEmpty())
        return;
    if (storeFailed(Store::MessageStore(m_db).expungeUids(m_folderId, m_folder.uidValidity, gone)))
        return;
    m_result.expunged += int(gone.size());
    m_cached.removeIf([&uids](quint32 uid) { return uids.contains(uid); });
}

Error FolderSync::applyFlagFetches(const QList<Imap::Fetch> &fetches)
{
    QList<Store::FlagUpdate> updates;
    for (const Imap::Fetch &f : fetches) {
        if (!f.flags)
            continue;
        auto u = flagUpdateFromFetch(f);
        if (auto *e = std::get_if<Error>(&u))
            return *e;
        updates << std::get<Store::FlagUpdate>(u);
    }
    if (updates.isEmpty())
        return {};
    m_result.flagUpdates += int(updates.size());
    return Store::MessageStore(m_db).applyFlags(m_folderId, m_folder.uidValidity, updates);
}

bool FolderSync::storeFailed(const Error &error)
{
    if (!error)
        return false;
    fail(error);
    return true;
}

void FolderSync::fetchChangedSince()
{
    if (m_cached.isEmpty() || m_mailbox.highestModSeq == m_cachedModSeq) {
        findNewUids();
        return;
    }
    auto *job = new Imap::FetchJob(m_session);
    job->setUids(Imap::UidSet::range(1, m_cached.last()));
    Imap::FetchScope scope;
    scope.flags = true;
    scope.modSeq = true;
    scope.changedSince = m_cachedModSeq;
    job->setScope(scope);
    connect(job, &Imap::Job::finished, this, [this, job] {
        if (job->error()) {
            fail(job->error());
            return;
        }
        if (storeFailed(applyFlagFetches(job->messages())))
            return;
        findNewUids();
    });
    job->start();
}

void FolderSync::findNewUids()
{
    // UIDNEXT and EXISTS against the cache answer "anything new?" without a round trip.
    const bool maybeNew = m_mailbox.exists > 0 &&
                          (m_firstSync || m_mailbox.uidNext == 0 || m_mailbox.uidNext > m_cachedUidNext ||
                           quint32(m_cached.size()) < m_mailbox.exists);
    if (!maybeNew) {
        checkExpunges();
        return;
    }
    auto *job = new Imap::SearchJob(m_session);
    job->setUidMode(true);
    // From the old UIDNEXT, or everything on a first or resumed sync: the cache then says
    // which of them are already here.
    const quint32 from = m_firstSync ? 1 : std::max<quint32>(1, m_cachedUidNext);
    job->setCriteria("UID " + QByteArray::number(from) + ":*");
    connect(job, &Imap::Job::finished, this, [this, job, from] {
        if (job->error()) {
            fail(job->error());
            return;
        }
        m_toFetch.clear();
        for (const Imap::UidSet::Range &r : job->results().ranges()) {
            if (r.last == Imap::UidSet::Star || r.last - r.first > 10'000'000u) {
                fail(Error::make(Error::Kind::Protocol,
                                 QStringLiteral("%1: the server answered a UID SEARCH with an "
                                                "impossible range")
                                     .arg(m_folder.displayName)));
                return;
            }
            for (quint32 uid = r.first;; ++uid) {
                // "UID n:*" matches the last message even when its UID is below n.
                if (uid >= from && !std::binary_search(m_cached.cbegin(), m_cached.cend(), uid))
                    m_toFetch << uid;
                if (uid == r.last)
                    break;
            }
        }
        m_fetchTotal = m_toFetch.size();
        m_requestEnd = m_toFetch.size();
        if (m_firstSync && m_options.deferSearchIndexFrom > 0 &&
            m_fetchTotal >= m_options.deferSearchIndexFrom) {
            // The list first, search after: SearchIndexer indexes these rows once ImapSync is idle.
            if (storeFailed(Store::MessageStore(m_db).setSearchDeferred(m_folderId, true)))
                return;
        }
        fetchNextHeaderChunk();
    });
    job->start();
}

void FolderSync::fetchNextHeaderChunk()
{
    if (m_finished)
        return;
    if (m_requestEnd == 0 && m_chunksInFlight == 0 && m_chunksStoring == 0) {
        checkExpunges();
        return;
    }
    // Keep up to headerPipeline chunks requested; the session sends pipelined UID FETCHes and
    // their answers come back in order, so chunks are stored newest first as before.
    // The first chunk goes alone: the top of the list arrives without the server working on the
    // next chunks at the same time; from then on headerPipeline chunks are in flight, as long as
    // no more than headerStoreQueue answered chunks wait for the writer.
    const bool firstStored = m_toFetch.size() < m_fetchTotal;
    const int depth = firstStored ? std::max(1, m_options.headerPipeline) : 1;
    while (m_requestEnd > 0 && m_chunksInFlight < depth && (firstStored || m_chunksStoring == 0) &&
           m_chunksStoring < std::max(1, m_options.headerStoreQueue)) {
        const int size = m_firstChunkRequested ? m_options.headerChunk
                                               : std::min(m_options.headerChunk, m_options.firstHeaderChunk);
        m_firstChunkRequested = true;
        const qsizetype n = std::min<qsizetype>(std::max(1, size), m_requestEnd);
        const QList<quint32> chunk = m_toFetch.mid(m_requestEnd - n, n);
        m_requestEnd -= n;
        ++m_chunksInFlight;
        auto *job = new Imap::FetchJob(m_session);
        job->setUids(setOf(chunk));
        job->setScope(headerScope(m_mode != SyncMode::Plain));
        // Each answer becomes a list row as it is parsed, between reads, and is not kept: the
        // chunk's end then only sorts and hands the rows on.
        job->setCollect(false);
        job->setLargeAnswer(true); // read in fuller buffers while the next chunks wait behind it
        auto converted = std::make_shared<ConvertedChunk>();
        converted->rows.reserve(n, n * 512); // a list row's texts are ~480 bytes (docs/sync.md)
        connect(job, &Imap::FetchJob::messageFetched, this, [converted](const Imap::Fetch &f) {
            if (!converted->error)
                converted->error = appendHeaderFromFetch(f, converted->rows);
        });
        connect(job, &Imap::Job::finished, this, [this, job, n, converted] {
            --m_chunksInFlight;
            if (m_finished)
                return;
            if (job->error()) {
                fail(job->error());
                return;
            }
            if (converted->error) {
                fail(converted->error);
                return;
            }
            storeHeaderChunk(std::move(converted->rows), n);
        });
        job->start();
    }
}

void FolderSync::storeHeaderChunk(Store::HeaderRows rows, qsizetype n)
{
    // Newest first inside the chunk, too: the list fills from the top.
    rows.sortByUidDescending();
    const QList<quint32> uids = rows.uids();
    if (!m_writer) {
        if (storeFailed(Store::MessageStore(m_db).upsertHeaders(m_folderId, m_folder.uidValidity, rows)))
            return;
        headerChunkStored(uids, n);
        return;
    }
    // Committed on the writer's thread while the next chunks are read here.
    ++m_chunksStoring;
    m_writer->submit(
        this,
        [folderId = m_folderId, uidValidity = m_folder.uidValidity,
         rows = std::move(rows)](Store::Database &db) {
            return Store::MessageStore(db).upsertHeaders(folderId, uidValidity, rows);
        },
        [this, uids, n](const Error &error) {
            --m_chunksStoring;
            if (m_failure) {
                // Failed meanwhile: finished() waited for the chunks still being written.
                if (m_chunksStoring == 0)
                    finishFailed();
                return;
            }
            if (m_finished)
                return;
            if (storeFailed(error))
                return;
            headerChunkStored(uids, n);
        });
    fetchNextHeaderChunk(); // the next request goes out while this chunk is written
}

void FolderSync::headerChunkStored(const QList<quint32> &uidsNewestFirst, qsizetype n)
{
    QList<quint32> newOnes;
    // Into the ascending cache with one merge per chunk: inserting row by row moved the whole
    // list for every header of a newest-first sync (quadratic: seconds at 100,000).
    const qsizetype before = m_cached.size();
    for (auto it = uidsNewestFirst.crbegin(); it != uidsNewestFirst.crend(); ++it) {
        m_cached << *it;
        if (!m_firstSync && *it >= m_cachedUidNext)
            newOnes.prepend(*it);
    }
    std::inplace_merge(m_cached.begin(), m_cached.begin() + before, m_cached.end());
    m_cached.erase(std::unique(m_cached.begin(), m_cached.end()), m_cached.end()); // a UID answered twice
    m_result.fetched += int(uidsNewestFirst.size());
    // The stored chunk is the newest part of what is left (answers come in request order, and
    // the writer commits in the order it was given).
    m_toFetch.remove(m_toFetch.size() - n, n);
    Q_EMIT progress(m_folderId, m_fetchTotal - m_toFetch.size(), m_fetchTotal);
    if (!newOnes.isEmpty()) {
        m_result.newUids << newOnes;
        Q_EMIT newMail(m_folderId, newOnes);
    }
    fetchNextHeaderChunk();
}

void FolderSync::checkExpunges()
{
    if (m_mode == SyncMode::QResync && !m_firstSync) {
        // VANISHED (EARLIER) already named every expunged UID.
        complete();
        return;
    }
    // The session's EXISTS follows EXPUNGE and EXISTS responses since SELECT.
    const quint32 exists = m_session ? m_session->selectedMailbox().exists : m_mailbox.exists;
    if (quint32(m_cached.size()) <= exists) {
        // As many (or more: mail arrived after our search) on the server as cached: nothing we
        // hold is gone, because UIDs only grow and every UID below our search start is cached.
        sweepFlags();
        return;
    }
    m_bisectQueue.clear();
    m_bisectQueue << m_cached;
    bisectNext();
}

void FolderSync::bisectNext()
{
    if (m_bisectQueue.isEmpty()) {
        sweepFlags();
        return;
    }
    bisect(m_bisectQueue.takeFirst());
}

void FolderSync::bisect(QList<quint32> slice)
{
    if (slice.isEmpty()) {
        bisectNext();
        return;
    }
    const Imap::UidSet range = Imap::UidSet::range(slice.first(), slice.last());
    if (slice.size() <= m_options.bisectLeaf) {
        // Small enough: list the range and drop what the server no longer has.
        auto *job = new Imap::SearchJob(m_session);
        job->setUidMode(true);
        job->setCriteria("UID " + range.toByteArray());
        connect(job, &Imap::Job::finished, this, [this, job, slice, range] {
            if (job->error()) {
                fail(job->error());
                return;
            }
            QList<quint32> gone;
            for (quint32 uid : slice) {
                if (!job->results().contains(uid))
                    gone << uid;
            }
            if (!gone.isEmpty()) {
                if (storeFailed(
                        Store::MessageStore(m_db).expungeUids(m_folderId, m_folder.uidValidity, gone)))
                    return;
                m_result.expunged += int(gone.size());
                m_cached.removeIf([&gone](quint32 uid) { return gone.contains(uid); });
            }
            bisectNext();
        });
        job->start();
        return;
    }
    auto *job = new CountJob(m_session);
    job->setUids(range);
    connect(job, &Imap::Job::finished, this, [this, job, slice] {
        if (job->error()) {
            fail(job->error());
            return;
        }
        if (job->count() >= quint32(slice.size())) {
            bisectNext(); // every cached UID of the range is still there
            return;
        }
        const qsizetype half = slice.size() / 2;
        // Newest half first, like everything else the person sees.
        m_bisectQueue.prepend(slice.mid(0, half));
        m_bisectQueue.prepend(slice.mid(half));
        bisectNext();
    });
    job->start();
}

void FolderSync::sweepFlags()
{
    if (m_mode != SyncMode::Plain || !m_options.sweepFlags || m_firstSync || m_cached.isEmpty()) {
        complete();
        return;
    }
    m_sweepEnd = m_cached.size();
    sweepNextChunk();
}

void FolderSync::sweepNextChunk()
{
    if (m_sweepEnd <= 0) {
        complete();
        return;
    }
    const qsizetype begin = std::max<qsizetype>(0, m_sweepEnd - m_options.flagChunk);
    const Imap::UidSet range = Imap::UidSet::range(m_cached[begin], m_cached[m_sweepEnd - 1]);
    m_sweepEnd = begin;
    auto *job = new Imap::FetchJob(m_session);
    job->setUids(range);
    Imap::FetchScope scope;
    scope.flags = true;
    job->setScope(scope);
    connect(job, &Imap::Job::finished, this, [this, job] {
        if (job->error()) {
            fail(job->error());
            return;
        }
        if (storeFailed(applyFlagFetches(job->messages())))
            return;
        sweepNextChunk();
    });
    job->start();
}

void FolderSync::complete()
{
    if (m_finished)
        return;
    // New mail after a first sync is indexed as it arrives again; what the first sync left
    // pending stays in search_pending for SearchIndexer.
    if (m_firstSync && storeFailed(Store::MessageStore(m_db).setSearchDeferred(m_folderId, false)))
        return;
    // Only now is the folder's state a complete description of the cache.
    if (storeFailed(Store::FolderStore(m_db).setSyncState(
            m_folderId, m_mailbox.uidNext, m_mode == SyncMode::Plain ? 0 : m_mailbox.highestModSeq)))
        return;
    m_finished = true;
    for (const QMetaObject::Connection &c : std::as_const(m_sessionConnections))
        disconnect(c);
    // Nothing left the mailbox and nothing arrived that is not cached since this sync's SELECT
    // (or NOOP): the next sync may start from this selection.
    if (m_mode == SyncMode::Plain && m_session && m_session->state() == Imap::Session::State::Selected &&
        m_session->selectionSerial() == m_startSelection && m_session->removalCount() == m_startRemovals &&
        !m_session->selectedMailbox().readOnly && m_mailbox.uidNext != 0 &&
        m_session->selectedMailbox().exists == quint32(m_cached.size()))
        m_leaves = KeptSelection{m_startSelection, m_startRemovals, m_folder.uidValidity, m_mailbox.uidNext,
                                 quint32(m_cached.size())};
    Q_EMIT finished(Error());
}

bool FolderSync::keptSelectionHolds() const
{
    if (!m_kept || m_mode != SyncMode::Plain || !m_session ||
        m_session->state() != Imap::Session::State::Selected)
        return false;
    const Imap::SelectedMailbox &mailbox = m_session->selectedMailbox();
    return m_session->selectionSerial() == m_kept->selectionSerial &&
           m_session->removalCount() == m_kept->removalCount && mailbox.exists == m_kept->count &&
           !mailbox.readOnly && m_kept->uidNext != 0 && m_folder.uidValidity == m_kept->uidValidity &&
           m_folder.uidNext == m_kept->uidNext;
}

void FolderSync::confirmKeptSelection()
{
    // RFC 9051 §6.1.2, §7.4.1: the server reports EXISTS and EXPUNGE in the NOOP's response at
    // the latest. If it reported none, the mailbox is what the previous sync left, and the rest
    // goes on exactly as after a SELECT that returned the same EXISTS and UIDNEXT. Anything
    // else: a real SELECT.
    auto *job = new Imap::NoopJob(m_session);
    connect(job, &Imap::Job::finished, this, [this, job] {
        if (job->error()) {
            fail(job->error());
            return;
        }
        if (!keptSelectionHolds()) {
            select();
            return;
        }
        Imap::SelectedMailbox mailbox = m_session->selectedMailbox();
        mailbox.uidValidity = m_kept->uidValidity;
        mailbox.uidNext = m_kept->uidNext;
        onSelected(mailbox, {}, {});
    });
    job->start();
}

void FolderSync::fail(const Error &error)
{
    if (m_finished)
        return;
    m_finished = true;
    for (const QMetaObject::Connection &c : std::as_const(m_sessionConnections))
        disconnect(c);
    m_failure = error;
    // Chunks the writer still holds are committed (or refused) first: whoever starts the next
    // sync of this folder reads a store nothing of this one is still writing to.
    if (m_chunksStoring == 0)
        finishFailed();
}

void FolderSync::finishFailed()
{
    const Error error = *m_failure;
    m_failure.reset();
    Q_EMIT finished(error);
}

} // namespace Tidings::Sync
