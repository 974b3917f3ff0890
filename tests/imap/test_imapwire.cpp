// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// IMAP wire helpers: UID sets, modified UTF-7 and the command encoder.
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
};

QTEST_GUILESS_MAIN(TestImapWire)
#include "test_imapwire.moc"
