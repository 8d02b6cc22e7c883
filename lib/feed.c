/*
 * The feed cache (feed.h).  Rendering a feed costs a database read and an
 * iCalendar serialization; serving it must cost neither, so each feed is
 * rendered at most once per store revision, on first request, and kept
 * with its gzip form, ETag and Last-Modified until the revision moves.
 *
 * Last-Modified must never go backwards for a client that only sends
 * If-Modified-Since, even when an event leaves a feed (which lowers the
 * newest row stamp).  So the stamp of a feed is the moment its bytes were
 * first seen different from the previous rendition: the previous
 * generation is kept until the next render of that feed can compare.
 */
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "podium/buf.h"
#include "podium/feed.h"
#include "podium/ical.h"
#include "podium/model.h"
#include "podium/schedule.h"
#include "podium/store.h"
#include "podium/token.h"

#include "feed_pieces.h"

#define NBUCKETS 256
/* Feeds from this size on live in a memfd (feed.h); smaller ones need no fd. */
#define MEMFD_MIN (64u * 1024)

/*
 * A cached feed.  In the previous generation only its tag and stamp are
 * kept (feed NULL): that is all a new rendition is compared with, and a
 * feed of hundreds of MB is not held twice.
 */
struct entry {
	char *name;
	struct pd_feed *feed;
	char etag[40];
	int64_t mtime;
	struct entry *next;
};

struct pd_feeds {
	struct pd_store *st;
	pthread_mutex_t *lock;		/* the store's */
	pthread_mutex_t cache_lock;	/* the maps below */
	char *name;
	char *refresh;
	int64_t refresh_seconds;
	char *export_dir;
	char *base_url;
	int64_t history;		/* [feeds] history, seconds; 0: all */
	int64_t window;			/* hour of the current map's cutoff */
	int64_t revision;		/* of the current map; -1: none */
	struct entry *cur[NBUCKETS];
	struct entry *prev[NBUCKETS];
	size_t bytes;
	struct pd_pieces *pub;		/* public feeds' events, rendered */
};

static unsigned
hash(const char *s)
{
	unsigned h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % NBUCKETS;
}

void
pd_feed_retain(struct pd_feed *f)
{
	atomic_fetch_add_explicit((_Atomic int *)&f->refs, 1,
	    memory_order_relaxed);
}

void
pd_feed_release(struct pd_feed *f)
{
	if (f == NULL)
		return;
	if (atomic_fetch_sub_explicit((_Atomic int *)&f->refs, 1,
	    memory_order_acq_rel) != 1)
		return;
	if (f->fd >= 0) {
		munmap(f->body, f->len + f->gzlen);
		close(f->fd);
	} else {
		free(f->body);
		free(f->gz);
	}
	free(f);
}

static void
drop_map(struct entry **map, size_t *bytes)
{
	struct entry *e, *next;
	size_t i;

	for (i = 0; i < NBUCKETS; i++) {
		for (e = map[i]; e != NULL; e = next) {
			next = e->next;
			if (bytes != NULL && e->feed != NULL)
				*bytes -= e->feed->len + e->feed->gzlen;
			pd_feed_release(e->feed);
			free(e->name);
			free(e);
		}
		map[i] = NULL;
	}
}

