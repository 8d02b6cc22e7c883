/*
 * Whether who attends is public (store.h): the organizer's switch for
 * one event and for a whole working group.
 *
 * Both are writes that change what the public feeds show, so they bump
 * the revision (feeds re-render) and the events' last change (their
 * DTSTAMP and LAST-MODIFIED tell calendar clients that something moved).
 * They cause no mail: the planner's triggers do not look at the columns.
 *
 * Not here: what the flags mean for a rendering (lib/ical_render.c).
 */
#include <stdlib.h>

#include "podium/store.h"
#include "store_int.h"

/* Runs sql with ?1.. = v[0..n-1]; *changes: the rows it changed. */
static int
exec_n(struct pd_store *st, const char *sql, const int64_t *v, int n,
    int *changes)
{
	sqlite3_stmt *stmt = NULL;
	int i, rc;

	if ((rc = pd_st_prepare(st, sql, &stmt)) != PD_OK)
		goto out;
	for (i = 0; i < n; i++)
		if ((rc = pd_st_bind_int64(st, stmt, i + 1, v[i])) != PD_OK)
			goto out;
	if ((rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (changes != NULL)
		*changes = sqlite3_changes(st->db);
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

int
pd_store_event_set_public_attendance(struct pd_store *st, int64_t event_id,
    int on)
{
	int64_t v[3] = { event_id, on ? 1 : 0, st->now };
	int n = 0, rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = exec_n(st, "UPDATE event SET public_attendance = ?2, "
	    "updated = ?3 WHERE id = ?1", v, 3, &n)) != PD_OK)
		goto out;
	if (n == 0)
		rc = pd_error_set(&st->err, PD_ENOTFOUND, "event",
		    "event: no event %lld", (long long)event_id);
out:
	return pd_st_end(st, rc);
}

int
pd_store_group_set_public_attendance(struct pd_store *st, const char *slug,
    int on)
{
	int64_t v[3] = { 0, on ? 1 : 0, st->now };
	int rc;

	pd_error_clear(&st->err);
	if (slug == NULL || *slug == '\0')
		return pd_error_set(&st->err, PD_EINVAL, "group",
		    "group: no slug given");
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = pd_st_group_ensure(st, slug, NULL, 0, &v[0])) != PD_OK ||
	    (rc = exec_n(st, "UPDATE grp SET public_attendance = ?2, "
	    "updated = ?3 WHERE id = ?1", v, 3, NULL)) != PD_OK)
		goto out;
	/* Every event of the group now shows (or hides) its people. */
	v[1] = st->now;
	rc = exec_n(st, "UPDATE event SET updated = ?2 WHERE group_id = ?1",
	    v, 2, NULL);
out:
	return pd_st_end(st, rc);
}

int
pd_st_group_publish_attendance(struct pd_store *st, int64_t group_id)
{
	return exec_n(st, "UPDATE grp SET public_attendance = 1 "
	    "WHERE id = ?1", &group_id, 1, NULL);
}
