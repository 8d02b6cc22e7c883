#!/usr/bin/env bash
# End-to-end test of the organizer web pages without a browser: curl
# against the real podiumd over loopback, on the bundled Gera programme.
# The first-start setup link, accounts made by `podium user`, login and
# logout, a wrong password and an unknown address answering alike,
# throttling per account, sessions ending after [web] session_idle and
# session_max (the clock moved with PODIUM_NOW across restarts), CSRF
# and Origin refusals that leave the database unchanged, the security
# headers, escaping of <script>, quotes and & in names and titles, and
# the refused-value path of every form.  Run by ctest with PODIUM_BIN_DIR
# and PODIUM_SRC_DIR.
set -euo pipefail

. "${PODIUM_SRC_DIR:?PODIUM_SRC_DIR is not set}/tests/lib/daemon.sh"

export PODIUM_NOW=2021-01-25T08:00:00Z
EMAIL=orga@example.org
PASSWORD=Gera-2021-geheim
JAR=

daemon_init
JAR=$DAEMON_DIR/cookies
"$PODIUM" import "$PODIUM_SRC_DIR/calendars/smartcity-gera-2021.ics" >/dev/null

# page NAME [CURL ARGS...] PATH: a request with the cookie jar.
page() {
	local name=$1
	shift
	local path=${*: -1}
	fetch "$name" -b "$JAR" -c "$JAR" "${@:1:$#-1}" "$DAEMON_URL$path"
}

# csrf NAME: the CSRF token in the page saved as NAME.
csrf() {
	grep -o 'name="csrf" value="[^"]*"' "$DAEMON_DIR/$1.body" | head -1 |
		sed 's/.*value="\([^"]*\)"/\1/'
}

# post NAME PATH FIELD=VALUE...: a form POST with the session's token.
post() {
	local name=$1 path=$2 tok
	shift 2
	page "tokpage" /
	tok=$(csrf tokpage)
	local args=(--data-urlencode "csrf=$tok")
	for kv in "$@"; do
		args+=(--data-urlencode "$kv")
	done
	page "$name" "${args[@]}" "$path"
}

login() {
	page "$1" --data-urlencode "email=$2" --data-urlencode "password=$3" /login
}

talk_status() {
	sqlite3 "$PODIUM_DB" "SELECT status FROM talk WHERE id = $1"
}

revision() {
	sqlite3 "$PODIUM_DB" "SELECT v FROM meta WHERE k = 'revision'"
}

# ---- first start ----

daemon_start
SETUP=$(grep -o '/setup/[A-Za-z0-9_-]*' "$DAEMON_DIR/stdout" | head -1)
check "podiumd prints a setup link when there is no account" matches "$SETUP" '^/setup/.{43}$'
page setup "$SETUP"
check "the setup page answers 200" eq "$HTTP_CODE" 200
page setup_bad --data-urlencode "email=$EMAIL" --data-urlencode "password=short" \
	--data-urlencode "password2=short" "$SETUP"
check "setup: a short password is refused (400)" eq "$HTTP_CODE" 400
check "setup: ... with the message next to the field" contains "$DAEMON_DIR/setup_bad.body" 'id="e-password">password: at least 8 characters'
page setup_mismatch --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASSWORD" \
	--data-urlencode "password2=other-password" "$SETUP"
check "setup: two different passwords are refused" contains "$DAEMON_DIR/setup_mismatch.body" 'id="e-password2"'
page setup_ok --data-urlencode "email=$EMAIL" --data-urlencode "name=Orga" \
	--data-urlencode "password=$PASSWORD" --data-urlencode "password2=$PASSWORD" "$SETUP"
check "setup: the account is made and the browser sent to /" eq "$(header setup_ok Location)" /
check "setup: a session cookie is set" matches "$(header setup_ok Set-Cookie)" '^podium_session=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict; Max-Age=604800$'
page setup_again "$SETUP"
check "the setup link works once" eq "$HTTP_CODE" 404
check "podium user list shows the account" matches "$("$PODIUM" user list)" "$EMAIL"
page dash /
check "logged in: the dashboard answers 200" eq "$HTTP_CODE" 200
check "the dashboard counts the unconfirmed talks" contains "$DAEMON_DIR/dash.body" '<span class="n">2</span>'
check "... as 'Beiträge noch unbestätigt'" contains "$DAEMON_DIR/dash.body" 'Beiträge noch unbestätigt'

