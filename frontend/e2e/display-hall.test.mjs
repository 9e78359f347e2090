// The hall display on the big screen: at 1280x720, 1920x1080 and 3840x2160
// an overrunning clock, a three-line name, a long agenda title and captions
// never overflow or push the timer off; badges (point of order, reply, hub)
// are big enough to read from the back of the hall; captions belong to the
// speaker; ?kiosk hides every control; the display comes back by itself
// after a network drop and after the server restarts. English and Arabic, 0 axe violations.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { axe, Harness, text } from './harness.mjs';

const ROOM = 'hall';
const h = new Harness();
let chair;
let screen;
let captioner;
let captionSeq = 0;
const cmd = (token, c) => h.api('POST', `/api/v1/rooms/${ROOM}/commands`, token, c);
const caption = (line) => h.postCaption(ROOM, captioner, { lang: 'floor', seq: ++captionSeq, text: `${line}\n` });
const SIZES = [[1280, 720], [1920, 1080], [3840, 2160]];
const LONG_NAME = 'Ambassador María Fernanda Espinosa Garcés';
const AGENDA = 'Item 4: Roadmap for the further evolution of the Internet governance ecosystem, '
  + 'including the role of multistakeholder bodies, capacity building and the digital divide';

before(async () => {
  await h.start();
  chair = h.token({ room: ROOM, role: 'chair', sub: 'chair', name: 'Chair' });
  screen = h.token({ room: ROOM, role: 'observer', sub: 'screen', name: 'Hall screen' });
  captioner = h.token({ room: ROOM, role: 'captioner', sub: 'cart', name: 'CART writer' });
  await h.createRoom(ROOM, 'NETmundial+10 high-level plenary on the future of Internet governance', chair);
  await cmd(chair, { type: 'set_policy', policy: { kind: 'fifo' } });
  await cmd(chair, { type: 'set_agenda_item', title: AGENDA });
});

after(() => h.stop());

// The worst case at once: a hub's point of order from a speaker with a
// three-line name, overrunning, with captions; a reply and a hub waiting.
async function worstCase() {
  const nairobi = h.token({
    room: ROOM, role: 'hub', sub: 'hub-nbo', name: LONG_NAME, group: 'government', region: 'latin-america-caribbean',
    hub: 'nbo', 'hub-name': 'Nairobi hub', country: 'EC',
  });
  await cmd(nairobi, { type: 'raise_hand', kind: 'point_of_order' });
  const tokens = [
    h.token({ room: ROOM, sub: 'kofi', name: 'Kofi Mensah', group: 'civil-society', region: 'africa', country: 'GH' }),
    h.token({ room: ROOM, role: 'hub', sub: 'hub-dac', name: 'Dhaka coordinator', group: 'academia', region: 'asia-pacific', hub: 'dac', 'hub-name': 'Dhaka hub' }),
  ];
  await cmd(tokens[0], { type: 'raise_hand', kind: 'reply' });
  await cmd(tokens[1], { type: 'raise_hand' });
  await cmd(chair, { type: 'set_time_limit', seconds: 1 });
  await cmd(chair, { type: 'call_next' });
  await caption('Thank you, Chair. On a point of order: the speakers list for this item was closed before the remote hubs could register.');
  await caption('We ask that the list be reopened for five minutes so that Nairobi, Dhaka and São Paulo can take part.');
}

// fits measures, in the page, that everything shows within the screen: no
// scrolling, every part inside the viewport, the clock clear of the
// captions, the name in full, and the widest overrun the clock can show
// inside the floor's column.
function fits() {
  const box = (sel) => document.querySelector(sel).getBoundingClientRect();
  const out = [];
  const d = document.documentElement;
  if (d.scrollHeight > innerHeight || d.scrollWidth > innerWidth) out.push(`page scrolls: ${d.scrollWidth}x${d.scrollHeight}`);
  for (const sel of ['.room-title', '#agenda', '.now-name', '.now-meta', '.now-badges', '#now .clock', '#now .clock-label', '#caption-lines', '#next']) {
    const r = box(sel);
    if (r.width === 0 || r.left < 0 || r.top < 0 || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5) {
      out.push(`${sel} is not within the screen: ${JSON.stringify(r)}`);
    }
  }
  const clock = box('#now .clock-box');
  const caps = box('#captions');
  if (clock.bottom > caps.top) out.push(`the clock runs into the captions (${clock.bottom} > ${caps.top})`);
  // The name's lines, as shown and as it would take unclipped.
  const name = document.querySelector('.now-name');
  const lineHeight = parseFloat(getComputedStyle(name).lineHeight);
  const whole = name.cloneNode(true);
  whole.style.webkitLineClamp = 'unset';
  whole.style.display = 'block';
  name.after(whole);
  const needed = Math.round(whole.getBoundingClientRect().height / lineHeight);
  whole.remove();
  const shown = Math.round(name.getBoundingClientRect().height / lineHeight);
  if (needed !== 3 || shown !== 3) out.push(`the name needs ${needed} lines and shows ${shown}, not 3`);
  const widest = document.querySelector('#now .clock').cloneNode();
  widest.textContent = '+88:88';
  document.querySelector('#now .clock-box').append(widest);
  const w = widest.getBoundingClientRect();
  const column = box('#now');
  if (w.left < column.left - 0.5 || w.right > column.right + 0.5) out.push(`"+88:88" leaves the floor's column: ${w.left}-${w.right} in ${column.left}-${column.right}`);
  widest.remove();
  for (const b of document.querySelectorAll('.display-page .badge')) {
    const px = parseFloat(getComputedStyle(b).fontSize);
    if (px < innerHeight / 30) out.push(`badge "${b.textContent}" is ${px}px on a ${innerHeight}px screen`);
  }
  return out;
}

