// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/common/tls.h"

#include <QCryptographicHash>
#include <QSslConfiguration>
#include <QSslSocket>

#include <utility>

namespace Tidings {

QString securityName(Security security)
{
    switch (security) {
    case Security::ImplicitTls: return QStringLiteral("tls");
    case Security::StartTls: return QStringLiteral("starttls");
    case Security::None: return QStringLiteral("none");
    }
    return QStringLiteral("tls");
}

std::optional<Security> securityFromName(const QString &name)
{
    const QString n = name.trimmed().toLower();
    if (n == u"tls" || n == u"ssl" || n == u"implicit")
        return Security::ImplicitTls;
    if (n == u"starttls" || n == u"stls")
        return Security::StartTls;
    if (n == u"none" || n == u"plain")
        return Security::None;
    return std::nullopt;
}

QByteArray certificateSha256(const QSslCertificate &certificate)
{
    return QCryptographicHash::hash(certificate.toDer(), QCryptographicHash::Sha256);
}

CertificateProblem::Reason reasonFor(QSslError::SslError error)
{
    switch (error) {
    case QSslError::CertificateExpired: return CertificateProblem::Reason::Expired;
    case QSslError::CertificateNotYetValid: return CertificateProblem::Reason::NotYetValid;
    case QSslError::SelfSignedCertificate:
    case QSslError::SelfSignedCertificateInChain: return CertificateProblem::Reason::SelfSigned;
    case QSslError::UnableToGetLocalIssuerCertificate:
    case QSslError::UnableToGetIssuerCertificate:
    case QSslError::UnableToVerifyFirstCertificate:
    case QSslError::CertificateUntrusted: return CertificateProblem::Reason::UntrustedIssuer;
    case QSslError::HostNameMismatch: return CertificateProblem::Reason::HostnameMismatch;
    case QSslError::CertificateRevoked: return CertificateProblem::Reason::Revoked;
    default: return CertificateProblem::Reason::Invalid;
    }
}

QString CertificateProblem::subject() const
{
    return certificate.subjectDisplayName();
}

QString CertificateProblem::issuer() const
{
    return certificate.issuerDisplayName();
}

QByteArray CertificateProblem::sha256() const
{
    return certificateSha256(certificate);
}

QString CertificateProblem::sha256Hex() const
{
    return QString::fromLatin1(sha256().toHex(':').toUpper());
}

QStringList CertificateProblem::explanations() const
{
    QStringList out;
    for (Reason reason : reasons) {
        QString text;
        switch (reason) {
        case Reason::Expired:
            text = QStringLiteral("The certificate expired on %1.").arg(notAfter().toString(Qt::ISODate));
            break;
        case Reason::NotYetValid:
            text = QStringLiteral("The certificate is not valid before %1; check this computer's date and time.")
                       .arg(notBefore().toString(Qt::ISODate));
            break;
        case Reason::SelfSigned:
            text = QStringLiteral("The certificate is self-signed: nobody vouches for it.");
            break;
        case Reason::UntrustedIssuer:
            text = QStringLiteral("The certificate was issued by an authority this computer does not trust.");
            break;
        case Reason::HostnameMismatch:
            text = QStringLiteral("The certificate was issued for another name, not %1.").arg(host);
            break;
        case Reason::Revoked:
            text = QStringLiteral("The certificate has been revoked.");
            break;
        case Reason::Invalid:
            text = QStringLiteral("The certificate is not valid.");
            break;
        }
        if (!out.contains(text))
            out << text;
    }
    return out;
}

void configureTls(QSslSocket &socket, const QString &host, const TlsPolicy &policy)
{
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    QList<QSslCertificate> cas;
    if (policy.useSystemCaCertificates)
        cas = QSslConfiguration::systemCaCertificates();
    cas += policy.extraCaCertificates;
    config.setCaCertificates(cas);
    config.setPeerVerifyMode(QSslSocket::VerifyPeer);
    config.setProtocol(QSsl::TlsV1_2OrLater);
    socket.setSslConfiguration(config);
    socket.setPeerVerifyName(host);
}

TlsGuard::TlsGuard(QSslSocket *socket, QString host, quint16 port, TlsPolicy policy, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_host(std::move(host))
    , m_port(port)
    , m_policy(std::move(policy))
{
    configureTls(*m_socket, m_host, m_policy);
    connect(m_socket, &QSslSocket::sslErrors, this, &TlsGuard::onSslErrors);
}

TlsGuard::~TlsGuard() = default;

void TlsGuard::onSslErrors(const QList<QSslError> &errors)
{
    const QSslCertificate presented = m_socket->peerCertificate();
    const QByteArray fingerprint = certificateSha256(presented);
    if (!presented.isNull() && m_policy.pinnedSha256.contains(fingerprint)) {
        // The person trusted exactly this certificate for this host and port. Accept exactly
        // these errors for exactly this certificate; anything else fails the handshake.
        QList<QSslError> expected;
        for (const QSslError &e : errors)
            expected << QSslError(e.error(), presented);
        m_socket->ignoreSslErrors(expected);
        m_acceptedByPin = true;
        return;
    }
    CertificateProblem problem;
    problem.host = m_host;
    problem.port = m_port;
    problem.certificate = presented;
    problem.chain = m_socket->peerCertificateChain();
    for (const QSslError &e : errors) {
        const auto reason = reasonFor(e.error());
        if (!problem.reasons.contains(reason))
            problem.reasons << reason;
        problem.errorStrings << e.errorString();
    }
    m_problem = problem;
    m_socket->abort();
    Q_EMIT certificateRejected(problem);
}

Error TlsGuard::error() const
{
    if (!m_problem)
        return {};
    return Error::make(Error::Kind::Tls,
                       QStringLiteral("certificate of %1:%2 refused: %3")
                           .arg(m_host)
                           .arg(m_port)
                           .arg(m_problem->explanations().join(u' ')),
                       {}, "CERTIFICATE");
}

} // namespace Tidings
