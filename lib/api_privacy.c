/*
 * The organizer API's data-protection routes (routes in api.c):
 *
 *     DELETE /api/people/{…}?forget=1[&dry_run=1]   Art. 17: the erasure
 *     GET    /api/people/{…}/export                 Art. 15: the export
 *
 * A plain DELETE of a person stays what it was (refused while they speak
 * somewhere); ?forget=1 erases them as "podium person forget" does and
 * answers 200 with what changed.  Their spool files are deleted here;
 * the feeds and export_dir follow through app->changed, as after every
 * write.  No answer and no log line names the person by more than id.
 *
 * Not here: the erasure and export themselves (store_forget.c,
 * person_export.c).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "podium/privacy.h"
#include "podium/store.h"

#include "api_int.h"

/* Whether the query has name=1 (or name=true). */
static int
flag(const char *query, const char *name)
{
	size_t n = strlen(name);
	const char *p = query;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, n) == 0 && p[n] == '=' &&
		    (strncmp(p + n + 1, "1", 1) == 0 ||
		    strncmp(p + n + 1, "true", 4) == 0)) {
			char end = p[n + 1 + (p[n + 1] == '1' ? 1 : 4)];

			if (end == '\0' || end == '&')
				return 1;
		}
		if ((p = strchr(p, '&')) != NULL)
			p++;
	}
	return 0;
}

int
pd_api_wants_forget(const struct pd_api_ctx *c)
{
	return c->req->query != NULL && flag(c->req->query, "forget");
}

json_t *
pd_forget_report_json(const struct pd_forget_report *r, int dry,
    size_t files)
{
	json_t *m = json_array();
	size_t i;

	for (i = 0; i < r->nmentions; i++)
		json_array_append_new(m, json_string(r->mentions[i]));
	return json_pack("{s:I, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:b, s:I, s:b, s:o}", "person", (json_int_t)r->person_id,
	    "dry_run", dry, "attendances", (json_int_t)r->attendances,
	    "memberships", (json_int_t)r->memberships,
	    "talks", (json_int_t)r->talks,
	    "withdrawn", (json_int_t)r->withdrawn,
	    "via", (json_int_t)r->via, "organized", (json_int_t)r->organized,
	    "messages_scrubbed", (json_int_t)r->scrubbed,
	    "messages_dropped", (json_int_t)r->dropped,
	    "feed", r->feed_token, "spool_files", (json_int_t)files,
	    "wal_truncated", r->checkpointed, "mentions", m);
}

int
pd_api_person_forget(struct pd_api_ctx *c)
{
	struct pd_error err = { 0, NULL, NULL };
	struct pd_forget_report r;
	struct pd_person p;
	size_t files = 0;
	int dry, rc;

	memset(&p, 0, sizeof(p));
	memset(&r, 0, sizeof(r));
	dry = flag(c->req->query, "dry_run");
	rc = pd_store_person_find(c->app->st, c->arg[0], &p);
	if (rc == PD_ENOTFOUND)
		return pd_api_fail(c, 404, NULL, "no person with id, e-mail or "
		    "name '%s'", c->arg[0]);
	if (rc != PD_OK)
		return pd_api_fail_store(c, rc, NULL);
	rc = pd_store_person_forget(c->app->st, p.id, c->app->key,
	    sizeof(c->app->key), dry, &r);
	pd_person_clear(&p);
	if (rc != PD_OK)
		return pd_api_fail_store(c, rc, NULL);
	if (!dry) {
		c->wrote = 1;
		if (c->app->cfg != NULL && (rc = pd_spool_remove(
		    c->app->cfg->spool_dir, r.msg_ids, r.msg_kinds, r.nmsgs,
		    &files, &err)) != PD_OK) {
			rc = pd_api_fail(c, 500, "spool_dir", "forgotten in the "
			    "database, but: %s", err.msg != NULL ? err.msg :
			    pd_strerror(rc));
			goto out;
		}
	}
	rc = pd_api_reply(c, 200, pd_forget_report_json(&r, dry, files));
out:
	pd_forget_report_clear(&r);
	pd_error_clear(&err);
	return rc;
}

int
pd_api_person_export(struct pd_api_ctx *c)
{
	struct pd_error err = { 0, NULL, NULL };
	struct pd_person p;
	json_t *doc;
	char *text = NULL;
	int rc;

	memset(&p, 0, sizeof(p));
	rc = pd_store_person_find(c->app->st, c->arg[0], &p);
	if (rc == PD_ENOTFOUND)
		return pd_api_fail(c, 404, NULL, "no person with id, e-mail or "
		    "name '%s'", c->arg[0]);
	if (rc != PD_OK)
		return pd_api_fail_store(c, rc, NULL);
	rc = pd_person_export(c->app->st, p.id, &text, &err);
	pd_person_clear(&p);
	if (rc != PD_OK) {
		rc = pd_api_fail(c, 500, err.field, "%s", err.msg != NULL ?
		    err.msg : pd_strerror(rc));
		goto out;
	}
	/* One document, whichever way it is asked for. */
	doc = json_loads(text, 0, NULL);
	rc = pd_api_reply(c, 200, doc);
out:
	free(text);
	pd_error_clear(&err);
	return rc;
}
