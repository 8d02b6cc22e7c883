/*
 * Unit tests of the organizer API (lib/api*.c): requests are built by
 * hand, handed to pd_api_handle() with an app around a fresh store file,
 * and the answers (status, headers, JSON parsed back with jansson) are
 * checked.  No sockets: the e2e tests do those.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "podium/answer.h"
#include "podium/http.h"
#include "podium/outbox.h"
#include "podium/store.h"
#include "podium/token.h"

#define TOKEN "secret-token"
#define NOW 1612425600		/* 2021-02-04T08:00:00Z */

struct fx {
	struct pd_app app;	/* first: changed() finds the fixture */
	char path[64];
	int changes;
	struct pd_http_resp resp;
	json_t *json;		/* the last answer, parsed */
};

static int64_t
fixed_now(void)
{
	return NOW;
}

static void
count_change(struct pd_app *app)
{
	((struct fx *)app)->changes++;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct pd_error err = { 0, NULL, NULL };
	int fd;

	assert_non_null(f);
	snprintf(f->path, sizeof(f->path), "/tmp/podium-api-XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(pd_store_open(f->path, NOW, &f->app.st, &err), PD_OK);
	pthread_mutex_init(&f->app.lock, NULL);
	f->app.api_token = strdup(TOKEN);
	f->app.api_token_len = strlen(TOKEN);
	f->app.now = fixed_now;
	f->app.changed = count_change;
	pd_http_resp_init(&f->resp);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char side[80];

	json_decref(f->json);
	pd_http_resp_clear(&f->resp);
	pd_store_close(f->app.st);
	pthread_mutex_destroy(&f->app.lock);
	free(f->app.api_token);
	unlink(f->path);
	snprintf(side, sizeof(side), "%s-wal", f->path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", f->path);
	unlink(side);
	free(f);
	return 0;
}

/*
 * Sends one request and returns the status; f->json is the answer's JSON
 * (NULL for an empty body).  An answer that is not JSON fails the test,
 * unless it says it is a calendar (export): then f->resp.body has it.
 */
static int
send_full(struct fx *f, const char *method, const char *path,
    const char *query, const char *auth, const char *ctype,
    const char *body, size_t len)
{
	struct pd_http_req req;
	json_error_t jerr;

	json_decref(f->json);
	f->json = NULL;
	pd_http_resp_clear(&f->resp);
	pd_http_resp_init(&f->resp);
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	req.query = query;
	req.authorization = auth;
	req.content_type = ctype;
	req.body = body != NULL ? body : "";
	req.body_len = len;
	pd_api_handle(&f->app, &req, &f->resp);
	if (f->resp.body.len > 0 && (f->resp.content_type == NULL ||
	    strncmp(f->resp.content_type, "text/calendar", 13) != 0)) {
		f->json = json_loadb(f->resp.body.data, f->resp.body.len, 0,
		    &jerr);
		if (f->json == NULL)
			fail_msg("answer is not JSON (%s): %s", jerr.text,
			    f->resp.body.data);
	}
	return f->resp.status;
}

static int
send_json(struct fx *f, const char *method, const char *path,
    const char *body)
{
	return send_full(f, method, path, NULL, "Bearer " TOKEN,
	    body != NULL ? "application/json" : NULL, body,
	    body != NULL ? strlen(body) : 0);
}

static int
get(struct fx *f, const char *path)
{
	return send_json(f, "GET", path, NULL);
}

static const char *
header(struct fx *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->resp.nheaders; i++)
		if (strcasecmp(f->resp.hname[i], name) == 0)
			return f->resp.hvalue[i];
	return NULL;
}

static const char *
jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static json_int_t
jint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		fail_msg("%s is not an integer", key);
	return json_integer_value(v);
}

/* The error answer names field (NULL: names none). */
static void
assert_field(struct fx *f, const char *field)
{
	assert_non_null(f->json);
	assert_non_null(jstr(f->json, "error"));
	if (field == NULL)
		assert_null(json_object_get(f->json, "field"));
	else
		assert_string_equal(jstr(f->json, "field"), field);
}

/* Makes an API path from a format; the buffer is the caller's. */
static const char *
pathf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static const char *
pathf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return buf;
}

#define PATH(...) pathf(pbuf, sizeof(pbuf), __VA_ARGS__)

static json_int_t
add_person(struct fx *f, const char *body)
{
	assert_int_equal(send_json(f, "POST", "/api/people", body), 201);
	return jint(f->json, "id");
}

static const char *const EVENT_BODY =
    "{\"title\": \"Arbeitsgruppe Smarte Quartiere\","
    " \"start\": \"2021-01-22 9:00\", \"end\": \"12:00\","
    " \"location\": \"Rathaus Gera, Raum 1\","
    " \"group\": \"Fachgruppe Unternehmen der kommunalen Infrastruktur\","
    " \"topics\": [\"Smarte Quartiere\"],"
    " \"description\": \"Sitzung mit Bürgerbeteiligung\"}";

static json_int_t
add_event(struct fx *f)
{
	assert_int_equal(send_json(f, "POST", "/api/events", EVENT_BODY), 201);
	return jint(f->json, "id");
}

/* ---- authentication and routing ---- */

static void
api_auth__no_token__returns_401_with_www_authenticate(void **state)
{
	struct fx *f = *state;

	assert_int_equal(send_full(f, "GET", "/api/events", NULL, NULL, NULL,
	    NULL, 0), 401);
	assert_string_equal(header(f, "WWW-Authenticate"), "Bearer");
	assert_field(f, NULL);
}

static void
api_auth__wrong_token__returns_401(void **state)
{
	struct fx *f = *state;

	assert_int_equal(send_full(f, "GET", "/api/events", NULL,
	    "Bearer secret-tokem", NULL, NULL, 0), 401);
	assert_int_equal(send_full(f, "GET", "/api/events", NULL,
	    "Bearer secret-token-and-more", NULL, NULL, 0), 401);
	assert_int_equal(send_full(f, "GET", "/api/events", NULL,
	    "Basic c2VjcmV0LXRva2Vu", NULL, NULL, 0), 401);
	assert_int_equal(send_full(f, "GET", "/api/events", NULL,
	    "Bearer ", NULL, NULL, 0), 401);
	assert_non_null(header(f, "WWW-Authenticate"));
	/* The scheme is case-insensitive. */
	assert_int_equal(send_full(f, "GET", "/api/events", NULL,
	    "bearer " TOKEN, NULL, NULL, 0), 200);
}

static void
api_auth__no_token_configured__returns_401_always(void **state)
{
	struct fx *f = *state;

	free(f->app.api_token);
	f->app.api_token = NULL;
	f->app.api_token_len = 0;
	assert_int_equal(get(f, "/api/events"), 401);
	assert_int_equal(send_full(f, "GET", "/api/events", NULL, "Bearer ",
	    NULL, NULL, 0), 401);
}

static void
api_auth__unknown_path_without_token__returns_401_not_404(void **state)
{
	struct fx *f = *state;

	assert_int_equal(send_full(f, "GET", "/api/secret-things", NULL, NULL,
	    NULL, NULL, 0), 401);
}

static void
api_route__unknown_path__returns_404(void **state)
{
	struct fx *f = *state;

	assert_int_equal(get(f, "/api/nothing"), 404);
	assert_int_equal(get(f, "/api/events/1/nothing"), 404);
	assert_int_equal(get(f, "/api/events//talks"), 404);
	assert_int_equal(get(f, "/api/a/b/c/d/e/f"), 404);
	assert_int_equal(get(f, "/api/"), 404);
	assert_int_equal(get(f, "/api"), 404);
	/* A trailing slash is forgiven. */
	assert_int_equal(get(f, "/api/events/"), 200);
}

static void
api_events__wrong_method__returns_405_with_allow(void **state)
{
	struct fx *f = *state;

	assert_int_equal(send_json(f, "PUT", "/api/events", "{}"), 405);
	assert_string_equal(header(f, "Allow"), "GET, HEAD, POST");
	assert_int_equal(send_json(f, "POST", "/api/events/1", "{}"), 405);
	assert_string_equal(header(f, "Allow"), "GET, HEAD, PATCH, DELETE");
	assert_int_equal(get(f, "/api/talks/1/confirm"), 405);
	assert_string_equal(header(f, "Allow"), "POST");
	assert_int_equal(send_json(f, "DELETE", "/api/groups", NULL), 405);
	assert_string_equal(header(f, "Allow"), "GET, HEAD");
}

