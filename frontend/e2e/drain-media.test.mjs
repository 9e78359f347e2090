// The plenary's sound across a drain: two `parley serve` nodes on one
// Redis behind the load balancer (balancer.mjs); a venue publishes the
// fake microphone and a participant's page listens, both through the
// balancer, so node A holds the room's media. A gets SIGTERM: it ends its
// media sessions, then closes the live connections with 4009. The browser
// is not told its sessions are gone until ICE gives up, seconds later, so
// the pages open new ones on the 4009, through the balancer, which sends
// them to B; the participant hears the venue again from B. Its new offer
// followed the 4009, not an ICE failure: its old peer connection never
// reported one. The first new offer is refused with 503 and Retry-After,
// as a draining node may answer, and the page offers again after it.
// While the sound was being reopened, the page did not say it was
// listening.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Balancer } from './balancer.mjs';
import { Harness, text } from './harness.mjs';
import { grows, until } from './media-pages.mjs';
import { REDIS_URL, deleteUnder, redisAnswers, redisPrefix } from './redis.mjs';

const ROOM = 'drain-media';
const VENUE = 0; // the venue feed's m-line on a participant page
const WAIT_MS = 30_000;

const redisUp = await redisAnswers();
const skip = !redisUp && !process.env.PARLEY_TEST_REDIS_URL && `no Redis answers at ${REDIS_URL}`;

// venueFiles is a venue's publisher built on Parley's own modules: it
// follows the room's live connection, so it publishes again, at once, when
// its node drains.
const venueFiles = {
  'venue.html': {
    type: 'text/html',
    body: `<!doctype html><meta charset="utf-8"><title>venue</title>
<script type="module">
import { LiveRoom } from '/static/js/live.js';
import { Backoff, MediaSession, openFor } from '/static/js/media.js';
const token = new URLSearchParams(location.hash.slice(1)).get('token');
const room = new URLSearchParams(location.search).get('room');
const live = new LiveRoom(room, token);
live.start();
const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
const backoff = new Backoff();
const venue = { session: null };
function publish() {
  const s = new MediaSession(room, token, 'whip');
  venue.session = s;
  s.pc.addTransceiver(stream.getAudioTracks()[0], { direction: 'sendonly' });
  s.follow(live);
  s.addEventListener('state', (e) => {
    if (e.detail === 'connected') backoff.reset();
    if (e.detail !== 'ended' || venue.session !== s) return;
    venue.session = null;
    setTimeout(publish, backoff.next(s));
  });
  openFor(venue, s, (err) => setTimeout(publish, backoff.next(err)));
}
publish();
</script>`,
  },
};

