/*
 * Backups and restores of the store (store.h), with SQLite's online
 * backup API, so that both work while podiumd and the CLI use the file.
 *
 * Backup: VACUUM INTO writes a clean copy from the open handle in one
 * read transaction (WAL: writers go on meanwhile, the copy is the
 * snapshot at its start) into FILE.tmp next to FILE; only live rows
 * travel, so nothing erased is carried over in free pages.  The copy is
 * switched to a plain rollback journal (one self-contained file),
 * checked, synced and renamed over FILE, so that FILE is always a whole
 * backup or absent.
 *
 * Restore: the file is checked first (an SQLite file, integrity_check ok,
 * podium's tables, a schema version this podium knows), copied to a
 * temporary file and migrated there, and then copied into the database
 * with the backup API in one write transaction: another process sees the
 * old contents or the new, never a mix, and no file is swapped under its
 * open handles.  Before that, the erasure journal of the database is
 * carried into the copy and applied there (store_forget.c).  The
 * revision ends above any it had before, so that podiumd renders its
 * feeds again.
 *
 * Not here: opening and migrating (store.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "podium/buf.h"
#include "podium/store.h"
#include "store_int.h"

#define STEP_RETRIES 50

static void
nap(void)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/*
 * Copies every page of src's main database into dst's in one step,
 * waiting for locks a bounded time.  Returns an SQLite result code.
 */
static int
copy_db(sqlite3 *dst, sqlite3 *src)
{
	sqlite3_backup *b;
	int rc, attempt;

	if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL)
		return sqlite3_errcode(dst);
	for (attempt = 0; attempt < STEP_RETRIES; attempt++) {
		rc = sqlite3_backup_step(b, -1);
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			break;
		nap();
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	if (sqlite3_backup_finish(b) != SQLITE_OK && rc == SQLITE_OK)
		rc = sqlite3_errcode(dst);
	return rc;
}

/*
 * Writes a clean copy of db's main database to path (which must not
 * exist) with VACUUM INTO: one read transaction, like the backup API,
 * but only live rows travel, so nothing erased is carried over in free
 * pages or freed space.  Returns an SQLite result code.
 */
static int
vacuum_into(sqlite3 *db, const char *path)
{
	sqlite3_stmt *stmt = NULL;
	int rc, attempt;

	if ((rc = sqlite3_prepare_v2(db, "VACUUM INTO ?1", -1, &stmt,
	    NULL)) != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_bind_text(stmt, 1, path, -1, SQLITE_TRANSIENT)) !=
	    SQLITE_OK)
		goto out;
	for (attempt = 0; attempt < STEP_RETRIES; attempt++) {
		rc = sqlite3_step(stmt);
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			break;
		sqlite3_reset(stmt);
		nap();
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
out:
	sqlite3_finalize(stmt);
	return rc;
}

/* fsync of a file by name, and of the folder it is in. */
static int
sync_path(const char *path, int dir)
{
	char *copy, *slash;
	int fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fsync(fd) == -1)
		rc = -1;
	close(fd);
	if (!dir || rc != 0)
		return rc;
	if ((copy = strdup(path)) == NULL)
		return -1;
	slash = strrchr(copy, '/');
	if (slash == copy)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	if ((fd = open(slash != NULL ? copy : ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) != -1) {
		fsync(fd);
		close(fd);
	}
	free(copy);
	return 0;
}

/* Removes path and the -wal, -shm and -journal files next to it. */
static void
remove_db(const char *path)
{
	static const char *const sfx[] = { "-wal", "-shm", "-journal" };
	struct pd_buf b = PD_BUF_INIT;
	size_t i;

	unlink(path);
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		pd_buf_reset(&b);
		pd_buf_addf(&b, "%s%s", path, sfx[i]);
		if (!pd_buf_failed(&b))
			unlink(b.data);
	}
	pd_buf_free(&b);
}

