/*
 * podium talk add | confirm | decline | link
 *
 * A talk is a speaker asked to speak at an event: requested (perhaps via
 * an intermediary, perhaps as the alternative to another talk), then
 * confirmed or declined.  Which mails follow is the scheduler's business;
 * it looks at the state this file writes.
 *
 * "talk link" prints the answer page a speaker gets by mail.  The link is
 * signed, not stored (answer.h), so the CLI needs the daemon's key: it
 * takes it from the database, where podiumd keeps it (store_setting.c),
 * and never makes one, which would sign links the daemon refuses.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "podium/answer.h"
#include "podium/model.h"
#include "podium/store.h"

#include "cli.h"
#include "output.h"

/* Loads a talk by the id the user gave; 65 naming field if there is none. */
static void
talk_get(struct cli *c, const char *arg, const char *field,
    struct pd_talk *out, int64_t *event_id)
{
	int64_t id = cli_parse_id(arg, field);
	int rc;

	rc = pd_store_talk_get(cli_store(c), id, out, event_id);
	if (rc == PD_ENOTFOUND)
		cli_data_error(field, "no talk with id %s", arg);
	if (rc != PD_OK)
		cli_store_error(c, rc, field);
}

static void
print_talk(struct cli *c, const struct pd_talk *t, int64_t event_id,
    const char *verb)
{
	json_t *o;

	if (c->json) {
		o = json_talk(t);
		json_object_set_new(o, "event_id", json_integer(event_id));
		out_json(o);
	} else
		printf("%s talk %" PRId64 " at event %" PRId64 " (%s)\n", verb,
		    t->id, event_id, pd_talk_status_name(t->status));
}

int
cmd_talk_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "title", required_argument, NULL, 't' },
		{ "speaker", required_argument, NULL, 's' },
		{ "status", required_argument, NULL, 'S' },
		{ "via", required_argument, NULL, 'v' },
		{ "alternative-to", required_argument, NULL, 'a' },
		CLI_COMMON_OPTS
	};
	const char *title = NULL, *speaker = NULL, *status = "requested";
	const char *via = NULL, *alt = NULL;
	struct pd_talk t, other;
	struct pd_event *ev;
	int64_t event_id, other_event;
	int ch, rc;

	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 't': title = optarg; break;
		case 's': speaker = optarg; break;
		case 'S': status = optarg; break;
		case 'v': via = optarg; break;
		case 'a': alt = optarg; break;
		}
	}
	if (argc - optind != 1)
		cli_usage_error(c, argc - optind < 1 ? "EVENT is missing" :
		    "one EVENT at a time");
	if (title == NULL)
		cli_usage_error(c, "--title is missing");
	if (speaker == NULL)
		cli_usage_error(c, "--speaker is missing");

	memset(&t, 0, sizeof(t));
	if (pd_talk_status_parse(status, &t.status) != PD_OK ||
	    (t.status != PD_TALK_REQUESTED && t.status != PD_TALK_CONFIRMED))
		cli_data_error("status", "'%s' is not one of requested, "
		    "confirmed", status);
	ev = cli_event_get(c, argv[optind]);
	event_id = ev->id;
	pd_event_free(ev);
	cli_person_find(c, speaker, "speaker", &t.speaker);
	if (via != NULL)
		cli_person_find(c, via, "via", &t.via);
	if (alt != NULL) {
		memset(&other, 0, sizeof(other));
		talk_get(c, alt, "alternative-to", &other, &other_event);
		if (other_event != event_id) {
			pd_talk_clear(&other);
			pd_talk_clear(&t);
			cli_data_error("alternative-to", "talk %s belongs to "
			    "event %" PRId64 ", not to event %" PRId64, alt,
			    other_event, event_id);
		}
		t.alternative_to = cli_strdup(other.uid);
		pd_talk_clear(&other);
	}
	t.title = cli_strdup(title);
	if ((rc = pd_store_talk_add(cli_store(c), event_id, &t)) != PD_OK) {
		pd_talk_clear(&t);
		cli_store_error(c, rc, NULL);
	}
	print_talk(c, &t, event_id, "added");
	pd_talk_clear(&t);
	return EX_OK;
}

