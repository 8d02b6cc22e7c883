/*
 * podiumd: options, configuration, signals and the main loop.  The work
 * itself (feeds, API, answer pages, mail) lives in libpodium; this file
 * only wires it together and decides what is logged.
 *
 * Signals are turned into flags and acted on by the main loop, which
 * wakes four times a second to notice store changes made by other
 * processes (the CLI) so that feeds follow within a second.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "podium/answer.h"
#include "podium/config.h"
#include "podium/datadir.h"
#include "podium/feed.h"
#include "podium/http.h"
#include "podium/imap.h"
#include "podium/ical.h"
#include "podium/log.h"
#include "podium/outbox.h"
#include "podium/sched.h"
#include "podium/store.h"
#include "podium/token.h"
#include "podium/tz.h"

#define EX_USAGE 64
#define EX_UNAVAILABLE 69
#define EX_SOFTWARE 70
#define EX_TEMPFAIL 75
#define EX_CONFIG 78

/* Between mail passes when nothing wakes the scheduler earlier. */
#define SCHED_PERIOD 30

static volatile sig_atomic_t got_term, got_hup;
static int64_t fixed_now = -1;

/* The scheduler thread and what wakes it: a change, a tick, the end. */
struct runner {
	struct pd_sched *sched;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int kicked;
	volatile sig_atomic_t stop;
	/* The IMAP poller ([mail] imap_url): its options and when it is due
	 * next (monotonic seconds; 0: at once). */
	struct pd_imap_opts imap;
	struct pd_app *app;
	int64_t imap_interval, imap_due;
};

static int64_t
clock_now(void)
{
	return fixed_now >= 0 ? fixed_now : (int64_t)time(NULL);
}

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: podiumd [--config FILE] [--db FILE] [--listen ADDR:PORT]\n"
	    "               [--log FILE] [--once] [--check-config]\n"
	    "\n"
	    "Serves the iCalendar feeds, the organizer API and web pages, the\n"
	    "speaker answer pages, and runs the mail scheduler.  Options beat the\n"
	    "config file; PODIUM_NOW (RFC 3339) replaces the clock.\n");
}

static struct runner *the_runner;
static void kick(struct runner *r);

/*
 * After a write through the API or an answer page: feeds follow at once
 * and the scheduler plans right away (a new talk request goes out now,
 * not at the next tick).
 */
static void
on_changed(struct pd_app *app)
{
	struct pd_error err = { 0, NULL, NULL };

	if (pd_feeds_refresh(app->feeds, app->now(), &err) != PD_OK)
		pd_log(PD_LOG_WARN, "feeds: %s", err.msg != NULL ? err.msg :
		    "refresh failed");
	pd_error_clear(&err);
	if (the_runner != NULL)
		kick(the_runner);
}

/*
 * What the CLI takes from the database rather than from files or
 * defaults of its own (store.h): the answer-link key and the base URL
 * served here.  The key is the database's, made on first start; an
 * existing [secrets] key_file (an older podium's) is taken into the
 * database, so links already mailed keep working.  No key file is made.
 */
static int
setup_shared(const struct pd_config *cfg, struct pd_store *st,
    unsigned char key[PD_ANSWER_KEY_LEN])
{
	unsigned char file_key[PD_ANSWER_KEY_LEN];
	struct pd_error err = { 0, NULL, NULL };
	enum pd_key_source src = PD_KEY_STORED;
	int rc, have_file = 0;

	if (cfg->key_file != NULL && *cfg->key_file != '\0') {
		rc = pd_answer_key_load(cfg->key_file, file_key, &err);
		if (rc != PD_OK && rc != PD_ENOTFOUND) {
			pd_log(PD_LOG_ERROR, "key_file: %s", err.msg);
			goto out;
		}
		have_file = rc == PD_OK;
	}
	if ((rc = pd_store_answer_key_setup(st, have_file ? file_key : NULL,
	    key, &src)) != PD_OK) {
		pd_log(PD_LOG_ERROR, "answer-link key: %s",
		    pd_store_error(st)->msg);
		goto out;
	}
	if (src == PD_KEY_CREATED)
		pd_log(PD_LOG_INFO, "made the answer-link key, kept in the "
		    "database");
	else if (src == PD_KEY_ADOPTED)
		pd_log(PD_LOG_INFO, "key_file %s: its key is now kept in the "
		    "database", cfg->key_file);
	else if (src == PD_KEY_REPLACED)
		pd_log(PD_LOG_WARN, "key_file %s replaced the database's "
		    "answer-link key; links signed with that one stop working",
		    cfg->key_file);
	if ((rc = pd_store_base_url_set(st, cfg->base_url)) != PD_OK)
		pd_log(PD_LOG_ERROR, "base_url: %s", pd_store_error(st)->msg);
out:
	explicit_bzero(file_key, sizeof(file_key));
	pd_error_clear(&err);
	return rc;
}

