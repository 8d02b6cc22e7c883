/*
 * What the commands of the podium tool share: the command table entry,
 * the run-time context, option parsing and the ways to fail.
 *
 * Exit statuses follow sysexits(3) as the spec asks: 64 wrong usage, 65
 * bad data (including "not found"), 69 when the database cannot be used.
 * The cli_*_error() functions print one line to stderr and exit; they
 * exist only here in cmd/, the library never exits.
 */
#ifndef PODIUM_CLI_H
#define PODIUM_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "podium/model.h"
#include "podium/store.h"

struct cli;

/* One command: "podium NOUN [VERB] ARGS"; tmux's struct cmd_entry. */
struct cmd_entry {
	const char *noun;
	const char *verb;	/* NULL: the noun is the whole command */
	const char *usage;	/* what follows "podium NOUN VERB" */
	const char *help;	/* the rest of --help; NULL: none */
	/* argv[0] is the verb (or the noun); returns the exit status. */
	int (*exec)(struct cli *, int, char **);
};

struct pd_config;

struct cli {
	const char *db_path;
	int db_given;		/* by --db or $PODIUM_DB, not a default */
	int json;		/* --json: machine-readable output */
	/*
	 * The base URL of printed links: use cli_base_url().  base_url is
	 * $PODIUM_BASE_URL (base_url_env set), else --config's base_url or
	 * the default, which the one podiumd recorded in the database
	 * (base_url_db, owned) beats.  No trailing '/'.
	 */
	const char *base_url;
	int base_url_env;
	char *base_url_db;
	const char *config;	/* --config / $PODIUM_CONFIG: podiumd's INI */
	/* That file as main read it, else podiumd's defaults; main's. */
	const struct pd_config *cfg;
	const struct cmd_entry *cmd;	/* the command that runs */
	struct pd_store *st;	/* opened on first use by cli_store() */
};

/* Long options every command takes; end a longopts array with these. */
#define CLI_OPT_HELP	0x100
#define CLI_OPT_JSON	0x101
#define CLI_COMMON_OPTS \
	{ "help", no_argument, NULL, CLI_OPT_HELP }, \
	{ "json", no_argument, NULL, CLI_OPT_JSON }, \
	{ NULL, 0, NULL, 0 }

/*
 * getopt_long for a command: handles --help (usage to stdout, exit 0),
 * --json and unknown options (usage to stderr, exit 64) itself and
 * returns the other option characters, -1 at the end.
 */
int cli_getopt(struct cli *c, int argc, char **argv, const char *shortopts,
    const struct option *longopts);

/* Prints "podium: MESSAGE" and the command's usage to stderr, exits 64. */
void cli_usage_error(struct cli *c, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));
/* Prints "podium: FIELD: MESSAGE" to stderr and exits 65. */
void cli_data_error(const char *field, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));
/* Prints "podium: MESSAGE" to stderr and exits with status. */
void cli_fatal(int status, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));
/*
 * Reports a failed library call: the message kept on the store (prefixed
 * with field when the message does not name one already) and the exit
 * status that matches rc.
 */
void cli_store_error(struct cli *c, int rc, const char *field)
    __attribute__((noreturn));
void cli_error_exit(int rc, const struct pd_error *err, const char *field)
    __attribute__((noreturn));
/* The exit status for a library error code. */
int cli_exit_status(int rc);

/* Opens the database on first use (69 when it cannot be opened). */
struct pd_store *cli_store(struct cli *c);

/* Lookups that fail with 65 and a message naming field. */
struct pd_event *cli_event_get(struct cli *c, const char *key);
void cli_person_find(struct cli *c, const char *key, const char *field,
    struct pd_person *out);
int64_t cli_parse_id(const char *s, const char *field);

/* Memory that cannot fail: out of memory ends the program (71). */
void *cli_calloc(size_t n, size_t size);
char *cli_strdup(const char *s);

/*
 * The base URL for printed links (feed.c): $PODIUM_BASE_URL, else the
 * one podiumd recorded in the database, else --config's, else the
 * default.
 */
const char *cli_base_url(struct cli *c);
/*
 * BASE/calendars/KIND/NAME.ics and its webcal:// twin (feed.c); the
 * caller frees both.
 */
void cli_feed_url(struct cli *c, const char *kind, const char *name,
    char **http, char **webcal);

/* Times (when.c). */
int64_t cli_now(void);
/* "2021-02-04T08:00:00Z" (UTC), or "-" for t <= 0 (mail.c). */
void cli_utc_text(int64_t t, char out[24]);
void cli_date_add(const char *date, int days, char out[11]);
int cli_parse_duration(const char *s, int64_t *seconds);
int cli_parse_hhmm(const char *s, char out[6]);
void cli_when(const struct pd_event *ev, char *out, size_t size);

/* The commands, one file per noun. */
int cmd_init(struct cli *, int, char **);
int cmd_import(struct cli *, int, char **);
int cmd_export(struct cli *, int, char **);
int cmd_event_add(struct cli *, int, char **);
int cmd_event_list(struct cli *, int, char **);
int cmd_event_show(struct cli *, int, char **);
int cmd_event_move(struct cli *, int, char **);
int cmd_event_cancel(struct cli *, int, char **);
int cmd_event_edit(struct cli *, int, char **);
int cmd_agenda_add(struct cli *, int, char **);
int cmd_person_add(struct cli *, int, char **);
int cmd_person_edit(struct cli *, int, char **);
int cmd_person_list(struct cli *, int, char **);
int cmd_person_forget(struct cli *, int, char **);
int cmd_person_export(struct cli *, int, char **);
/*
 * The answer-link key kept in the database (podiumd's): 1 when loaded,
 * 0 when the database has none yet (none is made here); exits when the
 * database cannot be read.
 */
int cli_key_load(struct cli *c, unsigned char key[32]);
int cmd_group_list(struct cli *, int, char **);
int cmd_group_edit(struct cli *, int, char **);
int cmd_topic_list(struct cli *, int, char **);
int cmd_talk_add(struct cli *, int, char **);
int cmd_talk_confirm(struct cli *, int, char **);
int cmd_talk_decline(struct cli *, int, char **);
int cmd_talk_link(struct cli *, int, char **);
int cmd_attend(struct cli *, int, char **);
int cmd_feed_url(struct cli *, int, char **);
int cmd_feed_revoke(struct cli *, int, char **);
int cmd_mail_list(struct cli *, int, char **);
int cmd_mail_retry(struct cli *, int, char **);
int cmd_mail_test(struct cli *, int, char **);
int cmd_mail_receive(struct cli *, int, char **);
int cmd_mail_replies(struct cli *, int, char **);
int cmd_backup(struct cli *, int, char **);
int cmd_restore(struct cli *, int, char **);
int cmd_user_add(struct cli *, int, char **);
int cmd_user_list(struct cli *, int, char **);
int cmd_user_passwd(struct cli *, int, char **);
int cmd_user_remove(struct cli *, int, char **);

#endif
