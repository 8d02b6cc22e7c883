/*
 * The organizer API's parts of events: agenda items, talks (with their
 * confirm and decline) and attendances (routes in api.c).
 *
 * People in a request are named as on the command line: an id, an
 * e-mail address or an exact name; a name nobody has answers 404 naming
 * the field.  Talks are named by id; "alternative_to" must be a talk of
 * the same event.  Whether the result is valid is the store's call.
 *
 * GET /api/talks/{id}/link is "podium talk link": the speaker's answer
 * page, signed with the daemon's key (answer.h), so the same talk gives
 * the same link here as on the command line with the same key.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "podium/answer.h"
#include "podium/config.h"
#include "podium/store.h"
#include "podium/tz.h"

#include "api_int.h"
#include "json_model.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Where the daemon listens when no config says otherwise (config.c). */
#define DEFAULT_BASE "http://127.0.0.1:8080"

static const struct pd_api_field agenda_fields[] = {
	{ "label", PD_API_STR | PD_API_NULL },
	{ "title", PD_API_STR },
	{ "from", PD_API_STR },
	{ "to", PD_API_STR },
};

static const struct pd_api_field talk_fields[] = {
	{ "title", PD_API_STR },
	{ "speaker", PD_API_REF },
	{ "status", PD_API_STR },
	{ "via", PD_API_REF | PD_API_NULL },
	{ "alternative_to", PD_API_REF | PD_API_NULL },
	{ "start", PD_API_STR | PD_API_NULL },
	{ "end", PD_API_STR | PD_API_NULL },
};

static const struct pd_api_field attend_fields[] = {
	{ "person", PD_API_REF },
	{ "role", PD_API_STR },
	{ "status", PD_API_STR },
	{ "delegate", PD_API_STR | PD_API_NULL },
};

static int
oom(struct pd_api_ctx *c)
{
	return pd_api_fail(c, 500, NULL, "out of memory");
}

/* A copy of s, or of "" for NULL; NULL only when memory ran out. */
static char *
dup_or_empty(const char *s)
{
	return strdup(s != NULL ? s : "");
}

/*
 * "9:00" -> "09:00" for an agenda time; anything else is passed on as
 * given, for the store to refuse.
 */
static char *
agenda_time(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;
	char out[6];

	if (n == 4 && s[1] == ':' && s[0] >= '0' && s[0] <= '9') {
		snprintf(out, sizeof(out), "0%s", s);
		return strdup(out);
	}
	return dup_or_empty(s);
}

