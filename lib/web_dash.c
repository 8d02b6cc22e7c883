/*
 * The dashboard (/), the list of talks whose speakers have not answered
 * (/unconfirmed) and its "remind now" button.
 *
 * "Unconfirmed" is a talk still requested in an event that is neither
 * over nor cancelled: the ones an organizer can still do something
 * about.  A reminder sent from here is the planner's next nudge (same
 * key, so the planner does not send it again), composed exactly as the
 * scheduler would and put in the outbox; the scheduler sends it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "podium/compose.h"
#include "podium/config.h"
#include "podium/outbox.h"
#include "podium/plan.h"
#include "podium/store.h"
#include "web_int.h"

#define DASH_EVENTS 8

/* Nudges sent so far for a talk, and when it was asked (0: not yet). */
static void
asked(const struct pd_sent *sent, size_t n, const char *uid, int *nudges,
    int64_t *since)
{
	size_t i, ul = strlen(uid);

	*nudges = 0;
	*since = 0;
	for (i = 0; i < n; i++) {
		const char *k = sent[i].key;

		if (strncmp(k, "speaker-request/", 16) == 0 &&
		    strcmp(k + 16, uid) == 0)
			*since = sent[i].created;
		else if (strncmp(k, "nudge/", 6) == 0 &&
		    strncmp(k + 6, uid, ul) == 0 && k[6 + ul] == '/')
			(*nudges)++;
	}
}

/*
 * The requested talks of the coming events, as the pages list them:
 * one store query for the talks and their events, not a load of every
 * coming event.
 */
static int
unconfirmed(struct pd_web *w, json_t **out)
{
	struct pd_open_talks o;
	json_t *arr;
	size_t i;

	memset(&o, 0, sizeof(o));
	if (pd_store_talks_open(w->app->st, w->now, &o) != PD_OK)
		return PD_EDB;
	arr = json_array();
	for (i = 0; i < o.ntalks; i++) {
		const struct pd_talk_open *ot = &o.talks[i];
		const struct pd_talk *t = &ot->talk;
		const struct pd_event *ev = &o.events[ot->ev];

		json_array_append_new(arr, json_pack("{s:I, s:o, s:o, s:o, "
		    "s:I, s:o, s:o, s:o, s:i, s:b}", "id", (json_int_t)t->id,
		    "title", pd_web_str(t->title), "speaker",
		    pd_web_json_person(&t->speaker), "via",
		    pd_web_json_person(&t->via), "event_id",
		    (json_int_t)ev->id, "event", pd_web_str(ev->title),
		    "when", pd_web_when(w, ev), "since", pd_web_stamp(w,
		    ot->asked != 0 ? ot->asked : t->updated), "nudges",
		    ot->nudges, "can_nudge", t->speaker.email != NULL));
	}
	pd_open_talks_clear(&o);
	*out = arr;
	return PD_OK;
}

static json_t *
event_row(struct pd_web *w, const struct pd_event *ev)
{
	char key[40];

	snprintf(key, sizeof(key), "event_%s",
	    pd_event_status_name(ev->status));
	return json_pack("{s:I, s:o, s:o, s:o, s:s, s:s, s:o}", "id",
	    (json_int_t)ev->id, "title", pd_web_str(ev->title), "when",
	    pd_web_when(w, ev), "location", pd_web_str(ev->location),
	    "status", pd_event_status_name(ev->status), "status_label",
	    pd_web_text(w, key), "group", pd_web_str(ev->group_name));
}

int
pd_web_dashboard(struct pd_web *w)
{
	struct pd_event *list = NULL;
	int64_t backlog = 0, oldest = 0, retrying = 0;
	size_t n = 0, i;
	json_t *talks = NULL, *evs = json_array(), *d;
	int rc;

	/* One more than shown says whether there are more. */
	if ((rc = pd_store_event_list_first(w->app->st, w->now, INT64_MAX,
	    DASH_EVENTS + 1, &list, &n)) != PD_OK ||
	    (rc = unconfirmed(w, &talks)) != PD_OK) {
		json_decref(evs);
		pd_event_list_free(list, n);
		return pd_web_fail(w, 500, pd_store_error(w->app->st)->msg);
	}
	for (i = 0; i < n && i < DASH_EVENTS; i++)
		json_array_append_new(evs, event_row(w, &list[i]));
	pd_store_outbox_backlog(w->app->st, &backlog, &oldest, &retrying);
	d = json_pack("{s:o, s:i, s:b, s:I, s:I, s:b}", "events", evs,
	    "unconfirmed", (int)json_array_size(talks), "unconfirmed_one",
	    json_array_size(talks) == 1, "backlog", (json_int_t)backlog,
	    "retrying", (json_int_t)retrying, "more_events",
	    n > DASH_EVENTS);
	json_decref(talks);
	pd_event_list_free(list, n);
	return pd_web_render(w, 0, "dashboard", d);
}

