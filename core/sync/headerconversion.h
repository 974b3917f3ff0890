// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/error.h"
#include "core/imap/fetchjob.h"
#include "core/imap/response.h"
#include "core/imap/session.h"
#include "core/store/headerrows.h"
#include "core/store/messagestore.h"

#include <QList>
#include <QString>

#include <variant>

namespace Tidings::Sync {

/// What a header sync asks for per message: UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE
/// BODYSTRUCTURE (+ MODSEQ under CONDSTORE) and the References header, which ENVELOPE lacks.
[[nodiscard]] Imap::FetchScope headerScope(bool modSeq);

/// Turns one FETCH answer into a row of @p rows, its texts written as UTF-8 straight into the
/// rows' buffer (the header sync's path: no QString per field). A FETCH without a UID, or with
/// UID 0 (RFC 9051 §2.3.1.1: UIDs are non-zero), is a server error: an Error, and no row.
[[nodiscard]] Error appendHeaderFromFetch(const Imap::Fetch &fetch, Store::HeaderRows &rows);

/// The same answer as a MessageHeader (dates in UTC).
[[nodiscard]] std::variant<Store::MessageHeader, Error> headerFromFetch(const Imap::Fetch &fetch);

/// A flag report (FETCH FLAGS [MODSEQ]) as the store's update; an Error for a missing or zero UID.
[[nodiscard]] std::variant<Store::FlagUpdate, Error> flagUpdateFromFetch(const Imap::Fetch &fetch);

/// Formats decoded addresses for the store's display columns: `"Name" <addr>, addr2`. Names
/// with specials are quoted, so Mime::Parser::parseAddresses reads the column back exactly.
[[nodiscard]] QString formatAddressList(const QList<Imap::Address> &addresses);

/// The BODYSTRUCTURE as the store keeps it (MessageHeader::bodyStructure): compact JSON with,
/// per node, "type" ("text/plain"), "size", and when present "encoding", "charset",
/// "disposition", "filename" (decoded) and "parts" (at most 32 levels deep); keys sorted.
[[nodiscard]] QByteArray bodyStructureJson(const Imap::BodyStructure &structure);

/// True when a BODYSTRUCTURE has a part with an attachment disposition or a file name.
[[nodiscard]] bool hasAttachment(const Imap::BodyStructure &structure);

} // namespace Tidings::Sync
