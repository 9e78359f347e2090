// The plenary through the pages, in Chromium with a fake microphone: a
// venue publishes over WHIP, a participant's page plays it as it loads;
// the next speaker's microphone connects early, the chair sees "audio
// ready", and nobody hears it until the floor is theirs; then another
// participant's page hears them, and stops hearing them when the floor
// passes.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Harness, text } from './harness.mjs';
import { bytes, grows, openVenue, publishers, quiet, until } from './media-pages.mjs';

const ROOM = 'plenary';
const VENUE = 0; // the venue feed's m-line on a participant page
const FLOOR = 1; // the floor track's
const h = new Harness();
const tokens = {};
let venue, bruno, amina, chair;

before(async () => {
  await h.start({ media: true });
  tokens.chair = h.token({ room: ROOM, role: 'chair', sub: 'chair', name: 'Chair Ana', group: 'government' });
  tokens.venue = h.token({ room: ROOM, role: 'venue', sub: 'hall', name: 'Hall' });
  tokens.amina = h.token({ room: ROOM, sub: 'amina', name: 'Amina Diallo', group: 'civil-society', region: 'africa' });
  tokens.bruno = h.token({ room: ROOM, sub: 'bruno', name: 'Bruno Costa', group: 'academia', region: 'latin-america-caribbean' });
  await h.api('POST', '/api/v1/rooms', tokens.chair, { id: ROOM, title: 'Plenary', policy: { kind: 'fifo' } });
  venue = await openVenue(h, ROOM, tokens.venue, tokens.chair);
});

after(() => h.stop());

test('a participant page plays the plenary as it loads', async () => {
  bruno = await h.open(`/rooms/${ROOM}`, tokens.bruno);
  await text(bruno.locator('#listen-status'), 'Listening to the plenary');
  await grows(bruno, VENUE, 'the venue feed plays on the participant page');
  assert.equal(await bruno.evaluate(() => document.getElementById('plenary-audio').paused), false);
  assert.equal(await bytes(bruno, FLOOR), 0, 'nobody holds the floor: the floor track is silent');
  await bruno.getByRole('button', { name: 'Stop listening' }).waitFor();
  await h.shot(bruno, 'media-listening');
  assert.deepEqual(bruno.errors, []);
});

test('the next speaker connects early: the chair sees audio ready, nobody hears it', async () => {
  chair = await h.open(`/rooms/${ROOM}/chair`, tokens.chair);
  await text(chair.locator('#venue-feed'), 'Venue feed: on air');
  amina = await h.open(`/rooms/${ROOM}`, tokens.amina);
  await text(amina.locator('#listen-status'), 'Listening to the plenary');
  await amina.getByRole('button', { name: 'Raise hand' }).click();
  await text(amina.locator('#mic-status'), 'Your microphone is ready');
  const entry = chair.locator('#queue > tbody', { hasText: 'Amina Diallo' });
  await text(entry, 'Audio ready');
  // The gate holds her back: the other page's floor track stays silent.
  assert.equal(await quiet(bruno, FLOOR, 'the floor track stays silent before the floor is given'), 0);
  await h.shot(amina, 'media-mic-ready');
  await h.shot(chair, 'media-chair-ready');
  assert.deepEqual([...amina.errors, ...chair.errors], []);
});

test('the speaker given the floor is live and heard; when the floor passes, no longer', async () => {
  await chair.getByRole('button', { name: 'Call next speaker', exact: true }).click();
  await text(amina.getByRole('heading', { level: 2 }), 'You are live');
  await text(amina.locator('#announcer'), 'You are live');
  await grows(bruno, FLOOR, 'the other participant hears the speaker');
  // The fake microphone beeps: the meter moves.
  await amina.waitForFunction(() => document.getElementById('mic-level').value > 0.2);
  await text(chair.locator('#floor-body'), 'On air');
  await h.shot(amina, 'media-live');
  await h.shot(chair, 'media-chair-live');

  await amina.getByRole('button', { name: 'End my turn' }).click();
  await amina.locator('#mic').waitFor({ state: 'hidden' });
  await until(async () => (await publishers(h, ROOM, tokens.chair)).every((p) => p.kind === 'venue'), 'the speaker\'s session is deleted');
  await quiet(bruno, FLOOR, 'the floor track goes silent once the floor passes');
  await grows(bruno, VENUE, 'the venue feed plays on');
  assert.deepEqual([...amina.errors, ...bruno.errors, ...chair.errors], []);
});

test('a page that loses its session listens again by itself', async () => {
  await h.stopServer();
  await text(bruno.locator('#listen-status'), 'reconnecting');
  await h.restartServer();
  venue = await openVenue(h, ROOM, tokens.venue, tokens.chair);
  await text(bruno.locator('#listen-status'), 'Listening to the plenary', 60_000);
  await grows(bruno, VENUE, 'the venue feed plays again');
});
