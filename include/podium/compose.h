/*
 * Composing a planned mail into RFC 5322 bytes, with GMime.
 *
 * Pure apart from reading template files: the same mail, context and
 * "now" give the same bytes (the MIME boundary is derived from the key),
 * which is what the golden tests compare and what a retry re-sends.
 */
#ifndef PODIUM_COMPOSE_H
#define PODIUM_COMPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "podium/err.h"
#include "podium/plan.h"

struct pd_compose_ctx {
	const char *from;		/* "SMARTCity Gera <smartcity@…>" */
	const char *base_url;		/* for answer links, no trailing / */
	const unsigned char *key;	/* 32-byte HMAC key for answer links */
	int64_t now;			/* the Date header */
	const char *datadir;		/* templates; NULL: the default */
	const char *reply_to;		/* [mail] reply_to: iMIP ORGANIZER
					   "rsvp+TAG@…" (reply.h); NULL:
					   the event's organizer */
};

struct pd_composed {
	char *message;			/* CRLF line ends */
	size_t len;
	char *mail_from;		/* envelope sender address */
	char *rcpt;			/* envelope recipients, ", "-separated */
	char *message_id;		/* without <> */
	char *subject;			/* as written, before RFC 2047 */
};

/*
 * Composes m.  For PD_MAIL_TEST, m->ev may be NULL and m->to needs only an
 * address.  PD_EINVAL with err naming the problem when a template is
 * broken or the sender is not an address.
 */
int pd_mail_compose(const struct pd_mail *m, const struct pd_compose_ctx *ctx,
    struct pd_composed *out, struct pd_error *err);
void pd_composed_clear(struct pd_composed *c);

#endif
