#!/bin/bash
# bench/mail.sh: reminders to a local SMTP sink, podium against postfix's
# smtp-source and against msmtp, in the same run on the same machine.
#
# Starts postfix's smtp-sink on a free loopback port in a temp dir, then:
# - podium: bench/mail.c composes one reminder (about 4 KiB) and sends it
#   MAIL_COUNT times (10,000) through one pd_smtp, over one connection;
# - smtp-source: the same count and size over one session
#   (-s 1 -d: one session, do not disconnect between messages);
# - msmtp: MSMTP_COUNT (500) messages, one process per message, the same
#   message file.
# podium and smtp-source run MAIL_ROUNDS times (2), alternating, and the
# best round of each counts.  Prints messages/s of each and the ratios
# podium/smtp-source (goal >= 0.5) and podium/msmtp (goal >= 10).
#
# Needs postfix (smtp-sink, smtp-source) and msmtp; when they are missing
# and this runs as root they are installed, postfix preseeded as "No
# configuration" so that no system MTA starts.  A bench is not a test:
# this script exits 0 whatever the figures; it prints "RESULT ..." lines
# that bench/run.sh gathers.  First it runs bench/mail_big: one event
# with 10,000 attendees next to the same mail spread over small events.
set -u
cd "$(dirname "$0")/.."

# One event with 10,000 attendees against the same mail over small
# events (podiumd --once, spool mode); needs no peer, so it runs first.
bash bench/mail_big

COUNT=${MAIL_COUNT:-10000}
MSMTP_COUNT=${MSMTP_COUNT:-500}
ROUNDS=${MAIL_ROUNDS:-2}
BUILD=${BENCH_BUILD:-build-bench}
FROM=smartcity@example.org
RCPT=katrin@example.org
PKGS="libical sqlite3 libcurl jansson libmicrohttpd libcrypto inih zlib gmime-3.0 libxml-2.0"
export PATH="$PATH:/usr/sbin:/sbin"