/*
 * The API token: read from its file, or, when the file does not exist
 * yet, made and written there (0600) so that a first start needs no
 * manual step.  The token itself is never logged.
 */
static int
load_api_token(const char *path, char **tok, size_t *len)
{
	struct pd_error err = { 0, NULL, NULL };
	char fresh[PD_TOKEN_LEN + 2];
	int fd, rc;

	if (access(path, F_OK) != 0 && errno == ENOENT) {
		char *dir = strdup(path), *slash;

		/* The folder too (var/ on a first "make run"). */
		if (dir != NULL && (slash = strrchr(dir, '/')) != NULL &&
		    slash != dir) {
			*slash = '\0';
			mkdir(dir, 0700);
		}
		free(dir);
		if (pd_token_new(fresh) != PD_OK)
			return PD_EIO;
		if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600)) < 0) {
			pd_log(PD_LOG_ERROR, "%s: %s", path, strerror(errno));
			return PD_EIO;
		}
		fresh[PD_TOKEN_LEN] = '\n';
		if (write(fd, fresh, PD_TOKEN_LEN + 1) < 0 || close(fd) != 0) {
			pd_log(PD_LOG_ERROR, "%s: %s", path, strerror(errno));
			return PD_EIO;
		}
		explicit_bzero(fresh, sizeof(fresh));
		pd_log(PD_LOG_INFO, "created API token in %s", path);
	}
	if ((rc = pd_secret_read(path, tok, len, &err)) != PD_OK)
		pd_log(PD_LOG_ERROR, "api_token_file: %s", err.msg);
	pd_error_clear(&err);
	return rc;
}

static void
print_feeds(const struct pd_config *cfg, struct pd_store *st)
{
	struct pd_group *groups = NULL;
	struct pd_topic *topics = NULL;
	size_t ng = 0, nt = 0, i;
	const char *base = cfg->base_url;
	const char *rest = strncmp(base, "https://", 8) == 0 ? base + 8 :
	    strncmp(base, "http://", 7) == 0 ? base + 7 : base;

	pd_log(PD_LOG_INFO, "feed %s/calendars/all.ics (webcal://%s/calendars/all.ics)",
	    base, rest);
	if (pd_store_group_list(st, &groups, &ng) == PD_OK)
		for (i = 0; i < ng; i++)
			pd_log(PD_LOG_INFO, "feed %s/calendars/group/%s.ics",
			    base, groups[i].slug);
	if (pd_store_topic_list(st, &topics, &nt) == PD_OK)
		for (i = 0; i < nt; i++)
			pd_log(PD_LOG_INFO, "feed %s/calendars/topic/%s.ics",
			    base, topics[i].slug);
	pd_group_list_free(groups, ng);
	pd_topic_list_free(topics, nt);
}

/*
 * With no organizer account yet, a newcomer needs a way in: a one-time
 * link, printed to the terminal (stdout, not the log, which may be a
 * file others read) and good for a day.
 */
static void
print_setup(struct pd_app *app)
{
	char *url = NULL;

	if (pd_web_setup_link(app, &url) != PD_OK || url == NULL)
		return;
	printf("\npodiumd: no organizer account yet.  Open this link within "
	    "24 hours to create\nthe first one and log in (it works once):\n"
	    "\n    %s\n\n(or: podium user add EMAIL --password-stdin; then "
	    "log in at %s/login)\n\n", url, app->cfg->base_url);
	fflush(stdout);
	free(url);
}

static void
log_stats(const struct pd_sched_stats *st)
{
	if (st->planned + st->sent + st->retry + st->failed + st->dead +
	    st->recovered == 0)
		return;
	pd_log(PD_LOG_INFO, "mail: %zu planned, %zu sent, %zu to retry, "
	    "%zu failed, %zu dead, %zu recovered", st->planned, st->sent,
	    st->retry, st->failed, st->dead, st->recovered);
}

