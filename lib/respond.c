/*
 * The speakers' answer pages: GET /respond/{token} shows the event and the
 * talk with two buttons, POST /respond/{token} with answer=accept|decline
 * sets the talk confirmed or declined and thanks the speaker.
 *
 * People see these pages, so every answer, errors included, is an HTML
 * page (not the API's JSON): in the speaker's language when the token told
 * us who it is, in German and English when it did not.  The texts live in
 * templates/pages/ (html.h); only the names of weekdays and months, which
 * are locale data rather than prose, are in the tables below.
 *
 * The token is never written into a page, a header or a log: the form has
 * no action (it posts to the page's own URL) and Referrer-Policy keeps the
 * URL from leaking to anything the page might link to.  This file does not
 * send mail; the scheduler tells the intermediary from the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "podium/answer.h"
#include "podium/http.h"
#include "podium/store.h"
#include "podium/tz.h"
#include "html.h"

#define PREFIX "/respond/"
/* The one field we read is "answer=decline"; anything much longer is not
 * from our form. */
#define MAX_FORM 1024
#define MAX_FIELD 32

/* ---- locale data: one table per language ---- */

struct lang {
	const char *code;		/* Content-Language, template folder */
	const char *weekdays[7];	/* Sunday first */
	const char *months[12];
	int day_dot;			/* "11. Februar" vs "11 February" */
	const char *clock;		/* after a time: " Uhr" */
};

static const struct lang DE = {
	"de",
	{ "Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag",
	  "Freitag", "Samstag" },
	{ "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli",
	  "August", "September", "Oktober", "November", "Dezember" },
	1, " Uhr"
};

