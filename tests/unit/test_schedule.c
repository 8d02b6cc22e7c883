/*
 * The conference schedule renderer on calendars built in memory: guids
 * pinned to UUIDv5 of podium's namespace, offsets on both sides of a DST
 * change, durations below 24:00, characters XML cannot carry, what
 * becomes an event, and a version that follows the content.  Schema
 * validation of real documents is tests/e2e/test_schedule.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "podium/ical.h"
#include "podium/model.h"
#include "podium/schedule.h"
#include "podium/tz.h"

static const struct pd_schedule_opts opts = {
	"SMARTCity Gera", "http://feeds.example.org", NULL, NULL
};

static char *
dup(const char *s)
{
	char *p = s != NULL ? strdup(s) : NULL;

	assert_true(s == NULL || p != NULL);
	return p;
}

static void
set_event(struct pd_event *ev, const char *uid, const char *title,
    const char *start, const char *end, int all_day)
{
	memset(ev, 0, sizeof(*ev));
	ev->uid = dup(uid);
	ev->title = dup(title);
	ev->tzid = dup("Europe/Berlin");
	ev->start = dup(start);
	ev->end = dup(end);
	ev->all_day = all_day;
	ev->status = PD_EVENT_CONFIRMED;
	ev->updated = 1611316800;	/* 2021-01-22T12:00:00Z */
	assert_int_equal(pd_tz_to_utc(start, ev->tzid, all_day,
	    &ev->start_utc), PD_OK);
	assert_int_equal(pd_tz_to_utc(end, ev->tzid, all_day, &ev->end_utc),
	    PD_OK);
}

static struct pd_calendar *
calendar(size_t n)
{
	struct pd_calendar *cal = calloc(1, sizeof(*cal));

	assert_non_null(cal);
	cal->events = calloc(n, sizeof(*cal->events));
	assert_non_null(cal->events);
	cal->nevents = n;
	return cal;
}

static char *
render(const struct pd_calendar *cal, enum pd_schedule_format fmt)
{
	struct pd_error err = { 0, NULL, NULL };
	char *out = NULL;
	size_t len = 0;

	assert_int_equal(pd_schedule_render(cal, fmt, &opts, &out, &len,
	    &err), PD_OK);
	assert_int_equal(strlen(out), len);
	pd_error_clear(&err);
	return out;
}

static void
has(const char *doc, const char *s)
{
	if (strstr(doc, s) == NULL) {
		fprintf(stderr, "%s\n", doc);
		fail_msg("'%s' not in the document above", s);
	}
}

static void
lacks(const char *doc, const char *s)
{
	if (strstr(doc, s) != NULL)
		fail_msg("'%s' in the document", s);
}

static void
add_talk(struct pd_event *ev, const char *uid, const char *title,
    const char *speaker, enum pd_talk_status st, const char *start,
    const char *end)
{
	struct pd_talk *t;

	ev->talks = realloc(ev->talks, (ev->ntalks + 1) * sizeof(*t));
	assert_non_null(ev->talks);
	t = &ev->talks[ev->ntalks];
	memset(t, 0, sizeof(*t));
	t->id = (int64_t)ev->ntalks + 1;
	t->uid = dup(uid);
	t->title = dup(title);
	t->speaker.id = (int64_t)ev->ntalks + 100;
	t->speaker.name = dup(speaker);
	t->speaker.email = dup("secret@example.org");
	t->speaker.uuid = dup("b97e6552-3a91-4caf-b24d-52aaaaaaaaaa");
	t->status = st;
	t->start = dup(start);
	t->end = dup(end);
	ev->ntalks++;
}

static void
guid__is_uuid5_of_the_uid__forever(void **state)
{
	struct pd_calendar *cal = calendar(1);
	char *x, *j;

	(void)state;
	set_event(&cal->events[0],
	    "fg-kommunale-infrastruktur-2021-01-22@smartcity-gera.example.org",
	    "Fachgruppe", "2021-01-22 09:00", "2021-01-22 12:00", 0);
	x = render(cal, PD_SCHEDULE_XML);
	j = render(cal, PD_SCHEDULE_JSON);
	/* python3: uuid.uuid5(UUID("5aa2c472-..."), uid); never to change. */
	has(x, "guid=\"33ed67ad-69d8-5f4a-8c16-fd9a56eeb2bd\"");
	has(j, "\"guid\": \"33ed67ad-69d8-5f4a-8c16-fd9a56eeb2bd\"");
	has(x, "<acronym>smartcity_gera</acronym>");
	free(x);
	free(j);
	pd_calendar_free(cal);
}

