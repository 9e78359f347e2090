// The pages beyond the queue's happy path: languages and right-to-left,
// every error a person can meet, reconnection, the display's warning and
// overrun colours, and the phone layout.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Harness, text } from './harness.mjs';

const ROOM = 'forum';
const h = new Harness();
let chair;

before(async () => {
  await h.start();
  chair = h.token({ room: ROOM, role: 'chair', sub: 'chair', name: 'Chair' });
  await h.createRoom(ROOM, 'ICANN public forum', chair);
});

after(() => h.stop());

const person = (sub, name, extra = {}) =>
  h.token({ room: ROOM, sub, name, group: 'technical-community', region: 'asia-pacific', ...extra });

test('an Arabic browser gets a right-to-left page in Arabic', async () => {
  const page = await h.open(`/rooms/${ROOM}`, person('layla', 'ليلى حسن'), { locale: 'ar-EG', viewport: { width: 1280, height: 900 } });
  await page.waitForFunction(() => document.documentElement.dir === 'rtl');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'ar');
  await page.getByRole('button', { name: 'ارفع يدك', exact: true }).click();
  await text(page.locator('#mine'), 'في قائمة الانتظار');
  // The page mirrors: the queue column sits to the left of the floor.
  const floor = await page.locator('#floor').boundingBox();
  const queue = await page.locator('#queue-section').boundingBox();
  assert.ok(queue.x < floor.x, 'queue is on the left in right-to-left layout');
  await h.shot(page, 'participant-arabic');
  assert.deepEqual(page.errors, []);
});

test('the language selector switches the page and remembers the choice', async () => {
  const page = await h.open(`/rooms/${ROOM}`, person('pierre', 'Pierre Martin', { gender: 'man' }));
  await page.getByRole('button', { name: 'Raise hand', exact: true }).waitFor();
  await page.getByLabel('Language', { exact: true }).selectOption('fr');
  await page.getByRole('button', { name: 'Lever la main', exact: true }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
  await page.reload();
  await page.getByRole('button', { name: 'Lever la main', exact: true }).waitFor();
  for (const [lang, label] of [['es', 'Levantar la mano'], ['pt', 'Levantar a mão'], ['en', 'Raise hand']]) {
    await page.getByLabel(/^(Langue|Idioma|Language)$/).selectOption(lang);
    await page.getByRole('button', { name: label, exact: true }).waitFor();
  }
});

test('a bad token, an expired token, a missing token and an unknown room each say what is wrong', async () => {
  const bad = await h.open(`/rooms/${ROOM}`, 'not-a-token');
  await text(bad.locator('main'), 'This access token is not valid');
  await bad.getByRole('link', { name: 'Enter an access token' }).waitFor();
  await h.shot(bad, 'error-bad-token');

  const short = person('late', 'Late Comer', { ttl: '1s' });
  await new Promise((r) => setTimeout(r, 1500));
  const expired = await h.open(`/rooms/${ROOM}`, short);
  await text(expired.locator('main'), 'Your access token has expired');

  const none = await h.open(`/rooms/${ROOM}/display`, null);
  await text(none.locator('main'), 'You need an access link or token');

  const ghost = h.token({ room: 'ghost', sub: 'g', name: 'Ghost' });
  const missing = await h.open('/rooms/ghost', ghost);
  await text(missing.locator('main'), 'There is no room called “ghost”');

  const join = await h.open('/', 'abc.def');
  await text(join.getByRole('alert'), 'This is not a Parley access token');
  await h.shot(join, 'join-error');
  const expiredJoin = await h.open('/', short);
  await text(expiredJoin.getByRole('alert'), 'This token expired on');
});

test('a lost connection is announced, and the page catches up when it is back', async () => {
  const page = await h.open(`/rooms/${ROOM}/chair`, chair);
  await page.getByRole('button', { name: 'Call next speaker', exact: true }).waitFor();
  await h.stopServer();
  await text(page.locator('#conn'), 'Connection lost — reconnecting…');
  await h.shot(page, 'chair-connection-lost');
  await h.restartServer();
  await text(page.locator('#conn'), 'Reconnected', 20_000);
  // What happened while it was back but before it resumed arrives too.
  await h.api('POST', `/api/v1/rooms/${ROOM}/commands`, chair, { type: 'set_agenda_item', title: 'Accountability' });
  await text(page.locator('#agenda'), 'Accountability');
});

test('the display warns near the end and shows the overrun', async () => {
  const display = await h.open(`/rooms/${ROOM}/display`, h.token({ room: ROOM, role: 'observer', sub: 'screen', name: 'Screen' }),
    { viewport: { width: 1920, height: 1080 } });
  const cmd = (c) => h.api('POST', `/api/v1/rooms/${ROOM}/commands`, chair, c);
  await cmd({ type: 'set_time_limit', seconds: 20 });
  await h.api('POST', `/api/v1/rooms/${ROOM}/commands`, person('sam', 'Sam Lee'), { type: 'raise_hand' });
  await cmd({ type: 'call_next' });
  const box = display.locator('#now .clock-box');
  await display.locator('#now .clock-box[data-phase="warn"]').waitFor();
  await text(box.locator('.clock-label'), 'Time almost up');
  await h.shot(display, 'display-warning');
  await cmd({ type: 'set_time_limit', seconds: 1 });
  await h.api('POST', `/api/v1/rooms/${ROOM}/commands`, person('kofi', 'Kofi Mensah', { region: 'africa' }), { type: 'raise_hand' });
  await cmd({ type: 'call_next' });
  await display.locator('#now .clock-box[data-phase="over"]').waitFor();
  await text(box.locator('.clock'), /^\+0:0[1-9]$/);
  await text(box.locator('.clock-label'), 'Over time');
  await h.shot(display, 'display-overrun');
});

test('the participant page fits a 375 px phone', async () => {
  const page = await h.open(`/rooms/${ROOM}`, person('ana', 'Ana Lima', { gender: 'woman' }), { viewport: { width: 375, height: 812 } });
  await page.getByRole('button', { name: 'Raise hand', exact: true }).click();
  await text(page.locator('#mine'), 'in the queue');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, 'nothing is wider than the screen');
  await h.shot(page, 'participant-phone');
});
