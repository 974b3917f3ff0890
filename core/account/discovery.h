// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/account/accountsettings.h"
#include "core/account/providerpresets.h"
#include "core/account/resolver.h"
#include "core/account/serverprobe.h"
#include "core/common/clock.h"
#include "core/common/tls.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QUrl>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

class QNetworkAccessManager;

namespace Tidings::Account {

/// Where a setting came from, best first.
enum class DiscoverySource {
    Preset,     ///< the built-in presets, by the address's domain
    Autoconfig, ///< a Mozilla autoconfig document published by the domain
    Mx,         ///< the domain's MX points at a known provider
    Srv,        ///< RFC 6186 / RFC 8314 SRV records
    Guess,      ///< imap.DOMAIN, mail.DOMAIN, ... answered a real connection
};

[[nodiscard]] QString discoverySourceName(DiscoverySource source); ///< "preset", "autoconfig", "mx", "srv", "guess"

/// An incoming server proposal.
struct IncomingCandidate {
    IncomingProtocol protocol = IncomingProtocol::Imap;
    Endpoint endpoint;

    friend bool operator==(const IncomingCandidate &, const IncomingCandidate &) = default;
};

/// Progress of one probe, as a wizard page or the command line shows it.
struct ProbeReport {
    enum class State { Running, Found, NotFound, Failed, Skipped };

    int id = 0;
    DiscoverySource source = DiscoverySource::Preset;
    QString what;   ///< "SRV _imaps._tcp.example.org", "IMAP imap.example.org:993 (tls)", ...
    State state = State::Running;
    QString detail; ///< what was found, or why not (technical, untranslated)
    std::optional<CertificateProblem> certificate; ///< a guess whose certificate failed validation
};

[[nodiscard]] QString probeStateName(ProbeReport::State state); ///< "running", "found", ...

/// What the provider says the person must know (from a preset or an autoconfig document).
struct ProviderInfo {
    QString id;
    QString name;
    QString note;
    QString helpUrl;
    ServerQuirks quirks;
};

/// The answer of a discovery run: a value the wizard keeps.
struct DiscoveryResult {
    QString email;
    QList<IncomingCandidate> incoming; ///< best first, from one source
    QList<Endpoint> outgoing;          ///< best first, from one source
    std::optional<DiscoverySource> incomingSource;
    std::optional<DiscoverySource> outgoingSource;
    ProviderInfo provider; ///< from the source that gave the incoming server
    QStringList warnings;
    QList<ProbeReport> probes;
    bool timedOut = false;
    bool cancelled = false;
    Error error; ///< set when nothing could be tried at all (not an address)

    [[nodiscard]] bool isComplete() const { return !incoming.isEmpty() && !outgoing.isEmpty(); }
    /// Settings to test: the first incoming candidate of @p preferred protocol if there is one.
    [[nodiscard]] std::optional<AccountSettings> settings(std::optional<IncomingProtocol> preferred = std::nullopt) const;
};

/// A guessed server to probe.
struct GuessCandidate {
    ServerKind kind = ServerKind::Imap;
    QString host;
    quint16 port = 0;
    Security security = Security::ImplicitTls;
};

/// imap.DOMAIN, mail.DOMAIN, pop3.DOMAIN, pop.DOMAIN, smtp.DOMAIN on their TLS ports, implicit
/// TLS before STARTTLS, IMAP before POP3. Never plaintext.
[[nodiscard]] QList<GuessCandidate> defaultGuesses(const QString &domain);
/// https://autoconfig.DOMAIN/mail/config-v1.1.xml?emailaddress=EMAIL and
/// https://DOMAIN/.well-known/autoconfig/mail/config-v1.1.xml.
[[nodiscard]] QList<QUrl> defaultAutoconfigUrls(const QString &domain, const QString &email);

struct DiscoveryOptions {
    const PresetCatalog *presets = nullptr;      ///< nullptr: the built-in presets
    Resolver *resolver = nullptr;                ///< nullptr: an owned DnsResolver
    QNetworkAccessManager *network = nullptr;    ///< nullptr: an owned one
    Clock *clock = nullptr;                      ///< nullptr: the system clock
    std::function<QList<QUrl>(const QString &domain, const QString &email)> autoconfigUrls; ///< default above
    std::function<QList<GuessCandidate>(const QString &domain)> guesses;                    ///< default above
    TlsPolicy tlsPolicy;            ///< for the guess probes (extra CAs, pins)
    bool allowInsecureHttp = false; ///< fetch autoconfig over http:// too (the person asked for it)
    bool allowPlaintext = false;    ///< accept a plaintext-only server from autoconfig
    bool preferPop3 = false;
    std::chrono::milliseconds budget{10000};
    qsizetype maxAutoconfigBytes = 64 * 1024;
};

/// Finds the servers for an e-mail address.
///
/// start() launches every source at once: the preset by domain (instant; when it matches,
/// nothing else is asked), the autoconfig URLs, the six SRV names, the MX lookup and the
/// guessed servers. Each of them is a probe with its own progress report. The answer for the
/// incoming and for the outgoing side is taken from the best source that has one, in the
/// order of DiscoverySource; a better source still running is waited for, and within a
/// source an earlier (more preferred) probe is waited for. As soon as both sides are decided
/// the remaining probes are stopped and reported as skipped. The whole run is bounded by the
/// budget (10 s by default, on the injected clock); what is known by then is the answer.
/// cancel() stops everything and still reports finished() once, with cancelled set.
class Discovery final : public QObject
{
    Q_OBJECT
public:
    explicit Discovery(DiscoveryOptions options = {}, QObject *parent = nullptr);
    ~Discovery() override;
    Q_DISABLE_COPY_MOVE(Discovery)

    void start(const QString &email);
    void cancel();
    [[nodiscard]] bool isRunning() const { return m_running; }
    [[nodiscard]] const DiscoveryResult &result() const { return m_result; }

Q_SIGNALS:
    /// A probe started or changed state.
    void probeUpdated(const Tidings::Account::ProbeReport &report);
    /// Emitted exactly once per start().
    void finished(const Tidings::Account::DiscoveryResult &result);

private:
    struct Probe;
    enum class Direction { Incoming, Outgoing };

    Probe &addProbe(DiscoverySource source, int order, QString what, bool incoming, bool outgoing);
    void report(Probe &probe);
    void complete(Probe &probe, ProbeReport::State state, const QString &detail);
    void startPreset();
    void startAutoconfig(const QUrl &url, int order);
    void startSrv(const QString &service, int order, bool incoming, IncomingProtocol protocol, Security security);
    void startMx();
    void startGuess(const GuessCandidate &candidate, int order);
    void evaluate();
    [[nodiscard]] const Probe *settledFor(Direction direction, bool *waiting) const;
    void finish(bool timedOut);
    void stopAll(const QString &reason, ProbeReport::State state);

    DiscoveryOptions m_options;
    std::unique_ptr<Resolver> m_ownResolver;
    QNetworkAccessManager *m_network = nullptr;
    Timer *m_budget = nullptr;
    QString m_email;
    QString m_domain;
    QList<std::shared_ptr<Probe>> m_probes;
    DiscoveryResult m_result;
    bool m_running = false;
    bool m_evaluateQueued = false;
    int m_nextId = 1;
};

} // namespace Tidings::Account

Q_DECLARE_METATYPE(Tidings::Account::ProbeReport)
Q_DECLARE_METATYPE(Tidings::Account::DiscoveryResult)
