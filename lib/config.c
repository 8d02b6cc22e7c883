/*
 * The INI configuration (config.h), parsed by inih.  A table maps each
 * section/key to a parser and a field, so the list of keys lives in one
 * place and --check-config can name every mistake.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "podium/buf.h"
#include "podium/config.h"

enum kind { K_STR, K_LONG, K_STARTTLS, K_OFFSETS, K_DURATION, K_ISODUR };

struct key {
	const char *section;
	const char *name;
	enum kind kind;
	size_t off;
};

#define F(f) offsetof(struct pd_config, f)

static const struct key keys[] = {
	{ "store", "path", K_STR, F(store_path) },
	{ "http", "listen", K_STR, F(listen) },
	{ "http", "base_url", K_STR, F(base_url) },
	{ "http", "api_token_file", K_STR, F(api_token_file) },
	{ "http", "max_connections", K_LONG, F(max_connections) },
	{ "http", "per_ip_connections", K_LONG, F(per_ip_connections) },
	{ "http", "timeout", K_LONG, F(timeout) },
	{ "http", "max_body", K_LONG, F(max_body) },
	{ "mail", "smtp_url", K_STR, F(smtp_url) },
	{ "mail", "from", K_STR, F(mail_from) },
	{ "mail", "starttls", K_STARTTLS, F(starttls) },
	{ "mail", "username", K_STR, F(smtp_username) },
	{ "mail", "password_file", K_STR, F(smtp_password_file) },
	{ "mail", "spool_dir", K_STR, F(spool_dir) },
	{ "mail", "ca_file", K_STR, F(ca_file) },
	{ "mail", "reply_to", K_STR, F(reply_to) },
	{ "mail", "imap_url", K_STR, F(imap_url) },
	{ "mail", "imap_username", K_STR, F(imap_username) },
	{ "mail", "imap_password_file", K_STR, F(imap_password_file) },
	{ "mail", "imap_interval", K_DURATION, F(imap_interval) },
	{ "reminders", "offsets", K_OFFSETS, F(offsets) },
	{ "reminders", "nudge", K_DURATION, F(nudge) },
	{ "feeds", "export_dir", K_STR, F(export_dir) },
	{ "feeds", "refresh", K_ISODUR, F(refresh) },
	{ "feeds", "history", K_DURATION, F(feeds_history) },
	{ "secrets", "key_file", K_STR, F(key_file) },
	{ "privacy", "mail_retention", K_DURATION, F(mail_retention) },
	{ "privacy", "spool_retention", K_DURATION, F(spool_retention) },
	{ "web", "session_idle", K_DURATION, F(session_idle) },
	{ "web", "session_max", K_DURATION, F(session_max) },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int
set_str(char **dst, const char *v)
{
	char *s = NULL;

	/* An empty value means "unset", as "smtp_url =" in the spec. */
	if (*v != '\0' && (s = strdup(v)) == NULL)
		return PD_ENOMEM;
	free(*dst);
	*dst = s;
	return PD_OK;
}

int
pd_config_defaults(struct pd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_connections = 1024;
	cfg->per_ip_connections = 0;
	cfg->timeout = 30;
	cfg->max_body = 1024 * 1024;
	cfg->starttls = PD_STARTTLS_TRY;
	cfg->offsets[0] = 7 * 86400;
	cfg->offsets[1] = 86400;
	cfg->noffsets = 2;
	cfg->nudge = 4 * 86400;
	cfg->imap_interval = 120;
	cfg->session_idle = 8 * 3600;
	cfg->session_max = 7 * 86400;
	cfg->refresh_seconds = 3600;
	cfg->mail_retention = 30 * 86400;
	cfg->spool_retention = 30 * 86400;
	if (set_str(&cfg->store_path, "podium.db") != PD_OK ||
	    set_str(&cfg->listen, "127.0.0.1:8080") != PD_OK ||
	    set_str(&cfg->base_url, "http://127.0.0.1:8080") != PD_OK ||
	    set_str(&cfg->mail_from,
	    "SMARTCity Gera <smartcity@example.org>") != PD_OK ||
	    set_str(&cfg->spool_dir, "var/mail") != PD_OK ||
	    set_str(&cfg->refresh, "PT1H") != PD_OK ||
	    set_str(&cfg->key_file, "var/secret.key") != PD_OK ||
	    set_str(&cfg->api_token_file, "var/api-token") != PD_OK) {
		pd_config_clear(cfg);
		return PD_ENOMEM;
	}
	return PD_OK;
}

