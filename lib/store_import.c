/*
 * Import: applies a parsed calendar (lib/ical_parse.c) to the store in
 * one transaction, so that a file either goes in whole or not at all.
 *
 * Events are matched by UID and replaced; their talks keep their ids
 * where the file keeps their uids, so answer links and sent mail still
 * point at the same talk.  People are matched by uuid (podium's own
 * exports), then e-mail, then exact name, and created when new; but
 * nobody the erasure journal names comes back (suppress()).  The
 * stamps of the file (CREATED of new events, LAST-MODIFIED) are kept, so
 * that export -> import -> export gives the same bytes.
 *
 * Not here: parsing (ical_parse.c), the row writing shared with
 * pd_store_event_add (store_event.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "podium/answer.h"
#include "podium/store.h"
#include "podium/tz.h"
#include "store_int.h"

static int
oom(struct pd_store *st)
{
	return pd_error_set(&st->err, PD_ENOMEM, NULL, "out of memory");
}

/* Puts "event 'UID': " in front of the handle's message. */
static int
prefix_err(struct pd_store *st, const char *uid, int rc)
{
	char *msg = NULL, *field = NULL;

	if (st->err.msg != NULL && (msg = strdup(st->err.msg)) == NULL)
		return oom(st);
	if (st->err.field != NULL && (field = strdup(st->err.field)) == NULL) {
		free(msg);
		return oom(st);
	}
	pd_error_set(&st->err, rc, field, "event '%s': %s",
	    uid != NULL ? uid : "(no UID)", msg != NULL ? msg :
	    pd_strerror(rc));
	free(msg);
	free(field);
	return rc;
}

/* Id of the first person where col (fixed SQL) = value; 0 for none. */
static int
find_by(struct pd_store *st, const char *sql, const char *value,
    int64_t *id, int *count, int *has_email)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	*id = 0;
	*count = 0;
	if ((rc = pd_st_prepare(st, sql, &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, value)) != PD_OK)
		goto out;
	while ((rc = pd_st_step(st, stmt)) == 1) {
		if (*count == 0) {
			*id = sqlite3_column_int64(stmt, 0);
			*has_email = sqlite3_column_type(stmt, 1) != SQLITE_NULL;
		}
		(*count)++;
	}
	if (rc < 0)
		goto out;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

/* Gives the person id the address the file knows them by. */
static int
set_email(struct pd_store *st, int64_t id, const char *email)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = pd_st_prepare(st, "UPDATE person SET email = ?2, "
	    "updated = ?3 WHERE id = ?1", &stmt)) == PD_OK &&
	    (rc = pd_st_bind_int64(st, stmt, 1, id)) == PD_OK &&
	    (rc = pd_st_bind_text(st, stmt, 2, email)) == PD_OK &&
	    (rc = pd_st_bind_int64(st, stmt, 3, st->now)) == PD_OK &&
	    (rc = pd_st_step(st, stmt)) > 0)
		rc = PD_OK;
	pd_st_release(stmt);
	return rc;
}

/* A forgotten person the file names, and the placeholder they became. */
struct suppressed {
	int64_t entry;		/* erasure journal id */
	int64_t tombstone;	/* 0: none made yet */
};

/* An import under way: one write transaction over every chunk. */
struct pd_import {
	struct pd_store *st;
	struct pd_import_stats s;
	/*
	 * Alternatives to resolve at the end.  Their uids are copied after
	 * each chunk (the chunk's calendar goes away), so they are owned.
	 */
	struct pd_st_alt *alt;
	size_t nalt;
	size_t nevents;			/* given so far, for progress */
	char actor[sizeof(((struct pd_store *)0)->actor)]; /* to restore */
	unsigned char key[PD_ANSWER_KEY_LEN];	/* for the journal's HMACs */
	int has_key;
	int journal;			/* anybody forgotten at all */
	const struct pd_event *ev;	/* being written */
	struct suppressed *sup;
	size_t nsup;
};

