/*
 * bench/render: how fast libpodium renders a big calendar.
 *
 * Builds a realistic calendar in memory (the SMARTCity programme scaled
 * up: German titles with umlauts, 5-20 attendances per event, talks with
 * an intermediary or as an alternative, agenda items, recurring events,
 * Europe/Berlin times), renders it with pd_ical_render() a few times and
 * reports the best wall-clock and CPU time.  The same data is written as
 * JSON, so that bench/render_py.py can build the very same calendar with
 * python3-icalendar, and the rendered text is written to a file so that
 * both outputs can be compared.
 *
 *     render [-n EVENTS] [-r REPEATS] [-o OUT.ics] [-j OUT.json]
 *            [-p full|public|person|imip] [-i IN.ics]
 *
 * -p picks the rendering (default full: the organizers' export); -i
 * renders a parsed file instead of the generated calendar.  Both exist to
 * check that a change to lib/ical_render.c keeps every byte (render the
 * same input before and after, compare with cmp).  Prints one line of key=value pairs for bench/render.sh.  The data is
 * generated from a fixed seed, so every run renders the same bytes.
 *
 * Not a test: it checks nothing beyond pd_ical_render() returning PD_OK.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "podium/err.h"
#include "podium/ical.h"
#include "podium/model.h"

#define NPEOPLE	600

static uint64_t rng = 0x5eed0f9e7a2021ULL;

/* xorshift64*: fixed seed, same calendar on every machine. */
static uint32_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dULL) >> 32);
}

static int
pick(int n)
{
	return (int)(rnd() % (uint32_t)n);
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size);

	if (p == NULL) {
		perror("calloc");
		exit(1);
	}
	return p;
}

static char *
xdup(const char *s)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL) {
		perror("strdup");
		exit(1);
	}
	return d;
}

static char *
xfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
xfmt(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		perror("vasprintf");
		exit(1);
	}
	va_end(ap);
	return s;
}

static const char *const first[] = { "Jonas", "Dietmar", "Katrin", "Jürgen",
    "Jörg", "Björn", "Günther", "Bärbel", "Sören", "Ute", "Anna", "Lena",
    "Maximilian", "Sophie", "Özlem", "Till", "Käthe", "Hans-Jürgen",
    "Rüdiger", "Ines", "Grit", "Heiko", "Mandy", "Ronny", "Doreen" };
static const char *const last[] = { "Seidel", "Lübcke", "Müller-Lüdenscheidt",
    "Schäfer", "Weiß", "Köhler", "Krüger", "Größler", "Hößler", "Bäcker",
    "Kache", "Teich", "Schröder", "Jäger", "Günther", "Mößner", "Vogt",
    "Fröhlich", "Baumgärtel", "Schmiedel", "Götze", "Rößler", "Thäle" };
static const char *const ascii_first[] = { "jonas", "dietmar", "katrin",
    "juergen", "joerg", "bjoern", "guenther", "baerbel", "soeren", "ute",
    "anna", "lena", "maximilian", "sophie", "oezlem", "till", "kaethe",
    "hans-juergen", "ruediger", "ines", "grit", "heiko", "mandy", "ronny",
    "doreen" };
static const char *const ascii_last[] = { "seidel", "luebcke",
    "mueller-luedenscheidt", "schaefer", "weiss", "koehler", "krueger",
    "groessler", "hoessler", "baecker", "kache", "teich", "schroeder",
    "jaeger", "guenther", "moessner", "vogt", "froehlich", "baumgaertel",
    "schmiedel", "goetze", "roessler", "thaele" };
static const char *const titles[] = { "Prof.", "Dr.", "", "", "", "", "" };
static const struct { const char *code, *name; } orgs[] = {
	{ "TGZ", "Technologie- und Gründerzentrum Gera" },
	{ "AWV", "Abfall-Wirtschaft-Zweckverband Ostthüringen" },
	{ "GVB", "Gera-Verkehrsbetrieb" },
	{ "EGG", "Energieversorgung Gera" },
	{ "Tilia", NULL },
	{ "WHZ", "Westsächsische Hochschule Zwickau" },
	{ "SWG", "Stadtwerke Gera" },
	{ "KoWo", NULL },
};
static const char *const topics[] = { "Smarte Quartiere",
    "Kreislaufwirtschaft", "Mobilität", "Energie & Wärme",
    "Digitale Verwaltung", "Bürgerbeteiligung", "Grünflächen",
    "Wasserwirtschaft", "Öffentliche Beleuchtung" };
