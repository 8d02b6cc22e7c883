/*
 * Who is shown where (issue 15, GDPR Art. 25): the person directory only
 * in the organizers' full export; iMIP parts name the organizer, the
 * addressee and the speakers; public feeds name speakers and chairs, and
 * participants only where the event or its group made attendance public;
 * a personal feed adds its owner.  The programme is mail_fixture.h's:
 * events with an odd index are in the group whose attendance is public.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "podium/compose.h"
#include "podium/feed.h"
#include "podium/ical.h"
#include "podium/outbox.h"
#include "podium/plan.h"
#include "podium/token.h"

#include "mail_fixture.h"

#define NOW (MFX_FIRST_START - 30 * MFX_DAY)

/* The VEVENT of uid in a calendar text, as a copy; NULL if absent. */
static char *
vevent(const char *cal, const char *uid)
{
	char needle[96];
	const char *p, *start, *end;

	snprintf(needle, sizeof(needle), "UID:%s\r\n", uid);
	if ((p = strstr(cal, needle)) == NULL)
		return NULL;
	for (start = p; start > cal && strncmp(start, "BEGIN:VEVENT", 12);
	    start--)
		;
	assert_non_null(end = strstr(p, "END:VEVENT"));
	return mfx_unfold(strndup(start, (size_t)(end - start)));
}

/* The calendar part of the invitation to name for event uid. */
static char *
invitation(struct mfx *f, const char *uid, const char *name)
{
	struct pd_plan_input in;
	struct pd_compose_ctx ctx;
	struct pd_composed out;
	struct pd_error err = { 0, NULL, NULL };
	struct pd_event *evs = NULL;
	struct pd_mail *mails = NULL;
	int64_t *marks = NULL;
	size_t nev = 0, n = 0, i;
	char *cal = NULL;

	assert_int_equal(pd_store_plan_candidates(f->st, NOW, 7 * MFX_DAY, 0,
	    &evs, &nev, &marks), PD_OK);
	memset(&in, 0, sizeof(in));
	in.events = evs;
	in.nevents = nev;
	in.now = NOW;
	assert_int_equal(pd_plan(&in, &mails, &n), PD_OK);
	for (i = 0; i < n; i++)
		if (mails[i].kind == PD_MAIL_INVITATION &&
		    strcmp(mails[i].ev->uid, uid) == 0 &&
		    strcmp(mails[i].to->name, name) == 0)
			break;
	assert_true(i < n);
	memset(&ctx, 0, sizeof(ctx));
	ctx.from = f->cfg.mail_from;
	ctx.base_url = "http://127.0.0.1:8080";
	ctx.key = f->key;
	ctx.now = NOW;
	assert_int_equal(pd_mail_compose(&mails[i], &ctx, &out, &err), PD_OK);
	assert_non_null(cal = mfx_calendar_part(out.message, out.len));
	pd_composed_clear(&out);
	pd_plan_free(mails, n);
	pd_event_list_free(evs, nev);
	free(marks);
	return cal;
}

static void
imip__names_organizer_addressee_and_speaker_only(const char *folded)
{
	char *cal = mfx_unfold(strdup(folded));

	assert_null(strstr(cal, "X-PODIUM-PERSON"));
	assert_null(strstr(cal, "X-PODIUM-MEMBER"));
	assert_non_null(strstr(cal, "ORGANIZER;CN=Michael Tietz"));
	assert_non_null(strstr(cal, "CN=Bürger 0;"));
	assert_non_null(strstr(cal, "mailto:b0@example.org"));
	assert_non_null(strstr(cal, "CN=Prof. Teich;"));
	assert_null(strstr(cal, "Bürger 1"));
	assert_null(strstr(cal, "Mara Moderatorin"));
	assert_null(strstr(cal, "Niemand"));
	/* Only the addressee is asked to answer. */
	assert_non_null(strstr(cal, "RSVP=TRUE"));
	assert_null(strstr(strstr(cal, "RSVP=TRUE") + 1, "RSVP=TRUE"));
	free(cal);
}

