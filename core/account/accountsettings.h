// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/tls.h"

#include <QJsonObject>
#include <QString>

#include <optional>

namespace Tidings::Account {

/// Which protocol fetches mail for an account.
enum class IncomingProtocol { Imap, Pop3 };

[[nodiscard]] QString protocolName(IncomingProtocol protocol); ///< "imap", "pop3"
[[nodiscard]] std::optional<IncomingProtocol> protocolFromName(const QString &name);

/// How a provider wants the login name written.
enum class LoginForm {
    FullAddress, ///< "anna@example.org"
    LocalPart,   ///< "anna"
};

[[nodiscard]] QString loginFormName(LoginForm form); ///< "address", "localpart"
[[nodiscard]] std::optional<LoginForm> loginFormFromName(const QString &name);
/// The login name for @p email written in @p form.
[[nodiscard]] QString loginFor(const QString &email, LoginForm form);

/// One server the account talks to.
struct Endpoint {
    QString host;
    quint16 port = 0;
    Security security = Security::ImplicitTls;
    QString login; ///< the user name sent to the server

    [[nodiscard]] bool isValid() const { return !host.isEmpty() && port != 0; }
    /// "imap.example.org:993 (tls)"
    [[nodiscard]] QString describe() const;
    [[nodiscard]] QJsonObject toJson() const;
    [[nodiscard]] static std::optional<Endpoint> fromJson(const QJsonObject &object,
                                                          QString *error = nullptr);

    friend bool operator==(const Endpoint &, const Endpoint &) = default;
};

/// What is known about a provider's servers that changes how the engines behave. Data, not code:
/// presets carry it, sync engines read it.
struct ServerQuirks {
    bool noIdle = false;          ///< IMAP IDLE missing or unreliable: poll instead
    bool noCondstore = false;     ///< CONDSTORE/QRESYNC advertised but broken, or missing
    bool serverSavesSent = false; ///< the provider files a copy of mail sent by SMTP in Sent itself
    int maxConnections = 0;       ///< simultaneous IMAP connections allowed per account (0: unknown)
    int minPollMinutes = 0;       ///< the server refuses checks more often than this (0: no limit)

    [[nodiscard]] bool isEmpty() const { return *this == ServerQuirks{}; }
    [[nodiscard]] QJsonObject toJson() const;
    [[nodiscard]] static std::optional<ServerQuirks> fromJson(const QJsonObject &object,
                                                              QString *error = nullptr);

    friend bool operator==(const ServerQuirks &, const ServerQuirks &) = default;
};

/// Everything about one account except its secrets: a plain value the store keeps as JSON.
///
/// Passwords never live here; they are in the keychain under CredentialStore::keyFor(profile id, id,
/// "incoming") and keyFor(profile id, id, "outgoing").
struct AccountSettings {
    QString id;          ///< stable, never shown; assigned when the account is created
    QString name;        ///< what the person calls it ("Work"); defaults to the address
    QString email;       ///< the sender address
    QString displayName; ///< the name on outgoing mail
    IncomingProtocol incomingProtocol = IncomingProtocol::Imap;
    Endpoint incoming;
    Endpoint outgoing;
    QString providerId; ///< the preset it came from, if any
    ServerQuirks quirks;
    bool leaveOnServer = true; ///< POP3: keep messages on the server after download
    int leaveOnServerDays = 0; ///< POP3: delete from the server after this many days (0: never)
    int checkIntervalMinutes = 10;
    QString caFile; ///< PEM file of extra CA certificates to trust for this account (a company CA)

    /// Empty when the settings can be used; otherwise one problem per entry.
    [[nodiscard]] QStringList validate() const;
    [[nodiscard]] QJsonObject toJson() const;
    [[nodiscard]] static std::optional<AccountSettings> fromJson(const QJsonObject &object,
                                                                 QString *error = nullptr);

    friend bool operator==(const AccountSettings &, const AccountSettings &) = default;
};

/// The keychain purposes of an account's two secrets.
inline constexpr QLatin1StringView incomingSecretPurpose{"incoming"};
inline constexpr QLatin1StringView outgoingSecretPurpose{"outgoing"};

/// Splits "anna@example.org" into local part and domain (lower-cased); nullopt if it is not an address.
[[nodiscard]] std::optional<std::pair<QString, QString>> splitAddress(const QString &email);

} // namespace Tidings::Account
