// The plenary's sound across a drain: two `parley serve` nodes on one
// Redis behind the load balancer (balancer.mjs); a venue publishes the
// fake microphone and a participant's page listens, both through the
// balancer, so node A holds the room's media. A gets SIGTERM: it ends its
// media sessions, then closes the live connections with 4009. The peer
// connections do not say their sessions are gone until ICE gives up,
// seconds later (only their DTLS transports are closed), so the pages open
// new ones on the 4009, through the balancer, which sends them to B; the
// participant hears the venue again from B, and her microphone (she is
// next) is ready again there. Her new offers followed the 4009, not an ICE
// failure: her old peer connections never reported one. The first new
// offer to listen is refused with 503 and Retry-After, as a draining node
// may answer, and the page offers again after it. While the sessions were
// being reopened, the page said so, in its words: not that it was
// listening, nor that her microphone was ready.
// Behind a real load balancer the live connections and the media may be
// on different nodes: with the live connections on A and the media on B,
// the 4009 from A changes nothing of the sessions on B, which go on
// playing and publishing, with no new offer and no word of reconnecting.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Balancer } from './balancer.mjs';
import { Harness, text } from './harness.mjs';
import { grows, until } from './media-pages.mjs';
import { REDIS_URL, deleteUnder, redisAnswers, redisPrefix } from './redis.mjs';

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
  const c = cluster('drain-media', 0);

  test('the page listens and publishes again from the other node at once, on the 4009, not once ICE gives up', async () => {
    const { a, b, balancer, page, tokens, room } = c;
    await text(page.locator('#listen-status'), 'Listening to the plenary', WAIT_MS);
    await grows(page, VENUE, 'the venue feed plays from node A');
    // She is next: her microphone is ready, on A too.
    await b.api('POST', `/api/v1/rooms/${room}/commands`, tokens.lena, { type: 'raise_hand' });
    await text(page.locator('#mic-status'), 'Your microphone is ready', WAIT_MS);
    assert.deepEqual(offers(c, 'whep'), [0], 'the page listens on node A');
    assert.deepEqual(offers(c, 'whip'), [0, 0], 'the venue and her microphone publish on node A');

    balancer.busy = { path: `/api/v1/rooms/${room}/whep`, count: 1, retryAfter: 1 };
    await a.stopServer();
    assert.equal(a.proc.exitCode, 0, 'node A exits 0 after SIGTERM');
    await until(async () => (await publishers(c, b)).some((p) => p.kind === 'venue' && p.audio), 'the venue publishes again, on node B');
    await until(async () => (await publishers(c, b)).some((p) => p.kind === 'mic' && p.sub === 'lena' && p.audio), 'her microphone reaches node B');
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
    assert.deepEqual(offers(c, 'whep'), [0, -1, 1], 'the page\'s offers to listen');
    assert.deepEqual(offers(c, 'whip'), [0, 0, 1, 1], 'the venue\'s and her microphone\'s offers');
    assert.deepEqual(page.errors.filter((e) => !e.includes('status of 503')), []);
  });

});

describe('a draining node holding the live connections, not the media', { skip }, () => {
  const c = cluster('drain-media-apart', 1);

  test('the page keeps listening from the other node, its microphone ready there, across the 4009: no new offer, no reconnecting', async () => {
    const { a, b, balancer, page, tokens, room } = c;
    await text(page.locator('#listen-status'), 'Listening to the plenary', WAIT_MS);
    await grows(page, VENUE, 'the venue feed plays from node B');
    await b.api('POST', `/api/v1/rooms/${room}/commands`, tokens.lena, { type: 'raise_hand' });
    await text(page.locator('#mic-status'), 'Your microphone is ready', WAIT_MS);
    assert.deepEqual(offers(c, 'whep'), [1], 'the page listens on node B');
    assert.deepEqual(offers(c, 'whip'), [1, 1], 'the venue and her microphone publish on node B');
    assert.deepEqual(balancer.routes.filter((r) => r.kind === 'ws').map((r) => r.node), [0, 0], 'the venue and the page are live on node A');

    await a.stopServer();
    assert.equal(a.proc.exitCode, 0, 'node A exits 0 after SIGTERM');
    const reopened = (log) => log.slice(log.findIndex((e) => e.what === 'close') + 1).some((e) => e.what === 'open');
    await until(async () => reopened(await page.evaluate(() => window.mediaLog)), 'the page is live again, on node B');
    await grows(page, VENUE, 'the venue feed still plays from node B, in the first session');
    await a.shot(page, 'drain-media-apart-listening');

    const log = await page.evaluate(() => window.mediaLog);
    const show = JSON.stringify(log);
    const closed = log.findIndex((e) => e.what === 'close');
    assert.equal(log[closed].code, 4009, `the live connection closed with 4009: ${show}`);
    // Nothing of the sessions changed after the 4009: no offer, no new
    // peer connection, no state of the old ones, no status of the page's.
    assert.deepEqual(log.slice(closed).filter((e) => e.what !== 'close' && e.what !== 'open'), [], `after the 4009: ${show}`);
    assert.deepEqual(offers(c, 'whep'), [1], 'the page\'s offers to listen');
    assert.deepEqual(offers(c, 'whip'), [1, 1], 'the venue\'s and her microphone\'s offers');
    assert.equal(await page.locator('#listen-status').getAttribute('data-state'), 'playing');
    assert.deepEqual((await publishers(c, b)).filter((p) => p.audio).map((p) => p.kind).sort(), ['mic', 'venue'], 'node B still has the venue and her microphone');
    assert.deepEqual(page.errors, []);
  });
});

