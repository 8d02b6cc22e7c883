/*
 * Unit tests of lib/smtp.c against a real SMTP server: tests/smtpd.py
 * (aiosmtpd), started by each test on 127.0.0.1 with a port of its own
 * choosing and a fresh temporary folder, and killed in the teardown.
 *
 * The server stores what it accepted byte for byte (msg-NNNN.eml), the
 * envelope and whether TLS and AUTH were used (msg-NNNN.json), and one
 * line per connection (sessions.log), so the tests check what really
 * went over the wire: the bytes, the connection count, the TLS state.
 * Failures are injected by the server's options (451, 550, a dropped
 * connection, a stall), never by mocking libcurl.
 *
 * The retry loops here are the tests' own and are bounded; the real
 * dispatcher with its backoff is tested elsewhere.  PODIUM_SRC_DIR (set
 * by ctest) says where tests/smtpd.py is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "podium/buf.h"
#include "podium/smtp.h"

#define PYTHON		"/usr/bin/python3"
#define FROM		"smartcity@example.org"
#define RCPT		"speaker@example.org"
#define PASSWORD	"s3cret-Pa55"
/* How long a server may take to listen (the TLS key is made first). */
#define START_TRIES	400	/* x 50 ms = 20 s */
#define STOP_TRIES	100	/* x 50 ms = 5 s */

struct fix {
	char *dir;	/* the server's folder, removed in teardown */
	pid_t pid;	/* the server, -1 when none runs */
	long port;
	char *url;	/* smtp://127.0.0.1:PORT */
};

static void
nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* DIR/name, to be freed by the caller. */
static char *
path_in(const char *dir, const char *name)
{
	struct pd_buf b = PD_BUF_INIT;
	char *p;

	pd_buf_init(&b, PATH_MAX);
	pd_buf_addf(&b, "%s/%s", dir, name);
	p = pd_buf_detach(&b, NULL);
	assert_non_null(p);
	return p;
}

/* The whole file, NUL-terminated, or NULL when it does not exist. */
static char *
slurp(const char *dir, const char *name, size_t *lenp)
{
	char *path = path_in(dir, name);
	struct pd_buf b = PD_BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f;
	char *data = NULL;

	pd_buf_init(&b, 16 * 1024 * 1024);
	if ((f = fopen(path, "rb")) == NULL)
		goto out;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		pd_buf_add(&b, chunk, n);
	assert_false(ferror(f));
	fclose(f);
	data = pd_buf_detach(&b, lenp);
	assert_non_null(data);
out:
	pd_buf_free(&b);
	free(path);
	return data;
}

static int
exists(const char *dir, const char *name)
{
	char *path = path_in(dir, name);
	int ok = access(path, F_OK) == 0;

	free(path);
	return ok;
}

static size_t
count_lines(const char *dir, const char *name)
{
	size_t len = 0, n = 0, i;
	char *s = slurp(dir, name, &len);

	for (i = 0; s != NULL && i < len; i++)
		if (s[i] == '\n')
			n++;
	free(s);
	return n;
}

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	char tmpl[] = "/tmp/podium-smtp-XXXXXX";

	assert_non_null(f);
	assert_non_null(mkdtemp(tmpl));
	f->dir = strdup(tmpl);
	assert_non_null(f->dir);
	f->pid = -1;
	*state = f;
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
server_stop(struct fix *f)
{
	int i, status;

	if (f->pid <= 0)
		return;
	kill(f->pid, SIGTERM);
	for (i = 0; i < STOP_TRIES; i++) {
		if (waitpid(f->pid, &status, WNOHANG) == f->pid)
			goto out;
		nap_ms(50);
	}
	kill(f->pid, SIGKILL);
	waitpid(f->pid, &status, 0);
out:
	f->pid = -1;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	server_stop(f);
	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f->dir);
	free(f->url);
	free(f);
	return 0;
}

/*
 * Starts tests/smtpd.py with the given options (a NULL-terminated list)
 * and waits until it has written its port.  The child asks the kernel for
 * SIGTERM when the test process dies, so a crashed test leaves no server.
 */
