/*
 * The conference schedule (schedule.h): from a calendar of the store to
 * the neutral day / room / event model that schedule_xml.c and
 * schedule_json.c write, and the version stamp on the finished bytes.
 *
 * What becomes an event: a talk with its own time is an event of its own
 * (type "talk", its session as subtitle); a session is an event (type
 * "meeting") unless all of its talks have their own time.  A recurring
 * session gives one event per occurrence, at most MAX_OCCURRENCES and
 * none later than HORIZON after the first, so that an endless series
 * stays a finite document that depends on the data alone, not on the
 * clock.  Persons are the speakers of confirmed talks, by name, with
 * the person's stored random uuid as guid (never anything derived from
 * an address); requested speakers show only in the description text,
 * as in the public iCalendar feeds.  Cancelled events, declined and
 * withdrawn talks are left out: the apps drop what is gone.
 *
 * Identity: an event's guid is the UUIDv5 of podium's namespace and the
 * row's UID (a talk's UID for a talk, "UID\nN" for occurrence N > 0 of a
 * series), so it never changes across renders, re-imports and releases.
 * The deprecated integer id is taken from the guid's first 31 bits, with
 * the rare clash moved to the next free number.
 *
 * Times are shown in one zone: the events' own when they all share one,
 * else Europe/Berlin.  Every date carries the offset in force at that
 * moment, so DST is right on each side of the change; a day runs from
 * local midnight to the next.  Durations are capped at 23:59 (the apps
 * read HH:MM; a third part would be seconds), which is what an all-day
 * event shows as.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "podium/buf.h"
#include "podium/model.h"
#include "podium/plan.h"
#include "podium/schedule.h"
#include "podium/store.h"
#include "podium/tz.h"

#include "ical_int.h"
#include "schedule_int.h"

#define MAX_OCCURRENCES	100
#define HORIZON		(5 * 366 * 86400LL)
#define MAX_DURATION	(23 * 60 + 59)	/* minutes */
#define MAX_SLUG_TITLE	50

/* podium's UUIDv5 namespace; fixed forever, or every guid changes. */
static const unsigned char ns_podium[16] = {
	0x5a, 0xa2, 0xc4, 0x72, 0x6e, 0x32, 0x4f, 0x3b,
	0x81, 0xd3, 0xf5, 0x24, 0xaa, 0xc8, 0x24, 0x4b
};

/* RFC 4122 section 4.3: SHA-1 of namespace and name, version 5. */
static int
uuid5(const char *name, size_t len, char out[37])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	EVP_MD_CTX *ctx;
	char *p = out;
	int ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return PD_ENOMEM;
	ok = EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, ns_podium, sizeof(ns_podium)) == 1 &&
	    EVP_DigestUpdate(ctx, name, len) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen >= 16;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return PD_ENOMEM;
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[md[i] >> 4];
		*p++ = hex[md[i] & 15];
	}
	*p = '\0';
	return PD_OK;
}

/* Length of the valid UTF-8 sequence at s (NUL-terminated), 0: invalid. */
static size_t
utf8_seq(const unsigned char *s)
{
	unsigned cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF, U+FFFE and U+FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
	    cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

/*
 * A copy of s with what XML 1.0 cannot carry removed: control
 * characters other than tab, line feed and carriage return, the
 * non-characters U+FFFE/U+FFFF and bytes that are not UTF-8.  The JSON
 * gets the same text, so both documents say the same.  NULL -> "".
 */
static char *
clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	char *out, *q;
	size_t n;

	if ((out = malloc(strlen((const char *)p) + 1)) == NULL)
		return NULL;
	for (q = out; *p != '\0'; p += n) {
		if ((n = utf8_seq(p)) == 0) {
			n = 1;
			continue;
		}
		if (n == 1 && *p < 0x20 && *p != '\t' && *p != '\n' &&
		    *p != '\r')
			continue;
		memcpy(q, p, n);
		q += n;
	}
	*q = '\0';
	return out;
}

static int
is_http(const char *s)
{
	return s != NULL && (strncmp(s, "http://", 7) == 0 ||
	    strncmp(s, "https://", 8) == 0);
}

