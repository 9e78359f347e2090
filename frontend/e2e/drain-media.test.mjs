// The plenary's sound across a drain: two `parley serve` nodes on one
// Redis behind the load balancer (balancer.mjs); a venue publishes the
// fake microphone and a participant's page listens, both through the
// balancer, so node A holds the room's media. A gets SIGTERM: it ends its
// media sessions, then closes the live connections with 4009. The browser
// is not told its sessions are gone until ICE gives up, seconds later, so
// the pages open new ones on the 4009, through the balancer, which sends
// them to B; the participant hears the venue again from B, and her
// microphone (she is next) is ready again there. Her new offers followed
// the 4009, not an ICE failure: her old peer connections never reported
// one. The first new offer to listen is refused with 503 and Retry-After,
// as a draining node may answer, and the page offers again after it.
// While the sessions were being reopened, the page said so, in its words:
// not that it was listening, nor that her microphone was ready.

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

  test('the page listens and publishes again from the other node at once, on the 4009, not once ICE gives up', async () => {
    await text(page.locator('#listen-status'), 'Listening to the plenary', WAIT_MS);
    await grows(page, VENUE, 'the venue feed plays from node A');
    // She is next: her microphone is ready, on A too.
    await b.api('POST', `/api/v1/rooms/${ROOM}/commands`, tokens.lena, { type: 'raise_hand' });
    await text(page.locator('#mic-status'), 'Your microphone is ready', WAIT_MS);
    const offers = (endpoint) => balancer.routes.filter((r) => r.path.endsWith(`/${endpoint}`)).map((r) => r.node);
    assert.deepEqual(offers('whep'), [0], 'the page listens on node A');
    assert.deepEqual(offers('whip'), [0, 0], 'the venue and her microphone publish on node A');

    balancer.busy = { path: `/api/v1/rooms/${ROOM}/whep`, count: 1, retryAfter: 1 };
    await a.stopServer();
    assert.equal(a.proc.exitCode, 0, 'node A exits 0 after SIGTERM');
    await until(async () => (await publishers(b)).some((p) => p.kind === 'venue' && p.audio), 'the venue publishes again, on node B');
    await until(async () => (await publishers(b)).some((p) => p.kind === 'mic' && p.sub === 'lena' && p.audio), 'her microphone reaches node B');
    await text(page.locator('#listen-status'), 'Listening to the plenary', WAIT_MS);
    await text(page.locator('#mic-status'), 'Your microphone is ready', WAIT_MS);
    await grows(page, VENUE, 'the venue feed plays again, from node B');
    await a.shot(page, 'drain-media-listening');

    const log = await page.evaluate(() => window.mediaLog);
    const show = JSON.stringify(log);
    const closed = log.findIndex((e) => e.what === 'close');
    assert.ok(closed >= 0 && log[closed].code === 4009, `the live connection closed with 4009: ${show}`);
    // The page offered again after the 4009: to listen, twice (the 503,
    // then B), and to publish, once.
    const offered = log.filter((e) => e.what === 'offer').map((e) => [e.endpoint, log.indexOf(e) > closed]);
    assert.deepEqual(offered.filter(([, after]) => after).map(([endpoint]) => endpoint).sort(), ['whep', 'whep', 'whip'], `the offers after the 4009: ${show}`);
    // The first sessions' peer connections were closed by the page on the
    // 4009: ICE never had the time to report the link down.
    const old = new Set(log.slice(0, closed).filter((e) => e.what === 'pc').map((e) => e.pc));
    const lost = log.filter((e) => e.what === 'pc' && old.has(e.pc) && ['disconnected', 'failed'].includes(e.state));
    assert.deepEqual(lost, [], `the first sessions' connections reported no loss: ${show}`);
    // From the 4009 until each new session connected, the page said it was
    // reconnecting, never listening, nor that the microphone was ready.
    for (const [dir, what, words] of [['recvonly', 'listen', 'Sound lost — reconnecting…'], ['sendonly', 'mic', 'Reconnecting your microphone: nobody hears you for a moment.']]) {
      const connected = log.findIndex((e, k) => k > closed && e.what === 'pc' && e.dir === dir && e.kind === 'conn' && e.state === 'connected');
      assert.ok(connected > closed, `the new ${dir} session connected: ${show}`);
      const between = log.slice(closed, connected).filter((e) => e.what === what);
      assert.ok(between.length > 0 && between.every((e) => e.state === 'reconnecting' && e.text === words), `the page's ${what} status between the 4009 and the new session: ${JSON.stringify(between)}`);
    }

    // After the drain, the balancer refused the first offer to listen and
    // sent the next to B, as it did the venue's and the microphone's.
    assert.deepEqual(offers('whep'), [0, -1, 1], 'the page\'s offers to listen');
    assert.deepEqual(offers('whip'), [0, 0, 1, 1], 'the venue\'s and her microphone\'s offers');
    assert.deepEqual(page.errors.filter((e) => !e.includes('status of 503')), []);
  });

  // publishers is what node n says of the room's publishers.
  async function publishers(n) {
    return (await n.api('GET', `/api/v1/rooms/${ROOM}/media/publishers`, tokens.chair)).publishers;
  }
});

// watch runs in the page before its scripts: in one log, in order, the
// close code of each live connection, each WHIP and WHEP offer, each ICE
// and connection state of each peer connection (with its first m-line's
// direction: recvonly to listen, sendonly to publish), and each state of
// the page's sound and microphone statuses with their words.
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
  window.fetch = (url, opts = {}) => {
    const endpoint = String(url).match(/\/(whip|whep)(\?|$)/)?.[1];
    if (opts.method === 'POST' && endpoint) log.push({ what: 'offer', endpoint });
    return fetch(url, opts);
  };
  const NativePC = window.RTCPeerConnection;
  let pcs = 0;
  window.RTCPeerConnection = class extends NativePC {
    constructor(...args) {
      super(...args);
      const pc = pcs++;
      const push = (kind, state) => log.push({ what: 'pc', pc, dir: this.getTransceivers()[0]?.direction, kind, state });
      this.addEventListener('iceconnectionstatechange', () => push('ice', this.iceConnectionState));
      this.addEventListener('connectionstatechange', () => push('conn', this.connectionState));
    }
  };
  document.addEventListener('DOMContentLoaded', () => {
    for (const [what, holder, words] of [['listen', 'listen-status', 'listen-status'], ['mic', 'mic', 'mic-status']]) {
      const el = document.getElementById(holder);
      new MutationObserver(() => {
        if (el.dataset.state === log.findLast((e) => e.what === what)?.state) return;
        log.push({ what, state: el.dataset.state, text: document.getElementById(words).textContent });
      }).observe(el, { attributes: true, attributeFilter: ['data-state'] });
    }
  });
}
