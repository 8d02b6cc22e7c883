/*
 * Public feeds put together from kept pieces (lib/feed_pieces.c) against
 * a whole render of the same data: after every write of a random but
 * fixed sequence (events added, moved, renamed, cancelled and deleted;
 * talks, attendances and agenda items added, changed and deleted; people
 * added, renamed and deleted; group members), every public feed the
 * cache serves has exactly the bytes pd_ical_render gives for
 * pd_store_calendar, and its gzip form inflates to those bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "podium/buf.h"
#include "podium/feed.h"
#include "podium/ical.h"
#include "podium/store.h"
#include "podium/token.h"

#define NOW 1612425600	/* 2021-02-04T08:00:00Z */
#define STEPS 120

struct fx {
	char path[64];
	struct pd_store *st;
	pthread_mutex_t lock;
	struct pd_feeds *fc;
	uint32_t seed;
};

static char *
slurp(const char *rel, size_t *len)
{
	const char *src = getenv("PODIUM_SRC_DIR");
	char path[512];
	FILE *fp;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", src != NULL ? src : ".", rel);
	assert_non_null(fp = fopen(path, "rb"));
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	assert_non_null(buf = malloc((size_t)n + 1));
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct pd_feeds_opts o = { "Test", "PT1H", 3600, NULL, NULL };
	struct pd_calendar *cal = NULL;
	struct pd_import_stats s;
	char *text;
	size_t len;
	int fd;

	pd_ical_init();
	snprintf(f->path, sizeof(f->path), "/tmp/podium-pieces-XXXXXX");
	fd = mkstemp(f->path);
	close(fd);
	assert_int_equal(pd_store_open(f->path, NOW, &f->st, NULL), PD_OK);
	text = slurp("calendars/smartcity-gera-2021.ics", &len);
	assert_int_equal(pd_ical_parse(text, len, &cal, NULL), PD_OK);
	assert_int_equal(pd_store_import(f->st, cal, &s), PD_OK);
	pd_calendar_free(cal);
	free(text);
	pthread_mutex_init(&f->lock, NULL);
	assert_int_equal(pd_feeds_new(f->st, &f->lock, &o, &f->fc), PD_OK);
	f->seed = 20210122;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char side[80];

	pd_feeds_free(f->fc);
	pd_store_close(f->st);
	pthread_mutex_destroy(&f->lock);
	unlink(f->path);
	snprintf(side, sizeof(side), "%s-wal", f->path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", f->path);
	unlink(side);
	free(f);
	return 0;
}

static uint32_t
rnd(struct fx *f, uint32_t n)
{
	f->seed = f->seed * 1103515245u + 12345u;
	return (f->seed >> 8) % n;
}

/* The whole render of a public feed, titled as feed.c titles it. */
static char *
full_render(struct fx *f, const char *name, size_t *len)
{
	struct pd_filter filter = { PD_FILTER_ALL, NULL, 0 };
	struct pd_render_opts ro;
	struct pd_calendar *cal = NULL;
	struct pd_buf title = PD_BUF_INIT;
	const char *what = NULL;
	char *out = NULL;
	size_t i, j;

	memset(&ro, 0, sizeof(ro));
	ro.privacy = PD_PRIVACY_PUBLIC;
	ro.refresh = "PT1H";
	if (strncmp(name, "group/", 6) == 0) {
		filter.kind = PD_FILTER_GROUP;
		filter.value = name + 6;
	} else if (strncmp(name, "topic/", 6) == 0) {
		filter.kind = PD_FILTER_TOPIC;
		filter.value = name + 6;
	}
	assert_int_equal(pd_store_calendar(f->st, &filter, &cal), PD_OK);
	for (i = 0; what == NULL && filter.kind == PD_FILTER_GROUP &&
	    i < cal->ngroups; i++)
		if (strcmp(cal->groups[i].slug, filter.value) == 0)
			what = cal->groups[i].name;
	for (i = 0; what == NULL && filter.kind == PD_FILTER_TOPIC &&
	    i < cal->nevents; i++)
		for (j = 0; what == NULL && j < cal->events[i].ntopics; j++) {
			char *slug = pd_slug(cal->events[i].topics[j]);

			if (strcmp(slug, filter.value) == 0)
				what = cal->events[i].topics[j];
			free(slug);
		}
	if (what == NULL && filter.value != NULL)
		what = filter.value;
	pd_buf_adds(&title, "Test");
	if (what != NULL)
		pd_buf_addf(&title, " \xe2\x80\x93 %s", what);
	free(cal->name);
	cal->name = pd_buf_detach(&title, NULL);
	assert_int_equal(pd_ical_render(cal, &ro, &out, len, NULL), PD_OK);
	pd_calendar_free(cal);
	return out;
}

static void
assert_gunzips_to(const struct pd_feed *fd)
{
	z_stream zs;
	char *plain;

	if (fd->gz == NULL)
		return;
	assert_non_null(plain = malloc(fd->len + 1));
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = (Bytef *)fd->gz;
	zs.avail_in = (uInt)fd->gzlen;
	zs.next_out = (Bytef *)plain;
	zs.avail_out = (uInt)fd->len + 1;
	assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
	assert_int_equal(zs.total_out, fd->len);
	assert_int_equal(zs.avail_in, 0);	/* trailer read: CRC and size */
	inflateEnd(&zs);
	assert_memory_equal(plain, fd->body, fd->len);
	free(plain);
}

static void
check_one(struct fx *f, const char *name, int step)
{
	struct pd_feed *fd = NULL;
	char *want;
	size_t len;

	assert_int_equal(pd_feeds_get(f->fc, name, NOW, &fd), PD_OK);
	want = full_render(f, name, &len);
	if (fd->len != len || memcmp(fd->body, want, len) != 0) {
		print_error("step %d: feed %s differs from a whole render "
		    "(%zu vs %zu bytes)\n", step, name, fd->len, len);
		fail();
	}
	assert_gunzips_to(fd);
	free(want);
	pd_feed_release(fd);
}

/* Every public feed against its whole render. */
static void
check_all(struct fx *f, int step)
{
	struct pd_group *g = NULL;
	struct pd_topic *t = NULL;
	char name[256];
	size_t ng = 0, nt = 0, i;

	assert_int_equal(pd_feeds_refresh(f->fc, NOW, NULL), PD_OK);
	check_one(f, "all", step);
	assert_int_equal(pd_store_group_list(f->st, &g, &ng), PD_OK);
	assert_int_equal(pd_store_topic_list(f->st, &t, &nt), PD_OK);
	for (i = 0; i < ng; i++) {
		snprintf(name, sizeof(name), "group/%s", g[i].slug);
		check_one(f, name, step);
	}
	for (i = 0; i < nt; i++) {
		snprintf(name, sizeof(name), "topic/%s", t[i].slug);
		check_one(f, name, step);
	}
	/* A topic no event has any more is named by its slug. */
	pd_group_list_free(g, ng);
	pd_topic_list_free(t, nt);
}

static int64_t
any_event(struct fx *f)
{
	struct pd_event *list = NULL;
	size_t n = 0;
	int64_t id = 0;

	assert_int_equal(pd_store_event_list(f->st, 0, INT64_MAX, &list, &n),
	    PD_OK);
	if (n > 0)
		id = list[rnd(f, (uint32_t)n)].id;
	pd_event_list_free(list, n);
	return id;
}

static int64_t
any_person(struct fx *f)
{
	struct pd_person *list = NULL;
	size_t n = 0;
	int64_t id = 0;

	assert_int_equal(pd_store_person_list(f->st, &list, &n), PD_OK);
	if (n > 0)
		id = list[rnd(f, (uint32_t)n)].id;
	pd_person_list_free(list, n);
	return id;
}

static char *
idstr(int64_t id)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)id);
	return buf;
}

