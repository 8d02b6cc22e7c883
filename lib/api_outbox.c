/*
 * The outbox through the organizer API: what podium has sent, is
 * sending, and could not send.  GET /api/outbox[?state=…] lists messages
 * (without their bytes, which hold addresses of other people only in
 * Cc); POST /api/outbox/{id}/retry puts a failed or dead one back.
 */
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "podium/outbox.h"
#include "podium/store.h"

static json_t *
msg_json(const struct pd_outbox_msg *m)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:i, s:I, s:s?, "
	    "s:I, s:I, s:s?}",
	    "id", (json_int_t)m->id,
	    "key", m->key,
	    "kind", m->kind,
	    "state", pd_outbox_state_name(m->state),
	    "to", m->rcpt,
	    "subject", m->subject,
	    "attempts", m->attempts,
	    "next_attempt", (json_int_t)m->next_attempt,
	    "last_error", m->last_error,
	    "created", (json_int_t)m->created,
	    "sent_at", (json_int_t)m->sent_at,
	    "refused", m->refused);
}

int
pd_api_outbox_list(struct pd_api_ctx *c)
{
	struct pd_outbox_msg *list = NULL;
	enum pd_outbox_state state, *want = NULL;
	const char *q = c->req->query;
	json_t *a = NULL, *o;
	size_t n = 0, i;
	int rc;

	if (q != NULL && *q != '\0') {
		if (strncmp(q, "state=", 6) != 0 || strchr(q, '&') != NULL)
			return pd_api_fail(c, 400, "state", "only ?state= is "
			    "known here");
		if (pd_outbox_state_parse(q + 6, &state) != PD_OK)
			return pd_api_fail(c, 400, "state", "state: '%s' is not "
			    "one of pending, sending, sent, failed, dead", q + 6);
		want = &state;
	}
	if ((rc = pd_store_outbox_list(c->app->st, want, &list, &n)) != PD_OK)
		return pd_api_fail_store(c, rc, NULL);
	if ((a = json_array()) == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		if ((o = msg_json(&list[i])) == NULL ||
		    json_array_append_new(a, o) != 0)
			goto oom;
	}
	pd_outbox_list_free(list, n);
	return pd_api_reply(c, 200, a);
oom:
	json_decref(a);
	pd_outbox_list_free(list, n);
	return pd_api_fail(c, 500, NULL, "out of memory");
}

int
pd_api_outbox_retry(struct pd_api_ctx *c)
{
	struct pd_outbox_msg m;
	int64_t id;
	json_t *o;
	int rc;

	if ((rc = pd_api_arg_id(c, 0, "message", &id)) != PD_OK)
		return rc;
	pd_store_set_now(c->app->st, c->app->now());
	if ((rc = pd_store_outbox_retry(c->app->st, id)) != PD_OK)
		return pd_api_fail_store(c, rc, "id");
	if ((rc = pd_store_outbox_get(c->app->st, id, &m)) != PD_OK)
		return pd_api_fail_store(c, rc, "id");
	o = msg_json(&m);
	pd_outbox_msg_clear(&m);
	/* The scheduler wakes on "changed" and sends it right away. */
	c->wrote = 1;
	return pd_api_reply(c, 200, o);
}