static struct entry *
lookup_entry(struct entry **map, const char *name)
{
	struct entry *e;

	for (e = map[hash(name)]; e != NULL; e = e->next)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

static struct pd_feed *
lookup(struct entry **map, const char *name)
{
	struct entry *e = lookup_entry(map, name);

	return e != NULL ? e->feed : NULL;
}

int
pd_feeds_new(struct pd_store *st, pthread_mutex_t *lock,
    const struct pd_feeds_opts *opts, struct pd_feeds **out)
{
	struct pd_render_opts ro;
	struct pd_feeds *fc;

	if ((fc = calloc(1, sizeof(*fc))) == NULL)
		return PD_ENOMEM;
	fc->st = st;
	fc->lock = lock;
	fc->revision = -1;
	fc->refresh_seconds = opts->refresh_seconds > 0 ?
	    opts->refresh_seconds : 3600;
	pthread_mutex_init(&fc->cache_lock, NULL);
	fc->name = strdup(opts->name != NULL ? opts->name : "podium");
	fc->refresh = strdup(opts->refresh != NULL ? opts->refresh : "PT1H");
	fc->export_dir = opts->export_dir != NULL ?
	    strdup(opts->export_dir) : NULL;
	fc->base_url = opts->base_url != NULL ? strdup(opts->base_url) : NULL;
	memset(&ro, 0, sizeof(ro));
	ro.privacy = PD_PRIVACY_PUBLIC;
	if (pd_pieces_new(&ro, &fc->pub) != PD_OK ||
	    fc->name == NULL || fc->refresh == NULL ||
	    (opts->export_dir != NULL && fc->export_dir == NULL) ||
	    (opts->base_url != NULL && fc->base_url == NULL)) {
		pd_feeds_free(fc);
		return PD_ENOMEM;
	}
	*out = fc;
	return PD_OK;
}

void
pd_feeds_set_history(struct pd_feeds *fc, int64_t seconds)
{
	pthread_mutex_lock(&fc->cache_lock);
	fc->history = seconds > 0 ? seconds : 0;
	fc->revision = -1;	/* what is cached may hold too much */
	pthread_mutex_unlock(&fc->cache_lock);
}

void
pd_feeds_free(struct pd_feeds *fc)
{
	if (fc == NULL)
		return;
	drop_map(fc->cur, NULL);
	drop_map(fc->prev, NULL);
	pd_pieces_free(fc->pub);
	pthread_mutex_destroy(&fc->cache_lock);
	free(fc->name);
	free(fc->refresh);
	free(fc->export_dir);
	free(fc->base_url);
	free(fc);
}

size_t
pd_feeds_bytes(struct pd_feeds *fc)
{
	size_t n;

	pthread_mutex_lock(&fc->cache_lock);
	n = fc->bytes;
	pthread_mutex_unlock(&fc->cache_lock);
	return n;
}

size_t
pd_feeds_piece_bytes(struct pd_feeds *fc)
{
	size_t n;

	pthread_mutex_lock(&fc->cache_lock);
	n = pd_pieces_bytes(fc->pub);
	pthread_mutex_unlock(&fc->cache_lock);
	return n;
}

static int
gzip_body(const char *in, size_t len, char **out, size_t *outlen)
{
	z_stream zs;
	char *buf;
	size_t cap;
	int rc;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return PD_ENOMEM;
	cap = deflateBound(&zs, len) + 32;
	if ((buf = malloc(cap)) == NULL) {
		deflateEnd(&zs);
		return PD_ENOMEM;
	}
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	zs.next_out = (Bytef *)buf;
	zs.avail_out = (uInt)cap;
	rc = deflate(&zs, Z_FINISH);
	deflateEnd(&zs);
	if (rc != Z_STREAM_END) {
		free(buf);
		return PD_ENOMEM;
	}
	*out = buf;
	*outlen = zs.total_out;
	return PD_OK;
}

static void
http_date(int64_t t, char out[40])
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* The strong tags of f from 16 bytes (one per representation). */
static void
set_tags(struct pd_feed *f, const unsigned char *tag)
{
	static const char hex[] = "0123456789abcdef";
	unsigned int i;
	char *p;

	p = f->etag;
	*p++ = '"';
	for (i = 0; i < 16; i++) {
		*p++ = hex[tag[i] >> 4];
		*p++ = hex[tag[i] & 15];
	}
	*p++ = '"';
	*p = '\0';
	/* Each representation has its own strong tag; made once, not per request. */
	snprintf(f->gz_etag, sizeof(f->gz_etag), "%.*s-gz\"",
	    (int)strlen(f->etag) - 1, f->etag);
}

static int
new_memfd(void)
{
	return memfd_create("podium-feed", MFD_CLOEXEC);
}

/* Writes all of data to fd. */
static int
write_all(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, data, len)) < 0) {
			if (errno == EINTR)
				continue;
			return PD_EIO;
		}
		data += n;
		len -= (size_t)n;
	}
	return PD_OK;
}

