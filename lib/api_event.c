/*
 * The organizer API's events: list, create, show, change, delete, move
 * and cancel (routes in api.c).
 *
 * A request spells times as people do ("2021-02-11 9:00", an end as
 * "12:00" or a duration "90m"); this file turns that into the canonical
 * times of model.h and leaves every judgement of validity to the store,
 * which runs pd_event_validate() for every entry point.  Text that cannot
 * be normalized is therefore passed on as it came, so that the store's
 * error (naming "start" or "end") is the one the client sees.
 *
 * All-day events keep iCalendar's exclusive end both ways: "end" of an
 * event on 28 and 29 January is "2021-01-30", in requests as in answers,
 * so that what GET shows can be sent back unchanged.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "podium/config.h"
#include "podium/store.h"
#include "podium/tz.h"

#include "api_int.h"
#include "json_model.h"

#define DAY 86400

/* The fields of an event a request may set; the rest of GET is read-only. */
#define EVENT_FIELDS \
	{ "title", PD_API_STR }, \
	{ "start", PD_API_STR }, \
	{ "end", PD_API_STR | PD_API_NULL }, \
	{ "duration", PD_API_STR | PD_API_NULL }, \
	{ "tz", PD_API_STR | PD_API_NULL }, \
	{ "all_day", PD_API_BOOL }, \
	{ "location", PD_API_STR | PD_API_NULL }, \
	{ "group", PD_API_STR | PD_API_NULL }, \
	{ "description", PD_API_STR | PD_API_NULL }, \
	{ "status", PD_API_STR }, \
	{ "rrule", PD_API_STR | PD_API_NULL }, \
	{ "url", PD_API_STR | PD_API_NULL }, \
	{ "public_attendance", PD_API_BOOL }

static const struct pd_api_field create_fields[] = {
	EVENT_FIELDS,
	{ "topics", PD_API_STRV | PD_API_NULL },
	{ "links", PD_API_STRV | PD_API_NULL },
	{ "uid", PD_API_STR },
};

static const struct pd_api_field patch_fields[] = {
	EVENT_FIELDS,
	{ "topics", PD_API_STRV | PD_API_NULL },
	{ "links", PD_API_STRV | PD_API_NULL },
	{ "id", PD_API_RO }, { "uid", PD_API_RO }, { "sequence", PD_API_RO },
	{ "start_utc", PD_API_RO }, { "end_utc", PD_API_RO },
	{ "created", PD_API_RO }, { "updated", PD_API_RO },
	{ "group_name", PD_API_RO }, { "organizer", PD_API_RO },
	{ "agenda", PD_API_RO }, { "talks", PD_API_RO },
	{ "attendances", PD_API_RO }, { "group_public_attendance", PD_API_RO },
};

