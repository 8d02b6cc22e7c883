/*
 * Mail and page texts live in template files (templates/LANG/NAME.txt),
 * not in C.  A template is plain UTF-8 with {{name}} placeholders; the
 * first line of a mail template is "Subject: ...".
 */
#ifndef PODIUM_TEMPLATE_H
#define PODIUM_TEMPLATE_H

#include <stddef.h>

#include "podium/buf.h"
#include "podium/err.h"

struct pd_tvar {
	const char *name;
	const char *value;	/* NULL renders as "" */
};

/*
 * Appends tmpl (len bytes) to out with every {{name}} replaced by its
 * value.  A placeholder not in vars is an error naming it (a typo in a
 * template must not reach people as "{{nmae}}"); so is an unclosed "{{".
 */
int pd_template_render(const char *tmpl, size_t len,
    const struct pd_tvar *vars, size_t nvars, struct pd_buf *out,
    struct pd_error *err);

/*
 * Reads DATADIR/templates/LANG/NAME.txt, falling back to German when the
 * language has no such file.  datadir NULL: pd_datadir() (datadir.h:
 * $PODIUM_DATADIR, the installed share/podium or the source tree).
 * *out: free().
 */
int pd_template_load(const char *datadir, const char *lang,
    const char *name, char **out, size_t *len, struct pd_error *err);

/*
 * The same for the HTML alternative of a mail, NAME.html, written in the
 * syntax of lib/html.h (every value escaped).
 */
int pd_template_load_html(const char *datadir, const char *lang,
    const char *name, char **out, size_t *len, struct pd_error *err);

/* The data directory pd_template_load uses when given NULL: pd_datadir(). */
const char *pd_template_datadir(void);

#endif
