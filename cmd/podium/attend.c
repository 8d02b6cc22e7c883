/*
 * podium attend EVENT PERSON
 *
 * Records who comes to an event, in which role, and the answer:
 * accepted, declined ("abwesend"), tentative, or delegated to someone
 * ("Teilnahme durch Frau Kache").  Changing an attendance keeps what the
 * user did not mention, so "--status accepted" does not reset the role.
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
cmd_attend(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "status", required_argument, NULL, 's' },
		{ "delegate", required_argument, NULL, 'd' },
		CLI_COMMON_OPTS
	};
	const char *role_arg = NULL, *status_arg = NULL, *delegate = NULL;
	enum pd_role role = PD_ROLE_PARTICIPANT;
	enum pd_partstat status = PD_PART_NEEDS_ACTION;
	struct pd_person p;
	struct pd_event *ev;
	json_t *o;
	int64_t id = 0;
	size_t i;
	int ch, rc;

	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'r': role_arg = optarg; break;
		case 's': status_arg = optarg; break;
		case 'd': delegate = optarg; break;
		}
	}
	if (argc - optind != 2)
		cli_usage_error(c, "EVENT and PERSON are needed (quote a name "
		    "with blanks)");
	if (role_arg != NULL && pd_role_parse(role_arg, &role) != PD_OK)
		cli_data_error("role", "'%s' is not one of chair, speaker, "
		    "participant, optional", role_arg);
	if (status_arg != NULL &&
	    pd_partstat_parse(status_arg, &status) != PD_OK)
		cli_data_error("status", "'%s' is not one of needs-action, "
		    "accepted, declined, tentative, delegated", status_arg);
	if (delegate != NULL && status_arg == NULL)
		status = PD_PART_DELEGATED;
	if (status == PD_PART_DELEGATED &&
	    (delegate == NULL || *delegate == '\0'))
		cli_data_error("delegate", "--status delegated needs "
		    "--delegate NAME");
	if (delegate != NULL && status != PD_PART_DELEGATED)
		cli_data_error("delegate", "a delegate only goes with "
		    "--status delegated");

	ev = cli_event_get(c, argv[optind]);
	memset(&p, 0, sizeof(p));
	cli_person_find(c, argv[optind + 1], "person", &p);
	/* An existing attendance keeps the role or status not given. */
	for (i = 0; i < ev->nattendances; i++) {
		if (ev->attendances[i].person.id != p.id)
			continue;
		if (role_arg == NULL)
			role = ev->attendances[i].role;
		if (status_arg == NULL && delegate == NULL)
			status = ev->attendances[i].status;
		if (status == PD_PART_DELEGATED && delegate == NULL)
			delegate = ev->attendances[i].delegate;
	}
	rc = pd_store_attend(cli_store(c), ev->id, p.id, role, status,
	    status == PD_PART_DELEGATED ? delegate : NULL, &id);
	if (rc != PD_OK) {
		pd_event_free(ev);
		pd_person_clear(&p);
		cli_store_error(c, rc, NULL);
	}
	if (c->json) {
		o = json_attendance_of(id, &p, role, status,
		    status == PD_PART_DELEGATED ? delegate : NULL);
		json_object_set_new(o, "event_id", json_integer(ev->id));
		out_json(o);
	} else {
		/* People by id: the CLI's messages name nobody (privacy). */
		printf("attendance %" PRId64 ": person %" PRId64 " at event %"
		    PRId64 " as %s, %s", id, p.id, ev->id, pd_role_name(role),
		    pd_partstat_name(status));
		if (status == PD_PART_DELEGATED)
			printf(" to %s", delegate);
		putchar('\n');
	}
	pd_event_free(ev);
	pd_person_clear(&p);
	return EX_OK;
}
