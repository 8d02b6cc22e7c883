/*
 * Events in the store, with everything that hangs off them: topics,
 * links, agenda items, talks and attendances; the groups and topics they
 * belong to; and the loading of whole calendars for feeds and export.
 *
 * Writing: one function, pd_st_event_write(), turns a struct pd_event
 * into rows, for pd_store_event_add() here and for the importer, which
 * differ only in how people are looked up (by id here, by uuid, e-mail
 * or name there).
 *
 * Reading: a calendar is loaded with one query for the events and one
 * per part table, each ordered by event id and merged into the events,
 * so that a feed of 10,000 events costs six queries, not 60,000; the
 * queries are restricted by the same filter (group, topic, person) so
 * that a small feed reads only its own rows through the indexes.
 *
 * Not here: people (store_person.c), import (store_import.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "podium/buf.h"
#include "podium/outbox.h"
#include "podium/store.h"
#include "podium/tz.h"
#include "store_int.h"

/* ---- how rows look ---- */

#define EVENT_COLS \
	"e.id, e.uid, e.title, e.description, e.location, e.url, e.tzid, " \
	"e.all_day, e.start, e.\"end\", e.start_utc, e.end_utc, e.status, " \
	"e.sequence, e.rrule, g.slug, g.name, e.created, e.updated, " \
	PD_ST_PERSON_COLS("op", "oo") ", e.series_end_utc, " \
	"e.public_attendance, coalesce(g.public_attendance, 0)"
#define EVENT_FROM \
	" FROM event e LEFT JOIN grp g ON g.id = e.group_id" \
	" LEFT JOIN person op ON op.id = e.organizer_id" \
	" LEFT JOIN org oo ON oo.id = op.org_id "
#define EVENT_SELECT "SELECT " EVENT_COLS EVENT_FROM

#define TALK_COLS \
	"x.event_id, x.id, x.uid, x.title, x.status, a.uid, " \
	"x.start, x.\"end\", x.updated, " \
	PD_ST_PERSON_COLS("s", "so") ", " PD_ST_PERSON_COLS("v", "vo") \
	", x.status_by"
#define TALK_NCOLS (10 + 2 * PD_ST_PERSON_NCOLS)
#define TALK_SELECT "SELECT " TALK_COLS TALK_FROM
#define TALK_FROM \
	" FROM talk x JOIN person s ON s.id = x.speaker_id" \
	" LEFT JOIN org so ON so.id = s.org_id" \
	" LEFT JOIN person v ON v.id = x.via_id" \
	" LEFT JOIN org vo ON vo.id = v.org_id" \
	" LEFT JOIN talk a ON a.id = x.alternative_to "

/*
 * Which events a load covers.  The fragments are fixed SQL; the one
 * value (event, group, topic or person id) is bound as ?1; SC_IDS takes a
 * JSON array of event ids as text, expanded by json_each, so that a list
 * found by another query is loaded through the primary key.
 */
enum scope { SC_ALL, SC_ONE, SC_GROUP, SC_TOPIC, SC_PERSON, SC_UPCOMING,
	SC_IDS, SC_RANGE };

static const char *const event_where[] = {
	"",
	"WHERE e.id = ?1 ",
	"WHERE e.group_id = ?1 ",
	"WHERE e.id IN (SELECT event_id FROM event_topic "
	"WHERE topic_id = ?1) ",
	"WHERE e.id IN (SELECT event_id FROM attendance WHERE person_id = ?1 "
	"UNION SELECT event_id FROM talk WHERE speaker_id = ?1) ",
	"WHERE e.series_end_utc > ?1 ",
	"WHERE e.id IN (SELECT value FROM json_each(?1)) ",
	"WHERE e.id BETWEEN ?1 AND ?3 ",
};

static const char *const part_where[] = {
	"",
	"WHERE x.event_id = ?1 ",
	"WHERE x.event_id IN (SELECT id FROM event WHERE group_id = ?1) ",
	"WHERE x.event_id IN (SELECT event_id FROM event_topic "
	"WHERE topic_id = ?1) ",
	"WHERE x.event_id IN (SELECT event_id FROM attendance "
	"WHERE person_id = ?1 "
	"UNION SELECT event_id FROM talk WHERE speaker_id = ?1) ",
	"WHERE x.event_id IN (SELECT id FROM event "
	"WHERE series_end_utc > ?1) ",
	"WHERE x.event_id IN (SELECT value FROM json_each(?1)) ",
	"WHERE x.event_id BETWEEN ?1 AND ?3 ",
};

static int
oom(struct pd_store *st)
{
	return pd_error_set(&st->err, PD_ENOMEM, NULL, "out of memory");
}

/* ---- times ---- */

/*
 * The end of the last occurrence, for range queries only.  Endless rules
 * give INT64_MAX; rules with UNTIL or COUNT a value that may be late by
 * a day (UNTIL as a date, zone offsets), which only makes a range query
 * look at the series, never miss it.
 */
static int
series_end(const struct pd_event *ev, int64_t s, int64_t e, int64_t *out)
{
	struct icalrecurrencetype r;
	struct icaltimetype dt, last, nx;
	icalrecur_iterator *it;
	const char *p = ev->start;
	long v[5] = { 0, 0, 0, 0, 0 };
	char *end;
	int i, k;

	if (ev->rrule == NULL) {
		*out = e;
		return PD_OK;
	}
	r = icalrecurrencetype_from_string(ev->rrule);
	icalerror_clear_errno();
	if (r.freq == ICAL_NO_RECURRENCE)
		return PD_EINVAL;
	if (r.count == 0 && icaltime_is_null_time(r.until)) {
		*out = INT64_MAX;
		return PD_OK;
	}
	if (r.count == 0) {
		*out = (int64_t)icaltime_as_timet(r.until) + (e - s) + 2 * 86400;
		return PD_OK;
	}
	/* COUNT: walk the occurrences in floating time from the start. */
	for (i = 0; i < 5 && *p != '\0'; i++) {
		v[i] = strtol(p, &end, 10);
		if (end == p)
			break;
		p = *end != '\0' ? end + 1 : end;
	}
	dt = icaltime_null_time();
	dt.year = (int)v[0];
	dt.month = (int)v[1];
	dt.day = (int)v[2];
	dt.hour = (int)v[3];
	dt.minute = (int)v[4];
	dt.is_date = ev->all_day ? 1 : 0;
	if ((it = icalrecur_iterator_new(r, dt)) == NULL) {
		icalerror_clear_errno();
		*out = INT64_MAX;
		return PD_OK;
	}
	last = dt;
	for (k = 0; k < 100000; k++) {
		nx = icalrecur_iterator_next(it);
		if (icaltime_is_null_time(nx))
			break;
		last = nx;
	}
	icalrecur_iterator_free(it);
	if (k == 100000) {
		*out = INT64_MAX;
		return PD_OK;
	}
	*out = s + ((int64_t)icaltime_as_timet(last) -
	    (int64_t)icaltime_as_timet(dt)) + (e - s) + 86400;
	return PD_OK;
}

int
pd_st_event_times(struct pd_store *st, const struct pd_event *ev,
    int64_t *start_utc, int64_t *end_utc, int64_t *series)
{
	const char *tz = ev->tzid != NULL ? ev->tzid : PD_TZ_DEFAULT;
	int64_t s, e, x;

	if (pd_tz_to_utc(ev->start, tz, ev->all_day, &s) != PD_OK)
		return pd_error_set(&st->err, PD_EINVAL, "start",
		    "start: '%s' is not a valid time", ev->start);
	if (pd_tz_to_utc(ev->end, tz, ev->all_day, &e) != PD_OK)
		return pd_error_set(&st->err, PD_EINVAL, "end",
		    "end: '%s' is not a valid time", ev->end);
	if (series_end(ev, s, e, &x) != PD_OK)
		return pd_error_set(&st->err, PD_EINVAL, "rrule",
		    "rrule: '%s' is not a valid recurrence rule", ev->rrule);
	*start_utc = s;
	*end_utc = e;
	*series = x;
	return PD_OK;
}

/* ---- groups and topics (shared) ---- */

int
pd_st_group_ensure(struct pd_store *st, const char *slug, const char *name,
    int create, int64_t *id)
{
	sqlite3_stmt *stmt = NULL;
	char *s = NULL;
	int rc;

	s = slug != NULL ? strdup(slug) : pd_slug(name != NULL ? name : "");
	if (s == NULL)
		return oom(st);
	if (*s == '\0') {
		rc = pd_error_set(&st->err, PD_EINVAL, "group",
		    "group: '%s' has no letters or digits for a slug",
		    name != NULL ? name : "");
		goto out;
	}
	if ((rc = pd_st_prepare(st, "SELECT id FROM grp WHERE slug = ?1",
	    &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, s)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (rc == 1) {
		*id = sqlite3_column_int64(stmt, 0);
		rc = PD_OK;
		goto out;
	}
	pd_st_release(stmt);
	stmt = NULL;
	/* A slug alone names an existing group; only a name founds one. */
	if (!create || name == NULL) {
		rc = pd_error_set(&st->err, PD_ENOTFOUND, "group",
		    "group: no group '%s'", s);
		goto out;
	}
	if ((rc = pd_st_prepare(st, "INSERT INTO grp (slug, name, updated) "
	    "VALUES (?1, ?2, ?3)", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, s)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 2, name)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 3, st->now)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	*id = sqlite3_last_insert_rowid(st->db);
	rc = PD_OK;
out:
	pd_st_release(stmt);
	free(s);
	return rc;
}

int
pd_st_member_set(struct pd_store *st, int64_t group_id, int64_t person_id,
    enum pd_group_role role)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = pd_st_prepare(st, "INSERT INTO group_member (group_id, "
	    "person_id, role, updated) VALUES (?1, ?2, ?3, ?4) "
	    "ON CONFLICT (group_id, person_id) DO UPDATE SET "
	    "role = excluded.role, updated = excluded.updated "
	    "WHERE role IS NOT excluded.role", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, group_id)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 2, person_id)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 3,
	    pd_group_role_name(role))) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 4, st->now)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

