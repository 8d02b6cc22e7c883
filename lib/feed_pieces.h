/*
 * A feed put together from pieces (feed_pieces.c): every event's
 * rendering is kept with the render mark it was made at, so that a
 * change to one event costs the rendering of that event and the
 * assembly of the feeds that hold it.  Private to lib/ (feed.c).
 */
#ifndef PODIUM_FEED_PIECES_H
#define PODIUM_FEED_PIECES_H

#include <stddef.h>
#include <stdint.h>

#include "podium/err.h"
#include "podium/ical.h"
#include "podium/model.h"
#include "podium/store.h"

struct pd_pieces;

/*
 * A cache for one variant of the rendering: the privacy and whatever
 * else of opts changes an event's bytes (opts->refresh and the calendar
 * name only change the head).  A variant that also depends on a flag of
 * the event is still a function of the event's rows: the flag is a
 * column, its change moves the render mark.
 */
int pd_pieces_new(const struct pd_render_opts *opts, struct pd_pieces **out);
void pd_pieces_free(struct pd_pieces *pc);

/*
 * Writes the calendar cal (name and groups, no events) with the events of
 * rows (pd_store_feed_index, in that order) to fd: the text (*len bytes),
 * then right after it its gzip form (RFC 1952, *gzlen bytes), put
 * together from pieces compressed once each.  Only the events whose
 * piece is missing or older than its mark are rendered.  opts must be
 * the variant's, with the head's refresh.  all: rows are every event of
 * the store, so pieces of events not among them are dropped.  tag gets
 * 16 bytes that differ when the text differs (for the ETag), cheaper
 * than a digest of the whole.  On failure fd holds a part.
 */
int pd_pieces_render(struct pd_pieces *pc, struct pd_store *st,
    const struct pd_calendar *cal, const struct pd_feed_row *rows, size_t n,
    const struct pd_render_opts *opts, int all, int fd, size_t *len,
    size_t *gzlen, unsigned char tag[16], struct pd_error *err);

/* Bytes held by the pieces (renderings and their gzip). */
size_t pd_pieces_bytes(const struct pd_pieces *pc);

#endif
