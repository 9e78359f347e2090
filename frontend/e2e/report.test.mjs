// The session report as a rapporteur reads and prints it: who spoke, in
// order, with how they got the floor and what they said, in the
// transcript's languages; the agenda; the balance charts and trend; the
// chair's decisions out of order with their reasons; the hubs; a print
// layout without controls on A4 and Letter; five languages.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { axe, Harness, SHOTS, text } from './harness.mjs';

const ROOM = 'wsis';
const OPEN_ROOM = 'wsis-next';
const h = new Harness();
let chair;

before(async () => {
  await h.start();
  chair = h.token({ room: ROOM, role: 'chair', sub: 'chair', name: 'Ana Chair' });
  const captioner = h.token({ room: ROOM, role: 'captioner', sub: 'cart', name: 'CART writer' });
  const people = {
    amina: h.token({ room: ROOM, sub: 'amina', name: 'Amina Diallo', group: 'civil-society', region: 'africa', gender: 'woman', country: 'SN' }),
    carlos: h.token({ room: ROOM, sub: 'carlos', name: 'Carlos Souza', group: 'government', region: 'latin-america-caribbean', gender: 'man', mode: 'in-room', country: 'BR', delegation: 'Brazil' }),
    mei: h.token({ room: ROOM, sub: 'mei', name: 'Mei Tanaka', group: 'academia', region: 'asia-pacific', gender: 'woman' }),
    kofi: h.token({ room: ROOM, sub: 'kofi', name: 'Kofi Mensah', group: 'technical-community', region: 'africa', gender: 'man', hub: 'nbo', 'hub-name': 'Nairobi hub' }),
    hub: h.token({ room: ROOM, role: 'hub', sub: 'hub-nbo', name: 'Nairobi coordinator', hub: 'nbo', 'hub-name': 'Nairobi hub' }),
  };
  await h.createRoom(ROOM, 'WSIS+20 review', chair);
  await h.createRoom(OPEN_ROOM, 'WSIS+20 follow-up', h.token({ room: OPEN_ROOM, role: 'chair', sub: 'chair', name: 'Ana Chair' }));
  const cmd = (token, c) => h.api('POST', `/api/v1/rooms/${ROOM}/commands`, token, c);
  let seq = 0;
  const say = async (floor, fr) => {
    seq++;
    await h.postCaption(ROOM, captioner, { lang: 'floor', seq, text: `${floor}\n` });
    await h.postCaption(ROOM, captioner, { lang: 'fr', seq, text: `${fr}\n` });
  };
  await cmd(chair, { type: 'set_agenda_item', title: 'Opening statements' });
  await cmd(people.amina, { type: 'raise_hand' });
  await cmd(people.carlos, { type: 'raise_hand' });
  await cmd(people.mei, { type: 'raise_hand' });
  await cmd(chair, { type: 'call_next' }); // amina, the head of the queue
  await say('Civil society asks for a seat at the table.', 'La société civile demande une place à la table.');
  await cmd(chair, { type: 'release' });
  let snap = await h.snapshot(ROOM, chair);
  await cmd(chair, { type: 'call', request: snap.queue.find((e) => e.sub === 'mei').id, reason: 'Replies to the previous speaker' });
  await say('Research networks agree.', 'Les réseaux de recherche sont d’accord.');
  await cmd(chair, { type: 'release' });
  await cmd(chair, { type: 'set_agenda_item', title: 'Roadmap' });
  await cmd(people.kofi, { type: 'hub_raise_hand' });
  snap = await h.snapshot(ROOM, chair);
  await cmd(people.hub, { type: 'forward', request: snap.hub_queue[0].id });
  snap = await h.snapshot(ROOM, chair);
  await cmd(chair, { type: 'move', request: snap.queue.find((e) => e.sub === 'kofi').id, position: 1, reason: 'Regional balance: the hubs first' });
  await cmd(chair, { type: 'call_next' }); // kofi, where the chair moved him
  await say('Nairobi supports the roadmap.', 'Nairobi soutient la feuille de route.');
  await cmd(chair, { type: 'call_next' }); // carlos
  await cmd(chair, { type: 'release' });
  await cmd(chair, { type: 'close_room' });
});

after(() => h.stop());

