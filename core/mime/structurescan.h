// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/mime/message.h"

#include <QByteArrayView>
#include <QList>
#include <QPair>

namespace Tidings::Mime {

/// A bounded pass over raw message bytes that runs before GMime sees them.
///
/// GMime's parser recurses once per nested multipart or message/rfc822 and has no limit on
/// the number of parts, so a hostile message could exhaust a small worker-thread stack or
/// the memory. This scan follows the MIME structure line by line, iteratively, keeping a
/// stack of open boundaries exactly as GMime matches them ("--boundary" or "--boundary--"
/// followed only by white space, RFC 2046 §5.1.1), and reports the first offset at which a
/// bound of ParseLimits is exceeded. Parsing then stops there: GMime parses only the bytes
/// before the cut, and the message says it was too complex.
///
/// The scan errs towards counting more: where it cannot be sure how GMime reads a
/// Content-Type (several Content-Type fields, RFC 2231 or escaped boundaries, comments) it
/// opens a level whose boundary never matches, and it keeps reading header fields until an
/// empty line even where GMime would already take a line as body text. The depth it reports
/// is therefore never below the depth GMime will reach on the same bytes.
///
/// A header block is cut before the line that takes it over ParseLimits::maxHeaderBytes, so
/// no single line can carry a block past the bound. In Content-Type and Content-Disposition
/// fields it counts every ';' (quoted or not: an upper bound on the parameters GMime reads)
/// and reports what lies beyond ParseLimits::maxParameters of them.
class StructureScan final
{
public:
    struct Result {
        qsizetype cutOffset = -1; ///< first byte not to parse, -1 when within all limits
        Complexity reason = Complexity::Ok;
        int maxDepth = 0;     ///< deepest nesting seen (before any cut)
        int headerBlocks = 0; ///< header blocks seen: roughly the number of MIME parts
        /// Byte ranges (offset, length) of Content-Type and Content-Disposition fields from
        /// the ';' that starts parameter ParseLimits::maxParameters + 1 to the end of the
        /// field, one range per line, line breaks excluded: what the parser blanks out
        /// before GMime reads the fields. Only ranges before cutOffset.
        QList<QPair<qsizetype, qsizetype>> excessParameters;
    };

    [[nodiscard]] static Result scan(QByteArrayView bytes, const ParseLimits &limits);

    /// The boundary parameter of a Content-Type value when it can be read without doubt;
    /// empty otherwise (absent, RFC 2231 continuations, escapes, comments, repeated).
    [[nodiscard]] static QByteArray unambiguousBoundary(QByteArrayView contentTypeValue);
};

} // namespace Tidings::Mime