/* One scheduler pass: plan what is due, then deliver the outbox. */
static int
mail_pass(struct pd_sched *sched, const volatile sig_atomic_t *stop)
{
	struct pd_sched_stats stats;
	struct pd_error err = { 0, NULL, NULL };
	int64_t now = clock_now();
	int rc;

	memset(&stats, 0, sizeof(stats));
	if ((rc = pd_sched_plan(sched, now, &stats, &err)) != PD_OK)
		pd_log(PD_LOG_ERROR, "mail planner: %s", err.msg != NULL ?
		    err.msg : pd_strerror(rc));
	pd_error_clear(&err);
	if ((rc = pd_sched_deliver(sched, now, stop, &stats, &err)) != PD_OK)
		pd_log(PD_LOG_ERROR, "mail delivery: %s", err.msg != NULL ?
		    err.msg : pd_strerror(rc));
	pd_error_clear(&err);
	log_stats(&stats);
	return rc;
}

/* One IMAP pass when it is due: calendar replies into the store. */
static void
imap_pass(struct runner *r)
{
	struct pd_imap_stats st;
	struct pd_error err = { 0, NULL, NULL };
	struct timespec mono;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	if (r->imap.url == NULL || (int64_t)mono.tv_sec < r->imap_due)
		return;
	r->imap_due = (int64_t)mono.tv_sec + r->imap_interval;
	if (pd_imap_poll(&r->imap, r->app->st, &r->app->lock, r->app->key,
	    clock_now(), &st, &err) != PD_OK)
		pd_log(PD_LOG_WARN, "%s", err.msg != NULL ? err.msg :
		    "imap: poll failed");
	else if (st.fetched + st.unreadable > 0)
		pd_log(PD_LOG_INFO, "imap: %zu replies: %zu applied, %zu "
		    "ignored, %zu listed, %zu unreadable", st.fetched +
		    st.unreadable, st.applied, st.ignored, st.listed,
		    st.unreadable);
	pd_error_clear(&err);
}

static void *
run_sched(void *arg)
{
	struct runner *r = arg;
	struct timespec until;

	while (!r->stop) {
		imap_pass(r);
		mail_pass(r->sched, &r->stop);
		pthread_mutex_lock(&r->lock);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += SCHED_PERIOD;
		while (!r->kicked && !r->stop &&
		    pthread_cond_timedwait(&r->wake, &r->lock, &until) == 0)
			;
		r->kicked = 0;
		pthread_mutex_unlock(&r->lock);
	}
	return NULL;
}

