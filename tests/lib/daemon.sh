# shellcheck shell=bash
#
# Shared helpers for the e2e tests that run the real podiumd: a private
# folder, a free loopback port, a config file, a bounded wait for
# /healthz, and a stop that always happens (EXIT trap).  Source it from a
# test that runs with `set -euo pipefail`:
#
#     . "$PODIUM_SRC_DIR/tests/lib/daemon.sh"
#     daemon_init                       # folder, PODIUM_DB, EXIT trap
#     "$PODIUM" import "$PODIUM_SRC_DIR/calendars/smartcity-gera-2021.ics"
#     daemon_start                      # podiumd on 127.0.0.1:$DAEMON_PORT
#     fetch all "$DAEMON_URL/calendars/all.ics"
#     check "all.ics answers 200" eq "$HTTP_CODE" 200
#     daemon_stop; check "SIGTERM exits 0" eq "$DAEMON_STATUS" 0
#     daemon_finish                     # sanitizer check, summary, exit
#
# Variables set: DAEMON_DIR (the folder; removed at exit unless
# PODIUM_KEEP_TMP is set), PODIUM and PODIUMD (the binaries), PODIUM_DB,
# DAEMON_CONFIG, DAEMON_PORT, DAEMON_URL, DAEMON_PID, DAEMON_LOG (the
# --log file), DAEMON_STDERR (podiumd's stderr: where the sanitizers
# write), DAEMON_TOKEN (the API token), DAEMON_STATUS (exit status after
# daemon_stop), PODIUM_BASE_URL (exported, so `podium feed url` prints
# URLs of this daemon; podium would also find it in the database, where
# podiumd records it).  The answer-link key is the database's (made by
# `podium init`), so `podium talk link` signs as podiumd does; key_file is
# configured but not made.  DAEMON_EXTRA_INI is appended to the config
# file.
#
# Every wait here is bounded; nothing passes or fails on speed.

_DAEMON_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Debian's interpreter: the one that sees python3-icalendar.
PY=${PODIUM_PYTHON:-/usr/bin/python3}

CHECKS=0
FAILURES=0
SKIPS=0

# ---- reporting ----

# check NAME COMMAND [ARGS...]: runs COMMAND; prints "ok - NAME", or
# "not ok - NAME: why", where why is what COMMAND printed (the predicates
# below print a reason on failure) or the command itself.  Returns 0
# either way, so that `set -e` does not end the test at the first
# failure and one failure does not hide the next.
check() {
	local name=$1 out rc
	shift
	out=$("$@" 2>&1) && rc=0 || rc=$?
	CHECKS=$((CHECKS + 1))
	if [ "$rc" -eq 0 ]; then
		printf 'ok - %s\n' "$name"
		return 0
	fi
	FAILURES=$((FAILURES + 1))
	if [ -z "$out" ]; then
		out="failed (status $rc): $*"
	fi
	printf 'not ok - %s: %s\n' "$name" "$(printf '%s' "$out" | head -c 600)"
	return 0
}

# skip NAME WHY: a check that cannot run yet, said out loud.
skip() {
	SKIPS=$((SKIPS + 1))
	printf 'SKIP - %s: %s\n' "$1" "$2"
}

# ---- predicates for check (quiet on success, a reason on failure) ----

eq() {
	[ "$1" = "$2" ] && return 0
	printf "got '%s', expected '%s'" "$1" "$2"
	return 1
}

# one_of GOT WANT...: GOT is one of the WANTs.
one_of() {
	local got=$1 w
	shift
	for w in "$@"; do
		[ "$got" = "$w" ] && return 0
	done
	printf "got '%s', expected one of: %s" "$got" "$*"
	return 1
}

# contains FILE TEXT: FILE holds the fixed string TEXT.
contains() {
	grep -qF -- "$2" "$1" && return 0
	printf "'%s' not in %s: %s" "$2" "$(basename "$1")" \
		"$(head -c 300 "$1" | tr '\r\n' '  ')"
	return 1
}

lacks() {
	grep -qF -- "$2" "$1" || return 0
	printf "'%s' found in %s" "$2" "$(basename "$1")"
	return 1
}

# matches TEXT REGEX (extended)
matches() {
	printf '%s' "$1" | grep -qE -- "$2" && return 0
	printf "'%s' does not match /%s/" "$1" "$2"
	return 1
}

same_file() {
	cmp -s -- "$1" "$2" && return 0
	printf '%s (%s bytes) and %s (%s bytes) differ' "$(basename "$1")" \
		"$(wc -c <"$1" 2>/dev/null || echo -)" "$(basename "$2")" \
		"$(wc -c <"$2" 2>/dev/null || echo -)"
	return 1
}

# ---- HTTP ----

