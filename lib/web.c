/*
 * The organizer web pages: which path goes to which page, who is logged
 * in (sessions), login and logout with throttling, the first-start setup
 * link, CSRF and Origin checks, the headers of every page, and rendering
 * templates/web/ with the texts of the account's language.
 *
 * The pages themselves are in web_dash.c, web_events.c, web_people.c,
 * web_outbox.c and web_port.c; form bodies are read by web_form.c.  This
 * file sends no mail and knows nothing about events.
 *
 * Sessions: the cookie holds a 256-bit random id (pd_token_new); the
 * store keeps only its SHA-256, with a CSRF token, the time it was made
 * and the time it was last used.  A session ends [web] session_idle
 * after its last use and session_max after it was made, whichever comes
 * first.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "podium/account.h"
#include "podium/buf.h"
#include "podium/config.h"
#include "podium/store.h"
#include "podium/template.h"
#include "podium/token.h"
#include "podium/tz.h"
#include "web_int.h"
#include "web_template.h"

#define COOKIE "podium_session"
#define MAX_TEMPLATE (256 * 1024)
#define MAX_PAGE (8 * 1024 * 1024)
/* Failed logins: this many per account, or per address, ... */
#define THROTTLE_ACCOUNT 5
#define THROTTLE_ADDR 20
/* ... within PD_THROTTLE_WINDOW seconds lock further tries until it has passed. */
/* The window as text, for Retry-After. */
#define STR_(x) #x
#define STR(x) STR_(x)
/* A session's last use is written at most this often. */
#define TOUCH_EVERY 60
/* How long a setup link printed at start stays good. */
#define SETUP_TTL 86400

enum { R_OPEN = 1, R_POST = 2 };

struct route {
	const char *method;
	const char *pattern;	/* "*" matches one segment */
	int (*fn)(struct pd_web *);
	unsigned flags;
};

static int page_login(struct pd_web *w);
static int post_login(struct pd_web *w);
static int post_logout(struct pd_web *w);
static int page_setup(struct pd_web *w);
static int post_setup(struct pd_web *w);
static int page_css(struct pd_web *w);

static const struct route routes[] = {
	{ "GET", "/login", page_login, R_OPEN },
	{ "POST", "/login", post_login, R_OPEN | R_POST },
	{ "POST", "/logout", post_logout, R_POST },
	{ "GET", "/setup/*", page_setup, R_OPEN },
	{ "POST", "/setup/*", post_setup, R_OPEN | R_POST },
	{ "GET", "/static/web.css", page_css, R_OPEN },
	{ "GET", "/", pd_web_dashboard, 0 },
	{ "GET", "/unconfirmed", pd_web_unconfirmed, 0 },
	{ "POST", "/talks/*/nudge", pd_web_talk_nudge, R_POST },
	{ "GET", "/events", pd_web_events, 0 },
	{ "GET", "/events/new", pd_web_event_new, 0 },
	{ "POST", "/events/new", pd_web_event_create, R_POST },
	{ "GET", "/events/*", pd_web_event, 0 },
	{ "POST", "/events/*/move", pd_web_event_move, R_POST },
	{ "POST", "/events/*/cancel", pd_web_event_cancel, R_POST },
	{ "POST", "/events/*/agenda", pd_web_agenda_add, R_POST },
	{ "POST", "/events/*/agenda/*/delete", pd_web_agenda_delete, R_POST },
	{ "POST", "/events/*/talks", pd_web_talk_add, R_POST },
	{ "POST", "/talks/*/confirm", pd_web_talk_confirm, R_POST },
	{ "POST", "/talks/*/decline", pd_web_talk_decline, R_POST },
	{ "POST", "/events/*/attend", pd_web_attend, R_POST },
	{ "GET", "/outbox", pd_web_outbox, 0 },
	{ "GET", "/outbox/*", pd_web_outbox_show, 0 },
	{ "POST", "/outbox/*/retry", pd_web_outbox_retry, R_POST },
	{ "GET", "/people", pd_web_people, 0 },
	{ "POST", "/people", pd_web_people_add, R_POST },
	{ "GET", "/people/*", pd_web_person, 0 },
	{ "POST", "/people/*", pd_web_person_edit, R_POST },
	{ "POST", "/people/*/feed", pd_web_person_feed, R_POST },
	{ "POST", "/people/*/feed/revoke", pd_web_person_feed_revoke, R_POST },
	{ "GET", "/feeds", pd_web_feeds, 0 },
	{ "GET", "/import", pd_web_import, 0 },
	{ "POST", "/import", pd_web_import_post, R_POST },
	{ "GET", "/export", pd_web_export, 0 },
	{ "POST", "/events/*/public-attendance", pd_web_event_public, R_POST },
	{ "POST", "/groups/*/public-attendance", pd_web_group_public, R_POST },
	{ "GET", "/people/*/export", pd_web_person_export, 0 },
	{ "GET", "/people/*/forget", pd_web_person_forget_ask, 0 },
	{ "POST", "/people/*/forget", pd_web_person_forget, R_POST },
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

static const char *const prefixes[] = {
	"/login", "/logout", "/setup/", "/static/", "/unconfirmed", "/talks/",
	"/events", "/outbox", "/people", "/feeds", "/import", "/export",
	"/groups",
};

int
pd_web_owns(const char *path)
{
	size_t i, n;

	if (strcmp(path, "/") == 0)
		return 1;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		n = strlen(prefixes[i]);
		if (strncmp(path, prefixes[i], n) == 0 &&
		    (prefixes[i][n - 1] == '/' || path[n] == '\0' ||
		    path[n] == '/'))
			return 1;
	}
	return 0;
}

