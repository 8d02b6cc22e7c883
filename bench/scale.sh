#!/usr/bin/env bash
# bench/scale.sh: does the cost grow with the answer or with the database?
#
# Builds (Release) podium, bench/gen and bench/scale_probe, writes a
# programme of SMALL (1,000) and LARGE (100,000) events with 10
# attendances each (bench/gen.c), and measures in the same run, the two
# databases interleaved, best of REPEAT:
#
#   feed   a personal feed of about 20 events (store + render, in process)
#   list   one week of events (pd_store_event_list, in process), and the
#          whole `podium event list --from --to` command (wall, with
#          process start)
#   plan   a planner pass with nothing due (pd_sched_plan in process),
#          and the whole `podiumd --once` with PODIUM_NOW a year before
#          the programme (wall)
#
# and prints each cost, the ratio large/small (goal <= 3), then podiumd's
# resident memory on the large database after serving 20 personal feeds
# and a group feed: VmRSS minus the feed bytes it keeps (/healthz
# feeds_bytes), goal <= 50 MiB.  Then, on the large programme:
#
#   import  `podium export` of it as one .ics, streamed into a fresh
#           database by `podium import` (wall time, peak RSS; goals
#           <= 120 s, <= 500 MiB)
#   change  podiumd serving /calendars/all.ics and a group feed of about
#           1,000 events; after each of REPEAT `podium event move`s (an
#           event of that group), the time until the answer starts and
#           until it is whole (goals <= 1 s and <= 50 ms for the group),
#           and podiumd's memory: VmRSS, the kept event renderings
#           (/healthz pieces_bytes, heap) and the served feeds
#           (feeds_bytes, memfds outside VmRSS); goal for VmRSS minus
#           pieces_bytes <= 50 MiB.  The two feeds take turns at being
#           asked for first after a move; each median is of its turns.
#
#   SMALL=1000 LARGE=100000 REPEAT=9 SCALE_DIR=/tmp/podium-scale \
#   BUILD=build-rel bash bench/scale.sh
#
# The databases are kept in SCALE_DIR and reused when they exist (delete
# them after changing bench/gen.c or the schema).  Writing the large one
# takes a minute or two of CPU.  Not a test: nothing here fails on speed.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$SRC/build-rel}
SMALL=${SMALL:-1000}
LARGE=${LARGE:-100000}
REPEAT=${REPEAT:-9}
DIR=${SCALE_DIR:-/tmp/podium-scale}
mkdir -p "$DIR"

cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target podium podiumd >/dev/null
LIBS=$(pkg-config --libs libical sqlite3 libcurl jansson libmicrohttpd \
	libcrypto inih zlib gmime-3.0 libxml-2.0)
for prog in gen scale_probe; do
	# shellcheck disable=SC2086
	cc -O2 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$SRC/include" \
		-I"$SRC/lib" "$SRC/bench/$prog.c" -o "$BUILD/$prog" \
		"$BUILD/libpodium.a" $LIBS -lpthread
done
PODIUM=$BUILD/podium
PODIUMD=$BUILD/podiumd

db_small=$DIR/events-$SMALL.db
db_large=$DIR/events-$LARGE.db
for n in "$SMALL" "$LARGE"; do
	db=$DIR/events-$n.db
	if [ ! -f "$db" ]; then
		echo "# writing $db"
		rm -f "$db-wal" "$db-shm"
		"$BUILD/gen" -n "$n" "$db"
	fi
done
echo "# databases: $(du -h "$db_small" | cut -f1) and $(du -h "$db_large" | cut -f1)"

# ---- in process ----

echo "# in process (scale_probe, best of $REPEAT, interleaved)"
"$BUILD/scale_probe" -r "$REPEAT" "$db_small" "$db_large"

# ---- whole commands ----

ms_now() { date +%s%N; }

# best_of_pair NAME CMD...: runs CMD with DB=small and DB=large, in
# turns, REPEAT times; prints the best wall time of each and the ratio.
best_of_pair() {
	local name=$1 bs=999999999999 bl=999999999999 i t0 t db
	shift
	for i in $(seq "$REPEAT"); do
		for db in "$db_small" "$db_large"; do
			t0=$(ms_now)
			DB=$db "$@" >/dev/null 2>&1
			t=$(($(ms_now) - t0))
			if [ "$db" = "$db_small" ]; then
				[ "$t" -lt "$bs" ] && bs=$t
			else
				[ "$t" -lt "$bl" ] && bl=$t
			fi
		done
	done
	awk -v n="$name" -v s="$bs" -v l="$bl" 'BEGIN {
		printf "%s small_wall_us=%.0f large_wall_us=%.0f ratio_wall=%.2f\n",
		    n, s / 1000, l / 1000, l / s }'
}

