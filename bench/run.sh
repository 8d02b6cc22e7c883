#!/bin/bash
# bench/run.sh: what `make bench` runs.
#
# Runs every bench/*.sh except itself, in name order (or only the ones
# named: `bash bench/run.sh render mail`), shows each one's output, and
# ends with a table of the ratios against the goals of SPEC.md ("Measured
# goals").  A bench reports its ratios as lines
#
#     RESULT <measure> <podium vs peer> <ratio> <goal> <met|missed|skipped>
#
# which are gathered here and not shown twice; a bench that prints no
# RESULT lines has its lines that mention a ratio copied to the table.
#
# Benchmarks are not tests: this script exits 0 whatever the figures and
# whatever a bench's exit status (which the table shows), so that `make
# bench` never fails a build.  BENCH_STRICT=1 makes it exit 1 when a goal
# was missed, for whoever wants that.
set -u
cd "$(dirname "$0")/.."

self=$(basename "$0")
work=$(mktemp -d /tmp/podium-bench-run.XXXXXX) || exit 0
trap 'rm -rf "$work"' EXIT
: >"$work/results"
: >"$work/other"
: >"$work/status"

selected() {
	local name=$1 want
	[ "${#ARGS[@]}" -eq 0 ] && return 0
	for want in "${ARGS[@]}"; do
		[ "$want" = "$name" ] && return 0
	done
	return 1
}
ARGS=("$@")

start_all=$(date +%s)
for script in bench/*.sh; do
	name=$(basename "$script" .sh)
	[ "$(basename "$script")" = "$self" ] && continue
	selected "$name" || continue
	echo "=== bench/$name ($(date '+%H:%M:%S'))"
	t0=$(date +%s)
	bash "$script" 2>&1 | tee "$work/log" | grep -v '^RESULT '
	rc=${PIPESTATUS[0]}
	t1=$(date +%s)
	echo "=== bench/$name: $((t1 - t0)) s, exit $rc"
	echo
	printf '%s %s %s\n' "$name" "$rc" "$((t1 - t0))" >>"$work/status"
	if grep -q '^RESULT ' "$work/log"; then
		sed -n "s/^RESULT /$name /p" "$work/log" >>"$work/results"
	else
		grep -i 'ratio' "$work/log" | sed "s/^/$name: /" >>"$work/other"
	fi
done

echo "=== summary ($(($(date +%s) - start_all)) s; ratios are podium against the peer, higher is better)"
printf '%-8s %-12s %-28s %9s %7s  %s\n' bench measure "ratio of" ratio goal verdict
printf '%-8s %-12s %-28s %9s %7s  %s\n' ----- ------- -------- ----- ---- -------
missed=0
while read -r bench measure what ratio goal verdict; do
	printf '%-8s %-12s %-28s %9s %7s  %s\n' "$bench" "$measure" "$what" \
	    "$ratio" ">= $goal" "$verdict"
	[ "$verdict" = missed ] && missed=1
done <"$work/results"
if [ -s "$work/other" ]; then
	echo "(as printed by benches without RESULT lines)"
	cat "$work/other"
	grep -q 'MISSED' "$work/other" && missed=1
fi
while read -r bench rc secs; do
	[ "$rc" != 0 ] && echo "note: bench/$bench exited $rc after $secs s"
done <"$work/status"
[ ! -s "$work/status" ] && echo "no bench selected (have: $(ls bench/*.sh | xargs -n1 basename | grep -vx "$self" | sed 's/\.sh$//' | tr '\n' ' '))"
[ "$missed" = 1 ] && [ "${BENCH_STRICT:-0}" = 1 ] && exit 1
exit 0