static const char *const kinds[] = { "Projektwoche", "Arbeitsgruppentreffen",
    "Fachgruppensitzung", "Workshop", "Auftaktveranstaltung",
    "Strategie-Fortschreibung", "Bürgerdialog" };
static const char *const subjects[] = { "Smarte Quartiere – Überblick",
    "Kreislaufwirtschaft in der Großstadt", "Mobilität für alle Ortsteile",
    "Wärmenetze im Quartier", "Straßenbeleuchtung und Sensorik",
    "Datenplattform für Gera", "Grünflächenpflege mit Bodenfeuchtesensoren",
    "Müllabfuhr nach Füllstand", "Ladeinfrastruktur für E-Mobilität",
    "Smarte Zählerablesung", "Beteiligung der Bürgerinnen und Bürger" };
static const char *const groups[] = {
    "Fachgruppe Unternehmen der kommunalen Infrastruktur",
    "Fachgruppe Stadtgesellschaft und Bildung",
    "Fachgruppe Wirtschaft und Wissenschaft",
    "Lenkungsgruppe SMARTCity Gera" };
static const char *const places[] = {
    "Rathaus Gera, Kornmarkt 12, Großer Saal",
    "Technologie- und Gründerzentrum Gera, Raum 3.07",
    "Stadtwerke Gera, Besprechungsraum „Weiße Elster“",
    "Online (BigBlueButton)",
    "Kultur- und Kongresszentrum Gera, Saal Küchengarten",
    "Bürgerhaus Lusan, Zeulsdorfer Straße 8" };
static const char *const agenda_titles[] = { "Begrüßung und Projektstatus",
    "SMARTCity Projektwochen – Überblick", "Vorstellung der Ergebnisse",
    "Diskussion in Kleingruppen", "Zusammenfassung und nächste Schritte",
    "Kaffeepause", "Rückfragen der Fachgruppe" };
static const char *const talk_titles[] = { "Smarte Kreislaufwirtschaft",
    "Smarte Quartiere aus energetischer Sicht", "Wärmenetze im Quartier",
    "Sensorik für Straßen und Brücken", "Offene Daten für Gera",
    "Erfahrungen aus Jena und Erfurt", "Förderprogramme des Bundes",
    "Der digitale Zwilling der Stadt" };
static const char *const rrules[] = { "FREQ=YEARLY;UNTIL=20261231T235959Z",
    "FREQ=YEARLY;INTERVAL=2;COUNT=4", "FREQ=WEEKLY;COUNT=8",
    "FREQ=MONTHLY;BYDAY=2TH;COUNT=12" };

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct people {
	struct pd_person p[NPEOPLE];
};

static void
make_people(struct people *pp)
{
	int i, j, f, l, t;

	for (i = 0; i < NPEOPLE; i++) {
		struct pd_person *p = &pp->p[i];
		int o = pick((int)N(orgs));

		f = pick((int)N(first));
		l = pick((int)N(last));
		t = pick((int)N(titles));
		p->id = i + 1;
		p->uuid = xfmt("0b9e%04x-%04x-4%03x-8%03x-%012llx", i,
		    rnd() & 0xffff, rnd() & 0xfff, rnd() & 0xfff,
		    (unsigned long long)rnd() * 7919ULL);
		p->name = xfmt("%s%s%s %s", titles[t], *titles[t] ? " " : "",
		    first[f], last[l]);
		/*
		 * Names are unique, as in a real programme: the importer
		 * matches people of a file by name when it knows neither
		 * uuid nor address, and the export bench imports this.
		 */
		for (j = 0; j < i; j++)
			if (strcmp(pp->p[j].name, p->name) == 0) {
				free(p->name);
				p->name = xfmt("%s%s%s %s (%d)", titles[t],
				    *titles[t] ? " " : "", first[f], last[l],
				    i + 1);
				break;
			}
		/* One in ten has no address (a name on the slides only). */
		if (pick(10) != 0)
			p->email = xfmt("%s.%s.%d@%s.example.org",
			    ascii_first[f], ascii_last[l], i + 1,
			    pick(3) == 0 ? "stadt-gera" : "mail");
		p->org_code = xdup(orgs[o].code);
		p->org_name = xdup(orgs[o].name);
		p->lang = xdup(pick(12) == 0 ? "en" : "de");
	}
}

