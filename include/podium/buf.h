/*
 * A growable, size-capped byte buffer for feeds, SQL and mail.
 *
 * Failure contract (as curl's dynbuf): once an append fails, because memory
 * ran out or the cap would be passed, the buffer is freed, stays empty and
 * every later append fails too, returning PD_ENOMEM or PD_ETOOBIG.  A
 * caller can therefore append many pieces and check only the last result
 * (or pd_buf_failed()).  The data is always NUL-terminated when len > 0.
 */
#ifndef PODIUM_BUF_H
#define PODIUM_BUF_H

#include <stddef.h>

struct pd_buf {
	char *data;	/* owned; NULL until the first append */
	size_t len;
	size_t cap;
	size_t max;	/* 0: no cap */
	int err;	/* sticky: the first failure, PD_OK otherwise */
};

#define PD_BUF_INIT { NULL, 0, 0, 0, 0 }

/* Sets up an empty buffer that will hold at most max bytes (0: no cap). */
void pd_buf_init(struct pd_buf *b, size_t max);
int pd_buf_add(struct pd_buf *b, const void *data, size_t len);
int pd_buf_adds(struct pd_buf *b, const char *s);
int pd_buf_addf(struct pd_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int pd_buf_failed(const struct pd_buf *b);
/* Empties the buffer but keeps its memory for reuse. */
void pd_buf_reset(struct pd_buf *b);
void pd_buf_free(struct pd_buf *b);
/*
 * Hands the bytes to the caller, who frees them with free(); the buffer is
 * empty afterwards.  Returns a "" string (still to be freed) when empty,
 * NULL when the buffer failed or memory ran out.
 */
char *pd_buf_detach(struct pd_buf *b, size_t *len);

#endif