# The same mid-programme week as scale_probe, as dates.
week_of() {
	sqlite3 "$1" "SELECT date((min(start_utc) + (max(start_utc) -
		min(start_utc)) / 2 - ((min(start_utc) + (max(start_utc) -
		min(start_utc)) / 2 - 1609715600) % 604800)) + 3600, 'unixepoch')
		FROM event"
}
from_small=$(week_of "$db_small")
from_large=$(week_of "$db_large")
cli_list() {
	local from
	if [ "$DB" = "$db_small" ]; then from=$from_small; else from=$from_large; fi
	"$PODIUM" --db "$DB" event list --from "$from" \
		--to "$(date -d "$from + 6 days" +%F)"
}

cat >"$DIR/once.ini" <<EOF
[mail]
spool_dir = $DIR/spool
[secrets]
key_file = $DIR/secret.key
EOF
once() {
	PODIUM_NOW=2020-01-01T00:00:00Z "$PODIUMD" --config "$DIR/once.ini" \
		--db "$DB" --once
}

echo "# whole commands (wall, best of $REPEAT, interleaved)"
best_of_pair "cli_event_list_week" cli_list
best_of_pair "podiumd_once_nothing_due" once
echo "# one-week list: $(DB=$db_small cli_list | wc -l) and $(DB=$db_large cli_list | wc -l) lines"
sqlite3 "$db_large" "SELECT 'outbox rows after --once: ' || count(*) FROM outbox"

# ---- podiumd's memory ----

port=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$DIR/serve.ini" <<EOF
[http]
listen = 127.0.0.1:$port
base_url = http://127.0.0.1:$port
api_token_file = $DIR/api.token
[mail]
spool_dir = $DIR/spool
[secrets]
key_file = $DIR/secret.key
EOF

rss_of() {
	local db=$1 pid i url rss bytes people
	people=$(sqlite3 "$db" "SELECT person_id FROM attendance GROUP BY
		person_id ORDER BY abs(count(*) - 20), person_id LIMIT 20")
	PODIUM_NOW=2020-01-01T00:00:00Z "$PODIUMD" --config "$DIR/serve.ini" \
		--db "$db" 2>"$DIR/podiumd.err" &
	pid=$!
	for i in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
		sleep 0.1
	done
	for p in $people; do
		url=$(PODIUM_BASE_URL=http://127.0.0.1:$port "$PODIUM" --db "$db" \
			feed url "$p" | head -n 1)
		url=${url/webcal:/http:}
		curl -s -o /dev/null "$url"
		curl -s -o /dev/null "$url"	# the second from the cache
	done
	slug=$(sqlite3 "$db" "SELECT slug FROM grp ORDER BY id LIMIT 1")
	curl -s -o /dev/null "http://127.0.0.1:$port/calendars/group/$slug.ics"
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
	hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
	bytes=$(curl -s "http://127.0.0.1:$port/healthz" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["feeds_bytes"])')
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	awk -v db="$(basename "$db")" -v r="$rss" -v h="$hwm" -v b="$bytes" 'BEGIN {
		printf "rss db=%s vmrss_kib=%d vmhwm_kib=%d feeds_bytes=%d rss_minus_feeds_mib=%.1f\n",
		    db, r, h, b, (r * 1024 - b) / 1048576 }'
}
echo "# podiumd after 20 personal feeds (each twice) and one group feed"
rss_of "$db_small"
rss_of "$db_large"

# ---- streamed import of the large programme ----

big=$DIR/all-$LARGE.ics
if [ ! -f "$big" ]; then
	echo "# writing $big"
	"$PODIUM" --db "$db_large" export -o "$big"
fi
rm -f "$DIR/import.db" "$DIR/import.db-wal" "$DIR/import.db-shm"
"$PODIUM" --db "$DIR/import.db" init >/dev/null
t=$( { /usr/bin/time -f '%e %M' "$PODIUM" --db "$DIR/import.db" import \
	"$big" >/dev/null; } 2>&1 | tail -1)
