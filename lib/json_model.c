/*
 * The model as JSON for the organizer API (see json_model.h).
 *
 * Built with json_pack so that one format string shows an object's shape
 * at a glance.  A NULL string becomes JSON null ("s?"); a part that could
 * not be built (out of memory) is passed as NULL to "o", which makes the
 * whole json_pack fail, so a half-built object is never returned.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "podium/buf.h"
#include "podium/model.h"

#include "json_model.h"

json_t *
pd_json_person(const struct pd_person *p)
{
	if (p->id == 0 && p->name == NULL)
		return json_null();
	return json_pack("{s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}",
	    "id", (json_int_t)p->id,
	    "uuid", p->uuid,
	    "name", p->name,
	    "email", p->email,
	    "org", p->org_code,
	    "org_name", p->org_name,
	    "lang", p->lang);
}

json_t *
pd_json_agenda_item(const struct pd_agenda_item *a)
{
	return json_pack("{s:I, s:s?, s:s?, s:s?, s:s?}",
	    "id", (json_int_t)a->id,
	    "label", a->label,
	    "title", a->title,
	    "from", a->from,
	    "to", a->to);
}

json_t *
pd_json_talk(const struct pd_talk *t, int64_t alt_id)
{
	return json_pack("{s:I, s:s?, s:s?, s:s, s:s?, s:o, s:o, s:o, s:s?,"
	    " s:s?, s:s?}",
	    "id", (json_int_t)t->id,
	    "uid", t->uid,
	    "title", t->title,
	    "status", pd_talk_status_name(t->status),
	    /* Who set it: speaker, organizer:EMAIL, cli, api, import. */
	    "status_by", t->status_by,
	    "speaker", pd_json_person(&t->speaker),
	    "via", pd_json_person(&t->via),
	    "alternative_to", alt_id > 0 ? json_integer(alt_id) : json_null(),
	    "alternative_to_uid", t->alternative_to,
	    "start", t->start,
	    "end", t->end);
}

json_t *
pd_json_attendance(const struct pd_attendance *a)
{
	return json_pack("{s:I, s:o, s:s, s:s, s:s?}",
	    "id", (json_int_t)a->id,
	    "person", pd_json_person(&a->person),
	    "role", pd_role_name(a->role),
	    "status", pd_partstat_name(a->status),
	    "delegate", a->delegate);
}

static json_t *
str_array(char *const *v, size_t n)
{
	json_t *a;
	size_t i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (json_array_append_new(a, json_string(v[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

int64_t
pd_json_talk_id(const struct pd_event *ev, const char *uid)
{
	size_t i;

	for (i = 0; uid != NULL && i < ev->ntalks; i++)
		if (ev->talks[i].uid != NULL &&
		    strcmp(ev->talks[i].uid, uid) == 0)
			return ev->talks[i].id;
	return 0;
}

/* Appends each built element to a fresh array under key; -1 on failure. */
static int
set_parts(json_t *o, const char *key, size_t n, json_t *(*build)(
    const struct pd_event *, size_t), const struct pd_event *ev)
{
	json_t *a;
	size_t i;

	if ((a = json_array()) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (json_array_append_new(a, build(ev, i)) != 0) {
			json_decref(a);
			return -1;
		}
	}
	return json_object_set_new(o, key, a);
}

static json_t *
agenda_at(const struct pd_event *ev, size_t i)
{
	return pd_json_agenda_item(&ev->agenda[i]);
}

static json_t *
talk_at(const struct pd_event *ev, size_t i)
{
	return pd_json_talk(&ev->talks[i],
	    pd_json_talk_id(ev, ev->talks[i].alternative_to));
}

static json_t *
attendance_at(const struct pd_event *ev, size_t i)
{
	return pd_json_attendance(&ev->attendances[i]);
}

json_t *
pd_json_event(const struct pd_event *ev, int parts)
{
	json_t *o;

	o = json_pack("{s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:b, s:s?,"
	    " s:s?, s:I, s:I, s:s, s:i, s:s?, s:s?, s:s?, s:o, s:o, s:o,"
	    " s:I, s:I}",
	    "id", (json_int_t)ev->id,
	    "uid", ev->uid,
	    "title", ev->title,
	    "description", ev->description,
	    "location", ev->location,
	    "url", ev->url,
	    "tz", ev->tzid,
	    "all_day", ev->all_day,
	    "start", ev->start,
	    "end", ev->end,
	    "start_utc", (json_int_t)ev->start_utc,
	    "end_utc", (json_int_t)ev->end_utc,
	    "status", pd_event_status_name(ev->status),
	    "sequence", ev->sequence,
	    "rrule", ev->rrule,
	    "group", ev->group_slug,
	    "group_name", ev->group_name,
	    "organizer", pd_json_person(&ev->organizer),
	    "topics", str_array(ev->topics, ev->ntopics),
	    "links", str_array(ev->links, ev->nlinks),
	    "created", (json_int_t)ev->created,
	    "updated", (json_int_t)ev->updated);
	if (o != NULL && (json_object_set_new(o, "public_attendance",
	    json_boolean(ev->public_attendance)) != 0 ||
	    json_object_set_new(o, "group_public_attendance",
	    json_boolean(ev->group_public_attendance)) != 0)) {
		json_decref(o);
		return NULL;
	}
	if (o == NULL || !parts)
		return o;
	if (set_parts(o, "agenda", ev->nagenda, agenda_at, ev) != 0 ||
	    set_parts(o, "talks", ev->ntalks, talk_at, ev) != 0 ||
	    set_parts(o, "attendances", ev->nattendances, attendance_at,
	    ev) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* base + "/calendars/" + kind + "/" + slug + ".ics", as a JSON string. */
static json_t *
feed_url(const char *base, const char *kind, const char *slug)
{
	struct pd_buf b = PD_BUF_INIT;
	json_t *s;

	pd_buf_addf(&b, "%s/calendars/%s/%s.ics", base != NULL ? base : "",
	    kind, slug);
	s = pd_buf_failed(&b) ? NULL : json_string(b.data);
	pd_buf_free(&b);
	return s;
}

json_t *
pd_json_group(const struct pd_group *g, const char *base)
{
	json_t *o, *members, *m;
	size_t i;

	if ((members = json_array()) == NULL)
		return NULL;
	for (i = 0; i < g->nmembers; i++) {
		m = json_pack("{s:o, s:s}",
		    "person", pd_json_person(&g->members[i].person),
		    "role", pd_group_role_name(g->members[i].role));
		if (json_array_append_new(members, m) != 0) {
			json_decref(members);
			return NULL;
		}
	}
	o = json_pack("{s:I, s:s?, s:s?, s:o, s:o}",
	    "id", (json_int_t)g->id,
	    "slug", g->slug,
	    "name", g->name,
	    "feed", feed_url(base, "group", g->slug),
	    "members", members);
	if (o != NULL && json_object_set_new(o, "public_attendance",
	    json_boolean(g->public_attendance)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
pd_json_topic(const struct pd_topic *t, const char *base)
{
	return json_pack("{s:I, s:s?, s:s?, s:I, s:o}",
	    "id", (json_int_t)t->id,
	    "slug", t->slug,
	    "name", t->name,
	    "events", (json_int_t)t->nevents,
	    "feed", feed_url(base, "topic", t->slug));
}
