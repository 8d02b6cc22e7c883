/*
 * libFuzzer target: what the organizer pages read from clients and from
 * their template files.  Every input is given to all four parsers:
 *
 * - the page template engine (lib/web_template.c) renders the input as a
 *   template over fixed jansson data whose strings hold markup, some
 *   starting with a 0x01 byte; when the template has no 0x01 of its own,
 *   "\x01<" in the output means a value went out unescaped (abort);
 * - the application/x-www-form-urlencoded reader,
 * - the multipart/form-data reader (boundary "XyZ"), and
 * - the Cookie header reader (the input up to its first NUL);
 *
 * none may crash, read past the input or leak, and a form that parses
 * must be a JSON object of strings.  The seeds are the real templates in
 * templates/web/ (see CMakeLists.txt) and tests/fuzz/corpus/web.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "podium/buf.h"
#include "web_int.h"
#include "web_template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Partials: a small one, one that includes itself, and nothing else. */
static int
load(void *ctx, const char *name, char **text, size_t *len)
{
	const char *t;

	(void)ctx;
	if (strcmp(name, "_head") == 0)
		t = "<title>{{page_title}}</title>{{#error_list}}"
		    "<li>{{message}}</li>{{/error_list}}";
	else if (strcmp(name, "_foot") == 0)
		t = "</main>{{t.footer}}";
	else if (strcmp(name, "self") == 0)
		t = "{{>self}}";
	else
		return -1;
	if ((*text = strdup(t)) == NULL)
		abort();
	*len = strlen(t);
	return 0;
}

static json_t *
data_new(void)
{
	json_error_t e;
	json_t *d = json_loads(
	    "{\"lang\": \"de\", \"page_title\": \"\\u0001<b>x</b>\","
	    " \"csrf\": \"abc\\\"def\", \"ok\": \"\\u0001<i>\","
	    " \"t\": {\"footer\": \"\\u0001<script>\", \"skip\": \"Zum Inhalt\"},"
	    " \"account\": {\"name\": \"\\u0001<Orga> & 'Gera'\", \"email\": \"a@b\"},"
	    " \"errors\": {\"title\": \"\\u0001<img src=x>\"},"
	    " \"error_list\": [{\"field\": \"title\", \"message\": \"\\u0001<u>\"}],"
	    " \"event\": {\"id\": 3, \"title\": \"\\u0001<script>alert(1)</script>\","
	    "  \"cancelled\": false, \"topics\": [\"\\u0001<a>\", \"Smarte Quartiere\"],"
	    "  \"talks\": [{\"id\": 1, \"title\": \"\\u0001\\\"><x\", \"speaker\":"
	    "   {\"id\": 16, \"name\": \"Prof. Teich\"}, \"via\": null,"
	    "   \"status\": {\"name\": \"requested\", \"label\": \"\\u0001<em>\"}}],"
	    "  \"attendances\": [], \"agenda\": [{\"id\": 2, \"title\": \"&amp;\"}]},"
	    " \"people\": [{\"id\": 1, \"name\": \"\\u0001</option><script>\"}],"
	    " \"count\": 2, \"one\": true, \"ratio\": 0.5, \"none\": null,"
	    " \"v\": {\"title\": \"\\u0001\\\" onfocus=x \\\"\"}}", 0, &e);

	if (d == NULL)
		abort();
	return d;
}

static void
check_form(json_t *o)
{
	const char *k;
	json_t *v;

	if (!json_is_object(o))
		abort();
	json_object_foreach(o, k, v)
		if (!json_is_string(v))
			abort();
	json_decref(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pd_error err = { 0, NULL, NULL };
	struct pd_buf out;
	json_t *d, *form = NULL;
	char *copy, cookie[128];

	/* A copy of exactly size bytes: no NUL to hide an overread. */
	if ((copy = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	if (size > 0)
		memcpy(copy, data, size);

	d = data_new();
	pd_buf_init(&out, 1024 * 1024);
	if (pd_wt_render(&out, copy, size, d, load, NULL, &err) == PD_OK &&
	    out.len > 0 && memchr(data, '\001', size) == NULL &&
	    memmem(out.data, out.len, "\001<", 2) != NULL)
		abort();
	pd_buf_free(&out);
	pd_error_clear(&err);
	json_decref(d);

	if (pd_web_form_urlencoded(copy, size, &form) == PD_OK)
		check_form(form);
	form = NULL;
	if (pd_web_form_multipart("multipart/form-data; boundary=XyZ", copy,
	    size, &form) == PD_OK)
		check_form(form);
	free(copy);

	/* The Cookie header is a C string from libmicrohttpd. */
	if ((copy = strndup((const char *)data, size)) == NULL)
		abort();
	if (pd_web_cookie(copy, "podium_session", cookie, sizeof(cookie)) &&
	    strlen(cookie) >= sizeof(cookie))
		abort();
	free(copy);
	return 0;
}