# fetch NAME [CURL ARGS...] URL: one request; the body goes to
# $DAEMON_DIR/NAME.body, the headers to NAME.hdr, the status to HTTP_CODE
# ("000" when there was no answer).  Bounded by --max-time.
fetch() {
	local name=$1
	shift
	# curl makes no file for an empty body (304, HEAD).
	: >"$DAEMON_DIR/$name.body"
	HTTP_CODE=$(curl -s --max-time 20 -o "$DAEMON_DIR/$name.body" \
		-D "$DAEMON_DIR/$name.hdr" -w '%{http_code}' "$@") || true
	[ -n "$HTTP_CODE" ] || HTTP_CODE=000
}

# header NAME FIELD: the value of FIELD in the answer saved as NAME,
# without the CR; empty when absent.
header() {
	tr -d '\r' <"$DAEMON_DIR/$1.hdr" 2>/dev/null |
		awk -v f="$2" 'BEGIN { f = tolower(f) ":" }
			tolower(substr($0, 1, length(f))) == f {
				v = substr($0, length(f) + 1); sub(/^[ \t]+/, "", v); print v; exit
			}'
}

# api NAME METHOD PATH [JSON]: an authorized API call; see fetch.
api() {
	local name=$1 method=$2 path=$3
	if [ $# -ge 4 ]; then
		fetch "$name" -X "$method" -H "Authorization: Bearer $DAEMON_TOKEN" \
			-H 'Content-Type: application/json' --data-binary "$4" \
			"$DAEMON_URL$path"
	else
		fetch "$name" -X "$method" -H "Authorization: Bearer $DAEMON_TOKEN" \
			"$DAEMON_URL$path"
	fi
}

# json NAME EXPR: prints the Python expression EXPR over the JSON body of
# the answer NAME (as d); empty on any error.
json() {
	"$PY" - "$DAEMON_DIR/$1.body" "$2" <<-'EOF' 2>/dev/null || true
		import json, sys
		d = json.load(open(sys.argv[1], encoding="utf-8"))
		v = eval(sys.argv[2])
		print(json.dumps(v) if isinstance(v, (dict, list, bool)) or v is None else v)
	EOF
}

# ---- the daemon ----

# daemon_init: the private folder, the binaries, the database, the trap.
daemon_init() {
	PODIUM=${PODIUM_BIN_DIR:?PODIUM_BIN_DIR is not set}/podium
	PODIUMD=$PODIUM_BIN_DIR/podiumd
	: "${PODIUM_SRC_DIR:?PODIUM_SRC_DIR is not set}"
	DAEMON_DIR=$(mktemp -d "${TMPDIR:-/tmp}/podium-e2e.XXXXXX")
	PODIUM_DB=$DAEMON_DIR/podium.db
	DAEMON_CONFIG=$DAEMON_DIR/podium.ini
	DAEMON_LOG=$DAEMON_DIR/podiumd.log
	DAEMON_STDERR=$DAEMON_DIR/podiumd.stderr
	DAEMON_PID=
	DAEMON_STATUS=
	DAEMON_EXTRA_INI=${DAEMON_EXTRA_INI-}
	export PODIUM_DB
	# A stale value from the caller's shell must not leak into the test.
	unset PODIUM_BASE_URL
	: >"$DAEMON_STDERR"
	trap daemon_cleanup EXIT
	# ctest kills with SIGTERM on timeout; stop podiumd then too.
	trap 'exit 143' TERM INT
	"$PODIUM" init >/dev/null
}

# A port nobody listens on now.  podiumd could take port 0 itself, but
# base_url (links in mails and answer pages) must be known before start.
_daemon_free_port() {
	"$PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

_daemon_alive() {
	local state
	# kill -0 succeeds on a zombie; the state letter does not lie.
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

# daemon_write_config PORT: the config every test starts from.
daemon_write_config() {
	cat >"$DAEMON_CONFIG" <<-EOF
		; written by tests/lib/daemon.sh
		[store]
		path = $PODIUM_DB

		[http]
		listen = 127.0.0.1:$1
		base_url = http://127.0.0.1:$1
		api_token_file = $DAEMON_DIR/api.token

		[mail]
		spool_dir = $DAEMON_DIR/spool

		[secrets]
		key_file = $DAEMON_DIR/secret.key
	EOF
	if [ -n "$DAEMON_EXTRA_INI" ]; then
		printf '\n%s\n' "$DAEMON_EXTRA_INI" >>"$DAEMON_CONFIG"
	fi
}

# daemon_start [PODIUMD ARGS...]: starts podiumd with the config and
# --log, waits (up to 20 s: ASan builds start slowly) for /healthz.  A
# port taken between choosing and binding is retried with another.
daemon_start() {
	local try i port

	for try in 1 2 3 4 5; do
		port=$(_daemon_free_port)
		daemon_write_config "$port"
		# Its stdout (the first-start setup link) goes to a file too: a
		# podiumd left running must not hold the test's output open,
		# which would keep ctest waiting for its end.
		"$PODIUMD" --config "$DAEMON_CONFIG" --log "$DAEMON_LOG" "$@" \
			</dev/null >>"$DAEMON_DIR/stdout" 2>>"$DAEMON_STDERR" &
		DAEMON_PID=$!
		DAEMON_PORT=$port
		DAEMON_URL=http://127.0.0.1:$port
		for i in $(seq 200); do
			if ! _daemon_alive "$DAEMON_PID"; then
				break
			fi
			if curl -s --max-time 2 -o /dev/null "$DAEMON_URL/healthz"; then
				PODIUM_BASE_URL=$DAEMON_URL
				export PODIUM_BASE_URL
				DAEMON_TOKEN=$(cat "$DAEMON_DIR/api.token" 2>/dev/null || true)
				return 0
			fi
			sleep 0.1
		done
		if _daemon_alive "$DAEMON_PID"; then
			echo "daemon_start: no /healthz after 20 s" >&2
			daemon_stop
			return 1
		fi
		wait "$DAEMON_PID" 2>/dev/null || true
		DAEMON_PID=
		# Only a lost race for the port is worth another try.
		grep -q 'cannot listen' "$DAEMON_LOG" "$DAEMON_STDERR" 2>/dev/null ||
			break
		echo "daemon_start: port $port taken, try $try" >&2
	done
	echo "daemon_start: podiumd did not start; its log:" >&2
	tail -n 20 "$DAEMON_LOG" "$DAEMON_STDERR" >&2 2>/dev/null || true
	return 1
}

# daemon_wait_exit SECONDS: waits for podiumd to end by itself; sets
# DAEMON_STATUS.  Returns 1 (podiumd still running) after SECONDS.
daemon_wait_exit() {
	local i
	for i in $(seq $(($1 * 10))); do
		_daemon_alive "$DAEMON_PID" || break
		sleep 0.1
	done
	_daemon_alive "$DAEMON_PID" && return 1
	DAEMON_STATUS=0
	wait "$DAEMON_PID" || DAEMON_STATUS=$?
	DAEMON_PID=
	return 0
}

# daemon_stop: SIGTERM, up to 20 s (a leak check at exit is slow under
# ASan), then SIGKILL.  DAEMON_STATUS: podiumd's exit status, 137 when it
# had to be killed.  Safe without a daemon.
daemon_stop() {
	[ -n "${DAEMON_PID-}" ] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null || true
	if ! daemon_wait_exit 20; then
		echo "daemon_stop: podiumd ignored SIGTERM for 20 s; killing" >&2
		kill -KILL "$DAEMON_PID" 2>/dev/null || true
		wait "$DAEMON_PID" 2>/dev/null || true
		DAEMON_PID=
		DAEMON_STATUS=137
	fi
	return 0
}

# The EXIT trap.  A test with more to stop (a load generator) defines
# daemon_before_cleanup instead of replacing the trap.  errexit is off
# here: a failing step must not skip the stop and the removal.
daemon_cleanup() {
	local rc=$?
	set +e
	if declare -F daemon_before_cleanup >/dev/null; then
		daemon_before_cleanup
	fi
	daemon_stop
	if [ -n "${PODIUM_KEEP_TMP-}" ]; then
		echo "# kept $DAEMON_DIR" >&2
	elif [ -n "${DAEMON_DIR-}" ]; then
		rm -rf "$DAEMON_DIR"
	fi
	exit "$rc"
}

# sanitizer_clean FILE...: no ASan/UBSan/LSan report in the files.
sanitizer_clean() {
	local hits
	hits=$(grep -hE 'AddressSanitizer|LeakSanitizer|runtime error' "$@" \
		2>/dev/null | head -n 5) || true
	[ -z "$hits" ] && return 0
	printf '%s' "$hits"
	return 1
}

# daemon_finish: the sanitizer verdict over everything podiumd wrote,
# the summary line, and the exit status of the test.
daemon_finish() {
	daemon_stop
	check "podiumd's stderr and log have no sanitizer report" \
		sanitizer_clean "$DAEMON_STDERR" "$DAEMON_LOG"*
	printf '# %d checks, %d failed, %d skipped\n' "$CHECKS" "$FAILURES" \
		"$SKIPS"
	if [ "$FAILURES" -gt 0 ]; then
		printf '# podiumd log (last 30 lines):\n' >&2
		tail -n 30 "$DAEMON_LOG" "$DAEMON_STDERR" >&2 2>/dev/null || true
		exit 1
	fi
	exit 0
}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s until it
# succeeds; 1 after SECONDS.
wait_for() {
	local secs=$1 i
	shift
	for i in $(seq $((secs * 10))); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
