// A regional hub: a member asks for the floor from a phone, the hub
// console forwards her to the plenary, the chair sees "Nairobi hub — Amina
// Diallo" with her own categories and calls her; the console is live, its
// microphone (the hub's) is heard on a remote participant's page, and it
// shows the link's round trip, loss and jitter.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { axe, Harness, text } from './harness.mjs';
import { grows, openVenue, quiet } from './media-pages.mjs';

const ROOM = 'plenary';
const PHONE = { width: 390, height: 844 };
const FLOOR = 1; // the floor track's m-line on a participant page
const h = new Harness();
const pages = {};
let tokens;

before(async () => {
  await h.start({ media: true });
  tokens = {
    chair: h.token({ room: ROOM, role: 'chair', sub: 'chair', name: 'Chair Ana', group: 'government', region: 'latin-america-caribbean' }),
    hub: h.token({ room: ROOM, role: 'hub', sub: 'hub-nbo', name: 'Nairobi coordinator', hub: 'nbo', 'hub-name': 'Nairobi hub' }),
    venue: h.token({ room: ROOM, role: 'venue', sub: 'hall', name: 'Hall' }),
    remote: h.token({ room: ROOM, sub: 'lena', name: 'Lena Petrova', group: 'technical-community', region: 'eastern-europe' }),
    amina: h.token({ room: ROOM, sub: 'amina', name: 'Amina Diallo', group: 'civil-society', region: 'africa', gender: 'woman', mode: 'in-room', hub: 'nbo', 'hub-name': 'Nairobi hub' }),
  };
  await h.createRoom(ROOM, 'NETmundial follow-up plenary', tokens.chair);
  await openVenue(h, ROOM, tokens.venue, tokens.chair);
});

after(() => h.stop());

test('the join page sends a hub coordinator and a hub member to the hub page', async () => {
  pages.hub = await h.open('/', tokens.hub);
  await pages.hub.waitForURL((url) => url.pathname === `/rooms/${ROOM}/hub`);
  pages.amina = await h.open('/', tokens.amina, { viewport: PHONE });
  await pages.amina.waitForURL((url) => url.pathname === `/rooms/${ROOM}/hub`);
  pages.chair = await h.open(`/rooms/${ROOM}/chair`, tokens.chair);
  pages.remote = await h.open(`/rooms/${ROOM}`, tokens.remote);
  await text(pages.hub.locator('#listen-status'), 'Listening to the plenary');
  await text(pages.remote.locator('#listen-status'), 'Listening to the plenary');
  await text(pages.hub.locator('#hub-role'), 'Hub console');
  await text(pages.hub.locator('#hub-name'), 'Nairobi hub');
  await text(pages.amina.locator('#member'), 'You are not in the queue.');
});

test('a member asks the hub, the console forwards, the chair calls the hub', async () => {
  const { hub, amina, chair, remote } = pages;
  await amina.getByLabel('Note for the chair (optional)').fill('On local content');
  await amina.getByRole('button', { name: 'Ask the hub for the floor', exact: true }).click();
  await text(amina.locator('#member'), 'You are 1st on the list of Nairobi hub');
  await h.shot(amina, 'hub-member-phone');

  const item = hub.locator('#hub-list > li');
  await text(item, 'Amina Diallo');
  await text(item, 'Civil society · Africa');
  // The coordinator is not the chair: her declared gender and her note to
  // the chair are not on the hub's screen.
  assert.doesNotMatch(await item.innerText(), /Woman|On local content/);
  await h.shot(hub, 'hub-console-list');
  await hub.getByRole('button', { name: 'Forward to the plenary: Amina Diallo', exact: true }).click();
  await text(hub.locator('#plenary'), 'Nairobi hub — Amina Diallo');
  await text(hub.locator('#list-count'), 'Nobody is waiting.');
  await text(amina.locator('#member'), 'Your hub forwarded your request: you are 1st in the plenary queue');
  // Next in the queue: the console's microphone connects, the gate holds it.
  await text(hub.locator('#mic-status'), 'Your microphone is ready');
  assert.equal(await quiet(remote, FLOOR, 'nobody hears the hub before it has the floor'), 0);

  const entry = chair.locator('#queue > tbody');
  await text(entry, 'Nairobi hub — Amina Diallo');
  await text(entry, 'Civil society');
  await text(entry, 'Africa');
  await text(entry, 'On local content');
  await h.shot(chair, 'hub-chair-queue');

  // The balance counts her with her own categories and mode hub.
  const snap = await h.snapshot(ROOM, tokens.chair);
  const cat = (dim, c) => snap.balance.dimensions[dim].find((x) => x.category === c);
  assert.equal(cat('mode', 'hub').requests, 1);
  assert.equal(cat('group', 'civil-society').requests, 1);
  assert.equal(snap.queue[0].hub_name, 'Nairobi hub');

  await chair.getByRole('button', { name: 'Call next speaker', exact: true }).click();
  await text(hub.locator('#floor'), 'Live: Nairobi hub has the floor');
  // The chair's floor panel names the hub beside her categories.
  await text(chair.locator('#floor'), 'Civil society · Africa · hub: Nairobi hub');
  await text(hub.locator('#floor'), 'Nairobi hub — Amina Diallo');
  await text(hub.locator('#mic-status'), 'The plenary hears you now.');
  await grows(remote, FLOOR, 'a remote participant hears the hub');
  // The server's receiver reports give the link's figures.
  await hub.waitForFunction(() => /\d/.test(document.getElementById('link-rtt').textContent), null, { timeout: 20_000 });
  assert.match(await hub.locator('#link-loss').innerText(), /\d/);
  assert.match(await hub.locator('#link-jitter').innerText(), /\d/);
  await text(amina.locator('#floor'), 'You have the floor');
  await text(amina.locator('#floor'), 'Speak now at the hub\'s microphone.');
  await text(amina.locator('#raise-help'), 'You hold the floor now.');
  await h.shot(hub, 'hub-console-live');
  await h.shot(amina, 'hub-member-live');

  await hub.getByRole('button', { name: 'End the hub\'s turn', exact: true }).click();
  await text(hub.locator('#floor'), 'Nobody has the floor.');
  await hub.locator('#mic').waitFor({ state: 'hidden' });
  await quiet(remote, FLOOR, 'the hub is no longer heard once its turn ends');
  for (const p of Object.values(pages)) assert.deepEqual(p.errors, []);
});

test('the hub console and the members\' view pass axe\'s WCAG 2.1 AA rules', async () => {
  await h.api('POST', `/api/v1/rooms/${ROOM}/commands`, tokens.amina, { type: 'hub_raise_hand' });
  for (const locale of ['en-GB', 'ar']) {
    for (const [who, ready, viewport] of [['hub', '#hub-list > li', undefined], ['amina', '.my-request', PHONE]]) {
      const page = await h.open(`/rooms/${ROOM}/hub`, tokens[who], { locale, viewport, bypassCSP: true });
      await page.locator(ready).first().waitFor().catch(async (err) => {
        await h.shot(page, `hub-${who}-failed`);
        throw new Error(`${err.message}\n${page.errors.join('\n')}`);
      });
      assert.deepEqual(await axe(page), [], `${who} in ${locale}`);
      if (locale === 'ar') await h.shot(page, `hub-${who}-ar`);
      await page.context().close();
    }
  }
});
