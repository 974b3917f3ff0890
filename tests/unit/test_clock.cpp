// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/common/clock.h"

#include <QSignalSpy>
#include <QTest>

using namespace std::chrono_literals;
using Tidings::ManualClock;
using Tidings::Timer;

class TestClock final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void manualClock_advance_firesDueTimersInDeadlineOrder()
    {
        ManualClock clock;
        Timer late(clock);
        Timer early(clock);
        QStringList order;
        connect(&late, &Timer::timeout, this, [&] { order << QStringLiteral("late"); });
        connect(&early, &Timer::timeout, this, [&] { order << QStringLiteral("early"); });
        late.start(300ms);
        early.start(100ms);
        clock.advance(99ms);
        QVERIFY(order.isEmpty());
        clock.advance(250ms);
        QCOMPARE(order, QStringList({QStringLiteral("early"), QStringLiteral("late")}));
        QCOMPARE(clock.monotonicMs(), 349);
        QVERIFY(!late.isActive());
    }

    void manualClock_restartAndStop_cancelEarlierDeadline()
    {
        ManualClock clock;
        Timer timer(clock);
        QSignalSpy spy(&timer, &Timer::timeout);
        timer.start(100ms);
        clock.advance(50ms);
        timer.start(100ms); // restarted: now due at 150 ms
        clock.advance(60ms);
        QCOMPARE(spy.count(), 0);
        clock.advance(40ms);
        QCOMPARE(spy.count(), 1);
        timer.start(10ms);
        timer.stop();
        clock.advance(1000ms);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(clock.pendingTimers(), 0);
    }

    void manualClock_timerRestartedFromItsOwnTimeout_firesAgainWithinOneAdvance()
    {
        ManualClock clock;
        Timer timer(clock);
        int fired = 0;
        connect(&timer, &Timer::timeout, this, [&] {
            if (++fired < 3)
                timer.start(10ms);
        });
        timer.start(10ms);
        clock.advance(100ms);
        QCOMPARE(fired, 3);
    }

    void manualClock_destroyedTimer_isForgotten()
    {
        ManualClock clock;
        {
            Timer timer(clock);
            timer.start(10ms);
        }
        QCOMPARE(clock.pendingTimers(), 0);
        clock.advance(20ms);
    }

    void manualClock_now_movesWithAdvance()
    {
        ManualClock clock;
        const QDateTime start = clock.now();
        clock.advance(90s);
        QCOMPARE(start.secsTo(clock.now()), 90);
        QCOMPARE(clock.now().timeSpec(), Qt::UTC);
    }

    void systemClock_timer_firesOnTheEventLoop()
    {
        Timer timer(Tidings::SystemClock::instance());
        QSignalSpy spy(&timer, &Timer::timeout);
        timer.start(1ms);
        QVERIFY(spy.wait(2000));
        QCOMPARE(spy.count(), 1);
    }
};

QTEST_GUILESS_MAIN(TestClock)
#include "test_clock.moc"
