// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/account/certificatetrust.h"

#include <QFile>

#include <utility>

namespace Tidings::Account {

CertificatePins::~CertificatePins() = default;

QString endpointKey(const QString &host, quint16 port)
{
    return host.toLower() + u':' + QString::number(port);
}

QList<QByteArray> MemoryCertificatePins::pins(const QString &host, quint16 port) const
{
    return m_pins.value(endpointKey(host, port));
}

Error MemoryCertificatePins::addPin(const QString &host, quint16 port, const QByteArray &sha256)
{
    if (sha256.size() != 32)
        return Error::make(Error::Kind::Config, QStringLiteral("a pin is a 32-byte SHA-256 digest"));
    QList<QByteArray> &list = m_pins[endpointKey(host, port)];
    if (!list.contains(sha256))
        list.append(sha256);
    return {};
}

Error TrustSettings::addCaFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error::make(Error::Kind::Config, QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    const QList<QSslCertificate> certificates = QSslCertificate::fromData(file.read(1024 * 1024), QSsl::Pem);
    if (certificates.isEmpty())
        return Error::make(Error::Kind::Config, QStringLiteral("%1 holds no PEM certificate").arg(path));
    extraCaCertificates += certificates;
    return {};
}

TlsPolicy TrustSettings::policyFor(const QString &host, quint16 port, const CertificatePins *pins) const
{
    TlsPolicy policy;
    policy.useSystemCaCertificates = useSystemCaCertificates;
    policy.extraCaCertificates = extraCaCertificates;
    if (pins)
        policy.pinnedSha256 = pins->pins(host, port);
    return policy;
}

CertificateTrustRequest::CertificateTrustRequest(CertificateProblem problem, CertificatePins *pins, QObject *parent)
    : QObject(parent)
    , m_problem(std::move(problem))
    , m_pins(pins)
{
}

CertificateTrustRequest::~CertificateTrustRequest() = default;

void CertificateTrustRequest::trust()
{
    if (m_answered)
        return;
    m_answered = true;
    bool ok = m_pins && !m_problem.certificate.isNull();
    if (ok)
        ok = !m_pins->addPin(m_problem.host, m_problem.port, m_problem.sha256()).isError();
    Q_EMIT answered(ok);
}

void CertificateTrustRequest::refuse()
{
    if (m_answered)
        return;
    m_answered = true;
    Q_EMIT answered(false);
}

QString CertificateTrustRequest::describe() const
{
    QStringList lines;
    lines << QStringLiteral("Server:      %1").arg(endpointKey(m_problem.host, m_problem.port));
    lines << QStringLiteral("Subject:     %1").arg(m_problem.subject());
    lines << QStringLiteral("Issuer:      %1").arg(m_problem.issuer());
    lines << QStringLiteral("Valid from:  %1").arg(m_problem.notBefore().toString(Qt::ISODate));
    lines << QStringLiteral("Valid until: %1").arg(m_problem.notAfter().toString(Qt::ISODate));
    lines << QStringLiteral("SHA-256:     %1").arg(m_problem.sha256Hex());
    for (const QString &reason : m_problem.explanations())
        lines << QStringLiteral("Problem:     %1").arg(reason);
    return lines.join(u'\n');
}

} // namespace Tidings::Account
