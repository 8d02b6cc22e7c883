/*
 * Unit tests of lib/respond.c (the answer pages) and lib/html.c (escaping
 * and the page templates): pd_respond_handle is called with plain request
 * structs against a real store in a temporary file, no sockets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "podium/answer.h"
#include "podium/http.h"
#include "podium/store.h"
#include "html.h"

#define NOW 1612425600		/* 2021-02-04T08:00:00Z, before the event */
#define EVENT_END 1613041200	/* 2021-02-11 12:00 CET */

static const unsigned char KEY[32] = "podium-test-key-0123456789abcde";

struct fixture {
	char path[64];
	struct pd_app app;
	int64_t de_id, en_id, event_id;
	int64_t talk_de, talk_en, talk_xss;
	int changed;
};

static int64_t clock_now = NOW;

static int64_t
fixed_now(void)
{
	return clock_now;
}

static void
count_changed(struct pd_app *app)
{
	struct fixture *fx = (struct fixture *)(void *)((char *)app -
	    offsetof(struct fixture, app));

	/* The hook runs outside the lock: taking it must not deadlock. */
	assert_int_equal(pthread_mutex_trylock(&app->lock), 0);
	pthread_mutex_unlock(&app->lock);
	fx->changed++;
}

static int64_t
add_person(struct pd_store *st, const char *name, const char *lang)
{
	struct pd_person p;
	int64_t id;

	memset(&p, 0, sizeof(p));
	p.name = strdup(name);
	p.lang = strdup(lang);
	assert_int_equal(pd_store_person_add(st, &p), PD_OK);
	id = p.id;
	pd_person_clear(&p);
	return id;
}

static int64_t
add_talk(struct pd_store *st, int64_t event_id, const char *title,
    int64_t speaker, int64_t via)
{
	struct pd_talk t;
	int64_t id;

	memset(&t, 0, sizeof(t));
	t.title = strdup(title);
	t.speaker.id = speaker;
	t.via.id = via;
	t.status = PD_TALK_REQUESTED;
	assert_int_equal(pd_store_talk_add(st, event_id, &t), PD_OK);
	id = t.id;
	pd_talk_clear(&t);
	return id;
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct pd_error err = { 0, NULL, NULL };
	struct pd_event ev;
	int64_t via;
	int fd;

	assert_non_null(fx);
	snprintf(fx->path, sizeof(fx->path), "/tmp/podium-respond-XXXXXX");
	assert_true((fd = mkstemp(fx->path)) >= 0);
	close(fd);
	clock_now = NOW;
	assert_int_equal(pd_store_open(fx->path, NOW, &fx->app.st, &err),
	    PD_OK);
	pthread_mutex_init(&fx->app.lock, NULL);
	memcpy(fx->app.key, KEY, sizeof(KEY));
	fx->app.now = fixed_now;
	fx->app.changed = count_changed;

	fx->de_id = add_person(fx->app.st, "Frau Lübcke", "de");
	fx->en_id = add_person(fx->app.st, "Ms Smith", "en");
	via = add_person(fx->app.st, "Herr Kache", "de");
	memset(&ev, 0, sizeof(ev));
	ev.title = strdup("Projektwoche SMARTCity: Smarte Quartiere");
	ev.location = strdup("Rathaus Gera, Raum 1 & 2");
	ev.start = strdup("2021-02-11 09:00");
	ev.end = strdup("2021-02-11 12:00");
	ev.status = PD_EVENT_CONFIRMED;
	assert_int_equal(pd_store_event_add(fx->app.st, &ev), PD_OK);
	fx->event_id = ev.id;
	pd_event_clear(&ev);
	fx->talk_de = add_talk(fx->app.st, fx->event_id,
	    "Wärmenetze im Quartier", fx->de_id, via);
	fx->talk_en = add_talk(fx->app.st, fx->event_id,
	    "Open data for districts", fx->en_id, 0);
	fx->talk_xss = add_talk(fx->app.st, fx->event_id,
	    "<script>alert(1)</script>", fx->de_id, 0);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	char wal[80];

	pd_store_close(fx->app.st);
	pthread_mutex_destroy(&fx->app.lock);
	unlink(fx->path);
	snprintf(wal, sizeof(wal), "%s-wal", fx->path);
	unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", fx->path);
	unlink(wal);
	free(fx);
	return 0;
}

/* The token for a talk, valid until a day after the event. */
static char *
token_for(int64_t talk, int64_t person)
{
	char *tok = NULL;

	assert_int_equal(pd_answer_token_make(KEY, talk, person,
	    EVENT_END + PD_ANSWER_GRACE, &tok), PD_OK);
	return tok;
}

