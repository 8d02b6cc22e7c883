/*
 * SMTP delivery over libcurl: the only file in podium that talks to a
 * mail server.
 *
 * One struct pd_smtp owns one libcurl easy handle.  The options that do
 * not change between messages (URL, TLS, credentials, timeouts) are set
 * once in pd_smtp_new(); a send sets only the envelope and the message,
 * and the handle is never cleaned up between sends, so libcurl keeps the
 * connection in the handle's cache and the next message goes over it
 * (MAIL FROM straight after the previous 250).  After a failed send the
 * connection is never used again (see drop_connection()), so the next
 * send connects afresh.
 *
 * Each send is classified for the dispatcher: PD_SMTP_PERMANENT only when
 * the server refused the message with a 5xx reply; everything else that
 * went wrong (no connection, timeouts, TLS, 4xx, login and TLS policy
 * replies that mean our configuration is wrong) is PD_SMTP_TRANSIENT, so
 * that no message is lost to an outage or a typo in the config file.
 *
 * Not here: composing the message (mail compose), the outbox, retries and
 * backoff (the dispatcher).  A struct pd_smtp is for one thread at a time.
 */
#include <sys/socket.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "podium/buf.h"
#include "podium/err.h"
#include "podium/smtp.h"

/* The server's reply text kept for error messages; longer is cut. */
#define REPLY_MAX	200
/* An error message is one line; a server cannot make it grow unbounded. */
#define ERRMSG_MAX	1024
/* The connect phase gets at most this long, within the total timeout. */
#define CONNECT_TIMEOUT	30L
/* libcurl before 8.2 spells the option with three L (it has since 7.69). */
#if LIBCURL_VERSION_NUM < 0x080200
#define CURLOPT_MAIL_RCPT_ALLOWFAILS CURLOPT_MAIL_RCPT_ALLLOWFAILS
#endif

