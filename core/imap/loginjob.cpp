// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/imap/loginjob.h"

#include "core/imap/sasl.h"
#include "core/imap/session.h"

namespace Tidings::Imap {

void LoginJob::run()
{
    Session *s = session();
    if (s->state() != Session::State::NotAuthenticated) {
        finish(Error::make(Error::Kind::Config, QStringLiteral("the session is already authenticated")));
        return;
    }
    if (s->settings().security != Security::None && !s->isEncrypted()) {
        finish(Error::make(Error::Kind::Tls, QStringLiteral("refusing to send credentials over an unencrypted connection")));
        return;
    }
    if (m_username.isEmpty())
        m_username = s->settings().username;
    CredentialProvider provider = m_provider ? m_provider : s->settings().credentials;
    if (!provider) {
        finish(Error::make(Error::Kind::Config, QStringLiteral("no credential provider configured")));
        return;
    }
    QPointer<LoginJob> self(this);
    provider([self](std::variant<Credential, Error> result) {
        if (auto *c = std::get_if<Credential>(&result)) {
            if (self && self->isRunning())
                self->authenticate(std::move(*c));
            Sasl::wipe(c->secret);
        } else if (self && self->isRunning()) {
            self->finish(std::get<Error>(result));
        }
    });
}

void LoginJob::authenticate(Credential credential)
{
    const Capabilities &caps = session()->capabilities();
    Mechanism mechanism = m_mechanism;
    if (mechanism == Mechanism::Automatic) {
        if (credential.kind == Credential::Kind::OAuth2Token)
            mechanism = Mechanism::XOAuth2;
        else if (caps.authMechanisms().contains("PLAIN"))
            mechanism = Mechanism::Plain;
        else
            mechanism = Mechanism::Login;
    }
    auto refuse = [&](const QString &why) {
        Sasl::wipe(credential.secret);
        finish(Error::make(Error::Kind::Authentication, why));
    };
    switch (mechanism) {
    case Mechanism::Login:
        if (caps.loginDisabled())
            return refuse(QStringLiteral("the server does not allow LOGIN (LOGINDISABLED) and offers no usable "
                                         "AUTHENTICATE mechanism"));
        if (credential.kind != Credential::Kind::Password)
            return refuse(QStringLiteral("LOGIN needs a password"));
        break;
    case Mechanism::Plain:
        if (!caps.authMechanisms().contains("PLAIN"))
            return refuse(QStringLiteral("the server does not offer AUTHENTICATE PLAIN"));
        if (credential.kind != Credential::Kind::Password)
            return refuse(QStringLiteral("AUTHENTICATE PLAIN needs a password"));
        break;
    case Mechanism::XOAuth2:
        if (!caps.authMechanisms().contains("XOAUTH2"))
            return refuse(QStringLiteral("the server does not offer AUTHENTICATE XOAUTH2"));
        if (credential.kind != Credential::Kind::OAuth2Token)
            return refuse(QStringLiteral("XOAUTH2 needs an access token"));
        break;
    case Mechanism::Automatic:
        break;
    }
    m_used = mechanism;

    if (mechanism == Mechanism::Login) {
        QByteArray user = m_username.toUtf8();
        QByteArray pass = credential.secret.toUtf8();
        Command command("LOGIN");
        command.astring(user).astring(pass).setSecret(true);
        Sasl::wipe(pass);
        Sasl::wipe(credential.secret);
        m_loginTag = sendCommand(command);
        return;
    }
    QByteArray response = mechanism == Mechanism::Plain ? Sasl::plainResponse(m_username, credential.secret)
                                                        : Sasl::xoauth2Response(m_username, credential.secret);
    Sasl::wipe(credential.secret);
    Command command("AUTHENTICATE");
    command.arg(mechanism == Mechanism::Plain ? "PLAIN" : "XOAUTH2").setSecret(true);
    if (caps.saslIr()) {
        command.arg(response);
        Sasl::wipe(response);
        m_continuationAnswered = true;
    } else {
        m_pendingResponse = response;
    }
    m_loginTag = sendCommand(command);
}

void LoginJob::handleContinuation(const ContinuationRequest &)
{
    if (!m_continuationAnswered && !m_pendingResponse.isEmpty()) {
        m_continuationAnswered = true;
        sendContinuationLine(m_pendingResponse, true);
        Sasl::wipe(m_pendingResponse);
        return;
    }
    // A challenge after our response is the server's error report (XOAUTH2 sends a base64 JSON
    // status); RFC 7628 §3.2.3: answer with an empty response, the NO follows.
    sendContinuationLine(QByteArray(), false);
}

bool LoginJob::handleUntagged(const Response &response)
{
    if (std::holds_alternative<Capability>(response)) {
        m_sawCapability = true;
        return true;
    }
    return false;
}

void LoginJob::handleTagged(const StatusResponse &response)
{
    Sasl::wipe(m_pendingResponse);
    if (response.tag == m_capabilityTag) {
        if (response.status != Status::Ok) {
            finish(errorFromStatus(response, QStringLiteral("CAPABILITY")));
            return;
        }
        session()->setAuthenticated({});
        finish();
        return;
    }
    if (response.status == Status::No || response.status == Status::Bad) {
        const QString what = m_used == Mechanism::Login ? QStringLiteral("LOGIN")
                                                        : QStringLiteral("AUTHENTICATE");
        finish(Error::make(Error::Kind::Authentication,
                           what + QStringLiteral(" failed: the server refused the credentials"), response.text,
                           response.code.atom));
        return;
    }
    if (response.status != Status::Ok) {
        finish(errorFromStatus(response, QStringLiteral("LOGIN")));
        return;
    }
    if (response.code.kind == ResponseCode::Kind::Capability) {
        session()->setAuthenticated(Capabilities(response.code.list));
        finish();
        return;
    }
    // The capability list usually changes with authentication; read it again unless the server
    // already sent it during the command.
    if (m_sawCapability) {
        session()->setAuthenticated({});
        finish();
        return;
    }
    session()->setState(Session::State::Authenticated);
    m_capabilityTag = sendCommand(Command("CAPABILITY"));
}

} // namespace Tidings::Imap
