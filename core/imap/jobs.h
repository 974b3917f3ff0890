// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

// The small command jobs: capability, noop, enable, ID, logout, the mailbox management
// commands, LIST, STATUS, SELECT/EXAMINE and NOTIFY. Message jobs are in messagejobs.h and fetchjob.h,
// authentication in loginjob.h, IDLE in idlejob.h.

#include "core/imap/capabilities.h"
#include "core/imap/job.h"
#include "core/imap/session.h"

#include <optional>

namespace Tidings::Imap {

/// CAPABILITY (RFC 9051 §6.1.1). The session's capability list is updated too.
class CapabilityJob final : public SimpleJob
{
    Q_OBJECT
public:
    using SimpleJob::SimpleJob;
    [[nodiscard]] const Capabilities &capabilities() const { return m_capabilities; }
    [[nodiscard]] Concurrency concurrency() const override { return Concurrency::Independent; }

protected:
    void run() override;
    bool handleUntagged(const Response &response) override;
    [[nodiscard]] QString describe() const override { return QStringLiteral("CAPABILITY"); }

private:
    Capabilities m_capabilities;
};

/// NOOP (RFC 9051 §6.1.2): lets the server report mailbox changes (through the session signals).
class NoopJob final : public SimpleJob
{
    Q_OBJECT
public:
    using SimpleJob::SimpleJob;
    [[nodiscard]] Concurrency concurrency() const override { return Concurrency::Independent; }

protected:
    void run() override { sendCommand(Command("NOOP")); }
    [[nodiscard]] QString describe() const override { return QStringLiteral("NOOP"); }
};

/// ENABLE (RFC 5161; CONDSTORE and QRESYNC RFC 7162 §3.2.3, UTF8=ACCEPT RFC 6855). Only
/// extensions the server announced are requested; enabled() lists what it confirmed.
class EnableJob final : public SimpleJob
{
    Q_OBJECT
public:
    using SimpleJob::SimpleJob;
    void setExtensions(const QList<QByteArray> &extensions) { m_requested = extensions; }
    [[nodiscard]] const QList<QByteArray> &enabled() const { return m_enabled; }

protected:
    void run() override;
    bool handleUntagged(const Response &response) override;
    [[nodiscard]] QString describe() const override { return QStringLiteral("ENABLE"); }

private:
    QList<QByteArray> m_requested;
    QList<QByteArray> m_enabled;
};

/// ID (RFC 2971): sends SessionSettings::clientId (or NIL) and keeps the server's answer.
class IdJob final : public SimpleJob
{
    Q_OBJECT
public:
    using SimpleJob::SimpleJob;
    [[nodiscard]] const QList<std::pair<QByteArray, std::optional<QByteArray>>> &serverId() const
    {
        return m_server;
    }
    [[nodiscard]] Concurrency concurrency() const override { return Concurrency::Independent; }

protected:
    void run() override;
    bool handleUntagged(const Response &response) override;
    [[nodiscard]] QString describe() const override { return QStringLiteral("ID"); }

private:
    QList<std::pair<QByteArray, std::optional<QByteArray>>> m_server;
};

/// LOGOUT (RFC 9051 §6.1.3): BYE, OK, then the session closes the connection normally.
class LogoutJob final : public SimpleJob
{
    Q_OBJECT
public:
    using SimpleJob::SimpleJob;

protected:
    void run() override;
    void succeeded(const StatusResponse &response) override;
    void aborted(const Error &error) override;
    [[nodiscard]] QString describe() const override { return QStringLiteral("LOGOUT"); }
};

/// A command on one mailbox name: CREATE, DELETE, SUBSCRIBE, UNSUBSCRIBE (RFC 9051 §6.3).
class MailboxCommandJob : public SimpleJob
{
    Q_OBJECT
public:
    using SimpleJob::SimpleJob;
    void setMailbox(const QString &name) { m_mailbox = name; }
    [[nodiscard]] Concurrency concurrency() const override { return Concurrency::Independent; }

protected:
    void run() override;
    [[nodiscard]] QString describe() const override;
    [[nodiscard]] virtual QByteArray verb() const = 0;
    QString m_mailbox;
};

class CreateJob final : public MailboxCommandJob
{
    Q_OBJECT
public:
    using MailboxCommandJob::MailboxCommandJob;

protected:
    [[nodiscard]] QByteArray verb() const override { return "CREATE"; }
};

class DeleteJob final : public MailboxCommandJob
{
    Q_OBJECT
public:
    using MailboxCommandJob::MailboxCommandJob;

protected:
    [[nodiscard]] QByteArray verb() const override { return "DELETE"; }
};

/// SUBSCRIBE, or UNSUBSCRIBE with setSubscribe(false).
class SubscribeJob final : public MailboxCommandJob
{
    Q_OBJECT
public:
    using MailboxCommandJob::MailboxCommandJob;
    void setSubscribe(bool subscribe) { m_subscribe = subscribe; }

protected:
    [[nodiscard]] QByteArray verb() const override { return m_subscribe ? "SUBSCRIBE" : "UNSUBSCRIBE"; }

private:
    bool m_subscribe = true;
};

/// RENAME (RFC 9051 §6.3.6).
class RenameJob final : public SimpleJob
{
    Q_OBJECT
public:
    using SimpleJob::SimpleJob;
    void setMailbox(const QString &from) { m_from = from; }
    void setNewName(const QString &to) { m_to = to; }
    [[nodiscard]] Concurrency concurrency() const override { return Concurrency::Independent; }

protected:
    void run() override;
    [[nodiscard]] QString describe() const override { return QStringLiteral("RENAME"); }

private:
    QString m_from;
    QString m_to;
};

/// LIST (RFC 9051 §6.3.9) with the LIST-EXTENDED options Tidings uses: selection SUBSCRIBED,
/// RETURN (SPECIAL-USE) (RFC 6154) and RETURN (STATUS (...)) (RFC 5819). Return options the
/// server did not announce are left out (statuses() is then empty).
class ListJob final : public SimpleJob
{
    Q_OBJECT
public:
    using SimpleJob::SimpleJob;
    void setReference(const QString &reference) { m_reference = reference; }
    void setPattern(const QString &pattern) { m_pattern = pattern; }
    void setSubscribedOnly(bool subscribed) { m_subscribedOnly = subscribed; }
    void setReturnSpecialUse(bool on) { m_specialUse = on; }
    /// STATUS items to return per mailbox, e.g. {"MESSAGES","UNSEEN","UIDNEXT"}.
    void setReturnStatus(const QList<QByteArray> &items) { m_statusItems = items; }

