/*
 * podium mail list | retry | test
 *
 * The outbox as organizers see it: what was sent, what waits for a retry
 * and why, what failed for good.  "mail retry" puts a failed or dead
 * message back in the queue; podiumd sends it on its next pass.
 *
 * "mail test" is the one command here that sends: it queues one test
 * message and delivers it with pd_sched_test(), the dispatcher real mail
 * goes through, so that it fails exactly where real mail would (a test
 * path of its own would hide the real failures).  It needs podiumd's
 * [mail] settings, hence --config.
 *
 * Not here: planning or composing mail (lib/plan.c, lib/compose.c).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>


#include "podium/answer.h"
#include "podium/config.h"
#include "podium/outbox.h"
#include "podium/sched.h"
#include "podium/store.h"
#include "podium/tz.h"

#include "cli.h"
#include "output.h"

/* "2021-02-04T08:00:00Z", or "-" for 0 (cli.h). */
void
cli_utc_text(int64_t t, char out[24])
{
	char local[17];

	if (t <= 0 || pd_tz_from_utc(t, "UTC", local) != PD_OK) {
		snprintf(out, 24, "-");
		return;
	}
	snprintf(out, 24, "%.10sT%.5s:00Z", local, local + 11);
}

static json_t *
json_msg(const struct pd_outbox_msg *m)
{
	char next[24], created[24], sent[24];

	cli_utc_text(m->next_attempt, next);
	cli_utc_text(m->created, created);
	cli_utc_text(m->sent_at, sent);
	return json_pack("{s:I, s:o, s:s, s:o, s:o, s:I, s:o, s:o, s:o, s:i,"
	    " s:o, s:o, s:o, s:o, s:o}",
	    "id", (json_int_t)m->id,
	    "key", jstr(m->key),
	    "state", pd_outbox_state_name(m->state),
	    "kind", jstr(m->kind),
	    "event_id", m->event_id > 0 ? json_integer(m->event_id) :
	    json_null(),
	    "sequence", (json_int_t)m->sequence,
	    "to", jstr(m->rcpt),
	    "from", jstr(m->mail_from),
	    "subject", jstr(m->subject),
	    "attempts", m->attempts,
	    "next_attempt", m->state == PD_OUTBOX_PENDING ? jstr(next) :
	    json_null(),
	    "created", jstr(created),
	    "sent_at", m->sent_at > 0 ? jstr(sent) : json_null(),
	    "last_error", jstr(m->last_error),
	    "refused", jstr(m->refused));
}

int
cmd_mail_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		CLI_COMMON_OPTS
	};
	enum pd_outbox_state state;
	struct pd_outbox_msg *list = NULL;
	struct table *t = NULL;
	json_t *arr = NULL;
	const char *want = NULL;
	char id[24], attempts[24], next[24];
	size_t n = 0, i;
	int ch, rc;

	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		if (ch == 's')
			want = optarg;
	}
	if (argc - optind != 0)
		cli_usage_error(c, "unexpected '%s'", argv[optind]);
	if (want != NULL && pd_outbox_state_parse(want, &state) != PD_OK)
		cli_data_error("state", "'%s' is not one of pending, sending, "
		    "sent, failed, dead", want);
	if ((rc = pd_store_outbox_list(cli_store(c), want != NULL ? &state :
	    NULL, &list, &n)) != PD_OK)
		cli_store_error(c, rc, "mail");
	if (c->json)
		arr = json_array();
	else
		t = table_new(9, "ID", "STATE", "KIND", "TO", "ATTEMPTS",
		    "NEXT ATTEMPT", "SUBJECT", "LAST ERROR", "REFUSED");
	for (i = 0; i < n; i++) {
		const struct pd_outbox_msg *m = &list[i];

		if (arr != NULL) {
			json_array_append_new(arr, json_msg(m));
		} else {
			cli_utc_text(m->state == PD_OUTBOX_PENDING ?
			    m->next_attempt : 0, next);
			snprintf(attempts, sizeof(attempts), "%d",
			    m->attempts);
			table_add(t, out_id(m->id, id),
			    pd_outbox_state_name(m->state), m->kind, m->rcpt,
			    attempts, next, m->subject != NULL ? m->subject : "",
			    m->last_error != NULL ? m->last_error : "",
			    m->refused != NULL ? m->refused : "");
		}
	}
	if (arr != NULL)
		out_json(arr);
	else
		table_print(t, stdout, "");
	pd_outbox_list_free(list, n);
	return EX_OK;
}

