#!/usr/bin/python3
"""Independent reader for the SMARTCity Gera 2021 programme.

    /usr/bin/python3 tests/e2e/check_gera.py FILE.ics [--public]

Parses FILE.ics with python3-icalendar (Debian package; the plain `python3`
on PATH may not see it, hence /usr/bin/python3) and checks the facts that the
seed (slides of 22 January 2021) and lib/ical_mapping.md fix.  It runs against
calendars/smartcity-gera-2021.ics and against podium's own export of it.

--public: the file is a public feed; no e-mail address may appear in any
ATTENDEE, ORGANIZER, SENT-BY or X-PODIUM-* value; people are urn:uuid:.

Exit status: 0 all checks passed; 1 some check failed (each failure is
printed on stderr as "FAIL: ..."); 2 wrong usage or unreadable file.
"""
import datetime as dt
import re
import sys
import urllib.parse
import uuid

try:
    import icalendar
except ImportError:  # pragma: no cover
    sys.stderr.write("check_gera: python3-icalendar is missing; run with /usr/bin/python3\n")
    sys.exit(2)

UTC = dt.timezone.utc
TZID = "Europe/Berlin"
GROUP = "Fachgruppe Unternehmen der kommunalen Infrastruktur"
failures = []
MAX_SHOWN = 40


def fail(msg):
    failures.append(msg)


def check(cond, msg):
    if not cond:
        fail(msg)
    return cond


def as_list(v):
    if v is None:
        return []
    return list(v) if isinstance(v, list) else [v]


def text(v):
    return "" if v is None else str(v)


def utc(ev, name):
    """Return (value, params) of DTSTART/DTEND; value converted to UTC if timed."""
    prop = ev.get(name)
    if prop is None:
        return None, {}
    val = ev.decoded(name)
    if isinstance(val, dt.datetime) and val.tzinfo is not None:
        val = val.astimezone(UTC)
    return val, prop.params


def summary(ev):
    return text(ev.get("SUMMARY"))


# ---------------------------------------------------------------- raw bytes

def check_raw(raw):
    """CRLF, folding at 75 octets, no UTF-8 character split across lines."""
    if not check(len(raw) > 0, "file is empty"):
        return
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as e:
        fail("file is not valid UTF-8: %s" % e)
    check(raw.endswith(b"\r\n"), "file does not end with CRLF")
    lines = raw.split(b"\r\n")
    if lines and lines[-1] == b"":
        lines.pop()
    bad_eol = bad_len = bad_split = 0
    for no, line in enumerate(lines, 1):
        if b"\n" in line or b"\r" in line:
            if not bad_eol:
                fail("line %d: bare LF or CR (lines must end with CRLF)" % no)
            bad_eol += 1
        if len(line) > 75:
            if not bad_len:
                fail("line %d: %d octets, longer than 75 (not folded): %r"
                     % (no, len(line), line[:40]))
            bad_len += 1
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            if not bad_split:
                fail("line %d: not valid UTF-8 on its own (a character split by folding?)" % no)
            bad_split += 1
    if bad_eol > 1 or bad_len > 1 or bad_split > 1:
        fail("line-format problems in total: %d bad line ends, %d over-long lines, "
             "%d split UTF-8 lines" % (bad_eol, bad_len, bad_split))
    txt = raw.decode("utf-8", "replace")
    check("Ã" not in txt and "\ufffd" not in txt,
          "text looks double-encoded or broken (found 'Ã' or U+FFFD); umlauts must be UTF-8")
    check(not re.search(r"TZID=[\"']?/", txt), "a TZID carries a prefix ('/...'); it must be plain Europe/Berlin")


# ---------------------------------------------------------------- calendar

def attendees(ev):
    out = []
    for a in as_list(ev.get("ATTENDEE")):
        out.append((text(a.params.get("CN")), a.params, text(a)))
    return out


def attendee(ev, cn, what):
    found = [a for a in attendees(ev) if a[0] == cn]
    if not found:
        fail("%s: no ATTENDEE with CN=%s" % (what, cn))
        return None
    return found[0]


def expect_partstat(ev, cn, partstat, what):
    a = attendee(ev, cn, what)
    if a is None:
        return None
    got = text(a[1].get("PARTSTAT")).upper()
    check(got == partstat, "%s: ATTENDEE %s has PARTSTAT=%s, expected %s" % (what, cn, got or "(none)", partstat))
    return a


