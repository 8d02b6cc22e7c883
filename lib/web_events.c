/*
 * The events pages: the list with its filters (/events), a new event
 * (/events/new), one event (/events/{id}) with its agenda, talks and
 * attendances, and the forms that change them: move, cancel, agenda
 * add/remove, talk add/confirm/decline (on the speaker's behalf) and
 * attendance (present, absent, delegated).
 *
 * Every change goes through the same store call the CLI and the API
 * make, so the store's validation decides and its message is shown next
 * to the field.  Changes that mail people (move, cancel, a new request)
 * first answer a confirmation page that says which messages the
 * planner will queue: it runs the planner on the event as it is and as
 * it would be, and lists what only the second one holds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "podium/answer.h"
#include "podium/config.h"
#include "podium/outbox.h"
#include "podium/plan.h"
#include "podium/store.h"
#include "podium/tz.h"
#include "web_int.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const event_states[] = { "tentative", "confirmed",
    "cancelled" };
static const char *const talk_states[] = { "requested", "confirmed",
    "declined", "withdrawn" };
static const char *const roles[] = { "chair", "speaker", "participant",
    "optional" };
static const char *const partstats[] = { "needs-action", "accepted",
    "declined", "tentative", "delegated" };

/* [{"value": v, "label": t.<prefix>v, "selected": v == cur}, ...] */
static json_t *
options(struct pd_web *w, const char *prefix, const char *const *vals,
    size_t n, const char *cur)
{
	json_t *arr = json_array();
	char key[80];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s%s", prefix, vals[i]);
		json_array_append_new(arr, json_pack("{s:s, s:s, s:b}",
		    "value", vals[i], "label", pd_web_text(w, key),
		    "selected", cur != NULL && strcmp(cur, vals[i]) == 0));
	}
	return arr;
}

static json_t *
status_label(struct pd_web *w, const char *prefix, const char *name)
{
	char key[80];

	snprintf(key, sizeof(key), "%s%s", prefix, name);
	return json_pack("{s:s, s:s}", "name", name, "label",
	    pd_web_text(w, key));
}

/* Everybody, for the person selects, with sel marked. */
static json_t *
people_options(struct pd_web *w, int64_t sel)
{
	struct pd_person *list = NULL;
	json_t *arr = json_array();
	size_t n = 0, i;

	if (pd_store_person_list(w->app->st, &list, &n) != PD_OK)
		return arr;
	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:I, s:o, s:o, s:b}",
		    "id", (json_int_t)list[i].id, "name",
		    pd_web_str(list[i].name), "org",
		    pd_web_str(list[i].org_code), "selected",
		    list[i].id == sel));
	pd_person_list_free(list, n);
	return arr;
}

static int
load_event(struct pd_web *w, struct pd_event **ev)
{
	int64_t id = pd_web_arg_id(w, 0);

	if (id == 0 || pd_store_event_get(w->app->st, w->arg[0], ev) !=
	    PD_OK) {
		pd_web_fail(w, 404, pd_web_text(w, "err_notfound"));
		return PD_ENOTFOUND;
	}
	return PD_OK;
}

/* ---- the list ---- */

/* "YYYY-MM-DD" at 00:00 UTC; 0 when malformed (refused on the page). */
static int
date_arg(const char *s, int64_t *out)
{
	int y, m, d, n = 0;

	if (s == NULL || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 ||
	    s[n] != '\0' || m < 1 || m > 12 || d < 1 || d > 31)
		return PD_EINVAL;
	*out = pd_tz_days_from_civil(y, m, d) * 86400;
	return PD_OK;
}

static int
has_topic(const struct pd_event *ev, const char *slug)
{
	size_t i;
	char *s;
	int hit = 0;

	for (i = 0; i < ev->ntopics && !hit; i++) {
		if ((s = pd_slug(ev->topics[i])) != NULL)
			hit = strcmp(s, slug) == 0;
		free(s);
	}
	return hit;
}