describe('a draining node holding the media', { skip }, () => {
  const prefix = redisPrefix('drain-media');
  const serveArgs = ['--redis', REDIS_URL, '--redis-prefix', prefix];
  const a = new Harness(); // node A, which drains, and the browser
  let b; // node B, which stays
  let balancer;
  let venue, page;
  const tokens = {};

  before(async () => {
    assert.ok(redisUp, `no Redis answers at ${REDIS_URL}`);
    await a.start({ serveArgs, media: true, advertise: true });
    b = await a.node({ serveArgs });
    balancer = new Balancer([a.base, b.base]);
    await balancer.start();
    tokens.chair = a.token({ room: ROOM, role: 'chair', sub: 'chair', name: 'Chair Ana', group: 'government' });
    tokens.venue = a.token({ room: ROOM, role: 'venue', sub: 'hall', name: 'Hall' });
    tokens.lena = a.token({ room: ROOM, sub: 'lena', name: 'Lena Petrova', group: 'technical-community' });
    await a.api('POST', '/api/v1/rooms', tokens.chair, { id: ROOM, title: 'Drain media' });
    venue = await a.open(`/e2e/venue.html?room=${ROOM}`, tokens.venue, { origin: balancer.base, files: venueFiles });
    await until(async () => (await publishers(a)).some((p) => p.kind === 'venue' && p.audio), 'the venue\'s audio reaches node A');
    page = await a.open(`/rooms/${ROOM}`, tokens.lena, { origin: balancer.base, init: watch });
  });

  after(async () => {
    await venue?.context().close();
    await page?.context().close();
    await balancer?.stop();
    await b?.stop();
    await a.stop();
    if (redisUp) await deleteUnder(prefix);
  });

  test('the page listens again from the other node at once, on the 4009, not once ICE gives up', async () => {
    await text(page.locator('#listen-status'), 'Listening to the plenary', WAIT_MS);
    await grows(page, VENUE, 'the venue feed plays from node A');
    const offers = () => balancer.routes.filter((r) => r.path.endsWith('/whep'));
    assert.deepEqual(offers().map((r) => r.node), [0], 'the page listens on node A');

    balancer.busy = { path: `/api/v1/rooms/${ROOM}/whep`, count: 1, retryAfter: 1 };
    await a.stopServer();
    assert.equal(a.proc.exitCode, 0, 'node A exits 0 after SIGTERM');
    await until(async () => (await publishers(b)).some((p) => p.kind === 'venue' && p.audio), 'the venue publishes again, on node B');
    await until(() => offers().some((r) => r.node === 1), 'the page offers again, to node B');
    await text(page.locator('#listen-status'), 'Listening to the plenary', WAIT_MS);
    await grows(page, VENUE, 'the venue feed plays again, from node B');
    await a.shot(page, 'drain-media-listening');

    const log = await page.evaluate(() => window.mediaLog);
    const at = (what, pred = () => true) => log.findIndex((e) => e.what === what && pred(e));
    const closed = at('close');
    assert.ok(closed >= 0 && log[closed].code === 4009, `the live connection closed with 4009: ${JSON.stringify(log)}`);
    assert.ok(at('offer', (e) => e.n === 2) > closed, `the page offered again after the 4009: ${JSON.stringify(log)}`);
    assert.ok(at('offer', (e) => e.n === 3) > closed, `the page offered again after the 503: ${JSON.stringify(log)}`);
    // The first session's peer connection was closed by the page on the
    // 4009: ICE never had the time to report the link down.
    const lost = log.filter((e) => e.what === 'pc' && e.pc === 0 && ['disconnected', 'failed'].includes(e.state));
    assert.deepEqual(lost, [], `the first session's connection reported no loss: ${JSON.stringify(log)}`);
    // From the 4009 until the new session connected, the page said it was
    // reconnecting, never listening.
    const connected = log.findIndex((e, k) => k > closed && e.what === 'pc' && e.pc > 0 && e.kind === 'conn' && e.state === 'connected');
    assert.ok(connected > closed, `the new session connected: ${JSON.stringify(log)}`);
    const between = log.slice(closed, connected).filter((e) => e.what === 'listen').map((e) => e.state);
    assert.ok(between.length > 0 && between.every((s) => s === 'reconnecting'), `the page's sound status between the 4009 and the new session: ${JSON.stringify(between)}`);

    // After the drain, the balancer refused the first offer and sent the
    // next to B.
    assert.deepEqual(offers().map((r) => r.node), [0, -1, 1], `the page's offers: ${JSON.stringify(offers())}`);
    assert.deepEqual(page.errors.filter((e) => !e.includes('status of 503')), []);
  });

  // publishers is what node n says of the room's publishers.
  async function publishers(n) {
    return (await n.api('GET', `/api/v1/rooms/${ROOM}/media/publishers`, tokens.chair)).publishers;
  }
});

// watch runs in the page before its scripts: in one log, in order, the
// close code of each live connection, each WHEP offer (numbered), each
// ICE and connection state of each peer connection, and each state of the
// page's sound status.
function watch() {
  const log = [];
  window.mediaLog = log;
  const NativeWS = window.WebSocket;
  window.WebSocket = class extends NativeWS {
    constructor(...args) {
      super(...args);
      this.addEventListener('close', (e) => log.push({ what: 'close', code: e.code }));
    }
  };
  const fetch = window.fetch;
  let offers = 0;
  window.fetch = (url, opts = {}) => {
    if (opts.method === 'POST' && String(url).includes('/whep')) log.push({ what: 'offer', n: ++offers });
    return fetch(url, opts);
  };
  const NativePC = window.RTCPeerConnection;
  let pcs = 0;
  window.RTCPeerConnection = class extends NativePC {
    constructor(...args) {
      super(...args);
      const pc = pcs++;
      this.addEventListener('iceconnectionstatechange', () => log.push({ what: 'pc', pc, kind: 'ice', state: this.iceConnectionState }));
      this.addEventListener('connectionstatechange', () => log.push({ what: 'pc', pc, kind: 'conn', state: this.connectionState }));
    }
  };
  document.addEventListener('DOMContentLoaded', () => {
    const status = document.getElementById('listen-status');
    new MutationObserver(() => {
      if (status.dataset.state !== log.findLast((e) => e.what === 'listen')?.state) log.push({ what: 'listen', state: status.dataset.state });
    }).observe(status, { attributes: true, attributeFilter: ['data-state'] });
  });
}
