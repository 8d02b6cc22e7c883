/*
 * Feeds put together from pieces (feed_pieces.h).
 *
 * A public feed is a head (calendar properties, the people its events
 * name, group members, zones), the VEVENTs of its events in order, and a
 * tail; ical_render.c renders each part alone with the same bytes as a
 * whole.  The VEVENTs are nearly all of the bytes and nearly all of the
 * work, and an event's VEVENT is a function of its rows and the variant
 * only.  So each one is kept here, keyed by event id, with the render
 * mark (store.h) it was made at: a feed asks the store for its events'
 * ids and marks (an index read), renders the few whose mark moved, and
 * copies the rest.  The head is rendered every time; it is small (one
 * line per person named) and depends on the whole feed.
 *
 * Each piece also keeps what the head needs from its event (zone, the
 * ids of the people it names) and the digest of its bytes.
 *
 * The gzip form is a concatenation too, of blocks: runs of about 32
 * consecutive pieces, cut after a piece whose event id hashes to 0
 * modulo 32 (content-defined, as rsync cuts: a change, an insertion or a
 * removal changes the one or two blocks around it, not the rest).  Each
 * block is compressed alone as raw deflate ending in a sync flush
 * (byte-aligned, not final), which may be followed by any other deflate
 * data; the feed's stream is a gzip header, the head, the blocks, a final
 * block and the CRC-32 of the whole, combined from the parts'
 * (crc32_combine), as pigz does.  Blocks are kept by the digest of their
 * pieces' digests, so feeds that share a run share its block, and a
 * change costs the compression of about 32 events.  A block of 32 events
 * compresses nearly as well as one stream (deflate looks back 32 KiB).
 *
 * The feed's ETag is made from the digests of its parts; equal bytes
 * give equal parts (the cut points are the event boundaries), so equal
 * tags.  Not here: which feeds exist, caching whole feeds, HTTP (feed.c).
 */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "podium/buf.h"
#include "podium/feed.h"
#include "podium/ical.h"
#include "podium/model.h"
#include "podium/store.h"

#include "feed_pieces.h"

/* Events loaded and rendered at a time (a first render loads them all). */
#define LOAD_BATCH 512

/*
 * 100,000 of these are the daemon's bookkeeping at scale: the text lives
 * in the same allocation, and the people only in a variant whose head
 * has the directory (the full export's; public heads name no one).
 */
struct piece {
	int64_t id;
	int64_t mark;
	uint64_t seen;		/* pc->gen of the last "all" that had it */
	struct piece *next;	/* in its bucket */
	const char *zone;	/* pd_ical_event_zone(), interned; or NULL */
	int64_t *people;	/* ids of the people it names, or NULL */
	uint32_t npeople;
	unsigned char digest[16];
	size_t len;
	char body[];		/* len bytes and a NUL */
};

/* A run of pieces, compressed (see the top of the file). */
struct block {
	unsigned char key[16];	/* digest of its pieces' digests */
	unsigned char *gz;	/* raw deflate, sync-flushed */
	size_t gzlen;
	size_t len;		/* of the text */
	uint32_t crc;		/* CRC-32 of the text */
	uint64_t used;		/* pc->tick of the last render that had it */
	struct block *next;
};

struct pd_pieces {
	struct pd_render_opts opts;
	struct piece **buckets;
	size_t nbuckets, n;
	uint64_t gen;
	size_t bytes;
	struct block **blocks;
	size_t nblockb, nblocks;
	uint64_t tick;		/* renders so far */
	uint64_t last_all;	/* tick of the last "all" */
	uint64_t prev_all;	/* tick of the "all" before it */
	char **zones;		/* the TZIDs pieces need, one copy each */
	size_t nzones;
	struct pd_buf scratch;	/* one event's rendering */
};

static size_t
bucket(const struct pd_pieces *pc, int64_t id)
{
	uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 32) & (pc->nbuckets - 1);
}

static void
piece_free(struct piece *p)
{
	if (p == NULL)
		return;
	free(p->people);
	free(p);
}

int
pd_pieces_new(const struct pd_render_opts *opts, struct pd_pieces **out)
{
	struct pd_pieces *pc;

	if ((pc = calloc(1, sizeof(*pc))) == NULL)
		return PD_ENOMEM;
	pc->opts = *opts;
	pc->opts.refresh = NULL;	/* the head's, not the pieces' */
	pc->nbuckets = 1024;
	pc->nblockb = 256;
	if ((pc->buckets = calloc(pc->nbuckets, sizeof(*pc->buckets))) ==
	    NULL || (pc->blocks = calloc(pc->nblockb,
	    sizeof(*pc->blocks))) == NULL) {
		free(pc->buckets);
		free(pc);
		return PD_ENOMEM;
	}
	*out = pc;
	return PD_OK;
}

