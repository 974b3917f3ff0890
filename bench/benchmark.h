// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QString>
#include <QStringList>
#include <QTextStream>

#include <functional>
#include <memory>

class QCoreApplication;

namespace Tidings::Bench {

/// What a benchmark gets: its arguments and where to print.
struct Context {
    QStringList args;
    QTextStream &out;
};

struct Benchmark {
    QString name;
    QString description;
    std::function<int(Context &)> run; ///< returns the exit code
};

/// Registers a benchmark; used through TIDINGS_BENCHMARK at namespace scope.
bool registerBenchmark(Benchmark benchmark);

/// A benchmark that needs more than a QCoreApplication (a QApplication for widgets) registers
/// a factory under its name at namespace scope; main() then creates that application instead.
using ApplicationFactory = std::function<std::unique_ptr<QCoreApplication>(int &argc, char **argv)>;
bool registerApplicationFactory(const QString &benchmarkName, ApplicationFactory factory);
[[nodiscard]] ApplicationFactory applicationFactory(const QString &benchmarkName);
[[nodiscard]] const QList<Benchmark> &benchmarks();

/// Peak resident memory of this process so far, in bytes (VmHWM).
[[nodiscard]] qint64 peakRssBytes();
/// Current resident memory in bytes (VmRSS).
[[nodiscard]] qint64 currentRssBytes();
/// Resets the peak so a phase can be measured on its own (writes /proc/self/clear_refs); false
/// if the kernel does not allow it.
bool resetPeakRss();

/// "12.3 MB/s"-style helpers for uniform output lines.
[[nodiscard]] QString megabytes(qint64 bytes);

} // namespace Tidings::Bench

#define TIDINGS_BENCH_CONCAT2(a, b) a##b
#define TIDINGS_BENCH_CONCAT(a, b) TIDINGS_BENCH_CONCAT2(a, b)
/// TIDINGS_BENCHMARK("imap-parse", "what it measures", [](Tidings::Bench::Context &c) { ...; return 0; });
#define TIDINGS_BENCHMARK(NAME, DESCRIPTION, ...)                                                            \
    static const bool TIDINGS_BENCH_CONCAT(tidingsBenchRegistered_, __LINE__) =                              \
        ::Tidings::Bench::registerBenchmark(                                                                 \
            {QStringLiteral(NAME), QStringLiteral(DESCRIPTION), __VA_ARGS__})