/* One random write; failures the store refuses on purpose are fine. */
static void
write_one(struct fx *f, int step)
{
	static const char *const topics[] = { "Smarte Quartiere",
	    "Mobilität", "Energie" };
	struct pd_event *ev = NULL, nev;
	struct pd_person p;
	struct pd_talk t;
	struct pd_agenda_item it;
	char when[32], buf[64];
	int64_t eid = any_event(f), pid = any_person(f);
	size_t i;

	switch (rnd(f, 13)) {
	case 0:		/* move */
		if (eid == 0)
			break;
		snprintf(when, sizeof(when), "2021-03-%02u %02u:00",
		    1 + rnd(f, 27), 8 + rnd(f, 10));
		pd_store_event_move(f->st, eid, when, NULL);
		break;
	case 1:
		if (eid != 0)
			pd_store_event_cancel(f->st, eid);
		break;
	case 2:
		if (eid != 0 && rnd(f, 3) == 0)
			pd_store_event_delete(f->st, eid);
		break;
	case 3:		/* a new event, with a topic and a group */
		memset(&nev, 0, sizeof(nev));
		snprintf(buf, sizeof(buf), "Sitzung %d", step);
		nev.title = strdup(buf);
		snprintf(when, sizeof(when), "2021-04-%02u 10:00",
		    1 + rnd(f, 27));
		nev.start = strdup(when);
		when[11] = '1';
		when[12] = '2';
		nev.end = strdup(when);
		nev.all_day = 0;
		nev.topics = calloc(1, sizeof(char *));
		nev.topics[0] = strdup(topics[rnd(f, 3)]);
		nev.ntopics = 1;
		if (rnd(f, 2) == 0) {
			nev.group_slug = strdup("arbeitsgruppe-test");
			nev.group_name = strdup("Arbeitsgruppe Test");
		}
		pd_store_event_add(f->st, &nev);
		pd_event_clear(&nev);
		break;
	case 4:		/* a talk */
		if (eid == 0 || pid == 0)
			break;
		memset(&t, 0, sizeof(t));
		snprintf(buf, sizeof(buf), "Vortrag %d", step);
		t.title = strdup(buf);
		t.speaker.id = pid;
		t.status = rnd(f, 2) ? PD_TALK_CONFIRMED : PD_TALK_REQUESTED;
		pd_store_talk_add(f->st, eid, &t);
		pd_talk_clear(&t);
		break;
	case 5:		/* a talk's status, or the talk gone */
		if (eid == 0 ||
		    pd_store_event_get(f->st, idstr(eid), &ev) != PD_OK)
			break;
		if (ev->ntalks > 0) {
			i = rnd(f, (uint32_t)ev->ntalks);
			if (rnd(f, 3) == 0)
				pd_store_talk_delete(f->st, ev->talks[i].id);
			else
				pd_store_talk_set_status(f->st,
				    ev->talks[i].id, rnd(f, 2) ?
				    PD_TALK_DECLINED : PD_TALK_CONFIRMED);
		}
		break;
	case 6:		/* an attendance */
		if (eid != 0 && pid != 0)
			pd_store_attend(f->st, eid, pid, rnd(f, 2) ?
			    PD_ROLE_CHAIR : PD_ROLE_PARTICIPANT, rnd(f, 2) ?
			    PD_PART_ACCEPTED : PD_PART_TENTATIVE, NULL, NULL);
		break;
	case 7:		/* an attendance gone */
		if (eid == 0 ||
		    pd_store_event_get(f->st, idstr(eid), &ev) != PD_OK)
			break;
		if (ev->nattendances > 0)
			pd_store_attendance_delete(f->st, ev->attendances[
			    rnd(f, (uint32_t)ev->nattendances)].id);
		break;
	case 8:		/* a person renamed */
		if (pid == 0)
			break;
		memset(&p, 0, sizeof(p));
		assert_int_equal(pd_store_person_get(f->st, pid, &p), PD_OK);
		free(p.name);
		snprintf(buf, sizeof(buf), "Umbenannt %d", step);
		p.name = strdup(buf);
		pd_store_person_update(f->st, &p);
		pd_person_clear(&p);
		break;
	case 9:		/* a new person, attending */
		memset(&p, 0, sizeof(p));
		snprintf(buf, sizeof(buf), "Neue Person %d", step);
		p.name = strdup(buf);
		if (pd_store_person_add(f->st, &p) == PD_OK && eid != 0)
			pd_store_attend(f->st, eid, p.id, PD_ROLE_OPTIONAL,
			    PD_PART_NEEDS_ACTION, NULL, NULL);
		pd_person_clear(&p);
		break;
	case 10:	/* an event's own fields */
		if (eid == 0 ||
		    pd_store_event_get(f->st, idstr(eid), &ev) != PD_OK)
			break;
		free(ev->title);
		snprintf(buf, sizeof(buf), "Neuer Titel %d", step);
		ev->title = strdup(buf);
		free(ev->location);
		ev->location = strdup("Rathaus");
		pd_store_event_update(f->st, ev);
		break;
	case 11:	/* agenda, or a person gone */
		if (rnd(f, 2) == 0 && eid != 0) {
			memset(&it, 0, sizeof(it));
			it.label = strdup("");
			it.title = strdup("Pause");
			it.from = strdup("10:00");
			it.to = strdup("10:15");
			pd_store_agenda_add(f->st, eid, &it);
			free(it.label);
			free(it.title);
			free(it.from);
			free(it.to);
		} else if (pid != 0) {
			pd_store_person_delete(f->st, pid);
		}
		break;
	default:	/* a group member: only the head changes */
		if (pid != 0)
			pd_store_group_member_set(f->st, "Arbeitsgruppe Test",
			    pid, PD_GROUP_MEMBER);
		break;
	}
	pd_event_free(ev);
}

