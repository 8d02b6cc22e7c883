#!/bin/bash
# bench/render.sh: rendering a 10,000-event calendar, podium against
# python3-icalendar, in the same run on the same machine.
#
# Builds a Release libpodium in build-bench/ and bench/render.c against it,
# renders the generated calendar with pd_ical_render() (best of 3), then
# lets bench/render_py.py build and serialize the same calendar from the
# same data with Debian's python3-icalendar (best of 3).  Prints both
# times (wall clock and CPU), the ratio python/podium and the goal (>= 20),
# and checks that both outputs hold the same property lines.  Then the
# whole `podium export` process (start, open the database, load, render,
# write) on a database holding the same calendar (imported from podium's
# own rendering; the bytes differ in order and calendar name, not in
# size), best of 3, against the same python time: goal >= 30.
#
# Environment: RENDER_EVENTS (10000), RENDER_REPEATS (3), BENCH_BUILD
# (build-bench).  On a busy machine python stops repeating after 75 s.  A bench is not a test: this script exits 0 whatever the
# figures; it prints "RESULT ..." lines that bench/run.sh gathers.
set -u
cd "$(dirname "$0")/.."

EVENTS=${RENDER_EVENTS:-10000}
REPEATS=${RENDER_REPEATS:-3}
BUILD=${BENCH_BUILD:-build-bench}
PY=/usr/bin/python3	# Debian's python: the one python3-icalendar is for
PKGS="libical sqlite3 libcurl jansson libmicrohttpd libcrypto inih zlib gmime-3.0 libxml-2.0"

skip() {
	echo "render: skipped: $*"
	echo "RESULT render python-icalendar/podium - 20 skipped"
	exit 0
}

tmp=$(mktemp -d /tmp/podium-bench-render.XXXXXX) || skip "no temp dir"
trap 'rm -rf "$tmp"' EXIT

# Release build of the library only.  -Wno-error=maybe-uninitialized:
# gcc 12 at -O3 warns about store code that -O2 builds find clean, and a
# warning must not keep the bench from running.
if ! { cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS="-Wno-error=maybe-uninitialized" >"$tmp/cmake.log" 2>&1 &&
    cmake --build "$BUILD" -j2 --target podium_lib podium >>"$tmp/cmake.log" 2>&1; }; then
	tail -20 "$tmp/cmake.log"
	skip "libpodium did not build"
fi
if ! gcc -O2 -D_GNU_SOURCE -Wall -Wextra -Iinclude -o "$BUILD/bench-render" \
    bench/render.c "$BUILD/libpodium.a" $(pkg-config --cflags --libs $PKGS) \
    -lpthread; then
	skip "bench/render.c did not build"
fi
$PY -c 'import icalendar, pytz' 2>/dev/null ||
	skip "python3-icalendar missing (apt-get install python3-icalendar)"

# key=value line -> value of key
field() { sed -n "s/.*\b$2=\([^ ]*\).*/\1/p" <<<"$1"; }

echo "render: $EVENTS events, best of $REPEATS, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
pod=$("$BUILD/bench-render" -n "$EVENTS" -r "$REPEATS" -o "$tmp/podium.ics" \
    -j "$tmp/calendar.json") || skip "podium render failed"
py_out=$($PY bench/render_py.py "$tmp/calendar.json" -r "$REPEATS" \
    -o "$tmp/python.ics" --compare "$tmp/podium.ics") ||
	skip "python render failed"
py=$(head -1 <<<"$py_out")
same=$(sed -n 2p <<<"$py_out")

pw=$(field "$pod" wall); pc=$(field "$pod" cpu)
yw=$(field "$py" wall); yc=$(field "$py" cpu)
rw=$(awk -v a="$yw" -v b="$pw" 'BEGIN { printf "%.1f", a / b }')
rc=$(awk -v a="$yc" -v b="$pc" 'BEGIN { printf "%.1f", a / b }')
printf '  %-18s %9s %9s %12s %9s\n' "" "wall s" "CPU s" "bytes" "lines"
printf '  %-18s %9s %9s %12s %9s\n' "podium (C)" "$pw" "$pc" \
    "$(field "$pod" bytes)" "$(field "$pod" lines)"
printf '  %-18s %9s %9s %12s %9s\n' "python3-icalendar" "$yw" "$yc" \
    "$(field "$py" bytes)" "$(field "$py" lines)"
[ "$(field "$py" repeats)" != "$REPEATS" ] &&
	echo "  (python: best of $(field "$py" repeats), the time budget was spent)"
echo "  ratio python/podium: wall ${rw}x, CPU ${rc}x (goal >= 20x)"
echo "  same content: $same"
ok() { awk -v r="$1" -v g="$2" 'BEGIN { print (r >= g) ? "met" : "missed" }'; }
echo "RESULT render-wall python-icalendar/podium $rw 20 $(ok "$rw" 20)"
echo "RESULT render-cpu python-icalendar/podium $rc 20 $(ok "$rc" 20)"

# ---- the whole `podium export` process ----
db=$tmp/export.db
if "$BUILD/podium" --db "$db" init >/dev/null &&
    "$BUILD/podium" --db "$db" import "$tmp/podium.ics" >/dev/null; then
	best_w=999999 best_c=999999
	for i in $(seq "$REPEATS"); do
		t=$( { /usr/bin/time -f '%e %U %S' "$BUILD/podium" --db "$db" \
		    export -o "$tmp/export.ics" >/dev/null; } 2>&1 | tail -1)
		w=$(awk '{ print $1 }' <<<"$t")
		c=$(awk '{ print $2 + $3 }' <<<"$t")
		best_w=$(awk -v a="$w" -v b="$best_w" 'BEGIN { print (a < b) ? a : b }')
		best_c=$(awk -v a="$c" -v b="$best_c" 'BEGIN { print (a < b) ? a : b }')
	done
	ew=$(awk -v a="$yw" -v b="$best_w" 'BEGIN { printf "%.1f", a / (b > 0 ? b : 0.01) }')
	ec=$(awk -v a="$yc" -v b="$best_c" 'BEGIN { printf "%.1f", a / (b > 0 ? b : 0.01) }')
	echo "  podium export (whole process): wall ${best_w} s, CPU ${best_c} s," \
	    "$(wc -c <"$tmp/export.ics") bytes"
	echo "  ratio python/podium export: wall ${ew}x, CPU ${ec}x (goal >= 30x)"
	echo "RESULT export-wall python-icalendar/podium-export $ew 30 $(ok "$ew" 30)"
	echo "RESULT export-cpu python-icalendar/podium-export $ec 30 $(ok "$ec" 30)"
else
	echo "RESULT export python-icalendar/podium-export - 30 skipped"
fi
exit 0
