#!/bin/bash
# Builds podium's libFuzzer targets with clang into build-fuzz/ and runs
# each for FUZZ_SECONDS (default 60), printing executions and coverage.
#
#   tests/fuzz/fuzz.sh                 build, then run every target
#   tests/fuzz/fuzz.sh ical api        only these targets
#   FUZZ_SECONDS=600 FUZZ_JOBS=2 ...   longer; two targets at once
#   FUZZ_BUILD_ONLY=1 ...              build, do not run
#
# libpodium is compiled here with -fsanitize=fuzzer-no-link (not through
# CMake), so that the library's own branches count as coverage.  Each run
# starts from the checked-in seeds (tests/fuzz/corpus/T) plus the inputs
# earlier runs found (build-fuzz/corpus/T, not checked in) and the
# regression inputs (tests/fuzz/regress/T).  A crash leaves its input in
# build-fuzz/artifacts/T/; copy it into tests/fuzz/regress/T/ once fixed.
set -eu

cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=$ROOT/build-fuzz
SECONDS_PER=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-1}
CC=${FUZZ_CC:-clang}
ALL="ical api route answer config template reply web"
TARGETS=${*:-$ALL}

# -max_len per target: calendars are large, the rest is small.
max_len() {
	case $1 in
	ical) echo 65536 ;;
	api) echo 8192 ;;
	route) echo 4096 ;;
	answer) echo 2048 ;;
	config) echo 4096 ;;
	template) echo 8192 ;;
	reply) echo 16384 ;;
	web) echo 16384 ;;
	esac
}

PKGS="libical sqlite3 libcurl jansson libmicrohttpd libcrypto inih zlib gmime-3.0 libxml-2.0 libsodium"
# pkg-config prints a word list; the commas are one -fsanitize= value.
# shellcheck disable=SC2054,SC2086,SC2207
CFLAGS=(-g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE -Iinclude -Ilib
	$(pkg-config --cflags $PKGS) "-DPODIUM_DATADIR=\"$ROOT\""
	-fsanitize=address,undefined -fno-sanitize-recover=undefined
	-Wall -Wextra -Wno-unused-parameter)
# shellcheck disable=SC2086,SC2207
LIBS=($(pkg-config --libs $PKGS) -lpthread)

mkdir -p "$OUT/obj" "$OUT/bin"
echo "fuzz: building libpodium with $CC" >&2
objs=()
for src in lib/*.c; do
	obj=$OUT/obj/$(basename "$src" .c).o
	if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] ||
	    [ -n "$(find include lib -name '*.h' -newer "$obj" -print -quit)" ]; then
		$CC "${CFLAGS[@]}" -fsanitize=fuzzer-no-link -c "$src" -o "$obj"
	fi
	objs+=("$obj")
done
rm -f "$OUT/libpodium-fuzz.a"
ar rcs "$OUT/libpodium-fuzz.a" "${objs[@]}"

for t in $TARGETS; do
	echo "fuzz: building fuzz_$t" >&2
	$CC "${CFLAGS[@]}" -fsanitize=fuzzer -Itests/fuzz "tests/fuzz/fuzz_$t.c" \
	    "$OUT/libpodium-fuzz.a" "${LIBS[@]}" -o "$OUT/bin/fuzz_$t"
done
[ -z "${FUZZ_BUILD_ONLY:-}" ] || exit 0

# Runs one target; its summary line goes to $OUT/logs/T.summary.
run_one() {
	t=$1
	log=$OUT/logs/$t.log
	mkdir -p "$OUT/corpus/$t" "$OUT/artifacts/$t" "$OUT/logs"
	dirs=("$OUT/corpus/$t")
	# The template target starts from the real templates, not copies.
	if [ "$t" = template ]; then
		dirs+=(templates/de templates/en templates/pages templates/pages/de templates/pages/en)
	elif [ "$t" = web ]; then
		dirs+=(templates/web tests/fuzz/corpus/web)
	else
		dirs+=("tests/fuzz/corpus/$t")
	fi
	[ -d "tests/fuzz/regress/$t" ] && dirs+=("tests/fuzz/regress/$t")
	set +e
	PODIUM_DATADIR=$ROOT \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	nice -n 10 "$OUT/bin/fuzz_$t" -max_total_time="$SECONDS_PER" \
	    -max_len="$(max_len "$t")" -timeout=30 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$t/" \
	    "${dirs[@]}" >"$log" 2>&1
	rc=$?
	set -e
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	last=$(grep -E '^#[0-9]+' "$log" | grep -E 'cov: ' | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.*corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p')
	status=ok
	[ "$rc" -eq 0 ] || status="FAILED (exit $rc, see $log)"
	printf '%-9s %5ss  execs %-10s %6s/s  cov %-6s ft %-6s corp %-10s %s\n' \
	    "$t" "$SECONDS_PER" "${execs:-?}" "${speed:-?}" "${cov:-?}" \
	    "${ft:-?}" "${corp:-?}" "$status" >"$OUT/logs/$t.summary"
	cat "$OUT/logs/$t.summary"
	[ "$rc" -eq 0 ]
}

fail=0
running=0
for t in $TARGETS; do
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$JOBS" ]; then
		wait -n || fail=1
		running=$((running - 1))
	fi
done
while [ "$running" -gt 0 ]; do
	wait -n || fail=1
	running=$((running - 1))
done
exit $fail
