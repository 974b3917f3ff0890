// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/imap/job.h"
#include "core/imap/parser.h"

#include <functional>
#include <optional>

class QIODevice;

namespace Tidings::Imap {

/// What a FetchJob asks for (RFC 9051 §6.4.5). UID is always fetched in UID mode.
struct FetchScope {
    bool flags = false;
    bool envelope = false;
    bool bodyStructure = false;
    bool size = false; ///< RFC822.SIZE
    bool internalDate = false;
    bool modSeq = false; ///< MODSEQ (RFC 7162 §3.1.4)
    /// BODY.PEEK[HEADER.FIELDS (...)] for these header names (empty = not fetched).
    QList<QByteArray> headerFields;
    /// BODY.PEEK[section]<origin.length>: "" for the whole message, "1.2", "TEXT", "HEADER".
    std::optional<QByteArray> bodySection;
    std::optional<std::pair<std::uint32_t, std::uint32_t>> partial; ///< origin, length
    bool peek = true;                                               ///< BODY.PEEK (does not set \Seen)
    /// CHANGEDSINCE mod-sequence (RFC 7162 §3.1.4.1); 0 = not used.
    std::uint64_t changedSince = 0;
    /// VANISHED with CHANGEDSINCE (RFC 7162 §3.2.6): needs UID mode and QRESYNC enabled.
    bool vanished = false;

    /// The fetch attribute list, e.g. "(UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])".
    [[nodiscard]] QByteArray attributes(bool uid) const;
    /// The modifier list, e.g. "(CHANGEDSINCE 12 VANISHED)", or empty.
    [[nodiscard]] QByteArray modifiers() const;
};

/// A BodySink that writes message content into a QIODevice (a file for an attachment).
class DeviceBodySink final : public BodySink
{
public:
    explicit DeviceBodySink(QIODevice *device)
        : m_device(device)
    {}
    bool begin(const BodyStreamInfo &info) override;
    void data(QByteArrayView chunk) override;
    void end() override {}
    [[nodiscard]] std::uint64_t bytesWritten() const { return m_written; }
    [[nodiscard]] bool writeFailed() const { return m_failed; }

private:
    QIODevice *m_device;
    std::uint64_t m_written = 0;
    bool m_failed = false;
};

/// A BodySink that hands each chunk to a callback.
class CallbackBodySink final : public BodySink
{
public:
    using Begin = std::function<bool(const BodyStreamInfo &)>;
    using Data = std::function<void(QByteArrayView)>;
    using End = std::function<void()>;
    CallbackBodySink(Begin begin, Data data, End end = {})
        : m_begin(std::move(begin))
        , m_data(std::move(data))
        , m_end(std::move(end))
    {}
    bool begin(const BodyStreamInfo &info) override { return m_begin ? m_begin(info) : true; }
    void data(QByteArrayView chunk) override
    {
        if (m_data)
            m_data(chunk);
    }
    void end() override
    {
        if (m_end)
            m_end();
    }

private:
    Begin m_begin;
    Data m_data;
    End m_end;
};

/// FETCH / UID FETCH (RFC 9051 §6.4.5, RFC 7162 CHANGEDSINCE/VANISHED). Results are collected in
/// messages() and also announced one by one through messageFetched(). With a body sink set, the
/// body section streams into it instead of memory (the job then runs alone on the connection).
class FetchJob final : public SimpleJob
{
    Q_OBJECT
public:
    using SimpleJob::SimpleJob;

    /// UID FETCH of these UIDs (the default mode).
    void setUids(const UidSet &uids)
    {
        m_set = uids;
        m_uid = true;
    }
    /// FETCH by message sequence numbers.
    void setSequenceNumbers(const UidSet &seqs)
    {
        m_set = seqs;
        m_uid = false;
    }
    void setScope(const FetchScope &scope) { m_scope = scope; }
    /// Not owned; must live until finished().
    void setBodySink(BodySink *sink) { m_sink = sink; }
    /// false: answers are only announced through messageFetched() and not kept in messages()
    /// (for a caller that converts each one as it arrives; a FETCH answer is a deep structure).
    void setCollect(bool collect) { m_collect = collect; }

    [[nodiscard]] const QList<Fetch> &messages() const { return m_messages; }
    /// UIDs reported as VANISHED (EARLIER) (with FetchScope::vanished).
    [[nodiscard]] const UidSet &vanished() const { return m_vanished; }
    [[nodiscard]] Concurrency concurrency() const override;

Q_SIGNALS:
    void messageFetched(const Tidings::Imap::Fetch &fetch);

protected:
    void run() override;
    bool handleUntagged(const Response &response) override;
    void handleTagged(const StatusResponse &response) override;
    void aborted(const Error &error) override;
    [[nodiscard]] QString describe() const override
    {
        return m_uid ? QStringLiteral("UID FETCH") : QStringLiteral("FETCH");
    }

private:
    UidSet m_set;
    bool m_uid = true;
    FetchScope m_scope;
    BodySink *m_sink = nullptr;
    bool m_collect = true;
    QList<Fetch> m_messages;
    UidSet m_vanished;
};

} // namespace Tidings::Imap
