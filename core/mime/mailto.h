// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/mime/message.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace Tidings::Mime {

/// A parsed mailto: URL (RFC 6068): what the composer opens with.
struct MailtoLink final {
    QList<Address> to;
    QList<Address> cc;
    QList<Address> bcc;
    QString subject;           ///< without control characters
    QString body;              ///< line ends normalised to "\n"
    QByteArray inReplyTo;      ///< without angle brackets
    /// Header fields that were present and deliberately not used ("attach", "attachment",
    /// unknown ones), lower case, for a notice in the UI.
    QStringList ignoredFields;

    friend bool operator==(const MailtoLink &, const MailtoLink &) = default;
};

/// Parses mailto: URLs. Percent-encoded octets are UTF-8 (RFC 6068 §2); "+" stays "+".
/// to, cc, bcc, subject, body and in-reply-to are read; attach and attachment are ignored on
/// purpose (a link must never make the composer pick up a local file), as is anything else.
/// Bounded: longer input than maxUrlLength and more than maxAddresses recipients are cut.
class Mailto final
{
public:
    Mailto() = delete;

    static constexpr qsizetype maxUrlLength = 1024 * 1024;
    static constexpr int maxAddresses = 1000;

    /// Empty when the text is not a mailto: URL.
    [[nodiscard]] static std::optional<MailtoLink> parse(QStringView url);
};

} // namespace Tidings::Mime
