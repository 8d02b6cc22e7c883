/*
 * What lib/ical_render.c and lib/ical_parse.c share and nobody else needs:
 * the hash behind derived identifiers and the mapping of podium's enums to
 * iCalendar words.  The contract both sides follow is lib/ical_mapping.md.
 */
#ifndef PODIUM_ICAL_INT_H
#define PODIUM_ICAL_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/*
 * 64-bit FNV-1a.  Not cryptographic: it only has to turn the same content
 * into the same identifier (derived UIDs and UUIDs), on every machine.
 */
static inline uint64_t
pd_ical_hash(const void *data, size_t len, uint64_t h)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define PD_ICAL_HASH_SEED 0xcbf29ce484222325ULL

/* The prefix libical puts before builtin TZIDs; stripped on input. */
#define PD_ICAL_LIBICAL_PREFIX "/freeassociation.sourceforge.net/"

/* Limits of the parser (ical.h): whole input and one unfolded line. */
#define PD_ICAL_MAX_INPUT	(32u * 1024 * 1024)
#define PD_ICAL_MAX_LINE	(64u * 1024)

struct pd_buf;
struct pd_event;

/*
 * The plain text of an event's DESCRIPTION (its text, agenda and talks,
 * ical_mapping.md) into b, which is reset first; the schedule documents
 * show the same text.  PD_ENOMEM when b failed.
 */
int pd_ical_description(struct pd_buf *b, const struct pd_event *ev);

/*
 * The parser's state across the chunks of one streamed file
 * (ical_stream.c): the people of X-PODIUM-PERSON, the VTIMEZONEs and the
 * times of talk VEVENTs seen so far.  pd_ical_ctx_parse parses one chunk,
 * a whole VCALENDAR whose first line is line first_line of the file, into
 * *out (the caller's); errors go to the err given to pd_ical_ctx_new.
 */
struct pd_ical_ctx;
struct pd_calendar;
struct pd_error;

/*
 * Sets err to "line N: MESSAGE" with field "line N" (no line: just the
 * message), the way every parse error of a calendar is worded.
 */
int pd_ical_verror(struct pd_error *err, int code, uint32_t line,
    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));
int pd_ical_ctx_new(struct pd_error *err, struct pd_ical_ctx **out);
int pd_ical_ctx_parse(struct pd_ical_ctx *c, const char *text, size_t len,
    uint32_t first_line, struct pd_calendar **out);
void pd_ical_ctx_free(struct pd_ical_ctx *c);

#endif
