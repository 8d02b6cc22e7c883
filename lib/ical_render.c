/*
 * Renders a struct pd_calendar as iCalendar text (ical.h), following the
 * contract in lib/ical_mapping.md.
 *
 * Components and properties are built with libical and serialized with its
 * *_as_ical_string_r functions, one component at a time, so memory stays
 * proportional to one event and the work to the size of the output.  An
 * event's properties are nearly all of a calendar, so they are written
 * straight, with the bytes libical would write (see put_value()); libical
 * writes a value only it can vouch for.  Two things libical does not do
 * the way podium needs are done here:
 *
 * - Folding.  libical folds at 75 octets but prefers to break after a
 *   ';', ':' or ' ' and may leave a property name alone on its line.  Its
 *   output is unfolded again and refolded at exactly 75 octets, never
 *   inside a UTF-8 sequence, so that the bytes do not depend on libical's
 *   heuristics.
 * - Time zones.  libical's builtin zones (read from /usr/share/zoneinfo)
 *   carry the whole history of a zone, dozens of components with RDATEs,
 *   and a "/freeassociation.sourceforge.net/" TZID.  Outlook wants the
 *   compact form tzurl.org calls "outlook": one DAYLIGHT and one STANDARD
 *   with the current RRULE, starting in 1970.  compact_zone() derives it.
 *
 * This file does not decide which events belong in a feed, nor does it
 * know the store; it renders what it is given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#include "podium/buf.h"
#include "podium/err.h"
#include "podium/ical.h"
#include "podium/model.h"
#include "podium/tz.h"

#include "ical_int.h"

#define FOLD 75

struct rctx {
	const struct pd_render_opts *opts;
	struct pd_error *err;
	struct pd_buf out;	/* the calendar text */
	struct pd_buf tmp;	/* scratch: descriptions, addresses */
	struct pd_buf addr;	/* scratch: one cal-address */
	struct pd_buf line;	/* scratch: one ATTENDEE line (line_*()) */
	/* libical's words for the enums put_enum() wrote (it searches). */
	struct { int e; const char *s; } words[8];
	size_t nwords;
};

/* ---- people --------------------------------------------------------- */

/* Whether this rendering may show this person's e-mail address. */
static int
may_show(const struct rctx *c, const struct pd_person *p)
{
	if (p->email == NULL || *p->email == '\0')
		return 0;
	/* iMIP: the addressee must see the address the reply comes from. */
	if (c->opts->imip && p->id != 0 && p->id == c->opts->imip_person_id)
		return 1;
	switch (c->opts->privacy) {
	case PD_PRIVACY_FULL:
		return 1;
	case PD_PRIVACY_PERSON:
		return p->id != 0 && p->id == c->opts->privacy_person_id;
	case PD_PRIVACY_PUBLIC:
	default:
		return 0;
	}
}

/*
 * A person without a stored UUID (built in code, or imported from a
 * foreign file) still needs a stable urn:uuid: so that public feeds show
 * no address.  It is derived from the id and the name, not from the
 * address, so it reveals nothing about the address.
 */
static void
derived_uuid(const struct pd_person *p, char out[37])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t a, b;
	unsigned char u[16];
	int i, j;

	a = pd_ical_hash(&p->id, sizeof(p->id), PD_ICAL_HASH_SEED);
	if (p->name != NULL)
		a = pd_ical_hash(p->name, strlen(p->name), a);
	b = pd_ical_hash(&a, sizeof(a), a ^ 0x9e3779b97f4a7c15ULL);
	for (i = 0; i < 8; i++) {
		u[i] = (unsigned char)(a >> (8 * i));
		u[8 + i] = (unsigned char)(b >> (8 * i));
	}
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x50);	/* version 5 style */
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
	for (i = 0, j = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[j++] = '-';
		out[j++] = hex[u[i] >> 4];
		out[j++] = hex[u[i] & 15];
	}
	out[j] = '\0';
}

/*
 * The cal-address of p in this rendering; valid until the next call.
 * force shows the address whatever the privacy (iMIP's ORGANIZER).
 */
static const char *
cal_address_ex(struct rctx *c, const struct pd_person *p, int force)
{
	char uuid[37];

	pd_buf_reset(&c->addr);
	if (may_show(c, p) || (force && p->email != NULL &&
	    *p->email != '\0')) {
		pd_buf_adds(&c->addr, "mailto:");
		pd_buf_adds(&c->addr, p->email);
	} else {
		if (p->uuid == NULL || *p->uuid == '\0')
			derived_uuid(p, uuid);
		pd_buf_adds(&c->addr, "urn:uuid:");
		pd_buf_adds(&c->addr,
		    p->uuid != NULL && *p->uuid != '\0' ? p->uuid : uuid);
	}
	if (pd_buf_failed(&c->addr))
		return NULL;
	return c->addr.data;
}

static const char *
cal_address(struct rctx *c, const struct pd_person *p)
{
	return cal_address_ex(c, p, 0);
}

/*
 * Who is shown where (GDPR Art. 25: data protection by default).  The
 * person directory (X-PODIUM-PERSON, X-PODIUM-MEMBER) serves the round
 * trip and travels only in the organizers' full export.  Everywhere else
 * a person is named only by the ATTENDEE or ORGANIZER line of an event
 * they are part of, and only as far as the reader needs:
 *
 * - the full export: everyone;
 * - iMIP: the ORGANIZER, the addressee and the talks' speakers (a public
 *   role), not the other participants;
 * - public and personal feeds: speakers and chairs always, the feed's
 *   owner in their own feed, other participants only where the event or
 *   its group made its attendance public.
 */
static int
directory(const struct rctx *c)
{
	return pd_ical_has_directory(c->opts);
}

int
pd_ical_has_directory(const struct pd_render_opts *opts)
{
	return opts->privacy == PD_PRIVACY_FULL && !opts->imip;
}

/* The iMIP addressee: the one ATTENDEE with RSVP=TRUE. */
static int
addressee(const struct rctx *c, const struct pd_person *p)
{
	return c->opts->imip && p->id != 0 && p->id == c->opts->imip_person_id;
}

/* Whether this rendering names the person of attendance a of ev. */
static int
named(const struct rctx *c, const struct pd_event *ev,
    const struct pd_attendance *a)
{
	if (c->opts->imip)
		return addressee(c, &a->person);
	if (c->opts->privacy == PD_PRIVACY_FULL ||
	    a->role == PD_ROLE_CHAIR || a->role == PD_ROLE_SPEAKER ||
	    ev->public_attendance || ev->group_public_attendance)
		return 1;
	return c->opts->privacy == PD_PRIVACY_PERSON && a->person.id != 0 &&
	    a->person.id == c->opts->privacy_person_id;
}

static void
imip_rsvp(const struct rctx *c, const struct pd_person *p,
    icalproperty *prop)
{
	if (addressee(c, p))
		icalproperty_add_parameter(prop,
		    icalparameter_new_rsvp(ICAL_RSVP_TRUE));
}

static int
has_person(const struct pd_person *p)
{
	return p->id != 0 || (p->name != NULL && *p->name != '\0');
}

/* A key that tells people apart across the copies events hold. */
static int
person_key(struct pd_buf *b, const struct pd_person *p)
{
	pd_buf_reset(b);
	if (p->id != 0)
		return pd_buf_addf(b, "#%lld", (long long)p->id);
	if (p->uuid != NULL && *p->uuid != '\0')
		return pd_buf_addf(b, "u%s", p->uuid);
	if (p->email != NULL && *p->email != '\0')
		return pd_buf_addf(b, "e%s", p->email);
	return pd_buf_addf(b, "n%s", p->name != NULL ? p->name : "");
}

struct pentry {
	char *key;
	const struct pd_person *p;
};

/* The set of people referenced, an open-addressing hash on the key. */
struct pset {
	struct pentry *slots;
	size_t cap, n;
};

static int
pset_grow(struct pset *s)
{
	struct pentry *old = s->slots;
	size_t oldcap = s->cap, i, j, cap = oldcap ? oldcap * 2 : 64;

	if ((s->slots = calloc(cap, sizeof(*s->slots))) == NULL) {
		s->slots = old;
		return PD_ENOMEM;
	}
	s->cap = cap;
	for (i = 0; i < oldcap; i++) {
		if (old[i].key == NULL)
			continue;
		j = pd_ical_hash(old[i].key, strlen(old[i].key),
		    PD_ICAL_HASH_SEED) & (cap - 1);
		while (s->slots[j].key != NULL)
			j = (j + 1) & (cap - 1);
		s->slots[j] = old[i];
	}
	free(old);
	return PD_OK;
}

static int
pset_add(struct pset *s, struct pd_buf *kb, const struct pd_person *p)
{
	size_t j;
	int rc;

	if (!has_person(p))
		return PD_OK;
	if ((rc = person_key(kb, p)) != PD_OK)
		return rc;
	if ((s->n + 1) * 2 > s->cap && (rc = pset_grow(s)) != PD_OK)
		return rc;
	j = pd_ical_hash(kb->data, kb->len, PD_ICAL_HASH_SEED) & (s->cap - 1);
	while (s->slots[j].key != NULL) {
		if (strcmp(s->slots[j].key, kb->data) == 0)
			return PD_OK;
		j = (j + 1) & (s->cap - 1);
	}
	if ((s->slots[j].key = strdup(kb->data)) == NULL)
		return PD_ENOMEM;
	s->slots[j].p = p;
	s->n++;
	return PD_OK;
}

static void
pset_free(struct pset *s)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		free(s->slots[i].key);
	free(s->slots);
}

static int
cmp_pentry(const void *a, const void *b)
{
	const struct pentry *x = a, *y = b;
	int r;

	r = strcmp(x->p->name != NULL ? x->p->name : "",
	    y->p->name != NULL ? y->p->name : "");
	return r != 0 ? r : strcmp(x->key, y->key);
}

/* ---- small builders ------------------------------------------------- */

/*
 * Parameter values cannot carry line breaks (RFC 5545 has no escape for
 * them there); control characters become spaces.
 */
static const char *
param_text(struct pd_buf *b, const char *s)
{
	const char *p;

	/* Nearly every value is clean: hand it back without a copy. */
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			break;
	if (*p == '\0')
		return pd_buf_failed(b) ? NULL : s;
	pd_buf_reset(b);
	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			pd_buf_add(b, " ", 1);
		else
			pd_buf_add(b, p, 1);
	}
	pd_buf_add(b, "", 0);
	return pd_buf_failed(b) ? NULL : b->data;
}

