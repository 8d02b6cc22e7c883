/*
 * podium feed url PERSON, and the feed URLs that group and topic list
 * show.
 *
 * A personal feed URL holds a secret token; the store keeps only its
 * hash, so the token is printed exactly once, when it is made.  Making a
 * new one replaces the hash and so revokes the URL printed before;
 * "feed revoke" clears the hash, so no token at all opens the feed until
 * "feed url" makes a new one.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "podium/buf.h"
#include "podium/store.h"
#include "podium/token.h"

#include "cli.h"
#include "output.h"

const char *
cli_base_url(struct cli *c)
{
	char *url = NULL;
	size_t len;
	int rc;

	if (c->base_url_env || c->base_url_db != NULL)
		return c->base_url_env ? c->base_url : c->base_url_db;
	/*
	 * The URL the podiumd serving this database recorded: a URL printed
	 * from --config or the default could name a host or port it does
	 * not serve.
	 */
	rc = pd_store_base_url(cli_store(c), &url);
	if (rc == PD_ENOTFOUND)
		return c->base_url;
	if (rc != PD_OK)
		cli_store_error(c, rc, "base_url");
	len = strlen(url);
	while (len > 0 && url[len - 1] == '/')
		url[--len] = '\0';
	c->base_url_db = url;
	return url;
}

void
cli_feed_url(struct cli *c, const char *kind, const char *name,
    char **http, char **webcal)
{
	struct pd_buf b = PD_BUF_INIT;
	const char *base = cli_base_url(c), *rest = base;

	pd_buf_addf(&b, "%s/calendars/%s/%s.ics", base, kind, name);
	if ((*http = pd_buf_detach(&b, NULL)) == NULL)
		cli_fatal(EX_OSERR, "out of memory");
	/* The same address for calendar clients: webcal:// instead of http(s). */
	if (strncmp(rest, "http://", 7) == 0)
		rest += 7;
	else if (strncmp(rest, "https://", 8) == 0)
		rest += 8;
	pd_buf_addf(&b, "webcal://%s/calendars/%s/%s.ics", rest, kind,
	    name);
	if ((*webcal = pd_buf_detach(&b, NULL)) == NULL)
		cli_fatal(EX_OSERR, "out of memory");
}

int
cmd_feed_url(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTS };
	char token[PD_TOKEN_LEN + 1], hash[PD_TOKEN_HASH_LEN + 1];
	char *http, *webcal;
	struct pd_person p;
	int rc;

	while (cli_getopt(c, argc, argv, "", opts) != -1)
		;
	if (argc - optind != 1)
		cli_usage_error(c, argc - optind < 1 ? "PERSON is missing" :
		    "one PERSON at a time (quote a name with blanks)");
	memset(&p, 0, sizeof(p));
	cli_person_find(c, argv[optind], "person", &p);
	if ((rc = pd_token_new(token)) != PD_OK ||
	    (rc = pd_token_hash(token, strlen(token), hash)) != PD_OK) {
		pd_person_clear(&p);
		cli_fatal(cli_exit_status(rc), "cannot make a token: %s",
		    pd_strerror(rc));
	}
	if ((rc = pd_store_feed_token_set(cli_store(c), p.id, hash)) !=
	    PD_OK) {
		pd_person_clear(&p);
		cli_store_error(c, rc, NULL);
	}
	cli_feed_url(c, "person", token, &http, &webcal);
	if (c->json)
		out_json(json_pack("{s:o, s:s, s:s}", "person",
		    json_person(&p), "url", http, "webcal", webcal));
	else
		printf("%s\n%s\n", http, webcal);
	free(http);
	free(webcal);
	pd_person_clear(&p);
	return EX_OK;
}

int
cmd_feed_revoke(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTS };
	struct pd_person p;
	int rc;

	while (cli_getopt(c, argc, argv, "", opts) != -1)
		;
	if (argc - optind != 1)
		cli_usage_error(c, argc - optind < 1 ? "PERSON is missing" :
		    "one PERSON at a time (quote a name with blanks)");
	memset(&p, 0, sizeof(p));
	cli_person_find(c, argv[optind], "person", &p);
	/* NULL: no hash at all, which no token can ever match. */
	if ((rc = pd_store_feed_token_set(cli_store(c), p.id, NULL)) !=
	    PD_OK) {
		pd_person_clear(&p);
		cli_store_error(c, rc, "person");
	}
	if (c->json)
		out_json(json_pack("{s:o, s:b}", "person", json_person(&p),
		    "revoked", 1));
	else
		printf("revoked the feed URL of person %" PRId64 "\n", p.id);
	pd_person_clear(&p);
	return EX_OK;
}
