/*
 * Unit tests of lib/tz.c: local <-> UTC in Europe/Berlin, the RFC 5545
 * rules for the DST gap and overlap, strict date checks, normalization
 * of user input and RFC 3339 timestamps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "podium/ical.h"
#include "podium/tz.h"

static void
to_utc__winter_morning__is_one_hour_behind(void **state)
{
	int64_t t = 0;

	(void)state;
	assert_int_equal(pd_tz_to_utc("2021-02-11 09:00", "Europe/Berlin", 0,
	    &t), PD_OK);
	assert_int_equal(t, 1613030400);	/* 2021-02-11T08:00:00Z */
}

static void
to_utc__summer_morning__is_two_hours_behind(void **state)
{
	int64_t t = 0;

	(void)state;
	assert_int_equal(pd_tz_to_utc("2021-07-01 09:00", "Europe/Berlin", 0,
	    &t), PD_OK);
	assert_int_equal(t, 1625122800);	/* 2021-07-01T07:00:00Z */
}

static void
to_utc__time_in_spring_gap__uses_offset_before_gap(void **state)
{
	int64_t t = 0;
	char s[17];

	(void)state;
	assert_int_equal(pd_tz_to_utc("2021-03-28 02:30", "Europe/Berlin", 0,
	    &t), PD_OK);
	pd_tz_format_utc(t, s);
	assert_string_equal(s, "20210328T013000Z");
}

static void
to_utc__time_in_autumn_overlap__is_first_occurrence(void **state)
{
	int64_t t = 0;
	char s[17];

	(void)state;
	assert_int_equal(pd_tz_to_utc("2021-10-31 02:30", "Europe/Berlin", 0,
	    &t), PD_OK);
	pd_tz_format_utc(t, s);
	assert_string_equal(s, "20211031T003000Z");
	assert_int_equal(pd_tz_to_utc("2021-10-31 03:30", "Europe/Berlin", 0,
	    &t), PD_OK);
	pd_tz_format_utc(t, s);
	assert_string_equal(s, "20211031T023000Z");
}

static void
to_utc__all_day__is_midnight_in_zone(void **state)
{
	int64_t t = 0;
	char s[17];

	(void)state;
	assert_int_equal(pd_tz_to_utc("2021-01-28", "Europe/Berlin", 1, &t),
	    PD_OK);
	pd_tz_format_utc(t, s);
	assert_string_equal(s, "20210127T230000Z");
}

static void
to_utc__bad_dates__return_einval(void **state)
{
	static const char *bad[] = { "2021-13-01 09:00", "2021-02-30 09:00",
	    "2021-02-29 09:00", "2021-02-11 25:00", "2021-02-11 09:60",
	    "junk", "", "2021-02-11", "2021-02-11 09:00x", "2021-2-11 09:00" };
	int64_t t = 42;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(pd_tz_to_utc(bad[i], "Europe/Berlin", 0, &t),
		    PD_EINVAL);
		assert_int_equal(t, 42);
	}
	assert_int_equal(pd_tz_to_utc("2020-02-29 09:00", "Europe/Berlin", 0,
	    &t), PD_OK);
	assert_int_equal(pd_tz_to_utc("2021-02-11 09:00", "Mars/Olympus", 0,
	    &t), PD_EINVAL);
	assert_int_equal(pd_tz_to_utc("2021-02-11 09:00", "../../etc/passwd",
	    0, &t), PD_EINVAL);
}

static void
known__berlin_and_utc__are_known_junk_is_not(void **state)
{
	(void)state;
	assert_true(pd_tz_known("Europe/Berlin"));
	assert_true(pd_tz_known("UTC"));
	assert_false(pd_tz_known("Europe/Nowhere"));
	assert_false(pd_tz_known(""));
	assert_false(pd_tz_known(NULL));
}

static void
from_utc__summer_instant__gives_local_wall_time(void **state)
{
	char s[17];

	(void)state;
	assert_int_equal(pd_tz_from_utc(1625122800, "Europe/Berlin", s),
	    PD_OK);
	assert_string_equal(s, "2021-07-01 09:00");
	assert_int_equal(pd_tz_from_utc(1625122800, "UTC", s), PD_OK);
	assert_string_equal(s, "2021-07-01 07:00");
	assert_int_equal(pd_tz_from_utc(1625122800, "Nowhere/X", s),
	    PD_EINVAL);
}

