/*
 * A programme of many people for the mail and privacy tests
 * (test_mail_scale.c, test_privacy.c): a fresh store in a temporary
 * folder, a spool-mode configuration, and events built in memory and
 * imported in one transaction (fast enough for thousands of people).
 *
 * Every event starts on 2021-03-05 + its index (days), 18:00 Berlin, has
 * the organizer Michael Tietz, the chair Mara Moderatorin, one confirmed
 * talk by Prof. Teich, and every one of the npeople citizens
 * ("Bürger N", bN@example.org) as an accepted participant.  Events with
 * an odd index belong to the group "Offenes Forum", whose attendance is
 * public; the others to "Geschlossener Kreis".  "Niemand Sonst" is a
 * member of both groups and attends nothing: no feed and no mail but the
 * organizers' full export may name them.
 *
 * Header-only (static functions) because two test programs share it.
 */
#ifndef PODIUM_TEST_MAIL_FIXTURE_H
#define PODIUM_TEST_MAIL_FIXTURE_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podium/config.h"
#include "podium/model.h"
#include "podium/sched.h"
#include "podium/store.h"

#define MFX_FIRST_START 1614963600	/* 2021-03-05T17:00:00Z */
#define MFX_DAY 86400

struct mfx {
	char dir[64];
	char path[96];
	char spool[96];
	struct pd_store *st;
	pthread_mutex_t lock;
	struct pd_config cfg;
	unsigned char key[32];
	struct pd_sched *s;
};

/* A formatted copy of a literal format with one long; aborts on no memory. */
#define mfx_printf(fmt, a) __extension__ ({				\
	char *s_ = NULL;						\
	if (asprintf(&s_, fmt, (long)(a)) < 0)				\
		abort();						\
	s_;								\
})

static void
mfx_person(struct pd_person *p, char *name, char *email)
{
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->email = email;
	p->lang = strdup("de");
}

static struct pd_calendar *
mfx_calendar(size_t nevents, size_t npeople)
{
	struct pd_calendar *cal = calloc(1, sizeof(*cal));
	size_t i, j;

	cal->events = calloc(nevents, sizeof(*cal->events));
	cal->nevents = nevents;
	cal->groups = calloc(2, sizeof(*cal->groups));
	cal->ngroups = 2;
	for (i = 0; i < 2; i++) {
		struct pd_group *g = &cal->groups[i];

		g->name = strdup(i ? "Offenes Forum" : "Geschlossener Kreis");
		g->slug = pd_slug(g->name);
		g->public_attendance = (int)i;
		g->members = calloc(1, sizeof(*g->members));
		g->nmembers = 1;
		mfx_person(&g->members[0].person, strdup("Niemand Sonst"),
		    strdup("niemand.sonst@example.org"));
	}
	for (i = 0; i < nevents; i++) {
		struct pd_event *ev = &cal->events[i];

		ev->uid = mfx_printf("forum-%ld@test", (long)i);
		ev->title = mfx_printf("Bürgerforum %ld", (long)i);
		ev->tzid = strdup("Europe/Berlin");
		ev->start = mfx_printf("2021-03-%02ld 18:00", (long)(5 + i));
		ev->end = mfx_printf("2021-03-%02ld 20:00", (long)(5 + i));
		ev->status = PD_EVENT_CONFIRMED;
		ev->group_name = strdup(cal->groups[i % 2].name);
		ev->group_slug = strdup(cal->groups[i % 2].slug);
		mfx_person(&ev->organizer, strdup("Michael Tietz"),
		    strdup("michael.tietz@example.org"));
		ev->talks = calloc(1, sizeof(*ev->talks));
		ev->ntalks = 1;
		ev->talks[0].uid = mfx_printf("talk-%ld@test", (long)i);
		ev->talks[0].title = strdup("Smarte Quartiere");
		ev->talks[0].status = PD_TALK_CONFIRMED;
		mfx_person(&ev->talks[0].speaker, strdup("Prof. Teich"),
		    strdup("prof.teich@example.org"));
		ev->attendances = calloc(npeople + 1,
		    sizeof(*ev->attendances));
		ev->nattendances = npeople + 1;
		ev->attendances[0].role = PD_ROLE_CHAIR;
		ev->attendances[0].status = PD_PART_ACCEPTED;
		mfx_person(&ev->attendances[0].person,
		    strdup("Mara Moderatorin"),
		    strdup("mara.moderatorin@example.org"));
		for (j = 0; j < npeople; j++) {
			struct pd_attendance *a = &ev->attendances[j + 1];

			a->role = PD_ROLE_PARTICIPANT;
			a->status = PD_PART_ACCEPTED;
			mfx_person(&a->person, mfx_printf("Bürger %ld",
			    (long)j), mfx_printf("b%ld@example.org", (long)j));
		}
	}
	return cal;
}

