// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/common/clock.h"

#include <QElapsedTimer>
#include <QTimer>

#include <algorithm>

namespace Tidings {

Clock::~Clock() = default;

Timer::Timer(Clock &clock, QObject *parent)
    : QObject(parent)
    , m_clock(clock)
{
}

Timer::~Timer()
{
    if (m_active)
        m_clock.cancel(this);
}

void Timer::start(std::chrono::milliseconds interval)
{
    if (m_active)
        m_clock.cancel(this);
    m_active = true;
    m_clock.schedule(this, interval);
}

void Timer::stop()
{
    if (!m_active)
        return;
    m_active = false;
    m_clock.cancel(this);
}

void Timer::fire()
{
    if (!m_active)
        return;
    m_active = false;
    Q_EMIT timeout();
}

QDateTime SystemClock::now() const
{
    return QDateTime::currentDateTimeUtc();
}

qint64 SystemClock::monotonicMs() const
{
    static QElapsedTimer elapsed = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return elapsed.elapsed();
}

SystemClock &SystemClock::instance()
{
    static SystemClock clock;
    return clock;
}

void SystemClock::schedule(Timer *timer, std::chrono::milliseconds interval)
{
    if (!timer->m_qtimer) {
        timer->m_qtimer = new QTimer(timer);
        timer->m_qtimer->setSingleShot(true);
        QObject::connect(timer->m_qtimer, &QTimer::timeout, timer, &Timer::fire);
    }
    timer->m_qtimer->start(interval);
}

void SystemClock::cancel(Timer *timer)
{
    if (timer->m_qtimer)
        timer->m_qtimer->stop();
}

ManualClock::ManualClock(QDateTime start)
    : m_start(std::move(start))
{
}

ManualClock::~ManualClock() = default;

QDateTime ManualClock::now() const
{
    return m_start.addMSecs(m_elapsedMs);
}

void ManualClock::schedule(Timer *timer, std::chrono::milliseconds interval)
{
    m_pending.push_back(Pending{timer, m_elapsedMs + interval.count(), m_order++});
}

void ManualClock::cancel(Timer *timer)
{
    std::erase_if(m_pending, [timer](const Pending &p) { return p.timer == timer || p.timer.isNull(); });
}

void ManualClock::advance(std::chrono::milliseconds by)
{
    const qint64 target = m_elapsedMs + by.count();
    for (;;) {
        std::erase_if(m_pending, [](const Pending &p) { return p.timer.isNull(); });
        auto due = std::min_element(m_pending.begin(), m_pending.end(), [](const Pending &a, const Pending &b) {
            return a.deadline != b.deadline ? a.deadline < b.deadline : a.order < b.order;
        });
        if (due == m_pending.end() || due->deadline > target)
            break;
        m_elapsedMs = std::max(m_elapsedMs, due->deadline);
        QPointer<Timer> timer = due->timer;
        m_pending.erase(due);
        if (timer)
            timer->fire();
    }
    m_elapsedMs = target;
}

} // namespace Tidings
