/*
 * What the reply intake (reply.c) needs from the store beyond store.h:
 * the reply table of lib/store_reply.c.  Private to libpodium.
 */
#ifndef PODIUM_REPLY_INT_H
#define PODIUM_REPLY_INT_H

#include <stdint.h>

#include "podium/reply.h"

/* One row of the reply table; strings are borrowed, NULL is SQL NULL. */
struct pd_reply_record {
	const char *message_id;
	int64_t event_id;		/* 0: NULL */
	int64_t person_id;		/* 0: NULL */
	const char *sender;
	const char *attendee;
	const char *partstat;
	const char *delegated_to;
	int64_t sequence;		/* < 0: NULL */
	int64_t dtstamp;		/* < 0: NULL */
	enum pd_reply_outcome outcome;
	const char *reason;
	/* With PD_REPLY_APPLIED, in the same transaction: */
	const char *attendance;		/* "accepted"...; NULL: leave it */
	const char *talk;		/* "confirmed"/"declined"; NULL: leave */
};

/*
 * Whether message_id was recorded before, and the DTSTAMP of the last
 * reply applied to (event_id, person_id) (*have_last 0 when none).
 */
int pd_st_reply_state(struct pd_store *st, const char *message_id,
    int64_t event_id, int64_t person_id, int *seen, int64_t *last_dtstamp,
    int *have_last);

/*
 * Records r and, when it is applied, sets the invitee's attendance and
 * the status of their answerable talks at the event, in one transaction.
 * *duplicate is set when another process recorded the same Message-ID
 * first (nothing is written then).
 */
int pd_st_reply_record(struct pd_store *st, const struct pd_reply_record *r,
    int *duplicate);

#endif