static int
add_xparam(icalproperty *prop, struct pd_buf *scratch, const char *name,
    const char *value)
{
	icalparameter *par;
	const char *v;

	if ((v = param_text(scratch, value)) == NULL)
		return PD_ENOMEM;
	if ((par = icalparameter_new_x(v)) == NULL)
		return PD_ENOMEM;
	icalparameter_set_xname(par, name);
	icalproperty_add_parameter(prop, par);
	return PD_OK;
}

static int
add_cn(icalproperty *prop, struct pd_buf *scratch, const char *name)
{
	icalparameter *par;
	const char *v;

	if (name == NULL || *name == '\0')
		return PD_OK;
	if ((v = param_text(scratch, name)) == NULL ||
	    (par = icalparameter_new_cn(v)) == NULL)
		return PD_ENOMEM;
	icalproperty_add_parameter(prop, par);
	return PD_OK;
}

/* An X- property holding text; libical escapes backslash and newline. */
static icalproperty *
new_xprop(const char *name, const char *value)
{
	icalproperty *prop;

	if ((prop = icalproperty_new_x(value)) == NULL)
		return NULL;
	icalproperty_set_x_name(prop, name);
	return prop;
}

static int
add_xprop(icalcomponent *comp, const char *name, const char *value)
{
	icalproperty *prop;

	/* libical rejects an empty value on input: never write one. */
	if (value == NULL || *value == '\0')
		return PD_OK;
	if ((prop = new_xprop(name, value)) == NULL)
		return PD_ENOMEM;
	icalcomponent_add_property(comp, prop);
	return PD_OK;
}

static int
add_prop(icalcomponent *comp, icalproperty *prop)
{
	if (prop == NULL)
		return PD_ENOMEM;
	icalcomponent_add_property(comp, prop);
	return PD_OK;
}

static struct icaltimetype
utc_time(int64_t t)
{
	return icaltime_from_timet_with_zone((time_t)t, 0,
	    icaltimezone_get_utc_timezone());
}

/*
 * "YYYY-MM-DD HH:MM" or "YYYY-MM-DD" (all_day) to an icaltimetype without
 * a zone; the TZID parameter is added by the caller.
 */
static int
local_time(const char *s, int all_day, struct icaltimetype *out)
{
	char norm[17];
	struct icaltimetype t = icaltime_null_time();

	if (pd_tz_normalize(s, all_day, norm) != PD_OK)
		return PD_EINVAL;
	t.year = (norm[0] - '0') * 1000 + (norm[1] - '0') * 100 +
	    (norm[2] - '0') * 10 + (norm[3] - '0');
	t.month = (norm[5] - '0') * 10 + (norm[6] - '0');
	t.day = (norm[8] - '0') * 10 + (norm[9] - '0');
	if (all_day) {
		t.is_date = 1;
	} else {
		t.hour = (norm[11] - '0') * 10 + (norm[12] - '0');
		t.minute = (norm[14] - '0') * 10 + (norm[15] - '0');
	}
	*out = t;
	return PD_OK;
}

static int
is_utc(const char *tzid)
{
	return strcmp(tzid, "UTC") == 0;
}

/* DTSTART or DTEND in the event's zone. */
static int
add_when(struct rctx *c, icalcomponent *comp, icalproperty_kind kind,
    const char *value, int all_day, const char *tzid, const char *what)
{
	struct icaltimetype t;
	icalproperty *prop;

	if (local_time(value, all_day, &t) != PD_OK)
		return pd_error_set(c->err, PD_EINVAL, what,
		    "%s: '%s' is not a valid %s", what, value,
		    all_day ? "date" : "time");
	if (!all_day && is_utc(tzid)) {
		t.zone = icaltimezone_get_utc_timezone();
	}
	prop = kind == ICAL_DTSTART_PROPERTY ? icalproperty_new_dtstart(t) :
	    icalproperty_new_dtend(t);
	if (prop == NULL)
		return PD_ENOMEM;
	if (all_day)
		icalproperty_add_parameter(prop,
		    icalparameter_new_value(ICAL_VALUE_DATE));
	else if (!is_utc(tzid))
		icalproperty_add_parameter(prop, icalparameter_new_tzid(tzid));
	icalcomponent_add_property(comp, prop);
	return PD_OK;
}

/* "2021-02-11 10:00" -> "20210211T100000" for X-PODIUM-START/END. */
static int
compact_local(const char *s, char out[16])
{
	char norm[17];

	if (pd_tz_normalize(s, 0, norm) != PD_OK)
		return PD_EINVAL;
	memcpy(out, norm, 4);
	memcpy(out + 4, norm + 5, 2);
	memcpy(out + 6, norm + 8, 2);
	out[8] = 'T';
	memcpy(out + 9, norm + 11, 2);
	memcpy(out + 11, norm + 14, 2);
	memcpy(out + 13, "00", 3);
	return PD_OK;
}

/* ---- output --------------------------------------------------------- */

/*
 * pd_buf_add() for the many short appends of a rendering: straight into
 * the room the buffer has (the call was 7 % of a rendering).
 */
static inline void
put(struct pd_buf *b, const void *data, size_t len)
{
	if (b->err == PD_OK && b->max == 0 && b->cap > 0 &&
	    len < b->cap - b->len) {
		memcpy(b->data + b->len, data, len);
		b->len += len;
		b->data[b->len] = '\0';
		return;
	}
	pd_buf_add(b, data, len);
}

/* Length of the UTF-8 sequence that starts with byte b (1 for junk). */
static size_t
u8len(unsigned char b)
{
	if (b < 0xc0)
		return 1;
	if (b < 0xe0)
		return 2;
	if (b < 0xf0)
		return 3;
	return 4;
}

/*
 * Appends one unfolded content line (without its CRLF), folded at 75
 * octets: the first line holds up to 75, each continuation a space and up
 * to 74, and a multi-byte character always stays on one line.  Each
 * folded piece is appended at once; only lines longer than a piece are
 * walked character by character, to find where the piece ends.
 */
static void
fold_line(struct pd_buf *out, const char *s, size_t n)
{
	size_t room = FOLD, used, k;

	while (n > room) {
		for (used = 0; used < n; used += k) {
			/* ASCII is one octet a character: skipped in a run. */
			while (used < room && (unsigned char)s[used] < 0x80)
				used++;
			if (used >= n)
				break;
			k = u8len((unsigned char)s[used]);
			if (k > n - used)
				k = n - used;
			if (used + k > room)
				break;
		}
		put(out, s, used);
		s += used;
		n -= used;
		if (n == 0)
			break;
		put(out, "\r\n ", 3);
		room = FOLD - 1;
	}
	put(out, s, n);
	put(out, "\r\n", 2);
}

#define EMIT_NO_BEGIN	1	/* leave off the first line */
#define EMIT_NO_END	2	/* leave off the last line */

/*
 * Appends libical's serialization of a component, unfolded and refolded.
 * The flags leave off the BEGIN/END lines: the VCALENDAR's children are
 * appended one by one, and property batches come in a throwaway holder.
 */
static int
emit(struct rctx *c, const char *s, int flags)
{
	struct pd_buf *line = &c->tmp;
	const char *p = s, *eol, *text;
	size_t n, len;
	int first = 1;

	pd_buf_reset(line);
	while (*p != '\0') {
		eol = strchr(p, '\n');
		n = eol != NULL ? (size_t)(eol - p) : strlen(p);
		text = p;
		len = n > 0 && p[n - 1] == '\r' ? n - 1 : n;
		p = eol != NULL ? eol + 1 : p + n;
		if (*p == ' ' || *p == '\t') {	/* a continuation */
			pd_buf_add(line, text, len);
			p++;
			continue;
		}
		/* A line libical did not fold is refolded straight from s. */
		if (line->len > 0) {
			pd_buf_add(line, text, len);
			text = line->data;
			len = line->len;
		}
		if (pd_buf_failed(line))
			return line->err;
		if (!(first && (flags & EMIT_NO_BEGIN)) &&
		    !(*p == '\0' && (flags & EMIT_NO_END)) && len > 0)
			fold_line(&c->out, text, len);
		first = 0;
		pd_buf_reset(line);
	}
	return pd_buf_failed(&c->out) ? c->out.err : PD_OK;
}

static int
emit_comp(struct rctx *c, icalcomponent *comp, int flags)
{
	char *s;
	int rc;

	if ((s = icalcomponent_as_ical_string_r(comp)) == NULL)
		return PD_ENOMEM;
	rc = emit(c, s, flags);
	free(s);
	return rc;
}

static int
emit_props(struct rctx *c, icalcomponent *holder)
{
	return emit_comp(c, holder, EMIT_NO_BEGIN | EMIT_NO_END);
}

/* ---- time zones ----------------------------------------------------- */

static int
weekday(int y, int m, int d)	/* 0 = Sunday */
{
	static const int t[12] = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 };

	if (m < 3)
		y -= 1;
	return (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
}

/*
 * The first onset of a yearly BYMONTH/BYDAY rule in 1970, at the time of
 * day of the original DTSTART.  Returns 0 when the rule has another shape
 * (the original DTSTART is kept then, which is still correct).
 */
static int
onset_1970(const struct icalrecurrencetype *r, struct icaltimetype *t)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int m, pos, wd, d, first;

	if (r->freq != ICAL_YEARLY_RECURRENCE ||
	    r->by_month[0] == ICAL_RECURRENCE_ARRAY_MAX ||
	    r->by_month[1] != ICAL_RECURRENCE_ARRAY_MAX ||
	    r->by_day[0] == ICAL_RECURRENCE_ARRAY_MAX ||
	    r->by_day[1] != ICAL_RECURRENCE_ARRAY_MAX ||
	    r->by_month_day[0] != ICAL_RECURRENCE_ARRAY_MAX)
		return 0;
	m = r->by_month[0];
	pos = icalrecurrencetype_day_position(r->by_day[0]);
	wd = (int)icalrecurrencetype_day_day_of_week(r->by_day[0]) - 1;
	if (m < 1 || m > 12 || wd < 0 || wd > 6 || pos == 0 || pos > 5 ||
	    pos < -5)
		return 0;
	if (pos > 0) {
		first = 1 + (wd - weekday(1970, m, 1) + 7) % 7;
		d = first + (pos - 1) * 7;
	} else {
		first = mdays[m - 1] -
		    (weekday(1970, m, mdays[m - 1]) - wd + 7) % 7;
		d = first + (pos + 1) * 7;
	}
	if (d < 1 || d > mdays[m - 1])
		return 0;
	t->year = 1970;
	t->month = m;
	t->day = d;
	return 1;
}

