/*
 * Request routing: which handler answers which path, and the feed and
 * health endpoints themselves.  The organizer API lives in api.c, the
 * answer pages in respond.c.
 *
 * No path is ever mapped to a file: feeds come from the cache by name, so
 * "..", "%2e%2e" and friends can only ever miss.  Paths are still checked
 * so that junk gets a clear 400 instead of a 404 that hides a bug.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "podium/feed.h"
#include "podium/http.h"
#include "podium/outbox.h"
#include "podium/schedule.h"
#include "podium/store.h"

#define MAX_PATH 1024

static int
is_get(const struct pd_http_req *req)
{
	return strcmp(req->method, "GET") == 0 ||
	    strcmp(req->method, "HEAD") == 0;
}

static void
method_not_allowed(struct pd_http_resp *resp, const char *allow)
{
	pd_http_resp_error(resp, 405, NULL, "method not allowed; use %s",
	    allow);
	pd_http_resp_header(resp, "Allow", allow);
}

/* A slug or token segment: [A-Za-z0-9_-]+, nothing else. */
static int
segment_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 200)
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return 0;
	return 1;
}

/*
 * Does the If-None-Match list name tag?  Weak comparison (RFC 9110
 * 13.1.2): a W/ prefix does not matter.  "*" matches any.
 */
static int
etag_listed(const char *list, const char *tag)
{
	size_t tlen = strlen(tag);
	const char *p = list;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, tag, tlen) == 0 &&
		    (p[tlen] == '\0' || p[tlen] == ',' || p[tlen] == ' '))
			return 1;
		while (*p != '\0' && *p != ',')
			p++;
	}
	return 0;
}

static int
http_date_parse(const char *s, int64_t *out)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL || *end != '\0')
		return PD_EINVAL;
	*out = (int64_t)timegm(&tm);
	return PD_OK;
}

static int
accepts_gzip(const char *ae)
{
	const char *p;

	if (ae == NULL || (p = strstr(ae, "gzip")) == NULL)
		return 0;
	p += 4;
	while (*p == ' ')
		p++;
	/* "gzip;q=0" is a refusal. */
	return !(strncmp(p, ";q=0", 4) == 0 && p[4] != '.') &&
	    strncmp(p, ";q=0.0", 6) != 0;
}

static void
serve_feed(struct pd_app *app, const struct pd_http_req *req,
    const char *name, struct pd_http_resp *resp)
{
	struct pd_feed *f = NULL;
	const char *tag;
	int64_t since;
	int rc, gz, personal = strncmp(name, "person/", 7) == 0;

	if ((rc = pd_feeds_get(app->feeds, name, app->now(), &f)) != PD_OK) {
		if (rc == PD_ENOTFOUND)
			pd_http_resp_error(resp, 404, NULL, "no such feed");
		else
			pd_http_resp_error(resp, 500, NULL,
			    "feed could not be rendered: %s", pd_strerror(rc));
		return;
	}
	gz = f->gz != NULL && accepts_gzip(req->accept_encoding);
	tag = gz ? f->gz_etag : f->etag;
	if ((resp->content_type = pd_schedule_content_type(name)) == NULL)
		resp->content_type = "text/calendar; charset=utf-8";
	pd_http_resp_header(resp, "ETag", tag);
	pd_http_resp_header(resp, "Last-Modified", f->last_modified);
	pd_http_resp_header(resp, "Cache-Control",
	    personal ? "private, no-cache" : "public, no-cache");
	if (f->gz != NULL)
		pd_http_resp_header(resp, "Vary", "Accept-Encoding");
	if (req->if_none_match != NULL) {
		if (etag_listed(req->if_none_match, f->etag) ||
		    etag_listed(req->if_none_match, f->gz_etag)) {
			resp->status = 304;
			pd_feed_release(f);
			return;
		}
	} else if (req->if_modified_since != NULL &&
	    http_date_parse(req->if_modified_since, &since) == PD_OK &&
	    since >= f->mtime) {
		resp->status = 304;
		pd_feed_release(f);
		return;
	}
	if (gz)
		pd_http_resp_header(resp, "Content-Encoding", "gzip");
	resp->feed = f;
	resp->gzip = gz;
}

