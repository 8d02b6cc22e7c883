#!/usr/bin/env bash
# End-to-end test of calendar replies through `podium mail receive`: an
# event with five invitees is planned by podiumd --once with
# [mail] reply_to, the tagged ORGANIZER of each invitation is read back
# from the spooled mail, and the fixtures of tests/data/replies/ (the
# shapes Thunderbird, Outlook, Gmail, Apple... send) are filled with it
# and fed to `podium mail receive` one by one.  Also: the HTML part of
# every spooled message, parsed with html.parser (check_html.py).
set -euo pipefail

# shellcheck source=../lib/daemon.sh
. "$PODIUM_SRC_DIR/tests/lib/daemon.sh"
daemon_init
# shellcheck source=../lib/replies.sh
. "$PODIUM_SRC_DIR/tests/lib/replies.sh"
D=$DAEMON_DIR
UID_=$REPLY_UID
DAEMON_EXTRA_INI="[mail]
reply_to = rsvp@podium.example.org"
replies_setup
check "podiumd --once plans and spools the invitations" \
	eq "$(ls "$D/spool" | grep -c invitation)" 5

ANNA=$(tag_of anna@example.org)
check "the ORGANIZER is the tagged reply address" \
	matches "$ANNA" '^rsvp\+[0-9]+-[0-9]+-[a-z2-7]{16}@podium\.example\.org$'
check "each invitation has its own tag" \
	eq "$(awk '{ print $2 }' "$D/tags" | sort -u | wc -l)" 5
check "the human organizer stays the Reply-To" \
	contains "$(ls "$D"/spool/*-invitation.eml | head -1)" \
	"Reply-To: Michael Tietz <michael.tietz@example.org>"

# receive NAME FIXTURE PERSON [SEQ]: fills and feeds one fixture; the
# output goes to $D/NAME.out, the exit status to RC.
receive() {
	fill "$2" "$3" "${4:-0}" >"$D/$1.eml"
	RC=0
	"$PODIUM" --config "$DAEMON_CONFIG" mail receive <"$D/$1.eml" \
		>"$D/$1.out" 2>"$D/$1.err" || RC=$?
}

receive tb thunderbird-accept.eml anna@example.org
check "Thunderbird: exit 0" eq "$RC" 0
check "Thunderbird: applied" contains "$D/tb.out" "applied: anna@example.org ACCEPTED"
check "Thunderbird: Anna accepted" eq "$(status_of anna@example.org)" accepted

receive tb2 thunderbird-accept.eml anna@example.org
check "the same Message-ID again: exit 0" eq "$RC" 0
check "the same Message-ID again: ignored" contains "$D/tb2.out" "ignored: already received"

sed 's/tb-accept@/tb-accept-resent@/' "$D/tb.eml" >"$D/tb3.eml"
RC=0; "$PODIUM" --config "$DAEMON_CONFIG" mail receive <"$D/tb3.eml" >"$D/tb3.out" || RC=$?
check "a DTSTAMP not newer than the last applied: ignored" \
	contains "$D/tb3.out" "ignored: stale: DTSTAMP"

receive ol outlook-decline.eml bert@example.org
check "Outlook without ORGANIZER: applied" contains "$D/ol.out" "applied: bert@example.org DECLINED"
check "Outlook: Bert declined" eq "$(status_of bert@example.org)" declined

receive gm gmail-decline.eml carl@example.org
check "Gmail application/ics without method: applied" contains "$D/gm.out" "applied: carl@example.org DECLINED"
check "Gmail: the speaker's talk follows the reply" eq "$(talk_status)" declined

receive lc lowercase-method.eml dora@example.org
check "lower-case method: applied" contains "$D/lc.out" "applied: dora@example.org TENTATIVE"
check "lower-case method: Dora tentative" eq "$(status_of dora@example.org)" tentative

receive sev several-attendees.eml eva@example.org
check "several ATTENDEEs: the invitee's line is applied" contains "$D/sev.out" "applied: eva@example.org ACCEPTED"
check "several ATTENDEEs: Eva accepted" eq "$(status_of eva@example.org)" accepted

receive un uninvited.eml anna@example.org
check "uninvited sender: exit 0" eq "$RC" 0
check "uninvited sender: listed" contains "$D/un.out" "listed: mallory@example.com answered ACCEPTED"
check "uninvited sender: Anna's answer unchanged" eq "$(status_of anna@example.org)" accepted

