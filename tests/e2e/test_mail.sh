#!/usr/bin/env bash
# End-to-end test of podium's mail: the Gera programme imported, podiumd
# --once run with PODIUM_NOW stepped through it, every message received by
# tests/smtpd.py on loopback and read back by check_mail.py (Python's
# email package and icalendar, as a mail client would).
#
# Timeline (the 11.02. session starts 2021-02-11 09:00 Europe/Berlin):
#   01-25 08:00  speaker requests (Teich, Robotron; Cc Seidel), invitations
#   01-29 09:00  first nudge       02-02 09:00  second nudge (and no third)
#   02-03 08:00  Teich confirms -> speaker-answer to Seidel
#   02-04 08:00  7-day reminders   02-06 09:00  Seidel told about Robotron
#   02-10 08:00  1-day reminders   then event move (update), cancel
# plus idempotence, header injection and the CLI around mail.
set -euo pipefail

BIN=${PODIUM_BIN_DIR:?PODIUM_BIN_DIR is not set}
SRC=${PODIUM_SRC_DIR:?PODIUM_SRC_DIR is not set}
PY=/usr/bin/python3
CHECK=$SRC/tests/e2e/check_mail.py
CAL=$SRC/calendars/smartcity-gera-2021.ics
E11=projektwochen-smarte-quartiere-2021-02-11@smartcity-gera.example.org
E16=projektwochen-nahverkehrsplanung-2021-02-16@smartcity-gera.example.org
FROM=smartcity@example.org

