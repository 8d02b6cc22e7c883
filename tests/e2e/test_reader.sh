#!/usr/bin/env bash
# An independent reader of what podium writes: the Gera programme is
# imported, exported, and read back by python3-icalendar (check_gera.py)
# in the full and the public form; then export -> import into an empty
# database -> export must give the same calendar.
set -euo pipefail

BIN=${PODIUM_BIN_DIR:?}
SRC=${PODIUM_SRC_DIR:?}
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

check() {
	local name=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then
		echo "ok - $name"
	else
		echo "not ok - $name"
		sed 's/^/    /' "$tmp/out"
		fail=1
	fi
}

podium() { "$BIN/podium" "$@"; }

export PODIUM_NOW=2021-01-20T12:00:00Z
podium --db "$tmp/a.db" init >/dev/null
podium --db "$tmp/a.db" import "$SRC/calendars/smartcity-gera-2021.ics" >/dev/null
podium --db "$tmp/a.db" export -o "$tmp/full.ics"
podium --db "$tmp/a.db" export --public -o "$tmp/public.ics"

check "python3-icalendar reads the full export" \
	$PY "$SRC/tests/e2e/check_gera.py" "$tmp/full.ics"
check "python3-icalendar reads the public export" \
	$PY "$SRC/tests/e2e/check_gera.py" "$tmp/public.ics" --public

podium --db "$tmp/b.db" init >/dev/null
podium --db "$tmp/b.db" import "$tmp/full.ics" >/dev/null
podium --db "$tmp/b.db" export -o "$tmp/again.ics"
check "export -> import into an empty database -> export is identical" \
	cmp "$tmp/full.ics" "$tmp/again.ics"

# A change travels: confirm Prof. Teich's talk, the reader sees ACCEPTED.
teich=$(podium --db "$tmp/a.db" --json event show 3 | $PY -c '
import json, sys
ev = json.load(sys.stdin)
print(next(t["id"] for t in ev["talks"] if t["speaker"]["name"] == "Prof. Teich"))')
podium --db "$tmp/a.db" talk confirm "$teich" >/dev/null
podium --db "$tmp/a.db" export -o "$tmp/confirmed.ics"
check "a confirmed speaker is PARTSTAT=ACCEPTED to python3-icalendar" \
	$PY - "$tmp/confirmed.ics" <<'PY'
import sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
for ev in cal.walk("VEVENT"):
    for a in ev.get("ATTENDEE", []) if isinstance(ev.get("ATTENDEE"), list) else [ev.get("ATTENDEE")]:
        if a is not None and a.params.get("CN") == "Prof. Teich":
            assert a.params.get("PARTSTAT") == "ACCEPTED", a.params
            sys.exit(0)
sys.exit("Prof. Teich not found")
PY

exit $fail