int
sc_track_slug_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n >= 2 && s[0] >= 'a' && s[0] <= 'z' && s[n - 1] != '-' &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* "2021-02-11T09:00:00+01:00" for t in tz, and the local date. */
static int
stamp(int64_t t, const char *tz, char out[SC_STAMP_LEN], char day[11])
{
	char local[17];
	int y, mo, d, h, mi;
	int64_t off, lt;
	long a;

	if (pd_tz_from_utc(t, tz, local) != PD_OK ||
	    sscanf(local, "%4d-%2d-%2d %2d:%2d", &y, &mo, &d, &h, &mi) != 5)
		return PD_EINVAL;
	lt = pd_tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
	off = lt - (t - ((t % 60) + 60) % 60);
	a = (long)(off < 0 ? -off : off) / 60;
	snprintf(out, SC_STAMP_LEN, "%.10sT%.5s:00%c%02ld:%02ld", local,
	    local + 11, off < 0 ? '-' : '+', a / 60 % 100, a % 60);
	if (day != NULL)
		snprintf(day, 11, "%.10s", local);
	return PD_OK;
}

/* ---- building ---- */

struct build {
	struct sc_model *m;
	const struct pd_schedule_opts *opts;
	struct pd_error *err;
	size_t cap;
	struct pd_buf tmp;
	const char *acronym;
};

static void
person_free(struct sc_person *p)
{
	free(p->name);
}

static void
event_free(struct sc_event *e)
{
	size_t i;

	free(e->title);
	free(e->subtitle);
	free(e->abstract);
	free(e->description);
	free(e->track);
	free(e->room);
	free(e->url);
	free(e->slug);
	for (i = 0; i < e->npersons; i++)
		person_free(&e->persons[i]);
	free(e->persons);
	for (i = 0; i < e->nlinks; i++)
		free(e->links[i]);
	free(e->links);
	memset(e, 0, sizeof(*e));
}

static void
model_free(struct sc_model *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nevents; i++)
		event_free(&m->events[i]);
	free(m->events);
	for (i = 0; i < m->nrooms; i++)
		free(m->rooms[i].name);
	free(m->rooms);
	free(m->tracks);	/* borrowed from the events */
	free(m->days);
	free(m->title);
	free(m->acronym);
	free(m->url_xml);
	free(m->url_json);
	free(m->base_url);
	free(m);
}

static struct sc_event *
new_event(struct build *b)
{
	struct sc_model *m = b->m;
	struct sc_event *e;

	if (m->nevents == b->cap) {
		size_t cap = b->cap > 0 ? b->cap * 2 : 32;

		if ((e = realloc(m->events, cap * sizeof(*e))) == NULL)
			return NULL;
		m->events = e;
		b->cap = cap;
	}
	e = &m->events[m->nevents++];
	memset(e, 0, sizeof(*e));
	return e;
}

static int
add_person(struct sc_event *e, const struct pd_person *p)
{
	struct sc_person *np;
	size_t i;

	if (p->name == NULL || *p->name == '\0')
		return PD_OK;
	for (i = 0; i < e->npersons; i++)
		if (e->persons[i].id == p->id)
			return PD_OK;
	if ((np = realloc(e->persons, (e->npersons + 1) * sizeof(*np))) ==
	    NULL)
		return PD_ENOMEM;
	e->persons = np;
	np = &e->persons[e->npersons];
	memset(np, 0, sizeof(*np));
	if ((np->name = clean(p->name)) == NULL)
		return PD_ENOMEM;
	e->npersons++;
	np->id = p->id;
	/* The stored uuid is random (store_person.c); keep only a well-formed one. */
	if (p->uuid != NULL && strlen(p->uuid) == 36 &&
	    strspn(p->uuid, "0123456789abcdefABCDEF-") == 36)
		memcpy(np->guid, p->uuid, 37);
	return PD_OK;
}

static int
add_link(struct sc_event *e, const char *url)
{
	char **nl;
	size_t i;

	if (!is_http(url))
		return PD_OK;
	for (i = 0; i < e->nlinks; i++)
		if (strcmp(e->links[i], url) == 0)
			return PD_OK;
	if ((nl = realloc(e->links, (e->nlinks + 1) * sizeof(*nl))) == NULL)
		return PD_ENOMEM;
	e->links = nl;
	if ((nl[e->nlinks] = clean(url)) == NULL)
		return PD_ENOMEM;
	e->nlinks++;
	return PD_OK;
}

