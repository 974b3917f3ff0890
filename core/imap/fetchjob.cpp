// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/imap/fetchjob.h"

#include "core/imap/session.h"

#include <QIODevice>

namespace Tidings::Imap {

QByteArray FetchScope::attributes(bool uid) const
{
    QList<QByteArray> items;
    if (uid)
        items << "UID";
    if (flags)
        items << "FLAGS";
    if (envelope)
        items << "ENVELOPE";
    if (bodyStructure)
        items << "BODYSTRUCTURE";
    if (size)
        items << "RFC822.SIZE";
    if (internalDate)
        items << "INTERNALDATE";
    if (modSeq)
        items << "MODSEQ";
    const QByteArray body = peek ? QByteArray("BODY.PEEK[") : QByteArray("BODY[");
    if (!headerFields.isEmpty())
        items << body + "HEADER.FIELDS (" + headerFields.join(' ').toUpper() + ")]";
    if (bodySection) {
        QByteArray item = body + *bodySection + ']';
        if (partial)
            item +=
                '<' + QByteArray::number(partial->first) + '.' + QByteArray::number(partial->second) + '>';
        items << item;
    }
    if (items.size() == (uid ? 1 : 0))
        items << "FLAGS"; // nothing asked for: FLAGS is the cheapest meaningful item
    return '(' + items.join(' ') + ')';
}

QByteArray FetchScope::modifiers() const
{
    if (changedSince == 0)
        return {};
    QByteArray out = "(CHANGEDSINCE " + QByteArray::number(qulonglong(changedSince));
    if (vanished)
        out += " VANISHED";
    out += ')';
    return out;
}

bool DeviceBodySink::begin(const BodyStreamInfo &)
{
    return m_device != nullptr;
}

void DeviceBodySink::data(QByteArrayView chunk)
{
    if (m_failed)
        return;
    if (m_device->write(chunk.data(), chunk.size()) != chunk.size())
        m_failed = true;
    else
        m_written += std::uint64_t(chunk.size());
}

FetchJob::Concurrency FetchJob::concurrency() const
{
    if (m_sink)
        return Concurrency::Exclusive; // the parser has one sink: no other FETCH may interleave
    return m_uid ? Concurrency::UidOnly : Concurrency::SequenceNumbers;
}

void FetchJob::run()
{
    Session *s = session();
    if (m_set.isEmpty()) {
        finish(Error::make(Error::Kind::Config, QStringLiteral("FETCH of an empty set")));
        return;
    }
    if (s->state() != Session::State::Selected) {
        finish(Error::make(Error::Kind::Config, QStringLiteral("FETCH needs a selected mailbox")));
        return;
    }
    if (m_scope.changedSince && !s->capabilities().condStore()) {
        finish(Error::make(Error::Kind::Config, QStringLiteral("CHANGEDSINCE needs CONDSTORE")));
        return;
    }
    if (m_scope.vanished && (!m_uid || !s->isEnabled("QRESYNC") || !m_scope.changedSince)) {
        finish(Error::make(Error::Kind::Config,
                           QStringLiteral("VANISHED needs UID FETCH, CHANGEDSINCE and QRESYNC enabled")));
        return;
    }
    if (m_sink)
        s->setBodySink(m_sink);
    Command command(m_uid ? "UID FETCH" : "FETCH");
    command.sequenceSet(m_set).arg(m_scope.attributes(m_uid));
    if (const QByteArray modifiers = m_scope.modifiers(); !modifiers.isEmpty())
        command.arg(modifiers);
    sendCommand(command);
}

bool FetchJob::handleUntagged(const Response &response)
{
    if (const auto *f = std::get_if<Fetch>(&response)) {
        // Only answers to this command: in UID mode every answer carries a UID from the set
        // (RFC 9051 §6.4.9); anything else is an unsolicited change for the session.
        const bool mine = m_uid ? (f->uid && m_set.contains(*f->uid)) : m_set.contains(f->seq);
        if (!mine)
            return false;
        if (m_collect)
            m_messages << *f;
        Q_EMIT messageFetched(*f);
        return true;
    }
    if (const auto *v = std::get_if<Vanished>(&response); v && v->earlier && m_scope.vanished) {
        m_vanished.insert(v->uids);
        return true;
    }
    return false;
}

void FetchJob::handleTagged(const StatusResponse &response)
{
    if (m_sink && session())
        session()->setBodySink(nullptr);
    SimpleJob::handleTagged(response);
}

void FetchJob::aborted(const Error &error)
{
    if (m_sink && session())
        session()->setBodySink(nullptr);
    SimpleJob::aborted(error);
}

} // namespace Tidings::Imap