/*
 * A feed of the memfd fd (taken over): len bytes of text, then gzlen of
 * gzip.  Small or incompressible feeds are served plain.
 */
static int
feed_of_fd(int fd, size_t len, size_t gzlen, const unsigned char *tag,
    struct pd_feed **out)
{
	struct pd_feed *f;
	void *map;

	if ((f = calloc(1, sizeof(*f))) == NULL) {
		close(fd);
		return PD_ENOMEM;
	}
	if ((map = mmap(NULL, len + gzlen, PROT_READ, MAP_SHARED, fd, 0)) ==
	    MAP_FAILED) {
		close(fd);
		free(f);
		return PD_ENOMEM;
	}
	f->refs = 1;
	f->fd = fd;
	f->body = map;
	f->len = len;
	f->gzlen = gzlen;
	f->gz = gzlen > 0 ? (char *)map + len : NULL;
	set_tags(f, tag);
	*out = f;
	return PD_OK;
}

/*
 * A feed of body (taken over) with its gzip form gz (taken over; NULL:
 * made here).  Large ones move into a memfd.
 */
static int
make_feed(char *body, size_t len, char *gz, size_t gzlen,
    struct pd_feed **out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct pd_feed *f;
	int fd, rc;

	if (EVP_Digest(body, len, md, &mdlen, EVP_sha256(), NULL) != 1) {
		free(body);
		free(gz);
		return PD_ENOMEM;
	}
	/* Small feeds do not gain from gzip; keep them plain. */
	if (gz == NULL && len > 512)
		gzip_body(body, len, &gz, &gzlen);
	if (gz != NULL && (len <= 512 || gzlen >= len)) {
		free(gz);
		gz = NULL;
		gzlen = 0;
	}
	if (len >= MEMFD_MIN && (fd = new_memfd()) >= 0) {
		if (write_all(fd, body, len) != PD_OK ||
		    write_all(fd, gz != NULL ? gz : "", gzlen) != PD_OK) {
			close(fd);
			free(body);
			free(gz);
			return PD_EIO;
		}
		free(body);
		free(gz);
		return feed_of_fd(fd, len, gzlen, md, out);
	}
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		free(body);
		free(gz);
		return PD_ENOMEM;
	}
	f->refs = 1;
	f->fd = -1;
	f->body = body;
	f->len = len;
	f->gz = gz;
	f->gzlen = gzlen;
	set_tags(f, md);
	rc = PD_OK;
	*out = f;
	return rc;
}

/*
 * The title of a public feed and its bytes from the pieces: what
 * render() below gives for the same feed (the topic's name is the one
 * its events carry, so the slug when it has none).
 */
static int
render_public(struct pd_feeds *fc, const struct pd_filter *filter,
    int64_t since, const struct pd_render_opts *ro, struct pd_buf *title,
    struct pd_feed **out)
{
	struct pd_calendar *cal = NULL;
	struct pd_feed_row *rows = NULL;
	unsigned char tag[16];
	size_t n = 0, len = 0, gzlen = 0;
	int fd = -1, rc;

