/*
 * schedule.xml: the model of schedule_int.h written with libxml2's
 * xmlTextWriter, in the shape of the c3voc XSD
 * (tests/data/schemas/c3voc-schedule/schedule.xml.xsd).  The writer does
 * the escaping; the model has already removed what XML cannot carry.
 *
 * Beyond the schema, for the apps: every <day> has start and end with
 * offsets (EventFahrplan fails without), every <event> its <date> with
 * the offset in force then, <start> and <duration> as HH:MM, and <person>
 * an id (ConfClerk keys persons by it) and a guid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "podium/err.h"
#include "podium/model.h"

#include "schedule_int.h"

#define X(s) ((const xmlChar *)(s))

/* Each step fails with a negative count; the first failure ends the walk. */
static int
el(xmlTextWriterPtr w, const char *name, const char *text)
{
	return xmlTextWriterWriteElement(w, X(name), X(text != NULL ? text :
	    ""));
}

static int
attr(xmlTextWriterPtr w, const char *name, const char *value)
{
	return xmlTextWriterWriteAttribute(w, X(name), X(value));
}

static int
is_http(const char *s)
{
	return s != NULL && (strncmp(s, "http://", 7) == 0 ||
	    strncmp(s, "https://", 8) == 0);
}

static int
write_conference(xmlTextWriterPtr w, const struct sc_model *m)
{
	char days[24];
	size_t i;

	snprintf(days, sizeof(days), "%zu", m->ndays);
	if (xmlTextWriterStartElement(w, X("conference")) < 0 ||
	    el(w, "acronym", m->acronym) < 0 ||
	    el(w, "title", m->title) < 0 ||
	    el(w, "start", m->start) < 0 ||
	    el(w, "end", m->end) < 0 ||
	    el(w, "days", days) < 0 ||
	    el(w, "timeslot_duration", "00:15") < 0 ||
	    el(w, "time_zone_name", m->tz) < 0)
		return PD_ENOMEM;
	if (is_http(m->base_url) && el(w, "base_url", m->base_url) < 0)
		return PD_ENOMEM;
	for (i = 0; i < m->ntracks; i++) {
		char *slug = pd_slug(m->tracks[i]);
		int bad;

		bad = xmlTextWriterStartElement(w, X("track")) < 0 ||
		    attr(w, "name", m->tracks[i]) < 0 ||
		    (sc_track_slug_ok(slug) && attr(w, "slug", slug) < 0) ||
		    xmlTextWriterEndElement(w) < 0;
		free(slug);
		if (bad)
			return PD_ENOMEM;
	}
	return xmlTextWriterEndElement(w) < 0 ? PD_ENOMEM : PD_OK;
}

static int
write_event(xmlTextWriterPtr w, const struct sc_event *e)
{
	char id[24];
	size_t i;

	snprintf(id, sizeof(id), "%lld", (long long)e->id);
	if (xmlTextWriterStartElement(w, X("event")) < 0 ||
	    attr(w, "guid", e->guid) < 0 || attr(w, "id", id) < 0 ||
	    el(w, "date", e->date) < 0 ||
	    el(w, "start", e->start) < 0 ||
	    el(w, "duration", e->duration) < 0 ||
	    el(w, "room", e->room) < 0 ||
	    el(w, "slug", e->slug) < 0 ||
	    el(w, "title", e->title) < 0 ||
	    el(w, "subtitle", e->subtitle) < 0 ||
	    el(w, "track", e->track) < 0 ||
	    el(w, "type", e->type) < 0 ||
	    el(w, "abstract", e->abstract) < 0 ||
	    el(w, "description", e->description) < 0 ||
	    (is_http(e->url) && el(w, "url", e->url) < 0) ||
	    xmlTextWriterStartElement(w, X("persons")) < 0)
		return PD_ENOMEM;
	for (i = 0; i < e->npersons; i++) {
		const struct sc_person *p = &e->persons[i];

		snprintf(id, sizeof(id), "%lld", (long long)p->id);
		if (xmlTextWriterStartElement(w, X("person")) < 0 ||
		    attr(w, "id", id) < 0 ||
		    (*p->guid != '\0' && attr(w, "guid", p->guid) < 0) ||
		    xmlTextWriterWriteString(w, X(p->name)) < 0 ||
		    xmlTextWriterEndElement(w) < 0)
			return PD_ENOMEM;
	}
	if (xmlTextWriterEndElement(w) < 0 ||
	    xmlTextWriterStartElement(w, X("links")) < 0)
		return PD_ENOMEM;
	for (i = 0; i < e->nlinks; i++)
		if (xmlTextWriterStartElement(w, X("link")) < 0 ||
		    attr(w, "href", e->links[i]) < 0 ||
		    xmlTextWriterWriteString(w, X(e->links[i])) < 0 ||
		    xmlTextWriterEndElement(w) < 0)
			return PD_ENOMEM;
	if (xmlTextWriterEndElement(w) < 0 || xmlTextWriterEndElement(w) < 0)
		return PD_ENOMEM;
	return PD_OK;
}

