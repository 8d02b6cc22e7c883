/*
 * The organizer pages' data-protection forms: who may be named in the
 * public feeds (issue 15: the public-attendance switch of an event and of
 * a working group), and a person's rights (issue 11: the Art. 15 export
 * as a download, the Art. 17 erasure behind a confirmation page that
 * shows the dry run).
 *
 * The same library calls as "podium person forget" and the API: the
 * store's pd_store_person_forget (dry run for the confirmation page),
 * then pd_spool_remove for the person's .eml files; feeds and export_dir
 * are written again through app->changed, as after every write here (the
 * CLI, without a daemon, renders export_dir itself).  Nothing shown or
 * logged names a forgotten person by more than id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "podium/config.h"
#include "podium/privacy.h"
#include "podium/store.h"
#include "web_int.h"

/* "yes" / "no" of the field "public"; -1 (refused) otherwise. */
static int
yes_no(struct pd_web *w)
{
	const char *v = pd_web_opt(w, "public");

	if (v != NULL && strcmp(v, "yes") == 0)
		return 1;
	if (v != NULL && strcmp(v, "no") == 0)
		return 0;
	return -1;
}

int
pd_web_event_public(struct pd_web *w)
{
	int64_t id = pd_web_arg_id(w, 0);
	int on = yes_no(w), rc;

	if (id == 0)
		return pd_web_fail(w, 404, pd_web_text(w, "err_notfound"));
	if (on < 0)
		return pd_web_fail(w, 400, pd_web_text(w, "err_yes_no"));
	rc = pd_store_event_set_public_attendance(w->app->st, id, on);
	if (rc == PD_ENOTFOUND)
		return pd_web_fail(w, 404, pd_web_text(w, "err_notfound"));
	if (rc != PD_OK)
		return pd_web_fail(w, 500, pd_store_error(w->app->st)->msg);
	w->wrote = 1;
	return pd_web_redirect(w, "/events/%lld?ok=%s#public",
	    (long long)id, on ? "public_on" : "public_off");
}

/* A slug as pd_slug makes them (it goes into the redirect, too). */
static int
slug_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_' || s[i] == '.'))
			return 0;
	return i > 0;
}

int
pd_web_group_public(struct pd_web *w)
{
	const char *slug = w->arg[0];
	int on = yes_no(w), rc;

	if (slug == NULL || !slug_ok(slug))
		return pd_web_fail(w, 404, pd_web_text(w, "err_notfound"));
	if (on < 0)
		return pd_web_fail(w, 400, pd_web_text(w, "err_yes_no"));
	rc = pd_store_group_set_public_attendance(w->app->st, slug, on);
	if (rc == PD_ENOTFOUND)
		return pd_web_fail(w, 404, pd_web_text(w, "err_notfound"));
	if (rc != PD_OK)
		return pd_web_fail(w, 500, pd_store_error(w->app->st)->msg);
	w->wrote = 1;
	return pd_web_redirect(w, "/feeds?ok=%s#group-%s",
	    on ? "public_on" : "public_off", slug);
}

/* ---- Art. 15: the export ---- */

int
pd_web_person_export(struct pd_web *w)
{
	struct pd_error err = { 0, NULL, NULL };
	int64_t id = pd_web_arg_id(w, 0);
	char *text = NULL, name[64];
	int rc;

	if (id == 0)
		return pd_web_fail(w, 404, pd_web_text(w, "err_notfound"));
	rc = pd_person_export(w->app->st, id, &text, &err);
	if (rc == PD_ENOTFOUND) {
		pd_error_clear(&err);
		return pd_web_fail(w, 404, pd_web_text(w, "err_notfound"));
	}
	if (rc != PD_OK) {
		rc = pd_web_fail(w, 500, err.msg != NULL ? err.msg :
		    pd_strerror(rc));
		pd_error_clear(&err);
		return rc;
	}
	pd_buf_reset(&w->resp->body);
	pd_buf_adds(&w->resp->body, text);
	pd_buf_adds(&w->resp->body, "\n");
	free(text);
	w->resp->status = 200;
	w->resp->content_type = "application/json; charset=utf-8";
	/* Named by id only: the file name may end up in a download list. */
	snprintf(name, sizeof(name), "attachment; filename=\"person-%lld.json\"",
	    (long long)id);
	pd_http_resp_header(w->resp, "Content-Disposition", name);
	pd_http_resp_header(w->resp, "Cache-Control", "no-store");
	return PD_OK;
}

