// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

// Jobs that change or find messages: STORE, SEARCH, COPY, MOVE, EXPUNGE, APPEND.

#include "core/imap/job.h"

#include <QDateTime>

#include <optional>

namespace Tidings::Imap {

/// UID STORE / STORE (RFC 9051 §6.4.6) with UNCHANGEDSINCE (RFC 7162 §3.1.3).
/// `.SILENT` by default: the caller knows the flags it set; with CONDSTORE the server still sends
/// the new MODSEQ, collected in changes().
class StoreJob final : public SimpleJob
{
    Q_OBJECT
public:
    enum class Mode { Add, Remove, Replace };
    using SimpleJob::SimpleJob;

    void setUids(const UidSet &uids) { m_set = uids; m_uid = true; }
    void setSequenceNumbers(const UidSet &seqs) { m_set = seqs; m_uid = false; }
    void setMode(Mode mode) { m_mode = mode; }
    void setFlags(const QList<QByteArray> &flags) { m_flags = flags; }
    void setSilent(bool silent) { m_silent = silent; }
    void setUnchangedSince(std::uint64_t modSeq) { m_unchangedSince = modSeq; }

    /// FETCH responses that came back (FLAGS when not silent, MODSEQ under CONDSTORE).
    [[nodiscard]] const QList<Fetch> &changes() const { return m_changes; }
    /// [MODIFIED set]: messages not changed because they were modified since UNCHANGEDSINCE.
    [[nodiscard]] const UidSet &modified() const { return m_modified; }
    [[nodiscard]] Concurrency concurrency() const override
    {
        return m_uid ? Concurrency::UidOnly : Concurrency::SequenceNumbers;
    }

    /// The command text after the tag, for tests and logs.
    [[nodiscard]] QByteArray commandText() const;

protected:
    void run() override;
    bool handleUntagged(const Response &response) override;
    void succeeded(const StatusResponse &response) override;
    [[nodiscard]] QString describe() const override { return m_uid ? QStringLiteral("UID STORE") : QStringLiteral("STORE"); }

private:
    UidSet m_set;
    bool m_uid = true;
    Mode m_mode = Mode::Add;
    QList<QByteArray> m_flags;
    bool m_silent = true;
    std::optional<std::uint64_t> m_unchangedSince;
    QList<Fetch> m_changes;
    UidSet m_modified;
};

/// UID SEARCH / SEARCH (RFC 9051 §6.4.4), as ESEARCH (RFC 4731) when the server has it.
/// Criteria are raw search keys ("UNSEEN SINCE 1-Jan-2026"); addText() appends a key with a
/// string argument, quoted or as a literal, switching to CHARSET UTF-8 for non-ASCII text.
class SearchJob final : public SimpleJob
{
    Q_OBJECT
public:
    using SimpleJob::SimpleJob;

    void setUidMode(bool uid) { m_uid = uid; }
    void setCriteria(const QByteArray &raw);
    /// e.g. addText("SUBJECT", "Отчёт"), addText("HEADER Message-ID", "<id@x>").
    void addText(const QByteArray &key, const QString &value);
    /// Use ESEARCH when available (default true).
    void setPreferESearch(bool on) { m_preferESearch = on; }

    [[nodiscard]] const UidSet &results() const { return m_results; }
    [[nodiscard]] std::uint32_t count() const { return m_count; }
    [[nodiscard]] std::optional<std::uint64_t> highestModSeq() const { return m_modSeq; }
    [[nodiscard]] bool usedESearch() const { return m_esearch; }
    [[nodiscard]] Concurrency concurrency() const override
    {
        return m_uid ? Concurrency::UidOnly : Concurrency::SequenceNumbers;
    }

protected:
    void run() override;
    bool handleUntagged(const Response &response) override;
    [[nodiscard]] QString describe() const override { return m_uid ? QStringLiteral("UID SEARCH") : QStringLiteral("SEARCH"); }

private:
    Command m_criteria;
    bool m_hasCriteria = false;
    bool m_utf8 = false;
    bool m_uid = true;
    bool m_preferESearch = true;
    bool m_esearch = false;
    QByteArray m_tag;
    UidSet m_results;
    std::uint32_t m_count = 0;
    std::optional<std::uint64_t> m_modSeq;
};

/// UID COPY (RFC 9051 §6.4.7) with COPYUID (RFC 4315).
class CopyJob final : public SimpleJob
{
    Q_OBJECT
public:
    using SimpleJob::SimpleJob;
    void setUids(const UidSet &uids) { m_uids = uids; }
    void setDestination(const QString &mailbox) { m_destination = mailbox; }

