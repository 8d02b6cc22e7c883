/*
 * The organizer API's people, and the groups and topics that feeds are
 * made of (routes in api.c).
 *
 * A person in the path is named as anywhere else: id, e-mail address or
 * exact name.  Validation (a name, a well-formed address, de or en) is
 * the store's; an address another person has answers 409.
 *
 * A person's private feed URL holds a secret token of which the store
 * keeps only the hash (token.h), so POST .../feed shows the token once,
 * in its answer, and never logs it; making a new one revokes the old,
 * as "podium feed url" does, and DELETE .../feed is "podium feed revoke".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "podium/buf.h"
#include "podium/config.h"
#include "podium/store.h"
#include "podium/token.h"

#include "api_int.h"
#include "json_model.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define PERSON_FIELDS \
	{ "name", PD_API_STR }, \
	{ "email", PD_API_STR | PD_API_NULL }, \
	{ "org", PD_API_STR | PD_API_NULL }, \
	{ "org_name", PD_API_STR | PD_API_NULL }, \
	{ "lang", PD_API_STR | PD_API_NULL }

static const struct pd_api_field create_fields[] = {
	PERSON_FIELDS,
};

static const struct pd_api_field patch_fields[] = {
	PERSON_FIELDS,
	{ "id", PD_API_RO }, { "uuid", PD_API_RO },
};

/* Where the daemon listens when no config says otherwise (config.c). */
#define DEFAULT_BASE "http://127.0.0.1:8080"

/* The base of feed URLs in answers; relative paths without one. */
static const char *
base_url(const struct pd_api_ctx *c)
{
	return c->app->cfg != NULL ? c->app->cfg->base_url : NULL;
}

static int
apply(struct pd_api_ctx *c, struct pd_person *p)
{
	int rc;

	if ((rc = pd_api_set_str(c, "name", &p->name, 0)) != PD_OK ||
	    (rc = pd_api_set_str(c, "email", &p->email, 1)) != PD_OK ||
	    (rc = pd_api_set_str(c, "org", &p->org_code, 1)) != PD_OK ||
	    (rc = pd_api_set_str(c, "org_name", &p->org_name, 1)) != PD_OK ||
	    (rc = pd_api_set_str(c, "lang", &p->lang, 1)) != PD_OK)
		return rc;
	return PD_OK;
}

/* Answers status with the person id as stored. */
static int
reply_person(struct pd_api_ctx *c, int status, int64_t id)
{
	struct pd_person p;
	int rc;

	memset(&p, 0, sizeof(p));
	if ((rc = pd_store_person_get(c->app->st, id, &p)) != PD_OK)
		return pd_api_fail_store(c, rc, NULL);
	if (status == 201)
		rc = pd_api_created(c, "people", id, pd_json_person(&p));
	else
		rc = pd_api_reply(c, status, pd_json_person(&p));
	pd_person_clear(&p);
	return rc;
}

/* The person of the path (id, e-mail or name); 404 when nobody. */
static int
load(struct pd_api_ctx *c, struct pd_person *out)
{
	int rc;

	rc = pd_store_person_find(c->app->st, c->arg[0], out);
	if (rc == PD_ENOTFOUND)
		return pd_api_fail(c, 404, NULL, "no person with id, e-mail or "
		    "name '%s'", c->arg[0]);
	if (rc != PD_OK)
		return pd_api_fail_store(c, rc, NULL);
	return PD_OK;
}