void
pd_config_clear(struct pd_config *cfg)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		if (keys[i].kind == K_STR || keys[i].kind == K_ISODUR) {
			char **p = (char **)(void *)((char *)cfg + keys[i].off);

			free(*p);
			*p = NULL;
		}
	}
}

int
pd_duration_parse(const char *s, int64_t *out)
{
	int64_t total = 0, n, unit;
	const char *p = s;
	char *end;
	int parts = 0;

	if (s == NULL)
		return PD_EINVAL;
	while (isspace((unsigned char)*p))
		p++;
	while (*p != '\0' && !isspace((unsigned char)*p)) {
		if (!isdigit((unsigned char)*p))
			return PD_EINVAL;
		errno = 0;
		n = strtoll(p, &end, 10);
		if (errno != 0 || n > 100000)
			return PD_EINVAL;
		switch (*end) {
		case 'd': unit = 86400; break;
		case 'h': unit = 3600; break;
		case 'm': unit = 60; break;
		case 's': unit = 1; break;
		default: return PD_EINVAL;
		}
		total += n * unit;
		p = end + 1;
		parts++;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (parts == 0 || *p != '\0' || total <= 0)
		return PD_EINVAL;
	*out = total;
	return PD_OK;
}

/* The subset of ISO 8601 durations feeds use: PnD, PTnH, PTnM, PTnS... */
static int
isodur_parse(const char *s, int64_t *out)
{
	int64_t total = 0, n;
	const char *p = s;
	char *end;
	int t = 0;

	if (*p++ != 'P' || *p == '\0')
		return PD_EINVAL;
	while (*p != '\0') {
		if (*p == 'T' && !t) {
			t = 1;
			p++;
			continue;
		}
		if (!isdigit((unsigned char)*p))
			return PD_EINVAL;
		errno = 0;
		n = strtoll(p, &end, 10);
		if (errno != 0 || n > 1000000)
			return PD_EINVAL;
		if (!t && *end == 'W') n *= 7 * 86400;
		else if (!t && *end == 'D') n *= 86400;
		else if (t && *end == 'H') n *= 3600;
		else if (t && *end == 'M') n *= 60;
		else if (t && *end == 'S') ;
		else return PD_EINVAL;
		total += n;
		p = end + 1;
	}
	if (total <= 0)
		return PD_EINVAL;
	*out = total;
	return PD_OK;
}

static int
set_offsets(struct pd_config *cfg, const char *v)
{
	int64_t offs[16], d, tmp;
	size_t n = 0, i, j;
	char *copy, *tok, *save = NULL;
	int rc = PD_OK;

	if ((copy = strdup(v)) == NULL)
		return PD_ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (n == 16 || pd_duration_parse(tok, &d) != PD_OK) {
			rc = PD_EINVAL;
			break;
		}
		offs[n++] = d;
	}
	free(copy);
	if (rc != PD_OK)
		return rc;
	/* Largest first: the planner walks them from far to near. */
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (offs[j] > offs[i]) {
				tmp = offs[i];
				offs[i] = offs[j];
				offs[j] = tmp;
			}
	memcpy(cfg->offsets, offs, n * sizeof(offs[0]));
	cfg->noffsets = n;
	return PD_OK;
}

