/*
 * Unit tests of privacy by design: the erasure (store_forget.c), the
 * journal and its use after a restore, retention (store_privacy.c,
 * retention.c), the redaction of SMTP errors (redact.c) and the Art. 15
 * export (person_export.c), against real SQLite files in a fresh folder
 * per test; "gone" is checked on the file's raw bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "podium/account.h"
#include "podium/ical.h"
#include "podium/outbox.h"
#include "podium/privacy.h"
#include "podium/store.h"

#define NOW 1612166400		/* 2021-02-01 08:00 UTC */
#define DAY 86400
#define ADDR "doerte.unit7@example.org"
#define NAME "Dörte Müller-Lüdenscheidt"

static const unsigned char KEY[32] = "0123456789abcdef0123456789abcde";

struct fx {
	char dir[64];
	char path[96];
	struct pd_store *st;
	int64_t m, b, ev, talk;
};

static char *
xdup(const char *s)
{
	char *c = s != NULL ? strdup(s) : NULL;

	if (s != NULL)
		assert_non_null(c);
	return c;
}

static int64_t
add_person(struct pd_store *st, const char *name, const char *email)
{
	struct pd_person p = { 0 };
	int64_t id;

	p.name = xdup(name);
	p.email = xdup(email);
	assert_int_equal(pd_store_person_add(st, &p), PD_OK);
	id = p.id;
	pd_person_clear(&p);
	return id;
}

/* A message as the planner would store it, naming whoever it is to. */
static void
add_msg(struct pd_store *st, const char *key, const char *kind,
    int64_t event, int64_t person, const char *rcpt, const char *text)
{
	struct pd_outbox_msg m;
	size_t added = 0;

	memset(&m, 0, sizeof(m));
	m.key = (char *)(uintptr_t)key;
	m.kind = (char *)(uintptr_t)kind;
	m.event_id = event;
	m.person_id = person;
	m.mail_from = (char *)(uintptr_t)"smartcity@example.org";
	m.rcpt = (char *)(uintptr_t)rcpt;
	m.subject = (char *)(uintptr_t)"Einladung";
	m.message = (char *)(uintptr_t)text;
	m.len = strlen(text);
	m.next_attempt = NOW;
	assert_int_equal(pd_store_outbox_add(st, &m, 1, &added), PD_OK);
	assert_int_equal(added, 1);
}

/* The id of the message with key; 0 when none. */
static int64_t
msg_id(struct pd_store *st, const char *key)
{
	struct pd_outbox_msg m;
	int64_t id;

	if (pd_store_outbox_get_key(st, key, &m) != PD_OK)
		return 0;
	id = m.id;
	pd_outbox_msg_clear(&m);
	return id;
}

/*
 * Two people: M (to be forgotten) attends and speaks at one event, B
 * attends it; mail to each, one about M to B, one pending to M.
 */
