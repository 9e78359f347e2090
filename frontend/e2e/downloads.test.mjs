// Downloads from the pages: the intervention record from the balance
// dashboard and each transcript export from the chair console are saved,
// and no request a page makes carries the token in its URL, where history,
// the downloads list and logs on the way would keep it.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { download, Harness } from './harness.mjs';

const ROOM = 'plenary';
const h = new Harness();
let chair;

before(async () => {
  await h.start();
  chair = h.token({ room: ROOM, role: 'chair', sub: 'chair', name: 'Chair' });
  const cart = h.token({ room: ROOM, role: 'captioner', sub: 'cart', name: 'CART writer' });
  const amina = h.token({ room: ROOM, sub: 'amina', name: 'Amina Diallo', group: 'civil-society', region: 'africa' });
  await h.createRoom(ROOM, 'Plenary', chair);
  await h.api('POST', `/api/v1/rooms/${ROOM}/commands`, amina, { type: 'raise_hand' });
  await h.api('POST', `/api/v1/rooms/${ROOM}/commands`, chair, { type: 'call_next' });
  await h.api('POST', `/api/v1/rooms/${ROOM}/commands`, chair, { type: 'release' });
  await h.postCaption(ROOM, cart, { lang: 'en', seq: 1, text: 'Civil society asks for a seat at the table.\n' });
});

after(() => h.stop());

function noTokenInURLs(page) {
  assert.ok(page.requests.length > 0, 'the page made requests');
  for (const url of page.requests) {
    assert.ok(!url.includes(chair) && !/access_token/.test(url), `a request URL carries the token: ${url.slice(0, 120)}`);
  }
}

test('the balance dashboard saves the intervention record as CSV and JSON', async () => {
  const page = await h.open(`/rooms/${ROOM}/balance`, chair);
  const csv = await download(page, page.getByRole('button', { name: 'Download interventions (CSV)' }));
  assert.equal(csv.name, `${ROOM}-interventions.csv`);
  assert.match(csv.text, /^start,end,duration_s,/);
  assert.match(csv.text, /Amina Diallo,civil-society,africa/);
  const json = await download(page, page.getByRole('button', { name: 'Download interventions (JSON)' }));
  assert.equal(json.name, `${ROOM}-interventions.json`);
  assert.equal(JSON.parse(json.text)[0].name, 'Amina Diallo');
  noTokenInURLs(page);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the chair console saves each transcript export', async () => {
  const page = await h.open(`/rooms/${ROOM}/chair`, chair);
  for (const [format, ext, start] of [['WebVTT', 'vtt', /^WEBVTT/], ['SRT', 'srt', /^1\r?\n00:/], ['Text', 'txt', /Civil society/]]) {
    const file = await download(page, page.getByRole('button', { name: `Download ${format}: English` }));
    assert.equal(file.name, `${ROOM}-en.${ext}`);
    assert.match(file.text, start);
    assert.match(file.text, /Civil society asks for\s+a seat at the table\./); // cues wrap
  }
  noTokenInURLs(page);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a download that fails says so in the alert region', async () => {
  const page = await h.open(`/rooms/${ROOM}/balance`, chair);
  const button = page.getByRole('button', { name: 'Download interventions (CSV)' });
  await button.waitFor();
  await h.stopServer();
  await button.click();
  await page.getByRole('alert').filter({ hasText: 'The download failed: check the connection and try again.' }).waitFor();
  await page.context().close();
});
