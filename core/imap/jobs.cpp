// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/imap/jobs.h"

#include "core/imap/utf7.h"

#include <QSslSocket>

namespace Tidings::Imap {

namespace {

bool utf8Names(const Session *session)
{
    return session->isEnabled("UTF8=ACCEPT");
}

} // namespace

void CapabilityJob::run()
{
    sendCommand(Command("CAPABILITY"));
}

bool CapabilityJob::handleUntagged(const Response &response)
{
    if (const auto *c = std::get_if<Capability>(&response)) {
        m_capabilities = Capabilities(c->capabilities);
        return true;
    }
    return false;
}

void EnableJob::run()
{
    const Session *s = session();
    if (!s->capabilities().enable()) {
        finish(Error::make(Error::Kind::Config, QStringLiteral("the server does not support ENABLE")));
        return;
    }
    QByteArray list;
    for (const QByteArray &e : std::as_const(m_requested)) {
        if (!s->capabilities().has(e))
            continue;
        if (!list.isEmpty())
            list += ' ';
        list += e.toUpper();
    }
    if (list.isEmpty()) {
        finish(); // nothing the server offers: nothing to enable
        return;
    }
    sendCommand(Command("ENABLE").arg(list));
}

bool EnableJob::handleUntagged(const Response &response)
{
    if (const auto *e = std::get_if<Enabled>(&response)) {
        m_enabled += e->capabilities;
        return true;
    }
    return false;
}

void IdJob::run()
{
    const Session *s = session();
    if (!s->capabilities().id()) {
        finish(Error::make(Error::Kind::Config, QStringLiteral("the server does not support ID")));
        return;
    }
    Command command("ID");
    const auto &fields = s->settings().clientId;
    if (fields.isEmpty()) {
        command.arg("NIL");
    } else {
        command.beginList();
        for (const auto &[key, value] : fields) {
            // RFC 2971 §3.3: field names up to 30 bytes, values up to 1024.
            command.string(key.left(30)).string(value.left(1024));
        }
        command.endList();
    }
    sendCommand(command);
}

bool IdJob::handleUntagged(const Response &response)
{
    if (const auto *id = std::get_if<Id>(&response)) {
        m_server = id->fields;
        return true;
    }
    return false;
}

void LogoutJob::run()
{
    session()->beginLogout();
    sendCommand(Command("LOGOUT"));
}

void LogoutJob::succeeded(const StatusResponse &)
{
    Session *s = session();
    s->m_closingNormally = true;
    if (s->m_socket)
        s->m_socket->disconnectFromHost();
    finish();
}

void LogoutJob::aborted(const Error &error)
{
    // The server may close right after its BYE, before or instead of the tagged OK.
    if (!error || error.kind == Error::Kind::Network)
        finish();
    else
        finish(error);
}

void MailboxCommandJob::run()
{
    sendCommand(Command(verb()).mailbox(m_mailbox));
}

QString MailboxCommandJob::describe() const
{
    return QString::fromLatin1(verb()) + u' ' + m_mailbox;
}

void RenameJob::run()
{
    sendCommand(Command("RENAME").mailbox(m_from).mailbox(m_to));
}

void ListJob::run()
{
    const Capabilities &caps = session()->capabilities();
    const bool extended = caps.listExtended() || caps.specialUse() || caps.listStatus();
    Command command("LIST");
    if (m_subscribedOnly && extended)
        command.arg("(SUBSCRIBED)");
    const bool utf8 = utf8Names(session());
    command.astring(utf8 ? m_reference.toUtf8() : encodeModifiedUtf7(m_reference));
    command.astring(utf8 ? m_pattern.toUtf8() : encodeModifiedUtf7(m_pattern));
    QList<QByteArray> returns;
    if (m_specialUse && caps.specialUse())
        returns << "SPECIAL-USE";
    if (!m_statusItems.isEmpty() && caps.listStatus())
        returns << "STATUS (" + m_statusItems.join(' ') + ')';
    if (m_subscribedOnly && !extended) {
        // Without LIST-EXTENDED, LSUB is the only way to ask for subscriptions.
        Command lsub("LSUB");
        lsub.astring(encodeModifiedUtf7(m_reference)).astring(encodeModifiedUtf7(m_pattern));
        sendCommand(lsub);
        return;
    }
    if (!returns.isEmpty())
        command.arg("RETURN (" + returns.join(' ') + ')');
    sendCommand(command);
}

bool ListJob::handleUntagged(const Response &response)
{
    if (const auto *e = std::get_if<ListEntry>(&response)) {
        m_entries << *e;
        return true;
    }
    if (const auto *st = std::get_if<MailboxStatus>(&response); st && !m_statusItems.isEmpty()) {
        m_statuses << *st;
        return true;
    }
    return false;
}

void StatusJob::run()
{
    QList<QByteArray> items = m_items;
    if (items.isEmpty()) {
        items = {"MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN"};
        if (session()->capabilities().condStore())
            items << "HIGHESTMODSEQ";
    }
    sendCommand(Command("STATUS").mailbox(m_mailbox).arg('(' + items.join(' ') + ')'));
}

bool StatusJob::isRequested(const MailboxName &name) const
{
    if (name.display == m_mailbox)
        return true;
    if (m_mailbox.compare(QLatin1String("INBOX"), Qt::CaseInsensitive) == 0)
        return name.raw.compare("INBOX", Qt::CaseInsensitive) == 0;
    return name.raw == (utf8Names(session()) ? m_mailbox.toUtf8() : encodeModifiedUtf7(m_mailbox));
}

bool StatusJob::handleUntagged(const Response &response)
{
    if (const auto *st = std::get_if<MailboxStatus>(&response); st && isRequested(st->mailbox)) {
        m_status = *st;
        return true;
    }
    return false;
}

void SelectJob::run()
{
    Session *s = session();
    if (s->state() != Session::State::Authenticated && s->state() != Session::State::Selected) {
        finish(Error::make(Error::Kind::Config, QStringLiteral("SELECT needs an authenticated session")));
        return;
    }
    if (m_qresync && !s->isEnabled("QRESYNC")) {
        finish(Error::make(Error::Kind::Config, QStringLiteral("QRESYNC is not enabled on this session")));
        return;
    }
    Command command(m_readOnly ? "EXAMINE" : "SELECT");
    command.mailbox(m_mailbox);
    if (m_qresync) {
        QByteArray p = "(QRESYNC (" + QByteArray::number(m_qresync->uidValidity) + ' ' +
                       QByteArray::number(qulonglong(m_qresync->highestModSeq));
        if (!m_qresync->knownUids.isEmpty())
            p += ' ' + m_qresync->knownUids.toByteArray();
        p += "))";
        command.arg(p);
    } else if (m_condStore && s->capabilities().condStore()) {
        command.arg("(CONDSTORE)");
    }
    // The wire form of the name identifies the mailbox in the session's state.
    const QByteArray wireName = m_mailbox.compare(u"INBOX", Qt::CaseInsensitive) == 0
                                    ? QByteArray("INBOX")
                                    : (utf8Names(s) ? m_mailbox.toUtf8() : encodeModifiedUtf7(m_mailbox));
    s->beginSelect(wireName, m_readOnly);
    sendCommand(command);
}

bool SelectJob::handleUntagged(const Response &response)
{
    if (const auto *f = std::get_if<Fetch>(&response)) {
        m_changes << *f;
        return true;
    }
    if (const auto *v = std::get_if<Vanished>(&response); v && v->earlier) {
        m_vanished.insert(v->uids);
        return true;
    }
    return false;
}

void SelectJob::handleTagged(const StatusResponse &response)
{
    session()->endSelect(response.status == Status::Ok, response);
    m_result = session()->selectedMailbox();
    SimpleJob::handleTagged(response);
}

QString SelectJob::describe() const
{
    return (m_readOnly ? QStringLiteral("EXAMINE ") : QStringLiteral("SELECT ")) + m_mailbox;
}

// ---- NOTIFY ------------------------------------------------------------------------------

QByteArray NotifyJob::eventName(Event event)
{
    switch (event) {
    case Event::MessageNew: return "MessageNew";
    case Event::MessageExpunge: return "MessageExpunge";
    case Event::FlagChange: return "FlagChange";
    case Event::AnnotationChange: return "AnnotationChange";
    case Event::MailboxName: return "MailboxName";
    case Event::SubscriptionChange: return "SubscriptionChange";
    }
    return {};
}

QByteArray NotifyJob::filterName(Filter filter)
{
    switch (filter) {
    case Filter::Selected: return "selected";
    case Filter::SelectedDelayed: return "selected-delayed";
    case Filter::Inboxes: return "inboxes";
    case Filter::Personal: return "personal";
    case Filter::Subscribed: return "subscribed";
    case Filter::Subtree: return "subtree";
    case Filter::Mailboxes: return "mailboxes";
    }
    return {};
}

QString NotifyJob::validate() const
{
    bool selectedSeen = false;
    for (const EventGroup &g : m_groups) {
        const bool selected = g.filter == Filter::Selected || g.filter == Filter::SelectedDelayed;
        if (selected) {
            // RFC 5465 §6: selected and selected-delayed are one mailbox set; name it once.
            if (selectedSeen)
                return QStringLiteral("the selected mailbox appears in two event groups");
            selectedSeen = true;
        }
        const bool named = g.filter == Filter::Subtree || g.filter == Filter::Mailboxes;
        if (named && g.mailboxes.isEmpty())
            return QStringLiteral("%1 needs at least one mailbox")
                .arg(QString::fromLatin1(filterName(g.filter)));
        if (!named && !g.mailboxes.isEmpty())
            return QStringLiteral("%1 takes no mailbox names").arg(QString::fromLatin1(filterName(g.filter)));
        const bool hasNew = g.events.contains(Event::MessageNew);
        const bool hasExpunge = g.events.contains(Event::MessageExpunge);
        // RFC 5465 §5: MessageNew and MessageExpunge only together; FlagChange and
        // AnnotationChange only with both (a client could not place the changed message).
        if (hasNew != hasExpunge)
            return QStringLiteral("MessageNew and MessageExpunge must be requested together");
        if ((g.events.contains(Event::FlagChange) || g.events.contains(Event::AnnotationChange)) && !hasNew)
            return QStringLiteral("FlagChange and AnnotationChange need MessageNew and MessageExpunge");
        if (!g.newMessageItems.isEmpty() && (!selected || !hasNew))
            return QStringLiteral("FETCH items are sent only with MessageNew for the selected mailbox");
    }
    return {};
}

void NotifyJob::run()
{
    if (!session()->capabilities().has("NOTIFY")) {
        finish(Error::make(Error::Kind::Config, QStringLiteral("the server does not support NOTIFY")));
        return;
    }
    if (const QString problem = validate(); !problem.isEmpty()) {
        finish(Error::make(Error::Kind::Config, QStringLiteral("NOTIFY not sent: ") + problem));
        return;
    }
    Command command("NOTIFY");
    if (m_groups.isEmpty()) {
        sendCommand(command.keyword("NONE"));
        return;
    }
    command.keyword("SET");
    if (m_statusIndicator)
        command.keyword("STATUS");
    for (const EventGroup &g : std::as_const(m_groups)) {
        command.beginList().keyword(filterName(g.filter));
        if (!g.mailboxes.isEmpty()) {
            command.beginList();
            for (const MailboxName &m : g.mailboxes)
                command.mailbox(m);
            command.endList();
        }
        if (g.events.isEmpty()) {
            command.keyword("NONE");
        } else {
            command.beginList();
            for (Event e : g.events) {
                command.keyword(eventName(e));
                if (e == Event::MessageNew && !g.newMessageItems.isEmpty()) {
                    command.beginList();
                    for (const QByteArray &item : g.newMessageItems)
                        command.keyword(item);
                    command.endList();
                }
            }
            command.endList();
        }
        command.endList();
    }
    sendCommand(command);
}

void NotifyJob::handleTagged(const StatusResponse &response)
{
    if (response.status != Status::Ok && response.code.atom == "BADEVENT") {
        // [BADEVENT (MessageNew MessageExpunge ...)]: a short list of atoms; keep it bounded.
        const QByteArray text = response.code.text.trimmed();
        const QByteArray inner =
            text.startsWith('(') && text.endsWith(')') ? text.mid(1, text.size() - 2) : text;
        for (const QByteArray &event : inner.simplified().split(' ')) {
            if (m_supportedEvents.size() >= 32)
                break;
            if (!event.isEmpty() && event.size() <= 64)
                m_supportedEvents << event;
        }
    }
    SimpleJob::handleTagged(response);
}

void NotifyJob::succeeded(const StatusResponse &response)
{
    session()->setNotifying(!m_groups.isEmpty());
    SimpleJob::succeeded(response);
}

} // namespace Tidings::Imap
