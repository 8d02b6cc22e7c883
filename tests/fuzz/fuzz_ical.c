/*
 * libFuzzer target: the .ics importer.  pd_ical_parse() gets the input as
 * bytes (not NUL-terminated, as the API promises it may be); a calendar
 * it accepts is rendered again (organizers' and public view, the paths
 * feeds take) and imported into the fixed in-memory store of fuzz_app.h
 * (so UIDs and people can meet existing rows), which is what "podium
 * import" does with it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "podium/ical.h"
#include "podium/store.h"
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pd_error err = { 0, NULL, NULL };
	struct pd_render_opts ro;
	struct pd_import_stats stats;
	struct pd_calendar *cal = NULL;
	struct fuzz_ids ids;
	struct pd_app app;
	char *text, *out = NULL;
	size_t len;

	/* Also runs pd_ical_init() the first time. */
	if (fuzz_app_open(&app, &ids) != 0)
		abort();
	if ((text = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	if (size > 0)
		memcpy(text, data, size);
	if (pd_ical_parse(text, size, &cal, &err) != PD_OK) {
		if (err.msg == NULL)
			abort();
		goto out;
	}
	memset(&ro, 0, sizeof(ro));
	ro.privacy = PD_PRIVACY_FULL;
	if (pd_ical_render(cal, &ro, &out, &len, &err) == PD_OK)
		free(out);
	pd_error_clear(&err);
	ro.privacy = PD_PRIVACY_PUBLIC;
	ro.method = "PUBLISH";
	if (pd_ical_render(cal, &ro, &out, &len, &err) == PD_OK)
		free(out);
	pd_error_clear(&err);
	memset(&stats, 0, sizeof(stats));
	pd_store_import(app.st, cal, &stats);
out:
	pd_error_clear(&err);
	pd_calendar_free(cal);
	free(text);
	fuzz_app_close(&app);
	return 0;
}