static void
api_events_head__answers_like_get(void **state)
{
	struct fx *f = *state;

	assert_int_equal(send_full(f, "HEAD", "/api/events", NULL,
	    "Bearer " TOKEN, NULL, NULL, 0), 200);
}

/* ---- bodies ---- */

static void
api_events_post__malformed_json__returns_400(void **state)
{
	struct fx *f = *state;

	assert_int_equal(send_json(f, "POST", "/api/events",
	    "{\"title\": \"x\","), 400);
	assert_field(f, "body");
	assert_int_equal(send_json(f, "POST", "/api/events", "[1, 2]"), 400);
	assert_field(f, "body");
	assert_int_equal(send_json(f, "POST", "/api/events",
	    "{\"title\": \"a\", \"title\": \"b\"}"), 400);
	assert_int_equal(send_json(f, "POST", "/api/events", ""), 400);
	assert_int_equal(send_json(f, "POST", "/api/events",
	    "{\"title\": \"a\\u0000b\"}"), 400);
	assert_int_equal(f->changes, 0);
}

static void
api_events_post__non_utf8__returns_400(void **state)
{
	struct fx *f = *state;
	static const char body[] = "{\"title\": \"Gro\xdf" "e Runde\"}";

	assert_int_equal(send_json(f, "POST", "/api/events", body), 400);
	assert_field(f, "body");
}

static void
api_events_post__body_not_nul_terminated__is_read_by_length(void **state)
{
	struct fx *f = *state;
	char buf[512];
	size_t n = strlen(EVENT_BODY);

	memcpy(buf, EVENT_BODY, n);
	memset(buf + n, 'x', sizeof(buf) - n);
	assert_int_equal(send_full(f, "POST", "/api/events", NULL,
	    "Bearer " TOKEN, "application/json", buf, n), 201);
}

static void
api_events_post__wrong_content_type__returns_415(void **state)
{
	struct fx *f = *state;

	assert_int_equal(send_full(f, "POST", "/api/events", NULL,
	    "Bearer " TOKEN, "text/plain", EVENT_BODY, strlen(EVENT_BODY)),
	    415);
	assert_int_equal(send_full(f, "POST", "/api/events", NULL,
	    "Bearer " TOKEN, NULL, EVENT_BODY, strlen(EVENT_BODY)), 415);
	assert_int_equal(send_full(f, "POST", "/api/events", NULL,
	    "Bearer " TOKEN, "application/json; charset=iso-8859-1",
	    EVENT_BODY, strlen(EVENT_BODY)), 415);
	assert_int_equal(send_full(f, "POST", "/api/events", NULL,
	    "Bearer " TOKEN, "application/jsonx", EVENT_BODY,
	    strlen(EVENT_BODY)), 415);
	assert_int_equal(f->changes, 0);
	assert_int_equal(send_full(f, "POST", "/api/events", NULL,
	    "Bearer " TOKEN, "Application/JSON; charset=\"UTF-8\"", EVENT_BODY,
	    strlen(EVENT_BODY)), 201);
}

static void
api_events_post__unknown_field__returns_400_naming_it(void **state)
{
	struct fx *f = *state;

	assert_int_equal(send_json(f, "POST", "/api/events",
	    "{\"title\": \"T\", \"start\": \"2021-01-22 09:00\","
	    " \"end\": \"2021-01-22 10:00\", \"colour\": \"red\"}"), 400);
	assert_field(f, "colour");
	assert_int_equal(f->changes, 0);
}

static void
api_events_post__wrong_type__returns_400_naming_field(void **state)
{
	struct fx *f = *state;

	assert_int_equal(send_json(f, "POST", "/api/events",
	    "{\"title\": 5, \"start\": \"2021-01-22 09:00\"}"), 400);
	assert_field(f, "title");
	assert_int_equal(send_json(f, "POST", "/api/events",
	    "{\"title\": \"T\", \"topics\": [\"a\", 1]}"), 400);
	assert_field(f, "topics");
	assert_int_equal(send_json(f, "POST", "/api/events",
	    "{\"title\": \"T\", \"all_day\": \"yes\"}"), 400);
	assert_field(f, "all_day");
}

/* ---- events ---- */

static void
api_events_post__valid__returns_201_with_location(void **state)
{
	struct fx *f = *state;
	char loc[64];
	json_int_t id;

	assert_int_equal(send_json(f, "POST", "/api/events", EVENT_BODY), 201);
	assert_string_equal(f->resp.content_type,
	    "application/json; charset=utf-8");
	id = jint(f->json, "id");
	snprintf(loc, sizeof(loc), "/api/events/%lld", (long long)id);
	assert_string_equal(header(f, "Location"), loc);
	assert_string_equal(jstr(f->json, "title"),
	    "Arbeitsgruppe Smarte Quartiere");
	assert_string_equal(jstr(f->json, "start"), "2021-01-22 09:00");
	assert_string_equal(jstr(f->json, "end"), "2021-01-22 12:00");
	assert_string_equal(jstr(f->json, "tz"), "Europe/Berlin");
	assert_string_equal(jstr(f->json, "status"), "confirmed");
	assert_int_equal(jint(f->json, "sequence"), 0);
	assert_non_null(jstr(f->json, "uid"));
	assert_string_equal(jstr(f->json, "group"),
	    "fachgruppe-unternehmen-der-kommunalen-infrastruktur");
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(f->json, "topics"), 0)), "Smarte Quartiere");
	assert_true(json_is_array(json_object_get(f->json, "talks")));
	/* Umlauts travel as UTF-8, not as \u escapes. */
	assert_non_null(strstr(f->resp.body.data, "Bürgerbeteiligung"));
	assert_int_equal(f->changes, 1);
}

static void
api_events_post__duration__sets_the_end(void **state)
{
	struct fx *f = *state;

	assert_int_equal(send_json(f, "POST", "/api/events",
	    "{\"title\": \"Kurz\", \"start\": \"2021-02-11 09:30\","
	    " \"duration\": \"90m\", \"status\": \"tentative\"}"), 201);
	assert_string_equal(jstr(f->json, "end"), "2021-02-11 11:00");
	assert_string_equal(jstr(f->json, "status"), "tentative");
	assert_int_equal(send_json(f, "POST", "/api/events",
	    "{\"title\": \"Tag\", \"start\": \"2021-02-11\","
	    " \"all_day\": true}"), 201);
	assert_string_equal(jstr(f->json, "end"), "2021-02-12");
	assert_true(json_is_true(json_object_get(f->json, "all_day")));
	assert_int_equal(send_json(f, "POST", "/api/events",
	    "{\"title\": \"Kurz\", \"start\": \"2021-02-11 09:30\","
	    " \"duration\": \"eine Stunde\"}"), 400);
	assert_field(f, "duration");
	assert_int_equal(send_json(f, "POST", "/api/events",
	    "{\"title\": \"Kurz\", \"start\": \"2021-02-11 09:30\","
	    " \"duration\": \"1h\", \"end\": \"11:00\"}"), 400);
	assert_field(f, "duration");
}

static void
api_events_post__bad_start__returns_400_naming_start(void **state)
{
	struct fx *f = *state;

	assert_int_equal(send_json(f, "POST", "/api/events",
	    "{\"title\": \"T\", \"start\": \"2021-02-30 09:00\","
	    " \"duration\": \"1h\"}"), 400);
	assert_field(f, "start");
	assert_int_equal(send_json(f, "POST", "/api/events",
	    "{\"title\": \"T\", \"start\": \"morgen\", \"end\": \"12:00\"}"),
	    400);
	assert_field(f, "start");
	assert_int_equal(f->changes, 0);
}

