#!/usr/bin/env bash
# End-to-end test of the conference schedules (schedule.xml / .json) as a
# conference app and the c3voc validators see them: every document
# podium makes -- the Gera programme and a generated one with a DST
# change, odd characters, a series and a timed talk; everything and per
# group; from `podium export --format` and from podiumd -- validates
# against the c3voc XSD (xmllint) and JSON schema (python3-jsonschema),
# with check_schedule.py's checks beyond the schemas.  guids survive a
# second render, a re-import and an export/import into a fresh
# database; podiumd answers with a strong ETag, 304, and a new version
# after a change.  Run by ctest with PODIUM_BIN_DIR and PODIUM_SRC_DIR.
set -euo pipefail

. "${PODIUM_SRC_DIR:?PODIUM_SRC_DIR is not set}/tests/lib/daemon.sh"

GERA=$PODIUM_SRC_DIR/calendars/smartcity-gera-2021.ics
GROUP=fachgruppe-unternehmen-der-kommunalen-infrastruktur
SCHEMAS=$PODIUM_SRC_DIR/tests/data/schemas/c3voc-schedule
CHECK=$PODIUM_SRC_DIR/tests/e2e/check_schedule.py

# valid FILE: the schema of its kind and check_schedule.py.
valid() {
	case $1 in
	*.xml) xmllint --noout --schema "$SCHEMAS/schedule.xml.xsd" "$1" 2>&1 |
		grep -v ' validates$' | head -c 600 | grep . && return 1 ;;
	esac
	"$PY" "$CHECK" "$1" >/dev/null
}

# export_all PREFIX [PODIUM ARGS]: the four CLI documents as PREFIX-*.
export_all() {
	local p=$1
	shift
	"$PODIUM" "$@" export --format schedule-xml -o "$p-all.xml"
	"$PODIUM" "$@" export --format schedule-json -o "$p-all.json"
	"$PODIUM" "$@" export --format schedule-xml --group "$GROUP" \
		-o "$p-group.xml"
	"$PODIUM" "$@" export --format schedule-json --group "$GROUP" \
		-o "$p-group.json"
}

guids() {
	"$PY" "$CHECK" "$1" --guids
}

daemon_init
D=$DAEMON_DIR
"$PODIUM" import "$GERA" >/dev/null

# ---- the Gera programme from the CLI ----

export_all "$D/gera"
for f in all.xml all.json group.xml group.json; do
	check "export: Gera $f validates" valid "$D/gera-$f"
done
check "export: acronym smartcity_gera" contains "$D/gera-all.xml" \
	"<acronym>smartcity_gera</acronym>"
check "export: a group's acronym adds its slug" contains "$D/gera-group.json" \
	'"acronym": "smartcity_gera_fachgruppe_unternehmen_der_kommunalen_infrastruktur"'
check "export: confirmed speakers are persons" contains "$D/gera-all.xml" \
	">Dietmar Lübcke</person>"
check "export: a requested speaker is not a person" lacks "$D/gera-all.xml" \
	">Prof. Teich</person>"
check "export: no addresses" lacks "$D/gera-all.json" "@example.org"
check "export: the strategy series gives days up to 2032" contains \
	"$D/gera-all.xml" 'date="2032-01-21"'

rc=0
"$PODIUM" export --format schedule-xml --group no-such-group \
	>/dev/null 2>"$D/nogroup.err" || rc=$?
check "export: an unknown group exits 65" eq "$rc" 65
check "export: ... naming the group" contains "$D/nogroup.err" no-such-group
rc=0
"$PODIUM" export --format schedule-xml --topic smarte-quartiere \
	>/dev/null 2>&1 || rc=$?
check "export: --format schedule-xml with --topic is a usage error" eq "$rc" 64
rc=0
"$PODIUM" export --format pdf >/dev/null 2>&1 || rc=$?
check "export: an unknown --format is a usage error" eq "$rc" 64

# A group whose only event was cancelled: an empty schedule, still valid.
"$PODIUM" event add --title "Abgesagt" --start "2021-05-01 10:00" \
	--duration 1h --group "Leere Gruppe" >/dev/null
"$PODIUM" event cancel "$("$PODIUM" --json event list --from 2021-05-01 \
	--to 2021-05-01 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')" >/dev/null
for f in xml json; do
	"$PODIUM" export --format "schedule-$f" --group leere-gruppe -o "$D/empty.$f"
	check "export: an empty group's schedule.$f validates" valid "$D/empty.$f"
done
check "export: ... and has no events" lacks "$D/empty.xml" "<event"

# ---- stable guids ----

