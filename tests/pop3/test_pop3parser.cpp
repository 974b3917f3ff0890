// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/pop3/responseparser.h"

#include <QTest>

using Tidings::Pop3::ReplyShape;
using Tidings::Pop3::ResponseHandler;
using Tidings::Pop3::ResponseParser;
using Tidings::Pop3::StatusLine;

namespace {

/// Records every event as text, so a test compares one list.
struct Recorder final : ResponseHandler {
    QList<StatusLine> statuses;
    QByteArray body;
    QList<QByteArray> lines;
    int ends = 0;
    void statusLine(const StatusLine &status) override { statuses << status; }
    void data(QByteArrayView bytes) override
    {
        body += bytes.toByteArray();
        lines << bytes.toByteArray();
    }
    void end() override { ++ends; }
};

/// Feeds @p wire in pieces of @p step bytes (0: all at once).
qsizetype feedInSteps(ResponseParser &parser, const QByteArray &wire, qsizetype step)
{
    if (step <= 0)
        return parser.feed(wire);
    qsizetype used = 0;
    for (qsizetype at = 0; at < wire.size(); at += step) {
        const QByteArray piece = wire.mid(at, step);
        const qsizetype n = parser.feed(piece);
        used += n;
        if (n < piece.size())
            break;
    }
    return used;
}

} // namespace