static void
kick(struct runner *r)
{
	pthread_mutex_lock(&r->lock);
	r->kicked = 1;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "log", required_argument, NULL, 'L' },
		{ "once", no_argument, NULL, 'o' },
		{ "check-config", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct pd_config cfg;
	struct pd_error err = { 0, NULL, NULL };
	struct pd_feeds_opts fo;
	struct pd_http_server *srv = NULL;
	struct pd_sched_stats stats;
	struct runner runner;
	pthread_t sched_thread;
	struct pd_app app;
	char *password = NULL, *imap_password = NULL;
	size_t pwlen = 0, imap_pwlen = 0;
	int64_t rev = -1, seen = -1, backlog = 0, oldest = 0, retrying = 0;
	int thread_started = 0;
	struct sigaction sa;
	const char *config = NULL, *db = NULL, *listen = NULL, *logfile = NULL;
	const char *env;
	int once = 0, check = 0, c, rc, status = EX_SOFTWARE;

	memset(&app, 0, sizeof(app));
	memset(&runner, 0, sizeof(runner));
	pthread_mutex_init(&runner.lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&runner.wake, &ca);
		pthread_condattr_destroy(&ca);
	}
	while ((c = getopt_long(argc, argv, "c:d:l:L:onh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'd': db = optarg; break;
		case 'l': listen = optarg; break;
		case 'L': logfile = optarg; break;
		case 'o': once = 1; break;
		case 'n': check = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EX_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if ((env = getenv("PODIUM_NOW")) != NULL &&
	    pd_tz_parse_rfc3339(env, &fixed_now) != PD_OK) {
		fprintf(stderr, "podiumd: PODIUM_NOW: '%s' is not an RFC 3339 "
		    "time\n", env);
		return EX_USAGE;
	}
	if (pd_log_open(logfile, PD_LOG_INFO) != PD_OK) {
		fprintf(stderr, "podiumd: --log %s: %s\n", logfile,
		    strerror(errno));
		return EX_USAGE;
	}
	if (pd_config_defaults(&cfg) != PD_OK)
		return EX_SOFTWARE;
	if ((config != NULL && pd_config_load(&cfg, config, &err) != PD_OK) ||
	    (db != NULL && pd_config_set(&cfg, "store", "path", db,
	    &err) != PD_OK) ||
	    (listen != NULL && pd_config_set(&cfg, "http", "listen", listen,
	    &err) != PD_OK)) {
		fprintf(stderr, "podiumd: %s\n", err.msg);
		status = EX_CONFIG;
		goto out;
	}
	/*
	 * Links in feeds listings and mails must point where we listen:
	 * without a configured base_url, --listen decides it.
	 */
	if (listen != NULL && strcmp(cfg.base_url, "http://127.0.0.1:8080") == 0) {
		char url[300];

		snprintf(url, sizeof(url), "http://%s", cfg.listen);
		pd_config_set(&cfg, "http", "base_url", url, NULL);
	}
	if (check) {
		printf("podiumd: configuration ok%s%s\n",
		    config != NULL ? ": " : "", config != NULL ? config : "");
		status = 0;
		goto out;
	}
	pd_ical_init();
	app.cfg = &cfg;
	app.now = clock_now;
	app.changed = on_changed;
	pthread_mutex_init(&app.lock, NULL);
	if (pd_store_open(cfg.store_path, clock_now(), &app.st, &err) != PD_OK) {
		pd_log(PD_LOG_ERROR, "store %s: %s", cfg.store_path,
		    err.msg != NULL ? err.msg : "cannot open");
		status = EX_UNAVAILABLE;
		goto out;
	}
	if (setup_shared(&cfg, app.st, app.key) != PD_OK) {
		status = EX_CONFIG;
		goto out;
	}
	/* A single mail pass (--once) serves no API: no token to make. */
	if (!once && cfg.api_token_file != NULL &&
	    load_api_token(cfg.api_token_file,
	    &app.api_token, &app.api_token_len) != PD_OK) {
		status = EX_CONFIG;
		goto out;
	}
	memset(&fo, 0, sizeof(fo));
	fo.name = "SMARTCity Gera";
	fo.refresh = cfg.refresh;
	fo.refresh_seconds = cfg.refresh_seconds;
	fo.export_dir = cfg.export_dir;
	fo.base_url = cfg.base_url;
	if (pd_feeds_new(app.st, &app.lock, &fo, &app.feeds) != PD_OK)
		goto out;
	pd_feeds_set_history(app.feeds, cfg.feeds_history);
	if ((rc = pd_feeds_refresh(app.feeds, clock_now(), &err)) != PD_OK)
		pd_log(PD_LOG_WARN, "feeds: %s", err.msg != NULL ? err.msg :
		    pd_strerror(rc));
	if (cfg.smtp_password_file != NULL && pd_secret_read(
	    cfg.smtp_password_file, &password, &pwlen, &err) != PD_OK) {
		pd_log(PD_LOG_ERROR, "password_file: %s", err.msg);
		status = EX_CONFIG;
		goto out;
	}
	if (cfg.imap_password_file != NULL && pd_secret_read(
	    cfg.imap_password_file, &imap_password, &imap_pwlen, &err) != PD_OK) {
		pd_log(PD_LOG_ERROR, "imap_password_file: %s", err.msg);
		status = EX_CONFIG;
		goto out;
	}
	runner.app = &app;
	runner.imap.url = cfg.imap_url;
	runner.imap.username = cfg.imap_username;
	runner.imap.password = imap_password;
	runner.imap.ca_file = cfg.ca_file;
	runner.imap_interval = cfg.imap_interval;
	if (cfg.imap_url != NULL)
		pd_log(PD_LOG_INFO, "imap: calendar replies from %s every "
		    "%llds", cfg.imap_url, (long long)cfg.imap_interval);
	if (pd_sched_new(app.st, &app.lock, &cfg, app.key, password,
	    &runner.sched) != PD_OK)
		goto out;
	memset(&stats, 0, sizeof(stats));
	if (pd_sched_recover(runner.sched, &stats, &err) != PD_OK) {
		pd_log(PD_LOG_ERROR, "outbox: %s", err.msg);
		status = EX_UNAVAILABLE;
		goto out;
	}
	if (stats.recovered > 0)
		pd_log(PD_LOG_WARN, "outbox: %zu message(s) were being sent when "
		    "podiumd stopped; they go out again", stats.recovered);
	if (cfg.smtp_url == NULL)
		pd_log(PD_LOG_INFO, "mail: no smtp_url, writing .eml files to "
		    "%s", cfg.spool_dir);
	if (once) {
		/* 0: nothing due is left undelivered; 75: some wait for a retry. */
		imap_pass(&runner);
		mail_pass(runner.sched, NULL);
		pthread_mutex_lock(&app.lock);
		rc = pd_store_outbox_backlog(app.st, &backlog, &oldest,
		    &retrying);
		pthread_mutex_unlock(&app.lock);
		status = rc != PD_OK ? EX_UNAVAILABLE : backlog > 0 ?
		    EX_TEMPFAIL : 0;
		goto out;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/*
	 * Each connection is a descriptor: the usual soft limit of 1024
	 * would let max_connections idle clients starve everyone else.
	 */
	{
		struct rlimit rl;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	if (pd_http_start(&app, &srv, &err) != PD_OK) {
		pd_log(PD_LOG_ERROR, "http: %s", err.msg);
		status = EX_UNAVAILABLE;
		goto out;
	}
	pd_log(PD_LOG_INFO, "listening on %s (port %d), database %s",
	    cfg.listen, pd_http_port(srv), cfg.store_path);
	/* Which copy of the texts is used: the question after an upgrade. */
	pd_log(PD_LOG_INFO, "templates in %s/templates", pd_datadir());
	if (app.api_token != NULL)
		pd_log(PD_LOG_INFO, "organizer API: %s/api/ with the bearer "
		    "token in %s", cfg.base_url, cfg.api_token_file);
	print_setup(&app);
	pthread_mutex_lock(&app.lock);
	print_feeds(&cfg, app.st);
	pd_store_revision(app.st, &seen);
	pthread_mutex_unlock(&app.lock);
	the_runner = &runner;
	if (pthread_create(&sched_thread, NULL, run_sched, &runner) != 0) {
		pd_log(PD_LOG_ERROR, "cannot start the mail scheduler");
		goto out;
	}
	thread_started = 1;

	/*
	 * Other processes (the CLI) write to the same file: look at the
	 * revision four times a second, so feeds and mail follow within a
	 * second.
	 */
	while (!got_term) {
		poll(NULL, 0, 250);
		if (got_hup) {
			got_hup = 0;
			if (pd_log_reopen() != PD_OK)
				fprintf(stderr, "podiumd: cannot reopen log\n");
			pd_log(PD_LOG_INFO, "reopened the log");
		}
		pthread_mutex_lock(&app.lock);
		rc = pd_store_revision(app.st, &rev);
		pthread_mutex_unlock(&app.lock);
		if (rc == PD_OK && rev != seen) {
			seen = rev;
			on_changed(&app);
		}
	}
	pd_log(PD_LOG_INFO, "stopping");
	status = 0;
out:
	/* Stop taking requests first, then let the mail in flight finish. */
	pd_http_stop(srv);
	if (thread_started) {
		runner.stop = 1;
		kick(&runner);
		pthread_join(sched_thread, NULL);
	}
	the_runner = NULL;
	pd_sched_free(runner.sched);
	if (password != NULL) {
		explicit_bzero(password, pwlen);
		free(password);
	}
	if (imap_password != NULL) {
		explicit_bzero(imap_password, imap_pwlen);
		free(imap_password);
	}
	pd_feeds_free(app.feeds);
	pd_store_close(app.st);
	if (app.api_token != NULL) {
		explicit_bzero(app.api_token, app.api_token_len);
		free(app.api_token);
	}
	explicit_bzero(app.key, sizeof(app.key));
	pd_config_clear(&cfg);
	pd_error_clear(&err);
	return status;
}
