/*
 * What the CLI and the daemon must agree on for one database, kept in
 * that database (table setting): the key that signs answer links and the
 * base URL podiumd serves.  The CLI works on the database alone; had it
 * these from files or defaults of its own, it could print a link signed
 * with a key it just invented, for a host podiumd does not serve, which
 * the speaker would get as a dead link (issue 8).
 *
 * The key is made once, with getrandom(), by `podium init` or by podiumd
 * when it starts on a database that has none; the CLI only reads it.  A
 * key file of an older podium ([secrets] key_file), where it exists, is
 * taken into the database by podiumd, so links already mailed keep
 * working.
 *
 * Not here: the tokens (answer.c), the key file's format (answer.c).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>

#include "podium/answer.h"
#include "podium/store.h"
#include "store_int.h"

#define K_ANSWER_KEY "answer_key"
#define K_BASE_URL "base_url"

/* The setting k as bytes; PD_ENOTFOUND when it is not set. */
static int
get(struct pd_store *st, const char *k, const void **v, int *len,
    sqlite3_stmt **stmt)
{
	int rc;

	if ((rc = pd_st_prepare(st, "SELECT v FROM setting WHERE k = ?1",
	    stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, *stmt, 1, k)) != PD_OK ||
	    (rc = pd_st_step(st, *stmt)) < 0)
		return rc;
	if (rc == 0)
		return PD_ENOTFOUND;
	*v = sqlite3_column_blob(*stmt, 0);
	*len = sqlite3_column_bytes(*stmt, 0);
	return PD_OK;
}

static int
set(struct pd_store *st, const char *k, const void *v, int len)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = pd_st_prepare(st, "INSERT INTO setting (k, v) "
	    "VALUES (?1, ?2) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
	    &stmt)) == PD_OK &&
	    (rc = pd_st_bind_text(st, stmt, 1, k)) == PD_OK) {
		if (sqlite3_bind_blob(stmt, 2, v, len, SQLITE_TRANSIENT) !=
		    SQLITE_OK)
			rc = pd_st_dberr(st, "database: bind");
		else if ((rc = pd_st_step(st, stmt)) > 0)
			rc = PD_OK;
	}
	pd_st_release(stmt);
	return rc;
}

/* Settings are no calendar data: writing one must not re-render feeds. */
static int
end_quiet(struct pd_store *st, int rc)
{
	st->quiet = 1;
	rc = pd_st_end(st, rc);
	st->quiet = 0;
	return rc;
}

int
pd_store_answer_key(struct pd_store *st, unsigned char *key)
{
	sqlite3_stmt *stmt = NULL;
	const void *v = NULL;
	int len = 0, rc;

	pd_error_clear(&st->err);
	rc = get(st, K_ANSWER_KEY, &v, &len, &stmt);
	if (rc == PD_OK && len != PD_ANSWER_KEY_LEN)
		rc = pd_error_set(&st->err, PD_EDB, NULL, "database: the "
		    "answer-link key has %d bytes, not %d", len,
		    PD_ANSWER_KEY_LEN);
	else if (rc == PD_OK)
		memcpy(key, v, PD_ANSWER_KEY_LEN);
	else if (rc == PD_ENOTFOUND)
		pd_error_set(&st->err, PD_ENOTFOUND, NULL, "database: no "
		    "answer-link key yet; podiumd makes it when it starts on "
		    "this database (or run 'podium init')");
	pd_st_release(stmt);
	return rc;
}

int
pd_store_answer_key_setup(struct pd_store *st,
    const unsigned char *adopt, unsigned char *key,
    enum pd_key_source *source)
{
	unsigned char old[PD_ANSWER_KEY_LEN], fresh[PD_ANSWER_KEY_LEN];
	enum pd_key_source src = PD_KEY_STORED;
	int rc, had;

	pd_error_clear(&st->err);
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	/* Under the write lock: two processes starting at once agree. */
	rc = pd_store_answer_key(st, old);
	if (rc != PD_OK && rc != PD_ENOTFOUND)
		goto out;
	had = rc == PD_OK;
	if (adopt != NULL) {
		src = !had ? PD_KEY_ADOPTED :
		    CRYPTO_memcmp(old, adopt, PD_ANSWER_KEY_LEN) == 0 ?
		    PD_KEY_STORED : PD_KEY_REPLACED;
		memcpy(fresh, adopt, PD_ANSWER_KEY_LEN);
	} else if (had) {
		src = PD_KEY_STORED;
		memcpy(fresh, old, PD_ANSWER_KEY_LEN);
	} else {
		src = PD_KEY_CREATED;
		if (getrandom(fresh, sizeof(fresh), 0) != sizeof(fresh)) {
			rc = pd_error_set(&st->err, PD_EIO, NULL,
			    "no randomness for the answer-link key");
			goto out;
		}
	}
	if (src != PD_KEY_STORED &&
	    (rc = set(st, K_ANSWER_KEY, fresh, PD_ANSWER_KEY_LEN)) != PD_OK)
		goto out;
	rc = PD_OK;
out:
	rc = end_quiet(st, rc);
	if (rc == PD_OK) {
		memcpy(key, fresh, PD_ANSWER_KEY_LEN);
		if (source != NULL)
			*source = src;
	}
	OPENSSL_cleanse(old, sizeof(old));
	OPENSSL_cleanse(fresh, sizeof(fresh));
	return rc;
}

int
pd_store_base_url(struct pd_store *st, char **out)
{
	sqlite3_stmt *stmt = NULL;
	const void *v = NULL;
	char *s = NULL;
	int len = 0, rc;

	pd_error_clear(&st->err);
	if ((rc = get(st, K_BASE_URL, &v, &len, &stmt)) == PD_OK) {
		if ((s = strndup(v != NULL ? v : "", (size_t)len)) == NULL)
			rc = pd_error_set(&st->err, PD_ENOMEM, NULL,
			    "out of memory");
		else
			*out = s;
	}
	pd_st_release(stmt);
	return rc;
}

int
pd_store_base_url_set(struct pd_store *st, const char *url)
{
	char *now = NULL;
	size_t len;
	int rc;

	pd_error_clear(&st->err);
	len = url != NULL ? strlen(url) : 0;
	while (len > 0 && url[len - 1] == '/')
		len--;
	if (len == 0)
		return pd_error_set(&st->err, PD_EINVAL, "base_url",
		    "base_url: empty");
	/* Unchanged (every start of the same podiumd): no write at all. */
	if (pd_store_base_url(st, &now) == PD_OK && strlen(now) == len &&
	    memcmp(now, url, len) == 0) {
		free(now);
		return PD_OK;
	}
	free(now);
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	rc = set(st, K_BASE_URL, url, (int)len);
	return end_quiet(st, rc);
}