int
pd_api_people_list(struct pd_api_ctx *c)
{
	struct pd_person *list = NULL;
	const char *q = c->req->query;
	json_t *a = NULL;
	size_t n = 0, i;
	int erased = 0, rc;

	/* The placeholders of forgotten people are no one: asked for only. */
	if (q != NULL && *q != '\0') {
		if (strcmp(q, "erased=1") != 0)
			return pd_api_fail(c, 400, "erased", "only ?erased=1 is "
			    "known here");
		erased = 1;
	}
	if ((rc = (erased ? pd_store_person_list_all :
	    pd_store_person_list)(c->app->st, &list, &n)) != PD_OK) {
		pd_api_fail_store(c, rc, NULL);
		return rc;
	}
	/* Until the answer is made, leaving means memory ran out. */
	rc = PD_ENOMEM;
	if ((a = json_array()) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		if (json_array_append_new(a, pd_json_person(&list[i])) != 0)
			goto out;
	rc = pd_api_reply(c, 200, a);
	a = NULL;
out:
	if (rc == PD_ENOMEM)
		pd_api_fail(c, 500, NULL, "out of memory");
	json_decref(a);
	pd_person_list_free(list, n);
	return rc;
}

int
pd_api_people_create(struct pd_api_ctx *c)
{
	struct pd_person p;
	int rc;

	memset(&p, 0, sizeof(p));
	if ((rc = pd_api_fields(c, create_fields,
	    NELEM(create_fields))) != PD_OK ||
	    (rc = apply(c, &p)) != PD_OK)
		goto out;
	if ((rc = pd_store_person_add(c->app->st, &p)) != PD_OK) {
		pd_api_fail_store(c, rc, NULL);
		goto out;
	}
	c->wrote = 1;
	rc = reply_person(c, 201, p.id);
out:
	pd_person_clear(&p);
	return rc;
}

int
pd_api_person_show(struct pd_api_ctx *c)
{
	struct pd_person p;
	int rc;

	memset(&p, 0, sizeof(p));
	if ((rc = load(c, &p)) != PD_OK)
		return rc;
	rc = pd_api_reply(c, 200, pd_json_person(&p));
	pd_person_clear(&p);
	return rc;
}

int
pd_api_person_patch(struct pd_api_ctx *c)
{
	struct pd_person p;
	int rc;

	memset(&p, 0, sizeof(p));
	if ((rc = pd_api_fields(c, patch_fields,
	    NELEM(patch_fields))) != PD_OK ||
	    (rc = load(c, &p)) != PD_OK)
		goto out;
	/*
	 * A new org code with no org_name must not inherit the old
	 * organization's full name.
	 */
	if (pd_api_get(c, "org") != NULL && pd_api_get(c, "org_name") == NULL) {
		free(p.org_name);
		p.org_name = NULL;
	}
	if ((rc = apply(c, &p)) != PD_OK)
		goto out;
	if ((rc = pd_store_person_update(c->app->st, &p)) != PD_OK) {
		pd_api_fail_store(c, rc, NULL);
		goto out;
	}
	c->wrote = 1;
	rc = reply_person(c, 200, p.id);
out:
	pd_person_clear(&p);
	return rc;
}

int
pd_api_person_delete(struct pd_api_ctx *c)
{
	struct pd_person p;
	int rc;

	/* ?forget=1: the erasure of Art. 17 (api_privacy.c). */
	if (pd_api_wants_forget(c))
		return pd_api_person_forget(c);
	memset(&p, 0, sizeof(p));
	if ((rc = load(c, &p)) != PD_OK)
		return rc;
	if ((rc = pd_store_person_delete(c->app->st, p.id)) != PD_OK)
		pd_api_fail_store(c, rc, NULL);
	else {
		c->wrote = 1;
		rc = pd_api_no_content(c);
	}
	pd_person_clear(&p);
	return rc;
}

int
pd_api_groups_list(struct pd_api_ctx *c)
{
	struct pd_group *list = NULL;
	json_t *a = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = pd_store_group_list(c->app->st, &list, &n)) != PD_OK) {
		pd_api_fail_store(c, rc, NULL);
		return rc;
	}
	/* Until the answer is made, leaving means memory ran out. */
	rc = PD_ENOMEM;
	if ((a = json_array()) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		if (json_array_append_new(a, pd_json_group(&list[i],
		    base_url(c))) != 0)
			goto out;
	rc = pd_api_reply(c, 200, a);
	a = NULL;
out:
	if (rc == PD_ENOMEM)
		pd_api_fail(c, 500, NULL, "out of memory");
	json_decref(a);
	pd_group_list_free(list, n);
	return rc;
}

