// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/account/discovery.h"

#include "core/account/autoconfigxml.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QTimer>
#include <QUrlQuery>

#include <algorithm>
#include <utility>

namespace Tidings::Account {

struct Discovery::Probe {
    ProbeReport report;
    int order = 0;
    bool incomingSide = false;
    bool outgoingSide = false;
    QList<IncomingCandidate> incoming;
    QList<Endpoint> outgoing;
    ProviderInfo provider;
    QStringList warnings;
    QPointer<QObject> context; ///< owns whatever is in flight; deleted when the probe stops
    std::function<void()> abort;

    [[nodiscard]] bool running() const { return report.state == ProbeReport::State::Running; }
    [[nodiscard]] bool has(Direction d) const { return d == Direction::Incoming ? !incoming.isEmpty() : !outgoing.isEmpty(); }
    [[nodiscard]] bool serves(Direction d) const { return d == Direction::Incoming ? incomingSide : outgoingSide; }
};

namespace {

ProviderInfo infoFrom(const ProviderPreset &preset)
{
    return ProviderInfo{preset.id, preset.name, preset.note, preset.helpUrl, preset.quirks};
}

void fillFromPreset(const ProviderPreset &preset, const QString &email, bool preferPop3,
                    QList<IncomingCandidate> *incoming, QList<Endpoint> *outgoing)
{
    QList<IncomingCandidate> imap;
    QList<IncomingCandidate> pop;
    if (preset.imap)
        imap << IncomingCandidate{IncomingProtocol::Imap, preset.imap->endpointFor(email)};
    if (preset.pop3)
        pop << IncomingCandidate{IncomingProtocol::Pop3, preset.pop3->endpointFor(email)};
    *incoming = preferPop3 ? pop + imap : imap + pop;
    *outgoing = {preset.smtp.endpointFor(email)};
}

} // namespace

QString discoverySourceName(DiscoverySource source)
{
    switch (source) {
    case DiscoverySource::Preset: return QStringLiteral("preset");
    case DiscoverySource::Autoconfig: return QStringLiteral("autoconfig");
    case DiscoverySource::Mx: return QStringLiteral("mx");
    case DiscoverySource::Srv: return QStringLiteral("srv");
    case DiscoverySource::Guess: return QStringLiteral("guess");
    }
    return {};
}

QString probeStateName(ProbeReport::State state)
{
    switch (state) {
    case ProbeReport::State::Running: return QStringLiteral("running");
    case ProbeReport::State::Found: return QStringLiteral("found");
    case ProbeReport::State::NotFound: return QStringLiteral("not found");
    case ProbeReport::State::Failed: return QStringLiteral("failed");
    case ProbeReport::State::Skipped: return QStringLiteral("skipped");
    }
    return {};
}

std::optional<AccountSettings> DiscoveryResult::settings(std::optional<IncomingProtocol> preferred) const
{
    if (!isComplete())
        return std::nullopt;
    AccountSettings s;
    s.email = email.trimmed();
    s.name = s.email;
    s.providerId = provider.id;
    s.quirks = provider.quirks;
    IncomingCandidate in = incoming.first();
    if (preferred) {
        const auto it = std::find_if(incoming.cbegin(), incoming.cend(),
                                     [&](const IncomingCandidate &c) { return c.protocol == *preferred; });
        if (it != incoming.cend())
            in = *it;
    }
    s.incomingProtocol = in.protocol;
    s.incoming = in.endpoint;
    s.outgoing = outgoing.first();
    if (provider.quirks.minPollMinutes > s.checkIntervalMinutes)
        s.checkIntervalMinutes = provider.quirks.minPollMinutes;
    return s;
}

QList<GuessCandidate> defaultGuesses(const QString &domain)
{
    const QString imap = QStringLiteral("imap.") + domain;
    const QString mail = QStringLiteral("mail.") + domain;
    const QString pop3 = QStringLiteral("pop3.") + domain;
    const QString pop = QStringLiteral("pop.") + domain;
    const QString smtp = QStringLiteral("smtp.") + domain;
    using S = Security;
    using K = ServerKind;
    return {
        {K::Imap, imap, 993, S::ImplicitTls}, {K::Imap, mail, 993, S::ImplicitTls},
        {K::Imap, imap, 143, S::StartTls},    {K::Imap, mail, 143, S::StartTls},
        {K::Pop3, pop3, 995, S::ImplicitTls}, {K::Pop3, pop, 995, S::ImplicitTls},
        {K::Pop3, mail, 995, S::ImplicitTls}, {K::Pop3, pop3, 110, S::StartTls},
        {K::Pop3, pop, 110, S::StartTls},     {K::Smtp, smtp, 465, S::ImplicitTls},
        {K::Smtp, mail, 465, S::ImplicitTls}, {K::Smtp, smtp, 587, S::StartTls},
        {K::Smtp, mail, 587, S::StartTls},
    };
}

QList<QUrl> defaultAutoconfigUrls(const QString &domain, const QString &email)
{
    QUrl first;
    first.setScheme(QStringLiteral("https"));
    first.setHost(QStringLiteral("autoconfig.") + domain);
    first.setPath(QStringLiteral("/mail/config-v1.1.xml"));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("emailaddress"), email);
    first.setQuery(query);
    QUrl second;
    second.setScheme(QStringLiteral("https"));
    second.setHost(domain);
    second.setPath(QStringLiteral("/.well-known/autoconfig/mail/config-v1.1.xml"));
    return {first, second};
}

