/*
 * The outbox pages: every message with its state, kind, recipient,
 * subject, attempts and last error, the counts on top (/outbox), one
 * message as it was or will be sent (/outbox/{id}: the headers, the text
 * part and the iCalendar part, decoded, and the raw bytes), and retry
 * for a failed or dead one.
 *
 * The preview reads the very bytes in the outbox (GMime parses them), so
 * what the page shows is what the SMTP server gets.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "podium/outbox.h"
#include "podium/store.h"
#include "web_int.h"

static const char *const states[] = { "pending", "sending", "sent",
    "failed", "dead" };
#define NSTATES (sizeof(states) / sizeof(states[0]))
/* The list shows the newest this many; the counts are of all. */
#define MAX_ROWS 200

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void
gmime_start(void)
{
	g_mime_init();
}

int
pd_web_outbox(struct pd_web *w)
{
	const char *want = pd_web_qarg(w, "state");
	struct pd_outbox_msg *list = NULL;
	enum pd_outbox_state st;
	size_t n = 0, i, count[NSTATES] = { 0 };
	json_t *rows = json_array(), *counts = json_array();
	char key[40];

	if (want != NULL && pd_outbox_state_parse(want, &st) != PD_OK) {
		pd_web_refuse(w, "state", pd_web_text(w, "err_status"));
		want = NULL;
	}
	if (pd_store_outbox_list(w->app->st, NULL, &list, &n) != PD_OK) {
		json_decref(rows);
		json_decref(counts);
		return pd_web_fail(w, 500, pd_store_error(w->app->st)->msg);
	}
	for (i = 0; i < n; i++) {
		const struct pd_outbox_msg *m = &list[i];
		const char *name = pd_outbox_state_name(m->state);

		if ((size_t)m->state < NSTATES)
			count[m->state]++;
		if ((want != NULL && strcmp(name, want) != 0) ||
		    json_array_size(rows) >= MAX_ROWS)
			continue;
		snprintf(key, sizeof(key), "state_%s", name);
		json_array_append_new(rows, json_pack("{s:I, s:s, s:s, s:o, "
		    "s:o, s:o, s:i, s:o, s:o, s:b}", "id", (json_int_t)m->id,
		    "state", name, "state_label", pd_web_text(w, key), "kind",
		    pd_web_str(m->kind), "rcpt", pd_web_str(m->rcpt),
		    "subject", pd_web_str(m->subject), "attempts",
		    m->attempts, "error", pd_web_str(m->last_error),
		    "created", pd_web_stamp(w, m->created), "can_retry",
		    m->state == PD_OUTBOX_FAILED ||
		    m->state == PD_OUTBOX_DEAD));
	}
	for (i = 0; i < NSTATES; i++) {
		snprintf(key, sizeof(key), "state_%s", states[i]);
		json_array_append_new(counts, json_pack("{s:s, s:s, s:I, s:b}",
		    "state", states[i], "label", pd_web_text(w, key), "count",
		    (json_int_t)count[i], "selected", want != NULL &&
		    strcmp(want, states[i]) == 0));
	}
	pd_outbox_list_free(list, n);
	return pd_web_render(w, 0, "outbox", json_pack("{s:i, s:b, s:o, s:o, "
	    "s:I, s:o}", "shown", (int)json_array_size(rows), "more",
	    json_array_size(rows) >= MAX_ROWS, "messages", rows, "counts",
	    counts, "total", (json_int_t)n, "ok",
	    pd_web_str(pd_web_qarg(w, "ok"))));
}

/* The decoded text/plain and text/calendar parts of a message. */
struct parts {
	json_t *text;
	json_t *calendar;
};

static void
each_part(GMimeObject *parent, GMimeObject *part, gpointer data)
{
	struct parts *p = data;
	GMimeContentType *ct;
	GMimeDataWrapper *dw;
	GMimeStream *mem;
	GByteArray *bytes;
	json_t **slot;

	(void)parent;
	if (!GMIME_IS_PART(part))
		return;
	ct = g_mime_object_get_content_type(part);
	if (g_mime_content_type_is_type(ct, "text", "plain"))
		slot = &p->text;
	else if (g_mime_content_type_is_type(ct, "text", "calendar"))
		slot = &p->calendar;
	else
		return;
	if (*slot != NULL ||
	    (dw = g_mime_part_get_content(GMIME_PART(part))) == NULL)
		return;
	mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(dw, mem);
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	*slot = json_stringn((const char *)bytes->data, bytes->len);
	g_object_unref(mem);
}

static void
decode_parts(const char *msg, size_t len, struct parts *p)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *m;

	pthread_once(&gmime_once, gmime_start);
	stream = g_mime_stream_mem_new_with_buffer(msg, len);
	parser = g_mime_parser_new_with_stream(stream);
	m = g_mime_parser_construct_message(parser, NULL);
	if (m != NULL) {
		g_mime_message_foreach(m, each_part, p);
		if (p->text == NULL && GMIME_IS_PART(m->mime_part))
			each_part(NULL, m->mime_part, p);
		g_object_unref(m);
	}
	g_object_unref(parser);
	g_object_unref(stream);
}

int
pd_web_outbox_show(struct pd_web *w)
{
	struct pd_outbox_msg m;
	struct parts p = { NULL, NULL };
	int64_t id = pd_web_arg_id(w, 0);
	const char *name;
	char key[40];
	json_t *d;

	memset(&m, 0, sizeof(m));
	if (id == 0 || pd_store_outbox_get(w->app->st, id, &m) != PD_OK)
		return pd_web_fail(w, 404, pd_web_text(w, "err_notfound"));
	if (m.message != NULL)
		decode_parts(m.message, m.len, &p);
	name = pd_outbox_state_name(m.state);
	snprintf(key, sizeof(key), "state_%s", name);
	d = json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:i, s:o, s:o, s:o, "
	    "s:o, s:o, s:o, s:b}", "id", (json_int_t)m.id, "state", name,
	    "state_label", pd_web_text(w, key), "kind", pd_web_str(m.kind),
	    "rcpt", pd_web_str(m.rcpt), "subject", pd_web_str(m.subject),
	    "attempts", m.attempts, "error", pd_web_str(m.last_error),
	    "created", pd_web_stamp(w, m.created), "text",
	    p.text != NULL ? p.text : json_null(), "calendar",
	    p.calendar != NULL ? p.calendar : json_null(), "raw",
	    m.message != NULL ? json_stringn(m.message, m.len) : json_null(),
	    "sent_at", pd_web_stamp(w, m.sent_at), "can_retry",
	    m.state == PD_OUTBOX_FAILED || m.state == PD_OUTBOX_DEAD);
	pd_outbox_msg_clear(&m);
	return pd_web_render(w, 0, "message", json_pack("{s:o}", "m", d));
}

int
pd_web_outbox_retry(struct pd_web *w)
{
	int64_t id = pd_web_arg_id(w, 0);

	if (id == 0)
		return pd_web_fail(w, 404, pd_web_text(w, "err_notfound"));
	if (pd_store_outbox_retry(w->app->st, id) != PD_OK) {
		pd_web_refuse_store(w, "retry");
		return pd_web_outbox(w);
	}
	w->wrote = 1;
	return pd_web_redirect(w, "/outbox?ok=retried");
}
