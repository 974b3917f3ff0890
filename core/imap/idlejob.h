// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/imap/job.h"

namespace Tidings::Imap {

/// IDLE, RFC 2177 / RFC 9051 §6.3.13: keeps the server talking about the selected mailbox.
///
/// The session owns the DONE: it ends IDLE when another job is queued (this job then queues
/// itself again behind that job and resumes afterwards), and every idleRenewal interval (DONE,
/// then IDLE again). What the server reports while idling arrives through the session's
/// signals (existsReceived, expungeReceived, vanishedReceived, messageChanged). The job finishes
/// only after stop() (or when the connection ends, with that error).
class IdleJob final : public Job
{
    Q_OBJECT
public:
    using Job::Job;

    /// Ends IDLE (DONE) and finishes the job once the server confirms.
    void stop();
    [[nodiscard]] bool isIdling() const { return m_idling; }
    /// Times the server accepted IDLE (renewals and resumptions included).
    [[nodiscard]] int idleCount() const { return m_idleCount; }

Q_SIGNALS:
    /// The server accepted IDLE (`+ idling`).
    void idling();

protected:
    void run() override;
    void handleContinuation(const ContinuationRequest &request) override;
    void handleTagged(const StatusResponse &response) override;

private:
    [[nodiscard]] bool isStartedButQueued() const;

    bool m_waitingForContinuation = false;
    bool m_idling = false;
    bool m_stopRequested = false;
    int m_idleCount = 0;
};

} // namespace Tidings::Imap
