/*
 * The planner is pure, so these tests build events by hand, step "now"
 * through time and feed the planner's own output back as "sent" facts,
 * the way the outbox would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "podium/plan.h"
#include "podium/tz.h"

#define DAY 86400

static const int64_t offsets[] = { 7 * DAY, DAY };

struct world {
	struct pd_event ev;
	struct pd_sent sent[256];
	char *keys[256];
	size_t nsent;
};

static void
person(struct pd_person *p, int64_t id, const char *name, const char *email)
{
	memset(p, 0, sizeof(*p));
	p->id = id;
	p->name = strdup(name);
	p->email = email != NULL ? strdup(email) : NULL;
}

/* The 11.02.2021 session: 09:00 Berlin = 08:00Z. */
static void
setup_world(struct world *w)
{
	struct pd_event *ev = &w->ev;

	memset(w, 0, sizeof(*w));
	ev->id = 1;
	ev->uid = strdup("smarte-quartiere@test");
	ev->title = strdup("Smarte Quartiere");
	ev->tzid = strdup("Europe/Berlin");
	ev->start = strdup("2021-02-11 09:00");
	ev->end = strdup("2021-02-11 12:00");
	pd_tz_to_utc(ev->start, ev->tzid, 0, &ev->start_utc);
	pd_tz_to_utc(ev->end, ev->tzid, 0, &ev->end_utc);
	ev->status = PD_EVENT_CONFIRMED;
	person(&ev->organizer, 9, "Michael Tietz", "tietz@example.org");
	ev->nattendances = 3;
	ev->attendances = calloc(3, sizeof(*ev->attendances));
	person(&ev->attendances[0].person, 1, "Dietmar Lübcke", "luebcke@example.org");
	ev->attendances[0].status = PD_PART_ACCEPTED;
	person(&ev->attendances[1].person, 2, "Andreas Götz", "goetz@example.org");
	ev->attendances[1].status = PD_PART_DECLINED;
	person(&ev->attendances[2].person, 3, "Ralf Roscher", "roscher@example.org");
	ev->attendances[2].status = PD_PART_NEEDS_ACTION;
	ev->ntalks = 2;
	ev->talks = calloc(2, sizeof(*ev->talks));
	ev->talks[0].id = 10;
	ev->talks[0].uid = strdup("talk-teich@test");
	ev->talks[0].title = strdup("Smarte Quartiere aus energetischer Sicht");
	ev->talks[0].status = PD_TALK_REQUESTED;
	person(&ev->talks[0].speaker, 4, "Prof. Teich", "teich@example.org");
	person(&ev->talks[0].via, 5, "Jonas Seidel", "seidel@example.org");
	ev->talks[1].id = 11;
	ev->talks[1].uid = strdup("talk-glowienka@test");
	ev->talks[1].title = strdup("Smarte Mobilität");
	ev->talks[1].status = PD_TALK_CONFIRMED;
	person(&ev->talks[1].speaker, 6, "Andreas Glowienka", "glowienka@example.org");
}

static void
teardown_world(struct world *w)
{
	size_t i;

	pd_event_clear(&w->ev);
	for (i = 0; i < w->nsent; i++)
		free(w->keys[i]);
}

/* One planner pass at now; what it plans is recorded as sent. */
static size_t
pass(struct world *w, const char *now, const char *prefix, size_t *nmatch)
{
	struct pd_plan_input in;
	struct pd_mail *mails = NULL;
	size_t n = 0, i, match = 0;

	memset(&in, 0, sizeof(in));
	in.events = &w->ev;
	in.nevents = 1;
	in.sent = w->sent;
	in.nsent = w->nsent;
	assert_int_equal(pd_tz_parse_rfc3339(now, &in.now), PD_OK);
	in.offsets = offsets;
	in.noffsets = 2;
	in.nudge = 4 * DAY;
	assert_int_equal(pd_plan(&in, &mails, &n), PD_OK);
	for (i = 0; i < n; i++) {
		if (prefix != NULL && strncmp(mails[i].key, prefix,
		    strlen(prefix)) == 0)
			match++;
		assert_true(w->nsent < 256);
		w->keys[w->nsent] = strdup(mails[i].key);
		w->sent[w->nsent].key = w->keys[w->nsent];
		w->sent[w->nsent].created = in.now;
		w->sent[w->nsent].sequence = mails[i].sequence;
		w->nsent++;
	}
	pd_plan_free(mails, n);
	if (nmatch != NULL)
		*nmatch = match;
	return n;
}

