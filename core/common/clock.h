// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QDateTime>
#include <QObject>
#include <QPointer>

#include <chrono>
#include <map>
#include <unordered_map>
#include <utility>

class QTimer;

namespace Tidings {

class Timer;

/// Time as the engines see it. Every timeout, keep-alive, poll interval and backoff in core
/// takes its time from a Clock, so tests drive them with ManualClock instead of sleeping.
class Clock
{
public:
    Clock() = default;
    virtual ~Clock();
    Q_DISABLE_COPY_MOVE(Clock)

    /// Wall-clock time in UTC.
    [[nodiscard]] virtual QDateTime now() const = 0;
    /// Milliseconds on a monotonic scale (only differences mean anything).
    [[nodiscard]] virtual qint64 monotonicMs() const = 0;

protected:
    friend class Timer;
    virtual void schedule(Timer *timer, std::chrono::milliseconds interval) = 0;
    virtual void cancel(Timer *timer) = 0;
};

/// A single-shot timer that runs on a Clock. It fires timeout() once per start().
class Timer final : public QObject
{
    Q_OBJECT
public:
    explicit Timer(Clock &clock, QObject *parent = nullptr);
    ~Timer() override;
    Q_DISABLE_COPY_MOVE(Timer)

    /// (Re)starts the timer; a running timer is restarted.
    void start(std::chrono::milliseconds interval);
    void stop();
    [[nodiscard]] bool isActive() const { return m_active; }

Q_SIGNALS:
    void timeout();

private:
    friend class SystemClock;
    friend class ManualClock;
    void fire();

    Clock &m_clock;
    bool m_active = false;
    QTimer *m_qtimer = nullptr; // used by SystemClock only
};

/// The real clock: QDateTime and QTimer.
class SystemClock final : public Clock
{
public:
    SystemClock() = default;
    [[nodiscard]] QDateTime now() const override;
    [[nodiscard]] qint64 monotonicMs() const override;

    /// A process-wide system clock for code that is not given one explicitly.
    [[nodiscard]] static SystemClock &instance();

protected:
    void schedule(Timer *timer, std::chrono::milliseconds interval) override;
    void cancel(Timer *timer) override;
};

/// A clock for tests: time moves only when advance() is called, firing due timers in order.
class ManualClock final : public Clock
{
public:
    explicit ManualClock(QDateTime start = QDateTime(QDate(2026, 1, 1), QTime(12, 0), Qt::UTC));
    ~ManualClock() override;

    [[nodiscard]] QDateTime now() const override;
    [[nodiscard]] qint64 monotonicMs() const override { return m_elapsedMs; }

    /// Moves time forward by @p by, firing every timer whose deadline is reached, earliest first.
    void advance(std::chrono::milliseconds by);
    /// Number of timers currently waiting.
    [[nodiscard]] int pendingTimers() const { return int(m_pending.size()); }

protected:
    void schedule(Timer *timer, std::chrono::milliseconds interval) override;
    void cancel(Timer *timer) override;

private:
    using Key = std::pair<qint64, quint64>; // deadline, then the order of scheduling
    QDateTime m_start;
    qint64 m_elapsedMs = 0;
    quint64 m_order = 0;
    std::map<Key, QPointer<Timer>> m_pending;
    std::unordered_map<const Timer *, Key> m_keys;
};

} // namespace Tidings