/* Drops the blocks last used before tick (UINT64_MAX: all). */
static void
drop_blocks(struct pd_pieces *pc, uint64_t tick)
{
	struct block **pp, *b;
	size_t i;

	for (i = 0; i < pc->nblockb; i++)
		for (pp = &pc->blocks[i]; (b = *pp) != NULL;) {
			if (tick != UINT64_MAX && b->used >= tick) {
				pp = &b->next;
				continue;
			}
			*pp = b->next;
			pc->bytes -= b->gzlen;
			pc->nblocks--;
			free(b->gz);
			free(b);
		}
}

void
pd_pieces_free(struct pd_pieces *pc)
{
	struct piece *p, *next;
	size_t i;

	if (pc == NULL)
		return;
	for (i = 0; i < pc->nbuckets; i++)
		for (p = pc->buckets[i]; p != NULL; p = next) {
			next = p->next;
			piece_free(p);
		}
	drop_blocks(pc, UINT64_MAX);
	for (i = 0; i < pc->nzones; i++)
		free(pc->zones[i]);
	free(pc->zones);
	free(pc->buckets);
	free(pc->blocks);
	pd_buf_free(&pc->scratch);
	free(pc);
}

size_t
pd_pieces_bytes(const struct pd_pieces *pc)
{
	return pc->bytes;
}

static struct piece *
find(const struct pd_pieces *pc, int64_t id)
{
	struct piece *p;

	for (p = pc->buckets[bucket(pc, id)]; p != NULL; p = p->next)
		if (p->id == id)
			return p;
	return NULL;
}

static int
grow(struct pd_pieces *pc)
{
	struct piece **nb, *p, *next;
	size_t n = pc->nbuckets * 2, i, j;

	if ((nb = calloc(n, sizeof(*nb))) == NULL)
		return PD_ENOMEM;
	for (i = 0; i < pc->nbuckets; i++)
		for (p = pc->buckets[i]; p != NULL; p = next) {
			next = p->next;
			j = (size_t)(((uint64_t)p->id * 0x9e3779b97f4a7c15ULL)
			    >> 32) & (n - 1);
			p->next = nb[j];
			nb[j] = p;
		}
	free(pc->buckets);
	pc->buckets = nb;
	pc->nbuckets = n;
	return PD_OK;
}

/* Puts p in place of the piece of its event (taking it over). */
static int
put(struct pd_pieces *pc, struct piece *p)
{
	struct piece **pp;
	size_t b;

	if (pc->n >= pc->nbuckets && grow(pc) != PD_OK) {
		piece_free(p);
		return PD_ENOMEM;
	}
	b = bucket(pc, p->id);
	for (pp = &pc->buckets[b]; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->id == p->id) {
			struct piece *old = *pp;

			p->next = old->next;
			*pp = p;
			pc->bytes -= old->len;
			pc->bytes += p->len;
			piece_free(old);
			return PD_OK;
		}
	p->next = pc->buckets[b];
	pc->buckets[b] = p;
	pc->n++;
	pc->bytes += p->len;
	return PD_OK;
}

/* Drops the pieces of events that the last "all" did not have. */
static void
sweep(struct pd_pieces *pc)
{
	struct piece **pp, *p;
	size_t i;

	for (i = 0; i < pc->nbuckets; i++)
		for (pp = &pc->buckets[i]; (p = *pp) != NULL;) {
			if (p->seen == pc->gen) {
				pp = &p->next;
				continue;
			}
			*pp = p->next;
			pc->bytes -= p->len;
			pc->n--;
			piece_free(p);
		}
}

/*
 * Raw deflate of in, ending in a sync flush (last = 0) or in the final
 * block (last = 1); appended to *out.
 */
static int
deflate_part(const void *in, size_t len, int last, struct pd_buf *out)
{
	unsigned char chunk[16384];
	z_stream zs;
	int zrc, flush = last ? Z_FINISH : Z_SYNC_FLUSH, rc = PD_OK;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return PD_ENOMEM;
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	do {
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		zrc = deflate(&zs, flush);
		if (zrc == Z_STREAM_ERROR) {
			rc = PD_ENOMEM;
			break;
		}
		if ((rc = pd_buf_add(out, chunk, sizeof(chunk) -
		    zs.avail_out)) != PD_OK)
			break;
	} while (zs.avail_out == 0 || (last && zrc != Z_STREAM_END));
	deflateEnd(&zs);
	return rc;
}

static void
digest16(const void *data, size_t len, unsigned char out[16])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		memset(md, 0, sizeof(md));
	memcpy(out, md, 16);
}

