/*
 * The scale test: the hot paths read what they answer, not the whole
 * store.  A programme of 10,000 events and 100,000 attendances (made by
 * bench/gen.c, included here) is written to a fresh file; then a personal
 * feed of about 20 events, a one-week event list, a planner pass with
 * nothing due and one with reminders due are run with SQLite's statement
 * trace on, and every statement they ran is given to EXPLAIN QUERY PLAN.
 * No plan may SCAN a table (a full table or full index scan); SEARCH
 * through an index, the primary key or json_each's id list is what we
 * want.  Timings are bench/scale.sh's business, not a test's.
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
#include <sqlite3.h>

#include "podium/outbox.h"
#include "podium/store.h"
#include "store_int.h"

#define GEN_NO_MAIN
#include "../../bench/gen.c"

#define NOW 1611300000		/* 2021-01-22 07:20 UTC */
#define DAY 86400
#define WEEK (7 * DAY)

struct fx {
	char dir[64];
	char path[96];
	struct pd_store *st;
	char **sql;		/* traced statements */
	size_t nsql;
};


static int
trace(unsigned type, void *ctx, void *p, void *x)
{
	struct fx *f = ctx;
	char *s;

	(void)x;
	if (type != SQLITE_TRACE_STMT)
		return 0;
	s = sqlite3_expanded_sql(p);
	if (s == NULL)
		return 0;
	/* Trigger bodies come as "-- TRIGGER name"; their plans are below. */
	if (strncmp(s, "--", 2) != 0) {
		f->sql = realloc(f->sql, (f->nsql + 1) * sizeof(*f->sql));
		assert_non_null(f->sql);
		f->sql[f->nsql] = strdup(s);
		assert_non_null(f->sql[f->nsql]);
		f->nsql++;
	}
	sqlite3_free(s);
	return 0;
}

static void
trace_start(struct fx *f)
{
	size_t i;

	for (i = 0; i < f->nsql; i++)
		free(f->sql[i]);
	free(f->sql);
	f->sql = NULL;
	f->nsql = 0;
	sqlite3_trace_v2(f->st->db, SQLITE_TRACE_STMT, trace, f);
}

static void
trace_stop(struct fx *f)
{
	sqlite3_trace_v2(f->st->db, 0, NULL, NULL);
}

/*
 * EXPLAIN QUERY PLAN of every traced statement; fails naming the
 * statement and the line of a full scan.  Prints the plans with the
 * path's name, so that a change of plan shows in the test log.
 */
static void
assert_no_scan(struct fx *f, const char *path)
{
	sqlite3_stmt *stmt = NULL;
	char *q;
	size_t i;
	int bad = 0, n = 0;

	printf("# plans of %s\n", path);
	for (i = 0; i < f->nsql; i++) {
		if (strncmp(f->sql[i], "BEGIN", 5) == 0 ||
		    strncmp(f->sql[i], "COMMIT", 6) == 0 ||
		    strncmp(f->sql[i], "ROLLBACK", 8) == 0)
			continue;
		q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", f->sql[i]);
		assert_non_null(q);
		assert_int_equal(sqlite3_prepare_v2(f->st->db, q, -1, &stmt,
		    NULL), SQLITE_OK);
		printf("#  %.150s\n", f->sql[i]);
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			const char *d = (const char *)sqlite3_column_text(stmt,
			    3);

			printf("#    %s\n", d);
			/*
			 * "SCAN t" reads a whole table, "SCAN t USING INDEX"
			 * a whole index: both grow with the store.  json_each
			 * is the list of ids in hand, a constant row nothing.
			 */
			if (strncmp(d, "SCAN ", 5) == 0 &&
			    strstr(d, "json_each") == NULL &&
			    strstr(d, "CONSTANT ROW") == NULL) {
				printf("not ok: full scan in %s: %s\n    in: %s\n",
				    path, d, f->sql[i]);
				bad++;
			}
		}
		sqlite3_finalize(stmt);
		sqlite3_free(q);
		n++;
	}
	assert_true(n > 0);
	assert_int_equal(bad, 0);
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

