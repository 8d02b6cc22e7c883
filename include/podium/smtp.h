/*
 * SMTP delivery with libcurl: the only place podium talks to a mail
 * server.
 *
 * One struct pd_smtp keeps one libcurl easy handle, so consecutive
 * messages go over one connection (libcurl keeps it open and reuses it
 * for the same URL).  Each send reports whether a failure is worth a
 * retry (connection refused, timeout, 4xx) or final (5xx).
 */
#ifndef PODIUM_SMTP_H
#define PODIUM_SMTP_H

#include <signal.h>
#include <stddef.h>

#include "podium/config.h"

struct pd_smtp_opts {
	const char *url;		/* smtp://host:port or smtps:// */
	enum pd_starttls starttls;
	const char *username;		/* NULL: no AUTH */
	const char *password;
	const char *ca_file;		/* NULL: the system's CAs */
	long timeout;			/* seconds per message; 0: 60 */
};

enum pd_smtp_result {
	PD_SMTP_SENT = 0,
	PD_SMTP_TRANSIENT = 1,		/* try again later */
	PD_SMTP_PERMANENT = 2		/* the server refused for good */
};

struct pd_smtp;

/* Copies what it needs from opts.  PD_ENOMEM when libcurl cannot start. */
int pd_smtp_new(const struct pd_smtp_opts *opts, struct pd_smtp **out);
void pd_smtp_free(struct pd_smtp *s);

/*
 * Sends one message (msg: len bytes, CRLF line ends, headers included) to
 * the envelope recipients.  *errmsg (may be NULL) gets a one-line reason
 * on failure, owned by the caller; it never holds the password.
 */
enum pd_smtp_result pd_smtp_send(struct pd_smtp *s, const char *from,
    const char *const *rcpt, size_t nrcpt, const char *msg, size_t len,
    char **errmsg);

/*
 * The recipients the server refused in the last send, with its replies:
 * "a@x (550 5.1.1 ...); b@y (451 ...)"; NULL when it refused none.  A
 * message goes to every recipient the server accepts, so a send can be
 * PD_SMTP_SENT and still have refused some; it fails only when every
 * recipient was refused (PD_SMTP_TRANSIENT if one of them said 4xx).
 * The string belongs to s and lives until its next send.
 */
const char *pd_smtp_refused(const struct pd_smtp *s);

/*
 * Lets a stop request cut a send short: once *stop is nonzero, the
 * message in flight gets grace seconds more, then the transfer is
 * abandoned (PD_SMTP_TRANSIENT, "abandoned" in *errmsg) and the
 * connection dropped without waiting for the server.  stop must outlive
 * the handle; NULL (the default) waits out the timeout instead.
 */
void pd_smtp_set_stop(struct pd_smtp *s, const volatile sig_atomic_t *stop,
    long grace);

#endif
