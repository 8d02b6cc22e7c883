#!/usr/bin/env bash
# One refused recipient (issue 8, part 4): the SMTP server (tests/smtpd.py)
# refuses the intermediary's address with 550 at RCPT.  A speaker request
# to Prof. Teich, Cc Jonas Seidel, still reaches Teich; the outbox row is
# "sent" and names the refused recipient, in `podium mail list` and in
# GET /api/outbox.  A request whose every recipient is refused is failed.
set -euo pipefail

# shellcheck source=../lib/daemon.sh
. "$PODIUM_SRC_DIR/tests/lib/daemon.sh"
daemon_init
# shellcheck source=../lib/smtpd.sh
. "$PODIUM_SRC_DIR/tests/lib/smtpd.sh"
smtpd_start --reject-rcpt jonas.seidel@example.org \
	--reject-rcpt nobody.here@example.org

export PODIUM_NOW=2021-03-01T08:00:00Z
P() { "$PODIUM" "$@" >/dev/null 2>>"$DAEMON_STDERR"; }
P person add --name "Prof. Teich" --email prof.teich@example.org
P person add --name "Jonas Seidel" --email jonas.seidel@example.org
P person add --name "Niemand Hier" --email nobody.here@example.org
P event add --title "Smarte Quartiere" --start "2021-03-11 09:00" --duration 3h
P talk add 1 --title "Energie im Quartier" --speaker "Prof. Teich" --via "Jonas Seidel"

DAEMON_EXTRA_INI=$(printf '[mail]\nsmtp_url = %s\nstarttls = no\nfrom = SMARTCity Gera <smartcity@example.org>\n' "$SMTPD_URL")
daemon_start

check "the request reaches the SMTP server (<= 20 s)" smtpd_wait_messages 1 20
check "its envelope holds Teich only" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["rcpt_tos"] == ["prof.teich@example.org"] else "rcpt_tos: %r" % d["rcpt_tos"])' \
	"$SMTPD_DIR/msg-0001.json"

# mail_row KEY_PREFIX FIELD: FIELD of the outbox row whose key starts so.
mail_row() {
	"$PODIUM" --json mail list | "$PY" -c '
import json, sys
rows = [m for m in json.load(sys.stdin) if m["key"].startswith(sys.argv[1])]
print(rows[0][sys.argv[2]] if rows else "")' "$1" "$2"
}
sent_request() { [ "$(mail_row speaker-request/ state)" = sent ]; }
check "the request is sent (<= 20 s)" wait_for 20 sent_request
check "mail list --json names the refused Cc" matches \
	"$(mail_row speaker-request/ refused)" '^jonas\.seidel@example\.org \(550 '
"$PODIUM" mail list >"$DAEMON_DIR/list.txt"
check "mail list has a REFUSED column" contains "$DAEMON_DIR/list.txt" REFUSED
check "mail list shows the refused Cc" contains "$DAEMON_DIR/list.txt" \
	"jonas.seidel@example.org (550 5.1.1"
api outbox GET /api/outbox
check "GET /api/outbox: 200" eq "$HTTP_CODE" 200
check "GET /api/outbox names the refused Cc" matches \
	"$(json outbox '[m["refused"] for m in d if m["kind"] == "speaker-request"][0]')" \
	'^jonas\.seidel@example\.org \(550 '

# Every recipient refused: failed, both named.
P talk add 1 --title "Niemand" --speaker "Niemand Hier" --via "Jonas Seidel"
failed_request() {
	"$PODIUM" --json mail list | "$PY" -c '
import json, sys
rows = [m for m in json.load(sys.stdin) if m["kind"] == "speaker-request" and m["to"].startswith("nobody")]
sys.exit(0 if rows and rows[0]["state"] == "failed" else 1)'
}
check "a request refused for every recipient is failed (<= 20 s)" \
	wait_for 20 failed_request
check "... and names both refused recipients" bash -c '
"$1" --json mail list | "$2" -c "
import json, sys
r = [m for m in json.load(sys.stdin) if m[\"to\"].startswith(\"nobody\")][0][\"refused\"] or \"\"
sys.exit(0 if \"nobody.here@example.org (550\" in r and \"jonas.seidel@example.org (550\" in r else r)"' \
	_ "$PODIUM" "$PY"
check "nothing else reached the server" eq "$(smtpd_messages)" 1

daemon_finish
