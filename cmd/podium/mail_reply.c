/*
 * podium mail receive | replies
 *
 * "mail receive" is the intake of calendar replies for a Postfix pipe or
 * an alias ("rsvp: |podium --config /etc/podium.ini mail receive"): one
 * RFC 5322 message on standard input, handed to pd_reply_receive(), the
 * function the daemon's IMAP poller calls too.  Its exit status is what
 * an MTA understands: 0 applied or ignored (the reason is printed), 65
 * unreadable (the MTA bounces it), 75 try again later (the MTA keeps it).
 *
 * "mail replies" lists what needs the organizer: replies by someone the
 * invitation did not go to, and delegations; --all shows every reply.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "podium/answer.h"
#include "podium/buf.h"
#include "podium/reply.h"
#include "podium/store.h"

#include "cli.h"
#include "output.h"

/* A reply is a few KiB; a message much larger is not one. */
#define MAX_MESSAGE (32 * 1024 * 1024)

int
cmd_mail_receive(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTS };
	unsigned char key[PD_ANSWER_KEY_LEN];
	struct pd_error err = { 0, NULL, NULL };
	struct pd_reply_result res;
	struct pd_reply_ctx ctx;
	struct pd_store *st = NULL;
	struct pd_buf in;
	char chunk[65536];
	ssize_t n;
	int rc, status;

	while (cli_getopt(c, argc, argv, "", opts) != -1)
		;
	if (argc - optind != 0)
		cli_usage_error(c, "the message is read from standard input");
	pd_buf_init(&in, MAX_MESSAGE);
	while ((n = read(STDIN_FILENO, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			cli_fatal(EX_TEMPFAIL, "mail receive: standard input: %s",
			    strerror(errno));
		}
		if (pd_buf_add(&in, chunk, (size_t)n) != PD_OK) {
			pd_buf_free(&in);
			cli_fatal(EX_DATAERR, "mail receive: message over %d "
			    "MiB, not a calendar reply", MAX_MESSAGE >> 20);
		}
	}
	/* Whatever goes wrong with the database, the MTA should retry. */
	if ((rc = pd_store_open(c->db_path, cli_now(), &st, &err)) != PD_OK) {
		pd_buf_free(&in);
		cli_fatal(EX_TEMPFAIL, "mail receive: %s", err.msg != NULL ?
		    err.msg : pd_strerror(rc));
	}
	/* The tags were made with the database's answer-link key. */
	if ((rc = pd_store_answer_key(st, key)) != PD_OK) {
		fprintf(stderr, "podium: mail receive: try again later: %s\n",
		    pd_store_error(st)->msg);
		pd_store_close(st);
		pd_buf_free(&in);
		return EX_TEMPFAIL;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.key = key;
	ctx.now = cli_now();
	rc = pd_reply_receive(st, &ctx, in.data != NULL ? in.data : "", in.len,
	    &res, &err);
	explicit_bzero(key, sizeof(key));
	pd_store_close(st);
	pd_buf_free(&in);
	if (rc == PD_EPARSE) {
		fprintf(stderr, "podium: mail receive: unreadable: %s\n",
		    err.msg != NULL ? err.msg : "not a mail message");
		status = EX_DATAERR;
	} else if (rc != PD_OK) {
		fprintf(stderr, "podium: mail receive: try again later: %s\n",
		    err.msg != NULL ? err.msg : pd_strerror(rc));
		status = EX_TEMPFAIL;
	} else {
		if (c->json)
			out_json(json_pack("{s:s, s:s, s:o, s:o, s:o}",
			    "outcome", pd_reply_outcome_name(res.outcome),
			    "reason", res.reason,
			    "event_id", res.event_id > 0 ?
			    json_integer(res.event_id) : json_null(),
			    "person_id", res.person_id > 0 ?
			    json_integer(res.person_id) : json_null(),
			    "partstat", jstr(res.partstat[0] != '\0' ?
			    res.partstat : NULL)));
		else
			printf("%s: %s\n", pd_reply_outcome_name(res.outcome),
			    res.reason);
		status = EX_OK;
	}
	pd_error_clear(&err);
	return status;
}

int
cmd_mail_replies(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		CLI_COMMON_OPTS
	};
	const enum pd_reply_outcome listed = PD_REPLY_LISTED;
	struct pd_reply_row *rows = NULL;
	struct table *t = NULL;
	json_t *arr = NULL;
	char id[24], when[24], ev[24];
	size_t n = 0, i;
	int ch, rc, all = 0;

	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		if (ch == 'a')
			all = 1;
	}
	if (argc - optind != 0)
		cli_usage_error(c, "unexpected '%s'", argv[optind]);
	if ((rc = pd_store_reply_list(cli_store(c), all ? NULL : &listed,
	    &rows, &n)) != PD_OK)
		cli_store_error(c, rc, "replies");
	if (c->json)
		arr = json_array();
	else
		t = table_new(all ? 8 : 7, "ID", "RECEIVED", "EVENT",
		    "INVITEE", "FROM", "ANSWER", "REASON",
		    all ? "OUTCOME" : NULL);
	for (i = 0; i < n; i++) {
		const struct pd_reply_row *r = &rows[i];

		cli_utc_text(r->received, when);
		if (arr != NULL) {
			json_array_append_new(arr, json_pack("{s:I, s:o, s:s, "
			    "s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o}",
			    "id", (json_int_t)r->id,
			    "message_id", jstr(r->message_id),
			    "received", when,
			    "event_id", r->event_id > 0 ?
			    json_integer(r->event_id) : json_null(),
			    "event", jstr(r->event_title),
			    "person_id", r->person_id > 0 ?
			    json_integer(r->person_id) : json_null(),
			    "invitee", jstr(r->person_name),
			    "from", jstr(r->sender),
			    "attendee", jstr(r->attendee),
			    "partstat", jstr(r->partstat),
			    "delegated_to", jstr(r->delegated_to),
			    "outcome", pd_reply_outcome_name(r->outcome),
			    "reason", jstr(r->reason)));
			continue;
		}
		snprintf(ev, sizeof(ev), "%" PRId64, r->event_id);
		table_add(t, out_id(r->id, id), when,
		    r->event_id > 0 ? ev : "-",
		    r->person_name != NULL ? r->person_name : "-",
		    r->sender != NULL ? r->sender : "-",
		    r->partstat != NULL ? r->partstat : "-",
		    r->reason != NULL ? r->reason : "",
		    pd_reply_outcome_name(r->outcome));
	}
	if (arr != NULL)
		out_json(arr);
	else
		table_print(t, stdout, "");
	pd_reply_rows_free(rows, n);
	return EX_OK;
}