class TestPop3Parser final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void statusLine_variants_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<bool>("auth");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QByteArray>("code");
        QTest::newRow("ok") << QByteArray("+OK ready") << false << true << int(StatusLine::Kind::Ok) << QByteArray("ready") << QByteArray();
        QTest::newRow("bare ok") << QByteArray("+OK") << false << true << int(StatusLine::Kind::Ok) << QByteArray() << QByteArray();
        QTest::newRow("err with code") << QByteArray("-ERR [IN-USE] locked") << false << true << int(StatusLine::Kind::Err)
                                       << QByteArray("[IN-USE] locked") << QByteArray("IN-USE");
        QTest::newRow("sys/temp") << QByteArray("-ERR [SYS/TEMP] later") << false << true << int(StatusLine::Kind::Err)
                                  << QByteArray("[SYS/TEMP] later") << QByteArray("SYS/TEMP");
        QTest::newRow("okay is not ok") << QByteArray("+OKAY") << false << false << 0 << QByteArray() << QByteArray();
        QTest::newRow("continuation outside auth") << QByteArray("+ abc") << false << false << 0 << QByteArray() << QByteArray();
        QTest::newRow("continuation in auth") << QByteArray("+ abc") << true << true << int(StatusLine::Kind::Continuation)
                                              << QByteArray("abc") << QByteArray();
        QTest::newRow("garbage") << QByteArray("* OK imap") << false << false << 0 << QByteArray() << QByteArray();
        QTest::newRow("empty") << QByteArray() << true << false << 0 << QByteArray() << QByteArray();
    }
    void statusLine_variants()
    {
        QFETCH(QByteArray, line);
        QFETCH(bool, auth);
        QFETCH(bool, valid);
        QFETCH(int, kind);
        QFETCH(QByteArray, text);
        QFETCH(QByteArray, code);
        StatusLine status;
        QCOMPARE(ResponseParser::parseStatusLine(line, auth, &status), valid);
        if (!valid)
            return;
        QCOMPARE(int(status.kind), kind);
        QCOMPARE(status.text, text);
        QCOMPARE(status.responseCode, code);
    }

    void stream_dotUnstuffing_isByteExactAtEverySplit_data()
    {
        QTest::addColumn<QByteArray>("wire");
        QTest::addColumn<QByteArray>("message");
        QTest::newRow("plain") << QByteArray("+OK\r\nSubject: a\r\n\r\nbody\r\n.\r\n") << QByteArray("Subject: a\r\n\r\nbody\r\n");
        QTest::newRow("stuffed dot lines")
            << QByteArray("+OK\r\n..\r\n...\r\n..hidden\r\n.x\r\n.\r\n") << QByteArray(".\r\n..\r\n.hidden\r\nx\r\n");
        QTest::newRow("status-looking lines") << QByteArray("+OK\r\n+OK not a status\r\n-ERR neither\r\n.\r\n")
                                              << QByteArray("+OK not a status\r\n-ERR neither\r\n");
        QTest::newRow("bare CR and LF pass through")
            << QByteArray("+OK\r\na\rb\r\nc\nd\r\n.\r\n") << QByteArray("a\rb\r\nc\nd\r\n");
        QTest::newRow("dot then CR as content") << QByteArray("+OK\r\n.\rtext\r\n.\r\n") << QByteArray("\rtext\r\n");
        QTest::newRow("empty message") << QByteArray("+OK 0 octets\r\n.\r\n") << QByteArray();
        QTest::newRow("lf-only terminator") << QByteArray("+OK\nline\n.\n") << QByteArray("line\n");
        QTest::newRow("nul and high bytes")
            << QByteArray("+OK\r\n\0\xff\xfe\r\n.\r\n", 13) << QByteArray("\0\xff\xfe\r\n", 5);
    }
    void stream_dotUnstuffing_isByteExactAtEverySplit()
    {
        QFETCH(QByteArray, wire);
        QFETCH(QByteArray, message);
        for (qsizetype step : {qsizetype(0), qsizetype(1), qsizetype(2), qsizetype(3), qsizetype(7)}) {
            Recorder r;
            ResponseParser parser(r);
            parser.expect(ReplyShape::MultiStream);
            QCOMPARE(feedInSteps(parser, wire, step), wire.size());
            QVERIFY(!parser.hasError());
            QCOMPARE(r.statuses.size(), 1);
            QCOMPARE(r.ends, 1);
            QCOMPARE(r.body, message);
            QCOMPARE(parser.pending(), 0);
        }
    }

    void multiLines_unstuffsAndSplitsLines()
    {
        Recorder r;
        ResponseParser parser(r);
        parser.expect(ReplyShape::MultiLines);
        const QByteArray wire("+OK\r\n1 abc\r\n..2 dotted\r\n.\r\n");
        QCOMPARE(feedInSteps(parser, wire, 1), wire.size());
        QCOMPARE(r.lines, (QList<QByteArray>{"1 abc", ".2 dotted"}));
        QCOMPARE(r.ends, 1);
    }

    void errOnMultiLineCommand_hasNoBody()
    {
        Recorder r;
        ResponseParser parser(r);
        parser.expect(ReplyShape::MultiStream);
        parser.expect(ReplyShape::Single);
        const QByteArray wire("-ERR no such message\r\n+OK\r\n");
        QCOMPARE(parser.feed(wire), wire.size());
        QCOMPARE(r.statuses.size(), 2);
        QCOMPARE(r.ends, 0);
        QVERIFY(r.body.isEmpty());
    }

    void pipelinedReplies_areMatchedInOrder()
    {
        Recorder r;
        ResponseParser parser(r);
        parser.expect(ReplyShape::MultiStream);
        parser.expect(ReplyShape::MultiStream);
        parser.expect(ReplyShape::Single);
        const QByteArray wire("+OK\r\none\r\n.\r\n+OK\r\ntwo\r\n.\r\n+OK deleted\r\n");
        QCOMPARE(parser.feed(wire), wire.size());
        QCOMPARE(r.ends, 2);
        QCOMPARE(r.body, QByteArray("one\r\ntwo\r\n"));
        QCOMPARE(r.statuses.last().text, QByteArray("deleted"));
    }

    void bytesBeyondExpectedReplies_areLeftToTheCaller()
    {
        Recorder r;
        ResponseParser parser(r);
        parser.expect(ReplyShape::Single);
        const QByteArray wire("+OK begin TLS\r\n-ERR injected\r\n");
        QCOMPARE(parser.feed(wire), qsizetype(15));
        QCOMPARE(r.statuses.size(), 1);
    }

    void notAStatusLine_isAnError()
    {
        Recorder r;
        ResponseParser parser(r);
        parser.expect(ReplyShape::Single);
        parser.feed("* OK this is IMAP\r\n");
        QVERIFY(parser.hasError());
        QVERIFY(r.statuses.isEmpty());
    }

    void overlongStatusLine_isAnErrorWithoutWaitingForCrlf()
    {
        Recorder r;
        ResponseParser parser(r);
        parser.expect(ReplyShape::Single);
        parser.feed(QByteArray("+OK " + QByteArray(5000, 'a')));
        QVERIFY(parser.hasError());
    }

    void overlongListLine_isAnError()
    {
        Recorder r;
        ResponseParser parser(r);
        parser.expect(ReplyShape::MultiLines);
        parser.feed(QByteArray("+OK\r\n1 " + QByteArray(5000, 'a') + "\r\n.\r\n"));
        QVERIFY(parser.hasError());
    }

    void bodyOverLimit_isAnError()
    {
        Recorder r;
        ResponseParser::Limits limits;
        limits.maxBodyBytes = 10;
        ResponseParser parser(r, limits);
        parser.expect(ReplyShape::MultiStream);
        parser.feed("+OK\r\n0123456789ABCDEF\r\n.\r\n");
        QVERIFY(parser.hasError());
        QVERIFY(r.body.size() <= 10);
    }

    void listBytesOverLimit_isAnError()
    {
        Recorder r;
        ResponseParser::Limits limits;
        limits.maxListBytes = 20;
        ResponseParser parser(r, limits);
        parser.expect(ReplyShape::MultiLines);
        parser.feed("+OK\r\n1 aaaaaaaa\r\n2 bbbbbbbb\r\n3 cccccccc\r\n.\r\n");
        QVERIFY(parser.hasError());
    }

    void truncatedBody_neverEnds()
    {
        Recorder r;
        ResponseParser parser(r);
        parser.expect(ReplyShape::MultiStream);
        parser.feed("+OK\r\nline\r\n.");
        QCOMPARE(r.ends, 0);
        QCOMPARE(parser.pending(), 1);
        QVERIFY(!parser.hasError());
    }
};

QTEST_GUILESS_MAIN(TestPop3Parser)
#include "test_pop3parser.moc"
