// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/account/credentialstore.h"

#include <qt6keychain/keychain.h>

#include <utility>

namespace Tidings::Account {

namespace {

bool isUnavailable(QKeychain::Error error)
{
    return error == QKeychain::NoBackendAvailable || error == QKeychain::NotImplemented ||
           error == QKeychain::AccessDeniedByUser || error == QKeychain::AccessDenied ||
           error == QKeychain::OtherError;
}

} // namespace

CredentialStore::CredentialStore(QString service, QObject *parent)
    : QObject(parent)
    , m_service(std::move(service))
{}

CredentialStore::~CredentialStore() = default;

QString CredentialStore::keyFor(const QString &profileId, const QString &accountId, const QString &purpose)
{
    return profileId + u'/' + accountId + u'/' + purpose;
}

void CredentialStore::fallBackToMemory(const QString &detail)
{
    m_memoryOnly = true;
    if (!m_warned) {
        m_warned = true;
        Q_EMIT keychainUnavailable(detail);
    }
}

void CredentialStore::write(const QString &key, const QString &secret, DoneCallback done)
{
    if (m_memoryOnly) {
        m_memory.insert(key, secret);
        done(Error{});
        return;
    }
    auto *job = new QKeychain::WritePasswordJob(m_service, this);
    job->setInsecureFallback(false);
    job->setAutoDelete(true);
    job->setKey(key);
    job->setTextData(secret);
    connect(job, &QKeychain::Job::finished, this,
            [this, key, secret, done = std::move(done)](QKeychain::Job *j) {
                if (j->error() == QKeychain::NoError) {
                    done(Error{});
                } else if (isUnavailable(j->error())) {
                    fallBackToMemory(j->errorString());
                    m_memory.insert(key, secret);
                    done(Error{});
                } else {
                    done(Error::make(Error::Kind::Storage,
                                     QStringLiteral("keychain write failed: ") + j->errorString()));
                }
            });
    job->start();
}

void CredentialStore::read(const QString &key, ReadCallback done)
{
    if (m_memoryOnly) {
        const auto it = m_memory.constFind(key);
        if (it == m_memory.cend())
            done({},
                 Error::make(Error::Kind::Storage, QStringLiteral("no password stored for this session")));
        else
            done(*it, Error{});
        return;
    }
    auto *job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setInsecureFallback(false);
    job->setAutoDelete(true);
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, this, [this, key, done = std::move(done)](QKeychain::Job *j) {
        auto *readJob = static_cast<QKeychain::ReadPasswordJob *>(j);
        if (j->error() == QKeychain::NoError) {
            done(readJob->textData(), Error{});
        } else if (j->error() == QKeychain::EntryNotFound) {
            done({}, Error::make(Error::Kind::Storage, QStringLiteral("no password stored in the keychain")));
        } else {
            fallBackToMemory(j->errorString());
            const auto it = m_memory.constFind(key);
            if (it == m_memory.cend())
                done({}, Error::make(Error::Kind::Storage,
                                     QStringLiteral("keychain unavailable: ") + j->errorString()));
            else
                done(*it, Error{});
        }
    });
    job->start();
}

void CredentialStore::remove(const QString &key, DoneCallback done)
{
    m_memory.remove(key);
    if (m_memoryOnly) {
        done(Error{});
        return;
    }
    auto *job = new QKeychain::DeletePasswordJob(m_service, this);
    job->setInsecureFallback(false);
    job->setAutoDelete(true);
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, this, [done = std::move(done)](QKeychain::Job *j) {
        if (j->error() == QKeychain::NoError || j->error() == QKeychain::EntryNotFound)
            done(Error{});
        else
            done(Error::make(Error::Kind::Storage,
                             QStringLiteral("keychain delete failed: ") + j->errorString()));
    });
    job->start();
}

} // namespace Tidings::Account
