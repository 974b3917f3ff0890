// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QString>
#include <QStringList>
#include <QTextStream>

#include <span>

namespace Tidings::Cli {

/// What every command gets: the profile, its own arguments, and the two output streams.
struct Context {
    QString profileDir;
    QStringList args; ///< the arguments after the command name
    QTextStream &out;
    QTextStream &err;
};

/// A command returns the process exit code: 0 success, 1 failure, 2 usage error. On failure
/// it prints one plain-language line on stderr.
using CommandFunction = int (*)(Context &context);

struct Command {
    const char *name;
    const char *usage;   ///< e.g. "parse FILE [--json]"
    const char *summary; ///< one line for --help
    CommandFunction run;
};

/// Every command tidings-cli knows, in the order --help lists them.
[[nodiscard]] std::span<const Command> commands();

/// Prints the usage of the whole program.
void printHelp(QTextStream &out);

} // namespace Tidings::Cli