static int
write_day(xmlTextWriterPtr w, const struct sc_model *m,
    const struct sc_day *d)
{
	char index[24];
	size_t i;
	int rc, open = 0;

	snprintf(index, sizeof(index), "%d", d->index);
	if (xmlTextWriterStartElement(w, X("day")) < 0 ||
	    attr(w, "index", index) < 0 || attr(w, "date", d->date) < 0 ||
	    attr(w, "start", d->start) < 0 || attr(w, "end", d->end) < 0)
		return PD_ENOMEM;
	for (i = d->first; i < d->first + d->n; i++) {
		const struct sc_event *e = &m->events[i];
		const struct sc_room *r = &m->rooms[e->room_index];

		if (i == d->first || e->room_index !=
		    m->events[i - 1].room_index) {
			if (open && xmlTextWriterEndElement(w) < 0)
				return PD_ENOMEM;
			if (xmlTextWriterStartElement(w, X("room")) < 0 ||
			    attr(w, "name", r->name) < 0 ||
			    attr(w, "guid", r->guid) < 0)
				return PD_ENOMEM;
			open = 1;
		}
		if ((rc = write_event(w, e)) != PD_OK)
			return rc;
	}
	if (open && xmlTextWriterEndElement(w) < 0)
		return PD_ENOMEM;
	return xmlTextWriterEndElement(w) < 0 ? PD_ENOMEM : PD_OK;
}

int
sc_write_xml(const struct sc_model *m, char **out, size_t *len)
{
	xmlBufferPtr buf;
	xmlTextWriterPtr w = NULL;
	size_t i, n;
	char *doc;
	int rc = PD_ENOMEM;

	if ((buf = xmlBufferCreate()) == NULL)
		return PD_ENOMEM;
	if ((w = xmlNewTextWriterMemory(buf, 0)) == NULL)
		goto out;
	if (xmlTextWriterSetIndent(w, 1) < 0 ||
	    xmlTextWriterSetIndentString(w, X("  ")) < 0 ||
	    xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElement(w, X("schedule")) < 0 ||
	    xmlTextWriterStartElement(w, X("generator")) < 0 ||
	    attr(w, "name", "podium") < 0 ||
	    attr(w, "version", SC_GENERATOR_VERSION) < 0 ||
	    xmlTextWriterEndElement(w) < 0 ||
	    (m->url_xml != NULL && el(w, "url", m->url_xml) < 0) ||
	    el(w, "version", SC_VERSION_PLACEHOLDER) < 0)
		goto out;
	if ((rc = write_conference(w, m)) != PD_OK)
		goto out;
	for (i = 0; i < m->ndays; i++)
		if ((rc = write_day(w, m, &m->days[i])) != PD_OK)
			goto out;
	rc = PD_ENOMEM;
	if (xmlTextWriterEndDocument(w) < 0)
		goto out;
	xmlFreeTextWriter(w);	/* flushes into buf */
	w = NULL;
	n = (size_t)xmlBufferLength(buf);
	if ((doc = malloc(n + 1)) == NULL)
		goto out;
	memcpy(doc, xmlBufferContent(buf), n);
	doc[n] = '\0';
	*out = doc;
	*len = n;
	rc = PD_OK;
out:
	if (w != NULL)
		xmlFreeTextWriter(w);
	xmlBufferFree(buf);
	return rc;
}