static void
api_events_post__store_refusals__return_400_naming_the_field(void **state)
{
	struct fx *f = *state;

	assert_int_equal(send_json(f, "POST", "/api/events",
	    "{\"title\": \"T\", \"start\": \"2021-02-11 09:00\","
	    " \"end\": \"2021-02-11 08:00\"}"), 400);
	assert_field(f, "end");
	assert_int_equal(send_json(f, "POST", "/api/events",
	    "{\"start\": \"2021-02-11 09:00\", \"end\": \"10:00\"}"), 400);
	assert_field(f, "title");
	assert_int_equal(send_json(f, "POST", "/api/events",
	    "{\"title\": \"T\", \"start\": \"2021-02-11 09:00\"}"), 400);
	assert_field(f, "end");
	assert_int_equal(send_json(f, "POST", "/api/events",
	    "{\"title\": \"T\", \"start\": \"2021-02-11 09:00\","
	    " \"end\": \"10:00\", \"tz\": \"Mars/Olympus\"}"), 400);
	assert_field(f, "tz");
	assert_int_equal(send_json(f, "POST", "/api/events",
	    "{\"title\": \"T\", \"start\": \"2021-02-11 09:00\","
	    " \"end\": \"10:00\", \"status\": \"cancelled\"}"), 400);
	assert_field(f, "status");
}

static void
api_events_post__same_uid_twice__returns_409(void **state)
{
	struct fx *f = *state;
	static const char body[] = "{\"uid\": \"fixed@podium\", \"title\": \"T\","
	    " \"start\": \"2021-02-11 09:00\", \"end\": \"10:00\"}";

	assert_int_equal(send_json(f, "POST", "/api/events", body), 201);
	assert_string_equal(jstr(f->json, "uid"), "fixed@podium");
	assert_int_equal(send_json(f, "POST", "/api/events", body), 409);
}

static void
api_events_get__range__lists_only_overlapping_events(void **state)
{
	struct fx *f = *state;

	add_event(f);		/* 2021-01-22 */
	assert_int_equal(send_json(f, "POST", "/api/events",
	    "{\"title\": \"Später\", \"start\": \"2021-03-01 10:00\","
	    " \"duration\": \"1h\"}"), 201);
	assert_int_equal(get(f, "/api/events"), 200);
	assert_int_equal(json_array_size(f->json), 2);
	assert_int_equal(send_full(f, "GET", "/api/events",
	    "from=2021-01-22&to=2021-01-22", "Bearer " TOKEN, NULL, NULL, 0),
	    200);
	assert_int_equal(json_array_size(f->json), 1);
	assert_string_equal(jstr(json_array_get(f->json, 0), "title"),
	    "Arbeitsgruppe Smarte Quartiere");
	assert_int_equal(send_full(f, "GET", "/api/events", "from=2021-02-01",
	    "Bearer " TOKEN, NULL, NULL, 0), 200);
	assert_int_equal(json_array_size(f->json), 1);
	assert_string_equal(jstr(json_array_get(f->json, 0), "title"),
	    "Später");
}

static void
api_events_get__bad_range__returns_400_naming_it(void **state)
{
	struct fx *f = *state;

	assert_int_equal(send_full(f, "GET", "/api/events", "from=22.01.2021",
	    "Bearer " TOKEN, NULL, NULL, 0), 400);
	assert_field(f, "from");
	assert_int_equal(send_full(f, "GET", "/api/events",
	    "from=2021-02-01&to=2021-01-01", "Bearer " TOKEN, NULL, NULL, 0),
	    400);
	assert_field(f, "to");
	assert_int_equal(send_full(f, "GET", "/api/events", "since=2021-01-01",
	    "Bearer " TOKEN, NULL, NULL, 0), 400);
	assert_field(f, "since");
}

static void
api_event_get__by_id_and_uid__returns_event_with_parts(void **state)
{
	struct fx *f = *state;
	char pbuf[128], uid[128];
	json_int_t id, pid;
	json_t *talks, *agenda, *att;

	id = add_event(f);
	snprintf(uid, sizeof(uid), "%s", jstr(f->json, "uid"));
	pid = add_person(f, "{\"name\": \"Herr Lübcke\", \"org\": \"TGZ\"}");
	assert_int_equal(send_json(f, "POST", PATH("/api/events/%lld/agenda",
	    (long long)id), "{\"label\": \"I\", \"title\": \"Begrüßung\","
	    " \"from\": \"9:00\", \"to\": \"09:15\"}"), 201);
	assert_int_equal(send_json(f, "POST", PATH("/api/events/%lld/talks",
	    (long long)id), "{\"title\": \"Smarte Quartiere\","
	    " \"speaker\": \"Herr Lübcke\"}"), 201);
	assert_int_equal(send_json(f, "POST",
	    PATH("/api/events/%lld/attendances", (long long)id),
	    "{\"person\": \"Herr Lübcke\", \"role\": \"chair\"}"), 201);

	assert_int_equal(get(f, PATH("/api/events/%s", uid)), 200);
	assert_int_equal(jint(f->json, "id"), id);
	assert_int_equal(get(f, PATH("/api/events/%lld", (long long)id)), 200);
	agenda = json_object_get(f->json, "agenda");
	talks = json_object_get(f->json, "talks");
	att = json_object_get(f->json, "attendances");
	assert_int_equal(json_array_size(agenda), 1);
	assert_true(jint(json_array_get(agenda, 0), "id") > 0);
	assert_string_equal(jstr(json_array_get(agenda, 0), "from"), "09:00");
	assert_int_equal(json_array_size(talks), 1);
	assert_true(jint(json_array_get(talks, 0), "id") > 0);
	assert_string_equal(jstr(json_array_get(talks, 0), "status"),
	    "requested");
	assert_int_equal(jint(json_object_get(json_array_get(talks, 0),
	    "speaker"), "id"), pid);
	assert_int_equal(json_array_size(att), 1);
	assert_true(jint(json_array_get(att, 0), "id") > 0);
	assert_string_equal(jstr(json_array_get(att, 0), "role"), "chair");
}

static void
api_event_get__unknown__returns_404(void **state)
{
	struct fx *f = *state;

	assert_int_equal(get(f, "/api/events/999"), 404);
	assert_int_equal(get(f, "/api/events/no-such-uid@example.org"), 404);
}

static void
api_events_patch__fields__change_and_place_bumps_sequence(void **state)
{
	struct fx *f = *state;
	char pbuf[64];
	json_int_t id = add_event(f), seq;

	assert_int_equal(send_json(f, "PATCH", PATH("/api/events/%lld",
	    (long long)id), "{\"title\": \"Neuer Titel\"}"), 200);
	assert_string_equal(jstr(f->json, "title"), "Neuer Titel");
	assert_string_equal(jstr(f->json, "location"), "Rathaus Gera, Raum 1");
	assert_int_equal(jint(f->json, "sequence"), 0);
	assert_int_equal(send_json(f, "PATCH", PATH("/api/events/%lld",
	    (long long)id), "{\"location\": \"Online\"}"), 200);
	assert_string_equal(jstr(f->json, "location"), "Online");
	assert_int_equal(jint(f->json, "sequence"), 1);
	/* A new start keeps the length. */
	assert_int_equal(send_json(f, "PATCH", PATH("/api/events/%lld",
	    (long long)id), "{\"start\": \"2021-01-29 10:00\"}"), 200);
	assert_string_equal(jstr(f->json, "end"), "2021-01-29 13:00");
	assert_int_equal(jint(f->json, "sequence"), 2);
	assert_int_equal(send_json(f, "PATCH", PATH("/api/events/%lld",
	    (long long)id), "{\"location\": null, \"group\": null}"), 200);
	assert_true(json_is_null(json_object_get(f->json, "location")));
	assert_true(json_is_null(json_object_get(f->json, "group")));
	seq = jint(f->json, "sequence");
	assert_int_equal(send_json(f, "PATCH", PATH("/api/events/%lld",
	    (long long)id), "{\"topics\": [\"Smarte Mobilität\"], "
	    "\"links\": [\"https://www.menti.com/jdaf7vgw6k\"]}"), 200);
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(f->json, "topics"), 0)), "Smarte Mobilität");
	assert_int_equal(json_array_size(json_object_get(f->json, "links")), 1);
	/* Topics and links are not time, place or status: no new SEQUENCE. */
	assert_int_equal(jint(f->json, "sequence"), seq);
	assert_int_equal(f->changes, 6);
}

