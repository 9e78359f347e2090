// What the media tests share: a venue page that publishes the browser's
// fake microphone over WHIP, and readings of a page's WebRTC stats (the
// harness records every RTCPeerConnection a page makes).

// venueFiles is a test page, served by the harness on the server's origin,
// that publishes over WHIP with Parley's own client module once asked.
export const venueFiles = {
  'venue.html': {
    type: 'text/html',
    body: `<!doctype html><meta charset="utf-8"><title>venue</title>
<script type="module">
import { MediaSession } from '/static/js/media.js';
const token = new URLSearchParams(location.hash.slice(1)).get('token');
const room = new URLSearchParams(location.search).get('room');
window.publish = async (video) => {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video });
  const s = new MediaSession(room, token, 'whip');
  for (const track of stream.getTracks()) s.pc.addTransceiver(track, { direction: 'sendonly' });
  await s.open();
  window.venue = s;
};
window.ready = true;
</script>`,
  },
};

// openVenue opens the venue page and publishes with token (a venue's, or
// an interpreter's with kind 'interpreter'), with the fake camera too if
// video; it resolves once the server has the audio.
export async function openVenue(h, room, token, chairToken, kind = 'venue', { video = false } = {}) {
  const page = await h.open(`/e2e/venue.html?room=${room}`, token, { files: venueFiles });
  await page.waitForFunction(() => window.ready);
  await page.evaluate((v) => window.publish(v), video);
  await until(async () => (await publishers(h, room, chairToken)).some((p) => p.kind === kind && p.audio), `the ${kind}'s audio reaches the server`);
  return page;
}

export async function publishers(h, room, chairToken) {
  return (await h.api('GET', `/api/v1/rooms/${room}/media/publishers`, chairToken)).publishers;
}

// bytes is what a page's receiving peer connection (the last one it made
// with `lines` m-lines) has received on m-line i.
export function bytes(page, i, lines = 2) {
  return page.evaluate(async ([i, lines]) => {
    const pc = window.peerConnections.findLast((p) => p.getTransceivers().length === lines && p.getTransceivers()[0].direction === 'recvonly');
    if (!pc || pc.connectionState === 'closed') return 0;
    const stats = await pc.getTransceivers()[i].receiver.getStats();
    for (const r of stats.values()) if (r.type === 'inbound-rtp') return r.bytesReceived;
    return 0;
  }, [i, lines]);
}

// until polls check until it holds, or fails after timeout.
export async function until(check, what, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// grows waits until m-line i of page has received n more bytes: about a
// second of Opus.
export async function grows(page, i, what, { lines = 2, n = 3000 } = {}) {
  const from = await bytes(page, i, lines);
  await until(async () => (await bytes(page, i, lines)) >= from + n, what);
}

// quiet waits until m-line i of page has received nothing for a whole
// window: its sender is cut off, not merely slow.
export async function quiet(page, i, what, { lines = 2, windowMs = 2000 } = {}) {
  let last = await bytes(page, i, lines);
  let since = Date.now();
  await until(async () => {
    const now = await bytes(page, i, lines);
    if (now !== last) {
      last = now;
      since = Date.now();
    }
    return Date.now() - since >= windowMs;
  }, what);
  return last;
}
