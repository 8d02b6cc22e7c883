/*
 * The IMAP poller (imap.h), on libcurl.  Every request goes through one
 * easy handle per pass, so libcurl keeps one connection and one login for
 * the whole pass and selects the mailbox once.
 *
 * libcurl writes the untagged answers of a custom command ("* SEARCH 3
 * 4", "* STATUS …") to the write callback and a fetched message's bytes
 * (the literal of BODY[]) there too; that is all this file reads.
 *
 * Not here: what a message means (reply.c).
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "podium/buf.h"
#include "podium/imap.h"
#include "podium/reply.h"
#include "podium/store.h"

#define MAX_MESSAGE (32 * 1024 * 1024)
#define MAX_ANSWER (1024 * 1024)	/* SEARCH and STATUS lines */
#define MAX_PER_PASS 200		/* the rest waits for the next pass */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

/* Reference-counted by libcurl, so smtp.c doing the same is fine. */
static void
global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct conn {
	CURL *curl;
	struct pd_buf out;		/* what the last request wrote */
	char errbuf[CURL_ERROR_SIZE];
	char *base;			/* the URL without a trailing '/' */
	char *root;			/* scheme://host[:port]/ */
	char *mailbox;			/* decoded, "INBOX" */
};

static size_t
on_write(char *data, size_t size, size_t n, void *arg)
{
	struct pd_buf *b = arg;

	/* A short count makes libcurl stop with CURLE_WRITE_ERROR. */
	if (pd_buf_add(b, data, size * n) != PD_OK)
		return 0;
	return size * n;
}

/* One request; *out holds what it wrote.  PD_ENET with err on failure. */
static int
request(struct conn *c, const char *url, const char *custom, size_t max,
    struct pd_error *err)
{
	CURLcode cc;

	pd_buf_free(&c->out);
	pd_buf_init(&c->out, max);
	c->errbuf[0] = '\0';
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, custom);
	if ((cc = curl_easy_perform(c->curl)) == CURLE_OK)
		return PD_OK;
	return pd_error_set(err, cc == CURLE_WRITE_ERROR ? PD_ETOOBIG :
	    PD_ENET, "imap_url", "imap: %s%s%s", custom != NULL ? custom :
	    "FETCH", ": ", c->errbuf[0] != '\0' ? c->errbuf :
	    curl_easy_strerror(cc));
}

/*
 * Splits the URL: base (no trailing '/'), root (scheme://host:port/) and
 * the mailbox, URL-decoded; an empty path means INBOX.
 */
static int
split_url(struct conn *c, const char *url, struct pd_error *err)
{
	CURLU *u = curl_url();
	char *path = NULL, *dec = NULL;
	size_t n;
	int rc = PD_EINVAL, len = 0;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_PATH, "/", 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &c->root, 0) != CURLUE_OK) {
		pd_error_set(err, PD_EINVAL, "imap_url", "[mail] imap_url: "
		    "'%s' is not an imap:// or imaps:// URL", url);
		goto out;
	}
	while (*path == '/')
		memmove(path, path + 1, strlen(path));
	n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		path[--n] = '\0';
	if ((dec = curl_easy_unescape(c->curl, path, 0, &len)) == NULL)
		goto out;
	/* The mailbox goes into a quoted string of STATUS. */
	if (strpbrk(dec, "\"\\\r\n") != NULL || strchr(dec, ';') != NULL) {
		pd_error_set(err, PD_EINVAL, "imap_url", "[mail] imap_url: "
		    "the mailbox name '%s' is not supported", dec);
		goto out;
	}
	c->mailbox = strdup(*dec != '\0' ? dec : "INBOX");
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	if (*dec == '\0')
		rc = asprintf(&c->base, "%sINBOX", c->root);
	else
		rc = asprintf(&c->base, "%.*s", (int)n, url);
	rc = rc < 0 || c->mailbox == NULL ? PD_ENOMEM : PD_OK;
out:
	curl_free(path);
	curl_free(dec);
	curl_url_cleanup(u);
	return rc;
}

