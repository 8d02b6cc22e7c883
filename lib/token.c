/*
 * Secret tokens (token.h).  Hashing and the constant-time comparison come
 * from OpenSSL's libcrypto, which libcurl already brings along.
 */
#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "podium/err.h"
#include "podium/token.h"

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
pd_token_new(char out[PD_TOKEN_LEN + 1])
{
	unsigned char r[33];	/* 32 random bytes, one pad for the loop */
	size_t got = 0, i, o = 0;
	ssize_t n;
	unsigned v;

	while (got < 32) {
		n = getrandom(r + got, 32 - got, 0);
		if (n < 0)
			return PD_EIO;
		got += (size_t)n;
	}
	r[32] = 0;
	for (i = 0; i < 33; i += 3) {
		v = (unsigned)r[i] << 16 | (unsigned)(i + 1 < 33 ? r[i + 1] : 0) << 8 |
		    (unsigned)(i + 2 < 33 ? r[i + 2] : 0);
		out[o++] = b64url[(v >> 18) & 63];
		out[o++] = b64url[(v >> 12) & 63];
		out[o++] = b64url[(v >> 6) & 63];
		out[o++] = b64url[v & 63];
	}
	/* 33 bytes make 44 characters; the last only encodes the pad byte. */
	out[PD_TOKEN_LEN] = '\0';
	return PD_OK;
}

int
pd_token_hash(const char *token, size_t len, char out[PD_TOKEN_HASH_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (EVP_Digest(token, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		return PD_EINVAL;
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * mdlen] = '\0';
	return PD_OK;
}

int
pd_token_wellformed(const char *token, size_t len)
{
	size_t i;

	if (len != PD_TOKEN_LEN)
		return 0;
	for (i = 0; i < len; i++) {
		if (token[i] == '\0' || strchr(b64url, token[i]) == NULL)
			return 0;
	}
	return 1;
}

int
pd_token_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	if (alen != blen)
		return 0;
	return CRYPTO_memcmp(a, b, alen) == 0;
}