static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct pd_error err = { 0, NULL, NULL };
	struct pd_event ev;
	struct pd_talk t;
	int64_t id;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/podium-privacy-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/podium.db", f->dir);
	assert_int_equal(pd_store_open(f->path, NOW, &f->st, &err), PD_OK);
	f->m = add_person(f->st, NAME, ADDR);
	f->b = add_person(f->st, "Bernd Brösel", "bernd@example.org");
	memset(&ev, 0, sizeof(ev));
	ev.uid = xdup("ev-1");
	ev.title = xdup("Smarte Quartiere");
	ev.tzid = xdup("Europe/Berlin");
	ev.start = xdup("2021-02-11 09:00");
	ev.end = xdup("2021-02-11 11:00");
	ev.status = PD_EVENT_CONFIRMED;
	assert_int_equal(pd_store_event_add(f->st, &ev), PD_OK);
	f->ev = ev.id;
	pd_event_clear(&ev);
	assert_int_equal(pd_store_attend(f->st, f->ev, f->m, PD_ROLE_PARTICIPANT,
	    PD_PART_ACCEPTED, NULL, NULL), PD_OK);
	assert_int_equal(pd_store_attend(f->st, f->ev, f->b, PD_ROLE_PARTICIPANT,
	    PD_PART_DELEGATED, "Frau Müller-Lüdenscheidt", &id), PD_OK);
	memset(&t, 0, sizeof(t));
	t.title = xdup("Quartiersdaten");
	t.speaker.id = f->m;
	t.status = PD_TALK_REQUESTED;
	assert_int_equal(pd_store_talk_add(f->st, f->ev, &t), PD_OK);
	f->talk = t.id;
	pd_talk_clear(&t);
	assert_int_equal(pd_store_feed_token_set(f->st, f->m,
	    "00112233445566778899aabbccddeeff"), PD_OK);
	add_msg(f->st, "invitation/ev-1/1", "invitation", f->ev, f->m, ADDR,
	    "To: " NAME " <" ADDR ">\r\n\r\nGuten Tag " NAME "\r\n");
	add_msg(f->st, "invitation/ev-1/2", "invitation", f->ev, f->b,
	    "bernd@example.org", "Vortrag: Quartiersdaten (" NAME ")\r\n");
	add_msg(f->st, "test/" ADDR "/1/x", "test", 0, 0, ADDR,
	    "To: " ADDR "\r\n\r\ntest\r\n");
	/* Delivered, so that only the next one stays pending. */
	while (1) {
		struct pd_outbox_msg m;

		if (pd_store_outbox_take(f->st, NOW, &m) != PD_OK)
			break;
		assert_int_equal(pd_store_outbox_fail(f->st, m.id,
		    PD_OUTBOX_FAILED, 0, m.person_id == f->m ?
		    "550 5.1.1 <" ADDR ">: rejected" : "550 5.7.1 rejected"),
		    PD_OK);
		pd_outbox_msg_clear(&m);
	}
	add_msg(f->st, "reminder/ev-1/1/1/604800", "reminder", f->ev, f->m,
	    ADDR, "Erinnerung an " NAME "\r\n");
	*state = f;
	return 0;
}

