/*
 * Times as the command line takes and shows them: the clock (PODIUM_NOW),
 * durations ("1h30m"), times of day for agenda items, day arithmetic on
 * dates and the short "when" of an event in tables.
 *
 * Zone arithmetic is tz.c's; this file only shapes user text for it.
 * Day arithmetic goes through UTC, where every day has 86400 seconds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "podium/tz.h"

#include "cli.h"

#define DAY 86400

/* PODIUM_NOW replaces the clock so that tests and dry runs are repeatable. */
int64_t
cli_now(void)
{
	const char *env = getenv("PODIUM_NOW");
	int64_t t;

	if (env == NULL || *env == '\0')
		return (int64_t)time(NULL);
	if (pd_tz_parse_rfc3339(env, &t) != PD_OK)
		cli_fatal(EX_USAGE, "PODIUM_NOW: '%s' is not an RFC 3339 time "
		    "(like 2021-02-04T08:00:00Z)", env);
	return t;
}

/* date is a valid "YYYY-MM-DD"; out gets the date days later. */
void
cli_date_add(const char *date, int days, char out[11])
{
	char buf[17];
	int64_t t;

	if (pd_tz_to_utc(date, "UTC", 1, &t) != PD_OK ||
	    pd_tz_from_utc(t + (int64_t)days * DAY, "UTC", buf) != PD_OK) {
		/* Out of the years tz.c handles: keep the date. */
		snprintf(out, 11, "%.10s", date);
		return;
	}
	memcpy(out, buf, 10);
	out[10] = '\0';
}

/*
 * "90m", "2h", "1h30m", "2d" (and an ISO 8601 "PT1H30M") -> seconds.
 * Returns -1 for anything else, including zero.
 */
int
cli_parse_duration(const char *s, int64_t *seconds)
{
	int64_t total = 0, n;
	const char *p = s;
	int any = 0;

	if (p[0] == 'P' || p[0] == 'p') {
		p++;
		if (*p == 'T' || *p == 't')
			p++;
	}
	while (*p != '\0') {
		if (*p < '0' || *p > '9')
			return -1;
		n = 0;
		while (*p >= '0' && *p <= '9') {
			n = n * 10 + (*p - '0');
			if (n > 100000)
				return -1;	/* no event lasts years */
			p++;
		}
		switch (*p) {
		case 'd': case 'D': n *= DAY; break;
		case 'h': case 'H': n *= 3600; break;
		case 'm': case 'M': n *= 60; break;
		default: return -1;
		}
		p++;
		total += n;
		any = 1;
	}
	if (!any || total <= 0)
		return -1;
	*seconds = total;
	return 0;
}

/* "9:00" or "09:00" -> "09:00"; -1 when not a time of day. */
int
cli_parse_hhmm(const char *s, char out[6])
{
	int h, m;
	size_t n = strlen(s);

	if (n == 4 && s[1] == ':' && s[0] >= '0' && s[0] <= '9')
		h = s[0] - '0';
	else if (n == 5 && s[2] == ':' && s[0] >= '0' && s[0] <= '9' &&
	    s[1] >= '0' && s[1] <= '9')
		h = (s[0] - '0') * 10 + (s[1] - '0');
	else
		return -1;
	s += n - 2;
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	m = (s[0] - '0') * 10 + (s[1] - '0');
	if (h > 23 || m > 59)
		return -1;
	out[0] = (char)('0' + h / 10);
	out[1] = (char)('0' + h % 10);
	out[2] = ':';
	out[3] = (char)('0' + m / 10);
	out[4] = (char)('0' + m % 10);
	out[5] = '\0';
	return 0;
}

/*
 * The short form of an event's time for tables: "2021-01-22 09:00–12:00",
 * a second date when it ends on another day; all-day events show their
 * last day, not the exclusive end iCalendar keeps.
 */
void
cli_when(const struct pd_event *ev, char *out, size_t size)
{
	const char *s = ev->start != NULL ? ev->start : "";
	const char *e = ev->end != NULL ? ev->end : "";
	char last[11];

	if (ev->all_day) {
		if (strlen(e) != 10) {
			snprintf(out, size, "%s", s);
			return;
		}
		cli_date_add(e, -1, last);
		if (strcmp(last, s) <= 0)
			snprintf(out, size, "%s", s);
		else
			snprintf(out, size, "%s – %s", s, last);
		return;
	}
	if (strlen(s) == 16 && strlen(e) == 16 && strncmp(s, e, 10) == 0)
		snprintf(out, size, "%s–%s", s, e + 11);
	else
		snprintf(out, size, "%s – %s", s, e);
}
