/*
 * podium person forget | person export: the data-protection commands
 * (Art. 17 and Art. 15 GDPR).
 *
 * The erasure is the store's (pd_store_person_forget); this file adds
 * the parts outside the database that podiumd's configuration names:
 * the person's .eml files in spool_dir, and the public feeds written to
 * export_dir, written again without them.  A running podiumd renders
 * its cached feeds again by itself (the revision changed).  Nothing
 * printed names the person by more than their id.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "podium/answer.h"
#include "podium/config.h"
#include "podium/feed.h"
#include "podium/privacy.h"
#include "podium/store.h"

#include "cli.h"
#include "output.h"

int
cli_key_load(struct cli *c, unsigned char key[PD_ANSWER_KEY_LEN])
{
	int rc;

	/*
	 * Only the database's answer-link key (podiumd's) makes HMACs worth
	 * keeping; without one the journal holds the uuid only, and none is
	 * made here.
	 */
	rc = pd_store_answer_key(cli_store(c), key);
	if (rc == PD_ENOTFOUND)
		return 0;
	if (rc != PD_OK)
		cli_store_error(c, rc, "key");
	return 1;
}

/* export_dir written again from the store as it is now. */
static int
rewrite_exports(struct cli *c, const struct pd_config *cfg,
    struct pd_error *err)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct pd_feeds_opts fo;
	struct pd_feeds *fc = NULL;
	int rc;

	if (cfg->export_dir == NULL)
		return PD_OK;
	memset(&fo, 0, sizeof(fo));
	fo.name = "SMARTCity Gera";
	fo.refresh = cfg->refresh;
	fo.refresh_seconds = cfg->refresh_seconds;
	fo.export_dir = cfg->export_dir;
	if ((rc = pd_feeds_new(cli_store(c), &lock, &fo, &fc)) != PD_OK)
		return pd_error_set(err, rc, NULL, "out of memory");
	rc = pd_feeds_refresh(fc, cli_now(), err);
	pd_feeds_free(fc);
	return rc;
}

static void
report_text(const struct pd_forget_report *r, int dry, size_t files)
{
	const char *w = dry ? "would be " : "";
	size_t i;

	printf("%s person %" PRId64 "\n", dry ? "dry run: would forget" :
	    "forgot", r->person_id);
	printf("  %zu attendance(s) and %zu membership(s) %sdeleted%s\n",
	    r->attendances, r->memberships, w,
	    r->feed_token ? (dry ? ", the personal feed would be revoked" :
	    ", the personal feed revoked") : "");
	printf("  %zu talk(s) %skept with the speaker \"%s\"", r->talks, w,
	    PD_ERASED_NAME);
	if (r->withdrawn > 0)
		printf(", %zu requested one(s) withdrawn", r->withdrawn);
	printf("\n");
	if (r->via > 0 || r->organized > 0)
		printf("  intermediary of %zu talk(s), organizer of %zu "
		    "event(s): %sthe placeholder\n", r->via, r->organized,
		    dry ? "would become " : "now ");
	printf("  %zu message(s) %semptied to their bookkeeping, %zu "
	    "unsent one(s) %sdropped to be planned anew\n", r->scrubbed, w,
	    r->dropped, w);
	if (dry)
		printf("  up to %zu spool file(s) would be deleted\n", r->nmsgs);
	else
		printf("  %zu spool file(s) deleted\n", files);
	if (!dry && !r->checkpointed)
		printf("  the -wal could not be emptied now (a reader holds "
		    "it); it is on podiumd's next checkpoint\n");
	if (r->nmentions > 0) {
		printf("free text that may name them (edit it yourself):\n");
		for (i = 0; i < r->nmentions; i++)
			printf("  %s\n", r->mentions[i]);
	}
}

int
cmd_person_forget(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		CLI_COMMON_OPTS
	};
	unsigned char key[PD_ANSWER_KEY_LEN];
	struct pd_error err = { 0, NULL, NULL };
	struct pd_forget_report r;
	const struct pd_config *cfg = c->cfg;
	struct pd_person p;
	size_t files = 0;
	int ch, dry = 0, have_key, rc;

	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1)
		if (ch == 'n')
			dry = 1;
	if (argc - optind != 1)
		cli_usage_error(c, argc - optind < 1 ? "PERSON is missing" :
		    "one PERSON at a time (quote a name with blanks)");
	memset(&p, 0, sizeof(p));
	memset(&r, 0, sizeof(r));
	cli_person_find(c, argv[optind], "person", &p);
	have_key = cli_key_load(c, key);
	rc = pd_store_person_forget(cli_store(c), p.id, have_key ? key : NULL,
	    sizeof(key), dry, &r);
	explicit_bzero(key, sizeof(key));
	pd_person_clear(&p);
	if (rc != PD_OK) {
		cli_store_error(c, rc, "person");
	}
	if (!dry && ((rc = pd_spool_remove(cfg->spool_dir, r.msg_ids,
	    r.msg_kinds, r.nmsgs, &files, &err)) != PD_OK ||
	    (rc = rewrite_exports(c, cfg, &err)) != PD_OK)) {
		/* The database part is done; say what is left to do. */
		fprintf(stderr, "podium: person %" PRId64 " is forgotten in the "
		    "database, but: %s\n", r.person_id, err.msg != NULL ?
		    err.msg : pd_strerror(rc));
		pd_forget_report_clear(&r);
		pd_error_clear(&err);
		return cli_exit_status(rc);
	}
	if (c->json)
		out_json(pd_forget_report_json(&r, dry, files));
	else
		report_text(&r, dry, files);
	pd_forget_report_clear(&r);
	return EX_OK;
}

int
cmd_person_export(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTS };
	struct pd_error err = { 0, NULL, NULL };
	struct pd_person p;
	char *text = NULL;
	int rc;

	while (cli_getopt(c, argc, argv, "", opts) != -1)
		;
	if (argc - optind != 1)
		cli_usage_error(c, argc - optind < 1 ? "PERSON is missing" :
		    "one PERSON at a time (quote a name with blanks)");
	memset(&p, 0, sizeof(p));
	cli_person_find(c, argv[optind], "person", &p);
	rc = pd_person_export(cli_store(c), p.id, &text, &err);
	pd_person_clear(&p);
	if (rc != PD_OK)
		cli_error_exit(rc, &err, "person");
	/* JSON already: --json or not, the export is the same document. */
	printf("%s\n", text);
	free(text);
	return EX_OK;
}
