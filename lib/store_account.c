/*
 * Web accounts, sessions, failed logins and setup links in the store
 * (the tables of MIGRATION_WEB_ACCOUNTS).  See podium/account.h.
 *
 * Every write is quiet: it commits without bumping the revision, so that
 * a login does not make podiumd render its feeds again.
 */
#include <stdlib.h>
#include <string.h>

#include "podium/account.h"
#include "podium/store.h"
#include "store_int.h"

/* Up to three parameters of one statement: text when s, else an integer. */
struct arg {
	const char *s;
	int64_t i;
};

static int
bind_args(struct pd_store *st, sqlite3_stmt *stmt, const struct arg *a,
    int n)
{
	int i, rc;

	for (i = 0; i < n; i++) {
		rc = a[i].s != NULL ?
		    pd_st_bind_text(st, stmt, i + 1, a[i].s) :
		    pd_st_bind_int64(st, stmt, i + 1, a[i].i);
		if (rc != PD_OK)
			return rc;
	}
	return PD_OK;
}

/* Runs one write in its own quiet transaction; *changes: rows touched. */
static int
write1(struct pd_store *st, const char *sql, const struct arg *a, int n,
    int *changes)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = pd_st_prepare(st, sql, &stmt)) != PD_OK ||
	    (rc = bind_args(st, stmt, a, n)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (changes != NULL)
		*changes = sqlite3_changes(st->db);
	rc = PD_OK;
out:
	pd_st_release(stmt);
	st->quiet = 1;
	rc = pd_st_end(st, rc);
	st->quiet = 0;
	return rc;
}

static int
no_account(struct pd_store *st, const char *email)
{
	return pd_error_set(&st->err, PD_ENOTFOUND, "email",
	    "email: no account '%.254s'", email);
}

int
pd_store_account_add(struct pd_store *st, const char *email,
    const char *name, const char *lang, const char *pwhash, int64_t *id)
{
	struct pd_account old;
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = pd_account_validate(email, lang, NULL, &st->err)) != PD_OK)
		return rc;
	memset(&old, 0, sizeof(old));
	if (pd_store_account_find(st, email, &old, NULL) == PD_OK) {
		pd_account_clear(&old);
		return pd_error_set(&st->err, PD_EEXIST, "email",
		    "email: there is an account '%.254s' already", email);
	}
	pd_error_clear(&st->err);
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = pd_st_prepare(st, "INSERT INTO web_account (email, name, "
	    "lang, pwhash, created, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
	    &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, email)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 2, name != NULL &&
	    *name != '\0' ? name : NULL)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 3, lang != NULL &&
	    *lang != '\0' ? lang : "de")) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 4, pwhash)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 5, st->now)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(st->db);
	/* The first account ends the setup links. */
	pd_st_release(stmt);
	stmt = NULL;
	if ((rc = pd_st_prepare(st, "DELETE FROM web_setup", &stmt)) !=
	    PD_OK || (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	st->quiet = 1;
	rc = pd_st_end(st, rc);
	st->quiet = 0;
	return rc;
}

#define ACCOUNT_COLS "id, email, name, lang, created, pwhash"

static int
read_account(sqlite3_stmt *stmt, struct pd_account *a, char **pwhash)
{
	int rc;

	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(stmt, 0);
	a->created = sqlite3_column_int64(stmt, 4);
	if ((rc = pd_st_col_str(stmt, 1, &a->email)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 2, &a->name)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, 3, &a->lang)) != PD_OK ||
	    (pwhash != NULL &&
	    (rc = pd_st_col_str(stmt, 5, pwhash)) != PD_OK)) {
		pd_account_clear(a);
		return rc;
	}
	return PD_OK;
}

int
pd_store_account_list(struct pd_store *st, struct pd_account **out,
    size_t *n)
{
	sqlite3_stmt *stmt = NULL;
	struct pd_account *list = NULL;
	size_t len = 0;
	int rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_prepare(st, "SELECT " ACCOUNT_COLS " FROM web_account "
	    "ORDER BY email", &stmt)) != PD_OK)
		goto out;
	while ((rc = pd_st_step(st, stmt)) == 1) {
		if ((rc = pd_st_grow(&list, len, sizeof(*list))) != PD_OK ||
		    (rc = read_account(stmt, &list[len], NULL)) != PD_OK)
			goto out;
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
	pd_account_list_free(list, len);
	return rc;
}

