/*
 * podium person add | edit | list
 *
 * People are speakers, attendees and intermediaries; elsewhere on the
 * command line a PERSON is an id, an e-mail address or the exact name.
 * Checking an address or a language is pd_person_validate's job (the
 * store calls it), so the API and the importer judge alike.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "podium/model.h"
#include "podium/store.h"

#include "cli.h"
#include "output.h"

/* "" from the user means "none": --email "" removes the address. */
static void
set_opt(char **dst, const char *value)
{
	free(*dst);
	*dst = value != NULL && *value != '\0' ? cli_strdup(value) : NULL;
}

static void
check_lang(const char *lang)
{
	if (lang != NULL && strcmp(lang, "de") != 0 && strcmp(lang, "en") != 0)
		cli_data_error("lang", "'%s' is not one of de, en", lang);
}

static void
print_person(struct cli *c, const struct pd_person *p, const char *verb)
{
	if (c->json)
		out_json(json_person(p));
	else
		printf("%s person %" PRId64 " (uuid %s)\n", verb, p->id,
		    p->uuid != NULL ? p->uuid : "?");
}

int
cmd_person_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "email", required_argument, NULL, 'e' },
		{ "org", required_argument, NULL, 'o' },
		{ "org-name", required_argument, NULL, 'O' },
		{ "lang", required_argument, NULL, 'l' },
		CLI_COMMON_OPTS
	};
	const char *name = NULL, *email = NULL, *org = NULL, *org_name = NULL;
	const char *lang = "de";
	struct pd_person p;
	int ch, rc;

	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'n': name = optarg; break;
		case 'e': email = optarg; break;
		case 'o': org = optarg; break;
		case 'O': org_name = optarg; break;
		case 'l': lang = optarg; break;
		}
	}
	if (optind < argc)
		cli_usage_error(c, "unexpected argument '%s'", argv[optind]);
	if (name == NULL)
		cli_usage_error(c, "--name is missing");
	if (*name == '\0')
		cli_data_error("name", "must not be empty");
	check_lang(lang);
	if (org_name != NULL && org == NULL)
		cli_usage_error(c, "--org-name needs --org CODE");

	memset(&p, 0, sizeof(p));
	set_opt(&p.name, name);
	set_opt(&p.email, email);
	set_opt(&p.org_code, org);
	set_opt(&p.org_name, org_name);
	set_opt(&p.lang, lang);
	if ((rc = pd_store_person_add(cli_store(c), &p)) != PD_OK) {
		pd_person_clear(&p);
		cli_store_error(c, rc, NULL);
	}
	print_person(c, &p, "added");
	pd_person_clear(&p);
	return EX_OK;
}

int
cmd_person_edit(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "email", required_argument, NULL, 'e' },
		{ "org", required_argument, NULL, 'o' },
		{ "org-name", required_argument, NULL, 'O' },
		{ "lang", required_argument, NULL, 'l' },
		CLI_COMMON_OPTS
	};
	const char *name = NULL, *email = NULL, *org = NULL, *org_name = NULL;
	const char *lang = NULL;
	struct pd_person p;
	int ch, rc;

	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1) {
		switch (ch) {
		case 'n': name = optarg; break;
		case 'e': email = optarg; break;
		case 'o': org = optarg; break;
		case 'O': org_name = optarg; break;
		case 'l': lang = optarg; break;
		}
	}
	if (argc - optind != 1)
		cli_usage_error(c, argc - optind < 1 ? "PERSON is missing" :
		    "one PERSON at a time (quote a name with blanks)");
	if (name == NULL && email == NULL && org == NULL && org_name == NULL &&
	    lang == NULL)
		cli_usage_error(c, "nothing to change");
	if (name != NULL && *name == '\0')
		cli_data_error("name", "must not be empty");
	check_lang(lang);

	memset(&p, 0, sizeof(p));
	cli_person_find(c, argv[optind], "person", &p);
	if (name != NULL)
		set_opt(&p.name, name);
	if (email != NULL)
		set_opt(&p.email, email);
	if (org != NULL) {
		/* A new organization's old full name would be wrong. */
		if (p.org_code == NULL || strcmp(p.org_code, org) != 0)
			set_opt(&p.org_name, NULL);
		set_opt(&p.org_code, org);
	}
	if (org_name != NULL)
		set_opt(&p.org_name, org_name);
	if (lang != NULL)
		set_opt(&p.lang, lang);
	if ((rc = pd_store_person_update(cli_store(c), &p)) != PD_OK) {
		pd_person_clear(&p);
		cli_store_error(c, rc, NULL);
	}
	print_person(c, &p, "changed");
	pd_person_clear(&p);
	return EX_OK;
}

int
cmd_person_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "erased", no_argument, NULL, 'E' },
		CLI_COMMON_OPTS
	};
	struct pd_person *list = NULL;
	struct table *t;
	json_t *a;
	size_t n = 0, i;
	char id[24];
	int erased = 0, ch, rc;

	while ((ch = cli_getopt(c, argc, argv, "", opts)) != -1)
		if (ch == 'E')
			erased = 1;
	if (optind < argc)
		cli_usage_error(c, "unexpected argument '%s'", argv[optind]);
	/* The placeholders of forgotten people are no one: asked for only. */
	if ((rc = (erased ? pd_store_person_list_all :
	    pd_store_person_list)(cli_store(c), &list, &n)) != PD_OK)
		cli_store_error(c, rc, NULL);
	if (c->json) {
		a = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(a, json_person(&list[i]));
		out_json(a);
	} else if (n == 0)
		printf("no people\n");
	else {
		t = table_new(6, "ID", "NAME", "EMAIL", "ORG", "ORGANIZATION",
		    "LANG");
		for (i = 0; i < n; i++)
			table_add(t, out_id(list[i].id, id), list[i].name,
			    list[i].email, list[i].org_code, list[i].org_name,
			    list[i].lang);
		table_print(t, stdout, "");
	}
	pd_person_list_free(list, n);
	return EX_OK;
}