int
pd_web_events(struct pd_web *w)
{
	const char *from = pd_web_qarg(w, "from"), *to = pd_web_qarg(w, "to");
	const char *group = pd_web_qarg(w, "group");
	const char *topic = pd_web_qarg(w, "topic");
	const char *status = pd_web_qarg(w, "status");
	struct pd_event *list = NULL, *ev;
	struct pd_group *groups = NULL;
	struct pd_topic *topics = NULL;
	size_t n = 0, ng = 0, nt = 0, i;
	int64_t f = 0, t = INT64_MAX;
	json_t *rows = json_array(), *go = json_array(), *to_ = json_array();
	enum pd_event_status want = PD_EVENT_TENTATIVE;

	if (from != NULL && date_arg(from, &f) != PD_OK)
		pd_web_refuse(w, "from", pd_web_text(w, "err_date"));
	if (to != NULL && date_arg(to, &t) != PD_OK)
		pd_web_refuse(w, "to", pd_web_text(w, "err_date"));
	else if (to != NULL)
		t += 86400;	/* "to" is the last day shown */
	if (status != NULL && pd_event_status_parse(status, &want) != PD_OK)
		pd_web_refuse(w, "status", pd_web_text(w, "err_status"));
	if (w->errors == NULL &&
	    pd_store_event_list(w->app->st, f, t, &list, &n) != PD_OK)
		pd_web_refuse_store(w, "from");
	for (i = 0; i < n; i++) {
		ev = &list[i];
		if (group != NULL && (ev->group_slug == NULL ||
		    strcmp(ev->group_slug, group) != 0))
			continue;
		if (status != NULL && ev->status != want)
			continue;
		if (topic != NULL && !has_topic(ev, topic))
			continue;
		json_array_append_new(rows, json_pack("{s:I, s:o, s:o, s:o, "
		    "s:o, s:o, s:b}", "id", (json_int_t)ev->id, "title",
		    pd_web_str(ev->title), "when", pd_web_when(w, ev),
		    "location", pd_web_str(ev->location), "group",
		    pd_web_str(ev->group_name), "status", status_label(w,
		    "event_", pd_event_status_name(ev->status)), "cancelled",
		    ev->status == PD_EVENT_CANCELLED));
	}
	if (pd_store_group_list(w->app->st, &groups, &ng) == PD_OK)
		for (i = 0; i < ng; i++)
			json_array_append_new(go, json_pack("{s:o, s:o, s:b}",
			    "slug", pd_web_str(groups[i].slug), "name",
			    pd_web_str(groups[i].name), "selected", group !=
			    NULL && strcmp(group, groups[i].slug) == 0));
	if (pd_store_topic_list(w->app->st, &topics, &nt) == PD_OK)
		for (i = 0; i < nt; i++)
			json_array_append_new(to_, json_pack("{s:o, s:o, s:b}",
			    "slug", pd_web_str(topics[i].slug), "name",
			    pd_web_str(topics[i].name), "selected", topic !=
			    NULL && strcmp(topic, topics[i].slug) == 0));
	pd_event_list_free(list, n);
	pd_group_list_free(groups, ng);
	pd_topic_list_free(topics, nt);
	return pd_web_render(w, 0, "events", json_pack("{s:o, s:i, s:o, s:o, "
	    "s:o, s:{s:o, s:o}}", "events", rows, "count",
	    (int)json_array_size(rows), "groups", go, "topics", to_,
	    "states", options(w, "event_", event_states, NELEM(event_states),
	    status), "q", "from", pd_web_str(from), "to", pd_web_str(to)));
}

/* ---- a new event ---- */

static int
new_form(struct pd_web *w)
{
	struct pd_group *groups = NULL;
	size_t ng = 0, i;
	json_t *go = json_array();
	const char *sel = pd_web_opt(w, "group");

	if (pd_store_group_list(w->app->st, &groups, &ng) == PD_OK)
		for (i = 0; i < ng; i++)
			json_array_append_new(go, json_pack("{s:o, s:o, s:b}",
			    "slug", pd_web_str(groups[i].slug), "name",
			    pd_web_str(groups[i].name), "selected", sel !=
			    NULL && strcmp(sel, groups[i].slug) == 0));
	pd_group_list_free(groups, ng);
	return pd_web_render(w, 0, "event_new", json_pack("{s:o, s:o}",
	    "groups", go, "states", options(w, "event_", event_states, 2,
	    pd_web_opt(w, "status"))));
}

int
pd_web_event_new(struct pd_web *w)
{
	return new_form(w);
}

/* "DATE TIME" from two fields, or NULL (refused with field). */
static char *
when_of(struct pd_web *w, const char *date, const char *time,
    const char *field)
{
	const char *d = pd_web_opt(w, date), *t = pd_web_opt(w, time);
	char buf[64];

	if (d == NULL) {
		pd_web_refuse(w, field, pd_web_text(w, "err_required"));
		return NULL;
	}
	snprintf(buf, sizeof(buf), "%.20s%s%.10s", d, t != NULL ? " " : "",
	    t != NULL ? t : "");
	return strdup(buf);
}

