// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/imap/sessionsettings.h"

namespace Tidings::Imap {

CredentialProvider staticPassword(QString password)
{
    return [password = std::move(password)](const CredentialReply &reply) {
        reply(Credential{Credential::Kind::Password, password});
    };
}

CredentialProvider staticOAuth2Token(QString token)
{
    return [token = std::move(token)](const CredentialReply &reply) {
        reply(Credential{Credential::Kind::OAuth2Token, token});
    };
}

std::chrono::milliseconds SessionTimeouts::effectiveIdleRenewal() const
{
    if (idleRenewal <= std::chrono::milliseconds::zero() || idleRenewal > MaxIdleRenewal)
        return MaxIdleRenewal;
    return idleRenewal;
}

} // namespace Tidings::Imap
