/*
 * The store: one SQLite file (WAL, foreign keys, busy timeout) holding
 * everything of model.h.
 *
 * Every write runs in one IMMEDIATE transaction and bumps the store's
 * revision, so that readers (the daemon's feed cache) can tell that
 * something changed with one cheap query.  The CLI and the daemon may use
 * the same file at once.
 *
 * Errors: functions return PD_OK or a negative enum pd_err; the message
 * and the field to blame are kept on the handle (pd_store_error()).
 * Lookups of people take a key: an id, an e-mail address or an exact name.
 * Events take an id or a UID.
 */
#ifndef PODIUM_STORE_H
#define PODIUM_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "podium/err.h"
#include "podium/model.h"

struct pd_store;

/* The schema version this library writes; older files are migrated. */
#define PD_STORE_SCHEMA_VERSION 10

/*
 * Opens (creating if needed) and migrates the database at path.  now is
 * the clock (unix seconds) used for created/updated stamps; change it
 * with pd_store_set_now().  On failure *out is untouched and, when err is
 * given, it says why.
 */
int pd_store_open(const char *path, int64_t now, struct pd_store **out,
    struct pd_error *err);
void pd_store_close(struct pd_store *st);
void pd_store_set_now(struct pd_store *st, int64_t now);
/* The last error on this handle; never NULL. */
const struct pd_error *pd_store_error(const struct pd_store *st);
/* The schema version of the open file. */
int pd_store_schema_version(struct pd_store *st);

/* The revision: a number every write makes larger. */
int pd_store_revision(struct pd_store *st, int64_t *out);

/*
 * Who the following writes are made by, recorded where the data keeps it
 * (a talk's status_by): "speaker" (answer page), "cli", "api", "import",
 * "organizer:EMAIL" (the web pages).  Copied, cut at 95 bytes; NULL or
 * "" means "cli", the default of a fresh handle.
 */
void pd_store_set_actor(struct pd_store *st, const char *actor);

/* ---- people and organizations ---- */

/*
 * Adds a person.  p->name is required; e-mail unique when given;
 * org_code creates the organization when it is new (org_name its full
 * name).  Sets p->id and, when NULL, p->uuid.
 */
int pd_store_person_add(struct pd_store *st, struct pd_person *p);
/*
 * Writes every field of p (found by p->id).  PD_EINVAL when p is a
 * forgotten person's placeholder and would get a name, an address or an
 * organization again.
 */
int pd_store_person_update(struct pd_store *st, const struct pd_person *p);
/* Finds by id, e-mail or exact name; PD_ENOTFOUND, or PD_EINVAL when a name
 * is ambiguous.  A placeholder (PD_ERASED_NAME) is found by id only. */
int pd_store_person_find(struct pd_store *st, const char *key,
    struct pd_person *out);
int pd_store_person_get(struct pd_store *st, int64_t id,
    struct pd_person *out);
/* Everyone but the placeholders of forgotten people, who are no one. */
int pd_store_person_list(struct pd_store *st, struct pd_person **out,
    size_t *n);
/* Everyone, the placeholders too. */
int pd_store_person_list_all(struct pd_store *st, struct pd_person **out,
    size_t *n);
int pd_store_person_delete(struct pd_store *st, int64_t id);
void pd_person_list_free(struct pd_person *list, size_t n);

/* ---- events ---- */

/*
 * Adds an event with its topics, links, agenda, talks and attendances
 * (people referenced by id).  A NULL uid gets a fresh one.  tzid NULL
 * means PD_TZ_DEFAULT.  group_slug/group_name create the group when new.
 * Validates first (pd_event_validate).  Sets ev->id, uid, start_utc...
 */
int pd_store_event_add(struct pd_store *st, struct pd_event *ev);
/*
 * Loads one event with all its parts.  *out belongs to the caller
 * (pd_event_free()).
 */
int pd_store_event_get(struct pd_store *st, const char *key,
    struct pd_event **out);
void pd_event_free(struct pd_event *ev);
/*
 * Events overlapping [from, to) in unix seconds (0/INT64_MAX for open
 * ends), recurring events included when their series may overlap, ordered
 * by start.  Parts are not loaded (n* are 0).
 */
int pd_store_event_list(struct pd_store *st, int64_t from, int64_t to,
    struct pd_event **out, size_t *n);
