// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/account/accountsettings.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace Tidings::Account {

/// One server of a provider as the preset describes it.
struct ServerPreset {
    QString host;
    quint16 port = 0;
    Security security = Security::ImplicitTls;
    LoginForm login = LoginForm::FullAddress;

    /// The endpoint for @p email: the login written the way this server wants it.
    [[nodiscard]] Endpoint endpointFor(const QString &email) const;

    friend bool operator==(const ServerPreset &, const ServerPreset &) = default;
};

/// What Tidings knows about one mail provider.
struct ProviderPreset {
    QString id;           ///< stable, lower case ("yandex")
    QString name;         ///< for people ("Yandex Mail")
    QStringList domains;  ///< address domains it serves
    QStringList mxSuffixes; ///< MX host suffixes that mean "hosted here" ("mx.yandex.net")
    std::optional<ServerPreset> imap;
    std::optional<ServerPreset> pop3;
    ServerPreset smtp;
    QString note; ///< what the person must do at the provider first, in plain words
    QString helpUrl;
    ServerQuirks quirks;

    /// Settings for @p email on this provider; IMAP unless @p protocol says POP3 and POP3 exists.
    [[nodiscard]] AccountSettings settingsFor(const QString &email,
                                              IncomingProtocol protocol = IncomingProtocol::Imap) const;
};

/// The provider presets: the built-in resource (core/account/presets/providers.json) or any
/// JSON document of the same form.
class PresetCatalog final
{
public:
    PresetCatalog() = default;

    /// The presets shipped with Tidings (loaded once from the Qt resource).
    [[nodiscard]] static const PresetCatalog &builtIn();
    /// The raw JSON of the built-in presets.
    [[nodiscard]] static QByteArray builtInJson();

    /// Parses a presets document. Entries that are not well formed are left out and described
    /// in @p errors (one line each, naming the entry); a document that is not JSON gives none.
    [[nodiscard]] static PresetCatalog fromJson(const QByteArray &json, QStringList *errors = nullptr);

    [[nodiscard]] const QList<ProviderPreset> &providers() const { return m_providers; }
    /// The provider serving addresses at @p domain (case-insensitive), or nullptr.
    [[nodiscard]] const ProviderPreset *forDomain(const QString &domain) const;
    /// The provider whose MX suffix matches @p mxHost on a label boundary, or nullptr.
    [[nodiscard]] const ProviderPreset *forMxHost(const QString &mxHost) const;
    [[nodiscard]] const ProviderPreset *byId(const QString &id) const;

private:
    QList<ProviderPreset> m_providers;
};

/// True if @p host equals @p suffix or ends with "." + @p suffix (case-insensitive).
[[nodiscard]] bool hostMatchesSuffix(const QString &host, const QString &suffix);

} // namespace Tidings::Account
