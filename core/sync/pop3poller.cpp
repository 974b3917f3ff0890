// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/sync/pop3poller.h"

#include "core/mime/parser.h"
#include "core/store/database.h"
#include "core/store/folderstore.h"
#include "core/store/messagestore.h"
#include "core/store/partstore.h"
#include "core/store/pop3store.h"
#include "core/sync/storewriter.h"

#include <QCryptographicHash>
#include <QHash>

#include <memory>

namespace Tidings::Sync {

namespace {

constexpr QLatin1StringView kHashPrefix{"sha256:"};
constexpr qsizetype kPreviewChars = 200;
constexpr qsizetype kSearchTextChars = 64 * 1024;

QString displayList(const QList<Mime::Address> &addresses)
{
    QStringList parts;
    parts.reserve(addresses.size());
    for (const Mime::Address &a : addresses) {
        if (a.name.isEmpty()) {
            parts << a.address;
            continue;
        }
        // Quote names with specials so the column reads back as the same list.
        static const QString specials = QStringLiteral("()<>[]:;@\\,.\"");
        bool quote = false;
        for (QChar ch : a.name)
            quote = quote || specials.contains(ch);
        QString name = a.name;
        if (quote) {
            name.replace(u'\\', QStringLiteral("\\\\")).replace(u'"', QStringLiteral("\\\""));
            name = u'"' + name + u'"';
        }
        parts << (name + QStringLiteral(" <") + a.address + u'>');
    }
    return parts.join(QStringLiteral(", "));
}

QString bracketed(const QByteArray &id)
{
    return id.isEmpty() ? QString() : QStringLiteral("<%1>").arg(QString::fromUtf8(id));
}

QString contentKey(const QByteArray &raw)
{
    return kHashPrefix +
           QString::fromLatin1(QCryptographicHash::hash(raw, QCryptographicHash::Sha256).toHex());
}

} // namespace

/// A commit group on its way to the writer.
struct Pop3Poller::Group {
    qint64 folderId = 0;
    bool markRead = false;
    QList<Download> downloads; // uidl is the key: the UIDL, or the content hash without UIDL
};

/// What the writer did with a group.
struct Pop3Poller::GroupOutcome {
    GroupOutcome() = default;
    explicit GroupOutcome(Error e) // the writer's connection could not be opened
        : error(std::move(e))
    {}
    Error error;
    QList<Store::Pop3Stored> stored; // one per message when !error
};

/// Stores a group with its list rows (Pop3Store::storeMessages: one Full transaction, the
/// bytes in one pack synced before the commit); runs on the poller's StoreWriter.
Pop3Poller::GroupOutcome Pop3Poller::storeGroup(Store::Database &db, const Group &group)
{
    QList<Store::Pop3Download> downloads;
    downloads.reserve(group.downloads.size());
    for (const Download &d : group.downloads) {
        // The list row from the header block only (the indexer parses bodies later), here:
        // the network thread is the busier one during a download.
        Store::MessageHeader header = listHeaderFromRaw(d.raw, d.received);
        if (group.markRead)
            header.flags |= Store::MessageFlag::Seen;
        downloads.append(Store::Pop3Download{d.uidl, std::move(header), d.raw});
    }
    Store::Result<QList<Store::Pop3Stored>> stored =
        Store::Pop3Store(db).storeMessages(group.folderId, downloads);
    if (!stored)
        return GroupOutcome(stored.error());
    GroupOutcome out;
    out.stored = std::move(stored).value();
    return out;
}

Pop3Poller::Pop3Poller(Store::Database &db, qint64 accountId, Pop3::Settings settings,
                       Pop3PollOptions options, Clock &clock, QObject *parent)
    : QObject(parent)
    , m_db(db)
    , m_accountId(accountId)
    , m_settings(std::move(settings))
    , m_options(options)
    , m_clock(clock)
    , m_timer(new Timer(clock, this))
    , m_indexer(new Pop3Indexer(db, accountId, this))
{
    connect(m_timer, &Timer::timeout, this, [this] { pollOnce(); });
    m_searchIndexer = new SearchIndexer(db, this);
    // Bodies first (their text lands in message_text), then the search index of whatever a
    // large poll deferred, so each such message is tokenised once, with its body.
    connect(m_indexer, &Pop3Indexer::finished, this, [this](int indexed, const Error &error) {
        if (error) {
            Q_EMIT indexingFinished(indexed, error);
            return;
        }
        m_bodiesIndexed = indexed;
        m_searchIndexer->start();
    });
    connect(m_searchIndexer, &SearchIndexer::finished, this,
            [this](qint64, const Error &error) { Q_EMIT indexingFinished(m_bodiesIndexed, error); });
    // For a file profile the groups are stored on a thread of its own with its own connection.
    m_writer = new StoreWriter(db, QStringLiteral("pop3-store"), this);
}

Pop3Poller::~Pop3Poller()
{
    if (m_session) {
        m_done = true; // late job signals must not touch a half-destroyed poller
        m_session->abort();
        delete m_session.data();
    }
    // A group being committed completes (or not) atomically; queued ones are dropped, and
    // nothing was deleted on the server for any of them.
    delete m_writer;
}

void Pop3Poller::start()
{
    m_running = true;
    if (!isPolling())
        armTimer();
    // A download killed before its group committed leaves a pack no row names. Not being able
    // to look now (another writer held the lock for 5 s) only delays that to the next start.
    if (Store::Result<int> swept = Store::PartStore(m_db).removeOrphanFiles(); !swept)
        qWarning("Pop3Poller: orphaned part files not removed: %s", qPrintable(swept.error().toString()));
    if (!isPolling()) {
        // A poll killed while it deferred the Inbox's search index left the flag set.
        Store::Result<qint64> inbox =
            Store::FolderStore(m_db).findByName(m_accountId, QByteArrayLiteral("INBOX"));
        if (inbox && *inbox != 0) {
            if (Error e = Store::MessageStore(m_db).setSearchDeferred(*inbox, false))
                qWarning("Pop3Poller: %s", qPrintable(e.toString()));
        }
    }
    startIndexing(); // what an earlier run downloaded but did not get to index
}

void Pop3Poller::startIndexing()
{
    m_bodiesIndexed = 0;
    m_indexer->start();
}

void Pop3Poller::stop()
{
    m_running = false;
    m_timer->stop();
}

void Pop3Poller::checkNow()
{
    if (isPolling())
        return;
    m_timer->stop();
    pollOnce();
}

void Pop3Poller::armTimer()
{
    if (m_running)
        m_timer->start(m_options.interval);
}

std::variant<qint64, Error> Pop3Poller::inboxFolder(Store::Database &db, qint64 accountId)
{
    Store::FolderStore folders(db);
    Store::Result<qint64> found = folders.findByName(accountId, QByteArrayLiteral("INBOX"));
    if (!found)
        return found.error();
    if (*found != 0)
        return *found;
    Store::Folder inbox;
    inbox.accountId = accountId;
    inbox.name = QByteArrayLiteral("INBOX");
    inbox.displayName = QStringLiteral("Inbox");
    inbox.delimiter = QStringLiteral("/");
    Store::Result<qint64> added = folders.upsert(accountId, inbox);
    if (!added)
        return added.error();
    return *added;
}

namespace {

/// The list-row fields every stored message gets from its headers.
Store::MessageHeader listFields(const Mime::Message &message, qsizetype rawSize, const QDateTime &received)
{
    Store::MessageHeader h;
    h.internalDate = received;
    h.date = message.date;
    h.size = rawSize;
    h.subject = message.subject;
    h.from = displayList(message.from);
    h.to = displayList(message.to);
    h.cc = displayList(message.cc);
    h.messageId = bracketed(message.messageId);
    h.inReplyTo = bracketed(message.inReplyTo);
    QStringList refs;
    for (const QByteArray &r : message.references)
        refs << bracketed(r);
    h.references = refs.join(u' ');
    return h;
}

} // namespace

Store::MessageHeader Pop3Poller::headerFromRaw(const QByteArray &raw, const QDateTime &received,
                                               QString *searchText)
{
    const Mime::Message message = Mime::Parser::parse(raw);
    Store::MessageHeader h = listFields(message, raw.size(), received);
    h.hasAttachments = !message.attachmentIndexes.isEmpty();
    const QString text = message.bestText();
    h.preview = text.left(kPreviewChars * 2).simplified().left(kPreviewChars);
    if (searchText)
        *searchText = text.left(kSearchTextChars);
    return h;
}

Store::MessageHeader Pop3Poller::listHeaderFromRaw(const QByteArray &raw, const QDateTime &received)
{
    // The header block ends at the first empty line (RFC 5322 §2.1); bare LF is tolerated.
    qsizetype end = raw.size();
    for (qsizetype at = raw.indexOf('\n'); at >= 0 && at + 1 < raw.size(); at = raw.indexOf('\n', at + 1)) {
        if (raw.at(at + 1) == '\n' ||
            (raw.at(at + 1) == '\r' && at + 2 < raw.size() && raw.at(at + 2) == '\n')) {
            end = at + 1;
            break;
        }
    }
    return listFields(Mime::Parser::parseHeaders(QByteArrayView(raw).first(end)), raw.size(), received);
}

bool Pop3Poller::pollOnce()
{
    if (isPolling())
        return false;
    m_timer->stop();
    m_result = {};
    m_toRetrieve.clear();
    m_nextRetrieve = 0;
    m_pending.clear();
    m_pendingBytes = 0;
    m_groupsInFlight = 0;
    m_messagesInFlight = 0;
    m_failing = false;
    m_failure = {};
    m_searchDeferred = false;
    m_knownHashes.clear();
    m_deleted.clear();
    m_outstanding = 0;
    m_retrievesOutstanding = 0;
    m_listingDone = false;
    m_quitting = false;
    m_done = false;
    ++m_generation;

    m_session = new Pop3::Session(m_settings, m_clock, this);
    const quint64 generation = m_generation;
    connect(m_session, &Pop3::Session::opened, this, [this, generation] {
        if (generation == m_generation && !m_done && !m_failing)
            onOpened();
    });
    connect(m_session, &Pop3::Session::failed, this, [this, generation](const Error &error) {
        if (generation != m_generation || m_done)
            return;
        fail(error); // complete downloads are kept; nothing was deleted for them
    });

    std::variant<qint64, Error> inbox = inboxFolder(m_db, m_accountId);
    if (auto *error = std::get_if<Error>(&inbox)) {
        // Reported from the event loop like every other outcome.
        const Error e = *error;
        QMetaObject::invokeMethod(
            this,
            [this, e, generation] {
                if (generation == m_generation)
                    finish(e);
            },
            Qt::QueuedConnection);
        return true;
    }
    m_inbox = std::get<qint64>(inbox);
    m_session->open();
    return true;
}

void Pop3Poller::onOpened()
{
    const quint64 generation = m_generation;
    const Pop3::Capabilities &caps = m_session->capabilities();
    if (caps.known && !caps.uidl) {
        // CAPA is authoritative when present (RFC 2449 §6.4): no UIDL line, no UIDL.
        m_result.uidlSupported = false;
        onUidl(nullptr);
        return;
    }
    Pop3::UidlJob *job = m_session->uidl();
    connect(job, &Pop3::Job::finished, this, [this, generation](Pop3::Job *j) {
        if (generation != m_generation || m_done || m_failing)
            return;
        auto *uidl = static_cast<Pop3::UidlJob *>(j);
        if (uidl->error().kind == Error::Kind::ServerNo) {
            m_result.uidlSupported = false;
            onUidl(nullptr);
            return;
        }
        if (uidl->error()) {
            finish(uidl->error());
            return;
        }
        onUidl(uidl);
    });
}

void Pop3Poller::onUidl(Pop3::UidlJob *job)
{
    Store::Pop3Store pop3(m_db);
    Store::Result<QList<Store::Pop3Record>> records = pop3.records(m_accountId);
    if (!records) {
        finish(records.error());
        return;
    }

    if (!job) {
        if (m_options.leaveOnServer) {
            finish(Error::make(
                Error::Kind::Config,
                QStringLiteral("The server does not support UIDL, so Tidings cannot tell which messages "
                               "it already downloaded. Leaving messages on the server would download "
                               "them all again on every check: turn off \"leave messages on the "
                               "server\" for this account.")));
            return;
        }
        for (const Store::Pop3Record &r : *records) {
            if (r.uidl.startsWith(kHashPrefix))
                m_knownHashes.insert(r.uidl);
        }
        const quint64 generation = m_generation;
        Pop3::ListJob *list = m_session->list();
        connect(list, &Pop3::Job::finished, this, [this, generation](Pop3::Job *j) {
            if (generation != m_generation || m_done || m_failing)
                return;
            if (j->error()) {
                finish(j->error());
                return;
            }
            onList(static_cast<Pop3::ListJob *>(j));
        });
        return;
    }

    QHash<QString, Store::Pop3Record> known;
    for (const Store::Pop3Record &r : *records)
        known.insert(r.uidl, r);

    QSet<QString> onServer;
    for (const Pop3::UidlEntry &e : job->entries())
        onServer.insert(QString::fromLatin1(e.uid));
    m_result.onServer = int(job->entries().size());
    Store::Result<int> forgotten = pop3.forgetMissing(m_accountId, onServer);
    if (!forgotten) {
        finish(forgotten.error());
        return;
    }

    const QDateTime cutoff =
        m_options.deleteAfterDays > 0 ? m_clock.now().addDays(-m_options.deleteAfterDays) : QDateTime();
    int toDownload = 0;
    QList<std::pair<int, QString>> retrieves;
    for (const Pop3::UidlEntry &e : job->entries()) {
        const QString uidl = QString::fromLatin1(e.uid);
        auto it = known.constFind(uidl);
        if (it == known.constEnd()) {
            retrieves.append({e.message, uidl});
            ++toDownload;
            continue;
        }
        // Already stored: only the deletion rules apply.
        bool remove = !m_options.leaveOnServer;
        if (!remove && cutoff.isValid() && it->firstSeen.isValid() && it->firstSeen < cutoff)
            remove = true;
        if (!remove && m_options.deleteWhenDeletedHere && it->messageId == 0)
            remove = true;
        if (remove)
            dele(e.message, uidl);
    }
    Q_EMIT listed(m_result.onServer, toDownload);
    if (m_done || m_failing || !deferSearch(toDownload))
        return;
    m_toRetrieve = std::move(retrieves);
    m_listingDone = true;
    feed();
    maybeQuit();
}

void Pop3Poller::onList(Pop3::ListJob *job)
{
    m_result.onServer = int(job->entries().size());
    Q_EMIT listed(m_result.onServer, m_result.onServer);
    if (m_done || m_failing || !deferSearch(m_result.onServer))
        return;
    for (const Pop3::ListEntry &e : job->entries())
        m_toRetrieve.append({e.message, QString()});
    m_listingDone = true;
    feed();
    maybeQuit();
}

bool Pop3Poller::deferSearch(int toDownload)
{
    // Set for a large download, and cleared otherwise: a poll killed while it deferred left
    // the flag set, and the Inbox must not go on deferring the next polls' few messages.
    const bool defer = toDownload >= std::max(m_options.deferSearchFrom, 1);
    if (Error e = Store::MessageStore(m_db).setSearchDeferred(m_inbox, defer)) {
        finish(e);
        return false;
    }
    m_searchDeferred = defer;
    return true;
}

void Pop3Poller::feed()
{
    // Bounded memory: downloaded but uncommitted messages (pending here or in flight at the
    // writer) plus RETRs outstanding stay within three groups, so a writer slower than the
    // network holds the download back instead of buffering the whole maildrop.
    const int window = std::max(3 * m_options.commitGroup, 128);
    while (!m_done && !m_failing && m_nextRetrieve < m_toRetrieve.size() &&
           m_retrievesOutstanding + int(m_pending.size()) + m_messagesInFlight < window) {
        const auto &[message, uidl] = m_toRetrieve.at(m_nextRetrieve++);
        retrieve(message, uidl);
    }
}

void Pop3Poller::retrieve(int message, const QString &uidl)
{
    const quint64 generation = m_generation;
    Pop3::RetrieveJob *job = m_session->retrieve(message);
    auto buffer = std::make_shared<QByteArray>();
    job->setSink([this, buffer, message](QByteArrayView chunk) {
        buffer->append(chunk);
        Q_EMIT retrieveProgress(message, buffer->size());
        return true;
    });
    ++m_outstanding;
    ++m_retrievesOutstanding;
    connect(job, &Pop3::Job::finished, this, [this, generation, buffer, uidl](Pop3::Job *j) {
        if (generation != m_generation || m_done || m_failing)
            return;
        --m_outstanding;
        --m_retrievesOutstanding;
        auto *r = static_cast<Pop3::RetrieveJob *>(j);
        if (r->error().kind == Error::Kind::ServerNo) {
            // The server would not give this one message (e.g. it vanished): it stays unknown
            // and is tried again on the next poll.
            ++m_result.skipped;
        } else if (r->error()) {
            // Everything complete so far is worth keeping; nothing was deleted for it yet.
            fail(r->error());
            return;
        } else {
            Download d{r->message(), uidl, std::move(*buffer), m_clock.now()};
            m_pendingBytes += d.raw.size();
            m_pending.append(std::move(d));
        }
        if (m_pending.size() >= m_options.commitGroup || m_pendingBytes >= m_options.commitGroupBytes ||
            m_retrievesOutstanding == 0)
            flush();
        feed();
        maybeQuit();
    });
}

void Pop3Poller::flush()
{
    if (m_pending.isEmpty())
        return;
    Group group;
    group.folderId = m_inbox;
    group.markRead = m_options.markRead;
    group.downloads.reserve(m_pending.size());
    QList<Download> batch = std::move(m_pending);
    m_pending.clear();
    m_pendingBytes = 0;
    for (Download &d : batch) {
        if (d.uidl.isEmpty()) {
            // No UIDL: the content is the key, and content already committed is not stored
            // again (a copy still in flight is left to storeMessages, which knows its key once
            // the earlier group committed, and reports it as not new).
            const QString key = contentKey(d.raw);
            if (m_knownHashes.contains(key)) {
                if (!m_options.leaveOnServer && !m_failing)
                    dele(d.message, key);
                continue;
            }
            d.uidl = key;
        }
        group.downloads.append(std::move(d));
    }
    if (group.downloads.isEmpty())
        return;
    ++m_groupsInFlight;
    m_messagesInFlight += int(group.downloads.size());
    // Nothing happens for these messages until the writer reports their commit.
    QList<std::pair<int, QString>> messages; // message number, key, in group order
    messages.reserve(group.downloads.size());
    for (const Download &d : std::as_const(group.downloads))
        messages.append({d.message, d.uidl});
    m_writer->submit(
        this, [group = std::move(group)](Store::Database &db) { return storeGroup(db, group); },
        [this, generation = m_generation, messages](const GroupOutcome &outcome) {
            onGroupStored(generation, messages, outcome);
        });
}

void Pop3Poller::onGroupStored(quint64 generation, const QList<std::pair<int, QString>> &messages,
                               const GroupOutcome &outcome)
{
    if (generation != m_generation || m_done)
        return;
    --m_groupsInFlight;
    m_messagesInFlight -= int(messages.size());
    if (outcome.error) {
        // Not committed: these stay unknown here and on the server, the next poll gets them.
        fail(outcome.error);
        return;
    }
    // From here on the messages are on disk: DELE is allowed.
    for (qsizetype i = 0; i < messages.size(); ++i) {
        const auto &[message, key] = messages.at(i);
        if (key.startsWith(kHashPrefix))
            m_knownHashes.insert(key);
        if (outcome.stored.at(i).isNew)
            ++m_result.downloaded;
        Q_EMIT messageStored(key);
        if (m_done)
            return;
        if (!m_options.leaveOnServer && !m_failing)
            dele(message, key);
    }
    if (m_failing) {
        if (m_groupsInFlight == 0)
            finish(m_failure);
        return;
    }
    feed();
    maybeQuit();
}

void Pop3Poller::fail(Error error)
{
    if (m_done || m_failing)
        return;
    // The session is unusable or the store refused: no DELE and no QUIT any more (without
    // QUIT the server deletes nothing), but every message received completely is still stored.
    m_failing = true;
    m_failure = std::move(error);
    flush();
    if (m_session && m_session->state() != Pop3::Session::State::Disconnected)
        m_session->abort();
    if (m_groupsInFlight == 0)
        finish(m_failure);
}

void Pop3Poller::dele(int message, const QString &key)
{
    if (m_done || m_failing || !m_session)
        return;
    const quint64 generation = m_generation;
    Pop3::SimpleJob *job = m_session->dele(message);
    ++m_outstanding;
    connect(job, &Pop3::Job::finished, this, [this, generation, message, key](Pop3::Job *j) {
        if (generation != m_generation || m_done || m_failing)
            return;
        --m_outstanding;
        if (j->error().kind == Error::Kind::ServerNo) {
            // Refused (already deleted by another client): nothing to apply, poll goes on.
        } else if (j->error()) {
            fail(j->error());
            return;
        } else {
            m_deleted.append(key);
            Q_EMIT deleAccepted(message);
            if (m_done)
                return;
        }
        maybeQuit();
    });
}

void Pop3Poller::maybeQuit()
{
    if (m_done || m_failing || m_quitting || !m_listingDone || m_outstanding > 0 || !m_pending.isEmpty() ||
        m_groupsInFlight > 0 || m_nextRetrieve < m_toRetrieve.size())
        return;
    m_quitting = true;
    const quint64 generation = m_generation;
    Pop3::SimpleJob *job = m_session->quit();
    connect(job, &Pop3::Job::finished, this, [this, generation](Pop3::Job *j) {
        if (generation != m_generation || m_done || m_failing)
            return;
        if (j->error()) {
            // No +OK to QUIT: the server applied no DELE (RFC 1939 §6), so nothing is recorded.
            finish(j->error());
            return;
        }
        Q_EMIT quitAccepted();
        if (m_done)
            return;
        if (!m_deleted.isEmpty()) {
            if (Error e = Store::Pop3Store(m_db).markDeletedOnServer(m_accountId, m_deleted)) {
                finish(e);
                return;
            }
        }
        m_result.deletedOnServer = int(m_deleted.size());
        finish({});
    });
    Q_EMIT quitSent();
}

void Pop3Poller::finish(Error error)
{
    if (m_done)
        return;
    m_done = true;
    m_result.error = std::move(error);
    if (m_session) {
        Pop3::Session *session = m_session.data();
        m_session = nullptr;
        if (session->state() != Pop3::Session::State::Disconnected)
            session->abort(); // without QUIT the server applies no DELE
        session->deleteLater();
    }
    m_pending.clear();
    if (m_searchDeferred) {
        // New mail from elsewhere is indexed at once again; what this poll deferred is indexed
        // after finished() (and at the next start() if the process ends before).
        m_searchDeferred = false;
        if (Error e = Store::MessageStore(m_db).setSearchDeferred(m_inbox, false); e && m_result.ok())
            m_result.error = e;
    }
    armTimer();
    const QPointer<Pop3Poller> self(this);
    Q_EMIT finished(m_result);
    // Whatever this poll stored (and anything left from before) gets its body parsed and its
    // search index now, after finished(): the download itself never waits for it.
    if (self && m_options.indexAfterPoll)
        startIndexing();
}

} // namespace Tidings::Sync