/* ---- Art. 17: the erasure ---- */

static json_t *
report_json(const struct pd_forget_report *r)
{
	json_t *o = pd_forget_report_json(r, 1, 0);

	/* The dry run counts messages; which have a file is seen after. */
	json_object_set_new(o, "spool_max", json_integer((json_int_t)r->nmsgs));
	json_object_set_new(o, "placeholder", json_string(PD_ERASED_NAME));
	json_object_set_new(o, "has_mentions", json_boolean(r->nmentions > 0));
	return o;
}

int
pd_web_person_forget_ask(struct pd_web *w)
{
	struct pd_forget_report r;
	struct pd_person p;
	int64_t id = pd_web_arg_id(w, 0);
	int erased = 0, rc;

	memset(&p, 0, sizeof(p));
	memset(&r, 0, sizeof(r));
	if (id == 0 || pd_store_person_get(w->app->st, id, &p) != PD_OK)
		return pd_web_fail(w, 404, pd_web_text(w, "err_notfound"));
	if (pd_store_person_erased(w->app->st, id, &erased) == PD_OK &&
	    erased) {
		pd_person_clear(&p);
		return pd_web_redirect(w, "/people/%lld", (long long)id);
	}
	rc = pd_store_person_forget(w->app->st, id, w->app->key,
	    sizeof(w->app->key), 1, &r);
	if (rc != PD_OK) {
		pd_person_clear(&p);
		return pd_web_fail(w, rc == PD_ENOTFOUND ? 404 : 500,
		    pd_store_error(w->app->st)->msg);
	}
	rc = pd_web_render(w, 0, "forget", json_pack("{s:o, s:o, s:o}",
	    "person", pd_web_json_person(&p), "report", report_json(&r),
	    "title_", pd_web_str(p.name)));
	pd_forget_report_clear(&r);
	pd_person_clear(&p);
	return rc;
}

int
pd_web_person_forget(struct pd_web *w)
{
	struct pd_error err = { 0, NULL, NULL };
	struct pd_forget_report r;
	int64_t id = pd_web_arg_id(w, 0);
	size_t files = 0;
	int rc;

	memset(&r, 0, sizeof(r));
	if (id == 0)
		return pd_web_fail(w, 404, pd_web_text(w, "err_notfound"));
	rc = pd_store_person_forget(w->app->st, id, w->app->key,
	    sizeof(w->app->key), 0, &r);
	if (rc == PD_ENOTFOUND)
		return pd_web_fail(w, 404, pd_web_text(w, "err_notfound"));
	if (rc == PD_EINVAL)
		/* Already the placeholder (a second click, another tab). */
		return pd_web_redirect(w, "/people/%lld", (long long)id);
	if (rc != PD_OK)
		return pd_web_fail(w, 500, pd_store_error(w->app->st)->msg);
	w->wrote = 1;
	rc = pd_spool_remove(w->cfg->spool_dir, r.msg_ids, r.msg_kinds,
	    r.nmsgs, &files, &err);
	pd_forget_report_clear(&r);
	if (rc != PD_OK) {
		char msg[600];

		/* The database part is done; say what is left to do. */
		snprintf(msg, sizeof(msg), "%s %s", pd_web_text(w,
		    "forget_spool_failed"), err.msg != NULL ? err.msg :
		    pd_strerror(rc));
		pd_error_clear(&err);
		return pd_web_fail(w, 500, msg);
	}
	return pd_web_redirect(w, "/people/%lld?ok=forgotten&files=%zu",
	    (long long)id, files);
}
