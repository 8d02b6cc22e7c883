/*
 * The mail scheduler (sched.h): plan -> compose -> outbox -> deliver.
 *
 * Order of operations is what keeps mail from being lost or doubled: a
 * message is composed and committed to the outbox before anyone tries to
 * send it; it is marked "sending" in its own transaction before the SMTP
 * conversation and "sent" right after, so a crash in between re-sends at
 * most that one message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podium/buf.h"
#include "podium/compose.h"
#include "podium/outbox.h"
#include "podium/plan.h"
#include "podium/privacy.h"
#include "podium/sched.h"
#include "podium/smtp.h"
#include "podium/store.h"

#define GIVE_UP (48 * 3600)	/* transient failures older than this: dead */
#define RETENTION_EVERY 3600	/* seconds between two retention runs */
/*
 * Planned mail is composed and stored this many messages at a time: one
 * transaction (one fsync) per batch, and memory for one batch of
 * composed messages, however many a pass plans.
 */
#define PLAN_BATCH 256
/*
 * On a stop the message in flight gets this long (seconds) before its
 * transfer is abandoned; it stays pending and goes out after the restart
 * (the crash guarantee already allows one duplicate).
 */
#define STOP_GRACE 5

struct pd_sched {
	struct pd_store *st;
	pthread_mutex_t *lock;
	const struct pd_config *cfg;
	const unsigned char *key;
	const char *password;
	struct pd_smtp *smtp;		/* made on first use, then reused */
	int64_t retained_at;		/* last retention run; 0: none yet */
	const volatile sig_atomic_t *stop;	/* of the current delivery */
};

int
pd_sched_new(struct pd_store *st, pthread_mutex_t *lock,
    const struct pd_config *cfg, const unsigned char *key,
    const char *password, struct pd_sched **out)
{
	struct pd_sched *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return PD_ENOMEM;
	s->st = st;
	s->lock = lock;
	s->cfg = cfg;
	s->key = key;
	s->password = password;
	*out = s;
	return PD_OK;
}

void
pd_sched_free(struct pd_sched *s)
{
	if (s == NULL)
		return;
	pd_smtp_free(s->smtp);
	free(s);
}

int64_t
pd_sched_backoff(int attempts)
{
	int64_t base = 60, cap = 6 * 3600, d;
	uint16_t r = 0;

	if (attempts < 1)
		attempts = 1;
	d = attempts > 20 ? cap : base << (attempts - 1);
	if (d > cap)
		d = cap;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = 32768;
	/* +-20 %: d * (0.8 + 0.4 * r / 65535) */
	return d * 8 / 10 + d * 4 * (int64_t)r / (10 * 65535);
}

static void
copy_err(struct pd_error *err, struct pd_store *st)
{
	const struct pd_error *e = pd_store_error(st);

	pd_error_set(err, e->code != PD_OK ? e->code : PD_EDB, e->field, "%s",
	    e->msg != NULL ? e->msg : "database error");
}

int
pd_sched_recover(struct pd_sched *s, struct pd_sched_stats *stats,
    struct pd_error *err)
{
	size_t n = 0;
	int rc;

	pthread_mutex_lock(s->lock);
	if ((rc = pd_store_outbox_recover(s->st, &n)) != PD_OK)
		copy_err(err, s->st);
	pthread_mutex_unlock(s->lock);
	if (stats != NULL)
		stats->recovered += n;
	return rc;
}

