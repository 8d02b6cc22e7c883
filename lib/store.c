/*
 * The store's core: opening the SQLite file, the schema and its
 * migrations, write transactions, the revision counter, the statement
 * cache and the mapping of SQLite errors to podium's.
 *
 * Concurrency: the CLI and the daemon open the same file.  WAL lets
 * readers run beside one writer; every write takes the write lock up
 * front (BEGIN IMMEDIATE) so that a transaction never has to upgrade a
 * read lock half-way, which is where "database is locked" comes from.
 * The busy timeout makes a second writer wait; BEGIN is retried a few
 * times on top of that, so only a writer stuck for many seconds fails.
 *
 * Not here: the queries for people (store_person.c), events and their
 * parts (store_event.c), import (store_import.c) and tokens
 * (store_token.c).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "podium/buf.h"
#include "podium/store.h"
#include "store_int.h"

#define BUSY_TIMEOUT_MS 5000
#define BEGIN_RETRIES 10

/*
 * Migration 1: everything.  Enums are stored as the spec's spellings,
 * checked by CHECK constraints, so that the file reads well in sqlite3.
 * Every foreign key column has an index, because SQLite looks children
 * up on each parent delete and would otherwise scan the table.
 */
static const char MIGRATION_1[] =
    "CREATE TABLE meta ("
    "  k TEXT PRIMARY KEY,"
    "  v INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    /*
     * revision: bumped by every write.  max_duration: the longest
     * non-recurring event ever stored (never shrinks), so that a range
     * query can bound start_utc from both sides and use its index.
     */
    "INSERT INTO meta (k, v) VALUES ('revision', 0), ('max_duration', 0);"

    "CREATE TABLE org ("
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE CHECK (code <> ''),"
    "  name TEXT"
    ");"

    "CREATE TABLE person ("
    "  id INTEGER PRIMARY KEY,"
    "  uuid TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL CHECK (name <> ''),"
    "  email TEXT UNIQUE COLLATE NOCASE,"
    "  org_id INTEGER REFERENCES org (id) ON DELETE SET NULL,"
    "  lang TEXT NOT NULL DEFAULT 'de' CHECK (lang IN ('de', 'en')),"
    "  feed_token_hash TEXT UNIQUE,"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL"
    ");"
    "CREATE INDEX person_name ON person (name);"
    "CREATE INDEX person_org ON person (org_id);"

    "CREATE TABLE grp ("
    "  id INTEGER PRIMARY KEY,"
    "  slug TEXT NOT NULL UNIQUE CHECK (slug <> ''),"
    "  name TEXT NOT NULL,"
    "  updated INTEGER NOT NULL"
    ");"

    "CREATE TABLE group_member ("
    "  id INTEGER PRIMARY KEY,"
    "  group_id INTEGER NOT NULL REFERENCES grp (id) ON DELETE CASCADE,"
    "  person_id INTEGER NOT NULL REFERENCES person (id) ON DELETE CASCADE,"
    "  role TEXT NOT NULL"
    "    CHECK (role IN ('moderator', 'spokesperson', 'member')),"
    "  updated INTEGER NOT NULL,"
    "  UNIQUE (group_id, person_id)"
    ");"
    "CREATE INDEX group_member_person ON group_member (person_id);"

    "CREATE TABLE topic ("
    "  id INTEGER PRIMARY KEY,"
    "  slug TEXT NOT NULL UNIQUE CHECK (slug <> ''),"
    "  name TEXT NOT NULL"
    ");"

    /*
     * start/end are the wall-clock text of model.h; start_utc/end_utc
     * the first occurrence; series_end_utc the end of the last
     * occurrence (INT64_MAX for an endless RRULE), which range queries
     * use for recurring events.
     */
    "CREATE TABLE event ("
    "  id INTEGER PRIMARY KEY,"
    "  uid TEXT NOT NULL UNIQUE CHECK (uid <> ''),"
    "  title TEXT NOT NULL,"
    "  description TEXT,"
    "  location TEXT,"
    "  url TEXT,"
    "  tzid TEXT NOT NULL,"
    "  all_day INTEGER NOT NULL DEFAULT 0 CHECK (all_day IN (0, 1)),"
    "  start TEXT NOT NULL,"
    "  \"end\" TEXT NOT NULL,"
    "  start_utc INTEGER NOT NULL,"
    "  end_utc INTEGER NOT NULL CHECK (end_utc >= start_utc),"
    "  series_end_utc INTEGER NOT NULL,"
    "  status TEXT NOT NULL DEFAULT 'confirmed'"
    "    CHECK (status IN ('tentative', 'confirmed', 'cancelled')),"
    "  sequence INTEGER NOT NULL DEFAULT 0 CHECK (sequence >= 0),"
    "  rrule TEXT,"
    "  group_id INTEGER REFERENCES grp (id) ON DELETE SET NULL,"
    "  organizer_id INTEGER REFERENCES person (id) ON DELETE SET NULL,"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL"
    ");"
    "CREATE INDEX event_start ON event (start_utc);"
    "CREATE INDEX event_end ON event (end_utc);"
    "CREATE INDEX event_recurring ON event (start_utc)"
    "  WHERE rrule IS NOT NULL;"
    "CREATE INDEX event_group ON event (group_id);"
    "CREATE INDEX event_organizer ON event (organizer_id);"

    "CREATE TABLE event_topic ("
    "  event_id INTEGER NOT NULL REFERENCES event (id) ON DELETE CASCADE,"
    "  topic_id INTEGER NOT NULL REFERENCES topic (id) ON DELETE CASCADE,"
    "  pos INTEGER NOT NULL,"
    "  PRIMARY KEY (event_id, topic_id)"
    ") WITHOUT ROWID;"
    "CREATE INDEX event_topic_topic ON event_topic (topic_id);"

    "CREATE TABLE event_link ("
    "  id INTEGER PRIMARY KEY,"
    "  event_id INTEGER NOT NULL REFERENCES event (id) ON DELETE CASCADE,"
    "  pos INTEGER NOT NULL,"
    "  url TEXT NOT NULL"
    ");"
    "CREATE INDEX event_link_event ON event_link (event_id, pos);"

    "CREATE TABLE agenda_item ("
    "  id INTEGER PRIMARY KEY,"
    "  event_id INTEGER NOT NULL REFERENCES event (id) ON DELETE CASCADE,"
    "  pos INTEGER NOT NULL,"
    "  label TEXT NOT NULL DEFAULT '',"
    "  title TEXT NOT NULL,"
    "  \"from\" TEXT NOT NULL,"
    "  \"to\" TEXT NOT NULL"
    ");"
    "CREATE INDEX agenda_item_event ON agenda_item (event_id, pos);"

    /*
     * A speaker cannot be deleted while they have talks (RESTRICT): a
     * talk without a speaker means nothing; the store says so first.
     */
    "CREATE TABLE talk ("
    "  id INTEGER PRIMARY KEY,"
    "  uid TEXT NOT NULL UNIQUE CHECK (uid <> ''),"
    "  event_id INTEGER NOT NULL REFERENCES event (id) ON DELETE CASCADE,"
    "  pos INTEGER NOT NULL,"
    "  title TEXT NOT NULL,"
    "  speaker_id INTEGER NOT NULL"
    "    REFERENCES person (id) ON DELETE RESTRICT,"
    "  status TEXT NOT NULL CHECK (status IN"
    "    ('requested', 'confirmed', 'declined', 'withdrawn')),"
    "  via_id INTEGER REFERENCES person (id) ON DELETE SET NULL,"
    "  alternative_to INTEGER REFERENCES talk (id) ON DELETE SET NULL,"
    "  start TEXT,"
    "  \"end\" TEXT,"
    "  updated INTEGER NOT NULL"
    ");"
    "CREATE INDEX talk_event ON talk (event_id, pos);"
    "CREATE INDEX talk_speaker ON talk (speaker_id);"
    "CREATE INDEX talk_via ON talk (via_id);"
    "CREATE INDEX talk_alternative ON talk (alternative_to);"

    "CREATE TABLE attendance ("
    "  id INTEGER PRIMARY KEY,"
    "  event_id INTEGER NOT NULL REFERENCES event (id) ON DELETE CASCADE,"
    "  person_id INTEGER NOT NULL REFERENCES person (id) ON DELETE CASCADE,"
    "  role TEXT NOT NULL"
    "    CHECK (role IN ('chair', 'speaker', 'participant', 'optional')),"
    "  status TEXT NOT NULL CHECK (status IN"
    "    ('needs-action', 'accepted', 'declined', 'tentative', 'delegated')),"
    "  delegate TEXT CHECK ((status = 'delegated') = (delegate IS NOT NULL)),"
    "  updated INTEGER NOT NULL,"
    "  UNIQUE (event_id, person_id)"
    ");"
    "CREATE INDEX attendance_person ON attendance (person_id);";

