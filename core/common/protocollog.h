// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <memory>

class QIODevice;

namespace Tidings {

/// Writes one line-protocol connection (POP3, SMTP) in the scripted-server format
/// (docs/testing.md): `S: line` per CRLF-terminated server line, `S+ text` for a partial line
/// left when the connection ends, `C: line` per client line, `TLS` where a STLS/STARTTLS
/// handshake starts, `X` when the connection closes, `#` comments otherwise. A trace from a
/// real server therefore replays in Tidings::Test::ScriptedServer.
///
/// Secrets never reach the device: sessions log USER/PASS/AUTH/APOP through clientRedacted()
/// (`C: PASS ***`) and SASL responses through clientSecret() (`C: ***`).
///
/// Message bodies (RETR, DATA) are logged up to maxBodyBytes() per body; the rest is summarised
/// in a comment, so a log of a 10,000-message download stays readable.
///
/// IMAP has its own logger (core/imap/protocollogger.h) because it must follow literals.
class ProtocolLog final
{
public:
    explicit ProtocolLog(QIODevice *device); ///< not owned; must outlive the log
    ~ProtocolLog();
    Q_DISABLE_COPY_MOVE(ProtocolLog)

    /// A log in a new file in @p dir (or TIDINGS_PROTOCOL_LOG when @p dir is empty), named
    /// `PROTOCOL-HOST-PORT-TIMESTAMP-PID-N.log`; nullptr when neither names a usable directory.
    [[nodiscard]] static std::unique_ptr<ProtocolLog> open(const QString &protocol, const QString &host,
                                                           quint16 port, const QString &dir = {});

    /// Bytes as read from the server, split anywhere.
    void serverBytes(QByteArrayView bytes);
    /// One or more client lines; a trailing CRLF is optional.
    void clientBytes(QByteArrayView bytes);
    /// A client command whose arguments are secret: writes `C: <visible> ***`.
    void clientRedacted(QByteArrayView visible);
    /// A client line that is entirely secret: `C: ***`.
    void clientSecret();
    /// Server bytes of a message body follow (RETR/TOP data); they count against maxBodyBytes().
    void beginServerBody();
    /// The body ended; a summary comment is written if it was cut.
    void endServerBody();
    void tlsStarted();
    void closed();
    void comment(const QString &text);

    void setMaxBodyBytes(qint64 bytes) { m_maxBody = bytes; }
    [[nodiscard]] qint64 maxBodyBytes() const { return m_maxBody; }

    /// Escapes bytes for a script line (`\\`, `\r`, `\n`, `\xHH`).
    [[nodiscard]] static QByteArray escape(QByteArrayView bytes);

private:
    void writeLine(QByteArrayView prefix, QByteArrayView text);
    void flushPending();

    QIODevice *m_device = nullptr;
    std::unique_ptr<QIODevice> m_owned;
    QByteArray m_pending;
    bool m_inBody = false;
    qint64 m_bodyBytes = 0;
    qint64 m_maxBody = 64 * 1024;
};

} // namespace Tidings