static char **
split_topics(const char *s, size_t *n)
{
	char **out = NULL, *copy, *tok, *save = NULL;
	size_t k = 0;

	*n = 0;
	if (s == NULL || (copy = strdup(s)) == NULL)
		return NULL;
	out = calloc(strlen(s) / 2 + 2, sizeof(*out));
	for (tok = strtok_r(copy, ",", &save); out != NULL && tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (*tok != '\0')
			out[k++] = strdup(tok);
	}
	free(copy);
	*n = k;
	return out;
}

int
pd_web_event_create(struct pd_web *w)
{
	struct pd_event ev;
	const char *status = pd_web_opt(w, "status");
	int rc;

	memset(&ev, 0, sizeof(ev));
	ev.title = strdup(pd_web_opt(w, "title") != NULL ?
	    pd_web_opt(w, "title") : "");
	ev.all_day = pd_web_opt(w, "all_day") != NULL;
	ev.start = when_of(w, "date", ev.all_day ? "-" : "from", "date");
	ev.end = ev.all_day ? when_of(w, "end_date", "-", "end_date") :
	    when_of(w, pd_web_opt(w, "end_date") != NULL ? "end_date" :
	    "date", "to", "to");
	ev.location = pd_web_opt(w, "location") != NULL ?
	    strdup(pd_web_opt(w, "location")) : NULL;
	ev.description = pd_web_opt(w, "description") != NULL ?
	    strdup(pd_web_opt(w, "description")) : NULL;
	ev.group_slug = pd_web_opt(w, "group") != NULL ?
	    strdup(pd_web_opt(w, "group")) : NULL;
	ev.topics = split_topics(pd_web_opt(w, "topics"), &ev.ntopics);
	if (status != NULL && pd_event_status_parse(status, &ev.status) !=
	    PD_OK)
		pd_web_refuse(w, "status", pd_web_text(w, "err_status"));
	if (w->errors != NULL) {
		pd_event_clear(&ev);
		return new_form(w);
	}
	if ((rc = pd_store_event_add(w->app->st, &ev)) != PD_OK) {
		pd_web_refuse_store(w, "title");
		pd_event_clear(&ev);
		return new_form(w);
	}
	w->wrote = 1;
	rc = pd_web_redirect(w, "/events/%lld?ok=created",
	    (long long)ev.id);
	pd_event_clear(&ev);
	return rc;
}

/* ---- one event ---- */

/* How the pages say who set a talk's status. */
static json_t *
by_label(struct pd_web *w, const char *by)
{
	if (by == NULL)
		return json_null();
	if (strncmp(by, "organizer:", 10) == 0)
		return json_pack("{s:s, s:o}", "label", pd_web_text(w,
		    "by_organizer"), "who", pd_web_str(by + 10));
	if (strcmp(by, "speaker") == 0 || strcmp(by, "cli") == 0 ||
	    strcmp(by, "api") == 0 || strcmp(by, "import") == 0) {
		char key[32];

		snprintf(key, sizeof(key), "by_%s", by);
		return json_pack("{s:s}", "label", pd_web_text(w, key));
	}
	return json_pack("{s:o}", "label", pd_web_str(by));
}

/*
 * The speaker's answer page of a requested talk, as "podium talk link"
 * prints it: signed with the daemon's key, good until a day after the
 * event, for an organizer to paste into a mail of their own.
 */
static json_t *
answer_link(struct pd_web *w, const struct pd_event *ev,
    const struct pd_talk *t)
{
	char *tok = NULL, *link = NULL;
	int64_t expiry;
	json_t *o = json_null();

	if (t->status != PD_TALK_REQUESTED || t->speaker.id <= 0)
		return o;
	if (pd_answer_expiry(ev, w->now, &expiry) == PD_OK &&
	    pd_answer_token_make(w->app->key, t->id, t->speaker.id, expiry,
	    &tok) == PD_OK &&
	    pd_answer_link(w->cfg->base_url, tok, &link) == PD_OK)
		o = json_string(link);
	free(tok);
	free(link);
	return o;
}