static void
pieces__after_random_writes__are_the_bytes_of_a_whole_render(void **state)
{
	struct fx *f = *state;
	int step;

	check_all(f, 0);
	for (step = 1; step <= STEPS; step++) {
		write_one(f, step);
		check_all(f, step);
	}
}

static void
pieces__a_feed_served_twice__is_not_rendered_again(void **state)
{
	struct fx *f = *state;
	struct pd_feed *a = NULL, *b = NULL;
	const char *first;

	assert_int_equal(pd_feeds_refresh(f->fc, NOW, NULL), PD_OK);
	assert_int_equal(pd_feeds_get(f->fc, "all", NOW, &a), PD_OK);
	assert_int_equal(pd_feeds_get(f->fc, "all", NOW, &b), PD_OK);
	assert_ptr_equal(a, b);
	/* The events' renderings are kept beside the feed. */
	first = memmem(a->body, a->len, "BEGIN:VEVENT", 12);
	assert_non_null(first);
	assert_true(pd_feeds_piece_bytes(f->fc) >= a->len -
	    (size_t)(first - a->body) - strlen("END:VCALENDAR\r\n"));
	assert_true(pd_feeds_bytes(f->fc) >= a->len);
	pd_feed_release(a);
	pd_feed_release(b);
}

/* Adds an event ending at end (local "YYYY-MM-DD HH:MM"); its uid. */
static char *
add_event(struct fx *f, const char *title, const char *start,
    const char *end, const char *rrule, int64_t attendee, int64_t *end_utc)
{
	struct pd_event ev;
	char *uid;

	memset(&ev, 0, sizeof(ev));
	ev.title = strdup(title);
	ev.start = strdup(start);
	ev.end = strdup(end);
	ev.rrule = rrule != NULL ? strdup(rrule) : NULL;
	assert_int_equal(pd_store_event_add(f->st, &ev), PD_OK);
	if (attendee != 0)
		assert_int_equal(pd_store_attend(f->st, ev.id, attendee,
		    PD_ROLE_PARTICIPANT, PD_PART_ACCEPTED, NULL, NULL), PD_OK);
	if (end_utc != NULL)
		*end_utc = ev.end_utc;
	uid = strdup(ev.uid);
	pd_event_clear(&ev);
	return uid;
}