static void
api_events_patch__bad_data__returns_400_and_changes_nothing(void **state)
{
	struct fx *f = *state;
	char pbuf[64];
	json_int_t id = add_event(f);

	assert_int_equal(send_json(f, "PATCH", PATH("/api/events/%lld",
	    (long long)id), "{\"sequence\": 7}"), 400);
	assert_field(f, "sequence");
	assert_int_equal(send_json(f, "PATCH", PATH("/api/events/%lld",
	    (long long)id), "{\"topics\": [\"ok\", 7]}"), 400);
	assert_field(f, "topics");
	assert_int_equal(send_json(f, "PATCH", PATH("/api/events/%lld",
	    (long long)id), "{\"start\": \"2021-13-01 10:00\"}"), 400);
	assert_field(f, "start");
	assert_int_equal(send_json(f, "PATCH", PATH("/api/events/%lld",
	    (long long)id), "{\"rrule\": \"FREQ=SOMETIMES\"}"), 400);
	assert_field(f, "rrule");
	assert_int_equal(send_json(f, "PATCH", "/api/events/999",
	    "{\"title\": \"x\"}"), 404);
	assert_int_equal(get(f, PATH("/api/events/%lld", (long long)id)), 200);
	assert_string_equal(jstr(f->json, "start"), "2021-01-22 09:00");
	assert_int_equal(f->changes, 1);
}

static void
api_events_delete__existing__returns_204_then_404(void **state)
{
	struct fx *f = *state;
	char pbuf[64];
	json_int_t id = add_event(f);

	assert_int_equal(send_json(f, "DELETE", PATH("/api/events/%lld",
	    (long long)id), NULL), 204);
	assert_int_equal(f->resp.body.len, 0);
	assert_int_equal(get(f, PATH("/api/events/%lld", (long long)id)), 404);
	assert_int_equal(send_json(f, "DELETE", PATH("/api/events/%lld",
	    (long long)id), NULL), 404);
}

static void
api_events_move__new_start__bumps_sequence_and_keeps_length(void **state)
{
	struct fx *f = *state;
	char pbuf[64];
	json_int_t id = add_event(f);

	assert_int_equal(send_json(f, "POST", PATH("/api/events/%lld/move",
	    (long long)id), "{\"start\": \"2021-02-04 13:00\"}"), 200);
	assert_string_equal(jstr(f->json, "start"), "2021-02-04 13:00");
	assert_string_equal(jstr(f->json, "end"), "2021-02-04 16:00");
	assert_int_equal(jint(f->json, "sequence"), 1);
	assert_int_equal(send_json(f, "POST", PATH("/api/events/%lld/move",
	    (long long)id), "{\"start\": \"2021-02-05 13:00\","
	    " \"end\": \"14:30\"}"), 200);
	assert_string_equal(jstr(f->json, "end"), "2021-02-05 14:30");
	assert_int_equal(jint(f->json, "sequence"), 2);
	assert_int_equal(send_json(f, "POST", PATH("/api/events/%lld/move",
	    (long long)id), "{\"start\": \"2021-02-06 08:00\","
	    " \"duration\": \"2h\"}"), 200);
	assert_string_equal(jstr(f->json, "end"), "2021-02-06 10:00");
	assert_int_equal(jint(f->json, "sequence"), 3);
}

static void
api_events_move__bad_or_missing_start__returns_400(void **state)
{
	struct fx *f = *state;
	char pbuf[64];
	json_int_t id = add_event(f);

	assert_int_equal(send_json(f, "POST", PATH("/api/events/%lld/move",
	    (long long)id), "{\"end\": \"2021-02-04 13:00\"}"), 400);
	assert_field(f, "start");
	assert_int_equal(send_json(f, "POST", PATH("/api/events/%lld/move",
	    (long long)id), "{\"start\": \"2021-02-04 25:00\"}"), 400);
	assert_field(f, "start");
	assert_int_equal(send_json(f, "POST", "/api/events/999/move",
	    "{\"start\": \"2021-02-04 13:00\"}"), 404);
}

static void
api_events_cancel__twice__cancels_and_bumps_sequence_once(void **state)
{
	struct fx *f = *state;
	char pbuf[64];
	json_int_t id = add_event(f);

	assert_int_equal(send_full(f, "POST", PATH("/api/events/%lld/cancel",
	    (long long)id), NULL, "Bearer " TOKEN, NULL, NULL, 0), 200);
	assert_string_equal(jstr(f->json, "status"), "cancelled");
	assert_int_equal(jint(f->json, "sequence"), 1);
	assert_int_equal(send_json(f, "POST", PATH("/api/events/%lld/cancel",
	    (long long)id), "{}"), 200);
	assert_int_equal(jint(f->json, "sequence"), 1);
	assert_int_equal(f->changes, 2);
	assert_int_equal(send_json(f, "POST", PATH("/api/events/%lld/cancel",
	    (long long)id), "{\"why\": \"snow\"}"), 400);
	assert_field(f, "why");
}

/* ---- agenda ---- */

static void
api_agenda_post__item__returns_201_and_delete_removes_it(void **state)
{
	struct fx *f = *state;
	char pbuf[64];
	json_int_t id = add_event(f), item;

	assert_int_equal(send_json(f, "POST", PATH("/api/events/%lld/agenda",
	    (long long)id), "{\"label\": \"II\", \"title\": \"Vortrag\","
	    " \"from\": \"09:15\", \"to\": \"10:00\"}"), 201);
	item = jint(f->json, "id");
	assert_int_equal(jint(f->json, "event_id"), id);
	assert_string_equal(jstr(f->json, "label"), "II");
	assert_string_equal(header(f, "Location"),
	    PATH("/api/agenda/%lld", (long long)item));
	assert_int_equal(send_json(f, "DELETE", PATH("/api/agenda/%lld",
	    (long long)item), NULL), 204);
	assert_int_equal(send_json(f, "DELETE", PATH("/api/agenda/%lld",
	    (long long)item), NULL), 404);
	assert_int_equal(send_json(f, "DELETE", "/api/agenda/abc", NULL), 404);
}

static void
api_agenda_post__bad_time__returns_400(void **state)
{
	struct fx *f = *state;
	char pbuf[64];
	json_int_t id = add_event(f);

	assert_int_equal(send_json(f, "POST", PATH("/api/events/%lld/agenda",
	    (long long)id), "{\"title\": \"Vortrag\", \"from\": \"10:00\","
	    " \"to\": \"9:00\"}"), 400);
	assert_non_null(jstr(f->json, "field"));
	assert_int_equal(send_json(f, "POST", "/api/events/999/agenda",
	    "{\"title\": \"Vortrag\", \"from\": \"09:00\", \"to\": \"10:00\"}"),
	    404);
}

/* ---- talks ---- */

static void
api_talks_post__speaker_by_email__returns_201_requested(void **state)
{
	struct fx *f = *state;
	char pbuf[64];
	json_int_t id = add_event(f), speaker, via, talk;

	speaker = add_person(f, "{\"name\": \"Frau Kache\","
	    " \"email\": \"kache@example.org\"}");
	via = add_person(f, "{\"name\": \"Herr Vogel\"}");
	assert_int_equal(send_json(f, "POST", PATH("/api/events/%lld/talks",
	    (long long)id), "{\"title\": \"Mobilität\","
	    " \"speaker\": \"kache@example.org\", \"via\": \"Herr Vogel\"}"),
	    201);
	talk = jint(f->json, "id");
	assert_string_equal(header(f, "Location"),
	    PATH("/api/talks/%lld", (long long)talk));
	assert_string_equal(jstr(f->json, "status"), "requested");
	assert_int_equal(jint(f->json, "event_id"), id);
	assert_int_equal(jint(json_object_get(f->json, "speaker"), "id"),
	    speaker);
	assert_int_equal(jint(json_object_get(f->json, "via"), "id"), via);
	assert_non_null(jstr(f->json, "uid"));
	assert_int_equal(get(f, PATH("/api/talks/%lld", (long long)talk)), 200);
	assert_string_equal(jstr(f->json, "title"), "Mobilität");
}

static void
api_talks_post__unknown_speaker__returns_404_naming_speaker(void **state)
{
	struct fx *f = *state;
	char pbuf[64];
	json_int_t id = add_event(f);

	assert_int_equal(send_json(f, "POST", PATH("/api/events/%lld/talks",
	    (long long)id), "{\"title\": \"T\", \"speaker\": \"Niemand\"}"),
	    404);
	assert_field(f, "speaker");
	assert_int_equal(send_json(f, "POST", PATH("/api/events/%lld/talks",
	    (long long)id), "{\"title\": \"T\", \"speaker\": 4711}"), 404);
	assert_field(f, "speaker");
	assert_int_equal(send_json(f, "POST", PATH("/api/events/%lld/talks",
	    (long long)id), "{\"title\": \"T\"}"), 400);
	assert_field(f, "speaker");
	assert_int_equal(f->changes, 1);
}