/*
 * The placeholder for a forgotten speaker: the one the talk has already
 * when it is in the store (an old export imported again leaves the
 * programme as it was), else the one made for them earlier in this
 * import, else a new one.
 */
static int
placeholder(struct pd_import *im, const struct pd_person *p,
    struct suppressed *su, int64_t *id)
{
	struct pd_store *st = im->st;
	sqlite3_stmt *stmt = NULL;
	size_t i;
	int rc = PD_OK;

	*id = 0;
	for (i = 0; im->ev != NULL && i < im->ev->ntalks; i++) {
		if (p != &im->ev->talks[i].speaker ||
		    im->ev->talks[i].uid == NULL)
			continue;
		if ((rc = pd_st_prepare(st, "SELECT p.id FROM talk t JOIN "
		    "person p ON p.id = t.speaker_id WHERE t.uid = ?1 AND "
		    "p.erased = 1", &stmt)) != PD_OK ||
		    (rc = pd_st_bind_text(st, stmt, 1,
		    im->ev->talks[i].uid)) != PD_OK ||
		    (rc = pd_st_step(st, stmt)) < 0)
			break;
		if (rc == 1)
			*id = sqlite3_column_int64(stmt, 0);
		rc = PD_OK;
		break;
	}
	pd_st_release(stmt);
	if (rc != PD_OK || *id != 0)
		return rc;
	if (su->tombstone == 0 &&
	    (rc = pd_st_tombstone_new(st, &su->tombstone)) != PD_OK)
		return rc;
	*id = su->tombstone;
	return PD_OK;
}

/*
 * A person of the file whose old uuid or address is in the erasure
 * journal is not brought back (Art. 17 GDPR: an old export is a copy
 * too).  A speaker becomes a placeholder, as forget made them, so the
 * programme stays whole; any other reference (attendee, member, via,
 * organizer) is left out, as forget deleted those: *id = 0.  *hit says
 * whether p was such a person.
 */
static int
suppress(struct pd_import *im, const struct pd_person *p, int optional,
    int64_t *id, int *hit)
{
	struct pd_store *st = im->st;
	struct suppressed *su = NULL;
	int64_t entry = 0;
	size_t i;
	int rc;

	*hit = 0;
	if (!im->journal)
		return PD_OK;
	if ((rc = pd_st_erased_ref(st, im->has_key ? im->key : NULL,
	    sizeof(im->key), p->uuid, p->email, &entry)) != PD_OK ||
	    entry == 0)
		return rc;
	*hit = 1;
	for (i = 0; i < im->nsup && su == NULL; i++)
		if (im->sup[i].entry == entry)
			su = &im->sup[i];
	if (su == NULL) {
		if (pd_st_grow(&im->sup, im->nsup, sizeof(*im->sup)) != PD_OK)
			return oom(st);
		su = &im->sup[im->nsup++];
		su->entry = entry;
		su->tombstone = 0;
		im->s.people_suppressed++;
	}
	*id = 0;
	if (optional || im->ev == NULL)
		return PD_OK;
	for (i = 0; i < im->ev->ntalks; i++)
		if (p == &im->ev->talks[i].speaker)
			return placeholder(im, p, su, id);
	return PD_OK;
}

/*
 * People of the file: by uuid, then e-mail, then exact name, else a new
 * person.  An address identifies a person; two people may share a name,
 * not an address.  So a name is used only where the file gives no
 * address, or to find the one person of that name whom podium knows
 * without an address yet (who then gets the file's address, so that a
 * second person of that name in the file is not taken for them).
 */