static void
rm_db(const char *path)
{
	static const char *const sfx[] = { "-wal", "-shm" };
	char p[300];
	size_t i;

	unlink(path);
	for (i = 0; i < 2; i++)
		if (snprintf(p, sizeof(p), "%s%s", path, sfx[i]) <
		    (int)sizeof(p))
			unlink(p);
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char p[256];

	pd_store_close(f->st);
	rm_db(f->path);
	snprintf(p, sizeof(p), "%s/backup.db", f->dir);
	rm_db(p);
	snprintf(p, sizeof(p), "%s/copy.db", f->dir);
	rm_db(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Whether the bytes of path (and its -wal) hold needle. */
static int
file_has(const char *path, const char *needle)
{
	char p[256];
	int i, hit = 0;

	for (i = 0; i < 2 && !hit; i++) {
		FILE *fp;
		char *data;
		long len;

		snprintf(p, sizeof(p), "%s%s", path, i == 0 ? "" : "-wal");
		if ((fp = fopen(p, "rb")) == NULL)
			continue;
		fseek(fp, 0, SEEK_END);
		len = ftell(fp);
		rewind(fp);
		data = malloc((size_t)len + 1);
		assert_non_null(data);
		assert_int_equal(fread(data, 1, (size_t)len, fp), (size_t)len);
		fclose(fp);
		hit = memmem(data, (size_t)len, needle, strlen(needle)) != NULL;
		free(data);
	}
	return hit;
}

static int64_t
query(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	int64_t v = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL),
	    SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

static void
forget(struct fx *f, int dry, struct pd_forget_report *r)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(pd_store_person_forget(f->st, f->m, KEY, sizeof(KEY),
	    dry, r), PD_OK);
}

/* ---- the erasure ---- */

static void
forget__person_with_mail_and_talk__leaves_no_byte_of_them(void **state)
{
	struct fx *f = *state;
	struct pd_forget_report r;
	struct pd_person p;
	struct pd_talk t;

	assert_true(file_has(f->path, ADDR));
	forget(f, 0, &r);
	assert_int_equal(r.attendances, 1);
	assert_int_equal(r.talks, 1);
	assert_int_equal(r.withdrawn, 1);
	assert_true(r.feed_token);
	/* Hers, the one about her to Bernd, the test mail; the pending
	 * reminder is dropped. */
	assert_int_equal(r.scrubbed, 3);
	assert_int_equal(r.dropped, 1);
	assert_int_equal(r.nmsgs, 4);
	assert_true(r.checkpointed);
	assert_int_equal(r.nmentions, 1);
	assert_non_null(strstr(r.mentions[0], "(delegate)"));
	pd_forget_report_clear(&r);

	assert_int_equal(pd_store_person_get(f->st, f->m, &p), PD_OK);
	assert_string_equal(p.name, PD_ERASED_NAME);
	assert_null(p.email);
	pd_person_clear(&p);
	assert_int_equal(pd_store_talk_get(f->st, f->talk, &t, NULL), PD_OK);
	assert_string_equal(t.speaker.name, PD_ERASED_NAME);
	assert_int_equal(t.status, PD_TALK_WITHDRAWN);
	pd_talk_clear(&t);
	/* The keys stay (no second send), except the one with the address. */
	assert_true(msg_id(f->st, "invitation/ev-1/1") > 0);
	assert_true(msg_id(f->st, "invitation/ev-1/2") > 0);
	assert_int_equal(msg_id(f->st, "reminder/ev-1/1/1/604800"), 0);

	pd_store_close(f->st);
	f->st = NULL;
	assert_false(file_has(f->path, ADDR));
	assert_false(file_has(f->path, NAME));
	assert_false(file_has(f->path, "Dörte"));
	assert_int_equal(query(f->path, "SELECT count(*) FROM erasure "
	    "WHERE email_hmac IS NOT NULL"), 1);
	assert_int_equal(query(f->path, "SELECT count(*) FROM outbox WHERE "
	    "length(message) > 0 OR rcpt <> '' OR last_error IS NOT NULL"), 0);
	assert_int_equal(pd_store_open(f->path, NOW, &f->st, NULL), PD_OK);
}

static void
forget__dry_run__changes_nothing(void **state)
{
	struct fx *f = *state;
	struct pd_forget_report r;
	struct pd_person p;

	forget(f, 1, &r);
	assert_int_equal(r.scrubbed, 3);
	assert_int_equal(r.dropped, 1);
	pd_forget_report_clear(&r);
	assert_int_equal(pd_store_person_get(f->st, f->m, &p), PD_OK);
	assert_string_equal(p.email, ADDR);
	pd_person_clear(&p);
	assert_true(msg_id(f->st, "reminder/ev-1/1/1/604800") > 0);
	assert_int_equal(query(f->path, "SELECT count(*) FROM erasure"), 0);
}

static void
forget__twice_or_nobody__is_refused(void **state)
{
	struct fx *f = *state;
	struct pd_forget_report r;

	forget(f, 0, &r);
	pd_forget_report_clear(&r);
	assert_int_equal(pd_store_person_forget(f->st, f->m, KEY, sizeof(KEY),
	    0, &r), PD_EINVAL);
	assert_int_equal(pd_store_person_forget(f->st, 999, KEY, sizeof(KEY),
	    0, &r), PD_ENOTFOUND);
}

static void
forget__without_key__uuid_only_in_the_journal(void **state)
{
	struct fx *f = *state;
	struct pd_forget_report r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(pd_store_person_forget(f->st, f->m, NULL, 0, 0, &r),
	    PD_OK);
	assert_int_equal(r.attendances, 1);
	pd_forget_report_clear(&r);
	assert_int_equal(query(f->path, "SELECT count(*) FROM erasure "
	    "WHERE email_hmac IS NULL"), 1);
}

static void
forget__last_person__their_id_is_not_given_again(void **state)
{
	struct fx *f = *state;
	struct pd_forget_report r;
	int64_t last, next;

	last = add_person(f->st, "Zoe Zuletzt", "zoe@example.org");
	memset(&r, 0, sizeof(r));
	assert_int_equal(pd_store_person_forget(f->st, last, KEY, sizeof(KEY),
	    0, &r), PD_OK);
	pd_forget_report_clear(&r);
	/* invitation/UID/ID keys would otherwise keep the newcomer's mail. */
	next = add_person(f->st, "Neu Ankömmling", "neu@example.org");
	assert_true(next > last);
}

static void
outbox_add_since__forget_in_between__composed_mail_is_refused(void **state)
{
	struct fx *f = *state;
	struct pd_forget_report r;
	struct pd_outbox_msg m;
	int64_t mark = -1, after = -1;
	size_t added = 9;

	/* The planner reads the mark, loads, composes: she is forgotten. */
	assert_int_equal(pd_store_erasure_mark(f->st, &mark), PD_OK);
	assert_int_equal(mark, 0);
	forget(f, 0, &r);
	pd_forget_report_clear(&r);
	memset(&m, 0, sizeof(m));
	m.key = (char *)(uintptr_t)"reminder/ev-1/1/2/86400";
	m.kind = (char *)(uintptr_t)"reminder";
	m.event_id = f->ev;
	m.person_id = f->b;
	m.mail_from = (char *)(uintptr_t)"smartcity@example.org";
	m.rcpt = (char *)(uintptr_t)"bernd@example.org";
	m.subject = (char *)(uintptr_t)"Erinnerung";
	m.message = (char *)(uintptr_t)"Vortrag von " NAME "\r\n";
	m.len = strlen(m.message);
	assert_int_equal(pd_store_outbox_add_since(f->st, &m, 1, mark, &added),
	    PD_EEXIST);
	assert_int_equal(msg_id(f->st, m.key), 0);
	/* Composed again after the erasure: it goes in. */
	assert_int_equal(pd_store_erasure_mark(f->st, &after), PD_OK);
	assert_true(after > mark);
	m.message = (char *)(uintptr_t)"Vortrag von " PD_ERASED_NAME "\r\n";
	m.len = strlen(m.message);
	assert_int_equal(pd_store_outbox_add_since(f->st, &m, 1, after, &added),
	    PD_OK);
	assert_int_equal(added, 1);
}

/* ---- the journal after a restore ---- */

static void
restore__backup_from_before__erases_them_again(void **state)
{
	struct fx *f = *state;
	struct pd_forget_report r;
	struct pd_error err = { 0, NULL, NULL };
	char bak[160];
	size_t again = 0;

	snprintf(bak, sizeof(bak), "%s/backup.db", f->dir);
	assert_int_equal(pd_store_backup(f->st, bak), PD_OK);
	assert_true(file_has(bak, ADDR));
	forget(f, 0, &r);
	pd_forget_report_clear(&r);
	pd_store_close(f->st);
	f->st = NULL;
	assert_int_equal(pd_store_restore_erasing(bak, f->path, NOW, KEY,
	    sizeof(KEY), &again, &err), PD_OK);
	assert_int_equal(again, 1);
	assert_false(file_has(f->path, ADDR));
	assert_false(file_has(f->path, NAME));
	assert_int_equal(pd_store_open(f->path, NOW, &f->st, NULL), PD_OK);
	pd_error_clear(&err);
}

static void
erasures_apply__same_address_new_uuid__found_by_hmac_only(void **state)
{
	struct fx *f = *state;
	struct pd_forget_report r;
	size_t n = 99;
	int64_t again;

	forget(f, 0, &r);
	pd_forget_report_clear(&r);
	/* Someone imports her again under a new uuid. */
	again = add_person(f->st, "D. Müller-Lüdenscheidt", ADDR);
	assert_int_equal(pd_store_erasures_apply(f->st, NULL, 0, &n), PD_OK);
	assert_int_equal(n, 0);
	assert_int_equal(pd_store_erasures_apply(f->st, KEY, sizeof(KEY), &n),
	    PD_OK);
	assert_int_equal(n, 1);
	assert_int_equal(pd_store_person_forget(f->st, again, KEY, sizeof(KEY),
	    0, &r), PD_EINVAL);
}

static void
backup__after_forget__holds_nothing_of_them(void **state)
{
	struct fx *f = *state;
	struct pd_forget_report r;
	char bak[160];

	forget(f, 0, &r);
	pd_forget_report_clear(&r);
	snprintf(bak, sizeof(bak), "%s/backup.db", f->dir);
	assert_int_equal(pd_store_backup(f->st, bak), PD_OK);
	assert_false(file_has(bak, ADDR));
	assert_false(file_has(bak, NAME));
	assert_int_equal(query(bak, "SELECT count(*) FROM erasure"), 1);
}

/* ---- retention ---- */

static void
retention__old_text__purged_rows_kept_pending_untouched(void **state)
{
	struct fx *f = *state;
	struct pd_retention_stats rs = { 0, 0, 0, 0 };
	struct pd_error err = { 0, NULL, NULL };
	int64_t inv;

	inv = msg_id(f->st, "invitation/ev-1/2");
	/* 29 days: nothing is old enough. */
	assert_int_equal(pd_retention_run(f->st, NULL, NULL, NOW + 29 * DAY,
	    30 * DAY, 30 * DAY, &rs, &err), PD_OK);
	assert_int_equal(rs.messages, 0);
	assert_int_equal(pd_retention_run(f->st, NULL, NULL, NOW + 31 * DAY,
	    30 * DAY, 30 * DAY, &rs, &err), PD_OK);
	assert_int_equal(rs.messages, 3);
	assert_int_equal(msg_id(f->st, "invitation/ev-1/2"), inv);
	/* The pending reminder was never sent: it keeps its text. */
	assert_int_equal(query(f->path, "SELECT count(*) FROM outbox "
	    "WHERE length(message) > 0"), 1);
	assert_int_equal(query(f->path, "SELECT count(*) FROM outbox "
	    "WHERE key LIKE '%@%'"), 0);
	assert_int_equal(pd_store_outbox_retry(f->st, inv), PD_ENOTFOUND);
}

static void
retention__spool_files__by_the_age_of_their_message(void **state)
{
	struct fx *f = *state;
	struct pd_retention_stats rs = { 0, 0, 0, 0 };
	struct pd_error err = { 0, NULL, NULL };
	char spool[96], file[160], other[160];
	int64_t inv;
	FILE *fp;

	snprintf(spool, sizeof(spool), "%s/spool", f->dir);
	assert_int_equal(mkdir(spool, 0700), 0);
	inv = msg_id(f->st, "invitation/ev-1/2");
	snprintf(file, sizeof(file), "%s/%06lld-invitation.eml", spool,
	    (long long)inv);
	snprintf(other, sizeof(other), "%s/notes.txt", spool);
	assert_non_null(fp = fopen(file, "w"));
	fclose(fp);
	assert_non_null(fp = fopen(other, "w"));
	fclose(fp);
	assert_int_equal(pd_retention_run(f->st, NULL, spool, NOW + 10 * DAY,
	    0, 30 * DAY, &rs, &err), PD_OK);
	assert_int_equal(access(file, F_OK), 0);
	assert_int_equal(pd_retention_run(f->st, NULL, spool, NOW + 31 * DAY,
	    0, 30 * DAY, &rs, &err), PD_OK);
	assert_int_equal(rs.files, 1);
	assert_int_not_equal(access(file, F_OK), 0);
	assert_int_equal(access(other, F_OK), 0);
	/* mail_retention 0: the texts stay. */
	assert_int_equal(rs.messages, 0);
	unlink(other);
	rmdir(spool);
}

/* ---- what the first round left: import, placeholders, replies ---- */

/* Runs sql on the file through a second connection (WAL: beside f->st). */
static void
exec_sql(const char *path, const char *sql)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* The database's own key is the journal's: the importer has no other. */
static void
own_key(struct fx *f)
{
	unsigned char key[32];

	assert_int_equal(pd_store_answer_key_setup(f->st, KEY, key, NULL),
	    PD_OK);
	assert_memory_equal(key, KEY, sizeof(key));
}

static void
import_text(struct fx *f, const char *text, struct pd_import_stats *s)
{
	struct pd_error err = { 0, NULL, NULL };
	struct pd_calendar *cal = NULL;

	assert_int_equal(pd_ical_parse(text, strlen(text), &cal, &err), PD_OK);
	memset(s, 0, sizeof(*s));
	assert_int_equal(pd_store_import(f->st, cal, s), PD_OK);
	pd_calendar_free(cal);
}

static void
import__old_export__forgotten_person_does_not_come_back(void **state)
{
	struct fx *f = *state;
	struct pd_error err = { 0, NULL, NULL };
	struct pd_render_opts ro;
	struct pd_calendar *cal = NULL;
	struct pd_forget_report r;
	struct pd_import_stats s;
	struct pd_person p;
	struct pd_talk t;
	char *text = NULL;
	size_t len = 0;

	own_key(f);
	assert_int_equal(pd_store_group_member_set(f->st, "Beirat", f->m,
	    PD_GROUP_MEMBER), PD_OK);
	/* The export an organizer kept: her uuid, address, name. */
	assert_int_equal(pd_store_calendar(f->st, NULL, &cal), PD_OK);
	memset(&ro, 0, sizeof(ro));
	assert_int_equal(pd_ical_render(cal, &ro, &text, &len, &err), PD_OK);
	pd_calendar_free(cal);
	assert_non_null(strstr(text, ADDR));
	forget(f, 0, &r);
	pd_forget_report_clear(&r);

	import_text(f, text, &s);
	free(text);
	assert_int_equal(s.updated, 1);
	assert_int_equal(s.people_created, 0);
	assert_int_equal(s.people_suppressed, 1);
	assert_int_equal(pd_store_person_find(f->st, ADDR, &p), PD_ENOTFOUND);
	/* Her talk keeps the placeholder it had, and is not asked again. */
	assert_int_equal(pd_store_talk_get(f->st, f->talk, &t, NULL), PD_OK);
	assert_int_equal(t.speaker.id, f->m);
	assert_int_equal(t.status, PD_TALK_WITHDRAWN);
	pd_talk_clear(&t);
	pd_store_close(f->st);
	f->st = NULL;
	assert_int_equal(query(f->path, "SELECT count(*) FROM person"), 2);
	assert_int_equal(query(f->path, "SELECT count(*) FROM attendance "
	    "WHERE person_id = 1"), 0);
	assert_int_equal(query(f->path, "SELECT count(*) FROM group_member "
	    "WHERE person_id = 1"), 0);
	assert_false(file_has(f->path, ADDR));
	assert_false(file_has(f->path, NAME));
	assert_int_equal(pd_store_open(f->path, NOW, &f->st, NULL), PD_OK);
}

static void
import__address_only__found_by_the_hmac_and_left_out(void **state)
{
	static const char ics[] =
	    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//other//EN\r\n"
	    "BEGIN:VEVENT\r\nUID:elsewhere-7\r\nDTSTAMP:20210101T000000Z\r\n"
	    "DTSTART:20210301T080000Z\r\nDTEND:20210301T100000Z\r\n"
	    "SUMMARY:Nachbarschaft\r\n"
	    "ORGANIZER;CN=Dörte:mailto:DOERTE.UNIT7@example.org\r\n"
	    "ATTENDEE;CN=" NAME ":mailto:" ADDR "\r\n"
	    "ATTENDEE;CN=Bernd Brösel:mailto:bernd@example.org\r\n"
	    "END:VEVENT\r\nEND:VCALENDAR\r\n";
	struct fx *f = *state;
	struct pd_forget_report r;
	struct pd_import_stats s;

	own_key(f);
	forget(f, 0, &r);
	pd_forget_report_clear(&r);
	import_text(f, ics, &s);
	assert_int_equal(s.created, 1);
	/* One person, named twice (the address in another case). */
	assert_int_equal(s.people_suppressed, 1);
	assert_int_equal(s.people_created, 0);
	assert_int_equal(query(f->path, "SELECT count(*) FROM attendance a "
	    "JOIN event e ON e.id = a.event_id WHERE e.uid = 'elsewhere-7'"), 1);
	assert_int_equal(query(f->path, "SELECT count(*) FROM event "
	    "WHERE uid = 'elsewhere-7' AND organizer_id IS NULL"), 1);
	assert_int_equal(query(f->path, "SELECT count(*) FROM person "
	    "WHERE erased = 0"), 1);
}

static void
placeholder__not_listed_not_found_by_name_not_renamed(void **state)
{
	struct fx *f = *state;
	struct pd_forget_report r;
	struct pd_person *list = NULL, p;
	size_t n = 0;

	forget(f, 0, &r);
	pd_forget_report_clear(&r);
	assert_int_equal(pd_store_person_list(f->st, &list, &n), PD_OK);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, f->b);
	pd_person_list_free(list, n);
	assert_int_equal(pd_store_person_list_all(f->st, &list, &n), PD_OK);
	assert_int_equal(n, 2);
	pd_person_list_free(list, n);
	assert_int_equal(pd_store_person_find(f->st, PD_ERASED_NAME, &p),
	    PD_ENOTFOUND);
	/* By id it is there, as it was: for the refusal to say why. */
	assert_int_equal(pd_store_person_find(f->st, "1", &p), PD_OK);
	free(p.name);
	p.name = xdup(NAME);
	assert_int_equal(pd_store_person_update(f->st, &p), PD_EINVAL);
	assert_non_null(strstr(pd_store_error(f->st)->msg, "placeholder"));
	free(p.name);
	p.name = xdup(PD_ERASED_NAME);
	p.email = xdup(ADDR);
	assert_int_equal(pd_store_person_update(f->st, &p), PD_EINVAL);
	pd_person_clear(&p);
	pd_store_close(f->st);
	f->st = NULL;
	assert_false(file_has(f->path, ADDR));
	assert_int_equal(pd_store_open(f->path, NOW, &f->st, NULL), PD_OK);
}