static void
api_talks_post__alternative_to__must_be_a_talk_of_the_event(void **state)
{
	struct fx *f = *state;
	char pbuf[64], body[160];
	json_int_t ev1 = add_event(f), ev2 = add_event(f), t1, t2, other;

	add_person(f, "{\"name\": \"A\"}");
	assert_int_equal(send_json(f, "POST", PATH("/api/events/%lld/talks",
	    (long long)ev1), "{\"title\": \"Erst\", \"speaker\": \"A\"}"), 201);
	t1 = jint(f->json, "id");
	assert_int_equal(send_json(f, "POST", PATH("/api/events/%lld/talks",
	    (long long)ev2), "{\"title\": \"Anders\", \"speaker\": \"A\"}"),
	    201);
	other = jint(f->json, "id");
	snprintf(body, sizeof(body), "{\"title\": \"Ersatz\", \"speaker\": "
	    "\"A\", \"alternative_to\": %lld}", (long long)t1);
	assert_int_equal(send_json(f, "POST", PATH("/api/events/%lld/talks",
	    (long long)ev1), body), 201);
	t2 = jint(f->json, "id");
	assert_int_equal(jint(f->json, "alternative_to"), t1);
	assert_int_equal(get(f, PATH("/api/talks/%lld", (long long)t2)), 200);
	assert_int_equal(jint(f->json, "alternative_to"), t1);
	snprintf(body, sizeof(body), "{\"title\": \"Ersatz\", \"speaker\": "
	    "\"A\", \"alternative_to\": %lld}", (long long)other);
	assert_int_equal(send_json(f, "POST", PATH("/api/events/%lld/talks",
	    (long long)ev1), body), 400);
	assert_field(f, "alternative_to");
	assert_int_equal(send_json(f, "POST", PATH("/api/events/%lld/talks",
	    (long long)ev1), "{\"title\": \"Ersatz\", \"speaker\": \"A\","
	    " \"alternative_to\": 999}"), 404);
	assert_field(f, "alternative_to");
}

static void
api_talks_confirm__requested_talk__becomes_confirmed(void **state)
{
	struct fx *f = *state;
	char pbuf[64];
	json_int_t id = add_event(f), talk;

	add_person(f, "{\"name\": \"A\"}");
	assert_int_equal(send_json(f, "POST", PATH("/api/events/%lld/talks",
	    (long long)id), "{\"title\": \"T\", \"speaker\": \"A\"}"), 201);
	talk = jint(f->json, "id");
	assert_int_equal(send_full(f, "POST", PATH("/api/talks/%lld/confirm",
	    (long long)talk), NULL, "Bearer " TOKEN, NULL, NULL, 0), 200);
	assert_string_equal(jstr(f->json, "status"), "confirmed");
	/* Who set it, as the event page shows it. */
	assert_string_equal(jstr(f->json, "status_by"), "api");
	assert_int_equal(get(f, PATH("/api/events/%lld", (long long)id)), 200);
	assert_string_equal(jstr(json_array_get(json_object_get(f->json,
	    "talks"), 0), "status"), "confirmed");
	assert_string_equal(jstr(json_array_get(json_object_get(f->json,
	    "talks"), 0), "status_by"), "api");
	assert_int_equal(send_json(f, "POST", PATH("/api/talks/%lld/decline",
	    (long long)talk), "{}"), 200);
	assert_string_equal(jstr(f->json, "status"), "declined");
	assert_int_equal(send_json(f, "POST", "/api/talks/999/confirm", NULL),
	    404);
}

static void
api_talks__get_and_delete__unknown_returns_404(void **state)
{
	struct fx *f = *state;
	char pbuf[64];
	json_int_t id = add_event(f), talk;

	add_person(f, "{\"name\": \"A\"}");
	assert_int_equal(send_json(f, "POST", PATH("/api/events/%lld/talks",
	    (long long)id), "{\"title\": \"T\", \"speaker\": \"A\","
	    " \"status\": \"confirmed\"}"), 201);
	talk = jint(f->json, "id");
	assert_string_equal(jstr(f->json, "status"), "confirmed");
	assert_int_equal(send_json(f, "DELETE", PATH("/api/talks/%lld",
	    (long long)talk), NULL), 204);
	assert_int_equal(get(f, PATH("/api/talks/%lld", (long long)talk)), 404);
	assert_int_equal(send_json(f, "DELETE", PATH("/api/talks/%lld",
	    (long long)talk), NULL), 404);
	assert_int_equal(get(f, "/api/talks/x1"), 404);
	assert_int_equal(send_json(f, "POST", PATH("/api/events/%lld/talks",
	    (long long)id), "{\"title\": \"T\", \"speaker\": \"A\","
	    " \"status\": \"declined\"}"), 400);
	assert_field(f, "status");
}

/* ---- people ---- */

static void
api_people__create_show_edit_list_delete(void **state)
{
	struct fx *f = *state;
	char pbuf[64];
	json_int_t id;

	assert_int_equal(send_json(f, "POST", "/api/people",
	    "{\"name\": \"Frau Müller\", \"email\": \"mueller@example.org\","
	    " \"org\": \"AWV\", \"org_name\": \"Abwasserverband\","
	    " \"lang\": \"de\"}"), 201);
	id = jint(f->json, "id");
	assert_string_equal(header(f, "Location"),
	    PATH("/api/people/%lld", (long long)id));
	assert_string_equal(jstr(f->json, "name"), "Frau Müller");
	assert_string_equal(jstr(f->json, "org"), "AWV");
	assert_non_null(jstr(f->json, "uuid"));
	assert_int_equal(get(f, PATH("/api/people/%lld", (long long)id)), 200);
	assert_string_equal(jstr(f->json, "email"), "mueller@example.org");
	assert_int_equal(get(f, "/api/people/mueller@example.org"), 200);
	assert_int_equal(jint(f->json, "id"), id);
	assert_int_equal(send_json(f, "PATCH", PATH("/api/people/%lld",
	    (long long)id), "{\"lang\": \"en\", \"email\": null}"), 200);
	assert_string_equal(jstr(f->json, "lang"), "en");
	assert_true(json_is_null(json_object_get(f->json, "email")));
	assert_string_equal(jstr(f->json, "name"), "Frau Müller");
	assert_int_equal(get(f, "/api/people"), 200);
	assert_int_equal(json_array_size(f->json), 1);
	assert_int_equal(send_json(f, "DELETE", PATH("/api/people/%lld",
	    (long long)id), NULL), 204);
	assert_int_equal(get(f, PATH("/api/people/%lld", (long long)id)), 404);
}

static void
api_people_post__bad_data__returns_400_or_409(void **state)
{
	struct fx *f = *state;

	assert_int_equal(send_json(f, "POST", "/api/people",
	    "{\"name\": \"A\", \"email\": \"not-an-address\"}"), 400);
	assert_field(f, "email");
	assert_int_equal(send_json(f, "POST", "/api/people",
	    "{\"name\": \"A\", \"lang\": \"fr\"}"), 400);
	assert_field(f, "lang");
	assert_int_equal(send_json(f, "POST", "/api/people",
	    "{\"email\": \"a@example.org\"}"), 400);
	assert_field(f, "name");
	add_person(f, "{\"name\": \"A\", \"email\": \"a@example.org\"}");
	assert_int_equal(send_json(f, "POST", "/api/people",
	    "{\"name\": \"B\", \"email\": \"a@example.org\"}"), 409);
	assert_field(f, "email");
	assert_int_equal(send_json(f, "PATCH", "/api/people/1",
	    "{\"uuid\": \"x\"}"), 400);
	assert_field(f, "uuid");
	assert_int_equal(send_json(f, "PATCH", "/api/people/999",
	    "{\"name\": \"x\"}"), 404);
}

