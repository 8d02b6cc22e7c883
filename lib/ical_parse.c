/*
 * Parses iCalendar text into a struct pd_calendar (ical.h), following the
 * contract in lib/ical_mapping.md; foreign calendars (Google, Outlook,
 * Thunderbird) import too, their ATTENDEEs becoming attendances.
 *
 * libical does the parsing proper, but it is lenient: it accepts NUL
 * bytes, invalid UTF-8, unbalanced BEGIN/END and 2021-02-30, turns bad
 * values into X-LIC-ERROR properties (or silently into 0, as with
 * "SEQUENCE:abc") and forgets line numbers.  So the text first goes
 * through prescan(), which enforces the limits, checks the bytes and the
 * structure of every content line, unfolds the lines for libical and
 * remembers on which physical line each content line and each component
 * starts; everything libical reports, or that is checked after it, is then
 * named with that line ("line 12: DTSTART: invalid date '20210230'").
 *
 * This file does not touch the store: people come back as the file
 * describes them (ids 0) for the store to resolve.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libical/ical.h>

#include "podium/buf.h"
#include "podium/err.h"
#include "podium/ical.h"
#include "podium/model.h"
#include "podium/tz.h"

#include "ical_int.h"

#define MAX_DEPTH 16

/* One unfolded content line: where it starts in the input and in text. */
struct cline {
	uint32_t phys;		/* 1-based line number in the input */
	size_t off;		/* offset in pd_ical_ctx.text */
	size_t len;
};

/* The content lines of one child of VCALENDAR, first..last inclusive. */
struct kid {
	size_t first, last;
};

/* A string -> index map (open addressing), for people and talk times. */
struct smap {
	char **keys;
	size_t *vals;
	size_t cap, n;
};

struct zone {
	char *tzid;
	icaltimezone *z;
};

struct pd_ical_ctx {
	struct pd_error *err;
	struct pd_buf text;	/* unfolded, one "\r\n" after each line */
	struct cline *lines;
	size_t nlines, caplines;
	struct kid *kids;
	size_t nkids, capkids;
	struct pd_person *people;
	size_t npeople, cappeople;
	struct smap pmap;	/* cal-address -> people[] */
	struct smap tmap;	/* talk UID -> talk VEVENT's updated */
	int64_t *tupd;
	size_t ntupd;
	struct zone *zones;
	size_t nzones;
	struct pd_calendar *cal;
	uint32_t first_line;	/* of text's first line in the file */
};

/* ---- errors --------------------------------------------------------- */

static int
fail(struct pd_ical_ctx *c, int code, uint32_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

int
pd_ical_verror(struct pd_error *err, int code, uint32_t line,
    const char *fmt, va_list ap)
{
	char field[32], msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line == 0)
		return pd_error_set(err, code, NULL, "%s", msg);
	snprintf(field, sizeof(field), "line %u", line);
	return pd_error_set(err, code, field, "line %u: %s", line, msg);
}

