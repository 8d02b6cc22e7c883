#!/usr/bin/env bash
# Two people with the same name (issue 8, part 3).  An address identifies
# a person; a name alone only where there is no address.  A citizens'
# forum whose calendar has two ATTENDEEs "Jürgen Lübcke" with different
# mailto: addresses imports (exit 0, both people with their addresses),
# also when podium already knows a "Jürgen Lübcke" without an address and
# when a second forum brings a third one; a PERSON argument that fits
# several people names them (id and address), and the address then works.
set -euo pipefail

BIN=${PODIUM_BIN_DIR:?PODIUM_BIN_DIR is not set}
PY=/usr/bin/python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/podium-names.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export PODIUM_DB=$tmp/podium.db
export PODIUM_NOW=2021-02-01T08:00:00Z
OUT=$tmp/out
ERR=$tmp/err

failures=0
ok() { printf 'ok   %s\n' "$1"; }
not_ok() {
	failures=$((failures + 1))
	printf 'not ok %s%s\n' "$1" "${2:+: $2}"
}
# expect NAME STATUS ARGS...: podium ARGS exits STATUS.
expect() {
	local name=$1 want=$2 rc=0
	shift 2
	"$BIN/podium" "$@" >"$OUT" 2>"$ERR" || rc=$?
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' "$ERR"; then
		not_ok "$name" "sanitizer: $(head -c 300 "$ERR")"
	elif [ "$rc" -eq "$want" ]; then
		ok "$name"
	else
		not_ok "$name" "exit $rc, not $want: $(head -c 300 "$ERR")"
	fi
}
has() {
	if grep -qF -- "$3" "$2"; then ok "$1"; else not_ok "$1" "$(head -c 400 "$2")"; fi
}

# forum UID ADDRESS...: a forum session with one ATTENDEE "Jürgen Lübcke"
# per address, among 20 other citizens.
forum() {
	"$PY" - "$@" <<'EOF'
import sys
uid, addrs = sys.argv[1], sys.argv[2:]
out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//podium//names test//EN",
       "BEGIN:VEVENT", "UID:" + uid, "DTSTAMP:20210101T000000Z",
       "DTSTART;TZID=Europe/Berlin:20210301T180000",
       "DTEND;TZID=Europe/Berlin:20210301T200000",
       "SUMMARY:Bürgerforum Smarte Quartiere"]
for i in range(1, 21):
    out.append("ATTENDEE;CN=Bürgerin %d;PARTSTAT=NEEDS-ACTION:"
               "mailto:b%d@example.org" % (i, i))
for a in addrs:
    out.append('ATTENDEE;CN="Jürgen Lübcke";PARTSTAT=NEEDS-ACTION:mailto:' + a)
out += ["END:VEVENT", "END:VCALENDAR"]
sys.stdout.write("".join(l + "\r\n" for l in out))
EOF
}
A=juergen.luebcke@example.org
B=j.luebcke@example.net
C=jl@gera.example.org
forum forum-1@example.org "$A" "$B" >"$tmp/forum1.ics"
forum forum-2@example.org "$A" "$C" >"$tmp/forum2.ics"

expect "init" 0 init
# Known from an earlier list, by name only.
expect "a Jürgen Lübcke without an address" 0 person add --name "Jürgen Lübcke"
expect "import: two ATTENDEEs 'Jürgen Lübcke' with two addresses" 0 \
	import "$tmp/forum1.ics"
expect "person list --json" 0 --json person list
"$PY" - "$OUT" "$A" "$B" >"$tmp/why" 2>&1 <<'EOF' && ok "both people, each with their address" || not_ok "both people, each with their address" "$(cat "$tmp/why")"
import json, sys
people = [p for p in json.load(open(sys.argv[1])) if p["name"] == "Jürgen Lübcke"]
got = sorted(p.get("email") or "" for p in people)
want = sorted(sys.argv[2:])
assert got == want, "Jürgen Lübcke: %r, want %r" % (got, want)
EOF
expect "event show --json" 0 --json event show forum-1@example.org
"$PY" - "$OUT" >"$tmp/why" 2>&1 <<'EOF' && ok "the forum has both as attendees" || not_ok "the forum has both as attendees" "$(cat "$tmp/why")"
import json, sys
d = json.load(open(sys.argv[1]))
j = [a for a in d["attendances"] if a["person"]["name"] == "Jürgen Lübcke"]
assert len(j) == 2, j
assert len(d["attendances"]) == 22, len(d["attendances"])
EOF
expect "import: a second forum brings a third Jürgen Lübcke" 0 \
	import "$tmp/forum2.ics"
expect "person list" 0 person list
n=$(grep -c "Jürgen Lübcke" "$OUT" || true)
if [ "$n" -eq 3 ]; then ok "three people called Jürgen Lübcke"; else not_ok "three people called Jürgen Lübcke" "$n"; fi
expect "import again: nothing new" 0 import "$tmp/forum1.ics" "$tmp/forum2.ics"
expect "person list" 0 person list
n=$(grep -c "Jürgen Lübcke" "$OUT" || true)
if [ "$n" -eq 3 ]; then ok "still three after importing again"; else not_ok "still three after importing again" "$n"; fi

# A name that fits three: the error lists them; the address works.
expect "attend by the shared name: 65" 65 attend forum-1@example.org "Jürgen Lübcke"
has "the error says how many share the name" "$ERR" "3 people are called 'Jürgen Lübcke'"
has "the error lists the first with id and address" "$ERR" "<$A>"
has "the error lists the second" "$ERR" "<$B>"
has "the error lists the third" "$ERR" "<$C>"
has "the error says what to use" "$ERR" "use the id or the e-mail address"
id=$(grep -oE "id [0-9]+ <$C>" "$ERR" | grep -oE '[0-9]+' | head -n 1)
expect "attend by address works" 0 attend forum-1@example.org "$C"
expect "feed url by a listed id works" 0 feed url "${id:-0}"
expect "talk add --speaker by the shared name: 65" 65 talk add forum-1@example.org \
	--title "Grußwort" --speaker "Jürgen Lübcke"
has "... with the candidates" "$ERR" "<$A>"

# A file that names a shared name without an address cannot say whom.
cat >"$tmp/noaddr.ics" <<'EOF'
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//podium//names test//EN
BEGIN:VEVENT
UID:forum-3@example.org
DTSTAMP:20210101T000000Z
DTSTART;TZID=Europe/Berlin:20210308T180000
DTEND;TZID=Europe/Berlin:20210308T200000
SUMMARY:Bürgerforum
ATTENDEE;CN="Jürgen Lübcke";PARTSTAT=NEEDS-ACTION:urn:x-none
END:VEVENT
END:VCALENDAR
EOF
expect "import: a shared name without address: 65" 65 import "$tmp/noaddr.ics"
has "... naming the candidates" "$ERR" "<$B>"

echo "# $failures failed"
[ "$failures" -eq 0 ]
