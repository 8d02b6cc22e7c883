/*
 * libFuzzer target: answer links.  pd_answer_token_check() gets arbitrary
 * strings, and pd_respond_handle() (the page a speaker opens) gets
 * arbitrary methods, Content-Types and form bodies behind either an
 * arbitrary token or one signed with the fixed key, so the page code
 * past the MAC check is reached too.
 *
 * Input: the first byte chooses the token.
 *   even: the first line after it is the token, as a client could send.
 *   odd:  the next 10 bytes are a talk id byte, a person id byte and an
 *         8-byte big-endian expiry; the token is made with the fixed key
 *         and must check as valid with the same ids (or as expired).
 * Then: a line with the method, a line with the Content-Type, the body.
 *
 * Each input gets a fresh store (a POST changes a talk's status).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "podium/answer.h"
#include "podium/buf.h"
#include "podium/http.h"
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A token made with our key must check as what it says. */
static void
check_signed(const char *token, int64_t tid, int64_t pid, int64_t expiry)
{
	enum pd_answer_state st;
	int64_t t = -1, p = -1;
	int rc;

	rc = pd_answer_token_check(FUZZ_KEY, token, FUZZ_NOW, &t, &p, &st);
	if (FUZZ_NOW > expiry ? st != PD_ANSWER_EXPIRED || rc == PD_OK :
	    st != PD_ANSWER_VALID || rc != PD_OK || t != tid || p != pid) {
		fprintf(stderr, "fuzz_answer: token %s for %lld/%lld/%lld "
		    "checked as %d\n", token, (long long)tid, (long long)pid,
		    (long long)expiry, (int)st);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct pd_buf path = PD_BUF_INIT;
	struct pd_http_resp resp;
	struct pd_http_req req;
	struct fuzz_ids ids;
	enum pd_answer_state st;
	struct pd_app app;
	char *token = NULL, *method, *ctype, *body;
	int64_t tid = 0, pid = 0, expiry = 0;
	size_t i, n;

	if (size < 1)
		return 0;
	if ((*p++ & 1) == 0) {
		token = fuzz_line(&p, end);
		/* Whatever it is, it must not be called valid. */
		if (pd_answer_token_check(FUZZ_KEY, token, FUZZ_NOW, &tid,
		    &pid, &st) == PD_OK && (tid <= 0 || pid <= 0))
			abort();
	} else {
		if (end - p < 10)
			return 0;
		tid = p[0];
		pid = p[1];
		for (i = 0; i < 8; i++)
			expiry = (int64_t)((uint64_t)expiry << 8 | p[2 + i]);
		p += 10;
		if (pd_answer_token_make(FUZZ_KEY, tid, pid, expiry,
		    &token) != PD_OK) {
			if (tid > 0 && pid > 0)
				abort();
			return 0;
		}
		if (strlen(token) != PD_ANSWER_TOKEN_LEN)
			abort();
		check_signed(token, tid, pid, expiry);
	}
	method = fuzz_line(&p, end);
	ctype = fuzz_line(&p, end);
	n = (size_t)(end - p);
	if ((body = malloc(n + 1)) == NULL)
		abort();
	memcpy(body, p, n);
	body[n] = '\0';

	if (fuzz_app_open(&app, &ids) != 0)
		abort();
	pd_buf_addf(&path, "/respond/%s", token);
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path.data != NULL ? path.data : "/respond/";
	req.content_type = *ctype != '\0' ? ctype : NULL;
	req.body = body;
	req.body_len = n;
	pd_http_resp_init(&resp);
	pd_respond_handle(&app, &req, &resp);
	if (resp.status < 200 || resp.status > 599 || resp.body.len == 0)
		abort();
	/* The token is never written into a page. */
	if (strlen(token) >= 8 &&
	    memmem(resp.body.data, resp.body.len, token, strlen(token)) != NULL)
		abort();
	pd_http_resp_clear(&resp);
	fuzz_app_close(&app);
	pd_buf_free(&path);
	free(token);
	free(method);
	free(ctype);
	free(body);
	return 0;
}
