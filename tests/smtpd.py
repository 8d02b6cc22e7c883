#!/usr/bin/python3
"""A scriptable SMTP server for podium's tests, built on aiosmtpd.

Run it with Debian's interpreter (/usr/bin/python3), which sees the
python3-aiosmtpd package:

    /usr/bin/python3 tests/smtpd.py --port 0 --dir DIR [options]

It listens on 127.0.0.1 only.  Once it accepts connections it writes the
port it got to DIR/port (atomically: a reader sees either no file or the
whole number), so a test can pass --port 0 and never race for a free port.

What it leaves in DIR, for the tests to read:

    port            the listening port, one line
    cafile          with --starttls: the path of the certificate to trust
    cert.pem        with --starttls: self-signed for 127.0.0.1 (kept if present)
    key.pem
    sessions.log    one line per SMTP connection ("session N peer=IP:PORT"),
                    written when the connection opens, so that a test can
                    count connections ("one connection for many messages")
    msg-NNNN.eml    every accepted message, the exact bytes of DATA after
                    dot-unstuffing (NNNN counts from 0001 across connections)
    msg-NNNN.json   its envelope: mail_from, rcpt_tos, peer, tls (whether
                    STARTTLS was active), auth_user (null without AUTH),
                    session, size.  Written after the .eml, so a present
                    .json means a complete .eml.

Failure injection (every counter counts across connections, because the
client under test reconnects after most failures):

    --fail-4xx N      answer 451 to the first N attempts, then accept
    --fail-421 N      answer "421 closing" to the first N MAIL commands and
                      drop the connection, as a server shutting down does
    --fail-at STAGE   where --fail-4xx and --reject-550 answer: "rcpt" (the
                      RCPT command) or "data" (after the message body,
                      the default)
    --reject-550      refuse every message for good with 550
    --reject-rcpt A   refuse the recipient address A with 550 at RCPT (may
                      be given several times); the answer echoes the
                      address, as real servers do
    --reject-rcpt-after N  ... only after accepting it N times (so that a
                      test can deliver some mail to A first)
    --drop-mid-data N close the connection in the middle of DATA (after the
                      first line of the body) the first N times
    --stall SECONDS   wait before answering the end of DATA
    --stall-times N   ... only the first N times (default: every time)
    --starttls        offer STARTTLS
    --require-tls     refuse MAIL before STARTTLS (530); implies --starttls
    --auth USER:PASS  require AUTH (PLAIN and LOGIN); with --starttls only
                      after STARTTLS (aiosmtpd's auth_require_tls)
    --max-messages N  exit after N stored messages (bounded loops)
    --lifetime S      exit after S seconds whatever happens (default 600),
                      so a test that dies cannot leave a server behind

It exits with status 0 on SIGTERM or SIGINT, after closing the listener.
This is a test fixture: it keeps everything in memory and on disk
unbounded by design and must never listen beyond loopback.
"""

import argparse
import asyncio
import json
import logging
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword, TLSSetupException

HOST = "127.0.0.1"


