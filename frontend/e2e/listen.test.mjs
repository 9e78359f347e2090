// Listening where the browser blocks autoplay: one clear Listen button
// starts the sound, by mouse or keyboard; Stop listening ends the session
// and Listen opens a new one. Someone in the hall is not played the
// plenary on their phone, and their microphone is never published: they
// speak into the hall's. A listener may choose an interpretation, and
// the page remembers it.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Harness, text } from './harness.mjs';
import { grows, openVenue, publishers, until } from './media-pages.mjs';

const ROOM = 'listen';
const h = new Harness();
const tokens = {};

before(async () => {
  await h.start({ media: true });
  tokens.chair = h.token({ room: ROOM, role: 'chair', sub: 'chair', name: 'Chair' });
  tokens.venue = h.token({ room: ROOM, role: 'venue', sub: 'hall', name: 'Hall' });
  tokens.remote = h.token({ room: ROOM, sub: 'lena', name: 'Lena Petrova', group: 'technical-community', region: 'eastern-europe' });
  tokens.booth = h.token({ room: ROOM, role: 'interpreter', sub: 'booth-fr', name: 'French booth', lang: 'fr' });
  tokens.inRoom = h.token({ room: ROOM, sub: 'omar', name: 'Omar Haddad', group: 'government', mode: 'in-room' });
  await h.createRoom(ROOM, 'Listen', tokens.chair);
  await openVenue(h, ROOM, tokens.venue, tokens.chair);
});

after(() => h.stop());

test('where autoplay is blocked, one Listen button starts the sound', async () => {
  // Chromium decides by heuristics (a stream that starts silent may play,
  // and Playwright's probes count as gestures), so the page gets the rule
  // of a browser that blocks: no sound before a click. Until the button
  // is pressed the page is not touched, only heard from as its state
  // changes.
  const states = [];
  const page = await h.open(`/rooms/${ROOM}`, tokens.remote, {
    expose: { listenState: (state) => states.push(state) },
    init: () => {
      let clicked = false; // sticky, as a browser's user activation is
      addEventListener('click', (e) => { clicked ||= e.isTrusted; }, true);
      const play = HTMLMediaElement.prototype.play;
      HTMLMediaElement.prototype.play = function () {
        if (!clicked) return Promise.reject(new DOMException('no gesture', 'NotAllowedError'));
        return play.call(this);
      };
      addEventListener('DOMContentLoaded', () => {
        const status = document.getElementById('listen-status');
        new MutationObserver(() => window.listenState(status.dataset.state)).observe(status, { attributes: true });
      });
    },
  });
  await until(() => states.includes('blocked'), 'the page is blocked from playing');
  await h.shot(page, 'media-listen-blocked');
  const listen = page.getByRole('button', { name: 'Listen', exact: true });
  await listen.focus();
  await page.keyboard.press('Enter');
  await text(page.locator('#listen-status'), 'Listening to the plenary');
  await grows(page, 0, 'the feed plays after the press');

  await page.getByRole('button', { name: 'Stop listening' }).click();
  await text(page.locator('#listen-status'), 'Sound off');
  assert.equal(await page.evaluate(() => window.peerConnections.at(-1).connectionState), 'closed');
  await page.getByRole('button', { name: 'Listen', exact: true }).click();
  await text(page.locator('#listen-status'), 'Listening to the plenary');
  await grows(page, 0, 'a new session plays');
  assert.deepEqual(page.errors, []);
});

test('someone in the hall gets the Listen button, and their microphone stays theirs', async () => {
  const page = await h.open(`/rooms/${ROOM}`, tokens.inRoom);
  await text(page.locator('#listen-status'), 'Sound off');
  await page.getByRole('button', { name: 'Raise hand' }).click();
  await text(page.locator('#mine'), 'You are 1st in the queue');
  await h.api('POST', `/api/v1/rooms/${ROOM}/commands`, tokens.chair, { type: 'call_next' });
  await text(page.locator('#floor'), 'You have the floor');
  assert.equal(await page.locator('#mic').isHidden(), true);
  await until(async () => (await publishers(h, ROOM, tokens.chair)).every((p) => p.kind === 'venue'), 'no microphone of theirs is published');
  assert.equal(await page.evaluate(() => window.peerConnections.length), 0);
  assert.deepEqual(page.errors, []);
});

test('a listener chooses an interpretation, and the page remembers it', async () => {
  await openVenue(h, ROOM, tokens.booth, tokens.chair, 'interpreter');
  const page = await h.open(`/rooms/${ROOM}`, tokens.remote);
  await text(page.locator('#listen-status'), 'Listening to the plenary');
  const select = page.getByLabel('Interpretation');
  await text(select, 'French');
  await select.selectOption('fr');
  await until(() => page.requests.some((u) => u.endsWith('/whep?lang=fr')), 'the page asks for the French interpretation');
  await text(page.locator('#listen-status'), 'Listening to the plenary');
  await grows(page, 0, 'the interpretation plays');
  await h.shot(page, 'media-interpretation');
  await page.reload();
  await text(page.locator('#listen-status'), 'Listening to the plenary');
  assert.equal(await page.getByLabel('Interpretation').inputValue(), 'fr');
  assert.equal(page.requests.filter((u) => u.includes('/whep')).at(-1).endsWith('/whep?lang=fr'), true);
  assert.deepEqual(page.errors, []);
});

test('video on request: the hall camera shows, and Audio only goes back to sound alone', async () => {
  await openVenue(h, ROOM, tokens.venue, tokens.chair, 'venue', { video: true });
  const page = await h.open(`/rooms/${ROOM}`, tokens.remote);
  await text(page.locator('#listen-status'), 'Listening to the plenary');
  await page.getByRole('button', { name: 'Show video' }).click();
  await page.locator('#venue-video').waitFor();
  await page.waitForFunction(() => document.getElementById('venue-video').videoWidth > 0);
  await grows(page, 2, 'the hall camera arrives', { lines: 4, n: 20_000 });
  await grows(page, 0, 'the sound plays on with the picture', { lines: 4 });
  await h.shot(page, 'media-video');
  await page.getByRole('button', { name: 'Audio only' }).click();
  await page.locator('#venue-video').waitFor({ state: 'hidden' });
  await grows(page, 0, 'sound alone again');
  assert.equal(await page.evaluate(() => window.peerConnections.at(-1).getTransceivers().length), 2);
  assert.deepEqual(page.errors, []);
});
