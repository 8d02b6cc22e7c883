/*
 * The organizer API under /api/: authentication, routing, request bodies
 * and the shape of answers.  The resources themselves are in
 * api_event.c (events, move, cancel), api_talk.c (agenda items, talks,
 * attendances, answer links), api_person.c (people, feed URLs, groups,
 * topics), api_outbox.c and api_port.c (import, export).
 *
 * Order of checks, so that a client learns the most useful thing first
 * and nobody learns anything without the token: 401 (token), 404/405
 * (path, method), 415 (Content-Type), 400 (JSON, fields), then whatever
 * the store says.  What makes data valid is decided in one place, the
 * store and pd_event_validate(); this file only checks the shape of a
 * request (types, unknown fields), which the store cannot see.
 *
 * Not here: sockets (http.c), other paths (route.c), mail (handlers write
 * to the store; the scheduler sends).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "podium/http.h"
#include "podium/store.h"
#include "podium/token.h"

#include "api_int.h"

#define JSON_TYPE "application/json; charset=utf-8"
#define MAX_SEGS 4

/* What a route does with a request body. */
enum body_use {
	BODY_NONE,	/* ignored (GET, DELETE) */
	BODY_OPT,	/* may be absent; if given, a JSON object */
	BODY_REQ,	/* a JSON object */
	BODY_ICS	/* iCalendar text, left in req->body for the route */
};

struct route {
	const char *method;
	const char *pattern;	/* segments after /api/; "*" is an argument */
	pd_api_fn fn;
	enum body_use body;
};

/*
 * Every route of the API.  Order matters only for the Allow header,
 * which lists the methods in the order they appear here.
 */
