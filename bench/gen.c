/*
 * bench/gen: writes a realistic programme of N events into a podium
 * database, for the scale benchmark (bench/scale.sh) and the scale test
 * (tests/unit/test_scale.c, which includes this file with GEN_NO_MAIN).
 *
 *     gen [-n EVENTS] [-a ATTENDANCES_PER_EVENT] [-s SEED] [-d] DB
 *
 * The programme looks like the SMARTCity one scaled up: about 25 events a
 * day from Monday 2021-01-04 on (so a week holds about the same number of
 * events whatever N is, and N = 100,000 spans eleven years), German
 * titles, descriptions and places with umlauts, Europe/Berlin times, 1-2
 * topics, a working group and its moderator as organizer, 0-4 agenda
 * items, 0-3 talks (confirmed, requested - half of them via an
 * intermediary -, declined, withdrawn; some with their own time, some an
 * alternative to the talk before), ten attendances with every role and
 * status (delegated ones name the delegate), and one monthly series per
 * working group ("Jour fixe", COUNT=12).
 *
 * People: N / 20 (at least 500).  Most are regulars who attend all through
 * the programme; a fifth are occasional guests with about 20 events each,
 * wherever they fall, which is who a "personal feed of about 20 events"
 * belongs to.  100 working groups (so that at N = 100,000 a group feed
 * holds about 1,000 events, the size issue 10 asks about) have 12-24
 * members each, whatever N is.
 *
 * Rows go in through the store's own writer (pd_st_event_write, the one
 * podium import uses), 5,000 events per transaction, so the derived
 * columns (UTC times, series ends, slugs, the longest duration) are what
 * podium itself would write.  At the end every event is marked as looked
 * at by the planner (-d leaves them marked as changed), as in a programme
 * that podiumd has been running all along; the outbox stays empty.
 *
 * Deterministic: the same seed gives the same rows (uids included).
 */
#include <inttypes.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "podium/model.h"
#include "podium/store.h"
#include "store_int.h"

struct gen_opts {
	long events;		/* N */
	int per_event;		/* attendances per event */
	long people;		/* 0: N / 20, at least 500 */
	uint64_t seed;
	int dirty;		/* leave plan_dirty set */
	int quiet;		/* no progress on stderr */
};

struct gen_stats {
	long events, people, attendances, talks, agenda, recurring;
};

/* ---- randomness: splitmix64, reproducible everywhere ---- */

static uint64_t gen_state;