const turns = (page) => page.locator('#turns .turn');
// The page asks whether the record's bundle exists; a server without one
// answers 404, which the browser logs.
const errors = (page) => page.errors.filter((e) => !e.includes('404 (Not Found)'));

async function openReport(options = {}) {
  const page = await h.open(`/rooms/${ROOM}/report`, chair, options);
  await page.locator('#charts svg[role="img"]').first().waitFor();
  return page;
}

test('the report says who spoke, in order, how they got the floor and what they said', async () => {
  const page = await openReport({ viewport: { width: 1366, height: 768 } });
  await text(page.locator('h1'), 'WSIS+20 review');
  await text(page.locator('#session'), 'Ana Chair');
  assert.equal(await page.locator('#running').isHidden(), true, 'a closed room is not said to be running');
  assert.equal(await turns(page).count(), 4);
  const [amina, mei, kofi, carlos] = [0, 1, 2, 3].map((i) => turns(page).nth(i));
  await text(amina.locator('.turn-head'), /#1.*Amina Diallo/);
  await text(amina.locator('.turn-origin'), 'Senegal');
  await text(amina.locator('.turn-facts'), 'Civil society');
  await text(amina.locator('.turn-facts'), 'Next in the queue');
  await text(amina.locator('.turn-text'), 'Civil society asks for a seat at the table.');
  await text(mei.locator('.turn-who'), 'Mei Tanaka');
  await text(mei.locator('.turn-facts'), 'Called out of order by the chair');
  await text(mei.locator('.turn-facts .reason'), 'Reason: Replies to the previous speaker');
  await text(kofi.locator('.turn-who'), 'Nairobi hub — Kofi Mensah');
  await text(kofi.locator('.turn-facts'), 'hub: Nairobi hub');
  await text(kofi.locator('.turn-facts'), 'where the chair had moved them');
  await text(kofi.locator('.turn-facts'), 'Regional balance: the hubs first');
  await text(kofi.locator('.turn-facts'), 'Roadmap');
  await text(carlos.locator('.turn-origin'), 'Brazil');
  await text(carlos.locator('.turn-facts'), 'In the room');
  await text(carlos.locator('.turn-text-none'), 'Nothing was transcribed in this turn.');
  // The public view: no one's declared gender beside their name.
  assert.doesNotMatch(await page.locator('#turns').textContent(), /Woman|Man\b/);

  const agenda = page.locator('#agenda tbody tr');
  assert.equal(await agenda.count(), 2);
  await text(agenda.nth(0), /^Opening statements.+2/);
  await text(agenda.nth(1), /^Roadmap.+2/);
  const actions = page.locator('#actions .action');
  assert.equal(await actions.count(), 2);
  await text(actions.nth(0), /Ana Chair: called Mei Tanaka out of order.*Reason: Replies to the previous speaker/);
  await text(actions.nth(1), /moved Kofi Mensah to position 1.*Regional balance/);
  await text(page.locator('#hubs tbody tr'), /^Nairobi hub11.+Kofi Mensah$/);
  await text(page.locator('#totals'), '4turns at the floor');

  assert.equal(await page.locator('#chart-group-t').textContent(),
    'Stakeholder group: shares of requests, turns and speaking time against target');
  assert.equal(await page.locator('#trend svg[role="img"]').count(), 1);
  assert.equal(await page.locator('#trend-dim option[value="gender"]').count(), 0, 'no gender trend in a public report');
  await h.shot(page, 'report-1366');
  assert.deepEqual(errors(page), []);
  await page.context().close();
});

test('the transcript is read in a chosen language, and the page in another', async () => {
  const page = await openReport({ viewport: { width: 1920, height: 1080 } });
  const first = turns(page).first().locator('.turn-text');
  await text(first, 'Civil society asks');
  assert.equal(await first.getAttribute('lang'), null, 'the floor is in whatever language was spoken');
  await page.getByLabel('Transcript in').selectOption('fr');
  await text(first, 'La société civile demande une place à la table.');
  assert.equal(await first.getAttribute('lang'), 'fr');
  await page.getByLabel('Language', { exact: true }).selectOption('es');
  await text(page.locator('#turns-h'), 'Quién habló, por orden');
  await text(turns(page).nth(1).locator('.turn-facts'), 'Fuera de turno, por la presidencia');
  // What a printed page says of the transcript's language, for paper has no picker.
  await page.waitForFunction(() => document.getElementById('tr-shown').textContent === 'Transcripción: francés.');
  await h.shot(page, 'report-1920-es');
  assert.deepEqual(errors(page), []);
  await page.context().close();
});

test('on a phone the report fits the screen, in Arabic from the right', async () => {
  const page = await openReport({ locale: 'ar', viewport: { width: 375, height: 812 } });
  await text(page.locator('#turns-h'), 'من تكلم، بالترتيب');
  assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  await h.shot(page, 'report-phone-ar');
  await page.context().close();
});

// pdfPage makes an image of one page of a PDF, to look at.
function pdfPage(pdf, n, name) {
  if (!existsSync('/usr/bin/pdftoppm')) return;
  execFileSync('pdftoppm', ['-png', '-r', '60', '-f', String(n), '-l', String(n), '-singlefile', pdf, path.join(SHOTS, name)]);
}

test('printed, the report has no controls and makes A4 and Letter PDFs', async () => {
  const page = await openReport();
  await page.emulateMedia({ media: 'print' });
  for (const control of ['#print', '#tr-lang', '#trend-dim', '#lang']) {
    assert.equal(await page.locator(control).isVisible(), false, `${control} is not printed`);
  }
  assert.equal(await page.locator('#tr-shown').textContent(), 'Transcript: Original (as spoken).');
  assert.equal(await page.locator('#tr-shown').isVisible(), true);
  // The charts are drawn again for the paper's width.
  await page.waitForFunction(() => document.querySelector('#chart-group-h + svg').viewBox.baseVal.width === 640);
  for (const format of ['A4', 'Letter']) {
    const pdf = await page.pdf({ format });
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    const file = path.join(SHOTS, `report-${format}.pdf`);
    writeFileSync(file, pdf);
    pdfPage(file, 1, `report-print-${format}-1`);
    pdfPage(file, 4, `report-print-${format}-4`);
  }
  await page.emulateMedia({ media: 'screen' });
  await page.locator('#print').waitFor();
  assert.deepEqual(errors(page), []);
  await page.context().close();
});

for (const locale of ['en-GB', 'ar']) {
  test(`the report passes axe's WCAG 2.1 AA rules (${locale})`, async () => {
    const page = await openReport({ locale, bypassCSP: true });
    assert.deepEqual(await axe(page), []);
    await page.context().close();
  });
}

test('the report of a session still going on says so', async () => {
  const token = h.token({ room: OPEN_ROOM, role: 'observer', sub: 'obs', name: 'Observer' });
  const page = await h.open(`/rooms/${OPEN_ROOM}/report`, token);
  await text(page.locator('#running'), 'The session is still going on: figures as of');
  await text(page.locator('#turns'), 'Nobody took the floor.');
  await text(page.locator('#actions'), 'The chair followed the queue');
  await text(page.locator('#hubs'), 'No regional hub asked for the floor.');
  assert.deepEqual(errors(page), []);
  await page.context().close();
});

test('without a link, a room whose record is not public says the report needs one', async () => {
  const page = await h.open(`/rooms/${OPEN_ROOM}/report`, null);
  await text(page.getByRole('alert'), 'You need an access link or token to enter this room.');
  await text(page.locator('.fatal'), 'Once a room is closed its record may be made public');
  await page.context().close();
});

test('without a link, a closed room\'s public record opens as a report', async (t) => {
  const res = await fetch(`${h.base}/api/v1/rooms/${ROOM}`);
  if (res.status === 401) {
    t.skip('this server does not publish closed rooms\' records');
    return;
  }
  const page = await h.open(`/rooms/${ROOM}/report`, null);
  await page.locator('#charts svg[role="img"]').first().waitFor();
  assert.equal(await turns(page).count(), 4);
  await page.context().close();
});

test('the record\'s bundle is offered only where the server has one', async () => {
  const page = await openReport();
  const res = await fetch(`${h.base}/api/v1/rooms/${ROOM}/record`, { method: 'HEAD', headers: { Authorization: `Bearer ${chair}` } });
  const button = page.getByRole('button', { name: 'Download the record' });
  if (res.ok) await button.waitFor();
  else assert.equal(await button.count(), 0);
  await page.context().close();
});