int
pd_api_topics_list(struct pd_api_ctx *c)
{
	struct pd_topic *list = NULL;
	json_t *a = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = pd_store_topic_list(c->app->st, &list, &n)) != PD_OK) {
		pd_api_fail_store(c, rc, NULL);
		return rc;
	}
	/* Until the answer is made, leaving means memory ran out. */
	rc = PD_ENOMEM;
	if ((a = json_array()) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		if (json_array_append_new(a, pd_json_topic(&list[i],
		    base_url(c))) != 0)
			goto out;
	rc = pd_api_reply(c, 200, a);
	a = NULL;
out:
	if (rc == PD_ENOMEM)
		pd_api_fail(c, 500, NULL, "out of memory");
	json_decref(a);
	pd_topic_list_free(list, n);
	return rc;
}

/*
 * BASE/calendars/person/TOKEN.ics and the same as webcal://, as
 * cli_feed_url() makes them.  An unusable URL is a 500: the token was
 * stored already, but nobody has seen it, so it opens nothing.
 */
static int
reply_feed_url(struct pd_api_ctx *c, const char *token)
{
	const char *base = base_url(c) != NULL ? base_url(c) : DEFAULT_BASE;
	const char *rest = base;
	struct pd_buf http = PD_BUF_INIT, webcal = PD_BUF_INIT;
	int rc;

	if (strncmp(rest, "http://", 7) == 0)
		rest += 7;
	else if (strncmp(rest, "https://", 8) == 0)
		rest += 8;
	pd_buf_addf(&http, "%s/calendars/person/%s.ics", base, token);
	pd_buf_addf(&webcal, "webcal://%s/calendars/person/%s.ics", rest,
	    token);
	if (pd_buf_failed(&http) || pd_buf_failed(&webcal))
		rc = pd_api_fail(c, 500, NULL, "out of memory");
	else
		rc = pd_api_reply(c, 201, json_pack("{s:s, s:s}", "url",
		    http.data, "webcal", webcal.data));
	/* The answer holds its own copy; these go with the secret in them. */
	if (http.data != NULL)
		explicit_bzero(http.data, http.len);
	if (webcal.data != NULL)
		explicit_bzero(webcal.data, webcal.len);
	pd_buf_free(&http);
	pd_buf_free(&webcal);
	return rc;
}

int
pd_api_person_feed_new(struct pd_api_ctx *c)
{
	char token[PD_TOKEN_LEN + 1], hash[PD_TOKEN_HASH_LEN + 1];
	struct pd_person p;
	int rc;

	memset(&p, 0, sizeof(p));
	memset(token, 0, sizeof(token));
	if ((rc = pd_api_fields(c, NULL, 0)) != PD_OK ||
	    (rc = load(c, &p)) != PD_OK)
		goto out;
	if ((rc = pd_token_new(token)) != PD_OK ||
	    (rc = pd_token_hash(token, strlen(token), hash)) != PD_OK) {
		pd_api_fail(c, 500, NULL, "cannot make a token: %s",
		    pd_strerror(rc));
		goto out;
	}
	/* Replacing the hash is what revokes the URL given before. */
	if ((rc = pd_store_feed_token_set(c->app->st, p.id, hash)) != PD_OK) {
		pd_api_fail_store(c, rc, NULL);
		goto out;
	}
	c->wrote = 1;
	rc = reply_feed_url(c, token);
out:
	explicit_bzero(token, sizeof(token));
	pd_person_clear(&p);
	return rc;
}

int
pd_api_person_feed_revoke(struct pd_api_ctx *c)
{
	struct pd_person p;
	int rc;

	memset(&p, 0, sizeof(p));
	if ((rc = load(c, &p)) != PD_OK)
		return rc;
	/* NULL: no hash at all, which no token can ever match. */
	if ((rc = pd_store_feed_token_set(c->app->st, p.id, NULL)) != PD_OK)
		pd_api_fail_store(c, rc, NULL);
	else {
		c->wrote = 1;
		rc = pd_api_no_content(c);
	}
	pd_person_clear(&p);
	return rc;
}
