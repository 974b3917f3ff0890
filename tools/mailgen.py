#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Deterministic generator of realistic mail for tests and benchmarks (python3 stdlib only).

    mailgen.py maildir DIR --count N [--seed S] [--uid U --gid G] [--to ADDR] [--jobs J]
    mailgen.py mbox OUT --count N [--seed S] [--to ADDR] [--jobs J]

Message i depends only on (seed, count, i), so the same arguments give the same bytes in
both modes and with any number of worker processes. What the mail contains:

- threads: about 45% of messages reply to a recent earlier one (Message-ID, In-Reply-To,
  References, "Re: " subjects), threads up to 30 deep;
- English, French and Russian threads; subjects and display names in RFC 2047 B and Q
  encodings with UTF-8, ISO-8859-1, KOI8-R and windows-1251; attachment names in RFC 2231
  and in RFC 2047 (the common non-standard form);
- bodies in 7bit, 8bit (UTF-8, KOI8-R, windows-1251, ISO-8859-1), quoted-printable and
  base64; multipart/alternative with HTML; multipart/mixed attachments (generated binary,
  a small PDF, PNG images); multipart/related HTML with inline cid: images;
- dates from 2019-01 to 2025-06 in increasing order, with the sender's time zone; in
  Maildir the file mtime (Dovecot's INTERNALDATE) is the same instant;
- Maildir flags: ~60% seen, ~8% answered, ~3% flagged; sizes mostly 2-20 KB, ~0.7% 200-320 KB.
"""

import argparse
import base64
import binascii
import hashlib
import html as _html
import multiprocessing
import os
import random
import struct
import sys
import time
import zlib

EPOCH_START = 1546300800  # 2019-01-01T00:00:00Z
EPOCH_END = 1748736000  # 2025-06-01T00:00:00Z
MAX_DEPTH = 30
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# --- vocabulary ----------------------------------------------------------------------

WORDS = {
    "en": """the of and to in is that for it as was with be by on not he this are or his
        from at which but have an they you were her she there been one all we their has
        would when if so no will can more about said could time into only some them other
        meeting report quarter budget release server mailbox review draft schedule invoice
        project customer contract deadline update question proposal summary attachment
        please thanks regards tomorrow yesterday afternoon agenda minutes figures numbers
        team office travel holiday weekend kitchen garden library museum concert""".split(),
    "fr": """le la les de des du un une et est en que qui dans pour pas sur au avec il elle
        nous vous ils ce cette son sa ses plus par mais comme été être avoir fait très bien
        réunion rapport trimestre budget version serveur boîte courrier révision brouillon
        calendrier facture projet client contrat échéance mise à jour question proposition
        résumé pièce jointe merci cordialement demain hier après-midi ordre du jour compte
        rendu chiffres équipe bureau voyage congés fin de semaine cuisine jardin
        bibliothèque musée concert élève été hôtel garçon français déjà où çà naïf""".split(),
    "ru": """и в не на я что он с как а то все она так его но да ты к у же вы за бы по
        только ее мне было вот от меня еще нет о из ему теперь когда даже ну вдруг ли если
        уже или ни быть был него до вас нибудь опять уж вам ведь там потом себя ничего
        совещание отчёт квартал бюджет выпуск сервер почта ящик черновик расписание счёт
        проект клиент договор срок обновление вопрос предложение итоги вложение пожалуйста
        спасибо завтра вчера после обеда повестка протокол цифры команда офис поездка
        отпуск выходные кухня сад библиотека музей концерт""".split(),
}

SUBJECTS = {
    "en": ["Quarterly report draft", "Budget for next year", "Server maintenance window",
           "Lunch on Friday?", "Invoice #{n}", "Meeting notes {n}", "Release {n} checklist",
           "Your order has shipped", "Holiday schedule", "Question about the contract",
           "Photos from the trip", "Agenda for tomorrow", "Re-org announcement",
           "Weekly status {n}", "Draft proposal for review"],
    "fr": ["Réunion de lundi", "Compte rendu du {n} mars", "Facture n°{n} à régler",
           "Congés d'été", "Proposition de partenariat", "Déjeuner vendredi ?",
           "Mise à jour du projet", "Photos du séjour à Nîmes", "Révision du contrat",
           "Ordre du jour — comité {n}", "Élèves inscrits en première année",
           "Crème brûlée pour la fête", "Problème de serveur à Orléans"],
    "ru": ["Отчёт за квартал", "Совещание в понедельник", "Счёт №{n} на оплату",
           "Планы на выходные", "Договор с клиентом", "Обновление проекта {n}",
           "Фотографии из поездки", "Повестка дня на завтра", "Вопрос по бюджету",
           "Съёмка в Ёлкино", "Протокол собрания №{n}", "Электронная почта не работает",
           "Поздравляю с днём рождения!"],
}

PEOPLE = {
    "en": [("Alice Johnson", "alice@example.org"), ("Bob Smith", "bob@example.com"),
           ("Carol White", "carol@example.net"), ("Dave Brown", "dave@example.org"),
           ("Eve Miller", "eve@example.com"), ("Frank O'Neill", "frank@example.net")],
    "fr": [("Amélie Dupont", "amelie@exemple.fr"), ("François Lefèvre", "francois@exemple.fr"),
           ("Hélène Girard", "helene@exemple.fr"), ("Jérôme Mercier", "jerome@exemple.org"),
           ("Zoë Bérénice Chaîné", "zoe@exemple.fr")],
    "ru": [("Иван Петров", "ivan@example.ru"), ("Мария Иванова", "maria@example.ru"),
           ("Сергей Смирнов", "sergey@example.ru"), ("Ольга Кузнецова", "olga@example.ru"),
           ("Дмитрий Соколов", "dmitry@example.ru"), ("Наталья Попова", "natalia@example.ru")],
}

TZ = {"en": [-300, -480, 0, -240], "fr": [60, 120], "ru": [180, 180, 420]}
MAILERS = ["Mozilla Thunderbird 115.3", "Microsoft Outlook 16.0", "Apple Mail (2.3731)",
           "Roundcube Webmail/1.6.1", "Claws Mail 4.1.1", "Evolution 3.46.4", "Mutt/2.2.9"]

QSAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!*+-/")


def _bank(lang, n=160):
    """A fixed bank of paragraphs per language; bodies are picked from it (fast)."""
    r = random.Random("bank/" + lang)
    words = WORDS[lang]
    out = []
    for _ in range(n):
        sentences = []
        for _ in range(r.randint(2, 7)):
            s = " ".join(r.choices(words, k=r.randint(6, 18)))
            sentences.append(s[0].upper() + s[1:] + r.choice(".......?!"))
        out.append(" ".join(sentences))
    return out




def wrap(text, width=72):
    """Plain word wrap, LF line ends."""
    lines, cur = [], 0
    line = []
    for w in text.split(" "):
        if cur + len(w) + (1 if line else 0) > width and line:
            lines.append(" ".join(line))
            line, cur = [], 0
        line.append(w)
        cur += len(w) + (1 if len(line) > 1 else 0)
    if line:
        lines.append(" ".join(line))
    return "\n".join(lines)


BANK = {lang: _bank(lang) for lang in WORDS}
# wrapped once here: wrapping per message was half the generator's time
BANK_WRAPPED = {lang: [wrap(p) for p in paras] for lang, paras in BANK.items()}
BANK_QUOTED = {lang: ["\n".join("> " + l for l in wrap(p, 70).split("\n")) for p in paras]
               for lang, paras in BANK.items()}


# --- RFC 2047 / 2231 -----------------------------------------------------------------

def _chunks_by_char(text, charset, max_bytes):
    cur, size = [], 0
    for ch in text:
        b = ch.encode(charset)
        if size + len(b) > max_bytes and cur:
            yield "".join(cur)
            cur, size = [], 0
        cur.append(ch)
        size += len(b)
    if cur:
        yield "".join(cur)


def ew_b(text, charset):
    prefix = "=?%s?B?" % charset
    max_bytes = (75 - len(prefix) - 2) // 4 * 3
    return "\n ".join(prefix + base64.b64encode(c.encode(charset)).decode() + "?="
                      for c in _chunks_by_char(text, charset, max_bytes))


def _q(b):
    return "".join(chr(c) if c in QSAFE else ("_" if c == 32 else "=%02X" % c) for c in b)


def ew_q(text, charset):
    prefix = "=?%s?Q?" % charset
    words, cur = [], ""
    for ch in text:
        enc = _q(ch.encode(charset))
        if len(prefix) + len(cur) + len(enc) + 2 > 75 and cur:
            words.append(prefix + cur + "?=")
            cur = ""
        cur += enc
    if cur:
        words.append(prefix + cur + "?=")
    return "\n ".join(words)


def encode_phrase(text, charset, enc):
    if all(ord(c) < 128 for c in text):
        return text
    try:
        text.encode(charset)
    except UnicodeEncodeError:  # e.g. "№" has no KOI8-R code; real mailers fall back too
        charset = "UTF-8"
    return ew_b(text, charset) if enc == "B" else ew_q(text, charset)


def mailbox(name, addr, charset, enc):
    if all(ord(c) < 128 for c in name):
        if any(c in name for c in "'.,"):
            return '"%s" <%s>' % (name, addr)
        return "%s <%s>" % (name, addr)
    return "%s <%s>" % (encode_phrase(name, charset, enc), addr)


def rfc2231(name):
    return "UTF-8''" + "".join(
        chr(c) if (c < 128 and (chr(c).isalnum() or chr(c) in "._-")) else "%%%02X" % c
        for c in name.encode("utf-8"))


# --- small generated binaries --------------------------------------------------------

def png(r, w, h):
    """A valid PNG (8-bit RGB); noisy pixels so it does not compress to nothing."""
    rowlen = w * 3
    raw = bytearray()
    base = r.randbytes(rowlen)
    for y in range(h):
        raw.append(0)
        raw += base if y % 3 else r.randbytes(rowlen)

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(raw), 1)) + chunk(b"IEND", b""))


def pdf(r, size):
    head = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
            b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\nendobj\n")
    stream = zlib.compress(r.randbytes(size), 0)
    body = b"4 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream\nendobj\n"
    tail = b"xref\n0 5\n0000000000 65535 f \ntrailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(head) + len(body))
    return head + body + tail


def b64_lines(data):
    return b"".join(binascii.b2a_base64(data[i:i + 57]) for i in range(0, len(data), 57))


def qp(data):
    return binascii.b2a_qp(data, quotetabs=False, istext=True, header=False)


# --- the generator -------------------------------------------------------------------

class Generator:
    def __init__(self, seed, count, to="user1@tidings.test", host="mail.tidings.test"):
        self.seed = str(seed)
        self.count = max(1, count)
        self.to = to
        self.host = host
        self.memo = {}  # i -> (parent or None, depth, root)

    def rng(self, kind, i):
        return random.Random("%s/%s/%d" % (self.seed, kind, i))

    def structure(self, i):
        """(parent, depth, root) of message i; computed from earlier indices only."""
        m = self.memo.get(i)
        if m is not None:
            return m
        stack = [i]
        while stack:
            k = stack[-1]
            r = self.rng("p", k)
            parent = None
            if k > 0 and r.random() < 0.45:
                parent = max(0, k - 1 - int(r.expovariate(1 / 6.0)))
            if parent is not None and parent not in self.memo:
                stack.append(parent)
                continue
            stack.pop()
            if parent is None:
                self.memo[k] = (None, 0, k)
            else:
                _, pd, proot = self.memo[parent]
                self.memo[k] = (None, 0, k) if pd + 1 >= MAX_DEPTH else (parent, pd + 1, proot)
        return self.memo[i]

    def msgid(self, i):
        h = hashlib.md5(("%s/id/%d" % (self.seed, i)).encode()).hexdigest()
        dom = ("example.org", "exemple.fr", "example.ru", "mx.example.com")[int(h[:2], 16) % 4]
        return "<%s.%d@%s>" % (h[:16], i, dom)

    def when(self, i):
        span = (EPOCH_END - EPOCH_START) / self.count
        frac = 0.1 + 0.8 * self.rng("d", i).random()
        return int(EPOCH_START + (i + frac) * span)

    def thread_info(self, root):
        r = self.rng("t", root)
        x = r.random()
        lang = "en" if x < 0.45 else ("fr" if x < 0.7 else "ru")
        subj = r.choice(SUBJECTS[lang]).replace("{n}", str(r.randint(2, 999)))
        people = r.sample(PEOPLE[lang], k=min(len(PEOPLE[lang]), r.randint(2, 3)))
        return lang, subj, people

    # One message as bytes with LF line ends, plus its Maildir flags and timestamp.
    def message(self, i):
        parent, depth, root = self.structure(i)
        lang, subj, people = self.thread_info(root)
        r = self.rng("c", i)
        t = self.when(i)
        tz = r.choice(TZ[lang])

        if lang == "en":
            hcs, henc = "UTF-8", "Q"
            bcs = r.choice(["us-ascii", "utf-8"])
        elif lang == "fr":
            hcs, henc = r.choice([("UTF-8", "Q"), ("ISO-8859-1", "Q"), ("UTF-8", "B")])
            bcs = r.choice(["utf-8", "iso-8859-1"])
        else:
            hcs, henc = r.choice([("UTF-8", "B"), ("KOI8-R", "B"), ("windows-1251", "B"),
                                  ("KOI8-R", "Q"), ("windows-1251", "Q"), ("UTF-8", "Q")])
            bcs = r.choice(["utf-8", "koi8-r", "windows-1251"])

        sender = people[depth % len(people)]
        others = [p for p in people if p is not sender]
        hdr = []
        lt = time.gmtime(t + tz * 60)
        date = "%s, %02d %s %d %02d:%02d:%02d %s%02d%02d" % (
            DAYS[lt.tm_wday], lt.tm_mday, MONTHS[lt.tm_mon - 1], lt.tm_year, lt.tm_hour,
            lt.tm_min, lt.tm_sec, "-" if tz < 0 else "+", abs(tz) // 60, abs(tz) % 60)
        hdr.append("Return-Path: <%s>" % sender[1])
        hdr.append("Received: from mx.%s (mx.%s [192.0.2.%d])\n\tby %s with ESMTPS id %s\n\tfor <%s>; %s"
                   % (sender[1].split("@")[1], sender[1].split("@")[1], 1 + i % 250, self.host,
                      hashlib.md5(b"%d" % i).hexdigest()[:12].upper(), self.to, date))
        hdr.append("Date: " + date)
        hdr.append("From: " + mailbox(sender[0], sender[1], hcs, henc))
        if r.random() < 0.3:
            hdr.append("To: " + self.to)
        else:
            hdr.append("To: " + ", ".join([self.to] + [mailbox(n, a, hcs, henc) for n, a in others[:1]]))
        if others[1:] and r.random() < 0.3:
            hdr.append("Cc: " + ",\n ".join(mailbox(n, a, hcs, henc) for n, a in others[1:]))
        esubj = encode_phrase(subj, hcs, henc)
        if parent is not None:
            esubj = ("Re: " if r.random() < 0.9 else "RE: ") + esubj
        elif r.random() < 0.03:
            esubj = "Fwd: " + esubj
        hdr.append("Subject: " + esubj)
        hdr.append("Message-ID: " + self.msgid(i))
        if parent is not None:
            hdr.append("In-Reply-To: " + self.msgid(parent))
            chain = [parent]
            p = parent
            while len(chain) < 12:
                p = self.memo[p][0]
                if p is None:
                    break
                chain.append(p)
            if chain[-1] != root:
                chain.append(root)
            hdr.append("References: " + "\n ".join(self.msgid(k) for k in reversed(chain)))
        if r.random() < 0.7:
            hdr.append(("User-Agent: " if r.random() < 0.5 else "X-Mailer: ") + r.choice(MAILERS))
        hdr.append("MIME-Version: 1.0")

        # Body text from the paragraph bank, aiming at a size (most 2-20 KB in total).
        target = int(min(14000, max(300, r.lognormvariate(7.5, 0.7))))
        paras, size = [], 0
        bank = BANK_WRAPPED[lang]
        while size < target:
            p = bank[r.randrange(len(bank))]
            paras.append(p)
            size += len(p) + 2
        greeting = {"en": "Hi,", "fr": "Bonjour,", "ru": "Добрый день!"}[lang]
        sign = {"en": "Best regards,", "fr": "Cordialement,", "ru": "С уважением,"}[lang]
        text = greeting + "\n\n" + "\n\n".join(paras) + "\n\n" + sign + "\n" + sender[0] + "\n"
        if parent is not None and r.random() < 0.6:
            text += "\n" + BANK_QUOTED[lang][r.randrange(len(bank))] + "\n"

        x = r.random()
        big = r.random() < 0.007
        if big:
            kind = "mixed"
        elif x < 0.30:
            kind = "plain"
        elif x < 0.40:
            kind = "plain-b64"
        elif x < 0.62:
            kind = "alternative"
        elif x < 0.72:
            kind = "related"
        else:
            kind = "mixed"

        boundary_base = "=_%s" % hashlib.md5(("%s/b/%d" % (self.seed, i)).encode()).hexdigest()[:20]
        out = ["\n".join(hdr).encode("utf-8")]
        out.append(b"\n")
        if kind == "plain":
            ctype, body = self.text_part(r, text, bcs, lang, force=None)
            out.append(ctype + b"\n" + body)
        elif kind == "plain-b64":
            ctype, body = self.text_part(r, text, bcs, lang, force="base64")
            out.append(ctype + b"\n" + body)
        elif kind == "alternative":
            out.append(self.alternative(r, text, bcs, lang, boundary_base + "a", related=False))
        elif kind == "related":
            out.append(self.alternative(r, text, bcs, lang, boundary_base + "a", related=True,
                                        rboundary=boundary_base + "r"))
        else:
            b = boundary_base + "m"
            parts = []
            if r.random() < 0.5:
                ctype, body = self.text_part(r, text, bcs, lang, force=None)
                parts.append(ctype + b"\n" + body)
            else:
                parts.append(self.alternative(r, text, bcs, lang, boundary_base + "a", related=False))
            for _ in range(1 if r.random() < 0.7 else 2):
                parts.append(self.attachment(r, lang, big))
            out.append(self.multipart("mixed", b, parts, preamble=True))
        data = b"".join(out)

        # Maildir info flags, in the required alphabetical order.
        y = r.random()
        answered = 0.03 <= y < 0.11
        flags = ("F" if y < 0.03 else "") + ("R" if answered else "")
        if answered or r.random() < 0.6:
            flags += "S"
        return data, t, flags

    def text_part(self, r, text, charset, lang, force):
        try:
            raw = text.encode(charset)
        except UnicodeEncodeError:
            charset = "utf-8"
            raw = text.encode(charset)
        if force == "base64":
            cte = "base64"
        elif charset == "us-ascii":
            cte = "7bit"
        elif charset in ("koi8-r", "windows-1251"):
            cte = "8bit" if r.random() < 0.75 else "quoted-printable"
        else:
            cte = r.choice(["8bit", "quoted-printable", "quoted-printable"])
        if cte == "base64":
            body = b64_lines(raw)
        elif cte == "quoted-printable":
            body = qp(raw)
        else:
            body = raw
        fmt = "; format=flowed" if r.random() < 0.2 and cte != "base64" else ""
        ctype = ("Content-Type: text/plain; charset=%s%s\nContent-Transfer-Encoding: %s\n"
                 % (charset if r.random() < 0.5 else charset.upper(), fmt, cte)).encode()
        return ctype, body

    def html(self, text, lang, cid=None):

        paras = text.strip().split("\n\n")
        img = ('<p><img src="cid:%s" alt="logo" width="64" height="64"></p>\n' % cid) if cid else ""
        body = "\n".join("<p>%s</p>" % _html.escape(p).replace("\n", "<br>\n") for p in paras)
        return ('<!DOCTYPE html>\n<html lang="%s"><head><meta charset="utf-8">'
                "<style>body{font-family:sans-serif}</style></head>\n<body>\n%s%s\n"
                '<p><a href="https://www.example.org/unsubscribe">Unsubscribe</a></p>\n</body></html>\n'
                % (lang, img, body))

    def alternative(self, r, text, charset, lang, boundary, related, rboundary=None):
        ctype, body = self.text_part(r, text, charset, lang, force=None)
        plain = ctype + b"\n" + body
        cid = None
        if related:
            cid = "img%d.%s@example.org" % (r.randrange(10**6), boundary[2:10])
        hdata = self.html(text, lang, cid).encode("utf-8")
        if lang == "ru":  # as most mailers do for Cyrillic: QP would triple the size
            html_part = (b"Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
                         + b64_lines(hdata))
        else:
            html_part = (b"Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
                         + qp(hdata))
        if related:
            img = png(r, r.randint(24, 48), r.randint(24, 48))
            img_part = (("Content-Type: image/png; name=\"logo.png\"\nContent-Transfer-Encoding: base64\n"
                         "Content-ID: <%s>\nContent-Disposition: inline; filename=\"logo.png\"\n\n" % cid).encode()
                        + b64_lines(img))
            html_part = self.multipart("related", rboundary, [html_part, img_part], typ="text/html")
        return self.multipart("alternative", boundary, [plain, html_part])

    def attachment(self, r, lang, big):
        x = r.random()
        names = {"en": ["report", "photo", "invoice", "data"],
                 "fr": ["compte-rendu", "photo été", "facture", "données"],
                 "ru": ["отчёт", "фото", "счёт", "данные"]}[lang]
        stem = r.choice(names)
        if big:
            data = r.randbytes(r.randint(150_000, 230_000))
            ctype, ext = "application/octet-stream", ".bin"
        elif x < 0.35:
            data = pdf(r, r.randint(1500, 7000))
            ctype, ext = "application/pdf", ".pdf"
        elif x < 0.7:
            data = png(r, r.randint(24, 56), r.randint(24, 56))
            ctype, ext = "image/png", ".png"
        else:
            data = r.randbytes(r.randint(500, 6000))
            ctype, ext = "application/octet-stream", ".dat"
        fname = stem + ext
        if all(ord(c) < 128 for c in fname):
            disp = 'attachment; filename="%s"' % fname
            ct = '%s; name="%s"' % (ctype, fname)
        elif r.random() < 0.5:
            disp = "attachment;\n filename*=%s" % rfc2231(fname)
            ct = "%s;\n name*=%s" % (ctype, rfc2231(fname))
        else:
            enc = ew_b(fname, "UTF-8")
            disp = 'attachment;\n filename="%s"' % enc
            ct = '%s;\n name="%s"' % (ctype, enc)
        return (("Content-Type: %s\nContent-Transfer-Encoding: base64\nContent-Disposition: %s\n\n"
                 % (ct, disp)).encode("ascii") + b64_lines(data))

    @staticmethod
    def multipart(sub, boundary, parts, preamble=False, typ=None):
        b = boundary.encode()
        head = b'Content-Type: multipart/%s;%s\n boundary="%s"\n\n' % (
            sub.encode(), (b' type="%s";' % typ.encode()) if typ else b"", b)
        if preamble:
            head += b"This is a multi-part message in MIME format.\n"
        out = [head]
        for p in parts:
            out.append(b"--" + b + b"\n" + p + (b"" if p.endswith(b"\n") else b"\n"))
        out.append(b"--" + b + b"--\n")
        return b"".join(out)


# --- output --------------------------------------------------------------------------

def _maildir_worker(args):
    seed, count, to, host, path, lo, hi, uid, gid, nonce = args
    # As root, hand each file to the mail user (cheaper and sturdier than dropping privileges
    # in a pyenv interpreter the mail user may not be able to read).
    chown = uid is not None and os.geteuid() == 0 and uid != 0
    g = Generator(seed, count, to, host)
    tmpdir, curdir = os.path.join(path, "tmp"), os.path.join(path, "cur")
    total = 0
    for i in range(lo, hi):
        data, t, flags = g.message(i)
        size = len(data)
        vsize = size + data.count(b"\n")
        name = "%d.M%dP%s_%d.%s,S=%d,W=%d" % (t, i % 1000000, nonce, i, host, size, vsize)
        tmp = os.path.join(tmpdir, name)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, data)
            if chown:
                os.fchown(fd, uid, gid)
            os.utime(fd, (t, t))
        finally:
            os.close(fd)
        os.rename(tmp, os.path.join(curdir, name + ":2," + flags))
        total += size
    return hi - lo, total


def _mbox_worker(args):
    seed, count, to, host, lo, hi = args
    g = Generator(seed, count, to, host)
    out = []
    for i in range(lo, hi):
        data, t, _ = g.message(i)
        sender = data.split(b"Return-Path: <", 1)[1].split(b">", 1)[0]
        out.append(b"From %s %s\n" % (sender, time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(t)).encode()))
        # mboxrd: quote every ^>*From line
        for line in data.split(b"\n"):
            if line.lstrip(b">").startswith(b"From "):
                out.append(b">" + line + b"\n")
            else:
                out.append(line + b"\n")
        if not data.endswith(b"\n"):
            out.append(b"\n")
    return b"".join(out)


def _ranges(count, chunk):
    return [(lo, min(count, lo + chunk)) for lo in range(0, count, chunk)]


def _pool(jobs):
    ctx = multiprocessing.get_context("fork")
    return ctx.Pool(jobs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="mode", required=True)
    for name in ("maildir", "mbox"):
        p = sub.add_parser(name)
        p.add_argument("out")
        p.add_argument("--count", type=int, required=True)
        p.add_argument("--seed", default="1")
        p.add_argument("--to", default="user1@tidings.test")
        p.add_argument("--host", default="mail.tidings.test")
        p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
        if name == "maildir":
            p.add_argument("--uid", type=int)
            p.add_argument("--gid", type=int)
    a = ap.parse_args()
    jobs = max(1, a.jobs)
    t0 = time.time()
    if a.mode == "maildir":
        for d in ("cur", "new", "tmp"):
            if not os.path.isdir(os.path.join(a.out, d)):
                sys.exit("mailgen: %s is not a Maildir folder (no %s/)" % (a.out, d))
        nonce = "%x%x" % (os.getpid(), int(time.time() * 1000) & 0xFFFFFF)
        tasks = [(a.seed, a.count, a.to, a.host, a.out, lo, hi, a.uid, a.gid, nonce)
                 for lo, hi in _ranges(a.count, 500)]
        n = size = 0
        if jobs == 1 or a.count <= 500:
            results = map(_maildir_worker, tasks)
        else:
            pool = _pool(jobs)
            results = pool.imap_unordered(_maildir_worker, tasks)
        for k, s in results:
            n += k
            size += s
        print("mailgen: %d messages, %.1f MB in %.1fs" % (n, size / 1e6, time.time() - t0), file=sys.stderr)
    else:
        tasks = [(a.seed, a.count, a.to, a.host, lo, hi) for lo, hi in _ranges(a.count, 500)]
        tmp = a.out + ".tmp"
        with open(tmp, "wb") as f:
            if jobs == 1 or a.count <= 500:
                results = map(_mbox_worker, tasks)
            else:
                results = _pool(jobs).imap(_mbox_worker, tasks)
            for chunk in results:
                f.write(chunk)
        os.rename(tmp, a.out)
        print("mailgen: %d messages, %.1f MB in %.1fs -> %s"
              % (a.count, os.path.getsize(a.out) / 1e6, time.time() - t0, a.out), file=sys.stderr)


if __name__ == "__main__":
    main()
