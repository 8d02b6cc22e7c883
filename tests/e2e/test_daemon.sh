#!/usr/bin/env bash
# End-to-end test of podiumd as a calendar client and an operator see it:
# the real daemon on a free loopback port with a config file, the Gera
# programme, the four kinds of feed read back with python3-icalendar,
# conditional and compressed GETs, HEAD, changes made by the CLI in
# another process, personal tokens, --check-config, SIGHUP, SIGTERM,
# [feeds] export_dir and /healthz.  Run by ctest with PODIUM_BIN_DIR and
# PODIUM_SRC_DIR.
set -euo pipefail

. "${PODIUM_SRC_DIR:?PODIUM_SRC_DIR is not set}/tests/lib/daemon.sh"

GROUP=fachgruppe-unternehmen-der-kommunalen-infrastruktur
TOPIC=smarte-quartiere
CHECK_FEED=$PODIUM_SRC_DIR/tests/e2e/check_feed.py
CHECK_GERA=$PODIUM_SRC_DIR/tests/e2e/check_gera.py
# A speaker of the programme (talk in event 3), and with an address.
PERSON="Dietmar Lübcke"
PERSON_EMAIL=dietmar.luebcke@example.org

# feed_ok FILE ARGS...: check_feed.py on FILE.
feed_ok() {
	"$PY" "$CHECK_FEED" "$@" >/dev/null
}

# uid_of EVENT: the UID of an event, from the CLI.
uid_of() {
	"$PODIUM" --json event show "$1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["uid"])'
}

# feed_shows NAME URL CHECK_FEED_ARGS...: fetches URL as NAME and passes
# check_feed.py (for wait_for: a change has arrived).
feed_shows() {
	local name=$1 url=$2
	shift 2
	fetch "$name" "$url" && [ "$HTTP_CODE" = 200 ] &&
		feed_ok "$DAEMON_DIR/$name.body" "$@"
}

# raw_head PATH: a HEAD request over a bare socket (HTTP/1.0, so the
# server closes), to see exactly what comes back, body included.
raw_head() {
	timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"
		printf "HEAD %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" "$2" >&3
		cat <&3' _ "$DAEMON_PORT" "$1"
}

# headers_only FILE: the answer ends where its header block ends.
headers_only() {
	"$PY" - "$1" <<-'EOF'
		import sys
		raw = open(sys.argv[1], "rb").read()
		i = raw.find(b"\r\n\r\n")
		if i < 0:
		    sys.exit("no end of headers in %d bytes" % len(raw))
		if len(raw) != i + 4:
		    sys.exit("%d body bytes after the headers" % (len(raw) - i - 4))
	EOF
}

# Headers that must be equal between GET and HEAD (Date may tick).
same_headers() {
	local h
	for h in Content-Type Content-Length ETag Last-Modified Cache-Control; do
		[ "$(header "$1" "$h")" = "$(header "$2" "$h")" ] || {
			printf '%s: GET %s, HEAD %s' "$h" "$(header "$1" "$h")" \
				"$(header "$2" "$h")"
			return 1
		}
	done
}

gunzip_same() {
	gzip -dc <"$1" >"$1.plain" 2>/dev/null || {
		echo "not gzip data"
		return 1
	}
	same_file "$1.plain" "$2"
}

healthz_ok() {
	"$PY" - "$1" <<-'EOF'
		import json, sys
		d = json.load(open(sys.argv[1]))
		assert d["status"] == "ok", d
		assert d["database"] == "ok", d
		assert isinstance(d["outbox"]["backlog"], int), d
	EOF
}

# export_same NAME: the exported file equals what is served now.
export_same() {
	fetch "exp-$(echo "$1" | tr / -)" "$DAEMON_URL/calendars/$1.ics" &&
		[ "$HTTP_CODE" = 200 ] &&
		same_file "$DAEMON_DIR/export/$1.ics" "$DAEMON_DIR/exp-$(echo "$1" | tr / -).body"
}

daemon_init
"$PODIUM" import "$PODIUM_SRC_DIR/calendars/smartcity-gera-2021.ics" >/dev/null
MOVE_UID=$(uid_of 3)
CANCEL_UID=$(uid_of 4)

# ---- --check-config: before any daemon runs ----

printf '[store]\npath = %s/x.db\n' "$DAEMON_DIR" >"$DAEMON_DIR/good.ini"
# The bad key is on line 4, so the message must name line 4.
printf '[store]\npath = x.db\n[http]\nlisten_port = 8080\n' >"$DAEMON_DIR/bad.ini"
rc=0
"$PODIUMD" --config "$DAEMON_DIR/good.ini" --check-config \
	>"$DAEMON_DIR/cc.out" 2>&1 || rc=$?
check "--check-config on a good file exits 0" eq "$rc" 0
rc=0
"$PODIUMD" --config "$DAEMON_DIR/bad.ini" --check-config \
	>"$DAEMON_DIR/cc.out" 2>&1 || rc=$?
