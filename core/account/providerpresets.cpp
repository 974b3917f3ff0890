// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/account/providerpresets.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QUrl>

namespace Tidings::Account {

namespace {

bool isHostName(const QString &host)
{
    if (host.isEmpty() || host.size() > 253 || !host.contains(u'.') || host.startsWith(u'.') || host.endsWith(u'.'))
        return false;
    for (QChar c : host) {
        if (!((c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9') || c == u'.' || c == u'-'))
            return false;
    }
    return !host.contains(QLatin1String(".."));
}

std::optional<ServerPreset> parseServer(const QJsonObject &object, const QString &what, QString *error)
{
    ServerPreset server;
    server.host = object.value(QStringLiteral("host")).toString();
    if (!isHostName(server.host)) {
        *error = what + QStringLiteral(": \"host\" must be a lower-case host name");
        return std::nullopt;
    }
    const QJsonValue port = object.value(QStringLiteral("port"));
    const int portNumber = port.toInt(0);
    if (!port.isDouble() || portNumber < 1 || portNumber > 65535 || port.toDouble() != double(portNumber)) {
        *error = what + QStringLiteral(": \"port\" must be from 1 to 65535");
        return std::nullopt;
    }
    server.port = quint16(portNumber);
    const auto security = securityFromName(object.value(QStringLiteral("security")).toString());
    if (!security || *security == Security::None
        || object.value(QStringLiteral("security")).toString() != securityName(*security)) {
        *error = what + QStringLiteral(": \"security\" must be tls or starttls");
        return std::nullopt;
    }
    server.security = *security;
    const auto login = loginFormFromName(object.value(QStringLiteral("login")).toString());
    if (!login) {
        *error = what + QStringLiteral(": \"login\" must be address or localpart");
        return std::nullopt;
    }
    server.login = *login;
    for (auto it = object.begin(); it != object.end(); ++it) {
        static const QStringList known{QStringLiteral("host"), QStringLiteral("port"), QStringLiteral("security"),
                                       QStringLiteral("login")};
        if (!known.contains(it.key())) {
            *error = what + QStringLiteral(": unknown field \"%1\"").arg(it.key());
            return std::nullopt;
        }
    }
    return server;
}

bool readStringList(const QJsonObject &object, const QString &key, QStringList *out, QString *error)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined())
        return true;
    if (!value.isArray()) {
        *error = QStringLiteral("\"%1\" must be a list").arg(key);
        return false;
    }
    for (const QJsonValue &item : value.toArray()) {
        const QString text = item.toString();
        if (!isHostName(text)) {
            *error = QStringLiteral("\"%1\" holds \"%2\", which is not a lower-case domain").arg(key, text);
            return false;
        }
        out->append(text);
    }
    return true;
}

std::optional<ProviderPreset> parseProvider(const QJsonObject &object, QString *error)
{
    static const QStringList known{QStringLiteral("id"),   QStringLiteral("name"), QStringLiteral("domains"),
                                   QStringLiteral("mx"),   QStringLiteral("imap"), QStringLiteral("pop3"),
                                   QStringLiteral("smtp"), QStringLiteral("note"), QStringLiteral("help"),
                                   QStringLiteral("quirks")};
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!known.contains(it.key())) {
            *error = QStringLiteral("unknown field \"%1\"").arg(it.key());
            return std::nullopt;
        }
    }
    ProviderPreset p;
    p.id = object.value(QStringLiteral("id")).toString();
    if (p.id.isEmpty() || p.id != p.id.toLower() || p.id.contains(u' ')) {
        *error = QStringLiteral("\"id\" must be a non-empty lower-case word");
        return std::nullopt;
    }
    p.name = object.value(QStringLiteral("name")).toString();
    if (p.name.trimmed().isEmpty()) {
        *error = QStringLiteral("\"name\" is missing");
        return std::nullopt;
    }
    if (!readStringList(object, QStringLiteral("domains"), &p.domains, error)
        || !readStringList(object, QStringLiteral("mx"), &p.mxSuffixes, error))
        return std::nullopt;
    if (p.domains.isEmpty() && p.mxSuffixes.isEmpty()) {
        *error = QStringLiteral("neither \"domains\" nor \"mx\" can ever select this provider");
        return std::nullopt;
    }
    if (object.contains(QStringLiteral("imap"))) {
        p.imap = parseServer(object.value(QStringLiteral("imap")).toObject(), QStringLiteral("imap"), error);
        if (!p.imap)
            return std::nullopt;
    }
    if (object.contains(QStringLiteral("pop3"))) {
        p.pop3 = parseServer(object.value(QStringLiteral("pop3")).toObject(), QStringLiteral("pop3"), error);
        if (!p.pop3)
            return std::nullopt;
    }
    if (!p.imap && !p.pop3) {
        *error = QStringLiteral("no incoming server (imap or pop3)");
        return std::nullopt;
    }
    const auto smtp = parseServer(object.value(QStringLiteral("smtp")).toObject(), QStringLiteral("smtp"), error);
    if (!smtp)
        return std::nullopt;
    p.smtp = *smtp;
    p.note = object.value(QStringLiteral("note")).toString();
    if (p.note.trimmed().isEmpty()) {
        *error = QStringLiteral("\"note\" is missing: every provider tells the person what to do first");
        return std::nullopt;
    }
    p.helpUrl = object.value(QStringLiteral("help")).toString();
    if (!p.helpUrl.isEmpty()) {
        const QUrl url(p.helpUrl, QUrl::StrictMode);
        if (!url.isValid() || url.scheme() != u"https") {
            *error = QStringLiteral("\"help\" must be an https address");
            return std::nullopt;
        }
    }
    QString quirkError;
    const auto quirks = ServerQuirks::fromJson(object.value(QStringLiteral("quirks")).toObject(), &quirkError);
    if (!quirks) {
        *error = QStringLiteral("quirks: ") + quirkError;
        return std::nullopt;
    }
    p.quirks = *quirks;
    return p;
}

} // namespace

