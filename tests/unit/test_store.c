/*
 * Unit tests of the store (lib/store*.c) against real SQLite files in a
 * fresh temporary folder per test: migrations, every entity's create /
 * read / update / delete, the revision counter, concurrent writers (two
 * handles in two threads, two processes), import and range queries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "podium/outbox.h"
#include "podium/store.h"

#define NOW 1611300000		/* 2021-01-22 07:20 UTC */

struct fx {
	char dir[64];
	char path[96];
	struct pd_store *st;
};

static char *
xdup(const char *s)
{
	char *c = s != NULL ? strdup(s) : NULL;

	if (s != NULL)
		assert_non_null(c);
	return c;
}

static void
rm_db(const char *path)
{
	char p[128];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct pd_error err = { 0, NULL, NULL };

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/podium-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/podium.db", f->dir);
	assert_int_equal(pd_store_open(f->path, NOW, &f->st, &err), PD_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	pd_store_close(f->st);
	rm_db(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int64_t
add_person(struct pd_store *st, const char *name, const char *email,
    const char *org)
{
	struct pd_person p = { 0 };
	int64_t id;

	p.name = xdup(name);
	p.email = xdup(email);
	p.org_code = xdup(org);
	assert_int_equal(pd_store_person_add(st, &p), PD_OK);
	assert_true(p.id > 0);
	assert_non_null(p.uuid);
	id = p.id;
	pd_person_clear(&p);
	return id;
}

/* A plain event; the caller adds parts and frees it with pd_event_clear. */
static void
make_event(struct pd_event *ev, const char *uid, const char *start,
    const char *end)
{
	memset(ev, 0, sizeof(*ev));
	ev->uid = xdup(uid);
	ev->title = xdup("Arbeitsgruppe SMARTCity");
	ev->location = xdup("Rathaus Gera");
	ev->tzid = xdup("Europe/Berlin");
	ev->start = xdup(start);
	ev->end = xdup(end);
	ev->status = PD_EVENT_CONFIRMED;
}

static int64_t
add_event(struct pd_store *st, const char *uid, const char *start,
    const char *end)
{
	struct pd_event ev;
	int64_t id;

	make_event(&ev, uid, start, end);
	assert_int_equal(pd_store_event_add(st, &ev), PD_OK);
	id = ev.id;
	pd_event_clear(&ev);
	return id;
}

static int64_t
revision(struct pd_store *st)
{
	int64_t r = -1;

	assert_int_equal(pd_store_revision(st, &r), PD_OK);
	return r;
}

/* ---- open and migrate ---- */

static void
open__empty_file__migrates_to_schema_version(void **state)
{
	struct fx *f = *state;

	assert_int_equal(pd_store_schema_version(f->st),
	    PD_STORE_SCHEMA_VERSION);
	/* The migration itself is the first write. */
	assert_int_equal(revision(f->st), 1);
}

static void
open__newer_schema__fails_clearly(void **state)
{
	struct fx *f = *state;
	struct pd_error err = { 0, NULL, NULL };
	struct pd_store *st2 = NULL;
	sqlite3 *db;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(pd_store_open(f->path, NOW, &st2, &err), PD_EDB);
	assert_null(st2);
	assert_non_null(err.msg);
	assert_non_null(strstr(err.msg, "newer"));
	pd_error_clear(&err);
}

/* ---- people ---- */

static void
person_add__with_org__reads_back_with_org(void **state)
{
	struct fx *f = *state;
	struct pd_person p = { 0 }, got = { 0 };

	p.name = xdup("Dietmar Lübcke");
	p.email = xdup("Dietmar.Luebcke@example.org");
	p.org_code = xdup("AWV");
	p.org_name = xdup("Abfall-Wirtschaft-Zweckverband");
	assert_int_equal(pd_store_person_add(f->st, &p), PD_OK);
	assert_int_equal(pd_store_person_get(f->st, p.id, &got), PD_OK);
	assert_string_equal(got.name, "Dietmar Lübcke");
	assert_string_equal(got.org_code, "AWV");
	assert_string_equal(got.org_name, "Abfall-Wirtschaft-Zweckverband");
	assert_string_equal(got.lang, "de");
	assert_string_equal(got.uuid, p.uuid);
	pd_person_clear(&p);
	pd_person_clear(&got);
}

static void
person_add__duplicate_email__returns_eexist_on_email(void **state)
{
	struct fx *f = *state;
	struct pd_person p = { 0 };

	add_person(f->st, "A", "same@example.org", NULL);
	p.name = xdup("B");
	p.email = xdup("SAME@example.org");
	assert_int_equal(pd_store_person_add(f->st, &p), PD_EEXIST);
	assert_string_equal(pd_store_error(f->st)->field, "email");
	assert_int_equal(p.id, 0);
	pd_person_clear(&p);
}

static void
person_find__by_id_email_and_name__finds_the_person(void **state)
{
	struct fx *f = *state;
	struct pd_person p = { 0 };
	char key[32];
	int64_t id;

	id = add_person(f->st, "Jonas Seidel", "jonas@example.org", "TGZ");
	snprintf(key, sizeof(key), "%lld", (long long)id);
	assert_int_equal(pd_store_person_find(f->st, key, &p), PD_OK);
	assert_int_equal(p.id, id);
	pd_person_clear(&p);
	assert_int_equal(pd_store_person_find(f->st, "JONAS@example.org", &p),
	    PD_OK);
	assert_int_equal(p.id, id);
	pd_person_clear(&p);
	assert_int_equal(pd_store_person_find(f->st, "Jonas Seidel", &p),
	    PD_OK);
	assert_int_equal(p.id, id);
	assert_string_equal(p.org_code, "TGZ");
	pd_person_clear(&p);
}

static void
person_find__unknown__returns_enotfound_naming_the_key(void **state)
{
	struct fx *f = *state;
	struct pd_person p = { 0 };

	assert_int_equal(pd_store_person_find(f->st, "Niemand", &p),
	    PD_ENOTFOUND);
	assert_string_equal(pd_store_error(f->st)->msg,
	    "person: no one with id, e-mail or name 'Niemand'");
	assert_null(p.name);
}

static void
person_find__ambiguous_name__returns_einval(void **state)
{
	struct fx *f = *state;
	struct pd_person p = { 0 };

	add_person(f->st, "Frau Kache", NULL, NULL);
	add_person(f->st, "Frau Kache", NULL, NULL);
	assert_int_equal(pd_store_person_find(f->st, "Frau Kache", &p),
	    PD_EINVAL);
	assert_string_equal(pd_store_error(f->st)->field, "person");
	assert_null(p.name);
}

static void
person_update__new_fields__are_stored(void **state)
{
	struct fx *f = *state;
	struct pd_person p = { 0 };
	int64_t id;

	id = add_person(f->st, "Prof. Teich", NULL, NULL);
	assert_int_equal(pd_store_person_get(f->st, id, &p), PD_OK);
	free(p.email);
	p.email = xdup("teich@example.org");
	free(p.lang);
	p.lang = xdup("en");
	p.org_code = xdup("WHZ");
	assert_int_equal(pd_store_person_update(f->st, &p), PD_OK);
	pd_person_clear(&p);
	assert_int_equal(pd_store_person_get(f->st, id, &p), PD_OK);
	assert_string_equal(p.email, "teich@example.org");
	assert_string_equal(p.lang, "en");
	assert_string_equal(p.org_code, "WHZ");
	pd_person_clear(&p);
}

static void
person_delete__speaker_of_a_talk__is_refused_then_allowed(void **state)
{
	struct fx *f = *state;
	struct pd_talk t = { 0 };
	struct pd_person p = { 0 };
	int64_t pid, eid;

	pid = add_person(f->st, "Speaker", NULL, NULL);
	eid = add_event(f->st, "e1", "2021-02-11 09:00", "2021-02-11 12:00");
	t.title = xdup("Vortrag");
	t.speaker.id = pid;
	assert_int_equal(pd_store_talk_add(f->st, eid, &t), PD_OK);
	assert_int_equal(pd_store_person_delete(f->st, pid), PD_EINVAL);
	assert_non_null(strstr(pd_store_error(f->st)->msg, "speaker"));
	assert_int_equal(pd_store_talk_delete(f->st, t.id), PD_OK);
	assert_int_equal(pd_store_person_delete(f->st, pid), PD_OK);
	assert_int_equal(pd_store_person_get(f->st, pid, &p), PD_ENOTFOUND);
	assert_int_equal(pd_store_person_delete(f->st, pid), PD_ENOTFOUND);
	pd_talk_clear(&t);
}

/* ---- groups and topics ---- */

static void
group_member_set__new_group__creates_it_and_changes_role(void **state)
{
	struct fx *f = *state;
	struct pd_group *g = NULL;
	size_t n = 0;
	int64_t a, b;

	a = add_person(f->st, "Moderatorin", NULL, NULL);
	b = add_person(f->st, "Mitglied", NULL, NULL);
	assert_int_equal(pd_store_group_member_set(f->st,
	    "Fachgruppe Unternehmen der kommunalen Infrastruktur", a,
	    PD_GROUP_MEMBER), PD_OK);
	assert_int_equal(pd_store_group_member_set(f->st,
	    "Fachgruppe Unternehmen der kommunalen Infrastruktur", b,
	    PD_GROUP_MEMBER), PD_OK);
	assert_int_equal(pd_store_group_member_set(f->st,
	    "Fachgruppe Unternehmen der kommunalen Infrastruktur", a,
	    PD_GROUP_MODERATOR), PD_OK);
	assert_int_equal(pd_store_group_list(f->st, &g, &n), PD_OK);
	assert_int_equal(n, 1);
	assert_string_equal(g[0].slug,
	    "fachgruppe-unternehmen-der-kommunalen-infrastruktur");
	assert_int_equal(g[0].nmembers, 2);
	assert_int_equal(g[0].members[0].person.id, a);
	assert_int_equal(g[0].members[0].role, PD_GROUP_MODERATOR);
	pd_group_list_free(g, n);
	assert_int_equal(pd_store_group_member_set(f->st, "X", 999,
	    PD_GROUP_MEMBER), PD_ENOTFOUND);
}

static void
topic_list__after_events__counts_them(void **state)
{
	struct fx *f = *state;
	struct pd_event ev;
	struct pd_topic *t = NULL;
	size_t n = 0;
	char *topics[] = { "Smarte Quartiere", "Mobilität" };

	make_event(&ev, "t1", "2021-02-11 09:00", "2021-02-11 10:00");
	ev.topics = topics;
	ev.ntopics = 2;
	assert_int_equal(pd_store_event_add(f->st, &ev), PD_OK);
	ev.topics = NULL;
	ev.ntopics = 0;
	pd_event_clear(&ev);
	make_event(&ev, "t2", "2021-02-12 09:00", "2021-02-12 10:00");
	ev.topics = topics;
	ev.ntopics = 1;
	assert_int_equal(pd_store_event_add(f->st, &ev), PD_OK);
	ev.topics = NULL;
	ev.ntopics = 0;
	pd_event_clear(&ev);
	assert_int_equal(pd_store_topic_list(f->st, &t, &n), PD_OK);
	assert_int_equal(n, 2);
	assert_string_equal(t[0].slug, "mobilitaet");
	assert_int_equal(t[0].nevents, 1);
	assert_string_equal(t[1].slug, "smarte-quartiere");
	assert_int_equal(t[1].nevents, 2);
	pd_topic_list_free(t, n);
}

/* ---- events ---- */

static void
event_add__with_all_parts__reads_back_the_same(void **state)
{
	struct fx *f = *state;
	struct pd_event ev, *got = NULL;
	struct pd_agenda_item ag[2];
	struct pd_talk talks[2];
	struct pd_attendance at[1];
	char *topics[] = { "Smarte Quartiere" };
	char *links[] = { "https://example.org/umfrage" };
	int64_t a, b, c;

	a = add_person(f->st, "Dietmar Lübcke", "dl@example.org", "AWV");
	b = add_person(f->st, "Prof. Teich", NULL, "WHZ");
	c = add_person(f->st, "Jonas Seidel", "js@example.org", "TGZ");
	make_event(&ev, NULL, "2021-02-11 09:00", "2021-02-11 12:00");
	ev.group_name = xdup("Fachgruppe Infrastruktur");
	ev.organizer.id = c;
	ev.topics = topics;
	ev.ntopics = 1;
	ev.links = links;
	ev.nlinks = 1;
	memset(ag, 0, sizeof(ag));
	ag[0].label = "I";
	ag[0].title = "Projektstatus";
	ag[0].from = "09:00";
	ag[0].to = "09:15";
	ag[1].label = "II";
	ag[1].title = "Projektwochen";
	ag[1].from = "09:15";
	ag[1].to = "09:45";
	ev.agenda = ag;
	ev.nagenda = 2;
	memset(talks, 0, sizeof(talks));
	talks[0].uid = "talk-a";
	talks[0].title = "Smarte Kreislaufwirtschaft";
	talks[0].speaker.id = a;
	talks[0].status = PD_TALK_CONFIRMED;
	talks[1].uid = "talk-b";
	talks[1].title = "Smarte Quartiere aus energetischer Sicht";
	talks[1].speaker.id = b;
	talks[1].via.id = c;
	talks[1].alternative_to = "talk-a";
	talks[1].start = "2021-02-11 10:00";
	talks[1].end = "2021-02-11 10:30";
	ev.talks = talks;
	ev.ntalks = 2;
	memset(at, 0, sizeof(at));
	at[0].person.id = c;
	at[0].role = PD_ROLE_CHAIR;
	at[0].status = PD_PART_DELEGATED;
	at[0].delegate = "Frau Kache";
	ev.attendances = at;
	ev.nattendances = 1;

	assert_int_equal(pd_store_event_add(f->st, &ev), PD_OK);
	assert_true(ev.id > 0);
	assert_non_null(ev.uid);
	assert_true(talks[0].id > 0 && talks[1].id > 0 && at[0].id > 0);
	assert_true(ag[1].id > 0);
	assert_int_equal(ev.start_utc, 1613030400);	/* 08:00Z */

	assert_int_equal(pd_store_event_get(f->st, ev.uid, &got), PD_OK);
	assert_int_equal(got->id, ev.id);
	assert_string_equal(got->group_slug, "fachgruppe-infrastruktur");
	assert_string_equal(got->organizer.name, "Jonas Seidel");
	assert_int_equal(got->ntopics, 1);
	assert_string_equal(got->topics[0], "Smarte Quartiere");
	assert_int_equal(got->nlinks, 1);
	assert_int_equal(got->nagenda, 2);
	assert_string_equal(got->agenda[1].label, "II");
	assert_int_equal(got->ntalks, 2);
	assert_string_equal(got->talks[0].speaker.org_code, "AWV");
	assert_int_equal(got->talks[0].status, PD_TALK_CONFIRMED);
	assert_string_equal(got->talks[1].via.name, "Jonas Seidel");
	assert_string_equal(got->talks[1].alternative_to, "talk-a");
	assert_string_equal(got->talks[1].start, "2021-02-11 10:00");
	assert_null(got->talks[0].via.name);
	assert_int_equal(got->nattendances, 1);
	assert_int_equal(got->attendances[0].status, PD_PART_DELEGATED);
	assert_string_equal(got->attendances[0].delegate, "Frau Kache");
	assert_int_equal(got->created, NOW);
	pd_event_free(got);

	/* The parts were borrowed from the stack. */
	ev.topics = NULL;
	ev.ntopics = 0;
	ev.links = NULL;
	ev.nlinks = 0;
	ev.agenda = NULL;
	ev.nagenda = 0;
	ev.talks = NULL;
	ev.ntalks = 0;
	ev.attendances = NULL;
	ev.nattendances = 0;
	pd_event_clear(&ev);
}

static void
event_get__missing_id__returns_enotfound(void **state)
{
	struct fx *f = *state;
	struct pd_event *ev = NULL;

	assert_int_equal(pd_store_event_get(f->st, "42", &ev), PD_ENOTFOUND);
	assert_null(ev);
	assert_string_equal(pd_store_error(f->st)->field, "event");
	assert_int_equal(pd_store_event_get(f->st, "no-such-uid", &ev),
	    PD_ENOTFOUND);
}

static void
event_add__invalid_end__is_refused_naming_end(void **state)
{
	struct fx *f = *state;
	struct pd_event ev;
	int64_t r = revision(f->st);

	make_event(&ev, "bad", "2021-02-11 09:00", "2021-02-11 08:00");
	assert_int_equal(pd_store_event_add(f->st, &ev), PD_EINVAL);
	assert_string_equal(pd_store_error(f->st)->field, "end");
	assert_int_equal(ev.id, 0);
	assert_int_equal(revision(f->st), r);
	pd_event_clear(&ev);
}

static void
event_update__location_change__bumps_sequence_title_does_not(void **state)
{
	struct fx *f = *state;
	struct pd_event *ev = NULL;

	add_event(f->st, "u1", "2021-02-11 09:00", "2021-02-11 12:00");
	assert_int_equal(pd_store_event_get(f->st, "u1", &ev), PD_OK);
	free(ev->title);
	ev->title = xdup("Neuer Titel");
	pd_store_set_now(f->st, NOW + 60);
	assert_int_equal(pd_store_event_update(f->st, ev), PD_OK);
	pd_event_free(ev);
	assert_int_equal(pd_store_event_get(f->st, "u1", &ev), PD_OK);
	assert_string_equal(ev->title, "Neuer Titel");
	assert_int_equal(ev->sequence, 0);
	assert_int_equal(ev->updated, NOW + 60);
	assert_int_equal(ev->created, NOW);
	free(ev->location);
	ev->location = xdup("Online");
	assert_int_equal(pd_store_event_update(f->st, ev), PD_OK);
	pd_event_free(ev);
	assert_int_equal(pd_store_event_get(f->st, "u1", &ev), PD_OK);
	assert_int_equal(ev->sequence, 1);
	assert_string_equal(ev->location, "Online");
	pd_event_free(ev);
}

static void
event_move__new_start__keeps_duration_and_bumps_sequence(void **state)
{
	struct fx *f = *state;
	struct pd_event *ev = NULL;
	int64_t id;

	id = add_event(f->st, "m1", "2021-02-11 09:00", "2021-02-11 12:00");
	assert_int_equal(pd_store_event_move(f->st, id, "2021-02-18 10:30",
	    NULL), PD_OK);
	assert_int_equal(pd_store_event_get(f->st, "m1", &ev), PD_OK);
	assert_string_equal(ev->start, "2021-02-18 10:30");
	assert_string_equal(ev->end, "2021-02-18 13:30");
	assert_int_equal(ev->sequence, 1);
	assert_int_equal(ev->end_utc - ev->start_utc, 3 * 3600);
	pd_event_free(ev);
	assert_int_equal(pd_store_event_move(f->st, id, "2021-02-18 10:30",
	    "2021-02-18 10:00"), PD_EINVAL);
	assert_int_equal(pd_store_event_move(f->st, 999, "2021-02-18 10:30",
	    NULL), PD_ENOTFOUND);
}

static void
event_cancel__twice__bumps_sequence_once(void **state)
{
	struct fx *f = *state;
	struct pd_event *ev = NULL;
	int64_t id, r;

	id = add_event(f->st, "c1", "2021-02-11 09:00", "2021-02-11 12:00");
	assert_int_equal(pd_store_event_cancel(f->st, id), PD_OK);
	r = revision(f->st);
	assert_int_equal(pd_store_event_cancel(f->st, id), PD_OK);
	assert_int_equal(revision(f->st), r);
	assert_int_equal(pd_store_event_get(f->st, "c1", &ev), PD_OK);
	assert_int_equal(ev->status, PD_EVENT_CANCELLED);
	assert_int_equal(ev->sequence, 1);
	pd_event_free(ev);
}

static void
event_delete__with_parts__removes_them(void **state)
{
	struct fx *f = *state;
	struct pd_event *ev = NULL;
	struct pd_talk t = { 0 }, got = { 0 };
	int64_t id, pid, aid = 0;

	pid = add_person(f->st, "P", NULL, NULL);
	id = add_event(f->st, "d1", "2021-02-11 09:00", "2021-02-11 12:00");
	t.title = xdup("T");
	t.speaker.id = pid;
	assert_int_equal(pd_store_talk_add(f->st, id, &t), PD_OK);
	assert_int_equal(pd_store_attend(f->st, id, pid, PD_ROLE_PARTICIPANT,
	    PD_PART_ACCEPTED, NULL, &aid), PD_OK);
	assert_int_equal(pd_store_event_delete(f->st, id), PD_OK);
	assert_int_equal(pd_store_event_get(f->st, "d1", &ev), PD_ENOTFOUND);
	assert_int_equal(pd_store_talk_get(f->st, t.id, &got, NULL),
	    PD_ENOTFOUND);
	assert_int_equal(pd_store_attendance_delete(f->st, aid), PD_ENOTFOUND);
	assert_int_equal(pd_store_event_delete(f->st, id), PD_ENOTFOUND);
	pd_talk_clear(&t);
}

/* ---- parts ---- */

static void
agenda_add__two_items__come_back_in_order_and_delete(void **state)
{
	struct fx *f = *state;
	struct pd_agenda_item a = { 0 }, b = { 0 }, bad = { 0 };
	struct pd_event *ev = NULL;
	int64_t id;

	id = add_event(f->st, "a1", "2021-02-11 09:00", "2021-02-11 12:00");
	pd_store_set_now(f->st, NOW + 100);
	a.label = "I";
	a.title = "Projektstatus";
	a.from = "09:00";
	a.to = "09:15";
	b.label = "II";
	b.title = "Ausblick";
	b.from = "09:15";
	b.to = "09:45";
	assert_int_equal(pd_store_agenda_add(f->st, id, &a), PD_OK);
	assert_int_equal(pd_store_agenda_add(f->st, id, &b), PD_OK);
	bad.title = "x";
	bad.from = "9 Uhr";
	bad.to = "09:45";
	assert_int_equal(pd_store_agenda_add(f->st, id, &bad), PD_EINVAL);
	assert_int_equal(pd_store_event_get(f->st, "a1", &ev), PD_OK);
	assert_int_equal(ev->nagenda, 2);
	assert_string_equal(ev->agenda[0].title, "Projektstatus");
	assert_string_equal(ev->agenda[1].title, "Ausblick");
	assert_int_equal(ev->agenda[1].id, b.id);
	assert_int_equal(ev->updated, NOW + 100);
	assert_int_equal(ev->sequence, 0);
	pd_event_free(ev);
	assert_int_equal(pd_store_agenda_delete(f->st, a.id), PD_OK);
	assert_int_equal(pd_store_event_get(f->st, "a1", &ev), PD_OK);
	assert_int_equal(ev->nagenda, 1);
	pd_event_free(ev);
	assert_int_equal(pd_store_agenda_delete(f->st, a.id), PD_ENOTFOUND);
}

static void
talk_add__unknown_speaker__returns_einval_naming_speaker(void **state)
{
	struct fx *f = *state;
	struct pd_talk t = { 0 };
	int64_t id, r;

	id = add_event(f->st, "k1", "2021-02-11 09:00", "2021-02-11 12:00");
	r = revision(f->st);
	t.title = xdup("Vortrag");
	t.speaker.id = 4711;
	assert_int_equal(pd_store_talk_add(f->st, id, &t), PD_EINVAL);
	assert_string_equal(pd_store_error(f->st)->field, "speaker");
	assert_non_null(strstr(pd_store_error(f->st)->msg, "4711"));
	assert_int_equal(t.id, 0);
	assert_null(t.uid);
	assert_int_equal(revision(f->st), r);
	pd_talk_clear(&t);
}

static void
talk_set_status__confirm__is_stored(void **state)
{
	struct fx *f = *state;
	struct pd_talk t = { 0 }, got = { 0 };
	int64_t id, pid, via, eid = 0;

	pid = add_person(f->st, "Prof. Teich", NULL, "WHZ");
	via = add_person(f->st, "Jonas Seidel", NULL, NULL);
	id = add_event(f->st, "k2", "2021-02-11 09:00", "2021-02-11 12:00");
	t.title = xdup("Quartiere");
	t.speaker.id = pid;
	t.via.id = via;
	assert_int_equal(pd_store_talk_add(f->st, id, &t), PD_OK);
	assert_non_null(t.uid);
	assert_int_equal(pd_store_talk_set_status(f->st, t.id,
	    PD_TALK_CONFIRMED), PD_OK);
	assert_int_equal(pd_store_talk_get(f->st, t.id, &got, &eid), PD_OK);
	assert_int_equal(eid, id);
	assert_int_equal(got.status, PD_TALK_CONFIRMED);
	assert_string_equal(got.speaker.org_code, "WHZ");
	assert_string_equal(got.via.name, "Jonas Seidel");
	assert_string_equal(got.uid, t.uid);
	pd_talk_clear(&got);
	assert_int_equal(pd_store_talk_set_status(f->st, 999,
	    PD_TALK_DECLINED), PD_ENOTFOUND);
	pd_talk_clear(&t);
}

static void
attend__twice__changes_the_one_attendance(void **state)
{
	struct fx *f = *state;
	struct pd_event *ev = NULL;
	int64_t eid, pid, a1 = 0, a2 = 0;

	pid = add_person(f->st, "P", NULL, NULL);
	eid = add_event(f->st, "at1", "2021-02-11 09:00", "2021-02-11 12:00");
	assert_int_equal(pd_store_attend(f->st, eid, pid, PD_ROLE_PARTICIPANT,
	    PD_PART_NEEDS_ACTION, "ignored", &a1), PD_OK);
	assert_int_equal(pd_store_attend(f->st, eid, pid, PD_ROLE_PARTICIPANT,
	    PD_PART_DELEGATED, NULL, &a2), PD_EINVAL);
	assert_string_equal(pd_store_error(f->st)->field, "delegate");
	assert_int_equal(pd_store_attend(f->st, eid, pid, PD_ROLE_OPTIONAL,
	    PD_PART_DECLINED, NULL, &a2), PD_OK);
	assert_int_equal(a1, a2);
	assert_int_equal(pd_store_event_get(f->st, "at1", &ev), PD_OK);
	assert_int_equal(ev->nattendances, 1);
	assert_int_equal(ev->attendances[0].role, PD_ROLE_OPTIONAL);
	assert_int_equal(ev->attendances[0].status, PD_PART_DECLINED);
	assert_null(ev->attendances[0].delegate);
	pd_event_free(ev);
	assert_int_equal(pd_store_attend(f->st, eid, 999, PD_ROLE_PARTICIPANT,
	    PD_PART_ACCEPTED, NULL, NULL), PD_ENOTFOUND);
	assert_int_equal(pd_store_attendance_delete(f->st, a1), PD_OK);
	assert_int_equal(pd_store_event_get(f->st, "at1", &ev), PD_OK);
	assert_int_equal(ev->nattendances, 0);
	pd_event_free(ev);
}

/* ---- revision ---- */

static void
revision__grows_on_every_write_and_not_on_reads(void **state)
{
	struct fx *f = *state;
	struct pd_person *pl = NULL;
	struct pd_event *el = NULL;
	size_t n = 0;
	int64_t r0, r1, pid, eid;

	r0 = revision(f->st);
	pid = add_person(f->st, "P", NULL, NULL);
	r1 = revision(f->st);
	assert_true(r1 > r0);
	eid = add_event(f->st, "r1", "2021-02-11 09:00", "2021-02-11 12:00");
	assert_true(revision(f->st) > r1);
	r1 = revision(f->st);
	assert_int_equal(pd_store_attend(f->st, eid, pid, PD_ROLE_PARTICIPANT,
	    PD_PART_ACCEPTED, NULL, NULL), PD_OK);
	assert_true(revision(f->st) > r1);
	r1 = revision(f->st);
	assert_int_equal(pd_store_feed_token_set(f->st, pid,
	    "0123456789abcdef0123456789abcdef"), PD_OK);
	assert_true(revision(f->st) > r1);
	r1 = revision(f->st);
	assert_int_equal(pd_store_person_list(f->st, &pl, &n), PD_OK);
	pd_person_list_free(pl, n);
	assert_int_equal(pd_store_event_list(f->st, 0, INT64_MAX, &el, &n),
	    PD_OK);
	pd_event_list_free(el, n);
	assert_int_equal(revision(f->st), r1);
}

/* ---- concurrency ---- */

#define WRITES 300

struct writer {
	const char *path;
	int id;
	int failures;
};

/* Writes WRITES events on its own handle; counts any failure. */
static void *
write_loop(void *arg)
{
	struct writer *w = arg;
	struct pd_error err = { 0, NULL, NULL };
	struct pd_store *st = NULL;
	struct pd_event ev;
	char uid[64];
	int i;

	if (pd_store_open(w->path, NOW, &st, &err) != PD_OK) {
		w->failures = WRITES;
		pd_error_clear(&err);
		return NULL;
	}
	for (i = 0; i < WRITES; i++) {
		memset(&ev, 0, sizeof(ev));
		snprintf(uid, sizeof(uid), "w%d-%d", w->id, i);
		ev.uid = uid;
		ev.title = "Lasttest";
		ev.start = "2021-02-11 09:00";
		ev.end = "2021-02-11 10:00";
		if (pd_store_event_add(st, &ev) != PD_OK)
			w->failures++;
		else if (pd_store_event_move(st, ev.id, "2021-02-12 09:00",
		    NULL) != PD_OK)
			w->failures++;
	}
	pd_store_close(st);
	return NULL;
}

static int64_t
count_events(struct pd_store *st)
{
	struct pd_event *el = NULL;
	size_t n = 0;

	assert_int_equal(pd_store_event_list(st, 0, INT64_MAX, &el, &n),
	    PD_OK);
	pd_event_list_free(el, n);
	return (int64_t)n;
}

static void
two_handles__writing_concurrently__never_fail_busy(void **state)
{
	struct fx *f = *state;
	struct writer w[2] = { { f->path, 1, 0 }, { f->path, 2, 0 } };
	pthread_t t[2];
	int64_t r = revision(f->st);
	int i;

	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, write_loop, &w[i]),
		    0);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(w[0].failures, 0);
	assert_int_equal(w[1].failures, 0);
	assert_int_equal(count_events(f->st), 2 * WRITES);
	assert_int_equal(revision(f->st), r + 4 * WRITES);
}

static void
two_processes__writing_concurrently__never_fail_busy(void **state)
{
	struct fx *f = *state;
	struct writer w = { f->path, 0, 0 };
	pid_t pid[2];
	int i, status;

	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			w.id = 10 + i;
			write_loop(&w);
			_exit(w.failures == 0 ? 0 : 1);
		}
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(count_events(f->st), 2 * WRITES);
}