receive dl delegated.eml bert@example.org
check "DELEGATED: listed" contains "$D/dl.out" "listed: bert@example.org delegated to kache@example.org"
check "DELEGATED: not applied" eq "$(status_of bert@example.org)" declined

receive fg forged-tag.eml anna@example.org
check "forged tag: exit 0" eq "$RC" 0
check "forged tag: ignored" contains "$D/fg.out" "ignored: the reply tag is not one podium made"
check "forged tag: nothing changed" eq "$(status_of anna@example.org)" accepted

"$PODIUM" --config "$DAEMON_CONFIG" mail replies >"$D/replies.out"
check "mail replies lists the uninvited sender" contains "$D/replies.out" "mallory@example.com"
check "mail replies lists the delegation" contains "$D/replies.out" "delegated to kache@example.org"
check "mail replies lists only what needs the organizer" \
	eq "$(grep -c 'anna@example.org ACCEPTED\|eva@example.org' "$D/replies.out" || true)" 0
"$PODIUM" --config "$DAEMON_CONFIG" --json mail replies --all >"$D/all.json"
check "mail replies --all shows every reply" \
	eq "$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$D/all.json")" 9

# The event moves: SEQUENCE 1.  A reply to the old invitation is stale;
# one to the update counts.
"$PODIUM" event move "$UID_" --start "2021-02-11 10:00" >/dev/null
receive st stale-sequence.eml anna@example.org
check "stale SEQUENCE: ignored" contains "$D/st.out" "ignored: stale: SEQUENCE 0 is older than the event's 1"
check "stale SEQUENCE: Anna still accepted" eq "$(status_of anna@example.org)" accepted
sed 's/^SEQUENCE:0/SEQUENCE:1/; s/stale-sequence-1@/stale-sequence-2@/' \
	"$D/st.eml" >"$D/st2.eml"
RC=0; "$PODIUM" --config "$DAEMON_CONFIG" mail receive <"$D/st2.eml" >"$D/st2.out" || RC=$?
check "the current SEQUENCE: applied" contains "$D/st2.out" "applied: anna@example.org DECLINED"
check "the current SEQUENCE: Anna declined" eq "$(status_of anna@example.org)" declined

# Unreadable: 65.  The database unavailable: 75 (the MTA retries).
RC=0; "$PODIUM" --config "$DAEMON_CONFIG" mail receive </dev/null >/dev/null 2>"$D/empty.err" || RC=$?
check "empty input: exit 65" eq "$RC" 65
printf '\0\1\2binary' >"$D/bin"
RC=0; "$PODIUM" --config "$DAEMON_CONFIG" mail receive <"$D/bin" >/dev/null 2>&1 || RC=$?
check "binary input: exit 65" eq "$RC" 65
printf 'From: a@example.org\r\nTo: %s\r\nMessage-ID: <broken@x>\r\nContent-Type: text/calendar\r\n\r\nnot a calendar\r\n' "$ANNA" >"$D/badcal"
RC=0; "$PODIUM" --config "$DAEMON_CONFIG" mail receive <"$D/badcal" >/dev/null 2>"$D/badcal.err" || RC=$?
check "an unreadable calendar part: exit 65" eq "$RC" 65
printf 'From: a@example.org\r\nTo: %s\r\nMessage-ID: <thanks@x>\r\n\r\nThank you!\r\n' "$ANNA" >"$D/plain"
RC=0; "$PODIUM" --config "$DAEMON_CONFIG" mail receive <"$D/plain" >"$D/plain.out" 2>&1 || RC=$?
check "a message without a calendar: exit 0" eq "$RC" 0
check "a message without a calendar: ignored" contains "$D/plain.out" "ignored: no calendar part"
RC=0; "$PODIUM" --db "$D/no/such/dir/podium.db" --config "$DAEMON_CONFIG" \
	mail receive <"$D/tb.eml" >/dev/null 2>"$D/tf.err" || RC=$?
check "database unavailable: exit 75" eq "$RC" 75

# The HTML alternative of every message podiumd wrote.
check "every spooled message has an HTML part with working links" \
	"$PY" "$PODIUM_SRC_DIR/tests/e2e/check_html.py" --base "http://127.0.0.1:9" "$D"/spool/*.eml

daemon_finish