/* What every event of ev shares: room, track, links, url. */
static int
fill_common(struct build *b, struct sc_event *e, const struct pd_event *ev)
{
	const char *room = ev->location, *track = NULL;
	size_t i;
	int rc;

	/* Without a location the group (else the programme) is the "room". */
	if (room == NULL || *room == '\0')
		room = ev->group_name;
	if (room == NULL || *room == '\0')
		room = b->m->title;
	for (i = 0; track == NULL && i < ev->ntopics; i++)
		if (ev->topics[i] != NULL && *ev->topics[i] != '\0')
			track = ev->topics[i];
	if (track == NULL)
		track = ev->group_name;
	if ((e->room = clean(room)) == NULL ||
	    (e->track = clean(track)) == NULL)
		return PD_ENOMEM;
	if ((rc = add_link(e, ev->url)) != PD_OK)
		return rc;
	for (i = 0; i < ev->nlinks; i++)
		if ((rc = add_link(e, ev->links[i])) != PD_OK)
			return rc;
	/* The event's own page, else the calendar it is part of. */
	pd_buf_reset(&b->tmp);
	if (e->nlinks > 0)
		pd_buf_adds(&b->tmp, e->links[0]);
	else if (b->opts->group != NULL)
		pd_buf_addf(&b->tmp, "%scalendars/group/%s.ics",
		    b->m->base_url, b->opts->group);
	else
		pd_buf_addf(&b->tmp, "%scalendars/all.ics", b->m->base_url);
	e->url = pd_buf_detach(&b->tmp, NULL);
	return e->url != NULL ? PD_OK : PD_ENOMEM;
}

/* Times, in the schedule's zone. */
static int
fill_times(struct build *b, struct sc_event *e, int64_t start, int64_t end)
{
	uint64_t mins = end > start ? (uint64_t)(end - start) / 60 : 0;

	if (mins > MAX_DURATION)
		mins = MAX_DURATION;
	e->start_utc = start;
	if (stamp(start, b->m->tz, e->date, e->day) != PD_OK ||
	    stamp(end > start ? end : start, b->m->tz, e->end, NULL) != PD_OK)
		return pd_error_set(b->err, PD_EINVAL, "tz",
		    "tz: cannot show a time in '%s'", b->m->tz);
	memcpy(e->start, e->date + 11, 5);
	e->start[5] = '\0';
	snprintf(e->duration, sizeof(e->duration), "%02u:%02u",
	    (unsigned)(mins / 60 % 24), (unsigned)(mins % 60));
	return PD_OK;
}

static int
set_guid(struct sc_event *e, const char *uid, const char *suffix)
{
	struct pd_buf name = PD_BUF_INIT;
	int rc;

	pd_buf_adds(&name, uid);
	if (suffix != NULL)
		pd_buf_addf(&name, "\n%s", suffix);
	if (pd_buf_failed(&name))
		return PD_ENOMEM;
	rc = uuid5(name.data, name.len, e->guid);
	pd_buf_free(&name);
	return rc;
}

static int
talk_active(const struct pd_talk *t)
{
	return t->status == PD_TALK_REQUESTED || t->status == PD_TALK_CONFIRMED;
}

static int
talk_timed(const struct pd_talk *t)
{
	return t->start != NULL && t->end != NULL;
}

static const char *
talk_word(enum pd_talk_status s)
{
	return s == PD_TALK_CONFIRMED ? "bestätigt" : "angefragt";
}

/* A talk with its own time: an event of its own. */
static int
add_talk(struct build *b, const struct pd_event *ev, const struct pd_talk *t,
    const char *tz)
{
	struct sc_event *e;
	struct pd_buf *d = &b->tmp;
	int64_t start, end;
	char id[32];
	int rc;

	if (pd_tz_to_utc(t->start, tz, 0, &start) != PD_OK ||
	    pd_tz_to_utc(t->end, tz, 0, &end) != PD_OK)
		return pd_error_set(b->err, PD_EINVAL, "start",
		    "start: talk '%s' has a time podium cannot read",
		    t->title != NULL ? t->title : "");
	if ((e = new_event(b)) == NULL)
		return PD_ENOMEM;
	e->type = "talk";
	e->updated = t->updated > ev->updated ? t->updated : ev->updated;
	snprintf(id, sizeof(id), "talk %lld", (long long)t->id);
	if ((rc = t->uid != NULL && *t->uid != '\0' ?
	    set_guid(e, t->uid, NULL) : set_guid(e, ev->uid, id)) != PD_OK ||
	    (rc = fill_times(b, e, start, end)) != PD_OK ||
	    (rc = fill_common(b, e, ev)) != PD_OK)
		return rc;
	pd_buf_reset(d);
	if (t->speaker.name != NULL) {
		pd_buf_adds(d, t->speaker.name);
		if (t->speaker.org_code != NULL && *t->speaker.org_code != '\0')
			pd_buf_addf(d, " (%s)", t->speaker.org_code);
		pd_buf_addf(d, " \xe2\x80\x93 %s", talk_word(t->status));
	}
	pd_buf_add(d, "", 0);
	if (pd_buf_failed(d) || (e->description = clean(d->data)) == NULL ||
	    (e->title = clean(t->title)) == NULL ||
	    (e->subtitle = clean(ev->title)) == NULL ||
	    (e->abstract = clean("")) == NULL)
		return PD_ENOMEM;
	pd_buf_reset(d);
	if (t->status == PD_TALK_CONFIRMED &&
	    (rc = add_person(e, &t->speaker)) != PD_OK)
		return rc;
	return PD_OK;
}