// cluster is, for the tests of a describe, two `parley serve` nodes on one
// Redis behind the balancer: node A, which drains, with the browser, and
// node B, which stays; the venue publishing through the balancer and
// Lena's page open through it, in room. The balancer sends the live
// connections to A and the offers, and their sessions' PATCH and DELETE,
// to node media (0 for A, 1 for B), while it is ready. Its fields are set
// once its before hook has run.
function cluster(room, media) {
  const prefix = redisPrefix(room);
  const serveArgs = ['--redis', REDIS_URL, '--redis-prefix', prefix];
  const c = { room, a: new Harness(), tokens: {} };

  before(async () => {
    assert.ok(redisUp, `no Redis answers at ${REDIS_URL}`);
    const { a, tokens } = c;
    await a.start({ serveArgs, media: true, advertise: true });
    c.b = await a.node({ serveArgs });
    c.balancer = new Balancer([a.base, c.b.base]);
    c.balancer.pins = [{ path: /\/wh(ip|ep)(\/|$)/, node: media }];
    await c.balancer.start();
    tokens.chair = a.token({ room, role: 'chair', sub: 'chair', name: 'Chair Ana', group: 'government' });
    tokens.venue = a.token({ room, role: 'venue', sub: 'hall', name: 'Hall' });
    tokens.lena = a.token({ room, sub: 'lena', name: 'Lena Petrova', group: 'technical-community' });
    await a.api('POST', '/api/v1/rooms', tokens.chair, { id: room, title: 'Drain media' });
    c.venue = await a.open(`/e2e/venue.html?room=${room}`, tokens.venue, { origin: c.balancer.base, files: venueFiles });
    // Chromium takes a page the harness serves itself for one of the
    // public network, which may not open a WebSocket to the loopback
    // without leave: once given it, the venue's live connection gets in
    // at its next attempt. A grant replaces the page's others: the
    // microphone's is given again, or its track could end.
    await c.venue.context().grantPermissions(['local-network-access', 'microphone']);
    await until(async () => c.balancer.routes.some((r) => r.kind === 'ws'), 'the venue is live');
    await until(async () => (await publishers(c, [a, c.b][media])).some((p) => p.kind === 'venue' && p.audio), `the venue's audio reaches node ${'AB'[media]}`);
    c.page = await a.open(`/rooms/${room}`, tokens.lena, { origin: c.balancer.base, init: watch });
  });

  after(async () => {
    await c.venue?.context().close();
    await c.page?.context().close();
    await c.balancer?.stop();
    await c.b?.stop();
    await c.a.stop();
    if (redisUp) await deleteUnder(prefix);
  });
  return c;
}

// offers is the node each offer to endpoint (whip or whep) went to, in
// order; -1 for one the balancer refused itself.
function offers(c, endpoint) {
  return c.balancer.routes.filter((r) => r.path.endsWith(`/${endpoint}`)).map((r) => r.node);
}

// publishers is what node n says of the room's publishers.
async function publishers(c, n) {
  return (await n.api('GET', `/api/v1/rooms/${c.room}/media/publishers`, c.tokens.chair)).publishers;
}

// watch runs in the page before its scripts: in one log, in order, the
// opening and close code of each live connection, each WHIP and WHEP
// offer, each ICE, DTLS and connection state of each peer connection
// (with its first m-line's direction: recvonly to listen, sendonly to
// publish), and each state of the page's sound and microphone statuses
// with their words.
function watch() {
  const log = [];
  window.mediaLog = log;
  const NativeWS = window.WebSocket;
  window.WebSocket = class extends NativeWS {
    constructor(...args) {
      super(...args);
      this.addEventListener('open', () => log.push({ what: 'open' }));
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
      const push = this.#push = (kind, state) => log.push({ what: 'pc', pc, dir: this.getTransceivers()[0]?.direction, kind, state });
      this.addEventListener('iceconnectionstatechange', () => push('ice', this.iceConnectionState));
      this.addEventListener('connectionstatechange', () => push('conn', this.connectionState));
    }

    #push;

    // Once the answer is applied, the session's DTLS transport (one, as
    // the page bundles) is there to watch.
    async setRemoteDescription(...args) {
      await super.setRemoteDescription(...args);
      const t = this.getTransceivers()[0].receiver.transport;
      t.addEventListener('statechange', () => this.#push('dtls', t.state));
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