static void
dates__carry_the_offset_of_their_own_moment(void **state)
{
	struct pd_calendar *cal = calendar(3);
	char *x;

	(void)state;
	set_event(&cal->events[0], "before@test", "Vorher",
	    "2021-03-27 10:00", "2021-03-27 11:30", 0);
	/* Over the night of the change: 26 hours. */
	set_event(&cal->events[1], "dst@test", "Über die Umstellung",
	    "2021-03-27 22:00", "2021-03-29 00:00", 0);
	set_event(&cal->events[2], "after@test", "Nachher",
	    "2021-03-28 10:00", "2021-03-28 10:45", 0);
	x = render(cal, PD_SCHEDULE_XML);
	has(x, "<date>2021-03-27T10:00:00+01:00</date>");
	has(x, "<date>2021-03-28T10:00:00+02:00</date>");
	has(x, "<date>2021-03-27T22:00:00+01:00</date>");
	has(x, "<duration>01:30</duration>");
	has(x, "<duration>00:45</duration>");
	/* Capped below 24:00: Giggity reads a third part as seconds. */
	has(x, "<duration>23:59</duration>");
	has(x, "start=\"2021-03-28T00:00:00+01:00\" "
	    "end=\"2021-03-29T00:00:00+02:00\"");
	has(x, "guid=\"0107bb78-3238-5a6c-9130-3795016b642c\"");
	free(x);
	pd_calendar_free(cal);
}

static void
text__loses_what_xml_cannot_carry(void **state)
{
	struct pd_calendar *cal = calendar(1);
	char *x, *j;

	(void)state;
	set_event(&cal->events[0], "odd@test",
	    "A\x01" "B\x1f" "C <&> \"D\" \xef\xbf\xbe" "E \xff" "F \xf0\x9f\x8e\x89",
	    "2021-02-11 09:00", "2021-02-11 10:00", 0);
	cal->events[0].location = dup("Raum \x0b" "1 & 2");
	x = render(cal, PD_SCHEDULE_XML);
	j = render(cal, PD_SCHEDULE_JSON);
	has(x, "<title>ABC &lt;&amp;&gt; &quot;D&quot; E F \xf0\x9f\x8e\x89</title>");
	has(x, "<room name=\"Raum 1 &amp; 2\"");
	has(j, "\"title\": \"ABC <&> \\\"D\\\" E F \xf0\x9f\x8e\x89\"");
	lacks(x, "\x01");
	lacks(x, "\x0b");
	lacks(j, "\\u0001");
	free(x);
	free(j);
	pd_calendar_free(cal);
}

static void
talks__with_own_time_are_events_and_only_confirmed_speakers_show(void **state)
{
	struct pd_calendar *cal = calendar(2);
	struct pd_event *ev;
	char *x, *j;

	(void)state;
	/* All talks timed: the talks are the events, not the session. */
	ev = &cal->events[0];
	set_event(ev, "session1@test", "Projektwoche", "2021-02-11 09:00",
	    "2021-02-11 12:00", 0);
	add_talk(ev, "talk1@test", "Kreislaufwirtschaft", "Dietmar Lübcke",
	    PD_TALK_CONFIRMED, "2021-02-11 09:15", "2021-02-11 09:45");
	add_talk(ev, "talk2@test", "Abgesagt", "Niemand", PD_TALK_DECLINED,
	    "2021-02-11 10:00", "2021-02-11 10:30");
	/* No timed talks: one event, the confirmed speakers as persons. */
	ev = &cal->events[1];
	set_event(ev, "session2@test", "Nahverkehr", "2021-02-16 09:00",
	    "2021-02-16 11:00", 0);
	add_talk(ev, "talk3@test", "Bus", "Ralf Roscher", PD_TALK_CONFIRMED,
	    NULL, NULL);
	add_talk(ev, "talk4@test", "Bahn", "Prof. Teich", PD_TALK_REQUESTED,
	    NULL, NULL);
	x = render(cal, PD_SCHEDULE_XML);
	j = render(cal, PD_SCHEDULE_JSON);
	has(x, "guid=\"d5e35c61-a355-5c54-99b0-e72ddb2e161e\"");
	has(x, "<title>Kreislaufwirtschaft</title>");
	has(x, "<subtitle>Projektwoche</subtitle>");
	has(x, "<type>talk</type>");
	lacks(x, "<title>Projektwoche</title>");
	lacks(x, "<title>Abgesagt</title>");
	has(x, ">Dietmar Lübcke</person>");
	has(x, ">Ralf Roscher</person>");
	lacks(x, ">Prof. Teich</person>");
	/* Named in the text with the state, as the public feeds do. */
	has(x, "Prof. Teich \xe2\x80\x93 angefragt");
	lacks(x, "@example.org");
	lacks(j, "@example.org");
	has(j, "\"name\": \"Ralf Roscher\"");
	lacks(j, "public_name");
	free(x);
	free(j);
	pd_calendar_free(cal);
}

