// The join page takes a whole pasted link (https://host/rooms/x/chair#token=…,
// even broken over lines by a mail program) as well as a bare token, and
// says so when a link carries no token. English and Arabic, 0 axe violations.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { axe, Harness, text } from './harness.mjs';

const ROOM = 'cgi';
const h = new Harness();
let chair;

before(async () => {
  await h.start();
  chair = h.token({ room: ROOM, role: 'chair', sub: 'chair', name: 'Chair' });
  await h.createRoom(ROOM, 'CGI.br plenary', chair);
});

after(() => h.stop());

async function paste(value, locale = 'en-GB') {
  const page = await h.open('/', null, { locale, bypassCSP: true });
  await page.locator('#token').fill(value);
  await page.locator('#token').press('Tab');
  await page.locator('button[type="submit"]').click();
  return page;
}

test('a whole link pasted opens the page its token is for, and leaves the token out of the address', async () => {
  const amina = h.token({ room: ROOM, sub: 'amina', name: 'Amina Diallo', group: 'civil-society', region: 'africa' });
  // The link's path says "chair", but the token is a participant's: the
  // token decides, as it does for a bare token.
  const link = `${h.base}/rooms/${ROOM}/chair#token=${amina}`;
  const page = await paste(`  ${link.slice(0, 60)}\n${link.slice(60)}  `);
  await page.waitForURL((url) => url.pathname === `/rooms/${ROOM}`);
  assert.equal(new URL(page.url()).hash, '');
  await text(page.locator('#room-title'), 'CGI.br plenary');
  await page.getByRole('button', { name: 'Raise hand', exact: true }).waitFor();

  const bare = await paste(chair);
  await bare.waitForURL((url) => url.pathname === `/rooms/${ROOM}/chair`);
});

test('a link for every room names its room; a link without a token says what is missing', async () => {
  const admin = h.token({ room: '*', role: 'admin', sub: 'sec', name: 'Secretariat' });
  const page = await paste(`${h.base}/rooms/${ROOM}/chair#token=${admin}`);
  await page.waitForURL((url) => url.pathname === `/rooms/${ROOM}/chair`);

  const empty = await paste(`${h.base}/rooms/${ROOM}/chair`);
  await text(empty.getByRole('alert'), 'This link has no access token in it.');
  assert.equal(await empty.locator('#token').getAttribute('aria-invalid'), 'true');
  await h.shot(empty, 'join-link-without-token');
  assert.deepEqual(await axe(empty), []);

  const ar = await paste(`${h.base}/rooms/${ROOM}#lang=ar`, 'ar');
  await text(ar.getByRole('alert'), 'لا يتضمن هذا الرابط رمز دخول.');
  assert.equal(await ar.getByLabel('رابط الدخول أو رمزه').count(), 1);
  await h.shot(ar, 'join-link-without-token-arabic');
  assert.deepEqual(await axe(ar), []);
});