/* ---- small helpers ---- */

json_t *
pd_web_str(const char *s)
{
	json_t *v;

	if (s == NULL || (v = json_string(s)) == NULL)
		return json_null();
	return v;
}

const char *
pd_web_field(struct pd_web *w, const char *name)
{
	json_t *v = w->form != NULL ? json_object_get(w->form, name) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *
pd_web_opt(struct pd_web *w, const char *name)
{
	const char *s = pd_web_field(w, name);

	return s != NULL && *s != '\0' ? s : NULL;
}

const char *
pd_web_qarg(struct pd_web *w, const char *name)
{
	json_t *v = w->query != NULL ? json_object_get(w->query, name) : NULL;

	return json_is_string(v) && json_string_length(v) > 0 ?
	    json_string_value(v) : NULL;
}

int64_t
pd_web_arg_id(struct pd_web *w, int i)
{
	const char *s = w->arg[i];
	int64_t v = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 18 ||
	    strspn(s, "0123456789") != strlen(s))
		return 0;
	for (; *s != '\0'; s++)
		v = v * 10 + (*s - '0');
	return v;
}

void
pd_web_refuse(struct pd_web *w, const char *field, const char *msg)
{
	if (w->errors == NULL)
		w->errors = json_object();
	if (json_object_get(w->errors, field) == NULL)
		json_object_set_new(w->errors, field, pd_web_str(msg));
}

void
pd_web_refuse_store(struct pd_web *w, const char *dflt)
{
	pd_web_refuse_store_as(w, dflt, "");
}

void
pd_web_refuse_store_as(struct pd_web *w, const char *dflt,
    const char *prefix)
{
	const struct pd_error *e = pd_store_error(w->app->st);
	const char *field = e->field != NULL ? e->field : dflt, *dot;
	char key[96];

	if (field == NULL)
		field = "form";
	/* "agenda[0].from" is the form's "from". */
	if ((dot = strrchr(field, '.')) != NULL && dot[1] != '\0')
		field = dot + 1;
	else if (strchr(field, '[') != NULL && dflt != NULL)
		field = dflt;	/* "agenda[0]": the whole item */
	snprintf(key, sizeof(key), "%s%s", prefix, field);
	pd_web_refuse(w, key, e->msg != NULL ? e->msg : "refused");
}

/* ---- texts and templates ---- */