/* Composes one planned mail into an outbox row (not yet stored). */
static int
to_row(struct pd_sched *s, const struct pd_mail *m, int64_t now,
    struct pd_outbox_msg *row, struct pd_error *err)
{
	struct pd_compose_ctx ctx;
	struct pd_composed c;
	int rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.from = s->cfg->mail_from;
	ctx.base_url = s->cfg->base_url;
	ctx.key = s->key;
	ctx.reply_to = s->cfg->reply_to;
	ctx.now = now;
	if ((rc = pd_mail_compose(m, &ctx, &c, err)) != PD_OK)
		return rc;
	memset(row, 0, sizeof(*row));
	row->key = strdup(m->key);
	row->kind = strdup(pd_mail_kind_name(m->kind));
	row->event_id = m->ev != NULL ? m->ev->id : 0;
	row->person_id = m->to->id;
	row->sequence = m->sequence;
	row->mail_from = c.mail_from;
	row->rcpt = c.rcpt;
	row->message = c.message;
	row->len = c.len;
	row->subject = c.subject;
	row->state = PD_OUTBOX_PENDING;
	row->next_attempt = now;
	row->created = now;
	free(c.message_id);
	if (row->key == NULL || row->kind == NULL || row->subject == NULL) {
		pd_outbox_msg_clear(row);
		return PD_ENOMEM;
	}
	return PD_OK;
}

int
pd_sched_plan(struct pd_sched *s, int64_t now, struct pd_sched_stats *stats,
    struct pd_error *err)
{
	struct pd_plan_input in;
	struct pd_event *evs = NULL;
	struct pd_sent *sent = NULL;
	struct pd_mail *mails = NULL;
	struct pd_outbox_msg *rows = NULL;
	int64_t *ids = NULL, *marks = NULL, horizon = -1, erased = 0;
	char *keys = NULL;
	size_t nev = 0, nsent = 0, nmail = 0, nrows = 0, added = 0, i;
	int rc;

	/* Mail is kept no longer than [privacy] says (retention.c). */
	if (s->retained_at == 0 || now < s->retained_at ||
	    now - s->retained_at >= RETENTION_EVERY) {
		struct pd_retention_stats rs = { 0, 0, 0, 0 };

		if ((rc = pd_retention_run(s->st, s->lock, s->cfg->spool_dir, now,
		    s->cfg->mail_retention, s->cfg->spool_retention, &rs,
		    err)) != PD_OK)
			return rc;
		s->retained_at = now;
		if (stats != NULL)
			stats->purged += rs.messages + rs.files + rs.replies;
	}
	/*
	 * Only the events that can have mail due (outbox.h): a pass with
	 * nothing due costs a few index lookups, however big the store.
	 */
	for (i = 0; i < s->cfg->noffsets; i++)
		if (s->cfg->offsets[i] > horizon)
			horizon = s->cfg->offsets[i];
	pthread_mutex_lock(s->lock);
	/* Before the data: an erasure after this voids what is composed. */
	rc = pd_store_erasure_mark(s->st, &erased);
	if (rc == PD_OK)
		rc = pd_store_plan_candidates(s->st, now, horizon,
		    s->cfg->nudge, &evs, &nev, &marks);
	if (rc == PD_OK && nev > 0) {
		if ((ids = calloc(nev, sizeof(*ids))) == NULL)
			rc = PD_ENOMEM;
		for (i = 0; rc == PD_OK && i < nev; i++)
			ids[i] = evs[i].id;
		if (rc == PD_OK)
			rc = pd_store_outbox_facts(s->st, ids, nev, &sent,
			    &nsent, &keys);
	}
	if (rc != PD_OK)
		copy_err(err, s->st);
	pthread_mutex_unlock(s->lock);
	if (rc != PD_OK || nev == 0)
		goto out;

