/*
 * Erasure of a person (store.h, "podium person forget"): Art. 17 GDPR
 * done so that no copy is left in the database file, and done again
 * after a restore.
 *
 * What goes and what stays:
 * - the person's row stays as an anonymous tombstone (PD_ERASED_NAME, no
 *   address, no organization, a fresh uuid, erased = 1).  Their talks
 *   keep it as speaker, so a programme still reads whole; and the row id
 *   is never reused, which matters because the planner's outbox keys
 *   carry person ids ("invitation/UID/ID"): a newcomer who got the id of
 *   a deleted row would never be invited;
 * - attendances, group memberships and the feed token go; requested
 *   talks of theirs are withdrawn, so that no nudge goes out about them;
 * - outbox rows to them, Cc them (their address in the envelope) or
 *   about them (mail for an event where they speak, were the
 *   intermediary or organize: speakers, intermediaries and organizers
 *   are named in those texts) keep key, kind, event, sequence, state
 *   and times, which is what stops the planner from sending them again;
 *   recipient, subject, message and error text are emptied.  Rows still
 *   pending were never sent: they are deleted, and the planner composes
 *   what is still due again, without the person.  A key that holds the
 *   address (test mails) is rewritten;
 * - calendar replies from, for or naming them keep only their
 *   Message-ID, time, event and outcome (replies());
 * - the journal gets the old uuid, an HMAC of the address and the time,
 *   which restores (pd_store_erasures_apply) and imports
 *   (pd_st_erased_ref, store_import.c) look people up in.
 *
 * secure_delete is on for every handle (store.c), so freed cells and
 * pages are zeroed; after the commit the WAL is checkpointed in TRUNCATE
 * mode, so that no old page image stays in the -wal file either.
 *
 * Not here: spool files and feeds (the caller, see privacy.h), backups
 * (store_backup.c, which calls pd_st_erasures_carry).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "podium/buf.h"
#include "podium/store.h"
#include "store_int.h"

#define CHECKPOINT_TRIES 20
#define HMAC_HEX PD_ST_HMAC_HEX

/* Outbox rows to, Cc or about person ?1 with address ?2 (may be NULL). */
#define CONCERNED_SQL \
	"SELECT id, kind, state = 'pending', " \
	"  rcpt <> '' OR length(message) > 0 OR last_error IS NOT NULL " \
	"FROM outbox WHERE person_id = ?1 " \
	"OR (?2 IS NOT NULL AND (instr(lower(rcpt), lower(?2)) > 0 " \
	"  OR instr(lower(key), lower(?2)) > 0)) " \
	"OR event_id IN (SELECT event_id FROM talk WHERE speaker_id = ?1 " \
	"  OR via_id = ?1 UNION SELECT id FROM event WHERE organizer_id = ?1) " \
	"ORDER BY id"

/* Free text that may name the person: ?1 is one needle. */
#define MENTION_SQL \
	"SELECT 'event ' || id || ' (title, description or location)' " \
	"FROM event WHERE instr(lower(title), lower(?1)) > 0 " \
	"OR instr(lower(coalesce(description, '')), lower(?1)) > 0 " \
	"OR instr(lower(coalesce(location, '')), lower(?1)) > 0 " \
	"UNION ALL SELECT 'agenda item ' || id || ' of event ' || event_id " \
	"FROM agenda_item WHERE instr(lower(title), lower(?1)) > 0 " \
	"UNION ALL SELECT 'talk ' || id || ' (title) of event ' || event_id " \
	"FROM talk WHERE instr(lower(title), lower(?1)) > 0 " \
	"UNION ALL SELECT 'attendance ' || id || ' (delegate) of event ' || " \
	"event_id FROM attendance WHERE instr(lower(coalesce(delegate, " \
	"'')), lower(?1)) > 0 " \
	"UNION ALL SELECT 'group ' || slug || ' (name)' FROM grp " \
	"WHERE instr(lower(name), lower(?1)) > 0"

void
pd_forget_report_clear(struct pd_forget_report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nmsgs; i++)
		free(r->msg_kinds[i]);
	free(r->msg_kinds);
	free(r->msg_ids);
	for (i = 0; i < r->nmentions; i++)
		free(r->mentions[i]);
	free(r->mentions);
	memset(r, 0, sizeof(*r));
}

