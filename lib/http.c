/*
 * The libmicrohttpd glue: sockets in, struct pd_http_req to pd_route(),
 * struct pd_http_resp back out.  Nothing here decides what a request
 * means.
 *
 * MHD runs a thread pool with internal epoll; limits (connections, per-IP
 * connections, timeout, body size) come from the configuration.  A
 * request body is collected up to [http] max_body and refused with 413
 * beyond it, without reading the rest.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "podium/feed.h"
#include "podium/http.h"

struct pd_http_server {
	struct MHD_Daemon *mhd;
	struct pd_app *app;
	int port;
};

/* Per-request state between MHD's calls. */
struct conn {
	struct pd_buf body;
	struct pd_buf query;
	int too_big;
};

void
pd_http_resp_init(struct pd_http_resp *r)
{
	memset(r, 0, sizeof(*r));
	r->status = 200;
	r->content_type = "application/json";
	pd_buf_init(&r->body, 0);
}

void
pd_http_resp_clear(struct pd_http_resp *r)
{
	size_t i;

	pd_buf_free(&r->body);
	pd_feed_release(r->feed);
	r->feed = NULL;
	for (i = 0; i < r->nheaders; i++)
		free(r->hvalue[i]);
	r->nheaders = 0;
}

int
pd_http_resp_header(struct pd_http_resp *r, const char *name,
    const char *value)
{
	char *v;

	if (r->nheaders == PD_HTTP_MAX_HEADERS ||
	    strpbrk(value, "\r\n") != NULL)
		return PD_EINVAL;
	if ((v = strdup(value)) == NULL)
		return PD_ENOMEM;
	r->hname[r->nheaders] = name;
	r->hvalue[r->nheaders++] = v;
	return PD_OK;
}

/*
 * The length of the well-formed UTF-8 sequence at s (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF), or 0.  The NUL
 * at the end is never a continuation byte, so this reads no further.
 */
static size_t
utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/*
 * JSON string escaping for error bodies; jansson is not needed for two
 * keys.  Messages quote what clients sent (a method, a path, a value), and
 * the vsnprintf() into a fixed buffer may cut a character in half, so
 * bytes that are not well-formed UTF-8 become U+FFFD: JSON must be UTF-8
 * (RFC 8259), and a client's JSON parser would refuse the whole answer.
 * Found by tests/fuzz/fuzz_api.c (a method of 0xff bytes in a 405).
 */
static void
json_str(struct pd_buf *b, const char *s)
{
	size_t n;

	pd_buf_add(b, "\"", 1);
	while (*s != '\0') {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			pd_buf_addf(b, "\\%c", c);
		else if (c < 0x20)
			pd_buf_addf(b, "\\u%04x", c);
		else if ((n = utf8_len((const unsigned char *)s)) == 0)
			pd_buf_adds(b, "\\ufffd");
		else {
			pd_buf_add(b, s, n);
			s += n;
			continue;
		}
		s++;
	}
	pd_buf_add(b, "\"", 1);
}

void
pd_http_resp_error(struct pd_http_resp *r, int status, const char *field,
    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pd_feed_release(r->feed);
	r->feed = NULL;
	r->status = status;
	r->content_type = "application/json";
	pd_buf_reset(&r->body);
	pd_buf_adds(&r->body, "{\"error\": ");
	json_str(&r->body, msg);
	if (field != NULL) {
		pd_buf_adds(&r->body, ", \"field\": ");
		json_str(&r->body, field);
	}
	pd_buf_adds(&r->body, "}\n");
}

static void
release_feed(void *cls)
{
	pd_feed_release(cls);
}

