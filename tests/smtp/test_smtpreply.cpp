// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/smtp/data.h"
#include "core/smtp/reply.h"

#include <QTest>

using namespace Tidings::Smtp;

namespace {

Reply reply(int code, QList<QByteArray> lines)
{
    Reply r;
    r.code = code;
    r.lines = lines;
    r.enhancedCode = ReplyParser::enhancedCode(lines.value(0), code);
    return r;
}

/// Undoes DATA encoding as a receiving server does (RFC 5321 §4.5.2).
QByteArray receive(const QByteArray &data)
{
    QByteArray out;
    const QList<QByteArray> lines = data.split('\n');
    for (QByteArray line : lines) {
        if (line.isEmpty())
            continue;
        if (line == ".\r")
            break;
        if (line.startsWith('.'))
            line.remove(0, 1);
        out += line + '\n';
    }
    return out;
}

} // namespace

class TestSmtpReply final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void multiLineReply_isJoinedAtEverySplit()
    {
        const QByteArray wire("250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 8BITMIME\r\n");
        for (qsizetype step : {qsizetype(1), qsizetype(5), wire.size()}) {
            ReplyParser parser;
            for (qsizetype i = 0; i < wire.size(); i += step)
                parser.feed(QByteArrayView(wire).sliced(i, std::min(step, wire.size() - i)));
            QVERIFY(parser.hasReply());
            const Reply r = parser.takeReply();
            QCOMPARE(r.code, 250);
            QCOMPARE(r.lines.size(), 4);
            QVERIFY(!parser.hasReply());
            QVERIFY(!parser.hasBufferedBytes());
        }
    }

    void enhancedCode_isReadFromTheFirstLine()
    {
        ReplyParser parser;
        parser.feed("553 5.7.1 <a@b>: Sender address rejected: not owned by user x\r\n");
        const Reply r = parser.takeReply();
        QCOMPARE(r.enhancedCode, QByteArray("5.7.1"));
        QCOMPARE(r.text(), QStringLiteral("5.7.1 <a@b>: Sender address rejected: not owned by user x"));
        QCOMPARE(ReplyParser::enhancedCode("2.0.0 Ok", 550), QByteArray()); // class must match
        QCOMPARE(ReplyParser::enhancedCode("5.1.10 x", 550), QByteArray("5.1.10"));
    }

    void badLines_areErrors_data()
    {
        QTest::addColumn<QByteArray>("wire");
        QTest::newRow("not digits") << QByteArray("2x0 ok\r\n");
        QTest::newRow("code out of range") << QByteArray("999 what\r\n");
        QTest::newRow("bad separator") << QByteArray("250_ok\r\n");
        QTest::newRow("mixed codes") << QByteArray("250-a\r\n251 b\r\n");
        QTest::newRow("overlong") << QByteArray("250 " + QByteArray(5000, 'x') + "\r\n");
    }
    void badLines_areErrors()
    {
        QFETCH(QByteArray, wire);
        ReplyParser parser;
        parser.feed(wire);
        QVERIFY(parser.hasError());
        QVERIFY(!parser.hasReply());
    }

    void ehlo_capabilitiesAreRead()
    {
        const Capabilities caps = Capabilities::fromEhlo(
            reply(250, {"mx.example.org Hello", "PIPELINING", "SIZE 52428800", "8BITMIME", "SMTPUTF8", "STARTTLS",
                        "AUTH PLAIN LOGIN", "AUTH=XOAUTH2", "ENHANCEDSTATUSCODES"}));
        QVERIFY(caps.pipelining && caps.eightBitMime && caps.smtpUtf8 && caps.startTls && caps.enhancedStatusCodes);
        QCOMPARE(caps.maxSize, 52428800);
        QCOMPARE(caps.auth, (QList<QByteArray>{"PLAIN", "LOGIN", "XOAUTH2"}));
        QCOMPARE(caps.domain, QByteArray("mx.example.org"));
    }

    void replies_becomePlainLanguageProblems_data()
    {
        QTest::addColumn<int>("code");
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<int>("stage");
        QTest::addColumn<int>("problem");
        QTest::newRow("auth required") << 530 << QByteArray("5.7.0 Authentication required") << int(Stage::Mail)
                                       << int(Problem::AuthenticationRequired);
        QTest::newRow("auth failed") << 535 << QByteArray("5.7.8 Error: authentication failed") << int(Stage::Auth)
                                     << int(Problem::AuthenticationFailed);
        QTest::newRow("not owned at rcpt")
            << 553 << QByteArray("5.7.1 <me@x.org>: Sender address rejected: not owned by auth user")
            << int(Stage::Rcpt) << int(Problem::SenderNotOwned);
        QTest::newRow("not owned at mail") << 553 << QByteArray("5.7.1 Sender address rejected: not owned by auth user")
                                           << int(Stage::Mail) << int(Problem::SenderNotOwned);
        QTest::newRow("too large") << 552 << QByteArray("5.3.4 Message size exceeds fixed limit") << int(Stage::DataEnd)
                                   << int(Problem::MessageTooLarge);
        QTest::newRow("spam") << 554 << QByteArray("5.7.1 Message rejected as spam") << int(Stage::DataEnd)
                              << int(Problem::Spam);
        QTest::newRow("no mailbox") << 550 << QByteArray("5.1.1 <x@y>: Recipient address rejected: User unknown")
                                    << int(Stage::Rcpt) << int(Problem::MailboxUnavailable);
        QTest::newRow("greylisted") << 450 << QByteArray("4.2.0 Greylisted, try again later") << int(Stage::Rcpt)
                                    << int(Problem::TemporaryFailure);
        QTest::newRow("positive") << 250 << QByteArray("2.1.5 Ok") << int(Stage::Rcpt) << int(Problem::None);
    }
    void replies_becomePlainLanguageProblems()
    {
        QFETCH(int, code);
        QFETCH(QByteArray, text);
        QFETCH(int, stage);
        QFETCH(int, problem);
        const Reply r = reply(code, {text});
        QCOMPARE(problemName(classify(r, Stage(stage))), problemName(Problem(problem)));
        if (problem != int(Problem::None)) {
            const auto error = errorFor(Problem(problem), r);
            QCOMPARE(error.serverText, QString::fromUtf8(text)); // the server's words are kept
            QVERIFY(error.responseCode.startsWith(QByteArray::number(code)));
        }
    }

    void encodeData_edgeCases_data()
    {
        QTest::addColumn<QByteArray>("composed");
        QTest::addColumn<QByteArray>("data");
        QTest::newRow("clean") << QByteArray("A: b\r\n\r\nbody\r\n") << QByteArray("A: b\r\n\r\nbody\r\n.\r\n");
        QTest::newRow("leading dots") << QByteArray(".\r\n..\r\n.x\r\n") << QByteArray("..\r\n...\r\n..x\r\n.\r\n");
        QTest::newRow("status-looking") << QByteArray("+OK\r\n250 ok\r\n") << QByteArray("+OK\r\n250 ok\r\n.\r\n");
        QTest::newRow("no final CRLF") << QByteArray("a\r\nlast") << QByteArray("a\r\nlast\r\n.\r\n");
        QTest::newRow("final dot without CRLF") << QByteArray("a\r\n.") << QByteArray("a\r\n..\r\n.\r\n");
        QTest::newRow("bare LF") << QByteArray("a\nb\n") << QByteArray("a\r\nb\r\n.\r\n");
        QTest::newRow("bare CR") << QByteArray("a\rb\r") << QByteArray("a\r\nb\r\n.\r\n");
        QTest::newRow("dot after bare LF") << QByteArray("a\n.b") << QByteArray("a\r\n..b\r\n.\r\n");
        QTest::newRow("CR CR LF") << QByteArray("a\r\r\nb") << QByteArray("a\r\n\r\nb\r\n.\r\n");
        QTest::newRow("empty") << QByteArray() << QByteArray(".\r\n");
    }
    void encodeData_edgeCases()
    {
        QFETCH(QByteArray, composed);
        QFETCH(QByteArray, data);
        QCOMPARE(encodeData(composed), data);
        // What the server stores is the canonical form of what was composed.
        QCOMPARE(receive(data), canonicalMessage(composed));
    }

    void canonicalMessage_leavesCleanMessagesUnchanged()
    {
        const QByteArray clean("From: a\r\nTo: b\r\n\r\n.dot\r\n\xd0\x9f\xd1\x80\r\n");
        QCOMPARE(canonicalMessage(clean), clean);
        QVERIFY(hasEightBit(clean));
        QVERIFY(!hasEightBit("plain"));
    }
};

QTEST_GUILESS_MAIN(TestSmtpReply)
#include "test_smtpreply.moc"