sink_pid=
tmp=
cleanup() {
	[ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null && wait "$sink_pid" 2>/dev/null
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT

skip() {
	echo "mail: skipped: $*"
	echo "RESULT mail podium/smtp-source - 0.5 skipped"
	echo "RESULT mail podium/msmtp - 10 skipped"
	exit 0
}

# Installs the peers when they are missing and we may.
need=""
command -v smtp-sink >/dev/null && command -v smtp-source >/dev/null || need="$need postfix"
command -v msmtp >/dev/null || need="$need msmtp"
if [ -n "$need" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "mail: installing$need"
		echo "postfix postfix/main_mailer_type select No configuration" |
			debconf-set-selections
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		    --no-install-recommends $need >/dev/null 2>&1 ||
			echo "mail: could not install$need"
	fi
fi
command -v smtp-sink >/dev/null && command -v smtp-source >/dev/null ||
	skip "postfix's smtp-sink/smtp-source missing (apt-get install postfix)"
have_msmtp=1
command -v msmtp >/dev/null || have_msmtp=0

tmp=$(mktemp -d /tmp/podium-bench-mail.XXXXXX) || skip "no temp dir"
chmod 755 "$tmp"

if ! { cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS="-Wno-error=maybe-uninitialized" >"$tmp/cmake.log" 2>&1 &&
    cmake --build "$BUILD" -j2 --target podium_lib >>"$tmp/cmake.log" 2>&1; }; then
	tail -20 "$tmp/cmake.log"
	skip "libpodium did not build"
fi
gcc -O2 -D_GNU_SOURCE -Wall -Wextra -Iinclude -o "$BUILD/bench-mail" \
    bench/mail.c "$BUILD/libpodium.a" $(pkg-config --cflags --libs $PKGS) \
    -lpthread || skip "bench/mail.c did not build"

# The message: composed once, the same bytes for podium and msmtp.
info=$("$BUILD/bench-mail" -n 0 -w "$tmp/message.eml") ||
	skip "composing the reminder failed"
bytes=${info#bytes=}
# smtp-source adds From/To/Date/Message-Id headers of 142 bytes (with these
# addresses) to -l bytes of body: the same total size as podium's message.
body=$((bytes - 142))

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') ||
	skip "no free port"
user_opt=""
[ "$(id -u)" = 0 ] && user_opt="-u nobody"	# smtp-sink drops root
(cd "$tmp" && exec smtp-sink $user_opt 127.0.0.1:"$port" 256) &
sink_pid=$!
for _ in $(seq 50); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || skip "smtp-sink did not start"

now() { date +%s.%N; }
# CPU seconds (user + system) of a peer, when GNU time is there.
TIME=""
[ -x /usr/bin/time ] && TIME="/usr/bin/time -f %U+%S -o $tmp/source.cpu"
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.1f", n / t }'; }
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (b > a) ? b : a }'; }

echo "mail: $COUNT messages of $bytes bytes to smtp-sink on 127.0.0.1:$port, best of $ROUNDS rounds, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
pod_rate=0
src_rate=0
for round in $(seq "$ROUNDS"); do
	out=$("$BUILD/bench-mail" -u "smtp://127.0.0.1:$port" -n "$COUNT" 2>"$tmp/podium.err")
	r=$(sed -n 's/.*rate=\([^ ]*\).*/\1/p' <<<"$out")
	sent=$(sed -n 's/.* sent=\([^ ]*\).*/\1/p' <<<"$out")
	if [ "${sent:-0}" != "$COUNT" ]; then
		echo "  podium round $round: only ${sent:-0} of $COUNT sent"
		head -3 "$tmp/podium.err"
		r=0
	fi
	echo "  round $round podium:      ${r} msg/s  ($out)"
	pod_rate=$(best "$pod_rate" "${r:-0}")

	t0=$(now)
	if $TIME smtp-source -s 1 -d -m "$COUNT" -l "$body" -f "$FROM" \
	    -t "$RCPT" 127.0.0.1:"$port" >"$tmp/source.out" 2>&1; then
		t1=$(now)
		w=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
		r=$(rate "$COUNT" "$w")
		cpu=$(cat "$tmp/source.cpu" 2>/dev/null)
		echo "  round $round smtp-source: ${r} msg/s  (wall=$w cpu=${cpu:-?})"
	else
		head -3 "$tmp/source.out"
		r=0
		echo "  round $round smtp-source: failed"
	fi
	src_rate=$(best "$src_rate" "$r")
done

msmtp_rate=0
if [ "$have_msmtp" = 1 ]; then
	fails=0
	t0=$(now)
	for _ in $(seq "$MSMTP_COUNT"); do
		msmtp -C /dev/null --host=127.0.0.1 --port="$port" --auth=off \
		    --tls=off --from="$FROM" "$RCPT" <"$tmp/message.eml" \
		    >/dev/null 2>&1 || fails=$((fails + 1))
	done
	t1=$(now)
	msmtp_rate=$(rate $((MSMTP_COUNT - fails)) "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
	echo "  msmtp ($MSMTP_COUNT messages, one process each, $fails failed): $msmtp_rate msg/s"
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
ok() { awk -v r="$1" -v g="$2" 'BEGIN { print (r != "-" && r >= g) ? "met" : "missed" }'; }
r1=$(ratio "$pod_rate" "$src_rate")
r2=$(ratio "$pod_rate" "$msmtp_rate")
printf '  %-34s %10s\n' "" "msg/s"
printf '  %-34s %10s\n' "podium (pd_smtp_send, 1 connection)" "$pod_rate"
printf '  %-34s %10s\n' "smtp-source (-s 1 -d)" "$src_rate"
printf '  %-34s %10s\n' "msmtp (1 process per message)" "$msmtp_rate"
echo "  ratio podium/smtp-source: $r1 (goal >= 0.5)"
echo "  ratio podium/msmtp:       $r2 (goal >= 10)"
echo "RESULT mail podium/smtp-source $r1 0.5 $(ok "$r1" 0.5)"
if [ "$have_msmtp" = 1 ]; then
	echo "RESULT mail podium/msmtp $r2 10 $(ok "$r2" 10)"
else
	echo "RESULT mail podium/msmtp - 10 skipped"
fi
exit 0
