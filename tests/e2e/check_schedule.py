#!/usr/bin/python3
"""Checks a schedule.xml or schedule.json made by podium.

    check_schedule.py FILE [--guids]

JSON is validated against the c3voc JSON schema (python3-jsonschema,
Draft 6, with the format checks it has); the XSD check of XML is
xmllint's, in the shell test.  Both get what the apps trip over beyond
the schemas: every date with an offset, start HH:MM, duration HH:MM
below 24:00, every day with start and end with offsets, unique guids,
no e-mail address anywhere.  --guids prints "event GUID" and
"person GUID" lines (sorted) instead of "ok", for stability checks.
"""
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

import jsonschema

SCHEMAS = os.path.join(os.environ.get("PODIUM_SRC_DIR", "."),
                       "tests/data/schemas/c3voc-schedule")
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def fail(msg):
    sys.exit("%s: %s" % (sys.argv[1], msg))


def check_event(e, day):
    where = "event %s" % e.get("guid")
    if not STAMP.match(e["date"] or ""):
        fail("%s: date %r has no offset" % (where, e["date"]))
    if not e["date"].startswith(day + "T"):
        fail("%s: date %s is not on its day %s" % (where, e["date"], day))
    if e["date"][11:16] != e["start"] or not HHMM.match(e["start"]):
        fail("%s: start %r does not match date %s" % (where, e["start"],
                                                      e["date"]))
    if not HHMM.match(e["duration"] or ""):
        fail("%s: duration %r is not HH:MM below 24:00" % (where,
                                                            e["duration"]))


def load_json(path):
    doc = json.load(open(path, encoding="utf-8"))
    schema = json.load(open(os.path.join(SCHEMAS, "schema.json")))
    v = jsonschema.Draft6Validator(
        schema, format_checker=jsonschema.Draft6Validator.FORMAT_CHECKER)
    errors = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        fail("; ".join("%s at %s" % (e.message[:200], "/".join(
            str(p) for p in e.path)) for e in errors[:5]))
    conf = doc["schedule"]["conference"]
    days, events = [], []
    for d in conf["days"]:
        days.append((d["date"], d["day_start"], d["day_end"]))
        for room, evs in d["rooms"].items():
            for e in evs:
                if e["room"] != room:
                    fail("event %s in room %r says %r" % (e["guid"], room,
                                                          e["room"]))
                events.append((d["date"], e))
    return doc["schedule"]["version"], conf["acronym"], days, events


def load_xml(path):
    root = ET.parse(path).getroot()
    days, events = [], []
    for d in root.findall("day"):
        days.append((d.get("date"), d.get("start"), d.get("end")))
        for r in d.findall("room"):
            for ev in r.findall("event"):
                e = {"guid": ev.get("guid"), "id": ev.get("id")}
                for k in ("date", "start", "duration", "room", "title"):
                    e[k] = ev.findtext(k)
                e["persons"] = [{"guid": p.get("guid"), "name": p.text}
                                for p in ev.findall("persons/person")]
                if e["room"] != r.get("name"):
                    fail("event %s in room %r says %r" % (e["guid"],
                                                          r.get("name"),
                                                          e["room"]))
                events.append((d.get("date"), e))
    return (root.findtext("version"), root.findtext("conference/acronym"),
            days, events)


def main():
    path = sys.argv[1]
    text = open(path, encoding="utf-8").read()
    m = EMAIL.search(text)
    if m:
        fail("an e-mail address: %s" % m.group(0))
    version, acronym, days, events = (load_xml if path.endswith(".xml")
                                      else load_json)(path)
    if not version or version.startswith("0000"):
        fail("no version: %r" % version)
    if not re.match(r"^[a-z0-9_]{4,}$", acronym or ""):
        fail("acronym %r" % acronym)
    for date, start, end in days:
        if not (STAMP.match(start or "") and STAMP.match(end or "")):
            fail("day %s: start %r, end %r need offsets" % (date, start, end))
    guids = [e["guid"] for _, e in events]
    if len(set(guids)) != len(guids):
        fail("guids repeat")
    for day, e in events:
        check_event(e, day)
    if "--guids" in sys.argv:
        lines = set("event %s" % g for g in guids)
        lines |= set("person %s %s" % (p["guid"], p["name"])
                     for _, e in events for p in e["persons"])
        print("\n".join(sorted(lines)))
    else:
        print("ok: %d days, %d events" % (len(days), len(events)))


main()