/* ---- import ---- */

/* A calendar as the parser would give it: people by uuid/e-mail/name. */
static struct pd_calendar *
make_calendar(int bad)
{
	struct pd_calendar *cal = calloc(1, sizeof(*cal));
	struct pd_event *ev;
	struct pd_talk *t;
	int i;

	assert_non_null(cal);
	cal->ngroups = 1;
	cal->groups = calloc(1, sizeof(*cal->groups));
	cal->groups[0].name = xdup("Fachgruppe Infrastruktur");
	cal->groups[0].nmembers = 1;
	cal->groups[0].members = calloc(1, sizeof(struct pd_member));
	cal->groups[0].members[0].person.name = xdup("Jonas Seidel");
	cal->groups[0].members[0].person.email = xdup("js@example.org");
	cal->groups[0].members[0].role = PD_GROUP_SPOKESPERSON;
	cal->nevents = 2;
	cal->events = calloc(2, sizeof(*cal->events));
	for (i = 0; i < 2; i++) {
		ev = &cal->events[i];
		make_event(ev, i == 0 ? "imp-1" : "imp-2",
		    i == 0 ? "2021-02-11 09:00" : "2021-02-18 09:00",
		    i == 0 ? "2021-02-11 12:00" : "2021-02-18 12:00");
		ev->group_name = xdup("Fachgruppe Infrastruktur");
		ev->created = 1600000000;
		ev->updated = 1610000000 + i;
		ev->sequence = 2;
	}
	if (bad) {
		free(cal->events[1].end);
		cal->events[1].end = xdup("2021-02-18 08:00");
	}
	ev = &cal->events[0];
	ev->ntalks = 2;
	ev->talks = calloc(2, sizeof(*ev->talks));
	t = &ev->talks[0];
	t->uid = xdup("imp-talk-1");
	t->title = xdup("Smarte Kreislaufwirtschaft");
	t->speaker.uuid = xdup("0b9e1d7a-0000-4000-8000-000000000001");
	t->speaker.name = xdup("Dietmar Lübcke");
	t->speaker.org_code = xdup("AWV");
	t->status = PD_TALK_CONFIRMED;
	t->alternative_to = xdup("imp-talk-2");
	t->updated = 1605000000;
	t = &ev->talks[1];
	t->uid = xdup("imp-talk-2");
	t->title = xdup("Quartiere");
	t->speaker.name = xdup("Prof. Teich");
	t->via.email = xdup("JS@example.org");
	t->via.name = xdup("Jonas Seidel");
	ev->nattendances = 1;
	ev->attendances = calloc(1, sizeof(*ev->attendances));
	ev->attendances[0].person.name = xdup("Jonas Seidel");
	ev->attendances[0].person.email = xdup("js@example.org");
	ev->attendances[0].status = PD_PART_ACCEPTED;
	return cal;
}