static int
topic_ensure(struct pd_store *st, const char *name, const char *field,
    int64_t *id)
{
	sqlite3_stmt *stmt = NULL;
	char *slug;
	int rc;

	if ((slug = pd_slug(name)) == NULL)
		return oom(st);
	if (*slug == '\0') {
		rc = pd_error_set(&st->err, PD_EINVAL, field,
		    "%s: '%s' has no letters or digits for a slug", field,
		    name);
		goto out;
	}
	if ((rc = pd_st_prepare(st, "SELECT id FROM topic WHERE slug = ?1",
	    &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, slug)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (rc == 1) {
		*id = sqlite3_column_int64(stmt, 0);
		rc = PD_OK;
		goto out;
	}
	pd_st_release(stmt);
	stmt = NULL;
	if ((rc = pd_st_prepare(st, "INSERT INTO topic (slug, name) "
	    "VALUES (?1, ?2)", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, slug)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 2, name)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	*id = sqlite3_last_insert_rowid(st->db);
	rc = PD_OK;
out:
	pd_st_release(stmt);
	free(slug);
	return rc;
}

/* ---- writing events ---- */

/* Runs a statement that takes one id and returns nothing. */
static int
exec_id(struct pd_store *st, const char *sql, int64_t id)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = pd_st_prepare(st, sql, &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, id)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

/* A part changed: the event's LAST-MODIFIED moves, its SEQUENCE not. */
static int
touch_event(struct pd_store *st, int64_t event_id)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = pd_st_prepare(st, "UPDATE event SET updated = ?2 "
	    "WHERE id = ?1", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, event_id)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 2, st->now)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

static int
new_uid(struct pd_store *st, char **out)
{
	char u[37];
	int rc;

	if ((rc = pd_uuid_new(u)) != PD_OK)
		return pd_error_set(&st->err, rc, "uid",
		    "uid: no randomness for a new id");
	if ((*out = strdup(u)) == NULL)
		return oom(st);
	return PD_OK;
}

int
pd_st_alt_resolve(struct pd_store *st, const struct pd_st_alt *alt,
    size_t n)
{
	sqlite3_stmt *stmt = NULL;
	int64_t other;
	size_t i;
	int rc = PD_OK;

	for (i = 0; i < n; i++) {
		if ((rc = pd_st_prepare(st, "SELECT id FROM talk "
		    "WHERE uid = ?1", &stmt)) != PD_OK ||
		    (rc = pd_st_bind_text(st, stmt, 1, alt[i].uid)) != PD_OK ||
		    (rc = pd_st_step(st, stmt)) < 0)
			goto out;
		if (rc == 0 || sqlite3_column_int64(stmt, 0) == alt[i].talk_id) {
			rc = pd_error_set(&st->err, PD_EINVAL, "alternative_to",
			    rc == 0 ? "alternative_to: no talk with uid '%s'" :
			    "alternative_to: talk '%s' cannot be an "
			    "alternative to itself", alt[i].uid);
			goto out;
		}
		other = sqlite3_column_int64(stmt, 0);
		pd_st_release(stmt);
		stmt = NULL;
		if ((rc = pd_st_prepare(st, "UPDATE talk SET "
		    "alternative_to = ?2 WHERE id = ?1", &stmt)) != PD_OK ||
		    (rc = pd_st_bind_int64(st, stmt, 1,
		    alt[i].talk_id)) != PD_OK ||
		    (rc = pd_st_bind_int64(st, stmt, 2, other)) != PD_OK ||
		    (rc = pd_st_step(st, stmt)) < 0)
			goto out;
		pd_st_release(stmt);
		stmt = NULL;
	}
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

static int
write_row(struct pd_store *st, const struct pd_event *ev, int64_t event_id,
    int sequence, int64_t created, int64_t updated, int64_t group_id,
    int64_t organizer_id, int64_t *id)
{
	sqlite3_stmt *stmt = NULL;
	int64_t s = 0, e = 0, x = 0;
	int rc;

	if ((rc = pd_st_event_times(st, ev, &s, &e, &x)) != PD_OK)
		return rc;
	rc = pd_st_prepare(st, event_id == 0 ?
	    "INSERT INTO event (uid, title, description, location, url, "
	    "tzid, all_day, start, \"end\", start_utc, end_utc, "
	    "series_end_utc, status, sequence, rrule, group_id, "
	    "organizer_id, created, updated, public_attendance) VALUES (?2, "
	    "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
	    "?17, ?18, ?19, ?20, ?21)" :
	    "UPDATE event SET uid = ?2, title = ?3, description = ?4, "
	    "location = ?5, url = ?6, tzid = ?7, all_day = ?8, start = ?9, "
	    "\"end\" = ?10, start_utc = ?11, end_utc = ?12, "
	    "series_end_utc = ?13, status = ?14, sequence = ?15, "
	    "rrule = ?16, group_id = ?17, organizer_id = ?18, "
	    "created = ?19, updated = ?20, public_attendance = ?21 "
	    "WHERE id = ?1", &stmt);
	if (rc != PD_OK)
		goto out;
	if ((event_id != 0 &&
	    (rc = pd_st_bind_int64(st, stmt, 1, event_id)) != PD_OK) ||
	    (rc = pd_st_bind_text(st, stmt, 2, ev->uid)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 3, ev->title)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 4, ev->description)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 5, ev->location)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 6, ev->url)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 7, ev->tzid != NULL ? ev->tzid :
	    PD_TZ_DEFAULT)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 8, ev->all_day ? 1 : 0)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 9, ev->start)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 10, ev->end)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 11, s)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 12, e)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 13, x)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 14,
	    pd_event_status_name(ev->status))) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 15, sequence)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 16, ev->rrule)) != PD_OK ||
	    (group_id != 0 &&
	    (rc = pd_st_bind_int64(st, stmt, 17, group_id)) != PD_OK) ||
	    (organizer_id != 0 &&
	    (rc = pd_st_bind_int64(st, stmt, 18, organizer_id)) != PD_OK) ||
	    (rc = pd_st_bind_int64(st, stmt, 19, created)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 20, updated)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 21,
	    ev->public_attendance ? 1 : 0)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	*id = event_id != 0 ? event_id : sqlite3_last_insert_rowid(st->db);
	pd_st_release(stmt);
	stmt = NULL;
	if (ev->rrule == NULL) {
		if ((rc = pd_st_prepare(st, "UPDATE meta SET v = max(v, ?1) "
		    "WHERE k = 'max_duration'", &stmt)) != PD_OK ||
		    (rc = pd_st_bind_int64(st, stmt, 1, e - s)) != PD_OK ||
		    (rc = pd_st_step(st, stmt)) < 0)
			goto out;
	}
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

static int
write_topics_links(struct pd_store *st, const struct pd_event *ev,
    int64_t id)
{
	sqlite3_stmt *stmt = NULL;
	char field[48];
	int64_t tid = 0;
	size_t i;
	int rc = PD_OK;

	for (i = 0; i < ev->ntopics; i++) {
		snprintf(field, sizeof(field), "topics[%zu]", i);
		if ((rc = topic_ensure(st, ev->topics[i], field, &tid)) != PD_OK)
			goto out;
		/* The same topic twice is one topic. */
		if ((rc = pd_st_prepare(st, "INSERT OR IGNORE INTO event_topic "
		    "(event_id, topic_id, pos) VALUES (?1, ?2, ?3)",
		    &stmt)) != PD_OK ||
		    (rc = pd_st_bind_int64(st, stmt, 1, id)) != PD_OK ||
		    (rc = pd_st_bind_int64(st, stmt, 2, tid)) != PD_OK ||
		    (rc = pd_st_bind_int64(st, stmt, 3, (int64_t)i)) != PD_OK ||
		    (rc = pd_st_step(st, stmt)) < 0)
			goto out;
		pd_st_release(stmt);
		stmt = NULL;
	}
	for (i = 0; i < ev->nlinks; i++) {
		if ((rc = pd_st_prepare(st, "INSERT INTO event_link (event_id, "
		    "pos, url) VALUES (?1, ?2, ?3)", &stmt)) != PD_OK ||
		    (rc = pd_st_bind_int64(st, stmt, 1, id)) != PD_OK ||
		    (rc = pd_st_bind_int64(st, stmt, 2, (int64_t)i)) != PD_OK ||
		    (rc = pd_st_bind_text(st, stmt, 3, ev->links[i])) != PD_OK ||
		    (rc = pd_st_step(st, stmt)) < 0)
			goto out;
		pd_st_release(stmt);
		stmt = NULL;
	}
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

static int
insert_agenda(struct pd_store *st, int64_t event_id, int64_t pos,
    const struct pd_agenda_item *a, int64_t *id)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = pd_st_prepare(st, "INSERT INTO agenda_item (event_id, pos, "
	    "label, title, \"from\", \"to\") VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	    &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, event_id)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 2, pos)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 3,
	    a->label != NULL ? a->label : "")) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 4, a->title)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 5, a->from)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 6, a->to)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	*id = sqlite3_last_insert_rowid(st->db);
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

/*
 * Writes one talk: existing_id 0 inserts, else rewrites that row (and
 * moves it to event_id).  alternative_to is cleared; the caller sets it
 * once every talk it names exists.
 */
static int
write_talk(struct pd_store *st, int64_t existing_id, int64_t event_id,
    int64_t pos, const struct pd_talk *t, const char *uid,
    int64_t speaker_id, int64_t via_id, int64_t updated, int64_t *id)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	rc = pd_st_prepare(st, existing_id == 0 ?
	    "INSERT INTO talk (uid, event_id, pos, title, speaker_id, status, "
	    "via_id, start, \"end\", updated, status_by) VALUES (?2, ?3, ?4, "
	    "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)" :
	    "UPDATE talk SET uid = ?2, event_id = ?3, pos = ?4, title = ?5, "
	    "speaker_id = ?6, status_by = CASE WHEN status IS ?7 THEN "
	    "status_by ELSE ?12 END, status = ?7, via_id = ?8, start = ?9, "
	    "\"end\" = ?10, updated = ?11, alternative_to = NULL "
	    "WHERE id = ?1", &stmt);
	if (rc != PD_OK)
		goto out;
	if ((existing_id != 0 &&
	    (rc = pd_st_bind_int64(st, stmt, 1, existing_id)) != PD_OK) ||
	    (rc = pd_st_bind_text(st, stmt, 2, uid)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 3, event_id)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 4, pos)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 5, t->title)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 6, speaker_id)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 7,
	    pd_talk_status_name(t->status))) != PD_OK ||
	    (via_id != 0 &&
	    (rc = pd_st_bind_int64(st, stmt, 8, via_id)) != PD_OK) ||
	    (rc = pd_st_bind_text(st, stmt, 9, t->start)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 10, t->end)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 11, updated)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 12, pd_st_actor(st))) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	*id = existing_id != 0 ? existing_id :
	    sqlite3_last_insert_rowid(st->db);
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

/* The id of the talk with uid, 0 when there is none. */
static int
talk_by_uid(struct pd_store *st, const char *uid, int64_t *id)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	*id = 0;
	if ((rc = pd_st_prepare(st, "SELECT id FROM talk WHERE uid = ?1",
	    &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, uid)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (rc == 1)
		*id = sqlite3_column_int64(stmt, 0);
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

static int
insert_attendance(struct pd_store *st, int64_t event_id, int64_t person_id,
    enum pd_role role, enum pd_partstat status, const char *delegate,
    int64_t updated, int64_t *id)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = pd_st_prepare(st, "INSERT INTO attendance (event_id, "
	    "person_id, role, status, delegate, updated) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
	    "ON CONFLICT (event_id, person_id) DO UPDATE SET "
	    "role = excluded.role, status = excluded.status, "
	    "delegate = excluded.delegate, updated = excluded.updated "
	    "RETURNING id", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, event_id)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 2, person_id)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 3, pd_role_name(role))) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 4,
	    pd_partstat_name(status))) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 5, status == PD_PART_DELEGATED ?
	    delegate : NULL)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 6, updated)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (rc == 1)
		*id = sqlite3_column_int64(stmt, 0);
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

int
pd_st_event_write(struct pd_store *st, const struct pd_event *ev,
    int64_t event_id, int sequence, int64_t created, int64_t updated,
    unsigned flags, pd_st_resolve_fn resolve, void *ctx,
    struct pd_st_alt **alt, size_t *nalt, int64_t *id_out,
    struct pd_st_part_ids *ids)
{
	struct pd_st_alt *own_alt = NULL;
	size_t own_nalt = 0;
	struct pd_st_alt **altp = alt != NULL ? alt : &own_alt;
	size_t *naltp = alt != NULL ? nalt : &own_nalt;
	int import = (flags & PD_ST_W_IMPORT) != 0;
	int64_t id = 0, gid = 0, oid = 0, pid, vid, tid, rid;
	char field[64];
	char *uid = NULL;
	size_t i;
	int rc;

