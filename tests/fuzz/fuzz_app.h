/*
 * What the fuzz targets that go through the daemon's handlers share: a
 * struct pd_app around a fresh in-memory store holding a small, fixed
 * programme (three people, two events, talks, an attendance, a group, a
 * topic and a personal feed token), with a fixed clock and a fixed answer
 * key, so that every run of an input does exactly the same thing.
 *
 * The store is put back to the same state before every input, which
 * keeps inputs independent (a POST of one input cannot change what the
 * next one sees) and lets a crash be replayed from its file alone.  What
 * an input allocates is freed again by fuzz_app_close(); the one store
 * handle lives for the process (reachable, closed at exit).
 *
 * Header-only (static inline) so that each target stays one .c file.
 */
#ifndef PODIUM_FUZZ_APP_H
#define PODIUM_FUZZ_APP_H

#include <stdint.h>
#include <stdlib.h>

#include <sqlite3.h>
#include <string.h>
#include <strings.h>

#include "podium/answer.h"
#include "podium/feed.h"
#include "podium/http.h"
#include "podium/ical.h"
#include "podium/store.h"
#include "podium/token.h"
#include "store_int.h"

#define FUZZ_NOW 1612425600		/* 2021-02-04T08:00:00Z */
#define FUZZ_API_TOKEN "fuzz-api-token"
/* A personal feed token of person 1 (43 base64url characters). */
#define FUZZ_FEED_TOKEN "FUZZfeedTOKENfuzzFEEDtokenFUZZfeedTOKENfuzz"

static const unsigned char FUZZ_KEY[PD_ANSWER_KEY_LEN] =
    "podium-fuzz-key-0123456789abcdef";

static inline int64_t
fuzz_now(void)
{
	return FUZZ_NOW;
}

/* Ids of the fixed programme, the same in every fresh store. */
struct fuzz_ids {
	int64_t de, en, via;
	int64_t ev1, ev2;
	int64_t talk_de, talk_en;
};

static inline int64_t
fuzz_person(struct pd_store *st, const char *name, const char *email,
    const char *lang)
{
	struct pd_person p;
	int64_t id = 0;

	memset(&p, 0, sizeof(p));
	p.name = strdup(name);
	p.email = email != NULL ? strdup(email) : NULL;
	p.lang = strdup(lang);
	if (pd_store_person_add(st, &p) == PD_OK)
		id = p.id;
	pd_person_clear(&p);
	return id;
}

static inline int64_t
fuzz_event(struct pd_store *st, const char *title, const char *start,
    const char *end, const char *rrule, const char *topic)
{
	struct pd_event ev;
	char *topics[1];
	int64_t id = 0;

	memset(&ev, 0, sizeof(ev));
	ev.title = strdup(title);
	ev.location = strdup("Rathaus Gera, Raum 1 & 2");
	ev.tzid = strdup("Europe/Berlin");
	ev.start = strdup(start);
	ev.end = strdup(end);
	ev.rrule = rrule != NULL ? strdup(rrule) : NULL;
	ev.status = PD_EVENT_CONFIRMED;
	if (topic != NULL) {
		topics[0] = strdup(topic);
		ev.topics = malloc(sizeof(char *));
		if (ev.topics != NULL) {
			ev.topics[0] = topics[0];
			ev.ntopics = 1;
		} else
			free(topics[0]);
	}
	if (pd_store_event_add(st, &ev) == PD_OK)
		id = ev.id;
	pd_event_clear(&ev);
	return id;
}

static inline int64_t
fuzz_talk(struct pd_store *st, int64_t event_id, const char *title,
    int64_t speaker, int64_t via)
{
	struct pd_talk t;
	int64_t id = 0;

	memset(&t, 0, sizeof(t));
	t.title = strdup(title);
	t.speaker.id = speaker;
	t.via.id = via;
	t.status = PD_TALK_REQUESTED;
	if (pd_store_talk_add(st, event_id, &t) == PD_OK)
		id = t.id;
	pd_talk_clear(&t);
	return id;
}

/*
 * The store behind every app: opened and filled once per process, then
 * put back to that state before each input from a serialized image
 * (sqlite3_deserialize).  Opening and migrating a store costs tens of
 * milliseconds under ASan, which would make the fuzzer a hundred times
 * slower; loading a 200 KB image costs a fraction of one and gives the
 * same bytes every time.  The handle's statement cache survives (SQLite
 * re-prepares statements after the schema changes under them).
 */
