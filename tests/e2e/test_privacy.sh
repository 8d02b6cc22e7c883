#!/usr/bin/env bash
# End-to-end test of privacy by design (issue 11): a person with a unique
# address and an umlaut name gets invitations, a reminder and a 550 whose
# text echoes the address (tests/smtpd.py --reject-rcpt-after), has a
# personal feed, speaks in one session and is in a backup; then
# `podium person forget`.  Afterwards neither the address nor the name is
# anywhere: the database file, its -wal, the log, spool_dir, export_dir,
# every feed, every stored message decoded (check_privacy.py: raw bytes,
# quoted-printable, base64, RFC 2047, iCalendar folding).  The talk shows
# the placeholder; planning again sends nothing; a restore of the backup
# erases them again; an old export imported again (CLI and API) does not
# bring her back and the placeholders are no one (not listed, not found
# by name, given no address); another person's export holds their
# messages and nothing of anyone else; retention 31 days later leaves no
# text and resends nothing.
set -euo pipefail

# shellcheck source=../lib/daemon.sh
. "$PODIUM_SRC_DIR/tests/lib/daemon.sh"
# shellcheck source=../lib/smtpd.sh
. "$PODIUM_SRC_DIR/tests/lib/smtpd.sh"
daemon_init
D=$DAEMON_DIR
CHECK="$PY $PODIUM_SRC_DIR/tests/e2e/check_privacy.py"

NAME="Dörte Müller-Lüdenscheidt"
ADDR=doerte.q7xk2@example.org
OTHER="Bernd Brösel"
OADDR=bernd.broesel@example.org
THIRD="Carla Cöster"
TADDR=carla.coester@example.org
PLACEHOLDER="gelöschte Person"
# E2 (she and Bernd attend) is on 16.02., E1 (she speaks) on 18.02.
T0=2021-02-01T08:00:00Z	# invitations
T1=2021-02-09T08:00:00Z	# 7-day reminder of E2 (the one she gets)
T2=2021-02-11T08:00:00Z	# 7-day reminder of E1: 550, echoing her address
T3=2021-02-15T08:00:00Z	# 1-day reminder of E2, into the spool
T5=2021-02-17T08:00:00Z	# 1-day reminder of E1, into the spool
T4=2021-03-20T08:00:00Z	# 31 days later: retention

# She may receive three messages, then the server refuses her for good.
SMTPD_DIR=$D/smtp smtpd_start --reject-rcpt "$ADDR" --reject-rcpt-after 3

write_ini() {
	cat >"$1" <<-EOF
		[store]
		path = $PODIUM_DB
		[http]
		api_token_file = $D/api.token
		[mail]
		$2
		starttls = no
		spool_dir = $D/spool
		[reminders]
		offsets = 7d, 1d
		[feeds]
		export_dir = $D/export
	EOF
}
write_ini "$D/smtp.ini" "smtp_url = $SMTPD_URL"
write_ini "$D/spool.ini" ""
DAEMON_EXTRA_INI="[mail]
smtp_url = $SMTPD_URL
starttls = no
[feeds]
export_dir = $D/export"

