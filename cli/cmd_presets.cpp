// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// tidings-cli presets [--json]: the built-in provider presets.
#include "cli/command.h"
#include "core/account/providerpresets.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace {

using namespace Tidings;
using namespace Tidings::Account;

QJsonValue serverJson(const std::optional<ServerPreset> &server)
{
    if (!server)
        return QJsonValue::Null;
    return QJsonObject{{QStringLiteral("host"), server->host},
                       {QStringLiteral("port"), int(server->port)},
                       {QStringLiteral("security"), securityName(server->security)},
                       {QStringLiteral("login"), loginFormName(server->login)}};
}

QString serverText(const std::optional<ServerPreset> &server)
{
    if (!server)
        return QStringLiteral("-");
    return server->host + u':' + QString::number(server->port) + u' ' + securityName(server->security);
}

int presetsCommand(Cli::Context &context)
{
    bool json = false;
    for (const QString &arg : std::as_const(context.args)) {
        if (arg == u"--json") {
            json = true;
        } else {
            context.err << "tidings-cli presets: unknown argument " << arg << Qt::endl;
            return 2;
        }
    }
    const QList<ProviderPreset> &providers = PresetCatalog::builtIn().providers();
    if (providers.isEmpty()) {
        context.err << "tidings-cli presets: the built-in presets could not be read" << Qt::endl;
        return 1;
    }
    if (json) {
        QJsonArray list;
        for (const ProviderPreset &p : providers) {
            list.append(QJsonObject{
                {QStringLiteral("id"), p.id},
                {QStringLiteral("name"), p.name},
                {QStringLiteral("domains"), QJsonArray::fromStringList(p.domains)},
                {QStringLiteral("mx"), QJsonArray::fromStringList(p.mxSuffixes)},
                {QStringLiteral("imap"), serverJson(p.imap)},
                {QStringLiteral("pop3"), serverJson(p.pop3)},
                {QStringLiteral("smtp"), serverJson(p.smtp)},
                {QStringLiteral("note"), p.note},
                {QStringLiteral("help"), p.helpUrl},
                {QStringLiteral("quirks"), p.quirks.toJson()},
            });
        }
        context.out << QString::fromUtf8(QJsonDocument(list).toJson(QJsonDocument::Indented));
        return 0;
    }
    for (const ProviderPreset &p : providers) {
        context.out << p.name << " (" << p.id << ")\n";
        QStringList domains = p.domains;
        if (domains.size() > 8)
            domains = domains.mid(0, 8) << QStringLiteral("… %1 more").arg(p.domains.size() - 8);
        if (!domains.isEmpty())
            context.out << "  domains: " << domains.join(QStringLiteral(", ")) << "\n";
        if (!p.mxSuffixes.isEmpty())
            context.out << "  hosted (MX): " << p.mxSuffixes.join(QStringLiteral(", ")) << "\n";
        context.out << "  IMAP " << serverText(p.imap) << " | POP3 " << serverText(p.pop3) << " | SMTP "
                    << serverText(p.smtp) << "\n";
        context.out << "  note: " << p.note << "\n";
    }
    return 0;
}

} // namespace

TIDINGS_CLI_COMMAND("presets", "presets [--json]", "list the built-in mail provider presets", &presetsCommand);
