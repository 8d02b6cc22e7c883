/*
 * The growable buffer of buf.h.  Growth doubles, so appending n bytes in
 * pieces costs O(n); the cap guards against input that would make a feed
 * or a mail grow without bound.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "podium/buf.h"
#include "podium/err.h"

void
pd_buf_init(struct pd_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->err = PD_OK;
}

static int
fail(struct pd_buf *b, int code)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->err = code;
	return code;
}

/* Makes room for len more bytes plus the terminating NUL. */
static int
grow(struct pd_buf *b, size_t len)
{
	size_t need, cap;
	char *p;

	if (b->err != PD_OK)
		return b->err;
	if (len > SIZE_MAX / 2 - b->len)
		return fail(b, PD_ETOOBIG);
	need = b->len + len + 1;
	if (b->max != 0 && need - 1 > b->max)
		return fail(b, PD_ETOOBIG);
	if (need <= b->cap)
		return PD_OK;
	cap = b->cap != 0 ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	if ((p = realloc(b->data, cap)) == NULL)
		return fail(b, PD_ENOMEM);
	b->data = p;
	b->cap = cap;
	return PD_OK;
}

int
pd_buf_add(struct pd_buf *b, const void *data, size_t len)
{
	int rc;

	if ((rc = grow(b, len)) != PD_OK)
		return rc;
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return PD_OK;
}

int
pd_buf_adds(struct pd_buf *b, const char *s)
{
	return pd_buf_add(b, s, strlen(s));
}

int
pd_buf_addf(struct pd_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	if (b->err != PD_OK)
		return b->err;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return fail(b, PD_EINVAL);
	if ((rc = grow(b, (size_t)n)) != PD_OK)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return PD_OK;
}

int
pd_buf_failed(const struct pd_buf *b)
{
	return b->err;
}

void
pd_buf_reset(struct pd_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void
pd_buf_free(struct pd_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

char *
pd_buf_detach(struct pd_buf *b, size_t *len)
{
	char *p;

	if (b->err != PD_OK)
		return NULL;
	p = b->data != NULL ? b->data : strdup("");
	if (len != NULL)
		*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}