	if (ev->group_slug != NULL || ev->group_name != NULL) {
		if ((rc = pd_st_group_ensure(st, ev->group_slug, ev->group_name,
		    ev->group_name != NULL, &gid)) != PD_OK)
			goto out;
	}
	if ((rc = resolve(st, ctx, &ev->organizer, "organizer", 1,
	    &oid)) != PD_OK)
		goto out;
	if ((rc = write_row(st, ev, event_id, sequence, created, updated,
	    gid, oid, &id)) != PD_OK)
		goto out;
	if (event_id != 0) {
		/* Replace: parts go and come back; talks are kept by uid. */
		if ((rc = exec_id(st, "DELETE FROM event_topic "
		    "WHERE event_id = ?1", id)) != PD_OK ||
		    (rc = exec_id(st, "DELETE FROM event_link "
		    "WHERE event_id = ?1", id)) != PD_OK ||
		    (rc = exec_id(st, "DELETE FROM agenda_item "
		    "WHERE event_id = ?1", id)) != PD_OK ||
		    (rc = exec_id(st, "DELETE FROM attendance "
		    "WHERE event_id = ?1", id)) != PD_OK ||
		    (rc = exec_id(st, "UPDATE talk SET pos = -1 "
		    "WHERE event_id = ?1", id)) != PD_OK)
			goto out;
	}
	if ((rc = write_topics_links(st, ev, id)) != PD_OK)
		goto out;
	for (i = 0; i < ev->nagenda; i++) {
		if ((rc = insert_agenda(st, id, (int64_t)i, &ev->agenda[i],
		    &rid)) != PD_OK)
			goto out;
		if (ids != NULL && ids->agenda != NULL)
			ids->agenda[i] = rid;
	}
	for (i = 0; i < ev->ntalks; i++) {
		const struct pd_talk *t = &ev->talks[i];

		snprintf(field, sizeof(field), "talks[%zu].speaker", i);
		if ((rc = resolve(st, ctx, &t->speaker, field, 0,
		    &pid)) != PD_OK)
			goto out;
		snprintf(field, sizeof(field), "talks[%zu].via", i);
		if ((rc = resolve(st, ctx, &t->via, field, 1, &vid)) != PD_OK)
			goto out;
		tid = 0;
		if (t->uid == NULL) {
			if ((rc = new_uid(st, &uid)) != PD_OK)
				goto out;
		} else if ((rc = talk_by_uid(st, t->uid, &tid)) != PD_OK) {
			goto out;
		}
		if (tid != 0 && !import) {
			rc = pd_error_set(&st->err, PD_EEXIST, "uid",
			    "uid: a talk with uid '%s' exists already", t->uid);
			goto out;
		}
		if ((rc = write_talk(st, tid, id, (int64_t)i, t,
		    uid != NULL ? uid : t->uid, pid, vid,
		    import && t->updated != 0 ? t->updated : updated,
		    &rid)) != PD_OK)
			goto out;
		if (ids != NULL && ids->talks != NULL)
			ids->talks[i] = rid;
		if (ids != NULL && ids->talk_uids != NULL)
			ids->talk_uids[i] = uid;
		else
			free(uid);
		uid = NULL;
		if (t->alternative_to != NULL) {
			if (pd_st_grow(altp, *naltp, sizeof(**altp)) != PD_OK) {
				rc = oom(st);
				goto out;
			}
			(*altp)[*naltp].talk_id = rid;
			(*altp)[*naltp].uid = t->alternative_to;
			(*naltp)++;
		}
	}
	if (event_id != 0 && (rc = exec_id(st, "DELETE FROM talk "
	    "WHERE event_id = ?1 AND pos = -1", id)) != PD_OK)
		goto out;
	for (i = 0; i < ev->nattendances; i++) {
		const struct pd_attendance *a = &ev->attendances[i];

		snprintf(field, sizeof(field), "attendances[%zu].person", i);
		if ((rc = resolve(st, ctx, &a->person, field, 0,
		    &pid)) != PD_OK)
			goto out;
		if (pid == 0)	/* a forgotten person's, left out (import) */
			continue;
		rid = 0;
		if ((rc = insert_attendance(st, id, pid, a->role, a->status,
		    a->delegate, import && a->updated != 0 ? a->updated :
		    updated, &rid)) != PD_OK)
			goto out;
		if (ids != NULL && ids->attendances != NULL)
			ids->attendances[i] = rid;
	}
	if (alt == NULL && (rc = pd_st_alt_resolve(st, own_alt,
	    own_nalt)) != PD_OK)
		goto out;
	*id_out = id;
	rc = PD_OK;
out:
	free(uid);
	free(own_alt);
	return rc;
}

/* People by id, as the CLI and the API hand them over. */
static int
resolve_by_id(struct pd_store *st, void *ctx, const struct pd_person *p,
    const char *field, int optional, int64_t *id)
{
	int rc;

	(void)ctx;
	if (p->id == 0 && optional) {
		*id = 0;
		return PD_OK;
	}
	if ((rc = pd_st_person_exists(st, p->id, field)) != PD_OK)
		return rc;
	*id = p->id;
	return PD_OK;
}

int
pd_store_event_add(struct pd_store *st, struct pd_event *ev)
{
	struct pd_st_part_ids ids = { NULL, NULL, NULL, NULL };
	char *uid = NULL;
	int64_t id = 0, s = 0, e = 0, x = 0;
	size_t i;
	int rc;

	pd_error_clear(&st->err);
	if ((rc = pd_event_validate(ev, &st->err)) != PD_OK)
		return rc;
	if (ev->uid == NULL && (rc = new_uid(st, &uid)) != PD_OK)
		return rc;
	if ((ids.agenda = calloc(ev->nagenda + 1, sizeof(int64_t))) == NULL ||
	    (ids.talks = calloc(ev->ntalks + 1, sizeof(int64_t))) == NULL ||
	    (ids.talk_uids = calloc(ev->ntalks + 1, sizeof(char *))) == NULL ||
	    (ids.attendances = calloc(ev->nattendances + 1,
	    sizeof(int64_t))) == NULL) {
		rc = oom(st);
		goto out;
	}
	if ((rc = pd_st_begin(st)) != PD_OK)
		goto out;
	if (uid != NULL)
		ev->uid = uid;	/* borrowed for the write, undone below */
	rc = pd_st_event_write(st, ev, 0, ev->sequence > 0 ? ev->sequence : 0,
	    st->now, st->now, 0, resolve_by_id, NULL, NULL, NULL, &id, &ids);
	if (rc == PD_OK)
		rc = pd_st_event_times(st, ev, &s, &e, &x);
	if (uid != NULL)
		ev->uid = NULL;
	if ((rc = pd_st_end(st, rc)) != PD_OK)
		goto out;
	/* Committed: now the caller's struct may learn the new ids. */
	ev->id = id;
	if (uid != NULL) {
		ev->uid = uid;
		uid = NULL;
	}
	ev->start_utc = s;
	ev->end_utc = e;
	ev->created = st->now;
	ev->updated = st->now;
	for (i = 0; i < ev->nagenda; i++)
		ev->agenda[i].id = ids.agenda[i];
	for (i = 0; i < ev->ntalks; i++) {
		ev->talks[i].id = ids.talks[i];
		if (ids.talk_uids[i] != NULL) {
			ev->talks[i].uid = ids.talk_uids[i];
			ids.talk_uids[i] = NULL;
		}
	}
	for (i = 0; i < ev->nattendances; i++)
		ev->attendances[i].id = ids.attendances[i];
out:
	if (ids.talk_uids != NULL) {
		for (i = 0; i < ev->ntalks; i++)
			free(ids.talk_uids[i]);
	}
	free(ids.agenda);
	free(ids.talks);
	free(ids.talk_uids);
	free(ids.attendances);
	free(uid);
	return rc;
}

/* ---- reading events ---- */

struct evidx {
	int64_t id;
	size_t i;
};

/* Events being loaded, with an index by id for merging parts in. */
struct evset {
	struct pd_event *ev;
	size_t n;
	struct evidx *idx;
	size_t last;		/* the event the previous part row went to */
	int64_t since;		/* nonzero: only series ending at or after */
	int64_t hi;		/* SC_RANGE: the last id (?3) */
	struct pd_person *people;	/* those attendances name, by id */
	size_t npeople;
	int share;		/* attendances borrow people's strings */
};

static void
evset_free(struct evset *set)
{
	size_t i;

	pd_event_list_free(set->ev, set->n);
	free(set->idx);
	for (i = 0; i < set->npeople; i++)
		pd_person_clear(&set->people[i]);
	free(set->people);
	memset(set, 0, sizeof(*set));
}

static int
cmp_evidx(const void *a, const void *b)
{
	const struct evidx *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static struct pd_event *
evset_find(struct evset *set, int64_t id)
{
	struct evidx key, *hit;

	/* Part rows come ordered by event id: mostly the same as before. */
	if (set->last < set->n && set->idx[set->last].id == id)
		return &set->ev[set->idx[set->last].i];
	key.id = id;
	hit = bsearch(&key, set->idx, set->n, sizeof(*set->idx), cmp_evidx);
	if (hit == NULL)
		return NULL;
	set->last = (size_t)(hit - set->idx);
	return &set->ev[hit->i];
}

static int
read_event(sqlite3_stmt *stmt, struct pd_event *ev)
{
	int rc;

	memset(ev, 0, sizeof(*ev));
	ev->id = sqlite3_column_int64(stmt, 0);
	ev->all_day = sqlite3_column_int(stmt, 7);
	ev->start_utc = sqlite3_column_int64(stmt, 10);
	ev->end_utc = sqlite3_column_int64(stmt, 11);
	ev->sequence = sqlite3_column_int(stmt, 13);
	ev->created = sqlite3_column_int64(stmt, 17);
	ev->updated = sqlite3_column_int64(stmt, 18);
	ev->series_end_utc = sqlite3_column_int64(stmt,
	    19 + PD_ST_PERSON_NCOLS);
	ev->public_attendance = sqlite3_column_int(stmt,
	    20 + PD_ST_PERSON_NCOLS);
	ev->group_public_attendance = sqlite3_column_int(stmt,
	    21 + PD_ST_PERSON_NCOLS);
	if ((rc = pd_st_col_str(stmt, 1, &ev->uid)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 2, &ev->title)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 3, &ev->description)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 4, &ev->location)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 5, &ev->url)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 6, &ev->tzid)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 8, &ev->start)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 9, &ev->end)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 14, &ev->rrule)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 15, &ev->group_slug)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 16, &ev->group_name)) != PD_OK ||
	    (rc = pd_st_row_person(stmt, 19, &ev->organizer)) != PD_OK)
		goto out;
	if (pd_event_status_parse((const char *)sqlite3_column_text(stmt, 12),
	    &ev->status) != PD_OK) {
		rc = PD_EDB;
		goto out;
	}
	return PD_OK;
out:
	pd_event_clear(ev);
	return rc;
}

/* Maps a row reader's failure to a message on the handle. */
static int
row_err(struct pd_store *st, int rc)
{
	if (rc == PD_ENOMEM)
		return oom(st);
	return pd_error_set(&st->err, PD_EDB, NULL,
	    "database: a stored value is not one podium knows");
}

/* Binds the scope's value: ids (SC_IDS) as text, else arg. */
static int
bind_scope(struct pd_store *st, sqlite3_stmt *stmt, int64_t arg,
    const char *ids)
{
	if (sqlite3_bind_parameter_count(stmt) == 0)
		return PD_OK;
	if (ids != NULL)
		return pd_st_bind_text(st, stmt, 1, ids);
	return pd_st_bind_int64(st, stmt, 1, arg);
}

/* Prepares head + where + tail (all fixed SQL text). */
static int
prepare3(struct pd_store *st, const char *head, const char *where,
    const char *tail, sqlite3_stmt **out)
{
	struct pd_buf sql = PD_BUF_INIT;
	int rc;

	pd_buf_adds(&sql, head);
	pd_buf_adds(&sql, where);
	pd_buf_adds(&sql, tail);
	if (pd_buf_failed(&sql))
		rc = oom(st);
	else
		rc = pd_st_prepare(st, sql.data, out);
	pd_buf_free(&sql);
	return rc;
}

/*
 * The scope's WHERE with "the series ends at since or later" added as ?2
 * when since is nonzero (a feed's history window, [feeds] history).
 */
static int
prepare_since(struct pd_store *st, const char *head, enum scope sc,
    int64_t since, const char *tail, sqlite3_stmt **out)
{
	struct pd_buf w = PD_BUF_INIT;
	int rc;

	pd_buf_adds(&w, event_where[sc]);
	if (since != 0)
		pd_buf_adds(&w, *event_where[sc] == '\0' ?
		    "WHERE e.series_end_utc >= ?2 " :
		    "AND e.series_end_utc >= ?2 ");
	if (pd_buf_failed(&w))
		return oom(st);
	rc = prepare3(st, head, w.data, tail, out);
	pd_buf_free(&w);
	return rc;
}

static int
load_events(struct pd_store *st, enum scope sc, int64_t arg, const char *ids,
    struct evset *set)
{
	sqlite3_stmt *stmt = NULL;
	size_t i;
	int rc;

