/*
 * People who share a name.  In a citizens' forum of 2,000 people two
 * "Jürgen Lübcke" are normal, so a name never has to be unique: an
 * address identifies a person, a name alone only when nothing else is
 * given.  Where a name is all there is and it fits several people, the
 * error lists them (id and address), so the user can pick one by id or
 * address instead of guessing.
 *
 * Not here: the lookups themselves (store_person.c, store_import.c).
 */
#include <string.h>

#include "podium/buf.h"
#include "store_int.h"

/* How many candidates an error lists; the rest are counted. */
#define MAX_LISTED 10

int
pd_st_name_ambiguous(struct pd_store *st, const char *field,
    const char *name, const char *advice)
{
	struct pd_buf list = PD_BUF_INIT;
	sqlite3_stmt *stmt = NULL;
	const char *email;
	long long n = 0;
	int rc;

	/* Bounded by the people of that name, found through person_name. */
	if ((rc = pd_st_prepare(st, "SELECT id, email FROM person "
	    "WHERE name = ?1 ORDER BY id", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, name)) != PD_OK)
		goto out;
	while ((rc = pd_st_step(st, stmt)) == 1) {
		if (n++ >= MAX_LISTED)
			continue;
		email = (const char *)sqlite3_column_text(stmt, 1);
		pd_buf_addf(&list, "%s id %lld %s%s%s", n > 1 ? "," : "",
		    (long long)sqlite3_column_int64(stmt, 0),
		    email != NULL ? "<" : "(", email != NULL ? email :
		    "no address", email != NULL ? ">" : ")");
	}
	if (rc < 0)
		goto out;
	if (n > MAX_LISTED)
		pd_buf_addf(&list, " and %lld more", n - MAX_LISTED);
	if (pd_buf_failed(&list)) {
		rc = pd_error_set(&st->err, PD_ENOMEM, NULL, "out of memory");
		goto out;
	}
	rc = pd_error_set(&st->err, PD_EINVAL, field,
	    "%s: %lld people are called '%s':%s; %s", field, n, name,
	    list.data != NULL ? list.data : "", advice);
out:
	pd_st_release(stmt);
	pd_buf_free(&list);
	return rc;
}