static int
holds(const struct pd_feed *fd, const char *uid)
{
	char line[256];

	snprintf(line, sizeof(line), "\r\nUID:%s\r\n", uid);
	return memmem(fd->body, fd->len, line, strlen(line)) != NULL;
}

/* pd_feed_write of f with ro (podium export) against a whole render. */
static void
check_export(struct fx *f, const struct pd_filter *filter,
    const struct pd_render_opts *ro, int step)
{
	struct pd_calendar *cal = NULL, *whole = NULL;
	struct pd_feed_row *rows = NULL;
	struct pd_error err = { 0, NULL, NULL };
	FILE *fp;
	char *want = NULL, *got;
	size_t n = 0, len = 0;
	long glen;

	assert_non_null(fp = tmpfile());
	assert_int_equal(pd_store_snapshot_begin(f->st), PD_OK);
	assert_int_equal(pd_store_feed_index(f->st, filter, 0, &cal, &rows,
	    &n), PD_OK);
	assert_int_equal(pd_feed_write(f->st, cal, rows, n, ro, fileno(fp),
	    &err), PD_OK);
	pd_store_snapshot_end(f->st);
	assert_int_equal(pd_store_calendar(f->st, filter, &whole), PD_OK);
	assert_int_equal(pd_ical_render(whole, ro, &want, &len, NULL), PD_OK);
	glen = lseek(fileno(fp), 0, SEEK_CUR);
	assert_non_null(got = malloc((size_t)glen + 1));
	assert_int_equal(pread(fileno(fp), got, (size_t)glen, 0), glen);
	if ((size_t)glen != len || memcmp(got, want, len) != 0) {
		print_error("step %d: export (filter %d, privacy %d) differs "
		    "from a whole render (%ld vs %zu bytes)\n", step,
		    (int)filter->kind, (int)ro->privacy, glen, len);
		fail();
	}
	free(got);
	free(want);
	free(rows);
	pd_calendar_free(cal);
	pd_calendar_free(whole);
	fclose(fp);
}

/*
 * The organizers' export, made a batch of events at a time and with the
 * person directory from the ids its events name, is the whole render's
 * bytes: full, public, one group, one person's; empty too.
 */