	memset(&in, 0, sizeof(in));
	in.events = evs;
	in.nevents = nev;
	in.sent = sent;
	in.nsent = nsent;
	in.now = now;
	in.offsets = s->cfg->offsets;
	in.noffsets = s->cfg->noffsets;
	in.nudge = s->cfg->nudge;
	if ((rc = pd_plan(&in, &mails, &nmail)) != PD_OK)
		goto out;
	if (nmail == 0)
		goto done;
	if ((rows = calloc(PLAN_BATCH, sizeof(*rows))) == NULL) {
		rc = PD_ENOMEM;
		goto out;
	}
	for (i = 0; i < nmail; i++) {
		/* Composition needs no lock: it works on the copies above. */
		if ((rc = to_row(s, &mails[i], now, &rows[nrows], err)) != PD_OK)
			goto out;
		if (++nrows < PLAN_BATCH && i + 1 < nmail)
			continue;
		pthread_mutex_lock(s->lock);
		pd_store_set_now(s->st, now);
		rc = pd_store_outbox_add_since(s->st, rows, nrows, erased,
		    &added);
		if (rc != PD_OK && rc != PD_EEXIST)
			copy_err(err, s->st);
		pthread_mutex_unlock(s->lock);
		while (nrows > 0)
			pd_outbox_msg_clear(&rows[--nrows]);
		if (rc == PD_EEXIST) {
			rc = PD_OK;	/* the marks stay: the next pass plans anew */
			goto out;
		}
		if (rc != PD_OK)
			goto out;
		if (stats != NULL)
			stats->planned += added;
	}
done:
	/* Only now that the mail is stored may the changes count as seen. */
	pthread_mutex_lock(s->lock);
	if ((rc = pd_store_plan_done(s->st, ids, marks, nev)) != PD_OK)
		copy_err(err, s->st);
	pthread_mutex_unlock(s->lock);
out:
	for (i = 0; i < nrows; i++)
		pd_outbox_msg_clear(&rows[i]);
	free(rows);
	pd_plan_free(mails, nmail);
	free(sent);
	free(keys);
	free(ids);
	free(marks);
	pd_event_list_free(evs, nev);
	return rc;
}

/*
 * Spool mode: the message as SPOOL/ID-KIND.eml, written atomically and
 * never over an existing file: two databases (or a restored one) can
 * hand out the same id, and a spooled message is mail already "sent".
 * The bytes go to a temporary file of this process first, which is then
 * linked to the first free name (ID-KIND.eml, ID-KIND-2.eml, ...):
 * link() fails rather than replace, where rename() would replace.
 */
#define SPOOL_NAMES 1000

static enum pd_smtp_result
spool(struct pd_sched *s, const struct pd_outbox_msg *m, char **errmsg)
{
	struct pd_buf path = PD_BUF_INIT, tmp = PD_BUF_INIT;
	enum pd_smtp_result res = PD_SMTP_TRANSIENT;
	size_t off = 0;
	ssize_t n;
	int fd = -1, i;

	mkdir(s->cfg->spool_dir, 0750);
	pd_buf_addf(&tmp, "%s/.%06lld-%s.%ld.tmp", s->cfg->spool_dir,
	    (long long)m->id, m->kind, (long)getpid());
	if (pd_buf_failed(&tmp))
		goto out;
	if ((fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0640)) < 0)
		goto fail;
	while (off < m->len) {
		if ((n = write(fd, m->message + off, m->len - off)) < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0)
		goto fail;
	close(fd);
	fd = -1;
	for (i = 1; i <= SPOOL_NAMES; i++) {
		pd_buf_reset(&path);
		if (i == 1)
			pd_buf_addf(&path, "%s/%06lld-%s.eml",
			    s->cfg->spool_dir, (long long)m->id, m->kind);
		else
			pd_buf_addf(&path, "%s/%06lld-%s-%d.eml",
			    s->cfg->spool_dir, (long long)m->id, m->kind, i);
		if (pd_buf_failed(&path))
			goto out;
		if (link(tmp.data, path.data) == 0)
			break;
		if (errno != EEXIST)
			goto fail;
	}
	if (i > SPOOL_NAMES) {
		errno = EEXIST;
		goto fail;
	}
	res = PD_SMTP_SENT;
	goto out;
fail:
	if (errmsg != NULL && asprintf(errmsg, "spool %s: %s",
	    s->cfg->spool_dir, strerror(errno)) < 0)
		*errmsg = NULL;
out:
	if (fd >= 0)
		close(fd);
	if (tmp.data != NULL)
		unlink(tmp.data);
	pd_buf_free(&path);
	pd_buf_free(&tmp);
	return res;
}