/* A copy of the observance sub with DTSTART moved to 1970. */
static icalcomponent *
compact_obs(icalcomponent *sub, int keep_rule)
{
	icalcomponent *o;
	icalproperty *p, *rp;
	struct icaltimetype t;
	struct icalrecurrencetype r;

	o = icalcomponent_new(icalcomponent_isa(sub));
	if (o == NULL)
		return NULL;
	if ((p = icalcomponent_get_first_property(sub,
	    ICAL_TZNAME_PROPERTY)) != NULL)
		icalcomponent_add_property(o, icalproperty_new_clone(p));
	p = icalcomponent_get_first_property(sub, ICAL_TZOFFSETTO_PROPERTY);
	rp = icalcomponent_get_first_property(sub, ICAL_RRULE_PROPERTY);
	if (keep_rule) {
		icalproperty *from = icalcomponent_get_first_property(sub,
		    ICAL_TZOFFSETFROM_PROPERTY);

		if (from != NULL)
			icalcomponent_add_property(o,
			    icalproperty_new_clone(from));
		if (p != NULL)
			icalcomponent_add_property(o,
			    icalproperty_new_clone(p));
		t = icalcomponent_get_dtstart(sub);
		r = icalproperty_get_rrule(rp);
		onset_1970(&r, &t);
		icalcomponent_add_property(o, icalproperty_new_dtstart(t));
		icalcomponent_add_property(o, icalproperty_new_clone(rp));
	} else {
		/* No DST any more: one fixed offset since 1970. */
		if (p != NULL) {
			icalcomponent_add_property(o,
			    icalproperty_new_tzoffsetfrom(
			    icalproperty_get_tzoffsetto(p)));
			icalcomponent_add_property(o,
			    icalproperty_new_clone(p));
		}
		t = icaltime_null_time();
		t.year = 1970;
		t.month = 1;
		t.day = 1;
		icalcomponent_add_property(o, icalproperty_new_dtstart(t));
	}
	return o;
}

static int
rule_is_open(icalcomponent *sub)
{
	icalproperty *rp;
	struct icalrecurrencetype r;

	if ((rp = icalcomponent_get_first_property(sub,
	    ICAL_RRULE_PROPERTY)) == NULL ||
	    icalcomponent_get_next_property(sub, ICAL_RRULE_PROPERTY) != NULL)
		return 0;
	r = icalproperty_get_rrule(rp);
	return icaltime_is_null_time(r.until) && r.count == 0;
}

/*
 * The compact VTIMEZONE of tzid: the latest open-ended DAYLIGHT and
 * STANDARD rules of libical's full history, or, for a zone without DST
 * today, its latest observance as a fixed offset.
 */
static icalcomponent *
compact_zone(const char *tzid)
{
	icaltimezone *z;
	icalcomponent *full, *sub, *std = NULL, *dst = NULL, *last = NULL;
	icalcomponent *vtz = NULL, *o;
	struct icaltimetype t, tl = icaltime_null_time();
	struct icaltimetype ts = icaltime_null_time(), td = ts;

	if ((z = icaltimezone_get_builtin_timezone(tzid)) == NULL ||
	    (full = icaltimezone_get_component(z)) == NULL)
		return NULL;
	for (sub = icalcomponent_get_first_component(full,
	    ICAL_ANY_COMPONENT); sub != NULL;
	    sub = icalcomponent_get_next_component(full, ICAL_ANY_COMPONENT)) {
		icalcomponent_kind k = icalcomponent_isa(sub);

		if (k != ICAL_XSTANDARD_COMPONENT &&
		    k != ICAL_XDAYLIGHT_COMPONENT)
			continue;
		t = icalcomponent_get_dtstart(sub);
		if (last == NULL || icaltime_compare(t, tl) > 0) {
			last = sub;
			tl = t;
		}
		if (!rule_is_open(sub))
			continue;
		if (k == ICAL_XSTANDARD_COMPONENT &&
		    (std == NULL || icaltime_compare(t, ts) > 0)) {
			std = sub;
			ts = t;
		} else if (k == ICAL_XDAYLIGHT_COMPONENT &&
		    (dst == NULL || icaltime_compare(t, td) > 0)) {
			dst = sub;
			td = t;
		}
	}
	if (last == NULL || (vtz = icalcomponent_new_vtimezone()) == NULL)
		return NULL;
	icalcomponent_add_property(vtz, icalproperty_new_tzid(tzid));
	if (std != NULL && dst != NULL) {
		if ((o = compact_obs(dst, 1)) != NULL)
			icalcomponent_add_component(vtz, o);
		if ((o = compact_obs(std, 1)) != NULL)
			icalcomponent_add_component(vtz, o);
	} else {
		/* Shown as STANDARD whatever its kind: a fixed offset. */
		if ((o = compact_obs(last, 0)) != NULL) {
			icalcomponent *s2 = icalcomponent_new_xstandard();
			icalproperty *p;

			while ((p = icalcomponent_get_first_property(o,
			    ICAL_ANY_PROPERTY)) != NULL) {
				icalcomponent_remove_property(o, p);
				icalcomponent_add_property(s2, p);
			}
			icalcomponent_free(o);
			icalcomponent_add_component(vtz, s2);
		}
	}
	return vtz;
}

/* ---- the parts of a calendar ---------------------------------------- */

static int
emit_head(struct rctx *c, const struct pd_calendar *cal)
{
	const char *name = cal->name != NULL && *cal->name != '\0' ?
	    cal->name : "podium";
	const char *refresh = c->opts->refresh != NULL ? c->opts->refresh :
	    "PT1H";
	struct icaldurationtype d;
	icalcomponent *vc;
	icalproperty *p;
	int rc = PD_ENOMEM;

	d = icaldurationtype_from_string(refresh);
	if (icaldurationtype_is_bad_duration(d) ||
	    strchr(refresh, '\n') != NULL) {
		icalerror_clear_errno();
		return pd_error_set(c->err, PD_EINVAL, "refresh",
		    "refresh: '%s' is not an ISO 8601 duration", refresh);
	}
	if ((vc = icalcomponent_new_vcalendar()) == NULL)
		return PD_ENOMEM;
	if (add_prop(vc, icalproperty_new_version("2.0")) != PD_OK ||
	    add_prop(vc, icalproperty_new_prodid(
	    "-//podium//podium 1.0//EN")) != PD_OK ||
	    add_prop(vc, icalproperty_new_calscale("GREGORIAN")) != PD_OK)
		goto out;
	if (c->opts->method != NULL) {
		icalproperty_method m =
		    icalproperty_string_to_method(c->opts->method);

		if (m == ICAL_METHOD_NONE || m == ICAL_METHOD_X) {
			rc = pd_error_set(c->err, PD_EINVAL, "method",
			    "method: unknown METHOD '%s'", c->opts->method);
			goto out;
		}
		if (add_prop(vc, icalproperty_new_method(m)) != PD_OK)
			goto out;
	}
	if (add_prop(vc, icalproperty_new_name(name)) != PD_OK ||
	    add_xprop(vc, "X-WR-CALNAME", name) != PD_OK)
		goto out;
	if ((p = icalproperty_new_refreshinterval(d)) == NULL)
		goto out;
	icalproperty_add_parameter(p,
	    icalparameter_new_value(ICAL_VALUE_DURATION));
	icalcomponent_add_property(vc, p);
	if (add_xprop(vc, "X-PUBLISHED-TTL", refresh) != PD_OK)
		goto out;
	rc = emit_comp(c, vc, EMIT_NO_END);
out:
	icalcomponent_free(vc);
	return rc;
}

/*
 * X-PODIUM-PERSON lines for everyone referenced, sorted by name: by the
 * events and groups of cal, and the nextra people of extra (a feed put
 * together from pieces names its events' people that way).
 */
static int
emit_people(struct rctx *c, const struct pd_calendar *cal,
    const struct pd_person *extra, size_t nextra)
{
	struct pset set = { NULL, 0, 0 };
	struct pentry *list = NULL;
	struct pd_buf kb = PD_BUF_INIT;
	icalcomponent *holder = NULL;
	icalproperty *prop;
	const struct pd_event *ev;
	const char *addr;
	size_t i, j, n = 0;
	int rc = PD_OK;

	for (i = 0; i < cal->nevents && rc == PD_OK; i++) {
		ev = &cal->events[i];
		rc = pset_add(&set, &kb, &ev->organizer);
		for (j = 0; j < ev->ntalks && rc == PD_OK; j++) {
			rc = pset_add(&set, &kb, &ev->talks[j].speaker);
			if (rc == PD_OK)
				rc = pset_add(&set, &kb, &ev->talks[j].via);
		}
		for (j = 0; j < ev->nattendances && rc == PD_OK; j++)
			rc = pset_add(&set, &kb, &ev->attendances[j].person);
	}
	for (i = 0; i < cal->ngroups && rc == PD_OK; i++)
		for (j = 0; j < cal->groups[i].nmembers && rc == PD_OK; j++)
			rc = pset_add(&set, &kb,
			    &cal->groups[i].members[j].person);
	for (i = 0; i < nextra && rc == PD_OK; i++)
		rc = pset_add(&set, &kb, &extra[i]);
	if (rc != PD_OK || set.n == 0)
		goto out;
	if ((list = malloc(set.n * sizeof(*list))) == NULL) {
		rc = PD_ENOMEM;
		goto out;
	}
	for (i = 0; i < set.cap; i++)
		if (set.slots[i].key != NULL)
			list[n++] = set.slots[i];
	qsort(list, n, sizeof(*list), cmp_pentry);
	/*
	 * The properties are serialized through a throwaway component, many
	 * at a time, so that this costs one libical call per person.
	 */
	for (i = 0; i < n && rc == PD_OK; i++) {
		const struct pd_person *p = list[i].p;

		if (holder == NULL &&
		    (holder = icalcomponent_new_x("X-PODIUM-HOLDER")) == NULL) {
			rc = PD_ENOMEM;
			break;
		}
		if ((addr = cal_address(c, p)) == NULL ||
		    (prop = new_xprop("X-PODIUM-PERSON", addr)) == NULL) {
			rc = PD_ENOMEM;
			break;
		}
		icalcomponent_add_property(holder, prop);
		if ((rc = add_cn(prop, &kb, p->name)) != PD_OK)
			break;
		if (p->uuid != NULL && *p->uuid != '\0')
			rc = add_xparam(prop, &kb, "X-PODIUM-UUID", p->uuid);
		if (rc == PD_OK && p->org_code != NULL && *p->org_code != '\0')
			rc = add_xparam(prop, &kb, "X-PODIUM-ORG",
			    p->org_code);
		if (rc == PD_OK && p->org_name != NULL && *p->org_name != '\0')
			rc = add_xparam(prop, &kb, "X-PODIUM-ORG-NAME",
			    p->org_name);
		if (rc == PD_OK && p->lang != NULL && *p->lang != '\0' &&
		    strcmp(p->lang, "de") != 0)
			rc = add_xparam(prop, &kb, "X-PODIUM-LANG", p->lang);
		if (rc == PD_OK && (i % 256 == 255 || i + 1 == n)) {
			rc = emit_props(c, holder);
			icalcomponent_free(holder);
			holder = NULL;
		}
	}
out:
	if (holder != NULL)
		icalcomponent_free(holder);
	free(list);
	pset_free(&set);
	pd_buf_free(&kb);
	return rc;
}