Discovery::Discovery(DiscoveryOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    qRegisterMetaType<ProbeReport>();
    qRegisterMetaType<DiscoveryResult>();
    if (!m_options.presets)
        m_options.presets = &PresetCatalog::builtIn();
    if (!m_options.resolver) {
        m_ownResolver = std::make_unique<DnsResolver>();
        m_options.resolver = m_ownResolver.get();
    }
    m_network = m_options.network ? m_options.network : new QNetworkAccessManager(this);
    if (!m_options.clock)
        m_options.clock = &SystemClock::instance();
    if (!m_options.autoconfigUrls)
        m_options.autoconfigUrls = defaultAutoconfigUrls;
    if (!m_options.guesses)
        m_options.guesses = defaultGuesses;
    m_budget = new Timer(*m_options.clock, this);
    connect(m_budget, &Timer::timeout, this, [this] { finish(true); });
}

Discovery::~Discovery()
{
    m_running = false;
    for (const auto &probe : std::as_const(m_probes)) {
        if (probe->abort)
            probe->abort();
    }
}

Discovery::Probe &Discovery::addProbe(DiscoverySource source, int order, QString what, bool incoming, bool outgoing)
{
    auto probe = std::make_shared<Probe>();
    probe->report.id = m_nextId++;
    probe->report.source = source;
    probe->report.what = std::move(what);
    probe->order = order;
    probe->incomingSide = incoming;
    probe->outgoingSide = outgoing;
    probe->context = new QObject(this);
    m_probes.append(probe);
    report(*probe);
    return *probe;
}

void Discovery::report(Probe &probe)
{
    Q_EMIT probeUpdated(probe.report);
}

void Discovery::complete(Probe &probe, ProbeReport::State state, const QString &detail)
{
    if (!m_running || !probe.running())
        return;
    probe.report.state = state;
    probe.report.detail = detail;
    probe.abort = nullptr;
    if (probe.context)
        probe.context->deleteLater();
    report(probe);
    // Evaluate once the current callback has returned, so nothing is torn down under it.
    if (!m_evaluateQueued) {
        m_evaluateQueued = true;
        QTimer::singleShot(0, this, [this] {
            m_evaluateQueued = false;
            evaluate();
        });
    }
}

