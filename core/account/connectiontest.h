// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/account/accountsettings.h"
#include "core/account/certificatetrust.h"
#include "core/account/diagnosis.h"
#include "core/common/clock.h"

#include <QList>
#include <QObject>
#include <QPointer>

#include <chrono>
#include <memory>
#include <optional>

namespace Tidings::Account {

/// One step of a connection test.
struct TestStep {
    enum class Kind {
        IncomingLogin, ///< connect, secure, log in (IMAP LOGIN/AUTHENTICATE, POP3 USER/PASS or AUTH)
        IncomingList,  ///< IMAP LIST, or POP3 UIDL
        OutgoingHello, ///< connect, secure, EHLO
        OutgoingAuth,  ///< AUTH
        /// MAIL FROM the account's address, RCPT TO the same, RSET: nothing is sent, but a server
        /// that only takes mail from the address it logged in as says so here, not at the first send.
        OutgoingSender,
    };
    enum class State { Running, Passed, Failed, Skipped };

    Kind kind = Kind::IncomingLogin;
    State state = State::Running;
    QString title;  ///< "Log in to imap.example.org:993 (tls) as anna@example.org"
    QString detail; ///< on success: what was seen ("12 folders"); on failure: the technical error
    Diagnosis diagnosis;
    std::optional<CertificateProblem> certificate;
};

[[nodiscard]] QString stepStateName(TestStep::State state); ///< "running", "passed", "failed", "skipped"

struct ConnectionTestResult {
    QList<TestStep> steps;
    bool cancelled = false;
    [[nodiscard]] bool passed() const;
    /// The first failed step, or nullptr.
    [[nodiscard]] const TestStep *firstFailure() const;
};

/// Secrets for one test run; held only as long as the test runs.
struct TestCredentials {
    QString incomingPassword;
    QString outgoingPassword; ///< empty: the incoming password
};

struct ConnectionTestOptions {
    TrustSettings trust;
    CertificatePins *pins = nullptr; ///< where trusted certificates are read and stored (not owned)
    /// When a certificate fails validation: true asks through certificateTrustRequested() and
    /// waits for the answer; false fails the step at once (the result carries the certificate).
    bool askAboutCertificates = true;
    Clock *clock = nullptr;
    std::chrono::milliseconds stepTimeout{std::chrono::seconds(20)};
    QString providerNote; ///< the preset's advice, used in explanations
};

/// Tests an account's servers step by step with the real protocol sessions, the way a wizard
/// shows it: incoming (log in, then LIST or UIDL), then outgoing (EHLO, AUTH). An incoming
/// failure does not stop the outgoing steps: each side gets its own answer.
///
/// Every step reports through stepUpdated() when it starts and when it ends. A failed step
/// carries a Diagnosis (what happened, what to try, the server's own words). A certificate
/// that fails validation stops that connection before any credential is sent (the sessions'
/// TlsGuard); the tester then asks through a CertificateTrustRequest. Trusting pins exactly
/// that certificate for that host and port and repeats the step once; refusing, or a second
/// unknown certificate, ends the step as failed. The test never loops. cancel() stops at once
/// and still emits finished() once.
class ConnectionTester final : public QObject
{
    Q_OBJECT
public:
    ConnectionTester(AccountSettings settings, TestCredentials credentials, ConnectionTestOptions options,
                     QObject *parent = nullptr);
    ~ConnectionTester() override;
    Q_DISABLE_COPY_MOVE(ConnectionTester)

    void start();
    void cancel();
    [[nodiscard]] const ConnectionTestResult &result() const { return m_result; }

Q_SIGNALS:
    void stepUpdated(const Tidings::Account::TestStep &step);
    /// Answer with request->trust() or refuse(); the tester owns the request.
    void certificateTrustRequested(Tidings::Account::CertificateTrustRequest *request);
    void finished(const Tidings::Account::ConnectionTestResult &result);

private:
    class Runner;
    void runIncoming(bool retryAfterTrust);
    void runOutgoing(bool retryAfterTrust);
    void stepStarted(TestStep::Kind kind, const QString &title);
    void stepPassed(const QString &detail);
    void stepFailed(ServerKind server, const Error &error,
                    const std::optional<CertificateProblem> &certificate, bool allowTrust,
                    std::function<void()> retry);
    void skipRemaining(const QString &why);
    void done();

    AccountSettings m_settings;
    TestCredentials m_credentials;
    ConnectionTestOptions m_options;
    ConnectionTestResult m_result;
    QPointer<QObject> m_current; ///< the running session(s) of the current phase
    bool m_running = false;
};

} // namespace Tidings::Account

Q_DECLARE_METATYPE(Tidings::Account::TestStep)
Q_DECLARE_METATYPE(Tidings::Account::ConnectionTestResult)
