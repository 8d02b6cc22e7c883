/*
 * The organizers' web accounts and what hangs on them: sessions, failed
 * logins (throttling) and the one-time setup links of a first start.
 *
 * Passwords are kept only as libsodium Argon2id strings
 * (crypto_pwhash_str), session ids and setup tokens only as SHA-256
 * hashes: a copy of the database logs nobody in.  Every write here is
 * "quiet" (it does not bump the revision), because none of it changes a
 * feed or a mail.
 */
#ifndef PODIUM_ACCOUNT_H
#define PODIUM_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "podium/err.h"
#include "podium/store.h"

struct pd_account {
	int64_t id;
	char *email;
	char *name;		/* NULL: none */
	char *lang;		/* "de" or "en" */
	int64_t created;
};

void pd_account_clear(struct pd_account *a);
void pd_account_list_free(struct pd_account *list, size_t n);

/*
 * Checks what an account is made of, as the CLI and the setup page both
 * must: an e-mail address (something@something, no spaces, at most 254
 * bytes), a language (de, en; NULL is de) and a password (8 to 1024
 * bytes; NULL: not being set).  PD_EINVAL with err naming the field
 * ("email", "lang", "password").
 */
int pd_account_validate(const char *email, const char *lang,
    const char *password, struct pd_error *err);

/*
 * The Argon2id string of password (libsodium's interactive limits);
 * *out is the caller's to free.  PD_ENOMEM when the hash cannot be made.
 */
int pd_account_password_hash(const char *password, char **out);
/*
 * 1 when password matches hash, else 0.  With hash NULL (no such
 * account) the same work is done against a fixed hash, so that an
 * unknown address and a wrong password take the same time.
 */
int pd_account_password_verify(const char *hash, const char *password);

/* Accounts.  EMAIL is compared without regard to case. */
int pd_store_account_add(struct pd_store *st, const char *email,
    const char *name, const char *lang, const char *pwhash, int64_t *id);
int pd_store_account_list(struct pd_store *st, struct pd_account **out,
    size_t *n);
int pd_store_account_count(struct pd_store *st, int64_t *n);
/* *pwhash (may be NULL: not wanted) is the caller's to free. */
int pd_store_account_find(struct pd_store *st, const char *email,
    struct pd_account *out, char **pwhash);
int pd_store_account_get(struct pd_store *st, int64_t id,
    struct pd_account *out);
/* A new password ends every session of the account. */
int pd_store_account_passwd(struct pd_store *st, const char *email,
    const char *pwhash);
int pd_store_account_remove(struct pd_store *st, const char *email);

/* Sessions, by the hash of their id. */
int pd_store_session_add(struct pd_store *st, const char *id_hash,
    int64_t account_id, const char *csrf);
/* *csrf is the caller's to free.  PD_ENOTFOUND when there is none. */
int pd_store_session_get(struct pd_store *st, const char *id_hash,
    int64_t *account_id, char **csrf, int64_t *created, int64_t *seen);
int pd_store_session_touch(struct pd_store *st, const char *id_hash);
int pd_store_session_delete(struct pd_store *st, const char *id_hash);
/* Deletes sessions idle since before idle_before or made before made_before. */
int pd_store_session_purge(struct pd_store *st, int64_t idle_before,
    int64_t made_before);

/* Failed logins under a key ("account:EMAIL", "addr:IP"). */
int pd_store_throttle_get(struct pd_store *st, const char *key,
    int64_t *failures, int64_t *last);
int pd_store_throttle_fail(struct pd_store *st, const char *key);
int pd_store_throttle_clear(struct pd_store *st, const char *key);
/*
 * How long failed logins count (seconds after the last one); lib/web.c's
 * THROTTLE_WINDOW, which the retention pass needs too.
 */
#define PD_THROTTLE_WINDOW 900
/* Deletes the rows whose last failure was before before; *n (may be NULL). */
int pd_store_throttle_purge(struct pd_store *st, int64_t before, size_t *n);

/* One-time setup links: only while no account exists. */
int pd_store_setup_add(struct pd_store *st, const char *hash,
    int64_t expires);
/* PD_OK when hash is a setup link that has not expired at the store's now. */
int pd_store_setup_check(struct pd_store *st, const char *hash);
int pd_store_setup_clear(struct pd_store *st);

#endif
