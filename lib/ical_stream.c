/*
 * Streamed parsing (pd_ical_parse_stream in ical.h): a calendar of any
 * size, read a buffer at a time and parsed a few components at a time.
 *
 * pd_ical_parse needs the whole text (its prescan unfolds it and keeps a
 * line table, libical builds the whole tree).  Here the input is cut into
 * chunks between the children of VCALENDAR: each chunk is the file's own
 * lines, wrapped in a BEGIN:VCALENDAR and END:VCALENDAR of its own, and
 * goes through the very same parser (pd_ical_ctx_parse), which keeps the
 * people, zones and talk times of earlier chunks.  So a chunk is read
 * exactly as the whole file would be, its errors name the file's lines,
 * and memory follows the largest component, not the file.
 *
 * What this file checks itself is what spans chunks: the VCALENDAR
 * around everything, BEGIN/END nesting, content after the end, line
 * lengths (so that one endless line cannot take the memory).  Everything
 * about a line's bytes and values is the parser's.
 *
 * Cuts are made before a VEVENT that is not a talk VEVENT: podium writes
 * a session's talk VEVENTs right after it, and their LAST-MODIFIED is
 * read into the session's talks, so they stay in the session's chunk.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "podium/buf.h"
#include "podium/err.h"
#include "podium/ical.h"
#include "podium/model.h"

#include "ical_int.h"

#define MAX_DEPTH	16
#define READ_SIZE	65536
/* A chunk is cut once it holds this much: fewer libical calls per byte. */
#define CHUNK_BYTES	(256u * 1024)

struct frame {
	char name[32];
	uint32_t line;
};

struct sctx {
	struct pd_error *err;
	struct pd_ical_ctx *pc;
	pd_ical_chunk_fn chunk;
	void *cctx;
	uint32_t line;		/* physical lines seen */
	/* The logical line being read: raw bytes and the unfolded text. */
	struct pd_buf raw, unf;
	uint32_t lline;		/* its first physical line; 0: none */
	/* The child of VCALENDAR being read, and the chunk before it. */
	struct pd_buf comp, chunkb;
	uint32_t comp_line, chunk_line;	/* first physical line; 0: empty */
	int comp_is_talk;
	struct frame stack[MAX_DEPTH];
	int depth;
	int done;		/* END:VCALENDAR seen */
};

