/*
 * podium group list | topic list
 *
 * What an organizer hands out to people who want to subscribe: each
 * working group's and topic's slug with its feed URL, in the http:// form
 * for browsers and the webcal:// form that opens a calendar client.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "podium/buf.h"
#include "podium/model.h"
#include "podium/store.h"

#include "cli.h"
#include "output.h"

/* Prints one group or topic as a block: the URLs are too long for columns. */
static void
print_block(const char *slug, const char *name, const char *extra,
    const char *http, const char *webcal)
{
	printf("%s  %s  (%s)\n  %s\n  %s\n", slug, name, extra, http, webcal);
}

int
cmd_group_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTS };
	struct pd_group *list = NULL;
	char extra[64], *http, *webcal;
	json_t *a = NULL, *o, *m;
	size_t n = 0, i, j;
	int rc;

	while (cli_getopt(c, argc, argv, "", opts) != -1)
		;
	if (optind < argc)
		cli_usage_error(c, "unexpected argument '%s'", argv[optind]);
	if ((rc = pd_store_group_list(cli_store(c), &list, &n)) != PD_OK)
		cli_store_error(c, rc, NULL);
	if (c->json)
		a = json_array();
	else if (n == 0)
		printf("no groups\n");
	for (i = 0; i < n; i++) {
		cli_feed_url(c, "group", list[i].slug, &http, &webcal);
		if (c->json) {
			m = json_array();
			for (j = 0; j < list[i].nmembers; j++)
				json_array_append_new(m, json_pack("{s:o, s:s}",
				    "person", json_person(&list[i].members[j].person),
				    "role", pd_group_role_name(
				    list[i].members[j].role)));
			o = json_pack("{s:I, s:o, s:o, s:o, s:s, s:s}",
			    "id", (json_int_t)list[i].id,
			    "slug", jstr(list[i].slug),
			    "name", jstr(list[i].name),
			    "members", m, "url", http, "webcal", webcal);
			json_object_set_new(o, "public_attendance",
			    json_boolean(list[i].public_attendance));
			json_array_append_new(a, o);
		} else {
			snprintf(extra, sizeof(extra), "%zu member%s%s",
			    list[i].nmembers, list[i].nmembers == 1 ? "" : "s",
			    list[i].public_attendance ?
			    ", attendance public" : "");
			print_block(list[i].slug, list[i].name, extra, http,
			    webcal);
		}
		free(http);
		free(webcal);
	}
	if (c->json)
		out_json(a);
	pd_group_list_free(list, n);
	return EX_OK;
}

int
cmd_topic_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTS };
	struct pd_topic *list = NULL;
	char extra[64], *http, *webcal;
	json_t *a = NULL;
	size_t n = 0, i;
	int rc;

	while (cli_getopt(c, argc, argv, "", opts) != -1)
		;
	if (optind < argc)
		cli_usage_error(c, "unexpected argument '%s'", argv[optind]);
	if ((rc = pd_store_topic_list(cli_store(c), &list, &n)) != PD_OK)
		cli_store_error(c, rc, NULL);
	if (c->json)
		a = json_array();
	else if (n == 0)
		printf("no topics\n");
	for (i = 0; i < n; i++) {
		cli_feed_url(c, "topic", list[i].slug, &http, &webcal);
		if (c->json)
			json_array_append_new(a, json_pack(
			    "{s:I, s:o, s:o, s:I, s:s, s:s}",
			    "id", (json_int_t)list[i].id,
			    "slug", jstr(list[i].slug),
			    "name", jstr(list[i].name),
			    "events", (json_int_t)list[i].nevents,
			    "url", http, "webcal", webcal));
		else {
			snprintf(extra, sizeof(extra), "%zu event%s",
			    list[i].nevents, list[i].nevents == 1 ? "" : "s");
			print_block(list[i].slug, list[i].name, extra, http,
			    webcal);
		}
		free(http);
		free(webcal);
	}
	if (c->json)
		out_json(a);
	pd_topic_list_free(list, n);
	return EX_OK;
}