/*
 * HMAC-SHA256(key, "podium erasure v1" NUL | lower-case address) as hex:
 * the journal can recognise the address again with the key, and tells
 * nobody without it what the address was.
 */
int
pd_st_erasure_hmac(const unsigned char *key, size_t keylen,
    const char *email, char out[PD_ST_HMAC_HEX])
{
	static const char purpose[] = "podium erasure v1";
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0, i;
	struct pd_buf b = PD_BUF_INIT;
	const char *p;
	int rc = PD_ENOMEM;

	pd_buf_add(&b, purpose, sizeof(purpose));
	for (p = email; *p != '\0'; p++) {
		char c = (char)tolower((unsigned char)*p);

		pd_buf_add(&b, &c, 1);
	}
	if (pd_buf_failed(&b))
		goto out;
	if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)b.data,
	    b.len, mac, &maclen) == NULL || maclen != 32) {
		rc = PD_EINVAL;
		goto out;
	}
	for (i = 0; i < maclen; i++) {
		out[2 * i] = "0123456789abcdef"[mac[i] >> 4];
		out[2 * i + 1] = "0123456789abcdef"[mac[i] & 15];
	}
	out[2 * maclen] = '\0';
	rc = PD_OK;
out:
	explicit_bzero(mac, sizeof(mac));
	if (b.data != NULL)
		explicit_bzero(b.data, b.len);
	pd_buf_free(&b);
	return rc;
}

static int
oom(struct pd_store *st)
{
	return pd_error_set(&st->err, PD_ENOMEM, NULL, "out of memory");
}

/* Runs sql with ?1 = id (and ?2 = now when it has it); *n = changes. */
static int
exec_id(struct pd_store *st, const char *sql, int64_t id, size_t *n)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = pd_st_prepare(st, sql, &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, id)) != PD_OK ||
	    (sqlite3_bind_parameter_count(stmt) >= 2 &&
	    (rc = pd_st_bind_int64(st, stmt, 2, st->now)) != PD_OK) ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (n != NULL)
		*n = (size_t)sqlite3_changes(st->db);
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

static size_t
count(struct pd_store *st, const char *sql, int64_t id, int *rc)
{
	int64_t v = 0;
	int found = 0;

	if (*rc != PD_OK)
		return 0;
	*rc = pd_st_query_int(st, sql, id, &v, &found);
	return found && v > 0 ? (size_t)v : 0;
}

/* Appends s to the mentions unless it is there already. */
static int
add_mention(struct pd_forget_report *r, const char *s)
{
	size_t i;

	for (i = 0; i < r->nmentions; i++)
		if (strcmp(r->mentions[i], s) == 0)
			return PD_OK;
	if (pd_st_grow(&r->mentions, r->nmentions, sizeof(*r->mentions)) !=
	    PD_OK || (r->mentions[r->nmentions] = strdup(s)) == NULL)
		return PD_ENOMEM;
	r->nmentions++;
	return PD_OK;
}

/*
 * Lists free text that names the person: the whole name, the last word
 * of it (a delegate is often "Frau Kache"), the address.  Nothing is
 * changed there; the organizer decides.
 */
static int
mentions(struct pd_store *st, const char *name, const char *email,
    struct pd_forget_report *r)
{
	const char *needle[3], *sp;
	sqlite3_stmt *stmt = NULL;
	size_t i;
	int rc = PD_OK, step;

	needle[0] = name;
	sp = strrchr(name, ' ');
	needle[1] = sp != NULL && strlen(sp + 1) >= 4 ? sp + 1 : NULL;
	needle[2] = email;
	if ((rc = pd_st_prepare(st, MENTION_SQL, &stmt)) != PD_OK)
		return rc;
	for (i = 0; i < 3; i++) {
		if (needle[i] == NULL || *needle[i] == '\0')
			continue;
		if ((rc = pd_st_bind_text(st, stmt, 1, needle[i])) != PD_OK)
			goto out;
		while ((step = pd_st_step(st, stmt)) == 1) {
			if (add_mention(r, (const char *)sqlite3_column_text(
			    stmt, 0)) != PD_OK) {
				rc = oom(st);
				goto out;
			}
		}
		if ((rc = step) < 0)
			goto out;
		sqlite3_reset(stmt);
	}
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

/*
 * The outbox part: rows concerned are scrubbed (sent, failed, dead,
 * sending) or deleted (pending); all are listed for their spool files.
 */
static int
outbox(struct pd_store *st, int64_t id, const char *email,
    struct pd_forget_report *r)
{
	sqlite3_stmt *stmt = NULL, *upd = NULL;
	int64_t *ids = NULL;
	int *pending = NULL;
	size_t n = 0, i;
	int rc, step;