void pd_event_list_free(struct pd_event *list, size_t n);
/* The same, only the first limit of them (a page's worth). */
int pd_store_event_list_first(struct pd_store *st, int64_t from, int64_t to,
    int limit, struct pd_event **out, size_t *n);

/* A requested talk of an event still to come (pd_store_talks_open). */
struct pd_talk_open {
	struct pd_talk talk;	/* speaker and via loaded */
	int64_t event;		/* its event's id ... */
	size_t ev;		/* ... at events[ev] */
	int64_t asked;		/* when the request was queued; 0: not yet */
	int nudges;		/* reminders queued so far */
};
struct pd_open_talks {
	struct pd_event *events;	/* without parts, by start */
	size_t nevents;
	struct pd_talk_open *talks;	/* by event start, then position */
	size_t ntalks;
};
/*
 * The talks still requested in events not over at now and not
 * cancelled: what an organizer can still chase.  Costs what it finds,
 * not the number of coming events.  out is cleared with
 * pd_open_talks_clear().
 */
int pd_store_talks_open(struct pd_store *st, int64_t now,
    struct pd_open_talks *out);
void pd_open_talks_clear(struct pd_open_talks *o);
/*
 * Moves an event; end NULL keeps the duration.  Bumps SEQUENCE when the
 * time changes.
 */
int pd_store_event_move(struct pd_store *st, int64_t id, const char *start,
    const char *end);
/* Sets STATUS:CANCELLED and bumps SEQUENCE (no-op when cancelled). */
int pd_store_event_cancel(struct pd_store *st, int64_t id);
/*
 * Whether the event's (or the group's, by slug) attendance is public:
 * public and personal feeds then name its participants, not only its
 * speakers and chairs.  PD_ENOTFOUND when there is no such event or
 * group.
 */
int pd_store_event_set_public_attendance(struct pd_store *st, int64_t id,
    int on);
int pd_store_group_set_public_attendance(struct pd_store *st,
    const char *slug, int on);
/*
 * Rewrites the event's own fields, topics and links from ev, found by
 * ev->id (agenda, talks and attendances stay); SEQUENCE goes up when
 * time, place or status changed.  Load ev with pd_store_event_get so that
 * topics and links you do not mean to change are kept.
 */
int pd_store_event_update(struct pd_store *st, const struct pd_event *ev);
int pd_store_event_delete(struct pd_store *st, int64_t id);

/* ---- parts of events ---- */

int pd_store_agenda_add(struct pd_store *st, int64_t event_id,
    struct pd_agenda_item *it);
int pd_store_agenda_delete(struct pd_store *st, int64_t item_id);

/* Adds a talk: speaker.id required, via.id 0 for none; sets t->id, uid. */
int pd_store_talk_add(struct pd_store *st, int64_t event_id,
    struct pd_talk *t);
/* Loads a talk; *event_id (may be NULL) gets its event. */
int pd_store_talk_get(struct pd_store *st, int64_t talk_id,
    struct pd_talk *out, int64_t *event_id);
int pd_store_talk_set_status(struct pd_store *st, int64_t talk_id,
    enum pd_talk_status status);
int pd_store_talk_delete(struct pd_store *st, int64_t talk_id);

/*
 * Adds or changes the attendance of a person at an event (one per pair).
 * delegate is required with PD_PART_DELEGATED and dropped otherwise.
 * Sets *id (may be NULL).
 */
int pd_store_attend(struct pd_store *st, int64_t event_id, int64_t person_id,
    enum pd_role role, enum pd_partstat status, const char *delegate,
    int64_t *id);
int pd_store_attendance_delete(struct pd_store *st, int64_t attendance_id);

/* ---- groups and topics ---- */

/* Groups with their members, ordered by name. */
int pd_store_group_list(struct pd_store *st, struct pd_group **out,
    size_t *n);
void pd_group_list_free(struct pd_group *list, size_t n);
/* Adds person to the group (created when new) with role, or changes it. */
int pd_store_group_member_set(struct pd_store *st, const char *group_name,
    int64_t person_id, enum pd_group_role role);
int pd_store_topic_list(struct pd_store *st, struct pd_topic **out,
    size_t *n);
void pd_topic_list_free(struct pd_topic *list, size_t n);

/* ---- feeds and import ---- */

enum pd_filter_kind {
	PD_FILTER_ALL,
	PD_FILTER_GROUP,	/* value: group slug */
	PD_FILTER_TOPIC,	/* value: topic slug */
	PD_FILTER_PERSON	/* person_id: attending or speaking */
};

