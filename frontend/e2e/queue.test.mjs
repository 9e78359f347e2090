// A chair and three participants run a queue through the pages, with the
// hall display and the balance dashboard following live.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { download, Harness, ordinal, text } from './harness.mjs';

const ROOM = 'plenary';
const h = new Harness();
const people = {};
const pages = {};
let tokens;

before(async () => {
  await h.start();
  tokens = {
    chair: h.token({ room: ROOM, role: 'chair', sub: 'chair', name: 'Chair Ana', group: 'government', region: 'latin-america-caribbean' }),
    amina: h.token({ room: ROOM, sub: 'amina', name: 'Amina Diallo', group: 'civil-society', region: 'africa', gender: 'woman' }),
    carlos: h.token({ room: ROOM, sub: 'carlos', name: 'Carlos Souza', group: 'government', region: 'latin-america-caribbean', gender: 'man', mode: 'in-room' }),
    mei: h.token({ room: ROOM, sub: 'mei', name: 'Mei Tanaka', group: 'academia', region: 'asia-pacific', gender: 'woman' }),
    screen: h.token({ room: ROOM, role: 'observer', sub: 'screen', name: 'Hall screen' }),
  };
  await h.createRoom(ROOM, 'NETmundial follow-up plenary', tokens.chair);
});

after(() => h.stop());

const raise = (page) => page.getByRole('button', { name: 'Raise hand', exact: true });

test('the join page sends each role to its page and keeps the token out of the address', async () => {
  for (const who of ['chair', 'amina', 'carlos', 'mei']) {
    const page = await h.open('/', tokens[who]);
    const want = who === 'chair' ? `/rooms/${ROOM}/chair` : `/rooms/${ROOM}`;
    await page.waitForURL((url) => url.pathname === want);
    assert.equal(new URL(page.url()).hash, '', 'the token left the address bar');
    pages[who] = page;
  }
  await text(pages.amina.locator('#room-title'), 'NETmundial follow-up plenary');
  await h.shot(pages.amina, 'participant-empty');
});

test('participants raise hands and see their place and why', async () => {
  const { amina, carlos, mei } = pages;
  await amina.getByLabel('Note for the chair (optional)').fill('On capacity building in Africa');
  await raise(amina).click();
  await text(amina.locator('#mine'), 'You are 1st in the queue');

  await raise(carlos).click();
  await mei.getByRole('radio', { name: 'Reply' }).check();
  await raise(mei).click();
  await text(mei.locator('#mine'), 'in the queue');

  // Order and reasons are the server's policy: each page must show exactly
  // what the server says, for everyone.
  const snap = await h.snapshot(ROOM, tokens.chair);
  assert.equal(snap.queue.length, 3);
  for (const entry of snap.queue) {
    const page = pages[entry.sub];
    await text(page.locator('#mine'), `You are ${ordinal(entry.position)} in the queue`);
    await text(page.locator('#mine .reason'), entry.reason);
    const items = page.locator('#queue > li');
    assert.equal(await items.count(), 3);
    await text(items.nth(entry.position - 1), entry.name);
  }
  // Raise hand again for the same kind is explained, not sent.
  assert.equal(await raise(amina).getAttribute('aria-disabled'), 'true');
  await text(amina.locator('#raise-help'), 'You already have a request of this kind');
  await h.shot(mei, 'participant-queued');
});

test('the chair sees the queue with reasons and categories and calls the next speaker', async () => {
  const { chair } = pages;
  const snap = await h.snapshot(ROOM, tokens.chair);
  const items = chair.locator('#queue > tbody');
  await text(items.nth(2), snap.queue[2].name);
  for (const entry of snap.queue) {
    await text(items.nth(entry.position - 1), entry.reason);
  }
  const amina = chair.locator('#queue > tbody', { hasText: 'Amina Diallo' });
  for (const cell of ['Civil society', 'Africa', 'Remote']) await text(amina, cell);
  await text(chair.locator('#queue'), 'On capacity building in Africa');

  const display = await h.open(`/rooms/${ROOM}/display`, tokens.screen, { viewport: { width: 1920, height: 1080 } });
  pages.display = display;
  await text(display.locator('#now'), 'Nobody has the floor');

  await chair.getByRole('button', { name: 'Call next speaker', exact: true }).click();
  const head = snap.queue[0];
  const speaker = pages[head.sub];
  await text(speaker.locator('#floor'), 'You have the floor');
  await speaker.getByRole('button', { name: 'End my turn', exact: true }).waitFor();
  await text(speaker.locator('#floor .clock'), /^[12]:\d\d$/);

  const other = pages[snap.queue[1].sub];
  await text(other.locator('#floor'), head.name);
  await text(other.locator('#mine'), 'You are 1st in the queue');

  await text(display.locator('#now .now-name'), head.name);
  await text(display.locator('#now .clock'), /^[12]:\d\d$/);
  await text(display.locator('#next'), snap.queue[1].name);
  // The display and the speaker's own page count down together.
  const [a, b] = await Promise.all([display, speaker].map((p) => p.locator('.clock').first().textContent()));
  assert.ok(Math.abs(seconds(a) - seconds(b)) <= 1, `display ${a} and speaker ${b} disagree`);

  await chair.getByRole('button', { name: 'Add 30 seconds', exact: true }).click();
  await text(display.locator('#now .clock'), /^2:[2-5]\d$/);
  await text(chair.locator('#log'), `called ${head.name}, next in the queue`);
  await h.shot(speaker, 'participant-floor');
  await h.shot(display, 'display');
  await h.shot(chair, 'chair');
});

