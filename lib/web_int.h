/*
 * What the organizer pages' files share (web.c: routing, sessions,
 * CSRF, headers, rendering; web_form.c: form bodies; web_*.c: the
 * pages) and nobody else may use.
 *
 * A page handler gets a struct pd_web with the logged-in account, the
 * parsed form or query and the path's "*" segments; it runs with
 * app->lock held and answers through pd_web_render(), pd_web_redirect()
 * or pd_web_fail().  Handlers call the store and the model, never the
 * API's handlers, so both see the same validation through the store.
 */
#ifndef PODIUM_WEB_INT_H
#define PODIUM_WEB_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "podium/account.h"
#include "podium/config.h"
#include "podium/http.h"
#include "podium/model.h"

#define PD_WEB_MAX_ARGS 2

struct pd_web {
	struct pd_app *app;
	const struct pd_config *cfg;	/* app->cfg, or the defaults */
	const struct pd_http_req *req;
	struct pd_http_resp *resp;
	struct pd_account acct;		/* id 0: nobody logged in */
	char *csrf;			/* the session's token */
	const char *lang;		/* "de" or "en" */
	const char *arg[PD_WEB_MAX_ARGS];	/* the path's "*" segments */
	char argbuf[PD_WEB_MAX_ARGS][64];
	json_t *form;			/* POST fields: name -> string */
	json_t *query;			/* GET parameters: name -> string */
	json_t *errors;			/* refused fields: name -> message */
	json_t *texts;			/* templates/web/LANG.json */
	int64_t now;
	int wrote;			/* set after a write: feeds, scheduler */
};

/* ---- web.c ---- */

/*
 * Renders templates/web/PAGE.html with data (stolen; may be NULL) and
 * what every page has: the texts of the language ("t"), the account,
 * the CSRF token, the refused fields ("errors") and the form's values
 * ("v").  status 0 means 200, or 400 when fields were refused.
 */
int pd_web_render(struct pd_web *w, int status, const char *page,
    json_t *data);
/* 303 to a path of ours (printf-style, no CR/LF). */
int pd_web_redirect(struct pd_web *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* An error page with status and a message (not a template's text). */
int pd_web_fail(struct pd_web *w, int status, const char *msg);
/* Records a refused field with its message (shown next to the field). */
void pd_web_refuse(struct pd_web *w, const char *field, const char *msg);
/* The store's last error as a refused field (its own field or dflt). */
void pd_web_refuse_store(struct pd_web *w, const char *dflt);
/* The same under prefix+field, for a page with several forms. */
void pd_web_refuse_store_as(struct pd_web *w, const char *dflt,
    const char *prefix);

/* A form (or query) field, NULL when absent; "" counts as absent in _opt. */
const char *pd_web_field(struct pd_web *w, const char *name);
const char *pd_web_opt(struct pd_web *w, const char *name);
const char *pd_web_qarg(struct pd_web *w, const char *name);
/* A path segment as a positive id, 0 when it is not one. */
int64_t pd_web_arg_id(struct pd_web *w, int i);

/* A JSON string or null (text that is not UTF-8 is null, too). */
json_t *pd_web_str(const char *s);
/* "Do., 11.02.2021, 09:00–12:00" in the page's language. */
json_t *pd_web_when(struct pd_web *w, const struct pd_event *ev);
/* A unix time as "11.02.2021 09:00" UTC-free wall time in Europe/Berlin. */
json_t *pd_web_stamp(struct pd_web *w, int64_t t);
/* A person as the pages show it: id, name, email, org, lang. */
json_t *pd_web_json_person(const struct pd_person *p);
/* The text of key in the page's language (for counts and labels). */
const char *pd_web_text(struct pd_web *w, const char *key);
/* The text of the query's ok=NAME (t.ok_NAME), or null: after a 303. */
json_t *pd_web_ok(struct pd_web *w);

/* ---- web_form.c ---- */

/* application/x-www-form-urlencoded -> object of strings.  PD_EINVAL. */
int pd_web_form_urlencoded(const char *body, size_t len, json_t **out);
/* multipart/form-data (ctype names the boundary) -> object of strings. */
int pd_web_form_multipart(const char *ctype, const char *body, size_t len,
    json_t **out);
/* The value of cookie name in a Cookie header into out; 0 when none. */
int pd_web_cookie(const char *header, const char *name, char *out,
    size_t size);

/* ---- the pages ---- */

int pd_web_dashboard(struct pd_web *w);
int pd_web_unconfirmed(struct pd_web *w);
int pd_web_talk_nudge(struct pd_web *w);
int pd_web_events(struct pd_web *w);
int pd_web_event_new(struct pd_web *w);
int pd_web_event_create(struct pd_web *w);
int pd_web_event(struct pd_web *w);
int pd_web_event_move(struct pd_web *w);
int pd_web_event_cancel(struct pd_web *w);
int pd_web_agenda_add(struct pd_web *w);
int pd_web_agenda_delete(struct pd_web *w);
int pd_web_talk_add(struct pd_web *w);
int pd_web_talk_confirm(struct pd_web *w);
int pd_web_talk_decline(struct pd_web *w);
int pd_web_attend(struct pd_web *w);
int pd_web_outbox(struct pd_web *w);
int pd_web_outbox_show(struct pd_web *w);
int pd_web_outbox_retry(struct pd_web *w);
int pd_web_people(struct pd_web *w);
int pd_web_people_add(struct pd_web *w);
int pd_web_person(struct pd_web *w);
int pd_web_person_edit(struct pd_web *w);
int pd_web_person_feed(struct pd_web *w);
int pd_web_person_feed_revoke(struct pd_web *w);
int pd_web_feeds(struct pd_web *w);
int pd_web_import(struct pd_web *w);
int pd_web_import_post(struct pd_web *w);
int pd_web_export(struct pd_web *w);
/* web_privacy.c */
int pd_web_event_public(struct pd_web *w);
int pd_web_group_public(struct pd_web *w);
int pd_web_person_export(struct pd_web *w);
int pd_web_person_forget_ask(struct pd_web *w);
int pd_web_person_forget(struct pd_web *w);

#endif
