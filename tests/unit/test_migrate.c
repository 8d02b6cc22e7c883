/*
 * The upgrade path: a database made by the first schema version
 * (tests/data/schema-v1.db, checked in: the tables of migration 1 and a
 * few rows - an organization, two people, a group, a topic, an event
 * with an agenda item, a requested talk and an attendance) is migrated
 * to PD_STORE_SCHEMA_VERSION when it is opened, keeps every row, and
 * gets what the later versions added (the outbox, the planner's marks).
 * Each test works on a fresh copy in a temporary folder, never on the
 * checked-in file.  Also: backup and restore of a migrated file, and a
 * restore from the old file itself.
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

#define NOW 1611300000		/* 2021-01-22 07:20 UTC, before the event */

struct fx {
	char dir[64];
	char path[128];
	struct pd_store *st;
};

static void
copy_file(const char *from, const char *to)
{
	char buf[65536];
	FILE *in, *out;
	size_t n;

	in = fopen(from, "rb");
	assert_non_null(in);
	out = fopen(to, "wb");
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

static const char *
v1_path(void)
{
	static char p[512];
	const char *src = getenv("PODIUM_SRC_DIR");

	snprintf(p, sizeof(p), "%s/tests/data/schema-v1.db",
	    src != NULL ? src : ".");
	return p;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/podium-migrate-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/old.db", f->dir);
	copy_file(v1_path(), f->path);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[160];

	pd_store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static int64_t
one_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	int64_t v;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

static void
checked_in_file__is_schema_version_1(void **state)
{
	(void)state;
	assert_int_equal(one_int(v1_path(), "PRAGMA user_version"), 1);
	assert_int_equal(one_int(v1_path(), "SELECT count(*) FROM "
	    "sqlite_schema WHERE name = 'outbox'"), 0);
}

static void
open__v1_file__migrates_to_the_current_version(void **state)
{
	struct fx *f = *state;
	struct pd_error err = { 0, NULL, NULL };

	assert_int_equal(pd_store_open(f->path, NOW, &f->st, &err), PD_OK);
	assert_int_equal(pd_store_schema_version(f->st),
	    PD_STORE_SCHEMA_VERSION);
	pd_store_close(f->st);
	f->st = NULL;
	assert_int_equal(one_int(f->path, "PRAGMA user_version"),
	    PD_STORE_SCHEMA_VERSION);
	assert_int_equal(one_int(f->path, "SELECT count(*) FROM sqlite_schema "
	    "WHERE type = 'table' AND name = 'outbox'"), 1);
	assert_int_equal(one_int(f->path, "SELECT count(*) FROM "
	    "pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
}

static void
open__v1_file__keeps_the_rows(void **state)
{
	struct fx *f = *state;
	struct pd_error err = { 0, NULL, NULL };
	struct pd_event *ev = NULL;
	struct pd_person p;
	int64_t rev = 0;

	assert_int_equal(pd_store_open(f->path, NOW, &f->st, &err), PD_OK);
	assert_int_equal(pd_store_event_get(f->st,
	    "v1-projektwoche-2021-02-04@smartcity-gera.example.org", &ev),
	    PD_OK);
	assert_string_equal(ev->title, "Projektwoche „Smarte Quartiere“");
	assert_string_equal(ev->start, "2021-02-04 09:00");
	assert_string_equal(ev->group_slug,
	    "fachgruppe-unternehmen-der-kommunalen-infrastruktur");
	assert_int_equal(ev->ntopics, 1);
	assert_string_equal(ev->topics[0], "Smarte Quartiere");
	assert_int_equal(ev->nagenda, 1);
	assert_int_equal(ev->ntalks, 1);
	assert_string_equal(ev->talks[0].speaker.name, "Prof. Teich");
	assert_int_equal(ev->talks[0].status, PD_TALK_REQUESTED);
	assert_string_equal(ev->talks[0].via.name, "Jürgen Lübcke");
	assert_int_equal(ev->nattendances, 1);
	assert_string_equal(ev->attendances[0].person.email,
	    "luebcke@example.org");
	pd_event_free(ev);
	assert_int_equal(pd_store_person_find(f->st, "luebcke@example.org", &p),
	    PD_OK);
	assert_string_equal(p.org_code, "TGZ");
	pd_person_clear(&p);
	assert_int_equal(pd_store_revision(f->st, &rev), PD_OK);
	/* The migration is a write like any other: the revision moved on. */
	assert_true(rev >= 3);
}

static void
open__v1_file__the_outbox_works_and_the_planner_sees_the_event(
    void **state)
{
	struct fx *f = *state;
	struct pd_error err = { 0, NULL, NULL };
	struct pd_outbox_msg m;
	struct pd_event *evs = NULL;
	int64_t *marks = NULL, id;
	size_t n = 0, added = 0;

	assert_int_equal(pd_store_open(f->path, NOW, &f->st, &err), PD_OK);
	/* Rows from before the planner kept marks count as changed. */
	assert_int_equal(pd_store_plan_candidates(f->st, NOW, 7 * 86400,
	    4 * 86400, &evs, &n, &marks), PD_OK);
	assert_int_equal(n, 1);
	assert_true(marks[0] != 0);
	id = evs[0].id;
	assert_int_equal(pd_store_plan_done(f->st, &id, marks, 1), PD_OK);
	pd_event_list_free(evs, n);
	free(marks);
	memset(&m, 0, sizeof(m));
	m.key = "speaker-request/v1-talk-teich@smartcity-gera.example.org";
	m.kind = "speaker-request";
	m.event_id = id;
	m.mail_from = "smartcity@example.org";
	m.rcpt = "teich@example.org";
	m.subject = "Anfrage";
	m.message = "x";
	m.len = 1;
	m.next_attempt = NOW;
	assert_int_equal(pd_store_outbox_add(f->st, &m, 1, &added), PD_OK);
	assert_int_equal(added, 1);
	/* The request is out: its nudges are due by the clock. */
	assert_int_equal(pd_store_plan_candidates(f->st, NOW + 5 * 86400,
	    -1, 4 * 86400, &evs, &n, &marks), PD_OK);
	assert_int_equal(n, 1);
	pd_event_list_free(evs, n);
	free(marks);
	/*
	 * Nudge 1 goes out then; the next mail is due `nudge` after it, so
	 * the talk is no candidate a day later (issue 8), only 4 days later.
	 */
	pd_store_set_now(f->st, NOW + 5 * 86400);
	m.key = "nudge/v1-talk-teich@smartcity-gera.example.org/1";
	m.kind = "nudge";
	assert_int_equal(pd_store_outbox_add(f->st, &m, 1, &added), PD_OK);
	assert_int_equal(added, 1);
	assert_int_equal(pd_store_plan_candidates(f->st, NOW + 6 * 86400,
	    -1, 4 * 86400, &evs, &n, &marks), PD_OK);
	assert_int_equal(n, 0);
	pd_event_list_free(evs, n);
	free(marks);
	assert_int_equal(pd_store_plan_candidates(f->st, NOW + 9 * 86400,
	    -1, 4 * 86400, &evs, &n, &marks), PD_OK);
	assert_int_equal(n, 1);
	pd_event_list_free(evs, n);
	free(marks);
}

static void
restore__v1_backup__migrates_a_copy_and_replaces_the_contents(void **state)
{
	struct fx *f = *state;
	struct pd_error err = { 0, NULL, NULL };
	char live[160];
	struct pd_event *ev = NULL;

	snprintf(live, sizeof(live), "%s/live.db", f->dir);
	assert_int_equal(pd_store_restore(f->path, live, NOW, &err), PD_OK);
	/* The backup itself is left as it was. */
	assert_int_equal(one_int(f->path, "PRAGMA user_version"), 1);
	assert_int_equal(pd_store_open(live, NOW, &f->st, &err), PD_OK);
	assert_int_equal(pd_store_schema_version(f->st),
	    PD_STORE_SCHEMA_VERSION);
	assert_int_equal(pd_store_event_get(f->st, "1", &ev), PD_OK);
	assert_int_equal(ev->ntalks, 1);
	pd_event_free(ev);
	snprintf(live, sizeof(live), "%s/live.db.restore-tmp", f->dir);
	assert_int_not_equal(access(live, F_OK), 0);
}

static void
restore__not_a_database__is_refused_and_changes_nothing(void **state)
{
	struct fx *f = *state;
	struct pd_error err = { 0, NULL, NULL };
	char junk[160], live[160];
	FILE *fp;

	snprintf(junk, sizeof(junk), "%s/junk.db", f->dir);
	snprintf(live, sizeof(live), "%s/live.db", f->dir);
	fp = fopen(junk, "w");
	assert_non_null(fp);
	fputs("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", fp);
	fclose(fp);
	assert_int_equal(pd_store_restore(junk, live, NOW, &err), PD_EINVAL);
	assert_non_null(err.msg);
	assert_non_null(strstr(err.msg, "not a podium database"));
	pd_error_clear(&err);
	assert_int_not_equal(access(live, F_OK), 0);
	/* An SQLite file of somebody else's is no podium database either. */
	{
		sqlite3 *db = NULL;

		assert_int_equal(sqlite3_open(junk, &db), SQLITE_OK);
		unlink(junk);
		sqlite3_close(db);
		assert_int_equal(sqlite3_open(junk, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL,
		    NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	assert_int_equal(pd_store_restore(junk, live, NOW, &err), PD_EINVAL);
	pd_error_clear(&err);
}

static void
restore__newer_schema__is_refused(void **state)
{
	struct fx *f = *state;
	struct pd_error err = { 0, NULL, NULL };
	char live[160];
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	snprintf(live, sizeof(live), "%s/live.db", f->dir);
	assert_int_equal(pd_store_restore(f->path, live, NOW, &err),
	    PD_EINVAL);
	assert_non_null(strstr(err.msg, "newer"));
	pd_error_clear(&err);
}

static void
backup__migrated_file__round_trips(void **state)
{
	struct fx *f = *state;
	struct pd_error err = { 0, NULL, NULL };
	char bak[160], live[160];
	struct pd_store *st = NULL;
	int64_t r1 = 0, r2 = 0;

	snprintf(bak, sizeof(bak), "%s/backup.db", f->dir);
	snprintf(live, sizeof(live), "%s/live.db", f->dir);
	assert_int_equal(pd_store_open(f->path, NOW, &f->st, &err), PD_OK);
	assert_int_equal(pd_store_backup(f->st, f->path), PD_EINVAL);
	assert_int_equal(pd_store_backup(f->st, bak), PD_OK);
	assert_int_equal(one_int(bak, "PRAGMA user_version"),
	    PD_STORE_SCHEMA_VERSION);
	assert_int_equal(one_int(bak, "SELECT count(*) FROM talk"), 1);
	/* Restoring over a database that moved on: revision goes up. */
	assert_int_equal(pd_store_open(live, NOW, &st, &err), PD_OK);
	assert_int_equal(pd_store_revision(st, &r1), PD_OK);
	pd_store_close(st);
	assert_int_equal(pd_store_restore(bak, live, NOW, &err), PD_OK);
	assert_int_equal(pd_store_open(live, NOW, &st, &err), PD_OK);
	assert_int_equal(pd_store_revision(st, &r2), PD_OK);
	assert_true(r2 > r1 && r2 > 3);
	pd_store_close(st);
	assert_int_equal(one_int(live, "SELECT count(*) FROM attendance"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(checked_in_file__is_schema_version_1),
		T(open__v1_file__migrates_to_the_current_version),
		T(open__v1_file__keeps_the_rows),
		T(open__v1_file__the_outbox_works_and_the_planner_sees_the_event),
		T(restore__v1_backup__migrates_a_copy_and_replaces_the_contents),
		T(restore__not_a_database__is_refused_and_changes_nothing),
		T(restore__newer_schema__is_refused),
		T(backup__migrated_file__round_trips),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
