#!/usr/bin/env bash
# The man pages (man/): mandoc and groff find nothing to warn about, and
# they are complete — every command and option that `podium --help` and
# each command's --help print is in podium(1), every option of `podiumd
# --help` in podiumd(8), and every key of lib/config.c in podium.ini(5)
# under its own section.  A new command, option or key without its line
# in the page fails here.
set -euo pipefail

BIN=${PODIUM_BIN_DIR:?PODIUM_BIN_DIR is not set}
SRC=${PODIUM_SRC_DIR:?PODIUM_SRC_DIR is not set}
MAN=$SRC/man
checks=0
failures=0

ok() { checks=$((checks + 1)); printf 'ok - %s\n' "$1"; }
not_ok() {
	checks=$((checks + 1))
	failures=$((failures + 1))
	printf 'not ok - %s: %s\n' "$1" "$2"
}

for page in podium.1 podiumd.8 podium.ini.5; do
	out=$(mandoc -T lint -W warning "$MAN/$page" 2>&1) && rc=0 || rc=$?
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		ok "$page: mandoc -T lint is clean"
	else
		not_ok "$page: mandoc -T lint" "$out"
	fi
	out=$(groff -ww -z -mandoc "$MAN/$page" 2>&1) && rc=0 || rc=$?
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		ok "$page: groff -ww -z has no warnings"
	else
		not_ok "$page: groff -ww -z" "$out"
	fi
	if command -v man >/dev/null; then
		out=$(MANWIDTH=80 man -l "$MAN/$page" 2>&1 >/dev/null) || true
		if [ -z "$out" ]; then
			ok "$page: man -l renders without a message"
		else
			not_ok "$page: man -l" "$out"
		fi
	fi
done

# in_page PAGE REGEX: the page's source has a line matching REGEX.
in_page() { grep -qE -- "$2" "$MAN/$1"; }

# Every command of the CLI's table, and every option of its usage.
"$BIN/podium" --help >/tmp/podium-man-help.$$ 2>&1 || true
trap 'rm -f /tmp/podium-man-help.$$' EXIT
cmds=$(sed -nE 's/^  podium ([a-z]+)( ([a-z][a-z-]*))?( .*|$)/\1 \3/p' \
	/tmp/podium-man-help.$$ | sed 's/ $//')
[ -n "$cmds" ] || not_ok "podium --help lists commands" "none found"
while read -r cmd; do
	[ -n "$cmd" ] || continue
	if in_page podium.1 "Ic $cmd( |$)"; then
		ok "podium.1 describes 'podium $cmd'"
	else
		not_ok "podium.1 describes 'podium $cmd'" "no '.Ic $cmd' in man/podium.1"
	fi
	# shellcheck disable=SC2086
	opts=$("$BIN/podium" $cmd --help 2>/dev/null | grep -oE -- '--[a-z][a-z-]*' |
		sort -u) || true
	for o in $opts; do
		[ "$o" = --help ] && continue
		if in_page podium.1 "Fl -${o#--}( |$)"; then
			ok "podium.1 has '$cmd $o'"
		else
			not_ok "podium.1 has '$cmd $o'" "no '.Fl $o' in man/podium.1"
		fi
	done
done <<<"$cmds"
for o in $(grep -oE -- '--[a-z][a-z-]*' /tmp/podium-man-help.$$ | sort -u); do
	if in_page podium.1 "Fl -${o#--}( |$)"; then
		ok "podium.1 has the global option $o"
	else
		not_ok "podium.1 has the global option $o" "missing"
	fi
done
for e in PODIUM_DB PODIUM_CONFIG PODIUM_BASE_URL PODIUM_NOW \
	PODIUM_DATADIR; do
	if in_page podium.1 "^\.It Ev $e$"; then
		ok "podium.1 explains $e"
	else
		not_ok "podium.1 explains $e" "missing in ENVIRONMENT"
	fi
done
for s in 0 64 65 69; do
	if in_page podium.1 "^\.It $s$"; then
		ok "podium.1 lists exit status $s"
	else
		not_ok "podium.1 lists exit status $s" "missing in EXIT STATUS"
	fi
done

# Every option of podiumd, its signals and exit statuses.
for o in $("$BIN/podiumd" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
	if in_page podiumd.8 "Fl -${o#--}( |$)"; then
		ok "podiumd.8 has $o"
	else
		not_ok "podiumd.8 has $o" "no '.Fl $o' in man/podiumd.8"
	fi
done
for s in SIGTERM SIGHUP; do
	if in_page podiumd.8 "Dv $s"; then
		ok "podiumd.8 explains $s"
	else
		not_ok "podiumd.8 explains $s" "missing in SIGNALS"
	fi
done
for s in 0 64 69 75 78; do
	if in_page podiumd.8 "^\.It $s$"; then
		ok "podiumd.8 lists exit status $s"
	else
		not_ok "podiumd.8 lists exit status $s" "missing"
	fi
done

# Every key of the config table, under its section.
keys=$(sed -nE 's/^[[:space:]]*\{ "([a-z]+)", "([a-z_]+)", K_.*/\1 \2/p' \
	"$SRC/lib/config.c")
[ -n "$keys" ] || not_ok "lib/config.c has keys" "none found"
while read -r section key; do
	if awk -v s=".Ss [$section]" -v k=".It Ic $key No =" '
		$0 == s { in_s = 1; next }
		/^\.Ss / { in_s = 0 }
		in_s && index($0, k) == 1 { found = 1 }
		END { exit !found }' "$MAN/podium.ini.5"; then
		ok "podium.ini.5 has [$section] $key"
	else
		not_ok "podium.ini.5 has [$section] $key" \
			"no '.It Ic $key No =' under '.Ss [$section]'"
	fi
done <<<"$keys"

printf '# %d checks, %d failed\n' "$checks" "$failures"
[ "$failures" -eq 0 ]
