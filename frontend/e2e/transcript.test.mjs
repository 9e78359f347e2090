// The live transcript through the pages: an English captioner and a French
// interpreter write in the captioner console, two participants read along in
// their languages, the hall display shows captions, a correction reaches
// the readers, and a reader that loses its connection catches up without
// repeating a line.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { download, Harness, text } from './harness.mjs';

const ROOM = 'summit';
const h = new Harness();
const pages = {};
let tokens;

before(async () => {
  await h.start();
  const person = (sub, name, group, region) => h.token({ room: ROOM, sub, name, group, region });
  tokens = {
    chair: h.token({ room: ROOM, role: 'chair', sub: 'chair', name: 'Chair' }),
    cart: h.token({ room: ROOM, role: 'captioner', sub: 'cart', name: 'CART writer' }),
    interp: h.token({ room: ROOM, role: 'captioner', sub: 'interp', name: 'French booth', lang: 'fr' }),
    amina: person('amina', 'Amina Diallo', 'civil-society', 'africa'),
    carlos: person('carlos', 'Carlos Souza', 'government', 'latin-america-caribbean'),
    mei: person('mei', 'Mei Tanaka', 'academia', 'asia-pacific'),
    pierre: person('pierre', 'Pierre Martin', 'private-sector', 'western-europe-others'),
    screen: h.token({ room: ROOM, role: 'observer', sub: 'screen', name: 'Hall screen' }),
  };
  await h.createRoom(ROOM, 'NETmundial+10 summit', tokens.chair);
  const cmd = (who, c) => h.api('POST', `/api/v1/rooms/${ROOM}/commands`, tokens[who], c);
  await cmd('amina', { type: 'raise_hand' });
  await cmd('carlos', { type: 'raise_hand' });
  await cmd('chair', { type: 'call_next' });
});

after(() => h.stop());

const lines = (page) => page.locator('#tr-lines .tr-line');
const partial = (page) => page.locator('#tr-lines .tr-partial');
const finished = (page) => page.locator('#tr-lines .tr-line:not(.tr-partial)');

// listen records what the transcript's live region says, and when.
const listen = (page) => page.evaluate(() => {
  const region = document.getElementById('tr-announcer');
  window.heard = [];
  new MutationObserver(() => {
    if (region.textContent) window.heard.push({ text: region.textContent, at: Date.now() });
  }).observe(region, { childList: true, characterData: true, subtree: true });
});
const heard = (page) => page.evaluate(() => window.heard);

// typeLine types into the console like a person, a key at a time.
const typeLine = (page, words) => page.locator('#cap-text').pressSequentially(words, { delay: 25 });

test('the join page sends a captioner to the captioner console', async () => {
  const page = await h.open('/', tokens.cart);
  await page.waitForURL((url) => url.pathname === `/rooms/${ROOM}/caption`);
  await page.getByRole('heading', { name: 'Write captions' }).waitFor();
  pages.cart = page;
});

test('the console shows who has the floor and takes the language to write', async () => {
  const { cart } = pages;
  await text(cart.locator('#floor'), 'Amina Diallo');
  await text(cart.locator('#floor'), 'Civil society');
  const lang = cart.getByLabel('Caption language');
  await lang.fill('en_GB');
  await lang.press('Enter');
  await text(cart.locator('#cap-lang-error'), '“en_GB” is not a language tag');
  assert.equal(await lang.getAttribute('aria-invalid'), 'true');
  await lang.fill('en');
  await lang.press('Enter');
  await text(cart.locator('#lines-h'), 'Transcript: English');
  assert.equal(await cart.locator('#cap-lang-error').textContent(), '');
  // The pause that finishes a line is the server's (rooms.LineIdle).
  await text(cart.locator('#cap-help'), 'A pause of 3 seconds finishes it too.');

  // A token for one language fixes the console to it.
  pages.interp = await h.open(`/rooms/${ROOM}/caption`, tokens.interp);
  await text(pages.interp.locator('#cap-lang-help'), 'Your access token lets you write in this language only: French.');
  assert.equal(await pages.interp.getByLabel('Caption language').inputValue(), 'fr');
  assert.equal(await pages.interp.getByLabel('Caption language').getAttribute('readonly'), '');
});

