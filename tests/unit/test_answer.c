/*
 * Unit tests of lib/answer.c: answer tokens (round trip, tampering,
 * expiry, foreign keys), the expiry of a talk's link, the link itself and
 * the key file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "podium/answer.h"
#include "podium/buf.h"
#include "podium/tz.h"

static const unsigned char KEY[32] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32
};
#define NOW 1612425600		/* 2021-02-04T08:00:00Z */

static enum pd_answer_state
check(const unsigned char key[32], const char *tok, int64_t now,
    int64_t *tid, int64_t *pid)
{
	enum pd_answer_state st = PD_ANSWER_VALID;
	int rc = pd_answer_token_check(key, tok, now, tid, pid, &st);

	assert_int_equal(rc == PD_OK, st == PD_ANSWER_VALID);
	return st;
}

static void
token__round_trip__gives_back_the_ids(void **state)
{
	int64_t tid = 0, pid = 0;
	char *tok = NULL;
	size_t i;

	(void)state;
	assert_int_equal(pd_answer_token_make(KEY, 42, 7, NOW + 3600, &tok),
	    PD_OK);
	assert_int_equal(strlen(tok), PD_ANSWER_TOKEN_LEN);
	for (i = 0; tok[i] != '\0'; i++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-_", tok[i]));
	assert_int_equal(check(KEY, tok, NOW, &tid, &pid), PD_ANSWER_VALID);
	assert_int_equal(tid, 42);
	assert_int_equal(pid, 7);
	/* The expiry second itself still counts. */
	assert_int_equal(check(KEY, tok, NOW + 3600, &tid, &pid),
	    PD_ANSWER_VALID);
	free(tok);

	assert_int_equal(pd_answer_token_make(KEY, INT64_MAX, INT64_MAX - 1,
	    INT64_MAX, &tok), PD_OK);
	assert_int_equal(check(KEY, tok, NOW, &tid, &pid), PD_ANSWER_VALID);
	assert_true(tid == INT64_MAX && pid == INT64_MAX - 1);
	free(tok);
}

static void
token__bad_ids__are_refused(void **state)
{
	char *tok = NULL;

	(void)state;
	assert_int_equal(pd_answer_token_make(KEY, 0, 7, NOW, &tok), PD_EINVAL);
	assert_int_equal(pd_answer_token_make(KEY, 1, -7, NOW, &tok),
	    PD_EINVAL);
	assert_null(tok);
}

/* Every character of payload and MAC, changed to any other, is caught. */
static void
token__any_flipped_character__is_invalid(void **state)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	int64_t tid = -1, pid = -1;
	char *tok = NULL, saved;
	size_t i, j;

	(void)state;
	assert_int_equal(pd_answer_token_make(KEY, 42, 7, NOW + 3600, &tok),
	    PD_OK);
	for (i = 0; i < PD_ANSWER_TOKEN_LEN; i++) {
		saved = tok[i];
		for (j = 0; alpha[j] != '\0'; j++) {
			if (alpha[j] == saved)
				continue;
			tok[i] = alpha[j];
			assert_int_equal(check(KEY, tok, NOW, &tid, &pid),
			    PD_ANSWER_INVALID);
		}
		tok[i] = saved;
	}
	assert_int_equal(tid, -1);	/* untouched on failure */
	assert_int_equal(check(KEY, tok, NOW, &tid, &pid), PD_ANSWER_VALID);
	free(tok);
}

static void
token__malformed__is_invalid(void **state)
{
	int64_t tid, pid;
	char *tok = NULL;
	struct pd_buf b = PD_BUF_INIT;

	(void)state;
	assert_int_equal(pd_answer_token_make(KEY, 42, 7, NOW + 3600, &tok),
	    PD_OK);
	assert_int_equal(check(KEY, "", NOW, &tid, &pid), PD_ANSWER_INVALID);
	assert_int_equal(check(KEY, NULL, NOW, &tid, &pid), PD_ANSWER_INVALID);
	assert_int_equal(check(KEY, "abc", NOW, &tid, &pid),
	    PD_ANSWER_INVALID);
	pd_buf_addf(&b, "%s/", tok);
	assert_int_equal(check(KEY, b.data, NOW, &tid, &pid),
	    PD_ANSWER_INVALID);
	pd_buf_reset(&b);
	pd_buf_addf(&b, "%.59s", tok);
	assert_int_equal(check(KEY, b.data, NOW, &tid, &pid),
	    PD_ANSWER_INVALID);
	pd_buf_reset(&b);
	pd_buf_addf(&b, "%.59s=", tok);
	assert_int_equal(check(KEY, b.data, NOW, &tid, &pid),
	    PD_ANSWER_INVALID);
	pd_buf_free(&b);
	free(tok);
}

