#!/usr/bin/env bash
# Robustness under load: 200 concurrent clients fetch the feeds (plain,
# gzip, conditional, personal) while the CLI writes to the same database
# from another process.  Every answer must be 200 or 304 with a whole
# calendar, podiumd must not crash, and after the load the feed must show
# the last write.  Then SIGTERM arrives in the middle of a second load:
# podiumd must exit 0.  ASan/UBSan must stay silent throughout.
#
# Nothing here is timed: the load is a bounded number of requests per
# client, and every wait has a generous bound.  Run by ctest with
# PODIUM_BIN_DIR and PODIUM_SRC_DIR.
set -euo pipefail

. "${PODIUM_SRC_DIR:?PODIUM_SRC_DIR is not set}/tests/lib/daemon.sh"

CLIENTS=${PODIUM_LOAD_CLIENTS:-200}
# Per client: at most this many requests, a bound; the end of the writes
# ends the run earlier.
MAX_REQ=${PODIUM_LOAD_MAX_REQ:-1000}
WRITES=${PODIUM_LOAD_WRITES:-15}
CHECK_FEED=$PODIUM_SRC_DIR/tests/e2e/check_feed.py

# The load generator: CLIENTS threads, released together by a barrier, each
# on its own keep-alive connection (a fresh one after any close).  It
# writes "N" to PROGRESS as requests complete and a summary at the end.
# With --shutdown, connection errors end a client quietly (podiumd is
# being stopped); answers that do arrive must still be right.
write_loader() {
	cat >"$DAEMON_DIR/load.py" <<-'EOF'
		import http.client, sys, threading, time, os, collections

		port, clients, max_req = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
		stop_file, progress = sys.argv[4], sys.argv[5]
		paths = sys.argv[6].split(",")
		shutdown = "--shutdown" in sys.argv
		deadline = time.monotonic() + 300       # a bound, not a measurement
		lock = threading.Lock()
		codes = collections.Counter()
		errors = []
		done = [0]
		etags = {}
		barrier = threading.Barrier(clients)

		def one(conn, i, n):
		    path = paths[(i + n) % len(paths)]
		    hdrs = {}
		    if n % 3 == 1:
		        hdrs["Accept-Encoding"] = "gzip"
		    if n % 4 == 2 and path in etags:
		        hdrs["If-None-Match"] = etags[path]
		    conn.request("GET", path, headers=hdrs)
		    r = conn.getresponse()
		    body = r.read()
		    if r.status == 200 and path == "/healthz":
		        if not body.startswith(b"{"):
		            raise ValueError("/healthz: not JSON: %r" % body[:80])
		    elif r.status == 200:
		        if r.getheader("Content-Encoding") != "gzip" and not body.startswith(b"BEGIN:VCALENDAR"):
		            raise ValueError("%s: 200 without a calendar: %r" % (path, body[:80]))
		        if int(r.getheader("Content-Length", "-1")) != len(body):
		            raise ValueError("%s: Content-Length %s, body %d" % (path, r.getheader("Content-Length"), len(body)))
		        if r.getheader("Content-Encoding") != "gzip":
		            etags[path] = r.getheader("ETag")
		    elif r.status == 304:
		        if body:
		            raise ValueError("%s: 304 with a body" % path)
		    return r.status

		def client(i):
		    conn = None
		    try:
		        barrier.wait(timeout=60)
		    except threading.BrokenBarrierError:
		        pass
		    for n in range(max_req):
		        if time.monotonic() > deadline or (n >= 5 and os.path.exists(stop_file)):
		            break
		        try:
		            if conn is None:
		                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
		            st = one(conn, i, n)
		        except (OSError, http.client.HTTPException) as e:
		            if conn is not None:
		                conn.close()
		                conn = None
		            if shutdown:
		                return
		            with lock:
		                errors.append("client %d request %d: %s: %s" % (i, n, type(e).__name__, e))
		            continue
		        except ValueError as e:
		            with lock:
		                errors.append(str(e))
		            continue
		        with lock:
		            codes[st] += 1
		            done[0] += 1
		            if done[0] % 200 == 0:
		                with open(progress, "w") as f:
		                    f.write("%d\n" % done[0])
		    if conn is not None:
		        conn.close()

		threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
		for t in threads:
		    t.start()
		for t in threads:
		    t.join()
		with open(progress, "w") as f:
		    f.write("%d\n" % done[0])
		bad = {c: n for c, n in codes.items() if c not in (200, 304)}
		print("requests %d; statuses %s; errors %d" % (done[0], dict(sorted(codes.items())), len(errors)))
		for e in errors[:10]:
		    print("error: " + e)
		sys.exit(1 if bad or errors else 0)
	EOF
}

