/*
 * Unit tests of the organizer pages' pure parts: the template engine
 * (lib/web_template.c), the form and cookie readers (lib/web_form.c) and
 * the account rules and password hashes (lib/account.c).  The pages
 * themselves are tested over HTTP (tests/e2e/test_web.sh) and in a
 * browser (tests/browser/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "podium/account.h"
#include "podium/buf.h"
#include "web_int.h"
#include "web_template.h"

/* Renders tmpl over the JSON text data; returns the rc, output in *out. */
static int
render(const char *tmpl, const char *data, char **out)
{
	struct pd_buf b;
	json_t *d = json_loads(data, 0, NULL);
	int rc;

	assert_non_null(d);
	pd_buf_init(&b, 1 << 20);
	rc = pd_wt_render(&b, tmpl, strlen(tmpl), d, NULL, NULL, NULL);
	pd_buf_add(&b, "", 0);
	*out = strdup(b.data != NULL ? b.data : "");
	pd_buf_free(&b);
	json_decref(d);
	return rc;
}

static void
assert_renders(const char *tmpl, const char *data, const char *want)
{
	char *got = NULL;

	assert_int_equal(render(tmpl, data, &got), PD_OK);
	assert_string_equal(got, want);
	free(got);
}

static void
assert_refused(const char *tmpl)
{
	char *got = NULL;

	assert_int_equal(render(tmpl, "{}", &got), PD_EPARSE);
	free(got);
}

static void
template__values__are_escaped_always(void **state)
{
	(void)state;
	assert_renders("<p>{{name}}</p>",
	    "{\"name\": \"<script>alert(1)</script> \\\"q\\\" & 'a'\"}",
	    "<p>&lt;script&gt;alert(1)&lt;/script&gt; &quot;q&quot; &amp; "
	    "&#39;a&#39;</p>");
	assert_renders("{{n}} {{r}} {{yes}} {{no}} {{nil}} {{missing}}.",
	    "{\"n\": 42, \"r\": 0.5, \"yes\": true, \"no\": false, "
	    "\"nil\": null}", "42 0.5 1   .");
	assert_renders("{{a.b.c}}", "{\"a\": {\"b\": {\"c\": \"<deep>\"}}}",
	    "&lt;deep&gt;");
}

static void
template__sections__loop_push_and_test(void **state)
{
	(void)state;
	assert_renders("{{#list}}[{{name}}|{{top}}]{{/list}}",
	    "{\"top\": \"T\", \"list\": [{\"name\": \"a\"}, {\"name\": \"b\"}]}",
	    "[a|T][b|T]");
	assert_renders("{{#list}}{{.}},{{/list}}", "{\"list\": [\"x\", \"<y>\"]}",
	    "x,&lt;y&gt;,");
	assert_renders("{{#o}}{{k}}{{/o}}{{^o}}none{{/o}}", "{\"o\": {\"k\": 1}}",
	    "1");
	assert_renders("{{#e}}x{{/e}}{{^e}}empty{{/e}}", "{\"e\": []}", "empty");
	assert_renders("{{#s}}yes{{/s}}{{^s}}no{{/s}}", "{\"s\": \"\"}", "no");
	/* A missing inner key is not taken from outside when null inside. */
	assert_renders("{{#l}}{{via}};{{/l}}",
	    "{\"via\": \"outer\", \"l\": [{\"via\": null}, {}]}", ";outer;");
	/* The same name nested: the inner close does not end the outer. */
	assert_renders("{{#a}}<{{#a}}in{{/a}}>{{/a}}", "{\"a\": true}",
	    "<in>");
	assert_renders("x{{! a comment }}y", "{}", "xy");
}

static void
template__malformed__is_refused_whole(void **state)
{
	(void)state;
	assert_refused("{{name");
	assert_refused("{{#a}}never closed");
	assert_refused("stray {{/a}}");
	assert_refused("{{}}");
	assert_refused("{{>partial}}");	/* no loader */
	assert_refused("{{#a}}{{#b}}{{/a}}{{/b}}");
}

static int
self_loader(void *ctx, const char *name, char **text, size_t *len)
{
	(void)ctx;
	if (strcmp(name, "self") != 0)
		return PD_EIO;
	*text = strdup("again {{>self}}");
	*len = strlen(*text);
	return PD_OK;
}