static json_t *
event_json(struct pd_web *w, const struct pd_event *ev)
{
	json_t *agenda = json_array(), *talks = json_array();
	json_t *att = json_array(), *topics = json_array(), *alts;
	const char *alt_title;
	size_t i, j;

	for (i = 0; i < ev->nagenda; i++)
		json_array_append_new(agenda, json_pack("{s:I, s:o, s:o, s:o, "
		    "s:o}", "id", (json_int_t)ev->agenda[i].id, "label",
		    pd_web_str(ev->agenda[i].label), "title",
		    pd_web_str(ev->agenda[i].title), "from",
		    pd_web_str(ev->agenda[i].from), "to",
		    pd_web_str(ev->agenda[i].to)));
	for (i = 0; i < ev->ntalks; i++) {
		const struct pd_talk *t = &ev->talks[i];

		alt_title = NULL;
		for (j = 0; t->alternative_to != NULL && j < ev->ntalks; j++)
			if (strcmp(ev->talks[j].uid, t->alternative_to) == 0)
				alt_title = ev->talks[j].title;
		json_array_append_new(talks, json_pack("{s:I, s:o, s:o, s:o, "
		    "s:o, s:o, s:o, s:b, s:b, s:b, s:o}", "id",
		    (json_int_t)t->id,
		    "title", pd_web_str(t->title), "speaker",
		    pd_web_json_person(&t->speaker), "via",
		    pd_web_json_person(&t->via), "alternative_to",
		    pd_web_str(alt_title), "status", status_label(w, "talk_",
		    pd_talk_status_name(t->status)), "by", by_label(w,
		    t->status_by), "can_confirm", t->status !=
		    PD_TALK_CONFIRMED, "can_decline", t->status !=
		    PD_TALK_DECLINED, "requested", t->status ==
		    PD_TALK_REQUESTED, "link", answer_link(w, ev, t)));
	}
	for (i = 0; i < ev->nattendances; i++) {
		const struct pd_attendance *a = &ev->attendances[i];

		json_array_append_new(att, json_pack("{s:I, s:o, s:o, s:o, "
		    "s:o, s:b, s:b, s:b}", "id", (json_int_t)a->id, "person",
		    pd_web_json_person(&a->person), "role", status_label(w,
		    "role_", pd_role_name(a->role)), "status", status_label(w,
		    "part_", pd_partstat_name(a->status)), "delegate",
		    pd_web_str(a->delegate), "present", a->status ==
		    PD_PART_ACCEPTED, "absent", a->status == PD_PART_DECLINED,
		    "delegated", a->status == PD_PART_DELEGATED));
	}
	for (i = 0; i < ev->ntopics; i++)
		json_array_append_new(topics, pd_web_str(ev->topics[i]));
	alts = json_array();
	for (i = 0; i < ev->ntalks; i++)
		json_array_append_new(alts, json_pack("{s:I, s:o}", "id",
		    (json_int_t)ev->talks[i].id, "title",
		    pd_web_str(ev->talks[i].title)));
	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:o, "
	    "s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "id", (json_int_t)ev->id, "uid", pd_web_str(ev->uid), "title",
	    pd_web_str(ev->title), "when", pd_web_when(w, ev), "location",
	    pd_web_str(ev->location), "description",
	    pd_web_str(ev->description), "tz", pd_web_str(ev->tzid),
	    "status", status_label(w, "event_",
	    pd_event_status_name(ev->status)), "sequence", ev->sequence,
	    "group", pd_web_str(ev->group_name), "cancelled",
	    ev->status == PD_EVENT_CANCELLED, "topics", topics, "agenda",
	    agenda, "talks", talks, "attendances", att, "alternatives", alts,
	    "rrule", pd_web_str(ev->rrule), "start", pd_web_str(ev->start),
	    "end", pd_web_str(ev->end), "public_attendance",
	    json_boolean(ev->public_attendance), "group_public",
	    json_boolean(ev->group_public_attendance), "group_slug",
	    pd_web_str(ev->group_slug));
}

/* The move form's defaults: the event's own date and times. */
static json_t *
move_defaults(const struct pd_event *ev)
{
	char d[16] = "", f[8] = "", t[8] = "";

	if (ev->start != NULL && strlen(ev->start) >= 10)
		snprintf(d, sizeof(d), "%.10s", ev->start);
	if (ev->start != NULL && strlen(ev->start) >= 16)
		snprintf(f, sizeof(f), "%.5s", ev->start + 11);
	if (ev->end != NULL && strlen(ev->end) >= 16)
		snprintf(t, sizeof(t), "%.5s", ev->end + 11);
	return json_pack("{s:s, s:s, s:s}", "date", d, "from", f, "to", t);
}

