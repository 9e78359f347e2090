// What the floor must mean on the chair's page: a double click on "Call
// next speaker" calls one speaker, skip passes a request over once and
// keeps it, remove takes it out with a reason, and the live balance counts
// the turn in progress.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Harness, text } from './harness.mjs';

const ROOM = 'floor';
const h = new Harness();
const tokens = {};
let chair;

before(async () => {
  await h.start();
  tokens.chair = h.token({ room: ROOM, role: 'chair', sub: 'chair', name: 'Chair Ana', group: 'government' });
  for (const [sub, name, group] of [['amina', 'Amina Diallo', 'civil-society'], ['carlos', 'Carlos Souza', 'government'], ['mei', 'Mei Tanaka', 'academia']]) {
    tokens[sub] = h.token({ room: ROOM, sub, name, group, gender: sub === 'carlos' ? 'Male' : 'Female' });
  }
  await h.api('POST', '/api/v1/rooms', tokens.chair, { id: ROOM, title: 'Floor', policy: { kind: 'fifo' } });
  for (const sub of ['amina', 'carlos', 'mei']) {
    await h.api('POST', `/api/v1/rooms/${ROOM}/commands`, tokens[sub], { type: 'raise_hand' });
  }
  chair = await h.open(`/rooms/${ROOM}/chair`, tokens.chair);
  await text(chair.locator('#queue'), 'Mei Tanaka');
});

after(() => h.stop());

test('a double click on Call next gives the floor to one speaker', async () => {
  const button = chair.getByRole('button', { name: 'Call next speaker', exact: true });
  const centre = async () => {
    const box = await button.boundingBox();
    return [box.x + box.width / 2, box.y + box.height / 2];
  };
  await chair.mouse.click(...await centre());
  // The worst case: the first click is answered and the screen already
  // shows the new speaker when the second click of the double click lands.
  await text(chair.locator('#floor-body'), 'Amina Diallo');
  await chair.waitForFunction(() => !document.getElementById('call-next').dataset.busy);
  await chair.mouse.move(...await centre()); // the floor panel above has grown
  await chair.mouse.down({ clickCount: 2 });
  await chair.mouse.up({ clickCount: 2 });
  await text(chair.getByRole('alert'), 'The room changed before your action arrived');
  const snap = await h.snapshot(ROOM, tokens.chair);
  assert.equal(snap.floor.sub, 'amina');
  assert.deepEqual(snap.queue.map((e) => e.sub), ['carlos', 'mei']);
  assert.deepEqual(chair.errors, []);
});

test('skip passes a request over once and keeps it; remove takes it out', async () => {
  const entry = (name) => chair.locator('#queue > tbody', { hasText: name });
  await chair.getByRole('button', { name: 'Skip Carlos Souza', exact: true }).click();
  await entry('Carlos Souza').getByLabel('Reason (goes in the record)').fill('Stepped out');
  await chair.getByRole('button', { name: 'Skip this request', exact: true }).click();
  await text(chair.locator('#queue'), 'passed over once by the chair: Stepped out');
  await text(chair.locator('#log'), 'passed over Carlos Souza once');
  let snap = await h.snapshot(ROOM, tokens.chair);
  assert.deepEqual(snap.queue.map((e) => e.sub), ['mei', 'carlos']);

  await chair.getByRole('button', { name: 'Remove Mei Tanaka', exact: true }).click();
  await entry('Mei Tanaka').getByLabel('Reason (goes in the record)').fill('Left the meeting');
  await chair.getByRole('button', { name: 'Remove from the queue', exact: true }).click();
  await text(chair.locator('#log'), 'removed the request of Mei Tanaka');
  snap = await h.snapshot(ROOM, tokens.chair);
  assert.deepEqual(snap.queue.map((e) => e.sub), ['carlos']);
  assert.deepEqual(chair.errors, []);
});

test('the balance counts the turn in progress, second by second', async () => {
  const balance = await h.open(`/rooms/${ROOM}/balance`, tokens.chair);
  const total = balance.locator('#totals .total-value').nth(2);
  await total.waitFor();
  const first = await total.textContent();
  // No event happens meanwhile: the figure moves with the turn alone.
  await balance.waitForFunction((before) => document.querySelectorAll('#totals .total-value')[2].textContent !== before, first);
  await text(balance.locator('#charts'), 'Stakeholder group');
  assert.deepEqual(balance.errors, []);
});