static void
copy_person(struct pd_person *dst, const struct pd_person *src)
{
	if (pd_person_copy(dst, src) != PD_OK) {
		fprintf(stderr, "render: pd_person_copy failed\n");
		exit(1);
	}
}

static void
make_event(struct pd_event *e, int k, const struct people *pp,
    const char *tzid)
{
	int y = 2021 + pick(6), mo = 1 + pick(12), d = 1 + pick(27);
	int h = 8 + pick(8), mi = 15 * pick(4), dur = 60 + 15 * pick(13);
	int eh = h + (mi + dur) / 60, emi = (mi + dur) % 60;
	int i, j, n, g, used[NPEOPLE / 8];
	int64_t base = 1609459200 + (int64_t)pick(5 * 365) * 86400;

	e->uid = xfmt("ev-%05d-%08x@podium.stadt-gera.example", k, rnd());
	e->title = xfmt("%s: %s", kinds[pick((int)N(kinds))],
	    subjects[pick((int)N(subjects))]);
	if (pick(4) != 0)
		e->description = xfmt("Bitte vorab die Umfrage ausfüllen "
		    "(Rückmeldung bis %02d.%02d.).\nUnterlagen folgen per "
		    "E-Mail; Fragen gern an die Moderation.", d, mo);
	e->location = xdup(places[pick((int)N(places))]);
	if (pick(3) == 0)
		e->url = xfmt("https://smartcity.stadt-gera.example/termine/%d",
		    k);
	e->tzid = xdup(tzid);
	/* Two in a hundred are all-day (the working group's full days). */
	if (pick(50) == 0) {
		e->all_day = 1;
		e->start = xfmt("%04d-%02d-%02d", y, mo, d);
		e->end = xfmt("%04d-%02d-%02d", y, mo, d + 1);
	} else {
		e->start = xfmt("%04d-%02d-%02d %02d:%02d", y, mo, d, h, mi);
		e->end = xfmt("%04d-%02d-%02d %02d:%02d", y, mo, d, eh, emi);
	}
	n = pick(10);
	e->status = n == 0 ? PD_EVENT_CANCELLED : n < 3 ? PD_EVENT_TENTATIVE :
	    PD_EVENT_CONFIRMED;
	e->sequence = pick(4);
	if (pick(20) == 0)
		e->rrule = xdup(rrules[pick((int)N(rrules))]);
	g = pick((int)N(groups) + 1);
	if (g < (int)N(groups)) {
		e->group_name = xdup(groups[g]);
		e->group_slug = xfmt("gruppe-%d", g);
	}
	copy_person(&e->organizer, &pp->p[pick(20)]);
	e->ntopics = 1 + (size_t)pick(3);
	e->topics = xcalloc(e->ntopics, sizeof(char *));
	for (i = 0; i < (int)e->ntopics; i++)
		e->topics[i] = xdup(topics[pick((int)N(topics))]);
	if (pick(5) == 0) {
		e->nlinks = 1;
		e->links = xcalloc(1, sizeof(char *));
		e->links[0] = xfmt("https://umfrage.stadt-gera.example/"
		    "?id=%d&lang=de", k);
	}
	if (!e->all_day && pick(3) != 0) {
		int t = h * 60 + mi;

		e->nagenda = 2 + (size_t)pick(4);
		e->agenda = xcalloc(e->nagenda, sizeof(*e->agenda));
		for (i = 0; i < (int)e->nagenda; i++) {
			static const char *const roman[] = { "I", "II", "III",
			    "IV", "V" };
			struct pd_agenda_item *a = &e->agenda[i];

			a->label = xdup(roman[i]);
			a->title = xdup(agenda_titles[pick(
			    (int)N(agenda_titles))]);
			a->from = xfmt("%02d:%02d", t / 60, t % 60);
			t += 15;
			a->to = xfmt("%02d:%02d", t / 60, t % 60);
		}
	}
	if (pick(2) == 0) {
		e->ntalks = 1 + (size_t)pick(3);
		e->talks = xcalloc(e->ntalks, sizeof(*e->talks));
		for (i = 0; i < (int)e->ntalks; i++) {
			struct pd_talk *t = &e->talks[i];

			t->uid = xfmt("talk-%05d-%d@podium.stadt-gera.example",
			    k, i);
			t->title = xdup(talk_titles[pick((int)N(talk_titles))]);
			copy_person(&t->speaker, &pp->p[20 + pick(NPEOPLE -
			    20)]);
			n = pick(6);
			t->status = n < 3 ? PD_TALK_CONFIRMED : n < 5 ?
			    PD_TALK_REQUESTED : PD_TALK_DECLINED;
			if (t->status == PD_TALK_REQUESTED && pick(2) == 0)
				copy_person(&t->via, &pp->p[pick(20)]);
			if (i > 0 && pick(4) == 0)
				t->alternative_to = xdup(e->talks[0].uid);
			/* Some talks have their own slot: own VEVENT. */
			if (!e->all_day && pick(3) == 0) {
				t->start = xfmt("%04d-%02d-%02d %02d:%02d", y,
				    mo, d, h, mi);
				t->end = xfmt("%04d-%02d-%02d %02d:%02d", y,
				    mo, d, h + 1, mi);
			}
			t->updated = base + pick(86400 * 30);
		}
	}
	e->nattendances = 5 + (size_t)pick(16);
	e->attendances = xcalloc(e->nattendances, sizeof(*e->attendances));
	memset(used, 0, sizeof(used));
	for (i = 0; i < (int)e->nattendances; i++) {
		struct pd_attendance *a = &e->attendances[i];

		/* Distinct people: an attendance is event x person. */
		do
			j = pick(NPEOPLE);
		while (used[j / 8 % (NPEOPLE / 8)] & (1 << (j % 8)));
		used[j / 8 % (NPEOPLE / 8)] |= 1 << (j % 8);
		copy_person(&a->person, &pp->p[j]);
		a->role = i == 0 ? PD_ROLE_CHAIR : pick(8) == 0 ?
		    PD_ROLE_OPTIONAL : PD_ROLE_PARTICIPANT;
		n = pick(20);
		a->status = n < 10 ? PD_PART_ACCEPTED : n < 15 ?
		    PD_PART_NEEDS_ACTION : n < 17 ? PD_PART_DECLINED :
		    n < 19 ? PD_PART_TENTATIVE : PD_PART_DELEGATED;
		if (a->status == PD_PART_DELEGATED)
			a->delegate = xfmt("%s %s", pick(2) ? "Frau" : "Herr",
			    last[pick((int)N(last))]);
		a->updated = base + pick(86400 * 30);
	}
	e->created = base;
	e->updated = base + 86400 * 30 + pick(86400);
}