static enum MHD_Result
send_resp(struct MHD_Connection *c, struct pd_http_resp *r)
{
	struct MHD_Response *mr;
	enum MHD_Result ret;
	size_t i;

	if (r->feed != NULL && r->feed->fd >= 0) {
		size_t len = r->gzip ? r->feed->gzlen : r->feed->len;
		int fd = dup(r->feed->fd);

		/*
		 * Sent from the memfd (sendfile), as nginx sends a file from
		 * the page cache.  The response owns its own descriptor, so
		 * the bytes outlive a change that replaces the feed.
		 */
		mr = fd < 0 ? NULL : MHD_create_response_from_fd_at_offset64(
		    len, fd, r->gzip ? (uint64_t)r->feed->len : 0);
		if (mr == NULL && fd >= 0)
			close(fd);
	} else if (r->feed != NULL) {
		const char *data = r->gzip ? r->feed->gz : r->feed->body;
		size_t len = r->gzip ? r->feed->gzlen : r->feed->len;

		/* The response holds a reference; MHD drops it when sent. */
		pd_feed_retain(r->feed);
		mr = MHD_create_response_from_buffer_with_free_callback_cls(
		    len, (void *)(uintptr_t)data, release_feed, r->feed);
		if (mr == NULL)
			pd_feed_release(r->feed);
	} else {
		mr = MHD_create_response_from_buffer(r->body.len,
		    r->body.data != NULL ? r->body.data : (char *)"",
		    MHD_RESPMEM_MUST_COPY);
	}
	if (mr == NULL)
		return MHD_NO;
	if (r->content_type != NULL && r->status != 304)
		MHD_add_response_header(mr, "Content-Type", r->content_type);
	for (i = 0; i < r->nheaders; i++)
		MHD_add_response_header(mr, r->hname[i], r->hvalue[i]);
	MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(c, (unsigned)r->status, mr);
	MHD_destroy_response(mr);
	return ret;
}

static const char *
header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* Rebuilds "k=v&k=v" (decoded) from MHD's parsed GET arguments. */
static enum MHD_Result
add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct pd_buf *q = cls;

	(void)kind;
	if (q->len > 0)
		pd_buf_add(q, "&", 1);
	pd_buf_adds(q, key);
	if (value != NULL) {
		pd_buf_add(q, "=", 1);
		pd_buf_adds(q, value);
	}
	return MHD_YES;
}

/*
 * MHD's own unescaping turns "%00" into a NUL inside the path, and every
 * C string after that sees a shorter path: "/calendars/all.ics%00.txt"
 * would be served as all.ics.  Decode as MHD does, then turn any such
 * NUL into DEL, which path_ok() in route.c refuses with 400 and which no
 * query value of ours accepts either.
 */
static size_t
unescape(void *cls, struct MHD_Connection *c, char *s)
{
	size_t len = MHD_http_unescape(s), i;

	(void)cls;
	(void)c;
	for (i = 0; i < len; i++)
		if (s[i] == '\0')
			s[i] = 0x7f;
	return len;
}

/* The peer's address as text, for throttling failed logins. */
static const char *
client_addr(struct MHD_Connection *c, char *buf, size_t size)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return "";
	if (sa->sa_family == AF_INET)
		return inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->
		    sin_addr, buf, (socklen_t)size) != NULL ? buf : "";
	if (sa->sa_family == AF_INET6)
		return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->
		    sin6_addr, buf, (socklen_t)size) != NULL ? buf : "";
	return "";
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct pd_http_server *srv = cls;
	struct conn *cn = *con_cls;
	struct pd_http_req req;
	struct pd_http_resp resp;
	enum MHD_Result ret;
	char addr[INET6_ADDRSTRLEN];

	(void)version;
	if (cn == NULL) {
		if ((cn = calloc(1, sizeof(*cn))) == NULL)
			return MHD_NO;
		pd_buf_init(&cn->body, (size_t)srv->app->cfg->max_body);
		pd_buf_init(&cn->query, 8192);
		*con_cls = cn;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!cn->too_big && pd_buf_add(&cn->body, upload,
		    *upload_size) != PD_OK)
			cn->too_big = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	pd_http_resp_init(&resp);
	if (cn->too_big) {
		pd_http_resp_error(&resp, 413, "body",
		    "request body over %ld bytes", srv->app->cfg->max_body);
	} else {
		memset(&req, 0, sizeof(req));
		req.method = method;
		req.path = url;
		MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg,
		    &cn->query);
		req.query = cn->query.data;
		req.if_none_match = header(c, "If-None-Match");
		req.if_modified_since = header(c, "If-Modified-Since");
		req.accept_encoding = header(c, "Accept-Encoding");
		req.authorization = header(c, "Authorization");
		req.content_type = header(c, "Content-Type");
		req.body = cn->body.data != NULL ? cn->body.data : "";
		req.body_len = cn->body.len;
		req.cookie = header(c, "Cookie");
		req.origin = header(c, "Origin");
		req.host = header(c, "Host");
		req.fetch_site = header(c, "Sec-Fetch-Site");
		req.client = client_addr(c, addr, sizeof(addr));
		pd_route(srv->app, &req, &resp);
	}
	ret = send_resp(c, &resp);
	pd_http_resp_clear(&resp);
	return ret;
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct conn *cn = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (cn != NULL) {
		pd_buf_free(&cn->body);
		pd_buf_free(&cn->query);
		free(cn);
		*con_cls = NULL;
	}
}

