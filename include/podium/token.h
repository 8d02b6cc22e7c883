/*
 * Secret tokens: personal feed URLs now, answer links later.
 *
 * A token is 256 bits from getrandom(), written as 43 characters of
 * unpadded base64url so that it fits a URL path segment untouched.  Only
 * its SHA-256 (hex) is ever stored, so a copy of the database does not
 * hand out working feed URLs.
 */
#ifndef PODIUM_TOKEN_H
#define PODIUM_TOKEN_H

#include <stddef.h>

#define PD_TOKEN_LEN 43		/* characters, without the NUL */
#define PD_TOKEN_HASH_LEN 64	/* hex characters, without the NUL */

/* Fills out with a fresh token.  PD_EIO when the kernel gives no entropy. */
int pd_token_new(char out[PD_TOKEN_LEN + 1]);

/* The hex SHA-256 of the len bytes of token. */
int pd_token_hash(const char *token, size_t len,
    char out[PD_TOKEN_HASH_LEN + 1]);

/* Nonzero when token looks like one of ours (length and alphabet). */
int pd_token_wellformed(const char *token, size_t len);

/*
 * Compares two byte strings in time that depends only on the lengths, so
 * that a secret cannot be guessed byte by byte from response times.
 */
int pd_token_equal(const void *a, size_t alen, const void *b, size_t blen);

#endif
