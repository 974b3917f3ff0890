// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

namespace Tidings::Ui {

/// One attachment as the attachment bar lists it. data may arrive later (IMAP fetches
/// attachments when asked for): loaded says whether it is there.
struct AttachmentInfo {
    QString id;         ///< stable key within the message, e.g. the IMAP section "2.1"
    QString fileName;   ///< as the message names it: untrusted, sanitised before any use
    QString mimeType;   ///< "type/subtype"
    qint64 size = -1;   ///< decoded size in bytes, -1 when unknown
    QByteArray data;
    bool loaded = false;
};

/// A part of the message that other parts refer to by Content-ID (RFC 2392).
struct InlineResource {
    QByteArray mimeType;
    QByteArray data;
};

/// What MessageViewer shows: the display parts of one message, each rendered on its own,
/// plus what they may refer to. The caller (the main window, from core/mime's Message)
/// decides which alternative to show.
struct ViewerMessage {
    struct Body {
        enum class Format { PlainText, Html };
        Format format = Format::PlainText;
        QString text;
    };
    QString senderAddress; ///< the From address, for "always show remote content for this sender"
    QList<Body> bodies;
    QHash<QString, InlineResource> inlineResources; ///< by Content-ID without angle brackets
    QList<AttachmentInfo> attachments;
};

} // namespace Tidings::Ui