int
pd_web_unconfirmed(struct pd_web *w)
{
	json_t *talks = NULL;

	if (unconfirmed(w, &talks) != PD_OK)
		return pd_web_fail(w, 500, pd_store_error(w->app->st)->msg);
	return pd_web_render(w, 0, "unconfirmed", json_pack("{s:o, s:i, "
	    "s:o}", "talks", talks, "count", (int)json_array_size(talks),
	    "ok", pd_web_str(pd_web_qarg(w, "ok"))));
}

/* The planner's key for the next nudge of uid, or a manual one after two. */
static void
nudge_key(const struct pd_sent *sent, size_t n, const char *uid,
    int64_t now, char *out, size_t size, int *number)
{
	int nudges;
	int64_t since;

	asked(sent, n, uid, &nudges, &since);
	if (nudges < 2) {
		*number = nudges + 1;
		snprintf(out, size, "nudge/%s/%d", uid, *number);
	} else {
		*number = 2;
		snprintf(out, size, "nudge/%s/manual-%lld", uid,
		    (long long)now);
	}
}

int
pd_web_talk_nudge(struct pd_web *w)
{
	struct pd_compose_ctx cc;
	struct pd_composed c;
	struct pd_error err = { 0, NULL, NULL };
	struct pd_outbox_msg row;
	struct pd_event *ev = NULL;
	struct pd_sent *sent = NULL;
	struct pd_mail m;
	struct pd_talk *t = NULL, tk;
	int64_t tid = pd_web_arg_id(w, 0), event_id = 0;
	char key[512], evkey[24], *keys = NULL;
	size_t nsent = 0, i;
	int number, rc;

	memset(&tk, 0, sizeof(tk));
	memset(&c, 0, sizeof(c));
	memset(&row, 0, sizeof(row));
	if (tid == 0 || pd_store_talk_get(w->app->st, tid, &tk,
	    &event_id) != PD_OK) {
		rc = pd_web_fail(w, 404, pd_web_text(w, "err_notfound"));
		goto out;
	}
	snprintf(evkey, sizeof(evkey), "%lld", (long long)event_id);
	if ((rc = pd_store_event_get(w->app->st, evkey, &ev)) != PD_OK ||
	    (rc = pd_store_outbox_facts(w->app->st, &event_id, 1, &sent,
	    &nsent, &keys)) != PD_OK) {
		rc = pd_web_fail(w, 500, pd_store_error(w->app->st)->msg);
		goto out;
	}
	for (i = 0; i < ev->ntalks; i++)
		if (ev->talks[i].id == tid)
			t = &ev->talks[i];
	if (t == NULL || t->status != PD_TALK_REQUESTED ||
	    t->speaker.email == NULL) {
		pd_web_refuse(w, "nudge", pd_web_text(w, "nudge_refused"));
		rc = pd_web_unconfirmed(w);
		goto out;
	}
	nudge_key(sent, nsent, t->uid, w->now, key, sizeof(key), &number);
	memset(&m, 0, sizeof(m));
	m.key = key;
	m.kind = PD_MAIL_NUDGE;
	m.ev = ev;
	m.talk = t;
	m.to = &t->speaker;
	m.cc = t->via.email != NULL ? &t->via : NULL;
	m.nudge = number;
	m.sequence = ev->sequence;
	memset(&cc, 0, sizeof(cc));
	cc.from = w->cfg->mail_from;
	cc.base_url = w->cfg->base_url;
	cc.key = w->app->key;
	cc.now = w->now;
	if ((rc = pd_mail_compose(&m, &cc, &c, &err)) != PD_OK) {
		rc = pd_web_fail(w, 500, err.msg != NULL ? err.msg :
		    "cannot compose the reminder");
		goto out;
	}
	row.key = key;
	/* Borrowed for the insert: row is never cleared. */
	row.kind = (char *)pd_mail_kind_name(PD_MAIL_NUDGE);
	row.event_id = ev->id;
	row.person_id = t->speaker.id;
	row.sequence = ev->sequence;
	row.mail_from = c.mail_from;
	row.rcpt = c.rcpt;
	row.subject = c.subject;
	row.message = c.message;
	row.len = c.len;
	row.state = PD_OUTBOX_PENDING;
	row.next_attempt = w->now;
	row.created = w->now;
	if ((rc = pd_store_outbox_add(w->app->st, &row, 1, NULL)) != PD_OK) {
		rc = pd_web_fail(w, 500, pd_store_error(w->app->st)->msg);
		goto out;
	}
	w->wrote = 1;
	rc = pd_web_redirect(w, "/unconfirmed?ok=nudged");
out:
	pd_composed_clear(&c);
	pd_error_clear(&err);
	free(sent);
	free(keys);
	pd_event_free(ev);
	pd_talk_clear(&tk);
	return rc;
}
