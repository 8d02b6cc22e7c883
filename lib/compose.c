/*
 * Mail composition (compose.h) with GMime: headers encoded per RFC 2047
 * by the library, a UTF-8 text part, and for iTIP kinds a text/calendar
 * part whose method= matches the METHOD inside (Outlook offers Accept and
 * Decline only then), both in multipart/alternative as RFC 6047 asks.
 * Every message also carries an HTML alternative (templates/LANG/KIND.html,
 * escaped by lib/html.c; no remote images, no tracking), between the text
 * and the calendar part: plain, html[, calendar].
 *
 * No header is ever built by pasting strings: names, titles and
 * addresses go through GMime's mailbox and header setters, and the model
 * refuses CR/LF in every single-line field before it gets here.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "podium/answer.h"
#include "podium/buf.h"
#include "podium/compose.h"
#include "podium/ical.h"
#include "podium/reply.h"
#include "podium/template.h"
#include "podium/token.h"
#include "podium/tz.h"
#include "html.h"

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void
gmime_start(void)
{
	g_mime_init();
}

void
pd_composed_clear(struct pd_composed *c)
{
	if (c == NULL)
		return;
	free(c->message);
	free(c->mail_from);
	free(c->rcpt);
	free(c->message_id);
	free(c->subject);
	memset(c, 0, sizeof(*c));
}

static int
is_en(const struct pd_person *p)
{
	return p != NULL && p->lang != NULL && strcmp(p->lang, "en") == 0;
}

/* "2021-02-11 09:00" -> "11.02.2021" (de) or "2021-02-11" (en), "09:00". */
static void
split_local(const char *local, int en, char date[16], char hm[8])
{
	if (en)
		snprintf(date, 16, "%.10s", local);
	else
		snprintf(date, 16, "%.2s.%.2s.%.4s", local + 8, local + 5, local);
	snprintf(hm, 8, "%.5s", strlen(local) >= 16 ? local + 11 : "");
}

static void
when_text(int64_t offset, int en, char out[48])
{
	int64_t days = offset / 86400, hours = offset / 3600;

	if (offset >= 2 * 86400 && offset % 86400 == 0)
		snprintf(out, 48, en ? "in %lld days" : "in %lld Tagen",
		    (long long)days);
	else if (offset == 86400)
		snprintf(out, 48, en ? "tomorrow" : "morgen");
	else if (hours >= 1)
		snprintf(out, 48, en ? "in %lld hours" : "in %lld Stunden",
		    (long long)hours);
	else
		snprintf(out, 48, en ? "soon" : "in Kürze");
}

/*
 * The speaker's answer link.  Both links open the answer page, which asks
 * for one more click: a GET must not change anything, or mail scanners
 * that follow links would answer for the speaker.
 */
static char *
answer_url(const struct pd_mail *m, const struct pd_compose_ctx *ctx,
    const char *answer)
{
	struct pd_buf b = PD_BUF_INIT;
	char *tok = NULL, *link = NULL;
	int64_t expiry;

	if (pd_answer_expiry(m->ev, ctx->now, &expiry) != PD_OK ||
	    pd_answer_token_make(ctx->key, m->talk->id, m->to->id, expiry,
	    &tok) != PD_OK)
		return NULL;
	if (pd_answer_link(ctx->base_url, tok, &link) == PD_OK)
		pd_buf_addf(&b, "%s?answer=%s", link, answer);
	free(tok);
	free(link);
	return pd_buf_detach(&b, NULL);
}

/* The calendar part: this one event, iMIP-shaped, for the addressee. */
static char *
itip_part(const struct pd_mail *m, const char *method, struct pd_error *err)
{
	struct pd_render_opts ro;
	struct pd_calendar cal;
	struct pd_event one;
	char *out = NULL;
	size_t len;

	memset(&ro, 0, sizeof(ro));
	memset(&cal, 0, sizeof(cal));
	ro.privacy = PD_PRIVACY_PERSON;
	ro.privacy_person_id = m->to->id;
	ro.method = method;
	ro.imip = 1;
	ro.imip_person_id = m->to->id;
	/*
	 * The part names no other participant, so it is built from the
	 * addressee's own attendance alone: its cost is the message's, not
	 * the event's (an event may have thousands of attendees).  A shallow
	 * copy: the strings and the talks stay the planner's.
	 */
	one = *m->ev;
	if (m->att != NULL) {
		one.attendances = (struct pd_attendance *)(uintptr_t)m->att;
		one.nattendances = 1;
	}
	cal.events = &one;
	cal.nevents = 1;
	if (pd_ical_render(&cal, &ro, &out, &len, err) != PD_OK)
		return NULL;
	return out;
}