    [[nodiscard]] const QList<ListEntry> &entries() const { return m_entries; }
    [[nodiscard]] const QList<MailboxStatus> &statuses() const { return m_statuses; }
    [[nodiscard]] Concurrency concurrency() const override { return Concurrency::Independent; }

protected:
    void run() override;
    bool handleUntagged(const Response &response) override;
    [[nodiscard]] QString describe() const override { return QStringLiteral("LIST"); }

private:
    QString m_reference;
    QString m_pattern = QStringLiteral("*");
    bool m_subscribedOnly = false;
    bool m_specialUse = false;
    QList<QByteArray> m_statusItems;
    QList<ListEntry> m_entries;
    QList<MailboxStatus> m_statuses;
};

/// STATUS (RFC 9051 §6.3.11). Default items: MESSAGES UIDNEXT UIDVALIDITY UNSEEN, plus
/// HIGHESTMODSEQ when the server has CONDSTORE. Only the STATUS of the requested mailbox is
/// claimed: under NOTIFY (RFC 5465) the server may report other mailboxes at any time, and those
/// go on to Session::unsolicitedStatus.
class StatusJob final : public SimpleJob
{
    Q_OBJECT
public:
    using SimpleJob::SimpleJob;
    void setMailbox(const QString &name) { m_mailbox = name; }
    void setItems(const QList<QByteArray> &items) { m_items = items; }
    [[nodiscard]] const MailboxStatus &status() const { return m_status; }
    [[nodiscard]] Concurrency concurrency() const override { return Concurrency::Independent; }

protected:
    void run() override;
    bool handleUntagged(const Response &response) override;
    [[nodiscard]] QString describe() const override { return QStringLiteral("STATUS"); }

private:
    [[nodiscard]] bool isRequested(const MailboxName &name) const;

    QString m_mailbox;
    QList<QByteArray> m_items;
    MailboxStatus m_status;
};

/// SELECT or EXAMINE (RFC 9051 §6.3.2/§6.3.3) with CONDSTORE (RFC 7162 §3.1.8) or QRESYNC
/// (RFC 7162 §3.2.5) parameters. The session tracks the selected mailbox; mailbox() is its
/// state when the command completed. With QRESYNC, changes() holds the FETCH responses and
/// vanished() the VANISHED (EARLIER) UIDs the server reported during the command.
class SelectJob final : public SimpleJob
{
    Q_OBJECT
public:
    struct QResync {
        std::uint32_t uidValidity = 0;
        std::uint64_t highestModSeq = 0;
        UidSet knownUids; ///< optional
    };

