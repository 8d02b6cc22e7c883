/*
 * Import and export on the organizer pages.  /import takes an .ics file
 * (multipart upload, or pasted text), shows which events it would create
 * and which it would change, and applies it in one transaction (the
 * store's import, as "podium import" and POST /api/import do).  /export
 * downloads the organizers' full export, what "podium export" writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "podium/ical.h"
#include "podium/store.h"
#include "web_int.h"

int
pd_web_import(struct pd_web *w)
{
	return pd_web_render(w, 0, "import", json_pack("{s:o}", "ok",
	    pd_web_str(pd_web_qarg(w, "ok"))));
}

int
pd_web_import_post(struct pd_web *w)
{
	struct pd_error err = { 0, NULL, NULL };
	struct pd_import_stats stats;
	struct pd_calendar *cal = NULL;
	struct pd_event *old;
	const char *text = pd_web_field(w, "file");
	json_t *rows, *d;
	size_t i, ncreate = 0, nupdate = 0;
	int rc;

	if (text == NULL || *text == '\0')
		text = pd_web_field(w, "ics");
	if (text == NULL || *text == '\0') {
		pd_web_refuse(w, "file", pd_web_text(w, "err_required"));
		return pd_web_render(w, 0, "import", NULL);
	}
	if (pd_ical_parse(text, strlen(text), &cal, &err) != PD_OK) {
		pd_web_refuse(w, "file", err.msg != NULL ? err.msg :
		    "not an iCalendar file");
		pd_error_clear(&err);
		json_object_del(w->form, "file");
		return pd_web_render(w, 0, "import", NULL);
	}
	if (pd_web_opt(w, "apply") != NULL) {
		memset(&stats, 0, sizeof(stats));
		rc = pd_store_import(w->app->st, cal, &stats);
		pd_calendar_free(cal);
		if (rc != PD_OK) {
			pd_web_refuse_store(w, "file");
			json_object_del(w->form, "file");
			return pd_web_render(w, 0, "import", NULL);
		}
		w->wrote = 1;
		return pd_web_redirect(w, "/import?ok=%zu-%zu", stats.created,
		    stats.updated);
	}
	rows = json_array();
	for (i = 0; i < cal->nevents; i++) {
		const struct pd_event *ev = &cal->events[i];
		int exists = ev->uid != NULL &&
		    pd_store_event_get(w->app->st, ev->uid, &old) == PD_OK;

		if (exists)
			pd_event_free(old);
		exists ? nupdate++ : ncreate++;
		json_array_append_new(rows, json_pack("{s:o, s:o, s:b, s:i, "
		    "s:i, s:i}", "title", pd_web_str(ev->title), "when",
		    pd_web_when(w, ev), "update", exists, "talks",
		    (int)ev->ntalks, "attendances", (int)ev->nattendances,
		    "agenda", (int)ev->nagenda));
	}
	d = json_pack("{s:o, s:i, s:i, s:s}", "preview", rows, "create",
	    (int)ncreate, "update", (int)nupdate, "ics", text);
	pd_calendar_free(cal);
	json_object_del(w->form, "file");
	return pd_web_render(w, 0, "import", d);
}

int
pd_web_export(struct pd_web *w)
{
	struct pd_error err = { 0, NULL, NULL };
	struct pd_render_opts ro;
	struct pd_calendar *cal = NULL;
	struct pd_filter f;
	char *text = NULL;
	size_t len = 0;
	int rc;

	memset(&f, 0, sizeof(f));
	memset(&ro, 0, sizeof(ro));
	f.kind = PD_FILTER_ALL;
	if ((rc = pd_store_calendar(w->app->st, &f, &cal)) != PD_OK ||
	    (rc = pd_ical_render(cal, &ro, &text, &len, &err)) != PD_OK) {
		pd_calendar_free(cal);
		rc = pd_web_fail(w, 500, err.msg != NULL ? err.msg :
		    "cannot export");
		pd_error_clear(&err);
		return rc;
	}
	pd_calendar_free(cal);
	pd_buf_reset(&w->resp->body);
	pd_buf_add(&w->resp->body, text, len);
	free(text);
	w->resp->status = 200;
	w->resp->content_type = "text/calendar; charset=utf-8";
	pd_http_resp_header(w->resp, "Content-Disposition",
	    "attachment; filename=\"podium-export.ics\"");
	pd_http_resp_header(w->resp, "Cache-Control", "no-store");
	pd_http_resp_header(w->resp, "Referrer-Policy", "no-referrer");
	return PD_OK;
}
