# shellcheck shell=bash
#
# What the calendar-reply tests share (test_replies.sh, test_imap.sh):
# an event with five invitees (four attendees and a confirmed speaker),
# its invitations planned by podiumd --once with [mail] reply_to, and the
# tagged ORGANIZER of each invitation read back from the spooled mail.
# Source after tests/lib/daemon.sh and daemon_init.
#
#     replies_setup                    # sets REPLY_UID; needs DAEMON_EXTRA_INI
#     tag_of anna@example.org          # rsvp+3-1-…@podium.example.org
#     fill thunderbird-accept.eml anna@example.org [SEQ] >msg.eml
#     status_of anna@example.org       # accepted
#     talk_status                      # Carl's talk: confirmed

REPLY_FIX=$PODIUM_SRC_DIR/tests/data/replies
REPLY_UID=reply-test-2021-02-11@podium.test
export PODIUM_NOW=2021-02-01T08:00:00Z

replies_setup() {
	cat >"$DAEMON_DIR/event.ics" <<-EOF
		BEGIN:VCALENDAR
		VERSION:2.0
		PRODID:-//podium//test//EN
		BEGIN:VEVENT
		UID:$REPLY_UID
		DTSTAMP:20210125T080000Z
		DTSTART;TZID=Europe/Berlin:20210211T090000
		DTEND;TZID=Europe/Berlin:20210211T120000
		SUMMARY:Smarte Quartiere
		LOCATION:Online (Videokonferenz)
		ORGANIZER;CN=Michael Tietz:mailto:michael.tietz@example.org
		ATTENDEE;CN=Anna Adler;PARTSTAT=NEEDS-ACTION:mailto:anna@example.org
		ATTENDEE;CN=Bert Berger;PARTSTAT=NEEDS-ACTION:mailto:bert@example.org
		ATTENDEE;CN=Dora Dietz;PARTSTAT=NEEDS-ACTION:mailto:dora@example.org
		ATTENDEE;CN=Eva Ebert;PARTSTAT=NEEDS-ACTION:mailto:eva@example.org
		END:VEVENT
		END:VCALENDAR
	EOF
	"$PODIUM" import "$DAEMON_DIR/event.ics" >/dev/null
	"$PODIUM" person add --name "Carl Conrad" --email carl@example.org \
		>/dev/null
	"$PODIUM" talk add "$REPLY_UID" --title "Quartiere und Energie" \
		--speaker carl@example.org --status confirmed >/dev/null
	daemon_write_config 9
	"$PODIUMD" --config "$DAEMON_CONFIG" --once 2>>"$DAEMON_STDERR" \
		>/dev/null || true
	"$PY" - "$DAEMON_DIR/spool" >"$DAEMON_DIR/tags" <<-'EOF'
		import email, email.policy, glob, sys
		import icalendar
		for f in sorted(glob.glob(sys.argv[1] + "/*-invitation.eml")):
		    m = email.message_from_bytes(open(f, "rb").read(),
		                                 policy=email.policy.default)
		    for p in m.walk():
		        if p.get_content_type() == "text/calendar":
		            cal = icalendar.Calendar.from_ical(p.get_content())
		            ve = cal.walk("VEVENT")[0]
		            print(m["To"].addresses[0].addr_spec,
		                  str(ve["ORGANIZER"])[7:])
	EOF
}

tag_of() { awk -v a="$1" '$1 == a { print $2 }' "$DAEMON_DIR/tags"; }

# fill FIXTURE PERSON [SEQ]: the fixture filled for PERSON's invitation.
fill() {
	"$PY" "$PODIUM_SRC_DIR/tests/e2e/fill_reply.py" "$REPLY_FIX/$1" \
		--to "$(tag_of "$2")" --me "$2" --uid "$REPLY_UID" --seq "${3:-0}"
}

status_of() {
	"$PODIUM" --json event show "$REPLY_UID" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print([a["status"] for a in d["attendances"]
       if a["person"]["email"] == sys.argv[1]][0])' "$1"
}

talk_status() {
	"$PODIUM" --json event show "$REPLY_UID" | "$PY" -c '
import json, sys
print(json.load(sys.stdin)["talks"][0]["status"])'
}