/* An object answer with "event_id" added. */
static json_t *
with_event(json_t *o, int64_t event_id)
{
	if (o != NULL && json_object_set_new(o, "event_id",
	    json_integer(event_id)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int
pd_api_agenda_create(struct pd_api_ctx *c)
{
	struct pd_event *ev = NULL;
	struct pd_agenda_item it;
	int rc;

	memset(&it, 0, sizeof(it));
	if ((rc = pd_api_fields(c, agenda_fields,
	    NELEM(agenda_fields))) != PD_OK ||
	    (rc = pd_api_event_load(c, 0, &ev)) != PD_OK)
		goto out;
	if ((it.label = dup_or_empty(pd_api_str(c, "label"))) == NULL ||
	    (it.title = dup_or_empty(pd_api_str(c, "title"))) == NULL ||
	    (it.from = agenda_time(pd_api_str(c, "from"))) == NULL ||
	    (it.to = agenda_time(pd_api_str(c, "to"))) == NULL) {
		rc = oom(c);
		goto out;
	}
	if ((rc = pd_store_agenda_add(c->app->st, ev->id, &it)) != PD_OK) {
		pd_api_fail_store(c, rc, NULL);
		goto out;
	}
	c->wrote = 1;
	rc = pd_api_created(c, "agenda", it.id,
	    with_event(pd_json_agenda_item(&it), ev->id));
out:
	pd_agenda_item_clear(&it);
	pd_event_free(ev);
	return rc;
}

int
pd_api_agenda_delete(struct pd_api_ctx *c)
{
	int64_t id;
	int rc;

	if ((rc = pd_api_arg_id(c, 0, "agenda item", &id)) != PD_OK)
		return rc;
	if ((rc = pd_store_agenda_delete(c->app->st, id)) != PD_OK)
		return pd_api_fail_store(c, rc, NULL);
	c->wrote = 1;
	return pd_api_no_content(c);
}

/*
 * Answers status with the talk as the store has it, with its event's id
 * and "alternative_to" as the other talk's id.
 */
static int
reply_talk(struct pd_api_ctx *c, int status, int64_t talk_id)
{
	struct pd_event *ev = NULL;
	struct pd_talk t;
	int64_t event_id = 0, alt = 0;
	char key[24];
	json_t *o;
	int rc;

	memset(&t, 0, sizeof(t));
	if ((rc = pd_store_talk_get(c->app->st, talk_id, &t,
	    &event_id)) != PD_OK) {
		if (rc == PD_ENOTFOUND)
			rc = pd_api_fail(c, 404, NULL, "no talk with id %lld",
			    (long long)talk_id);
		else
			pd_api_fail_store(c, rc, NULL);
		goto out;
	}
	if (t.alternative_to != NULL) {
		snprintf(key, sizeof(key), "%lld", (long long)event_id);
		if ((rc = pd_store_event_get(c->app->st, key, &ev)) != PD_OK) {
			pd_api_fail_store(c, rc, NULL);
			goto out;
		}
		alt = pd_json_talk_id(ev, t.alternative_to);
	}
	o = with_event(pd_json_talk(&t, alt), event_id);
	if (status == 201)
		rc = pd_api_created(c, "talks", talk_id, o);
	else
		rc = pd_api_reply(c, status, o);
out:
	pd_event_free(ev);
	pd_talk_clear(&t);
	return rc;
}

/* The uid of the talk "alternative_to" names, which must be ev's. */
static int
alternative(struct pd_api_ctx *c, const struct pd_event *ev, char **uid)
{
	json_t *v = pd_api_get(c, "alternative_to");
	struct pd_talk other;
	int64_t id, event_id = 0;
	int rc;

	if (v == NULL || json_is_null(v))
		return PD_OK;
	memset(&other, 0, sizeof(other));
	if ((id = pd_api_json_id(v)) == 0)
		return pd_api_fail(c, 400, "alternative_to", "alternative_to: "
		    "must be the id of a talk");
	rc = pd_store_talk_get(c->app->st, id, &other, &event_id);
	if (rc == PD_ENOTFOUND)
		return pd_api_fail(c, 404, "alternative_to", "alternative_to: "
		    "no talk with id %lld", (long long)id);
	if (rc != PD_OK)
		return pd_api_fail_store(c, rc, "alternative_to");
	if (event_id != ev->id)
		rc = pd_api_fail(c, 400, "alternative_to", "alternative_to: "
		    "talk %lld belongs to event %lld, not to event %lld",
		    (long long)id, (long long)event_id, (long long)ev->id);
	else if ((*uid = strdup(other.uid)) == NULL)
		rc = oom(c);
	pd_talk_clear(&other);
	return rc;
}

/* A talk's own time, normalized when it can be; NULL stays NULL. */
static int
talk_time(struct pd_api_ctx *c, const char *field, char **dst)
{
	const char *s = pd_api_str(c, field);
	char norm[17];

	if (s == NULL)
		return PD_OK;
	if ((*dst = strdup(pd_tz_normalize(s, 0, norm) == PD_OK ? norm :
	    s)) == NULL)
		return oom(c);
	return PD_OK;
}

int
pd_api_talks_create(struct pd_api_ctx *c)
{
	struct pd_event *ev = NULL;
	const char *status;
	json_t *via;
	struct pd_talk t;
	int rc;

	memset(&t, 0, sizeof(t));
	t.status = PD_TALK_REQUESTED;
	if ((rc = pd_api_fields(c, talk_fields, NELEM(talk_fields))) != PD_OK ||
	    (rc = pd_api_event_load(c, 0, &ev)) != PD_OK)
		goto out;
	/* Answers are what confirm and decline are for. */
	if ((status = pd_api_str(c, "status")) != NULL &&
	    (pd_talk_status_parse(status, &t.status) != PD_OK ||
	    (t.status != PD_TALK_REQUESTED &&
	    t.status != PD_TALK_CONFIRMED))) {
		rc = pd_api_fail(c, 400, "status", "status: '%s' is not one of "
		    "requested, confirmed", status);
		goto out;
	}
	/* No speaker: the store says that a talk needs one. */
	if (pd_api_get(c, "speaker") != NULL &&
	    (rc = pd_api_person_ref(c, "speaker", &t.speaker)) != PD_OK)
		goto out;
	via = pd_api_get(c, "via");
	if (via != NULL && !json_is_null(via) &&
	    (rc = pd_api_person_ref(c, "via", &t.via)) != PD_OK)
		goto out;
	if ((rc = alternative(c, ev, &t.alternative_to)) != PD_OK ||
	    (rc = talk_time(c, "start", &t.start)) != PD_OK ||
	    (rc = talk_time(c, "end", &t.end)) != PD_OK)
		goto out;
	if ((t.title = dup_or_empty(pd_api_str(c, "title"))) == NULL) {
		rc = oom(c);
		goto out;
	}
	if ((rc = pd_store_talk_add(c->app->st, ev->id, &t)) != PD_OK) {
		pd_api_fail_store(c, rc, NULL);
		goto out;
	}
	c->wrote = 1;
	rc = reply_talk(c, 201, t.id);
out:
	pd_talk_clear(&t);
	pd_event_free(ev);
	return rc;
}

int
pd_api_talk_show(struct pd_api_ctx *c)
{
	int64_t id;
	int rc;

	if ((rc = pd_api_arg_id(c, 0, "talk", &id)) != PD_OK)
		return rc;
	return reply_talk(c, 200, id);
}

int
pd_api_talk_delete(struct pd_api_ctx *c)
{
	int64_t id;
	int rc;

	if ((rc = pd_api_arg_id(c, 0, "talk", &id)) != PD_OK)
		return rc;
	if ((rc = pd_store_talk_delete(c->app->st, id)) != PD_OK)
		return pd_api_fail_store(c, rc, NULL);
	c->wrote = 1;
	return pd_api_no_content(c);
}

static int
answer(struct pd_api_ctx *c, enum pd_talk_status to)
{
	int64_t id;
	int rc;

	if ((rc = pd_api_fields(c, NULL, 0)) != PD_OK ||
	    (rc = pd_api_arg_id(c, 0, "talk", &id)) != PD_OK)
		return rc;
	rc = pd_store_talk_set_status(c->app->st, id, to);
	if (rc == PD_ENOTFOUND)
		return pd_api_fail(c, 404, NULL, "no talk with id %lld",
		    (long long)id);
	if (rc != PD_OK)
		return pd_api_fail_store(c, rc, NULL);
	c->wrote = 1;
	return reply_talk(c, 200, id);
}

int
pd_api_talk_confirm(struct pd_api_ctx *c)
{
	return answer(c, PD_TALK_CONFIRMED);
}

int
pd_api_talk_decline(struct pd_api_ctx *c)
{
	return answer(c, PD_TALK_DECLINED);
}

/*
 * POST /api/events/{id}/attendances: adds the person, or changes the
 * attendance they have (201 for a new one, 200 for a change).  As with
 * "podium attend", what is not said is kept, and a delegate alone means
 * "delegated".
 */
int
pd_api_attendances_create(struct pd_api_ctx *c)
{
	struct pd_event *ev = NULL, *now = NULL;
	const struct pd_attendance *had = NULL;
	const char *role_s = pd_api_str(c, "role");
	const char *status_s = pd_api_str(c, "status");
	const char *delegate = pd_api_str(c, "delegate");
	enum pd_role role = PD_ROLE_PARTICIPANT;
	enum pd_partstat status = PD_PART_NEEDS_ACTION;
	struct pd_person p;
	char key[24];
	int64_t id = 0;
	size_t i;
	int rc;

	memset(&p, 0, sizeof(p));
	if ((rc = pd_api_fields(c, attend_fields,
	    NELEM(attend_fields))) != PD_OK ||
	    (rc = pd_api_event_load(c, 0, &ev)) != PD_OK ||
	    (rc = pd_api_person_ref(c, "person", &p)) != PD_OK)
		goto out;
	if (role_s != NULL && pd_role_parse(role_s, &role) != PD_OK) {
		rc = pd_api_fail(c, 400, "role", "role: '%s' is not one of "
		    "chair, speaker, participant, optional", role_s);
		goto out;
	}
	if (status_s != NULL && pd_partstat_parse(status_s, &status) != PD_OK) {
		rc = pd_api_fail(c, 400, "status", "status: '%s' is not one of "
		    "needs-action, accepted, declined, tentative, delegated",
		    status_s);
		goto out;
	}
	if (delegate != NULL && status_s == NULL)
		status = PD_PART_DELEGATED;
	if (delegate != NULL && status != PD_PART_DELEGATED) {
		rc = pd_api_fail(c, 400, "delegate", "delegate: only goes with "
		    "status delegated");
		goto out;
	}
	for (i = 0; i < ev->nattendances; i++)
		if (ev->attendances[i].person.id == p.id)
			had = &ev->attendances[i];
	if (had != NULL) {
		if (role_s == NULL)
			role = had->role;
		if (status_s == NULL && delegate == NULL)
			status = had->status;
		if (status == PD_PART_DELEGATED && delegate == NULL)
			delegate = had->delegate;
	}
	if ((rc = pd_store_attend(c->app->st, ev->id, p.id, role, status,
	    status == PD_PART_DELEGATED ? delegate : NULL, &id)) != PD_OK) {
		pd_api_fail_store(c, rc, NULL);
		goto out;
	}
	c->wrote = 1;
	/* Answer with the row as stored, found again by its id. */
	snprintf(key, sizeof(key), "%lld", (long long)ev->id);
	if ((rc = pd_store_event_get(c->app->st, key, &now)) != PD_OK) {
		pd_api_fail_store(c, rc, NULL);
		goto out;
	}
	for (i = 0; i < now->nattendances; i++)
		if (now->attendances[i].id == id)
			break;
	if (i == now->nattendances) {
		rc = pd_api_fail(c, 500, NULL, "the attendance was written but "
		    "cannot be read back");
		goto out;
	}
	if (had == NULL)
		rc = pd_api_created(c, "attendances", id, with_event(
		    pd_json_attendance(&now->attendances[i]), ev->id));
	else
		rc = pd_api_reply(c, 200, with_event(
		    pd_json_attendance(&now->attendances[i]), ev->id));
out:
	pd_person_clear(&p);
	pd_event_free(now);
	pd_event_free(ev);
	return rc;
}

int
pd_api_attendance_delete(struct pd_api_ctx *c)
{
	int64_t id;
	int rc;

	if ((rc = pd_api_arg_id(c, 0, "attendance", &id)) != PD_OK)
		return rc;
	if ((rc = pd_store_attendance_delete(c->app->st, id)) != PD_OK)
		return pd_api_fail_store(c, rc, NULL);
	c->wrote = 1;
	return pd_api_no_content(c);
}

int
pd_api_talk_link(struct pd_api_ctx *c)
{
	const char *base = c->app->cfg != NULL ? c->app->cfg->base_url :
	    DEFAULT_BASE;
	struct pd_event *ev = NULL;
	struct pd_talk t;
	char idbuf[24], *tok = NULL, *link = NULL;
	int64_t id, event_id, expiry;
	int rc;

	memset(&t, 0, sizeof(t));
	if ((rc = pd_api_arg_id(c, 0, "talk", &id)) != PD_OK)
		goto out;
	rc = pd_store_talk_get(c->app->st, id, &t, &event_id);
	if (rc == PD_ENOTFOUND) {
		pd_api_fail(c, 404, NULL, "no talk with id %lld",
		    (long long)id);
		goto out;
	}
	if (rc != PD_OK) {
		pd_api_fail_store(c, rc, NULL);
		goto out;
	}
	if (t.speaker.id <= 0) {
		rc = pd_api_fail(c, 400, "speaker", "talk %lld has no speaker",
		    (long long)id);
		goto out;
	}
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)event_id);
	if ((rc = pd_store_event_get(c->app->st, idbuf, &ev)) != PD_OK) {
		pd_api_fail_store(c, rc, NULL);
		goto out;
	}
	/* The expiry follows the event, as in the mail the speaker gets. */
	if ((rc = pd_answer_expiry(ev, c->app->now(), &expiry)) != PD_OK ||
	    (rc = pd_answer_token_make(c->app->key, t.id, t.speaker.id, expiry,
	    &tok)) != PD_OK ||
	    (rc = pd_answer_link(base, tok, &link)) != PD_OK) {
		pd_api_fail(c, 500, NULL, "talk %lld: cannot make the link: %s",
		    (long long)id, pd_strerror(rc));
		goto out;
	}
	rc = pd_api_reply(c, 200, json_pack("{s:s, s:I, s:I, s:I}", "url", link,
	    "talk_id", (json_int_t)t.id, "event_id", (json_int_t)event_id,
	    "expires", (json_int_t)expiry));
out:
	free(tok);
	free(link);
	pd_talk_clear(&t);
	pd_event_free(ev);
	return rc;
}