/* Issue 8: a name shared by two people lists both; id or address works. */
static void
api_people__shared_name__lists_candidates_and_address_works(void **state)
{
	struct fx *f = *state;
	json_int_t a, b, ev = add_event(f);
	const char *e;
	char want[64], pbuf[64];

	a = add_person(f, "{\"name\": \"Jürgen Lübcke\", "
	    "\"email\": \"juergen.luebcke@example.org\"}");
	b = add_person(f, "{\"name\": \"Jürgen Lübcke\", "
	    "\"email\": \"j.luebcke@example.net\"}");
	assert_int_equal(get(f, "/api/people/Jürgen Lübcke"), 400);
	e = jstr(f->json, "error");
	assert_non_null(strstr(e, "2 people are called 'Jürgen Lübcke'"));
	snprintf(want, sizeof(want), "id %lld <juergen.luebcke@example.org>",
	    (long long)a);
	assert_non_null(strstr(e, want));
	snprintf(want, sizeof(want), "id %lld <j.luebcke@example.net>",
	    (long long)b);
	assert_non_null(strstr(e, want));
	assert_int_equal(send_json(f, "POST",
	    PATH("/api/events/%lld/attendances", (long long)ev),
	    "{\"person\": \"Jürgen Lübcke\"}"), 400);
	assert_field(f, "person");
	assert_non_null(strstr(jstr(f->json, "error"), "<j.luebcke@example.net>"));
	assert_int_equal(send_json(f, "POST",
	    PATH("/api/events/%lld/attendances", (long long)ev),
	    "{\"person\": \"j.luebcke@example.net\"}"), 201);
	assert_int_equal(get(f, "/api/people/j.luebcke@example.net"), 200);
	assert_int_equal(jint(f->json, "id"), b);
}

/* ---- attendances ---- */

static void
api_attendances_post__new_then_change__returns_201_then_200(void **state)
{
	struct fx *f = *state;
	char pbuf[64];
	json_int_t id = add_event(f), att;

	add_person(f, "{\"name\": \"Herr Schmidt\", \"email\": \"s@example.org\"}");
	assert_int_equal(send_json(f, "POST",
	    PATH("/api/events/%lld/attendances", (long long)id),
	    "{\"person\": \"s@example.org\", \"role\": \"participant\"}"), 201);
	att = jint(f->json, "id");
	assert_string_equal(jstr(f->json, "status"), "needs-action");
	assert_string_equal(header(f, "Location"),
	    PATH("/api/attendances/%lld", (long long)att));
	assert_int_equal(send_json(f, "POST",
	    PATH("/api/events/%lld/attendances", (long long)id),
	    "{\"person\": \"Herr Schmidt\", \"delegate\": \"Frau Kache\"}"),
	    200);
	assert_int_equal(jint(f->json, "id"), att);
	assert_string_equal(jstr(f->json, "status"), "delegated");
	assert_string_equal(jstr(f->json, "delegate"), "Frau Kache");
	assert_string_equal(jstr(f->json, "role"), "participant");
	assert_int_equal(send_json(f, "DELETE", PATH("/api/attendances/%lld",
	    (long long)att), NULL), 204);
	assert_int_equal(send_json(f, "DELETE", PATH("/api/attendances/%lld",
	    (long long)att), NULL), 404);
}

static void
api_attendances_post__bad_input__returns_400_or_404(void **state)
{
	struct fx *f = *state;
	char pbuf[64];
	json_int_t id = add_event(f);

	add_person(f, "{\"name\": \"P\"}");
	assert_int_equal(send_json(f, "POST",
	    PATH("/api/events/%lld/attendances", (long long)id),
	    "{\"person\": \"Unbekannt\"}"), 404);
	assert_field(f, "person");
	assert_int_equal(send_json(f, "POST",
	    PATH("/api/events/%lld/attendances", (long long)id),
	    "{\"role\": \"chair\"}"), 400);
	assert_field(f, "person");
	assert_int_equal(send_json(f, "POST",
	    PATH("/api/events/%lld/attendances", (long long)id),
	    "{\"person\": \"P\", \"role\": \"king\"}"), 400);
	assert_field(f, "role");
	assert_int_equal(send_json(f, "POST",
	    PATH("/api/events/%lld/attendances", (long long)id),
	    "{\"person\": \"P\", \"status\": \"delegated\"}"), 400);
	assert_field(f, "delegate");
	assert_int_equal(send_json(f, "POST",
	    PATH("/api/events/%lld/attendances", (long long)id),
	    "{\"person\": \"P\", \"status\": \"accepted\","
	    " \"delegate\": \"X\"}"), 400);
	assert_field(f, "delegate");
	assert_int_equal(send_json(f, "POST", "/api/events/999/attendances",
	    "{\"person\": \"P\"}"), 404);
}

/* ---- groups and topics ---- */

static void
api_groups_and_topics_get__list_what_events_use(void **state)
{
	struct fx *f = *state;
	json_t *g;

	add_event(f);
	assert_int_equal(get(f, "/api/groups"), 200);
	assert_int_equal(json_array_size(f->json), 1);
	g = json_array_get(f->json, 0);
	assert_string_equal(jstr(g, "slug"),
	    "fachgruppe-unternehmen-der-kommunalen-infrastruktur");
	assert_string_equal(jstr(g, "feed"), "/calendars/group/"
	    "fachgruppe-unternehmen-der-kommunalen-infrastruktur.ics");
	assert_int_equal(get(f, "/api/topics"), 200);
	assert_int_equal(json_array_size(f->json), 1);
	assert_string_equal(jstr(json_array_get(f->json, 0), "slug"),
	    "smarte-quartiere");
	assert_string_equal(jstr(json_array_get(f->json, 0), "name"),
	    "Smarte Quartiere");
	/* An event naming the group by its slug joins the same group. */
	assert_int_equal(send_json(f, "POST", "/api/events",
	    "{\"title\": \"T\", \"start\": \"2021-02-11 09:00\","
	    " \"end\": \"10:00\", \"group\": \"fachgruppe-unternehmen-der-"
	    "kommunalen-infrastruktur\"}"), 201);
	assert_string_equal(jstr(f->json, "group_name"),
	    "Fachgruppe Unternehmen der kommunalen Infrastruktur");
	assert_int_equal(get(f, "/api/groups"), 200);
	assert_int_equal(json_array_size(f->json), 1);
}

static void
api_reads__change_nothing__and_call_no_change_hook(void **state)
{
	struct fx *f = *state;

	add_event(f);
	f->changes = 0;
	assert_int_equal(get(f, "/api/events"), 200);
	assert_int_equal(get(f, "/api/people"), 200);
	assert_int_equal(get(f, "/api/groups"), 200);
	assert_int_equal(get(f, "/api/topics"), 200);
	assert_int_equal(send_json(f, "DELETE", "/api/events/999", NULL), 404);
	assert_int_equal(f->changes, 0);
	f->app.changed = NULL;
	add_event(f);
}

/* No body on any route may crash the handler or make it answer 5xx. */
static void
api_all_routes__junk__never_answers_5xx(void **state)
{
	struct fx *f = *state;
	static const char *const paths[] = {
		"/api/events", "/api/events/1", "/api/events/1/move",
		"/api/events/1/cancel", "/api/events/1/agenda",
		"/api/events/1/talks", "/api/events/1/attendances",
		"/api/agenda/1", "/api/talks/1", "/api/talks/1/confirm",
		"/api/talks/1/decline", "/api/people", "/api/people/1",
		"/api/attendances/1", "/api/groups", "/api/topics",
		"/api/events/0", "/api/talks/-1", "/api/people/%00",
		"/api/talks/99999999999999999999999",
		"/api/people/1/feed", "/api/talks/1/link", "/api/import",
		"/api/export",
	};
	static const char *const methods[] = {
		"GET", "HEAD", "POST", "PATCH", "DELETE", "PUT", "OPTIONS",
	};
	static const char *const bodies[] = {
		"null", "{}", "[]", "\"x\"", "12", "{\"title\": {}}",
		"{\"start\": \"\", \"end\": \"\", \"duration\": \"\"}",
		"{\"title\": \"\", \"speaker\": 0, \"person\": -1}",
		"{\"person\": \"\", \"alternative_to\": \"x\"}",
		"{\"start\": \"2021-01-01 10:00\", \"duration\": \"99999d\"}",
		"{\"all_day\": true, \"start\": \"2021-01-01 10:00\"}",
		"{\"name\": \"A\\r\\nBcc: x@y\"}",
		"{\"from\": \"9:0\", \"to\": \"\", \"title\": \"t\"}",
		"{\"role\": null, \"status\": null, \"delegate\": null}",
	};
	size_t p, m, b;
	int status;

	add_event(f);
	add_person(f, "{\"name\": \"A\"}");
	for (p = 0; p < sizeof(paths) / sizeof(paths[0]); p++)
		for (m = 0; m < sizeof(methods) / sizeof(methods[0]); m++)
			for (b = 0; b < sizeof(bodies) / sizeof(bodies[0]);
			    b++) {
				status = send_json(f, methods[m], paths[p],
				    bodies[b]);
				if (status >= 500 || status < 200)
					fail_msg("%s %s %s -> %d: %s",
					    methods[m], paths[p], bodies[b],
					    status, f->resp.body.data);
			}
}