/* A fresh store holding mfx_calendar(nevents, npeople), or nothing. */
static int
mfx_open(struct mfx *f, size_t nevents, size_t npeople, int64_t now)
{
	struct pd_calendar *cal;
	struct pd_error err = { 0, NULL, NULL };

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/podium-mailfx-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/p.db", f->dir);
	snprintf(f->spool, sizeof(f->spool), "%s/spool", f->dir);
	if (pd_store_open(f->path, now, &f->st, &err) != PD_OK)
		return -1;
	pthread_mutex_init(&f->lock, NULL);
	cal = mfx_calendar(nevents, npeople);
	/* No events: an empty store, for importing into. */
	if (nevents > 0 && pd_store_import(f->st, cal, NULL) != PD_OK) {
		fprintf(stderr, "import: %s\n", pd_store_error(f->st)->msg);
		pd_calendar_free(cal);
		return -1;
	}
	pd_calendar_free(cal);
	pd_config_defaults(&f->cfg);
	free(f->cfg.spool_dir);
	f->cfg.spool_dir = strdup(f->spool);
	memset(f->key, 7, sizeof(f->key));
	return pd_sched_new(f->st, &f->lock, &f->cfg, f->key, NULL, &f->s);
}

static int
mfx_unlink(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
mfx_close(struct mfx *f)
{
	pd_sched_free(f->s);
	pd_store_close(f->st);
	pd_config_clear(&f->cfg);
	pthread_mutex_destroy(&f->lock);
	/* The folder is ours alone (mkdtemp): the spool, the database. */
	nftw(f->dir, mfx_unlink, 8, FTW_DEPTH | FTW_PHYS);
}

/*
 * The decoded text/calendar part of a composed message (quoted-printable,
 * as compose.c writes it), from BEGIN:VCALENDAR to the end; the caller
 * frees it.  NULL when there is none.
 */
static char *
mfx_calendar_part(const char *msg, size_t len)
{
	const char *p = memmem(msg, len, "BEGIN:VCALENDAR", 15), *end;
	char *out, *o;

	if (p == NULL)
		return NULL;
	end = memmem(p, len - (size_t)(p - msg), "END:VCALENDAR", 13);
	if (end == NULL)
		return NULL;
	end += 13;
	if ((out = o = malloc((size_t)(end - p) + 3)) == NULL)
		return NULL;
	while (p < end) {
		if (p[0] == '=' && p + 2 < end + 2 && p[1] == '\r' &&
		    p[2] == '\n') {
			p += 3;		/* soft line break */
		} else if (p[0] == '=' && p + 2 < end) {
			unsigned v = 0;

			sscanf(p + 1, "%2x", &v);
			*o++ = (char)v;
			p += 3;
		} else {
			*o++ = *p++;
		}
	}
	memcpy(o, "\r\n", 3);
	return out;
}

/* Unfolds an iCalendar text in place (CRLF + space/tab joins lines). */
static __attribute__((unused)) char *
mfx_unfold(char *s)
{
	char *r = s, *w = s;

	while (*r != '\0') {
		if (r[0] == '\r' && r[1] == '\n' && (r[2] == ' ' ||
		    r[2] == '\t')) {
			r += 3;
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
	return s;
}

/* Lines of an iCalendar text as written (folded lines count each). */
static size_t
mfx_lines(const char *s)
{
	size_t n = 0;

	for (; (s = strstr(s, "\r\n")) != NULL; s += 2)
		n++;
	return n;
}

#endif
