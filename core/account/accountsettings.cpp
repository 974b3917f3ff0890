// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/account/accountsettings.h"

#include <QJsonValue>

namespace Tidings::Account {

namespace {

void setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
}

bool readPort(const QJsonObject &object, const char *key, quint16 *port, QString *error)
{
    const QJsonValue value = object.value(QLatin1String(key));
    const double number = value.toDouble(-1);
    if (!value.isDouble() || number < 1 || number > 65535 || number != double(int(number))) {
        setError(error, QStringLiteral("\"%1\" must be a port number from 1 to 65535").arg(QLatin1String(key)));
        return false;
    }
    *port = quint16(number);
    return true;
}

bool readNonNegative(const QJsonObject &object, const char *key, int *out, QString *error)
{
    const QJsonValue value = object.value(QLatin1String(key));
    if (value.isUndefined())
        return true;
    const double number = value.toDouble(-1);
    if (!value.isDouble() || number < 0 || number > 100000 || number != double(int(number))) {
        setError(error, QStringLiteral("\"%1\" must be a whole number from 0").arg(QLatin1String(key)));
        return false;
    }
    *out = int(number);
    return true;
}

bool readBool(const QJsonObject &object, const char *key, bool *out, QString *error)
{
    const QJsonValue value = object.value(QLatin1String(key));
    if (value.isUndefined())
        return true;
    if (!value.isBool()) {
        setError(error, QStringLiteral("\"%1\" must be true or false").arg(QLatin1String(key)));
        return false;
    }
    *out = value.toBool();
    return true;
}

} // namespace

QString protocolName(IncomingProtocol protocol)
{
    return protocol == IncomingProtocol::Imap ? QStringLiteral("imap") : QStringLiteral("pop3");
}

std::optional<IncomingProtocol> protocolFromName(const QString &name)
{
    const QString n = name.trimmed().toLower();
    if (n == u"imap")
        return IncomingProtocol::Imap;
    if (n == u"pop3" || n == u"pop")
        return IncomingProtocol::Pop3;
    return std::nullopt;
}

QString loginFormName(LoginForm form)
{
    return form == LoginForm::FullAddress ? QStringLiteral("address") : QStringLiteral("localpart");
}

std::optional<LoginForm> loginFormFromName(const QString &name)
{
    if (name == u"address")
        return LoginForm::FullAddress;
    if (name == u"localpart")
        return LoginForm::LocalPart;
    return std::nullopt;
}

std::optional<std::pair<QString, QString>> splitAddress(const QString &email)
{
    const QString trimmed = email.trimmed();
    const qsizetype at = trimmed.lastIndexOf(u'@');
    if (at <= 0 || at == trimmed.size() - 1)
        return std::nullopt;
    const QString local = trimmed.left(at);
    const QString domain = trimmed.mid(at + 1).toLower();
    if (domain.startsWith(u'.') || domain.endsWith(u'.') || domain.contains(QLatin1String(".."))
        || !domain.contains(u'.'))
        return std::nullopt;
    for (QChar c : domain) {
        if (!(c.isLetterOrNumber() || c == u'.' || c == u'-'))
            return std::nullopt;
    }
    for (QChar c : local) {
        if (c.isSpace() || c.unicode() < 0x20)
            return std::nullopt;
    }
    return std::make_pair(local, domain);
}

QString loginFor(const QString &email, LoginForm form)
{
    if (form == LoginForm::FullAddress)
        return email.trimmed();
    const auto parts = splitAddress(email);
    return parts ? parts->first : email.trimmed();
}

QString Endpoint::describe() const
{
    return host + u':' + QString::number(port) + QStringLiteral(" (") + securityName(security) + u')';
}

QJsonObject Endpoint::toJson() const
{
    return QJsonObject{
        {QStringLiteral("host"), host},
        {QStringLiteral("port"), int(port)},
        {QStringLiteral("security"), securityName(security)},
        {QStringLiteral("login"), login},
    };
}

std::optional<Endpoint> Endpoint::fromJson(const QJsonObject &object, QString *error)
{
    Endpoint endpoint;
    endpoint.host = object.value(QStringLiteral("host")).toString().trimmed();
    if (endpoint.host.isEmpty()) {
        setError(error, QStringLiteral("\"host\" is missing"));
        return std::nullopt;
    }
    if (!readPort(object, "port", &endpoint.port, error))
        return std::nullopt;
    const auto security = securityFromName(object.value(QStringLiteral("security")).toString());
    if (!security) {
        setError(error, QStringLiteral("\"security\" must be tls, starttls or none"));
        return std::nullopt;
    }
    endpoint.security = *security;
    endpoint.login = object.value(QStringLiteral("login")).toString();
    return endpoint;
}

QJsonObject ServerQuirks::toJson() const
{
    QJsonObject object;
    if (noIdle)
        object.insert(QStringLiteral("noIdle"), true);
    if (noCondstore)
        object.insert(QStringLiteral("noCondstore"), true);
    if (serverSavesSent)
        object.insert(QStringLiteral("serverSavesSent"), true);
    if (maxConnections)
        object.insert(QStringLiteral("maxConnections"), maxConnections);
    if (minPollMinutes)
        object.insert(QStringLiteral("minPollMinutes"), minPollMinutes);
    return object;
}

