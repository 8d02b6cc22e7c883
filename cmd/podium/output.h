/*
 * Output of the podium tool: aligned text tables for people and JSON
 * (jansson) for scripts.  Commands build rows or JSON values here and
 * never format columns by hand.
 */
#ifndef PODIUM_OUTPUT_H
#define PODIUM_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "podium/model.h"

struct table;

/* A table with ncols columns, headers given as ncols strings. */
struct table *table_new(size_t ncols, ...);
/* Adds a row of ncols strings (copied; NULL shows as empty). */
void table_add(struct table *t, ...);
/*
 * Prints the table to f, each line after indent, columns two spaces
 * apart and padded by code points (so "Lübcke" lines up); frees it.
 */
void table_print(struct table *t, FILE *f, const char *indent);

/* Display width of UTF-8 text: its number of code points. */
size_t out_width(const char *s);

/* "123" for an id, in a buffer of the caller's. */
const char *out_id(int64_t id, char buf[24]);
/* "Dietmar Lübcke (AWV)"; the caller frees the string. */
char *out_person(const struct pd_person *p);

/* Prints v indented, with a newline, and drops the reference. */
void out_json(json_t *v);
/* A JSON string, or null for NULL (and for text that is not UTF-8). */
json_t *jstr(const char *s);
json_t *json_person(const struct pd_person *p);
json_t *json_agenda_item(const struct pd_agenda_item *a);
json_t *json_talk(const struct pd_talk *t);
json_t *json_attendance(const struct pd_attendance *a);
/* The same from its pieces, for an attendance just written. */
json_t *json_attendance_of(int64_t id, const struct pd_person *p,
    enum pd_role role, enum pd_partstat status, const char *delegate);
/* An event; with parts its agenda, talks and attendances too. */
json_t *json_event(const struct pd_event *ev, int parts);

#endif
