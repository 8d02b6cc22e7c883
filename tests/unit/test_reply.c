/*
 * Unit tests of calendar replies: the reply tags (lib/reply_tag.c), the
 * tagged ORGANIZER and the HTML alternative that pd_mail_compose writes
 * (lib/compose.c), and the edges of the intake (lib/reply.c) that the
 * e2e fixtures do not reach, against a real store in a temporary file.
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
#include <gmime/gmime.h>

#include "podium/compose.h"
#include "podium/ical.h"
#include "podium/plan.h"
#include "podium/reply.h"
#include "podium/store.h"

#define NOW 1612166400		/* 2021-02-01T08:00:00Z */

static const unsigned char KEY[32] = "podium-test-key-0123456789abcde";
static const unsigned char OTHER[32] = "another-key-0123456789abcdefghi";

/* ---- tags ---- */

static void
tag__round_trip__gives_the_ids(void **state)
{
	char *addr = NULL;
	int64_t e = 0, p = 0;

	(void)state;
	assert_int_equal(pd_reply_address(KEY, "rsvp@example.org", 42, 7,
	    &addr), PD_OK);
	assert_int_equal(strncmp(addr, "rsvp+42-7-", 10), 0);
	assert_non_null(strstr(addr, "@example.org"));
	assert_int_equal(pd_reply_tag_check(KEY, addr, &e, &p), PD_OK);
	assert_int_equal(e, 42);
	assert_int_equal(p, 7);
	free(addr);
}

static void
tag__any_case_and_mailto__is_accepted(void **state)
{
	char *addr = NULL, *up;
	int64_t e = 0, p = 0;
	size_t i;

	(void)state;
	assert_int_equal(pd_reply_address(KEY, "rsvp@example.org", 3, 10,
	    &addr), PD_OK);
	assert_true(asprintf(&up, "MAILTO:%s", addr) > 0);
	for (i = 0; up[i] != '\0'; i++)
		if (up[i] >= 'a' && up[i] <= 'z')
			up[i] = (char)(up[i] - 'a' + 'A');
	assert_int_equal(pd_reply_tag_check(KEY, up, &e, &p), PD_OK);
	assert_int_equal(e, 3);
	assert_int_equal(p, 10);
	free(up);
	free(addr);
}

static void
tag__another_key_or_moved_ids__is_refused(void **state)
{
	char *addr = NULL, *moved;
	int64_t e = 0, p = 0;

	(void)state;
	assert_int_equal(pd_reply_address(KEY, "rsvp@example.org", 3, 10,
	    &addr), PD_OK);
	assert_int_equal(pd_reply_tag_check(OTHER, addr, &e, &p), PD_EINVAL);
	/* The same MAC on another invitation. */
	moved = strdup(addr);
	moved[5] = '4';
	assert_int_equal(pd_reply_tag_check(KEY, moved, &e, &p), PD_EINVAL);
	assert_int_equal(e, 0);
	free(moved);
	free(addr);
}

static void
tag__untagged_or_malformed__is_told_apart(void **state)
{
	int64_t e = 0, p = 0;
	char *addr = NULL;

	(void)state;
	assert_int_equal(pd_reply_tag_check(KEY, "rsvp@example.org", &e, &p),
	    PD_ENOTFOUND);
	assert_int_equal(pd_reply_tag_check(KEY, "no-at-sign", &e, &p),
	    PD_ENOTFOUND);
	assert_int_equal(pd_reply_tag_check(KEY, "rsvp+x@example.org", &e,
	    &p), PD_EINVAL);
	assert_int_equal(pd_reply_tag_check(KEY,
	    "rsvp+1-2-aaaaaaaaaaaaaaa@example.org", &e, &p), PD_EINVAL);
	assert_int_equal(pd_reply_tag_check(KEY,
	    "rsvp+0-2-aaaaaaaaaaaaaaaa@example.org", &e, &p), PD_EINVAL);
	assert_int_equal(pd_reply_tag_check(KEY,
	    "rsvp+99999999999999999999-2-aaaaaaaaaaaaaaaa@example.org", &e,
	    &p), PD_EINVAL);
	assert_int_equal(pd_reply_address(KEY, "no-domain", 1, 1, &addr),
	    PD_EINVAL);
	assert_int_equal(pd_reply_address(KEY, "rsvp@example.org", 0, 1,
	    &addr), PD_EINVAL);
	assert_null(addr);
}

/* ---- compose ---- */

static void
init_person(struct pd_person *p, int64_t id, const char *name,
    const char *email, const char *lang)
{
	memset(p, 0, sizeof(*p));
	p->id = id;
	p->name = (char *)(uintptr_t)name;
	p->email = (char *)(uintptr_t)email;
	p->lang = (char *)(uintptr_t)lang;
}

