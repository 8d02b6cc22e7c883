/*
 * Answer links: the one-click "accept / decline" links a requested speaker
 * gets by mail, and the key that signs them.
 *
 * An answer token names a talk and its speaker and says until when it may
 * be used.  Nothing is stored for it: the token carries its own data and
 * an HMAC-SHA256 over that data, so the daemon can check it with nothing
 * but the key, and a copy of the database hands out no working links.
 *
 * Token format (version 1), 60 characters of unpadded base64url, so it
 * fits a URL path segment untouched and needs no "." or "=":
 *
 *	base64url( 0x01 | talk id | person id | expiry | mac )
 *
 * with talk id, person id and expiry (unix seconds) as 8-byte big-endian
 * integers (25 bytes of payload) and mac the first 20 bytes (160 bits) of
 * HMAC-SHA256(key, "podium answer v1" NUL | payload).  The purpose string
 * inside the MAC keeps tokens of this kind from ever being accepted as
 * anything else signed with the same key.  45 bytes are exactly 60
 * characters, so no character carries unused bits and every token has
 * one spelling only.
 */
#ifndef PODIUM_ANSWER_H
#define PODIUM_ANSWER_H

#include <stdint.h>

#include "podium/err.h"
#include "podium/model.h"

#define PD_ANSWER_KEY_LEN 32
#define PD_ANSWER_TOKEN_LEN 60		/* characters, without the NUL */
/* How long a link keeps working after the event's end: a day, so that a
 * speaker can still answer on the evening of the event. */
#define PD_ANSWER_GRACE 86400

/* What pd_answer_token_check found. */
enum pd_answer_state {
	PD_ANSWER_VALID,	/* MAC right, not expired: ids are set */
	PD_ANSWER_INVALID,	/* malformed, tampered or another key's */
	PD_ANSWER_EXPIRED	/* MAC right, but now is past the expiry */
};

/*
 * Makes the token for talk_id / person_id (both > 0) that works until
 * expiry (unix seconds, inclusive).  *out is a NUL-terminated string the
 * caller frees; it is set only on success.  PD_EINVAL for ids <= 0,
 * PD_ENOMEM.
 */
int pd_answer_token_make(const unsigned char key[PD_ANSWER_KEY_LEN],
    int64_t talk_id, int64_t person_id, int64_t expiry, char **out);

/*
 * Checks token against key at time now.  Returns PD_OK only when the
 * token is valid: then *talk_id and *person_id are set.  Otherwise returns
 * PD_EINVAL and leaves them alone.  state (may be NULL) always says which
 * case it was, so that a caller can tell "expired" (410) from "invalid"
 * (404).  The MAC is compared in constant time, and a token is called
 * expired only when its MAC is right: a forged token is always "invalid",
 * whatever expiry it claims.
 */
int pd_answer_token_check(const unsigned char key[PD_ANSWER_KEY_LEN],
    const char *token, int64_t now, int64_t *talk_id, int64_t *person_id,
    enum pd_answer_state *state);

/*
 * The expiry to put into a token for a talk at ev: the end of the event
 * plus PD_ANSWER_GRACE.  For a recurring event, the end of the first
 * occurrence that has not ended (with the grace) by now, or of the last
 * one when the series is over, so that a request sent during a series
 * expires with the next session rather than with the first.  PD_EINVAL
 * when the event's times or rule cannot be read.
 */
int pd_answer_expiry(const struct pd_event *ev, int64_t now, int64_t *out);

/*
 * "BASE/respond/TOKEN"; a trailing '/' of base_url is dropped.  *out is
 * the caller's to free, set only on success.  PD_EINVAL for a NULL or
 * empty base_url or token, PD_ENOMEM.
 */
int pd_answer_link(const char *base_url, const char *token, char **out);

/*
 * Reads the HMAC key from an existing file ([secrets] key_file of an
 * older podium; the key now lives in the database, store.h
 * pd_store_answer_key_setup).  A missing file is PD_ENOTFOUND: it is
 * never created here.
 *
 * The file holds either exactly 32 raw bytes or 64 hex digits with an
 * optional trailing newline (as "openssl rand -hex 32" writes).  Refused
 * with PD_EINVAL and a message in err: any other size or content, a file
 * that is not a regular file, and a file that the group or others may
 * read or write (chmod 600 it).  PD_EIO when it cannot be read.
 * key is written only on success.
 */
int pd_answer_key_load(const char *path,
    unsigned char key[PD_ANSWER_KEY_LEN], struct pd_error *err);

#endif
