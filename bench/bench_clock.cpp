// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// A self-check of the benchmark program: how fast ManualClock fires timers.
#include "bench/benchmark.h"
#include "core/common/clock.h"

#include <QElapsedTimer>

#include <memory>
#include <vector>

using namespace std::chrono_literals;

TIDINGS_BENCHMARK("clock", "fires 100,000 ManualClock timers (a check that the bench program works)",
                  [](Tidings::Bench::Context &c) {
                      Tidings::ManualClock clock;
                      std::vector<std::unique_ptr<Tidings::Timer>> timers;
                      int fired = 0;
                      for (int i = 0; i < 100000; ++i) {
                          timers.push_back(std::make_unique<Tidings::Timer>(clock));
                          QObject::connect(timers.back().get(), &Tidings::Timer::timeout,
                                           [&fired] { ++fired; });
                          timers.back()->start(std::chrono::milliseconds(i % 997));
                      }
                      QElapsedTimer t;
                      t.start();
                      clock.advance(1s);
                      c.out << "clock: fired " << fired << " timers in " << t.elapsed() << " ms, peak RSS "
                            << Tidings::Bench::megabytes(Tidings::Bench::peakRssBytes()) << Qt::endl;
                      return fired == 100000 ? 0 : 1;
                  });