static int
add_id(int64_t **v, size_t *n, int64_t id)
{
	int64_t *nv;

	if (id == 0)
		return PD_OK;
	/* Grown at 0 and at every power of two: room for one more. */
	if (*n == 0 || (*n & (*n - 1)) == 0) {
		size_t cap = *n == 0 ? 4 : *n * 2;

		if ((nv = realloc(*v, cap * sizeof(*nv))) == NULL)
			return PD_ENOMEM;
		*v = nv;
	}
	(*v)[(*n)++] = id;
	return PD_OK;
}

/* The people ev names, as emit_people() would collect them. */
static int
people_of(const struct pd_event *ev, int64_t **out, uint32_t *nout)
{
	int64_t *v = NULL, *exact;
	size_t i, n = 0;
	int rc = add_id(&v, &n, ev->organizer.id);

	for (i = 0; i < ev->ntalks && rc == PD_OK; i++)
		if ((rc = add_id(&v, &n, ev->talks[i].speaker.id)) == PD_OK)
			rc = add_id(&v, &n, ev->talks[i].via.id);
	for (i = 0; i < ev->nattendances && rc == PD_OK; i++)
		rc = add_id(&v, &n, ev->attendances[i].person.id);
	if (rc != PD_OK || n > UINT32_MAX) {
		free(v);
		return PD_ENOMEM;
	}
	/* Kept for long: without the room to grow. */
	if (n > 0 && (exact = realloc(v, n * sizeof(*exact))) != NULL)
		v = exact;
	*out = v;
	*nout = (uint32_t)n;
	return PD_OK;
}

/*
 * The cache's one copy of a TZID: a programme uses a handful of zones,
 * and a copy per event was a few MB of the daemon's heap.
 */
static const char *
intern_zone(struct pd_pieces *pc, const char *zone)
{
	char **nz;
	size_t i;

	for (i = 0; i < pc->nzones; i++)
		if (strcmp(pc->zones[i], zone) == 0)
			return pc->zones[i];
	if ((nz = realloc(pc->zones, (pc->nzones + 1) * sizeof(*nz))) == NULL)
		return NULL;
	pc->zones = nz;
	if ((nz[pc->nzones] = strdup(zone)) == NULL)
		return NULL;
	return nz[pc->nzones++];
}

/* An event of a batch rendered into pc->scratch, its piece not made yet. */
struct made {
	int64_t id;
	int64_t mark;
	size_t off, len;	/* in pc->scratch */
	const char *zone;
	int64_t *people;
	uint32_t npeople;
};

/* Renders ev at mark to the end of pc->scratch. */
static int
render_one(struct pd_pieces *pc, const struct pd_event *ev, int64_t mark,
    struct made *m, struct pd_error *err)
{
	const char *zone;
	int rc;

	memset(m, 0, sizeof(*m));
	m->id = ev->id;
	m->mark = mark;
	m->off = pc->scratch.len;
	if ((rc = pd_ical_render_event(ev, &pc->opts, &pc->scratch, err)) !=
	    PD_OK) {
		pd_buf_free(&pc->scratch);	/* its error is sticky */
		return rc;
	}
	m->len = pc->scratch.len - m->off;
	if ((zone = pd_ical_event_zone(ev)) != NULL &&
	    (m->zone = intern_zone(pc, zone)) == NULL)
		return PD_ENOMEM;
	/* Only a head with the directory needs them (the full export). */
	if (pd_ical_has_directory(&pc->opts))
		return people_of(ev, &m->people, &m->npeople);
	return PD_OK;
}

/* The piece of m, taking over its people. */
static int
make_piece(struct pd_pieces *pc, struct made *m)
{
	struct piece *p;

	/* Kept for long, so without the buffer's room to grow. */
	if ((p = malloc(sizeof(*p) + m->len + 1)) == NULL)
		return PD_ENOMEM;
	memset(p, 0, sizeof(*p));
	p->id = m->id;
	p->mark = m->mark;
	p->len = m->len;
	memcpy(p->body, pc->scratch.data + m->off, m->len);
	p->body[m->len] = '\0';
	digest16(p->body, p->len, p->digest);
	p->zone = m->zone;
	p->people = m->people;
	p->npeople = m->npeople;
	m->people = NULL;
	return put(pc, p);
}

/* The store's message, for the feed's caller. */
static int
store_err(struct pd_store *st, int rc, struct pd_error *err)
{
	const struct pd_error *e = pd_store_error(st);

	return pd_error_set(err, rc, NULL, "%s", e != NULL && e->msg != NULL ?
	    e->msg : pd_strerror(rc));
}