static void
export__by_batches__is_the_bytes_of_a_whole_render(void **state)
{
	struct fx *f = *state;
	struct pd_filter all = { PD_FILTER_ALL, NULL, 0 };
	struct pd_filter grp = { PD_FILTER_GROUP, NULL, 0 };
	struct pd_filter one = { PD_FILTER_PERSON, NULL, 0 };
	struct pd_render_opts ro;
	struct pd_group *g = NULL;
	size_t ng = 0;
	int step;

	/* More than two batches, made in the opposite of calendar order. */
	for (step = 0; step < 1100; step++) {
		char title[32], start[32], end[32];
		int64_t who = step % 3 == 0 ? any_person(f) : 0;

		snprintf(title, sizeof(title), "Sitzung %d", step);
		snprintf(start, sizeof(start), "2022-%02d-%02d %02d:00",
		    12 - step % 12, 28 - step / 12 % 28, 8 + step % 10);
		snprintf(end, sizeof(end), "2022-%02d-%02d %02d:30",
		    12 - step % 12, 28 - step / 12 % 28, 8 + step % 10);
		free(add_event(f, title, start, end, NULL, who, NULL));
	}
	memset(&ro, 0, sizeof(ro));
	for (step = 0; step <= 40; step++) {
		if (step > 0)
			write_one(f, step);
		if (step % 10 != 0)
			continue;
		ro.privacy = PD_PRIVACY_FULL;
		check_export(f, &all, &ro, step);
		ro.privacy = PD_PRIVACY_PUBLIC;
		check_export(f, &all, &ro, step);
		assert_int_equal(pd_store_group_list(f->st, &g, &ng), PD_OK);
		if (ng > 0) {
			grp.value = g[0].slug;
			ro.privacy = PD_PRIVACY_FULL;
			check_export(f, &grp, &ro, step);
		}
		if ((one.person_id = any_person(f)) != 0) {
			ro.privacy = PD_PRIVACY_PERSON;
			ro.privacy_person_id = one.person_id;
			check_export(f, &one, &ro, step);
		}
		pd_group_list_free(g, ng);
	}
}

static void
history__at_its_edge__keeps_what_ended_then_and_drops_what_ended_before(
    void **state)
{
	struct fx *f = *state;
	const int64_t H = 180 * 86400;
	struct pd_feed *all = NULL, *mine = NULL;
	struct pd_filter everything = { PD_FILTER_ALL, NULL, 0 };
	struct pd_calendar *cal = NULL;
	struct pd_person p;
	char tok[PD_TOKEN_LEN + 1], hash[PD_TOKEN_HASH_LEN + 1], name[80];
	char *at, *before, *series_on, *series_over;
	int64_t end_at, end_before, now;
	size_t i;
	int found = 0;

	memset(&p, 0, sizeof(p));
	p.name = strdup("Gast am Rand");
	assert_int_equal(pd_store_person_add(f->st, &p), PD_OK);
	at = add_event(f, "Am Rand", "2021-03-01 09:00", "2021-03-01 10:00",
	    NULL, p.id, &end_at);
	before = add_event(f, "Kurz davor", "2021-03-01 08:00",
	    "2021-03-01 09:59", NULL, p.id, &end_before);
	assert_int_equal(end_at - end_before, 60);
	/* A weekly series from long before: counts by its last occurrence. */
	series_on = add_event(f, "Wöchentlich", "2020-01-06 09:00",
	    "2020-01-06 10:00", "FREQ=WEEKLY;UNTIL=20210315T090000Z", p.id,
	    NULL);
	series_over = add_event(f, "Wöchentlich, vorbei", "2020-01-06 09:00",
	    "2020-01-06 10:00", "FREQ=WEEKLY;COUNT=3", p.id, NULL);
	assert_int_equal(pd_token_new(tok), PD_OK);
	pd_token_hash(tok, strlen(tok), hash);
	assert_int_equal(pd_store_feed_token_set(f->st, p.id, hash), PD_OK);

	/* "now" such that "at" ended exactly 180 days ago. */
	now = end_at + H;
	pd_feeds_set_history(f->fc, H);
	assert_int_equal(pd_feeds_refresh(f->fc, now, NULL), PD_OK);
	assert_int_equal(pd_feeds_get(f->fc, "all", now, &all), PD_OK);
	assert_true(holds(all, at));
	assert_false(holds(all, before));
	assert_true(holds(all, series_on));
	assert_false(holds(all, series_over));
	snprintf(name, sizeof(name), "person/%s", tok);
	assert_int_equal(pd_feeds_get(f->fc, name, now, &mine), PD_OK);
	assert_true(holds(mine, at));
	assert_false(holds(mine, before));
	assert_true(holds(mine, series_on));
	pd_feed_release(all);
	pd_feed_release(mine);

	/* An hour on (the window moves hourly), "at" is out too. */
	assert_int_equal(pd_feeds_refresh(f->fc, now + 3600, NULL), PD_OK);
	assert_int_equal(pd_feeds_get(f->fc, "all", now + 3600, &all),
	    PD_OK);
	assert_false(holds(all, at));
	pd_feed_release(all);

	/* The organizers' export keeps everything. */
	assert_int_equal(pd_store_calendar(f->st, &everything, &cal), PD_OK);
	for (i = 0; i < cal->nevents; i++)
		if (strcmp(cal->events[i].uid, before) == 0)
			found = 1;
	assert_true(found);
	pd_calendar_free(cal);
	pd_person_clear(&p);
	free(at);
	free(before);
	free(series_on);
	free(series_over);
}