static void
imip__2000_people__has_as_many_lines_as_with_20(void **state)
{
	struct mfx f;
	char *small, *big, *open_ev;

	(void)state;
	assert_int_equal(mfx_open(&f, 20, 20, NOW), PD_OK);
	small = invitation(&f, "forum-0@test", "Bürger 0");
	mfx_close(&f);
	assert_int_equal(mfx_open(&f, 20, 2000, NOW), PD_OK);
	big = invitation(&f, "forum-0@test", "Bürger 0");
	/* Public attendance is for feeds: mail names nobody else either. */
	open_ev = invitation(&f, "forum-1@test", "Bürger 0");
	mfx_close(&f);
	printf("# iMIP part: %zu lines with 20 people, %zu with 2000\n",
	    mfx_lines(small), mfx_lines(big));
	assert_int_equal(mfx_lines(small), mfx_lines(big));
	imip__names_organizer_addressee_and_speaker_only(small);
	imip__names_organizer_addressee_and_speaker_only(big);
	imip__names_organizer_addressee_and_speaker_only(open_ev);
	free(small);
	free(big);
	free(open_ev);
}

static char *
feed(struct mfx *f, const char *name)
{
	struct pd_feeds_opts o = { "Test", "PT1H", 3600, NULL, NULL };
	struct pd_feeds *fc = NULL;
	struct pd_feed *fd = NULL;
	char *body;

	assert_int_equal(pd_feeds_new(f->st, &f->lock, &o, &fc), PD_OK);
	assert_int_equal(pd_feeds_refresh(fc, NOW, NULL), PD_OK);
	assert_int_equal(pd_feeds_get(fc, name, NOW, &fd), PD_OK);
	body = mfx_unfold(strndup(fd->body, fd->len));
	pd_feed_release(fd);
	pd_feeds_free(fc);
	return body;
}

/* What every public or personal feed must not hold. */
static void
no_directory(const char *cal)
{
	assert_null(strstr(cal, "X-PODIUM-PERSON"));
	assert_null(strstr(cal, "X-PODIUM-MEMBER"));
	assert_null(strstr(cal, "X-PODIUM-GROUP-ATTENDANCE"));
	assert_null(strstr(cal, "Niemand"));
}

static void
feeds__public__name_participants_only_where_attendance_is_public(
    void **state)
{
	struct mfx f;
	struct pd_event *ev = NULL;
	char *all, *closed, *open_ev;

	(void)state;
	assert_int_equal(mfx_open(&f, 4, 5, NOW), PD_OK);
	all = feed(&f, "all");
	no_directory(all);
	assert_null(strstr(all, "@example.org"));
	closed = vevent(all, "forum-0@test");
	open_ev = vevent(all, "forum-1@test");
	assert_non_null(closed);
	assert_non_null(open_ev);
	/* Speakers and chairs always; participants only where public. */
	assert_non_null(strstr(closed, "CN=Prof. Teich;"));
	assert_non_null(strstr(closed, "CN=Mara Moderatorin;"));
	assert_null(strstr(closed, "CN=Bürger"));
	assert_non_null(strstr(open_ev, "CN=Bürger 0;"));
	assert_non_null(strstr(open_ev, "CN=Bürger 4;"));
	free(closed);
	free(open_ev);
	free(all);
	all = feed(&f, "group/geschlossener-kreis");
	no_directory(all);
	assert_null(strstr(all, "CN=Bürger"));
	free(all);

	/* The organizer opens one event of the closed group. */
	assert_int_equal(pd_store_event_get(f.st, "forum-2@test", &ev), PD_OK);
	assert_int_equal(pd_store_event_set_public_attendance(f.st, ev->id, 1),
	    PD_OK);
	pd_event_free(ev);
	all = feed(&f, "all");
	assert_non_null(open_ev = vevent(all, "forum-2@test"));
	assert_non_null(strstr(open_ev, "CN=Bürger 3;"));
	free(open_ev);
	assert_non_null(closed = vevent(all, "forum-0@test"));
	assert_null(strstr(closed, "CN=Bürger"));
	free(closed);
	free(all);

	/* And closes the open group: its events name nobody but the roles. */
	assert_int_equal(pd_store_group_set_public_attendance(f.st,
	    "offenes-forum", 0), PD_OK);
	all = feed(&f, "all");
	assert_non_null(open_ev = vevent(all, "forum-1@test"));
	assert_null(strstr(open_ev, "CN=Bürger"));
	free(open_ev);
	free(all);
	assert_int_equal(pd_store_group_set_public_attendance(f.st, "keine",
	    1), PD_ENOTFOUND);
	mfx_close(&f);
}