/*
 * X-PODIUM-MEMBER lines, one per member, groups in the order given; then
 * X-PODIUM-GROUP-ATTENDANCE for each group whose attendance is public.
 */
static int
emit_members(struct rctx *c, const struct pd_calendar *cal)
{
	icalcomponent *holder = NULL;
	icalproperty *prop;
	const char *addr;
	size_t i, j;
	int rc = PD_OK;

	if ((holder = icalcomponent_new_x("X-PODIUM-HOLDER")) == NULL)
		return PD_ENOMEM;
	for (i = 0; i < cal->ngroups && rc == PD_OK; i++) {
		const struct pd_group *g = &cal->groups[i];

		for (j = 0; j < g->nmembers && rc == PD_OK; j++) {
			const struct pd_member *m = &g->members[j];

			if ((addr = cal_address(c, &m->person)) == NULL ||
			    (prop = new_xprop("X-PODIUM-MEMBER", addr)) ==
			    NULL) {
				rc = PD_ENOMEM;
				break;
			}
			icalcomponent_add_property(holder, prop);
			rc = add_xparam(prop, &c->tmp, "X-PODIUM-GROUP",
			    g->name != NULL ? g->name : "");
			if (rc == PD_OK)
				rc = add_xparam(prop, &c->tmp, "X-PODIUM-ROLE",
				    pd_group_role_name(m->role));
		}
	}
	/* The groups whose organizers made their attendance public. */
	for (i = 0; i < cal->ngroups && rc == PD_OK; i++) {
		if (!cal->groups[i].public_attendance)
			continue;
		if ((prop = new_xprop("X-PODIUM-GROUP-ATTENDANCE", "PUBLIC")) ==
		    NULL) {
			rc = PD_ENOMEM;
			break;
		}
		icalcomponent_add_property(holder, prop);
		rc = add_xparam(prop, &c->tmp, "X-PODIUM-GROUP",
		    cal->groups[i].name != NULL ? cal->groups[i].name : "");
	}
	if (rc == PD_OK && icalcomponent_count_properties(holder,
	    ICAL_ANY_PROPERTY) > 0)
		rc = emit_props(c, holder);
	icalcomponent_free(holder);
	return rc;
}

static const char *
talk_word(enum pd_talk_status s)
{
	switch (s) {
	case PD_TALK_CONFIRMED:
		return "bestätigt";
	case PD_TALK_DECLINED:
		return "abgesagt";
	case PD_TALK_WITHDRAWN:
		return "zurückgezogen";
	case PD_TALK_REQUESTED:
	default:
		return "angefragt";
	}
}

/* The DESCRIPTION text: description, agenda, talks (ical_mapping.md). */
int
pd_ical_description(struct pd_buf *b, const struct pd_event *ev)
{
	size_t i, j;

	pd_buf_reset(b);
	if (ev->description != NULL)
		pd_buf_adds(b, ev->description);
	if (ev->nagenda > 0) {
		if (b->len > 0)
			pd_buf_adds(b, "\n\n");
		pd_buf_adds(b, "Ablauf:");
		for (i = 0; i < ev->nagenda; i++) {
			const struct pd_agenda_item *a = &ev->agenda[i];

			pd_buf_adds(b, "\n");
			if (a->label != NULL && *a->label != '\0') {
				pd_buf_adds(b, a->label);
				pd_buf_adds(b, "  ");
			}
			pd_buf_adds(b, a->from != NULL ? a->from : "");
			pd_buf_adds(b, "\xe2\x80\x93");	/* en dash */
			pd_buf_adds(b, a->to != NULL ? a->to : "");
			pd_buf_adds(b, "  ");
			pd_buf_adds(b, a->title != NULL ? a->title : "");
		}
	}
	if (ev->ntalks > 0) {
		if (b->len > 0)
			pd_buf_adds(b, "\n\n");
		pd_buf_adds(b, "Vorträge:");
		for (i = 0; i < ev->ntalks; i++) {
			const struct pd_talk *t = &ev->talks[i];

			pd_buf_adds(b, "\n- ");
			pd_buf_adds(b, t->title != NULL ? t->title : "");
			if (t->speaker.name != NULL) {
				pd_buf_adds(b, " \xe2\x80\x93 ");
				pd_buf_adds(b, t->speaker.name);
				if (t->speaker.org_code != NULL &&
				    *t->speaker.org_code != '\0')
					pd_buf_addf(b, " (%s)",
					    t->speaker.org_code);
			}
			pd_buf_adds(b, " \xe2\x80\x93 ");
			pd_buf_adds(b, talk_word(t->status));
			if (t->status == PD_TALK_REQUESTED &&
			    t->via.name != NULL && *t->via.name != '\0') {
				pd_buf_adds(b, " über ");
				pd_buf_adds(b, t->via.name);
			}
			if (t->alternative_to != NULL) {
				const char *other = t->alternative_to;

				for (j = 0; j < ev->ntalks; j++)
					if (ev->talks[j].uid != NULL &&
					    ev->talks[j].title != NULL &&
					    strcmp(ev->talks[j].uid,
					    t->alternative_to) == 0)
						other = ev->talks[j].title;
				pd_buf_adds(b, ", alternativ zu ");
				pd_buf_adds(b, other);
			}
		}
	}
	pd_buf_add(b, "", 0);
	return pd_buf_failed(b) ? PD_ENOMEM : PD_OK;
}

static const char *
description_text(struct rctx *c, const struct pd_event *ev)
{
	return pd_ical_description(&c->tmp, ev) == PD_OK ? c->tmp.data : NULL;
}

static icalparameter_partstat
talk_partstat(enum pd_talk_status s)
{
	switch (s) {
	case PD_TALK_CONFIRMED:
		return ICAL_PARTSTAT_ACCEPTED;
	case PD_TALK_DECLINED:
	case PD_TALK_WITHDRAWN:
		return ICAL_PARTSTAT_DECLINED;
	case PD_TALK_REQUESTED:
	default:
		return ICAL_PARTSTAT_NEEDSACTION;
	}
}

static icalparameter_partstat
att_partstat(enum pd_partstat s)
{
	switch (s) {
	case PD_PART_ACCEPTED:
		return ICAL_PARTSTAT_ACCEPTED;
	case PD_PART_DECLINED:
		return ICAL_PARTSTAT_DECLINED;
	case PD_PART_TENTATIVE:
		return ICAL_PARTSTAT_TENTATIVE;
	case PD_PART_DELEGATED:
		return ICAL_PARTSTAT_DELEGATED;
	case PD_PART_NEEDS_ACTION:
	default:
		return ICAL_PARTSTAT_NEEDSACTION;
	}
}

static icalparameter_role
att_role(enum pd_role r)
{
	switch (r) {
	case PD_ROLE_CHAIR:
		return ICAL_ROLE_CHAIR;
	case PD_ROLE_OPTIONAL:
		return ICAL_ROLE_OPTPARTICIPANT;
	case PD_ROLE_SPEAKER:
	case PD_ROLE_PARTICIPANT:
	default:
		return ICAL_ROLE_REQPARTICIPANT;
	}
}

/* ATTENDEE for a talk's speaker (in the session and the talk VEVENT). */
static int
add_speaker(struct rctx *c, icalcomponent *comp, const struct pd_talk *t)
{
	icalproperty *prop;
	const char *addr;
	char *sentby = NULL;
	int rc = PD_ENOMEM;

	if (!has_person(&t->speaker))
		return PD_OK;
	if (has_person(&t->via)) {
		if ((addr = cal_address(c, &t->via)) == NULL ||
		    (sentby = strdup(addr)) == NULL)
			return PD_ENOMEM;
	}
	if ((addr = cal_address(c, &t->speaker)) == NULL ||
	    (prop = icalproperty_new_attendee(addr)) == NULL)
		goto out;
	icalcomponent_add_property(comp, prop);
	icalproperty_add_parameter(prop,
	    icalparameter_new_cutype(ICAL_CUTYPE_INDIVIDUAL));
	icalproperty_add_parameter(prop,
	    icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
	icalproperty_add_parameter(prop,
	    icalparameter_new_partstat(talk_partstat(t->status)));
	imip_rsvp(c, &t->speaker, prop);
	if ((rc = add_cn(prop, &c->tmp, t->speaker.name)) != PD_OK)
		goto out;
	if (sentby != NULL)
		icalproperty_add_parameter(prop, icalparameter_new_sentby(sentby));
	rc = add_xparam(prop, &c->tmp, "X-PODIUM-TALK",
	    t->uid != NULL ? t->uid : "");
out:
	free(sentby);
	return rc;
}

/* "urn:podium:delegate:" and the name, percent-encoded (RFC 3986). */
static const char *
delegate_uri(struct pd_buf *b, const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char enc[3];

	pd_buf_reset(b);
	pd_buf_adds(b, "urn:podium:delegate:");
	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~') {
			pd_buf_add(b, p, 1);
		} else {
			enc[0] = '%';
			enc[1] = hex[*p >> 4];
			enc[2] = hex[*p & 15];
			pd_buf_add(b, enc, 3);
		}
	}
	return pd_buf_failed(b) ? NULL : b->data;
}

