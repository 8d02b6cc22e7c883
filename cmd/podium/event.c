/*
 * podium event add | list | show | move | cancel
 *
 * Turns the organizer's words ("--start '2021-02-11 9:00' --duration 2h")
 * into the canonical times of model.h and hands them to the store, which
 * validates the event as every other entry point does.  This file checks
 * only what the store cannot know: how the user spelled a time, and
 * options that exclude each other.
 *
 * All-day events: on the command line --end names the last day, as people
 * say it ("28 to 29 January"); the model keeps iCalendar's exclusive end,
 * so the conversion happens here, in both directions.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "podium/buf.h"
#include "podium/model.h"
#include "podium/store.h"
#include "podium/tz.h"

#include "cli.h"
#include "output.h"

#define DAY 86400

/* Normalizes a start (or end) the user gave; 65 naming field if bad. */
static void
norm_time(const char *field, const char *in, int all_day, char out[17])
{
	if (pd_tz_normalize(in, all_day, out) != PD_OK)
		cli_data_error(field, "%s is not a valid %s", in, all_day ?
		    "date (YYYY-MM-DD)" : "date and time (YYYY-MM-DD HH:MM)");
}

/*
 * The end of an event from --end or --duration (at most one given) and
 * the normalized start; neither: an all-day event lasts one day, a timed
 * one keeps the duration it had (out empty, for event move).
 */
static void
end_of(const char *start, int all_day, const char *tz, const char *end_arg,
    const char *dur_arg, char out[17])
{
	char hhmm[6], date[17];
	int64_t secs, t;

	out[0] = '\0';
	if (end_arg != NULL) {
		if (all_day) {
			norm_time("end", end_arg, 1, date);
			cli_date_add(date, 1, out);
		} else if (cli_parse_hhmm(end_arg, hhmm) == 0)
			snprintf(out, 17, "%.10s %s", start, hhmm);
		else
			norm_time("end", end_arg, 0, out);
		return;
	}
	if (dur_arg != NULL) {
		if (cli_parse_duration(dur_arg, &secs) != 0)
			cli_data_error("duration", "'%s' is not a duration "
			    "like 90m, 2h, 1h30m or 2d", dur_arg);
		if (all_day) {
			if (secs % DAY != 0)
				cli_data_error("duration", "an all-day event "
				    "lasts whole days (2d), not '%s'", dur_arg);
			cli_date_add(start, (int)(secs / DAY), out);
			return;
		}
		/* Elapsed time, as an iCalendar DURATION: DST is honoured. */
		if (pd_tz_to_utc(start, tz, 0, &t) != PD_OK ||
		    pd_tz_from_utc(t + secs, tz, out) != PD_OK)
			cli_data_error("duration", "'%s' ends out of range",
			    dur_arg);
		return;
	}
	if (all_day)
		cli_date_add(start, 1, out);
}

/*
 * A group given by slug or name.  An existing group is found either way;
 * a new name creates the group (the store does that from slug and name).
 */
static void
resolve_group(struct cli *c, const char *arg, char **slug, char **name)
{
	struct pd_group *groups = NULL;
	size_t n = 0, i;
	char *want;
	int rc;

	if ((want = pd_slug(arg)) == NULL)
		cli_fatal(EX_OSERR, "out of memory");
	if (*want == '\0') {
		free(want);
		cli_data_error("group", "'%s' is not a group name", arg);
	}
	if ((rc = pd_store_group_list(cli_store(c), &groups, &n)) != PD_OK) {
		free(want);
		cli_store_error(c, rc, "group");
	}
	for (i = 0; i < n; i++) {
		if (strcmp(groups[i].slug, arg) == 0 ||
		    strcmp(groups[i].name, arg) == 0 ||
		    strcmp(groups[i].slug, want) == 0)
			break;
	}
	if (i < n) {
		*slug = cli_strdup(groups[i].slug);
		*name = cli_strdup(groups[i].name);
		free(want);
	} else {
		*slug = want;
		*name = cli_strdup(arg);
	}
	pd_group_list_free(groups, n);
}

static void
print_event_json(struct cli *c, int64_t id)
{
	struct pd_event *ev;
	char key[24];

	ev = cli_event_get(c, out_id(id, key));
	out_json(json_event(ev, 1));
	pd_event_free(ev);
}