struct pd_filter {
	enum pd_filter_kind kind;
	const char *value;
	int64_t person_id;
};

/*
 * Loads every event the filter selects, with all parts, and the groups
 * they belong to (with members), ready for pd_ical_render.  PD_ENOTFOUND
 * when the group or topic does not exist.  *out: pd_calendar_free().
 */
int pd_store_calendar(struct pd_store *st, const struct pd_filter *f,
    struct pd_calendar **out);
/*
 * The same without the events whose series ended before since (unix
 * seconds; a series counts by its last occurrence; 0: none left out), for
 * feeds with a history window ([feeds] history).
 */
int pd_store_calendar_since(struct pd_store *st, const struct pd_filter *f,
    int64_t since, struct pd_calendar **out);

/*
 * For a feed kept in pieces (feed_pieces.c).  pd_store_feed_index gives
 * the calendar of f as pd_store_calendar_since would, but without events,
 * and
 * the events' ids and render marks in the calendar's order (*rows: the
 * caller frees).  An event's render mark moves with every write that
 * changes what its VEVENT shows (its row, parts, people, group, topics;
 * kept by triggers), so a rendering made at mark m is still right while
 * the mark is m.  pd_store_events_by_id loads those events with all
 * their parts (in calendar order), pd_store_people_by_id people as events
 * carry them; unknown ids are left out.
 */
struct pd_feed_row {
	int64_t id;
	int64_t mark;
};
int pd_store_feed_index(struct pd_store *st, const struct pd_filter *f,
    int64_t since, struct pd_calendar **cal, struct pd_feed_row **rows,
    size_t *n);
int pd_store_events_by_id(struct pd_store *st, const int64_t *ids, size_t n,
    struct pd_event **out, size_t *nout);
/* The same for the events whose ids are lo..hi (some may not exist). */
int pd_store_events_in_range(struct pd_store *st, int64_t lo, int64_t hi,
    struct pd_event **out, size_t *nout);
int pd_store_people_by_id(struct pd_store *st, const int64_t *ids, size_t n,
    struct pd_person **out, size_t *nout);
/*
 * The same loads for a reader that only reads the events and then drops
 * them all (an export's batches): the attendances' people are not copies
 * but share the strings of b->people, once per person instead of once per
 * attendance.  Free with pd_event_batch_free only, never pd_event_clear.
 */
struct pd_event_batch {
	struct pd_event *ev;
	size_t n;
	struct pd_person *people;	/* owns what attendances point to */
	size_t npeople;
};
int pd_store_batch_by_id(struct pd_store *st, const int64_t *ids, size_t n,
    struct pd_event_batch *out);
int pd_store_batch_in_range(struct pd_store *st, int64_t lo, int64_t hi,
    struct pd_event_batch *out);
void pd_event_batch_free(struct pd_event_batch *b);
/*
 * One read snapshot around several of the loads above (they nest in it),
 * e.g. an index and the batches of events it names.  Not inside a write.
 */
int pd_store_snapshot_begin(struct pd_store *st);
void pd_store_snapshot_end(struct pd_store *st);

struct pd_import_stats {
	size_t created;
	size_t updated;
	size_t people_created;
	/*
	 * Forgotten people the file still names (by old uuid or address,
	 * the erasure journal): not brought back; a speaker of theirs is
	 * the placeholder, anything else of theirs left out.
	 */
	size_t people_suppressed;
};

/*
 * Applies a parsed calendar in one transaction: events by UID are created
 * or replaced (their parts too), people resolved by uuid, e-mail, then
 * exact name, created when new; group members set.  SEQUENCE follows the
 * file's when it is higher, else goes up by one if time, place or status
 * changed.  Any error rolls everything back.
 */
int pd_store_import(struct pd_store *st, const struct pd_calendar *cal,
    struct pd_import_stats *stats);

/*
 * pd_store_import, calling progress (when not NULL) after each event is
 * written with the count done and the total, inside the transaction: it
 * must not use the store.  For a progress bar; the commit after the last
 * call may still take a moment, and may still fail.
 */
typedef void (*pd_import_progress_fn)(void *ctx, size_t done, size_t total);
int pd_store_import_progress(struct pd_store *st,
    const struct pd_calendar *cal, struct pd_import_stats *stats,
    pd_import_progress_fn progress, void *ctx);