static void
api_outbox__failed_message__is_listed_and_retried(void **state)
{
	struct fx *f = *state;
	struct pd_outbox_msg m;
	char pbuf[64];
	size_t added = 0;
	int64_t id;

	memset(&m, 0, sizeof(m));
	m.key = "test/a@example.org/1";
	m.kind = "test";
	m.mail_from = "smartcity@example.org";
	m.rcpt = "a@example.org";
	m.subject = "Test";
	m.message = "Subject: Test\r\n\r\nHallo\r\n";
	m.len = strlen(m.message);
	m.next_attempt = NOW;
	assert_int_equal(pd_store_outbox_add(f->app.st, &m, 1, &added), PD_OK);
	assert_int_equal(added, 1);
	assert_int_equal(get(f, "/api/outbox"), 200);
	assert_int_equal(json_array_size(f->json), 1);
	id = jint(json_array_get(f->json, 0), "id");
	assert_int_equal(pd_store_outbox_fail(f->app.st, id, PD_OUTBOX_FAILED, 0,
	    "550 no such user"), PD_OK);
	assert_int_equal(send_full(f, "GET", "/api/outbox", "state=failed",
	    "Bearer " TOKEN, NULL, NULL, 0), 200);
	assert_int_equal(json_array_size(f->json), 1);
	assert_string_equal(jstr(json_array_get(f->json, 0), "last_error"),
	    "550 no such user");
	assert_int_equal(send_full(f, "GET", "/api/outbox", "state=lost",
	    "Bearer " TOKEN, NULL, NULL, 0), 400);
	assert_field(f, "state");
	assert_int_equal(send_json(f, "POST", PATH("/api/outbox/%lld/retry",
	    (long long)id), NULL), 200);
	assert_string_equal(jstr(f->json, "state"), "pending");
	assert_int_equal(send_json(f, "POST", "/api/outbox/999/retry", NULL),
	    404);
}


/* ---- import, export, feed URLs, answer links ---- */

/* Reads a file of the source tree (PODIUM_SRC_DIR, set by ctest). */
static char *
slurp(const char *rel, size_t *len)
{
	const char *src = getenv("PODIUM_SRC_DIR");
	char path[512];
	FILE *fp;
	char *data;
	long n;

	snprintf(path, sizeof(path), "%s/%s", src != NULL ? src : ".", rel);
	if ((fp = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s (is PODIUM_SRC_DIR set?)", path);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n >= 0);
	rewind(fp);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, fp), (size_t)n);
	data[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return data;
}

static int
send_ics(struct fx *f, const char *ctype, const char *body, size_t len)
{
	return send_full(f, "POST", "/api/import", NULL, "Bearer " TOKEN,
	    ctype, body, len);
}

/* GET /api/export with query; the calendar is f->resp.body. */
static int
export(struct fx *f, const char *query)
{
	return send_full(f, "GET", "/api/export", query, "Bearer " TOKEN,
	    NULL, NULL, 0);
}

static int
body_has(struct fx *f, const char *s)
{
	return f->resp.body.len > 0 && strstr(f->resp.body.data, s) != NULL;
}

static void
api_import__gera_calendar__creates_events_and_export_has_them(void **state)
{
	struct fx *f = *state;
	size_t len;
	char *ics = slurp("calendars/smartcity-gera-2021.ics", &len);

	assert_int_equal(send_ics(f, "text/calendar; charset=utf-8", ics, len),
	    200);
	assert_int_equal(jint(f->json, "created"), 6);
	assert_int_equal(jint(f->json, "updated"), 0);
	assert_true(jint(f->json, "people_created") > 0);
	assert_int_equal(f->changes, 1);
	assert_int_equal(get(f, "/api/events"), 200);
	assert_int_equal(json_array_size(f->json), 6);
	/* Idempotent by UID: the second time updates what the first made. */
	assert_int_equal(send_ics(f, "text/calendar", ics, len), 200);
	assert_int_equal(jint(f->json, "created"), 0);
	assert_int_equal(jint(f->json, "updated"), 6);
	assert_int_equal(jint(f->json, "people_created"), 0);

	assert_int_equal(export(f, NULL), 200);
	assert_string_equal(f->resp.content_type,
	    "text/calendar; charset=utf-8");
	assert_true(body_has(f, "BEGIN:VCALENDAR"));
	assert_true(body_has(f, "UID:fg-kommunale-infrastruktur-2021-01-22@"
	    "smartcity-gera.example.org"));
	assert_true(body_has(f, "UID:projektwochen-smarte-quartiere-2021-02-11"
	    "@smartcity-gera.example.org"));
	/* The organizers' export has the addresses, the public one none. */
	assert_true(body_has(f, "mailto:"));
	assert_int_equal(export(f, "public=1"), 200);
	assert_true(body_has(f, "UID:fg-kommunale-infrastruktur"));
	assert_false(body_has(f, "mailto:"));
	assert_int_equal(export(f, "topic=smarte-quartiere"), 200);
	assert_true(body_has(f, "BEGIN:VEVENT"));
	free(ics);
}

static void
api_import__bad_calendars__return_400_and_import_nothing(void **state)
{
	struct fx *f = *state;
	static const char *const bad[] = {
		"bad-rrule.ics", "bad-utf8.ics", "binary-junk.ics", "empty.ics",
		"end-before-start.ics", "invalid-date.ics", "no-dtstart.ics",
		"no-end-vcalendar.ics", "truncated.ics",
	};
	char rel[64], *ics;
	size_t i, len;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(rel, sizeof(rel), "tests/data/bad/%s", bad[i]);
		ics = slurp(rel, &len);
		if (send_ics(f, "text/calendar", ics, len) != 400)
			fail_msg("%s -> %d", bad[i], f->resp.status);
		assert_field(f, "calendar");
		free(ics);
	}
	/* The parser names the line, and the client gets to see it. */
	ics = slurp("tests/data/bad/invalid-date.ics", &len);
	assert_int_equal(send_ics(f, "text/calendar", ics, len), 400);
	assert_non_null(strstr(jstr(f->json, "error"), "line"));
	assert_non_null(strstr(jstr(f->json, "error"), "DTSTART"));
	free(ics);
	assert_int_equal(f->changes, 0);
	assert_int_equal(get(f, "/api/events"), 200);
	assert_int_equal(json_array_size(f->json), 0);
	assert_int_equal(get(f, "/api/people"), 200);
	assert_int_equal(json_array_size(f->json), 0);
}

static void
api_import__not_text_calendar__returns_415(void **state)
{
	struct fx *f = *state;
	static const char ics[] = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";

	assert_int_equal(send_ics(f, "application/json", ics, strlen(ics)),
	    415);
	assert_field(f, "Content-Type");
	assert_int_equal(send_ics(f, NULL, ics, strlen(ics)), 415);
	assert_int_equal(send_ics(f, "text/calendar; charset=latin1", ics,
	    strlen(ics)), 415);
	assert_int_equal(f->changes, 0);
}

static void
api_export__unknown_filter_or_parameter__returns_404_or_400(void **state)
{
	struct fx *f = *state;

	assert_int_equal(export(f, NULL), 200);
	assert_true(body_has(f, "BEGIN:VCALENDAR"));
	assert_int_equal(export(f, "group=nobody"), 404);
	assert_field(f, "group");
	assert_non_null(strstr(jstr(f->json, "error"), "nobody"));
	assert_int_equal(export(f, "topic=nothing"), 404);
	assert_field(f, "topic");
	assert_int_equal(export(f, "person=Niemand"), 404);
	assert_field(f, "person");
	assert_int_equal(export(f, "privat=1"), 400);
	assert_field(f, "privat");
	assert_int_equal(export(f, "public=yes"), 400);
	assert_field(f, "public");
	assert_int_equal(export(f, "group=a&topic=b"), 400);
	assert_int_equal(send_json(f, "POST", "/api/export", "{}"), 405);
}

