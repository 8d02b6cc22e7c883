/*
 * Unit tests of lib/model.c, lib/buf.c, lib/err.c and lib/token.c: the
 * small pieces every other module relies on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "podium/buf.h"
#include "podium/model.h"
#include "podium/token.h"

static void
assert_slug(const char *name, const char *want)
{
	char *s = pd_slug(name);

	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

static void
slug__umlauts_and_punctuation__follow_the_spec(void **state)
{
	(void)state;
	assert_slug("Smarte Quartiere", "smarte-quartiere");
	assert_slug("Fachgruppe Unternehmen der kommunalen Infrastruktur",
	    "fachgruppe-unternehmen-der-kommunalen-infrastruktur");
	assert_slug("Größe & Übermaß", "groesse-uebermass");
	assert_slug("  --Smarte   Mobilität!  ", "smarte-mobilitaet");
	assert_slug("ÄÖÜ", "aeoeue");
	assert_slug("", "");
}

static void
enums__names_and_parse__round_trip(void **state)
{
	enum pd_partstat ps;
	enum pd_talk_status ts;
	enum pd_role r;

	(void)state;
	assert_int_equal(pd_partstat_parse("delegated", &ps), PD_OK);
	assert_int_equal(ps, PD_PART_DELEGATED);
	assert_string_equal(pd_partstat_name(PD_PART_NEEDS_ACTION),
	    "needs-action");
	assert_int_equal(pd_talk_status_parse("withdrawn", &ts), PD_OK);
	assert_int_equal(ts, PD_TALK_WITHDRAWN);
	assert_int_equal(pd_role_parse("Chair", &r), PD_EINVAL);
	assert_int_equal(pd_role_parse(NULL, &r), PD_EINVAL);
	assert_string_equal(pd_event_status_name(PD_EVENT_CANCELLED),
	    "cancelled");
}

static void
fill_event(struct pd_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->title = strdup("Smarte Quartiere");
	ev->start = strdup("2021-02-11 09:00");
	ev->end = strdup("2021-02-11 12:00");
}

static void
validate__good_event__passes(void **state)
{
	struct pd_error err = { 0, NULL, NULL };
	struct pd_event ev;

	(void)state;
	fill_event(&ev);
	assert_int_equal(pd_event_validate(&ev, &err), PD_OK);
	pd_event_clear(&ev);
}

static void
expect_invalid(struct pd_event *ev, const char *field)
{
	struct pd_error err = { 0, NULL, NULL };

	assert_int_equal(pd_event_validate(ev, &err), PD_EINVAL);
	assert_non_null(err.field);
	assert_string_equal(err.field, field);
	assert_non_null(err.msg);
	assert_non_null(strstr(err.msg, field));
	pd_error_clear(&err);
	pd_event_clear(ev);
}

static void
validate__bad_fields__name_the_field(void **state)
{
	struct pd_event ev;

	(void)state;
	fill_event(&ev);
	free(ev.title);
	ev.title = strdup("   ");
	expect_invalid(&ev, "title");

	fill_event(&ev);
	free(ev.start);
	ev.start = strdup("2021-02-30 09:00");
	expect_invalid(&ev, "start");

	fill_event(&ev);
	free(ev.end);
	ev.end = strdup("2021-02-11 08:00");
	expect_invalid(&ev, "end");

	fill_event(&ev);
	ev.tzid = strdup("Mars/Olympus_Mons");
	expect_invalid(&ev, "tz");

	fill_event(&ev);
	ev.rrule = strdup("FREQ=SOMETIMES");
	expect_invalid(&ev, "rrule");

	fill_event(&ev);
	free(ev.title);
	ev.title = strdup("Hi\r\nBcc: evil@example.org");
	expect_invalid(&ev, "title");
}

static void
validate__person_email__rejects_header_tricks(void **state)
{
	struct pd_error err = { 0, NULL, NULL };
	struct pd_person p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.name = "Dietmar Lübcke";
	p.email = "dietmar.luebcke@example.org";
	assert_int_equal(pd_person_validate(&p, &err), PD_OK);
	p.email = "a@example.org\r\nBcc: b@example.org";
	assert_int_equal(pd_person_validate(&p, &err), PD_EINVAL);
	assert_string_equal(err.field, "email");
	p.email = "no-at-sign";
	assert_int_equal(pd_person_validate(&p, &err), PD_EINVAL);
	p.email = NULL;
	p.lang = "fr";
	assert_int_equal(pd_person_validate(&p, &err), PD_EINVAL);
	assert_string_equal(err.field, "lang");
	pd_error_clear(&err);
}

static void
buf__cap__fails_sticky_and_frees(void **state)
{
	struct pd_buf b;
	char *s;
	size_t len;

	(void)state;
	pd_buf_init(&b, 8);
	assert_int_equal(pd_buf_adds(&b, "1234"), PD_OK);
	assert_int_equal(pd_buf_addf(&b, "%d", 5678), PD_OK);
	assert_string_equal(b.data, "12345678");
	assert_int_equal(pd_buf_adds(&b, "9"), PD_ETOOBIG);
	assert_null(b.data);
	assert_int_equal(pd_buf_adds(&b, ""), PD_ETOOBIG);
	assert_null(pd_buf_detach(&b, &len));

	pd_buf_init(&b, 0);
	for (int i = 0; i < 1000; i++)
		pd_buf_adds(&b, "ü");
	s = pd_buf_detach(&b, &len);
	assert_int_equal(len, 2000);
	assert_int_equal(strlen(s), 2000);
	free(s);
}

static void
token__new__is_wellformed_unique_and_hashes(void **state)
{
	char a[PD_TOKEN_LEN + 1], b[PD_TOKEN_LEN + 1];
	char h[PD_TOKEN_HASH_LEN + 1];

	(void)state;
	assert_int_equal(pd_token_new(a), PD_OK);
	assert_int_equal(pd_token_new(b), PD_OK);
	assert_int_equal(strlen(a), PD_TOKEN_LEN);
	assert_true(pd_token_wellformed(a, strlen(a)));
	assert_string_not_equal(a, b);
	assert_false(pd_token_wellformed("../etc/passwd", 13));
	assert_int_equal(pd_token_hash("abc", 3, h), PD_OK);
	assert_string_equal(h,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_true(pd_token_equal("abc", 3, "abc", 3));
	assert_false(pd_token_equal("abc", 3, "abd", 3));
	assert_false(pd_token_equal("abc", 3, "abcd", 4));
}

static void
uuid__new__is_version_4(void **state)
{
	char u[37];

	(void)state;
	assert_int_equal(pd_uuid_new(u), PD_OK);
	assert_int_equal(strlen(u), 36);
	assert_int_equal(u[14], '4');
	assert_non_null(strchr("89ab", u[19]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(slug__umlauts_and_punctuation__follow_the_spec),
		cmocka_unit_test(enums__names_and_parse__round_trip),
		cmocka_unit_test(validate__good_event__passes),
		cmocka_unit_test(validate__bad_fields__name_the_field),
		cmocka_unit_test(validate__person_email__rejects_header_tricks),
		cmocka_unit_test(buf__cap__fails_sticky_and_frees),
		cmocka_unit_test(token__new__is_wellformed_unique_and_hashes),
		cmocka_unit_test(uuid__new__is_version_4),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