static void
template__partials__are_bounded(void **state)
{
	struct pd_buf b;
	json_t *d = json_object();
	const char *t = "{{>self}}";

	(void)state;
	pd_buf_init(&b, 1 << 20);
	assert_int_equal(pd_wt_render(&b, t, strlen(t), d, self_loader, NULL,
	    NULL), PD_EPARSE);
	pd_buf_free(&b);
	json_decref(d);
}

static void
form__urlencoded__decodes_and_refuses_junk(void **state)
{
	const char body[] = "csrf=abc&title=%3Cb%3E+x&title=second&empty=&flag";
	json_t *o = NULL;

	(void)state;
	assert_int_equal(pd_web_form_urlencoded(body, strlen(body), &o),
	    PD_OK);
	assert_string_equal(json_string_value(json_object_get(o, "title")),
	    "<b> x");
	assert_string_equal(json_string_value(json_object_get(o, "empty")), "");
	assert_string_equal(json_string_value(json_object_get(o, "flag")), "");
	json_decref(o);
	o = NULL;
	assert_int_equal(pd_web_form_urlencoded("a=%zz", 5, &o), PD_EINVAL);
	assert_int_equal(pd_web_form_urlencoded("a=%ff", 5, &o), PD_EINVAL);
	assert_int_equal(pd_web_form_urlencoded("a=%00", 5, &o), PD_EINVAL);
}

static void
form__multipart__reads_fields_and_files(void **state)
{
	const char body[] =
	    "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n"
	    "abc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
	    "filename=\"a.ics\"\r\nContent-Type: text/calendar\r\n\r\n"
	    "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n\r\n--XyZ--\r\n";
	json_t *o = NULL;

	(void)state;
	assert_int_equal(pd_web_form_multipart(
	    "multipart/form-data; boundary=XyZ", body, strlen(body), &o), PD_OK);
	assert_string_equal(json_string_value(json_object_get(o, "csrf")),
	    "abc");
	assert_string_equal(json_string_value(json_object_get(o, "file")),
	    "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
	json_decref(o);
	o = NULL;
	assert_int_equal(pd_web_form_multipart("multipart/form-data", body,
	    strlen(body), &o), PD_EINVAL);
	assert_int_equal(pd_web_form_multipart(
	    "multipart/form-data; boundary=XyZ", body, 40, &o), PD_EINVAL);
}

static void
cookie__finds_the_session_only(void **state)
{
	char v[64];

	(void)state;
	assert_true(pd_web_cookie("a=1; podium_session=abc; b=2",
	    "podium_session", v, sizeof(v)));
	assert_string_equal(v, "abc");
	assert_false(pd_web_cookie("xpodium_session=abc", "podium_session", v,
	    sizeof(v)));
	assert_false(pd_web_cookie("podium_session=", "podium_session", v,
	    sizeof(v)));
}

static void
account__passwords__argon2id_and_checked(void **state)
{
	struct pd_error err = { 0, NULL, NULL };
	char *h = NULL;

	(void)state;
	assert_int_equal(pd_account_password_hash("geheim123", &h), PD_OK);
	assert_non_null(strstr(h, "$argon2id$"));
	assert_true(pd_account_password_verify(h, "geheim123"));
	assert_false(pd_account_password_verify(h, "geheim124"));
	assert_false(pd_account_password_verify(NULL, "geheim123"));
	free(h);
	assert_int_equal(pd_account_validate("a@b", "de", "1234567", &err),
	    PD_EINVAL);
	assert_string_equal(err.field, "password");
	pd_error_clear(&err);
	assert_int_equal(pd_account_validate("no-at", NULL, NULL, &err),
	    PD_EINVAL);
	assert_string_equal(err.field, "email");
	pd_error_clear(&err);
	assert_int_equal(pd_account_validate("a@b", "fr", NULL, &err),
	    PD_EINVAL);
	assert_string_equal(err.field, "lang");
	pd_error_clear(&err);
	assert_int_equal(pd_account_validate("a@b", "en", "12345678", &err),
	    PD_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(template__values__are_escaped_always),
		cmocka_unit_test(template__sections__loop_push_and_test),
		cmocka_unit_test(template__malformed__is_refused_whole),
		cmocka_unit_test(template__partials__are_bounded),
		cmocka_unit_test(form__urlencoded__decodes_and_refuses_junk),
		cmocka_unit_test(form__multipart__reads_fields_and_files),
		cmocka_unit_test(cookie__finds_the_session_only),
		cmocka_unit_test(account__passwords__argon2id_and_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
