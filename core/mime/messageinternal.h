// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Internal to core/mime: the steps Parser and the IMAP structure builder share.
#pragma once

#include "core/mime/message.h"

#include <QByteArray>
#include <QList>

namespace Tidings::Mime::Detail {

/// A header field as read, before decoding.
struct RawHeader {
    QByteArray name;
    QByteArray value; ///< raw bytes, possibly folded and 8-bit
};

/// Splits a raw header block into fields (unfolding continuation lines into the field).
[[nodiscard]] QList<RawHeader> splitHeaderBlock(QByteArrayView block);

/// Fills headers, subject, addresses, date and ids of message from its raw top-level fields.
/// A single-instance field that appears more than once is taken from its first occurrence;
/// differing copies mark the message as possibly crafted.
void fillHeaderFields(Message &message, const QList<RawHeader> &headers, const ParseLimits &limits);

/// Chooses bestTextIndex, bestHtmlIndex and attachmentIndexes from the part tree.
void selectBodies(Message &message);

/// The size content will have once its transfer encoding (as in Part::transferEncoding) is
/// undone, without decoding it: exact for identity encodings and base64, computed from
/// escapes and line lengths for quoted-printable and uuencode.
[[nodiscard]] qint64 decodedSizeEstimate(QByteArrayView encoded, const QByteArray &transferEncoding);

/// Undoes a transfer encoding (RFC 2045 §6: base64, quoted-printable; uuencode), named as
/// in Part::transferEncoding. Identity encodings give the bytes as they are.
[[nodiscard]] QByteArray transferDecode(QByteArrayView encoded, const QByteArray &transferEncoding);

/// True for "", 7bit, 8bit and binary: content that needs no transfer decoding.
[[nodiscard]] bool isIdentityEncoding(const QByteArray &transferEncoding);

/// Marks the message as cut short (keeps the first reason).
void markTooComplex(Message &message, Complexity reason);

/// Adds a warning once.
void addWarning(Message &message, const QString &warning);

} // namespace Tidings::Mime::Detail
