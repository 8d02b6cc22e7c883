/*
 * Tables and JSON for the podium tool.
 *
 * Tables are for people reading a terminal: columns are padded by code
 * points, not bytes, so that names with umlauts line up (wide East Asian
 * characters are not a concern of this programme).  JSON is for scripts:
 * every object carries its id, an event carries its parts with theirs,
 * and text stays UTF-8 (jansson's JSON_ENSURE_ASCII is not used).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "podium/buf.h"
#include "podium/model.h"

#include "cli.h"
#include "output.h"

struct table {
	size_t ncols;
	size_t nrows;		/* the header included */
	size_t cap;
	char **cells;		/* nrows * ncols, owned */
};

static void
table_vadd(struct table *t, va_list ap)
{
	char **cells;
	const char *s;
	size_t i;

	if (t->nrows == t->cap) {
		t->cap = t->cap == 0 ? 16 : t->cap * 2;
		cells = realloc(t->cells, t->cap * t->ncols * sizeof(*cells));
		if (cells == NULL)
			cli_fatal(EX_OSERR, "out of memory");
		t->cells = cells;
	}
	for (i = 0; i < t->ncols; i++) {
		s = va_arg(ap, const char *);
		t->cells[t->nrows * t->ncols + i] = cli_strdup(s != NULL ?
		    s : "");
	}
	t->nrows++;
}

struct table *
table_new(size_t ncols, ...)
{
	struct table *t;
	va_list ap;

	t = cli_calloc(1, sizeof(*t));
	t->ncols = ncols;
	va_start(ap, ncols);
	table_vadd(t, ap);
	va_end(ap);
	return t;
}

void
table_add(struct table *t, ...)
{
	va_list ap;

	va_start(ap, t);
	table_vadd(t, ap);
	va_end(ap);
}

size_t
out_width(const char *s)
{
	size_t n = 0;

	/* Every byte that is not a UTF-8 continuation byte starts one. */
	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

void
table_print(struct table *t, FILE *f, const char *indent)
{
	size_t *width, r, c, w, last;
	const char *cell;

	width = cli_calloc(t->ncols, sizeof(*width));
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			w = out_width(t->cells[r * t->ncols + c]);
			if (w > width[c])
				width[c] = w;
		}
	for (r = 0; r < t->nrows; r++) {
		/* Cells after the last non-empty one are not padded. */
		for (last = t->ncols; last > 1; last--)
			if (*t->cells[r * t->ncols + last - 1] != '\0')
				break;
		fputs(indent, f);
		for (c = 0; c < last; c++) {
			cell = t->cells[r * t->ncols + c];
			fputs(cell, f);
			if (c + 1 < last)
				fprintf(f, "%*s", (int)(width[c] -
				    out_width(cell) + 2), "");
		}
		fputc('\n', f);
	}
	for (r = 0; r < t->nrows * t->ncols; r++)
		free(t->cells[r]);
	free(t->cells);
	free(width);
	free(t);
}

const char *
out_id(int64_t id, char buf[24])
{
	snprintf(buf, 24, "%" PRId64, id);
	return buf;
}

char *
out_person(const struct pd_person *p)
{
	struct pd_buf b = PD_BUF_INIT;
	char *s;

	if (p->name == NULL && p->id == 0)
		return cli_strdup("");
	pd_buf_adds(&b, p->name != NULL ? p->name : "?");
	if (p->org_code != NULL && *p->org_code != '\0')
		pd_buf_addf(&b, " (%s)", p->org_code);
	if ((s = pd_buf_detach(&b, NULL)) == NULL)
		cli_fatal(EX_OSERR, "out of memory");
	return s;
}

void
out_json(json_t *v)
{
	char *s;

	if (v == NULL || (s = json_dumps(v, JSON_INDENT(2))) == NULL)
		cli_fatal(EX_OSERR, "cannot build the JSON output");
	puts(s);
	free(s);
	json_decref(v);
}

json_t *
jstr(const char *s)
{
	json_t *v;

	if (s == NULL || (v = json_string(s)) == NULL)
		return json_null();
	return v;
}