/* *refused: the recipients the server refused (pd_smtp_refused), or NULL. */
static enum pd_smtp_result
send_one(struct pd_sched *s, const struct pd_outbox_msg *m, char **errmsg,
    char **refused)
{
	struct pd_smtp_opts o;
	const char *rcpt[16];
	char *list, *tok, *save = NULL;
	size_t n = 0;
	enum pd_smtp_result res;
	int rc;

	if (s->cfg->smtp_url == NULL)
		return spool(s, m, errmsg);
	if (s->smtp == NULL) {
		memset(&o, 0, sizeof(o));
		o.url = s->cfg->smtp_url;
		o.starttls = s->cfg->starttls;
		o.username = s->cfg->smtp_username;
		o.password = s->password;
		o.ca_file = s->cfg->ca_file;
		o.timeout = 60;
		if ((rc = pd_smtp_new(&o, &s->smtp)) != PD_OK) {
			if (errmsg != NULL)
				*errmsg = strdup(rc == PD_EINVAL ?
				    "smtp_url: not an smtp:// or smtps:// URL" :
				    "smtp: cannot start libcurl");
			return PD_SMTP_TRANSIENT;
		}
	}
	pd_smtp_set_stop(s->smtp, s->stop, STOP_GRACE);
	if ((list = strdup(m->rcpt)) == NULL)
		return PD_SMTP_TRANSIENT;
	for (tok = strtok_r(list, ", ", &save); tok != NULL && n < 16;
	    tok = strtok_r(NULL, ", ", &save))
		rcpt[n++] = tok;
	res = pd_smtp_send(s->smtp, m->mail_from, rcpt, n, m->message, m->len,
	    errmsg);
	if (pd_smtp_refused(s->smtp) != NULL)
		*refused = strdup(pd_smtp_refused(s->smtp));
	free(list);
	return res;
}

/*
 * One attempt at a message already marked sending, and its outcome
 * recorded.  The store failing is the only error returned.
 */
static int
attempt(struct pd_sched *s, struct pd_outbox_msg *m, int64_t now,
    struct pd_sched_stats *stats, struct pd_error *err)
{
	enum pd_smtp_result res;
	char *why = NULL, *refused = NULL;
	int rc = PD_OK;

	res = send_one(s, m, &why, &refused);
	/* Servers echo the recipient; the outbox and logs get no address. */
	if (why != NULL) {
		char *clean = pd_redact_addresses(why);

		free(why);
		why = clean;
	}
	pthread_mutex_lock(s->lock);
	if (refused != NULL)
		rc = pd_store_outbox_refused(s->st, m->id, refused);
	if (rc != PD_OK) {
		/*
		 * The store fails: the message stays "sending" and goes
		 * again after a restart, as after a crash.
		 */
	} else if (res == PD_SMTP_SENT) {
		rc = pd_store_outbox_sent(s->st, m->id, now);
		if (stats != NULL)
			stats->sent++;
	} else if (res == PD_SMTP_PERMANENT) {
		rc = pd_store_outbox_fail(s->st, m->id, PD_OUTBOX_FAILED,
		    0, why != NULL ? why : "refused");
		if (stats != NULL)
			stats->failed++;
	} else if (now - m->created >= GIVE_UP) {
		rc = pd_store_outbox_fail(s->st, m->id, PD_OUTBOX_DEAD,
		    0, why != NULL ? why : "gave up");
		if (stats != NULL)
			stats->dead++;
	} else {
		rc = pd_store_outbox_fail(s->st, m->id,
		    PD_OUTBOX_PENDING,
		    now + pd_sched_backoff(m->attempts + 1),
		    why != NULL ? why : "temporary failure");
		if (stats != NULL)
			stats->retry++;
	}
	if (rc != PD_OK)
		copy_err(err, s->st);
	pthread_mutex_unlock(s->lock);
	free(why);
	free(refused);
	return rc;
}

