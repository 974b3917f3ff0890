// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/clock.h"
#include "core/common/error.h"
#include "core/imap/sessionsettings.h"
#include "core/smtp/session.h"
#include "core/store/outboxstore.h"
#include "core/store/result.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>

#include <chrono>
#include <optional>

namespace Tidings::Store {
class Database;
}

namespace Tidings::Sync {

class SentCopy;

/// Where the copy of a sent message goes.
enum class SentCopyMode {
    ImapAppend,  ///< APPEND with \Seen to the account's Sent mailbox (RFC 9051 §6.3.12)
    ServerFiles, ///< the provider files SMTP mail in Sent itself (Gmail): no copy is made
    LocalFolder, ///< POP3 accounts: the local Sent folder
};

/// What the outbox needs to know about one account.
struct OutboxAccount {
    qint64 accountId = 0;
    Smtp::Settings smtp;
    SentCopyMode sentCopy = SentCopyMode::LocalFolder;
    Imap::SessionSettings imap; ///< ImapAppend only
    QString sentMailbox = QStringLiteral("Sent"); ///< ImapAppend only
};

/// What became of one outbox item in this round.
struct OutboxReport {
    qint64 itemId = 0;
    Store::OutboxItem::State state = Store::OutboxItem::State::Queued;
    Smtp::SendResult smtp;  ///< per-recipient answers; empty when this round only filed the Sent copy
    bool attemptedSend = false;
    QDateTime nextAttemptAt; ///< failed and retried on its own at this time; invalid: only by hand
    bool certificateRejected = false; ///< the server's certificate was refused: the person must decide
    bool sentCopyDone = false;
    Error sentCopyError;     ///< the copy could not be made; it is tried again without resending
};

/// Retry delays after a transient failure (network down, timeout, 4xx): 1, 2, 5, 10, 30 min, then
/// every 60 min.
[[nodiscard]] std::chrono::milliseconds outboxBackoff(int attempts);

/// Sends one account's outbox (RFC 5321 submission through Smtp::Session) and files the Sent copy.
///
/// A message is stored first (enqueue(): the store's Full durability), then sent; each item walks
/// the store's state machine queued → sending → sent | failed | uncertain, and every transition
/// is committed before the next step. The rules:
/// - A transient failure (no connection, timeout, TLS drop mid-way, a 4xx) marks the item failed
///   with a next attempt after outboxBackoff(); the outbox's timer sends it again then.
/// - A refusal (5xx, a refused recipient with all-or-nothing, a message too large) marks it failed
///   with the server's reason and no next attempt: it stays until the person acts.
/// - A connection lost after the final dot and before the reply marks it uncertain: it may have
///   gone out, so it is never re-sent unless the person requeues it.
/// - After sent: the Sent copy (SentCopyMode). A failed copy leaves the item sent without the
///   copy; every later round makes the copy again without sending the message again.
/// - The bytes stored and sent never contain a Bcc header (enqueue() removes one if present),
///   so neither the recipients nor the Sent copy can show it; Bcc lives in the envelope only.
///
/// One round runs at a time (process()); process() during a round runs another one after it.
/// At start-up the owner calls Store::OutboxStore::recoverInterrupted() once, before any round.
class Outbox final : public QObject
{
    Q_OBJECT

public:
    Outbox(Store::Database &db, OutboxAccount account, Clock &clock = SystemClock::instance(),
           QObject *parent = nullptr);
    ~Outbox() override;
    Q_DISABLE_COPY_MOVE(Outbox)

    /// Stores a message to send: @p raw with any Bcc header field removed, the envelope sender and
    /// every recipient (To, Cc and Bcc). Nothing is sent until a round runs.
    [[nodiscard]] static Store::Result<qint64> enqueue(Store::Database &db, qint64 accountId, const QByteArray &raw,
                                                       const QString &envelopeFrom, const QStringList &recipients);
    /// @p raw without its top-level Bcc header fields (and their continuation lines).
    [[nodiscard]] static QByteArray withoutBcc(const QByteArray &raw);

    /// Sends every item due now, then makes missing Sent copies; roundFinished() follows.
    void process();
    /// Runs a round now and whenever a retry falls due (on the clock).
    void start();
    void stop();

    [[nodiscard]] bool isBusy() const { return m_busy; }
    [[nodiscard]] const OutboxAccount &account() const { return m_account; }
    void setAccount(OutboxAccount account) { m_account = std::move(account); }

Q_SIGNALS:
    void itemFinished(const Tidings::Sync::OutboxReport &report);
    /// The round ended; @p error is set when the store failed (the items stay as they were).
    void roundFinished(const Tidings::Error &error);

private:
    void nextItem();
    void send(const Store::OutboxItem &item);
    void onSent(qint64 itemId, const Smtp::SendResult &result);
    void makeSentCopy(qint64 itemId, OutboxReport report);
    void endRound(const Error &error);
    void armRetryTimer();
    Error fileLocally(const Store::OutboxItem &item);

    Store::Database &m_db;
    OutboxAccount m_account;
    Clock &m_clock;
    Timer *m_timer = nullptr;
    bool m_running = false;
    bool m_busy = false;
    bool m_again = false;
    bool m_networkDown = false; // this round: stop sending after a transient failure
    bool m_certificateRejected = false; // the current SMTP connection refused the certificate
    QList<qint64> m_copiesToMake;
    QPointer<Smtp::Session> m_smtp;
    SentCopy *m_sentCopy = nullptr;
};

} // namespace Tidings::Sync

Q_DECLARE_METATYPE(Tidings::Sync::OutboxReport)