int
pd_config_set(struct pd_config *cfg, const char *section, const char *key,
    const char *value, struct pd_error *err)
{
	const struct key *k = NULL;
	void *field;
	char *end;
	long l;
	int64_t d;
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].section, section) == 0 &&
		    strcmp(keys[i].name, key) == 0) {
			k = &keys[i];
			break;
		}
	}
	if (k == NULL)
		return pd_error_set(err, PD_EINVAL, key,
		    "[%s] %s: unknown key", section, key);
	field = (char *)cfg + k->off;
	switch (k->kind) {
	case K_STR:
		if (strpbrk(value, "\r\n") != NULL)
			goto bad;
		/* reply_to becomes local+TAG@domain: a bare address only. */
		if (k->off == F(reply_to) && *value != '\0' &&
		    (strpbrk(value, " \t<>\"(),;:") != NULL ||
		    strchr(value, '@') == NULL || *value == '@' ||
		    strchr(value, '@')[1] == '\0' ||
		    strchr(value, '@') != strrchr(value, '@')))
			goto bad;
		return set_str(field, value);
	case K_LONG:
		errno = 0;
		l = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' || l < 0)
			goto bad;
		*(long *)field = l;
		return PD_OK;
	case K_STARTTLS:
		if (strcmp(value, "no") == 0)
			cfg->starttls = PD_STARTTLS_NO;
		else if (strcmp(value, "try") == 0)
			cfg->starttls = PD_STARTTLS_TRY;
		else if (strcmp(value, "required") == 0)
			cfg->starttls = PD_STARTTLS_REQUIRED;
		else
			goto bad;
		return PD_OK;
	case K_OFFSETS:
		if (set_offsets(cfg, value) != PD_OK)
			goto bad;
		return PD_OK;
	case K_DURATION:
		if (pd_duration_parse(value, &d) != PD_OK)
			goto bad;
		*(int64_t *)field = d;
		return PD_OK;
	case K_ISODUR:
		if (isodur_parse(value, &d) != PD_OK)
			goto bad;
		cfg->refresh_seconds = d;
		return set_str(field, value);
	}
bad:
	return pd_error_set(err, PD_EINVAL, key, "[%s] %s: bad value '%s'",
	    section, key, value);
}

struct load_ctx {
	struct pd_config *cfg;
	int rc;			/* of the first bad key */
	struct pd_error first;
};

/*
 * Debian's inih calls handlers without a line number; ini_parse_file()
 * returns the line of the first handler that said no, which is the line
 * of the first bad key since we stop trying after it.
 */
static int
handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct load_ctx *ctx = user;
	int rc;

	if (ctx->rc != PD_OK)
		return 1;
	if ((rc = pd_config_set(ctx->cfg, section, name, value,
	    &ctx->first)) != PD_OK) {
		ctx->rc = rc;
		return 0;
	}
	return 1;
}

int
pd_config_load(struct pd_config *cfg, const char *path, struct pd_error *err)
{
	struct load_ctx ctx = { cfg, PD_OK, { 0, NULL, NULL } };
	FILE *f;
	int line, rc;

	if ((f = fopen(path, "r")) == NULL)
		return pd_error_set(err, PD_EIO, "config", "%s: %s", path,
		    strerror(errno));
	line = ini_parse_file(f, handler, &ctx);
	fclose(f);
	if (ctx.rc != PD_OK) {
		rc = pd_error_set(err, ctx.rc, ctx.first.field, "%s:%d: %s",
		    path, line, ctx.first.msg != NULL ? ctx.first.msg :
		    pd_strerror(ctx.rc));
		pd_error_clear(&ctx.first);
		return rc;
	}
	if (line != 0)
		return pd_error_set(err, PD_EINVAL, "config",
		    "%s:%d: not a 'key = value' line or '[section]'", path,
		    line);
	return PD_OK;
}

int
pd_secret_read(const char *path, char **out, size_t *len,
    struct pd_error *err)
{
	char buf[4097];
	ssize_t n;
	size_t got = 0;
	int fd;
	char *s;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return pd_error_set(err, PD_EIO, "secret", "%s: %s", path,
		    strerror(errno));
	while (got < sizeof(buf) &&
	    (n = read(fd, buf + got, sizeof(buf) - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (got == sizeof(buf))
		return pd_error_set(err, PD_ETOOBIG, "secret",
		    "%s: over 4 KiB, not a secret", path);
	if (got > 0 && buf[got - 1] == '\n')
		got--;
	if (got > 0 && buf[got - 1] == '\r')
		got--;
	if (got == 0)
		return pd_error_set(err, PD_EINVAL, "secret", "%s: empty",
		    path);
	if ((s = malloc(got + 1)) == NULL)
		return PD_ENOMEM;
	memcpy(s, buf, got);
	s[got] = '\0';
	explicit_bzero(buf, sizeof(buf));
	*out = s;
	*len = got;
	return PD_OK;
}