/* The decoded body of the first part of type/subtype; g_free() it. */
static char *
part_text(const char *message, const char *type, const char *subtype)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(message,
	    strlen(message));
	GMimeParser *parser = g_mime_parser_new_with_stream(s);
	GMimeMessage *m = g_mime_parser_construct_message(parser, NULL);
	GMimePartIter *it;
	char *out = NULL;

	assert_non_null(m);
	it = g_mime_part_iter_new(GMIME_OBJECT(m));
	do {
		GMimeObject *o = g_mime_part_iter_get_current(it);

		if (o != NULL && GMIME_IS_TEXT_PART(o) &&
		    g_mime_content_type_is_type(g_mime_object_get_content_type(
		    o), type, subtype)) {
			out = g_mime_text_part_get_text(GMIME_TEXT_PART(o));
			break;
		}
	} while (g_mime_part_iter_next(it));
	g_mime_part_iter_free(it);
	g_object_unref(m);
	g_object_unref(parser);
	g_object_unref(s);
	return out;
}

static void
compose__invitation__has_html_and_a_tagged_organizer(void **state)
{
	struct pd_person to, org;
	struct pd_attendance att;
	struct pd_event ev;
	struct pd_mail m;
	struct pd_compose_ctx ctx;
	struct pd_composed c;
	struct pd_error err = { 0, NULL, NULL };
	char *cal, *html, *want = NULL, *line;
	int64_t e = 0, p = 0;

	(void)state;
	init_person(&to, 5, "Anna <Adler>", "anna@example.org", "de");
	init_person(&org, 9, "Michael Tietz", "michael.tietz@example.org",
	    "de");
	memset(&att, 0, sizeof(att));
	att.person = to;
	memset(&ev, 0, sizeof(ev));
	ev.id = 3;
	ev.uid = "ev-3@podium.test";
	ev.title = "Quartiere <script>alert(1)</script> & Co";
	ev.location = "Raum \"A\"";
	ev.tzid = "Europe/Berlin";
	ev.start = "2021-02-11 09:00";
	ev.end = "2021-02-11 12:00";
	ev.start_utc = 1613030400;
	ev.end_utc = 1613041200;
	ev.group_slug = "fachgruppe";
	ev.organizer = org;
	ev.attendances = &att;
	ev.nattendances = 1;
	memset(&m, 0, sizeof(m));
	m.key = "invitation/ev-3/5/0";
	m.kind = PD_MAIL_INVITATION;
	m.ev = &ev;
	m.to = &to;
	m.occurrence = ev.start_utc;
	memset(&ctx, 0, sizeof(ctx));
	ctx.from = "SMARTCity Gera <smartcity@example.org>";
	ctx.base_url = "http://podium.test";
	ctx.key = KEY;
	ctx.now = NOW;
	ctx.reply_to = "rsvp@podium.test";
	assert_int_equal(pd_mail_compose(&m, &ctx, &c, &err), PD_OK);

	/* The human organizer stays the Reply-To. */
	assert_non_null(strstr(c.message,
	    "Reply-To: Michael Tietz <michael.tietz@example.org>"));
	cal = part_text(c.message, "text", "calendar");
	assert_non_null(cal);
	assert_int_equal(pd_reply_address(KEY, "rsvp@podium.test", 3, 5,
	    &want), PD_OK);
	assert_non_null(line = strstr(cal, "ORGANIZER;CN=Michael Tietz:mailto:"));
	line = strndup(strstr(line, "mailto:"), strcspn(strstr(line,
	    "mailto:"), "\r\n"));
	assert_string_equal(line + 7, want);
	assert_int_equal(pd_reply_tag_check(KEY, line, &e, &p), PD_OK);
	free(line);
	assert_int_equal(e, 3);
	assert_int_equal(p, 5);

	html = part_text(c.message, "text", "html");
	assert_non_null(html);
	assert_non_null(strstr(html, "Quartiere &lt;script&gt;alert(1)"
	    "&lt;/script&gt; &amp; Co"));
	assert_null(strstr(html, "<script"));
	assert_non_null(strstr(html, "Guten Tag Anna &lt;Adler&gt;,"));
	assert_non_null(strstr(html, "Raum &quot;A&quot;"));
	assert_non_null(strstr(html, "11.02.2021"));
	assert_non_null(strstr(html,
	    "href=\"http://podium.test/calendars/group/fachgruppe.ics\""));
	assert_non_null(strstr(html,
	    "href=\"webcal://podium.test/calendars/group/fachgruppe.ics\""));
	assert_null(strstr(html, "<img"));
	g_free(cal);
	g_free(html);
	free(want);
	pd_composed_clear(&c);

	/* An event without an organizer: the sender's name, still tagged. */
	memset(&ev.organizer, 0, sizeof(ev.organizer));
	assert_int_equal(pd_mail_compose(&m, &ctx, &c, &err), PD_OK);
	cal = part_text(c.message, "text", "calendar");
	assert_non_null(strstr(cal, "ORGANIZER;CN=SMARTCity Gera:mailto:rsvp+3-5-"));
	assert_non_null(strstr(c.message, "Reply-To: SMARTCity Gera <smartcity@example.org>"));
	g_free(cal);
	pd_composed_clear(&c);
	ev.organizer = org;

	/* Without reply_to, the organizer's own address, as before. */
	ctx.reply_to = NULL;
	assert_int_equal(pd_mail_compose(&m, &ctx, &c, &err), PD_OK);
	cal = part_text(c.message, "text", "calendar");
	assert_non_null(strstr(cal, "mailto:michael.tietz@example.org"));
	assert_null(strstr(cal, "rsvp"));
	g_free(cal);
	pd_composed_clear(&c);
	pd_error_clear(&err);
}