def check_time(ev, what, start_utc, end_utc):
    s, sp = utc(ev, "DTSTART")
    e, ep = utc(ev, "DTEND")
    if not check(isinstance(s, dt.datetime), "%s: DTSTART is missing or not a date-time" % what):
        return
    check(text(sp.get("TZID")) == TZID, "%s: DTSTART TZID is %r, expected exactly %r"
          % (what, text(sp.get("TZID")), TZID))
    check(s == start_utc, "%s: DTSTART is %s UTC, expected %s UTC" % (what, s, start_utc))
    if check(isinstance(e, dt.datetime), "%s: DTEND is missing or not a date-time" % what):
        check(text(ep.get("TZID")) == TZID, "%s: DTEND TZID is %r, expected exactly %r"
              % (what, text(ep.get("TZID")), TZID))
        check(e == end_utc, "%s: DTEND is %s UTC, expected %s UTC" % (what, e, end_utc))


def find_events(events, pred):
    return [ev for ev in events if pred(ev)]


def one(events, pred, what):
    found = find_events(events, pred)
    if not found:
        fail("no VEVENT for %s" % what)
        return None
    if len(found) > 1:
        fail("%d VEVENTs for %s, expected one" % (len(found), what))
    return found[0]


def start_date(ev):
    try:
        v = ev.decoded("DTSTART")
    except Exception:
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    return v


