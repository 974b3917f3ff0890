// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/mime/message.h"

#include <QByteArrayView>

namespace Tidings::Mime {

/// Turns raw RFC 5322 bytes (a POP3 download, an IMAP BODY[], an .eml file) into a Message.
///
/// Parsing is bounded by ParseLimits: StructureScan finds the first byte beyond a bound
/// before GMime sees anything, GMime parses only what comes before it, and the Message
/// carries tooComplex with a note. Nothing here recurses deeper than ParseLimits::maxDepth,
/// so a parse is safe on a worker thread with a small stack. Thread-safe: every call uses
/// its own GMime parser and options.
class Parser final
{
public:
    Parser() = delete;

    /// Parses one message (RFC 5322 §3, MIME RFC 2045–2049). A leading mbox "From " line is
    /// skipped.
    [[nodiscard]] static Message parse(QByteArrayView raw, const ParseLimits &limits = {});

    /// Parses only a header block (e.g. an IMAP BODY[HEADER]): fills the header fields of
    /// a Message and leaves parts empty.
    [[nodiscard]] static Message parseHeaders(QByteArrayView headerBytes, const ParseLimits &limits = {});

    /// Decodes an address list header value (RFC 5322 §3.4, RFC 2047 names, raw 8-bit names).
    /// At most maxAddresses mailboxes are returned; truncated, when given, says if more existed.
    [[nodiscard]] static QList<Address> parseAddresses(QByteArrayView raw, int maxAddresses = 1000,
                                                       bool *truncated = nullptr);
};

} // namespace Tidings::Mime