static void
server_start(struct fix *f, ...)
{
	const char *src = getenv("PODIUM_SRC_DIR");
	const char *argv[32];
	struct pd_buf b = PD_BUF_INIT;
	char *script, *port = NULL, *end;
	size_t argc = 0;
	va_list ap;
	const char *a;
	int i, status;

	if (src == NULL)
		src = ".";
	script = path_in(src, "tests/smtpd.py");
	argv[argc++] = PYTHON;
	argv[argc++] = script;
	argv[argc++] = "--port";
	argv[argc++] = "0";
	argv[argc++] = "--dir";
	argv[argc++] = f->dir;
	argv[argc++] = "--lifetime";
	argv[argc++] = "300";
	va_start(ap, f);
	while ((a = va_arg(ap, const char *)) != NULL) {
		assert_true(argc < sizeof(argv) / sizeof(argv[0]) - 1);
		argv[argc++] = a;
	}
	va_end(ap);
	argv[argc] = NULL;

	f->pid = fork();
	assert_true(f->pid >= 0);
	if (f->pid == 0) {
		int fd = open("/dev/null", O_RDONLY);

		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (fd >= 0)
			dup2(fd, 0);
		execv(PYTHON, (char *const *)argv);
		_exit(127);
	}
	free(script);

	for (i = 0; i < START_TRIES; i++) {
		if ((port = slurp(f->dir, "port", NULL)) != NULL)
			break;
		if (waitpid(f->pid, &status, WNOHANG) == f->pid) {
			f->pid = -1;
			fail_msg("tests/smtpd.py exited before listening");
		}
		nap_ms(50);
	}
	assert_non_null(port);
	errno = 0;
	f->port = strtol(port, &end, 10);
	assert_true(errno == 0 && end != port && f->port > 0 &&
	    f->port < 65536);
	free(port);

	pd_buf_init(&b, 64);
	pd_buf_addf(&b, "smtp://127.0.0.1:%ld", f->port);
	f->url = pd_buf_detach(&b, NULL);
	assert_non_null(f->url);
}

/* A port on 127.0.0.1 that nobody listens on: bound, then closed. */
static long
closed_port(void)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

/*
 * Message n: CRLF lines, a line that starts with a dot and one that is
 * two dots, so that dot-stuffing on the way must be undone exactly.
 */
static char *
message(int n, size_t *len)
{
	struct pd_buf b = PD_BUF_INIT;
	char *m;

	pd_buf_init(&b, 0);
	pd_buf_addf(&b,
	    "From: SMARTCity Gera <" FROM ">\r\n"
	    "To: <" RCPT ">\r\n"
	    "Subject: test %d\r\n"
	    "Message-ID: <test-%d@podium.test>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "\r\n"
	    "Hello %d, Gr\xc3\xbc\xc3\x9f" "e.\r\n"
	    ".a line with a leading dot\r\n"
	    "..\r\n"
	    "end\r\n", n, n, n);
	m = pd_buf_detach(&b, len);
	assert_non_null(m);
	return m;
}

static struct pd_smtp *
client(const char *url, enum pd_starttls tls, const char *user,
    const char *pass, const char *ca, long timeout)
{
	struct pd_smtp_opts o = { url, tls, user, pass, ca, timeout };
	struct pd_smtp *s = NULL;

	assert_int_equal(pd_smtp_new(&o, &s), PD_OK);
	assert_non_null(s);
	return s;
}

/* Sends message n to RCPT; returns the result, *err the reason. */
static enum pd_smtp_result
send_n(struct pd_smtp *s, int n, char **err)
{
	const char *rcpt[] = { RCPT };
	enum pd_smtp_result r;
	size_t len;
	char *m = message(n, &len);

	r = pd_smtp_send(s, FROM, rcpt, 1, m, len, err);
	free(m);
	return r;
}

static void
assert_sent(struct pd_smtp *s, int n)
{
	char *err = NULL;
	enum pd_smtp_result r = send_n(s, n, &err);

	if (r != PD_SMTP_SENT)
		fail_msg("message %d: result %d: %s", n, (int)r,
		    err != NULL ? err : "(no message)");
	assert_null(err);
}