static int
cmp_row(const void *a, const void *b)
{
	const struct pd_feed_row *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Renders the events of rows that have no piece at their mark yet. */
static int
refresh(struct pd_pieces *pc, struct pd_store *st,
    const struct pd_feed_row *rows, size_t n, struct pd_error *err)
{
	struct pd_feed_row *need = NULL, key, *hit;
	struct pd_event *evs = NULL;
	struct made made[LOAD_BATCH];
	struct piece *p;
	int64_t *ids = NULL;
	size_t nneed = 0, nev = 0, nmade, i, b;
	int rc = PD_OK;

	for (i = 0; i < n; i++) {
		p = find(pc, rows[i].id);
		if (p != NULL && p->mark == rows[i].mark)
			continue;
		if (nneed % 256 == 0) {
			struct pd_feed_row *nr = realloc(need,
			    (nneed + 256) * sizeof(*nr));

			if (nr == NULL) {
				rc = PD_ENOMEM;
				goto out;
			}
			need = nr;
		}
		need[nneed++] = rows[i];
	}
	if (nneed == 0)
		goto out;
	if ((ids = malloc(nneed * sizeof(*ids))) == NULL) {
		rc = PD_ENOMEM;
		goto out;
	}
	/* By id: an event's part rows are neighbours (pd_feed_write). */
	qsort(need, nneed, sizeof(*need), cmp_row);
	for (i = 0; i < nneed; i++)
		ids[i] = need[i].id;
	/*
	 * A row may be newer than its mark if another process wrote in
	 * between: the piece then carries the older mark and is made again
	 * next time, which is only late, never wrong.  Events are loaded a
	 * batch at a time, so that a first render never holds the whole
	 * calendar as structs.
	 */
	for (b = 0; b < nneed && rc == PD_OK; b += LOAD_BATCH) {
		size_t nb = nneed - b < LOAD_BATCH ? nneed - b : LOAD_BATCH;

		if ((rc = pd_store_events_by_id(st, ids + b, nb, &evs,
		    &nev)) != PD_OK) {
			rc = store_err(st, rc, err);
			break;
		}
		pd_buf_reset(&pc->scratch);
		for (i = 0, nmade = 0; i < nev && rc == PD_OK; i++) {
			key.id = evs[i].id;
			if ((hit = bsearch(&key, need, nneed, sizeof(*need),
			    cmp_row)) == NULL)
				continue;
			rc = render_one(pc, &evs[i], hit->mark, &made[nmade++],
			    err);
		}
		/*
		 * The events are freed before the pieces are made, so that
		 * the pieces fill the room the events had, and a first render
		 * does not leave the kept bytes spread among holes.
		 */
		for (i = 0; i < nev; i++)
			pd_event_clear(&evs[i]);
		free(evs);
		evs = NULL;
		nev = 0;
		for (i = 0; i < nmade; i++) {
			if (rc == PD_OK)
				rc = make_piece(pc, &made[i]);
			free(made[i].people);
		}
	}
	/*
	 * Many small blocks were freed around the kept pieces; give the
	 * pages back, or a first render stays in the daemon's footprint.
	 */
	if (nneed > LOAD_BATCH)
		malloc_trim(0);
out:
	for (i = 0; i < nev; i++)
		pd_event_clear(&evs[i]);
	free(evs);
	free(ids);
	free(need);
	return rc;
}

/*
 * A set of person ids.  Ids are small integers, so a bitmap finds the
 * distinct ones in one pass (a sort of a million ids was a fifth of an
 * "all" after a change).
 */
struct idset {
	unsigned char *bits;
	size_t nbytes;
	size_t n;		/* distinct ids in it */
};

static int
idset_add(struct idset *s, int64_t id)
{
	size_t need;

	if (id <= 0)
		return PD_OK;
	if ((uint64_t)id / 8 >= s->nbytes) {
		unsigned char *nb;

		need = (size_t)id / 8 + 1;
		need = need < 2 * s->nbytes ? 2 * s->nbytes : need;
		if ((nb = realloc(s->bits, need)) == NULL)
			return PD_ENOMEM;
		memset(nb + s->nbytes, 0, need - s->nbytes);
		s->bits = nb;
		s->nbytes = need;
	}
	if ((s->bits[id / 8] & (1u << (id % 8))) == 0) {
		s->bits[id / 8] |= (unsigned char)(1u << (id % 8));
		s->n++;
	}
	return PD_OK;
}

/* The people ev names, as emit_people() would collect them. */
static int
idset_add_event(struct idset *s, const struct pd_event *ev)
{
	size_t i;
	int rc = idset_add(s, ev->organizer.id);

	for (i = 0; i < ev->ntalks && rc == PD_OK; i++)
		if ((rc = idset_add(s, ev->talks[i].speaker.id)) == PD_OK)
			rc = idset_add(s, ev->talks[i].via.id);
	for (i = 0; i < ev->nattendances && rc == PD_OK; i++)
		rc = idset_add(s, ev->attendances[i].person.id);
	return rc;
}

/* Loads the people of s, once each. */
static int
idset_load(struct pd_store *st, const struct idset *s,
    struct pd_person **out, size_t *nout, struct pd_error *err)
{
	int64_t *ids;
	size_t i, j;
	int rc;

	*out = NULL;
	*nout = 0;
	if (s->n == 0)
		return PD_OK;
	if ((ids = malloc(s->n * sizeof(*ids))) == NULL)
		return PD_ENOMEM;
	for (i = 0, j = 0; i < s->nbytes * 8 && j < s->n; i++)
		if ((s->bits[i / 8] & (1u << (i % 8))) != 0)
			ids[j++] = (int64_t)i;
	if ((rc = pd_store_people_by_id(st, ids, j, out, nout)) != PD_OK)
		rc = store_err(st, rc, err);
	free(ids);
	return rc;
}

/* The people the feed's pieces name, loaded once each. */
static int
feed_people(struct pd_store *st, struct piece **ps, size_t n,
    struct pd_person **out, size_t *nout, struct pd_error *err)
{
	struct idset set = { NULL, 0, 0 };
	size_t i, j;
	int rc = PD_OK;

	for (i = 0; i < n && rc == PD_OK; i++)
		for (j = 0; j < ps[i]->npeople && rc == PD_OK; j++)
			rc = idset_add(&set, ps[i]->people[j]);
	if (rc == PD_OK)
		rc = idset_load(st, &set, out, nout, err);
	free(set.bits);
	return rc;
}

/* The feed's tag: a digest of its head and of its pieces' digests. */
static int
feed_tag(const struct pd_buf *head, struct piece **ps, size_t np,
    unsigned char tag[16])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	size_t i;
	int ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return PD_ENOMEM;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, head->data, head->len) == 1;
	for (i = 0; ok && i < np; i++)
		ok = EVP_DigestUpdate(ctx, ps[i]->digest, 16) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return PD_ENOMEM;
	memcpy(tag, md, 16);
	return PD_OK;
}