static const struct route routes[] = {
	{ "GET", "events", pd_api_events_list, BODY_NONE },
	{ "POST", "events", pd_api_events_create, BODY_REQ },
	{ "GET", "events/*", pd_api_event_show, BODY_NONE },
	{ "PATCH", "events/*", pd_api_event_patch, BODY_REQ },
	{ "DELETE", "events/*", pd_api_event_delete, BODY_NONE },
	{ "POST", "events/*/move", pd_api_event_move, BODY_REQ },
	{ "POST", "events/*/cancel", pd_api_event_cancel, BODY_OPT },
	{ "POST", "events/*/agenda", pd_api_agenda_create, BODY_REQ },
	{ "POST", "events/*/talks", pd_api_talks_create, BODY_REQ },
	{ "POST", "events/*/attendances", pd_api_attendances_create,
	    BODY_REQ },
	{ "DELETE", "agenda/*", pd_api_agenda_delete, BODY_NONE },
	{ "GET", "talks/*", pd_api_talk_show, BODY_NONE },
	{ "DELETE", "talks/*", pd_api_talk_delete, BODY_NONE },
	{ "POST", "talks/*/confirm", pd_api_talk_confirm, BODY_OPT },
	{ "POST", "talks/*/decline", pd_api_talk_decline, BODY_OPT },
	{ "GET", "talks/*/link", pd_api_talk_link, BODY_NONE },
	{ "GET", "people", pd_api_people_list, BODY_NONE },
	{ "POST", "people", pd_api_people_create, BODY_REQ },
	{ "GET", "people/*", pd_api_person_show, BODY_NONE },
	{ "PATCH", "people/*", pd_api_person_patch, BODY_REQ },
	{ "DELETE", "people/*", pd_api_person_delete, BODY_NONE },
	{ "POST", "people/*/feed", pd_api_person_feed_new, BODY_OPT },
	{ "DELETE", "people/*/feed", pd_api_person_feed_revoke, BODY_NONE },
	{ "GET", "people/*/export", pd_api_person_export, BODY_NONE },
	{ "DELETE", "attendances/*", pd_api_attendance_delete, BODY_NONE },
	{ "GET", "groups", pd_api_groups_list, BODY_NONE },
	{ "PATCH", "groups/*", pd_api_group_patch, BODY_REQ },
	{ "GET", "topics", pd_api_topics_list, BODY_NONE },
	{ "GET", "outbox", pd_api_outbox_list, BODY_NONE },
	{ "POST", "outbox/*/retry", pd_api_outbox_retry, BODY_OPT },
	{ "POST", "import", pd_api_import, BODY_ICS },
	{ "GET", "export", pd_api_export, BODY_NONE },
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* ---- answers ---- */

static int
dump_to_buf(const char *buf, size_t size, void *data)
{
	return pd_buf_add(data, buf, size) == PD_OK ? 0 : -1;
}

int
pd_api_fail(struct pd_api_ctx *c, int status, const char *field,
    const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	int n;

	/* The message may quote user data of any length: size it first. */
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n >= 0 && (msg = malloc((size_t)n + 1)) != NULL) {
		va_start(ap, fmt);
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	/* A body buffer that failed stays failed: start a fresh one. */
	if (pd_buf_failed(&c->resp->body)) {
		pd_buf_free(&c->resp->body);
		pd_buf_init(&c->resp->body, 0);
	}
	pd_http_resp_error(c->resp, status, field, "%s",
	    msg != NULL ? msg : "out of memory");
	free(msg);
	return status >= 500 ? PD_EDB : PD_EINVAL;
}

int
pd_api_reply(struct pd_api_ctx *c, int status, json_t *v)
{
	struct pd_http_resp *r = c->resp;

	if (v == NULL)
		return pd_api_fail(c, 500, NULL, "out of memory");
	pd_buf_reset(&r->body);
	if (json_dump_callback(v, dump_to_buf, &r->body, JSON_INDENT(2)) != 0 ||
	    pd_buf_add(&r->body, "\n", 1) != PD_OK) {
		json_decref(v);
		return pd_api_fail(c, 500, NULL, "out of memory");
	}
	json_decref(v);
	r->status = status;
	r->content_type = JSON_TYPE;
	return PD_OK;
}

int
pd_api_created(struct pd_api_ctx *c, const char *kind, int64_t id,
    json_t *v)
{
	char loc[96];
	int rc;

	if ((rc = pd_api_reply(c, 201, v)) != PD_OK)
		return rc;
	/* kind is one of our literals, so this cannot be truncated. */
	snprintf(loc, sizeof(loc), "/api/%s/%lld", kind, (long long)id);
	pd_http_resp_header(c->resp, "Location", loc);
	return PD_OK;
}

int
pd_api_no_content(struct pd_api_ctx *c)
{
	pd_buf_reset(&c->resp->body);
	c->resp->status = 204;
	c->resp->content_type = NULL;
	return PD_OK;
}

int
pd_api_fail_store(struct pd_api_ctx *c, int rc, const char *field)
{
	const struct pd_error *e = pd_store_error(c->app->st);
	const char *msg = e->msg != NULL ? e->msg : pd_strerror(rc);
	const char *f = field != NULL ? field : e->field;

	switch (rc) {
	case PD_EINVAL:
		pd_api_fail(c, 400, f, "%s", msg);
		break;
	case PD_ENOTFOUND:
		pd_api_fail(c, 404, f, "%s", msg);
		break;
	case PD_EEXIST:
		pd_api_fail(c, 409, f, "%s", msg);
		break;
	default:
		pd_api_fail(c, 500, NULL, "%s: %s", pd_strerror(rc), msg);
		break;
	}
	return rc;
}

/* ---- request fields ---- */

static int
type_ok(const json_t *v, unsigned types)
{
	size_t i;
	json_t *e;

	if (json_is_null(v))
		return (types & PD_API_NULL) != 0;
	if (json_is_string(v))
		return (types & PD_API_STR) != 0;
	if (json_is_boolean(v))
		return (types & PD_API_BOOL) != 0;
	if (json_is_integer(v))
		return (types & PD_API_INT) != 0;
	if (json_is_array(v) && (types & PD_API_STRV) != 0) {
		json_array_foreach(v, i, e)
			if (!json_is_string(e))
				return 0;
		return 1;
	}
	return 0;
}

static const char *
type_name(unsigned types)
{
	switch (types & ~PD_API_NULL) {
	case PD_API_STR:	return "a string";
	case PD_API_BOOL:	return "true or false";
	case PD_API_INT:	return "a whole number";
	case PD_API_STRV:	return "an array of strings";
	case PD_API_REF:	return "an id or a string";
	}
	return "something else";
}

int
pd_api_fields(struct pd_api_ctx *c, const struct pd_api_field *f, size_t n)
{
	const char *key;
	json_t *v;
	size_t i;

	if (c->body == NULL)
		return PD_OK;
	json_object_foreach(c->body, key, v) {
		for (i = 0; i < n; i++)
			if (strcmp(f[i].name, key) == 0)
				break;
		if (i == n)
			return pd_api_fail(c, 400, key, "%s: unknown field",
			    key);
		if (f[i].types & PD_API_RO)
			return pd_api_fail(c, 400, key,
			    "%s: cannot be set here", key);
		if (!type_ok(v, f[i].types))
			return pd_api_fail(c, 400, key, "%s: must be %s%s", key,
			    type_name(f[i].types),
			    (f[i].types & PD_API_NULL) ? " or null" : "");
	}
	return PD_OK;
}

json_t *
pd_api_get(struct pd_api_ctx *c, const char *name)
{
	return c->body != NULL ? json_object_get(c->body, name) : NULL;
}

const char *
pd_api_str(struct pd_api_ctx *c, const char *name)
{
	return json_string_value(pd_api_get(c, name));
}

int
pd_api_set_str(struct pd_api_ctx *c, const char *name, char **dst,
    int empty_is_null)
{
	json_t *v = pd_api_get(c, name);
	const char *s;
	char *copy = NULL;

	if (v == NULL)
		return PD_OK;
	s = json_string_value(v);
	if (s != NULL && !(empty_is_null && *s == '\0') &&
	    (copy = strdup(s)) == NULL)
		return pd_api_fail(c, 500, NULL, "out of memory");
	free(*dst);
	*dst = copy;
	return PD_OK;
}

/* "123" -> 123: digits only, no sign, no blanks, > 0, fits int64. */
static int64_t
parse_id(const char *s)
{
	char *end;
	long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0)
		return 0;
	return (int64_t)v;
}

