// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/error.h"

#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>

#include <functional>

namespace Tidings::Account {

/// An SRV record (RFC 2782). A target of "." means "no such service here" (RFC 6186 §3.4).
struct SrvRecord {
    QString target;
    quint16 port = 0;
    quint16 priority = 0;
    quint16 weight = 0;

    friend bool operator==(const SrvRecord &, const SrvRecord &) = default;
};

/// An MX record.
struct MxRecord {
    QString exchange;
    quint16 preference = 0;

    friend bool operator==(const MxRecord &, const MxRecord &) = default;
};

/// DNS as discovery needs it, behind an interface so tests answer from a table.
///
/// Answers arrive later, on the event loop, through the callback. The callback is dropped
/// (never called) if @p context is destroyed first, which is how a cancelled discovery stops
/// listening. A name that does not exist is an empty list, not an error; an error means the
/// question could not be answered (no network, server failure, timeout).
class Resolver
{
public:
    using SrvCallback = std::function<void(const QList<SrvRecord> &records, const Tidings::Error &error)>;
    using MxCallback = std::function<void(const QList<MxRecord> &records, const Tidings::Error &error)>;

    Resolver() = default;
    virtual ~Resolver();
    Q_DISABLE_COPY_MOVE(Resolver)

    /// SRV lookup of a full name such as "_imaps._tcp.example.org".
    virtual void lookupSrv(const QString &name, QObject *context, SrvCallback done) = 0;
    /// MX lookup of a domain.
    virtual void lookupMx(const QString &domain, QObject *context, MxCallback done) = 0;
};

/// The production resolver: QDnsLookup with the system's resolver configuration.
class DnsResolver final : public Resolver
{
public:
    DnsResolver() = default;
    void lookupSrv(const QString &name, QObject *context, SrvCallback done) override;
    void lookupMx(const QString &domain, QObject *context, MxCallback done) override;
};

/// Orders SRV records by priority, then by descending weight (RFC 2782 selection, without the
/// randomness: discovery wants a stable answer), and drops "." targets.
[[nodiscard]] QList<SrvRecord> orderedSrv(QList<SrvRecord> records);
/// Orders MX records by preference.
[[nodiscard]] QList<MxRecord> orderedMx(QList<MxRecord> records);

} // namespace Tidings::Account
