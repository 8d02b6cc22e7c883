/*
 * Answer tokens and their key (answer.h): making and checking the signed,
 * self-contained tokens of the speakers' accept/decline links, the expiry
 * they carry, and the key file that signs them.
 *
 * This file does not know about HTTP or pages (respond.c does) nor about
 * mail; it only turns (talk, person, expiry) into a string and back.
 * HMAC and the constant-time comparison come from OpenSSL's libcrypto.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libical/ical.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "podium/answer.h"
#include "podium/buf.h"
#include "podium/tz.h"

#define VERSION 1
#define PAYLOAD_LEN 25		/* version, talk, person, expiry */
#define MAC_LEN 20		/* of HMAC-SHA256's 32 */
#define RAW_LEN (PAYLOAD_LEN + MAC_LEN)
/* The MAC's domain: what the signed bytes mean, NUL included. */
static const char PURPOSE[] = "podium answer v1";

/* Bound on the occurrences walked for a recurring event's expiry. */
#define MAX_OCCURRENCES 5000

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

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

static int64_t
get64(const unsigned char *p)
{
	uint64_t u = 0;
	int i;

	for (i = 0; i < 8; i++)
		u = u << 8 | p[i];
	return (int64_t)u;
}

static int
mac(const unsigned char key[PD_ANSWER_KEY_LEN],
    const unsigned char payload[PAYLOAD_LEN], unsigned char out[MAC_LEN])
{
	unsigned char msg[sizeof(PURPOSE) + PAYLOAD_LEN];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	memcpy(msg, PURPOSE, sizeof(PURPOSE));
	memcpy(msg + sizeof(PURPOSE), payload, PAYLOAD_LEN);
	if (HMAC(EVP_sha256(), key, PD_ANSWER_KEY_LEN, msg, sizeof(msg), md,
	    &mdlen) == NULL || mdlen < MAC_LEN)
		return PD_EINVAL;
	memcpy(out, md, MAC_LEN);
	OPENSSL_cleanse(md, sizeof(md));
	return PD_OK;
}

/* RAW_LEN is a multiple of 3, so the encoding has no padding bits. */
static void
encode(const unsigned char raw[RAW_LEN], char out[PD_ANSWER_TOKEN_LEN + 1])
{
	size_t i, o = 0;
	unsigned v;

	for (i = 0; i < RAW_LEN; i += 3) {
		v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 |
		    raw[i + 2];
		out[o++] = b64url[(v >> 18) & 63];
		out[o++] = b64url[(v >> 12) & 63];
		out[o++] = b64url[(v >> 6) & 63];
		out[o++] = b64url[v & 63];
	}
	out[o] = '\0';
}

static int
b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

static int
decode(const char *s, unsigned char raw[RAW_LEN])
{
	size_t i, o = 0;
	unsigned v;
	int j, d;

	if (strnlen(s, PD_ANSWER_TOKEN_LEN + 1) != PD_ANSWER_TOKEN_LEN)
		return PD_EINVAL;
	for (i = 0; i < PD_ANSWER_TOKEN_LEN; i += 4) {
		v = 0;
		for (j = 0; j < 4; j++) {
			if ((d = b64val(s[i + (size_t)j])) < 0)
				return PD_EINVAL;
			v = v << 6 | (unsigned)d;
		}
		raw[o++] = (unsigned char)(v >> 16);
		raw[o++] = (unsigned char)(v >> 8);
		raw[o++] = (unsigned char)v;
	}
	return PD_OK;
}

int
pd_answer_token_make(const unsigned char key[PD_ANSWER_KEY_LEN],
    int64_t talk_id, int64_t person_id, int64_t expiry, char **out)
{
	unsigned char raw[RAW_LEN];
	char *s;
	int rc;

	if (talk_id <= 0 || person_id <= 0)
		return PD_EINVAL;
	raw[0] = VERSION;
	put64(raw + 1, talk_id);
	put64(raw + 9, person_id);
	put64(raw + 17, expiry);
	if ((rc = mac(key, raw, raw + PAYLOAD_LEN)) != PD_OK)
		return rc;
	if ((s = malloc(PD_ANSWER_TOKEN_LEN + 1)) == NULL)
		return PD_ENOMEM;
	encode(raw, s);
	*out = s;
	return PD_OK;
}