static void
call(struct fixture *fx, const char *method, const char *token,
    const char *ctype, const char *body, struct pd_http_resp *resp)
{
	struct pd_http_req req;
	char path[128];

	snprintf(path, sizeof(path), "/respond/%s", token);
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	req.content_type = ctype;
	req.body = body != NULL ? body : "";
	req.body_len = body != NULL ? strlen(body) : 0;
	pd_http_resp_init(resp);
	pd_respond_handle(&fx->app, &req, resp);
	assert_false(pd_buf_failed(&resp->body));
	assert_non_null(resp->body.data);
	/* Never echo the token. */
	if (*token != '\0')
		assert_null(strstr(resp->body.data, token));
}

static const char *
header_of(const struct pd_http_resp *resp, const char *name)
{
	size_t i;

	for (i = 0; i < resp->nheaders; i++)
		if (strcmp(resp->hname[i], name) == 0)
			return resp->hvalue[i];
	return NULL;
}

static void
assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("'%s' not found in:\n%s", needle, hay);
}

static void
assert_page_headers(const struct pd_http_resp *resp)
{
	assert_string_equal(resp->content_type, "text/html; charset=utf-8");
	assert_non_null(header_of(resp, "Content-Security-Policy"));
	assert_contains(header_of(resp, "Content-Security-Policy"),
	    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
	assert_string_equal(header_of(resp, "Cache-Control"), "no-store");
	assert_string_equal(header_of(resp, "Referrer-Policy"), "no-referrer");
	/* Template comments are dropped whole. */
	assert_memory_equal(resp->body.data, "<!DOCTYPE html>\n", 16);
	assert_null(strstr(resp->body.data, "{{"));
	assert_null(strstr(resp->body.data, "}}"));
	assert_contains(resp->body.data, "<meta charset=\"utf-8\">");
}

static enum pd_talk_status
talk_status(struct fixture *fx, int64_t id)
{
	struct pd_talk t;
	enum pd_talk_status s;

	assert_int_equal(pd_store_talk_get(fx->app.st, id, &t, NULL), PD_OK);
	s = t.status;
	pd_talk_clear(&t);
	return s;
}

static void
get__german_speaker__shows_the_talk_and_two_buttons_in_german(void **state)
{
	struct fixture *fx = *state;
	struct pd_http_resp resp;
	char *tok = token_for(fx->talk_de, fx->de_id);

	call(fx, "GET", tok, NULL, NULL, &resp);
	assert_int_equal(resp.status, 200);
	assert_page_headers(&resp);
	assert_string_equal(header_of(&resp, "Content-Language"), "de");
	assert_contains(resp.body.data, "<html lang=\"de\">");
	assert_contains(resp.body.data, "Wärmenetze im Quartier");
	assert_contains(resp.body.data,
	    "Projektwoche SMARTCity: Smarte Quartiere");
	assert_contains(resp.body.data, "Rathaus Gera, Raum 1 &amp; 2");
	assert_contains(resp.body.data,
	    "Donnerstag, 11. Februar 2021, 09:00–12:00 Uhr");
	assert_contains(resp.body.data, "Europe/Berlin");
	assert_contains(resp.body.data, "Herr Kache");
	assert_contains(resp.body.data, "angefragt");
	assert_contains(resp.body.data, "<form method=\"post\">");
	assert_contains(resp.body.data,
	    "name=\"answer\" value=\"accept\">Ja, ich sage zu</button>");
	assert_contains(resp.body.data,
	    "name=\"answer\" value=\"decline\">Nein, ich sage ab</button>");
	assert_null(strstr(resp.body.data, "<script"));
	assert_null(strstr(resp.body.data, "{{"));
	pd_http_resp_clear(&resp);

	/* HEAD is GET without the body, which the server drops. */
	call(fx, "HEAD", tok, NULL, NULL, &resp);
	assert_int_equal(resp.status, 200);
	pd_http_resp_clear(&resp);
	free(tok);
}

static void
get__english_speaker__shows_the_page_in_english(void **state)
{
	struct fixture *fx = *state;
	struct pd_http_resp resp;
	char *tok = token_for(fx->talk_en, fx->en_id);

	call(fx, "GET", tok, NULL, NULL, &resp);
	assert_int_equal(resp.status, 200);
	assert_page_headers(&resp);
	assert_contains(resp.body.data, "<html lang=\"en\">");
	assert_contains(resp.body.data, "Open data for districts");
	assert_contains(resp.body.data, "Thursday, 11 February 2021, 09:00–12:00");
	assert_contains(resp.body.data, ">Yes, I accept</button>");
	assert_contains(resp.body.data, ">No, I decline</button>");
	assert_contains(resp.body.data, "requested");
	assert_null(strstr(resp.body.data, "Ja, ich sage zu"));
	pd_http_resp_clear(&resp);
	free(tok);
}

static void
get__script_in_title__is_escaped(void **state)
{
	struct fixture *fx = *state;
	struct pd_http_resp resp;
	char *tok = token_for(fx->talk_xss, fx->de_id);

	call(fx, "GET", tok, NULL, NULL, &resp);
	assert_int_equal(resp.status, 200);
	assert_null(strstr(resp.body.data, "<script>"));
	assert_contains(resp.body.data,
	    "&lt;script&gt;alert(1)&lt;/script&gt;");
	pd_http_resp_clear(&resp);
	free(tok);
}

static const char *FORM = "application/x-www-form-urlencoded";

static void
post__accept_then_decline__sets_the_status_each_time(void **state)
{
	struct fixture *fx = *state;
	struct pd_http_resp resp;
	char *tok = token_for(fx->talk_de, fx->de_id);

	call(fx, "POST", tok, FORM, "answer=accept", &resp);
	assert_int_equal(resp.status, 200);
	assert_page_headers(&resp);
	assert_contains(resp.body.data, "Vielen Dank");
	assert_contains(resp.body.data, "zugesagt");
	assert_contains(resp.body.data, "bestätigt");
	/* Changing one's mind is allowed, and the page says so. */
	assert_contains(resp.body.data, "Antwort über diesen Link ändern");
	assert_contains(resp.body.data, "value=\"decline\"");
	assert_int_equal(talk_status(fx, fx->talk_de), PD_TALK_CONFIRMED);
	assert_int_equal(fx->changed, 1);
	pd_http_resp_clear(&resp);

	/* The same answer again writes nothing. */
	call(fx, "POST", tok, "application/x-www-form-urlencoded; charset=UTF-8",
	    "answer=accept", &resp);
	assert_int_equal(resp.status, 200);
	assert_int_equal(fx->changed, 1);
	pd_http_resp_clear(&resp);

	clock_now = EVENT_END + 3600;	/* after the event, within grace */
	call(fx, "POST", tok, FORM, "answer=decline", &resp);
	assert_int_equal(resp.status, 200);
	assert_contains(resp.body.data, "abgesagt");
	assert_int_equal(talk_status(fx, fx->talk_de), PD_TALK_DECLINED);
	assert_int_equal(fx->changed, 2);
	pd_http_resp_clear(&resp);
	free(tok);
}

static void
post__encoded_and_mixed_fields__are_read(void **state)
{
	struct fixture *fx = *state;
	struct pd_http_resp resp;
	char *tok = token_for(fx->talk_en, fx->en_id);

	call(fx, "POST", tok, FORM, "x=%zz&answer=%61cc%45pt", &resp);
	assert_int_equal(resp.status, 400);	/* %45 is 'E' */
	pd_http_resp_clear(&resp);
	call(fx, "POST", tok, FORM, "x=%zz&answer=%61cc%65pt", &resp);
	assert_int_equal(resp.status, 200);
	assert_contains(resp.body.data, "Thank you");
	assert_int_equal(talk_status(fx, fx->talk_en), PD_TALK_CONFIRMED);
	pd_http_resp_clear(&resp);
	call(fx, "POST", tok, "Application/X-WWW-Form-Urlencoded",
	    "a%6Eswer=decline&other=1", &resp);
	assert_int_equal(resp.status, 200);
	assert_int_equal(talk_status(fx, fx->talk_en), PD_TALK_DECLINED);
	pd_http_resp_clear(&resp);
	free(tok);
}

static void
post__bad_answers__are_400(void **state)
{
	static const char *bodies[] = {
		"answer=maybe", "", "answer", "answer=", "answer=accept%",
		"answer=accept%0", "answer=accept%00", "answer=accept+",
		"answer=accept&answer=decline", "ANSWER=accept",
		"answer=acceptacceptacceptacceptacceptaccept",
	};
	struct fixture *fx = *state;
	struct pd_http_resp resp;
	char *tok = token_for(fx->talk_de, fx->de_id);
	size_t i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		call(fx, "POST", tok, FORM, bodies[i], &resp);
		if (resp.status != 400)
			fail_msg("body '%s' gave %d", bodies[i], resp.status);
		assert_page_headers(&resp);
		assert_contains(resp.body.data, "Unbekannte Antwort");
		assert_contains(resp.body.data, "Unknown answer");
		pd_http_resp_clear(&resp);
	}
	assert_int_equal(talk_status(fx, fx->talk_de), PD_TALK_REQUESTED);
	assert_int_equal(fx->changed, 0);
	free(tok);
}

