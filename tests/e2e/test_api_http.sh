#!/usr/bin/env bash
# End-to-end test of podiumd's HTTP surface for organizers and speakers,
# over real sockets with curl: every API resource's success path, the
# API's errors (401, 400, 404, 405, 409, 413, 415), hostile paths that
# must never reach a file, and the speaker answer pages (two buttons,
# accept and decline change the talk and the feeds, tampered tokens,
# HTML escaping), and import, export, feed URLs and answer links through
# the API.  Run by ctest with PODIUM_BIN_DIR and PODIUM_SRC_DIR.
set -euo pipefail

. "${PODIUM_SRC_DIR:?PODIUM_SRC_DIR is not set}/tests/lib/daemon.sh"

CHECK_FEED=$PODIUM_SRC_DIR/tests/e2e/check_feed.py
# Before the project weeks: answer links of the programme are still
# valid, and the scheduler writes the speaker requests (with their links)
# into the spool.  The CLI and podiumd share the clock.
export PODIUM_NOW=2021-01-20T08:00:00Z
SESSION_UID=projektwochen-smarte-quartiere-2021-02-11@smartcity-gera.example.org

# status_is NAME CODE...: the last answer saved as NAME had one of the
# statuses, and an error answer is the JSON {"error": ...} of the spec.
status_is() {
	local name=$1 got=$HTTP_CODE
	shift
	one_of "$got" "$@" || return 1
	if [ "$got" -ge 400 ] && [ "${name#page}" = "$name" ]; then
		[ -n "$(json "$name" 'd["error"]')" ] || {
			printf 'status %s without a JSON error body: %s' "$got" \
				"$(head -c 200 "$DAEMON_DIR/$name.body")"
			return 1
		}
	fi
}

# jeq NAME EXPR WANT: a value of the JSON answer NAME.
jeq() {
	eq "$(json "$1" "$2")" "$3"
}

# talk_status TALK: the status the CLI sees.
talk_status() {
	"$PODIUM" --json event show "$2" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print([t["status"] for t in d["talks"] if t["id"] == int(sys.argv[1])][0])' "$1"
}

feed_shows() {
	local name=$1 url=$2
	shift 2
	fetch "$name" "$url" && [ "$HTTP_CODE" = 200 ] &&
		"$PY" "$CHECK_FEED" "$DAEMON_DIR/$name.body" "$@" >/dev/null
}

# healthy: /healthz still answers 200 (after something hostile).
healthy() {
	[ "$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' \
		"$DAEMON_URL/healthz")" = 200 ]
}

# no_passwd NAME: the answer does not carry /etc/passwd or our marker.
no_leak() {
	lacks "$DAEMON_DIR/$1.body" "root:x:0:0" &&
		lacks "$DAEMON_DIR/$1.body" "PODIUM-MARKER-FILE"
}

# respond_links: "ADDRESS TOKEN" for every speaker request in the spool
# (the links there are quoted-printable, so a mail parser reads them).
respond_links() {
	"$PY" - "$DAEMON_DIR/spool" <<-'EOF'
		import email, email.policy, glob, re, sys
		for path in sorted(glob.glob(sys.argv[1] + "/*.eml")):
		    msg = email.message_from_binary_file(open(path, "rb"), policy=email.policy.default)
		    if msg["X-Podium-Kind"] != "speaker-request":
		        continue
		    part = msg.get_body(preferencelist=("plain",))
		    m = re.search(r"/respond/([A-Za-z0-9_=-]+)", part.get_content())
		    if m:
		        print(msg["To"].addresses[0].addr_spec, m.group(1))
	EOF
}

# token_for TALK ADDRESS: the answer token of a talk, from `podium talk
# link` when it exists, else from the speaker request mail in the spool.
token_for() {
	local url
	if "$PODIUM" talk --help 2>&1 | grep -q 'talk link'; then
		url=$("$PODIUM" talk link "$1" | head -n 1)
		printf '%s\n' "${url##*/respond/}" | sed 's/[?#].*//'
		return
	fi
	respond_links | awk -v a="$2" '$1 == a { print $2; exit }'
}

count_buttons() {
	grep -o '<button[^>]*name="answer"[^>]*value="\(accept\|decline\)"' \
		"$DAEMON_DIR/$1.body" | sort -u | wc -l | tr -d ' '
}

