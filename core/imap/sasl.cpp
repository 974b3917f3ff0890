// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/imap/sasl.h"

namespace Tidings::Imap::Sasl {

QByteArray plainResponse(const QString &username, const QString &password)
{
    QByteArray raw;
    raw += '\0';
    raw += username.toUtf8();
    raw += '\0';
    QByteArray pass = password.toUtf8();
    raw += pass;
    wipe(pass);
    QByteArray out = raw.toBase64();
    wipe(raw);
    return out;
}

QByteArray xoauth2Response(const QString &username, const QString &accessToken)
{
    QByteArray raw = "user=" + username.toUtf8() + "\x01" "auth=Bearer ";
    QByteArray token = accessToken.toUtf8();
    raw += token;
    raw += "\x01\x01";
    wipe(token);
    QByteArray out = raw.toBase64();
    wipe(raw);
    return out;
}

void wipe(QByteArray &secret)
{
    if (!secret.isEmpty() && !secret.isDetached()) {
        secret.clear(); // shared: another owner still holds the bytes; just drop ours
        return;
    }
    volatile char *p = secret.data();
    for (qsizetype i = 0; i < secret.size(); ++i)
        p[i] = 0;
    secret.clear();
}

void wipe(QString &secret)
{
    if (!secret.isEmpty() && secret.isDetached()) {
        volatile char16_t *p = reinterpret_cast<char16_t *>(secret.data());
        for (qsizetype i = 0; i < secret.size(); ++i)
            p[i] = 0;
    }
    secret.clear();
}

} // namespace Tidings::Imap::Sasl