static void
post__other_content_type__is_415(void **state)
{
	struct fixture *fx = *state;
	struct pd_http_resp resp;
	char *tok = token_for(fx->talk_de, fx->de_id);

	call(fx, "POST", tok, "application/json", "{\"answer\":\"accept\"}",
	    &resp);
	assert_int_equal(resp.status, 415);
	pd_http_resp_clear(&resp);
	call(fx, "POST", tok, NULL, "answer=accept", &resp);
	assert_int_equal(resp.status, 415);
	pd_http_resp_clear(&resp);
	call(fx, "POST", tok, "application/x-www-form-urlencodedX",
	    "answer=accept", &resp);
	assert_int_equal(resp.status, 415);
	pd_http_resp_clear(&resp);
	assert_int_equal(talk_status(fx, fx->talk_de), PD_TALK_REQUESTED);
	free(tok);
}

static void
other_method__is_405_with_allow(void **state)
{
	struct fixture *fx = *state;
	struct pd_http_resp resp;
	char *tok = token_for(fx->talk_de, fx->de_id);

	call(fx, "PUT", tok, FORM, "answer=accept", &resp);
	assert_int_equal(resp.status, 405);
	assert_page_headers(&resp);
	assert_string_equal(header_of(&resp, "Allow"), "GET, HEAD, POST");
	pd_http_resp_clear(&resp);
	free(tok);
}

