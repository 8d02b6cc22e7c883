/*
 * The people pages: the directory with search and an add form
 * (/people), one person with their events and talks, an edit form and
 * their personal feed link (/people/{id}), and every public feed URL
 * (/feeds).
 *
 * A personal feed token is a secret the store keeps only as a hash, so
 * it can be shown only right after it was made: the POST that makes it
 * redirects to the person's page with the token in the query, and the
 * page shows it only when its hash is the one the person has now.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "podium/config.h"
#include "podium/store.h"
#include "podium/token.h"
#include "web_int.h"

/* http(s)://HOST/PATH and webcal://HOST/PATH */
static json_t *
feed_urls(struct pd_web *w, const char *path, json_t *name)
{
	const char *base = w->cfg->base_url, *rest = base;
	char http[600], webcal[600];

	if (strncmp(rest, "http://", 7) == 0)
		rest += 7;
	else if (strncmp(rest, "https://", 8) == 0)
		rest += 8;
	snprintf(http, sizeof(http), "%s%s", base, path);
	snprintf(webcal, sizeof(webcal), "webcal://%s%s", rest, path);
	return json_pack("{s:o, s:s, s:s}", "name", name, "http", http,
	    "webcal", webcal);
}

int
pd_web_feeds(struct pd_web *w)
{
	struct pd_group *groups = NULL;
	struct pd_topic *topics = NULL;
	size_t ng = 0, nt = 0, i;
	json_t *arr = json_array(), *grp = json_array();
	char path[300];

	json_array_append_new(arr, feed_urls(w, "/calendars/all.ics",
	    json_string(pd_web_text(w, "feeds_all"))));
	if (pd_store_group_list(w->app->st, &groups, &ng) == PD_OK)
		for (i = 0; i < ng; i++) {
			snprintf(path, sizeof(path), "/calendars/group/%s.ics",
			    groups[i].slug);
			json_array_append_new(arr, feed_urls(w, path,
			    pd_web_str(groups[i].name)));
			/* Issue 15: whom the group's public feed may name. */
			json_array_append_new(grp, json_pack("{s:o, s:o, s:b}",
			    "slug", pd_web_str(groups[i].slug), "name",
			    pd_web_str(groups[i].name), "public",
			    groups[i].public_attendance));
		}
	if (pd_store_topic_list(w->app->st, &topics, &nt) == PD_OK)
		for (i = 0; i < nt; i++) {
			snprintf(path, sizeof(path), "/calendars/topic/%s.ics",
			    topics[i].slug);
			json_array_append_new(arr, feed_urls(w, path,
			    pd_web_str(topics[i].name)));
		}
	pd_group_list_free(groups, ng);
	pd_topic_list_free(topics, nt);
	return pd_web_render(w, 0, "feeds", json_pack("{s:o, s:o, s:o}",
	    "feeds", arr, "groups", grp, "ok", pd_web_ok(w)));
}

static int
contains(const char *hay, const char *needle)
{
	return hay != NULL && strcasestr(hay, needle) != NULL;
}

int
pd_web_people(struct pd_web *w)
{
	const char *q = pd_web_qarg(w, "q");
	struct pd_person *list = NULL;
	json_t *rows = json_array();
	size_t n = 0, i;

	if (pd_store_person_list(w->app->st, &list, &n) != PD_OK) {
		json_decref(rows);
		return pd_web_fail(w, 500, pd_store_error(w->app->st)->msg);
	}
	for (i = 0; i < n; i++) {
		if (q != NULL && !contains(list[i].name, q) &&
		    !contains(list[i].email, q) &&
		    !contains(list[i].org_code, q) &&
		    !contains(list[i].org_name, q))
			continue;
		json_array_append_new(rows, pd_web_json_person(&list[i]));
	}
	pd_person_list_free(list, n);
	return pd_web_render(w, 0, "people", json_pack("{s:o, s:i, s:o, s:o}",
	    "people", rows, "count", (int)json_array_size(rows), "q",
	    pd_web_str(q), "ok", pd_web_str(pd_web_qarg(w, "ok"))));
}

static char *
dup_opt(struct pd_web *w, const char *name)
{
	const char *s = pd_web_opt(w, name);

	return s != NULL ? strdup(s) : NULL;
}

int
pd_web_people_add(struct pd_web *w)
{
	struct pd_person p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.name = dup_opt(w, "name");
	p.email = dup_opt(w, "email");
	p.org_code = dup_opt(w, "org");
	p.lang = dup_opt(w, "lang");
	if (p.name == NULL)
		p.name = strdup("");
	if ((rc = pd_store_person_add(w->app->st, &p)) != PD_OK) {
		pd_web_refuse_store(w, "name");
		pd_person_clear(&p);
		return pd_web_people(w);
	}
	w->wrote = 1;
	rc = pd_web_redirect(w, "/people/%lld?ok=added", (long long)p.id);
	pd_person_clear(&p);
	return rc;
}

