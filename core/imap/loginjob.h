// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/imap/job.h"
#include "core/imap/sessionsettings.h"

namespace Tidings::Imap {

/// Authenticates: LOGIN (RFC 9051 §6.2.3), AUTHENTICATE PLAIN (RFC 4616, with the initial
/// response inline under SASL-IR, RFC 4959) or AUTHENTICATE XOAUTH2 for OAuth 2.0 tokens.
///
/// The credential is asked from the provider (SessionSettings::credentials unless set here) when
/// the job runs, used for one command and wiped. Nothing is sent on a connection that is not
/// encrypted unless the person chose Security::None. LOGINDISABLED is respected. Afterwards the
/// capabilities are read again (from the OK's [CAPABILITY] code, or with CAPABILITY), because
/// they usually change with authentication (RFC 9051 §6.2.3).
class LoginJob final : public Job
{
    Q_OBJECT
public:
    enum class Mechanism {
        Automatic, ///< XOAUTH2 for a token; for a password AUTHENTICATE PLAIN if offered, else LOGIN
        Login,
        Plain,
        XOAuth2,
    };

    using Job::Job;

    void setMechanism(Mechanism mechanism) { m_mechanism = mechanism; }
    /// Defaults to SessionSettings::username.
    void setUsername(const QString &username) { m_username = username; }
    /// Defaults to SessionSettings::credentials.
    void setCredentialProvider(CredentialProvider provider) { m_provider = std::move(provider); }

    /// The mechanism actually used (valid once the command was sent).
    [[nodiscard]] Mechanism usedMechanism() const { return m_used; }

protected:
    void run() override;
    bool handleUntagged(const Response &response) override;
    void handleTagged(const StatusResponse &response) override;
    void handleContinuation(const ContinuationRequest &request) override;

private:
    void authenticate(Credential credential);

    Mechanism m_mechanism = Mechanism::Automatic;
    Mechanism m_used = Mechanism::Automatic;
    QString m_username;
    CredentialProvider m_provider;
    QByteArray m_pendingResponse; ///< SASL response waiting for the server's `+` (wiped after)
    QByteArray m_loginTag;
    QByteArray m_capabilityTag;
    bool m_sawCapability = false;
    bool m_continuationAnswered = false;
};

} // namespace Tidings::Imap
