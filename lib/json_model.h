/*
 * The model of model.h as JSON objects (jansson), the way the organizer
 * API shows it: every object carries its id, field names are those a
 * request uses, and strings stay UTF-8.
 *
 * Not for: parsing requests (api*.c does that, field by field, because
 * what a request may say depends on the route), nor the CLI's output,
 * which has its own.
 *
 * Every function returns a new reference, or NULL when memory ran out.
 */
#ifndef PODIUM_JSON_MODEL_H
#define PODIUM_JSON_MODEL_H

#include <stdint.h>

#include <jansson.h>

#include "podium/model.h"

/* A person; JSON null for an empty reference (id 0, no name). */
json_t *pd_json_person(const struct pd_person *p);
json_t *pd_json_agenda_item(const struct pd_agenda_item *a);
/*
 * A talk.  The model keeps "alternative to" as the other talk's uid;
 * requests name talks by id, so alt_id (0: unknown or none) is shown as
 * "alternative_to" and the uid as "alternative_to_uid".
 */
json_t *pd_json_talk(const struct pd_talk *t, int64_t alt_id);
json_t *pd_json_attendance(const struct pd_attendance *a);
/*
 * An event; with parts, its agenda, talks and attendances as arrays
 * (talks' "alternative_to" resolved to ids within the event).
 */
json_t *pd_json_event(const struct pd_event *ev, int parts);
/* The id of the talk of ev whose uid is uid; 0 when none. */
int64_t pd_json_talk_id(const struct pd_event *ev, const char *uid);
/* A group with its members; base (may be NULL) prefixes its feed URL. */
json_t *pd_json_group(const struct pd_group *g, const char *base);
json_t *pd_json_topic(const struct pd_topic *t, const char *base);

#endif