def write_atomic(path, data):
    """Writes data (bytes) to path through a temporary file and rename(),
    so that a test polling for the file never reads half of it."""
    d = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.rename(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


class State:
    """Everything that outlives one connection: the failure counters and
    the message and session numbers.

    aiosmtpd creates one SMTP object per connection, so per-run state
    cannot live there.  The hooks all run on the controller's event loop
    thread; the lock is for the main thread, which reads `stored` to
    decide when --max-messages is reached.
    """

    def __init__(self, opts):
        self.lock = threading.Lock()
        self.opts = opts
        self.left = {
            "fail_4xx": opts.fail_4xx,
            "fail_421": opts.fail_421,
            "drop": opts.drop_mid_data,
            "stall": opts.stall_times,
            "rcpt_ok": opts.reject_rcpt_after,
        }
        self.sessions = 0
        self.stored = 0
        self.ready = False
        self.done = threading.Event()

    def take(self, name):
        """True if the failure `name` has uses left, using one up.  A
        negative count (only --stall-times) means every time."""
        with self.lock:
            n = self.left[name]
            if n == 0:
                return False
            if n > 0:
                self.left[name] = n - 1
            return True

    def next_session(self):
        with self.lock:
            self.sessions += 1
            return self.sessions

    def store(self, server, session, envelope):
        """Stores one accepted message as msg-NNNN.eml + .json."""
        with self.lock:
            self.stored += 1
            n = self.stored
        base = os.path.join(self.opts.dir, "msg-%04d" % n)
        body = envelope.original_content or b""
        write_atomic(base + ".eml", body)
        peer = session.peer
        meta = {
            "seq": n,
            "session": server.number,
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "mail_options": list(envelope.mail_options),
            "peer": "%s:%d" % (peer[0], peer[1]) if peer else None,
            "tls": session.ssl is not None,
            "auth_user": auth_user(session),
            "size": len(body),
        }
        write_atomic(base + ".json",
                     (json.dumps(meta, indent=1) + "\n").encode())
        if self.opts.max_messages and n >= self.opts.max_messages:
            self.done.set()


def auth_user(session):
    """The login name a session authenticated with, as text, or None."""
    if not session.authenticated:
        return None
    data = session.auth_data
    login = getattr(data, "login", None)
    if isinstance(login, bytes):
        return login.decode("utf-8", "replace")
    return login


class Handler:
    """aiosmtpd's hook object: decides the answers to RCPT and DATA."""

    def __init__(self, state):
        self.state = state

    async def handle_RCPT(self, server, session, envelope, address, options):
        opts = self.state.opts
        if address.lower() in (a.lower() for a in opts.reject_rcpt):
            if not self.state.take("rcpt_ok"):
                return "550 5.1.1 <%s>: recipient rejected" % address
        if opts.fail_at == "rcpt":
            if opts.reject_550:
                return "550 5.7.1 rejected by test server (--reject-550)"
            if self.state.take("fail_4xx"):
                return "451 4.7.1 try again later (--fail-4xx)"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        opts = self.state.opts
        if opts.stall > 0 and self.state.take("stall"):
            # If the client gives up and closes, aiosmtpd cancels this
            # coroutine here and the message is not stored: the client saw
            # no 250, and a retry must not find a copy already there.
            await asyncio.sleep(opts.stall)
        if opts.fail_at == "data":
            if opts.reject_550:
                return "550 5.7.1 rejected by test server (--reject-550)"
            if self.state.take("fail_4xx"):
                return "451 4.3.0 try again later (--fail-4xx)"
        self.state.store(server, session, envelope)
        return "250 2.0.0 OK stored as %04d" % self.state.stored


class Authenticator:
    """Checks AUTH PLAIN and AUTH LOGIN against --auth USER:PASS."""

    def __init__(self, user, password):
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == self.user
              and auth_data.password == self.password)
        if ok:
            return AuthResult(success=True, auth_data=auth_data)
        # handled=False: smtp_AUTH answers "535 ... credentials invalid";
        # the default (handled=True) would leave the client waiting.
        return AuthResult(success=False, handled=False)


class TestSMTP(SMTP):
    """aiosmtpd's server with the failure points that need the connection
    itself (421 and closing, dropping inside DATA) and a session log."""

    def __init__(self, handler, state, **kwargs):
        super().__init__(handler, **kwargs)
        self.state = state
        # The session number lives here, not on aiosmtpd's Session, which
        # is replaced by a new one after STARTTLS.
        self.number = None

    def connection_made(self, transport):
        # aiosmtpd calls this again after STARTTLS, with the TLS
        # transport; that is the same session and is not logged twice.
        upgrade = self._original_transport is not None
        super().connection_made(transport)
        if upgrade:
            return
        if not self.state.ready:
            # Controller.start() connects once to see that the server
            # answers; that probe is not a client's session.
            return
        n = self.state.next_session()
        self.number = n
        peer = self.session.peer
        line = "session %d peer=%s:%d\n" % (n, peer[0], peer[1])
        with open(os.path.join(self.state.opts.dir, "sessions.log"),
                  "a") as f:
            f.write(line)

    def _close_now(self):
        # As smtp_QUIT does: stop reading and close; aiosmtpd's
        # connection_lost() then cleans up.
        self._handler_coroutine.cancel()
        self.transport.close()

    async def smtp_MAIL(self, arg):
        if self.session.host_name and self.state.take("fail_421"):
            await self.push("421 4.3.2 service shutting down (--fail-421)")
            self._close_now()
            return
        await super().smtp_MAIL(arg)

    async def smtp_DATA(self, arg):
        if (self.envelope.rcpt_tos and not arg
                and self.state.take("drop")):
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            # Read one line of the body so the client is really sending,
            # then hang up without an answer.  The read is bounded by
            # aiosmtpd's idle timeout.
            await self._reader.readuntil(b"\r\n")
            self._close_now()
            return
        await super().smtp_DATA(arg)