static void
import__twice__is_idempotent_and_keeps_ids_and_stamps(void **state)
{
	struct fx *f = *state;
	struct pd_calendar *cal = make_calendar(0), *got = NULL;
	struct pd_import_stats s = { 0, 0, 0, 0 };
	struct pd_person *pl = NULL;
	struct pd_filter all = { PD_FILTER_ALL, NULL, 0 };
	struct pd_event *ev = NULL;
	int64_t talk_id;
	size_t n = 0;

	assert_int_equal(pd_store_import(f->st, cal, &s), PD_OK);
	assert_int_equal(s.created, 2);
	assert_int_equal(s.updated, 0);
	assert_int_equal(s.people_created, 3);
	assert_int_equal(pd_store_event_get(f->st, "imp-1", &ev), PD_OK);
	talk_id = ev->talks[0].id;
	assert_string_equal(ev->talks[0].alternative_to, "imp-talk-2");
	assert_string_equal(ev->talks[0].speaker.uuid,
	    "0b9e1d7a-0000-4000-8000-000000000001");
	assert_int_equal(ev->talks[0].updated, 1605000000);
	assert_int_equal(ev->created, 1600000000);
	assert_int_equal(ev->updated, 1610000000);
	assert_int_equal(ev->sequence, 2);
	pd_event_free(ev);

	pd_store_set_now(f->st, NOW + 3600);
	assert_int_equal(pd_store_import(f->st, cal, &s), PD_OK);
	assert_int_equal(s.created, 0);
	assert_int_equal(s.updated, 2);
	assert_int_equal(s.people_created, 0);
	assert_int_equal(pd_store_person_list(f->st, &pl, &n), PD_OK);
	assert_int_equal(n, 3);
	pd_person_list_free(pl, n);
	assert_int_equal(pd_store_event_get(f->st, "imp-1", &ev), PD_OK);
	assert_int_equal(ev->talks[0].id, talk_id);
	assert_int_equal(ev->ntalks, 2);
	assert_int_equal(ev->nattendances, 1);
	assert_int_equal(ev->sequence, 2);
	assert_int_equal(ev->created, 1600000000);
	assert_int_equal(ev->updated, 1610000000);
	pd_event_free(ev);

	assert_int_equal(pd_store_calendar(f->st, &all, &got), PD_OK);
	assert_int_equal(got->nevents, 2);
	assert_string_equal(got->events[0].uid, "imp-1");
	assert_int_equal(got->ngroups, 1);
	assert_int_equal(got->groups[0].nmembers, 1);
	assert_int_equal(got->groups[0].members[0].role,
	    PD_GROUP_SPOKESPERSON);
	pd_calendar_free(got);
	pd_calendar_free(cal);
}

