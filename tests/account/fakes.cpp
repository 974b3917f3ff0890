// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "tests/account/fakes.h"

#include <QTcpSocket>
#include <QTimer>

namespace Tidings::Test {

void FakeResolver::answer(const QString &name, QObject *context, std::function<void()> deliver)
{
    asked << name;
    QPointer<QObject> guard(context);
    if (m_held.contains(name)) {
        m_waiting[name].append({guard, std::move(deliver)});
        return;
    }
    QTimer::singleShot(0, [guard, deliver = std::move(deliver)] {
        if (guard)
            deliver();
    });
}

void FakeResolver::release(const QString &name)
{
    m_held.remove(name);
    const auto waiting = m_waiting.take(name);
    for (const auto &[guard, deliver] : waiting) {
        if (guard)
            deliver();
    }
}

void FakeResolver::lookupSrv(const QString &name, QObject *context, SrvCallback done)
{
    answer(name, context, [this, name, done] {
        if (failing.contains(name))
            done({}, Error::make(Error::Kind::Network, QStringLiteral("SERVFAIL")));
        else
            done(srv.value(name), Error{});
    });
}

void FakeResolver::lookupMx(const QString &domain, QObject *context, MxCallback done)
{
    answer(domain, context, [this, domain, done] {
        if (failing.contains(domain))
            done({}, Error::make(Error::Kind::Network, QStringLiteral("SERVFAIL")));
        else
            done(mx.value(domain), Error{});
    });
}

HttpServer::HttpServer(QObject *parent)
    : QObject(parent)
{
    m_server.listen(QHostAddress::LocalHost, 0);
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
                const QByteArray head = socket->peek(8192);
                if (!head.contains("\r\n\r\n"))
                    return;
                socket->readAll();
                const QList<QByteArray> words = head.left(head.indexOf("\r\n")).split(' ');
                const QString target = words.size() > 1 ? QString::fromLatin1(words.at(1)) : QString();
                requests << target;
                const QString path = target.section(u'?', 0, 0);
                const auto it = bodies.constFind(path);
                QByteArray reply;
                if (it == bodies.cend())
                    reply = "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                else
                    reply = "HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\nContent-Length: "
                            + QByteArray::number(it->size()) + "\r\nConnection: close\r\n\r\n" + *it;
                socket->write(reply);
                socket->disconnectFromHost();
            });
        }
    });
}

QString HttpServer::url(const QString &path) const
{
    return QStringLiteral("http://127.0.0.1:%1%2").arg(port()).arg(path);
}

} // namespace Tidings::Test