static struct pd_calendar *
make_calendar(int nevents, const struct people *pp)
{
	struct pd_calendar *cal = xcalloc(1, sizeof(*cal));
	size_t i, j;

	cal->name = xdup("SMARTCity Gera – alle Termine");
	cal->nevents = (size_t)nevents;
	cal->events = xcalloc(cal->nevents, sizeof(*cal->events));
	for (i = 0; i < cal->nevents; i++)
		make_event(&cal->events[i], (int)i, pp, "Europe/Berlin");
	cal->ngroups = N(groups);
	cal->groups = xcalloc(cal->ngroups, sizeof(*cal->groups));
	for (i = 0; i < cal->ngroups; i++) {
		struct pd_group *g = &cal->groups[i];

		g->name = xdup(groups[i]);
		g->slug = xfmt("gruppe-%zu", i);
		g->nmembers = 6;
		g->members = xcalloc(g->nmembers, sizeof(*g->members));
		for (j = 0; j < g->nmembers; j++) {
			copy_person(&g->members[j].person,
			    &pp->p[i * 6 + j]);
			g->members[j].role = j == 0 ? PD_GROUP_MODERATOR :
			    j == 1 ? PD_GROUP_SPOKESPERSON : PD_GROUP_MEMBER;
		}
	}
	return cal;
}

/* ---- JSON for the python side --------------------------------------- */

static json_t *
jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* People are referred to by id; the table travels once. */
static json_t *
jperson_ref(const struct pd_person *p)
{
	return p->id != 0 ? json_integer(p->id) : json_null();
}