int
pd_store_account_count(struct pd_store *st, int64_t *n)
{
	int found = 0;

	pd_error_clear(&st->err);
	return pd_st_query_int(st, "SELECT count(*) + 0 * ?1 FROM web_account",
	    0, n, &found);
}

static int
get_one(struct pd_store *st, const char *sql, const struct arg *a,
    struct pd_account *out, char **pwhash)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_prepare(st, sql, &stmt)) != PD_OK ||
	    (rc = bind_args(st, stmt, a, 1)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (rc == 0) {
		rc = PD_ENOTFOUND;
		goto out;
	}
	rc = read_account(stmt, out, pwhash);
out:
	pd_st_release(stmt);
	return rc;
}

int
pd_store_account_find(struct pd_store *st, const char *email,
    struct pd_account *out, char **pwhash)
{
	struct arg a = { email != NULL ? email : "", 0 };
	int rc;

	rc = get_one(st, "SELECT " ACCOUNT_COLS " FROM web_account "
	    "WHERE email = ?1", &a, out, pwhash);
	return rc == PD_ENOTFOUND ? no_account(st, a.s) : rc;
}

int
pd_store_account_get(struct pd_store *st, int64_t id,
    struct pd_account *out)
{
	struct arg a = { NULL, id };
	int rc;

	rc = get_one(st, "SELECT " ACCOUNT_COLS " FROM web_account "
	    "WHERE id = ?1", &a, out, NULL);
	if (rc == PD_ENOTFOUND)
		return pd_error_set(&st->err, PD_ENOTFOUND, "account",
		    "account: no account with id %lld", (long long)id);
	return rc;
}

int
pd_store_account_passwd(struct pd_store *st, const char *email,
    const char *pwhash)
{
	struct arg a[3] = { { email, 0 }, { pwhash, 0 }, { NULL, st->now } };
	int changes = 0, rc;

	if ((rc = write1(st, "UPDATE web_account SET pwhash = ?2, "
	    "updated = ?3 WHERE email = ?1", a, 3, &changes)) != PD_OK)
		return rc;
	if (changes == 0)
		return no_account(st, email);
	return write1(st, "DELETE FROM web_session WHERE account_id = "
	    "(SELECT id FROM web_account WHERE email = ?1)", a, 1, NULL);
}

int
pd_store_account_remove(struct pd_store *st, const char *email)
{
	struct arg a = { email, 0 };
	int changes = 0, rc;

	if ((rc = write1(st, "DELETE FROM web_account WHERE email = ?1", &a,
	    1, &changes)) != PD_OK)
		return rc;
	return changes == 0 ? no_account(st, email) : PD_OK;
}

/* ---- sessions ---- */

int
pd_store_session_add(struct pd_store *st, const char *id_hash,
    int64_t account_id, const char *csrf)
{
	struct arg a[3] = { { id_hash, 0 }, { NULL, account_id },
	    { csrf, 0 } };
	sqlite3_stmt *stmt = NULL;
	int rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = pd_st_prepare(st, "INSERT INTO web_session (id_hash, "
	    "account_id, csrf, created, seen) VALUES (?1, ?2, ?3, ?4, ?4)",
	    &stmt)) != PD_OK || (rc = bind_args(st, stmt, a, 3)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 4, st->now)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	st->quiet = 1;
	rc = pd_st_end(st, rc);
	st->quiet = 0;
	return rc;
}

int
pd_store_session_get(struct pd_store *st, const char *id_hash,
    int64_t *account_id, char **csrf, int64_t *created, int64_t *seen)
{
	sqlite3_stmt *stmt = NULL;
	char *c = NULL;
	int rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_prepare(st, "SELECT account_id, csrf, created, seen "
	    "FROM web_session WHERE id_hash = ?1", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, id_hash)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (rc == 0) {
		rc = pd_error_set(&st->err, PD_ENOTFOUND, "session",
		    "session: none");
		goto out;
	}
	if ((rc = pd_st_col_str(stmt, 1, &c)) != PD_OK)
		goto out;
	*account_id = sqlite3_column_int64(stmt, 0);
	*created = sqlite3_column_int64(stmt, 2);
	*seen = sqlite3_column_int64(stmt, 3);
	*csrf = c;
	c = NULL;
	rc = PD_OK;
out:
	free(c);
	pd_st_release(stmt);
	return rc;
}

