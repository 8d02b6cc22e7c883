/*
 * The template engine of web_template.h.
 *
 * Rendering walks the text directly: a section's end is found by
 * counting opening and closing tags of the same name, so a section may
 * hold another of its own name (a list inside a list).  Depth is bounded
 * for sections and partials alike, so no template can recurse without
 * end, and the output buffer's cap bounds what a loop can write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "web_template.h"

#define MAX_DEPTH 24
#define MAX_NAME 128

struct ctx {
	struct pd_buf *out;
	pd_wt_load_fn load;
	void *lctx;
	struct pd_error *err;
	json_t *stack[MAX_DEPTH + 1];
	size_t nstack;
	const char *base;	/* start of the text being rendered */
};

int
pd_wt_escape(struct pd_buf *out, const char *s)
{
	return pd_html_escape(out, s);
}

static int
fail(struct ctx *c, const char *at, const char *why)
{
	if (c->err != NULL)
		pd_error_set(c->err, PD_EPARSE, "template",
		    "template: %s at byte %ld", why,
		    (long)(at - c->base));
	return PD_EPARSE;
}

/* One dotted step: "a.b" looks up a in ctx, then b in that. */
static json_t *
path_get(json_t *v, const char *name, size_t len)
{
	const char *dot;
	char key[MAX_NAME + 1];
	size_t n;

	while (v != NULL && len > 0) {
		dot = memchr(name, '.', len);
		n = dot != NULL ? (size_t)(dot - name) : len;
		if (n == 0 || n > MAX_NAME || !json_is_object(v))
			return NULL;
		memcpy(key, name, n);
		key[n] = '\0';
		v = json_object_get(v, key);
		if (dot == NULL)
			break;
		name = dot + 1;
		len -= n + 1;
		if (len == 0)
			return NULL;
	}
	return v;
}

static json_t *
lookup(struct ctx *c, const char *name, size_t len)
{
	const char *dot;
	char key[MAX_NAME + 1];
	size_t i, n;

	if (len == 1 && name[0] == '.')
		return c->nstack > 0 ? c->stack[c->nstack - 1] : NULL;
	/* The first step is searched outwards; the rest from there. */
	dot = memchr(name, '.', len);
	n = dot != NULL ? (size_t)(dot - name) : len;
	if (n == 0 || n > MAX_NAME)
		return NULL;
	memcpy(key, name, n);
	key[n] = '\0';
	for (i = c->nstack; i > 0; i--) {
		json_t *v = c->stack[i - 1];

		if (json_is_object(v) && json_object_get(v, key) != NULL)
			return path_get(v, name, len);
	}
	return NULL;
}

static int
truthy(json_t *v)
{
	if (v == NULL)
		return 0;
	switch (json_typeof(v)) {
	case JSON_NULL:
	case JSON_FALSE:
		return 0;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	case JSON_OBJECT:
		return json_object_size(v) > 0;
	default:
		return 1;
	}
}

static int
emit(struct ctx *c, json_t *v)
{
	if (v == NULL)
		return PD_OK;
	switch (json_typeof(v)) {
	case JSON_STRING:
		return pd_wt_escape(c->out, json_string_value(v));
	case JSON_INTEGER:
		return pd_buf_addf(c->out, "%lld",
		    (long long)json_integer_value(v));
	case JSON_REAL:
		return pd_buf_addf(c->out, "%g", json_real_value(v));
	case JSON_TRUE:
		return pd_buf_adds(c->out, "1");
	default:
		return PD_OK;
	}
}

/* A tag: kind ('\0' for a value), name and where it ends. */
struct tag {
	const char *open;	/* "{{" */
	const char *after;	/* past "}}" */
	char kind;
	const char *name;
	size_t nlen;
};

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

/* The next tag in [s, end): 1 found, 0 none, PD_EPARSE malformed. */
static int
next_tag(struct ctx *c, const char *s, const char *end, struct tag *t)
{
	const char *close;

	if ((t->open = memmem(s, (size_t)(end - s), "{{", 2)) == NULL)
		return 0;
	if ((close = memmem(t->open + 2, (size_t)(end - t->open - 2), "}}",
	    2)) == NULL)
		return fail(c, t->open, "unclosed {{");
	t->after = close + 2;
	t->name = t->open + 2;
	t->kind = '\0';
	if (*t->name == '#' || *t->name == '^' || *t->name == '/' ||
	    *t->name == '>' || *t->name == '!')
		t->kind = *t->name++;
	t->nlen = (size_t)(close - t->name);
	if (t->kind == '!')
		return 1;
	trim(&t->name, &t->nlen);
	if (t->nlen == 0 || t->nlen > MAX_NAME ||
	    memchr(t->name, '{', t->nlen) != NULL ||
	    memchr(t->name, '}', t->nlen) != NULL)
		return fail(c, t->open, "bad tag name");
	return 1;
}

