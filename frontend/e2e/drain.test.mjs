// A node draining under a participant's page: two `parley serve` nodes on
// one Redis behind a load balancer (balancer.mjs), so the page has one
// origin. Node A gets SIGTERM while the chair goes on acting through node B:
// A's /readyz fails, the balancer sends new connections to B (holding the
// page's until the chair has acted again), A closes the page's live
// connection with 4009, and the page reconnects through the balancer to B
// and resumes by seq (B's window or the room's log), with every event once
// and in order, no snapshot, its own request and note as they were, its
// microphone (she is next by then) from B, and no error left on screen.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Balancer } from './balancer.mjs';
import { Harness, text } from './harness.mjs';
import { REDIS_URL, deleteUnder, redisAnswers, redisPrefix } from './redis.mjs';

const ROOM = 'drain';
// The chair's pace: a chair clicking, not a burst.
const PACE_MS = 250;
// The chair stops once the page has resumed and it has acted three times
// more, and in any case after this many actions.
const MAX_ACTIONS = 120;
const WAIT_MS = 30_000;

// Without a Redis the test is skipped, unless one was promised (CI).
const redisUp = await redisAnswers();
const skip = !redisUp && !process.env.PARLEY_TEST_REDIS_URL && `no Redis answers at ${REDIS_URL}`;

