/*
 * Wall-clock times in named zones, on top of libical's zone data.
 *
 * Local times are "YYYY-MM-DD HH:MM" (a 'T' instead of the space and a
 * trailing ":SS" are accepted on input), all-day dates "YYYY-MM-DD".
 *
 * Gaps and overlaps follow RFC 5545 section 3.3.5: a wall time that does
 * not exist (2021-03-28 02:30 in Europe/Berlin) is read with the offset
 * before the gap, so it means 01:30Z (= 03:30 CEST); a wall time that
 * occurs twice (2021-10-31 02:30) means the first of the two, 00:30Z.
 */
#ifndef PODIUM_TZ_H
#define PODIUM_TZ_H

#include <stdint.h>

#include "podium/err.h"

#define PD_TZ_DEFAULT "Europe/Berlin"

/* Nonzero when tzid names a zone libical knows ("UTC" included). */
int pd_tz_known(const char *tzid);

/*
 * Converts a local time (or, with all_day, a date taken at 00:00 in the
 * zone) to unix seconds.  PD_EINVAL when the text is not a valid time
 * (month 13, Feb 30, 25:00...) or the zone is unknown.
 */
int pd_tz_to_utc(const char *local, const char *tzid, int all_day,
    int64_t *out);

/*
 * Formats unix seconds as a local time "YYYY-MM-DD HH:MM" in the zone.
 * out must have room for 17 bytes.
 */
int pd_tz_from_utc(int64_t t, const char *tzid, char out[17]);

/*
 * Normalizes user input to the canonical form: "2021-02-11 9:00" ->
 * "2021-02-11 09:00", "2021-02-11T09:00:00" -> "2021-02-11 09:00",
 * "2021-02-11" stays a date when all_day.  out must hold 17 bytes.
 */
int pd_tz_normalize(const char *in, int all_day, char out[17]);

/*
 * Parses an RFC 3339 timestamp ("2021-02-04T08:00:00Z", offsets allowed)
 * to unix seconds.  PD_EINVAL on anything else.
 */
int pd_tz_parse_rfc3339(const char *s, int64_t *out);

/*
 * Calendar arithmetic on the proleptic Gregorian calendar, without
 * zones: days since 1970-01-01 for a date, and back.
 */
int64_t pd_tz_days_from_civil(int y, int m, int d);
void pd_tz_civil_from_days(int64_t days, int *y, int *m, int *d);

/* "YYYYMMDDTHHMMSSZ" for t; out holds 17 bytes. */
void pd_tz_format_utc(int64_t t, char out[17]);

#endif