	if ((rc = prepare_since(st, EVENT_SELECT, sc, set->since,
	    "ORDER BY e.start_utc, e.uid", &stmt)) != PD_OK ||
	    (rc = bind_scope(st, stmt, arg, ids)) != PD_OK ||
	    (set->since != 0 && (rc = pd_st_bind_int64(st, stmt, 2,
	    set->since)) != PD_OK) ||
	    (sc == SC_RANGE && (rc = pd_st_bind_int64(st, stmt, 3,
	    set->hi)) != PD_OK))
		goto out;
	while ((rc = pd_st_step(st, stmt)) == 1) {
		if (pd_st_grow(&set->ev, set->n, sizeof(*set->ev)) != PD_OK) {
			rc = oom(st);
			goto out;
		}
		if ((rc = read_event(stmt, &set->ev[set->n])) != PD_OK) {
			rc = row_err(st, rc);
			goto out;
		}
		set->n++;
	}
	if (rc < 0)
		goto out;
	if ((set->idx = calloc(set->n + 1, sizeof(*set->idx))) == NULL) {
		rc = oom(st);
		goto out;
	}
	for (i = 0; i < set->n; i++) {
		set->idx[i].id = set->ev[i].id;
		set->idx[i].i = i;
	}
	qsort(set->idx, set->n, sizeof(*set->idx), cmp_evidx);
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

static int
add_str(char ***v, size_t *n, sqlite3_stmt *stmt, int col)
{
	int rc;

	if ((rc = pd_st_grow(v, *n, sizeof(**v))) != PD_OK ||
	    (rc = pd_st_col_str(stmt, col, &(*v)[*n])) != PD_OK)
		return rc;
	if ((*v)[*n] == NULL)
		return PD_EDB;
	(*n)++;
	return PD_OK;
}

static int
cmp_person(const void *a, const void *b)
{
	const struct pd_person *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int
topic_row(const struct evset *set, sqlite3_stmt *stmt,
    struct pd_event *ev)
{
	(void)set;
	return add_str(&ev->topics, &ev->ntopics, stmt, 1);
}

static int
link_row(const struct evset *set, sqlite3_stmt *stmt,
    struct pd_event *ev)
{
	(void)set;
	return add_str(&ev->links, &ev->nlinks, stmt, 1);
}

static int
agenda_row(const struct evset *set, sqlite3_stmt *stmt,
    struct pd_event *ev)
{
	struct pd_agenda_item *a;
	int rc;

	(void)set;
	if ((rc = pd_st_grow(&ev->agenda, ev->nagenda,
	    sizeof(*ev->agenda))) != PD_OK)
		return rc;
	a = &ev->agenda[ev->nagenda];
	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(stmt, 1);
	if ((rc = pd_st_col_str(stmt, 2, &a->label)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 3, &a->title)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 4, &a->from)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 5, &a->to)) != PD_OK) {
		pd_agenda_item_clear(a);
		return rc;
	}
	ev->nagenda++;
	return PD_OK;
}

/* Reads a TALK_SELECT row (column 0 is the event id). */
static int
read_talk(sqlite3_stmt *stmt, struct pd_talk *t)
{
	int rc;

	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(stmt, 1);
	t->updated = sqlite3_column_int64(stmt, 8);
	if ((rc = pd_st_col_str(stmt, 2, &t->uid)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 3, &t->title)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 5, &t->alternative_to)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 6, &t->start)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 7, &t->end)) != PD_OK ||
	    (rc = pd_st_row_person(stmt, 9, &t->speaker)) != PD_OK ||
	    (rc = pd_st_row_person(stmt, 9 + PD_ST_PERSON_NCOLS,
	    &t->via)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 9 + 2 * PD_ST_PERSON_NCOLS,
	    &t->status_by)) != PD_OK)
		goto out;
	if (pd_talk_status_parse((const char *)sqlite3_column_text(stmt, 4),
	    &t->status) != PD_OK) {
		rc = PD_EDB;
		goto out;
	}
	return PD_OK;
out:
	pd_talk_clear(t);
	return rc;
}

static int
talk_row(const struct evset *set, sqlite3_stmt *stmt,
    struct pd_event *ev)
{
	int rc;

	(void)set;
	if ((rc = pd_st_grow(&ev->talks, ev->ntalks,
	    sizeof(*ev->talks))) != PD_OK ||
	    (rc = read_talk(stmt, &ev->talks[ev->ntalks])) != PD_OK)
		return rc;
	ev->ntalks++;
	return PD_OK;
}

static int
attendance_row(const struct evset *set, sqlite3_stmt *stmt,
    struct pd_event *ev)
{
	struct pd_attendance *a;
	int rc;

	(void)set;
	if ((rc = pd_st_grow(&ev->attendances, ev->nattendances,
	    sizeof(*ev->attendances))) != PD_OK)
		return rc;
	a = &ev->attendances[ev->nattendances];
	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(stmt, 1);
	a->updated = sqlite3_column_int64(stmt, 5);
	/* Only the id: attach_people() fills the person in. */
	a->person.id = sqlite3_column_int64(stmt, 6);
	if ((rc = pd_st_col_str(stmt, 4, &a->delegate)) != PD_OK)
		goto out;
	if (pd_role_parse((const char *)sqlite3_column_text(stmt, 2),
	    &a->role) != PD_OK ||
	    pd_partstat_parse((const char *)sqlite3_column_text(stmt, 3),
	    &a->status) != PD_OK) {
		rc = PD_EDB;
		goto out;
	}
	ev->nattendances++;
	return PD_OK;
out:
	pd_attendance_clear(a);
	return rc;
}

struct part {
	const char *head;	/* SELECT x.event_id, ... FROM table x ... */
	const char *order;
	int (*row)(const struct evset *set, sqlite3_stmt *stmt,
	    struct pd_event *ev);
};

static const struct part parts[] = {
	{ "SELECT x.event_id, t.name FROM event_topic x "
	  "JOIN topic t ON t.id = x.topic_id ",
	  "ORDER BY x.event_id, x.pos", topic_row },
	{ "SELECT x.event_id, x.url FROM event_link x ",
	  "ORDER BY x.event_id, x.pos", link_row },
	{ "SELECT x.event_id, x.id, x.label, x.title, x.\"from\", x.\"to\" "
	  "FROM agenda_item x ",
	  "ORDER BY x.event_id, x.pos, x.id", agenda_row },
	{ TALK_SELECT, "ORDER BY x.event_id, x.pos, x.id", talk_row },
	/*
	 * Their people come from the load's people (attach_people()).  In
	 * the index's order, then sorted by id per event (sort_attendances):
	 * SQLite sorting every row was a twentieth of an export.
	 */
	{ "SELECT x.event_id, x.id, x.role, x.status, x.delegate, x.updated, "
	  "x.person_id FROM attendance x ",
	  "ORDER BY x.event_id", attendance_row },
};

/* ids as a JSON array, "[1,2,3]", for json_each(). */
static int
ids_json(struct pd_store *st, const int64_t *ids, size_t n,
    struct pd_buf *js)
{
	size_t i;

	pd_buf_adds(js, "[");
	for (i = 0; i < n; i++)
		pd_buf_addf(js, "%s%lld", i > 0 ? "," : "", (long long)ids[i]);
	pd_buf_adds(js, "]");
	if (pd_buf_failed(js)) {
		pd_buf_free(js);
		return oom(st);
	}
	return PD_OK;
}

static int
cmp_id(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/*
 * The people the load's attendances name, once each, sorted by id, read
 * by the distinct ids the attendance rows gave: a person attends
 * hundreds of events, and joining them to every attendance row was a
 * fifth of loading a programme, and letting SQLite find the distinct ids
 * a twentieth of an export.
 */
static int
load_people(struct pd_store *st, struct evset *set)
{
	struct pd_buf js = PD_BUF_INIT;
	sqlite3_stmt *stmt = NULL;
	unsigned char *bits;
	int64_t *ids = NULL, max = 0, v;
	size_t n = 0, u = 0, i, k;
	int rc;

	for (i = 0; i < set->n; i++)
		n += set->ev[i].nattendances;
	if (n == 0)
		return PD_OK;
	if ((ids = malloc(n * sizeof(*ids))) == NULL)
		return oom(st);
	for (i = 0, n = 0; i < set->n; i++)
		for (k = 0; k < set->ev[i].nattendances; k++) {
			ids[n] = set->ev[i].attendances[k].person.id;
			if (ids[n] > max)
				max = ids[n];
			n++;
		}
	/*
	 * Ids are small integers: a bitmap finds the distinct ones in one
	 * pass (sorting the batch's 6,000 was 2 % of an export), while its
	 * scan is not much longer than the list (a few people, high ids).
	 */
	if (max > 0 && max <= 16 * (int64_t)n &&
	    (bits = calloc((size_t)max / 8 + 1, 1)) != NULL) {
		for (i = 0; i < n; i++)
			if (ids[i] > 0)
				bits[ids[i] / 8] |= (unsigned char)(1u <<
				    (ids[i] % 8));
		for (v = 1; v <= max; v++)
			if (bits[v / 8] & (1u << (v % 8)))
				ids[u++] = v;
		free(bits);
	} else {
		qsort(ids, n, sizeof(*ids), cmp_id);
		for (i = 0; i < n; i++)
			if (u == 0 || ids[u - 1] != ids[i])
				ids[u++] = ids[i];
	}
	if ((rc = ids_json(st, ids, u, &js)) != PD_OK ||
	    (rc = pd_st_prepare(st, "SELECT " PD_ST_PERSON_COLS("p", "o")
	    " FROM person p LEFT JOIN org o ON o.id = p.org_id "
	    "WHERE p.id IN (SELECT value FROM json_each(?1)) ORDER BY p.id",
	    &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, js.data)) != PD_OK)
		goto out;
	while ((rc = pd_st_step(st, stmt)) == 1) {
		if (pd_st_grow(&set->people, set->npeople,
		    sizeof(*set->people)) != PD_OK) {
			rc = oom(st);
			goto out;
		}
		if ((rc = pd_st_row_person(stmt, 0,
		    &set->people[set->npeople])) != PD_OK) {
			rc = row_err(st, rc);
			goto out;
		}
		set->npeople++;
	}
	if (rc < 0)
		goto out;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	pd_buf_free(&js);
	free(ids);
	return rc;
}

/*
 * Gives each attendance its person (shared or copied, set->share); an
 * attendance whose person is gone is left out, as a join would.
 */
static int
attach_people(struct pd_store *st, struct evset *set)
{
	const struct pd_person *who;
	struct pd_attendance *a;
	size_t i, k, m;
	int rc;

	if ((rc = load_people(st, set)) != PD_OK)
		return rc;
	for (i = 0; i < set->n; i++) {
		a = set->ev[i].attendances;
		for (k = 0, m = 0; k < set->ev[i].nattendances; k++) {
			who = bsearch(&a[k].person, set->people, set->npeople,
			    sizeof(*set->people), cmp_person);
			if (who == NULL) {
				pd_attendance_clear(&a[k]);
				continue;
			}
			if (m != k) {
				a[m] = a[k];
				memset(&a[k], 0, sizeof(a[k]));
			}
			/* pd_event_batch_free unlinks a shared one. */
			if (set->share)
				a[m].person = *who;
			else if (pd_person_copy(&a[m].person, who) != PD_OK)
				return oom(st);	/* the rest is freed as is */
			m++;
		}
		set->ev[i].nattendances = m;
	}
	return PD_OK;
}

/*
 * Each event's attendances in id order, as they were added.  An insertion
 * sort: a dozen each, mostly in order already, where qsort() was a third
 * of what the sort saved.
 */
static void
sort_attendances(struct evset *set)
{
	struct pd_attendance *a, t;
	size_t i, k, j;

	for (i = 0; i < set->n; i++) {
		a = set->ev[i].attendances;
		for (k = 1; k < set->ev[i].nattendances; k++) {
			if (a[k - 1].id <= a[k].id)
				continue;
			t = a[k];
			for (j = k; j > 0 && a[j - 1].id > t.id; j--)
				a[j] = a[j - 1];
			a[j] = t;
		}
	}
}

static int
load_parts(struct pd_store *st, enum scope sc, int64_t arg, const char *ids,
    struct evset *set)
{
	sqlite3_stmt *stmt = NULL;
	struct pd_event *ev;
	size_t i;
	int rc = PD_OK;

	if (set->n == 0)
		return PD_OK;
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if ((rc = prepare3(st, parts[i].head, part_where[sc],
		    parts[i].order, &stmt)) != PD_OK ||
		    (rc = bind_scope(st, stmt, arg, ids)) != PD_OK ||
		    (sc == SC_RANGE && (rc = pd_st_bind_int64(st, stmt, 3,
		    set->hi)) != PD_OK))
			goto out;
		set->last = 0;
		while ((rc = pd_st_step(st, stmt)) == 1) {
			ev = evset_find(set, sqlite3_column_int64(stmt, 0));
			if (ev == NULL)
				continue;
			if ((rc = parts[i].row(set, stmt, ev)) != PD_OK) {
				rc = row_err(st, rc);
				goto out;
			}
		}
		if (rc < 0)
			goto out;
		pd_st_release(stmt);
		stmt = NULL;
	}
	if ((rc = attach_people(st, set)) != PD_OK)
		goto out;
	sort_attendances(set);
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

void
pd_event_free(struct pd_event *ev)
{
	if (ev == NULL)
		return;
	pd_event_clear(ev);
	free(ev);
}

void
pd_event_list_free(struct pd_event *list, size_t n)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < n; i++)
		pd_event_clear(&list[i]);
	free(list);
}

