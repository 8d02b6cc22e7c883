/*
 * Template files and {{name}} substitution (template.h).  Deliberately
 * tiny: no loops, no conditionals, no escaping rules of its own.  What a
 * value needs (HTML escaping, header encoding) is done by whoever builds
 * the values or by the MIME library afterwards.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "podium/datadir.h"
#include "podium/template.h"

#define MAX_TEMPLATE (256 * 1024)

const char *
pd_template_datadir(void)
{
	return pd_datadir();
}

int
pd_template_render(const char *tmpl, size_t len, const struct pd_tvar *vars,
    size_t nvars, struct pd_buf *out, struct pd_error *err)
{
	const char *p = tmpl, *end = tmpl + len, *open, *close;
	size_t i, nlen;

	while (p < end) {
		open = memmem(p, (size_t)(end - p), "{{", 2);
		if (open == NULL) {
			pd_buf_add(out, p, (size_t)(end - p));
			break;
		}
		pd_buf_add(out, p, (size_t)(open - p));
		close = memmem(open + 2, (size_t)(end - open - 2), "}}", 2);
		if (close == NULL)
			return pd_error_set(err, PD_EPARSE, "template",
			    "template: '{{' without '}}' at byte %zu",
			    (size_t)(open - tmpl));
		nlen = (size_t)(close - open - 2);
		for (i = 0; i < nvars; i++) {
			if (strlen(vars[i].name) == nlen &&
			    memcmp(vars[i].name, open + 2, nlen) == 0)
				break;
		}
		if (i == nvars)
			return pd_error_set(err, PD_EINVAL, "template",
			    "template: unknown placeholder {{%.*s}}",
			    (int)(nlen > 64 ? 64 : nlen), open + 2);
		if (vars[i].value != NULL)
			pd_buf_adds(out, vars[i].value);
		p = close + 2;
	}
	return pd_buf_failed(out);
}

static int
read_file(const char *path, char **out, size_t *len)
{
	struct pd_buf b;
	char chunk[8192];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		return errno == ENOENT ? PD_ENOTFOUND : PD_EIO;
	pd_buf_init(&b, MAX_TEMPLATE);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (pd_buf_add(&b, chunk, n) != PD_OK)
			break;
	fclose(f);
	if (pd_buf_failed(&b))
		return pd_buf_failed(&b);
	*out = pd_buf_detach(&b, len);
	return *out != NULL ? PD_OK : PD_ENOMEM;
}

static int
load_ext(const char *datadir, const char *lang, const char *name,
    const char *ext, char **out, size_t *len, struct pd_error *err)
{
	struct pd_buf path = PD_BUF_INIT;
	const char *tries[2];
	size_t i;
	int rc = PD_ENOTFOUND;

	if (datadir == NULL)
		datadir = pd_template_datadir();
	/* Names come from code, but a path is a path: keep it in its folder. */
	if (strchr(name, '/') != NULL || strchr(name, '.') != NULL ||
	    (lang != NULL && (strchr(lang, '/') != NULL ||
	    strchr(lang, '.') != NULL)))
		return pd_error_set(err, PD_EINVAL, "template",
		    "template: bad name '%s'", name);
	tries[0] = lang != NULL ? lang : "de";
	tries[1] = "de";
	for (i = 0; i < 2 && rc == PD_ENOTFOUND; i++) {
		pd_buf_reset(&path);
		pd_buf_addf(&path, "%s/templates/%s/%s.%s", datadir, tries[i],
		    name, ext);
		if (pd_buf_failed(&path)) {
			rc = PD_ENOMEM;
			break;
		}
		rc = read_file(path.data, out, len);
	}
	if (rc != PD_OK)
		pd_error_set(err, rc, "template", "template %s/%s.%s: %s",
		    tries[0], name, ext, pd_strerror(rc));
	pd_buf_free(&path);
	return rc;
}

int
pd_template_load(const char *datadir, const char *lang, const char *name,
    char **out, size_t *len, struct pd_error *err)
{
	return load_ext(datadir, lang, name, "txt", out, len, err);
}

int
pd_template_load_html(const char *datadir, const char *lang,
    const char *name, char **out, size_t *len, struct pd_error *err)
{
	return load_ext(datadir, lang, name, "html", out, len, err);
}