/* Takes the next due message; PD_ENOTFOUND when there is none. */
static int
take(struct pd_sched *s, int64_t now, struct pd_outbox_msg *m,
    struct pd_error *err)
{
	int rc;

	pthread_mutex_lock(s->lock);
	pd_store_set_now(s->st, now);
	rc = pd_store_outbox_take(s->st, now, m);
	if (rc != PD_OK && rc != PD_ENOTFOUND)
		copy_err(err, s->st);
	pthread_mutex_unlock(s->lock);
	return rc;
}

int
pd_sched_deliver(struct pd_sched *s, int64_t now,
    const volatile sig_atomic_t *stop, struct pd_sched_stats *stats,
    struct pd_error *err)
{
	struct pd_outbox_msg m;
	size_t round;
	int rc = PD_OK;

	s->stop = stop;
	/* Bounded: a pass never runs longer than the outbox is deep. */
	for (round = 0; round < 1000000; round++) {
		if (stop != NULL && *stop)
			break;
		if ((rc = take(s, now, &m, err)) == PD_ENOTFOUND) {
			rc = PD_OK;
			break;
		}
		if (rc != PD_OK)
			break;
		rc = attempt(s, &m, now, stats, err);
		pd_outbox_msg_clear(&m);
		if (rc != PD_OK)
			break;
	}
	s->stop = NULL;
	return rc;
}

int
pd_sched_test(struct pd_sched *s, const char *address, int64_t now,
    struct pd_outbox_msg *out, struct pd_error *err)
{
	struct pd_person to;
	struct pd_mail m;
	struct pd_outbox_msg row, taken;
	struct pd_buf key = PD_BUF_INIT;
	uint32_t nonce = 0;
	size_t added = 0;
	int rc;

	memset(&to, 0, sizeof(to));
	memset(&m, 0, sizeof(m));
	to.name = (char *)(uintptr_t)address;
	to.email = (char *)(uintptr_t)address;
	if ((rc = pd_person_validate(&to, err)) != PD_OK)
		return rc;
	/*
	 * Every test is a message of its own (its own Message-ID), even two
	 * at the same PODIUM_NOW: a repeated key would silently report the
	 * outcome of the earlier test.
	 */
	if (getrandom(&nonce, sizeof(nonce), GRND_NONBLOCK) != sizeof(nonce))
		nonce = (uint32_t)getpid();
	pd_buf_addf(&key, "test/%s/%lld/%08x", address, (long long)now,
	    (unsigned)nonce);
	if (pd_buf_failed(&key))
		return PD_ENOMEM;
	m.key = key.data;
	m.kind = PD_MAIL_TEST;
	m.to = &to;
	if ((rc = to_row(s, &m, now, &row, err)) != PD_OK)
		goto out;
	/*
	 * Due before anything else, so that the one message taken below is
	 * this one: a test sends the test, not the rest of the backlog.
	 */
	row.next_attempt = 0;
	pthread_mutex_lock(s->lock);
	pd_store_set_now(s->st, now);
	rc = pd_store_outbox_add(s->st, &row, 1, &added);
	if (rc != PD_OK)
		copy_err(err, s->st);
	pthread_mutex_unlock(s->lock);
	pd_outbox_msg_clear(&row);
	if (rc != PD_OK)
		goto out;
	/* The same dispatcher as every other message; then report on it. */
	if ((rc = take(s, now, &taken, err)) == PD_OK) {
		rc = attempt(s, &taken, now, NULL, err);
		pd_outbox_msg_clear(&taken);
	}
	if (rc != PD_OK)
		goto out;
	pthread_mutex_lock(s->lock);
	if ((rc = pd_store_outbox_get_key(s->st, key.data, out)) != PD_OK)
		copy_err(err, s->st);
	pthread_mutex_unlock(s->lock);
out:
	pd_buf_free(&key);
	return rc;
}