# ---- headers ----

check "CSP: default-src 'self', no inline script, frame-ancestors 'none'" \
	matches "$(header dash Content-Security-Policy)" "^default-src 'self'; script-src 'self';.*frame-ancestors 'none'$"
check "Referrer-Policy: no-referrer" eq "$(header dash Referrer-Policy)" no-referrer
check "X-Content-Type-Options: nosniff" eq "$(header dash X-Content-Type-Options)" nosniff
check "the page is German with a title" contains "$DAEMON_DIR/dash.body" '<html lang="de">'
check "no inline script anywhere" lacks "$DAEMON_DIR/dash.body" '<script'

# ---- login, logout, wrong passwords, throttling ----

page logout_noform -X POST /logout
check "logout without the CSRF token is refused (403)" eq "$HTTP_CODE" 403
post logout /logout
check "logout answers 303 to /login" eq "$(header logout Location)" /login
page after_logout /
check "after logout / sends to /login" eq "$(header after_logout Location)" /login
"$PODIUM" user add second@example.org --name Zweite --lang en --password-stdin <<<"zweites-passwort" >/dev/null
check "user add refuses a duplicate" eq "$("$PODIUM" user add second@example.org --password-stdin <<<"zweites-passwort" >/dev/null 2>&1; echo $?)" 65
check "user add refuses a password on the command line" eq "$("$PODIUM" user add x@example.org secret >/dev/null 2>&1; echo $?)" 64
login wrong "$EMAIL" not-the-password
WRONG_BODY=$(sed "s/$EMAIL/EMAIL/" "$DAEMON_DIR/wrong.body")
login unknown nobody@example.org not-the-password
UNKNOWN_BODY=$(sed "s/nobody@example.org/EMAIL/" "$DAEMON_DIR/unknown.body")
check "a wrong password answers 401" eq "$(login wrong2 "$EMAIL" x; echo "$HTTP_CODE")" 401
check "an unknown address answers exactly as a wrong password" eq "$UNKNOWN_BODY" "$WRONG_BODY"
check "the password is not echoed back" lacks "$DAEMON_DIR/wrong.body" not-the-password
login en second@example.org zweites-passwort
page en_dash /
check "an English account gets English pages" contains "$DAEMON_DIR/en_dash.body" '<html lang="en">'
post en_logout /logout
# The account has two failures (wrong, wrong2); three more lock it.
for i in 1 2 3; do login "fail$i" "$EMAIL" "wrong-$i"; done
login throttled "$EMAIL" "$PASSWORD"
check "after 5 failures even the right password is refused (429)" eq "$HTTP_CODE" 429
check "... saying to wait" contains "$DAEMON_DIR/throttled.body" '15 Minuten'
check "... with Retry-After" eq "$(header throttled Retry-After)" 900
login other second@example.org zweites-passwort
check "another account from the same address still logs in" eq "$(header other Location)" /
post other_logout /logout
daemon_stop
PODIUM_NOW=2021-01-25T08:16:00Z daemon_start >/dev/null
login unlocked "$EMAIL" "$PASSWORD"
check "15 minutes later the account logs in again" eq "$(header unlocked Location)" /

# ---- CSRF and Origin ----

TALK=$(sqlite3 "$PODIUM_DB" "SELECT id FROM talk WHERE title LIKE 'Smart Campus%'")
REV=$(revision)
page csrf_none -X POST /talks/"$TALK"/confirm
check "a POST without csrf answers 403" eq "$HTTP_CODE" 403
page csrf_wrong --data-urlencode "csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" /talks/"$TALK"/confirm
check "a POST with a wrong csrf answers 403" eq "$HTTP_CODE" 403
page tok /
TOK=$(csrf tok)
page origin_bad -H "Origin: http://evil.example" --data-urlencode "csrf=$TOK" /talks/"$TALK"/confirm
check "a POST from another Origin answers 403" eq "$HTTP_CODE" 403
page fetch_site -H "Sec-Fetch-Site: cross-site" --data-urlencode "csrf=$TOK" /talks/"$TALK"/confirm
check "a POST the browser calls cross-site answers 403" eq "$HTTP_CODE" 403
check "... and the talk is unchanged" eq "$(talk_status "$TALK")" requested
check "... and nothing was written" eq "$(revision)" "$REV"
page origin_null -H "Origin: null" -H "Sec-Fetch-Site: same-origin" --data-urlencode "csrf=$TOK" /talks/"$TALK"/confirm
check "with the token, Origin null from the same origin is fine (no-referrer)" eq "$HTTP_CODE" 303
check "... and the talk is confirmed" eq "$(talk_status "$TALK")" confirmed
check "... recorded as set by the organizer account" eq "$(sqlite3 "$PODIUM_DB" "SELECT status_by FROM talk WHERE id = $TALK")" "organizer:$EMAIL"
"$PODIUM" talk decline "$TALK" >/dev/null
check "the CLI records itself as who set the status" eq "$(sqlite3 "$PODIUM_DB" "SELECT status_by FROM talk WHERE id = $TALK")" cli
page evpage /events/3
check "the event page says who set each status" contains "$DAEMON_DIR/evpage.body" 'gesetzt von: Kommandozeile'
check "... and the imported ones" contains "$DAEMON_DIR/evpage.body" 'gesetzt von: Import'

