// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

namespace Tidings::Imap {

/// The capability list a server announced (RFC 9051 §7.2.2), upper-cased, with the questions
/// the session and jobs ask of it. Empty means "not known yet", not "nothing supported".
class Capabilities final
{
public:
    Capabilities() = default;
    explicit Capabilities(QList<QByteArray> list);

    [[nodiscard]] bool isEmpty() const { return m_list.isEmpty(); }
    [[nodiscard]] const QList<QByteArray> &list() const { return m_list; }
    /// Case-insensitive; "AUTH=PLAIN" style names included.
    [[nodiscard]] bool has(QByteArrayView capability) const;
    /// The SASL mechanisms from AUTH=... entries, upper case.
    [[nodiscard]] QList<QByteArray> authMechanisms() const;

    [[nodiscard]] bool imap4rev2() const { return has("IMAP4REV2"); }
    [[nodiscard]] bool loginDisabled() const { return has("LOGINDISABLED"); }
    [[nodiscard]] bool startTls() const { return has("STARTTLS"); }
    [[nodiscard]] bool saslIr() const { return has("SASL-IR"); }
    [[nodiscard]] bool idle() const { return has("IDLE") || imap4rev2(); }
    [[nodiscard]] bool move() const { return has("MOVE") || imap4rev2(); }
    [[nodiscard]] bool uidPlus() const { return has("UIDPLUS") || imap4rev2(); }
    [[nodiscard]] bool esearch() const { return has("ESEARCH") || imap4rev2(); }
    [[nodiscard]] bool condStore() const { return has("CONDSTORE") || has("QRESYNC"); }
    [[nodiscard]] bool qresync() const { return has("QRESYNC"); }
    [[nodiscard]] bool literalPlus() const { return has("LITERAL+"); }
    [[nodiscard]] bool literalMinus() const { return has("LITERAL-") || imap4rev2(); }
    [[nodiscard]] bool specialUse() const { return has("SPECIAL-USE"); }
    [[nodiscard]] bool listStatus() const { return has("LIST-STATUS") || imap4rev2(); }
    [[nodiscard]] bool listExtended() const { return has("LIST-EXTENDED") || imap4rev2(); }
    [[nodiscard]] bool enable() const { return has("ENABLE") || imap4rev2(); }
    [[nodiscard]] bool id() const { return has("ID"); }
    [[nodiscard]] bool utf8Accept() const { return has("UTF8=ACCEPT"); }

    friend bool operator==(const Capabilities &, const Capabilities &) = default;

private:
    QList<QByteArray> m_list;
};

} // namespace Tidings::Imap
