/*
 * Personal feed tokens in the store.  The token itself is a secret that
 * only its owner's URL carries (token.c makes it); the store keeps its
 * hash, so a copy of the database opens no feeds.  Setting a new hash
 * replaces the old one, which is how a feed URL is revoked.
 *
 * Not here: making or hashing tokens (token.c), serving feeds (http).
 */
#include <string.h>

#include "podium/store.h"
#include "store_int.h"

/* Lower-case hex, as pd_token_hash writes it; bounded so no junk fits. */
static int
valid_hash(const char *h)
{
	size_t n;

	if (h == NULL)
		return 0;
	n = strlen(h);
	return n >= 32 && n <= 128 && strspn(h, "0123456789abcdef") == n;
}

int
pd_store_feed_token_set(struct pd_store *st, int64_t person_id,
    const char *hash_hex)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	pd_error_clear(&st->err);
	/* NULL revokes without a replacement. */
	if (hash_hex != NULL && !valid_hash(hash_hex))
		return pd_error_set(&st->err, PD_EINVAL, "token",
		    "token: the hash must be 32 to 128 lower-case hex digits");
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = pd_st_prepare(st, "UPDATE person SET feed_token_hash = ?2, "
	    "updated = ?3 WHERE id = ?1", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, person_id)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 2, hash_hex)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 3, st->now)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (sqlite3_changes(st->db) == 0) {
		rc = pd_error_set(&st->err, PD_ENOTFOUND, "person",
		    "person: no one with id, e-mail or name '%lld'",
		    (long long)person_id);
		goto out;
	}
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return pd_st_end(st, rc);
}

int
pd_store_feed_token_find(struct pd_store *st, const char *hash_hex,
    int64_t *person_id)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	pd_error_clear(&st->err);
	if (!valid_hash(hash_hex))
		return pd_error_set(&st->err, PD_ENOTFOUND, "token",
		    "token: no such feed");
	if ((rc = pd_st_prepare(st, "SELECT id FROM person "
	    "WHERE feed_token_hash = ?1", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, hash_hex)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (rc == 0) {
		rc = pd_error_set(&st->err, PD_ENOTFOUND, "token",
		    "token: no such feed");
		goto out;
	}
	*person_id = sqlite3_column_int64(stmt, 0);
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}