/* msg-NNNN.eml holds exactly message n. */
static void
assert_stored(const char *dir, int seq, int n)
{
	struct pd_buf b = PD_BUF_INIT;
	size_t len, want_len;
	char *name, *got, *want = message(n, &want_len);

	pd_buf_init(&b, 64);
	pd_buf_addf(&b, "msg-%04d.eml", seq);
	name = pd_buf_detach(&b, NULL);
	got = slurp(dir, name, &len);
	assert_non_null(got);
	assert_int_equal(len, want_len);
	assert_memory_equal(got, want, len);
	free(got);
	free(want);
	free(name);
}

/* The envelope of msg-NNNN.json; the caller json_decref()s it. */
static json_t *
envelope(const char *dir, int seq)
{
	struct pd_buf b = PD_BUF_INIT;
	json_error_t jerr;
	char *name, *path;
	json_t *j;

	pd_buf_init(&b, 64);
	pd_buf_addf(&b, "msg-%04d.json", seq);
	name = pd_buf_detach(&b, NULL);
	path = path_in(dir, name);
	j = json_load_file(path, 0, &jerr);
	if (j == NULL)
		fail_msg("%s: %s", path, jerr.text);
	free(path);
	free(name);
	return j;
}

static void
smtp_send__three_messages__one_session_byte_identical(void **state)
{
	struct fix *f = *state;
	struct pd_smtp *s;
	json_t *j;
	int n;

	server_start(f, NULL);
	s = client(f->url, PD_STARTTLS_NO, NULL, NULL, NULL, 10);
	for (n = 1; n <= 3; n++)
		assert_sent(s, n);
	for (n = 1; n <= 3; n++)
		assert_stored(f->dir, n, n);
	assert_false(exists(f->dir, "msg-0004.eml"));
	assert_int_equal(count_lines(f->dir, "sessions.log"), 1);

	j = envelope(f->dir, 3);
	assert_string_equal(json_string_value(json_object_get(j,
	    "mail_from")), FROM);
	assert_int_equal(json_array_size(json_object_get(j, "rcpt_tos")), 1);
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(j, "rcpt_tos"), 0)), RCPT);
	assert_true(json_is_false(json_object_get(j, "tls")));
	assert_true(json_is_null(json_object_get(j, "auth_user")));
	json_decref(j);
	pd_smtp_free(s);
}

static void
smtp_send__two_recipients__one_transaction_both_in_envelope(void **state)
{
	struct fix *f = *state;
	const char *rcpt[] = { RCPT, "intermediary@example.org" };
	struct pd_smtp *s;
	char *m, *err = NULL;
	size_t len;
	json_t *j;

	server_start(f, NULL);
	s = client(f->url, PD_STARTTLS_NO, NULL, NULL, NULL, 10);
	m = message(1, &len);
	assert_int_equal(pd_smtp_send(s, FROM, rcpt, 2, m, len, &err),
	    PD_SMTP_SENT);
	assert_null(err);
	j = envelope(f->dir, 1);
	assert_int_equal(json_array_size(json_object_get(j, "rcpt_tos")), 2);
	json_decref(j);
	free(m);
	pd_smtp_free(s);
}

static void
smtp_send__server_451_twice__retries_then_sends(void **state)
{
	struct fix *f = *state;
	enum pd_smtp_result got[3];
	struct pd_smtp *s;
	char *err = NULL;
	int i;

	server_start(f, "--fail-4xx", "2", NULL);
	s = client(f->url, PD_STARTTLS_NO, NULL, NULL, NULL, 10);
	/* The dispatcher's retry loop, without the backoff. */
	for (i = 0; i < 3; i++) {
		got[i] = send_n(s, 1, &err);
		if (i < 2) {
			assert_non_null(err);
			assert_non_null(strstr(err, "451"));
		}
		free(err);
		err = NULL;
	}
	assert_int_equal(got[0], PD_SMTP_TRANSIENT);
	assert_int_equal(got[1], PD_SMTP_TRANSIENT);
	assert_int_equal(got[2], PD_SMTP_SENT);
	assert_stored(f->dir, 1, 1);
	assert_false(exists(f->dir, "msg-0002.eml"));
	pd_smtp_free(s);
}

