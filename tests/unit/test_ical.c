/*
 * Unit tests of lib/ical_render.c and lib/ical_parse.c: the round trip of
 * a rich calendar built in code, the compact VTIMEZONE, folding, the
 * privacy modes, the parser's errors for bad input and foreign calendars.
 * Python's icalendar, when installed, reads the output as a second
 * opinion.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <libical/ical.h>

#include "podium/ical.h"
#include "podium/model.h"
#include "podium/tz.h"

static char *
xdup(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

static void
person(struct pd_person *p, int64_t id, const char *name, const char *email,
    const char *org)
{
	char uuid[37];

	memset(p, 0, sizeof(*p));
	p->id = id;
	snprintf(uuid, sizeof(uuid), "0b9e%04x-0000-4000-8000-00000000%04x",
	    (unsigned)id, (unsigned)id);
	p->uuid = xdup(uuid);
	p->name = xdup(name);
	p->email = email != NULL ? xdup(email) : NULL;
	p->org_code = org != NULL ? xdup(org) : NULL;
	p->lang = xdup(id == 5 ? "en" : "de");
	if (org != NULL && strcmp(org, "AWV") == 0)
		p->org_name = xdup("Abfall-Wirtschaft-Zweckverband");
}

/* The SMARTCity programme in miniature, with every feature the map has. */
static struct pd_calendar *
rich_calendar(void)
{
	struct pd_calendar *cal = calloc(1, sizeof(*cal));
	struct pd_event *e;
	struct pd_talk *t;
	struct pd_attendance *a;

	assert_non_null(cal);
	cal->name = xdup("SMARTCity Gera – Projektwochen");
	cal->nevents = 3;
	cal->events = calloc(3, sizeof(*cal->events));
	assert_non_null(cal->events);

	e = &cal->events[0];
	e->uid = xdup("fg-infra-2021-02-11@podium");
	e->title = xdup("Projektwoche: Smarte Quartiere – Fachgruppe Unternehmen "
	    "der kommunalen Infrastruktur");
	e->description = xdup("Bitte Umfrage ausfüllen.\nZweite Zeile; mit, "
	    "Satzzeichen\\.");
	e->location = xdup("Rathaus Gera, Kornmarkt 12, Großer Saal");
	e->url = xdup("https://example.org/smartcity/projektwochen");
	e->tzid = xdup("Europe/Berlin");
	e->start = xdup("2021-02-11 09:00");
	e->end = xdup("2021-02-11 12:30");
	e->status = PD_EVENT_CONFIRMED;
	e->sequence = 3;
	e->group_slug = xdup("fachgruppe-unternehmen-der-kommunalen-"
	    "infrastruktur");
	e->group_name = xdup("Fachgruppe Unternehmen der kommunalen "
	    "Infrastruktur");
	person(&e->organizer, 1, "Jonas Seidel", "jonas.seidel@mail.test",
	    "TGZ");
	e->ntopics = 2;
	e->topics = calloc(2, sizeof(char *));
	e->topics[0] = xdup("Smarte Quartiere");
	e->topics[1] = xdup("Kreislaufwirtschaft");
	e->nlinks = 1;
	e->links = calloc(1, sizeof(char *));
	e->links[0] = xdup("https://example.org/umfrage?id=42&lang=de");
	e->nagenda = 2;
	e->agenda = calloc(2, sizeof(*e->agenda));
	e->agenda[0].label = xdup("I");
	e->agenda[0].title = xdup("Projektstatus");
	e->agenda[0].from = xdup("09:00");
	e->agenda[0].to = xdup("09:15");
	e->agenda[1].label = xdup("II");
	e->agenda[1].title = xdup("SMARTCity Projektwochen – Überblick");
	e->agenda[1].from = xdup("09:15");
	e->agenda[1].to = xdup("09:45");
	e->ntalks = 3;
	e->talks = calloc(3, sizeof(*e->talks));
	t = &e->talks[0];
	t->uid = xdup("talk-kreislauf@podium");
	t->title = xdup("Smarte Kreislaufwirtschaft");
	person(&t->speaker, 2, "Dietmar Lübcke", "dietmar.luebcke@mail.test",
	    "AWV");
	t->status = PD_TALK_CONFIRMED;
	t->updated = 1611000000;
	t = &e->talks[1];
	t->uid = xdup("talk-energie@podium");
	t->title = xdup("Smarte Quartiere aus energetischer Sicht");
	person(&t->speaker, 3, "Prof. Teich", "teich@mail.test", "WHZ");
	person(&t->via, 1, "Jonas Seidel", "jonas.seidel@mail.test", "TGZ");
	t->status = PD_TALK_REQUESTED;
	t->start = xdup("2021-02-11 10:00");
	t->end = xdup("2021-02-11 10:30");
	t->updated = 1611300000;
	t = &e->talks[2];
	t->uid = xdup("talk-alternative@podium");
	t->title = xdup("Wärmenetze im Quartier");
	person(&t->speaker, 5, "Anna Weiß", NULL, "EGG");
	t->status = PD_TALK_DECLINED;
	t->alternative_to = xdup("talk-energie@podium");
	t->updated = 1611400000;
	e->nattendances = 3;
	e->attendances = calloc(3, sizeof(*e->attendances));
	a = &e->attendances[0];
	person(&a->person, 1, "Jonas Seidel", "jonas.seidel@mail.test",
	    "TGZ");
	a->role = PD_ROLE_CHAIR;
	a->status = PD_PART_ACCEPTED;
	a = &e->attendances[1];
	person(&a->person, 4, "Katrin Müller-Lüdenscheidt",
	    "katrin@mail.test", "GVB");
	a->role = PD_ROLE_PARTICIPANT;
	a->status = PD_PART_DELEGATED;
	a->delegate = xdup("Frau Kache");
	a = &e->attendances[2];
	person(&a->person, 6, "Tilia Vertretung", "tilia@mail.test",
	    "Tilia");
	a->role = PD_ROLE_OPTIONAL;
	a->status = PD_PART_TENTATIVE;
	e->created = 1610000000;
	e->updated = 1611500000;

	e = &cal->events[1];
	e->uid = xdup("ag-2021-01-28@podium");
	e->title = xdup("Arbeitsgruppentreffen (ganztägig)");
	e->tzid = xdup("Europe/Berlin");
	e->all_day = 1;
	e->start = xdup("2021-01-28");
	e->end = xdup("2021-01-29");
	e->status = PD_EVENT_TENTATIVE;
	e->created = 1610000000;
	e->updated = 1610000000;

	e = &cal->events[2];
	e->uid = xdup("strategie@podium");
	e->title = xdup("Strategie-Fortschreibung");
	e->description = xdup("Jährliche Fortschreibung der Strategie.");
	e->tzid = xdup("Europe/Berlin");
	e->start = xdup("2022-01-20 14:00");
	e->end = xdup("2022-01-20 16:00");
	e->rrule = xdup("FREQ=YEARLY;UNTIL=20261231T235959Z");
	e->status = PD_EVENT_CANCELLED;
	e->sequence = 1;
	e->updated = 1612000000;

	cal->ngroups = 1;
	cal->groups = calloc(1, sizeof(*cal->groups));
	cal->groups[0].slug = xdup("fachgruppe-unternehmen-der-kommunalen-"
	    "infrastruktur");
	cal->groups[0].name = xdup("Fachgruppe Unternehmen der kommunalen "
	    "Infrastruktur");
	cal->groups[0].nmembers = 2;
	cal->groups[0].members = calloc(2, sizeof(struct pd_member));
	person(&cal->groups[0].members[0].person, 1, "Jonas Seidel",
	    "jonas.seidel@mail.test", "TGZ");
	cal->groups[0].members[0].role = PD_GROUP_MODERATOR;
	person(&cal->groups[0].members[1].person, 2, "Dietmar Lübcke",
	    "dietmar.luebcke@mail.test", "AWV");
	cal->groups[0].members[1].role = PD_GROUP_SPOKESPERSON;
	return cal;
}