static void
feeds__personal__owner_public_roles_and_public_attendance(void **state)
{
	struct mfx f;
	struct pd_person p;
	char tok[PD_TOKEN_LEN + 1], hash[PD_TOKEN_HASH_LEN + 1], name[96];
	char *mine, *closed, *open_ev;

	(void)state;
	assert_int_equal(mfx_open(&f, 4, 5, NOW), PD_OK);
	memset(&p, 0, sizeof(p));
	assert_int_equal(pd_store_person_find(f.st, "b1@example.org", &p),
	    PD_OK);
	assert_int_equal(pd_token_new(tok), PD_OK);
	pd_token_hash(tok, strlen(tok), hash);
	assert_int_equal(pd_store_feed_token_set(f.st, p.id, hash), PD_OK);
	pd_person_clear(&p);
	snprintf(name, sizeof(name), "person/%s", tok);
	mine = feed(&f, name);
	no_directory(mine);
	assert_non_null(closed = vevent(mine, "forum-0@test"));
	assert_non_null(open_ev = vevent(mine, "forum-1@test"));
	assert_non_null(strstr(closed, "CN=Bürger 1;"));
	assert_non_null(strstr(closed, ":mailto:b1@example.org"));
	assert_non_null(strstr(closed, "CN=Mara Moderatorin;"));
	assert_null(strstr(closed, "Bürger 2"));
	assert_non_null(strstr(open_ev, "CN=Bürger 2;"));
	/* Only the owner's own address. */
	assert_null(strstr(mine, "b2@example.org"));
	free(closed);
	free(open_ev);
	free(mine);
	mfx_close(&f);
}

static char *
export_full(struct pd_store *st)
{
	struct pd_render_opts ro;
	struct pd_calendar *cal = NULL;
	struct pd_error err = { 0, NULL, NULL };
	char *text = NULL;
	size_t len;

	memset(&ro, 0, sizeof(ro));
	ro.privacy = PD_PRIVACY_FULL;
	assert_int_equal(pd_store_calendar(st, NULL, &cal), PD_OK);
	assert_int_equal(pd_ical_render(cal, &ro, &text, &len, &err), PD_OK);
	pd_calendar_free(cal);
	return text;
}

static void
export_full__keeps_the_directory_and_round_trips_the_flags(void **state)
{
	struct mfx f, g;
	struct pd_event *ev = NULL;
	struct pd_calendar *cal = NULL;
	struct pd_error err = { 0, NULL, NULL };
	char *one, *two, *unfolded;

	(void)state;
	assert_int_equal(mfx_open(&f, 4, 3, NOW), PD_OK);
	assert_int_equal(pd_store_event_get(f.st, "forum-2@test", &ev), PD_OK);
	assert_int_equal(pd_store_event_set_public_attendance(f.st, ev->id, 1),
	    PD_OK);
	pd_event_free(ev);
	one = export_full(f.st);
	unfolded = mfx_unfold(strdup(one));
	assert_non_null(strstr(unfolded, "X-PODIUM-PERSON;CN=Niemand Sonst"));
	assert_non_null(strstr(unfolded, "X-PODIUM-MEMBER"));
	assert_non_null(strstr(unfolded, "X-PODIUM-GROUP-ATTENDANCE;X-PODIUM-GROUP="
	    "Offenes Forum:PUBLIC"));
	assert_non_null(strstr(unfolded, "X-PODIUM-ATTENDANCE:PUBLIC"));
	assert_null(strstr(unfolded, "X-PODIUM-GROUP=Geschlossener Kreis:PUBLIC"));
	/* export -> import -> export: the same bytes. */
	assert_int_equal(mfx_open(&g, 0, 0, NOW), PD_OK);
	assert_int_equal(pd_ical_parse(one, strlen(one), &cal, &err), PD_OK);
	assert_int_equal(pd_store_import(g.st, cal, NULL), PD_OK);
	pd_calendar_free(cal);
	two = export_full(g.st);
	assert_string_equal(one, two);
	assert_int_equal(pd_store_event_get(g.st, "forum-2@test", &ev), PD_OK);
	assert_true(ev->public_attendance);
	pd_event_free(ev);
	free(one);
	free(two);
	free(unfolded);
	mfx_close(&g);
	mfx_close(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    imip__2000_people__has_as_many_lines_as_with_20),
		cmocka_unit_test(
		    feeds__public__name_participants_only_where_attendance_is_public),
		cmocka_unit_test(
		    feeds__personal__owner_public_roles_and_public_attendance),
		cmocka_unit_test(
		    export_full__keeps_the_directory_and_round_trips_the_flags),
	};

	pd_ical_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
