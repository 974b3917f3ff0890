// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// Runs against a real Secret Service (gnome-keyring on a private D-Bus session).
#include "core/account/credentialstore.h"

#include <QSignalSpy>
#include <QTest>

using Tidings::Error;
using Tidings::Account::CredentialStore;

namespace {

struct ReadResult {
    bool done = false;
    QString secret;
    Error error;
};

} // namespace

class TestKeychain final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"),
                 "run through ctest: the test needs its private D-Bus session and keyring");
    }

    void writeReadDelete_roundTripsThroughTheRealKeychain()
    {
        CredentialStore store(QStringLiteral("Tidings-test"));
        QSignalSpy unavailable(&store, &CredentialStore::keychainUnavailable);
        const QString key = CredentialStore::keyFor(QStringLiteral("0123456789abcdef"), QStringLiteral("1"),
                                                    QStringLiteral("imap"));
        const QString secret = QStringLiteral("пароль with spaces & symbols \"'");

        bool written = false;
        Error writeError;
        store.write(key, secret, [&](const Error &e) {
            writeError = e;
            written = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(written, 10000);
        QVERIFY2(!writeError, qPrintable(writeError.toString()));
        QVERIFY2(!store.memoryOnly(), "the keychain was not reachable; the test needs a real one");

        ReadResult read;
        store.read(key, [&](const QString &s, const Error &e) { read = {true, s, e}; });
        QTRY_VERIFY_WITH_TIMEOUT(read.done, 10000);
        QVERIFY2(!read.error, qPrintable(read.error.toString()));
        QCOMPARE(read.secret, secret);

        // A second store object (as after a restart) sees the same secret.
        CredentialStore again(QStringLiteral("Tidings-test"));
        ReadResult reread;
        again.read(key, [&](const QString &s, const Error &e) { reread = {true, s, e}; });
        QTRY_VERIFY_WITH_TIMEOUT(reread.done, 10000);
        QCOMPARE(reread.secret, secret);

        bool removed = false;
        Error removeError;
        store.remove(key, [&](const Error &e) {
            removeError = e;
            removed = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(removed, 10000);
        QVERIFY2(!removeError, qPrintable(removeError.toString()));

        ReadResult gone;
        store.read(key, [&](const QString &s, const Error &e) { gone = {true, s, e}; });
        QTRY_VERIFY_WITH_TIMEOUT(gone.done, 10000);
        QVERIFY(gone.error);
        QVERIFY(gone.secret.isEmpty());
        QCOMPARE(unavailable.count(), 0);
    }

    void memoryOnly_keepsSecretsForTheSessionWithoutTheKeychain()
    {
        CredentialStore store(QStringLiteral("Tidings-test"));
        store.setMemoryOnly(true);
        bool written = false;
        store.write(QStringLiteral("k"), QStringLiteral("s"), [&](const Error &e) { written = !e; });
        QVERIFY(written);
        ReadResult read;
        store.read(QStringLiteral("k"), [&](const QString &s, const Error &e) { read = {true, s, e}; });
        QVERIFY(read.done);
        QCOMPARE(read.secret, QStringLiteral("s"));

        // Nothing reached the real keychain.
        CredentialStore real(QStringLiteral("Tidings-test"));
        ReadResult fromKeychain;
        real.read(QStringLiteral("k"), [&](const QString &s, const Error &e) {
            fromKeychain = {true, s, e};
        });
        QTRY_VERIFY_WITH_TIMEOUT(fromKeychain.done, 10000);
        QVERIFY(fromKeychain.error);
    }
};

QTEST_GUILESS_MAIN(TestKeychain)
#include "test_keychain.moc"