    [[nodiscard]] std::uint32_t destinationUidValidity() const { return m_uidValidity; }
    [[nodiscard]] const UidSet &sourceUids() const { return m_source; }
    [[nodiscard]] const UidSet &destinationUids() const { return m_dest; }
    [[nodiscard]] Concurrency concurrency() const override { return Concurrency::UidOnly; }

protected:
    void run() override;
    void succeeded(const StatusResponse &response) override;
    [[nodiscard]] QString describe() const override { return QStringLiteral("UID COPY"); }

private:
    UidSet m_uids;
    QString m_destination;
    std::uint32_t m_uidValidity = 0;
    UidSet m_source;
    UidSet m_dest;
};

/// Moves messages: UID MOVE (RFC 6851) when the server has MOVE; otherwise UID COPY, UID STORE
/// +FLAGS.SILENT (\Deleted) and UID EXPUNGE of exactly those UIDs (RFC 4315). Without UIDPLUS
/// the originals stay flagged \Deleted (a plain EXPUNGE could remove other messages the person
/// marked), and sourceExpunged() is false.
class MoveJob final : public Job
{
    Q_OBJECT
public:
    using Job::Job;
    void setUids(const UidSet &uids) { m_uids = uids; }
    void setDestination(const QString &mailbox) { m_destination = mailbox; }

    [[nodiscard]] bool usedMove() const { return m_usedMove; }
    [[nodiscard]] bool sourceExpunged() const { return m_expunged; }
    [[nodiscard]] std::uint32_t destinationUidValidity() const { return m_uidValidity; }
    [[nodiscard]] const UidSet &sourceUids() const { return m_source; }
    [[nodiscard]] const UidSet &destinationUids() const { return m_dest; }

protected:
    void run() override;
    bool handleUntagged(const Response &response) override;
    void handleTagged(const StatusResponse &response) override;

private:
    enum class Step { Move, Copy, Store, Expunge };
    void takeCopyUid(const ResponseCode &code);
    UidSet m_uids;
    QString m_destination;
    Step m_step = Step::Move;
    bool m_usedMove = false;
    bool m_expunged = false;
    std::uint32_t m_uidValidity = 0;
    UidSet m_source;
    UidSet m_dest;
};

/// EXPUNGE, or UID EXPUNGE of given UIDs (RFC 4315 §2.1) when setUids() was called.
class ExpungeJob final : public SimpleJob
{
    Q_OBJECT
public:
    using SimpleJob::SimpleJob;
    void setUids(const UidSet &uids) { m_uids = uids; }
    /// Sequence numbers from EXPUNGE responses, in the order received.
    [[nodiscard]] const QList<std::uint32_t> &expungedSequenceNumbers() const { return m_seqs; }
    /// UIDs from VANISHED responses (QRESYNC).
    [[nodiscard]] const UidSet &vanished() const { return m_vanished; }

protected:
    void run() override;
    bool handleUntagged(const Response &response) override;
    [[nodiscard]] QString describe() const override { return QStringLiteral("EXPUNGE"); }

private:
    UidSet m_uids;
    QList<std::uint32_t> m_seqs;
    UidSet m_vanished;
};

/// APPEND (RFC 9051 §6.3.12) with flags, internal date and APPENDUID (RFC 4315).
class AppendJob final : public SimpleJob
{
    Q_OBJECT
public:
    using SimpleJob::SimpleJob;
    void setMailbox(const QString &mailbox) { m_mailbox = mailbox; }
    void setContent(const QByteArray &message) { m_content = message; }
    void setFlags(const QList<QByteArray> &flags) { m_flags = flags; }
    void setInternalDate(const QDateTime &date) { m_date = date; }

    [[nodiscard]] std::uint32_t uidValidity() const { return m_uidValidity; }
    /// The new message's UID (0 when the server has no UIDPLUS).
    [[nodiscard]] std::uint32_t uid() const { return m_uid; }
    [[nodiscard]] Concurrency concurrency() const override { return Concurrency::Independent; }

    /// RFC 9051 date-time: "01-Jan-2026 12:00:00 +0000".
    [[nodiscard]] static QByteArray formatDateTime(const QDateTime &dateTime);

protected:
    void run() override;
    void succeeded(const StatusResponse &response) override;
    [[nodiscard]] QString describe() const override { return QStringLiteral("APPEND"); }

private:
    QString m_mailbox;
    QByteArray m_content;
    QList<QByteArray> m_flags;
    QDateTime m_date;
    std::uint32_t m_uidValidity = 0;
    std::uint32_t m_uid = 0;
};

} // namespace Tidings::Imap