static uint64_t
rnd(void)
{
	uint64_t z = (gen_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* 0 <= r < n */
static long
rn(long n)
{
	return n <= 1 ? 0 : (long)(rnd() % (uint64_t)n);
}

#define PICK(a) ((a)[rn((long)(sizeof(a) / sizeof((a)[0])))])
#define NELEM(a) ((long)(sizeof(a) / sizeof((a)[0])))

/* ---- words ---- */

static const char *const first_names[] = {
	"Jürgen", "Jörg", "Günther", "Björn", "Sören", "Käthe", "Wolfgang",
	"Hans-Peter", "Maria", "Anna", "Ute", "Bärbel", "Sabine", "Karl",
	"Heinz", "Uwe", "Matthias", "Katrin", "Susann", "Doreen", "Thomas",
	"Stefan", "Andreas", "Claudia", "Monika", "Frank", "Ralf", "Grit",
	"Jens", "Silke", "Dörte", "Ines", "Lutz", "Mike", "René", "André",
};
static const char *const last_names[] = {
	"Lübcke", "Müller", "Schäfer", "Kache", "Teich", "Weiß", "Groß",
	"Krüger", "Böhme", "Schröder", "Hoffmann", "Günther", "Köhler",
	"Schulze", "Fröhlich", "Jäger", "Hübner", "Möller", "Vogt", "Zöllner",
	"Lößner", "Buße", "Seidel", "Pätzold", "Rößler", "Franke", "Däumler",
	"Scholz", "Wünsche", "Thümmler",
};
static const char *const orgs[][2] = {
	{ "TGZ", "Technologie- und Gründerzentrum Gera" },
	{ "AWV", "Abfallwirtschaftsverband Ostthüringen" },
	{ "GVB", "Geraer Verkehrsbetrieb GmbH" },
	{ "EGG", "Energieversorgung Gera GmbH" },
	{ "Tilia", "Tilia GmbH" },
	{ "SWG", "Stadtwerke Gera AG" },
	{ "GWB", "GWB Elstertal Geraer Wohnungsbaugesellschaft mbH" },
	{ "DHGE", "Duale Hochschule Gera-Eisenach" },
	{ "IHK", "IHK Ostthüringen zu Gera" },
	{ "Stadt", "Stadtverwaltung Gera" },
	{ "KoWo", "Kommunale Wohnungsgesellschaft" },
	{ "SMG", "SMARTCity-Geschäftsstelle" },
};
static const char *const group_kinds[] = {
	"Fachgruppe", "Arbeitsgruppe", "Projektgruppe", "Lenkungskreis",
};
static const char *const group_subjects[] = {
	"Unternehmen der kommunalen Infrastruktur", "Smarte Quartiere",
	"Mobilität und Verkehr", "Energie und Klimaschutz",
	"Digitale Verwaltung", "Bürgerbeteiligung", "Bildung und Schulen",
	"Gesundheit und Pflege", "Wirtschaft und Handel", "Kultur und Tourismus",
};
static const char *const topics[] = {
	"Smarte Quartiere", "Mobilität", "Energie & Klima", "Bürgerbeteiligung",
	"Digitale Verwaltung", "Offene Daten", "Breitband & 5G",
	"Stadtentwicklung", "Bildung", "Gesundheit", "Wohnen", "Handel",
	"Tourismus", "Sicherheit", "Umwelt", "Wasser & Abwasser",
	"Straßenbeleuchtung", "Parken", "Radverkehr", "ÖPNV",
	"Förderprogramme", "Strategie 2030", "Sensorik", "Plattform",
	"Datenschutz", "Ehrenamt", "Senioren", "Jugend", "Sport", "Kultur",
};
static const char *const kinds[] = {
	"Sitzung", "Workshop", "Projektwoche", "Arbeitstreffen", "Vortrag",
	"Bürgerforum", "Lenkungsrunde", "Fachgespräch", "Exkursion",
	"Themenabend",
};
static const char *const rooms[] = {
	"Rathaus Gera, Kornmarkt 12, Großer Sitzungssaal",
	"Rathaus Gera, Raum 2.14", "TGZ Gera, Seminarraum Süd",
	"KuK Gera, Schloßstraße 1", "Stadtbibliothek, Puschkinplatz 7",
	"Haus der Wirtschaft, Gagarinstraße 99", "online (BigBlueButton)",
	"Bürgerhaus Lusan, Saal", "Hofwiesenpark, Pavillon",
	"Dualer Campus, Weg der Freundschaft 4a, Hörsaal 3",
};
static const char *const sentences[] = {
	"Wir besprechen den Stand der Maßnahmen und die nächsten Schritte.",
	"Bitte bringen Sie Ihre Unterlagen zur Förderung mit.",
	"Die Ergebnisse der Umfrage werden vorgestellt und diskutiert.",
	"Im Anschluss gibt es Gelegenheit zum Austausch bei Kaffee.",
	"Gäste aus den Stadtteilen sind herzlich willkommen.",
	"Die Präsentationen werden nach der Sitzung verschickt.",
	"Schwerpunkt sind Straßenbeleuchtung, Sensorik und offene Daten.",
	"Für die Teilnahme vor Ort gelten die üblichen Hygieneregeln.",
	"Die Moderation übernimmt die Sprecherin der Fachgruppe.",
	"Rückfragen bitte vorab an die Geschäftsstelle.",
};
static const char *const talk_titles[] = {
	"Sachstand Breitbandausbau", "Erfahrungen aus Jena und Erfurt",
	"Smarte Straßenbeleuchtung im Quartier", "Mobilitätsstationen 2025",
	"Offene Daten für die Bürger", "Förderaufruf „Modellprojekte Smart "
	"Cities“", "Digitale Bürgerdienste", "Wärmeplanung für Gera",
	"Sensoren im Hofwiesenpark", "Ergebnisse der Bürgerumfrage",
	"Datenschutz in der Smart City", "Quartiersplattform Lusan",
};
static const char *const agenda_titles[] = {
	"Begrüßung", "Bericht der Geschäftsstelle", "Vorstellung der Projekte",
	"Diskussion", "Verschiedenes", "Zusammenfassung und Ausblick",
	"Pause", "Arbeit in Kleingruppen",
};
static const char *const labels[] = { "I", "II", "III", "IV", "V" };
static const char *const delegates[] = {
	"Frau Kache", "Herr Teich", "Frau Müller", "Herr Lübcke",
};

/* ---- dates ---- */

/* Days since 1970-01-01 -> y, m, d (Howard Hinnant's algorithm). */
static void
civil(long z, int *y, int *m, int *d)
{
	long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

#define GEN_FIRST_DAY 18631L	/* 2021-01-04, a Monday */
#define GEN_PER_DAY 25		/* events a day */

static char *
fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static char *
fmt(const char *f, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s == NULL) {
		fprintf(stderr, "gen: out of memory\n");
		exit(71);
	}
	return s;
}

static char *
date_time(long day, int minutes)
{
	int y, m, d;

	civil(day, &y, &m, &d);
	if (minutes < 0)
		return fmt("%04d-%02d-%02d", y, m, d);
	return fmt("%04d-%02d-%02d %02d:%02d", y, m, d, minutes / 60,
	    minutes % 60);
}

/* ---- the programme ---- */

struct gen_group {
	char *name;
	int64_t *members;
	size_t nmembers;
};

static int
resolve_id(struct pd_store *st, void *ctx, const struct pd_person *p,
    const char *field, int optional, int64_t *id)
{
	(void)st;
	(void)ctx;
	(void)field;
	if (p->id == 0 && !optional)
		return PD_EINVAL;
	*id = p->id;
	return PD_OK;
}

static int
gen_fail(struct pd_store *st, const char *what, int rc)
{
	const struct pd_error *e = pd_store_error(st);

	fprintf(stderr, "gen: %s: %s\n", what, e->msg != NULL ? e->msg :
	    pd_strerror(rc));
	return rc;
}

/* A person by id, as the writer wants it (only the id is read). */
static void
who(struct pd_person *p, int64_t id)
{
	memset(p, 0, sizeof(*p));
	p->id = id;
}

static void
free_event(struct pd_event *ev)
{
	/* Person structs carry only ids here; pd_event_clear frees strings. */
	pd_event_clear(ev);
}

/*
 * One event, built in ev.  day/minutes: its start; g its group; people
 * ids: regulars [1, nreg], occasional guests (nreg, npeople].
 */
static void
build_event(struct pd_event *ev, long i, long day, int minutes,
    const struct gen_group *g, long nreg, long npeople, int per_event,
    double guest_share, int recurring)
{
	int dur = 30 * (1 + (int)rn(6)), nt, k, j;
	int64_t chosen[64];
	size_t nchosen = 0;

	memset(ev, 0, sizeof(*ev));
	ev->uid = fmt("gen-%06ld@bench.podium.example.org", i);
	ev->tzid = strdup("Europe/Berlin");
	if (recurring) {
		ev->title = fmt("Jour fixe der %s", g->name);
		ev->rrule = strdup("FREQ=MONTHLY;COUNT=12");
	} else {
		ev->title = fmt("%s: %s (%ld)", PICK(kinds), PICK(topics), i);
	}
	ev->description = fmt("%s %s", PICK(sentences), PICK(sentences));
	ev->location = strdup(PICK(rooms));
	if (rn(10) == 0)
		ev->url = fmt("https://smartcity.gera.example/umfrage/%ld", i);
	if (!recurring && rn(50) == 0) {
		ev->all_day = 1;
		ev->start = date_time(day, -1);
		ev->end = date_time(day + 1, -1);	/* the day after */
	} else {
		ev->start = date_time(day, minutes);
		ev->end = date_time(day, minutes + dur);
	}
	k = (int)rn(100);
	ev->status = k < 3 ? PD_EVENT_CANCELLED : k < 13 ?
	    PD_EVENT_TENTATIVE : PD_EVENT_CONFIRMED;
	ev->sequence = ev->status == PD_EVENT_CANCELLED ? 1 : (int)rn(3) / 2;
	ev->group_name = strdup(g->name);
	who(&ev->organizer, g->members[0]);
	ev->ntopics = 1 + (size_t)rn(2);
	ev->topics = calloc(ev->ntopics, sizeof(*ev->topics));
	ev->topics[0] = strdup(PICK(topics));
	if (ev->ntopics == 2) {
		do {
			ev->topics[1] = strdup(PICK(topics));
			if (strcmp(ev->topics[0], ev->topics[1]) != 0)
				break;
			free(ev->topics[1]);
		} while (1);
	}
	if (ev->url != NULL && rn(2) == 0) {
		ev->nlinks = 1;
		ev->links = calloc(1, sizeof(*ev->links));
		ev->links[0] = fmt("https://smartcity.gera.example/unterlagen/"
		    "%ld.pdf", i);
	}
	if (!ev->all_day) {
		ev->nagenda = (size_t)rn(5);
		ev->agenda = calloc(ev->nagenda + 1, sizeof(*ev->agenda));
		for (j = 0; j < (int)ev->nagenda; j++) {
			int a = minutes + j * dur / (int)ev->nagenda;
			int b = minutes + (j + 1) * dur / (int)ev->nagenda;

			ev->agenda[j].label = strdup(labels[j]);
			ev->agenda[j].title = strdup(PICK(agenda_titles));
			ev->agenda[j].from = fmt("%02d:%02d", a / 60, a % 60);
			ev->agenda[j].to = fmt("%02d:%02d", b / 60, b % 60);
		}
	}
	/* Talks: speakers are regulars; the organizer may be asked via. */
	nt = (int)rn(4);
	ev->talks = calloc((size_t)nt + 1, sizeof(*ev->talks));
	for (j = 0; j < nt; j++) {
		struct pd_talk *t = &ev->talks[j];

		t->uid = fmt("gen-%06ld-t%d@bench.podium.example.org", i, j);
		t->title = strdup(PICK(talk_titles));
		who(&t->speaker, 1 + rn(nreg));
		k = (int)rn(100);
		t->status = k < 70 ? PD_TALK_CONFIRMED : k < 90 ?
		    PD_TALK_REQUESTED : k < 97 ? PD_TALK_DECLINED :
		    PD_TALK_WITHDRAWN;
		if (t->status == PD_TALK_REQUESTED && rn(2) == 0)
			who(&t->via, g->members[1 + rn((long)g->nmembers - 1)]);
		if (j > 0 && rn(10) == 0)
			t->alternative_to = strdup(ev->talks[j - 1].uid);
		if (!ev->all_day && rn(10) == 0) {
			t->start = date_time(day, minutes);
			t->end = date_time(day, minutes + 15);
		}
		ev->ntalks++;
	}
	/*
	 * Attendances: the chair is the moderator, a few group members,
	 * then regulars, with a share of occasional guests.
	 */
	ev->attendances = calloc((size_t)per_event + 1,
	    sizeof(*ev->attendances));

	for (j = 0; j < per_event && j < 64; j++) {
		int64_t pid;
		size_t c;
		int tries = 0;

		do {
			if (j == 0)
				pid = g->members[0];
			else if (j < 4)
				pid = g->members[rn((long)g->nmembers)];
			else if (npeople > nreg &&
			    (double)(rnd() >> 11) / 9007199254740992.0 <
			    guest_share)
				pid = nreg + 1 + rn(npeople - nreg);
			else
				pid = 1 + rn(nreg);
			for (c = 0; c < nchosen && chosen[c] != pid; c++)
				;
		} while (c < nchosen && ++tries < 20);
		if (c < nchosen)
			continue;
		chosen[nchosen++] = pid;
		{
			struct pd_attendance *a =
			    &ev->attendances[ev->nattendances++];

			who(&a->person, pid);
			a->role = j == 0 ? PD_ROLE_CHAIR : rn(10) == 0 ?
			    PD_ROLE_OPTIONAL : PD_ROLE_PARTICIPANT;
			k = (int)rn(100);
			a->status = k < 50 ? PD_PART_ACCEPTED : k < 80 ?
			    PD_PART_NEEDS_ACTION : k < 90 ? PD_PART_DECLINED :
			    k < 97 ? PD_PART_TENTATIVE : PD_PART_DELEGATED;
			if (a->status == PD_PART_DELEGATED)
				a->delegate = strdup(PICK(delegates));
		}
	}
	ev->created = 1609459200 + i;	/* 2021-01-01 + i seconds */
	ev->updated = ev->created;
}

/*
 * Writes the programme into the open store st.  Returns PD_OK or the
 * store's error (printed).  stats (may be NULL) gets the counts.
 */
static int
gen_programme(struct pd_store *st, const struct gen_opts *o,
    struct gen_stats *stats)
{
	struct gen_stats s;
	struct gen_group *groups = NULL;
	struct pd_person p;
	struct pd_event ev;
	long npeople, nreg, ngroups = 100, i, j, span, nrec = 0, done = 0;
	long total, last_pct = -1;
	double guest_share;
	int64_t id;
	char uuid[48];
	int rc = PD_OK, in_tx = 0;

	memset(&s, 0, sizeof(s));
	gen_state = o->seed;
	npeople = o->people > 0 ? o->people : o->events / 20;
	if (npeople < 500)
		npeople = 500;
	nreg = npeople - npeople / 5;
	/* Guests: about 20 attendances each, wherever they fall. */
	guest_share = (double)(npeople - nreg) * 20.0 /
	    ((double)o->events * o->per_event);
	if (guest_share > 0.5)
		guest_share = 0.5;
	span = (o->events + GEN_PER_DAY - 1) / GEN_PER_DAY;
	total = npeople + o->events;

	/*
	 * A benchmark database: nothing to lose on a crash, so no syncs, and
	 * a cache big enough that a 5,000-event transaction does not spill.
	 */
	sqlite3_exec(st->db, "PRAGMA synchronous = OFF; "
	    "PRAGMA cache_size = -262144", NULL, NULL, NULL);
	if ((rc = pd_st_begin(st)) != PD_OK)
		return gen_fail(st, "begin", rc);
	in_tx = 1;
	for (i = 1; i <= npeople; i++) {
		/*
		 * Unique names (a middle initial), so that an export of the
		 * programme imports again: people without an address are
		 * found by name.
		 */
		const char *fn = first_names[(i - 1) % NELEM(first_names)];
		const char *ln = last_names[(i - 1) / NELEM(first_names) %
		    NELEM(last_names)];
		long mid = (i - 1) / (NELEM(first_names) * NELEM(last_names));
		int org = (int)rn(NELEM(orgs) + 2);

		memset(&p, 0, sizeof(p));
		if (mid == 0)
			p.name = fmt("%s %s", fn, ln);
		else
			p.name = fmt("%s %c%s %s", fn, 'A' + (int)(mid % 26),
			    mid >= 26 ? "" : ".", ln);
		if (rn(20) != 0)
			p.email = fmt("person%ld@bench.podium.example.org", i);
		if (org < NELEM(orgs)) {
			p.org_code = (char *)orgs[org][0];
			p.org_name = (char *)orgs[org][1];
		}
		p.lang = rn(10) == 0 ? "en" : "de";
		snprintf(uuid, sizeof(uuid), "%08" PRIx64 "-0000-4000-8000-%012lx",
		    o->seed & 0xffffffff, i);
		rc = pd_st_person_insert(st, &p, uuid, &id);
		free(p.name);
		free(p.email);
		if (rc != PD_OK)
			goto fail;
		if (id != i) {
			fprintf(stderr, "gen: the database must be empty\n");
			rc = PD_EINVAL;
			goto out;
		}
	}
	s.people = npeople;
	/* Groups: 12-24 regulars each; the first is the moderator. */
	groups = calloc((size_t)ngroups, sizeof(*groups));
	for (i = 0; i < ngroups; i++) {
		int64_t gid;

		groups[i].name = fmt("%s %s %ld", group_kinds[i % 4],
		    group_subjects[i % NELEM(group_subjects)], i / 10 + 1);
		groups[i].nmembers = 12 + (size_t)rn(13);
		groups[i].members = calloc(groups[i].nmembers,
		    sizeof(*groups[i].members));
		if ((rc = pd_st_group_ensure(st, NULL, groups[i].name, 1,
		    &gid)) != PD_OK)
			goto fail;
		for (j = 0; j < (long)groups[i].nmembers; j++) {
			groups[i].members[j] = 1 + rn(nreg);
			if ((rc = pd_st_member_set(st, gid, groups[i].members[j],
			    j == 0 ? PD_GROUP_MODERATOR : j == 1 ?
			    PD_GROUP_SPOKESPERSON : PD_GROUP_MEMBER)) != PD_OK)
				goto fail;
		}
	}
	for (i = 0; i < o->events; i++) {
		long day = GEN_FIRST_DAY + i / GEN_PER_DAY;
		int minutes = 8 * 60 + 30 * (int)rn(20);
		const struct gen_group *g = &groups[rn(ngroups)];
		int rec = 0;

		/* One monthly series per group, spread over the programme. */
		if (nrec < ngroups && i == nrec * o->events / ngroups) {
			g = &groups[nrec];
			rec = 1;
			nrec++;
		}
		build_event(&ev, i, day, minutes, g, nreg, npeople,
		    o->per_event, guest_share, rec);
		/* What podium would refuse must not get in by the back door. */
		if ((rc = pd_event_validate(&ev, &st->err)) == PD_OK)
			rc = pd_st_event_write(st, &ev, 0, ev.sequence,
			    ev.created, ev.updated, 0, resolve_id, NULL, NULL,
			    NULL, &id, NULL);
		s.events++;
		s.attendances += (long)ev.nattendances;
		s.talks += (long)ev.ntalks;
		s.agenda += (long)ev.nagenda;
		s.recurring += rec;
		free_event(&ev);
		if (rc != PD_OK)
			goto fail;
		done++;
		if (done % 5000 == 0) {
			if ((rc = pd_st_commit(st)) != PD_OK)
				goto fail;
			in_tx = 0;
			if ((rc = pd_st_begin(st)) != PD_OK)
				goto fail;
			in_tx = 1;
		}
		if (!o->quiet && (npeople + done) * 100 / total != last_pct) {
			last_pct = (npeople + done) * 100 / total;
			fprintf(stderr, "\rgen: %3ld%%", last_pct);
		}
	}
	if (!o->dirty && sqlite3_exec(st->db, "UPDATE event SET plan_dirty = 0",
	    NULL, NULL, NULL) != SQLITE_OK) {
		rc = pd_st_dberr(st, "plan marks");
		goto fail;
	}
	if ((rc = pd_st_commit(st)) != PD_OK)
		goto fail;
	in_tx = 0;
	if (!o->quiet)
		fprintf(stderr, "\r");
	(void)span;
	if (stats != NULL)
		*stats = s;
	goto out;
fail:
	gen_fail(st, "writing", rc);
out:
	if (in_tx)
		pd_st_rollback(st);
	for (i = 0; groups != NULL && i < ngroups; i++) {
		free(groups[i].name);
		free(groups[i].members);
	}
	free(groups);
	return rc;
}

#ifndef GEN_NO_MAIN
static double
secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct gen_opts o = { 100000, 10, 0, 20210122, 0, 0 };
	struct gen_stats s = { 0, 0, 0, 0, 0, 0 };
	struct pd_error err = { 0, NULL, NULL };
	struct pd_store *st = NULL;
	double t0;
	int ch, rc;

	while ((ch = getopt(argc, argv, "n:a:p:s:dq")) != -1) {
		switch (ch) {
		case 'n':
			o.events = strtol(optarg, NULL, 10);
			break;
		case 'a':
			o.per_event = (int)strtol(optarg, NULL, 10);
			break;
		case 'p':
			o.people = strtol(optarg, NULL, 10);
			break;
		case 's':
			o.seed = strtoull(optarg, NULL, 10);
			break;
		case 'd':
			o.dirty = 1;
			break;
		case 'q':
			o.quiet = 1;
			break;
		default:
			goto usage;
		}
	}
	if (optind + 1 != argc || o.events < 1 || o.per_event < 1 ||
	    o.per_event > 64)
		goto usage;
	if (access(argv[optind], F_OK) == 0) {
		fprintf(stderr, "gen: %s exists; give a new file\n",
		    argv[optind]);
		return 64;
	}
	/*
	 * Something below frees and grows the top of the heap for every
	 * event; glibc would give it back to the kernel and fault it in
	 * again each time, which cost more than the writing itself.
	 */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_TOP_PAD, 16 << 20);
	t0 = secs();
	if (pd_store_open(argv[optind], 1611300000, &st, &err) != PD_OK) {
		fprintf(stderr, "gen: %s\n", err.msg);
		pd_error_clear(&err);
		return 69;
	}
	rc = gen_programme(st, &o, &s);
	pd_store_close(st);
	if (rc != PD_OK)
		return 65;
	printf("gen: events=%ld recurring=%ld people=%ld attendances=%ld "
	    "talks=%ld agenda=%ld seconds=%.1f events_per_s=%.0f\n",
	    s.events, s.recurring, s.people, s.attendances, s.talks, s.agenda,
	    secs() - t0, (double)s.events / (secs() - t0));
	return 0;
usage:
	fprintf(stderr, "usage: gen [-n EVENTS] [-a PER_EVENT] [-p PEOPLE] "
	    "[-s SEED] [-d] [-q] DB\n");
	return 64;
}
#endif
