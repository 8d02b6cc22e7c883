/*
 * Form bodies of the organizer pages: application/x-www-form-urlencoded
 * (every form) and multipart/form-data (the .ics upload), and the
 * session cookie out of a Cookie header.
 *
 * Fields become a JSON object of strings (the first value of a name
 * wins); text that is not UTF-8 is refused as a whole, since jansson and
 * the pages hold only UTF-8.  These are parsers of what clients send:
 * they are fuzzed (tests/fuzz/fuzz_web.c) and bounded by the body cap of
 * [http] max_body.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "podium/buf.h"
#include "podium/err.h"
#include "web_int.h"

#define MAX_FIELDS 256
#define MAX_NAME 128

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

/* Percent- and plus-decoding of s (len bytes) into b. */
static int
decode(struct pd_buf *b, const char *s, size_t len)
{
	size_t i;
	int hi, lo;
	char c;

	pd_buf_reset(b);
	for (i = 0; i < len; i++) {
		c = s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%' && i + 2 < len && (hi = hexval(s[i + 1])) >=
		    0 && (lo = hexval(s[i + 2])) >= 0) {
			c = (char)(hi * 16 + lo);
			i += 2;
		} else if (c == '%')
			return PD_EINVAL;
		if (pd_buf_add(b, &c, 1) != PD_OK)
			return PD_ENOMEM;
	}
	return pd_buf_add(b, "", 0);
}

/* Adds name = value (len bytes) unless name is there already. */
static int
put(json_t *o, const char *name, size_t nlen, const char *value,
    size_t vlen)
{
	char key[MAX_NAME + 1];
	json_t *v;

	/* A NUL would cut the value short wherever C reads it: refused. */
	if (nlen == 0 || nlen > MAX_NAME || memchr(name, '\0', nlen) != NULL ||
	    (vlen > 0 && memchr(value, '\0', vlen) != NULL))
		return PD_EINVAL;
	memcpy(key, name, nlen);
	key[nlen] = '\0';
	if (json_object_get(o, key) != NULL)
		return PD_OK;
	if (json_object_size(o) >= MAX_FIELDS ||
	    (v = json_stringn(value != NULL ? value : "", vlen)) == NULL)
		return PD_EINVAL;
	if (json_object_set_new(o, key, v) != 0)
		return PD_EINVAL;
	return PD_OK;
}

int
pd_web_form_urlencoded(const char *body, size_t len, json_t **out)
{
	struct pd_buf name = PD_BUF_INIT, value = PD_BUF_INIT;
	const char *p = body, *end = body + len, *amp, *eq;
	json_t *o = json_object();
	int rc = PD_OK;

	if (o == NULL)
		return PD_ENOMEM;
	while (p < end && rc == PD_OK) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp > p) {
			if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
				eq = amp;
			if ((rc = decode(&name, p, (size_t)(eq - p))) == PD_OK &&
			    (rc = decode(&value, eq < amp ? eq + 1 : amp,
			    eq < amp ? (size_t)(amp - eq - 1) : 0)) == PD_OK)
				rc = put(o, name.data, name.len, value.data,
				    value.len);
		}
		p = amp + 1;
	}
	pd_buf_free(&name);
	pd_buf_free(&value);
	if (rc != PD_OK) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return PD_OK;
}

/* The boundary parameter of a multipart Content-Type. */
static int
boundary(const char *ctype, char *out, size_t size)
{
	const char *b = strcasestr(ctype, "boundary=");
	size_t n;

	if (b == NULL)
		return PD_EINVAL;
	b += 9;
	if (*b == '"') {
		b++;
		n = strcspn(b, "\"");
	} else
		n = strcspn(b, "; \t");
	if (n == 0 || n > 70 || n + 1 > size)
		return PD_EINVAL;
	memcpy(out, b, n);
	out[n] = '\0';
	return PD_OK;
}

/* The name="..." of a part's headers (hdr, len bytes). */
static int
part_name(const char *hdr, size_t len, const char **name, size_t *nlen)
{
	const char *p = hdr, *end = hdr + len, *q;

	while (p < end) {
		q = memmem(p, (size_t)(end - p), "name=\"", 6);
		if (q == NULL)
			return PD_EINVAL;
		/* Not the filename="..." parameter. */
		if (q > hdr && (q[-1] == ' ' || q[-1] == ';')) {
			q += 6;
			*name = q;
			while (q < end && *q != '"' && *q != '\r' && *q != '\n')
				q++;
			if (q >= end || *q != '"')
				return PD_EINVAL;
			*nlen = (size_t)(q - *name);
			return PD_OK;
		}
		p = q + 6;
	}
	return PD_EINVAL;
}

int
pd_web_form_multipart(const char *ctype, const char *body, size_t len,
    json_t **out)
{
	char bnd[80], delim[84];
	const char *p, *end = body + len, *hdr_end, *next, *name;
	size_t dlen, nlen;
	json_t *o;
	int rc = PD_OK;

	if (boundary(ctype, bnd, sizeof(bnd)) != PD_OK)
		return PD_EINVAL;
	dlen = (size_t)snprintf(delim, sizeof(delim), "--%s", bnd);
	if ((o = json_object()) == NULL)
		return PD_ENOMEM;
	/* The first delimiter may come without a CRLF before it. */
	if ((p = memmem(body, len, delim, dlen)) == NULL) {
		rc = PD_EINVAL;
		goto out;
	}
	p += dlen;
	for (;;) {
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			break;		/* the closing delimiter */
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n') {
			rc = PD_EINVAL;
			goto out;
		}
		p += 2;
		if ((hdr_end = memmem(p, (size_t)(end - p), "\r\n\r\n",
		    4)) == NULL) {
			rc = PD_EINVAL;
			goto out;
		}
		/* The part ends at CRLF and the next delimiter. */
		next = hdr_end + 4;
		for (;;) {
			next = memmem(next, (size_t)(end - next), delim, dlen);
			if (next == NULL) {
				rc = PD_EINVAL;
				goto out;
			}
			if (next - hdr_end - 4 >= 2 && next[-2] == '\r' &&
			    next[-1] == '\n')
				break;
			next += dlen;
		}
		if ((rc = part_name(p, (size_t)(hdr_end - p), &name,
		    &nlen)) != PD_OK ||
		    (rc = put(o, name, nlen, hdr_end + 4,
		    (size_t)(next - 2 - (hdr_end + 4)))) != PD_OK)
			goto out;
		p = next + dlen;
	}
out:
	if (rc != PD_OK) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return PD_OK;
}

int
pd_web_cookie(const char *header, const char *name, char *out, size_t size)
{
	const char *p = header;
	size_t nlen = strlen(name), vlen;

	if (header == NULL)
		return 0;
	while (*p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			p += nlen + 1;
			vlen = strcspn(p, "; ");
			if (vlen == 0 || vlen >= size)
				return 0;
			memcpy(out, p, vlen);
			out[vlen] = '\0';
			return 1;
		}
		p += strcspn(p, ";");
	}
	return 0;
}
