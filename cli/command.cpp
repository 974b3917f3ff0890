// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "cli/command.h"

#include "core/common/version.h"

#include <algorithm>
#include <cstring>

namespace Tidings::Cli {

namespace {

QList<Command> &registry()
{
    static QList<Command> list;
    return list;
}

int versionCommand(Context &context)
{
    context.out << versionLine(QStringLiteral("tidings-cli")) << Qt::endl;
    return 0;
}

} // namespace

TIDINGS_CLI_COMMAND("version", "version", "print the version", &versionCommand);

bool registerCommand(const Command &command)
{
    registry().append(command);
    return true;
}

QList<Command> commands()
{
    QList<Command> list = registry();
    std::sort(list.begin(), list.end(),
              [](const Command &a, const Command &b) { return std::strcmp(a.name, b.name) < 0; });
    return list;
}

void printHelp(QTextStream &out)
{
    out << "Usage: tidings-cli [--profile DIR] COMMAND [ARGS...]\n\n"
           "Global options:\n"
           "  --profile DIR   use the profile in DIR (default: the standard data location)\n"
           "  --version       print the version\n"
           "  --help          print this help\n\n"
           "Commands:\n";
    for (const Command &command : commands()) {
        const QStringList usage = QString::fromUtf8(command.usage).split(u'\n');
        out << "  " << usage.first().leftJustified(44) << ' ' << QString::fromUtf8(command.summary) << '\n';
        for (qsizetype i = 1; i < usage.size(); ++i)
            out << "    " << usage.at(i) << '\n';
    }
    out.flush();
}

} // namespace Tidings::Cli
