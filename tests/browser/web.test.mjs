// The organizer pages in a real browser: Debian's chromium driven by
// playwright-core (no browser download), with axe-core checking every
// page against WCAG 2 A and AA at desktop and at phone width (390 px).
//
// One podiumd on the bundled Gera programme, with its clock before the
// project weeks (PODIUM_NOW) and a real SMTP server (tests/smtpd.py) that
// refuses one address for good, so that the outbox has a failed message
// to retry.  The scenario is the one of issue 9: first start through the
// setup link, log in, the unconfirmed talks on the dashboard, confirm
// Prof. Teich's talk on his behalf and see ACCEPTED in all.ics, mark one
// participant absent and one delegated, cancel an event through its
// confirmation page and find the cancellations in the outbox, retry a
// failed message.  Then the data-protection forms: the public-attendance
// switches of a working group and of an event (all.ics follows), a
// person's data downloaded and the person forgotten through the dry run's
// confirmation page.
//
// Run by ctest (make check) with PODIUM_BIN_DIR and PODIUM_SRC_DIR; the
// screenshots of the README land in $PODIUM_BIN_DIR/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, existsSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

const here = dirname(fileURLToPath(import.meta.url));
const SRC = process.env.PODIUM_SRC_DIR ?? resolve(here, '../..');
const BIN = process.env.PODIUM_BIN_DIR ?? resolve(SRC, 'build-check');
const PY = '/usr/bin/python3';
const NOW = '2021-01-25T08:00:00Z';
const REFUSED = 'michael.tietz@example.org';
const EMAIL = 'orga@example.org';
const PASSWORD = 'Gera-2021-geheim';
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

const dir = mkdtempSync(join(tmpdir(), 'podium-browser-'));
const shots = join(BIN, 'screenshots');
let smtpd, daemon, base, setupUrl, context, page;
const daemonOut = [];

