// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "ui/remoteimageloader.h"

#include <QBuffer>
#include <QImageReader>
#include <QNetworkAccessManager>
#include <QNetworkCookie>
#include <QNetworkCookieJar>
#include <QNetworkReply>
#include <QNetworkRequest>

namespace Tidings::Ui {

namespace {

/// Keeps no cookie and sends none: images in mail must not track across messages.
class RefusingCookieJar final : public QNetworkCookieJar
{
public:
    using QNetworkCookieJar::QNetworkCookieJar;
    QList<QNetworkCookie> cookiesForUrl(const QUrl &) const override { return {}; }
    bool setCookiesFromUrl(const QList<QNetworkCookie> &, const QUrl &) override { return false; }
};

bool isWebUrl(const QUrl &url)
{
    const QString scheme = url.scheme().toLower();
    return (scheme == u"http" || scheme == u"https") && !url.host().isEmpty();
}

} // namespace

RemoteImageLoader::RemoteImageLoader(QNetworkAccessManager *nam, QObject *parent)
    : QObject(parent)
    , m_nam(nam ? nam : new QNetworkAccessManager(this))
{
    if (!nam) {
        m_nam->setCookieJar(new RefusingCookieJar(m_nam));
        m_nam->setRedirectPolicy(QNetworkRequest::NoLessSafeRedirectPolicy);
        m_nam->setTransferTimeout(30000);
    }
}

RemoteImageLoader::~RemoteImageLoader()
{
    clear();
}

QImage RemoteImageLoader::image(const QUrl &url)
{
    if (auto it = m_images.constFind(url); it != m_images.constEnd())
        return *it;
    if (!isWebUrl(url) || m_requested.contains(url) || m_requested.size() >= MaxRequestsPerMessage)
        return {};
    m_requested.insert(url);
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
    request.setMaximumRedirectsAllowed(5);
    request.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    request.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
    request.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    request.setHeader(QNetworkRequest::UserAgentHeader, QByteArrayLiteral("Mozilla/5.0"));
    request.setRawHeader("Accept", "image/png,image/jpeg,image/gif,image/webp,image/*;q=0.8");
    QNetworkReply *reply = m_nam->get(request);
    m_inFlight.insert(reply);
    connect(reply, &QNetworkReply::downloadProgress, reply, [reply](qint64 received, qint64 total) {
        if (received > MaxImageBytes || total > MaxImageBytes)
            reply->abort();
    });
    connect(reply, &QNetworkReply::finished, this, [this, reply] { finished(reply); });
    return {};
}

void RemoteImageLoader::finished(QNetworkReply *reply)
{
    m_inFlight.remove(reply);
    reply->deleteLater();
    if (reply->error() != QNetworkReply::NoError)
        return;
    QByteArray bytes = reply->read(MaxImageBytes + 1);
    if (bytes.size() > MaxImageBytes)
        return;
    QBuffer buffer(&bytes);
    QImageReader reader(&buffer);
    reader.setAutoTransform(true);
    const QImage img = reader.read();
    if (img.isNull())
        return;
    const QUrl url = reply->request().url();
    m_images.insert(url, img);
    Q_EMIT imageLoaded(url);
}

void RemoteImageLoader::clear()
{
    const QSet<QNetworkReply *> inFlight = std::exchange(m_inFlight, {});
    for (QNetworkReply *reply : inFlight) {
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
    m_images.clear();
    m_requested.clear();
}

} // namespace Tidings::Ui