int
pd_answer_token_check(const unsigned char key[PD_ANSWER_KEY_LEN],
    const char *token, int64_t now, int64_t *talk_id, int64_t *person_id,
    enum pd_answer_state *state)
{
	unsigned char raw[RAW_LEN], want[MAC_LEN];
	enum pd_answer_state st = PD_ANSWER_INVALID;
	int64_t tid, pid, expiry;

	if (token == NULL || decode(token, raw) != PD_OK)
		goto out;
	/* The MAC first: nothing of an unsigned payload is believed. */
	if (mac(key, raw, want) != PD_OK ||
	    CRYPTO_memcmp(want, raw + PAYLOAD_LEN, MAC_LEN) != 0)
		goto out;
	tid = get64(raw + 1);
	pid = get64(raw + 9);
	expiry = get64(raw + 17);
	if (raw[0] != VERSION || tid <= 0 || pid <= 0)
		goto out;
	if (now > expiry) {
		st = PD_ANSWER_EXPIRED;
		goto out;
	}
	st = PD_ANSWER_VALID;
	*talk_id = tid;
	*person_id = pid;
out:
	if (state != NULL)
		*state = st;
	return st == PD_ANSWER_VALID ? PD_OK : PD_EINVAL;
}

/* ---- expiry ---- */

/* "YYYY-MM-DD[ HH:MM]" -> a floating icaltimetype for the iterator. */
static int
floating(const char *s, int all_day, struct icaltimetype *out)
{
	struct icaltimetype t = icaltime_null_time();
	int y, mo, d, h = 0, mi = 0, n;

	if (all_day) {
		if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 ||
		    s[n] != '\0')
			return PD_EINVAL;
		t.is_date = 1;
	} else if (sscanf(s, "%4d-%2d-%2d %2d:%2d%n", &y, &mo, &d, &h, &mi,
	    &n) != 5 || s[n] != '\0')
		return PD_EINVAL;
	t.year = y;
	t.month = mo;
	t.day = d;
	t.hour = h;
	t.minute = mi;
	*out = t;
	return PD_OK;
}

/*
 * Walks the series of a recurring event; each occurrence's start is read
 * in the event's zone (so DST is right), its length is the first one's.
 */
static int
recurring_expiry(const struct pd_event *ev, int64_t now, int64_t *out)
{
	struct icalrecurrencetype rule;
	struct icaltimetype start, occ;
	icalrecur_iterator *it = NULL;
	int64_t len = ev->end_utc - ev->start_utc, ostart, last = -1;
	char local[32];
	int i, rc = PD_EINVAL;

	rule = icalrecurrencetype_from_string(ev->rrule);
	if (rule.freq == ICAL_NO_RECURRENCE ||
	    floating(ev->start, ev->all_day, &start) != PD_OK)
		goto out;
	if ((it = icalrecur_iterator_new(rule, start)) == NULL)
		goto out;
	for (i = 0; i < MAX_OCCURRENCES; i++) {
		occ = icalrecur_iterator_next(it);
		if (icaltime_is_null_time(occ))
			break;
		if (ev->all_day)
			snprintf(local, sizeof(local), "%04d-%02d-%02d",
			    occ.year, occ.month, occ.day);
		else
			snprintf(local, sizeof(local),
			    "%04d-%02d-%02d %02d:%02d", occ.year, occ.month,
			    occ.day, occ.hour, occ.minute);
		if (pd_tz_to_utc(local, ev->tzid != NULL ? ev->tzid :
		    PD_TZ_DEFAULT, ev->all_day, &ostart) != PD_OK)
			goto out;
		last = ostart + len + PD_ANSWER_GRACE;
		if (last >= now)
			break;
	}
	if (last < 0)
		goto out;
	*out = last;
	rc = PD_OK;
out:
	if (it != NULL)
		icalrecur_iterator_free(it);
	return rc;
}

int
pd_answer_expiry(const struct pd_event *ev, int64_t now, int64_t *out)
{
	if (ev->end_utc < ev->start_utc)
		return PD_EINVAL;
	if (ev->rrule != NULL && ev->rrule[0] != '\0')
		return recurring_expiry(ev, now, out);
	*out = ev->end_utc + PD_ANSWER_GRACE;
	return PD_OK;
}

