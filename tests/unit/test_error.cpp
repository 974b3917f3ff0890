// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/common/error.h"

#include <QTest>

using Tidings::Error;

class TestError final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void defaultError_isNotAnError()
    {
        const Error e;
        QVERIFY(!e.isError());
        QVERIFY(!e);
    }

    void toString_includesKindCodeAndServerWords()
    {
        const Error e = Error::make(Error::Kind::Authentication, QStringLiteral("LOGIN refused"),
                                    QStringLiteral("Invalid credentials"), "AUTHENTICATIONFAILED");
        QVERIFY(e);
        QCOMPARE(e.toString(), QStringLiteral("Authentication: LOGIN refused [AUTHENTICATIONFAILED] (server: Invalid credentials)"));
    }

    void errors_compareByValue()
    {
        QCOMPARE(Error::make(Error::Kind::Timeout, QStringLiteral("x")), Error::make(Error::Kind::Timeout, QStringLiteral("x")));
        QVERIFY(Error::make(Error::Kind::Timeout, QStringLiteral("x")) != Error::make(Error::Kind::Network, QStringLiteral("x")));
    }
};

QTEST_GUILESS_MAIN(TestError)
#include "test_error.moc"
