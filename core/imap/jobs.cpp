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

bool StatusJob::handleUntagged(const Response &response)
{
    if (const auto *st = std::get_if<MailboxStatus>(&response)) {
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
        QByteArray p = "(QRESYNC (" + QByteArray::number(m_qresync->uidValidity) + ' '
            + QByteArray::number(qulonglong(m_qresync->highestModSeq));
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

} // namespace Tidings::Imap