static int
name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n < 64 && strspn(name,
	    "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* Reads templates/web/NAME.EXT. */
static int
load_file(const char *name, const char *ext, char **text, size_t *len)
{
	struct pd_buf path = PD_BUF_INIT, b;
	char chunk[8192];
	size_t n;
	FILE *f;
	int rc = PD_EIO;

	if (!name_ok(name))
		return PD_EINVAL;
	pd_buf_init(&b, MAX_TEMPLATE);
	if (pd_buf_addf(&path, "%s/templates/web/%s.%s",
	    pd_template_datadir(), name, ext) != PD_OK ||
	    (f = fopen(path.data, "re")) == NULL)
		goto out;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (pd_buf_add(&b, chunk, n) != PD_OK)
			break;
	if (!ferror(f) && b.err == PD_OK &&
	    (*text = pd_buf_detach(&b, len)) != NULL)
		rc = PD_OK;
	fclose(f);
out:
	pd_buf_free(&path);
	pd_buf_free(&b);
	return rc;
}

static int
load_partial(void *ctx, const char *name, char **text, size_t *len)
{
	(void)ctx;
	return load_file(name, "html", text, len);
}

/* The texts of a language: templates/web/LANG.json. */
static json_t *
texts(const char *lang)
{
	char *text = NULL;
	size_t len = 0;
	json_t *t = NULL;

	if (load_file(strcmp(lang, "en") == 0 ? "en" : "de", "json", &text,
	    &len) == PD_OK)
		t = json_loadb(text, len, 0, NULL);
	free(text);
	return json_is_object(t) ? t : (json_decref(t), json_object());
}

const char *
pd_web_text(struct pd_web *w, const char *key)
{
	json_t *v = json_object_get(w->texts, key);

	return json_is_string(v) ? json_string_value(v) : key;
}

json_t *
pd_web_ok(struct pd_web *w)
{
	const char *ok = pd_web_qarg(w, "ok");
	char key[64];

	if (ok == NULL)
		return json_null();
	snprintf(key, sizeof(key), "ok_%.40s", ok);
	/* Only our own texts: the query is anybody's to write. */
	return json_is_string(json_object_get(w->texts, key)) ?
	    json_string(pd_web_text(w, key)) : json_null();
}

/* The headers of every page (SPEC: answer and feed tokens live in URLs). */
static void
page_headers(struct pd_web *w)
{
	struct pd_http_resp *r = w->resp;

	r->content_type = "text/html; charset=utf-8";
	pd_http_resp_header(r, "Content-Security-Policy",
	    "default-src 'self'; script-src 'self'; style-src 'self'; "
	    "img-src 'self' data:; form-action 'self'; base-uri 'none'; "
	    "frame-ancestors 'none'");
	pd_http_resp_header(r, "Referrer-Policy", "no-referrer");
	pd_http_resp_header(r, "Cache-Control", "no-store");
	pd_http_resp_header(r, "X-Frame-Options", "DENY");
	pd_http_resp_header(r, "Content-Language", w->lang);
}

int
pd_web_fail(struct pd_web *w, int status, const char *msg)
{
	json_t *d = json_pack("{s:i, s:o}", "status", status, "message",
	    pd_web_str(msg));

	return pd_web_render(w, status, "error", d);
}

int
pd_web_render(struct pd_web *w, int status, const char *page, json_t *data)
{
	struct pd_error err = { 0, NULL, NULL };
	struct pd_buf out;
	char *tmpl = NULL;
	size_t len = 0;
	int rc;

	if (data == NULL)
		data = json_object();
	json_object_set(data, "t", w->texts);
	json_object_set_new(data, "lang", json_string(w->lang));
	if (w->acct.id != 0) {
		json_object_set_new(data, "account", json_pack("{s:o, s:o}",
		    "email", pd_web_str(w->acct.email), "name",
		    pd_web_str(w->acct.name != NULL ? w->acct.name :
		    w->acct.email)));
		json_object_set_new(data, "csrf", pd_web_str(w->csrf));
	}
	{
		char key[80];

		snprintf(key, sizeof(key), "nav_%s", page);
		json_object_set_new(data, key, json_true());
	}
	if (w->errors != NULL) {
		json_t *list = json_array(), *v;
		const char *k;

		json_object_foreach(w->errors, k, v)
			json_array_append_new(list, json_pack("{s:s, s:O}",
			    "field", k, "message", v));
		json_object_set(data, "errors", w->errors);
		json_object_set_new(data, "error_list", list);
		json_object_set_new(data, "has_errors", json_true());
	}
	{
		char key[80];

		snprintf(key, sizeof(key), "title_%s", page);
		json_object_set_new(data, "page_title",
		    json_string(pd_web_text(w, key)));
	}
	if (w->form != NULL)
		json_object_set(data, "v", w->form);
	pd_buf_init(&out, MAX_PAGE);
	if ((rc = load_file(page, "html", &tmpl, &len)) != PD_OK ||
	    (rc = pd_wt_render(&out, tmpl, len, data, load_partial, NULL,
	    &err)) != PD_OK) {
		/* No template to show the error in: plain text, no data. */
		pd_buf_reset(&out);
		pd_buf_addf(&out, "podium: page '%s' cannot be shown: %s\n",
		    page, err.msg != NULL ? err.msg : pd_strerror(rc));
		w->resp->status = 500;
		w->resp->content_type = "text/plain; charset=utf-8";
		pd_buf_free(&w->resp->body);
		w->resp->body = out;
		goto done;
	}
	page_headers(w);
	w->resp->status = status != 0 ? status : w->errors != NULL ? 400 :
	    200;
	pd_buf_free(&w->resp->body);
	w->resp->body = out;
done:
	free(tmpl);
	pd_error_clear(&err);
	json_decref(data);
	return PD_OK;
}

int
pd_web_redirect(struct pd_web *w, const char *fmt, ...)
{
	char where[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(where, sizeof(where), fmt, ap);
	va_end(ap);
	w->resp->status = 303;
	w->resp->content_type = "text/plain; charset=utf-8";
	pd_buf_reset(&w->resp->body);
	if (where[0] != '/' || where[1] == '/' ||
	    pd_http_resp_header(w->resp, "Location", where) != PD_OK)
		pd_http_resp_header(w->resp, "Location", "/");
	pd_http_resp_header(w->resp, "Referrer-Policy", "no-referrer");
	pd_http_resp_header(w->resp, "Cache-Control", "no-store");
	return PD_OK;
}

/* ---- dates as people read them ---- */

static const char *const wd_de[] = { "So", "Mo", "Di", "Mi", "Do", "Fr",
    "Sa" };
static const char *const wd_en[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
    "Fri", "Sat" };

struct ymdhm {
	int y, m, d, h, mi, has_time;
};

static int
ymdhm(const char *s, struct ymdhm *t)
{
	int n = 0;

	memset(t, 0, sizeof(*t));
	if (s == NULL)
		return PD_EINVAL;
	if (sscanf(s, "%4d-%2d-%2d %2d:%2d%n", &t->y, &t->m, &t->d, &t->h,
	    &t->mi, &n) == 5 && s[n] == '\0')
		t->has_time = 1;
	else if (n = 0, sscanf(s, "%4d-%2d-%2d%n", &t->y, &t->m, &t->d,
	    &n) != 3 || s[n] != '\0')
		return PD_EINVAL;
	return t->m >= 1 && t->m <= 12 && t->d >= 1 && t->d <= 31 ? PD_OK :
	    PD_EINVAL;
}

static void
add_day(struct pd_buf *b, const char *lang, int y, int m, int d)
{
	int64_t days = pd_tz_days_from_civil(y, m, d);
	int wd = (int)(((days % 7) + 11) % 7);

	if (strcmp(lang, "en") == 0)
		pd_buf_addf(b, "%s %04d-%02d-%02d", wd_en[wd], y, m, d);
	else
		pd_buf_addf(b, "%s., %02d.%02d.%04d", wd_de[wd], d, m, y);
}

json_t *
pd_web_when(struct pd_web *w, const struct pd_event *ev)
{
	struct pd_buf b = PD_BUF_INIT;
	struct ymdhm s, e;
	json_t *v;

	if (ymdhm(ev->start, &s) != PD_OK || ymdhm(ev->end, &e) != PD_OK)
		return pd_web_str(ev->start);
	add_day(&b, w->lang, s.y, s.m, s.d);
	if (s.has_time) {
		pd_buf_addf(&b, ", %02d:%02d", s.h, s.mi);
		if (s.y == e.y && s.m == e.m && s.d == e.d)
			pd_buf_addf(&b, "–%02d:%02d", e.h, e.mi);
		else {
			pd_buf_adds(&b, " – ");
			add_day(&b, w->lang, e.y, e.m, e.d);
			pd_buf_addf(&b, ", %02d:%02d", e.h, e.mi);
		}
	}
	v = pd_web_str(b.data);
	pd_buf_free(&b);
	return v;
}

json_t *
pd_web_stamp(struct pd_web *w, int64_t t)
{
	char buf[64];
	int y, m, d;
	int64_t days, secs;

	(void)w;
	if (t <= 0)
		return json_null();
	/* UTC, said so: the outbox and the session live in UTC. */
	days = t / 86400;
	secs = t % 86400;
	pd_tz_civil_from_days(days, &y, &m, &d);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d UTC", y, m, d,
	    (int)(secs / 3600), (int)(secs / 60 % 60));
	return json_string(buf);
}

json_t *
pd_web_json_person(const struct pd_person *p)
{
	if (p == NULL || p->name == NULL)
		return json_null();
	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o}", "id",
	    (json_int_t)p->id, "name", pd_web_str(p->name), "email",
	    pd_web_str(p->email), "org", pd_web_str(p->org_code), "org_name",
	    pd_web_str(p->org_name), "lang", pd_web_str(p->lang));
}