static int
resolve_import(struct pd_store *st, void *ctx, const struct pd_person *p,
    const char *field, int optional, int64_t *id)
{
	struct pd_import *im = ctx;
	struct pd_import_stats *stats = &im->s;
	char fresh[37];
	int count = 0, has_email = 0, hit = 0, rc;

	if (p->uuid == NULL && p->email == NULL && p->name == NULL) {
		if (optional) {
			*id = 0;
			return PD_OK;
		}
		return pd_error_set(&st->err, PD_EINVAL, field,
		    "%s: a person is required", field);
	}
	if ((rc = suppress(im, p, optional, id, &hit)) != PD_OK || hit)
		return rc;
	if (p->uuid != NULL) {
		if ((rc = find_by(st, "SELECT id, email FROM person "
		    "WHERE uuid = ?1", p->uuid, id, &count, &has_email)) != PD_OK)
			return rc;
		if (count > 0)
			return PD_OK;
	}
	if (p->email != NULL) {
		if ((rc = find_by(st, "SELECT id, email FROM person "
		    "WHERE email = ?1", p->email, id, &count,
		    &has_email)) != PD_OK)
			return rc;
		if (count > 0)
			return PD_OK;
	}
	if (p->name != NULL && p->email != NULL) {
		if ((rc = find_by(st, "SELECT id, email FROM person "
		    "WHERE name = ?1 AND email IS NULL AND erased = 0 "
		    "ORDER BY id LIMIT 2",
		    p->name, id, &count, &has_email)) != PD_OK)
			return rc;
		if (count == 1) {
			if ((rc = pd_person_validate(p, &st->err)) != PD_OK)
				return rc;
			return set_email(st, *id, p->email);
		}
	} else if (p->name != NULL) {
		if ((rc = find_by(st, "SELECT id, email FROM person "
		    "WHERE name = ?1 AND erased = 0 ORDER BY id LIMIT 2", p->name, id, &count,
		    &has_email)) != PD_OK)
			return rc;
		if (count > 1)
			return pd_st_name_ambiguous(st, field, p->name,
			    "give the person an address (mailto:) in the file");
		if (count == 1)
			return PD_OK;
	}
	if (p->name == NULL)
		return pd_error_set(&st->err, PD_EINVAL, field,
		    "%s: a new person needs a name", field);
	if (p->uuid == NULL && (rc = pd_uuid_new(fresh)) != PD_OK)
		return pd_error_set(&st->err, rc, field,
		    "%s: no randomness for a new id", field);
	if ((rc = pd_st_person_insert(st, p, p->uuid != NULL ? p->uuid : fresh,
	    id)) != PD_OK)
		return rc;
	stats->people_created++;
	return PD_OK;
}

/* What the store holds of an event before the file replaces it. */
struct old {
	int64_t id;
	int sequence;
	int64_t created;
	int changed;		/* time, place or status differ from ev */
};