/* ---- the intake ---- */

struct fixture {
	char path[64];
	struct pd_store *st;
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct pd_error err = { 0, NULL, NULL };
	int fd;

	assert_non_null(fx);
	snprintf(fx->path, sizeof(fx->path), "/tmp/podium-reply-XXXXXX");
	assert_true((fd = mkstemp(fx->path)) >= 0);
	close(fd);
	assert_int_equal(pd_store_open(fx->path, NOW, &fx->st, &err), PD_OK);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	char side[80];

	pd_store_close(fx->st);
	unlink(fx->path);
	snprintf(side, sizeof(side), "%s-wal", fx->path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", fx->path);
	unlink(side);
	free(fx);
	return 0;
}

static int
receive(struct fixture *fx, const char *msg, struct pd_reply_result *res)
{
	struct pd_error err = { 0, NULL, NULL };
	struct pd_reply_ctx ctx = { KEY, NOW };
	int rc;

	memset(res, 0, sizeof(*res));
	rc = pd_reply_receive(fx->st, &ctx, msg, strlen(msg), res, &err);
	pd_error_clear(&err);
	return rc;
}

static void
receive__no_header__is_unreadable(void **state)
{
	struct pd_reply_result res;

	assert_int_equal(receive(*state, "\r\n\r\njust a body\r\n", &res),
	    PD_EPARSE);
	assert_int_equal(receive(*state, "", &res), PD_EPARSE);
}

static void
receive__without_message_id__is_still_idempotent(void **state)
{
	static const char msg[] =
	    "From: a@example.org\r\nTo: rsvp@example.org\r\n"
	    "Subject: no id\r\n\r\nhello\r\n";
	struct pd_reply_result res;
	struct pd_reply_row *rows = NULL;
	size_t n = 0;

	assert_int_equal(receive(*state, msg, &res), PD_OK);
	assert_int_equal(res.outcome, PD_REPLY_IGNORED);
	assert_non_null(strstr(res.reason, "no calendar part"));
	assert_int_equal(receive(*state, msg, &res), PD_OK);
	assert_non_null(strstr(res.reason, "already received"));
	assert_int_equal(pd_store_reply_list(((struct fixture *)*state)->st,
	    NULL, &rows, &n), PD_OK);
	assert_int_equal(n, 1);
	assert_non_null(strstr(rows[0].message_id, "@podium.invalid"));
	pd_reply_rows_free(rows, n);
}

static void
receive__a_request_not_a_reply__is_ignored(void **state)
{
	static const char msg[] =
	    "From: a@example.org\r\nTo: rsvp@example.org\r\n"
	    "Message-ID: <req@example.org>\r\n"
	    "Content-Type: text/calendar; method=REQUEST\r\n\r\n"
	    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nMETHOD:REQUEST\r\n"
	    "BEGIN:VEVENT\r\nUID:x@y\r\nDTSTAMP:20210201T000000Z\r\n"
	    "END:VEVENT\r\nEND:VCALENDAR\r\n";
	struct pd_reply_result res;

	assert_int_equal(receive(*state, msg, &res), PD_OK);
	assert_int_equal(res.outcome, PD_REPLY_IGNORED);
	assert_non_null(strstr(res.reason, "METHOD:REQUEST is not a reply"));
}

static void
imap_state__round_trip(void **state)
{
	struct fixture *fx = *state;
	int64_t v = -1, last = -1;

	assert_int_equal(pd_store_imap_state_get(fx->st, "imap://h/INBOX", &v,
	    &last), PD_OK);
	assert_int_equal(v, 0);
	assert_int_equal(last, 0);
	assert_int_equal(pd_store_imap_state_set(fx->st, "imap://h/INBOX", 77,
	    5), PD_OK);
	assert_int_equal(pd_store_imap_state_set(fx->st, "imap://h/INBOX", 77,
	    9), PD_OK);
	assert_int_equal(pd_store_imap_state_get(fx->st, "imap://h/INBOX", &v,
	    &last), PD_OK);
	assert_int_equal(v, 77);
	assert_int_equal(last, 9);
}

#define T(f) cmocka_unit_test(f)
#define TS(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(tag__round_trip__gives_the_ids),
		T(tag__any_case_and_mailto__is_accepted),
		T(tag__another_key_or_moved_ids__is_refused),
		T(tag__untagged_or_malformed__is_told_apart),
		T(compose__invitation__has_html_and_a_tagged_organizer),
		TS(receive__no_header__is_unreadable),
		TS(receive__without_message_id__is_still_idempotent),
		TS(receive__a_request_not_a_reply__is_ignored),
		TS(imap_state__round_trip),
	};

	pd_ical_init();
	g_mime_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
