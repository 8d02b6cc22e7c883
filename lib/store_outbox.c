/*
 * The outbox table (outbox.h) and the planner's view of the store.
 *
 * Outbox writes do not bump the store's revision: the revision says "the
 * calendar data changed" and drives feed re-rendering, which mail
 * bookkeeping must not trigger.
 */
#include <stdlib.h>
#include <string.h>

#include "podium/outbox.h"
#include "store_int.h"

static const char *const state_names[] = {
	"pending", "sending", "sent", "failed", "dead"
};

const char *
pd_outbox_state_name(enum pd_outbox_state s)
{
	return (unsigned)s < 5 ? state_names[s] : "?";
}

int
pd_outbox_state_parse(const char *s, enum pd_outbox_state *out)
{
	int i;

	for (i = 0; s != NULL && i < 5; i++) {
		if (strcmp(s, state_names[i]) == 0) {
			*out = (enum pd_outbox_state)i;
			return PD_OK;
		}
	}
	return PD_EINVAL;
}

void
pd_outbox_msg_clear(struct pd_outbox_msg *m)
{
	if (m == NULL)
		return;
	free(m->key);
	free(m->kind);
	free(m->mail_from);
	free(m->rcpt);
	free(m->subject);
	free(m->message);
	free(m->last_error);
	free(m->refused);
	memset(m, 0, sizeof(*m));
}

void
pd_outbox_list_free(struct pd_outbox_msg *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		pd_outbox_msg_clear(&list[i]);
	free(list);
}

/* Ends a bookkeeping transaction without touching the revision. */
static int
end_quiet(struct pd_store *st, int rc)
{
	st->quiet = 1;
	rc = pd_st_end(st, rc);
	st->quiet = 0;
	return rc;
}

static int
bind_id(struct pd_store *st, sqlite3_stmt *stmt, int i, int64_t id)
{
	if (id == 0)
		return sqlite3_bind_null(stmt, i) == SQLITE_OK ? PD_OK :
		    pd_st_dberr(st, "database: bind");
	return pd_st_bind_int64(st, stmt, i, id);
}

int
pd_store_outbox_add(struct pd_store *st, const struct pd_outbox_msg *m,
    size_t n, size_t *added)
{
	return pd_store_outbox_add_since(st, m, n, -1, added);
}

int
pd_store_outbox_add_since(struct pd_store *st, const struct pd_outbox_msg *m,
    size_t n, int64_t mark, size_t *added)
{
	sqlite3_stmt *stmt = NULL;
	size_t i, count = 0;
	int64_t now_mark = 0;
	int found = 0, rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	/* Composed before someone was forgotten: it may name them. */
	if (mark >= 0 && ((rc = pd_st_query_int(st, "SELECT coalesce(max(id), "
	    "0) FROM erasure", 0, &now_mark, &found)) != PD_OK ||
	    now_mark != mark)) {
		if (rc == PD_OK)
			rc = pd_error_set(&st->err, PD_EEXIST, NULL, "outbox: "
			    "someone was forgotten while this mail was "
			    "composed; it is planned again");
		goto out;
	}
	if ((rc = pd_st_prepare(st, "INSERT INTO outbox (key, kind, "
	    "event_id, person_id, sequence, mail_from, rcpt, subject, message, "
	    "state, attempts, next_attempt, created) VALUES (?1, ?2, "
	    "(SELECT id FROM event WHERE id = ?3), "
	    "(SELECT id FROM person WHERE id = ?4), ?5, ?6, ?7, ?8, ?9, "
	    "'pending', 0, ?10, ?11) ON CONFLICT (key) DO NOTHING",
	    &stmt)) != PD_OK)
		goto out;
	for (i = 0; i < n; i++) {
		if ((rc = pd_st_bind_text(st, stmt, 1, m[i].key)) != PD_OK ||
		    (rc = pd_st_bind_text(st, stmt, 2, m[i].kind)) != PD_OK ||
		    (rc = bind_id(st, stmt, 3, m[i].event_id)) != PD_OK ||
		    (rc = bind_id(st, stmt, 4, m[i].person_id)) != PD_OK ||
		    (rc = pd_st_bind_int64(st, stmt, 5, m[i].sequence)) != PD_OK ||
		    (rc = pd_st_bind_text(st, stmt, 6, m[i].mail_from)) != PD_OK ||
		    (rc = pd_st_bind_text(st, stmt, 7, m[i].rcpt)) != PD_OK ||
		    (rc = pd_st_bind_text(st, stmt, 8, m[i].subject)) != PD_OK)
			goto out;
		if (sqlite3_bind_blob(stmt, 9, m[i].message, (int)m[i].len,
		    SQLITE_STATIC) != SQLITE_OK) {
			rc = pd_st_dberr(st, "database: bind");
			goto out;
		}
		if ((rc = pd_st_bind_int64(st, stmt, 10,
		    m[i].next_attempt)) != PD_OK ||
		    (rc = pd_st_bind_int64(st, stmt, 11, st->now)) != PD_OK ||
		    (rc = pd_st_step(st, stmt)) < 0)
			goto out;
		count += (size_t)sqlite3_changes(st->db);
		sqlite3_reset(stmt);
	}
	rc = PD_OK;
	if (added != NULL)
		*added = count;
out:
	pd_st_release(stmt);
	return end_quiet(st, rc);
}