/* The id of the event a user names by id or UID. */
static int
event_key(struct pd_store *st, const char *key, int64_t *id)
{
	int64_t v = 0;
	int found = 0, rc;
	sqlite3_stmt *stmt = NULL;

	if (key == NULL || *key == '\0')
		return pd_error_set(&st->err, PD_EINVAL, "event",
		    "event: no id or UID given");
	if (pd_st_parse_id(key, &v)) {
		if ((rc = pd_st_query_int(st, "SELECT id FROM event "
		    "WHERE id = ?1", v, &v, &found)) != PD_OK)
			return rc;
		if (found) {
			*id = v;
			return PD_OK;
		}
	}
	if ((rc = pd_st_prepare(st, "SELECT id FROM event WHERE uid = ?1",
	    &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, key)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (rc == 0) {
		rc = pd_error_set(&st->err, PD_ENOTFOUND, "event",
		    "event: no event with id or UID '%s'", key);
		goto out;
	}
	*id = sqlite3_column_int64(stmt, 0);
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

/* Loads one event by id; parts only when asked.  PD_ENOTFOUND else. */
static int
event_load(struct pd_store *st, int64_t id, int with_parts,
    struct pd_event **out)
{
	struct evset set = { NULL, 0, NULL, 0, 0, 0, NULL, 0, 0 };
	struct pd_event *ev = NULL;
	int rc;

	if ((rc = load_events(st, SC_ONE, id, NULL, &set)) != PD_OK)
		goto out;
	if (set.n == 0) {
		rc = pd_error_set(&st->err, PD_ENOTFOUND, "event",
		    "event: no event with id or UID '%lld'", (long long)id);
		goto out;
	}
	if (with_parts && (rc = load_parts(st, SC_ONE, id, NULL, &set)) != PD_OK)
		goto out;
	if ((ev = malloc(sizeof(*ev))) == NULL) {
		rc = oom(st);
		goto out;
	}
	*ev = set.ev[0];
	set.n = 0;
	*out = ev;
	rc = PD_OK;
out:
	evset_free(&set);
	return rc;
}

int
pd_store_event_get(struct pd_store *st, const char *key,
    struct pd_event **out)
{
	int64_t id = 0;
	int rc;

	pd_error_clear(&st->err);
	if ((rc = event_key(st, key, &id)) != PD_OK)
		return rc;
	return event_load(st, id, 1, out);
}

/* pd_store_event_list, the first limit of them (-1: all). */
static int
event_range(struct pd_store *st, int64_t from, int64_t to, int limit,
    struct pd_event **out, size_t *n)
{
	sqlite3_stmt *stmt = NULL;
	struct pd_event *list = NULL;
	int64_t maxdur = 0, lo;
	size_t len = 0;
	int found = 0, rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_query_int(st, "SELECT v FROM meta "
	    "WHERE k = 'max_duration'", 0, &maxdur, &found)) != PD_OK)
		goto out;
	/*
	 * Single events overlap [from, to) only if they start after
	 * from - the longest duration, which bounds the index scan on
	 * start_utc from both sides; recurring ones are few and have their
	 * own partial index, named because without statistics the planner
	 * would rather scan the whole table.
	 */
	lo = from > INT64_MIN + maxdur ? from - maxdur : INT64_MIN;
	if ((rc = pd_st_prepare(st,
	    "SELECT " EVENT_COLS EVENT_FROM
	    "WHERE e.rrule IS NULL AND e.start_utc >= ?1 "
	    "AND e.start_utc < ?2 AND (e.end_utc > ?3 OR e.start_utc >= ?3) "
	    "UNION ALL "
	    "SELECT " EVENT_COLS
	    " FROM event e INDEXED BY event_recurring"
	    " LEFT JOIN grp g ON g.id = e.group_id"
	    " LEFT JOIN person op ON op.id = e.organizer_id"
	    " LEFT JOIN org oo ON oo.id = op.org_id "
	    "WHERE e.rrule IS NOT NULL AND e.start_utc < ?2 "
	    "AND e.series_end_utc > ?3 "
	    "ORDER BY 11, 2 LIMIT ?4", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, lo)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 2, to)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 3, from)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 4, limit)) != PD_OK)
		goto out;
	while ((rc = pd_st_step(st, stmt)) == 1) {
		if (pd_st_grow(&list, len, sizeof(*list)) != PD_OK) {
			rc = oom(st);
			goto out;
		}
		if ((rc = read_event(stmt, &list[len])) != PD_OK) {
			rc = row_err(st, rc);
			goto out;
		}
		len++;
	}
	if (rc < 0)
		goto out;
	*out = list;
	*n = len;
	list = NULL;
	len = 0;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	pd_event_list_free(list, len);
	return rc;
}

int
pd_store_event_list(struct pd_store *st, int64_t from, int64_t to,
    struct pd_event **out, size_t *n)
{
	return event_range(st, from, to, -1, out, n);
}

int
pd_store_event_list_first(struct pd_store *st, int64_t from, int64_t to,
    int limit, struct pd_event **out, size_t *n)
{
	return event_range(st, from, to, limit < 0 ? 0 : limit, out, n);
}

/* ---- changing events ---- */

static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Writes the time fields of ev (already loaded and changed). */
static int
write_times(struct pd_store *st, const struct pd_event *ev, int sequence)
{
	sqlite3_stmt *stmt = NULL;
	int64_t s, e, x;
	int rc;

	if ((rc = pd_st_event_times(st, ev, &s, &e, &x)) != PD_OK)
		return rc;
	if ((rc = pd_st_prepare(st, "UPDATE event SET start = ?2, "
	    "\"end\" = ?3, start_utc = ?4, end_utc = ?5, series_end_utc = ?6, "
	    "sequence = ?7, updated = ?8 WHERE id = ?1", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, ev->id)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 2, ev->start)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 3, ev->end)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 4, s)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 5, e)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 6, x)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 7, sequence)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 8, st->now)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	pd_st_release(stmt);
	stmt = NULL;
	if (ev->rrule == NULL &&
	    ((rc = pd_st_prepare(st, "UPDATE meta SET v = max(v, ?1) "
	    "WHERE k = 'max_duration'", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, e - s)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0))
		goto out;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

/* Replaces *slot with a copy of s. */
static int
set_str(struct pd_store *st, char **slot, const char *s)
{
	char *c;

	if ((c = strdup(s)) == NULL)
		return oom(st);
	free(*slot);
	*slot = c;
	return PD_OK;
}

/*
 * The end that keeps the old duration: whole days for all-day events
 * (so that a DST change in between does not cut an hour off), seconds
 * otherwise.
 */
static int
keep_duration(struct pd_store *st, const struct pd_event *old,
    const char *start, char out[17])
{
	int64_t s, d;

	if (old->all_day) {
		d = (old->end_utc - old->start_utc + 43200) / 86400;
		if (pd_tz_to_utc(start, "UTC", 1, &s) != PD_OK ||
		    pd_tz_from_utc(s + d * 86400, "UTC", out) != PD_OK)
			return pd_error_set(&st->err, PD_EINVAL, "start",
			    "start: '%s' is not a valid date", start);
		out[10] = '\0';
		return PD_OK;
	}
	if (pd_tz_to_utc(start, old->tzid, 0, &s) != PD_OK ||
	    pd_tz_from_utc(s + (old->end_utc - old->start_utc), old->tzid,
	    out) != PD_OK)
		return pd_error_set(&st->err, PD_EINVAL, "start",
		    "start: '%s' is not a valid time", start);
	return PD_OK;
}

int
pd_store_event_move(struct pd_store *st, int64_t id, const char *start,
    const char *end)
{
	struct pd_event *ev = NULL;
	char s[17], e[17];
	int changed, rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = event_load(st, id, 0, &ev)) != PD_OK)
		goto out;
	if (start == NULL || pd_tz_normalize(start, ev->all_day, s) != PD_OK) {
		rc = pd_error_set(&st->err, PD_EINVAL, "start",
		    "start: '%s' is not a valid time", start != NULL ? start :
		    "");
		goto out;
	}
	if (end != NULL && pd_tz_normalize(end, ev->all_day, e) != PD_OK) {
		rc = pd_error_set(&st->err, PD_EINVAL, "end",
		    "end: '%s' is not a valid time", end);
		goto out;
	}
	if (end == NULL && (rc = keep_duration(st, ev, s, e)) != PD_OK)
		goto out;
	changed = strcmp(s, ev->start) != 0 || strcmp(e, ev->end) != 0;
	if ((rc = set_str(st, &ev->start, s)) != PD_OK ||
	    (rc = set_str(st, &ev->end, e)) != PD_OK ||
	    (rc = pd_event_validate(ev, &st->err)) != PD_OK)
		goto out;
	rc = write_times(st, ev, ev->sequence + (changed ? 1 : 0));
out:
	pd_event_free(ev);
	return pd_st_end(st, rc);
}

int
pd_store_event_cancel(struct pd_store *st, int64_t id)
{
	struct pd_event *ev = NULL;
	sqlite3_stmt *stmt = NULL;
	int noop = 0, rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = event_load(st, id, 0, &ev)) != PD_OK)
		goto out;
	if (ev->status == PD_EVENT_CANCELLED) {
		/* Nothing changes, so nothing is written (no revision). */
		noop = 1;
		goto out;
	}
	if ((rc = pd_st_prepare(st, "UPDATE event SET status = 'cancelled', "
	    "sequence = sequence + 1, updated = ?2 WHERE id = ?1",
	    &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, id)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 2, st->now)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	pd_event_free(ev);
	if (noop) {
		pd_st_rollback(st);
		return PD_OK;
	}
	return pd_st_end(st, rc);
}

int
pd_store_event_update(struct pd_store *st, const struct pd_event *ev)
{
	struct pd_event *old = NULL;
	int64_t id = 0, oid = 0, gid = 0;
	const char *tz = ev->tzid != NULL ? ev->tzid : PD_TZ_DEFAULT;
	struct pd_event row;
	int changed, rc;

	pd_error_clear(&st->err);
	if ((rc = pd_event_validate(ev, &st->err)) != PD_OK)
		return rc;
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = event_load(st, ev->id, 0, &old)) != PD_OK)
		goto out;
	changed = !same(ev->start, old->start) || !same(ev->end, old->end) ||
	    !same(tz, old->tzid) || (ev->all_day != 0) != (old->all_day != 0) ||
	    !same(ev->rrule, old->rrule) || !same(ev->location,
	    old->location) || ev->status != old->status;
	if (ev->group_slug != NULL || ev->group_name != NULL) {
		if ((rc = pd_st_group_ensure(st, ev->group_slug, ev->group_name,
		    ev->group_name != NULL, &gid)) != PD_OK)
			goto out;
	}
	if ((rc = resolve_by_id(st, NULL, &ev->organizer, "organizer", 1,
	    &oid)) != PD_OK)
		goto out;
	/*
	 * The row, its topics and links are rewritten from ev; agenda, talks
	 * and attendances stay (they have their own calls).
	 */
	row = *ev;
	row.uid = old->uid;
	if ((rc = write_row(st, &row, ev->id, old->sequence + (changed ? 1 : 0),
	    old->created, st->now, gid, oid, &id)) != PD_OK ||
	    (rc = exec_id(st, "DELETE FROM event_topic WHERE event_id = ?1",
	    ev->id)) != PD_OK ||
	    (rc = exec_id(st, "DELETE FROM event_link WHERE event_id = ?1",
	    ev->id)) != PD_OK)
		goto out;
	rc = write_topics_links(st, ev, ev->id);
out:
	pd_event_free(old);
	return pd_st_end(st, rc);
}

int
pd_store_event_delete(struct pd_store *st, int64_t id)
{
	int rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = exec_id(st, "DELETE FROM event WHERE id = ?1",
	    id)) != PD_OK)
		goto out;
	if (sqlite3_changes(st->db) == 0)
		rc = pd_error_set(&st->err, PD_ENOTFOUND, "event",
		    "event: no event with id or UID '%lld'", (long long)id);
