#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""End-to-end check of tools/mailserver: start in a temp dir, talk IMAP, POP3 and SMTP to
it with python's stdlib clients (trusting only the generated CA), fill, stop, and make
sure nothing is left running. Usage: selftest.py PATH/TO/tools/mailserver [--keep]"""

import imaplib
import os
import poplib
import re
import shutil
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback

MS = sys.argv[1]
KEEP = "--keep" in sys.argv[2:]
passed, failed = 0, 0


def check(name, fn):
    global passed, failed
    t = time.time()
    try:
        detail = fn()
        passed += 1
        print("PASS %-55s %5.2fs %s" % (name, time.time() - t, detail or ""))
    except Exception as e:
        failed += 1
        print("FAIL %-55s %s: %s" % (name, type(e).__name__, e))
        if os.environ.get("SELFTEST_VERBOSE"):
            traceback.print_exc()


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def run(*args, ok=True):
    p = subprocess.run([MS, *args], capture_output=True, text=True)
    if ok and p.returncode != 0:
        raise AssertionError("%s exited %d: %s" % (" ".join(args), p.returncode, p.stderr.strip()[-500:]))
    return p


def read_env(d):
    env = {}
    with open(os.path.join(d, "env")) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            env[k] = v
    return env


def pids_of(d):
    pids = []
    for f in ("dovecot.pid", "helper.pid"):
        try:
            pids.append(int(open(os.path.join(d, f)).read().strip()))
        except (OSError, ValueError):
            pass
    out = []
    todo = list(pids)
    while todo:
        p = todo.pop()
        out.append(p)
        r = subprocess.run(["ps", "-o", "pid=", "--ppid", str(p)], capture_output=True, text=True)
        todo += [int(x) for x in r.stdout.split()]
    return out


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie we do not own counts as gone
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def main():
    root = tempfile.mkdtemp(prefix="tidings-mailserver-selftest-")
    d = os.path.join(root, "srv")
    d2 = os.path.join(root, "second")
    try:
        return tests(root, d, d2)
    finally:
        for x in (d, d2):  # whatever happened, leave nothing running
            if os.path.isdir(x):
                run("stop", x, ok=False)
        if KEEP:
            print("kept", root)
        else:
            shutil.rmtree(root, ignore_errors=True)


def tests(root, d, d2):
    env = {}
    ctx = None

    def start():
        t = time.time()
        p = run("start", d, "--users", "3")
        expect(p.stdout.strip() == os.path.join(d, "env"), "start printed %r" % p.stdout)
        env.update(read_env(d))
        return "in %.1fs" % (time.time() - t)

    check("start", start)
    if not env:
        print("cannot continue without a server; log tail:")
        subprocess.run(["tail", "-n", "30", os.path.join(d, "log", "dovecot.log")])
        print("%d passed, %d failed" % (passed, failed + 1))
        return 1

    port = lambda k: int(env[k])
    H = env["HOST"]
    ctx = ssl.create_default_context(cafile=env["CA_FILE"])  # trusts only the throw-away CA
    U1, P1, U2, P2 = env["USER_1"], env["PASSWORD_1"], env["USER_2"], env["PASSWORD_2"]

    def env_keys():
        want = ["HOST", "IMAP_PORT", "IMAPS_PORT", "POP3_PORT", "POP3S_PORT", "SMTP_PORT",
                "SMTPS_PORT", "CA_FILE", "UNTRUSTED_CERT", "UNTRUSTED_KEY", "SERVER_CERT",
                "SERVER_KEY", "MAIL_DOMAIN", "USER_COUNT", "USER_1", "PASSWORD_1", "USER_2",
                "PASSWORD_2", "USER_3", "PASSWORD_3", "DIR"]
        expect(list(env) == want, "keys %s" % list(env))
        expect(env["HOST"] == "127.0.0.1" and env["MAIL_DOMAIN"] == "tidings.test", "host/domain")
        expect(env["USER_COUNT"] == "3" and env["USER_3"] == "user3@tidings.test", "users")
        expect(len({env[k] for k in want if k.endswith("_PORT")}) == 6, "distinct ports")
        for k in ("CA_FILE", "UNTRUSTED_CERT", "UNTRUSTED_KEY", "SERVER_CERT", "SERVER_KEY"):
            expect(os.path.isabs(env[k]) and os.path.isfile(env[k]), k)
        expect(env["DIR"] == d, "DIR")
        # same user name -> same password, across runs and machines
        expect(re.fullmatch(r"[A-Za-z0-9]{16}", P1) and P1 != P2, "password shape")

    check("env file has exactly the documented keys", env_keys)

    def listeners_loopback_only():
        out = subprocess.run(["ss", "-ltnp"], capture_output=True, text=True).stdout \
            if shutil.which("ss") else ""
        for k in ("IMAP_PORT", "IMAPS_PORT", "POP3_PORT", "POP3S_PORT", "SMTP_PORT", "SMTPS_PORT"):
            s = socket.create_connection((H, port(k)), timeout=3)
            s.close()
        if out:
            for line in out.splitlines():
                for k in ("IMAP_PORT", "IMAPS_PORT", "POP3_PORT", "POP3S_PORT", "SMTP_PORT", "SMTPS_PORT"):
                    if (":%s " % env[k]) in line:
                        expect("127.0.0.1:" in line, "not loopback: " + line)

    check("every port accepts connections on 127.0.0.1", listeners_loopback_only)

    def imaps_list():
        i = imaplib.IMAP4_SSL(H, port("IMAPS_PORT"), ssl_context=ctx)
        i.login(U1, P1)
        typ, data = i.list('""', "*")
        lines = b"\n".join(data).decode()
        for flag, name in (("\\Sent", "Sent"), ("\\Drafts", "Drafts"), ("\\Trash", "Trash"),
                           ("\\Junk", "Junk"), ("\\Archive", "Archive")):
            expect(re.search(r"\(.*%s.*\) \"/\" \"?%s\"?" % (re.escape(flag), name), lines), "%s missing in %s" % (name, lines))
        typ, data = i.lsub('""', "*")
        expect(all(n in b"".join(data).decode() for n in ("Sent", "Drafts", "Trash", "Junk", "Archive")), "not subscribed")
        i.logout()
        return "Sent Drafts Trash Junk Archive with SPECIAL-USE, subscribed"

    check("IMAPS login, LIST shows special-use folders", imaps_list)

    def imap_capabilities():
        i = imaplib.IMAP4_SSL(H, port("IMAPS_PORT"), ssl_context=ctx)
        i.login(U1, P1)
        typ, data = i.capability()
        caps = set(data[0].decode().upper().split())
        need = {"IDLE", "CONDSTORE", "QRESYNC", "SPECIAL-USE", "MOVE", "UIDPLUS", "ESEARCH", "LIST-STATUS"}
        expect(need <= caps, "missing %s" % (need - caps))
        i.logout()
        return " ".join(sorted(need))

    check("IMAP capabilities after login", imap_capabilities)

    def imap_starttls():
        i = imaplib.IMAP4(H, port("IMAP_PORT"))
        caps = set(i.capabilities)
        expect("STARTTLS" in caps and "LOGINDISABLED" in caps, "pre-TLS caps %s" % caps)
        try:
            i.login(U1, P1)
            raise AssertionError("LOGIN accepted before STARTTLS")
        except imaplib.IMAP4.error:
            pass
        i.starttls(ssl_context=ctx)
        i.login(U1, P1)
        expect(i.select("INBOX")[0] == "OK", "select")
        i.logout()
        return "LOGINDISABLED before, login after STARTTLS"

    check("IMAP STARTTLS login", imap_starttls)

    def imap_wrong_password():
        i = imaplib.IMAP4_SSL(H, port("IMAPS_PORT"), ssl_context=ctx)
        try:
            i.login(U1, P1 + "x")
            raise AssertionError("wrong password accepted")
        except imaplib.IMAP4.error as e:
            return str(e)[:60]

    check("IMAP wrong password refused", imap_wrong_password)

    def untrusted_cert_rejected():
        bad = ssl.create_default_context(cafile=env["UNTRUSTED_CERT"])
        try:
            imaplib.IMAP4_SSL(H, port("IMAPS_PORT"), ssl_context=bad)
            raise AssertionError("server cert verified against the untrusted one")
        except ssl.SSLCertVerificationError:
            pass
        # ...and the untrusted pair is a usable key + cert (for tests' bad-cert servers)
        srv = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        srv.load_cert_chain(env["UNTRUSTED_CERT"], env["UNTRUSTED_KEY"])
        srv.load_cert_chain(env["SERVER_CERT"], env["SERVER_KEY"])
        return "verify fails with the wrong trust anchor"

    check("TLS: CA-only trust; untrusted.pem is a different cert", untrusted_cert_rejected)

    marker = "selftest-%d" % os.getpid()

    def smtp_starttls_send():
        s = smtplib.SMTP(H, port("SMTP_PORT"), timeout=10)
        s.ehlo()
        expect(s.has_extn("starttls"), "no STARTTLS")
        # Dovecot says a bare "AUTH" with no mechanisms before TLS
        expect(not s.esmtp_features.get("auth", "").strip(), "AUTH mechanisms offered before TLS")
        s.starttls(context=ctx)
        s.ehlo()
        expect(s.has_extn("auth"), "no AUTH after TLS")
        s.login(U1, P1)
        msg = ("From: %s\r\nTo: %s\r\nSubject: %s starttls\r\nMessage-ID: <%s.1@tidings.test>\r\n\r\n"
               "Hello over STARTTLS.\r\n.leading dot line\r\n" % (U1, U2, marker, marker))
        refused = s.sendmail(U1, [U2, "someone@example.com"], msg)
        expect(not refused, "refused %s" % refused)
        s.quit()

    check("SMTP submission STARTTLS + AUTH sends user1 -> user2", smtp_starttls_send)

    def smtps_send():
        s = smtplib.SMTP_SSL(H, port("SMTPS_PORT"), context=ctx, timeout=10)
        s.login(U1, P1)
        msg = ("From: %s\r\nTo: %s\r\nSubject: %s smtps\r\n\r\nHello over implicit TLS.\r\n" % (U1, U2, marker))
        refused = s.sendmail(U1, [U2], msg)
        expect(not refused, "refused %s" % refused)
        s.quit()

    check("SMTPS (implicit TLS) + AUTH sends user1 -> user2", smtps_send)

    def arrival():
        deadline = time.time() + 10
        i = imaplib.IMAP4_SSL(H, port("IMAPS_PORT"), ssl_context=ctx)
        i.login(U2, P2)
        while True:
            i.select("INBOX")
            typ, data = i.search(None, "SUBJECT", marker)
            n = len(data[0].split())
            if n >= 2:
                break
            expect(time.time() < deadline, "only %d of 2 messages arrived in 10s" % n)
            time.sleep(0.2)
        typ, data = i.fetch(data[0].split()[0], "(BODY[])")
        body = data[0][1]
        expect(b"\r\n.leading dot line\r\n" in body, "dot-stuffing broken")
        i.logout()
        sink = os.listdir(os.path.join(d, "sink"))
        expect(len(sink) == 1, "external recipient not in sink: %s" % sink)
        return "both in user2's INBOX; external copy in DIR/sink"

    check("submitted mail arrives in user2's INBOX (<=10s)", arrival)

    def smtp_refusals():
        s = smtplib.SMTP_SSL(H, port("SMTPS_PORT"), context=ctx, timeout=10)
        try:
            s.login(U1, "wrong")
            raise AssertionError("wrong password accepted")
        except smtplib.SMTPAuthenticationError:
            pass
        s.close()
        s = smtplib.SMTP_SSL(H, port("SMTPS_PORT"), context=ctx, timeout=10)
        s.login(U1, P1)
        try:
            s.sendmail(U1, ["nosuchuser@tidings.test"], "Subject: x\r\n\r\nx\r\n")
            raise AssertionError("unknown local recipient accepted")
        except smtplib.SMTPRecipientsRefused as e:
            code = list(e.recipients.values())[0][0]
            expect(code == 550, "code %d" % code)
        s.quit()
        s = smtplib.SMTP(H, port("SMTP_PORT"), timeout=10)
        try:
            s.sendmail(U1, [U2], "Subject: x\r\n\r\nx\r\n")
            raise AssertionError("unauthenticated relay accepted")
        except smtplib.SMTPException:
            pass
        s.close()
        return "wrong password 535, unknown user 550, no-auth refused"

    check("SMTP wrong password / unknown user / no AUTH refused", smtp_refusals)

    def pop3s_uidl():
        p = poplib.POP3_SSL(H, port("POP3S_PORT"), context=ctx, timeout=10)
        p.user(U2)
        p.pass_(P2)
        resp, lines, _ = p.uidl()
        expect(len(lines) >= 2, "uidl %s" % lines)
        uid = lines[0].split()[1].decode()
        expect(re.fullmatch(r"[0-9A-Fa-f]{16}", uid), "UIDL format %s (want %%08Xu%%08Xv)" % uid)
        p.quit()
        return "UIDL %s" % uid

    check("POP3S login + UIDL", pop3s_uidl)

    def pop3_stls():
        p = poplib.POP3(H, port("POP3_PORT"), timeout=10)
        expect("STLS" in p.capa(), "no STLS in CAPA")
        try:
            p.user(U2)
            p.pass_(P2)
            raise AssertionError("plaintext login accepted before STLS")
        except poplib.error_proto:
            pass
        p.close()
        p = poplib.POP3(H, port("POP3_PORT"), timeout=10)
        p.stls(context=ctx)
        p.user(U2)
        p.pass_(P2)
        expect(len(p.uidl()[1]) >= 2, "uidl")
        p.quit()
        return "refused before STLS, fine after"

    check("POP3 STLS login + UIDL", pop3_stls)

    def pop3_wrong_password():
        p = poplib.POP3_SSL(H, port("POP3S_PORT"), context=ctx, timeout=10)
        p.user(U2)
        try:
            p.pass_("wrong")
            raise AssertionError("wrong password accepted")
        except poplib.error_proto as e:
            return str(e)[:60]

    check("POP3 wrong password refused", pop3_wrong_password)

    fresh = "fresh%d@tidings.test" % os.getpid()

    def adduser_and_idle_deliver():
        run("adduser", d, fresh, "s3cret pass!")
        i = imaplib.IMAP4_SSL(H, port("IMAPS_PORT"), ssl_context=ctx)
        i.login(fresh, "s3cret pass!")
        i.select("INBOX")
        tag = i._new_tag().decode()
        i.send(("%s IDLE\r\n" % tag).encode())
        expect(i.readline().startswith(b"+"), "no IDLE continuation")
        path = os.path.join(root, "one.eml")
        with open(path, "wb") as f:
            f.write(b"From: a@example.org\r\nTo: %s\r\nSubject: deliver test\r\n\r\nbody\r\n" % fresh.encode())
        run("deliver", d, fresh, path)
        i.sock.settimeout(5)
        line = i.readline()
        expect(re.match(rb"\* 1 EXISTS", line), "IDLE saw %r" % line)
        i.send(b"DONE\r\n")
        while not i.readline().startswith(tag.encode()):
            pass
        i.logout()
        return "new user logs in; IDLE saw EXISTS after deliver"

    check("adduser + deliver seen by IDLE", adduser_and_idle_deliver)

    def fill_1000():
        t = time.time()
        run("fill", d, env["USER_3"], "--count", "1000", "--seed", "5")
        run("fill", d, env["USER_3"], "--count", "20", "--folder", "Archive")
        dt = time.time() - t
        i = imaplib.IMAP4_SSL(H, port("IMAPS_PORT"), ssl_context=ctx)
        i.login(env["USER_3"], env["PASSWORD_3"])
        typ, data = i.select("INBOX", readonly=True)
        expect(int(data[0]) == 1000, "INBOX has %s" % data)
        typ, data = i.status("Archive", "(MESSAGES)")
        expect(b"MESSAGES 20" in data[0], "Archive %s" % data)
        typ, data = i.uid("FETCH", "1:3", "(INTERNALDATE BODY.PEEK[HEADER.FIELDS (DATE)])")
        typ, data = i.search(None, "SEEN")
        seen = len(data[0].split())
        expect(100 < seen < 900, "seen %d" % seen)
        typ, data = i.fetch("1", "(BODYSTRUCTURE)")
        i.logout()
        return "1000 in INBOX (%d seen), 20 in Archive, %.1fs" % (seen, dt)

    check("fill 1000 messages, visible over IMAP", fill_1000)

    def gen_mbox_deterministic():
        a, b = os.path.join(root, "a.mbox"), os.path.join(root, "b.mbox")
        run("gen-mbox", a, "--count", "300", "--seed", "9")
        subprocess.run([sys.executable, os.path.join(os.path.dirname(MS), "mailgen.py"), "mbox", b,
                        "--count", "300", "--seed", "9", "--jobs", "1"], check=True, capture_output=True)
        da, db = open(a, "rb").read(), open(b, "rb").read()
        expect(da == db, "same seed gave different bytes")
        expect(da.count(b"\nFrom ") + 1 == 300, "message count")
        return "%d bytes, identical" % len(da)

    check("gen-mbox: same seed -> same bytes", gen_mbox_deterministic)

    def status_and_double_start():
        expect(run("status", d).returncode == 0, "status")
        p = run("start", d, ok=False)
        expect(p.returncode != 0 and "already running" in p.stderr, "second start: %d %s" % (p.returncode, p.stderr))
        return "second start refused (exit %d)" % p.returncode

    check("status; start on a running DIR is refused", status_and_double_start)

    def second_instance():
        run("start", d2, "--users", "1")
        e2 = read_env(d2)
        expect(e2["IMAPS_PORT"] != env["IMAPS_PORT"], "same port")
        for e in (env, e2):
            c = ssl.create_default_context(cafile=e["CA_FILE"])
            i = imaplib.IMAP4_SSL(H, int(e["IMAPS_PORT"]), ssl_context=c)
            i.login(e["USER_1"], e["PASSWORD_1"])
            i.logout()
        pids = pids_of(d2)
        run("stop", d2)
        left = [p for p in pids if alive(p)]
        expect(not left, "left running: %s" % left)
        return "two instances side by side"

    check("a second instance in another DIR", second_instance)

    def stop_all_gone():
        pids = pids_of(d)
        expect(len(pids) >= 3, "pids %s" % pids)
        run("stop", d)
        left = [p for p in pids if alive(p)]
        expect(not left, "left running: %s" % left)
        expect(run("status", d, ok=False).returncode == 3, "status after stop")
        expect(run("stop", d).returncode == 0, "second stop")
        for k in ("IMAPS_PORT", "SMTP_PORT"):
            s = socket.socket()
            expect(s.connect_ex((H, port(k))) != 0, "port %s still open" % k)
            s.close()
        return "%d processes gone" % len(pids)

    check("stop leaves no processes", stop_all_gone)

    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
