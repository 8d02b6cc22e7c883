/*
 * The organizer API's import and export: POST /api/import takes an
 * iCalendar body, GET /api/export[?public=1|group=|topic=|person=] gives
 * one back (routes in api.c).  They do what "podium import" and "podium
 * export" do, with the same library calls, so a calendar moves the same
 * way whichever door it takes.
 *
 * Import parses the whole body before it touches the store and then
 * applies it in the store's one transaction: a bad calendar, or a bad
 * event in a good one, changes nothing.  The size of the body is
 * http.c's business ([http] max_body, 413).
 *
 * Not here: writing files (the CLI's -o), feeds (feed.c serves them).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "podium/ical.h"
#include "podium/model.h"
#include "podium/store.h"

#include "api_int.h"

#define ICS_TYPE "text/calendar; charset=utf-8"

int
pd_api_import(struct pd_api_ctx *c)
{
	struct pd_calendar *cal = NULL;
	struct pd_import_stats stats;
	struct pd_error err = { 0, NULL, NULL };
	int rc;

	/* The parser's message names the line, which is what a client needs. */
	rc = pd_ical_parse(c->req->body != NULL ? c->req->body : "",
	    c->req->body != NULL ? c->req->body_len : 0, &cal, &err);
	if (rc == PD_ENOMEM) {
		pd_api_fail(c, 500, NULL, "out of memory");
		goto out;
	}
	if (rc != PD_OK) {
		pd_api_fail(c, 400, "calendar", "%s", err.msg != NULL ?
		    err.msg : pd_strerror(rc));
		goto out;
	}
	memset(&stats, 0, sizeof(stats));
	if ((rc = pd_store_import(c->app->st, cal, &stats)) != PD_OK) {
		/* The store rolled back; its message names the event. */
		pd_api_fail_store(c, rc, rc == PD_EINVAL ? "calendar" : NULL);
		goto out;
	}
	c->wrote = 1;
	rc = pd_api_reply(c, 200, json_pack("{s:I, s:I, s:I, s:I}",
	    "created", (json_int_t)stats.created,
	    "updated", (json_int_t)stats.updated,
	    "people_created", (json_int_t)stats.people_created,
	    "people_suppressed", (json_int_t)stats.people_suppressed));
out:
	pd_error_clear(&err);
	pd_calendar_free(cal);
	return rc;
}

/* What ?… asked for; pointers into the caller's copy of the query. */
struct export_args {
	int public;
	const char *group;
	const char *topic;
	const char *person;
};

/*
 * Reads the query like "podium export" reads its options: one filter at
 * most; unknown parameters are refused, so that a typo does not quietly
 * export everything.  q is modified.
 */
static int
export_args(struct pd_api_ctx *c, char *q, struct export_args *a)
{
	static const char *const known = "public, group, topic and person "
	    "are known";
	char *p, *key, *val;
	int nfilter = 0;

	for (p = q; p != NULL && *p != '\0'; ) {
		key = strsep(&p, "&");
		if (*key == '\0')
			continue;
		if ((val = strchr(key, '=')) != NULL)
			*val++ = '\0';
		if (strcmp(key, "public") == 0) {
			/* "?public" alone counts as yes, as a flag would. */
			if (val != NULL && strcmp(val, "1") != 0 &&
			    strcmp(val, "0") != 0 && *val != '\0')
				return pd_api_fail(c, 400, key, "public: must "
				    "be 1 or 0");
			a->public = val == NULL || strcmp(val, "0") != 0;
			continue;
		}
		if (strcmp(key, "group") == 0)
			a->group = val != NULL ? val : "";
		else if (strcmp(key, "topic") == 0)
			a->topic = val != NULL ? val : "";
		else if (strcmp(key, "person") == 0)
			a->person = val != NULL ? val : "";
		else
			return pd_api_fail(c, 400, key, "%s: unknown parameter "
			    "(%s)", key, known);
		if (++nfilter > 1)
			return pd_api_fail(c, 400, key, "give one of group, "
			    "topic, person");
	}
	return PD_OK;
}

int
pd_api_export(struct pd_api_ctx *c)
{
	struct export_args a = { 0, NULL, NULL, NULL };
	struct pd_render_opts ro;
	struct pd_error err = { 0, NULL, NULL };
	struct pd_filter f = { PD_FILTER_ALL, NULL, 0 };
	struct pd_calendar *cal = NULL;
	struct pd_person p;
	char *q = NULL, *text = NULL;
	size_t len = 0;
	int rc;

	/* Zeroed: fields added to the options later keep their default. */
	memset(&ro, 0, sizeof(ro));
	memset(&p, 0, sizeof(p));
	ro.privacy = PD_PRIVACY_FULL;
	if (c->req->query != NULL && (q = strdup(c->req->query)) == NULL) {
		rc = pd_api_fail(c, 500, NULL, "out of memory");
		goto out;
	}
	if ((rc = export_args(c, q, &a)) != PD_OK)
		goto out;
	if (a.group != NULL) {
		f.kind = PD_FILTER_GROUP;
		f.value = a.group;
	} else if (a.topic != NULL) {
		f.kind = PD_FILTER_TOPIC;
		f.value = a.topic;
	} else if (a.person != NULL) {
		rc = pd_store_person_find(c->app->st, a.person, &p);
		if (rc == PD_ENOTFOUND) {
			rc = pd_api_fail(c, 404, "person", "person: no person "
			    "with id, e-mail or name '%s'", a.person);
			goto out;
		}
		if (rc != PD_OK) {
			pd_api_fail_store(c, rc, "person");
			goto out;
		}
		/* A person's own export shows their address only. */
		f.kind = PD_FILTER_PERSON;
		f.person_id = p.id;
		ro.privacy = PD_PRIVACY_PERSON;
		ro.privacy_person_id = p.id;
	}
	if (a.public)
		ro.privacy = PD_PRIVACY_PUBLIC;

	rc = pd_store_calendar(c->app->st, &f, &cal);
	if (rc == PD_ENOTFOUND && a.group != NULL) {
		rc = pd_api_fail(c, 404, "group", "group: no group with slug "
		    "'%s'", a.group);
		goto out;
	}
	if (rc == PD_ENOTFOUND && a.topic != NULL) {
		rc = pd_api_fail(c, 404, "topic", "topic: no topic with slug "
		    "'%s'", a.topic);
		goto out;
	}
	if (rc != PD_OK) {
		pd_api_fail_store(c, rc, NULL);
		goto out;
	}
	if ((rc = pd_ical_render(cal, &ro, &text, &len, &err)) != PD_OK) {
		pd_api_fail(c, 500, NULL, "cannot render the calendar: %s",
		    err.msg != NULL ? err.msg : pd_strerror(rc));
		goto out;
	}
	pd_buf_reset(&c->resp->body);
	if ((rc = pd_buf_add(&c->resp->body, text, len)) != PD_OK) {
		pd_api_fail(c, 500, NULL, "out of memory");
		goto out;
	}
	c->resp->status = 200;
	c->resp->content_type = ICS_TYPE;
out:
	pd_error_clear(&err);
	pd_calendar_free(cal);
	pd_person_clear(&p);
	free(text);
	free(q);
	return rc;
}