/*
 * Migration 2: the mail outbox.  message holds the composed bytes, so a
 * retry sends exactly what was planned.  The planner asks for an event's
 * keys (outbox_event), the dispatcher for the next due message
 * (outbox_due); the series-end index lets the planner load only events
 * that are not over.
 */
static const char MIGRATION_2[] =
    "CREATE TABLE outbox ("
    "  id INTEGER PRIMARY KEY,"
    "  key TEXT NOT NULL UNIQUE,"
    "  kind TEXT NOT NULL,"
    "  event_id INTEGER REFERENCES event (id) ON DELETE SET NULL,"
    "  person_id INTEGER REFERENCES person (id) ON DELETE SET NULL,"
    "  sequence INTEGER NOT NULL DEFAULT 0,"
    "  mail_from TEXT NOT NULL,"
    "  rcpt TEXT NOT NULL,"
    "  subject TEXT NOT NULL DEFAULT '',"
    "  message BLOB NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent',"
    "    'failed', 'dead')),"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt INTEGER NOT NULL,"
    "  last_error TEXT,"
    "  created INTEGER NOT NULL,"
    "  sent_at INTEGER"
    ");"
    "CREATE INDEX outbox_due ON outbox (state, next_attempt);"
    "CREATE INDEX outbox_event ON outbox (event_id);"
    "CREATE INDEX outbox_person ON outbox (person_id);"
    "CREATE INDEX event_series_end ON event (series_end_utc);";

