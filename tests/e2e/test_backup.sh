#!/usr/bin/env bash
# Backups and restores with the real binaries: `podium backup` while
# another process writes in a loop and podiumd serves the same file,
# `podium restore` into a new path (the export is the same as the
# original's), restore into the database podiumd is serving (the feed
# shows the restored programme, the daemon keeps running), and restore
# refusing what is not an intact podium database with 65, leaving the
# target alone.
set -euo pipefail

. "$PODIUM_SRC_DIR/tests/lib/daemon.sh"
daemon_init

WRITER_PID=
daemon_before_cleanup() {
	if [ -n "$WRITER_PID" ]; then
		kill "$WRITER_PID" 2>/dev/null || true
		wait "$WRITER_PID" 2>/dev/null || true
	fi
}

vevents() {
	grep -c '^BEGIN:VEVENT' "$1" || true
}

intact() {
	local r
	r=$(sqlite3 "$1" 'PRAGMA integrity_check' 2>&1) || true
	[ "$r" = ok ] && return 0
	printf 'integrity_check of %s: %s' "$(basename "$1")" "$r"
	return 1
}

"$PODIUM" import "$PODIUM_SRC_DIR/calendars/smartcity-gera-2021.ics" >/dev/null
daemon_start

# ---- backup while another process writes ----

# The writer adds events one transaction at a time until it is stopped.
(
	i=0
	while :; do
		i=$((i + 1))
		"$PODIUM" event add --title "Schreibprobe $i: Größe" \
			--start "2021-03-01 10:00" --duration 30m >/dev/null 2>&1 ||
			echo "write $i failed" >>"$DAEMON_DIR/writer.err"
	done
) &
WRITER_PID=$!
sleep 0.5

for n in 1 2 3; do
	rc=0
	"$PODIUM" backup "$DAEMON_DIR/during-$n.db" >"$DAEMON_DIR/backup.out" \
		2>&1 || rc=$?
	check "backup $n while writing exits 0" eq "$rc" 0
	check "backup $n is one intact file" intact "$DAEMON_DIR/during-$n.db"
	check "backup $n has no -wal beside it" \
		test ! -e "$DAEMON_DIR/during-$n.db-wal"
	sleep 0.3
done
rc=0
"$PODIUM" --json backup "$DAEMON_DIR/during-1.db" >"$DAEMON_DIR/backup.json" \
	|| rc=$?
check "backup over an older backup exits 0" eq "$rc" 0
check "backup --json names the file" contains "$DAEMON_DIR/backup.json" \
	'"backup": "'"$DAEMON_DIR/during-1.db"'"'

kill "$WRITER_PID"
wait "$WRITER_PID" 2>/dev/null || true
WRITER_PID=
check "the writer never failed (no 'database is locked')" \
	test ! -s "$DAEMON_DIR/writer.err"

# A backup made mid-write restores to what it held: the same export as
# the backup file itself, read through a copy.
cp "$DAEMON_DIR/during-2.db" "$DAEMON_DIR/copy-2.db"
"$PODIUM" --db "$DAEMON_DIR/copy-2.db" export -o "$DAEMON_DIR/copy-2.ics"
rc=0
"$PODIUM" --db "$DAEMON_DIR/new-2.db" restore "$DAEMON_DIR/during-2.db" \
	>/dev/null || rc=$?
check "restore into a new path exits 0" eq "$rc" 0
"$PODIUM" --db "$DAEMON_DIR/new-2.db" export -o "$DAEMON_DIR/new-2.ics"
check "the restored mid-write backup exports like the backup" \
	same_file "$DAEMON_DIR/copy-2.ics" "$DAEMON_DIR/new-2.ics"
during=$(vevents "$DAEMON_DIR/new-2.ics")
check "the mid-write backup holds the programme and some writes" \
	test "$during" -gt 6

# ---- backup of a quiet database: restore gives the same export ----

"$PODIUM" export -o "$DAEMON_DIR/live.ics"
"$PODIUM" backup "$DAEMON_DIR/final.db" >/dev/null
"$PODIUM" --db "$DAEMON_DIR/new-final.db" restore "$DAEMON_DIR/final.db" \
	>/dev/null