daemon_init
"$PODIUM" import "$PODIUM_SRC_DIR/calendars/smartcity-gera-2021.ics" >/dev/null
# A file under a name the feed routes use: if any path were mapped to the
# file system relative to podiumd's folder, this would be served.
mkdir -p "$DAEMON_DIR/calendars"
echo "PODIUM-MARKER-FILE" >"$DAEMON_DIR/calendars/marker.ics"
cd "$DAEMON_DIR"
daemon_start
check "the API token file was made" test -n "$DAEMON_TOKEN"

# ---- authentication ----

fetch noauth "$DAEMON_URL/api/events"
check "no token: 401" status_is noauth 401
check "401 asks for Bearer" matches "$(header noauth WWW-Authenticate)" '^Bearer'
fetch badauth -H "Authorization: Bearer wrong-$DAEMON_TOKEN" "$DAEMON_URL/api/events"
check "wrong token: 401" status_is badauth 401
fetch basic -u "x:$DAEMON_TOKEN" "$DAEMON_URL/api/events"
check "Basic auth with the token: 401" status_is basic 401
fetch noauthpost -H 'Content-Type: application/json' -d '{"title":"x"}' \
	"$DAEMON_URL/api/events"
check "no token on a write: 401, before anything else" status_is noauthpost 401

# ---- events ----

api list GET /api/events
check "GET /api/events: 200" status_is list 200
check "GET /api/events: the programme" test "$(json list 'len(d)')" -ge 6

api create POST /api/events '{"title": "Werkstatt <Datenplattform> & Co", "start": "2021-03-01 10:00",
	"duration": "90m", "location": "Rathaus Gera",
	"group": "fachgruppe-unternehmen-der-kommunalen-infrastruktur",
	"topics": ["Smarte Quartiere"]}'
check "POST /api/events: 201" status_is create 201
EV=$(json create 'd["id"]')
EV_UID=$(json create 'd["uid"]')
check "POST /api/events: Location header" eq "$(header create Location)" "/api/events/$EV"
check "POST /api/events: end from duration" jeq create 'd["end"]' "2021-03-01 11:30"

api show GET "/api/events/$EV"
check "GET /api/events/ID: 200" status_is show 200
check "GET /api/events/ID: the title, umlauts and all" jeq show 'd["title"]' \
	"Werkstatt <Datenplattform> & Co"
api showuid GET "/api/events/$EV_UID"
check "GET /api/events/UID: 200" status_is showuid 200

api patch PATCH "/api/events/$EV" '{"location": "Kultur- und Kongresszentrum", "description": "Größere Räume"}'
check "PATCH /api/events/ID: 200" status_is patch 200
check "PATCH: location changed" jeq patch 'd["location"]' "Kultur- und Kongresszentrum"
check "PATCH of the place: SEQUENCE + 1" jeq patch 'd["sequence"]' 1
check "PATCH: seen by the CLI" bash -c '"$1" --json event show "$2" | grep -q "Kultur- und Kongresszentrum"' \
	_ "$PODIUM" "$EV"
api patchro PATCH "/api/events/$EV" '{"sequence": 9}'
check "PATCH of a read-only field: 400 naming it" status_is patchro 400
check "400 names the field" jeq patchro 'd["field"]' sequence
api patchunk PATCH "/api/events/$EV" '{"colour": "red"}'
check "PATCH of an unknown field: 400" status_is patchunk 400

# Who attends is public only where the organizer says so (issue 15).
api patchpub PATCH "/api/events/$EV" '{"public_attendance": true}'
check "PATCH public_attendance: 200" status_is patchpub 200
check "PATCH public_attendance: set" jeq patchpub 'd["public_attendance"]' true
check "PATCH public_attendance: no SEQUENCE change" jeq patchpub 'd["sequence"]' 1
api patchpubbad PATCH "/api/events/$EV" '{"public_attendance": "yes"}'
check "PATCH public_attendance of the wrong type: 400" status_is patchpubbad 400
api grp PATCH "/api/groups/fachgruppe-unternehmen-der-kommunalen-infrastruktur" '{"public_attendance": false}'
check "PATCH /api/groups/SLUG: 200" status_is grp 200
check "PATCH /api/groups/SLUG: the flag" jeq grp 'd["public_attendance"]' false
check "PATCH /api/groups/SLUG: seen by the CLI" bash -c '"$1" --json group list | grep -q "\"public_attendance\": false"' \
	_ "$PODIUM"
