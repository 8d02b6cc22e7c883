/*
 * podium: the organizers' command-line tool.
 *
 * This file holds the command table, the global options (--db, --json),
 * the dispatch on noun and verb, and the ways a command fails.  Each
 * command lives in the file of its noun (event.c, talk.c...); none of
 * them prints usage or picks an exit status for a library error on its
 * own, they call the helpers here so that every command behaves alike.
 *
 * The tool works on the database file directly, as the daemon does; the
 * store makes that safe.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "podium/config.h"
#include "podium/err.h"
#include "podium/ical.h"
#include "podium/store.h"

#include "cli.h"

#define DEFAULT_DB	"podium.db"
#define DEFAULT_BASE	"http://127.0.0.1:8080"
/* Where the Debian package and make install put podiumd's config. */
#ifndef SYSTEM_CONFIG
#define SYSTEM_CONFIG	"/etc/podium/podium.ini"
#endif

static const struct cmd_entry cmds[] = {
	{ "init", NULL, "",
	  "Creates the database, or migrates it to the current schema, and\n"
	  "prints its path and schema version.", cmd_init },
	{ "import", NULL, "FILE.ics...",
	  "Reads every FILE and applies them in one transaction: events are\n"
	  "matched by UID, so importing again updates instead of duplicating.\n"
	  "Any error in any file changes nothing.", cmd_import },
	{ "export", NULL,
	  "[--public] [--group SLUG | --topic SLUG | --person PERSON] [-o FILE]\n"
	  "    [--format ical|schedule-xml|schedule-json]",
	  "Writes the events as iCalendar to stdout or FILE.  The full export\n"
	  "shows e-mail addresses; --public shows none; --person shows only\n"
	  "that person's own address.\n"
	  "  -o, --output FILE  write FILE atomically instead of stdout\n"
	  "  --format           schedule-xml, schedule-json: the frab/c3voc\n"
	  "                     conference schedule (public data; everything\n"
	  "                     or one --group), as /calendars/schedule.xml",
	  cmd_export },
	{ "event", "add",
	  "--title T --start \"YYYY-MM-DD HH:MM\" (--end ... | --duration 90m)\n"
	  "    [--tz Europe/Berlin] [--all-day] [--location L] [--group SLUG]\n"
	  "    [--topic NAME]... [--description D] [--status tentative|confirmed]\n"
	  "    [--rrule RULE] [--url URL]",
	  "Adds an event and prints its id and UID.\n"
	  "  --end       \"YYYY-MM-DD HH:MM\", or just HH:MM on the start's day;\n"
	  "              with --all-day the last day (inclusive), YYYY-MM-DD\n"
	  "  --duration  90m, 2h, 1h30m; with --all-day whole days (2d)\n"
	  "  --group     a group's slug or name; a new name creates the group\n"
	  "  --status    default confirmed\n"
	  "  --rrule     an RFC 5545 rule, e.g. FREQ=YEARLY;UNTIL=20261231",
	  cmd_event_add },
	{ "event", "list", "[--from DATE] [--to DATE]",
	  "Lists the events that overlap the days from --from to --to\n"
	  "(both YYYY-MM-DD in Europe/Berlin, --to inclusive).",
	  cmd_event_list },
	{ "event", "show", "EVENT",
	  "Shows everything of an event (EVENT: id or UID): times, status,\n"
	  "sequence, group, topics, links, agenda, talks and attendances.",
	  cmd_event_show },
	{ "event", "move", "EVENT --start ... [--end ...]",
	  "Moves an event; without --end it keeps its length.  The sequence\n"
	  "goes up and attendees get an update mail.", cmd_event_move },
	{ "event", "cancel", "EVENT",
	  "Cancels an event (STATUS:CANCELLED); it stays in the feeds so that\n"
	  "calendars drop it, and attendees get a cancellation mail.",
	  cmd_event_cancel },
	{ "event", "edit", "EVENT --public-attendance yes|no",
	  "Whether public feeds name this event's participants (speakers\n"
	  "and chairs are named always).  Default no.", cmd_event_edit },
	{ "agenda", "add", "EVENT --label I --title T --from 09:00 --to 09:15",
	  "Adds an agenda item to an event.", cmd_agenda_add },
	{ "person", "add",
	  "--name N [--email E] [--org CODE] [--org-name NAME] [--lang de|en]",
	  "Adds a person (PERSON elsewhere: id, e-mail or exact name).",
	  cmd_person_add },
	{ "person", "edit",
	  "PERSON [--name N] [--email E] [--org CODE] [--org-name NAME]"
	  " [--lang de|en]",
	  "Changes a person; an empty --email or --org removes it.",
	  cmd_person_edit },
	{ "person", "list", "[--erased]",
	  "Lists everybody; --erased also the placeholders of forgotten\n"
	  "people.", cmd_person_list },
	{ "person", "forget", "[--dry-run] PERSON",
	  "Erases a person for real (Art. 17 GDPR): attendances, memberships\n"
	  "and the feed go; their talks stay with the placeholder \""
	  PD_ERASED_NAME "\";\n"
	  "mail to or about them keeps only what stops a second send.  Their\n"
	  ".eml files are deleted, export_dir is written again, the -wal is\n"
	  "emptied; a journal (uuid, HMAC of the address, time) lets restore\n"
	  "erase them again.  Free text naming them is listed, not changed.\n"
	  "  --dry-run  print what would change, change nothing\n"
	  "With --config, podiumd's spool_dir and export_dir.",
	  cmd_person_forget },
	{ "person", "export", "PERSON",
	  "Prints everything podium holds about the person as JSON (Art. 15\n"
	  "GDPR): person, organization, memberships, attendances, talks,\n"
	  "feed, and the messages to them with headers and text.",
	  cmd_person_export },
	{ "group", "list", "",
	  "Lists the working groups, their slugs and feed URLs\n"
	  "(base URL: $PODIUM_BASE_URL, else podiumd's).", cmd_group_list },
	{ "group", "edit", "SLUG --public-attendance yes|no",
	  "Whether public feeds name the participants of the group's events\n"
	  "(speakers and chairs are named always).  Default no.",
	  cmd_group_edit },
	{ "topic", "list", "",
	  "Lists the topics, their slugs and feed URLs\n"
	  "(base URL: $PODIUM_BASE_URL, else podiumd's).", cmd_topic_list },
	{ "talk", "add",
	  "EVENT --title T --speaker PERSON [--status requested|confirmed]\n"
	  "    [--via PERSON] [--alternative-to TALK]",
	  "Adds a talk to an event (default status requested); --via names\n"
	  "who asked the speaker, --alternative-to the talk it replaces.",
	  cmd_talk_add },
	{ "talk", "confirm", "TALK", "Marks a talk confirmed.",
	  cmd_talk_confirm },
	{ "talk", "decline", "TALK", "Marks a talk declined.",
	  cmd_talk_decline },
	{ "talk", "link", "TALK",
	  "Prints the speaker's answer page (accept or decline), the link the\n"
	  "speaker request mail carries.  It is signed with the database's\n"
	  "answer-link key, the one podiumd signs with (made by 'podium init'\n"
	  "or podiumd's first start; exit 69 when there is none yet), and\n"
	  "works until a day after the event.  Base URL: $PODIUM_BASE_URL,\n"
	  "else the one podiumd recorded in the database.",
	  cmd_talk_link },
	{ "attend", NULL,
	  "EVENT PERSON [--role chair|speaker|participant|optional]\n"
	  "    [--status needs-action|accepted|declined|tentative|delegated]\n"
	  "    [--delegate NAME]",
	  "Adds or changes a person's attendance.  --delegate NAME implies\n"
	  "--status delegated, which needs it.  What is not given is kept\n"
	  "(new: participant, needs-action).", cmd_attend },
	{ "feed", "url", "PERSON",
	  "Prints a new private feed URL for the person.  Every call makes a\n"
	  "new secret token and revokes the one printed before: the old URL\n"
	  "stops working.  Base URL: $PODIUM_BASE_URL, else podiumd's.",
	  cmd_feed_url },
	{ "feed", "revoke", "PERSON",
	  "Revokes the person's private feed URL: the old URL stops working\n"
	  "(404) and none works until 'feed url' makes a new one.",
	  cmd_feed_revoke },
	{ "mail", "list", "[--state pending|sending|sent|failed|dead]",
	  "Lists the outbox, newest first: id, state, kind, recipients,\n"
	  "attempts, next attempt (UTC), subject and the last error.",
	  cmd_mail_list },
	{ "mail", "retry", "ID",
	  "Puts a failed or dead message back to pending, due now; podiumd\n"
	  "sends it on its next pass.", cmd_mail_retry },
	{ "mail", "test", "--config FILE ADDRESS",
	  "Sends one test message to ADDRESS through exactly the path real\n"
	  "mail takes (outbox, then SMTP or the spool folder), with the [mail]\n"
	  "settings of podiumd's config FILE, and prints the outcome.\n"
	  "Exit status 0 when it was sent, 69 when the server was unavailable\n"
	  "or answered \"try later\", 65 when it refused the message for good.\n"
	  "  --config FILE  podiumd's INI file (required)",
	  cmd_mail_test },
	{ "mail", "receive", "< MESSAGE",
	  "Reads one calendar reply (RFC 5322, e.g. from a Postfix pipe) on\n"
	  "standard input and records the invitee's answer (accepted, declined,\n"
	  "tentative) when its reply tag and UID match an invitation.  Prints\n"
	  "applied, ignored or listed and why.  Exit status 0 applied or\n"
	  "ignored, 65 unreadable, 75 try again later.  The reply tags are\n"
	  "checked with the database's answer-link key.", cmd_mail_receive },
	{ "mail", "replies", "[--all]",
	  "Lists the calendar replies that need the organizer: answers from\n"
	  "someone the invitation did not go to, and delegations.  --all lists\n"
	  "every reply received, with what became of it.", cmd_mail_replies },
	{ "backup", NULL, "FILE",
	  "Writes a clean, consistent copy of the database to FILE (VACUUM\n"
	  "INTO, replaced atomically), also while podiumd runs.", cmd_backup },
	{ "restore", NULL, "FILE",
	  "Replaces the database's contents with the backup FILE, after\n"
	  "checking it (65 when FILE is not an intact podium database); an\n"
	  "older schema is migrated.  Safe while podiumd runs; mail planned\n"
	  "after the backup was taken is planned again.  People forgotten\n"
	  "since (the erasure journal) are erased again, and it says how many.",
	  cmd_restore },
	{ "user", "add", "EMAIL [--name N] [--lang de|en] --password-stdin",
	  "Adds an organizer account for podiumd's web pages; the password\n"
	  "(at least 8 characters) is the first line of standard input.",
	  cmd_user_add },
	{ "user", "list", "", "Lists the organizer accounts.", cmd_user_list },
	{ "user", "passwd", "EMAIL --password-stdin",
	  "Sets a new password (from standard input); the account's\n"
	  "sessions end.", cmd_user_passwd },
	{ "user", "remove", "EMAIL",
	  "Removes an organizer account and its sessions.", cmd_user_remove },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

/* The one context; global so that the exits can close the database. */
static struct cli cli;

static void
print_usage(FILE *f, const struct cmd_entry *e, const char *lead)
{
	fprintf(f, "%spodium %s%s%s%s%s\n", lead, e->noun,
	    e->verb != NULL ? " " : "", e->verb != NULL ? e->verb : "",
	    e->usage[0] != '\0' ? " " : "", e->usage);
}

/* Usage of every command, or of those of one noun. */
static void
print_usages(FILE *f, const char *noun)
{
	size_t i;

	if (noun == NULL)
		fprintf(f, "usage: podium [--config FILE] [--db FILE] [--json] COMMAND ...\n"
		    "  --config FILE  podiumd's INI ($PODIUM_CONFIG): its database\n"
		    "                 and base_url\n"
		    "  --db FILE  the database (default $PODIUM_DB or "
		    "./" DEFAULT_DB ")\n"
		    "  --json     machine-readable output\n"
		    "  --help     this text; after a command, its own help\n"
		    "commands:\n");
	else
		fprintf(f, "usage:\n");
	for (i = 0; i < NCMDS; i++) {
		if (noun != NULL && strcmp(cmds[i].noun, noun) != 0)
			continue;
		print_usage(f, &cmds[i], "  ");
	}
}

static void
close_store(void)
{
	pd_store_close(cli.st);
	cli.st = NULL;
}

static void
vmessage(const char *field, const char *fmt, va_list ap)
{
	fputs("podium: ", stderr);
	if (field != NULL)
		fprintf(stderr, "%s: ", field);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
cli_usage_error(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(NULL, fmt, ap);
	va_end(ap);
	if (c != NULL && c->cmd != NULL)
		print_usage(stderr, c->cmd, "usage: ");
	close_store();
	exit(EX_USAGE);
}

void
cli_data_error(const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(field, fmt, ap);
	va_end(ap);
	close_store();
	exit(EX_DATAERR);
}

void
cli_fatal(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(NULL, fmt, ap);
	va_end(ap);
	close_store();
	exit(status);
}

int
cli_exit_status(int rc)
{
	switch (rc) {
	case PD_OK:
		return EX_OK;
	case PD_EINVAL:
	case PD_ENOTFOUND:
	case PD_EEXIST:
	case PD_EPARSE:
	case PD_ETOOBIG:
		return EX_DATAERR;
	case PD_EDB:
	case PD_ENET:
		return EX_UNAVAILABLE;
	case PD_ENOMEM:
		return EX_OSERR;
	case PD_EIO:
		return EX_IOERR;
	default:
		return EX_SOFTWARE;
	}
}

/*
 * The library's messages mostly name their field already ("start: ...");
 * the field is added only where it does not.
 */
void
cli_error_exit(int rc, const struct pd_error *err, const char *field)
{
	const char *msg = err != NULL ? err->msg : NULL;
	size_t flen;

	if (err != NULL && err->field != NULL)
		field = err->field;
	if (msg == NULL)
		msg = pd_strerror(rc);
	flen = field != NULL ? strlen(field) : 0;
	if (field != NULL && !(strncmp(msg, field, flen) == 0 &&
	    msg[flen] == ':'))
		fprintf(stderr, "podium: %s: %s\n", field, msg);
	else
		fprintf(stderr, "podium: %s\n", msg);
	close_store();
	exit(cli_exit_status(rc));
}

void
cli_store_error(struct cli *c, int rc, const char *field)
{
	cli_error_exit(rc, c->st != NULL ? pd_store_error(c->st) : NULL, field);
}

void *
cli_calloc(size_t n, size_t size)
{
	void *p;

	if ((p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL)
		cli_fatal(EX_OSERR, "out of memory");
	return p;
}

char *
cli_strdup(const char *s)
{
	char *p;

	if (s == NULL)
		return NULL;
	if ((p = strdup(s)) == NULL)
		cli_fatal(EX_OSERR, "out of memory");
	return p;
}

int
cli_getopt(struct cli *c, int argc, char **argv, const char *shortopts,
    const struct option *longopts)
{
	int ch;

	for (;;) {
		ch = getopt_long(argc, argv, shortopts, longopts, NULL);
		switch (ch) {
		case CLI_OPT_HELP:
			print_usage(stdout, c->cmd, "usage: ");
			if (c->cmd->help != NULL)
				printf("\n%s\n", c->cmd->help);
			close_store();
			exit(EX_OK);
		case CLI_OPT_JSON:
			c->json = 1;
			continue;
		case '?':
		case ':':
			/* getopt has said what was wrong. */
			print_usage(stderr, c->cmd, "usage: ");
			close_store();
			exit(EX_USAGE);
		default:
			return ch;
		}
	}
}

struct pd_store *
cli_store(struct cli *c)
{
	struct pd_error err = { 0, NULL, NULL };
	int64_t now;
	int rc;

	if (c->st != NULL)
		return c->st;
	now = cli_now();	/* a bad PODIUM_NOW is named first */
	/*
	 * Only init makes a database: any other command on a missing file
	 * is a mistake (a wrong folder, a wrong --config), and a fresh empty
	 * database made on the side would hide it.
	 */
	if (strcmp(c->cmd->noun, "init") != 0 && access(c->db_path, F_OK) != 0) {
		fprintf(stderr, "podium: database %s does not exist (create it "
		    "with podium init, or give --db or --config)\n", c->db_path);
		exit(EX_UNAVAILABLE);
	}
	if ((rc = pd_store_open(c->db_path, now, &c->st, &err)) !=
	    PD_OK) {
		/* The store's message names the file already. */
		if (err.msg != NULL)
			fprintf(stderr, "podium: %s\n", err.msg);
		else
			fprintf(stderr, "podium: %s: cannot open the "
			    "database: %s\n", c->db_path, pd_strerror(rc));
		pd_error_clear(&err);
		exit(rc == PD_ENOMEM ? EX_OSERR : EX_UNAVAILABLE);
	}
	pd_error_clear(&err);
	return c->st;
}

struct pd_event *
cli_event_get(struct cli *c, const char *key)
{
	struct pd_event *ev = NULL;
	int rc;

	rc = pd_store_event_get(cli_store(c), key, &ev);
	if (rc == PD_ENOTFOUND)
		cli_data_error("event", "no event with id or UID '%s'", key);
	if (rc != PD_OK)
		cli_store_error(c, rc, "event");
	return ev;
}

void
cli_person_find(struct cli *c, const char *key, const char *field,
    struct pd_person *out)
{
	int rc;

	rc = pd_store_person_find(cli_store(c), key, out);
	if (rc == PD_ENOTFOUND)
		cli_data_error(field, "no person with id, e-mail or name '%s'",
		    key);
	if (rc != PD_OK)
		cli_store_error(c, rc, field);
}

int64_t
cli_parse_id(const char *s, const char *field)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v <= 0)
		cli_data_error(field, "'%s' is not an id", s);
	return (int64_t)v;
}

static const struct cmd_entry *
find_cmd(const char *noun, const char *verb)
{
	size_t i;

	for (i = 0; i < NCMDS; i++) {
		if (strcmp(cmds[i].noun, noun) != 0)
			continue;
		if (cmds[i].verb == NULL ||
		    (verb != NULL && strcmp(cmds[i].verb, verb) == 0))
			return &cmds[i];
	}
	return NULL;
}

static int
noun_known(const char *noun)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i].noun, noun) == 0)
			return 1;
	return 0;
}

