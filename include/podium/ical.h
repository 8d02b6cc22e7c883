/*
 * iCalendar (RFC 5545) in and out, with libical.
 *
 * This module is pure: text in, structs out and back.  It does not touch
 * the store; the store applies a parsed calendar in one transaction.
 */
#ifndef PODIUM_ICAL_H
#define PODIUM_ICAL_H

#include <stddef.h>
#include <stdint.h>

#include "podium/err.h"
#include "podium/model.h"

/* Which addresses a rendering may show. */
enum pd_privacy {
	PD_PRIVACY_FULL,	/* organizers' export: every e-mail address */
	PD_PRIVACY_PUBLIC,	/* none: urn:uuid: instead */
	PD_PRIVACY_PERSON	/* only the one of privacy_person_id */
};

struct pd_render_opts {
	enum pd_privacy privacy;
	int64_t privacy_person_id;	/* with PD_PRIVACY_PERSON */
	const char *refresh;		/* ISO 8601 duration; NULL: "PT1H" */
	const char *method;		/* METHOD value or NULL: none */
	/*
	 * iMIP (RFC 6047): nonzero renders only the sessions (no talk
	 * VEVENTs), ORGANIZER with its address, and the attendee whose
	 * person id is imip_person_id with RSVP=TRUE and its address.
	 */
	int imip;
	int64_t imip_person_id;
};

/* Call once before any other pd_ical function (sets the TZID prefix). */
void pd_ical_init(void);

/*
 * Renders the calendar as RFC 5545 text, CRLF line ends, folded at 75
 * octets without splitting a UTF-8 character.  The same data always gives
 * the same bytes: DTSTAMP and LAST-MODIFIED come from each row's updated
 * time, never from the clock.  *out (NUL-terminated, *len bytes) belongs
 * to the caller, who frees it.
 */
int pd_ical_render(const struct pd_calendar *cal,
    const struct pd_render_opts *opts, char **out, size_t *len,
    struct pd_error *err);

/*
 * A calendar in pieces, for a feed that keeps each event's rendering
 * (feed_pieces.c): the head (everything before the first VEVENT), then
 * every event's pd_ical_render_event, then PD_ICAL_TAIL, give the bytes
 * pd_ical_render gives for the same events.  The head takes the
 * calendar's name and groups from cal (its events are looked at too, but
 * a feed passes none), the people its events name (people, npeople; any
 * order, repeats allowed) and their zones (pd_ical_event_zone of each;
 * NULLs left out; the array is sorted in place).  Both append to *out;
 * on failure *out may hold part of the text.
 */
#define PD_ICAL_TAIL "END:VCALENDAR\r\n"
struct pd_buf;
int pd_ical_render_head(const struct pd_calendar *cal,
    const struct pd_person *people, size_t npeople, const char **zones,
    size_t nzones, const struct pd_render_opts *opts, struct pd_buf *out,
    struct pd_error *err);
int pd_ical_render_event(const struct pd_event *ev,
    const struct pd_render_opts *opts, struct pd_buf *out,
    struct pd_error *err);
/*
 * Whether a rendering with opts has the person directory in its head
 * (the organizers' full export), and so needs the people its events name.
 */
int pd_ical_has_directory(const struct pd_render_opts *opts);
/* The TZID whose VTIMEZONE ev needs, or NULL (UTC, all-day). */
const char *pd_ical_event_zone(const struct pd_event *ev);

/*
 * Parses text (len bytes, need not be NUL-terminated) into a calendar.
 * Nothing is half-parsed: on any error *out is untouched, err names the
 * problem and where ("line 12: DTSTART: invalid date"), and PD_EPARSE or
 * PD_EINVAL is returned.  Ids in the result are 0; people carry what the
 * file says (name, e-mail, uuid, organization) for the store to resolve.
 * A VEVENT without UID gets a UID derived from its content (see README).
 */
int pd_ical_parse(const char *text, size_t len, struct pd_calendar **out,
    struct pd_error *err);

/*
 * Streamed parsing, for a file of any size: rd fills buf with up to cap
 * bytes and sets *n (0 at the end), returning PD_OK or an error.  The
 * calendar is cut between its components into small calendars, each
 * parsed as pd_ical_parse would and given to chunk, which borrows it (it
 * is freed when chunk returns).  Memory follows the largest component
 * and the people of the file, not its size.  The first error, of
 * reading, parsing or of chunk, stops the read and is returned; the
 * chunks before it have been given, so a caller that must change nothing
 * on a bad file applies them in one transaction.  A talk VEVENT
 * (X-PODIUM-KIND:talk) is read with the session it follows.
 */
typedef int (*pd_ical_read_fn)(void *ctx, char *buf, size_t cap, size_t *n);
typedef int (*pd_ical_chunk_fn)(void *ctx, const struct pd_calendar *cal);
int pd_ical_parse_stream(pd_ical_read_fn rd, void *rctx,
    pd_ical_chunk_fn chunk, void *cctx, struct pd_error *err);

#endif