int
pd_store_outbox_facts(struct pd_store *st, const int64_t *event_ids,
    size_t nevents, struct pd_sent **out, size_t *n, char **keys)
{
	sqlite3_stmt *stmt = NULL;
	struct pd_sent *facts = NULL;
	struct { size_t off; int64_t created; int seq; } *tmp = NULL;
	char *pool = NULL, *p;
	size_t count = 0, poollen = 0, i, klen;
	int rc = PD_OK, step;

	pd_error_clear(&st->err);
	if ((rc = pd_st_prepare(st, "SELECT key, created, sequence FROM outbox "
	    "WHERE event_id = ?1", &stmt)) != PD_OK)
		return rc;
	for (i = 0; i < nevents; i++) {
		if ((rc = pd_st_bind_int64(st, stmt, 1, event_ids[i])) != PD_OK)
			goto out;
		while ((step = pd_st_step(st, stmt)) == 1) {
			const char *k = (const char *)sqlite3_column_text(stmt, 0);

			klen = strlen(k) + 1;
			if ((rc = pd_st_grow(&tmp, count, sizeof(*tmp))) != PD_OK)
				goto out;
			if ((p = realloc(pool, poollen + klen)) == NULL) {
				rc = PD_ENOMEM;
				goto out;
			}
			pool = p;
			memcpy(pool + poollen, k, klen);
			tmp[count].off = poollen;
			tmp[count].created = sqlite3_column_int64(stmt, 1);
			tmp[count].seq = sqlite3_column_int(stmt, 2);
			poollen += klen;
			count++;
		}
		if (step < 0) {
			rc = step;
			goto out;
		}
		sqlite3_reset(stmt);
	}
	if (count > 0 && (facts = calloc(count, sizeof(*facts))) == NULL) {
		rc = PD_ENOMEM;
		goto out;
	}
	/* Pointers into the pool only now that it has stopped moving. */
	for (i = 0; i < count; i++) {
		facts[i].key = pool + tmp[i].off;
		facts[i].created = tmp[i].created;
		facts[i].sequence = tmp[i].seq;
	}
	*out = facts;
	*n = count;
	*keys = pool;
	pool = NULL;
out:
	pd_st_release(stmt);
	free(tmp);
	free(pool);
	return rc;
}

int
pd_store_plan_done(struct pd_store *st, const int64_t *event_ids,
    const int64_t *marks, size_t n)
{
	sqlite3_stmt *stmt = NULL;
	size_t i;
	int rc;

	pd_error_clear(&st->err);
	for (i = 0; i < n && marks[i] == 0; i++)
		;
	if (i == n)
		return PD_OK;	/* nothing was marked: no write at all */
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = pd_st_prepare(st, "UPDATE event SET plan_dirty = 0 "
	    "WHERE id = ?1 AND plan_dirty = ?2", &stmt)) != PD_OK)
		goto out;
	for (; i < n; i++) {
		if (marks[i] == 0)
			continue;
		if ((rc = pd_st_bind_int64(st, stmt, 1, event_ids[i])) != PD_OK ||
		    (rc = pd_st_bind_int64(st, stmt, 2, marks[i])) != PD_OK ||
		    (rc = pd_st_step(st, stmt)) < 0)
			goto out;
		sqlite3_reset(stmt);
	}
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return end_quiet(st, rc);
}

#define MSG_COLS "id, key, kind, event_id, person_id, sequence, mail_from, " \
	"rcpt, subject, state, attempts, next_attempt, last_error, created, " \
	"sent_at, refused"