static void
import__moved_event__bumps_sequence_once(void **state)
{
	struct fx *f = *state;
	struct pd_calendar *cal = make_calendar(0);
	struct pd_import_stats s;
	struct pd_event *ev = NULL;

	assert_int_equal(pd_store_import(f->st, cal, &s), PD_OK);
	free(cal->events[1].location);
	cal->events[1].location = xdup("Online");
	assert_int_equal(pd_store_import(f->st, cal, &s), PD_OK);
	assert_int_equal(pd_store_event_get(f->st, "imp-2", &ev), PD_OK);
	assert_int_equal(ev->sequence, 3);
	pd_event_free(ev);
	cal->events[1].sequence = 7;
	assert_int_equal(pd_store_import(f->st, cal, &s), PD_OK);
	assert_int_equal(pd_store_event_get(f->st, "imp-2", &ev), PD_OK);
	assert_int_equal(ev->sequence, 7);
	pd_event_free(ev);
	pd_calendar_free(cal);
}

static void
import__calendar_with_a_bad_event__changes_nothing(void **state)
{
	struct fx *f = *state;
	struct pd_calendar *cal = make_calendar(1);
	struct pd_import_stats s = { 9, 9, 9, 9 };
	struct pd_person *pl = NULL;
	size_t n = 0;
	int64_t r = revision(f->st);

	assert_int_equal(pd_store_import(f->st, cal, &s), PD_EINVAL);
	assert_string_equal(pd_store_error(f->st)->field, "end");
	assert_non_null(strstr(pd_store_error(f->st)->msg, "imp-2"));
	assert_int_equal(s.created, 9);
	assert_int_equal(count_events(f->st), 0);
	assert_int_equal(revision(f->st), r);
	pd_calendar_free(cal);

	/* A failure found while writing rolls back what was written. */
	cal = make_calendar(0);
	free(cal->events[0].talks[0].alternative_to);
	cal->events[0].talks[0].alternative_to = xdup("no-such-talk");
	assert_int_equal(pd_store_import(f->st, cal, &s), PD_EINVAL);
	assert_string_equal(pd_store_error(f->st)->field, "alternative_to");
	assert_int_equal(count_events(f->st), 0);
	assert_int_equal(pd_store_person_list(f->st, &pl, &n), PD_OK);
	assert_int_equal(n, 0);
	pd_person_list_free(pl, n);
	assert_int_equal(revision(f->st), r);
	pd_calendar_free(cal);
}