struct pd_smtp {
	CURL *curl;
	char *password;		/* owned, wiped on free; to redact errors */
	long timeout;
	/* The message being sent, for the read callback. */
	const char *msg;
	size_t len;
	size_t off;
	struct pd_buf reply;	/* the send's last 4xx/5xx reply line */
	/*
	 * Recipients the server refused in the send (see debug_cb): who,
	 * and what the server said, "a@x (550 ...); b@y (451 ...)".
	 */
	const char *const *rcpt;
	size_t nrcpt;
	size_t rcpt_asked;	/* RCPT commands sent so far */
	int rcpt_waiting;	/* the next reply answers the last RCPT */
	size_t nrefused;
	int refused_later;	/* one refusal was a 4xx: worth a retry */
	struct pd_buf refused;
	char errbuf[CURL_ERROR_SIZE];
	/* pd_smtp_set_stop(): the flag, the grace, when it was first seen. */
	const volatile sig_atomic_t *stop;
	long grace;
	time_t stop_seen;	/* monotonic seconds; 0: not yet */
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

/*
 * curl_global_init() must run once before any handle exists, and is not
 * safe to race; pthread_once makes the first pd_smtp_new() do it.  It is
 * never undone: the process ends first, and undoing it while another
 * thread still had a handle would crash.
 */
static void
global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* CURLOPT_READFUNCTION: hands libcurl the message, piece by piece. */
static size_t
read_cb(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct pd_smtp *s = arg;
	size_t room = size * nmemb;
	size_t n = s->len - s->off;

	if (n > room)
		n = room;
	memcpy(dst, s->msg + s->off, n);
	s->off += n;
	return n;
}

/* Appends the printable ASCII of line (up to CR/LF) to b, at most max. */
static void
add_line(struct pd_buf *b, const char *line, size_t n, size_t max)
{
	size_t i, start = b->len;
	char c;

	for (i = 0; i < n && b->len - start < max; i++) {
		if (line[i] == '\r' || line[i] == '\n')
			break;
		/* Not isprint(): that follows the locale. */
		c = line[i] >= 0x20 && line[i] < 0x7f ? line[i] : '?';
		pd_buf_add(b, &c, 1);
	}
}

/*
 * CURLOPT_HEADERFUNCTION: for SMTP, libcurl passes every reply line of
 * the server here.  The last refusal (4xx or 5xx) of a send is kept, so
 * that an error can say what the server said ("550 5.1.1 <x@y>: recipient
 * rejected") and not only the number libcurl reports; later lines such
 * as the "221 Bye" to libcurl's QUIT after a refused RCPT do not replace
 * it.  The text is the server's: only printable ASCII is kept, and at
 * most REPLY_MAX bytes.
 */
static size_t
header_cb(char *line, size_t size, size_t nmemb, void *arg)
{
	struct pd_smtp *s = arg;
	size_t n = size * nmemb;

	if (n < 3 || (line[0] != '4' && line[0] != '5'))
		return n;
	pd_buf_reset(&s->reply);
	add_line(&s->reply, line, n, REPLY_MAX);
	return n;
}

/*
 * CURLOPT_DEBUGFUNCTION, on only for messages with several recipients:
 * libcurl does not say which recipient a server refused when it goes on
 * with the others (CURLOPT_MAIL_RCPT_ALLOWFAILS), but it shows every
 * command it sends and every reply line it reads here.  RCPT commands go
 * out one at a time in the order of the list, so the reply that follows
 * the k-th RCPT is about the k-th recipient.
 */
static int
debug_cb(CURL *curl, curl_infotype type, char *data, size_t n, void *arg)
{
	struct pd_smtp *s = arg;

	(void)curl;
	if (type == CURLINFO_HEADER_OUT) {
		s->rcpt_waiting = n >= 8 && strncasecmp(data, "RCPT TO:", 8) == 0;
		if (s->rcpt_waiting)
			s->rcpt_asked++;
		return 0;
	}
	/* Only the last line of a reply ("550 ...", not "550-...") counts. */
	if (type != CURLINFO_HEADER_IN || !s->rcpt_waiting || n < 3 ||
	    (n > 3 && data[3] == '-'))
		return 0;
	s->rcpt_waiting = 0;
	if ((data[0] != '4' && data[0] != '5') || s->rcpt_asked == 0 ||
	    s->rcpt_asked > s->nrcpt)
		return 0;
	if (data[0] == '4')
		s->refused_later = 1;
	/* The text is bounded; the count is what decides the outcome. */
	if (s->refused.len <= ERRMSG_MAX) {
		if (s->nrefused > 0)
			pd_buf_adds(&s->refused, "; ");
		pd_buf_add(&s->refused, s->rcpt[s->rcpt_asked - 1],
		    strnlen(s->rcpt[s->rcpt_asked - 1], REPLY_MAX));
		pd_buf_adds(&s->refused, " (");
		add_line(&s->refused, data, n, REPLY_MAX);
		pd_buf_adds(&s->refused, ")");
	}
	s->nrefused++;
	return 0;
}

int
pd_smtp_new(const struct pd_smtp_opts *opts, struct pd_smtp **out)
{
	struct pd_smtp *s = NULL;
	long use_ssl;
	int rc = PD_ENOMEM;

	if (opts == NULL || opts->url == NULL || opts->timeout < 0 ||
	    (strncmp(opts->url, "smtp://", 7) != 0 &&
	    strncmp(opts->url, "smtps://", 8) != 0)) {
		rc = PD_EINVAL;
		goto out;
	}
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK)
		goto out;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto out;
	pd_buf_init(&s->reply, REPLY_MAX + 1);
	pd_buf_init(&s->refused, 2 * ERRMSG_MAX);
	s->timeout = opts->timeout > 0 ? opts->timeout : 60;
	if (opts->password != NULL &&
	    (s->password = strdup(opts->password)) == NULL)
		goto out;
	if ((s->curl = curl_easy_init()) == NULL)
		goto out;

