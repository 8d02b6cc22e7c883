/*
 * podium import FILE.ics... | podium export [...]
 *
 * Import reads and parses every file before it touches the database and
 * then applies them all in one store transaction, so that a bad file, or
 * a bad event in a good file, changes nothing.  Export renders what the
 * store selects and, with -o, replaces the file atomically (write a
 * temporary, fsync, rename), so that a web server or a sync job never
 * sees half a calendar.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "podium/buf.h"
#include "podium/ical.h"
#include "podium/model.h"
#include "podium/schedule.h"
#include "podium/store.h"

#include "cli.h"
#include "output.h"

/* No calendar of a city's programme comes near this; a mistake would. */
#define MAX_ICS		(32u * 1024 * 1024)

/*
 * Reads a whole file ("-": stdin) into b, at most MAX_ICS bytes.  The
 * size is checked before reading where the file has one, and while
 * reading for pipes.
 */
static void
read_file(const char *path, struct pd_buf *b)
{
	char chunk[65536];
	struct stat sb;
	ssize_t n;
	int fd, rc = PD_OK;

	pd_buf_init(b, MAX_ICS);
	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		cli_data_error(path, "cannot open: %s", strerror(errno));
	if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode))
		cli_data_error(path, "is a directory, not an .ics file");
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (uintmax_t)sb.st_size > MAX_ICS)
		cli_data_error(path, "%jd bytes is more than the 32 MiB "
		    "an import may have", (intmax_t)sb.st_size);
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			pd_buf_free(b);
			cli_data_error(path, "cannot read: %s",
			    strerror(errno));
		}
		if (n == 0)
			break;
		if ((rc = pd_buf_add(b, chunk, (size_t)n)) != PD_OK)
			break;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	if (rc == PD_ETOOBIG)
		cli_data_error(path, "more than the 32 MiB an import may have");
	if (rc != PD_OK)
		cli_fatal(EX_OSERR, "out of memory");
}

/*
 * Moves the events and groups of src to the end of dst's and frees src:
 * the store imports one calendar, and several files go in one go.
 */
static void
merge(struct pd_calendar *dst, struct pd_calendar *src)
{
	struct pd_event *ev;
	struct pd_group *g;

	ev = realloc(dst->events, (dst->nevents + src->nevents + 1) *
	    sizeof(*ev));
	if (ev == NULL)
		cli_fatal(EX_OSERR, "out of memory");
	dst->events = ev;
	if (src->nevents > 0)
		memcpy(dst->events + dst->nevents, src->events,
		    src->nevents * sizeof(*ev));
	dst->nevents += src->nevents;
	g = realloc(dst->groups, (dst->ngroups + src->ngroups + 1) *
	    sizeof(*g));
	if (g == NULL)
		cli_fatal(EX_OSERR, "out of memory");
	dst->groups = g;
	if (src->ngroups > 0)
		memcpy(dst->groups + dst->ngroups, src->groups,
		    src->ngroups * sizeof(*g));
	dst->ngroups += src->ngroups;
	/* The parts now belong to dst; only the arrays go. */
	src->nevents = 0;
	src->ngroups = 0;
	pd_calendar_free(src);
}

/*
 * "podium: FILE: MESSAGE": the parser's message names the line and the
 * field, the file is named here.
 */
static void __attribute__((noreturn))
import_fail(const char *what, int rc, const struct pd_error *err)
{
	fprintf(stderr, "podium: %s: %s\n", what,
	    err != NULL && err->msg != NULL ? err->msg : pd_strerror(rc));
	cli_fatal(cli_exit_status(rc), "%s: nothing was imported", what);
}

/*
 * "podium: importing  42%" on a terminal, redrawn when the percentage
 * changes; nothing when stderr is a file or a pipe (scripts, cron).
 */
struct progress {
	int last;		/* the percentage shown; -1: none yet */
};

static void
show_progress(void *ctx, size_t done, size_t total)
{
	struct progress *p = ctx;
	int pct = total > 0 ? (int)(done * 100 / total) : 100;

	if (pct == p->last)
		return;
	p->last = pct;
	fprintf(stderr, "\rpodium: importing %3d%% (%zu of %zu events)", pct,
	    done, total);
	fflush(stderr);
}

