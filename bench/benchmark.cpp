// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "bench/benchmark.h"

#include <QFile>
#include <QHash>

namespace Tidings::Bench {

namespace {

QList<Benchmark> &registry()
{
    static QList<Benchmark> list;
    return list;
}

qint64 statusField(const char *field)
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray key = QByteArray(field) + ':';
    // /proc files report size 0, so read them whole instead of testing atEnd().
    const QList<QByteArray> lines = status.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith(key))
            return line.mid(key.size()).trimmed().split(' ').value(0).toLongLong() * 1024;
    }
    return -1;
}

} // namespace

bool registerBenchmark(Benchmark benchmark)
{
    registry().append(std::move(benchmark));
    return true;
}

const QList<Benchmark> &benchmarks()
{
    return registry();
}

namespace {
QHash<QString, ApplicationFactory> &factories()
{
    static QHash<QString, ApplicationFactory> map;
    return map;
}
} // namespace

bool registerApplicationFactory(const QString &benchmarkName, ApplicationFactory factory)
{
    factories().insert(benchmarkName, std::move(factory));
    return true;
}

ApplicationFactory applicationFactory(const QString &benchmarkName)
{
    return factories().value(benchmarkName);
}

qint64 peakRssBytes()
{
    return statusField("VmHWM");
}

qint64 currentRssBytes()
{
    return statusField("VmRSS");
}

bool resetPeakRss()
{
    QFile clear(QStringLiteral("/proc/self/clear_refs"));
    if (!clear.open(QIODevice::WriteOnly))
        return false;
    return clear.write("5") == 1;
}

QString megabytes(qint64 bytes)
{
    return QString::number(double(bytes) / (1024.0 * 1024.0), 'f', 1) + QStringLiteral(" MiB");
}

} // namespace Tidings::Bench
