// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/mime/message.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QPair>
#include <QString>

#include <vector>

namespace Tidings::Mime {

/// A protocol-neutral MIME structure, as IMAP BODYSTRUCTURE describes it (RFC 3501 §7.4.2).
/// The IMAP layer converts its own body structures into this; core/mime does not depend on it.
struct BodyStructure final {
    using Parameters = QList<QPair<QByteArray, QByteArray>>;

    QByteArray type;              ///< "text", "multipart", "message", ... (any case)
    QByteArray subtype;           ///< "plain", "mixed", "rfc822", ...
    Parameters parameters;        ///< body parameters as sent, RFC 2231 pieces included
    QByteArray contentId;         ///< with or without angle brackets
    QByteArray description;       ///< raw, may hold RFC 2047 encoded words
    QByteArray encoding;          ///< Content-Transfer-Encoding, e.g. "BASE64"
    qint64 size = 0;              ///< body size in octets, still transfer-encoded
    QByteArray disposition;       ///< "attachment", "inline" or empty
    Parameters dispositionParameters;
    /// Multipart: the children. message/rfc822: one child, the encapsulated message's body.
    std::vector<BodyStructure> children;
};

/// Builds the same Message the Parser gives for the full bytes, from a BODYSTRUCTURE and only
/// the sections that were fetched, so nothing is downloaded twice.
class StructureBuilder final
{
public:
    StructureBuilder() = delete;

    /// header: BODY[HEADER] of the message. sections: fetched BODY[section] contents, still
    /// transfer-encoded, keyed by IMAP section ("1", "2.1"; "3.HEADER" for the header of an
    /// encapsulated message). Parts whose section was not fetched are in the tree with
    /// their type, name and size, and empty content.
    [[nodiscard]] static Message build(const QByteArray &header, const BodyStructure &structure,
                                       const QHash<QString, QByteArray> &sections, const ParseLimits &limits = {});
};

} // namespace Tidings::Mime
