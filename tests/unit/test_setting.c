/*
 * What the CLI and the daemon share through the database
 * (store_setting.c): the answer-link key, made once and never by a mere
 * reader, a key file's key taken over, and the recorded base URL.  Two
 * handles on one file stand for the CLI and podiumd.
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

#include "podium/answer.h"
#include "podium/store.h"

#define NOW 1614585600		/* 2021-03-01 08:00 UTC */

struct fx {
	char dir[64];
	char path[128];
	struct pd_store *st;	/* "podiumd" */
	struct pd_store *cli;	/* "the CLI", another handle */
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct pd_error err = { 0, NULL, NULL };

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/podium-setting-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/podium.db", f->dir);
	assert_int_equal(pd_store_open(f->path, NOW, &f->st, &err), PD_OK);
	assert_int_equal(pd_store_open(f->path, NOW, &f->cli, &err), PD_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char p[160];

	pd_store_close(f->st);
	pd_store_close(f->cli);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
answer_key__none_yet__reader_gets_enotfound_and_makes_none(void **state)
{
	struct fx *f = *state;
	unsigned char k[PD_ANSWER_KEY_LEN];

	assert_int_equal(pd_store_answer_key(f->cli, k), PD_ENOTFOUND);
	assert_non_null(strstr(pd_store_error(f->cli)->msg, "podiumd makes it"));
	assert_int_equal(pd_store_answer_key(f->cli, k), PD_ENOTFOUND);
}

static void
answer_key__setup_makes_one__every_handle_reads_the_same(void **state)
{
	struct fx *f = *state;
	unsigned char k1[PD_ANSWER_KEY_LEN], k2[PD_ANSWER_KEY_LEN];
	unsigned char k3[PD_ANSWER_KEY_LEN], zero[PD_ANSWER_KEY_LEN] = { 0 };
	enum pd_key_source src;

	assert_int_equal(pd_store_answer_key_setup(f->st, NULL, k1, &src),
	    PD_OK);
	assert_int_equal(src, PD_KEY_CREATED);
	assert_memory_not_equal(k1, zero, sizeof(k1));
	assert_int_equal(pd_store_answer_key(f->cli, k2), PD_OK);
	assert_memory_equal(k1, k2, sizeof(k1));
	/* Made once: a second start (or `podium init`) keeps it. */
	assert_int_equal(pd_store_answer_key_setup(f->cli, NULL, k3, &src),
	    PD_OK);
	assert_int_equal(src, PD_KEY_STORED);
	assert_memory_equal(k1, k3, sizeof(k1));
}

static void
answer_key__key_file_key__is_adopted_then_kept(void **state)
{
	struct fx *f = *state;
	unsigned char file[PD_ANSWER_KEY_LEN], k[PD_ANSWER_KEY_LEN];
	unsigned char other[PD_ANSWER_KEY_LEN];
	enum pd_key_source src;

	memset(file, 0x42, sizeof(file));
	memset(other, 0x17, sizeof(other));
	assert_int_equal(pd_store_answer_key_setup(f->st, file, k, &src),
	    PD_OK);
	assert_int_equal(src, PD_KEY_ADOPTED);
	assert_memory_equal(k, file, sizeof(k));
	assert_int_equal(pd_store_answer_key(f->cli, k), PD_OK);
	assert_memory_equal(k, file, sizeof(k));
	assert_int_equal(pd_store_answer_key_setup(f->st, file, k, &src),
	    PD_OK);
	assert_int_equal(src, PD_KEY_STORED);
	/* An operator's other key file wins, and says so. */
	assert_int_equal(pd_store_answer_key_setup(f->st, other, k, &src),
	    PD_OK);
	assert_int_equal(src, PD_KEY_REPLACED);
	assert_int_equal(pd_store_answer_key(f->cli, k), PD_OK);
	assert_memory_equal(k, other, sizeof(k));
}

static void
answer_key__writes__do_not_bump_the_revision(void **state)
{
	struct fx *f = *state;
	unsigned char k[PD_ANSWER_KEY_LEN];
	int64_t r1, r2;

	assert_int_equal(pd_store_revision(f->st, &r1), PD_OK);
	assert_int_equal(pd_store_answer_key_setup(f->st, NULL, k, NULL),
	    PD_OK);
	assert_int_equal(pd_store_base_url_set(f->st,
	    "https://termine.example.org"), PD_OK);
	assert_int_equal(pd_store_revision(f->st, &r2), PD_OK);
	assert_int_equal(r1, r2);
}

static void
base_url__recorded__read_back_without_trailing_slash(void **state)
{
	struct fx *f = *state;
	char *url = NULL;

	assert_int_equal(pd_store_base_url(f->cli, &url), PD_ENOTFOUND);
	assert_int_equal(pd_store_base_url_set(f->st,
	    "https://termine.example.org/podium/"), PD_OK);
	assert_int_equal(pd_store_base_url(f->cli, &url), PD_OK);
	assert_string_equal(url, "https://termine.example.org/podium");
	free(url);
	assert_int_equal(pd_store_base_url_set(f->st, "http://127.0.0.1:8081"),
	    PD_OK);
	assert_int_equal(pd_store_base_url(f->cli, &url), PD_OK);
	assert_string_equal(url, "http://127.0.0.1:8081");
	free(url);
	assert_int_equal(pd_store_base_url_set(f->st, "/"), PD_EINVAL);
}

/* A restore keeps the key podiumd signs with, not the backup's. */
static void
restore__keeps_the_live_key_and_base_url(void **state)
{
	struct fx *f = *state;
	struct pd_error err = { 0, NULL, NULL };
	unsigned char a[PD_ANSWER_KEY_LEN], b[PD_ANSWER_KEY_LEN];
	unsigned char k[PD_ANSWER_KEY_LEN];
	char bak[160], *url = NULL;

	memset(a, 0x0a, sizeof(a));
	memset(b, 0x0b, sizeof(b));
	assert_int_equal(pd_store_answer_key_setup(f->st, a, k, NULL), PD_OK);
	assert_int_equal(pd_store_base_url_set(f->st, "http://old.example"),
	    PD_OK);
	snprintf(bak, sizeof(bak), "%s/backup.db", f->dir);
	assert_int_equal(pd_store_backup(f->st, bak), PD_OK);
	assert_int_equal(pd_store_answer_key_setup(f->st, b, k, NULL), PD_OK);
	assert_int_equal(pd_store_base_url_set(f->st, "http://new.example"),
	    PD_OK);
	assert_int_equal(pd_store_restore(bak, f->path, NOW, &err), PD_OK);
	assert_int_equal(pd_store_answer_key(f->cli, k), PD_OK);
	assert_memory_equal(k, b, sizeof(k));
	assert_int_equal(pd_store_base_url(f->cli, &url), PD_OK);
	assert_string_equal(url, "http://new.example");
	free(url);
	unlink(bak);
	pd_error_clear(&err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(answer_key__none_yet__reader_gets_enotfound_and_makes_none),
		T(answer_key__setup_makes_one__every_handle_reads_the_same),
		T(answer_key__key_file_key__is_adopted_then_kept),
		T(answer_key__writes__do_not_bump_the_revision),
		T(base_url__recorded__read_back_without_trailing_slash),
		T(restore__keeps_the_live_key_and_base_url),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