int
cmd_import(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTS };
	struct pd_calendar *all, *cal;
	struct pd_import_stats stats;
	struct pd_error err = { 0, NULL, NULL };
	struct progress prog = { -1 };
	struct pd_buf b;
	int i, rc, tty;

	while (cli_getopt(c, argc, argv, "", opts) != -1)
		;
	if (optind >= argc)
		cli_usage_error(c, "FILE.ics is missing");
	all = cli_calloc(1, sizeof(*all));
	for (i = optind; i < argc; i++) {
		read_file(argv[i], &b);
		cal = NULL;
		rc = pd_ical_parse(b.data != NULL ? b.data : "", b.len, &cal,
		    &err);
		pd_buf_free(&b);
		if (rc != PD_OK) {
			pd_calendar_free(all);
			import_fail(argv[i], rc, &err);
		}
		merge(all, cal);
	}
	memset(&stats, 0, sizeof(stats));
	tty = isatty(STDERR_FILENO);
	rc = pd_store_import_progress(cli_store(c), all, &stats,
	    tty ? show_progress : NULL, &prog);
	if (tty && prog.last >= 0)
		fputs("\r\033[K", stderr);	/* the line goes; the result stays */
	if (rc != PD_OK) {
		pd_calendar_free(all);
		/* The store cannot tell which file; with one file we can. */
		import_fail(argc - optind == 1 ? argv[optind] : "import", rc,
		    pd_store_error(c->st));
	}
	pd_calendar_free(all);
	if (c->json)
		out_json(json_pack("{s:I, s:I, s:I, s:I}",
		    "events", (json_int_t)(stats.created + stats.updated),
		    "created", (json_int_t)stats.created,
		    "updated", (json_int_t)stats.updated,
		    "people_created", (json_int_t)stats.people_created));
	else
		printf("imported %zu events (%zu created, %zu updated)\n",
		    stats.created + stats.updated, stats.created,
		    stats.updated);
	return EX_OK;
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Replaces path with the data: FILE.tmp, fsync, rename, fsync of the
 * folder, so that after a crash there is the old file or the new one.
 * The organizers' full export holds e-mail addresses and is made 0600.
 */