test('readers see the words as they are typed, then the finished line, under the speaker', async () => {
  const { cart } = pages;
  pages.mei = await h.open(`/rooms/${ROOM}`, tokens.mei);
  pages.pierre = await h.open(`/rooms/${ROOM}`, tokens.pierre);
  const { mei } = pages;
  await text(mei.locator('#transcript'), 'No transcript yet');
  await listen(mei);

  await typeLine(cart, 'Good morning everyone, welcome ');
  // Before Enter: the line is there, marked as still being written.
  await text(partial(mei), 'Good morning everyone, welcome');
  await text(partial(mei).locator('.visually-hidden'), '(still being written)');
  await typeLine(cart, 'to this session on the future of Internet governance.');
  await cart.locator('#cap-text').press('Enter');
  await text(finished(mei), 'Good morning everyone, welcome to this session on the future of Internet governance.');
  assert.equal(await partial(mei).count(), 0);
  assert.equal(await cart.locator('#cap-text').inputValue(), '', 'Enter empties the box for the next line');
  await text(mei.locator('.tr-speaker').first(), 'Amina Diallo');
  await text(mei.locator('.tr-speaker').first(), 'Civil society');
  // Screen readers hear the finished line once, with who said it, and
  // never the words while they are still changing.
  await text(mei.locator('#tr-announcer'), 'Amina Diallo: Good morning everyone, welcome to this session');
  assert.deepEqual((await heard(mei)).map((a) => a.text), ['Amina Diallo: Good morning everyone, welcome to this session on the future of Internet governance.']);
  // The captioner sees the line too, ready to be corrected.
  await cart.getByRole('button', { name: /Good morning everyone, welcome/ }).waitFor();
});

test('a French interpreter writes too and a reader follows French', async () => {
  const { interp, pierre, mei } = pages;
  await pierre.locator('#tr-lang option[value="en"]').waitFor({ state: 'attached' });
  await typeLine(interp, 'Bonjour à tous, ');
  await pierre.locator('#tr-lang option[value="fr"]').waitFor({ state: 'attached' });
  await pierre.getByLabel('Transcript language').selectOption('fr');
  await text(partial(pierre), 'Bonjour à tous,');
  await typeLine(interp, 'bienvenue à cette session.');
  await interp.locator('#cap-text').press('Enter');
  await text(finished(pierre), 'Bonjour à tous, bienvenue à cette session.');
  assert.equal(await pierre.locator('#tr-lines').getAttribute('lang'), 'fr');
  await text(pierre.locator('.tr-speaker').first(), 'Amina Diallo');
  // Each reader has only their own language.
  assert.equal(await lines(pierre).filter({ hasText: 'Good morning' }).count(), 0);
  assert.equal(await lines(mei).filter({ hasText: 'Bonjour' }).count(), 0);
  await h.shot(interp, 'caption-console-fr');
});

test('the hall display shows the last lines as captions, the current one growing', async () => {
  pages.display = await h.open(`/rooms/${ROOM}/display?captions=en`, tokens.screen, { viewport: { width: 1920, height: 1080 } });
  const captions = pages.display.locator('#caption-lines');
  await text(captions, 'Good morning everyone');
  await typeLine(pages.cart, 'Our first speaker is Amina Diallo, ');
  await text(captions.locator('.caption-partial'), 'Our first speaker is Amina Diallo,');
  await typeLine(pages.cart, 'from civil society in Senegal.');
  await pages.cart.locator('#cap-text').press('Enter');
  await text(captions.locator('.caption-line:not(.caption-partial)'), 'from civil society in Senegal.');
  assert.equal(await captions.locator('.caption-line').count(), 2, 'two lines at most');
  await h.shot(pages.display, 'display-captions');
  const overflow = await pages.display.evaluate(() => document.documentElement.scrollHeight - innerHeight);
  assert.ok(overflow <= 0, `the display fits the screen with captions (${overflow} px over)`);
});

