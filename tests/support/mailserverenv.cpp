// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "tests/support/mailserverenv.h"

#include <QAtomicInt>
#include <QCoreApplication>
#include <QFile>
#include <QHash>
#include <QProcess>
#include <QTemporaryFile>

namespace Tidings::Test {

namespace {

void setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
}

} // namespace

std::optional<MailServerEnv> MailServerEnv::load(QString *error)
{
    const QString path = qEnvironmentVariable("TIDINGS_MAILSERVER_ENV");
    if (path.isEmpty()) {
        setError(error, QStringLiteral("TIDINGS_MAILSERVER_ENV is not set: run this test through ctest, "
                                       "which starts the harness mail server"));
        return std::nullopt;
    }
    return loadFile(path, error);
}

std::optional<MailServerEnv> MailServerEnv::loadFile(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        setError(error, QStringLiteral("cannot read the mail server env file %1").arg(path));
        return std::nullopt;
    }
    QHash<QString, QString> values;
    while (!file.atEnd()) {
        const QString line = QString::fromUtf8(file.readLine()).trimmed();
        if (line.isEmpty() || line.startsWith(u'#'))
            continue;
        const qsizetype eq = line.indexOf(u'=');
        if (eq <= 0)
            continue;
        QString value = line.mid(eq + 1);
        if (value.size() >= 2 && ((value.startsWith(u'"') && value.endsWith(u'"'))
                                  || (value.startsWith(u'\'') && value.endsWith(u'\''))))
            value = value.mid(1, value.size() - 2);
        values.insert(line.left(eq), value);
    }
    MailServerEnv env;
    env.dir = values.value(QStringLiteral("DIR"));
    env.host = values.value(QStringLiteral("HOST"), QStringLiteral("127.0.0.1"));
    env.imapPort = values.value(QStringLiteral("IMAP_PORT")).toUShort();
    env.imapsPort = values.value(QStringLiteral("IMAPS_PORT")).toUShort();
    env.pop3Port = values.value(QStringLiteral("POP3_PORT")).toUShort();
    env.pop3sPort = values.value(QStringLiteral("POP3S_PORT")).toUShort();
    env.smtpPort = values.value(QStringLiteral("SMTP_PORT")).toUShort();
    env.smtpsPort = values.value(QStringLiteral("SMTPS_PORT")).toUShort();
    env.caFile = values.value(QStringLiteral("CA_FILE"));
    env.untrustedCert = values.value(QStringLiteral("UNTRUSTED_CERT"));
    env.untrustedKey = values.value(QStringLiteral("UNTRUSTED_KEY"));
    env.mailDomain = values.value(QStringLiteral("MAIL_DOMAIN"), QStringLiteral("tidings.test"));
    const int count = values.value(QStringLiteral("USER_COUNT")).toInt();
    for (int i = 1; i <= count; ++i) {
        env.users.append(MailUser{values.value(QStringLiteral("USER_%1").arg(i)),
                                  values.value(QStringLiteral("PASSWORD_%1").arg(i))});
    }
    if (env.imapsPort == 0 || env.caFile.isEmpty() || env.users.isEmpty()) {
        setError(error, QStringLiteral("the mail server env file %1 is incomplete").arg(path));
        return std::nullopt;
    }
    return env;
}

QList<QSslCertificate> MailServerEnv::caCertificates() const
{
    return QSslCertificate::fromPath(caFile, QSsl::Pem);
}

int MailServerEnv::runTool(const QStringList &args, QByteArray *output)
{
    const QString tool = qEnvironmentVariable("TIDINGS_SOURCE_DIR") + QStringLiteral("/tools/mailserver");
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(tool, args);
    if (!process.waitForStarted(10000))
        return -1;
    process.closeWriteChannel();
    process.waitForFinished(120000);
    if (output)
        *output = process.readAll();
    return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
}

std::optional<MailUser> MailServerEnv::createUser(const QString &prefix, QString *error) const
{
    static QAtomicInt counter;
    const int n = counter.fetchAndAddRelaxed(1);
    MailUser user;
    user.address = QStringLiteral("%1-%2-%3@%4")
                       .arg(prefix)
                       .arg(QCoreApplication::applicationPid())
                       .arg(n)
                       .arg(mailDomain);
    user.password = QStringLiteral("pw-%1-%2-secret").arg(QCoreApplication::applicationPid()).arg(n);
    QByteArray output;
    if (runTool({QStringLiteral("adduser"), dir, user.address, user.password}, &output) != 0) {
        setError(error, QStringLiteral("tools/mailserver adduser failed: ") + QString::fromUtf8(output));
        return std::nullopt;
    }
    return user;
}

bool MailServerEnv::deliver(const MailUser &user, const QByteArray &raw, QString *error) const
{
    QTemporaryFile file;
    if (!file.open()) {
        setError(error, QStringLiteral("cannot create a temporary file"));
        return false;
    }
    file.write(raw);
    file.flush();
    QByteArray output;
    if (runTool({QStringLiteral("deliver"), dir, user.address, file.fileName()}, &output) != 0) {
        setError(error, QStringLiteral("tools/mailserver deliver failed: ") + QString::fromUtf8(output));
        return false;
    }
    return true;
}

} // namespace Tidings::Test
