// Accessibility: axe-core's WCAG 2.1 A and AA rules on every page, in a
// left-to-right and a right-to-left language, and keyboard-only use.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { axe, Harness, text } from './harness.mjs';

const ROOM = 'igf';
const h = new Harness();
let chair;
let speaker;
let waiting;
let captioner;

before(async () => {
  await h.start();
  chair = h.token({ room: ROOM, role: 'chair', sub: 'chair', name: 'Chair' });
  speaker = h.token({ room: ROOM, sub: 'nadia', name: 'Nadia Rahman', group: 'civil-society', region: 'asia-pacific', gender: 'woman' });
  waiting = h.token({ room: ROOM, sub: 'tom', name: 'Tom Okafor', group: 'private-sector', region: 'africa', gender: 'man', mode: 'in-room' });
  captioner = h.token({ room: ROOM, role: 'captioner', sub: 'cart', name: 'CART writer' });
  await h.createRoom(ROOM, 'IGF main session', chair);
  const cmd = (token, c) => h.api('POST', `/api/v1/rooms/${ROOM}/commands`, token, c);
  await cmd(speaker, { type: 'raise_hand' });
  await cmd(waiting, { type: 'raise_hand', note: 'On data flows' });
  await cmd(chair, { type: 'call_next' });
  // A transcript with finished lines and one still being written.
  const caption = (seq, text) => h.postCaption(ROOM, captioner, { lang: 'floor', seq, text });
  await caption(1, 'Thank you, Chair.\nCivil society asks for a seat at the table.\n');
  await caption(2, 'We propose');
});

after(() => h.stop());

for (const locale of ['en-GB', 'ar']) {
  test(`every page passes axe's WCAG 2.1 AA rules (${locale})`, async () => {
    const pages = [
      ['/', null, 'h1'],
      [`/rooms/${ROOM}`, () => speaker, '.floor-you'],
      [`/rooms/${ROOM}`, () => waiting, '.my-request'],
      [`/rooms/${ROOM}`, () => waiting, '.tr-line'],
      [`/rooms/${ROOM}/caption`, () => captioner, '.tr-fix'],
      [`/rooms/${ROOM}/chair`, () => chair, '.record-link'],
      [`/rooms/${ROOM}/display`, () => chair, '.caption-line'],
      [`/rooms/${ROOM}/balance`, () => chair, '.dim'],
    ];
    for (const [pathname, token, ready] of pages) {
      const page = await h.open(pathname, token?.(), { locale, bypassCSP: true });
      await page.locator(ready).first().waitFor();
      assert.deepEqual(await axe(page), [], `${pathname} in ${locale}`);
      await page.context().close();
    }
  });
}

// focused describes the focused element by its accessible name.
const focused = (page) => page.evaluate(() => {
  const el = document.activeElement;
  return el?.getAttribute('aria-label') || el?.labels?.[0]?.textContent.trim() || el?.textContent.trim();
});

test('a participant raises a hand with the keyboard alone, with focus always visible', async () => {
  const who = h.token({ room: ROOM, sub: 'kb', name: 'Keyboard User', group: 'academia', region: 'eastern-europe' });
  const page = await h.open(`/rooms/${ROOM}`, who);
  await page.getByRole('button', { name: 'Raise hand', exact: true }).waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'Skip to main content');
  const stops = [];
  for (let i = 0; i < 12 && (await focused(page)) !== 'Raise hand'; i++) {
    await page.keyboard.press('Tab');
    stops.push(await focused(page));
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', `focus is visible on ${stops.at(-1)}`);
  }
  // The plenary's sound has one button, named for what it will do.
  const sound = stops[1] === 'Listen' ? 'Listen' : 'Stop listening';
  assert.deepEqual(stops, ['Language', sound, 'Show video', 'Speak', 'Note for the chair (optional)', 'Raise hand']);
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('ArrowRight'); // radio group: Speak -> Point of order
  assert.equal(await focused(page), 'Point of order');
  await page.keyboard.press('Tab');
  await page.keyboard.type('The speaking time is not being kept');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await text(page.locator('#mine'), 'You are 1st in the queue (Point of order)');
  assert.equal(await focused(page), 'Raise hand', 'focus stays on the button');
  await h.shot(page, 'participant-keyboard');
});

test('the chair opens and cancels a reason form with the keyboard, and focus comes back', async () => {
  const page = await h.open(`/rooms/${ROOM}/chair`, chair);
  const skip = page.getByRole('button', { name: 'Skip Tom Okafor', exact: true });
  await skip.focus();
  await page.keyboard.press('Enter');
  assert.equal(await focused(page), 'Reason (goes in the record)');
  assert.equal(await skip.getAttribute('aria-expanded'), 'true');
  await page.keyboard.press('Escape');
  assert.equal(await focused(page), 'Skip Tom Okafor');
  assert.equal(await skip.getAttribute('aria-expanded'), 'false');

  // A reason is required; the form says so and keeps focus in the field.
  const move = page.getByRole('button', { name: 'Move Tom Okafor', exact: true });
  await move.focus();
  await page.keyboard.press('Enter');
  assert.equal(await focused(page), 'New position');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await text(page.locator('.field-error'), 'Give a reason');
  assert.equal(await focused(page), 'Reason (goes in the record)');
  await page.keyboard.type('Regional balance');
  await page.keyboard.press('Enter');
  await text(page.locator('#log'), 'moved Tom Okafor to position');

  // Pause and Resume are one button, so focus stays on it.
  const pause = page.getByRole('button', { name: 'Pause', exact: true });
  await pause.focus();
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Resume', exact: true }).waitFor();
  assert.equal(await focused(page), 'Resume');
  await text(page.locator('#floor .clock-label'), 'Paused');
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Pause', exact: true }).waitFor();
});

test('a captioner corrects a line with the keyboard alone, and focus comes back to it', async () => {
  const page = await h.open(`/rooms/${ROOM}/caption`, captioner);
  const line = page.getByRole('button', { name: 'Civil society asks for a seat at the table.' });
  await line.focus();
  await page.keyboard.press('Enter');
  assert.equal(await focused(page), 'Corrected text');
  await page.keyboard.press('Escape');
  assert.equal(await focused(page), 'Civil society asks for a seat at the table.');
  await page.keyboard.press('Enter');
  await page.keyboard.press('End');
  await page.keyboard.type(' Now.');
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: /at the table\. Now\./ }).waitFor();
  assert.match(await focused(page), /at the table\. Now\./);
  await text(page.locator('#announcer'), 'Correction saved.');
});