/* ---- range queries and calendars ---- */

static void
event_list__one_week__includes_overlapping_and_recurring(void **state)
{
	struct fx *f = *state;
	struct pd_event ev, *el = NULL;
	size_t n = 0;
	int64_t from = 1612738800;	/* 2021-02-08 00:00 CET */
	int64_t to = from + 7 * 86400;

	add_event(f->st, "before", "2021-02-01 09:00", "2021-02-01 10:00");
	add_event(f->st, "inside", "2021-02-10 09:00", "2021-02-10 10:00");
	add_event(f->st, "after", "2021-02-16 09:00", "2021-02-16 10:00");
	/* Starts the week before, ends inside: a long event. */
	add_event(f->st, "long", "2021-02-05 09:00", "2021-02-09 10:00");
	make_event(&ev, "yearly", "2021-01-22 09:00", "2021-01-22 10:00");
	ev.rrule = xdup("FREQ=WEEKLY;BYDAY=FR");
	assert_int_equal(pd_store_event_add(f->st, &ev), PD_OK);
	pd_event_clear(&ev);
	make_event(&ev, "ended", "2021-01-04 09:00", "2021-01-04 10:00");
	ev.rrule = xdup("FREQ=DAILY;COUNT=3");
	assert_int_equal(pd_store_event_add(f->st, &ev), PD_OK);
	pd_event_clear(&ev);

	assert_int_equal(pd_store_event_list(f->st, from, to, &el, &n), PD_OK);
	assert_int_equal(n, 3);
	assert_string_equal(el[0].uid, "yearly");
	assert_string_equal(el[1].uid, "long");
	assert_string_equal(el[2].uid, "inside");
	assert_int_equal(el[0].ntalks, 0);
	pd_event_list_free(el, n);
}

