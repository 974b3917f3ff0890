// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/imap/idlejob.h"

#include "core/imap/session.h"

namespace Tidings::Imap {

void IdleJob::stop()
{
    m_stopRequested = true;
    if (isFinished() || !session())
        return;
    if (!isRunning()) {
        if (isStartedButQueued())
            finish();
        return;
    }
    if (m_idling)
        session()->sendDone();
    // Still waiting for `+`: handleContinuation() sends DONE at once.
}

bool IdleJob::isStartedButQueued() const
{
    return !isRunning() && !isFinished();
}

void IdleJob::run()
{
    Session *s = session();
    if (m_stopRequested) {
        finish();
        return;
    }
    if (!s->capabilities().idle()) {
        finish(Error::make(Error::Kind::Config, QStringLiteral("the server does not support IDLE")));
        return;
    }
    if (s->state() != Session::State::Authenticated && s->state() != Session::State::Selected) {
        finish(Error::make(Error::Kind::Config, QStringLiteral("IDLE needs an authenticated session")));
        return;
    }
    m_waitingForContinuation = true;
    sendCommand(Command("IDLE"));
}

void IdleJob::handleContinuation(const ContinuationRequest &request)
{
    if (!m_waitingForContinuation) {
        Job::handleContinuation(request);
        return;
    }
    m_waitingForContinuation = false;
    m_idling = true;
    ++m_idleCount;
    session()->setIdling(this);
    Q_EMIT idling();
    if (m_stopRequested && isRunning())
        session()->sendDone();
}

void IdleJob::handleTagged(const StatusResponse &response)
{
    Session *s = session();
    const bool wasIdling = m_idling;
    m_idling = false;
    m_waitingForContinuation = false;
    s->idleEnded();
    if (response.status != Status::Ok) {
        finish(errorFromStatus(response, QStringLiteral("IDLE")));
        return;
    }
    if (m_stopRequested || !wasIdling) {
        finish();
        return;
    }
    if (s->hasQueuedJobs()) {
        s->requeue(this); // resume after the job that needed the line
        return;
    }
    // Renewal: the session ended IDLE because of the interval; start again at once.
    m_waitingForContinuation = true;
    sendCommand(Command("IDLE"));
}

} // namespace Tidings::Imap