	switch (opts->starttls) {
	case PD_STARTTLS_REQUIRED:
		use_ssl = CURLUSESSL_ALL;
		break;
	case PD_STARTTLS_TRY:
		use_ssl = CURLUSESSL_TRY;
		break;
	default:
		use_ssl = CURLUSESSL_NONE;
		break;
	}

	/*
	 * Every setopt below copies or keeps a plain value, so opts may go
	 * away after this.  Only smtp and smtps: a URL that names another
	 * scheme (file://, http://) must not make the mailer fetch it.
	 */
	if (curl_easy_setopt(s->curl, CURLOPT_URL, opts->url) != CURLE_OK ||
	    curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR,
	    "smtp,smtps") != CURLE_OK ||
	    curl_easy_setopt(s->curl, CURLOPT_USE_SSL, use_ssl) != CURLE_OK ||
	    curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(s->curl, CURLOPT_TIMEOUT, s->timeout) !=
	    CURLE_OK ||
	    curl_easy_setopt(s->curl, CURLOPT_SERVER_RESPONSE_TIMEOUT,
	    s->timeout) != CURLE_OK ||
	    curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT,
	    s->timeout < CONNECT_TIMEOUT ? s->timeout : CONNECT_TIMEOUT) !=
	    CURLE_OK ||
	    curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, s->errbuf) !=
	    CURLE_OK ||
	    curl_easy_setopt(s->curl, CURLOPT_UPLOAD, 1L) != CURLE_OK ||
	    /*
	     * The smallest upload buffer: messages come from memory, and
	     * the default 64 KiB (plus SMTP's 128 KiB scratch) is taken and
	     * given back per message, which made glibc shrink and grow the
	     * heap around every send (bench/mail: 900 -> 1,900 msg/s).
	     */
	    curl_easy_setopt(s->curl, CURLOPT_UPLOAD_BUFFERSIZE, 16384L) !=
	    CURLE_OK ||
	    curl_easy_setopt(s->curl, CURLOPT_READFUNCTION, read_cb) !=
	    CURLE_OK ||
	    curl_easy_setopt(s->curl, CURLOPT_READDATA, s) != CURLE_OK ||
	    curl_easy_setopt(s->curl, CURLOPT_HEADERFUNCTION, header_cb) !=
	    CURLE_OK ||
	    curl_easy_setopt(s->curl, CURLOPT_HEADERDATA, s) != CURLE_OK ||
	    /*
	     * A refused Cc must not keep the message from the others: the
	     * message goes to every recipient the server accepts, and the
	     * refused ones are reported (pd_smtp_refused).
	     */
	    curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT_ALLOWFAILS, 1L) !=
	    CURLE_OK ||
	    curl_easy_setopt(s->curl, CURLOPT_DEBUGFUNCTION, debug_cb) !=
	    CURLE_OK ||
	    curl_easy_setopt(s->curl, CURLOPT_DEBUGDATA, s) != CURLE_OK)
		goto out;
	if (opts->username != NULL &&
	    (curl_easy_setopt(s->curl, CURLOPT_USERNAME, opts->username) !=
	    CURLE_OK ||
	    curl_easy_setopt(s->curl, CURLOPT_PASSWORD,
	    opts->password != NULL ? opts->password : "") != CURLE_OK))
		goto out;
	if (opts->ca_file != NULL &&
	    curl_easy_setopt(s->curl, CURLOPT_CAINFO, opts->ca_file) !=
	    CURLE_OK)
		goto out;

	*out = s;
	s = NULL;
	rc = PD_OK;
out:
	pd_smtp_free(s);
	return rc;
}

/*
 * libcurl's progress callback, called about once a second even while the
 * server is silent: the one place a stalled transfer can be ended before
 * its timeout.  Nonzero aborts it (CURLE_ABORTED_BY_CALLBACK).
 */
static int
xferinfo_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct pd_smtp *s = arg;
	struct timespec ts;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	if (s->stop == NULL || !*s->stop)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (s->stop_seen == 0)
		s->stop_seen = ts.tv_sec > 0 ? ts.tv_sec : 1;
	return ts.tv_sec - s->stop_seen >= s->grace;
}

