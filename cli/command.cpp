// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "cli/command.h"

#include "core/common/version.h"

#include <array>

namespace Tidings::Cli {

namespace {

int versionCommand(Context &context)
{
    context.out << versionLine(QStringLiteral("tidings-cli")) << Qt::endl;
    return 0;
}

// New commands are added here, each implemented in its own cli/<name>.cpp file.
const std::array kCommands{
    Command{"version", "version", "print the version", &versionCommand},
};

} // namespace

std::span<const Command> commands()
{
    return kCommands;
}

void printHelp(QTextStream &out)
{
    out << "Usage: tidings-cli [--profile DIR] COMMAND [ARGS...]\n\n"
           "Global options:\n"
           "  --profile DIR   use the profile in DIR (default: the standard data location)\n"
           "  --version       print the version\n"
           "  --help          print this help\n\n"
           "Commands:\n";
    for (const Command &command : commands())
        out << "  " << QString::fromUtf8(command.usage).leftJustified(40) << QString::fromUtf8(command.summary)
            << '\n';
    out.flush();
}

} // namespace Tidings::Cli
