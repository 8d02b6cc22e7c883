/*
 * HTML for the few pages people see (the speakers' answer pages): escaping
 * into a struct pd_buf and a tiny template language, so that the page
 * texts live in template files (templates/pages/) and not in C.
 *
 * Private to libpodium.  Not a general template engine: it knows exactly
 * what the answer pages need and nothing more.
 *
 * Template syntax:
 *	{{name}}		the variable's value, HTML-escaped (& < > " ')
 *	{{#name}}...{{/name}}	the inside, only when name is set and not ""
 *	{{^name}}...{{/name}}	the inside, only when name is unset or ""
 *	{{! text }}		a comment, dropped (text must not hold "}}")
 * Every name must be one the caller passes (its value may be NULL), so a
 * typo in a template is an error rather than a silently empty spot.  A
 * section may hold other sections, but not one of its own name.
 */
#ifndef PODIUM_HTML_H
#define PODIUM_HTML_H

#include <stddef.h>

#include "podium/buf.h"

struct pd_html_var {
	const char *name;
	const char *value;	/* NULL: unset */
};

/* Appends s with & < > " ' as entities.  Returns the buffer's state. */
int pd_html_escape(struct pd_buf *b, const char *s);

/*
 * Renders the template text (len bytes) with vars into out.  PD_EPARSE for
 * an unknown name, an unclosed {{ or section; the buffer's error when an
 * append fails.
 */
int pd_html_render(struct pd_buf *out, const char *tmpl, size_t len,
    const struct pd_html_var *vars, size_t nvars);

/*
 * Reads DATADIR/templates/pages/NAME, where DATADIR is pd_datadir()
 * (datadir.h: $PODIUM_DATADIR, the installed share/podium or the source
 * tree the library was built from).  name is a
 * relative path of [a-z0-9_./-] without "..".  *out (NUL-terminated) is
 * the caller's to free; PD_EIO when the file cannot be read.
 */
int pd_html_template_load(const char *name, char **out, size_t *len);

#endif