void
pd_smtp_set_stop(struct pd_smtp *s, const volatile sig_atomic_t *stop,
    long grace)
{
	s->stop = stop;
	s->grace = grace > 0 ? grace : 0;
	s->stop_seen = 0;
	if (curl_easy_setopt(s->curl, CURLOPT_XFERINFOFUNCTION,
	    stop != NULL ? xferinfo_cb : NULL) == CURLE_OK)
		curl_easy_setopt(s->curl, CURLOPT_XFERINFODATA, s);
	curl_easy_setopt(s->curl, CURLOPT_NOPROGRESS, stop != NULL ? 0L : 1L);
}

void
pd_smtp_free(struct pd_smtp *s)
{
	if (s == NULL)
		return;
	/*
	 * Closes the cached connection too: QUIT, whose answer is awaited
	 * at most CURLOPT_SERVER_RESPONSE_TIMEOUT (the send timeout).
	 */
	if (s->curl != NULL)
		curl_easy_cleanup(s->curl);
	if (s->password != NULL) {
		explicit_bzero(s->password, strlen(s->password));
		free(s->password);
	}
	pd_buf_free(&s->reply);
	pd_buf_free(&s->refused);
	free(s);
}

/*
 * An address goes into "MAIL FROM:<...>" and "RCPT TO:<...>" as it is; a
 * CR or LF would end the command and start another, so it is refused.
 */
static int
address_ok(const char *a)
{
	return a != NULL && a[0] != '\0' && strpbrk(a, "\r\n") == NULL;
}

/*
 * Reply codes that say our side is misconfigured rather than that this
 * message is unwanted: 530 (authentication or STARTTLS required first),
 * 534 (mechanism too weak), 535 (credentials invalid), 538 (encryption
 * required for the mechanism).  Failing the message for good would lose
 * it over a config typo; the operator fixes the config and it goes out.
 */
static int
config_reply(long code)
{
	return code == 530 || code == 534 || code == 535 || code == 538;
}

/*
 * What went wrong, in a few words, for the start of the message.  The
 * words are chosen so a reader (and a test) can grep them: "connect",
 * "timed out", "TLS", "STARTTLS", "login".
 */
static const char *
what(CURLcode cc, long code)
{
	if (cc != CURLE_LOGIN_DENIED && config_reply(code))
		return "SMTP server wants STARTTLS or a login first (check "
		    "starttls, username and password_file)";
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
		return "cannot connect to the SMTP server";
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return "cannot connect: the SMTP server's name does not "
		    "resolve";
	case CURLE_OPERATION_TIMEDOUT:
		return "SMTP server timed out";
	case CURLE_USE_SSL_FAILED:
		return "STARTTLS is required (starttls = required) but the "
		    "server did not offer it; nothing was sent";
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
		return "TLS handshake with the SMTP server failed";
	case CURLE_LOGIN_DENIED:
		return "SMTP login denied (check username and password_file)";
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
		if (code >= 400)
			return "SMTP server refused";
		return "connection to the SMTP server broke";
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return "bad smtp_url";
	default:
		if (code >= 400)
			return "SMTP server refused";
		return "SMTP delivery failed";
	}
}

/*
 * Returns msg with every copy of the password replaced by "***".
 * libcurl does not put credentials in its messages today; this makes
 * sure a future version or an odd server echo cannot leak it into the
 * outbox table.
 */
static char *
redact(const char *msg, const char *password)
{
	struct pd_buf b = PD_BUF_INIT;
	const char *p = msg, *hit;
	size_t plen;

	pd_buf_init(&b, 0);
	if (password == NULL || (plen = strlen(password)) == 0) {
		pd_buf_adds(&b, msg);
		return pd_buf_detach(&b, NULL);
	}
	/* Bounded: every turn consumes at least plen bytes of msg. */
	while ((hit = strstr(p, password)) != NULL) {
		pd_buf_add(&b, p, (size_t)(hit - p));
		pd_buf_adds(&b, "***");
		p = hit + plen;
	}
	pd_buf_adds(&b, p);
	return pd_buf_detach(&b, NULL);
}