/*
 * Migration 3: planning that costs what is due, not what is stored.
 *
 * The planner (sched.c) used to load every event that is not over, with
 * all its parts, on every pass.  Mail becomes due in two ways: by a
 * change of state (an attendance or a talk added or changed, an event
 * moved or cancelled, a person given an address) or by the clock
 * (reminders, nudges).  The store now finds both kinds through indexes:
 *
 * - event.plan_dirty counts changes the planner has not looked at yet.
 *   Triggers bump it on every change that can make mail due, whoever
 *   writes (CLI, API, import, another process); the scheduler clears it,
 *   only if unchanged, after the planned mail is in the outbox
 *   (pd_store_plan_done), so a change made during a pass is looked at in
 *   the next one.  Existing rows start dirty: the first pass after the
 *   upgrade looks at everything once.
 * - talk.asked_at is the time the speaker request went out, kept by
 *   triggers on the outbox from the request until the intermediary was
 *   told (nudge-via), i.e. while nudges may still be due.
 * - recurring series that are not over are found by their series end.
 */
static const char MIGRATION_3[] =
    "ALTER TABLE event ADD COLUMN plan_dirty INTEGER NOT NULL DEFAULT 1;"
    "ALTER TABLE talk ADD COLUMN asked_at INTEGER;"
    "UPDATE talk SET asked_at = (SELECT o.created FROM outbox o"
    "  WHERE o.key = 'speaker-request/' || talk.uid)"
    "  WHERE NOT EXISTS (SELECT 1 FROM outbox o"
    "  WHERE o.key = 'nudge-via/' || talk.uid);"
    "CREATE INDEX event_plan_dirty ON event (series_end_utc)"
    "  WHERE plan_dirty <> 0;"
    "CREATE INDEX event_recurring_end ON event (series_end_utc)"
    "  WHERE rrule IS NOT NULL;"
    "CREATE INDEX talk_asked ON talk (asked_at)"
    "  WHERE asked_at IS NOT NULL AND status = 'requested';"
    /* What attendees are told about: time, place, status, sequence. */
    "CREATE TRIGGER event_plan AFTER UPDATE OF start, \"end\", tzid,"
    "  all_day, start_utc, end_utc, series_end_utc, status, sequence,"
    "  rrule, organizer_id, location ON event BEGIN"
    "  UPDATE event SET plan_dirty = plan_dirty + 1 WHERE id = new.id;"
    "END;"
    "CREATE TRIGGER attendance_plan_add AFTER INSERT ON attendance BEGIN"
    "  UPDATE event SET plan_dirty = plan_dirty + 1"
    "  WHERE id = new.event_id;"
    "END;"
    "CREATE TRIGGER attendance_plan_change AFTER UPDATE ON attendance BEGIN"
    "  UPDATE event SET plan_dirty = plan_dirty + 1"
    "  WHERE id IN (old.event_id, new.event_id);"
    "END;"
    /* A talk made again under a uid that was asked already goes on. */
    "CREATE TRIGGER talk_plan_add AFTER INSERT ON talk BEGIN"
    "  UPDATE talk SET asked_at = (SELECT o.created FROM outbox o"
    "    WHERE o.key = 'speaker-request/' || new.uid)"
    "  WHERE id = new.id AND EXISTS (SELECT 1 FROM outbox o"
    "    WHERE o.key = 'speaker-request/' || new.uid)"
    "  AND NOT EXISTS (SELECT 1 FROM outbox o"
    "    WHERE o.key = 'nudge-via/' || new.uid);"
    "  UPDATE event SET plan_dirty = plan_dirty + 1"
    "  WHERE id = new.event_id;"
    "END;"
    "CREATE TRIGGER talk_plan_change AFTER UPDATE OF status, speaker_id,"
    "  via_id, event_id ON talk BEGIN"
    "  UPDATE event SET plan_dirty = plan_dirty + 1"
    "  WHERE id IN (old.event_id, new.event_id);"
    "END;"
    /* Mail skipped for want of an address is due once there is one. */
    "CREATE TRIGGER person_plan AFTER UPDATE OF email ON person"
    "  WHEN old.email IS NOT new.email BEGIN"
    "  UPDATE event SET plan_dirty = plan_dirty + 1"
    "  WHERE id IN (SELECT event_id FROM attendance"
    "  WHERE person_id = new.id);"
    "  UPDATE event SET plan_dirty = plan_dirty + 1"
    "  WHERE id IN (SELECT event_id FROM talk WHERE speaker_id = new.id"
    "  UNION SELECT event_id FROM talk WHERE via_id = new.id);"
    "  UPDATE event SET plan_dirty = plan_dirty + 1"
    "  WHERE organizer_id = new.id;"
    "END;"
    "CREATE TRIGGER outbox_asked AFTER INSERT ON outbox"
    "  WHEN substr(new.key, 1, 16) = 'speaker-request/' BEGIN"
    "  UPDATE talk SET asked_at = new.created"
    "  WHERE uid = substr(new.key, 17) AND NOT EXISTS (SELECT 1"
    "  FROM outbox o WHERE o.key = 'nudge-via/' || substr(new.key, 17));"
    "END;"
    "CREATE TRIGGER outbox_asked_done AFTER INSERT ON outbox"
    "  WHEN substr(new.key, 1, 10) = 'nudge-via/' BEGIN"
    "  UPDATE talk SET asked_at = NULL WHERE uid = substr(new.key, 11);"
    "END;";