/* Replies: hers, one delegating to her, Bernd's (old and new). */
static void
add_replies(struct fx *f)
{
	exec_sql(f->path, "INSERT INTO reply (message_id, received, event_id, "
	    "person_id, sender, attendee, partstat, delegated_to, outcome, "
	    "reason) VALUES "
	    "('<r1@x>', 1612166400, 1, 1, '" ADDR "', 'mailto:" ADDR "', "
	    "'ACCEPTED', NULL, 'applied', '" ADDR " ACCEPTED'), "
	    "('<r2@x>', 1612166400, 1, 2, 'bernd@example.org', "
	    "'mailto:bernd@example.org', 'DELEGATED', 'mailto:" ADDR "', "
	    "'listed', 'bernd@example.org delegated to " ADDR "'), "
	    "('<r3@x>', 1612166400, 1, NULL, 'Bernd <bernd@example.org>', "
	    "'mailto:bernd@example.org', 'TENTATIVE', NULL, 'listed', "
	    "'bernd@example.org answered'), "
	    "('<r4@x>', 1614153600, 1, 2, 'bernd@example.org', "
	    "'mailto:bernd@example.org', 'ACCEPTED', NULL, 'applied', "
	    "'bernd@example.org ACCEPTED')");
}

static void
forget__replies_naming_her__addresses_go_message_ids_stay(void **state)
{
	struct fx *f = *state;
	struct pd_forget_report r;

	add_replies(f);
	forget(f, 0, &r);
	pd_forget_report_clear(&r);
	assert_int_equal(query(f->path, "SELECT count(*) FROM reply"), 4);
	assert_int_equal(query(f->path, "SELECT count(*) FROM reply WHERE "
	    "sender IS NULL AND attendee IS NULL AND delegated_to IS NULL "
	    "AND person_id IS NULL AND message_id IN ('<r1@x>', '<r2@x>')"), 2);
	assert_int_equal(query(f->path, "SELECT count(*) FROM reply WHERE "
	    "sender IS NOT NULL"), 2);
	pd_store_close(f->st);
	f->st = NULL;
	assert_false(file_has(f->path, ADDR));
	assert_int_equal(pd_store_open(f->path, NOW, &f->st, NULL), PD_OK);
}