	if ((rc = pd_store_feed_index(fc->st, filter, since, &cal, &rows,
	    &n)) != PD_OK)
		return rc;
	if (filter->kind == PD_FILTER_GROUP ||
	    (filter->kind == PD_FILTER_TOPIC && n > 0))
		pd_buf_addf(title, " \xe2\x80\x93 %s", cal->name);
	else if (filter->kind == PD_FILTER_TOPIC)
		pd_buf_addf(title, " \xe2\x80\x93 %s", filter->value);
	free(cal->name);
	if ((cal->name = pd_buf_detach(title, NULL)) == NULL)
		rc = PD_ENOMEM;
	else if ((fd = new_memfd()) < 0)
		rc = PD_EIO;
	else
		rc = pd_pieces_render(fc->pub, fc->st, cal, rows, n, ro,
		    filter->kind == PD_FILTER_ALL, fd, &len, &gzlen, tag, NULL);
	free(rows);
	pd_calendar_free(cal);
	/*
	 * "all" used arrays of every event (the index, the pieces, the
	 * zones: MBs at 100,000 events), now freed among the kept pieces;
	 * their pages go back rather than stay in the daemon's footprint
	 * (a few ms, next to that render's hundreds).
	 */
	if (filter->kind == PD_FILTER_ALL)
		malloc_trim(0);
	if (rc != PD_OK) {
		if (fd >= 0)
			close(fd);
		return rc;
	}
	/* The gzip form is sent only when it helps (as make_feed decides). */
	if (len <= 512 || gzlen >= len)
		gzlen = 0;
	return feed_of_fd(fd, len, gzlen, tag, out);
}

/*
 * Renders the feed named name, with the store lock held by the caller:
 * public feeds from the pieces (with their gzip form and tag), personal
 * ones whole.
 */
static int
render(struct pd_feeds *fc, const char *name, int64_t now,
    struct pd_feed **out)
{
	struct pd_filter filter = { PD_FILTER_ALL, NULL, 0 };
	struct pd_render_opts ro;
	struct pd_calendar *cal = NULL;
	struct pd_person who;
	struct pd_buf title = PD_BUF_INIT;
	const char *what = NULL;
	char hash_hex[PD_TOKEN_HASH_LEN + 1], *body = NULL;
	int64_t pid = 0, since = 0;
	size_t i, j, len = 0;
	int rc;

	if (pd_schedule_feed_name(name)) {
		struct pd_schedule_opts so = { fc->name, fc->base_url, NULL,
		    NULL };

		/* A schedule is rendered whole (it is no list of VEVENTs). */
		if ((rc = pd_schedule_feed_render(fc->st, name, &so, &body,
		    &len)) != PD_OK)
			return rc;
		return make_feed(body, len, NULL, 0, out);
	}
	memset(&ro, 0, sizeof(ro));
	memset(&who, 0, sizeof(who));
	ro.privacy = PD_PRIVACY_PUBLIC;
	ro.refresh = fc->refresh;
	if (fc->history > 0)
		since = now - fc->history;
	pd_buf_adds(&title, fc->name);
	if (strcmp(name, "all") == 0) {
		;
	} else if (strncmp(name, "group/", 6) == 0) {
		filter.kind = PD_FILTER_GROUP;
		filter.value = name + 6;
	} else if (strncmp(name, "topic/", 6) == 0) {
		filter.kind = PD_FILTER_TOPIC;
		filter.value = name + 6;
	} else if (strncmp(name, "person/", 7) == 0) {
		const char *tok = name + 7;

		if (!pd_token_wellformed(tok, strlen(tok))) {
			rc = PD_ENOTFOUND;
			goto out;
		}
		pd_token_hash(tok, strlen(tok), hash_hex);
		if ((rc = pd_store_feed_token_find(fc->st, hash_hex,
		    &pid)) != PD_OK)
			goto out;
		if ((rc = pd_store_person_get(fc->st, pid, &who)) != PD_OK)
			goto out;
		filter.kind = PD_FILTER_PERSON;
		filter.person_id = pid;
		ro.privacy = PD_PRIVACY_PERSON;
		ro.privacy_person_id = pid;
		what = who.name;
	} else {
		rc = PD_ENOTFOUND;
		goto out;
	}
	if (filter.kind != PD_FILTER_PERSON) {
		rc = render_public(fc, &filter, since, &ro, &title, out);
		goto out;
	}
	if ((rc = pd_store_calendar_since(fc->st, &filter, since, &cal)) !=
	    PD_OK)
		goto out;
	/* The calendar's name says what it holds: "SMARTCity Gera – Smarte Quartiere". */
	for (i = 0; what == NULL && filter.kind == PD_FILTER_GROUP &&
	    i < cal->ngroups; i++)
		if (strcmp(cal->groups[i].slug, filter.value) == 0)
			what = cal->groups[i].name;
	for (i = 0; what == NULL && filter.kind == PD_FILTER_TOPIC &&
	    i < cal->nevents; i++) {
		for (j = 0; what == NULL && j < cal->events[i].ntopics; j++) {
			char *slug = pd_slug(cal->events[i].topics[j]);

			if (slug != NULL && strcmp(slug, filter.value) == 0)
				what = cal->events[i].topics[j];
			free(slug);
		}
	}
	if (what == NULL && filter.value != NULL)
		what = filter.value;
	if (what != NULL)
		pd_buf_addf(&title, " \xe2\x80\x93 %s", what);
	free(cal->name);
	if ((cal->name = pd_buf_detach(&title, NULL)) == NULL) {
		rc = PD_ENOMEM;
		goto out;
	}
	if ((rc = pd_ical_render(cal, &ro, &body, &len, NULL)) == PD_OK)
		rc = make_feed(body, len, NULL, 0, out);
out:
	pd_buf_free(&title);
	pd_person_clear(&who);
	pd_calendar_free(cal);
	return rc;
}

