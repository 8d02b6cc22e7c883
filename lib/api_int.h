/*
 * What the organizer API's files (api.c: auth, routing, bodies, replies;
 * api_event.c, api_talk.c, api_person.c, api_outbox.c, api_port.c: the
 * resources) share and nobody
 * else may use.
 *
 * A handler gets a struct pd_api_ctx with the path's {id} segments and
 * the parsed body, runs with app->lock held, and answers through
 * pd_api_reply() or one of the pd_api_fail*() helpers.  Handlers return
 * PD_OK or the negative code of the failure they already answered; the
 * return value only lets them leave by one exit ladder.
 */
#ifndef PODIUM_API_INT_H
#define PODIUM_API_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "podium/http.h"
#include "podium/model.h"

#define PD_API_MAX_ARGS 2

struct pd_api_ctx {
	struct pd_app *app;
	const struct pd_http_req *req;
	struct pd_http_resp *resp;
	const char *arg[PD_API_MAX_ARGS];	/* the path's "*" segments */
	json_t *body;		/* a JSON object, or NULL: no body given
				 * (an iCalendar route reads req->body) */
	int wrote;		/* set by handlers after a successful write */
};

typedef int (*pd_api_fn)(struct pd_api_ctx *c);

/* The JSON types a request field may have (a mask). */
#define PD_API_STR	0x01u
#define PD_API_BOOL	0x02u
#define PD_API_INT	0x04u	/* a whole number that fits int64 */
#define PD_API_STRV	0x08u	/* an array of strings */
#define PD_API_NULL	0x10u
#define PD_API_RO	0x20u	/* known, but not writable here */
#define PD_API_REF	(PD_API_STR | PD_API_INT)	/* id or key */

struct pd_api_field {
	const char *name;
	unsigned types;
};

/*
 * Checks c->body (NULL counts as {}) against the fields a route takes:
 * unknown and read-only fields and wrong types answer 400 naming the
 * field.  Returns PD_OK or PD_EINVAL.
 */
int pd_api_fields(struct pd_api_ctx *c, const struct pd_api_field *f,
    size_t n);

/* Answers status with v as the body; steals v (NULL: 500). */
int pd_api_reply(struct pd_api_ctx *c, int status, json_t *v);
/* As pd_api_reply with 201 and a Location header "/api/<kind>/<id>". */
int pd_api_created(struct pd_api_ctx *c, const char *kind, int64_t id,
    json_t *v);
/* Answers 204 with no body. */
int pd_api_no_content(struct pd_api_ctx *c);
/* Answers an error; returns PD_EINVAL for 4xx, PD_EDB for 5xx. */
int pd_api_fail(struct pd_api_ctx *c, int status, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/*
 * Answers the store's last error: PD_EINVAL 400, PD_ENOTFOUND 404,
 * PD_EEXIST 409, else 500.  field, when not NULL, replaces the field the
 * store named (a request's "speaker" rather than the store's "person").
 * Returns rc.
 */
int pd_api_fail_store(struct pd_api_ctx *c, int rc, const char *field);

/*
 * Field access after pd_api_fields: the member or NULL when absent.
 * pd_api_str: the string, NULL when absent or null.
 */
json_t *pd_api_get(struct pd_api_ctx *c, const char *name);
const char *pd_api_str(struct pd_api_ctx *c, const char *name);
/*
 * Applies an optional text field to *dst: absent leaves it, null (and ""
 * when empty_is_null) clears it, a string replaces it.  PD_ENOMEM answers
 * 500.
 */
int pd_api_set_str(struct pd_api_ctx *c, const char *name, char **dst,
    int empty_is_null);

/* A path segment as a positive id; answers 404 naming what and fails. */
int pd_api_arg_id(struct pd_api_ctx *c, int i, const char *what,
    int64_t *out);
/* Loads the event of path segment i (id or UID); 404 when none. */
int pd_api_event_load(struct pd_api_ctx *c, int i, struct pd_event **out);
/*
 * Resolves the person field name (a JSON integer id, or a string: id,
 * e-mail or exact name) into *out; 404 naming the field when nobody is
 * found, 400 when a name is ambiguous.
 */
int pd_api_person_ref(struct pd_api_ctx *c, const char *name,
    struct pd_person *out);
/* A JSON integer or a decimal string as a positive id; 0: not one. */
int64_t pd_api_json_id(const json_t *v);

/* The handlers, one per route (see the table in api.c). */
int pd_api_person_forget(struct pd_api_ctx *c);
int pd_api_person_export(struct pd_api_ctx *c);
/* DELETE of a person with ?forget=1 (api_privacy.c). */
int pd_api_wants_forget(const struct pd_api_ctx *c);
int pd_api_events_list(struct pd_api_ctx *c);
int pd_api_events_create(struct pd_api_ctx *c);
int pd_api_event_show(struct pd_api_ctx *c);
int pd_api_event_patch(struct pd_api_ctx *c);
int pd_api_event_delete(struct pd_api_ctx *c);
int pd_api_event_move(struct pd_api_ctx *c);
int pd_api_event_cancel(struct pd_api_ctx *c);
int pd_api_agenda_create(struct pd_api_ctx *c);
int pd_api_agenda_delete(struct pd_api_ctx *c);
int pd_api_talks_create(struct pd_api_ctx *c);
int pd_api_talk_show(struct pd_api_ctx *c);
int pd_api_talk_delete(struct pd_api_ctx *c);
int pd_api_talk_confirm(struct pd_api_ctx *c);
int pd_api_talk_decline(struct pd_api_ctx *c);
int pd_api_attendances_create(struct pd_api_ctx *c);
int pd_api_outbox_list(struct pd_api_ctx *c);
int pd_api_outbox_retry(struct pd_api_ctx *c);
int pd_api_attendance_delete(struct pd_api_ctx *c);
int pd_api_people_list(struct pd_api_ctx *c);
int pd_api_people_create(struct pd_api_ctx *c);
int pd_api_person_show(struct pd_api_ctx *c);
int pd_api_person_patch(struct pd_api_ctx *c);
int pd_api_person_delete(struct pd_api_ctx *c);
int pd_api_groups_list(struct pd_api_ctx *c);
int pd_api_group_patch(struct pd_api_ctx *c);
int pd_api_topics_list(struct pd_api_ctx *c);
int pd_api_person_feed_new(struct pd_api_ctx *c);
int pd_api_person_feed_revoke(struct pd_api_ctx *c);
int pd_api_talk_link(struct pd_api_ctx *c);
int pd_api_import(struct pd_api_ctx *c);
int pd_api_export(struct pd_api_ctx *c);

#endif
