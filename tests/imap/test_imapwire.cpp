// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// IMAP wire helpers: UID sets, modified UTF-7 and the command encoder.
#include "core/imap/encoder.h"
#include "core/imap/parser.h"
#include "core/imap/uidset.h"
#include "core/imap/utf7.h"

#include <QTest>

using namespace Tidings::Imap;

class TestImapWire final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void uidSet_parseAndFormat_compact()
    {
        const auto set = UidSet::parse("1:5,7,9:*");
        QVERIFY(set);
        QCOMPARE(set->toByteArray(), QByteArray("1:5,7,9:*"));
        QVERIFY(set->contains(3));
        QVERIFY(!set->contains(6));
        QVERIFY(set->contains(4000000000u));
        QCOMPARE(UidSet::parse("5:1,2,3,6")->toByteArray(), QByteArray("1:6"));
        QCOMPARE(UidSet::parse("9,8,7,1")->toByteArray(), QByteArray("1,7:9"));
        QCOMPARE(UidSet::parse("9:12")->size(), 4u);
    }

    void uidSet_invalidInput_isRejected_data()
    {
        QTest::addColumn<QByteArray>("text");
        for (const char *bad : {"", "0", "1:0", "a", "1,", ",1", "1::2", "4294967296", "1:2:3", "-1", " 1"})
            QTest::newRow(bad) << QByteArray(bad);
    }
    void uidSet_invalidInput_isRejected()
    {
        QFETCH(QByteArray, text);
        QVERIFY(!UidSet::parse(text));
    }

    void uidSet_insertMergesAdjacentAndOverlapping()
    {
        UidSet s;
        s.insert(10);
        s.insert(12);
        s.insert(11);
        QCOMPARE(s.toByteArray(), QByteArray("10:12"));
        s.insert(1, 3);
        s.insert(20, 30);
        s.insert(2, 25);
        QCOMPARE(s.toByteArray(), QByteArray("1:30"));
        s.remove(15);
        QCOMPARE(s.toByteArray(), QByteArray("1:14,16:30"));
        s.remove(1);
        s.remove(30);
        QCOMPARE(s.toByteArray(), QByteArray("2:14,16:29"));
        QCOMPARE(s.size(), 27u);
        QCOMPARE(s.min(), 2u);
        QCOMPARE(s.max(), 29u);
        UidSet star;
        star.insert(5, UidSet::Star);
        star.insert(UidSet::Star);
        star.insert(3);
        QCOMPARE(star.toByteArray(), QByteArray("3,5:*"));
    }

    void uidSet_iteration_visitsMembersInOrder()
    {
        const UidSet s = *UidSet::parse("7,1:3,10");
        QList<UidSet::Value> seen;
        for (UidSet::Value v : s)
            seen.append(v);
        QCOMPARE(seen, QList<UidSet::Value>({1, 2, 3, 7, 10}));
        const UidSet empty;
        QVERIFY(empty.begin() == empty.end());
    }

    void utf7_vectors_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("encoded");
        QTest::newRow("ascii") << QStringLiteral("INBOX/Work") << QByteArray("INBOX/Work");
        QTest::newRow("ampersand") << QStringLiteral("Tom & Jerry") << QByteArray("Tom &- Jerry");
        QTest::newRow("russian") << QString::fromUtf8("Отправленные") << QByteArray("&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-");
        QTest::newRow("french") << QString::fromUtf8("Éléments envoyés") << QByteArray("&AMk-l&AOk-ments envoy&AOk-s");
        QTest::newRow("rfc3501") << QString::fromUtf8("~peter/mail/台北/日本語")
                                 << QByteArray("~peter/mail/&U,BTFw-/&ZeVnLIqe-");
        QTest::newRow("emoji") << QString::fromUtf8("Fun 😀") << QByteArray("Fun &2D3eAA-");
        QTest::newRow("mixed") << QString::fromUtf8("a&ü&b") << QByteArray("a&-&APw-&-b");
        QTest::newRow("empty") << QString() << QByteArray();
    }
    void utf7_vectors()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, encoded);
        QCOMPARE(encodeModifiedUtf7(name), encoded);
        bool ok = false;
        QCOMPARE(decodeModifiedUtf7(encoded, &ok), name);
        QVERIFY(ok);
    }

    void utf7_invalid_decodesBestEffort_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QString>("display");
        QTest::newRow("unterminated") << QByteArray("abc&BB4") << QStringLiteral("abc&BB4");
        QTest::newRow("bad base64") << QByteArray("x&*!-y") << QStringLiteral("x&*!-y");
        QTest::newRow("odd bytes") << QByteArray("&AM-") << QStringLiteral("&AM-");
        QTest::newRow("encoded ascii") << QByteArray("&AGE-") << QStringLiteral("&AGE-");
        QTest::newRow("lone surrogate") << QByteArray("&2D0-") << QStringLiteral("&2D0-");
        QTest::newRow("raw utf8") << QByteArray("Отправленные") << QString::fromUtf8("Отправленные");
    }
    void utf7_invalid_decodesBestEffort()
    {
        QFETCH(QByteArray, raw);
        QFETCH(QString, display);
        bool ok = true;
        QCOMPARE(decodeModifiedUtf7(raw, &ok), display);
        QVERIFY(!ok);
    }

    void encoder_atomQuotedLiteral_chosenAutomatically()
    {
        CommandBuilder b("a1");
        b.keyword("LOGIN").astring("joe").astring("pa ss\"w\\d");
        const auto cmd = std::get<EncodedCommand>(b.build());
        QCOMPARE(cmd.parts, QList<QByteArray>({"a1 LOGIN joe \"pa ss\\\"w\\\\d\"\r\n"}));
        CommandBuilder nil("a2");
        nil.keyword("SELECT").astring("NIL").astring("").astring("a%b").astring("x]");
        QCOMPARE(std::get<EncodedCommand>(nil.build()).joined(), QByteArray("a2 SELECT \"NIL\" \"\" \"a%b\" x]\r\n"));
    }

    void encoder_eightBit_literalUnlessUtf8Accepted()
    {
        const QByteArray utf8 = QString::fromUtf8("Привет").toUtf8();
        CommandBuilder plain("a1");
        plain.keyword("SEARCH CHARSET UTF-8 SUBJECT").string(utf8);
        const auto p = std::get<EncodedCommand>(plain.build());
        QCOMPARE(p.parts.size(), 2);
        QCOMPARE(p.parts.at(0), QByteArray("a1 SEARCH CHARSET UTF-8 SUBJECT {12}\r\n"));
        QCOMPARE(p.parts.at(1), QByteArray(utf8 + "\r\n"));
        QCOMPARE(p.continuationCount(), 1);

        EncoderOptions options;
        options.utf8Accepted = true;
        CommandBuilder accepted("a2", options);
        accepted.keyword("SEARCH SUBJECT").string(utf8);
        QCOMPARE(std::get<EncodedCommand>(accepted.build()).parts, QList<QByteArray>({QByteArray("a2 SEARCH SUBJECT \"" + utf8 + "\"\r\n")}));

        CommandBuilder invalid("a3", options);
        invalid.keyword("SEARCH SUBJECT").string("\xff\xfe");
        QCOMPARE(std::get<EncodedCommand>(invalid.build()).parts.size(), 2); // not UTF-8: literal
    }

    void encoder_literalModes_data()
    {
        QTest::addColumn<int>("mode");
        QTest::addColumn<int>("size");
        QTest::addColumn<QByteArray>("marker");
        QTest::addColumn<int>("parts");
        using L = EncoderOptions::Literals;
        QTest::newRow("sync") << int(L::Synchronising) << 10 << QByteArray("{10}\r\n") << 2;
        QTest::newRow("plus small") << int(L::LiteralPlus) << 10 << QByteArray("{10+}\r\n") << 1;
        QTest::newRow("plus big") << int(L::LiteralPlus) << 100000 << QByteArray("{100000+}\r\n") << 1;
        QTest::newRow("minus at limit") << int(L::LiteralMinus) << 4096 << QByteArray("{4096+}\r\n") << 1;
        QTest::newRow("minus above limit") << int(L::LiteralMinus) << 4097 << QByteArray("{4097}\r\n") << 2;
    }
    void encoder_literalModes()
    {
        QFETCH(int, mode);
        QFETCH(int, size);
        QFETCH(QByteArray, marker);
        QFETCH(int, parts);
        EncoderOptions options;
        options.literals = EncoderOptions::Literals(mode);
        const QByteArray message = QByteArray(size - 2, 'm') + "\r\n";
        CommandBuilder b("A003", options);
        b.keyword("APPEND").mailbox(QStringLiteral("Sent")).flags({"\\Seen"}).literal(message);
        const auto cmd = std::get<EncodedCommand>(b.build());
        QCOMPARE(cmd.parts.size(), parts);
        QVERIFY(cmd.parts.at(0).startsWith(QByteArray("A003 APPEND Sent (\\Seen) " + marker)));
        QCOMPARE(cmd.joined(), QByteArray("A003 APPEND Sent (\\Seen) " + marker + message + "\r\n"));
    }

    void encoder_lineBreaksAndNul_neverReachTheWire_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::newRow("cr") << QByteArray("a\rb");
        QTest::newRow("lf") << QByteArray("a\nb");
        QTest::newRow("crlf injection") << QByteArray("INBOX\r\na2 DELETE INBOX");
        QTest::newRow("nul") << QByteArray("a\0b", 3);
    }
    void encoder_lineBreaksAndNul_neverReachTheWire()
    {
        QFETCH(QByteArray, value);
        CommandBuilder mailbox("a1");
        mailbox.keyword("SELECT").astring(value);
        QVERIFY(std::holds_alternative<Tidings::Error>(mailbox.build()));
        CommandBuilder search("a1");
        search.keyword("SEARCH TEXT").string(value);
        QCOMPARE(std::get<Tidings::Error>(search.build()).kind, Tidings::Error::Kind::Protocol);
        CommandBuilder name("a1");
        name.keyword("CREATE").mailbox(QString::fromLatin1(value));
        QVERIFY(std::holds_alternative<Tidings::Error>(name.build()));
        CommandBuilder raw("a1");
        raw.keyword("FETCH 1").raw(value);
        QVERIFY(std::holds_alternative<Tidings::Error>(raw.build()));
    }

    void encoder_appendData_mayCarryCrLf_butNulOnlyAsBinary()
    {
        CommandBuilder ok("a1");
        ok.keyword("APPEND INBOX").literal("Subject: x\r\n\r\nbody\r\n");
        QVERIFY(std::holds_alternative<EncodedCommand>(ok.build()));
        CommandBuilder nul("a2");
        nul.keyword("APPEND INBOX").literal(QByteArray("a\0b", 3));
        QVERIFY(std::holds_alternative<Tidings::Error>(nul.build()));
        CommandBuilder noCap("a3");
        noCap.keyword("APPEND INBOX").literal(QByteArray("a\0b", 3), true);
        QVERIFY(std::holds_alternative<Tidings::Error>(noCap.build()));
        EncoderOptions options;
        options.binary = true;
        options.literals = EncoderOptions::Literals::LiteralPlus;
        CommandBuilder bin("a4", options);
        bin.keyword("APPEND INBOX").literal(QByteArray("a\0b", 3), true);
        QCOMPARE(std::get<EncodedCommand>(bin.build()).joined(), QByteArray("a4 APPEND INBOX ~{3+}\r\na\0b\r\n", 28));
    }

    void encoder_mailboxNames_utf7OrRawBytes()
    {
        CommandBuilder b("a1");
        b.keyword("SELECT").mailbox(QString::fromUtf8("Éléments envoyés"));
        QCOMPARE(std::get<EncodedCommand>(b.build()).joined(), QByteArray("a1 SELECT \"&AMk-l&AOk-ments envoy&AOk-s\"\r\n"));
        CommandBuilder amp("a2");
        amp.keyword("SELECT").mailbox(QStringLiteral("R&D"));
        QCOMPARE(std::get<EncodedCommand>(amp.build()).joined(), QByteArray("a2 SELECT R&-D\r\n"));
        CommandBuilder inbox("a3");
        inbox.keyword("SELECT").mailbox(QStringLiteral("inbox"));
        QCOMPARE(std::get<EncodedCommand>(inbox.build()).joined(), QByteArray("a3 SELECT INBOX\r\n"));
        // A name the server sent, even if not valid modified UTF-7, is reused byte for byte.
        const MailboxName odd{QByteArray("[Gmail]/Bad&name"), QString()};
        CommandBuilder reuse("a4");
        reuse.keyword("SELECT").mailbox(odd);
        QCOMPARE(std::get<EncodedCommand>(reuse.build()).joined(), QByteArray("a4 SELECT [Gmail]/Bad&name\r\n"));
        EncoderOptions options;
        options.utf8Accepted = true;
        CommandBuilder u("a5", options);
        u.keyword("SELECT").mailbox(QString::fromUtf8("Отправленные"));
        QCOMPARE(std::get<EncodedCommand>(u.build()).joined(),
                 QByteArray(QByteArray("a5 SELECT \"") + QString::fromUtf8("Отправленные").toUtf8() + "\"\r\n"));
    }

    void encoder_sequenceSetsListsAndErrors()
    {
        CommandBuilder b("a1");
        b.keyword("UID FETCH").sequenceSet(*UidSet::parse("1,2,3,5,9:*")).beginList().keyword("UID").keyword("FLAGS")
            .keyword("BODY.PEEK[HEADER.FIELDS (SUBJECT)]<0.100>").endList();
        QCOMPARE(std::get<EncodedCommand>(b.build()).joined(),
                 QByteArray("a1 UID FETCH 1:3,5,9:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)]<0.100>)\r\n"));
        CommandBuilder empty("a2");
        empty.keyword("UID FETCH").sequenceSet(UidSet());
        QVERIFY(std::holds_alternative<Tidings::Error>(empty.build()));
        CommandBuilder open("a3");
        open.keyword("X").beginList();
        QVERIFY(std::holds_alternative<Tidings::Error>(open.build()));
        CommandBuilder badTag("a+1");
        QVERIFY(std::holds_alternative<Tidings::Error>(badTag.build()));
        CommandBuilder ns("a4");
        ns.keyword("ID").beginList().string("name").nstring(QByteArray()).endList();
        QCOMPARE(std::get<EncodedCommand>(ns.build()).joined(), QByteArray("a4 ID (\"name\" NIL)\r\n"));
    }

    void encoder_roundTrip_throughTheParserGrammar_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::newRow("atom") << QByteArray("plain");
        QTest::newRow("quoted") << QByteArray("with \"quotes\" and \\ backslash");
        QTest::newRow("8bit") << QByteArray("\xd0\x9f\xd1\x80\xd0\xb8");
        QTest::newRow("long") << QByteArray(5000, 'x');
        QTest::newRow("empty") << QByteArray("");
        QTest::newRow("specials") << QByteArray("a(b)c{d}%*]");
    }
    void encoder_roundTrip_throughTheParserGrammar()
    {
        // The encoder's argument forms are the same astring grammar servers use in responses, so a
        // STATUS response built from an encoded mailbox must give the value back.
        QFETCH(QByteArray, value);
        CommandBuilder b("t");
        b.keyword("STATUS").astring(value).raw("(MESSAGES 1)");
        const QByteArray wire = std::get<EncodedCommand>(b.build()).joined();
        const QByteArray response = QByteArray("* " + wire.mid(2));
        const auto parsed = Parser::parseOne(response);
        QVERIFY(std::holds_alternative<Response>(parsed));
        QCOMPARE(std::get<MailboxStatus>(std::get<Response>(parsed)).mailbox.raw, value);
    }
};

QTEST_GUILESS_MAIN(TestImapWire)
#include "test_imapwire.moc"
