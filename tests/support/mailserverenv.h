// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QList>
#include <QSslCertificate>
#include <QString>

#include <optional>

namespace Tidings::Test {

/// One user of the harness mail server.
struct MailUser {
    QString address;  ///< also the login name, e.g. user1@tidings.test
    QString password;
};

/// The harness mail server (tools/mailserver) as the tests see it: read from the env file
/// named by TIDINGS_MAILSERVER_ENV, which the ctest fixture writes.
struct MailServerEnv {
    QString dir;
    QString host;
    quint16 imapPort = 0;  ///< STARTTLS
    quint16 imapsPort = 0; ///< implicit TLS
    quint16 pop3Port = 0;  ///< STLS
    quint16 pop3sPort = 0; ///< implicit TLS
    quint16 smtpPort = 0;  ///< submission, STARTTLS
    quint16 smtpsPort = 0; ///< submission, implicit TLS
    QString caFile;
    QString untrustedCert;
    QString untrustedKey;
    QString mailDomain;
    QList<MailUser> users;

    /// Reads the env file; fails the calling test (QFAIL-style message) if it is missing.
    [[nodiscard]] static std::optional<MailServerEnv> load(QString *error = nullptr);
    /// Reads a specific env file.
    [[nodiscard]] static std::optional<MailServerEnv> loadFile(const QString &path, QString *error = nullptr);

    /// The harness CA, the only certificate a test client should trust.
    [[nodiscard]] QList<QSslCertificate> caCertificates() const;

    /// Adds a new user with a unique name (prefix + counter + pid) to the running server, so a
    /// test gets a fresh, empty mailbox. Returns nullopt and sets @p error on failure.
    [[nodiscard]] std::optional<MailUser> createUser(const QString &prefix, QString *error = nullptr) const;

    /// Delivers a raw message to @p user's INBOX through the server's delivery agent.
    bool deliver(const MailUser &user, const QByteArray &raw, QString *error = nullptr) const;

    /// Runs `tools/mailserver ARGS...` and returns its exit code; output goes to @p output.
    static int runTool(const QStringList &args, QByteArray *output = nullptr);
};

} // namespace Tidings::Test
