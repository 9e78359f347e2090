// A regional hub behind its own relay: the hub console and a member's
// phone are served by `parley relay` on the hub's network, not by the main
// server. The console hears the plenary through the relay, a member asks
// the hub on her phone, the console forwards her, the chair (on the main
// server) sees "Nairobi hub — Amina Diallo" and calls her, and a remote
// participant on the main server hears the hub's microphone, which the
// console publishes to the relay and the relay sends upstream, while the
// hub holds the floor. When the relay loses the main server, the hub's
// pages say so and since when.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { axe, Harness, text } from './harness.mjs';
import { grows, openVenue, quiet } from './media-pages.mjs';

const ROOM = 'plenary';
const PHONE = { width: 390, height: 844 };
const VENUE = 0; // the venue's m-line on a listening page
const FLOOR = 1; // the floor track's
const h = new Harness();
const pages = {};
let tokens;
let relay;

before(async () => {
  await h.start({ media: true });
  tokens = {
    chair: h.token({ room: ROOM, role: 'chair', sub: 'chair', name: 'Chair Ana', group: 'government', region: 'latin-america-caribbean' }),
    hub: h.token({ room: ROOM, role: 'hub', sub: 'hub-nbo', name: 'Nairobi hub', hub: 'nbo', 'hub-name': 'Nairobi hub' }),
    venue: h.token({ room: ROOM, role: 'venue', sub: 'hall', name: 'Hall' }),
    remote: h.token({ room: ROOM, sub: 'lena', name: 'Lena Petrova', group: 'technical-community', region: 'eastern-europe' }),
  };
  await h.createRoom(ROOM, 'NETmundial follow-up plenary', tokens.chair);
  await openVenue(h, ROOM, tokens.venue, tokens.chair);
  relay = await h.startRelay(tokens.hub);
  // The relay's own tokens: its coordinator and a member on her phone.
  tokens.console = h.relayToken({ room: ROOM, role: 'hub', sub: 'coordinator', name: 'Nairobi coordinator', hub: 'nbo' });
  tokens.amina = h.relayToken({ room: ROOM, sub: 'amina', name: 'Amina Diallo', group: 'civil-society', region: 'africa', gender: 'woman', hub: 'nbo' });
});

after(() => h.stop());

test('the relay serves the hub console and the member\'s phone, and the console hears the plenary through it', async () => {
  pages.hub = await h.open('/', tokens.console, { origin: relay });
  await pages.hub.waitForURL((url) => url.origin === relay && url.pathname === `/rooms/${ROOM}/hub`);
  pages.amina = await h.open('/', tokens.amina, { origin: relay, viewport: PHONE });
  await pages.amina.waitForURL((url) => url.origin === relay && url.pathname === `/rooms/${ROOM}/hub`);
  pages.chair = await h.open(`/rooms/${ROOM}/chair`, tokens.chair);
  pages.remote = await h.open(`/rooms/${ROOM}`, tokens.remote);
  await text(pages.hub.locator('#hub-role'), 'Hub console');
  await text(pages.hub.locator('#hub-name'), 'Nairobi hub');
  await text(pages.hub.locator('#listen-status'), 'Listening to the plenary');
  await grows(pages.hub, VENUE, 'the console hears the venue through the relay');
  await text(pages.amina.locator('#member'), 'You are not in the queue.');
  await text(pages.remote.locator('#listen-status'), 'Listening to the plenary');
  // Everything the hub's pages asked for came from the relay.
  for (const p of [pages.hub, pages.amina]) {
    const elsewhere = p.requests.filter((u) => !u.startsWith(relay));
    assert.deepEqual(elsewhere, [], 'requests of a hub page that did not go to the relay');
  }
  const status = await (await fetch(`${relay}/api/v1/relay`)).json();
  assert.equal(status.up, true);
  assert.equal(status.connections, 1);
});

