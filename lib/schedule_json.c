/*
 * schedule.json: the model of schedule_int.h written with jansson, in
 * the shape of the c3voc JSON schema
 * (tests/data/schemas/c3voc-schedule/schema.json).
 *
 * Persons are written as {"name", "guid", "id"}: the schema's Person is
 * oneOf a frab person (public_name and id) and a pretalx person (name),
 * so a document that gave both name and public_name would fit both and
 * be refused.  "schedule" comes before "generator" so that the version
 * placeholder is the first "version" in the bytes.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "podium/err.h"
#include "podium/model.h"

#include "schedule_int.h"

static int
is_http(const char *s)
{
	return s != NULL && (strncmp(s, "http://", 7) == 0 ||
	    strncmp(s, "https://", 8) == 0);
}

/* Takes a new reference to v and adds it; a NULL v fails. */
static int
put(json_t *obj, const char *key, json_t *v)
{
	return v == NULL || json_object_set_new(obj, key, v) != 0 ?
	    PD_ENOMEM : PD_OK;
}

static int
append(json_t *arr, json_t *v)
{
	return v == NULL || json_array_append_new(arr, v) != 0 ?
	    PD_ENOMEM : PD_OK;
}

static json_t *
str_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? json_string(s) : json_null();
}

static json_t *
event_json(const struct sc_event *e)
{
	json_t *o, *persons, *links;
	size_t i;

	if ((o = json_object()) == NULL)
		return NULL;
	if (put(o, "guid", json_string(e->guid)) != PD_OK ||
	    put(o, "id", json_integer(e->id)) != PD_OK ||
	    put(o, "date", json_string(e->date)) != PD_OK ||
	    put(o, "end", json_string(e->end)) != PD_OK ||
	    put(o, "start", json_string(e->start)) != PD_OK ||
	    put(o, "duration", json_string(e->duration)) != PD_OK ||
	    put(o, "room", json_string(e->room)) != PD_OK ||
	    put(o, "slug", json_string(e->slug)) != PD_OK ||
	    put(o, "url", json_string(e->url)) != PD_OK ||
	    put(o, "title", json_string(e->title)) != PD_OK ||
	    put(o, "subtitle", str_or_null(e->subtitle)) != PD_OK ||
	    put(o, "track", str_or_null(e->track)) != PD_OK ||
	    put(o, "type", json_string(e->type)) != PD_OK ||
	    put(o, "language", json_null()) != PD_OK ||
	    put(o, "abstract", json_string(e->abstract)) != PD_OK ||
	    put(o, "description", json_string(e->description)) != PD_OK ||
	    put(o, "persons", persons = json_array()) != PD_OK ||
	    put(o, "links", links = json_array()) != PD_OK)
		goto fail;
	for (i = 0; i < e->npersons; i++) {
		const struct sc_person *p = &e->persons[i];
		json_t *po = json_object();

		if (append(persons, po) != PD_OK ||
		    put(po, "name", json_string(p->name)) != PD_OK ||
		    (*p->guid != '\0' &&
		    put(po, "guid", json_string(p->guid)) != PD_OK) ||
		    put(po, "id", json_integer(p->id)) != PD_OK)
			goto fail;
	}
	for (i = 0; i < e->nlinks; i++)
		if (append(links, json_pack("{s:s, s:s}", "url", e->links[i],
		    "title", e->links[i])) != PD_OK)
			goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

static json_t *
day_json(const struct sc_model *m, const struct sc_day *d)
{
	json_t *o, *rooms, *list = NULL;
	size_t i;

	if ((o = json_pack("{s:i, s:s, s:s, s:s}", "index", d->index,
	    "date", d->date, "day_start", d->start, "day_end", d->end)) ==
	    NULL)
		return NULL;
	if (put(o, "rooms", rooms = json_object()) != PD_OK)
		goto fail;
	for (i = d->first; i < d->first + d->n; i++) {
		const struct sc_event *e = &m->events[i];

		if ((i == d->first || e->room_index !=
		    m->events[i - 1].room_index) &&
		    put(rooms, m->rooms[e->room_index].name,
		    list = json_array()) != PD_OK)
			goto fail;
		if (append(list, event_json(e)) != PD_OK)
			goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

static json_t *
conference_json(const struct sc_model *m)
{
	json_t *c, *arr;
	size_t i;

	if ((c = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s}",
	    "acronym", m->acronym, "title", m->title, "start", m->start,
	    "end", m->end, "daysCount", (json_int_t)m->ndays,
	    "timeslot_duration", "00:15")) == NULL)
		return NULL;
	if ((m->tz_name_ok &&
	    put(c, "time_zone_name", json_string(m->tz)) != PD_OK) ||
	    (m->url_json != NULL &&
	    put(c, "url", json_string(m->url_json)) != PD_OK) ||
	    put(c, "rooms", arr = json_array()) != PD_OK)
		goto fail;
	for (i = 0; i < m->nrooms; i++)
		if (append(arr, json_pack("{s:s, s:s}", "name",
		    m->rooms[i].name, "guid", m->rooms[i].guid)) != PD_OK)
			goto fail;
	if (put(c, "tracks", arr = json_array()) != PD_OK)
		goto fail;
	for (i = 0; i < m->ntracks; i++) {
		char *slug = pd_slug(m->tracks[i]);
		json_t *t = json_pack("{s:s}", "name", m->tracks[i]);
		int rc;

		rc = append(arr, t);
		if (rc == PD_OK && sc_track_slug_ok(slug))
			rc = put(t, "slug", json_string(slug));
		free(slug);
		if (rc != PD_OK)
			goto fail;
	}
	if (put(c, "days", arr = json_array()) != PD_OK)
		goto fail;
	for (i = 0; i < m->ndays; i++)
		if (append(arr, day_json(m, &m->days[i])) != PD_OK)
			goto fail;
	return c;
fail:
	json_decref(c);
	return NULL;
}

int
sc_write_json(const struct sc_model *m, char **out, size_t *len)
{
	json_t *root, *sched;
	char *doc = NULL;
	int rc = PD_ENOMEM;

	if ((root = json_pack("{s:s}", "$schema",
	    "https://c3voc.de/schedule/schema.json")) == NULL)
		return PD_ENOMEM;
	if (put(root, "schedule", sched = json_object()) != PD_OK ||
	    put(sched, "version", json_string(SC_VERSION_PLACEHOLDER)) !=
	    PD_OK ||
	    (is_http(m->base_url) &&
	    put(sched, "base_url", json_string(m->base_url)) != PD_OK) ||
	    put(sched, "conference", conference_json(m)) != PD_OK ||
	    put(root, "generator", json_pack("{s:s, s:s}", "name", "podium",
	    "version", SC_GENERATOR_VERSION)) != PD_OK)
		goto out;
	if ((doc = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) ==
	    NULL)
		goto out;
	/* A final newline, as the other feeds end their last line. */
	*len = strlen(doc);
	{
		char *d = realloc(doc, *len + 2);

		if (d == NULL)
			goto out;
		doc = d;
		doc[(*len)++] = '\n';
		doc[*len] = '\0';
	}
	*out = doc;
	doc = NULL;
	rc = PD_OK;
out:
	free(doc);
	json_decref(root);
	return rc;
}