static void
normalize__accepted_spellings__give_canonical_form(void **state)
{
	static const char *in[] = { "2021-02-11 9:00", "2021-02-11T09:00",
	    "2021-02-11T09:00:00", "2021-02-11 09:00" };
	char out[17];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		assert_int_equal(pd_tz_normalize(in[i], 0, out), PD_OK);
		assert_string_equal(out, "2021-02-11 09:00");
	}
	assert_int_equal(pd_tz_normalize("2021-02-11", 1, out), PD_OK);
	assert_string_equal(out, "2021-02-11");
}

static void
normalize__bad_input__returns_einval(void **state)
{
	char out[17];

	(void)state;
	assert_int_equal(pd_tz_normalize("2021-02-30 09:00", 0, out),
	    PD_EINVAL);
	assert_int_equal(pd_tz_normalize("2021-02-11 24:00", 0, out),
	    PD_EINVAL);
	assert_int_equal(pd_tz_normalize("2021-02-11", 0, out), PD_EINVAL);
	assert_int_equal(pd_tz_normalize("2021-02-11 09:00", 1, out),
	    PD_EINVAL);
	assert_int_equal(pd_tz_normalize("11.02.2021", 0, out), PD_EINVAL);
}

static void
rfc3339__zulu_and_offsets__parse_to_same_instant(void **state)
{
	int64_t t = 0;

	(void)state;
	assert_int_equal(pd_tz_parse_rfc3339("2021-02-04T08:00:00Z", &t),
	    PD_OK);
	assert_int_equal(t, 1612425600);
	assert_int_equal(pd_tz_parse_rfc3339("2021-02-04T09:00:00+01:00",
	    &t), PD_OK);
	assert_int_equal(t, 1612425600);
	assert_int_equal(pd_tz_parse_rfc3339("2021-02-04T07:30:00.250-00:30",
	    &t), PD_OK);
	assert_int_equal(t, 1612425600);
}

static void
rfc3339__bad_input__returns_einval(void **state)
{
	static const char *bad[] = { "2021-02-04T08:00:00", "2021-02-04",
	    "2021-02-04 8:00:00Z", "2021-02-30T08:00:00Z",
	    "2021-02-04T08:00:00+1:00", "2021-02-04T08:00:00Zjunk", "" };
	int64_t t = 7;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(pd_tz_parse_rfc3339(bad[i], &t), PD_EINVAL);
		assert_int_equal(t, 7);
	}
}

static void
format_utc__instant__gives_basic_format(void **state)
{
	char s[17];

	(void)state;
	pd_tz_format_utc(1613030400, s);
	assert_string_equal(s, "20210211T080000Z");
	pd_tz_format_utc(0, s);
	assert_string_equal(s, "19700101T000000Z");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(to_utc__winter_morning__is_one_hour_behind),
		cmocka_unit_test(to_utc__summer_morning__is_two_hours_behind),
		cmocka_unit_test(
		    to_utc__time_in_spring_gap__uses_offset_before_gap),
		cmocka_unit_test(
		    to_utc__time_in_autumn_overlap__is_first_occurrence),
		cmocka_unit_test(to_utc__all_day__is_midnight_in_zone),
		cmocka_unit_test(to_utc__bad_dates__return_einval),
		cmocka_unit_test(
		    known__berlin_and_utc__are_known_junk_is_not),
		cmocka_unit_test(
		    from_utc__summer_instant__gives_local_wall_time),
		cmocka_unit_test(
		    normalize__accepted_spellings__give_canonical_form),
		cmocka_unit_test(normalize__bad_input__returns_einval),
		cmocka_unit_test(
		    rfc3339__zulu_and_offsets__parse_to_same_instant),
		cmocka_unit_test(rfc3339__bad_input__returns_einval),
		cmocka_unit_test(format_utc__instant__gives_basic_format),
	};

	pd_ical_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
