// Being called cannot be missed: when a participant is next and when they
// get the floor, the tab's title and icon change, a chime plays (unless
// turned off, which is remembered), the phone vibrates, a system
// notification shows while the tab is hidden, and screen readers hear it.
// Notification permission is asked at hand-raise, never on load. The page
// also says how long the wait may be, and how the meeting counts you,
// delegation and country included, which the other pages show too.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Harness, text } from './harness.mjs';

const ROOM = 'wsis';
const h = new Harness();
let chair;
const cmd = (token, c) => h.api('POST', `/api/v1/rooms/${ROOM}/commands`, token, c);

before(async () => {
  await h.start();
  chair = h.token({ room: ROOM, role: 'chair', sub: 'chair', name: 'Chair' });
  await h.createRoom(ROOM, 'WSIS forum', chair);
  await cmd(chair, { type: 'set_policy', policy: { kind: 'fifo' } });
});

after(() => h.stop());

// spies records, in the page, what the page asks of the browser: the
// notification permission, notifications, vibrations and chime notes; and
// lets the test say whether the tab is hidden.
function spies() {
  const calls = { permission: 0, notifications: [], vibrations: [], notes: 0 };
  window.calls = calls;
  const Real = window.Notification;
  const ask = Real.requestPermission.bind(Real);
  Real.requestPermission = (...args) => {
    calls.permission++;
    return ask(...args);
  };
  window.Notification = new Proxy(Real, {
    construct(target, args) {
      calls.notifications.push(args[0]);
      return Reflect.construct(target, args);
    },
    get: (target, prop) => Reflect.get(target, prop),
  });
  navigator.vibrate = (pattern) => {
    calls.vibrations.push(pattern);
    return true;
  };
  const osc = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function createOscillator() {
    calls.notes++;
    return osc.call(this);
  };
  Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => Boolean(window.tabHidden) });
}

const calls = (page) => page.evaluate(() => window.calls);
const icon = (page) => page.evaluate(() => document.querySelector('link[rel="icon"]').href);

test('a participant cannot miss being next and being given the floor', async () => {
  const tom = h.token({ room: ROOM, sub: 'tom', name: 'Tom Okafor', group: 'private-sector', region: 'africa', country: 'NG' });
  await cmd(tom, { type: 'raise_hand' });
  const aminaToken = h.token({
    room: ROOM, sub: 'amina', name: 'Amina Diallo', group: 'civil-society', region: 'africa', gender: 'woman',
    country: 'SN', delegation: 'Enda Tiers Monde',
  });
  const amina = await h.open(`/rooms/${ROOM}`, aminaToken, { init: spies });
  const raise = amina.getByRole('button', { name: 'Raise hand', exact: true });
  await raise.waitFor();
  await text(amina.locator('#mine-who'), 'The meeting counts you as: Enda Tiers Monde · Senegal · Civil society · Africa · Woman · Remote');
  await text(amina.locator('#queue'), 'Tom Okafor');
  await text(amina.locator('#queue'), 'Nigeria · Private sector · Africa · Remote');
  assert.equal((await calls(amina)).permission, 0, 'no permission is asked on load');
  assert.equal(await amina.title(), 'WSIS forum — Parley — participant');
  const plainIcon = await icon(amina);

  await amina.context().grantPermissions(['notifications'], { origin: h.base });
  await raise.click();
  await text(amina.locator('#mine'), 'You are 2nd in the queue');
  assert.equal((await calls(amina)).permission, 1, 'permission is asked once, at hand-raise');
  // No one has spoken yet: one turn of the time limit (2 minutes) ahead.
  await text(amina.locator('.my-wait'), 'Estimated wait: about 2 minutes, 1 speaker ahead.');
  assert.deepEqual((await calls(amina)).vibrations, [], 'nothing signalled before being next');

  // Tom gets the floor: Amina is next.
  await cmd(chair, { type: 'call_next' });
  await text(amina.locator('#call-announcer'), 'You are next. Get ready to speak.');
  await amina.waitForFunction(() => document.title.startsWith('You are next — WSIS forum'));
  assert.notEqual(await icon(amina), plainIcon);
  assert.match(await icon(amina), /^data:image\/svg\+xml,/);
  await text(amina.locator('.my-wait'), 'Estimated wait: about 2 minutes, nobody ahead of you.');
  let seen = await calls(amina);
  assert.deepEqual(seen.vibrations, [[150]]);
  assert.equal(seen.notes, 2, 'a two-note chime');
  assert.deepEqual(seen.notifications, [], 'no notification while the tab is in view');
  await amina.locator('.my-request.is-next').waitFor();
  await h.shot(amina, 'participant-call-next');

  // The tab goes to the background; the floor passes to Amina.
  await amina.evaluate(() => {
    window.tabHidden = true;
  });
  await cmd(chair, { type: 'call_next' });
  await text(amina.locator('#call-announcer'), 'You have the floor. Please speak now.');
  await amina.waitForFunction(() => document.title.startsWith('You have the floor — WSIS forum'));
  seen = await calls(amina);
  assert.deepEqual(seen.notifications, ['You have the floor. Please speak now.']);
  assert.deepEqual(seen.vibrations, [[150], [250, 120, 250]]);
  assert.equal(seen.notes, 5, 'then a three-note chime');
  await h.shot(amina, 'participant-call-floor');

  // The others see her delegation and country beside her name.
  const tomPage = await h.open(`/rooms/${ROOM}`, tom);
  await text(tomPage.locator('#floor'), 'Enda Tiers Monde · Senegal · Civil society · Africa · Remote');
  const display = await h.open(`/rooms/${ROOM}/display`, chair);
  await text(display.locator('#now'), 'Enda Tiers Monde · Senegal');

  // The sound turned off stays off on this device; the rest still signals.
  await amina.evaluate(() => {
    window.tabHidden = false;
  });
  await amina.getByLabel('Play a sound when I am next and when I get the floor').uncheck();
  await amina.reload();
  await amina.getByRole('button', { name: 'End my turn', exact: true }).click();
  assert.equal(await amina.getByLabel('Play a sound when I am next and when I get the floor').isChecked(), false);
  await amina.waitForFunction(() => document.title === 'WSIS forum — Parley — participant');
  assert.equal(await icon(amina), plainIcon);
  await amina.getByRole('button', { name: 'Raise hand', exact: true }).click();
  await text(amina.locator('#call-announcer'), 'You are next. Get ready to speak.');
  seen = await calls(amina);
  assert.deepEqual(seen.vibrations, [[150]], 'vibrates when next again');
  assert.equal(seen.notes, 0, 'but plays no sound');
  assert.deepEqual(amina.errors, []);
});