/* One programme for all tests: writing it is the slow part. */
static int
setup(void **state)
{
	struct gen_opts o = { 10000, 10, 0, 20210122, 0, 1 };
	struct pd_error err = { 0, NULL, NULL };
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/podium-scale-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/scale.db", f->dir);
	assert_int_equal(pd_store_open(f->path, NOW, &f->st, &err), PD_OK);
	assert_int_equal(gen_programme(f->st, &o, NULL), PD_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	trace_stop(f);
	trace_start(f);		/* frees the list */
	trace_stop(f);
	pd_store_close(f->st);
	rm_db(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int64_t
one_int(struct fx *f, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(f->st->db, sql, -1, &stmt, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

static void
programme__has_the_size_asked_for(void **state)
{
	struct fx *f = *state;

	assert_int_equal(one_int(f, "SELECT count(*) FROM event"), 10000);
	assert_true(one_int(f, "SELECT count(*) FROM attendance") >= 99000);
	assert_true(one_int(f, "SELECT count(*) FROM event "
	    "WHERE rrule IS NOT NULL") > 0);
	assert_int_equal(one_int(f, "SELECT count(*) FROM event "
	    "WHERE plan_dirty <> 0"), 0);
}

static void
person_feed__reads_only_the_persons_events(void **state)
{
	struct fx *f = *state;
	struct pd_filter flt = { PD_FILTER_PERSON, NULL, 0 };
	struct pd_calendar *cal = NULL;
	int64_t pid, n;

	/* Somebody with about 20 events: an occasional guest. */
	pid = one_int(f, "SELECT person_id FROM attendance GROUP BY person_id "
	    "ORDER BY abs(count(*) - 20), person_id LIMIT 1");
	flt.person_id = pid;
	trace_start(f);
	assert_int_equal(pd_store_calendar(f->st, &flt, &cal), PD_OK);
	trace_stop(f);
	n = (int64_t)cal->nevents;
	assert_true(n >= 10 && n <= 40);
	pd_calendar_free(cal);
	assert_no_scan(f, "the personal feed");
}

static void
feed_token__is_found_by_index(void **state)
{
	struct fx *f = *state;
	const char *h = "00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff";
	int64_t pid = 0;

	assert_int_equal(pd_store_feed_token_set(f->st, 7, h), PD_OK);
	trace_start(f);
	assert_int_equal(pd_store_feed_token_find(f->st, h, &pid), PD_OK);
	trace_stop(f);
	assert_int_equal(pid, 7);
	assert_no_scan(f, "the feed token");
}

static void
event_list__one_week__reads_only_that_week(void **state)
{
	struct fx *f = *state;
	struct pd_event *list = NULL;
	size_t n = 0;
	int64_t from = 1622419200;	/* Monday 2021-05-31 00:00 UTC */

	trace_start(f);
	assert_int_equal(pd_store_event_list(f->st, from, from + WEEK, &list,
	    &n), PD_OK);
	trace_stop(f);
	/* 25 a day, and the monthly series that fall in the week. */
	assert_true(n >= 7 * GEN_PER_DAY && n <= 7 * GEN_PER_DAY + 60);
	pd_event_list_free(list, n);
	assert_no_scan(f, "the one-week event list");
}

/* A pass of the planner's reads, as pd_sched_plan makes them. */
static size_t
plan_pass(struct fx *f, int64_t now, int64_t horizon, int64_t nudge)
{
	struct pd_event *evs = NULL;
	struct pd_sent *sent = NULL;
	int64_t *marks = NULL, *ids;
	char *keys = NULL;
	size_t nev = 0, nsent = 0, i;

	assert_int_equal(pd_store_plan_candidates(f->st, now, horizon, nudge,
	    &evs, &nev, &marks), PD_OK);
	ids = calloc(nev + 1, sizeof(*ids));
	assert_non_null(ids);
	for (i = 0; i < nev; i++)
		ids[i] = evs[i].id;
	assert_int_equal(pd_store_outbox_facts(f->st, ids, nev, &sent, &nsent,
	    &keys), PD_OK);
	assert_int_equal(pd_store_plan_done(f->st, ids, marks, nev), PD_OK);
	free(sent);
	free(keys);
	free(ids);
	free(marks);
	pd_event_list_free(evs, nev);
	return nev;
}

static void
plan__nothing_due__loads_nothing_and_scans_nothing(void **state)
{
	struct fx *f = *state;

	/* Before the programme: every event is ahead, none is due. */
	trace_start(f);
	assert_int_equal(plan_pass(f, NOW - 400 * DAY, 7 * DAY, 4 * DAY), 0);
	trace_stop(f);
	assert_no_scan(f, "a planner pass with nothing due");
}

static void
plan__reminders_due__loads_only_that_window(void **state)
{
	struct fx *f = *state;
	size_t n;

	/* A week into the programme: the next seven days are candidates. */
	trace_start(f);
	n = plan_pass(f, 1622419200, 7 * DAY, 4 * DAY);
	trace_stop(f);
	assert_true(n >= 7 * GEN_PER_DAY - 10 && n <= 7 * GEN_PER_DAY + 60);
	assert_no_scan(f, "a planner pass with reminders due");
}

static void
plan__changed_event__is_a_candidate_until_done(void **state)
{
	struct fx *f = *state;
	struct pd_event *evs = NULL;
	int64_t *marks = NULL, id;
	size_t nev = 0;

	id = one_int(f, "SELECT id FROM event WHERE rrule IS NULL "
	    "ORDER BY id DESC LIMIT 1");
	assert_int_equal(pd_store_attend(f->st, id, 1, PD_ROLE_PARTICIPANT,
	    PD_PART_ACCEPTED, NULL, NULL), PD_OK);
	assert_int_equal(pd_store_plan_candidates(f->st, NOW - 400 * DAY,
	    7 * DAY, 4 * DAY, &evs, &nev, &marks), PD_OK);
	assert_int_equal(nev, 1);
	assert_int_equal(evs[0].id, id);
	assert_true(marks[0] != 0);
	/* A change while the pass runs keeps the event for the next one. */
	assert_int_equal(pd_store_attend(f->st, id, 2, PD_ROLE_PARTICIPANT,
	    PD_PART_ACCEPTED, NULL, NULL), PD_OK);
	assert_int_equal(pd_store_plan_done(f->st, &id, marks, 1), PD_OK);
	pd_event_list_free(evs, nev);
	free(marks);
	assert_int_equal(plan_pass(f, NOW - 400 * DAY, 7 * DAY, 4 * DAY), 1);
	assert_int_equal(plan_pass(f, NOW - 400 * DAY, 7 * DAY, 4 * DAY), 0);
}

static void
plan__outbox_facts__by_index(void **state)
{
	struct fx *f = *state;
	struct pd_sent *sent = NULL;
	char *keys = NULL;
	int64_t ids[3] = { 1, 5000, 9999 };
	size_t n = 0;

	trace_start(f);
	assert_int_equal(pd_store_outbox_facts(f->st, ids, 3, &sent, &n,
	    &keys), PD_OK);
	trace_stop(f);
	free(sent);
	free(keys);
	assert_no_scan(f, "the outbox facts");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(programme__has_the_size_asked_for),
		cmocka_unit_test(person_feed__reads_only_the_persons_events),
		cmocka_unit_test(feed_token__is_found_by_index),
		cmocka_unit_test(event_list__one_week__reads_only_that_week),
		cmocka_unit_test(plan__nothing_due__loads_nothing_and_scans_nothing),
		cmocka_unit_test(plan__reminders_due__loads_only_that_window),
		cmocka_unit_test(plan__changed_event__is_a_candidate_until_done),
		cmocka_unit_test(plan__outbox_facts__by_index),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