/* The number after word in the answer ("UIDVALIDITY 123"); 0: none. */
static int64_t
number_after(const char *s, const char *word)
{
	const char *p = s != NULL ? strstr(s, word) : NULL;

	if (p == NULL)
		return 0;
	p += strlen(word);
	while (*p == ' ')
		p++;
	return isdigit((unsigned char)*p) ? strtoll(p, NULL, 10) : 0;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The UIDs of "* SEARCH 3 4 9", sorted, at most max. */
static size_t
search_uids(const char *s, int64_t *uids, size_t max)
{
	const char *p = s != NULL ? strstr(s, "* SEARCH") : NULL;
	size_t n = 0;
	char *end;
	long long v;

	if (p == NULL)
		return 0;
	p += 8;
	while (n < max) {
		while (*p == ' ')
			p++;
		if (!isdigit((unsigned char)*p))
			break;
		v = strtoll(p, &end, 10);
		p = end;
		if (v > 0)
			uids[n++] = v;
	}
	qsort(uids, n, sizeof(uids[0]), cmp64);
	return n;
}

static int
set_seen(struct conn *c, int64_t uid, int seen, struct pd_error *err)
{
	char cmd[80];

	snprintf(cmd, sizeof(cmd), "UID STORE %lld %cFLAGS (\\Seen)",
	    (long long)uid, seen ? '+' : '-');
	return request(c, c->base, cmd, MAX_ANSWER, err);
}

static void
conn_clear(struct conn *c)
{
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	pd_buf_free(&c->out);
	free(c->base);
	curl_free(c->root);
	free(c->mailbox);
}

/* Hands one fetched message to the intake, under the lock. */
static int
handle(struct pd_store *st, pthread_mutex_t *lock, const unsigned char *key,
    int64_t now, const struct pd_buf *msg, struct pd_imap_stats *stats)
{
	struct pd_error e = { 0, NULL, NULL };
	struct pd_reply_result res;
	struct pd_reply_ctx ctx;
	int rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.key = key;
	ctx.now = now;
	pthread_mutex_lock(lock);
	rc = pd_reply_receive(st, &ctx, msg->data != NULL ? msg->data : "",
	    msg->len, &res, &e);
	pthread_mutex_unlock(lock);
	pd_error_clear(&e);
	if (rc == PD_EPARSE) {
		stats->unreadable++;
		return PD_OK;
	}
	if (rc != PD_OK)
		return rc;
	if (res.outcome == PD_REPLY_APPLIED)
		stats->applied++;
	else if (res.outcome == PD_REPLY_LISTED)
		stats->listed++;
	else
		stats->ignored++;
	return PD_OK;
}

int
pd_imap_poll(const struct pd_imap_opts *o, struct pd_store *st,
    pthread_mutex_t *lock, const unsigned char *key, int64_t now,
    struct pd_imap_stats *stats, struct pd_error *err)
{
	struct conn c;
	struct pd_imap_stats dummy;
	int64_t uids[MAX_PER_PASS], validity, stored_validity = 0, last = 0;
	char cmd[512], *url = NULL;
	size_t n, i;
	int rc;

	if (stats == NULL)
		stats = &dummy;
	memset(stats, 0, sizeof(*stats));
	memset(&c, 0, sizeof(c));
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK || (c.curl = curl_easy_init()) == NULL)
		return pd_error_set(err, PD_ENOMEM, NULL,
		    "imap: cannot start libcurl");
	if ((rc = split_url(&c, o->url, err)) != PD_OK)
		goto out;
	curl_easy_setopt(c.curl, CURLOPT_PROTOCOLS_STR, "imap,imaps");
	curl_easy_setopt(c.curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c.curl, CURLOPT_TIMEOUT, o->timeout > 0 ?
	    o->timeout : 60L);
	curl_easy_setopt(c.curl, CURLOPT_ERRORBUFFER, c.errbuf);
	curl_easy_setopt(c.curl, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c.curl, CURLOPT_WRITEDATA, &c.out);
	if (o->username != NULL)
		curl_easy_setopt(c.curl, CURLOPT_USERNAME, o->username);
	if (o->password != NULL)
		curl_easy_setopt(c.curl, CURLOPT_PASSWORD, o->password);
	if (o->ca_file != NULL)
		curl_easy_setopt(c.curl, CURLOPT_CAINFO, o->ca_file);

	snprintf(cmd, sizeof(cmd), "STATUS \"%s\" (UIDVALIDITY)", c.mailbox);
	if ((rc = request(&c, c.root, cmd, MAX_ANSWER, err)) != PD_OK)
		goto out;
	if ((validity = number_after(c.out.data, "UIDVALIDITY")) <= 0) {
		rc = pd_error_set(err, PD_ENET, "imap_url", "imap: STATUS %s "
		    "gave no UIDVALIDITY", c.mailbox);
		goto out;
	}
	pthread_mutex_lock(lock);
	rc = pd_store_imap_state_get(st, o->url, &stored_validity, &last);
	/* Another UIDVALIDITY: the old UIDs mean nothing any more. */
	if (rc == PD_OK && stored_validity != validity) {
		last = 0;
		rc = pd_store_imap_state_set(st, o->url, validity, 0);
	}
	pthread_mutex_unlock(lock);
	if (rc != PD_OK) {
		rc = pd_error_set(err, PD_EDB, NULL, "imap: %s",
		    pd_store_error(st)->msg);
		goto out;
	}
	if ((rc = request(&c, c.base, "UID SEARCH UNSEEN", MAX_ANSWER,
	    err)) != PD_OK)
		goto out;
	n = search_uids(c.out.data, uids, MAX_PER_PASS);
	for (i = 0; i < n; i++) {
		/* Handled before, but marking it seen failed: only mark. */
		if (uids[i] <= last) {
			if ((rc = set_seen(&c, uids[i], 1, err)) != PD_OK)
				goto out;
			continue;
		}
		free(url);
		url = NULL;
		if (asprintf(&url, "%s/;UID=%lld", c.base,
		    (long long)uids[i]) < 0) {
			url = NULL;
			rc = PD_ENOMEM;
			goto out;
		}
		rc = request(&c, url, NULL, MAX_MESSAGE, err);
		if (rc == PD_ETOOBIG) {
			/* Not a reply: too big to be one.  Out of the way. */
			stats->unreadable++;
			pd_error_clear(err);
		} else if (rc != PD_OK) {
			goto out;
		} else {
			stats->fetched++;
			if ((rc = handle(st, lock, key, now, &c.out, stats)) !=
			    PD_OK) {
				/* Back to unseen: the next pass tries again. */
				stats->deferred++;
				set_seen(&c, uids[i], 0, NULL);
				rc = pd_error_set(err, PD_EDB, NULL, "imap: the "
				    "store could not take UID %lld; retried "
				    "on the next pass", (long long)uids[i]);
				goto out;
			}
		}
		pthread_mutex_lock(lock);
		rc = pd_store_imap_state_set(st, o->url, validity, uids[i]);
		pthread_mutex_unlock(lock);
		if (rc != PD_OK) {
			rc = pd_error_set(err, PD_EDB, NULL, "imap: %s",
			    pd_store_error(st)->msg);
			goto out;
		}
		last = uids[i];
		if ((rc = set_seen(&c, uids[i], 1, err)) != PD_OK)
			goto out;
	}
	rc = PD_OK;
out:
	free(url);
	conn_clear(&c);
	return rc;
}
