#!/usr/bin/env bash
# End-to-end test of mail delivery when things go wrong: tests/smtpd.py
# answering 451, refusing with 550, not running, not offering STARTTLS,
# offering it with a certificate made at test time, asking for AUTH; and
# the podium mail list / retry / test commands around it.
#
# Each case queues one invitation (one attendee, an event three weeks
# ahead) and drives podiumd --once with PODIUM_NOW stepped past the
# backoff.  podiumd --once exits 0 when nothing due is left undelivered
# and 75 when something waits for a retry.
set -euo pipefail

BIN=${PODIUM_BIN_DIR:?PODIUM_BIN_DIR is not set}
SRC=${PODIUM_SRC_DIR:?PODIUM_SRC_DIR is not set}
PY=/usr/bin/python3
FROM=smartcity@example.org
PASSWORD=S3cret-pw-4711-podium

tmp=$(mktemp -d "${TMPDIR:-/tmp}/podium-faults.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
# shellcheck source=../lib/smtpd.sh
. "$SRC/tests/lib/smtpd.sh"

LOG=$tmp/podiumd.log
OUT=$tmp/out
ERR=$tmp/err
: >"$LOG"
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
sanitizer_clean() { ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' "$@"; }

cli() {
	local want=$1 rc=0
	shift
	"$BIN/podium" "$@" >"$OUT" 2>"$ERR" || rc=$?
	cat "$ERR" >>"$LOG"
	if ! sanitizer_clean "$ERR"; then
		not_ok "podium $*" "sanitizer report"
		return 1
	fi
	if [ "$rc" -ne "$want" ]; then
		not_ok "podium $* exits $want" "got $rc: $(head -c 300 "$ERR")"
		return 1
	fi
	return 0
}

# once NOW WANT: one podiumd pass at NOW; WANT is its exit status.
once() {
	local rc=0
	PODIUM_NOW=$1 "$BIN/podiumd" --once --config "$CFG" 2>>"$LOG" || rc=$?
	if [ "$rc" -eq "$2" ]; then
		ok "podiumd --once at $1 exits $2"
	else
		not_ok "podiumd --once at $1 exits $2" "got $rc"
		tail -n 3 "$LOG" | sed 's/^/     log: /'
	fi
}

# fresh NAME URL [CONFIG LINES...]: a new database with one invitation
# to be sent, and $CFG for it.  STARTTLS defaults to "no".
fresh() {
	local name=$1 url=$2
	shift 2
	D=$tmp/$name
	mkdir -p "$D"
	export PODIUM_DB=$D/podium.db PODIUM_NOW=2021-02-01T08:00:00Z
	CFG=$D/podiumd.ini
	{
		printf '[store]\npath = %s\n' "$PODIUM_DB"
		printf '[http]\napi_token_file = %s/api-token\n' "$D"
		printf '[mail]\nsmtp_url = %s\nfrom = SMARTCity Gera <%s>\n' \
			"$url" "$FROM"
		printf 'spool_dir = %s/spool\n' "$D"
		local line has_tls=
		for line in "$@"; do
			case $line in starttls*) has_tls=1 ;; esac
			printf '%s\n' "$line"
		done
		[ -n "$has_tls" ] || printf 'starttls = no\n'
		printf '[secrets]\nkey_file = %s/secret.key\n' "$D"
	} >"$CFG"
	cli 0 init
	cli 0 event add --title "Workshop Smarte Quartiere" \
		--start "2021-02-22 09:00" --duration 2h
	cli 0 person add --name "Dietmar Lübcke" --email dietmar.luebcke@example.org
	cli 0 attend 1 dietmar.luebcke@example.org
}

# state: $STATE gets "STATE ATTEMPTS" of message 1, $ERRTEXT its last error.
state() {
	"$BIN/podium" --json mail list >"$OUT" 2>>"$LOG"
	ERRTEXT=$("$PY" -c 'import json,sys
d=json.load(open(sys.argv[1])); print(d[-1]["last_error"] or "")' "$OUT")
	STATE=$("$PY" -c 'import json,sys
d=json.load(open(sys.argv[1])); print(d[-1]["state"], d[-1]["attempts"])' "$OUT")
}

# A port nobody listens on: the one a stopped server had.
smtpd_start
FREE_PORT=$SMTPD_PORT
smtpd_stop

# ---- 451 twice, then accepted: retried, delivered once -------------
smtpd_start --fail-4xx 2
fresh t451 "$SMTPD_URL"
once 2021-02-01T08:00:00Z 75
state; check "after one 451: pending, 1 attempt" test "$STATE" = "pending 1"
check "last error shows the 451 ($ERRTEXT)" grep -q 451 <<<"$ERRTEXT"
cli 0 mail list --state pending
check "mail list --state pending lists it" grep -q "invitation" "$OUT"
# Before the backoff is over nothing is tried.
once 2021-02-01T08:00:30Z 75
state; check "not retried before the backoff" test "$STATE" = "pending 1"
once 2021-02-01T08:10:00Z 75
once 2021-02-01T08:20:00Z 0
state; check "then sent after 3 attempts" test "$STATE" = "sent 3"
check "the server stored it exactly once" test "$(smtpd_messages)" -eq 1
once 2021-02-01T09:00:00Z 0
check "and never again" test "$(smtpd_messages)" -eq 1
smtpd_stop

# ---- 550: failed at once, never retried; retry and mail test -------
smtpd_start --reject-550
fresh t550 "$SMTPD_URL"
once 2021-02-01T08:00:00Z 0
state; check "550: failed after 1 attempt" test "$STATE" = "failed 1"
check "last error shows the 550 ($ERRTEXT)" grep -q 550 <<<"$ERRTEXT"
cli 0 mail list --state failed
check "mail list --state failed lists it" grep -q "550" "$OUT"
once 2021-02-03T08:00:00Z 0
state; check "a failed message is never retried" test "$STATE" = "failed 1"
check "nothing stored at the refusing server" test "$(smtpd_messages)" -eq 0
PODIUM_NOW=2021-02-01T08:00:00Z cli 65 mail test --config "$CFG" \
	refused@example.org && ok "mail test refused for good: 65"
check "mail test says why" grep -q 550 "$ERR"
smtpd_stop

smtpd_start
# The config's URL is the old server's; point it at the new one.
sed -i "s|^smtp_url = .*|smtp_url = $SMTPD_URL|" "$CFG"
PODIUM_NOW=2021-02-03T09:00:00Z cli 0 mail retry 1 && ok "mail retry 1"
state; check "retried: pending again" test "$STATE" = "pending 0"
# mail test sends its own message only, not the backlog due now.
PODIUM_NOW=2021-02-03T09:00:00Z cli 0 mail test --config "$CFG" \
	test@example.org && ok "mail test: 0 when sent"
check "mail test printed 'sent'" grep -q '^sent' "$OUT"
check "the server got only the test message" test "$(smtpd_messages)" -eq 1
check "it is X-Podium-Kind: test" \
	grep -q '^X-Podium-Kind: test' "$SMTPD_DIR/msg-0001.eml"
PODIUM_NOW=2021-02-03T09:00:00Z cli 0 mail test --config "$CFG" \
	test@example.org && ok "mail test twice at the same moment"
check "... is a second message" test "$(smtpd_messages)" -eq 2
once 2021-02-03T09:00:00Z 0
check "the retried message went out" test "$(smtpd_messages)" -eq 3
cli 65 mail test --config "$CFG" 'not an address' &&
	ok "mail test of a bad address: 65"
cli 65 mail test --config "$tmp/missing.ini" x@example.org &&
	ok "mail test with a missing config: 65"
smtpd_stop

# ---- server down: transient, then delivered; > 48 h: dead ----------
fresh tdown "smtp://127.0.0.1:$FREE_PORT"
once 2021-02-01T08:00:00Z 75
state; check "server down: pending" test "$STATE" = "pending 1"
check "last error names the connection ($ERRTEXT)" \
	grep -qiE 'connect|refused' <<<"$ERRTEXT"
PODIUM_NOW=2021-02-01T08:00:00Z cli 69 mail test --config "$CFG" \
	down@example.org && ok "mail test with the server down: 69"
smtpd_start --port "$FREE_PORT"
check "server back on the same port" test "$SMTPD_PORT" = "$FREE_PORT"
once 2021-02-01T09:00:00Z 0
check "delivered once the server is back" test "$(smtpd_messages)" -ge 1
"$BIN/podium" --json mail list >"$OUT"
check "both messages sent in the end" "$PY" -c 'import json,sys
d=json.load(open(sys.argv[1]))
sys.exit(0 if [m["state"] for m in d] == ["sent", "sent"] else 1)' "$OUT"
smtpd_stop

fresh tdead "smtp://127.0.0.1:$FREE_PORT"
once 2021-02-01T08:00:00Z 75
once 2021-02-02T08:00:00Z 75
once 2021-02-03T09:00:00Z 0
state; check "transient for more than 48 h: dead" test "$STATE" = "dead 3"
cli 0 mail list --state dead
check "mail list --state dead lists it" grep -q invitation "$OUT"
PODIUM_NOW=2021-02-03T10:00:00Z cli 0 mail retry 1 && ok "mail retry of a dead message"
state; check "pending again" test "$STATE" = "pending 0"

# ---- STARTTLS required, but the server offers none ------------------
smtpd_start
fresh tnotls "$SMTPD_URL" "starttls = required"
rc=0
PODIUM_NOW=2021-02-01T08:00:00Z "$BIN/podiumd" --once --config "$CFG" \
	2>>"$LOG" || rc=$?
check "STARTTLS missing: podiumd --once exits 0 or 75 (got $rc)" \
	test "$rc" -eq 0 -o "$rc" -eq 75
state; st=$STATE
check "STARTTLS missing: not sent ($st)" test "${st%% *}" != sent
check "STARTTLS missing: a clear error ($ERRTEXT)" \
	grep -qiE 'tls' <<<"$ERRTEXT"
check "nothing stored in clear text" test "$(smtpd_messages)" -eq 0
smtpd_stop

# ---- STARTTLS required and offered, the test CA trusted ---------------
smtpd_start --require-tls
fresh ttls "$SMTPD_URL" "starttls = required" "ca_file = $SMTPD_CAFILE"
once 2021-02-01T08:00:00Z 0
state; check "STARTTLS: sent" test "$STATE" = "sent 1"
check "STARTTLS: the server saw TLS" "$PY" -c 'import json,sys
sys.exit(0 if json.load(open(sys.argv[1]))["tls"] else 1)' \
	"$SMTPD_DIR/msg-0001.json"
smtpd_stop

# ---- AUTH PLAIN with password_file ------------------------------------
smtpd_start --auth "podium:$PASSWORD"
printf '%s\n' "$PASSWORD" >"$tmp/password"
chmod 600 "$tmp/password"
fresh tauth "$SMTPD_URL" "username = podium" "password_file = $tmp/password"
once 2021-02-01T08:00:00Z 0
state; check "AUTH: sent" test "$STATE" = "sent 1"
check "AUTH: the server saw user podium" "$PY" -c 'import json,sys
sys.exit(0 if json.load(open(sys.argv[1]))["auth_user"] == "podium" else 1)' \
	"$SMTPD_DIR/msg-0001.json"
printf 'wrong-%s\n' "$PASSWORD" >"$tmp/password"
fresh tauthbad "$SMTPD_URL" "username = podium" "password_file = $tmp/password"
rc=0
PODIUM_NOW=2021-02-01T08:00:00Z "$BIN/podiumd" --once --config "$CFG" \
	2>>"$LOG" || rc=$?
state; st=$STATE
check "AUTH with a wrong password: not sent ($st, $ERRTEXT)" \
	test "${st%% *}" != sent
check "AUTH: nothing more stored" test "$(smtpd_messages)" -eq 1
"$BIN/podium" mail list >"$OUT" 2>&1
cat "$OUT" >>"$LOG"
check "the password is in no log and no mail list" \
	bash -c '! grep -qF -- "$1" "$2" "$3"' _ "$PASSWORD" "$LOG" "$OUT"
smtpd_stop

check "no sanitizer reports" sanitizer_clean "$LOG"
if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
echo "all checks passed"