class TestController(Controller):
    """Controller that builds TestSMTP and copes with --port 0."""

    def __init__(self, handler, state, port, **kwargs):
        super().__init__(handler, hostname=HOST, port=port, **kwargs)
        self.state = state

    def factory(self):
        return TestSMTP(self.handler, self.state, **self.SMTP_kwargs)

    def _trigger_server(self):
        # With port 0 the kernel picked the port; the probe connection of
        # start() must use that one, not 0.
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def ensure_cert(d):
    """Makes a self-signed certificate for 127.0.0.1 in d unless one is
    there already, and returns (cert, key).  Generated at test time so no
    private key is ever checked in."""
    cert = os.path.join(d, "cert.pem")
    key = os.path.join(d, "key.pem")
    if os.path.exists(cert) and os.path.exists(key):
        return cert, key
    tcert = os.path.join(d, ".cert.pem.tmp")
    tkey = os.path.join(d, ".key.pem.tmp")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
         "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", tkey, "-out", tcert],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        timeout=60)
    os.rename(tkey, key)
    os.rename(tcert, cert)
    return cert, key


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--dir", required=True)
    p.add_argument("--fail-4xx", type=int, default=0, metavar="N")
    p.add_argument("--fail-421", type=int, default=0, metavar="N")
    p.add_argument("--fail-at", choices=("rcpt", "data"), default="data")
    p.add_argument("--reject-550", action="store_true")
    p.add_argument("--reject-rcpt", metavar="ADDR", action="append",
                   default=[])
    p.add_argument("--reject-rcpt-after", type=int, default=0, metavar="N")
    p.add_argument("--drop-mid-data", type=int, default=0, metavar="N")
    p.add_argument("--stall", type=float, default=0, metavar="SECONDS")
    p.add_argument("--stall-times", type=int, default=-1, metavar="N")
    p.add_argument("--starttls", action="store_true")
    p.add_argument("--require-tls", action="store_true")
    p.add_argument("--auth", metavar="USER:PASS")
    p.add_argument("--max-messages", type=int, default=0, metavar="N")
    p.add_argument("--lifetime", type=float, default=600, metavar="S")
    p.add_argument("--verbose", action="store_true")
    o = p.parse_args(argv)
    if o.port != 0 and not 1 <= o.port <= 65535:
        p.error("--port: 0 or 1..65535")
    if o.require_tls:
        o.starttls = True
    if o.auth is not None and ":" not in o.auth:
        p.error("--auth: USER:PASS")
    for name in ("fail_4xx", "fail_421", "drop_mid_data", "max_messages"):
        if getattr(o, name) < 0:
            p.error("--%s: not negative" % name.replace("_", "-"))
    return o


def main(argv):
    opts = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if opts.verbose else logging.ERROR,
        stream=sys.stderr, format="smtpd: %(levelname)s %(message)s")
    # A client that rejects our certificate is a case the tests provoke;
    # aiosmtpd would print a traceback for it.  Other errors still show.
    logging.getLogger("mail.log").addFilter(
        lambda r: not (r.exc_info and isinstance(r.exc_info[1],
                                                 TLSSetupException)))
    # auth_required without TLS is exactly what a test of plain AUTH wants;
    # aiosmtpd's warning about it is noise here.
    warnings.simplefilter("ignore")
    os.makedirs(opts.dir, exist_ok=True)
    state = State(opts)

    kwargs = {"ident": "podium-test-smtpd", "server_hostname": "smtpd.test"}
    if opts.starttls:
        cert, key = ensure_cert(opts.dir)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        kwargs["tls_context"] = ctx
        kwargs["require_starttls"] = opts.require_tls
        write_atomic(os.path.join(opts.dir, "cafile"),
                     (os.path.abspath(cert) + "\n").encode())
    if opts.auth is not None:
        user, _, password = opts.auth.partition(":")
        kwargs["authenticator"] = Authenticator(user, password)
        kwargs["auth_required"] = True
        # With STARTTLS on offer, credentials only travel encrypted; a
        # plain server takes them in the clear so plain AUTH is testable.
        kwargs["auth_require_tls"] = opts.starttls

    controller = TestController(Handler(state), state, opts.port, **kwargs)
    controller.start()
    # start()'s own probe connection has come and gone (it read the
    # greeting), so from here on every connection is a client's.
    state.ready = True
    port = controller.server.sockets[0].getsockname()[1]
    write_atomic(os.path.join(opts.dir, "port"), b"%d\n" % port)

    def on_signal(signum, frame):
        state.done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    # Event.wait() with a timeout wakes for signals; the loop ends on a
    # signal, on --max-messages or when --lifetime runs out.
    remaining = opts.lifetime if opts.lifetime > 0 else float("inf")
    while remaining > 0 and not state.done.is_set():
        step = min(0.5, remaining)
        state.done.wait(step)
        remaining -= step
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
