/*
 * Calendar replies in the store (reply.h, reply_int.h): the reply table
 * that makes the intake idempotent and holds the organizer's list, the
 * one transaction that records an applied reply together with the
 * attendance and talks it changes, and the IMAP poller's state.
 *
 * Not here: reading mail or deciding what a reply means (reply.c).
 */
#include <stdlib.h>
#include <string.h>

#include "podium/reply.h"
#include "podium/store.h"
#include "reply_int.h"
#include "store_int.h"

static int
bind_id(struct pd_store *st, sqlite3_stmt *stmt, int i, int64_t v)
{
	if (v <= 0)
		return sqlite3_bind_null(stmt, i) == SQLITE_OK ? PD_OK :
		    pd_st_dberr(st, "database: bind");
	return pd_st_bind_int64(st, stmt, i, v);
}

int
pd_st_reply_state(struct pd_store *st, const char *message_id,
    int64_t event_id, int64_t person_id, int *seen, int64_t *last_dtstamp,
    int *have_last)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	pd_error_clear(&st->err);
	*seen = 0;
	*have_last = 0;
	if ((rc = pd_st_prepare(st, "SELECT 1 FROM reply WHERE message_id = ?1",
	    &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, message_id)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	*seen = rc == 1;
	pd_st_release(stmt);
	stmt = NULL;
	if ((rc = pd_st_prepare(st, "SELECT max(dtstamp) FROM reply "
	    "WHERE event_id = ?1 AND person_id = ?2 AND outcome = 'applied'",
	    &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, event_id)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 2, person_id)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (rc == 1 && sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
		*have_last = 1;
		*last_dtstamp = sqlite3_column_int64(stmt, 0);
	}
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

/* One UPDATE with (event, person, status, now) as ?1..?4. */
static int
apply_one(struct pd_store *st, const char *sql,
    const struct pd_reply_record *r, const char *status)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = pd_st_prepare(st, sql, &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, r->event_id)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 2, r->person_id)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 3, status)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 4, st->now)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	rc = sqlite3_changes(st->db) > 0 ? 1 : 0;
out:
	pd_st_release(stmt);
	return rc;
}

int
pd_st_reply_record(struct pd_store *st, const struct pd_reply_record *r,
    int *duplicate)
{
	sqlite3_stmt *stmt = NULL;
	int rc, changed = 0;

	pd_error_clear(&st->err);
	*duplicate = 0;
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = pd_st_prepare(st, "INSERT INTO reply (message_id, received, "
	    "event_id, person_id, sender, attendee, partstat, delegated_to, "
	    "sequence, dtstamp, outcome, reason) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT (message_id) DO "
	    "NOTHING", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, r->message_id)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 2, st->now)) != PD_OK ||
	    (rc = bind_id(st, stmt, 3, r->event_id)) != PD_OK ||
	    (rc = bind_id(st, stmt, 4, r->person_id)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 5, r->sender)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 6, r->attendee)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 7, r->partstat)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 8, r->delegated_to)) != PD_OK ||
	    (rc = r->sequence < 0 ? (sqlite3_bind_null(stmt, 9), PD_OK) :
	    pd_st_bind_int64(st, stmt, 9, r->sequence)) != PD_OK ||
	    (rc = r->dtstamp < 0 ? (sqlite3_bind_null(stmt, 10), PD_OK) :
	    pd_st_bind_int64(st, stmt, 10, r->dtstamp)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 11,
	    pd_reply_outcome_name(r->outcome))) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 12, r->reason)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (sqlite3_changes(st->db) == 0) {
		*duplicate = 1;
		rc = PD_OK;
		goto out;
	}
	rc = PD_OK;
	if (r->outcome != PD_REPLY_APPLIED)
		goto out;
	/* The triggers of migration 3 tell the planner; writes only when
	 * something changes, so the same answer again costs nothing. */
	if (r->attendance != NULL && (rc = apply_one(st, "UPDATE attendance "
	    "SET status = ?3, delegate = NULL, updated = ?4 WHERE event_id = ?1 "
	    "AND person_id = ?2 AND status <> ?3", r, r->attendance)) < 0)
		goto out;
	changed |= rc;
	if (r->talk != NULL && (rc = apply_one(st, "UPDATE talk SET status = "
	    "?3, updated = ?4 WHERE event_id = ?1 AND speaker_id = ?2 AND "
	    "status IN ('requested', 'confirmed', 'declined') AND status <> ?3",
	    r, r->talk)) < 0)
		goto out;
	changed |= rc;
	rc = PD_OK;
	if (changed) {
		pd_st_release(stmt);
		stmt = NULL;
		if ((rc = pd_st_prepare(st, "UPDATE event SET updated = ?2 "
		    "WHERE id = ?1", &stmt)) != PD_OK ||
		    (rc = pd_st_bind_int64(st, stmt, 1, r->event_id)) !=
		    PD_OK ||
		    (rc = pd_st_bind_int64(st, stmt, 2, st->now)) != PD_OK ||
		    (rc = pd_st_step(st, stmt)) < 0)
			goto out;
		rc = PD_OK;
	}