int
cmd_event_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "title", required_argument, NULL, 't' },
		{ "start", required_argument, NULL, 's' },
		{ "end", required_argument, NULL, 'e' },
		{ "duration", required_argument, NULL, 'D' },
		{ "tz", required_argument, NULL, 'z' },
		{ "all-day", no_argument, NULL, 'a' },
		{ "location", required_argument, NULL, 'l' },
		{ "group", required_argument, NULL, 'g' },
		{ "topic", required_argument, NULL, 'T' },
		{ "description", required_argument, NULL, 'd' },
		{ "status", required_argument, NULL, 'S' },
		{ "rrule", required_argument, NULL, 'r' },
		{ "url", required_argument, NULL, 'u' },
		CLI_COMMON_OPTS
	};
	const char *title = NULL, *start = NULL, *end = NULL, *dur = NULL;
	const char *tz = PD_TZ_DEFAULT, *location = NULL, *group = NULL;
	const char *desc = NULL, *status = "confirmed", *rrule = NULL;
	const char *url = NULL;
	char s[17], e[17];
	struct pd_event ev;
	int ch, all_day = 0, rc;

	memset(&ev, 0, sizeof(ev));
	ev.topics = cli_calloc((size_t)argc, sizeof(*ev.topics));
	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 't': title = optarg; break;
		case 's': start = optarg; break;
		case 'e': end = optarg; break;
		case 'D': dur = optarg; break;
		case 'z': tz = optarg; break;
		case 'a': all_day = 1; break;
		case 'l': location = optarg; break;
		case 'g': group = optarg; break;
		case 'T': ev.topics[ev.ntopics++] = cli_strdup(optarg); break;
		case 'd': desc = optarg; break;
		case 'S': status = optarg; break;
		case 'r': rrule = optarg; break;
		case 'u': url = optarg; break;
		}
	}
	if (optind < argc)
		cli_usage_error(c, "unexpected argument '%s'", argv[optind]);
	if (title == NULL)
		cli_usage_error(c, "--title is missing");
	if (start == NULL)
		cli_usage_error(c, "--start is missing");
	if (end != NULL && dur != NULL)
		cli_usage_error(c, "give --end or --duration, not both");
	if (end == NULL && dur == NULL && !all_day)
		cli_usage_error(c, "--end or --duration is missing");
	if (!pd_tz_known(tz))
		cli_data_error("tz", "unknown time zone '%s'", tz);
	if (pd_event_status_parse(status, &ev.status) != PD_OK ||
	    ev.status == PD_EVENT_CANCELLED)
		cli_data_error("status", "'%s' is not one of tentative, "
		    "confirmed", status);
	norm_time("start", start, all_day, s);
	end_of(s, all_day, tz, end, dur, e);

	ev.title = cli_strdup(title);
	ev.tzid = cli_strdup(tz);
	ev.all_day = all_day;
	ev.start = cli_strdup(s);
	ev.end = cli_strdup(e);
	ev.location = cli_strdup(location);
	ev.description = cli_strdup(desc);
	ev.rrule = cli_strdup(rrule);
	ev.url = cli_strdup(url);
	if (group != NULL)
		resolve_group(c, group, &ev.group_slug, &ev.group_name);
	if ((rc = pd_store_event_add(cli_store(c), &ev)) != PD_OK) {
		pd_event_clear(&ev);
		cli_store_error(c, rc, NULL);
	}
	if (c->json)
		print_event_json(c, ev.id);
	else
		printf("added event %" PRId64 "\nuid %s\n", ev.id, ev.uid);
	pd_event_clear(&ev);
	return EX_OK;
}

/* A day given as YYYY-MM-DD, as unix seconds of its start in Berlin. */
static int64_t
day_start(const char *field, const char *date)
{
	int64_t t;

	if (pd_tz_to_utc(date, PD_TZ_DEFAULT, 1, &t) != PD_OK)
		cli_data_error(field, "%s is not a valid date (YYYY-MM-DD)",
		    date);
	return t;
}

