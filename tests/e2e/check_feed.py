#!/usr/bin/python3
"""Reads a feed that podiumd served and checks what any feed must hold.

    /usr/bin/python3 tests/e2e/check_feed.py FILE.ics (--public | --person EMAIL)
        [--events N] [--min-events N] [--uid UID]... [--status UID=STATUS]...
        [--partstat UID:NAME=PARTSTAT]... [--dtstart UID=YYYYmmddTHHMMSS]...

Parses FILE with python3-icalendar (Debian's, hence /usr/bin/python3), an
independent reader: podium writes with libical, so a bug shared by writer
and reader cannot hide here.  Prints "N events" on stdout.

--public        no e-mail address anywhere (ATTENDEE, ORGANIZER, SENT-BY,
                X- properties, text); attendees are urn:uuid: addresses
--person EMAIL  a personal feed: EMAIL appears, and no other address
--events N      exactly N VEVENTs;  --min-events N: at least N
--uid UID       an event with this UID is present
--status        the event UID has this STATUS (CANCELLED, CONFIRMED ...)
--partstat      in event UID, the ATTENDEE whose CN is NAME has PARTSTAT
--dtstart       the event UID starts at this local time (TZID form)

UIDs look like addresses (x@host) but are identifiers: the values of
UID, RELATED-TO and of every *UID parameter (X-PODIUM-UID names a talk's
UID, which other parameters then refer to) are not taken for e-mail.

Exit status: 0 all passed; 1 some check failed (each on stderr as
"FAIL: ..."); 2 wrong usage or unreadable/unparsable file.
"""
import argparse
import re
import sys

try:
    import icalendar
except ImportError:  # pragma: no cover
    sys.stderr.write("check_feed: python3-icalendar is missing; use /usr/bin/python3\n")
    sys.exit(2)

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# Identifiers, not addresses.
NOT_MAIL = {"UID", "RELATED-TO"}

failures = []


def fail(msg):
    failures.append(msg)


def values(comp):
    """(property name, text) of every value and parameter of comp."""
    for name, val in comp.property_items(recursive=False, sorted=False):
        if name in ("BEGIN", "END") or name in NOT_MAIL:
            continue
        for v in val if isinstance(val, list) else [val]:
            try:
                text = v.to_ical().decode("utf-8", "replace")
            except AttributeError:
                text = str(v)
            yield name, text
            for pname, pval in getattr(v, "params", {}).items():
                yield "%s;%s" % (name, pname), str(pval)


def identifiers(cal):
    """Every UID the calendar names: of events, of related ones, of talks."""
    ids = set()
    for comp in cal.walk():
        for name in NOT_MAIL:
            for v in comp.get(name) if isinstance(comp.get(name), list) else [comp.get(name)]:
                if v is not None:
                    ids.add(str(v).lower())
        for name, text in values(comp):
            if name.endswith("UID"):
                ids.add(text.lower())
    return ids


def addresses(cal):
    """Every e-mail address in cal, with where it was seen."""
    ids = identifiers(cal)
    found = []
    for comp in cal.walk():
        for name, text in values(comp):
            for m in EMAIL.findall(text):
                if m.lower() not in ids:
                    found.append((m.lower(), "%s %s" % (comp.name, name)))
    return found


def attendees(ev):
    a = ev.get("ATTENDEE")
    return [] if a is None else (a if isinstance(a, list) else [a])


