/*
 * Wall-clock times in named zones (tz.h), on top of libical's zone data.
 *
 * libical supplies the zone rules (icaltimezone_get_builtin_timezone, the
 * offset in effect at a UTC instant); the calendar arithmetic and the strict
 * parsing of user text are done here, because libical silently normalizes
 * impossible dates (2021-02-30 becomes 2021-03-02) and resolves DST gaps and
 * overlaps differently from RFC 5545 section 3.3.5: for 2021-03-28 02:30 in
 * Europe/Berlin it answers 00:30Z (RFC: 01:30Z) and for 2021-10-31 02:30 it
 * picks the second occurrence, 01:30Z (RFC: the first, 00:30Z).  So local ->
 * UTC is done by trying the offsets in effect a day before and a day after
 * and keeping the candidate that maps back to the same wall time.
 *
 * This file does not know about iCalendar text; ical_*.c do.
 */
#include <stdint.h>
#include <string.h>

#include <libical/ical.h>

#include "podium/err.h"
#include "podium/tz.h"

#define DAY 86400

/* A broken-down wall time, as read from text; no zone attached. */
struct lt {
	int year, mon, day, hour, min, sec;
	int has_time;
};

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int y, int m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31 };

	return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
int64_t
pd_tz_days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
pd_tz_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Reads exactly n digits; returns the number of characters used or 0. */
static int
digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return n;
}

static int
valid_lt(const struct lt *t)
{
	return t->year >= 1000 && t->year <= 9999 && t->mon >= 1 &&
	    t->mon <= 12 && t->day >= 1 &&
	    t->day <= month_days(t->year, t->mon) && t->hour >= 0 &&
	    t->hour <= 23 && t->min >= 0 && t->min <= 59 && t->sec >= 0 &&
	    t->sec <= 59;
}

/*
 * Reads "YYYY-MM-DD" and, optionally, " HH:MM" / "THH:MM" with a one-digit
 * hour allowed and ":SS" optional.  Returns the number of characters used,
 * 0 when the text does not start with a valid date.  Range checks included.
 */
static size_t
read_lt(const char *s, struct lt *t)
{
	size_t i = 0;
	int n;

	memset(t, 0, sizeof(*t));
	if (!digits(s, 4, &t->year) || s[4] != '-' ||
	    !digits(s + 5, 2, &t->mon) || s[7] != '-' ||
	    !digits(s + 8, 2, &t->day))
		return 0;
	i = 10;
	if (s[i] == ' ' || s[i] == 'T' || s[i] == 't') {
		i++;
		if (digits(s + i, 2, &t->hour))
			n = 2;
		else if (digits(s + i, 1, &t->hour))
			n = 1;
		else
			return 0;
		i += n;
		if (s[i] != ':' || !digits(s + i + 1, 2, &t->min))
			return 0;
		i += 3;
		if (s[i] == ':') {
			if (!digits(s + i + 1, 2, &t->sec))
				return 0;
			i += 3;
		}
		t->has_time = 1;
	}
	if (!valid_lt(t))
		return 0;
	return i;
}

/* Parses a whole local time or date; all_day decides which is expected. */
static int
parse_local(const char *s, int all_day, struct lt *t)
{
	size_t n;

	if (s == NULL || (n = read_lt(s, t)) == 0 || s[n] != '\0')
		return PD_EINVAL;
	if (all_day != !t->has_time)
		return PD_EINVAL;
	return PD_OK;
}

/*
 * Only names of the shape IANA uses reach libical: it maps names to files
 * under /usr/share/zoneinfo, so "../" must never get there.
 */
static icaltimezone *
zone_lookup(const char *tzid)
{
	const char *p;

	if (tzid == NULL || *tzid == '\0' || strlen(tzid) > 64 ||
	    tzid[0] == '/' || strstr(tzid, "..") != NULL)
		return NULL;
	for (p = tzid; *p != '\0'; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '/' || *p == '_' ||
		    *p == '-' || *p == '+'))
			return NULL;
	}
	if (strcmp(tzid, "UTC") == 0)
		return icaltimezone_get_utc_timezone();
	return icaltimezone_get_builtin_timezone(tzid);
}

/*
 * The last zone found, per thread: a programme is in one or two zones,
 * and libical's search of its zone list by name was a fortieth of an
 * export.  libical keeps its zones for the life of the process.
 */
static icaltimezone *
zone_of(const char *tzid)
{
	static _Thread_local char last[65];
	static _Thread_local icaltimezone *last_zone;
	icaltimezone *z;
	size_t n;

	if (last_zone != NULL && tzid != NULL && strcmp(tzid, last) == 0)
		return last_zone;
	if ((z = zone_lookup(tzid)) != NULL &&
	    (n = strlen(tzid)) < sizeof(last)) {
		memcpy(last, tzid, n + 1);
		last_zone = z;
	}
	return z;
}

/* The zone's offset from UTC, in seconds, at the instant t. */
static int
offset_at(icaltimezone *z, int64_t t)
{
	struct icaltimetype tt;
	int is_dst = 0;

	tt = icaltime_from_timet_with_zone((time_t)t, 0,
	    icaltimezone_get_utc_timezone());
	return icaltimezone_get_utc_offset_of_utc_time(z, &tt, &is_dst);
}