static void
smtp_send__rcpt_451__is_transient(void **state)
{
	struct fix *f = *state;
	struct pd_smtp *s;
	char *err = NULL;

	server_start(f, "--fail-4xx", "1", "--fail-at", "rcpt", NULL);
	s = client(f->url, PD_STARTTLS_NO, NULL, NULL, NULL, 10);
	assert_int_equal(send_n(s, 1, &err), PD_SMTP_TRANSIENT);
	assert_non_null(err);
	assert_non_null(strstr(err, "451"));
	free(err);
	assert_sent(s, 2);
	assert_stored(f->dir, 1, 2);
	pd_smtp_free(s);
}

static void
smtp_send__server_550__permanent(void **state)
{
	struct fix *f = *state;
	struct pd_smtp *s;
	char *err = NULL;

	server_start(f, "--reject-550", NULL);
	s = client(f->url, PD_STARTTLS_NO, NULL, NULL, NULL, 10);
	assert_int_equal(send_n(s, 1, &err), PD_SMTP_PERMANENT);
	assert_non_null(err);
	assert_non_null(strstr(err, "550"));
	assert_null(strchr(err, '\n'));
	free(err);
	assert_false(exists(f->dir, "msg-0001.eml"));
	pd_smtp_free(s);
}

static void
smtp_send__rcpt_refused_550__permanent(void **state)
{
	struct fix *f = *state;
	struct pd_smtp *s;
	char *err = NULL;

	server_start(f, "--reject-rcpt", RCPT, NULL);
	s = client(f->url, PD_STARTTLS_NO, NULL, NULL, NULL, 10);
	assert_int_equal(send_n(s, 1, &err), PD_SMTP_PERMANENT);
	assert_non_null(err);
	assert_non_null(strstr(err, "550"));
	free(err);
	assert_false(exists(f->dir, "msg-0001.eml"));
	pd_smtp_free(s);
}

/* Issue 8: a refused Cc must not keep the message from the speaker. */
static void
smtp_send__one_of_two_recipients_refused__sent_to_the_other(void **state)
{
	struct fix *f = *state;
	const char *rcpt[] = { RCPT, "intermediary@example.org" };
	struct pd_smtp *s;
	char *m, *err = NULL;
	size_t len;
	json_t *j;

	server_start(f, "--reject-rcpt", "intermediary@example.org", NULL);
	s = client(f->url, PD_STARTTLS_NO, NULL, NULL, NULL, 10);
	m = message(1, &len);
	assert_int_equal(pd_smtp_send(s, FROM, rcpt, 2, m, len, &err),
	    PD_SMTP_SENT);
	assert_null(err);
	assert_non_null(pd_smtp_refused(s));
	assert_non_null(strstr(pd_smtp_refused(s),
	    "intermediary@example.org (550"));
	assert_null(strstr(pd_smtp_refused(s), RCPT));
	j = envelope(f->dir, 1);
	assert_int_equal(json_array_size(json_object_get(j, "rcpt_tos")), 1);
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(j, "rcpt_tos"), 0)), RCPT);
	json_decref(j);
	/* The next send over the same connection starts with a clean slate. */
	assert_sent(s, 2);
	assert_null(pd_smtp_refused(s));
	free(m);
	pd_smtp_free(s);
}

static void
smtp_send__every_recipient_refused__permanent(void **state)
{
	struct fix *f = *state;
	const char *rcpt[] = { RCPT, "intermediary@example.org" };
	struct pd_smtp *s;
	char *m, *err = NULL;
	size_t len;

	server_start(f, "--reject-rcpt", "intermediary@example.org",
	    "--reject-rcpt", RCPT, NULL);
	s = client(f->url, PD_STARTTLS_NO, NULL, NULL, NULL, 10);
	m = message(1, &len);
	assert_int_equal(pd_smtp_send(s, FROM, rcpt, 2, m, len, &err),
	    PD_SMTP_PERMANENT);
	assert_non_null(err);
	assert_non_null(strstr(err, "550"));
	assert_non_null(pd_smtp_refused(s));
	assert_non_null(strstr(pd_smtp_refused(s), RCPT " (550"));
	assert_non_null(strstr(pd_smtp_refused(s), "intermediary@example.org"));
	assert_false(exists(f->dir, "msg-0001.eml"));
	free(err);
	free(m);
	pd_smtp_free(s);
}