static void
write_atomic(const char *path, const char *data, size_t len, int public)
{
	struct pd_buf b = PD_BUF_INIT;
	char *tmp, *dir, *slash;
	int fd, dfd, saved;

	pd_buf_addf(&b, "%s.tmp", path);
	if ((tmp = pd_buf_detach(&b, NULL)) == NULL)
		cli_fatal(EX_OSERR, "out of memory");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    public ? 0644 : 0600);
	if (fd == -1) {
		saved = errno;
		free(tmp);
		cli_fatal(EX_CANTCREAT, "%s: cannot create: %s", path,
		    strerror(saved));
	}
	if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		free(tmp);
		cli_fatal(EX_IOERR, "%s: cannot write: %s", path,
		    strerror(saved));
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		saved = errno;
		unlink(tmp);
		free(tmp);
		cli_fatal(EX_IOERR, "%s: cannot write: %s", path,
		    strerror(saved));
	}
	free(tmp);
	/* The rename itself is durable only once the folder is synced. */
	dir = cli_strdup(path);
	if ((slash = strrchr(dir, '/')) != NULL)
		slash[slash == dir ? 1 : 0] = '\0';
	if ((dfd = open(slash != NULL ? dir : ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	free(dir);
}

/*
 * export --format schedule-xml|schedule-json: the conference schedule,
 * which is public data only (no addresses), of everything or one group.
 */
static int
export_schedule(struct cli *c, const char *format, const char *group,
    int other_filter, const char *out)
{
	struct pd_schedule_opts so = { "SMARTCity Gera", c->base_url, NULL,
	    NULL };
	struct pd_error err = { 0, NULL, NULL };
	enum pd_schedule_format fmt;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (strcmp(format, "schedule-xml") == 0)
		fmt = PD_SCHEDULE_XML;
	else if (strcmp(format, "schedule-json") == 0)
		fmt = PD_SCHEDULE_JSON;
	else
		cli_usage_error(c, "--format: '%s' is not ical, schedule-xml "
		    "or schedule-json", format);
	if (other_filter)
		cli_usage_error(c, "--format %s: a schedule is of everything "
		    "or of one --group", format);
	rc = pd_schedule_make(cli_store(c), group, fmt, &so, &text, &len,
	    &err);
	if (rc == PD_ENOTFOUND && group != NULL)
		cli_data_error("group", "no group with slug '%s' (see podium "
		    "group list)", group);
	if (rc == PD_EDB)
		cli_store_error(c, rc, NULL);
	if (rc != PD_OK)
		cli_error_exit(rc, &err, "export");
	if (out != NULL)
		write_atomic(out, text, len, 1);
	else
		fwrite(text, 1, len, stdout);
	free(text);
	return EX_OK;
}

int
cmd_export(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "public", no_argument, NULL, 'p' },
		{ "group", required_argument, NULL, 'g' },
		{ "topic", required_argument, NULL, 't' },
		{ "person", required_argument, NULL, 'P' },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		CLI_COMMON_OPTS
	};
	const char *group = NULL, *topic = NULL, *person = NULL, *out = NULL;
	const char *format = NULL;
	struct pd_render_opts ro;
	struct pd_error err = { 0, NULL, NULL };
	struct pd_filter f = { PD_FILTER_ALL, NULL, 0 };
	struct pd_calendar *cal = NULL;
	struct pd_person p;
	char *text = NULL;
	size_t len = 0;
	int ch, rc, public = 0, nfilter = 0;

	/* Zeroed: fields added to the options later keep their default. */
	memset(&ro, 0, sizeof(ro));
	ro.privacy = PD_PRIVACY_FULL;
	while ((ch = cli_getopt(c, argc, argv, "o:", opts)) != -1) {
		switch (ch) {
		case 'p': public = 1; break;
		case 'g': group = optarg; nfilter++; break;
		case 't': topic = optarg; nfilter++; break;
		case 'P': person = optarg; nfilter++; break;
		case 'o': out = optarg; break;
		case 'f': format = optarg; break;
		}
	}
	if (optind < argc)
		cli_usage_error(c, "unexpected argument '%s'", argv[optind]);
	if (nfilter > 1)
		cli_usage_error(c, "give one of --group, --topic, --person");
	if (format != NULL && strcmp(format, "ical") != 0)
		return export_schedule(c, format, group, topic != NULL ||
		    person != NULL, out);
	if (group != NULL) {
		f.kind = PD_FILTER_GROUP;
		f.value = group;
	} else if (topic != NULL) {
		f.kind = PD_FILTER_TOPIC;
		f.value = topic;
	} else if (person != NULL) {
		memset(&p, 0, sizeof(p));
		cli_person_find(c, person, "person", &p);
		f.kind = PD_FILTER_PERSON;
		f.person_id = p.id;
		ro.privacy = PD_PRIVACY_PERSON;
		ro.privacy_person_id = p.id;
		pd_person_clear(&p);
	}
	if (public)
		ro.privacy = PD_PRIVACY_PUBLIC;

	rc = pd_store_calendar(cli_store(c), &f, &cal);
	if (rc == PD_ENOTFOUND && group != NULL)
		cli_data_error("group", "no group with slug '%s' (see podium "
		    "group list)", group);
	if (rc == PD_ENOTFOUND && topic != NULL)
		cli_data_error("topic", "no topic with slug '%s' (see podium "
		    "topic list)", topic);
	if (rc != PD_OK)
		cli_store_error(c, rc, NULL);
	rc = pd_ical_render(cal, &ro, &text, &len, &err);
	pd_calendar_free(cal);
	if (rc != PD_OK)
		cli_error_exit(rc, &err, "export");
	if (out != NULL)
		write_atomic(out, text, len, public);
	else
		fwrite(text, 1, len, stdout);
	free(text);
	return EX_OK;
}