"$PODIUM" export --format schedule-xml -o "$D/again.xml"
check "render twice: the same bytes" same_file "$D/gera-all.xml" "$D/again.xml"
guids "$D/gera-all.xml" >"$D/guids-1"
guids "$D/gera-all.json" >"$D/guids-1j"
check "guids: XML and JSON name the same events and persons" \
	same_file "$D/guids-1" "$D/guids-1j"
"$PODIUM" import "$GERA" >/dev/null
"$PODIUM" export --format schedule-xml -o "$D/reimport.xml"
guids "$D/reimport.xml" >"$D/guids-2"
check "guids: the same after a re-import" same_file "$D/guids-1" "$D/guids-2"
"$PODIUM" export -o "$D/full.ics"
"$PODIUM" --db "$D/fresh.db" init >/dev/null
"$PODIUM" --db "$D/fresh.db" import "$D/full.ics" >/dev/null
"$PODIUM" --db "$D/fresh.db" export --format schedule-xml -o "$D/fresh.xml"
guids "$D/fresh.xml" >"$D/guids-3"
check "guids: the same in a fresh database made from the export" \
	same_file "$D/guids-1" "$D/guids-3"

# ---- podiumd: the feeds and their caching ----

DAEMON_EXTRA_INI="[feeds]
export_dir = $D/export"
daemon_start
U=$DAEMON_URL/calendars
fetch sx "$U/schedule.xml"
check "GET schedule.xml: 200" eq "$HTTP_CODE" 200
check "schedule.xml: application/xml" eq "$(header sx Content-Type)" \
	"application/xml; charset=utf-8"
cp "$D/sx.body" "$D/served.xml"
check "schedule.xml served validates" valid "$D/served.xml"
ETAG=$(header sx ETag)
check "schedule.xml: a strong ETag" matches "$ETAG" '^"[0-9a-f]+"$'
check "schedule.xml: Last-Modified" matches "$(header sx Last-Modified)" GMT
fetch sx304 -H "If-None-Match: $ETAG" "$U/schedule.xml"
check "If-None-Match: 304" eq "$HTTP_CODE" 304
fetch sxims -H "If-Modified-Since: $(header sx Last-Modified)" "$U/schedule.xml"
check "If-Modified-Since: 304" eq "$HTTP_CODE" 304
fetch sxhead -I "$U/schedule.xml"
check "HEAD: the same ETag" eq "$(header sxhead ETag)" "$ETAG"
fetch sx2 "$U/schedule.xml"
check "a second GET: the same bytes (rendered once)" same_file \
	"$D/sx.body" "$D/sx2.body"
fetch sj "$U/schedule.json"
check "GET schedule.json: 200" eq "$HTTP_CODE" 200
check "schedule.json: application/json" eq "$(header sj Content-Type)" \
	"application/json"
cp "$D/sj.body" "$D/served.json"
check "schedule.json served validates" valid "$D/served.json"
fetch sjgz -H 'Accept-Encoding: gzip' "$U/schedule.json"
check "schedule.json gzip: its own ETag" eq "$(header sjgz ETag)" \
	"$(header sj ETag | sed 's/"$/-gz"/')"
for f in xml json; do
	fetch "g$f" "$U/group/$GROUP/schedule.$f"
	check "GET group/…/schedule.$f: 200" eq "$HTTP_CODE" 200
	cp "$D/g$f.body" "$D/served-group.$f"
	check "group schedule.$f served validates" valid "$D/served-group.$f"
done
fetch nog "$U/group/no-such-group/schedule.xml"
check "an unknown group: 404" eq "$HTTP_CODE" 404
fetch bad "$U/group/a.b/schedule.xml"
check "a bad slug: 404" eq "$HTTP_CODE" 404
fetch post -X POST "$U/schedule.xml"
check "POST: 405" eq "$HTTP_CODE" 405

# ---- a generated programme: DST, odd text, a series, a timed talk ----

# Over the night of 28 March 2021 (CET -> CEST), with text XML cannot
# carry, in a group of its own.
"$PODIUM" event add --title "$(printf 'Nacht\001 der <Umstellung> & "Zeit" \xf0\x9f\x95\x91')" \
	--start "2021-03-27 22:00" --end "2021-03-28 04:00" \
	--location "$(printf 'Saal \013A & B')" --group "Generierte Gruppe" \
	--topic "Smarte Zeit" >/dev/null
"$PODIUM" event add --title "Morgen danach" --start "2021-03-28 09:00" \
	--duration 90m --location "Saal A & B" --group "Generierte Gruppe" >/dev/null
"$PODIUM" event add --title "Wöchentlich" --start "2021-03-20 10:00" \
	--duration 1h --rrule "FREQ=WEEKLY;COUNT=3" --group "Generierte Gruppe" \
	>/dev/null
