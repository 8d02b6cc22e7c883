/*
 * The calendar-reply intake (reply.h): one RFC 5322 message in, the
 * invitee's answer recorded, or a reason why not.
 *
 * Reading is done by the libraries that know the formats: GMime walks the
 * MIME tree and undoes the transfer encoding, libical reads the
 * VCALENDAR.  What clients really send decides how lenient it is: the
 * calendar may be text/calendar or application/ics (Gmail), its method=
 * parameter in any case or missing (it is not consulted: METHOD inside
 * is), ORGANIZER may be missing (Outlook), and several ATTENDEEs may be
 * listed (only the invitee's counts).
 *
 * What a reply may change is decided by the tag of the address it was
 * sent to (reply_tag.c): it names the event and the invitee and cannot
 * be forged, so a reply can only ever answer for the person it was sent
 * to.  Anything else that looks like an answer (another ATTENDEE, a
 * delegation) goes to the organizer's list instead of being applied.
 *
 * Not here: fetching mail (imap.c, `podium mail receive`), the SQL
 * (store_reply.c).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>
#include <libical/ical.h>

#include "podium/buf.h"
#include "podium/reply.h"
#include "podium/store.h"
#include "podium/token.h"
#include "reply_int.h"

#define MAX_CAL (1024 * 1024)	/* one reply's calendar; real ones are ~2 KiB */
#define MAX_CANDIDATES 32	/* addresses a tag is looked for in */

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void
gmime_start(void)
{
	g_mime_init();
}

/* What a message says, as far as a reply is concerned. */
struct parsed {
	char *message_id;
	char *sender;			/* From address */
	char *cand[MAX_CANDIDATES];	/* To, Cc, Delivered-To... */
	size_t ncand;
	int has_cal;			/* a calendar part was found */
	char *cal;			/* its text, decoded */
};

struct reply_event {
	char *uid;
	char *method;			/* NULL: none */
	char *organizer;
	int64_t sequence;
	int64_t dtstamp;		/* -1: none */
	int recurrence;			/* RECURRENCE-ID: one occurrence */
};

static void
parsed_clear(struct parsed *p)
{
	size_t i;

	free(p->message_id);
	free(p->sender);
	for (i = 0; i < p->ncand; i++)
		free(p->cand[i]);
	free(p->cal);
	memset(p, 0, sizeof(*p));
}

static void
add_candidate(struct parsed *p, const char *addr)
{
	if (addr != NULL && *addr != '\0' && p->ncand < MAX_CANDIDATES &&
	    (p->cand[p->ncand] = strdup(addr)) != NULL)
		p->ncand++;
}

static void
add_list(struct parsed *p, InternetAddressList *l)
{
	int i, n = l != NULL ? internet_address_list_length(l) : 0;
	InternetAddress *a;

	for (i = 0; i < n; i++) {
		a = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(a))
			add_candidate(p, internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(a)));
		else if (INTERNET_ADDRESS_IS_GROUP(a))
			add_list(p, internet_address_group_get_members(
			    INTERNET_ADDRESS_GROUP(a)));
	}
}

/* Delivered-To and X-Original-To: where the MTA delivered the copy. */
static void
add_envelope_headers(struct parsed *p, GMimeObject *msg)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(msg);
	int i, n = hl != NULL ? g_mime_header_list_get_count(hl) : 0;
	InternetAddressList *l;
	GMimeHeader *h;
	const char *name;

	for (i = 0; i < n; i++) {
		h = g_mime_header_list_get_header_at(hl, i);
		name = g_mime_header_get_name(h);
		if (name == NULL || (strcasecmp(name, "Delivered-To") != 0 &&
		    strcasecmp(name, "X-Original-To") != 0))
			continue;
		if ((l = internet_address_list_parse(NULL,
		    g_mime_header_get_value(h))) != NULL) {
			add_list(p, l);
			g_object_unref(l);
		}
	}
}

static int
is_calendar(GMimeContentType *ct)
{
	return ct != NULL && (g_mime_content_type_is_type(ct, "text",
	    "calendar") || g_mime_content_type_is_type(ct, "application",
	    "ics"));
}