static int
show(struct pd_web *w, const struct pd_event *ev)
{
	return pd_web_render(w, 0, "event", json_pack("{s:o, s:o, s:o, s:o, "
	    "s:o, s:o, s:o, s:o}", "event", event_json(w, ev), "people",
	    people_options(w, 0), "roles", options(w, "role_", roles,
	    NELEM(roles), "participant"), "talk_states", options(w, "talk_",
	    talk_states, 2, "requested"), "move", move_defaults(ev),
	    "partstats", options(w, "part_", partstats, NELEM(partstats),
	    NULL), "ok", pd_web_ok(w), "title_", pd_web_str(ev->title)));
}

int
pd_web_event(struct pd_web *w)
{
	struct pd_event *ev = NULL;
	int rc;

	if (load_event(w, &ev) != PD_OK)
		return PD_ENOTFOUND;
	rc = show(w, ev);
	pd_event_free(ev);
	return rc;
}

/* After a refused form: the event page again, with the errors. */
static int
again(struct pd_web *w)
{
	struct pd_event *ev = NULL;
	int rc;

	if (pd_store_event_get(w->app->st, w->arg[0], &ev) != PD_OK)
		return pd_web_fail(w, 404, pd_web_text(w, "err_notfound"));
	rc = show(w, ev);
	pd_event_free(ev);
	return rc;
}

/* ---- what a change would mail ---- */

static int
plan_one(struct pd_web *w, const struct pd_event *ev,
    const struct pd_sent *sent, size_t nsent, struct pd_mail **out,
    size_t *n)
{
	struct pd_plan_input in;

	memset(&in, 0, sizeof(in));
	in.events = ev;
	in.nevents = 1;
	in.sent = sent;
	in.nsent = nsent;
	in.now = w->now;
	in.offsets = w->cfg->offsets;
	in.noffsets = w->cfg->noffsets;
	in.nudge = w->cfg->nudge;
	return pd_plan(&in, out, n);
}

/*
 * The messages the planner would queue for after that it would not for
 * before: [{kind, to, email}], for the confirmation page.
 */
static json_t *
would_mail(struct pd_web *w, const struct pd_event *before,
    const struct pd_event *after)
{
	struct pd_mail *a = NULL, *b = NULL;
	struct pd_sent *sent = NULL;
	size_t na = 0, nb = 0, nsent = 0, i, j;
	int64_t id = before->id;
	char *keys = NULL, key[64];
	json_t *arr = json_array();
	int seen;

	if (pd_store_outbox_facts(w->app->st, &id, 1, &sent, &nsent,
	    &keys) != PD_OK ||
	    plan_one(w, before, sent, nsent, &b, &nb) != PD_OK ||
	    plan_one(w, after, sent, nsent, &a, &na) != PD_OK)
		goto out;
	for (i = 0; i < na; i++) {
		for (seen = 0, j = 0; j < nb && !seen; j++)
			seen = strcmp(a[i].key, b[j].key) == 0;
		if (seen || a[i].to == NULL)
			continue;
		snprintf(key, sizeof(key), "kind_%s",
		    pd_mail_kind_name(a[i].kind));
		json_array_append_new(arr, json_pack("{s:s, s:o, s:o, s:o}",
		    "kind", pd_web_text(w, key), "to",
		    pd_web_str(a[i].to->name), "email",
		    pd_web_str(a[i].to->email), "cc", a[i].cc != NULL ?
		    pd_web_str(a[i].cc->name) : json_null()));
	}
out:
	pd_plan_free(a, na);
	pd_plan_free(b, nb);
	free(sent);
	free(keys);
	return arr;
}

/*
 * The confirmation page: what the change is, the messages it queues,
 * and the same form again with confirmed=1 (the fields travel hidden).
 */