test('the display holds at 720p, 1080p and 4K with the worst a plenary can give it', async () => {
  await worstCase();
  const page = await h.open(`/rooms/${ROOM}/display`, screen, { viewport: { width: 1920, height: 1080 }, bypassCSP: true });
  await page.locator('#now .clock-box[data-phase="over"]').waitFor();
  await text(page.locator('#caption-lines'), 'We ask that the list be reopened');
  await text(page.locator('.now-name'), `Nairobi hub — ${LONG_NAME}`);
  await text(page.locator('.now-badges'), 'Point of order');
  await text(page.locator('.now-badges'), 'Hub');
  await text(page.locator('.now-meta'), 'Ecuador · Government');
  await text(page.locator('#next'), 'Reply');
  await text(page.locator('#next'), 'Dhaka hub — Dhaka coordinator');
  for (const [width, height] of SIZES) {
    await page.setViewportSize({ width, height });
    await text(page.locator('#now .clock'), /^\+\d+:\d\d$/);
    await h.shot(page, `display-hall-${height}p`);
    assert.deepEqual(await page.evaluate(fits), [], `at ${width}x${height}`);
  }
  assert.deepEqual(await axe(page), []);
  assert.deepEqual(page.errors, []);
});

test('in Arabic the display mirrors and still holds', async () => {
  const page = await h.open(`/rooms/${ROOM}/display`, screen, { locale: 'ar', viewport: { width: 1920, height: 1080 }, bypassCSP: true });
  await page.locator('#now .clock-box[data-phase="over"]').waitFor();
  await text(page.locator('.now-badges'), 'نقطة نظام');
  assert.deepEqual(await page.evaluate(fits), []);
  const now = await page.locator('#now').boundingBox();
  const next = await page.locator('.next').boundingBox();
  assert.ok(now.x > next.x, 'the floor is on the right');
  await h.shot(page, 'display-hall-arabic');
  assert.deepEqual(await axe(page), []);
});

test('captions belong to the speaker: when the floor passes, the previous lines go', async () => {
  const page = await h.open(`/rooms/${ROOM}/display`, screen, { viewport: { width: 1920, height: 1080 } });
  const lines = page.locator('#caption-lines');
  await text(lines, 'We ask that the list be reopened');
  await cmd(chair, { type: 'call_next' }); // the reply
  await text(page.locator('.now-name'), 'Kofi Mensah');
  await page.locator('#captions').waitFor({ state: 'hidden' });
  assert.equal(await lines.locator('.caption-line').count(), 0, "the previous speaker's lines are gone");
  await caption('I would like to reply to the distinguished delegate of Ecuador.');
  await text(lines, 'I would like to reply');
  assert.equal(await lines.filter({ hasText: 'reopened' }).count(), 0);
  await h.shot(page, 'display-captions-next-speaker');
});

test('after a network drop the display catches up by itself', async () => {
  const page = await h.open(`/rooms/${ROOM}/display?kiosk`, screen, { viewport: { width: 1280, height: 720 } });
  await text(page.locator('#next'), 'Dhaka hub');
  const mei = h.token({ room: ROOM, sub: 'mei', name: 'Mei Tanaka', group: 'academia', region: 'asia-pacific', country: 'JP' });
  await page.context().setOffline(true);
  // A link that has gone quiet is found out by its pings, not at once.
  await text(page.locator('#conn'), 'Connection lost', 60_000);
  await cmd(mei, { type: 'raise_hand' });
  await page.context().setOffline(false);
  await text(page.locator('#next'), 'Mei Tanaka', 30_000);
  await text(page.locator('#next'), 'Japan · Academia');
});

test('a kiosk display shows no control, takes its language from the address, and comes back after a server restart', async () => {
  const page = await h.open(`/rooms/${ROOM}/display?kiosk&lang=fr`, screen, { viewport: { width: 1920, height: 1080 }, bypassCSP: true });
  await text(page.locator('#now-h'), 'Au micro');
  await page.locator('#lang').waitFor({ state: 'hidden' });
  const controls = await page.locator('button, select, input, textarea, a[href]').evaluateAll(
    (els) => els.filter((e) => e.getClientRects().length > 0).map((e) => e.outerHTML));
  assert.deepEqual(controls, [], 'nothing to press on a kiosk');
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).cursor), 'none');
  assert.deepEqual(await axe(page), []);
  await h.shot(page, 'display-kiosk');

  await h.stopServer();
  await text(page.locator('#conn'), /\S/, 20_000);
  await h.shot(page, 'display-kiosk-connection-lost');
  await h.restartServer();
  // What happens after the restart reaches the screen without anyone
  // touching it.
  await cmd(chair, { type: 'call_next' });
  await text(page.locator('.now-name'), 'Dhaka hub — Dhaka coordinator', 30_000);
  await page.waitForFunction(() => document.getElementById('conn').textContent === '', null, { timeout: 10_000 });
  assert.deepEqual(page.errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(e)), []);
});
