// The secretariat's page: create a room, issue personal links from a CSV
// list (a CSV of links, a sheet of QR codes), see bad lines by number,
// revoke a link and watch its holder's page close.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { axe, download, Harness, text } from './harness.mjs';

const h = new Harness();
let admin;
let list;
let badList;

before(async () => {
  await h.start();
  admin = h.token({ room: '*', role: 'admin', sub: 'secretariat', name: 'Secretariat' });
  list = path.join(h.dir, 'participants.csv');
  writeFileSync(list, 'name,sub,group,region,gender,country,mode,hub,role\n'
    + 'Amina Diallo,amina,civil-society,africa,woman,SN,in-room,,\n'
    + 'Carlos Souza,carlos,government,latin-america-caribbean,man,BR,in-room,,\n'
    + 'Mei Tanaka,mei,academia,asia-pacific,woman,JP,remote,,observer\n');
  badList = path.join(h.dir, 'bad.csv');
  writeFileSync(badList, 'name,sub,group\nAmina,amina,civil-society\nNobody,,academia\nMei,mei,astronauts\n');
});

after(() => h.stop());

let links;

test('the secretariat creates a room and downloads everyone\'s link', async () => {
  const page = await h.open('/secretariat', admin, { viewport: { width: 1366, height: 768 } });
  await page.getByLabel('Room name in links').fill('igf');
  await page.getByLabel('Title', { exact: true }).fill('IGF main session');
  await page.getByLabel('Queue policy').selectOption('fifo');
  await page.getByRole('button', { name: 'Create the room' }).click();
  await text(page.locator('#room-done'), 'Room igf created.');
  assert.equal(await page.getByLabel('Room', { exact: true }).first().inputValue(), 'igf');

  await page.getByLabel('List of participants (CSV)').setInputFiles(list);
  const file = await download(page, page.getByRole('button', { name: 'Download the links (CSV)' }));
  assert.equal(file.name, 'igf-links.csv');
  const [header, ...rows] = file.text.trim().split('\n').map((l) => l.split(','));
  assert.deepEqual(header, ['line', 'name', 'sub', 'role', 'jti', 'expires_at', 'link']);
  assert.deepEqual(rows.map((r) => r[2]), ['amina', 'carlos', 'mei']);
  links = Object.fromEntries(rows.map((r) => [r[2], { jti: r[4], link: r[6] }]));
  assert.ok(links.amina.link.startsWith(`${h.base}/#token=`), links.amina.link);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a link opens its holder\'s page, with the categories of the list', async () => {
  const context = await h.browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto(links.amina.link);
  await page.waitForURL(/\/rooms\/igf$/);
  await text(page.locator('#room-title'), 'IGF main session');
  const snap = await h.snapshot('igf', links.amina.link.split('#token=')[1]);
  assert.equal(snap.title, 'IGF main session');
  await context.close();
});

test('a sheet of QR codes to print, one card a person', async () => {
  const page = await h.open('/secretariat', admin, { viewport: { width: 1366, height: 768 } });
  await page.getByLabel('Room', { exact: true }).first().fill('igf');
  await page.getByLabel('List of participants (CSV)').setInputFiles(list);
  await page.getByRole('button', { name: 'Show a sheet of QR codes to print' }).click();
  await text(page.locator('#links-done'), '3 links issued.');
  const cards = page.locator('#sheet-cards .card');
  assert.equal(await cards.count(), 3);
  const img = page.getByRole('img', { name: 'QR code of the link for Amina Diallo' });
  await img.waitFor();
  assert.ok(await img.evaluate((i) => i.complete && i.naturalWidth > 0), 'the QR image loads');
  await h.shot(page, 'secretariat-sheet');
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('#links-form').isVisible(), false, 'the forms are not printed');
  assert.equal(await cards.first().isVisible(), true);
  await page.emulateMedia({ media: 'screen' });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a list with bad lines is refused, each line named', async () => {
  const page = await h.open('/secretariat', admin, { locale: 'fr' });
  await page.getByLabel('Salle', { exact: true }).first().fill('igf');
  await page.getByLabel('Liste des participants (CSV)').setInputFiles(badList);
  await page.getByRole('button', { name: 'Télécharger les liens (CSV)' }).click();
  await text(page.getByRole('alert'), "La liste a des lignes à corriger : rien n'a été émis.");
  const items = page.locator('#links-errors-list li');
  await text(items.first(), /^Ligne 3 : sub is empty$/);
  await text(items.nth(1), /^Ligne 4 : token claim group "astronauts" is not a category of this room/);
  await h.shot(page, 'secretariat-bad-rows-fr');
  await page.context().close();
});

test('a revoked link closes its holder\'s page at once', async () => {
  const holder = await h.open('/rooms/igf', links.carlos.link.split('#token=')[1]);
  await holder.getByRole('button', { name: 'Raise hand', exact: true }).waitFor();
  const page = await h.open('/secretariat', admin);
  await page.locator('#revoke-room').fill('igf');
  await page.getByLabel('Link id (jti) or person (sub)').fill(links.carlos.jti);
  await page.getByLabel('Reason (kept in the record)').fill('Shared on social media');
  await page.getByRole('button', { name: 'Revoke', exact: true }).click();
  await text(page.locator('#revoke-done'), `${links.carlos.jti} is revoked`);
  await text(page.locator('#revoked'), 'Shared on social media');
  await text(holder.getByRole('alert'), 'This access link has been revoked. Ask the meeting secretariat for a new one.');
  await holder.context().close();
  await page.context().close();
});

for (const locale of ['en-GB', 'ar']) {
  test(`the secretariat page passes axe's WCAG 2.1 AA rules (${locale})`, async () => {
    const page = await h.open('/secretariat', admin, { locale, bypassCSP: true, viewport: { width: 375, height: 812 } });
    await page.locator('#links-room').fill('igf');
    await page.locator('#links-file').setInputFiles(list);
    await page.locator('#links-qr').click();
    await page.locator('#sheet-cards .card').first().waitFor();
    assert.deepEqual(await axe(page), []);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    if (locale === 'ar') await h.shot(page, 'secretariat-phone-ar');
    await page.context().close();
  });
}