void Discovery::start(const QString &email)
{
    Q_ASSERT(!m_running);
    m_result = DiscoveryResult{};
    m_result.email = email.trimmed();
    m_probes.clear();
    m_email = email.trimmed();
    const auto parts = splitAddress(m_email);
    m_running = true;
    if (!parts) {
        m_result.error = Error::make(Error::Kind::Config, QStringLiteral("\"%1\" is not an e-mail address").arg(m_email));
        QTimer::singleShot(0, this, [this] { finish(false); });
        return;
    }
    m_domain = parts->second;
    m_budget->start(m_options.budget);

    startPreset();
    if (m_probes.first()->report.state == ProbeReport::State::Found) {
        QTimer::singleShot(0, this, [this] { evaluate(); });
        return;
    }
    const QList<QUrl> urls = m_options.autoconfigUrls(m_domain, m_email);
    for (qsizetype i = 0; i < urls.size(); ++i)
        startAutoconfig(urls.at(i), int(i));
    startMx();
    const bool pop = m_options.preferPop3;
    startSrv(QStringLiteral("_imaps._tcp."), pop ? 2 : 0, true, IncomingProtocol::Imap, Security::ImplicitTls);
    startSrv(QStringLiteral("_imap._tcp."), pop ? 3 : 1, true, IncomingProtocol::Imap, Security::StartTls);
    startSrv(QStringLiteral("_pop3s._tcp."), pop ? 0 : 2, true, IncomingProtocol::Pop3, Security::ImplicitTls);
    startSrv(QStringLiteral("_pop3._tcp."), pop ? 1 : 3, true, IncomingProtocol::Pop3, Security::StartTls);
    startSrv(QStringLiteral("_submissions._tcp."), 0, false, IncomingProtocol::Imap, Security::ImplicitTls);
    startSrv(QStringLiteral("_submission._tcp."), 1, false, IncomingProtocol::Imap, Security::StartTls);
    const QList<GuessCandidate> guesses = m_options.guesses(m_domain);
    for (qsizetype i = 0; i < guesses.size(); ++i) {
        int order = int(i);
        if (pop && guesses.at(i).kind == ServerKind::Imap)
            order += 1000; // POP3 guesses first when the person prefers POP3
        startGuess(guesses.at(i), order);
    }
}

void Discovery::startPreset()
{
    Probe &probe = addProbe(DiscoverySource::Preset, 0, QStringLiteral("preset for ") + m_domain, true, true);
    const ProviderPreset *preset = m_options.presets->forDomain(m_domain);
    if (!preset) {
        complete(probe, ProbeReport::State::NotFound, QStringLiteral("no built-in preset"));
        return;
    }
    fillFromPreset(*preset, m_email, m_options.preferPop3, &probe.incoming, &probe.outgoing);
    probe.provider = infoFrom(*preset);
    complete(probe, ProbeReport::State::Found, preset->name);
}

