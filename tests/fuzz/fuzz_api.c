/*
 * libFuzzer target: the organizer API, through pd_api_handle() as the
 * daemon calls it (route.c hands every /api/ request to it).
 *
 * An input is up to eight requests in the text form of fuzz_app.h
 * ("METHOD PATH?QUERY", header lines, an empty line, the JSON body;
 * requests separated by a line "%%"), run in order against a fresh
 * in-memory store with a small fixed programme, so that a sequence such
 * as "create an event, add a talk, patch it" is reachable.  Requests
 * without an Authorization line carry the right token: the point is the
 * bodies, and the fuzzer can still drop or change the header.
 *
 * The answer must always be a status, and a body that is JSON when there
 * is one: anything else (a handler that forgot to answer, half a JSON
 * document) aborts, so the fuzzer reports it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "podium/http.h"
#include "fuzz_app.h"

#define MAX_REQUESTS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_answer(const struct pd_http_resp *resp)
{
	json_error_t jerr;
	json_t *j;

	if (resp->status < 200 || resp->status > 599) {
		fprintf(stderr, "fuzz_api: status %d\n", resp->status);
		abort();
	}
	if (resp->body.len == 0)
		return;
	if ((j = json_loadb(resp->body.data, resp->body.len, 0,
	    &jerr)) == NULL) {
		fprintf(stderr, "fuzz_api: answer is not JSON (%s): %.200s\n",
		    jerr.text, resp->body.data);
		abort();
	}
	json_decref(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct pd_http_resp resp;
	struct fuzz_ids ids;
	struct fuzz_req r;
	struct pd_app app;
	int i;

	if (fuzz_app_open(&app, &ids) != 0)
		abort();
	for (i = 0; i < MAX_REQUESTS; i++) {
		if (fuzz_req_read(&p, end, &r,
		    "Bearer " FUZZ_API_TOKEN) != 0)
			break;
		pd_http_resp_init(&resp);
		pd_api_handle(&app, &r.req, &resp);
		/* FUZZ_VERBOSE=1 shows what a seed does (for writing seeds). */
		if (getenv("FUZZ_VERBOSE") != NULL)
			fprintf(stderr, "%s %s -> %d %.*s\n", r.req.method,
			    r.req.path, resp.status, (int)(resp.body.len > 160 ?
			    160 : resp.body.len), resp.body.data != NULL ?
			    resp.body.data : "");
		check_answer(&resp);
		pd_http_resp_clear(&resp);
		fuzz_req_clear(&r);
	}
	fuzz_app_close(&app);
	return 0;
}