out:
	return pd_st_end(st, rc);
}

/* ---- parts ---- */

int
pd_store_agenda_add(struct pd_store *st, int64_t event_id,
    struct pd_agenda_item *it)
{
	struct pd_event *ev = NULL;
	int64_t pos = 0, id = 0;
	int found = 0, rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = event_load(st, event_id, 0, &ev)) != PD_OK)
		goto out;
	/* The model's check of agenda items, on the event with this one. */
	ev->agenda = it;
	ev->nagenda = 1;
	rc = pd_event_validate(ev, &st->err);
	ev->agenda = NULL;
	ev->nagenda = 0;
	if (rc != PD_OK)
		goto out;
	if ((rc = pd_st_query_int(st, "SELECT coalesce(max(pos) + 1, 0) "
	    "FROM agenda_item WHERE event_id = ?1", event_id, &pos,
	    &found)) != PD_OK ||
	    (rc = insert_agenda(st, event_id, pos, it, &id)) != PD_OK ||
	    (rc = touch_event(st, event_id)) != PD_OK)
		goto out;
out:
	pd_event_free(ev);
	if ((rc = pd_st_end(st, rc)) == PD_OK)
		it->id = id;
	return rc;
}

/* Deletes one part row by id, touching its event first. */
static int
part_delete(struct pd_store *st, int64_t id, const char *touch_sql,
    const char *delete_sql, const char *what)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = pd_st_prepare(st, touch_sql, &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, id)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 2, st->now)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if ((rc = exec_id(st, delete_sql, id)) != PD_OK)
		goto out;
	if (sqlite3_changes(st->db) == 0) {
		rc = pd_error_set(&st->err, PD_ENOTFOUND, what,
		    "%s: no %s with id %lld", what, what, (long long)id);
		goto out;
	}
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return pd_st_end(st, rc);
}

int
pd_store_agenda_delete(struct pd_store *st, int64_t item_id)
{
	return part_delete(st, item_id, "UPDATE event SET updated = ?2 "
	    "WHERE id = (SELECT event_id FROM agenda_item WHERE id = ?1)",
	    "DELETE FROM agenda_item WHERE id = ?1", "agenda");
}

int
pd_store_talk_delete(struct pd_store *st, int64_t talk_id)
{
	return part_delete(st, talk_id, "UPDATE event SET updated = ?2 "
	    "WHERE id = (SELECT event_id FROM talk WHERE id = ?1)",
	    "DELETE FROM talk WHERE id = ?1", "talk");
}

int
pd_store_attendance_delete(struct pd_store *st, int64_t attendance_id)
{
	return part_delete(st, attendance_id, "UPDATE event SET updated = ?2 "
	    "WHERE id = (SELECT event_id FROM attendance WHERE id = ?1)",
	    "DELETE FROM attendance WHERE id = ?1", "attendance");
}

static int
event_exists(struct pd_store *st, int64_t id)
{
	int64_t v;
	int found = 0, rc;

	if ((rc = pd_st_query_int(st, "SELECT 1 FROM event WHERE id = ?1", id,
	    &v, &found)) != PD_OK)
		return rc;
	if (!found)
		return pd_error_set(&st->err, PD_ENOTFOUND, "event",
		    "event: no event with id or UID '%lld'", (long long)id);
	return PD_OK;
}

int
pd_store_talk_add(struct pd_store *st, int64_t event_id, struct pd_talk *t)
{
	struct pd_st_alt alt;
	char *uid = NULL;
	int64_t pos = 0, id = 0, tid = 0;
	int found = 0, rc;

	pd_error_clear(&st->err);
	if ((rc = pd_talk_validate(t, &st->err)) != PD_OK)
		return rc;
	if (t->uid == NULL && (rc = new_uid(st, &uid)) != PD_OK)
		return rc;
	if ((rc = pd_st_begin(st)) != PD_OK)
		goto out;
	if ((rc = event_exists(st, event_id)) != PD_OK ||
	    (rc = pd_st_person_exists(st, t->speaker.id, "speaker")) != PD_OK ||
	    (t->via.id != 0 &&
	    (rc = pd_st_person_exists(st, t->via.id, "via")) != PD_OK))
		goto tx;
	if (t->uid != NULL) {
		if ((rc = talk_by_uid(st, t->uid, &tid)) != PD_OK)
			goto tx;
		if (tid != 0) {
			rc = pd_error_set(&st->err, PD_EEXIST, "uid",
			    "uid: a talk with uid '%s' exists already", t->uid);
			goto tx;
		}
	}
	if ((rc = pd_st_query_int(st, "SELECT coalesce(max(pos) + 1, 0) "
	    "FROM talk WHERE event_id = ?1", event_id, &pos,
	    &found)) != PD_OK ||
	    (rc = write_talk(st, 0, event_id, pos, t,
	    uid != NULL ? uid : t->uid, t->speaker.id, t->via.id, st->now,
	    &id)) != PD_OK)
		goto tx;
	if (t->alternative_to != NULL) {
		alt.talk_id = id;
		alt.uid = t->alternative_to;
		if ((rc = pd_st_alt_resolve(st, &alt, 1)) != PD_OK)
			goto tx;
	}
	rc = touch_event(st, event_id);
tx:
	if ((rc = pd_st_end(st, rc)) != PD_OK)
		goto out;
	t->id = id;
	t->updated = st->now;
	if (uid != NULL) {
		t->uid = uid;
		uid = NULL;
	}
out:
	free(uid);
	return rc;
}

int
pd_store_talk_get(struct pd_store *st, int64_t talk_id, struct pd_talk *out,
    int64_t *event_id)
{
	sqlite3_stmt *stmt = NULL;
	struct pd_talk t;
	int rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_prepare(st, TALK_SELECT "WHERE x.id = ?1",
	    &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, talk_id)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (rc == 0) {
		rc = pd_error_set(&st->err, PD_ENOTFOUND, "talk",
		    "talk: no talk with id %lld", (long long)talk_id);
		goto out;
	}
	if ((rc = read_talk(stmt, &t)) != PD_OK) {
		rc = row_err(st, rc);
		goto out;
	}
	if (event_id != NULL)
		*event_id = sqlite3_column_int64(stmt, 0);
	*out = t;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

int
pd_store_talk_set_status(struct pd_store *st, int64_t talk_id,
    enum pd_talk_status status)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	pd_error_clear(&st->err);
	if (status < PD_TALK_REQUESTED || status > PD_TALK_WITHDRAWN)
		return pd_error_set(&st->err, PD_EINVAL, "status",
		    "status: not a talk status");
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = pd_st_prepare(st, "UPDATE talk SET status = ?2, "
	    "updated = ?3, status_by = ?4 WHERE id = ?1", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, talk_id)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 2,
	    pd_talk_status_name(status))) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 3, st->now)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 4, pd_st_actor(st))) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (sqlite3_changes(st->db) == 0) {
		rc = pd_error_set(&st->err, PD_ENOTFOUND, "talk",
		    "talk: no talk with id %lld", (long long)talk_id);
		goto out;
	}
	pd_st_release(stmt);
	stmt = NULL;
	if ((rc = pd_st_prepare(st, "UPDATE event SET updated = ?2 WHERE id = "
	    "(SELECT event_id FROM talk WHERE id = ?1)", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, talk_id)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 2, st->now)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return pd_st_end(st, rc);
}

int
pd_store_attend(struct pd_store *st, int64_t event_id, int64_t person_id,
    enum pd_role role, enum pd_partstat status, const char *delegate,
    int64_t *id)
{
	int64_t aid = 0, v;
	int found = 0, rc;

	pd_error_clear(&st->err);
	if (role < PD_ROLE_CHAIR || role > PD_ROLE_OPTIONAL)
		return pd_error_set(&st->err, PD_EINVAL, "role",
		    "role: not one of chair, speaker, participant, optional");
	if (status < PD_PART_NEEDS_ACTION || status > PD_PART_DELEGATED)
		return pd_error_set(&st->err, PD_EINVAL, "status",
		    "status: not an attendance status");
	if (status == PD_PART_DELEGATED &&
	    (delegate == NULL || *delegate == '\0'))
		return pd_error_set(&st->err, PD_EINVAL, "delegate",
		    "delegate: a delegated attendance needs the delegate's "
		    "name");
	if (status == PD_PART_DELEGATED && strpbrk(delegate, "\r\n") != NULL)
		return pd_error_set(&st->err, PD_EINVAL, "delegate",
		    "delegate: must be a single line");
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = event_exists(st, event_id)) != PD_OK ||
	    (rc = pd_st_query_int(st, "SELECT 1 FROM person WHERE id = ?1",
	    person_id, &v, &found)) != PD_OK)
		goto out;
	if (!found) {
		rc = pd_error_set(&st->err, PD_ENOTFOUND, "person",
		    "person: no one with id, e-mail or name '%lld'",
		    (long long)person_id);
		goto out;
	}
	if ((rc = insert_attendance(st, event_id, person_id, role, status,
	    delegate, st->now, &aid)) != PD_OK ||
	    (rc = touch_event(st, event_id)) != PD_OK)
		goto out;
out:
	if ((rc = pd_st_end(st, rc)) == PD_OK && id != NULL)
		*id = aid;
	return rc;
}

/* ---- groups and topics ---- */

void
pd_group_list_free(struct pd_group *list, size_t n)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < n; i++)
		pd_group_clear(&list[i]);
	free(list);
}

void
pd_topic_list_free(struct pd_topic *list, size_t n)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < n; i++)
		pd_topic_clear(&list[i]);
	free(list);
}

/*
 * Loads the groups that where (fixed SQL on alias g, ?1 = arg) selects,
 * ordered by name, and their members in the order they joined.
 */
static int
load_groups(struct pd_store *st, const char *where, int64_t arg,
    struct pd_group **out, size_t *n)
{
	sqlite3_stmt *stmt = NULL;
	struct pd_group *list = NULL, *g;
	struct pd_member *m;
	size_t len = 0, i;
	int64_t gid;
	int rc;

	if ((rc = prepare3(st, "SELECT g.id, g.slug, g.name, "
	    "g.public_attendance FROM grp g ",
	    where, "ORDER BY g.name, g.id", &stmt)) != PD_OK ||
	    (rc = bind_scope(st, stmt, arg, NULL)) != PD_OK)
		goto out;
	while ((rc = pd_st_step(st, stmt)) == 1) {
		if (pd_st_grow(&list, len, sizeof(*list)) != PD_OK) {
			rc = oom(st);
			goto out;
		}
		g = &list[len];
		memset(g, 0, sizeof(*g));
		g->id = sqlite3_column_int64(stmt, 0);
		g->public_attendance = sqlite3_column_int(stmt, 3);
		len++;
		if (pd_st_col_str(stmt, 1, &g->slug) != PD_OK ||
		    pd_st_col_str(stmt, 2, &g->name) != PD_OK) {
			rc = oom(st);
			goto out;
		}
	}
	if (rc < 0)
		goto out;
	pd_st_release(stmt);
	stmt = NULL;
	if (len == 0)
		goto done;
	if ((rc = prepare3(st, "SELECT m.group_id, m.role, "
	    PD_ST_PERSON_COLS("p", "o") " FROM group_member m "
	    "JOIN person p ON p.id = m.person_id "
	    "LEFT JOIN org o ON o.id = p.org_id "
	    "WHERE m.group_id IN (SELECT g.id FROM grp g ", where,
	    ") ORDER BY m.group_id, m.id", &stmt)) != PD_OK ||
	    (rc = bind_scope(st, stmt, arg, NULL)) != PD_OK)
		goto out;
	while ((rc = pd_st_step(st, stmt)) == 1) {
		gid = sqlite3_column_int64(stmt, 0);
		for (i = 0; i < len && list[i].id != gid; i++)
			;	/* groups are few: dozens, not thousands */
		if (i == len)
			continue;
		g = &list[i];
		if (pd_st_grow(&g->members, g->nmembers,
		    sizeof(*g->members)) != PD_OK) {
			rc = oom(st);
			goto out;
		}
		m = &g->members[g->nmembers];
		memset(m, 0, sizeof(*m));
		if ((rc = pd_st_row_person(stmt, 2, &m->person)) != PD_OK) {
			rc = row_err(st, rc);
			goto out;
		}
		g->nmembers++;
		if (pd_group_role_parse((const char *)sqlite3_column_text(stmt,
		    1), &m->role) != PD_OK) {
			rc = row_err(st, PD_EDB);
			goto out;
		}
	}
	if (rc < 0)
		goto out;
done:
	*out = list;
	*n = len;
	list = NULL;
	len = 0;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	pd_group_list_free(list, len);
	return rc;
}

