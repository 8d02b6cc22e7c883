/*
 * The Art. 15 GDPR export (privacy.h, "podium person export"): all that
 * podium holds about one person, as one JSON document a person can read
 * and a program can check.
 *
 * What it holds: the person with their organization; their group
 * memberships; their attendances and talks, each with the event's id,
 * title and time (what the event is, not who else is in it); whether
 * they have a personal feed and which events it shows; the messages to
 * them (To or Cc), with the headers and the text decoded from MIME
 * (GMime), as they read them.  Other people appear only as ids (a
 * talk's intermediary), never by name or address.
 *
 * Not here: the erasure (store_forget.c), the CLI's and API's wrapping.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>
#include <jansson.h>

#include "podium/outbox.h"
#include "podium/privacy.h"
#include "podium/store.h"

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

/* GMime counts its inits: compose.c's and this one may both run. */
static void
gmime_start(void)
{
	g_mime_init();
}

static json_t *
jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* Adds text/plain parts to "text", text/calendar to "calendar". */
static void
add_part(GMimeObject *parent, GMimeObject *part, gpointer data)
{
	json_t *msg = data;
	GMimeContentType *ct;
	const char *field;
	json_t *have;
	char *text;

	(void)parent;
	if (!GMIME_IS_TEXT_PART(part))
		return;
	ct = g_mime_object_get_content_type(part);
	if (g_mime_content_type_is_type(ct, "text", "plain"))
		field = "text";
	else if (g_mime_content_type_is_type(ct, "text", "calendar"))
		field = "calendar";
	else
		return;
	if ((text = g_mime_text_part_get_text(GMIME_TEXT_PART(part))) == NULL)
		return;
	/* One of each in podium's mail; a second is appended, not lost. */
	if ((have = json_object_get(msg, field)) != NULL &&
	    json_is_string(have)) {
		char *both = g_strconcat(json_string_value(have), "\n", text,
		    NULL);

		json_object_set_new(msg, field, json_string(both));
		g_free(both);
	} else {
		json_object_set_new(msg, field, json_string(text));
	}
	g_free(text);
}

static json_t *
addresses(InternetAddressList *l)
{
	json_t *v;
	char *s;

	if (l == NULL || internet_address_list_length(l) == 0)
		return json_null();
	s = internet_address_list_to_string(l, NULL, FALSE);
	v = jstr(s);
	g_free(s);
	return v;
}

/* The message's headers and text as the addressee reads them. */
static void
decode(const struct pd_outbox_msg *m, json_t *msg)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *gm;
	json_t *h;

	if (m->message == NULL || m->len == 0)
		return;		/* purged: only the bookkeeping is left */
	pthread_once(&gmime_once, gmime_start);
	stream = g_mime_stream_mem_new_with_buffer(m->message, m->len);
	parser = g_mime_parser_new_with_stream(stream);
	gm = g_mime_parser_construct_message(parser, NULL);
	if (gm != NULL) {
		h = json_object();
		json_object_set_new(h, "from",
		    addresses(g_mime_message_get_from(gm)));
		json_object_set_new(h, "to",
		    addresses(g_mime_message_get_to(gm)));
		json_object_set_new(h, "cc",
		    addresses(g_mime_message_get_cc(gm)));
		json_object_set_new(h, "reply_to",
		    addresses(g_mime_message_get_reply_to(gm)));
		json_object_set_new(h, "subject",
		    jstr(g_mime_message_get_subject(gm)));
		json_object_set_new(h, "date", jstr(g_mime_object_get_header(
		    GMIME_OBJECT(gm), "Date")));
		json_object_set_new(h, "message_id",
		    jstr(g_mime_message_get_message_id(gm)));
		json_object_set_new(h, "x_podium_kind", jstr(
		    g_mime_object_get_header(GMIME_OBJECT(gm),
		    "X-Podium-Kind")));
		json_object_set_new(msg, "headers", h);
		g_mime_message_foreach(gm, add_part, msg);
		g_object_unref(gm);
	}
	g_object_unref(parser);
	g_object_unref(stream);
}

static json_t *
message(const struct pd_outbox_msg *m)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(m->id));
	json_object_set_new(o, "kind", jstr(m->kind));
	json_object_set_new(o, "state", jstr(pd_outbox_state_name(m->state)));
	json_object_set_new(o, "created", json_integer(m->created));
	json_object_set_new(o, "sent_at", m->sent_at != 0 ?
	    json_integer(m->sent_at) : json_null());
	json_object_set_new(o, "event_id", m->event_id != 0 ?
	    json_integer(m->event_id) : json_null());
	json_object_set_new(o, "recipients", jstr(m->rcpt != NULL &&
	    *m->rcpt != '\0' ? m->rcpt : NULL));
	json_object_set_new(o, "last_error", jstr(m->last_error));
	json_object_set_new(o, "text_purged", json_boolean(m->len == 0));
	decode(m, o);
	return o;
}

/* What an event is, without who else is in it. */
static json_t *
event_ref(const struct pd_event *ev)
{
	return json_pack("{s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:s}",
	    "event_id", (json_int_t)ev->id, "event_uid", ev->uid,
	    "event", ev->title, "start", ev->start, "end", ev->end,
	    "location", ev->location, "event_status",
	    pd_event_status_name(ev->status));
}

