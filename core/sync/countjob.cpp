// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/sync/countjob.h"

#include "core/imap/session.h"

namespace Tidings::Sync {

void CountJob::run()
{
    if (m_uids.isEmpty()) {
        finish(Error::make(Error::Kind::Config, QStringLiteral("a count of an empty UID set")));
        return;
    }
    m_esearch = session()->capabilities().esearch();
    Imap::Command command("UID SEARCH");
    if (m_esearch)
        command.arg("RETURN (COUNT)");
    command.keyword("UID").sequenceSet(m_uids);
    m_tag = sendCommand(command);
}

bool CountJob::handleUntagged(const Imap::Response &response)
{
    if (const auto *es = std::get_if<Imap::ESearch>(&response)) {
        if (!es->tag.isEmpty() && es->tag != m_tag)
            return false;
        m_count = es->count.value_or(es->all ? std::uint32_t(es->all->size()) : 0);
        return true;
    }
    if (const auto *s = std::get_if<Imap::Search>(&response)) {
        // Only UIDs inside the asked range count: "UID 9:*" matches the last message even
        // when its UID is below 9 (RFC 9051 §6.4.4).
        for (std::uint32_t id : s->ids) {
            if (m_uids.contains(id))
                ++m_count;
        }
        return true;
    }
    return false;
}

} // namespace Tidings::Sync