static void
smtp_send__server_gone_after_550__transient_not_stale_550(void **state)
{
	struct fix *f = *state;
	struct pd_smtp *s;
	char *err = NULL;

	server_start(f, "--reject-550", NULL);
	s = client(f->url, PD_STARTTLS_NO, NULL, NULL, NULL, 10);
	assert_int_equal(send_n(s, 1, &err), PD_SMTP_PERMANENT);
	free(err);
	err = NULL;
	/* The 550 of the last send must not colour this one. */
	server_stop(f);
	assert_int_equal(send_n(s, 2, &err), PD_SMTP_TRANSIENT);
	assert_non_null(err);
	assert_non_null(strstr(err, "connect"));
	free(err);
	pd_smtp_free(s);
}

static void
smtp_send__no_server__transient_connect(void **state)
{
	struct pd_buf b = PD_BUF_INIT;
	struct pd_smtp *s;
	char *url, *err = NULL;

	(void)state;
	pd_buf_init(&b, 64);
	pd_buf_addf(&b, "smtp://127.0.0.1:%ld", closed_port());
	url = pd_buf_detach(&b, NULL);
	s = client(url, PD_STARTTLS_NO, NULL, NULL, NULL, 10);
	assert_int_equal(send_n(s, 1, &err), PD_SMTP_TRANSIENT);
	assert_non_null(err);
	assert_non_null(strstr(err, "connect"));
	free(err);
	pd_smtp_free(s);
	free(url);
}

static void
smtp_send__drop_mid_data__transient_then_next_sends(void **state)
{
	struct fix *f = *state;
	struct pd_smtp *s;
	char *err = NULL;

	server_start(f, "--drop-mid-data", "1", NULL);
	s = client(f->url, PD_STARTTLS_NO, NULL, NULL, NULL, 10);
	assert_int_equal(send_n(s, 1, &err), PD_SMTP_TRANSIENT);
	assert_non_null(err);
	free(err);
	assert_false(exists(f->dir, "msg-0001.eml"));
	/* The broken connection is not reused: a second session. */
	assert_sent(s, 2);
	assert_stored(f->dir, 1, 2);
	assert_int_equal(count_lines(f->dir, "sessions.log"), 2);
	pd_smtp_free(s);
}

static void
smtp_send__server_421_closes__transient_then_next_sends(void **state)
{
	struct fix *f = *state;
	struct pd_smtp *s;
	char *err = NULL;

	server_start(f, "--fail-421", "1", NULL);
	s = client(f->url, PD_STARTTLS_NO, NULL, NULL, NULL, 10);
	assert_int_equal(send_n(s, 1, &err), PD_SMTP_TRANSIENT);
	assert_non_null(err);
	assert_non_null(strstr(err, "421"));
	free(err);
	assert_sent(s, 2);
	assert_stored(f->dir, 1, 2);
	assert_int_equal(count_lines(f->dir, "sessions.log"), 2);
	pd_smtp_free(s);
}

static void
smtp_send__server_stalls__times_out_transient(void **state)
{
	struct fix *f = *state;
	struct pd_smtp *s;
	char *err = NULL;

	server_start(f, "--stall", "4", "--stall-times", "1", NULL);
	s = client(f->url, PD_STARTTLS_NO, NULL, NULL, NULL, 1);
	assert_int_equal(send_n(s, 1, &err), PD_SMTP_TRANSIENT);
	assert_non_null(err);
	assert_non_null(strstr(err, "timed out"));
	free(err);
	/*
	 * libcurl 7.88 would reuse the timed-out connection and read the
	 * server's late answer to the first message as the answer to the
	 * second; pd_smtp_send must make it connect again.
	 */
	assert_sent(s, 2);
	assert_stored(f->dir, 1, 2);
	assert_int_equal(count_lines(f->dir, "sessions.log"), 2);
	pd_smtp_free(s);
}

static char *
cafile(struct fix *f)
{
	size_t len;
	char *ca = slurp(f->dir, "cafile", &len);

	assert_non_null(ca);
	while (len > 0 && (ca[len - 1] == '\n' || ca[len - 1] == '\r'))
		ca[--len] = '\0';
	return ca;
}

