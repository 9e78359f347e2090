// A refused command is said in the reader's language from its reason code
// and figures (params.reason), with no English left: here an agenda item
// set without a title, in French; and the API names a validation's reason
// and figures for pages to word.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Harness, text } from './harness.mjs';

const ROOM = 'refusals';
const h = new Harness();
let chair;

before(async () => {
  await h.start();
  chair = h.token({ room: ROOM, role: 'chair', sub: 'chair', name: 'Chair' });
  await h.createRoom(ROOM, 'Refusals in every language', chair);
});

after(() => h.stop());

test('the chair reads why a setting was refused, in French', async () => {
  const page = await h.open(`/rooms/${ROOM}/chair`, chair, { locale: 'fr-FR' });
  await page.waitForFunction(() => document.documentElement.lang === 'fr');
  await page.locator('#agenda-input').fill('   ');
  await page.locator('#agenda-form button[type="submit"], #agenda-form button').first().click();
  await text(page.locator('#alert'), "Donnez un titre au point de l'ordre du jour.");
  assert.equal(await page.locator('#alert [lang="en"], #alert[lang="en"]').count(), 0, 'no English beside it');
  assert.deepEqual(page.errors, []);
});

test('the API names the reason and its figures for pages to word', async () => {
  const res = await fetch(`${h.base}/api/v1/rooms/${ROOM}/commands`, {
    method: 'POST', headers: { Authorization: `Bearer ${chair}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: 'extend', seconds: 4000 }),
  });
  const { error } = await res.json();
  assert.equal(res.status, 400);
  assert.equal(error.params.reason, 'bad_seconds');
  assert.equal(error.params.max, 3600);
});