static int
was_planned(struct world *w, const char *key)
{
	size_t i;

	for (i = 0; i < w->nsent; i++)
		if (strcmp(w->keys[i], key) == 0)
			return 1;
	return 0;
}

static void
plan__first_pass__requests_speaker_and_invites_attendees(void **state)
{
	struct world w;
	size_t inv;

	(void)state;
	setup_world(&w);
	pass(&w, "2021-01-25T08:00:00Z", "invitation/", &inv);
	assert_true(was_planned(&w, "speaker-request/talk-teich@test"));
	/* Lübcke (accepted), Roscher (needs-action), Glowienka (speaker). */
	assert_int_equal(inv, 3);
	assert_true(was_planned(&w, "invitation/smarte-quartiere@test/1"));
	assert_false(was_planned(&w, "invitation/smarte-quartiere@test/2"));
	assert_true(was_planned(&w, "invitation/smarte-quartiere@test/6"));
	/* Nothing else is due: reminders are weeks away. */
	assert_int_equal(pass(&w, "2021-01-25T08:00:00Z", NULL, NULL), 0);
	teardown_world(&w);
}

static void
plan__speaker_request__has_the_intermediary_in_cc(void **state)
{
	struct pd_plan_input in;
	struct pd_mail *mails = NULL;
	struct world w;
	size_t n = 0, i, found = 0;

	(void)state;
	setup_world(&w);
	memset(&in, 0, sizeof(in));
	in.events = &w.ev;
	in.nevents = 1;
	pd_tz_parse_rfc3339("2021-01-25T08:00:00Z", &in.now);
	assert_int_equal(pd_plan(&in, &mails, &n), PD_OK);
	for (i = 0; i < n; i++) {
		if (mails[i].kind != PD_MAIL_SPEAKER_REQUEST)
			continue;
		found++;
		assert_string_equal(mails[i].to->name, "Prof. Teich");
		assert_non_null(mails[i].cc);
		assert_string_equal(mails[i].cc->email, "seidel@example.org");
		assert_ptr_equal(mails[i].talk, &w.ev.talks[0]);
	}
	assert_int_equal(found, 1);
	pd_plan_free(mails, n);
	teardown_world(&w);
}

static void
plan__nudges__twice_at_most_then_the_intermediary(void **state)
{
	struct world w;
	size_t k;

	(void)state;
	setup_world(&w);
	pass(&w, "2021-01-20T08:00:00Z", NULL, NULL);
	pass(&w, "2021-01-23T08:00:00Z", "nudge", &k);
	assert_int_equal(k, 0);
	pass(&w, "2021-01-24T08:00:00Z", "nudge/", &k);
	assert_int_equal(k, 1);
	assert_true(was_planned(&w, "nudge/talk-teich@test/1"));
	pass(&w, "2021-01-25T08:00:00Z", "nudge", &k);
	assert_int_equal(k, 0);
	pass(&w, "2021-01-28T08:00:00Z", "nudge/", &k);
	assert_int_equal(k, 1);
	pass(&w, "2021-02-01T08:00:00Z", "nudge-via/", &k);
	assert_int_equal(k, 1);
	pass(&w, "2021-02-09T08:00:00Z", "nudge", &k);
	assert_int_equal(k, 0);
	teardown_world(&w);
}

/*
 * Issue 8: a request 10 days before the session and a daemon that was
 * not running since.  Two passes at one instant a day before: one nudge,
 * not nudge 1 and then nudge 2 in the next pass.
 */