/* The first calendar part, decoded (base64, quoted-printable undone). */
static void
find_calendar(GMimeObject *parent, GMimeObject *part, gpointer data)
{
	struct parsed *p = data;
	GMimeDataWrapper *dw;
	GMimeStream *ms;
	GByteArray *ba;

	(void)parent;
	if (p->cal != NULL || !GMIME_IS_PART(part) ||
	    !is_calendar(g_mime_object_get_content_type(part)))
		return;
	p->has_cal = 1;
	if ((dw = g_mime_part_get_content(GMIME_PART(part))) == NULL)
		return;
	ms = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(dw, ms) >= 0) {
		ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(ms));
		if (ba != NULL && ba->len > 0 && ba->len <= MAX_CAL &&
		    memchr(ba->data, '\0', ba->len) == NULL &&
		    (p->cal = malloc(ba->len + 1)) != NULL) {
			memcpy(p->cal, ba->data, ba->len);
			p->cal[ba->len] = '\0';
		}
	}
	g_object_unref(ms);
}

/*
 * Reads the message.  PD_EPARSE when it is not a mail message at all:
 * nothing GMime can parse, or no header.
 */
static int
parse_message(const char *msg, size_t len, struct parsed *p,
    struct pd_error *err)
{
	GMimeStream *stream = NULL;
	GMimeParser *parser = NULL;
	GMimeMessage *m = NULL;
	GMimeHeaderList *hl;
	InternetAddressList *from;
	const char *mid;
	char hash[PD_TOKEN_HASH_LEN + 1];
	int rc = PD_EPARSE;

	memset(p, 0, sizeof(*p));
	pthread_once(&gmime_once, gmime_start);
	if (len == 0 || memchr(msg, '\0', len) != NULL) {
		pd_error_set(err, PD_EPARSE, "message", "message: %s",
		    len == 0 ? "empty input" : "binary data, not a mail message");
		goto out;
	}
	stream = g_mime_stream_mem_new_with_buffer(msg, len);
	parser = g_mime_parser_new_with_stream(stream);
	if ((m = g_mime_parser_construct_message(parser, NULL)) == NULL ||
	    (hl = g_mime_object_get_header_list(GMIME_OBJECT(m))) == NULL ||
	    g_mime_header_list_get_count(hl) == 0) {
		pd_error_set(err, PD_EPARSE, "message",
		    "message: not an RFC 5322 message (no header)");
		goto out;
	}
	/* Without a Message-ID, the bytes stand for it. */
	if ((mid = g_mime_message_get_message_id(m)) != NULL && *mid != '\0')
		p->message_id = strdup(mid);
	else if (pd_token_hash(msg, len, hash) == PD_OK &&
	    asprintf(&p->message_id, "sha256-%s@podium.invalid", hash) < 0)
		p->message_id = NULL;
	if ((from = g_mime_message_get_from(m)) != NULL &&
	    internet_address_list_length(from) > 0 &&
	    INTERNET_ADDRESS_IS_MAILBOX(internet_address_list_get_address(
	    from, 0)))
		p->sender = strdup(internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(internet_address_list_get_address(
		    from, 0))));
	add_list(p, g_mime_message_get_to(m));
	add_list(p, g_mime_message_get_cc(m));
	add_envelope_headers(p, GMIME_OBJECT(m));
	g_mime_message_foreach(m, find_calendar, p);
	if (p->message_id == NULL) {
		rc = pd_error_set(err, PD_ENOMEM, NULL, "out of memory");
		goto out;
	}
	rc = PD_OK;
out:
	if (m != NULL)
		g_object_unref(m);
	if (parser != NULL)
		g_object_unref(parser);
	if (stream != NULL)
		g_object_unref(stream);
	if (rc != PD_OK)
		parsed_clear(p);
	return rc;
}