static int
add_attendance(struct rctx *c, icalcomponent *comp,
    const struct pd_attendance *a)
{
	icalproperty *prop;
	const char *addr, *uri;
	int rc;

	if ((addr = cal_address(c, &a->person)) == NULL ||
	    (prop = icalproperty_new_attendee(addr)) == NULL)
		return PD_ENOMEM;
	icalcomponent_add_property(comp, prop);
	icalproperty_add_parameter(prop,
	    icalparameter_new_cutype(ICAL_CUTYPE_INDIVIDUAL));
	icalproperty_add_parameter(prop, icalparameter_new_role(
	    att_role(a->role)));
	icalproperty_add_parameter(prop, icalparameter_new_partstat(
	    att_partstat(a->status)));
	imip_rsvp(c, &a->person, prop);
	if (a->status == PD_PART_DELEGATED && a->delegate != NULL &&
	    *a->delegate != '\0') {
		if ((uri = delegate_uri(&c->tmp, a->delegate)) == NULL)
			return PD_ENOMEM;
		icalproperty_add_parameter(prop,
		    icalparameter_new_delegatedto(uri));
	}
	if ((rc = add_cn(prop, &c->tmp, a->person.name)) != PD_OK ||
	    (rc = add_xparam(prop, &c->tmp, "X-PODIUM-ROLE",
	    pd_role_name(a->role))) != PD_OK)
		return rc;
	if (a->status == PD_PART_DELEGATED && a->delegate != NULL &&
	    *a->delegate != '\0')
		rc = add_xparam(prop, &c->tmp, "X-PODIUM-DELEGATE",
		    a->delegate);
	return rc;
}

/* ---- ATTENDEE lines without libical --------------------------------- */

/*
 * ATTENDEE properties are most of a feed's bytes, and building them with
 * libical, serializing them and freeing them again was most of the time
 * a feed took to render.  They are written here directly instead, byte
 * for byte as libical 3 writes them: the parameters in the order
 * add_attendance() and add_speaker() add them, a parameter value in
 * double quotes when it holds ';', ':' or ',', the cal-address as it is.
 *
 * Only values made of printable ASCII and well-formed UTF-8 take this
 * path.  libical rewrites some other bytes in parameters ('"' as ^',
 * DEL and stray bytes as spaces, an empty value as ""), so a property
 * with any of those is still built and serialized by libical, through
 * add_attendance() or add_speaker(): the output is the same either way,
 * the fast path is only the common case done without the detour.
 */

/*
 * The length of s when it is not empty and holds only printable ASCII and
 * well-formed UTF-8 (and no '"' in a parameter value), else 0; *special
 * is set when it holds a character that makes libical quote a parameter.
 */
#define PLAIN_VALUE	0	/* a value on one line */
#define PLAIN_PARAM	1	/* a parameter value: no '"' either */
#define PLAIN_LINES	2	/* a value that may hold newlines */

/*
 * Bit c of ascii_plain[c / 64]: printable ASCII that needs no look at all
 * (not '"', ',', ':', ';'), nearly every byte of a calendar.
 */
static const uint64_t ascii_plain[2] = { 0xf3ffeffb00000000ULL,
    0x7fffffffffffffffULL };

/*
 * Whether the eight octets at p are printable ASCII that needs no look
 * (for a parameter or an address also none of '"' ',' ':' ';'): a
 * calendar is mostly that, and bytewise it was a tenth of a rendering.
 */
static int
clean8(const unsigned char *p, int in_param)
{
	const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;
	static const unsigned char marks[] = { '"', ',', ':', ';', 0x7f };
	uint64_t v, x;
	size_t i;

	memcpy(&v, p, 8);
	if ((v & high) != 0 || ((v - ones * 0x20) & ~v & high) != 0)
		return 0;
	for (i = in_param == PLAIN_LINES ? 4 : 0; i < sizeof(marks); i++) {
		x = v ^ (ones * marks[i]);
		if (((x - ones) & ~x & high) != 0)
			return 0;
	}
	return 1;
}

static size_t
plain(const char *s, int in_param, int *special)
{
	const unsigned char *p = (const unsigned char *)s, *end, *slow = p;
	unsigned char lo, hi;
	size_t k, i;

	*special = 0;
	if (*p == '\0')
		return 0;
	end = p + strlen(s);
	while (p < end) {
		/* After eight that were not clean, eight go bytewise. */
		if (p >= slow && end - p >= 8) {
			if (clean8(p, in_param)) {
				p += 8;
				continue;
			}
			slow = p + 8;
		}
		if (*p < 0x80 && ((ascii_plain[*p >> 6] >> (*p & 63)) & 1)) {
			p++;
			continue;
		}
		if (*p < 0x80) {
			if ((*p < 0x20 && !(*p == '\n' &&
			    in_param == PLAIN_LINES)) || *p == 0x7f ||
			    (in_param == PLAIN_PARAM && *p == '"'))
				return 0;
			if (*p == ';' || *p == ':' || *p == ',')
				*special = 1;
			p++;
			continue;
		}
		/* RFC 3629: no overlong forms, no surrogates, <= U+10FFFF. */
		lo = 0x80;
		hi = 0xbf;
		if (*p >= 0xc2 && *p <= 0xdf)
			k = 1;
		else if (*p >= 0xe0 && *p <= 0xef) {
			k = 2;
			if (*p == 0xe0)
				lo = 0xa0;
			else if (*p == 0xed)
				hi = 0x9f;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			k = 3;
			if (*p == 0xf0)
				lo = 0x90;
			else if (*p == 0xf4)
				hi = 0x8f;
		} else
			return 0;
		if (p[1] < lo || p[1] > hi)
			return 0;
		for (i = 2; i <= k; i++)
			if ((p[i] & 0xc0) != 0x80)
				return 0;
		p += k + 1;
	}
	return (size_t)(p - (const unsigned char *)s);
}

/* Appends ";NAME=value" as libical writes it; 0 when value is not plain. */
static int
put_param(struct pd_buf *b, const char *name, const char *v)
{
	size_t n;
	int special;

	if ((n = plain(v, 1, &special)) == 0)
		return 0;
	put(b, ";", 1);
	pd_buf_adds(b, name);
	put(b, special ? "=\"" : "=", special ? 2 : 1);
	put(b, v, n);
	if (special)
		put(b, "\"", 1);
	return 1;
}

/* Appends ";NAME=VALUE" for one of libical's enumerated values. */
static void
put_enum(struct rctx *c, const char *name, int e)
{
	struct pd_buf *b = &c->line;
	const char *w = NULL;
	size_t i;

	for (i = 0; i < c->nwords && w == NULL; i++)
		if (c->words[i].e == e)
			w = c->words[i].s;
	if (w == NULL && (w = icalparameter_enum_to_string(e)) != NULL &&
	    c->nwords < sizeof(c->words) / sizeof(c->words[0])) {
		c->words[c->nwords].e = e;
		c->words[c->nwords++].s = w;
	}
	put(b, ";", 1);
	pd_buf_adds(b, name);
	put(b, "=", 1);
	pd_buf_adds(b, w);
}

/* Appends ":" and the cal-address, folds and writes the line. */
static int
put_line(struct rctx *c, const char *addr, int *done)
{
	struct pd_buf *b = &c->line;
	size_t n;
	int special;

	if ((n = plain(addr, 0, &special)) == 0)
		return PD_OK;
	put(b, ":", 1);
	put(b, addr, n);
	if (pd_buf_failed(b))
		return b->err;
	fold_line(&c->out, b->data, b->len);
	*done = 1;
	return pd_buf_failed(&c->out) ? c->out.err : PD_OK;
}

/*
 * Properties written straight, with the bytes libical would write (it is
 * what a rendering spends most of its time in otherwise).  Each writer
 * leaves *done at 0, or falls back to libical itself, for a value it
 * cannot vouch for: anything but well-formed UTF-8 without control
 * characters (newlines allowed where libical escapes them).
 */
#define ESC_TEXT	1	/* TEXT: backslash, ';', ',' and newline */
#define ESC_X		2	/* X- values, CATEGORIES: backslash, newline */
#define ESC_URI		3	/* as is; no backslash or newline */

/* Appends v escaped as libical escapes it; 0 when v is not plain. */
static int
put_value(struct pd_buf *b, const char *v, int esc)
{
	const char *set = esc == ESC_TEXT ? "\\;,\n" : "\\\n";
	size_t n;
	int special;

	if ((n = plain(v, PLAIN_LINES, &special)) == 0)
		return 0;
	if (esc == ESC_URI) {
		if (strpbrk(v, "\\\n") != NULL)
			return 0;
		put(b, v, n);
		return 1;
	}
	for (;;) {
		n = strcspn(v, set);
		put(b, v, n);
		if (v[n] == '\0')
			return 1;
		put(b, v[n] == '\n' ? "\\n" : "\\", v[n] == '\n' ? 2 : 1);
		if (v[n] != '\n')
			put(b, v + n, 1);
		v += n + 1;
	}
}

/* Folds and writes c->line, which holds one whole content line. */
static int
put_built(struct rctx *c, int *done)
{
	if (pd_buf_failed(&c->line))
		return c->line.err;
	fold_line(&c->out, c->line.data, c->line.len);
	*done = 1;
	return pd_buf_failed(&c->out) ? c->out.err : PD_OK;
}

/* Writes prop (taken over) through libical, alone. */
static int
emit_one(struct rctx *c, icalproperty *prop)
{
	icalcomponent *holder;
	int rc;

	if (prop == NULL)
		return PD_ENOMEM;
	if ((holder = icalcomponent_new_x("X-PODIUM-HOLDER")) == NULL) {
		icalproperty_free(prop);
		return PD_ENOMEM;
	}
	icalcomponent_add_property(holder, prop);
	rc = emit_props(c, holder);
	icalcomponent_free(holder);
	return rc;
}

/*
 * "NAME:value": straight when it can, else the property make() or
 * new_xprop() (make NULL) builds.  An empty X- value is left out.
 */
static int
put_prop(struct rctx *c, const char *name, const char *v, int esc,
    icalproperty *(*make)(const char *))
{
	struct pd_buf *b = &c->line;
	int done = 0, rc;

	if (make == NULL && (v == NULL || *v == '\0'))
		return PD_OK;
	pd_buf_reset(b);
	pd_buf_adds(b, name);
	pd_buf_add(b, ":", 1);
	if (put_value(b, v, esc) &&
	    ((rc = put_built(c, &done)) != PD_OK || done))
		return rc;
	return emit_one(c, make != NULL ? make(v) : new_xprop(name, v));
}

/* Appends sep (or nothing) and v (0 <= v < 10^width) in width digits. */
static void
put_digits(struct pd_buf *b, const char *sep, int v, int width)
{
	char d[4];
	int i;

	if (sep != NULL)
		pd_buf_adds(b, sep);
	for (i = width - 1; i >= 0; i--, v /= 10)
		d[i] = (char)('0' + v % 10);
	pd_buf_add(b, d, (size_t)width);
}