static int
row_msg(sqlite3_stmt *stmt, struct pd_outbox_msg *m, int with_body)
{
	char *state = NULL;
	int rc;

	memset(m, 0, sizeof(*m));
	m->id = sqlite3_column_int64(stmt, 0);
	m->event_id = sqlite3_column_int64(stmt, 3);
	m->person_id = sqlite3_column_int64(stmt, 4);
	m->sequence = sqlite3_column_int(stmt, 5);
	m->attempts = sqlite3_column_int(stmt, 10);
	m->next_attempt = sqlite3_column_int64(stmt, 11);
	m->created = sqlite3_column_int64(stmt, 13);
	m->sent_at = sqlite3_column_int64(stmt, 14);
	if ((rc = pd_st_col_str(stmt, 1, &m->key)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 2, &m->kind)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 6, &m->mail_from)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 7, &m->rcpt)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 8, &m->subject)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 9, &state)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 12, &m->last_error)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 15, &m->refused)) != PD_OK)
		goto out;
	pd_outbox_state_parse(state, &m->state);
	if (with_body) {
		const void *b = sqlite3_column_blob(stmt, 16);
		int len = sqlite3_column_bytes(stmt, 16);

		if ((m->message = malloc((size_t)len + 1)) == NULL) {
			rc = PD_ENOMEM;
			goto out;
		}
		if (len > 0)
			memcpy(m->message, b, (size_t)len);
		m->message[len] = '\0';
		m->len = (size_t)len;
	}
out:
	free(state);
	if (rc != PD_OK)
		pd_outbox_msg_clear(m);
	return rc;
}

int
pd_store_outbox_take(struct pd_store *st, int64_t now,
    struct pd_outbox_msg *out)
{
	sqlite3_stmt *stmt = NULL;
	struct pd_outbox_msg m;
	int rc, step;

	memset(&m, 0, sizeof(m));
	pd_error_clear(&st->err);
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = pd_st_prepare(st, "SELECT " MSG_COLS ", message FROM outbox "
	    "WHERE state = 'pending' AND next_attempt <= ?1 "
	    "ORDER BY next_attempt, id LIMIT 1", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, now)) != PD_OK)
		goto out;
	if ((step = pd_st_step(st, stmt)) <= 0) {
		rc = step < 0 ? step : PD_ENOTFOUND;
		goto out;
	}
	if ((rc = row_msg(stmt, &m, 1)) != PD_OK)
		goto out;
	pd_st_release(stmt);
	stmt = NULL;
	if ((rc = pd_st_prepare(st, "UPDATE outbox SET state = 'sending', "
	    "attempts = attempts + 1, refused = NULL WHERE id = ?1",
	    &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, m.id)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	m.state = PD_OUTBOX_SENDING;
	m.attempts++;
	free(m.refused);
	m.refused = NULL;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	rc = end_quiet(st, rc);
	if (rc == PD_OK)
		*out = m;
	else
		pd_outbox_msg_clear(&m);
	return rc;
}

static int
update(struct pd_store *st, const char *sql, int64_t id, int64_t a,
    const char *text)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = pd_st_prepare(st, sql, &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, id)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 2, a)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 3, text)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	rc = PD_OK;
	if (sqlite3_changes(st->db) == 0)
		rc = pd_error_set(&st->err, PD_ENOTFOUND, "id",
		    "mail: no message %lld in a state that allows this",
		    (long long)id);
out:
	pd_st_release(stmt);
	return end_quiet(st, rc);
}

int
pd_store_outbox_sent(struct pd_store *st, int64_t id, int64_t now)
{
	return update(st, "UPDATE outbox SET state = 'sent', sent_at = ?2, "
	    "last_error = ?3 WHERE id = ?1", id, now, NULL);
}

int
pd_store_outbox_fail(struct pd_store *st, int64_t id,
    enum pd_outbox_state state, int64_t next_attempt, const char *error)
{
	switch (state) {
	case PD_OUTBOX_PENDING:
		return update(st, "UPDATE outbox SET state = 'pending', "
		    "next_attempt = ?2, last_error = ?3 WHERE id = ?1", id,
		    next_attempt, error);
	case PD_OUTBOX_FAILED:
		return update(st, "UPDATE outbox SET state = 'failed', "
		    "next_attempt = ?2, last_error = ?3 WHERE id = ?1", id,
		    next_attempt, error);
	case PD_OUTBOX_DEAD:
		return update(st, "UPDATE outbox SET state = 'dead', "
		    "next_attempt = ?2, last_error = ?3 WHERE id = ?1", id,
		    next_attempt, error);
	default:
		return pd_error_set(&st->err, PD_EINVAL, "state",
		    "state: not a failure state");
	}
}

