/*
 * The model's plumbing: freeing, copying, enum spellings, slugs and the
 * one validation every entry point (CLI, API, importer) goes through.
 * Nothing here touches the database.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <libical/ical.h>

#include "podium/buf.h"
#include "podium/model.h"
#include "podium/tz.h"

void
pd_person_clear(struct pd_person *p)
{
	if (p == NULL)
		return;
	free(p->uuid);
	free(p->name);
	free(p->email);
	free(p->org_code);
	free(p->org_name);
	free(p->lang);
	memset(p, 0, sizeof(*p));
}

void
pd_agenda_item_clear(struct pd_agenda_item *a)
{
	if (a == NULL)
		return;
	free(a->label);
	free(a->title);
	free(a->from);
	free(a->to);
	memset(a, 0, sizeof(*a));
}

void
pd_talk_clear(struct pd_talk *t)
{
	if (t == NULL)
		return;
	free(t->uid);
	free(t->title);
	pd_person_clear(&t->speaker);
	pd_person_clear(&t->via);
	free(t->alternative_to);
	free(t->start);
	free(t->end);
	free(t->status_by);
	memset(t, 0, sizeof(*t));
}

void
pd_attendance_clear(struct pd_attendance *a)
{
	if (a == NULL)
		return;
	pd_person_clear(&a->person);
	free(a->delegate);
	memset(a, 0, sizeof(*a));
}

static void
free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
pd_event_clear(struct pd_event *ev)
{
	size_t i;

	if (ev == NULL)
		return;
	free(ev->uid);
	free(ev->title);
	free(ev->description);
	free(ev->location);
	free(ev->url);
	free(ev->tzid);
	free(ev->start);
	free(ev->end);
	free(ev->rrule);
	free(ev->group_slug);
	free(ev->group_name);
	pd_person_clear(&ev->organizer);
	free_strv(ev->topics, ev->ntopics);
	free_strv(ev->links, ev->nlinks);
	for (i = 0; i < ev->nagenda; i++)
		pd_agenda_item_clear(&ev->agenda[i]);
	free(ev->agenda);
	for (i = 0; i < ev->ntalks; i++)
		pd_talk_clear(&ev->talks[i]);
	free(ev->talks);
	for (i = 0; i < ev->nattendances; i++)
		pd_attendance_clear(&ev->attendances[i]);
	free(ev->attendances);
	memset(ev, 0, sizeof(*ev));
}

void
pd_group_clear(struct pd_group *g)
{
	size_t i;

	if (g == NULL)
		return;
	free(g->slug);
	free(g->name);
	for (i = 0; i < g->nmembers; i++)
		pd_person_clear(&g->members[i].person);
	free(g->members);
	memset(g, 0, sizeof(*g));
}

void
pd_topic_clear(struct pd_topic *t)
{
	if (t == NULL)
		return;
	free(t->slug);
	free(t->name);
	memset(t, 0, sizeof(*t));
}

void
pd_calendar_free(struct pd_calendar *cal)
{
	size_t i;

	if (cal == NULL)
		return;
	free(cal->name);
	for (i = 0; i < cal->nevents; i++)
		pd_event_clear(&cal->events[i]);
	free(cal->events);
	for (i = 0; i < cal->ngroups; i++)
		pd_group_clear(&cal->groups[i]);
	free(cal->groups);
	free(cal);
}

static int
dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return PD_OK;
	return (*dst = strdup(src)) != NULL ? PD_OK : PD_ENOMEM;
}

int
pd_person_copy(struct pd_person *dst, const struct pd_person *src)
{
	struct pd_person p;

	memset(&p, 0, sizeof(p));
	p.id = src->id;
	if (dup_opt(&p.uuid, src->uuid) != PD_OK ||
	    dup_opt(&p.name, src->name) != PD_OK ||
	    dup_opt(&p.email, src->email) != PD_OK ||
	    dup_opt(&p.org_code, src->org_code) != PD_OK ||
	    dup_opt(&p.org_name, src->org_name) != PD_OK ||
	    dup_opt(&p.lang, src->lang) != PD_OK) {
		pd_person_clear(&p);
		return PD_ENOMEM;
	}
	*dst = p;
	return PD_OK;
}

/*
 * The spellings are the spec's; one table per enum keeps name and parse
 * from drifting apart.
 */
