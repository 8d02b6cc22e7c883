/*
 * podium backup FILE | podium restore FILE
 *
 * Both work while podiumd runs on the same database; the store does the
 * work (lib/store_backup.c), this file only parses and reports.  restore
 * does not open the database through cli_store(): the backup is checked
 * before the database is touched at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "podium/store.h"

#include "cli.h"
#include "output.h"

int
cmd_backup(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTS };
	struct stat sb;
	int rc;

	while (cli_getopt(c, argc, argv, "", opts) != -1)
		;
	if (optind >= argc)
		cli_usage_error(c, "FILE is missing");
	if (optind + 1 < argc)
		cli_usage_error(c, "unexpected argument '%s'", argv[optind + 1]);
	if ((rc = pd_store_backup(cli_store(c), argv[optind])) != PD_OK)
		cli_store_error(c, rc, "file");
	if (stat(argv[optind], &sb) != 0)
		sb.st_size = 0;
	if (c->json)
		out_json(json_pack("{s:s, s:s, s:I}", "database", c->db_path,
		    "backup", argv[optind], "bytes", (json_int_t)sb.st_size));
	else
		printf("backed up %s to %s (%jd bytes)\n", c->db_path,
		    argv[optind], (intmax_t)sb.st_size);
	return EX_OK;
}

int
cmd_restore(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTS };
	unsigned char key[32];
	struct pd_error err = { 0, NULL, NULL };
	size_t again = 0;
	int have_key, rc;

	while (cli_getopt(c, argc, argv, "", opts) != -1)
		;
	if (optind >= argc)
		cli_usage_error(c, "FILE is missing");
	if (optind + 1 < argc)
		cli_usage_error(c, "unexpected argument '%s'", argv[optind + 1]);
	/*
	 * The key recognises journal entries by address, not only uuid.  A
	 * restore that is refused must leave no database behind, so a
	 * missing one is not opened (and thereby made) for its key; the
	 * handle is closed again before the restore swaps the file's data.
	 */
	have_key = access(c->db_path, F_OK) == 0 && cli_key_load(c, key);
	pd_store_close(c->st);
	c->st = NULL;
	rc = pd_store_restore_erasing(argv[optind], c->db_path, cli_now(),
	    have_key ? key : NULL, sizeof(key), &again, &err);
	explicit_bzero(key, sizeof(key));
	if (rc != PD_OK)
		cli_error_exit(rc, &err, "file");
	pd_error_clear(&err);
	if (c->json)
		out_json(json_pack("{s:s, s:s, s:i, s:I}", "database",
		    c->db_path, "restored", argv[optind], "schema_version",
		    PD_STORE_SCHEMA_VERSION, "erasures_applied",
		    (json_int_t)again));
	else
		printf("restored %s into %s (schema version %d); %zu "
		    "erasure(s) applied again\n", argv[optind], c->db_path,
		    PD_STORE_SCHEMA_VERSION, again);
	return EX_OK;
}
