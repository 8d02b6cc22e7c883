#!/usr/bin/env bash
# The scale-out deployment of the README: nginx serves the feeds from
# podiumd's [feeds] export_dir (ETag from mtime and size, 304s, sendfile)
# and passes everything else (API, answer pages, personal feeds) to
# podiumd.  A write that changes no public feed leaves every exported
# file as it was, so nginx keeps answering 304 to subscribers; a write
# that changes a feed is served by nginx with a new ETag.  Every wait is
# bounded; nothing here passes or fails on speed.
set -euo pipefail
. "$PODIUM_SRC_DIR/tests/lib/daemon.sh"
daemon_init
"$PODIUM" import "$PODIUM_SRC_DIR/calendars/smartcity-gera-2021.ics" >/dev/null

NGINX=/usr/sbin/nginx
if [ ! -x "$NGINX" ]; then
	skip "nginx in front of export_dir" "nginx is not installed (nginx-light)"
	daemon_finish
fi

EXPORT=$DAEMON_DIR/export
DAEMON_EXTRA_INI="[feeds]
export_dir = $EXPORT"
daemon_start

NGINX_PID=
daemon_before_cleanup() {
	# The nginx this test started, and only that one.
	[ -n "$NGINX_PID" ] && kill -QUIT "$NGINX_PID" 2>/dev/null || true
	[ -n "$NGINX_PID" ] && wait "$NGINX_PID" 2>/dev/null || true
}
NPORT=$(_daemon_free_port)
mkdir -p "$DAEMON_DIR/nginx-tmp"
cat >"$DAEMON_DIR/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $DAEMON_DIR/nginx.pid;
error_log $DAEMON_DIR/nginx-error.log warn;
events { worker_connections 64; }
http {
	access_log off;
	sendfile on;
	client_body_temp_path $DAEMON_DIR/nginx-tmp;
	proxy_temp_path $DAEMON_DIR/nginx-tmp;
	fastcgi_temp_path $DAEMON_DIR/nginx-tmp;
	uwsgi_temp_path $DAEMON_DIR/nginx-tmp;
	scgi_temp_path $DAEMON_DIR/nginx-tmp;
	types { text/calendar ics; }
	server {
		listen 127.0.0.1:$NPORT;
		# Public feeds: files.  Personal feeds are not exported.
		location /calendars/person/ {
			proxy_pass http://127.0.0.1:$DAEMON_PORT;
		}
		location /calendars/ {
			alias $EXPORT/;
			add_header Cache-Control "public, no-cache";
		}
		location / {
			proxy_pass http://127.0.0.1:$DAEMON_PORT;
		}
	}
}
EOF
# nginx workers run as www-data when started by root: they must reach it.
chmod 0755 "$DAEMON_DIR" "$EXPORT" 2>/dev/null || true
"$NGINX" -p "$DAEMON_DIR" -c "$DAEMON_DIR/nginx.conf" \
	-e "$DAEMON_DIR/nginx-error.log" </dev/null 2>"$DAEMON_DIR/nginx.stderr" &
NGINX_PID=$!
NURL=http://127.0.0.1:$NPORT
check "nginx starts (<= 10 s)" wait_for 10 curl -sf -o /dev/null "$NURL/healthz"

check "export_dir has all.ics (<= 10 s)" wait_for 10 test -s "$EXPORT/all.ics"
fetch n1 "$NURL/calendars/all.ics"
check "nginx serves all.ics" eq "$HTTP_CODE" 200
fetch p1 "$DAEMON_URL/calendars/all.ics"
check "nginx serves podiumd's bytes" same_file "$DAEMON_DIR/n1.body" \
	"$DAEMON_DIR/p1.body"
TAG=$(header n1 ETag)
check "nginx gives an ETag" matches "$TAG" '^"'
fetch n2 -H "If-None-Match: $TAG" "$NURL/calendars/all.ics"
check "nginx answers 304 to its own ETag" eq "$HTTP_CODE" 304
fetch h "$NURL/healthz"
check "the rest goes to podiumd (/healthz through nginx)" eq "$HTTP_CODE" 200
api people GET /api/people
check "the API through podiumd directly" eq "$HTTP_CODE" 200

# A write no public feed shows: nothing is rewritten, nginx says 304.
mtime=$(stat -c %Y.%s "$EXPORT/all.ics")
rev0=$(json h 'd["revision"]')
"$PODIUM" person add --name "Niemand im Programm" >/dev/null
healthz_rev() {
	fetch hz "$DAEMON_URL/healthz"
	[ "$(json hz 'd["revision"]')" != "$rev0" ]
}
check "podiumd sees the write (<= 10 s)" wait_for 10 healthz_rev
# The refresh that follows the revision runs within a second.
sleep 2
check "all.ics is not rewritten by it (same mtime and size)" eq \
	"$(stat -c %Y.%s "$EXPORT/all.ics")" "$mtime"
fetch n3 -H "If-None-Match: $TAG" "$NURL/calendars/all.ics"
check "nginx still answers 304" eq "$HTTP_CODE" 304

# A write that changes the feed: nginx serves the new bytes, new ETag.
ID=$("$PODIUM" --json event list | "$PY" -c 'import json, sys
print(json.load(sys.stdin)[0]["id"])')
"$PODIUM" event move "$ID" --start "2021-05-05 10:00" >/dev/null
changed() {
	fetch n4 -H "If-None-Match: $TAG" "$NURL/calendars/all.ics"
	[ "$HTTP_CODE" = 200 ]
}
check "after a move nginx answers 200 again (<= 10 s)" wait_for 10 changed
check "with a new ETag" test "$(header n4 ETag)" != "$TAG"
fetch p4 "$DAEMON_URL/calendars/all.ics"
check "and podiumd's new bytes" same_file "$DAEMON_DIR/n4.body" \
	"$DAEMON_DIR/p4.body"

daemon_finish