/* ---- sessions ---- */

static int
session_load(struct pd_web *w)
{
	char sid[128], hash[PD_TOKEN_HASH_LEN + 1];
	const struct pd_config *cfg = w->cfg;
	int64_t account = 0, created = 0, seen = 0;
	char *csrf = NULL;

	if (w->req->cookie == NULL ||
	    !pd_web_cookie(w->req->cookie, COOKIE, sid, sizeof(sid)) ||
	    strlen(sid) != PD_TOKEN_LEN ||
	    pd_token_hash(sid, strlen(sid), hash) != PD_OK)
		return 0;
	if (pd_store_session_get(w->app->st, hash, &account, &csrf, &created,
	    &seen) != PD_OK)
		return 0;
	if (w->now >= seen + cfg->session_idle ||
	    w->now >= created + cfg->session_max) {
		pd_store_session_delete(w->app->st, hash);
		free(csrf);
		return 0;
	}
	if (pd_store_account_get(w->app->st, account, &w->acct) != PD_OK) {
		free(csrf);
		return 0;
	}
	if (w->now - seen >= TOUCH_EVERY)
		pd_store_session_touch(w->app->st, hash);
	w->csrf = csrf;
	w->lang = strcmp(w->acct.lang, "en") == 0 ? "en" : "de";
	return 1;
}

