// The balance dashboard as a rapporteur reads it: a chart per dimension
// (an SVG image with a title and a description) and a table of the same
// figures, absolute beside shares; a filter by agenda item; the trend of
// speaking time; the record saying how each speaker got the floor; refused
// actions in the reader's language.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { axe, download, Harness, text } from './harness.mjs';

const ROOM = 'netmundial';
const h = new Harness();
let chair;
let people;

before(async () => {
  await h.start();
  chair = h.token({ room: ROOM, role: 'chair', sub: 'chair', name: 'Chair' });
  people = {
    amina: h.token({ room: ROOM, sub: 'amina', name: 'Amina Diallo', group: 'civil-society', region: 'africa', gender: 'woman' }),
    carlos: h.token({ room: ROOM, sub: 'carlos', name: 'Carlos Souza', group: 'government', region: 'latin-america-caribbean', gender: 'man', mode: 'in-room' }),
    mei: h.token({ room: ROOM, sub: 'mei', name: 'Mei Tanaka', group: 'academia', region: 'asia-pacific', gender: 'woman' }),
  };
  await h.createRoom(ROOM, 'NETmundial plenary', chair);
  const cmd = (token, c) => h.api('POST', `/api/v1/rooms/${ROOM}/commands`, token, c);
  await cmd(chair, { type: 'set_agenda_item', title: 'Internet governance principles' });
  await cmd(people.amina, { type: 'raise_hand' });
  await cmd(people.carlos, { type: 'raise_hand' });
  await cmd(people.mei, { type: 'raise_hand' });
  await cmd(chair, { type: 'call_next' }); // amina, from the queue
  await cmd(chair, { type: 'release' });
  const snap = await h.snapshot(ROOM, chair);
  const mei = snap.queue.find((e) => e.sub === 'mei');
  await cmd(chair, { type: 'call', request: mei.id, reason: 'Replies to the previous speaker' });
  await cmd(chair, { type: 'set_agenda_item', title: 'Roadmap' });
  await cmd(chair, { type: 'call_next' }); // carlos, under the roadmap: still speaking
});

after(() => h.stop());

// content waits for a hidden element (an SVG title or desc) to hold text
// matching re.
function content(page, selector, re) {
  return page.waitForFunction(([sel, src]) => new RegExp(src).test(document.querySelector(sel)?.textContent ?? ''), [selector, re.source]);
}

test('each dimension is a chart with a title and a description, and a table with turns and minutes', async () => {
  const page = await h.open(`/rooms/${ROOM}/balance`, chair, { viewport: { width: 1366, height: 768 } });
  const chart = page.locator('#chart-group-h + svg[role="img"]');
  await chart.waitFor();
  assert.equal(await page.locator('#chart-group-t').textContent(),
    'Stakeholder group: shares of requests, turns and speaking time against target');
  const desc = await page.locator('#chart-group-d').textContent();
  assert.match(desc, /Civil society: 33% of requests, 33% of turns, \d+% of speaking time, target 33%\./);
  const row = page.locator('#charts .dim').first().locator('tbody tr').filter({ hasText: 'Civil society' });
  await text(row, /^Civil society1 \(33%\)1 \(33%\)\d+ s \(\d+%\)33%$/);
  // Carlos speaks on: the government's time counts second by second.
  const gov = page.locator('#charts .dim').first().locator('tbody tr').filter({ hasText: 'Government' });
  const before = await gov.textContent();
  await page.waitForFunction((b) => [...document.querySelectorAll('#charts .dim:first-child tbody tr')]
    .some((tr) => tr.textContent.startsWith('Government') && tr.textContent !== b), before);
  await h.shot(page, 'record-balance-1366');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the filter by agenda item shows that item alone', async () => {
  const page = await h.open(`/rooms/${ROOM}/balance`, chair);
  await page.locator('#charts .dim').first().waitFor();
  await page.getByLabel('Agenda item').selectOption('Roadmap');
  const turns = page.locator('#totals .total').nth(1).locator('.total-value');
  await text(turns, /^1$/);
  const groups = page.locator('#charts .dim').first().locator('tbody');
  await text(groups, /Government0 \(0%\)1 \(100%\)/); // asked before the item, spoke under it
  await page.getByLabel('Agenda item').selectOption('Internet governance principles');
  await text(turns, /^2$/);
  await page.getByLabel('Agenda item').selectOption({ label: 'Whole session' });
  await text(turns, /^3$/);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the trend of speaking time is a chart with a table, by the dimension chosen', async () => {
  const page = await h.open(`/rooms/${ROOM}/balance`, chair, { viewport: { width: 1920, height: 1080 } });
  const trend = page.locator('#trend svg[role="img"]');
  await trend.waitFor();
  assert.equal(await page.locator('#trend-t').textContent(), 'Share of speaking time by Stakeholder group, every 10 minutes');
  await content(page, '#trend-d', /^At .+: Academia \d+%, Civil society \d+%, Government \d+%\.$/);
  assert.equal(await page.locator('#trend polyline').count(), 3);
  await page.getByLabel('Share of time by').selectOption({ label: 'Region' });
  await content(page, '#trend-t', /by Region/);
  await text(page.locator('#trend thead'), 'Latin America and Caribbean');
  // The chair may see declared gender over time; others are not offered it.
  assert.ok(await page.locator('#trend-dim option[value="gender"]').count() === 1);
  await h.shot(page, 'record-balance-1920');
  const other = await h.open(`/rooms/${ROOM}/balance`, people.amina);
  await other.locator('#trend svg').waitFor();
  assert.equal(await other.locator('#trend-dim option[value="gender"]').count(), 0);
  assert.deepEqual([...page.errors, ...other.errors], []);
  await page.context().close();
  await other.context().close();
});

