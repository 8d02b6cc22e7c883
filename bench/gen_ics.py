#!/usr/bin/env python3
"""Writes a synthetic programme for the benchmarks: N events (default
1,000) in the shape of the Gera programme, for `podium import`.

    python3 bench/gen_ics.py [--events N] [--people P] [--seed S] > bench.ics

Events spread over two years, 90-minute sessions in Europe/Berlin, each
with a group, one or two topics, a German description with umlauts, an
agenda, 4 to 8 attendees with mixed PARTSTAT and, every third event, a
speaker's talk, so that feeds carry what real ones do.  The output is
deterministic for a seed.  No third-party module: plain text, folded at
75 octets without splitting a UTF-8 sequence (RFC 5545 3.1).
"""
import argparse
import datetime as dt
import random
import sys
import uuid

GROUPS = ["Fachgruppe Unternehmen der kommunalen Infrastruktur",
          "Fachgruppe Bildung und Kultur", "Fachgruppe Verwaltung",
          "Fachgruppe Gesundheit und Soziales"]
TOPICS = ["Smarte Quartiere", "Smarte Mobilität", "SMARTCity Strategie",
          "Offene Daten", "Energie und Klima", "Digitale Verwaltung"]
FIRST = ["Anna", "Jörg", "Björn", "Jürgen", "Käthe", "Lena", "Max", "Sören",
         "Ulrike", "Dietmar", "Ines", "Ralf", "Martina", "Uwe", "Gerd"]
LAST = ["Müller", "Schäfer", "Größer", "Lübcke", "Weiß", "Krüger", "Hoffmann",
        "Schröder", "Böhm", "Neumann", "Köhler", "Fuß", "Seidel", "Tietz"]
PARTSTAT = ["ACCEPTED", "ACCEPTED", "NEEDS-ACTION", "DECLINED", "TENTATIVE"]
VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:STANDARD
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
END:DAYLIGHT
END:VTIMEZONE""".split("\n")


def esc(s):
    return (s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def fold(line):
    """Folds at 75 octets, never inside a UTF-8 sequence."""
    b = line.encode("utf-8")
    out, limit = [], 75
    while len(b) > limit:
        cut = limit
        while cut > 0 and (b[cut] & 0xC0) == 0x80:
            cut -= 1
        out.append(b[:cut])
        b = b[cut:]
        limit = 74          # the leading space of a continuation counts
    out.append(b)
    return b"\r\n ".join(out).decode("utf-8")


def slugmail(first, last, n):
    t = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae",
                       "Ö": "oe", "Ü": "ue"})
    return "%s.%s%d@example.org" % (first.lower().translate(t),
                                     last.lower().translate(t), n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1000)
    ap.add_argument("--people", type=int, default=60)
    ap.add_argument("--seed", type=int, default=2021)
    args = ap.parse_args()
    rnd = random.Random(args.seed)

    people = []
    for i in range(args.people):
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        people.append(("%s %s" % (first, last), slugmail(first, last, i),
                       str(uuid.UUID(int=rnd.getrandbits(128), version=4))))

    lines = ["BEGIN:VCALENDAR", "VERSION:2.0",
             "PRODID:-//podium//bench gen_ics.py//EN", "CALSCALE:GREGORIAN",
             "NAME:podium bench", "X-WR-CALNAME:podium bench"]
    for name, mail, pid in people:
        lines.append("X-PODIUM-PERSON;CN=%s;X-PODIUM-UUID=%s:mailto:%s"
                     % (name, pid, mail))
    lines += VTIMEZONE
    stamp = "20210122T120000Z"
    start0 = dt.datetime(2021, 1, 4, 9, 0)
    for i in range(args.events):
        day = start0 + dt.timedelta(days=(i * 730) // max(args.events, 1))
        start = day.replace(hour=rnd.choice([9, 10, 13, 14, 16]))
        end = start + dt.timedelta(minutes=90)
        group = rnd.choice(GROUPS)
        topics = rnd.sample(TOPICS, rnd.choice([1, 1, 2]))
        uid = "bench-%05d@bench.podium.example.org" % i
        lines += ["BEGIN:VEVENT", "UID:" + uid, "DTSTAMP:" + stamp,
                  "DTSTART;TZID=Europe/Berlin:" + start.strftime("%Y%m%dT%H%M%S"),
                  "DTEND;TZID=Europe/Berlin:" + end.strftime("%Y%m%dT%H%M%S"),
                  "SUMMARY:" + esc("%s: Sitzung %d – %s" % (group, i, topics[0])),
                  "DESCRIPTION:" + esc("Arbeitstreffen Nr. %d. Themen: %s. Bitte "
                                       "Rückmeldung bis zwei Tage vorher; Unterlagen "
                                       "folgen per Mail. Größere Räume sind angefragt."
                                       % (i, ", ".join(topics))),
                  "LOCATION:" + esc(rnd.choice(["Rathaus Gera, Kornmarkt 12",
                                                "Online (Videokonferenz)",
                                                "TGZ Gera, Saal 2"])),
                  "STATUS:" + ("CANCELLED" if i % 50 == 49 else "CONFIRMED"),
                  "SEQUENCE:0", "CREATED:" + stamp, "LAST-MODIFIED:" + stamp,
                  "CATEGORIES:" + ",".join(esc(t) for t in topics),
                  "X-PODIUM-GROUP:" + esc(group),
                  'X-PODIUM-AGENDA;X-PODIUM-LABEL=I;X-PODIUM-FROM="%s";'
                  'X-PODIUM-TO="%s":Begrüßung'
                  % (start.strftime("%H:%M"),
                     (start + dt.timedelta(minutes=15)).strftime("%H:%M"))]
        chosen = rnd.sample(people, rnd.randint(4, 8))
        for k, (name, mail, _) in enumerate(chosen):
            role = "CHAIR" if k == 0 else "REQ-PARTICIPANT"
            xrole = "chair" if k == 0 else "participant"
            ps = "ACCEPTED" if k == 0 else rnd.choice(PARTSTAT)
            lines.append("ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=%s;PARTSTAT=%s;CN=%s;"
                         "X-PODIUM-ROLE=%s:mailto:%s" % (role, ps, name, xrole, mail))
        if i % 3 == 0:
            name, mail, _ = rnd.choice(people)
            lines.append("X-PODIUM-TALK;X-PODIUM-UID=talk-%05d@bench.podium.example.org;"
                         "X-PODIUM-STATUS=confirmed;X-PODIUM-SPEAKER=\"mailto:%s\":%s"
                         % (i, mail, esc("Vortrag zu %s" % topics[0])))
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    out = sys.stdout.buffer
    for line in lines:
        out.write(fold(line).encode("utf-8") + b"\r\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