static const struct pd_api_field move_fields[] = {
	{ "start", PD_API_STR },
	{ "end", PD_API_STR | PD_API_NULL },
	{ "duration", PD_API_STR | PD_API_NULL },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *
tz_of(const struct pd_event *ev)
{
	return ev->tzid != NULL ? ev->tzid : PD_TZ_DEFAULT;
}

/* Replaces *dst by a copy of s; 500 when memory runs out. */
static int
set(struct pd_api_ctx *c, char **dst, const char *s)
{
	char *copy = NULL;

	if (s != NULL && (copy = strdup(s)) == NULL)
		return pd_api_fail(c, 500, NULL, "out of memory");
	free(*dst);
	*dst = copy;
	return PD_OK;
}

/* The canonical form of a time or date, or the text as given. */
static int
set_time(struct pd_api_ctx *c, char **dst, const char *in, int all_day)
{
	char norm[17];

	return set(c, dst, pd_tz_normalize(in, all_day, norm) == PD_OK ?
	    norm : in);
}

/* date + days, through UTC where every day has 86400 seconds. */
static int
date_add(const char *date, int64_t days, char out[17])
{
	int64_t t;

	if (pd_tz_to_utc(date, "UTC", 1, &t) != PD_OK ||
	    pd_tz_from_utc(t + days * DAY, "UTC", out) != PD_OK)
		return PD_EINVAL;
	out[10] = '\0';
	return PD_OK;
}

/* "9:00" or "09:00" -> "09:00"; PD_EINVAL for anything else. */
static int
hhmm(const char *s, char out[6])
{
	size_t n = strlen(s), h = n == 4 ? 1 : 2;
	int hour, min;

	if ((n != 4 && n != 5) || s[h] != ':' || strspn(s, "0123456789") != h ||
	    strspn(s + h + 1, "0123456789") != 2)
		return PD_EINVAL;
	hour = h == 1 ? s[0] - '0' : (s[0] - '0') * 10 + (s[1] - '0');
	min = (s[h + 1] - '0') * 10 + (s[h + 2] - '0');
	if (hour > 23 || min > 59)
		return PD_EINVAL;
	out[0] = (char)('0' + hour / 10);
	out[1] = (char)('0' + hour % 10);
	out[2] = ':';
	out[3] = (char)('0' + min / 10);
	out[4] = (char)('0' + min % 10);
	out[5] = '\0';
	return PD_OK;
}

/*
 * The end from "end" or "duration" for the (already set) start.  When the
 * start is not valid nothing is computed: the store will name "start".
 * *given says whether the request named an end at all.
 */
static int
end_from_request(struct pd_api_ctx *c, struct pd_event *ev, int *given)
{
	const char *end = pd_api_str(c, "end"), *dur = pd_api_str(c,
	    "duration");
	char out[17], hm[6];
	int64_t secs, t;

	*given = end != NULL || dur != NULL;
	if (end != NULL && dur != NULL)
		return pd_api_fail(c, 400, "duration", "duration: give end or "
		    "duration, not both");
	if (end != NULL) {
		/* "12:00" ends on the day the event starts. */
		if (!ev->all_day && ev->start != NULL &&
		    strlen(ev->start) == 16 && hhmm(end, hm) == PD_OK) {
			snprintf(out, sizeof(out), "%.10s %s", ev->start, hm);
			return set(c, &ev->end, out);
		}
		return set_time(c, &ev->end, end, ev->all_day);
	}
	if (dur == NULL)
		return PD_OK;
	if (pd_duration_parse(dur, &secs) != PD_OK)
		return pd_api_fail(c, 400, "duration", "duration: '%s' is not "
		    "a duration like 90m, 2h, 1h30m or 2d", dur);
	if (ev->all_day && secs % DAY != 0)
		return pd_api_fail(c, 400, "duration", "duration: an all-day "
		    "event lasts whole days (2d), not '%s'", dur);
	if (ev->start == NULL)
		return PD_OK;
	if (ev->all_day) {
		if (date_add(ev->start, secs / DAY, out) != PD_OK)
			return PD_OK;
	} else if (pd_tz_to_utc(ev->start, tz_of(ev), 0, &t) != PD_OK ||
	    pd_tz_from_utc(t + secs, tz_of(ev), out) != PD_OK) {
		/* Elapsed time, as iCalendar's DURATION: DST is honoured. */
		return PD_OK;
	}
	return set(c, &ev->end, out);
}

/* What an event was before a change, for keeping its length. */
struct before {
	int exists;
	int all_day;
	int64_t len;		/* end_utc - start_utc */
};

/*
 * An end for a start that moved without one given: the old length is
 * kept; an event that became all-day lasts one day.
 */
static int
keep_length(struct pd_api_ctx *c, struct pd_event *ev,
    const struct before *b)
{
	char out[17];
	int64_t t, days;

	if (ev->start == NULL)
		return PD_OK;
	if (ev->all_day) {
		/* Whole days; a DST day has 23 or 25 hours, so round. */
		days = !b->exists || !b->all_day ? 1 :
		    (b->len + DAY / 2) / DAY;
		if (days < 1)
			days = 1;
		if (date_add(ev->start, days, out) != PD_OK)
			return PD_OK;
		return set(c, &ev->end, out);
	}
	if (!b->exists || b->all_day)
		return PD_OK;	/* a timed event needs its end said */
	if (pd_tz_to_utc(ev->start, tz_of(ev), 0, &t) != PD_OK ||
	    pd_tz_from_utc(t + b->len, tz_of(ev), out) != PD_OK)
		return PD_OK;
	return set(c, &ev->end, out);
}

static int
set_times(struct pd_api_ctx *c, struct pd_event *ev, const struct before *b)
{
	const char *start = pd_api_str(c, "start");
	int moved = 0, given = 0, rc;

	if (start != NULL) {
		if ((rc = set_time(c, &ev->start, start, ev->all_day)) != PD_OK)
			return rc;
		moved = 1;
	} else if (b->exists && b->all_day != ev->all_day) {
		/* A timed event made all-day keeps its day. */
		if (ev->all_day && ev->start != NULL &&
		    strlen(ev->start) == 16)
			ev->start[10] = '\0';
		moved = 1;
	}
	if ((rc = end_from_request(c, ev, &given)) != PD_OK)
		return rc;
	if (!given && (moved || !b->exists))
		return keep_length(c, ev, b);
	return PD_OK;
}

/*
 * The group a request names by slug or name: an existing group is found
 * either way, a new name creates the group (the store does that from
 * slug and name).
 */
static int
set_group(struct pd_api_ctx *c, struct pd_event *ev)
{
	json_t *v = pd_api_get(c, "group");
	const char *arg = json_string_value(v);
	struct pd_group *groups = NULL;
	char *slug = NULL, *name = NULL;
	size_t n = 0, i;
	int rc;

	if (v == NULL)
		return PD_OK;
	if (arg == NULL || *arg == '\0') {
		rc = PD_OK;
		goto done;
	}
	if ((slug = pd_slug(arg)) == NULL) {
		rc = pd_api_fail(c, 500, NULL, "out of memory");
		goto out;
	}
	if (*slug == '\0') {
		rc = pd_api_fail(c, 400, "group", "group: '%s' is not a group "
		    "name", arg);
		goto out;
	}
	if ((rc = pd_store_group_list(c->app->st, &groups, &n)) != PD_OK) {
		pd_api_fail_store(c, rc, "group");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (strcmp(groups[i].slug, arg) == 0 ||
		    strcmp(groups[i].name, arg) == 0 ||
		    strcmp(groups[i].slug, slug) == 0)
			break;
	if ((rc = set(c, &name, i < n ? groups[i].name : arg)) != PD_OK ||
	    (i < n && (rc = set(c, &slug, groups[i].slug)) != PD_OK))
		goto out;
done:
	free(ev->group_slug);
	free(ev->group_name);
	ev->group_slug = slug;
	ev->group_name = name;
	slug = name = NULL;
out:
	pd_group_list_free(groups, n);
	free(slug);
	free(name);
	return rc;
}

/* Replaces *v (n entries) with the request's array of strings. */
static int
set_strv(struct pd_api_ctx *c, const char *field, char ***v, size_t *n)
{
	json_t *a = pd_api_get(c, field), *e;
	char **list = NULL;
	size_t i, k = 0;

	if (a == NULL)
		return PD_OK;
	if (json_array_size(a) > 0 &&
	    (list = calloc(json_array_size(a), sizeof(*list))) == NULL)
		return pd_api_fail(c, 500, NULL, "out of memory");
	json_array_foreach(a, i, e) {
		if ((list[k] = strdup(json_string_value(e))) == NULL) {
			while (k > 0)
				free(list[--k]);
			free(list);
			return pd_api_fail(c, 500, NULL, "out of memory");
		}
		k++;
	}
	for (i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = list;
	*n = k;
	return PD_OK;
}

static int
set_status(struct pd_api_ctx *c, struct pd_event *ev, int create)
{
	const char *s = pd_api_str(c, "status");
	enum pd_event_status st;

	if (s == NULL)
		return PD_OK;
	/* A new event is not born cancelled: that is what cancel is for. */
	if (pd_event_status_parse(s, &st) != PD_OK ||
	    (create && st == PD_EVENT_CANCELLED))
		return pd_api_fail(c, 400, "status", "status: '%s' is not one "
		    "of tentative, confirmed%s", s, create ? "" :
		    ", cancelled");
	ev->status = st;
	return PD_OK;
}

/* Applies every field the request gives to ev (a new or a loaded one). */
static int
apply(struct pd_api_ctx *c, struct pd_event *ev, const struct before *b)
{
	json_t *v;
	int rc;

	if ((v = pd_api_get(c, "all_day")) != NULL)
		ev->all_day = json_is_true(v);
	if ((v = pd_api_get(c, "public_attendance")) != NULL)
		ev->public_attendance = json_is_true(v);
	if ((rc = pd_api_set_str(c, "title", &ev->title, 0)) != PD_OK ||
	    (rc = pd_api_set_str(c, "description", &ev->description,
	    1)) != PD_OK ||
	    (rc = pd_api_set_str(c, "location", &ev->location, 1)) != PD_OK ||
	    (rc = pd_api_set_str(c, "url", &ev->url, 1)) != PD_OK ||
	    (rc = pd_api_set_str(c, "rrule", &ev->rrule, 1)) != PD_OK ||
	    (rc = pd_api_set_str(c, "tz", &ev->tzid, 1)) != PD_OK ||
	    (!b->exists &&
	    (rc = pd_api_set_str(c, "uid", &ev->uid, 1)) != PD_OK) ||
	    (rc = set_status(c, ev, !b->exists)) != PD_OK ||
	    (rc = set_group(c, ev)) != PD_OK ||
	    (rc = set_strv(c, "topics", &ev->topics, &ev->ntopics)) != PD_OK ||
	    (rc = set_strv(c, "links", &ev->links, &ev->nlinks)) != PD_OK)
		return rc;
	return set_times(c, ev, b);
}

/* Answers status with the whole event id as the store has it now. */
static int
reply_event(struct pd_api_ctx *c, int status, int64_t id)
{
	struct pd_event *ev = NULL;
	char key[24];
	int rc;

	snprintf(key, sizeof(key), "%lld", (long long)id);
	if ((rc = pd_store_event_get(c->app->st, key, &ev)) != PD_OK)
		return pd_api_fail_store(c, rc, NULL);
	if (status == 201)
		rc = pd_api_created(c, "events", id, pd_json_event(ev, 1));
	else
		rc = pd_api_reply(c, status, pd_json_event(ev, 1));
	pd_event_free(ev);
	return rc;
}

/* "YYYY-MM-DD" as the unix seconds its day starts in Berlin. */
static int
day_start(struct pd_api_ctx *c, const char *field, const char *date,
    int64_t *out)
{
	if (date == NULL || strlen(date) != 10 ||
	    pd_tz_to_utc(date, PD_TZ_DEFAULT, 1, out) != PD_OK)
		return pd_api_fail(c, 400, field, "%s: '%s' is not a date "
		    "(YYYY-MM-DD)", field, date != NULL ? date : "");
	return PD_OK;
}

/*
 * GET /api/events?from=YYYY-MM-DD&to=YYYY-MM-DD: both days included, as
 * in "podium event list"; unknown parameters are refused like unknown
 * fields, so that a typo does not quietly list everything.
 */
int
pd_api_events_list(struct pd_api_ctx *c)
{
	struct pd_event *list = NULL;
	char *q = NULL, *p, *key, *val, next[17];
	const char *from_arg = NULL, *to_arg = NULL;
	int64_t from = 0, to = INT64_MAX;
	json_t *a = NULL;
	size_t n = 0, i;
	int rc = PD_OK;

	if (c->req->query != NULL && (q = strdup(c->req->query)) == NULL) {
		rc = pd_api_fail(c, 500, NULL, "out of memory");
		goto out;
	}
	for (p = q; p != NULL && *p != '\0'; ) {
		key = strsep(&p, "&");
		if (*key == '\0')
			continue;
		if ((val = strchr(key, '=')) != NULL)
			*val++ = '\0';
		if (strcmp(key, "from") == 0)
			from_arg = val != NULL ? val : "";
		else if (strcmp(key, "to") == 0)
			to_arg = val != NULL ? val : "";
		else {
			rc = pd_api_fail(c, 400, key, "%s: unknown parameter "
			    "(from and to are known)", key);
			goto out;
		}
	}
	if (from_arg != NULL &&
	    (rc = day_start(c, "from", from_arg, &from)) != PD_OK)
		goto out;
	if (to_arg != NULL) {
		if ((rc = day_start(c, "to", to_arg, &to)) != PD_OK)
			goto out;
		if (date_add(to_arg, 1, next) != PD_OK ||
		    (rc = day_start(c, "to", next, &to)) != PD_OK)
			goto out;
		if (to <= from) {
			rc = pd_api_fail(c, 400, "to", "to: %s is before from "
			    "%s", to_arg, from_arg);
			goto out;
		}
	}
	if ((rc = pd_store_event_list(c->app->st, from, to, &list,
	    &n)) != PD_OK) {
		pd_api_fail_store(c, rc, NULL);
		goto out;
	}
	if ((a = json_array()) == NULL) {
		rc = pd_api_fail(c, 500, NULL, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (json_array_append_new(a, pd_json_event(&list[i], 0)) != 0) {
			rc = pd_api_fail(c, 500, NULL, "out of memory");
			goto out;
		}
	}
	rc = pd_api_reply(c, 200, a);
	a = NULL;
out:
	json_decref(a);
	pd_event_list_free(list, n);
	free(q);
	return rc;
}

int
pd_api_events_create(struct pd_api_ctx *c)
{
	struct before b = { 0, 0, 0 };
	struct pd_event ev;
	int rc;

	memset(&ev, 0, sizeof(ev));
	ev.status = PD_EVENT_CONFIRMED;
	if ((rc = pd_api_fields(c, create_fields,
	    NELEM(create_fields))) != PD_OK ||
	    (rc = apply(c, &ev, &b)) != PD_OK)
		goto out;
	if ((rc = pd_store_event_add(c->app->st, &ev)) != PD_OK) {
		pd_api_fail_store(c, rc, NULL);
		goto out;
	}
	c->wrote = 1;
	rc = reply_event(c, 201, ev.id);
out:
	pd_event_clear(&ev);
	return rc;
}

int
pd_api_event_show(struct pd_api_ctx *c)
{
	struct pd_event *ev = NULL;
	int rc;

	if ((rc = pd_api_event_load(c, 0, &ev)) != PD_OK)
		return rc;
	rc = pd_api_reply(c, 200, pd_json_event(ev, 1));
	pd_event_free(ev);
	return rc;
}

int
pd_api_event_patch(struct pd_api_ctx *c)
{
	struct pd_event *ev = NULL;
	struct before b;
	int rc;

	if ((rc = pd_api_fields(c, patch_fields,
	    NELEM(patch_fields))) != PD_OK ||
	    (rc = pd_api_event_load(c, 0, &ev)) != PD_OK)
		goto out;
	b.exists = 1;
	b.all_day = ev->all_day;
	b.len = ev->end_utc - ev->start_utc;
	if ((rc = apply(c, ev, &b)) != PD_OK)
		goto out;
	if ((rc = pd_store_event_update(c->app->st, ev)) != PD_OK) {
		pd_api_fail_store(c, rc, NULL);
		goto out;
	}
	c->wrote = 1;
	rc = reply_event(c, 200, ev->id);
out:
	pd_event_free(ev);
	return rc;
}

int
pd_api_event_delete(struct pd_api_ctx *c)
{
	struct pd_event *ev = NULL;
	int rc;

	if ((rc = pd_api_event_load(c, 0, &ev)) != PD_OK)
		return rc;
	if ((rc = pd_store_event_delete(c->app->st, ev->id)) != PD_OK)
		pd_api_fail_store(c, rc, NULL);
	else {
		c->wrote = 1;
		rc = pd_api_no_content(c);
	}
	pd_event_free(ev);
	return rc;
}

/*
 * POST /api/events/{id}/move {start, end | duration}: without an end the
 * store keeps the length.  SEQUENCE goes up when the time changed.
 */
int
pd_api_event_move(struct pd_api_ctx *c)
{
	struct pd_event *ev = NULL;
	const char *start = pd_api_str(c, "start");
	char *old_end = NULL;
	int given = 0, rc;

	if ((rc = pd_api_fields(c, move_fields, NELEM(move_fields))) != PD_OK)
		goto out;
	if (start == NULL) {
		rc = pd_api_fail(c, 400, "start", "start: missing");
		goto out;
	}
	if ((rc = pd_api_event_load(c, 0, &ev)) != PD_OK ||
	    (rc = set_time(c, &ev->start, start, ev->all_day)) != PD_OK)
		goto out;
	old_end = ev->end;
	ev->end = NULL;
	if ((rc = end_from_request(c, ev, &given)) != PD_OK)
		goto out;
	rc = pd_store_event_move(c->app->st, ev->id, ev->start,
	    given && ev->end != NULL ? ev->end : NULL);
	if (rc != PD_OK) {
		pd_api_fail_store(c, rc, NULL);
		goto out;
	}
	c->wrote = 1;
	rc = reply_event(c, 200, ev->id);
out:
	free(old_end);
	pd_event_free(ev);
	return rc;
}

/* POST /api/events/{id}/cancel: cancelling twice changes nothing. */
int
pd_api_event_cancel(struct pd_api_ctx *c)
{
	struct pd_event *ev = NULL;
	int rc;

	if ((rc = pd_api_fields(c, NULL, 0)) != PD_OK ||
	    (rc = pd_api_event_load(c, 0, &ev)) != PD_OK)
		goto out;
	if (ev->status != PD_EVENT_CANCELLED) {
		if ((rc = pd_store_event_cancel(c->app->st, ev->id)) != PD_OK) {
			pd_api_fail_store(c, rc, NULL);
			goto out;
		}
		c->wrote = 1;
	}
	rc = reply_event(c, 200, ev->id);
out:
	pd_event_free(ev);
	return rc;
}
