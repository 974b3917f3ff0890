// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/account/autoconfigxml.h"

#include <QXmlStreamReader>

#include <algorithm>

namespace Tidings::Account {

namespace {

Error parseError(const QString &detail)
{
    return Error::make(Error::Kind::Protocol, QStringLiteral("autoconfig document refused: ") + detail);
}

struct RawServer {
    AutoconfigServer::Type type = AutoconfigServer::Type::Imap;
    QString hostname;
    QString port;
    QString socketType;
    QString username;
    QStringList authentication;
};

bool isHostName(const QString &host)
{
    if (host.isEmpty() || host.size() > 253)
        return false;
    for (QChar c : host) {
        if (!(c.isLetterOrNumber() || c == u'.' || c == u'-' || c == u':'))
            return false;
    }
    return true;
}

/// Reads the element's text; refuses nested elements and overlong text.
std::variant<QString, Error> readText(QXmlStreamReader &reader, qsizetype maxLength)
{
    QString text;
    while (!reader.atEnd()) {
        switch (reader.readNext()) {
        case QXmlStreamReader::Characters:
            text += reader.text();
            if (text.size() > maxLength)
                return parseError(QStringLiteral("text longer than %1 characters").arg(maxLength));
            break;
        case QXmlStreamReader::EndElement:
            return text.trimmed();
        case QXmlStreamReader::StartElement:
            return parseError(QStringLiteral("element <%1> inside a text field").arg(reader.name()));
        case QXmlStreamReader::EntityReference:
        case QXmlStreamReader::DTD:
            return parseError(QStringLiteral("entities are not allowed"));
        default:
            break;
        }
    }
    return parseError(reader.errorString());
}

} // namespace

std::variant<AutoconfigResult, Error> parseAutoconfig(QByteArrayView xml, const QString &email, bool allowPlaintext,
                                                      const AutoconfigLimits &limits)
{
    if (xml.size() > limits.maxBytes)
        return parseError(QStringLiteral("larger than %1 bytes").arg(limits.maxBytes));
    const auto address = splitAddress(email);
    if (!address)
        return Error::make(Error::Kind::Config, QStringLiteral("\"%1\" is not an e-mail address").arg(email));

    QXmlStreamReader reader(xml.toByteArray());
    // Qt never resolves external entities; internal ones live in a DTD, which is refused below.
    AutoconfigResult result;
    QList<RawServer> servers;
    std::optional<RawServer> current;
    bool sawClientConfig = false;
    bool inProvider = false;
    bool inEnable = false;
    int depth = 0;
    int serverCount = 0;

    while (!reader.atEnd()) {
        const QXmlStreamReader::TokenType token = reader.readNext();
        switch (token) {
        case QXmlStreamReader::DTD:
        case QXmlStreamReader::EntityReference:
            return parseError(QStringLiteral("a DTD or entity reference is not allowed"));
        case QXmlStreamReader::ProcessingInstruction:
        case QXmlStreamReader::Comment:
        case QXmlStreamReader::StartDocument:
        case QXmlStreamReader::EndDocument:
        case QXmlStreamReader::Characters:
        case QXmlStreamReader::NoToken:
        case QXmlStreamReader::Invalid:
            break;
        case QXmlStreamReader::EndElement: {
            --depth;
            const auto name = reader.name();
            if (name == u"incomingServer" || name == u"outgoingServer") {
                if (current)
                    servers.append(*current);
                current.reset();
            } else if (name == u"emailProvider") {
                inProvider = false;
            } else if (name == u"enable") {
                inEnable = false;
            }
            break;
        }
        case QXmlStreamReader::StartElement: {
            if (++depth > limits.maxDepth)
                return parseError(QStringLiteral("nested deeper than %1").arg(limits.maxDepth));
            const auto name = reader.name();
            if (depth == 1) {
                if (name != u"clientConfig")
                    return parseError(QStringLiteral("the root element is <%1>, not <clientConfig>").arg(name));
                sawClientConfig = true;
                const auto version = reader.attributes().value(QStringLiteral("version"));
                if (!version.isEmpty() && version != u"1.1")
                    result.warnings << QStringLiteral("clientConfig version %1 read as 1.1").arg(version);
                break;
            }
            if (depth == 2 && name == u"emailProvider") {
                if (!result.providerId.isEmpty() || !servers.isEmpty()) {
                    // Only the first provider counts; the rest is skipped.
                    reader.skipCurrentElement();
                    --depth;
                    break;
                }
                inProvider = true;
                result.providerId = reader.attributes().value(QStringLiteral("id")).toString().left(limits.maxTextLength);
                break;
            }
            if (name == u"enable" && (depth == 2 || (depth == 3 && inProvider))) {
                inEnable = true;
                result.instructionUrl =
                    reader.attributes().value(QStringLiteral("visiturl")).toString().left(limits.maxTextLength);
                break;
            }
            if (inEnable && name == u"instruction") {
                const bool localised = reader.attributes().hasAttribute(QStringLiteral("lang"));
                auto text = readText(reader, limits.maxTextLength);
                --depth;
                if (auto *e = std::get_if<Error>(&text))
                    return *e;
                if (result.instruction.isEmpty() || !localised)
                    result.instruction = std::get<QString>(text);
                break;
            }
            if (inProvider && depth == 3 && (name == u"incomingServer" || name == u"outgoingServer")) {
                if (++serverCount > limits.maxServers)
                    return parseError(QStringLiteral("more than %1 servers").arg(limits.maxServers));
                const auto type = reader.attributes().value(QStringLiteral("type"));
                RawServer server;
                if (name == u"outgoingServer" && type == u"smtp")
                    server.type = AutoconfigServer::Type::Smtp;
                else if (name == u"incomingServer" && type == u"imap")
                    server.type = AutoconfigServer::Type::Imap;
                else if (name == u"incomingServer" && type == u"pop3")
                    server.type = AutoconfigServer::Type::Pop3;
                else {
                    // exchange, ews, jmap, ...: not ours.
                    reader.skipCurrentElement();
                    --depth;
                    break;
                }
                current = server;
                break;
            }
            if (inProvider && depth == 3 && (name == u"domain" || name == u"displayName")) {
                auto text = readText(reader, limits.maxTextLength);
                --depth;
                if (auto *e = std::get_if<Error>(&text))
                    return *e;
                if (name == u"domain") {
                    if (result.domains.size() < 256)
                        result.domains << std::get<QString>(text).toLower();
                } else {
                    result.displayName = std::get<QString>(text);
                }
                break;
            }
            if (current && depth == 4) {
                auto text = readText(reader, limits.maxTextLength);
                --depth;
                if (auto *e = std::get_if<Error>(&text))
                    return *e;
                const QString value = std::get<QString>(text);
                if (name == u"hostname")
                    current->hostname = value;
                else if (name == u"port")
                    current->port = value;
                else if (name == u"socketType")
                    current->socketType = value;
                else if (name == u"username")
                    current->username = value;
                else if (name == u"authentication" && current->authentication.size() < 8)
                    current->authentication << value;
                break;
            }
            // Anything else (documentation, webMail, oAuth2, pop3 options, ...) is skipped whole.
            reader.skipCurrentElement();
            --depth;
            break;
        }
        }
    }
    if (reader.hasError())
        return parseError(QStringLiteral("not well-formed XML at line %1: %2")
                              .arg(reader.lineNumber())
                              .arg(reader.errorString()));
    if (!sawClientConfig)
        return parseError(QStringLiteral("no <clientConfig> element"));

    const QString fullAddress = email.trimmed();
    const QString domain = address->second;
    auto expand = [&](QString text) {
        text.replace(QLatin1String("%EMAILADDRESS%"), fullAddress);
        text.replace(QLatin1String("%EMAILLOCALPART%"), address->first);
        text.replace(QLatin1String("%EMAILDOMAIN%"), domain);
        return text;
    };

    QList<AutoconfigServer> all;
    for (const RawServer &raw : std::as_const(servers)) {
        AutoconfigServer server;
        server.type = raw.type;
        server.authentication = raw.authentication;
        const QString host = expand(raw.hostname).toLower();
        bool portOk = false;
        const uint port = raw.port.toUInt(&portOk);
        if (!isHostName(host) || !portOk || port == 0 || port > 65535) {
            result.warnings << QStringLiteral("a server with host \"%1\" and port \"%2\" was ignored")
                                   .arg(host.left(80), raw.port.left(10));
            continue;
        }
        if (raw.authentication.contains(QStringLiteral("OAuth2")) && raw.authentication.size() == 1) {
            result.warnings << QStringLiteral("%1:%2 accepts only OAuth2 sign-in, which Tidings cannot use yet")
                                   .arg(host)
                                   .arg(port);
            continue;
        }
        const QString socketType = raw.socketType.toUpper();
        Security security;
        if (socketType == u"SSL" || socketType == u"TLS")
            security = Security::ImplicitTls;
        else if (socketType == u"STARTTLS")
            security = Security::StartTls;
        else if (socketType == u"PLAIN")
            security = Security::None;
        else {
            result.warnings << QStringLiteral("%1:%2 has an unknown socketType \"%3\" and was ignored")
                                   .arg(host)
                                   .arg(port)
                                   .arg(raw.socketType.left(20));
            continue;
        }
        // The document may not choose who we log in as: only the address or its local part.
        QString login;
        if (raw.username == u"%EMAILLOCALPART%") {
            login = address->first;
        } else {
            login = fullAddress;
            if (raw.username != u"%EMAILADDRESS%")
                result.warnings << QStringLiteral("%1:%2 asked for the login \"%3\"; the address is used instead")
                                       .arg(host)
                                       .arg(port)
                                       .arg(raw.username.left(80));
        }
        server.endpoint = Endpoint{host, quint16(port), security, login};
        all.append(server);
    }

    // A TLS setting always wins over a plaintext one: plaintext is dropped when the same
    // protocol has any TLS server, and dropped anyway unless the person allowed it.
    auto hasTls = [&](AutoconfigServer::Type type) {
        return std::any_of(all.cbegin(), all.cend(), [&](const AutoconfigServer &s) {
            return s.type == type && s.endpoint.security != Security::None;
        });
    };
    for (const AutoconfigServer &server : std::as_const(all)) {
        if (server.endpoint.security == Security::None && (hasTls(server.type) || !allowPlaintext)) {
            result.warnings << QStringLiteral("plaintext server %1 was ignored").arg(server.endpoint.describe());
            continue;
        }
        (server.type == AutoconfigServer::Type::Smtp ? result.outgoing : result.incoming).append(server);
    }
    // Stable: keep the document's preference within each security level, TLS levels first.
    auto rank = [](const AutoconfigServer &s) { return s.endpoint.security == Security::None ? 1 : 0; };
    std::stable_sort(result.incoming.begin(), result.incoming.end(),
                     [&](const auto &a, const auto &b) { return rank(a) < rank(b); });
    std::stable_sort(result.outgoing.begin(), result.outgoing.end(),
                     [&](const auto &a, const auto &b) { return rank(a) < rank(b); });
    return result;
}

} // namespace Tidings::Account
