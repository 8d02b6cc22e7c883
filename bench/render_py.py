#!/usr/bin/python3
"""bench/render_py.py: the peer of bench/render.c.

Builds the calendar that bench/render dumped as JSON with python3-icalendar
(Debian's package, so run it with /usr/bin/python3) -- the same events with
the same properties that podium writes (lib/ical_mapping.md): UID, DTSTAMP,
CREATED, LAST-MODIFIED, DTSTART/DTEND with TZID (pytz) or VALUE=DATE,
SUMMARY, DESCRIPTION with agenda and talks, LOCATION, STATUS, SEQUENCE, URL,
CATEGORIES, RRULE, ORGANIZER, ATTENDEEs with their parameters, podium's
X- properties, the talks with their own time as VEVENTs, and a compact
VTIMEZONE -- and serializes it with to_ical().  The JSON is loaded before
the clock starts: podium's side starts from structs in memory too.

    render_py.py DATA.json [-r REPEATS] [-o OUT.ics] [--compare PODIUM.ics]

Prints one line of key=value pairs (best wall and CPU time of REPEATS, fewer
when --budget seconds have gone by: on a busy machine), and
with --compare a second line saying whether both outputs hold the same
number of content lines of each property name.
"""
import argparse
import collections
import datetime
import json
import re
import sys
import time

import pytz
from icalendar import (Calendar, Event, Timezone, TimezoneDaylight,
                       TimezoneStandard, vCalAddress, vRecur)

UTC = pytz.utc

TALK_WORD = {"confirmed": "bestätigt", "declined": "abgesagt",
             "withdrawn": "zurückgezogen", "requested": "angefragt"}
TALK_PARTSTAT = {"confirmed": "ACCEPTED", "declined": "DECLINED",
                 "withdrawn": "DECLINED", "requested": "NEEDS-ACTION"}
TALK_VSTATUS = {"confirmed": "CONFIRMED", "requested": "TENTATIVE"}
ATT_ROLE = {"chair": "CHAIR", "optional": "OPT-PARTICIPANT"}
ATT_PARTSTAT = {"accepted": "ACCEPTED", "declined": "DECLINED",
                "tentative": "TENTATIVE", "delegated": "DELEGATED",
                "needs-action": "NEEDS-ACTION"}
UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                       b"0123456789-._~")


def utc(t):
    return datetime.datetime.fromtimestamp(t, UTC)


def local(s, tz, all_day):
    if all_day:
        return datetime.date(int(s[0:4]), int(s[5:7]), int(s[8:10]))
    return tz.localize(datetime.datetime(int(s[0:4]), int(s[5:7]),
                                         int(s[8:10]), int(s[11:13]),
                                         int(s[14:16])))


def compact(s):
    return s[0:4] + s[5:7] + s[8:10] + "T" + s[11:13] + s[14:16] + "00"


def delegate_uri(name):
    return "urn:podium:delegate:" + "".join(
        chr(b) if b in UNRESERVED else "%%%02X" % b
        for b in name.encode("utf-8"))


def cal_address(uri, params):
    # add(name, value, parameters=...) drops the parameters when value is
    # already a typed object such as vCalAddress: set them on it.
    v = vCalAddress(uri)
    v.params.update(params)
    return v


def vtimezone():
    tz = Timezone()
    tz.add("tzid", "Europe/Berlin")
    d = TimezoneDaylight()
    d.add("tzname", "CEST")
    d.add("tzoffsetfrom", datetime.timedelta(hours=1))
    d.add("tzoffsetto", datetime.timedelta(hours=2))
    d.add("dtstart", datetime.datetime(1970, 3, 29, 2, 0, 0))
    d.add("rrule", {"freq": "yearly", "byday": "-1su", "bymonth": 3})
    tz.add_component(d)
    s = TimezoneStandard()
    s.add("tzname", "CET")
    s.add("tzoffsetfrom", datetime.timedelta(hours=2))
    s.add("tzoffsetto", datetime.timedelta(hours=1))
    s.add("dtstart", datetime.datetime(1970, 10, 25, 3, 0, 0))
    s.add("rrule", {"freq": "yearly", "byday": "-1su", "bymonth": 10})
    tz.add_component(s)
    return tz


