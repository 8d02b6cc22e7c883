/*
 * Retention (privacy.h): mail is kept no longer than needed (Art.
 * 5(1)(e) GDPR).  The outbox's text of old messages is purged by the
 * store (pd_store_outbox_purge); here the spool files go, by the age of
 * their message in the outbox (not the file's mtime, so that the
 * injected clock, PODIUM_NOW, decides alike for both).  Calendar replies
 * lose their addresses at the same age, and failed-login rows go when
 * their throttle window is over.
 *
 * Not here: how often (the scheduler, sched.c), the erasure of a person
 * (store_forget.c), whose spool files pd_spool_remove deletes.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "podium/account.h"
#include "podium/buf.h"
#include "podium/outbox.h"
#include "podium/privacy.h"
#include "podium/store.h"

/* unlink that counts; a file already gone is no error. */
static int
remove_file(const char *path, size_t *removed, struct pd_error *err)
{
	if (unlink(path) == 0) {
		if (removed != NULL)
			(*removed)++;
		return PD_OK;
	}
	if (errno == ENOENT)
		return PD_OK;
	return pd_error_set(err, PD_EIO, "spool_dir", "spool_dir: cannot "
	    "delete %s: %s", path, strerror(errno));
}

int
pd_spool_remove(const char *spool_dir, const int64_t *ids,
    char *const *kinds, size_t n, size_t *removed, struct pd_error *err)
{
	struct pd_buf path = PD_BUF_INIT;
	size_t i;
	int rc = PD_OK;

	if (spool_dir == NULL)
		return PD_OK;
	for (i = 0; i < n && rc == PD_OK; i++) {
		pd_buf_reset(&path);
		/* The name spool() in sched.c writes. */
		pd_buf_addf(&path, "%s/%06lld-%s.eml", spool_dir,
		    (long long)ids[i], kinds[i]);
		rc = pd_buf_failed(&path) ? PD_ENOMEM :
		    remove_file(path.data, removed, err);
	}
	pd_buf_free(&path);
	return rc;
}

/* "000042-invitation.eml" -> 42; 0 for anything else. */
static int64_t
spool_id(const char *name)
{
	const char *p = name;
	int64_t id = 0;
	size_t len = strlen(name);

	if (len < 6 || strcmp(name + len - 4, ".eml") != 0)
		return 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (id > (INT64_MAX - 9) / 10)
			return 0;
		id = id * 10 + (*p - '0');
	}
	return *p == '-' ? id : 0;
}

static void
lock_on(pthread_mutex_t *lock)
{
	if (lock != NULL)
		pthread_mutex_lock(lock);
}

static void
lock_off(pthread_mutex_t *lock)
{
	if (lock != NULL)
		pthread_mutex_unlock(lock);
}

/* Deletes the spool files of messages created before before. */
static int
spool_purge(struct pd_store *st, pthread_mutex_t *lock, const char *dir,
    int64_t before, size_t *removed, struct pd_error *err)
{
	struct pd_buf path = PD_BUF_INIT;
	struct dirent *de;
	int64_t id, created;
	DIR *d;
	int rc = PD_OK, found;

	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? PD_OK : pd_error_set(err, PD_EIO,
		    "spool_dir", "spool_dir: %s: %s", dir, strerror(errno));
	while (rc == PD_OK && (de = readdir(d)) != NULL) {
		if ((id = spool_id(de->d_name)) == 0)
			continue;
		lock_on(lock);
		found = pd_store_outbox_created(st, id, &created);
		lock_off(lock);
		/* A file of no message (another database's) is left alone. */
		if (found != PD_OK || created >= before)
			continue;
		pd_buf_reset(&path);
		pd_buf_addf(&path, "%s/%s", dir, de->d_name);
		rc = pd_buf_failed(&path) ? PD_ENOMEM :
		    remove_file(path.data, removed, err);
	}
	closedir(d);
	pd_buf_free(&path);
	return rc;
}

int
pd_retention_run(struct pd_store *st, pthread_mutex_t *lock,
    const char *spool_dir, int64_t now, int64_t mail_retention,
    int64_t spool_retention, struct pd_retention_stats *stats,
    struct pd_error *err)
{
	struct pd_retention_stats s = { 0, 0, 0, 0 };
	int rc;

	lock_on(lock);
	rc = pd_store_throttle_purge(st, now - PD_THROTTLE_WINDOW,
	    &s.throttles);
	if (rc == PD_OK && mail_retention > 0 &&
	    (rc = pd_store_outbox_purge(st, now - mail_retention,
	    &s.messages)) == PD_OK)
		rc = pd_store_reply_purge(st, now - mail_retention, &s.replies);
	if (rc != PD_OK) {
		const struct pd_error *e = pd_store_error(st);

		pd_error_set(err, rc, e->field, "retention: %s",
		    e->msg != NULL ? e->msg : pd_strerror(rc));
	}
	lock_off(lock);
	if (rc == PD_OK && spool_retention > 0 && spool_dir != NULL)
		rc = spool_purge(st, lock, spool_dir, now - spool_retention,
		    &s.files, err);
	if (stats != NULL) {
		stats->messages += s.messages;
		stats->files += s.files;
		stats->replies += s.replies;
		stats->throttles += s.throttles;
	}
	return rc;
}
