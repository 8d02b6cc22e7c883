/*
 * podium import FILE.ics... | podium export [...]
 *
 * Import streams every file, a few components at a time, into one store
 * transaction, so that a file of any size goes in with the memory of its
 * largest event, and a bad file, or a bad event in a good file, changes
 * nothing.  Export renders what the
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
#include "podium/feed.h"
#include "podium/ical.h"
#include "podium/model.h"
#include "podium/schedule.h"
#include "podium/store.h"

#include "cli.h"
#include "output.h"

/*
 * One input file, read by the streamed parser: the descriptor, the
 * bytes read so far and the file's size (0 for a pipe), for progress.
 */
struct source {
	const char *path;
	int fd;
	uintmax_t done, size;
	int errno_read;		/* a read error, for the message */
};

static int
read_source(void *ctx, char *buf, size_t cap, size_t *n)
{
	struct source *src = ctx;
	ssize_t r;

	do
		r = read(src->fd, buf, cap);
	while (r == -1 && errno == EINTR);
	if (r == -1) {
		src->errno_read = errno;
		return PD_EIO;
	}
	src->done += (uintmax_t)r;
	*n = (size_t)r;
	return PD_OK;
}

/*
 * "podium: importing  42% (12345 events)" on a terminal, by bytes read,
 * redrawn when the percentage changes; nothing when stderr is a file or
 * a pipe (scripts, cron).
 */
struct apply {
	struct pd_import *im;
	const struct source *src;
	int tty;
	int last;		/* the percentage shown; -1: none yet */
	size_t events;
	int store_failed;	/* the error is the store's, not the file's */
};

static void
show_progress(struct apply *a)
{
	int pct;

	if (!a->tty || a->src->size == 0)
		return;
	pct = (int)(a->src->done * 100 / a->src->size);
	if (pct > 100)
		pct = 100;
	if (pct == a->last)
		return;
	a->last = pct;
	fprintf(stderr, "\rpodium: importing %s %3d%% (%zu events)",
	    a->src->path, pct, a->events);
	fflush(stderr);
}