/*
 * Migration 4 (issue 8): what users met on a first real run.
 *
 * - talk.asked_at becomes the time of the last mail that asked the
 *   speaker (the request, then each nudge), so that the next nudge is
 *   due `nudge` after it and the candidate query (asked_at <= now -
 *   nudge) finds a talk only when its next mail is due.
 * - (below) outbox.refused, the setting table.
 */
static const char MIGRATION_ISSUE8_NUDGES_LINKS_REFUSED[] =
    "UPDATE talk SET asked_at = (SELECT max(o.created) FROM outbox o"
    "  WHERE o.key IN ('speaker-request/' || talk.uid,"
    "  'nudge/' || talk.uid || '/1', 'nudge/' || talk.uid || '/2'))"
    "  WHERE asked_at IS NOT NULL;"
    "CREATE TRIGGER outbox_nudged AFTER INSERT ON outbox"
    "  WHEN substr(new.key, 1, 6) = 'nudge/' BEGIN"
    "  UPDATE talk SET asked_at = new.created"
    "  WHERE uid = substr(new.key, 7, length(new.key) - 8)"
    "  AND asked_at IS NOT NULL;"
    "END;"
    "DROP TRIGGER talk_plan_add;"
    "CREATE TRIGGER talk_plan_add AFTER INSERT ON talk BEGIN"
    "  UPDATE talk SET asked_at = (SELECT max(o.created) FROM outbox o"
    "    WHERE o.key IN ('speaker-request/' || new.uid,"
    "    'nudge/' || new.uid || '/1', 'nudge/' || new.uid || '/2'))"
    "  WHERE id = new.id AND EXISTS (SELECT 1 FROM outbox o"
    "    WHERE o.key = 'speaker-request/' || new.uid)"
    "  AND NOT EXISTS (SELECT 1 FROM outbox o"
    "    WHERE o.key = 'nudge-via/' || new.uid);"
    "  UPDATE event SET plan_dirty = plan_dirty + 1"
    "  WHERE id = new.event_id;"
    "END;"
    /*
     * - outbox.refused: the recipients the server refused while it took
     *   the message for the others (pd_smtp_refused), with its replies.
     */
    "ALTER TABLE outbox ADD COLUMN refused TEXT;"
    /*
     * - setting: what the CLI and the daemon must agree on for this
     *   database (store_setting.c): the answer-link key, the base URL.
     */
    "CREATE TABLE setting ("
    "  k TEXT PRIMARY KEY,"
    "  v BLOB NOT NULL"
    ") WITHOUT ROWID;";

/*
 * Migration 5: erasure (store_forget.c): a forgotten person's row stays as an
 * anonymous tombstone (erased = 1: placeholder name, no address, a fresh
 * uuid), so that talks keep a speaker and the row id, which the outbox
 * keys carry, is never handed to someone new.  The journal keeps what a
 * restore needs to erase the person again, and nothing else: their old
 * uuid, an HMAC of their address and the time.
 */
static const char MIGRATION_ERASURE[] =
    "ALTER TABLE person ADD COLUMN erased INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE erasure ("
    "  id INTEGER PRIMARY KEY,"
    "  uuid TEXT NOT NULL UNIQUE,"
    "  email_hmac TEXT,"
    "  erased_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX erasure_hmac ON erasure (email_hmac);"
    /* Retention finds the messages whose text is still there. */
    "CREATE INDEX outbox_text ON outbox (created) WHERE rcpt <> '';";

/*
 * Migration 6: calendar replies (reply.h): every message the intake looked at, by
 * Message-ID (what makes it idempotent), with what became of it; the
 * organizer's list is the rows with outcome 'listed'.  imap_state is the
 * IMAP poller's place in each mailbox.
 */
static const char MIGRATION_CALENDAR_REPLIES[] =
    "CREATE TABLE reply ("
    "  id INTEGER PRIMARY KEY,"
    "  message_id TEXT NOT NULL UNIQUE,"
    "  received INTEGER NOT NULL,"
    "  event_id INTEGER REFERENCES event (id) ON DELETE CASCADE,"
    "  person_id INTEGER REFERENCES person (id) ON DELETE CASCADE,"
    "  sender TEXT,"
    "  attendee TEXT,"
    "  partstat TEXT,"
    "  delegated_to TEXT,"
    "  sequence INTEGER,"
    "  dtstamp INTEGER,"
    "  outcome TEXT NOT NULL CHECK (outcome IN ('applied', 'ignored',"
    "    'listed')),"
    "  reason TEXT NOT NULL"
    ");"
    "CREATE INDEX reply_invitation ON reply (event_id, person_id, outcome);"
    "CREATE INDEX reply_person ON reply (person_id);"
    "CREATE INDEX reply_outcome ON reply (outcome, received);"
    "CREATE TABLE imap_state ("
    "  url TEXT PRIMARY KEY,"
    "  uidvalidity INTEGER NOT NULL,"
    "  last_uid INTEGER NOT NULL"
    ") WITHOUT ROWID;";

/*
 * Migration 7: who attends an event is not published unless its organizer says so,
 * for the event or for its whole group (GDPR Art. 25(2): not accessible
 * to an indefinite number of people by default).  Speakers and chairs
 * are public roles and do not depend on it.
 */
