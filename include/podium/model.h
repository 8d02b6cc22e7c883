/*
 * The data podium keeps: people, organizations, groups, events with their
 * agenda, talks and attendances.
 *
 * These structs are plain values that travel between the store, the
 * iCalendar module and the programs.  Every string is owned by the struct
 * that holds it and freed by the matching pd_*_clear(); an id of 0 means
 * "not stored yet" (or, for a person reference, "nobody").
 *
 * Times: an event's start and end are wall-clock times in the event's own
 * zone, "YYYY-MM-DD HH:MM" (seconds are not kept), or "YYYY-MM-DD" for
 * all-day events, whose end is the day after the last day (as DTEND in
 * iCalendar).  start_utc and end_utc are derived by the store (unix
 * seconds) so that range queries need no zone arithmetic.
 */
#ifndef PODIUM_MODEL_H
#define PODIUM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "podium/err.h"

enum pd_event_status {
	PD_EVENT_TENTATIVE,
	PD_EVENT_CONFIRMED,
	PD_EVENT_CANCELLED
};

enum pd_talk_status {
	PD_TALK_REQUESTED,
	PD_TALK_CONFIRMED,
	PD_TALK_DECLINED,
	PD_TALK_WITHDRAWN
};

enum pd_role {
	PD_ROLE_CHAIR,
	PD_ROLE_SPEAKER,
	PD_ROLE_PARTICIPANT,
	PD_ROLE_OPTIONAL
};

enum pd_partstat {
	PD_PART_NEEDS_ACTION,
	PD_PART_ACCEPTED,
	PD_PART_DECLINED,
	PD_PART_TENTATIVE,
	PD_PART_DELEGATED
};

enum pd_group_role {
	PD_GROUP_MODERATOR,
	PD_GROUP_SPOKESPERSON,
	PD_GROUP_MEMBER
};

/*
 * A person, with the organization inlined: events refer to people by a
 * copy of this struct so that renderers need no lookups.  uuid is stable
 * and is what public feeds show instead of the e-mail address.
 */
struct pd_person {
	int64_t id;
	char *uuid;		/* "8-4-4-4-12" hex, without "urn:uuid:" */
	char *name;
	char *email;		/* NULL: none */
	char *org_code;		/* NULL: none */
	char *org_name;		/* NULL: unknown or same as code */
	char *lang;		/* "de" or "en" */
};

struct pd_agenda_item {
	int64_t id;
	char *label;		/* "I", "II", ... may be "" */
	char *title;
	char *from;		/* "HH:MM" */
	char *to;		/* "HH:MM" */
};

struct pd_talk {
	int64_t id;
	char *uid;		/* stable, for its own VEVENT when timed */
	char *title;
	struct pd_person speaker;
	enum pd_talk_status status;
	struct pd_person via;	/* id 0 and name NULL: not via anyone */
	char *alternative_to;	/* uid of the talk this one replaces; NULL */
	char *start;		/* own time in the event's zone; NULL: none */
	char *end;
	int64_t updated;	/* unix seconds of the last change */
	char *status_by;	/* who set the status (pd_store_set_actor);
				   NULL: unknown.  Read only. */
};

struct pd_attendance {
	int64_t id;
	struct pd_person person;
	enum pd_role role;
	enum pd_partstat status;
	char *delegate;		/* with PD_PART_DELEGATED: "Frau Kache" */
	int64_t updated;
};