static void
token__past_expiry__is_expired(void **state)
{
	enum pd_answer_state st;
	int64_t tid = -1, pid = -1;
	char *tok = NULL;

	(void)state;
	assert_int_equal(pd_answer_token_make(KEY, 42, 7, NOW, &tok), PD_OK);
	assert_int_equal(pd_answer_token_check(KEY, tok, NOW + 1, &tid, &pid,
	    &st), PD_EINVAL);
	assert_int_equal(st, PD_ANSWER_EXPIRED);
	assert_int_equal(tid, -1);
	/* A NULL state is fine. */
	assert_int_equal(pd_answer_token_check(KEY, tok, NOW + 1, &tid, &pid,
	    NULL), PD_EINVAL);
	free(tok);
}

static void
token__of_another_key__is_invalid_even_when_expired(void **state)
{
	unsigned char other[32];
	int64_t tid, pid;
	char *tok = NULL;

	(void)state;
	memcpy(other, KEY, sizeof(other));
	other[31] ^= 1;
	assert_int_equal(pd_answer_token_make(other, 42, 7, NOW + 10, &tok),
	    PD_OK);
	assert_int_equal(check(KEY, tok, NOW, &tid, &pid), PD_ANSWER_INVALID);
	/* A forged token never learns whether its expiry mattered. */
	assert_int_equal(check(KEY, tok, NOW + 20, &tid, &pid),
	    PD_ANSWER_INVALID);
	assert_int_equal(check(other, tok, NOW + 20, &tid, &pid),
	    PD_ANSWER_EXPIRED);
	free(tok);
}

static void
fill_event(struct pd_event *ev, const char *start, const char *end,
    char *rrule)
{
	memset(ev, 0, sizeof(*ev));
	ev->tzid = (char *)"Europe/Berlin";
	ev->start = (char *)start;
	ev->end = (char *)end;
	ev->rrule = rrule;
	assert_int_equal(pd_tz_to_utc(start, ev->tzid, 0, &ev->start_utc),
	    PD_OK);
	assert_int_equal(pd_tz_to_utc(end, ev->tzid, 0, &ev->end_utc), PD_OK);
}

static void
expiry__single_event__is_its_end_plus_a_day(void **state)
{
	struct pd_event ev;
	int64_t exp = 0;

	(void)state;
	fill_event(&ev, "2021-02-11 09:00", "2021-02-11 12:00", NULL);
	assert_int_equal(pd_answer_expiry(&ev, NOW, &exp), PD_OK);
	/* 12:00 CET = 11:00Z */
	assert_int_equal(exp, 1613041200 + PD_ANSWER_GRACE);
}

static void
expiry__recurring_event__follows_the_next_session(void **state)
{
	struct pd_event ev;
	int64_t exp = 0, now, want;

	(void)state;
	fill_event(&ev, "2022-03-01 10:00", "2022-03-01 12:00",
	    (char *)"FREQ=YEARLY;COUNT=5");
	/* Before the series: the first session. */
	assert_int_equal(pd_answer_expiry(&ev, NOW, &exp), PD_OK);
	assert_int_equal(exp, ev.end_utc + PD_ANSWER_GRACE);
	/* In mid-2023 the next session is 2024-03-01. */
	assert_int_equal(pd_tz_parse_rfc3339("2023-06-01T00:00:00Z", &now),
	    PD_OK);
	assert_int_equal(pd_tz_to_utc("2024-03-01 12:00", "Europe/Berlin", 0,
	    &want), PD_OK);
	assert_int_equal(pd_answer_expiry(&ev, now, &exp), PD_OK);
	assert_int_equal(exp, want + PD_ANSWER_GRACE);
	/* After the series: the last session, so the link is expired. */
	assert_int_equal(pd_tz_parse_rfc3339("2030-01-01T00:00:00Z", &now),
	    PD_OK);
	assert_int_equal(pd_tz_to_utc("2026-03-01 12:00", "Europe/Berlin", 0,
	    &want), PD_OK);
	assert_int_equal(pd_answer_expiry(&ev, now, &exp), PD_OK);
	assert_int_equal(exp, want + PD_ANSWER_GRACE);
}

static void
link__joins_base_and_token(void **state)
{
	char *s = NULL;

	(void)state;
	assert_int_equal(pd_answer_link("http://127.0.0.1:8080", "TOK", &s),
	    PD_OK);
	assert_string_equal(s, "http://127.0.0.1:8080/respond/TOK");
	free(s);
	assert_int_equal(pd_answer_link("https://x.example/podium/", "TOK",
	    &s), PD_OK);
	assert_string_equal(s, "https://x.example/podium/respond/TOK");
	free(s);
	assert_int_equal(pd_answer_link("", "TOK", &s), PD_EINVAL);
}

