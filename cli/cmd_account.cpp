// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// tidings-cli account add|test|trust|remove: discovery, the connection test, certificate trust
// and removal, on the profile's store and the OS keychain. Documented in docs/cli.md.
#include "cli/command.h"
#include "core/account/connectiontest.h"
#include "core/account/credentialstore.h"
#include "core/account/discovery.h"
#include "core/store/accountstore.h"
#include "core/store/certificatepinstore.h"
#include "core/store/database.h"

#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QTextStream>

#include <cstdio>

// `account list` and `account add --imap HOST:PORT ...` (explicit servers, no discovery) live in
// cli/cmd_account_manual.cpp, written with the sync issue. Included unconditionally now that it
// is in the tree: ccache's direct mode does not notice a header that __has_include finds later,
// and kept serving the object compiled without it.
#include "cli/cmd_account_manual.h"
#define TIDINGS_CLI_HAVE_MANUAL_ACCOUNT 1

namespace {

using namespace Tidings;
using namespace Tidings::Account;

/// Pins kept in the profile's database.
class StorePins final : public CertificatePins
{
public:
    explicit StorePins(Store::CertificatePinStore &store)
        : m_store(store)
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
    Store::CertificatePinStore &m_store;
};

/// Certificates refused by `account test`, waiting for `account trust` (public data, a JSON
/// file in the profile: endpoint → PEM).
class PendingCertificates
{
public:
    explicit PendingCertificates(const QString &profileDir)
        : m_path(profileDir + QStringLiteral("/pending-certificates.json"))
    {
        QFile file(m_path);
        if (file.open(QIODevice::ReadOnly))
            m_entries = QJsonDocument::fromJson(file.read(4 * 1024 * 1024)).object();
    }
    void put(const CertificateProblem &problem)
    {
        QJsonArray reasons;
        for (CertificateProblem::Reason r : problem.reasons)
            reasons.append(int(r));
        m_entries.insert(
            endpointKey(problem.host, problem.port),
            QJsonObject{{QStringLiteral("pem"), QString::fromLatin1(problem.certificate.toPem())},
                        {QStringLiteral("reasons"), reasons}});
    }
    /// The refused certificate of @p host:@p port as a problem to show again, if one waits.
    [[nodiscard]] std::optional<CertificateProblem> get(const QString &host, quint16 port) const
    {
        const QJsonObject entry = m_entries.value(endpointKey(host, port)).toObject();
        const QSslCertificate certificate(entry.value(QStringLiteral("pem")).toString().toLatin1(),
                                          QSsl::Pem);
        if (certificate.isNull())
            return std::nullopt;
        CertificateProblem problem;
        problem.host = host;
        problem.port = port;
        problem.certificate = certificate;
        const QJsonArray reasons = entry.value(QStringLiteral("reasons")).toArray();
        for (const QJsonValue &r : reasons) {
            const int value = r.toInt(-1);
            if (value >= int(CertificateProblem::Reason::Expired) &&
                value <= int(CertificateProblem::Reason::Invalid))
                problem.reasons << CertificateProblem::Reason(value);
        }
        return problem;
    }
    void remove(const QString &host, quint16 port) { m_entries.remove(endpointKey(host, port)); }
    bool save() const
    {
        QSaveFile file(m_path);
        if (!file.open(QIODevice::WriteOnly))
            return false;
        file.write(QJsonDocument(m_entries).toJson());
        return file.commit();
    }

private:
    QString m_path;
    QJsonObject m_entries;
};

struct Profile {
    std::unique_ptr<Store::Database> db;
    std::unique_ptr<Store::AccountStore> accounts;
    std::unique_ptr<Store::CertificatePinStore> pinStore;
    std::unique_ptr<StorePins> pins;
};

std::optional<Profile> openProfile(Cli::Context &context)
{
    auto db = Store::Database::open(context.profileDir);
    if (!db.ok()) {
        context.err << "tidings-cli: cannot open the profile " << context.profileDir << ": "
                    << db.error().toString() << Qt::endl;
        return std::nullopt;
    }
    Profile p;
    p.db = std::move(db.value());
    p.accounts = std::make_unique<Store::AccountStore>(*p.db);
    p.pinStore = std::make_unique<Store::CertificatePinStore>(*p.db);
    p.pins = std::make_unique<StorePins>(*p.pinStore);
    return p;
}

/// The account named NAME (its name, its address, or its id).
std::optional<std::pair<Store::Account, AccountSettings>> findAccount(Cli::Context &context, Profile &profile,
                                                                      const QString &name)
{
    auto list = profile.accounts->list();
    if (!list.ok()) {
        context.err << "tidings-cli account: " << list.error().toString() << Qt::endl;
        return std::nullopt;
    }
    for (const Store::Account &a : list.value()) {
        if (a.name == name || a.email.compare(name, Qt::CaseInsensitive) == 0 ||
            QString::number(a.id) == name) {
            QString error;
            auto settings = AccountSettings::fromJson(a.settings, &error);
            if (!settings) {
                context.err << "tidings-cli account: the settings of \"" << a.name
                            << "\" are damaged: " << error << Qt::endl;
                return std::nullopt;
            }
            settings->id = QString::number(a.id);
            return std::make_pair(a, *settings);
        }
    }
    context.err << "tidings-cli account: no account named \"" << name << "\"" << Qt::endl;
    return std::nullopt;
}

QString readPasswordFromStdin()
{
    QTextStream in(stdin);
    QString line = in.readLine();
    while (line.endsWith(u'\r') || line.endsWith(u'\n'))
        line.chop(1);
    return line;
}

void printStep(QTextStream &out, const TestStep &step)
{
    if (step.state == TestStep::State::Running)
        return;
    out << "  " << step.title << ": " << stepStateName(step.state);
    if (step.state == TestStep::State::Passed) {
        out << " (" << step.detail << ")\n";
        return;
    }
    out << "\n";
    if (!step.diagnosis.explanation.isEmpty()) {
        out << "    What happened: " << step.diagnosis.explanation << "\n";
        out << "    Try: " << step.diagnosis.fix << "\n";
    }
    if (!step.diagnosis.serverText.isEmpty())
        out << "    The server said: " << step.diagnosis.serverText << "\n";
    if (step.certificate) {
        CertificateTrustRequest request(*step.certificate, nullptr);
        const QStringList lines = request.describe().split(u'\n');
        for (const QString &line : lines)
            out << "    " << line << "\n";
    }
    out.flush();
}

/// Runs the connection test, printing each step; refused certificates are kept for `account trust`.
ConnectionTestResult runTest(Cli::Context &context, Profile &profile, const AccountSettings &settings,
                             const QString &password, const QString &providerNote)
{
    ConnectionTestOptions options;
    options.pins = profile.pins.get();
    options.askAboutCertificates = false; // the command line answers with `account trust`, not a prompt
    options.providerNote = providerNote;
    if (!settings.caFile.isEmpty()) {
        const Error e = options.trust.addCaFile(settings.caFile);
        if (e)
            context.err << "tidings-cli account: " << e.detail << Qt::endl;
    }
    ConnectionTester tester(settings, TestCredentials{password, {}}, options);
    QObject::connect(&tester, &ConnectionTester::stepUpdated, &tester,
                     [&context](const TestStep &step) { printStep(context.out, step); });
    QEventLoop loop;
    ConnectionTestResult result;
    QObject::connect(&tester, &ConnectionTester::finished, &loop, [&](const ConnectionTestResult &r) {
        result = r;
        loop.quit();
    });
    context.out << "Testing the servers\n";
    context.out.flush();
    tester.start();
    loop.exec();
    PendingCertificates pending(context.profileDir);
    bool anyCertificate = false;
    for (const TestStep &step : std::as_const(result.steps)) {
        if (step.certificate) {
            pending.put(*step.certificate);
            anyCertificate = true;
        }
    }
    if (anyCertificate) {
        if (!pending.save())
            context.err << "tidings-cli account: could not remember the refused certificate" << Qt::endl;
        context.out << "A certificate was refused. If you trust it, run: tidings-cli account trust "
                    << (settings.name.isEmpty() ? settings.email : settings.name) << " --yes\n";
    }
    return result;
}

bool onlyCertificateFailures(const ConnectionTestResult &r)
{
    bool any = false;
    for (const TestStep &s : r.steps) {
        if (s.state == TestStep::State::Failed) {
            if (s.diagnosis.problem != Problem::Certificate || !s.certificate)
                return false;
            any = true;
        }
    }
    return any;
}

/// Writes (or, with an empty secret, deletes) the account's two keychain entries, waiting for the answers.
Error storeSecrets(Cli::Context &context, const QString &profileId, const QString &accountId,
                   const QString &password, bool remove)
{
    CredentialStore store;
    QObject::connect(
        &store, &CredentialStore::keychainUnavailable, &store, [&context](const QString &detail) {
            context.err << "tidings-cli: no keychain is reachable (" << detail
                        << "); the password is kept for this session only and is not saved" << Qt::endl;
        });
    Error failure;
    for (QLatin1StringView purpose : {incomingSecretPurpose, outgoingSecretPurpose}) {
        // Memory-only mode (no keychain) answers at once, before the loop runs.
        QEventLoop loop;
        bool answered = false;
        auto done = [&](const Error &e) {
            if (e)
                failure = e;
            answered = true;
            loop.quit();
        };
        if (remove)
            store.remove(CredentialStore::keyFor(profileId, accountId, purpose), done);
        else
            store.write(CredentialStore::keyFor(profileId, accountId, purpose), password, done);
        if (!answered)
            loop.exec();
    }
    return failure;
}

std::optional<QString> readSecret(const QString &profileId, const QString &accountId)
{
    CredentialStore store;
    QEventLoop loop;
    std::optional<QString> secret;
    bool answered = false;
    store.read(CredentialStore::keyFor(profileId, accountId, incomingSecretPurpose),
               [&](const QString &s, const Error &e) {
                   if (!e)
                       secret = s;
                   answered = true;
                   loop.quit();
               });
    if (!answered)
        loop.exec();
    return secret;
}

int accountAdd(Cli::Context &context, QStringList args)
{
    QString email;
    bool automatic = false;
    bool passwordStdin = false;
    DiscoveryOptions options;
    QString name;
    QString caFile;
    while (!args.isEmpty()) {
        const QString a = args.takeFirst();
        if (a == u"--auto")
            automatic = true;
        else if (a == u"--password-stdin")
            passwordStdin = true;
        else if (a == u"--pop3")
            options.preferPop3 = true;
        else if (a == u"--allow-http")
            options.allowInsecureHttp = true;
        else if (a == u"--name" && !args.isEmpty())
            name = args.takeFirst();
        else if (a == u"--ca" && !args.isEmpty())
            caFile = args.takeFirst();
        else if (a == u"--autoconfig-url" && !args.isEmpty()) {
            QList<QUrl> urls;
            urls << QUrl(args.takeFirst(), QUrl::StrictMode);
            options.autoconfigUrls = [urls](const QString &, const QString &) { return urls; };
        } else if (!a.startsWith(u'-') && email.isEmpty())
            email = a;
        else {
            context.err << "tidings-cli account add: unknown argument " << a << Qt::endl;
            return 2;
        }
    }
    if (email.isEmpty() || !automatic || !passwordStdin) {
        context.err << "usage: tidings-cli account add EMAIL --auto --password-stdin [--name NAME] [--pop3] "
                       "[--ca FILE] "
                       "[--allow-http] [--autoconfig-url URL]"
                    << Qt::endl;
        return 2;
    }
    if (!caFile.isEmpty()) {
        TrustSettings check;
        if (const Error e = check.addCaFile(caFile)) {
            context.err << "tidings-cli account add: " << e.detail << Qt::endl;
            return 1;
        }
        options.tlsPolicy.extraCaCertificates = check.extraCaCertificates;
    }
    const QString password = readPasswordFromStdin();
    auto profile = openProfile(context);
    if (!profile)
        return 1;

    context.out << "Looking up the settings for " << email << "\n";
    context.out.flush();
    Discovery discovery(options);
    QObject::connect(&discovery, &Discovery::probeUpdated, &discovery, [&context](const ProbeReport &p) {
        if (p.state == ProbeReport::State::Running)
            return;
        context.out << "  [" << discoverySourceName(p.source) << "] " << p.what << ": "
                    << probeStateName(p.state);
        if (!p.detail.isEmpty())
            context.out << " (" << p.detail << ")";
        context.out << "\n";
        context.out.flush();
    });
    QEventLoop loop;
    DiscoveryResult found;
    QObject::connect(&discovery, &Discovery::finished, &loop, [&](const DiscoveryResult &r) {
        found = r;
        loop.quit();
    });
    discovery.start(email);
    loop.exec();
    if (found.error) {
        context.err << "tidings-cli account add: " << found.error.detail << Qt::endl;
        return 1;
    }
    for (const QString &w : std::as_const(found.warnings))
        context.out << "  warning: " << w << "\n";
    auto settings = found.settings(options.preferPop3 ? std::optional(IncomingProtocol::Pop3) : std::nullopt);
    if (!settings) {
        context.err << "tidings-cli account add: no " << (found.incoming.isEmpty() ? "incoming" : "outgoing")
                    << " server found for " << email << (found.timedOut ? " within the time allowed" : "")
                    << "; the domain publishes no settings and no usual server name answered with encryption"
                    << Qt::endl;
        return 1;
    }
    settings->name = name.isEmpty() ? settings->email : name;
    settings->caFile = caFile;
    context.out << "Found: " << protocolName(settings->incomingProtocol).toUpper() << ' '
                << settings->incoming.describe() << " [" << discoverySourceName(*found.incomingSource)
                << "], SMTP " << settings->outgoing.describe() << " ["
                << discoverySourceName(*found.outgoingSource) << "], login " << settings->incoming.login
                << "\n";
    if (!found.provider.note.isEmpty())
        context.out << "Note from the provider (" << found.provider.name << "): " << found.provider.note
                    << "\n";

    const ConnectionTestResult result = runTest(context, *profile, *settings, password, found.provider.note);
    if (!result.passed() && !onlyCertificateFailures(result)) {
        context.err << "tidings-cli account add: the account was not added; see the steps above" << Qt::endl;
        return 1;
    }

    Store::Account row;
    row.name = settings->name;
    row.email = settings->email;
    row.protocol = settings->incomingProtocol == IncomingProtocol::Pop3 ? Store::Account::Protocol::Pop3
                                                                        : Store::Account::Protocol::Imap;
    row.settings = settings->toJson();
    auto id = profile->accounts->add(row);
    if (!id.ok()) {
        context.err << "tidings-cli account add: " << id.error().toString() << Qt::endl;
        return 1;
    }
    settings->id = QString::number(id.value());
    row.id = id.value();
    row.settings = settings->toJson();
    if (const Error e = profile->accounts->update(row)) {
        context.err << "tidings-cli account add: " << e.toString() << Qt::endl;
        return 1;
    }
    if (const Error e = storeSecrets(context, profile->db->profileId(), settings->id, password, false))
        context.err << "tidings-cli account add: the password was not saved: " << e.detail << Qt::endl;
    context.out << "Account \"" << settings->name << "\" added (id " << settings->id << ")"
                << (result.passed() ? "" : "; trust its certificate before using it") << ".\n";
    return 0;
}

int accountTest(Cli::Context &context, QStringList args)
{
    if (args.isEmpty()) {
        context.err << "usage: tidings-cli account test NAME [--password-stdin]" << Qt::endl;
        return 2;
    }
    const QString name = args.takeFirst();
    const bool passwordStdin = args.contains(QStringLiteral("--password-stdin"));
    auto profile = openProfile(context);
    if (!profile)
        return 1;
    auto account = findAccount(context, *profile, name);
    if (!account)
        return 1;
    std::optional<QString> password = passwordStdin
                                          ? std::optional(readPasswordFromStdin())
                                          : readSecret(profile->db->profileId(), account->second.id);
    if (!password) {
        context.err << "tidings-cli account test: no password is stored for \"" << name
                    << "\"; pass it with --password-stdin" << Qt::endl;
        return 1;
    }
    const ProviderPreset *preset = PresetCatalog::builtIn().byId(account->second.providerId);
    const ConnectionTestResult r =
        runTest(context, *profile, account->second, *password, preset ? preset->note : QString());
    context.out << (r.passed() ? "All steps passed.\n" : "Some steps failed.\n");
    return r.passed() ? 0 : 1;
}

int accountTrust(Cli::Context &context, QStringList args)
{
    if (args.isEmpty()) {
        context.err << "usage: tidings-cli account trust NAME [--yes]" << Qt::endl;
        return 2;
    }
    const QString name = args.takeFirst();
    const bool yes = args.contains(QStringLiteral("--yes"));
    auto profile = openProfile(context);
    if (!profile)
        return 1;
    auto account = findAccount(context, *profile, name);
    if (!account)
        return 1;
    PendingCertificates pending(context.profileDir);
    int shown = 0;
    for (const Endpoint &endpoint : {account->second.incoming, account->second.outgoing}) {
        const auto problem = pending.get(endpoint.host, endpoint.port);
        if (!problem)
            continue;
        CertificateTrustRequest request(*problem, profile->pins.get());
        context.out << request.describe() << "\n";
        ++shown;
        if (yes) {
            bool trusted = false;
            QObject::connect(&request, &CertificateTrustRequest::answered, &request,
                             [&](bool ok) { trusted = ok; });
            request.trust();
            if (!trusted) {
                context.err << "tidings-cli account trust: the pin could not be stored" << Qt::endl;
                return 1;
            }
            pending.remove(endpoint.host, endpoint.port);
            context.out << "Trusted this certificate for " << endpointKey(endpoint.host, endpoint.port)
                        << ". A different certificate will be refused again.\n";
        }
    }
    if (shown == 0) {
        context.out << "No refused certificate is waiting for \"" << name
                    << "\". Run tidings-cli account test " << name << " first.\n";
        return 0;
    }
    if (!yes) {
        context.out << "Compare the SHA-256 fingerprint with what your provider or administrator publishes; "
                       "to trust it, "
                       "run again with --yes.\n";
        return 0;
    }
    if (!pending.save()) {
        context.err << "tidings-cli account trust: could not update the pending certificates" << Qt::endl;
        return 1;
    }
    return 0;
}

int accountRemove(Cli::Context &context, QStringList args)
{
    if (args.size() != 1) {
        context.err << "usage: tidings-cli account remove NAME" << Qt::endl;
        return 2;
    }
    auto profile = openProfile(context);
    if (!profile)
        return 1;
    auto account = findAccount(context, *profile, args.first());
    if (!account)
        return 1;
    if (const Error e = profile->accounts->remove(account->first.id)) {
        context.err << "tidings-cli account remove: " << e.toString() << Qt::endl;
        return 1;
    }
    if (const Error e = storeSecrets(context, profile->db->profileId(), account->second.id, {}, true)) {
        context.err << "tidings-cli account remove: the keychain entries could not be deleted: " << e.detail
                    << Qt::endl;
        return 1;
    }
    context.out << "Account \"" << account->first.name
                << "\" removed, with its cached mail and its keychain entries.\n";
    return 0;
}

int accountCommand(Cli::Context &context)
{
    QStringList args = context.args;
    if (args.isEmpty()) {
        context.err << "usage: tidings-cli account add|test|trust|remove ..." << Qt::endl;
        return 2;
    }
    const QString sub = args.takeFirst();
#ifdef TIDINGS_CLI_HAVE_MANUAL_ACCOUNT
    if (sub == u"list")
        return Cli::accountList(context, args);
    if (sub == u"add" && Cli::isManualAccountAdd(args))
        return Cli::manualAccountAdd(context, args);
#endif
    if (sub == u"add")
        return accountAdd(context, args);
    if (sub == u"test")
        return accountTest(context, args);
    if (sub == u"trust")
        return accountTrust(context, args);
    if (sub == u"remove")
        return accountRemove(context, args);
    context.err << "tidings-cli account: unknown subcommand " << sub << Qt::endl;
    return 2;
}

} // namespace

TIDINGS_CLI_COMMAND(
    "account",
    "account add EMAIL --auto --password-stdin [--name NAME] [--pop3] [--ca FILE] [--allow-http] "
    "[--autoconfig-url URL]\n"
    "account add --name NAME --email ADDR --imap HOST:PORT --imap-security tls|starttls --user USER "
    "--password-stdin [--smtp HOST:PORT --smtp-security tls|starttls] [--ca-file PEM] [--no-keychain]\n"
    "account list [--json]\n"
    "account test NAME [--password-stdin]\n"
    "account trust NAME [--yes]\n"
    "account remove NAME",
    "add, test, trust or remove a mail account", &accountCommand);
