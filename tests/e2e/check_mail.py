#!/usr/bin/python3
"""Checks the mail that tests/smtpd.py stored, as a mail client reads it.

Run with Debian's interpreter (/usr/bin/python3, which sees
python3-icalendar).  Every message is parsed with the `email` package
(policy=email.policy.default: headers decoded as a client decodes them)
and its text/calendar part with icalendar.  Prints one "ok"/"not ok" line
per check and exits 1 when any failed.

    check_mail.py DIR generic --from ADDR
        every message: well-formed MIME, decodable headers, From the
        configured sender, Reply-To, Auto-Submitted, X-Podium-Kind, Date,
        a Message-ID unique among all stored messages, no Bcc, and the
        envelope recipients exactly the To and Cc addresses; iTIP parts
        with method= equal to METHOD, ORGANIZER, the addressee as ATTENDEE
        with RSVP=TRUE.

    check_mail.py DIR expect FIRST LAST KIND [--about TEXT] [--to A,B...]
        [--cc ADDR] [--none] [--count N] [--method M] [--sequence N]
        [--links] [--name-has TEXT] [--subject-has TEXT]
        [--addressed ADDR]
        the messages with seq in FIRST..LAST of that X-Podium-Kind (or
        kinds, comma-separated) whose subject or text mentions TEXT (and
        that are addressed to ADDR in To or Cc): with --to, exactly one message to
        each address and to no one else; --none: none at all; --count:
        exactly N; --method/--sequence: the calendar part says so;
        --links: accept and decline links; --name-has / --subject-has: a
        decoded To display name / Subject contains TEXT.

    check_mail.py DIR count FIRST LAST [KIND]
        prints the number of such messages (no checks).
"""

import argparse
import email
import email.policy
import glob
import json
import os
import re
import sys

import icalendar

failures = 0
checks = 0


def report(good, what, why=""):
    global failures, checks
    checks += 1
    if good:
        print("ok   %s" % what)
    else:
        failures += 1
        print("not ok %s%s" % (what, (": " + why) if why else ""))


class Msg:
    """One stored message: its envelope, the parsed message, the decoded
    text part and the calendar part (or None)."""

    def __init__(self, base):
        with open(base + ".json") as f:
            self.env = json.load(f)
        with open(base + ".eml", "rb") as f:
            self.raw = f.read()
        self.seq = self.env["seq"]
        self.msg = email.message_from_bytes(self.raw,
                                            policy=email.policy.default)
        self.kind = str(self.msg.get("X-Podium-Kind", ""))
        self.text = ""
        self.cal = None
        self.cal_ctype = None
        for part in self.msg.walk():
            ct = part.get_content_type()
            if ct == "text/plain" and not self.text:
                self.text = part.get_content()
            elif ct == "text/calendar":
                self.cal_ctype = part
                self.cal = icalendar.Calendar.from_ical(part.get_content())
        self.subject = str(self.msg.get("Subject", ""))

    def addrs(self, header):
        h = self.msg.get(header)
        if h is None:
            return []
        return [a.addr_spec.lower() for a in h.addresses]

    def names(self, header):
        h = self.msg.get(header)
        if h is None:
            return []
        return [a.display_name for a in h.addresses]

    def about(self, text):
        return text is None or text in self.subject or text in self.text

    def vevent(self):
        if self.cal is None:
            return None
        for c in self.cal.walk("VEVENT"):
            return c
        return None


def load(d):
    out = []
    for j in sorted(glob.glob(os.path.join(d, "msg-*.json"))):
        out.append(Msg(j[:-5]))
    return out


def generic(msgs, args):
    kinds = {"speaker-request", "nudge", "speaker-answer", "invitation",
             "update", "cancellation", "reminder", "test"}
    ids = {}
    for m in msgs:
        tag = "msg %04d (%s)" % (m.seq, m.kind or "?")
        try:
            defects = [d for p in m.msg.walk() for d in p.defects]
            report(not defects, tag + " parses without defects",
                   repr(defects))
            frm = m.msg["From"].addresses
            report(len(frm) == 1 and frm[0].addr_spec == args.from_addr,
                   tag + " From is the configured sender", str(m.msg["From"]))
            report(m.env["mail_from"] == args.from_addr,
                   tag + " envelope sender", m.env["mail_from"])
            report(len(m.addrs("Reply-To")) == 1, tag + " has Reply-To",
                   str(m.msg.get("Reply-To")))
            report(m.msg.get("Auto-Submitted") == "auto-generated",
                   tag + " Auto-Submitted: auto-generated")
            report(m.kind in kinds, tag + " X-Podium-Kind known", m.kind)
            report(m.msg.get("Date") is not None and
                   m.msg["Date"].datetime is not None, tag + " has a Date")
            mid = str(m.msg.get("Message-ID", ""))
            report(re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", mid) is not None,
                   tag + " Message-ID well formed", mid)
            ids.setdefault(mid, []).append(m.seq)
            report(m.msg.get("Bcc") is None and b"\nBcc:" not in
                   m.raw.split(b"\r\n\r\n", 1)[0].replace(b"\r\n", b"\n"),
                   tag + " no Bcc header")
            # Envelope = header recipients: nobody added, nobody hidden.
            want = sorted(m.addrs("To") + m.addrs("Cc"))
            got = sorted(a.lower() for a in m.env["rcpt_tos"])
            report(want == got, tag + " envelope recipients are To+Cc",
                   "envelope %s, headers %s" % (got, want))
            report(isinstance(m.text, str) and len(m.text) > 0,
                   tag + " has a UTF-8 text part")
            # Raw header bytes are ASCII: non-ASCII must be RFC 2047.
            head = m.raw.split(b"\r\n\r\n", 1)[0]
            report(all(b < 128 for b in head), tag + " headers are ASCII")
            if m.kind in ("invitation", "update", "cancellation"):
                report(m.cal is not None, tag + " has a text/calendar part")
            if m.cal is not None:
                method = str(m.cal.get("METHOD"))
                param = m.cal_ctype.get_param("method")
                report(param is not None and param.upper() == method,
                       tag + " Content-Type method= equals METHOD",
                       "%s vs %s" % (param, method))
                ev = m.vevent()
                report(ev is not None and ev.get("ORGANIZER") is not None,
                       tag + " calendar has ORGANIZER")
                to = m.addrs("To")[0]
                atts = ev.get("ATTENDEE", []) if ev is not None else []
                if not isinstance(atts, list):
                    atts = [atts]
                mine = [a for a in atts
                        if str(a).lower() == "mailto:" + to]
                report(len(mine) == 1 and
                       mine[0].params.get("RSVP", "").upper() == "TRUE",
                       tag + " addressee is ATTENDEE with RSVP=TRUE",
                       str([(str(a), dict(a.params)) for a in atts]))
        except Exception as e:  # a message that breaks the parser fails
            report(False, tag + " could be read", repr(e))
    dup = {k: v for k, v in ids.items() if len(v) > 1}
    report(not dup, "Message-IDs are unique among %d messages" % len(msgs),
           str(dup))