	if ((rc = pd_st_prepare(st, CONCERNED_SQL, &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, id)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 2, email)) != PD_OK)
		goto out;
	while ((step = pd_st_step(st, stmt)) == 1) {
		if (pd_st_grow(&ids, n, sizeof(*ids)) != PD_OK ||
		    pd_st_grow(&pending, n, sizeof(*pending)) != PD_OK ||
		    pd_st_grow(&r->msg_ids, r->nmsgs,
		    sizeof(*r->msg_ids)) != PD_OK ||
		    pd_st_grow(&r->msg_kinds, r->nmsgs,
		    sizeof(*r->msg_kinds)) != PD_OK ||
		    (r->msg_kinds[r->nmsgs] = strdup((const char *)
		    sqlite3_column_text(stmt, 1))) == NULL) {
			rc = oom(st);
			goto out;
		}
		ids[n] = r->msg_ids[r->nmsgs] = sqlite3_column_int64(stmt, 0);
		r->nmsgs++;
		pending[n] = sqlite3_column_int(stmt, 2);
		if (pending[n])
			r->dropped++;
		else if (sqlite3_column_int(stmt, 3))
			r->scrubbed++;
		n++;
	}
	if ((rc = step) < 0)
		goto out;
	pd_st_release(stmt);
	stmt = NULL;
	for (i = 0; i < n; i++) {
		if (pending[i]) {
			rc = exec_id(st, "DELETE FROM outbox WHERE id = ?1",
			    ids[i], NULL);
		} else if ((rc = pd_st_prepare(st, "UPDATE outbox SET "
		    "rcpt = '', subject = '', message = x'', mail_from = '', "
		    "last_error = NULL, refused = NULL, person_id = CASE WHEN person_id = ?2 "
		    "THEN NULL ELSE person_id END, key = CASE WHEN ?3 IS NOT "
		    "NULL AND instr(lower(key), lower(?3)) > 0 THEN kind || "
		    "'/erased/' || id ELSE key END WHERE id = ?1",
		    &upd)) == PD_OK &&
		    (rc = pd_st_bind_int64(st, upd, 1, ids[i])) == PD_OK &&
		    (rc = pd_st_bind_int64(st, upd, 2, id)) == PD_OK &&
		    (rc = pd_st_bind_text(st, upd, 3, email)) == PD_OK &&
		    (rc = pd_st_step(st, upd)) >= 0) {
			rc = PD_OK;
		}
		pd_st_release(upd);
		upd = NULL;
		if (rc != PD_OK)
			goto out;
	}
	rc = PD_OK;
out:
	pd_st_release(stmt);
	pd_st_release(upd);
	free(ids);
	free(pending);
	return rc;
}

/*
 * Calendar replies from, for or naming them (sender, attendee, the one
 * delegated to, the reason text all may hold the address): the row
 * keeps its message_id, so the same mail read again (a new UIDVALIDITY)
 * is still known and not recorded a second time with the address; the
 * rest goes.
 */
static int
replies(struct pd_store *st, int64_t id, const char *email)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = pd_st_prepare(st, "UPDATE reply SET " PD_ST_REPLY_SCRUB
	    ", person_id = NULL, partstat = NULL, dtstamp = NULL, "
	    "reason = 'erased' WHERE person_id = ?1 OR (?2 IS NOT NULL AND ("
	    "instr(lower(coalesce(sender, '')), lower(?2)) > 0 OR "
	    "instr(lower(coalesce(attendee, '')), lower(?2)) > 0 OR "
	    "instr(lower(coalesce(delegated_to, '')), lower(?2)) > 0 OR "
	    "instr(lower(reason), lower(?2)) > 0))", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, id)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 2, email)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

/* Writes the journal entry; an uuid erased before keeps its first time. */
static int
journal(struct pd_store *st, const char *uuid, const char *hmac)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = pd_st_prepare(st, "INSERT INTO erasure (uuid, email_hmac, "
	    "erased_at) VALUES (?1, ?2, ?3) ON CONFLICT (uuid) DO NOTHING",
	    &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, uuid)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 2, hmac)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 3, st->now)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