// waitSaid waits for the estimate to read want, bar the Unicode isolates
// around the parts of an Arabic sentence.
const waitSaid = (page, want) => page.waitForFunction(
  (w) => document.querySelector('.my-wait')?.textContent.replace(/[\u2068\u2069]/g, '') === w, want, { timeout: 10_000 });

test('the wait is estimated from each speaker\'s turns so far, and said in Arabic too', async () => {
  const room = 'estimate';
  const chair = h.token({ room, role: 'chair', sub: 'chair', name: 'Chair' });
  await h.createRoom(room, 'Estimate', chair);
  const c = (token, body) => h.api('POST', `/api/v1/rooms/${room}/commands`, token, body);
  await c(chair, { type: 'set_policy', policy: { kind: 'fifo' } });
  const who = (sub, extra = {}) => h.token({ room, sub, name: sub, group: 'academia', region: 'asia-pacific', ...extra });
  await c(chair, { type: 'set_time_limit', seconds: 600 });
  for (const sub of ['a1', 'a2', 'a3']) await c(who(sub), { type: 'raise_hand' });
  const layla = who('layla', { name: 'ليلى حسن' });
  await c(layla, { type: 'raise_hand' });
  const page = await h.open(`/rooms/${room}`, layla, { locale: 'ar' });
  // Nobody has finished a turn: each of the three ahead counts the two
  // minutes the queue plans with, whatever the limit.
  await waitSaid(page, 'الانتظار المقدَّر: نحو 6 دقائق، 3 متحدثين قبلك.');
  const snap = await h.snapshot(room, chair);
  assert.deepEqual(snap.queue.map((e) => e.expected_s), [120, 120, 120, 120]);
  // A turn of a few seconds brings the room's average, and so what those
  // who have not spoken are expected to take, down.
  await c(chair, { type: 'call_next' });
  await c(chair, { type: 'release' });
  await waitSaid(page, 'الانتظار المقدَّر: أقل من دقيقة، متحدثان قبلك.');
  // Each speaker ahead counts their own expected turn, not the room's.
  const own = await page.evaluate(async () => {
    const { estimateWait } = await import('/static/js/participant-wait.js');
    const queue = [{ position: 1, expected_s: 300 }, { position: 2, expected_s: 45 }, { position: 3, expected_s: 120 }];
    return estimateWait({ queue, floor: null }, 3, Date.now());
  });
  assert.deepEqual(own, { seconds: 345, ahead: 2 });
  await h.shot(page, 'participant-wait-arabic');
  assert.deepEqual(page.errors, []);
});