static void
smtp_send__starttls_required_and_offered__sends_over_tls(void **state)
{
	struct fix *f = *state;
	struct pd_smtp *s;
	char *ca;
	json_t *j;

	server_start(f, "--starttls", NULL);
	ca = cafile(f);
	s = client(f->url, PD_STARTTLS_REQUIRED, NULL, NULL, ca, 10);
	assert_sent(s, 1);
	assert_sent(s, 2);
	assert_stored(f->dir, 2, 2);
	j = envelope(f->dir, 1);
	assert_true(json_is_true(json_object_get(j, "tls")));
	json_decref(j);
	/* The TLS connection is reused like a plain one. */
	assert_int_equal(count_lines(f->dir, "sessions.log"), 1);
	pd_smtp_free(s);
	free(ca);
}

static void
smtp_send__starttls_required_not_offered__transient_unsent(void **state)
{
	struct fix *f = *state;
	struct pd_smtp *s;
	char *err = NULL;

	server_start(f, NULL);
	s = client(f->url, PD_STARTTLS_REQUIRED, NULL, NULL, NULL, 10);
	assert_int_equal(send_n(s, 1, &err), PD_SMTP_TRANSIENT);
	assert_non_null(err);
	assert_non_null(strstr(err, "STARTTLS"));
	assert_non_null(strstr(err, "nothing was sent"));
	free(err);
	assert_false(exists(f->dir, "msg-0001.eml"));
	pd_smtp_free(s);
}

static void
smtp_send__starttls_untrusted_certificate__transient_tls(void **state)
{
	struct fix *f = *state;
	struct pd_smtp *s;
	char *err = NULL;

	server_start(f, "--starttls", NULL);
	/* The system's CAs do not know the test certificate. */
	s = client(f->url, PD_STARTTLS_REQUIRED, NULL, NULL, NULL, 10);
	assert_int_equal(send_n(s, 1, &err), PD_SMTP_TRANSIENT);
	assert_non_null(err);
	assert_non_null(strstr(err, "TLS"));
	free(err);
	assert_false(exists(f->dir, "msg-0001.eml"));
	pd_smtp_free(s);
}

static void
smtp_send__server_requires_tls_client_plain__transient(void **state)
{
	struct fix *f = *state;
	struct pd_smtp *s;
	char *err = NULL;

	server_start(f, "--require-tls", NULL);
	/* 530 "must issue STARTTLS first" is our config, not the mail. */
	s = client(f->url, PD_STARTTLS_NO, NULL, NULL, NULL, 10);
	assert_int_equal(send_n(s, 1, &err), PD_SMTP_TRANSIENT);
	assert_non_null(err);
	assert_non_null(strstr(err, "530"));
	free(err);
	pd_smtp_free(s);
}

static void
smtp_send__starttls_try__uses_tls_when_offered(void **state)
{
	struct fix *f = *state;
	struct pd_smtp *s;
	char *ca;
	json_t *j;

	server_start(f, "--require-tls", NULL);
	ca = cafile(f);
	s = client(f->url, PD_STARTTLS_TRY, NULL, NULL, ca, 10);
	assert_sent(s, 1);
	j = envelope(f->dir, 1);
	assert_true(json_is_true(json_object_get(j, "tls")));
	json_decref(j);
	pd_smtp_free(s);
	free(ca);
}

static void
smtp_send__auth_right_password__sends(void **state)
{
	struct fix *f = *state;
	struct pd_smtp *s;
	char *ca;
	json_t *j;

	server_start(f, "--starttls", "--auth", "podium:" PASSWORD, NULL);
	ca = cafile(f);
	s = client(f->url, PD_STARTTLS_REQUIRED, "podium", PASSWORD, ca, 10);
	assert_sent(s, 1);
	j = envelope(f->dir, 1);
	assert_true(json_is_true(json_object_get(j, "tls")));
	assert_string_equal(json_string_value(json_object_get(j,
	    "auth_user")), "podium");
	json_decref(j);
	pd_smtp_free(s);
	free(ca);
}