int
cmd_event_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		CLI_COMMON_OPTS
	};
	const char *from_arg = NULL, *to_arg = NULL;
	int64_t from = 0, to = INT64_MAX;
	struct pd_event *list = NULL;
	struct table *t;
	json_t *a;
	size_t n = 0, i;
	char next[11], when[80], id[24];
	int ch, rc;

	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'f': from_arg = optarg; break;
		case 't': to_arg = optarg; break;
		}
	}
	if (optind < argc)
		cli_usage_error(c, "unexpected argument '%s'", argv[optind]);
	if (from_arg != NULL)
		from = day_start("from", from_arg);
	if (to_arg != NULL) {
		/* --to is inclusive: the range ends where the next day starts. */
		day_start("to", to_arg);
		cli_date_add(to_arg, 1, next);
		to = day_start("to", next);
		if (to <= from)
			cli_data_error("to", "%s is before --from %s", to_arg,
			    from_arg);
	}
	if ((rc = pd_store_event_list(cli_store(c), from, to, &list, &n)) !=
	    PD_OK)
		cli_store_error(c, rc, NULL);
	if (c->json) {
		a = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(a, json_event(&list[i], 0));
		out_json(a);
	} else if (n == 0) {
		printf("no events\n");
	} else {
		t = table_new(5, "ID", "WHEN", "STATUS", "SEQ", "TITLE");
		for (i = 0; i < n; i++) {
			struct pd_buf title = PD_BUF_INIT;
			char seq[24];

			cli_when(&list[i], when, sizeof(when));
			pd_buf_addf(&title, "%s%s", list[i].title,
			    list[i].rrule != NULL ? " (recurring)" : "");
			if (pd_buf_failed(&title))
				cli_fatal(EX_OSERR, "out of memory");
			table_add(t, out_id(list[i].id, id), when,
			    pd_event_status_name(list[i].status),
			    out_id(list[i].sequence, seq), title.data);
			pd_buf_free(&title);
		}
		table_print(t, stdout, "");
	}
	pd_event_list_free(list, n);
	return EX_OK;
}

/* "key: value" lines; multi-line values are indented under the first. */
static void
field(const char *key, const char *value)
{
	const char *nl;

	if (value == NULL || *value == '\0')
		return;
	printf("%-12s ", key);
	while ((nl = strchr(value, '\n')) != NULL) {
		printf("%.*s\n%-12s ", (int)(nl - value), value, "");
		value = nl + 1;
	}
	printf("%s\n", value);
}

/* The id of the talk with uid in the event, for "alternative to". */
static const struct pd_talk *
talk_by_uid(const struct pd_event *ev, const char *uid)
{
	size_t i;

	for (i = 0; uid != NULL && i < ev->ntalks; i++)
		if (ev->talks[i].uid != NULL &&
		    strcmp(ev->talks[i].uid, uid) == 0)
			return &ev->talks[i];
	return NULL;
}

static void
show_text(const struct pd_event *ev)
{
	char when[80], id[24], id2[24];
	struct table *t;
	const struct pd_talk *alt;
	char *who, *via;
	size_t i;

	printf("event %" PRId64 ": %s\n", ev->id, ev->title);
	field("uid:", ev->uid);
	cli_when(ev, when, sizeof(when));
	printf("%-12s %s (%s%s)\n", "when:", when,
	    ev->all_day ? "all day, " : "",
	    ev->tzid != NULL ? ev->tzid : PD_TZ_DEFAULT);
	field("repeats:", ev->rrule);
	printf("%-12s %s, sequence %d\n", "status:",
	    pd_event_status_name(ev->status), ev->sequence);
	field("location:", ev->location);
	if (ev->group_slug != NULL) {
		printf("%-12s %s (%s)\n", "group:",
		    ev->group_name != NULL ? ev->group_name : ev->group_slug,
		    ev->group_slug);
	}
	for (i = 0; i < ev->ntopics; i++)
		field(i == 0 ? "topics:" : "", ev->topics[i]);
	field("url:", ev->url);
	for (i = 0; i < ev->nlinks; i++)
		field(i == 0 ? "links:" : "", ev->links[i]);
	if (ev->organizer.name != NULL) {
		who = out_person(&ev->organizer);
		field("organizer:", who);
		free(who);
	}
	field("description:", ev->description);

	printf("\nagenda:\n");
	if (ev->nagenda == 0)
		printf("  none\n");
	else {
		t = table_new(5, "ID", "LABEL", "FROM", "TO", "TITLE");
		for (i = 0; i < ev->nagenda; i++)
			table_add(t, out_id(ev->agenda[i].id, id),
			    ev->agenda[i].label, ev->agenda[i].from,
			    ev->agenda[i].to, ev->agenda[i].title);
		table_print(t, stdout, "  ");
	}

	printf("\ntalks:\n");
	if (ev->ntalks == 0)
		printf("  none\n");
	else {
		t = table_new(6, "ID", "STATUS", "SPEAKER", "VIA",
		    "ALTERNATIVE TO", "TITLE");
		for (i = 0; i < ev->ntalks; i++) {
			const struct pd_talk *tk = &ev->talks[i];

			who = out_person(&tk->speaker);
			via = out_person(&tk->via);
			alt = talk_by_uid(ev, tk->alternative_to);
			if (alt != NULL)
				out_id(alt->id, id2);
			else
				snprintf(id2, sizeof(id2), "%s",
				    tk->alternative_to != NULL ? "?" : "");
			table_add(t, out_id(tk->id, id),
			    pd_talk_status_name(tk->status), who, via, id2,
			    tk->title);
			free(who);
			free(via);
		}
		table_print(t, stdout, "  ");
	}

	printf("\nattendances:\n");
	if (ev->nattendances == 0)
		printf("  none\n");
	else {
		t = table_new(6, "ID", "PERSON", "EMAIL", "ROLE", "STATUS",
		    "DELEGATE");
		for (i = 0; i < ev->nattendances; i++) {
			const struct pd_attendance *at = &ev->attendances[i];

			who = out_person(&at->person);
			table_add(t, out_id(at->id, id), who, at->person.email,
			    pd_role_name(at->role),
			    pd_partstat_name(at->status), at->delegate);
			free(who);
		}
		table_print(t, stdout, "  ");
	}
}