tmp=$(mktemp -d "${TMPDIR:-/tmp}/podium-mail.XXXXXX")
DAEMON_PID=
cleanup() {
	if [ -n "$DAEMON_PID" ]; then
		kill -TERM "$DAEMON_PID" 2>/dev/null || true
		wait "$DAEMON_PID" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"

# shellcheck source=../lib/smtpd.sh
. "$SRC/tests/lib/smtpd.sh"
SMTPD_DIR=$tmp/smtp smtpd_start
# smtpd_start replaced our trap with its own plus ours; keep both.
trap 'smtpd_stop; cleanup' EXIT

export PODIUM_DB=$tmp/podium.db
unset PODIUM_BASE_URL
LOG=$tmp/podiumd.log
ERR=$tmp/err
OUT=$tmp/out
: >"$LOG"

cat >"$tmp/podiumd.ini" <<EOF
[store]
path = $PODIUM_DB
[http]
api_token_file = $tmp/var/api-token
[mail]
smtp_url = $SMTPD_URL
starttls = no
from = SMARTCity Gera <$FROM>
spool_dir = $tmp/spool
[reminders]
offsets = 7d, 1d
nudge = 4d
[secrets]
key_file = $tmp/var/secret.key
EOF

failures=0
ok() { printf 'ok   %s\n' "$1"; }
not_ok() {
	failures=$((failures + 1))
	printf 'not ok %s%s\n' "$1" "${2:+: $2}"
}
# check NAME COMMAND...: ok when the command succeeds.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
sanitizer_clean() {
	! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' "$@"
}

# cli WANT ARGS...: podium with the exit status WANT expected.
cli() {
	local want=$1 rc=0
	shift
	"$BIN/podium" "$@" >"$OUT" 2>"$ERR" || rc=$?
	if ! sanitizer_clean "$ERR"; then
		not_ok "podium $*" "sanitizer report: $(head -c 400 "$ERR")"
		return 1
	fi
	if [ "$rc" -ne "$want" ]; then
		not_ok "podium $* exits $want" "got $rc: $(head -c 300 "$ERR")"
		return 1
	fi
	return 0
}

# once NOW: one podiumd pass at NOW, which must exit 0.
once() {
	local rc=0
	PODIUM_NOW=$1 "$BIN/podiumd" --once --config "$tmp/podiumd.ini" \
		2>>"$LOG" || rc=$?
	if [ "$rc" -ne 0 ]; then
		not_ok "podiumd --once at $1 exits 0" "got $rc"
		tail -n 5 "$LOG" | sed 's/^/     log: /'
	fi
}

msgs() { smtpd_messages; }
expect() { "$PY" "$CHECK" "$SMTPD_DIR" expect "$@"; }

# ---- the programme --------------------------------------------------
export PODIUM_NOW=2021-01-25T07:00:00Z
cli 0 init && ok "init the database"
cli 0 import "$CAL" && ok "import the Gera programme"
# Andreas Götz is absent from the 11.02. session, Gerd Hauschild sends
# Frau Kache: neither gets an invitation or a reminder.
cli 0 attend "$E11" "Andreas Götz" --status declined && ok "Götz declines 11.02."
cli 0 attend "$E11" "Gerd Hauschild" --delegate "Frau Kache" &&
	ok "Hauschild delegates 11.02."

# Who is invited to (and reminded of) the 11.02. session.
INVITED=michael.tietz@example.org,carlos.walther@example.org
INVITED=$INVITED,jonas.seidel@example.org,alexander.leonhardt@example.org
INVITED=$INVITED,ralf.roscher@example.org,uwe.merten@example.org
INVITED=$INVITED,claudius.oleszak@example.org,ines.gebhardt@example.org
INVITED=$INVITED,martina.schramm@example.org,sascha.neudert@example.org
INVITED=$INVITED,ulrich.fischer@example.org,dietmar.luebcke@example.org
INVITED=$INVITED,andreas.glowienka@example.org
TEICH=prof.teich@example.org
ROBOTRON=smartcampus.robotron@example.org
SEIDEL=jonas.seidel@example.org
ABOUT11="Smarte Quartiere"

# 01-25: requests and invitations.
a=$(($(msgs) + 1))
once 2021-01-25T08:00:00Z
b=$(msgs)
check "01-25: something was sent" test "$b" -ge "$a"
expect "$a" "$b" speaker-request --to "$TEICH,$ROBOTRON" --cc "$SEIDEL" \
	--links --subject-has "“ – SMARTCity Projektwochen: Smarte Quartiere am 11.02.2021" ||
	failures=$((failures + 1))
expect "$a" "$b" speaker-request --addressed "$ROBOTRON" \
	--subject-has "Anfrage: Vortrag „Smart Campus“" || failures=$((failures + 1))
expect "$a" "$b" speaker-request --name-has "Prof. Teich" ||
	failures=$((failures + 1))
expect "$a" "$b" invitation --about "$ABOUT11" --to "$INVITED" \
	--method REQUEST --sequence 0 --uid "$E11" ||
	failures=$((failures + 1))
expect "$a" "$b" invitation --about "$ABOUT11" --name-has "Dietmar Lübcke" ||
	failures=$((failures + 1))

# The link of "talk link" is the one the request carried (the token is
# derived, not random: same talk, speaker, expiry and key).
cli 0 --json event show "$E11"
ROBO_TALK=$("$PY" -c 'import json,sys
d=json.load(open(sys.argv[1]))
print([t["id"] for t in d["talks"] if t["title"] == "Smart Campus"][0])' "$OUT")
TEICH_TALK=$("$PY" -c 'import json,sys
d=json.load(open(sys.argv[1]))
print([t["id"] for t in d["talks"] if t["title"].startswith("Smarte Quartiere")][0])' "$OUT")
cli 0 talk link "$ROBO_TALK"
link=$(cat "$OUT")
check "talk link prints BASE/respond/TOKEN" \
	grep -qE '^http://127\.0\.0\.1:8080/respond/[A-Za-z0-9_-]{60}$' "$OUT"
robo_mail=$(grep -l "^X-Podium-Kind: speaker-request" "$SMTPD_DIR"/msg-*.eml |
	xargs grep -l "smartcampus.robotron" | head -n 1 || true)
check "talk link equals the link in Robotron's request" \
	"$PY" -c 'import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"),
    policy=email.policy.default)
t = m.get_body(("plain",)).get_content()
sys.exit(0 if sys.argv[2] + "?answer=accept" in t else 1)' "$robo_mail" "$link"
PODIUM_BASE_URL=https://podium.example.org/ cli 0 talk link "$ROBO_TALK" &&
	check "talk link follows PODIUM_BASE_URL" \
	grep -qE '^https://podium\.example\.org/respond/[A-Za-z0-9_-]{60}$' "$OUT"
cli 65 talk link 9999 && ok "talk link of a missing talk: 65"
cli 64 talk link && ok "talk link without TALK: 64"
cli 0 talk link --help && ok "talk link --help"

# Idempotence: the same moment again, and podiumd "restarted", sends nothing.
n=$(msgs)
once 2021-01-25T08:00:00Z
once 2021-01-25T08:00:00Z
check "a second and third pass at 01-25 send nothing" test "$(msgs)" -eq "$n"

# 01-29: first nudge; 02-02: second; later no third.
a=$(($(msgs) + 1)); once 2021-01-29T09:00:00Z; b=$(msgs)
expect "$a" "$b" nudge --to "$TEICH,$ROBOTRON" --cc "$SEIDEL" --links ||
	failures=$((failures + 1))
a=$(($(msgs) + 1)); once 2021-02-02T09:00:00Z; b=$(msgs)
expect "$a" "$b" nudge --to "$TEICH,$ROBOTRON" --cc "$SEIDEL" ||
	failures=$((failures + 1))
n=$(msgs)
once 2021-02-02T12:00:00Z
check "no third nudge" test "$(msgs)" -eq "$n"

# 02-03: Teich answers; the nudges stop, Seidel hears of it.
PODIUM_NOW=2021-02-03T08:00:00Z cli 0 talk confirm "$TEICH_TALK" &&
	ok "Teich confirms"
a=$(($(msgs) + 1)); once 2021-02-03T08:00:00Z; b=$(msgs)
expect "$a" "$b" speaker-answer --to "$SEIDEL" --subject-has "Prof. Teich" ||
	failures=$((failures + 1))
# A confirmed speaker is invited like an attendee.
expect "$a" "$b" invitation --to "$TEICH" --method REQUEST ||
	failures=$((failures + 1))

# 02-04 08:00 is exactly 7 days before: the 7-day reminders.
a=$(($(msgs) + 1)); once 2021-02-04T08:00:00Z; b=$(msgs)
expect "$a" "$b" reminder --about "$ABOUT11" --to "$INVITED,$TEICH" ||
	failures=$((failures + 1))
expect "$a" "$b" reminder --about "$ABOUT11" --name-has "Andreas Glowienka" ||
	failures=$((failures + 1))
expect "$a" "$b" nudge --none || failures=$((failures + 1))

# 02-06: 12 days after the request, Seidel is told Robotron did not
# answer (kind "nudge", to the intermediary); Teich is not chased.
a=$(($(msgs) + 1)); once 2021-02-06T09:00:00Z; b=$(msgs)
expect "$a" "$b" nudge --to "$SEIDEL" --subject-has "Robotron" ||
	failures=$((failures + 1))
n=$(msgs)
once 2021-02-08T09:00:00Z
check "nothing more for Robotron after telling Seidel" test "$(msgs)" -eq "$n"

# 02-10 08:00: the 1-day reminders, to the same people.
a=$(($(msgs) + 1)); once 2021-02-10T08:00:00Z; b=$(msgs)
expect "$a" "$b" reminder --about "$ABOUT11" --to "$INVITED,$TEICH" ||
	failures=$((failures + 1))
expect "$a" "$b" reminder --about "$ABOUT11" --subject-has "morgen" ||
	failures=$((failures + 1))
n=$(msgs)
once 2021-02-10T08:00:00Z
check "a second pass at 02-10 sends nothing" test "$(msgs)" -eq "$n"

# Move: SEQUENCE 1, an update to everyone invited.
export PODIUM_NOW=2021-02-10T09:00:00Z
cli 0 event move "$E11" --start "2021-02-11 10:00" && ok "event move"
a=$(($(msgs) + 1)); once 2021-02-10T09:00:00Z; b=$(msgs)
expect "$a" "$b" update --to "$INVITED,$TEICH" --method REQUEST \
	--sequence 1 --uid "$E11" || failures=$((failures + 1))
# The new start is a new occurrence: its 1-day reminder is due right now
# (10:00 tomorrow), to the same people and nobody else.
expect "$a" "$b" reminder --about "$ABOUT11" --to "$INVITED,$TEICH" ||
	failures=$((failures + 1))

# Cancel: METHOD:CANCEL to the same people.
export PODIUM_NOW=2021-02-10T10:00:00Z
cli 0 event cancel "$E11" && ok "event cancel"
a=$(($(msgs) + 1)); once 2021-02-10T10:00:00Z; b=$(msgs)
expect "$a" "$b" cancellation --to "$INVITED,$TEICH" --method CANCEL \
	--sequence 2 --uid "$E11" || failures=$((failures + 1))
expect "$a" "$b" reminder --about "$ABOUT11" --none ||
	failures=$((failures + 1))

# Nobody declined, delegated or still requested ever got a reminder.
expect 1 "$b" reminder --about "$ABOUT11" --count $((3 * 14)) ||
	failures=$((failures + 1))
for who in andreas.goetz gerd.hauschild smartcampus.robotron; do
	expect 1 "$b" invitation,update,reminder --about "$ABOUT11" \
		--addressed "$who@example.org" --none || failures=$((failures + 1))
done

# ---- header injection ---------------------------------------------
export PODIUM_NOW=2021-02-10T11:00:00Z
cli 65 talk add "$E16" --title $'Evil\r\nBcc: evil@example.org' \
	--speaker "Ralf Roscher" && ok "a title with CR/LF is refused (65)"
cli 65 person add --name $'Eve\r\nBcc: evil@example.org' \
	--email eve@example.org && ok "a name with CR/LF is refused (65)"
cli 65 person add --name $'Eve\nBcc: evil@example.org' \
	--email eve@example.org && ok "a name with LF is refused (65)"
cli 65 person add --name "Eve" --email $'eve@example.org\r\nBcc: evil@example.org' &&
	ok "an address with CR/LF is refused (65)"
printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:inj1@t\r\nDTSTAMP:20210101T000000Z\r\nDTSTART:20210301T090000Z\r\nDTEND:20210301T100000Z\r\nSUMMARY:Fine\r\nATTENDEE;CN="Eve^nBcc: evil@example.org";PARTSTAT=ACCEPTED:mailto:eve@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' >"$tmp/inj-name.ics"
cli 65 import "$tmp/inj-name.ics" && ok "an imported name with a newline is refused (65)"
printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:inj2@t\r\nDTSTAMP:20210101T000000Z\r\nDTSTART:20210301T090000Z\r\nDTEND:20210301T100000Z\r\nSUMMARY:Evil\\nBcc: evil@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' >"$tmp/inj-title.ics"
cli 65 import "$tmp/inj-title.ics" && ok "an imported title with a newline is refused (65)"
cli 65 event show inj1@t && ok "nothing of the refused import was stored"

# "Bcc:" inside a name and a title, without CR/LF, is just text.
cli 0 person add --name "Eve Bcc: evil@example.org" --email eve@example.org &&
	ok "a name containing 'Bcc:' is accepted"
cli 0 attend "$E16" eve@example.org --status accepted && ok "Eve attends 16.02."
cli 0 talk add "$E16" --title "Talk Bcc: evil@example.org" \
	--speaker eve@example.org && ok "a title containing 'Bcc:' is accepted"
a=$(($(msgs) + 1)); once 2021-02-10T11:00:00Z; b=$(msgs)
expect "$a" "$b" invitation --to eve@example.org \
	--name-has "Eve Bcc: evil@example.org" || failures=$((failures + 1))
expect "$a" "$b" speaker-request --to eve@example.org \
	--subject-has "Talk Bcc: evil@example.org" || failures=$((failures + 1))
check "evil@example.org is no envelope recipient of any message" \
	"$PY" -c 'import glob, json, sys
for f in glob.glob(sys.argv[1] + "/msg-*.json"):
    if any("evil" in r for r in json.load(open(f))["rcpt_tos"]):
        sys.exit(1)' "$SMTPD_DIR"

# ---- every message, as a client reads it ---------------------------
"$PY" "$CHECK" "$SMTPD_DIR" generic --from "$FROM" >"$tmp/generic.out" || true
if grep -q '^not ok' "$tmp/generic.out"; then
	grep '^not ok' "$tmp/generic.out" | head -n 20
	not_ok "every message passes the generic checks"
else
	ok "every message passes the generic checks ($(grep -c '^ok' "$tmp/generic.out") checks)"
fi
# The HTML alternative, parsed with html.parser: escaped, nothing remote,
# the answer buttons and feed links right (check_html.py).
if "$PY" "$SRC/tests/e2e/check_html.py" --base http://127.0.0.1:8080 \
	"$SMTPD_DIR"/msg-*.eml >"$tmp/html.out" 2>&1; then
	ok "every message has an HTML alternative with the right links ($(ls "$SMTPD_DIR"/msg-*.eml | wc -l) messages)"
else
	head -n 20 "$tmp/html.out"
	not_ok "every message has an HTML alternative with the right links"
fi

# ---- podium mail list ----------------------------------------------
cli 0 --json mail list
check "mail list --json: every message sent, as many as received" \
	"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d and all(m["state"] == "sent" for m in d) and
    len(d) == int(sys.argv[2]) and all("id" in m for m in d) else 1)' \
	"$OUT" "$(msgs)"
cli 0 mail list --state sent
check "mail list shows decoded subjects" grep -q "Erinnerung: SMARTCity Projektwochen: Smarte Quartiere" "$OUT"
cli 0 mail list --state failed
check "mail list --state failed: only the header" test "$(wc -l <"$OUT")" -eq 1
cli 65 mail list --state nonsense && ok "mail list --state nonsense: 65"
cli 65 mail retry 1 && ok "mail retry of a sent message: 65"
cli 65 mail retry 999999 && ok "mail retry of a missing message: 65"
cli 64 mail retry && ok "mail retry without ID: 64"
cli 64 mail test nobody@example.org && ok "mail test without --config: 64"
for c in "mail list" "mail retry" "mail test" "feed revoke" "talk link"; do
	# shellcheck disable=SC2086
	cli 0 $c --help && check "$c --help" grep -q "^usage: podium $c" "$OUT"
done

# ---- feed revoke, against the running daemon ------------------------
# Nothing is due at this moment any more, so the daemon's own mail pass
# sends nothing; it is here for its HTTP side.
export PODIUM_NOW=2021-02-10T11:00:00Z
n=$(msgs)
"$BIN/podiumd" --config "$tmp/podiumd.ini" --listen 127.0.0.1:0 \
	2>>"$LOG" &
DAEMON_PID=$!
port=
for _ in $(seq 100); do
	port=$(sed -n 's/.*listening on .*(port \([0-9]*\)).*/\1/p' "$LOG" | tail -n 1)
	[ -n "$port" ] && break
	sleep 0.1
done
if [ -z "$port" ]; then
	not_ok "podiumd listens" "no port in the log"
else
	PODIUM_BASE_URL=http://127.0.0.1:$port cli 0 feed url "Dietmar Lübcke"
	url=$(head -n 1 "$OUT")
	code=$(curl -s -o /dev/null -w '%{http_code}' "$url" || true)
	check "the personal feed answers 200 (got $code)" test "$code" = 200
	cli 0 feed revoke "Dietmar Lübcke" && ok "feed revoke"
	code=
	for _ in $(seq 30); do
		code=$(curl -s -o /dev/null -w '%{http_code}' "$url" || true)
		[ "$code" = 404 ] && break
		sleep 0.1
	done
	check "after feed revoke the old URL is 404 (got $code)" test "$code" = 404
	cli 65 feed revoke "Nobody Known" && ok "feed revoke of an unknown person: 65"
	kill -TERM "$DAEMON_PID"
	rc=0
	wait "$DAEMON_PID" || rc=$?
	DAEMON_PID=
	check "podiumd stops with 0 on SIGTERM" test "$rc" -eq 0
fi
check "the daemon sent nothing new" test "$(msgs)" -eq "$n"

check "podiumd's log is sanitizer-clean" sanitizer_clean "$LOG"

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
echo "all checks passed"
