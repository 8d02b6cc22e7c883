/*
 * libFuzzer target: the calendar-reply intake.  pd_reply_receive() gets
 * arbitrary mail messages, with "@TAG@" replaced by the valid tagged
 * address of Ms Smith's invitation to the first event and "@UID@" by
 * that event's UID, so that mutations reach past the tag and UID checks
 * into the ATTENDEE, PARTSTAT, SEQUENCE and DTSTAMP rules and the store.
 *
 * Checked beyond "no crash": an unreadable input is PD_EPARSE and
 * nothing else fails (the store is in memory), and the same input twice
 * is recorded once ("already received").
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "podium/buf.h"
#include "podium/reply.h"
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Appends data with every "@TAG@" and "@UID@" replaced. */
static void
expand(struct pd_buf *b, const uint8_t *data, size_t size, const char *tag,
    const char *uid)
{
	size_t i = 0;

	while (i < size) {
		if (size - i >= 5 && memcmp(data + i, "@TAG@", 5) == 0) {
			pd_buf_adds(b, tag);
			i += 5;
		} else if (size - i >= 5 && memcmp(data + i, "@UID@", 5) == 0) {
			pd_buf_adds(b, uid);
			i += 5;
		} else {
			pd_buf_add(b, data + i++, 1);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pd_error err = { 0, NULL, NULL };
	struct pd_reply_result res;
	struct pd_reply_ctx ctx;
	struct pd_buf msg = PD_BUF_INIT;
	struct pd_event *ev = NULL;
	struct fuzz_ids ids;
	struct pd_app app;
	char key[24], *tag = NULL;
	int rc;

	if (size > 65536 || fuzz_app_open(&app, &ids) != 0)
		return 0;
	snprintf(key, sizeof(key), "%lld", (long long)ids.ev1);
	if (pd_store_event_get(app.st, key, &ev) != PD_OK ||
	    pd_reply_address(FUZZ_KEY, "rsvp@example.org", ids.ev1, ids.en,
	    &tag) != PD_OK)
		abort();
	expand(&msg, data, size, tag, ev->uid);
	if (pd_buf_failed(&msg))
		abort();
	memset(&ctx, 0, sizeof(ctx));
	ctx.key = FUZZ_KEY;
	ctx.now = FUZZ_NOW;
	rc = pd_reply_receive(app.st, &ctx, msg.data != NULL ? msg.data : "",
	    msg.len, &res, &err);
	if (rc != PD_OK && rc != PD_EPARSE) {
		fprintf(stderr, "fuzz_reply: %d: %s\n", rc,
		    err.msg != NULL ? err.msg : "?");
		abort();
	}
	pd_error_clear(&err);
	if (rc == PD_OK) {
		rc = pd_reply_receive(app.st, &ctx, msg.data, msg.len, &res,
		    &err);
		if (rc != PD_OK || res.outcome != PD_REPLY_IGNORED ||
		    strstr(res.reason, "already received") == NULL) {
			fprintf(stderr, "fuzz_reply: the same message twice: "
			    "%d %s\n", rc, res.reason);
			abort();
		}
		pd_error_clear(&err);
	}
	free(tag);
	pd_event_free(ev);
	pd_buf_free(&msg);
	fuzz_app_close(&app);
	return 0;
}