# ---- mail only through the outbox: reminders, confirmation pages ----

ROBO=$(sqlite3 "$PODIUM_DB" "SELECT id FROM talk WHERE title = 'Smart Campus'")
"$PODIUM" talk decline "$ROBO" >/dev/null
TEICH=$(sqlite3 "$PODIUM_DB" "SELECT t.id FROM talk t JOIN person p ON p.id = t.speaker_id WHERE p.name = 'Prof. Teich'")
page unc /unconfirmed
check "the unconfirmed list names Prof. Teich and his intermediary" contains "$DAEMON_DIR/unc.body" 'Jonas Seidel'
post nudge /talks/"$TEICH"/nudge
check "remind now answers 303 back to the list" eq "$(header nudge Location)" "/unconfirmed?ok=nudged"
# The scheduler may have sent it already: any state of a queued message.
check "... and the reminder is in the outbox as the planner's first nudge" one_of \
	"$(sqlite3 "$PODIUM_DB" "SELECT kind || ' ' || state FROM outbox WHERE key = 'nudge/' || (SELECT uid FROM talk WHERE id = $TEICH) || '/1'")" \
	"nudge pending" "nudge sending" "nudge sent"
page unc2 /unconfirmed
check "... and counted on the list" matches "$(grep -A5 "talk-$TEICH" "$DAEMON_DIR/unc2.body" | tr -d '\n')" 'data-label="Erinnerungen">1<'
SEQ=$(sqlite3 "$PODIUM_DB" "SELECT sequence FROM event WHERE id = 3")
post ask_move /events/3/move "date=2021-02-11" "from=10:00" "to=13:00"
check "a move first answers a confirmation page (200)" eq "$HTTP_CODE" 200
check "... naming the updates it will queue" contains "$DAEMON_DIR/ask_move.body" '<td data-label="Art">Änderung</td>'
check "... and moves nothing yet" eq "$(sqlite3 "$PODIUM_DB" "SELECT sequence || start FROM event WHERE id = 3")" "${SEQ}2021-02-11 09:00"
post do_move /events/3/move "date=2021-02-11" "from=10:00" "to=13:00" "confirmed=1"
check "confirmed, the move answers 303 to the event" eq "$(header do_move Location)" "/events/3?ok=moved"
check "... and the event moved with SEQUENCE + 1" eq "$(sqlite3 "$PODIUM_DB" "SELECT sequence || start FROM event WHERE id = 3")" "$((SEQ + 1))2021-02-11 10:00"
NEWBIE=$(sqlite3 "$PODIUM_DB" "SELECT id FROM person WHERE name = 'Dietmar Lübcke'")
post ask_talk /events/3/talks "title=Neuer Beitrag" "speaker=$NEWBIE" "status=requested"
check "a new request first answers a confirmation page" contains "$DAEMON_DIR/ask_talk.body" 'Anfrage an Referent/in'
check "... and adds no talk yet" eq "$(sqlite3 "$PODIUM_DB" "SELECT count(*) FROM talk WHERE title = 'Neuer Beitrag'")" 0

# ---- escaping ----