/* "NAME:YYYYMMDDTHHMMSSZ" of unix time t, as utc_time() gives it. */
static int
put_utc(struct rctx *c, const char *name, int64_t t,
    icalproperty *(*make)(struct icaltimetype))
{
	struct tm tm;
	time_t tt = (time_t)t;
	int done = 0;

	if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL ||
	    tm.tm_year < 1 - 1900 || tm.tm_year > 9999 - 1900)
		return emit_one(c, make(utc_time(t)));
	pd_buf_reset(&c->line);
	pd_buf_adds(&c->line, name);
	put_digits(&c->line, ":", tm.tm_year + 1900, 4);
	put_digits(&c->line, NULL, tm.tm_mon + 1, 2);
	put_digits(&c->line, NULL, tm.tm_mday, 2);
	put_digits(&c->line, "T", tm.tm_hour, 2);
	put_digits(&c->line, NULL, tm.tm_min, 2);
	put_digits(&c->line, NULL, tm.tm_sec, 2);
	pd_buf_add(&c->line, "Z", 1);
	return put_built(c, &done);
}

/* add_when() written straight. */
static int
put_when(struct rctx *c, icalproperty_kind kind, const char *value,
    int all_day, const char *tzid, const char *what)
{
	struct pd_buf *b = &c->line;
	icalcomponent *holder;
	char norm[17];
	int done = 0, rc;

	pd_buf_reset(b);
	pd_buf_adds(b, kind == ICAL_DTSTART_PROPERTY ? "DTSTART" : "DTEND");
	if (pd_tz_normalize(value, all_day, norm) != PD_OK)
		goto libical;
	if (all_day)
		pd_buf_adds(b, ";VALUE=DATE");
	else if (!is_utc(tzid) && !put_param(b, "TZID", tzid))
		goto libical;
	pd_buf_add(b, ":", 1);
	pd_buf_add(b, norm, 4);
	pd_buf_add(b, norm + 5, 2);
	pd_buf_add(b, norm + 8, 2);
	if (!all_day) {
		pd_buf_add(b, "T", 1);
		pd_buf_add(b, norm + 11, 2);
		pd_buf_add(b, norm + 14, 2);
		pd_buf_add(b, is_utc(tzid) ? "00Z" : "00", is_utc(tzid) ? 3 : 2);
	}
	return put_built(c, &done);
libical:
	if ((holder = icalcomponent_new_x("X-PODIUM-HOLDER")) == NULL)
		return PD_ENOMEM;
	if ((rc = add_when(c, holder, kind, value, all_day, tzid, what)) ==
	    PD_OK)
		rc = emit_props(c, holder);
	icalcomponent_free(holder);
	return rc;
}

/* "STATUS:" and "SEQUENCE:" lines, as libical writes them. */
static int
put_status(struct rctx *c, icalproperty_status st, int sequence)
{
	pd_buf_reset(&c->line);
	pd_buf_addf(&c->line, "STATUS:%s\r\nSEQUENCE:%d\r\n",
	    icalproperty_status_to_string(st), sequence);
	if (pd_buf_failed(&c->line))
		return c->line.err;
	return pd_buf_add(&c->out, c->line.data, c->line.len);
}

/* ";NAME=value" after param_text(); 0 when libical must write it. */
static int
put_xparam(struct rctx *c, const char *name, const char *value, int *rc)
{
	const char *v;

	if ((v = param_text(&c->tmp, value)) == NULL) {
		*rc = PD_ENOMEM;
		return 0;
	}
	return put_param(&c->line, name, v);
}

/* add_attendance() as a line; *done stays 0 when libical must do it. */
static int
line_attendance(struct rctx *c, const struct pd_attendance *a, int *done)
{
	struct pd_buf *b = &c->line;
	const char *v;
	int delegated = a->status == PD_PART_DELEGATED &&
	    a->delegate != NULL && *a->delegate != '\0';

	*done = 0;
	pd_buf_reset(b);
	pd_buf_adds(b, "ATTENDEE");
	put_enum(c, "CUTYPE", ICAL_CUTYPE_INDIVIDUAL);
	put_enum(c, "ROLE", att_role(a->role));
	put_enum(c, "PARTSTAT", att_partstat(a->status));
	if (addressee(c, &a->person))
		put_enum(c, "RSVP", ICAL_RSVP_TRUE);
	if (delegated) {
		if ((v = delegate_uri(&c->tmp, a->delegate)) == NULL)
			return PD_ENOMEM;
		if (!put_param(b, "DELEGATED-TO", v))
			return PD_OK;
	}
	if (a->person.name != NULL && *a->person.name != '\0') {
		if ((v = param_text(&c->tmp, a->person.name)) == NULL)
			return PD_ENOMEM;
		if (!put_param(b, "CN", v))
			return PD_OK;
	}
	if ((v = param_text(&c->tmp, pd_role_name(a->role))) == NULL)
		return PD_ENOMEM;
	if (!put_param(b, "X-PODIUM-ROLE", v))
		return PD_OK;
	if (delegated) {
		if ((v = param_text(&c->tmp, a->delegate)) == NULL)
			return PD_ENOMEM;
		if (!put_param(b, "X-PODIUM-DELEGATE", v))
			return PD_OK;
	}
	if ((v = cal_address(c, &a->person)) == NULL)
		return PD_ENOMEM;
	return put_line(c, v, done);
}

/* add_speaker() as a line; *done stays 0 when libical must do it. */
static int
line_speaker(struct rctx *c, const struct pd_talk *t, int *done)
{
	struct pd_buf *b = &c->line;
	const char *v;

	*done = 0;
	pd_buf_reset(b);
	pd_buf_adds(b, "ATTENDEE");
	put_enum(c, "CUTYPE", ICAL_CUTYPE_INDIVIDUAL);
	put_enum(c, "ROLE", ICAL_ROLE_REQPARTICIPANT);
	put_enum(c, "PARTSTAT", talk_partstat(t->status));
	if (addressee(c, &t->speaker))
		put_enum(c, "RSVP", ICAL_RSVP_TRUE);
	if (t->speaker.name != NULL && *t->speaker.name != '\0') {
		if ((v = param_text(&c->tmp, t->speaker.name)) == NULL)
			return PD_ENOMEM;
		if (!put_param(b, "CN", v))
			return PD_OK;
	}
	if (has_person(&t->via)) {
		/* add_speaker() gives SENT-BY to libical unfiltered. */
		if ((v = cal_address(c, &t->via)) == NULL)
			return PD_ENOMEM;
		if (!put_param(b, "SENT-BY", v))
			return PD_OK;
	}
	if ((v = param_text(&c->tmp, t->uid != NULL ? t->uid : "")) == NULL)
		return PD_ENOMEM;
	if (!put_param(b, "X-PODIUM-TALK", v))
		return PD_OK;
	if ((v = cal_address(c, &t->speaker)) == NULL)
		return PD_ENOMEM;
	return put_line(c, v, done);
}

/* Writes what add_attendance() adds, the fast way when it can. */
static int
put_attendance(struct rctx *c, const struct pd_attendance *a)
{
	icalcomponent *holder;
	int done, rc;

	if ((rc = line_attendance(c, a, &done)) != PD_OK || done)
		return rc;
	if ((holder = icalcomponent_new_x("X-PODIUM-HOLDER")) == NULL)
		return PD_ENOMEM;
	if ((rc = add_attendance(c, holder, a)) == PD_OK)
		rc = emit_props(c, holder);
	icalcomponent_free(holder);
	return rc;
}

/* Writes what add_speaker() adds, the fast way when it can. */
static int
put_speaker(struct rctx *c, const struct pd_talk *t)
{
	icalcomponent *holder;
	int done, rc;

	if (!has_person(&t->speaker))
		return PD_OK;
	if ((rc = line_speaker(c, t, &done)) != PD_OK || done)
		return rc;
	if ((holder = icalcomponent_new_x("X-PODIUM-HOLDER")) == NULL)
		return PD_ENOMEM;
	if ((rc = add_speaker(c, holder, t)) == PD_OK)
		rc = emit_props(c, holder);
	icalcomponent_free(holder);
	return rc;
}

static int
add_talk_prop(struct rctx *c, icalcomponent *comp, const struct pd_talk *t)
{
	icalproperty *prop;
	const char *addr;
	char when[16];
	int rc;

	if (t->title == NULL || *t->title == '\0')
		return pd_error_set(c->err, PD_EINVAL, "title",
		    "title: a talk needs a title");
	if ((prop = new_xprop("X-PODIUM-TALK", t->title)) == NULL)
		return PD_ENOMEM;
	icalcomponent_add_property(comp, prop);
	if (t->uid != NULL && (rc = add_xparam(prop, &c->tmp, "X-PODIUM-UID",
	    t->uid)) != PD_OK)
		return rc;
	if ((rc = add_xparam(prop, &c->tmp, "X-PODIUM-STATUS",
	    pd_talk_status_name(t->status))) != PD_OK)
		return rc;
	if (has_person(&t->speaker)) {
		if ((addr = cal_address(c, &t->speaker)) == NULL ||
		    (rc = add_xparam(prop, &c->tmp, "X-PODIUM-SPEAKER",
		    addr)) != PD_OK)
			return rc != PD_OK ? rc : PD_ENOMEM;
	}
	if (has_person(&t->via)) {
		if ((addr = cal_address(c, &t->via)) == NULL ||
		    (rc = add_xparam(prop, &c->tmp, "X-PODIUM-VIA",
		    addr)) != PD_OK)
			return rc != PD_OK ? rc : PD_ENOMEM;
	}
	if (t->alternative_to != NULL && (rc = add_xparam(prop, &c->tmp,
	    "X-PODIUM-ALTERNATIVE-TO", t->alternative_to)) != PD_OK)
		return rc;
	if (t->start != NULL && t->end != NULL) {
		if (compact_local(t->start, when) != PD_OK)
			return pd_error_set(c->err, PD_EINVAL, "start",
			    "start: talk '%s' has an invalid start '%s'",
			    t->title, t->start);
		if ((rc = add_xparam(prop, &c->tmp, "X-PODIUM-START",
		    when)) != PD_OK)
			return rc;
		if (compact_local(t->end, when) != PD_OK)
			return pd_error_set(c->err, PD_EINVAL, "end",
			    "end: talk '%s' has an invalid end '%s'",
			    t->title, t->end);
		if ((rc = add_xparam(prop, &c->tmp, "X-PODIUM-END",
		    when)) != PD_OK)
			return rc;
	}
	return PD_OK;
}