int
pd_store_session_touch(struct pd_store *st, const char *id_hash)
{
	struct arg a[2] = { { id_hash, 0 }, { NULL, st->now } };

	return write1(st, "UPDATE web_session SET seen = ?2 WHERE "
	    "id_hash = ?1", a, 2, NULL);
}

int
pd_store_session_delete(struct pd_store *st, const char *id_hash)
{
	struct arg a = { id_hash, 0 };

	return write1(st, "DELETE FROM web_session WHERE id_hash = ?1", &a, 1,
	    NULL);
}

int
pd_store_session_purge(struct pd_store *st, int64_t idle_before,
    int64_t made_before)
{
	struct arg a[2] = { { NULL, idle_before }, { NULL, made_before } };

	return write1(st, "DELETE FROM web_session WHERE seen < ?1 OR "
	    "created < ?2", a, 2, NULL);
}

/* ---- failed logins ---- */

int
pd_store_throttle_get(struct pd_store *st, const char *key,
    int64_t *failures, int64_t *last)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	pd_error_clear(&st->err);
	*failures = 0;
	*last = 0;
	if ((rc = pd_st_prepare(st, "SELECT failures, last FROM web_throttle "
	    "WHERE k = ?1", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, key)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (rc == 1) {
		*failures = sqlite3_column_int64(stmt, 0);
		*last = sqlite3_column_int64(stmt, 1);
	}
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

int
pd_store_throttle_fail(struct pd_store *st, const char *key)
{
	struct arg a[2] = { { key, 0 }, { NULL, st->now } };

	return write1(st, "INSERT INTO web_throttle (k, failures, last) "
	    "VALUES (?1, 1, ?2) ON CONFLICT (k) DO UPDATE SET "
	    "failures = failures + 1, last = ?2", a, 2, NULL);
}

int
pd_store_throttle_clear(struct pd_store *st, const char *key)
{
	struct arg a = { key, 0 };

	return write1(st, "DELETE FROM web_throttle WHERE k = ?1", &a, 1,
	    NULL);
}

/*
 * A row's only use is the window after its last failure (web.c forgets
 * it there on the next try); one never tried again would keep the
 * address and the client's IP for good, so retention drops them.
 */
int
pd_store_throttle_purge(struct pd_store *st, int64_t before, size_t *n)
{
	struct arg a = { NULL, before };
	int changes = 0, rc;

	if ((rc = write1(st, "DELETE FROM web_throttle WHERE last < ?1", &a, 1,
	    &changes)) != PD_OK)
		return rc;
	if (changes > 0)	/* no old page image left in the -wal */
		pd_st_checkpoint(st);
	if (n != NULL)
		*n = (size_t)changes;
	return PD_OK;
}

/* ---- setup links ---- */

int
pd_store_setup_add(struct pd_store *st, const char *hash, int64_t expires)
{
	struct arg a[2] = { { hash, 0 }, { NULL, expires } };

	return write1(st, "INSERT INTO web_setup (hash, expires) VALUES "
	    "(?1, ?2)", a, 2, NULL);
}

int
pd_store_setup_check(struct pd_store *st, const char *hash)
{
	sqlite3_stmt *stmt = NULL;
	int64_t v = 0;
	int found = 0, rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_prepare(st, "SELECT expires FROM web_setup WHERE "
	    "hash = ?1 AND NOT EXISTS (SELECT 1 FROM web_account)",
	    &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, hash)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (rc == 1) {
		found = 1;
		v = sqlite3_column_int64(stmt, 0);
	}
	rc = found && v > st->now ? PD_OK : pd_error_set(&st->err,
	    PD_ENOTFOUND, "setup", "setup: this link is unknown or expired");
out:
	pd_st_release(stmt);
	return rc;
}

int
pd_store_setup_clear(struct pd_store *st)
{
	return write1(st, "DELETE FROM web_setup", NULL, 0, NULL);
}
