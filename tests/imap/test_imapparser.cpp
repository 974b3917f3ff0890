// SPDX-License-Identifier: GPL-3.0-or-later
// SPDX-FileCopyrightText: Tidings developers
// The IMAP response parser: RFC examples, what real servers send, every bound, and the same
// input fed whole, byte by byte and in random splits giving the same result.
#include "core/imap/parser.h"

#include <QRandomGenerator>
#include <QTest>

using namespace Tidings::Imap;

Q_DECLARE_METATYPE(Tidings::Imap::Response)

namespace {

struct Outcome {
    QList<Response> responses;
    std::optional<ParseError> error;
    bool operator==(const Outcome &) const = default;
};

Outcome feedInChunks(QByteArrayView bytes, const QList<qsizetype> &cuts, bool greeting = false)
{
    Parser parser;
    parser.setExpectGreeting(greeting);
    Outcome out;
    parser.setResponseHandler([&out](Response &&r) { out.responses.append(std::move(r)); });
    qsizetype from = 0;
    for (qsizetype cut : cuts) {
        if (!parser.feed(bytes.sliced(from, cut - from)))
            break;
        from = cut;
    }
    if (!parser.hasError())
        parser.feed(bytes.sliced(from));
    out.error = parser.error();
    return out;
}

Outcome feedWhole(QByteArrayView bytes, bool greeting = false)
{
    return feedInChunks(bytes, {}, greeting);
}

Outcome feedByteByByte(QByteArrayView bytes, bool greeting = false)
{
    QList<qsizetype> cuts;
    for (qsizetype i = 1; i < bytes.size(); ++i)
        cuts.append(i);
    return feedInChunks(bytes, cuts, greeting);
}

Outcome feedRandomly(QByteArrayView bytes, quint32 seed, bool greeting = false)
{
    QRandomGenerator rng(seed);
    QList<qsizetype> cuts;
    qsizetype at = 0;
    while (true) {
        at += 1 + rng.bounded(17);
        if (at >= bytes.size())
            break;
        cuts.append(at);
    }
    return feedInChunks(bytes, cuts, greeting);
}

Response one(QByteArrayView bytes)
{
    const Outcome whole = feedWhole(bytes);
    if (whole.error)
        qWarning() << "parse error:" << whole.error->reason << whole.error->excerpt;
    [&] {
        QVERIFY(!whole.error);
        QCOMPARE(whole.responses.size(), 1);
        QVERIFY(feedByteByByte(bytes) == whole);
        for (quint32 seed = 1; seed <= 8; ++seed)
            QVERIFY(feedRandomly(bytes, seed) == whole);
    }();
    return whole.responses.value(0);
}

template <typename T> T as(QByteArrayView bytes)
{
    const Response r = one(bytes);
    if (!std::holds_alternative<T>(r)) {
        qWarning() << "unexpected response alternative" << r.index() << "for" << bytes;
        return T{};
    }
    return std::get<T>(r);
}

ParseError failure(QByteArrayView bytes)
{
    const Outcome whole = feedWhole(bytes);
    [&] {
        QVERIFY(whole.error.has_value());
        QVERIFY(feedByteByByte(bytes).error.has_value());
        QVERIFY(feedRandomly(bytes, 7).error.has_value());
    }();
    return whole.error.value_or(ParseError{});
}

MailboxName mbox(const char *raw, const QString &display)
{
    return MailboxName{QByteArray(raw), display};
}

struct RecordingSink final : BodySink {
    QList<BodyStreamInfo> begun;
    QByteArray bytes;
    int ended = 0;
    std::uint64_t takeAbove = 0;
    bool begin(const BodyStreamInfo &info) override
    {
        if (info.size <= takeAbove)
            return false;
        begun.append(info);
        return true;
    }
    void data(QByteArrayView chunk) override
    {
        QVERIFY(!chunk.isEmpty());
        bytes.append(chunk.data(), chunk.size());
    }
    void end() override { ++ended; }
};

} // namespace

