// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/account/resolver.h"

#include <QDnsLookup>

#include <algorithm>

namespace Tidings::Account {

namespace {

QString withoutTrailingDot(QString name)
{
    if (name.endsWith(u'.'))
        name.chop(1);
    return name.toLower();
}

/// Starts @p type lookup of @p name; @p deliver runs with the finished lookup unless @p context died.
void startLookup(QDnsLookup::Type type, const QString &name, QObject *context,
                 std::function<void(QDnsLookup *)> deliver)
{
    auto *lookup = new QDnsLookup(type, name);
    QPointer<QObject> guard(context);
    QObject::connect(lookup, &QDnsLookup::finished, lookup, [lookup, guard, deliver = std::move(deliver)] {
        lookup->deleteLater();
        if (guard)
            deliver(lookup);
    });
    if (context) {
        // A cancelled discovery aborts its lookups instead of leaving them to time out.
        QObject::connect(context, &QObject::destroyed, lookup, [lookup] { lookup->abort(); });
    }
    lookup->lookup();
}

Error lookupError(const QDnsLookup *lookup)
{
    switch (lookup->error()) {
    case QDnsLookup::NoError:
    case QDnsLookup::NotFoundError:
        return {};
    default:
        return Error::make(Error::Kind::Network,
                           QStringLiteral("DNS lookup of %1 failed: %2").arg(lookup->name(), lookup->errorString()));
    }
}

} // namespace

Resolver::~Resolver() = default;

void DnsResolver::lookupSrv(const QString &name, QObject *context, SrvCallback done)
{
    startLookup(QDnsLookup::SRV, name, context, [done = std::move(done)](QDnsLookup *lookup) {
        QList<SrvRecord> records;
        const auto raw = lookup->serviceRecords();
        for (const QDnsServiceRecord &r : raw)
            records << SrvRecord{withoutTrailingDot(r.target()), r.port(), r.priority(), r.weight()};
        const Error error = lookupError(lookup);
        done(error ? QList<SrvRecord>{} : records, error);
    });
}

void DnsResolver::lookupMx(const QString &domain, QObject *context, MxCallback done)
{
    startLookup(QDnsLookup::MX, domain, context, [done = std::move(done)](QDnsLookup *lookup) {
        QList<MxRecord> records;
        const auto raw = lookup->mailExchangeRecords();
        for (const QDnsMailExchangeRecord &r : raw)
            records << MxRecord{withoutTrailingDot(r.exchange()), r.preference()};
        const Error error = lookupError(lookup);
        done(error ? QList<MxRecord>{} : records, error);
    });
}

QList<SrvRecord> orderedSrv(QList<SrvRecord> records)
{
    records.removeIf([](const SrvRecord &r) { return r.target.isEmpty() || r.target == u"." || r.port == 0; });
    std::stable_sort(records.begin(), records.end(), [](const SrvRecord &a, const SrvRecord &b) {
        return a.priority != b.priority ? a.priority < b.priority : a.weight > b.weight;
    });
    return records;
}

QList<MxRecord> orderedMx(QList<MxRecord> records)
{
    records.removeIf([](const MxRecord &r) { return r.exchange.isEmpty() || r.exchange == u"."; });
    std::stable_sort(records.begin(), records.end(),
                     [](const MxRecord &a, const MxRecord &b) { return a.preference < b.preference; });
    return records;
}

} // namespace Tidings::Account