/* Little-endian, as gzip's trailer has it. */
static void
put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* Writes all of data to fd. */
static int
put_bytes(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t w;

	while (len > 0) {
		if ((w = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return PD_EIO;
		}
		p += w;
		len -= (size_t)w;
	}
	return PD_OK;
}

/* Where a block with key goes in the block table. */
static size_t
block_slot(size_t nb, const unsigned char key[16])
{
	uint64_t h;

	memcpy(&h, key, sizeof(h));
	return (size_t)h & (nb - 1);
}

static int
grow_blocks(struct pd_pieces *pc)
{
	struct block **nb, *b, *next;
	size_t n = pc->nblockb * 2, i, j;

	if ((nb = calloc(n, sizeof(*nb))) == NULL)
		return PD_ENOMEM;
	for (i = 0; i < pc->nblockb; i++)
		for (b = pc->blocks[i]; b != NULL; b = next) {
			next = b->next;
			j = block_slot(n, b->key);
			b->next = nb[j];
			nb[j] = b;
		}
	free(pc->blocks);
	pc->blocks = nb;
	pc->nblockb = n;
	return PD_OK;
}

/* Whether the block ends after a piece of event id (content-defined). */
static int
cut_after(int64_t id)
{
	return (((uint64_t)id * 0x9e3779b97f4a7c15ULL) >> 59) == 0;
}

/*
 * The block of the n pieces at ps, from the table or compressed now.
 * Borrowed: valid until the table is swept.
 */
static int
block_of(struct pd_pieces *pc, struct piece **ps, size_t n,
    struct block **out)
{
	unsigned char md[EVP_MAX_MD_SIZE], chunk[16384];
	unsigned int mdlen = 0;
	struct pd_buf z = PD_BUF_INIT;
	struct block *b;
	EVP_MD_CTX *ctx;
	z_stream zs;
	size_t i, slot;
	int ok, zrc, rc = PD_OK;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return PD_ENOMEM;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	for (i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, ps[i]->digest, 16) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return PD_ENOMEM;
	slot = block_slot(pc->nblockb, md);
	for (b = pc->blocks[slot]; b != NULL; b = b->next)
		if (memcmp(b->key, md, 16) == 0) {
			b->used = pc->tick;
			*out = b;
			return PD_OK;
		}
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return PD_ENOMEM;
	memcpy(b->key, md, 16);
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK) {
		free(b);
		return PD_ENOMEM;
	}
	for (i = 0; i < n && rc == PD_OK; i++) {
		b->crc = (uint32_t)crc32(b->crc, (const Bytef *)ps[i]->body,
		    (uInt)ps[i]->len);
		b->len += ps[i]->len;
		zs.next_in = (Bytef *)ps[i]->body;
		zs.avail_in = (uInt)ps[i]->len;
		do {
			zs.next_out = chunk;
			zs.avail_out = sizeof(chunk);
			zrc = deflate(&zs, i + 1 < n ? Z_NO_FLUSH :
			    Z_SYNC_FLUSH);
			if (zrc == Z_STREAM_ERROR)
				rc = PD_ENOMEM;
			else
				rc = pd_buf_add(&z, chunk,
				    sizeof(chunk) - zs.avail_out);
		} while (rc == PD_OK && zs.avail_out == 0);
	}
	deflateEnd(&zs);
	if (rc != PD_OK || (b->gz = malloc(z.len + 1)) == NULL) {
		pd_buf_free(&z);
		free(b);
		return rc != PD_OK ? rc : PD_ENOMEM;
	}
	memcpy(b->gz, z.data, z.len);
	b->gzlen = z.len;
	pd_buf_free(&z);
	b->used = pc->tick;
	if (pc->nblocks >= pc->nblockb && grow_blocks(pc) == PD_OK)
		slot = block_slot(pc->nblockb, md);
	b->next = pc->blocks[slot];
	pc->blocks[slot] = b;
	pc->nblocks++;
	pc->bytes += b->gzlen;
	*out = b;
	return PD_OK;
}