static int
confirm_page(struct pd_web *w, const struct pd_event *ev, const char *what,
    const char *action, json_t *mails)
{
	json_t *hidden = json_array();
	const char *k;
	json_t *v;

	json_object_foreach(w->form, k, v) {
		if (strcmp(k, "csrf") == 0 || strcmp(k, "confirmed") == 0 ||
		    !json_is_string(v))
			continue;
		json_array_append_new(hidden, json_pack("{s:s, s:O}", "name",
		    k, "value", v));
	}
	return pd_web_render(w, 0, "confirm", json_pack("{s:o, s:s, s:s, "
	    "s:o, s:i, s:b, s:o}", "event", event_json(w, ev), "what",
	    pd_web_text(w, what), "action", action, "mails", mails, "count",
	    (int)json_array_size(mails), "one", json_array_size(mails) == 1,
	    "hidden", hidden));
}

static int
confirmed(struct pd_web *w)
{
	const char *c = pd_web_field(w, "confirmed");

	return c != NULL && strcmp(c, "1") == 0;
}

int
pd_web_event_move(struct pd_web *w)
{
	struct pd_error err = { 0, NULL, NULL };
	struct pd_event *ev = NULL, *after = NULL;
	char *start = NULL, *end = NULL, action[64];
	int rc;

	if (load_event(w, &ev) != PD_OK)
		return PD_ENOTFOUND;
	if (ev->all_day) {
		start = when_of(w, "date", "-", "date");
		end = pd_web_opt(w, "end_date") != NULL ?
		    when_of(w, "end_date", "-", "end_date") : NULL;
	} else {
		start = when_of(w, "date", "from", "from");
		end = pd_web_opt(w, "to") != NULL ?
		    when_of(w, "date", "to", "to") : NULL;
	}
	if (w->errors != NULL) {
		rc = show(w, ev);
		goto out;
	}
	if (!confirmed(w)) {
		/* The change as the store would make it, on a copy. */
		if ((rc = pd_store_event_get(w->app->st, w->arg[0],
		    &after)) != PD_OK)
			goto fail;
		free(after->start);
		after->start = strdup(start);
		if (end != NULL) {
			free(after->end);
			after->end = strdup(end);
		}
		after->sequence++;
		if (pd_event_validate(after, &err) != PD_OK) {
			pd_web_refuse(w, err.field != NULL ? err.field : "from",
			    err.msg);
			rc = show(w, ev);
			goto out;
		}
		snprintf(action, sizeof(action), "/events/%lld/move",
		    (long long)ev->id);
		rc = confirm_page(w, ev, "confirm_move", action,
		    would_mail(w, ev, after));
		goto out;
	}
	if ((rc = pd_store_event_move(w->app->st, ev->id, start, end)) !=
	    PD_OK)
		goto fail;
	w->wrote = 1;
	rc = pd_web_redirect(w, "/events/%lld?ok=moved", (long long)ev->id);
	goto out;
fail:
	pd_web_refuse_store(w, "from");
	rc = show(w, ev);
out:
	pd_error_clear(&err);
	free(start);
	free(end);
	pd_event_free(after);
	pd_event_free(ev);
	return rc;
}

int
pd_web_event_cancel(struct pd_web *w)
{
	struct pd_event *ev = NULL, *after = NULL;
	char action[64];
	int rc;

	if (load_event(w, &ev) != PD_OK)
		return PD_ENOTFOUND;
	if (!confirmed(w)) {
		if (pd_store_event_get(w->app->st, w->arg[0], &after) !=
		    PD_OK) {
			rc = pd_web_fail(w, 500, "cannot load the event");
			goto out;
		}
		after->status = PD_EVENT_CANCELLED;
		after->sequence++;
		snprintf(action, sizeof(action), "/events/%lld/cancel",
		    (long long)ev->id);
		rc = confirm_page(w, ev, "confirm_cancel", action,
		    would_mail(w, ev, after));
		goto out;
	}
	if ((rc = pd_store_event_cancel(w->app->st, ev->id)) != PD_OK) {
		pd_web_refuse_store(w, "cancel");
		rc = show(w, ev);
		goto out;
	}
	w->wrote = 1;
	rc = pd_web_redirect(w, "/events/%lld?ok=cancelled",
	    (long long)ev->id);
out:
	pd_event_free(after);
	pd_event_free(ev);
	return rc;
}

/* ---- agenda ---- */