static const char MIGRATION_PUBLIC_ATTENDANCE[] =
    "ALTER TABLE event ADD COLUMN public_attendance INTEGER NOT NULL"
    "  DEFAULT 0 CHECK (public_attendance IN (0, 1));"
    "ALTER TABLE grp ADD COLUMN public_attendance INTEGER NOT NULL"
    "  DEFAULT 0 CHECK (public_attendance IN (0, 1));";

/*
 * Migration 8: the organizers' web accounts (Argon2id hashes from
 * libsodium, never the password), their sessions (only a hash of the
 * cookie's id is kept, so a copy of the file logs nobody in), failed
 * logins for throttling, one-time setup links, and who last set a
 * talk's status ("speaker", "cli", "api", "import", "organizer:EMAIL").
 */
static const char MIGRATION_WEB_ACCOUNTS[] =
    "CREATE TABLE web_account ("
    "  id INTEGER PRIMARY KEY,"
    "  email TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (email <> ''),"
    "  name TEXT,"
    "  lang TEXT NOT NULL DEFAULT 'de' CHECK (lang IN ('de', 'en')),"
    "  pwhash TEXT NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL"
    ");"
    "CREATE TABLE web_session ("
    "  id_hash TEXT PRIMARY KEY,"
    "  account_id INTEGER NOT NULL"
    "    REFERENCES web_account (id) ON DELETE CASCADE,"
    "  csrf TEXT NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  seen INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE INDEX web_session_account ON web_session (account_id);"
    "CREATE TABLE web_throttle ("
    "  k TEXT PRIMARY KEY,"
    "  failures INTEGER NOT NULL,"
    "  last INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE TABLE web_setup ("
    "  hash TEXT PRIMARY KEY,"
    "  expires INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "ALTER TABLE talk ADD COLUMN status_by TEXT;";

/*
 * Migration 9: render marks, for feeds kept as pieces (feed_pieces.c).
 *
 * event.render_mark is set, by triggers, to the revision that a write
 * commits as (meta's revision + 1; pd_st_commit adds the 1) by every
 * write that changes what the event's VEVENT shows: its own row, its
 * talks, attendances, agenda, links and topics, the people it names
 * (name, address, uuid, organization), the organization of a speaker,
 * the name of its group or of a topic; and when the event is made.  The
 * feed cache keeps each event's rendering with the mark it was made at
 * and renders again only the events whose mark moved, whoever wrote (CLI,
 * API, import, another process).  Revisions only grow, a restore included
 * (store_backup.c), so an event made again under the id of a deleted one
 * never comes back to a mark it had.  Existing rows start at 0; the cache
 * starts empty, so nothing is stale.
 */
#define RENDER_MARK "(SELECT v + 1 FROM meta WHERE k = 'revision')"
static const char MIGRATION_RENDER_MARKS[] =
    "ALTER TABLE event ADD COLUMN render_mark INTEGER NOT NULL DEFAULT 0;"
    "CREATE TRIGGER event_render_add AFTER INSERT ON event BEGIN"
    "  UPDATE event SET render_mark = " RENDER_MARK " WHERE id = new.id;"
    "END;"
    "CREATE TRIGGER event_render AFTER UPDATE OF uid, title, description,"
    "  location, url, tzid, all_day, start, \"end\", status, sequence,"
    "  rrule, group_id, organizer_id, created, updated, public_attendance"
    "  ON event BEGIN"
    "  UPDATE event SET render_mark = " RENDER_MARK " WHERE id = new.id;"
    "END;"
#define PART_RENDER(T, NAME, COLS) \
    "CREATE TRIGGER " NAME "_render_add AFTER INSERT ON " T " BEGIN" \
    "  UPDATE event SET render_mark = " RENDER_MARK \
    "  WHERE id = new.event_id;" \
    "END;" \
    "CREATE TRIGGER " NAME "_render_change AFTER UPDATE " COLS " ON " T \
    "  BEGIN" \
    "  UPDATE event SET render_mark = " RENDER_MARK \
    "  WHERE id IN (old.event_id, new.event_id);" \
    "END;" \
    "CREATE TRIGGER " NAME "_render_del AFTER DELETE ON " T " BEGIN" \
    "  UPDATE event SET render_mark = " RENDER_MARK \
    "  WHERE id = old.event_id;" \
    "END;"
    PART_RENDER("attendance", "attendance", "")
    PART_RENDER("talk", "talk", "OF uid, event_id, pos, title, speaker_id,"
    "  status, via_id, alternative_to, start, \"end\", updated")
    PART_RENDER("agenda_item", "agenda", "")
    PART_RENDER("event_link", "link", "")
    PART_RENDER("event_topic", "topic", "")
