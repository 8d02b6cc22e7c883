/*
 * What the store's files (store.c, store_person.c, store_event.c,
 * store_import.c, store_token.c) share and nobody else may use: the
 * handle, the statement cache, transactions, and small helpers to move
 * strings and people between rows and structs.
 *
 * Not for: anything outside lib/store*.c.  Other modules talk to the
 * store through include/podium/store.h only.
 */
#ifndef PODIUM_STORE_INT_H
#define PODIUM_STORE_INT_H

#include <stdint.h>

#include <sqlite3.h>

#include "podium/err.h"
#include "podium/model.h"
#include "podium/store.h"

/* One cached prepared statement, keyed by its SQL text. */
struct pd_st_slot {
	char *sql;		/* owned copy */
	sqlite3_stmt *stmt;
};

struct pd_store {
	sqlite3 *db;
	int64_t now;
	struct pd_error err;
	struct pd_st_slot *slots;
	size_t nslots;
	size_t capslots;
	int in_tx;		/* inside pd_st_begin .. commit/rollback */
	int quiet;		/* commit without bumping the revision */
	char actor[96];		/* who writes: talk.status_by ("cli"...) */
};

/* Who is writing now (pd_store_set_actor), "cli" when nobody said. */
const char *pd_st_actor(const struct pd_store *st);

/*
 * The columns of a person with the organization inlined, as every query
 * that hands out a struct pd_person selects them: alias P for person and O
 * for org.  PD_ST_PERSON_NCOLS columns, read with pd_st_row_person().
 */
#define PD_ST_PERSON_COLS(P, O) \
	P ".id, " P ".uuid, " P ".name, " P ".email, " O ".code, " \
	O ".name, " P ".lang"
#define PD_ST_PERSON_NCOLS 7

/*
 * Gets a prepared statement for sql from the handle's cache (preparing
 * it the first time).  The statement stays owned by the handle: give it
 * back with pd_st_release(), never sqlite3_finalize().
 */
int pd_st_prepare(struct pd_store *st, const char *sql, sqlite3_stmt **out);
/* Resets a cached statement and clears its bindings; NULL is fine. */
void pd_st_release(sqlite3_stmt *stmt);

/*
 * Steps stmt: 1 for a row, 0 when done, else a negative pd_err with the
 * handle's error set (constraints are mapped to PD_EEXIST / PD_EINVAL).
 */
int pd_st_step(struct pd_store *st, sqlite3_stmt *stmt);
/* Records the database's last error on the handle as PD_EDB; returns it. */
int pd_st_dberr(struct pd_store *st, const char *what);

/* Binds text, or NULL when s is NULL.  Returns PD_OK or PD_EDB. */
int pd_st_bind_text(struct pd_store *st, sqlite3_stmt *stmt, int i,
    const char *s);
int pd_st_bind_int64(struct pd_store *st, sqlite3_stmt *stmt, int i,
    int64_t v);

/* *out = a copy of column i, NULL for SQL NULL.  PD_ENOMEM on failure. */
int pd_st_col_str(sqlite3_stmt *stmt, int i, char **out);
/* Fills p (zeroed first) from PD_ST_PERSON_NCOLS columns starting at i. */
int pd_st_row_person(sqlite3_stmt *stmt, int i, struct pd_person *p);

/*
 * Write transactions: BEGIN IMMEDIATE (retried a bounded number of times
 * when another writer holds the lock past the busy timeout); commit bumps
 * the revision first, so every committed write is seen by readers.
 */
int pd_st_begin(struct pd_store *st);
int pd_st_commit(struct pd_store *st);
void pd_st_rollback(struct pd_store *st);
/* Ends a transaction: commit when rc is PD_OK, else roll back. */
int pd_st_end(struct pd_store *st, int rc);

/* Runs a query that returns one integer (or none: *found = 0). */
int pd_st_query_int(struct pd_store *st, const char *sql, int64_t arg,
    int64_t *out, int *found);

/* Nonzero when s is a non-empty run of ASCII digits that fits int64. */
int pd_st_parse_id(const char *s, int64_t *out);

/*
 * Grows *arr (of elements of size) so that element n can be written.
 * Capacity is implied by n (powers of two, at least 4), so callers keep
 * no separate count.  PD_ENOMEM on failure (*arr untouched).
 */
int pd_st_grow(void *arr, size_t n, size_t size);

/* Checks that a person with that id exists; PD_EINVAL naming field else. */
int pd_st_person_exists(struct pd_store *st, int64_t id, const char *field);
/*
 * Finds or creates the organization with code (name when given updates
 * the stored name); *id = 0 when code is NULL.
 */
int pd_st_org_ensure(struct pd_store *st, const char *code, const char *name,
    int64_t *id);