# load_start NAME [--shutdown]: runs the loader in the background.
load_start() {
	local name=$1
	shift
	rm -f "$DAEMON_DIR/$name.stop" "$DAEMON_DIR/$name.progress"
	"$PY" "$DAEMON_DIR/load.py" "$DAEMON_PORT" "$CLIENTS" "$MAX_REQ" \
		"$DAEMON_DIR/$name.stop" "$DAEMON_DIR/$name.progress" "$PATHS" "$@" \
		>"$DAEMON_DIR/$name.out" 2>&1 &
	LOAD_PID=$!
}

# progress_at_least NAME N: the loader NAME has finished N requests.
progress_at_least() {
	[ "$(cat "$DAEMON_DIR/$1.progress" 2>/dev/null || echo 0)" -ge "$2" ]
}

# load_wait: waits for the loader (bounded by its own deadline, and by
# ours: 360 s); LOAD_STATUS is its exit status.
load_wait() {
	local i
	for i in $(seq 3600); do
		kill -0 "$LOAD_PID" 2>/dev/null || break
		[ "$(awk '{ print $3 }' "/proc/$LOAD_PID/stat" 2>/dev/null)" = Z ] && break
		sleep 0.1
	done
	kill -KILL "$LOAD_PID" 2>/dev/null || true
	LOAD_STATUS=0
	wait "$LOAD_PID" || LOAD_STATUS=$?
	LOAD_PID=
}

# Called by daemon_cleanup (the EXIT trap) before podiumd is stopped.
daemon_before_cleanup() {
	if [ -n "${LOAD_PID-}" ]; then
		kill -KILL "$LOAD_PID" 2>/dev/null || true
		wait "$LOAD_PID" 2>/dev/null || true
	fi
}

LOAD_PID=
daemon_init
"$PODIUM" import "$PODIUM_SRC_DIR/calendars/smartcity-gera-2021.ics" >/dev/null
MOVE_UID=projektwochen-smarte-quartiere-2021-02-11@smartcity-gera.example.org
write_loader
daemon_start

PERSON_URL=$("$PODIUM" feed url "Dietmar Lübcke" | head -n 1)
PATHS="/calendars/all.ics,/calendars/group/fachgruppe-unternehmen-der-kommunalen-infrastruktur.ics"
PATHS="$PATHS,/calendars/topic/smarte-quartiere.ics,${PERSON_URL#"$DAEMON_URL"},/healthz"

# ---- load while the CLI writes ----

load_start load1
check "the clients get going (<= 60 s)" wait_for 60 progress_at_least load1 200
wfail=0
for i in $(seq "$WRITES"); do
	# Minutes move, so every write changes every feed that holds it.
	"$PODIUM" event move "$MOVE_UID" --start "2021-02-11 09:$(printf %02d "$i")" \
		--end "2021-02-11 12:00" >/dev/null 2>>"$DAEMON_DIR/cli.err" || wfail=$((wfail + 1))
	"$PODIUM" person add --name "Lastgast $i" --email "lastgast$i@example.org" \
		>/dev/null 2>>"$DAEMON_DIR/cli.err" || wfail=$((wfail + 1))
done
touch "$DAEMON_DIR/load1.stop"
check "the CLI's $((WRITES * 2)) writes during the load all succeed" eq "$wfail" 0
check "the CLI never saw 'database is locked'" lacks "$DAEMON_DIR/cli.err" "locked"
load_wait
check "every answer under load is 200 or 304 and whole" \
	bash -c 'cat "$1"; exit "$2"' _ "$DAEMON_DIR/load1.out" "$LOAD_STATUS"
echo "# load 1: $(head -n 1 "$DAEMON_DIR/load1.out")"
check "podiumd survived the load" _daemon_alive "$DAEMON_PID"
check "the feed shows the last move (<= 10 s)" wait_for 10 bash -c '
	curl -s --max-time 10 -o "$1" "$2" && "$3" "$4" "$1" --public \
		--dtstart "$5=20210211T09$(printf %02d "$6")00"' _ \
	"$DAEMON_DIR/final.ics" "$DAEMON_URL/calendars/all.ics" "$PY" "$CHECK_FEED" \
	"$MOVE_UID" "$WRITES"

# ---- SIGTERM in the middle of a load ----

load_start load2 --shutdown
check "the second load gets going (<= 60 s)" wait_for 60 progress_at_least load2 200
kill -TERM "$DAEMON_PID"
if daemon_wait_exit 30; then
	check "SIGTERM during load: exit status 0" eq "$DAEMON_STATUS" 0
else
	check "SIGTERM during load: podiumd ends within 30 s" false
	daemon_stop
fi
load_wait
check "answers before the stop were all 200/304 and whole" \
	bash -c 'cat "$1"; exit "$2"' _ "$DAEMON_DIR/load2.out" "$LOAD_STATUS"
echo "# load 2: $(head -n 1 "$DAEMON_DIR/load2.out")"
check "podiumd logged that it stopped" contains "$DAEMON_LOG" stopping

daemon_finish
