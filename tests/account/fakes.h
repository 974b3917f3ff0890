// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/account/resolver.h"

#include <QHash>
#include <QList>
#include <QMap>
#include <QPointer>
#include <QSet>
#include <QStringList>
#include <QTcpServer>

#include <functional>

namespace Tidings::Test {

/// A resolver answering from tables on the next turn of the event loop. Names listed in
/// hold() are not answered until release(name).
class FakeResolver final : public Account::Resolver
{
public:
    QHash<QString, QList<Account::SrvRecord>> srv;
    QHash<QString, QList<Account::MxRecord>> mx;
    QSet<QString> failing; ///< answered with a Network error
    QStringList asked;

    void hold(const QString &name) { m_held.insert(name); }
    void release(const QString &name);

    void lookupSrv(const QString &name, QObject *context, SrvCallback done) override;
    void lookupMx(const QString &domain, QObject *context, MxCallback done) override;

private:
    void answer(const QString &name, QObject *context, std::function<void()> deliver);
    QSet<QString> m_held;
    QMap<QString, QList<std::pair<QPointer<QObject>, std::function<void()>>>> m_waiting;
};

/// A loopback HTTP/1.0 server: GET PATH answers with the body registered for PATH (200) or 404.
class HttpServer final : public QObject
{
    Q_OBJECT
public:
    explicit HttpServer(QObject *parent = nullptr);
    QHash<QString, QByteArray> bodies; ///< path (without query) → body
    QStringList requests;               ///< request targets, with query
    [[nodiscard]] quint16 port() const { return m_server.serverPort(); }
    [[nodiscard]] QString url(const QString &path) const;

private:
    QTcpServer m_server;
};

} // namespace Tidings::Test