/*
 * The iCalendar text without the organizer's text it starts with: that
 * is the abstract, and apps that show both would show it twice.
 */
static const char *
beyond(const char *full, const char *abstract)
{
	size_t n = abstract != NULL ? strlen(abstract) : 0;

	if (n == 0 || strncmp(full, abstract, n) != 0)
		return full;
	full += n;
	while (*full == '\n')
		full++;
	return full;
}

/* A session (each occurrence of it) with the speakers of untimed talks. */
static int
add_session(struct build *b, const struct pd_event *ev)
{
	int64_t starts[MAX_OCCURRENCES], len = ev->end_utc - ev->start_utc;
	size_t n, k, i;
	char suffix[24];
	int rc;

	n = pd_plan_occurrences(ev, ev->start_utc, ev->rrule != NULL ?
	    ev->start_utc + HORIZON : ev->start_utc + 1, starts,
	    MAX_OCCURRENCES);
	for (k = 0; k < n; k++) {
		struct sc_event *e;

		if ((e = new_event(b)) == NULL)
			return PD_ENOMEM;
		e->type = "meeting";
		e->updated = ev->updated;
		for (i = 0; i < ev->ntalks; i++)
			if (ev->talks[i].updated > e->updated)
				e->updated = ev->talks[i].updated;
		snprintf(suffix, sizeof(suffix), "%zu", k);
		if ((rc = set_guid(e, ev->uid, k > 0 ? suffix : NULL)) !=
		    PD_OK ||
		    (rc = fill_times(b, e, starts[k], starts[k] + len)) !=
		    PD_OK ||
		    (rc = fill_common(b, e, ev)) != PD_OK)
			return rc;
		if (pd_ical_description(&b->tmp, ev) != PD_OK ||
		    (e->description = clean(beyond(b->tmp.data,
		    ev->description))) == NULL ||
		    (e->title = clean(ev->title)) == NULL ||
		    (e->subtitle = clean("")) == NULL ||
		    (e->abstract = clean(ev->description)) == NULL)
			return PD_ENOMEM;
		pd_buf_reset(&b->tmp);
		for (i = 0; i < ev->ntalks; i++) {
			const struct pd_talk *t = &ev->talks[i];

			if (t->status == PD_TALK_CONFIRMED && !talk_timed(t) &&
			    (rc = add_person(e, &t->speaker)) != PD_OK)
				return rc;
		}
	}
	return PD_OK;
}

static int
add_calendar_event(struct build *b, const struct pd_event *ev)
{
	const char *tz = ev->tzid != NULL ? ev->tzid : PD_TZ_DEFAULT;
	size_t i, timed = 0, untimed = 0;
	int rc;

	if (ev->status == PD_EVENT_CANCELLED || ev->uid == NULL)
		return PD_OK;
	for (i = 0; i < ev->ntalks; i++) {
		if (!talk_active(&ev->talks[i]))
			continue;
		if (talk_timed(&ev->talks[i]))
			timed++;
		else
			untimed++;
	}
	if ((timed == 0 || untimed > 0) && (rc = add_session(b, ev)) != PD_OK)
		return rc;
	for (i = 0; i < ev->ntalks; i++)
		if (talk_active(&ev->talks[i]) && talk_timed(&ev->talks[i]) &&
		    (rc = add_talk(b, ev, &ev->talks[i], tz)) != PD_OK)
			return rc;
	return PD_OK;
}