#undef PART_RENDER
    "CREATE TRIGGER person_render AFTER UPDATE OF uuid, name, email, org_id"
    "  ON person BEGIN"
    "  UPDATE event SET render_mark = " RENDER_MARK
    "  WHERE id IN (SELECT event_id FROM attendance WHERE person_id = new.id"
    "  UNION SELECT event_id FROM talk WHERE speaker_id = new.id"
    "  UNION SELECT event_id FROM talk WHERE via_id = new.id);"
    "  UPDATE event SET render_mark = " RENDER_MARK
    "  WHERE organizer_id = new.id;"
    "END;"
    /* A speaker's organization code is in the DESCRIPTION's talk list. */
    "CREATE TRIGGER org_render AFTER UPDATE OF code, name ON org BEGIN"
    "  UPDATE event SET render_mark = " RENDER_MARK
    "  WHERE id IN (SELECT t.event_id FROM talk t JOIN person p"
    "  ON p.id = t.speaker_id WHERE p.org_id = new.id);"
    "END;"
    "CREATE TRIGGER group_render AFTER UPDATE OF name, public_attendance"
    "  ON grp BEGIN"
    "  UPDATE event SET render_mark = " RENDER_MARK
    "  WHERE group_id = new.id;"
    "END;"
    "CREATE TRIGGER topic_name_render AFTER UPDATE OF name ON topic BEGIN"
    "  UPDATE event SET render_mark = " RENDER_MARK
    "  WHERE id IN (SELECT event_id FROM event_topic"
    "  WHERE topic_id = new.id);"
    "END;";
#undef RENDER_MARK

/*
 * Migration 10: the talks still requested, for the dashboard's
 * "unconfirmed" (pd_store_talks_open), so that it reads what it shows
 * rather than every talk ever held.
 */
static const char MIGRATION_TALK_REQUESTED[] =
    "CREATE INDEX talk_requested ON talk (event_id)"
    "  WHERE status = 'requested';";

/* Ordered: migrations[i] takes the file from version i to i + 1. */
static const char *const migrations[] = {
	MIGRATION_1,
	MIGRATION_2,
	MIGRATION_3,
	MIGRATION_ISSUE8_NUDGES_LINKS_REFUSED,
	MIGRATION_ERASURE,
	MIGRATION_CALENDAR_REPLIES,
	MIGRATION_PUBLIC_ATTENDANCE,
	MIGRATION_WEB_ACCOUNTS,
	MIGRATION_RENDER_MARKS,
	MIGRATION_TALK_REQUESTED,
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) ==
    PD_STORE_SCHEMA_VERSION, "one migration per schema version");

/* ---- who writes ---- */

void
pd_store_set_actor(struct pd_store *st, const char *actor)
{
	snprintf(st->actor, sizeof(st->actor), "%s",
	    actor != NULL ? actor : "");
}

const char *
pd_st_actor(const struct pd_store *st)
{
	return st->actor[0] != '\0' ? st->actor : "cli";
}

/* ---- errors ---- */

int
pd_st_dberr(struct pd_store *st, const char *what)
{
	return pd_error_set(&st->err, PD_EDB, NULL, "%s: %s",
	    what != NULL ? what : "database", sqlite3_errmsg(st->db));
}

/*
 * Constraint failures that the callers did not catch first with a
 * friendlier check.  The SQLite text goes after a colon, as detail.
 */
static int
constraint_err(struct pd_store *st, int xrc)
{
	const char *m = sqlite3_errmsg(st->db);

	switch (xrc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return pd_error_set(&st->err, PD_EEXIST, NULL,
		    "already exists: %s", m);
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return pd_error_set(&st->err, PD_EINVAL, "reference",
		    "reference: refers to something that does not exist "
		    "or is still in use: %s", m);
	default:
		return pd_error_set(&st->err, PD_EINVAL, NULL,
		    "bad value: %s", m);
	}
}

int
pd_st_step(struct pd_store *st, sqlite3_stmt *stmt)
{
	int rc;

	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	rc = sqlite3_extended_errcode(st->db);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return constraint_err(st, rc);
	if ((rc & 0xff) == SQLITE_NOMEM)
		return pd_error_set(&st->err, PD_ENOMEM, NULL,
		    "out of memory");
	return pd_st_dberr(st, "database");
}

/* ---- statement cache ---- */

int
pd_st_prepare(struct pd_store *st, const char *sql, sqlite3_stmt **out)
{
	struct pd_st_slot *slots;
	sqlite3_stmt *stmt = NULL;
	char *copy = NULL;
	size_t i, cap;
	int rc;

	for (i = 0; i < st->nslots; i++) {
		if (strcmp(st->slots[i].sql, sql) == 0) {
			*out = st->slots[i].stmt;
			return PD_OK;
		}
	}
	if (st->nslots == st->capslots) {
		cap = st->capslots == 0 ? 32 : st->capslots * 2;
		slots = realloc(st->slots, cap * sizeof(*slots));
		if (slots == NULL) {
			rc = pd_error_set(&st->err, PD_ENOMEM, NULL,
			    "out of memory");
			goto out;
		}
		st->slots = slots;
		st->capslots = cap;
	}
	if ((copy = strdup(sql)) == NULL) {
		rc = pd_error_set(&st->err, PD_ENOMEM, NULL, "out of memory");
		goto out;
	}
	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		rc = pd_st_dberr(st, "database: preparing a query");
		goto out;
	}
	st->slots[st->nslots].sql = copy;
	st->slots[st->nslots].stmt = stmt;
	st->nslots++;
	*out = stmt;
	copy = NULL;
	stmt = NULL;
	rc = PD_OK;
out:
	free(copy);
	sqlite3_finalize(stmt);
	return rc;
}

