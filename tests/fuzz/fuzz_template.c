/*
 * libFuzzer target: the two template languages.  The input is a template
 * rendered by pd_template_render() (mail texts: {{name}} only) with the
 * variables the mail templates use, and by pd_html_render() (answer
 * pages: {{name}}, sections, comments) with the variables the pages use,
 * some set, some empty, some unset.  Values hold markup, so the escaping
 * is exercised too.  Some values begin with a 0x01 byte: when the
 * template has no 0x01 of its own, every 0x01 in a page came from a
 * value, so "\x01<" in the page means a value went out unescaped.  (A
 * value must not end in 0x01, or the template's own "<" after it would
 * match; and testing for "<b>" was wrong: "<b<{{!}}b>" makes "<b>" from
 * template text alone, which is the template author's business.)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "podium/buf.h"
#include "podium/template.h"
#include "html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct pd_tvar mail_vars[] = {
	{ "accept_url", "http://127.0.0.1:8080/respond/abc" },
	{ "answer", "zugesagt" },
	{ "date", "Donnerstag, 11. Februar 2021" },
	{ "decline_url", "http://127.0.0.1:8080/respond/def" },
	{ "description", "Zeile 1\nZeile 2 {{name}}" },
	{ "event", "Projektwoche: Smarte Quartiere" },
	{ "location", NULL },
	{ "name", "Frau Lübcke" },
	{ "organizer", "SMARTCity Gera" },
	{ "speaker", "" },
	{ "talk", "Wärmenetze im Quartier" },
	{ "time", "09:00" },
	{ "via_line", "" },
	{ "when", "11.02.2021 09:00" },
};

static const struct pd_html_var page_vars[] = {
	{ "event", "\001<b>Smarte</b> Quartiere & \"mehr\"" },
	{ "location", "Rathaus Gera, Raum 1 & 2" },
	{ "talk", "\001<script>x</script>" },
	{ "talk_time", "" },
	{ "tz", "Europe/Berlin" },
	{ "via", NULL },
	{ "when", "Donnerstag, 11. Februar 2021, 09:00 Uhr" },
	{ "form", "1" },
	{ "cancelled", NULL },
	{ "st_requested", "1" },
	{ "st_confirmed", "" },
	{ "st_declined", NULL },
	{ "st_withdrawn", NULL },
	{ "thanks_accept", NULL },
	{ "thanks_decline", "1" },
	{ "invalid", "1" },
	{ "gone", NULL },
	{ "expired", NULL },
	{ "badanswer", NULL },
	{ "method", NULL },
	{ "mediatype", NULL },
	{ "toobig", NULL },
	{ "internal", NULL },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pd_error err = { 0, NULL, NULL };
	struct pd_buf out;
	char *tmpl;

	/* A copy of exactly size bytes: no NUL to hide an overread. */
	if ((tmpl = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	if (size > 0)
		memcpy(tmpl, data, size);

	pd_buf_init(&out, 1024 * 1024);
	if (pd_template_render(tmpl, size, mail_vars,
	    sizeof(mail_vars) / sizeof(mail_vars[0]), &out, &err) != PD_OK &&
	    err.msg == NULL && !pd_buf_failed(&out))
		abort();
	pd_error_clear(&err);
	pd_buf_free(&out);

	pd_buf_init(&out, 1024 * 1024);
	if (pd_html_render(&out, tmpl, size, page_vars,
	    sizeof(page_vars) / sizeof(page_vars[0])) == PD_OK &&
	    out.len > 0 && memchr(data, '\001', size) == NULL &&
	    memmem(out.data, out.len, "\001<", 2) != NULL)
		abort();
	pd_buf_free(&out);
	free(tmpl);
	return 0;
}
