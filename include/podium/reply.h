/*
 * Calendar replies (iMIP METHOD:REPLY, RFC 6047): what a participant's
 * client mails back when they click "Accept" on an invitation.
 *
 * Every iMIP message podium sends names as ORGANIZER an address podium
 * reads, [mail] reply_to with a per-invitation tag ("rsvp+TAG@…"), so a
 * reply maps to its invitation even when the client drops ORGANIZER
 * (Outlook) or answers as another identity (Thunderbird).  The tag names
 * the event and the invitee and carries an HMAC made with the answer-link
 * key (answer.h), under a purpose string of its own, so it cannot be
 * guessed or moved to another invitation:
 *
 *	TAG = EVENT "-" PERSON "-" MAC
 *
 * with EVENT and PERSON decimal ids and MAC the first 80 bits of
 * HMAC-SHA256(key, "podium rsvp v1" NUL | event (8 bytes BE) | person
 * (8 bytes BE)) in lower-case base32 (16 characters): mail systems may
 * fold the case of a local part, so the tag reads the same in any case.
 *
 * One intake function, pd_reply_receive(), with two front ends: `podium
 * mail receive` (a message on stdin) and the IMAP poller (imap.h).
 */
#ifndef PODIUM_REPLY_H
#define PODIUM_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "podium/err.h"

struct pd_store;

#define PD_REPLY_TAG_MAX 64	/* a tag's characters, with the NUL */

/*
 * The ORGANIZER address for the invitation of person_id to event_id:
 * reply_to ("rsvp@example.org") with "+TAG" before the '@'.  *out is
 * the caller's to free, set only on success.  PD_EINVAL when reply_to is
 * not local@domain or ids are <= 0, PD_ENOMEM.
 */
int pd_reply_address(const unsigned char *key, const char *reply_to,
    int64_t event_id, int64_t person_id, char **out);

/*
 * Reads the tag out of an address ("rsvp+TAG@…", "mailto:" and case
 * allowed).  PD_OK with the ids only when the MAC is right (compared in
 * constant time); PD_ENOTFOUND when the address has no tag; PD_EINVAL
 * for a tag that is not ours (forged, of another key, malformed).
 */
int pd_reply_tag_check(const unsigned char *key, const char *address,
    int64_t *event_id, int64_t *person_id);

enum pd_reply_outcome {
	PD_REPLY_APPLIED,	/* the invitee's answer was recorded */
	PD_REPLY_IGNORED,	/* nothing to do; reason says why */
	PD_REPLY_LISTED		/* for the organizer to look at */
};

struct pd_reply_ctx {
	const unsigned char *key;	/* 32 bytes, [secrets] key_file */
	int64_t now;
};

struct pd_reply_result {
	enum pd_reply_outcome outcome;
	char reason[256];
	int64_t event_id;		/* 0: not known */
	int64_t person_id;
	char partstat[16];		/* "ACCEPTED"...; "" when none */
};

/*
 * Takes one RFC 5322 message (len bytes), finds its calendar parts
 * (text/calendar or application/ics, any method= or none), maps the
 * reply to its invitation by tag and UID and applies the invitee's
 * PARTSTAT (ACCEPTED, DECLINED, TENTATIVE) to their attendance and to
 * their talks (like the answer page).  Ignored: a Message-ID seen before,
 * no calendar, not a REPLY, no valid tag, another UID, a SEQUENCE older
 * than the event's, a DTSTAMP not newer than the last applied reply's.
 * Listed for the organizer: an ATTENDEE who is not the invitee, a
 * DELEGATED reply, an invitee who is no longer invited.
 *
 * Every outcome is recorded under the Message-ID, so the same message
 * twice is applied once.  Returns PD_OK with *out filled; PD_EPARSE when
 * the message or its calendar cannot be read (err says why); PD_EDB
 * when the store failed (try again later).
 */
int pd_reply_receive(struct pd_store *st, const struct pd_reply_ctx *ctx,
    const char *msg, size_t len, struct pd_reply_result *out,
    struct pd_error *err);

/* "applied", "ignored", "listed". */
const char *pd_reply_outcome_name(enum pd_reply_outcome o);

/* One recorded reply, as `podium mail replies` shows it. */
struct pd_reply_row {
	int64_t id;
	char *message_id;
	int64_t received;
	int64_t event_id;		/* 0: none */
	char *event_title;		/* NULL: none */
	int64_t person_id;		/* the invitation's invitee; 0: none */
	char *person_name;
	char *sender;			/* From address */
	char *attendee;			/* the ATTENDEE answered for */
	char *partstat;
	char *delegated_to;
	enum pd_reply_outcome outcome;
	char *reason;
};

/*
 * The recorded replies, newest first; only those of one outcome when
 * outcome is not NULL.  *out: pd_reply_rows_free().
 */
int pd_store_reply_list(struct pd_store *st,
    const enum pd_reply_outcome *outcome, struct pd_reply_row **out,
    size_t *n);
void pd_reply_rows_free(struct pd_reply_row *rows, size_t n);

/*
 * The IMAP poller's place in a mailbox (imap.h): its UIDVALIDITY and
 * the last UID handled, by mailbox URL.  get gives 0/0 for a mailbox
 * never seen.
 */
int pd_store_imap_state_get(struct pd_store *st, const char *url,
    int64_t *uidvalidity, int64_t *last_uid);
int pd_store_imap_state_set(struct pd_store *st, const char *url,
    int64_t uidvalidity, int64_t last_uid);

#endif