void
pd_st_release(sqlite3_stmt *stmt)
{
	if (stmt == NULL)
		return;
	/* A statement left un-reset would pin an old snapshot. */
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

int
pd_st_bind_text(struct pd_store *st, sqlite3_stmt *stmt, int i,
    const char *s)
{
	int rc;

	if (s == NULL)
		rc = sqlite3_bind_null(stmt, i);
	else
		rc = sqlite3_bind_text(stmt, i, s, -1, SQLITE_TRANSIENT);
	return rc == SQLITE_OK ? PD_OK : pd_st_dberr(st, "database");
}

int
pd_st_bind_int64(struct pd_store *st, sqlite3_stmt *stmt, int i, int64_t v)
{
	return sqlite3_bind_int64(stmt, i, v) == SQLITE_OK ? PD_OK :
	    pd_st_dberr(st, "database");
}

int
pd_st_col_str(sqlite3_stmt *stmt, int i, char **out)
{
	const unsigned char *s;

	*out = NULL;
	if (sqlite3_column_type(stmt, i) == SQLITE_NULL)
		return PD_OK;
	s = sqlite3_column_text(stmt, i);
	if (s == NULL)
		return PD_ENOMEM;
	if ((*out = strdup((const char *)s)) == NULL)
		return PD_ENOMEM;
	return PD_OK;
}

int
pd_st_row_person(sqlite3_stmt *stmt, int i, struct pd_person *p)
{
	int rc;

	memset(p, 0, sizeof(*p));
	if (sqlite3_column_type(stmt, i) == SQLITE_NULL)
		return PD_OK;	/* LEFT JOIN with nobody: id 0, name NULL */
	p->id = sqlite3_column_int64(stmt, i);
	if ((rc = pd_st_col_str(stmt, i + 1, &p->uuid)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, i + 2, &p->name)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, i + 3, &p->email)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, i + 4, &p->org_code)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, i + 5, &p->org_name)) != PD_OK ||
	    (rc = pd_st_col_str(stmt, i + 6, &p->lang)) != PD_OK) {
		pd_person_clear(p);
		return rc;
	}
	return PD_OK;
}

int
pd_st_query_int(struct pd_store *st, const char *sql, int64_t arg,
    int64_t *out, int *found)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = pd_st_prepare(st, sql, &stmt)) != PD_OK)
		goto out;
	if (sqlite3_bind_parameter_count(stmt) > 0 &&
	    (rc = pd_st_bind_int64(st, stmt, 1, arg)) != PD_OK)
		goto out;
	if ((rc = pd_st_step(st, stmt)) < 0)
		goto out;
	*found = rc;
	if (rc == 1)
		*out = sqlite3_column_int64(stmt, 0);
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

int
pd_st_parse_id(const char *s, int64_t *out)
{
	const char *p;
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return 0;
	*out = (int64_t)v;
	return 1;
}

int
pd_st_grow(void *arr, size_t n, size_t size)
{
	void **p = arr;
	void *np;
	size_t cap;

	/* Capacity is 4, 8, 16...: grow exactly when n reaches it. */
	if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
		return PD_OK;
	cap = n == 0 ? 4 : n * 2;
	if (cap > SIZE_MAX / size)
		return PD_ENOMEM;
	if ((np = realloc(*p, cap * size)) == NULL)
		return PD_ENOMEM;
	*p = np;
	return PD_OK;
}

/* ---- transactions ---- */

static int
exec(struct pd_store *st, const char *sql)
{
	return sqlite3_exec(st->db, sql, NULL, NULL, NULL);
}

static void
nap(int attempt)
{
	struct timespec ts = { 0, 0 };

	/* 10, 20, 40... ms: the busy handler already waited its timeout. */
	ts.tv_nsec = (long)(10 * 1000 * 1000) << (attempt < 6 ? attempt : 6);
	while (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	nanosleep(&ts, NULL);
}

int
pd_st_begin(struct pd_store *st)
{
	int attempt, rc;

	for (attempt = 0; attempt < BEGIN_RETRIES; attempt++) {
		rc = exec(st, "BEGIN IMMEDIATE");
		if (rc == SQLITE_OK) {
			st->in_tx = 1;
			return PD_OK;
		}
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			break;
		nap(attempt);
	}
	return pd_st_dberr(st, "database: another program keeps the "
	    "database busy");
}

int
pd_st_commit(struct pd_store *st)
{
	int attempt, rc;

	/* Mail bookkeeping (quiet) must not make feeds render again. */
	if (!st->quiet && exec(st, "UPDATE meta SET v = v + 1 WHERE k = "
	    "'revision'") != SQLITE_OK) {
		rc = pd_st_dberr(st, "database: revision");
		pd_st_rollback(st);
		return rc;
	}
	for (attempt = 0; attempt < BEGIN_RETRIES; attempt++) {
		rc = exec(st, "COMMIT");
		if (rc == SQLITE_OK) {
			st->in_tx = 0;
			return PD_OK;
		}
		if ((rc & 0xff) != SQLITE_BUSY)
			break;
		nap(attempt);
	}
	rc = pd_st_dberr(st, "database: commit");
	pd_st_rollback(st);
	return rc;
}

void
pd_st_rollback(struct pd_store *st)
{
	if (st->in_tx && sqlite3_get_autocommit(st->db) == 0)
		exec(st, "ROLLBACK");
	st->in_tx = 0;
}

int
pd_st_end(struct pd_store *st, int rc)
{
	if (rc == PD_OK)
		return pd_st_commit(st);
	pd_st_rollback(st);
	return rc;
}

/* ---- open and migrate ---- */

static int
user_version(struct pd_store *st, int *out)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &stmt,
	    NULL) != SQLITE_OK) {
		rc = pd_st_dberr(st, "database: reading the schema version");
		goto out;
	}
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		rc = pd_st_dberr(st, "database: reading the schema version");
		goto out;
	}
	*out = sqlite3_column_int(stmt, 0);
	rc = PD_OK;
