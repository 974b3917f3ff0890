// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#pragma once

#include "core/common/error.h"

#include <QHash>
#include <QObject>
#include <QString>

#include <functional>

namespace Tidings::Account {

/// Where passwords live: the OS keychain through QtKeychain, never a file.
///
/// Every call is asynchronous and reports through the callback on the event loop. The
/// insecure QtKeychain fallback (plain QSettings) is always off. When no keychain can be
/// reached, the store says so once through keychainUnavailable() and then keeps passwords in
/// memory for the rest of the session only (the caller decides how to tell the person).
class CredentialStore final : public QObject
{
    Q_OBJECT
public:
    using ReadCallback = std::function<void(const QString &secret, const Tidings::Error &error)>;
    using DoneCallback = std::function<void(const Tidings::Error &error)>;

    /// @p service names the keychain collection entry ("Tidings" in the app; tests use their own).
    explicit CredentialStore(QString service = QStringLiteral("Tidings"), QObject *parent = nullptr);
    ~CredentialStore() override;
    Q_DISABLE_COPY_MOVE(CredentialStore)

    /// The key for one account's secret of one kind in one profile, e.g.
    /// keyFor("5f0c…", "3", "incoming") → "5f0c…/3/incoming". The profile id
    /// (Store::Database::profileId) keeps two profiles whose accounts are both numbered 1 from
    /// sharing a keychain entry.
    [[nodiscard]] static QString keyFor(const QString &profileId, const QString &accountId,
                                        const QString &purpose);

    void write(const QString &key, const QString &secret, DoneCallback done);
    void read(const QString &key, ReadCallback done);
    void remove(const QString &key, DoneCallback done);

    /// True once the keychain failed to answer and secrets are kept in memory only.
    [[nodiscard]] bool memoryOnly() const { return m_memoryOnly; }
    /// Forces memory-only mode (`--no-keychain`); nothing is written to any keychain.
    void setMemoryOnly(bool memoryOnly) { m_memoryOnly = memoryOnly; }

Q_SIGNALS:
    /// Emitted once, the first time the keychain cannot be reached.
    void keychainUnavailable(const QString &detail);

private:
    void fallBackToMemory(const QString &detail);

    QString m_service;
    bool m_memoryOnly = false;
    bool m_warned = false;
    QHash<QString, QString> m_memory;
};

} // namespace Tidings::Account