/*
 * Writes the blocks of the np pieces at ps to fd; adds their text's
 * CRC-32 to *crc and their compressed size to *ztotal.
 */
static int
put_blocks(struct pd_pieces *pc, int fd, struct piece **ps, size_t np,
    uint32_t *crc, size_t *ztotal)
{
	struct block *b;
	size_t i = 0, j;
	int rc;

	while (i < np) {
		for (j = i + 1; j < np && !cut_after(ps[j - 1]->id); j++)
			;
		if ((rc = block_of(pc, ps + i, j - i, &b)) != PD_OK)
			return rc;
		if ((rc = put_bytes(fd, b->gz, b->gzlen)) != PD_OK)
			return rc;
		*crc = (uint32_t)crc32_combine(*crc, b->crc, (z_off_t)b->len);
		*ztotal += b->gzlen;
		i = j;
	}
	return PD_OK;
}

/* Writes all of the k buffers of iov to fd (k <= IOV_MAX). */
static int
put_iov(int fd, const struct iovec *iov, size_t k)
{
	size_t left = 0, done, j;
	ssize_t w;

	for (j = 0; j < k; j++)
		left += iov[j].iov_len;
	while ((w = writev(fd, iov, (int)k)) < 0 && errno == EINTR)
		;
	if (w < 0)
		return PD_EIO;
	/* A short write leaves the rest to put_bytes. */
	for (j = 0, done = (size_t)w; done < left && j < k; j++) {
		if (done >= iov[j].iov_len) {
			done -= iov[j].iov_len;
			left -= iov[j].iov_len;
			continue;
		}
		if (put_bytes(fd, (const char *)iov[j].iov_base + done,
		    iov[j].iov_len - done) != PD_OK)
			return PD_EIO;
		left -= iov[j].iov_len;
		done = 0;
	}
	return PD_OK;
}

/* Writes the text of each piece to fd, IOV_MAX at a time. */
static int
put_pieces(int fd, struct piece **ps, size_t np)
{
	struct iovec iov[IOV_MAX];
	size_t i = 0, k;
	int rc;

	while (i < np) {
		for (k = 0; k < IOV_MAX && i + k < np; k++) {
			iov[k].iov_base = ps[i + k]->body;
			iov[k].iov_len = ps[i + k]->len;
		}
		if ((rc = put_iov(fd, iov, k)) != PD_OK)
			return rc;
		i += k;
	}
	return PD_OK;
}

