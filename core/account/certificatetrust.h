// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/error.h"
#include "core/common/tls.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QSslCertificate>
#include <QString>

namespace Tidings::Account {

/// Where the certificates a person trusted are remembered: SHA-256 digests per host and port.
/// The store keeps them in the profile database (Store::CertificatePinStore); tests and the
/// first run of a wizard keep them in memory.
class CertificatePins
{
public:
    CertificatePins() = default;
    virtual ~CertificatePins();
    Q_DISABLE_COPY_MOVE(CertificatePins)

    [[nodiscard]] virtual QList<QByteArray> pins(const QString &host, quint16 port) const = 0;
    virtual Error addPin(const QString &host, quint16 port, const QByteArray &sha256) = 0;
};

class MemoryCertificatePins final : public CertificatePins
{
public:
    [[nodiscard]] QList<QByteArray> pins(const QString &host, quint16 port) const override;
    Error addPin(const QString &host, quint16 port, const QByteArray &sha256) override;

private:
    QHash<QString, QList<QByteArray>> m_pins;
};

/// Trust that applies to every connection: the system's CAs and any extra CAs the person
/// configured (a company CA). Pins come on top, per host and port.
struct TrustSettings {
    bool useSystemCaCertificates = true;
    QList<QSslCertificate> extraCaCertificates;

    /// Reads PEM certificates from @p path and adds them; an error if the file holds none.
    Error addCaFile(const QString &path);
    /// The policy for one endpoint: these CAs plus the pins stored for @p host and @p port.
    [[nodiscard]] TlsPolicy policyFor(const QString &host, quint16 port, const CertificatePins *pins) const;
};

/// A question for the person: "this server's certificate failed validation; trust it for this
/// host and port?" It carries everything to decide (CertificateProblem: subject, issuer,
/// validity, SHA-256 fingerprint, the reasons in plain words) and is answered later, from the
/// UI or the command line, with trust() or refuse(). trust() stores the pin for exactly this
/// certificate, host and port; a different certificate later asks again. Answering twice does
/// nothing.
class CertificateTrustRequest final : public QObject
{
    Q_OBJECT
public:
    CertificateTrustRequest(CertificateProblem problem, CertificatePins *pins, QObject *parent = nullptr);
    ~CertificateTrustRequest() override;
    Q_DISABLE_COPY_MOVE(CertificateTrustRequest)

    [[nodiscard]] const CertificateProblem &problem() const { return m_problem; }
    [[nodiscard]] bool isAnswered() const { return m_answered; }

    /// Pins the certificate; answered(true) follows (or answered(false) if storing failed).
    void trust();
    void refuse();

    /// A multi-line description for the command line and logs.
    [[nodiscard]] QString describe() const;

Q_SIGNALS:
    void answered(bool trusted);

private:
    CertificateProblem m_problem;
    CertificatePins *m_pins;
    bool m_answered = false;
};

/// "host:port" as pins and messages name an endpoint.
[[nodiscard]] QString endpointKey(const QString &host, quint16 port);

} // namespace Tidings::Account