std::optional<ServerQuirks> ServerQuirks::fromJson(const QJsonObject &object, QString *error)
{
    static const QStringList known{QStringLiteral("noIdle"), QStringLiteral("noCondstore"),
                                   QStringLiteral("serverSavesSent"), QStringLiteral("maxConnections"),
                                   QStringLiteral("minPollMinutes")};
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!known.contains(it.key())) {
            setError(error, QStringLiteral("unknown quirk \"%1\"").arg(it.key()));
            return std::nullopt;
        }
    }
    ServerQuirks quirks;
    if (!readBool(object, "noIdle", &quirks.noIdle, error) || !readBool(object, "noCondstore", &quirks.noCondstore, error)
        || !readBool(object, "serverSavesSent", &quirks.serverSavesSent, error)
        || !readNonNegative(object, "maxConnections", &quirks.maxConnections, error)
        || !readNonNegative(object, "minPollMinutes", &quirks.minPollMinutes, error))
        return std::nullopt;
    return quirks;
}

QStringList AccountSettings::validate() const
{
    QStringList problems;
    if (id.isEmpty())
        problems << QStringLiteral("the account has no id");
    if (!splitAddress(email))
        problems << QStringLiteral("\"%1\" is not an e-mail address").arg(email);
    if (!incoming.isValid())
        problems << QStringLiteral("the incoming server is not set");
    if (!outgoing.isValid())
        problems << QStringLiteral("the outgoing server is not set");
    if (incoming.login.isEmpty())
        problems << QStringLiteral("the incoming login name is empty");
    return problems;
}

QJsonObject AccountSettings::toJson() const
{
    QJsonObject object{
        {QStringLiteral("version"), 1},
        {QStringLiteral("id"), id},
        {QStringLiteral("name"), name},
        {QStringLiteral("email"), email},
        {QStringLiteral("displayName"), displayName},
        {QStringLiteral("incomingProtocol"), protocolName(incomingProtocol)},
        {QStringLiteral("incoming"), incoming.toJson()},
        {QStringLiteral("outgoing"), outgoing.toJson()},
        {QStringLiteral("leaveOnServer"), leaveOnServer},
        {QStringLiteral("leaveOnServerDays"), leaveOnServerDays},
        {QStringLiteral("checkIntervalMinutes"), checkIntervalMinutes},
    };
    if (!providerId.isEmpty())
        object.insert(QStringLiteral("providerId"), providerId);
    if (!quirks.isEmpty())
        object.insert(QStringLiteral("quirks"), quirks.toJson());
    if (!caFile.isEmpty())
        object.insert(QStringLiteral("caFile"), caFile);
    return object;
}

std::optional<AccountSettings> AccountSettings::fromJson(const QJsonObject &object, QString *error)
{
    if (object.value(QStringLiteral("version")).toInt(1) != 1) {
        setError(error, QStringLiteral("account settings of an unknown version"));
        return std::nullopt;
    }
    AccountSettings s;
    s.id = object.value(QStringLiteral("id")).toString();
    s.name = object.value(QStringLiteral("name")).toString();
    s.email = object.value(QStringLiteral("email")).toString();
    s.displayName = object.value(QStringLiteral("displayName")).toString();
    s.providerId = object.value(QStringLiteral("providerId")).toString();
    s.caFile = object.value(QStringLiteral("caFile")).toString();
    const auto protocol = protocolFromName(object.value(QStringLiteral("incomingProtocol")).toString());
    if (!protocol) {
        setError(error, QStringLiteral("\"incomingProtocol\" must be imap or pop3"));
        return std::nullopt;
    }
    s.incomingProtocol = *protocol;
    QString inner;
    const auto incoming = Endpoint::fromJson(object.value(QStringLiteral("incoming")).toObject(), &inner);
    if (!incoming) {
        setError(error, QStringLiteral("incoming: ") + inner);
        return std::nullopt;
    }
    s.incoming = *incoming;
    const auto outgoing = Endpoint::fromJson(object.value(QStringLiteral("outgoing")).toObject(), &inner);
    if (!outgoing) {
        setError(error, QStringLiteral("outgoing: ") + inner);
        return std::nullopt;
    }
    s.outgoing = *outgoing;
    const auto quirks = ServerQuirks::fromJson(object.value(QStringLiteral("quirks")).toObject(), &inner);
    if (!quirks) {
        setError(error, QStringLiteral("quirks: ") + inner);
        return std::nullopt;
    }
    s.quirks = *quirks;
    if (!readBool(object, "leaveOnServer", &s.leaveOnServer, error)
        || !readNonNegative(object, "leaveOnServerDays", &s.leaveOnServerDays, error)
        || !readNonNegative(object, "checkIntervalMinutes", &s.checkIntervalMinutes, error))
        return std::nullopt;
    return s;
}

} // namespace Tidings::Account