int
pd_pieces_render(struct pd_pieces *pc, struct pd_store *st,
    const struct pd_calendar *cal, const struct pd_feed_row *rows, size_t n,
    const struct pd_render_opts *opts, int all, int fd, size_t *len,
    size_t *gzlen, unsigned char tag[16], struct pd_error *err)
{
	static const unsigned char gzhead[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0,
	    0, 3 };
	static const char tail[] = PD_ICAL_TAIL;
	struct pd_buf head = PD_BUF_INIT, zhead = PD_BUF_INIT,
	    ztail = PD_BUF_INIT;
	struct piece **ps = NULL;
	struct pd_person *people = NULL;
	const char **zones = NULL;
	unsigned char trailer[8];
	size_t np = 0, nz = 0, npeople = 0, total, ztotal, i;
	uint32_t crc;
	int rc;

	if ((rc = refresh(pc, st, rows, n, err)) != PD_OK)
		goto out;
	pc->tick++;
	if (all)
		pc->gen++;
	if ((ps = malloc((n + 1) * sizeof(*ps))) == NULL ||
	    (zones = malloc((n + 1) * sizeof(*zones))) == NULL) {
		rc = PD_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct piece *p = find(pc, rows[i].id);

		/* Gone between the index and the load: left out. */
		if (p == NULL)
			continue;
		if (all)
			p->seen = pc->gen;
		ps[np++] = p;
		/* Zones repeat in runs; the head's sort removes the rest. */
		if (p->zone != NULL && (nz == 0 || zones[nz - 1] != p->zone))
			zones[nz++] = p->zone;
	}
	if (all)
		sweep(pc);
	if ((rc = feed_people(st, ps, np, &people, &npeople, err)) != PD_OK)
		goto out;
	if ((rc = pd_ical_render_head(cal, people, npeople, zones, nz, opts,
	    &head, err)) != PD_OK)
		goto out;
	if ((rc = feed_tag(&head, ps, np, tag)) != PD_OK)
		goto out;
	/* The text, then its gzip form right after it. */
	total = head.len + sizeof(tail) - 1;
	for (i = 0; i < np; i++)
		total += ps[i]->len;
	if ((rc = put_bytes(fd, head.data, head.len)) != PD_OK ||
	    (rc = put_pieces(fd, ps, np)) != PD_OK ||
	    (rc = put_bytes(fd, tail, sizeof(tail) - 1)) != PD_OK)
		goto out;
	if ((rc = deflate_part(head.data, head.len, 0, &zhead)) != PD_OK ||
	    (rc = deflate_part(tail, sizeof(tail) - 1, 1, &ztail)) != PD_OK)
		goto out;
	crc = (uint32_t)crc32(0L, (const Bytef *)head.data, (uInt)head.len);
	ztotal = sizeof(gzhead) + zhead.len + ztail.len + sizeof(trailer);
	if ((rc = put_bytes(fd, gzhead, sizeof(gzhead))) != PD_OK ||
	    (rc = put_bytes(fd, zhead.data, zhead.len)) != PD_OK ||
	    (rc = put_blocks(pc, fd, ps, np, &crc, &ztotal)) != PD_OK)
		goto out;
	crc = (uint32_t)crc32_combine(crc, (uint32_t)crc32(0L,
	    (const Bytef *)tail, sizeof(tail) - 1), sizeof(tail) - 1);
	put_le32(trailer, crc);
	put_le32(trailer + 4, (uint32_t)total);
	if ((rc = put_bytes(fd, ztail.data, ztail.len)) != PD_OK ||
	    (rc = put_bytes(fd, trailer, sizeof(trailer))) != PD_OK)
		goto out;
	/*
	 * Blocks no render has used in the last two "all"s are dropped:
	 * every public feed is asked for now and then, and one that is not
	 * pays for its blocks again.  Two, not one: a group feed asked for
	 * between two changes would lose its blocks to the second "all"
	 * and compress them again (15 ms of a 2 MB feed here).
	 */
	if (all) {
		drop_blocks(pc, pc->prev_all);
		pc->prev_all = pc->last_all;
		pc->last_all = pc->tick;
	}
	*len = total;
	*gzlen = ztotal;
out:
	if (rc == PD_ENOMEM)
		pd_error_set(err, rc, NULL, "out of memory rendering a feed");
	else if (rc == PD_EIO)
		pd_error_set(err, rc, NULL, "writing a feed: %s",
		    strerror(errno));
	for (i = 0; i < npeople; i++)
		pd_person_clear(&people[i]);
	free(people);
	free(ps);
	free(zones);
	pd_buf_free(&head);
	pd_buf_free(&zhead);
	pd_buf_free(&ztail);
	return rc;
}

/* Where an event's text is in the export's buffer; id for the lookup. */
struct span {
	int64_t id;
	size_t pos;		/* in the calendar's order */
};

static int
cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Writes the n texts at off/len of body to fd in order, IOV_MAX at a time. */
static int
put_spans(int fd, const char *body, const size_t *off, const size_t *len,
    size_t n)
{
	struct iovec iov[IOV_MAX];
	size_t i = 0, k, m;
	int rc;

	while (i < n) {
		for (k = 0, m = 0; m < IOV_MAX && i + k < n; k++) {
			if (len[i + k] == 0)
				continue;	/* gone between index and load */
			iov[m].iov_base = (char *)body + off[i + k];
			iov[m].iov_len = len[i + k];
			m++;
		}
		if ((rc = put_iov(fd, iov, m)) != PD_OK)
			return rc;
		i += k;
	}
	return PD_OK;
}

