// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <cstdint>
#include <memory>

class QIODevice;

namespace Tidings::Imap {

/// Writes one IMAP connection's traffic in the scripted-server format (docs/testing.md):
/// `S: line` for every CRLF-terminated server line, `S+ text` for a partial line when the
/// connection ends, `C: line` for every client line, `TLS` where the handshake starts, `#`
/// comments for everything else. A trace from a real server can therefore be replayed by
/// Tidings::Test::ScriptedServer, except for the redacted client lines.
///
/// Secrets never reach the device: the session logs LOGIN and AUTHENTICATE commands through
/// clientRedacted(), which writes only the tag and command name followed by `***`, and every
/// later client line of such a command (literal parts, SASL continuation responses) as `C: ***`.
///
/// Bytes are escaped as the script reader expects (`\\`, `\r`, `\n`, `\xHH` for control bytes
/// and invalid UTF-8). Literals announced by the server (`{n}` at the end of a line) are tracked
/// so their content is escaped rather than split at stray CRs, and a literal larger than
/// maxLiteralBytes() is shortened to its first bytes plus a `#` comment with the elided size.
class ProtocolLogger final
{
public:
    /// Logs into @p device (not owned; must stay open while the logger lives).
    explicit ProtocolLogger(QIODevice *device);
    ~ProtocolLogger();
    Q_DISABLE_COPY_MOVE(ProtocolLogger)

    /// Opens (truncates) @p path and logs into it; nullptr and @p error on failure.
    [[nodiscard]] static std::unique_ptr<ProtocolLogger> openFile(const QString &path, QString *error = nullptr);
    /// With TIDINGS_PROTOCOL_LOG naming a directory, a logger writing a new file there named
    /// `imap-HOST-PORT-TIMESTAMP-PID-N.log`; nullptr when the variable is unset or unusable.
    [[nodiscard]] static std::unique_ptr<ProtocolLogger> fromEnvironment(const QString &host, quint16 port);

    /// Literals above this size are cut (0 = never). Default 64 KiB.
    void setMaxLiteralBytes(std::uint64_t bytes) { m_maxLiteral = bytes; }
    [[nodiscard]] std::uint64_t maxLiteralBytes() const { return m_maxLiteral; }

    /// Bytes as read from the server, split anywhere.
    void serverBytes(QByteArrayView bytes);
    /// One client line (without CRLF) or the literal bytes that follow a literal announcement.
    /// @p bytes may hold several CRLF-separated lines; a trailing CRLF is optional.
    void clientBytes(QByteArrayView bytes);
    /// A client command whose arguments are secret: writes `C: <visible> ***`.
    void clientRedacted(QByteArrayView visible);
    /// A client line that is entirely secret (SASL response, literal of a LOGIN): `C: ***`.
    void clientSecret();
    /// The TLS handshake starts (STARTTLS accepted, or implicit TLS on connect).
    void tlsStarted();
    /// A comment line (`# text`), e.g. the connection's end.
    void comment(const QString &text);
    /// Writes out a pending partial server line as `S+` (call when the connection ends).
    void flush();

    /// Escapes bytes for a script line (exposed for tests).
    [[nodiscard]] static QByteArray escape(QByteArrayView bytes);

private:
    void writeLine(QByteArrayView prefix, QByteArrayView text);
    void serverLine(QByteArrayView line);

    QIODevice *m_device = nullptr;
    std::unique_ptr<QIODevice> m_owned;
    QByteArray m_serverPending;       ///< bytes of an incomplete server line
    std::uint64_t m_literalLeft = 0;  ///< server literal bytes still to come
    std::uint64_t m_literalLogged = 0; ///< bytes of the current literal written so far
    std::uint64_t m_literalSize = 0;
    std::uint64_t m_maxLiteral = 64 * 1024;
};

} // namespace Tidings::Imap
