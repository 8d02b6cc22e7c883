#!/usr/bin/env bash
# End-to-end tests of the podium command-line tool: the real binary on a
# fresh database in a temporary folder, checking exit statuses (0, 64, 65,
# 69) and what is printed.  Run by ctest with PODIUM_BIN_DIR (the folder of
# the built podium) and PODIUM_SRC_DIR (the repository).
set -u

BIN=${PODIUM_BIN_DIR:?PODIUM_BIN_DIR is not set}/podium
SRC=${PODIUM_SRC_DIR:?PODIUM_SRC_DIR is not set}
CAL=$SRC/calendars/smartcity-gera-2021.ics
GROUP=fachgruppe-unternehmen-der-kommunalen-infrastruktur

tmp=$(mktemp -d "${TMPDIR:-/tmp}/podium-cli.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

export PODIUM_DB=$tmp/podium.db
export PODIUM_NOW=2021-01-20T08:00:00Z
unset PODIUM_BASE_URL
OUT=$tmp/out
ERR=$tmp/err

checks=0
failures=0

ok() {
	checks=$((checks + 1))
	printf 'ok   %s\n' "$1"
}

not_ok() {
	checks=$((checks + 1))
	failures=$((failures + 1))
	printf 'FAIL %s: %s\n' "$1" "$2"
	if [ -s "$ERR" ]; then
		sed 's/^/     stderr: /' "$ERR" | head -n 10
	fi
}

# run ARGS...: runs podium, stdout to $OUT, stderr to $ERR, status in $rc.
run() {
	"$BIN" "$@" >"$OUT" 2>"$ERR"
	rc=$?
}

# expect NAME STATUS ARGS...: runs podium and checks the exit status and
# that the sanitizers had nothing to say.
expect() {
	local name=$1 want=$2
	shift 2
	run "$@"
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$ERR"; then
		not_ok "$name" "sanitizer report"
		return 1
	fi
	if [ "$rc" -ne "$want" ]; then
		not_ok "$name" "exit status $rc, expected $want"
		return 1
	fi
	ok "$name"
}

# has NAME FILE PATTERN: FILE contains the fixed string PATTERN.
has() {
	if grep -qF -- "$3" "$2"; then
		ok "$1"
	else
		not_ok "$1" "'$3' not found in $(basename "$2"): $(head -c 300 "$2")"
	fi
}

hasnt() {
	if grep -qF -- "$3" "$2"; then
		not_ok "$1" "'$3' found in $(basename "$2")"
	else
		ok "$1"
	fi
}

# py NAME CODE: runs python with the JSON of $OUT as `d`; CODE asserts.
py() {
	local name=$1 code=$2 msg
	if msg=$(/usr/bin/python3 -c "
import json, sys
d = json.load(open(sys.argv[1], encoding='utf-8'))
$code" "$OUT" 2>&1); then
		ok "$name"
	else
		not_ok "$name" "$(printf '%s' "$msg" | tail -n 1)"
	fi
}

# pyout CODE: prints what python prints for the JSON of $OUT.
pyout() {
	/usr/bin/python3 -c "
import json, sys
d = json.load(open(sys.argv[1], encoding='utf-8'))
$1" "$OUT"
}

same() {
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		not_ok "$1" "$(basename "$2") and $(basename "$3") differ"
	fi
}

if [ ! -x "$BIN" ]; then
	echo "FAIL podium binary not found at $BIN"
	exit 1
fi

# ---- usage, help, environment ---------------------------------------

expect "podium --help exits 0" 0 --help
has "podium --help lists event add" "$OUT" "podium event add"
expect "podium event --help exits 0" 0 event --help
has "podium event --help lists event move" "$OUT" "podium event move"
expect "podium event add --help exits 0" 0 event add --help
has "event add --help explains --duration" "$OUT" "--duration"
expect "feed url --help exits 0" 0 feed url --help
has "feed url --help says the old URL is revoked" "$OUT" "revokes"
expect "podium without a command exits 64" 64
expect "an unknown command exits 64" 64 frobnicate
has "an unknown command is named" "$ERR" "frobnicate"
expect "event without a verb exits 64" 64 event
expect "an unknown verb exits 64" 64 event explode
expect "an unknown option exits 64" 64 person list --bogus
has "wrong usage prints the usage" "$ERR" "usage: podium person list"
PODIUM_NOW=yesterday expect "an invalid PODIUM_NOW exits 64" 64 person list
has "an invalid PODIUM_NOW is named" "$ERR" "PODIUM_NOW"
expect "an unopenable database exits 69" 69 --db "$tmp/no/such/dir/x.db" init

# ---- init and import ------------------------------------------------

expect "init creates the database" 0 init
has "init prints the schema version" "$OUT" "schema version"
has "init prints the path" "$OUT" "$tmp/podium.db"
expect "init --json" 0 --json init
py "init --json has path and schema_version" \
    "assert d['schema_version'] >= 1 and d['path'].endswith('podium.db')"

if [ ! -f "$CAL" ]; then
	not_ok "bundled calendar exists" "$CAL is missing"
	echo "$failures of $checks checks failed"
	exit 1
fi
expect "import of the bundled calendar" 0 import "$CAL"
has "import prints the counts" "$OUT" "imported"
nevents=$(sed -n 's/^imported \([0-9]*\) events (\([0-9]*\) created, 0 updated)$/\1=\2/p' "$OUT")
case $nevents in
[1-9]*=*) [ "${nevents%=*}" = "${nevents#*=}" ] &&
	ok "first import creates every event ($nevents)" ||
	not_ok "first import creates every event" "$(cat "$OUT")" ;;
*) not_ok "first import creates every event" "$(cat "$OUT")" ;;
esac
nevents=${nevents%=*}

