// Queue reasons come as a code and figures (the entry's `why`) and each page
// says them in its own language: here French and Arabic, for the balanced
// policy's shares, first come first served and the rotation.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Harness, text } from './harness.mjs';

const ROOM = 'reasons';
const h = new Harness();
let chair;
const tokens = {};

before(async () => {
  await h.start();
  chair = h.token({ room: ROOM, role: 'chair', sub: 'chair', name: 'Chair' });
  await h.createRoom(ROOM, 'Reasons in every language', chair);
  tokens.claire = h.token({ room: ROOM, sub: 'claire', name: 'Claire Dubois', group: 'civil-society', region: 'western-europe-others', gender: 'woman' });
  tokens.omar = h.token({ room: ROOM, sub: 'omar', name: 'Omar Haddad', group: 'government', region: 'africa', gender: 'man' });
  tokens.ines = h.token({ room: ROOM, sub: 'ines', name: 'Inès Martin', group: 'civil-society', region: 'western-europe-others', gender: 'woman' });
});

after(() => h.stop());

const command = (token, body) => h.api('POST', `/api/v1/rooms/${ROOM}/commands`, token, body);

test('a French and an Arabic page say the queue reasons in their language', async () => {
  // A turn on the record, so the balanced policy explains by shares.
  await command(tokens.claire, { type: 'raise_hand', kind: 'speak' });
  await command(chair, { type: 'call_next' });
  await command(chair, { type: 'release' });
  await command(tokens.ines, { type: 'raise_hand', kind: 'speak' });
  await command(tokens.omar, { type: 'raise_hand', kind: 'speak' });

  const fr = await h.open(`/rooms/${ROOM}`, tokens.ines, { locale: 'fr-FR' });
  const ar = await h.open(`/rooms/${ROOM}/chair`, chair, { locale: 'ar-EG' });
  await fr.getByRole('button', { name: 'Lever la main', exact: true }).waitFor();
  await ar.waitForFunction(() => document.documentElement.lang === 'ar');

  const snap = await h.snapshot(ROOM, chair);
  const codes = snap.queue.map((e) => e.why.code);
  assert.ok(codes.includes('share') || codes.includes('before'), `balanced reasons: ${codes}`);
  const label = { man: 'Homme', woman: 'Femme', government: 'Gouvernement', 'civil-society': 'Société civile' };
  const pct = (x) => new Intl.NumberFormat('fr', { style: 'percent', maximumFractionDigits: 0 }).format(x ?? 0);
  for (const { why } of snap.queue) {
    if (why.code !== 'share' || !(why.category in label)) continue;
    if (why.category === 'man' || why.category === 'woman') {
      // Someone's declared gender: a participant's page receives the
      // reason without it.
      await text(fr.locator('#queue .reason'), 'équilibre : placée selon');
      continue;
    }
    const measure = why.measure === 'turns' ? 'des interventions' : 'du temps de parole';
    await text(fr.locator('#queue .reason'),
      `${label[why.category]} : ${pct(why.share)} ${measure} jusqu’ici, pour un objectif de ${pct(why.target)}`);
  }
  assert.doesNotMatch((await fr.locator('#queue').innerText()), /Homme|Femme/);
  // No English left in the reasons, and nothing marked as English.
  for (const page of [fr, ar]) {
    const reasons = await page.locator('#queue .reason').allTextContents();
    assert.equal(reasons.length, 2);
    for (const r of reasons) assert.doesNotMatch(r, /against a|has had|have had|taken before/);
    assert.equal(await page.locator('#queue .reason[lang="en"]').count(), 0);
  }
  await text(ar.locator('#queue'), 'مقابل هدف قدره');

  await command(chair, { type: 'set_policy', policy: { kind: 'fifo' } });
  await text(fr.locator('#mine .reason'), 'premier arrivé, premier servi : demande faite à');
  await text(ar.locator('#queue'), 'الأسبقية في الطلب: طُلبت الكلمة الساعة');

  await command(chair, { type: 'set_policy', policy: { kind: 'rotate' } });
  // Both take part remotely, so stand in the NETmundial pattern's remote slots.
  await text(fr.locator('#queue .reason'), /^rotation : tour \d+, créneau 5 sur 6, participants à distance et pôles régionaux$/);
  await text(ar.locator('#queue .reason'), /^التناوب: الجولة .+، الخانة .+ من .+، \u2068?المشاركون عن بُعد والمراكز الإقليمية\u2069?$/);

  // The chair's own words when moving a request stay as typed.
  const last = (await h.snapshot(ROOM, chair)).queue.at(-1);
  await command(chair, { type: 'move', request: last.id, position: 1, reason: 'Speaks for the host country' });
  await text(fr.locator('#queue'), 'déplacé par la présidence : Speaks for the host country');
  await text(ar.locator('#queue'), 'نقله الرئيس');
  await text(ar.locator('#queue'), 'Speaks for the host country');
  await h.shot(fr, 'participant-reasons-french');
  await h.shot(ar, 'chair-reasons-arabic');
  for (const page of [fr, ar]) assert.deepEqual(page.errors, []);
});

test('the chair bounds the wait in minutes and the queue says who is due', async () => {
  const room = 'reasons-due';
  const chair = h.token({ room, role: 'chair', sub: 'chair', name: 'Chair' });
  await h.createRoom(room, 'A bound on waiting', chair);
  const t = (sub, group, gender) => h.token({ room, sub, name: sub, group, region: 'africa', gender });
  const [claire, ines, omar] = [t('claire', 'civil-society', 'woman'), t('ines', 'civil-society', 'woman'), t('omar', 'government', 'man')];
  const cmd = (token, body) => h.api('POST', `/api/v1/rooms/${room}/commands`, token, body);
  // Claire holds the floor with two minutes to run; Ines, then Omar, ask.
  await cmd(claire, { type: 'raise_hand', kind: 'speak' });
  await cmd(chair, { type: 'call_next' });
  await cmd(ines, { type: 'raise_hand', kind: 'speak' });
  await cmd(omar, { type: 'raise_hand', kind: 'speak' });

  const console = await h.open(`/rooms/${room}/chair`, chair);
  await console.getByLabel('Balance on').selectOption('turns');
  await console.getByLabel(/^Longest anyone waits, in minutes/).fill('2');
  await console.getByRole('button', { name: 'Apply policy' }).click();
  await text(console.locator('#queue'), 'the earliest waiting: the next in balance would keep someone waiting more than 2 minutes');
  const snap = await h.snapshot(room, chair);
  assert.equal(snap.policy.max_wait_s, 120);
  // Omar is below target, but his turn would make Ines start more than 2
  // minutes after asking: she is due.
  assert.deepEqual(snap.queue.map((e) => `${e.sub} ${e.why.code}`), ['ines due', 'omar waiting']);

  const fr = await h.open(`/rooms/${room}`, ines, { locale: 'fr-FR' });
  await text(fr.locator('#mine .reason'), /^demandée à .+, la plus ancienne en attente : la suivante selon l’équilibre ferait attendre quelqu’un plus de 2 minutes$/);
  await h.shot(console, 'chair-wait-bound');
  for (const page of [console, fr]) assert.deepEqual(page.errors, []);
});
