/*
 * podiumd's HTTP side: the application state the handlers share, the
 * plain request/response the handlers work on, and the libmicrohttpd
 * server that turns sockets into those.
 *
 * Handlers (routes, API, answer pages) are plain functions from a
 * struct pd_http_req to a struct pd_http_resp; they can be tested without
 * sockets.  They never send mail: they write to the store, the scheduler
 * sends.
 */
#ifndef PODIUM_HTTP_H
#define PODIUM_HTTP_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "podium/buf.h"
#include "podium/config.h"
#include "podium/err.h"

struct pd_store;
struct pd_feeds;
struct pd_feed;

struct pd_app {
	const struct pd_config *cfg;
	struct pd_store *st;		/* used only under lock */
	pthread_mutex_t lock;
	struct pd_feeds *feeds;
	char *api_token;		/* NULL: the API answers 401 always */
	size_t api_token_len;
	unsigned char key[32];		/* HMAC key of answer links */
	int64_t (*now)(void);		/* the clock (PODIUM_NOW aware) */
	void (*changed)(struct pd_app *);	/* after a write; may be NULL */
};

struct pd_http_req {
	const char *method;
	const char *path;		/* decoded, without the query */
	const char *query;		/* NULL: none */
	const char *if_none_match;
	const char *if_modified_since;
	const char *accept_encoding;
	const char *authorization;
	const char *content_type;
	const char *body;
	size_t body_len;
	const char *cookie;		/* the web pages' session */
	const char *origin;
	const char *host;
	const char *client;		/* the peer's address, "127.0.0.1" */
	const char *fetch_site;		/* Sec-Fetch-Site */
};

#define PD_HTTP_MAX_HEADERS 12

struct pd_http_resp {
	int status;
	const char *content_type;	/* static string */
	struct pd_buf body;
	struct pd_feed *feed;		/* instead of body: a cached feed */
	int gzip;			/* with feed: send its gzip bytes */
	int head;			/* no body, but the headers of one */
	const char *hname[PD_HTTP_MAX_HEADERS];	/* static names */
	char *hvalue[PD_HTTP_MAX_HEADERS];	/* owned values */
	size_t nheaders;
};

void pd_http_resp_init(struct pd_http_resp *r);
void pd_http_resp_clear(struct pd_http_resp *r);
/* Adds a header; the value is copied.  Values with CR or LF are refused. */
int pd_http_resp_header(struct pd_http_resp *r, const char *name,
    const char *value);
/* A JSON error body {"error": msg, "field": field}. */
void pd_http_resp_error(struct pd_http_resp *r, int status,
    const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Routes a request: feeds, /healthz, /api/, /respond/. */
void pd_route(struct pd_app *app, const struct pd_http_req *req,
    struct pd_http_resp *resp);
/* The organizer API under /api/ (lib/api.c). */
void pd_api_handle(struct pd_app *app, const struct pd_http_req *req,
    struct pd_http_resp *resp);
/* The organizer web pages (lib/web.c): does it own path, and answer. */
int pd_web_owns(const char *path);
void pd_web_handle(struct pd_app *app, const struct pd_http_req *req,
    struct pd_http_resp *resp);
/*
 * When no organizer account exists: a one-time link (BASE/setup/TOKEN,
 * good for a day) that makes the first one; *url NULL when accounts
 * exist.  *url is the caller's to free.
 */
int pd_web_setup_link(struct pd_app *app, char **url);
/* The speaker answer pages under /respond/ (lib/respond.c). */
void pd_respond_handle(struct pd_app *app, const struct pd_http_req *req,
    struct pd_http_resp *resp);

struct pd_http_server;

/*
 * Starts serving on cfg->listen ("ADDR:PORT"; port 0 picks a free one,
 * see pd_http_port).  Connection limits and timeouts come from cfg.
 */
int pd_http_start(struct pd_app *app, struct pd_http_server **out,
    struct pd_error *err);
int pd_http_port(const struct pd_http_server *srv);
/* Stops accepting, waits for requests in progress, frees. */
void pd_http_stop(struct pd_http_server *srv);

#endif