static int
cmp_guid(const void *a, const void *b)
{
	return strcmp(((const struct sc_event *)a)->guid,
	    ((const struct sc_event *)b)->guid);
}

static int
cmp_id(const void *a, const void *b)
{
	const struct sc_event *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return strcmp(x->guid, y->guid);
}

static int
cmp_order(const void *a, const void *b)
{
	const struct sc_event *x = a, *y = b;
	int c;

	if ((c = strcmp(x->day, y->day)) != 0)
		return c;
	if ((c = strcmp(x->room, y->room)) != 0)
		return c;
	if (x->start_utc != y->start_utc)
		return x->start_utc < y->start_utc ? -1 : 1;
	return strcmp(x->guid, y->guid);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* bsearch: a room name against a room. */
static int
cmp_room(const void *key, const void *r)
{
	return strcmp(key, ((const struct sc_room *)r)->name);
}

/*
 * Guids unique (a clash can only come from a UID used twice; the first
 * wins), ids from the guids and unique, slugs from ids and titles.
 */
static int
identify(struct build *b)
{
	struct sc_model *m = b->m;
	size_t i, j;

	if (m->nevents == 0)
		return PD_OK;
	qsort(m->events, m->nevents, sizeof(*m->events), cmp_guid);
	for (i = j = 0; i < m->nevents; i++) {
		if (j > 0 && strcmp(m->events[j - 1].guid,
		    m->events[i].guid) == 0) {
			event_free(&m->events[i]);
			continue;
		}
		if (i != j)
			m->events[j] = m->events[i];
		j++;
	}
	m->nevents = j;
	for (i = 0; i < m->nevents; i++) {
		struct sc_event *e = &m->events[i];
		int64_t v = 0;

		/* The guid's first eight hex digits, 31 bits of them. */
		for (j = 0; j < 8; j++)
			v = v * 16 + (e->guid[j] <= '9' ? e->guid[j] - '0' :
			    e->guid[j] - 'a' + 10);
		e->id = v & 0x7fffffff;
		if (e->id == 0)
			e->id = 1;
	}
	qsort(m->events, m->nevents, sizeof(*m->events), cmp_id);
	for (i = 1; i < m->nevents; i++)
		if (m->events[i].id <= m->events[i - 1].id)
			m->events[i].id = m->events[i - 1].id + 1;
	for (i = 0; i < m->nevents; i++) {
		struct sc_event *e = &m->events[i];
		char *s = pd_slug(e->title);
		size_t n;

		if (s == NULL)
			return PD_ENOMEM;
		n = strlen(s);
		if (n > MAX_SLUG_TITLE)
			n = MAX_SLUG_TITLE;
		while (n > 0 && s[n - 1] == '-')
			n--;
		pd_buf_reset(&b->tmp);
		/* A title without letters still needs a tail (XSD: 4 or more). */
		pd_buf_addf(&b->tmp, "%s-%lld-%.*s", m->acronym,
		    (long long)e->id, n > 0 ? (int)n : 5, n > 0 ? s : "event");
		free(s);
		if ((e->slug = pd_buf_detach(&b->tmp, NULL)) == NULL)
			return PD_ENOMEM;
	}
	return PD_OK;
}

/* Rooms, tracks and days of the (sorted) events. */
static int
arrange(struct build *b)
{
	struct sc_model *m = b->m;
	size_t i, j, nd = 0;
	char **names = NULL;
	int rc = PD_ENOMEM;

	if (m->nevents > 0)
		qsort(m->events, m->nevents, sizeof(*m->events), cmp_order);
	if (m->nevents > 0 &&
	    ((names = malloc(m->nevents * sizeof(*names))) == NULL ||
	    (m->tracks = malloc(m->nevents * sizeof(*m->tracks))) == NULL ||
	    (m->rooms = calloc(m->nevents, sizeof(*m->rooms))) == NULL))
		goto out;
	for (i = 0; i < m->nevents; i++)
		names[i] = m->events[i].room;
	if (m->nevents > 0)
		qsort(names, m->nevents, sizeof(*names), cmp_str);
	for (i = 0; i < m->nevents; i++) {
		struct sc_room *r;

		if (m->nrooms > 0 &&
		    strcmp(m->rooms[m->nrooms - 1].name, names[i]) == 0)
			continue;
		r = &m->rooms[m->nrooms];
		if ((r->name = strdup(names[i])) == NULL)
			goto out;
		m->nrooms++;
		pd_buf_reset(&b->tmp);
		pd_buf_addf(&b->tmp, "room\n%s", names[i]);
		if (pd_buf_failed(&b->tmp) ||
		    uuid5(b->tmp.data, b->tmp.len, r->guid) != PD_OK)
			goto out;
	}
	for (i = 0; i < m->nevents; i++) {
		const struct sc_room *r = bsearch(m->events[i].room, m->rooms,
		    m->nrooms, sizeof(*m->rooms), cmp_room);

		m->events[i].room_index = (size_t)(r - m->rooms);
	}
	for (i = 0; i < m->nevents; i++)
		if (*m->events[i].track != '\0')
			m->tracks[m->ntracks++] = m->events[i].track;
	if (m->ntracks > 0)
		qsort(m->tracks, m->ntracks, sizeof(*m->tracks), cmp_str);
	for (i = j = 0; i < m->ntracks; i++)
		if (j == 0 || strcmp(m->tracks[j - 1], m->tracks[i]) != 0)
			m->tracks[j++] = m->tracks[i];
	m->ntracks = j;
	for (i = 0; i < m->nevents; i++)
		if (i == 0 || strcmp(m->events[i - 1].day, m->events[i].day) != 0)
			nd++;
	/* XML wants one day at least: an empty programme gets 1970-01-01. */
	if ((m->days = calloc(nd > 0 ? nd : 1, sizeof(*m->days))) == NULL)
		goto out;
	for (i = 0; i < m->nevents; i++) {
		if (i == 0 || strcmp(m->events[i - 1].day, m->events[i].day) != 0) {
			m->days[m->ndays].index = (int)m->ndays + 1;
			memcpy(m->days[m->ndays].date, m->events[i].day, 11);
			m->days[m->ndays].first = i;
			m->ndays++;
		}
		m->days[m->ndays - 1].n++;
	}
	if (m->ndays == 0) {
		m->days[0].index = 1;
		memcpy(m->days[0].date, "1970-01-01", 11);
		m->ndays = 1;
	}
	for (i = 0; i < m->ndays; i++) {
		struct sc_day *d = &m->days[i];
		int64_t t0, t1;
		int y, mo, dd;
		char next[11];

		if (sscanf(d->date, "%4d-%2d-%2d", &y, &mo, &dd) != 3)
			goto bad;
		pd_tz_civil_from_days(pd_tz_days_from_civil(y, mo, dd) + 1,
		    &y, &mo, &dd);
		snprintf(next, sizeof(next), "%04d-%02d-%02d", y, mo, dd);
		if (pd_tz_to_utc(d->date, m->tz, 1, &t0) != PD_OK ||
		    pd_tz_to_utc(next, m->tz, 1, &t1) != PD_OK ||
		    stamp(t0, m->tz, d->start, NULL) != PD_OK ||
		    stamp(t1, m->tz, d->end, NULL) != PD_OK)
			goto bad;
	}
	memcpy(m->start, m->days[0].date, 11);
	memcpy(m->end, m->days[m->ndays - 1].date, 11);
	rc = PD_OK;
	goto out;
bad:
	rc = pd_error_set(b->err, PD_EINVAL, "tz",
	    "tz: cannot show a day in '%s'", m->tz);
out:
	free(names);
	return rc;
}

/* "SMARTCity Gera" -> "smartcity_gera"; a group adds "_its_slug". */
static char *
acronym(const char *title, const char *group)
{
	struct pd_buf b = PD_BUF_INIT;
	char *s = pd_slug(title), *p;

	if (s == NULL)
		return NULL;
	if (strlen(s) < 4)
		pd_buf_adds(&b, "podium");
	if (*s != '\0')
		pd_buf_addf(&b, "%s%s", b.len > 0 ? "_" : "", s);
	free(s);
	if (group != NULL && (s = pd_slug(group)) != NULL) {
		if (*s != '\0')
			pd_buf_addf(&b, "_%s", s);
		free(s);
	}
	if ((p = pd_buf_detach(&b, NULL)) == NULL)
		return NULL;
	for (s = p; *s != '\0'; s++)
		if (*s == '-')
			*s = '_';
	return p;
}

/* The JSON schema's time_zone_name: "Area/Location" in capitals, or UTC. */
static int
tz_name_ok(const char *tz)
{
	const char *p = tz;
	size_t n = strlen(tz);

	if (n >= 3 && strcmp(tz + n - 3, "UTC") == 0)
		return 1;
	if (!(*p >= 'A' && *p <= 'Z'))
		return 0;
	for (p++; *p >= 'a' && *p <= 'z'; p++)
		;
	if (p == tz + 1 || *p++ != '/' || !(*p >= 'A' && *p <= 'Z'))
		return 0;
	return p[1] >= 'a' && p[1] <= 'z';
}

static int
build(const struct pd_calendar *cal, const struct pd_schedule_opts *opts,
    struct sc_model **out, struct pd_error *err)
{
	struct build b;
	struct sc_model *m;
	const char *base = opts->base_url != NULL ? opts->base_url :
	    "http://127.0.0.1:8080";
	const char *tz = NULL;
	size_t i, blen = strlen(base);
	int rc = PD_ENOMEM;

	memset(&b, 0, sizeof(b));
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return PD_ENOMEM;
	b.m = m;
	b.opts = opts;
	b.err = err;
	for (i = 0; i < cal->nevents; i++) {
		const char *z = cal->events[i].tzid != NULL ?
		    cal->events[i].tzid : PD_TZ_DEFAULT;

		if (tz == NULL)
			tz = z;
		else if (strcmp(tz, z) != 0)
			tz = PD_TZ_DEFAULT;
	}
	m->tz = tz != NULL && pd_tz_known(tz) ? tz : PD_TZ_DEFAULT;
	m->tz_name_ok = tz_name_ok(m->tz);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	/* "SMARTCity Gera – Fachgruppe ...", as the group's iCalendar feed. */
	pd_buf_adds(&b.tmp, opts->title != NULL ? opts->title : "podium");
	if (opts->group_name != NULL)
		pd_buf_addf(&b.tmp, " \xe2\x80\x93 %s", opts->group_name);
	if (pd_buf_failed(&b.tmp) || (m->title = clean(b.tmp.data)) == NULL ||
	    (m->acronym = acronym(opts->title != NULL ? opts->title :
	    "podium", opts->group)) == NULL)
		goto out;
	pd_buf_reset(&b.tmp);
	pd_buf_addf(&b.tmp, "%.*s/", (int)blen, base);
	if ((m->base_url = pd_buf_detach(&b.tmp, NULL)) == NULL)
		goto out;
	if (is_http(m->base_url)) {
		const char *g = opts->group;

		pd_buf_addf(&b.tmp, "%scalendars/%s%s%sschedule.xml",
		    m->base_url, g != NULL ? "group/" : "", g != NULL ? g : "",
		    g != NULL ? "/" : "");
		if ((m->url_xml = pd_buf_detach(&b.tmp, NULL)) == NULL)
			goto out;
		pd_buf_addf(&b.tmp, "%.*sjson", (int)strlen(m->url_xml) - 3,
		    m->url_xml);
		if ((m->url_json = pd_buf_detach(&b.tmp, NULL)) == NULL)
			goto out;
	}
	for (i = 0; i < cal->nevents; i++)
		if ((rc = add_calendar_event(&b, &cal->events[i])) != PD_OK)
			goto out;
	if ((rc = identify(&b)) != PD_OK || (rc = arrange(&b)) != PD_OK)
		goto out;
	*out = m;
	m = NULL;
out:
	pd_buf_free(&b.tmp);
	model_free(m);
	return rc;
}

/*
 * The newest change of what the schedule shows, as "YYYY-MM-DD" (UTC):
 * of the events in it only, so that a change elsewhere (a cancelled
 * event, which is left out) leaves the bytes alone.
 */
static void
newest_change(const struct sc_model *sm, char out[11])
{
	int64_t t = 0;
	size_t i;
	int y, m, d;

	for (i = 0; i < sm->nevents; i++)
		if (sm->events[i].updated > t)
			t = sm->events[i].updated;
	pd_tz_civil_from_days(t / 86400, &y, &m, &d);
	snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
}

/*
 * Writes the version over the placeholder behind marker: the date of the
 * newest change and the first 32 bits of the SHA-256 of the document as
 * written with the placeholder.  The same content gives the same
 * version; any change of it gives another.
 */
static int
stamp_version(char *doc, size_t len, const char *marker, const char *date)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char v[sizeof(SC_VERSION_PLACEHOLDER)], *p;

	if ((p = strstr(doc, marker)) == NULL)
		return PD_EINVAL;
	p += strlen(marker);
	if (strncmp(p, SC_VERSION_PLACEHOLDER,
	    strlen(SC_VERSION_PLACEHOLDER)) != 0)
		return PD_EINVAL;
	if (EVP_Digest(doc, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		return PD_ENOMEM;
	memcpy(v, date, 10);
	v[10] = '-';
	for (i = 0; i < 4; i++) {
		v[11 + 2 * i] = hex[md[i] >> 4];
		v[12 + 2 * i] = hex[md[i] & 15];
	}
	memcpy(p, v, strlen(SC_VERSION_PLACEHOLDER));
	return PD_OK;
}

int
pd_schedule_render(const struct pd_calendar *cal,
    enum pd_schedule_format fmt, const struct pd_schedule_opts *opts,
    char **out, size_t *len, struct pd_error *err)
{
	struct sc_model *m = NULL;
	char *doc = NULL, date[11];
	size_t n = 0;
	int rc;

	if ((rc = build(cal, opts, &m, err)) != PD_OK)
		goto out;
	rc = fmt == PD_SCHEDULE_XML ? sc_write_xml(m, &doc, &n) :
	    sc_write_json(m, &doc, &n);
	if (rc != PD_OK)
		goto out;
	newest_change(m, date);
	if ((rc = stamp_version(doc, n, fmt == PD_SCHEDULE_XML ?
	    "<version>" : "\"version\": \"", date)) != PD_OK)
		goto out;
	*out = doc;
	*len = n;
	doc = NULL;
out:
	free(doc);
	model_free(m);
	return rc;
}

int
pd_schedule_make(struct pd_store *st, const char *group,
    enum pd_schedule_format fmt, const struct pd_schedule_opts *opts,
    char **out, size_t *len, struct pd_error *err)
{
	struct pd_filter f = { PD_FILTER_ALL, NULL, 0 };
	struct pd_schedule_opts o = *opts;
	struct pd_calendar *cal = NULL;
	size_t i;
	int rc;

	if (group != NULL) {
		f.kind = PD_FILTER_GROUP;
		f.value = group;
	}
	o.group = group;
	o.group_name = NULL;
	if ((rc = pd_store_calendar(st, &f, &cal)) != PD_OK)
		return rc;
	for (i = 0; group != NULL && i < cal->ngroups; i++)
		if (strcmp(cal->groups[i].slug, group) == 0)
			o.group_name = cal->groups[i].name;
	rc = pd_schedule_render(cal, fmt, &o, out, len, err);
	pd_calendar_free(cal);
	return rc;
}

/* ---- the feed cache's names ---- */

static int
feed_split(const char *name, enum pd_schedule_format *fmt, char *slug,
    size_t cap)
{
	const char *file = name, *ext;
	size_t n;

	if (strncmp(name, "group/", 6) == 0) {
		const char *seg = name + 6, *end = strchr(seg, '/');

		if (end == NULL || end == seg || (size_t)(end - seg) > 200)
			return 0;
		n = (size_t)(end - seg);
		if (strspn(seg, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") < n)
			return 0;
		if (slug != NULL) {
			if (n >= cap)
				return 0;
			memcpy(slug, seg, n);
			slug[n] = '\0';
		}
		file = end + 1;
	} else if (slug != NULL)
		*slug = '\0';
	if (strncmp(file, "schedule.", 9) != 0)
		return 0;
	ext = file + 9;
	if (strcmp(ext, "xml") == 0)
		*fmt = PD_SCHEDULE_XML;
	else if (strcmp(ext, "json") == 0)
		*fmt = PD_SCHEDULE_JSON;
	else
		return 0;
	return 1;
}

int
pd_schedule_feed_name(const char *name)
{
	enum pd_schedule_format fmt;

	return feed_split(name, &fmt, NULL, 0);
}

const char *
pd_schedule_content_type(const char *name)
{
	enum pd_schedule_format fmt;

	if (!feed_split(name, &fmt, NULL, 0))
		return NULL;
	return fmt == PD_SCHEDULE_XML ? "application/xml; charset=utf-8" :
	    "application/json";
}

int
pd_schedule_feed_render(struct pd_store *st, const char *name,
    const struct pd_schedule_opts *opts, char **out, size_t *len)
{
	enum pd_schedule_format fmt;
	char slug[201];

	if (!feed_split(name, &fmt, slug, sizeof(slug)))
		return PD_ENOTFOUND;
	return pd_schedule_make(st, *slug != '\0' ? slug : NULL, fmt, opts,
	    out, len, NULL);
}
