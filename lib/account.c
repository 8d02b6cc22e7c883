/*
 * Organizer accounts outside the store: what a valid account is, and
 * the password hashes (libsodium's Argon2id, crypto_pwhash_str).
 *
 * Not here: keeping accounts (store_account.c), logging in (web_session.c).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "podium/account.h"
#include "podium/store.h"

#define MIN_PASSWORD 8
#define MAX_PASSWORD 1024

/*
 * Verified against when the account does not exist, so that an unknown
 * address costs the same Argon2id work as a wrong password.  Made with
 * the interactive limits pd_account_password_hash uses; nobody knows a
 * password for it that matters.
 */
static const char DUMMY_HASH[] =
    "$argon2id$v=19$m=65536,t=2,p=1$XXQEGJAvrg3KKBYyB8056A$"
    "hdgqWwK/hJ8n80YtVSyoYDPN6yHyMwovMzDvPzdKJkc";

void
pd_account_clear(struct pd_account *a)
{
	if (a == NULL)
		return;
	free(a->email);
	free(a->name);
	free(a->lang);
	memset(a, 0, sizeof(*a));
}

void
pd_account_list_free(struct pd_account *list, size_t n)
{
	size_t i;

	for (i = 0; list != NULL && i < n; i++)
		pd_account_clear(&list[i]);
	free(list);
}

int
pd_account_validate(const char *email, const char *lang,
    const char *password, struct pd_error *err)
{
	const char *at;
	size_t n;

	if (email == NULL || (n = strlen(email)) == 0)
		return pd_error_set(err, PD_EINVAL, "email",
		    "email: an e-mail address is needed");
	at = strchr(email, '@');
	if (n > 254 || at == NULL || at == email || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL || strpbrk(email, " \t\r\n<>,;\"") !=
	    NULL)
		return pd_error_set(err, PD_EINVAL, "email",
		    "email: '%.254s' is not an e-mail address", email);
	if (lang != NULL && *lang != '\0' && strcmp(lang, "de") != 0 &&
	    strcmp(lang, "en") != 0)
		return pd_error_set(err, PD_EINVAL, "lang",
		    "lang: must be de or en, not '%.20s'", lang);
	if (password != NULL) {
		n = strlen(password);
		if (n < MIN_PASSWORD)
			return pd_error_set(err, PD_EINVAL, "password",
			    "password: at least %d characters", MIN_PASSWORD);
		if (n > MAX_PASSWORD)
			return pd_error_set(err, PD_EINVAL, "password",
			    "password: at most %d bytes", MAX_PASSWORD);
	}
	return PD_OK;
}

int
pd_account_password_hash(const char *password, char **out)
{
	char *h;

	if (sodium_init() < 0 || (h = malloc(crypto_pwhash_STRBYTES)) == NULL)
		return PD_ENOMEM;
	if (crypto_pwhash_str(h, password, strlen(password),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		free(h);
		return PD_ENOMEM;
	}
	*out = h;
	return PD_OK;
}

int
pd_account_password_verify(const char *hash, const char *password)
{
	int ok;

	if (sodium_init() < 0)
		return 0;
	ok = crypto_pwhash_str_verify(hash != NULL ? hash : DUMMY_HASH,
	    password, strlen(password)) == 0;
	return hash != NULL && ok;
}