describe('a draining node', { skip }, () => {
  const prefix = redisPrefix('drain');
  const serveArgs = ['--redis', REDIS_URL, '--redis-prefix', prefix];
  const a = new Harness(); // node A, which drains, and the browser
  let b; // node B, which stays
  let balancer;
  let page;
  const tokens = {};

  before(async () => {
    assert.ok(redisUp, `no Redis answers at ${REDIS_URL}`);
    // Each node advertises its own URL, as several nodes on one Redis
    // must for a room's media to have one holder.
    await a.start({ serveArgs, media: true, advertise: true }); // a fake microphone for her turn
    b = await a.node({ serveArgs });
    balancer = new Balancer([a.base, b.base]);
    await balancer.start();
    tokens.chair = a.token({ room: ROOM, role: 'chair', sub: 'chair', name: 'Chair Ana', group: 'government' });
    tokens.amina = a.token({ room: ROOM, sub: 'amina', name: 'Amina Diallo', group: 'civil-society' });
    tokens.carlos = a.token({ room: ROOM, sub: 'carlos', name: 'Carlos Souza', group: 'government' });
    tokens.mei = a.token({ room: ROOM, sub: 'mei', name: 'Mei Tanaka', group: 'academia' });
    await a.api('POST', '/api/v1/rooms', tokens.chair, { id: ROOM, title: 'Drain', policy: { kind: 'fifo' } });
    for (const sub of ['amina', 'carlos']) {
      await b.api('POST', `/api/v1/rooms/${ROOM}/commands`, tokens[sub], { type: 'raise_hand' });
    }
    page = await a.open(`/rooms/${ROOM}`, tokens.mei, { origin: balancer.base, init: watch });
  });

  after(async () => {
    await page?.context().close();
    await balancer?.stop();
    await b?.stop();
    await a.stop();
    if (redisUp) await deleteUnder(prefix);
  });

  test('its page reconnects through the balancer to the other node and resumes every event in order', async () => {
    await text(page.locator('#queue'), 'Carlos Souza', WAIT_MS);
    await page.getByLabel('Note for the chair (optional)').fill('On the budget line');
    await page.getByRole('button', { name: 'Raise hand', exact: true }).click();
    await text(page.locator('#mine-body'), 'You are 3rd in the queue', WAIT_MS);
    assert.deepEqual(balancer.routes.filter((r) => r.kind === 'ws').map((r) => r.node), [0], 'the page is live on node A');

    const chair = (command) => b.api('POST', `/api/v1/rooms/${ROOM}/commands`, tokens.chair, command);
    const welcomes = () => frames(page).filter((m) => m.type === 'welcome').length;
    let drained = null;
    let resumedAt = null;
    let items = 0;
    let last = 0; // the seq of the chair's last action
    // The balancer holds the page's new connection until the chair has
    // acted once more, so the page resumes with an event it was away for.
    let heldAt = null;
    let missed = null; // the seq of that action
    let release;
    try {
      for (let i = 1; i <= MAX_ACTIONS; i++) {
        // Two grants among the agenda items: Amina's turn, then Carlos's.
        const grant = i === 3 || i === 6;
        last = (await chair(grant ? { type: 'call_next' } : { type: 'set_agenda_item', title: `Item ${++items}` })).seq;
        if (i === 2) {
          balancer.hold = new Promise((resolve) => { release = resolve; });
          drained = a.stopServer(); // SIGTERM, and the chair goes on
        } else if (heldAt === null && balancer.held > 0) {
          heldAt = i;
        } else if (heldAt !== null && missed === null) {
          missed = last;
          balancer.hold = null;
          release();
        }
        if (resumedAt === null && welcomes() > 1) resumedAt = i;
        if (resumedAt !== null && i >= Math.max(6, resumedAt + 3)) break;
        await new Promise((resolve) => setTimeout(resolve, PACE_MS));
      }
    } finally {
      balancer.hold = null;
      release?.();
    }
    assert.ok(resumedAt, `the page did not resume within ${MAX_ACTIONS} actions of the chair`);
    await drained;
    assert.equal(a.proc.exitCode, 0, 'node A exits 0 after SIGTERM');

    // What the page shows is where the chair left the room.
    await text(page.locator('#agenda'), `Item ${items}`, WAIT_MS);
    await text(page.locator('#floor-body'), 'Carlos Souza', WAIT_MS);
    const mine = page.locator('#mine-body');
    await text(mine, 'You are 1st in the queue', WAIT_MS);
    await text(mine, 'Your note: On the budget line');
    await mine.getByRole('button', { name: 'Withdraw', exact: true }).waitFor();
    await page.waitForFunction(() => !document.getElementById('conn').classList.contains('conn-lost'), null, { timeout: WAIT_MS });
    // Next since the drain, she gets her microphone from B: A takes no
    // new media.
    await text(page.locator('#mic-status'), 'Your microphone is ready', WAIT_MS);
    await a.shot(page, 'drain-participant-resumed');
    assert.equal(await page.locator('#alert').innerText(), '', 'no error is left on the page');
    assert.deepEqual(page.errors, []);

    // A closed the connection saying it drains; the page said it was
    // reconnecting, then that it had, and is live again.
    const seen = await page.evaluate(() => ({ closes: window.liveCloses, conn: window.connShown, agenda: window.agendaShown }));
    assert.deepEqual(seen.closes, [4009], 'the page\'s live connections closed: node A\'s, with 4009');
    const lost = seen.conn.findIndex((c) => c.lost);
    assert.ok(lost >= 0, `the page never said it was reconnecting: ${JSON.stringify(seen.conn)}`);
    assert.ok(seen.conn.slice(lost).some((c) => c.ok && c.text === 'Reconnected'), `the page never said it had reconnected: ${JSON.stringify(seen.conn)}`);

    // Once A failed its check, the page's one new connection went to B,
    // resuming after the seq it had applied: not to A again, not twice.
    const ws = balancer.routes.filter((r) => r.kind === 'ws');
    assert.equal(ws.length, 2, `live connections through the balancer: ${JSON.stringify(ws)}`);
    assert.deepEqual([ws[0].node, ws[0].after], [0, null]);
    assert.equal(ws[1].node, 1);
    assert.match(ws[1].after ?? '', /^\d+$/);
    const whip = balancer.routes.filter((r) => r.path.endsWith('/whip'));
    assert.ok(whip.length > 0 && whip.every((r) => r.node === 1), `the microphone's offers: ${JSON.stringify(whip)}`);

    // Every event from the first snapshot to the chair's last action,
    // once each and in order, and no second snapshot: a resume, not a
    // reload. The agenda showed every item in turn.
    const msgs = frames(page);
    const snapshots = msgs.filter((m) => m.type === 'snapshot');
    assert.equal(snapshots.length, 1, 'the page resumed without a snapshot');
    const from = snapshots[0].snapshot.seq;
    const seqs = msgs.filter((m) => m.type === 'event').map((m) => m.seq);
    assert.deepEqual(seqs, Array.from({ length: last - from }, (_, k) => from + 1 + k), 'the events the page received');
    assert.ok(Number(ws[1].after) > from && Number(ws[1].after) < missed, `the page resumed after ${ws[1].after}: want between ${from} and ${missed}, an action taken while it was away`);
    assert.deepEqual(seen.agenda, ['No agenda item set', ...Array.from({ length: items }, (_, k) => `Item ${k + 1}`)]);

    const snap = await b.snapshot(ROOM, tokens.chair);
    assert.equal(snap.seq, last);
    assert.equal(snap.agenda_item, `Item ${items}`);
    assert.equal(snap.floor.sub, 'carlos');
    assert.deepEqual(snap.queue.map((e) => e.sub), ['mei']);
  });
});

// frames are the live messages the page received, over all its
// connections, in order.
function frames(page) {
  return page.received.map((f) => JSON.parse(f));
}

// watch runs in the page before its scripts: it keeps the close code of
// every live connection, each state of the connection banner and each
// agenda item shown.
function watch() {
  window.liveCloses = [];
  window.connShown = [];
  window.agendaShown = [];
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('close', (e) => window.liveCloses.push(e.code));
    }
  };
  document.addEventListener('DOMContentLoaded', () => {
    const conn = document.getElementById('conn');
    new MutationObserver(() => {
      const state = { text: conn.textContent, lost: conn.classList.contains('conn-lost'), ok: conn.classList.contains('conn-ok') };
      if (JSON.stringify(state) !== JSON.stringify(window.connShown.at(-1))) window.connShown.push(state);
    }).observe(conn, { childList: true, characterData: true, subtree: true, attributes: true });
    const agenda = document.getElementById('agenda');
    new MutationObserver(() => window.agendaShown.push(agenda.textContent)).observe(agenda, { childList: true, characterData: true, subtree: true });
  });
}