static GMimeObject *
text_part(const char *subtype, const char *text)
{
	GMimeTextPart *tp = g_mime_text_part_new_with_subtype(subtype);

	g_mime_text_part_set_text(tp, text);
	g_mime_text_part_set_charset(tp, "utf-8");
	g_mime_part_set_content_encoding(GMIME_PART(tp),
	    GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	return GMIME_OBJECT(tp);
}

/*
 * The ORGANIZER of the iMIP part: with [mail] reply_to, an address podium
 * reads, tagged for this invitation (reply.h), so that a client's REPLY
 * comes back to podium and maps to it even when the client drops
 * ORGANIZER; the human organizer stays the Reply-To of the message.
 * *org is a copy of ev's organizer pointing into *addr (or ev's own when
 * reply_to is not set); *addr is the caller's to free.
 */
static int
imip_organizer(const struct pd_mail *m, const struct pd_compose_ctx *ctx,
    const char *from_name, struct pd_person *org, char **addr,
    struct pd_error *err)
{
	*org = m->ev->organizer;
	*addr = NULL;
	if (ctx->reply_to == NULL)
		return PD_OK;
	if (pd_reply_address(ctx->key, ctx->reply_to, m->ev->id, m->to->id,
	    addr) != PD_OK)
		return pd_error_set(err, PD_EINVAL, "reply_to",
		    "[mail] reply_to: '%s' is not local@domain, or the "
		    "event or addressee is not stored", ctx->reply_to);
	org->email = *addr;
	if (org->name == NULL || *org->name == '\0')
		org->name = (char *)(uintptr_t)from_name;
	return PD_OK;
}

/* BASE/calendars/all.ics, or the event's group feed; webcal:// twin. */
static void
feed_urls(const struct pd_event *ev, const char *base, struct pd_buf *http,
    struct pd_buf *webcal)
{
	const char *rest;

	if (base == NULL)
		base = "";
	if (ev != NULL && ev->group_slug != NULL)
		pd_buf_addf(http, "%s/calendars/group/%s.ics", base,
		    ev->group_slug);
	else
		pd_buf_addf(http, "%s/calendars/all.ics", base);
	rest = http->data == NULL ? "" :
	    strncmp(http->data, "https://", 8) == 0 ? http->data + 8 :
	    strncmp(http->data, "http://", 7) == 0 ? http->data + 7 :
	    http->data;
	pd_buf_addf(webcal, "webcal://%s", rest);
}

/*
 * The HTML alternative: templates/LANG/KIND.html with the text's
 * variables (HTML-escaped by the renderer) and the subject, taken from
 * the rendered text's first line.
 */
static GMimeObject *
html_part(const struct pd_compose_ctx *ctx, int en, enum pd_mail_kind kind,
    const struct pd_tvar *tv, size_t ntv, const char *text,
    struct pd_error *err)
{
	struct pd_html_var vars[32];
	struct pd_buf html = PD_BUF_INIT, subject = PD_BUF_INIT;
	GMimeObject *part = NULL;
	const char *nl;
	char *tmpl = NULL;
	size_t tlen = 0, i;

	if (ntv + 1 > sizeof(vars) / sizeof(vars[0])) {
		pd_error_set(err, PD_EINVAL, "template", "too many variables");
		return NULL;
	}
	for (i = 0; i < ntv; i++) {
		vars[i].name = tv[i].name;
		vars[i].value = tv[i].value;
	}
	if ((nl = strchr(text, '\n')) != NULL)
		pd_buf_add(&subject, text + 9, (size_t)(nl - text - 9));
	vars[ntv].name = "subject";
	vars[ntv].value = subject.data;
	if (pd_template_load_html(ctx->datadir, en ? "en" : "de",
	    pd_mail_kind_template(kind), &tmpl, &tlen, err) != PD_OK)
		goto out;
	if (pd_html_render(&html, tmpl, tlen, vars, ntv + 1) != PD_OK ||
	    html.data == NULL) {
		pd_error_set(err, PD_EINVAL, "template", "template %s.html: "
		    "unknown variable or unclosed {{ or section",
		    pd_mail_kind_template(kind));
		goto out;
	}
	part = text_part("html", html.data);
out:
	free(tmpl);
	pd_buf_free(&html);
	pd_buf_free(&subject);
	return part;
}

int
pd_mail_compose(const struct pd_mail *m, const struct pd_compose_ctx *ctx,
    struct pd_composed *out, struct pd_error *err)
{
	const int en = is_en(m->to);
	const struct pd_event *ev = m->ev;
	const char *method = NULL, *tzid, *nl, *orgname, *reply;
	InternetAddressList *fl = NULL;
	InternetAddress *fa;
	GMimeMessage *msg = NULL;
	GMimeFormatOptions *fo = NULL;
	GMimeObject *body = NULL, *htmlp = NULL;
	GDateTime *date = NULL;
	struct pd_buf feed = PD_BUF_INIT, webcal = PD_BUF_INIT;
	char *org_addr = NULL;
	struct pd_buf text = PD_BUF_INIT, rcpt = PD_BUF_INIT, mid = PD_BUF_INIT;
	struct pd_buf via = PD_BUF_INIT, subject = PD_BUF_INIT;
	char *tmpl = NULL, *accept = NULL, *decline = NULL, *cal = NULL;
	char *serial = NULL, *from_addr = NULL, hash[PD_TOKEN_HASH_LEN + 1];
	char local[17] = "", endlocal[17] = "", date_s[16] = "", hm[8] = "";
	char ehm[8] = "", when[48] = "", timespan[24] = "", boundary[48];
	size_t tlen = 0;
	int rc = PD_OK;

	pthread_once(&gmime_once, gmime_start);
	memset(out, 0, sizeof(*out));
	fl = internet_address_list_parse(NULL, ctx->from);
	if (fl == NULL || internet_address_list_length(fl) != 1 ||
	    !INTERNET_ADDRESS_IS_MAILBOX(
	    (fa = internet_address_list_get_address(fl, 0)))) {
		rc = pd_error_set(err, PD_EINVAL, "from",
		    "[mail] from: '%s' is not one address", ctx->from);
		goto out;
	}
	from_addr = strdup(internet_address_mailbox_get_addr(
	    INTERNET_ADDRESS_MAILBOX(fa)));
	if (from_addr == NULL || strchr(from_addr, '@') == NULL) {
		rc = pd_error_set(err, PD_EINVAL, "from",
		    "[mail] from: '%s' has no domain", ctx->from);
		goto out;
	}
	if (m->kind == PD_MAIL_INVITATION || m->kind == PD_MAIL_UPDATE)
		method = "REQUEST";
	else if (m->kind == PD_MAIL_CANCELLATION)
		method = "CANCEL";

	if (ev != NULL) {
		int64_t dur = ev->end_utc != INT64_MAX && ev->rrule == NULL ?
		    ev->end_utc - ev->start_utc : 0;

		tzid = ev->tzid != NULL ? ev->tzid : PD_TZ_DEFAULT;
		if (ev->all_day) {
			snprintf(local, sizeof(local), "%s", ev->start);
		} else {
			pd_tz_from_utc(m->occurrence, tzid, local);
			if (dur == 0 && ev->end != NULL && ev->start != NULL) {
				int64_t s = 0, e = 0;

				if (pd_tz_to_utc(ev->start, tzid, 0, &s) ==
				    PD_OK && pd_tz_to_utc(ev->end, tzid, 0,
				    &e) == PD_OK)
					dur = e - s;
			}
			pd_tz_from_utc(m->occurrence + dur, tzid, endlocal);
		}
		split_local(local, en, date_s, hm);
		split_local(endlocal[0] != '\0' ? endlocal : local, en,
		    (char[16]){ 0 }, ehm);
		if (ev->all_day)
			snprintf(timespan, sizeof(timespan), "%s",
			    en ? "all day" : "ganztägig");
		else
			snprintf(timespan, sizeof(timespan), "%s–%s", hm, ehm);
		when_text(m->offset, en, when);
	}
	if (m->talk != NULL && m->kind != PD_MAIL_SPEAKER_ANSWER &&
	    m->kind != PD_MAIL_NUDGE_VIA) {
		if ((accept = answer_url(m, ctx, "accept")) == NULL ||
		    (decline = answer_url(m, ctx, "decline")) == NULL) {
			rc = pd_error_set(err, PD_ENOMEM, "key",
			    "answer link could not be made");
			goto out;
		}
		if (m->talk->via.name != NULL)
			pd_buf_addf(&via, en ? "\n(requested via %s)\n" :
			    "\n(Anfrage über %s)\n", m->talk->via.name);
	}
	orgname = ev != NULL && ev->organizer.name != NULL ?
	    ev->organizer.name : internet_address_get_name(fa);
	feed_urls(ev, ctx->base_url, &feed, &webcal);
	{
		const struct pd_tvar vars[] = {
			{ "name", m->to->name },
			{ "event", ev != NULL ? ev->title : NULL },
			{ "date", date_s },
			{ "time", timespan },
			{ "when", when },
			{ "location", ev != NULL && ev->location != NULL ?
			    ev->location : (en ? "place to be announced" :
			    "Ort wird noch bekanntgegeben") },
			{ "description", ev != NULL ? ev->description : NULL },
			{ "talk", m->talk != NULL ? m->talk->title : NULL },
			{ "speaker", m->talk != NULL ? m->talk->speaker.name :
			    NULL },
			{ "via_line", via.data },
			{ "accept_url", accept },
			{ "decline_url", decline },
			{ "answer", m->talk == NULL ? NULL :
			    m->talk->status == PD_TALK_CONFIRMED ?
			    (en ? "accepted" : "zugesagt") :
			    (en ? "declined" : "abgesagt") },
			{ "organizer", orgname },
			{ "via", m->talk != NULL ? m->talk->via.name : NULL },
			{ "feed_url", feed.data },
			{ "webcal_url", webcal.data },
		};

		if ((rc = pd_template_load(ctx->datadir, en ? "en" : "de",
		    pd_mail_kind_template(m->kind), &tmpl, &tlen,
		    err)) != PD_OK)
			goto out;
		if ((rc = pd_template_render(tmpl, tlen, vars,
		    sizeof(vars) / sizeof(vars[0]), &text, err)) != PD_OK)
			goto out;
		if (text.data != NULL && strncmp(text.data, "Subject: ", 9) ==
		    0 && (htmlp = html_part(ctx, en, m->kind, vars,
		    sizeof(vars) / sizeof(vars[0]), text.data, err)) == NULL) {
			rc = PD_EINVAL;
			goto out;
		}
	}
	if (text.data == NULL || strncmp(text.data, "Subject: ", 9) != 0 ||
	    (nl = strchr(text.data, '\n')) == NULL) {
		rc = pd_error_set(err, PD_EINVAL, "template",
		    "template %s: first line must be 'Subject: ...'",
		    pd_mail_kind_template(m->kind));
		goto out;
	}
	pd_buf_add(&subject, text.data + 9, (size_t)(nl - text.data - 9));

	pd_token_hash(m->key, strlen(m->key), hash);
	pd_buf_addf(&mid, "%s.%.32s@%s", pd_mail_kind_name(m->kind), hash,
	    strchr(from_addr, '@') + 1);
	snprintf(boundary, sizeof(boundary), "=_podium_%.24s", hash);

	msg = g_mime_message_new(TRUE);
	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM,
	    internet_address_get_name(fa), from_addr);
	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, m->to->name,
	    m->to->email);
	pd_buf_adds(&rcpt, m->to->email);
	if (m->cc != NULL && m->cc->email != NULL) {
		g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_CC,
		    m->cc->name, m->cc->email);
		pd_buf_addf(&rcpt, ", %s", m->cc->email);
	}
	/* Replies go to the organizer; From stays ours for SPF/DMARC. */
	reply = ev != NULL && ev->organizer.email != NULL ?
	    ev->organizer.email : from_addr;
	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_REPLY_TO,
	    ev != NULL && ev->organizer.email != NULL ? ev->organizer.name :
	    internet_address_get_name(fa), reply);
	g_mime_message_set_subject(msg, subject.data != NULL ? subject.data :
	    "", "utf-8");
	date = g_date_time_new_from_unix_utc(ctx->now);
	g_mime_message_set_date(msg, date);
	g_mime_message_set_message_id(msg, mid.data);
	g_mime_object_set_header(GMIME_OBJECT(msg), "Auto-Submitted",
	    "auto-generated", NULL);
	g_mime_object_set_header(GMIME_OBJECT(msg), "X-Podium-Kind",
	    pd_mail_kind_name(m->kind), NULL);
	if (m->kind == PD_MAIL_REMINDER) {
		struct pd_buf lu = PD_BUF_INIT;

		pd_buf_addf(&lu, "<mailto:%s?subject=unsubscribe>", reply);
		if (lu.data != NULL)
			g_mime_object_set_header(GMIME_OBJECT(msg),
			    "List-Unsubscribe", lu.data, NULL);
		pd_buf_free(&lu);
	}

	body = text_part("plain", nl + 1);
	{
		GMimeMultipart *alt = g_mime_multipart_new_with_subtype(
		    "alternative");

		g_mime_multipart_set_boundary(alt, boundary);
		g_mime_multipart_add(alt, body);
		g_object_unref(body);
		g_mime_multipart_add(alt, htmlp);
		body = GMIME_OBJECT(alt);
	}
	if (method != NULL) {
		struct pd_mail mc = *m;
		struct pd_event evc = *m->ev;
		GMimeObject *calp;

		if ((rc = imip_organizer(m, ctx, internet_address_get_name(fa),
		    &evc.organizer, &org_addr, err)) != PD_OK)
			goto out;
		mc.ev = &evc;
		if ((cal = itip_part(&mc, method, err)) == NULL) {
			rc = PD_EINVAL;
			goto out;
		}
		calp = text_part("calendar", cal);
		g_mime_object_set_content_type_parameter(calp, "method",
		    method);
		g_mime_multipart_add(GMIME_MULTIPART(body), calp);
		g_object_unref(calp);
	}
	g_mime_message_set_mime_part(msg, body);

	fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	serial = g_mime_object_to_string(GMIME_OBJECT(msg), fo);
	if (serial == NULL || pd_buf_failed(&rcpt) || mid.data == NULL) {
		rc = PD_ENOMEM;
		goto out;
	}
	out->message = strdup(serial);
	out->len = strlen(serial);
	out->mail_from = from_addr;
	from_addr = NULL;
	out->rcpt = pd_buf_detach(&rcpt, NULL);
	out->message_id = pd_buf_detach(&mid, NULL);
	out->subject = pd_buf_detach(&subject, NULL);
	if (out->message == NULL || out->rcpt == NULL ||
	    out->message_id == NULL || out->subject == NULL) {
		pd_composed_clear(out);
		rc = PD_ENOMEM;
	}
out:
	g_free(serial);
	if (fo != NULL)
		g_mime_format_options_free(fo);
	if (body != NULL)
		g_object_unref(body);
	if (htmlp != NULL)
		g_object_unref(htmlp);
	if (msg != NULL)
		g_object_unref(msg);
	if (date != NULL)
		g_date_time_unref(date);
	if (fl != NULL)
		g_object_unref(fl);
	free(from_addr);
	free(tmpl);
	free(accept);
	free(decline);
	free(cal);
	free(org_addr);
	pd_buf_free(&feed);
	pd_buf_free(&webcal);
	pd_buf_free(&text);
	pd_buf_free(&rcpt);
	pd_buf_free(&mid);
	pd_buf_free(&via);
	pd_buf_free(&subject);
	return rc;
}
