/*
 * The mail planner (plan.h).  Everything here is a function of its input:
 * the events with their parts, the keys the outbox already holds, and
 * "now".  The rules are listed in plan.h; this file only applies them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "podium/buf.h"
#include "podium/plan.h"
#include "podium/tz.h"

#define MAX_OCCURRENCES 64	/* per event and pass; offsets are days */

static const char *const kind_names[] = {
	"speaker-request", "nudge", "nudge", "speaker-answer", "invitation",
	"update", "cancellation", "reminder", "test"
};

const char *
pd_mail_kind_name(enum pd_mail_kind k)
{
	return (size_t)k < sizeof(kind_names) / sizeof(kind_names[0]) ?
	    kind_names[k] : "?";
}

const char *
pd_mail_kind_template(enum pd_mail_kind k)
{
	return k == PD_MAIL_NUDGE_VIA ? "nudge-via" : pd_mail_kind_name(k);
}

struct planner {
	const struct pd_plan_input *in;
	const struct pd_sent **sorted;	/* in->sent by key */
	struct pd_mail *out;
	size_t n, cap;
	/*
	 * The keys planned in this pass, as an open-addressing hash of
	 * indexes into out (plus one; 0 is empty).  Keys name their event
	 * (or its talk), so this finds exactly the duplicates within one
	 * event, at a cost per mail that does not grow with the event.
	 */
	size_t *seen;
	size_t seen_cap;
	struct pd_buf key;
	int err;
};

