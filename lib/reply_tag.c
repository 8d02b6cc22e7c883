/*
 * The per-invitation tags of reply addresses (reply.h): making
 * "rsvp+TAG@domain" and checking a TAG.  Pure: no store, no clock; the
 * composer makes addresses with it and the intake checks them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "podium/answer.h"
#include "podium/buf.h"
#include "podium/reply.h"

#define MAC_BYTES 10		/* 80 bits */
#define MAC_CHARS 16		/* base32 of 10 bytes */
/* The MAC's domain, NUL included: never an answer token's. */
static const char PURPOSE[] = "podium rsvp v1";
static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

static void
put64(unsigned char *p, int64_t v)
{
	uint64_t u = (uint64_t)v;
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (unsigned char)(u & 0xff);
		u >>= 8;
	}
}

static int
tag_mac(const unsigned char *key, int64_t event_id, int64_t person_id,
    char out[MAC_CHARS + 1])
{
	unsigned char msg[sizeof(PURPOSE) + 16], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i, bits = 0, acc = 0, o = 0;

	memcpy(msg, PURPOSE, sizeof(PURPOSE));
	put64(msg + sizeof(PURPOSE), event_id);
	put64(msg + sizeof(PURPOSE) + 8, person_id);
	if (HMAC(EVP_sha256(), key, PD_ANSWER_KEY_LEN, msg, sizeof(msg), md,
	    &mdlen) == NULL || mdlen < MAC_BYTES)
		return PD_EINVAL;
	for (i = 0; i < MAC_BYTES; i++) {
		acc = acc << 8 | md[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	out[o] = '\0';
	OPENSSL_cleanse(md, sizeof(md));
	return PD_OK;
}

int
pd_reply_address(const unsigned char *key, const char *reply_to,
    int64_t event_id, int64_t person_id, char **out)
{
	struct pd_buf b = PD_BUF_INIT;
	char mac[MAC_CHARS + 1];
	const char *at;
	int rc;

	if (reply_to == NULL || (at = strrchr(reply_to, '@')) == NULL ||
	    at == reply_to || at[1] == '\0' || event_id <= 0 ||
	    person_id <= 0)
		return PD_EINVAL;
	if ((rc = tag_mac(key, event_id, person_id, mac)) != PD_OK)
		return rc;
	pd_buf_addf(&b, "%.*s+%lld-%lld-%s%s", (int)(at - reply_to), reply_to,
	    (long long)event_id, (long long)person_id, mac, at);
	if (pd_buf_failed(&b))
		return PD_ENOMEM;
	*out = pd_buf_detach(&b, NULL);
	return PD_OK;
}

/* A positive decimal id of at most 18 digits; *p moves past it. */
static int
read_id(const char **p, const char *end, int64_t *out)
{
	int64_t v = 0;
	int n = 0;

	while (*p < end && **p >= '0' && **p <= '9' && n < 18) {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	if (n == 0 || v <= 0 || (*p < end && **p >= '0' && **p <= '9'))
		return PD_EINVAL;
	*out = v;
	return PD_OK;
}

int
pd_reply_tag_check(const unsigned char *key, const char *address,
    int64_t *event_id, int64_t *person_id)
{
	const char *at, *plus, *p, *end;
	char want[MAC_CHARS + 1], got[MAC_CHARS + 1];
	int64_t e, pid;
	size_t i;

	if (address == NULL)
		return PD_ENOTFOUND;
	if (strncasecmp(address, "mailto:", 7) == 0)
		address += 7;
	if ((at = strrchr(address, '@')) == NULL)
		return PD_ENOTFOUND;
	/* The tag follows the last '+' of the local part. */
	for (plus = at; plus > address && plus[-1] != '+'; plus--)
		;
	if (plus == address)
		return PD_ENOTFOUND;
	p = plus;
	end = at;
	if (read_id(&p, end, &e) != PD_OK || p >= end || *p++ != '-' ||
	    read_id(&p, end, &pid) != PD_OK || p >= end || *p++ != '-' ||
	    end - p != MAC_CHARS)
		return PD_EINVAL;
	for (i = 0; i < MAC_CHARS; i++) {
		char c = p[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		got[i] = c;
	}
	got[MAC_CHARS] = '\0';
	if (tag_mac(key, e, pid, want) != PD_OK ||
	    CRYPTO_memcmp(want, got, MAC_CHARS) != 0)
		return PD_EINVAL;
	*event_id = e;
	*person_id = pid;
	return PD_OK;
}
