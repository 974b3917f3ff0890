// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// tidings-cli account add with explicit server flags (no discovery), and account list.
// Documented in docs/cli.md.
#include "cli/cmd_account_manual.h"

#include "core/account/accountsettings.h"
#include "core/account/connectiontest.h"
#include "core/account/credentialstore.h"
#include "core/store/accountstore.h"
#include "core/store/certificatepinstore.h"
#include "core/store/database.h"

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

namespace Tidings::Cli {

namespace {

using namespace Tidings::Account;

constexpr const char *manualUsage =
    "usage: tidings-cli account add --name NAME --email ADDR\n"
    "         (--imap HOST:PORT --imap-security tls|starttls [--offline-days N]\n"
    "          | --pop3 HOST:PORT --pop3-security tls|starttls [--leave-on-server yes|no] "
    "[--delete-after-days N])\n"
    "         --user USER --password-stdin [--smtp HOST:PORT --smtp-security tls|starttls] [--ca-file PEM]\n"
    "         [--no-keychain]";

int fail(Context &c, const QString &message)
{
    c.err << "tidings-cli account add: " << message << Qt::endl;
    return 1;
}

/// "host:port" with a port in 1..65535; nullopt otherwise.
std::optional<std::pair<QString, quint16>> hostPort(const QString &text)
{
    const qsizetype colon = text.lastIndexOf(u':');
    if (colon <= 0)
        return std::nullopt;
    bool ok = false;
    const uint port = text.mid(colon + 1).toUInt(&ok);
    if (!ok || port == 0 || port > 65535)
        return std::nullopt;
    QString host = text.left(colon);
    if (host.startsWith(u'[') && host.endsWith(u']')) // [::1]:993
        host = host.mid(1, host.size() - 2);
    return std::make_pair(host, quint16(port));
}

/// The encrypted modes only: a plaintext login is never something a flag typo should produce.
std::optional<Security> encryptedSecurity(const QString &name)
{
    const auto security = securityFromName(name);
    if (!security || *security == Security::None)
        return std::nullopt;
    return security;
}

QString readPasswordLine()
{
    QFile in;
    if (!in.open(stdin, QIODevice::ReadOnly))
        return {};
    QByteArray line = in.readLine();
    while (line.endsWith('\n') || line.endsWith('\r'))
        line.chop(1);
    return QString::fromUtf8(line);
}

/// Read-only view of the profile's pins: certificates the person trusted with `account trust`.
class ProfilePins final : public CertificatePins
{
public:
    explicit ProfilePins(Store::Database &db)
        : m_store(db)
    {}
    [[nodiscard]] QList<QByteArray> pins(const QString &host, quint16 port) const override
    {
        auto result = m_store.pins(host.toLower(), port);
        return result.ok() ? result.value() : QList<QByteArray>{};
    }
    Error addPin(const QString &host, quint16 port, const QByteArray &sha256) override
    {
        return m_store.add(host.toLower(), port, sha256);
    }

private:
    mutable Store::CertificatePinStore m_store;
};

bool isIncoming(const TestStep &step)
{
    return step.kind == TestStep::Kind::IncomingLogin || step.kind == TestStep::Kind::IncomingList;
}

/// One sentence for stderr: the diagnosis when there is one, else the technical detail.
QString plainReason(const TestStep &step)
{
    QString text = step.diagnosis.explanation.isEmpty() ? step.detail : step.diagnosis.explanation;
    if (!step.diagnosis.fix.isEmpty())
        text += QStringLiteral(" Try: ") + step.diagnosis.fix;
    if (!step.diagnosis.serverText.isEmpty())
        text += QStringLiteral(" (the server said: ") + step.diagnosis.serverText + u')';
    return text.simplified();
}

/// Writes the account's incoming and outgoing secrets; false (after a warning) when no
/// keychain answered and the password therefore lives only in this process.
bool storeInKeychain(Context &c, const QString &profileId, const QString &accountId, const QString &password)
{
    CredentialStore store;
    bool unavailable = false;
    QObject::connect(&store, &CredentialStore::keychainUnavailable, &store, [&](const QString &detail) {
        unavailable = true;
        c.err << "tidings-cli account add: no keychain is reachable (" << detail
              << "); the password was not saved: pass it with --password-stdin to every command" << Qt::endl;
    });
    for (QLatin1StringView purpose : {incomingSecretPurpose, outgoingSecretPurpose}) {
        QEventLoop loop;
        bool answered = false;
        Error failure;
        store.write(CredentialStore::keyFor(profileId, accountId, purpose), password, [&](const Error &e) {
            failure = e;
            answered = true;
            loop.quit();
        });
        if (!answered)
            loop.exec();
        if (failure) {
            c.err << "tidings-cli account add: the password was not saved in the keychain: " << failure.detail
                  << Qt::endl;
            return false;
        }
    }
    return !unavailable && !store.memoryOnly();
}

} // namespace

bool isManualAccountAdd(const QStringList &args)
{
    return args.contains(QStringLiteral("--imap")) || args.contains(QStringLiteral("--pop3"));
}

int manualAccountAdd(Context &c, QStringList args)
{
    QHash<QString, QString> values;
    bool passwordStdin = false;
    bool noKeychain = false;
    static const QStringList valued{QStringLiteral("--name"),
                                    QStringLiteral("--email"),
                                    QStringLiteral("--imap"),
                                    QStringLiteral("--imap-security"),
                                    QStringLiteral("--user"),
                                    QStringLiteral("--smtp"),
                                    QStringLiteral("--smtp-security"),
                                    QStringLiteral("--ca-file"),
                                    QStringLiteral("--offline-days"),
                                    QStringLiteral("--pop3"),
                                    QStringLiteral("--pop3-security"),
                                    QStringLiteral("--leave-on-server"),
                                    QStringLiteral("--delete-after-days")};
    while (!args.isEmpty()) {
        const QString a = args.takeFirst();
        if (a == u"--password-stdin") {
            passwordStdin = true;
        } else if (a == u"--no-keychain") {
            noKeychain = true;
        } else if (valued.contains(a) && !args.isEmpty() && !values.contains(a)) {
            values.insert(a, args.takeFirst());
        } else {
            c.err << "tidings-cli account add: unexpected argument " << a << "\n" << manualUsage << Qt::endl;
            return 2;
        }
    }
    const bool pop3 = values.contains(QStringLiteral("--pop3"));
    if (pop3 == values.contains(QStringLiteral("--imap"))) {
        c.err << "tidings-cli account add: give either --imap or --pop3 (the incoming server), not both\n"
              << manualUsage << Qt::endl;
        return 2;
    }
    const QString incomingFlag = pop3 ? QStringLiteral("--pop3") : QStringLiteral("--imap");
    const QString incomingSecurityFlag = incomingFlag + QStringLiteral("-security");
    for (const char *required : {"--name", "--email", "--user"}) {
        if (values.value(QLatin1String(required)).isEmpty()) {
            c.err << "tidings-cli account add: " << required << " is missing\n" << manualUsage << Qt::endl;
            return 2;
        }
    }
    if (values.value(incomingSecurityFlag).isEmpty()) {
        c.err << "tidings-cli account add: " << incomingSecurityFlag << " is missing\n"
              << manualUsage << Qt::endl;
        return 2;
    }
    for (const char *imapOnly : {"--imap-security", "--offline-days"}) {
        if (pop3 && values.contains(QLatin1String(imapOnly))) {
            c.err << "tidings-cli account add: " << imapOnly
                  << " is for IMAP accounts, this one uses --pop3\n"
                  << manualUsage << Qt::endl;
            return 2;
        }
    }
    for (const char *pop3Only : {"--pop3-security", "--leave-on-server", "--delete-after-days"}) {
        if (!pop3 && values.contains(QLatin1String(pop3Only))) {
            c.err << "tidings-cli account add: " << pop3Only
                  << " is for POP3 accounts, this one uses --imap\n"
                  << manualUsage << Qt::endl;
            return 2;
        }
    }
    if (!passwordStdin) {
        c.err << "tidings-cli account add: the password is read from stdin only: add --password-stdin\n"
              << manualUsage << Qt::endl;
        return 2;
    }
    if (values.contains(QStringLiteral("--smtp")) != values.contains(QStringLiteral("--smtp-security"))) {
        c.err << "tidings-cli account add: --smtp and --smtp-security go together\n"
              << manualUsage << Qt::endl;
        return 2;
    }

    AccountSettings settings;
    settings.name = values.value(QStringLiteral("--name"));
    settings.email = values.value(QStringLiteral("--email"));
    if (!splitAddress(settings.email))
        return fail(c, QStringLiteral("\"%1\" is not an e-mail address").arg(settings.email));
    settings.incomingProtocol = pop3 ? IncomingProtocol::Pop3 : IncomingProtocol::Imap;
    const auto imap = hostPort(values.value(incomingFlag));
    if (!imap) {
        return fail(c, pop3 ? QStringLiteral("--pop3 wants HOST:PORT with a port from 1 to 65535, e.g. "
                                             "pop.example.org:995 (got \"%1\")")
                                  .arg(values.value(incomingFlag))
                            : QStringLiteral("--imap wants HOST:PORT with a port from 1 to 65535, e.g. "
                                             "imap.example.org:993 (got \"%1\")")
                                  .arg(values.value(incomingFlag)));
    }
    const auto imapSecurity = encryptedSecurity(values.value(incomingSecurityFlag));
    if (!imapSecurity) {
        return fail(c,
                    QStringLiteral("%1 must be tls (encrypted from the start, usually port %2) or starttls "
                                   "(upgraded after connecting, usually port %3), not \"%4\"")
                        .arg(incomingSecurityFlag, pop3 ? QStringLiteral("995") : QStringLiteral("993"),
                             pop3 ? QStringLiteral("110") : QStringLiteral("143"),
                             values.value(incomingSecurityFlag)));
    }
    const QString user = values.value(QStringLiteral("--user"));
    settings.incoming = Endpoint{imap->first, imap->second, *imapSecurity, user};
    if (values.contains(QStringLiteral("--leave-on-server"))) {
        const QString leave = values.value(QStringLiteral("--leave-on-server")).toLower();
        if (leave != u"yes" && leave != u"no")
            return fail(c, QStringLiteral("--leave-on-server wants yes or no, not \"%1\"")
                               .arg(values.value(QStringLiteral("--leave-on-server"))));
        settings.leaveOnServer = leave == u"yes";
    }
    if (values.contains(QStringLiteral("--delete-after-days"))) {
        const QString text = values.value(QStringLiteral("--delete-after-days"));
        bool ok = false;
        const int days = text.toInt(&ok);
        if (!ok || days < 0 || days > 36500)
            return fail(
                c, QStringLiteral("--delete-after-days wants a whole number of days from 0 (never) to 36500, "
                                  "not \"%1\"")
                       .arg(text));
        if (!settings.leaveOnServer)
            return fail(
                c, QStringLiteral("--delete-after-days only applies when messages are left on the server; "
                                  "with --leave-on-server no every message is deleted from the server "
                                  "right after it is downloaded"));
        settings.leaveOnServerDays = days;
    }
    if (values.contains(QStringLiteral("--smtp"))) {
        const auto smtp = hostPort(values.value(QStringLiteral("--smtp")));
        if (!smtp)
            return fail(c, QStringLiteral("--smtp wants HOST:PORT with a port from 1 to 65535, e.g. "
                                          "smtp.example.org:465 (got \"%1\")")
                               .arg(values.value(QStringLiteral("--smtp"))));
        const auto smtpSecurity = encryptedSecurity(values.value(QStringLiteral("--smtp-security")));
        if (!smtpSecurity)
            return fail(
                c, QStringLiteral("--smtp-security must be tls (usually port 465) or starttls (usually port "
                                  "587), not \"%1\"")
                       .arg(values.value(QStringLiteral("--smtp-security"))));
        settings.outgoing = Endpoint{smtp->first, smtp->second, *smtpSecurity, user};
    } else {
        // Settings always name an outgoing server; without --smtp the message submission port
        // (RFC 6409) of the IMAP host is the usual arrangement. Said aloud, never silent.
        settings.outgoing = Endpoint{imap->first, 587, Security::StartTls, user};
    }
    TrustSettings trust;
    if (values.contains(QStringLiteral("--ca-file"))) {
        const QString path = QFileInfo(values.value(QStringLiteral("--ca-file"))).absoluteFilePath();
        if (const Error e = trust.addCaFile(path))
            return fail(c, e.detail);
        settings.caFile = path;
    }
    int offlineDays = 0;
    if (values.contains(QStringLiteral("--offline-days"))) {
        bool ok = false;
        offlineDays = values.value(QStringLiteral("--offline-days")).toInt(&ok);
        if (!ok || offlineDays < 0 || offlineDays > 36500)
            return fail(c, QStringLiteral("--offline-days wants a number of days (0 to 36500)"));
    }
    const QString password = readPasswordLine();
    if (password.isEmpty())
        return fail(c, QStringLiteral("no password arrived on stdin"));

    if (!QDir().mkpath(c.profileDir))
        return fail(c, QStringLiteral("cannot create the profile directory %1").arg(c.profileDir));
    auto db = Store::Database::open(c.profileDir);
    if (!db)
        return fail(
            c, QStringLiteral("cannot open the profile %1: %2").arg(c.profileDir, db.error().toString()));
    Store::AccountStore accounts(*db.value());
    auto existing = accounts.list();
    if (!existing)
        return fail(c, existing.error().toString());
    for (const Store::Account &a : existing.value()) {
        if (a.name == settings.name)
            return fail(c, QStringLiteral("an account named \"%1\" exists already").arg(a.name));
    }

    // Before anything is stored: can this password log in to this server?
    ProfilePins pins(*db.value());
    ConnectionTestOptions options;
    options.trust = trust;
    options.pins = &pins;
    options.askAboutCertificates = false;
    ConnectionTester tester(settings, TestCredentials{password, {}}, options);
    QObject::connect(&tester, &ConnectionTester::stepUpdated, &tester, [&c](const TestStep &step) {
        if (step.state == TestStep::State::Running)
            return;
        c.out << "  " << step.title << ": " << stepStateName(step.state);
        if (!step.detail.isEmpty())
            c.out << " (" << step.detail << ")";
        c.out << Qt::endl;
    });
    QEventLoop loop;
    ConnectionTestResult result;
    QObject::connect(&tester, &ConnectionTester::finished, &loop, [&](const ConnectionTestResult &r) {
        result = r;
        loop.quit();
    });
    c.out << "Testing " << settings.incoming.describe() << " as " << user << Qt::endl;
    tester.start();
    loop.exec();
    for (const TestStep &step : std::as_const(result.steps)) {
        if (isIncoming(step) && step.state != TestStep::State::Passed)
            return fail(c, QStringLiteral("the account was not added: %1").arg(plainReason(step)));
    }
    for (const TestStep &step : std::as_const(result.steps)) {
        if (!isIncoming(step) && step.state == TestStep::State::Failed)
            c.out << "Warning: the outgoing server " << settings.outgoing.describe()
                  << " did not pass its test; sending will fail until it is fixed: " << plainReason(step)
                  << Qt::endl;
    }

    Store::Account row;
    row.name = settings.name;
    row.email = settings.email;
    row.protocol = pop3 ? Store::Account::Protocol::Pop3 : Store::Account::Protocol::Imap;
    row.settings = settings.toJson();
    // Read by core/sync (ImapSync: bodies of the last N days kept for offline reading).
    const auto withSyncKeys = [offlineDays](QJsonObject json) {
        if (offlineDays > 0)
            json.insert(QStringLiteral("offlineBodyDays"), offlineDays);
        return json;
    };
    row.settings = withSyncKeys(row.settings);
    auto id = accounts.add(row);
    if (!id)
        return fail(c, id.error().toString());
    row.id = id.value();
    settings.id = QString::number(row.id);
    row.settings = withSyncKeys(settings.toJson());
    if (const Error e = accounts.update(row))
        return fail(c, e.toString());

    bool saved = false;
    if (!noKeychain)
        saved = storeInKeychain(c, db.value()->profileId(), settings.id, password);
    c.out << "Account \"" << settings.name << "\" added (id " << settings.id << "); "
          << (saved ? "the password is in the keychain."
                    : "the password was not saved: use --password-stdin.")
          << Qt::endl;
    return 0;
}

int accountList(Context &c, QStringList args)
{
    const bool json = args.removeAll(QStringLiteral("--json")) > 0;
    if (!args.isEmpty()) {
        c.err << "usage: tidings-cli account list [--json]" << Qt::endl;
        return 2;
    }
    auto db = Store::Database::open(c.profileDir);
    if (!db) {
        c.err << "tidings-cli account list: cannot open the profile " << c.profileDir << ": "
              << db.error().toString() << Qt::endl;
        return 1;
    }
    auto list = Store::AccountStore(*db.value()).list();
    if (!list) {
        c.err << "tidings-cli account list: " << list.error().toString() << Qt::endl;
        return 1;
    }
    for (const Store::Account &a : list.value()) {
        QString problem;
        const auto settings = AccountSettings::fromJson(a.settings, &problem);
        if (json) {
            QJsonObject o{{QStringLiteral("id"), a.id},
                          {QStringLiteral("name"), a.name},
                          {QStringLiteral("email"), a.email},
                          {QStringLiteral("protocol"), a.protocol == Store::Account::Protocol::Pop3
                                                           ? QStringLiteral("pop3")
                                                           : QStringLiteral("imap")}};
            if (settings) {
                o.insert(QStringLiteral("incoming"), settings->incoming.toJson());
                o.insert(QStringLiteral("outgoing"), settings->outgoing.toJson());
            }
            c.out << QJsonDocument(o).toJson(QJsonDocument::Compact) << "\n";
            continue;
        }
        c.out << a.name << "\t" << a.email << "\t";
        if (settings)
            c.out << protocolName(settings->incomingProtocol).toUpper() << " "
                  << settings->incoming.describe() << ", SMTP " << settings->outgoing.describe();
        else
            c.out << "settings unreadable: " << problem;
        c.out << "\t(id " << a.id << ")\n";
    }
    return 0;
}

} // namespace Tidings::Cli