EVIL="<script>alert(1)</script> \"Zitat\" & 'so'"
post padd /people "name=$EVIL" "email=evil@example.org"
check "a person with markup in the name is added (303)" eq "$HTTP_CODE" 303
PID=$(sqlite3 "$PODIUM_DB" "SELECT id FROM person WHERE email = 'evil@example.org'")
page plist "/people?q=evil"
check "the name is escaped in the list" contains "$DAEMON_DIR/plist.body" '&lt;script&gt;alert(1)&lt;/script&gt; &quot;Zitat&quot; &amp; &#39;so&#39;'
check "... and never raw" lacks "$DAEMON_DIR/plist.body" '<script>alert(1)'
"$PODIUM" event add --title "$EVIL" --start "2021-03-04 09:00" --duration 1h >/dev/null
EVID=$(sqlite3 "$PODIUM_DB" "SELECT id FROM event WHERE title LIKE '<script>%'")
page evil_event /events/"$EVID"
check "an event title with markup is escaped on its page" contains "$DAEMON_DIR/evil_event.body" '<h1>&lt;script&gt;alert(1)&lt;/script&gt; &quot;Zitat&quot; &amp; &#39;so&#39;</h1>'
check "... and in the page title" contains "$DAEMON_DIR/evil_event.body" '<title>&lt;script&gt;'
check "... and never raw" lacks "$DAEMON_DIR/evil_event.body" '<script>alert(1)'
page evil_list /events
check "... and in the list" lacks "$DAEMON_DIR/evil_list.body" '<script>alert(1)'
post evil_refused /events/new "title=" "date=2021-03-04" "from=09:00" "to=10:00" "location=$EVIL"
check "a refused form echoes values escaped" contains "$DAEMON_DIR/evil_refused.body" 'value="&lt;script&gt;alert(1)&lt;/script&gt; &quot;Zitat&quot; &amp; &#39;so&#39;"'

# ---- every form's refused values ----

post r_event /events/new "title=" "date=2021-03-04" "from=09:00" "to=10:00"
check "new event without a title: 400" eq "$HTTP_CODE" 400
check "... the store's message next to the title" contains "$DAEMON_DIR/r_event.body" 'id="e-title">title:'
post r_event2 /events/new "title=Test" "date=2021-03-04" "from=10:00" "to=09:00"
check "new event ending before it starts: 400 naming end" contains "$DAEMON_DIR/r_event2.body" 'id="e-end">end:'
page r_filter "/events?from=gestern"
check "events filter with a bad date: 400 next to the field" contains "$DAEMON_DIR/r_filter.body" 'id="e-from"'
post r_move /events/3/move "date=2021-02-11" "from=25:00" "to=12:00" "confirmed=1"
check "move to 25:00: 400" eq "$HTTP_CODE" 400
check "... with the message by the start field" contains "$DAEMON_DIR/r_move.body" 'id="e-mv-from"'
check "... and the refused value kept" contains "$DAEMON_DIR/r_move.body" 'value="25:00"'
post r_agenda /events/3/agenda "label=X" "title=Pause" "from=9" "to=09:15"
check "agenda item with a bad time: 400" eq "$HTTP_CODE" 400
check "... the message next to the agenda's time field" contains "$DAEMON_DIR/r_agenda.body" 'id="e-ag-from">'
check "... and the refused value is kept in the field" contains "$DAEMON_DIR/r_agenda.body" 'name="from" type="time" required value="9"' 
post r_talk /events/3/talks "title=Neu" "speaker=" "status=confirmed"
check "talk without a speaker: 400 next to the speaker" contains "$DAEMON_DIR/r_talk.body" 'id="e-talk-speaker"'
PERSON=$(sqlite3 "$PODIUM_DB" "SELECT person_id FROM attendance WHERE event_id = 3 LIMIT 1")
post r_attend /events/3/attend "person=$PERSON" "status=delegated" "delegate="
check "delegated without a delegate's name: 400" eq "$HTTP_CODE" 400
check "... with the store's message" contains "$DAEMON_DIR/r_attend.body" 'delegate'
post r_person /people "name=Neue Person" "email=kein-at-zeichen"
check "person with a bad e-mail: 400 next to the field" contains "$DAEMON_DIR/r_person.body" 'id="e-p-email">'
post r_edit /people/"$PID" "name=" "email=evil@example.org"
check "editing a person to an empty name: 400" eq "$HTTP_CODE" 400
post r_lang /people/"$PID" "name=Evil" "lang=fr"
check "a person's language other than de/en: 400" contains "$DAEMON_DIR/r_lang.body" 'id="e-p-'
post r_import /import "ics=BEGIN:VCALENDAR junk"
check "import of junk: 400 next to the file field" contains "$DAEMON_DIR/r_import.body" 'id="e-file"'
post r_retry /outbox/999999/retry
check "retry of a message that does not exist is refused" one_of "$HTTP_CODE" 400 404