/* "mailto:X" (any case) -> "X". */
static const char *
bare(const char *addr)
{
	if (addr != NULL && strncasecmp(addr, "mailto:", 7) == 0)
		return addr + 7;
	return addr;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* The VEVENT the reply is about: the first one for the whole series. */
static icalcomponent *
reply_vevent(icalcomponent *cal, struct reply_event *re)
{
	icalcomponent *ve, *first = NULL;
	icalproperty *p;
	struct icaltimetype t;

	for (ve = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	    ve != NULL;
	    ve = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
		if (icalcomponent_get_uid(ve) == NULL)
			continue;
		if (first == NULL)
			first = ve;
		if (icalcomponent_get_first_property(ve,
		    ICAL_RECURRENCEID_PROPERTY) == NULL) {
			first = ve;
			break;
		}
	}
	if ((ve = first) == NULL)
		return NULL;
	re->recurrence = icalcomponent_get_first_property(ve,
	    ICAL_RECURRENCEID_PROPERTY) != NULL;
	re->uid = strdup(icalcomponent_get_uid(ve));
	re->sequence = (p = icalcomponent_get_first_property(ve,
	    ICAL_SEQUENCE_PROPERTY)) != NULL ? icalproperty_get_sequence(p) : 0;
	re->dtstamp = -1;
	if ((p = icalcomponent_get_first_property(ve,
	    ICAL_DTSTAMP_PROPERTY)) != NULL) {
		t = icalproperty_get_dtstamp(p);
		if (!icaltime_is_null_time(t))
			re->dtstamp = (int64_t)icaltime_as_timet_with_zone(t,
			    icaltimezone_get_utc_timezone());
	}
	if ((p = icalcomponent_get_first_property(ve,
	    ICAL_ORGANIZER_PROPERTY)) != NULL)
		re->organizer = dup_or_null(icalproperty_get_organizer(p));
	return ve;
}

/* The METHOD as written; NULL when there is none. */
static char *
method_of(icalcomponent *cal)
{
	icalproperty *p = icalcomponent_get_first_property(cal,
	    ICAL_METHOD_PROPERTY);
	const char *v;

	if (p == NULL)
		return NULL;
	v = icalproperty_get_value_as_string(p);
	return strdup(v != NULL ? v : "");
}

/* One ATTENDEE line of the reply. */
struct att {
	const char *addr;		/* without mailto: */
	icalparameter_partstat partstat;
	const char *delegated_to;	/* NULL: none */
};

static const char *
partstat_name(icalparameter_partstat ps)
{
	switch (ps) {
	case ICAL_PARTSTAT_ACCEPTED: return "ACCEPTED";
	case ICAL_PARTSTAT_DECLINED: return "DECLINED";
	case ICAL_PARTSTAT_TENTATIVE: return "TENTATIVE";
	case ICAL_PARTSTAT_DELEGATED: return "DELEGATED";
	case ICAL_PARTSTAT_NEEDSACTION: return "NEEDS-ACTION";
	default: return "OTHER";
	}
}

static void
read_att(icalproperty *p, struct att *a)
{
	icalparameter *par;

	a->addr = bare(icalproperty_get_attendee(p));
	a->partstat = (par = icalproperty_get_first_parameter(p,
	    ICAL_PARTSTAT_PARAMETER)) != NULL ?
	    icalparameter_get_partstat(par) : ICAL_PARTSTAT_NONE;
	a->delegated_to = (par = icalproperty_get_first_parameter(p,
	    ICAL_DELEGATEDTO_PARAMETER)) != NULL ?
	    bare(icalparameter_get_delegatedto(par)) : NULL;
}

/*
 * The invitee's ATTENDEE (address equal to email, any case), else the
 * first one, with *is_invitee saying which.  0 when there is none.
 */
static int
find_attendee(icalcomponent *ve, const char *email, struct att *out,
    int *is_invitee)
{
	icalproperty *p;
	struct att a = { 0 };
	int found = 0;

	*is_invitee = 0;
	for (p = icalcomponent_get_first_property(ve, ICAL_ATTENDEE_PROPERTY);
	    p != NULL;
	    p = icalcomponent_get_next_property(ve, ICAL_ATTENDEE_PROPERTY)) {
		read_att(p, &a);
		if (a.addr == NULL)
			continue;
		if (email != NULL && strcasecmp(a.addr, email) == 0) {
			*out = a;
			*is_invitee = 1;
			return 1;
		}
		if (!found)
			*out = a;
		found = 1;
	}
	return found;
}

static void
outcome(struct pd_reply_result *res, struct pd_reply_record *rec,
    enum pd_reply_outcome o, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
outcome(struct pd_reply_result *res, struct pd_reply_record *rec,
    enum pd_reply_outcome o, const char *fmt, ...)
{
	va_list ap;

	res->outcome = o;
	rec->outcome = o;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
	rec->reason = res->reason;
}

/* Whether the person is still invited: an attendance or an answerable talk. */
static int
invited(const struct pd_event *ev, int64_t person_id, int *attends,
    int *speaks)
{
	size_t i;

	*attends = *speaks = 0;
	for (i = 0; i < ev->nattendances; i++)
		if (ev->attendances[i].person.id == person_id)
			*attends = 1;
	for (i = 0; i < ev->ntalks; i++)
		if (ev->talks[i].speaker.id == person_id &&
		    ev->talks[i].status != PD_TALK_WITHDRAWN)
			*speaks = 1;
	return *attends || *speaks;
}

/*
 * Decides what the reply means, filling res and rec (whose strings point
 * into p, re, ev and person, all alive until it is recorded).
 */
static int
decide(struct pd_store *st, const struct pd_reply_ctx *ctx,
    struct parsed *p, struct pd_reply_result *res,
    struct pd_reply_record *rec, struct pd_error *err)
{
	struct reply_event re;
	struct pd_event *ev = NULL;
	struct pd_person person;
	icalcomponent *cal = NULL, *ve;
	struct att a = { 0 };
	char key[24];
	int64_t eid = 0, pid = 0, last = 0;
	size_t i;
	int rc = PD_OK, forged = 0, is_invitee, seen, have_last, attends,
	    speaks, dup;

	memset(&re, 0, sizeof(re));
	memset(&person, 0, sizeof(person));
	rec->sequence = rec->dtstamp = -1;
	if (!p->has_cal) {
		outcome(res, rec, PD_REPLY_IGNORED, "no calendar part "
		    "(text/calendar or application/ics)");
		goto record;
	}
	if (p->cal == NULL || (cal = icalparser_parse_string(p->cal)) ==
	    NULL || icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT ||
	    (ve = reply_vevent(cal, &re)) == NULL) {
		icalerror_clear_errno();
		rc = pd_error_set(err, PD_EPARSE, "calendar", "calendar part: "
		    "no VCALENDAR with a VEVENT that has a UID");
		goto out;
	}
	re.method = method_of(cal);
	rec->sequence = re.sequence;
	rec->dtstamp = re.dtstamp;
	if (re.method != NULL && strcasecmp(re.method, "REPLY") != 0) {
		outcome(res, rec, PD_REPLY_IGNORED, "METHOD:%s is not a reply",
		    re.method);
		goto record;
	}
	/* The tag: where the reply was sent, or the ORGANIZER it answers. */
	add_candidate(p, bare(re.organizer));
	for (i = 0; i < p->ncand && eid == 0; i++) {
		rc = pd_reply_tag_check(ctx->key, p->cand[i], &eid, &pid);
		if (rc == PD_EINVAL)
			forged = 1;
	}
	rc = PD_OK;
	if (eid == 0) {
		outcome(res, rec, PD_REPLY_IGNORED, forged ?
		    "the reply tag is not one podium made (forged or of "
		    "another key)" : "not sent to a tagged reply address");
		goto record;
	}
	res->event_id = eid;
	res->person_id = pid;
	snprintf(key, sizeof(key), "%lld", (long long)eid);
	if ((rc = pd_store_event_get(st, key, &ev)) == PD_ENOTFOUND ||
	    (rc == PD_OK && (rc = pd_store_person_get(st, pid, &person)) ==
	    PD_ENOTFOUND)) {
		rc = PD_OK;
		res->event_id = res->person_id = 0;
		outcome(res, rec, PD_REPLY_IGNORED, "the invitation's event "
		    "or invitee no longer exists");
		goto record;
	}
	if (rc != PD_OK)
		goto out;
	rec->event_id = eid;
	rec->person_id = pid;
	if (strcmp(re.uid, ev->uid) != 0) {
		outcome(res, rec, PD_REPLY_IGNORED, "UID %s is not the "
		    "invitation's event (%s)", re.uid, ev->uid);
		goto record;
	}
	if (re.recurrence) {
		outcome(res, rec, PD_REPLY_IGNORED, "a reply for one "
		    "occurrence only (RECURRENCE-ID); podium keeps one answer "
		    "per series");
		goto record;
	}
	if (!find_attendee(ve, person.email, &a, &is_invitee)) {
		outcome(res, rec, PD_REPLY_IGNORED, "no ATTENDEE in the reply");
		goto record;
	}
	rec->attendee = a.addr;
	rec->partstat = partstat_name(a.partstat);
	rec->delegated_to = a.delegated_to;
	snprintf(res->partstat, sizeof(res->partstat), "%s", rec->partstat);
	if (!is_invitee) {
		outcome(res, rec, PD_REPLY_LISTED, "%s answered %s, but the "
		    "invitation went to %s", a.addr, rec->partstat,
		    person.email != NULL ? person.email : person.name);
		goto record;
	}
	if (a.partstat == ICAL_PARTSTAT_DELEGATED) {
		outcome(res, rec, PD_REPLY_LISTED, "%s delegated to %s", a.addr,
		    a.delegated_to != NULL ? a.delegated_to : "someone");
		goto record;
	}
	if (a.partstat != ICAL_PARTSTAT_ACCEPTED &&
	    a.partstat != ICAL_PARTSTAT_DECLINED &&
	    a.partstat != ICAL_PARTSTAT_TENTATIVE) {
		outcome(res, rec, PD_REPLY_IGNORED, "PARTSTAT %s is not an "
		    "answer", rec->partstat);
		goto record;
	}
	if (ev->status == PD_EVENT_CANCELLED) {
		outcome(res, rec, PD_REPLY_IGNORED, "the event is cancelled");
		goto record;
	}
	if (re.sequence < ev->sequence) {
		outcome(res, rec, PD_REPLY_IGNORED, "stale: SEQUENCE %lld is "
		    "older than the event's %d", (long long)re.sequence,
		    ev->sequence);
		goto record;
	}
	if ((rc = pd_st_reply_state(st, p->message_id, eid, pid, &seen, &last,
	    &have_last)) != PD_OK)
		goto out;
	if (have_last && re.dtstamp <= last) {
		outcome(res, rec, PD_REPLY_IGNORED, "stale: DTSTAMP is not "
		    "newer than the last reply applied");
		goto record;
	}
	if (!invited(ev, pid, &attends, &speaks)) {
		outcome(res, rec, PD_REPLY_LISTED, "%s answered %s, but is no "
		    "longer invited", a.addr, rec->partstat);
		goto record;
	}
	rec->attendance = !attends ? NULL :
	    a.partstat == ICAL_PARTSTAT_ACCEPTED ? "accepted" :
	    a.partstat == ICAL_PARTSTAT_DECLINED ? "declined" : "tentative";
	/* A speaker's talk follows, as on the answer page. */
	rec->talk = !speaks ? NULL :
	    a.partstat == ICAL_PARTSTAT_ACCEPTED ? "confirmed" :
	    a.partstat == ICAL_PARTSTAT_DECLINED ? "declined" : NULL;
	outcome(res, rec, PD_REPLY_APPLIED, "%s %s \"%s\"", a.addr,
	    rec->partstat, ev->title);
record:
	rec->message_id = p->message_id;
	rec->sender = p->sender;
	pd_store_set_now(st, ctx->now);
	if ((rc = pd_st_reply_record(st, rec, &dup)) != PD_OK)
		goto out;
	if (dup)
		outcome(res, rec, PD_REPLY_IGNORED, "already received "
		    "(Message-ID <%s>)", p->message_id);
out:
	if (rc != PD_OK && rc != PD_EPARSE) {
		const struct pd_error *se = pd_store_error(st);

		pd_error_set(err, rc, se->field, "%s", se->msg != NULL ?
		    se->msg : pd_strerror(rc));
	}
	if (cal != NULL)
		icalcomponent_free(cal);
	free(re.uid);
	free(re.method);
	free(re.organizer);
	pd_person_clear(&person);
	pd_event_free(ev);
	return rc;
}

int
pd_reply_receive(struct pd_store *st, const struct pd_reply_ctx *ctx,
    const char *msg, size_t len, struct pd_reply_result *out,
    struct pd_error *err)
{
	struct pd_reply_record rec;
	struct pd_reply_result res;
	struct parsed p;
	int64_t last;
	int rc, seen = 0, have_last;

	memset(&res, 0, sizeof(res));
	memset(&rec, 0, sizeof(rec));
	if ((rc = parse_message(msg, len, &p, err)) != PD_OK)
		return rc;
	if ((rc = pd_st_reply_state(st, p.message_id, 0, 0, &seen, &last,
	    &have_last)) != PD_OK) {
		pd_error_set(err, rc, NULL, "%s", pd_store_error(st)->msg !=
		    NULL ? pd_store_error(st)->msg : pd_strerror(rc));
		goto out;
	}
	if (seen) {
		outcome(&res, &rec, PD_REPLY_IGNORED, "already received "
		    "(Message-ID <%s>)", p.message_id);
		*out = res;
		goto out;
	}
	if ((rc = decide(st, ctx, &p, &res, &rec, err)) == PD_OK)
		*out = res;
out:
	parsed_clear(&p);
	return rc;
}