test('a correction in the console reaches the readers', async () => {
  const { cart, mei } = pages;
  await cart.getByRole('button', { name: /Good morning everyone, welcome/ }).click();
  const fix = cart.getByLabel('Corrected text');
  assert.equal(await fix.evaluate((el) => el === document.activeElement), true, 'focus goes to the correction');
  await fix.fill('Good morning everyone, and welcome to this session on the future of Internet governance.');
  await h.shot(cart, 'caption-console-correcting');
  await fix.press('Enter');
  await text(finished(mei), 'Good morning everyone, and welcome to this session');
  await text(mei.locator('.tr-line', { hasText: 'and welcome' }).locator('.tr-corrected'), 'corrected');
  assert.equal(await lines(mei).filter({ hasText: /^Good morning everyone, welcome/ }).count(), 0);
  // Focus comes back to the corrected line.
  await cart.getByRole('button', { name: /and welcome to this session/ }).waitFor();
  assert.equal(await cart.evaluate(() => document.activeElement.textContent.includes('and welcome')), true);
  await h.shot(cart, 'caption-console');
});

test('a line begun before the floor changes hands is not repeated for the next speaker', async () => {
  const { cart, mei } = pages;
  await typeLine(cart, 'Thank you, I would like to add ');
  await text(partial(mei), 'Thank you, I would like to add');
  await h.api('POST', `/api/v1/rooms/${ROOM}/commands`, tokens.chair, { type: 'call_next' });
  await text(cart.locator('#floor'), 'Carlos Souza');
  await typeLine(cart, 'Governments need a voice here too.');
  await text(partial(cart), 'Governments need a voice here');
  await h.shot(cart, 'caption-console-typing');
  await cart.locator('#cap-text').press('Enter');
  await text(finished(mei), 'Governments need a voice here too.');
  await text(mei.locator('.tr-speaker').last(), 'Carlos Souza');
  const all = await lines(mei).allTextContents();
  assert.ok(all.some((l) => l.startsWith('Thank you, I would like to add')), 'the first words stay with the first speaker');
  assert.ok(!all.some((l) => l.includes('add Governments')), `no line repeats them: ${JSON.stringify(all)}`);
  await h.shot(mei, 'participant-transcript');
});

test('the transcript reads right to left around the text in Arabic, and fits a phone, as does the console', async () => {
  const ar = await h.open(`/rooms/${ROOM}`, tokens.amina, { locale: 'ar' });
  await ar.waitForFunction(() => document.documentElement.dir === 'rtl');
  await text(finished(ar), 'Governments need a voice here too.');
  await text(ar.locator('#transcript-h'), 'النص الحرفي');
  await h.shot(ar, 'participant-transcript-arabic');
  await ar.context().close();

  const phone = await h.open(`/rooms/${ROOM}`, tokens.carlos, { viewport: { width: 375, height: 812 } });
  // On a phone the transcript has a tab of its own.
  await phone.getByRole('tab', { name: 'Transcript' }).click();
  await text(finished(phone), 'Governments need a voice here too.');
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, 'nothing is wider than the screen');
  await phone.locator('#transcript').scrollIntoViewIfNeeded();
  await h.shot(phone, 'participant-transcript-phone');
  await phone.context().close();

  const desk = await h.open(`/rooms/${ROOM}/caption`, tokens.interp, { locale: 'ar', viewport: { width: 375, height: 812 } });
  await text(desk.locator('#lines-h'), 'الفرنسية');
  await text(desk.locator('.tr-fix'), 'Bonjour à tous');
  const wide = await desk.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(wide, 0, 'the console fits a phone too');
  await h.shot(desk, 'caption-console-arabic-phone');
  await desk.context().close();
});

