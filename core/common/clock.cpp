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
    const Key key{m_elapsedMs + interval.count(), m_order++};
    m_pending.emplace(key, timer);
    m_keys[timer] = key;
}

void ManualClock::cancel(Timer *timer)
{
    const auto it = m_keys.find(timer);
    if (it == m_keys.end())
        return;
    m_pending.erase(it->second);
    m_keys.erase(it);
}

void ManualClock::advance(std::chrono::milliseconds by)
{
    const qint64 target = m_elapsedMs + by.count();
    while (!m_pending.empty() && m_pending.begin()->first.first <= target) {
        const auto due = m_pending.begin();
        m_elapsedMs = std::max(m_elapsedMs, due->first.first);
        QPointer<Timer> timer = due->second;
        m_pending.erase(due);
        if (timer) {
            m_keys.erase(timer.data());
            timer->fire(); // may schedule again
        }
    }
    m_elapsedMs = target;
}

} // namespace Tidings
