/*
 * podium user add|list|passwd|remove: the organizers' accounts for the
 * web pages of podiumd.
 *
 * A password never appears on the command line (where ps and the shell
 * history would keep it): --password-stdin reads it from standard input,
 * the first line without its newline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <sodium.h>

#include "podium/account.h"
#include "podium/store.h"

#include "cli.h"
#include "output.h"

#define MAX_PASSWORD_LINE 1100

/* Reads the password line from stdin; wipe and free it. */
static char *
read_password(void)
{
	char *line = cli_calloc(1, MAX_PASSWORD_LINE + 2);
	size_t n;

	if (fgets(line, MAX_PASSWORD_LINE + 2, stdin) == NULL) {
		free(line);
		cli_data_error("password", "nothing on standard input");
	}
	n = strlen(line);
	if (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	if (n > 0 && line[n - 1] == '\r')
		line[--n] = '\0';
	return line;
}

static void
wipe(char *s)
{
	if (s != NULL) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

/* The Argon2id string of the password read from stdin, checked first. */
static char *
new_hash(const char *email, const char *lang)
{
	struct pd_error err = { 0, NULL, NULL };
	char *pw = read_password(), *hash = NULL;

	if (pd_account_validate(email, lang, pw, &err) != PD_OK) {
		wipe(pw);
		cli_error_exit(PD_EINVAL, &err, NULL);
	}
	if (pd_account_password_hash(pw, &hash) != PD_OK) {
		wipe(pw);
		cli_fatal(EX_OSERR, "cannot hash the password (out of memory?)");
	}
	wipe(pw);
	return hash;
}

int
cmd_user_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "lang", required_argument, NULL, 'l' },
		{ "password-stdin", no_argument, NULL, 'p' },
		CLI_COMMON_OPTS
	};
	struct pd_error err = { 0, NULL, NULL };
	const char *name = NULL, *lang = "de", *email;
	char *hash;
	int64_t id = 0;
	int o, from_stdin = 0, rc;

	while ((o = cli_getopt(c, argc, argv, "", opts)) != -1) {
		switch (o) {
		case 'n': name = optarg; break;
		case 'l': lang = optarg; break;
		case 'p': from_stdin = 1; break;
		}
	}
	if (argc - optind != 1)
		cli_usage_error(c, "EMAIL is missing");
	if (!from_stdin)
		cli_usage_error(c, "--password-stdin is needed (the password "
		    "is read from standard input, never from the command line)");
	email = argv[optind];
	if (pd_account_validate(email, lang, NULL, &err) != PD_OK)
		cli_error_exit(PD_EINVAL, &err, NULL);
	hash = new_hash(email, lang);
	rc = pd_store_account_add(cli_store(c), email, name, lang, hash, &id);
	free(hash);
	if (rc != PD_OK)
		cli_store_error(c, rc, NULL);
	if (c->json)
		out_json(json_pack("{s:I, s:s, s:o, s:s}", "id", (json_int_t)id,
		    "email", email, "name", jstr(name), "lang", lang));
	else
		printf("added account %s\n", email);
	return 0;
}

int
cmd_user_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTS };
	struct pd_account *list = NULL;
	struct table *t;
	size_t n = 0, i;
	char id[24];
	json_t *arr;
	int rc;

	while (cli_getopt(c, argc, argv, "", opts) != -1)
		;
	if (argc != optind)
		cli_usage_error(c, "no arguments expected");
	if ((rc = pd_store_account_list(cli_store(c), &list, &n)) != PD_OK)
		cli_store_error(c, rc, NULL);
	if (c->json) {
		arr = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, json_pack("{s:I, s:o, s:o, "
			    "s:o}", "id", (json_int_t)list[i].id, "email",
			    jstr(list[i].email), "name", jstr(list[i].name),
			    "lang", jstr(list[i].lang)));
		out_json(arr);
	} else {
		t = table_new(4, "ID", "EMAIL", "NAME", "LANG");
		for (i = 0; i < n; i++)
			table_add(t, out_id(list[i].id, id), list[i].email,
			    list[i].name, list[i].lang);
		table_print(t, stdout, "");
	}
	pd_account_list_free(list, n);
	return 0;
}

int
cmd_user_passwd(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "password-stdin", no_argument, NULL, 'p' },
		CLI_COMMON_OPTS
	};
	int o, from_stdin = 0, rc;
	char *hash;

	while ((o = cli_getopt(c, argc, argv, "", opts)) != -1)
		if (o == 'p')
			from_stdin = 1;
	if (argc - optind != 1)
		cli_usage_error(c, "EMAIL is missing");
	if (!from_stdin)
		cli_usage_error(c, "--password-stdin is needed");
	hash = new_hash(argv[optind], NULL);
	rc = pd_store_account_passwd(cli_store(c), argv[optind], hash);
	free(hash);
	if (rc != PD_OK)
		cli_store_error(c, rc, NULL);
	if (!c->json)
		printf("changed the password of %s; its sessions ended\n",
		    argv[optind]);
	else
		out_json(json_pack("{s:s}", "email", argv[optind]));
	return 0;
}

int
cmd_user_remove(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTS };
	int rc;

	while (cli_getopt(c, argc, argv, "", opts) != -1)
		;
	if (argc - optind != 1)
		cli_usage_error(c, "EMAIL is missing");
	if ((rc = pd_store_account_remove(cli_store(c), argv[optind])) !=
	    PD_OK)
		cli_store_error(c, rc, NULL);
	if (!c->json)
		printf("removed account %s\n", argv[optind]);
	else
		out_json(json_pack("{s:s}", "email", argv[optind]));
	return 0;
}