static char *
render(const struct pd_calendar *cal, enum pd_privacy priv, int64_t who,
    size_t *len)
{
	struct pd_render_opts o = { priv, who, NULL, NULL, 0, 0 };
	struct pd_error err = { 0, NULL, NULL };
	char *out = NULL;
	size_t n = 0;

	assert_int_equal(pd_ical_render(cal, &o, &out, &n, &err), PD_OK);
	assert_non_null(out);
	assert_int_equal(strlen(out), n);
	if (len != NULL)
		*len = n;
	return out;
}

/* Undoes the folding in place, so that strstr sees whole lines. */
static void
unfold(char *s)
{
	char *r, *w;

	for (r = w = s; *r != '\0'; r++) {
		if (r[0] == '\r' && r[1] == '\n' && r[2] == ' ') {
			r += 2;
			continue;
		}
		*w++ = *r;
	}
	*w = '\0';
}

/* Parses text; on failure returns the code and leaves the message. */
static int
parse(const char *text, size_t len, struct pd_calendar **cal, char **msg)
{
	struct pd_error err = { 0, NULL, NULL };
	int rc;

	*cal = NULL;
	rc = pd_ical_parse(text, len, cal, &err);
	if (msg != NULL)
		*msg = err.msg != NULL ? strdup(err.msg) : NULL;
	pd_error_clear(&err);
	return rc;
}

