// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QBuffer>
#include <QImage>
#include <QStringList>
#include <QTcpServer>
#include <QTcpSocket>

namespace Tidings::Test {

/// A loopback HTTP server on port 0 that counts every connection and records every request
/// path, answering each with a 2x2 PNG. Anything the viewer fetches shows up here.
class HttpCounter final : public QObject
{
    Q_OBJECT
public:
    HttpCounter()
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                ++m_connections;
                connect(socket, &QTcpSocket::readyRead, socket, [this, socket] { serve(socket); });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
        QImage img(2, 2, QImage::Format_RGB32);
        img.fill(Qt::red);
        QBuffer buffer(&m_png);
        buffer.open(QIODevice::WriteOnly);
        img.save(&buffer, "PNG");
    }

    [[nodiscard]] bool isListening() const { return m_server.isListening(); }
    [[nodiscard]] QString authority() const { return QStringLiteral("127.0.0.1:%1").arg(m_server.serverPort()); }
    [[nodiscard]] int connections() const { return m_connections; }
    [[nodiscard]] const QStringList &paths() const { return m_paths; }

private:
    void serve(QTcpSocket *socket)
    {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        qsizetype end;
        while ((end = buffer.indexOf("\r\n\r\n")) >= 0) {
            const QByteArray head = buffer.left(end);
            buffer.remove(0, end + 4);
            const QList<QByteArray> requestLine = head.split('\n').value(0).trimmed().split(' ');
            m_paths << QString::fromLatin1(requestLine.value(1));
            socket->write("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: "
                          + QByteArray::number(m_png.size()) + "\r\n\r\n" + m_png);
        }
    }

    QTcpServer m_server;
    QByteArray m_png;
    int m_connections = 0;
    QStringList m_paths;
    QHash<QTcpSocket *, QByteArray> m_buffers;
};

} // namespace Tidings::Test