# ---- who the public feeds name (issue 15) ----

# ics NAME PATH: a public feed, unfolded, saved as NAME.body.
ics() {
	fetch "$1" "$DAEMON_URL$2"
	perl -0pi -e 's/\r\n[ \t]//g' "$DAEMON_DIR/$1.body"
}

SLUG=$(sqlite3 "$PODIUM_DB" "SELECT slug FROM grp LIMIT 1")
group_public() {
	sqlite3 "$PODIUM_DB" "SELECT public_attendance FROM grp WHERE slug = '$SLUG'"
}
ics all_before /calendars/all.ics
check "the Gera group publishes attendance: all.ics names a participant" contains "$DAEMON_DIR/all_before.body" 'CN=Ines Gebhardt'
page feeds /feeds
check "/feeds says each group's attendance is public, as text" contains "$DAEMON_DIR/feeds.body" 'ja – die öffentlichen Feeds nennen, wer teilnimmt'
REV=$(revision)
page gp_none --data-urlencode "public=no" /groups/"$SLUG"/public-attendance
check "the group switch without csrf answers 403" eq "$HTTP_CODE" 403
page gp_wrong --data-urlencode "csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" --data-urlencode "public=no" /groups/"$SLUG"/public-attendance
check "... and with a wrong csrf" eq "$HTTP_CODE" 403
check "... and the group still publishes" eq "$(group_public)" 1
check "... and nothing was written" eq "$(revision)" "$REV"
post gp_bad /groups/"$SLUG"/public-attendance "public=vielleicht"
check "a value other than yes/no is refused (400)" eq "$HTTP_CODE" 400
post gp_unknown /groups/keine-gruppe/public-attendance "public=no"
check "an unknown group is 404, not made" eq "$HTTP_CODE" 404
check "... and no group was made" eq "$(sqlite3 "$PODIUM_DB" "SELECT count(*) FROM grp WHERE slug = 'keine-gruppe'")" 0
post gp_off /groups/"$SLUG"/public-attendance "public=no"
check "switching the group off answers 303 back to /feeds" eq "$(header gp_off Location)" "/feeds?ok=public_off#group-$SLUG"
check "... and the group no longer publishes" eq "$(group_public)" 0
ics all_off /calendars/all.ics
check "... so all.ics names no participant" lacks "$DAEMON_DIR/all_off.body" 'CN=Ines Gebhardt'
check "... but still the chairs" contains "$DAEMON_DIR/all_off.body" 'CN=Michael Tietz'
page feeds_off "/feeds?ok=public_off"
check "/feeds shows the new state" contains "$DAEMON_DIR/feeds_off.body" 'nein – die öffentlichen Feeds nennen nur Referent/innen und Leitung'
REV=$(revision)
page ep_none --data-urlencode "public=yes" /events/1/public-attendance
check "the event switch without csrf answers 403" eq "$HTTP_CODE" 403
check "... and the event is unchanged" eq "$(sqlite3 "$PODIUM_DB" "SELECT public_attendance FROM event WHERE id = 1")" 0
check "... and nothing was written" eq "$(revision)" "$REV"
post ep_on /events/1/public-attendance "public=yes"
check "publishing one event's attendance answers 303 to the event" eq "$(header ep_on Location)" "/events/1?ok=public_on#public"
ics all_ev /calendars/all.ics
check "... and all.ics names its participants again" contains "$DAEMON_DIR/all_ev.body" 'CN=Ines Gebhardt'
page ev1 /events/1
check "the event page says its attendance is public" contains "$DAEMON_DIR/ev1.body" '<dd>ja – die öffentlichen Feeds nennen, wer teilnimmt'
post ep_off /events/1/public-attendance "public=no"
post gp_on /groups/"$SLUG"/public-attendance "public=yes"
check "the group switched back on" eq "$(group_public)" 1
page ev1b /events/1
check "an event of a publishing group says so" contains "$DAEMON_DIR/ev1b.body" 'ja, über die Arbeitsgruppe'

# ---- the answer page's link of a requested talk ----

