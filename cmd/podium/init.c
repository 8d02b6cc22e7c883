/*
 * podium init
 *
 * Creates the database, or migrates an older one; opening the store does
 * both.  Makes the answer-link key in it when there is none (podiumd
 * would on its first start), so that `talk link` works from the start.
 * Prints where the file is, so that nobody wonders which podium.db a
 * relative path meant.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "podium/answer.h"
#include "podium/store.h"

#include "cli.h"
#include "output.h"

int
cmd_init(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTS };
	struct pd_store *st;
	unsigned char key[PD_ANSWER_KEY_LEN];
	char *abs;
	int version, rc;

	while (cli_getopt(c, argc, argv, "", opts) != -1)
		;
	if (optind < argc)
		cli_usage_error(c, "unexpected argument '%s'", argv[optind]);
	st = cli_store(c);
	if ((rc = pd_store_answer_key_setup(st, NULL, key, NULL)) != PD_OK)
		cli_store_error(c, rc, "init");
	explicit_bzero(key, sizeof(key));
	version = pd_store_schema_version(st);
	abs = realpath(c->db_path, NULL);
	if (c->json)
		out_json(json_pack("{s:s, s:i}", "path",
		    abs != NULL ? abs : c->db_path, "schema_version", version));
	else
		printf("database %s, schema version %d\n",
		    abs != NULL ? abs : c->db_path, version);
	free(abs);
	return EX_OK;
}