def check_calendar(cal, public):
    # --- time zones
    tzs = [c for c in cal.walk("VTIMEZONE")]
    ids = [text(c.get("TZID")) for c in tzs]
    check(TZID in ids, "no VTIMEZONE with TZID exactly %r (found %r)" % (TZID, ids))
    for c in tzs:
        if text(c.get("TZID")) == TZID:
            kinds = [s.name for s in c.subcomponents]
            check("STANDARD" in kinds and "DAYLIGHT" in kinds,
                  "VTIMEZONE %s lacks STANDARD or DAYLIGHT (has %r)" % (TZID, kinds))
    for comp in cal.walk():
        if comp.name in ("VTIMEZONE", "STANDARD", "DAYLIGHT"):
            continue
        for name, val in comp.property_items(recursive=False):
            for v in as_list(val) if not isinstance(val, str) else [val]:
                params = getattr(v, "params", {}) or {}
                if "TZID" in params:
                    check(params["TZID"] == TZID, "%s in %s: TZID=%r, expected exactly %r"
                          % (name, comp.name, params["TZID"], TZID))
                    check(params["TZID"] in ids, "%s in %s: TZID=%r has no VTIMEZONE"
                          % (name, comp.name, params["TZID"]))

    events = [e for e in cal.walk("VEVENT") if text(e.get("X-PODIUM-KIND")).lower() != "talk"]
    check(events, "the calendar has no VEVENT")

    # --- the meeting of 22 January 2021
    mt = one(events, lambda e: start_date(e) == dt.date(2021, 1, 22) and GROUP in summary(e),
             "the meeting '%s' on 2021-01-22" % GROUP)
    seidel = None
    if mt is not None:
        W = "meeting 2021-01-22"
        check_time(mt, W, dt.datetime(2021, 1, 22, 8, 0, tzinfo=UTC), dt.datetime(2021, 1, 22, 11, 0, tzinfo=UTC))
        local = mt.decoded("DTSTART")
        if isinstance(local, dt.datetime):
            check((local.hour, local.minute) == (9, 0), "%s: local start is %s, expected 09:00 Europe/Berlin" % (W, local))
        check(text(mt.get("X-PODIUM-GROUP")) == GROUP, "%s: X-PODIUM-GROUP is %r" % (W, text(mt.get("X-PODIUM-GROUP"))))
        for mod in ("Michael Tietz", "Carlos Walther"):
            a = expect_partstat(mt, mod, "ACCEPTED", W)
            if a:
                check(text(a[1].get("ROLE")).upper() == "CHAIR",
                      "%s: moderator %s has ROLE=%s, expected CHAIR" % (W, mod, text(a[1].get("ROLE"))))
        expect_partstat(mt, "Dietmar Lübcke", "ACCEPTED", W)
        expect_partstat(mt, "Andreas Götz", "DECLINED", W)
        a = expect_partstat(mt, "Gerd Hauschild", "DELEGATED", W)
        if a:
            check(text(a[1].get("X-PODIUM-DELEGATE")) == "Frau Kache",
                  "%s: Gerd Hauschild's X-PODIUM-DELEGATE is %r, expected 'Frau Kache'"
                  % (W, text(a[1].get("X-PODIUM-DELEGATE"))))
            to = urllib.parse.unquote(text(a[1].get("DELEGATED-TO")))
            check("Frau Kache" in to, "%s: Gerd Hauschild's DELEGATED-TO is %r, expected the delegate Frau Kache"
                  % (W, text(a[1].get("DELEGATED-TO"))))
        s = attendee(mt, "Jonas Seidel", W)
        if s:
            seidel = s[2]
        # agenda
        want = [("I", "09:00", "09:15", "Projektstatus"),
                ("II", "09:15", "09:45", "SMARTCity Projektwochen"),
                ("III", "09:45", "10:30", "Konkretisierung Pilotprojekte zur Umsetzung 2021"),
                ("IV", "10:30", "11:30", "SMARTCity Gera – Erste Schritte in Richtung Strategieentwicklung"),
                ("V", "11:30", "12:00", "Zusammenfassung und nächste Schritte")]
        got = [(text(p.params.get("X-PODIUM-LABEL")), text(p.params.get("X-PODIUM-FROM")),
                text(p.params.get("X-PODIUM-TO")), text(p)) for p in as_list(mt.get("X-PODIUM-AGENDA"))]
        if check(len(got) == 5, "%s: %d X-PODIUM-AGENDA items, expected the five blocks I-V" % (W, len(got))):
            for g, w in zip(got, want):
                check(g[:3] == w[:3] and g[3].startswith(w[3]),
                      "%s: agenda item %r, expected label %s %s-%s '%s...'" % (W, g, w[0], w[1], w[2], w[3]))
        if len(got) == 5:
            check("Smarte Quartiere am 11.02.2021" in got[1][3],
                  "%s: agenda block II does not mention 'Smarte Quartiere am 11.02.2021'" % W)
        desc = text(mt.get("DESCRIPTION"))
        check("Projektstatus" in desc and "Zusammenfassung und nächste Schritte" in desc,
              "%s: DESCRIPTION does not carry the agenda as text" % W)
        links = [text(l) for l in as_list(mt.get("X-PODIUM-LINK"))] + [text(mt.get("URL"))]
        check("https://www.menti.com/jdaf7vgw6k" in links, "%s: Mentimeter link missing (URL/X-PODIUM-LINK)" % W)

    if seidel is None:
        # fall back to the person table
        for p in as_list(cal.get("X-PODIUM-PERSON")):
            if text(p.params.get("CN")) == "Jonas Seidel":
                seidel = text(p)

    # --- 11.02.2021 Smarte Quartiere
    sq = one(events, lambda e: start_date(e) == dt.date(2021, 2, 11) and "Smarte Quartiere" in summary(e),
             "the project-week session 'Smarte Quartiere' on 2021-02-11")
    if sq is not None:
        W = "session 2021-02-11"
        check_time(sq, W, dt.datetime(2021, 2, 11, 8, 0, tzinfo=UTC), dt.datetime(2021, 2, 11, 11, 0, tzinfo=UTC))
        cats = [text(c) for c in as_list(sq.get("CATEGORIES"))]
        flat = []
        for c in as_list(sq.get("CATEGORIES")):
            flat += [text(x) for x in getattr(c, "cats", [c])]
        check("Smarte Quartiere" in flat, "%s: CATEGORIES %r lack 'Smarte Quartiere'" % (W, flat or cats))
        expect_partstat(sq, "Dietmar Lübcke", "ACCEPTED", W)
        expect_partstat(sq, "Andreas Glowienka", "ACCEPTED", W)
        t = expect_partstat(sq, "Prof. Teich", "NEEDS-ACTION", W)
        if t:
            sb = text(t[1].get("SENT-BY"))
            if check(sb, "%s: Prof. Teich's ATTENDEE has no SENT-BY (requested via Jonas Seidel)" % W):
                if seidel:
                    check(sb == seidel, "%s: Prof. Teich's SENT-BY is %r, expected Jonas Seidel's address %r"
                          % (W, sb, seidel))
                if public:
                    ok = sb.lower().startswith("urn:uuid:")
                    if ok:
                        try:
                            uuid.UUID(sb[9:])
                        except ValueError:
                            ok = False
                    check(ok, "%s: public mode: Prof. Teich's SENT-BY %r is not a urn:uuid: address" % (W, sb))
        talks = {}
        for p in as_list(sq.get("X-PODIUM-TALK")):
            talks[text(p)] = p.params
        for title, st in (("Smarte Kreislaufwirtschaft", "confirmed"), ("Smarte Mobilität", "confirmed"),
                          ("Smarte Quartiere aus energetischer Sicht", "requested"), ("Smart Campus", "requested")):
            if check(title in talks, "%s: no X-PODIUM-TALK '%s'" % (W, title)):
                check(text(talks[title].get("X-PODIUM-STATUS")) == st, "%s: talk '%s' has X-PODIUM-STATUS=%r, expected %s"
                      % (W, title, text(talks[title].get("X-PODIUM-STATUS")), st))
        if "Smart Campus" in talks and "Smarte Quartiere aus energetischer Sicht" in talks:
            check(text(talks["Smart Campus"].get("X-PODIUM-ALTERNATIVE-TO"))
                  == text(talks["Smarte Quartiere aus energetischer Sicht"].get("X-PODIUM-UID")),
                  "%s: 'Smart Campus' is not X-PODIUM-ALTERNATIVE-TO Prof. Teich's talk" % W)

    # --- 16.02.2021 Nahverkehrsplanung
    nv = one(events, lambda e: start_date(e) == dt.date(2021, 2, 16),
             "the project-week session on 2021-02-16")
    if nv is not None:
        W = "session 2021-02-16"
        check("Nahverkehrsplanung mit Maßnahmen der smarten Mobilität" in summary(nv),
              "%s: SUMMARY %r lacks 'Nahverkehrsplanung mit Maßnahmen der smarten Mobilität'" % (W, summary(nv)))
        expect_partstat(nv, "Ralf Roscher", "ACCEPTED", W)

    # --- umlauts
    names = {a[0] for ev in events for a in attendees(ev)}
    for n in ("Dietmar Lübcke", "Andreas Götz"):
        check(n in names, "umlauts: no ATTENDEE CN=%s in any event" % n)
    check(any("Nahverkehrsplanung mit Maßnahmen" in summary(e) for e in events),
          "umlauts: no SUMMARY contains 'Nahverkehrsplanung mit Maßnahmen'")

    # --- survey deadline (all-day)
    sv = one(events, lambda e: summary(e).startswith("Umfrage"), "the survey deadline 'Umfrage: ...'")
    if sv is not None:
        W = "survey deadline"
        s = start_date(sv)
        raw_s = sv.decoded("DTSTART") if sv.get("DTSTART") is not None else None
        check(isinstance(raw_s, dt.date) and not isinstance(raw_s, dt.datetime),
              "%s: DTSTART is %r, expected a DATE (all-day)" % (W, raw_s))
        check(s == dt.date(2021, 1, 28), "%s: DTSTART is %s, expected 2021-01-28" % (W, s))
        if sv.get("DTEND") is not None:
            e = sv.decoded("DTEND")
            check(isinstance(e, dt.date) and not isinstance(e, dt.datetime) and e == dt.date(2021, 1, 29),
                  "%s: DTEND is %r, expected DATE 2021-01-29" % (W, e))
        check("28.01.2021" in summary(sv), "%s: SUMMARY lacks the date 28.01.2021" % W)
        links = [text(l) for l in as_list(sv.get("X-PODIUM-LINK"))] + [text(sv.get("URL"))]
        check(any("menti.com" in l or "surveygrid.com" in l for l in links),
              "%s: no survey link in URL/X-PODIUM-LINK" % W)

    # --- strategy update (recurring)
    st = find_events(events, lambda e: "Fortschreibung SMARTCity-Strategie" in summary(e))
    if check(st, "no VEVENT 'Fortschreibung SMARTCity-Strategie'"):
        for e in st:
            check(e.get("RRULE") is not None, "strategy event starting %s has no RRULE" % start_date(e))
        rules = [(start_date(e), e.get("RRULE")) for e in st if e.get("RRULE") is not None]
        def has(rule, key, val):
            return [str(x).upper() for x in as_list(rule.get(key))] == [val]
        check(any(d and d.year == 2022 and has(r, "FREQ", "YEARLY") and has(r, "COUNT", "5") for d, r in rules),
              "strategy: no RRULE FREQ=YEARLY;COUNT=5 from 2022 (yearly 2022-2026)")
        check(any(d and d.year == 2028 and has(r, "FREQ", "YEARLY") and has(r, "INTERVAL", "2") for d, r in rules),
              "strategy: no RRULE FREQ=YEARLY;INTERVAL=2 from 2028 (every two years afterwards)")


