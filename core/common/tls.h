// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/error.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QObject>
#include <QSslCertificate>
#include <QSslError>
#include <QString>

#include <optional>

class QSslSocket;

namespace Tidings {

/// How a connection is protected. There is no silent downgrade: StartTls means "TLS or nothing".
enum class Security {
    ImplicitTls, ///< TLS from the first byte (IMAPS 993, POP3S 995, SMTPS 465), RFC 8314
    StartTls,    ///< plain connect, then STARTTLS/STLS before anything secret; refused → failure
    None,        ///< plaintext; only when the person chose it explicitly (never a default)
};

[[nodiscard]] QString securityName(Security security); ///< "tls", "starttls", "none"
[[nodiscard]] std::optional<Security> securityFromName(const QString &name);

/// Which certificates a connection trusts. Nothing else is ever accepted: a certificate that
/// fails validation passes only if its SHA-256 fingerprint was pinned for this host and port
/// by the person (after seeing a CertificateProblem).
struct TlsPolicy {
    bool useSystemCaCertificates = true;
    QList<QSslCertificate> extraCaCertificates; ///< company CAs, the test harness CA
    QList<QByteArray> pinnedSha256;             ///< raw 32-byte digests trusted for this endpoint

    friend bool operator==(const TlsPolicy &, const TlsPolicy &) = default;
};

/// Why a certificate was refused, in words a person can act on (untranslated core text;
/// ui/ translates by reason).
struct CertificateProblem {
    enum class Reason {
        Expired,
        NotYetValid,      ///< often the computer's clock is wrong
        SelfSigned,
        UntrustedIssuer,  ///< signed by an authority this computer does not trust
        HostnameMismatch, ///< issued for another name
        Revoked,
        Invalid,          ///< anything else Qt reports
    };

    QString host;
    quint16 port = 0;
    QSslCertificate certificate;
    QList<QSslCertificate> chain;
    QList<Reason> reasons;
    QStringList errorStrings; ///< Qt's own texts, for the details pane

    [[nodiscard]] QString subject() const;
    [[nodiscard]] QString issuer() const;
    [[nodiscard]] QDateTime notBefore() const { return certificate.effectiveDate(); }
    [[nodiscard]] QDateTime notAfter() const { return certificate.expiryDate(); }
    /// Raw SHA-256 digest of the DER certificate: what a pin stores.
    [[nodiscard]] QByteArray sha256() const;
    /// "AB:CD:..." for display.
    [[nodiscard]] QString sha256Hex() const;
    /// One sentence per reason, e.g. "The certificate expired on 2024-01-01."
    [[nodiscard]] QStringList explanations() const;
};

[[nodiscard]] CertificateProblem::Reason reasonFor(QSslError::SslError error);
/// SHA-256 of a certificate's DER form.
[[nodiscard]] QByteArray certificateSha256(const QSslCertificate &certificate);

/// Guards the TLS side of one socket: configures trust from a TlsPolicy and judges sslErrors.
///
/// It must be attached before the handshake starts. On sslErrors it accepts the exact error
/// list only if the presented certificate's fingerprint is pinned; otherwise it records a
/// CertificateProblem, aborts the socket (nothing, and certainly no credential, is sent) and
/// emits certificateRejected(). There is no other path that ignores an SSL error.
class TlsGuard final : public QObject
{
    Q_OBJECT
public:
    TlsGuard(QSslSocket *socket, QString host, quint16 port, TlsPolicy policy, QObject *parent = nullptr);
    ~TlsGuard() override;
    Q_DISABLE_COPY_MOVE(TlsGuard)

    /// Set when the last handshake was refused.
    [[nodiscard]] const std::optional<CertificateProblem> &problem() const { return m_problem; }
    /// A Kind::Tls error describing the refusal (empty if none).
    [[nodiscard]] Error error() const;
    /// True if the certificate was accepted through a pin rather than normal validation.
    [[nodiscard]] bool acceptedByPin() const { return m_acceptedByPin; }

Q_SIGNALS:
    void certificateRejected(const Tidings::CertificateProblem &problem);

private:
    void onSslErrors(const QList<QSslError> &errors);

    QSslSocket *m_socket;
    QString m_host;
    quint16 m_port;
    TlsPolicy m_policy;
    std::optional<CertificateProblem> m_problem;
    bool m_acceptedByPin = false;
};

/// Applies the policy's trust store and strict verification to @p socket (TLS 1.2 or later,
/// VerifyPeer, the host name as the peer verify name).
void configureTls(QSslSocket &socket, const QString &host, const TlsPolicy &policy);

} // namespace Tidings

Q_DECLARE_METATYPE(Tidings::CertificateProblem)
