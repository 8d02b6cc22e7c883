/*
 * bench/mail: how fast libpodium hands reminders to an SMTP server.
 *
 * Composes one realistic reminder with pd_mail_compose() (German text,
 * umlauts, a long description, the answer links), then opens one
 * struct pd_smtp and sends it COUNT times with pd_smtp_send(), all over
 * the one connection the handle keeps.  The time runs from pd_smtp_new()
 * to pd_smtp_free() (connect, EHLO, every transaction, QUIT), like the
 * peers' times in bench/mail.sh.
 *
 *     mail -u smtp://127.0.0.1:PORT [-n COUNT] [-w MESSAGE.eml]
 *     mail -w MESSAGE.eml -n 0        (only write the message)
 *
 * -w writes the composed bytes, so that the peers send the same size and
 * msmtp the same message.  Prints one line of key=value pairs.
 *
 * This measures the SMTP client alone, not the outbox: the scheduler adds
 * two store transactions per message around each send (sched.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "podium/compose.h"
#include "podium/err.h"
#include "podium/model.h"
#include "podium/plan.h"
#include "podium/smtp.h"

#define FROM_ADDR "smartcity@example.org"

static const char description[] =
    "Liebe Mitglieder der Fachgruppe,\n\n"
    "zur nächsten Projektwoche „Smarte Quartiere“ laden wir Sie herzlich "
    "ein. Bitte füllen Sie vorab die Umfrage aus; die Ergebnisse stellen "
    "wir zu Beginn kurz vor.\n\n"
    "Ablauf:\n"
    "I    09:00–09:15  Begrüßung und Projektstatus (Herr Seidel, TGZ)\n"
    "II   09:15–09:45  SMARTCity Projektwochen – Überblick\n"
    "III  09:45–10:15  Smarte Kreislaufwirtschaft (Herr Lübcke, AWV, "
    "bestätigt)\n"
    "IV   10:15–10:30  Kaffeepause\n"
    "V    10:30–11:00  Smarte Quartiere aus energetischer Sicht "
    "(Prof. Teich, WHZ, angefragt über Herrn Seidel)\n"
    "VI   11:00–11:30  Wärmenetze im Quartier – Erfahrungen aus Jena und "
    "Erfurt\n"
    "VII  11:30–12:15  Diskussion in Kleingruppen: Straßenbeleuchtung, "
    "Sensorik, Müllabfuhr nach Füllstand, Ladeinfrastruktur\n"
    "VIII 12:15–12:30  Zusammenfassung und nächste Schritte\n\n"
    "Hinweise: Der Große Saal ist barrierefrei über den Eingang "
    "Kornmarkt erreichbar. Parkplätze gibt es im Parkhaus Heinrichstraße; "
    "die Straßenbahnlinien 1 und 3 halten direkt vor dem Rathaus. Für "
    "Teilnehmende, die nicht vor Ort sein können, übertragen wir die "
    "Vorträge per BigBlueButton; den Link erhalten Sie am Vortag.\n\n"
    "Bitte geben Sie uns bis eine Woche vorher Bescheid, ob Sie "
    "teilnehmen oder eine Vertretung schicken (z. B. „Teilnahme durch "
    "Frau Kache“). Rückfragen gern an die Moderation der Fachgruppe oder "
    "an das SMARTCity-Büro im Technologie- und Gründerzentrum Gera.\n\n"
    "Die Unterlagen der letzten Sitzung (Protokoll, Präsentationen zur "
    "Kreislaufwirtschaft und zu den Wärmenetzen, Ergebnisse der "
    "Bürgerbefragung) finden Sie im gemeinsamen Ordner der Fachgruppe. "
    "Neu hinzugekommen sind die Stellungnahmen der Gera-Verkehrsbetrieb "
    "GmbH und der Energieversorgung Gera zur Ladeinfrastruktur sowie "
    "eine Übersicht über die Förderprogramme des Bundes für smarte "
    "Quartiere, die für die Strategie-Fortschreibung 2022 bis 2026 "
    "wichtig sind.\n\n"
    "Zur Vorbereitung der Diskussion bitten wir jede Einrichtung, zwei "
    "bis drei Beispiele aus ihrem Bereich mitzubringen: Wo liegen heute "
    "Daten, die für ein smartes Quartier nützlich wären (Füllstände, "
    "Verkehrszählungen, Verbrauchswerte, Wartungsintervalle)? Wer "
    "verantwortet sie, und unter welchen Bedingungen könnten sie geteilt "
    "werden? Die Antworten fließen in die Datenstrategie ein, die die "
    "Lenkungsgruppe im Frühjahr beschließen möchte.\n\n"
    "Mit freundlichen Grüßen\n"
    "Ihr SMARTCity-Team der Stadt Gera\n\n"
    "PS: Wer am Nachmittag noch Zeit hat, ist zur Besichtigung des "
    "Pilotquartiers in Lusan eingeladen; Treffpunkt 14:00 Uhr an der "
    "Straßenbahnhaltestelle Zeulsdorf, Dauer etwa eine Stunde.\n";

static char *
xdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL) {
		perror("strdup");
		exit(1);
	}
	return d;
}

static void
person(struct pd_person *p, int64_t id, const char *name, const char *email,
    const char *org)
{
	memset(p, 0, sizeof(*p));
	p->id = id;
	p->uuid = xdup("0b9e0004-0000-4000-8000-000000000004");
	p->name = xdup(name);
	p->email = xdup(email);
	p->org_code = xdup(org);
	p->lang = xdup("de");
}

static double
now_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
usage(void)
{
	fprintf(stderr, "usage: mail [-u smtp://HOST:PORT] [-n COUNT] "
	    "[-w MESSAGE.eml]\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	static const unsigned char key[32] = "podium-bench-key-0123456789abcd";
	struct pd_event ev;
	struct pd_person to;
	struct pd_mail m;
	struct pd_compose_ctx ctx;
	struct pd_composed out;
	struct pd_error err = { 0, NULL, NULL };
	struct pd_smtp_opts so;
	struct pd_smtp *smtp = NULL;
	const char *url = NULL, *write_path = NULL;
	const char *rcpt[1];
	double w0, c0, wall, cpu;
	long count = 10000, i, sent = 0, failed = 0;
	char *errmsg = NULL;
	int ch;
	FILE *f;

	while ((ch = getopt(argc, argv, "u:n:w:")) != -1) {
		switch (ch) {
		case 'u':
			url = optarg;
			break;
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		case 'w':
			write_path = optarg;
			break;
		default:
			usage();
		}
	}
	if (count < 0 || (count > 0 && url == NULL))
		usage();

	memset(&ev, 0, sizeof(ev));
	ev.id = 1;
	ev.uid = xdup("fg-infra-2021-02-11@podium");
	ev.title = xdup("Projektwoche: Smarte Quartiere – Fachgruppe "
	    "Unternehmen der kommunalen Infrastruktur");
	ev.description = xdup(description);
	ev.location = xdup("Rathaus Gera, Kornmarkt 12, Großer Saal");
	ev.url = xdup("https://example.org/smartcity/projektwochen");
	ev.tzid = xdup("Europe/Berlin");
	ev.start = xdup("2021-02-11 09:00");
	ev.end = xdup("2021-02-11 12:30");
	ev.start_utc = 1613030400;
	ev.end_utc = 1613043000;
	ev.series_end_utc = ev.end_utc;
	ev.status = PD_EVENT_CONFIRMED;
	ev.sequence = 3;
	ev.group_name = xdup("Fachgruppe Unternehmen der kommunalen "
	    "Infrastruktur");
	person(&ev.organizer, 1, "Jonas Seidel", "jonas.seidel@example.org",
	    "TGZ");
	ev.updated = ev.created = 1611500000;
	person(&to, 4, "Katrin Müller-Lüdenscheidt", "katrin@example.org",
	    "GVB");

	memset(&m, 0, sizeof(m));
	m.key = xdup("reminder:fg-infra-2021-02-11@podium:1613030400:4:86400");
	m.kind = PD_MAIL_REMINDER;
	m.ev = &ev;
	m.to = &to;
	m.occurrence = ev.start_utc;
	m.offset = 86400;
	m.sequence = ev.sequence;
	ctx.from = "SMARTCity Gera <" FROM_ADDR ">";
	ctx.base_url = "http://127.0.0.1:8080";
	ctx.key = key;
	ctx.now = ev.start_utc - 86400;
	ctx.datadir = NULL;
	memset(&out, 0, sizeof(out));
	if (pd_mail_compose(&m, &ctx, &out, &err) != PD_OK) {
		fprintf(stderr, "mail: compose: %s\n",
		    err.msg != NULL ? err.msg : "failed");
		return 1;
	}
	if (write_path != NULL) {
		if ((f = fopen(write_path, "wb")) == NULL ||
		    fwrite(out.message, 1, out.len, f) != out.len ||
		    fclose(f) != 0) {
			perror(write_path);
			return 1;
		}
	}
	if (count == 0) {
		printf("bytes=%zu\n", out.len);
		return 0;
	}

	memset(&so, 0, sizeof(so));
	so.url = url;
	so.starttls = PD_STARTTLS_NO;
	so.timeout = 30;
	rcpt[0] = to.email;
	w0 = now_s(CLOCK_MONOTONIC);
	c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	if (pd_smtp_new(&so, &smtp) != PD_OK) {
		fprintf(stderr, "mail: pd_smtp_new failed\n");
		return 1;
	}
	for (i = 0; i < count; i++) {
		if (pd_smtp_send(smtp, FROM_ADDR, rcpt, 1, out.message,
		    out.len, &errmsg) == PD_SMTP_SENT) {
			sent++;
			continue;
		}
		if (failed++ == 0)
			fprintf(stderr, "mail: message %ld: %s\n", i,
			    errmsg != NULL ? errmsg : "failed");
		free(errmsg);
		errmsg = NULL;
	}
	pd_smtp_free(smtp);
	cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	wall = now_s(CLOCK_MONOTONIC) - w0;
	printf("messages=%ld sent=%ld failed=%ld bytes=%zu wall=%.4f "
	    "cpu=%.4f rate=%.1f\n", count, sent, failed, out.len, wall, cpu,
	    (double)sent / wall);
	pd_composed_clear(&out);
	pd_event_clear(&ev);
	pd_person_clear(&to);
	free(m.key);
	return 0;
}