int
pd_web_agenda_add(struct pd_web *w)
{
	struct pd_agenda_item it;
	int64_t id = pd_web_arg_id(w, 0);
	const char *s;
	int rc;

	memset(&it, 0, sizeof(it));
	it.label = strdup((s = pd_web_field(w, "label")) != NULL ? s : "");
	it.title = strdup((s = pd_web_field(w, "title")) != NULL ? s : "");
	it.from = strdup((s = pd_web_field(w, "from")) != NULL ? s : "");
	it.to = strdup((s = pd_web_field(w, "to")) != NULL ? s : "");
	if (id == 0 || it.label == NULL || it.title == NULL ||
	    it.from == NULL || it.to == NULL) {
		pd_agenda_item_clear(&it);
		return pd_web_fail(w, 404, pd_web_text(w, "err_notfound"));
	}
	rc = pd_store_agenda_add(w->app->st, id, &it);
	pd_agenda_item_clear(&it);
	if (rc != PD_OK) {
		pd_web_refuse_store_as(w, "from", "ag_");
		return again(w);
	}
	w->wrote = 1;
	return pd_web_redirect(w, "/events/%lld?ok=agenda#agenda",
	    (long long)id);
}

int
pd_web_agenda_delete(struct pd_web *w)
{
	int64_t ev = pd_web_arg_id(w, 0), id = pd_web_arg_id(w, 1);

	if (ev == 0 || id == 0 ||
	    pd_store_agenda_delete(w->app->st, id) != PD_OK)
		return pd_web_fail(w, 404, pd_web_text(w, "err_notfound"));
	w->wrote = 1;
	return pd_web_redirect(w, "/events/%lld?ok=agenda_removed#agenda",
	    (long long)ev);
}

/* ---- talks ---- */

/* A person select's value: an id, or nobody (0) when empty. */
static int
person_field(struct pd_web *w, const char *field, int required,
    struct pd_person *out)
{
	const char *v = pd_web_opt(w, field);

	memset(out, 0, sizeof(*out));
	if (v == NULL) {
		if (required)
			pd_web_refuse(w, field, pd_web_text(w,
			    "err_required"));
		return required ? PD_EINVAL : PD_OK;
	}
	if (pd_store_person_find(w->app->st, v, out) != PD_OK) {
		pd_web_refuse_store(w, field);
		return PD_EINVAL;
	}
	return PD_OK;
}

int
pd_web_talk_add(struct pd_web *w)
{
	struct pd_error err = { 0, NULL, NULL };
	struct pd_event *ev = NULL, *after = NULL;
	struct pd_talk t, *grown;
	const char *status = pd_web_opt(w, "status"), *alt;
	char action[64];
	size_t i;
	int rc;

	memset(&t, 0, sizeof(t));
	if (load_event(w, &ev) != PD_OK)
		return PD_ENOTFOUND;
	t.title = strdup(pd_web_opt(w, "title") != NULL ?
	    pd_web_opt(w, "title") : "");
	if (status != NULL && pd_talk_status_parse(status, &t.status) != PD_OK)
		pd_web_refuse(w, "status", pd_web_text(w, "err_status"));
	person_field(w, "speaker", 1, &t.speaker);
	person_field(w, "via", 0, &t.via);
	if ((alt = pd_web_opt(w, "alternative_to")) != NULL) {
		for (i = 0; i < ev->ntalks; i++)
			if (strcmp(alt, "") != 0 && ev->talks[i].id ==
			    strtoll(alt, NULL, 10))
				t.alternative_to = strdup(ev->talks[i].uid);
		if (t.alternative_to == NULL)
			pd_web_refuse(w, "alternative_to", pd_web_text(w,
			    "err_notfound"));
	}
	if (w->errors == NULL && pd_talk_validate(&t, &err) != PD_OK) {
		pd_web_refuse(w, err.field != NULL ? err.field : "title",
		    err.msg);
		pd_error_clear(&err);
	}
	if (w->errors != NULL) {
		rc = show(w, ev);
		goto out;
	}
	/* A request mails the speaker: say so first. */
	if (t.status == PD_TALK_REQUESTED && !confirmed(w)) {
		if ((rc = pd_store_event_get(w->app->st, w->arg[0],
		    &after)) != PD_OK ||
		    (grown = realloc(after->talks, (after->ntalks + 1) *
		    sizeof(*grown))) == NULL) {
			rc = pd_web_fail(w, 500, "out of memory");
			goto out;
		}
		after->talks = grown;
		memset(&grown[after->ntalks], 0, sizeof(*grown));
		grown[after->ntalks].uid = strdup("podium-web-preview");
		grown[after->ntalks].title = strdup(t.title);
		pd_person_copy(&grown[after->ntalks].speaker, &t.speaker);
		if (t.via.name != NULL)
			pd_person_copy(&grown[after->ntalks].via, &t.via);
		grown[after->ntalks].status = PD_TALK_REQUESTED;
		after->ntalks++;
		snprintf(action, sizeof(action), "/events/%lld/talks",
		    (long long)ev->id);
		rc = confirm_page(w, ev, "confirm_request", action,
		    would_mail(w, ev, after));
		goto out;
	}
	if ((rc = pd_store_talk_add(w->app->st, ev->id, &t)) != PD_OK) {
		pd_web_refuse_store(w, "title");
		rc = show(w, ev);
		goto out;
	}
	w->wrote = 1;
	rc = pd_web_redirect(w, "/events/%lld?ok=talk#talks",
	    (long long)ev->id);
out:
	pd_talk_clear(&t);
	pd_event_free(after);
	pd_event_free(ev);
	return rc;
}