def description(ev, people):
    parts = []
    if ev["description"]:
        parts.append(ev["description"])
    if ev["agenda"]:
        lines = ["Ablauf:"]
        for a in ev["agenda"]:
            label = a["label"] + "  " if a["label"] else ""
            lines.append("%s%s\u2013%s  %s" % (label, a["from"], a["to"],
                                               a["title"]))
        parts.append("\n".join(lines))
    if ev["talks"]:
        lines = ["Vorträge:"]
        titles = {t["uid"]: t["title"] for t in ev["talks"]}
        for t in ev["talks"]:
            sp = people[t["speaker"]]
            line = "- " + t["title"] + " \u2013 " + sp["name"]
            if sp["org_code"]:
                line += " (%s)" % sp["org_code"]
            line += " \u2013 " + TALK_WORD[t["status"]]
            if t["status"] == "requested" and t["via"] is not None:
                line += " über " + people[t["via"]]["name"]
            if t["alternative_to"]:
                line += ", alternativ zu " + titles.get(
                    t["alternative_to"], t["alternative_to"])
            lines.append(line)
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def build(data):
    people = {p["id"]: p for p in data["people"]}

    def addr(pid):
        p = people[pid]
        return ("mailto:" + p["email"]) if p["email"] else (
            "urn:uuid:" + p["uuid"])

    def speaker(comp, t):
        params = {"CUTYPE": "INDIVIDUAL", "ROLE": "REQ-PARTICIPANT",
                  "PARTSTAT": TALK_PARTSTAT[t["status"]],
                  "CN": people[t["speaker"]]["name"]}
        if t["via"] is not None:
            params["SENT-BY"] = addr(t["via"])
        params["X-PODIUM-TALK"] = t["uid"]
        comp.add("attendee", cal_address(addr(t["speaker"]), params))

    cal = Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", "-//podium//podium 1.0//EN")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", data["name"])
    cal.add("x-wr-calname", data["name"])
    cal.add("refresh-interval", datetime.timedelta(hours=1),
            parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")

    # Everyone referenced, once, sorted by name (then by key).
    seen = set()
    for ev in data["events"]:
        seen.add(ev["organizer"])
        for t in ev["talks"]:
            seen.add(t["speaker"])
            seen.add(t["via"])
        for a in ev["attendances"]:
            seen.add(a["person"])
    for g in data["groups"]:
        for m in g["members"]:
            seen.add(m["person"])
    seen.discard(None)
    for pid in sorted(seen, key=lambda i: (people[i]["name"], "#%d" % i)):
        p = people[pid]
        params = {"CN": p["name"], "X-PODIUM-UUID": p["uuid"]}
        if p["org_code"]:
            params["X-PODIUM-ORG"] = p["org_code"]
        if p["org_name"]:
            params["X-PODIUM-ORG-NAME"] = p["org_name"]
        if p["lang"] != "de":
            params["X-PODIUM-LANG"] = p["lang"]
        cal.add("x-podium-person", cal_address(addr(pid), params))
    for g in data["groups"]:
        for m in g["members"]:
            cal.add("x-podium-member", cal_address(addr(m["person"]), {
                "X-PODIUM-GROUP": g["name"], "X-PODIUM-ROLE": m["role"]}))
    cal.add_component(vtimezone())

    for ev in data["events"]:
        tz = pytz.timezone(ev["tzid"])
        e = Event()
        e.add("uid", ev["uid"])
        e.add("dtstamp", utc(ev["updated"]))
        e.add("created", utc(ev["created"]))
        e.add("last-modified", utc(ev["updated"]))
        e.add("dtstart", local(ev["start"], tz, ev["all_day"]))
        e.add("dtend", local(ev["end"], tz, ev["all_day"]))
        e.add("summary", ev["title"])
        desc = description(ev, people)
        if desc:
            e.add("description", desc)
        if (ev["agenda"] or ev["talks"]) and ev["description"]:
            e.add("x-podium-description", ev["description"])
        if ev["location"]:
            e.add("location", ev["location"])
        e.add("status", ev["status"].upper())
        e.add("sequence", ev["sequence"])
        if ev["url"]:
            e.add("url", ev["url"])
        for topic in ev["topics"]:
            e.add("categories", [topic])
        for link in ev["links"]:
            e.add("x-podium-link", link)
        if ev["group"]:
            e.add("x-podium-group", ev["group"])
        if ev["rrule"]:
            e.add("rrule", vRecur.from_ical(ev["rrule"]))
        if ev["organizer"] is not None:
            e.add("organizer", cal_address(addr(ev["organizer"]), {
                "CN": people[ev["organizer"]]["name"]}))
        for a in ev["agenda"]:
            params = {}
            if a["label"]:
                params["X-PODIUM-LABEL"] = a["label"]
            params["X-PODIUM-FROM"] = a["from"]
            params["X-PODIUM-TO"] = a["to"]
            e.add("x-podium-agenda", a["title"], parameters=params)
        for t in ev["talks"]:
            params = {"X-PODIUM-UID": t["uid"],
                      "X-PODIUM-STATUS": t["status"],
                      "X-PODIUM-SPEAKER": addr(t["speaker"])}
            if t["via"] is not None:
                params["X-PODIUM-VIA"] = addr(t["via"])
            if t["alternative_to"]:
                params["X-PODIUM-ALTERNATIVE-TO"] = t["alternative_to"]
            if t["start"] and t["end"]:
                params["X-PODIUM-START"] = compact(t["start"])
                params["X-PODIUM-END"] = compact(t["end"])
            e.add("x-podium-talk", t["title"], parameters=params)
        for a in ev["attendances"]:
            params = {"CUTYPE": "INDIVIDUAL",
                      "ROLE": ATT_ROLE.get(a["role"], "REQ-PARTICIPANT"),
                      "PARTSTAT": ATT_PARTSTAT[a["status"]]}
            delegated = a["status"] == "delegated" and a["delegate"]
            if delegated:
                params["DELEGATED-TO"] = delegate_uri(a["delegate"])
            params["CN"] = people[a["person"]]["name"]
            params["X-PODIUM-ROLE"] = a["role"]
            if delegated:
                params["X-PODIUM-DELEGATE"] = a["delegate"]
            e.add("attendee", cal_address(addr(a["person"]), params))
        for t in ev["talks"]:
            speaker(e, t)
        cal.add_component(e)
        for t in ev["talks"]:
            if not (t["start"] and t["end"]):
                continue
            te = Event()
            te.add("uid", t["uid"])
            te.add("dtstamp", utc(t["updated"]))
            te.add("last-modified", utc(t["updated"]))
            te.add("dtstart", local(t["start"], tz, False))
            te.add("dtend", local(t["end"], tz, False))
            te.add("summary", t["title"])
            te.add("status", "CANCELLED" if ev["status"] == "cancelled"
                   else TALK_VSTATUS.get(t["status"], "CANCELLED"))
            te.add("sequence", ev["sequence"])
            te.add("related-to", ev["uid"], parameters={"RELTYPE": "PARENT"})
            te.add("x-podium-kind", "talk")
            speaker(te, t)
            cal.add_component(te)
    return cal


PARAM = re.compile(r';([A-Za-z0-9-]+)=(?:"[^"]*"|[^;:"]*)(?:,(?:"[^"]*"|[^;:,"]*))*')


def property_counts(text):
    """(property name, its parameter names) -> number of content lines,
    after unfolding; the order of the parameters does not count."""
    text = re.sub(r"\r?\n[ \t]", "", text)
    counts = collections.Counter()
    for line in text.splitlines():
        m = re.match(r"[A-Za-z0-9-]+", line)
        if not m:
            continue
        params, pos = [], m.end()
        while True:
            p = PARAM.match(line, pos)
            if not p:
                break
            # VALUE=DATE-TIME is the default that python writes out.
            if line[p.start():p.end()].upper() != ";VALUE=DATE-TIME":
                params.append(p.group(1).upper())
            pos = p.end()
        counts[m.group(0).upper() + "".join(
            ";" + n for n in sorted(params))] += 1
    return counts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("json")
    ap.add_argument("-r", "--repeats", type=int, default=3)
    ap.add_argument("-o", "--output")
    ap.add_argument("--compare")
    ap.add_argument("--budget", type=float, default=75.0,
                    help="no further repeat once this many wall seconds "
                    "have gone (a busy machine); at least one runs")
    args = ap.parse_args()

    with open(args.json, encoding="utf-8") as f:
        data = json.load(f)
    best_wall = best_cpu = float("inf")
    out = b""
    started, repeats = time.perf_counter(), 0
    for _ in range(args.repeats):
        if repeats > 0 and time.perf_counter() - started > args.budget:
            break
        repeats += 1
        out = b""
        w0, c0 = time.perf_counter(), time.process_time()
        out = build(data).to_ical()
        c = time.process_time() - c0
        w = time.perf_counter() - w0
        best_wall, best_cpu = min(best_wall, w), min(best_cpu, c)
    if args.output:
        with open(args.output, "wb") as f:
            f.write(out)
    print("events=%d bytes=%d lines=%d wall=%.4f cpu=%.4f repeats=%d" % (
        len(data["events"]), len(out), out.count(b"\n"), best_wall,
        best_cpu, repeats))
    if args.compare:
        with open(args.compare, encoding="utf-8") as f:
            mine = property_counts(f.read())
        theirs = property_counts(out.decode("utf-8"))
        diff = sorted(k for k in set(mine) | set(theirs)
                      if mine[k] != theirs[k])
        if diff:
            print("same_content=no differing=" + ",".join(
                "%s:%d/%d" % (k, mine[k], theirs[k]) for k in diff))
        else:
            print("same_content=yes property_lines=%d names=%d" % (
                sum(mine.values()), len(mine)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