int64_t
pd_api_json_id(const json_t *v)
{
	if (json_is_integer(v))
		return json_integer_value(v) > 0 ?
		    (int64_t)json_integer_value(v) : 0;
	return parse_id(json_string_value(v));
}

int
pd_api_arg_id(struct pd_api_ctx *c, int i, const char *what, int64_t *out)
{
	int64_t id = parse_id(c->arg[i]);

	if (id == 0)
		return pd_api_fail(c, 404, NULL, "no %s with id '%s'", what,
		    c->arg[i]);
	*out = id;
	return PD_OK;
}

int
pd_api_event_load(struct pd_api_ctx *c, int i, struct pd_event **out)
{
	int rc;

	rc = pd_store_event_get(c->app->st, c->arg[i], out);
	if (rc == PD_ENOTFOUND)
		return pd_api_fail(c, 404, NULL, "no event with id or UID '%s'",
		    c->arg[i]);
	if (rc != PD_OK)
		return pd_api_fail_store(c, rc, NULL);
	return PD_OK;
}

int
pd_api_person_ref(struct pd_api_ctx *c, const char *name,
    struct pd_person *out)
{
	json_t *v = pd_api_get(c, name);
	struct pd_store *st = c->app->st;
	char key[24];
	int rc;

	if (json_is_integer(v)) {
		snprintf(key, sizeof(key), "%lld",
		    (long long)json_integer_value(v));
		rc = json_integer_value(v) > 0 ? pd_store_person_get(st,
		    (int64_t)json_integer_value(v), out) : PD_ENOTFOUND;
	} else if (json_is_string(v) && *json_string_value(v) != '\0') {
		rc = pd_store_person_find(st, json_string_value(v), out);
	} else
		return pd_api_fail(c, 400, name, "%s: a person (id, e-mail or "
		    "name) is required", name);
	if (rc == PD_ENOTFOUND)
		return pd_api_fail(c, 404, name, "%s: no person with id, "
		    "e-mail or name '%s'", name, json_is_integer(v) ? key :
		    json_string_value(v));
	if (rc != PD_OK)
		return pd_api_fail_store(c, rc, name);
	return PD_OK;
}

