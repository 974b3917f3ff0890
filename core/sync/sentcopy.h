// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/clock.h"
#include "core/common/error.h"
#include "core/imap/sessionsettings.h"

#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QString>

namespace Tidings::Imap {
class Session;
}

namespace Tidings::Sync {

/// Files one sent message in an IMAP mailbox: connect, log in, EXAMINE the mailbox and SEARCH
/// for the message's Message-ID (a copy APPENDed by an earlier attempt whose answer was lost is
/// not appended twice), APPEND with \Seen (RFC 9051 §6.3.12), LOGOUT. finished() comes once,
/// from the event loop, with an empty error on success (including "already there").
///
/// The object owns its session for one append() and may be reused after finished().
class SentCopy final : public QObject
{
    Q_OBJECT

public:
    SentCopy(Imap::SessionSettings settings, Clock &clock = SystemClock::instance(), QObject *parent = nullptr);
    ~SentCopy() override;
    Q_DISABLE_COPY_MOVE(SentCopy)

    void append(const QString &mailbox, const QByteArray &raw, const QByteArray &messageId);
    [[nodiscard]] bool alreadyPresent() const { return m_alreadyPresent; }

Q_SIGNALS:
    void finished(const Tidings::Error &error);

private:
    void loggedIn();
    void doAppend();
    void done(const Error &error);

    Imap::SessionSettings m_settings;
    Clock &m_clock;
    QPointer<Imap::Session> m_session;
    QString m_mailbox;
    QByteArray m_raw;
    QByteArray m_messageId;
    bool m_alreadyPresent = false;
    bool m_done = true;
};

} // namespace Tidings::Sync