/* Runs Python's icalendar on text; 1 if it reads it, -1 if absent. */
static int
python_reads(const char *text, size_t len, int nevents)
{
	char path[] = "/tmp/podium-test-ical-XXXXXX", cmd[512];
	FILE *f;
	int fd, rc;

	if (access("/usr/bin/python3", X_OK) != 0 ||
	    system("/usr/bin/python3 -c 'import icalendar' 2>/dev/null") != 0)
		return -1;
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(f = fdopen(fd, "wb"));
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 -c 'import icalendar,sys;"
	    "c=icalendar.Calendar.from_ical(open(sys.argv[1],\"rb\").read());"
	    "n=len(c.walk(\"VEVENT\"));"
	    "[e.decoded(\"DTSTART\") for e in c.walk(\"VEVENT\")];"
	    "sys.exit(0 if n==%d else 3)' %s", nevents, path);
	rc = system(cmd);
	unlink(path);
	return rc == 0;
}

static void
render_parse_render__rich_calendar__gives_identical_bytes(void **state)
{
	struct pd_calendar *cal = rich_calendar(), *back = NULL;
	char *a, *b, *msg = NULL;
	size_t na, nb;

	(void)state;
	a = render(cal, PD_PRIVACY_FULL, 0, &na);
	assert_int_equal(parse(a, na, &back, &msg), PD_OK);
	assert_null(msg);
	assert_int_equal(back->nevents, 3);
	assert_string_equal(back->events[0].title, cal->events[0].title);
	assert_string_equal(back->events[0].description,
	    cal->events[0].description);
	assert_int_equal(back->events[0].ntalks, 3);
	assert_string_equal(back->events[0].talks[1].via.name,
	    "Jonas Seidel");
	assert_string_equal(back->events[0].talks[1].start,
	    "2021-02-11 10:00");
	assert_int_equal(back->events[0].talks[1].updated, 1611300000);
	assert_string_equal(back->events[0].talks[2].alternative_to,
	    "talk-energie@podium");
	assert_int_equal(back->events[0].nattendances, 3);
	assert_int_equal(back->events[0].attendances[1].status,
	    PD_PART_DELEGATED);
	assert_string_equal(back->events[0].attendances[1].delegate,
	    "Frau Kache");
	assert_string_equal(back->events[0].attendances[1].person.email,
	    "katrin@mail.test");
	assert_int_equal(back->events[0].attendances[2].role,
	    PD_ROLE_OPTIONAL);
	assert_string_equal(back->events[0].talks[0].speaker.org_name,
	    "Abfall-Wirtschaft-Zweckverband");
	assert_string_equal(back->events[0].talks[2].speaker.lang, "en");
	assert_int_equal(back->events[1].all_day, 1);
	assert_string_equal(back->events[1].end, "2021-01-29");
	assert_string_equal(back->events[2].rrule,
	    "FREQ=YEARLY;UNTIL=20261231T235959Z");
	assert_int_equal(back->events[2].status, PD_EVENT_CANCELLED);
	assert_int_equal(back->ngroups, 1);
	assert_int_equal(back->groups[0].nmembers, 2);
	assert_int_equal(back->groups[0].members[1].role,
	    PD_GROUP_SPOKESPERSON);
	b = render(back, PD_PRIVACY_FULL, 0, &nb);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na);
	free(a);
	free(b);
	pd_calendar_free(back);
	pd_calendar_free(cal);
}

static void
render__twice__gives_identical_bytes(void **state)
{
	struct pd_calendar *cal = rich_calendar();
	char *a, *b;
	size_t na, nb;

	(void)state;
	a = render(cal, PD_PRIVACY_PUBLIC, 0, &na);
	b = render(cal, PD_PRIVACY_PUBLIC, 0, &nb);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na);
	free(a);
	free(b);
	pd_calendar_free(cal);
}