    using SimpleJob::SimpleJob;
    void setMailbox(const QString &name) { m_mailbox = name; }
    /// EXAMINE instead of SELECT.
    void setReadOnly(bool readOnly) { m_readOnly = readOnly; }
    void setCondStore(bool on) { m_condStore = on; }
    /// Needs QRESYNC enabled on the session (EnableJob).
    void setQResync(const QResync &parameters) { m_qresync = parameters; }

    [[nodiscard]] const SelectedMailbox &mailbox() const { return m_result; }
    [[nodiscard]] const QList<Fetch> &changes() const { return m_changes; }
    [[nodiscard]] const UidSet &vanished() const { return m_vanished; }

protected:
    void run() override;
    bool handleUntagged(const Response &response) override;
    void handleTagged(const StatusResponse &response) override;
    [[nodiscard]] QString describe() const override;

private:
    QString m_mailbox;
    bool m_readOnly = false;
    bool m_condStore = false;
    std::optional<QResync> m_qresync;
    SelectedMailbox m_result;
    QList<Fetch> m_changes;
    UidSet m_vanished;
};

/// NOTIFY (RFC 5465 §3): asks the server to report changes to mailboxes without being asked,
/// or, with no event groups, NOTIFY NONE (§3: stop).
///
/// Each event group names a set of mailboxes and the events wanted for it. For the selected
/// mailbox the server reports through the usual EXISTS, EXPUNGE and FETCH responses; for other
/// mailboxes through STATUS (MessageNew, MessageExpunge, FlagChange, §5.1-5.3) and LIST
/// (MailboxName, SubscriptionChange, §5.4-5.5). They arrive at any time, also during IDLE, and
/// reach the client through Session::unsolicitedStatus and Session::unsolicitedList — including
/// the STATUS of every watched mailbox that the STATUS indicator asks for at once (§3).
///
/// The job checks the rules of §5 before sending anything (MessageNew and MessageExpunge go
/// together, FlagChange and AnnotationChange need both, FETCH attributes only with MessageNew
/// for the selected mailbox, subtree/mailboxes name at least one mailbox) and finishes with a
/// Config error instead. A refusal carrying [BADEVENT (...)] lists the events the server
/// supports in supportedEvents(). Mailbox names are sent exactly as the server spelled them.
class NotifyJob final : public SimpleJob
{
    Q_OBJECT
public:
    enum class Event {
        MessageNew,
        MessageExpunge,
        FlagChange,
        AnnotationChange,
        MailboxName,
        SubscriptionChange
    };
    /// filter-mailboxes (RFC 5465 §6).
    enum class Filter { Selected, SelectedDelayed, Inboxes, Personal, Subscribed, Subtree, Mailboxes };
    struct EventGroup {
        Filter filter = Filter::Personal;
        QList<MailboxName> mailboxes; ///< Subtree and Mailboxes only: names as the server sent them
        QList<Event> events;          ///< empty: NONE (no events for these mailboxes)
        /// Selected and SelectedDelayed only: FETCH items sent with each new message (e.g. "UID").
        QList<QByteArray> newMessageItems;
    };

    using SimpleJob::SimpleJob;
    /// The event groups of NOTIFY SET; none sends NOTIFY NONE.
    void setEventGroups(const QList<EventGroup> &groups) { m_groups = groups; }
    /// NOTIFY SET STATUS: the server first sends the STATUS of every watched mailbox that is
    /// not selected (RFC 5465 §3), so a client learns what changed while it was not listening.
    void setStatusIndicator(bool on) { m_statusIndicator = on; }
    /// From a [BADEVENT (...)] refusal (RFC 5465 §5.9): the events the server supports.
    [[nodiscard]] const QList<QByteArray> &supportedEvents() const { return m_supportedEvents; }

    /// The event's name on the wire ("MessageNew").
    [[nodiscard]] static QByteArray eventName(Event event);
    /// The filter's name on the wire ("selected-delayed").
    [[nodiscard]] static QByteArray filterName(Filter filter);

protected:
    void run() override;
    void handleTagged(const StatusResponse &response) override;
    void succeeded(const StatusResponse &response) override;
    [[nodiscard]] QString describe() const override { return QStringLiteral("NOTIFY"); }

private:
    [[nodiscard]] QString validate() const;

    QList<EventGroup> m_groups;
    bool m_statusIndicator = false;
    QList<QByteArray> m_supportedEvents;
};

} // namespace Tidings::Imap