struct pd_event {
	int64_t id;
	char *uid;
	char *title;
	char *description;	/* the organizer's text, without agenda/talks */
	char *location;		/* NULL: none */
	char *url;		/* NULL: none */
	char *tzid;		/* IANA name, "Europe/Berlin" */
	int all_day;
	char *start;		/* see the top of this file */
	char *end;
	int64_t start_utc;	/* derived by the store */
	int64_t end_utc;
	int64_t series_end_utc;	/* end of the last occurrence; INT64_MAX:
				   endless.  Derived by the store. */
	enum pd_event_status status;
	int sequence;
	char *rrule;		/* RFC 5545 RECUR value, NULL: single */
	char *group_slug;	/* NULL: no group */
	char *group_name;
	struct pd_person organizer;	/* id 0, name NULL: none */
	char **topics;		/* topic names, "Smarte Quartiere" */
	size_t ntopics;
	char **links;		/* further URLs (a survey...) */
	size_t nlinks;
	struct pd_agenda_item *agenda;
	size_t nagenda;
	struct pd_talk *talks;
	size_t ntalks;
	struct pd_attendance *attendances;
	size_t nattendances;
	int64_t created;	/* unix seconds */
	int64_t updated;	/* unix seconds of the last change */
	/*
	 * Who attends may be published (public and other people's feeds
	 * name the participants): the organizer said so for this event, or
	 * for its group (group_public_attendance, read by the store, not
	 * written).  Speakers and chairs are public roles and named always.
	 */
	int public_attendance;
	int group_public_attendance;
};

struct pd_member {
	struct pd_person person;
	enum pd_group_role role;
};

struct pd_group {
	int64_t id;
	char *slug;
	char *name;
	struct pd_member *members;
	size_t nmembers;
	int public_attendance;	/* see struct pd_event */
};

struct pd_topic {
	int64_t id;
	char *slug;
	char *name;
	size_t nevents;
};

/* A set of events, with the groups they belong to, as a feed holds it. */
struct pd_calendar {
	char *name;		/* NAME / X-WR-CALNAME; NULL: "podium" */
	struct pd_event *events;
	size_t nevents;
	struct pd_group *groups;
	size_t ngroups;
};

/* Frees what the struct holds (not the struct) and zeroes it. */
void pd_person_clear(struct pd_person *p);
void pd_agenda_item_clear(struct pd_agenda_item *a);
void pd_talk_clear(struct pd_talk *t);
void pd_attendance_clear(struct pd_attendance *a);
void pd_event_clear(struct pd_event *ev);
void pd_group_clear(struct pd_group *g);
void pd_topic_clear(struct pd_topic *t);
/* Frees the calendar and everything in it; NULL is fine. */
void pd_calendar_free(struct pd_calendar *cal);

/* Deep copy of a person into *dst (which is overwritten, not freed). */
int pd_person_copy(struct pd_person *dst, const struct pd_person *src);

/* Names <-> enums: the spellings of the spec ("needs-action"...). */
const char *pd_event_status_name(enum pd_event_status s);
int pd_event_status_parse(const char *s, enum pd_event_status *out);
const char *pd_talk_status_name(enum pd_talk_status s);
int pd_talk_status_parse(const char *s, enum pd_talk_status *out);
const char *pd_role_name(enum pd_role r);
int pd_role_parse(const char *s, enum pd_role *out);
const char *pd_partstat_name(enum pd_partstat s);
int pd_partstat_parse(const char *s, enum pd_partstat *out);
const char *pd_group_role_name(enum pd_group_role r);
int pd_group_role_parse(const char *s, enum pd_group_role *out);

/*
 * The slug of a group or topic name: lower-case ASCII, ä->ae, ö->oe,
 * ü->ue, ß->ss, every other run of non-alphanumerics -> "-", no leading or
 * trailing "-".  "Smarte Quartiere" -> "smarte-quartiere".  Returns a
 * string the caller frees, NULL when out of memory.
 */
char *pd_slug(const char *name);

/*
 * Checks an event as the CLI, the API and the importer must all check it:
 * title present, times well-formed and end after start, zone known,
 * RRULE parseable, agenda times "HH:MM"...  On failure fills err with the
 * field ("title", "start", "end", "tz", "rrule", "agenda[2].from"...) and
 * returns PD_EINVAL.
 */
int pd_event_validate(const struct pd_event *ev, struct pd_error *err);
int pd_person_validate(const struct pd_person *p, struct pd_error *err);
int pd_talk_validate(const struct pd_talk *t, struct pd_error *err);

/* Fills out with a random RFC 4122 version-4 UUID (37 bytes with NUL). */
int pd_uuid_new(char out[37]);

#endif
