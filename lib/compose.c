/*
 * Mail composition (compose.h) with GMime: headers encoded per RFC 2047
 * by the library, a UTF-8 text part, and for iTIP kinds a text/calendar
 * part whose method= matches the METHOD inside (Outlook offers Accept and
 * Decline only then), both in multipart/alternative as RFC 6047 asks.
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
#include "podium/template.h"
#include "podium/token.h"
#include "podium/tz.h"

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
	GMimeObject *body = NULL;
	GDateTime *date = NULL;
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
		};

		if ((rc = pd_template_load(ctx->datadir, en ? "en" : "de",
		    pd_mail_kind_template(m->kind), &tmpl, &tlen,
		    err)) != PD_OK)
			goto out;
		if ((rc = pd_template_render(tmpl, tlen, vars,
		    sizeof(vars) / sizeof(vars[0]), &text, err)) != PD_OK)
			goto out;
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
	if (method != NULL) {
		GMimeMultipart *alt = g_mime_multipart_new_with_subtype(
		    "alternative");
		GMimeObject *calp;

		if ((cal = itip_part(m, method, err)) == NULL) {
			g_object_unref(alt);
			rc = PD_EINVAL;
			goto out;
		}
		g_mime_multipart_set_boundary(alt, boundary);
		g_mime_multipart_add(alt, body);
		g_object_unref(body);
		calp = text_part("calendar", cal);
		g_mime_object_set_content_type_parameter(calp, "method",
		    method);
		g_mime_multipart_add(alt, calp);
		g_object_unref(calp);
		body = GMIME_OBJECT(alt);
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
	pd_buf_free(&text);
	pd_buf_free(&rcpt);
	pd_buf_free(&mid);
	pd_buf_free(&via);
	pd_buf_free(&subject);
	return rc;
}