int
pd_answer_link(const char *base_url, const char *token, char **out)
{
	size_t blen, tlen;
	char *s;

	if (base_url == NULL || token == NULL || *base_url == '\0' ||
	    *token == '\0')
		return PD_EINVAL;
	blen = strlen(base_url);
	tlen = strlen(token);
	while (blen > 0 && base_url[blen - 1] == '/')
		blen--;
	if ((s = malloc(blen + sizeof("/respond/") - 1 + tlen + 1)) == NULL)
		return PD_ENOMEM;
	memcpy(s, base_url, blen);
	memcpy(s + blen, "/respond/", sizeof("/respond/") - 1);
	memcpy(s + blen + sizeof("/respond/") - 1, token, tlen + 1);
	*out = s;
	return PD_OK;
}

/* ---- the key file ---- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads and checks an existing key file; PD_ENOTFOUND when there is none. */
static int
read_key(const char *path, unsigned char key[PD_ANSWER_KEY_LEN],
    struct pd_error *err)
{
	unsigned char buf[2 * PD_ANSWER_KEY_LEN + 2];
	struct stat sb;
	size_t got = 0, i;
	ssize_t n;
	int fd, rc = PD_EINVAL, hi, lo;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		if (errno == ENOENT)
			return PD_ENOTFOUND;
		return pd_error_set(err, PD_EIO, "key_file", "%s: %s", path,
		    strerror(errno));
	}
	if (fstat(fd, &sb) != 0) {
		rc = pd_error_set(err, PD_EIO, "key_file", "%s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = pd_error_set(err, PD_EINVAL, "key_file",
		    "%s: not a regular file", path);
		goto out;
	}
	if ((sb.st_mode & 077) != 0) {
		rc = pd_error_set(err, PD_EINVAL, "key_file",
		    "%s: mode %03o lets others read the key; chmod 600 it",
		    path, (unsigned)(sb.st_mode & 0777));
		goto out;
	}
	while (got < sizeof(buf) &&
	    (n = read(fd, buf + got, sizeof(buf) - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = pd_error_set(err, PD_EIO, "key_file", "%s: %s",
			    path, strerror(errno));
			goto out;
		}
		got += (size_t)n;
	}
	if (got == PD_ANSWER_KEY_LEN) {
		memcpy(key, buf, PD_ANSWER_KEY_LEN);
		rc = PD_OK;
		goto out;
	}
	if (got == 2 * PD_ANSWER_KEY_LEN ||
	    (got == 2 * PD_ANSWER_KEY_LEN + 1 && buf[got - 1] == '\n')) {
		for (i = 0; i < PD_ANSWER_KEY_LEN; i++) {
			hi = hexval((char)buf[2 * i]);
			lo = hexval((char)buf[2 * i + 1]);
			if (hi < 0 || lo < 0)
				break;
			buf[i] = (unsigned char)(hi << 4 | lo);
		}
		if (i == PD_ANSWER_KEY_LEN) {
			memcpy(key, buf, PD_ANSWER_KEY_LEN);
			rc = PD_OK;
			goto out;
		}
	}
	rc = pd_error_set(err, PD_EINVAL, "key_file",
	    "%s: a key file holds 32 bytes or 64 hex digits, this one %s%zu "
	    "bytes; remove it (podiumd then uses the database's key, and "
	    "old answer links stop working)", path, got == sizeof(buf) ? "over " : "", got);
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	close(fd);
	return rc;
}

int
pd_answer_key_load(const char *path, unsigned char key[PD_ANSWER_KEY_LEN],
    struct pd_error *err)
{
	int rc;

	if (path == NULL || *path == '\0')
		return pd_error_set(err, PD_EINVAL, "key_file",
		    "no key file configured");
	/* Never made here: a key invented beside a database signs links
	 * that the daemon serving it refuses (store_setting.c). */
	if ((rc = read_key(path, key, err)) == PD_ENOTFOUND)
		rc = pd_error_set(err, PD_ENOTFOUND, "key_file",
		    "%s: no such file", path);
	return rc;
}
