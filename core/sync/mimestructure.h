// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/imap/response.h"
#include "core/mime/bodystructure.h"
#include "core/mime/message.h"

#include <QHash>
#include <QString>
#include <QStringList>

namespace Tidings::Sync {

/// Joins IMAP and MIME for reading a message part by part: the tree a viewer shows is built
/// from the BODYSTRUCTURE the sync already stored plus the BODY[section] contents fetched
/// on demand, so nothing is downloaded twice and attachments are fetched only when opened.
///
/// core/mime knows nothing of IMAP (Mime::BodyStructure is protocol-neutral); this is the
/// adapter, in core/sync because sync is the layer that depends on both. Section numbers
/// follow RFC 3501 §6.4.5 and are the same as Mime::Parser gives for the full message.
class MimeStructure final
{
public:
    MimeStructure() = delete;

    /// Converts a parsed BODYSTRUCTURE (RFC 3501 §7.4.2). Types, subtypes, parameter names
    /// and encodings are lower-cased; values are kept as sent (RFC 2231 pieces and RFC 2047
    /// words are decoded later by the MIME parser, like in a full message). A message/rfc822
    /// node keeps its body as its only child. Nesting deeper than maxDepth is cut (the IMAP
    /// parser already bounds it at Imap::Limits::MaxDepth).
    [[nodiscard]] static Mime::BodyStructure fromImap(const Imap::BodyStructure &structure,
                                                      int maxDepth = 64);

    /// The sections worth fetching to show the message: the text/plain and text/html parts
    /// that are not attachments, and the parts of a multipart/related with a Content-ID
    /// (inline images). Attachments and encapsulated messages are left for later.
    [[nodiscard]] static QStringList displaySections(const Imap::BodyStructure &structure);

    /// The BODY[section] contents of a FETCH response, keyed by section ("1", "2.1",
    /// "HEADER", "3.HEADER"), ready for build(). Partial (<origin>), NIL and streamed
    /// sections are skipped: they are not the whole part.
    [[nodiscard]] static QHash<QString, QByteArray> sectionsFrom(const Imap::Fetch &fetch);

    /// Builds the message: header is BODY[HEADER] (or the whole stored header block),
    /// sections the fetched contents, still transfer-encoded. Parts not fetched are in the
    /// tree with type, name and size and !hasContent(). An encapsulated message whose
    /// "N.HEADER" was not fetched gets the fields its ENVELOPE carries (subject, from, date,
    /// ids), so the viewer can name it without another round trip.
    [[nodiscard]] static Mime::Message build(const QByteArray &header, const Imap::BodyStructure &structure,
                                             QHash<QString, QByteArray> sections,
                                             const Mime::ParseLimits &limits = {});

    /// A header block made of an ENVELOPE's fields (RFC 3501 §7.4.2), CR, LF and NUL removed.
    [[nodiscard]] static QByteArray headerFromEnvelope(const Imap::Envelope &envelope);
};

} // namespace Tidings::Sync