/*
 * The same in pieces, for a file read a chunk at a time
 * (pd_ical_parse_stream): begin opens one write transaction, add applies
 * one parsed chunk (progress as above, counting that chunk's events),
 * end commits when rc is PD_OK and rolls back otherwise, frees im, fills
 * *stats on success and returns the result.  After a failed add, call
 * end with its error: nothing of any chunk stays.
 */
struct pd_import;
int pd_store_import_begin(struct pd_store *st, struct pd_import **out);
int pd_store_import_add(struct pd_import *im, const struct pd_calendar *cal,
    pd_import_progress_fn progress, void *ctx);
int pd_store_import_end(struct pd_import *im, int rc,
    struct pd_import_stats *stats);

/*
 * Personal feed tokens: the store keeps only a hash.  set replaces the
 * person's hash (revoking the old token); find maps a hash to a person.
 */
int pd_store_feed_token_set(struct pd_store *st, int64_t person_id,
    const char *hash_hex);
int pd_store_feed_token_find(struct pd_store *st, const char *hash_hex,
    int64_t *person_id);

/* ---- what the CLI and the daemon share (store_setting.c) ---- */

/*
 * The answer-link key and the base URL live in the database, so that a
 * link the CLI prints for a database is one the daemon serving it opens.
 */
enum pd_key_source {
	PD_KEY_STORED,		/* the database had it */
	PD_KEY_CREATED,		/* made now, 32 bytes from getrandom() */
	PD_KEY_ADOPTED,		/* taken from a key file into the database */
	PD_KEY_REPLACED		/* a key file's key replaced another one */
};

/*
 * The answer-link key (PD_ANSWER_KEY_LEN bytes into key).  PD_ENOTFOUND,
 * with a message saying who makes it, when the database has none yet:
 * the CLI never makes one of its own.
 */
int pd_store_answer_key(struct pd_store *st, unsigned char *key);

/*
 * Makes sure the database has an answer-link key and returns it: adopt
 * (PD_ANSWER_KEY_LEN bytes, an existing [secrets] key_file's) when given,
 * else the stored key, else a fresh one.  *source (may be NULL) says
 * which.  One write transaction: processes racing agree on one key.
 */
int pd_store_answer_key_setup(struct pd_store *st,
    const unsigned char *adopt, unsigned char *key,
    enum pd_key_source *source);

/*
 * The base URL podiumd serves (recorded at its start, without a trailing
 * '/'); *out is the caller's.  PD_ENOTFOUND when no podiumd recorded one.
 */
int pd_store_base_url(struct pd_store *st, char **out);
int pd_store_base_url_set(struct pd_store *st, const char *url);

/* ---- erasure (Art. 17 GDPR; lib/store_forget.c) ---- */

/* The placeholder a forgotten person's row is left as. */
#define PD_ERASED_NAME "gelöschte Person"

/* What a forget changed (or, dry, would change). */
struct pd_forget_report {
	int64_t person_id;
	size_t attendances;	/* deleted */
	size_t memberships;	/* deleted */
	size_t talks;		/* kept, speaker now the placeholder */
	size_t withdrawn;	/* requested talks of theirs, now withdrawn */
	size_t via;		/* talks requested through them */
	size_t organized;	/* events they organize */
	size_t scrubbed;	/* outbox rows to, Cc or about them: text gone */
	size_t dropped;		/* pending rows deleted, to be planned anew */
	int feed_token;		/* they had a personal feed */
	/* Outbox rows whose spool file (ID-KIND.eml) must go. */
	int64_t *msg_ids;
	char **msg_kinds;
	size_t nmsgs;
	/* Free text elsewhere naming them ("event 3 description"). */
	char **mentions;
	size_t nmentions;
	int checkpointed;	/* the -wal was emptied (TRUNCATE) */
};

void pd_forget_report_clear(struct pd_forget_report *r);

/*
 * Forgets person id for real, in one transaction: attendances,
 * memberships and the feed token go; the row stays as an anonymous
 * placeholder (PD_ERASED_NAME, no address, a fresh uuid) that keeps
 * their talks, requested ones withdrawn; outbox rows to, Cc or about
 * them keep only key, kind, event, sequence, state and times (pending
 * ones are deleted, so that the planner composes them again without
 * them); the journal gets their old uuid, an HMAC of their address (key
 * of keylen bytes; NULL: none) and the time.  Afterwards the WAL is
 * checkpointed in TRUNCATE mode (secure_delete is on for every handle).
 * dry_run changes nothing and reports what would change.  Deleting the
 * spool files in r->msg_ids and re-rendering feeds is the caller's part.
 * PD_ENOTFOUND for no such person, PD_EINVAL for one already erased.
 */
