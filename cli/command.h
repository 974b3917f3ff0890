// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QString>
#include <QStringList>
#include <QTextStream>

#include <QList>

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
    const char *name;    ///< the first word, e.g. "parse" or "account"
    const char *usage;   ///< e.g. "parse FILE [--json]" (several lines allowed, '\n'-separated)
    const char *summary; ///< one line for --help
    CommandFunction run;
};

/// Registers a command; used through TIDINGS_CLI_COMMAND at namespace scope in cli/cmd_*.cpp.
bool registerCommand(const Command &command);

/// Every command tidings-cli knows, sorted by name.
[[nodiscard]] QList<Command> commands();

/// Prints the usage of the whole program.
void printHelp(QTextStream &out);

} // namespace Tidings::Cli

#define TIDINGS_CLI_CONCAT2(a, b) a##b
#define TIDINGS_CLI_CONCAT(a, b) TIDINGS_CLI_CONCAT2(a, b)
/// TIDINGS_CLI_COMMAND("parse", "parse FILE [--json]", "decode a message file", &parseCommand);
#define TIDINGS_CLI_COMMAND(NAME, USAGE, SUMMARY, FUNCTION)                                                  \
    static const bool TIDINGS_CLI_CONCAT(tidingsCliRegistered_, __LINE__) =                                   \
        ::Tidings::Cli::registerCommand(::Tidings::Cli::Command{NAME, USAGE, SUMMARY, FUNCTION})