static void
retention__old_replies_and_throttling__go_with_their_time(void **state)
{
	struct fx *f = *state;
	struct pd_retention_stats rs = { 0, 0, 0, 0 };
	struct pd_error err = { 0, NULL, NULL };

	add_replies(f);
	assert_int_equal(pd_store_throttle_fail(f->st, "account:" ADDR),
	    PD_OK);
	pd_store_set_now(f->st, NOW + 31 * DAY);
	assert_int_equal(pd_store_throttle_fail(f->st, "addr:192.0.2.7"),
	    PD_OK);
	assert_int_equal(pd_retention_run(f->st, NULL, NULL,
	    NOW + 31 * DAY + 60, 30 * DAY, 0, &rs, &err), PD_OK);
	/* r1..r3 are 31 days old, r4 only 7. */
	assert_int_equal(rs.replies, 3);
	assert_int_equal(rs.throttles, 1);
	assert_int_equal(query(f->path, "SELECT count(*) FROM reply WHERE "
	    "sender IS NULL AND attendee IS NULL AND delegated_to IS NULL "
	    "AND reason = 'purged'"), 3);
	assert_int_equal(query(f->path, "SELECT count(*) FROM reply WHERE "
	    "message_id = '<r4@x>' AND sender = 'bernd@example.org'"), 1);
	/* What orders answers stays. */
	assert_int_equal(query(f->path, "SELECT count(*) FROM reply WHERE "
	    "message_id = '<r1@x>' AND person_id = 1 AND "
	    "partstat = 'ACCEPTED'"), 1);
	assert_int_equal(query(f->path, "SELECT count(*) FROM web_throttle "
	    "WHERE k = 'addr:192.0.2.7'"), 1);
	assert_int_equal(query(f->path, "SELECT count(*) FROM web_throttle"),
	    1);
	/* Again: nothing left to do. */
	memset(&rs, 0, sizeof(rs));
	assert_int_equal(pd_retention_run(f->st, NULL, NULL,
	    NOW + 31 * DAY + 60, 30 * DAY, 0, &rs, &err), PD_OK);
	assert_int_equal(rs.replies, 0);
	pd_store_close(f->st);
	f->st = NULL;
	/* She is not forgotten (her row has the address), just old. */
	assert_false(file_has(f->path, "account:" ADDR));
	assert_false(file_has(f->path, "delegated to " ADDR));
	assert_int_equal(pd_store_open(f->path, NOW, &f->st, NULL), PD_OK);
}