/* The token of a feed URL ".../calendars/person/TOKEN.ics", hashed. */
static void
feed_hash(const char *url, char hash[PD_TOKEN_HASH_LEN + 1])
{
	const char *tok = strstr(url, "/calendars/person/");

	assert_non_null(tok);
	tok += strlen("/calendars/person/");
	assert_string_equal(tok + PD_TOKEN_LEN, ".ics");
	assert_int_equal(pd_token_hash(tok, PD_TOKEN_LEN, hash), PD_OK);
}

static void
api_person_feed__post_twice__revokes_the_first_url(void **state)
{
	struct fx *f = *state;
	char h1[PD_TOKEN_HASH_LEN + 1], h2[PD_TOKEN_HASH_LEN + 1];
	char url1[128];
	int64_t who = 0;
	json_int_t id;

	id = add_person(f, "{\"name\": \"Anna Schmidt\", "
	    "\"email\": \"anna@example.org\"}");
	f->changes = 0;
	assert_int_equal(send_json(f, "POST",
	    "/api/people/anna@example.org/feed", NULL), 201);
	assert_int_equal(f->changes, 1);
	snprintf(url1, sizeof(url1), "%s", jstr(f->json, "url"));
	assert_int_equal(strncmp(url1, "http://127.0.0.1:8080/calendars/"
	    "person/", 39), 0);
	assert_string_equal(jstr(f->json, "webcal") + strlen("webcal://"),
	    url1 + strlen("http://"));
	feed_hash(url1, h1);
	assert_int_equal(pd_store_feed_token_find(f->app.st, h1, &who), PD_OK);
	assert_int_equal(who, id);

	assert_int_equal(send_json(f, "POST", "/api/people/Anna Schmidt/feed",
	    NULL), 201);
	assert_string_not_equal(jstr(f->json, "url"), url1);
	feed_hash(jstr(f->json, "url"), h2);
	assert_int_equal(pd_store_feed_token_find(f->app.st, h1, &who),
	    PD_ENOTFOUND);
	assert_int_equal(pd_store_feed_token_find(f->app.st, h2, &who), PD_OK);

	assert_int_equal(send_json(f, "DELETE", "/api/people/anna@example.org/"
	    "feed", NULL), 204);
	assert_int_equal(pd_store_feed_token_find(f->app.st, h2, &who),
	    PD_ENOTFOUND);
	assert_int_equal(f->changes, 3);
}

static void
api_person_feed__unknown_person_or_field__returns_404_or_400(void **state)
{
	struct fx *f = *state;

	assert_int_equal(send_json(f, "POST", "/api/people/nobody/feed", NULL),
	    404);
	assert_int_equal(send_json(f, "DELETE", "/api/people/nobody/feed",
	    NULL), 404);
	add_person(f, "{\"name\": \"A\"}");
	assert_int_equal(send_json(f, "POST", "/api/people/A/feed",
	    "{\"token\": \"mine\"}"), 400);
	assert_field(f, "token");
	assert_int_equal(get(f, "/api/people/A/feed"), 405);
	assert_string_equal(header(f, "Allow"), "POST, DELETE");
}

static void
api_talk_link__same_as_the_cli__and_404_for_unknown(void **state)
{
	struct fx *f = *state;
	struct pd_event *ev = NULL;
	char pbuf[64], idbuf[24], *tok = NULL, *link = NULL;
	json_int_t event, talk, speaker;
	int64_t expiry;
	size_t i;

	for (i = 0; i < sizeof(f->app.key); i++)
		f->app.key[i] = (unsigned char)(i * 7 + 1);
	event = add_event(f);
	speaker = add_person(f, "{\"name\": \"B\", "
	    "\"email\": \"b@example.org\"}");
	assert_int_equal(send_json(f, "POST", PATH("/api/events/%lld/talks",
	    (long long)event), "{\"title\": \"T\", \"speaker\": "
	    "\"b@example.org\"}"), 201);
	talk = jint(f->json, "id");
	f->changes = 0;
	assert_int_equal(get(f, PATH("/api/talks/%lld/link", (long long)talk)),
	    200);
	assert_int_equal(f->changes, 0);

	/* What "podium talk link" computes from the same key and talk. */
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)event);
	assert_int_equal(pd_store_event_get(f->app.st, idbuf, &ev), PD_OK);
	assert_int_equal(pd_answer_expiry(ev, NOW, &expiry), PD_OK);
	assert_int_equal(pd_answer_token_make(f->app.key, talk, speaker,
	    expiry, &tok), PD_OK);
	assert_int_equal(pd_answer_link("http://127.0.0.1:8080", tok, &link),
	    PD_OK);
	assert_string_equal(jstr(f->json, "url"), link);
	assert_int_equal(jint(f->json, "expires"), expiry);
	free(tok);
	free(link);
	pd_event_free(ev);

	assert_int_equal(get(f, "/api/talks/999/link"), 404);
	assert_int_equal(get(f, "/api/talks/x/link"), 404);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(api_auth__no_token__returns_401_with_www_authenticate),
		T(api_auth__wrong_token__returns_401),
		T(api_auth__no_token_configured__returns_401_always),
		T(api_auth__unknown_path_without_token__returns_401_not_404),
		T(api_route__unknown_path__returns_404),
		T(api_events__wrong_method__returns_405_with_allow),
		T(api_events_head__answers_like_get),
		T(api_events_post__malformed_json__returns_400),
		T(api_events_post__non_utf8__returns_400),
		T(api_events_post__body_not_nul_terminated__is_read_by_length),
		T(api_events_post__wrong_content_type__returns_415),
		T(api_events_post__unknown_field__returns_400_naming_it),
		T(api_events_post__wrong_type__returns_400_naming_field),
		T(api_events_post__valid__returns_201_with_location),
		T(api_events_post__duration__sets_the_end),
		T(api_events_post__bad_start__returns_400_naming_start),
		T(api_events_post__store_refusals__return_400_naming_the_field),
		T(api_events_post__same_uid_twice__returns_409),
		T(api_events_get__range__lists_only_overlapping_events),
		T(api_events_get__bad_range__returns_400_naming_it),
		T(api_event_get__by_id_and_uid__returns_event_with_parts),
		T(api_event_get__unknown__returns_404),
		T(api_events_patch__fields__change_and_place_bumps_sequence),
		T(api_events_patch__bad_data__returns_400_and_changes_nothing),
		T(api_events_delete__existing__returns_204_then_404),
		T(api_events_move__new_start__bumps_sequence_and_keeps_length),
		T(api_events_move__bad_or_missing_start__returns_400),
		T(api_events_cancel__twice__cancels_and_bumps_sequence_once),
		T(api_agenda_post__item__returns_201_and_delete_removes_it),
		T(api_agenda_post__bad_time__returns_400),
		T(api_talks_post__speaker_by_email__returns_201_requested),
		T(api_talks_post__unknown_speaker__returns_404_naming_speaker),
		T(api_talks_post__alternative_to__must_be_a_talk_of_the_event),
		T(api_talks_confirm__requested_talk__becomes_confirmed),
		T(api_talks__get_and_delete__unknown_returns_404),
		T(api_people__create_show_edit_list_delete),
		T(api_people_post__bad_data__returns_400_or_409),
		T(api_people__shared_name__lists_candidates_and_address_works),
		T(api_attendances_post__new_then_change__returns_201_then_200),
		T(api_attendances_post__bad_input__returns_400_or_404),
		T(api_groups_and_topics_get__list_what_events_use),
		T(api_reads__change_nothing__and_call_no_change_hook),
		T(api_all_routes__junk__never_answers_5xx),
		T(api_outbox__failed_message__is_listed_and_retried),
		T(api_import__gera_calendar__creates_events_and_export_has_them),
		T(api_import__bad_calendars__return_400_and_import_nothing),
		T(api_import__not_text_calendar__returns_415),
		T(api_export__unknown_filter_or_parameter__returns_404_or_400),
		T(api_person_feed__post_twice__revokes_the_first_url),
		T(api_person_feed__unknown_person_or_field__returns_404_or_400),
		T(api_talk_link__same_as_the_cli__and_404_for_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
