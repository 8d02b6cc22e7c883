/*
 * The feed cache: every subscribable calendar rendered once per store
 * revision and then served from memory.
 *
 * A struct pd_feed is immutable once made and reference-counted, so a
 * response in flight keeps its bytes even when a change replaces the
 * feed.  Feeds are named by their path under /calendars/: "all",
 * "group/SLUG", "topic/SLUG", "person/TOKEN", and the conference
 * schedules "schedule.xml", "group/SLUG/schedule.json"... (schedule.h).
 */
#ifndef PODIUM_FEED_H
#define PODIUM_FEED_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "podium/err.h"

struct pd_store;
struct pd_calendar;
struct pd_feed_row;
struct pd_render_opts;

/*
 * Writes to fd the calendar pd_ical_render would make of cal's name and
 * groups with the events of rows (pd_store_feed_index, in that order):
 * `podium export`.  Loads and renders the events a batch at a time;
 * call it inside pd_store_snapshot_begin() for one snapshot.
 */
int pd_feed_write(struct pd_store *st, const struct pd_calendar *cal,
    const struct pd_feed_row *rows, size_t n,
    const struct pd_render_opts *opts, int fd, struct pd_error *err);

struct pd_feed {
	int refs;		/* atomic */
	char *body;		/* the calendar, len bytes */
	size_t len;
	char *gz;		/* gzip of body; NULL when it would not help */
	size_t gzlen;
	/*
	 * A large feed lives in a memfd, body at offset 0 and gz at len,
	 * and body and gz point into a read-only mapping of it: the bytes
	 * exist once, in the page cache, and are sent from there
	 * (sendfile).  -1: body and gz are on the heap.
	 */
	int fd;
	char etag[40];		/* strong: "\"<hash>\"" */
	char gz_etag[44];	/* the gzip form's own: "\"<hash>-gz\"" */
	char last_modified[40];	/* IMF-fixdate */
	int64_t mtime;		/* unix seconds of last_modified */
};

struct pd_feeds;

struct pd_feeds_opts {
	const char *name;		/* calendar name prefix, "SMARTCity Gera" */
	const char *refresh;		/* ISO 8601, "PT1H" */
	int64_t refresh_seconds;
	const char *export_dir;		/* NULL: none */
	const char *base_url;		/* for links in schedules; NULL: default */
};

/*
 * Makes a cache that renders from st.  The cache does not own st; every
 * use of st is under *lock, which the caller shares with whoever else
 * uses the handle.
 */
int pd_feeds_new(struct pd_store *st, pthread_mutex_t *lock,
    const struct pd_feeds_opts *opts, struct pd_feeds **out);
void pd_feeds_free(struct pd_feeds *fc);

/*
 * [feeds] history: with seconds > 0, public and personal feeds leave out
 * events that ended longer ago than that (a series by its last
 * occurrence); the window moves on at least every hour.  0: everything.
 */
void pd_feeds_set_history(struct pd_feeds *fc, int64_t seconds);

/*
 * Looks at the store's revision (under the lock): when it changed, drops
 * every cached feed, and with export_dir writes the public feeds there
 * (atomically).  now is the clock, for Last-Modified of new contents.
 * Returns PD_OK, or the error of the export.
 */
int pd_feeds_refresh(struct pd_feeds *fc, int64_t now, struct pd_error *err);

/*
 * The feed at name, rendered now if it is not cached.  PD_ENOTFOUND for
 * an unknown group, topic or token.  *out holds a reference: release it
 * with pd_feed_release().
 */
int pd_feeds_get(struct pd_feeds *fc, const char *name, int64_t now,
    struct pd_feed **out);
void pd_feed_retain(struct pd_feed *f);
void pd_feed_release(struct pd_feed *f);

/*
 * Bytes held by cached feeds (for the memory goal; large ones in memfds,
 * not on the heap), and by the kept renderings of events that public
 * feeds are put together from (on the heap).
 */
size_t pd_feeds_bytes(struct pd_feeds *fc);
size_t pd_feeds_piece_bytes(struct pd_feeds *fc);

#endif