static void
smtp_send__auth_wrong_password__transient_without_password(void **state)
{
	struct fix *f = *state;
	struct pd_smtp *s;
	char *ca, *err = NULL;

	server_start(f, "--starttls", "--auth", "podium:right-one", NULL);
	ca = cafile(f);
	s = client(f->url, PD_STARTTLS_REQUIRED, "podium", PASSWORD, ca, 10);
	assert_int_equal(send_n(s, 1, &err), PD_SMTP_TRANSIENT);
	assert_non_null(err);
	assert_non_null(strstr(err, "login"));
	assert_null(strstr(err, PASSWORD));
	assert_null(strstr(err, "right-one"));
	free(err);
	assert_false(exists(f->dir, "msg-0001.eml"));
	pd_smtp_free(s);
	free(ca);
}

static void
smtp_send__no_credentials_server_requires_auth__transient(void **state)
{
	struct fix *f = *state;
	struct pd_smtp *s;
	char *err = NULL;

	server_start(f, "--auth", "podium:" PASSWORD, NULL);
	s = client(f->url, PD_STARTTLS_NO, NULL, NULL, NULL, 10);
	assert_int_equal(send_n(s, 1, &err), PD_SMTP_TRANSIENT);
	assert_non_null(err);
	free(err);
	pd_smtp_free(s);
}

static void
smtp_send__line_break_in_address__permanent_nothing_sent(void **state)
{
	struct fix *f = *state;
	const char *rcpt[] = { "a@example.org>\r\nRCPT TO:<b@example.org" };
	struct pd_smtp *s;
	char *m, *err = NULL;
	size_t len;

	server_start(f, NULL);
	s = client(f->url, PD_STARTTLS_NO, NULL, NULL, NULL, 10);
	m = message(1, &len);
	assert_int_equal(pd_smtp_send(s, FROM, rcpt, 1, m, len, &err),
	    PD_SMTP_PERMANENT);
	assert_non_null(err);
	free(err);
	assert_int_equal(pd_smtp_send(s, "x@y\nRSET", (const char *[]){ RCPT },
	    1, m, len, NULL), PD_SMTP_PERMANENT);
	assert_int_equal(count_lines(f->dir, "sessions.log"), 0);
	free(m);
	pd_smtp_free(s);
}

static void
smtp_new__not_an_smtp_url__einval(void **state)
{
	struct pd_smtp_opts o = { "http://127.0.0.1:80", PD_STARTTLS_NO,
	    NULL, NULL, NULL, 0 };
	struct pd_smtp *s = NULL;

	(void)state;
	assert_int_equal(pd_smtp_new(&o, &s), PD_EINVAL);
	assert_null(s);
	o.url = NULL;
	assert_int_equal(pd_smtp_new(&o, &s), PD_EINVAL);
	pd_smtp_free(NULL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(smtp_send__three_messages__one_session_byte_identical),
		T(smtp_send__two_recipients__one_transaction_both_in_envelope),
		T(smtp_send__server_451_twice__retries_then_sends),
		T(smtp_send__rcpt_451__is_transient),
		T(smtp_send__server_550__permanent),
		T(smtp_send__rcpt_refused_550__permanent),
		T(smtp_send__one_of_two_recipients_refused__sent_to_the_other),
	T(smtp_send__every_recipient_refused__permanent),
	T(smtp_send__server_gone_after_550__transient_not_stale_550),
		T(smtp_send__no_server__transient_connect),
		T(smtp_send__drop_mid_data__transient_then_next_sends),
		T(smtp_send__server_421_closes__transient_then_next_sends),
		T(smtp_send__server_stalls__times_out_transient),
		T(smtp_send__starttls_required_and_offered__sends_over_tls),
		T(smtp_send__starttls_required_not_offered__transient_unsent),
		T(smtp_send__starttls_untrusted_certificate__transient_tls),
		T(smtp_send__server_requires_tls_client_plain__transient),
		T(smtp_send__starttls_try__uses_tls_when_offered),
		T(smtp_send__auth_right_password__sends),
		T(smtp_send__auth_wrong_password__transient_without_password),
		T(smtp_send__no_credentials_server_requires_auth__transient),
		T(smtp_send__line_break_in_address__permanent_nothing_sent),
		T(smtp_new__not_an_smtp_url__einval),
	};

	/* A server that hung up must not kill the test with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