bool hostMatchesSuffix(const QString &host, const QString &suffix)
{
    QString h = host.toLower();
    if (h.endsWith(u'.'))
        h.chop(1);
    const QString s = suffix.toLower();
    return h == s || (h.size() > s.size() && h.endsWith(s) && h.at(h.size() - s.size() - 1) == u'.');
}

Endpoint ServerPreset::endpointFor(const QString &email) const
{
    return Endpoint{host, port, security, loginFor(email, login)};
}

AccountSettings ProviderPreset::settingsFor(const QString &email, IncomingProtocol protocol) const
{
    AccountSettings s;
    s.email = email.trimmed();
    s.name = s.email;
    s.providerId = id;
    s.quirks = quirks;
    const bool usePop = (protocol == IncomingProtocol::Pop3 && pop3) || !imap;
    s.incomingProtocol = usePop ? IncomingProtocol::Pop3 : IncomingProtocol::Imap;
    s.incoming = (usePop ? *pop3 : *imap).endpointFor(s.email);
    s.outgoing = smtp.endpointFor(s.email);
    if (quirks.minPollMinutes > s.checkIntervalMinutes)
        s.checkIntervalMinutes = quirks.minPollMinutes;
    return s;
}

QByteArray PresetCatalog::builtInJson()
{
    QFile file(QStringLiteral(":/tidings/account/presets/providers.json"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

const PresetCatalog &PresetCatalog::builtIn()
{
    static const PresetCatalog catalog = fromJson(builtInJson());
    return catalog;
}

PresetCatalog PresetCatalog::fromJson(const QByteArray &json, QStringList *errors)
{
    PresetCatalog catalog;
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (doc.isNull() || !doc.isObject()) {
        if (errors)
            *errors << QStringLiteral("presets: not a JSON object (%1)").arg(parseError.errorString());
        return catalog;
    }
    const QJsonObject root = doc.object();
    if (root.value(QStringLiteral("version")).toInt() != 1) {
        if (errors)
            *errors << QStringLiteral("presets: unknown version");
        return catalog;
    }
    QSet<QString> ids;
    QSet<QString> domains;
    const QJsonArray list = root.value(QStringLiteral("providers")).toArray();
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QJsonObject object = list.at(i).toObject();
        QString error;
        auto preset = parseProvider(object, &error);
        const QString label = object.value(QStringLiteral("id")).toString().isEmpty()
                                  ? QStringLiteral("entry %1").arg(i)
                                  : object.value(QStringLiteral("id")).toString();
        if (preset && ids.contains(preset->id))
            error = QStringLiteral("the id is used twice"), preset.reset();
        if (preset) {
            for (const QString &domain : std::as_const(preset->domains)) {
                if (domains.contains(domain)) {
                    error = QStringLiteral("domain %1 belongs to two providers").arg(domain);
                    preset.reset();
                    break;
                }
            }
        }
        if (!preset) {
            if (errors)
                *errors << label + QStringLiteral(": ") + error;
            continue;
        }
        ids.insert(preset->id);
        for (const QString &domain : std::as_const(preset->domains))
            domains.insert(domain);
        catalog.m_providers.append(*preset);
    }
    return catalog;
}

const ProviderPreset *PresetCatalog::forDomain(const QString &domain) const
{
    const QString d = domain.trimmed().toLower();
    for (const ProviderPreset &p : m_providers) {
        if (p.domains.contains(d))
            return &p;
    }
    return nullptr;
}

const ProviderPreset *PresetCatalog::forMxHost(const QString &mxHost) const
{
    // The longest matching suffix wins, so "mail.protection.outlook.com" is not taken for a
    // shorter, unrelated suffix.
    const ProviderPreset *best = nullptr;
    qsizetype bestLength = 0;
    for (const ProviderPreset &p : m_providers) {
        for (const QString &suffix : p.mxSuffixes) {
            if (hostMatchesSuffix(mxHost, suffix) && suffix.size() > bestLength) {
                best = &p;
                bestLength = suffix.size();
            }
        }
    }
    return best;
}

const ProviderPreset *PresetCatalog::byId(const QString &id) const
{
    for (const ProviderPreset &p : m_providers) {
        if (p.id == id)
            return &p;
    }
    return nullptr;
}

} // namespace Tidings::Account
