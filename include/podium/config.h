/*
 * podiumd's configuration: the INI file of the spec, every key optional.
 *
 * Sections and keys are those of SPEC.md ("[http] listen = ...").  An
 * unknown section or key is an error that names it and its line, so a
 * typo never silently falls back to a default.
 */
#ifndef PODIUM_CONFIG_H
#define PODIUM_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "podium/err.h"

enum pd_starttls {
	PD_STARTTLS_NO,
	PD_STARTTLS_TRY,
	PD_STARTTLS_REQUIRED
};

struct pd_config {
	char *store_path;		/* [store] path */
	char *listen;			/* [http] listen, "ADDR:PORT" */
	char *base_url;			/* [http] base_url, no trailing '/' */
	char *api_token_file;		/* [http] api_token_file */
	long max_connections;		/* [http] max_connections */
	long per_ip_connections;	/* [http] per_ip_connections */
	long timeout;			/* [http] timeout, seconds */
	long max_body;			/* [http] max_body, bytes */
	char *smtp_url;			/* [mail] smtp_url; NULL: spool */
	char *mail_from;		/* [mail] from */
	enum pd_starttls starttls;	/* [mail] starttls */
	char *smtp_username;		/* [mail] username */
	char *smtp_password_file;	/* [mail] password_file */
	char *spool_dir;		/* [mail] spool_dir */
	char *ca_file;			/* [mail] ca_file */
	char *reply_to;			/* [mail] reply_to: iMIP ORGANIZER */
	char *imap_url;			/* [mail] imap_url; NULL: no poller */
	char *imap_username;		/* [mail] imap_username */
	char *imap_password_file;	/* [mail] imap_password_file */
	int64_t imap_interval;		/* [mail] imap_interval, seconds */
	int64_t offsets[16];		/* [reminders] offsets, seconds, desc. */
	size_t noffsets;
	int64_t nudge;			/* [reminders] nudge, seconds */
	char *export_dir;		/* [feeds] export_dir */
	char *refresh;			/* [feeds] refresh, ISO 8601 duration */
	int64_t refresh_seconds;
	int64_t feeds_history;		/* [feeds] history, seconds; 0: all */
	char *key_file;			/* [secrets] key_file */
	int64_t mail_retention;		/* [privacy] mail_retention, seconds */
	int64_t spool_retention;	/* [privacy] spool_retention, seconds */
	int64_t session_idle;		/* [web] session_idle, seconds */
	int64_t session_max;		/* [web] session_max, seconds */
};

/* Fills cfg with the defaults of the spec. */
int pd_config_defaults(struct pd_config *cfg);

/*
 * Reads path over what cfg holds.  On a bad line: PD_EINVAL, and err says
 * "FILE:LINE: [section] key: why".  PD_EIO when the file cannot be read.
 */
int pd_config_load(struct pd_config *cfg, const char *path,
    struct pd_error *err);

/*
 * Sets one key as the file would ("http", "listen", "127.0.0.1:9090"), for
 * command-line options that beat the file.
 */
int pd_config_set(struct pd_config *cfg, const char *section,
    const char *key, const char *value, struct pd_error *err);

void pd_config_clear(struct pd_config *cfg);

/*
 * "7d", "36h", "90m", "45s", "1d12h" -> seconds.  PD_EINVAL on anything
 * else, and on 0.
 */
int pd_duration_parse(const char *s, int64_t *out);

/*
 * Reads a secret from a file: the whole file, less one trailing newline
 * (CRLF too).  Refuses files over 4 KiB.  *out is the caller's, and should
 * be wiped before it is freed.
 */
int pd_secret_read(const char *path, char **out, size_t *len,
    struct pd_error *err);

#endif
