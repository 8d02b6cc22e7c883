/*
 * podium group edit SLUG --public-attendance yes|no
 * podium event edit EVENT --public-attendance yes|no
 *
 * Whether the public feeds (and other people's personal feeds) name who
 * takes part in a working group's events or in one event.  The default
 * is no: speakers and chairs are public roles and always named, everyone
 * else only where the organizer decided so (GDPR Art. 25(2)).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "podium/model.h"
#include "podium/store.h"

#include "cli.h"
#include "output.h"

/* "yes" or "no"; anything else is wrong usage. */
static int
yes_no(struct cli *c, const char *opt, const char *v)
{
	if (strcmp(v, "yes") == 0)
		return 1;
	if (strcmp(v, "no") == 0)
		return 0;
	cli_usage_error(c, "%s: '%s' is not yes or no", opt, v);
	return 0;
}

static const struct option edit_opts[] = {
	{ "public-attendance", required_argument, NULL, 'a' },
	CLI_COMMON_OPTS
};

/* Parses "KEY --public-attendance yes|no"; returns the flag. */
static int
edit_args(struct cli *c, int argc, char **argv, const char *what)
{
	const char *v = NULL;
	int ch;

	while ((ch = cli_getopt(c, argc, argv, "", edit_opts)) != -1)
		if (ch == 'a')
			v = optarg;
	if (argc - optind != 1)
		cli_usage_error(c, argc - optind < 1 ? "%s is missing" :
		    "one %s at a time", what);
	if (v == NULL)
		cli_usage_error(c, "nothing to change: give "
		    "--public-attendance yes|no");
	return yes_no(c, "--public-attendance", v);
}

int
cmd_event_edit(struct cli *c, int argc, char **argv)
{
	struct pd_event *ev;
	char key[24];
	int64_t id;
	int on, rc;

	on = edit_args(c, argc, argv, "EVENT");
	ev = cli_event_get(c, argv[optind]);
	id = ev->id;
	pd_event_free(ev);
	if ((rc = pd_store_event_set_public_attendance(cli_store(c), id,
	    on)) != PD_OK)
		cli_store_error(c, rc, "event");
	ev = cli_event_get(c, out_id(id, key));
	if (c->json)
		out_json(json_event(ev, 0));
	else
		printf("event %" PRId64 ": attendance %s%s\n", id,
		    on ? "public" : "not public",
		    !on && ev->group_public_attendance ?
		    " (but its group's is public)" : "");
	pd_event_free(ev);
	return EX_OK;
}

int
cmd_group_edit(struct cli *c, int argc, char **argv)
{
	const char *slug;
	int on, rc;

	on = edit_args(c, argc, argv, "SLUG");
	slug = argv[optind];
	rc = pd_store_group_set_public_attendance(cli_store(c), slug, on);
	if (rc == PD_ENOTFOUND)
		cli_data_error("group", "no group with slug '%s' (see podium "
		    "group list)", slug);
	if (rc != PD_OK)
		cli_store_error(c, rc, "group");
	if (c->json)
		out_json(json_pack("{s:s, s:b}", "slug", slug,
		    "public_attendance", on));
	else
		printf("group %s: attendance %s\n", slug,
		    on ? "public" : "not public");
	return EX_OK;
}
