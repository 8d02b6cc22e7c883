/*
 * The IMAP poller: calendar replies that arrive in a mailbox
 * ([mail] imap_url = imaps://host/INBOX) go through pd_reply_receive(),
 * the intake `podium mail receive` uses.
 *
 * libcurl speaks IMAP but has no IDLE, so this polls: STATUS for the
 * mailbox's UIDVALIDITY, UID SEARCH UNSEEN, each new message fetched by
 * its UID URL (…/INBOX/;UID=n) and marked \Seen once handled (STORE
 * through CURLOPT_CUSTOMREQUEST).  The UIDVALIDITY and the last UID
 * handled are kept in the store (reply.h), so a message is handled once
 * even when marking it seen failed; a new UIDVALIDITY starts afresh.  A
 * message the store could not take (busy, broken) is put back to unseen
 * and the pass stops there, to be retried on the next.
 */
#ifndef PODIUM_IMAP_H
#define PODIUM_IMAP_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "podium/err.h"

struct pd_store;

struct pd_imap_opts {
	const char *url;	/* imap[s]://host[:port]/MAILBOX */
	const char *username;
	const char *password;	/* NULL: none */
	const char *ca_file;	/* NULL: the system's CAs */
	long timeout;		/* seconds per request; 0: 60 */
};

struct pd_imap_stats {
	size_t fetched;
	size_t applied;
	size_t ignored;
	size_t listed;
	size_t unreadable;	/* marked seen, not a reply we can read */
	size_t deferred;	/* left unseen for the next pass */
};

/*
 * One pass over the mailbox.  The store is used only under *lock; the
 * network outside it.  key: the 32-byte [secrets] key; now: the clock.
 * Returns PD_OK when the pass went through (single messages' outcomes
 * are in stats), PD_ENET when the server could not be reached or
 * refused the login or a command (err says which), PD_EDB when the
 * store failed.
 */
int pd_imap_poll(const struct pd_imap_opts *o, struct pd_store *st,
    pthread_mutex_t *lock, const unsigned char *key, int64_t now,
    struct pd_imap_stats *stats, struct pd_error *err);

#endif