int
pd_store_group_list(struct pd_store *st, struct pd_group **out, size_t *n)
{
	pd_error_clear(&st->err);
	return load_groups(st, "", 0, out, n);
}

int
pd_store_group_member_set(struct pd_store *st, const char *group_name,
    int64_t person_id, enum pd_group_role role)
{
	int64_t gid = 0, v;
	int found = 0, rc;

	pd_error_clear(&st->err);
	if (group_name == NULL || *group_name == '\0')
		return pd_error_set(&st->err, PD_EINVAL, "group",
		    "group: no group name given");
	if (role < PD_GROUP_MODERATOR || role > PD_GROUP_MEMBER)
		return pd_error_set(&st->err, PD_EINVAL, "role",
		    "role: not one of moderator, spokesperson, member");
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = pd_st_query_int(st, "SELECT 1 FROM person WHERE id = ?1",
	    person_id, &v, &found)) != PD_OK)
		goto out;
	if (!found) {
		rc = pd_error_set(&st->err, PD_ENOTFOUND, "person",
		    "person: no one with id, e-mail or name '%lld'",
		    (long long)person_id);
		goto out;
	}
	if ((rc = pd_st_group_ensure(st, NULL, group_name, 1, &gid)) != PD_OK ||
	    (rc = pd_st_member_set(st, gid, person_id, role)) != PD_OK)
		goto out;
out:
	return pd_st_end(st, rc);
}

int
pd_store_topic_list(struct pd_store *st, struct pd_topic **out, size_t *n)
{
	sqlite3_stmt *stmt = NULL;
	struct pd_topic *list = NULL, *t;
	size_t len = 0;
	int rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_prepare(st, "SELECT t.id, t.slug, t.name, "
	    "(SELECT count(*) FROM event_topic et WHERE et.topic_id = t.id) "
	    "FROM topic t ORDER BY t.name, t.id", &stmt)) != PD_OK)
		goto out;
	while ((rc = pd_st_step(st, stmt)) == 1) {
		if (pd_st_grow(&list, len, sizeof(*list)) != PD_OK) {
			rc = oom(st);
			goto out;
		}
		t = &list[len];
		memset(t, 0, sizeof(*t));
		len++;
		t->id = sqlite3_column_int64(stmt, 0);
		t->nevents = (size_t)sqlite3_column_int64(stmt, 3);
		if (pd_st_col_str(stmt, 1, &t->slug) != PD_OK ||
		    pd_st_col_str(stmt, 2, &t->name) != PD_OK) {
			rc = oom(st);
			goto out;
		}
	}
	if (rc < 0)
		goto out;
	*out = list;
	*n = len;
	list = NULL;
	len = 0;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	pd_topic_list_free(list, len);
	return rc;
}

/* ---- calendars ---- */

static const char *const group_where[] = {
	"WHERE g.id IN (SELECT e.group_id FROM event e ) ",
	"",
	"WHERE g.id = ?1 ",
	"WHERE g.id IN (SELECT e.group_id FROM event e JOIN event_topic et "
	"ON et.event_id = e.id WHERE et.topic_id = ?1) ",
	"WHERE g.id IN (SELECT e.group_id FROM event e WHERE e.id IN "
	"(SELECT event_id FROM attendance WHERE person_id = ?1 "
	"UNION SELECT event_id FROM talk WHERE speaker_id = ?1)) ",
};