static uint64_t
hash_key(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The slot of key in seen: where it is, or the empty one to take. */
static size_t
seen_slot(const struct planner *p, const char *k)
{
	size_t j = hash_key(k) & (p->seen_cap - 1);

	while (p->seen[j] != 0 && strcmp(p->out[p->seen[j] - 1].key, k) != 0)
		j = (j + 1) & (p->seen_cap - 1);
	return j;
}

/* Room for one more key (load at most one half). */
static int
seen_grow(struct planner *p)
{
	size_t *old = p->seen, oldcap = p->seen_cap, i;

	if ((p->n + 1) * 2 <= p->seen_cap)
		return PD_OK;
	p->seen_cap = oldcap != 0 ? oldcap * 2 : 64;
	if ((p->seen = calloc(p->seen_cap, sizeof(*p->seen))) == NULL) {
		p->seen = old;
		p->seen_cap = oldcap;
		return PD_ENOMEM;
	}
	for (i = 0; i < oldcap; i++)
		if (old[i] != 0)
			p->seen[seen_slot(p, p->out[old[i] - 1].key)] = old[i];
	free(old);
	return PD_OK;
}

static int
cmp_sent(const void *a, const void *b)
{
	const struct pd_sent *const *x = a, *const *y = b;

	return strcmp((*x)->key, (*y)->key);
}

static const struct pd_sent *
sent(struct planner *p, const char *key)
{
	const struct pd_sent probe = { key, 0, 0 }, *pp = &probe, **hit;

	if (p->in->nsent == 0)
		return NULL;
	hit = bsearch(&pp, p->sorted, p->in->nsent, sizeof(*p->sorted),
	    cmp_sent);
	return hit != NULL ? *hit : NULL;
}

/* The key being built, formatted; NULL when memory ran out. */
static const char *
key(struct planner *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static const char *
key(struct planner *p, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		p->err = PD_ENOMEM;
		return NULL;
	}
	pd_buf_reset(&p->key);
	pd_buf_add(&p->key, s, (size_t)n);
	free(s);
	return pd_buf_failed(&p->key) ? NULL : p->key.data;
}

static int
has_address(const struct pd_person *who)
{
	return who != NULL && who->email != NULL && who->email[0] != '\0';
}

/*
 * Adds a mail for the key just built, unless it is in the outbox or was
 * planned a moment ago for the same event (a person can be attendee and
 * speaker at once).
 */
static struct pd_mail *
add(struct planner *p, enum pd_mail_kind kind, const struct pd_event *ev,
    const struct pd_person *to)
{
	struct pd_mail *m;
	size_t slot;

	if (p->err != PD_OK || p->key.data == NULL || !has_address(to) ||
	    sent(p, p->key.data) != NULL)
		return NULL;
	if (seen_grow(p) != PD_OK) {
		p->err = PD_ENOMEM;
		return NULL;
	}
	slot = seen_slot(p, p->key.data);
	if (p->seen[slot] != 0)
		return NULL;
	if (p->n == p->cap) {
		size_t cap = p->cap != 0 ? p->cap * 2 : 16;

		if ((m = realloc(p->out, cap * sizeof(*m))) == NULL) {
			p->err = PD_ENOMEM;
			return NULL;
		}
		p->out = m;
		p->cap = cap;
	}
	m = &p->out[p->n];
	memset(m, 0, sizeof(*m));
	if ((m->key = strdup(p->key.data)) == NULL) {
		p->err = PD_ENOMEM;
		return NULL;
	}
	m->kind = kind;
	m->ev = ev;
	m->to = to;
	m->sequence = ev->sequence;
	m->occurrence = ev->start_utc;
	p->n++;
	p->seen[slot] = p->n;
	return m;
}

/* Is the event (its last occurrence) over at now? */
static int
over(const struct pd_event *ev, int64_t now)
{
	return (ev->series_end_utc != 0 ? ev->series_end_utc :
	    ev->end_utc) <= now;
}

static void
plan_talks(struct planner *p, const struct pd_event *ev)
{
	const struct pd_plan_input *in = p->in;
	const struct pd_sent *req, *last;
	const struct pd_person *boss;
	struct pd_mail *m;
	size_t i;
	int n;

	for (i = 0; i < ev->ntalks; i++) {
		const struct pd_talk *t = &ev->talks[i];

		/* Whom to tell about this speaker: the intermediary first. */
		boss = t->via.name != NULL ? &t->via : &ev->organizer;
		key(p, "speaker-request/%s", t->uid);
		req = sent(p, p->key.data != NULL ? p->key.data : "");
		if (t->status == PD_TALK_REQUESTED) {
			if (ev->status == PD_EVENT_CANCELLED ||
			    over(ev, in->now))
				continue;
			if (req == NULL) {
				if ((m = add(p, PD_MAIL_SPEAKER_REQUEST, ev,
				    &t->speaker)) != NULL) {
					m->talk = t;
					m->cc = has_address(&t->via) ?
					    &t->via : NULL;
				}
				continue;
			}
			if (in->nudge <= 0)
				continue;
			/*
			 * Each mail that asked (the request, then nudge 1 and
			 * 2) waits `nudge` after the one before it, so that
			 * after a pause the speaker gets one nudge now and
			 * the next one `nudge` later, not all of them at once:
			 * a pass at the same instant plans nothing new.
			 */
			last = req;
			for (n = 1; n <= 2; n++) {
				const struct pd_sent *s;

				if (key(p, "nudge/%s/%d", t->uid, n) == NULL)
					return;
				if ((s = sent(p, p->key.data)) == NULL)
					break;
				last = s;
			}
			if (in->now < last->created + in->nudge)
				continue;
			if (n <= 2) {
				key(p, "nudge/%s/%d", t->uid, n);
				if ((m = add(p, PD_MAIL_NUDGE, ev,
				    &t->speaker)) != NULL) {
					m->talk = t;
					m->nudge = n;
					m->cc = has_address(&t->via) ?
					    &t->via : NULL;
				}
			} else {
				key(p, "nudge-via/%s", t->uid);
				if ((m = add(p, PD_MAIL_NUDGE_VIA, ev,
				    boss)) != NULL)
					m->talk = t;
			}
		} else if (req != NULL && (t->status == PD_TALK_CONFIRMED ||
		    t->status == PD_TALK_DECLINED)) {
			key(p, "speaker-answer/%s/%s", t->uid,
			    pd_talk_status_name(t->status));
			if ((m = add(p, PD_MAIL_SPEAKER_ANSWER, ev, boss)) != NULL)
				m->talk = t;
		}
	}
}

/* An invitation, update or cancellation for one person of the event. */
static void
plan_itip(struct planner *p, const struct pd_event *ev,
    const struct pd_attendance *att, const struct pd_person *who,
    int invitable)
{
	const struct pd_sent *inv;
	struct pd_mail *m = NULL;
	char *ikey;

	if (!has_address(who) || key(p, "invitation/%s/%lld", ev->uid,
	    (long long)who->id) == NULL)
		return;
	if ((ikey = strdup(p->key.data)) == NULL) {
		p->err = PD_ENOMEM;
		return;
	}
	inv = sent(p, ikey);
	if (ev->status == PD_EVENT_CANCELLED) {
		if (inv != NULL && key(p, "cancellation/%s/%lld", ev->uid,
		    (long long)who->id) != NULL)
			m = add(p, PD_MAIL_CANCELLATION, ev, who);
	} else if (inv == NULL) {
		if (invitable && !over(ev, p->in->now)) {
			key(p, "%s", ikey);
			m = add(p, PD_MAIL_INVITATION, ev, who);
		}
	} else if (invitable && inv->sequence < ev->sequence &&
	    !over(ev, p->in->now)) {
		if (key(p, "update/%s/%lld/%d", ev->uid, (long long)who->id,
		    ev->sequence) != NULL)
			m = add(p, PD_MAIL_UPDATE, ev, who);
	}
	if (m != NULL)
		m->att = att;
	free(ikey);
}

static void
plan_reminders(struct planner *p, const struct pd_event *ev)
{
	const struct pd_plan_input *in = p->in;
	int64_t starts[MAX_OCCURRENCES], moment, gap;
	struct pd_mail *m;
	size_t nocc, o, i, j;

	if (ev->status == PD_EVENT_CANCELLED || in->noffsets == 0)
		return;
	/* Every offset wants an occurrence in (now, now + largest offset]. */
	nocc = pd_plan_occurrences(ev, in->now + 1, in->now + in->offsets[0] + 1,
	    starts, MAX_OCCURRENCES);
	for (o = 0; o < nocc; o++) {
		for (i = 0; i < in->noffsets; i++) {
			moment = starts[o] - in->offsets[i];
			gap = i + 1 < in->noffsets ?
			    in->offsets[i] - in->offsets[i + 1] : in->offsets[i];
			if (in->now < moment || in->now >= moment + gap)
				continue;
			for (j = 0; j < ev->nattendances + ev->ntalks; j++) {
				const struct pd_person *who;
				const struct pd_attendance *a = NULL;

				if (j < ev->nattendances) {
					a = &ev->attendances[j];
					if (a->status != PD_PART_ACCEPTED &&
					    a->status != PD_PART_NEEDS_ACTION)
						continue;
					who = &a->person;
				} else {
					const struct pd_talk *t =
					    &ev->talks[j - ev->nattendances];

					if (t->status != PD_TALK_CONFIRMED)
						continue;
					who = &t->speaker;
				}
				if (key(p, "reminder/%s/%lld/%lld/%lld",
				    ev->uid, (long long)starts[o],
				    (long long)who->id,
				    (long long)in->offsets[i]) == NULL)
					continue;
				if ((m = add(p, PD_MAIL_REMINDER, ev,
				    who)) != NULL) {
					m->occurrence = starts[o];
					m->offset = in->offsets[i];
					m->att = a;
				}
			}
		}
	}
}

int
pd_plan(const struct pd_plan_input *in, struct pd_mail **out, size_t *n)
{
	struct planner p;
	size_t i, j;

	memset(&p, 0, sizeof(p));
	p.in = in;
	pd_buf_init(&p.key, 0);
	if (in->nsent > 0) {
		if ((p.sorted = malloc(in->nsent * sizeof(*p.sorted))) == NULL)
			return PD_ENOMEM;
		for (i = 0; i < in->nsent; i++)
			p.sorted[i] = &in->sent[i];
		qsort(p.sorted, in->nsent, sizeof(*p.sorted), cmp_sent);
	}
	for (i = 0; i < in->nevents && p.err == PD_OK; i++) {
		const struct pd_event *ev = &in->events[i];

		plan_talks(&p, ev);
		for (j = 0; j < ev->nattendances; j++) {
			const struct pd_attendance *a = &ev->attendances[j];

			plan_itip(&p, ev, a, &a->person,
			    a->status != PD_PART_DECLINED &&
			    a->status != PD_PART_DELEGATED);
		}
		for (j = 0; j < ev->ntalks; j++)
			if (ev->talks[j].status == PD_TALK_CONFIRMED)
				plan_itip(&p, ev, NULL,
				    &ev->talks[j].speaker, 1);
		plan_reminders(&p, ev);
	}
	free(p.sorted);
	free(p.seen);
	pd_buf_free(&p.key);
	if (p.err != PD_OK) {
		pd_plan_free(p.out, p.n);
		return p.err;
	}
	*out = p.out;
	*n = p.n;
	return PD_OK;
}

void
pd_plan_free(struct pd_mail *mails, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(mails[i].key);
	free(mails);
}

/* "YYYY-MM-DD HH:MM" or "YYYY-MM-DD" -> an icaltime in zone z. */
static int
local_time(const char *s, int all_day, icaltimezone *z,
    struct icaltimetype *out)
{
	struct icaltimetype t = icaltime_null_time();
	int y, mo, d, h = 0, mi = 0;

	if (all_day) {
		if (sscanf(s, "%4d-%2d-%2d", &y, &mo, &d) != 3)
			return PD_EINVAL;
	} else if (sscanf(s, "%4d-%2d-%2d %2d:%2d", &y, &mo, &d, &h,
	    &mi) != 5) {
		return PD_EINVAL;
	}
	t.year = y;
	t.month = mo;
	t.day = d;
	t.hour = h;
	t.minute = mi;
	t.is_date = all_day;
	if (!all_day)
		t = icaltime_set_timezone(&t, z);
	*out = t;
	return PD_OK;
}

size_t
pd_plan_occurrences(const struct pd_event *ev, int64_t from, int64_t to,
    int64_t *starts, size_t max)
{
	const char *tzid = ev->tzid != NULL ? ev->tzid : PD_TZ_DEFAULT;
	struct icalrecurrencetype r;
	struct icaltimetype dt, next;
	icalrecur_iterator *it;
	icaltimezone *z;
	int64_t t;
	size_t n = 0, steps;

	if (max == 0)
		return 0;
	if (ev->rrule == NULL) {
		if (ev->start_utc >= from && ev->start_utc < to)
			starts[n++] = ev->start_utc;
		return n;
	}
	z = strcmp(tzid, "UTC") == 0 ? icaltimezone_get_utc_timezone() :
	    icaltimezone_get_builtin_timezone(tzid);
	if (z == NULL || local_time(ev->start, ev->all_day, z, &dt) != PD_OK)
		return 0;
	r = icalrecurrencetype_from_string(ev->rrule);
	if (r.freq == ICAL_NO_RECURRENCE)
		return 0;
	if ((it = icalrecur_iterator_new(r, dt)) == NULL)
		return 0;
	/*
	 * Bounded: yearly and monthly series reach any window in a few
	 * hundred steps; a minutely rule is cut off rather than spun on.
	 */
	for (steps = 0; steps < 100000 && n < max; steps++) {
		next = icalrecur_iterator_next(it);
		if (icaltime_is_null_time(next))
			break;
		t = (int64_t)icaltime_as_timet_with_zone(next,
		    next.is_date ? z : z);
		if (t >= to)
			break;
		if (t >= from)
			starts[n++] = t;
	}
	icalrecur_iterator_free(it);
	icalerror_clear_errno();
	return n;
}