static void
calendar__person_filter__selects_attending_or_speaking(void **state)
{
	struct fx *f = *state;
	struct pd_filter pf = { PD_FILTER_PERSON, NULL, 0 };
	struct pd_filter gf = { PD_FILTER_GROUP, "nope", 0 };
	struct pd_calendar *cal = NULL;
	struct pd_talk t = { 0 };
	int64_t p, q, e1, e2;

	p = add_person(f->st, "P", NULL, NULL);
	q = add_person(f->st, "Q", NULL, NULL);
	e1 = add_event(f->st, "p1", "2021-02-11 09:00", "2021-02-11 10:00");
	e2 = add_event(f->st, "p2", "2021-02-10 09:00", "2021-02-10 10:00");
	add_event(f->st, "p3", "2021-02-12 09:00", "2021-02-12 10:00");
	assert_int_equal(pd_store_attend(f->st, e1, p, PD_ROLE_PARTICIPANT,
	    PD_PART_ACCEPTED, NULL, NULL), PD_OK);
	assert_int_equal(pd_store_attend(f->st, e1, q, PD_ROLE_PARTICIPANT,
	    PD_PART_ACCEPTED, NULL, NULL), PD_OK);
	t.title = xdup("T");
	t.speaker.id = p;
	assert_int_equal(pd_store_talk_add(f->st, e2, &t), PD_OK);
	pf.person_id = p;
	assert_int_equal(pd_store_calendar(f->st, &pf, &cal), PD_OK);
	assert_int_equal(cal->nevents, 2);
	assert_string_equal(cal->events[0].uid, "p2");
	assert_string_equal(cal->events[1].uid, "p1");
	assert_int_equal(cal->events[0].ntalks, 1);
	/* Parts of the selected events are whole, not only p's rows. */
	assert_int_equal(cal->events[1].nattendances, 2);
	pd_calendar_free(cal);
	cal = NULL;
	assert_int_equal(pd_store_calendar(f->st, &gf, &cal), PD_ENOTFOUND);
	assert_null(cal);
	pd_talk_clear(&t);
}

