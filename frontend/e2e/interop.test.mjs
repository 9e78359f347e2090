// Interop with clients Parley did not write: npm's whip-whep (by the
// authors of the WHIP and WHEP drafts) publishes the venue feed from one
// Chromium page, and its WHEP player plays it back in another. The
// package's modules are served by the harness from node_modules, never by
// the Parley binary.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Harness } from './harness.mjs';
import { grows, publishers, until } from './media-pages.mjs';

const ROOM = 'interop';
const PACKAGE = path.join(import.meta.dirname, 'node_modules/whip-whep');
const h = new Harness();
const tokens = {};

const page = (script) => ({
  type: 'text/html',
  body: `<!doctype html><meta charset="utf-8"><title>whip-whep</title><audio id="out"></audio>
<script type="module">
const token = new URLSearchParams(location.hash.slice(1)).get('token');
const url = new URL('/api/v1/rooms/${ROOM}/' + (location.pathname.includes('whip') ? 'whip' : 'whep'), location.href).href;
${script}
window.ready = true;
</script>`,
});

const files = {
  'whip.js': path.join(PACKAGE, 'whip.js'),
  'whep.js': path.join(PACKAGE, 'whep.js'),
  'whip.html': page(`import { WHIPClient } from '/e2e/whip.js';
window.publish = async () => {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const pc = new RTCPeerConnection();
  pc.addTransceiver(stream.getAudioTracks()[0], { direction: 'sendonly' });
  window.client = new WHIPClient();
  await window.client.publish(pc, url, token);
};`),
  'whep.html': page(`import { WHEPClient } from '/e2e/whep.js';
window.play = async () => {
  const pc = new RTCPeerConnection();
  pc.addTransceiver('audio', { direction: 'recvonly' });
  pc.ontrack = (e) => {
    const out = document.getElementById('out');
    out.srcObject = new MediaStream([e.track]);
    out.play();
  };
  window.client = new WHEPClient();
  await window.client.view(pc, url, token);
};`),
};

before(async () => {
  await h.start({ media: true });
  tokens.chair = h.token({ room: ROOM, role: 'chair', sub: 'chair', name: 'Chair' });
  tokens.venue = h.token({ room: ROOM, role: 'venue', sub: 'hall', name: 'Hall' });
  tokens.viewer = h.token({ room: ROOM, sub: 'viewer', name: 'Viewer', group: 'academia' });
  await h.createRoom(ROOM, 'Interop', tokens.chair);
});

after(() => h.stop());

test("whip-whep's WHIP client publishes to Parley and its WHEP player plays it back", async () => {
  const whip = await h.open('/e2e/whip.html', tokens.venue, { files });
  await whip.waitForFunction(() => window.ready);
  await whip.evaluate(() => window.publish());
  await until(async () => (await publishers(h, ROOM, tokens.chair)).some((p) => p.kind === 'venue' && p.audio), "whip-whep's audio reaches Parley");

  const whep = await h.open('/e2e/whep.html', tokens.viewer, { files });
  await whep.waitForFunction(() => window.ready);
  await whep.evaluate(() => window.play());
  // One audio m-line, as a generic player offers: the program feed.
  await grows(whep, 0, "whip-whep's player receives the feed", { lines: 1 });
  assert.equal(await whep.evaluate(() => document.getElementById('out').paused), false);

  await whep.evaluate(() => window.client.stop());
  await whip.evaluate(() => window.client.stop());
  await until(async () => (await publishers(h, ROOM, tokens.chair)).length === 0, "whip-whep's DELETE ends the session");
  // whip-whep closes its peer connection before it sends the DELETE, so
  // Parley has often ended the session already and answers 404.
  const unexpected = [...whip.errors, ...whep.errors].filter((e) => !e.includes('status of 404'));
  assert.deepEqual(unexpected, []);
});