/*
 * True when the kept reply line is the one with this code: libcurl's
 * code is that of the reply that failed the send, the line may be an
 * earlier refusal that libcurl got over (an EHLO it retried as HELO).
 */
static int
reply_is(const struct pd_smtp *s, long code)
{
	return s->reply.len >= 3 && code >= 400 && code < 600 &&
	    s->reply.data[0] == '0' + (char)(code / 100) &&
	    s->reply.data[1] == '0' + (char)(code / 10 % 10) &&
	    s->reply.data[2] == '0' + (char)(code % 10);
}

/*
 * Builds the one-line reason for *errmsg: what happened, then the
 * server's refusal if there was one, then libcurl's detail:
 *
 *     SMTP server refused: 550 5.1.1 <x@y>: no such user (RCPT failed: 550)
 *     cannot connect to the SMTP server: Failed to connect to ... port 25
 *
 * NULL when memory ran out (the caller still gets the classification).
 */
static char *
errmsg_make(struct pd_smtp *s, CURLcode cc, long code, const char *why)
{
	struct pd_buf b = PD_BUF_INIT;
	const char *detail = s->errbuf[0] != '\0' ? s->errbuf :
	    cc != CURLE_OK ? curl_easy_strerror(cc) : NULL;
	char *line = NULL, *res = NULL;
	size_t i, len;

	pd_buf_init(&b, ERRMSG_MAX);
	pd_buf_adds(&b, why);
	if (reply_is(s, code)) {
		pd_buf_addf(&b, ": %s", s->reply.data);
		/* curl_easy_strerror() ("Weird server reply") adds nothing. */
		if (s->errbuf[0] != '\0')
			pd_buf_addf(&b, " (%s)", s->errbuf);
	} else {
		if (detail != NULL)
			pd_buf_addf(&b, ": %s", detail);
		if (code >= 400)
			pd_buf_addf(&b, " (server reply %ld)", code);
	}
	if ((line = pd_buf_detach(&b, &len)) == NULL)
		goto out;
	/* One line, whatever libcurl's text holds. */
	for (i = 0; i < len; i++)
		if (line[i] == '\r' || line[i] == '\n')
			line[i] = ' ';
	res = redact(line, s->password);
out:
	free(line);
	return res;
}

/*
 * Makes sure the connection a failed send used is not used again.
 *
 * libcurl closes it itself after most failures, but not all: libcurl
 * 7.88 keeps the connection after a timeout while waiting for the answer
 * to the final dot, and the next send would then issue MAIL FROM into a
 * transaction the server is still finishing, and take its late "250" for
 * the answer.  Shutting the socket down (not closing it: the descriptor
 * stays libcurl's) makes libcurl's liveness check find it dead before
 * any reuse, and discard it without a QUIT that could wait for a stalled
 * server.  CURLINFO_ACTIVESOCKET only names a connection libcurl still
 * holds, so this never touches a descriptor that is someone else's now.
 */
static void
drop_connection(struct pd_smtp *s)
{
	curl_socket_t sock = CURL_SOCKET_BAD;

	if (curl_easy_getinfo(s->curl, CURLINFO_ACTIVESOCKET, &sock) ==
	    CURLE_OK && sock != CURL_SOCKET_BAD)
		shutdown(sock, SHUT_RDWR);
}