"$PODIUM" event add --title "Ganzer Tag" --start "2021-10-31" --all-day \
	--group "Generierte Gruppe" >/dev/null
SESSION=$("$PODIUM" --json event add --title "Mit Zeitplan" \
	--start "2021-03-29 09:00" --duration 3h --group "Generierte Gruppe" |
	"$PY" -c 'import json,sys; print(json.load(sys.stdin)["id"])')
"$PODIUM" person add --name "Zoë <Test> & Co" --email zoe@example.org >/dev/null
api talk POST "/api/events/$SESSION/talks" \
	'{"title": "Eigene Zeit", "speaker": "zoe@example.org", "status": "confirmed", "start": "2021-03-29 09:30", "end": "2021-03-29 10:15"}'
check "API: a timed talk is created" eq "$HTTP_CODE" 201

# changes by the CLI show up within a second or two; poll, bounded.
changed() {
	fetch sxnew "$U/schedule.xml" && [ "$HTTP_CODE" = 200 ] &&
		[ "$(header sxnew ETag)" != "$ETAG" ] &&
		grep -q "Eigene Zeit" "$D/sxnew.body"
}
check "after a change: a new ETag" wait_for 20 changed
fetch sx304b -H "If-None-Match: $ETAG" "$U/schedule.xml"
check "after a change: the old ETag gets 200" eq "$HTTP_CODE" 200
check "after a change: a new version" bash -c "! grep -qF \"\$(grep -o \
	'<version>[^<]*' '$D/sx.body')\" '$D/sxnew.body'"
cp "$D/sxnew.body" "$D/gen-served.xml"
check "generated schedule.xml validates" valid "$D/gen-served.xml"
fetch sjnew "$U/schedule.json"
cp "$D/sjnew.body" "$D/gen-served.json"
check "generated schedule.json validates" valid "$D/gen-served.json"
GEN=generierte-gruppe
for f in xml json; do
	fetch "gen$f" "$U/group/$GEN/schedule.$f"
	cp "$D/gen$f.body" "$D/gen-group.$f"
	check "generated group schedule.$f validates" valid "$D/gen-group.$f"
done
X=$D/gen-group.xml
check "DST: before the change +01:00" contains "$X" "<date>2021-03-27T22:00:00+01:00</date>"
check "DST: after the change +02:00" contains "$X" "<date>2021-03-28T09:00:00+02:00</date>"
check "DST: the day of the change starts +01:00, ends +02:00" contains "$X" \
	'date="2021-03-28" start="2021-03-28T00:00:00+01:00" end="2021-03-29T00:00:00+02:00"'
check "DST: the night is 05:00 long, not 06:00" contains "$X" "<duration>05:00</duration>"
check "DST: the weekly series keeps 10:00 in summer time" contains "$X" \
	"<date>2021-04-03T10:00:00+02:00</date>"
check "all-day on the 25-hour day: 23:59" contains "$X" "<duration>23:59</duration>"
check "odd text: escaped, control characters gone" contains "$X" \
	"<title>Nacht der &lt;Umstellung&gt; &amp; &quot;Zeit&quot; $(printf '\xf0\x9f\x95\x91')</title>"
check "odd text: the room is one room" contains "$X" '<room name="Saal A &amp; B"'
check "a timed talk is its own event" contains "$X" "<title>Eigene Zeit</title>"
check "... its session is the subtitle" contains "$X" "<subtitle>Mit Zeitplan</subtitle>"
check "... its speaker a person, escaped" contains "$X" ">Zoë &lt;Test&gt; &amp; Co</person>"
check "... and never the address" lacks "$D/gen-group.json" "zoe@example.org"
check "the session of only timed talks is not an event too" lacks "$X" \
	"<title>Mit Zeitplan</title>"
check "the Gera guids are unchanged by the new events" bash -c \
	"'$PY' '$CHECK' '$D/gen-served.xml' --guids | grep -F -f '$D/guids-1' | cmp -s - '$D/guids-1'"

# ---- export_dir, the CLI and the daemon give the same bytes ----

check "export_dir: schedule.xml as served" wait_for 20 same_file \
	"$D/export/schedule.xml" "$D/gen-served.xml"
check "export_dir: a group's schedule.json as served" wait_for 20 same_file \
	"$D/export/group/$GEN/schedule.json" "$D/gen-group.json"

"$PODIUM" export --format schedule-xml -o "$D/cli-all.xml"
"$PODIUM" export --format schedule-json --group "$GEN" -o "$D/cli-gen.json"
check "the daemon serves what the CLI exports (all, XML)" same_file \
	"$D/gen-served.xml" "$D/cli-all.xml"
check "the daemon serves what the CLI exports (group, JSON)" same_file \
	"$D/gen-group.json" "$D/cli-gen.json"

daemon_finish
