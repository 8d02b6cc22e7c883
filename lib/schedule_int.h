/*
 * The neutral schedule model that lib/schedule.c builds from a calendar
 * and lib/schedule_xml.c and lib/schedule_json.c write out.  Every string
 * in it is owned by the model, valid UTF-8 and free of characters XML
 * cannot carry, so the writers only arrange and escape.
 */
#ifndef PODIUM_SCHEDULE_INT_H
#define PODIUM_SCHEDULE_INT_H

#include <stddef.h>
#include <stdint.h>

/* "2021-02-11T09:00:00+01:00" and its NUL. */
#define SC_STAMP_LEN 26

/*
 * What the writers put where the version goes; pd_schedule_render()
 * replaces it in the finished bytes with the date of the newest change
 * and a hash of the document (same length).
 */
#define SC_VERSION_PLACEHOLDER "0000-00-00-00000000"

/* The generator's version, as in the iCalendar PRODID. */
#define SC_GENERATOR_VERSION "1.0"

struct sc_person {
	char *name;
	char guid[37];		/* "" when the person has none */
	int64_t id;
};

struct sc_event {
	char guid[37];
	int64_t id;		/* from the guid, unique in the document */
	char *title;
	char *subtitle;		/* "": none */
	char *abstract;
	char *description;
	char *track;		/* "": none */
	char *room;
	char *url;
	char *slug;
	const char *type;	/* "meeting", "talk" */
	int64_t start_utc;
	int64_t updated;	/* the row's last change, for the version */
	char date[SC_STAMP_LEN];	/* start, with the offset then */
	char end[SC_STAMP_LEN];
	char day[11];		/* the local date it belongs to */
	char start[6];		/* "HH:MM" */
	char duration[6];	/* "HH:MM", below 24:00 */
	struct sc_person *persons;
	size_t npersons;
	char **links;		/* http(s) URLs */
	size_t nlinks;
	size_t room_index;	/* into the model's rooms */
};

struct sc_room {
	char *name;
	char guid[37];
};

struct sc_day {
	int index;		/* 1, 2, ... */
	char date[11];
	char start[SC_STAMP_LEN];
	char end[SC_STAMP_LEN];
	size_t first;		/* its events: events[first .. first + n) */
	size_t n;
};

struct sc_model {
	char *title;
	char *acronym;		/* [a-z0-9_]{4,}: what both schemas accept */
	const char *tz;		/* the zone every time is shown in */
	int tz_name_ok;		/* tz fits the JSON schema's time_zone_name */
	char *url_xml;		/* the document's own URL; NULL: none */
	char *url_json;
	char *base_url;		/* ends with '/'; NULL: none */
	char start[11];		/* first and last day */
	char end[11];
	/* Sorted by day, room, start, guid: the order the writers need. */
	struct sc_event *events;
	size_t nevents;
	struct sc_day *days;
	size_t ndays;
	struct sc_room *rooms;	/* sorted by name */
	size_t nrooms;
	char **tracks;		/* sorted, distinct */
	size_t ntracks;
};

/*
 * Nonzero when a track slug fits both schemas (XSD: a letter first, at
 * least two; JSON: ends with a letter or digit).
 */
int sc_track_slug_ok(const char *slug);

/* The writers: *out (NUL-terminated) is the caller's to free. */
int sc_write_xml(const struct sc_model *m, char **out, size_t *len);
int sc_write_json(const struct sc_model *m, char **out, size_t *len);

#endif