int
pd_store_outbox_refused(struct pd_store *st, int64_t id, const char *refused)
{
	return update(st, "UPDATE outbox SET refused = ?3 WHERE id = ?1 "
	    "AND ?2 = 0", id, 0, refused);
}

int
pd_store_outbox_recover(struct pd_store *st, size_t *n)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = pd_st_prepare(st, "UPDATE outbox SET state = 'pending' "
	    "WHERE state = 'sending'", &stmt)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	rc = PD_OK;
	if (n != NULL)
		*n = (size_t)sqlite3_changes(st->db);
out:
	pd_st_release(stmt);
	return end_quiet(st, rc);
}

int
pd_store_outbox_retry(struct pd_store *st, int64_t id)
{
	/*
	 * A message whose text was purged (retention, erasure) has nothing
	 * left to send.  A retry starts the message's life again: attempts
	 * and the 48 h give-up clock count from now, else the first
	 * transient failure after the retry would declare it dead at once.
	 */
	return update(st, "UPDATE outbox SET state = 'pending', "
	    "next_attempt = ?2, created = ?2, attempts = 0, last_error = ?3, "
	    "refused = NULL WHERE id = ?1 AND state IN ('failed', 'dead', 'pending') "
	    "AND rcpt <> ''", id,
	    st->now, NULL);
}

int
pd_store_outbox_list(struct pd_store *st, const enum pd_outbox_state *state,
    struct pd_outbox_msg **out, size_t *n)
{
	sqlite3_stmt *stmt = NULL;
	struct pd_outbox_msg *list = NULL;
	size_t count = 0;
	int rc, step;

	pd_error_clear(&st->err);
	if ((rc = pd_st_prepare(st, "SELECT " MSG_COLS " FROM outbox WHERE "
	    "?1 IS NULL OR state = ?1 ORDER BY id DESC", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, state != NULL ?
	    pd_outbox_state_name(*state) : NULL)) != PD_OK)
		goto out;
	while ((step = pd_st_step(st, stmt)) == 1) {
		if ((rc = pd_st_grow(&list, count, sizeof(*list))) != PD_OK ||
		    (rc = row_msg(stmt, &list[count], 0)) != PD_OK)
			goto out;
		count++;
	}
	if ((rc = step) < 0)
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

static int
get_by(struct pd_store *st, const char *sql, int64_t id, const char *key,
    struct pd_outbox_msg *out)
{
	sqlite3_stmt *stmt = NULL;
	int rc, step;

	pd_error_clear(&st->err);
	if ((rc = pd_st_prepare(st, sql, &stmt)) != PD_OK)
		return rc;
	rc = key != NULL ? pd_st_bind_text(st, stmt, 1, key) :
	    pd_st_bind_int64(st, stmt, 1, id);
	if (rc != PD_OK)
		goto out;
	if ((step = pd_st_step(st, stmt)) <= 0) {
		rc = step < 0 ? step : pd_error_set(&st->err, PD_ENOTFOUND,
		    "id", "mail: no message %lld", (long long)id);
		goto out;
	}
	rc = row_msg(stmt, out, 1);
out:
	pd_st_release(stmt);
	return rc;
}

int
pd_store_outbox_get(struct pd_store *st, int64_t id,
    struct pd_outbox_msg *out)
{
	return get_by(st, "SELECT " MSG_COLS ", message FROM outbox WHERE "
	    "id = ?1", id, NULL, out);
}

int
pd_store_outbox_get_key(struct pd_store *st, const char *key,
    struct pd_outbox_msg *out)
{
	return get_by(st, "SELECT " MSG_COLS ", message FROM outbox WHERE "
	    "key = ?1", 0, key, out);
}

int
pd_store_outbox_backlog(struct pd_store *st, int64_t *count,
    int64_t *oldest, int64_t *waiting_retry)
{
	sqlite3_stmt *stmt = NULL;
	int rc, step;

	pd_error_clear(&st->err);
	if ((rc = pd_st_prepare(st, "SELECT count(*), min(created), "
	    "sum(attempts > 0) FROM outbox WHERE state IN ('pending', "
	    "'sending')", &stmt)) != PD_OK)
		return rc;
	if ((step = pd_st_step(st, stmt)) != 1) {
		rc = step < 0 ? step : PD_EDB;
		goto out;
	}
	*count = sqlite3_column_int64(stmt, 0);
	*oldest = sqlite3_column_int64(stmt, 1);
	if (waiting_retry != NULL)
		*waiting_retry = sqlite3_column_int64(stmt, 2);
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}
