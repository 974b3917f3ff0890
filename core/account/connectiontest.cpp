// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/account/connectiontest.h"

#include "core/imap/jobs.h"
#include "core/imap/loginjob.h"
#include "core/imap/session.h"
#include "core/pop3/jobs.h"
#include "core/pop3/session.h"
#include "core/smtp/session.h"

#include <QTimer>

#include <utility>

namespace Tidings::Account {

QString stepStateName(TestStep::State state)
{
    switch (state) {
    case TestStep::State::Running: return QStringLiteral("running");
    case TestStep::State::Passed: return QStringLiteral("passed");
    case TestStep::State::Failed: return QStringLiteral("failed");
    case TestStep::State::Skipped: return QStringLiteral("skipped");
    }
    return {};
}

bool ConnectionTestResult::passed() const
{
    return !cancelled && !steps.isEmpty() && std::all_of(steps.cbegin(), steps.cend(), [](const TestStep &s) {
        return s.state == TestStep::State::Passed;
    });
}

const TestStep *ConnectionTestResult::firstFailure() const
{
    for (const TestStep &s : steps) {
        if (s.state == TestStep::State::Failed)
            return &s;
    }
    return nullptr;
}

ConnectionTester::ConnectionTester(AccountSettings settings, TestCredentials credentials,
                                   ConnectionTestOptions options, QObject *parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_credentials(std::move(credentials))
    , m_options(std::move(options))
{
    qRegisterMetaType<TestStep>();
    qRegisterMetaType<ConnectionTestResult>();
    if (!m_options.clock)
        m_options.clock = &SystemClock::instance();
    if (m_credentials.outgoingPassword.isEmpty())
        m_credentials.outgoingPassword = m_credentials.incomingPassword;
}

ConnectionTester::~ConnectionTester()
{
    m_running = false;
    delete m_current;
}

void ConnectionTester::start()
{
    Q_ASSERT(!m_running);
    m_running = true;
    m_result = {};
    runIncoming(false);
}

void ConnectionTester::cancel()
{
    if (!m_running)
        return;
    // cancel() may be called from a stepUpdated() handler, i.e. inside a session's signal: the
    // sessions go on the next turn of the event loop, and every handler checks m_running.
    if (m_current) {
        m_current->deleteLater();
        m_current = nullptr;
    }
    m_result.cancelled = true;
    skipRemaining(QStringLiteral("cancelled"));
    done();
}

void ConnectionTester::stepStarted(TestStep::Kind kind, const QString &title)
{
    if (!m_result.steps.isEmpty() && m_result.steps.last().kind == kind) {
        // The same step again, after the person trusted a certificate.
        TestStep &step = m_result.steps.last();
        step.state = TestStep::State::Running;
        step.detail.clear();
        step.diagnosis = {};
        step.certificate.reset();
        Q_EMIT stepUpdated(step);
        return;
    }
    TestStep step;
    step.kind = kind;
    step.title = title;
    m_result.steps << step;
    Q_EMIT stepUpdated(step);
}

void ConnectionTester::stepPassed(const QString &detail)
{
    TestStep &step = m_result.steps.last();
    step.state = TestStep::State::Passed;
    step.detail = detail;
    Q_EMIT stepUpdated(step);
}

void ConnectionTester::stepFailed(ServerKind server, const Error &error,
                                  const std::optional<CertificateProblem> &certificate, bool allowTrust,
                                  std::function<void()> retry)
{
    TestStep &step = m_result.steps.last();
    if (step.state != TestStep::State::Running)
        return;
    const bool incoming = server != ServerKind::Smtp;
    auto moveOn = [this, incoming] {
        if (!m_running)
            return;
        if (incoming)
            runOutgoing(false);
        else
            done();
    };
    if (certificate && allowTrust && m_options.askAboutCertificates && m_options.pins) {
        auto *request = new CertificateTrustRequest(*certificate, m_options.pins, this);
        connect(request, &CertificateTrustRequest::answered, this,
                [this, request, server, error, certificate, retry, moveOn](bool trusted) {
                    request->deleteLater();
                    if (!m_running)
                        return;
                    // The answer may come synchronously from inside the session's signal: act
                    // on the next turn of the event loop, never under the failing session.
                    if (trusted) {
                        QTimer::singleShot(0, this, [this, retry] {
                            if (m_running)
                                retry();
                        });
                        return;
                    }
                    TestStep &s = m_result.steps.last();
                    s.state = TestStep::State::Failed;
                    s.detail = error.toString();
                    s.certificate = certificate;
                    s.diagnosis =
                        diagnose(server, error, certificate, m_options.clock->now(), m_options.providerNote);
                    Q_EMIT stepUpdated(s);
                    QTimer::singleShot(0, this, moveOn);
                });
        Q_EMIT certificateTrustRequested(request);
        return;
    }
    step.state = TestStep::State::Failed;
    step.detail = error.toString();
    step.certificate = certificate;
    step.diagnosis = diagnose(server, error, certificate, m_options.clock->now(), m_options.providerNote);
    Q_EMIT stepUpdated(step);
    // Leave the signal handler of the session before tearing it down.
    QTimer::singleShot(0, this, moveOn);
}

void ConnectionTester::runIncoming(bool retryAfterTrust)
{
    if (m_current)
        m_current->deleteLater();
    auto *holder = new QObject(this);
    m_current = holder;
    const Endpoint &in = m_settings.incoming;
    const TlsPolicy policy = m_options.trust.policyFor(in.host, in.port, m_options.pins);
    const bool imap = m_settings.incomingProtocol == IncomingProtocol::Imap;
    const ServerKind kind = imap ? ServerKind::Imap : ServerKind::Pop3;
    stepStarted(
        TestStep::Kind::IncomingLogin,
        QStringLiteral("Log in to %1 server %2 as %3").arg(serverKindName(kind), in.describe(), in.login));
    auto retry = [this] { runIncoming(true); };

    if (imap) {
        Imap::SessionSettings ss;
        ss.host = in.host;
        ss.port = in.port;
        ss.security = in.security;
        ss.tls = policy;
        ss.username = in.login;
        ss.credentials = Imap::staticPassword(m_credentials.incomingPassword);
        ss.timeouts.connect = m_options.stepTimeout;
        ss.timeouts.command = m_options.stepTimeout;
        ss.timeouts.keepAlive = std::chrono::milliseconds(0);
        auto *session = new Imap::Session(ss, *m_options.clock, holder);
        connect(session, &Imap::Session::errorOccurred, holder,
                [this, session, retryAfterTrust, retry](const Error &error) {
                    if (m_running && m_result.steps.last().state == TestStep::State::Running)
                        stepFailed(ServerKind::Imap, error, session->certificateProblem(), !retryAfterTrust,
                                   retry);
                });
        connect(session, &Imap::Session::ready, holder, [this, session, holder] {
            if (!m_running)
                return;
            auto *login = new Imap::LoginJob(session, holder);
            connect(login, &Imap::Job::finished, holder, [this, session, holder](Imap::Job *job) {
                if (!m_running)
                    return;
                if (job->error()) {
                    stepFailed(ServerKind::Imap, job->error(), std::nullopt, false, {});
                    return;
                }
                stepPassed(QStringLiteral("logged in (%1)")
                               .arg(session->isEncrypted() ? QStringLiteral("encrypted")
                                                           : QStringLiteral("NOT encrypted")));
                stepStarted(TestStep::Kind::IncomingList, QStringLiteral("List the folders (IMAP LIST)"));
                auto *list = new Imap::ListJob(session, holder);
                list->setPattern(QStringLiteral("*"));
                connect(list, &Imap::Job::finished, holder, [this, session, list](Imap::Job *j) {
                    if (!m_running)
                        return;
                    if (j->error()) {
                        stepFailed(ServerKind::Imap, j->error(), std::nullopt, false, {});
                        return;
                    }
                    stepPassed(QStringLiteral("%1 folders").arg(list->entries().size()));
                    // The session says goodbye on its own; the holder goes once LOGOUT is answered.
                    QObject *holderOfSession = session->parent();
                    if (m_current == holderOfSession)
                        m_current = nullptr;
                    auto *logout = new Imap::LogoutJob(session);
                    connect(logout, &Imap::Job::finished, holderOfSession, &QObject::deleteLater);
                    logout->start();
                    QTimer::singleShot(0, this, [this] {
                        if (m_running)
                            runOutgoing(false);
                    });
                });
                list->start();
            });
            login->start();
        });
        session->open();
        return;
    }

    Pop3::Settings ps;
    ps.host = in.host;
    ps.port = in.port;
    ps.security = in.security;
    ps.tls = policy;
    ps.username = in.login;
    ps.password = m_credentials.incomingPassword;
    ps.timeout = m_options.stepTimeout;
    ps.keepAlive = std::chrono::milliseconds(0);
    auto *session = new Pop3::Session(ps, *m_options.clock, holder);
    auto certificate = std::make_shared<std::optional<CertificateProblem>>();
    connect(session, &Pop3::Session::certificateRejected, holder,
            [certificate](const CertificateProblem &problem) { *certificate = problem; });
    connect(session, &Pop3::Session::failed, holder,
            [this, certificate, retryAfterTrust, retry](const Error &error) {
                if (m_running && m_result.steps.last().state == TestStep::State::Running)
                    stepFailed(ServerKind::Pop3, error, *certificate, !retryAfterTrust, retry);
            });
    connect(session, &Pop3::Session::opened, holder, [this, session, holder] {
        if (!m_running)
            return;
        stepPassed(QStringLiteral("logged in"));
        stepStarted(TestStep::Kind::IncomingList, QStringLiteral("List the messages (POP3 UIDL)"));
        Pop3::UidlJob *uidl = session->uidl();
        connect(uidl, &Pop3::Job::finished, holder, [this, session, uidl](Pop3::Job *job) {
            if (!m_running)
                return;
            if (job->error()) {
                stepFailed(ServerKind::Pop3, job->error(), std::nullopt, false, {});
                return;
            }
            stepPassed(QStringLiteral("%1 messages").arg(uidl->entries().size()));
            QObject *holderOfSession = session->parent();
            if (m_current == holderOfSession)
                m_current = nullptr;
            connect(session, &Pop3::Session::closed, holderOfSession, &QObject::deleteLater);
            connect(session, &Pop3::Session::failed, holderOfSession, &QObject::deleteLater);
            session->quit();
            QTimer::singleShot(0, this, [this] {
                if (m_running)
                    runOutgoing(false);
            });
        });
    });
    session->open();
}

void ConnectionTester::runOutgoing(bool retryAfterTrust)
{
    if (m_current)
        m_current->deleteLater();
    auto *holder = new QObject(this);
    m_current = holder;
    const Endpoint &out = m_settings.outgoing;
    stepStarted(TestStep::Kind::OutgoingHello,
                QStringLiteral("Connect to SMTP server %1 and introduce Tidings (EHLO)").arg(out.describe()));
    Smtp::Settings ss;
    ss.host = out.host;
    ss.port = out.port;
    ss.security = out.security;
    ss.tls = m_options.trust.policyFor(out.host, out.port, m_options.pins);
    ss.username = out.login;
    ss.password = m_credentials.outgoingPassword;
    ss.timeout = m_options.stepTimeout;
    auto *session = new Smtp::Session(ss, *m_options.clock, holder);
    auto certificate = std::make_shared<std::optional<CertificateProblem>>();
    connect(session, &Smtp::Session::certificateRejected, holder,
            [certificate](const CertificateProblem &problem) { *certificate = problem; });
    const auto helloDetail = [session] {
        const Smtp::Capabilities &caps = session->capabilities();
        QStringList parts;
        parts << (session->isEncrypted() ? QStringLiteral("encrypted") : QStringLiteral("NOT encrypted"));
        if (!caps.auth.isEmpty())
            parts << QStringLiteral("AUTH ") + QString::fromLatin1(caps.auth.join(' '));
        if (caps.maxSize > 0)
            parts << QStringLiteral("messages up to %1 MB").arg(caps.maxSize / (1024 * 1024));
        return parts.join(QStringLiteral(", "));
    };
    connect(
        session, &Smtp::Session::failed, holder,
        [this, session, certificate, retryAfterTrust, helloDetail](const Error &error) {
            if (!m_running || m_result.steps.last().state != TestStep::State::Running)
                return;
            // EHLO (and STARTTLS) went through when the failure is about signing in.
            const bool authFailure = error.kind == Error::Kind::Authentication ||
                                     (error.kind == Error::Kind::Config && session->capabilities().esmtp);
            if (authFailure && m_result.steps.last().kind == TestStep::Kind::OutgoingHello) {
                stepPassed(helloDetail());
                stepStarted(
                    TestStep::Kind::OutgoingAuth,
                    QStringLiteral("Log in to the SMTP server as %1 (AUTH)").arg(m_settings.outgoing.login));
            }
            stepFailed(ServerKind::Smtp, error, authFailure ? std::nullopt : *certificate,
                       !retryAfterTrust && !authFailure, [this] { runOutgoing(true); });
        });
    connect(session, &Smtp::Session::opened, holder, [this, session, holder, helloDetail] {
        if (!m_running)
            return;
        stepPassed(helloDetail());
        stepStarted(TestStep::Kind::OutgoingAuth,
                    QStringLiteral("Log in to the SMTP server as %1 (AUTH)").arg(m_settings.outgoing.login));
        stepPassed(QStringLiteral("accepted"));
        const QString address = m_settings.email.isEmpty() ? m_settings.outgoing.login : m_settings.email;
        stepStarted(
            TestStep::Kind::OutgoingSender,
            QStringLiteral("Check that the SMTP server takes mail from %1 (MAIL FROM, RCPT TO, RSET; nothing "
                           "is sent)")
                .arg(address));
        Smtp::SendJob *check = session->checkEnvelope({address, {address}});
        connect(check, &Smtp::SendJob::finished, holder, [this, session](Smtp::SendJob *job) {
            if (!m_running || m_result.steps.last().state != TestStep::State::Running)
                return;
            const Smtp::SendResult &result = job->result();
            if (result.error) {
                stepFailed(ServerKind::Smtp, result.error, std::nullopt, false, {});
            } else {
                stepPassed(QStringLiteral("accepted"));
                session->quit();
                QTimer::singleShot(0, this, [this] { done(); });
            }
        });
    });
    session->open();
}

void ConnectionTester::skipRemaining(const QString &why)
{
    for (TestStep &step : m_result.steps) {
        if (step.state == TestStep::State::Running) {
            step.state = TestStep::State::Skipped;
            step.detail = why;
            Q_EMIT stepUpdated(step);
        }
    }
}

void ConnectionTester::done()
{
    if (!m_running)
        return;
    m_running = false;
    if (m_current)
        m_current->deleteLater();
    m_credentials = {};
    Q_EMIT finished(m_result);
}

} // namespace Tidings::Account