api grpnone PATCH "/api/groups/keine-gruppe" '{"public_attendance": true}'
check "PATCH of an unknown group: 404" status_is grpnone 404
api grpro PATCH "/api/groups/fachgruppe-unternehmen-der-kommunalen-infrastruktur" '{"name": "X"}'
check "PATCH of a group's name: 400" status_is grpro 400
api grp2 PATCH "/api/groups/fachgruppe-unternehmen-der-kommunalen-infrastruktur" '{"public_attendance": true}'
check "PATCH /api/groups/SLUG back: 200" status_is grp2 200

# ---- agenda, people, talks, attendances ----

api agenda POST "/api/events/$EV/agenda" '{"label": "I", "title": "Begrüßung", "from": "10:00", "to": "10:15"}'
check "POST /api/events/ID/agenda: 201" status_is agenda 201
AG=$(json agenda 'd["id"]')
api withagenda GET "/api/events/$EV"
check "the event shows its agenda item" jeq withagenda \
	'[a["title"] for a in d["agenda"]]' '["Begr\u00fc\u00dfung"]'

api person POST /api/people '{"name": "Erika Mustermann", "email": "erika.mustermann@example.org", "org": "TGZ", "lang": "en"}'
check "POST /api/people: 201" status_is person 201
P=$(json person 'd["id"]')
api dupperson POST /api/people '{"name": "Erika Zwei", "email": "erika.mustermann@example.org"}'
check "a second person with the same e-mail: 409" status_is dupperson 409
api people GET /api/people
check "GET /api/people: 200 and lists her" jeq people \
	'any(p["id"] == '"$P"' for p in d)' true
api pshow GET "/api/people/$P"
check "GET /api/people/ID: 200" status_is pshow 200
api ppatch PATCH "/api/people/$P" '{"lang": "de"}'
check "PATCH /api/people/ID: 200" status_is ppatch 200
check "PATCH /api/people/ID: lang changed" jeq ppatch 'd["lang"]' de
api badlang PATCH "/api/people/$P" '{"lang": "fr"}'
check "a language podium does not have: 400" status_is badlang 400

api talk POST "/api/events/$EV/talks" '{"title": "Offene Daten", "speaker": '"$P"', "status": "requested"}'
check "POST /api/events/ID/talks: 201" status_is talk 201
TK=$(json talk 'd["id"]')
api tshow GET "/api/talks/$TK"
check "GET /api/talks/ID: 200, requested" jeq tshow 'd["status"]' requested
api confirm POST "/api/talks/$TK/confirm"
check "POST /api/talks/ID/confirm: 200" status_is confirm 200
check "confirm: the talk is confirmed" eq "$(talk_status "$TK" "$EV")" confirmed
api decline POST "/api/talks/$TK/decline"
check "POST /api/talks/ID/decline: 200" status_is decline 200
check "decline: the talk is declined" eq "$(talk_status "$TK" "$EV")" declined
api notalk POST /api/talks/999999/confirm
check "confirm of a missing talk: 404" status_is notalk 404

api att POST "/api/events/$EV/attendances" '{"person": "Jonas Seidel", "role": "participant", "status": "accepted"}'
check "POST /api/events/ID/attendances: 201" status_is att 201
AT=$(json att 'd["id"]')
api badatt POST "/api/events/$EV/attendances" '{"person": "Niemand Unbekannt"}'
check "attendance of an unknown person: 404" status_is badatt 404

# ---- move and cancel: the CLI's rules ----

# The PATCH of the location above bumped SEQUENCE already (place matters
# to attendees); count from what it is now.
api beforemove GET "/api/events/$EV"
SEQ=$(json beforemove 'd["sequence"]')
api moved POST "/api/events/$EV/move" '{"start": "2021-03-02 10:00", "duration": "2h"}'
check "POST /api/events/ID/move: 200" status_is moved 200
check "move: SEQUENCE + 1" jeq moved 'd["sequence"]' $((SEQ + 1))
check "move: new end" jeq moved 'd["end"]' "2021-03-02 12:00"
check "move: all.ics follows (<= 10 s)" wait_for 10 feed_shows feedmoved \
	"$DAEMON_URL/calendars/all.ics" --public --dtstart "$EV_UID=20210302T100000"
api badmove POST "/api/events/$EV/move" '{"start": "gestern"}'
check "move to a time that is none: 400" status_is badmove 400
api cancel POST "/api/events/$EV/cancel"
check "POST /api/events/ID/cancel: 200" status_is cancel 200
check "cancel: status cancelled" jeq cancel 'd["status"]' cancelled
check "cancel: SEQUENCE + 1" jeq cancel 'd["sequence"]' $((SEQ + 2))
check "cancel: all.ics keeps it with STATUS:CANCELLED (<= 10 s)" wait_for 10 \
	feed_shows feedcancel "$DAEMON_URL/calendars/all.ics" --public \
	--status "$EV_UID=CANCELLED"