// Bounded waits: every loop here ends, and a timeout names what it waited for.
async function until(what, fn, tries = 100, ms = 100) {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, ms));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function podium(args, input) {
  const r = spawnSync(join(BIN, 'podium'), ['--db', join(dir, 'podium.db'), ...args], {
    input, env: { ...process.env, PODIUM_NOW: NOW }, encoding: 'utf8',
  });
  assert.equal(r.status, 0, `podium ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  mkdirSync(join(shots, 'all'), { recursive: true });
  const sdir = join(dir, 'smtp');
  mkdirSync(sdir);
  smtpd = spawn(PY, [join(SRC, 'tests/smtpd.py'), '--port', '0', '--dir', sdir,
    '--reject-rcpt', REFUSED, '--lifetime', '900'], { stdio: 'ignore' });
  const port = await until('the SMTP server', () =>
    existsSync(join(sdir, 'port')) && readFileSync(join(sdir, 'port'), 'utf8').trim());
  podium(['init']);
  podium(['import', join(SRC, 'calendars/smartcity-gera-2021.ics')]);
  writeFileSync(join(dir, 'podium.ini'), [
    '[store]', `path = ${join(dir, 'podium.db')}`,
    '[http]', 'listen = 127.0.0.1:0', `api_token_file = ${join(dir, 'api-token')}`,
    '[mail]', `smtp_url = smtp://127.0.0.1:${port}`, 'starttls = no',
    '[secrets]', `key_file = ${join(dir, 'secret.key')}`, ''].join('\n'));
  daemon = spawn(join(BIN, 'podiumd'), ['--config', join(dir, 'podium.ini')], {
    env: { ...process.env, PODIUM_NOW: NOW }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  daemon.stdout.on('data', (d) => daemonOut.push(String(d)));
  daemon.stderr.on('data', (d) => daemonOut.push(String(d)));
  const listening = await until('podiumd to listen', () =>
    daemonOut.join('').match(/\(port (\d+)\)/));
  base = `http://127.0.0.1:${listening[1]}`;
  const link = await until('the setup link', () => daemonOut.join('').match(/\/setup\/([A-Za-z0-9_-]+)/));
  setupUrl = `${base}/setup/${link[1]}`;

  context = await chromium.launchPersistentContext(join(dir, 'chromium'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: DESKTOP,
    args: ['--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
  });
  page = context.pages()[0] ?? await context.newPage();
});

after(async () => {
  await context?.close();
  for (const p of [daemon, smtpd]) {
    if (p && p.exitCode === null) {
      p.kill('SIGTERM');
      await until('a child to exit', () => p.exitCode !== null || p.signalCode !== null, 100, 100)
        .catch(() => p.kill('SIGKILL'));
    }
  }
  if (daemon) assert.equal(daemon.exitCode, 0, `podiumd exited with ${daemon.exitCode}:\n${daemonOut.join('')}`);
  rmSync(dir, { recursive: true, force: true });
});

// axe at both widths: 0 violations of WCAG 2 A and AA.
async function axe(name) {
  for (const vp of [DESKTOP, PHONE]) {
    await page.setViewportSize(vp);
    const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
    const msg = r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`).join('\n');
    assert.equal(r.violations.length, 0, `${name} at ${vp.width} px:\n${msg}`);
    // Nothing may need sideways scrolling on a phone.
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= vp.width + 1, `${name} at ${vp.width} px is ${wide} px wide`);
    // Every page at phone width, for people to look at (not compared).
    if (vp === PHONE) {
      await page.screenshot({ path: join(shots, 'all', `${name.replace(/\W+/g, '_')}.png`), fullPage: true });
    }
  }
  await page.setViewportSize(DESKTOP);
}

async function shot(name) {
  for (const [tag, vp] of [['', DESKTOP], ['-phone', PHONE]]) {
    await page.setViewportSize(vp);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(shots, `${name}${tag}.png`), fullPage: false });
  }
  await page.setViewportSize(DESKTOP);
}

test('first start: the setup link makes the first account and logs in', async () => {
  await page.goto(setupUrl);
  assert.equal(await page.getAttribute('html', 'lang'), 'de');
  await axe('setup');
  await page.getByLabel('E-Mail-Adresse').fill(EMAIL);
  await page.getByLabel('Name').fill('Orga <Team> & "Gera"');
  await page.getByLabel('Passwort (mindestens 8 Zeichen)').fill(PASSWORD);
  await page.getByLabel('Passwort wiederholen').fill(PASSWORD);
  await page.getByRole('button', { name: 'Konto anlegen und anmelden' }).click();
  await page.waitForURL(`${base}/`);
  // The name is shown as text, escaped, not as markup.
  assert.equal(await page.locator('.who span').textContent(), 'Orga <Team> & "Gera"');
  // The link works once.
  const again = await page.request.get(setupUrl);
  assert.equal(again.status(), 404);
  await page.getByRole('button', { name: 'Abmelden' }).click();
  await page.waitForURL(`${base}/login`);
});

test('log in; the dashboard shows the unconfirmed talks', async () => {
  await page.goto(`${base}/login`);
  await axe('login');
  await page.getByLabel('E-Mail-Adresse').fill(EMAIL);
  await page.getByLabel('Passwort').fill('wrong-password');
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await page.locator('#e-login').waitFor();
  await page.getByLabel('Passwort').fill(PASSWORD);
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await page.waitForURL(`${base}/`);
  const card = page.getByRole('link', { name: /Beiträge noch unbestätigt/ });
  await card.waitFor();
  assert.match(await page.locator('.card.attn').textContent(), /2\s+Beiträge noch unbestätigt/);
  await axe('dashboard');
  await shot('dashboard');
  await card.click();
  await page.waitForURL(`${base}/unconfirmed`);
  await page.getByRole('cell', { name: 'Prof. Teich (WHZ)' }).waitFor();
  await axe('unconfirmed');
});

test("confirm Prof. Teich's talk on his behalf: ACCEPTED in all.ics", async () => {
  await page.getByRole('link', { name: 'SMARTCity Projektwochen: Smarte Quartiere' }).first().click();
  await page.waitForURL(/\/events\/\d+$/);
  await axe('event');
  await page.getByRole('button', { name: 'Bestätigen: Prof. Teich' }).click();
  await page.getByText('Beitrag bestätigt.').waitFor();
  const row = page.locator('tr', { hasText: 'Prof. Teich' }).first();
  assert.match(await row.textContent(), /bestätigt/);
  assert.match(await row.textContent(), /gesetzt von: Organisation \(orga@example\.org\)/);
  const ics = await (await page.request.get(`${base}/calendars/all.ics`)).text();
  const unfolded = ics.replace(/\r\n[ \t]/g, '');
  const teich = unfolded.split('\r\n').filter((l) => l.startsWith('ATTENDEE') && l.includes('CN=Prof. Teich'));
  assert.ok(teich.length > 0, 'Prof. Teich is an ATTENDEE in all.ics');
  assert.ok(teich.every((l) => l.includes('PARTSTAT=ACCEPTED')), teich.join('\n'));
  // The talk still requested shows its answer page's link, as `podium talk link` prints it.
  const link = page.getByLabel('Antwortseite (Link für eine eigene Mail)');
  assert.equal(await link.count(), 1);
  const id = (await link.getAttribute('id')).replace('link-', '');
  assert.equal(await link.inputValue(), podium(['talk', 'link', id]).trim());
  await page.locator(`#talk-${id}`).screenshot({ path: join(shots, 'all', 'event_talk_link.png') });
});

test('mark one participant absent and one delegated to a named delegate', async () => {
  const rows = page.locator('#attendances ~ table tbody tr');
  const first = (await rows.nth(0).locator('td').first().textContent()).replace(/\s*\(.*\)$/, '').trim();
  const second = (await rows.nth(1).locator('td').first().textContent()).replace(/\s*\(.*\)$/, '').trim();
  await page.getByRole('button', { name: `Abwesend: ${first}` }).click();
  await page.getByText('Teilnahme gespeichert.').waitFor();
  assert.match(await page.locator('tr', { hasText: first }).filter({ has: page.getByRole('button', { name: `Anwesend: ${first}` }) }).textContent(), /abwesend/);
  const row2 = page.locator('tr', { has: page.getByRole('button', { name: `Vertreten: ${second}` }) });
  await row2.getByLabel('Vertreten durch').fill('Frau Kache');
  await row2.getByRole('button', { name: `Vertreten: ${second}` }).click();
  await page.getByText('Teilnahme gespeichert.').waitFor();
  const after2 = page.locator('tr', { has: page.getByRole('button', { name: `Vertreten: ${second}` }) });
  assert.match(await after2.textContent(), /vertreten durch: Frau Kache/);
  await shot('event');
});

test('cancel an event through its confirmation page; the cancellations are in the outbox', async () => {
  await page.getByRole('button', { name: 'Termin absagen …' }).click();
  await page.getByRole('heading', { name: 'Termin absagen?' }).waitFor();
  const n = Number(await page.locator('.notice strong').textContent());
  assert.ok(n > 0, 'the confirmation page names the messages it queues');
  assert.equal(await page.locator('table tbody tr').count(), n);
  await axe('confirm');
  await page.getByRole('button', { name: 'Ja, ausführen' }).click();
  await page.getByText('Termin abgesagt; die Absagen liegen im Postausgang.').waitFor();
  assert.match(await page.locator('dl.facts').textContent(), /abgesagt/);
  // The scheduler plans them right after the change.
  await until('the cancellations in the outbox', async () => {
    await page.goto(`${base}/outbox`);
    return (await page.locator('tbody tr', { hasText: 'cancellation' }).count()) >= n;
  });
  await axe('outbox');
});

test('retry a failed message', async () => {
  await until('a failed message', async () => {
    await page.goto(`${base}/outbox?state=failed`);
    return (await page.getByRole('button', { name: /^Erneut senden/ }).count()) > 0;
  });
  const row = page.locator('tbody tr').first();
  assert.match(await row.textContent(), new RegExp(REFUSED.replace('.', '\\.')));
  const link = row.getByRole('link').first();
  const href = await link.getAttribute('href');
  await link.click();
  await page.getByRole('heading', { name: 'Textteil' }).waitFor();
  await axe('message');
  await page.goto(`${base}/outbox?state=failed`);
  await page.getByRole('button', { name: /^Erneut senden/ }).first().click();
  await page.getByText('Die Nachricht wird erneut gesendet.').waitFor();
  // It was put back and tried again (and refused again by this server).
  await page.goto(`${base}${href}`);
  assert.match(await page.locator('dl.facts').textContent(), /(wartend|wird gesendet|fehlgeschlagen)/);
});

test('publish attendance per working group and per event: the switches change all.ics', async () => {
  const participant = 'CN=Ines Gebhardt';
  const named = async () => (await (await page.request.get(`${base}/calendars/all.ics`)).text())
    .replace(/\r\n[ \t]/g, '').includes(participant);
  assert.ok(await named(), 'the Gera group publishes its attendance');
  await page.goto(`${base}/feeds`);
  const group = 'Fachgruppe Unternehmen der kommunalen Infrastruktur';
  const row = page.locator('tr', { hasText: group }).filter({ has: page.getByRole('button') });
  assert.match(await row.textContent(), /ja – die öffentlichen Feeds nennen, wer teilnimmt/);
  await axe('feeds');
  await page.getByRole('button', { name: `Teilnahme nicht mehr veröffentlichen: ${group}` }).click();
  await page.getByText('Die Teilnahme wird nicht mehr veröffentlicht').waitFor();
  assert.match(await row.textContent(), /nein – die öffentlichen Feeds nennen nur Referent\/innen und Leitung/);
  assert.equal(await named(), false, 'no participant in all.ics once the group stops publishing');
  await page.goto(`${base}/events/1`);
  await page.getByRole('button', { name: 'Teilnahme veröffentlichen' }).click();
  await page.getByText('Die Teilnahme wird jetzt veröffentlicht').waitFor();
  assert.match(await page.locator('dl.facts').textContent(), /Teilnahme öffentlich\s*ja – die öffentlichen Feeds nennen, wer teilnimmt/);
  assert.ok(await named(), 'the event published on its own names its participants');
  await axe('event public');
  await page.locator('dl.facts').screenshot({ path: join(shots, 'all', 'event_public_facts.png') });
});

test('download a person\'s data and forget them through the confirmation page', async () => {
  await page.goto(`${base}/people?q=Ulrich%20Fischer`);
  await page.getByRole('link', { name: 'Ulrich Fischer' }).click();
  await page.waitForURL(/\/people\/\d+$/);
  const id = page.url().replace(/.*\//, '');
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Daten herunterladen (DSGVO Art. 15)' }).click();
  const data = JSON.parse(readFileSync(await (await download).path(), 'utf8'));
  assert.deepEqual(data, JSON.parse(podium(['person', 'export', id])));
  await page.getByRole('link', { name: 'Person löschen (DSGVO Art. 17) …' }).click();
  await page.getByRole('heading', { name: 'Person löschen (DSGVO Art. 17)?' }).waitFor();
  const dry = await page.locator('table').textContent();
  assert.match(dry, /Teilnahmen: gelöscht\s*[1-9]/);
  await axe('forget');
  await shot('forget');
  await page.getByRole('button', { name: 'Endgültig löschen' }).click();
  await page.getByText('Die Person ist gelöscht').waitFor();
  assert.equal(await page.locator('h1').textContent(), 'gelöschte Person');
  assert.equal(await page.getByRole('link', { name: /Person löschen/ }).count(), 0);
  const ics = await (await page.request.get(`${base}/calendars/all.ics`)).text();
  assert.ok(!ics.replace(/\r\n[ \t]/g, '').includes('Ulrich Fischer'), 'all.ics no longer names him');
  await axe('person forgotten');
});

test('every other page passes axe at both widths', async () => {
  for (const path of ['/events', '/events/new', '/people', '/people/1', '/feeds', '/import', '/events/999999']) {
    await page.goto(`${base}${path}`);
    await axe(path);
  }
});
