// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include <QHash>
#include <QImage>
#include <QObject>
#include <QSet>
#include <QUrl>

class QNetworkAccessManager;
class QNetworkReply;

namespace Tidings::Ui {

/// Fetches the remote images of a message once the person allowed them, and nothing else.
///
/// The viewer's text browser never touches the network: it asks the viewer, the viewer asks
/// this loader, and the loader fetches asynchronously through its own QNetworkAccessManager
/// with no cookies (a jar that keeps nothing and sends nothing), no Referer, only http and
/// https, redirects only to equally safe URLs, a size cap per image and a cap on the number
/// of images per message. clear() aborts everything in flight (the next message starts clean).
class RemoteImageLoader final : public QObject
{
    Q_OBJECT
public:
    /// nam: the access manager to use (tests pass one); a private one is made when null.
    explicit RemoteImageLoader(QNetworkAccessManager *nam = nullptr, QObject *parent = nullptr);
    ~RemoteImageLoader() override;
    Q_DISABLE_COPY_MOVE(RemoteImageLoader)

    static constexpr qint64 MaxImageBytes = 8 * 1024 * 1024;
    static constexpr int MaxRequestsPerMessage = 300;

    /// The image if it has arrived; otherwise starts fetching it (once) and returns a null image.
    [[nodiscard]] QImage image(const QUrl &url);
    /// Aborts requests in flight and forgets every image.
    void clear();
    /// Requests started since the last clear().
    [[nodiscard]] int requestCount() const { return m_requested.size(); }

Q_SIGNALS:
    void imageLoaded(const QUrl &url);

private:
    void finished(QNetworkReply *reply);

    QNetworkAccessManager *m_nam = nullptr;
    QHash<QUrl, QImage> m_images;
    QSet<QUrl> m_requested;
    QSet<QNetworkReply *> m_inFlight;
};

} // namespace Tidings::Ui
