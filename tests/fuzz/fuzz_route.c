/*
 * libFuzzer target: request routing, pd_route(), with the method, path,
 * query and every header the daemon passes on taken from the input (the
 * text form of fuzz_app.h).  Behind the router are the feed cache (feeds
 * are rendered from the fixed programme, so ETag and If-Modified-Since
 * logic run on real tags), /healthz, the API and the answer pages.
 *
 * No Authorization is added here: a request is exactly what a client
 * could send.  Up to four requests per input share one store and feed
 * cache, so a conditional GET can follow the GET that filled the cache.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "podium/http.h"
#include "fuzz_app.h"

#define MAX_REQUESTS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
		if (fuzz_req_read(&p, end, &r, NULL) != 0)
			break;
		pd_http_resp_init(&resp);
		pd_route(&app, &r.req, &resp);
		/* FUZZ_VERBOSE=1 shows what a seed does (for writing seeds). */
		if (getenv("FUZZ_VERBOSE") != NULL)
			fprintf(stderr, "%s %s -> %d %.*s\n", r.req.method,
			    r.req.path, resp.status, (int)(resp.body.len > 160 ?
			    160 : resp.body.len), resp.body.data != NULL ?
			    resp.body.data : "");
		if (resp.status < 200 || resp.status > 599) {
			fprintf(stderr, "fuzz_route: status %d\n",
			    resp.status);
			abort();
		}
		/* What the daemon would send: a feed or the body. */
		if (resp.feed != NULL && resp.feed->len > 0 &&
		    resp.feed->body[resp.feed->len - 1] != '\n')
			abort();
		pd_http_resp_clear(&resp);
		fuzz_req_clear(&r);
	}
	fuzz_app_close(&app);
	return 0;
}