static void
route_feed(struct pd_app *app, const struct pd_http_req *req,
    struct pd_http_resp *resp)
{
	const char *rest = req->path + strlen("/calendars/");
	size_t len = strlen(rest);
	char name[256];
	const char *seg;

	if (!is_get(req)) {
		method_not_allowed(resp, "GET, HEAD");
		return;
	}
	if (pd_schedule_feed_name(rest)) {
		serve_feed(app, req, rest, resp);
		return;
	}
	if (len < 5 || strcmp(rest + len - 4, ".ics") != 0)
		goto notfound;
	len -= 4;
	if (len == 3 && strncmp(rest, "all", 3) == 0) {
		serve_feed(app, req, "all", resp);
		return;
	}
	if ((strncmp(rest, "group/", 6) == 0 || strncmp(rest, "topic/", 6) == 0))
		seg = rest + 6;
	else if (strncmp(rest, "person/", 7) == 0)
		seg = rest + 7;
	else
		goto notfound;
	if (!segment_ok(seg, len - (size_t)(seg - rest)))
		goto notfound;
	snprintf(name, sizeof(name), "%.*s", (int)len, rest);
	serve_feed(app, req, name, resp);
	return;
notfound:
	pd_http_resp_error(resp, 404, NULL, "no such feed");
}

static void
route_health(struct pd_app *app, const struct pd_http_req *req,
    struct pd_http_resp *resp)
{
	int64_t rev = 0, backlog = 0, oldest = 0, retrying = 0, now;
	int rc;

	if (!is_get(req)) {
		method_not_allowed(resp, "GET, HEAD");
		return;
	}
	now = app->now();
	pthread_mutex_lock(&app->lock);
	rc = pd_store_revision(app->st, &rev);
	if (rc == PD_OK)
		rc = pd_store_outbox_backlog(app->st, &backlog, &oldest,
		    &retrying);
	pthread_mutex_unlock(&app->lock);
	resp->status = rc == PD_OK ? 200 : 503;
	pd_buf_addf(&resp->body,
	    "{\"status\": \"%s\", \"database\": \"%s\", \"revision\": %lld, "
	    "\"outbox\": {\"backlog\": %lld, \"retrying\": %lld, "
	    "\"oldest_age_seconds\": %lld}, \"feeds_bytes\": %zu, "
	    "\"pieces_bytes\": %zu}\n",
	    rc == PD_OK ? "ok" : "failing", rc == PD_OK ? "ok" : "error",
	    (long long)rev, (long long)backlog, (long long)retrying,
	    (long long)(backlog > 0 && now > oldest ? now - oldest : 0),
	    pd_feeds_bytes(app->feeds), pd_feeds_piece_bytes(app->feeds));
}

static int
path_ok(const char *p)
{
	size_t i, n = strlen(p);

	if (n == 0 || n > MAX_PATH || p[0] != '/')
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return 0;
	return 1;
}

void
pd_route(struct pd_app *app, const struct pd_http_req *req,
    struct pd_http_resp *resp)
{
	const char *p = req->path;

	if (!path_ok(p)) {
		pd_http_resp_error(resp, 400, "path",
		    "bad request path");
		return;
	}
	if (strstr(p, "/../") != NULL || strstr(p, "/./") != NULL ||
	    (strlen(p) >= 3 && strcmp(p + strlen(p) - 3, "/..") == 0)) {
		pd_http_resp_error(resp, 404, NULL, "not found");
		return;
	}
	if (strncmp(p, "/calendars/", 11) == 0)
		route_feed(app, req, resp);
	else if (strcmp(p, "/healthz") == 0)
		route_health(app, req, resp);
	else if (strcmp(p, "/api") == 0 || strncmp(p, "/api/", 5) == 0)
		pd_api_handle(app, req, resp);
	else if (strncmp(p, "/respond/", 9) == 0)
		pd_respond_handle(app, req, resp);
	else if (pd_web_owns(p))
		pd_web_handle(app, req, resp);
	else
		pd_http_resp_error(resp, 404, NULL, "not found");
}