static void
tampered_token__is_404_in_both_languages(void **state)
{
	struct fixture *fx = *state;
	struct pd_http_resp resp;
	char *tok = token_for(fx->talk_de, fx->de_id);

	tok[10] = tok[10] == 'A' ? 'B' : 'A';
	call(fx, "GET", tok, NULL, NULL, &resp);
	assert_int_equal(resp.status, 404);
	assert_page_headers(&resp);
	assert_contains(resp.body.data, "Dieser Link ist ungültig");
	assert_contains(resp.body.data, "This link is not valid");
	pd_http_resp_clear(&resp);
	call(fx, "POST", tok, FORM, "answer=accept", &resp);
	assert_int_equal(resp.status, 404);
	pd_http_resp_clear(&resp);
	call(fx, "GET", "", NULL, NULL, &resp);
	assert_int_equal(resp.status, 404);
	pd_http_resp_clear(&resp);
	call(fx, "GET", "../../etc/passwd", NULL, NULL, &resp);
	assert_int_equal(resp.status, 404);
	pd_http_resp_clear(&resp);
	assert_int_equal(talk_status(fx, fx->talk_de), PD_TALK_REQUESTED);
	free(tok);
}

static void
expired_token__is_410(void **state)
{
	struct fixture *fx = *state;
	struct pd_http_resp resp;
	char *tok = token_for(fx->talk_de, fx->de_id);

	clock_now = EVENT_END + PD_ANSWER_GRACE + 1;
	call(fx, "GET", tok, NULL, NULL, &resp);
	assert_int_equal(resp.status, 410);
	assert_page_headers(&resp);
	assert_contains(resp.body.data, "abgelaufen");
	assert_contains(resp.body.data, "expired");
	pd_http_resp_clear(&resp);
	call(fx, "POST", tok, FORM, "answer=accept", &resp);
	assert_int_equal(resp.status, 410);
	pd_http_resp_clear(&resp);
	assert_int_equal(talk_status(fx, fx->talk_de), PD_TALK_REQUESTED);
	free(tok);
}

static void
deleted_talk_or_other_speaker__is_404(void **state)
{
	struct fixture *fx = *state;
	struct pd_http_resp resp;
	char *tok = token_for(fx->talk_de, fx->en_id);	/* not her talk */

	call(fx, "POST", tok, FORM, "answer=accept", &resp);
	assert_int_equal(resp.status, 404);
	assert_contains(resp.body.data, "Diese Anfrage besteht nicht mehr");
	pd_http_resp_clear(&resp);
	assert_int_equal(talk_status(fx, fx->talk_de), PD_TALK_REQUESTED);
	free(tok);

	tok = token_for(fx->talk_xss, fx->de_id);
	assert_int_equal(pd_store_talk_delete(fx->app.st, fx->talk_xss), PD_OK);
	call(fx, "GET", tok, NULL, NULL, &resp);
	assert_int_equal(resp.status, 404);
	assert_contains(resp.body.data, "This request no longer exists");
	pd_http_resp_clear(&resp);
	free(tok);
}