/* ---- redaction and export ---- */

static void
redact__smtp_error__address_replaced_rest_kept(void **state)
{
	char *s;

	(void)state;
	s = pd_redact_addresses("550 5.1.1 <" ADDR ">: recipient rejected");
	assert_string_equal(s, "550 5.1.1 <[address]>: recipient rejected");
	free(s);
	s = pd_redact_addresses("451 4.7.1 try again later");
	assert_string_equal(s, "451 4.7.1 try again later");
	free(s);
	s = pd_redact_addresses("rcpt a@b.c, d@e.f");
	assert_string_equal(s, "rcpt [address], [address]");
	free(s);
	assert_null(pd_redact_addresses(NULL));
}

static void
export__other_person__their_messages_not_her_address(void **state)
{
	struct fx *f = *state;
	struct pd_error err = { 0, NULL, NULL };
	char *text = NULL;

	assert_int_equal(pd_person_export(f->st, f->b, &text, &err), PD_OK);
	assert_non_null(strstr(text, "\"bernd@example.org\""));
	assert_non_null(strstr(text, "\"delegated\""));
	assert_null(strstr(text, ADDR));
	assert_null(strstr(text, "doerte"));
	free(text);
	assert_int_equal(pd_person_export(f->st, 999, &text, &err),
	    PD_ENOTFOUND);
	pd_error_clear(&err);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(forget__person_with_mail_and_talk__leaves_no_byte_of_them),
		T(forget__dry_run__changes_nothing),
		T(forget__twice_or_nobody__is_refused),
		T(forget__without_key__uuid_only_in_the_journal),
		T(forget__last_person__their_id_is_not_given_again),
		T(outbox_add_since__forget_in_between__composed_mail_is_refused),
		T(restore__backup_from_before__erases_them_again),
		T(erasures_apply__same_address_new_uuid__found_by_hmac_only),
		T(backup__after_forget__holds_nothing_of_them),
		T(retention__old_text__purged_rows_kept_pending_untouched),
		T(retention__spool_files__by_the_age_of_their_message),
		T(import__old_export__forgotten_person_does_not_come_back),
		T(import__address_only__found_by_the_hmac_and_left_out),
		T(placeholder__not_listed_not_found_by_name_not_renamed),
		T(forget__replies_naming_her__addresses_go_message_ids_stay),
		T(retention__old_replies_and_throttling__go_with_their_time),
		cmocka_unit_test(redact__smtp_error__address_replaced_rest_kept),
		T(export__other_person__their_messages_not_her_address),
	};

	pd_ical_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
