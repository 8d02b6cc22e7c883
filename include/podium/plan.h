/*
 * The mail planner: from the data and "now" to the messages that should
 * exist.  Pure: no I/O, no clock, no database.  It looks at the state, not
 * at how it came about, so an attendance or a requested talk gets its mail
 * whether it came from the CLI, the API or an import.
 *
 * Every planned message has a unique key derived from (kind, event,
 * occurrence, person, sequence or offset); keys already in the outbox are
 * given to the planner as "sent" facts and never planned again, which is
 * what makes a pass idempotent and a restart harmless.
 *
 * The rules:
 * - speaker-request: a requested talk whose speaker has an address, for an
 *   event not cancelled and not over; Cc the intermediary ("via").
 * - nudge: the request again, `nudge` after the request and `nudge` after
 *   the first nudge, without an answer; `nudge` after the second nudge the
 *   intermediary (or the organizer) is told once (nudge-via).  Each waits
 *   for the one before it was created (its "sent" fact), so after a pause
 *   only one is due at a time.  An answer stops them, because the talk is
 *   no longer requested.
 * - speaker-answer: when a requested speaker confirmed or declined, to the
 *   intermediary, else the organizer.
 * - invitation: every attendee who has an address and has not declined or
 *   delegated, and every confirmed speaker, for an event not over and not
 *   cancelled (METHOD:REQUEST).
 * - update: an invited person whose invitation (or last update) carried a
 *   lower SEQUENCE than the event has now.
 * - cancellation: an invited person of a cancelled event (METHOD:CANCEL).
 * - reminder: at each offset before each occurrence's start, to accepted
 *   or not-yet-answered attendees and confirmed speakers; never for
 *   cancelled events; a reminder is due from (start - offset) until the
 *   next smaller offset's moment (the last one: until the start), and is
 *   skipped after that, so a daemon that was down sends no stale
 *   reminders, only the one due now.
 */
#ifndef PODIUM_PLAN_H
#define PODIUM_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "podium/model.h"

enum pd_mail_kind {
	PD_MAIL_SPEAKER_REQUEST,
	PD_MAIL_NUDGE,
	PD_MAIL_NUDGE_VIA,
	PD_MAIL_SPEAKER_ANSWER,
	PD_MAIL_INVITATION,
	PD_MAIL_UPDATE,
	PD_MAIL_CANCELLATION,
	PD_MAIL_REMINDER,
	PD_MAIL_TEST
};

/* What the outbox already holds, as the planner needs it. */
struct pd_sent {
	const char *key;
	int64_t created;	/* unix seconds */
	int sequence;		/* the event's SEQUENCE the message carried */
};

struct pd_plan_input {
	const struct pd_event *events;	/* with parts */
	size_t nevents;
	const struct pd_sent *sent;
	size_t nsent;
	int64_t now;
	const int64_t *offsets;		/* reminder offsets, seconds */
	size_t noffsets;
	int64_t nudge;			/* seconds; 0: no nudges */
};

/* One message to compose; pointers borrow from the input. */
struct pd_mail {
	char *key;			/* owned */
	enum pd_mail_kind kind;
	const struct pd_event *ev;
	const struct pd_talk *talk;	/* NULL unless about a talk */
	const struct pd_person *to;
	const struct pd_person *cc;	/* NULL: none */
	/*
	 * The addressee's attendance of ev, NULL when the mail is not
	 * about one (a speaker's): lets the iMIP part be built from what
	 * the message needs, not from every attendance of the event.
	 */
	const struct pd_attendance *att;
	int64_t occurrence;		/* the occurrence's start (unix) */
	int64_t offset;			/* reminders: seconds before */
	int sequence;
	int nudge;			/* nudges: 1 or 2 */
};

/*
 * Plans.  *out (an array of *n, NULL when none) belongs to the caller:
 * pd_plan_free().  PD_ENOMEM is the only failure.
 */
int pd_plan(const struct pd_plan_input *in, struct pd_mail **out, size_t *n);
void pd_plan_free(struct pd_mail *mails, size_t n);

/* "speaker-request", "nudge"... as in X-Podium-Kind (nudge-via: "nudge"). */
const char *pd_mail_kind_name(enum pd_mail_kind k);
/* The template file name: like the kind, but "nudge-via" for NUDGE_VIA. */
const char *pd_mail_kind_template(enum pd_mail_kind k);

/*
 * Occurrence starts (unix) of ev within [from, to), at most max of them,
 * expanded with libical in the event's zone.  A single event has one.
 * Returns the count written to starts.
 */
size_t pd_plan_occurrences(const struct pd_event *ev, int64_t from,
    int64_t to, int64_t *starts, size_t max);

#endif