void Discovery::startAutoconfig(const QUrl &url, int order)
{
    Probe &probe = addProbe(DiscoverySource::Autoconfig, order, QStringLiteral("autoconfig ") + url.toString(QUrl::RemoveQuery),
                            true, true);
    if (url.scheme() != u"https" && !(url.scheme() == u"http" && m_options.allowInsecureHttp)) {
        complete(probe, ProbeReport::State::Skipped, QStringLiteral("not HTTPS (allow insecure HTTP to try it)"));
        return;
    }
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         m_options.allowInsecureHttp ? QNetworkRequest::NoLessSafeRedirectPolicy
                                                     : QNetworkRequest::SameOriginRedirectPolicy);
    request.setMaximumRedirectsAllowed(3);
    request.setTransferTimeout(int(m_options.budget.count()));
    request.setHeader(QNetworkRequest::UserAgentHeader, QStringLiteral("Tidings"));
    // An https:// URL never redirects to http:// (SameOrigin keeps scheme, host and port).
    if (m_options.tlsPolicy != TlsPolicy{}) {
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        QList<QSslCertificate> cas;
        if (m_options.tlsPolicy.useSystemCaCertificates)
            cas = QSslConfiguration::systemCaCertificates();
        ssl.setCaCertificates(cas + m_options.tlsPolicy.extraCaCertificates);
        request.setSslConfiguration(ssl);
    }
    QNetworkReply *reply = m_network->get(request);
    reply->setParent(probe.context);
    const int id = probe.report.id;
    auto find = [this, id]() -> Probe * {
        for (const auto &p : std::as_const(m_probes)) {
            if (p->report.id == id)
                return p.get();
        }
        return nullptr;
    };
    probe.abort = [reply = QPointer<QNetworkReply>(reply)] {
        if (reply)
            reply->abort();
    };
    const qsizetype cap = m_options.maxAutoconfigBytes;
    connect(reply, &QNetworkReply::readyRead, probe.context, [reply, cap, find, this] {
        if (reply->bytesAvailable() > cap) {
            if (Probe *p = find())
                complete(*p, ProbeReport::State::Failed, QStringLiteral("the document is larger than %1 bytes").arg(cap));
            reply->abort();
        }
    });
    connect(reply, &QNetworkReply::finished, probe.context, [reply, find, this] {
        Probe *p = find();
        if (!p || !p->running())
            return;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (reply->error() != QNetworkReply::NoError || status != 200) {
            const bool absent = status == 404 || status == 410 || reply->error() == QNetworkReply::HostNotFoundError
                                || reply->error() == QNetworkReply::ContentNotFoundError;
            complete(*p, absent ? ProbeReport::State::NotFound : ProbeReport::State::Failed,
                     status ? QStringLiteral("HTTP %1").arg(status) : reply->errorString());
            return;
        }
        const auto parsed = parseAutoconfig(reply->readAll(), m_email, m_options.allowPlaintext);
        if (const auto *error = std::get_if<Error>(&parsed)) {
            complete(*p, ProbeReport::State::Failed, error->detail);
            return;
        }
        const auto &doc = std::get<AutoconfigResult>(parsed);
        for (const AutoconfigServer &s : doc.incoming)
            p->incoming << IncomingCandidate{
                s.type == AutoconfigServer::Type::Pop3 ? IncomingProtocol::Pop3 : IncomingProtocol::Imap, s.endpoint};
        if (m_options.preferPop3)
            std::stable_sort(p->incoming.begin(), p->incoming.end(), [](const auto &a, const auto &b) {
                return a.protocol == IncomingProtocol::Pop3 && b.protocol != IncomingProtocol::Pop3;
            });
        for (const AutoconfigServer &s : doc.outgoing)
            p->outgoing << s.endpoint;
        p->provider.id = doc.providerId;
        p->provider.name = doc.displayName;
        p->provider.note = doc.instruction;
        if (doc.instructionUrl.startsWith(QLatin1String("https://")))
            p->provider.helpUrl = doc.instructionUrl;
        p->warnings = doc.warnings;
        if (p->incoming.isEmpty() && p->outgoing.isEmpty()) {
            complete(*p, ProbeReport::State::NotFound,
                     QStringLiteral("no usable server in the document") +
                         (doc.warnings.isEmpty() ? QString() : QStringLiteral(": ") + doc.warnings.join(QStringLiteral("; "))));
            return;
        }
        QStringList found;
        for (const auto &c : std::as_const(p->incoming))
            found << protocolName(c.protocol) + u' ' + c.endpoint.describe();
        for (const auto &e : std::as_const(p->outgoing))
            found << QStringLiteral("smtp ") + e.describe();
        complete(*p, ProbeReport::State::Found, found.join(QStringLiteral(", ")));
    });
}

void Discovery::startSrv(const QString &service, int order, bool incoming, IncomingProtocol protocol, Security security)
{
    const QString name = service + m_domain;
    Probe &probe = addProbe(DiscoverySource::Srv, order, QStringLiteral("SRV ") + name, incoming, !incoming);
    const int id = probe.report.id;
    m_options.resolver->lookupSrv(name, probe.context, [this, id, incoming, protocol, security](const QList<SrvRecord> &records, const Error &error) {
        Probe *p = nullptr;
        for (const auto &candidate : std::as_const(m_probes)) {
            if (candidate->report.id == id)
                p = candidate.get();
        }
        if (!p || !p->running())
            return;
        if (error) {
            complete(*p, ProbeReport::State::Failed, error.detail);
            return;
        }
        const QList<SrvRecord> ordered = orderedSrv(records);
        if (ordered.isEmpty()) {
            complete(*p, ProbeReport::State::NotFound,
                     records.isEmpty() ? QStringLiteral("no record") : QStringLiteral("the domain says: no such service"));
            return;
        }
        QStringList found;
        for (const SrvRecord &r : ordered) {
            const Endpoint endpoint{r.target, r.port, security, m_email};
            if (incoming)
                p->incoming << IncomingCandidate{protocol, endpoint};
            else
                p->outgoing << endpoint;
            found << endpoint.describe();
        }
        complete(*p, ProbeReport::State::Found, found.join(QStringLiteral(", ")));
    });
}

