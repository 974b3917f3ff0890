#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helper daemon of tools/mailserver: the SMTP relay and the plain-port proxies.

1. Plain-port proxies. Dovecot treats a connection whose remote and local addresses are
   equal as "secured" (login-common: secured = ssl || trusted || remote_ip == local_ip), so
   on 127.0.0.1 it would offer LOGIN and AUTH before STARTTLS. Real servers do not, and the
   client must be tested against the real behaviour. So the public IMAP, POP3 and
   submission (STARTTLS) ports are plain TCP proxies listening on 127.0.0.1 that connect to
   Dovecot's private listeners from source address 127.0.0.2 (any 127/8 address works on
   Linux; nothing listens there). Dovecot then sees an insecure connection: LOGINDISABLED,
   no AUTH before STARTTLS, STARTTLS passes straight through. Implicit-TLS ports are not
   proxied. Backend ports are read from DIR/backend.ports on every connection, so a
   Dovecot restart on new ports needs no helper restart.

2. SMTP relay. Dovecot submission authenticates the client and relays each message here. Every SMTP
session is mirrored onto a Dovecot LMTP session on the instance's unix socket, so a
recipient in the local mail domain is checked at RCPT time (unknown user -> 550 back to
the client) and the message really lands in that user's Maildir (IDLE sees it). Mail for
any other domain is accepted and written to the sink directory as NNNNNN.eml, so tests can
look at what would have left the machine.