static void
set_cookie(struct pd_web *w, const char *value, int64_t max_age)
{
	struct pd_buf b = PD_BUF_INIT;

	pd_buf_addf(&b, COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; "
	    "Max-Age=%lld%s", value, (long long)max_age,
	    strncmp(w->cfg->base_url, "https:", 6) == 0 ? "; Secure" :
	    "");
	if (b.data != NULL)
		pd_http_resp_header(w->resp, "Set-Cookie", b.data);
	pd_buf_free(&b);
}

/* Starts a session for account id: the cookie and the row. */
static int
session_start(struct pd_web *w, int64_t account_id)
{
	char sid[PD_TOKEN_LEN + 1], csrf[PD_TOKEN_LEN + 1];
	char hash[PD_TOKEN_HASH_LEN + 1];
	int rc;

	if ((rc = pd_token_new(sid)) != PD_OK ||
	    (rc = pd_token_new(csrf)) != PD_OK ||
	    (rc = pd_token_hash(sid, strlen(sid), hash)) != PD_OK)
		return rc;
	pd_store_set_now(w->app->st, w->now);
	pd_store_session_purge(w->app->st, w->now - w->cfg->session_idle,
	    w->now - w->cfg->session_max);
	if ((rc = pd_store_session_add(w->app->st, hash, account_id,
	    csrf)) != PD_OK)
		return rc;
	set_cookie(w, sid, w->cfg->session_max);
	sodium_memzero(sid, sizeof(sid));
	return PD_OK;
}

/* ---- Origin and CSRF ---- */

/* Is the Origin header, when there is one, ours? */
static int
origin_ok(struct pd_web *w)
{
	const char *o = w->req->origin, *h = w->req->host;
	const char *base = w->cfg->base_url;

	/*
	 * A browser sends "Origin: null" on a same-origin POST when the
	 * page's Referrer-Policy is no-referrer, as ours is.  Then the
	 * Fetch Metadata header says where the request came from; without
	 * it (an older browser) the CSRF token alone decides.
	 */
	if (o != NULL && strcmp(o, "null") == 0)
		return w->req->fetch_site == NULL ||
		    strcmp(w->req->fetch_site, "same-origin") == 0 ||
		    strcmp(w->req->fetch_site, "none") == 0;
	if (w->req->fetch_site != NULL &&
	    strcmp(w->req->fetch_site, "cross-site") == 0)
		return 0;
	if (o == NULL)
		return 1;
	if (strcmp(o, base) == 0)
		return 1;
	if (h != NULL) {
		if (strncmp(o, "http://", 7) == 0 && strcmp(o + 7, h) == 0)
			return 1;
		if (strncmp(o, "https://", 8) == 0 && strcmp(o + 8, h) == 0)
			return 1;
	}
	return 0;
}

