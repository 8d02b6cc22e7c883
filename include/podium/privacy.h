/*
 * Privacy by design (GDPR Art. 5(1)(e), 15, 17, 25, 32): what podium does
 * beyond the store to keep personal data no longer than needed, hand a
 * person their data and leave no copy of a forgotten person.
 *
 * - retention (lib/retention.c): the text of sent, failed and dead mail
 *   older than [privacy] mail_retention is purged from the outbox, and
 *   spool files older than spool_retention are deleted; the scheduler
 *   runs it (sched.c);
 * - spool files of given messages (a forget) are deleted;
 * - the Art. 15 export (lib/person_export.c): everything about one
 *   person as JSON;
 * - SMTP answers echo addresses: pd_redact_addresses() takes them out
 *   before an error is stored or printed (lib/redact.c).
 *
 * The erasure itself is the store's (pd_store_person_forget, store.h).
 */
#ifndef PODIUM_PRIVACY_H
#define PODIUM_PRIVACY_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "podium/err.h"

struct pd_store;

/*
 * Deletes SPOOL/ID-KIND.eml, the name the scheduler writes, for each
 * message; files that are not there are fine.  *removed (may be NULL)
 * counts the files deleted.  PD_EIO (err says which) when one exists and
 * cannot be deleted.
 */
int pd_spool_remove(const char *spool_dir, const int64_t *ids,
    char *const *kinds, size_t n, size_t *removed, struct pd_error *err);

struct pd_retention_stats {
	size_t messages;	/* outbox rows whose text was purged */
	size_t files;		/* spool files deleted */
	size_t replies;		/* calendar replies whose addresses went */
	size_t throttles;	/* failed-login rows past their window */
};

/*
 * Calendar replies received before before lose sender, attendee, the
 * address delegated to and the reason text (which names them); the row
 * keeps message_id, so the intake stays idempotent, and what orders
 * answers (person, PARTSTAT, DTSTAMP).  *n (may be NULL) counts them.
 */
int pd_store_reply_purge(struct pd_store *st, int64_t before, size_t *n);

/*
 * One retention pass at now: purges the text of sent, failed and dead
 * messages created more than mail_retention seconds ago (the row stays:
 * key, kind, state and times prevent a second send), and deletes the
 * spool files (spool_dir, NULL: none) of messages created more than
 * spool_retention seconds ago.  A retention of 0 or less keeps forever.
 * Calendar replies follow mail_retention (pd_store_reply_purge), and
 * failed-login rows older than PD_THROTTLE_WINDOW go whatever it is.
 * The store is used only under lock (may be NULL).
 */
int pd_retention_run(struct pd_store *st, pthread_mutex_t *lock,
    const char *spool_dir,
    int64_t now, int64_t mail_retention, int64_t spool_retention,
    struct pd_retention_stats *stats, struct pd_error *err);

/*
 * Everything podium holds about person id as JSON text (Art. 15): the
 * person, organization, group memberships, attendances, talks, the
 * personal feed, and the messages to them (To or Cc) with their headers
 * and text decoded.  Nothing of anyone else: other people are named by
 * id only.  *out is the caller's (free()).
 */
int pd_person_export(struct pd_store *st, int64_t id, char **out,
    struct pd_error *err);

/*
 * A copy of s with everything that looks like an e-mail address (a word
 * with an '@') replaced by "[address]": SMTP servers echo the recipient
 * in their errors, and those go to logs and listings.  NULL: NULL or out
 * of memory.
 */
char *pd_redact_addresses(const char *s);

/*
 * A forget's report as JSON (jansson's json_t, a new reference), the
 * same for the CLI's --json and the API: counts, files, mentions.
 */
struct pd_forget_report;
struct json_t;
struct json_t *pd_forget_report_json(const struct pd_forget_report *r,
    int dry, size_t files);

#endif
