// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/imap/job.h"
#include "core/imap/uidset.h"

namespace Tidings::Sync {

/// How many messages of a UID range exist on the server: `UID SEARCH RETURN (COUNT) UID a:b`
/// (ESEARCH, RFC 4731 §3.1) or, without ESEARCH, `UID SEARCH UID a:b` and the number of UIDs
/// returned. The expunge bisection asks only this, so a clean range costs a few bytes.
class CountJob final : public Imap::SimpleJob
{
    Q_OBJECT
public:
    using SimpleJob::SimpleJob;
    void setUids(const Imap::UidSet &uids) { m_uids = uids; }
    [[nodiscard]] std::uint32_t count() const { return m_count; }
    [[nodiscard]] Concurrency concurrency() const override { return Concurrency::UidOnly; }

protected:
    void run() override;
    bool handleUntagged(const Imap::Response &response) override;
    [[nodiscard]] QString describe() const override { return QStringLiteral("UID SEARCH (count)"); }

private:
    Imap::UidSet m_uids;
    QByteArray m_tag;
    bool m_esearch = false;
    std::uint32_t m_count = 0;
};

} // namespace Tidings::Sync