# ---------------------------------------------------------------- privacy

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# parameters whose value is a UID (a UID may legitimately contain '@')
UID_PARAMS = {"X-PODIUM-UID", "X-PODIUM-ALTERNATIVE-TO", "X-PODIUM-TALK"}
ADDR_PARAMS = {"SENT-BY", "DELEGATED-TO", "DELEGATED-FROM", "MEMBER", "X-PODIUM-SPEAKER", "X-PODIUM-VIA"}


def check_public(cal, raw):
    txt = raw.decode("utf-8", "replace")
    check("mailto:" not in txt.lower(), "public: the file contains 'mailto:'")
    uids = set()
    for comp in cal.walk():
        if comp.get("UID") is not None:
            uids.add(text(comp.get("UID")))
        for name, val in comp.property_items(recursive=False):
            vals = as_list(val) if isinstance(val, list) else [val]
            for v in vals:
                params = getattr(v, "params", {}) or {}
                for k in UID_PARAMS:
                    if k in params:
                        uids.add(text(params[k]))
                if name == "RELATED-TO":
                    uids.add(text(v))
    for comp in cal.walk():
        for name, val in comp.property_items(recursive=False):
            if name in ("BEGIN", "END"):
                continue
            vals = as_list(val) if isinstance(val, list) else [val]
            for v in vals:
                sv = str(v)
                params = getattr(v, "params", {}) or {}
                if name in ("ATTENDEE", "ORGANIZER") or name.startswith("X-PODIUM"):
                    if "@" in sv or "mailto:" in sv.lower():
                        fail("public: %s value %r contains an e-mail address" % (name, sv))
                if name in ("ATTENDEE", "ORGANIZER"):
                    check(sv.lower().startswith("urn:uuid:"),
                          "public: %s %r (CN=%s) is not a urn:uuid: address" % (name, sv, text(params.get("CN"))))
                for k, pv in params.items():
                    pv = text(pv)
                    if k in UID_PARAMS:
                        continue
                    if k in ADDR_PARAMS or k.startswith("X-PODIUM") or name in ("ATTENDEE", "ORGANIZER"):
                        if "@" in pv or "mailto:" in pv.lower():
                            fail("public: %s parameter %s=%r contains an e-mail address" % (name, k, pv))
    # anything that looks like an address anywhere, except the UIDs
    unfolded = re.sub(r"\r\n[ \t]", "", txt)
    stray = []
    for m in EMAIL.finditer(unfolded):
        a = m.group(0)
        if a not in stray and not any(a in u for u in uids):
            stray.append(a)
    if stray:
        fail("public: %d e-mail address(es) appear in the file, e.g. %s" % (len(stray), ", ".join(stray[:5])))


