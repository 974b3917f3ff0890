// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/sync/sentcopy.h"

#include "core/imap/jobs.h"
#include "core/imap/loginjob.h"
#include "core/imap/messagejobs.h"
#include "core/imap/session.h"

namespace Tidings::Sync {

SentCopy::SentCopy(Imap::SessionSettings settings, Clock &clock, QObject *parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_clock(clock)
{
}

SentCopy::~SentCopy()
{
    if (m_session) {
        m_done = true;
        delete m_session.data();
    }
}

void SentCopy::append(const QString &mailbox, const QByteArray &raw, const QByteArray &messageId)
{
    Q_ASSERT(m_done);
    m_done = false;
    m_alreadyPresent = false;
    m_mailbox = mailbox;
    m_raw = raw;
    m_messageId = messageId;
    m_session = new Imap::Session(m_settings, m_clock, this);
    connect(m_session, &Imap::Session::errorOccurred, this, [this](const Error &error) { done(error); });
    connect(m_session, &Imap::Session::ready, this, [this] {
        auto *login = new Imap::LoginJob(m_session);
        connect(login, &Imap::Job::finished, this, [this](Imap::Job *job) {
            if (job->error())
                done(job->error());
            else
                loggedIn();
        });
        login->start();
    });
    m_session->open();
}

void SentCopy::loggedIn()
{
    if (m_done)
        return;
    if (m_messageId.isEmpty()) {
        doAppend();
        return;
    }
    auto *examine = new Imap::SelectJob(m_session);
    examine->setMailbox(m_mailbox);
    examine->setReadOnly(true);
    connect(examine, &Imap::Job::finished, this, [this](Imap::Job *job) {
        if (m_done)
            return;
        if (job->error()) {
            // No such mailbox yet: APPEND answers [TRYCREATE]; report that plainly.
            doAppend();
            return;
        }
        auto *search = new Imap::SearchJob(m_session);
        search->setUidMode(true);
        search->addText("HEADER Message-ID", QString::fromUtf8(m_messageId));
        connect(search, &Imap::Job::finished, this, [this](Imap::Job *j) {
            if (m_done)
                return;
            auto *s = static_cast<Imap::SearchJob *>(j);
            if (!s->error() && s->count() > 0) {
                m_alreadyPresent = true;
                done({});
                return;
            }
            doAppend();
        });
        search->start();
    });
    examine->start();
}

void SentCopy::doAppend()
{
    auto *append = new Imap::AppendJob(m_session);
    append->setMailbox(m_mailbox);
    append->setContent(m_raw);
    append->setFlags({QByteArrayLiteral("\\Seen")});
    connect(append, &Imap::Job::finished, this, [this](Imap::Job *job) { done(job->error()); });
    append->start();
}

void SentCopy::done(const Error &error)
{
    if (m_done)
        return;
    m_done = true;
    if (m_session) {
        Imap::Session *session = m_session.data();
        m_session = nullptr;
        if (!error && session->state() != Imap::Session::State::Disconnected) {
            auto *logout = new Imap::LogoutJob(session);
            connect(session, &Imap::Session::disconnected, session, &QObject::deleteLater);
            connect(logout, &Imap::Job::finished, session, [session](Imap::Job *) { session->deleteLater(); });
            logout->start();
        } else {
            session->abort();
            session->deleteLater();
        }
    }
    const Error e = error;
    QMetaObject::invokeMethod(this, [this, e] { Q_EMIT finished(e); }, Qt::QueuedConnection);
}

} // namespace Tidings::Sync
