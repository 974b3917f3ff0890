// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/sync/outbox.h"

#include "core/mime/parser.h"
#include "core/store/database.h"
#include "core/store/folderstore.h"
#include "core/store/messagestore.h"
#include "core/store/partstore.h"
#include "core/sync/pop3poller.h"
#include "core/sync/sentcopy.h"

namespace Tidings::Sync {

namespace {

using State = Store::OutboxItem::State;

bool isTransient(const Smtp::SendResult &r, bool certificateRejected)
{
    if (r.problem == Smtp::Problem::TemporaryFailure)
        return true;
    if (r.problem != Smtp::Problem::None)
        return false;
    switch (r.error.kind) {
    case Error::Kind::Network:
    case Error::Kind::Timeout:
        return true;
    case Error::Kind::Tls:
        // LineConnection reports a refused or dropped TCP connection during the implicit-TLS
        // handshake as Kind::Tls; only a refused certificate needs the person.
        return !certificateRejected;
    default:
        return false;
    }
}

QString reasonOf(const Smtp::SendResult &r)
{
    QString reason = r.error.toString();
    const QStringList refused = r.refusedRecipients();
    if (!refused.isEmpty() && !reason.contains(refused.first()))
        reason += QStringLiteral(" (refused: %1)").arg(refused.join(QStringLiteral(", ")));
    return reason;
}

/// The message's Message-ID without brackets, read from the header block only.
QByteArray messageIdOf(const QByteArray &raw)
{
    const Mime::Message m = Mime::Parser::parseHeaders(raw.left(256 * 1024));
    return m.messageId;
}

} // namespace

std::chrono::milliseconds outboxBackoff(int attempts)
{
    using std::chrono::minutes;
    static const minutes steps[] = {minutes(1), minutes(2), minutes(5), minutes(10), minutes(30)};
    if (attempts <= 0)
        return steps[0];
    if (attempts <= int(std::size(steps)))
        return steps[attempts - 1];
    return minutes(60);
}

Outbox::Outbox(Store::Database &db, OutboxAccount account, Clock &clock, QObject *parent)
    : QObject(parent)
    , m_db(db)
    , m_account(std::move(account))
    , m_clock(clock)
    , m_timer(new Timer(clock, this))
{
    connect(m_timer, &Timer::timeout, this, &Outbox::process);
}

Outbox::~Outbox()
{
    if (m_smtp) {
        m_smtp->abort();
        delete m_smtp.data();
    }
}

QByteArray Outbox::withoutBcc(const QByteArray &raw)
{
    // Walk the top-level header block line by line (it ends at the first empty line).
    QByteArray out;
    out.reserve(raw.size());
    qsizetype pos = 0;
    bool dropping = false;
    while (pos < raw.size()) {
        qsizetype end = raw.indexOf('\n', pos);
        end = end < 0 ? raw.size() : end + 1;
        const QByteArrayView line(raw.constData() + pos, end - pos);
        if (line == "\r\n" || line == "\n") {
            out.append(raw.constData() + pos, raw.size() - pos);
            return out;
        }
        const bool continuation = !line.isEmpty() && (line.front() == ' ' || line.front() == '\t');
        if (!continuation)
            dropping = line.size() >= 4 && QByteArrayView(line.data(), 4).compare("bcc:", Qt::CaseInsensitive) == 0;
        if (!dropping)
            out.append(line.data(), line.size());
        pos = end;
    }
    return out;
}

Store::Result<qint64> Outbox::enqueue(Store::Database &db, qint64 accountId, const QByteArray &raw,
                                      const QString &envelopeFrom, const QStringList &recipients)
{
    if (recipients.isEmpty())
        return Error::make(Error::Kind::Config, QStringLiteral("a message needs at least one recipient"));
    return Store::OutboxStore(db).enqueue(accountId, withoutBcc(raw), envelopeFrom, recipients);
}

void Outbox::start()
{
    m_running = true;
    process();
}

void Outbox::stop()
{
    m_running = false;
    m_timer->stop();
}

void Outbox::process()
{
    if (m_busy) {
        m_again = true;
        return;
    }
    m_busy = true;
    m_again = false;
    m_networkDown = false;
    m_timer->stop();

    // Sent messages still missing their copy come first: they need no SMTP.
    m_copiesToMake.clear();
    Store::Result<QList<Store::OutboxItem>> items = Store::OutboxStore(m_db).list(m_account.accountId);
    if (!items) {
        endRound(items.error());
        return;
    }
    for (const Store::OutboxItem &item : *items) {
        if (item.state == State::Sent && !item.sentCopyAppended)
            m_copiesToMake.append(item.id);
    }
    nextItem();
}

void Outbox::nextItem()
{
    if (!m_copiesToMake.isEmpty()) {
        const qint64 id = m_copiesToMake.takeFirst();
        OutboxReport report;
        report.itemId = id;
        report.state = State::Sent;
        makeSentCopy(id, report);
        return;
    }
    if (m_networkDown) {
        endRound({});
        return;
    }
    Store::Result<std::optional<Store::OutboxItem>> due = Store::OutboxStore(m_db).nextDue(m_account.accountId,
                                                                                            m_clock.now());
    if (!due) {
        endRound(due.error());
        return;
    }
    if (!due->has_value()) {
        endRound({});
        return;
    }
    send(**due);
}

void Outbox::send(const Store::OutboxItem &item)
{
    if (Error e = Store::OutboxStore(m_db).markSending(item.id)) {
        endRound(e);
        return;
    }
    if (!m_smtp || m_smtp->state() == Smtp::Session::State::Disconnected) {
        if (m_smtp)
            m_smtp->deleteLater();
        m_smtp = new Smtp::Session(m_account.smtp, m_clock, this);
        m_certificateRejected = false;
        connect(m_smtp, &Smtp::Session::certificateRejected, this, [this] { m_certificateRejected = true; });
        m_smtp->open();
    }
    Smtp::SendJob *job = m_smtp->send({item.envelopeFrom, item.recipients}, item.rawMessage);
    const qint64 id = item.id;
    connect(job, &Smtp::SendJob::finished, this, [this, id](Smtp::SendJob *j) { onSent(id, j->result()); });
}

void Outbox::onSent(qint64 itemId, const Smtp::SendResult &result)
{
    Store::OutboxStore outbox(m_db);
    OutboxReport report;
    report.itemId = itemId;
    report.smtp = result;
    report.attemptedSend = true;
    Error stored;
    if (result.sent()) {
        report.state = State::Sent;
        stored = outbox.markSent(itemId);
    } else if (result.deliveryUncertain || result.problem == Smtp::Problem::DeliveryUncertain) {
        report.state = State::Uncertain;
        stored = outbox.markUncertain(itemId, reasonOf(result));
    } else {
        report.state = State::Failed;
        if (isTransient(result, m_certificateRejected)) {
            Store::Result<Store::OutboxItem> item = outbox.get(itemId);
            const int attempts = item ? item->attempts : 1;
            report.nextAttemptAt = m_clock.now().addMSecs(outboxBackoff(attempts).count());
            m_networkDown = result.problem != Smtp::Problem::TemporaryFailure;
        } else if (m_certificateRejected) {
            report.certificateRejected = true;
        }
        stored = outbox.markFailed(itemId, reasonOf(result), report.nextAttemptAt);
    }
    if (stored) {
        endRound(stored);
        return;
    }
    if (report.state == State::Sent) {
        makeSentCopy(itemId, report);
        return;
    }
    Q_EMIT itemFinished(report);
    nextItem();
}

Error Outbox::fileLocally(const Store::OutboxItem &item)
{
    Store::FolderStore folders(m_db);
    Store::Result<qint64> sent = folders.findByName(m_account.accountId, QByteArrayLiteral("Sent"));
    if (!sent)
        return sent.error();
    qint64 folderId = *sent;
    Store::Transaction t(m_db, Store::Durability::Full);
    if (t.error())
        return t.error();
    if (folderId == 0) {
        Store::Folder folder;
        folder.accountId = m_account.accountId;
        folder.name = QByteArrayLiteral("Sent");
        folder.displayName = QStringLiteral("Sent");
        folder.delimiter = QStringLiteral("/");
        folder.specialUse = QStringLiteral("\\Sent");
        Store::Result<qint64> added = folders.upsert(m_account.accountId, folder);
        if (!added)
            return added.error();
        folderId = *added;
    }
    QString text;
    Store::MessageHeader header = Pop3Poller::headerFromRaw(item.rawMessage, m_clock.now(), &text);
    header.flags |= Store::MessageFlag::Seen;
    Store::MessageStore messages(m_db);
    Store::Result<qint64> id = messages.insertLocal(folderId, header);
    if (!id)
        return id.error();
    if (Error e = Store::PartStore(m_db).store(*id, QString(), item.rawMessage.size(), item.rawMessage))
        return e;
    if (!text.isEmpty()) {
        if (Error e = messages.setSearchText(*id, text))
            return e;
    }
    if (Error e = Store::OutboxStore(m_db).markSentCopyAppended(item.id))
        return e;
    return t.commit();
}

void Outbox::makeSentCopy(qint64 itemId, OutboxReport report)
{
    Store::OutboxStore outbox(m_db);
    Store::Result<Store::OutboxItem> item = outbox.get(itemId);
    if (!item) {
        endRound(item.error());
        return;
    }
    switch (m_account.sentCopy) {
    case SentCopyMode::ServerFiles:
        if (Error e = outbox.markSentCopyAppended(itemId)) {
            endRound(e);
            return;
        }
        report.sentCopyDone = true;
        break;
    case SentCopyMode::LocalFolder:
        report.sentCopyError = fileLocally(*item);
        report.sentCopyDone = !report.sentCopyError;
        break;
    case SentCopyMode::ImapAppend: {
        // One connection per copy, with the account's current settings.
        if (m_sentCopy)
            m_sentCopy->deleteLater();
        m_sentCopy = new SentCopy(m_account.imap, m_clock, this);
        auto connection = std::make_shared<QMetaObject::Connection>();
        *connection = connect(m_sentCopy, &SentCopy::finished, this,
                              [this, itemId, report, connection](const Error &error) mutable {
                                  QObject::disconnect(*connection);
                                  report.sentCopyError = error;
                                  if (!error) {
                                      if (Error e = Store::OutboxStore(m_db).markSentCopyAppended(itemId)) {
                                          endRound(e);
                                          return;
                                      }
                                      report.sentCopyDone = true;
                                  }
                                  Q_EMIT itemFinished(report);
                                  nextItem();
                              });
        m_sentCopy->append(m_account.sentMailbox, item->rawMessage, messageIdOf(item->rawMessage));
        return;
    }
    }
    Q_EMIT itemFinished(report);
    nextItem();
}

void Outbox::endRound(const Error &error)
{
    m_busy = false;
    if (m_smtp) {
        Smtp::Session *session = m_smtp.data();
        m_smtp = nullptr;
        if (session->state() != Smtp::Session::State::Disconnected) {
            connect(session, &Smtp::Session::closed, session, &QObject::deleteLater);
            connect(session, &Smtp::Session::failed, session, &QObject::deleteLater);
            session->quit();
        } else {
            session->deleteLater();
        }
    }
    armRetryTimer();
    Q_EMIT roundFinished(error);
    if (m_again)
        QMetaObject::invokeMethod(this, &Outbox::process, Qt::QueuedConnection);
}

void Outbox::armRetryTimer()
{
    if (!m_running)
        return;
    Store::Result<QList<Store::OutboxItem>> items = Store::OutboxStore(m_db).list(m_account.accountId);
    if (!items)
        return;
    QDateTime earliest;
    bool copiesMissing = false;
    for (const Store::OutboxItem &item : *items) {
        if (item.state == State::Failed && item.nextAttemptAt.isValid()
            && (!earliest.isValid() || item.nextAttemptAt < earliest))
            earliest = item.nextAttemptAt;
        copiesMissing = copiesMissing || (item.state == State::Sent && !item.sentCopyAppended);
    }
    if (copiesMissing) {
        const QDateTime copyRetry = m_clock.now().addMSecs(outboxBackoff(1).count());
        if (!earliest.isValid() || copyRetry < earliest)
            earliest = copyRetry;
    }
    if (!earliest.isValid())
        return;
    const qint64 ms = std::max<qint64>(0, m_clock.now().msecsTo(earliest));
    m_timer->start(std::chrono::milliseconds(ms));
}

} // namespace Tidings::Sync