int
cmd_event_show(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTS };
	struct pd_event *ev;

	while (cli_getopt(c, argc, argv, "", opts) != -1)
		;
	if (argc - optind != 1)
		cli_usage_error(c, argc - optind < 1 ? "EVENT is missing" :
		    "one EVENT at a time");
	ev = cli_event_get(c, argv[optind]);
	if (c->json)
		out_json(json_event(ev, 1));
	else
		show_text(ev);
	pd_event_free(ev);
	return EX_OK;
}

int
cmd_event_move(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "start", required_argument, NULL, 's' },
		{ "end", required_argument, NULL, 'e' },
		{ "duration", required_argument, NULL, 'D' },
		CLI_COMMON_OPTS
	};
	const char *start = NULL, *end = NULL, *dur = NULL;
	struct pd_event *ev;
	char s[17], e[17], when[80], key[24];
	int64_t id;
	int ch, rc;

	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 's': start = optarg; break;
		case 'e': end = optarg; break;
		case 'D': dur = optarg; break;
		}
	}
	if (argc - optind != 1)
		cli_usage_error(c, argc - optind < 1 ? "EVENT is missing" :
		    "one EVENT at a time");
	if (start == NULL)
		cli_usage_error(c, "--start is missing");
	if (end != NULL && dur != NULL)
		cli_usage_error(c, "give --end or --duration, not both");
	ev = cli_event_get(c, argv[optind]);
	norm_time("start", start, ev->all_day, s);
	/* Without --end and --duration the store keeps the length. */
	if (end != NULL || dur != NULL)
		end_of(s, ev->all_day, ev->tzid != NULL ? ev->tzid :
		    PD_TZ_DEFAULT, end, dur, e);
	else
		e[0] = '\0';
	id = ev->id;
	pd_event_free(ev);
	if ((rc = pd_store_event_move(cli_store(c), id, s,
	    e[0] != '\0' ? e : NULL)) != PD_OK)
		cli_store_error(c, rc, NULL);
	if (c->json) {
		print_event_json(c, id);
		return EX_OK;
	}
	ev = cli_event_get(c, out_id(id, key));
	cli_when(ev, when, sizeof(when));
	printf("moved event %" PRId64 " to %s, sequence %d\n", ev->id, when,
	    ev->sequence);
	pd_event_free(ev);
	return EX_OK;
}

int
cmd_event_cancel(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTS };
	struct pd_event *ev;
	char key[24];
	int64_t id;
	int rc, was;

	while (cli_getopt(c, argc, argv, "", opts) != -1)
		;
	if (argc - optind != 1)
		cli_usage_error(c, argc - optind < 1 ? "EVENT is missing" :
		    "one EVENT at a time");
	ev = cli_event_get(c, argv[optind]);
	id = ev->id;
	was = ev->status == PD_EVENT_CANCELLED;
	pd_event_free(ev);
	if (!was && (rc = pd_store_event_cancel(cli_store(c), id)) != PD_OK)
		cli_store_error(c, rc, NULL);
	ev = cli_event_get(c, out_id(id, key));
	if (c->json)
		out_json(json_event(ev, 1));
	else if (was)
		printf("event %" PRId64 " was already cancelled\n", id);
	else
		printf("cancelled event %" PRId64 ", sequence %d\n", id,
		    ev->sequence);
	pd_event_free(ev);
	return EX_OK;
}