static int
add_agenda_prop(struct rctx *c, icalcomponent *comp,
    const struct pd_agenda_item *a)
{
	icalproperty *prop;
	int rc;

	if (a->title == NULL || *a->title == '\0')
		return pd_error_set(c->err, PD_EINVAL, "agenda",
		    "agenda: an item needs a title");
	if ((prop = new_xprop("X-PODIUM-AGENDA", a->title)) == NULL)
		return PD_ENOMEM;
	icalcomponent_add_property(comp, prop);
	if (a->label != NULL && *a->label != '\0' &&
	    (rc = add_xparam(prop, &c->tmp, "X-PODIUM-LABEL", a->label)) !=
	    PD_OK)
		return rc;
	if ((rc = add_xparam(prop, &c->tmp, "X-PODIUM-FROM",
	    a->from != NULL ? a->from : "")) != PD_OK)
		return rc;
	return add_xparam(prop, &c->tmp, "X-PODIUM-TO",
	    a->to != NULL ? a->to : "");
}

/* The event's ORGANIZER, as emit_event() would add it through libical. */
static int
put_organizer(struct rctx *c, const struct pd_person *p)
{
	icalproperty *prop;
	const char *addr;
	int done = 0, rc = PD_OK;

	pd_buf_reset(&c->line);
	pd_buf_adds(&c->line, "ORGANIZER");
	if (p->name == NULL || *p->name == '\0' ||
	    put_xparam(c, "CN", p->name, &rc)) {
		if ((addr = cal_address_ex(c, p, c->opts->imip)) == NULL)
			return PD_ENOMEM;
		if ((rc = put_line(c, addr, &done)) != PD_OK || done)
			return rc;
	}
	if (rc != PD_OK)
		return rc;
	if ((addr = cal_address_ex(c, p, c->opts->imip)) == NULL ||
	    (prop = icalproperty_new_organizer(addr)) == NULL)
		return PD_ENOMEM;
	if ((rc = add_cn(prop, &c->tmp, p->name)) != PD_OK) {
		icalproperty_free(prop);
		return rc;
	}
	return emit_one(c, prop);
}

/* Writes what add_agenda_prop() adds, straight when it can. */
static int
put_agenda(struct rctx *c, const struct pd_agenda_item *a)
{
	icalcomponent *holder;
	int done = 0, rc = PD_OK;

	if (a->title != NULL && *a->title != '\0') {
		pd_buf_reset(&c->line);
		pd_buf_adds(&c->line, "X-PODIUM-AGENDA");
		if ((a->label == NULL || *a->label == '\0' ||
		    put_xparam(c, "X-PODIUM-LABEL", a->label, &rc)) &&
		    put_xparam(c, "X-PODIUM-FROM", a->from != NULL ? a->from :
		    "", &rc) &&
		    put_xparam(c, "X-PODIUM-TO", a->to != NULL ? a->to : "",
		    &rc)) {
			pd_buf_add(&c->line, ":", 1);
			if (put_value(&c->line, a->title, ESC_X) &&
			    ((rc = put_built(c, &done)) != PD_OK || done))
				return rc;
		}
		if (rc != PD_OK)
			return rc;
	}
	if ((holder = icalcomponent_new_x("X-PODIUM-HOLDER")) == NULL)
		return PD_ENOMEM;
	if ((rc = add_agenda_prop(c, holder, a)) == PD_OK)
		rc = emit_props(c, holder);
	icalcomponent_free(holder);
	return rc;
}

/* Writes what add_talk_prop() adds, straight when it can. */
static int
put_talk(struct rctx *c, const struct pd_talk *t)
{
	icalcomponent *holder;
	const char *addr;
	char from[16], to[16];
	int done = 0, rc = PD_OK, ok;

	if (t->title == NULL || *t->title == '\0')
		goto libical;	/* which words the error */
	pd_buf_reset(&c->line);
	pd_buf_adds(&c->line, "X-PODIUM-TALK");
	ok = (t->uid == NULL || put_xparam(c, "X-PODIUM-UID", t->uid, &rc)) &&
	    put_xparam(c, "X-PODIUM-STATUS", pd_talk_status_name(t->status),
	    &rc);
	if (ok && has_person(&t->speaker)) {
		if ((addr = cal_address(c, &t->speaker)) == NULL)
			return PD_ENOMEM;
		ok = put_xparam(c, "X-PODIUM-SPEAKER", addr, &rc);
	}
	if (ok && has_person(&t->via)) {
		if ((addr = cal_address(c, &t->via)) == NULL)
			return PD_ENOMEM;
		ok = put_xparam(c, "X-PODIUM-VIA", addr, &rc);
	}
	if (ok && t->alternative_to != NULL)
		ok = put_xparam(c, "X-PODIUM-ALTERNATIVE-TO", t->alternative_to,
		    &rc);
	if (ok && t->start != NULL && t->end != NULL)
		ok = compact_local(t->start, from) == PD_OK &&
		    compact_local(t->end, to) == PD_OK &&
		    put_xparam(c, "X-PODIUM-START", from, &rc) &&
		    put_xparam(c, "X-PODIUM-END", to, &rc);
	if (rc != PD_OK)
		return rc;
	if (ok) {
		pd_buf_add(&c->line, ":", 1);
		if (put_value(&c->line, t->title, ESC_X) &&
		    ((rc = put_built(c, &done)) != PD_OK || done))
			return rc;
	}
libical:
	if ((holder = icalcomponent_new_x("X-PODIUM-HOLDER")) == NULL)
		return PD_ENOMEM;
	if ((rc = add_talk_prop(c, holder, t)) == PD_OK)
		rc = emit_props(c, holder);
	icalcomponent_free(holder);
	return rc;
}