/* "127.0.0.1:8080", "[::1]:8080", ":8080" (all addresses, IPv4). */
static int
parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char host[128];
	const char *colon;
	char *end;
	long port;

	memset(ss, 0, sizeof(*ss));
	if ((colon = strrchr(s, ':')) == NULL ||
	    (size_t)(colon - s) >= sizeof(host))
		return PD_EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || end == colon + 1 || port < 0 ||
	    port > 65535)
		return PD_EINVAL;
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		host[strlen(host) - 1] = '\0';
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) != 1)
			return PD_EINVAL;
		*len = sizeof(*in6);
		return PD_OK;
	}
	in4->sin_family = AF_INET;
	in4->sin_port = htons((uint16_t)port);
	if (host[0] == '\0')
		in4->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (inet_pton(AF_INET, host, &in4->sin_addr) != 1)
		return PD_EINVAL;
	*len = sizeof(*in4);
	return PD_OK;
}

int
pd_http_start(struct pd_app *app, struct pd_http_server **out,
    struct pd_error *err)
{
	const struct pd_config *cfg = app->cfg;
	struct pd_http_server *srv;
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	const union MHD_DaemonInfo *info;
	unsigned flags;
	long threads;

	if (parse_listen(cfg->listen, &ss, &sslen) != PD_OK)
		return pd_error_set(err, PD_EINVAL, "listen",
		    "[http] listen: '%s' is not ADDR:PORT", cfg->listen);
	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return PD_ENOMEM;
	srv->app = app;
	threads = sysconf(_SC_NPROCESSORS_ONLN);
	if (threads < 2)
		threads = 2;
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_USE_TURBO;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/*
	 * The per-connection memory pool (request line, headers, send
	 * buffer): MHD zeroes all of it at every request on a kept-alive
	 * connection, so its size is paid per request.  64 KiB cost a
	 * fifth of the CPU of a 304; 16 KiB still takes header blocks
	 * twice nginx's default (8 KiB) and bodies are streamed past it.
	 */
	srv->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)cfg->per_ip_connections,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16 * 1024,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
	    MHD_OPTION_END);
	if (srv->mhd == NULL) {
		free(srv);
		return pd_error_set(err, PD_EIO, "listen",
		    "cannot listen on %s: %s", cfg->listen,
		    errno != 0 ? strerror(errno) : "address in use?");
	}
	info = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info != NULL ? info->port : 0;
	*out = srv;
	return PD_OK;
}

int
pd_http_port(const struct pd_http_server *srv)
{
	return srv->port;
}

void
pd_http_stop(struct pd_http_server *srv)
{
	if (srv == NULL)
		return;
	MHD_stop_daemon(srv->mhd);
	free(srv);
}
