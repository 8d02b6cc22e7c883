/*
 * The outbox: every message is written here, composed, before any attempt
 * to send it, and its state is kept visible (podium mail list).
 *
 *   pending --(dispatcher takes it)--> sending --> sent
 *                                              \-> pending (transient, later)
 *                                              \-> failed  (5xx: permanent)
 *                                              \-> dead    (transient > 48 h)
 *
 * A message left in "sending" by a crash goes back to pending on the next
 * start: at most that one message is sent twice.  Keys are unique, so the
 * planner's INSERT ... ON CONFLICT DO NOTHING makes planning idempotent.
 */
#ifndef PODIUM_OUTBOX_H
#define PODIUM_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "podium/plan.h"
#include "podium/store.h"

enum pd_outbox_state {
	PD_OUTBOX_PENDING,
	PD_OUTBOX_SENDING,
	PD_OUTBOX_SENT,
	PD_OUTBOX_FAILED,
	PD_OUTBOX_DEAD
};

struct pd_outbox_msg {
	int64_t id;
	char *key;
	char *kind;			/* X-Podium-Kind */
	int64_t event_id;		/* 0: none */
	int64_t person_id;		/* 0: none */
	int sequence;
	char *mail_from;		/* envelope */
	char *rcpt;			/* envelope, ", "-separated */
	char *subject;			/* for listings; not re-sent */
	char *message;			/* the composed bytes */
	size_t len;
	enum pd_outbox_state state;
	int attempts;
	int64_t next_attempt;
	char *last_error;
	int64_t created;
	int64_t sent_at;
	/* Recipients the server refused while it took the message for the
	 * others, with its replies ("a@x (550 ...)"); NULL: none. */
	char *refused;
};

const char *pd_outbox_state_name(enum pd_outbox_state s);
int pd_outbox_state_parse(const char *s, enum pd_outbox_state *out);
void pd_outbox_msg_clear(struct pd_outbox_msg *m);
void pd_outbox_list_free(struct pd_outbox_msg *list, size_t n);

/*
 * Adds messages in one transaction; rows whose key exists are left as
 * they are.  *added (may be NULL) counts the new ones.
 */
int pd_store_outbox_add(struct pd_store *st, const struct pd_outbox_msg *m,
    size_t n, size_t *added);
/*
 * pd_store_outbox_add, unless someone was forgotten since mark (from
 * pd_store_erasure_mark, read before the data the mail was composed
 * from): then nothing is added and PD_EEXIST says to plan again.  mark
 * -1: no check.
 */
int pd_store_outbox_add_since(struct pd_store *st,
    const struct pd_outbox_msg *m, size_t n, int64_t mark, size_t *added);

/*
 * The facts the planner needs: key, created, sequence of every message
 * about the given events (by id).  Strings in *out point into *keys,
 * which the caller frees with free() along with *out.
 */
int pd_store_outbox_facts(struct pd_store *st, const int64_t *event_ids,
    size_t nevents, struct pd_sent **out, size_t *n, char **keys);

/*
 * Takes the oldest due pending message (next_attempt <= now) and marks it
 * sending, in one transaction.  PD_ENOTFOUND when none is due.
 */
int pd_store_outbox_take(struct pd_store *st, int64_t now,
    struct pd_outbox_msg *out);

/* Records the outcome of an attempt. */
int pd_store_outbox_sent(struct pd_store *st, int64_t id, int64_t now);
int pd_store_outbox_fail(struct pd_store *st, int64_t id,
    enum pd_outbox_state state, int64_t next_attempt, const char *error);

/*
 * Records the recipients the server refused in the attempt under way
 * (pd_smtp_refused), before its outcome is recorded.  Taking a message
 * and retrying it clear them.
 */
int pd_store_outbox_refused(struct pd_store *st, int64_t id,
    const char *refused);

/* Puts messages stuck in "sending" (a crash) back to pending. */
int pd_store_outbox_recover(struct pd_store *st, size_t *n);

/* A failed or dead message back to pending, due now. */
int pd_store_outbox_retry(struct pd_store *st, int64_t id);

/* Lists messages (without their bytes), newest first; all states if NULL. */
int pd_store_outbox_list(struct pd_store *st,
    const enum pd_outbox_state *state, struct pd_outbox_msg **out,
    size_t *n);
int pd_store_outbox_get(struct pd_store *st, int64_t id,
    struct pd_outbox_msg *out);
int pd_store_outbox_get_key(struct pd_store *st, const char *key,
    struct pd_outbox_msg *out);

/*
 * Retention (lib/store_retention.c): purges the text of sent, failed and
 * dead messages created before before; the rows keep key, kind, event,
 * person, sequence, state and times.  *n counts them.  Without a bump of
 * the revision; the -wal is checkpointed (TRUNCATE) when any went.
 */
int pd_store_outbox_purge(struct pd_store *st, int64_t before, size_t *n);
/* The created time of message id; PD_ENOTFOUND when there is none. */
int pd_store_outbox_created(struct pd_store *st, int64_t id,
    int64_t *created);

/*
 * The messages to person id (To, or Cc: email in the envelope; email may
 * be NULL), oldest first, with their bytes; for the Art. 15 export.
 * *out: pd_outbox_list_free().
 */
int pd_store_outbox_for_person(struct pd_store *st, int64_t id,
    const char *email, struct pd_outbox_msg **out, size_t *n);
/* *has = whether person id has a personal feed token. */
int pd_store_person_has_feed(struct pd_store *st, int64_t id, int *has);

/* Backlog: pending + sending messages and the oldest one's created time. */
int pd_store_outbox_backlog(struct pd_store *st, int64_t *count,
    int64_t *oldest, int64_t *waiting_retry);

/* The events the planner must look at: not over at now, or cancelled
 * within the last day; with all parts. */
int pd_store_plan_events(struct pd_store *st, int64_t now,
    struct pd_event **out, size_t *n);

/*
 * The events a planner pass must look at, with all parts: a superset of
 * those that can have mail due at now, found through indexes so that a
 * pass costs what is due, not what is stored:
 * - events changed since a pass last looked at them (new or changed
 *   attendances and talks, moved or cancelled events, people given an
 *   address; triggers keep the mark, whoever writes), not over;
 * - single events starting in (now, now + horizon] and recurring series
 *   not over that started by now + horizon (reminders; horizon: the
 *   largest reminder offset, negative for none);
 * - events with a requested talk asked at least nudge seconds ago whose
 *   intermediary was not told yet (nudges; nudge 0: none).
 * *marks (parallel to *out, free()) holds each event's change mark, for
 * pd_store_plan_done().  *out: pd_event_list_free().
 */
int pd_store_plan_candidates(struct pd_store *st, int64_t now,
    int64_t horizon, int64_t nudge, struct pd_event **out, size_t *n,
    int64_t **marks);

/*
 * Records that the planner looked at these events, after the mail it
 * planned is in the outbox: the change mark of each event whose mark is
 * still marks[i] is cleared.  An event changed since it was loaded keeps
 * its mark and is looked at again in the next pass.  Does not bump the
 * revision (feeds stay as they are).
 */
int pd_store_plan_done(struct pd_store *st, const int64_t *event_ids,
    const int64_t *marks, size_t n);

#endif