/* ---- the request ---- */

/*
 * "Authorization: Bearer TOKEN" (scheme case-insensitive, RFC 9110
 * 11.1), compared in constant time.  No token configured: nobody gets in.
 */
static int
authorized(const struct pd_app *app, const char *h)
{
	const char *tok;
	size_t len;

	if (app->api_token == NULL || app->api_token_len == 0 || h == NULL)
		return 0;
	if (strncasecmp(h, "Bearer", 6) != 0 || (h[6] != ' ' && h[6] != '\t'))
		return 0;
	tok = h + 6;
	while (*tok == ' ' || *tok == '\t')
		tok++;
	len = strlen(tok);
	while (len > 0 && (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
		len--;
	if (len == 0)
		return 0;
	return pd_token_equal(tok, len, app->api_token, app->api_token_len);
}

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * The media type type (e.g. "application/json"), optionally with
 * parameters; a charset other than UTF-8 is refused, because that is all
 * JSON may be (RFC 8259 8.1) and all iCalendar we read (RFC 5545 3.1.4).
 */
static int
content_type_is(const char *ct, const char *type)
{
	size_t tlen = strlen(type);
	const char *p, *v;
	size_t n;

	if (ct == NULL)
		return 0;
	p = skip_ws(ct);
	if (strncasecmp(p, type, tlen) != 0)
		return 0;
	p = skip_ws(p + tlen);
	while (*p == ';') {
		p = skip_ws(p + 1);
		n = strcspn(p, "=;");
		if (p[n] != '=') {
			p += n;
			continue;
		}
		v = p + n + 1;
		if (n == 7 && strncasecmp(p, "charset", 7) == 0) {
			if (*v == '"')
				v++;
			if (strncasecmp(v, "utf-8", 5) == 0)
				v += 5;
			else if (strncasecmp(v, "utf8", 4) == 0)
				v += 4;
			else
				return 0;
			if (*v == '"')
				v++;
			if (*skip_ws(v) != '\0' && *skip_ws(v) != ';')
				return 0;
		}
		p = v + strcspn(v, ";");
	}
	return *p == '\0';
}

static int
blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

/*
 * Parses the JSON body the route wants into c->body; an iCalendar body is
 * only checked for its type.  Answers 415/400 else.
 */
static int
read_body(struct pd_api_ctx *c, enum body_use use)
{
	const struct pd_http_req *req = c->req;
	json_error_t jerr;
	json_t *v;

	if (use == BODY_NONE ||
	    (use == BODY_OPT && (req->body == NULL || blank(req->body,
	    req->body_len))))
		return PD_OK;
	/* The route parses it: the parser's errors name the line. */
	if (use == BODY_ICS)
		return content_type_is(req->content_type, "text/calendar") ?
		    PD_OK : pd_api_fail(c, 415, "Content-Type", "the body must "
		    "be iCalendar, sent as Content-Type: text/calendar");
	if (!content_type_is(req->content_type, "application/json"))
		return pd_api_fail(c, 415, "Content-Type", "the body must be "
		    "JSON, sent as Content-Type: application/json");
	if (req->body == NULL || req->body_len == 0)
		return pd_api_fail(c, 400, "body", "a JSON object is required");
	/*
	 * jansson refuses invalid UTF-8 and \u0000 in strings; duplicate
	 * keys are refused too, since which one wins would be a guess.
	 */
	v = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (v == NULL)
		return pd_api_fail(c, 400, "body", "malformed JSON at line %d, "
		    "column %d: %s", jerr.line, jerr.column, jerr.text);
	if (!json_is_object(v)) {
		json_decref(v);
		return pd_api_fail(c, 400, "body", "the body must be a JSON "
		    "object");
	}
	c->body = v;
	return PD_OK;
}

/*
 * Splits path (after "/api/", a copy we own) into segments; a trailing
 * "/" is forgiven.  Returns the count, or -1 for empty segments and
 * paths too deep for any route.
 */
static int
split(char *path, char **seg)
{
	size_t len = strlen(path);
	int n = 0;
	char *p;

	if (len > 0 && path[len - 1] == '/')
		path[len - 1] = '\0';
	if (*path == '\0')
		return -1;
	for (p = path; p != NULL; n++) {
		if (n == MAX_SEGS)
			return -1;
		seg[n] = p;
		if ((p = strchr(p, '/')) != NULL)
			*p++ = '\0';
		if (*seg[n] == '\0')
			return -1;
	}
	return n;
}

/* Does pattern match seg[0..n)?  The "*" segments go to arg. */
static int
match(const char *pattern, char *const *seg, int n, const char **arg)
{
	const char *p = pattern;
	size_t len;
	int i, nargs = 0;

	for (i = 0; i < n; i++) {
		if (*p == '\0')
			return 0;
		len = strcspn(p, "/");
		if (len == 1 && *p == '*') {
			if (nargs == PD_API_MAX_ARGS)
				return 0;
			arg[nargs++] = seg[i];
		} else if (strlen(seg[i]) != len || strncmp(p, seg[i], len) != 0)
			return 0;
		p += len;
		if (*p == '/')
			p++;
	}
	return *p == '\0';
}

static int
is_write(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

/*
 * Finds the route for the request.  NULL when none: then allow holds the
 * methods the path does take (empty when the path is unknown).
 */
static const struct route *
find_route(const char *method, char *const *seg, int n, const char **arg,
    struct pd_buf *allow)
{
	const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
	const char *args[PD_API_MAX_ARGS];
	size_t i;

	for (i = 0; i < NROUTES; i++) {
		if (!match(routes[i].pattern, seg, n, args))
			continue;
		if (strcmp(routes[i].method, want) == 0) {
			memcpy(arg, args, sizeof(args));
			return &routes[i];
		}
		/* A path has each method once, so no method repeats here. */
		pd_buf_addf(allow, "%s%s%s", allow->len > 0 ? ", " : "",
		    routes[i].method,
		    strcmp(routes[i].method, "GET") == 0 ? ", HEAD" : "");
	}
	return NULL;
}

void
pd_api_handle(struct pd_app *app, const struct pd_http_req *req,
    struct pd_http_resp *resp)
{
	struct pd_api_ctx c;
	const struct route *r;
	struct pd_buf allow = PD_BUF_INIT;
	char *path = NULL, *seg[MAX_SEGS];
	int n;

	memset(&c, 0, sizeof(c));
	c.app = app;
	c.req = req;
	c.resp = resp;
	if (!authorized(app, req->authorization)) {
		pd_api_fail(&c, 401, NULL, "a valid API token is required "
		    "(Authorization: Bearer TOKEN)");
		pd_http_resp_header(resp, "WWW-Authenticate", "Bearer");
		goto out;
	}
	if (strncmp(req->path, "/api/", 5) != 0) {
		pd_api_fail(&c, 404, NULL, "no such API path");
		goto out;
	}
	if ((path = strdup(req->path + 5)) == NULL) {
		pd_api_fail(&c, 500, NULL, "out of memory");
		goto out;
	}
	if ((n = split(path, seg)) < 0 ||
	    (r = find_route(req->method, seg, n, c.arg, &allow)) == NULL) {
		if (n >= 0 && allow.len > 0) {
			pd_api_fail(&c, 405, NULL, "%s is not allowed here; "
			    "use %s", req->method, allow.data);
			pd_http_resp_header(resp, "Allow", allow.data);
		} else
			pd_api_fail(&c, 404, NULL, "no such API path");
		goto out;
	}
	if (read_body(&c, r->body) != PD_OK)
		goto out;
	pthread_mutex_lock(&app->lock);
	pd_store_set_actor(app->st, "api");
	if (is_write(r->method))
		pd_store_set_now(app->st, app->now());
	r->fn(&c);
	pthread_mutex_unlock(&app->lock);
	/* After the unlock: refreshing feeds takes the lock itself. */
	if (c.wrote && app->changed != NULL)
		app->changed(app);
out:
	pd_buf_free(&allow);
	json_decref(c.body);
	free(path);
}