check "--check-config on a bad key exits 78" eq "$rc" 78
check "--check-config names the bad key" contains "$DAEMON_DIR/cc.out" listen_port
check "--check-config names the line" contains "$DAEMON_DIR/cc.out" "bad.ini:4"
check "--check-config output is sanitizer clean" sanitizer_clean "$DAEMON_DIR/cc.out"

# ---- start ----

DAEMON_EXTRA_INI="[feeds]
export_dir = $DAEMON_DIR/export"
daemon_start

fetch health "$DAEMON_URL/healthz"
check "/healthz answers 200" eq "$HTTP_CODE" 200
check "/healthz is JSON" matches "$(header health Content-Type)" '^application/json'
check "/healthz says database ok" healthz_ok "$DAEMON_DIR/health.body"

# ---- the four feeds ----

PERSON_URL=$("$PODIUM" feed url "$PERSON" | head -n 1)
check "feed url uses PODIUM_BASE_URL" matches "$PERSON_URL" \
	"^$DAEMON_URL/calendars/person/[A-Za-z0-9_-]{22,}\\.ics\$"
PERSON_TOKEN=$(basename "$PERSON_URL" .ics)

fetch all "$DAEMON_URL/calendars/all.ics"
check "all.ics: 200" eq "$HTTP_CODE" 200
check "all.ics: public, parses, has the moved event" feed_ok "$DAEMON_DIR/all.body" \
	--public --min-events 6 --uid "$MOVE_UID" --uid "$CANCEL_UID"
check "all.ics: check_gera.py --public passes" \
	"$PY" "$CHECK_GERA" "$DAEMON_DIR/all.body" --public
fetch group "$DAEMON_URL/calendars/group/$GROUP.ics"
check "group feed: 200" eq "$HTTP_CODE" 200
check "group feed: public, parses, has events" feed_ok "$DAEMON_DIR/group.body" \
	--public --min-events 1 --uid "$MOVE_UID"
fetch topic "$DAEMON_URL/calendars/topic/$TOPIC.ics"
check "topic feed: 200" eq "$HTTP_CODE" 200
check "topic feed: public, parses, has the Smarte Quartiere session" \
	feed_ok "$DAEMON_DIR/topic.body" --public --min-events 1 --uid "$MOVE_UID"
check "topic feed: fewer events than all" test \
	"$(grep -c '^BEGIN:VEVENT' "$DAEMON_DIR/topic.body")" -lt \
	"$(grep -c '^BEGIN:VEVENT' "$DAEMON_DIR/all.body")"
fetch person "$PERSON_URL"
check "person feed: 200" eq "$HTTP_CODE" 200
check "person feed: only the person's own address, has their session" \
	feed_ok "$DAEMON_DIR/person.body" --person "$PERSON_EMAIL" --min-events 1 \
	--uid "$MOVE_UID"
check "person feed: Cache-Control private" matches \
	"$(header person Cache-Control)" '^private'
fetch nofeed "$DAEMON_URL/calendars/group/no-such-group.ics"
check "unknown group: 200 with no events, or 404" one_of "$HTTP_CODE" 200 404

# ---- headers, HEAD, 304, gzip ----

check "Content-Type is text/calendar; charset=utf-8" eq \
	"$(header all Content-Type)" "text/calendar; charset=utf-8"
ETAG=$(header all ETag)
LASTMOD=$(header all Last-Modified)
check "ETag is strong" matches "$ETAG" '^"[^"]+"$'
check "Last-Modified is an HTTP date" matches "$LASTMOD" \
	'^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT$'
check "Cache-Control is set" matches "$(header all Cache-Control)" '.'
check "Content-Length is the body's" eq "$(header all Content-Length)" \
	"$(wc -c <"$DAEMON_DIR/all.body" | tr -d ' ')"

fetch head -I "$DAEMON_URL/calendars/all.ics"
check "HEAD: 200" eq "$HTTP_CODE" 200
check "HEAD: the headers of GET" same_headers all head
raw_head /calendars/all.ics >"$DAEMON_DIR/rawhead" || true
check "HEAD: no body on the wire" headers_only "$DAEMON_DIR/rawhead"
fetch headp -I "$PERSON_URL"
check "HEAD person feed: 200" eq "$HTTP_CODE" 200

fetch inm -H "If-None-Match: $ETAG" "$DAEMON_URL/calendars/all.ics"
check "If-None-Match with the ETag: 304" eq "$HTTP_CODE" 304
check "304 has no body" eq "$(wc -c <"$DAEMON_DIR/inm.body" | tr -d ' ')" 0
check "304 repeats the ETag" eq "$(header inm ETag)" "$ETAG"
fetch inm2 -H 'If-None-Match: "something-else"' "$DAEMON_URL/calendars/all.ics"
check "If-None-Match with another tag: 200" eq "$HTTP_CODE" 200
fetch ims -H "If-Modified-Since: $LASTMOD" "$DAEMON_URL/calendars/all.ics"
check "If-Modified-Since Last-Modified: 304" eq "$HTTP_CODE" 304
fetch ims2 -H 'If-Modified-Since: Thu, 01 Jan 1998 00:00:00 GMT' \
	"$DAEMON_URL/calendars/all.ics"