static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
old_event(struct pd_store *st, const struct pd_event *ev, struct old *o)
{
	sqlite3_stmt *stmt = NULL;
	const char *tz = ev->tzid != NULL ? ev->tzid : PD_TZ_DEFAULT;
	const char *c;
	int rc;

	memset(o, 0, sizeof(*o));
	if ((rc = pd_st_prepare(st, "SELECT id, sequence, created, start, "
	    "\"end\", tzid, all_day, location, status, rrule FROM event "
	    "WHERE uid = ?1", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, ev->uid)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (rc == 1) {
		o->id = sqlite3_column_int64(stmt, 0);
		o->sequence = sqlite3_column_int(stmt, 1);
		o->created = sqlite3_column_int64(stmt, 2);
		c = (const char *)sqlite3_column_text(stmt, 8);
		o->changed =
		    !same(ev->start, (const char *)sqlite3_column_text(stmt, 3)) ||
		    !same(ev->end, (const char *)sqlite3_column_text(stmt, 4)) ||
		    !same(tz, (const char *)sqlite3_column_text(stmt, 5)) ||
		    (ev->all_day != 0) != (sqlite3_column_int(stmt, 6) != 0) ||
		    !same(ev->location,
		    (const char *)sqlite3_column_text(stmt, 7)) ||
		    !same(pd_event_status_name(ev->status), c) ||
		    !same(ev->rrule, (const char *)sqlite3_column_text(stmt, 9));
	}
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

static int
import_groups(struct pd_import *im, const struct pd_calendar *cal)
{
	struct pd_store *st = im->st;
	const struct pd_group *g;
	char field[64];
	int64_t gid, pid;
	size_t i, j;
	int rc;

	for (i = 0; i < cal->ngroups; i++) {
		g = &cal->groups[i];
		if ((rc = pd_st_group_ensure(st, g->slug, g->name, 1,
		    &gid)) != PD_OK)
			return rc;
		if (g->public_attendance &&
		    (rc = pd_st_group_publish_attendance(st, gid)) != PD_OK)
			return rc;
		for (j = 0; j < g->nmembers; j++) {
			snprintf(field, sizeof(field), "groups[%zu].members[%zu]",
			    i, j);
			if ((rc = resolve_import(st, im,
			    &g->members[j].person, field, 0, &pid)) != PD_OK)
				return rc;
			if (pid != 0 &&	/* 0: forgotten, left out */
			    (rc = pd_st_member_set(st, gid, pid,
			    g->members[j].role)) != PD_OK)
				return rc;
		}
	}
	return PD_OK;
}

/*
 * Whether the erasure journal has an entry: read once, under the write
 * lock the import holds; without one, no person costs an HMAC.
 */
static int
forgotten_any(struct pd_store *st, int *any)
{
	int64_t v = 0;
	int found = 0, rc;

	if ((rc = pd_st_query_int(st, "SELECT EXISTS (SELECT 1 FROM erasure)",
	    0, &v, &found)) != PD_OK)
		return rc;
	*any = found && v != 0;
	return PD_OK;
}

int
pd_store_import_begin(struct pd_store *st, struct pd_import **out)
{
	struct pd_import *im;
	int rc;

	pd_error_clear(&st->err);
	if ((im = calloc(1, sizeof(*im))) == NULL)
		return oom(st);
	im->st = st;
	/* Without a key yet, the journal's uuids are still checked. */
	rc = pd_store_answer_key(st, im->key);
	im->has_key = rc == PD_OK;
	if (rc == PD_ENOTFOUND) {
		pd_error_clear(&st->err);
		rc = PD_OK;
	}
	if (rc != PD_OK || (rc = pd_st_begin(st)) != PD_OK ||
	    (rc = forgotten_any(st, &im->journal)) != PD_OK) {
		pd_st_rollback(st);	/* none begun is fine */
		explicit_bzero(im->key, sizeof(im->key));
		free(im);
		return rc;
	}
	/* A talk's status written by an import is the import's, whoever runs it. */
	memcpy(im->actor, st->actor, sizeof(im->actor));
	pd_store_set_actor(st, "import");
	*out = im;
	return PD_OK;
}

/* Writes one event of the file; its checks were made by the caller. */
static int
import_event(struct pd_import *im, const struct pd_event *ev)
{
	struct pd_store *st = im->st;
	struct old o;
	int64_t id;
	int seq, rc;

	if ((rc = old_event(st, ev, &o)) != PD_OK)
		return rc;
	/*
	 * SEQUENCE: the file's when it is ahead (another podium or a
	 * client moved on), else ours, one up if what attendees care
	 * about changed.
	 */
	if (o.id == 0)
		seq = ev->sequence > 0 ? ev->sequence : 0;
	else if (ev->sequence > o.sequence)
		seq = ev->sequence;
	else
		seq = o.sequence + (o.changed ? 1 : 0);
	im->ev = ev;
	rc = pd_st_event_write(st, ev, o.id, seq,
	    o.id != 0 ? o.created : (ev->created != 0 ? ev->created : st->now),
	    ev->updated != 0 ? ev->updated : st->now, PD_ST_W_IMPORT,
	    resolve_import, im, &im->alt, &im->nalt, &id, NULL);
	im->ev = NULL;
	if (rc != PD_OK)
		return prefix_err(st, ev->uid, rc);
	if (o.id == 0)
		im->s.created++;
	else
		im->s.updated++;
	return PD_OK;
}

int
pd_store_import_add(struct pd_import *im, const struct pd_calendar *cal,
    pd_import_progress_fn progress, void *ctx)
{
	struct pd_store *st = im->st;
	const struct pd_event *ev;
	size_t i;
	int rc;

	/* Check the chunk before writing any of it. */
	for (i = 0; i < cal->nevents; i++) {
		ev = &cal->events[i];
		if (ev->uid == NULL || *ev->uid == '\0')
			return pd_error_set(&st->err, PD_EINVAL, "uid",
			    "uid: event %zu of the file has no UID",
			    im->nevents + i + 1);
		if ((rc = pd_event_validate(ev, &st->err)) != PD_OK)
			return prefix_err(st, ev->uid, rc);
	}
	if ((rc = import_groups(im, cal)) != PD_OK)
		return rc;
	for (i = 0; i < cal->nevents; i++) {
		size_t first = im->nalt, j;

		rc = import_event(im, &cal->events[i]);
		for (j = first; j < im->nalt; j++)
			if ((im->alt[j].uid = strdup(im->alt[j].uid)) == NULL) {
				im->nalt = j;
				return oom(st);
			}
		if (rc != PD_OK)
			return rc;
		im->nevents++;
		if (progress != NULL)
			progress(ctx, i + 1, cal->nevents);
	}
	return PD_OK;
}

/* Requested talks of placeholders are withdrawn, as forget does. */
static int
withdraw_placeholders(struct pd_store *st)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = pd_st_prepare(st, "UPDATE talk SET status = 'withdrawn', "
	    "asked_at = NULL, updated = ?1 WHERE status = 'requested' AND "
	    "speaker_id IN (SELECT id FROM person WHERE erased = 1)",
	    &stmt)) == PD_OK &&
	    (rc = pd_st_bind_int64(st, stmt, 1, st->now)) == PD_OK &&
	    (rc = pd_st_step(st, stmt)) >= 0)
		rc = PD_OK;
	pd_st_release(stmt);
	return rc;
}