expect "export after import" 0 export
cp "$OUT" "$tmp/export1.ics"
expect "re-import of the same file" 0 import "$CAL"
has "re-import updates instead of creating" "$OUT" \
    "imported $nevents events (0 created, $nevents updated)"
expect "export after re-import" 0 export
same "re-import is idempotent (export unchanged)" "$tmp/export1.ics" "$OUT"
expect "event list --json after re-import" 0 --json event list
py "re-import adds no events" "assert len(d) == $nevents, len(d)"

# ---- event list / show ----------------------------------------------

expect "event list" 0 event list
has "event list shows the working group meeting" "$OUT" \
    "Fachgruppe Unternehmen der kommunalen Infrastruktur"
has "event list shows the project week" "$OUT" "Smarte Quartiere"
has "event list has a header" "$OUT" "TITLE"
expect "event list --from --to (one day)" 0 event list --from 2021-02-11 \
    --to 2021-02-11
has "the day's event is listed" "$OUT" "Smarte Quartiere"
hasnt "another day's event is not listed" "$OUT" "Nahverkehrsplanung"
expect "event list with an invalid date exits 65" 65 event list \
    --from 2021-02-30
has "the bad date names the field" "$ERR" "from"

UID11=projektwochen-smarte-quartiere-2021-02-11@smartcity-gera.example.org
expect "event show by UID" 0 event show "$UID11"
has "event show shows the talks" "$OUT" "Prof. Teich"
has "event show shows the status" "$OUT" "sequence"
has "event show shows the topics" "$OUT" "Smarte Quartiere"
expect "event show --json" 0 --json event show "$UID11"
py "event show --json has ids of talks" \
    "assert d['id'] > 0 and d['talks'] and all(t['id'] > 0 for t in d['talks'])"
teich=$(pyout "print([t['id'] for t in d['talks'] if 'Teich' in t['speaker']['name']][0])")
ev11=$(pyout "print(d['id'])")
py "Prof. Teich is requested via Jonas Seidel" \
    "t = [t for t in d['talks'] if 'Teich' in t['speaker']['name']][0]; assert t['status'] == 'requested' and 'Seidel' in t['via']['name'], t"
expect "event show of a missing event exits 65" 65 event show 999999
has "a missing event is named" "$ERR" "999999"

UID22=fg-kommunale-infrastruktur-2021-01-22@smartcity-gera.example.org
expect "event show of the meeting" 0 event show --json "$UID22"
py "attendances have ids, roles and the delegate" \
    "a = d['attendances']; assert a and all(x['id'] > 0 for x in a); assert any(x['status'] == 'delegated' and 'Kache' in (x['delegate'] or '') for x in a)"

# ---- talks ----------------------------------------------------------

expect "talk confirm of Prof. Teich's talk" 0 talk confirm "$teich"
has "talk confirm says so" "$OUT" "confirmed"
expect "event show after confirm" 0 --json event show "$ev11"
py "Prof. Teich's talk is confirmed" \
    "assert [t for t in d['talks'] if t['id'] == $teich][0]['status'] == 'confirmed'"
