// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
#include "core/mime/mailto.h"

#include <QtTest>

using namespace Tidings::Mime;

class TestMailto : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void simpleAddress_isTo()
    {
        const auto link = Mailto::parse(u"mailto:anna@example.org");
        QVERIFY(link);
        QCOMPARE(link->to, QList<Address>({{QString(), QStringLiteral("anna@example.org")}}));
        QVERIFY(link->subject.isEmpty());
    }

    void allFields_areRead()
    {
        const auto link = Mailto::parse(
            u"MAILTO:a@example.org,b@example.org?cc=c@example.org&bcc=d@example.org&to=e@example.org"
            u"&subject=%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82%201+1&body=line1%0D%0Aline2&In-Reply-To=%3Cid@x%3E");
        QVERIFY(link);
        QCOMPARE(link->to.size(), 3);
        QCOMPARE(link->to.at(2).address, QStringLiteral("e@example.org"));
        QCOMPARE(link->cc.at(0).address, QStringLiteral("c@example.org"));
        QCOMPARE(link->bcc.at(0).address, QStringLiteral("d@example.org"));
        QCOMPARE(link->subject, QStringLiteral("Привет 1+1"));
        QCOMPARE(link->body, QStringLiteral("line1\nline2"));
        QCOMPARE(link->inReplyTo, QByteArray("id@x"));
    }

    void attachParameters_areIgnored()
    {
        const auto link = Mailto::parse(u"mailto:a@example.org?attach=/etc/passwd&Attachment=file:///home/u/.ssh/id_rsa"
                                        u"&subject=hi");
        QVERIFY(link);
        QCOMPARE(link->subject, QStringLiteral("hi"));
        QCOMPARE(link->ignoredFields, QStringList({QStringLiteral("attach"), QStringLiteral("attachment")}));
        QCOMPARE(link->to.size(), 1);
    }

    void encodedNamesAndAddresses_areDecoded()
    {
        const auto link = Mailto::parse(u"mailto:%22Anna%20B%22%20%3Canna@example.org%3E");
        QVERIFY(link);
        QCOMPARE(link->to, QList<Address>({{QStringLiteral("Anna B"), QStringLiteral("anna@example.org")}}));
    }

    void subjectWithCrLf_isFlattened()
    {
        const auto link = Mailto::parse(u"mailto:a@example.org?subject=x%0D%0ABcc:%20spy@evil.example");
        QVERIFY(link);
        QVERIFY(!link->subject.contains(u'\n'));
        QVERIFY(!link->subject.contains(u'\r'));
        QVERIFY(link->bcc.isEmpty());
    }

    void notMailto_isRejected()
    {
        QVERIFY(!Mailto::parse(u"http://example.org"));
        QVERIFY(!Mailto::parse(u"mail:a@b"));
        QVERIFY(Mailto::parse(u"mailto:"));
        QVERIFY(Mailto::parse(u"mailto:")->to.isEmpty());
    }

    void hugeRecipientList_isBounded()
    {
        QString url = QStringLiteral("mailto:");
        for (int i = 0; i < 5000; ++i)
            url += QStringLiteral("u%1@example.org,").arg(i);
        const auto link = Mailto::parse(url);
        QVERIFY(link);
        QCOMPARE(link->to.size(), Mailto::maxAddresses);
    }
};

QTEST_GUILESS_MAIN(TestMailto)
#include "test_mailto.moc"