/* The person becomes the placeholder: nothing of them is left in it. */
static int
tombstone(struct pd_store *st, int64_t id)
{
	sqlite3_stmt *stmt = NULL;
	char fresh[37];
	int rc;

	if ((rc = pd_uuid_new(fresh)) != PD_OK)
		return pd_error_set(&st->err, rc, NULL,
		    "uuid: no randomness for a new id");
	if ((rc = pd_st_prepare(st, "UPDATE person SET uuid = ?2, name = ?3, "
	    "email = NULL, org_id = NULL, lang = 'de', feed_token_hash = NULL, "
	    "erased = 1, created = ?4, updated = ?4 WHERE id = ?1",
	    &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, id)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 2, fresh)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 3, PD_ERASED_NAME)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 4, st->now)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

/*
 * The whole erasure of one person inside the caller's transaction;
 * fills r (counts add up when r is reused).
 */
static int
forget_tx(struct pd_store *st, int64_t id, const unsigned char *key,
    size_t keylen, struct pd_forget_report *r)
{
	sqlite3_stmt *stmt = NULL;
	char *uuid = NULL, *name = NULL, *email = NULL, hmac[HMAC_HEX];
	int has_hmac = 0, rc;

	if ((rc = pd_st_prepare(st, "SELECT uuid, name, email, erased, "
	    "feed_token_hash IS NOT NULL FROM person WHERE id = ?1",
	    &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, id)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (rc == 0) {
		rc = pd_error_set(&st->err, PD_ENOTFOUND, "person",
		    "person: no one with id %lld", (long long)id);
		goto out;
	}
	if (sqlite3_column_int(stmt, 3)) {
		rc = pd_error_set(&st->err, PD_EINVAL, "person",
		    "person: %lld was forgotten already", (long long)id);
		goto out;
	}
	r->person_id = id;
	r->feed_token = sqlite3_column_int(stmt, 4);
	if (pd_st_col_str(stmt, 0, &uuid) != PD_OK ||
	    pd_st_col_str(stmt, 1, &name) != PD_OK ||
	    pd_st_col_str(stmt, 2, &email) != PD_OK) {
		rc = oom(st);
		goto out;
	}
	pd_st_release(stmt);
	stmt = NULL;
	rc = PD_OK;
	if (email != NULL && key != NULL) {
		if ((rc = pd_st_erasure_hmac(key, keylen, email, hmac)) != PD_OK) {
			rc = pd_error_set(&st->err, rc, "key",
			    "key: cannot make the journal's HMAC");
			goto out;
		}
		has_hmac = 1;
	}

	r->attendances += count(st, "SELECT count(*) FROM attendance "
	    "WHERE person_id = ?1", id, &rc);
	r->memberships += count(st, "SELECT count(*) FROM group_member "
	    "WHERE person_id = ?1", id, &rc);
	r->talks += count(st, "SELECT count(*) FROM talk "
	    "WHERE speaker_id = ?1", id, &rc);
	r->via += count(st, "SELECT count(*) FROM talk WHERE via_id = ?1", id,
	    &rc);
	r->organized += count(st, "SELECT count(*) FROM event "
	    "WHERE organizer_id = ?1", id, &rc);
	if (rc != PD_OK || (rc = mentions(st, name, email, r)) != PD_OK ||
	    (rc = outbox(st, id, email, r)) != PD_OK)
		goto out;
	/*
	 * Every event they were part of renders again (feeds) and is looked
	 * at by the planner again (the pending mail deleted above).
	 */
	if ((rc = exec_id(st, "UPDATE event SET updated = ?2, plan_dirty = "
	    "plan_dirty + 1 WHERE id IN (SELECT event_id FROM attendance "
	    "WHERE person_id = ?1 UNION SELECT event_id FROM talk WHERE "
	    "speaker_id = ?1 OR via_id = ?1) OR organizer_id = ?1", id,
	    NULL)) != PD_OK ||
	    (rc = exec_id(st, "UPDATE talk SET status = 'withdrawn', "
	    "asked_at = NULL, updated = ?2 WHERE speaker_id = ?1 AND "
	    "status = 'requested'", id, &r->withdrawn)) != PD_OK ||
	    (rc = exec_id(st, "UPDATE talk SET updated = ?2 WHERE "
	    "speaker_id = ?1 OR via_id = ?1", id, NULL)) != PD_OK ||
	    (rc = exec_id(st, "DELETE FROM attendance WHERE person_id = ?1", id,
	    NULL)) != PD_OK ||
	    (rc = exec_id(st, "DELETE FROM group_member WHERE person_id = ?1",
	    id, NULL)) != PD_OK ||
	    (rc = replies(st, id, email)) != PD_OK ||
	    (rc = tombstone(st, id)) != PD_OK ||
	    (rc = journal(st, uuid, has_hmac ? hmac : NULL)) != PD_OK)
		goto out;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	free(uuid);
	free(name);
	if (email != NULL)
		explicit_bzero(email, strlen(email));
	free(email);
	explicit_bzero(hmac, sizeof(hmac));
	return rc;
}

/*
 * Empties the -wal into the database file and truncates it to nothing,
 * so that no old page image is left there.  Readers of an older snapshot
 * (podiumd between two queries) make it wait; a few tries, then 0.
 */
int
pd_st_checkpoint(struct pd_store *st)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	int i;

	for (i = 0; i < CHECKPOINT_TRIES; i++) {
		if (sqlite3_wal_checkpoint_v2(st->db, NULL,
		    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) == SQLITE_OK)
			return 1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

int
pd_store_person_forget(struct pd_store *st, int64_t id,
    const unsigned char *key, size_t keylen, int dry_run,
    struct pd_forget_report *r)
{
	struct pd_forget_report rep;
	int rc;

	pd_error_clear(&st->err);
	memset(&rep, 0, sizeof(rep));
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	rc = forget_tx(st, id, key, keylen, &rep);
	/* A dry run is the real thing, rolled back: it reports exactly. */
	if (dry_run && rc == PD_OK) {
		pd_st_rollback(st);
	} else if ((rc = pd_st_end(st, rc)) == PD_OK) {
		rep.checkpointed = pd_st_checkpoint(st);
	}
	if (rc != PD_OK) {
		pd_forget_report_clear(&rep);
		return rc;
	}
	*r = rep;
	return PD_OK;
}

int
pd_store_erasure_mark(struct pd_store *st, int64_t *mark)
{
	int found = 0;

	pd_error_clear(&st->err);
	return pd_st_query_int(st, "SELECT coalesce(max(id), 0) FROM erasure",
	    0, mark, &found);
}

int
pd_store_person_erased(struct pd_store *st, int64_t id, int *erased)
{
	int64_t v = 0;
	int found = 0, rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_query_int(st, "SELECT erased FROM person WHERE id = ?1",
	    id, &v, &found)) != PD_OK)
		return rc;
	*erased = found && v != 0;
	return PD_OK;
}

int
pd_store_erasures_apply(struct pd_store *st, const unsigned char *key,
    size_t keylen, size_t *n)
{
	sqlite3_stmt *stmt = NULL, *hit = NULL;
	struct pd_forget_report rep;
	int64_t *ids = NULL;
	size_t nids = 0, i;
	char hmac[HMAC_HEX];
	int rc, step, match;

	pd_error_clear(&st->err);
	memset(&rep, 0, sizeof(rep));
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = pd_st_prepare(st, "SELECT p.id, p.email, EXISTS (SELECT 1 "
	    "FROM erasure e WHERE e.uuid = p.uuid) FROM person p "
	    "WHERE p.erased = 0 ORDER BY p.id", &stmt)) != PD_OK ||
	    (rc = pd_st_prepare(st, "SELECT 1 FROM erasure WHERE "
	    "email_hmac = ?1", &hit)) != PD_OK)
		goto out;
	while ((step = pd_st_step(st, stmt)) == 1) {
		const char *email = (const char *)sqlite3_column_text(stmt, 1);

		match = sqlite3_column_int(stmt, 2);
		if (!match && email != NULL && key != NULL &&
		    pd_st_erasure_hmac(key, keylen, email, hmac) == PD_OK) {
			if ((rc = pd_st_bind_text(st, hit, 1, hmac)) != PD_OK ||
			    (rc = pd_st_step(st, hit)) < 0)
				goto out;
			match = rc;
			sqlite3_reset(hit);
		}
		if (!match)
			continue;
		if (pd_st_grow(&ids, nids, sizeof(*ids)) != PD_OK) {
			rc = oom(st);
			goto out;
		}
		ids[nids++] = sqlite3_column_int64(stmt, 0);
	}
	if ((rc = step) < 0)
		goto out;
	pd_st_release(stmt);
	stmt = NULL;
	for (i = 0; i < nids; i++)
		if ((rc = forget_tx(st, ids[i], key, keylen, &rep)) != PD_OK)
			goto out;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	pd_st_release(hit);
	pd_forget_report_clear(&rep);
	free(ids);
	explicit_bzero(hmac, sizeof(hmac));
	if ((rc = pd_st_end(st, rc)) == PD_OK) {
		if (nids > 0)
			pd_st_checkpoint(st);
		if (n != NULL)
			*n = nids;
	}
	return rc;
}