/*
 * SQLite gives a deleted event's id to the next event when it was the
 * highest; the new event's piece must not be taken for the old one's,
 * even when as many writes made both.
 */
static void
pieces__an_event_made_under_a_deleted_id__is_rendered_anew(void **state)
{
	struct fx *f = *state;
	struct pd_person p;
	struct pd_event *ev = NULL;
	char *a, *b;
	int64_t ida, idb;

	memset(&p, 0, sizeof(p));
	p.name = strdup("Gast");
	assert_int_equal(pd_store_person_add(f->st, &p), PD_OK);
	a = add_event(f, "Erste", "2021-03-01 09:00", "2021-03-01 10:00", NULL,
	    p.id, NULL);
	assert_int_equal(pd_store_event_get(f->st, a, &ev), PD_OK);
	ida = ev->id;
	pd_event_free(ev);
	check_all(f, 1);
	assert_int_equal(pd_store_event_delete(f->st, ida), PD_OK);
	b = add_event(f, "Zweite", "2021-03-02 09:00", "2021-03-02 10:00",
	    NULL, p.id, NULL);
	assert_int_equal(pd_store_event_get(f->st, b, &ev), PD_OK);
	idb = ev->id;
	pd_event_free(ev);
	assert_int_equal(idb, ida);	/* the case this is about */
	check_all(f, 2);
	pd_person_clear(&p);
	free(a);
	free(b);
}

static int64_t
mtime_of(const char *dir, const char *name)
{
	struct stat sb;
	char *path;

	assert_true(asprintf(&path, "%s/%s.ics", dir, name) > 0);
	assert_int_equal(stat(path, &sb), 0);
	free(path);
	return (int64_t)sb.st_mtime;
}

