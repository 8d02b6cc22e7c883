/*
 * podium agenda add
 *
 * Adds one agenda item ("I  09:00–09:15  Projektstatus") to an event.
 * Times of day are normalized here ("9:00" -> "09:00"); whether they fit
 * the event is the store's judgement.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "podium/model.h"
#include "podium/store.h"

#include "cli.h"
#include "output.h"

int
cmd_agenda_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "title", required_argument, NULL, 't' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 'T' },
		CLI_COMMON_OPTS
	};
	const char *label = "", *title = NULL, *from = NULL, *to = NULL;
	struct pd_agenda_item it;
	struct pd_event *ev;
	char f[6], t[6];
	json_t *o;
	int64_t event_id;
	int ch, rc;

	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'l': label = optarg; break;
		case 't': title = optarg; break;
		case 'f': from = optarg; break;
		case 'T': to = optarg; break;
		}
	}
	if (argc - optind != 1)
		cli_usage_error(c, argc - optind < 1 ? "EVENT is missing" :
		    "one EVENT at a time");
	if (title == NULL)
		cli_usage_error(c, "--title is missing");
	if (from == NULL || to == NULL)
		cli_usage_error(c, "--from and --to are needed");
	if (cli_parse_hhmm(from, f) != 0)
		cli_data_error("from", "%s is not a time of day (HH:MM)", from);
	if (cli_parse_hhmm(to, t) != 0)
		cli_data_error("to", "%s is not a time of day (HH:MM)", to);
	if (strcmp(t, f) < 0)
		cli_data_error("to", "%s is before --from %s", t, f);

	ev = cli_event_get(c, argv[optind]);
	event_id = ev->id;
	pd_event_free(ev);
	memset(&it, 0, sizeof(it));
	it.label = cli_strdup(label);
	it.title = cli_strdup(title);
	it.from = cli_strdup(f);
	it.to = cli_strdup(t);
	if ((rc = pd_store_agenda_add(cli_store(c), event_id, &it)) != PD_OK) {
		pd_agenda_item_clear(&it);
		cli_store_error(c, rc, NULL);
	}
	if (c->json) {
		o = json_agenda_item(&it);
		json_object_set_new(o, "event_id", json_integer(event_id));
		out_json(o);
	} else
		printf("added agenda item %" PRId64 " to event %" PRId64 "\n",
		    it.id, event_id);
	pd_agenda_item_clear(&it);
	return EX_OK;
}