static void
series__one_event_per_occurrence_within_the_horizon(void **state)
{
	struct pd_calendar *cal = calendar(2);
	char *x;

	(void)state;
	set_event(&cal->events[0], "series@test", "Fortschreibung",
	    "2028-01-21", "2028-01-22", 1);
	cal->events[0].rrule = dup("FREQ=YEARLY;INTERVAL=2");
	set_event(&cal->events[1], "gone@test", "Abgesagt",
	    "2021-02-11 09:00", "2021-02-11 10:00", 0);
	cal->events[1].status = PD_EVENT_CANCELLED;
	x = render(cal, PD_SCHEDULE_XML);
	has(x, "date=\"2028-01-21\"");
	has(x, "date=\"2030-01-21\"");
	has(x, "date=\"2032-01-21\"");
	lacks(x, "date=\"2034-01-21\"");
	has(x, "guid=\"eb0a29e3-be84-5239-91c6-680f343ae162\"");
	has(x, "<days>3</days>");
	lacks(x, "Abgesagt");
	free(x);
	pd_calendar_free(cal);
}

static void
version__same_for_same_content_new_for_new(void **state)
{
	struct pd_calendar *cal = calendar(1);
	char *a, *b, *c;

	(void)state;
	set_event(&cal->events[0], "v@test", "Eins", "2021-02-11 09:00",
	    "2021-02-11 10:00", 0);
	a = render(cal, PD_SCHEDULE_XML);
	b = render(cal, PD_SCHEDULE_XML);
	assert_string_equal(a, b);
	has(a, "<version>2021-01-22-");
	lacks(a, "0000-00-00-00000000");
	free(cal->events[0].title);
	cal->events[0].title = dup("Zwei");
	c = render(cal, PD_SCHEDULE_XML);
	assert_int_not_equal(strncmp(strstr(a, "<version>"),
	    strstr(c, "<version>"), 40), 0);
	free(a);
	free(b);
	free(c);
	pd_calendar_free(cal);
}

static void
slug__of_a_title_without_letters_still_fits_the_xsd(void **state)
{
	struct pd_calendar *cal = calendar(1);
	char *x, *p;

	(void)state;
	set_event(&cal->events[0], "dashes@test", "\xe2\x80\x93 ! \xe2\x80\x93",
	    "2021-02-11 09:00", "2021-02-11 10:00", 0);
	x = render(cal, PD_SCHEDULE_XML);
	assert_non_null(p = strstr(x, "<slug>smartcity_gera-"));
	assert_non_null(strstr(p, "-event</slug>"));
	free(x);
	pd_calendar_free(cal);
}

static void
empty__still_one_day_as_the_xsd_wants(void **state)
{
	struct pd_calendar *cal = calendar(0);
	char *x;

	(void)state;
	x = render(cal, PD_SCHEDULE_XML);
	has(x, "<day index=\"1\" date=\"1970-01-01\"");
	free(x);
	pd_calendar_free(cal);
}

static void
feed_names__only_the_four_shapes(void **state)
{
	(void)state;
	assert_true(pd_schedule_feed_name("schedule.xml"));
	assert_true(pd_schedule_feed_name("schedule.json"));
	assert_true(pd_schedule_feed_name("group/smarte-quartiere/schedule.xml"));
	assert_false(pd_schedule_feed_name("group//schedule.xml"));
	assert_false(pd_schedule_feed_name("group/a.b/schedule.xml"));
	assert_false(pd_schedule_feed_name("topic/x/schedule.xml"));
	assert_false(pd_schedule_feed_name("schedule.ics"));
	assert_false(pd_schedule_feed_name("all"));
	assert_string_equal(pd_schedule_content_type("schedule.json"),
	    "application/json");
	assert_null(pd_schedule_content_type("all"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(guid__is_uuid5_of_the_uid__forever),
		cmocka_unit_test(dates__carry_the_offset_of_their_own_moment),
		cmocka_unit_test(text__loses_what_xml_cannot_carry),
		cmocka_unit_test(
		    talks__with_own_time_are_events_and_only_confirmed_speakers_show),
		cmocka_unit_test(series__one_event_per_occurrence_within_the_horizon),
		cmocka_unit_test(version__same_for_same_content_new_for_new),
		cmocka_unit_test(
		    slug__of_a_title_without_letters_still_fits_the_xsd),
		cmocka_unit_test(empty__still_one_day_as_the_xsd_wants),
		cmocka_unit_test(feed_names__only_the_four_shapes),
	};

	pd_ical_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