# once NOW INI: one scheduler pass, logging where the daemon logs.
once() {
	PODIUM_NOW=$1 "$PODIUMD" --config "$2" --once --log "$DAEMON_LOG" \
		2>>"$DAEMON_STDERR" || true
}
spool_count() { find "$D/spool" -name '*.eml' 2>/dev/null | wc -l; }
outbox_count() { "$PODIUM" --json mail list | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

export PODIUM_NOW=$T0
P() { "$PODIUM" "$@"; }
id_of() { "$PY" -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
M=$(P --json person add --name "$NAME" --email "$ADDR" --org TST --org-name "Test GmbH" | id_of)
B=$(P --json person add --name "$OTHER" --email "$OADDR" | id_of)
C=$(P --json person add --name "$THIRD" --email "$TADDR" | id_of)
E1=$(P --json event add --title "Smarte Quartiere (Test)" \
	--start "2021-02-18 09:00" --duration 2h --group "Fachgruppe Test" \
	--topic "Smarte Quartiere" --status confirmed | id_of)
E2=$(P --json event add --title "Nahverkehr (Test)" \
	--start "2021-02-16 09:00" --duration 2h --topic "Mobilität" \
	--status confirmed | id_of)
P attend "$E1" "$M" --status accepted >/dev/null
P attend "$E1" "$C" --status accepted >/dev/null
TALK=$(P --json talk add "$E1" --title "Quartiersdaten" --speaker "$M" \
	--status confirmed | id_of)
P attend "$E2" "$M" --status accepted >/dev/null
P attend "$E2" "$B" --status accepted >/dev/null
P attend "$E2" "$C" --delegate "Frau Müller-Lüdenscheidt" >/dev/null
# The paths; the daemon's base URL is known once it listens.
MFEED=$(P feed url "$M" | head -n 1 | sed 's,^http://[^/]*,,')
MLINK=$(P talk link "$TALK" | sed 's,^http://[^/]*,,')
BFEED=$(P feed url "$B" | head -n 1 | sed 's,^http://[^/]*,,')

once "$T0" "$D/smtp.ini"
check "invitations went out (her two, one each to the others)" \
	eq "$(smtpd_messages)" 4
once "$T1" "$D/smtp.ini"
check "the 7-day reminder of E2 went out to her and Bernd" \
	eq "$(smtpd_messages)" 6
once "$T2" "$D/smtp.ini"
check "the 7-day reminder of E1 reached Carla only" eq "$(smtpd_messages)" 7
P --json mail list --state failed | "$PY" -c '
import json, sys
print("\n".join(m["last_error"] for m in json.load(sys.stdin)))' >"$D/failed.txt"
check "her reminder failed with the server's 550" contains "$D/failed.txt" "550"
check "the stored SMTP error names no address" \
	lacks "$D/failed.txt" "$ADDR"
PODIUM_NOW=$T2 P mail test --config "$D/smtp.ini" "$ADDR" \
	>"$D/mailtest.out" 2>"$D/mailtest.err" && rc=0 || rc=$?
check "mail test to her is refused for good (65)" eq "$rc" 65
check "the CLI's messages name no address" \
	$CHECK --needle "$ADDR" "$D/mailtest.out" "$D/mailtest.err"
once "$T3" "$D/spool.ini"
once "$T5" "$D/spool.ini"
check "the 1-day reminders of E1 and E2 are .eml files in spool_dir" \
	eq "$(spool_count)" 4
check "the reminder to her is in the spool" \
	sh -c "grep -l '$ADDR' '$D'/spool/*.eml >/dev/null"
P backup "$D/before.db" >/dev/null
# An organizer's old export: her uuid, address and name, her talk.
P export -o "$D/old.ics"
check "control: the old export names her" contains "$D/old.ics" "$ADDR"
# The checker must see her where she is, or its silence means nothing.
check "control: the checker finds her in the backup and the spool" \
	sh -c "! $CHECK --needle '$ADDR' --needle '$NAME' --db '$D/before.db' \
	'$D/before.db' '$D/spool' >/dev/null 2>&1"
check "control: ... and decoded in a message, where plain grep fails" \
	sh -c "! grep -rq '$NAME' '$D/spool' && ! $CHECK --needle '$NAME' \
	'$D/spool' >/dev/null 2>&1"

export PODIUM_NOW=$T5
daemon_start
fetch mfeed "$DAEMON_URL$MFEED"
check "her personal feed works before" eq "$HTTP_CODE" 200
fetch mlink "$DAEMON_URL$MLINK"
check "her answer link works before" eq "$HTTP_CODE" 200
check "her personal feed has her address" contains "$D/mfeed.body" "$ADDR"
fetch all "$DAEMON_URL/calendars/all.ics"
check "all.ics names her as speaker before" contains "$D/all.body" "Quartiersdaten"
check "export_dir holds all.ics" test -s "$D/export/all.ics"
SENT_BEFORE=$(smtpd_messages)
SPOOL_BEFORE=$(spool_count)
OUTBOX_BEFORE=$(outbox_count)

# ---- the dry run changes nothing ----
P --config "$D/smtp.ini" person forget --dry-run "$ADDR" >"$D/dry.out"
check "dry run says what it would do" contains "$D/dry.out" "dry run"
check "dry run: 2 attendances" contains "$D/dry.out" "2 attendance(s)"
P person list >"$D/people.txt"
check "after the dry run she is still there" contains "$D/people.txt" "$ADDR"

# ---- forget ----
P --config "$D/smtp.ini" person forget "$ADDR" >"$D/forget.out" 2>&1
check "forget names her by id" contains "$D/forget.out" "forgot person $M"
check "forget lists the delegate text that names her" \
	contains "$D/forget.out" "(delegate) of event $E2"
check "forget deleted the spool files to or about her" \
	contains "$D/forget.out" "3 spool file(s) deleted"
check "the forget output has neither address nor name" \
	$CHECK --needle "$ADDR" --needle "$NAME" "$D/forget.out" "$D/dry.out"
check "one .eml is left (Bernd's)" eq "$(spool_count)" 1

no_name_in_all() {
	fetch all "$DAEMON_URL/calendars/all.ics"
	[ "$HTTP_CODE" = 200 ] && ! grep -q "Quartiersdaten.*$NAME" "$D/all.body" &&
		grep -q "$PLACEHOLDER" "$D/all.body"
}
check "podiumd renders all.ics again, with the placeholder" \
	wait_for 10 no_name_in_all
fetch mfeed "$DAEMON_URL$MFEED"
check "her personal feed is gone (404)" eq "$HTTP_CODE" 404
fetch mlink "$DAEMON_URL$MLINK"
check "her old answer link opens nothing (404)" eq "$HTTP_CODE" 404
fetch mlinkpost -X POST -d answer=decline "$DAEMON_URL$MLINK"
check "... and answers nothing (404)" eq "$HTTP_CODE" 404
fetch bfeed "$DAEMON_URL$BFEED"
check "Bernd's personal feed still works" eq "$HTTP_CODE" 200
fetch group "$DAEMON_URL/calendars/group/fachgruppe-test.ics"
fetch topic1 "$DAEMON_URL/calendars/topic/smarte-quartiere.ics"
fetch topic2 "$DAEMON_URL/calendars/topic/mobilitaet.ics"
check "the group and topic feeds answer" eq "$HTTP_CODE" 200

# The API: Bernd's export, a dry-run forget of him (nothing changes).
api bexport GET "/api/people/$B/export"
check "GET /api/people/{id}/export answers 200" eq "$HTTP_CODE" 200
check "... with his address" eq "$(json bexport 'd["person"]["email"]')" "$OADDR"
api bforget DELETE "/api/people/$B?forget=1&dry_run=1"
check "DELETE ?forget=1&dry_run=1 answers 200" eq "$HTTP_CODE" 200
check "... a dry run of person $B" eq "$(json bforget '[d["person"], d["dry_run"]]')" "[$B, true]"
api mshow GET "/api/people/$OADDR"
check "... and he is still there" eq "$HTTP_CODE" 200
api xadd POST /api/people '{"name": "Xaver Ämterhäufer", "email": "xaver.a9@example.org"}'
X=$(json xadd 'd["id"]')
api xforget DELETE "/api/people/$X?forget=1"
check "DELETE ?forget=1 forgets (200, not a dry run)" \
	eq "$HTTP_CODE $(json xforget 'd["dry_run"]')" "200 false"
api xshow GET "/api/people/$X"
check "... and leaves the placeholder" \
	eq "$(json xshow 'd["name"] + " / " + str(d["email"])')" "$PLACEHOLDER / None"
api xagain DELETE "/api/people/$X?forget=1"
check "... a second forget is refused (400)" eq "$HTTP_CODE" 400

# The old export imported again, over the API: she does not come back.
fetch oldimp -X POST -H "Authorization: Bearer $DAEMON_TOKEN" \
	-H 'Content-Type: text/calendar; charset=utf-8' \
	--data-binary "@$D/old.ics" "$DAEMON_URL/api/import"
check "POST /api/import of the old export: 200" eq "$HTTP_CODE" 200
check "... says it suppressed one forgotten person, created no one" \
	eq "$(json oldimp '[d["people_suppressed"], d["people_created"]]')" "[1, 0]"
api people GET /api/people
check "GET /api/people lists no placeholder" lacks "$D/people.body" "$PLACEHOLDER"
api peopleall GET "/api/people?erased=1"
check "... ?erased=1 does" contains "$D/peopleall.body" "$PLACEHOLDER"
api xrename PATCH "/api/people/$X" '{"name": "Xaver Ämterhäufer"}'
check "PATCH a placeholder with a name: 400 naming the placeholder" \
	eq "$HTTP_CODE $(json xrename '"placeholder" in d["error"]')" "400 true"

check "no trace in db, -wal, log, spool, export, feeds, messages (podiumd running)" \
	$CHECK --needle "$ADDR" --needle "$NAME" --needle "Dörte" \
	--db "$PODIUM_DB" "$PODIUM_DB" "$PODIUM_DB-wal" "$DAEMON_LOG" \
	"$DAEMON_STDERR" "$D/spool" "$D/export" "$D/all.body" "$D/bfeed.body" \
	"$D/group.body" "$D/topic1.body" "$D/topic2.body" "$D/bexport.body"
daemon_stop

P --json event show "$E1" >"$D/e1.json"
check "the talk stays, its speaker the placeholder" eq "$("$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" / ".join("%s: %s" % (t["title"], t["speaker"]["name"]) for t in d["talks"]))
' "$D/e1.json")" "Quartiersdaten: $PLACEHOLDER"

# ---- the old export once more, by the CLI; the placeholders ----
P import "$D/old.ics" >"$D/import.out" 2>&1
check "podium import of the old export works" contains "$D/import.out" "imported"
check "... and says the forgotten stayed forgotten" \
	contains "$D/import.out" "1 forgotten person(s) the file names stayed forgotten"
P person list >"$D/people.txt"
check "person list: neither she nor a placeholder" \
	sh -c "! grep -q '$ADDR' '$D/people.txt' && ! grep -q '$PLACEHOLDER' '$D/people.txt'"
P person list --erased >"$D/people-erased.txt"
check "person list --erased: the two placeholders" \
	eq "$(grep -c "$PLACEHOLDER" "$D/people-erased.txt")" 2
P person edit "$M" --email "$ADDR" >"$D/edit.out" 2>&1 && rc=0 || rc=$?
check "person edit gives a placeholder no address again (65)" eq "$rc" 65
check "... and says why" contains "$D/edit.out" "placeholder"
P person export "$PLACEHOLDER" >"$D/show.out" 2>&1 && rc=0 || rc=$?
check "the placeholder's name finds no one" sh -c "[ $rc -ne 0 ] && grep -q 'no person with' '$D/show.out'"

# ---- planning again sends nothing new to anyone ----
once "$T5" "$D/smtp.ini"
once "$T5" "$D/spool.ini"
check "nothing new over SMTP" eq "$(smtpd_messages)" "$SENT_BEFORE"
check "nothing new in the spool" eq "$(spool_count)" $((SPOOL_BEFORE - 3))
check "the outbox keeps every row (bookkeeping), no new one" \
	eq "$(outbox_count)" "$OUTBOX_BEFORE"
check "no trace after the passes, daemon stopped" \
	$CHECK --needle "$ADDR" --needle "$NAME" --db "$PODIUM_DB" \
	"$PODIUM_DB" "$PODIUM_DB-wal" "$DAEMON_LOG" "$D/spool" "$D/export"

# ---- another person's export ----
P person export "$OADDR" >"$D/bernd.json"
check "Bernd's export: his messages, headers and text, nothing of others" \
	"$PY" - "$D/bernd.json" "$OADDR" "$ADDR" "$NAME" "$TADDR" "$THIRD" <<-'EOF'
	import json, sys
	path, mine, *others = sys.argv[1:]
	raw = open(path, encoding="utf-8").read()
	d = json.loads(raw)
	assert d["person"]["email"] == mine, d["person"]
	msgs = d["messages"]
	assert len(msgs) >= 2, "only %d messages" % len(msgs)
	for m in msgs:
	    assert m["recipients"] == mine, m["recipients"]
	    assert mine in m["headers"]["to"], m["headers"]
	    assert m["text"] and "Bernd" in m["text"], m.get("text")
	kinds = sorted(m["kind"] for m in msgs)
	assert kinds == ["invitation", "reminder", "reminder"], kinds
	assert [a["event"] for a in d["attendances"]] == ["Nahverkehr (Test)"]
	for o in others:
	    assert o not in raw, "found %r" % o
	EOF

# ---- restore the backup taken before: she is erased again ----
P restore "$D/before.db" >"$D/restore.out"
check "restore says it erased one person again" \
	contains "$D/restore.out" "1 erasure(s) applied again"
P person list >"$D/people.txt"
check "after the restore she is not back" lacks "$D/people.txt" "$ADDR"
check "no trace in the restored database" \
	$CHECK --needle "$ADDR" --needle "$NAME" --db "$PODIUM_DB" \
	"$PODIUM_DB" "$PODIUM_DB-wal"
once "$T5" "$D/smtp.ini"
once "$T5" "$D/spool.ini"
check "nothing resent after the restore" eq "$(smtpd_messages)" "$SENT_BEFORE"

# ---- retention, 31 days later ----
check "Bernd's .eml is still there before" eq "$(spool_count)" 1
once "$T4" "$D/spool.ini"
once "$T4" "$D/smtp.ini"
check "retention: no message text is left" eq "$("$PY" -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("SELECT count(*) FROM outbox WHERE length(message) > 0 OR rcpt <> \"\"").fetchone()[0])
' "$PODIUM_DB")" 0
check "retention: the spool is empty" eq "$(spool_count)" 0
check "retention: nothing resent" eq "$(smtpd_messages)" "$SENT_BEFORE"
check "retention: every row kept" eq "$(outbox_count)" "$OUTBOX_BEFORE"
FIRST=$("$PODIUM" --json mail list | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[-1]["id"])')
PODIUM_NOW=$T4 P mail retry "$FIRST" >/dev/null 2>&1 && rc=0 || rc=$?
check "a purged message cannot be retried" eq "$rc" 65

check "the log has no address of anyone and no feed token" \
	$CHECK --needle "$ADDR" --needle "$OADDR" --needle "$TADDR" \
	--needle="${MFEED##*/}" "$DAEMON_LOG"
daemon_finish