check "If-Modified-Since long ago: 200" eq "$HTTP_CODE" 200
fetch inmhead -I -H "If-None-Match: $ETAG" "$DAEMON_URL/calendars/all.ics"
check "HEAD with If-None-Match: 304" eq "$HTTP_CODE" 304

fetch gz -H 'Accept-Encoding: gzip' "$DAEMON_URL/calendars/all.ics"
check "gzip: 200" eq "$HTTP_CODE" 200
check "gzip: Content-Encoding gzip" eq "$(header gz Content-Encoding)" gzip
check "gzip: Vary names Accept-Encoding" matches "$(header gz Vary)" 'Accept-Encoding'
check "gzip: decompresses to the plain body" gunzip_same "$DAEMON_DIR/gz.body" \
	"$DAEMON_DIR/all.body"
GZTAG=$(header gz ETag)
check "gzip: its own strong ETag" test -n "$GZTAG" -a "$GZTAG" != "$ETAG"
fetch gzinm -H 'Accept-Encoding: gzip' -H "If-None-Match: $GZTAG" \
	"$DAEMON_URL/calendars/all.ics"
check "gzip: If-None-Match with its ETag: 304" eq "$HTTP_CODE" 304
fetch nogz -H 'Accept-Encoding: gzip;q=0' "$DAEMON_URL/calendars/all.ics"
check "gzip;q=0 gets the plain body" same_file "$DAEMON_DIR/nogz.body" \
	"$DAEMON_DIR/all.body"

# ---- tokens ----

fetch tok404 "$DAEMON_URL/calendars/person/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics"
check "unknown well-formed token: 404" eq "$HTTP_CODE" 404
fetch tokjunk "$DAEMON_URL/calendars/person/short.ics"
check "malformed token: 404" eq "$HTTP_CODE" 404
check "the log does not print the token" lacks "$DAEMON_LOG" "$PERSON_TOKEN"

# ---- changes by the CLI in another process ----

"$PODIUM" event move "$MOVE_UID" --start "2021-02-11 10:00" \
	--end "2021-02-11 13:00" >/dev/null
check "a move by the CLI reaches all.ics (<= 10 s)" wait_for 10 feed_shows \
	moved "$DAEMON_URL/calendars/all.ics" --public --dtstart "$MOVE_UID=20210211T100000"
fetch moved "$DAEMON_URL/calendars/all.ics"
check "after the move, the ETag changed" test "$(header moved ETag)" != "$ETAG"
fetch stale -H "If-None-Match: $ETAG" "$DAEMON_URL/calendars/all.ics"
check "after the move, the old ETag gets 200" eq "$HTTP_CODE" 200
check "the move reaches the person feed" wait_for 10 feed_shows movedp \
	"$PERSON_URL" --person "$PERSON_EMAIL" --dtstart "$MOVE_UID=20210211T100000"

"$PODIUM" event cancel "$CANCEL_UID" >/dev/null
check "a cancelled event stays in all.ics with STATUS:CANCELLED" wait_for 10 \
	feed_shows cancelled "$DAEMON_URL/calendars/all.ics" --public \
	--status "$CANCEL_UID=CANCELLED"
check "the cancelled event stays in its topic feed, cancelled" wait_for 10 \
	feed_shows cancelledt "$DAEMON_URL/calendars/topic/smarte-mobilitaet.ics" \
	--public --status "$CANCEL_UID=CANCELLED"

if "$PODIUM" feed --help 2>&1 | grep -q revoke; then
	"$PODIUM" feed revoke "$PERSON" >/dev/null
	check "a revoked token: 404 (<= 10 s)" wait_for 10 bash -c \
		'[ "$(curl -s -o /dev/null -w "%{http_code}" "$1")" = 404 ]' _ "$PERSON_URL"
	NEW_URL=$("$PODIUM" feed url "$PERSON" | head -n 1)
	fetch newtok "$NEW_URL"
	check "after revoke, the new URL works" eq "$HTTP_CODE" 200
else
	skip "a revoked token: 404" "'podium feed revoke' does not exist yet"
fi

# ---- [feeds] export_dir ----

for name in all "group/$GROUP" "topic/$TOPIC"; do
	check "export_dir/$name.ics is what is served (<= 10 s)" wait_for 10 \
		export_same "$name"
done
check "export_dir leaves no temporary files" test -z \
	"$(find "$DAEMON_DIR/export" -name '*.tmp' -print -quit)"

# ---- SIGHUP reopens the log ----

mv "$DAEMON_LOG" "$DAEMON_LOG.1"
kill -HUP "$DAEMON_PID"
check "after SIGHUP the log file is made again (<= 10 s)" wait_for 10 \
	test -s "$DAEMON_LOG"
fetch afterhup "$DAEMON_URL/healthz"
check "after SIGHUP podiumd still answers" eq "$HTTP_CODE" 200

# ---- SIGTERM ----

daemon_stop
check "SIGTERM: exit status 0" eq "$DAEMON_STATUS" 0
check "SIGTERM: the log says it stopped" contains "$DAEMON_LOG" stopping

daemon_finish