test('the text size is kept, and scrolling back stops the following until asked', async () => {
  const { mei } = pages;
  await mei.getByLabel('Text size').selectOption('xl');
  await mei.reload();
  await text(finished(mei), 'Governments need a voice here too.');
  assert.equal(await mei.getByLabel('Text size').inputValue(), 'xl');
  assert.equal(await mei.locator('#transcript').getAttribute('data-size'), 'xl');

  await listen(mei);
  for (let i = 1; i <= 12; i++) {
    await h.postCaption(ROOM, tokens.cart, { lang: 'en', seq: i, text: `Point number ${i} of the roadmap.\n` });
  }
  await text(finished(mei), 'Point number 12 of the roadmap.');
  // Twelve lines at once are not twelve announcements: at most one every
  // two seconds, the newest lines of a burst, the last one included.
  await text(mei.locator('#tr-announcer'), 'Point number 12 of the roadmap.', 5000);
  const said = await heard(mei);
  assert.ok(said.length < 12, JSON.stringify(said));
  for (let i = 1; i < said.length; i++) assert.ok(said[i].at - said[i - 1].at >= 1900, 'two seconds apart');
  for (const a of said) assert.ok(a.text.split('Point number').length - 1 <= 3, `three lines at most: ${a.text}`);
  const scroller = mei.locator('#tr-scroll');
  const atBottom = () => scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 2);
  assert.ok(await atBottom(), 'it follows the newest line');
  await scroller.evaluate((el) => { el.scrollTop = 0; });
  const jump = mei.getByRole('button', { name: 'Jump to latest' });
  await jump.waitFor();
  await h.postCaption(ROOM, tokens.cart, { lang: 'en', seq: 13, text: 'Point number 13 of the roadmap.\n' });
  await text(finished(mei), 'Point number 13');
  assert.equal(await scroller.evaluate((el) => el.scrollTop), 0, 'the reader keeps their place');
  await jump.click();
  assert.ok(await atBottom(), 'Jump to latest goes to the newest line');
  await jump.waitFor({ state: 'hidden' });
  await mei.getByLabel('Text size').selectOption('m');
});

test('the console says why the server refuses text, and keeps the words', async () => {
  // Not a captioner: warned up front, and the line stays in the box.
  const who = await h.open(`/rooms/${ROOM}/caption`, tokens.pierre);
  await text(who.locator('#role-warning'), 'Your access token\'s role is “participant”');
  await who.locator('#cap-text').fill('Hello everyone');
  await who.locator('#cap-text').press('Enter');
  await text(who.getByRole('alert'), 'Only a captioner can write the transcript');
  assert.equal(await who.locator('#cap-text').inputValue(), 'Hello everyone');
  await who.context().close();
});

// The Spanish booth's transcript as the server has it.
const spanish = async () => (await h.api('GET', `/api/v1/rooms/${ROOM}/transcript?lang=es`, tokens.chair)).segments.map((s) => s.text);

test('a pasted statement of 300 lines goes out line by line, once, in order, and the console stays connected', async () => {
  tokens.booth = h.token({ room: ROOM, role: 'captioner', sub: 'es-booth', name: 'Spanish booth', lang: 'es' });
  const page = await h.open(`/rooms/${ROOM}/caption`, tokens.booth);
  pages.booth = page;
  await text(page.locator('#lines-h'), 'Spanish');
  // Far more than the person's burst (40): the console paces itself within
  // the budget the server named, so nothing is refused.
  const pasted = Array.from({ length: 300 }, (_, i) => `Línea ${i + 1}.`);
  await page.locator('#cap-text').fill(`${pasted.join('\n')}\n`);
  await page.waitForFunction(() => /Línea 300\./.test(document.getElementById('tr-lines').textContent), null, { timeout: 90_000 });
  assert.deepEqual(await spanish(), pasted, 'every line once, in order');
  assert.equal(await page.locator('#cap-text').inputValue(), '');
  assert.equal(await page.locator('#alert').textContent(), '', 'nothing was refused');
  const welcomes = page.received.filter((f) => JSON.parse(f).type === 'welcome');
  assert.equal(welcomes.length, 1, 'one connection throughout');
});