/*
 * Wall time (as seconds counted as if it were UTC) -> unix seconds, by the
 * RFC 5545 rules quoted at the top of the file.
 */
static int64_t
local_to_utc(icaltimezone *z, int64_t local)
{
	int before = offset_at(z, local - DAY);
	int after = offset_at(z, local + DAY);
	int64_t c1 = local - before, c2 = local - after;
	int ok1 = c1 + offset_at(z, c1) == local;
	int ok2 = c2 + offset_at(z, c2) == local;

	if (ok1 && ok2)
		return c1 < c2 ? c1 : c2;	/* overlap: the first one */
	if (ok1)
		return c1;
	if (ok2)
		return c2;
	return c1;			/* gap: the offset before it */
}

int
pd_tz_known(const char *tzid)
{
	return zone_of(tzid) != NULL;
}

int
pd_tz_to_utc(const char *local, const char *tzid, int all_day, int64_t *out)
{
	struct lt t;
	icaltimezone *z;
	int64_t secs;

	if ((z = zone_of(tzid)) == NULL)
		return PD_EINVAL;
	if (parse_local(local, all_day, &t) != PD_OK)
		return PD_EINVAL;
	secs = pd_tz_days_from_civil(t.year, t.mon, t.day) * DAY +
	    t.hour * 3600 + t.min * 60 + t.sec;
	*out = local_to_utc(z, secs);
	return PD_OK;
}

static void
put(char *p, int v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

int
pd_tz_from_utc(int64_t t, const char *tzid, char out[17])
{
	icaltimezone *z;
	int64_t local, days, rem;
	int y, m, d;

	if ((z = zone_of(tzid)) == NULL)
		return PD_EINVAL;
	local = t + offset_at(z, t);
	days = local >= 0 ? local / DAY : -((-local + DAY - 1) / DAY);
	rem = local - days * DAY;
	pd_tz_civil_from_days(days, &y, &m, &d);
	if (y < 1000 || y > 9999)
		return PD_EINVAL;
	put(out, y, 4);
	out[4] = '-';
	put(out + 5, m, 2);
	out[7] = '-';
	put(out + 8, d, 2);
	out[10] = ' ';
	put(out + 11, (int)(rem / 3600), 2);
	out[13] = ':';
	put(out + 14, (int)(rem % 3600 / 60), 2);
	out[16] = '\0';
	return PD_OK;
}

int
pd_tz_normalize(const char *in, int all_day, char out[17])
{
	struct lt t;

	if (parse_local(in, all_day, &t) != PD_OK)
		return PD_EINVAL;
	put(out, t.year, 4);
	out[4] = '-';
	put(out + 5, t.mon, 2);
	out[7] = '-';
	put(out + 8, t.day, 2);
	if (all_day) {
		out[10] = '\0';
		return PD_OK;
	}
	out[10] = ' ';
	put(out + 11, t.hour, 2);
	out[13] = ':';
	put(out + 14, t.min, 2);
	out[16] = '\0';
	return PD_OK;
}

int
pd_tz_parse_rfc3339(const char *s, int64_t *out)
{
	struct lt t;
	size_t i;
	int oh, om, sign;
	int64_t secs;

	/* RFC 3339 wants seconds and a zone: "YYYY-MM-DDTHH:MM:SS" first. */
	if (s == NULL || strlen(s) < 20 || (i = read_lt(s, &t)) != 19 ||
	    s[13] != ':' || s[16] != ':')
		return PD_EINVAL;
	if (s[i] == '.') {
		i++;
		if (s[i] < '0' || s[i] > '9')
			return PD_EINVAL;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
	}
	secs = pd_tz_days_from_civil(t.year, t.mon, t.day) * DAY + t.hour * 3600 +
	    t.min * 60 + t.sec;
	if ((s[i] == 'Z' || s[i] == 'z') && s[i + 1] == '\0') {
		*out = secs;
		return PD_OK;
	}
	if (s[i] != '+' && s[i] != '-')
		return PD_EINVAL;
	sign = s[i] == '-' ? -1 : 1;
	if (!digits(s + i + 1, 2, &oh) || s[i + 3] != ':' ||
	    !digits(s + i + 4, 2, &om) || s[i + 6] != '\0' || oh > 23 ||
	    om > 59)
		return PD_EINVAL;
	*out = secs - sign * (oh * 3600 + om * 60);
	return PD_OK;
}

void
pd_tz_format_utc(int64_t t, char out[17])
{
	int64_t days, rem;
	int y, m, d;

	days = t >= 0 ? t / DAY : -((-t + DAY - 1) / DAY);
	rem = t - days * DAY;
	pd_tz_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = 0;		/* cannot happen for calendar data */
	put(out, y, 4);
	put(out + 4, m, 2);
	put(out + 6, d, 2);
	out[8] = 'T';
	put(out + 9, (int)(rem / 3600), 2);
	put(out + 11, (int)(rem % 3600 / 60), 2);
	put(out + 13, (int)(rem % 60), 2);
	out[15] = 'Z';
	out[16] = '\0';
}
