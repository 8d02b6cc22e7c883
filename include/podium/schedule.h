/*
 * The frab / c3voc conference schedule: schedule.xml and schedule.json,
 * the formats that conference apps (EventFahrplan, Giggity, ConfClerk,
 * the c3voc tools) read.
 *
 * A schedule is a view of the public programme: days, rooms (from the
 * events' locations) and events with their speakers.  It carries no
 * e-mail address and no attendance; persons are the confirmed speakers.
 * The same data always renders to the same bytes, and every identifier
 * in it (event, room and person guids) survives re-renders, re-imports
 * and releases: see lib/schedule.c for how each is made.
 */
#ifndef PODIUM_SCHEDULE_H
#define PODIUM_SCHEDULE_H

#include <stddef.h>

#include "podium/err.h"

struct pd_calendar;
struct pd_store;

enum pd_schedule_format {
	PD_SCHEDULE_XML,
	PD_SCHEDULE_JSON
};

struct pd_schedule_opts {
	const char *title;	/* "SMARTCity Gera"; NULL: "podium" */
	const char *base_url;	/* "http://127.0.0.1:8080"; NULL: no URLs */
	const char *group;	/* the group slug the calendar was cut to */
	const char *group_name;	/* its name, added to the title; NULL: none */
};

/*
 * Renders cal as a schedule document.  The calendar is the store's
 * selection (all public events, or one group's); cancelled events and
 * declined or withdrawn talks are left out.  *out (NUL-terminated, *len
 * bytes) is the caller's to free.  PD_EINVAL with err filled when an
 * event cannot be placed (unknown zone).
 */
int pd_schedule_render(const struct pd_calendar *cal,
    enum pd_schedule_format fmt, const struct pd_schedule_opts *opts,
    char **out, size_t *len, struct pd_error *err);

/*
 * Loads and renders: group NULL for every public event, else the group
 * of that slug (PD_ENOTFOUND when there is none).  opts->group and
 * group_name are set from group.
 */
int pd_schedule_make(struct pd_store *st, const char *group,
    enum pd_schedule_format fmt, const struct pd_schedule_opts *opts,
    char **out, size_t *len, struct pd_error *err);

/*
 * Feed names of the schedules in the feed cache, the path under
 * /calendars/: "schedule.xml", "schedule.json",
 * "group/SLUG/schedule.xml", "group/SLUG/schedule.json".  Nonzero when
 * name is one (with a well-formed slug).
 */
int pd_schedule_feed_name(const char *name);

/* The Content-Type of a schedule feed name; NULL when it is none. */
const char *pd_schedule_content_type(const char *name);

/* Renders the schedule feed name (see above) from st. */
int pd_schedule_feed_render(struct pd_store *st, const char *name,
    const struct pd_schedule_opts *opts, char **out, size_t *len);

#endif