/*
 * The config file when neither --db nor --config (nor PODIUM_DB or
 * PODIUM_CONFIG) names one: podiumd's, where an install put it and this
 * user may read it, so that "sudo -u podium podium event list" works on
 * the daemon's database with its base URL and key.  NULL: none, the
 * defaults (./podium.db) hold.
 */
static const char *
default_config(void)
{
	return access(SYSTEM_CONFIG, R_OK) == 0 ? SYSTEM_CONFIG : NULL;
}

static int
is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct pd_config cfg;
	struct pd_error cerr = { 0, NULL, NULL };
	int db_given = 0, have_cfg = 0;
	const struct cmd_entry *e;
	const char *noun, *verb, *env;
	char *base = NULL, *name;
	size_t len;
	int ch, status;

	cli.db_path = (env = getenv("PODIUM_DB")) != NULL && *env != '\0' ?
	    env : DEFAULT_DB;
	db_given = env != NULL && *env != '\0';
	if ((env = getenv("PODIUM_CONFIG")) != NULL && *env != '\0')
		cli.config = env;
	/* "+": options after the command belong to the command. */
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			cli.db_path = optarg;
			db_given = 1;
			break;
		case 'j':
			cli.json = 1;
			break;
		case 'c':
			cli.config = optarg;
			break;
		case 'h':
			print_usages(stdout, NULL);
			return EX_OK;
		default:
			print_usages(stderr, NULL);
			return EX_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "podium: no command given\n");
		print_usages(stderr, NULL);
		return EX_USAGE;
	}
	noun = argv[optind];
	if (!noun_known(noun)) {
		fprintf(stderr, "podium: unknown command '%s'\n", noun);
		print_usages(stderr, NULL);
		return EX_USAGE;
	}
	verb = optind + 1 < argc ? argv[optind + 1] : NULL;
	if ((e = find_cmd(noun, NULL)) == NULL) {
		if (verb != NULL && is_help(verb)) {
			print_usages(stdout, noun);
			return EX_OK;
		}
		if ((e = find_cmd(noun, verb)) == NULL) {
			if (verb == NULL)
				fprintf(stderr, "podium: %s: what to do?\n",
				    noun);
			else
				fprintf(stderr, "podium: %s: unknown command "
				    "'%s'\n", noun, verb);
			print_usages(stderr, noun);
			return EX_USAGE;
		}
		optind++;
	}
	cli.cmd = e;
	if (cli.config == NULL && !db_given)
		cli.config = default_config();
	cli.db_given = db_given;

	/*
	 * With podiumd's config file the CLI works on the daemon's database,
	 * prints its base URL and signs answer links with its key, so that
	 * they work there; the environment and --db still win.
	 */
	if (pd_config_defaults(&cfg) != PD_OK) {
		fprintf(stderr, "podium: out of memory\n");
		return EX_OSERR;
	}
	cli.cfg = &cfg;
	if (cli.config != NULL) {
		if (pd_config_load(&cfg, cli.config, &cerr) != PD_OK) {
			fprintf(stderr, "podium: --config: %s\n", cerr.msg != NULL ?
			    cerr.msg : "out of memory");
			pd_error_clear(&cerr);
			pd_config_clear(&cfg);
			return EX_USAGE;
		}
		have_cfg = 1;
		if (!db_given)
			cli.db_path = cfg.store_path;
	}
	env = getenv("PODIUM_BASE_URL");
	cli.base_url_env = env != NULL && *env != '\0';
	base = cli_strdup(env != NULL && *env != '\0' ? env : have_cfg ?
	    cfg.base_url : DEFAULT_BASE);
	len = strlen(base);
	while (len > 0 && base[len - 1] == '/')
		base[--len] = '\0';
	cli.base_url = base;

	pd_ical_init();
	/* optind 0 makes glibc start afresh for the command's options. */
	argc -= optind;
	argv += optind;
	/* getopt names argv[0] in its messages: "podium event add: ...". */
	len = strlen(e->noun) + (e->verb != NULL ? strlen(e->verb) : 0) + 9;
	name = cli_calloc(1, len);
	snprintf(name, len, "podium %s%s%s", e->noun, e->verb != NULL ?
	    " " : "", e->verb != NULL ? e->verb : "");
	argv[0] = name;
	optind = 0;
	status = e->exec(&cli, argc, argv);
	close_store();
	free(name);
	free(base);
	free(cli.base_url_db);
	pd_config_clear(&cfg);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "podium: cannot write the output: %s\n",
		    strerror(errno));
		return EX_IOERR;
	}
	return status;
}