/* Sets every exported file's mtime far back, so a rewrite shows. */
static void
age(const char *dir, char names[][128], size_t n)
{
	struct timespec ts[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	char *path;
	size_t i;

	for (i = 0; i < n; i++) {
		assert_true(asprintf(&path, "%s/%s.ics", dir, names[i]) > 0);
		assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
		free(path);
	}
}

static void
export_dir__a_write_that_changes_no_feed__rewrites_no_file(void **state)
{
	struct fx *f = *state;
	struct pd_feeds_opts o = { "Test", "PT1H", 3600, NULL, NULL };
	struct pd_feeds *fc = NULL;
	struct pd_group *g = NULL;
	struct pd_topic *t = NULL;
	struct pd_calendar *cal = NULL;
	struct pd_filter all = { PD_FILTER_ALL, NULL, 0 };
	struct pd_person p;
	char dir[64], names[64][128], hit[64];
	size_t ng = 0, nt = 0, n = 0, i, j, untouched = 0;
	int64_t eid = 0;

	snprintf(dir, sizeof(dir), "/tmp/podium-export-XXXXXX");
	assert_non_null(mkdtemp(dir));
	o.export_dir = dir;
	assert_int_equal(pd_feeds_new(f->st, &f->lock, &o, &fc), PD_OK);
	assert_int_equal(pd_feeds_refresh(fc, NOW, NULL), PD_OK);
	assert_int_equal(pd_store_group_list(f->st, &g, &ng), PD_OK);
	assert_int_equal(pd_store_topic_list(f->st, &t, &nt), PD_OK);
	snprintf(names[n++], sizeof(names[0]), "all");
	for (i = 0; i < ng && n < 64; i++)
		snprintf(names[n++], sizeof(names[0]), "group/%s", g[i].slug);
	for (i = 0; i < nt && n < 64; i++)
		snprintf(names[n++], sizeof(names[0]), "topic/%s", t[i].slug);
	age(dir, names, n);

	/* Someone no event names: a write, but no feed changes. */
	memset(&p, 0, sizeof(p));
	p.name = strdup("Niemand Bekanntes");
	assert_int_equal(pd_store_person_add(f->st, &p), PD_OK);
	pd_person_clear(&p);
	assert_int_equal(pd_feeds_refresh(fc, NOW + 60, NULL), PD_OK);
	for (i = 0; i < n; i++)
		if (mtime_of(dir, names[i]) != 1000000000) {
			print_error("%s.ics was rewritten\n", names[i]);
			fail();
		}

	/*
	 * A move changes "all" and the feeds of the event's group and
	 * topics (hit), no other file.
	 */
	assert_int_equal(pd_store_calendar(f->st, &all, &cal), PD_OK);
	memset(hit, 0, sizeof(hit));
	for (i = 0; i < cal->nevents && eid == 0; i++) {
		const struct pd_event *ev = &cal->events[i];

		if (ev->group_slug == NULL || ev->ntopics == 0)
			continue;
		eid = ev->id;
		for (j = 1; j < n; j++) {
			char want[128];
			size_t k;

			snprintf(want, sizeof(want), "group/%s", ev->group_slug);
			if (strcmp(names[j], want) == 0)
				hit[j] = 1;
			for (k = 0; k < ev->ntopics; k++) {
				char *slug = pd_slug(ev->topics[k]);

				snprintf(want, sizeof(want), "topic/%s", slug);
				free(slug);
				if (strcmp(names[j], want) == 0)
					hit[j] = 1;
			}
		}
	}
	pd_calendar_free(cal);
	assert_true(eid != 0);
	assert_int_equal(pd_store_event_move(f->st, eid, "2021-05-05 10:00",
	    NULL), PD_OK);
	assert_int_equal(pd_feeds_refresh(fc, NOW + 120, NULL), PD_OK);
	assert_true(mtime_of(dir, "all") != 1000000000);
	for (j = 1; j < n; j++) {
		if (hit[j])
			assert_true(mtime_of(dir, names[j]) != 1000000000);
		else {
			assert_int_equal(mtime_of(dir, names[j]), 1000000000);
			untouched++;
		}
	}
	assert_true(untouched > 0);

	pd_feeds_free(fc);
	pd_group_list_free(g, ng);
	pd_topic_list_free(t, nt);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
}

/*
 * podiumd and a CLI command (person forget with --config) write the same
 * export_dir at once; neither may trip over the other's temporary file.
 * A directory where the old fixed temporary name was stands for a writer
 * whose file is still in flight.
 */
static void
export_dir__another_writers_temporary_file__does_not_disturb_this_one(
    void **state)
{
	struct fx *f = *state;
	struct pd_feeds_opts o = { "Test", "PT1H", 3600, NULL, NULL };
	struct pd_feeds *fc = NULL;
	struct stat sb;
	char dir[64], *busy, *all, cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/podium-export-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_true(asprintf(&busy, "%s/all.ics.tmp", dir) > 0);
	assert_true(asprintf(&all, "%s/all.ics", dir) > 0);
	assert_int_equal(mkdir(busy, 0755), 0);
	o.export_dir = dir;
	assert_int_equal(pd_feeds_new(f->st, &f->lock, &o, &fc), PD_OK);
	assert_int_equal(pd_feeds_refresh(fc, NOW, NULL), PD_OK);
	assert_int_equal(stat(all, &sb), 0);
	assert_true(S_ISREG(sb.st_mode) && sb.st_size > 0);
	assert_int_equal(sb.st_mode & 0777, 0644);
	pd_feeds_free(fc);
	free(busy);
	free(all);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static int
same_str(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* b's events against the owning load evs: same events, same people. */
static void
check_batch(const struct pd_event_batch *b, const struct pd_event *evs,
    size_t nev)
{
	const struct pd_person *x, *y;
	size_t i, j, k, shared = 0;

	assert_int_equal(b->n, nev);
	for (i = 0; i < nev; i++) {
		assert_int_equal(b->ev[i].id, evs[i].id);
		assert_string_equal(b->ev[i].title, evs[i].title);
		assert_int_equal(b->ev[i].nattendances, evs[i].nattendances);
		assert_int_equal(b->ev[i].ntalks, evs[i].ntalks);
		for (k = 0; k < evs[i].nattendances; k++) {
			x = &b->ev[i].attendances[k].person;
			y = &evs[i].attendances[k].person;
			assert_int_equal(x->id, y->id);
			assert_true(same_str(x->uuid, y->uuid));
			assert_true(same_str(x->name, y->name));
			assert_true(same_str(x->email, y->email));
			assert_true(same_str(x->org_code, y->org_code));
			assert_true(same_str(x->org_name, y->org_name));
			assert_true(same_str(x->lang, y->lang));
			/* Borrowed from the batch's people, not a copy. */
			for (j = 0; j < b->npeople; j++)
				if (b->people[j].name == x->name)
					shared++;
		}
	}
	for (i = 0, k = 0; i < nev; i++)
		k += evs[i].nattendances;
	assert_int_equal(shared, k);
}

/*
 * A batch (podium export) holds the events pd_store_events_* load, with
 * the attendances' people shared from its table; freeing it frees each
 * string once (ASan tells otherwise).  By range and by a sparse list.
 */
static void
batch__shares_people__and_holds_what_an_owning_load_holds(void **state)
{
	struct fx *f = *state;
	struct pd_event_batch b = { NULL, 0, NULL, 0 };
	struct pd_event *evs = NULL, *all = NULL;
	int64_t ids[3];
	size_t nev = 0, nall = 0, i, natt = 0;

	assert_int_equal(pd_store_event_list(f->st, 0, INT64_MAX, &all,
	    &nall), PD_OK);
	assert_true(nall >= 3);
	assert_int_equal(pd_store_events_in_range(f->st, 1, INT64_MAX / 2,
	    &evs, &nev), PD_OK);
	for (i = 0; i < nev; i++)
		natt += evs[i].nattendances;
	assert_true(natt > 0);	/* the calendar has people attending */
	assert_int_equal(pd_store_batch_in_range(f->st, 1, INT64_MAX / 2, &b),
	    PD_OK);
	check_batch(&b, evs, nev);
	pd_event_batch_free(&b);
	assert_null(b.ev);
	pd_event_list_free(evs, nev);
	ids[0] = all[0].id;
	ids[1] = all[nall / 2].id;
	ids[2] = all[nall - 1].id;
	assert_int_equal(pd_store_events_by_id(f->st, ids, 3, &evs, &nev),
	    PD_OK);
	assert_int_equal(pd_store_batch_by_id(f->st, ids, 3, &b), PD_OK);
	check_batch(&b, evs, nev);
	pd_event_batch_free(&b);
	pd_event_batch_free(&b);	/* twice: a no-op */
	pd_event_list_free(evs, nev);
	pd_event_list_free(all, nall);
}

/*
 * Attendances come in the order they were added (by id), not in the
 * order of their people's ids, which is the order SQLite reads them in.
 */
static void
batch__attendances__come_in_the_order_they_were_added(void **state)
{
	struct fx *f = *state;
	struct pd_event_batch b = { NULL, 0, NULL, 0 };
	struct pd_person p[3];
	struct pd_event *ev = NULL;
	const char *names[3] = { "Erste Person", "Zweite Person",
	    "Dritte Person" };
	char *uid;
	int64_t id;
	int i;

	for (i = 0; i < 3; i++) {
		memset(&p[i], 0, sizeof(p[i]));
		p[i].name = strdup(names[i]);
		assert_int_equal(pd_store_person_add(f->st, &p[i]), PD_OK);
	}
	uid = add_event(f, "Reihenfolge", "2023-05-02 10:00",
	    "2023-05-02 11:00", NULL, 0, NULL);
	assert_int_equal(pd_store_event_get(f->st, uid, &ev), PD_OK);
	id = ev->id;
	pd_event_free(ev);
	/* The newest person first, the oldest last. */
	for (i = 2; i >= 0; i--)
		assert_int_equal(pd_store_attend(f->st, id, p[i].id,
		    PD_ROLE_PARTICIPANT, PD_PART_ACCEPTED, NULL, NULL), PD_OK);
	assert_int_equal(pd_store_batch_in_range(f->st, id, id, &b), PD_OK);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.ev[0].nattendances, 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(b.ev[0].attendances[i].person.id,
		    p[2 - i].id);
	pd_event_batch_free(&b);
	assert_int_equal(pd_store_event_get(f->st, uid, &ev), PD_OK);
	assert_int_equal(ev->nattendances, 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(ev->attendances[i].person.id, p[2 - i].id);
	pd_event_free(ev);
	for (i = 0; i < 3; i++)
		pd_person_clear(&p[i]);
	free(uid);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    pieces__after_random_writes__are_the_bytes_of_a_whole_render,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    pieces__a_feed_served_twice__is_not_rendered_again,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    export_dir__a_write_that_changes_no_feed__rewrites_no_file,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    export_dir__another_writers_temporary_file__does_not_disturb_this_one,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    history__at_its_edge__keeps_what_ended_then_and_drops_what_ended_before,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    export__by_batches__is_the_bytes_of_a_whole_render, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    pieces__an_event_made_under_a_deleted_id__is_rendered_anew,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    batch__shares_people__and_holds_what_an_owning_load_holds,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    batch__attendances__come_in_the_order_they_were_added,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