int
pd_feeds_get(struct pd_feeds *fc, const char *name, int64_t now,
    struct pd_feed **out)
{
	struct pd_feed *f;
	struct entry *e = NULL, *old;
	unsigned h = hash(name);
	int rc;

	pthread_mutex_lock(&fc->cache_lock);
	if ((f = lookup(fc->cur, name)) != NULL) {
		pd_feed_retain(f);
		pthread_mutex_unlock(&fc->cache_lock);
		*out = f;
		return PD_OK;
	}
	/*
	 * Render with the cache locked: requests for the same feed wait for
	 * this one render instead of each doing their own.
	 */
	pthread_mutex_lock(fc->lock);
	rc = render(fc, name, now, &f);
	pthread_mutex_unlock(fc->lock);
	if (rc != PD_OK)
		goto out;
	old = lookup_entry(fc->prev, name);
	/*
	 * New bytes need a newer stamp than the old ones, even when the
	 * clock has not moved a whole second (or is pinned by PODIUM_NOW):
	 * else If-Modified-Since would answer 304 for changed content.
	 */
	if (old == NULL)
		f->mtime = now;
	else if (strcmp(old->etag, f->etag) == 0)
		f->mtime = old->mtime;
	else
		f->mtime = now > old->mtime ? now : old->mtime + 1;
	http_date(f->mtime, f->last_modified);
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->name = strdup(name)) == NULL) {
		free(e);
		pd_feed_release(f);
		rc = PD_ENOMEM;
		goto out;
	}
	e->feed = f;
	e->next = fc->cur[h];
	fc->cur[h] = e;
	fc->bytes += f->len + f->gzlen;
	pd_feed_retain(f);
	*out = f;
out:
	pthread_mutex_unlock(&fc->cache_lock);
	return rc;
}

/*
 * Up to n bytes of f's text from off into buf; the number copied.  From
 * the memfd with pread, so that exporting does not map the feed's pages
 * into the daemon.
 */
static ssize_t
feed_read(const struct pd_feed *f, size_t off, char *buf, size_t n)
{
	if (off >= f->len)
		return 0;
	if (n > f->len - off)
		n = f->len - off;
	if (f->fd >= 0)
		return pread(f->fd, buf, n, (off_t)off);
	memcpy(buf, f->body + off, n);
	return (ssize_t)n;
}