"$PODIUM" --db "$DAEMON_DIR/new-final.db" export -o "$DAEMON_DIR/new-final.ics"
check "backup, restore, export: the same bytes as the original's export" \
	same_file "$DAEMON_DIR/live.ics" "$DAEMON_DIR/new-final.ics"
check "restore leaves no temporary file" \
	test ! -e "$DAEMON_DIR/new-final.db.restore-tmp"

# ---- restore into the database podiumd is serving ----

feed_count() {
	fetch feed "$DAEMON_URL/calendars/all.ics" >/dev/null 2>&1 || return 1
	[ "$(vevents "$DAEMON_DIR/feed.body")" = "$1" ]
}
total=$(vevents "$DAEMON_DIR/live.ics")
fetch feed "$DAEMON_URL/calendars/all.ics"
check "before: the feed has every event ($total)" \
	eq "$(vevents "$DAEMON_DIR/feed.body")" "$total"
rc=0
"$PODIUM" restore "$DAEMON_DIR/during-2.db" >/dev/null || rc=$?
check "restore while podiumd serves the file exits 0" eq "$rc" 0
check "after: the feed shows the restored programme ($during events)" \
	wait_for 10 feed_count "$during"
fetch health "$DAEMON_URL/healthz"
check "podiumd is healthy after the restore" eq "$HTTP_CODE" 200
"$PODIUM" export -o "$DAEMON_DIR/after.ics"
check "the served database exports like the backup" \
	same_file "$DAEMON_DIR/copy-2.ics" "$DAEMON_DIR/after.ics"

# ---- what restore refuses ----

refused() {
	local rc=0
	"$PODIUM" --db "$DAEMON_DIR/target.db" restore "$1" \
		>/dev/null 2>"$DAEMON_DIR/refused.err" || rc=$?
	[ "$rc" = 65 ] || { printf 'exit %s, expected 65' "$rc"; return 1; }
	[ ! -e "$DAEMON_DIR/target.db" ] ||
		{ printf 'target.db was created'; return 1; }
}
printf 'not a database at all\n' >"$DAEMON_DIR/junk.db"
check "restore of a text file: 65, nothing made" refused "$DAEMON_DIR/junk.db"
check "the message says why" contains "$DAEMON_DIR/refused.err" \
	"not a podium database"
check "restore of an .ics file: 65" refused \
	"$PODIUM_SRC_DIR/calendars/smartcity-gera-2021.ics"
sqlite3 "$DAEMON_DIR/other.db" 'CREATE TABLE t (x); INSERT INTO t VALUES (1)'
check "restore of somebody else's SQLite file: 65" refused \
	"$DAEMON_DIR/other.db"
cp "$DAEMON_DIR/final.db" "$DAEMON_DIR/newer.db"
sqlite3 "$DAEMON_DIR/newer.db" 'PRAGMA user_version = 99'
check "restore of a newer schema: 65" refused "$DAEMON_DIR/newer.db"
head -c 20000 "$DAEMON_DIR/final.db" >"$DAEMON_DIR/cut.db"
check "restore of a truncated backup: 65" refused "$DAEMON_DIR/cut.db"
check "restore of a missing file: 65" refused "$DAEMON_DIR/missing.db"
rc=0
"$PODIUM" backup >/dev/null 2>&1 || rc=$?
check "backup without FILE: 64" eq "$rc" 64
rc=0
"$PODIUM" backup "$PODIUM_DB" >/dev/null 2>&1 || rc=$?
check "backup onto the database itself: 65" eq "$rc" 65

# ---- the checked-in old schema restores and migrates ----

rc=0
"$PODIUM" --db "$DAEMON_DIR/v1.db" restore \
	"$PODIUM_SRC_DIR/tests/data/schema-v1.db" >/dev/null || rc=$?
check "restore of a schema-1 backup exits 0" eq "$rc" 0
"$PODIUM" --db "$DAEMON_DIR/v1.db" export -o "$DAEMON_DIR/v1.ics"
check "the schema-1 event is there" contains "$DAEMON_DIR/v1.ics" \
	"UID:v1-projektwoche-2021-02-04@smartcity-gera.example.org"

daemon_finish