static struct pd_store *fuzz_st;
static unsigned char *fuzz_image;
static sqlite3_int64 fuzz_image_len;
static struct fuzz_ids fuzz_fixed;

static inline void
fuzz_store_atexit(void)
{
	pd_store_close(fuzz_st);
	sqlite3_free(fuzz_image);
	fuzz_st = NULL;
	fuzz_image = NULL;
}

/* Puts the store's database back to the image. */
static inline int
fuzz_store_reset(void)
{
	unsigned char *copy;

	if ((copy = sqlite3_malloc64((sqlite3_uint64)fuzz_image_len)) ==
	    NULL)
		return -1;
	memcpy(copy, fuzz_image, (size_t)fuzz_image_len);
	/* FREEONCLOSE: SQLite owns copy from here on, even on failure. */
	return sqlite3_deserialize(fuzz_st->db, "main", copy,
	    fuzz_image_len, fuzz_image_len, SQLITE_DESERIALIZE_FREEONCLOSE |
	    SQLITE_DESERIALIZE_RESIZEABLE) == SQLITE_OK ? 0 : -1;
}

static inline int
fuzz_store_first(void)
{
	struct pd_error err = { 0, NULL, NULL };
	char hash[PD_TOKEN_HASH_LEN + 1];
	struct pd_store *st = NULL;
	struct fuzz_ids *ids = &fuzz_fixed;

	pd_ical_init();
	if (pd_store_open(":memory:", FUZZ_NOW, &st, &err) != PD_OK) {
		pd_error_clear(&err);
		return -1;
	}
	ids->de = fuzz_person(st, "Frau Lübcke", "luebcke@example.org", "de");
	ids->en = fuzz_person(st, "Ms Smith", "smith@example.org", "en");
	ids->via = fuzz_person(st, "Herr Kache", NULL, "de");
	ids->ev1 = fuzz_event(st, "Projektwoche: Smarte Quartiere",
	    "2021-02-11 09:00", "2021-02-11 12:00", NULL, "Smarte Quartiere");
	ids->ev2 = fuzz_event(st, "Jour fixe", "2021-02-08 10:00",
	    "2021-02-08 11:00", "FREQ=WEEKLY;COUNT=6", "Energie");
	ids->talk_de = fuzz_talk(st, ids->ev1, "Wärmenetze im Quartier",
	    ids->de, ids->via);
	ids->talk_en = fuzz_talk(st, ids->ev1, "Open data", ids->en, 0);
	pd_store_attend(st, ids->ev1, ids->en, PD_ROLE_PARTICIPANT,
	    PD_PART_NEEDS_ACTION, NULL, NULL);
	pd_store_group_member_set(st, "AG Energie", ids->de,
	    PD_GROUP_MEMBER);
	if (pd_token_hash(FUZZ_FEED_TOKEN, strlen(FUZZ_FEED_TOKEN),
	    hash) == PD_OK)
		pd_store_feed_token_set(st, ids->de, hash);
	if (ids->talk_en == 0 || (fuzz_image = sqlite3_serialize(st->db,
	    "main", &fuzz_image_len, 0)) == NULL) {
		pd_store_close(st);
		return -1;
	}
	fuzz_st = st;
	atexit(fuzz_store_atexit);
	return 0;
}

/*
 * Sets app up over the store in its fixed state.  Returns 0, or -1 when
 * the store cannot be made (then nothing is held).
 */
static inline int
fuzz_app_open(struct pd_app *app, struct fuzz_ids *ids)
{
	static const struct pd_feeds_opts fo = { "SMARTCity Gera", "PT1H",
	    3600, NULL, NULL };

	memset(app, 0, sizeof(*app));
	if (fuzz_st == NULL && fuzz_store_first() != 0)
		return -1;
	if (fuzz_store_reset() != 0)
		return -1;
	pd_store_set_now(fuzz_st, FUZZ_NOW);
	pd_error_clear(&fuzz_st->err);
	*ids = fuzz_fixed;
	app->st = fuzz_st;
	pthread_mutex_init(&app->lock, NULL);
	app->api_token = strdup(FUZZ_API_TOKEN);
	app->api_token_len = strlen(FUZZ_API_TOKEN);
	memcpy(app->key, FUZZ_KEY, sizeof(app->key));
	app->now = fuzz_now;
	app->changed = NULL;
	if (app->api_token == NULL ||
	    pd_feeds_new(fuzz_st, &app->lock, &fo, &app->feeds) != PD_OK)
		abort();
	return 0;
}

