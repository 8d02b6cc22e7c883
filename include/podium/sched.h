/*
 * The mail scheduler: one pass plans what is due (plan.h), composes it
 * (compose.h) into the outbox (outbox.h), then delivers what the outbox
 * holds, over one SMTP connection (smtp.h) or, with no smtp_url, as .eml
 * files in the spool folder.
 *
 * The store is used only under *lock (shared with the HTTP threads); the
 * SMTP conversation happens outside it.
 */
#ifndef PODIUM_SCHED_H
#define PODIUM_SCHED_H

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "podium/config.h"
#include "podium/err.h"

struct pd_store;
struct pd_sched;
struct pd_outbox_msg;

struct pd_sched_stats {
	size_t planned;		/* new outbox rows this pass */
	size_t sent;
	size_t retry;		/* transient failures, to be retried */
	size_t failed;		/* permanent failures */
	size_t dead;		/* given up after 48 h */
	size_t recovered;	/* found in "sending" after a crash */
	size_t purged;		/* message texts and spool files (retention) */
};

/*
 * cfg, key (32 bytes) and password (NULL: none) must outlive the
 * scheduler.  Nothing is contacted here.
 */
int pd_sched_new(struct pd_store *st, pthread_mutex_t *lock,
    const struct pd_config *cfg, const unsigned char *key,
    const char *password, struct pd_sched **out);
void pd_sched_free(struct pd_sched *s);

/* Puts messages a crash left in "sending" back to pending. */
int pd_sched_recover(struct pd_sched *s, struct pd_sched_stats *stats,
    struct pd_error *err);

/* Plans and composes what is due at now into the outbox. */
int pd_sched_plan(struct pd_sched *s, int64_t now,
    struct pd_sched_stats *stats, struct pd_error *err);

/*
 * Delivers every due message, stopping early (between messages) when
 * *stop becomes nonzero.  Failures of single messages are recorded in the
 * outbox, not returned; the return value is for the store failing.
 */
int pd_sched_deliver(struct pd_sched *s, int64_t now,
    const volatile sig_atomic_t *stop, struct pd_sched_stats *stats,
    struct pd_error *err);

/*
 * podium mail test: composes a test message to address, queues it like
 * any other and delivers it through exactly the same path.  *out gets
 * its outbox row afterwards (state, last error), without the bytes.
 */
int pd_sched_test(struct pd_sched *s, const char *address, int64_t now,
    struct pd_outbox_msg *out, struct pd_error *err);

/* The pause before retry number attempts (1, 2...): exponential, capped
 * at 6 h, with +-20 % jitter so that retries do not march in step. */
int64_t pd_sched_backoff(int attempts);

#endif
