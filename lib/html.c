/*
 * HTML escaping and the tiny page templates of html.h.
 *
 * Templates are read from disk on every use: the pages that use them are
 * answered a few times per speaker, and keeping no cache means no global
 * state and that an edited template shows at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podium/datadir.h"
#include "podium/err.h"
#include "html.h"

#define MAX_TEMPLATE (64 * 1024)
#define MAX_DEPTH 8

int
pd_html_escape(struct pd_buf *b, const char *s)
{
	const char *run = s;

	if (s == NULL)
		return b->err;
	/* Copies runs of plain bytes at once; UTF-8 passes untouched. */
	for (; *s != '\0'; s++) {
		const char *ent;

		switch (*s) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&#39;"; break;
		default: continue;
		}
		pd_buf_add(b, run, (size_t)(s - run));
		pd_buf_adds(b, ent);
		run = s + 1;
	}
	return pd_buf_add(b, run, (size_t)(s - run));
}

static const struct pd_html_var *
lookup(const struct pd_html_var *vars, size_t n, const char *name,
    size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(vars[i].name) == len &&
		    memcmp(vars[i].name, name, len) == 0)
			return &vars[i];
	return NULL;
}

/* The first occurrence of needle (nlen bytes) in s (len bytes). */
static const char *
find(const char *s, size_t len, const char *needle, size_t nlen)
{
	return memmem(s, len, needle, nlen);
}

static int
render(struct pd_buf *out, const char *s, size_t len,
    const struct pd_html_var *vars, size_t n, int depth)
{
	const char *end = s + len, *open, *close, *name, *inner, *stop;
	const struct pd_html_var *v;
	char closing[80];
	size_t nlen;
	int rc, set;
	char kind;

	if (depth > MAX_DEPTH)
		return PD_EPARSE;
	while (s < end) {
		if ((open = find(s, (size_t)(end - s), "{{", 2)) == NULL) {
			pd_buf_add(out, s, (size_t)(end - s));
			break;
		}
		pd_buf_add(out, s, (size_t)(open - s));
		if ((close = find(open, (size_t)(end - open), "}}", 2)) == NULL)
			return PD_EPARSE;
		name = open + 2;
		kind = *name;
		if (kind == '!') {
			s = close + 2;
			continue;
		}
		if (kind == '#' || kind == '^')
			name++;
		nlen = (size_t)(close - name);
		if (kind == '/' || (v = lookup(vars, n, name, nlen)) == NULL)
			return PD_EPARSE;
		set = v->value != NULL && v->value[0] != '\0';
		if (kind != '#' && kind != '^') {
			pd_html_escape(out, v->value);
			s = close + 2;
			continue;
		}
		/* A section: find its {{/name}} and render or skip the inside. */
		if (nlen + 5 > sizeof(closing))
			return PD_EPARSE;
		memcpy(closing, "{{/", 3);
		memcpy(closing + 3, name, nlen);
		memcpy(closing + 3 + nlen, "}}", 2);
		inner = close + 2;
		if ((stop = find(inner, (size_t)(end - inner), closing,
		    nlen + 5)) == NULL)
			return PD_EPARSE;
		if (set == (kind == '#') && (rc = render(out, inner,
		    (size_t)(stop - inner), vars, n, depth + 1)) != PD_OK)
			return rc;
		s = stop + nlen + 5;
	}
	return out->err;
}

int
pd_html_render(struct pd_buf *out, const char *tmpl, size_t len,
    const struct pd_html_var *vars, size_t nvars)
{
	return render(out, tmpl, len, vars, nvars, 0);
}

static int
name_ok(const char *name)
{
	const char *p;

	if (*name == '\0' || *name == '/' || strstr(name, "..") != NULL)
		return 0;
	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '_' || *p == '.' || *p == '/' || *p == '-'))
			return 0;
	return 1;
}

int
pd_html_template_load(const char *name, char **out, size_t *len)
{
	struct pd_buf path = PD_BUF_INIT, text;
	const char *dir = pd_datadir();
	char chunk[4096];
	ssize_t n;
	int fd = -1, rc;

	pd_buf_init(&text, MAX_TEMPLATE);
	if (!name_ok(name))
		return PD_EINVAL;
	if ((rc = pd_buf_addf(&path, "%s/templates/pages/%s", dir, name)) !=
	    PD_OK)
		goto out;
	if ((fd = open(path.data, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = PD_EIO;
		goto out;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = PD_EIO;
			goto out;
		}
		if ((rc = pd_buf_add(&text, chunk, (size_t)n)) != PD_OK)
			goto out;
	}
	if ((*out = pd_buf_detach(&text, len)) == NULL) {
		rc = PD_ENOMEM;
		goto out;
	}
	rc = PD_OK;
out:
	if (fd >= 0)
		close(fd);
	pd_buf_free(&path);
	pd_buf_free(&text);
	return rc;
}