/* A fresh temporary directory; the caller removes it with rm_tree. */
static char *
temp_dir(void)
{
	char *d = strdup("/tmp/podium-answer-XXXXXX");

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

static void
rm_tree(const char *dir)
{
	struct pd_buf b = PD_BUF_INIT;

	pd_buf_addf(&b, "rm -rf '%s'", dir);
	assert_int_equal(system(b.data), 0);
	pd_buf_free(&b);
}

/* Issue 8: a missing key file is reported, never made beside anything. */
static void
key__missing_file__is_enotfound_and_not_created(void **state)
{
	unsigned char k[32];
	struct pd_error err = { 0, NULL, NULL };
	struct pd_buf path = PD_BUF_INIT, sub = PD_BUF_INIT;
	struct stat sb;
	char *dir = temp_dir();

	(void)state;
	pd_buf_addf(&sub, "%s/var", dir);
	pd_buf_addf(&path, "%s/secret.key", sub.data);
	memset(k, 0xaa, sizeof(k));
	assert_int_equal(pd_answer_key_load(path.data, k, &err), PD_ENOTFOUND);
	assert_string_equal(err.field, "key_file");
	assert_non_null(strstr(err.msg, path.data));
	assert_int_equal(k[0], 0xaa);
	assert_int_not_equal(stat(sub.data, &sb), 0);
	pd_error_clear(&err);
	rm_tree(dir);
	pd_buf_free(&path);
	pd_buf_free(&sub);
	free(dir);
}

static void
write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void
key__wrong_size_or_open_mode__is_refused(void **state)
{
	unsigned char k[32], want[32];
	struct pd_error err = { 0, NULL, NULL };
	struct pd_buf path = PD_BUF_INIT;
	char *dir = temp_dir();
	size_t i;

	(void)state;
	pd_buf_addf(&path, "%s/secret.key", dir);
	write_file(path.data, "0123456789abcdef0123456789abcde", 31, 0600);
	memset(k, 0xaa, sizeof(k));
	assert_int_equal(pd_answer_key_load(path.data, k, &err), PD_EINVAL);
	assert_non_null(strstr(err.msg, "32 bytes"));
	assert_string_equal(err.field, "key_file");
	assert_int_equal(k[0], 0xaa);	/* untouched */

	write_file(path.data, "0123456789abcdef0123456789abcdef!", 33, 0600);
	assert_int_equal(pd_answer_key_load(path.data, k, &err), PD_EINVAL);

	write_file(path.data, "0123456789abcdef0123456789abcdef", 32, 0640);
	assert_int_equal(pd_answer_key_load(path.data, k, &err), PD_EINVAL);
	assert_non_null(strstr(err.msg, "chmod 600"));
	write_file(path.data, "0123456789abcdef0123456789abcdef", 32, 0604);
	assert_int_equal(pd_answer_key_load(path.data, k, &err), PD_EINVAL);

	write_file(path.data, "0123456789abcdef0123456789abcdef", 32, 0600);
	assert_int_equal(pd_answer_key_load(path.data, k, &err), PD_OK);
	assert_memory_equal(k, "0123456789abcdef0123456789abcdef", 32);

	/* 64 hex digits and a newline, as "openssl rand -hex 32" writes. */
	write_file(path.data, "000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191A1B1C1D1E1F\n", 65, 0600);
	assert_int_equal(pd_answer_key_load(path.data, k, &err), PD_OK);
	for (i = 0; i < 32; i++)
		want[i] = (unsigned char)i;
	assert_memory_equal(k, want, 32);
	write_file(path.data, "zz0102030405060708090a0b0c0d0e0f"
	    "101112131415161718191A1B1C1D1E1F\n", 65, 0600);
	assert_int_equal(pd_answer_key_load(path.data, k, &err), PD_EINVAL);

	pd_error_clear(&err);
	rm_tree(dir);
	pd_buf_free(&path);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(token__round_trip__gives_back_the_ids),
		cmocka_unit_test(token__bad_ids__are_refused),
		cmocka_unit_test(token__any_flipped_character__is_invalid),
		cmocka_unit_test(token__malformed__is_invalid),
		cmocka_unit_test(token__past_expiry__is_expired),
		cmocka_unit_test(
		    token__of_another_key__is_invalid_even_when_expired),
		cmocka_unit_test(expiry__single_event__is_its_end_plus_a_day),
		cmocka_unit_test(
		    expiry__recurring_event__follows_the_next_session),
		cmocka_unit_test(link__joins_base_and_token),
		cmocka_unit_test(
		    key__missing_file__is_enotfound_and_not_created),
		cmocka_unit_test(key__wrong_size_or_open_mode__is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
