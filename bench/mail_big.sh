#!/bin/bash
# bench/mail_big.sh: one big event against many small ones (issue 13),
# run by bench/mail.sh.
#
# A citizens' forum: one event with BIG_ATTENDEES (10,000) accepted
# attendees, each with an address; and, for comparison, the same number
# of people spread over events of two.  For each, `podiumd --once` in
# spool mode one day before the events plans an invitation and a
# reminder per person (20,000 messages), composes, stores and spools
# them.  Prints messages/s and peak resident memory of both and the
# ratio big/spread of the rates (goal >= 0.5: the big event within 2x).
#
# Needs only the podium binaries (a Release build in $BENCH_BUILD); a
# bench, not a test: exits 0 whatever the figures.
set -u
cd "$(dirname "$0")/.."

N=${BIG_ATTENDEES:-10000}
BUILD=${BENCH_BUILD:-build-bench}
tmp=$(mktemp -d /tmp/podium-bench-big.XXXXXX) || exit 0
trap 'rm -rf "$tmp"' EXIT

skip() {
	echo "mail-big: skipped: $*"
	echo "RESULT mail-big big-event/spread-out - 0.5 skipped"
	exit 0
}

if ! { cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS="-Wno-error=maybe-uninitialized" >"$tmp/cmake.log" 2>&1 &&
    cmake --build "$BUILD" -j2 --target podium podiumd >>"$tmp/cmake.log" 2>&1; }; then
	tail -20 "$tmp/cmake.log"
	skip "podium did not build"
fi

# gen PER_EVENT: N people, PER_EVENT to an event, 2021-03-05 18:00 Berlin.
gen() {
	/usr/bin/python3 - "$N" "$1" <<'PY'
import sys
n, per = int(sys.argv[1]), int(sys.argv[2])
out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//podium bench//EN"]
for e in range((n + per - 1) // per):
    out += ["BEGIN:VEVENT", "UID:forum-%d@bench" % e,
            "DTSTAMP:20210101T000000Z",
            "DTSTART;TZID=Europe/Berlin:20210305T180000",
            "DTEND;TZID=Europe/Berlin:20210305T200000",
            "SUMMARY:Bürgerforum %d" % e, "LOCATION:Rathaus Gera",
            "ORGANIZER;CN=Moderation:mailto:moderation@example.org"]
    for i in range(e * per, min(n, (e + 1) * per)):
        out.append("ATTENDEE;CN=Bürgerin %d;ROLE=REQ-PARTICIPANT;"
                   "PARTSTAT=ACCEPTED:mailto:b%d@example.org" % (i, i))
    out.append("END:VEVENT")
out.append("END:VCALENDAR")
sys.stdout.write("".join(l + "\r\n" for l in out))
PY
}

# run NAME PER_EVENT: prints "MESSAGES SECONDS PEAK_KB".
run() {
	local d=$tmp/$1 t0 t1
	mkdir -p "$d"
	gen "$2" >"$d/in.ics" || return 1
	"$BUILD/podium" --db "$d/p.db" init >/dev/null &&
		"$BUILD/podium" --db "$d/p.db" import "$d/in.ics" >/dev/null ||
		return 1
	printf '[store]\npath = %s\n[mail]\nspool_dir = %s\n' "$d/p.db" \
	    "$d/spool" >"$d/c.ini"
	t0=$(date +%s.%N)
	PODIUM_NOW=2021-03-04T18:00:00Z /usr/bin/time -f %M -o "$d/rss" \
	    "$BUILD/podiumd" --config "$d/c.ini" --once 2>"$d/log" || return 1
	t1=$(date +%s.%N)
	echo "$(ls "$d/spool" | wc -l) $(awk -v a="$t0" -v b="$t1" \
	    'BEGIN { print b - a }') $(cat "$d/rss")"
}

[ -x /usr/bin/time ] || skip "GNU time (/usr/bin/time) missing"
echo "mail-big: $N attendees, invitation + reminder each, spool mode, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
read -r bm bs bk < <(run big "$N") || skip "the big event failed: $(tail -2 "$tmp/big/log")"
read -r sm ss sk < <(run spread 2) || skip "the spread-out case failed"
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; }
br=$(rate "$bm" "$bs")
sr=$(rate "$sm" "$ss")
ratio=$(awk -v a="$br" -v b="$sr" 'BEGIN { printf "%.2f", a / b }')
printf '  %-30s %9s %9s %8s %10s\n' "" messages seconds msg/s "peak RSS"
printf '  %-30s %9s %9.2f %8s %7d MiB\n' "one event, $N attendees" "$bm" \
    "$bs" "$br" $((bk / 1024))
printf '  %-30s %9s %9.2f %8s %7d MiB\n' "$((N / 2)) events of 2" "$sm" \
    "$ss" "$sr" $((sk / 1024))
echo "  ratio big/spread (rate): $ratio (goal >= 0.5)"
verdict=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.5) ? "met" : "missed" }')
echo "RESULT mail-big big-event/spread-out $ratio 0.5 $verdict"
exit 0
