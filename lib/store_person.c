/*
 * People and their organizations in the store: adding, editing, finding
 * by the key a user types (id, e-mail or exact name), listing, deleting.
 *
 * An organization exists only through the people in it: it is created
 * when a person first names its code and never deleted here.  The
 * helpers at the top are shared with the event and import code
 * (store_int.h), which must check and create people inside their own
 * transactions.
 *
 * Not here: feed tokens (store_token.c), group membership
 * (store_event.c).
 */
#include <stdlib.h>
#include <string.h>

#include "podium/store.h"
#include "store_int.h"

#define PERSON_SELECT \
	"SELECT " PD_ST_PERSON_COLS("p", "o") \
	" FROM person p LEFT JOIN org o ON o.id = p.org_id "

/* ---- shared helpers ---- */

int
pd_st_person_exists(struct pd_store *st, int64_t id, const char *field)
{
	int64_t v;
	int found = 0, rc;

	if (id <= 0)
		return pd_error_set(&st->err, PD_EINVAL, field,
		    "%s: a person is required", field);
	rc = pd_st_query_int(st, "SELECT 1 FROM person WHERE id = ?1", id,
	    &v, &found);
	if (rc != PD_OK)
		return rc;
	if (!found)
		return pd_error_set(&st->err, PD_EINVAL, field,
		    "%s: there is no person with id %lld", field,
		    (long long)id);
	return PD_OK;
}