def main(argv):
    args = [a for a in argv[1:] if a != "--public"]
    public = "--public" in argv[1:]
    if len(args) != 1 or args[0].startswith("-"):
        sys.stderr.write("usage: /usr/bin/python3 check_gera.py FILE.ics [--public]\n")
        return 2
    try:
        with open(args[0], "rb") as f:
            raw = f.read()
    except OSError as e:
        sys.stderr.write("check_gera: cannot read %s: %s\n" % (args[0], e))
        return 2
    check_raw(raw)
    cal = None
    if raw:
        try:
            cal = icalendar.Calendar.from_ical(raw)
        except Exception as e:
            fail("python icalendar cannot parse the file: %s: %.200s" % (type(e).__name__, e))
    if cal is not None:
        if check(cal.name == "VCALENDAR", "top-level component is %s, not VCALENDAR" % cal.name):
            try:
                check_calendar(cal, public)
                if public:
                    check_public(cal, raw)
            except Exception as e:  # a malformed file must give a message, not a traceback
                fail("unexpected content (%s: %.200s)" % (type(e).__name__, e))
    if failures:
        for m in failures[:MAX_SHOWN]:
            sys.stderr.write("FAIL: %s\n" % m)
        if len(failures) > MAX_SHOWN:
            sys.stderr.write("FAIL: ... and %d more\n" % (len(failures) - MAX_SHOWN))
        sys.stderr.write("check_gera: %s: %d check(s) failed%s\n"
                         % (args[0], len(failures), " (public mode)" if public else ""))
        return 1
    print("check_gera: %s: all checks passed%s" % (args[0], " (public mode)" if public else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