static json_t *
json_calendar(const struct pd_calendar *cal, const struct people *pp)
{
	json_t *root = json_object(), *jp = json_array(), *je = json_array();
	json_t *jg = json_array();
	size_t i, j;

	for (i = 0; i < NPEOPLE; i++) {
		const struct pd_person *p = &pp->p[i];

		json_array_append_new(jp, json_pack("{s:I,s:o,s:o,s:o,s:o,"
		    "s:o,s:o}", "id", (json_int_t)p->id, "uuid", jstr(p->uuid),
		    "name", jstr(p->name), "email", jstr(p->email),
		    "org_code", jstr(p->org_code), "org_name",
		    jstr(p->org_name), "lang", jstr(p->lang)));
	}
	for (i = 0; i < cal->ngroups; i++) {
		const struct pd_group *g = &cal->groups[i];
		json_t *m = json_array();

		for (j = 0; j < g->nmembers; j++)
			json_array_append_new(m, json_pack("{s:o,s:s}",
			    "person", jperson_ref(&g->members[j].person),
			    "role", pd_group_role_name(g->members[j].role)));
		json_array_append_new(jg, json_pack("{s:o,s:o,s:o}", "name",
		    jstr(g->name), "slug", jstr(g->slug), "members", m));
	}
	for (i = 0; i < cal->nevents; i++) {
		const struct pd_event *e = &cal->events[i];
		json_t *o, *a;

		o = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o,s:o,s:s,s:i,"
		    "s:o,s:o,s:o,s:I,s:I}",
		    "uid", jstr(e->uid), "title", jstr(e->title),
		    "description", jstr(e->description),
		    "location", jstr(e->location), "url", jstr(e->url),
		    "tzid", jstr(e->tzid), "all_day", e->all_day,
		    "start", jstr(e->start), "end", jstr(e->end),
		    "status", pd_event_status_name(e->status),
		    "sequence", e->sequence, "rrule", jstr(e->rrule),
		    "group", jstr(e->group_name),
		    "organizer", jperson_ref(&e->organizer),
		    "created", (json_int_t)e->created,
		    "updated", (json_int_t)e->updated);
		a = json_array();
		for (j = 0; j < e->ntopics; j++)
			json_array_append_new(a, jstr(e->topics[j]));
		json_object_set_new(o, "topics", a);
		a = json_array();
		for (j = 0; j < e->nlinks; j++)
			json_array_append_new(a, jstr(e->links[j]));
		json_object_set_new(o, "links", a);
		a = json_array();
		for (j = 0; j < e->nagenda; j++)
			json_array_append_new(a, json_pack("{s:o,s:o,s:o,s:o}",
			    "label", jstr(e->agenda[j].label),
			    "title", jstr(e->agenda[j].title),
			    "from", jstr(e->agenda[j].from),
			    "to", jstr(e->agenda[j].to)));
		json_object_set_new(o, "agenda", a);
		a = json_array();
		for (j = 0; j < e->ntalks; j++) {
			const struct pd_talk *t = &e->talks[j];

			json_array_append_new(a, json_pack("{s:o,s:o,s:o,s:s,"
			    "s:o,s:o,s:o,s:o,s:I}", "uid", jstr(t->uid),
			    "title", jstr(t->title),
			    "speaker", jperson_ref(&t->speaker),
			    "status", pd_talk_status_name(t->status),
			    "via", jperson_ref(&t->via),
			    "alternative_to", jstr(t->alternative_to),
			    "start", jstr(t->start), "end", jstr(t->end),
			    "updated", (json_int_t)t->updated));
		}
		json_object_set_new(o, "talks", a);
		a = json_array();
		for (j = 0; j < e->nattendances; j++) {
			const struct pd_attendance *at = &e->attendances[j];

			json_array_append_new(a, json_pack("{s:o,s:s,s:s,s:o}",
			    "person", jperson_ref(&at->person),
			    "role", pd_role_name(at->role),
			    "status", pd_partstat_name(at->status),
			    "delegate", jstr(at->delegate)));
		}
		json_object_set_new(o, "attendances", a);
		json_array_append_new(je, o);
	}
	json_object_set_new(root, "name", jstr(cal->name));
	json_object_set_new(root, "people", jp);
	json_object_set_new(root, "groups", jg);
	json_object_set_new(root, "events", je);
	return root;
}