Also `helper.py deliver --lmtp SOCKET --to USER FILE` for one-off deliveries.
python3 stdlib only; binds 127.0.0.1 only.
"""

import argparse
import os
import signal
import select
import smtplib
import socket
import socketserver
import sys
import threading
import time

MAX_LINE = 4096
MAX_SIZE = 64 * 1024 * 1024


class Config:
    lmtp = ""
    sink = ""
    domain = ""
    log = None
    lock = threading.Lock()
    counter = 0


def log(msg):
    line = time.strftime("%Y-%m-%d %H:%M:%S ") + msg + "\n"
    with Config.lock:
        if Config.log:
            with open(Config.log, "a", encoding="utf-8") as f:
                f.write(line)
        else:
            sys.stderr.write(line)
            sys.stderr.flush()


def addr_of(arg):
    """'FROM:<a@b> SIZE=12' -> 'a@b'"""
    arg = arg.split(":", 1)[1].strip() if ":" in arg else arg
    if arg.startswith("<"):
        return arg[1 : arg.index(">")] if ">" in arg else arg[1:]
    return arg.split()[0] if arg else ""


def is_local(addr):
    return addr.lower().rsplit("@", 1)[-1] == Config.domain


class Session(socketserver.StreamRequestHandler):
    def reply(self, code, text):
        lines = text.split("\n")
        out = "".join(
            f"{code}{'-' if i < len(lines) - 1 else ' '}{l}\r\n" for i, l in enumerate(lines)
        )
        self.wfile.write(out.encode("utf-8", "replace"))
        self.wfile.flush()

    def reset(self):
        if self.lmtp is not None:
            try:
                self.lmtp.quit()
            except Exception:
                pass
        self.lmtp = None
        self.sender = None
        self.local_rcpts = []
        self.remote_rcpts = []

    def handle(self):
        self.lmtp = None
        self.reset()
        self.reply(220, "relay.tidings.test ESMTP Tidings test relay")
        try:
            while True:
                raw = self.rfile.readline(MAX_LINE)
                if not raw:
                    break
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                verb, _, arg = line.partition(" ")
                verb = verb.upper()
                if verb in ("EHLO", "HELO"):
                    self.reset()
                    if verb == "EHLO":
                        self.reply(250, "relay.tidings.test\n8BITMIME\nSMTPUTF8\nSIZE %d\nENHANCEDSTATUSCODES" % MAX_SIZE)
                    else:
                        self.reply(250, "relay.tidings.test")
                elif verb == "MAIL":
                    self.cmd_mail(arg)
                elif verb == "RCPT":
                    self.cmd_rcpt(arg)
                elif verb == "DATA":
                    self.cmd_data()
                elif verb == "RSET":
                    self.reset()
                    self.reply(250, "2.0.0 OK")
                elif verb == "NOOP":
                    self.reply(250, "2.0.0 OK")
                elif verb == "QUIT":
                    self.reply(221, "2.0.0 Bye")
                    break
                else:
                    self.reply(502, "5.5.1 Command not implemented")
        except (ConnectionError, OSError) as e:
            log(f"session error: {e}")
        finally:
            self.reset()

    def cmd_mail(self, arg):
        if self.sender is not None:
            self.reply(503, "5.5.1 Nested MAIL")
            return
        self.sender = addr_of(arg)
        self.reply(250, "2.1.0 OK")

    def open_lmtp(self):
        if self.lmtp is None:
            lm = smtplib.LMTP(Config.lmtp)
            lm.ehlo_or_helo_if_needed()
            code, resp = lm.mail(self.sender or "")
            if code != 250:
                lm.close()
                raise smtplib.SMTPResponseException(code, resp)
            self.lmtp = lm
        return self.lmtp

    def cmd_rcpt(self, arg):
        if self.sender is None:
            self.reply(503, "5.5.1 MAIL first")
            return
        rcpt = addr_of(arg)
        if not is_local(rcpt):
            self.remote_rcpts.append(rcpt)
            self.reply(250, "2.1.5 OK (sink)")
            return
        try:
            code, resp = self.open_lmtp().rcpt(rcpt)
        except (OSError, smtplib.SMTPException) as e:
            log(f"LMTP unavailable: {e}")
            self.reply(451, "4.3.0 Local delivery unavailable")
            return
        if code == 250:
            self.local_rcpts.append(rcpt)
        self.reply(code, resp.decode("utf-8", "replace"))

    def read_data(self):
        chunks, size = [], 0
        while True:
            raw = self.rfile.readline(MAX_SIZE)
            if not raw:
                raise ConnectionError("EOF in DATA")
            if raw in (b".\r\n", b".\n"):
                break
            if raw.startswith(b"."):
                raw = raw[1:]
            size += len(raw)
            if size <= MAX_SIZE:
                chunks.append(raw)
        return b"".join(chunks), size

    def cmd_data(self):
        if not self.local_rcpts and not self.remote_rcpts:
            self.reply(503, "5.5.1 No valid recipients")
            return
        self.reply(354, "End data with <CR><LF>.<CR><LF>")
        data, size = self.read_data()
        if size > MAX_SIZE:
            self.reset()
            self.reply(552, "5.3.4 Message too big")
            return
        failures = []
        if self.local_rcpts:
            failures = self.lmtp_data(data)
        for rcpt in self.remote_rcpts:
            with Config.lock:
                Config.counter += 1
                n = Config.counter
            name = os.path.join(Config.sink, "%06d-%d.eml" % (n, os.getpid()))
            with open(name + ".tmp", "wb") as f:
                f.write(b"X-Tidings-Sink-From: " + (self.sender or "").encode() + b"\r\n")
                f.write(b"X-Tidings-Sink-To: " + rcpt.encode() + b"\r\n")
                f.write(data)
            os.rename(name + ".tmp", name)
        log(f"DATA from={self.sender} local={self.local_rcpts} sink={self.remote_rcpts} "
            f"size={len(data)} failures={failures}")
        if failures:
            self.reply(451, "4.3.0 Delivery failed for " + ", ".join(failures))
        else:
            self.reply(250, "2.0.0 OK delivered")
        self.reset()

    def lmtp_data(self, data):
        """Send DATA over LMTP; LMTP answers once per accepted recipient (RFC 2033 4.2)."""
        lm = self.lmtp
        failures = []
        try:
            code, resp = lm.docmd("DATA")
            if code != 354:
                return list(self.local_rcpts)
            body = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            if not body.endswith(b"\r\n"):
                body += b"\r\n"
            body = b"\r\n".join(
                (b"." + l if l.startswith(b".") else l) for l in body.split(b"\r\n")
            )
            lm.send(body + b".\r\n")
            for rcpt in self.local_rcpts:
                code, resp = lm.getreply()
                if code != 250:
                    failures.append(f"{rcpt} ({code} {resp.decode('utf-8', 'replace')})")
        except (OSError, smtplib.SMTPException) as e:
            log(f"LMTP DATA failed: {e}")
            return list(self.local_rcpts)
        return failures


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def backend_port(dirname, name):
    with open(os.path.join(dirname, "backend.ports")) as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            if k == name:
                return int(v)
    raise KeyError(name)


class Proxy(socketserver.BaseRequestHandler):
    """Byte pipe client <-> Dovecot, connecting from 127.0.0.2 (see module docstring)."""

    name = ""
    dirname = ""
    source = "127.0.0.2"

    def handle(self):
        client = self.request
        try:
            port = backend_port(self.dirname, self.name)
            up = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                up.bind((self.source, 0))
            except OSError:
                log("proxy %s: cannot bind %s; Dovecot will treat this connection as secured"
                    % (self.name, self.source))
            up.connect(("127.0.0.1", port))
        except (OSError, KeyError, ValueError) as e:
            log("proxy %s: backend unavailable: %s" % (self.name, e))
            return
        for s in (client, up):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peers = {client: up, up: client}
        open_ = {client, up}
        try:
            while open_:
                readable, _, _ = select.select(list(open_), [], [])
                for s in readable:
                    data = s.recv(65536)
                    if data:
                        peers[s].sendall(data)
                    else:
                        open_.discard(s)
                        try:
                            peers[s].shutdown(socket.SHUT_WR)
                        except OSError:
                            pass
        except OSError:
            pass
        finally:
            up.close()


def serve(args):
    Config.lmtp, Config.sink, Config.domain, Config.log = args.lmtp, args.sink, args.domain.lower(), args.log
    os.makedirs(Config.sink, exist_ok=True)
    servers = {"relay": Server(("127.0.0.1", 0), Session)}
    for name in args.proxy:
        handler = type("Proxy_" + name, (Proxy,), {"name": name, "dirname": args.dir})
        servers[name] = Server(("127.0.0.1", 0), handler)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    threads = []
    for srv in servers.values():
        t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        t.start()
        threads.append(t)
    tmp = args.ports_file + ".tmp"
    with open(tmp, "w") as f:
        for name, srv in servers.items():
            f.write("%s=%d\n" % (name, srv.server_address[1]))
    os.rename(tmp, args.ports_file)
    log("helper listening: " + ", ".join("%s 127.0.0.1:%d" % (n, s.server_address[1]) for n, s in servers.items())
        + "; LMTP %s, sink %s" % (Config.lmtp, Config.sink))
    while not stopping.wait(0.1):
        pass
    stoppers = [threading.Thread(target=srv.shutdown) for srv in servers.values()]
    for t in stoppers:
        t.start()
    for t in stoppers:
        t.join()
    for srv in servers.values():
        srv.server_close()
    log("helper stopped")


def deliver(args):
    with open(args.file, "rb") as f:
        data = f.read()
    lm = smtplib.LMTP(args.lmtp)
    try:
        refused = lm.sendmail(args.sender, [args.to], data)
    except smtplib.SMTPException as e:
        print(f"deliver: {e}", file=sys.stderr)
        return 1
    finally:
        try:
            lm.quit()
        except Exception:
            pass
    if refused:
        print(f"deliver: refused: {refused}", file=sys.stderr)
        return 1
    print(f"mailserver: delivered {args.file} to {args.to}")
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--ports-file", required=True)
    s.add_argument("--dir", required=True)
    s.add_argument("--proxy", action="append", default=[])
    s.add_argument("--lmtp", required=True)
    s.add_argument("--sink", required=True)
    s.add_argument("--domain", required=True)
    s.add_argument("--log")
    d = sub.add_parser("deliver")
    d.add_argument("--lmtp", required=True)
    d.add_argument("--to", required=True)
    d.add_argument("--sender", default="")
    d.add_argument("file")
    args = ap.parse_args()
    if args.cmd == "serve":
        serve(args)
        return 0
    return deliver(args)


if __name__ == "__main__":
    sys.exit(main())