/* ---- feed tokens ---- */

static void
feed_token_set__again__revokes_the_old_hash(void **state)
{
	struct fx *f = *state;
	const char *h1 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	const char *h2 = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
	int64_t p, got = 0;

	p = add_person(f->st, "P", NULL, NULL);
	assert_int_equal(pd_store_feed_token_set(f->st, p, h1), PD_OK);
	assert_int_equal(pd_store_feed_token_find(f->st, h1, &got), PD_OK);
	assert_int_equal(got, p);
	assert_int_equal(pd_store_feed_token_set(f->st, p, h2), PD_OK);
	assert_int_equal(pd_store_feed_token_find(f->st, h1, &got),
	    PD_ENOTFOUND);
	assert_int_equal(pd_store_feed_token_find(f->st, h2, &got), PD_OK);
	assert_int_equal(pd_store_feed_token_set(f->st, 999, h1),
	    PD_ENOTFOUND);
	assert_int_equal(pd_store_feed_token_set(f->st, p, "x'; DROP"),
	    PD_EINVAL);
}

/*
 * The outbox's life cycle: a message is taken once, its outcome recorded,
 * bookkeeping leaves the revision alone, and a retried dead message
 * counts afresh (else its first failure would kill it again at once).
 */
static void
outbox__take_fail_retry__follows_the_states(void **state)
{
	struct fx *f = *state;
	struct pd_outbox_msg m, got;
	int64_t rev0, rev1, count = 0, oldest = 0;
	size_t added = 0, n = 0;

	memset(&m, 0, sizeof(m));
	m.key = "test/x@example.org/1";
	m.kind = "test";
	m.mail_from = "smartcity@example.org";
	m.rcpt = "x@example.org";
	m.subject = "Test";
	m.message = "Subject: Test\r\n\r\nHallo\r\n";
	m.len = strlen(m.message);
	m.next_attempt = NOW;
	assert_int_equal(pd_store_revision(f->st, &rev0), PD_OK);
	assert_int_equal(pd_store_outbox_add(f->st, &m, 1, &added), PD_OK);
	assert_int_equal(added, 1);
	assert_int_equal(pd_store_outbox_add(f->st, &m, 1, &added), PD_OK);
	assert_int_equal(added, 0);
	assert_int_equal(pd_store_outbox_take(f->st, NOW, &got), PD_OK);
	assert_int_equal(got.state, PD_OUTBOX_SENDING);
	assert_int_equal(got.attempts, 1);
	assert_memory_equal(got.message, m.message, m.len);
	assert_int_equal(pd_store_outbox_take(f->st, NOW, &m), PD_ENOTFOUND);
	/* A crash now: the message in flight goes back to pending. */
	assert_int_equal(pd_store_outbox_recover(f->st, &n), PD_OK);
	assert_int_equal(n, 1);
	pd_outbox_msg_clear(&got);
	assert_int_equal(pd_store_outbox_take(f->st, NOW, &got), PD_OK);
	assert_int_equal(pd_store_outbox_fail(f->st, got.id, PD_OUTBOX_DEAD, 0,
	    "451 try later"), PD_OK);
	assert_int_equal(pd_store_revision(f->st, &rev1), PD_OK);
	assert_int_equal(rev1, rev0);
	pd_store_set_now(f->st, NOW + 3 * 86400);
	assert_int_equal(pd_store_outbox_retry(f->st, got.id), PD_OK);
	pd_outbox_msg_clear(&got);
	assert_int_equal(pd_store_outbox_take(f->st, NOW + 3 * 86400, &got),
	    PD_OK);
	assert_int_equal(got.attempts, 1);
	assert_int_equal(got.created, NOW + 3 * 86400);
	assert_null(got.last_error);
	assert_int_equal(pd_store_outbox_backlog(f->st, &count, &oldest, NULL),
	    PD_OK);
	assert_int_equal(count, 1);
	assert_int_equal(pd_store_outbox_sent(f->st, got.id, NOW + 3 * 86400),
	    PD_OK);
	assert_int_equal(pd_store_outbox_retry(f->st, got.id), PD_ENOTFOUND);
	pd_outbox_msg_clear(&got);
}

/* A talk of event_id by speaker with status; returns its uid (caller's). */
static char *
add_talk(struct pd_store *st, int64_t event_id, int64_t speaker,
    enum pd_talk_status status)
{
	struct pd_talk t = { 0 };
	char *uid;

