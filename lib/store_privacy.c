/*
 * The store's part of privacy.h.  Retention (outbox.h): the text of old
 * messages is purged,
 * the bookkeeping stays.  A purged row keeps key, kind, event, person,
 * sequence, state and times, which is all the planner needs to never
 * send it again; recipient, subject, message and error text go.  A test
 * message's key holds the address it went to, so it is rewritten.
 *
 * Calendar replies (reply table) lose their addresses at the same age.
 *
 * And what the Art. 15 export (person_export.c) reads: the messages to
 * a person, whether they have a personal feed.
 *
 * Not here: when and how often (retention.c, called by the scheduler),
 * the erasure (store_forget.c).
 */
#include <stdlib.h>
#include <string.h>

#include "podium/outbox.h"
#include "podium/privacy.h"
#include "store_int.h"

/*
 * Runs one purge statement (?1 = before) in its own write transaction,
 * quietly: bookkeeping, no feed renders again.  When it changed rows the
 * WAL is emptied, so that the purged text is gone from the file too.
 */
static int
purge(struct pd_store *st, const char *sql, int64_t before, size_t *n)
{
	sqlite3_stmt *stmt = NULL;
	size_t count = 0;
	int rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = pd_st_prepare(st, sql, &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, before)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	count = (size_t)sqlite3_changes(st->db);
	rc = PD_OK;
out:
	pd_st_release(stmt);
	st->quiet = 1;
	rc = pd_st_end(st, rc);
	st->quiet = 0;
	if (rc != PD_OK)
		return rc;
	if (count > 0)
		pd_st_checkpoint(st);
	if (n != NULL)
		*n = count;
	return PD_OK;
}

int
pd_store_outbox_purge(struct pd_store *st, int64_t before, size_t *n)
{
	return purge(st, "UPDATE outbox SET rcpt = '', "
	    "subject = '', message = x'', mail_from = '', last_error = NULL, "
	    "refused = NULL, "
	    "key = CASE WHEN kind = 'test' THEN 'test/purged/' || id "
	    "ELSE key END WHERE rcpt <> '' AND created < ?1 "
	    /* "+": by the partial index on created, not all sent mail. */
	    "AND +state IN ('sent', 'failed', 'dead')", before, n);
}

int
pd_store_reply_purge(struct pd_store *st, int64_t before, size_t *n)
{
	/*
	 * person_id, partstat and dtstamp stay: an applied reply's dtstamp
	 * is what refuses an older answer arriving late (reply.c).
	 */
	return purge(st, "UPDATE reply SET " PD_ST_REPLY_SCRUB
	    ", reason = 'purged' WHERE received < ?1 AND (sender IS NOT NULL "
	    "OR attendee IS NOT NULL OR delegated_to IS NOT NULL OR "
	    "reason NOT IN ('purged', 'erased'))", before, n);
}

int
pd_store_outbox_created(struct pd_store *st, int64_t id, int64_t *created)
{
	int64_t v = 0;
	int found = 0, rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_query_int(st, "SELECT created FROM outbox "
	    "WHERE id = ?1", id, &v, &found)) != PD_OK)
		return rc;
	if (!found)
		return PD_ENOTFOUND;
	*created = v;
	return PD_OK;
}

int
pd_store_person_has_feed(struct pd_store *st, int64_t id, int *has)
{
	int64_t v = 0;
	int found = 0, rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_query_int(st, "SELECT feed_token_hash IS NOT NULL "
	    "FROM person WHERE id = ?1", id, &v, &found)) != PD_OK)
		return rc;
	if (!found)
		return pd_error_set(&st->err, PD_ENOTFOUND, "person",
		    "person: no one with id %lld", (long long)id);
	*has = v != 0;
	return PD_OK;
}

int
pd_store_outbox_for_person(struct pd_store *st, int64_t id,
    const char *email, struct pd_outbox_msg **out, size_t *n)
{
	sqlite3_stmt *stmt = NULL;
	struct pd_outbox_msg *list = NULL;
	size_t count = 0, i;
	int rc, step;

	pd_error_clear(&st->err);
	if ((rc = pd_st_prepare(st, "SELECT id FROM outbox WHERE "
	    "person_id = ?1 OR (?2 IS NOT NULL AND "
	    "instr(lower(rcpt), lower(?2)) > 0) ORDER BY id", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, id)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 2, email)) != PD_OK)
		goto out;
	while ((step = pd_st_step(st, stmt)) == 1) {
		if ((rc = pd_st_grow(&list, count, sizeof(*list))) != PD_OK) {
			rc = pd_error_set(&st->err, PD_ENOMEM, NULL,
			    "out of memory");
			goto out;
		}
		memset(&list[count], 0, sizeof(list[count]));
		list[count].id = sqlite3_column_int64(stmt, 0);
		count++;
	}
	if ((rc = step) < 0)
		goto out;
	pd_st_release(stmt);
	stmt = NULL;
	/* Then each with its bytes, by the one query that reads a row. */
	for (i = 0; i < count; i++)
		if ((rc = pd_store_outbox_get(st, list[i].id, &list[i])) !=
		    PD_OK)
			goto out;
	*out = list;
	*n = count;
	list = NULL;
	count = 0;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	pd_outbox_list_free(list, count);
	return rc;
}
