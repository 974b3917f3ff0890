// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// tidings-bench NAME [ARGS...]: runs one benchmark and prints its figures (docs/benchmarks.md).
#include "bench/benchmark.h"
#include "core/common/version.h"

#include <QCoreApplication>
#include <QTextStream>

#include <algorithm>
#include <memory>

int main(int argc, char *argv[])
{
    // A benchmark that needs widgets registers a factory for a QApplication (benchmark.h).
    const Tidings::Bench::ApplicationFactory factory =
        argc > 1 ? Tidings::Bench::applicationFactory(QString::fromLocal8Bit(argv[1])) : nullptr;
    const std::unique_ptr<QCoreApplication> app =
        factory ? factory(argc, argv) : std::make_unique<QCoreApplication>(argc, argv);
    QTextStream out(stdout);
    QTextStream err(stderr);
    QStringList args = QCoreApplication::arguments().mid(1);
    QList<Tidings::Bench::Benchmark> list = Tidings::Bench::benchmarks();
    std::sort(list.begin(), list.end(), [](const auto &a, const auto &b) { return a.name < b.name; });

    if (args.isEmpty() || args.first() == u"--help" || args.first() == u"--list") {
        (args.isEmpty() ? err : out) << "usage: tidings-bench NAME [ARGS...]\n\nbenchmarks:\n";
        for (const auto &b : list)
            (args.isEmpty() ? err : out) << "  " << b.name.leftJustified(16) << b.description << '\n';
        return args.isEmpty() ? 2 : 0;
    }
    if (args.first() == u"--version") {
        out << Tidings::versionLine(QStringLiteral("tidings-bench")) << Qt::endl;
        return 0;
    }
    const QString name = args.takeFirst();
    for (const auto &b : list) {
        if (b.name == name) {
            Tidings::Bench::Context context{args, out};
            const int code = b.run(context);
            out.flush();
            return code;
        }
    }
    err << "tidings-bench: unknown benchmark \"" << name << "\" (see tidings-bench --list)" << Qt::endl;
    return 2;
}
