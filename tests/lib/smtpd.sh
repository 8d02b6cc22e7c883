# shellcheck shell=bash
#
# Starts and stops tests/smtpd.py (the test SMTP server) for e2e tests.
# Source it, then:
#
#     . "$PODIUM_SRC_DIR/tests/lib/smtpd.sh"
#     smtpd_start --fail-4xx 2          # any smtpd.py options
#     podiumd --config <(printf '[mail]\nsmtp_url = %s\n' "$SMTPD_URL") ...
#     smtpd_wait_messages 3 10          # until 3 messages are stored, <= 10 s
#     test "$(smtpd_sessions)" = 1      # all of them over one connection
#
# smtpd_start exports SMTPD_PID, SMTPD_DIR (the spool: msg-NNNN.eml and
# .json, sessions.log), SMTPD_PORT, SMTPD_URL (smtp://127.0.0.1:PORT) and,
# with --starttls, SMTPD_CAFILE.  It stops the server on EXIT and removes
# the folder it made; an EXIT trap the test had set before is kept and
# runs after that (a trap set after smtpd_start replaces ours, so call
# smtpd_stop in it).  Set SMTPD_DIR before smtpd_start to use (and keep) a
# folder of your own.  One server at a time; smtpd_stop, then start again.
#
# This is test glue only; every wait here is bounded.

_SMTPD_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SMTPD_PY=${SMTPD_PY:-$_SMTPD_HERE/../smtpd.py}
# Debian's interpreter: the one that sees python3-aiosmtpd.
SMTPD_PYTHON=${SMTPD_PYTHON:-/usr/bin/python3}

# Prints the command of an EXIT trap from "trap -p EXIT" output.
_smtpd_trap_cmd() { printf '%s' "${3-}"; }
# Gives $? back, so that the trap that runs after smtpd_stop (daemon.sh's
# daemon_cleanup exits with it) sees the test's status, not smtpd_stop's.
_smtpd_status() { return "$1"; }

smtpd_start() {
	local prev

	if [ -n "${SMTPD_PID-}" ]; then
		echo "smtpd_start: a server runs already (pid $SMTPD_PID)" >&2
		return 1
	fi
	if [ -n "${SMTPD_DIR-}" ]; then
		_SMTPD_OWN_DIR=
		mkdir -p "$SMTPD_DIR" || return 1
	else
		SMTPD_DIR=$(mktemp -d "${TMPDIR:-/tmp}/podium-smtpd.XXXXXX") ||
			return 1
		_SMTPD_OWN_DIR=1
	fi
	# A port file left from an earlier run must not be read as this one.
	rm -f "$SMTPD_DIR/port"

	"$SMTPD_PYTHON" "$SMTPD_PY" --port 0 --dir "$SMTPD_DIR" "$@" \
		</dev/null &
	SMTPD_PID=$!
	export SMTPD_PID SMTPD_DIR

	if [ -z "${_SMTPD_TRAPPED-}" ]; then
		prev=$(eval "_smtpd_trap_cmd $(trap -p EXIT)")
		# shellcheck disable=SC2064 # prev is expanded now, on purpose
		# errexit off first: a failing status given back must not end
		# the trap before the test's own trap has stopped its daemon.
		trap "_smtpd_rc=\$?; set +e; smtpd_stop; _smtpd_status \"\$_smtpd_rc\"; ${prev:-:}" EXIT
		_SMTPD_TRAPPED=1
	fi

	# Up to 20 s: with --starttls a fresh RSA key is made first.
	for _ in $(seq 200); do
		[ -s "$SMTPD_DIR/port" ] && break
		if ! kill -0 "$SMTPD_PID" 2>/dev/null; then
			echo "smtpd_start: smtpd.py exited before listening" >&2
			wait "$SMTPD_PID" 2>/dev/null || true
			SMTPD_PID=
			return 1
		fi
		sleep 0.1
	done
	if [ ! -s "$SMTPD_DIR/port" ]; then
		echo "smtpd_start: no port after 20 s" >&2
		smtpd_stop
		return 1
	fi
	read -r SMTPD_PORT <"$SMTPD_DIR/port"
	SMTPD_URL="smtp://127.0.0.1:$SMTPD_PORT"
	export SMTPD_PORT SMTPD_URL
	if [ -s "$SMTPD_DIR/cafile" ]; then
		read -r SMTPD_CAFILE <"$SMTPD_DIR/cafile"
		export SMTPD_CAFILE
	fi
	return 0
}

# Stops the server (SIGTERM, then SIGKILL after 5 s) and removes the
# folder smtpd_start made.  Safe to call twice, or with no server.
smtpd_stop() {

	if [ -n "${SMTPD_PID-}" ]; then
		kill -TERM "$SMTPD_PID" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$SMTPD_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$SMTPD_PID" 2>/dev/null || true
		wait "$SMTPD_PID" 2>/dev/null || true
		SMTPD_PID=
	fi
	if [ -n "${_SMTPD_OWN_DIR-}" ] && [ -n "${SMTPD_DIR-}" ]; then
		rm -rf "$SMTPD_DIR"
		SMTPD_DIR=
		_SMTPD_OWN_DIR=
	fi
	return 0
}

# Prints how many messages the server has stored.
smtpd_messages() {
	local n=0 f

	for f in "$SMTPD_DIR"/msg-*.json; do
		[ -e "$f" ] && n=$((n + 1))
	done
	echo "$n"
}

# Prints how many SMTP connections the server has seen.
smtpd_sessions() {
	if [ -f "$SMTPD_DIR/sessions.log" ]; then
		wc -l <"$SMTPD_DIR/sessions.log" | tr -d ' '
	else
		echo 0
	fi
}

# smtpd_wait_messages N [SECONDS]: waits until at least N messages are
# stored (default at most 10 s); fails with a message otherwise.
smtpd_wait_messages() {
	local want=$1 secs=${2:-10}

	for _ in $(seq $((secs * 10))); do
		[ "$(smtpd_messages)" -ge "$want" ] && return 0
		sleep 0.1
	done
	echo "smtpd_wait_messages: $(smtpd_messages) of $want after ${secs} s" >&2
	return 1
}
