#!/usr/bin/env bash
# Benchmark of the feed path (SPEC.md, "Measured goals"): podiumd serving
# /calendars/all.ics for 1,000 events, against nginx serving the very same
# bytes as a static file, in the same run on the same machine, with wrk.
# Three paths: a full 200 answer, a 304 (If-None-Match with the server's
# own ETag) and, for information, a gzip 200 (nginx: gzip_static with the
# bytes podiumd sends).  Prints requests/s of both and the ratio
# podium/nginx; the goal is >= 1.0 for 200 (at 50 and at 64 connections)
# and >= 0.8 for 304.
#
# Not a test: it prints figures, and "RESULT ..." lines for bench/run.sh,
# and exits 0 when it could measure (1 when a goal is missed and
# BENCH_STRICT=1).  Run by `make bench` (bench/run.sh), or alone:
#
#     bash bench/feeds.sh    # BENCH_DURATION=10s BENCH_CONNECTIONS=50
#                            # BENCH_CONNECTIONS2=64 BENCH_THREADS=2
#                            # BENCH_ROUNDS=3 BENCH_EVENTS=1000
#
# Both servers listen on 127.0.0.1 only, on free ports, with configs and
# logs in a temporary folder that is removed at the end; both are stopped
# by the EXIT trap.  The database is built by importing bench/gen_ics.py's
# output (the CLI in a loop would take minutes).  podiumd must be a build
# without sanitizers: build/ (`make build`) unless it is a sanitizer
# build, else build-bench/ (Release) made here.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EVENTS=${BENCH_EVENTS:-1000}
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-50}
CONNS2=${BENCH_CONNECTIONS2:-64}
THREADS=${BENCH_THREADS:-2}
ROUNDS=${BENCH_ROUNDS:-3}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

TMP=
PODIUMD_PID=
NGINX_PID=

say() { printf '%s\n' "$*" >&2; }
die() { say "bench/feeds: $*"; exit 2; }