json_t *
json_person(const struct pd_person *p)
{
	if (p->id == 0 && p->name == NULL)
		return json_null();
	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "id", (json_int_t)p->id,
	    "uuid", jstr(p->uuid),
	    "name", jstr(p->name),
	    "email", jstr(p->email),
	    "org", jstr(p->org_code),
	    "org_name", jstr(p->org_name),
	    "lang", jstr(p->lang));
}

json_t *
json_agenda_item(const struct pd_agenda_item *a)
{
	return json_pack("{s:I, s:o, s:o, s:o, s:o}",
	    "id", (json_int_t)a->id,
	    "label", jstr(a->label),
	    "title", jstr(a->title),
	    "from", jstr(a->from),
	    "to", jstr(a->to));
}

json_t *
json_talk(const struct pd_talk *t)
{
	return json_pack("{s:I, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "id", (json_int_t)t->id,
	    "uid", jstr(t->uid),
	    "title", jstr(t->title),
	    "status", pd_talk_status_name(t->status),
	    "status_by", jstr(t->status_by),
	    "speaker", json_person(&t->speaker),
	    "via", json_person(&t->via),
	    "alternative_to", jstr(t->alternative_to),
	    "start", jstr(t->start),
	    "end", jstr(t->end));
}

json_t *
json_attendance_of(int64_t id, const struct pd_person *p, enum pd_role role,
    enum pd_partstat status, const char *delegate)
{
	return json_pack("{s:I, s:o, s:s, s:s, s:o}",
	    "id", (json_int_t)id,
	    "person", json_person(p),
	    "role", pd_role_name(role),
	    "status", pd_partstat_name(status),
	    "delegate", jstr(delegate));
}

json_t *
json_attendance(const struct pd_attendance *a)
{
	return json_attendance_of(a->id, &a->person, a->role, a->status,
	    a->delegate);
}

static json_t *
str_array(char **v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, jstr(v[i]));
	return a;
}

json_t *
json_event(const struct pd_event *ev, int parts)
{
	json_t *o, *a;
	size_t i;

	o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:o,"
	    " s:I, s:I, s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "id", (json_int_t)ev->id,
	    "uid", jstr(ev->uid),
	    "title", jstr(ev->title),
	    "description", jstr(ev->description),
	    "location", jstr(ev->location),
	    "url", jstr(ev->url),
	    "tz", jstr(ev->tzid),
	    "all_day", ev->all_day,
	    "start", jstr(ev->start),
	    "end", jstr(ev->end),
	    "start_utc", (json_int_t)ev->start_utc,
	    "end_utc", (json_int_t)ev->end_utc,
	    "status", pd_event_status_name(ev->status),
	    "sequence", ev->sequence,
	    "rrule", jstr(ev->rrule),
	    "group", jstr(ev->group_slug),
	    "group_name", jstr(ev->group_name),
	    "organizer", json_person(&ev->organizer),
	    "topics", str_array(ev->topics, ev->ntopics),
	    "links", str_array(ev->links, ev->nlinks));
	if (o == NULL)
		cli_fatal(EX_OSERR, "cannot build the JSON output");
	json_object_set_new(o, "public_attendance",
	    json_boolean(ev->public_attendance));
	json_object_set_new(o, "group_public_attendance",
	    json_boolean(ev->group_public_attendance));
	if (!parts)
		return o;
	a = json_array();
	for (i = 0; i < ev->nagenda; i++)
		json_array_append_new(a, json_agenda_item(&ev->agenda[i]));
	json_object_set_new(o, "agenda", a);
	a = json_array();
	for (i = 0; i < ev->ntalks; i++)
		json_array_append_new(a, json_talk(&ev->talks[i]));
	json_object_set_new(o, "talks", a);
	a = json_array();
	for (i = 0; i < ev->nattendances; i++)
		json_array_append_new(a,
		    json_attendance(&ev->attendances[i]));
	json_object_set_new(o, "attendances", a);
	return o;
}