int
pd_st_erasures_carry(struct pd_store *from, struct pd_store *to)
{
	sqlite3_stmt *get = NULL, *put = NULL;
	int rc, step;

	pd_error_clear(&from->err);
	pd_error_clear(&to->err);
	if ((rc = pd_st_begin(to)) != PD_OK)
		return rc;
	if ((rc = pd_st_prepare(from, "SELECT uuid, email_hmac, erased_at "
	    "FROM erasure ORDER BY id", &get)) != PD_OK ||
	    (rc = pd_st_prepare(to, "INSERT INTO erasure (uuid, email_hmac, "
	    "erased_at) VALUES (?1, ?2, ?3) ON CONFLICT (uuid) DO NOTHING",
	    &put)) != PD_OK)
		goto out;
	while ((step = pd_st_step(from, get)) == 1) {
		if ((rc = pd_st_bind_text(to, put, 1, (const char *)
		    sqlite3_column_text(get, 0))) != PD_OK ||
		    (rc = pd_st_bind_text(to, put, 2, (const char *)
		    sqlite3_column_text(get, 1))) != PD_OK ||
		    (rc = pd_st_bind_int64(to, put, 3,
		    sqlite3_column_int64(get, 2))) != PD_OK ||
		    (rc = pd_st_step(to, put)) < 0)
			goto out;
		sqlite3_reset(put);
	}
	rc = step < 0 ? step : PD_OK;
out:
	pd_st_release(get);
	pd_st_release(put);
	return pd_st_end(to, rc);
}