/* Inserts a person (uuid given or made); *id gets the row id. */
int pd_st_person_insert(struct pd_store *st, const struct pd_person *p,
    const char *uuid, int64_t *id);
/*
 * The error for a name that fits several people (store_names.c): PD_EINVAL
 * naming field, listing the candidates' ids and addresses, then advice.
 */
int pd_st_name_ambiguous(struct pd_store *st, const char *field,
    const char *name, const char *advice);
/* Finds or creates a group by name (or slug when name is NULL). */
int pd_st_group_ensure(struct pd_store *st, const char *slug,
    const char *name, int create, int64_t *id);
int pd_st_member_set(struct pd_store *st, int64_t group_id,
    int64_t person_id, enum pd_group_role role);
/* Makes the group's attendance public (import: a file can only say yes). */
int pd_st_group_publish_attendance(struct pd_store *st, int64_t group_id);

/*
 * How event writes turn a person reference into a row id: by id for the
 * API and CLI (which already looked people up), by uuid/e-mail/name for
 * the importer.  field names the reference for error messages.  A
 * reference with nothing in it gives *id = 0 when optional.
 */
typedef int (*pd_st_resolve_fn)(struct pd_store *st, void *ctx,
    const struct pd_person *p, const char *field, int optional,
    int64_t *id);

/* Where the new ids of an event's parts go (NULL: nowhere). */
struct pd_st_part_ids {
	int64_t *agenda;
	int64_t *talks;
	char **talk_uids;	/* set for talks without a uid; owned */
	int64_t *attendances;
};

/*
 * Writes an event row and its parts inside the caller's transaction.
 * event_id 0 inserts, else replaces the row (parts deleted and written
 * again, talks kept by uid).  sequence/created/updated are written as
 * given.  alt: talks whose alternative_to must be resolved later are
 * appended (talk id, uid) when non-NULL, else resolved at the end.
 */
struct pd_st_alt {
	int64_t talk_id;
	const char *uid;	/* borrowed from the event */
};
/*
 * PD_ST_W_IMPORT: talks whose uid exists anywhere are taken over (moved
 * here, ids kept) instead of refused, and the parts keep the stamps the
 * file gave them (updated of talks and attendances) when nonzero.
 */
#define PD_ST_W_IMPORT 1
int pd_st_event_write(struct pd_store *st, const struct pd_event *ev,
    int64_t event_id, int sequence, int64_t created, int64_t updated,
    unsigned flags, pd_st_resolve_fn resolve, void *ctx,
    struct pd_st_alt **alt, size_t *nalt, int64_t *id_out,
    struct pd_st_part_ids *ids);
/* The utc times of an event and the end of its series (see store.c). */
int pd_st_event_times(struct pd_store *st, const struct pd_event *ev,
    int64_t *start_utc, int64_t *end_utc, int64_t *series_end);
/* Sets talk.alternative_to for each pair; PD_EINVAL for unknown uids. */
int pd_st_alt_resolve(struct pd_store *st, const struct pd_st_alt *alt,
    size_t n);

/*
 * Copies the erasure journal of from into to (entries to has already
 * are kept), in a transaction on to.  For restores (store_backup.c).
 */
int pd_st_erasures_carry(struct pd_store *from, struct pd_store *to);

/*
 * Checkpoints the WAL in TRUNCATE mode, so that no old page image stays
 * in the -wal file; retried a few times while readers hold old
 * snapshots.  1 when it completed, 0 when not.
 */
int pd_st_checkpoint(struct pd_store *st);

/*
 * The journal's HMAC of an address (store_forget.c), as hex: keyed with
 * the answer-link key, so only this database can recognise it.
 */
#define PD_ST_HMAC_HEX 65
int pd_st_erasure_hmac(const unsigned char *key, size_t keylen,
    const char *email, char out[PD_ST_HMAC_HEX]);

/*
 * *entry = the id of the journal entry of a forgotten person that uuid
 * (their old one) or email (by its HMAC; key NULL: not looked at) names;
 * 0 when neither is in the journal.  For the importer, so that an old
 * file does not bring a forgotten person back.
 */
int pd_st_erased_ref(struct pd_store *st, const unsigned char *key,
    size_t keylen, const char *uuid, const char *email, int64_t *entry);

/* A new anonymous placeholder (PD_ERASED_NAME, erased = 1) as *id. */
int pd_st_tombstone_new(struct pd_store *st, int64_t *id);

/*
 * The addresses of a calendar reply (the reason text names them too), as
 * the SET list of an UPDATE of reply, for retention and erasure.  What
 * stays, message_id above all, keeps the intake idempotent: the same
 * mail read again (a new UIDVALIDITY) is known and not recorded anew.
 */
#define PD_ST_REPLY_SCRUB \
	"sender = NULL, attendee = NULL, delegated_to = NULL"

#endif