int pd_store_person_forget(struct pd_store *st, int64_t id,
    const unsigned char *key, size_t keylen, int dry_run,
    struct pd_forget_report *r);

/* How far the erasure journal goes: grows with every erasure. */
int pd_store_erasure_mark(struct pd_store *st, int64_t *mark);

/* *erased = whether person id is a forgotten person's placeholder. */
int pd_store_person_erased(struct pd_store *st, int64_t id, int *erased);

/*
 * Applies every erasure of the journal again: each live person whose
 * uuid, or whose address's HMAC (key NULL: uuid only), is in the
 * journal is forgotten.  *n counts them.  For restores.
 */
int pd_store_erasures_apply(struct pd_store *st, const unsigned char *key,
    size_t keylen, size_t *n);

/* ---- backups and upgrades ---- */

/*
 * Upgrades: a file made by an older podium is migrated when it is opened
 * (pd_store_open, `podium init`): the missing migrations run in one
 * transaction, so a file is at its old version or at the new one, never
 * in between.  A file of a newer schema version is refused (PD_EDB), not
 * touched.  Versions: 1 the data of model.h, 2 the mail outbox, 3 the
 * planner's change marks (event.plan_dirty, talk.asked_at) and indexes,
 * 4 nudge spacing, the settings table (answer key, base URL) and
 * outbox.refused, 5 erasure (person.erased, the erasure journal), 6 the
 * calendar replies and the IMAP poller's state (reply.h), 7 public
 * attendance (event.public_attendance, grp.public_attendance), 8 the
 * organizers' web accounts, sessions, throttling, setup links and
 * talk.status_by, 9 the render marks of the feed pieces, 10 an index of
 * the talks still requested.
 * tests/data/schema-v1.db is a file of version 1, checked in so that the
 * whole way up stays tested.
 */

/*
 * Writes a consistent copy of the open database to path, while other
 * handles and processes (podiumd) go on reading and writing: the copy is
 * the state at the moment it started (VACUUM INTO, in one read
 * transaction: only live rows, nothing erased in free pages).  The copy
 * is one self-contained file (rollback
 * journal, no -wal beside it), passes integrity_check, and replaces path
 * atomically (path.tmp, fsync, rename): path is a whole backup or
 * untouched.  PD_EINVAL when path is the database itself, PD_EIO when it
 * cannot be written, PD_EDB when the database stays locked.
 */
int pd_store_backup(struct pd_store *st, const char *path);

/*
 * Replaces the contents of the database at path (created when missing)
 * with the backup at backup:
 * - the backup is checked first and the database left alone unless it
 *   is an SQLite file that passes integrity_check, holds podium's tables
 *   and has a schema version from 1 up to PD_STORE_SCHEMA_VERSION
 *   (PD_EINVAL naming the file otherwise; PD_ENOTFOUND when missing);
 * - an older backup is migrated on a temporary copy (path.restore-tmp),
 *   never on the database;
 * - the copy goes in with the backup API in one write transaction: a
 *   process that has the database open (podiumd) sees the old contents or
 *   the restored ones, never a mix, and keeps working on the same file;
 * - everything is replaced, the outbox and feed tokens included: mail
 *   planned after the backup was taken is forgotten, and podiumd plans
 *   again what the restored state still calls for (so mail sent between
 *   backup and restore may go out once more);
 * - the revision ends above what the database and the backup had, so
 *   feed caches render again.
 * now is the clock for the stores opened on the way.
 */
int pd_store_restore(const char *backup, const char *path, int64_t now,
    struct pd_error *err);

/*
 * pd_store_restore that also carries the erasure journal of the
 * database into the restored state and applies it there, before the
 * copy goes in (pd_store_erasures_apply on the temporary copy), so that
 * nobody forgotten after the backup was taken comes back, not even for
 * a moment.  *reapplied (may be NULL) counts the people erased again.
 */
int pd_store_restore_erasing(const char *backup, const char *path,
    int64_t now, const unsigned char *key, size_t keylen,
    size_t *reapplied, struct pd_error *err);

#endif