/* Looks up a slug in grp or topic; PD_ENOTFOUND naming what. */
static int
slug_id(struct pd_store *st, const char *sql, const char *what,
    const char *slug, int64_t *id, char **name)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if (slug == NULL)
		return pd_error_set(&st->err, PD_EINVAL, what,
		    "%s: no slug given", what);
	if ((rc = pd_st_prepare(st, sql, &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, slug)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (rc == 0) {
		rc = pd_error_set(&st->err, PD_ENOTFOUND, what,
		    "%s: no %s '%s'", what, what, slug);
		goto out;
	}
	*id = sqlite3_column_int64(stmt, 0);
	if (pd_st_col_str(stmt, 1, name) != PD_OK) {
		rc = oom(st);
		goto out;
	}
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

/* The scope of a filter; *name: the group's or topic's (caller frees). */
static int
filter_scope(struct pd_store *st, const struct pd_filter *f, enum scope *sc,
    int64_t *arg, char **name)
{
	int64_t v;
	int found = 0, rc;

	*sc = SC_ALL;
	*arg = 0;
	switch (f != NULL ? f->kind : PD_FILTER_ALL) {
	case PD_FILTER_ALL:
		return PD_OK;
	case PD_FILTER_GROUP:
		*sc = SC_GROUP;
		return slug_id(st, "SELECT id, name FROM grp WHERE slug = ?1",
		    "group", f->value, arg, name);
	case PD_FILTER_TOPIC:
		*sc = SC_TOPIC;
		return slug_id(st, "SELECT id, name FROM topic "
		    "WHERE slug = ?1", "topic", f->value, arg, name);
	case PD_FILTER_PERSON:
		*sc = SC_PERSON;
		*arg = f->person_id;
		if ((rc = pd_st_query_int(st, "SELECT 1 FROM person "
		    "WHERE id = ?1", *arg, &v, &found)) != PD_OK)
			return rc;
		if (!found)
			return pd_error_set(&st->err, PD_ENOTFOUND, "person",
			    "person: no one with id, e-mail or name '%lld'",
			    (long long)*arg);
		return PD_OK;
	default:
		return pd_error_set(&st->err, PD_EINVAL, "filter",
		    "filter: unknown kind");
	}
}

/* The (id, render mark) of a scope's events, in the calendar's order. */
static int
load_index(struct pd_store *st, enum scope sc, int64_t arg, int64_t since,
    struct pd_feed_row **rows, size_t *n)
{
	sqlite3_stmt *stmt = NULL;
	struct pd_feed_row *r = NULL;
	size_t k = 0;
	int rc;

	if ((rc = prepare_since(st, "SELECT e.id, e.render_mark FROM event e ",
	    sc, since, "ORDER BY e.start_utc, e.uid", &stmt)) != PD_OK ||
	    (rc = bind_scope(st, stmt, arg, NULL)) != PD_OK ||
	    (since != 0 && (rc = pd_st_bind_int64(st, stmt, 2, since)) !=
	    PD_OK))
		goto out;
	while ((rc = pd_st_step(st, stmt)) == 1) {
		if (pd_st_grow(&r, k, sizeof(*r)) != PD_OK) {
			rc = oom(st);
			goto out;
		}
		r[k].id = sqlite3_column_int64(stmt, 0);
		r[k].mark = sqlite3_column_int64(stmt, 1);
		k++;
	}
	if (rc < 0)
		goto out;
	*rows = r;
	*n = k;
	r = NULL;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	free(r);
	return rc;
}

/*
 * The calendar of f: with rows == NULL every event with every part;
 * else no events, only (id, render mark) of each in *rows (feed_pieces.c
 * renders the events it has not rendered yet).
 */
static int
calendar_of(struct pd_store *st, const struct pd_filter *f, int64_t since,
    struct pd_calendar **out, struct pd_feed_row **rows, size_t *nrows)
{
	struct evset set = { NULL, 0, NULL, 0, 0, 0, NULL, 0, 0 };
	struct pd_calendar *cal = NULL;
	enum scope sc;
	int64_t arg;
	char *name = NULL;
	int rc;

	pd_error_clear(&st->err);
	if ((rc = filter_scope(st, f, &sc, &arg, &name)) != PD_OK)
		goto out;
	if ((cal = calloc(1, sizeof(*cal))) == NULL) {
		rc = oom(st);
		goto out;
	}
	cal->name = name;
	name = NULL;
	/*
	 * One read transaction, so that events and parts come from the
	 * same snapshot even while another process writes.
	 */
	if (sqlite3_exec(st->db, "SAVEPOINT pd_read", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		rc = pd_st_dberr(st, "database");
		goto out;
	}
	set.since = since;
	if (rows != NULL)
		rc = load_index(st, sc, arg, set.since, rows, nrows);
	else if ((rc = load_events(st, sc, arg, NULL, &set)) == PD_OK)
		rc = load_parts(st, sc, arg, NULL, &set);
	if (rc == PD_OK)
		rc = load_groups(st, group_where[sc], arg, &cal->groups,
		    &cal->ngroups);
	sqlite3_exec(st->db, "RELEASE pd_read", NULL, NULL, NULL);
	if (rc != PD_OK) {
		if (rows != NULL) {
			free(*rows);
			*rows = NULL;
		}
		goto out;
	}
	cal->events = set.ev;
	cal->nevents = set.n;
	set.ev = NULL;
	set.n = 0;
	*out = cal;
	cal = NULL;
out:
	evset_free(&set);
	pd_calendar_free(cal);
	free(name);
	return rc;
}

int
pd_store_calendar(struct pd_store *st, const struct pd_filter *f,
    struct pd_calendar **out)
{
	return calendar_of(st, f, 0, out, NULL, NULL);
}

int
pd_store_calendar_since(struct pd_store *st, const struct pd_filter *f,
    int64_t since, struct pd_calendar **out)
{
	return calendar_of(st, f, since, out, NULL, NULL);
}

/*
 * The reads are savepoints, so that they nest in one of these: an
 * export loaded a batch at a time still reads one snapshot.
 */
int
pd_store_snapshot_begin(struct pd_store *st)
{
	pd_error_clear(&st->err);
	if (sqlite3_exec(st->db, "SAVEPOINT pd_snapshot", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return pd_st_dberr(st, "database");
	return PD_OK;
}

void
pd_store_snapshot_end(struct pd_store *st)
{
	sqlite3_exec(st->db, "RELEASE pd_snapshot", NULL, NULL, NULL);
}

int
pd_store_feed_index(struct pd_store *st, const struct pd_filter *f,
    int64_t since, struct pd_calendar **cal, struct pd_feed_row **rows,
    size_t *n)
{
	return calendar_of(st, f, since, cal, rows, n);
}

/*
 * Unlinks the borrowed people of set's attendances (set->share), so that
 * the events can be freed as owning everything else.
 */
static void
evset_unshare(struct evset *set)
{
	size_t i, k;

	if (!set->share)
		return;
	for (i = 0; i < set->n; i++)
		for (k = 0; k < set->ev[i].nattendances; k++)
			memset(&set->ev[i].attendances[k].person, 0,
			    sizeof(set->ev[i].attendances[k].person));
	set->share = 0;
}

/*
 * Loads the events of sc (SC_IDS: js; SC_RANGE: lo..hi) with parts.
 * batch non-NULL: the attendances share the people, handed over in it.
 */
static int
events_of(struct pd_store *st, enum scope sc, const char *js, int64_t lo,
    int64_t hi, struct pd_event **out, size_t *nout,
    struct pd_event_batch *batch)
{
	struct evset set = { NULL, 0, NULL, 0, 0, 0, NULL, 0, 0 };
	int rc;

	set.hi = hi;
	set.share = batch != NULL;
	if (sqlite3_exec(st->db, "SAVEPOINT pd_read", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return pd_st_dberr(st, "database");
	if ((rc = load_events(st, sc, lo, js, &set)) == PD_OK)
		rc = load_parts(st, sc, lo, js, &set);
	sqlite3_exec(st->db, "RELEASE pd_read", NULL, NULL, NULL);
	if (rc == PD_OK && batch != NULL) {
		batch->ev = set.ev;
		batch->n = set.n;
		batch->people = set.people;
		batch->npeople = set.npeople;
		free(set.idx);
		memset(&set, 0, sizeof(set));
	} else if (rc == PD_OK) {
		*out = set.ev;
		*nout = set.n;
		set.ev = NULL;
		set.n = 0;
	}
	evset_unshare(&set);
	evset_free(&set);
	return rc;
}

/* events_of() for a list of ids, given to SQL as a JSON array. */
static int
events_by_id(struct pd_store *st, const int64_t *ids, size_t n,
    struct pd_event **out, size_t *nout, struct pd_event_batch *batch)
{
	struct pd_buf js = PD_BUF_INIT;
	int rc;

	pd_error_clear(&st->err);
	if ((rc = ids_json(st, ids, n, &js)) != PD_OK)
		return rc;
	rc = events_of(st, SC_IDS, js.data, 0, 0, out, nout, batch);
	pd_buf_free(&js);
	return rc;
}

int
pd_store_events_by_id(struct pd_store *st, const int64_t *ids, size_t n,
    struct pd_event **out, size_t *nout)
{
	return events_by_id(st, ids, n, out, nout, NULL);
}

/*
 * Ranges: one index seek per part table, where a list of ids costs one
 * per id (a third of an export's loading).
 */
int
pd_store_events_in_range(struct pd_store *st, int64_t lo, int64_t hi,
    struct pd_event **out, size_t *nout)
{
	pd_error_clear(&st->err);
	return events_of(st, SC_RANGE, NULL, lo, hi, out, nout, NULL);
}

int
pd_store_batch_by_id(struct pd_store *st, const int64_t *ids, size_t n,
    struct pd_event_batch *out)
{
	memset(out, 0, sizeof(*out));
	return events_by_id(st, ids, n, NULL, NULL, out);
}

int
pd_store_batch_in_range(struct pd_store *st, int64_t lo, int64_t hi,
    struct pd_event_batch *out)
{
	pd_error_clear(&st->err);
	memset(out, 0, sizeof(*out));
	return events_of(st, SC_RANGE, NULL, lo, hi, NULL, NULL, out);
}

void
pd_event_batch_free(struct pd_event_batch *b)
{
	struct evset set = { NULL, 0, NULL, 0, 0, 0, NULL, 0, 1 };

	if (b == NULL)
		return;
	set.ev = b->ev;
	set.n = b->n;
	set.people = b->people;
	set.npeople = b->npeople;
	evset_unshare(&set);
	evset_free(&set);
	memset(b, 0, sizeof(*b));
}

int
pd_store_people_by_id(struct pd_store *st, const int64_t *ids, size_t n,
    struct pd_person **out, size_t *nout)
{
	struct pd_buf js = PD_BUF_INIT;
	struct pd_person *p = NULL;
	sqlite3_stmt *stmt = NULL;
	size_t k = 0, i;
	int rc;

	pd_error_clear(&st->err);
	if ((rc = ids_json(st, ids, n, &js)) != PD_OK)
		return rc;
	if ((rc = pd_st_prepare(st, "SELECT " PD_ST_PERSON_COLS("p", "o")
	    " FROM person p LEFT JOIN org o ON o.id = p.org_id "
	    "WHERE p.id IN (SELECT value FROM json_each(?1))", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, js.data)) != PD_OK)
		goto out;
	while ((rc = pd_st_step(st, stmt)) == 1) {
		if (pd_st_grow(&p, k, sizeof(*p)) != PD_OK) {
			rc = oom(st);
			goto out;
		}
		memset(&p[k], 0, sizeof(p[k]));
		k++;
		if ((rc = pd_st_row_person(stmt, 0, &p[k - 1])) != PD_OK) {
			rc = row_err(st, rc);
			goto out;
		}
	}
	if (rc < 0)
		goto out;
	*out = p;
	*nout = k;
	p = NULL;
	k = 0;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	for (i = 0; i < k; i++)
		pd_person_clear(&p[i]);
	free(p);
	pd_buf_free(&js);
	return rc;
}

/*
 * The planner's events (outbox.h): not over at now, with all parts.  A
 * cancelled event still counts until it is over, so that its
 * cancellations go out.  Read in one snapshot, like pd_store_calendar.
 */
int
pd_store_plan_events(struct pd_store *st, int64_t now,
    struct pd_event **out, size_t *n)
{
	struct evset set = { NULL, 0, NULL, 0, 0, 0, NULL, 0, 0 };
	int rc;

	pd_error_clear(&st->err);
	if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return pd_st_dberr(st, "database");
	if ((rc = load_events(st, SC_UPCOMING, now, NULL, &set)) == PD_OK)
		rc = load_parts(st, SC_UPCOMING, now, NULL, &set);
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (rc == PD_OK) {
		*out = set.ev;
		*n = set.n;
		set.ev = NULL;
		set.n = 0;
	}
	evset_free(&set);
	return rc;
}

/*
 * The events a planner pass must look at (outbox.h), found through
 * indexes only: changed since the last pass (plan_dirty), a single
 * event starting within the reminder horizon, a recurring series not
 * over that has started by the horizon's end, a requested talk whose
 * nudges may be due.  Each part names its index because without
 * statistics SQLite may prefer a scan of the table.
 */
static const char SQL_CANDIDATES[] =
    "SELECT id, plan_dirty FROM event INDEXED BY event_plan_dirty "
    "WHERE plan_dirty <> 0 AND series_end_utc > ?1 "
    "UNION SELECT id, plan_dirty FROM event INDEXED BY event_start "
    "WHERE ?2 >= 0 AND start_utc > ?1 AND start_utc <= ?1 + ?2 "
    "AND rrule IS NULL AND status <> 'cancelled' "
    "UNION SELECT id, plan_dirty FROM event INDEXED BY event_recurring_end "
    "WHERE ?2 >= 0 AND rrule IS NOT NULL AND series_end_utc > ?1 "
    "AND start_utc <= ?1 + ?2 AND status <> 'cancelled' "
    "UNION SELECT e.id, e.plan_dirty FROM talk x INDEXED BY talk_asked "
    "JOIN event e ON e.id = x.event_id "
    "WHERE ?3 > 0 AND x.asked_at IS NOT NULL AND x.status = 'requested' "
    "AND x.asked_at <= ?1 - ?3 AND e.series_end_utc > ?1";

struct mark {
	int64_t id;
	int64_t dirty;
};

static int
cmp_mark(const void *a, const void *b)
{
	const struct mark *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

int
pd_store_plan_candidates(struct pd_store *st, int64_t now, int64_t horizon,
    int64_t nudge, struct pd_event **out, size_t *n, int64_t **marks)
{
	struct evset set = { NULL, 0, NULL, 0, 0, 0, NULL, 0, 0 };
	struct pd_buf ids = PD_BUF_INIT;
	struct mark *mk = NULL, key, *hit;
	sqlite3_stmt *stmt = NULL;
	int64_t *m = NULL;
	size_t nmk = 0, i;
	int rc;

	pd_error_clear(&st->err);
	if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return pd_st_dberr(st, "database");
	if ((rc = pd_st_prepare(st, SQL_CANDIDATES, &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, now)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 2, horizon)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 3, nudge)) != PD_OK)
		goto out;
	pd_buf_adds(&ids, "[");
	while ((rc = pd_st_step(st, stmt)) == 1) {
		if (pd_st_grow(&mk, nmk, sizeof(*mk)) != PD_OK) {
			rc = oom(st);
			goto out;
		}
		mk[nmk].id = sqlite3_column_int64(stmt, 0);
		mk[nmk].dirty = sqlite3_column_int64(stmt, 1);
		pd_buf_addf(&ids, "%s%lld", nmk > 0 ? "," : "",
		    (long long)mk[nmk].id);
		nmk++;
	}
	if (rc < 0)
		goto out;
	pd_buf_adds(&ids, "]");
	if (pd_buf_failed(&ids)) {
		rc = oom(st);
		goto out;
	}
	pd_st_release(stmt);
	stmt = NULL;
	if (nmk > 0 &&
	    ((rc = load_events(st, SC_IDS, 0, ids.data, &set)) != PD_OK ||
	    (rc = load_parts(st, SC_IDS, 0, ids.data, &set)) != PD_OK))
		goto out;
	if ((m = calloc(set.n + 1, sizeof(*m))) == NULL) {
		rc = oom(st);
		goto out;
	}
	if (nmk > 0)
		qsort(mk, nmk, sizeof(*mk), cmp_mark);
	for (i = 0; i < set.n; i++) {
		key.id = set.ev[i].id;
		hit = bsearch(&key, mk, nmk, sizeof(*mk), cmp_mark);
		m[i] = hit != NULL ? hit->dirty : 0;
	}
	*out = set.ev;
	*n = set.n;
	*marks = m;
	set.ev = NULL;
	set.n = 0;
	m = NULL;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	evset_free(&set);
	pd_buf_free(&ids);
	free(mk);
	free(m);
	return rc;
}

/*
 * The requested talks of events not over and not cancelled (store.h),
 * with how often they were asked: two queries whatever the number of
 * coming events or talks.  The talks come through the partial index
 * talk_requested; the request's time and the count of reminders from the
 * outbox keys (speaker-request/UID, nudge/UID/...) through the key's
 * index, as the planner names them.
 */
static const char SQL_OPEN_TALKS[] =
    "SELECT " TALK_COLS ", "
    "(SELECT o.created FROM outbox o "
    "WHERE o.key = 'speaker-request/' || x.uid), "
    "(SELECT count(*) FROM outbox o WHERE o.key >= 'nudge/' || x.uid || '/' "
    "AND o.key < 'nudge/' || x.uid || '0')"
    TALK_FROM
    "JOIN event e ON e.id = x.event_id "
    "WHERE x.status = 'requested' AND e.status <> 'cancelled' "
    "AND e.series_end_utc > ?1 "
    "ORDER BY e.start_utc, e.uid, x.pos, x.id";

void
pd_open_talks_clear(struct pd_open_talks *o)
{
	size_t i;

	for (i = 0; i < o->ntalks; i++)
		pd_talk_clear(&o->talks[i].talk);
	free(o->talks);
	pd_event_list_free(o->events, o->nevents);
	memset(o, 0, sizeof(*o));
}

int
pd_store_talks_open(struct pd_store *st, int64_t now,
    struct pd_open_talks *out)
{
	struct evset set = { NULL, 0, NULL, 0, 0, 0, NULL, 0, 0 };
	struct pd_buf ids = PD_BUF_INIT;
	struct pd_talk_open *t = NULL;
	struct pd_event *ev;
	sqlite3_stmt *stmt = NULL;
	size_t n = 0, i;
	int64_t last = 0;
	int rc;

	pd_error_clear(&st->err);
	if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return pd_st_dberr(st, "database");
	if ((rc = pd_st_prepare(st, SQL_OPEN_TALKS, &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, now)) != PD_OK)
		goto out;
	pd_buf_adds(&ids, "[");
	while ((rc = pd_st_step(st, stmt)) == 1) {
		if (pd_st_grow(&t, n, sizeof(*t)) != PD_OK) {
			rc = oom(st);
			goto out;
		}
		memset(&t[n], 0, sizeof(t[n]));
		if ((rc = read_talk(stmt, &t[n].talk)) != PD_OK) {
			rc = row_err(st, rc);
			goto out;
		}
		t[n].event = sqlite3_column_int64(stmt, 0);
		t[n].asked = sqlite3_column_int64(stmt, TALK_NCOLS);
		t[n].nudges = sqlite3_column_int(stmt, TALK_NCOLS + 1);
		/* Rows come by event: each event id once. */
		if (t[n].event != last)
			pd_buf_addf(&ids, "%s%lld", last != 0 ? "," : "",
			    (long long)t[n].event);
		last = t[n].event;
		n++;
	}
	if (rc < 0)
		goto out;
	pd_buf_adds(&ids, "]");
	if (pd_buf_failed(&ids)) {
		rc = oom(st);
		goto out;
	}
	if ((rc = load_events(st, SC_IDS, 0, ids.data, &set)) != PD_OK)
		goto out;
	for (i = 0; i < n; i++) {
		if ((ev = evset_find(&set, t[i].event)) == NULL) {
			rc = pd_error_set(&st->err, PD_EDB, "event",
			    "event %lld of talk %lld is gone",
			    (long long)t[i].event, (long long)t[i].talk.id);
			goto out;
		}
		t[i].ev = (size_t)(ev - set.ev);
	}
	out->events = set.ev;
	out->nevents = set.n;
	out->talks = t;
	out->ntalks = n;
	set.ev = NULL;
	set.n = 0;
	t = NULL;
	n = 0;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	for (i = 0; i < n; i++)
		pd_talk_clear(&t[i].talk);
	free(t);
	evset_free(&set);
	pd_buf_free(&ids);
	return rc;
}