# ---- deletes ----

api delatt DELETE "/api/attendances/$AT"
check "DELETE /api/attendances/ID: 204" status_is delatt 204
api delag DELETE "/api/agenda/$AG"
check "DELETE /api/agenda/ID: 204" status_is delag 204
api deltalk DELETE "/api/talks/$TK"
check "DELETE /api/talks/ID: 204" status_is deltalk 204
api delev DELETE "/api/events/$EV"
check "DELETE /api/events/ID: 204" status_is delev 204
api goneev GET "/api/events/$EV"
check "the deleted event: 404" status_is goneev 404
api delp DELETE "/api/people/$P"
check "DELETE /api/people/ID: 204" status_is delp 204

# ---- request errors ----

api malformed POST /api/events '{"title": "x", '
check "malformed JSON: 400" status_is malformed 400
printf '{"title": "\xff\xfe kaputt", "start": "2021-03-01 10:00", "duration": "1h"}' \
	>"$DAEMON_DIR/latin1.json"
fetch nonutf8 -H "Authorization: Bearer $DAEMON_TOKEN" \
	-H 'Content-Type: application/json' --data-binary @"$DAEMON_DIR/latin1.json" \
	"$DAEMON_URL/api/events"
check "non-UTF-8 JSON: 400" status_is nonutf8 400
api notobject POST /api/events '["a", "list"]'
check "JSON that is not an object: 400" status_is notobject 400
fetch ctype -H "Authorization: Bearer $DAEMON_TOKEN" -H 'Content-Type: text/plain' \
	--data-binary '{"title": "x"}' "$DAEMON_URL/api/events"
check "wrong Content-Type: 415" status_is ctype 415
fetch latin1ct -H "Authorization: Bearer $DAEMON_TOKEN" \
	-H 'Content-Type: application/json; charset=iso-8859-1' \
	--data-binary '{"title": "x"}' "$DAEMON_URL/api/events"
check "JSON in another charset: 415" status_is latin1ct 415
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$DAEMON_DIR/big.json"
fetch big -H "Authorization: Bearer $DAEMON_TOKEN" -H 'Content-Type: application/json' \
	--data-binary @"$DAEMON_DIR/big.json" "$DAEMON_URL/api/events"
check "a 2 MB body: 413" status_is big 413
check "after the 2 MB body podiumd is healthy" healthy
api method PUT /api/events
check "PUT /api/events: 405" status_is method 405
check "405 says what is allowed" matches "$(header method Allow)" 'GET.*POST'
api nopath GET /api/nothing-here
check "unknown API path: 404" status_is nopath 404
api badid GET /api/events/not-an-id
check "an event id that is none: 404" status_is badid 404

# ---- hostile paths: 400/404, never a file, still healthy ----

LONG=$(head -c 10240 /dev/zero | tr '\0' a)
i=0
for path in "/calendars/../../etc/passwd" "/calendars/%2e%2e/%2e%2e/etc/passwd" \
	"/calendars/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd" "/../../../../etc/passwd" \
	"/calendars/group/..%2f..%2f..%2fetc%2fpasswd.ics" "/api/../../etc/passwd" \
	"/calendars/all.ics%00.txt" "/calendars/%00" "/respond/%00" \
	"/calendars/marker.ics" "/calendars/./marker.ics" "/calendars/group/../marker.ics" \
	"/calendars/$LONG.ics" "/$LONG" "/api/$LONG"; do
	i=$((i + 1))
	fetch "hostile$i" --path-as-is "$DAEMON_URL$path"
	short=$(printf '%s' "$path" | cut -c 1-50)
	check "hostile path $short: 400/404/414" one_of "$HTTP_CODE" 400 404 414
	check "hostile path $short: no file content" no_leak "hostile$i"
done
# A raw request with a NUL byte in the line, which curl cannot send.
timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"
	printf "GET /calendars/all.ics\0/../../etc/passwd HTTP/1.0\r\n\r\n" >&3
	cat <&3' _ "$DAEMON_PORT" >"$DAEMON_DIR/hostilenul.body" 2>/dev/null || true
check "a raw NUL in the request line: no file content" no_leak hostilenul
check "after the hostile paths podiumd is healthy" healthy

# ---- the answer pages ----