static int
talk_status(struct pd_web *w, enum pd_talk_status to, const char *ok)
{
	struct pd_talk t;
	int64_t id = pd_web_arg_id(w, 0), event_id = 0;
	int rc;

	memset(&t, 0, sizeof(t));
	if (id == 0 || pd_store_talk_get(w->app->st, id, &t, &event_id) !=
	    PD_OK)
		return pd_web_fail(w, 404, pd_web_text(w, "err_notfound"));
	pd_talk_clear(&t);
	if ((rc = pd_store_talk_set_status(w->app->st, id, to)) != PD_OK)
		return pd_web_fail(w, 400, pd_store_error(w->app->st)->msg);
	w->wrote = 1;
	return pd_web_redirect(w, "/events/%lld?ok=%s#talk-%lld",
	    (long long)event_id, ok, (long long)id);
}

int
pd_web_talk_confirm(struct pd_web *w)
{
	return talk_status(w, PD_TALK_CONFIRMED, "confirmed");
}

int
pd_web_talk_decline(struct pd_web *w)
{
	return talk_status(w, PD_TALK_DECLINED, "declined");
}

/* ---- attendances ---- */

int
pd_web_attend(struct pd_web *w)
{
	struct pd_event *ev = NULL;
	struct pd_person p;
	const struct pd_attendance *old = NULL;
	const char *role = pd_web_opt(w, "role");
	const char *status = pd_web_opt(w, "status");
	const char *delegate = pd_web_opt(w, "delegate");
	enum pd_role r = PD_ROLE_PARTICIPANT;
	enum pd_partstat s = PD_PART_NEEDS_ACTION;
	int64_t aid = 0;
	size_t i;
	int rc;

	memset(&p, 0, sizeof(p));
	if (load_event(w, &ev) != PD_OK)
		return PD_ENOTFOUND;
	if (person_field(w, "person", 1, &p) == PD_OK)
		for (i = 0; i < ev->nattendances; i++)
			if (ev->attendances[i].person.id == p.id)
				old = &ev->attendances[i];
	/* What the form does not say is kept, as on the command line. */
	if (old != NULL) {
		r = old->role;
		s = old->status;
	}
	if (role != NULL && pd_role_parse(role, &r) != PD_OK)
		pd_web_refuse(w, "role", pd_web_text(w, "err_status"));
	if (status != NULL && pd_partstat_parse(status, &s) != PD_OK)
		pd_web_refuse(w, "status", pd_web_text(w, "err_status"));
	if (delegate != NULL && status == NULL)
		s = PD_PART_DELEGATED;
	if (w->errors == NULL && (rc = pd_store_attend(w->app->st, ev->id,
	    p.id, r, s, s == PD_PART_DELEGATED ? delegate : NULL,
	    &aid)) != PD_OK)
		pd_web_refuse_store(w, "delegate");
	if (w->errors != NULL) {
		/* Show it by the row it came from, when it came from one. */
		if (old != NULL && json_object_get(w->errors, "delegate")) {
			char key[40];

			snprintf(key, sizeof(key), "delegate_%lld",
			    (long long)old->id);
			pd_web_refuse(w, key, json_string_value(
			    json_object_get(w->errors, "delegate")));
		}
		rc = show(w, ev);
		goto out;
	}
	w->wrote = 1;
	rc = pd_web_redirect(w, "/events/%lld?ok=attendance#att-%lld",
	    (long long)ev->id, (long long)aid);
out:
	pd_person_clear(&p);
	pd_event_free(ev);
	return rc;
}