page ev3 /events/3
LINK=$("$PODIUM" talk link "$TEICH")
check "the event page shows the link 'podium talk link' prints" contains "$DAEMON_DIR/ev3.body" "value=\"$LINK\""
check "... labelled for pasting into a mail" contains "$DAEMON_DIR/ev3.body" 'Antwortseite (Link für eine eigene Mail)'
fetch answer "$LINK"
check "... and it opens the speaker's answer page" eq "$HTTP_CODE" 200
"$PODIUM" --json event show 3 >"$DAEMON_DIR/ev3.json"
check "podium --json event show names who set each talk's status" eq \
	"$(/usr/bin/python3 -c 'import json,sys; print(sorted({t["status_by"] or "-" for t in json.load(open(sys.argv[1]))["talks"]}))' "$DAEMON_DIR/ev3.json")" \
	"['cli', 'import']"

# ---- a person's data: the Art. 15 download, the Art. 17 erasure (issue 11) ----

# export_dir too, to see it written again without them.
daemon_stop
DAEMON_EXTRA_INI=$'[feeds]\nexport_dir = '"$DAEMON_DIR/export"
PODIUM_NOW=2021-01-25T08:20:00Z daemon_start >/dev/null
DAEMON_EXTRA_INI=
TPID=$(sqlite3 "$PODIUM_DB" "SELECT id FROM person WHERE name = 'Prof. Teich'")
page pteich /people/"$TPID"
check "a person's page links the download of their data" contains "$DAEMON_DIR/pteich.body" "href=\"/people/$TPID/export\""
check "... and the erasure" contains "$DAEMON_DIR/pteich.body" "href=\"/people/$TPID/forget\""
page pexport /people/"$TPID"/export
check "the download is JSON" eq "$(header pexport Content-Type)" "application/json; charset=utf-8"
check "... to be saved, named by id only" eq "$(header pexport Content-Disposition)" "attachment; filename=\"person-$TPID.json\""
"$PODIUM" person export "$TPID" >"$DAEMON_DIR/cli_export.json"
check "... exactly what podium person export prints" same_file "$DAEMON_DIR/pexport.body" "$DAEMON_DIR/cli_export.json"
check "the export is only for the logged-in" eq "$(fetch anon_export "$DAEMON_URL/people/$TPID/export"; echo "$HTTP_CODE")" 303
# A delegate named like him: free text the erasure lists, not edits.
"$PODIUM" attend 1 "Uwe Merten" --delegate "Herr Teich" >/dev/null
# His messages' spool files, as the scheduler writes them when it sends
# (it may not have yet: put the ones missing there, so that the check
# cannot pass empty).  Pending ones have none: the forget drops them.
mkdir -p "$DAEMON_DIR/spool"
teich_sent() {
	[ "$(sqlite3 "$PODIUM_DB" "SELECT count(*) FROM outbox WHERE person_id = $TPID AND state = 'sent'")" -gt 0 ]
}
wait_for 20 teich_sent || true
MSGS=$(sqlite3 "$PODIUM_DB" "SELECT printf('%06d-%s', id, kind) FROM outbox WHERE person_id = $TPID AND state <> 'pending'")
check "he has messages sent" matches "$MSGS" '.'
for m in $MSGS; do [ -e "$DAEMON_DIR/spool/$m.eml" ] || printf 'To: Prof. Teich\r\n\r\n' >"$DAEMON_DIR/spool/$m.eml"; done
check "export_dir names him before" contains "$DAEMON_DIR/export/all.ics" 'Prof. Teich'
NATT=$(sqlite3 "$PODIUM_DB" "SELECT count(*) FROM attendance WHERE person_id = $TPID")
page fask /people/"$TPID"/forget
check "forget first answers a confirmation page (200)" eq "$HTTP_CODE" 200
check "... with the dry run: talks kept with the placeholder" matches "$(tr -d '\n' <"$DAEMON_DIR/fask.body")" 'Beiträge: bleiben, als Referent/in steht „gelöschte Person“</th><td data-label="Anzahl">1<'
check "... attendances deleted" matches "$(tr -d '\n' <"$DAEMON_DIR/fask.body")" "Teilnahmen: gelöscht</th><td data-label=\"Anzahl\">$NATT<"
check "... messages scrubbed" matches "$(tr -d '\n' <"$DAEMON_DIR/fask.body")" 'Empfänger, Betreff und Text entfernt</th><td data-label="Anzahl">[1-9]'
check "... the free text that names him" contains "$DAEMON_DIR/fask.body" '(delegate) of event 1</li>'
check "... and nothing is forgotten yet" eq "$(sqlite3 "$PODIUM_DB" "SELECT name FROM person WHERE id = $TPID")" "Prof. Teich"
REV=$(revision)
page f_none -X POST /people/"$TPID"/forget
check "forget without csrf answers 403" eq "$HTTP_CODE" 403
page f_wrong --data-urlencode "csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" /people/"$TPID"/forget
check "... and with a wrong one" eq "$HTTP_CODE" 403
check "... and he is still there" eq "$(sqlite3 "$PODIUM_DB" "SELECT name || ' ' || email FROM person WHERE id = $TPID")" "Prof. Teich prof.teich@example.org"
check "... and nothing was written" eq "$(revision)" "$REV"
post fdo /people/"$TPID"/forget
check "forget answers 303 to the person's page" matches "$(header fdo Location)" "^/people/$TPID\?ok=forgotten&files=[1-9][0-9]*$"
check "... who is now the placeholder, without an address" eq "$(sqlite3 "$PODIUM_DB" "SELECT name || '|' || coalesce(email, '') FROM person WHERE id = $TPID")" "gelöschte Person|"
check "... whose talk stays" eq "$(sqlite3 "$PODIUM_DB" "SELECT count(*) FROM talk WHERE speaker_id = $TPID")" 1
check "... with no attendance left" eq "$(sqlite3 "$PODIUM_DB" "SELECT count(*) FROM attendance WHERE person_id = $TPID")" 0
left=0
for m in $MSGS; do [ ! -e "$DAEMON_DIR/spool/$m.eml" ] || left=$((left + 1)); done
check "... and his spool files are deleted" eq "$left" 0
check "... and export_dir is written again without him" lacks "$DAEMON_DIR/export/all.ics" 'Prof. Teich'
page fdone "$(header fdo Location)"
check "the page says he is forgotten" contains "$DAEMON_DIR/fdone.body" 'Die Person ist gelöscht'
check "... and offers no second erasure" lacks "$DAEMON_DIR/fdone.body" "/people/$TPID/forget"
post fagain /people/"$TPID"/forget
check "a second forget is harmless (303 to the page)" eq "$(header fagain Location)" "/people/$TPID"

