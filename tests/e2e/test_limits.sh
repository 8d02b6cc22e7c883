#!/usr/bin/env bash
# Resource limits of podiumd: many idle connections must not keep a normal
# client from its feed.  Three runs: the defaults with 1,000 idle
# connections; a per-IP limit with the flood from 127.0.0.1 and the
# normal client from 127.0.0.2; and a short timeout that closes idle
# connections by itself.
set -euo pipefail
. "$PODIUM_SRC_DIR/tests/lib/daemon.sh"
daemon_init
"$PODIUM" import "$PODIUM_SRC_DIR/calendars/smartcity-gera-2021.ics" >/dev/null

FLOOD=$DAEMON_DIR/flood.py
cat >"$FLOOD" <<'PY'
# flood.py PORT COUNT HOLD_SECONDS READY_FILE: opens COUNT connections
# from 127.0.0.1 that never send a byte, writes how many connected to
# READY_FILE, holds them, then reports how many the server closed.
import resource, socket, sys, time
port, count, hold, ready = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 256), hard))
socks = []
for _ in range(count):
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect(("127.0.0.1", port))
        socks.append(s)
    except OSError:
        s.close()
open(ready + ".tmp", "w").write(str(len(socks)))
import os; os.rename(ready + ".tmp", ready)
deadline = time.time() + hold
for s in socks:
    s.setblocking(False)
closed = set()
while time.time() < deadline and len(closed) < len(socks):
    for i, s in enumerate(socks):
        if i in closed:
            continue
        try:
            if s.recv(1) == b"":
                closed.add(i)
        except BlockingIOError:
            pass
        except OSError:
            closed.add(i)
    time.sleep(0.2)
print(len(socks), len(closed))
PY

# flood COUNT HOLD: starts the flood in the background, waits until its
# connections are open (bounded); sets FLOOD_PID and OPENED.
flood() {
	rm -f "$DAEMON_DIR/ready" "$DAEMON_DIR/flood.out"
	"$PY" "$FLOOD" "$DAEMON_PORT" "$1" "$2" "$DAEMON_DIR/ready" \
		>"$DAEMON_DIR/flood.out" &
	FLOOD_PID=$!
	for _ in $(seq 300); do
		[ -f "$DAEMON_DIR/ready" ] && break
		sleep 0.1
	done
	OPENED=$(cat "$DAEMON_DIR/ready" 2>/dev/null || echo 0)
}

# feed_from ADDR: fetches all.ics with ADDR as the source address.
feed_from() {
	curl -s --max-time 10 --interface "$1" -o "$DAEMON_DIR/feed.ics" \
		-w '%{http_code}' "$DAEMON_URL/calendars/all.ics" || true
}

# 1. Defaults: 1,000 idle connections fit under max_connections (1024).
daemon_start
flood 1000 8
check "1,000 idle connections are open" test "$OPENED" -ge 1000
check "a normal client still gets its feed" eq "$(feed_from 127.0.0.1)" 200
check "and it is the whole calendar" grep -q "END:VCALENDAR" "$DAEMON_DIR/feed.ics"
kill "$FLOOD_PID" 2>/dev/null || true
wait "$FLOOD_PID" 2>/dev/null || true
daemon_stop
check "SIGTERM with idle connections exits 0" eq "$DAEMON_STATUS" 0

# 2. A per-IP limit: the flood from 127.0.0.1 cannot take the slots of
# another address.
DAEMON_EXTRA_INI=$'[http]\nper_ip_connections = 50'
daemon_start
flood 1000 8
check "a client from another address gets its feed" \
	eq "$(feed_from 127.0.0.2)" 200
check "the flooding address gets no more than its share" \
	test "$(feed_from 127.0.0.1)" != 200
kill "$FLOOD_PID" 2>/dev/null || true
wait "$FLOOD_PID" 2>/dev/null || true
daemon_stop

# 3. The timeout closes connections that never send a request.
DAEMON_EXTRA_INI=$'[http]\ntimeout = 2'
daemon_start
flood 200 20
wait "$FLOOD_PID" || true
read -r opened closed <"$DAEMON_DIR/flood.out"
check "idle connections are closed by the timeout" eq "$closed" "$opened"
check "podiumd is healthy after" eq \
	"$(curl -s -o /dev/null -w '%{http_code}' "$DAEMON_URL/healthz")" 200
daemon_stop
check "SIGTERM exits 0" eq "$DAEMON_STATUS" 0

daemon_finish
