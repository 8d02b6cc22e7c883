#!/usr/bin/env bash
# End-to-end test of stopping podiumd while the SMTP server stalls
# (issue 13): tests/smtpd.py takes the whole message and then does not
# answer the final dot for five minutes.  SIGTERM must give the message a
# short grace, abandon the transfer, leave the message pending for a
# retry, close the database and exit 0 - long before libcurl's 60 s
# timeout would end the wait.
#
# Not a timing test: the bound below (20 s) only keeps a broken podiumd
# from holding the test for a minute; a correct one is done in about the
# grace (5 s), a broken one not before the server or libcurl gives up.
set -euo pipefail

. "${PODIUM_SRC_DIR:?PODIUM_SRC_DIR is not set}/tests/lib/daemon.sh"
# shellcheck source=../lib/smtpd.sh
. "$PODIUM_SRC_DIR/tests/lib/smtpd.sh"

export PODIUM_NOW=2021-02-01T08:00:00Z
daemon_init
SMTPD_DIR=$DAEMON_DIR/smtp smtpd_start --stall 300 --lifetime 120

"$PODIUM" person add --name "Katrin Schönfeld" \
	--email katrin.schoenfeld@example.org >/dev/null
"$PODIUM" --json event add --title "Smarte Energie" \
	--start "2021-02-22 09:00" --duration 2h >"$DAEMON_DIR/ev.body"
"$PODIUM" attend "$(json ev 'd["id"]')" katrin.schoenfeld@example.org \
	>/dev/null

DAEMON_EXTRA_INI="[mail]
smtp_url = $SMTPD_URL"
daemon_start

# sending: the dispatcher has the message and waits for the server.
sending() {
	"$PODIUM" mail list --state sending | grep -q invitation &&
		[ "$(smtpd_sessions)" -ge 1 ]
}
check "the invitation is in flight to the stalling server" wait_for 60 sending
# The whole message is with the server, which now keeps silent.
sleep 1

kill -TERM "$DAEMON_PID"
# Not inside check: that runs in a subshell, which cannot wait for
# podiumd nor hand DAEMON_STATUS back.
stopped=no
daemon_wait_exit 20 && stopped=yes
check "SIGTERM: podiumd exits though the server stalls" eq "$stopped" yes
check "SIGTERM: exit status 0" eq "${DAEMON_STATUS:-running}" 0
check "the log says podiumd stopped" \
	grep -q "stopping" "$DAEMON_LOG"
check "the message stays pending for a retry" bash -c \
	'"$1" mail list --state pending | grep -q invitation' _ "$PODIUM"
check "its error says it was abandoned" bash -c \
	'"$1" --json mail list | grep -q abandoned' _ "$PODIUM"
check "the server stored nothing" eq "$(smtpd_messages)" 0

daemon_finish