test('when the person\'s budget is spent elsewhere, the console says so and its lines still go once, in order', async () => {
  const page = pages.booth;
  const before = await spanish();
  // The same person's other tab or tool spends every token as it comes
  // (it has been refused once, so none is left), however fast the machine.
  const spend = async () => {
    const res = await fetch(`${h.base}/api/v1/rooms/${ROOM}/captions/seq?lang=es`, { headers: { Authorization: `Bearer ${tokens.booth}` } });
    await res.arrayBuffer();
    return res.status;
  };
  for (let i = 0; i < 1000 && (await spend()) !== 429; i++);
  let stop = false;
  const spending = (async () => {
    for (let i = 0; i < 20_000 && !stop; i++) await spend();
  })();
  const pasted = Array.from({ length: 5 }, (_, i) => `Frase ${i + 1}.`);
  await page.locator('#cap-text').fill(`${pasted.join('\n')}\n`);
  try {
    await text(page.getByRole('alert'), 'Too many lines at once');
  } finally {
    stop = true;
    await spending;
  }
  // Once the budget frees, the lines go, each once, in the order written,
  // and the alert goes with the first of them.
  await page.waitForFunction(() => /Frase 5\./.test(document.getElementById('tr-lines').textContent), null, { timeout: 30_000 });
  assert.deepEqual((await spanish()).slice(before.length), pasted);
  await page.waitForFunction(() => document.getElementById('alert').textContent === '');
  assert.equal(page.received.filter((f) => JSON.parse(f).type === 'welcome').length, 1, 'one connection throughout');
  await page.context().close();
});

test('the chair can download the transcript of each language', async () => {
  const chair = await h.open(`/rooms/${ROOM}/chair`, tokens.chair);
  await chair.getByRole('button', { name: 'Download Text: French' }).waitFor();
  const vtt = await download(chair, chair.getByRole('button', { name: 'Download WebVTT: English' }));
  assert.equal(vtt.name, `${ROOM}-en.vtt`);
  assert.match(vtt.text, /^WEBVTT/);
  assert.match(vtt.text, /Governments need a voice here too\./);
  await chair.locator('#record').scrollIntoViewIfNeeded();
  await h.shot(chair, 'chair-transcript-record');
  await chair.context().close();
});

test('a reader that reconnects catches up on what it missed, with no line twice', async () => {
  const { mei } = pages;
  await h.stopServer();
  await text(mei.locator('#conn'), 'Connection lost');
  await h.restartServer();
  // Written while the reader was away; it comes back after its back-off.
  await h.postCaption(ROOM, tokens.cart, { lang: 'en', seq: 14, text: 'While you were away, the chair closed the list.\n' });
  await h.postCaption(ROOM, tokens.cart, { lang: 'en', seq: 15, text: 'The session resumes at noon.\n' });
  await text(mei.locator('#conn'), 'Reconnected', 30_000);
  await text(finished(mei), 'The session resumes at noon.');
  const shown = await lines(mei).allTextContents();
  assert.deepEqual(shown, [...new Set(shown)], 'no line is shown twice');
  const record = await h.api('GET', `/api/v1/rooms/${ROOM}/transcript?lang=en`, tokens.chair);
  const written = record.segments.filter((s) => s.text).map((s) => s.text);
  assert.equal(shown.length, written.length, 'every line once');
  assert.deepEqual(shown.map((l) => l.replace(/ corrected$/, '')), written);
  for (const page of Object.values(pages)) assert.deepEqual(page.errors.filter((e) => !/WebSocket|Failed to load/.test(e)), []);
});