test('the speaker ends the turn; the balance dashboard follows live', async () => {
  const snap = await h.snapshot(ROOM, tokens.chair);
  const speaker = pages[snap.floor.sub];
  const balance = await h.open(`/rooms/${ROOM}/balance`, tokens.chair);
  pages.balance = balance;
  await balance.locator('#charts .dim').first().waitFor();
  const turns = balance.locator('#totals .total').nth(1).locator('.total-value');
  await text(turns, '1');

  await speaker.getByRole('button', { name: 'End my turn', exact: true }).click();
  await text(speaker.locator('#floor'), 'Nobody has the floor');
  await text(pages.display.locator('#now'), 'Nobody has the floor');

  await pages.chair.getByRole('button', { name: 'Call next speaker', exact: true }).click();
  await text(turns, '2');
  await text(balance.locator('#charts'), 'Stakeholder group');
  const csv = await download(balance, balance.getByRole('button', { name: 'Download interventions (CSV)' }));
  assert.match(csv.text, /^start,end,duration_s/);
  await h.shot(balance, 'balance');
});

test('the chair skips with a reason and the participant is told why', async () => {
  const { chair } = pages;
  const snap = await h.snapshot(ROOM, tokens.chair);
  const waiting = snap.queue[0];
  await chair.getByRole('button', { name: `Skip ${waiting.name}`, exact: true }).click();
  await chair.getByLabel('Reason (goes in the record)').fill('Spoke on this item already');
  await chair.getByRole('button', { name: 'Skip this request', exact: true }).click();
  await text(pages[waiting.sub].locator('#mine-notice'), 'Reason: Spoke on this item already');
  await text(chair.locator('#log'), `passed over ${waiting.name} once`);
});

test('a refused command says why in the alert region, in the page language', async () => {
  const { chair } = pages;
  await chair.getByLabel('Agenda item', { exact: true }).fill('   ');
  await chair.getByRole('button', { name: 'Set agenda item', exact: true }).click();
  await text(chair.getByRole('alert'), 'Give the agenda item a title.');
  await chair.getByLabel('Agenda item', { exact: true }).fill('Roadmap for the evolution of the ecosystem');
  await chair.getByRole('button', { name: 'Set agenda item', exact: true }).click();
  await text(pages.amina.locator('#agenda'), 'Roadmap for the evolution of the ecosystem');
  // The alert clears once the server acknowledges the command that worked.
  await chair.waitForFunction(() => document.getElementById('alert').textContent === '');
});

test('closing the list of speakers disables Raise hand with the reason', async () => {
  const { chair, amina } = pages;
  await chair.getByRole('button', { name: 'Close list of speakers', exact: true }).click();
  await chair.getByRole('button', { name: 'Open list of speakers', exact: true }).waitFor();
  await text(amina.locator('#raise-help'), 'The list of speakers is closed');
  await amina.getByRole('radio', { name: 'Speak' }).check();
  assert.equal(await raise(amina).getAttribute('aria-disabled'), 'true');
  await amina.getByRole('button', { name: 'Raise hand', exact: true, disabled: true }).waitFor();
  // A point of order is still taken, as in any rules of procedure.
  await amina.getByRole('radio', { name: 'Point of order' }).check();
  assert.equal(await raise(amina).getAttribute('aria-disabled'), null);
  await amina.getByRole('radio', { name: 'Speak' }).check();
  await h.shot(amina, 'participant-list-closed');
  for (const page of Object.values(pages)) assert.deepEqual(page.errors, [], `errors on ${page.url()}`);
});

function seconds(clock) {
  const [m, s] = clock.trim().split(':').map(Number);
  return m * 60 + s;
}