/* A calendar file parsed with pd_ical_parse(), for -i. */
static struct pd_calendar *
read_calendar(const char *path)
{
	struct pd_error err = { 0, NULL, NULL };
	struct pd_calendar *cal = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		exit(1);
	}
	text = xcalloc(1, 64 << 20);
	len = fread(text, 1, (64 << 20) - 1, f);
	fclose(f);
	if (pd_ical_parse(text, len, &cal, &err) != PD_OK) {
		fprintf(stderr, "render: %s: %s\n", path,
		    err.msg != NULL ? err.msg : "cannot parse");
		exit(1);
	}
	free(text);
	return cal;
}

/* ---- timing --------------------------------------------------------- */

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
	fprintf(stderr, "usage: render [-n EVENTS] [-r REPEATS] "
	    "[-o OUT.ics] [-j OUT.json] [-p full|public|person|imip] "
	    "[-i IN.ics]\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	static struct people pp;
	struct pd_render_opts opts = { PD_PRIVACY_FULL, 0, NULL, NULL, 0, 0 };
	struct pd_error err = { 0, NULL, NULL };
	struct pd_calendar *cal;
	const char *out_path = NULL, *json_path = NULL, *in_path = NULL;
	double best_wall = 1e9, best_cpu = 1e9, w0, c0, w, c;
	char *text = NULL;
	size_t len = 0, nlines = 0, i;
	int nevents = 10000, reps = 3, ch, r;
	FILE *f;

	while ((ch = getopt(argc, argv, "n:r:o:j:p:i:")) != -1) {
		switch (ch) {
		case 'n':
			nevents = (int)strtol(optarg, NULL, 10);
			break;
		case 'r':
			reps = (int)strtol(optarg, NULL, 10);
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'j':
			json_path = optarg;
			break;
		case 'p':
			/* Person and iMIP views are of person 21 (a speaker). */
			if (strcmp(optarg, "public") == 0)
				opts.privacy = PD_PRIVACY_PUBLIC;
			else if (strcmp(optarg, "person") == 0) {
				opts.privacy = PD_PRIVACY_PERSON;
				opts.privacy_person_id = 21;
			} else if (strcmp(optarg, "imip") == 0) {
				opts.privacy = PD_PRIVACY_PUBLIC;
				opts.method = "REQUEST";
				opts.imip = 1;
				opts.imip_person_id = 21;
			} else if (strcmp(optarg, "full") != 0)
				usage();
			break;
		case 'i':
			in_path = optarg;
			break;
		default:
			usage();
		}
	}
	if (nevents < 1 || reps < 1)
		usage();

	pd_ical_init();
	make_people(&pp);
	if (in_path != NULL) {
		cal = read_calendar(in_path);
		nevents = (int)cal->nevents;
		json_path = NULL;
	} else
		cal = make_calendar(nevents, &pp);

	for (r = 0; r < reps; r++) {
		free(text);
		text = NULL;
		w0 = now_s(CLOCK_MONOTONIC);
		c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
		if (pd_ical_render(cal, &opts, &text, &len, &err) != PD_OK) {
			fprintf(stderr, "render: %s\n",
			    err.msg != NULL ? err.msg : "failed");
			return 1;
		}
		c = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
		w = now_s(CLOCK_MONOTONIC) - w0;
		if (w < best_wall)
			best_wall = w;
		if (c < best_cpu)
			best_cpu = c;
	}
	for (i = 0; i < len; i++)
		if (text[i] == '\n')
			nlines++;
	if (out_path != NULL) {
		if ((f = fopen(out_path, "wb")) == NULL ||
		    fwrite(text, 1, len, f) != len || fclose(f) != 0) {
			perror(out_path);
			return 1;
		}
	}
	if (json_path != NULL) {
		json_t *j = json_calendar(cal, &pp);

		if (json_dump_file(j, json_path, JSON_COMPACT) != 0) {
			fprintf(stderr, "render: cannot write %s\n", json_path);
			return 1;
		}
		json_decref(j);
	}
	printf("events=%d bytes=%zu lines=%zu wall=%.4f cpu=%.4f\n",
	    nevents, len, nlines, best_wall, best_cpu);
	free(text);
	pd_calendar_free(cal);
	for (i = 0; i < NPEOPLE; i++)
		pd_person_clear(&pp.p[i]);
	return 0;
}