def expect(msgs, args):
    kinds = args.kind.split(",")
    sel = [m for m in msgs if args.first <= m.seq <= args.last and
           m.kind in kinds and m.about(args.about) and
           (args.addressed is None or args.addressed.lower() in
            m.addrs("To") + m.addrs("Cc"))]
    what = "%s %s%sin %d..%d" % (
        args.kind, "about '%s' " % args.about if args.about else "",
        "to %s " % args.addressed if args.addressed else "",
        args.first, args.last)
    if args.none:
        report(not sel, what + ": none",
               str([(m.seq, m.addrs("To")) for m in sel]))
        return
    if args.count is not None:
        report(len(sel) == args.count, what + ": %d" % args.count,
               "got %d: %s" % (len(sel), [m.addrs("To") for m in sel]))
    if args.to is not None:
        want = sorted(a.strip().lower() for a in args.to.split(",") if a)
        got = sorted(a for m in sel for a in m.addrs("To"))
        report(got == want, what + ": exactly to %s" % ", ".join(want),
               "missing %s, extra %s" % (
                   sorted(set(want) - set(got)),
                   [a for a in got if got.count(a) > 1 or a not in want]))
    if args.cc is not None:
        report(sel and all(m.addrs("Cc") == [args.cc.lower()] for m in sel),
               what + ": Cc %s" % args.cc,
               str([m.addrs("Cc") for m in sel]))
    for m in sel:
        tag = "%s msg %04d to %s" % (args.kind, m.seq, ",".join(m.addrs("To")))
        if args.method is not None or args.sequence is not None:
            ev = m.vevent()
            if args.method is not None:
                report(m.cal is not None and
                       str(m.cal.get("METHOD")) == args.method,
                       tag + ": METHOD:%s" % args.method,
                       str(m.cal.get("METHOD")) if m.cal else "no calendar")
            if args.sequence is not None:
                report(ev is not None and
                       int(ev.get("SEQUENCE", 0)) == args.sequence,
                       tag + ": SEQUENCE:%d" % args.sequence,
                       str(ev.get("SEQUENCE")) if ev is not None else "none")
            if args.uid is not None:
                report(ev is not None and str(ev.get("UID")) == args.uid,
                       tag + ": UID", str(ev.get("UID")) if ev else "none")
        if args.links:
            acc = re.search(r"/respond/[A-Za-z0-9_-]{60}\?answer=accept",
                            m.text)
            dec = re.search(r"/respond/[A-Za-z0-9_-]{60}\?answer=decline",
                            m.text)
            report(acc is not None and dec is not None,
                   tag + ": accept and decline links")
        if args.subject_has is not None:
            report(args.subject_has in m.subject,
                   tag + ": subject has '%s'" % args.subject_has, m.subject)
    if args.name_has is not None:
        names = [n for m in sel for n in m.names("To")]
        report(args.name_has in names,
               what + ": a To name decodes to '%s'" % args.name_has,
               str(names))


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generic")
    g.add_argument("--from", dest="from_addr", required=True)
    e = sub.add_parser("expect")
    e.add_argument("first", type=int)
    e.add_argument("last", type=int)
    e.add_argument("kind")
    e.add_argument("--about")
    e.add_argument("--to")
    e.add_argument("--cc")
    e.add_argument("--addressed")
    e.add_argument("--none", action="store_true")
    e.add_argument("--count", type=int)
    e.add_argument("--method")
    e.add_argument("--sequence", type=int)
    e.add_argument("--uid")
    e.add_argument("--links", action="store_true")
    e.add_argument("--name-has")
    e.add_argument("--subject-has")
    c = sub.add_parser("count")
    c.add_argument("first", type=int)
    c.add_argument("last", type=int)
    c.add_argument("kind", nargs="?")
    a = p.parse_args(argv)
    msgs = load(a.dir)
    if a.cmd == "count":
        print(len([m for m in msgs if a.first <= m.seq <= a.last and
                   (a.kind is None or m.kind == a.kind)]))
        return 0
    if a.cmd == "generic":
        generic(msgs, a)
    else:
        expect(msgs, a)
    if checks == 0:
        report(False, "something was checked")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
