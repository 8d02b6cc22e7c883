#!/usr/bin/env bash
# Crash test of mail delivery: 500 reminders queued, podiumd (daemon mode)
# killed with SIGKILL at random moments five times while it sends them to
# tests/smtpd.py (which stalls a little on every message, so that kills
# land mid-stream), restarted each time.  In the end every message of the
# outbox was received (its Message-ID at least once), and there are no
# more duplicates than kills: only the message in flight may go twice.
#
# The invitations to the same 500 people go out first into the spool
# folder (no smtp_url), so that the SMTP run holds just the reminders.
set -euo pipefail

BIN=${PODIUM_BIN_DIR:?PODIUM_BIN_DIR is not set}
SRC=${PODIUM_SRC_DIR:?PODIUM_SRC_DIR is not set}
PY=/usr/bin/python3
N=500
KILLS=5

tmp=$(mktemp -d "${TMPDIR:-/tmp}/podium-crash.XXXXXX")
DAEMON_PID=
cleanup() {
	if [ -n "$DAEMON_PID" ]; then
		kill -KILL "$DAEMON_PID" 2>/dev/null || true
		wait "$DAEMON_PID" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"
# shellcheck source=../lib/smtpd.sh
. "$SRC/tests/lib/smtpd.sh"
smtpd_start --stall 0.01
trap 'smtpd_stop; cleanup' EXIT

failures=0
ok() { printf 'ok   %s\n' "$1"; }
not_ok() {
	failures=$((failures + 1))
	printf 'not ok %s%s\n' "$1" "${2:+: $2}"
}
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

export PODIUM_DB=$tmp/podium.db
LOG=$tmp/podiumd.log
: >"$LOG"
common() {
	printf '[store]\npath = %s\n' "$PODIUM_DB"
	printf '[http]\napi_token_file = %s/api-token\n' "$tmp"
	printf '[reminders]\noffsets = 7d, 1d\n'
	printf '[secrets]\nkey_file = %s/secret.key\n' "$tmp"
}
{ common; printf '[mail]\nspool_dir = %s/spool\n' "$tmp"; } >"$tmp/spool.ini"
{
	common
	printf '[mail]\nsmtp_url = %s\nstarttls = no\n' "$SMTPD_URL"
	printf 'from = SMARTCity Gera <smartcity@example.org>\n'
} >"$tmp/smtp.ini"

# One event on 2021-03-02 09:00 (Berlin) with N accepted attendees.
"$PY" - "$N" >"$tmp/crowd.ics" <<'EOF'
import sys
n = int(sys.argv[1])
out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//podium//crash test//EN",
       "BEGIN:VEVENT", "UID:crash-crowd@podium.test",
       "DTSTAMP:20210201T000000Z",
       "DTSTART;TZID=Europe/Berlin:20210302T090000",
       "DTEND;TZID=Europe/Berlin:20210302T110000",
       "SUMMARY:Großes Forum Smarte Quartiere",
       "ORGANIZER;CN=Michael Tietz:mailto:michael.tietz@example.org"]
for i in range(1, n + 1):
    out.append("ATTENDEE;CN=Teilnehmerin %d Müller;PARTSTAT=ACCEPTED:"
               "mailto:p%d@example.org" % (i, i))
out += ["END:VEVENT", "END:VCALENDAR"]
sys.stdout.write("".join(l + "\r\n" for l in out))
EOF
"$BIN/podium" init >/dev/null 2>>"$LOG"
PODIUM_NOW=2021-02-01T08:00:00Z "$BIN/podium" import "$tmp/crowd.ics" \
	>/dev/null 2>>"$LOG"
check "imported $N attendees" true

rc=0
PODIUM_NOW=2021-02-20T08:00:00Z "$BIN/podiumd" --once --config "$tmp/spool.ini" \
	2>>"$LOG" || rc=$?
check "invitations went to the spool folder (exit $rc)" test "$rc" -eq 0
check "... $N of them" test "$(find "$tmp/spool" -name '*.eml' | wc -l)" -eq "$N"

# The day before: N reminders due.
export PODIUM_NOW=2021-03-01T08:00:00Z
start_daemon() {
	"$BIN/podiumd" --config "$tmp/smtp.ini" --listen 127.0.0.1:0 \
		2>>"$LOG" &
	DAEMON_PID=$!
}

kills=0
for k in $(seq "$KILLS"); do
	before=$(smtpd_messages)
	start_daemon
	# Into the stream: once this run has delivered something (at most
	# 20 s, however loaded the machine), then 0 .. 0.9 s more.
	for _ in $(seq 200); do
		[ "$(smtpd_messages)" -gt "$before" ] && break
		sleep 0.1
	done
	sleep "$(printf '0.%d' $((RANDOM % 10)))"
	kill -KILL "$DAEMON_PID" 2>/dev/null && kills=$((kills + 1))
	wait "$DAEMON_PID" 2>/dev/null || true
	DAEMON_PID=
	echo "# kill $k: $(smtpd_messages) messages at the server"
done
check "killed podiumd $KILLS times" test "$kills" -eq "$KILLS"
check "the kills landed mid-stream ($(smtpd_messages) of $N before the end)" \
	test "$(smtpd_messages)" -lt "$N"

start_daemon
# Bounded: at most 60 s for the rest.
for _ in $(seq 300); do
	[ "$(smtpd_messages)" -ge "$N" ] &&
		[ "$("$BIN/podium" mail list --state pending 2>/dev/null | wc -l)" -le 1 ] &&
		[ "$("$BIN/podium" mail list --state sending 2>/dev/null | wc -l)" -le 1 ] &&
		break
	sleep 0.2
done
kill -TERM "$DAEMON_PID"
rc=0
wait "$DAEMON_PID" || rc=$?
DAEMON_PID=
check "podiumd stops with 0 on SIGTERM" test "$rc" -eq 0

# Every outbox message (its Message-ID) received; duplicates <= kills.
check "every reminder delivered, duplicates <= $kills" "$PY" - "$PODIUM_DB" \
	"$SMTPD_DIR" "$N" "$kills" <<'EOF'
import collections, email, email.policy, glob, sqlite3, sys

db, spool, n, kills = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
want = {}
states = collections.Counter()
for key, kind, state, msg in con.execute(
        "SELECT key, kind, state, message FROM outbox WHERE kind = 'reminder'"):
    m = email.message_from_bytes(msg, policy=email.policy.default)
    want[str(m["Message-ID"])] = key
    states[state] += 1
got = collections.Counter()
for f in glob.glob(spool + "/msg-*.eml"):
    with open(f, "rb") as fh:
        m = email.message_from_binary_file(fh, policy=email.policy.default)
    got[str(m["Message-ID"])] += 1
missing = [want[i] for i in want if got[i] == 0]
dups = sum(c - 1 for c in got.values() if c > 1)
strays = [i for i in got if i not in want]
print("# outbox: %d reminders %s; received %d messages, %d distinct, "
      "%d duplicates" % (len(want), dict(states), sum(got.values()),
                         len(got), dups))
ok = (len(want) == n and not missing and not strays and dups <= kills and
      states == {"sent": n})
if missing:
    print("# missing: %s" % missing[:5])
sys.exit(0 if ok else 1)
EOF

check "podiumd's log is sanitizer-clean" \
	bash -c '! grep -qE "AddressSanitizer|LeakSanitizer|runtime error" "$1"' _ "$LOG"
echo "# restarts that recovered a message in flight:" \
	"$(grep -c 'go out again' "$LOG" || true)"
if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
echo "all checks passed"