static void
plan__nudges_after_a_pause__one_per_instant(void **state)
{
	struct world w;
	size_t k;

	(void)state;
	setup_world(&w);
	pass(&w, "2021-02-01T08:00:00Z", "speaker-request/", &k);
	assert_int_equal(k, 1);
	pass(&w, "2021-02-10T08:00:00Z", "nudge", &k);
	assert_int_equal(k, 1);
	assert_true(was_planned(&w, "nudge/talk-teich@test/1"));
	pass(&w, "2021-02-10T08:00:00Z", "nudge", &k);
	assert_int_equal(k, 0);
	pass(&w, "2021-02-10T08:00:30Z", "nudge", &k);
	assert_int_equal(k, 0);
	assert_false(was_planned(&w, "nudge/talk-teich@test/2"));
	assert_false(was_planned(&w, "nudge-via/talk-teich@test"));
	teardown_world(&w);
}

/* After the pause, each later mail waits `nudge` after the one before. */
static void
plan__nudges_after_a_pause__are_spaced_by_nudge(void **state)
{
	struct world w;
	size_t k;

	(void)state;
	setup_world(&w);
	pass(&w, "2021-01-01T08:00:00Z", "speaker-request/", &k);
	assert_int_equal(k, 1);
	/* 19 days later: only the first nudge. */
	pass(&w, "2021-01-20T08:00:00Z", "nudge", &k);
	assert_int_equal(k, 1);
	assert_true(was_planned(&w, "nudge/talk-teich@test/1"));
	pass(&w, "2021-01-20T08:00:00Z", "nudge", &k);
	assert_int_equal(k, 0);
	pass(&w, "2021-01-24T07:59:59Z", "nudge", &k);
	assert_int_equal(k, 0);
	pass(&w, "2021-01-24T08:00:00Z", "nudge/", &k);
	assert_int_equal(k, 1);
	assert_true(was_planned(&w, "nudge/talk-teich@test/2"));
	pass(&w, "2021-01-24T08:00:00Z", "nudge", &k);
	assert_int_equal(k, 0);
	pass(&w, "2021-01-27T08:00:00Z", "nudge", &k);
	assert_int_equal(k, 0);
	pass(&w, "2021-01-28T08:00:00Z", "nudge-via/", &k);
	assert_int_equal(k, 1);
	pass(&w, "2021-02-05T08:00:00Z", "nudge", &k);
	assert_int_equal(k, 0);
	teardown_world(&w);
}

static void
plan__an_answer__stops_nudges_and_tells_the_intermediary(void **state)
{
	struct world w;
	size_t k;

	(void)state;
	setup_world(&w);
	pass(&w, "2021-01-20T08:00:00Z", NULL, NULL);
	w.ev.talks[0].status = PD_TALK_CONFIRMED;
	pass(&w, "2021-01-24T08:00:00Z", "nudge", &k);
	assert_int_equal(k, 0);
	assert_true(was_planned(&w,
	    "speaker-answer/talk-teich@test/confirmed"));
	/* Now a confirmed speaker: invited like an attendee. */
	assert_true(was_planned(&w, "invitation/smarte-quartiere@test/4"));
	teardown_world(&w);
}

static void
plan__reminders__7d_and_1d_to_the_right_people_only(void **state)
{
	struct world w;
	size_t k;

	(void)state;
	setup_world(&w);
	pass(&w, "2021-01-25T08:00:00Z", NULL, NULL);
	pass(&w, "2021-02-04T07:59:00Z", "reminder/", &k);
	assert_int_equal(k, 0);
	pass(&w, "2021-02-04T08:00:00Z", "reminder/", &k);
	/* Lübcke, Roscher, Glowienka; not Götz (absent), not Teich. */
	assert_int_equal(k, 3);
	assert_false(was_planned(&w,
	    "reminder/smarte-quartiere@test/1613030400/2/604800"));
	assert_true(was_planned(&w,
	    "reminder/smarte-quartiere@test/1613030400/1/604800"));
	pass(&w, "2021-02-10T08:30:00Z", "reminder/", &k);
	assert_int_equal(k, 3);
	assert_true(was_planned(&w,
	    "reminder/smarte-quartiere@test/1613030400/3/86400"));
	teardown_world(&w);
}

