// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

// The manual side of `tidings-cli account`: an IMAP or POP3 account from explicit server flags
// (no discovery), and the list of the profile's accounts. cmd_account.cpp hands these
// subcommands over; documented in docs/cli.md.

#include "cli/command.h"

namespace Tidings::Cli {

/// `account add --name NAME --email ADDR (--imap HOST:PORT --imap-security tls|starttls [--offline-days N]
/// | --pop3 HOST:PORT --pop3-security tls|starttls [--leave-on-server yes|no] [--delete-after-days N])
/// --user USER --password-stdin [--smtp HOST:PORT --smtp-security tls|starttls] [--ca-file PEM]
/// [--no-keychain]`.
/// @p args are the arguments after "add".
int manualAccountAdd(Context &context, QStringList args);

/// True when @p args (after "add") ask for the manual path (they carry --imap or --pop3).
[[nodiscard]] bool isManualAccountAdd(const QStringList &args);

/// `account list [--json]`.
int accountList(Context &context, QStringList args);

} // namespace Tidings::Cli
