#!/usr/bin/env bash
# Nudges after a pause (issue 8, part 1): requests go out, podiumd does
# not run for nine days, then `podiumd --once` runs twice at the same
# PODIUM_NOW.  The speakers get one nudge each, not nudge 1 in the first
# pass and nudge 2 in the second; later passes space the rest out by
# `nudge` (4 d) after the nudge before, then the intermediary is told.
#
#   03-01 08:00Z  requests: Teich (session 03-11), Robotron (session 04-30),
#                 both via Seidel
#   03-10 08:00Z  twice: nudge 1 to each speaker, Cc Seidel, once
#   03-12         nothing (2 days after nudge 1)
#   03-14 08:00Z  twice: nudge 2 to Robotron only (Teich's session is over)
#   03-18 08:00Z  Seidel is told about Robotron; 03-25 nothing more
set -euo pipefail

# shellcheck source=../lib/daemon.sh
. "$PODIUM_SRC_DIR/tests/lib/daemon.sh"
daemon_init
daemon_write_config 1
SPOOL=$DAEMON_DIR/spool

export PODIUM_NOW=2021-02-20T08:00:00Z
P() { "$PODIUM" "$@" >/dev/null 2>>"$DAEMON_STDERR"; }
P person add --name "Prof. Teich" --email prof.teich@example.org
P person add --name "Smart Campus Robotron" --email smartcampus.robotron@example.org
P person add --name "Jonas Seidel" --email jonas.seidel@example.org
P event add --title "Smarte Quartiere" --start "2021-03-11 09:00" --duration 3h
P event add --title "Smart Campus" --start "2021-04-30 09:00" --duration 2h
P talk add 1 --title "Energie im Quartier" --speaker "Prof. Teich" --via "Jonas Seidel"
P talk add 2 --title "Smart Campus" --speaker "Smart Campus Robotron" --via "Jonas Seidel"

# once NOW: one pass at NOW; it must exit 0 (spool mode never retries).
once() {
	local rc=0
	PODIUM_NOW=$1 "$PODIUMD" --once --config "$DAEMON_CONFIG" \
		--log "$DAEMON_LOG" 2>>"$DAEMON_STDERR" || rc=$?
	check "podiumd --once at $1 exits 0" eq "$rc" 0
}

# count KIND [TO]: spooled messages of X-Podium-Kind KIND (to TO).
count() {
	local n=0 f
	for f in "$SPOOL"/*.eml; do
		[ -e "$f" ] || continue
		grep -q "^X-Podium-Kind: $1"$'\r'"\?$" "$f" || continue
		if [ -n "${2-}" ] && ! grep -qi "^To:.*$2" "$f"; then
			continue
		fi
		n=$((n + 1))
	done
	echo "$n"
}

once 2021-03-01T08:00:00Z
check "03-01: two speaker requests" eq "$(count speaker-request)" 2

once 2021-03-10T08:00:00Z
once 2021-03-10T08:00:00Z
check "03-10, two passes: one nudge to Teich" eq "$(count nudge prof.teich)" 1
check "03-10, two passes: one nudge to Robotron" \
	eq "$(count nudge smartcampus.robotron)" 1
check "03-10: Seidel is not told yet" eq "$(count nudge jonas.seidel)" 0
check "03-10: the nudges have Seidel in Cc" bash -c \
	'[ "$(grep -l "^X-Podium-Kind: nudge" "$1"/*.eml | xargs grep -il "^Cc:.*jonas.seidel" | wc -l)" -eq 2 ]' \
	_ "$SPOOL"

once 2021-03-12T08:00:00Z
check "03-12: nothing more" eq "$(count nudge)" 2

once 2021-03-14T08:00:00Z
once 2021-03-14T08:00:00Z
check "03-14: the second nudge to Robotron, once" \
	eq "$(count nudge smartcampus.robotron)" 2
check "03-14: none to Teich, whose session is over" \
	eq "$(count nudge prof.teich)" 1
check "03-14: Seidel is not told yet" eq "$(count nudge jonas.seidel)" 0

once 2021-03-17T08:00:00Z
check "03-17: Seidel is not told yet" eq "$(count nudge jonas.seidel)" 0
once 2021-03-18T08:00:00Z
once 2021-03-18T08:00:00Z
check "03-18: Seidel is told about Robotron, once" \
	eq "$(count nudge jonas.seidel)" 1
once 2021-03-25T08:00:00Z
check "03-25: nothing more" eq "$(count nudge)" 4

daemon_finish