/*
 * The organizers' export (feed.h): events are loaded and rendered a batch
 * at a time, so that the whole calendar never exists as structs; only
 * the text is held, because the head names the people and zones of every
 * event and comes first.  Batches go by event id, not by the calendar's
 * order: the rows of an event's parts were written together, so a run of
 * ids is a run of pages (twice as fast to load as ids in start order),
 * and the texts are put in order when they are written.
 */
int
pd_feed_write(struct pd_store *st, const struct pd_calendar *cal,
    const struct pd_feed_row *rows, size_t n,
    const struct pd_render_opts *opts, int fd, struct pd_error *err)
{
	static const char tail[] = PD_ICAL_TAIL;
	struct pd_buf body = PD_BUF_INIT, head = PD_BUF_INIT;
	struct idset set = { NULL, 0, 0 };
	struct pd_person *people = NULL;
	struct pd_event_batch bt = { NULL, 0, NULL, 0 };
	struct pd_event *evs;
	struct span *sp = NULL, key, *hit;
	int64_t ids[LOAD_BATCH];
	size_t *off = NULL, *len = NULL;
	char **zones = NULL, **nzs;
	const char *z;
	size_t npeople = 0, nev, nz = 0, b, i, k;
	int rc = PD_OK, dir = pd_ical_has_directory(opts);

	if ((sp = malloc((n + 1) * sizeof(*sp))) == NULL ||
	    (off = calloc(n + 1, sizeof(*off))) == NULL ||
	    (len = calloc(n + 1, sizeof(*len))) == NULL) {
		rc = PD_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		sp[i].id = rows[i].id;
		sp[i].pos = i;
	}
	qsort(sp, n, sizeof(*sp), cmp_span);
	for (b = 0; b < n && rc == PD_OK; b += LOAD_BATCH) {
		size_t nb = n - b < LOAD_BATCH ? n - b : LOAD_BATCH;

		for (i = 0; i < nb; i++)
			ids[i] = sp[b + i].id;
		/*
		 * A dense run of ids (the whole programme, mostly) is loaded
		 * as a range; the events in it that are not the feed's are
		 * loaded but left out below.  The batch's events share their
		 * people: copying them per attendance was a tenth of an export.
		 */
		if (ids[nb - 1] - ids[0] < 2 * (int64_t)nb)
			rc = pd_store_batch_in_range(st, ids[0], ids[nb - 1],
			    &bt);
		else
			rc = pd_store_batch_by_id(st, ids, nb, &bt);
		if (rc != PD_OK) {
			rc = store_err(st, rc, err);
			break;
		}
		evs = bt.ev;
		nev = bt.n;
		for (i = 0; i < nev && rc == PD_OK; i++) {
			key.id = evs[i].id;
			if ((hit = bsearch(&key, sp + b, nb, sizeof(*sp),
			    cmp_span)) == NULL)
				continue;
			off[hit->pos] = body.len;
			if ((rc = pd_ical_render_event(&evs[i], opts, &body,
			    err)) != PD_OK ||
			    (dir && (rc = idset_add_event(&set, &evs[i])) !=
			    PD_OK))
				break;
			len[hit->pos] = body.len - off[hit->pos];
			/* A programme has a handful of zones. */
			if ((z = pd_ical_event_zone(&evs[i])) == NULL)
				continue;
			for (k = 0; k < nz && strcmp(zones[k], z) != 0; k++)
				;
			if (k < nz)
				continue;
			if ((nzs = realloc(zones, (nz + 1) * sizeof(*nzs))) ==
			    NULL || ((zones = nzs), (zones[nz] = strdup(z)) ==
			    NULL)) {
				rc = PD_ENOMEM;
				break;
			}
			nz++;
		}
		pd_event_batch_free(&bt);
	}
	if (rc == PD_OK && dir)
		rc = idset_load(st, &set, &people, &npeople, err);
	if (rc == PD_OK)
		rc = pd_ical_render_head(cal, people, npeople,
		    (const char **)zones, nz, opts, &head, err);
	if (rc == PD_OK && ((rc = put_bytes(fd, head.data, head.len)) !=
	    PD_OK || (rc = put_spans(fd, body.data, off, len, n)) != PD_OK ||
	    (rc = put_bytes(fd, tail, sizeof(tail) - 1)) != PD_OK))
		pd_error_set(err, rc, NULL, "writing the calendar: %s",
		    strerror(errno));
out:
	if (rc == PD_ENOMEM)
		pd_error_set(err, rc, NULL, "out of memory rendering calendar");
	for (i = 0; i < npeople; i++)
		pd_person_clear(&people[i]);
	free(people);
	for (i = 0; i < nz; i++)
		free(zones[i]);
	free(zones);
	free(set.bits);
	free(sp);
	free(off);
	free(len);
	pd_buf_free(&body);
	pd_buf_free(&head);
	return rc;
}