expect "talk confirm of a missing talk exits 65" 65 talk confirm 999999
expect "talk confirm of a non-number exits 65" 65 talk confirm abc
has "a bad talk id names the field" "$ERR" "talk"
expect "talk confirm without TALK exits 64" 64 talk confirm

# ---- export ---------------------------------------------------------

expect "export --group" 0 export --group "$GROUP"
has "group export is a calendar" "$OUT" "BEGIN:VCALENDAR"
has "group export has the meeting" "$OUT" "UID:$UID22"
has "group export carries the confirmed talk" "$OUT" "X-PODIUM-STATUS=confirmed"
expect "export of an unknown group exits 65" 65 export --group no-such-group
has "an unknown group is named" "$ERR" "group"
expect "export with two filters exits 64" 64 export --group a --topic b
expect "export --topic" 0 export --topic smarte-quartiere
has "topic export has the project week" "$OUT" "UID:$UID11"

expect "export --public" 0 export --public
cp "$OUT" "$tmp/public.ics"
# UIDs of the bundled calendar contain '@' (RFC 5545 suggests it), so the
# check looks at everything but the UID-valued fields.
if /usr/bin/python3 - "$tmp/public.ics" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding='utf-8', newline='').read().replace('\r\n ', '')
bad = []
for line in text.split('\r\n'):
    if re.match(r'(UID|RELATED-TO)[;:]', line):
        continue
    line = re.sub(r'(X-PODIUM-UID|X-PODIUM-TALK|X-PODIUM-ALTERNATIVE-TO)=("[^"]*"|[^;:]*)', '', line)
    if '@' in line or 'mailto:' in line.lower():
        bad.append(line)
if bad:
    print(bad[0])
    sys.exit(1)
EOF
then
	ok "public export has no e-mail address"
else
	not_ok "public export has no e-mail address" "an '@' outside UIDs"
fi
has "public export uses urn:uuid" "$tmp/public.ics" "urn:uuid:"
expect "full export" 0 export
has "the full export has e-mail addresses" "$OUT" "mailto:"
cp "$OUT" "$tmp/full.ics"
expect "export -o FILE" 0 export -o "$tmp/written.ics"
same "export -o writes what stdout gets" "$tmp/full.ics" "$tmp/written.ics"
if [ -e "$tmp/written.ics.tmp" ]; then
	not_ok "export -o leaves no temporary file" "written.ics.tmp exists"
else
	ok "export -o leaves no temporary file"
fi
expect "export -o into a missing folder fails" 73 export -o "$tmp/nodir/x.ics"
expect "export --person" 0 export --person "Prof. Teich"
has "a person's export has their talk" "$OUT" "UID:$UID11"
expect "export --person of nobody exits 65" 65 export --person "Nobody Here"
has "an unknown person is named" "$ERR" "person"

# ---- bad files change nothing ---------------------------------------