/* The person's events and talks: what their own feed holds. */
static void
their_events(struct pd_web *w, const struct pd_person *p, json_t *events,
    json_t *talks)
{
	struct pd_calendar *cal = NULL;
	struct pd_filter f;
	char key[40];
	size_t i, j;

	memset(&f, 0, sizeof(f));
	f.kind = PD_FILTER_PERSON;
	f.person_id = p->id;
	if (pd_store_calendar(w->app->st, &f, &cal) != PD_OK)
		return;
	for (i = 0; i < cal->nevents; i++) {
		const struct pd_event *ev = &cal->events[i];

		for (j = 0; j < ev->nattendances; j++) {
			const struct pd_attendance *a = &ev->attendances[j];

			if (a->person.id != p->id)
				continue;
			snprintf(key, sizeof(key), "part_%s",
			    pd_partstat_name(a->status));
			json_array_append_new(events, json_pack("{s:I, s:o, "
			    "s:o, s:s, s:o}", "id", (json_int_t)ev->id,
			    "title", pd_web_str(ev->title), "when",
			    pd_web_when(w, ev), "status", pd_web_text(w, key),
			    "delegate", pd_web_str(a->delegate)));
		}
		for (j = 0; j < ev->ntalks; j++) {
			const struct pd_talk *t = &ev->talks[j];

			if (t->speaker.id != p->id)
				continue;
			snprintf(key, sizeof(key), "talk_%s",
			    pd_talk_status_name(t->status));
			json_array_append_new(talks, json_pack("{s:I, s:o, "
			    "s:I, s:o, s:s, s:s}", "id", (json_int_t)t->id,
			    "title", pd_web_str(t->title), "event_id",
			    (json_int_t)ev->id, "event", pd_web_str(ev->title),
			    "status", pd_talk_status_name(t->status),
			    "status_label", pd_web_text(w, key)));
		}
	}
	pd_calendar_free(cal);
}

/* The feed URL, when the query's token is the person's current one. */
static json_t *
fresh_feed(struct pd_web *w, int64_t person_id)
{
	const char *tok = pd_web_qarg(w, "feed");
	char hash[PD_TOKEN_HASH_LEN + 1], path[200];
	int64_t owner = 0;

	if (tok == NULL || !pd_token_wellformed(tok, strlen(tok)) ||
	    pd_token_hash(tok, strlen(tok), hash) != PD_OK ||
	    pd_store_feed_token_find(w->app->st, hash, &owner) != PD_OK ||
	    owner != person_id)
		return json_null();
	snprintf(path, sizeof(path), "/calendars/person/%s.ics", tok);
	return feed_urls(w, path, json_null());
}

static int
show(struct pd_web *w, int64_t id)
{
	struct pd_person p;
	json_t *events = json_array(), *talks = json_array();
	int erased = 0;

	memset(&p, 0, sizeof(p));
	if (pd_store_person_get(w->app->st, id, &p) != PD_OK) {
		json_decref(events);
		json_decref(talks);
		return pd_web_fail(w, 404, pd_web_text(w, "err_notfound"));
	}
	their_events(w, &p, events, talks);
	if (pd_store_person_erased(w->app->st, id, &erased) != PD_OK)
		erased = 0;
	pd_web_render(w, 0, "person", json_pack("{s:o, s:o, s:o, s:o, s:b, "
	    "s:o, s:b, s:o}", "person", pd_web_json_person(&p), "events",
	    events, "talks", talks, "feed", fresh_feed(w, id), "lang_en",
	    p.lang != NULL && strcmp(p.lang, "en") == 0, "ok", pd_web_ok(w),
	    "erased", erased, "files", pd_web_str(pd_web_qarg(w, "files"))));
	pd_person_clear(&p);
	return PD_OK;
}

int
pd_web_person(struct pd_web *w)
{
	int64_t id = pd_web_arg_id(w, 0);

	if (id == 0)
		return pd_web_fail(w, 404, pd_web_text(w, "err_notfound"));
	return show(w, id);
}

int
pd_web_person_edit(struct pd_web *w)
{
	struct pd_person p;
	int64_t id = pd_web_arg_id(w, 0);
	int rc;

	memset(&p, 0, sizeof(p));
	if (id == 0 || pd_store_person_get(w->app->st, id, &p) != PD_OK)
		return pd_web_fail(w, 404, pd_web_text(w, "err_notfound"));
	/* The form shows every field, so an empty one clears it. */
	free(p.name);
	free(p.email);
	free(p.org_code);
	free(p.lang);
	p.name = strdup(pd_web_opt(w, "name") != NULL ?
	    pd_web_opt(w, "name") : "");
	p.email = dup_opt(w, "email");
	p.org_code = dup_opt(w, "org");
	p.lang = dup_opt(w, "lang");
	if (p.org_code == NULL) {
		free(p.org_name);
		p.org_name = NULL;
	}
	rc = pd_store_person_update(w->app->st, &p);
	pd_person_clear(&p);
	if (rc != PD_OK) {
		pd_web_refuse_store(w, "name");
		return show(w, id);
	}
	w->wrote = 1;
	return pd_web_redirect(w, "/people/%lld?ok=saved", (long long)id);
}

int
pd_web_person_feed(struct pd_web *w)
{
	char tok[PD_TOKEN_LEN + 1], hash[PD_TOKEN_HASH_LEN + 1];
	int64_t id = pd_web_arg_id(w, 0);

	if (id == 0)
		return pd_web_fail(w, 404, pd_web_text(w, "err_notfound"));
	if (pd_token_new(tok) != PD_OK ||
	    pd_token_hash(tok, strlen(tok), hash) != PD_OK)
		return pd_web_fail(w, 500, "cannot make a token");
	if (pd_store_feed_token_set(w->app->st, id, hash) != PD_OK)
		return pd_web_fail(w, 404, pd_store_error(w->app->st)->msg);
	w->wrote = 1;
	return pd_web_redirect(w, "/people/%lld?ok=feed&feed=%s#feed",
	    (long long)id, tok);
}

int
pd_web_person_feed_revoke(struct pd_web *w)
{
	int64_t id = pd_web_arg_id(w, 0);

	if (id == 0 || pd_store_feed_token_set(w->app->st, id, NULL) != PD_OK)
		return pd_web_fail(w, 404, pd_web_text(w, "err_notfound"));
	w->wrote = 1;
	return pd_web_redirect(w, "/people/%lld?ok=revoked#feed",
	    (long long)id);
}