static void
cancelled_event__shows_no_buttons_and_refuses_answers(void **state)
{
	struct fixture *fx = *state;
	struct pd_http_resp resp;
	char *tok = token_for(fx->talk_de, fx->de_id);

	assert_int_equal(pd_store_event_cancel(fx->app.st, fx->event_id),
	    PD_OK);
	call(fx, "GET", tok, NULL, NULL, &resp);
	assert_int_equal(resp.status, 200);
	assert_contains(resp.body.data, "Veranstaltung wurde abgesagt");
	assert_null(strstr(resp.body.data, "<form"));
	pd_http_resp_clear(&resp);
	call(fx, "POST", tok, FORM, "answer=accept", &resp);
	assert_int_equal(resp.status, 409);
	assert_null(strstr(resp.body.data, "<form"));
	pd_http_resp_clear(&resp);
	assert_int_equal(talk_status(fx, fx->talk_de), PD_TALK_REQUESTED);
	assert_int_equal(fx->changed, 0);
	free(tok);
}

/* ---- html.c ---- */

static void
html_escape__all_five__become_entities(void **state)
{
	struct pd_buf b = PD_BUF_INIT;

	(void)state;
	assert_int_equal(pd_html_escape(&b, "a&b<c>d\"e'f – ü"), PD_OK);
	assert_string_equal(b.data, "a&amp;b&lt;c&gt;d&quot;e&#39;f – ü");
	pd_buf_free(&b);
}

static void
html_render__sections_and_comments__follow_the_values(void **state)
{
	static const char t[] = "{{! note }}<p>{{a}}</p>{{#on}}[on {{a}}]"
	    "{{/on}}{{#off}}[off]{{/off}}{{^off}}[not off{{#on}}, on{{/on}}]"
	    "{{/off}}";
	struct pd_html_var vars[] = {
		{ "a", "<x>" }, { "on", "1" }, { "off", "" },
	};
	struct pd_buf b = PD_BUF_INIT;

	(void)state;
	assert_int_equal(pd_html_render(&b, t, sizeof(t) - 1, vars, 3), PD_OK);
	assert_string_equal(b.data,
	    "<p>&lt;x&gt;</p>[on &lt;x&gt;][not off, on]");
	pd_buf_free(&b);
}

static void
html_render__unknown_name_or_unclosed__is_an_error(void **state)
{
	struct pd_html_var vars[] = { { "a", "x" } };
	struct pd_buf b = PD_BUF_INIT;

	(void)state;
	assert_int_equal(pd_html_render(&b, "{{b}}", 5, vars, 1), PD_EPARSE);
	pd_buf_reset(&b);
	assert_int_equal(pd_html_render(&b, "{{a", 3, vars, 1), PD_EPARSE);
	pd_buf_reset(&b);
	assert_int_equal(pd_html_render(&b, "{{#a}}x", 7, vars, 1), PD_EPARSE);
	pd_buf_reset(&b);
	assert_int_equal(pd_html_render(&b, "x{{/a}}", 7, vars, 1), PD_EPARSE);
	pd_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    get__german_speaker__shows_the_talk_and_two_buttons_in_german,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    get__english_speaker__shows_the_page_in_english,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    get__script_in_title__is_escaped, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    post__accept_then_decline__sets_the_status_each_time,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    post__encoded_and_mixed_fields__are_read, setup, teardown),
		cmocka_unit_test_setup_teardown(post__bad_answers__are_400,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    post__other_content_type__is_415, setup, teardown),
		cmocka_unit_test_setup_teardown(other_method__is_405_with_allow,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    tampered_token__is_404_in_both_languages, setup, teardown),
		cmocka_unit_test_setup_teardown(expired_token__is_410,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    deleted_talk_or_other_speaker__is_404, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    cancelled_event__shows_no_buttons_and_refuses_answers,
		    setup, teardown),
		cmocka_unit_test(html_escape__all_five__become_entities),
		cmocka_unit_test(
		    html_render__sections_and_comments__follow_the_values),
		cmocka_unit_test(
		    html_render__unknown_name_or_unclosed__is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