	t.title = xdup("Vortrag");
	t.speaker.id = speaker;
	t.status = status;
	assert_int_equal(pd_store_talk_add(st, event_id, &t), PD_OK);
	uid = xdup(t.uid);
	pd_talk_clear(&t);
	return uid;
}

static void
outbox_key(struct pd_store *st, const char *prefix, const char *uid,
    const char *suffix, int64_t created)
{
	struct pd_outbox_msg m;
	char key[200];

	memset(&m, 0, sizeof(m));
	snprintf(key, sizeof(key), "%s%s%s", prefix, uid, suffix);
	m.key = key;
	m.kind = "nudge";
	m.mail_from = "smartcity@example.org";
	m.rcpt = "x@example.org";
	m.subject = "S";
	m.message = "Subject: S\r\n\r\nx\r\n";
	m.len = strlen(m.message);
	m.next_attempt = created;
	/* The store stamps a new row with its clock. */
	pd_store_set_now(st, created);
	assert_int_equal(pd_store_outbox_add(st, &m, 1, NULL), PD_OK);
	pd_store_set_now(st, NOW);
}

static void
talks_open__coming_requested_talks__with_their_asks_and_nudges(void **state)
{
	struct fx *f = *state;
	struct pd_open_talks o;
	struct pd_event *list = NULL;
	int64_t past, later, sooner, gone, sp;
	size_t n = 0;
	char *u[6];
	int i;

	sp = add_person(f->st, "Prof. Teich", "teich@example.org", NULL);
	past = add_event(f->st, "past", "2021-01-11 09:00", "2021-01-11 12:00");
	later = add_event(f->st, "later", "2021-03-11 09:00",
	    "2021-03-11 12:00");
	sooner = add_event(f->st, "sooner", "2021-02-11 09:00",
	    "2021-02-11 12:00");
	gone = add_event(f->st, "gone", "2021-02-12 09:00", "2021-02-12 12:00");
	u[0] = add_talk(f->st, past, sp, PD_TALK_REQUESTED);
	u[1] = add_talk(f->st, later, sp, PD_TALK_REQUESTED);
	u[2] = add_talk(f->st, sooner, sp, PD_TALK_CONFIRMED);
	u[3] = add_talk(f->st, sooner, sp, PD_TALK_REQUESTED);
	u[4] = add_talk(f->st, gone, sp, PD_TALK_REQUESTED);
	u[5] = add_talk(f->st, sooner, sp, PD_TALK_REQUESTED);
	assert_int_equal(pd_store_event_cancel(f->st, gone), PD_OK);
	outbox_key(f->st, "speaker-request/", u[3], "", NOW - 500);
	outbox_key(f->st, "nudge/", u[3], "/1", NOW - 400);
	outbox_key(f->st, "nudge/", u[3], "/2", NOW - 300);
	outbox_key(f->st, "nudge/", u[3], "/manual-1", NOW - 200);
	/* Not its nudges: the intermediary's, and a longer uid's. */
	outbox_key(f->st, "nudge-via/", u[3], "", NOW - 100);
	outbox_key(f->st, "nudge/", u[3], "x/1", NOW - 100);

	memset(&o, 0, sizeof(o));
	assert_int_equal(pd_store_talks_open(f->st, NOW, &o), PD_OK);
	/* Over, confirmed and cancelled are not open; by event start. */
	assert_int_equal(o.ntalks, 3);
	assert_int_equal(o.nevents, 2);
	assert_string_equal(o.talks[0].talk.uid, u[3]);
	assert_string_equal(o.talks[1].talk.uid, u[5]);
	assert_string_equal(o.talks[2].talk.uid, u[1]);
	assert_int_equal(o.talks[0].event, sooner);
	assert_int_equal(o.events[o.talks[0].ev].id, sooner);
	assert_int_equal(o.events[o.talks[2].ev].id, later);
	assert_string_equal(o.talks[0].talk.speaker.name, "Prof. Teich");
	assert_int_equal(o.talks[0].asked, NOW - 500);
	assert_int_equal(o.talks[0].nudges, 3);
	assert_int_equal(o.talks[1].asked, 0);
	assert_int_equal(o.talks[1].nudges, 0);
	pd_open_talks_clear(&o);
	/* After the sooner event, only the later one is left. */
	assert_int_equal(pd_store_talks_open(f->st, NOW + 30 * 86400, &o),
	    PD_OK);
	assert_int_equal(o.ntalks, 1);
	assert_string_equal(o.talks[0].talk.uid, u[1]);
	pd_open_talks_clear(&o);

	/* The dashboard's first events: in order, no more than asked for. */
	assert_int_equal(pd_store_event_list_first(f->st, NOW, INT64_MAX, 2,
	    &list, &n), PD_OK);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].id, sooner);
	assert_int_equal(list[1].id, gone);
	pd_event_list_free(list, n);
	for (i = 0; i < 6; i++)
		free(u[i]);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(open__empty_file__migrates_to_schema_version),
		T(open__newer_schema__fails_clearly),
		T(person_add__with_org__reads_back_with_org),
		T(person_add__duplicate_email__returns_eexist_on_email),
		T(person_find__by_id_email_and_name__finds_the_person),
		T(person_find__unknown__returns_enotfound_naming_the_key),
		T(person_find__ambiguous_name__returns_einval),
		T(person_update__new_fields__are_stored),
		T(person_delete__speaker_of_a_talk__is_refused_then_allowed),
		T(group_member_set__new_group__creates_it_and_changes_role),
		T(topic_list__after_events__counts_them),
		T(event_add__with_all_parts__reads_back_the_same),
		T(event_get__missing_id__returns_enotfound),
		T(event_add__invalid_end__is_refused_naming_end),
		T(event_update__location_change__bumps_sequence_title_does_not),
		T(event_move__new_start__keeps_duration_and_bumps_sequence),
		T(event_cancel__twice__bumps_sequence_once),
		T(event_delete__with_parts__removes_them),
		T(agenda_add__two_items__come_back_in_order_and_delete),
		T(talk_add__unknown_speaker__returns_einval_naming_speaker),
		T(talk_set_status__confirm__is_stored),
		T(attend__twice__changes_the_one_attendance),
		T(revision__grows_on_every_write_and_not_on_reads),
		T(two_handles__writing_concurrently__never_fail_busy),
		T(two_processes__writing_concurrently__never_fail_busy),
		T(import__twice__is_idempotent_and_keeps_ids_and_stamps),
		T(import__moved_event__bumps_sequence_once),
		T(import__calendar_with_a_bad_event__changes_nothing),
		T(event_list__one_week__includes_overlapping_and_recurring),
		T(calendar__person_filter__selects_attending_or_speaking),
		T(feed_token_set__again__revokes_the_old_hash),
		T(outbox__take_fail_retry__follows_the_states),
		T(talks_open__coming_requested_talks__with_their_asks_and_nudges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