static int
parts(struct pd_store *st, int64_t id, json_t *doc)
{
	struct pd_filter f = { PD_FILTER_PERSON, NULL, id };
	struct pd_calendar *cal = NULL;
	json_t *att = json_array(), *talks = json_array(), *feed = json_array();
	json_t *o;
	size_t i, j;
	int rc;

	if ((rc = pd_store_calendar(st, &f, &cal)) != PD_OK)
		goto out;
	for (i = 0; i < cal->nevents; i++) {
		const struct pd_event *ev = &cal->events[i];

		json_array_append_new(feed, json_integer(ev->id));
		for (j = 0; j < ev->nattendances; j++) {
			const struct pd_attendance *a = &ev->attendances[j];

			if (a->person.id != id)
				continue;
			o = event_ref(ev);
			json_object_set_new(o, "id", json_integer(a->id));
			json_object_set_new(o, "role",
			    json_string(pd_role_name(a->role)));
			json_object_set_new(o, "status",
			    json_string(pd_partstat_name(a->status)));
			json_object_set_new(o, "delegate", jstr(a->delegate));
			json_array_append_new(att, o);
		}
		for (j = 0; j < ev->ntalks; j++) {
			const struct pd_talk *t = &ev->talks[j];

			if (t->speaker.id != id)
				continue;
			o = event_ref(ev);
			json_object_set_new(o, "id", json_integer(t->id));
			json_object_set_new(o, "title", jstr(t->title));
			json_object_set_new(o, "status",
			    json_string(pd_talk_status_name(t->status)));
			json_object_set_new(o, "via_person_id", t->via.id != 0 ?
			    json_integer(t->via.id) : json_null());
			json_array_append_new(talks, o);
		}
	}
	json_object_set(doc, "attendances", att);
	json_object_set(doc, "talks", talks);
	json_object_set_new(doc, "feed", json_pack("{s:O}", "events", feed));
out:
	json_decref(att);
	json_decref(talks);
	json_decref(feed);
	pd_calendar_free(cal);
	return rc;
}

static int
memberships(struct pd_store *st, int64_t id, json_t *doc)
{
	struct pd_group *groups = NULL;
	json_t *a = json_array();
	size_t n = 0, i, j;
	int rc;

	if ((rc = pd_store_group_list(st, &groups, &n)) != PD_OK)
		goto out;
	for (i = 0; i < n; i++)
		for (j = 0; j < groups[i].nmembers; j++)
			if (groups[i].members[j].person.id == id)
				json_array_append_new(a, json_pack(
				    "{s:s, s:s, s:s}", "group", groups[i].name,
				    "slug", groups[i].slug, "role",
				    pd_group_role_name(
				    groups[i].members[j].role)));
	json_object_set(doc, "memberships", a);
out:
	json_decref(a);
	pd_group_list_free(groups, n);
	return rc;
}

static int
store_err(struct pd_store *st, int rc, struct pd_error *err)
{
	const struct pd_error *e = pd_store_error(st);

	return pd_error_set(err, e->code != PD_OK ? e->code : rc, e->field,
	    "%s", e->msg != NULL ? e->msg : pd_strerror(rc));
}

int
pd_person_export(struct pd_store *st, int64_t id, char **out,
    struct pd_error *err)
{
	struct pd_person p;
	struct pd_outbox_msg *msgs = NULL;
	json_t *doc = NULL, *a;
	size_t n = 0, i;
	char *text = NULL;
	int has = 0, rc;

	memset(&p, 0, sizeof(p));
	if ((rc = pd_store_person_get(st, id, &p)) != PD_OK ||
	    (rc = pd_store_person_has_feed(st, id, &has)) != PD_OK ||
	    (rc = pd_store_outbox_for_person(st, id, p.email, &msgs,
	    &n)) != PD_OK) {
		rc = store_err(st, rc, err);
		goto out;
	}
	doc = json_object();
	json_object_set_new(doc, "export", json_pack("{s:s, s:s}", "format",
	    "podium person export v1", "basis", "Art. 15 GDPR"));
	json_object_set_new(doc, "person", json_pack(
	    "{s:I, s:s?, s:s?, s:s?, s:s?}", "id", (json_int_t)p.id, "uuid",
	    p.uuid, "name", p.name, "email", p.email, "lang", p.lang));
	json_object_set_new(doc, "organization", p.org_code == NULL ?
	    json_null() : json_pack("{s:s, s:s?}", "code", p.org_code,
	    "name", p.org_name));
	if ((rc = memberships(st, id, doc)) != PD_OK ||
	    (rc = parts(st, id, doc)) != PD_OK) {
		rc = store_err(st, rc, err);
		goto out;
	}
	json_object_set_new(json_object_get(doc, "feed"), "personal_feed",
	    json_boolean(has));
	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, message(&msgs[i]));
	json_object_set_new(doc, "messages", a);
	if ((text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL) {
		rc = pd_error_set(err, PD_ENOMEM, NULL, "out of memory");
		goto out;
	}
	*out = text;
	rc = PD_OK;
out:
	json_decref(doc);
	pd_outbox_list_free(msgs, n);
	pd_person_clear(&p);
	return rc;
}