/* "PRAGMA integrity_check" says "ok"?  1 yes, 0 no (*why set). */
static int
intact(sqlite3 *db, char **why)
{
	sqlite3_stmt *stmt = NULL;
	const char *t;
	int ok = 0;

	*why = NULL;
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check(1)", -1, &stmt,
	    NULL) != SQLITE_OK) {
		*why = strdup(sqlite3_errmsg(db));
		goto out;
	}
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		*why = strdup(sqlite3_errmsg(db));
		goto out;
	}
	t = (const char *)sqlite3_column_text(stmt, 0);
	ok = t != NULL && strcmp(t, "ok") == 0;
	if (!ok)
		*why = strdup(t != NULL ? t : "integrity check failed");
out:
	sqlite3_finalize(stmt);
	return ok;
}

static int
query_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return sqlite3_errcode(db);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(stmt, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_NOTFOUND;
	}
	sqlite3_finalize(stmt);
	return rc;
}

int
pd_store_backup(struct pd_store *st, const char *path)
{
	struct pd_buf tmp = PD_BUF_INIT;
	struct stat a, b;
	sqlite3 *dst = NULL;
	const char *live;
	char *why = NULL;
	int rc, xrc;

	pd_error_clear(&st->err);
	if (path == NULL || *path == '\0')
		return pd_error_set(&st->err, PD_EINVAL, "file",
		    "file: no backup file given");
	live = sqlite3_db_filename(st->db, "main");
	if (live != NULL && stat(live, &a) == 0 && stat(path, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return pd_error_set(&st->err, PD_EINVAL, "file",
		    "file: '%s' is the database itself", path);
	pd_buf_addf(&tmp, "%s.tmp", path);
	if (pd_buf_failed(&tmp))
		return pd_error_set(&st->err, PD_ENOMEM, NULL, "out of memory");
	remove_db(tmp.data);
	if ((xrc = vacuum_into(st->db, tmp.data)) != SQLITE_OK) {
		rc = pd_error_set(&st->err, (xrc & 0xff) == SQLITE_BUSY ||
		    (xrc & 0xff) == SQLITE_LOCKED ? PD_EDB : PD_EIO, "file",
		    "file: copying the database to '%s': %s", path,
		    sqlite3_errstr(xrc));
		goto out;
	}
	if (sqlite3_open_v2(tmp.data, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = pd_error_set(&st->err, PD_EIO, "file",
		    "file: cannot open '%s': %s", tmp.data,
		    dst != NULL ? sqlite3_errmsg(dst) : "out of memory");
		goto out;
	}
	/* One file that needs no -wal beside it; checked before it counts. */
	if (sqlite3_exec(dst, "PRAGMA secure_delete = ON; "
	    "PRAGMA journal_mode = DELETE", NULL, NULL,
	    NULL) != SQLITE_OK) {
		rc = pd_error_set(&st->err, PD_EIO, "file", "file: '%s': %s",
		    tmp.data, sqlite3_errmsg(dst));
		goto out;
	}
	if (!intact(dst, &why)) {
		rc = pd_error_set(&st->err, PD_EDB, "file",
		    "file: the copy fails its integrity check: %s",
		    why != NULL ? why : "?");
		goto out;
	}
	sqlite3_close(dst);
	dst = NULL;
	if (sync_path(tmp.data, 0) != 0 || rename(tmp.data, path) != 0 ||
	    sync_path(path, 1) != 0) {
		rc = pd_error_set(&st->err, PD_EIO, "file", "file: '%s': %s",
		    path, strerror(errno));
		goto out;
	}
	rc = PD_OK;
out:
	sqlite3_close(dst);
	if (rc != PD_OK)
		remove_db(tmp.data);
	pd_buf_free(&tmp);
	free(why);
	return rc;
}

/*
 * Checks that path holds a podium database this podium can take: an
 * SQLite file, intact, with podium's tables, of schema version 1 up to
 * ours.  PD_EINVAL naming the file otherwise.
 */
static int
check_backup(const char *path, struct pd_error *err)
{
	sqlite3 *db = NULL;
	int64_t v = 0, n = 0;
	char *why = NULL;
	int rc;

	if (access(path, R_OK) != 0) {
		rc = pd_error_set(err, errno == ENOENT ? PD_ENOTFOUND : PD_EIO,
		    "file", "file: cannot read '%s': %s", path,
		    strerror(errno));
		goto out;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = pd_error_set(err, PD_EINVAL, "file",
		    "file: '%s' is not a podium database: %s", path,
		    db != NULL ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	/* A file that is not SQLite fails here, at its first read. */
	if (query_int(db, "PRAGMA user_version", &v) != SQLITE_OK) {
		rc = pd_error_set(err, PD_EINVAL, "file",
		    "file: '%s' is not a podium database: %s", path,
		    sqlite3_errmsg(db));
		goto out;
	}
	if (!intact(db, &why)) {
		rc = pd_error_set(err, PD_EINVAL, "file",
		    "file: '%s' is damaged: %s", path,
		    why != NULL ? why : "?");
		goto out;
	}
	if (query_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = "
	    "'table' AND name IN ('meta', 'person', 'event', 'talk', "
	    "'attendance')", &n) != SQLITE_OK || n != 5 || v < 1 ||
	    query_int(db, "SELECT v FROM meta WHERE k = 'revision'",
	    &n) != SQLITE_OK) {
		rc = pd_error_set(err, PD_EINVAL, "file",
		    "file: '%s' is an SQLite file but not a podium database",
		    path);
		goto out;
	}
	if (v > PD_STORE_SCHEMA_VERSION) {
		rc = pd_error_set(err, PD_EINVAL, "file",
		    "file: '%s' has schema version %lld, newer than this "
		    "podium knows (%d); use a newer podium", path,
		    (long long)v, PD_STORE_SCHEMA_VERSION);
		goto out;
	}
	rc = PD_OK;
out:
	sqlite3_close(db);
	free(why);
	return rc;
}

/* Copies the store's error into err. */
static int
pass_err(struct pd_store *st, struct pd_error *err, int rc)
{
	const struct pd_error *e = pd_store_error(st);

	return pd_error_set(err, e->code != PD_OK ? e->code : rc, e->field,
	    "%s", e->msg != NULL ? e->msg : pd_strerror(rc));
}

/*
 * The live database's settings (store_setting.c) go into the copy being
 * restored, over the backup's: a running podiumd keeps signing with the
 * key it loaded, and the links already mailed were signed with it, so
 * the CLI must go on finding that key after a restore (a backup from
 * before migration 4 has none at all).
 */
static int
keep_settings(sqlite3 *live, sqlite3 *copy)
{
	sqlite3_stmt *get = NULL, *put = NULL;
	int rc;

	if ((rc = sqlite3_prepare_v2(live, "SELECT k, v FROM setting", -1,
	    &get, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_prepare_v2(copy, "INSERT INTO setting (k, v) "
	    "VALUES (?1, ?2) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
	    -1, &put, NULL)) != SQLITE_OK)
		goto out;
	while ((rc = sqlite3_step(get)) == SQLITE_ROW) {
		if ((rc = sqlite3_bind_value(put, 1,
		    sqlite3_column_value(get, 0))) != SQLITE_OK ||
		    (rc = sqlite3_bind_value(put, 2,
		    sqlite3_column_value(get, 1))) != SQLITE_OK ||
		    (rc = sqlite3_step(put)) != SQLITE_DONE)
			goto out;
		sqlite3_reset(put);
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
out:
	sqlite3_finalize(get);
	sqlite3_finalize(put);
	return rc;
}

int
pd_store_restore(const char *backup, const char *path, int64_t now,
    struct pd_error *err)
{
	return pd_store_restore_erasing(backup, path, now, NULL, 0, NULL, err);
}

int
pd_store_restore_erasing(const char *backup, const char *path, int64_t now,
    const unsigned char *key, size_t keylen, size_t *reapplied,
    struct pd_error *err)
{
	struct pd_buf tmp = PD_BUF_INIT;
	struct pd_store *src = NULL, *st = NULL;
	sqlite3 *raw = NULL;
	int64_t before = 0, after = 0;
	size_t again = 0;
	char *sql = NULL;
	int rc, xrc;

	if (backup == NULL || *backup == '\0' || path == NULL || *path == '\0')
		return pd_error_set(err, PD_EINVAL, "file",
		    "file: no backup or database file given");
	if ((rc = check_backup(backup, err)) != PD_OK)
		return rc;
	/*
	 * Migrate a copy, not the database: podiumd may be running on it,
	 * and must never see an old schema, only the old data or the new.
	 */
	pd_buf_addf(&tmp, "%s.restore-tmp", path);
	if (pd_buf_failed(&tmp)) {
		rc = pd_error_set(err, PD_ENOMEM, NULL, "out of memory");
		goto out;
	}
	remove_db(tmp.data);
	if (sqlite3_open_v2(backup, &raw, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = pd_error_set(err, PD_EINVAL, "file", "file: '%s': %s",
		    backup, raw != NULL ? sqlite3_errmsg(raw) : "out of memory");
		goto out;
	}
	if ((rc = pd_store_open(tmp.data, now, &src, err)) != PD_OK)
		goto out;
	if ((xrc = copy_db(src->db, raw)) != SQLITE_OK) {
		rc = pd_error_set(err, PD_EIO, "file",
		    "file: copying '%s': %s", backup, sqlite3_errstr(xrc));
		goto out;
	}
	sqlite3_close(raw);
	raw = NULL;
	pd_store_close(src);
	src = NULL;
	/* Opening migrates the copy to this podium's schema. */
	if ((rc = pd_store_open(tmp.data, now, &src, err)) != PD_OK)
		goto out;
	if ((rc = pd_store_open(path, now, &st, err)) != PD_OK)
		goto out;
	/*
	 * Erasures made after the backup was taken are made again on the
	 * copy, before it goes in: nobody forgotten comes back, not even
	 * for a moment.
	 */
	if ((rc = pd_st_erasures_carry(st, src)) != PD_OK ||
	    (rc = pd_store_erasures_apply(src, key, keylen, &again)) != PD_OK) {
		rc = pass_err(src->err.code != PD_OK ? src : st, err, rc);
		goto out;
	}
	if ((rc = pd_store_revision(st, &before)) != PD_OK ||
	    (rc = pd_store_revision(src, &after)) != PD_OK) {
		rc = pass_err(st, err, rc);
		goto out;
	}
	if (keep_settings(st->db, src->db) != SQLITE_OK) {
		rc = pd_error_set(err, PD_EDB, NULL, "database: keeping the "
		    "answer-link key: %s", sqlite3_errmsg(src->db));
		goto out;
	}
	/*
	 * Above both, so that no cache keyed by revision is taken as fresh;
	 * the render marks too (feed pieces, store.c), so that no event of
	 * the backup looks like one a running daemon has rendered.
	 */
	sql = sqlite3_mprintf("UPDATE meta SET v = %lld WHERE k = 'revision';"
	    "UPDATE event SET render_mark = %lld",
	    (long long)((before > after ? before : after) + 1),
	    (long long)((before > after ? before : after) + 1));
	if (sql == NULL || sqlite3_exec(src->db, sql, NULL, NULL,
	    NULL) != SQLITE_OK) {
		rc = pd_error_set(err, PD_EDB, NULL, "database: %s",
		    sqlite3_errmsg(src->db));
		goto out;
	}
	if ((xrc = copy_db(st->db, src->db)) != SQLITE_OK) {
		rc = pd_error_set(err, (xrc & 0xff) == SQLITE_BUSY ||
		    (xrc & 0xff) == SQLITE_LOCKED ? PD_EDB : PD_EIO, "db",
		    "db: writing '%s': %s", path, sqlite3_errstr(xrc));
		goto out;
	}
	/* A writer that slipped in before the copy had its number reused. */
	if (sqlite3_exec(st->db, "UPDATE meta SET v = v + 1 WHERE k = "
	    "'revision'", NULL, NULL, NULL) != SQLITE_OK) {
		rc = pd_error_set(err, PD_EDB, NULL, "database: %s",
		    sqlite3_errmsg(st->db));
		goto out;
	}
	/* The old contents' page images must not linger in the -wal. */
	sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	    NULL, NULL);
	if (reapplied != NULL)
		*reapplied = again;
	rc = PD_OK;
out:
	sqlite3_free(sql);
	sqlite3_close(raw);
	pd_store_close(src);
	pd_store_close(st);
	remove_db(tmp.data);
	pd_buf_free(&tmp);
	return rc;
}