static int
failf(struct sctx *s, int code, uint32_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "line N: ..." with field "line N", as the parser words its errors. */
static int
failf(struct sctx *s, int code, uint32_t line, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = pd_ical_verror(s->err, code, line, fmt, ap);
	va_end(ap);
	return rc;
}

static int
oom(struct sctx *s)
{
	return pd_error_set(s->err, PD_ENOMEM, NULL,
	    "out of memory parsing calendar");
}

/*
 * Nonzero when the unfolded line is "WORD:..." (WORD any case); *value is
 * what follows the colon.  A value with a NUL byte in it matches nothing
 * here and is left to the parser to refuse.
 */
static int
starts(const struct pd_buf *u, const char *word, const char **value)
{
	size_t n = strlen(word);

	if (u->len <= n || strncasecmp(u->data, word, n) != 0 ||
	    u->data[n] != ':' || strlen(u->data) != u->len)
		return 0;
	*value = u->data + n + 1;
	return 1;
}

/* Parses the chunk gathered so far and hands it on. */
static int
flush(struct sctx *s)
{
	struct pd_calendar *cal = NULL;
	int rc;

	if (s->chunk_line == 0)
		return PD_OK;
	if (pd_buf_adds(&s->chunkb, "END:VCALENDAR\r\n") != PD_OK)
		return oom(s);
	rc = pd_ical_ctx_parse(s->pc, s->chunkb.data, s->chunkb.len,
	    s->chunk_line - 1, &cal);
	if (rc == PD_OK)
		rc = s->chunk(s->cctx, cal);
	pd_calendar_free(cal);
	pd_buf_reset(&s->chunkb);
	s->chunk_line = 0;
	return rc;
}

/* Moves the finished child of VCALENDAR into the chunk (or a new one). */
static int
take_comp(struct sctx *s)
{
	int rc;

	if (s->comp_line == 0)
		return PD_OK;
	if (!s->comp_is_talk && s->chunkb.len >= CHUNK_BYTES &&
	    (rc = flush(s)) != PD_OK)
		return rc;
	if (s->chunk_line == 0) {
		pd_buf_reset(&s->chunkb);
		pd_buf_adds(&s->chunkb, "BEGIN:VCALENDAR\r\n");
		s->chunk_line = s->comp_line;
	}
	if (pd_buf_add(&s->chunkb, s->comp.data, s->comp.len) != PD_OK)
		return oom(s);
	pd_buf_reset(&s->comp);
	s->comp_line = 0;
	s->comp_is_talk = 0;
	return PD_OK;
}

/* Appends raw bytes of line `line` to the child being read. */
static int
to_comp(struct sctx *s, const char *p, size_t n, uint32_t line)
{
	if (s->comp_line == 0)
		s->comp_line = line;
	if (pd_buf_add(&s->comp, p, n) != PD_OK)
		return oom(s);
	return PD_OK;
}

/* A whole logical line: nesting, then into the child being read. */
static int
end_logical(struct sctx *s)
{
	const struct pd_buf *u = &s->unf;
	uint32_t line = s->lline;
	const char *v;
	size_t vlen;
	int rc;

	if (line == 0)
		return PD_OK;
	s->lline = 0;
	if (s->done)
		return failf(s, PD_EPARSE, line,
		    "content after END:VCALENDAR");
	if (s->depth == 0) {
		if (!starts(u, "BEGIN", &v) || strcasecmp(v, "VCALENDAR") != 0)
			return failf(s, PD_EPARSE, line,
			    "missing BEGIN:VCALENDAR");
		memcpy(s->stack[0].name, "VCALENDAR", 10);
		s->stack[0].line = line;
		s->depth = 1;
		return PD_OK;
	}
	if (starts(u, "BEGIN", &v)) {
		vlen = strlen(v);
		if (s->depth >= MAX_DEPTH)
			return failf(s, PD_EPARSE, line,
			    "components nested too deeply");
		if (vlen == 0 || vlen >= sizeof(s->stack[0].name))
			return failf(s, PD_EPARSE, line,
			    "BEGIN: bad component name");
		memcpy(s->stack[s->depth].name, v, vlen + 1);
		s->stack[s->depth].line = line;
		s->depth++;
	} else if (starts(u, "END", &v)) {
		vlen = strlen(v);
		if (strcasecmp(v, s->stack[s->depth - 1].name) != 0)
			return failf(s, PD_EPARSE, line,
			    "END:%.*s does not match BEGIN:%s of line %u",
			    (int)(vlen > 40 ? 40 : vlen), v,
			    s->stack[s->depth - 1].name,
			    s->stack[s->depth - 1].line);
		if (--s->depth == 0) {
			/* The wrapper's own END:VCALENDAR ends the chunk. */
			s->done = 1;
			if ((rc = take_comp(s)) != PD_OK)
				return rc;
			return flush(s);
		}
	} else if (s->depth == 2 && starts(u, "X-PODIUM-KIND", &v) &&
	    strcasecmp(v, "talk") == 0) {
		s->comp_is_talk = 1;
	}
	if ((rc = to_comp(s, s->raw.data, s->raw.len, line)) != PD_OK)
		return rc;
	if (s->depth == 1 && starts(u, "END", &v))
		return take_comp(s);
	return PD_OK;
}

/* One physical line, p[0..n) with its line end (if any) in p[n..len). */
static int
phys_line(struct sctx *s, const char *p, size_t n, size_t len)
{
	size_t k = n > 0 && p[n - 1] == '\r' ? n - 1 : n;
	int rc;

	s->line++;
	if (k > 0 && (p[0] == ' ' || p[0] == '\t')) {
		if (s->lline == 0)
			return failf(s, PD_EPARSE, s->line,
			    "continuation line without a property");
		if (s->unf.len + k - 1 > PD_ICAL_MAX_LINE)
			return failf(s, PD_ETOOBIG, s->lline,
			    "content line longer than %u bytes",
			    PD_ICAL_MAX_LINE);
		if (pd_buf_add(&s->raw, p, len) != PD_OK ||
		    pd_buf_add(&s->unf, p + 1, k - 1) != PD_OK)
			return oom(s);
		return PD_OK;
	}
	if ((rc = end_logical(s)) != PD_OK)
		return rc;
	if (k == 0) {
		/* Blank lines keep their place, so that lines keep numbers. */
		if (s->depth > 0 && !s->done)
			return to_comp(s, p, len, s->line);
		return PD_OK;
	}
	if (k > PD_ICAL_MAX_LINE)
		return failf(s, PD_ETOOBIG, s->line,
		    "content line longer than %u bytes", PD_ICAL_MAX_LINE);
	pd_buf_reset(&s->raw);
	pd_buf_reset(&s->unf);
	if (pd_buf_add(&s->raw, p, len) != PD_OK ||
	    pd_buf_add(&s->unf, p, k) != PD_OK)
		return oom(s);
	s->lline = s->line;
	return PD_OK;
}

int
pd_ical_parse_stream(pd_ical_read_fn rd, void *rctx,
    pd_ical_chunk_fn chunk, void *cctx, struct pd_error *err)
{
	struct sctx s;
	struct pd_buf pend = PD_BUF_INIT;	/* a line not yet ended */
	char *buf = NULL;
	size_t n, i, start, total = 0;
	char *nl;
	int rc;

	memset(&s, 0, sizeof(s));
	s.err = err;
	s.chunk = chunk;
	s.cctx = cctx;
	pd_buf_init(&s.raw, 0);
	pd_buf_init(&s.unf, 0);
	pd_buf_init(&s.comp, 0);
	pd_buf_init(&s.chunkb, 0);
	if ((rc = pd_ical_ctx_new(err, &s.pc)) != PD_OK)
		return rc;
	if ((buf = malloc(READ_SIZE)) == NULL) {
		rc = oom(&s);
		goto out;
	}
	for (;;) {
		if ((rc = rd(rctx, buf, READ_SIZE, &n)) != PD_OK)
			goto out;
		if (n == 0)
			break;
		total += n;
		for (i = 0; i < n; i = start) {
			start = i;
			nl = memchr(buf + i, '\n', n - i);
			if (nl == NULL) {
				/* Two lines' worth without an end: refuse. */
				if (pend.len + (n - i) > 2 * PD_ICAL_MAX_LINE +
				    2) {
					rc = failf(&s, PD_ETOOBIG, s.line + 1,
					    "content line longer than %u "
					    "bytes", PD_ICAL_MAX_LINE);
					goto out;
				}
				if (pd_buf_add(&pend, buf + i, n - i) != PD_OK) {
					rc = oom(&s);
					goto out;
				}
				start = n;
				continue;
			}
			start = (size_t)(nl - buf) + 1;
			if (pend.len > 0) {
				if (pd_buf_add(&pend, buf + i, start - i) !=
				    PD_OK) {
					rc = oom(&s);
					goto out;
				}
				rc = phys_line(&s, pend.data, pend.len - 1,
				    pend.len);
				pd_buf_reset(&pend);
			} else {
				rc = phys_line(&s, buf + i, start - i - 1,
				    start - i);
			}
			if (rc != PD_OK)
				goto out;
		}
	}
	/* The last line may lack its end; give it one. */
	if (pend.len > 0) {
		size_t plen = pend.len;

		if (pd_buf_add(&pend, "\r\n", 2) != PD_OK) {
			rc = oom(&s);
			goto out;
		}
		if ((rc = phys_line(&s, pend.data, plen, plen + 2)) != PD_OK)
			goto out;
	}
	if ((rc = end_logical(&s)) != PD_OK)
		goto out;
	if (total == 0 || (s.depth == 0 && !s.done)) {
		rc = failf(&s, PD_EPARSE, 0, "empty input");
		goto out;
	}
	if (s.depth > 0) {
		rc = failf(&s, PD_EPARSE, s.line,
		    "truncated: missing END:%s for BEGIN:%s of line %u",
		    s.stack[s.depth - 1].name, s.stack[s.depth - 1].name,
		    s.stack[s.depth - 1].line);
		goto out;
	}
	rc = PD_OK;
out:
	free(buf);
	pd_buf_free(&pend);
	pd_buf_free(&s.raw);
	pd_buf_free(&s.unf);
	pd_buf_free(&s.comp);
	pd_buf_free(&s.chunkb);
	pd_ical_ctx_free(s.pc);
	return rc;
}