awk -v b="$(stat -c %s "$big")" -v t="$t" 'BEGIN { split(t, a, " ");
	printf "import file_mib=%.0f wall_s=%.1f maxrss_mib=%.1f (goals <= 120 s, <= 500 MiB)\n",
	    b / 1048576, a[1], a[2] / 1024 }'

# ---- change to answer ----

cp "$db_large" "$DIR/change.db"
rm -f "$DIR/change.db-wal" "$DIR/change.db-shm"
read -r gslug gcount <<<"$(sqlite3 -separator ' ' "$DIR/change.db" "SELECT g.slug,
	count(*) FROM event e JOIN grp g ON g.id = e.group_id GROUP BY g.id
	ORDER BY abs(count(*) - 1000) LIMIT 1")"
PODIUM_NOW=2020-01-01T00:00:00Z "$PODIUMD" --config "$DIR/serve.ini" \
	--db "$DIR/change.db" 2>"$DIR/podiumd-change.err" &
cpid=$!
for i in $(seq 100); do
	curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
	sleep 0.1
done
all_url=http://127.0.0.1:$port/calendars/all.ics
grp_url=http://127.0.0.1:$port/calendars/group/$gslug.ics
fetch() { curl -s -o /dev/null -w '%{time_starttransfer} %{time_total} %{size_download}' "$1"; }
echo "# change: all.ics and group/$gslug.ics ($gcount events)"
echo "first all: $(fetch "$all_url")  (ttfb s, total s, bytes: renders every event once)"
echo "first group: $(fetch "$grp_url")"
ids=$(sqlite3 "$DIR/change.db" "SELECT e.id FROM event e JOIN grp g ON
	g.id = e.group_id WHERE g.slug = '$gslug' AND e.rrule IS NULL
	ORDER BY e.id LIMIT $REPEAT")
n=0
for id in $ids; do
	n=$((n + 1))
	"$PODIUM" --db "$DIR/change.db" event move "$id" \
		--start "2026-0$((1 + n % 9))-1$((n % 10)) 10:00" >/dev/null
	sleep 1.5	# podiumd looks at the revision every 250 ms
	# Each feed is asked for first after every other move: the one
	# asked second finds the changed event's piece made, and right
	# after the 200 MB of all.ics even a cached 2 MB answer takes
	# ~25 ms here (the kernel, not podiumd).
	if [ $((n % 2)) = 1 ]; then
		g=$(fetch "$grp_url")
		a=$(fetch "$all_url")
		echo "after move $n: group first $g  all $a"
	else
		a=$(fetch "$all_url")
		g=$(fetch "$grp_url")
		echo "after move $n: all first $a  group $g"
	fi
done | tee "$DIR/change.out"
# med WHICH COLUMN: the median of that column of the lines of change.out
# where WHICH was asked for first (mawk has no asort).
med() {
	grep "$1 first" "$DIR/change.out" | awk -v c="$2" '{ print $c }' |
		sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
awk -v a="$(med all 6)" -v t="$(med all 7)" -v g="$(med group 7)" \
    -v gt="$(med group 6)" 'BEGIN {
	printf "change all_ttfb_median_s=%.3f all_total_median_s=%.3f group_ttfb_median_ms=%.1f group_total_median_ms=%.1f (goals <= 1 s, <= 50 ms)\n",
	    a, t, 1000 * gt, 1000 * g }'
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$cpid/status")
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$cpid/status")
read -r fb pb <<<"$(curl -s "http://127.0.0.1:$port/healthz" | python3 -c '
import json, sys; h = json.load(sys.stdin); print(h["feeds_bytes"], h["pieces_bytes"])')"
kill "$cpid"
wait "$cpid" 2>/dev/null || true
awk -v r="$rss" -v h="$hwm" -v f="$fb" -v p="$pb" 'BEGIN {
	printf "rss-change vmrss_mib=%.1f vmhwm_mib=%.1f pieces_mib=%.1f feeds_memfd_mib=%.1f rss_minus_pieces_mib=%.1f (goal <= 50 MiB)\n",
	    r / 1024, h / 1024, p / 1048576, f / 1048576, (r * 1024 - p) / 1048576 }'