int
pd_st_org_ensure(struct pd_store *st, const char *code, const char *name,
    int64_t *id)
{
	sqlite3_stmt *stmt = NULL;
	int64_t org_id = 0;
	int rc;

	if (code == NULL || *code == '\0') {
		*id = 0;
		return PD_OK;
	}
	if ((rc = pd_st_prepare(st, "SELECT id FROM org WHERE code = ?1",
	    &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, code)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (rc == 1)
		org_id = sqlite3_column_int64(stmt, 0);
	pd_st_release(stmt);
	stmt = NULL;
	if (org_id != 0 && name != NULL) {
		/* A full name given again is the newer truth. */
		if ((rc = pd_st_prepare(st, "UPDATE org SET name = ?2 "
		    "WHERE id = ?1 AND name IS NOT ?2", &stmt)) != PD_OK ||
		    (rc = pd_st_bind_int64(st, stmt, 1, org_id)) != PD_OK ||
		    (rc = pd_st_bind_text(st, stmt, 2, name)) != PD_OK ||
		    (rc = pd_st_step(st, stmt)) < 0)
			goto out;
	} else if (org_id == 0) {
		if ((rc = pd_st_prepare(st, "INSERT INTO org (code, name) "
		    "VALUES (?1, ?2)", &stmt)) != PD_OK ||
		    (rc = pd_st_bind_text(st, stmt, 1, code)) != PD_OK ||
		    (rc = pd_st_bind_text(st, stmt, 2, name)) != PD_OK ||
		    (rc = pd_st_step(st, stmt)) < 0)
			goto out;
		org_id = sqlite3_last_insert_rowid(st->db);
	}
	*id = org_id;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

/* PD_EEXIST when another person (not except_id) has the address. */
static int
email_free(struct pd_store *st, const char *email, int64_t except_id)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if (email == NULL)
		return PD_OK;
	if ((rc = pd_st_prepare(st, "SELECT id FROM person "
	    "WHERE email = ?1 AND id <> ?2", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, email)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 2, except_id)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (rc == 1) {
		rc = pd_error_set(&st->err, PD_EEXIST, "email",
		    "email: '%s' belongs to another person (id %lld)", email,
		    (long long)sqlite3_column_int64(stmt, 0));
		goto out;
	}
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

int
pd_st_person_insert(struct pd_store *st, const struct pd_person *p,
    const char *uuid, int64_t *id)
{
	sqlite3_stmt *stmt = NULL;
	int64_t org_id = 0;
	int found = 0, rc;

	if ((rc = pd_person_validate(p, &st->err)) != PD_OK ||
	    (rc = email_free(st, p->email, 0)) != PD_OK)
		goto out;
	if ((rc = pd_st_prepare(st, "SELECT id FROM person WHERE uuid = ?1",
	    &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, uuid)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	found = rc;
	pd_st_release(stmt);
	stmt = NULL;
	if (found) {
		rc = pd_error_set(&st->err, PD_EEXIST, "uuid",
		    "uuid: '%s' belongs to another person", uuid);
		goto out;
	}
	if ((rc = pd_st_org_ensure(st, p->org_code, p->org_name,
	    &org_id)) != PD_OK)
		goto out;
	if ((rc = pd_st_prepare(st, "INSERT INTO person (uuid, name, email, "
	    "org_id, lang, created, updated) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 1, uuid)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 2, p->name)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 3, p->email)) != PD_OK ||
	    (org_id != 0 &&
	    (rc = pd_st_bind_int64(st, stmt, 4, org_id)) != PD_OK) ||
	    (rc = pd_st_bind_text(st, stmt, 5,
	    p->lang != NULL ? p->lang : "de")) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 6, st->now)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	*id = sqlite3_last_insert_rowid(st->db);
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return rc;
}

/* Reads one person by id into *out; PD_ENOTFOUND with a message else. */
static int
person_get(struct pd_store *st, int64_t id, struct pd_person *out)
{
	sqlite3_stmt *stmt = NULL;
	struct pd_person p = { 0 };
	int rc;

	if ((rc = pd_st_prepare(st, PERSON_SELECT "WHERE p.id = ?1",
	    &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, id)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (rc == 0) {
		rc = pd_error_set(&st->err, PD_ENOTFOUND, "person",
		    "person: no one with id, e-mail or name '%lld'",
		    (long long)id);
		goto out;
	}
	if ((rc = pd_st_row_person(stmt, 0, &p)) != PD_OK) {
		rc = pd_error_set(&st->err, rc, NULL, "out of memory");
		goto out;
	}
	*out = p;
	memset(&p, 0, sizeof(p));
	rc = PD_OK;
out:
	pd_st_release(stmt);
	pd_person_clear(&p);
	return rc;
}

/*
 * A forgotten person's placeholder gets no name, address or organization
 * again: that would make a person of it, who has the talks and the id
 * of someone forgotten.  Someone who comes back is added anew.
 */
static int
placeholder_stays(struct pd_store *st, const struct pd_person *p)
{
	int erased = 0, rc;

	if ((rc = pd_store_person_erased(st, p->id, &erased)) != PD_OK ||
	    !erased)
		return rc;
	if (p->email != NULL || p->org_code != NULL ||
	    strcmp(p->name, PD_ERASED_NAME) != 0)
		return pd_error_set(&st->err, PD_EINVAL, "person",
		    "person: %lld is a forgotten person's placeholder; it "
		    "gets no name, address or organization again (add "
		    "someone who comes back as a new person)",
		    (long long)p->id);
	return PD_OK;
}

/* ---- public ---- */

int
pd_store_person_add(struct pd_store *st, struct pd_person *p)
{
	char fresh[37];
	char *uuid = NULL;
	int64_t id = 0;
	int rc;

	pd_error_clear(&st->err);
	if ((rc = pd_person_validate(p, &st->err)) != PD_OK)
		return rc;
	if (p->uuid == NULL) {
		if ((rc = pd_uuid_new(fresh)) != PD_OK)
			return pd_error_set(&st->err, rc, NULL,
			    "uuid: no randomness for a new id");
		if ((uuid = strdup(fresh)) == NULL)
			return pd_error_set(&st->err, PD_ENOMEM, NULL,
			    "out of memory");
	}
	if ((rc = pd_st_begin(st)) != PD_OK)
		goto out;
	rc = pd_st_person_insert(st, p, uuid != NULL ? uuid : p->uuid, &id);
	if ((rc = pd_st_end(st, rc)) != PD_OK)
		goto out;
	p->id = id;
	if (uuid != NULL) {
		p->uuid = uuid;
		uuid = NULL;
	}
out:
	free(uuid);
	return rc;
}

int
pd_store_person_update(struct pd_store *st, const struct pd_person *p)
{
	sqlite3_stmt *stmt = NULL;
	int64_t org_id = 0;
	int rc;

	pd_error_clear(&st->err);
	if ((rc = pd_person_validate(p, &st->err)) != PD_OK)
		return rc;
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	if ((rc = placeholder_stays(st, p)) != PD_OK ||
	    (rc = email_free(st, p->email, p->id)) != PD_OK ||
	    (rc = pd_st_org_ensure(st, p->org_code, p->org_name,
	    &org_id)) != PD_OK)
		goto out;
	if ((rc = pd_st_prepare(st, "UPDATE person SET name = ?2, "
	    "email = ?3, org_id = ?4, lang = ?5, updated = ?6 "
	    "WHERE id = ?1", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, p->id)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 2, p->name)) != PD_OK ||
	    (rc = pd_st_bind_text(st, stmt, 3, p->email)) != PD_OK ||
	    (org_id != 0 &&
	    (rc = pd_st_bind_int64(st, stmt, 4, org_id)) != PD_OK) ||
	    (rc = pd_st_bind_text(st, stmt, 5,
	    p->lang != NULL ? p->lang : "de")) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 6, st->now)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (sqlite3_changes(st->db) == 0) {
		rc = pd_error_set(&st->err, PD_ENOTFOUND, "person",
		    "person: no one with id, e-mail or name '%lld'",
		    (long long)p->id);
		goto out;
	}
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return pd_st_end(st, rc);
}

int
pd_store_person_get(struct pd_store *st, int64_t id, struct pd_person *out)
{
	pd_error_clear(&st->err);
	return person_get(st, id, out);
}

int
pd_store_person_find(struct pd_store *st, const char *key,
    struct pd_person *out)
{
	sqlite3_stmt *stmt = NULL;
	struct pd_person p = { 0 };
	int64_t id;
	int rc;

	pd_error_clear(&st->err);
	if (key == NULL || *key == '\0')
		return pd_error_set(&st->err, PD_EINVAL, "person",
		    "person: no id, e-mail or name given");
	if (pd_st_parse_id(key, &id)) {
		rc = person_get(st, id, out);
		return rc;
	}
	/* Two rows are enough to tell "ambiguous" from "found". */
	/* A placeholder is no one: its name finds nobody (by id it does). */
	rc = pd_st_prepare(st, strchr(key, '@') != NULL ?
	    PERSON_SELECT "WHERE p.email = ?1 LIMIT 2" :
	    PERSON_SELECT "WHERE p.name = ?1 AND p.erased = 0 "
	    "ORDER BY p.id LIMIT 2", &stmt);
	if (rc != PD_OK || (rc = pd_st_bind_text(st, stmt, 1, key)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (rc == 0) {
		rc = pd_error_set(&st->err, PD_ENOTFOUND, "person",
		    "person: no one with id, e-mail or name '%s'", key);
		goto out;
	}
	if ((rc = pd_st_row_person(stmt, 0, &p)) != PD_OK) {
		rc = pd_error_set(&st->err, rc, NULL, "out of memory");
		goto out;
	}
	if ((rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (rc == 1) {
		pd_st_release(stmt);
		stmt = NULL;
		rc = pd_st_name_ambiguous(st, "person", key,
		    "use the id or the e-mail address");
		goto out;
	}
	*out = p;
	memset(&p, 0, sizeof(p));
	rc = PD_OK;
out:
	pd_st_release(stmt);
	pd_person_clear(&p);
	return rc;
}

void
pd_person_list_free(struct pd_person *list, size_t n)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < n; i++)
		pd_person_clear(&list[i]);
	free(list);
}

static int
person_list(struct pd_store *st, int erased, struct pd_person **out,
    size_t *n)
{
	sqlite3_stmt *stmt = NULL;
	struct pd_person *list = NULL;
	size_t len = 0;
	int rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_prepare(st, PERSON_SELECT "WHERE ?1 OR p.erased = 0 "
	    "ORDER BY p.name, p.id", &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, erased)) != PD_OK)
		goto out;
	while ((rc = pd_st_step(st, stmt)) == 1) {
		if ((rc = pd_st_grow(&list, len, sizeof(*list))) != PD_OK ||
		    (rc = pd_st_row_person(stmt, 0, &list[len])) != PD_OK) {
			rc = pd_error_set(&st->err, rc, NULL, "out of memory");
			goto out;
		}
		len++;
	}
	if (rc < 0)
		goto out;
	*out = list;
	*n = len;
	list = NULL;
	len = 0;
	rc = PD_OK;
out:
	pd_st_release(stmt);
	pd_person_list_free(list, len);
	return rc;
}

int
pd_store_person_list(struct pd_store *st, struct pd_person **out, size_t *n)
{
	return person_list(st, 0, out, n);
}

int
pd_store_person_list_all(struct pd_store *st, struct pd_person **out,
    size_t *n)
{
	return person_list(st, 1, out, n);
}

int
pd_store_person_delete(struct pd_store *st, int64_t id)
{
	sqlite3_stmt *stmt = NULL;
	int64_t talks = 0;
	int found = 0, rc;

	pd_error_clear(&st->err);
	if ((rc = pd_st_begin(st)) != PD_OK)
		return rc;
	/* Say why before the RESTRICT key says it in SQL. */
	if ((rc = pd_st_query_int(st, "SELECT count(*) FROM talk "
	    "WHERE speaker_id = ?1", id, &talks, &found)) != PD_OK)
		goto out;
	if (talks > 0) {
		rc = pd_error_set(&st->err, PD_EINVAL, "person",
		    "person: %lld is the speaker of %lld talk(s); delete "
		    "those first", (long long)id, (long long)talks);
		goto out;
	}
	if ((rc = pd_st_prepare(st, "DELETE FROM person WHERE id = ?1",
	    &stmt)) != PD_OK ||
	    (rc = pd_st_bind_int64(st, stmt, 1, id)) != PD_OK ||
	    (rc = pd_st_step(st, stmt)) < 0)
		goto out;
	if (sqlite3_changes(st->db) == 0) {
		rc = pd_error_set(&st->err, PD_ENOTFOUND, "person",
		    "person: no one with id, e-mail or name '%lld'",
		    (long long)id);
		goto out;
	}
	rc = PD_OK;
out:
	pd_st_release(stmt);
	return pd_st_end(st, rc);
}
