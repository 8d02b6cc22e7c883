/*
 * PATCH /api/groups/{slug} {"public_attendance": true|false}: whether
 * public feeds name the participants of the group's events (speakers and
 * chairs are named always).  The answer is the group as GET /api/groups
 * shows it.
 *
 * Not here: listing groups (api_person.c), events' own flag (the
 * public_attendance field of PATCH /api/events/{id}, api_event.c).
 */
#include <string.h>

#include "podium/store.h"

#include "api_int.h"
#include "json_model.h"

static const struct pd_api_field group_fields[] = {
	{ "public_attendance", PD_API_BOOL },
	{ "id", PD_API_RO }, { "slug", PD_API_RO }, { "name", PD_API_RO },
	{ "feed", PD_API_RO }, { "members", PD_API_RO },
};

int
pd_api_group_patch(struct pd_api_ctx *c)
{
	struct pd_group *list = NULL;
	const char *slug = c->arg[0];
	json_t *v;
	size_t n = 0, i;
	int rc;

	if ((rc = pd_api_fields(c, group_fields, sizeof(group_fields) /
	    sizeof(group_fields[0]))) != PD_OK)
		return rc;
	if ((v = pd_api_get(c, "public_attendance")) != NULL) {
		rc = pd_store_group_set_public_attendance(c->app->st, slug,
		    json_is_true(v));
		if (rc == PD_ENOTFOUND)
			return pd_api_fail(c, 404, "group", "group: no group "
			    "with slug '%s'", slug);
		if (rc != PD_OK)
			return pd_api_fail_store(c, rc, "group");
		c->wrote = 1;
	}
	if ((rc = pd_store_group_list(c->app->st, &list, &n)) != PD_OK)
		return pd_api_fail_store(c, rc, NULL);
	for (i = 0; i < n && strcmp(list[i].slug, slug) != 0; i++)
		;
	if (i == n)
		rc = pd_api_fail(c, 404, "group", "group: no group with slug "
		    "'%s'", slug);
	else
		rc = pd_api_reply(c, 200, pd_json_group(&list[i],
		    c->app->cfg != NULL ? c->app->cfg->base_url : NULL));
	pd_group_list_free(list, n);
	return rc;
}