static const char *const event_status_names[] = {
	"tentative", "confirmed", "cancelled"
};
static const char *const talk_status_names[] = {
	"requested", "confirmed", "declined", "withdrawn"
};
static const char *const role_names[] = {
	"chair", "speaker", "participant", "optional"
};
static const char *const partstat_names[] = {
	"needs-action", "accepted", "declined", "tentative", "delegated"
};
static const char *const group_role_names[] = {
	"moderator", "spokesperson", "member"
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *
name_of(const char *const *names, size_t n, int v)
{
	return v >= 0 && (size_t)v < n ? names[v] : "?";
}

static int
parse_name(const char *const *names, size_t n, const char *s, int *out)
{
	size_t i;

	if (s == NULL)
		return PD_EINVAL;
	for (i = 0; i < n; i++) {
		if (strcmp(names[i], s) == 0) {
			*out = (int)i;
			return PD_OK;
		}
	}
	return PD_EINVAL;
}

#define ENUM_FUNCS(fname, type, table)					\
const char *								\
pd_##fname##_name(enum type v)						\
{									\
	return name_of(table, NELEM(table), (int)v);			\
}									\
int									\
pd_##fname##_parse(const char *s, enum type *out)			\
{									\
	int v, rc;							\
									\
	if ((rc = parse_name(table, NELEM(table), s, &v)) == PD_OK)	\
		*out = (enum type)v;					\
	return rc;							\
}

ENUM_FUNCS(event_status, pd_event_status, event_status_names)
ENUM_FUNCS(talk_status, pd_talk_status, talk_status_names)
ENUM_FUNCS(role, pd_role, role_names)
ENUM_FUNCS(partstat, pd_partstat, partstat_names)
ENUM_FUNCS(group_role, pd_group_role, group_role_names)

char *
pd_slug(const char *name)
{
	static const struct {
		const char *utf8;
		const char *ascii;
	} fold[] = {
		{ "\xc3\xa4", "ae" }, { "\xc3\xb6", "oe" }, { "\xc3\xbc", "ue" },
		{ "\xc3\x84", "ae" }, { "\xc3\x96", "oe" }, { "\xc3\x9c", "ue" },
		{ "\xc3\x9f", "ss" },
	};
	struct pd_buf b = PD_BUF_INIT;
	const unsigned char *s = (const unsigned char *)name;
	int dash = 0;
	size_t i;

	while (*s != '\0') {
		for (i = 0; i < NELEM(fold); i++) {
			if (strncmp((const char *)s, fold[i].utf8, 2) == 0)
				break;
		}
		if (i < NELEM(fold) || isalnum(*s) != 0) {
			if (dash && b.len > 0)
				pd_buf_add(&b, "-", 1);
			dash = 0;
			if (i < NELEM(fold)) {
				pd_buf_add(&b, fold[i].ascii, 2);
				s += 2;
			} else {
				char c = (char)tolower(*s++);
				pd_buf_add(&b, &c, 1);
			}
			continue;
		}
		dash = 1;
		s++;
	}
	return pd_buf_detach(&b, NULL);
}

static int
empty(const char *s)
{
	return s == NULL || s[strspn(s, " \t")] == '\0';
}

/* "HH:MM", 00:00 to 23:59; also the canonical form, so it compares. */
static int
valid_hhmm(const char *s)
{
	return s != NULL && strlen(s) == 5 && isdigit((unsigned char)s[0]) &&
	    isdigit((unsigned char)s[1]) && s[2] == ':' &&
	    isdigit((unsigned char)s[3]) && isdigit((unsigned char)s[4]) &&
	    (s[0] - '0') * 10 + (s[1] - '0') < 24 &&
	    (s[3] - '0') * 10 + (s[4] - '0') < 60;
}

/*
 * Characters that a CR or LF would let escape into a mail header or an
 * iCalendar line: single-line fields must not hold them.
 */
static int
has_newline(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n") != NULL;
}

static int
check_line(const char *field, const char *s, struct pd_error *err)
{
	if (has_newline(s))
		return pd_error_set(err, PD_EINVAL, field,
		    "%s: must be a single line", field);
	return PD_OK;
}

static int
check_time(const char *field, const char *value, const char *tzid,
    int all_day, int64_t *utc, struct pd_error *err)
{
	if (empty(value))
		return pd_error_set(err, PD_EINVAL, field, "%s: missing", field);
	if (pd_tz_to_utc(value, tzid, all_day, utc) != PD_OK)
		return pd_error_set(err, PD_EINVAL, field,
		    all_day ? "%s: '%s' is not a valid date (YYYY-MM-DD)" :
		    "%s: '%s' is not a valid time (YYYY-MM-DD HH:MM)",
		    field, value);
	return PD_OK;
}

int
pd_event_validate(const struct pd_event *ev, struct pd_error *err)
{
	const char *tz = ev->tzid != NULL ? ev->tzid : PD_TZ_DEFAULT;
	int64_t s, e;
	size_t i;
	char field[64];
	int rc;

	if (empty(ev->title))
		return pd_error_set(err, PD_EINVAL, "title", "title: missing");
	if ((rc = check_line("title", ev->title, err)) != PD_OK ||
	    (rc = check_line("location", ev->location, err)) != PD_OK ||
	    (rc = check_line("url", ev->url, err)) != PD_OK ||
	    (rc = check_line("uid", ev->uid, err)) != PD_OK)
		return rc;
	if (!pd_tz_known(tz))
		return pd_error_set(err, PD_EINVAL, "tz",
		    "tz: unknown time zone '%s'", tz);
	if ((rc = check_time("start", ev->start, tz, ev->all_day, &s,
	    err)) != PD_OK ||
	    (rc = check_time("end", ev->end, tz, ev->all_day, &e,
	    err)) != PD_OK)
		return rc;
	if (e < s || (e == s && ev->all_day))
		return pd_error_set(err, PD_EINVAL, "end",
		    "end: %s is before the start %s", ev->end, ev->start);
	if (ev->rrule != NULL) {
		struct icalrecurrencetype r;

		if (has_newline(ev->rrule))
			return pd_error_set(err, PD_EINVAL, "rrule",
			    "rrule: must be a single line");
		r = icalrecurrencetype_from_string(ev->rrule);
		icalerror_clear_errno();
		if (r.freq == ICAL_NO_RECURRENCE)
			return pd_error_set(err, PD_EINVAL, "rrule",
			    "rrule: '%s' is not a valid recurrence rule",
			    ev->rrule);
	}
	for (i = 0; i < ev->ntopics; i++) {
		snprintf(field, sizeof(field), "topics[%zu]", i);
		if (empty(ev->topics[i]))
			return pd_error_set(err, PD_EINVAL, field,
			    "%s: empty topic", field);
		if ((rc = check_line(field, ev->topics[i], err)) != PD_OK)
			return rc;
	}
	for (i = 0; i < ev->nagenda; i++) {
		const struct pd_agenda_item *a = &ev->agenda[i];

		snprintf(field, sizeof(field), "agenda[%zu]", i);
		if (empty(a->title))
			return pd_error_set(err, PD_EINVAL, field,
			    "%s.title: missing", field);
		if (!valid_hhmm(a->from) || !valid_hhmm(a->to) ||
		    strcmp(a->from, a->to) > 0)
			return pd_error_set(err, PD_EINVAL, field,
			    "%s: times must be HH:MM with from <= to", field);
	}
	for (i = 0; i < ev->ntalks; i++) {
		if ((rc = pd_talk_validate(&ev->talks[i], err)) != PD_OK)
			return rc;
	}
	for (i = 0; i < ev->nattendances; i++) {
		const struct pd_attendance *a = &ev->attendances[i];

		if (a->status == PD_PART_DELEGATED && empty(a->delegate))
			return pd_error_set(err, PD_EINVAL, "delegate",
			    "delegate: a delegated attendance needs the "
			    "delegate's name");
		if ((rc = check_line("delegate", a->delegate, err)) != PD_OK)
			return rc;
	}
	return PD_OK;
}

int
pd_person_validate(const struct pd_person *p, struct pd_error *err)
{
	const char *at;
	int rc;

	if (empty(p->name))
		return pd_error_set(err, PD_EINVAL, "name", "name: missing");
	if ((rc = check_line("name", p->name, err)) != PD_OK ||
	    (rc = check_line("org", p->org_code, err)) != PD_OK ||
	    (rc = check_line("org-name", p->org_name, err)) != PD_OK)
		return rc;
	if (p->email != NULL) {
		/*
		 * Deliberately simple: one '@' with text on both sides and
		 * nothing that could break a header or a mailto: URI.
		 */
		at = strchr(p->email, '@');
		if (at == NULL || at == p->email || at[1] == '\0' ||
		    strchr(at + 1, '@') != NULL ||
		    strpbrk(p->email, " \t\r\n<>,;:\"()[]\\") != NULL)
			return pd_error_set(err, PD_EINVAL, "email",
			    "email: '%s' is not an e-mail address", p->email);
	}
	if (p->lang != NULL && strcmp(p->lang, "de") != 0 &&
	    strcmp(p->lang, "en") != 0)
		return pd_error_set(err, PD_EINVAL, "lang",
		    "lang: '%s' is not one of de, en", p->lang);
	return PD_OK;
}

int
pd_talk_validate(const struct pd_talk *t, struct pd_error *err)
{
	int rc;

	if (empty(t->title))
		return pd_error_set(err, PD_EINVAL, "title",
		    "title: a talk needs a title");
	if ((rc = check_line("title", t->title, err)) != PD_OK)
		return rc;
	if (t->speaker.id == 0 && empty(t->speaker.name))
		return pd_error_set(err, PD_EINVAL, "speaker",
		    "speaker: a talk needs a speaker");
	if ((t->start == NULL) != (t->end == NULL))
		return pd_error_set(err, PD_EINVAL, "end",
		    "end: a talk's own time needs both start and end");
	return PD_OK;
}

int
pd_uuid_new(char out[37])
{
	unsigned char r[16];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(r)) {
		n = getrandom(r + got, sizeof(r) - got, 0);
		if (n < 0)
			return PD_EIO;
		got += (size_t)n;
	}
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	snprintf(out, 37,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
	    r[10], r[11], r[12], r[13], r[14], r[15]);
	return PD_OK;
}