static int
apply_chunk(void *ctx, const struct pd_calendar *cal)
{
	struct apply *a = ctx;
	int rc;

	if ((rc = pd_store_import_add(a->im, cal, NULL, NULL)) != PD_OK) {
		a->store_failed = 1;
		return rc;
	}
	a->events += cal->nevents;
	show_progress(a);
	return PD_OK;
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

/* Opens path ("-": stdin) for reading; exits 65 when it cannot. */
static void
open_source(const char *path, struct source *src)
{
	struct stat sb;

	memset(src, 0, sizeof(*src));
	src->path = path;
	if (strcmp(path, "-") == 0)
		src->fd = STDIN_FILENO;
	else if ((src->fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		cli_data_error(path, "cannot open: %s", strerror(errno));
	if (fstat(src->fd, &sb) == 0 && S_ISDIR(sb.st_mode))
		cli_data_error(path, "is a directory, not an .ics file");
	if (fstat(src->fd, &sb) == 0 && S_ISREG(sb.st_mode))
		src->size = (uintmax_t)sb.st_size;
}

/*
 * Every file is read as a stream, a few components at a time, into one
 * write transaction: memory follows the largest event, not the file, and
 * a file that is bad anywhere (or a later file) rolls everything back.
 */
int
cmd_import(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_OPTS };
	struct pd_import_stats stats;
	struct pd_error err = { 0, NULL, NULL };
	struct source src;
	struct apply a;
	int i, rc;

	while (cli_getopt(c, argc, argv, "", opts) != -1)
		;
	if (optind >= argc)
		cli_usage_error(c, "FILE.ics is missing");
	memset(&a, 0, sizeof(a));
	a.tty = isatty(STDERR_FILENO);
	a.last = -1;
	a.src = &src;
	if ((rc = pd_store_import_begin(cli_store(c), &a.im)) != PD_OK)
		import_fail("import", rc, pd_store_error(c->st));
	for (i = optind; i < argc; i++) {
		open_source(argv[i], &src);
		a.last = -1;
		rc = pd_ical_parse_stream(read_source, &src, apply_chunk, &a,
		    &err);
		if (src.fd != STDIN_FILENO)
			close(src.fd);
		if (rc != PD_OK) {
			if (a.tty && a.last >= 0)
				fputs("\r\033[K", stderr);
			pd_store_import_end(a.im, rc, NULL);
			if (src.errno_read != 0)
				cli_data_error(argv[i], "cannot read: %s",
				    strerror(src.errno_read));
			import_fail(argv[i], rc, a.store_failed ?
			    pd_store_error(c->st) : &err);
		}
	}
	rc = pd_store_import_end(a.im, PD_OK, &stats);
	if (a.tty && a.last >= 0)
		fputs("\r\033[K", stderr);	/* the line goes; the result stays */
	if (rc != PD_OK)
		/* The commit or a late check failed: no file to blame. */
		import_fail(argc - optind == 1 ? argv[optind] : "import", rc,
		    pd_store_error(c->st));
	if (c->json) {
		out_json(json_pack("{s:I, s:I, s:I, s:I, s:I}",
		    "events", (json_int_t)(stats.created + stats.updated),
		    "created", (json_int_t)stats.created,
		    "updated", (json_int_t)stats.updated,
		    "people_created", (json_int_t)stats.people_created,
		    "people_suppressed", (json_int_t)stats.people_suppressed));
		return EX_OK;
	}
	printf("imported %zu events (%zu created, %zu updated)\n",
	    stats.created + stats.updated, stats.created, stats.updated);
	if (stats.people_suppressed > 0)
		printf("%zu forgotten person(s) the file names stayed "
		    "forgotten\n", stats.people_suppressed);
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
 * Replacing path atomically: FILE.tmp is written (atomic_open), then
 * fsynced and renamed over path, and the folder fsynced (atomic_commit),
 * so that after a crash there is the old file or the new one.  The
 * organizers' full export holds e-mail addresses and is made 0600.
 */
static int
atomic_open(const char *path, int public, char **tmp)
{
	struct pd_buf b = PD_BUF_INIT;
	int fd, saved;

	pd_buf_addf(&b, "%s.tmp", path);
	if ((*tmp = pd_buf_detach(&b, NULL)) == NULL)
		cli_fatal(EX_OSERR, "out of memory");
	fd = open(*tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    public ? 0644 : 0600);
	if (fd == -1) {
		saved = errno;
		free(*tmp);
		cli_fatal(EX_CANTCREAT, "%s: cannot create: %s", path,
		    strerror(saved));
	}
	return fd;
}

/* Gives up the temporary of a failed write. */
static void
atomic_abandon(char *tmp, int fd)
{
	close(fd);
	unlink(tmp);
	free(tmp);
}

static void
atomic_commit(const char *path, char *tmp, int fd)
{
	char *dir, *slash;
	int dfd, saved;

	if (fsync(fd) != 0) {
		saved = errno;
		atomic_abandon(tmp, fd);
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

static void
write_atomic(const char *path, const char *data, size_t len, int public)
{
	char *tmp;
	int fd = atomic_open(path, public, &tmp), saved;

	if (write_all(fd, data, len) != 0) {
		saved = errno;
		atomic_abandon(tmp, fd);
		cli_fatal(EX_IOERR, "%s: cannot write: %s", path,
		    strerror(saved));
	}
	atomic_commit(path, tmp, fd);
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
	struct pd_feed_row *rows = NULL;
	struct pd_store *st;
	struct pd_person p;
	char *tmp = NULL;
	size_t nrows = 0;
	int ch, rc, public = 0, nfilter = 0, fd = STDOUT_FILENO;

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

	/*
	 * One snapshot; the events are loaded and rendered a batch at a
	 * time and the text written as one (pd_feed_write).
	 */
	st = cli_store(c);
	if ((rc = pd_store_snapshot_begin(st)) == PD_OK &&
	    (rc = pd_store_feed_index(st, &f, 0, &cal, &rows, &nrows)) !=
	    PD_OK)
		pd_store_snapshot_end(st);
	if (rc == PD_ENOTFOUND && group != NULL)
		cli_data_error("group", "no group with slug '%s' (see podium "
		    "group list)", group);
	if (rc == PD_ENOTFOUND && topic != NULL)
		cli_data_error("topic", "no topic with slug '%s' (see podium "
		    "topic list)", topic);
	if (rc != PD_OK)
		cli_store_error(c, rc, NULL);
	if (out != NULL)
		fd = atomic_open(out, public, &tmp);
	else
		fflush(stdout);
	rc = pd_feed_write(st, cal, rows, nrows, &ro, fd, &err);
	pd_store_snapshot_end(st);
	pd_calendar_free(cal);
	free(rows);
	if (rc != PD_OK) {
		if (out != NULL)
			atomic_abandon(tmp, fd);
		cli_error_exit(rc, &err, "export");
	}
	if (out != NULL)
		atomic_commit(out, tmp, fd);
	return EX_OK;
}