static const struct lang EN = {
	"en",
	{ "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	  "Saturday" },
	{ "January", "February", "March", "April", "May", "June", "July",
	  "August", "September", "October", "November", "December" },
	0, ""
};

/* The error pages (error.html): which flag, which status. */
enum page_err {
	ERR_INVALID,		/* 404: malformed or tampered token */
	ERR_GONE,		/* 404: the talk or its speaker changed */
	ERR_EXPIRED,		/* 410 */
	ERR_BADANSWER,		/* 400 */
	ERR_METHOD,		/* 405 */
	ERR_MEDIATYPE,		/* 415 */
	ERR_TOOBIG,		/* 413 */
	ERR_INTERNAL,		/* 500 */
	NERR
};

static const struct {
	const char *flag;
	int status;
} page_errs[NERR] = {
	{ "invalid", 404 }, { "gone", 404 }, { "expired", 410 },
	{ "badanswer", 400 }, { "method", 405 }, { "mediatype", 415 },
	{ "toobig", 413 }, { "internal", 500 }
};

/* ---- dates ---- */

struct ymdhm {
	int y, m, d, h, mi;
	int has_time;
};

/* Reads "YYYY-MM-DD" or "YYYY-MM-DD HH:MM" as the store writes them. */
static int
ymdhm_parse(const char *s, struct ymdhm *t)
{
	int n = 0;

	memset(t, 0, sizeof(*t));
	if (s == NULL)
		return PD_EINVAL;
	if (sscanf(s, "%4d-%2d-%2d %2d:%2d%n", &t->y, &t->m, &t->d, &t->h,
	    &t->mi, &n) == 5 && s[n] == '\0') {
		t->has_time = 1;
	} else {
		n = 0;
		if (sscanf(s, "%4d-%2d-%2d%n", &t->y, &t->m, &t->d, &n) != 3 ||
		    s[n] != '\0')
			return PD_EINVAL;
	}
	if (t->m < 1 || t->m > 12 || t->d < 1 || t->d > 31)
		return PD_EINVAL;
	return PD_OK;
}

/* "Donnerstag, 11. Februar 2021" / "Thursday, 11 February 2021". */
static void
add_date(struct pd_buf *b, const struct lang *l, int y, int m, int d)
{
	int64_t days = pd_tz_days_from_civil(y, m, d);
	int wd = (int)(((days % 7) + 11) % 7);	/* 1970-01-01: Thursday */

	pd_buf_addf(b, "%s, %d%s %s %d", l->weekdays[wd], d,
	    l->day_dot ? "." : "", l->months[m - 1], y);
}

/*
 * The event's time as people say it, in the event's own zone (the store
 * keeps wall-clock times, so nothing is converted here).
 */
static int
format_when(struct pd_buf *b, const struct lang *l, const struct pd_event *ev)
{
	struct ymdhm s, e;
	int64_t last;
	int y, m, d;

	if (ymdhm_parse(ev->start, &s) != PD_OK ||
	    ymdhm_parse(ev->end, &e) != PD_OK)
		return pd_buf_adds(b, ev->start != NULL ? ev->start : "");
	if (!s.has_time) {
		/* All-day: the end is the day after the last day. */
		add_date(b, l, s.y, s.m, s.d);
		last = pd_tz_days_from_civil(e.y, e.m, e.d) - 1;
		if (last > pd_tz_days_from_civil(s.y, s.m, s.d)) {
			pd_tz_civil_from_days(last, &y, &m, &d);
			pd_buf_adds(b, " – ");
			add_date(b, l, y, m, d);
		}
		return b->err;
	}
	add_date(b, l, s.y, s.m, s.d);
	if (s.y == e.y && s.m == e.m && s.d == e.d)
		return pd_buf_addf(b, ", %02d:%02d–%02d:%02d%s", s.h, s.mi, e.h,
		    e.mi, l->clock);
	pd_buf_addf(b, ", %02d:%02d%s – ", s.h, s.mi, l->clock);
	add_date(b, l, e.y, e.m, e.d);
	return pd_buf_addf(b, ", %02d:%02d%s", e.h, e.mi, l->clock);
}

/* A talk's own time: "09:15–09:30 Uhr", with its date when not the event's. */
static int
format_talk_time(struct pd_buf *b, const struct lang *l,
    const struct pd_talk *t, const struct pd_event *ev)
{
	struct ymdhm s, e, evs;

	if (t->start == NULL || ymdhm_parse(t->start, &s) != PD_OK ||
	    !s.has_time)
		return PD_OK;
	if (ymdhm_parse(ev->start, &evs) != PD_OK || evs.y != s.y ||
	    evs.m != s.m || evs.d != s.d) {
		add_date(b, l, s.y, s.m, s.d);
		pd_buf_adds(b, ", ");
	}
	if (t->end != NULL && ymdhm_parse(t->end, &e) == PD_OK && e.has_time)
		return pd_buf_addf(b, "%02d:%02d–%02d:%02d%s", s.h, s.mi, e.h,
		    e.mi, l->clock);
	return pd_buf_addf(b, "%02d:%02d%s", s.h, s.mi, l->clock);
}

/* ---- responses ---- */

/*
 * The headers of every page: nothing may load from elsewhere or frame
 * the page (a framed one-click button invites clickjacking), nothing may
 * be cached (the status changes) and the URL must not leak.
 */
static void
page_headers(struct pd_http_resp *resp, const char *lang)
{
	resp->content_type = "text/html; charset=utf-8";
	pd_http_resp_header(resp, "Content-Security-Policy",
	    "default-src 'none'; style-src 'unsafe-inline'; "
	    "form-action 'self'; frame-ancestors 'none'");
	pd_http_resp_header(resp, "Cache-Control", "no-store");
	pd_http_resp_header(resp, "Referrer-Policy", "no-referrer");
	if (lang != NULL)
		pd_http_resp_header(resp, "Content-Language", lang);
}

/* The last resort when a template cannot be read or rendered. */
static void
plain_failure(struct pd_http_resp *resp)
{
	resp->status = 500;
	resp->content_type = "text/plain; charset=utf-8";
	pd_buf_free(&resp->body);
	pd_buf_init(&resp->body, 0);
	pd_buf_adds(&resp->body, "Interner Fehler. / Internal error.\n");
}

static int
render_template(struct pd_http_resp *resp, const char *name,
    const struct pd_html_var *vars, size_t nvars)
{
	char *tmpl = NULL;
	size_t len = 0;
	int rc;

	pd_buf_free(&resp->body);
	pd_buf_init(&resp->body, 0);
	if ((rc = pd_html_template_load(name, &tmpl, &len)) != PD_OK ||
	    (rc = pd_html_render(&resp->body, tmpl, len, vars, nvars)) !=
	    PD_OK)
		plain_failure(resp);
	free(tmpl);
	return rc;
}

static void
error_page(struct pd_http_resp *resp, enum page_err which)
{
	struct pd_html_var vars[NERR];
	size_t i;

	for (i = 0; i < NERR; i++) {
		vars[i].name = page_errs[i].flag;
		vars[i].value = i == (size_t)which ? "1" : NULL;
	}
	resp->status = page_errs[which].status;
	page_headers(resp, NULL);
	if (which == ERR_METHOD)
		pd_http_resp_header(resp, "Allow", "GET, HEAD, POST");
	render_template(resp, "error.html", vars, NERR);
}

/* ---- the form ---- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes one application/x-www-form-urlencoded name or value: '+' is a
 * space, %XX a byte.  PD_EINVAL for a broken escape or a NUL byte,
 * PD_ETOOBIG when it does not fit out (cap bytes with the NUL).
 */
static int
form_decode(const char *s, size_t len, char *out, size_t cap)
{
	size_t i, o = 0;
	int hi, lo;
	char c;

	for (i = 0; i < len; i++) {
		c = s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			if (i + 2 >= len ||
			    (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0)
				return PD_EINVAL;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0')
			return PD_EINVAL;
		if (o + 1 >= cap)
			return PD_ETOOBIG;
		out[o++] = c;
	}
	out[o] = '\0';
	return PD_OK;
}

/*
 * Finds the one "answer" field of the body and maps it to a status.
 * Other fields are skipped without being decoded; a second "answer" makes
 * the form ambiguous and is refused.
 */
static int
form_answer(const char *body, size_t len, enum pd_talk_status *out)
{
	char name[MAX_FIELD], value[MAX_FIELD];
	const char *p = body, *end = body + len, *amp, *eq;
	int found = 0;

	while (p < end) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		/* A name longer than ours is not ours; skip it. */
		if (form_decode(p, (size_t)(eq - p), name, sizeof(name)) ==
		    PD_OK && strcmp(name, "answer") == 0) {
			if (found++)
				return PD_EINVAL;
			if (eq == amp || form_decode(eq + 1,
			    (size_t)(amp - eq - 1), value, sizeof(value)) !=
			    PD_OK)
				return PD_EINVAL;
			if (strcmp(value, "accept") == 0)
				*out = PD_TALK_CONFIRMED;
			else if (strcmp(value, "decline") == 0)
				*out = PD_TALK_DECLINED;
			else
				return PD_EINVAL;
		}
		p = amp + 1;
	}
	return found ? PD_OK : PD_EINVAL;
}

/* "application/x-www-form-urlencoded", any case, parameters allowed. */
static int
is_form(const char *ct)
{
	static const char want[] = "application/x-www-form-urlencoded";
	size_t n = sizeof(want) - 1;

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return strncasecmp(ct, want, n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t');
}

/* ---- the page ---- */

enum thanks {
	THANKS_NONE,
	THANKS_ACCEPT,
	THANKS_DECLINE
};

static int
answerable(const struct pd_talk *t, const struct pd_event *ev)
{
	return t->status != PD_TALK_WITHDRAWN &&
	    ev->status != PD_EVENT_CANCELLED;
}

static void
answer_page(struct pd_http_resp *resp, int status, const struct pd_talk *t,
    const struct pd_event *ev, enum thanks thanks)
{
	const struct lang *l = t->speaker.lang != NULL &&
	    strcmp(t->speaker.lang, "en") == 0 ? &EN : &DE;
	struct pd_buf when = PD_BUF_INIT, ttime = PD_BUF_INIT,
	    tmpl = PD_BUF_INIT;
	const char *on = "1";
	struct pd_html_var vars[] = {
		{ "event", ev->title },
		{ "when", NULL },
		{ "tz", ev->tzid != NULL ? ev->tzid : "Europe/Berlin" },
		{ "location", ev->location },
		{ "talk", t->title },
		{ "talk_time", NULL },
		{ "via", t->via.id != 0 ? t->via.name : NULL },
		{ "st_requested", t->status == PD_TALK_REQUESTED ? on : NULL },
		{ "st_confirmed", t->status == PD_TALK_CONFIRMED ? on : NULL },
		{ "st_declined", t->status == PD_TALK_DECLINED ? on : NULL },
		{ "st_withdrawn", t->status == PD_TALK_WITHDRAWN ? on : NULL },
		{ "cancelled", ev->status == PD_EVENT_CANCELLED ? on : NULL },
		{ "thanks_accept", thanks == THANKS_ACCEPT ? on : NULL },
		{ "thanks_decline", thanks == THANKS_DECLINE ? on : NULL },
		{ "form", answerable(t, ev) ? on : NULL },
	};

	if (format_when(&when, l, ev) != PD_OK ||
	    format_talk_time(&ttime, l, t, ev) != PD_OK ||
	    pd_buf_addf(&tmpl, "%s/answer.html", l->code) != PD_OK) {
		plain_failure(resp);
		goto out;
	}
	vars[1].value = when.data;
	vars[5].value = ttime.data;
	resp->status = status;
	page_headers(resp, l->code);
	render_template(resp, tmpl.data, vars, sizeof(vars) / sizeof(vars[0]));
out:
	pd_buf_free(&when);
	pd_buf_free(&ttime);
	pd_buf_free(&tmpl);
}

/*
 * Loads the talk and its event under the lock and, for a POST, records
 * the answer.  PD_ENOTFOUND when the talk is gone or no longer this
 * person's (the link was for someone else's request), PD_EEXIST when the
 * talk can no longer be answered (withdrawn, event cancelled).  t is
 * filled once the talk was read (the caller clears it in any case), *evp
 * on PD_OK and PD_EEXIST.  *changed says whether the store was written.
 */
static int
load_and_answer(struct pd_app *app, int64_t talk_id, int64_t person_id,
    const enum pd_talk_status *answer, struct pd_talk *t,
    struct pd_event **evp, int *changed)
{
	struct pd_event *ev = NULL;
	char key[24];
	int64_t event_id = 0;
	int erased = 0, rc;

	*changed = 0;
	pthread_mutex_lock(&app->lock);
	pd_store_set_actor(app->st, "speaker");
	if ((rc = pd_store_talk_get(app->st, talk_id, t, &event_id)) != PD_OK)
		goto out;
	if (t->speaker.id != person_id) {
		rc = PD_ENOTFOUND;
		goto out;
	}
	/* A forgotten speaker's old links answer nothing (store_forget.c). */
	if ((rc = pd_store_person_erased(app->st, person_id, &erased)) !=
	    PD_OK || erased) {
		rc = rc != PD_OK ? rc : PD_ENOTFOUND;
		goto out;
	}
	snprintf(key, sizeof(key), "%lld", (long long)event_id);
	if ((rc = pd_store_event_get(app->st, key, &ev)) != PD_OK)
		goto out;
	if (answer != NULL) {
		if (!answerable(t, ev)) {
			*evp = ev;
			ev = NULL;
			rc = PD_EEXIST;
			goto out;
		}
		/* Answering the same again writes nothing. */
		if (t->status != *answer) {
			pd_store_set_now(app->st, app->now());
			if ((rc = pd_store_talk_set_status(app->st, talk_id,
			    *answer)) != PD_OK)
				goto out;
			t->status = *answer;
			*changed = 1;
		}
	}
	*evp = ev;
	ev = NULL;
	rc = PD_OK;
out:
	pthread_mutex_unlock(&app->lock);
	pd_event_free(ev);
	return rc;
}

void
pd_respond_handle(struct pd_app *app, const struct pd_http_req *req,
    struct pd_http_resp *resp)
{
	struct pd_talk t;
	struct pd_event *ev = NULL;
	enum pd_answer_state state;
	enum pd_talk_status answer = PD_TALK_REQUESTED;
	const char *token;
	int64_t talk_id = 0, person_id = 0;
	int post, rc, changed = 0;

	memset(&t, 0, sizeof(t));
	post = strcmp(req->method, "POST") == 0;
	if (!post && strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "HEAD") != 0) {
		error_page(resp, ERR_METHOD);
		return;
	}
	token = strncmp(req->path, PREFIX, sizeof(PREFIX) - 1) == 0 ?
	    req->path + sizeof(PREFIX) - 1 : "";
	pd_answer_token_check(app->key, token, app->now(), &talk_id,
	    &person_id, &state);
	if (state != PD_ANSWER_VALID) {
		error_page(resp, state == PD_ANSWER_EXPIRED ? ERR_EXPIRED :
		    ERR_INVALID);
		return;
	}
	if (post) {
		if (!is_form(req->content_type)) {
			error_page(resp, ERR_MEDIATYPE);
			return;
		}
		if (req->body_len > MAX_FORM) {
			error_page(resp, ERR_TOOBIG);
			return;
		}
		if (form_answer(req->body != NULL ? req->body : "",
		    req->body_len, &answer) != PD_OK) {
			error_page(resp, ERR_BADANSWER);
			return;
		}
	}
	rc = load_and_answer(app, talk_id, person_id, post ? &answer : NULL,
	    &t, &ev, &changed);
	/* Outside the lock: the hook may take it to refresh feeds. */
	if (changed && app->changed != NULL)
		app->changed(app);
	if (rc == PD_ENOTFOUND)
		error_page(resp, ERR_GONE);
	else if (rc == PD_EEXIST)
		/* The page without buttons says why no answer is possible. */
		answer_page(resp, 409, &t, ev, THANKS_NONE);
	else if (rc != PD_OK)
		error_page(resp, ERR_INTERNAL);
	else
		answer_page(resp, 200, &t, ev, !post ? THANKS_NONE :
		    answer == PD_TALK_CONFIRMED ? THANKS_ACCEPT :
		    THANKS_DECLINE);
	pd_talk_clear(&t);
	pd_event_free(ev);
}