# ---- sessions end: idle and absolute ----

daemon_stop
PODIUM_NOW=2021-01-25T16:00:00Z daemon_start >/dev/null
page idle1 /
check "7h44m after the last use the session still holds" eq "$HTTP_CODE" 200
daemon_stop
PODIUM_NOW=2021-01-26T00:00:01Z daemon_start >/dev/null
page idle2 /
check "8 h after its last use the session has ended" eq "$(header idle2 Location)" /login
daemon_stop
DAEMON_EXTRA_INI=$'[web]\nsession_max = 20h'
PODIUM_NOW=2021-01-26T01:00:00Z daemon_start >/dev/null
login relog "$EMAIL" "$PASSWORD"
check "a fresh login with session_max = 20h" eq "$(header relog Location)" /
for t in 2021-01-26T08:00:00Z 2021-01-26T15:00:00Z; do
	daemon_stop
	PODIUM_NOW=$t daemon_start >/dev/null
	page "max_$t" /
	check "used within 8 h at $t: still logged in" eq "$HTTP_CODE" 200
done
daemon_stop
PODIUM_NOW=2021-01-26T21:00:01Z daemon_start >/dev/null
page max_end /
check "20 h after the login the session has ended, used or not" eq "$(header max_end Location)" /login
check "ended sessions are gone from the database" eq "$(sqlite3 "$PODIUM_DB" 'SELECT count(*) FROM web_session WHERE created < 1611622800')" 0
check "session ids are stored only as hashes" eq "$(sqlite3 "$PODIUM_DB" "SELECT count(*) FROM web_session WHERE length(id_hash) <> 64")" 0

# ---- accounts ----

"$PODIUM" user passwd "$EMAIL" --password-stdin <<<"neues-passwort-1" >/dev/null
login oldpw "$EMAIL" "$PASSWORD"
check "after user passwd the old password fails" eq "$HTTP_CODE" 401
login newpw "$EMAIL" "neues-passwort-1"
check "... and the new one works" eq "$(header newpw Location)" /
"$PODIUM" user remove second@example.org >/dev/null
"$PODIUM" user list >"$DAEMON_DIR/users"
check "user remove removes the account" lacks "$DAEMON_DIR/users" second@example.org
check "a removed account cannot log in" eq "$(login gone second@example.org zweites-passwort; echo "$HTTP_CODE")" 401

daemon_finish