test('a member asks the hub through the relay, the console forwards, the chair calls the hub and the plenary hears it', async () => {
  const { hub, amina, chair, remote } = pages;
  await amina.getByRole('button', { name: 'Ask the hub for the floor', exact: true }).click();
  await text(amina.locator('#member'), 'You are 1st on the list of Nairobi hub');
  await h.shot(amina, 'relay-member-phone');

  const item = hub.locator('#hub-list > li');
  await text(item, 'Amina Diallo');
  await text(item, 'Civil society · Africa');
  assert.doesNotMatch(await item.innerText(), /Woman/);
  await h.shot(hub, 'relay-console-list');
  await hub.getByRole('button', { name: 'Forward to the plenary: Amina Diallo', exact: true }).click();
  await text(hub.locator('#plenary'), 'Nairobi hub — Amina Diallo');
  await text(amina.locator('#member'), 'Your hub forwarded your request: you are 1st in the plenary queue');
  await text(hub.locator('#mic-status'), 'Your microphone is ready');
  assert.equal(await quiet(remote, FLOOR, 'nobody hears the hub before it has the floor'), 0);

  const entry = chair.locator('#queue > tbody');
  await text(entry, 'Nairobi hub — Amina Diallo');
  await text(entry, 'Civil society');
  await text(entry, 'Africa');
  await h.shot(chair, 'relay-chair-queue');
  const snap = await h.snapshot(ROOM, tokens.chair);
  const cat = (dim, c) => snap.balance.dimensions[dim].find((x) => x.category === c);
  assert.equal(cat('mode', 'hub').requests, 1);
  assert.equal(cat('group', 'civil-society').requests, 1);
  assert.equal(cat('gender', 'woman').requests, 1);

  await chair.getByRole('button', { name: 'Call next speaker', exact: true }).click();
  await text(hub.locator('#floor'), 'Live: Nairobi hub has the floor');
  await text(hub.locator('#mic-status'), 'The plenary hears you now.');
  await grows(remote, FLOOR, 'a remote participant on the main server hears the hub through the relay');
  // The console's link figures are the relay's upstream link's: its own
  // microphone session ends at the relay, which sends no receiver reports.
  await hub.waitForFunction(() => /\d/.test(document.getElementById('link-rtt').textContent), null, { timeout: 20_000 });
  assert.match(await hub.locator('#link-loss').innerText(), /\d/);
  assert.match(await hub.locator('#link-jitter').innerText(), /\d/);
  await text(amina.locator('#floor'), 'You have the floor');
  await h.shot(hub, 'relay-console-live');
  await h.shot(amina, 'relay-member-live');
  const status = await (await fetch(`${relay}/api/v1/relay`)).json();
  assert.equal(status.speaking, true);

  await hub.getByRole('button', { name: 'End the hub\'s turn', exact: true }).click();
  await text(hub.locator('#floor'), 'Nobody has the floor.');
  await quiet(remote, FLOOR, 'the hub is no longer heard once its turn ends');
  for (const p of Object.values(pages)) assert.deepEqual(p.errors, []);
});

// The cut outlasts the pages' 15 s wait for an answer: a page behind a
// relay whose link is down waits for the link instead of giving up.
const CUT_MS = 17_000;

test('the hub\'s pages say when the relay\'s link to the plenary is down, and a hand raised meanwhile goes once it is back', async () => {
  const { hub, amina } = pages;
  await h.stopServer();
  await text(hub.locator('#link-state'), /The link to the plenary is down since \d/, 20_000);
  await text(amina.locator('#link-state'), 'The link to the plenary is down since');
  await amina.getByRole('button', { name: 'Ask the hub for the floor', exact: true }).click();
  await text(amina.locator('#link-state'), 'Waiting to be sent: 1.');
  await h.shot(amina, 'relay-member-link-down');
  await new Promise((resolve) => setTimeout(resolve, CUT_MS));
  assert.equal(await amina.locator('#alert').innerText(), '', 'the member\'s page gave up on her request during the cut');
  await h.restartServer();
  await text(hub.locator('#link-state'), 'The link to the plenary is back.', 30_000);
  await text(amina.locator('#member'), 'You are 1st on the list of Nairobi hub', 20_000);
  await text(hub.locator('#hub-list > li'), 'Amina Diallo');
  assert.equal(await amina.locator('#alert').innerText(), '');
  assert.equal((await h.snapshot(ROOM, tokens.chair)).hub_queue.length, 1, 'her hand reached the plenary once');
});

test('the hub\'s pages served by the relay pass axe\'s WCAG 2.1 AA rules', async () => {
  for (const locale of ['en-GB', 'ar']) {
    for (const [who, ready, viewport] of [['console', '#hub-list > li', undefined], ['amina', '.my-request', PHONE]]) {
      const page = await h.open(`/rooms/${ROOM}/hub`, tokens[who], { origin: relay, locale, viewport, bypassCSP: true });
      await page.locator(ready).first().waitFor().catch(async (err) => {
        await h.shot(page, `relay-${who}-failed`);
        throw new Error(`${err.message}\n${page.errors.join('\n')}`);
      });
      assert.deepEqual(await axe(page), [], `${who} in ${locale} via the relay`);
      if (locale === 'ar') await h.shot(page, `relay-${who}-ar`);
      await page.context().close();
    }
  }
  const display = await h.open(`/rooms/${ROOM}/display`, h.relayToken({ room: ROOM, role: 'observer', sub: 'projector', name: 'Projector' }), { origin: relay, bypassCSP: true });
  await text(display.locator('#now-body'), 'Nobody');
  assert.deepEqual(await axe(display), [], 'the display via the relay');
  await h.shot(display, 'relay-display');
  assert.deepEqual(display.errors, []);
});
