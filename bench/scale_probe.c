/*
 * bench/scale_probe: the three costs of the scale goal, measured in one
 * process on two databases, interleaved (small, large, small, large...)
 * so that both see the same machine load; the best of REPEATS counts.
 *
 *     scale_probe [-r REPEATS] SMALL.db LARGE.db
 *
 * - feed: a personal feed of about 20 events: pd_store_calendar (the
 *   person filter) and pd_ical_render, as podiumd does on a cache miss;
 *   the person is the one whose number of events is closest to 20;
 * - list: pd_store_event_list for one week (Monday 00:00 Europe/Berlin
 *   to the next Monday) in the middle of the programme, as `podium event
 *   list --from --to` does;
 * - plan: one pd_sched_plan pass with the default reminder offsets and
 *   nudge, at a "now" a year before the programme, when nothing is due.
 *
 * Prints one line per measurement with CPU and wall time in
 * microseconds and the size of the answer, then the large/small ratio of
 * the best CPU times, for bench/scale.sh.  Not a test: only PD_OK is
 * checked.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "podium/config.h"
#include "podium/ical.h"
#include "podium/sched.h"
#include "podium/store.h"
#include "store_int.h"

#define NOW_NOTHING_DUE 1577836800	/* 2020-01-01, a year before */

struct db {
	const char *path;
	struct pd_store *st;
	struct pd_sched *sched;
	int64_t person, week;
	size_t n_feed, n_list, n_plan, feed_bytes;
	double best[3][2];		/* op x (cpu, wall), microseconds */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct pd_config cfg;
static unsigned char key[32];

static double
now_us(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void
die(const char *what, struct pd_store *st)
{
	const struct pd_error *e = st != NULL ? pd_store_error(st) : NULL;

	fprintf(stderr, "scale_probe: %s: %s\n", what,
	    e != NULL && e->msg != NULL ? e->msg : "failed");
	exit(1);
}

static int64_t
one_int(struct pd_store *st, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	int64_t v = 0;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		die(sqlite3_errmsg(st->db), NULL);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

static void
open_db(struct db *d)
{
	struct pd_error err = { 0, NULL, NULL };
	int64_t first, last;

	if (pd_store_open(d->path, NOW_NOTHING_DUE, &d->st, &err) != PD_OK) {
		fprintf(stderr, "scale_probe: %s: %s\n", d->path, err.msg);
		exit(1);
	}
	if (pd_sched_new(d->st, &lock, &cfg, key, NULL, &d->sched) != PD_OK)
		die("sched", NULL);
	d->person = one_int(d->st, "SELECT person_id FROM attendance "
	    "GROUP BY person_id ORDER BY abs(count(*) - 20), person_id "
	    "LIMIT 1");
	/* The Monday (Europe/Berlin, winter or summer) mid-programme. */
	first = one_int(d->st, "SELECT min(start_utc) FROM event");
	last = one_int(d->st, "SELECT max(start_utc) FROM event");
	d->week = first + (last - first) / 2;
	d->week -= (d->week - 1609715600) % (7 * 86400);	/* Mon 00:00 CET */
	d->best[0][0] = d->best[1][0] = d->best[2][0] = 1e18;
	d->best[0][1] = d->best[1][1] = d->best[2][1] = 1e18;
}

static void
keep(struct db *d, int op, double c0, double w0)
{
	double c = now_us(CLOCK_PROCESS_CPUTIME_ID) - c0;
	double w = now_us(CLOCK_MONOTONIC) - w0;

	if (c < d->best[op][0])
		d->best[op][0] = c;
	if (w < d->best[op][1])
		d->best[op][1] = w;
}

static void
run(struct db *d)
{
	struct pd_filter f = { PD_FILTER_PERSON, NULL, 0 };
	struct pd_render_opts ro;
	struct pd_calendar *cal = NULL;
	struct pd_event *list = NULL;
	struct pd_error err = { 0, NULL, NULL };
	struct pd_sched_stats stats;
	char *text = NULL;
	size_t n = 0, len = 0;
	double c0, w0;

	/* feed */
	f.person_id = d->person;
	memset(&ro, 0, sizeof(ro));
	ro.privacy = PD_PRIVACY_PERSON;
	ro.privacy_person_id = d->person;
	c0 = now_us(CLOCK_PROCESS_CPUTIME_ID);
	w0 = now_us(CLOCK_MONOTONIC);
	if (pd_store_calendar(d->st, &f, &cal) != PD_OK)
		die("feed", d->st);
	if (pd_ical_render(cal, &ro, &text, &len, &err) != PD_OK)
		die("render", NULL);
	keep(d, 0, c0, w0);
	d->n_feed = cal->nevents;
	d->feed_bytes = len;
	free(text);
	pd_calendar_free(cal);

	/* list */
	c0 = now_us(CLOCK_PROCESS_CPUTIME_ID);
	w0 = now_us(CLOCK_MONOTONIC);
	if (pd_store_event_list(d->st, d->week, d->week + 7 * 86400, &list,
	    &n) != PD_OK)
		die("list", d->st);
	keep(d, 1, c0, w0);
	d->n_list = n;
	pd_event_list_free(list, n);

	/* plan */
	memset(&stats, 0, sizeof(stats));
	c0 = now_us(CLOCK_PROCESS_CPUTIME_ID);
	w0 = now_us(CLOCK_MONOTONIC);
	if (pd_sched_plan(d->sched, NOW_NOTHING_DUE, &stats, &err) != PD_OK) {
		fprintf(stderr, "scale_probe: plan: %s\n", err.msg);
		exit(1);
	}
	keep(d, 2, c0, w0);
	d->n_plan = stats.planned;
}

int
main(int argc, char **argv)
{
	static const char *const ops[] = { "feed", "list", "plan" };
	struct db d[2];
	int repeats = 15, ch, r, i, op;

	while ((ch = getopt(argc, argv, "r:")) != -1) {
		if (ch != 'r')
			goto usage;
		repeats = atoi(optarg);
	}
	if (optind + 2 != argc || repeats < 1)
		goto usage;
	pd_ical_init();
	if (pd_config_defaults(&cfg) != PD_OK)
		die("config", NULL);
	memset(d, 0, sizeof(d));
	d[0].path = argv[optind];
	d[1].path = argv[optind + 1];
	open_db(&d[0]);
	open_db(&d[1]);
	for (r = 0; r < repeats; r++)
		for (i = 0; i < 2; i++)
			run(&d[r % 2 == 0 ? i : 1 - i]);
	for (i = 0; i < 2; i++)
		printf("db=%s person=%lld feed_events=%zu feed_bytes=%zu "
		    "week_events=%zu planned=%zu\n", d[i].path,
		    (long long)d[i].person, d[i].n_feed, d[i].feed_bytes,
		    d[i].n_list, d[i].n_plan);
	for (op = 0; op < 3; op++)
		printf("%s small_cpu_us=%.0f large_cpu_us=%.0f "
		    "small_wall_us=%.0f large_wall_us=%.0f ratio_cpu=%.2f "
		    "ratio_wall=%.2f\n", ops[op], d[0].best[op][0],
		    d[1].best[op][0], d[0].best[op][1], d[1].best[op][1],
		    d[1].best[op][0] / d[0].best[op][0],
		    d[1].best[op][1] / d[0].best[op][1]);
	for (i = 0; i < 2; i++) {
		pd_sched_free(d[i].sched);
		pd_store_close(d[i].st);
	}
	pd_config_clear(&cfg);
	return 0;
usage:
	fprintf(stderr, "usage: scale_probe [-r REPEATS] SMALL.db LARGE.db\n");
	return 64;
}