void Discovery::startMx()
{
    Probe &probe = addProbe(DiscoverySource::Mx, 0, QStringLiteral("MX ") + m_domain, true, true);
    const int id = probe.report.id;
    m_options.resolver->lookupMx(m_domain, probe.context, [this, id](const QList<MxRecord> &records, const Error &error) {
        Probe *p = nullptr;
        for (const auto &candidate : std::as_const(m_probes)) {
            if (candidate->report.id == id)
                p = candidate.get();
        }
        if (!p || !p->running())
            return;
        if (error) {
            complete(*p, ProbeReport::State::Failed, error.detail);
            return;
        }
        const QList<MxRecord> ordered = orderedMx(records);
        QStringList hosts;
        for (const MxRecord &mx : ordered) {
            hosts << mx.exchange;
            if (const ProviderPreset *preset = m_options.presets->forMxHost(mx.exchange)) {
                fillFromPreset(*preset, m_email, m_options.preferPop3, &p->incoming, &p->outgoing);
                p->provider = infoFrom(*preset);
                complete(*p, ProbeReport::State::Found, mx.exchange + QStringLiteral(" is ") + preset->name);
                return;
            }
        }
        complete(*p, ProbeReport::State::NotFound,
                 hosts.isEmpty() ? QStringLiteral("no MX record")
                                 : QStringLiteral("%1: no known provider").arg(hosts.join(QStringLiteral(", "))));
    });
}

void Discovery::startGuess(const GuessCandidate &candidate, int order)
{
    const Endpoint endpoint{candidate.host, candidate.port, candidate.security, m_email};
    const bool incoming = candidate.kind != ServerKind::Smtp;
    Probe &probe = addProbe(DiscoverySource::Guess, order, serverKindName(candidate.kind) + u' ' + endpoint.describe(),
                            incoming, !incoming);
    auto *server = new ServerProbe(candidate.kind, endpoint, m_options.tlsPolicy, *m_options.clock, probe.context);
    server->setTimeout(m_options.budget);
    probe.abort = [server = QPointer<ServerProbe>(server)] {
        if (server)
            server->abort();
    };
    const int id = probe.report.id;
    const ServerKind kind = candidate.kind;
    connect(server, &ServerProbe::finished, this, [this, id, kind, endpoint](const ProbeOutcome &outcome) {
        Probe *p = nullptr;
        for (const auto &c : std::as_const(m_probes)) {
            if (c->report.id == id)
                p = c.get();
        }
        if (!p || !p->running())
            return;
        const bool usable = outcome.reachable || outcome.certificate.has_value();
        if (!usable) {
            const bool absent = outcome.error.responseCode == "HOST-NOT-FOUND"
                                || outcome.error.responseCode == "CONNECTION-REFUSED";
            complete(*p, absent ? ProbeReport::State::NotFound : ProbeReport::State::Failed, outcome.error.detail);
            return;
        }
        if (kind == ServerKind::Smtp)
            p->outgoing << endpoint;
        else
            p->incoming << IncomingCandidate{kind == ServerKind::Pop3 ? IncomingProtocol::Pop3 : IncomingProtocol::Imap, endpoint};
        p->report.certificate = outcome.certificate;
        complete(*p, ProbeReport::State::Found,
                 outcome.certificate ? QStringLiteral("answers, but its certificate is not trusted: ")
                                           + outcome.certificate->explanations().join(u' ')
                                     : outcome.greeting);
    });
    // Start on the next turn of the event loop, after every probe has been announced.
    QTimer::singleShot(0, server, &ServerProbe::start);
}