static int
csrf_ok(struct pd_web *w)
{
	const char *got = pd_web_field(w, "csrf");

	return w->csrf != NULL && got != NULL &&
	    strlen(got) == strlen(w->csrf) &&
	    sodium_memcmp(got, w->csrf, strlen(got)) == 0;
}

/* ---- login, logout, setup ---- */

static int
page_login(struct pd_web *w)
{
	if (w->acct.id != 0)
		return pd_web_redirect(w, "/");
	return pd_web_render(w, 0, "login", NULL);
}

/* Is key locked by failed logins at now?  Fails closed. */
static int
throttled(struct pd_web *w, const char *key, int64_t limit)
{
	int64_t failures = 0, last = 0;

	if (pd_store_throttle_get(w->app->st, key, &failures, &last) != PD_OK)
		return 1;
	if (w->now - last >= PD_THROTTLE_WINDOW) {
		if (failures > 0)
			pd_store_throttle_clear(w->app->st, key);
		return 0;
	}
	return failures >= limit;
}

static int
post_login(struct pd_web *w)
{
	const char *email = pd_web_field(w, "email");
	const char *pw = pd_web_field(w, "password");
	struct pd_buf kacct = PD_BUF_INIT, kaddr = PD_BUF_INIT;
	struct pd_account a;
	const char *p;
	char *hash = NULL;
	int ok, rc;

	memset(&a, 0, sizeof(a));
	if (email == NULL)
		email = "";
	if (pw == NULL)
		pw = "";
	pd_buf_adds(&kacct, "account:");
	for (p = email; *p != '\0' && kacct.len < 300; p++) {
		char ch = (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : *p;

		pd_buf_add(&kacct, &ch, 1);
	}
	pd_buf_addf(&kaddr, "addr:%s", w->req->client != NULL ?
	    w->req->client : "");
	if (kacct.data == NULL || kaddr.data == NULL) {
		rc = pd_web_fail(w, 500, "out of memory");
		goto out;
	}
	pd_store_set_now(w->app->st, w->now);
	if (throttled(w, kacct.data, THROTTLE_ACCOUNT) ||
	    throttled(w, kaddr.data, THROTTLE_ADDR)) {
		pd_http_resp_header(w->resp, "Retry-After",
		    STR(PD_THROTTLE_WINDOW));
		pd_web_refuse(w, "login", pd_web_text(w, "login_throttled"));
		json_object_del(w->form, "password");
		rc = pd_web_render(w, 429, "login", NULL);
		goto out;
	}
	if (pd_store_account_find(w->app->st, email, &a, &hash) != PD_OK)
		a.id = 0;
	/*
	 * The slow hash runs without the lock, so feeds and the API are
	 * not held up; it runs for an unknown address too (against a
	 * fixed hash), so both answers take the same time.
	 */
	pthread_mutex_unlock(&w->app->lock);
	ok = pd_account_password_verify(hash, pw);
	pthread_mutex_lock(&w->app->lock);
	pd_store_set_now(w->app->st, w->now);
	if (!ok || a.id == 0) {
		pd_store_throttle_fail(w->app->st, kacct.data);
		pd_store_throttle_fail(w->app->st, kaddr.data);
		pd_web_refuse(w, "login", pd_web_text(w, "login_wrong"));
		json_object_del(w->form, "password");
		rc = pd_web_render(w, 401, "login", NULL);
		goto out;
	}
	pd_store_throttle_clear(w->app->st, kacct.data);
	if (session_start(w, a.id) != PD_OK) {
		rc = pd_web_fail(w, 500, "cannot start a session");
		goto out;
	}
	rc = pd_web_redirect(w, "/");
out:
	if (hash != NULL) {
		sodium_memzero(hash, strlen(hash));
		free(hash);
	}
	pd_account_clear(&a);
	pd_buf_free(&kacct);
	pd_buf_free(&kaddr);
	return rc;
}

static int
post_logout(struct pd_web *w)
{
	char sid[128], hash[PD_TOKEN_HASH_LEN + 1];

	if (pd_web_cookie(w->req->cookie, COOKIE, sid, sizeof(sid)) &&
	    pd_token_hash(sid, strlen(sid), hash) == PD_OK)
		pd_store_session_delete(w->app->st, hash);
	set_cookie(w, "", 0);
	return pd_web_redirect(w, "/login");
}

static int
setup_valid(struct pd_web *w)
{
	char hash[PD_TOKEN_HASH_LEN + 1];
	const char *tok = w->arg[0];

	pd_store_set_now(w->app->st, w->now);
	return tok != NULL && strlen(tok) == PD_TOKEN_LEN &&
	    pd_token_hash(tok, strlen(tok), hash) == PD_OK &&
	    pd_store_setup_check(w->app->st, hash) == PD_OK;
}

static int
page_setup(struct pd_web *w)
{
	if (!setup_valid(w))
		return pd_web_fail(w, 404, pd_web_text(w, "setup_gone"));
	return pd_web_render(w, 0, "setup", NULL);
}

static int
post_setup(struct pd_web *w)
{
	struct pd_error err = { 0, NULL, NULL };
	const char *email = pd_web_field(w, "email");
	const char *pw = pd_web_field(w, "password");
	const char *pw2 = pd_web_field(w, "password2");
	const char *lang = pd_web_opt(w, "lang");
	char *hash = NULL;
	int64_t id = 0;
	int rc;

	if (!setup_valid(w))
		return pd_web_fail(w, 404, pd_web_text(w, "setup_gone"));
	if (pd_account_validate(email, lang, pw != NULL ? pw : "", &err) !=
	    PD_OK) {
		pd_web_refuse(w, err.field, err.msg);
		pd_error_clear(&err);
	} else if (pw2 == NULL || strcmp(pw, pw2) != 0)
		pd_web_refuse(w, "password2", pd_web_text(w,
		    "setup_mismatch"));
	if (w->errors != NULL) {
		json_object_del(w->form, "password");
		json_object_del(w->form, "password2");
		return pd_web_render(w, 0, "setup", NULL);
	}
	pthread_mutex_unlock(&w->app->lock);
	rc = pd_account_password_hash(pw, &hash);
	pthread_mutex_lock(&w->app->lock);
	if (rc != PD_OK)
		return pd_web_fail(w, 500, "cannot hash the password");
	pd_store_set_now(w->app->st, w->now);
	/* Checked again under the lock: a second tab may have won. */
	if (!setup_valid(w)) {
		free(hash);
		return pd_web_fail(w, 404, pd_web_text(w, "setup_gone"));
	}
	rc = pd_store_account_add(w->app->st, email, pd_web_opt(w, "name"),
	    lang, hash, &id);
	free(hash);
	if (rc != PD_OK) {
		pd_web_refuse_store(w, "email");
		return pd_web_render(w, 0, "setup", NULL);
	}
	if (session_start(w, id) != PD_OK)
		return pd_web_fail(w, 500, "cannot start a session");
	return pd_web_redirect(w, "/");
}

static int
page_css(struct pd_web *w)
{
	char *text = NULL;
	size_t len = 0;

	if (load_file("web", "css", &text, &len) != PD_OK)
		return pd_web_fail(w, 404, "no style sheet");
	pd_buf_reset(&w->resp->body);
	pd_buf_add(&w->resp->body, text, len);
	free(text);
	w->resp->content_type = "text/css; charset=utf-8";
	pd_http_resp_header(w->resp, "Cache-Control", "no-cache");
	return PD_OK;
}

int
pd_web_setup_link(struct pd_app *app, char **url)
{
	char tok[PD_TOKEN_LEN + 1], hash[PD_TOKEN_HASH_LEN + 1];
	struct pd_buf b = PD_BUF_INIT;
	int64_t n = 0;
	int rc;

	*url = NULL;
	pthread_mutex_lock(&app->lock);
	pd_store_set_now(app->st, app->now());
	if ((rc = pd_store_account_count(app->st, &n)) != PD_OK || n > 0)
		goto out;
	if ((rc = pd_token_new(tok)) != PD_OK ||
	    (rc = pd_token_hash(tok, strlen(tok), hash)) != PD_OK ||
	    (rc = pd_store_setup_clear(app->st)) != PD_OK ||
	    (rc = pd_store_setup_add(app->st, hash,
	    app->now() + SETUP_TTL)) != PD_OK)
		goto out;
	pd_buf_addf(&b, "%s/setup/%s", app->cfg != NULL ?
	    app->cfg->base_url : "http://127.0.0.1:8080", tok);
	if ((*url = pd_buf_detach(&b, NULL)) == NULL)
		rc = PD_ENOMEM;
out:
	pthread_mutex_unlock(&app->lock);
	sodium_memzero(tok, sizeof(tok));
	pd_buf_free(&b);
	return rc;
}

/* ---- routing ---- */

/* Does path match pattern?  Fills w->arg with the "*" segments. */
static int
match(struct pd_web *w, const char *pattern, const char *path)
{
	int n = 0;

	while (*pattern != '\0' && *path != '\0') {
		if (*pattern == '*') {
			size_t len = strcspn(path, "/");

			if (len == 0 || len >= sizeof(w->argbuf[0]) ||
			    n == PD_WEB_MAX_ARGS)
				return 0;
			memcpy(w->argbuf[n], path, len);
			w->argbuf[n][len] = '\0';
			w->arg[n] = w->argbuf[n];
			n++;
			pattern++;
			path += len;
			continue;
		}
		if (*pattern != *path)
			return 0;
		pattern++;
		path++;
	}
	return *pattern == '\0' && *path == '\0';
}

static int
read_form(struct pd_web *w)
{
	const char *ct = w->req->content_type;

	if (ct == NULL || strncasecmp(ct,
	    "application/x-www-form-urlencoded", 33) == 0)
		return pd_web_form_urlencoded(w->req->body, w->req->body_len,
		    &w->form);
	if (strncasecmp(ct, "multipart/form-data", 19) == 0)
		return pd_web_form_multipart(ct, w->req->body,
		    w->req->body_len, &w->form);
	return PD_EINVAL;
}

void
pd_web_handle(struct pd_app *app, const struct pd_http_req *req,
    struct pd_http_resp *resp)
{
	const struct route *r = NULL;
	int head = strcmp(req->method, "HEAD") == 0, path_known = 0;
	struct pd_config dflt;
	struct pd_web w;
	size_t i;

	memset(&w, 0, sizeof(w));
	w.app = app;
	/* As the API: an application without a configuration (the tests,
	 * the fuzzers) gets the defaults of the spec. */
	if ((w.cfg = app->cfg) == NULL) {
		if (pd_config_defaults(&dflt) != PD_OK) {
			pd_http_resp_error(resp, 500, NULL, "out of memory");
			pd_config_clear(&dflt);
			return;
		}
		w.cfg = &dflt;
	}
	w.req = req;
	w.resp = resp;
	w.lang = "de";
	w.now = app->now();
	for (i = 0; i < NROUTES; i++) {
		if (!match(&w, routes[i].pattern, req->path))
			continue;
		path_known = 1;
		if (strcmp(routes[i].method, req->method) == 0 ||
		    (head && strcmp(routes[i].method, "GET") == 0)) {
			r = &routes[i];
			break;
		}
	}
	if (req->query != NULL &&
	    pd_web_form_urlencoded(req->query, strlen(req->query),
	    &w.query) != PD_OK)
		w.query = NULL;
	pthread_mutex_lock(&app->lock);
	pd_store_set_now(app->st, w.now);
	session_load(&w);
	w.texts = texts(w.lang);
	if (w.acct.email != NULL) {
		char actor[300];

		snprintf(actor, sizeof(actor), "organizer:%s", w.acct.email);
		pd_store_set_actor(app->st, actor);
	}
	if (r == NULL) {
		pd_web_fail(&w, path_known ? 405 : 404, pd_web_text(&w,
		    path_known ? "err_method" : "err_notfound"));
		goto out;
	}
	if (r->flags & R_POST) {
		if (read_form(&w) != PD_OK) {
			pd_web_fail(&w, 400, pd_web_text(&w, "err_form"));
			goto out;
		}
		if (!origin_ok(&w) ||
		    (!(r->flags & R_OPEN) && !csrf_ok(&w))) {
			pd_web_fail(&w, 403, pd_web_text(&w, "err_csrf"));
			goto out;
		}
	}
	if (!(r->flags & R_OPEN) && w.acct.id == 0) {
		if (r->flags & R_POST)
			pd_web_fail(&w, 403, pd_web_text(&w, "err_csrf"));
		else
			pd_web_redirect(&w, "/login");
		goto out;
	}
	r->fn(&w);
out:
	pthread_mutex_unlock(&app->lock);
	if (w.wrote && app->changed != NULL)
		app->changed(app);
	pd_account_clear(&w.acct);
	free(w.csrf);
	json_decref(w.form);
	json_decref(w.query);
	json_decref(w.errors);
	json_decref(w.texts);
	if (w.cfg == &dflt)
		pd_config_clear(&dflt);
}