/* Where the section opened by t ends: *inner_end at its {{/name}}. */
static int
section_end(struct ctx *c, const struct tag *open, const char *end,
    const char **inner_end, const char **after)
{
	struct tag t;
	const char *s = open->after;
	int depth = 1, rc;

	while ((rc = next_tag(c, s, end, &t)) == 1) {
		s = t.after;
		if (t.nlen != open->nlen || memcmp(t.name, open->name,
		    t.nlen) != 0)
			continue;
		if (t.kind == '#' || t.kind == '^')
			depth++;
		else if (t.kind == '/' && --depth == 0) {
			*inner_end = t.open;
			*after = t.after;
			return PD_OK;
		}
	}
	return rc < 0 ? rc : fail(c, open->open, "unclosed section");
}

static int render(struct ctx *c, const char *s, const char *end,
    size_t depth);

static int
with(struct ctx *c, json_t *v, const char *s, const char *end,
    size_t depth)
{
	int rc;

	if (c->nstack > MAX_DEPTH)
		return fail(c, s, "sections nested too deep");
	c->stack[c->nstack++] = v;
	rc = render(c, s, end, depth + 1);
	c->nstack--;
	return rc;
}

static int
partial(struct ctx *c, const struct tag *t, size_t depth)
{
	char name[MAX_NAME + 1], *text = NULL;
	const char *base = c->base;
	size_t len = 0;
	int rc;

	if (c->load == NULL || depth >= MAX_DEPTH / 3)
		return fail(c, t->open, "partial not allowed here");
	memcpy(name, t->name, t->nlen);
	name[t->nlen] = '\0';
	if (c->load(c->lctx, name, &text, &len) != PD_OK)
		return fail(c, t->open, "partial cannot be loaded");
	c->base = text;
	rc = render(c, text, text + len, depth + 3);
	c->base = base;
	free(text);
	return rc;
}

static int
render(struct ctx *c, const char *s, const char *end, size_t depth)
{
	const char *inner_end, *after;
	struct tag t;
	json_t *v;
	size_t i;
	int rc;

	if (depth > MAX_DEPTH)
		return fail(c, s, "nested too deep");
	while (s < end) {
		if ((rc = next_tag(c, s, end, &t)) < 0)
			return rc;
		if (rc == 0) {
			pd_buf_add(c->out, s, (size_t)(end - s));
			break;
		}
		pd_buf_add(c->out, s, (size_t)(t.open - s));
		s = t.after;
		switch (t.kind) {
		case '!':
			continue;
		case '/':
			return fail(c, t.open, "close without open");
		case '>':
			if ((rc = partial(c, &t, depth)) != PD_OK)
				return rc;
			continue;
		case '\0':
			if ((rc = emit(c, lookup(c, t.name, t.nlen))) != PD_OK)
				return rc;
			continue;
		}
		if ((rc = section_end(c, &t, end, &inner_end, &after)) != PD_OK)
			return rc;
		v = lookup(c, t.name, t.nlen);
		if (t.kind == '^') {
			if (!truthy(v) && (rc = render(c, t.after, inner_end,
			    depth + 1)) != PD_OK)
				return rc;
		} else if (json_is_array(v)) {
			for (i = 0; i < json_array_size(v); i++)
				if ((rc = with(c, json_array_get(v, i), t.after,
				    inner_end, depth)) != PD_OK)
					return rc;
		} else if (json_is_object(v)) {
			if (truthy(v) && (rc = with(c, v, t.after, inner_end,
			    depth)) != PD_OK)
				return rc;
		} else if (truthy(v) && (rc = render(c, t.after, inner_end,
		    depth + 1)) != PD_OK)
			return rc;
		s = after;
		if (c->out->err != PD_OK)
			return c->out->err;
	}
	return c->out->err;
}

int
pd_wt_render(struct pd_buf *out, const char *tmpl, size_t len,
    json_t *data, pd_wt_load_fn load, void *lctx, struct pd_error *err)
{
	struct ctx c;

	memset(&c, 0, sizeof(c));
	c.out = out;
	c.load = load;
	c.lctx = lctx;
	c.err = err;
	c.base = tmpl;
	c.stack[c.nstack++] = data;
	return render(&c, tmpl, tmpl + len, 0);
}
