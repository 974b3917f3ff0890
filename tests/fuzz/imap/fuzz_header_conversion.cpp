// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Fuzzes what the initial sync makes of a server's FETCH answers: Tidings::Imap::Parser, then
// Sync::headerFromFetch for every FETCH (RFC 2047 decoding of subjects, names and file names,
// address lists, the Date: field, the BODYSTRUCTURE as JSON). Checks: decoded text holds no
// control character that could start a header line of its own; the BODYSTRUCTURE JSON parses;
// a date is UTC and equal to what Qt's RFC 2822 parser makes of the field (headerFromFetch reads
// the common form itself: a differential check of that fast path); and Sync::appendHeaderFromFetch,
// the sync's own path, into one HeaderRows for the whole input gives each row back equal to
// headerFromFetch's header, refusing exactly what it refuses.
#include "core/imap/parser.h"
#include "core/sync/headerconversion.h"

#include <QJsonDocument>
#include <QString>

#include <cstdint>
#include <cstdlib>

namespace {

using namespace Tidings;

void checkText(const QString &text)
{
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if (u < 0x20 || u == 0x7F || u == 0x2028 || u == 0x2029 || u == 0x85)
            std::abort();
    }
}

QDateTime qtDate(const QByteArray &raw)
{
    QDateTime date = QDateTime::fromString(QString::fromLatin1(raw).simplified(), Qt::RFC2822Date);
    if (!date.isValid()) {
        const QString text = QString::fromLatin1(raw).simplified();
        const qsizetype paren = text.indexOf(u'(');
        if (paren > 0)
            date = QDateTime::fromString(text.left(paren).trimmed(), Qt::RFC2822Date);
    }
    return date.isValid() ? date.toUTC() : QDateTime();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Imap::Parser parser;
    parser.setExpectGreeting(false);
    // Every answer also goes into one HeaderRows, as a sync's chunk collects them: each row must
    // read back as the header alone, whatever the rows before it left in the buffer.
    Store::HeaderRows rows;
    parser.setResponseHandler([&rows](Imap::Response &&r) {
        const auto *fetch = std::get_if<Imap::Fetch>(&r);
        if (!fetch)
            return;
        auto converted = Sync::headerFromFetch(*fetch);
        const auto *h = std::get_if<Store::MessageHeader>(&converted);
        const qsizetype before = rows.size();
        const bool appended = !Sync::appendHeaderFromFetch(*fetch, rows);
        if (appended != bool(h) || rows.size() != before + (appended ? 1 : 0))
            std::abort();
        if (!h) {
            if (fetch->uid && *fetch->uid != 0)
                std::abort(); // only a missing or zero UID is refused
            return;
        }
        if (rows.header(before) != *h)
            std::abort();
        checkText(h->subject);
        checkText(h->from);
        checkText(h->to);
        checkText(h->cc);
        if (!h->bodyStructure.isEmpty()) {
            QJsonParseError error;
            if (QJsonDocument::fromJson(h->bodyStructure, &error).isNull())
                std::abort();
        }
        if (h->date.isValid() && h->date.timeSpec() != Qt::UTC)
            std::abort();
        if (fetch->envelope) {
            const QDateTime expected = qtDate(fetch->envelope->date);
            if (h->date != expected || h->date.isValid() != expected.isValid())
                std::abort();
        }
    });
    parser.feed(QByteArrayView(reinterpret_cast<const char *>(data), qsizetype(size)));
    return 0;
}
