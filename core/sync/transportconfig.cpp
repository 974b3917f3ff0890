// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/sync/transportconfig.h"

#include "core/imap/utf7.h"
#include "core/store/certificatepinstore.h"
#include "core/store/folderstore.h"

#include <QFile>
#include <QSslCertificate>

namespace Tidings::Sync {

TlsPolicy TransportConfig::tlsPolicy(Store::Database &db, const QJsonObject &settings, const QString &host,
                                     quint16 port)
{
    TlsPolicy policy;
    const QString caFile = settings.value(QStringLiteral("caFile")).toString();
    if (!caFile.isEmpty())
        policy.extraCaCertificates = QSslCertificate::fromPath(caFile, QSsl::Pem);
    Store::Result<QList<QByteArray>> pins = Store::CertificatePinStore(db).pins(host, port);
    if (pins)
        policy.pinnedSha256 = *pins;
    return policy;
}

Pop3::Settings TransportConfig::pop3(Store::Database &db, const QJsonObject &settings,
                                     const Account::AccountSettings &account, const QString &password)
{
    Pop3::Settings s;
    s.host = account.incoming.host;
    s.port = account.incoming.port;
    s.security = account.incoming.security;
    s.tls = tlsPolicy(db, settings, s.host, s.port);
    s.username = account.incoming.login.isEmpty() ? account.email : account.incoming.login;
    s.password = password;
    return s;
}

Pop3PollOptions TransportConfig::pop3Options(const QJsonObject &settings, const Account::AccountSettings &account)
{
    Pop3PollOptions o;
    o.leaveOnServer = account.leaveOnServer;
    o.deleteAfterDays = account.leaveOnServerDays;
    o.deleteWhenDeletedHere = settings.value(QStringLiteral("pop3DeleteWhenDeletedHere")).toBool(false);
    o.markRead = settings.value(QStringLiteral("pop3MarkRead")).toBool(false);
    if (account.checkIntervalMinutes > 0)
        o.interval = std::chrono::minutes(account.checkIntervalMinutes);
    return o;
}

OutboxAccount TransportConfig::outbox(Store::Database &db, qint64 accountId, const QJsonObject &settings,
                                      const Account::AccountSettings &account, const QString &incomingPassword,
                                      const QString &outgoingPassword)
{
    OutboxAccount o;
    o.accountId = accountId;
    o.smtp.host = account.outgoing.host;
    o.smtp.port = account.outgoing.port;
    o.smtp.security = account.outgoing.security;
    o.smtp.tls = tlsPolicy(db, settings, o.smtp.host, o.smtp.port);
    o.smtp.username = account.outgoing.login.isEmpty() ? account.email : account.outgoing.login;
    o.smtp.password = outgoingPassword;
    if (account.incomingProtocol == Account::IncomingProtocol::Pop3) {
        o.sentCopy = SentCopyMode::LocalFolder;
        return o;
    }
    if (account.quirks.serverSavesSent) {
        o.sentCopy = SentCopyMode::ServerFiles;
        return o;
    }
    o.sentCopy = SentCopyMode::ImapAppend;
    o.imap.host = account.incoming.host;
    o.imap.port = account.incoming.port;
    o.imap.security = account.incoming.security;
    o.imap.tls = tlsPolicy(db, settings, o.imap.host, o.imap.port);
    o.imap.username = account.incoming.login.isEmpty() ? account.email : account.incoming.login;
    o.imap.credentials = Imap::staticPassword(incomingPassword);
    // The folder the IMAP sync found with \Sent (RFC 6154), else "Sent".
    Store::Result<QList<Store::Folder>> folders = Store::FolderStore(db).list(accountId);
    if (folders) {
        for (const Store::Folder &f : *folders) {
            if (f.specialUse.compare(QStringLiteral("\\Sent"), Qt::CaseInsensitive) == 0) {
                o.sentMailbox = Imap::decodeModifiedUtf7(f.name);
                break;
            }
        }
    }
    return o;
}

} // namespace Tidings::Sync