static int
single_line(const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

static icalproperty_status
event_status(enum pd_event_status s)
{
	switch (s) {
	case PD_EVENT_TENTATIVE:
		return ICAL_STATUS_TENTATIVE;
	case PD_EVENT_CANCELLED:
		return ICAL_STATUS_CANCELLED;
	case PD_EVENT_CONFIRMED:
	default:
		return ICAL_STATUS_CONFIRMED;
	}
}

/* The VEVENT of a talk with its own time, after its session's. */
static int
emit_talk_event(struct rctx *c, const struct pd_event *ev,
    const struct pd_talk *t, const char *tzid)
{
	icalproperty_status st;
	icalproperty *p;
	int rc, done = 0;

	if (t->uid == NULL || *t->uid == '\0' || !single_line(t->uid))
		return pd_error_set(c->err, PD_EINVAL, "uid",
		    "uid: timed talk '%s' needs a UID", t->title);
	switch (t->status) {
	case PD_TALK_CONFIRMED:
		st = ICAL_STATUS_CONFIRMED;
		break;
	case PD_TALK_REQUESTED:
		st = ICAL_STATUS_TENTATIVE;
		break;
	default:
		st = ICAL_STATUS_CANCELLED;
		break;
	}
	if (ev->status == PD_EVENT_CANCELLED)
		st = ICAL_STATUS_CANCELLED;
	/* Straight, as emit_event() writes its properties. */
	if ((rc = pd_buf_adds(&c->out, "BEGIN:VEVENT\r\n")) != PD_OK ||
	    (rc = put_prop(c, "UID", t->uid, ESC_TEXT,
	    icalproperty_new_uid)) != PD_OK ||
	    (rc = put_utc(c, "DTSTAMP", t->updated,
	    icalproperty_new_dtstamp)) != PD_OK ||
	    (rc = put_utc(c, "LAST-MODIFIED", t->updated,
	    icalproperty_new_lastmodified)) != PD_OK ||
	    (rc = put_when(c, ICAL_DTSTART_PROPERTY, t->start, 0, tzid,
	    "start")) != PD_OK ||
	    (rc = put_when(c, ICAL_DTEND_PROPERTY, t->end, 0, tzid,
	    "end")) != PD_OK ||
	    (rc = put_prop(c, "SUMMARY", t->title, ESC_TEXT,
	    icalproperty_new_summary)) != PD_OK ||
	    (rc = put_status(c, st, ev->sequence)) != PD_OK)
		return rc;
	/* A UID that libical would escape is left to libical. */
	pd_buf_reset(&c->line);
	pd_buf_adds(&c->line, "RELATED-TO;RELTYPE=PARENT:");
	if (strpbrk(ev->uid, "\\;,") == NULL &&
	    put_value(&c->line, ev->uid, ESC_URI)) {
		if ((rc = put_built(c, &done)) != PD_OK)
			return rc;
	} else {
		if ((p = icalproperty_new_relatedto(ev->uid)) == NULL)
			return PD_ENOMEM;
		icalproperty_add_parameter(p,
		    icalparameter_new_reltype(ICAL_RELTYPE_PARENT));
		if ((rc = emit_one(c, p)) != PD_OK)
			return rc;
	}
	if ((rc = pd_buf_adds(&c->out, "X-PODIUM-KIND:talk\r\n")) != PD_OK ||
	    (rc = put_speaker(c, t)) != PD_OK)
		return rc;
	return pd_buf_adds(&c->out, "END:VEVENT\r\n");
}

static int
attends(const struct pd_event *ev, int64_t id)
{
	size_t i;

	for (i = 0; i < ev->nattendances; i++)
		if (id != 0 && ev->attendances[i].person.id == id)
			return 1;
	return 0;
}

static int
emit_event(struct rctx *c, const struct pd_event *ev)
{
	const char *tzid = ev->tzid != NULL ? ev->tzid : PD_TZ_DEFAULT;
	const char *desc;
	size_t i;
	int rc, self_attends;

	if (ev->uid == NULL || *ev->uid == '\0' || !single_line(ev->uid))
		return pd_error_set(c->err, PD_EINVAL, "uid",
		    "uid: event '%s' has no usable UID",
		    ev->title != NULL ? ev->title : "");
	if (ev->title == NULL || *ev->title == '\0')
		return pd_error_set(c->err, PD_EINVAL, "title",
		    "title: event %s has no title", ev->uid);
	if (!pd_tz_known(tzid))
		return pd_error_set(c->err, PD_EINVAL, "tz",
		    "tz: unknown time zone '%s'", tzid);
	if ((ev->url != NULL && !single_line(ev->url)) ||
	    (ev->rrule != NULL && !single_line(ev->rrule)))
		return pd_error_set(c->err, PD_EINVAL, "url",
		    "url: event %s has a line break in URL or RRULE",
		    ev->uid);
	/*
	 * Property by property, in libical's order and with its bytes, each
	 * straight or, for a value only libical can vouch for, by libical.
	 */
	if ((rc = pd_buf_adds(&c->out, "BEGIN:VEVENT\r\n")) != PD_OK ||
	    (rc = put_prop(c, "UID", ev->uid, ESC_TEXT,
	    icalproperty_new_uid)) != PD_OK ||
	    (rc = put_utc(c, "DTSTAMP", ev->updated,
	    icalproperty_new_dtstamp)) != PD_OK ||
	    (ev->created != 0 && (rc = put_utc(c, "CREATED", ev->created,
	    icalproperty_new_created)) != PD_OK) ||
	    (rc = put_utc(c, "LAST-MODIFIED", ev->updated,
	    icalproperty_new_lastmodified)) != PD_OK ||
	    (rc = put_when(c, ICAL_DTSTART_PROPERTY, ev->start, ev->all_day,
	    tzid, "start")) != PD_OK ||
	    (rc = put_when(c, ICAL_DTEND_PROPERTY, ev->end, ev->all_day, tzid,
	    "end")) != PD_OK ||
	    (rc = put_prop(c, "SUMMARY", ev->title, ESC_TEXT,
	    icalproperty_new_summary)) != PD_OK)
		goto out;
	if ((desc = description_text(c, ev)) == NULL) {
		rc = PD_ENOMEM;
		goto out;
	}
	if ((*desc != '\0' && (rc = put_prop(c, "DESCRIPTION", desc,
	    ESC_TEXT, icalproperty_new_description)) != PD_OK) ||
	    ((ev->nagenda > 0 || ev->ntalks > 0) && (rc = put_prop(c,
	    "X-PODIUM-DESCRIPTION", ev->description, ESC_X, NULL)) != PD_OK) ||
	    (ev->location != NULL && *ev->location != '\0' &&
	    (rc = put_prop(c, "LOCATION", ev->location, ESC_TEXT,
	    icalproperty_new_location)) != PD_OK))
		goto out;
	if ((rc = put_status(c, event_status(ev->status), ev->sequence)) !=
	    PD_OK)
		goto out;
	if (ev->url != NULL && *ev->url != '\0' && (rc = put_prop(c, "URL",
	    ev->url, ESC_URI, icalproperty_new_url)) != PD_OK)
		goto out;
	for (i = 0; i < ev->ntopics; i++)
		if (ev->topics[i] != NULL && *ev->topics[i] != '\0' &&
		    (rc = put_prop(c, "CATEGORIES", ev->topics[i], ESC_X,
		    icalproperty_new_categories)) != PD_OK)
			goto out;
	for (i = 0; i < ev->nlinks; i++)
		if ((rc = put_prop(c, "X-PODIUM-LINK", ev->links[i], ESC_X,
		    NULL)) != PD_OK)
			goto out;
	if ((rc = put_prop(c, "X-PODIUM-GROUP", ev->group_name, ESC_X,
	    NULL)) != PD_OK)
		goto out;
	if (directory(c) && ev->public_attendance &&
	    (rc = pd_buf_adds(&c->out, "X-PODIUM-ATTENDANCE:PUBLIC\r\n")) !=
	    PD_OK)
		goto out;
	if (ev->rrule != NULL && *ev->rrule != '\0') {
		struct icalrecurrencetype r =
		    icalrecurrencetype_from_string(ev->rrule);

		if (r.freq == ICAL_NO_RECURRENCE) {
			icalerror_clear_errno();
			rc = pd_error_set(c->err, PD_EINVAL, "rrule",
			    "rrule: '%s' is not a valid recurrence rule",
			    ev->rrule);
			goto out;
		}
		if ((rc = emit_one(c, icalproperty_new_rrule(r))) != PD_OK)
			goto out;
	}
	if (has_person(&ev->organizer) &&
	    (rc = put_organizer(c, &ev->organizer)) != PD_OK)
		goto out;
	for (i = 0; i < ev->nagenda; i++)
		if ((rc = put_agenda(c, &ev->agenda[i])) != PD_OK)
			goto out;
	for (i = 0; i < ev->ntalks; i++)
		if ((rc = put_talk(c, &ev->talks[i])) != PD_OK)
			goto out;
	/* The ATTENDEEs come last and are written as lines (see plain()). */
	for (i = 0; i < ev->nattendances; i++)
		if (named(c, ev, &ev->attendances[i]) &&
		    (rc = put_attendance(c, &ev->attendances[i])) != PD_OK)
			goto out;
	/* An addressee who also attends is an ATTENDEE once. */
	self_attends = c->opts->imip && attends(ev, c->opts->imip_person_id);
	for (i = 0; i < ev->ntalks; i++) {
		if (self_attends && addressee(c, &ev->talks[i].speaker))
			continue;
		if ((rc = put_speaker(c, &ev->talks[i])) != PD_OK)
			goto out;
	}
	if ((rc = pd_buf_adds(&c->out, "END:VEVENT\r\n")) != PD_OK)
		goto out;
	for (i = 0; i < ev->ntalks && !c->opts->imip; i++) {
		const struct pd_talk *t = &ev->talks[i];

		if (t->start != NULL && t->end != NULL &&
		    (rc = emit_talk_event(c, ev, t, tzid)) != PD_OK)
			goto out;
	}
	rc = PD_OK;
out:
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char *
pd_ical_event_zone(const struct pd_event *ev)
{
	const char *z = ev->tzid != NULL ? ev->tzid : PD_TZ_DEFAULT;

	/* All-day events need no zone unless a talk has its own time. */
	if ((ev->all_day && ev->ntalks == 0) || is_utc(z))
		return NULL;
	return z;
}

/* One compact VTIMEZONE per TZID of ids (n, in any order, repeated). */
static int
emit_zone_ids(struct rctx *c, const char **ids, size_t n)
{
	icalcomponent *vtz;
	size_t i;
	int rc = PD_OK;

	if (n == 0)	/* ids may be NULL then, which qsort must not see */
		return PD_OK;
	qsort(ids, n, sizeof(*ids), cmp_str);
	for (i = 0; i < n && rc == PD_OK; i++) {
		if (i > 0 && strcmp(ids[i], ids[i - 1]) == 0)
			continue;
		if ((vtz = compact_zone(ids[i])) == NULL) {
			rc = pd_error_set(c->err, PD_EINVAL, "tz",
			    "tz: unknown time zone '%s'", ids[i]);
			break;
		}
		rc = emit_comp(c, vtz, 0);
		icalcomponent_free(vtz);
	}
	return rc;
}

/* One compact VTIMEZONE per zone used, sorted by TZID. */
static int
emit_zones(struct rctx *c, const struct pd_calendar *cal)
{
	const char **ids = NULL;
	const char *z;
	size_t i, k, n = 0;
	int rc;

	if (cal->nevents == 0)
		return PD_OK;
	if ((ids = malloc(cal->nevents * sizeof(*ids))) == NULL)
		return PD_ENOMEM;
	for (i = 0; i < cal->nevents; i++) {
		/*
		 * A calendar uses few zones, so the linear check against the
		 * last few distinct ones is enough before the sort removes
		 * the rest of the duplicates.
		 */
		if ((z = pd_ical_event_zone(&cal->events[i])) == NULL)
			continue;
		for (k = n; k > 0 && n - k < 4; k--)
			if (strcmp(ids[k - 1], z) == 0)
				break;
		if (k > 0 && n - k < 4 && strcmp(ids[k - 1], z) == 0)
			continue;
		ids[n++] = z;
	}
	rc = emit_zone_ids(c, ids, n);
	free(ids);
	return rc;
}

void
pd_ical_init(void)
{
	/*
	 * Makes libical write and expect plain IANA names.  Builtin zones
	 * loaded from /usr/share/zoneinfo still carry the old prefix in their
	 * own VTIMEZONE, which is why compact_zone() sets TZID itself and the
	 * parser strips the prefix.
	 */
	icaltimezone_set_tzid_prefix("");
}

static const struct pd_render_opts default_opts = { PD_PRIVACY_PUBLIC, 0,
    NULL, NULL, 0, 0 };

/* Starts a rendering that appends to *out (taken over until done()). */
static void
begin(struct rctx *c, const struct pd_render_opts *opts, struct pd_buf *out,
    struct pd_error *err)
{
	c->opts = opts != NULL ? opts : &default_opts;
	c->err = err;
	c->out = *out;
	pd_buf_init(&c->tmp, 0);
	pd_buf_init(&c->addr, 0);
	pd_buf_init(&c->line, 0);
	c->nwords = 0;
}

/* Gives the text back to *out, frees the scratch, words rc. */
static int
done(struct rctx *c, struct pd_buf *out, int rc)
{
	if (rc == PD_ENOMEM)
		pd_error_set(c->err, rc, NULL, "out of memory rendering calendar");
	else if (rc == PD_ETOOBIG)
		pd_error_set(c->err, rc, NULL, "calendar too big");
	*out = c->out;
	pd_buf_free(&c->tmp);
	pd_buf_free(&c->addr);
	pd_buf_free(&c->line);
	return rc;
}

int
pd_ical_render(const struct pd_calendar *cal,
    const struct pd_render_opts *opts, char **out, size_t *len,
    struct pd_error *err)
{
	struct pd_buf text;
	struct rctx c;
	size_t i, n;
	int rc;

	pd_buf_init(&text, 0);
	begin(&c, opts, &text, err);
	if ((rc = emit_head(&c, cal)) != PD_OK ||
	    (directory(&c) && ((rc = emit_people(&c, cal, NULL, 0)) != PD_OK ||
	    (rc = emit_members(&c, cal)) != PD_OK)) ||
	    (rc = emit_zones(&c, cal)) != PD_OK)
		goto out;
	for (i = 0; i < cal->nevents; i++)
		if ((rc = emit_event(&c, &cal->events[i])) != PD_OK)
			goto out;
	rc = pd_buf_adds(&c.out, PD_ICAL_TAIL);
out:
	rc = done(&c, &text, rc);
	if (rc == PD_OK) {
		if ((*out = pd_buf_detach(&text, &n)) == NULL)
			rc = pd_error_set(err, PD_ENOMEM, NULL,
			    "out of memory rendering calendar");
		else
			*len = n;
	}
	pd_buf_free(&text);
	return rc;
}

int
pd_ical_render_head(const struct pd_calendar *cal,
    const struct pd_person *people, size_t npeople, const char **zones,
    size_t nzones, const struct pd_render_opts *opts, struct pd_buf *out,
    struct pd_error *err)
{
	struct rctx c;
	int rc;

	begin(&c, opts, out, err);
	if ((rc = emit_head(&c, cal)) == PD_OK && (!directory(&c) ||
	    ((rc = emit_people(&c, cal, people, npeople)) == PD_OK &&
	    (rc = emit_members(&c, cal)) == PD_OK)))
		rc = emit_zone_ids(&c, zones, nzones);
	return done(&c, out, rc);
}

int
pd_ical_render_event(const struct pd_event *ev,
    const struct pd_render_opts *opts, struct pd_buf *out,
    struct pd_error *err)
{
	struct rctx c;

	begin(&c, opts, out, err);
	return done(&c, out, emit_event(&c, ev));
}
