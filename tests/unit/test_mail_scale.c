/*
 * Mail for one big event costs per message what the message needs
 * (issue 13): one event with 2,000 accepted attendees against one with
 * 200, each planned (an invitation and a reminder per person), composed,
 * stored and spooled by the real scheduler.
 *
 * Not timed.  The test counts work that does not depend on the machine:
 * heap allocations and their bytes (through AddressSanitizer's malloc
 * hooks, in the make check build), SQLite virtual-machine steps, and the
 * bytes written.  Per message each must stay about the same at 2,000
 * as at 200 attendees; a pass that is quadratic in the attendees (a
 * copy of the event or a pass over its attendances per message, a
 * directory of everyone in every message) makes them ten times larger.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "podium/ical.h"
#include "podium/sched.h"
#include "store_int.h"

#include "mail_fixture.h"

/* Generous: linear work gives about 1.0, quadratic about 10. */
#define BOUND 2.0

struct work {
	double allocs;
	double alloc_bytes;
	double vm_steps;
	double file_bytes;
	size_t messages;
	size_t imip_lines;
};

/* AddressSanitizer's hooks; absent (NULL) in a build without it. */
extern int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void *, size_t),
    void (*free_hook)(const volatile void *)) __attribute__((weak));

static struct work *counting;

static void
on_malloc(const volatile void *p, size_t n)
{
	(void)p;
	if (counting != NULL) {
		counting->allocs += 1;
		counting->alloc_bytes += (double)n;
	}
}

static void
on_free(const volatile void *p)
{
	(void)p;
}

static int
on_profile(unsigned type, void *ctx, void *stmt, void *x)
{
	(void)ctx;
	(void)x;
	if (type == SQLITE_TRACE_PROFILE && counting != NULL)
		counting->vm_steps += sqlite3_stmt_status(stmt,
		    SQLITE_STMTSTATUS_VM_STEP, 1);
	return 0;
}

/* Sums the spool's file sizes; counts the iMIP lines of one invitation. */
static void
read_spool(const char *dir, struct work *w)
{
	char path[512];
	struct dirent *de;
	struct stat sb;
	DIR *d;

	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		assert_int_equal(stat(path, &sb), 0);
		w->file_bytes += (double)sb.st_size;
		if (w->imip_lines == 0 && strstr(de->d_name, "invitation")) {
			FILE *fp = fopen(path, "rb");
			char *msg = calloc(1, (size_t)sb.st_size + 1), *cal;

			assert_non_null(fp);
			assert_int_equal(fread(msg, 1, (size_t)sb.st_size, fp),
			    (size_t)sb.st_size);
			fclose(fp);
			assert_non_null(cal = mfx_calendar_part(msg,
			    (size_t)sb.st_size));
			w->imip_lines = mfx_lines(cal);
			free(cal);
			free(msg);
		}
	}
	closedir(d);
}

/* One scheduler pass a day before the event, counted. */
static void
pass(size_t attendees, struct work *w)
{
	struct pd_sched_stats stats;
	struct pd_error err = { 0, NULL, NULL };
	struct mfx f;
	int64_t now = MFX_FIRST_START - 23 * 3600;

	memset(w, 0, sizeof(*w));
	memset(&stats, 0, sizeof(stats));
	assert_int_equal(mfx_open(&f, 1, attendees, now), PD_OK);
	sqlite3_trace_v2(f.st->db, SQLITE_TRACE_PROFILE, on_profile, NULL);
	counting = w;
	assert_int_equal(pd_sched_plan(f.s, now, &stats, &err), PD_OK);
	assert_int_equal(pd_sched_deliver(f.s, now, NULL, &stats, &err),
	    PD_OK);
	counting = NULL;
	sqlite3_trace_v2(f.st->db, 0, NULL, NULL);
	/* An invitation and a reminder each: citizens, chair, speaker. */
	assert_int_equal(stats.planned, 2 * (attendees + 2));
	assert_int_equal(stats.sent, stats.planned);
	w->messages = stats.sent;
	read_spool(f.spool, w);
	mfx_close(&f);
}

static void
check(const char *what, double small, double big, const struct work *s,
    const struct work *b)
{
	double ps = small / (double)s->messages;
	double pb = big / (double)b->messages;

	printf("# %s per message: %.1f at 200, %.1f at 2000 attendees "
	    "(ratio %.2f, bound %.1f)\n", what, ps, pb, pb / ps, BOUND);
	assert_true(pb <= BOUND * ps);
}

static void
one_big_event__work_per_message__does_not_grow_with_the_event(void **state)
{
	struct work s, b;

	(void)state;
	if (__sanitizer_install_malloc_and_free_hooks != NULL)
		__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
	pass(200, &s);
	pass(2000, &b);
	if (__sanitizer_install_malloc_and_free_hooks != NULL) {
		check("heap allocations", s.allocs, b.allocs, &s, &b);
		check("bytes allocated", s.alloc_bytes, b.alloc_bytes, &s, &b);
	} else {
		printf("# no AddressSanitizer: allocations not counted\n");
	}
	check("SQLite VM steps", s.vm_steps, b.vm_steps, &s, &b);
	check("bytes spooled", s.file_bytes, b.file_bytes, &s, &b);
	/* The iMIP part names nobody else, whatever the event's size. */
	assert_int_equal(s.imip_lines, b.imip_lines);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    one_big_event__work_per_message__does_not_grow_with_the_event),
	};

	pd_ical_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