static void
render__berlin_event__plain_tzid_and_compact_vtimezone(void **state)
{
	struct pd_calendar *cal = rich_calendar();
	char *a, *vtz, *end;

	(void)state;
	a = render(cal, PD_PRIVACY_FULL, 0, NULL);
	assert_non_null(strstr(a,
	    "DTSTART;TZID=Europe/Berlin:20210211T090000\r\n"));
	assert_non_null(strstr(a, "DTSTART;VALUE=DATE:20210128\r\n"));
	assert_non_null(strstr(a, "DTEND;VALUE=DATE:20210129\r\n"));
	assert_null(strstr(a, "freeassociation"));
	assert_null(strstr(a, "X-LIC-"));
	assert_non_null(vtz = strstr(a, "BEGIN:VTIMEZONE\r\n"
	    "TZID:Europe/Berlin\r\n"));
	assert_null(strstr(vtz + 1, "BEGIN:VTIMEZONE"));	/* only one */
	assert_non_null(end = strstr(vtz, "END:VTIMEZONE\r\n"));
	*end = '\0';
	assert_null(strstr(vtz, "RDATE"));
	assert_non_null(strstr(vtz, "BEGIN:DAYLIGHT\r\nTZNAME:CEST\r\n"
	    "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
	    "DTSTART:19700329T020000\r\n"
	    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\n"));
	assert_non_null(strstr(vtz, "BEGIN:STANDARD\r\nTZNAME:CET\r\n"
	    "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
	    "DTSTART:19701025T030000\r\n"
	    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\n"));
	free(a);
	pd_calendar_free(cal);
}

static void
render__calendar__carries_feed_properties_and_crlf(void **state)
{
	struct pd_calendar *cal = rich_calendar();
	char *a, *p;
	size_t n;

	(void)state;
	a = render(cal, PD_PRIVACY_FULL, 0, &n);
	assert_true(strncmp(a, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
	    "PRODID:-//podium//podium 1.0//EN\r\nCALSCALE:GREGORIAN\r\n",
	    84) == 0);
	assert_non_null(strstr(a, "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n"));
	assert_non_null(strstr(a, "X-PUBLISHED-TTL:PT1H\r\n"));
	assert_non_null(strstr(a, "X-WR-CALNAME:SMARTCity Gera"));
	assert_non_null(strstr(a, "RELATED-TO;RELTYPE=PARENT:"
	    "fg-infra-2021-02-11@podium\r\n"));
	assert_non_null(strstr(a, "X-PODIUM-KIND:talk\r\n"));
	assert_string_equal(a + n - 15, "END:VCALENDAR\r\n");
	for (p = a; (p = strchr(p, '\n')) != NULL; p++)
		assert_true(p > a && p[-1] == '\r');
	free(a);
	pd_calendar_free(cal);
}

static void
render__long_umlaut_line__folds_at_75_octets_between_characters(
    void **state)
{
	struct pd_calendar *cal = rich_calendar();
	char title[1200], *a, *line, *eol;
	size_t i, n;

	(void)state;
	/* Odd offsets so that a naive 75-octet cut would hit a ü. */
	memcpy(title, "X", 2);
	for (i = 0; i < 300; i++)
		strcat(title, i % 7 == 0 ? "ü " : "ä");
	free(cal->events[0].title);
	cal->events[0].title = xdup(title);
	a = render(cal, PD_PRIVACY_FULL, 0, &n);
	for (line = a; *line != '\0'; line = eol + 2) {
		eol = strstr(line, "\r\n");
		assert_non_null(eol);
		assert_true(eol - line <= 75);
		/* No line starts (after the fold's space) inside a char. */
		assert_false(((unsigned char)line[*line == ' ' ? 1 : 0] &
		    0xc0) == 0x80);
		/* and none ends inside one. */
		if (eol > line)
			assert_false((unsigned char)eol[-1] >= 0xc0);
	}
	free(a);
	pd_calendar_free(cal);
}

static void
render__public__shows_no_email_address(void **state)
{
	struct pd_calendar *cal = rich_calendar();
	char *a, *p;
	size_t n;

	(void)state;
	a = render(cal, PD_PRIVACY_PUBLIC, 0, &n);
	assert_true(python_reads(a, n, 4) != 0);
	unfold(a);
	/* The only '@' left are those of the UIDs. */
	for (p = strchr(a, '@'); p != NULL; p = strchr(p + 1, '@'))
		assert_true(strncmp(p + 1, "podium", 6) == 0);
	assert_null(strstr(a, "mailto:"));
	assert_null(strstr(a, "mail.test"));
	assert_non_null(strstr(a, "ATTENDEE;CUTYPE=INDIVIDUAL;"));
	assert_non_null(strstr(a, ":urn:uuid:"));
	free(a);
	pd_calendar_free(cal);
}

static void
render__person_feed__shows_only_that_persons_address(void **state)
{
	struct pd_calendar *cal = rich_calendar();
	char *a;
	const char *others[] = { "jonas.seidel@", "dietmar.luebcke@",
	    "teich@", "tilia@" };
	size_t i;

	(void)state;
	a = render(cal, PD_PRIVACY_PERSON, 4, NULL);
	unfold(a);
	assert_non_null(strstr(a, "mailto:katrin@mail.test"));
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		assert_null(strstr(a, others[i]));
	free(a);
	pd_calendar_free(cal);
}

static void
render__full_export__libical_and_python_read_it(void **state)
{
	struct pd_calendar *cal = rich_calendar();
	icalcomponent *c;
	char *a;
	size_t n;

	(void)state;
	a = render(cal, PD_PRIVACY_FULL, 0, &n);
	assert_non_null(c = icalparser_parse_string(a));
	assert_int_equal(icalcomponent_count_errors(c), 0);
	assert_int_equal(icalcomponent_count_components(c,
	    ICAL_VEVENT_COMPONENT), 4);
	icalcomponent_free(c);
	assert_true(python_reads(a, n, 4) != 0);
	free(a);
	pd_calendar_free(cal);
}

static void
render__imip__has_organizer_and_only_the_addressee_with_rsvp(void **state)
{
	struct pd_calendar *cal = rich_calendar();
	struct pd_render_opts o = { PD_PRIVACY_PUBLIC, 0, NULL, "REQUEST", 1,
	    3 };
	struct pd_error err = { 0, NULL, NULL };
	char *a = NULL;
	size_t n;

	(void)state;
	assert_int_equal(pd_ical_render(cal, &o, &a, &n, &err), PD_OK);
	unfold(a);
	assert_non_null(strstr(a, "METHOD:REQUEST\r\n"));
	assert_non_null(strstr(a, "ORGANIZER;CN=Jonas Seidel:mailto:"
	    "jonas.seidel@mail.test\r\n"));
	assert_non_null(strstr(a, "RSVP=TRUE"));
	assert_non_null(strstr(a, ":mailto:teich@mail.test"));
	assert_null(strstr(a, "katrin@"));
	assert_null(strstr(a, "X-PODIUM-KIND:talk"));
	free(a);
	pd_calendar_free(cal);
}

struct bad {
	const char *text;
	int code;
	const char *needle;	/* in the message */
};

#define HEAD "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
#define EV "BEGIN:VEVENT\r\nUID:x@t\r\nDTSTAMP:20210101T000000Z\r\n"

static void
parse__bad_input__fails_naming_the_line(void **state)
{
	static const struct bad bad[] = {
		{ "", PD_EPARSE, "empty input" },
		{ "\r\n\r\n", PD_EPARSE, "empty input" },
		{ "VERSION:2.0\r\nEND:VCALENDAR\r\n", PD_EPARSE,
		    "line 1: missing BEGIN:VCALENDAR" },
		{ HEAD EV "DTSTART:20210211T090000Z\r\nEND:VEVENT\r\n",
		    PD_EPARSE, "line 8: truncated: missing END:VCALENDAR" },
		{ HEAD EV "DTSTART:20210211T090000Z\r\nSUMMARY:abc",
		    PD_EPARSE, "missing END:VEVENT" },
		{ HEAD EV "DTSTART;TZID=Europe/Berlin:20210230T090000\r\n"
		    "END:VEVENT\r\nEND:VCALENDAR\r\n", PD_EINVAL,
		    "line 7: DTSTART: invalid date '20210230T090000'" },
		{ HEAD EV "SUMMARY:kein Start\r\nEND:VEVENT\r\n"
		    "END:VCALENDAR\r\n", PD_EPARSE,
		    "line 4: VEVENT without DTSTART" },
		{ HEAD EV "DTSTART:20210211T090000Z\r\nSUMMARY:a\0b\r\n"
		    "END:VEVENT\r\nEND:VCALENDAR\r\n", PD_EPARSE,
		    "line 8: binary data" },
		{ HEAD EV "DTSTART:20210211T090000Z\r\nSUMMARY:M\xfcller\r\n"
		    "END:VEVENT\r\nEND:VCALENDAR\r\n", PD_EPARSE,
		    "line 8: invalid UTF-8" },
		{ HEAD EV "DTSTART:20210211T090000Z\r\nSUMMARY:\xc3\r\n"
		    "END:VEVENT\r\nEND:VCALENDAR\r\n", PD_EPARSE,
		    "line 8: invalid UTF-8" },
		{ HEAD EV "DTSTART:20210211T090000Z\r\nDTEND:garbage\r\n"
		    "END:VEVENT\r\nEND:VCALENDAR\r\n", PD_EPARSE,
		    "line 8: " },
		{ HEAD EV "DTSTART:20210211T090000Z\r\nSEQUENCE:abc\r\n"
		    "END:VEVENT\r\nEND:VCALENDAR\r\n", PD_EINVAL,
		    "line 8: SEQUENCE" },
		{ HEAD EV "DTSTART:20210211T090000Z\r\nno colon here\r\n"
		    "END:VEVENT\r\nEND:VCALENDAR\r\n", PD_EPARSE,
		    "line 8: malformed content line" },
		{ HEAD EV "DTSTART:20210211T090000Z\r\nEND:VTODO\r\n"
		    "END:VCALENDAR\r\n", PD_EPARSE,
		    "line 8: END:VTODO does not match BEGIN:VEVENT of line 4" },
		{ HEAD EV "DTSTART;TZID=Mars/Base:20210211T090000\r\n"
		    "END:VEVENT\r\nEND:VCALENDAR\r\n", PD_EINVAL,
		    "line 7: DTSTART: unknown TZID 'Mars/Base'" },
		{ HEAD "END:VCALENDAR\r\nBEGIN:VCALENDAR\r\n", PD_EPARSE,
		    "line 5: content after END:VCALENDAR" },
		{ HEAD EV "DTSTART:20210211T090000Z\r\nSTATUS:MAYBE\r\n"
		    "END:VEVENT\r\nEND:VCALENDAR\r\n", PD_EINVAL,
		    "line 8: STATUS" },
	};
	struct pd_calendar *cal;
	char *msg;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = strlen(bad[i].text);
		if (strstr(bad[i].text, "a") != NULL && i == 7)
			len += strlen(bad[i].text + len + 1) + 1; /* the NUL */
		assert_int_equal(parse(bad[i].text, len, &cal, &msg),
		    bad[i].code);
		assert_null(cal);
		assert_non_null(msg);
		if (strstr(msg, bad[i].needle) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, msg,
			    bad[i].needle);
		free(msg);
	}
}

static void
parse__oversized_input__returns_etoobig(void **state)
{
	struct pd_calendar *cal;
	size_t n = 70 * 1024, len;
	char *text, *msg, *p;

	(void)state;
	/* One unfolded line over 64 KiB, made of folded pieces. */
	text = malloc(n * 2 + 200);
	assert_non_null(text);
	p = text;
	memcpy(p, "BEGIN:VCALENDAR\r\nX-BIG:", 23);
	p += 23;
	for (len = 0; len < n; len += 70) {
		memset(p, 'a', 70);
		p += 70;
		memcpy(p, "\r\n ", 3);
		p += 3;
	}
	memcpy(p, "b\r\nEND:VCALENDAR\r\n", 18);
	p += 18;
	assert_int_equal(parse(text, (size_t)(p - text), &cal, &msg),
	    PD_ETOOBIG);
	assert_non_null(strstr(msg, "line 2:"));
	free(msg);
	free(text);
	/* The whole-input limit is checked before anything is read. */
	text = malloc(33u * 1024 * 1024);
	assert_non_null(text);
	memset(text, ' ', 33u * 1024 * 1024);
	assert_int_equal(parse(text, 33u * 1024 * 1024, &cal, &msg),
	    PD_ETOOBIG);
	free(text);
	free(msg);
}

static const char foreign[] =
    "BEGIN:VCALENDAR\r\n"
    "PRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
    "VERSION:2.0\r\n"
    "X-WR-CALNAME:Fremd\r\n"
    "BEGIN:VTIMEZONE\r\n"
    "TZID:Customland Time\r\n"
    "BEGIN:STANDARD\r\n"
    "DTSTART:19700101T000000\r\n"
    "TZOFFSETFROM:+0300\r\n"
    "TZOFFSETTO:+0300\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
    "BEGIN:VEVENT\r\n"
    "DTSTART;TZID=/freeassociation.sourceforge.net/Europe/Berlin:"
    "20210211T090000\r\n"
    "DURATION:PT1H30M\r\n"
    "DTSTAMP:20210101T120000Z\r\n"
    "UID:abc123@google.com\r\n"
    "SUMMARY:Sitzung mit Umlauten: Grüße\r\n"
    "CATEGORIES:Smarte Quartiere,Mobilität\r\n"
    "X-GOOGLE-CONFERENCE:https://meet.example/xyz\r\n"
    "ORGANIZER;CN=Chefin:mailto:chefin@example.com\r\n"
    "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=CHAIR;PARTSTAT=ACCEPTED;CN=Chefin:"
    "mailto:chefin@example.com\r\n"
    "ATTENDEE;ROLE=OPT-PARTICIPANT;PARTSTAT=DECLINED;CN=\"Weiß, Erika\":"
    "mailto:erika@example.com\r\n"
    "ATTENDEE;PARTSTAT=DELEGATED;DELEGATED-TO=\"mailto:vertretung@example."
    "com\":mailto:bob@example.com\r\n"
    "BEGIN:VALARM\r\n"
    "ACTION:DISPLAY\r\n"
    "TRIGGER:-PT15M\r\n"
    "DESCRIPTION:Erinnerung\r\n"
    "END:VALARM\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "DTSTART:20210301T080000Z\r\n"
    "DTEND:20210301T090000Z\r\n"
    "SUMMARY:Ohne UID\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:custom-zone@example\r\n"
    "DTSTART;TZID=Customland Time:20210615T120000\r\n"
    "DTEND;TZID=Customland Time:20210615T130000\r\n"
    "SUMMARY:Eigene Zone\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:floating@example\r\n"
    "DTSTART:20210401T100000\r\n"
    "SUMMARY:Schwebend\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:a-talk@example\r\n"
    "DTSTART:20210401T100000Z\r\n"
    "SUMMARY:Vortrag\r\n"
    "X-PODIUM-KIND:talk\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n";

static void
parse__foreign_calendar__imports_events_and_attendees(void **state)
{
	struct pd_calendar *cal, *again;
	struct pd_event *e;
	char *msg = NULL;

	(void)state;
	assert_int_equal(parse(foreign, strlen(foreign), &cal, &msg), PD_OK);
	assert_null(msg);
	assert_string_equal(cal->name, "Fremd");
	assert_int_equal(cal->nevents, 4);	/* the talk VEVENT skipped */
	e = &cal->events[0];
	assert_string_equal(e->uid, "abc123@google.com");
	assert_string_equal(e->tzid, "Europe/Berlin");
	assert_string_equal(e->start, "2021-02-11 09:00");
	assert_string_equal(e->end, "2021-02-11 10:30");
	assert_int_equal(e->start_utc, 1613030400);
	assert_string_equal(e->title, "Sitzung mit Umlauten: Grüße");
	assert_int_equal(e->ntopics, 2);
	assert_string_equal(e->topics[1], "Mobilität");
	assert_string_equal(e->organizer.email, "chefin@example.com");
	assert_int_equal(e->nattendances, 3);
	assert_int_equal(e->attendances[0].role, PD_ROLE_CHAIR);
	assert_int_equal(e->attendances[0].status, PD_PART_ACCEPTED);
	assert_string_equal(e->attendances[1].person.name, "Weiß, Erika");
	assert_int_equal(e->attendances[1].role, PD_ROLE_OPTIONAL);
	assert_int_equal(e->attendances[1].status, PD_PART_DECLINED);
	assert_int_equal(e->attendances[2].status, PD_PART_DELEGATED);
	assert_string_equal(e->attendances[2].delegate,
	    "vertretung@example.com");
	e = &cal->events[1];
	assert_string_equal(e->tzid, "UTC");
	assert_string_equal(e->start, "2021-03-01 08:00");
	assert_true(strncmp(e->uid, "podium-", 7) == 0);
	assert_non_null(strstr(e->uid, "@import"));
	e = &cal->events[2];
	assert_string_equal(e->tzid, PD_TZ_DEFAULT);
	assert_string_equal(e->start, "2021-06-15 11:00");	/* 09:00Z */
	assert_string_equal(e->end, "2021-06-15 12:00");
	e = &cal->events[3];
	assert_string_equal(e->tzid, PD_TZ_DEFAULT);
	assert_string_equal(e->start, "2021-04-01 10:00");
	assert_string_equal(e->end, "2021-04-01 10:00");
	/* The derived UID is stable from one import to the next. */
	assert_int_equal(parse(foreign, strlen(foreign), &again, &msg), PD_OK);
	assert_string_equal(again->events[1].uid, cal->events[1].uid);
	pd_calendar_free(again);
	pd_calendar_free(cal);
}

static void
parse__lf_line_ends_and_folding__are_accepted(void **state)
{
	static const char text[] = "BEGIN:VCALENDAR\nVERSION:2.0\n"
	    "BEGIN:VEVENT\nUID:lf@t\nDTSTART;VALUE=DATE:20210128\n"
	    "SUMMARY:Gef\xc3\n \xbcgt\nEND:VEVENT\nEND:VCALENDAR\n";
	struct pd_calendar *cal;
	char *msg = NULL;

	(void)state;
	assert_int_equal(parse(text, strlen(text), &cal, &msg), PD_EPARSE);
	/* A fold inside a character is invalid UTF-8 on that line. */
	assert_non_null(strstr(msg, "line 6"));
	free(msg);
	assert_int_equal(parse(text, 90, &cal, &msg), PD_EPARSE);
	free(msg);
}

static void
parse__all_day_without_dtend__lasts_one_day(void **state)
{
	static const char text[] = "BEGIN:VCALENDAR\nVERSION:2.0\n"
	    "BEGIN:VEVENT\nUID:lf@t\nDTSTART;VALUE=DATE:20210128\n"
	    "SUMMARY:Ge\n fügt\nEND:VEVENT\nEND:VCALENDAR\n";
	struct pd_calendar *cal;
	char *msg = NULL;

	(void)state;
	assert_int_equal(parse(text, strlen(text), &cal, &msg), PD_OK);
	assert_int_equal(cal->events[0].all_day, 1);
	assert_string_equal(cal->events[0].start, "2021-01-28");
	assert_string_equal(cal->events[0].end, "2021-01-29");
	assert_string_equal(cal->events[0].title, "Gefügt");
	pd_calendar_free(cal);
}

/* The content line at p, unfolded, without its CRLF (owned). */
static char *
unfold_first(const char *p)
{
	const char *q;
	char *line, *w;

	assert_non_null(line = malloc(strlen(p) + 1));
	for (w = line, q = p; *q != '\0'; q++) {
		if (q[0] == '\r' && q[1] == '\n') {
			if (q[2] != ' ')
				break;
			q += 2;		/* the fold: CRLF and a space */
			continue;
		}
		*w++ = *q;
	}
	*w = '\0';
	return line;
}

/* The unfolded content line of out that starts with "NAME:" (owned). */
static char *
unfolded_line(const char *out, const char *name)
{
	size_t nl = strlen(name);
	const char *p = out;

	for (;;) {
		assert_non_null(p);
		if (strncmp(p, name, nl) == 0 && (p[nl] == ':' || p[nl] == ';'))
			return unfold_first(p);
		p = strstr(p, "\r\n");
		p = p != NULL ? p + 2 : NULL;
	}
}

/* libical's own line for prop, unfolded (owned); prop is freed. */
static char *
libical_line(icalproperty *prop)
{
	char *s = icalproperty_as_ical_string_r(prop), *line;

	icalproperty_free(prop);
	line = unfold_first(s);
	free(s);
	return line;
}

/*
 * The properties podium writes straight have exactly libical's bytes,
 * for values with everything libical escapes or refuses to vouch for:
 * escapes, newlines, control characters, broken UTF-8, long text.
 */
static void
render__straight_properties__are_libicals_bytes(void **state)
{
	static const char *const values[] = {
		"plain", "a;b,c:d\\e", "line1\nline2\n", "tab\there",
		"cr\r\nx", "ctl\x01x\x7f", "bad \xc3" "A utf8", "\xff\xfe",
		"quote \"q\"", "Straße München – ÄÖÜ äöü ß long long long long "
		"long long long long long long long long long long text",
		"ää😀ää😀ää😀ää😀ää😀ää😀ää😀ää😀ää😀ää😀ää😀ää😀ää😀ää😀ää😀ää😀",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		const char *v = values[i];
		struct pd_calendar cal;
		struct pd_event ev;
		struct pd_render_opts ro;
		char *out = NULL, *got, *want, *topic = xdup(v);
		size_t len;
		icalproperty *x;

		memset(&cal, 0, sizeof(cal));
		memset(&ev, 0, sizeof(ev));
		memset(&ro, 0, sizeof(ro));
		ro.privacy = PD_PRIVACY_FULL;
		ev.uid = (char *)"straight@podium";
		ev.title = (char *)v;
		ev.location = (char *)v;
		ev.group_name = (char *)v;
		ev.tzid = (char *)"Europe/Berlin";
		ev.start = (char *)"2021-02-11 09:00";
		ev.end = (char *)"2021-02-11 10:00";
		ev.topics = &topic;
		ev.ntopics = 1;
		ev.updated = 1612345678;
		cal.events = &ev;
		cal.nevents = 1;
		assert_int_equal(pd_ical_render(&cal, &ro, &out, &len, NULL),
		    PD_OK);
		got = unfolded_line(out, "SUMMARY");
		want = libical_line(icalproperty_new_summary(v));
		assert_string_equal(got, want);
		free(got);
		free(want);
		got = unfolded_line(out, "LOCATION");
		want = libical_line(icalproperty_new_location(v));
		assert_string_equal(got, want);
		free(got);
		free(want);
		got = unfolded_line(out, "CATEGORIES");
		want = libical_line(icalproperty_new_categories(v));
		assert_string_equal(got, want);
		free(got);
		free(want);
		x = icalproperty_new_x(v);
		icalproperty_set_x_name(x, "X-PODIUM-GROUP");
		got = unfolded_line(out, "X-PODIUM-GROUP");
		want = libical_line(x);
		assert_string_equal(got, want);
		free(got);
		free(want);
		free(topic);
		free(out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    render_parse_render__rich_calendar__gives_identical_bytes),
		cmocka_unit_test(render__twice__gives_identical_bytes),
		cmocka_unit_test(
		    render__straight_properties__are_libicals_bytes),
		cmocka_unit_test(
		    render__berlin_event__plain_tzid_and_compact_vtimezone),
		cmocka_unit_test(
		    render__calendar__carries_feed_properties_and_crlf),
		cmocka_unit_test(
		    render__long_umlaut_line__folds_at_75_octets_between_characters),
		cmocka_unit_test(render__public__shows_no_email_address),
		cmocka_unit_test(
		    render__person_feed__shows_only_that_persons_address),
		cmocka_unit_test(
		    render__full_export__libical_and_python_read_it),
		cmocka_unit_test(
		    render__imip__has_organizer_and_only_the_addressee_with_rsvp),
		cmocka_unit_test(parse__bad_input__fails_naming_the_line),
		cmocka_unit_test(parse__oversized_input__returns_etoobig),
		cmocka_unit_test(
		    parse__foreign_calendar__imports_events_and_attendees),
		cmocka_unit_test(
		    parse__lf_line_ends_and_folding__are_accepted),
		cmocka_unit_test(
		    parse__all_day_without_dtend__lasts_one_day),
	};

	pd_ical_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
