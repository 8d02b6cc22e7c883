#!/usr/bin/env bash
# Links the CLI prints work in the daemon (issue 8, part 2).  podiumd runs
# with [secrets] key_file in its temporary folder (an older installation's
# key file) and a base_url of its own port; the CLI gets nothing but --db,
# from another working directory, without PODIUM_KEY_FILE or
# PODIUM_BASE_URL.  The link it prints names podiumd's address and opens
# the answer page, and no file appears anywhere.  Where the database has
# no key yet, the CLI says so and exits 69 instead of inventing one.
set -euo pipefail

# shellcheck source=../lib/daemon.sh
. "$PODIUM_SRC_DIR/tests/lib/daemon.sh"
daemon_init
export PODIUM_NOW=2021-03-01T08:00:00Z
unset PODIUM_KEY_FILE PODIUM_CONFIG
P() { "$PODIUM" "$@" >/dev/null 2>>"$DAEMON_STDERR"; }
P person add --name "Prof. Teich" --email prof.teich@example.org
P event add --title "Smarte Quartiere" --start "2021-03-11 09:00" --duration 3h
P talk add 1 --title "Energie im Quartier" --speaker "Prof. Teich"

# The key file of an older podium, where podiumd's config says.
KEYFILE=$DAEMON_DIR/secret.key
head -c 32 /dev/urandom >"$KEYFILE"
chmod 600 "$KEYFILE"
cp "$KEYFILE" "$DAEMON_DIR/key.orig"
daemon_start

ELSEWHERE=$DAEMON_DIR/elsewhere
mkdir "$ELSEWHERE"
# link ARGS...: podium talk link with only what ARGS say, from ELSEWHERE.
link() {
	(cd "$ELSEWHERE" && env -u PODIUM_DB -u PODIUM_KEY_FILE \
		-u PODIUM_BASE_URL -u PODIUM_CONFIG "$PODIUM" "$@")
}
LINK=$(link --db "$PODIUM_DB" talk link 1 2>>"$DAEMON_STDERR") || LINK=
check "talk link with only --db prints podiumd's address" \
	matches "$LINK" "^$DAEMON_URL/respond/[A-Za-z0-9_-]{60}\$"
fetch page "$LINK"
check "the printed link opens the answer page" eq "$HTTP_CODE" 200
check "... with the two buttons" contains "$DAEMON_DIR/page.body" 'value="accept"'
check "no file was created in the CLI's folder" eq "$(ls -A "$ELSEWHERE")" ""
check "the key file is untouched" same_file "$KEYFILE" "$DAEMON_DIR/key.orig"
check "podiumd says it keeps key_file's key in the database" \
	grep -q "key_file $KEYFILE" "$DAEMON_LOG"
api apilink GET /api/talks/1/link
check "the API gives the same link" eq "$(json apilink 'd["url"]')" "$LINK"
"$PODIUM" feed url "Prof. Teich" >"$DAEMON_DIR/feed.txt" 2>>"$DAEMON_STDERR"
check "feed url prints podiumd's address too" matches \
	"$(head -n 1 "$DAEMON_DIR/feed.txt")" "^$DAEMON_URL/calendars/person/"
fetch pfeed "$(head -n 1 "$DAEMON_DIR/feed.txt")"
check "... and that feed opens" eq "$HTTP_CODE" 200

# Without the key file podiumd uses the database's key (the same one) and
# makes no file; the links still open.
daemon_stop
rm -f "$KEYFILE"
daemon_start
check "podiumd made no key file" test ! -e "$KEYFILE"
LINK2=$(link --db "$PODIUM_DB" talk link 1 2>>"$DAEMON_STDERR") || LINK2=
fetch page2 "$LINK2"
check "without key_file the printed link still opens" eq "$HTTP_CODE" 200
check "podiumd's new port is what the CLI prints now" matches "$LINK2" \
	"^$DAEMON_URL/respond/"
check "the token is the one printed before (same key)" \
	eq "${LINK2##*/respond/}" "${LINK##*/respond/}"

# A database no podiumd has started on has no key: the CLI says so.
cp "$PODIUM_DB" "$DAEMON_DIR/fresh.db"
sqlite3 "$DAEMON_DIR/fresh.db" "DELETE FROM setting"
rc=0
link --db "$DAEMON_DIR/fresh.db" talk link 1 >"$DAEMON_DIR/out" \
	2>"$DAEMON_DIR/err" || rc=$?
check "talk link without a key in the database: 69" eq "$rc" 69
check "... printing no link" eq "$(cat "$DAEMON_DIR/out")" ""
check "... saying who makes the key" contains "$DAEMON_DIR/err" \
	"podiumd makes it when it starts on this database"
check "... and no file was created" eq "$(ls -A "$ELSEWHERE")" ""

daemon_finish
