/*
 * The organizer pages' template engine: a small Mustache subset over
 * jansson data that escapes by default.  Private to libpodium (web*.c and
 * the fuzz target).
 *
 *	{{name}} {{a.b}} {{.}}	the value, HTML-escaped (& < > " ');
 *				strings as they are, numbers in decimal,
 *				true as "1"; missing, null, false: nothing
 *	{{#name}}...{{/name}}	an array: the inside once per element, with
 *				the element as context; an object: once,
 *				with it as context; any other value: once
 *				when it is truthy (not missing, null,
 *				false, "", 0, [] or {})
 *	{{^name}}...{{/name}}	the inside once when name is not truthy
 *	{{>name}}		another template (the loader's), same context
 *	{{! text }}		a comment
 *
 * Names are looked up from the innermost context outwards, as in
 * Mustache.  There is no way to write a value unescaped: markup comes
 * only from template files.  Malformed templates (an unclosed tag or
 * section, a stray close, sections or partials nested too deep) are
 * PD_EPARSE, never a half-rendered page.
 */
#ifndef PODIUM_WEB_TEMPLATE_H
#define PODIUM_WEB_TEMPLATE_H

#include <stddef.h>

#include <jansson.h>

#include "podium/buf.h"
#include "podium/err.h"

/* Gives the text of partial name; *text is the caller's to free. */
typedef int (*pd_wt_load_fn)(void *ctx, const char *name, char **text,
    size_t *len);

/*
 * Renders tmpl (len bytes, not necessarily NUL-terminated) with data into
 * out.  load may be NULL (then every partial is PD_EPARSE).  err, when
 * not NULL, says what was wrong and where (byte offset).
 */
int pd_wt_render(struct pd_buf *out, const char *tmpl, size_t len,
    json_t *data, pd_wt_load_fn load, void *ctx, struct pd_error *err);

/* Appends s HTML-escaped; NULL appends nothing.  The buffer's state. */
int pd_wt_escape(struct pd_buf *out, const char *s);

#endif
