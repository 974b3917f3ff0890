// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/imap/messagejobs.h"

#include "core/imap/session.h"

namespace Tidings::Imap {

namespace {

Error needSelected(const Session *session, const QString &what)
{
    if (session->state() == Session::State::Selected)
        return {};
    return Error::make(Error::Kind::Config, what + QStringLiteral(" needs a selected mailbox"));
}

} // namespace

// ---- STORE ---------------------------------------------------------------------------------

QByteArray StoreJob::commandText() const
{
    QByteArray out = m_uid ? "UID STORE " : "STORE ";
    out += m_set.toByteArray();
    if (m_unchangedSince)
        out += " (UNCHANGEDSINCE " + QByteArray::number(qulonglong(*m_unchangedSince)) + ')';
    out += m_mode == Mode::Add ? " +FLAGS" : (m_mode == Mode::Remove ? " -FLAGS" : " FLAGS");
    if (m_silent)
        out += ".SILENT";
    out += " (" + m_flags.join(' ') + ')';
    return out;
}

void StoreJob::run()
{
    if (const Error e = needSelected(session(), describe())) {
        finish(e);
        return;
    }
    if (m_set.isEmpty()) {
        finish(Error::make(Error::Kind::Config, QStringLiteral("STORE of an empty set")));
        return;
    }
    if (m_unchangedSince && !session()->capabilities().condStore()) {
        finish(Error::make(Error::Kind::Config, QStringLiteral("UNCHANGEDSINCE needs CONDSTORE")));
        return;
    }
    Command command(m_uid ? "UID STORE" : "STORE");
    command.sequenceSet(m_set);
    if (m_unchangedSince)
        command.arg("(UNCHANGEDSINCE " + QByteArray::number(qulonglong(*m_unchangedSince)) + ')');
    QByteArray item = m_mode == Mode::Add ? "+FLAGS" : (m_mode == Mode::Remove ? "-FLAGS" : "FLAGS");
    if (m_silent)
        item += ".SILENT";
    command.keyword(item).flags(m_flags);
    sendCommand(command);
}

bool StoreJob::handleUntagged(const Response &response)
{
    if (const auto *f = std::get_if<Fetch>(&response)) {
        const bool mine = m_uid ? (f->uid && m_set.contains(*f->uid)) : m_set.contains(f->seq);
        if (!mine)
            return false;
        m_changes << *f;
        return true;
    }
    return false;
}

void StoreJob::succeeded(const StatusResponse &response)
{
    if (response.code.kind == ResponseCode::Kind::Modified)
        m_modified = response.code.uids;
    finish();
}

// ---- SEARCH --------------------------------------------------------------------------------

void SearchJob::setCriteria(const QByteArray &raw)
{
    m_criteria = Command();
    m_hasCriteria = !raw.trimmed().isEmpty();
    if (m_hasCriteria)
        m_criteria.arg(raw.trimmed());
}

void SearchJob::addText(const QByteArray &key, const QString &value)
{
    const QByteArray bytes = value.toUtf8();
    for (char c : bytes) {
        if (static_cast<unsigned char>(c) >= 0x80)
            m_utf8 = true;
    }
    m_criteria.arg(key).string(bytes);
    m_hasCriteria = true;
}

void SearchJob::run()
{
    Session *s = session();
    if (const Error e = needSelected(s, describe())) {
        finish(e);
        return;
    }
    m_esearch = m_preferESearch && s->capabilities().esearch();
    Command command(m_uid ? "UID SEARCH" : "SEARCH");
    if (m_esearch)
        command.arg("RETURN (ALL COUNT)");
    if (m_utf8 && !s->isEnabled("UTF8=ACCEPT"))
        command.arg("CHARSET UTF-8");
    if (m_hasCriteria)
        command.extend(m_criteria);
    else
        command.arg("ALL");
    m_tag = sendCommand(command);
}

bool SearchJob::handleUntagged(const Response &response)
{
    if (const auto *es = std::get_if<ESearch>(&response)) {
        if (!es->tag.isEmpty() && es->tag != m_tag)
            return false;
        if (es->all)
            m_results = *es->all;
        m_count = es->count.value_or(std::uint32_t(m_results.size()));
        m_modSeq = es->modSeq;
        return true;
    }
    if (const auto *search = std::get_if<Search>(&response)) {
        for (std::uint32_t id : search->ids)
            m_results.insert(id);
        m_count = std::uint32_t(m_results.size());
        if (search->modSeq)
            m_modSeq = search->modSeq;
        return true;
    }
    return false;
}

// ---- COPY / MOVE ---------------------------------------------------------------------------

void CopyJob::run()
{
    if (const Error e = needSelected(session(), describe())) {
        finish(e);
        return;
    }
    sendCommand(Command("UID COPY").sequenceSet(m_uids).mailbox(m_destination));
}

void CopyJob::succeeded(const StatusResponse &response)
{
    if (response.code.kind == ResponseCode::Kind::CopyUid) {
        m_uidValidity = std::uint32_t(response.code.number);
        m_source = response.code.sourceUids;
        m_dest = response.code.uids;
    }
    finish();
}

void MoveJob::run()
{
    Session *s = session();
    if (const Error e = needSelected(s, QStringLiteral("MOVE"))) {
        finish(e);
        return;
    }
    if (s->selectedMailbox().readOnly) {
        finish(Error::make(Error::Kind::Config, QStringLiteral("cannot move out of a read-only mailbox")));
        return;
    }
    m_usedMove = s->capabilities().move();
    m_step = m_usedMove ? Step::Move : Step::Copy;
    sendCommand(Command(m_usedMove ? "UID MOVE" : "UID COPY")
                    .sequenceSet(m_uids)
                    .mailbox(m_destination));
}

void MoveJob::takeCopyUid(const ResponseCode &code)
{
    if (code.kind != ResponseCode::Kind::CopyUid)
        return;
    m_uidValidity = std::uint32_t(code.number);
    m_source = code.sourceUids;
    m_dest = code.uids;
}

bool MoveJob::handleUntagged(const Response &response)
{
    // RFC 6851 §4.3: COPYUID arrives in an untagged OK before the expunges.
    if (const auto *s = std::get_if<StatusResponse>(&response); s && s->code.kind == ResponseCode::Kind::CopyUid) {
        takeCopyUid(s->code);
        return true;
    }
    return false;
}

void MoveJob::handleTagged(const StatusResponse &response)
{
    if (response.status != Status::Ok) {
        static const char *const names[] = {"UID MOVE", "UID COPY", "UID STORE", "UID EXPUNGE"};
        finish(errorFromStatus(response, QString::fromLatin1(names[int(m_step)])));
        return;
    }
    takeCopyUid(response.code);
    switch (m_step) {
    case Step::Move:
        m_expunged = true;
        finish();
        return;
    case Step::Copy:
        m_step = Step::Store;
        sendCommand(Command("UID STORE").sequenceSet(m_uids).keyword("+FLAGS.SILENT").flags({"\\Deleted"}));
        return;
    case Step::Store:
        if (!session()->capabilities().uidPlus()) {
            finish();
            return;
        }
        m_step = Step::Expunge;
        sendCommand(Command("UID EXPUNGE").sequenceSet(m_uids));
        return;
    case Step::Expunge:
        m_expunged = true;
        finish();
        return;
    }
}

// ---- EXPUNGE -------------------------------------------------------------------------------

void ExpungeJob::run()
{
    Session *s = session();
    if (const Error e = needSelected(s, describe())) {
        finish(e);
        return;
    }
    if (!m_uids.isEmpty()) {
        if (!s->capabilities().uidPlus()) {
            finish(Error::make(Error::Kind::Config, QStringLiteral("UID EXPUNGE needs UIDPLUS")));
            return;
        }
        sendCommand(Command("UID EXPUNGE").sequenceSet(m_uids));
        return;
    }
    sendCommand(Command("EXPUNGE"));
}

bool ExpungeJob::handleUntagged(const Response &response)
{
    if (const auto *e = std::get_if<Expunge>(&response)) {
        m_seqs << e->seq;
        return true;
    }
    if (const auto *v = std::get_if<Vanished>(&response); v && !v->earlier) {
        m_vanished.insert(v->uids);
        return true;
    }
    return false;
}

// ---- APPEND --------------------------------------------------------------------------------

QByteArray AppendJob::formatDateTime(const QDateTime &dateTime)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const QDateTime local = dateTime;
    const int offsetMinutes = local.offsetFromUtc() / 60;
    const QDate d = local.date();
    const QTime t = local.time();
    const int absOffset = offsetMinutes < 0 ? -offsetMinutes : offsetMinutes;
    return QByteArray::number(d.day()).rightJustified(2, '0') + '-' + months[d.month() - 1] + '-'
        + QByteArray::number(d.year()).rightJustified(4, '0') + ' '
        + QByteArray::number(t.hour()).rightJustified(2, '0') + ':'
        + QByteArray::number(t.minute()).rightJustified(2, '0') + ':'
        + QByteArray::number(t.second()).rightJustified(2, '0') + ' ' + (offsetMinutes < 0 ? '-' : '+')
        + QByteArray::number(absOffset / 60).rightJustified(2, '0')
        + QByteArray::number(absOffset % 60).rightJustified(2, '0');
}

void AppendJob::run()
{
    if (m_content.isEmpty()) {
        finish(Error::make(Error::Kind::Config, QStringLiteral("APPEND of an empty message")));
        return;
    }
    Command command("APPEND");
    command.mailbox(m_mailbox);
    if (!m_flags.isEmpty())
        command.flags(m_flags);
    if (m_date.isValid())
        command.string(formatDateTime(m_date));
    command.literal(m_content);
    sendCommand(command);
}

void AppendJob::succeeded(const StatusResponse &response)
{
    if (response.code.kind == ResponseCode::Kind::AppendUid) {
        m_uidValidity = std::uint32_t(response.code.number);
        if (const auto uid = response.code.uids.min())
            m_uid = *uid;
    }
    finish();
}

} // namespace Tidings::Imap