def pair(arg, sep):
    if sep not in arg:
        raise argparse.ArgumentTypeError("expected KEY%sVALUE: %r" % (sep, arg))
    return arg.rsplit(sep, 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    who = ap.add_mutually_exclusive_group(required=True)
    who.add_argument("--public", action="store_true")
    who.add_argument("--person", metavar="EMAIL")
    ap.add_argument("--events", type=int)
    ap.add_argument("--min-events", type=int)
    ap.add_argument("--uid", action="append", default=[])
    ap.add_argument("--status", action="append", default=[],
                    type=lambda s: pair(s, "="))
    ap.add_argument("--partstat", action="append", default=[],
                    type=lambda s: pair(s, "="))
    ap.add_argument("--dtstart", action="append", default=[],
                    type=lambda s: pair(s, "="))
    try:
        args = ap.parse_args()
    except SystemExit as e:
        return 2 if e.code else 0

    try:
        with open(args.file, "rb") as f:
            raw = f.read()
        cal = icalendar.Calendar.from_ical(raw)
    except Exception as e:  # noqa: BLE001 - any parse error is the verdict
        sys.stderr.write("FAIL: %s does not parse: %s\n" % (args.file, e))
        return 2

    if cal.name != "VCALENDAR":
        fail("top component is %s, not VCALENDAR" % cal.name)
    events = [c for c in cal.walk("VEVENT")]
    by_uid = {}
    for ev in events:
        uid = str(ev.get("UID", ""))
        if not uid:
            fail("a VEVENT without UID: %s" % ev.get("SUMMARY"))
        by_uid[uid] = ev
        for prop in ("DTSTAMP", "DTSTART", "SUMMARY", "SEQUENCE", "STATUS"):
            if ev.get(prop) is None:
                fail("%s: no %s" % (uid, prop))

    found = addresses(cal)
    if args.public:
        for addr, where in found:
            fail("public feed carries e-mail address %s in %s" % (addr, where))
        if b"mailto:" in raw.lower():
            fail("public feed has a mailto: URI")
        for ev in events:
            for a in attendees(ev):
                if not str(a).lower().startswith("urn:uuid:"):
                    fail("%s: ATTENDEE %s is not urn:uuid:" % (ev.get("UID"), a))
    else:
        me = args.person.lower()
        others = sorted({"%s (%s)" % (a, w) for a, w in found if a != me})
        for o in others[:10]:
            fail("personal feed of %s carries another address: %s" % (me, o))
        if not any(a == me for a, _ in found):
            fail("personal feed does not carry the person's own address %s" % me)

    if args.events is not None and len(events) != args.events:
        fail("%d VEVENTs, expected %d" % (len(events), args.events))
    if args.min_events is not None and len(events) < args.min_events:
        fail("%d VEVENTs, expected at least %d" % (len(events), args.min_events))
    for uid in args.uid:
        if uid not in by_uid:
            fail("no event with UID %s" % uid)
    for uid, status in args.status:
        ev = by_uid.get(uid)
        if ev is None:
            fail("no event with UID %s (for STATUS)" % uid)
        elif str(ev.get("STATUS", "")).upper() != status.upper():
            fail("%s: STATUS %s, expected %s" % (uid, ev.get("STATUS"), status))
    for key, partstat in args.partstat:
        uid, _, cn = key.partition(":")
        ev = by_uid.get(uid)
        if ev is None:
            fail("no event with UID %s (for PARTSTAT)" % uid)
            continue
        seen = [str(a.params.get("PARTSTAT", "NEEDS-ACTION")).upper()
                for a in attendees(ev) if str(a.params.get("CN", "")) == cn]
        if not seen:
            fail("%s: no ATTENDEE with CN %s" % (uid, cn))
        elif partstat.upper() not in seen:
            fail("%s: ATTENDEE %s has PARTSTAT %s, expected %s"
                 % (uid, cn, "/".join(seen), partstat))
    for uid, when in args.dtstart:
        ev = by_uid.get(uid)
        if ev is None:
            fail("no event with UID %s (for DTSTART)" % uid)
            continue
        got = ev.decoded("DTSTART").strftime("%Y%m%dT%H%M%S")
        if got != when:
            fail("%s: DTSTART %s, expected %s" % (uid, got, when))

    print("%d events" % len(events))
    for msg in failures[:40]:
        sys.stderr.write("FAIL: %s\n" % msg)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