int
pd_st_tombstone_new(struct pd_store *st, int64_t *id)
{
	sqlite3_stmt *stmt = NULL;
	char fresh[37];
	int rc;

	if ((rc = pd_uuid_new(fresh)) != PD_OK)
		return pd_error_set(&st->err, rc, NULL,
		    "uuid: no randomness for a new id");
	if ((rc = pd_st_prepare(st, "INSERT INTO person (uuid, name, email, "
	    "org_id, lang, erased, created, updated) VALUES (?1, ?2, NULL, "
	    "NULL, 'de', 1, ?3, ?3)", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, fresh)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 2, PD_ERASED_NAME)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 3, st->now)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	*id = sqlite3_last_insert_rowid(st->db);
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

int
pd_st_erased_ref(struct pd_store *st, const unsigned char *key,
    size_t keylen, const char *uuid, const char *email, int64_t *entry)
{
	sqlite3_stmt *stmt = NULL;
	char hmac[HMAC_HEX];
	int have = 0, rc;

	*entry = 0;
	if (email != NULL && key != NULL) {
		if ((rc = pd_st_erasure_hmac(key, keylen, email, hmac)) !=
		    PD_OK)
			return pd_error_set(&st->err, rc, "key",
			    "key: cannot make the journal's HMAC");
		have = 1;
	}
	if (uuid == NULL && !have)
		return PD_OK;
	if ((rc = pd_st_prepare(st, "SELECT id FROM erasure WHERE uuid = ?1 "
	    "OR email_hmac = ?2 ORDER BY id LIMIT 1", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, uuid)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 2, have ? hmac : NULL)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (rc == 1)
		*entry = sqlite3_column_int64(stmt, 0);
	rc = PD_OK;
out:
	pd_st_release(stmt);
	explicit_bzero(hmac, sizeof(hmac));
	return rc;
}