# The scheduler writes the speaker requests of the programme (two
# requested talks in the Smarte Quartiere session) after it starts.
if ! "$PODIUM" talk --help 2>&1 | grep -q 'talk link'; then
	wait_for 10 bash -c '[ "$(grep -l "X-Podium-Kind: speaker-request" "$1"/*.eml 2>/dev/null | wc -l)" -ge 2 ]' \
		_ "$DAEMON_DIR/spool" || true
fi
SESSION=$("$PODIUM" --json event show "$SESSION_UID" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["id"])')
# talk id and address of the two requested speakers
read -r T_ACCEPT A_ACCEPT T_DECLINE A_DECLINE < <("$PODIUM" --json event show "$SESSION" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
r = [t for t in d["talks"] if t["status"] == "requested"]
print(r[0]["id"], r[0]["speaker"]["email"], r[1]["id"], r[1]["speaker"]["email"])')
N_ACCEPT=$("$PODIUM" --json event show "$SESSION" | "$PY" -c '
import json, sys
print([t["speaker"]["name"] for t in json.load(sys.stdin)["talks"] if t["id"] == '"$T_ACCEPT"'][0])')
TOK_ACCEPT=$(token_for "$T_ACCEPT" "$A_ACCEPT")
TOK_DECLINE=$(token_for "$T_DECLINE" "$A_DECLINE")

if [ -z "$TOK_ACCEPT" ] || [ -z "$TOK_DECLINE" ]; then
	skip "answer pages" "no 'podium talk link' and no speaker request in the spool"
else
	fetch page1 "$DAEMON_URL/respond/$TOK_ACCEPT"
	check "GET /respond/TOKEN: 200" eq "$HTTP_CODE" 200
	check "the answer page is HTML" matches "$(header page1 Content-Type)" '^text/html'
	check "the answer page has the accept and decline buttons" \
		eq "$(count_buttons page1)" 2
	check "the answer page is in German by default" contains \
		"$DAEMON_DIR/page1.body" 'lang="de"'
	check "the answer page loads nothing from elsewhere" bash -c \
		'! grep -qiE "(src|href)=\"?(https?:)?//" "$1"' _ "$DAEMON_DIR/page1.body"
	check "the answer page does not show the token" lacks \
		"$DAEMON_DIR/page1.body" "$TOK_ACCEPT"

	fetch pagepost1 -d answer=accept "$DAEMON_URL/respond/$TOK_ACCEPT"
	check "POST answer=accept: 200" eq "$HTTP_CODE" 200
	check "accept: the talk is confirmed" eq "$(talk_status "$T_ACCEPT" "$SESSION")" confirmed
	check "accept: the feed says PARTSTAT=ACCEPTED (<= 10 s)" wait_for 10 \
		feed_shows accfeed "$DAEMON_URL/calendars/all.ics" --public \
		--partstat "$SESSION_UID:$N_ACCEPT=ACCEPTED"

	fetch pagepost2 -d answer=decline "$DAEMON_URL/respond/$TOK_DECLINE"
	check "POST answer=decline: 200" eq "$HTTP_CODE" 200
	check "decline: the talk is declined" eq "$(talk_status "$T_DECLINE" "$SESSION")" declined

	fetch pagebad -d answer=maybe "$DAEMON_URL/respond/$TOK_ACCEPT"
	check "POST answer=maybe: 400" eq "$HTTP_CODE" 400
	# Flip one character in the middle: the HMAC no longer matches.
	mid=$((${#TOK_ACCEPT} / 2))
	c=${TOK_ACCEPT:$mid:1}
	[ "$c" = A ] && r=B || r=A
	TAMPERED=${TOK_ACCEPT:0:$mid}$r${TOK_ACCEPT:$((mid + 1))}
	fetch pagetamper "$DAEMON_URL/respond/$TAMPERED"
	check "a tampered token: refused (404/410)" one_of "$HTTP_CODE" 404 410
	fetch pagetamperpost -d answer=decline "$DAEMON_URL/respond/$TAMPERED"
	check "a tampered token cannot answer" one_of "$HTTP_CODE" 400 404 410
	check "after the tampered POST the talk is still confirmed" \
		eq "$(talk_status "$T_ACCEPT" "$SESSION")" confirmed
	fetch pagejunk "$DAEMON_URL/respond/not-a-token"
	check "a junk token: 404" eq "$HTTP_CODE" 404
	fetch pageput -X PUT "$DAEMON_URL/respond/$TOK_ACCEPT"
	check "PUT /respond/TOKEN: 405" eq "$HTTP_CODE" 405
fi

# HTML escaping: a talk whose title is markup, requested from a speaker,
# so that the scheduler writes its link.
api xssp POST /api/people '{"name": "Max <b>Bold</b>", "email": "max.bold@example.org"}'
XP=$(json xssp 'd["id"]')
api xsst POST "/api/events/$SESSION/talks" \
	'{"title": "<script>alert(1)</script> & Co", "speaker": '"$XP"', "status": "requested"}'
XT=$(json xsst 'd["id"]')
XTOK=
if [ -n "$XT" ]; then
	if "$PODIUM" talk --help 2>&1 | grep -q 'talk link'; then
		XTOK=$(token_for "$XT" max.bold@example.org)
	else
		# The scheduler is kicked by the write; give it up to 10 s.
		for _ in $(seq 100); do
			XTOK=$(token_for "$XT" max.bold@example.org)
			[ -n "$XTOK" ] && break
			sleep 0.1
		done
	fi
fi
if [ -z "$XTOK" ]; then
	skip "HTML escaping of a <script> title" "no link for the new talk"
else
	fetch pagexss "$DAEMON_URL/respond/$XTOK"
	check "answer page for a <script> title: 200" eq "$HTTP_CODE" 200
	check "the <script> title is escaped" contains "$DAEMON_DIR/pagexss.body" \
		'&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co'
	check "no live <script> from the title" lacks "$DAEMON_DIR/pagexss.body" \
		'<script>alert(1)'
	check "the speaker's name is escaped" lacks "$DAEMON_DIR/pagexss.body" '<b>Bold</b>'
fi

# ---- answer links, feed URLs, import and export through the API ----
# (import last: re-importing replaces the parts of its events, the talk
# made above included)

if [ -n "$XT" ]; then
	api link GET "/api/talks/$XT/link"
	LINK=$(json link 'd["url"]')
	check "GET /api/talks/ID/link: 200 with a /respond/ URL" \
		matches "$HTTP_CODE $LINK" "^200 $DAEMON_URL/respond/"
	check "the API link is the CLI's" eq "$LINK" "$("$PODIUM" talk link "$XT")"
	fetch linkpage "$LINK"
	check "the linked answer page: 200" eq "$HTTP_CODE" 200
else
	skip "GET /api/talks/ID/link" "no talk was made"
fi

api feed POST "/api/people/$XP/feed"
FEED_URL=$(json feed 'd["url"]')
check "POST /api/people/ID/feed: 201 with a URL" \
	matches "$HTTP_CODE $FEED_URL" "^201 $DAEMON_URL/calendars/person/"
check "the feed URL serves the calendar (<= 10 s)" wait_for 10 \
	feed_shows feedget "$FEED_URL" --person max.bold@example.org \
	--min-events 1
api feeddel DELETE "/api/people/$XP/feed"
check "DELETE /api/people/ID/feed: 204" eq "$HTTP_CODE" 204
fetch feedgone "$FEED_URL"
check "a revoked feed URL: 404" eq "$HTTP_CODE" 404

fetch imp -X POST -H "Authorization: Bearer $DAEMON_TOKEN" \
	-H 'Content-Type: text/calendar; charset=utf-8' \
	--data-binary "@$PODIUM_SRC_DIR/calendars/smartcity-gera-2021.ics" \
	"$DAEMON_URL/api/import"
check "POST /api/import (text/calendar): 200" status_is imp 200
check "re-import updates by UID, creates no one" \
	eq "$(json imp 'd["people_created"] == 0 and d["updated"] > 0')" true
fetch impbad -X POST -H "Authorization: Bearer $DAEMON_TOKEN" \
	-H 'Content-Type: text/calendar' \
	--data-binary "@$PODIUM_SRC_DIR/tests/data/bad/invalid-date.ics" \
	"$DAEMON_URL/api/import"
check "a bad calendar: 400 naming the calendar" jeq impbad 'd["field"]' calendar
api export GET /api/export
check "GET /api/export: 200 text/calendar" \
	matches "$HTTP_CODE $(header export Content-Type)" '^200 text/calendar'
check "the export has the session" contains "$DAEMON_DIR/export.body" "UID:$SESSION_UID"
api exportpub GET '/api/export?public=1'
check "the public export has no addresses" lacks "$DAEMON_DIR/exportpub.body" "mailto:"

check "podiumd is healthy at the end" healthy
daemon_stop
check "SIGTERM: exit status 0" eq "$DAEMON_STATUS" 0
daemon_finish