out:
	pd_st_release(stmt);
	/* Only the reply table written: feeds need not render again. */
	st->quiet = rc == PD_OK && !changed;
	rc = pd_st_end(st, rc);
	st->quiet = 0;
	return rc;
}

const char *
pd_reply_outcome_name(enum pd_reply_outcome o)
{
	switch (o) {
	case PD_REPLY_APPLIED: return "applied";
	case PD_REPLY_LISTED: return "listed";
	case PD_REPLY_IGNORED:
	default: return "ignored";
	}
}

void
pd_reply_rows_free(struct pd_reply_row *rows, size_t n)
{
	size_t i;

	for (i = 0; rows != NULL && i < n; i++) {
		free(rows[i].message_id);
		free(rows[i].event_title);
		free(rows[i].person_name);
		free(rows[i].sender);
		free(rows[i].attendee);
		free(rows[i].partstat);
		free(rows[i].delegated_to);
		free(rows[i].reason);
	}
	free(rows);
}

int
pd_store_reply_list(struct pd_store *st,
    const enum pd_reply_outcome *outcome, struct pd_reply_row **out,
    size_t *n)
{
	sqlite3_stmt *stmt = NULL;
	struct pd_reply_row *rows = NULL, *r;
	size_t count = 0;
	const char *name;
	int rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_prepare(st, "SELECT r.id, r.message_id, r.received, "
	    "r.event_id, e.title, r.person_id, p.name, r.sender, r.attendee, "
	    "r.partstat, r.delegated_to, r.outcome, r.reason FROM reply r "
	    "LEFT JOIN event e ON e.id = r.event_id "
	    "LEFT JOIN person p ON p.id = r.person_id "
	    "WHERE ?1 IS NULL OR r.outcome = ?1 "
	    "ORDER BY r.received DESC, r.id DESC", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, outcome != NULL ?
	    pd_reply_outcome_name(*outcome) : NULL)) != PD_OK)
		goto out;
	while ((rc = pd_st_step(st, stmt)) == 1) {
		if ((rc = pd_st_grow(&rows, count, sizeof(*rows))) != PD_OK)
			goto out;
		r = &rows[count++];
		memset(r, 0, sizeof(*r));
		r->id = sqlite3_column_int64(stmt, 0);
		r->received = sqlite3_column_int64(stmt, 2);
		r->event_id = sqlite3_column_int64(stmt, 3);
		r->person_id = sqlite3_column_int64(stmt, 5);
		name = (const char *)sqlite3_column_text(stmt, 11);
		r->outcome = name != NULL && strcmp(name, "applied") == 0 ?
		    PD_REPLY_APPLIED : name != NULL &&
		    strcmp(name, "listed") == 0 ? PD_REPLY_LISTED :
		    PD_REPLY_IGNORED;
		if ((rc = pd_st_col_str(stmt, 1, &r->message_id)) != PD_OK ||
		    (rc = pd_st_col_str(stmt, 4, &r->event_title)) != PD_OK ||
		    (rc = pd_st_col_str(stmt, 6, &r->person_name)) != PD_OK ||
		    (rc = pd_st_col_str(stmt, 7, &r->sender)) != PD_OK ||
		    (rc = pd_st_col_str(stmt, 8, &r->attendee)) != PD_OK ||
		    (rc = pd_st_col_str(stmt, 9, &r->partstat)) != PD_OK ||
		    (rc = pd_st_col_str(stmt, 10, &r->delegated_to)) !=
		    PD_OK ||
		    (rc = pd_st_col_str(stmt, 12, &r->reason)) != PD_OK)
			goto out;
	}
	if (rc < 0)
		goto out;
	*out = rows;
	*n = count;
	rows = NULL;
	count = 0;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	pd_reply_rows_free(rows, count);
	return rc;
}

int
pd_store_imap_state_get(struct pd_store *st, const char *url,
    int64_t *uidvalidity, int64_t *last_uid)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_prepare(st, "SELECT uidvalidity, last_uid FROM "
	    "imap_state WHERE url = ?1", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, url)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	*uidvalidity = rc == 1 ? sqlite3_column_int64(stmt, 0) : 0;
	*last_uid = rc == 1 ? sqlite3_column_int64(stmt, 1) : 0;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

int
pd_store_imap_state_set(struct pd_store *st, const char *url,
    int64_t uidvalidity, int64_t last_uid)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = pd_st_prepare(st, "INSERT INTO imap_state (url, uidvalidity, "
	    "last_uid) VALUES (?1, ?2, ?3) ON CONFLICT (url) DO UPDATE SET "
	    "uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid",
	    &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, url)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 2, uidvalidity)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 3, last_uid)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	st->quiet = rc == PD_OK;
	rc = pd_st_end(st, rc);
	st->quiet = 0;
	return rc;
}