/*
 * Whether path already holds exactly f's text.  A file is rewritten only
 * when its bytes change: nginx or a CDN in front of export_dir tags a
 * file by mtime and size, and would send every feed to every subscriber
 * again after any write.
 */
static int
same_file(const char *path, const struct pd_feed *f)
{
	char a[65536], b[65536];
	struct stat sb;
	size_t off = 0;
	ssize_t n, m;
	int fd, same = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    (uintmax_t)sb.st_size != (uintmax_t)f->len)
		goto out;
	while (off < f->len) {
		if ((n = feed_read(f, off, a, sizeof(a))) <= 0 ||
		    (m = pread(fd, b, (size_t)n, (off_t)off)) != n ||
		    memcmp(a, b, (size_t)n) != 0)
			goto out;
		off += (size_t)n;
	}
	same = 1;
out:
	close(fd);
	return same;
}

/* Writes f's text to dir/name through a temporary file, fsync and rename. */
static int
write_atomic(const char *dir, const char *name, const struct pd_feed *f,
    struct pd_error *err)
{
	struct pd_buf path = PD_BUF_INIT, tmp = PD_BUF_INIT;
	const char *slash;
	char chunk[65536];
	ssize_t n;
	size_t off = 0;
	int fd = -1, rc = PD_OK;

	pd_buf_addf(&path, "%s/%s", dir, name);
	/*
	 * A name of its own: podiumd and a CLI command (person forget,
	 * --config) may write the same feed at once, and a shared temporary
	 * name would let one rename the other's file away.
	 */
	pd_buf_addf(&tmp, "%s/%s.XXXXXX.tmp", dir, name);
	if (pd_buf_failed(&path) || pd_buf_failed(&tmp)) {
		rc = PD_ENOMEM;
		goto out;
	}
	if (same_file(path.data, f))
		goto out;
	if ((slash = strrchr(name, '/')) != NULL) {
		struct pd_buf sub = PD_BUF_INIT;

		pd_buf_addf(&sub, "%s/%.*s", dir, (int)(slash - name), name);
		if (sub.data != NULL)
			mkdir(sub.data, 0755);
		pd_buf_free(&sub);
	}
	if ((fd = mkostemps(tmp.data, 4, O_CLOEXEC)) < 0) {
		rc = pd_error_set(err, PD_EIO, "export_dir", "%s: %s",
		    tmp.data, strerror(errno));
		goto out;
	}
	/* mkostemps makes it 0600; a feed is for everyone to read. */
	if (fchmod(fd, 0644) != 0) {
		rc = pd_error_set(err, PD_EIO, "export_dir", "%s: %s",
		    tmp.data, strerror(errno));
		goto out;
	}
	while (off < f->len) {
		if ((n = feed_read(f, off, chunk, sizeof(chunk))) <= 0 ||
		    write_all(fd, chunk, (size_t)n) != PD_OK) {
			rc = pd_error_set(err, PD_EIO, "export_dir", "%s: %s",
			    tmp.data, n == 0 ? "short read" : strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		rc = pd_error_set(err, PD_EIO, "export_dir", "%s: %s",
		    tmp.data, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp.data, path.data) != 0) {
		rc = pd_error_set(err, PD_EIO, "export_dir", "%s: %s",
		    path.data, strerror(errno));
		unlink(tmp.data);
	}
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp.data);
	}
	pd_buf_free(&path);
	pd_buf_free(&tmp);
	return rc;
}

static int
export_one(struct pd_feeds *fc, const char *name, int64_t now,
    struct pd_error *err)
{
	struct pd_buf file = PD_BUF_INIT;
	struct pd_feed *f = NULL;
	int rc;