static void
plan__daemon_down_a_week__sends_no_stale_reminder(void **state)
{
	struct world w;
	size_t k;

	(void)state;
	setup_world(&w);
	/* First pass only one day before: the 7d reminder is stale. */
	pass(&w, "2021-02-10T09:00:00Z", "reminder/", &k);
	assert_int_equal(k, 3);
	assert_false(was_planned(&w,
	    "reminder/smarte-quartiere@test/1613030400/1/604800"));
	assert_true(was_planned(&w,
	    "reminder/smarte-quartiere@test/1613030400/1/86400"));
	teardown_world(&w);
}

static void
plan__cancelled_event__cancels_invited_and_reminds_nobody(void **state)
{
	struct world w;
	size_t k;

	(void)state;
	setup_world(&w);
	pass(&w, "2021-01-25T08:00:00Z", NULL, NULL);
	w.ev.status = PD_EVENT_CANCELLED;
	w.ev.sequence = 1;
	pass(&w, "2021-02-04T08:00:00Z", "cancellation/", &k);
	assert_int_equal(k, 3);
	pass(&w, "2021-02-10T08:30:00Z", "reminder/", &k);
	assert_int_equal(k, 0);
	assert_false(was_planned(&w, "update/smarte-quartiere@test/1/1"));
	teardown_world(&w);
}

static void
plan__moved_event__updates_each_invited_once_per_sequence(void **state)
{
	struct world w;
	size_t k;

	(void)state;
	setup_world(&w);
	pass(&w, "2021-01-25T08:00:00Z", NULL, NULL);
	w.ev.sequence = 1;
	pass(&w, "2021-01-26T08:00:00Z", "update/", &k);
	assert_int_equal(k, 3);
	pass(&w, "2021-01-26T09:00:00Z", "update/", &k);
	assert_int_equal(k, 0);
	w.ev.sequence = 2;
	pass(&w, "2021-01-27T08:00:00Z", "update/", &k);
	assert_int_equal(k, 3);
	assert_true(was_planned(&w, "update/smarte-quartiere@test/1/2"));
	teardown_world(&w);
}

static void
plan__recurring_event__reminds_each_occurrence(void **state)
{
	struct pd_event ev;
	int64_t starts[8], want;
	size_t n;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.tzid = "Europe/Berlin";
	ev.start = "2022-01-21 10:00";
	ev.rrule = "FREQ=YEARLY;COUNT=5";
	pd_tz_to_utc(ev.start, ev.tzid, 0, &ev.start_utc);
	n = pd_plan_occurrences(&ev, ev.start_utc + 1, INT64_MAX, starts, 8);
	assert_int_equal(n, 4);
	pd_tz_to_utc("2023-01-21 10:00", "Europe/Berlin", 0, &want);
	assert_int_equal(starts[0], want);
	pd_tz_to_utc("2026-01-21 10:00", "Europe/Berlin", 0, &want);
	assert_int_equal(starts[3], want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plan__first_pass__requests_speaker_and_invites_attendees),
		cmocka_unit_test(plan__speaker_request__has_the_intermediary_in_cc),
		cmocka_unit_test(plan__nudges__twice_at_most_then_the_intermediary),
		cmocka_unit_test(plan__nudges_after_a_pause__one_per_instant),
		cmocka_unit_test(plan__nudges_after_a_pause__are_spaced_by_nudge),
		cmocka_unit_test(plan__an_answer__stops_nudges_and_tells_the_intermediary),
		cmocka_unit_test(plan__reminders__7d_and_1d_to_the_right_people_only),
		cmocka_unit_test(plan__daemon_down_a_week__sends_no_stale_reminder),
		cmocka_unit_test(plan__cancelled_event__cancels_invited_and_reminds_nobody),
		cmocka_unit_test(plan__moved_event__updates_each_invited_once_per_sequence),
		cmocka_unit_test(plan__recurring_event__reminds_each_occurrence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