/* Turns libcurl's result and the last reply code into our three cases. */
static enum pd_smtp_result
classify(CURLcode cc, long code)
{
	if (cc == CURLE_OK)
		return PD_SMTP_SENT;
	/*
	 * These come first: a denied login carries 535 and a missing
	 * STARTTLS may carry a 5xx to the EHLO, but both are ours to fix.
	 */
	if (cc == CURLE_LOGIN_DENIED || cc == CURLE_USE_SSL_FAILED)
		return PD_SMTP_TRANSIENT;
	/*
	 * libcurl reports a refused MAIL or RCPT as a send or receive error
	 * and a refused message (after the final dot) as a weird server
	 * reply; the reply code tells which refusals are final.  The code is
	 * reset at every perform, so it belongs to this message.
	 */
	if (code >= 500 && code < 600 && !config_reply(code))
		return PD_SMTP_PERMANENT;
	return PD_SMTP_TRANSIENT;
}

enum pd_smtp_result
pd_smtp_send(struct pd_smtp *s, const char *from,
    const char *const *rcpt, size_t nrcpt, const char *msg, size_t len,
    char **errmsg)
{
	struct curl_slist *list = NULL, *tmp;
	enum pd_smtp_result res = PD_SMTP_TRANSIENT;
	const char *why = NULL;
	CURLcode cc = CURLE_OK;
	long code = 0;
	size_t i;

	if (errmsg != NULL)
		*errmsg = NULL;
	s->errbuf[0] = '\0';
	pd_buf_reset(&s->reply);
	pd_buf_reset(&s->refused);
	s->rcpt = rcpt;
	s->nrcpt = nrcpt;
	s->rcpt_asked = 0;
	s->rcpt_waiting = 0;
	s->nrefused = 0;
	s->refused_later = 0;

	/* Bad arguments will not get better by waiting. */
	if (!address_ok(from)) {
		res = PD_SMTP_PERMANENT;
		why = "bad envelope sender (empty or with a line break)";
		goto out;
	}
	if (nrcpt == 0 || rcpt == NULL || msg == NULL) {
		res = PD_SMTP_PERMANENT;
		why = "nothing to send (no recipients or no message)";
		goto out;
	}
	for (i = 0; i < nrcpt; i++) {
		if (!address_ok(rcpt[i])) {
			res = PD_SMTP_PERMANENT;
			why = "bad envelope recipient (empty or with a line "
			    "break)";
			goto out;
		}
		if ((tmp = curl_slist_append(list, rcpt[i])) == NULL) {
			why = "out of memory";
			goto out;
		}
		list = tmp;
	}

	s->msg = msg;
	s->len = len;
	s->off = 0;
	if (curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, from) != CURLE_OK ||
	    curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, list) != CURLE_OK ||
	    curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE,
	    (curl_off_t)len) != CURLE_OK ||
	    /* One recipient: a refusal fails the send, nothing to tell. */
	    curl_easy_setopt(s->curl, CURLOPT_VERBOSE, nrcpt > 1 ? 1L : 0L) !=
	    CURLE_OK) {
		why = "out of memory";
		goto out;
	}
	cc = curl_easy_perform(s->curl);
	if (curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code) !=
	    CURLE_OK)
		code = 0;
	res = classify(cc, code);
	/*
	 * Every recipient refused: libcurl reports the last refusal only;
	 * if any of them said "later", a retry may still reach them.
	 */
	if (res != PD_SMTP_SENT && nrcpt > 1 && s->nrefused == nrcpt)
		res = s->refused_later ? PD_SMTP_TRANSIENT : PD_SMTP_PERMANENT;
	if (res != PD_SMTP_SENT) {
		drop_connection(s);
		why = cc == CURLE_ABORTED_BY_CALLBACK ? "abandoned: podiumd "
		    "was stopping and the SMTP server did not answer in time" :
		    what(cc, code);
	}
out:
	/* The list dies here; the handle must not keep pointing at it. */
	if (s->curl != NULL)
		curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(list);
	s->msg = NULL;
	s->len = s->off = 0;
	s->rcpt = NULL;
	if (res != PD_SMTP_SENT && errmsg != NULL)
		*errmsg = errmsg_make(s, cc, code, why);
	return res;
}

const char *
pd_smtp_refused(const struct pd_smtp *s)
{
	return s->nrefused > 0 && !pd_buf_failed(&s->refused) ?
	    s->refused.data : NULL;
}