const Discovery::Probe *Discovery::settledFor(Direction direction, bool *waiting) const
{
    *waiting = false;
    for (DiscoverySource source : {DiscoverySource::Preset, DiscoverySource::Autoconfig, DiscoverySource::Mx,
                                   DiscoverySource::Srv, DiscoverySource::Guess}) {
        QList<const Probe *> probes;
        for (const auto &p : m_probes) {
            if (p->report.source == source && p->serves(direction))
                probes << p.get();
        }
        std::stable_sort(probes.begin(), probes.end(), [](const Probe *a, const Probe *b) { return a->order < b->order; });
        // Within a source, the most preferred probe that answered cleanly wins, but only once
        // every more preferred one has finished; one with an untrusted certificate is the last resort.
        for (const Probe *p : std::as_const(probes)) {
            if (p->running()) {
                *waiting = true;
                return nullptr;
            }
            if (p->has(direction) && !p->report.certificate)
                return p;
        }
        for (const Probe *p : std::as_const(probes)) {
            if (p->has(direction))
                return p;
        }
    }
    return nullptr;
}

void Discovery::evaluate()
{
    if (!m_running)
        return;
    bool waitingIn = false;
    bool waitingOut = false;
    (void)settledFor(Direction::Incoming, &waitingIn);
    (void)settledFor(Direction::Outgoing, &waitingOut);
    if (!waitingIn && !waitingOut)
        finish(false);
}

void Discovery::stopAll(const QString &reason, ProbeReport::State state)
{
    for (const auto &p : std::as_const(m_probes)) {
        if (!p->running())
            continue;
        if (p->abort)
            p->abort();
        p->abort = nullptr;
        p->report.state = state;
        p->report.detail = reason;
        if (p->context)
            p->context->deleteLater();
        report(*p);
    }
}

void Discovery::finish(bool timedOut)
{
    if (!m_running)
        return;
    m_budget->stop();
    bool waiting = false;
    // On timeout, whatever is still running counts as not found.
    const auto pick = [&](Direction d) -> const Probe * {
        if (!timedOut)
            return settledFor(d, &waiting);
        for (DiscoverySource source : {DiscoverySource::Preset, DiscoverySource::Autoconfig, DiscoverySource::Mx,
                                       DiscoverySource::Srv, DiscoverySource::Guess}) {
            QList<const Probe *> probes;
            for (const auto &p : m_probes) {
                if (p->report.source == source && p->has(d) && !p->running())
                    probes << p.get();
            }
            std::stable_sort(probes.begin(), probes.end(), [](const Probe *a, const Probe *b) {
                if (bool(a->report.certificate) != bool(b->report.certificate))
                    return !a->report.certificate;
                return a->order < b->order;
            });
            if (!probes.isEmpty())
                return probes.first();
        }
        return nullptr;
    };
    const Probe *in = pick(Direction::Incoming);
    const Probe *out = pick(Direction::Outgoing);
    if (in) {
        m_result.incoming = in->incoming;
        m_result.incomingSource = in->report.source;
        m_result.provider = in->provider;
        m_result.warnings += in->warnings;
    }
    if (out) {
        m_result.outgoing = out->outgoing;
        m_result.outgoingSource = out->report.source;
        if (out != in)
            m_result.warnings += out->warnings;
        if (!in)
            m_result.provider = out->provider;
    }
    if (timedOut) {
        m_result.timedOut = true;
        stopAll(QStringLiteral("no answer within %1 seconds").arg(m_options.budget.count() / 1000.0),
                ProbeReport::State::Failed);
    } else {
        stopAll(QStringLiteral("not needed: a better source answered"), ProbeReport::State::Skipped);
    }
    m_result.probes.clear();
    for (const auto &p : std::as_const(m_probes))
        m_result.probes << p->report;
    m_running = false;
    Q_EMIT finished(m_result);
}

void Discovery::cancel()
{
    if (!m_running)
        return;
    m_budget->stop();
    stopAll(QStringLiteral("cancelled"), ProbeReport::State::Skipped);
    m_result.cancelled = true;
    m_result.probes.clear();
    for (const auto &p : std::as_const(m_probes))
        m_result.probes << p->report;
    m_running = false;
    Q_EMIT finished(m_result);
}

} // namespace Tidings::Account
