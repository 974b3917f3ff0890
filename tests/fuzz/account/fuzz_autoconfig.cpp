// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Feeds arbitrary bytes to the autoconfig (clientConfig v1.1) parser: it must return a result
// or an error, never crash, hang or read out of bounds. Every server it returns obeys the
// parser's promises (no plaintext, login is the address or its local part).
#include "core/account/autoconfigxml.h"

#include <QString>

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const QString email = QStringLiteral("anna@example.org");
    const auto result = Tidings::Account::parseAutoconfig(
        QByteArrayView(reinterpret_cast<const char *>(data), qsizetype(size)), email);
    if (const auto *r = std::get_if<Tidings::Account::AutoconfigResult>(&result)) {
        const auto check = [](const Tidings::Account::AutoconfigServer &s) {
            if (s.endpoint.security == Tidings::Security::None || s.endpoint.port == 0)
                std::abort();
            if (s.endpoint.login != email && s.endpoint.login != QLatin1String("anna"))
                std::abort();
        };
        for (const auto &s : r->incoming)
            check(s);
        for (const auto &s : r->outgoing)
            check(s);
    }
    return 0;
}