class TestImapParser final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void greeting_firstUntaggedOk_isGreetingWithCapabilities()
    {
        const QByteArray bytes =
            "* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR STARTTLS AUTH=PLAIN] Dovecot ready.\r\n"
            "* OK still here\r\n";
        const Outcome out = feedWhole(bytes, true);
        QVERIFY(!out.error);
        QCOMPARE(out.responses.size(), 2);
        QVERIFY(std::holds_alternative<Greeting>(out.responses.at(0)));
        const Greeting g = std::get<Greeting>(out.responses.at(0));
        QCOMPARE(g.status.code.kind, ResponseCode::Kind::Capability);
        QCOMPARE(g.status.code.list,
                 QList<QByteArray>({"IMAP4REV1", "LITERAL+", "SASL-IR", "STARTTLS", "AUTH=PLAIN"}));
        QCOMPARE(g.status.text, QStringLiteral("Dovecot ready."));
        QVERIFY(std::holds_alternative<StatusResponse>(out.responses.at(1)));
        QVERIFY(feedByteByByte(bytes, true) == out);
    }

    void greeting_preauthAndBye_areGreetings()
    {
        const Outcome pre = feedWhole("* PREAUTH IMAP4rev1 server logged in as Smith\r\n", true);
        QCOMPARE(std::get<Greeting>(pre.responses.value(0)).status.status, Status::PreAuth);
        const Outcome bye = feedWhole("* BYE Autologout; idle for too long\r\n", true);
        QCOMPARE(std::get<Greeting>(bye.responses.value(0)).status.status, Status::Bye);
    }

    void tagged_okNoBad_carryTagCodeAndText()
    {
        const auto ok = as<StatusResponse>("a001 OK [READ-WRITE] SELECT completed\r\n");
        QCOMPARE(ok.tag, QByteArray("a001"));
        QCOMPARE(ok.status, Status::Ok);
        QCOMPARE(ok.code.kind, ResponseCode::Kind::ReadWrite);
        QCOMPARE(ok.text, QStringLiteral("SELECT completed"));

        const auto no = as<StatusResponse>("A2 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
        QCOMPARE(no.status, Status::No);
        QCOMPARE(no.code.kind, ResponseCode::Kind::AuthenticationFailed);

        const auto bad = as<StatusResponse>("x BAD Error in IMAP command received by server.\r\n");
        QCOMPARE(bad.status, Status::Bad);
        QCOMPARE(bad.code.kind, ResponseCode::Kind::None);

        const auto bare = as<StatusResponse>("a3 ok\r\n");
        QCOMPARE(bare.status, Status::Ok);
        QCOMPARE(bare.text, QString());
    }

    void responseCode_rfc5530Codes_areTyped_data()
    {
        QTest::addColumn<QByteArray>("name");
        QTest::addColumn<int>("kind");
        using K = ResponseCode::Kind;
        const std::pair<const char *, K> codes[] = {
            {"UNAVAILABLE", K::Unavailable},
            {"AUTHENTICATIONFAILED", K::AuthenticationFailed},
            {"AUTHORIZATIONFAILED", K::AuthorizationFailed},
            {"EXPIRED", K::Expired},
            {"PRIVACYREQUIRED", K::PrivacyRequired},
            {"CONTACTADMIN", K::ContactAdmin},
            {"NOPERM", K::NoPerm},
            {"INUSE", K::InUse},
            {"EXPUNGEISSUED", K::ExpungeIssued},
            {"CORRUPTION", K::Corruption},
            {"SERVERBUG", K::ServerBug},
            {"CLIENTBUG", K::ClientBug},
            {"CANNOT", K::Cannot},
            {"LIMIT", K::Limit},
            {"OVERQUOTA", K::OverQuota},
            {"ALREADYEXISTS", K::AlreadyExists},
            {"NONEXISTENT", K::NonExistent},
            {"TRYCREATE", K::TryCreate},
            {"CLOSED", K::Closed},
            {"READ-ONLY", K::ReadOnly},
            {"NOMODSEQ", K::NoModSeq},
            {"ALERT", K::Alert},
            {"UIDNOTSTICKY", K::UidNotSticky},
        };
        for (const auto &[name, kind] : codes)
            QTest::newRow(name) << QByteArray(name) << int(kind);
    }
    void responseCode_rfc5530Codes_areTyped()
    {
        QFETCH(QByteArray, name);
        QFETCH(int, kind);
        const auto r = as<StatusResponse>(QByteArray("t1 NO [" + name + "] words\r\n"));
        QCOMPARE(int(r.code.kind), kind);
        QCOMPARE(r.code.atom, name);
        QCOMPARE(responseCodeName(r.code.kind), name);
        QCOMPARE(r.text, QStringLiteral("words"));
    }

    void responseCode_numbersAndUidSets_areParsed()
    {
        const auto v = as<StatusResponse>("* OK [UIDVALIDITY 3857529045] UIDs valid\r\n");
        QCOMPARE(v.code.kind, ResponseCode::Kind::UidValidity);
        QCOMPARE(v.code.number, 3857529045u);
        const auto m = as<StatusResponse>("* OK [HIGHESTMODSEQ 715194045007] Highest\r\n");
        QCOMPARE(m.code.number, 715194045007ull);
        const auto a = as<StatusResponse>("A003 OK [APPENDUID 38505 3955] APPEND completed\r\n");
        QCOMPARE(a.code.kind, ResponseCode::Kind::AppendUid);
        QCOMPARE(a.code.number, 38505u);
        QCOMPARE(a.code.uids, UidSet({3955}));
        const auto c = as<StatusResponse>("A004 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n");
        QCOMPARE(c.code.kind, ResponseCode::Kind::CopyUid);
        QCOMPARE(c.code.sourceUids.toByteArray(), QByteArray("304,319:320"));
        QCOMPARE(c.code.uids.toByteArray(), QByteArray("3956:3958"));
        const auto f = as<StatusResponse>("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n");
        QCOMPARE(f.code.list, QList<QByteArray>({"\\Deleted", "\\Seen", "\\*"}));
        const auto mod = as<StatusResponse>("d105 OK [MODIFIED 7,9] Conditional STORE failed\r\n");
        QCOMPARE(mod.code.kind, ResponseCode::Kind::Modified);
        QCOMPARE(mod.code.uids, UidSet({7, 9}));
    }

    void responseCode_unknownOrMalformed_keptAsAtomAndText()
    {
        const auto u = as<StatusResponse>("* OK [X-GM-FOO bar (baz)] hello\r\n");
        QCOMPARE(u.code.kind, ResponseCode::Kind::Unknown);
        QCOMPARE(u.code.atom, QByteArray("X-GM-FOO"));
        QCOMPARE(u.code.text, QByteArray("bar (baz)"));
        QCOMPARE(u.text, QStringLiteral("hello"));
        const auto bad = as<StatusResponse>("* OK [UIDNEXT lots] hm\r\n");
        QCOMPARE(bad.code.kind, ResponseCode::Kind::Unknown);
        QCOMPARE(bad.code.atom, QByteArray("UIDNEXT"));
    }

    void text_withBraceAtEnd_isNotALiteral()
    {
        const auto r = as<StatusResponse>("a1 BAD Unknown argument {5}\r\n");
        QCOMPARE(r.text, QStringLiteral("Unknown argument {5}"));
        const auto c = as<ContinuationRequest>("+ Ready for literal {5}\r\n");
        QCOMPARE(c.text, QByteArray("Ready for literal {5}"));
    }

    void continuation_keepsBase64Challenge()
    {
        QCOMPARE(
            as<ContinuationRequest>("+ YGgGCSqGSIb3EgECAgIAb1kwV6ADAgEFoQMCAQ+iSzBJoAMCAQGiQgRA\r\n").text,
            QByteArray("YGgGCSqGSIb3EgECAgIAb1kwV6ADAgEFoQMCAQ+iSzBJoAMCAQGiQgRA"));
        QCOMPARE(as<ContinuationRequest>("+\r\n").text, QByteArray());
        QCOMPARE(as<ContinuationRequest>("+ \r\n").text, QByteArray());
    }

    void capability_isUpperCased()
    {
        QCOMPARE(
            as<Capability>("* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI XPIG-LATIN idle\r\n").capabilities,
            QList<QByteArray>({"IMAP4REV1", "STARTTLS", "AUTH=GSSAPI", "XPIG-LATIN", "IDLE"}));
        QCOMPARE(as<Enabled>("* ENABLED CONDSTORE QRESYNC\r\n").capabilities,
                 QList<QByteArray>({"CONDSTORE", "QRESYNC"}));
    }

    void list_rfc3501Examples()
    {
        const auto a = as<ListEntry>("* LIST (\\Noselect) \"/\" ~/Mail/foo\r\n");
        QCOMPARE(a.attributes, QList<QByteArray>({"\\Noselect"}));
        QCOMPARE(a.delimiter, '/');
        QCOMPARE(a.mailbox, mbox("~/Mail/foo", QStringLiteral("~/Mail/foo")));
        QVERIFY(a.hasAttribute("\\NOSELECT"));
        const auto b = as<ListEntry>("* LIST (\\Noselect) \".\" #news.\r\n");
        QCOMPARE(b.delimiter, '.');
        const auto c = as<ListEntry>("* LIST () NIL \"\"\r\n");
        QCOMPARE(c.delimiter, char(0));
        QCOMPARE(c.mailbox.raw, QByteArray());
        const auto l = as<ListEntry>("* LSUB () \".\" #news.comp.mail.misc\r\n");
        QVERIFY(l.lsub);
    }

    void list_inboxAnyCase_isNormalised()
    {
        QCOMPARE(as<ListEntry>("* LIST (\\HasNoChildren) \"/\" inbox\r\n").mailbox.raw, QByteArray("INBOX"));
        QCOMPARE(as<ListEntry>("* LIST (\\HasNoChildren) \"/\" \"InBox\"\r\n").mailbox.raw,
                 QByteArray("INBOX"));
    }

    void list_modifiedUtf7Names_decodeForDisplayAndKeepRawBytes()
    {
        const auto gmail =
            as<ListEntry>("* LIST (\\HasNoChildren \\Sent) \"/\" \"[Gmail]/Messages envoy&AOk-s\"\r\n");
        QCOMPARE(gmail.mailbox.raw, QByteArray("[Gmail]/Messages envoy&AOk-s"));
        QCOMPARE(gmail.mailbox.display, QStringLiteral("[Gmail]/Messages envoyés"));
        QVERIFY(gmail.hasAttribute("\\Sent"));
        const auto yandex = as<ListEntry>("* LIST (\\HasNoChildren \\Unmarked \\Sent) \"|\" "
                                          "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-\r\n");
        QCOMPARE(yandex.delimiter, '|');
        QCOMPARE(yandex.mailbox.display, QString::fromUtf8("Отправленные"));
    }

    void list_utf8Accepted_namesAreUtf8()
    {
        Parser parser;
        parser.setExpectGreeting(false);
        parser.setUtf8Accepted(true);
        QVERIFY(parser.feed("* LIST () \"/\" \"Отправленные\"\r\n"));
        const auto r = parser.takeResponse();
        QVERIFY(r);
        QCOMPARE(std::get<ListEntry>(*r).mailbox.display, QString::fromUtf8("Отправленные"));
    }

    void list_extendedData_childInfoAndOldName()
    {
        const auto e =
            as<ListEntry>("* LIST (\\NonExistent) \"/\" \"Fruit\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n");
        QCOMPARE(e.childInfo, QList<QByteArray>({"SUBSCRIBED"}));
        const auto o = as<ListEntry>("* LIST () \"/\" \"NewMailbox\" (\"OLDNAME\" (\"OldMailbox\"))\r\n");
        QVERIFY(o.oldName);
        QCOMPARE(o.oldName->raw, QByteArray("OldMailbox"));
        const auto x =
            as<ListEntry>("* LIST () \"/\" \"M\" (\"X-FOO\" (1 2 (3)) \"CHILDINFO\" (\"SUBSCRIBED\"))\r\n");
        QCOMPARE(x.childInfo, QList<QByteArray>({"SUBSCRIBED"}));
    }

    void list_mailboxAsLiteral()
    {
        const auto e = as<ListEntry>("* LIST () \"/\" {11}\r\nweird\"name)\r\n");
        QCOMPARE(e.mailbox.raw, QByteArray("weird\"name)"));
    }

    void status_rfc3501AndListStatus()
    {
        const auto s = as<MailboxStatus>("* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n");
        QCOMPARE(s.mailbox.raw, QByteArray("blurdybloop"));
        QCOMPARE(s.messages, 231u);
        QCOMPARE(s.uidNext, 44292u);
        QVERIFY(!s.unseen);
        const auto all = as<MailboxStatus>("* STATUS \"INBOX\" (MESSAGES 17 RECENT 0 UIDNEXT 18 UIDVALIDITY "
                                           "1 UNSEEN 3 HIGHESTMODSEQ 90060115205545359 "
                                           "SIZE 12345 DELETED 2 X-FOO 7)\r\n");
        QCOMPARE(all.highestModSeq, 90060115205545359ull);
        QCOMPARE(all.size, 12345u);
        QCOMPARE(all.deleted, 2u);
        QCOMPARE(all.unseen, 3u);
    }

    void flagsExistsRecentExpunge()
    {
        QCOMPARE(
            as<Flags>("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)\r\n").flags.size(),
            6);
        QCOMPARE(as<Flags>("* FLAGS ()\r\n").flags, QList<QByteArray>());
        QCOMPARE(as<Exists>("* 172 EXISTS\r\n").count, 172u);
        QCOMPARE(as<Recent>("* 1 RECENT\r\n").count, 1u);
        QCOMPARE(as<Expunge>("* 44 EXPUNGE\r\n").seq, 44u);
    }

    void vanished_earlierAndPlain()
    {
        const auto v = as<Vanished>("* VANISHED (EARLIER) 41,43:116,118,120:211,214:540\r\n");
        QVERIFY(v.earlier);
        QCOMPARE(v.uids.toByteArray(), QByteArray("41,43:116,118,120:211,214:540"));
        const auto p = as<Vanished>("* VANISHED 405,407,410,425\r\n");
        QVERIFY(!p.earlier);
        QCOMPARE(p.uids.size(), 4u);
    }

    void search_withModSeqAndEmpty()
    {
        QCOMPARE(as<Search>("* SEARCH 2 84 882\r\n").ids, QList<std::uint32_t>({2, 84, 882}));
        QCOMPARE(as<Search>("* SEARCH\r\n").ids, QList<std::uint32_t>());
        const auto m = as<Search>("* SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)\r\n");
        QCOMPARE(m.modSeq, 917162500u);
        QCOMPARE(m.ids.size(), 10);
        QCOMPARE(as<Search>("* SEARCH 1 2 \r\n").ids.size(), 2); // trailing space seen from Yahoo
    }

    void esearch_rfc4731Example()
    {
        const auto e = as<ESearch>("* ESEARCH (TAG \"A282\") MIN 2 COUNT 3\r\n");
        QCOMPARE(e.tag, QByteArray("A282"));
        QCOMPARE(e.min, 2u);
        QCOMPARE(e.count, 3u);
        QVERIFY(!e.uid);
        const auto u =
            as<ESearch>("* ESEARCH (TAG \"A285\") UID MIN 7 MAX 3800 ALL 4:18,21,28 MODSEQ 12345\r\n");
        QVERIFY(u.uid);
        QCOMPARE(u.max, 3800u);
        QCOMPARE(u.all->toByteArray(), QByteArray("4:18,21,28"));
        QCOMPARE(u.modSeq, 12345u);
        QCOMPARE(as<ESearch>("* ESEARCH (TAG \"A284\")\r\n").tag, QByteArray("A284"));
    }

    void idNamespaceQuota()
    {
        const auto id = as<Id>("* ID (\"name\" \"Cyrus\" \"version\" \"1.5\" \"os\" NIL)\r\n");
        QCOMPARE(id.fields.size(), 3);
        QCOMPARE(id.fields.at(0).second, QByteArray("Cyrus"));
        QVERIFY(!id.fields.at(2).second);
        QCOMPARE(as<Id>("* ID NIL\r\n").fields.size(), 0);

        const auto ns = as<Namespace>("* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) ((\"#shared/\" \"/\")"
                                      "(\"#public/\" \"/\")(\"#ftp/\" \"/\")(\"#news.\" \".\"))\r\n");
        QCOMPARE(ns.personal.size(), 1);
        QCOMPARE(ns.personal.at(0).delimiter, '/');
        QCOMPARE(ns.shared.size(), 4);
        QCOMPARE(ns.shared.at(3).prefix, QByteArray("#news."));
        const auto gm = as<Namespace>("* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n");
        QCOMPARE(gm.otherUsers.size(), 0);
        const auto ext =
            as<Namespace>("* NAMESPACE ((\"\" \"/\" \"X-PARAM\" (\"FLAG1\" \"FLAG2\"))) NIL NIL\r\n");
        QCOMPARE(ext.personal.size(), 1);

        const auto q = as<Quota>("* QUOTA \"\" (STORAGE 10 512 message 3 100)\r\n");
        QCOMPARE(q.resources.size(), 2);
        QCOMPARE(q.resources.at(1).name, QByteArray("MESSAGE"));
        QCOMPARE(q.resources.at(0).limit, 512u);
        const auto qr = as<QuotaRoot>("* QUOTAROOT INBOX \"\"\r\n");
        QCOMPARE(qr.roots, QList<QByteArray>({""}));
    }

    void unknownUntagged_isKeptNotFatal()
    {
        const auto u = as<Unknown>("* XYZZY some (thing {3}\r\nabc)\r\n");
        QCOMPARE(u.name, QByteArray("XYZZY"));
        QCOMPARE(u.raw, QByteArray("* XYZZY some (thing {3}\r\nabc)"));
        const auto n = as<Unknown>("* 3 FOO bar\r\n");
        QCOMPARE(n.number, 3u);
        QCOMPARE(n.name, QByteArray("FOO"));
    }

    void fetch_rfc3501Example()
    {
        const auto f =
            as<Fetch>("* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE "
                      "4286 ENVELOPE "
                      "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" "
                      "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" "
                      "\"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL "
                      "NIL \"imap\" "
                      "\"cac.washington.edu\")) ((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John "
                      "Klensin\" NIL \"KLENSIN\" "
                      "\"MIT.EDU\")) NIL NIL \"<B27397-0100000@cac.washington.edu>\") BODY (\"TEXT\" "
                      "\"PLAIN\" (\"CHARSET\" "
                      "\"US-ASCII\") NIL NIL \"7BIT\" 3028 92))\r\n");
        QCOMPARE(f.seq, 12u);
        QCOMPARE(*f.flags, QList<QByteArray>({"\\Seen"}));
        QCOMPARE(*f.internalDate, QDateTime(QDate(1996, 7, 17), QTime(9, 44, 25), Qt::UTC));
        QCOMPARE(f.rfc822Size, 4286u);
        QVERIFY(f.envelope);
        QCOMPARE(f.envelope->subject, QByteArray("IMAP4rev1 WG mtg summary and minutes"));
        QCOMPARE(f.envelope->from.size(), 1);
        QCOMPARE(f.envelope->from.at(0).name, QByteArray("Terry Gray"));
        QCOMPARE(f.envelope->cc.size(), 2);
        QCOMPARE(f.envelope->cc.at(1).host, QByteArray("MIT.EDU"));
        QVERIFY(f.envelope->bcc.isEmpty());
        QCOMPARE(f.envelope->messageId, QByteArray("<B27397-0100000@cac.washington.edu>"));
        QVERIFY(f.bodyStructure);
        QCOMPARE(f.bodyStructure->type, QByteArray("TEXT"));
        QCOMPARE(f.bodyStructure->parameter("charset"), QByteArray("US-ASCII"));
        QCOMPARE(f.bodyStructure->size, 3028u);
        QCOMPARE(f.bodyStructure->lines, 92u);
    }

    void fetch_internalDateWithOverlongNumbers_isDroppedNotOverflowed_data()
    {
        QTest::addColumn<QByteArray>("date");
        QTest::newRow("day of eleven digits") << QByteArray("04964817907-Jul-1996 02:44:25 -0700");
        QTest::newRow("day of three digits") << QByteArray("017-Jul-1996 02:44:25 -0700");
    }

    void fetch_internalDateWithOverlongNumbers_isDroppedNotOverflowed()
    {
        QFETCH(QByteArray, date);
        const auto f = as<Fetch>(QByteArray("* 3 FETCH (INTERNALDATE \"" + date + "\" UID 9)\r\n"));
        QVERIFY(!f.internalDate);
        QCOMPARE(f.uid, 9u);
    }

    void fetch_uidModSeqGmailItems()
    {
        const auto f =
            as<Fetch>("* 56697 FETCH (X-GM-THRID 1563190496481790748 X-GM-MSGID 1563491715126921418 "
                      "X-GM-LABELS (\"\\\\Sent\" \\Important Work \"My label\") UID 227195 "
                      "MODSEQ (10677203) FLAGS (\\Seen))\r\n");
        QCOMPARE(f.uid, 227195u);
        QCOMPARE(f.modSeq, 10677203u);
        QCOMPARE(f.gmailThreadId, 1563190496481790748ull);
        QCOMPARE(f.gmailMessageId, 1563491715126921418ull);
        QCOMPARE(*f.gmailLabels, QList<QByteArray>({"\\Sent", "\\Important", "Work", "My label"}));
    }

    void fetch_bodySectionsWithOriginAndHeaderFields()
    {
        static const char raw[] =
            "* 2 FETCH (UID 5 BODY[HEADER.FIELDS (SUBJECT FROM)] {22}\r\nSubject: hi\r\nFrom: x\r\n"
            " BODY[1.2]<100> \"abc\" BINARY[2] ~{3}\r\n\0\1\2 BINARY.SIZE[2] 3 BODY[3] NIL"
            " RFC822.HEADER {2}\r\nab)\r\n";
        const auto f = as<Fetch>(QByteArray(raw, sizeof(raw) - 1));
        QCOMPARE(f.sections.size(), 5);
        QCOMPARE(f.sections.at(0).section, QByteArray("HEADER.FIELDS (SUBJECT FROM)"));
        QCOMPARE(f.sections.at(0).data, QByteArray("Subject: hi\r\nFrom: x\r\n"));
        QCOMPARE(f.sections.at(1).origin, 100u);
        QCOMPARE(f.sections.at(1).data, QByteArray("abc"));
        QCOMPARE(f.sections.at(2).kind, BodySection::Kind::Binary);
        QCOMPARE(f.sections.at(2).data, QByteArray("\0\1\2", 3));
        QVERIFY(f.sections.at(3).isNil);
        QCOMPARE(f.sections.at(4).kind, BodySection::Kind::Rfc822Header);
        QCOMPARE(f.binarySizes.size(), 1);
        QVERIFY(f.findSection("1.2"));
        QVERIFY(!f.findSection("9"));
    }

    void fetch_emptyBodyValueFromYandex_isEmptySection()
    {
        const auto f = as<Fetch>("* 1 FETCH (UID 7 BODY[2] )\r\n");
        QCOMPARE(f.sections.size(), 1);
        QCOMPARE(f.sections.at(0).size, 0u);
    }

    void fetch_unknownItems_areSkipped()
    {
        const auto f = as<Fetch>(
            "* 3 FETCH (X-FOO (1 (2 \"x\") {2}\r\nab) UID 9 X-BAR[1]<2> NIL EMAILID (M1) SAVEDATE NIL)\r\n");
        QCOMPARE(f.uid, 9u);
        QCOMPARE(f.unknownItems, QList<QByteArray>({"X-FOO", "X-BAR", "EMAILID", "SAVEDATE"}));
    }

    void bodystructure_multipartWithExtensionData()
    {
        const auto f =
            as<Fetch>("* 1 FETCH (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL "
                      "\"QUOTED-PRINTABLE\" 1315 42 "
                      "NIL NIL NIL NIL)((\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"base64\" 2000 "
                      "26 NIL NIL NIL NIL)"
                      "(\"image\" \"png\" (\"name\" \"a.png\") \"<img1>\" NIL \"base64\" 4000 NIL "
                      "(\"inline\" (\"filename\" "
                      "\"a.png\")) NIL NIL) \"related\" (\"boundary\" \"b2\") NIL NIL)(\"APPLICATION\" "
                      "\"PDF\" (\"NAME\" "
                      "\"x.pdf\") NIL \"desc\" \"BASE64\" 9000 \"md5sum\" (\"ATTACHMENT\" (\"FILENAME\" "
                      "\"x.pdf\")) \"EN\" "
                      "\"http://loc\") \"MIXED\" (\"BOUNDARY\" \"b1\") NIL (\"en\" \"fr\") NIL))\r\n");
        const BodyStructure &b = *f.bodyStructure;
        QVERIFY(b.isMultipart());
        QCOMPARE(b.subtype, QByteArray("MIXED"));
        QCOMPARE(b.parameter("boundary"), QByteArray("b1"));
        QCOMPARE(b.language, QList<QByteArray>({"en", "fr"}));
        QCOMPARE(b.parts.size(), 3u);
        QCOMPARE(b.parts[1].subtype, QByteArray("RELATED"));
        QCOMPARE(b.parts[1].parts[0].type, QByteArray("TEXT"));
        QCOMPARE(b.parts[1].parts[0].subtype, QByteArray("HTML"));
        QCOMPARE(b.parts[1].parts[1].id, QByteArray("<img1>"));
        QCOMPARE(b.parts[1].parts[1].disposition, QByteArray("INLINE"));
        const BodyStructure &pdf = b.parts[2];
        QCOMPARE(pdf.description, QByteArray("desc"));
        QCOMPARE(pdf.md5, QByteArray("md5sum"));
        QCOMPARE(pdf.disposition, QByteArray("ATTACHMENT"));
        QCOMPARE(pdf.dispositionParameters.value(0).value, QByteArray("x.pdf"));
        QCOMPARE(pdf.language, QList<QByteArray>({"EN"}));
        QCOMPARE(pdf.location, QByteArray("http://loc"));
    }

    void bodystructure_messageRfc822_hasEnvelopeAndBody()
    {
        const auto f = as<Fetch>("* 4 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL \"7bit\" 10 1 "
                                 "NIL NIL NIL NIL)(\"message\" "
                                 "\"rfc822\" NIL NIL NIL \"7bit\" 500 (\"date\" \"inner subject\" NIL NIL "
                                 "NIL NIL NIL NIL NIL NIL) "
                                 "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 100 5 NIL "
                                 "NIL NIL NIL) 20 NIL NIL NIL "
                                 "NIL) \"mixed\" (\"boundary\" \"x\") NIL NIL NIL))\r\n");
        const BodyStructure &m = f.bodyStructure->parts[1];
        QCOMPARE(m.type, QByteArray("MESSAGE"));
        QVERIFY(m.envelope);
        QCOMPARE(m.envelope->subject, QByteArray("inner subject"));
        QCOMPARE(m.parts.size(), 1u);
        QCOMPARE(m.parts[0].size, 100u);
        QCOMPARE(m.lines, 20u);
    }

    void bodystructure_serverQuirks_areTolerated_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        // Gmail: broken "RELATED" parts with missing fields (MailKit #371).
        QTest::newRow("gmail-related") << QByteArray(
            "* 1 FETCH (BODYSTRUCTURE (((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"BASE64\" 10418 "
            "133 NIL "
            "NIL NIL)(\"TEXT\" \"HTML\" (\"CHARSET\" \"UTF-8\") NIL NIL \"BASE64\" 34544 442 NIL NIL NIL) "
            "\"ALTERNATIVE\" (\"BOUNDARY\" \"94eb\") NIL NIL)(\"RELATED\" NIL (\"ATTACHMENT\" NIL) "
            "NIL)(\"RELATED\" "
            "NIL (\"ATTACHMENT\" NIL) NIL) \"MIXED\" (\"BOUNDARY\" \"94ec\") NIL NIL))\r\n");
        // Apple: a size of -1 (MailKit #823).
        QTest::newRow("negative-size")
            << QByteArray("* 5 FETCH (UID 581 BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"US-ASCII\") "
                          "NIL NIL \"7bit\" 6 3 NIL "
                          "NIL NIL NIL)(\"multipart\" \"appledouble\" (\"boundary\" \"B_8145\") NIL NIL "
                          "\"7BIT\" -1 NIL NIL NIL "
                          "NIL) \"mixed\" (\"boundary\" \"B_7193\") NIL NIL))\r\n");
        // Mail.ru: floating point sizes with an exponent (MailKit #1838/#1840), and a NIL parameter value.
        QTest::newRow("float-size") << QByteArray(
            "* 6 FETCH (BODYSTRUCTURE (\"application\" \"octet-stream\" (\"name\" NIL) NIL NIL \"base64\" "
            "1.86931e+06 NIL NIL NIL NIL))\r\n");
        QTest::newRow("decimal-size") << QByteArray("* 6 FETCH (BODYSTRUCTURE (\"text\" \"plain\" NIL NIL "
                                                    "NIL \"8bit\" 2.0 \"3\" NIL NIL NIL NIL))\r\n");
        QTest::newRow("nil-size") << QByteArray(
            "* 6 FETCH (BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL \"8bit\" NIL NIL))\r\n");
        // A bare string where the multipart disposition list belongs (javamail #278).
        QTest::newRow("string-disposition") << QByteArray(
            "* 9 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 "
            "NIL NIL NIL "
            "NIL) \"mixed\" (\"boundary\" \"----=_Part\") \"S/MIME Encrypted Message\" NIL))\r\n");
        // Missing trailing fields (Yandex: a part that ends right after the encoding).
        QTest::newRow("short-part") << QByteArray(
            "* 7 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL "
            "\"8bit\")(\"text\" \"html\" "
            "NIL NIL NIL \"8bit\" 10) \"alternative\"))\r\n");
        // Extra NIL fields beyond the extension data, lower-case types, atoms instead of strings.
        QTest::newRow("extra-fields") << QByteArray("* 8 FETCH (BODYSTRUCTURE (text plain (charset utf-8) "
                                                    "NIL NIL 7bit 12 1 NIL NIL NIL NIL NIL NIL (1 2)))\r\n");
        // message/rfc822 sent as if it were a basic part (no envelope).
        QTest::newRow("rfc822-no-envelope") << QByteArray("* 8 FETCH (BODYSTRUCTURE (\"message\" \"rfc822\" "
                                                          "NIL NIL NIL \"7bit\" 1234 NIL NIL NIL NIL))\r\n");
        // Found by the fuzzer: a list where a parameter name belongs.
        QTest::newRow("list-in-params") << QByteArray("* 8 FETCH (BODYSTRUCTURE (\"text\" \"plain\" ((\"a\") "
                                                      "\"b\" (1) \"c\") NIL NIL \"7bit\" 1 1))\r\n");
        QTest::newRow("disposition-nil-params")
            << QByteArray("* 8 FETCH (BODYSTRUCTURE (\"image\" \"gif\" NIL NIL NIL \"base64\" 50 NIL "
                          "(\"inline\" NIL) NIL NIL))\r\n");
    }
    void bodystructure_serverQuirks_areTolerated()
    {
        QFETCH(QByteArray, bytes);
        const auto f = as<Fetch>(bytes);
        QVERIFY(f.bodyStructure);
        QVERIFY(!f.bodyStructure->type.isEmpty());
    }

    void bodystructure_quirkValues_areReadSensibly()
    {
        const auto fl = as<Fetch>("* 6 FETCH (BODYSTRUCTURE (\"application\" \"pdf\" NIL NIL NIL \"base64\" "
                                  "1.86931e+06 NIL NIL NIL NIL))\r\n");
        QCOMPARE(fl.bodyStructure->size, 1869310u);
        const auto q =
            as<Fetch>("* 6 FETCH (BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL \"8bit\" \"123\" 2.0))\r\n");
        QCOMPARE(q.bodyStructure->size, 123u);
        QCOMPARE(q.bodyStructure->lines, 2u);
        const auto neg =
            as<Fetch>("* 6 FETCH (BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL \"8bit\" -1 NIL))\r\n");
        QCOMPARE(neg.bodyStructure->size, 0u);
        const auto dsp =
            as<Fetch>("* 9 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL \"7bit\" 0 0) \"mixed\" "
                      "(\"boundary\" \"b\") \"inline\" NIL))\r\n");
        QCOMPARE(dsp.bodyStructure->disposition, QByteArray("INLINE"));
    }

    void envelope_quirks_nilInAddressListAndShortEnvelope()
    {
        const auto f = as<Fetch>(
            "* 1 FETCH (ENVELOPE (NIL \"s\" (NIL (\"a\" NIL \"b\" \"c\")) NIL NIL NIL NIL NIL NIL))\r\n");
        QCOMPARE(f.envelope->from.size(), 1);
        QCOMPARE(f.envelope->from.at(0).host, QByteArray("c"));
        QCOMPARE(f.envelope->messageId, QByteArray());
    }

    void quoted_escapesAnd8bit()
    {
        const auto s = as<MailboxStatus>("* STATUS \"a\\\"b\\\\c \xd0\x96\" (MESSAGES 1)\r\n");
        QCOMPARE(s.mailbox.raw, QByteArray("a\"b\\c \xd0\x96"));
    }

    void bareLf_isTolerated()
    {
        const Outcome out = feedWhole("* 3 EXISTS\n* 4 RECENT\n");
        QVERIFY(!out.error);
        QCOMPARE(out.responses.size(), 2);
    }

    void literal_splitAcrossReads_isReassembled()
    {
        const QByteArray bytes = "* 1 FETCH (BODY[] {11}\r\nhello\r\nworl UID 3)\r\na1 OK done\r\n";
        const Outcome whole = feedWhole(bytes);
        QVERIFY(!whole.error);
        QCOMPARE(whole.responses.size(), 2);
        QCOMPARE(std::get<Fetch>(whole.responses.at(0)).sections.at(0).data, QByteArray("hello\r\nworl"));
        for (qsizetype cut = 1; cut < bytes.size(); ++cut)
            QVERIFY2(feedInChunks(bytes, {cut}) == whole, QByteArray::number(cut).constData());
        QVERIFY(feedByteByByte(bytes) == whole);
    }

    void literal_zeroLength()
    {
        const auto f = as<Fetch>("* 1 FETCH (BODY[] {0}\r\n UID 2)\r\n");
        QCOMPARE(f.sections.at(0).data, QByteArray());
        QCOMPARE(f.uid, 2u);
    }

    void bodySink_receivesContentInChunks_fetchCarriesSize()
    {
        const QByteArray content(100000, 'x');
        const QByteArray bytes = "* 7 FETCH (UID 12 BODY[1.2]<0> {100000}\r\n" + content +
                                 " FLAGS (\\Seen))\r\n* 8 FETCH (BODY[TEXT] {4}\r\nsmol)\r\n";
        for (qsizetype chunk : {qsizetype(1), qsizetype(7), qsizetype(4096), bytes.size()}) {
            Parser parser;
            parser.setExpectGreeting(false);
            RecordingSink sink;
            sink.takeAbove = 10;
            parser.setBodySink(&sink);
            QList<Response> responses;
            parser.setResponseHandler([&](Response &&r) { responses.append(std::move(r)); });
            for (qsizetype i = 0; i < bytes.size(); i += chunk)
                QVERIFY(parser.feed(QByteArrayView(bytes).sliced(i, std::min(chunk, bytes.size() - i))));
            QCOMPARE(sink.begun.size(), 1);
            QCOMPARE(sink.begun.at(0).seq, 7u);
            QCOMPARE(sink.begun.at(0).section, QByteArray("1.2"));
            QCOMPARE(sink.begun.at(0).origin, 0u);
            QCOMPARE(sink.begun.at(0).size, 100000u);
            QCOMPARE(sink.ended, 1);
            QCOMPARE(sink.bytes, content);
            QCOMPARE(responses.size(), 2);
            const Fetch f = std::get<Fetch>(responses.at(0));
            QVERIFY(f.sections.at(0).streamed);
            QCOMPARE(f.sections.at(0).size, 100000u);
            QVERIFY(f.sections.at(0).data.isEmpty());
            QCOMPARE(*f.flags, QList<QByteArray>({"\\Seen"}));
            const Fetch small = std::get<Fetch>(responses.at(1));
            QVERIFY(!small.sections.at(0).streamed);
            QCOMPARE(small.sections.at(0).data, QByteArray("smol"));
        }
    }

    void bodySink_hugeAnnouncedLiteral_costsOnlyArrivedBytes()
    {
        Parser parser;
        parser.setExpectGreeting(false);
        RecordingSink sink;
        parser.setBodySink(&sink);
        QVERIFY(parser.feed("* 1 FETCH (BINARY[] ~{4294967295}\r\nabc"));
        QCOMPARE(sink.begun.value(0).kind, BodySection::Kind::Binary);
        QCOMPARE(sink.begun.value(0).size, 4294967295u);
        QCOMPARE(sink.bytes, QByteArray("abc"));
        QVERIFY(!parser.isIdle());
    }

    void bound_literalOverLimitWithoutSink_isError()
    {
        const ParseError e = failure("* 1 FETCH (BODY[] {4294967295}\r\n");
        QVERIFY(e.reason.contains(QStringLiteral("exceeds")));
        const ParseError m = failure("* LIST () \"/\" {16777217}\r\n");
        QVERIFY(m.reason.contains(QStringLiteral("exceeds")));
        QCOMPARE(m.offset, 14u);
    }

    void bound_literalSizeOverflowOrNegative_isError()
    {
        QVERIFY(failure("* 1 FETCH (BODY[] {99999999999999999999999}\r\n")
                    .reason.contains(QStringLiteral("overflow")));
        QVERIFY(failure("* 1 FETCH (BODY[] {-5}\r\n").reason.contains(QStringLiteral("negative")));
        QVERIFY(failure("* 1 FETCH (BODY[] {5+}\r\nhello)\r\n")
                    .reason.contains(QStringLiteral("non-synchronising")));
    }

    void bound_lineTooLong_isError()
    {
        Parser parser;
        const QByteArray chunk(1024 * 1024, 'a');
        bool ok = parser.feed("* SEARCH ");
        for (int i = 0; ok && i < 40; ++i)
            ok = parser.feed(chunk);
        QVERIFY(!ok);
        QVERIFY(parser.error()->reason.contains(QStringLiteral("longer than")));
        QVERIFY(!parser.feed("* OK\r\n")); // stays failed
    }

    void bound_nestingTooDeep_isError()
    {
        const QByteArray deep = "* 1 FETCH (BODYSTRUCTURE " + QByteArray(70, '(') + "\"text\" \"plain\"" +
                                QByteArray(70, ')') + ")\r\n";
        QVERIFY(failure(deep).reason.contains(QStringLiteral("nesting")));
        const QByteArray skipDeep =
            "* 1 FETCH (X-FOO " + QByteArray(200, '(') + QByteArray(200, ')') + ")\r\n";
        QVERIFY(failure(skipDeep).reason.contains(QStringLiteral("nesting")));
        const QByteArray ok = "* 1 FETCH (X-FOO " + QByteArray(60, '(') + QByteArray(60, ')') + ")\r\n";
        QCOMPARE(as<Fetch>(ok).unknownItems.size(), 1);
    }

    void bound_listTooLong_isError()
    {
        QByteArray flags = "* FLAGS (";
        for (int i = 0; i <= Limits::MaxListElements; ++i)
            flags += "a ";
        flags += ")\r\n";
        const Outcome out = feedWhole(flags);
        QVERIFY(out.error);
        QVERIFY(out.error->reason.contains(QStringLiteral("elements")));
    }

    void garbage_isErrorWithOffsetAndExcerpt_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<qulonglong>("offset");
        QTest::newRow("no tag") << QByteArray("a1 OK fine\r\n \r\n") << qulonglong(12);
        QTest::newRow("bad keyword") << QByteArray("a1 MAYBE\r\n") << qulonglong(3);
        QTest::newRow("unterminated list") << QByteArray("* FLAGS (\\Seen\r\n") << qulonglong(14);
        QTest::newRow("unterminated quote") << QByteArray("* STATUS \"abc\r\n") << qulonglong(13);
        QTest::newRow("bad number") << QByteArray("* 99999999999 EXISTS\r\n") << qulonglong(12);
        QTest::newRow("trailing junk") << QByteArray("* 3 EXISTS junk\r\n") << qulonglong(11);
        QTest::newRow("binary garbage") << QByteArray("\x01\x02\x03\r\n") << qulonglong(0);
        QTest::newRow("bad set") << QByteArray("* VANISHED 1:x\r\n") << qulonglong(11);
    }
    void garbage_isErrorWithOffsetAndExcerpt()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(qulonglong, offset);
        const ParseError e = failure(bytes);
        QCOMPARE(e.offset, offset);
        QVERIFY(!e.excerpt.isEmpty());
        QVERIFY(!e.excerpt.contains('\r'));
        QVERIFY(!e.reason.isEmpty());
    }

    void errorOffset_countsEarlierResponses()
    {
        const ParseError e = failure("* 1 EXISTS\r\n* 2 EXISTS\r\n* FLAGS (\r\n");
        QCOMPARE(e.offset, 33u);
    }

    void manyResponses_inOneChunk_andByteByByte()
    {
        QByteArray bytes;
        for (int i = 1; i <= 200; ++i)
            bytes += "* " + QByteArray::number(i) + " FETCH (UID " + QByteArray::number(i * 3) +
                     " FLAGS (\\Seen))\r\n";
        bytes += "a1 OK FETCH done\r\n";
        const Outcome whole = feedWhole(bytes);
        QCOMPARE(whole.responses.size(), 201);
        QVERIFY(feedByteByByte(bytes) == whole);
        QVERIFY(feedRandomly(bytes, 99) == whole);
        QCOMPARE(std::get<Fetch>(whole.responses.at(199)).uid, 600u);
    }

    void pullQueue_withoutHandler()
    {
        Parser parser;
        QVERIFY(parser.feed("* OK hi\r\n* 1 EXISTS\r\n"));
        QVERIFY(parser.hasResponse());
        QVERIFY(std::holds_alternative<Greeting>(*parser.takeResponse()));
        QCOMPARE(std::get<Exists>(*parser.takeResponse()).count, 1u);
        QVERIFY(!parser.takeResponse());
        QVERIFY(parser.isIdle());
        QCOMPARE(parser.bytesConsumed(), 21u);
    }

    void handler_destroysParser_feedStopsSafely()
    {
        auto parser = std::make_unique<Parser>();
        int seen = 0;
        parser->setResponseHandler([&](Response &&) {
            ++seen;
            parser.reset(); // e.g. a session that reconnects on BYE
        });
        Parser *raw = parser.get();
        QVERIFY(!raw->feed("* BYE going away\r\n* 1 EXISTS\r\n* 1 FETCH (BODY[] {3}\r\nabc)\r\n"));
        QCOMPARE(seen, 1);
        QVERIFY(!parser);
    }

    // The strings of one response share heap blocks (parser.cpp, StringArena): each must still
    // behave as an independent QByteArray.
    void strings_outliveParserAndSiblings_andStayNulTerminated()
    {
        QByteArray subject;
        QByteArray host;
        {
            Parser parser;
            parser.setExpectGreeting(false);
            QVERIFY(parser.feed(
                "* 1 FETCH (ENVELOPE (\"Mon, 1 Jul 2024\" \"Hello there\" ((\"Anna\" NIL \"anna\" "
                "\"example.com\")) NIL NIL NIL NIL NIL NIL \"<m1@example.com>\"))\r\n"));
            std::optional<Response> r = parser.takeResponse();
            QVERIFY(r);
            const Envelope &e = *std::get<Fetch>(*r).envelope;
            subject = e.subject;
            host = e.from.at(0).host;
        } // parser and response gone
        QCOMPARE(subject, QByteArray("Hello there"));
        QCOMPARE(host, QByteArray("example.com"));
        QCOMPARE(qstrlen(subject.constData()), size_t(subject.size()));
        QCOMPARE(qstrlen(host.constData()), size_t(host.size()));
        QCOMPARE(subject.toUpper(), QByteArray("HELLO THERE"));
    }

    void strings_modifyingOneField_leavesSiblingsIntact()
    {
        const auto f =
            as<Fetch>("* 1 FETCH (ENVELOPE (\"d\" \"subject\" ((\"A\" NIL \"a\" \"x.org\")(\"B\" NIL \"b\" "
                      "\"y.org\")) NIL NIL NIL NIL NIL \"<r@x>\" \"<m@x>\") BODYSTRUCTURE (\"TEXT\" "
                      "\"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 10 1))\r\n");
        Envelope e = *f.envelope;
        e.subject.append(" with a tail long enough to need more room than the string had");
        e.from[0].mailbox[0] = 'Z';
        e.from[1].host.replace("y.org", "somewhere.example");
        QCOMPARE(e.subject,
                 QByteArray("subject with a tail long enough to need more room than the string had"));
        QCOMPARE(e.from.at(0).mailbox, QByteArray("Z"));
        QCOMPARE(e.from.at(1).host, QByteArray("somewhere.example"));
        // The original response and every sibling are untouched.
        QCOMPARE(f.envelope->subject, QByteArray("subject"));
        QCOMPARE(f.envelope->from.at(0).mailbox, QByteArray("a"));
        QCOMPARE(f.envelope->from.at(0).host, QByteArray("x.org"));
        QCOMPARE(f.envelope->from.at(1).name, QByteArray("B"));
        QCOMPARE(f.envelope->from.at(1).host, QByteArray("y.org"));
        QCOMPARE(f.envelope->inReplyTo, QByteArray("<r@x>"));
        QCOMPARE(f.envelope->messageId, QByteArray("<m@x>"));
        QCOMPARE(f.bodyStructure->parameter("charset"), QByteArray("utf-8"));

        // The last holder of a shared block may grow in place: it still reads back correctly.
        QByteArray last = std::move(e.from[1].name);
        e = Envelope();
        last.append("ob");
        QCOMPARE(last, QByteArray("Bob"));
        QCOMPARE(qstrlen(last.constData()), size_t(3));
    }

    void strings_manyAndLong_areAllKept()
    {
        // More string bytes than one shared block holds, and a string too long to share one.
        QByteArray list;
        for (int i = 0; i < 300; ++i)
            list += "(\"Name " + QByteArray::number(i) + "\" NIL \"user" + QByteArray::number(i) +
                    "\" \"host" + QByteArray::number(i) + ".example\")";
        const QByteArray longSubject(5000, 's');
        const QByteArray bytes = "* 1 FETCH (ENVELOPE (NIL {5000}\r\n" + longSubject + " NIL NIL NIL (" +
                                 list + ") NIL NIL NIL NIL))\r\n";
        const auto f = as<Fetch>(bytes);
        QCOMPARE(f.envelope->subject, longSubject);
        QCOMPARE(f.envelope->to.size(), 300);
        for (int i = 0; i < 300; ++i) {
            const Address &a = f.envelope->to.at(i);
            QCOMPARE(a.name, "Name " + QByteArray::number(i));
            QCOMPARE(a.mailbox, "user" + QByteArray::number(i));
            QCOMPARE(a.host, "host" + QByteArray::number(i) + ".example");
            QCOMPARE(qstrlen(a.host.constData()), size_t(a.host.size()));
        }
    }

    // Repeated FETCH FLAGS lists are shared between responses (FlagListCache in parser.cpp).
    void flags_repeatedLists_areEqualAndIndependent()
    {
        const Outcome out = feedWhole("* 1 FETCH (FLAGS (\\Seen $Custom))\r\n"
                                      "* 2 FETCH (FLAGS (\\Seen $Custom))\r\n"
                                      "* 3 FETCH (FLAGS (\\Seen $custom))\r\n"
                                      "* 4 FETCH (FLAGS ())\r\n"
                                      "* 5 FETCH (FLAGS ())\r\n"
                                      "* FLAGS (\\Seen $Custom)\r\n");
        QVERIFY(!out.error);
        QCOMPARE(out.responses.size(), 6);
        QList<QByteArray> first = *std::get<Fetch>(out.responses.at(0)).flags;
        QCOMPARE(first, QList<QByteArray>({"\\Seen", "$Custom"}));
        QCOMPARE(*std::get<Fetch>(out.responses.at(1)).flags, QList<QByteArray>({"\\Seen", "$Custom"}));
        QCOMPARE(*std::get<Fetch>(out.responses.at(2)).flags, QList<QByteArray>({"\\Seen", "$custom"}));
        QVERIFY(std::get<Fetch>(out.responses.at(3)).flags->isEmpty());
        QVERIFY(std::get<Fetch>(out.responses.at(4)).flags->isEmpty());
        QCOMPARE(std::get<Flags>(out.responses.at(5)).flags, QList<QByteArray>({"\\Seen", "$Custom"}));
        first[1][0] = '!';
        first.append("\\Flagged");
        QCOMPARE(*std::get<Fetch>(out.responses.at(1)).flags, QList<QByteArray>({"\\Seen", "$Custom"}));

        // A list that does not parse is never remembered as a good one.
        const Outcome bad = feedWhole("* 1 FETCH (FLAGS (\\Seen \"x\"))\r\n");
        QVERIFY(bad.error);
        QVERIFY(feedWhole("* 1 FETCH (FLAGS (\\Seen $A)(\r\n").error);
    }

    // Common upper-cased tokens come from a static table; near misses must not match one.
    void bodystructure_tokensNearCommonOnes_keepTheirBytes()
    {
        const QByteArray bytes("* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\\\"\" (\"charset\" \"x\") NIL NIL "
                               "\"base6\" 1 1))\r\n");
        const auto f = as<Fetch>(bytes);
        QCOMPARE(f.bodyStructure->type, QByteArray("TEXT"));
        QCOMPARE(f.bodyStructure->subtype, QByteArray("PLAIN\""));
        QCOMPARE(f.bodyStructure->encoding, QByteArray("BASE6"));
        QCOMPARE(f.bodyStructure->parameters.at(0).name, QByteArray("CHARSET"));

        QByteArray withNul("* 1 FETCH (BODYSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1))\r\n");
        withNul.insert(withNul.indexOf("TEXT") + 4, '\0');
        const auto g = as<Fetch>(withNul);
        QCOMPARE(g.bodyStructure->type, QByteArray("TEXT\0", 5));
    }

    void parseOne_rejectsPartialInput()
    {
        QVERIFY(std::holds_alternative<Response>(Parser::parseOne("* 1 EXISTS\r\n")));
        QVERIFY(std::holds_alternative<ParseError>(Parser::parseOne("* 1 EXISTS")));
    }
};

QTEST_GUILESS_MAIN(TestImapParser)
#include "test_imapparser.moc"