	if ((rc = pd_feeds_get(fc, name, now, &f)) != PD_OK)
		return pd_error_set(err, rc, "export_dir", "%s: %s", name,
		    pd_strerror(rc));
	pd_buf_addf(&file, "%s%s", name, pd_schedule_feed_name(name) ? "" :
	    ".ics");
	rc = file.data != NULL ? write_atomic(fc->export_dir, file.data, f,
	    err) : PD_ENOMEM;
	pd_buf_free(&file);
	pd_feed_release(f);
	return rc;
}

static int
export_all(struct pd_feeds *fc, int64_t now, struct pd_error *err)
{
	struct pd_group *groups = NULL;
	struct pd_topic *topics = NULL;
	struct pd_buf name = PD_BUF_INIT;
	size_t ng = 0, nt = 0, i, k;
	int rc;

	pthread_mutex_lock(fc->lock);
	rc = pd_store_group_list(fc->st, &groups, &ng);
	if (rc == PD_OK)
		rc = pd_store_topic_list(fc->st, &topics, &nt);
	pthread_mutex_unlock(fc->lock);
	if (rc != PD_OK)
		goto out;
	mkdir(fc->export_dir, 0755);
	if ((rc = export_one(fc, "all", now, err)) != PD_OK ||
	    (rc = export_one(fc, "schedule.xml", now, err)) != PD_OK ||
	    (rc = export_one(fc, "schedule.json", now, err)) != PD_OK)
		goto out;
	for (i = 0; i < ng + nt; i++) {
		pd_buf_reset(&name);
		if (i < ng)
			pd_buf_addf(&name, "group/%s", groups[i].slug);
		else
			pd_buf_addf(&name, "topic/%s", topics[i - ng].slug);
		if (pd_buf_failed(&name)) {
			rc = PD_ENOMEM;
			goto out;
		}
		if ((rc = export_one(fc, name.data, now, err)) != PD_OK)
			goto out;
		/* A group's schedules: group/SLUG/schedule.xml and .json. */
		for (k = 0; i < ng && k < 2; k++) {
			pd_buf_reset(&name);
			pd_buf_addf(&name, "group/%s/schedule.%s",
			    groups[i].slug, k == 0 ? "xml" : "json");
			if ((rc = name.data != NULL ? export_one(fc, name.data,
			    now, err) : PD_ENOMEM) != PD_OK)
				goto out;
		}
	}
out:
	pd_buf_free(&name);
	pd_group_list_free(groups, ng);
	pd_topic_list_free(topics, nt);
	return rc;
}

int
pd_feeds_refresh(struct pd_feeds *fc, int64_t now, struct pd_error *err)
{
	struct entry *e;
	int64_t rev = 0;
	size_t i;
	int rc;

	pthread_mutex_lock(fc->lock);
	rc = pd_store_revision(fc->st, &rev);
	pthread_mutex_unlock(fc->lock);
	if (rc != PD_OK)
		return rc;
	pthread_mutex_lock(&fc->cache_lock);
	/* With a history window, time alone moves the feeds: hourly. */
	if (rev == fc->revision && (fc->history == 0 ||
	    (now - fc->history) / 3600 == fc->window)) {
		pthread_mutex_unlock(&fc->cache_lock);
		return PD_OK;
	}
	fc->window = (now - fc->history) / 3600;
	/* What is cached now becomes the generation to compare with. */
	drop_map(fc->prev, NULL);
	for (i = 0; i < NBUCKETS; i++)
		for (e = fc->cur[i]; e != NULL; e = e->next) {
			memcpy(e->etag, e->feed->etag, sizeof(e->etag));
			e->mtime = e->feed->mtime;
			pd_feed_release(e->feed);
			e->feed = NULL;
		}
	memcpy(fc->prev, fc->cur, sizeof(fc->cur));
	memset(fc->cur, 0, sizeof(fc->cur));
	fc->bytes = 0;
	fc->revision = rev;
	pthread_mutex_unlock(&fc->cache_lock);
	if (fc->export_dir != NULL)
		return export_all(fc, now, err);
	return PD_OK;
}
