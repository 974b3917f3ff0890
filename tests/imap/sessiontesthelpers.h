// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

// Shared by the session and job tests: settings for a scripted server and small job runners.

#include "core/common/clock.h"
#include "core/imap/job.h"
#include "core/imap/session.h"
#include "tests/support/scriptedserver.h"

#include <QBuffer>
#include <QSignalSpy>
#include <QTest>

/// Asserts that the scripted server played its whole script and saw nothing unexpected.
#define VERIFY_SCRIPT(server)                                                                          \
    do {                                                                                               \
        const QStringList problems_ = (server).verify();                                               \
        QVERIFY2(problems_.isEmpty(), qPrintable(problems_.join(QStringLiteral("; "))));               \
    } while (false)

namespace Tidings::Imap::TestHelpers {

inline const QString Password = QStringLiteral("s3cret-Pa55");

inline SessionSettings scriptedSettings(quint16 port, Security security, QBuffer *log = nullptr)
{
    SessionSettings s;
    s.host = QStringLiteral("localhost");
    s.port = port;
    s.security = security;
    s.tls.useSystemCaCertificates = false;
    s.tls.extraCaCertificates = Test::ScriptedServer::testCaCertificates();
    s.username = QStringLiteral("alice");
    s.credentials = staticPassword(Password);
    s.protocolLogFromEnvironment = false;
    s.protocolLogDevice = log;
    return s;
}

/// Opens @p session and waits for ready() or an error; returns true when ready.
inline bool openAndWait(Session &session, int timeoutMs = 10000)
{
    QSignalSpy ready(&session, &Session::ready);
    QSignalSpy failed(&session, &Session::errorOccurred);
    session.open();
    (void)QTest::qWaitFor([&] { return ready.count() + failed.count() > 0; }, timeoutMs);
    return ready.count() == 1;
}

/// Starts @p job (not auto-deleted) and waits for finished(); returns true when it finished.
inline bool runJob(Job &job, int timeoutMs = 10000)
{
    job.setAutoDelete(false);
    QSignalSpy finished(&job, &Job::finished);
    job.start();
    if (!job.isFinished() && !finished.wait(timeoutMs))
        return false;
    return job.isFinished();
}

/// Waits until the session reports an error; returns it.
inline Error waitForError(Session &session, int timeoutMs = 10000)
{
    QSignalSpy failed(&session, &Session::errorOccurred);
    if (session.state() == Session::State::Disconnected && session.lastError())
        return session.lastError();
    if (failed.isEmpty())
        failed.wait(timeoutMs);
    return session.lastError();
}

} // namespace Tidings::Imap::TestHelpers
