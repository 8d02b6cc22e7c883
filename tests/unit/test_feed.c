/*
 * The feed cache against a real store file: rendered once per revision,
 * stamps that never go backwards, person feeds by token only.
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

#include "podium/feed.h"
#include "podium/ical.h"
#include "podium/store.h"
#include "podium/token.h"

#define NOW 1612425600	/* 2021-02-04T08:00:00Z */

struct fx {
	char path[64];
	struct pd_store *st;
	pthread_mutex_t lock;
	struct pd_feeds *fc;
	int64_t event_id;
	int64_t person_id;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct pd_feeds_opts o = { "Test", "PT1H", 3600, NULL, NULL };
	struct pd_event ev;
	struct pd_person p;
	int fd;

	pd_ical_init();
	snprintf(f->path, sizeof(f->path), "/tmp/podium-feed-XXXXXX");
	fd = mkstemp(f->path);
	close(fd);
	assert_int_equal(pd_store_open(f->path, NOW, &f->st, NULL), PD_OK);
	pthread_mutex_init(&f->lock, NULL);
	memset(&p, 0, sizeof(p));
	p.name = strdup("Dietmar Lübcke");
	p.email = strdup("dietmar.luebcke@example.org");
	assert_int_equal(pd_store_person_add(f->st, &p), PD_OK);
	f->person_id = p.id;
	pd_person_clear(&p);
	memset(&ev, 0, sizeof(ev));
	ev.title = strdup("Smarte Quartiere");
	ev.start = strdup("2021-02-11 09:00");
	ev.end = strdup("2021-02-11 12:00");
	ev.description = strdup("Eine lange Beschreibung, damit gzip sich "
	    "lohnt: Smarte Quartiere, Smarte Mobilität, Smarte "
	    "Kreislaufwirtschaft, Nahverkehrsplanung, Bürgerbeteiligung.");
	assert_int_equal(pd_store_event_add(f->st, &ev), PD_OK);
	f->event_id = ev.id;
	pd_event_clear(&ev);
	assert_int_equal(pd_store_attend(f->st, f->event_id, f->person_id,
	    PD_ROLE_PARTICIPANT, PD_PART_ACCEPTED, NULL, NULL), PD_OK);
	assert_int_equal(pd_feeds_new(f->st, &f->lock, &o, &f->fc), PD_OK);
	assert_int_equal(pd_feeds_refresh(f->fc, NOW, NULL), PD_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char side[80];

	pd_feeds_free(f->fc);
	pd_store_close(f->st);
	pthread_mutex_destroy(&f->lock);
	unlink(f->path);
	snprintf(side, sizeof(side), "%s-wal", f->path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", f->path);
	unlink(side);
	free(f);
	return 0;
}

static void
feeds_get__same_revision__is_the_same_rendition(void **state)
{
	struct fx *f = *state;
	struct pd_feed *a = NULL, *b = NULL;

	assert_int_equal(pd_feeds_get(f->fc, "all", NOW, &a), PD_OK);
	assert_int_equal(pd_feeds_get(f->fc, "all", NOW + 5, &b), PD_OK);
	assert_ptr_equal(a, b);
	assert_non_null(strstr(a->body, "SUMMARY:Smarte Quartiere"));
	assert_null(strstr(a->body, "@example.org"));
	assert_non_null(a->gz);
	assert_true(a->gzlen < a->len);
	assert_int_equal(a->etag[0], '"');
	pd_feed_release(a);
	pd_feed_release(b);
}

static void
feeds_get__change_in_the_same_second__gets_a_newer_stamp(void **state)
{
	struct fx *f = *state;
	struct pd_feed *a = NULL, *b = NULL, *c = NULL;
	struct pd_person nobody;

	assert_int_equal(pd_feeds_get(f->fc, "all", NOW, &a), PD_OK);
	assert_int_equal(pd_store_event_move(f->st, f->event_id,
	    "2021-02-11 10:00", NULL), PD_OK);
	assert_int_equal(pd_feeds_refresh(f->fc, NOW, NULL), PD_OK);
	/* The clock has not moved (PODIUM_NOW pinned): still newer. */
	assert_int_equal(pd_feeds_get(f->fc, "all", NOW, &b), PD_OK);
	assert_string_not_equal(a->etag, b->etag);
	assert_true(b->mtime > a->mtime);
	/* A write that leaves the bytes alone keeps the stamp. */
	memset(&nobody, 0, sizeof(nobody));
	nobody.name = "Niemand";
	assert_int_equal(pd_store_person_add(f->st, &nobody), PD_OK);
	free(nobody.uuid);
	assert_int_equal(pd_feeds_refresh(f->fc, NOW + 60, NULL), PD_OK);
	assert_int_equal(pd_feeds_get(f->fc, "all", NOW + 60, &c), PD_OK);
	assert_string_equal(b->etag, c->etag);
	assert_int_equal(c->mtime, b->mtime);
	pd_feed_release(a);
	pd_feed_release(b);
	pd_feed_release(c);
}

static void
feeds_get__person_token__only_by_its_hash(void **state)
{
	struct fx *f = *state;
	char tok[PD_TOKEN_LEN + 1], hash[PD_TOKEN_HASH_LEN + 1], name[96];
	struct pd_feed *p = NULL;

	assert_int_equal(pd_token_new(tok), PD_OK);
	pd_token_hash(tok, strlen(tok), hash);
	assert_int_equal(pd_store_feed_token_set(f->st, f->person_id, hash),
	    PD_OK);
	assert_int_equal(pd_feeds_refresh(f->fc, NOW, NULL), PD_OK);
	snprintf(name, sizeof(name), "person/%s", tok);
	assert_int_equal(pd_feeds_get(f->fc, name, NOW, &p), PD_OK);
	/* The person's own feed shows the person's own address. */
	assert_non_null(strstr(p->body, "mailto:dietmar.luebcke@example.org"));
	pd_feed_release(p);
	snprintf(name, sizeof(name), "person/%s", hash);
	assert_int_equal(pd_feeds_get(f->fc, name, NOW, &p), PD_ENOTFOUND);
	assert_int_equal(pd_feeds_get(f->fc, "group/none", NOW, &p),
	    PD_ENOTFOUND);
	assert_int_equal(pd_feeds_get(f->fc, "../etc/passwd", NOW, &p),
	    PD_ENOTFOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    feeds_get__same_revision__is_the_same_rendition,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    feeds_get__change_in_the_same_second__gets_a_newer_stamp,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    feeds_get__person_token__only_by_its_hash, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
