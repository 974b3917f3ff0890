// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/account/diagnosis.h"

#include <QTest>

using namespace Tidings;
using namespace Tidings::Account;

namespace {
const QDateTime kNow(QDate(2026, 6, 1), QTime(12, 0), Qt::UTC);
}

class TestDiagnosis : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void serverWords_areExplained_data()
    {
        QTest::addColumn<int>("server");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("serverText");
        QTest::addColumn<QByteArray>("code");
        QTest::addColumn<QString>("detail");
        QTest::addColumn<QString>("problem");
        const int imap = int(ServerKind::Imap), pop = int(ServerKind::Pop3), smtp = int(ServerKind::Smtp);
        const int auth = int(Error::Kind::Authentication), no = int(Error::Kind::ServerNo), net = int(Error::Kind::Network);
        QTest::newRow("imap authenticationfailed") << imap << auth << "Authentication failed." << QByteArray("AUTHENTICATIONFAILED") << "LOGIN failed" << "wrong-password";
        QTest::newRow("smtp 535") << smtp << auth << "535 5.7.8 Username and Password not accepted" << QByteArray("5.7.8") << "AUTH failed" << "wrong-password";
        QTest::newRow("pop3 -ERR") << pop << auth << "-ERR [AUTH] Authentication failed." << QByteArray("AUTH") << "the server refused the password" << "wrong-password";
        QTest::newRow("yandex pop3") << pop << auth << "-ERR Login failure or POP3 disabled, try later. sc=x" << QByteArray() << "PASS refused" << "access-disabled";
        QTest::newRow("imap disabled") << imap << no << "NO [UNAVAILABLE] IMAP is disabled for this account" << QByteArray("UNAVAILABLE") << "LOGIN" << "access-disabled";
        QTest::newRow("gmail not enabled") << imap << no << "[ALERT] Your account is not enabled for IMAP use." << QByteArray("ALERT") << "LOGIN" << "access-disabled";
        QTest::newRow("gmail app password") << imap << auth << "[ALERT] Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)" << QByteArray("ALERT") << "LOGIN" << "app-password-needed";
        QTest::newRow("smtp 534 5.7.9") << smtp << auth << "534-5.7.9 Application-specific password required." << QByteArray("5.7.9") << "AUTH" << "app-password-needed";
        QTest::newRow("web login") << imap << auth << "[WEBALERT https://accounts.google.com/signin/continue] Web login required." << QByteArray("WEBALERT") << "LOGIN" << "web-sign-in-needed";
        QTest::newRow("sender mismatch") << smtp << no << "553 5.7.1 <x@y.org>: Sender address rejected: not owned by user anna@example.org" << QByteArray("5.7.1") << "MAIL FROM refused" << "sender-mismatch";
        QTest::newRow("host unknown") << imap << net << "" << QByteArray() << "connection to imap.example.invalid:993 failed: Host not found" << "host-unknown";
        QTest::newRow("refused") << pop << net << "" << QByteArray() << "127.0.0.1:1: Connection refused" << "port-blocked";
        QTest::newRow("timeout") << imap << int(Error::Kind::Timeout) << "" << QByteArray() << "no usable IMAP connection" << "timeout";
        QTest::newRow("no starttls") << imap << int(Error::Kind::Tls) << "" << QByteArray() << "the server does not offer STARTTLS" << "no-tls";
        QTest::newRow("other") << imap << no << "NO [SERVERBUG] oops" << QByteArray("SERVERBUG") << "LIST failed" << "server-error";
    }

    void serverWords_areExplained()
    {
        QFETCH(int, server);
        QFETCH(int, kind);
        QFETCH(QString, serverText);
        QFETCH(QByteArray, code);
        QFETCH(QString, detail);
        QFETCH(QString, problem);
        const Error e = Error::make(Error::Kind(kind), detail, serverText, code);
        const Diagnosis d = diagnose(ServerKind(server), e, std::nullopt, kNow);
        QCOMPARE(problemName(d.problem), problem);
        QCOMPARE(d.serverText, serverText); // the server's own words stay beside the explanation
        QVERIFY(!d.explanation.isEmpty());
        QVERIFY(!d.fix.isEmpty());
    }

    void providerNote_becomesTheFix()
    {
        const QString note = QStringLiteral("Turn on access for mail programs in Settings → Mail clients.");
        const Diagnosis d = diagnose(ServerKind::Imap,
                                     Error::make(Error::Kind::ServerNo, QStringLiteral("LOGIN"), QStringLiteral("IMAP is disabled")),
                                     std::nullopt, kNow, note);
        QCOMPARE(d.problem, Problem::AccessDisabled);
        QCOMPARE(d.fix, note);
    }

    void certificate_selfSigned_isACertificateProblem()
    {
        CertificateProblem p;
        p.host = QStringLiteral("imap.example.org");
        p.port = 993;
        p.reasons = {CertificateProblem::Reason::SelfSigned};
        const Diagnosis d = diagnose(ServerKind::Imap, Error::make(Error::Kind::Tls, QStringLiteral("refused"), {}, "CERTIFICATE"), p, kNow);
        QCOMPARE(d.problem, Problem::Certificate);
        QVERIFY(d.explanation.contains(QStringLiteral("self-signed")));
        QVERIFY(d.explanation.contains(QStringLiteral("Nothing was sent")));
    }

    void certificate_notYetValid_pointsAtTheClock()
    {
        CertificateProblem p;
        p.reasons = {CertificateProblem::Reason::NotYetValid};
        const Diagnosis d = diagnose(ServerKind::Smtp, Error::make(Error::Kind::Tls, QStringLiteral("refused")), p, kNow);
        QCOMPARE(d.problem, Problem::ClockWrong);
        QVERIFY(d.fix.contains(QStringLiteral("date")));
    }

    void certificate_expired_withClockInThePast_pointsAtTheClock()
    {
        CertificateProblem p;
        p.reasons = {CertificateProblem::Reason::Expired};
        const QDateTime wrong(QDate(2003, 1, 1), QTime(0, 0), Qt::UTC);
        QCOMPARE(diagnose(ServerKind::Imap, Error::make(Error::Kind::Tls, QStringLiteral("x")), p, wrong).problem, Problem::ClockWrong);
        QCOMPARE(diagnose(ServerKind::Imap, Error::make(Error::Kind::Tls, QStringLiteral("x")), p, kNow).problem, Problem::Certificate);
    }

    void noError_isNoProblem()
    {
        QCOMPARE(diagnose(ServerKind::Imap, Error{}, std::nullopt, kNow).problem, Problem::None);
    }
};

QTEST_GUILESS_MAIN(TestDiagnosis)
#include "test_diagnosis.moc"
