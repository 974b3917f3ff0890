// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/error.h"
#include "core/common/tls.h"
#include "core/imap/sessionsettings.h"
#include "core/store/accountstore.h"

#include <QList>
#include <QSslCertificate>

#include <variant>

namespace Tidings::Sync {

/// Builds the IMAP SessionSettings of a stored account: host, port, security and login from
/// its AccountSettings JSON (core/account), trust from @p tls, the secret from @p credentials
/// (the keychain through CredentialStore in the app; a password read from stdin in the CLI).
/// Extra CA certificates named by the settings key "caFile" (a PEM path the person chose for a
/// company CA) are added to @p tls. POP3 accounts and incomplete settings are a Config error.
[[nodiscard]] std::variant<Imap::SessionSettings, Error> imapSettingsFor(const Store::Account &account, TlsPolicy tls,
                                                                         Imap::CredentialProvider credentials);

/// Finds an account by its name, its address or its numeric id; a Config error naming the
/// known accounts when there is none.
[[nodiscard]] std::variant<Store::Account, Error> findAccount(Store::AccountStore &accounts, const QString &nameOrId);

} // namespace Tidings::Sync