static int
fail(struct pd_ical_ctx *c, int code, uint32_t line, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = pd_ical_verror(c->err, code, line, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- the string map ------------------------------------------------- */

static int
smap_put(struct smap *m, const char *key, size_t val)
{
	size_t j, i, cap;
	char **ok = m->keys;
	size_t *ov = m->vals, oc = m->cap;

	if ((m->n + 1) * 2 > m->cap) {
		cap = oc ? oc * 2 : 64;
		m->keys = calloc(cap, sizeof(*m->keys));
		m->vals = calloc(cap, sizeof(*m->vals));
		if (m->keys == NULL || m->vals == NULL) {
			free(m->keys);
			free(m->vals);
			m->keys = ok;
			m->vals = ov;
			return PD_ENOMEM;
		}
		m->cap = cap;
		for (i = 0; i < oc; i++) {
			if (ok[i] == NULL)
				continue;
			j = pd_ical_hash(ok[i], strlen(ok[i]),
			    PD_ICAL_HASH_SEED) & (cap - 1);
			while (m->keys[j] != NULL)
				j = (j + 1) & (cap - 1);
			m->keys[j] = ok[i];
			m->vals[j] = ov[i];
		}
		free(ok);
		free(ov);
	}
	j = pd_ical_hash(key, strlen(key), PD_ICAL_HASH_SEED) & (m->cap - 1);
	while (m->keys[j] != NULL) {
		if (strcmp(m->keys[j], key) == 0) {
			m->vals[j] = val;
			return PD_OK;
		}
		j = (j + 1) & (m->cap - 1);
	}
	if ((m->keys[j] = strdup(key)) == NULL)
		return PD_ENOMEM;
	m->vals[j] = val;
	m->n++;
	return PD_OK;
}

static int
smap_get(const struct smap *m, const char *key, size_t *val)
{
	size_t j;

	if (m->cap == 0)
		return 0;
	j = pd_ical_hash(key, strlen(key), PD_ICAL_HASH_SEED) & (m->cap - 1);
	while (m->keys[j] != NULL) {
		if (strcmp(m->keys[j], key) == 0) {
			*val = m->vals[j];
			return 1;
		}
		j = (j + 1) & (m->cap - 1);
	}
	return 0;
}

static void
smap_free(struct smap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
}

/* ---- prescan -------------------------------------------------------- */

/*
 * Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid:
 * overlong forms, surrogates and code points over U+10FFFF are refused.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t k, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		k = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		k = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		k = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (k > n)
		return 0;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((k == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (k == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return k;
}

static int
name_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= '0' && ch <= '9') || ch == '-';
}

/*
 * Checks the grammar of RFC 5545 section 3.1 for one unfolded line:
 * name *(";" param) ":" value.  Sets *vstart to the value's offset.
 */
static int
line_ok(const char *s, size_t n, size_t *nlen, size_t *vstart)
{
	size_t i = 0;

	while (i < n && name_char(s[i]))
		i++;
	if (i == 0)
		return 0;
	*nlen = i;
	while (i < n && s[i] == ';') {
		size_t p = ++i;

		while (i < n && name_char(s[i]))
			i++;
		if (i == p || i >= n || s[i] != '=')
			return 0;
		do {
			i++;
			if (i < n && s[i] == '"') {
				i++;
				while (i < n && s[i] != '"')
					i++;
				if (i >= n)
					return 0;
				i++;
			} else {
				while (i < n && s[i] != ';' && s[i] != ':' &&
				    s[i] != ',' && s[i] != '"')
					i++;
				if (i < n && s[i] == '"')
					return 0;
			}
		} while (i < n && s[i] == ',');
	}
	if (i >= n || s[i] != ':')
		return 0;
	*vstart = i + 1;
	return 1;
}

static int
is_name(const char *s, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(s, name, n) == 0;
}

struct frame {
	char name[32];
	uint32_t line;
};

/* Checks one finished content line and records it (see the file top). */
static int
end_line(struct pd_ical_ctx *c, struct cline *cl, struct frame *stack, int *depth,
    int *done)
{
	const char *s = c->text.data + cl->off;
	size_t nlen, v, vlen;

	if (cl->len > PD_ICAL_MAX_LINE)
		return fail(c, PD_ETOOBIG, cl->phys,
		    "content line longer than %u bytes", PD_ICAL_MAX_LINE);
	if (!line_ok(s, cl->len, &nlen, &v))
		return fail(c, PD_EPARSE, cl->phys,
		    "malformed content line (expected NAME;PARAM=...:VALUE)");
	vlen = cl->len - v;
	if (*done)
		return fail(c, PD_EPARSE, cl->phys,
		    "content after END:VCALENDAR");
	if (*depth == 0 && !(is_name(s, nlen, "BEGIN") &&
	    is_name(s + v, vlen, "VCALENDAR")))
		return fail(c, PD_EPARSE, cl->phys, "missing BEGIN:VCALENDAR");
	if (is_name(s, nlen, "BEGIN")) {
		if (*depth >= MAX_DEPTH)
			return fail(c, PD_EPARSE, cl->phys,
			    "components nested too deeply");
		if (vlen == 0 || vlen >= sizeof(stack[0].name))
			return fail(c, PD_EPARSE, cl->phys,
			    "BEGIN: bad component name");
		memcpy(stack[*depth].name, s + v, vlen);
		stack[*depth].name[vlen] = '\0';
		stack[*depth].line = cl->phys;
		if (*depth == 1) {
			if (c->nkids == c->capkids) {
				size_t cap = c->capkids ? c->capkids * 2 : 64;
				struct kid *k = realloc(c->kids,
				    cap * sizeof(*k));

				if (k == NULL)
					return PD_ENOMEM;
				c->kids = k;
				c->capkids = cap;
			}
			c->kids[c->nkids].first = c->nlines;
			c->kids[c->nkids].last = c->nlines;
			c->nkids++;
		}
		(*depth)++;
	} else if (is_name(s, nlen, "END")) {
		if (!is_name(s + v, vlen, stack[*depth - 1].name))
			return fail(c, PD_EPARSE, cl->phys,
			    "END:%.*s does not match BEGIN:%s of line %u",
			    (int)(vlen > 40 ? 40 : vlen), s + v,
			    stack[*depth - 1].name, stack[*depth - 1].line);
		(*depth)--;
		if (*depth == 1)
			c->kids[c->nkids - 1].last = c->nlines;
		if (*depth == 0)
			*done = 1;
	} else if (is_name(s, nlen, "SEQUENCE")) {
		/* libical would read "SEQUENCE:abc" as 0 without a word. */
		size_t i;

		for (i = v; i < cl->len; i++)
			if (s[i] < '0' || s[i] > '9')
				break;
		if (i != cl->len || vlen == 0 || vlen > 9)
			return fail(c, PD_EINVAL, cl->phys,
			    "SEQUENCE: '%.*s' is not a number",
			    (int)(vlen > 40 ? 40 : vlen), s + v);
	}
	if (c->nlines == c->caplines) {
		size_t cap = c->caplines ? c->caplines * 2 : 256;
		struct cline *l = realloc(c->lines, cap * sizeof(*l));

		if (l == NULL)
			return PD_ENOMEM;
		c->lines = l;
		c->caplines = cap;
	}
	c->lines[c->nlines++] = *cl;
	return pd_buf_add(&c->text, "\r\n", 2);
}

static int
prescan(struct pd_ical_ctx *c, const char *in, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	struct frame stack[MAX_DEPTH];
	struct cline cur = { 0, 0, 0 };
	int have = 0, depth = 0, done = 0, rc;
	uint32_t phys = c->first_line;
	size_t i = 0, start, k;

	if (len == 0)
		return fail(c, PD_EPARSE, 0, "empty input");
	/* The input is bounded by its caller (whole text or one chunk). */
	pd_buf_init(&c->text, 0);
	if ((rc = pd_buf_add(&c->text, "", 0)) != PD_OK)
		return rc;
	while (i < len) {
		/* One physical line: [start, i) without its line end. */
		start = i;
		while (i < len && s[i] != '\n') {
			if (s[i] >= 0x80) {
				if ((k = utf8_seq(s + i, len - i)) == 0)
					return fail(c, PD_EPARSE, phys,
					    "invalid UTF-8 (byte 0x%02x)",
					    s[i]);
				i += k;
				continue;
			}
			if ((s[i] < 0x20 && s[i] != '\t' && !(s[i] == '\r' &&
			    i + 1 < len && s[i + 1] == '\n')) || s[i] == 0x7f)
				return fail(c, PD_EPARSE, phys,
				    "binary data (control byte 0x%02x)", s[i]);
			i++;
		}
		k = i > start && s[i - 1] == '\r' ? i - 1 : i;
		if (i < len)
			i++;		/* the '\n' */
		if (k > start && (s[start] == ' ' || s[start] == '\t')) {
			if (!have)
				return fail(c, PD_EPARSE, phys,
				    "continuation line without a property");
			if (k - start - 1 > PD_ICAL_MAX_LINE - cur.len)
				return fail(c, PD_ETOOBIG, cur.phys,
				    "content line longer than %u bytes",
				    PD_ICAL_MAX_LINE);
			pd_buf_add(&c->text, s + start + 1, k - start - 1);
			cur.len += k - start - 1;
		} else {
			if (have && (rc = end_line(c, &cur, stack, &depth,
			    &done)) != PD_OK)
				return rc;
			have = 0;
			if (k > start) {
				if (k - start > PD_ICAL_MAX_LINE)
					return fail(c, PD_ETOOBIG, phys,
					    "content line longer than %u "
					    "bytes", PD_ICAL_MAX_LINE);
				cur.phys = phys;
				cur.off = c->text.len;
				cur.len = k - start;
				pd_buf_add(&c->text, s + start, k - start);
				have = 1;
			}
		}
		if (pd_buf_failed(&c->text))
			return c->text.err;
		phys++;
	}
	if (have && (rc = end_line(c, &cur, stack, &depth, &done)) != PD_OK)
		return rc;
	if (c->nlines == 0)
		return fail(c, PD_EPARSE, 0, "empty input");
	if (depth > 0)
		return fail(c, PD_EPARSE, phys - 1,
		    "truncated: missing END:%s for BEGIN:%s of line %u",
		    stack[depth - 1].name, stack[depth - 1].name,
		    stack[depth - 1].line);
	return PD_OK;
}

/*
 * The physical line of the first content line named name in the child
 * range k (whole file when k is out of range), or of the range's start.
 */
static uint32_t
line_of(const struct pd_ical_ctx *c, size_t k, const char *name)
{
	size_t first = 0, last = c->nlines - 1, i, n;

	if (k < c->nkids) {
		first = c->kids[k].first;
		last = c->kids[k].last;
	}
	n = name != NULL ? strlen(name) : 0;
	for (i = first; name != NULL && i <= last; i++) {
		const char *s = c->text.data + c->lines[i].off;

		if (c->lines[i].len > n && strncasecmp(s, name, n) == 0 &&
		    (s[n] == ':' || s[n] == ';'))
			return c->lines[i].phys;
	}
	return c->lines[first].phys;
}

/* ---- libical's own complaints --------------------------------------- */

/* The first X-LIC-ERROR in comp or below, or NULL. */
static icalproperty *
first_error(icalcomponent *comp)
{
	icalproperty *p;
	icalcomponent *sub;

	if ((p = icalcomponent_get_first_property(comp,
	    ICAL_XLICERROR_PROPERTY)) != NULL)
		return p;
	for (sub = icalcomponent_get_first_component(comp, ICAL_ANY_COMPONENT);
	    sub != NULL;
	    sub = icalcomponent_get_next_component(comp, ICAL_ANY_COMPONENT))
		if ((p = first_error(sub)) != NULL)
			return p;
	return NULL;
}

/*
 * Turns libical's first X-LIC-ERROR into an error naming the line: its
 * text says "... in DTEND property. ..." for value errors, which names
 * the property to look for.
 */
static int
report_error(struct pd_ical_ctx *c, icalproperty *e, size_t k)
{
	const char *msg = icalproperty_get_xlicerror(e);
	const char *in;
	char name[64];
	size_t n = 0;

	if (msg == NULL)
		msg = "unknown error";
	if ((in = strstr(msg, " in ")) != NULL) {
		in += 4;
		while (n + 1 < sizeof(name) && name_char(in[n])) {
			name[n] = in[n];
			n++;
		}
	}
	name[n] = '\0';
	return fail(c, PD_EPARSE, line_of(c, k, n > 0 ? name : NULL), "%s",
	    msg);
}

/* ---- values --------------------------------------------------------- */

/* A copy of a parameter's value with RFC 6868 ^' ^n ^^ decoded. */
static char *
param_dup(icalproperty *p, const char *name)
{
	char *v, *r, *w;

	if ((v = icalproperty_get_parameter_as_string_r(p, name)) == NULL)
		return NULL;
	for (r = w = v; *r != '\0'; r++) {
		if (r[0] == '^' && r[1] == '\'') {
			*w++ = '"';
			r++;
		} else if (r[0] == '^' && r[1] == 'n') {
			*w++ = '\n';
			r++;
		} else if (r[0] == '^' && r[1] == '^') {
			*w++ = '^';
			r++;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return v;
}

static int
dup_to(char **dst, const char *s)
{
	free(*dst);
	*dst = NULL;
	if (s == NULL)
		return PD_OK;
	return (*dst = strdup(s)) != NULL ? PD_OK : PD_ENOMEM;
}

/* The value of an X- property, NULL when absent. */
static const char *
xvalue(icalproperty *p)
{
	return icalproperty_get_x(p);
}

static int
xname_is(icalproperty *p, const char *name)
{
	const char *n = icalproperty_get_x_name(p);

	return n != NULL && strcasecmp(n, name) == 0;
}

/* ---- people --------------------------------------------------------- */

static int
add_person(struct pd_ical_ctx *c, const char *addr, struct pd_person *p,
    size_t *idx)
{
	int rc;

	if (c->npeople == c->cappeople) {
		size_t cap = c->cappeople ? c->cappeople * 2 : 32;
		struct pd_person *np = realloc(c->people, cap * sizeof(*np));

		if (np == NULL)
			return PD_ENOMEM;
		c->people = np;
		c->cappeople = cap;
	}
	if ((rc = smap_put(&c->pmap, addr, c->npeople)) != PD_OK)
		return rc;
	c->people[c->npeople] = *p;
	memset(p, 0, sizeof(*p));
	*idx = c->npeople++;
	return PD_OK;
}

/* Fills the e-mail or uuid of p from a cal-address. */
static int
from_address(struct pd_person *p, const char *addr)
{
	if (strncasecmp(addr, "mailto:", 7) == 0 && addr[7] != '\0')
		return dup_to(&p->email, addr + 7);
	if (strncasecmp(addr, "urn:uuid:", 9) == 0 && addr[9] != '\0')
		return dup_to(&p->uuid, addr + 9);
	return PD_OK;
}

/*
 * The person behind a cal-address: from the X-PODIUM-PERSON table, or,
 * for foreign files, made from the CN and the address.  The copy in *dst
 * belongs to the caller.
 */
static int
person_of(struct pd_ical_ctx *c, const char *addr, const char *cn,
    struct pd_person *dst, uint32_t line)
{
	struct pd_person np;
	size_t idx;
	int rc;

	if (addr == NULL || *addr == '\0')
		return fail(c, PD_EINVAL, line, "empty calendar address");
	if (!smap_get(&c->pmap, addr, &idx)) {
		memset(&np, 0, sizeof(np));
		if ((rc = from_address(&np, addr)) != PD_OK ||
		    (rc = dup_to(&np.name, cn != NULL && *cn != '\0' ? cn :
		    np.email != NULL ? np.email : addr)) != PD_OK ||
		    (rc = dup_to(&np.lang, "de")) != PD_OK ||
		    (rc = add_person(c, addr, &np, &idx)) != PD_OK) {
			pd_person_clear(&np);
			return rc;
		}
	}
	return pd_person_copy(dst, &c->people[idx]);
}

static int
read_person(struct pd_ical_ctx *c, icalproperty *p, uint32_t line)
{
	struct pd_person np;
	const char *addr = xvalue(p);
	char *v;
	size_t idx;
	int rc;

	memset(&np, 0, sizeof(np));
	if (addr == NULL || *addr == '\0')
		return fail(c, PD_EINVAL, line, "X-PODIUM-PERSON: no address");
	np.name = param_dup(p, "CN");
	np.uuid = param_dup(p, "X-PODIUM-UUID");
	np.org_code = param_dup(p, "X-PODIUM-ORG");
	np.org_name = param_dup(p, "X-PODIUM-ORG-NAME");
	v = param_dup(p, "X-PODIUM-LANG");
	np.lang = v != NULL ? v : strdup("de");
	if (np.name == NULL || np.lang == NULL) {
		rc = np.name == NULL ? fail(c, PD_EINVAL, line,
		    "X-PODIUM-PERSON: no CN") : PD_ENOMEM;
		goto out;
	}
	if (strcmp(np.lang, "de") != 0 && strcmp(np.lang, "en") != 0) {
		rc = fail(c, PD_EINVAL, line,
		    "X-PODIUM-PERSON: X-PODIUM-LANG '%s' is not de or en",
		    np.lang);
		goto out;
	}
	if ((rc = from_address(&np, addr)) != PD_OK ||
	    (rc = add_person(c, addr, &np, &idx)) != PD_OK)
		goto out;
out:
	pd_person_clear(&np);
	return rc;
}

/*
 * The group named by p's X-PODIUM-GROUP parameter, added to the calendar
 * when new; what names the property that carries it.
 */
static int
group_of(struct pd_ical_ctx *c, icalproperty *p, const char *what, uint32_t line,
    struct pd_group **out)
{
	struct pd_calendar *cal = c->cal;
	struct pd_group *g = NULL, *ng;
	char *gname;
	size_t i;
	int rc = PD_OK;

	gname = param_dup(p, "X-PODIUM-GROUP");
	if (gname == NULL || *gname == '\0') {
		rc = fail(c, PD_EINVAL, line, "%s: no X-PODIUM-GROUP", what);
		goto out;
	}
	/* Few groups: a linear search is fine. */
	for (i = 0; i < cal->ngroups; i++)
		if (strcmp(cal->groups[i].name, gname) == 0)
			g = &cal->groups[i];
	if (g == NULL) {
		if ((ng = realloc(cal->groups, (cal->ngroups + 1) *
		    sizeof(*ng))) == NULL) {
			rc = PD_ENOMEM;
			goto out;
		}
		cal->groups = ng;
		g = &cal->groups[cal->ngroups++];
		memset(g, 0, sizeof(*g));
		g->name = gname;
		gname = NULL;
		if ((g->slug = pd_slug(g->name)) == NULL) {
			rc = PD_ENOMEM;
			goto out;
		}
	}
	*out = g;
out:
	free(gname);
	return rc;
}

/* X-PODIUM-GROUP-ATTENDANCE;X-PODIUM-GROUP=…:PUBLIC */
static int
read_group_attendance(struct pd_ical_ctx *c, icalproperty *p, uint32_t line)
{
	struct pd_group *g;
	const char *v = xvalue(p);
	int rc;

	if (v == NULL || strcasecmp(v, "PUBLIC") != 0)
		return fail(c, PD_EINVAL, line, "X-PODIUM-GROUP-ATTENDANCE: "
		    "'%s' is not PUBLIC", v != NULL ? v : "");
	if ((rc = group_of(c, p, "X-PODIUM-GROUP-ATTENDANCE", line,
	    &g)) != PD_OK)
		return rc;
	g->public_attendance = 1;
	return PD_OK;
}

static int
read_member(struct pd_ical_ctx *c, icalproperty *p, uint32_t line)
{
	struct pd_group *g = NULL;
	struct pd_member *m;
	char *role = NULL;
	enum pd_group_role r = PD_GROUP_MEMBER;
	int rc = PD_OK;

	role = param_dup(p, "X-PODIUM-ROLE");
	if (role != NULL && pd_group_role_parse(role, &r) != PD_OK) {
		rc = fail(c, PD_EINVAL, line,
		    "X-PODIUM-MEMBER: unknown X-PODIUM-ROLE '%s'", role);
		goto out;
	}
	if ((rc = group_of(c, p, "X-PODIUM-MEMBER", line, &g)) != PD_OK)
		goto out;
	m = realloc(g->members, (g->nmembers + 1) * sizeof(*m));
	if (m == NULL) {
		rc = PD_ENOMEM;
		goto out;
	}
	g->members = m;
	m = &g->members[g->nmembers];
	memset(m, 0, sizeof(*m));
	m->role = r;
	if ((rc = person_of(c, xvalue(p), NULL, &m->person, line)) != PD_OK)
		goto out;
	g->nmembers++;
out:
	free(role);
	return rc;
}

/* ---- time zones and times ------------------------------------------- */

static int
add_zone(struct pd_ical_ctx *c, icalcomponent *vtz)
{
	icalproperty *p = icalcomponent_get_first_property(vtz,
	    ICAL_TZID_PROPERTY);
	const char *tzid = p != NULL ? icalproperty_get_tzid(p) : NULL;
	struct zone *nz;
	icaltimezone *z;

	if (tzid == NULL || *tzid == '\0')
		return PD_OK;
	if ((nz = realloc(c->zones, (c->nzones + 1) * sizeof(*nz))) == NULL)
		return PD_ENOMEM;
	c->zones = nz;
	if ((z = icaltimezone_new()) == NULL)
		return PD_ENOMEM;
	if (!icaltimezone_set_component(z,
	    icalcomponent_new_clone(vtz))) {
		icaltimezone_free(z, 1);
		return PD_OK;	/* unusable; an event using it will fail */
	}
	if ((nz[c->nzones].tzid = strdup(tzid)) == NULL) {
		icaltimezone_free(z, 1);
		return PD_ENOMEM;
	}
	nz[c->nzones++].z = z;
	return PD_OK;
}

/*
 * The IANA name behind a TZID: the name itself, the name after libical's
 * "/freeassociation.sourceforge.net/" (or older ".../Tzfile/") prefix, or
 * the tail of any "/vendor/version/Area/City" form.  NULL when unknown.
 */
static const char *
builtin_name(const char *tzid)
{
	const char *p;

	if (pd_tz_known(tzid))
		return tzid;
	if (strncmp(tzid, PD_ICAL_LIBICAL_PREFIX,
	    strlen(PD_ICAL_LIBICAL_PREFIX)) == 0) {
		p = tzid + strlen(PD_ICAL_LIBICAL_PREFIX);
		if (strncmp(p, "Tzfile/", 7) == 0)
			p += 7;
		if (pd_tz_known(p))
			return p;
	}
	for (p = strchr(tzid, '/'); p != NULL; p = strchr(p + 1, '/'))
		if (pd_tz_known(p + 1))
			return p + 1;
	return NULL;
}

static icaltimezone *
custom_zone(const struct pd_ical_ctx *c, const char *tzid)
{
	size_t i;

	for (i = 0; i < c->nzones; i++)
		if (strcmp(c->zones[i].tzid, tzid) == 0)
			return c->zones[i].z;
	return NULL;
}

static int
month_days(int y, int m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : d[m - 1];
}

static int
valid_time(const struct icaltimetype *t)
{
	return t->year >= 1000 && t->year <= 9999 && t->month >= 1 &&
	    t->month <= 12 && t->day >= 1 &&
	    t->day <= month_days(t->year, t->month) &&
	    (t->is_date || (t->hour >= 0 && t->hour <= 23 && t->minute >= 0 &&
	    t->minute <= 59 && t->second >= 0 && t->second <= 59));
}

static void
put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

/* "YYYY-MM-DD HH:MM" or, for a date, "YYYY-MM-DD". */
static void
fmt_local(const struct icaltimetype *t, char out[17])
{
	put2(out, t->year / 100);
	put2(out + 2, t->year % 100);
	out[4] = '-';
	put2(out + 5, t->month);
	out[7] = '-';
	put2(out + 8, t->day);
	if (t->is_date) {
		out[10] = '\0';
		return;
	}
	out[10] = ' ';
	put2(out + 11, t->hour);
	out[13] = ':';
	put2(out + 14, t->minute);
	out[16] = '\0';
}

/* A time as read from DTSTART or DTEND. */
struct when {
	int is_date;
	char tzid[64];		/* the zone the local time is in */
	char local[17];
	int64_t utc;
};

static int
read_when(struct pd_ical_ctx *c, icalproperty *p, const char *what, size_t k,
    struct when *w)
{
	struct icaltimetype t;
	icalparameter *tp;
	const char *tzid = NULL, *name;
	icaltimezone *z;
	char *raw;
	uint32_t line = line_of(c, k, what);
	int rc;

	t = icalvalue_get_datetime(icalproperty_get_value(p));
	if (!valid_time(&t)) {
		raw = icalproperty_get_value_as_string_r(p);
		rc = fail(c, PD_EINVAL, line, "%s: invalid date '%s'", what,
		    raw != NULL ? raw : "");
		free(raw);
		return rc;
	}
	memset(w, 0, sizeof(*w));
	w->is_date = t.is_date;
	if ((tp = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER))
	    != NULL)
		tzid = icalparameter_get_tzid(tp);
	if (t.is_date || icaltime_is_utc(t) || tzid == NULL) {
		name = t.is_date || tzid == NULL || icaltime_is_utc(t) ?
		    (icaltime_is_utc(t) && !t.is_date ? "UTC" :
		    PD_TZ_DEFAULT) : tzid;
		fmt_local(&t, w->local);
	} else if ((name = builtin_name(tzid)) != NULL) {
		fmt_local(&t, w->local);
	} else if ((z = custom_zone(c, tzid)) != NULL) {
		/* A zone only the file knows: through UTC into ours. */
		t.zone = z;
		w->utc = (int64_t)icaltime_as_timet_with_zone(t, z);
		name = PD_TZ_DEFAULT;
		if (pd_tz_from_utc(w->utc, name, w->local) != PD_OK)
			return fail(c, PD_EINVAL, line,
			    "%s: time out of range", what);
	} else {
		return fail(c, PD_EINVAL, line,
		    "%s: unknown TZID '%s' and no VTIMEZONE for it", what,
		    tzid);
	}
	if (strlen(name) >= sizeof(w->tzid))
		return fail(c, PD_EINVAL, line, "%s: TZID too long", what);
	memcpy(w->tzid, name, strlen(name) + 1);
	if (pd_tz_to_utc(w->local, w->tzid, w->is_date, &w->utc) != PD_OK)
		return fail(c, PD_EINVAL, line, "%s: invalid time", what);
	return PD_OK;
}

/* ---- events --------------------------------------------------------- */

static int
push_str(char ***v, size_t *n, const char *s)
{
	char **nv;

	if ((nv = realloc(*v, (*n + 1) * sizeof(*nv))) == NULL)
		return PD_ENOMEM;
	*v = nv;
	if ((nv[*n] = strdup(s)) == NULL)
		return PD_ENOMEM;
	(*n)++;
	return PD_OK;
}

/* CATEGORIES:a,b,c may hold several topics; each becomes one. */
static int
add_topics(struct pd_event *ev, const char *v)
{
	const char *p = v, *e;
	char *one;
	int rc;

	while (*p != '\0') {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		while (p < e && *p == ' ')
			p++;
		if (e > p) {
			if ((one = strndup(p, (size_t)(e - p))) == NULL)
				return PD_ENOMEM;
			rc = push_str(&ev->topics, &ev->ntopics, one);
			free(one);
			if (rc != PD_OK)
				return rc;
		}
		p = *e == ',' ? e + 1 : e;
	}
	return PD_OK;
}

static int
valid_hhmm(const char *s)
{
	return s != NULL && strlen(s) == 5 && s[0] >= '0' && s[0] <= '2' &&
	    s[1] >= '0' && s[1] <= '9' && s[2] == ':' && s[3] >= '0' &&
	    s[3] <= '5' && s[4] >= '0' && s[4] <= '9' &&
	    (s[0] - '0') * 10 + (s[1] - '0') < 24;
}

static int
read_agenda(struct pd_ical_ctx *c, struct pd_event *ev, icalproperty *p, size_t k)
{
	struct pd_agenda_item *na, *a;
	uint32_t line = line_of(c, k, "X-PODIUM-AGENDA");

	if ((na = realloc(ev->agenda, (ev->nagenda + 1) * sizeof(*na))) ==
	    NULL)
		return PD_ENOMEM;
	ev->agenda = na;
	a = &na[ev->nagenda++];
	memset(a, 0, sizeof(*a));
	a->label = param_dup(p, "X-PODIUM-LABEL");
	a->from = param_dup(p, "X-PODIUM-FROM");
	a->to = param_dup(p, "X-PODIUM-TO");
	if (a->label == NULL && (a->label = strdup("")) == NULL)
		return PD_ENOMEM;
	if (dup_to(&a->title, xvalue(p)) != PD_OK)
		return PD_ENOMEM;
	if (!valid_hhmm(a->from) || !valid_hhmm(a->to))
		return fail(c, PD_EINVAL, line,
		    "X-PODIUM-AGENDA: X-PODIUM-FROM and X-PODIUM-TO must be "
		    "HH:MM (quoted)");
	return PD_OK;
}

/* "20210211T100000" -> "2021-02-11 10:00". */
static int
talk_time(const char *s, char **out)
{
	char buf[17], norm[17];

	if (s == NULL || strlen(s) != 15 || s[8] != 'T')
		return PD_EINVAL;
	memcpy(buf, s, 4);
	buf[4] = '-';
	memcpy(buf + 5, s + 4, 2);
	buf[7] = '-';
	memcpy(buf + 8, s + 6, 2);
	buf[10] = ' ';
	memcpy(buf + 11, s + 9, 2);
	buf[13] = ':';
	memcpy(buf + 14, s + 11, 2);
	buf[16] = '\0';
	if (s[13] != '0' || s[14] != '0' || pd_tz_normalize(buf, 0, norm) !=
	    PD_OK)
		return PD_EINVAL;
	return (*out = strdup(norm)) != NULL ? PD_OK : PD_ENOMEM;
}

static int
read_talk(struct pd_ical_ctx *c, struct pd_event *ev, icalproperty *p, size_t k)
{
	struct pd_talk *nt, *t;
	uint32_t line = line_of(c, k, "X-PODIUM-TALK");
	char *v = NULL;
	size_t idx;
	int rc = PD_ENOMEM;

	if ((nt = realloc(ev->talks, (ev->ntalks + 1) * sizeof(*nt))) == NULL)
		return PD_ENOMEM;
	ev->talks = nt;
	t = &nt[ev->ntalks++];
	memset(t, 0, sizeof(*t));
	if (dup_to(&t->title, xvalue(p)) != PD_OK)
		goto out;
	t->uid = param_dup(p, "X-PODIUM-UID");
	t->alternative_to = param_dup(p, "X-PODIUM-ALTERNATIVE-TO");
	t->updated = ev->updated;
	if ((v = param_dup(p, "X-PODIUM-STATUS")) != NULL &&
	    pd_talk_status_parse(v, &t->status) != PD_OK) {
		rc = fail(c, PD_EINVAL, line,
		    "X-PODIUM-TALK: unknown X-PODIUM-STATUS '%s'", v);
		goto out;
	}
	free(v);
	if ((v = param_dup(p, "X-PODIUM-SPEAKER")) == NULL) {
		rc = fail(c, PD_EINVAL, line,
		    "X-PODIUM-TALK: no X-PODIUM-SPEAKER");
		goto out;
	}
	if ((rc = person_of(c, v, NULL, &t->speaker, line)) != PD_OK)
		goto out;
	free(v);
	if ((v = param_dup(p, "X-PODIUM-VIA")) != NULL &&
	    (rc = person_of(c, v, NULL, &t->via, line)) != PD_OK)
		goto out;
	free(v);
	v = param_dup(p, "X-PODIUM-START");
	if (v != NULL && (rc = talk_time(v, &t->start)) != PD_OK) {
		rc = fail(c, PD_EINVAL, line,
		    "X-PODIUM-TALK: X-PODIUM-START '%s' is not "
		    "YYYYMMDDTHHMM00", v);
		goto out;
	}
	free(v);
	v = param_dup(p, "X-PODIUM-END");
	if (v != NULL && (rc = talk_time(v, &t->end)) != PD_OK) {
		rc = fail(c, PD_EINVAL, line,
		    "X-PODIUM-TALK: X-PODIUM-END '%s' is not "
		    "YYYYMMDDTHHMM00", v);
		goto out;
	}
	if ((t->start == NULL) != (t->end == NULL)) {
		rc = fail(c, PD_EINVAL, line,
		    "X-PODIUM-TALK: X-PODIUM-START and X-PODIUM-END go "
		    "together");
		goto out;
	}
	if (t->uid != NULL && smap_get(&c->tmap, t->uid, &idx))
		t->updated = c->tupd[idx];
	rc = PD_OK;
out:
	free(v);
	return rc;
}

static enum pd_partstat
partstat_of(icalproperty *p)
{
	icalparameter *par = icalproperty_get_first_parameter(p,
	    ICAL_PARTSTAT_PARAMETER);

	switch (par != NULL ? icalparameter_get_partstat(par) :
	    ICAL_PARTSTAT_NEEDSACTION) {
	case ICAL_PARTSTAT_ACCEPTED:
	case ICAL_PARTSTAT_COMPLETED:
		return PD_PART_ACCEPTED;
	case ICAL_PARTSTAT_DECLINED:
		return PD_PART_DECLINED;
	case ICAL_PARTSTAT_TENTATIVE:
		return PD_PART_TENTATIVE;
	case ICAL_PARTSTAT_DELEGATED:
		return PD_PART_DELEGATED;
	default:
		return PD_PART_NEEDS_ACTION;
	}
}

static enum pd_role
role_of(icalproperty *p)
{
	icalparameter *par = icalproperty_get_first_parameter(p,
	    ICAL_ROLE_PARAMETER);

	switch (par != NULL ? icalparameter_get_role(par) :
	    ICAL_ROLE_REQPARTICIPANT) {
	case ICAL_ROLE_CHAIR:
		return PD_ROLE_CHAIR;
	case ICAL_ROLE_OPTPARTICIPANT:
	case ICAL_ROLE_NONPARTICIPANT:
		return PD_ROLE_OPTIONAL;
	default:
		return PD_ROLE_PARTICIPANT;
	}
}

/* "urn:podium:delegate:Frau%20Kache" -> "Frau Kache". */
static char *
delegate_name(const char *uri)
{
	static const char pfx[] = "urn:podium:delegate:";
	const char *s;
	char *out, *w;
	int hi, lo;

	if (strncasecmp(uri, pfx, sizeof(pfx) - 1) == 0)
		s = uri + sizeof(pfx) - 1;
	else if (strncasecmp(uri, "mailto:", 7) == 0)
		s = uri + 7;
	else
		s = uri;
	if ((out = malloc(strlen(s) + 1)) == NULL)
		return NULL;
	for (w = out; *s != '\0'; s++) {
		if (s[0] == '%' && s[1] != '\0' && s[2] != '\0') {
			hi = s[1] >= 'A' ? (s[1] & ~0x20) - 'A' + 10 : s[1] - '0';
			lo = s[2] >= 'A' ? (s[2] & ~0x20) - 'A' + 10 : s[2] - '0';
			if (hi >= 0 && hi < 16 && lo >= 0 && lo < 16) {
				*w++ = (char)(hi * 16 + lo);
				s += 2;
				continue;
			}
		}
		*w++ = *s;
	}
	*w = '\0';
	return out;
}

static int
read_attendee(struct pd_ical_ctx *c, struct pd_event *ev, icalproperty *p,
    size_t k)
{
	struct pd_attendance *na, *a;
	icalparameter *par;
	uint32_t line = line_of(c, k, "ATTENDEE");
	char *v = NULL, *cn;
	int rc;

	if ((v = param_dup(p, "X-PODIUM-TALK")) != NULL) {
		free(v);	/* a speaker: X-PODIUM-TALK holds the talk */
		return PD_OK;
	}
	if ((na = realloc(ev->attendances,
	    (ev->nattendances + 1) * sizeof(*na))) == NULL)
		return PD_ENOMEM;
	ev->attendances = na;
	a = &na[ev->nattendances++];
	memset(a, 0, sizeof(*a));
	a->updated = ev->updated;
	a->status = partstat_of(p);
	a->role = role_of(p);
	if ((v = param_dup(p, "X-PODIUM-ROLE")) != NULL &&
	    pd_role_parse(v, &a->role) != PD_OK) {
		rc = fail(c, PD_EINVAL, line,
		    "ATTENDEE: unknown X-PODIUM-ROLE '%s'", v);
		free(v);
		return rc;
	}
	free(v);
	if (a->status == PD_PART_DELEGATED) {
		a->delegate = param_dup(p, "X-PODIUM-DELEGATE");
		if (a->delegate == NULL && (par =
		    icalproperty_get_first_parameter(p,
		    ICAL_DELEGATEDTO_PARAMETER)) != NULL &&
		    icalparameter_get_delegatedto(par) != NULL &&
		    (a->delegate = delegate_name(
		    icalparameter_get_delegatedto(par))) == NULL)
			return PD_ENOMEM;
	}
	cn = param_dup(p, "CN");
	rc = person_of(c, icalproperty_get_attendee(p), cn, &a->person, line);
	free(cn);
	return rc;
}

/*
 * A UID for a VEVENT that has none, derived from its content so that
 * importing the same file twice updates instead of duplicating:
 * "podium-<16 hex digits of FNV-1a over DTSTART (with TZID) and
 * SUMMARY>@import".
 */
static char *
derived_uid(icalcomponent *ve)
{
	static const char hex[] = "0123456789abcdef";
	icalproperty *p;
	const char *tz = NULL, *sum = NULL;
	char *raw = NULL, out[64];
	uint64_t h = PD_ICAL_HASH_SEED;
	int i;

	if ((p = icalcomponent_get_first_property(ve, ICAL_DTSTART_PROPERTY))
	    != NULL) {
		raw = icalproperty_get_value_as_string_r(p);
		tz = icalproperty_get_parameter_as_string(p, "TZID");
	}
	if ((p = icalcomponent_get_first_property(ve, ICAL_SUMMARY_PROPERTY))
	    != NULL)
		sum = icalproperty_get_summary(p);
	h = pd_ical_hash(raw != NULL ? raw : "", raw != NULL ? strlen(raw) :
	    0, h);
	h = pd_ical_hash("\n", 1, h);
	h = pd_ical_hash(tz != NULL ? tz : "", tz != NULL ? strlen(tz) : 0, h);
	h = pd_ical_hash("\n", 1, h);
	h = pd_ical_hash(sum != NULL ? sum : "", sum != NULL ? strlen(sum) :
	    0, h);
	free(raw);
	memcpy(out, "podium-", 7);
	for (i = 0; i < 16; i++)
		out[7 + i] = hex[(h >> (60 - 4 * i)) & 15];
	memcpy(out + 23, "@import", 8);
	return strdup(out);
}

static int
is_talk_event(icalcomponent *ve)
{
	icalproperty *p;

	for (p = icalcomponent_get_first_property(ve, ICAL_X_PROPERTY);
	    p != NULL; p = icalcomponent_get_next_property(ve, ICAL_X_PROPERTY))
		if (xname_is(p, "X-PODIUM-KIND") && xvalue(p) != NULL &&
		    strcasecmp(xvalue(p), "talk") == 0)
			return 1;
	return 0;
}

static int64_t
prop_utc(icalcomponent *ve, icalproperty_kind kind)
{
	icalproperty *p = icalcomponent_get_first_property(ve, kind);
	struct icaltimetype t;

	if (p == NULL)
		return 0;
	t = icalvalue_get_datetime(icalproperty_get_value(p));
	if (!valid_time(&t))
		return 0;
	return (int64_t)icaltime_as_timet_with_zone(t,
	    icaltimezone_get_utc_timezone());
}

/* Remembers a talk VEVENT's updated time for its X-PODIUM-TALK. */
static int
note_talk_event(struct pd_ical_ctx *c, icalcomponent *ve)
{
	const char *uid = icalcomponent_get_uid(ve);
	int64_t *nu;
	int64_t upd;

	if (uid == NULL)
		return PD_OK;
	upd = prop_utc(ve, ICAL_LASTMODIFIED_PROPERTY);
	if (upd == 0)
		upd = prop_utc(ve, ICAL_DTSTAMP_PROPERTY);
	if ((nu = realloc(c->tupd, (c->ntupd + 1) * sizeof(*nu))) == NULL)
		return PD_ENOMEM;
	c->tupd = nu;
	nu[c->ntupd] = upd;
	if (smap_put(&c->tmap, uid, c->ntupd) != PD_OK)
		return PD_ENOMEM;
	c->ntupd++;
	return PD_OK;
}

static int
read_times(struct pd_ical_ctx *c, struct pd_event *ev, icalcomponent *ve, size_t k)
{
	icalproperty *ps, *pe, *pd;
	struct when s, e;
	char buf[17];
	int64_t secs;
	int rc;

	if ((ps = icalcomponent_get_first_property(ve,
	    ICAL_DTSTART_PROPERTY)) == NULL)
		return fail(c, PD_EPARSE, line_of(c, k, NULL),
		    "VEVENT without DTSTART");
	if ((rc = read_when(c, ps, "DTSTART", k, &s)) != PD_OK)
		return rc;
	if (dup_to(&ev->tzid, s.tzid) != PD_OK ||
	    dup_to(&ev->start, s.local) != PD_OK)
		return PD_ENOMEM;
	ev->all_day = s.is_date;
	ev->start_utc = s.utc;
	pe = icalcomponent_get_first_property(ve, ICAL_DTEND_PROPERTY);
	pd = icalcomponent_get_first_property(ve, ICAL_DURATION_PROPERTY);
	if (pe != NULL) {
		if ((rc = read_when(c, pe, "DTEND", k, &e)) != PD_OK)
			return rc;
		if (e.is_date != s.is_date)
			return fail(c, PD_EINVAL, line_of(c, k, "DTEND"),
			    "DTEND: a date and a date-time do not mix");
		if (s.is_date || strcmp(e.tzid, s.tzid) == 0) {
			memcpy(buf, e.local, sizeof(buf));
		} else if (pd_tz_from_utc(e.utc, s.tzid, buf) != PD_OK) {
			return fail(c, PD_EINVAL, line_of(c, k, "DTEND"),
			    "DTEND: out of range");
		}
		ev->end_utc = e.utc;
	} else if (pd != NULL || s.is_date) {
		struct icaldurationtype d = pd != NULL ?
		    icalproperty_get_duration(pd) :
		    icaldurationtype_from_int(86400);

		if (d.is_neg || icaldurationtype_is_bad_duration(d))
			return fail(c, PD_EINVAL, line_of(c, k, "DURATION"),
			    "DURATION: invalid or negative");
		secs = icaldurationtype_as_int(d);
		if (s.is_date) {
			/* Whole days on the calendar, not 24-hour spans. */
			if (secs % 86400 != 0)
				return fail(c, PD_EINVAL,
				    line_of(c, k, "DURATION"),
				    "DURATION: an all-day event lasts whole "
				    "days");
			if (pd_tz_from_utc(s.utc + secs + 12 * 3600,
			    s.tzid, buf) != PD_OK)
				return PD_EINVAL;
			buf[10] = '\0';
			pd_tz_to_utc(buf, s.tzid, 1, &ev->end_utc);
		} else {
			ev->end_utc = s.utc + secs;
			if (pd_tz_from_utc(ev->end_utc, s.tzid, buf) != PD_OK)
				return fail(c, PD_EINVAL,
				    line_of(c, k, "DURATION"),
				    "DURATION: out of range");
		}
	} else {
		/* RFC 5545 3.6.1: no DTEND, no DURATION: ends at DTSTART. */
		memcpy(buf, s.local, sizeof(buf));
		ev->end_utc = s.utc;
	}
	return dup_to(&ev->end, buf);
}

static int
read_event(struct pd_ical_ctx *c, icalcomponent *ve, size_t k, struct pd_event *ev)
{
	icalproperty *p;
	const char *v, *xdesc = NULL, *desc = NULL;
	int podium_text = 0, have_xdesc = 0;
	int rc = PD_ENOMEM;

	ev->updated = prop_utc(ve, ICAL_LASTMODIFIED_PROPERTY);
	if (ev->updated == 0)
		ev->updated = prop_utc(ve, ICAL_DTSTAMP_PROPERTY);
	ev->created = prop_utc(ve, ICAL_CREATED_PROPERTY);
	ev->status = PD_EVENT_CONFIRMED;
	if ((v = icalcomponent_get_uid(ve)) != NULL && *v != '\0') {
		if (dup_to(&ev->uid, v) != PD_OK)
			return PD_ENOMEM;
	} else if ((ev->uid = derived_uid(ve)) == NULL) {
		return PD_ENOMEM;
	}
	if ((rc = read_times(c, ev, ve, k)) != PD_OK)
		return rc;
	rc = PD_ENOMEM;
	for (p = icalcomponent_get_first_property(ve, ICAL_ANY_PROPERTY);
	    p != NULL;
	    p = icalcomponent_get_next_property(ve, ICAL_ANY_PROPERTY)) {
		switch (icalproperty_isa(p)) {
		case ICAL_SUMMARY_PROPERTY:
			if (dup_to(&ev->title, icalproperty_get_summary(p)) !=
			    PD_OK)
				return PD_ENOMEM;
			break;
		case ICAL_DESCRIPTION_PROPERTY:
			desc = icalproperty_get_description(p);
			break;
		case ICAL_LOCATION_PROPERTY:
			if (dup_to(&ev->location,
			    icalproperty_get_location(p)) != PD_OK)
				return PD_ENOMEM;
			break;
		case ICAL_URL_PROPERTY:
			if (dup_to(&ev->url, icalproperty_get_url(p)) != PD_OK)
				return PD_ENOMEM;
			break;
		case ICAL_STATUS_PROPERTY:
			switch (icalproperty_get_status(p)) {
			case ICAL_STATUS_TENTATIVE:
				ev->status = PD_EVENT_TENTATIVE;
				break;
			case ICAL_STATUS_CONFIRMED:
				ev->status = PD_EVENT_CONFIRMED;
				break;
			case ICAL_STATUS_CANCELLED:
				ev->status = PD_EVENT_CANCELLED;
				break;
			default:
				return fail(c, PD_EINVAL,
				    line_of(c, k, "STATUS"),
				    "STATUS: not TENTATIVE, CONFIRMED or "
				    "CANCELLED");
			}
			break;
		case ICAL_SEQUENCE_PROPERTY:
			ev->sequence = icalproperty_get_sequence(p);
			break;
		case ICAL_CATEGORIES_PROPERTY:
			if (add_topics(ev, icalproperty_get_categories(p)) !=
			    PD_OK)
				return PD_ENOMEM;
			break;
		case ICAL_RRULE_PROPERTY:
			if (ev->rrule == NULL &&
			    (ev->rrule = icalproperty_get_value_as_string_r(p))
			    == NULL)
				return PD_ENOMEM;
			break;
		case ICAL_ORGANIZER_PROPERTY: {
			char *cn = param_dup(p, "CN");

			/*
			 * RFC 5545 allows one ORGANIZER, but files may repeat
			 * it; the last one wins, and the one before must be
			 * freed, as person_of() overwrites *dst (a leak found
			 * by tests/fuzz/fuzz_ical.c).
			 */
			pd_person_clear(&ev->organizer);
			rc = person_of(c, icalproperty_get_organizer(p), cn,
			    &ev->organizer, line_of(c, k, "ORGANIZER"));
			free(cn);
			if (rc != PD_OK)
				return rc;
			break;
		}
		case ICAL_ATTENDEE_PROPERTY:
			if ((rc = read_attendee(c, ev, p, k)) != PD_OK)
				return rc;
			break;
		case ICAL_X_PROPERTY:
			v = xvalue(p);
			if (xname_is(p, "X-PODIUM-DESCRIPTION")) {
				xdesc = v;
				have_xdesc = 1;
			} else if (xname_is(p, "X-PODIUM-LINK") && v != NULL) {
				if (push_str(&ev->links, &ev->nlinks, v) !=
				    PD_OK)
					return PD_ENOMEM;
			} else if (xname_is(p, "X-PODIUM-GROUP") && v != NULL) {
				/* Repeated: the last wins (fuzz_ical leak). */
				free(ev->group_slug);
				ev->group_slug = NULL;
				if (dup_to(&ev->group_name, v) != PD_OK ||
				    (ev->group_slug = pd_slug(v)) == NULL)
					return PD_ENOMEM;
			} else if (xname_is(p, "X-PODIUM-ATTENDANCE")) {
				ev->public_attendance = v != NULL &&
				    strcasecmp(v, "PUBLIC") == 0;
			} else if (xname_is(p, "X-PODIUM-AGENDA")) {
				podium_text = 1;
				if ((rc = read_agenda(c, ev, p, k)) != PD_OK)
					return rc;
			} else if (xname_is(p, "X-PODIUM-TALK")) {
				podium_text = 1;
				if ((rc = read_talk(c, ev, p, k)) != PD_OK)
					return rc;
			}
			/* Other X- properties are ignored. */
			break;
		default:
			break;
		}
	}
	/*
	 * With agenda or talks, DESCRIPTION holds them as text too; the
	 * bare description is X-PODIUM-DESCRIPTION (absent: none).
	 */
	if (dup_to(&ev->description, podium_text || have_xdesc ? xdesc :
	    desc) != PD_OK)
		return PD_ENOMEM;
	return PD_OK;
}

static int
add_event(struct pd_ical_ctx *c, icalcomponent *ve, size_t k, size_t *cap)
{
	struct pd_calendar *cal = c->cal;
	struct pd_event *ne;
	int rc;

	if (cal->nevents == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;

		if ((ne = realloc(cal->events, nc * sizeof(*ne))) == NULL)
			return PD_ENOMEM;
		cal->events = ne;
		*cap = nc;
	}
	ne = &cal->events[cal->nevents];
	memset(ne, 0, sizeof(*ne));
	rc = read_event(c, ve, k, ne);
	/* Counted even on failure, so that pd_calendar_free frees it. */
	cal->nevents++;
	return rc;
}

static int
convert(struct pd_ical_ctx *c, icalcomponent *root)
{
	icalcomponent *sub;
	icalproperty *p;
	const char *v;
	size_t k, cap = 0;
	int rc = PD_OK, n_kids = 0;

	for (sub = icalcomponent_get_first_component(root, ICAL_ANY_COMPONENT);
	    sub != NULL;
	    sub = icalcomponent_get_next_component(root, ICAL_ANY_COMPONENT))
		n_kids++;
	if ((size_t)n_kids != c->nkids)	/* cannot map lines: whole file */
		c->nkids = 0;
	for (p = icalcomponent_get_first_property(root, ICAL_ANY_PROPERTY);
	    p != NULL && rc == PD_OK;
	    p = icalcomponent_get_next_property(root, ICAL_ANY_PROPERTY)) {
		if (icalproperty_isa(p) == ICAL_NAME_PROPERTY)
			rc = dup_to(&c->cal->name, icalproperty_get_name(p));
		else if (icalproperty_isa(p) == ICAL_X_PROPERTY &&
		    xname_is(p, "X-WR-CALNAME") && c->cal->name == NULL &&
		    (v = xvalue(p)) != NULL)
			rc = dup_to(&c->cal->name, v);
		else if (icalproperty_isa(p) == ICAL_X_PROPERTY &&
		    xname_is(p, "X-PODIUM-PERSON"))
			rc = read_person(c, p,
			    line_of(c, SIZE_MAX, "X-PODIUM-PERSON"));
	}
	for (p = icalcomponent_get_first_property(root, ICAL_X_PROPERTY);
	    p != NULL && rc == PD_OK;
	    p = icalcomponent_get_next_property(root, ICAL_X_PROPERTY))
		if (xname_is(p, "X-PODIUM-MEMBER"))
			rc = read_member(c, p,
			    line_of(c, SIZE_MAX, "X-PODIUM-MEMBER"));
		else if (xname_is(p, "X-PODIUM-GROUP-ATTENDANCE"))
			rc = read_group_attendance(c, p, line_of(c, SIZE_MAX,
			    "X-PODIUM-GROUP-ATTENDANCE"));
	/* Zones and talk VEVENTs first: events refer to both. */
	for (sub = icalcomponent_get_first_component(root, ICAL_ANY_COMPONENT);
	    sub != NULL && rc == PD_OK;
	    sub = icalcomponent_get_next_component(root, ICAL_ANY_COMPONENT)) {
		if (icalcomponent_isa(sub) == ICAL_VTIMEZONE_COMPONENT)
			rc = add_zone(c, sub);
		else if (icalcomponent_isa(sub) == ICAL_VEVENT_COMPONENT &&
		    is_talk_event(sub))
			rc = note_talk_event(c, sub);
	}
	k = 0;
	for (sub = icalcomponent_get_first_component(root, ICAL_ANY_COMPONENT);
	    sub != NULL && rc == PD_OK;
	    sub = icalcomponent_get_next_component(root, ICAL_ANY_COMPONENT),
	    k++) {
		if (icalcomponent_isa(sub) != ICAL_VEVENT_COMPONENT ||
		    is_talk_event(sub))
			continue;
		/*
		 * An override of one occurrence (RECURRENCE-ID) shares the
		 * UID of its series; podium keeps series whole, so it is
		 * left out rather than imported as a second event.
		 */
		if (icalcomponent_get_first_property(sub,
		    ICAL_RECURRENCEID_PROPERTY) != NULL)
			continue;
		rc = add_event(c, sub, c->nkids != 0 ? k : SIZE_MAX, &cap);
	}
	return rc;
}

/* The state one content chunk leaves behind (see pd_ical_ctx_parse). */
static void
chunk_clear(struct pd_ical_ctx *c)
{
	pd_calendar_free(c->cal);
	c->cal = NULL;
	free(c->lines);
	c->lines = NULL;
	c->nlines = c->caplines = 0;
	free(c->kids);
	c->kids = NULL;
	c->nkids = c->capkids = 0;
	pd_buf_free(&c->text);
}

int
pd_ical_ctx_new(struct pd_error *err, struct pd_ical_ctx **out)
{
	struct pd_ical_ctx *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return pd_error_set(err, PD_ENOMEM, NULL,
		    "out of memory parsing calendar");
	c->err = err;
	*out = c;
	return PD_OK;
}

void
pd_ical_ctx_free(struct pd_ical_ctx *c)
{
	size_t i;

	if (c == NULL)
		return;
	chunk_clear(c);
	for (i = 0; i < c->npeople; i++)
		pd_person_clear(&c->people[i]);
	free(c->people);
	smap_free(&c->pmap);
	smap_free(&c->tmap);
	free(c->tupd);
	for (i = 0; i < c->nzones; i++) {
		icaltimezone_free(c->zones[i].z, 1);
		free(c->zones[i].tzid);
	}
	free(c->zones);
	free(c);
}

int
pd_ical_ctx_parse(struct pd_ical_ctx *c, const char *text, size_t len,
    uint32_t first_line, struct pd_calendar **out)
{
	icalcomponent *root = NULL;
	icalproperty *e;
	int rc;

	chunk_clear(c);
	c->first_line = first_line;
	if (text == NULL)
		len = 0;
	if ((rc = prescan(c, text, len)) != PD_OK)
		goto out;
	if ((root = icalparser_parse_string(c->text.data)) == NULL ||
	    icalcomponent_isa(root) != ICAL_VCALENDAR_COMPONENT) {
		icalerror_clear_errno();
		rc = fail(c, PD_EPARSE, first_line,
		    "not an iCalendar VCALENDAR");
		goto out;
	}
	icalerror_clear_errno();
	if ((e = first_error(root)) != NULL) {
		size_t k = 0;
		icalcomponent *sub;

		/* Which child of VCALENDAR holds it, for the line. */
		for (sub = icalcomponent_get_first_component(root,
		    ICAL_ANY_COMPONENT); sub != NULL; sub =
		    icalcomponent_get_next_component(root,
		    ICAL_ANY_COMPONENT), k++)
			if (first_error(sub) == e)
				break;
		rc = report_error(c, e, sub != NULL ? k : SIZE_MAX);
		goto out;
	}
	if ((c->cal = calloc(1, sizeof(*c->cal))) == NULL) {
		rc = PD_ENOMEM;
		goto out;
	}
	if ((rc = convert(c, root)) != PD_OK)
		goto out;
	*out = c->cal;
	c->cal = NULL;
out:
	if (rc == PD_ENOMEM)
		pd_error_set(c->err, rc, NULL, "out of memory parsing calendar");
	if (root != NULL)
		icalcomponent_free(root);
	chunk_clear(c);
	return rc;
}

int
pd_ical_parse(const char *text, size_t len, struct pd_calendar **out,
    struct pd_error *err)
{
	struct pd_ical_ctx *c = NULL;
	int rc;

	if ((rc = pd_ical_ctx_new(err, &c)) != PD_OK)
		return rc;
	if (text != NULL && len > PD_ICAL_MAX_INPUT)
		rc = fail(c, PD_ETOOBIG, 0, "input larger than %u bytes",
		    PD_ICAL_MAX_INPUT);
	else
		rc = pd_ical_ctx_parse(c, text, len, 1, out);
	pd_ical_ctx_free(c);
	return rc;
}