test('the record says how each speaker got the floor, with the chair\'s reason', async () => {
  const page = await h.open(`/rooms/${ROOM}/balance`, chair);
  await page.locator('#charts .dim').first().waitFor();
  const csv = await download(page, page.getByRole('button', { name: 'Download interventions (CSV)' }));
  const [header, ...rows] = csv.text.trim().split('\n').map((l) => l.split(','));
  const col = (name) => header.indexOf(name);
  assert.equal(rows[0][col('how')], 'queue');
  assert.equal(rows[1][col('how')], 'out_of_order');
  assert.equal(rows[1][col('chair_reason')], 'Replies to the previous speaker');
  const json = JSON.parse((await download(page, page.getByRole('button', { name: 'Download interventions (JSON)' }))).text);
  assert.deepEqual(json.map((iv) => iv.how), ['queue', 'out_of_order']);
  await page.context().close();
});

test('on a phone, and in Arabic, the charts read right to left', async () => {
  const page = await h.open(`/rooms/${ROOM}/balance`, chair, { locale: 'ar', viewport: { width: 375, height: 812 } });
  await page.locator('#charts svg[role="img"]').first().waitFor();
  await content(page, '#chart-group-t', /حصص الطلبات/);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  // A bar grows from the right: the track's right edge is the bar's.
  const [track, bar] = await page.locator('#chart-group-h + svg g').first().evaluate((g) =>
    [g.querySelector('.chart-track'), g.querySelector('.chart-bar')].map((r) => r.getBoundingClientRect().right));
  assert.ok(Math.abs(track - bar) < 1, `bar ends at ${bar}, track at ${track}`);
  await h.shot(page, 'record-balance-phone-ar');
  await page.context().close();
});

for (const locale of ['en-GB', 'ar']) {
  test(`the balance dashboard passes axe's WCAG 2.1 AA rules (${locale})`, async () => {
    const page = await h.open(`/rooms/${ROOM}/balance`, chair, { locale, bypassCSP: true });
    await page.locator('#trend svg').waitFor();
    assert.deepEqual(await axe(page), []);
    await page.context().close();
  });
}

test('a refused command is said in the reader\'s language, with its figures', async () => {
  const page = await h.open(`/rooms/${ROOM}/chair`, chair, { locale: 'fr' });
  await page.locator('#alert').waitFor({ state: 'attached' });
  // Whatever the console shows, the server refuses a move past the queue's end.
  const err = await page.evaluate(async (room) => {
    const { LiveError } = await import('/static/js/live.js');
    const { showError } = await import('/static/js/page.js');
    const token = sessionStorage.getItem(`parley.token.${room}`);
    const res = await fetch(`/api/v1/rooms/${room}/commands`, {
      method: 'POST', headers: { Authorization: `Bearer ${token}` },
      body: JSON.stringify({ type: 'move', request: 'r5', position: 9, reason: 'x' }),
    });
    const body = (await res.json()).error;
    showError(new LiveError(body.code, body.message, false, body.params));
    return body;
  }, ROOM);
  assert.equal(err.params.reason, 'request_not_queued');
  await text(page.getByRole('alert'), "Cette demande n'est plus dans la file.");
  // A live refusal too: the list is open, so opening it again is refused.
  await page.evaluate(async () => {
    const { showError } = await import('/static/js/page.js');
    showError({ code: 'not_now', message: 'the list of speakers is already open', params: { reason: 'list_already_open' } });
  });
  await text(page.getByRole('alert'), 'La liste des orateurs est déjà ouverte.');
  await page.context().close();
});