/* Frees what fuzz_app_open made; the store stays for the next input. */
static inline void
fuzz_app_close(struct pd_app *app)
{
	pd_feeds_free(app->feeds);
	pthread_mutex_destroy(&app->lock);
	free(app->api_token);
	memset(app, 0, sizeof(*app));
}

/*
 * Splits the next line off *p (up to '\n', not included) into a fresh
 * NUL-terminated string; at the end of the data it returns "" copies.
 * Embedded NULs cut the string short, as they would in a C header value.
 */
static inline char *
fuzz_line(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl;
	size_t n;
	char *s;

	nl = memchr(*p, '\n', (size_t)(end - *p));
	n = nl != NULL ? (size_t)(nl - *p) : (size_t)(end - *p);
	if ((s = malloc(n + 1)) == NULL)
		abort();
	memcpy(s, *p, n);
	s[n] = '\0';
	*p = nl != NULL ? nl + 1 : end;
	return s;
}

/*
 * One request in the text form the api and route targets read, which is
 * HTTP/1.1 spelled loosely so that seeds can be written by hand:
 *
 *	METHOD SP PATH[?QUERY] LF
 *	Name: value LF		(Authorization, Content-Type, If-None-Match,
 *	...			 If-Modified-Since, Accept-Encoding)
 *	LF
 *	body
 *
 * A request ends at a line "%%" (then the next one begins) or at the end
 * of the input.  The strings are owned by the struct; fuzz_req_clear()
 * frees them.
 */
#define FUZZ_MAX_FIELDS 8

struct fuzz_req {
	struct pd_http_req req;
	char *own[FUZZ_MAX_FIELDS];	/* every string below, for freeing */
	size_t nown;
	char *body;
};

static inline void
fuzz_req_clear(struct fuzz_req *r)
{
	size_t i;

	for (i = 0; i < r->nown; i++)
		free(r->own[i]);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

static inline const char *
fuzz_keep(struct fuzz_req *r, char *s)
{
	if (r->nown == FUZZ_MAX_FIELDS) {
		free(s);
		return NULL;
	}
	r->own[r->nown++] = s;
	return s;
}

/*
 * Reads one request from *p; returns 0, or -1 at the end of the input.
 * default_auth (may be NULL) is used when no Authorization line is given.
 */
static inline int
fuzz_req_read(const uint8_t **p, const uint8_t *end, struct fuzz_req *r,
    const char *default_auth)
{
	static const char sep[] = "\n%%\n";
	const uint8_t *stop;
	char *line, *sp, *q, *v;
	size_t n;

	memset(r, 0, sizeof(*r));
	if (*p >= end)
		return -1;
	stop = memmem(*p, (size_t)(end - *p), sep, sizeof(sep) - 1);
	if (stop == NULL)
		stop = end;
	line = fuzz_line(p, stop);
	if ((sp = strchr(line, ' ')) != NULL)
		*sp++ = '\0';
	r->req.method = fuzz_keep(r, line);
	r->req.path = "/";
	if (sp != NULL) {
		if ((q = strchr(sp, '?')) != NULL) {
			*q++ = '\0';
			r->req.query = q;
		}
		r->req.path = sp;
	}
	r->req.authorization = default_auth;
	while (*p < stop) {
		line = fuzz_line(p, stop);
		if (*line == '\0') {
			free(line);
			break;
		}
		if ((v = strchr(line, ':')) == NULL) {
			free(line);
			continue;
		}
		*v++ = '\0';
		while (*v == ' ')
			v++;
		if (fuzz_keep(r, line) == NULL)
			continue;
		if (strcasecmp(line, "authorization") == 0)
			r->req.authorization = v;
		else if (strcasecmp(line, "content-type") == 0)
			r->req.content_type = v;
		else if (strcasecmp(line, "if-none-match") == 0)
			r->req.if_none_match = v;
		else if (strcasecmp(line, "if-modified-since") == 0)
			r->req.if_modified_since = v;
		else if (strcasecmp(line, "accept-encoding") == 0)
			r->req.accept_encoding = v;
	}
	/* The body is a copy of its own, so ASan sees reads past its end. */
	n = (size_t)(stop - *p);
	if ((r->body = malloc(n + 1)) == NULL)
		abort();
	memcpy(r->body, *p, n);
	r->body[n] = '\0';
	r->req.body = r->body;
	r->req.body_len = n;
	*p = stop < end ? stop + sizeof(sep) - 1 : end;
	return 0;
}

#endif