expect "export before bad imports" 0 export
cp "$OUT" "$tmp/before.ics"
for f in "$SRC"/tests/data/bad/*.ics; do
	b=$(basename "$f")
	expect "import of bad file $b exits 65" 65 import "$f"
	has "the error on $b names the file" "$ERR" "$b"
	expect "export after $b" 0 export
	same "bad file $b leaves the database unchanged" "$tmp/before.ics" "$OUT"
done
expect "a good and a bad file together exit 65" 65 import "$CAL" \
    "$SRC/tests/data/bad/invalid-date.ics"
expect "export after good+bad" 0 export
same "good+bad changes nothing" "$tmp/before.ics" "$OUT"

/usr/bin/python3 -c "
import sys
sys.stdout.write('X' * (5 * 1024 * 1024))" >"$tmp/oneline.ics"
expect "a 5 MB single-line file exits 65" 65 import "$tmp/oneline.ics"
truncate -s 33M "$tmp/huge.ics"
expect "33 MiB of NUL bytes exits 65" 65 import "$tmp/huge.ics"
has "the endless first line is named" "$ERR" "line 1: content line longer"
expect "a missing file exits 65" 65 import "$tmp/nothere.ics"
has "the missing file is named" "$ERR" "nothere.ics"
expect "import without a file exits 64" 64 import
expect "export after the big files" 0 export
same "big files change nothing" "$tmp/before.ics" "$OUT"

# ---- people ---------------------------------------------------------

expect "person add with umlauts" 0 person add --name "Jürgen Weiß" \
    --email juergen.weiss@example.org --org GWB --org-name "Gera Wohnbau" \
    --lang de
has "person add prints the id" "$OUT" "added person"
expect "person add --json" 0 --json person add --name "Änne Öztürk" \
    --lang en
py "person add --json has id and uuid" \
    "assert d['id'] > 0 and len(d['uuid']) == 36 and d['name'] == 'Änne Öztürk'"
expect "person add without --name exits 64" 64 person add --email x@example.org
expect "person add with a bad address exits 65" 65 person add --name X \
    --email not-an-address
has "a bad address names the field" "$ERR" "email"
expect "person add with a bad language exits 65" 65 person add --name X \
    --lang fr
has "a bad language names the field" "$ERR" "lang"
expect "person edit" 0 person edit "Jürgen Weiß" --org TGZ
has "person edit says so" "$OUT" "changed person"
expect "person edit of nobody exits 65" 65 person edit "Niemand" --org X
expect "person list" 0 person list
has "person list shows umlauts intact" "$OUT" "Jürgen Weiß"
has "person list shows the seed's people" "$OUT" "Dietmar Lübcke"
has "person edit changed the organization" "$OUT" "TGZ"
if /usr/bin/python3 - "$OUT" <<'EOF'
import sys
lines = open(sys.argv[1], encoding='utf-8').read().splitlines()
col = lines[0].index('EMAIL')
for line in lines[1:]:
    if 'juergen.weiss@example.org' in line:
        assert line.index('juergen.weiss@example.org') == col, line
    assert line[col - 2:col] == '  ', line
EOF
then
	ok "person list aligns columns by characters, not bytes"
else
	not_ok "person list aligns columns by characters, not bytes" \
	    "$(head -n 5 "$OUT")"
fi
expect "person list --json" 0 person list --json
py "person list --json keeps umlauts" \
    "assert any(p['name'] == 'Jürgen Weiß' and p['org'] == 'TGZ' for p in d)"

# ---- events ---------------------------------------------------------

expect "event add" 0 event add --title "Fachgruppe März" \
    --start "2021-03-05 9:00" --duration 1h30m --location "Rathaus Gera" \
    --group "$GROUP" --topic "Smarte Quartiere" --topic "Smarte Mobilität" \
    --description "Zweites Treffen" --status tentative
has "event add prints the id" "$OUT" "added event"
has "event add prints the uid" "$OUT" "uid "
newid=$(sed -n 's/^added event \([0-9]*\)$/\1/p' "$OUT")
expect "event show of the new event" 0 --json event show "$newid"
py "the new event has its times, group and topics" \
    "assert d['start'] == '2021-03-05 09:00' and d['end'] == '2021-03-05 10:30' and d['group'] == '$GROUP' and 'Smarte Mobilität' in d['topics'] and d['status'] == 'tentative', d"
expect "event add --json with --end HH:MM" 0 --json event add --title Kurz \
    --start "2021-03-06 10:00" --end 11:15
py "event add --json returns the event" \
    "assert d['id'] > 0 and d['uid'] and d['end'] == '2021-03-06 11:15', d"
expect "event add all-day" 0 --json event add --title Projektwoche \
    --all-day --start 2021-03-08 --end 2021-03-12
py "an all-day --end is the last day" \
    "assert d['all_day'] and d['start'] == '2021-03-08' and d['end'] == '2021-03-13', d"
expect "event add with 30 February exits 65" 65 event add --title X \
    --start "2021-02-30 09:00" --duration 1h
has "the bad start names the field" "$ERR" "start"
has "the bad start is quoted" "$ERR" "2021-02-30 09:00"
expect "event add with --end and --duration exits 64" 64 event add \
    --title X --start "2021-03-01 09:00" --end 10:00 --duration 1h
expect "event add without --end exits 64" 64 event add --title X \
    --start "2021-03-01 09:00"
expect "event add without --title exits 64" 64 event add \
    --start "2021-03-01 09:00" --duration 1h
expect "event add with an unknown zone exits 65" 65 event add --title X \
    --start "2021-03-01 09:00" --duration 1h --tz Mars/Olympus
has "the bad zone names the field" "$ERR" "tz"
expect "event add with a bad duration exits 65" 65 event add --title X \
    --start "2021-03-01 09:00" --duration soon
has "the bad duration names the field" "$ERR" "duration"
expect "event add with an end before the start exits 65" 65 event add \
    --title X --start "2021-03-01 09:00" --end "2021-03-01 08:00"
has "the end before the start names the field" "$ERR" "end"
expect "event add with status cancelled exits 65" 65 event add --title X \
    --start "2021-03-01 09:00" --duration 1h --status cancelled
expect "event add with a recurrence" 0 --json event add \
    --title "Strategie-Update" --all-day --start 2022-01-15 \
    --rrule "FREQ=YEARLY;UNTIL=20261231" --url https://example.org/strategie
py "the recurrence is kept" "assert d['rrule'].startswith('FREQ=YEARLY'), d"
expect "event add with a bad recurrence exits 65" 65 event add --title X \
    --all-day --start 2022-01-15 --rrule FREQ=SOMETIMES
has "the bad recurrence names the field" "$ERR" "rrule"

expect "event move" 0 event move "$newid" --start "2021-03-12 10:00"
has "event move prints the sequence" "$OUT" "sequence 1"
expect "event show after move" 0 --json event show "$newid"
py "event move keeps the length and bumps the sequence" \
    "assert d['start'] == '2021-03-12 10:00' and d['end'] == '2021-03-12 11:30' and d['sequence'] == 1, d"
expect "event move with a bad start exits 65" 65 event move "$newid" \
    --start "2021-13-01 10:00"
expect "event move without --start exits 64" 64 event move "$newid"
expect "event move of a missing event exits 65" 65 event move 999999 \
    --start "2021-03-12 10:00"

# ---- agenda and attendance ------------------------------------------

expect "agenda add" 0 agenda add "$newid" --label I --title Projektstatus \
    --from 9:00 --to 09:15
has "agenda add prints the id" "$OUT" "added agenda item"
expect "agenda add with a bad time exits 65" 65 agenda add "$newid" \
    --title X --from 25:00 --to 26:00
has "the bad agenda time names the field" "$ERR" "from"
expect "agenda add to a missing event exits 65" 65 agenda add 999999 \
    --title X --from 09:00 --to 10:00
expect "agenda add without --title exits 64" 64 agenda add "$newid" \
    --from 09:00 --to 10:00

expect "talk add" 0 --json talk add "$newid" --title "Smarte Quartiere" \
    --speaker "Jürgen Weiß" --via "Änne Öztürk"
py "talk add --json has id, speaker and via" \
    "assert d['id'] > 0 and d['status'] == 'requested' and d['speaker']['name'] == 'Jürgen Weiß' and d['via']['name'] == 'Änne Öztürk', d"
talk1=$(pyout "print(d['id'])")
expect "talk add as an alternative" 0 talk add "$newid" --title Campus \
    --speaker "Änne Öztürk" --status confirmed --alternative-to "$talk1"
expect "talk add with an unknown speaker exits 65" 65 talk add "$newid" \
    --title X --speaker "Niemand Sonst"
has "the unknown speaker names the field" "$ERR" "speaker"
expect "talk add with a bad status exits 65" 65 talk add "$newid" \
    --title X --speaker "Jürgen Weiß" --status maybe
expect "talk decline" 0 talk decline "$talk1"
has "talk decline says so" "$OUT" "declined"

expect "attend" 0 attend "$newid" "Jürgen Weiß" --role chair --status accepted
has "attend prints the attendance" "$OUT" "attendance"
expect "attend delegated" 0 attend "$newid" "Änne Öztürk" \
    --status delegated --delegate "Frau Kache"
expect "attend delegated without a delegate exits 65" 65 attend "$newid" \
    "Änne Öztürk" --status delegated
has "the missing delegate names the field" "$ERR" "delegate"
expect "attend with a bad role exits 65" 65 attend "$newid" "Jürgen Weiß" \
    --role boss
expect "attend of nobody exits 65" 65 attend "$newid" "Niemand Sonst"
expect "attend without PERSON exits 64" 64 attend "$newid"
expect "attend changes only what is given" 0 attend "$newid" "Jürgen Weiß" \
    --status tentative
expect "event show with all parts" 0 --json event show "$newid"
py "event show --json has agenda, talks and attendances with ids" \
    "assert len(d['agenda']) == 1 and d['agenda'][0]['id'] > 0 and d['agenda'][0]['from'] == '09:00'; assert len(d['talks']) == 2 and all(t['id'] > 0 for t in d['talks']); a = {x['person']['name']: x for x in d['attendances']}; assert a['Jürgen Weiß']['role'] == 'chair' and a['Jürgen Weiß']['status'] == 'tentative' and a['Änne Öztürk']['delegate'] == 'Frau Kache', d"
py "the alternative points at the first talk" \
    "t = {t['title']: t for t in d['talks']}; assert t['Campus']['alternative_to'] == t['Smarte Quartiere']['uid'] and t['Smarte Quartiere']['status'] == 'declined'"
expect "event show as text" 0 event show "$newid"
has "event show lists the agenda" "$OUT" "Projektstatus"
has "event show lists the delegate" "$OUT" "Frau Kache"
has "event show lists the role" "$OUT" "chair"

expect "event cancel" 0 event cancel "$newid"
has "event cancel prints the sequence" "$OUT" "sequence 2"
expect "event cancel again" 0 event cancel "$newid"
has "a second cancel says it was cancelled" "$OUT" "already cancelled"
expect "export after cancel" 0 export --group "$GROUP"
has "the cancelled event stays in the feed as cancelled" "$OUT" \
    "STATUS:CANCELLED"

# ---- groups, topics, feeds ------------------------------------------

expect "group list" 0 group list
has "group list shows the slug" "$OUT" "$GROUP"
has "group list shows the http feed" "$OUT" \
    "http://127.0.0.1:8080/calendars/group/$GROUP.ics"
has "group list shows the webcal feed" "$OUT" \
    "webcal://127.0.0.1:8080/calendars/group/$GROUP.ics"
PODIUM_BASE_URL=https://termine.example.org/ expect "group list with a base URL" 0 \
    --json group list
py "group list --json uses PODIUM_BASE_URL" \
    "g = [g for g in d if g['slug'] == '$GROUP'][0]; assert g['url'] == 'https://termine.example.org/calendars/group/$GROUP.ics' and g['webcal'] == 'webcal://termine.example.org/calendars/group/$GROUP.ics' and g['id'] > 0, g"
expect "topic list" 0 topic list
has "topic list shows a slug" "$OUT" "smarte-quartiere"
has "topic list shows the feed" "$OUT" \
    "http://127.0.0.1:8080/calendars/topic/smarte-quartiere.ics"
has "topic list folds umlauts in slugs" "$OUT" "smarte-mobilitaet"

expect "feed url" 0 feed url "Jürgen Weiß"
if grep -qE '^http://127\.0\.0\.1:8080/calendars/person/[A-Za-z0-9_-]{43}\.ics$' "$OUT" &&
    grep -qE '^webcal://127\.0\.0\.1:8080/calendars/person/[A-Za-z0-9_-]{43}\.ics$' "$OUT"; then
	ok "feed url prints both forms with a 43-character token"
else
	not_ok "feed url prints both forms with a 43-character token" "$(cat "$OUT")"
fi
cp "$OUT" "$tmp/feed1"
expect "feed url again" 0 feed url "Jürgen Weiß"
if cmp -s "$tmp/feed1" "$OUT"; then
	not_ok "a second feed url makes a new token" "same URL twice"
else
	ok "a second feed url makes a new token"
fi
expect "feed url of nobody exits 65" 65 feed url "Niemand Sonst"

# --config: podiumd's INI gives the CLI its database and base URL (until a
# podiumd records its own in the database).  Answer links are signed with
# the database's key, the one podiumd uses; key_file is never made.
cat >"$tmp/podium.ini" <<INI
[store]
path = $PODIUM_DB
[http]
base_url = https://termine.example.org/
[secrets]
key_file = $tmp/cfgkey/secret.key
INI
PODIUM_DB= expect "talk link with --config" 0 --config "$tmp/podium.ini" \
    talk link "$teich"
if grep -qE '^https://termine\.example\.org/respond/[A-Za-z0-9_-]{60}$' "$OUT"; then
	ok "talk link uses the config's base_url"
else
	not_ok "talk link uses the config's base_url" "$(cat "$OUT")"
fi
if [ -e "$tmp/cfgkey" ]; then
	not_ok "talk link makes no key file" "$(ls -l "$tmp/cfgkey")"
else
	ok "talk link makes no key file"
fi
# Who attends is public only where the organizer says so (issue 15).
# unfold: joins folded iCalendar lines of $OUT, so names can be found.
unfold() { perl -0pi -e 's/\r\n[ \t]//g' "$OUT"; }
M22=fg-kommunale-infrastruktur-2021-01-22@smartcity-gera.example.org
expect "export --public of the Gera programme" 0 export --public && unfold
has "the Gera group publishes its attendance" "$OUT" "CN=Dietmar Lübcke"
hasnt "no person directory in the public export" "$OUT" "X-PODIUM-PERSON"
hasnt "no group members in the public export" "$OUT" "X-PODIUM-MEMBER"
expect "group edit --public-attendance no" 0 group edit "$GROUP" \
    --public-attendance no
expect "export --public of a closed group" 0 export --public && unfold
hasnt "a closed group's participants are not public" "$OUT" "CN=Uwe Merten"
has "a closed group's chairs are" "$OUT" "CN=Michael Tietz"
expect "event edit --public-attendance yes" 0 event edit "$M22" \
    --public-attendance yes
expect "export --public of an open event" 0 export --public && unfold
has "an open event's participants are public" "$OUT" "CN=Uwe Merten"
expect "the full export" 0 export
has "the full export keeps the directory" "$OUT" "X-PODIUM-PERSON"
has "the full export keeps the event's flag" "$OUT" "X-PODIUM-ATTENDANCE:PUBLIC"
expect "event edit without an option exits 64" 64 event edit "$M22"
expect "event edit --public-attendance maybe exits 64" 64 event edit "$M22" \
    --public-attendance maybe
expect "group edit of an unknown group exits 65" 65 group edit nope \
    --public-attendance yes
expect "event edit of an unknown event exits 65" 65 event edit 999 \
    --public-attendance yes
expect "group edit back" 0 group edit "$GROUP" --public-attendance yes
expect "event edit back" 0 event edit "$M22" --public-attendance no

# Only init makes a database; mail test --config uses the config's
# database; a spool file is never overwritten (issue 13).
expect "event list on a missing database exits 69" 69 --db "$tmp/none.db" \
    event list
has "the error names the missing database" "$ERR" "$tmp/none.db"
if [ -e "$tmp/none.db" ]; then
	not_ok "a missing database is not created" "$tmp/none.db exists"
else
	ok "a missing database is not created"
fi
mkdir "$tmp/mt"
mtini() {
	printf '[store]\npath = %s\n[mail]\nspool_dir = %s\n' "$tmp/mt/$1.db" \
	    "$tmp/mt/spool"
	printf '[secrets]\nkey_file = %s\n' "$tmp/mt/secret.key"
}
mtini one >"$tmp/mt/one.ini"
mtini two >"$tmp/mt/two.ini"
cd "$tmp/mt" || exit 1
PODIUM_DB= expect "mail test --config before init exits 69" 69 \
    mail test --config one.ini anna@example.org
has "mail test names the config's database" "$ERR" "$tmp/mt/one.db"
PODIUM_DB= expect "init with --config" 0 --config one.ini init
PODIUM_DB= expect "mail test --config FILE ADDRESS" 0 \
    mail test --config one.ini anna@example.org
PODIUM_DB= expect "a second mail test --config" 0 \
    mail test --config one.ini bert@example.org
if [ -e "$tmp/mt/podium.db" ]; then
	not_ok "mail test --config makes no ./podium.db" "it exists"
else
	ok "mail test --config makes no ./podium.db"
fi
PODIUM_DB= expect "mail list of the config's database" 0 --config one.ini \
    --json mail list
py "both test messages are in the config's database, ids 1 and 2" \
    'assert sorted(m["id"] for m in d) == [1, 2], d'
PODIUM_DB= expect "init of a second database on the same spool" 0 \
    --config two.ini init
PODIUM_DB= expect "its first test message, id 1 again" 0 \
    mail test --config two.ini carla@example.org
if [ "$(ls spool | wc -l)" -eq 3 ]; then
	ok "three messages, three spool files"
else
	not_ok "three messages, three spool files" "$(ls spool)"
fi
if grep -qs anna@example.org spool/000001-test.eml &&
    grep -qs carla@example.org spool/000001-test-2.eml; then
	ok "the second id 1 did not overwrite the first"
else
	not_ok "the second id 1 did not overwrite the first" "$(ls spool)"
fi
cd "$tmp" || exit 1

printf '[http]\nlisten = 127.0.0.1:1\nbogus = 1\n' >"$tmp/bad.ini"
expect "a bad --config exits 64" 64 --config "$tmp/bad.ini" event list
has "a bad --config names the key and line" "$ERR" "bad.ini:3"

echo "$((checks - failures)) of $checks checks passed"
[ "$failures" -eq 0 ]
