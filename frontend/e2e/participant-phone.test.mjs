// On a phone the transcript is one tap away: the participant page is three
// tabs (floor, transcript, queue) in a bar that stays in view; the floor's
// tab comes back by itself when you are given the floor. On a laptop all of
// it shows side by side, with no tabs. English and Arabic, 0 axe violations.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { axe, Harness, text } from './harness.mjs';

const ROOM = 'phone';
const h = new Harness();
let chair;
let captioner;
const cmd = (token, c) => h.api('POST', `/api/v1/rooms/${ROOM}/commands`, token, c);
const PHONE = { width: 375, height: 812 };

before(async () => {
  await h.start();
  chair = h.token({ room: ROOM, role: 'chair', sub: 'chair', name: 'Chair' });
  captioner = h.token({ room: ROOM, role: 'captioner', sub: 'cart', name: 'CART writer' });
  await h.createRoom(ROOM, 'IGF open forum', chair);
  const lines = Array.from({ length: 30 }, (_, i) => `Line ${i + 1} of what the floor says.`).join('\n');
  await h.postCaption(ROOM, captioner, { lang: 'floor', seq: 1, text: `${lines}\n` });
});

after(() => h.stop());

const person = (sub, name) => h.token({ room: ROOM, sub, name, group: 'academia', region: 'eastern-europe', country: 'PL' });

// inView reports whether the element's box is on screen, without scrolling.
const inView = (locator) => locator.evaluate((el) => {
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.top >= 0 && r.bottom <= innerHeight;
});

test('on a phone the transcript is one tap away, and the floor comes back when you are called', async () => {
  const zofia = person('zofia', 'Zofia Nowak');
  const page = await h.open(`/rooms/${ROOM}`, zofia, { viewport: PHONE, bypassCSP: true });
  const raise = page.getByRole('button', { name: 'Raise hand', exact: true });
  await raise.click();
  await text(page.locator('#mine'), 'You are 1st in the queue');
  const tabs = page.getByRole('tab');
  assert.deepEqual(await tabs.allTextContents(), ['Floor', 'Transcript', 'Queue']);
  assert.equal(await page.locator('#transcript').isVisible(), false, 'the transcript waits behind its tab');

  // Scrolled down the floor tab, the bar is still at the top: one tap.
  await page.mouse.wheel(0, 2000);
  assert.ok(await inView(page.getByRole('tab', { name: 'Transcript' })), 'the tab bar stays in view');
  await page.getByRole('tab', { name: 'Transcript' }).click();
  await text(page.locator('#tr-lines'), 'Line 30 of what the floor says.');
  assert.ok(await inView(page.locator('.tr-line').last()), 'the latest line is on screen');
  assert.equal(await page.locator('#mine').isVisible(), false);
  assert.equal(await page.getByRole('tabpanel').getAttribute('id'), 'transcript');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, 'nothing is wider than the screen');
  await h.shot(page, 'participant-phone-transcript');
  assert.deepEqual(await axe(page), []);

  // Arrow keys move between tabs, as in every tab bar.
  await page.getByRole('tab', { name: 'Transcript' }).focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getByRole('tab', { selected: true }).textContent(), 'Queue');
  await text(page.locator('#queue'), 'Zofia Nowak');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getByRole('tab', { selected: true }).textContent(), 'Floor');
  await page.getByRole('tab', { name: 'Transcript' }).click();

  // Called while reading the transcript: the floor's tab, with End my turn.
  await cmd(chair, { type: 'call_next' });
  await page.getByRole('button', { name: 'End my turn', exact: true }).waitFor();
  assert.equal(await page.getByRole('tab', { selected: true }).textContent(), 'Floor');
  await h.shot(page, 'participant-phone-floor');
  await cmd(chair, { type: 'release' });
  assert.deepEqual(page.errors, []);
});

test('the phone tabs read right to left in Arabic, and a laptop shows no tabs', async () => {
  const page = await h.open(`/rooms/${ROOM}`, person('omar', 'عمر خالد'), { viewport: PHONE, locale: 'ar', bypassCSP: true });
  await page.getByRole('tab', { name: 'النص المكتوب' }).click();
  await text(page.locator('#tr-lines'), 'Line 30');
  const [first, second] = await page.getByRole('tab').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().x));
  assert.ok(first > second, 'the first tab is on the right');
  await page.getByRole('tab', { name: 'النص المكتوب' }).focus();
  await page.keyboard.press('ArrowLeft'); // the next tab, to the left
  assert.equal(await page.getByRole('tab', { selected: true }).textContent(), 'قائمة الانتظار');
  await h.shot(page, 'participant-phone-arabic');
  assert.deepEqual(await axe(page), []);

  await page.setViewportSize({ width: 1280, height: 900 });
  await page.getByRole('tab').first().waitFor({ state: 'hidden' });
  for (const id of ['#transcript', '#queue-section', '#mine']) assert.ok(await page.locator(id).isVisible(), `${id} shows on a laptop`);
  assert.equal(await page.getByRole('tabpanel').count(), 0, 'no tab panels without tabs');
});