int
cmd_mail_retry(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTS };
	struct pd_outbox_msg m;
	struct pd_store *st;
	int64_t id;
	int rc;

	while (cli_getopt(c, argc, argv, "", opts) != -1)
		;
	if (argc - optind != 1)
		cli_usage_error(c, argc - optind < 1 ? "ID is missing" :
		    "one ID at a time");
	id = cli_parse_id(argv[optind], "id");
	st = cli_store(c);
	memset(&m, 0, sizeof(m));
	if ((rc = pd_store_outbox_get(st, id, &m)) == PD_ENOTFOUND)
		cli_data_error("id", "no message %" PRId64, id);
	if (rc != PD_OK)
		cli_store_error(c, rc, "id");
	if (m.state != PD_OUTBOX_FAILED && m.state != PD_OUTBOX_DEAD) {
		const char *was = pd_outbox_state_name(m.state);

		pd_outbox_msg_clear(&m);
		cli_data_error("id", "message %" PRId64 " is %s; only failed "
		    "or dead messages can be retried", id, was);
	}
	pd_store_set_now(st, cli_now());
	if ((rc = pd_store_outbox_retry(st, id)) != PD_OK) {
		pd_outbox_msg_clear(&m);
		cli_store_error(c, rc, "id");
	}
	if (c->json)
		out_json(json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id,
		    "state", "pending", "was", pd_outbox_state_name(m.state)));
	else
		printf("message %" PRId64 " is pending again (was %s); podiumd "
		    "sends it on its next pass\n", id,
		    pd_outbox_state_name(m.state));
	pd_outbox_msg_clear(&m);
	return EX_OK;
}

int
cmd_mail_test(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		CLI_COMMON_OPTS
	};
	unsigned char key[PD_ANSWER_KEY_LEN];
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct pd_error err = { 0, NULL, NULL };
	struct pd_config cfg;
	struct pd_sched *sched = NULL;
	struct pd_outbox_msg m;
	const char *config = NULL, *address, *db_was = c->db_path;
	char *password = NULL, *db = NULL;
	size_t pwlen = 0;
	int ch, rc, status;

	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		if (ch == 'c')
			config = optarg;
	}
	if (argc - optind != 1)
		cli_usage_error(c, argc - optind < 1 ? "ADDRESS is missing" :
		    "one ADDRESS at a time");
	if (config == NULL)
		config = c->config;
	if (config == NULL)
		cli_usage_error(c, "--config is missing (podiumd's config "
		    "file, for the [mail] settings)");
	address = argv[optind];
	memset(&m, 0, sizeof(m));
	if (pd_config_defaults(&cfg) != PD_OK)
		cli_fatal(EX_OSERR, "out of memory");
	if ((rc = pd_config_load(&cfg, config, &err)) != PD_OK) {
		pd_config_clear(&cfg);
		cli_fatal(EX_DATAERR, "%s",
		    err.msg != NULL ? err.msg : pd_strerror(rc));
	}
	/*
	 * The message goes through the outbox of the configuration's
	 * database, as podiumd's would; --db and $PODIUM_DB still win, as
	 * they do over the global --config.
	 */
	if (!c->db_given && c->st == NULL && cfg.store_path != NULL)
		c->db_path = db = cli_strdup(cfg.store_path);
	/*
	 * The test mail has no answer links, but the composer wants a key:
	 * any will do, and none is read or made (no key file appears).
	 */
	memset(key, 0, sizeof(key));
	if (cfg.smtp_password_file != NULL && (rc = pd_secret_read(
	    cfg.smtp_password_file, &password, &pwlen, &err)) != PD_OK)
		goto fail;
	if ((rc = pd_sched_new(cli_store(c), &lock, &cfg, key, password,
	    &sched)) != PD_OK)
		goto fail;
	c->db_path = db_was;
	free(db);
	db = NULL;
	if ((rc = pd_sched_test(sched, address, cli_now(), &m, &err)) !=
	    PD_OK)
		goto fail;

	/* Sent: 0; transient (still pending, or given up): 69; refused: 65. */
	status = m.state == PD_OUTBOX_SENT ? EX_OK :
	    m.state == PD_OUTBOX_FAILED ? EX_DATAERR : EX_UNAVAILABLE;
	if (c->json) {
		out_json(json_msg(&m));
	} else if (m.state == PD_OUTBOX_SENT) {
		/* The address is the caller's own input: not echoed. */
		printf("sent: message %" PRId64 " via %s\n", m.id,
		    cfg.smtp_url != NULL ? cfg.smtp_url : cfg.spool_dir);
	} else {
		printf("%s: message %" PRId64 " via %s\n",
		    m.state == PD_OUTBOX_FAILED ? "refused" :
		    "not sent, will be retried", m.id,
		    cfg.smtp_url != NULL ? cfg.smtp_url : cfg.spool_dir);
	}
	if (status != EX_OK)
		fprintf(stderr, "podium: mail test: %s\n",
		    m.last_error != NULL ? m.last_error : "not sent");
	pd_outbox_msg_clear(&m);
	pd_sched_free(sched);
	if (password != NULL) {
		explicit_bzero(password, pwlen);
		free(password);
	}
	explicit_bzero(key, sizeof(key));
	pd_config_clear(&cfg);
	return status;
fail:
	c->db_path = db_was;
	free(db);
	pd_sched_free(sched);
	if (password != NULL) {
		explicit_bzero(password, pwlen);
		free(password);
	}
	explicit_bzero(key, sizeof(key));
	pd_config_clear(&cfg);
	cli_error_exit(rc, &err, "mail");
}
