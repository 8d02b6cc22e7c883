/*
 * The error record of err.h.  Messages are formatted into the heap so
 * that no user data has to fit a fixed buffer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "podium/err.h"

int
pd_error_set(struct pd_error *err, int code, const char *field,
    const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	int n;

	if (err == NULL)
		return code;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n >= 0 && (msg = malloc((size_t)n + 1)) != NULL) {
		va_start(ap, fmt);
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	/* fmt may point into err->msg (re-raising), so free only now. */
	free(err->msg);
	free(err->field);
	err->code = code;
	err->msg = msg;
	err->field = field != NULL ? strdup(field) : NULL;
	return code;
}

void
pd_error_clear(struct pd_error *err)
{
	if (err == NULL)
		return;
	free(err->msg);
	free(err->field);
	err->msg = NULL;
	err->field = NULL;
	err->code = PD_OK;
}

const char *
pd_strerror(int code)
{
	switch (code) {
	case PD_OK:		return "ok";
	case PD_EINVAL:		return "bad data";
	case PD_ENOTFOUND:	return "not found";
	case PD_EEXIST:		return "already exists";
	case PD_EDB:		return "database error";
	case PD_ENET:		return "network error";
	case PD_EPARSE:		return "parse error";
	case PD_ENOMEM:		return "out of memory";
	case PD_ETOOBIG:	return "too big";
	case PD_EIO:		return "i/o error";
	}
	return "unknown error";
}
