#!/usr/bin/env bash
# The CLI's streamed import: a generated calendar larger than the 32 MiB a
# whole-text parse may take (and than the API's max_body) goes in, in one
# transaction; re-importing podium's own export of it gives the same
# bytes (talk VEVENTs and alternatives across chunk cuts included); the
# same file with one bad event at its very end changes nothing and names
# the right line; a terminal sees progress.  Few, fat events keep this
# quick under the sanitizers.
set -u

BIN=${PODIUM_BIN_DIR:?PODIUM_BIN_DIR is not set}/podium
tmp=$(mktemp -d "${TMPDIR:-/tmp}/podium-stream.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
export PODIUM_NOW=2021-01-20T08:00:00Z
checks=0
failures=0

ok() { checks=$((checks + 1)); printf 'ok   %s\n' "$1"; }
not_ok() {
	checks=$((checks + 1)); failures=$((failures + 1))
	printf 'FAIL %s: %s\n' "$1" "$2"
	[ -s err ] && sed 's/^/     stderr: /' err | head -n 10
}
# expect NAME STATUS DB ARGS...
expect() {
	local name=$1 want=$2 db=$3
	shift 3
	"$BIN" --db "$db" "$@" >out 2>err
	rc=$?
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' err; then
		not_ok "$name" "sanitizer report"
	elif [ "$rc" -ne "$want" ]; then
		not_ok "$name" "exit status $rc, expected $want"
	else
		ok "$name"
	fi
}

# big.ics: EVENTS sessions with a ~56 KiB folded DESCRIPTION each; every
# 5th has a timed talk (and its talk VEVENT with its own LAST-MODIFIED),
# an alternative to the previous such talk.  bad.ics is the same with an
# invalid DTSTART in the last event; badline holds that line's number.
/usr/bin/python3 - <<'PY'
EVENTS = 600
def fold(line):
    b = line.encode()
    out, first = [], True
    while b:
        n = 75 if first else 74
        cut = min(n, len(b))
        while cut < len(b) and (b[cut] & 0xC0) == 0x80:
            cut -= 1
        out.append((b"" if first else b" ") + b[:cut])
        b, first = b[cut:], False
    return b"\r\n".join(out) + b"\r\n"
def cal(bad):
    lines = [b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//gen//EN\r\n"]
    for p in range(20):
        lines.append(fold("X-PODIUM-PERSON;CN=Person %d;X-PODIUM-UUID=00000000-0000-4000-8000-%012d:mailto:p%d@example.org" % (p, p, p)))
    prev_talk = None
    for i in range(EVENTS):
        day = 1 + i % 28
        dt = "202103%02dT%02d0000" % (day, 8 + i % 10)
        if bad and i == EVENTS - 1:
            dt = "20210230T100000"
        ev = [
            "BEGIN:VEVENT",
            "UID:ev-%d@gen" % i,
            "DTSTAMP:20210101T120000Z",
            "CREATED:20210101T120000Z",
            "LAST-MODIFIED:20210101T120000Z",
            "DTSTART;TZID=Europe/Berlin:" + dt,
            "DTEND;TZID=Europe/Berlin:" + dt[:9] + "%02d0000" % (9 + i % 10),
            "SUMMARY:Sitzung %d – Grüße" % i,
            "DESCRIPTION:" + ("Zeile %d äöü " % i) * 3600 + "ENDE-%d" % i,
            "LOCATION:Raum %d" % (i % 7),
            "STATUS:CONFIRMED",
            "SEQUENCE:0",
            "ORGANIZER;CN=Person 0:mailto:p0@example.org",
        ]
        talk = None
        if i % 5 == 0:
            talk = "talk-%d@gen" % i
            alt = ";X-PODIUM-ALTERNATIVE-TO=" + prev_talk if prev_talk else ""
            ev.append("X-PODIUM-TALK;X-PODIUM-UID=%s;X-PODIUM-STATUS=confirmed;"
                      "X-PODIUM-SPEAKER=\"mailto:p%d@example.org\"%s;"
                      "X-PODIUM-START=%s;X-PODIUM-END=%s:Vortrag %d"
                      % (talk, i % 20, alt, dt[:9] + dt[9:11] + "1500",
                         dt[:9] + dt[9:11] + "4500", i))
            prev_talk = talk
        for a in range(3):
            ev.append("ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=Person %d:"
                      "mailto:p%d@example.org" % ((i + a) % 20, (i + a) % 20))
        ev.append("END:VEVENT")
        for l in ev:
            lines.append(fold(l))
        if talk:
            for l in ["BEGIN:VEVENT", "UID:" + talk,
                      "DTSTAMP:20210102T130000Z", "LAST-MODIFIED:20210102T130000Z",
                      "DTSTART;TZID=Europe/Berlin:" + dt[:11] + "1500",
                      "DTEND;TZID=Europe/Berlin:" + dt[:11] + "4500",
                      "SUMMARY:Vortrag %d" % i, "X-PODIUM-KIND:talk", "END:VEVENT"]:
                lines.append(fold(l))
    lines.append(b"END:VCALENDAR\r\n")
    return b"".join(lines)
open("big.ics", "wb").write(cal(False))
data = cal(True)
open("bad.ics", "wb").write(data)
text = data.split(b"\n")
for n, l in enumerate(text, 1):
    if b"20210230T100000" in l:
        open("badline", "w").write(str(n))
PY

size=$(stat -c %s big.ics)
if [ "$size" -gt $((32 * 1024 * 1024)) ]; then
	ok "the generated file is larger than 32 MiB ($size bytes)"
else
	not_ok "the generated file is larger than 32 MiB" "$size bytes"
fi

expect "init" 0 a.db init
expect "a file over 32 MiB imports" 0 a.db import big.ics
if grep -q 'imported 600 events (600 created, 0 updated)' out; then
	ok "every event is created"
else
	not_ok "every event is created" "$(cat out)"
fi
expect "export" 0 a.db export -o a.ics
n=$(grep -c '^BEGIN:VEVENT' a.ics)
if [ "$n" -eq 720 ]; then ok "600 sessions and 120 talk VEVENTs come out"
else not_ok "600 sessions and 120 talk VEVENTs come out" "$n VEVENTs"; fi
if tr -d '\r\n ' <a.ics | grep -q 'ENDE-599'; then
	ok "the last description arrives whole"
else
	not_ok "the last description arrives whole" "ENDE-599 missing"
fi
if grep -q '^LAST-MODIFIED:20210102T130000Z' a.ics; then
	ok "talk VEVENTs keep their own LAST-MODIFIED"
else
	not_ok "talk VEVENTs keep their own LAST-MODIFIED" "not found"
fi
if tr -d '\r\n ' <a.ics | grep -q 'X-PODIUM-ALTERNATIVE-TO=talk-590@gen'; then
	ok "alternatives across chunks are kept"
else
	not_ok "alternatives across chunks are kept" "not found"
fi

expect "init a second database" 0 b.db init
expect "podium's own export re-imports" 0 b.db import a.ics
expect "export the second database" 0 b.db export -o b.ics
if cmp -s a.ics b.ics; then
	ok "export -> import -> export gives the same bytes"
else
	not_ok "export -> import -> export gives the same bytes" \
	    "$(diff a.ics b.ics | head -5)"
fi

expect "init a third database" 0 c.db init
expect "a file bad at its very end exits 65" 65 c.db import bad.ics
if grep -q "line $(cat badline):" err; then
	ok "the error names the line in the whole file"
else
	not_ok "the error names the line in the whole file" \
	    "want line $(cat badline)"
fi
expect "export after the bad file" 0 c.db export
if grep -q '^BEGIN:VEVENT' out; then
	not_ok "the bad file changed nothing" "events were imported"
else
	ok "the bad file changed nothing"
fi
expect "a good and then a bad file exit 65" 65 c.db import big.ics bad.ics
expect "export after good + bad" 0 c.db export
if grep -q '^BEGIN:VEVENT' out; then
	not_ok "good + bad changed nothing" "events were imported"
else
	ok "good + bad changed nothing"
fi

# A terminal (script(1) gives the command one) sees the progress line.
if command -v script >/dev/null; then
	script -qec "$BIN --db a.db import big.ics" /dev/null >tty.out 2>&1
	if grep -q 'importing big.ics .*%' tty.out; then
		ok "a terminal sees the progress"
	else
		not_ok "a terminal sees the progress" "$(head -c 200 tty.out)"
	fi
	if grep -q 'imported 600 events (0 created, 600 updated)' tty.out; then
		ok "re-import on a terminal updates"
	else
		not_ok "re-import on a terminal updates" "$(tail -c 200 tty.out)"
	fi
fi

echo "$checks checks, $failures failed"
echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
