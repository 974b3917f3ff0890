// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "cli/command.h"
#include "core/common/version.h"

#include <QCoreApplication>
#include <QDir>
#include <QStandardPaths>
#include <QTextStream>

#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("tidings"));
    QCoreApplication::setOrganizationName(QStringLiteral("tidings"));
    QCoreApplication::setApplicationVersion(Tidings::version());

    QTextStream out(stdout);
    QTextStream err(stderr);

    QStringList args = QCoreApplication::arguments().mid(1);
    QString profileDir;
    while (!args.isEmpty() && args.first().startsWith(u'-')) {
        const QString option = args.takeFirst();
        if (option == u"--version" || option == u"-v") {
            out << Tidings::versionLine(QStringLiteral("tidings-cli")) << Qt::endl;
            return 0;
        }
        if (option == u"--help" || option == u"-h") {
            Tidings::Cli::printHelp(out);
            return 0;
        }
        if (option == u"--profile") {
            if (args.isEmpty()) {
                err << "tidings-cli: --profile needs a directory" << Qt::endl;
                return 2;
            }
            profileDir = args.takeFirst();
            continue;
        }
        err << "tidings-cli: unknown option " << option << " (see tidings-cli --help)" << Qt::endl;
        return 2;
    }
    if (args.isEmpty()) {
        Tidings::Cli::printHelp(err);
        return 2;
    }
    if (profileDir.isEmpty())
        profileDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);

    const QString name = args.takeFirst();
    for (const Tidings::Cli::Command &command : Tidings::Cli::commands()) {
        if (name == QLatin1String(command.name)) {
            Tidings::Cli::Context context{profileDir, args, out, err};
            const int code = command.run(context);
            out.flush();
            err.flush();
            return code;
        }
    }
    err << "tidings-cli: unknown command \"" << name << "\" (see tidings-cli --help)" << Qt::endl;
    return 2;
}
