// Personal data by role in the browser: a participant's note to the chair
// and declared gender reach the chair and the participant, and no other
// page receives them.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Harness, text } from './harness.mjs';

const ROOM = 'consultation';
const NOTE = 'On data flows across borders';
const h = new Harness();
let tokens;

before(async () => {
  await h.start();
  tokens = {
    chair: h.token({ room: ROOM, role: 'chair', sub: 'chair', name: 'Chair' }),
    tom: h.token({ room: ROOM, sub: 'tom', name: 'Tom Okafor', group: 'private-sector', region: 'africa', gender: 'man' }),
    amina: h.token({ room: ROOM, sub: 'amina', name: 'Amina Diallo', group: 'civil-society', region: 'africa', gender: 'woman' }),
    screen: h.token({ room: ROOM, role: 'observer', sub: 'screen', name: 'Hall screen' }),
  };
  await h.createRoom(ROOM, 'Open consultation', tokens.chair);
});

after(() => h.stop());

test("a note reaches its writer and the chair, and neither it nor the writer's gender reaches anyone else", async () => {
  const amina = await h.open(`/rooms/${ROOM}`, tokens.amina);
  const screen = await h.open(`/rooms/${ROOM}/display`, tokens.screen);
  const chair = await h.open(`/rooms/${ROOM}/chair`, tokens.chair);
  const tom = await h.open(`/rooms/${ROOM}`, tokens.tom);
  await tom.getByLabel('Note for the chair (optional)').fill(NOTE);
  await tom.getByRole('button', { name: 'Raise hand', exact: true }).click();

  await text(tom.locator('.my-request'), NOTE);
  await text(chair.locator('#queue'), NOTE);
  await text(amina.locator('#queue'), 'Tom Okafor');
  await text(screen.locator('body'), 'Tom Okafor');

  // A page opened afterwards starts from the snapshot and still shows the
  // writer their own note.
  const again = await h.open(`/rooms/${ROOM}`, tokens.tom);
  await text(again.locator('.my-request'), NOTE);

  for (const [who, page] of [['amina', amina], ['the hall display', screen]]) {
    const leaks = page.received.filter((f) => f.includes(NOTE) || f.includes('"gender":"man"'));
    assert.deepEqual(leaks, [], `${who} received Tom's personal data`);
    assert.ok(!(await page.locator('body').innerText()).includes(NOTE), `${who}'s page shows the note`);
  }
  for (const page of [amina, screen, chair, tom, again]) assert.deepEqual(page.errors, []);
});