static int
set_status(struct cli *c, int argc, char **argv, enum pd_talk_status to,
    const char *verb)
{
	static const struct option opts[] = { CLI_COMMON_OPTS };
	struct pd_talk t;
	int64_t event_id;
	int rc;

	while (cli_getopt(c, argc, argv, "", opts) != -1)
		;
	if (argc - optind != 1)
		cli_usage_error(c, argc - optind < 1 ? "TALK is missing" :
		    "one TALK at a time");
	memset(&t, 0, sizeof(t));
	talk_get(c, argv[optind], "talk", &t, &event_id);
	if ((rc = pd_store_talk_set_status(cli_store(c), t.id, to)) !=
	    PD_OK) {
		pd_talk_clear(&t);
		cli_store_error(c, rc, "talk");
	}
	/* Again from the store: status_by is whoever the store recorded. */
	pd_talk_clear(&t);
	talk_get(c, argv[optind], "talk", &t, &event_id);
	print_talk(c, &t, event_id, verb);
	pd_talk_clear(&t);
	return EX_OK;
}

int
cmd_talk_confirm(struct cli *c, int argc, char **argv)
{
	return set_status(c, argc, argv, PD_TALK_CONFIRMED, "confirmed");
}

int
cmd_talk_decline(struct cli *c, int argc, char **argv)
{
	return set_status(c, argc, argv, PD_TALK_DECLINED, "declined");
}

int
cmd_talk_link(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTS };
	unsigned char key[PD_ANSWER_KEY_LEN];
	struct pd_event *ev;
	struct pd_talk t;
	char idbuf[24], *tok = NULL, *link = NULL;
	int64_t event_id, expiry;
	int rc;

	while (cli_getopt(c, argc, argv, "", opts) != -1)
		;
	if (argc - optind != 1)
		cli_usage_error(c, argc - optind < 1 ? "TALK is missing" :
		    "one TALK at a time");
	memset(&t, 0, sizeof(t));
	talk_get(c, argv[optind], "talk", &t, &event_id);
	if (t.speaker.id <= 0) {
		pd_talk_clear(&t);
		cli_data_error("speaker", "talk %s has no speaker",
		    argv[optind]);
	}
	snprintf(idbuf, sizeof(idbuf), "%" PRId64, event_id);
	ev = cli_event_get(c, idbuf);
	/* Never a key of our own: podiumd would refuse what it signs. */
	if ((rc = pd_store_answer_key(cli_store(c), key)) != PD_OK) {
		pd_talk_clear(&t);
		pd_event_free(ev);
		if (rc == PD_ENOTFOUND)
			cli_fatal(EX_UNAVAILABLE, "%s: %s", c->db_path,
			    pd_store_error(c->st)->msg);
		cli_store_error(c, rc, "talk");
	}
	if ((rc = pd_answer_expiry(ev, cli_now(), &expiry)) != PD_OK ||
	    (rc = pd_answer_token_make(key, t.id, t.speaker.id, expiry,
	    &tok)) != PD_OK ||
	    (rc = pd_answer_link(cli_base_url(c), tok, &link)) != PD_OK) {
		explicit_bzero(key, sizeof(key));
		pd_talk_clear(&t);
		pd_event_free(ev);
		free(tok);
		cli_fatal(cli_exit_status(rc), "talk %s: cannot make the "
		    "link: %s", argv[optind], pd_strerror(rc));
	}
	explicit_bzero(key, sizeof(key));
	if (c->json) {
		json_t *o = json_talk(&t);

		json_object_set_new(o, "event_id", json_integer(event_id));
		json_object_set_new(o, "url", json_string(link));
		json_object_set_new(o, "expires", json_integer(expiry));
		out_json(o);
	} else
		printf("%s\n", link);
	free(tok);
	free(link);
	pd_talk_clear(&t);
	pd_event_free(ev);
	return EX_OK;
}