int
pd_store_import_end(struct pd_import *im, int rc,
    struct pd_import_stats *stats)
{
	struct pd_store *st;

	if (im == NULL)
		return rc;
	st = im->st;
	/* Every talk of the file exists now, so any may be named. */
	if (rc == PD_OK)
		rc = pd_st_alt_resolve(st, im->alt, im->nalt);
	/*
	 * As forget left them: nobody is asked on behalf of no one (the
	 * file may be from when their talks were still requested).
	 */
	if (rc == PD_OK && im->nsup > 0)
		rc = withdraw_placeholders(st);
	if ((rc = pd_st_end(st, rc)) == PD_OK && stats != NULL)
		*stats = im->s;
	memcpy(st->actor, im->actor, sizeof(im->actor));
	while (im->nalt > 0)
		free((char *)(uintptr_t)im->alt[--im->nalt].uid);
	free(im->alt);
	free(im->sup);
	explicit_bzero(im->key, sizeof(im->key));
	free(im);
	return rc;
}

int
pd_store_import(struct pd_store *st, const struct pd_calendar *cal,
    struct pd_import_stats *stats)
{
	return pd_store_import_progress(st, cal, stats, NULL, NULL);
}

int
pd_store_import_progress(struct pd_store *st, const struct pd_calendar *cal,
    struct pd_import_stats *stats, pd_import_progress_fn progress, void *ctx)
{
	struct pd_import *im = NULL;
	int rc;

	if ((rc = pd_store_import_begin(st, &im)) != PD_OK)
		return rc;
	rc = pd_store_import_add(im, cal, progress, ctx);
	return pd_store_import_end(im, rc, stats);
}