out:
	sqlite3_finalize(stmt);
	return rc;
}

/*
 * Runs the missing migrations in one IMMEDIATE transaction; the version
 * is read again under the lock because another process may have
 * migrated the file while this one waited.
 */
static int
migrate(struct pd_store *st)
{
	struct pd_buf sql = PD_BUF_INIT;
	int v, i, rc;

	if ((rc = user_version(st, &v)) != PD_OK)
		return rc;
	if (v == PD_STORE_SCHEMA_VERSION)
		return PD_OK;
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = user_version(st, &v)) != PD_OK)
		goto out;
	if (v > PD_STORE_SCHEMA_VERSION) {
		rc = pd_error_set(&st->err, PD_EDB, NULL,
		    "database: schema version %d is newer than this podium "
		    "knows (%d); use a newer podium", v,
		    PD_STORE_SCHEMA_VERSION);
		goto out;
	}
	for (i = v; i < PD_STORE_SCHEMA_VERSION; i++) {
		if (exec(st, migrations[i]) != SQLITE_OK) {
			rc = pd_st_dberr(st, "database: migration failed");
			goto out;
		}
	}
	/* PRAGMA takes no parameters; the number is ours, not data. */
	pd_buf_addf(&sql, "PRAGMA user_version = %d", PD_STORE_SCHEMA_VERSION);
	if (pd_buf_failed(&sql)) {
		rc = pd_error_set(&st->err, PD_ENOMEM, NULL, "out of memory");
		goto out;
	}
	if (v != PD_STORE_SCHEMA_VERSION && exec(st, sql.data) != SQLITE_OK) {
		rc = pd_st_dberr(st, "database: setting the schema version");
		goto out;
	}
	rc = PD_OK;
out:
	pd_buf_free(&sql);
	return pd_st_end(st, rc);
}

/* Runs a PRAGMA that may meet a busy file (journal_mode), retrying. */
static int
pragma(struct pd_store *st, const char *sql)
{
	int attempt, rc = SQLITE_OK;

	for (attempt = 0; attempt < BEGIN_RETRIES; attempt++) {
		rc = exec(st, sql);
		if ((rc & 0xff) != SQLITE_BUSY)
			break;
		nap(attempt);
	}
	return rc == SQLITE_OK ? PD_OK : pd_st_dberr(st, "database");
}

int
pd_store_open(const char *path, int64_t now, struct pd_store **out,
    struct pd_error *err)
{
	struct pd_store *st = NULL;
	int rc;

	if (path == NULL || *path == '\0')
		return pd_error_set(err, PD_EINVAL, "db",
		    "db: no database file given");
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return pd_error_set(err, PD_ENOMEM, NULL, "out of memory");
	st->now = now;
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		if (st->db == NULL)
			rc = pd_error_set(&st->err, PD_ENOMEM, NULL,
			    "out of memory");
		else
			rc = pd_error_set(&st->err, PD_EDB, "db",
			    "%s: cannot open the database: %s", path,
			    sqlite3_errmsg(st->db));
		goto out;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	if ((rc = pragma(st, "PRAGMA journal_mode = WAL")) != PD_OK ||
	    (rc = pragma(st, "PRAGMA synchronous = NORMAL")) != PD_OK ||
	    (rc = pragma(st, "PRAGMA foreign_keys = ON")) != PD_OK ||
	    (rc = pragma(st, "PRAGMA secure_delete = ON")) != PD_OK)
		goto out;
	if ((rc = migrate(st)) != PD_OK)
		goto out;
	*out = st;
	st = NULL;
out:
	if (st != NULL && err != NULL)
		pd_error_set(err, st->err.code != PD_OK ? st->err.code : rc,
		    st->err.field, "%s", st->err.msg != NULL ? st->err.msg :
		    pd_strerror(rc));
	pd_store_close(st);
	return rc;
}

void
pd_store_close(struct pd_store *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nslots; i++) {
		sqlite3_finalize(st->slots[i].stmt);
		free(st->slots[i].sql);
	}
	free(st->slots);
	sqlite3_close(st->db);
	pd_error_clear(&st->err);
	free(st);
}

void
pd_store_set_now(struct pd_store *st, int64_t now)
{
	st->now = now;
}

const struct pd_error *
pd_store_error(const struct pd_store *st)
{
	return &st->err;
}

int
pd_store_schema_version(struct pd_store *st)
{
	int v = 0;

	if (user_version(st, &v) != PD_OK)
		return -1;
	return v;
}

int
pd_store_revision(struct pd_store *st, int64_t *out)
{
	int64_t v = 0;
	int found = 0, rc;

	rc = pd_st_query_int(st, "SELECT v FROM meta WHERE k = 'revision'", 0,
	    &v, &found);
	if (rc != PD_OK)
		return rc;
	if (!found)
		return pd_error_set(&st->err, PD_EDB, NULL,
		    "database: the revision counter is missing");
	*out = v;
	return PD_OK;
}