cleanup() {
	# Both servers were started by this script; stop exactly those.
	[ -n "$NGINX_PID" ] && kill -QUIT "$NGINX_PID" 2>/dev/null || true
	[ -n "$PODIUMD_PID" ] && kill -TERM "$PODIUMD_PID" 2>/dev/null || true
	[ -n "$NGINX_PID" ] && wait "$NGINX_PID" 2>/dev/null || true
	[ -n "$PODIUMD_PID" ] && wait "$PODIUMD_PID" 2>/dev/null || true
	[ -n "$TMP" ] && [ -z "${BENCH_KEEP-}" ] && rm -rf "$TMP"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Installs wrk and nginx-light from Debian when missing (root or sudo).
deps() {
	local missing="" p sudo=""
	command -v wrk >/dev/null || missing="$missing wrk"
	command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing="$missing nginx-light"
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null || die "missing:$missing (run as root)"
		sudo=sudo
	fi
	say "bench/feeds: installing$missing"
	# policy-rc.d or not: the packaged nginx service is not what we run.
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
		--no-install-recommends $missing >/dev/null
}

# Picks (or builds) a podiumd without sanitizers.
pick_build() {
	local b=${PODIUM_BENCH_BUILD:-$ROOT/build}
	if [ -x "$b/podiumd" ] && ! grep -q '^PODIUM_SANITIZE:BOOL=ON' \
		"$b/CMakeCache.txt" 2>/dev/null; then
		BUILD=$b
		return
	fi
	BUILD=$ROOT/build-bench
	say "bench/feeds: building a Release podiumd in $BUILD"
	cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
		-DPODIUM_SANITIZE=OFF >/dev/null
	cmake --build "$BUILD" -j "$(nproc)" --target podium podiumd >/dev/null
}

free_port() {
	"$PY" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_http URL: up to 20 s for an answer.
wait_http() {
	local i
	for i in $(seq 200); do
		curl -s --max-time 2 -o /dev/null "$1" && return 0
		sleep 0.1
	done
	return 1
}

# hdr URL NAME [CURL ARGS]: one response header of a HEAD request.
hdr() {
	local url=$1 name=$2
	shift 2
	curl -sI "$@" "$url" | tr -d '\r' |
		awk -v f="$name" 'tolower($0) ~ "^" tolower(f) ":" { sub(/^[^:]*: */, ""); print; exit }'
}

# rps URL [wrk ARGS]: requests/s, and the share of non-2xx/3xx answers
# (wrk counts them) printed to stderr when there are any.
rps() {
	local url=$1 out
	shift
	out=$(wrk -t "$THREADS" -c "$CONNS" -d "$DURATION" --latency "$@" "$url")
	printf '%s\n' "$out" >>"$TMP/wrk.log"
	if printf '%s' "$out" | grep -q 'Non-2xx or 3xx'; then
		say "bench/feeds: WARNING: $(printf '%s' "$out" | grep 'Non-2xx') for $url"
	fi
	printf '%s' "$out" | awk '/^Requests\/sec:/ { print $2 }'
}

# code URL [CURL ARGS]: the status a request gets (sanity before wrk).
code() {
	local url=$1
	shift
	curl -s -o /dev/null -w '%{http_code}' "$@" "$url"
}

deps
pick_build
TMP=$(mktemp -d "${TMPDIR:-/tmp}/podium-bench.XXXXXX")
# nginx workers run as www-data when started by root: they must be able
# to reach www/ (secrets in here are 0600 files of their own).
chmod 0755 "$TMP"
cd "$TMP"
mkdir -p www/calendars logs

# ---- the data ----

export PODIUM_DB=$TMP/podium.db
unset PODIUM_NOW
"$PY" "$ROOT/bench/gen_ics.py" --events "$EVENTS" >bench.ics
"$BUILD/podium" init >/dev/null
"$BUILD/podium" import bench.ics >/dev/null

# ---- podiumd ----

PPORT=$(free_port)
cat >podium.ini <<EOF
[store]
path = $TMP/podium.db
[http]
listen = 127.0.0.1:$PPORT
base_url = http://127.0.0.1:$PPORT
api_token_file = $TMP/api.token
[mail]
spool_dir = $TMP/spool
[secrets]
key_file = $TMP/secret.key
EOF
"$BUILD/podiumd" --config podium.ini --log "$TMP/logs/podiumd.log" \
	</dev/null 2>>"$TMP/logs/podiumd.stderr" &
PODIUMD_PID=$!
PURL=http://127.0.0.1:$PPORT/calendars/all.ics
wait_http "http://127.0.0.1:$PPORT/healthz" || die "podiumd did not start"

curl -s -o www/calendars/all.ics "$PURL"
curl -s -H 'Accept-Encoding: gzip' -o www/calendars/all.ics.gz "$PURL"
# gzip_static serves the .gz only when it is not older than the file.
touch -r www/calendars/all.ics www/calendars/all.ics.gz
NEV=$(grep -c '^BEGIN:VEVENT' www/calendars/all.ics || true)
[ "$NEV" -ge "$EVENTS" ] || die "all.ics has $NEV events, expected $EVENTS"
PTAG=$(hdr "$PURL" ETag)

# ---- nginx: the same bytes as a static file ----

NPORT=$(free_port)
# worker_processes auto: as many workers as podiumd has pool threads
# (one per CPU).  No access log, since podiumd logs no requests either.
cat >nginx.conf <<EOF
daemon off;
master_process on;
worker_processes auto;
pid $TMP/nginx.pid;
error_log $TMP/logs/nginx-error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 100000;
	types { }
	default_type "text/calendar; charset=utf-8";
	client_body_temp_path $TMP/nginx-tmp;
	proxy_temp_path $TMP/nginx-tmp;
	fastcgi_temp_path $TMP/nginx-tmp;
	uwsgi_temp_path $TMP/nginx-tmp;
	scgi_temp_path $TMP/nginx-tmp;
	server {
		listen 127.0.0.1:$NPORT;
		root $TMP/www;
		gzip_static on;
		location / { }
	}
}
EOF
mkdir -p nginx-tmp
/usr/sbin/nginx -p "$TMP" -c "$TMP/nginx.conf" -e "$TMP/logs/nginx-error.log" \
	</dev/null 2>>"$TMP/logs/nginx.stderr" &
NGINX_PID=$!
NURL=http://127.0.0.1:$NPORT/calendars/all.ics
wait_http "$NURL" || die "nginx did not start: $(cat "$TMP/logs/nginx.stderr")"
NTAG=$(hdr "$NURL" ETag)

# Same bytes, same answers, before anything is measured.
curl -s -o nginx.ics "$NURL"
cmp -s nginx.ics www/calendars/all.ics || die "nginx serves other bytes"
[ "$(code "$PURL" -H "If-None-Match: $PTAG")" = 304 ] || die "podiumd: no 304"
[ "$(code "$NURL" -H "If-None-Match: $NTAG")" = 304 ] || die "nginx: no 304"
[ "$(hdr "$NURL" Content-Encoding -H 'Accept-Encoding: gzip')" = gzip ] ||
	die "nginx: gzip_static does not answer"

BYTES=$(wc -c <www/calendars/all.ics | tr -d ' ')
GZBYTES=$(wc -c <www/calendars/all.ics.gz | tr -d ' ')
say "bench/feeds: $NEV events, $BYTES bytes ($GZBYTES gzip); podiumd from $BUILD;"
say "  wrk -t$THREADS -c$CONNS -d$DURATION, median of $ROUNDS alternating rounds, on $(nproc) CPUs (load $(cut -d' ' -f1 /proc/loadavg))"

# Warm both (page cache, podiumd's rendered feed), then measure in turns.
wrk -t1 -c4 -d2s "$PURL" >/dev/null
wrk -t1 -c4 -d2s "$NURL" >/dev/null

# median A B C...: the median of the figures (noise from other load on
# the machine hits single runs; alternating rounds and the median keep it
# from deciding the ratio).
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# pair NAME [wrk ARGS]: BENCH_ROUNDS alternating runs of podium and
# nginx; sets P_NAME and N_NAME to the medians.
pair() {
	local name=$1 r p=() n=()
	shift
	for r in $(seq "$ROUNDS"); do
		if [ $((r % 2)) = 1 ]; then
			p+=("$(rps "$PURL" "$@")")
			n+=("$(rps "$NURL" "${NARGS[@]}")")
		else
			n+=("$(rps "$NURL" "${NARGS[@]}")")
			p+=("$(rps "$PURL" "$@")")
		fi
	done
	printf -v "P_$name" '%s' "$(median "${p[@]}")"
	printf -v "N_$name" '%s' "$(median "${n[@]}")"
	say "  $name: podium ${p[*]} / nginx ${n[*]} req/s"
}

NARGS=()
pair 200
CONNS1=$CONNS
CONNS=$CONNS2
pair 200c2
CONNS=$CONNS1
NARGS=(-H "If-None-Match: $NTAG")
pair 304 -H "If-None-Match: $PTAG"
NARGS=(-H 'Accept-Encoding: gzip')
pair GZ -H 'Accept-Encoding: gzip'
P200=$P_200 N200=$N_200 P304=$P_304 N304=$N_304 PGZ=$P_GZ NGZ=$N_GZ
P200C2=$P_200c2 N200C2=$N_200c2

missed=0
line() {
	local what=$1 p=$2 n=$3 goal=$4 ratio verdict
	ratio=$(awk -v p="$p" -v n="$n" 'BEGIN { printf "%.2f", (n > 0 ? p / n : 0) }')
	if [ "$goal" = - ]; then
		verdict="(information)"
	elif awk -v r="$ratio" -v g="$goal" 'BEGIN { exit !(r >= g) }'; then
		verdict="ok (goal >= $goal)"
	else
		verdict="MISSED (goal >= $goal)"
		missed=1
	fi
	printf '%-22s podium %10.0f req/s   nginx %10.0f req/s   ratio %s  %s\n' \
		"$what" "$p" "$n" "$ratio" "$verdict"
}
echo "feeds: /calendars/all.ics, $NEV events, $BYTES bytes"
line "200 (plain, -c$CONNS)" "$P200" "$N200" 1.0
line "200 (plain, -c$CONNS2)" "$P200C2" "$N200C2" 1.0
line "304 (If-None-Match)" "$P304" "$N304" 0.8
line "200 (gzip)" "$PGZ" "$NGZ" -
# For bench/run.sh (`make bench`): RESULT measure what ratio goal verdict.
result() {
	awk -v m="$1" -v p="$2" -v n="$3" -v g="$4" 'BEGIN {
		r = n > 0 ? p / n : 0
		printf "RESULT %s podium/nginx %.2f %s %s\n", m, r, g, (r >= g ? "met" : "missed") }'
}
result feed-200 "$P200" "$N200" 1.0
result feed-200-c$CONNS2 "$P200C2" "$N200C2" 1.0
result feed-304 "$P304" "$N304" 0.8

if grep -qE 'AddressSanitizer|runtime error' "$TMP/logs/podiumd.stderr" 2>/dev/null; then
	say "bench/feeds: podiumd reported sanitizer errors"
	exit 1
fi
[ "$missed" = 1 ] && [ "${BENCH_STRICT-}" = 1 ] && exit 1
exit 0
